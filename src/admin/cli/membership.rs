//! `add-node`, `del-node` and `failover`: plan from a fresh snapshot, show, confirm, apply,
//! wait for convergence.

use std::time::{Duration, Instant};

use crate::admin::conn::ConnOpts;
use crate::admin::exec::preflight::Right;
use crate::admin::exec::{membership, preflight};
use crate::admin::health;
use crate::admin::plan::membership::{
    plan_add_node, plan_del_node, plan_drain, plan_failover, FailoverMode,
};
use crate::admin::snapshot::{Fleet, Snapshot};
use crate::model::id::short;

use super::args::{AddNodeArgs, ChangeArgs, DelNodeArgs, FailoverArgs};
use super::ui::Ui;
use super::{finish, print, print_json, Exit};

/// Loads the cluster and refuses to change one that `check` finds problems in.
async fn healthy_snapshot(fleet: &Fleet, seed: &crate::model::Addr) -> anyhow::Result<Snapshot> {
    let snap = fleet.load(seed).await?;
    let findings = health::assess(&snap);
    if let Some(f) = findings
        .iter()
        .find(|f| f.severity == health::Severity::Problem)
    {
        anyhow::bail!(
            "the cluster has problems; run `rclust check {seed}` and `rclust fix {seed}` first ({})",
            f.message
        );
    }
    Ok(snap)
}

/// Prints the plan (stdout for --dry-run, stderr otherwise), then confirms.
/// Returns Some(exit) when the command should stop here.
fn show_and_confirm(
    ui: &Ui,
    text: &str,
    plan: &impl serde::Serialize,
    change: &ChangeArgs,
    question: &str,
) -> anyhow::Result<Option<Exit>> {
    let (dry_run, yes) = (change.dry_run, change.yes);
    let json = serde_json::to_value(plan)?;
    if dry_run {
        if ui.json {
            print_json(&json)?;
        } else {
            print(text)?;
        }
        return Ok(Some(Exit::Ok));
    }
    if !ui.quiet {
        eprintln!("{text}");
    }
    if !yes && !ui.confirm(question)? {
        ui.say("Nothing changed.");
        return Ok(Some(Exit::Error));
    }
    Ok(None)
}

pub async fn add_node(args: AddNodeArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let start = Instant::now();
    let fleet = Fleet::new(opts.clone());
    let snap = healthy_snapshot(&fleet, &args.existing).await?;
    let new = preflight::check_empty(&args.new, &opts).await?;
    let plan = plan_add_node(
        &snap,
        &new.addr,
        &new.id,
        (&new.meet_ip, new.zone.as_deref()),
        args.replica || args.master_id.is_some(),
        args.master_id.as_deref(),
    )?;
    let role = match &plan.master {
        Some(m) => {
            let master = snap.line(m).expect("planned from the snapshot");
            format!("a replica of {} ({})", master.short_id(), master.addr.addr())
        }
        None => "an empty master (move slots to it with `rclust reshard` or `rclust rebalance --use-empty-masters`)".into(),
    };
    let mut text = format!("Plan: add {} ({}) as {role}", new.addr, short(&new.id));
    if !args.keep_settings {
        text += if plan.master.is_some() {
            "\nIts master starts the sync at once (repl-diskless-sync-delay 0 while joining, then restored)."
        } else {
            "\nIts cluster-node-timeout is lowered while it joins (500 ms, 40 ms a node at size), then restored."
        };
    }
    if !args.change.dry_run {
        let mut rights = vec![Right::Meet];
        rights.extend(plan.master.is_some().then_some(Right::Replicate));
        rights.extend((!args.keep_settings).then_some(Right::ConfigSet));
        preflight::check_rights(&fleet, std::slice::from_ref(&new.addr), &rights).await?;
    }
    if let Some(exit) = show_and_confirm(ui, &text, &plan, &args.change, "Add this node?")? {
        return Ok(exit);
    }
    let bar = ui.spinner("adding");
    let deadline = start + Duration::from_secs_f64(args.change.timeout);
    let outcome = membership::add_node(
        &fleet,
        &snap,
        &plan,
        &new,
        deadline,
        &bar,
        !args.keep_settings,
    )
    .await?;
    bar.finish_and_clear();
    finish(
        outcome,
        ui,
        &fleet,
        &args.existing,
        start,
        args.change.timeout,
        "Node added",
    )
    .await
}

