//! `rclust create`: preflight, plan, confirm, apply, wait, show.

use std::time::{Duration, Instant};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::Table;
use serde_json::json;

use crate::admin::conn::ConnOpts;
use crate::admin::exec::preflight::Right;
use crate::admin::exec::{create, preflight};
use crate::admin::plan::create::{plan_create, CreatePlan};
use crate::admin::plan::placement::{shared_host, Shard};
use crate::admin::snapshot::Fleet;
use crate::model::id::short;

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
            short(&m.id).to_string(),
            format!("{} ({} slots)", m.slots, m.slots.len()),
            String::new(),
            m.epoch.to_string(),
        ]);
        for r in plan.replicas.iter().filter(|r| r.master == i) {
            t.add_row(vec![
                " └ replica".to_string(),
                r.addr.to_string(),
                short(&r.id).to_string(),
                String::new(),
                format!("{} ({})", m.addr, short(&m.id)),
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

/// Refuses a plan that leaves a master and all its replicas on one host, telling hosts
/// apart by the IP each node resolved to (so `localhost` and 127.0.0.1 are one host).
fn refuse_shared_hosts(plan: &CreatePlan, nodes: &[preflight::EmptyNode]) -> anyhow::Result<()> {
    let host_of = |id: &str| {
        nodes
            .iter()
            .find(|n| n.id == id)
            .map_or("", |n| n.meet_ip.as_str())
    };
    let shards: Vec<Shard> = plan
        .masters
        .iter()
        .enumerate()
        .map(|(i, m)| Shard {
            name: format!("{} ({})", m.addr, short(&m.id)),
            host: host_of(&m.id),
            replica_hosts: plan
                .replicas
                .iter()
                .filter(|r| r.master == i)
                .map(|r| host_of(&r.id))
                .collect(),
        })
        .collect();
    let hosts = nodes.iter().map(|n| n.meet_ip.as_str()).collect();
    match shared_host(&shards, &hosts) {
        Some(why) => anyhow::bail!("{why}"),
        None => Ok(()),
    }
}

pub async fn run(args: CreateArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let start = Instant::now();
    let nodes = preflight::check_all_empty(&args.nodes, &opts).await?;
    let plan = plan_create(&preflight::candidates(&nodes), args.replicas)?;
    refuse_shared_hosts(&plan, &nodes)?;

    let fleet = Fleet::new(opts);
    if !args.change.dry_run {
        let addrs: Vec<_> = nodes.iter().map(|n| n.addr.clone()).collect();
        let mut rights = vec![Right::AddSlots, Right::Meet, Right::Replicate];
        rights.extend((!args.keep_settings).then_some(Right::ConfigSet));
        preflight::check_rights(&fleet, &addrs, &rights).await?;
    }
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
