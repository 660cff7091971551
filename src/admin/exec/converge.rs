//! Waiting until a cluster is what was asked for, and helping it get there. The test of
//! convergence is a pure function of a snapshot and the expected topology; the wait loop
//! polls every node every few tens of milliseconds and, instead of waiting for gossip's own
//! pace, makes the node whose news has not spread tell the others itself (a `CLUSTER MEET`
//! carries the sender's current role, master and slots in its header).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use crate::admin::health;
use crate::admin::snapshot::{Fleet, Snapshot};
use crate::model::cluster_cmd;
use crate::model::id::short;
use crate::model::{Addr, SlotSet};

/// What a node should be once the change is done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpectedRole {
    Master { slots: SlotSet },
    Replica { master_id: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedNode {
    pub id: String,
    pub addr: Addr,
    /// The IP other nodes are told to MEET it at.
    pub meet_ip: String,
    pub cport: u16,
    pub role: ExpectedRole,
}

/// The cluster as it is: every reached node as it describes itself (addresses as the
/// cluster announces them). Changes start from this and edit it.
pub fn expected_from_snapshot(snap: &Snapshot) -> Vec<ExpectedNode> {
    expected_from(snap, &std::collections::BTreeMap::new())
}

/// What still keeps the cluster from being converged, as actions and as reasons to report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pending {
    pub reasons: Vec<String>,
    /// `(node, master)`: the node should run `CLUSTER REPLICATE master`.
    pub replicate: Vec<(String, String)>,
    /// `(speaker, listener)`: the listener's view of the speaker is stale or missing.
    pub stale: Vec<(String, String)>,
}

impl Pending {
    pub fn is_done(&self) -> bool {
        self.reasons.is_empty()
    }
}

/// The topology to wait for after slots changed hands: every reachable node keeps the
/// role it reports (a master that gave away its last slot may have become a replica),
/// masters serve the slots in `slots` (or their own), replicas follow their master.
pub fn expected_from(
    snap: &Snapshot,
    slots: &std::collections::BTreeMap<String, SlotSet>,
) -> Vec<ExpectedNode> {
    snap.reports
        .iter()
        .filter_map(|r| {
            let me = r.myself();
            let role = if me.flags.replica {
                ExpectedRole::Replica {
                    master_id: me.master_id.clone()?.to_string(),
                }
            } else {
                ExpectedRole::Master {
                    slots: slots
                        .get(me.id.as_str())
                        .cloned()
                        .unwrap_or_else(|| me.slots.clone()),
                }
            };
            Some(ExpectedNode {
                id: me.id.to_string(),
                addr: r.addr.clone(),
                meet_ip: if me.addr.ip.is_empty() {
                    r.addr.host.clone()
                } else {
                    me.addr.ip.clone()
                },
                cport: me.addr.cport,
                role,
            })
        })
        .collect()
}

/// At most this many examples of one kind of pending thing are listed; the rest are counted
/// (a forming cluster of N nodes has up to N² stale views).
const EXAMPLES: usize = 3;

/// Reasons of one kind: the first few in full, then a count.
#[derive(Default)]
struct Tally {
    shown: Vec<String>,
    more: usize,
}

impl Tally {
    fn push(&mut self, reason: impl FnOnce() -> String) {
        if self.shown.len() < EXAMPLES {
            self.shown.push(reason());
        } else {
            self.more += 1;
        }
    }

    fn drain_into(self, what: &str, out: &mut Vec<String>) {
        out.extend(self.shown);
        if self.more > 0 {
            out.push(format!("... and {} more {what}", self.more));
        }
    }
}

/// A master expected to keep no slot may have become a replica of the node that took its
/// last one (Valkey does this as soon as it gives the slot away; Redis with
/// cluster-allow-replica-migration when it learns of it): once it reports itself a
/// replica, it is expected to stay one, of the master it names. `None`: nothing to adjust.
fn emptied_masters_as_reported(
    snap: &Snapshot,
    expected: &[ExpectedNode],
) -> Option<Vec<ExpectedNode>> {
    let turned = |e: &ExpectedNode| -> Option<String> {
        let ExpectedRole::Master { slots } = &e.role else {
            return None;
        };
        if !slots.is_empty() {
            return None;
        }
        let me = snap.report(&e.id)?.myself();
        if me.flags.replica {
            me.master_id.as_ref().map(ToString::to_string)
        } else {
            None
        }
    };
    if !expected.iter().any(|e| turned(e).is_some()) {
        return None;
    }
    Some(
        expected
            .iter()
            .map(|e| match turned(e) {
                Some(master_id) => ExpectedNode {
                    role: ExpectedRole::Replica { master_id },
                    ..e.clone()
                },
                None => e.clone(),
            })
            .collect(),
    )
}