pub async fn del_node(args: DelNodeArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let start = Instant::now();
    let fleet = super::slots::fleet_for(opts, args.move_timeout);
    let mut snap = fleet.load(&args.seed).await?;
    let node = snap.resolve_node(&args.node)?;
    if args.drain && node.flags.master && !node.slots.is_empty() {
        let id = node.id.clone();
        match drain(&fleet, &args, ui, &id).await? {
            Ok(drained) => snap = drained,
            Err(exit) => return Ok(exit),
        }
    }
    let plan = plan_del_node(&snap, &args.node)?;
    // A dead node is exactly what del-node must be able to remove; anything else wrong
    // with the cluster is for `fix` first.
    let findings = health::assess(&snap);
    if let Some(f) = findings.iter().find(|f| {
        f.severity == health::Severity::Problem
            && f.node.as_deref() != Some(&plan.id)
            && !f.message.contains(short(&plan.id))
            && !(f.kind == "state_not_ok" && plan.repoint.is_empty())
    }) {
        anyhow::bail!(
            "the cluster has problems; run `rclust check {}` first ({})",
            args.seed,
            f.message
        );
    }
    let mut text = format!("Plan: remove {} ({})", short(&plan.id), plan.addr);
    for (r, m) in &plan.repoint {
        text += &format!("\n  move replica {} to master {}", short(r), short(m));
    }
    text += &format!("\n  FORGET it on {} node(s)", plan.forget_on.len());
    text += if plan.reset {
        "\n  CLUSTER RESET SOFT on the removed node"
    } else {
        "\n  (the node is unreachable: it is not reset)"
    };
    if !args.change.dry_run {
        let reached: Vec<_> = snap.reports.iter().map(|r| r.addr.clone()).collect();
        let rights = [Right::Forget, Right::Replicate, Right::Reset];
        preflight::check_rights(&fleet, &reached, &rights).await?;
    }
    if let Some(exit) = show_and_confirm(ui, &text, &plan, &args.change, "Remove this node?")? {
        return Ok(exit);
    }
    let bar = ui.spinner("removing");
    let deadline = start + Duration::from_secs_f64(args.change.timeout);
    let outcome = membership::del_node(&fleet, &snap, &plan, deadline, &bar).await?;
    bar.finish_and_clear();
    let seed = if snap.report(&plan.id).is_some_and(|r| r.addr == args.seed) {
        snap.reports
            .iter()
            .find(|r| r.id() != plan.id)
            .map(|r| r.addr.clone())
            .unwrap_or(args.seed.clone())
    } else {
        args.seed.clone()
    };
    finish(
        outcome,
        ui,
        &fleet,
        &seed,
        start,
        args.change.timeout,
        "Node removed",
    )
    .await
}

