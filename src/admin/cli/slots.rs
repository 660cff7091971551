//! The commands that move slots: `reshard`, `rebalance` and `fix`. Each loads a snapshot,
//! plans (pure), prints the plan, confirms, applies it with the migrate engine, and waits
//! until the cluster has converged on the result.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::Table;
use serde_json::json;

use crate::admin::conn::ConnOpts;
use crate::admin::exec::atomic::{self, AtomicMigrator};
use crate::admin::exec::converge::{expected_from, wait_converged};
use crate::admin::exec::migrate::{MigrateOpts, Migrator};
use crate::admin::exec::preflight;
use crate::admin::health;
use crate::admin::plan::fix::{plan_fix, slots_to_count};
use crate::admin::plan::rebalance::{plan_rebalance, RebalanceOpts};
use crate::admin::plan::reshard::plan_reshard;
use crate::admin::plan::{group_moves, slots_after, SlotMove};
use crate::admin::snapshot::{Fleet, Snapshot};
use crate::model::id::short;
use crate::model::{Addr, SlotSet};

use super::args::{FixArgs, MoveArgs, RebalanceArgs, ReshardArgs};
use super::ui::Ui;
use super::{print, print_json, Exit};

/// The largest `--weight`: far beyond any useful ratio, small enough that the weights of
/// thousands of masters add up to a finite number.
const MAX_WEIGHT: f64 = 1_000_000.0;

/// `id (addr)` for tables.
fn name(snap: &Snapshot, id: &str) -> String {
    match snap.line(id) {
        Some(n) => format!("{} ({})", n.short_id(), n.addr.addr()),
        None => short(id).to_string(),
    }
}

/// A fleet whose replies may take as long as a move with MIGRATE timeout `timeout_ms`.
pub fn fleet_for(opts: ConnOpts, timeout_ms: u64) -> Fleet {
    // A pipeline of MIGRATEs may legitimately take longer than an ordinary reply.
    let response_timeout = opts
        .response_timeout
        .max(Duration::from_millis(timeout_ms.saturating_mul(2)) + Duration::from_secs(10));
    Fleet::new(ConnOpts {
        response_timeout,
        ..opts
    })
}

fn migrate_opts(moving: &MoveArgs) -> MigrateOpts {
    MigrateOpts {
        keys_per_batch: moving.pipeline,
        timeout_ms: moving.timeout,
        replace: moving.replace,
        ..MigrateOpts::default()
    }
}

/// How a run of slot moves goes, for every command that moves slots.
pub struct MoveSettings {
    pub migrate: MigrateOpts,
    /// Never use the servers' atomic migration.
    pub key_by_key: bool,
    /// Longest an atomic job may stay in one state before it is cancelled.
    pub stall_timeout: Duration,
    /// Seconds to wait for convergence afterwards.
    pub wait: f64,
}

impl MoveSettings {
    fn of(moving: &MoveArgs) -> MoveSettings {
        MoveSettings {
            migrate: migrate_opts(moving),
            key_by_key: moving.key_by_key,
            stall_timeout: Duration::from_millis(moving.timeout.max(1)),
            wait: moving.wait,
        }
    }
}

/// How long a slot-moving command waits for the masters' config epochs to settle (see
/// `exec::epochs`) before it refuses to start.
const EPOCH_SETTLE: Duration = Duration::from_secs(15);

/// Loads the cluster once its config epochs have settled: no two masters share one and
/// every node knows every master's current one (a move started before can lose keys).
/// Fails, naming what is unsettled, when they do not within [`EPOCH_SETTLE`].
pub(super) async fn load_settled(fleet: &Fleet, seed: &Addr) -> anyhow::Result<Snapshot> {
    let snap = fleet.load(seed).await?;
    if crate::admin::exec::epochs::unsettled(&snap).is_empty() {
        return Ok(snap);
    }
    let (_, reasons) = crate::admin::exec::epochs::wait_settled(fleet, snap, EPOCH_SETTLE).await;
    if let Some(first) = reasons.first() {
        bail!(
            "the masters' config epochs did not settle within {}s ({first}{}), so nothing was changed: moving slots now could lose keys; check that the nodes can reach each other",
            EPOCH_SETTLE.as_secs(),
            if reasons.len() > 1 {
                format!(" and {} more", reasons.len() - 1)
            } else {
                String::new()
            }
        );
    }
    fleet.load(seed).await
}