/// Compares every node's own state and every node's view with the expectation, and adds
/// every problem `rclust check` would report, plus replicas whose link is not up.
/// Nodes in `tolerate` (known dead, being removed) may still appear in views, flagged.
/// Each view is walked once alongside the expected nodes sorted by id.
pub fn pending(snap: &Snapshot, expected: &[ExpectedNode], tolerate: &[String]) -> Pending {
    let adjusted = emptied_masters_as_reported(snap, expected);
    let expected = adjusted.as_deref().unwrap_or(expected);
    let mut p = Pending::default();
    for u in &snap.unreachable {
        p.reasons
            .push(format!("{} cannot be reached: {}", u.addr, u.error));
    }
    let mut sorted: Vec<&ExpectedNode> = expected.iter().collect();
    sorted.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    let (mut unknown, mut flagged, mut stale, mut unlinked, mut extra) = (
        Tally::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
    );
    for e in expected {
        let Some(report) = snap.report(&e.id) else {
            continue;
        };
        let me = report.myself();
        match &e.role {
            ExpectedRole::Master { slots } => {
                if !me.flags.master || &me.slots != slots {
                    p.reasons.push(format!(
                        "{} is a {} with slots {} (expected a master with {slots})",
                        e.addr,
                        me.role(),
                        me.slots
                    ));
                }
            }
            ExpectedRole::Replica { master_id } => {
                if !me.flags.replica || me.master_id.as_deref() != Some(master_id.as_str()) {
                    p.reasons.push(format!(
                        "{} does not replicate {} yet",
                        e.addr,
                        short(master_id)
                    ));
                    p.replicate.push((e.id.clone(), master_id.clone()));
                } else if report.master_link_up() != Some(true) {
                    p.reasons.push(format!(
                        "{} has master_link_status:{}",
                        e.addr,
                        report
                            .info
                            .get("master_link_status")
                            .map(String::as_str)
                            .unwrap_or("?")
                    ));
                }
            }
        }
        // This node's view of every other expected node, both sorted by id.
        let mut view = report.view.iter().filter(|n| !n.flags.handshake).peekable();
        let mut extras = 0;
        for other in &sorted {
            while let Some(n) = view.next_if(|n| n.id.as_str() < other.id.as_str()) {
                if !n.flags.myself && !tolerate.iter().any(|t| *t == n.id) {
                    extras += 1;
                }
            }
            let seen = view.next_if(|n| n.id == other.id);
            if other.id == e.id {
                continue;
            }
            let ok = match (seen, &other.role) {
                (None, _) => false,
                (Some(n), _) if n.flags.is_troubled() => false,
                (Some(n), ExpectedRole::Master { slots }) => {
                    n.flags.master && (n.slots.same_bitmap(slots) || &n.slots == slots)
                }
                (Some(n), ExpectedRole::Replica { master_id }) => {
                    n.flags.replica && n.master_id.as_deref() == Some(master_id.as_str())
                }
            };
            if ok && seen.is_some_and(|n| !n.connected) {
                // The bus link reconnects by itself within a cron tick; a failover asked
                // for meanwhile is refused ("Master is down or failed").
                unlinked.push(|| {
                    format!(
                        "{} has no bus link to {} ({})",
                        e.addr,
                        short(&other.id),
                        other.addr
                    )
                });
                continue;
            }
            if !ok {
                let subject = || format!("{} ({})", short(&other.id), other.addr);
                match seen {
                    None => unknown.push(|| format!("{} does not know {}", e.addr, subject())),
                    Some(n) if n.flags.is_troubled() => flagged.push(|| {
                        format!(
                            "{} flags {} {}",
                            e.addr,
                            subject(),
                            n.flags.trouble_words().join(",")
                        )
                    }),
                    Some(n) if n.flags.replica => stale.push(|| {
                        format!(
                            "{} still sees {} as a replica of {}",
                            e.addr,
                            subject(),
                            short(n.master_id.as_deref().unwrap_or("?"))
                        )
                    }),
                    Some(n) => stale.push(|| {
                        format!(
                            "{} still sees {} as a master of slots {}",
                            e.addr,
                            subject(),
                            n.slots
                        )
                    }),
                }
                p.stale.push((other.id.clone(), e.id.clone()));
            }
        }
        extras += view
            .filter(|n| !n.flags.myself && !tolerate.iter().any(|t| *t == n.id))
            .count();
        if extras > 0 {
            extra.push(|| {
                format!(
                    "{} lists {extras} node(s) not in the cluster (handshakes in progress)",
                    e.addr
                )
            });
        }
    }
    unknown.drain_into("views missing a node", &mut p.reasons);
    flagged.drain_into("nodes flagged in a view", &mut p.reasons);
    stale.drain_into("stale views", &mut p.reasons);
    unlinked.drain_into("bus links down", &mut p.reasons);
    extra.drain_into("nodes listing extra nodes", &mut p.reasons);
    // Whatever else `check` would object to (cluster_state, flags, open slots...); the
    // views were compared above.
    for f in health::assess_nodes(snap) {
        if f.severity == health::Severity::Problem && f.kind != "flagged" {
            p.reasons.push(f.message);
        }
    }
    p
}

