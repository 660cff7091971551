//! The plan for `rclust create`: which nodes become masters, which slots each serves, where
//! replicas go, and the config epochs. A pure function of the preflighted nodes.

use std::collections::BTreeMap;

use crate::model::{Addr, SlotSet, SLOT_COUNT};

/// A node that passed preflight: empty, cluster-enabled, reachable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub addr: Addr,
    pub id: String,
    /// Its availability zone (Valkey's `availability-zone`), when set.
    pub zone: Option<String>,
}

impl Candidate {
    fn place(&self) -> Place<'_> {
        Place {
            host: &self.addr.host,
            zone: self.zone.as_deref(),
        }
    }
}

/// Where a node runs, for anti-affinity: its host and, when known, its zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place<'a> {
    pub host: &'a str,
    pub zone: Option<&'a str>,
}

impl Place<'_> {
    /// Whether both are in one known zone.
    pub fn same_zone(&self, other: &Place) -> bool {
        self.zone.is_some() && self.zone == other.zone
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PlannedMaster {
    pub addr: Addr,
    pub id: String,
    pub slots: SlotSet,
    pub epoch: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PlannedReplica {
    pub addr: Addr,
    pub id: String,
    /// Index into `CreatePlan::masters`.
    pub master: usize,
    pub epoch: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CreatePlan {
    pub masters: Vec<PlannedMaster>,
    pub replicas: Vec<PlannedReplica>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreatePlanError {
    #[error("a cluster needs at least 3 masters: {nodes} node(s) with --replicas {replicas} give {masters}; at least {needed} nodes are required")]
    TooFewMasters {
        nodes: usize,
        replicas: usize,
        masters: usize,
        needed: usize,
    },
}

/// Splits 0..16384 into `n` contiguous ranges whose sizes differ by at most one.
pub fn even_slot_ranges(n: usize) -> Vec<SlotSet> {
    let total = SLOT_COUNT as usize;
    let (base, extra) = (total / n, total % n);
    let mut start = 0usize;
    (0..n)
        .map(|i| {
            let size = base + usize::from(i < extra);
            let set = SlotSet::range(start as u16, (start + size - 1) as u16);
            start += size;
            set
        })
        .collect()
}

/// Orders `nodes` round-robin over the groups `key` puts them in (groups in order of first
/// appearance, each group's own order kept).
fn interleave_by<K: PartialEq>(
    nodes: &[Candidate],
    key: impl Fn(&Candidate) -> K,
) -> Vec<Candidate> {
    let mut groups: Vec<(K, Vec<&Candidate>)> = Vec::new();
    for n in nodes {
        let k = key(n);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, list)) => list.push(n),
            None => groups.push((k, vec![n])),
        }
    }
    let mut out = Vec::with_capacity(nodes.len());
    let mut round = 0;
    while out.len() < nodes.len() {
        for (_, list) in &groups {
            if let Some(n) = list.get(round) {
                out.push((*n).clone());
            }
        }
        round += 1;
    }
    out
}

/// Orders nodes so consecutive ones are in different zones, then on different hosts, where
/// possible: round-robin over hosts (as redis-cli does, by host string), then over zones
/// keeping that order inside each zone. Without zones this is the host order alone.
fn interleave_by_place(nodes: &[Candidate]) -> Vec<Candidate> {
    let by_host = interleave_by(nodes, |n| n.addr.host.clone());
    interleave_by(&by_host, |n| n.zone.clone())
}

/// Anti-affinity cost of one replica placement: a replica on its master's host costs far
/// more than one in its master's zone, which costs far more than two replicas of one
/// master sharing a host or a zone.
fn placement_cost(node: Place, master: Place, siblings: &[Place]) -> usize {
    10_000 * usize::from(node.host == master.host)
        + 1_000 * usize::from(node.same_zone(&master))
        + siblings.iter().filter(|s| s.host == node.host).count()
        + siblings.iter().filter(|s| s.same_zone(&node)).count()
}

fn total_cost(masters: &[Candidate], assignment: &[(Candidate, usize)]) -> usize {
    let mut cost = 0;
    for (i, (node, m)) in assignment.iter().enumerate() {
        let earlier: Vec<Place> = assignment[..i]
            .iter()
            .filter(|(_, m2)| m2 == m)
            .map(|(n, _)| n.place())
            .collect();
        cost += placement_cost(node.place(), masters[*m].place(), &earlier);
    }
    cost
}

pub fn plan_create(nodes: &[Candidate], replicas: usize) -> Result<CreatePlan, CreatePlanError> {
    let master_count = nodes.len() / (replicas + 1);
    if master_count < 3 {
        return Err(CreatePlanError::TooFewMasters {
            nodes: nodes.len(),
            replicas,
            masters: master_count,
            needed: 3 * (replicas + 1),
        });
    }
    let ordered = interleave_by_place(nodes);
    let (masters, mut pool) = {
        let (m, rest) = ordered.split_at(master_count);
        (m.to_vec(), rest.to_vec())
    };

    // Greedy: each round gives every master one replica, cheapest host first; ties go to
    // the host with the most unused nodes so scarce hosts stay available for later masters.
    let mut assignment: Vec<(Candidate, usize)> = Vec::new();
    let mut round = 0;
    while !pool.is_empty() {
        for (mi, master) in masters.iter().enumerate() {
            if pool.is_empty()
                || (round >= replicas && assignment.len() >= nodes.len() - master_count)
            {
                break;
            }
            let siblings: Vec<Place> = assignment
                .iter()
                .filter(|(_, m)| *m == mi)
                .map(|(n, _)| n.place())
                .collect();
            let mut left_per_host: BTreeMap<&str, usize> = BTreeMap::new();
            for n in &pool {
                *left_per_host.entry(n.addr.host.as_str()).or_default() += 1;
            }
            let best = (0..pool.len())
                .min_by_key(|&i| {
                    let host = pool[i].addr.host.as_str();
                    (
                        placement_cost(pool[i].place(), master.place(), &siblings),
                        usize::MAX - left_per_host[host],
                        i,
                    )
                })
                .expect("pool is not empty");
            assignment.push((pool.remove(best), mi));
        }
        round += 1;
    }

    // Improve by swapping the masters of two replicas while that lowers the cost.
    let mut cost = total_cost(&masters, &assignment);
    let mut improved = cost > 0;
    while improved {
        improved = false;
        for i in 0..assignment.len() {
            for j in i + 1..assignment.len() {
                if assignment[i].1 == assignment[j].1 {
                    continue;
                }
                let (mi, mj) = (assignment[i].1, assignment[j].1);
                assignment[i].1 = mj;
                assignment[j].1 = mi;
                let new_cost = total_cost(&masters, &assignment);
                if new_cost < cost {
                    cost = new_cost;
                    improved = true;
                } else {
                    assignment[i].1 = mi;
                    assignment[j].1 = mj;
                }
            }
        }
    }
    assignment.sort_by_key(|(_, m)| *m);

    let slot_ranges = even_slot_ranges(master_count);
    let masters: Vec<PlannedMaster> = masters
        .into_iter()
        .zip(slot_ranges)
        .enumerate()
        .map(|(i, (c, slots))| PlannedMaster {
            addr: c.addr,
            id: c.id,
            slots,
            epoch: i as u64 + 1,
        })
        .collect();
    let replicas = assignment
        .into_iter()
        .enumerate()
        .map(|(i, (c, master))| PlannedReplica {
            addr: c.addr,
            id: c.id,
            master,
            epoch: (master_count + i) as u64 + 1,
        })
        .collect();
    Ok(CreatePlan { masters, replicas })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(spec: &[(&str, u16)]) -> Vec<Candidate> {
        spec.iter()
            .enumerate()
            .map(|(i, (h, p))| Candidate {
                addr: Addr::new(*h, *p),
                id: format!("{i:040}"),
                zone: None,
            })
            .collect()
    }

    fn local(n: usize) -> Vec<Candidate> {
        (0..n)
            .map(|i| Candidate {
                addr: Addr::new("127.0.0.1", 7000 + i as u16),
                id: format!("{i:040}"),
                zone: None,
            })
            .collect()
    }

    #[test]
    fn slot_ranges_are_contiguous_and_even() {
        for n in (1..=40).chain([100, 333, 1000]) {
            let ranges = even_slot_ranges(n);
            let sizes: Vec<usize> = ranges.iter().map(SlotSet::len).collect();
            assert_eq!(sizes.iter().sum::<usize>(), 16384);
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
            let mut next = 0;
            for r in &ranges {
                assert_eq!(r.ranges().len(), 1);
                assert_eq!(r.ranges()[0].0, next);
                next = r.ranges()[0].1 + 1;
            }
        }
        let three: Vec<String> = even_slot_ranges(3).iter().map(|s| s.to_string()).collect();
        assert_eq!(three, ["0-5461", "5462-10922", "10923-16383"]);
    }

    #[test]
    fn too_few_masters_says_how_many_nodes() {
        let err = plan_create(&local(5), 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a cluster needs at least 3 masters: 5 node(s) with --replicas 1 give 2; at least 6 nodes are required"
        );
        assert!(plan_create(&local(2), 0).is_err());
    }

    #[test]
    fn three_masters_three_replicas_on_one_host() {
        let plan = plan_create(&local(6), 1).unwrap();
        assert_eq!(plan.masters.len(), 3);
        assert_eq!(plan.replicas.len(), 3);
        let mut per_master = [0; 3];
        for r in &plan.replicas {
            per_master[r.master] += 1;
        }
        assert_eq!(per_master, [1, 1, 1]);
        let mut epochs: Vec<u64> = plan.masters.iter().map(|m| m.epoch).collect();
        epochs.extend(plan.replicas.iter().map(|r| r.epoch));
        epochs.sort();
        epochs.dedup();
        assert_eq!(epochs.len(), 6, "epochs must be distinct");
    }

    #[test]
    fn leftover_nodes_become_extra_replicas() {
        let plan = plan_create(&local(8), 1).unwrap();
        assert_eq!(plan.masters.len(), 4);
        assert_eq!(plan.replicas.len(), 4);
        let plan = plan_create(&local(7), 1).unwrap();
        assert_eq!(plan.masters.len(), 3);
        assert_eq!(plan.replicas.len(), 4);
        let mut per_master = [0; 3];
        for r in &plan.replicas {
            per_master[r.master] += 1;
        }
        per_master.sort();
        assert_eq!(per_master, [1, 1, 2]);
    }

    #[test]
    fn replicas_avoid_their_masters_host() {
        // Three hosts with two nodes each: masters on a, b, c; no replica on its master's host.
        let plan = plan_create(
            &nodes(&[("a", 1), ("a", 2), ("b", 1), ("b", 2), ("c", 1), ("c", 2)]),
            1,
        )
        .unwrap();
        let master_hosts: Vec<&str> = plan.masters.iter().map(|m| m.addr.host.as_str()).collect();
        assert_eq!(master_hosts, ["a", "b", "c"]);
        for r in &plan.replicas {
            assert_ne!(r.addr.host, plan.masters[r.master].addr.host, "{plan:#?}");
        }
    }

    #[test]
    fn replicas_of_one_master_spread_over_hosts() {
        // 3 masters with 2 replicas each over 3 hosts of 3 nodes: every shard on 3 hosts.
        let spec: Vec<(&str, u16)> = ["x", "y", "z"]
            .iter()
            .flat_map(|h| (1..=3).map(move |p| (*h, p)))
            .collect();
        let plan = plan_create(&nodes(&spec), 2).unwrap();
        for (mi, m) in plan.masters.iter().enumerate() {
            let mut hosts: Vec<&str> = plan
                .replicas
                .iter()
                .filter(|r| r.master == mi)
                .map(|r| r.addr.host.as_str())
                .collect();
            hosts.push(&m.addr.host);
            hosts.sort();
            hosts.dedup();
            assert_eq!(hosts.len(), 3, "shard {mi} shares a host: {plan:#?}");
        }
    }

    #[test]
    fn uneven_hosts_still_avoid_master_hosts_when_possible() {
        // Masters land on a, b, c; the spare nodes are two on a and one on d: the replica
        // for a's master must come from d or the other hosts' spares, never a.
        let plan = plan_create(
            &nodes(&[("a", 1), ("a", 2), ("a", 3), ("b", 1), ("c", 1), ("d", 1)]),
            1,
        )
        .unwrap();
        let bad = plan
            .replicas
            .iter()
            .filter(|r| r.addr.host == plan.masters[r.master].addr.host)
            .count();
        assert_eq!(bad, 0, "{plan:#?}");
    }

    fn zoned(spec: &[(&str, u16, &str)]) -> Vec<Candidate> {
        spec.iter()
            .enumerate()
            .map(|(i, (h, p, z))| Candidate {
                addr: Addr::new(*h, *p),
                id: format!("{i:040}"),
                zone: Some(z.to_string()),
            })
            .collect()
    }

    fn zone_of(addr: &Addr, input: &[Candidate]) -> String {
        input
            .iter()
            .find(|c| &c.addr == addr)
            .and_then(|c| c.zone.clone())
            .unwrap()
    }

    #[test]
    fn replicas_go_to_another_zone_than_their_master() {
        // One host, three zones given in order: masters land one per zone, and no replica
        // shares its master's zone.
        let input = zoned(&[
            ("h", 1, "z1"),
            ("h", 2, "z1"),
            ("h", 3, "z2"),
            ("h", 4, "z2"),
            ("h", 5, "z3"),
            ("h", 6, "z3"),
        ]);
        let plan = plan_create(&input, 1).unwrap();
        let mut master_zones: Vec<String> = plan
            .masters
            .iter()
            .map(|m| zone_of(&m.addr, &input))
            .collect();
        master_zones.sort();
        assert_eq!(master_zones, ["z1", "z2", "z3"]);
        for r in &plan.replicas {
            assert_ne!(
                zone_of(&r.addr, &input),
                zone_of(&plan.masters[r.master].addr, &input),
                "{plan:#?}"
            );
        }
        // Host still weighs more than zone: two hosts in one zone and one in another,
        // with a replica on the master's host avoided first.
        let input = zoned(&[
            ("a", 1, "z1"),
            ("a", 2, "z1"),
            ("b", 1, "z1"),
            ("b", 2, "z1"),
            ("c", 1, "z2"),
            ("c", 2, "z2"),
        ]);
        let plan = plan_create(&input, 1).unwrap();
        for r in &plan.replicas {
            assert_ne!(r.addr.host, plan.masters[r.master].addr.host, "{plan:#?}");
        }
        // Two zones for three shards: at most one replica can share its master's zone...
        let input = zoned(&[
            ("h", 1, "z1"),
            ("h", 2, "z1"),
            ("h", 3, "z1"),
            ("h", 4, "z2"),
            ("h", 5, "z2"),
            ("h", 6, "z2"),
        ]);
        let plan = plan_create(&input, 1).unwrap();
        let same = plan
            .replicas
            .iter()
            .filter(|r| zone_of(&r.addr, &input) == zone_of(&plan.masters[r.master].addr, &input))
            .count();
        // ... and none needs to: 3 masters z1,z2,z1 take replicas z2,z1,z2.
        assert_eq!(same, 0, "{plan:#?}");
    }

    #[test]
    fn every_node_used_once() {
        let input = local(12);
        let plan = plan_create(&input, 2).unwrap();
        let mut ids: Vec<&str> = plan.masters.iter().map(|m| m.id.as_str()).collect();
        ids.extend(plan.replicas.iter().map(|r| r.id.as_str()));
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 12);
    }
}
