//! Talking to the person (or script) at the other end: colour, prompts and progress only on
//! a terminal, progress on stderr only, JSON on request.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};

use super::args::OutputArgs;

#[derive(Clone, Debug)]
pub struct Ui {
    pub color: bool,
    pub json: bool,
    pub quiet: bool,
    /// Prompts are possible: stdin and stderr are terminals.
    pub interactive: bool,
    /// Progress bars are shown: stderr is a terminal and not quiet.
    pub progress: bool,
}

impl Ui {
    pub fn from_args(g: &OutputArgs) -> Ui {
        let color = !g.no_color
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::io::stdout().is_terminal();
        colored::control::set_override(color);
        Ui {
            color,
            json: g.json,
            quiet: g.quiet,
            interactive: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
            progress: std::io::stderr().is_terminal() && !g.quiet,
        }
    }

    /// Asks yes/no. Without a terminal to ask on, refuses rather than guessing.
    pub fn confirm(&self, question: &str) -> anyhow::Result<bool> {
        if !self.interactive {
            bail!(
                "not changing anything without confirmation: stdin is not a terminal (use --yes)"
            );
        }
        Ok(dialoguer::Confirm::new()
            .with_prompt(question)
            .default(false)
            .interact()?)
    }

    pub fn spinner(&self, message: &str) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {elapsed:>3} {msg}").unwrap());
        bar.set_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(80));
        bar
    }

    /// A progress bar of `len` steps on stderr; hidden when progress is not shown.
    pub fn bar(&self, len: u64, unit: &str) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{elapsed:>3}} [{{bar:30}}] {{pos}}/{{len}} {unit} {{msg}}"
            ))
            .unwrap()
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        bar
    }

    /// A line of narration on stderr (not in quiet mode).
    pub fn say(&self, line: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", line.as_ref());
        }
    }
}