/// What one node tells of itself in `CLUSTER INFO` and `INFO replication`: enough to see
/// whether it can have converged without reading its whole view.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Probe {
    pub known_nodes: u64,
    pub size: u64,
    pub state_ok: bool,
    pub slots_assigned: u64,
    pub slots_ok: u64,
    pub replica: bool,
    pub link_up: bool,
}

impl Probe {
    pub fn parse(cluster_info: &str, replication: &str) -> Probe {
        let ci = crate::model::replies::parse_info(cluster_info);
        let ri = crate::model::replies::parse_info(replication);
        let num = |k: &str| ci.get(k).and_then(|v| v.parse().ok()).unwrap_or(0);
        Probe {
            known_nodes: num("cluster_known_nodes"),
            size: num("cluster_size"),
            state_ok: ci.get("cluster_state").map(String::as_str) == Some("ok"),
            slots_assigned: num("cluster_slots_assigned"),
            slots_ok: num("cluster_slots_ok"),
            replica: ri.get("role").map(String::as_str) == Some("slave"),
            link_up: ri.get("master_link_status").map(String::as_str) == Some("up"),
        }
    }
}

/// What every node's probe should say once converged: how many nodes it knows (from
/// `expected.len()` up to that plus the tolerated ones), how many masters serve slots, how
/// many slots are assigned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeTarget {
    pub nodes: u64,
    pub tolerated: u64,
    pub size: u64,
    pub slots: u64,
}

impl ProbeTarget {
    pub fn of(expected: &[ExpectedNode], tolerate: &[String]) -> ProbeTarget {
        let mut slots = SlotSet::new();
        let mut size = 0;
        for e in expected {
            if let ExpectedRole::Master { slots: s } = &e.role {
                if !s.is_empty() {
                    size += 1;
                    slots.union_with(s);
                }
            }
        }
        ProbeTarget {
            nodes: expected.len() as u64,
            tolerated: tolerate.len() as u64,
            size,
            slots: slots.len() as u64,
        }
    }
}

/// Why a probe shows its node cannot have converged yet (None when it may have).
pub fn probe_pending(probe: &Probe, role: &ExpectedRole, target: &ProbeTarget) -> Option<String> {
    if probe.known_nodes < target.nodes {
        return Some(format!(
            "knows {} of {} nodes",
            probe.known_nodes, target.nodes
        ));
    }
    if probe.known_nodes > target.nodes + target.tolerated {
        return Some(format!(
            "knows {} nodes, {} of them in handshake or not in the cluster",
            probe.known_nodes,
            probe.known_nodes - target.nodes
        ));
    }
    match role {
        ExpectedRole::Replica { .. } if !probe.replica => {
            return Some("is not a replica yet".into())
        }
        ExpectedRole::Replica { .. } if !probe.link_up => {
            return Some("has its replication link down".into())
        }
        // An emptied master may turn replica (see `emptied_masters_as_reported`); the full
        // views, compared once every probe agrees, check whose replica it became.
        ExpectedRole::Master { slots } if probe.replica && !slots.is_empty() => {
            return Some("is a replica".into())
        }
        _ => {}
    }
    if probe.size != target.size {
        return Some(format!(
            "sees {} masters serving slots (expected {})",
            probe.size, target.size
        ));
    }
    if probe.slots_assigned != target.slots || probe.slots_ok != target.slots {
        return Some(format!(
            "sees {} slots assigned, {} ok (expected {})",
            probe.slots_assigned, probe.slots_ok, target.slots
        ));
    }
    if !probe.state_ok {
        return Some("reports cluster_state:fail".into());
    }
    None
}

