//! `rclust generate`: shell completions and man pages from the clap definitions, so they
//! cannot drift from the real flags. A test fails when the committed files are stale.

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

use super::args::{Cli, GenerateArgs};
use super::Exit;

pub fn run(args: &GenerateArgs) -> anyhow::Result<Exit> {
    write_completions(&args.completions)?;
    write_man(&args.man)?;
    Ok(Exit::Ok)
}

pub fn write_completions(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let mut cmd = Cli::command();
        clap_complete::generate_to(shell, &mut cmd, "rclust", dir)
            .with_context(|| format!("writing {shell} completions to {}", dir.display()))?;
    }
    Ok(())
}

pub fn write_man(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for cmd in [Cli::command(), crate::node::config::command()] {
        clap_mangen::generate_to(cmd, dir)
            .with_context(|| format!("writing man pages to {}", dir.display()))?;
    }
    Ok(())
}