/// `del-node --drain`: moves every slot of master `id` to the other masters (atomically
/// where the servers can), then returns a fresh snapshot to plan the removal from, or the
/// exit to stop with (a dry run, a refusal). An interrupted drain stops the command (exit
/// 1), leaving the node in the cluster with the slots that did not move and nothing open
/// (atomic jobs roll back; key by key, the slots under way finish).
async fn drain(
    fleet: &Fleet,
    args: &DelNodeArgs,
    ui: &Ui,
    id: &str,
) -> anyhow::Result<Result<Snapshot, Exit>> {
    let snap = super::slots::load_settled(fleet, &args.seed).await?;
    if let Some(f) = health::assess(&snap)
        .into_iter()
        .find(|f| f.severity == health::Severity::Problem)
    {
        anyhow::bail!(
            "the cluster has problems, so nothing was drained; run `rclust check {}` first ({})",
            args.seed,
            f.message
        );
    }
    let moves = plan_drain(&snap, id)?;
    let text = format!(
        "Plan: drain {} slots from {}, then remove it\n{}",
        moves.len(),
        short(id),
        super::slots::moves_table(&snap, &moves)
    );
    if args.change.dry_run {
        if ui.json {
            print_json(
                &serde_json::json!({ "drain": crate::admin::plan::group_moves(&moves)
                .into_iter()
                .map(|(from, to, slots)| serde_json::json!({
                    "from": from, "to": to, "count": slots.len(), "slots": slots,
                }))
                .collect::<Vec<_>>() }),
            )?;
        } else {
            print(&text)?;
        }
        return Ok(Err(Exit::Ok));
    }
    if !ui.quiet {
        eprintln!("{text}");
    }
    if !args.change.yes && !ui.confirm("Drain and remove this node?")? {
        ui.say("Nothing changed.");
        return Ok(Err(Exit::Error));
    }
    let settings = super::slots::MoveSettings {
        migrate: crate::admin::exec::migrate::MigrateOpts {
            timeout_ms: args.move_timeout,
            ..Default::default()
        },
        key_by_key: args.key_by_key,
        stall_timeout: Duration::from_millis(args.move_timeout.max(1)),
        wait: args.change.timeout,
    };
    let (exit, _) = super::slots::run_moves(fleet, &snap, &moves, &settings, ui).await?;
    if exit != Exit::Ok {
        eprintln!(
            "rclust: the drain of {} did not complete, so it was not removed",
            short(id)
        );
        return Ok(Err(exit));
    }
    // Emptied, a Valkey master may have turned replica of the master that took its last
    // slot, and its replicas may have migrated: plan the removal from what is there now.
    Ok(Ok(fleet.load(&args.seed).await?))
}

pub async fn failover(args: FailoverArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let start = Instant::now();
    let seed = match (&args.seed, args.node.parse::<crate::model::Addr>()) {
        (Some(s), _) => s.clone(),
        (None, Ok(a)) => a,
        (None, Err(_)) => anyhow::bail!(
            "{}: give the node as host:port, or give --seed ADDR with an id",
            args.node
        ),
    };
    let fleet = Fleet::new(opts);
    let snap = fleet.load(&seed).await?;
    let mode = if args.takeover {
        FailoverMode::Takeover
    } else if args.force {
        FailoverMode::Force
    } else {
        FailoverMode::Coordinated
    };
    let plan = plan_failover(&snap, &args.node, mode)?;
    let old = snap
        .line(&plan.old_master)
        .map(|m| format!("{} ({})", m.short_id(), m.addr.addr()))
        .unwrap_or_default();
    let text = format!(
        "Plan: promote {} ({}) in place of its master {old} ({:?} failover)",
        short(&plan.promote),
        plan.promote_addr,
        plan.mode
    );
    if !args.change.dry_run {
        let promoted = std::slice::from_ref(&plan.promote_addr);
        preflight::check_rights(&fleet, promoted, &[Right::Failover]).await?;
    }
    if let Some(exit) = show_and_confirm(ui, &text, &plan, &args.change, "Fail over?")? {
        return Ok(exit);
    }
    let bar = ui.spinner("failing over");
    let switch_start = Instant::now();
    let deadline = start + Duration::from_secs_f64(args.change.timeout);
    let outcome = membership::failover(&fleet, &snap, &plan, deadline, &bar).await?;
    bar.finish_and_clear();
    if outcome.is_ok() {
        ui.say(format!(
            "Switch took {:.2}s.",
            switch_start.elapsed().as_secs_f64()
        ));
    }
    finish(
        outcome,
        ui,
        &fleet,
        &plan.promote_addr,
        start,
        args.change.timeout,
        "Failover done",
    )
    .await
}
