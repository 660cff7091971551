//! Plans that change who is in the cluster and in which role: `add-node`, `del-node` and
//! `failover`. Pure functions of a snapshot.

use anyhow::bail;

use crate::admin::plan::placement::{shared_host, Shard};
use crate::admin::snapshot::Snapshot;
use crate::model::id::short;
use crate::model::replies::zone_of;
use crate::model::{Addr, ClusterNode};

use super::{largest_remainder, SlotMove};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AddNodePlan {
    pub addr: Addr,
    pub id: String,
    /// The master to replicate, or None to join as an empty master.
    pub master: Option<String>,
}

/// The master with the fewest replicas, preferring (among those) one on another host than
/// `host`, then one in another zone than `zone` (Valkey's `availability-zone`, as the
/// masters report it), then the lowest address (so that concurrent runs are at least
/// predictable).
pub fn pick_master_for_replica<'a>(
    snap: &'a Snapshot,
    host: &str,
    zone: Option<&str>,
) -> Option<&'a ClusterNode> {
    let mut masters: Vec<&ClusterNode> = snap
        .masters()
        .into_iter()
        .filter(|m| !m.slots.is_empty() && !m.flags.fail && !m.flags.pfail)
        .collect();
    let zone_of = |m: &ClusterNode| snap.report(&m.id).and_then(|r| zone_of(&r.info));
    masters.sort_by_key(|m| {
        (
            snap.replicas_of(&m.id).len(),
            m.addr.ip == host,
            zone.is_some() && zone_of(m) == zone,
            m.addr.addr(),
        )
    });
    masters.first().copied()
}