/// Loads the cluster and refuses to change one that has problems.
async fn load_healthy(fleet: &Fleet, seed: &Addr) -> anyhow::Result<Snapshot> {
    let snap = load_settled(fleet, seed).await?;
    let findings = health::assess(&snap);
    let problems: Vec<_> = findings
        .iter()
        .filter(|f| f.severity == health::Severity::Problem)
        .collect();
    if let Some(first) = problems.first() {
        bail!(
            "the cluster has {} problem(s), e.g. {}: run `rclust fix {seed}` first",
            problems.len(),
            first.message
        );
    }
    Ok(snap)
}

/// Before a move starts (not for --dry-run): may the user run what moving slots sends, plus
/// `more`, on every master?
async fn check_move_rights(
    fleet: &Fleet,
    snap: &Snapshot,
    moving: &MoveArgs,
    more: &[preflight::Right],
) -> anyhow::Result<()> {
    if moving.dry_run {
        return Ok(());
    }
    let masters: Vec<Addr> = snap
        .masters()
        .iter()
        .filter_map(|m| snap.addr_of(&m.id))
        .collect();
    preflight::check_rights(fleet, &masters, &[preflight::MOVING_SLOTS, more].concat()).await
}

pub fn moves_table(snap: &Snapshot, moves: &[SlotMove]) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_header(vec!["FROM", "TO", "SLOTS", "WHICH"]);
    for (from, to, set) in group_moves(moves) {
        t.add_row(vec![
            name(snap, &from),
            name(snap, &to),
            set.len().to_string(),
            set.to_string(),
        ]);
    }
    format!("{t}")
}

fn moves_json(moves: &[SlotMove]) -> serde_json::Value {
    json!({
        "moves": group_moves(moves).into_iter().map(|(from, to, set)| json!({
            "from": from, "to": to, "count": set.len(), "slots": set,
        })).collect::<Vec<_>>(),
        "slots": moves.len(),
    })
}

/// Shows the plan; returns false when nothing more should happen (dry run, or declined).
fn show_and_confirm(
    ui: &Ui,
    moving: &MoveArgs,
    text: String,
    doc: serde_json::Value,
    question: &str,
) -> anyhow::Result<bool> {
    // Refuse before printing anything, so that a script sees one line.
    if !moving.dry_run && !moving.yes && !ui.interactive {
        ui.confirm(question)?;
    }
    if moving.dry_run {
        if ui.json {
            print_json(&doc)?;
        } else {
            print(&text)?;
        }
        return Ok(false);
    }
    if !ui.quiet {
        eprintln!("{text}");
    }
    if !moving.yes && !ui.confirm(question)? {
        ui.say("Nothing changed.");
        return Ok(false);
    }
    Ok(true)
}

/// Waits until every node agrees on `slots`; prints what is pending when it does not.
async fn converge(
    fleet: &Fleet,
    seed: &Addr,
    slots: &BTreeMap<String, SlotSet>,
    ui: &Ui,
    wait: f64,
) -> anyhow::Result<bool> {
    let deadline = Instant::now() + Duration::from_secs_f64(wait);
    let spinner = ui.spinner("waiting for every node to agree");
    let snap = fleet.load(seed).await?;
    let expected = expected_from(&snap, slots);
    let outcome = wait_converged(fleet, &expected, &[], deadline, &spinner).await;
    spinner.finish_and_clear();
    match outcome {
        Ok(_) => Ok(true),
        Err(reasons) => {
            super::report_not_converged(wait, &reasons);
            Ok(false)
        }
    }
}

/// The engine a move runs on: the servers' own atomic migration where every node involved
/// supports it, else rclust's key-by-key protocol.
enum Engine<'a> {
    KeyByKey(Box<Migrator<'a>>),
    Atomic(AtomicMigrator<'a>),
}

impl Engine<'_> {
    async fn run(&self, snap: &Snapshot, moves: &[SlotMove]) -> anyhow::Result<()> {
        match self {
            Engine::KeyByKey(m) => m.run(snap, moves).await,
            Engine::Atomic(m) => m.run(snap, moves).await,
        }
    }

    fn request_stop(&self) {
        match self {
            Engine::KeyByKey(m) => m.request_stop(),
            Engine::Atomic(m) => m.request_stop(),
        }
    }

    fn slots_moved(&self) -> u64 {
        match self {
            Engine::KeyByKey(m) => m.slots_moved.load(Ordering::Relaxed),
            Engine::Atomic(m) => m.slots_moved.load(Ordering::Relaxed),
        }
    }

    /// Keys moved; the servers do not count them for an atomic migration.
    fn keys_moved(&self) -> Option<u64> {
        match self {
            Engine::KeyByKey(m) => Some(m.keys_moved.load(Ordering::Relaxed)),
            Engine::Atomic(_) => None,
        }
    }

    fn done(&self) -> std::collections::BTreeSet<u16> {
        let done = match self {
            Engine::KeyByKey(m) => &m.done,
            Engine::Atomic(m) => &m.done,
        };
        done.lock().unwrap().iter().copied().collect()
    }
}