/// How many nodes a second the wait probes (CLUSTER INFO + INFO replication, one round
/// trip each): a round of N nodes takes at least N / this.
const PROBES_PER_SEC: f64 = 2000.0;
/// How many `CLUSTER NODES` lines a second a full load may cost (N views of N lines).
const LINES_PER_SEC: f64 = 200_000.0;
/// The shortest pause between rounds.
const MIN_ROUND: Duration = Duration::from_millis(25);
/// At most this many MEETs (nudges) a second, whatever the size.
const NUDGES_PER_SEC: f64 = 400.0;

/// The pause between probe rounds and between full loads for `n` nodes: bounded cost per
/// second whatever the size.
pub fn pacing(n: usize) -> (Duration, Duration) {
    let probe = MIN_ROUND.max(Duration::from_secs_f64(n as f64 / PROBES_PER_SEC));
    let full = MIN_ROUND.max(Duration::from_secs_f64((n * n) as f64 / LINES_PER_SEC));
    (probe, full)
}

/// How long a node may know fewer nodes than expected before it is told to meet the ones
/// it lacks: gossip introduces everyone within a few of its rounds, a little longer at size.
pub fn straggler_after(n: usize) -> Duration {
    Duration::from_millis(1500 + 10 * n as u64)
}

/// How long a peer's view may stay stale before its subject is asked to announce itself.
const NUDGE_AFTER: Duration = Duration::from_millis(150);

