//! Read-only commands: `check`, `nodes`, `info`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::admin::conn::ConnOpts;
use crate::admin::health;
use crate::admin::snapshot::{Fleet, Snapshot};

use super::args::{CheckArgs, SeedArgs};
use super::ui::Ui;
use super::{print, print_json, render, Exit};

pub async fn check(args: CheckArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let fleet = Fleet::new(opts).asking_endpoint_type();
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
    let types = endpoint_types(&snap);
    let mut findings = findings;
    findings.extend(health::endpoint_findings(&snap, &types));
    // What the nodes redirect clients to: one kind, or "mixed" (a warning says which).
    let mut kinds: Vec<&str> = types.values().map(String::as_str).collect();
    kinds.sort();
    kinds.dedup();
    let endpoint = match kinds.as_slice() {
        [] => None,
        [one] => Some(*one),
        _ => Some("mixed"),
    };
    if ui.json {
        let mut doc = render::check_json(&snap, &findings);
        doc["preferred_endpoint_type"] = serde_json::json!(endpoint);
        print_json(&doc)?;
    } else if ui.quiet {
        print(&render::check_quiet(&snap, &findings, ui.color))?;
    } else {
        print(&render::check_text(&snap, &findings, endpoint, ui.color))?;
    }
    Ok(if health::problems(&findings) == 0 {
        Exit::Ok
    } else {
        Exit::Problem
    })
}

/// Each reachable node's `cluster-preferred-endpoint-type`, by id (a node without the
/// setting, or that refuses CONFIG, is left out).
fn endpoint_types(snap: &Snapshot) -> BTreeMap<String, String> {
    snap.reports
        .iter()
        .filter_map(|r| Some((r.id().to_string(), r.endpoint_type.clone()?)))
        .collect()
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