/// Applies moves, reports throughput, waits for convergence; prints the summary with
/// `--json`.
async fn execute_moves(
    fleet: &Fleet,
    snap: &Snapshot,
    moves: &[SlotMove],
    moving: &MoveArgs,
    ui: &Ui,
) -> anyhow::Result<Exit> {
    let (exit, summary) = run_moves(fleet, snap, moves, &MoveSettings::of(moving), ui).await?;
    if ui.json && exit != Exit::Error {
        if let Some(doc) = summary {
            print_json(&doc)?;
        }
    }
    Ok(exit)
}

/// Applies moves with the atomic engine where every node involved supports it (else key
/// by key), reports throughput and waits for convergence. Returns the exit (1 when
/// interrupted or not converged) and, when every move was made, the summary document.
pub async fn run_moves(
    fleet: &Fleet,
    snap: &Snapshot,
    moves: &[SlotMove],
    settings: &MoveSettings,
    ui: &Ui,
) -> anyhow::Result<(Exit, Option<serde_json::Value>)> {
    let start = Instant::now();
    let bar = ui.bar(moves.len() as u64, "slots");
    let dialect = if settings.key_by_key {
        None
    } else {
        atomic::dialect_for(snap, moves)
    };
    let engine = match dialect {
        Some(d) => {
            bar.suspend(|| {
                ui.say(format!(
                    "Moving slots with atomic slot migration ({}).",
                    d.name()
                ))
            });
            Engine::Atomic(AtomicMigrator::new(
                fleet,
                d,
                settings.stall_timeout,
                bar.clone(),
            ))
        }
        None => Engine::KeyByKey(Box::new(Migrator::new(
            fleet,
            snap,
            settings.migrate.clone(),
            bar.clone(),
        ))),
    };
    let atomic = matches!(engine, Engine::Atomic(_));
    // Ctrl-C finishes the batches under way (or cancels the atomic jobs, which roll back)
    // and stops cleanly, leaving nothing open; a second Ctrl-C aborts at once (what is
    // open then is for `rclust fix`).
    // One stream for both presses: a second Ctrl-C that arrives before the first is handled
    // is not lost, as it could be between two `ctrl_c()` futures.
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("cannot listen for Ctrl-C")?;
    let interrupted = std::sync::atomic::AtomicBool::new(false);
    let stopper = async {
        sigint.recv().await;
        interrupted.store(true, Ordering::Relaxed);
        engine.request_stop();
        bar.suspend(|| {
            if atomic {
                eprintln!("rclust: interrupted: cancelling the migrations under way (Ctrl-C again to abort)")
            } else {
                eprintln!("rclust: interrupted: finishing the slots under way (Ctrl-C again to abort)")
            }
        });
        sigint.recv().await;
        eprintln!(
            "rclust: aborted; run `rclust fix {}` to repair the slots left open",
            snap.seed
        );
    };
    let result = tokio::select! {
        r = engine.run(snap, moves) => r,
        _ = stopper => return Ok((Exit::Interrupted, None)),
    };
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    let keys = engine.keys_moved();
    let slots = engine.slots_moved();
    let done = engine.done();
    let moved: Vec<SlotMove> = moves
        .iter()
        .filter(|m| done.contains(&m.slot))
        .cloned()
        .collect();
    let after = slots_after(snap, &moved);
    let settle = || converge(fleet, &snap.seed, &after, ui, settings.wait);
    if let Err(e) = result {
        if atomic {
            // Every job ended (done or rolled back): wait for the nodes to agree on what
            // moved, so that the exit leaves a consistent cluster.
            settle().await?;
            return Err(e.context(format!(
                "stopped after moving {slots} of {} slots; no slot is left open",
                moves.len()
            )));
        }
        return Err(e.context(format!(
            "stopped after moving {slots} of {} slots; run `rclust fix {}` to repair what was under way",
            moves.len(),
            snap.seed
        )));
    }
    let stopped = interrupted.load(Ordering::Relaxed);
    let keys_text = keys.map(|k| format!(" and {k} keys")).unwrap_or_default();
    if stopped {
        eprintln!(
            "rclust: interrupted after moving {slots} of {} slots{keys_text}; no slot is left open",
            moves.len()
        );
    } else {
        let rate = keys
            .map(|k| format!(" ({:.0} keys/s)", k as f64 / secs.max(1e-9)))
            .unwrap_or_default();
        ui.say(format!(
            "[OK] Moved {slots} slots{keys_text} in {secs:.2}s{rate}."
        ));
    }
    let converged = settle().await?;
    if stopped {
        return Ok((Exit::Problem, None));
    }
    let summary = json!({
        "slots_moved": slots, "keys_moved": keys, "seconds": secs, "converged": converged,
        "engine": if atomic { "atomic" } else { "key-by-key" },
    });
    let exit = if converged { Exit::Ok } else { Exit::Problem };
    Ok((exit, Some(summary)))
}