pub fn plan_add_node(
    snap: &Snapshot,
    addr: &Addr,
    id: &str,
    place: (&str, Option<&str>),
    replica: bool,
    master: Option<&str>,
) -> anyhow::Result<AddNodePlan> {
    if snap.known_ids().contains(id) {
        bail!(
            "{addr}: already a member of this cluster (node id {})",
            short(id)
        );
    }
    let master = match (replica, master) {
        (false, None) => None,
        (_, Some(spec)) => {
            let m = snap.resolve_node(spec)?;
            if !m.flags.master {
                bail!(
                    "{spec}: not a master (it replicates {})",
                    m.master_id.as_deref().unwrap_or("?")
                );
            }
            Some(m.id.to_string())
        }
        (true, None) => Some(
            pick_master_for_replica(snap, place.0, place.1)
                .ok_or_else(|| anyhow::anyhow!("no master serving slots to replicate"))?
                .id
                .to_string(),
        ),
    };
    if let Some(m) = master.as_deref().and_then(|m| snap.line(m)) {
        let siblings = snap.replicas_of(&m.id);
        let shard = Shard {
            name: format!("{} ({})", m.addr.addr(), m.short_id()),
            host: &m.addr.ip,
            replica_hosts: siblings
                .iter()
                .map(|r| r.addr.ip.as_str())
                .chain([place.0])
                .collect(),
        };
        let hosts = snap
            .lines()
            .map(|n| n.addr.ip.as_str())
            .filter(|ip| !ip.is_empty())
            .chain([place.0])
            .collect();
        if let Some(why) = shared_host(&[shard], &hosts) {
            bail!("{addr}: cannot replicate {}: {why}", m.short_id());
        }
    }
    Ok(AddNodePlan {
        addr: addr.clone(),
        id: id.to_string(),
        master,
    })
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DelNodePlan {
    pub id: String,
    pub addr: Addr,
    /// `(replica, new master)`: the deleted master's replicas move here first.
    pub repoint: Vec<(String, String)>,
    /// Nodes that must FORGET the deleted one (every other node known).
    pub forget_on: Vec<String>,
    /// The deleted node is reachable and is reset so it does not rejoin.
    pub reset: bool,
}

pub fn plan_del_node(snap: &Snapshot, spec: &str) -> anyhow::Result<DelNodePlan> {
    let node = snap.resolve_node(spec)?;
    if node.flags.master && !node.slots.is_empty() {
        let to = snap
            .masters()
            .into_iter()
            .find(|m| m.id != node.id && !m.flags.fail)
            .map(|m| m.short_id().to_string())
            .unwrap_or_else(|| "<other master>".into());
        bail!(
            "{} ({}) still serves {} slot(s); give --drain to move them to the other masters first, or move them yourself: rclust reshard {} --from {} --to {to} --slots {}",
            node.short_id(),
            node.addr.addr(),
            node.slots.len(),
            snap.seed,
            node.short_id(),
            node.slots.len()
        );
    }
    let mut repoint = Vec::new();
    for r in snap.replicas_of(&node.id) {
        let target = snap
            .masters()
            .into_iter()
            .filter(|m| m.id != node.id && !m.slots.is_empty() && !m.flags.fail)
            .min_by_key(|m| (snap.replicas_of(&m.id).len(), m.addr.addr()))
            .ok_or_else(|| {
                anyhow::anyhow!("no other master for the replicas of {}", node.short_id())
            })?;
        repoint.push((r.id.to_string(), target.id.to_string()));
    }
    let forget_on = snap
        .reports
        .iter()
        .map(|r| r.id().to_string())
        .filter(|id| *id != node.id)
        .collect();
    Ok(DelNodePlan {
        id: node.id.to_string(),
        addr: node.addr.addr(),
        repoint,
        forget_on,
        reset: snap.report(&node.id).is_some(),
    })
}

/// The moves that empty master `id` before `del-node --drain` removes it: its slots go to
/// the other masters that serve slots and are not failing, so that they end up as even as
/// its slots allow (each receives in proportion to how far it is below the even share of
/// the slots they will serve together; ties by id). Slots leave in ascending order, in
/// contiguous runs per target so that each (source, target) pair is few ranges.
pub fn plan_drain(snap: &Snapshot, id: &str) -> anyhow::Result<Vec<SlotMove>> {
    let node = snap
        .line(id)
        .ok_or_else(|| anyhow::anyhow!("unknown node {id}"))?;
    if node.slots.is_empty() {
        return Ok(Vec::new());
    }
    let mut targets: Vec<&ClusterNode> = snap
        .masters()
        .into_iter()
        .filter(|m| m.id != id && !m.slots.is_empty() && !m.flags.fail && !m.flags.pfail)
        .collect();
    if targets.is_empty() {
        bail!(
            "{} ({}) is the only master serving slots: there is nowhere to drain its {} slot(s)",
            node.short_id(),
            node.addr.addr(),
            node.slots.len()
        );
    }
    targets.sort_by(|a, b| a.id.cmp(&b.id));
    let total: usize = targets.iter().map(|m| m.slots.len()).sum::<usize>() + node.slots.len();
    let even = largest_remainder(total, &vec![1.0; targets.len()]);
    let deficits: Vec<f64> = targets
        .iter()
        .zip(&even)
        .map(|(m, &e)| e.saturating_sub(m.slots.len()) as f64)
        .collect();
    // Masters already above the even share still take part when nobody is below it.
    let weights = if deficits.iter().sum::<f64>() > 0.0 {
        deficits
    } else {
        vec![1.0; targets.len()]
    };
    let counts = largest_remainder(node.slots.len(), &weights);
    let mut slots = node.slots.iter();
    let mut moves = Vec::with_capacity(node.slots.len());
    for (target, count) in targets.iter().zip(counts) {
        for slot in slots.by_ref().take(count) {
            moves.push(SlotMove {
                slot,
                from: node.id.to_string(),
                to: target.id.to_string(),
            });
        }
    }
    Ok(moves)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailoverMode {
    /// The master and replica agree: no write is lost.
    Coordinated,
    /// The replica does not wait for its master (it is down or unreachable).
    Force,
    /// No election: the replica takes a new epoch on its own.
    Takeover,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FailoverPlan {
    pub promote: String,
    pub promote_addr: Addr,
    pub old_master: String,
    pub mode: FailoverMode,
}

pub fn plan_failover(
    snap: &Snapshot,
    spec: &str,
    mode: FailoverMode,
) -> anyhow::Result<FailoverPlan> {
    let node = snap.resolve_node(spec)?;
    let replica = if node.flags.master {
        let reps = snap.replicas_of(&node.id);
        if reps.is_empty() {
            bail!(
                "{} ({}) is a master with no replica to promote",
                node.short_id(),
                node.addr.addr()
            );
        }
        // The most up-to-date replica whose link is up (by its own report).
        reps.into_iter()
            .filter_map(|r| snap.report(&r.id).map(|rep| (r, rep)))
            .filter(|(_, rep)| {
                mode != FailoverMode::Coordinated || rep.master_link_up() == Some(true)
            })
            .max_by_key(|(r, rep)| (rep.repl_offset(), std::cmp::Reverse(r.addr.addr())))
            .map(|(r, _)| r)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no replica of {} ({}) is reachable and in sync; use --force",
                    node.short_id(),
                    node.addr.addr()
                )
            })?
    } else if node.flags.replica {
        if mode == FailoverMode::Coordinated {
            match snap.report(&node.id).and_then(|r| r.master_link_up()) {
                Some(true) => {}
                _ => bail!(
                    "{} ({}) is not in sync with its master (link down); use --force",
                    node.short_id(),
                    node.addr.addr()
                ),
            }
        }
        node
    } else {
        bail!("{spec}: neither master nor replica");
    };
    if snap.report(&replica.id).is_none() {
        bail!(
            "{} ({}) cannot be reached",
            replica.short_id(),
            replica.addr.addr()
        );
    }
    Ok(FailoverPlan {
        promote: replica.id.to_string(),
        promote_addr: replica.addr.addr(),
        old_master: replica
            .master_id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        mode,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::health::tests::{snapshot_of, A, B, C, D};

    /// Every node's view of the same `CLUSTER NODES` lines, each marking itself.
    fn every_view(lines: &[String]) -> Snapshot {
        let views: Vec<String> = (0..lines.len())
            .map(|me| {
                lines
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let mut parts: Vec<&str> = l.splitn(3, ' ').collect();
                        let flags = if i == me {
                            format!("myself,{}", parts[2])
                        } else {
                            parts[2].to_string()
                        };
                        parts.truncate(2);
                        format!("{} {flags}\n", parts.join(" "))
                    })
                    .collect()
            })
            .collect();
        let refs: Vec<&str> = views.iter().map(String::as_str).collect();
        snapshot_of(&refs)
    }

    /// A and B masters, C replicates A, D is an empty master.
    fn snap() -> Snapshot {
        every_view(&[
            format!("{A} 127.0.0.1:7000@17000 master - 0 0 1 connected 0-8191"),
            format!("{B} 127.0.0.1:7001@17001 master - 0 0 2 connected 8192-16383"),
            format!("{C} 127.0.0.1:7002@17002 slave {A} 0 0 1 connected"),
            format!("{D} 127.0.0.1:7003@17003 master - 0 0 0 connected"),
        ])
    }

    #[test]
    fn resolve_by_id_prefix_and_address() {
        let s = snap();
        assert_eq!(s.resolve_node("bbbb").unwrap().id, B);
        assert_eq!(s.resolve_node(C).unwrap().id, C);
        assert_eq!(s.resolve_node("127.0.0.1:7003").unwrap().id, D);
        assert!(s
            .resolve_node("eeee")
            .unwrap_err()
            .to_string()
            .contains("unknown node 'eeee'"));
        assert!(s.resolve_node("127.0.0.1:9999").is_err());
        // Announced hostnames, alone or with the port; two nodes on one name need the port.
        let named = every_view(&[
            format!("{A} 127.0.0.1:7000@17000,a.example master - 0 0 1 connected 0-16383"),
            format!("{B} 127.0.0.1:7001@17001,shared.example slave {A} 0 0 1 connected"),
            format!("{C} 127.0.0.1:7002@17002,shared.example slave {A} 0 0 1 connected"),
        ]);
        assert_eq!(named.resolve_node("a.example").unwrap().id, A);
        assert_eq!(named.resolve_node("shared.example:7002").unwrap().id, C);
        let err = named
            .resolve_node("shared.example")
            .unwrap_err()
            .to_string();
        assert!(err.contains("add the port"), "{err}");
        assert!(named.resolve_node("a.example:7001").is_err());
        assert!(s
            .resolve_node("xyz")
            .unwrap_err()
            .to_string()
            .contains("unknown node 'xyz'"));
    }

    #[test]
    fn replica_goes_to_master_with_fewest_replicas() {
        let s = snap();
        let p = plan_add_node(
            &s,
            &Addr::new("127.0.0.1", 7010),
            &"e".repeat(40),
            ("127.0.0.1", None),
            true,
            None,
        )
        .unwrap();
        assert_eq!(p.master.as_deref(), Some(B));
        let p = plan_add_node(
            &s,
            &Addr::new("127.0.0.1", 7010),
            &"e".repeat(40),
            ("127.0.0.1", None),
            true,
            Some("aaaa"),
        )
        .unwrap();
        assert_eq!(p.master.as_deref(), Some(A));
        assert!(plan_add_node(
            &s,
            &Addr::new("127.0.0.1", 7010),
            &"e".repeat(40),
            ("127.0.0.1", None),
            true,
            Some("cccc")
        )
        .is_err());
        let err = plan_add_node(
            &s,
            &Addr::new("127.0.0.1", 7000),
            A,
            ("127.0.0.1", None),
            false,
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("already a member"));
    }

    #[test]
    fn a_new_replica_prefers_a_master_in_another_zone() {
        let mut s = every_view(&[
            format!("{A} 127.0.0.1:7000@17000 master - 0 0 1 connected 0-8191"),
            format!("{B} 127.0.0.1:7001@17001 master - 0 0 2 connected 8192-16383"),
        ]);
        for (r, zone) in s.reports.iter_mut().zip(["z1", "z2"]) {
            r.info.insert("availability_zone".into(), zone.into());
        }
        let pick = |zone| {
            pick_master_for_replica(&s, "127.0.0.1", zone)
                .unwrap()
                .id
                .clone()
        };
        assert_eq!(pick(None), A);
        assert_eq!(pick(Some("z1")), B);
        assert_eq!(pick(Some("z2")), A);
        assert_eq!(pick(Some("z3")), A);
    }

    #[test]
    fn del_node_refuses_masters_with_slots_and_repoints_replicas() {
        let s = snap();
        let err = plan_del_node(&s, "aaaa").unwrap_err().to_string();
        assert!(
            err.contains("still serves 8192 slot(s)") && err.contains("rclust reshard"),
            "{err}"
        );
        let p = plan_del_node(&s, "127.0.0.1:7003").unwrap();
        assert_eq!(p.id, D);
        assert!(p.repoint.is_empty());
        assert_eq!(p.forget_on.len(), 3);
        assert!(p.reset);
    }

    #[test]
    fn drain_spreads_a_masters_slots_over_the_others_evenly() {
        let s = snap();
        // B is the only other master with slots: it takes all of A's.
        let moves = plan_drain(&s, A).unwrap();
        assert_eq!(moves.len(), 8192);
        assert!(moves.iter().all(|m| m.from == A && m.to == B));
        assert_eq!(plan_drain(&s, D).unwrap(), Vec::new());
        // Three masters, uneven: the ones below the even share fill up first.
        let s = every_view(&[
            format!("{A} 127.0.0.1:7000@17000 master - 0 0 1 connected 0-5999"),
            format!("{B} 127.0.0.1:7001@17001 master - 0 0 2 connected 6000-13999"),
            format!("{C} 127.0.0.1:7002@17002 master - 0 0 3 connected 14000-16383"),
        ]);
        let moves = plan_drain(&s, A).unwrap();
        assert_eq!(moves.len(), 6000);
        let to_b = moves.iter().filter(|m| m.to == B).count();
        let to_c = moves.iter().filter(|m| m.to == C).count();
        // Even share of 16384 over B and C is 8192: B needs 192, C 5808.
        assert_eq!((to_b, to_c), (192, 5808));
        assert_eq!(super::super::group_moves(&moves).len(), 2);
        // The last master with slots cannot be drained.
        let lone = snapshot_of(&[&format!(
            "{A} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383\n"
        )]);
        assert!(plan_drain(&lone, A)
            .unwrap_err()
            .to_string()
            .contains("only master"));
    }

    #[test]
    fn failover_of_master_promotes_its_replica() {
        let s = snap();
        let p = plan_failover(&s, "aaaa", FailoverMode::Coordinated).unwrap();
        assert_eq!((p.promote.as_str(), p.old_master.as_str()), (C, A));
        let p = plan_failover(&s, "127.0.0.1:7002", FailoverMode::Coordinated).unwrap();
        assert_eq!(p.promote, C);
        let err = plan_failover(&s, "bbbb", FailoverMode::Coordinated)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no replica to promote"), "{err}");
    }
}