/// Probes every node once; results in the order given.
async fn probe_all(fleet: &Fleet, addrs: &[Addr]) -> Vec<anyhow::Result<Probe>> {
    use futures::stream::{self, StreamExt};
    let mut out: Vec<(usize, anyhow::Result<Probe>)> = stream::iter(addrs.iter().enumerate())
        .map(|(i, addr)| async move {
            let r = async {
                let mut conn = fleet.conn(addr).await?;
                let mut pipe = redis::pipe();
                pipe.cmd("CLUSTER").arg("INFO");
                pipe.cmd("INFO").arg("replication");
                let (ci, ri): (String, String) = conn.pipe(&pipe).await?;
                Ok(Probe::parse(&ci, &ri))
            }
            .await;
            if r.is_err() {
                fleet.drop_conn(addr);
            }
            (i, r)
        })
        .buffer_unordered(64)
        .collect()
        .await;
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

/// The reconciling wait: probes cheaply until every node's own counts agree with the
/// expectation, then loads whole views to compare them; nudges stragglers and stale views
/// (a bounded number a second) and attaches replicas. Returns Ok once converged or the
/// reasons it is not when the deadline passes.
pub async fn wait_converged(
    fleet: &Fleet,
    expected: &[ExpectedNode],
    tolerate: &[String],
    deadline: Instant,
    bar: &ProgressBar,
) -> Result<Snapshot, Vec<String>> {
    let addrs: Vec<Addr> = expected.iter().map(|e| e.addr.clone()).collect();
    let by_id: HashMap<&str, &ExpectedNode> = expected.iter().map(|e| (e.id.as_str(), e)).collect();
    let target = ProbeTarget::of(expected, tolerate);
    let (probe_pause, full_pause) = pacing(expected.len());
    let nudge_budget = ((NUDGES_PER_SEC * probe_pause.as_secs_f64()).ceil() as usize).max(8);
    let started = Instant::now();
    let mut lacking_since: HashMap<String, Instant> = HashMap::new();
    let mut last_straggler_meet: HashMap<String, Instant> = HashMap::new();
    let mut last_nudge: HashMap<(String, String), Instant> = HashMap::new();
    let mut stale_since: HashMap<(String, String), Instant> = HashMap::new();
    let mut last_replicate: HashMap<String, Instant> = HashMap::new();
    let mut last_full: Option<Instant> = None;
    let mut last_errors: Vec<String> = Vec::new();
    let mut last_reported: Option<Vec<String>> = None;
    loop {
        let round = Instant::now();
        let probes = probe_all(fleet, &addrs).await;
        let mut reasons: Vec<String> = Vec::new();
        let mut probe_reasons = Tally::default();
        let mut actions: Vec<(Addr, Vec<String>)> = Vec::new();
        let mut stragglers: Vec<&ExpectedNode> = Vec::new();
        for (e, probe) in expected.iter().zip(&probes) {
            let why = match probe {
                Err(err) => Some(format!("cannot be reached: {err:#}")),
                Ok(probe) => {
                    if probe.known_nodes < target.nodes {
                        let since = *lacking_since.entry(e.id.clone()).or_insert(round);
                        let asked = last_straggler_meet
                            .get(&e.id)
                            .is_some_and(|t| round - *t < straggler_after(expected.len()));
                        if round - since.max(started) >= straggler_after(expected.len()) && !asked {
                            stragglers.push(e);
                        }
                    } else {
                        lacking_since.remove(&e.id);
                    }
                    // A replica not yet attached: ask (it fails harmlessly with "unknown
                    // node" until the replica has met its master).
                    if let (ExpectedRole::Replica { master_id }, false) = (&e.role, probe.replica) {
                        let due = last_replicate
                            .get(&e.id)
                            .is_none_or(|t| round - *t > Duration::from_millis(200));
                        if due {
                            last_replicate.insert(e.id.clone(), round);
                            actions.push((e.addr.clone(), cluster_cmd::replicate(master_id)));
                        }
                    }
                    probe_pending(probe, &e.role, &target)
                }
            };
            if let Some(why) = why {
                probe_reasons.push(|| format!("{} {why}", e.addr));
            }
        }
        let probes_agree = probe_reasons.shown.is_empty();
        probe_reasons.drain_into("nodes not there yet", &mut reasons);

        // Stragglers: read their views (a few a round) and have them meet whom they lack.
        let mut meets = 0;
        for e in stragglers.into_iter().take(8) {
            last_straggler_meet.insert(e.id.clone(), round);
            let Ok(report) = fleet.report(&e.addr).await else {
                continue;
            };
            for other in expected.iter().filter(|o| o.id != e.id) {
                if meets < nudge_budget && report.sees(&other.id).is_none_or(|n| n.flags.handshake)
                {
                    meets += 1;
                    actions.push((
                        e.addr.clone(),
                        cluster_cmd::meet(&other.meet_ip, other.addr.port, other.cport),
                    ));
                }
            }
        }

        let mut done = None;
        let full_due = last_full.is_none_or(|t| round - t >= full_pause);
        if probes_agree && full_due {
            last_full = Some(round);
            let snap = fleet.load_nodes(&addrs).await;
            let p = pending(&snap, expected, tolerate);
            if p.is_done() {
                done = Some(snap);
            } else {
                reasons = p.reasons.clone();
                // A view that is stale right after a change usually heals by itself
                // within a round trip or two on the bus; a MEET sent meanwhile only adds
                // a handshake. So a speaker is asked to announce itself once the view has
                // stayed stale a while.
                let now = Instant::now();
                stale_since.retain(|pair, _| p.stale.contains(pair));
                for (speaker, listener) in &p.stale {
                    if meets >= nudge_budget {
                        break;
                    }
                    let key = (speaker.clone(), listener.clone());
                    let since = *stale_since.entry(key.clone()).or_insert(now);
                    if now - since < NUDGE_AFTER
                        || last_nudge
                            .get(&key)
                            .is_some_and(|t| now - *t < Duration::from_millis(300))
                    {
                        continue;
                    }
                    last_nudge.insert(key, now);
                    meets += 1;
                    let to = by_id[listener.as_str()];
                    let meet = cluster_cmd::meet(&to.meet_ip, to.addr.port, to.cport);
                    actions.push((by_id[speaker.as_str()].addr.clone(), meet));
                }
                for (node, master) in &p.replicate {
                    // Only once the node knows its master, or REPLICATE fails.
                    let knows = snap
                        .report(node)
                        .and_then(|r| r.sees(master))
                        .is_some_and(|m| !m.flags.handshake && m.flags.master);
                    if knows
                        && !actions.iter().any(|(a, args)| {
                            *a == by_id[node.as_str()].addr && args[1] == "REPLICATE"
                        })
                    {
                        actions.push((
                            by_id[node.as_str()].addr.clone(),
                            cluster_cmd::replicate(master),
                        ));
                    }
                }
            }
        }
        if let Some(snap) = done {
            return Ok(snap);
        }
        if reasons.is_empty() {
            reasons.push("waiting for the next full comparison of views".into());
        }
        if fleet.opts.trace && last_reported.as_ref() != Some(&reasons) {
            eprintln!(
                "  [{:.1}s] waiting for {} thing(s): {}",
                started.elapsed().as_secs_f64(),
                reasons.len(),
                reasons.join("; ")
            );
            last_reported = Some(reasons.clone());
        }
        if Instant::now() >= deadline {
            reasons.extend(last_errors);
            return Err(reasons);
        }
        bar.set_message(format!(
            "converging: {} thing(s) left, e.g. {}",
            reasons.len(),
            reasons[0]
        ));
        // Replicas not yet known to their master answer "unknown node": expected.
        last_errors = run_all(fleet, actions)
            .await
            .into_iter()
            .filter(|e| !e.contains("nknown node"))
            .collect();
        let spent = round.elapsed();
        if spent < probe_pause {
            tokio::time::sleep(probe_pause - spent).await;
        }
    }
}

/// Waits for convergence like [`wait_converged`], but restores the temporarily lowered
/// settings in `saved` whatever happens, also when the user interrupts with Ctrl-C (the
/// cluster itself is left as it is: `rclust check` tells where it stands).
pub async fn wait_then_restore(
    fleet: &Fleet,
    expected: &[ExpectedNode],
    deadline: Instant,
    bar: &ProgressBar,
    saved: Vec<(Addr, Vec<String>)>,
) -> anyhow::Result<Result<Snapshot, Vec<String>>> {
    let outcome = tokio::select! {
        outcome = wait_converged(fleet, expected, &[], deadline, bar) => Some(outcome),
        _ = tokio::signal::ctrl_c() => None,
    };
    run_all(fleet, saved).await;
    outcome.ok_or_else(|| {
        anyhow::anyhow!("interrupted while waiting for convergence (lowered settings were restored; run `rclust check` to see where the cluster stands)")
    })
}

/// Sends one command to each addressed node, concurrently; returns the errors.
pub async fn run_all(fleet: &Fleet, actions: Vec<(Addr, Vec<String>)>) -> Vec<String> {
    if fleet.opts.trace {
        for (addr, args) in &actions {
            eprintln!("  {addr} <- {}", args.join(" "));
        }
    }
    let results = futures::future::join_all(actions.into_iter().map(|(addr, args)| async move {
        let mut conn = fleet.conn(&addr).await?;
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        conn.cmd::<redis::Value>(&refs).await.map(|_| ())
    }))
    .await;
    results
        .into_iter()
        .filter_map(|r| r.err().map(|e| format!("{e:#}")))
        .collect()
}

/// The node timeout while `n` nodes form a cluster. Lower is faster (Redis keeps a new
/// master's `cluster_state` at fail for min(node-timeout, 5 s) after it last saw itself in
/// a minority, and pings a peer whose last pong is older than half of it), but every node
/// then pings every other twice per timeout, and on a loaded machine a node that answers
/// late is flagged `fail?`. So: Redis's floor (500 ms) for small clusters, 40 ms a node
/// beyond (4 s at 100 nodes, 8 s at 200), never above what the nodes have.
pub fn forming_node_timeout(n: usize) -> u64 {
    (40 * n as u64).max(500)
}

/// Lowers settings that are higher than wanted; returns the commands that restore them.
/// Best effort: a node that does not know a setting keeps its own pace.
pub async fn lower_settings(
    fleet: &Fleet,
    tweaks: &[(Addr, &str, String)],
) -> Vec<(Addr, Vec<String>)> {
    let results = futures::future::join_all(tweaks.iter().map(|(addr, name, value)| async move {
        let mut c = fleet.conn(addr).await.ok()?;
        let current: Vec<String> = c.cmd(&["CONFIG", "GET", name]).await.ok()?;
        let old = current.get(1)?.clone();
        let (old_n, new_n) = (old.parse::<u64>().ok()?, value.parse::<u64>().ok()?);
        if old_n <= new_n {
            return None;
        }
        c.cmd::<()>(&["CONFIG", "SET", name, value]).await.ok()?;
        Some((
            addr.clone(),
            vec!["CONFIG".to_string(), "SET".into(), name.to_string(), old],
        ))
    }))
    .await;
    results.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::health::tests::{snapshot_of, A, B, C, D};

    fn expected() -> Vec<ExpectedNode> {
        let node = |id: &str, port: u16, role| ExpectedNode {
            id: id.into(),
            addr: Addr::new("127.0.0.1", port),
            meet_ip: "127.0.0.1".into(),
            cport: port + 10000,
            role,
        };
        vec![
            node(
                A,
                7000,
                ExpectedRole::Master {
                    slots: SlotSet::range(0, 5461),
                },
            ),
            node(
                B,
                7001,
                ExpectedRole::Master {
                    slots: SlotSet::range(5462, 10922),
                },
            ),
            node(
                C,
                7002,
                ExpectedRole::Master {
                    slots: SlotSet::range(10923, 16383),
                },
            ),
            node(
                D,
                7003,
                ExpectedRole::Replica {
                    master_id: A.into(),
                },
            ),
        ]
    }

    fn views(d_as_seen_by_a: &str) -> Vec<String> {
        (0..4)
            .map(|me| {
                let m = |i: usize| if i == me { "myself," } else { "" };
                let d_line = if me == 0 {
                    d_as_seen_by_a.to_string()
                } else {
                    format!("slave {A}")
                };
                format!(
                    "{A} 127.0.0.1:7000@17000 {}master - 0 0 1 connected 0-5461\n\
                     {B} 127.0.0.1:7001@17001 {}master - 0 0 2 connected 5462-10922\n\
                     {C} 127.0.0.1:7002@17002 {}master - 0 0 3 connected 10923-16383\n\
                     {D} 127.0.0.1:7003@17003 {}{d_line} 0 0 4 connected\n",
                    m(0),
                    m(1),
                    m(2),
                    m(3)
                )
            })
            .collect()
    }

    #[test]
    fn an_emptied_master_that_turned_replica_is_converged() {
        let mut exp = expected();
        exp[3].role = ExpectedRole::Master {
            slots: SlotSet::new(),
        };
        let v = views(&format!("slave {A}"));
        let refs: Vec<&str> = v.iter().map(String::as_str).collect();
        let p = pending(&snapshot_of(&refs), &exp, &[]);
        assert!(p.is_done(), "{p:#?}");
        // A master expected to keep slots is never excused for turning replica.
        exp[3].role = ExpectedRole::Master {
            slots: SlotSet::range(0, 5461),
        };
        assert!(!pending(&snapshot_of(&refs), &exp, &[]).is_done());
    }

    #[test]
    fn converged_when_everyone_agrees() {
        let v = views(&format!("slave {A}"));
        let refs: Vec<&str> = v.iter().map(String::as_str).collect();
        let p = pending(&snapshot_of(&refs), &expected(), &[]);
        assert!(p.is_done(), "{p:#?}");
    }

    #[test]
    fn stale_role_asks_the_replica_to_speak() {
        let v = views("master -");
        let refs: Vec<&str> = v.iter().map(String::as_str).collect();
        let p = pending(&snapshot_of(&refs), &expected(), &[]);
        assert_eq!(p.stale, vec![(D.to_string(), A.to_string())]);
        assert!(p.replicate.is_empty());
        assert_eq!(p.reasons.len(), 1, "{p:#?}");
        assert!(
            p.reasons[0]
                == "127.0.0.1:7000 still sees dddddddd (127.0.0.1:7003) as a master of slots -"
        );
    }

    #[test]
    fn replica_not_yet_attached_is_told_to_replicate() {
        let mut v = views("master -");
        for view in v.iter_mut() {
            *view = view.replace(&format!("myself,slave {A}"), "myself,master -");
            *view = view.replace(&format!("slave {A}"), "master -");
        }
        let refs: Vec<&str> = v.iter().map(String::as_str).collect();
        let p = pending(&snapshot_of(&refs), &expected(), &[]);
        assert_eq!(p.replicate, vec![(D.to_string(), A.to_string())]);
    }
}