pub async fn reshard(args: ReshardArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let fleet = fleet_for(opts, args.moving.timeout);
    let snap = load_healthy(&fleet, &args.seed).await?;
    let target = snap.resolve_node(&args.to)?.id.to_string();
    let sources: Vec<String> = if args.from.len() == 1 && args.from[0].eq_ignore_ascii_case("all") {
        Vec::new()
    } else {
        let mut ids: Vec<String> = Vec::new();
        for spec in &args.from {
            let id = snap.resolve_node(spec)?.id.to_string();
            if let Some(j) = ids.iter().position(|seen| *seen == id) {
                bail!(
                    "--from names {} twice ('{}' and '{spec}')",
                    name(&snap, &id),
                    args.from[j]
                );
            }
            ids.push(id);
        }
        ids
    };
    let moves = plan_reshard(&snap, &sources, &target, args.slots)?;
    let text = format!(
        "Plan: move {} slots to {}\n{}",
        moves.len(),
        name(&snap, &target),
        moves_table(&snap, &moves)
    );
    check_move_rights(&fleet, &snap, &args.moving, &[]).await?;
    if !show_and_confirm(
        ui,
        &args.moving,
        text,
        moves_json(&moves),
        "Move these slots?",
    )? {
        return Ok(if args.moving.dry_run {
            Exit::Ok
        } else {
            Exit::Error
        });
    }
    execute_moves(&fleet, &snap, &moves, &args.moving, ui).await
}

pub async fn rebalance(args: RebalanceArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    if args.threshold.is_nan() || args.threshold < 0.0 {
        bail!("--threshold must be a number of percent, 0 or more");
    }
    let fleet = fleet_for(opts, args.moving.timeout);
    let snap = load_healthy(&fleet, &args.seed).await?;
    let mut weights = BTreeMap::new();
    for w in &args.weight {
        let (node, value) = w
            .rsplit_once('=')
            .with_context(|| format!("invalid --weight '{w}': expected NODE=WEIGHT"))?;
        let value: f64 = value
            .parse()
            .ok()
            .filter(|v: &f64| (0.0..=MAX_WEIGHT).contains(v))
            .with_context(|| {
                format!(
                    "invalid --weight '{w}': the weight must be a number from 0 to {MAX_WEIGHT}"
                )
            })?;
        let node = snap.resolve_node(node)?;
        if !node.flags.master {
            bail!(
                "invalid --weight '{w}': {} is not a master",
                name(&snap, &node.id)
            );
        }
        if weights.insert(node.id.to_string(), value).is_some() {
            bail!(
                "invalid --weight '{w}': {} has a weight already",
                name(&snap, &node.id)
            );
        }
    }
    let plan = plan_rebalance(
        &snap,
        &RebalanceOpts {
            weights,
            use_empty_masters: args.use_empty_masters,
            threshold: args.threshold,
        },
    )?;
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_header(vec!["MASTER", "WEIGHT", "SLOTS", "TARGET", "OFF BY"]);
    for s in &plan.shares {
        t.add_row(vec![
            name(&snap, &s.id),
            format!("{}", s.weight),
            s.slots.to_string(),
            s.expected.to_string(),
            format!("{:.2}%", s.error_pct),
        ]);
    }
    if plan.moves.is_empty() {
        if ui.json {
            print_json(&json!({ "shares": plan.shares, "moves": [], "slots": 0 }))?;
        } else if !ui.quiet {
            print(&format!("{t}"))?;
        }
        ui.say(format!(
            "[OK] No rebalancing needed: every master is within {}% of its share.",
            args.threshold
        ));
        return Ok(Exit::Ok);
    }
    let text = format!(
        "{t}\nPlan: move {} slots\n{}",
        plan.moves.len(),
        moves_table(&snap, &plan.moves)
    );
    let mut doc = moves_json(&plan.moves);
    doc["shares"] = json!(plan.shares);
    check_move_rights(&fleet, &snap, &args.moving, &[]).await?;
    if !show_and_confirm(ui, &args.moving, text, doc, "Move these slots?")? {
        return Ok(if args.moving.dry_run {
            Exit::Ok
        } else {
            Exit::Error
        });
    }
    execute_moves(&fleet, &snap, &plan.moves, &args.moving, ui).await
}

