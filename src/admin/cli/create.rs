//! `rclust create`: preflight, plan, confirm, apply, wait, show.

use std::time::{Duration, Instant};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::Table;
use serde_json::json;

use crate::admin::conn::ConnOpts;
use crate::admin::exec::{create, preflight};
use crate::admin::plan::create::{plan_create, CreatePlan};
use crate::admin::snapshot::Fleet;

use super::args::CreateArgs;
use super::ui::Ui;
use super::{finish, print, print_json, Exit};

pub fn plan_table(plan: &CreatePlan) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "ROLE",
        "NODE",
        "ID",
        "SLOTS",
        "REPLICATES",
        "EPOCH",
    ]);
    for (i, m) in plan.masters.iter().enumerate() {
        t.add_row(vec![
            "master".to_string(),
            m.addr.to_string(),
            m.id[..8].to_string(),
            format!("{} ({} slots)", m.slots, m.slots.len()),
            String::new(),
            m.epoch.to_string(),
        ]);
        for r in plan.replicas.iter().filter(|r| r.master == i) {
            t.add_row(vec![
                " └ replica".to_string(),
                r.addr.to_string(),
                r.id[..8].to_string(),
                String::new(),
                format!("{} ({})", m.addr, &m.id[..8]),
                r.epoch.to_string(),
            ]);
        }
    }
    format!("{t}")
}

fn plan_json(plan: &CreatePlan) -> serde_json::Value {
    json!({
        "masters": plan.masters.iter().map(|m| json!({
            "addr": m.addr.to_string(), "id": m.id, "slots": m.slots, "epoch": m.epoch,
        })).collect::<Vec<_>>(),
        "replicas": plan.replicas.iter().map(|r| json!({
            "addr": r.addr.to_string(), "id": r.id, "master": plan.masters[r.master].id, "epoch": r.epoch,
        })).collect::<Vec<_>>(),
    })
}

pub async fn run(args: CreateArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let start = Instant::now();
    let nodes = preflight::check_all_empty(&args.nodes, &opts).await?;
    let plan = plan_create(&preflight::candidates(&nodes), args.replicas)?;

    if ui.json && args.change.dry_run {
        print_json(&plan_json(&plan))?;
        return Ok(Exit::Ok);
    }
    if !ui.quiet || args.change.dry_run {
        let text = format!(
            "Plan: {} masters, {} replicas\n{}{}",
            plan.masters.len(),
            plan.replicas.len(),
            plan_table(&plan),
            if args.keep_settings {
                ""
            } else {
                "\nWhile the cluster forms, cluster-node-timeout is lowered (500 ms, 40 ms a node beyond 12 nodes) and masters\nsync replicas at once (repl-diskless-sync-delay 0); both are restored afterwards (--keep-settings to avoid this)."
            }
        );
        if args.change.dry_run {
            print(&text)?;
            return Ok(Exit::Ok);
        }
        eprintln!("{text}");
    }
    if !args.change.yes && !ui.confirm("Create this cluster?")? {
        ui.say("Nothing changed.");
        return Ok(Exit::Error);
    }

    let fleet = Fleet::new(opts);
    let bar = ui.spinner("creating");
    let deadline = start + Duration::from_secs_f64(args.change.timeout);
    let outcome = create::apply(&fleet, &plan, &nodes, deadline, &bar, !args.keep_settings).await?;
    bar.finish_and_clear();
    finish(
        outcome,
        ui,
        &fleet,
        &nodes[0].addr,
        start,
        args.change.timeout,
        "Cluster created",
    )
    .await
}
