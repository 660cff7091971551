//! Waiting until a cluster is what was asked for, and helping it get there. The test of
//! convergence is a pure function of a snapshot and the expected topology; the wait loop
//! polls every node every few tens of milliseconds and, instead of waiting for gossip's own
//! pace, makes the node whose news has not spread tell the others itself (a `CLUSTER MEET`
//! carries the sender's current role, master and slots in its header).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use crate::health;
use crate::model::{Addr, SlotSet};
use crate::snapshot::{Fleet, Snapshot};

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

fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
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
                    master_id: me.master_id.clone()?,
                }
            } else {
                ExpectedRole::Master {
                    slots: slots
                        .get(&me.id)
                        .cloned()
                        .unwrap_or_else(|| me.slots.clone()),
                }
            };
            Some(ExpectedNode {
                id: me.id.clone(),
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

/// Compares every node's own state and every node's view with the expectation, and adds
/// every problem `rclust check` would report, plus replicas whose link is not up.
/// Nodes in `tolerate` (known dead, being removed) may still appear in views, flagged.
pub fn pending(snap: &Snapshot, expected: &[ExpectedNode], tolerate: &[String]) -> Pending {
    let mut p = Pending::default();
    for u in &snap.unreachable {
        p.reasons
            .push(format!("{} cannot be reached: {}", u.addr, u.error));
    }
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
                if !me.flags.replica || me.master_id.as_ref() != Some(master_id) {
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
        // This node's view of every other expected node.
        for other in expected.iter().filter(|o| o.id != e.id) {
            let seen = report.sees(&other.id).filter(|n| !n.flags.handshake);
            let ok = match (seen, &other.role) {
                (None, _) => false,
                (Some(n), _) if n.flags.is_troubled() => false,
                (Some(n), ExpectedRole::Master { slots }) => n.flags.master && &n.slots == slots,
                (Some(n), ExpectedRole::Replica { master_id }) => {
                    n.flags.replica && n.master_id.as_ref() == Some(master_id)
                }
            };
            if ok && seen.is_some_and(|n| !n.connected) {
                // The bus link reconnects by itself within a cron tick; a failover asked
                // for meanwhile is refused ("Master is down or failed").
                p.reasons.push(format!(
                    "{} has no bus link to {} ({})",
                    e.addr,
                    short(&other.id),
                    other.addr
                ));
                continue;
            }
            if !ok {
                let how = match seen {
                    None => "does not know".to_string(),
                    Some(n) => format!("has a stale view ({} {}) of", n.role(), n.flags),
                };
                p.reasons.push(format!(
                    "{} {how} {} ({})",
                    e.addr,
                    short(&other.id),
                    other.addr
                ));
                p.stale.push((other.id.clone(), e.id.clone()));
            }
        }
        let extra = report
            .view
            .iter()
            .filter(|n| !expected.iter().any(|o| o.id == n.id) && !tolerate.contains(&n.id))
            .count();
        if extra > 0 {
            p.reasons.push(format!(
                "{} lists {extra} node(s) not in the cluster (handshakes in progress)",
                e.addr
            ));
        }
    }
    // Whatever else `check` would object to (cluster_state, flags, open slots...).
    for f in health::assess(snap) {
        if f.severity == health::Severity::Problem
            && !matches!(f.kind, "disagreement" | "handshake")
        {
            p.reasons.push(f.message);
        }
    }
    p
}

/// The reconciling wait: polls, nudges, and returns Ok once converged or the reasons it is
/// not when the deadline passes.
pub async fn wait_converged(
    fleet: &Fleet,
    expected: &[ExpectedNode],
    tolerate: &[String],
    deadline: Instant,
    bar: &ProgressBar,
) -> Result<Snapshot, Vec<String>> {
    let addrs: Vec<Addr> = expected.iter().map(|e| e.addr.clone()).collect();
    let by_id: HashMap<&str, &ExpectedNode> = expected.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut last_nudge: HashMap<(String, String), Instant> = HashMap::new();
    let mut last_replicate: HashMap<String, Instant> = HashMap::new();
    let mut last_errors: Vec<String> = Vec::new();
    loop {
        let snap = fleet.load_nodes(&addrs).await;
        let p = pending(&snap, expected, tolerate);
        if p.is_done() {
            return Ok(snap);
        }
        if Instant::now() >= deadline {
            let mut reasons = p.reasons;
            reasons.extend(last_errors);
            return Err(reasons);
        }
        bar.set_message(format!(
            "converging: {} thing(s) left, e.g. {}",
            p.reasons.len(),
            p.reasons[0]
        ));
        let now = Instant::now();
        let mut actions = Vec::new();
        for (node, master) in &p.replicate {
            let due = last_replicate
                .get(node)
                .is_none_or(|t| now - *t > Duration::from_millis(100));
            // Only once the node knows its master, or REPLICATE fails with "unknown node".
            let knows = snap
                .report(node)
                .and_then(|r| r.sees(master))
                .is_some_and(|m| !m.flags.handshake && m.flags.master);
            if due && knows {
                last_replicate.insert(node.clone(), now);
                actions.push((
                    by_id[node.as_str()].addr.clone(),
                    vec!["CLUSTER".to_string(), "REPLICATE".into(), master.clone()],
                ));
            }
        }
        for (speaker, listener) in &p.stale {
            let key = (speaker.clone(), listener.clone());
            if last_nudge
                .get(&key)
                .is_some_and(|t| now - *t < Duration::from_millis(300))
            {
                continue;
            }
            last_nudge.insert(key, now);
            let to = by_id[listener.as_str()];
            let meet = meet_args(&to.meet_ip, to.addr.port, to.cport);
            actions.push((by_id[speaker.as_str()].addr.clone(), meet));
        }
        last_errors = run_all(fleet, actions).await;
        tokio::time::sleep(Duration::from_millis(25)).await;
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

/// `CLUSTER MEET ip port [cport]`: the bus port only when it is not port+10000, so
/// that servers older than 7.0 understand it too.
pub fn meet_args(ip: &str, port: u16, cport: u16) -> Vec<String> {
    let mut meet = vec![
        "CLUSTER".to_string(),
        "MEET".into(),
        ip.to_string(),
        port.to_string(),
    ];
    if cport != port.wrapping_add(10000) {
        meet.push(cport.to_string());
    }
    meet
}

/// Sends one command to each addressed node, concurrently; returns the errors.
pub async fn run_all(fleet: &Fleet, actions: Vec<(Addr, Vec<String>)>) -> Vec<String> {
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

/// The node timeout while a cluster forms: Redis's floor for the rejoin delay is 500 ms.
pub const FORMING_NODE_TIMEOUT: &str = "500";

/// Lowers settings that are higher than wanted; returns the commands that restore them.
/// Best effort: a node that does not know a setting keeps its own pace.
pub async fn lower_settings(
    fleet: &Fleet,
    tweaks: &[(Addr, &str, &str)],
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
    use crate::health::tests::snapshot_of;

    const A: &str = "aaaaaaaa00000000000000000000000000000000";
    const B: &str = "bbbbbbbb00000000000000000000000000000000";
    const C: &str = "cccccccc00000000000000000000000000000000";
    const D: &str = "dddddddd00000000000000000000000000000000";

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
            p.reasons[0].starts_with("127.0.0.1:7000 has a stale view (master master) of dddddddd")
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