pub async fn fix(args: FixArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let mopts = migrate_opts(&args.moving);
    let fleet = fleet_for(opts, args.moving.timeout);
    let snap = load_settled(&fleet, &args.seed).await?;
    if !snap.unreachable.is_empty() {
        let names: Vec<String> = snap
            .unreachable
            .iter()
            .map(|u| u.addr.to_string())
            .collect();
        bail!(
            "cannot fix while {} node(s) are unreachable ({}): bring them back or remove them first",
            names.len(),
            names.join(", ")
        );
    }
    let counts = crate::admin::exec::fix::count_keys(&fleet, &snap, &slots_to_count(&snap)).await?;
    let plan = plan_fix(&snap, &counts)?;
    if plan.is_empty() {
        let own: BTreeMap<String, SlotSet> = snap
            .masters()
            .iter()
            .map(|m| (m.id.to_string(), m.slots.clone()))
            .collect();
        if health::problems(&health::assess(&snap)) == 0 {
            ui.say("[OK] Nothing to fix.");
            return Ok(Exit::Ok);
        }
        ui.say("No slot needs repair; waiting for the nodes to agree.");
        let ok = converge(&fleet, &args.seed, &own, ui, args.moving.wait).await?;
        return Ok(if ok { Exit::Ok } else { Exit::Problem });
    }
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "SLOTS",
        "PROBLEM",
        "OWNER",
        "MOVE KEYS FROM",
        "KEYS",
        "CLOSE ON",
    ]);
    for row in plan.rows() {
        let names = |ids: &[String]| {
            ids.iter()
                .map(|i| name(&snap, i))
                .collect::<Vec<_>>()
                .join(", ")
        };
        t.add_row(vec![
            format!("{} ({})", row.slots, row.slots.len()),
            row.problem.clone(),
            name(&snap, &row.owner),
            names(&row.holders),
            row.keys.to_string(),
            names(&row.close),
        ]);
    }
    let text = format!("Plan: repair {} slot(s)\n{t}", plan.fixes.len());
    check_move_rights(&fleet, &snap, &args.moving, &[preflight::Right::AddSlots]).await?;
    if !show_and_confirm(ui, &args.moving, text, json!(plan), "Repair these slots?")? {
        return Ok(if args.moving.dry_run {
            Exit::Ok
        } else {
            Exit::Error
        });
    }
    let start = Instant::now();
    let bar = ui.spinner("repairing");
    let migrator = Migrator::new(&fleet, &snap, mopts, bar.clone());
    let result = crate::admin::exec::fix::apply(&migrator, &snap, &plan).await;
    bar.finish_and_clear();
    result?;
    ui.say(format!(
        "[OK] Repaired {} slot(s), moved {} key(s) in {:.2}s.",
        plan.fixes.len(),
        migrator
            .keys_moved
            .load(std::sync::atomic::Ordering::Relaxed),
        start.elapsed().as_secs_f64()
    ));
    let ok = converge(
        &fleet,
        &args.seed,
        &plan.slots_after(&snap),
        ui,
        args.moving.wait,
    )
    .await?;
    Ok(if ok { Exit::Ok } else { Exit::Problem })
}
