//! Read-only commands: `check`, `nodes`, `info`.

use std::time::{Duration, Instant};

use crate::admin::conn::ConnOpts;
use crate::admin::health;
use crate::admin::snapshot::Fleet;

use super::args::{CheckArgs, SeedArgs};
use super::ui::Ui;
use super::{print, print_json, render, Exit};

pub async fn check(args: CheckArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let fleet = Fleet::new(opts);
    let deadline = args
        .wait
        .map(|s| Instant::now() + Duration::from_secs_f64(s));
    let spinner = deadline.map(|_| ui.spinner("waiting for the cluster to be healthy"));
    let (snap, findings) = loop {
        let snap = fleet.load(&args.seed).await?;
        let findings = health::assess(&snap);
        // A wait also waits for replication links: they come up just after a change.
        let problems = health::problems(&findings)
            + findings
                .iter()
                .filter(|f| f.kind == "replica_link_down")
                .count();
        match deadline {
            Some(d) if problems > 0 && Instant::now() < d => {
                if let Some(s) = &spinner {
                    s.set_message(format!("{problems} problem(s): {}", findings[0].message));
                }
                // Paced by size: a load reads N views of N lines.
                let pause = crate::admin::exec::converge::pacing(snap.reports.len()).1;
                tokio::time::sleep(pause.max(Duration::from_millis(50))).await;
            }
            _ => break (snap, findings),
        }
    };
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    if ui.json {
        print_json(&render::check_json(&snap, &findings))?;
    } else if ui.quiet {
        print(&render::check_quiet(&snap, &findings, ui.color))?;
    } else {
        print(&render::check_text(&snap, &findings, ui.color))?;
    }
    Ok(if health::problems(&findings) == 0 {
        Exit::Ok
    } else {
        Exit::Problem
    })
}

pub async fn nodes(args: SeedArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let snap = Fleet::new(opts).load(&args.seed).await?;
    if ui.json {
        print_json(&render::nodes_json(&snap))?;
    } else {
        print(&render::nodes_table(&snap, ui.color))?;
    }
    Ok(Exit::Ok)
}

pub async fn info(args: SeedArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let snap = Fleet::new(opts).load(&args.seed).await?;
    if ui.json {
        print_json(&render::info_json(&snap))?;
    } else {
        print(&render::info_text(&snap))?;
    }
    Ok(Exit::Ok)
}
