//! The plan for `rclust fix`: for every slot that is open, uncovered, claimed by several
//! masters, or has keys on a master that does not own it, who should own it, whose keys
//! must move there, and whose open state must be closed. A pure function of the snapshot
//! and of per-slot key counts (which the executor reads with `CLUSTER COUNTKEYSINSLOT`).
//!
//! The owner is chosen so that no key is lost and an interrupted move is finished rather
//! than undone: a migrating owner whose target is importing the slot hands it over; else
//! the only claimant keeps it; among several claimants the one with the most keys (then
//! the highest config epoch, which gossip would pick anyway) wins; an unclaimed slot goes
//! to the master holding most of its keys; unclaimed empty slots are spread evenly over
//! the masters, fewest slots first, in contiguous runs.

use std::collections::BTreeMap;

use crate::admin::snapshot::Snapshot;
use crate::model::id::short;
use crate::model::{ClusterNode, SlotSet, SLOT_COUNT};

/// Keys per (node id, slot); absent means none.
pub type KeyCounts = BTreeMap<(String, u16), u64>;

/// The slots worth counting keys in on each master: those it does not own and every slot
/// open anywhere.
pub fn slots_to_count(snap: &Snapshot) -> BTreeMap<String, SlotSet> {
    let masters = snap.masters();
    let mut open = SlotSet::new();
    for m in &masters {
        for o in m.migrating.iter().chain(&m.importing) {
            open.insert(o.slot);
        }
    }
    masters
        .iter()
        .map(|m| {
            let mut set = m.slots.complement();
            set.union_with(&open);
            (m.id.to_string(), set)
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SlotFix {
    pub slot: u16,
    /// The master that will serve it.
    pub owner: String,
    /// What was wrong, for the table.
    pub problem: String,
    /// Other masters holding keys of the slot, with their counts: drained into the owner.
    pub holders: Vec<(String, u64)>,
    /// Nodes other than the owner with the slot open (migrating or importing): closed.
    pub close: Vec<String>,
    /// Whether the owner already serves it by its own word.
    pub owner_claims: bool,
    /// Whether the owner has it open itself.
    pub owner_open: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FixPlan {
    pub fixes: Vec<SlotFix>,
}

impl FixPlan {
    pub fn is_empty(&self) -> bool {
        self.fixes.is_empty()
    }

    /// Fixes with the same problem, owner, holders and closings, as one row with a slot set
    /// and the keys to move.
    pub fn rows(&self) -> Vec<FixRow> {
        let mut rows: Vec<FixRow> = Vec::new();
        for f in &self.fixes {
            let holders: Vec<String> = f.holders.iter().map(|h| h.0.clone()).collect();
            let keys: u64 = f.holders.iter().map(|h| h.1).sum();
            match rows.iter_mut().find(|r| {
                r.problem == f.problem
                    && r.owner == f.owner
                    && r.holders == holders
                    && r.close == f.close
            }) {
                Some(r) => {
                    r.slots.insert(f.slot);
                    r.keys += keys;
                }
                None => {
                    let mut slots = SlotSet::new();
                    slots.insert(f.slot);
                    rows.push(FixRow {
                        problem: f.problem.clone(),
                        owner: f.owner.clone(),
                        holders,
                        close: f.close.clone(),
                        slots,
                        keys,
                    });
                }
            }
        }
        rows
    }

    /// Every master's slots once the plan is applied.
    pub fn slots_after(&self, snap: &Snapshot) -> BTreeMap<String, SlotSet> {
        let mut map: BTreeMap<String, SlotSet> = snap
            .masters()
            .into_iter()
            .map(|m| (m.id.to_string(), m.slots.clone()))
            .collect();
        for f in &self.fixes {
            for (id, set) in map.iter_mut() {
                if *id == f.owner {
                    set.insert(f.slot);
                } else {
                    set.remove(f.slot);
                }
            }
        }
        map
    }
}

/// Slots with the same repair, for the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixRow {
    pub problem: String,
    pub owner: String,
    pub holders: Vec<String>,
    pub close: Vec<String>,
    pub slots: SlotSet,
    pub keys: u64,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FixError {
    #[error("the cluster has no master to give slots to")]
    NoMasters,
}

pub fn plan_fix(snap: &Snapshot, counts: &KeyCounts) -> Result<FixPlan, FixError> {
    let masters: Vec<&ClusterNode> = snap.masters();
    if masters.is_empty() {
        return Err(FixError::NoMasters);
    }
    let keys = |id: &str, slot: u16| counts.get(&(id.to_string(), slot)).copied().unwrap_or(0);
    let by_id = |id: &str| masters.iter().copied().find(|m| m.id == id);
    let mut open = SlotSet::new();
    for m in &masters {
        for o in m.migrating.iter().chain(&m.importing) {
            open.insert(o.slot);
        }
    }
    let mut with_keys = SlotSet::new();
    for (id, slot) in counts.keys() {
        if by_id(id).is_some_and(|m| !m.slots.contains(*slot)) {
            with_keys.insert(*slot);
        }
    }
    let mut fixes = Vec::new();
    let mut unclaimed_empty: Vec<u16> = Vec::new();
    for slot in 0..SLOT_COUNT {
        let claimants: Vec<&ClusterNode> = masters
            .iter()
            .copied()
            .filter(|m| m.slots.contains(slot))
            .collect();
        if claimants.len() == 1 && !open.contains(slot) && !with_keys.contains(slot) {
            continue;
        }
        let mut problems = Vec::new();
        match claimants.len() {
            0 => problems.push("uncovered".to_string()),
            1 => {}
            n => problems.push(format!("claimed by {n} masters")),
        }
        let migrating: Vec<(&ClusterNode, &str)> = masters
            .iter()
            .flat_map(|m| {
                m.migrating
                    .iter()
                    .filter(|o| o.slot == slot)
                    .map(move |o| (*m, o.peer.as_str()))
            })
            .collect();
        let importing: Vec<(&ClusterNode, &str)> = masters
            .iter()
            .flat_map(|m| {
                m.importing
                    .iter()
                    .filter(|o| o.slot == slot)
                    .map(move |o| (*m, o.peer.as_str()))
            })
            .collect();
        if !migrating.is_empty() || !importing.is_empty() {
            let mut parts = Vec::new();
            if !migrating.is_empty() {
                let who: Vec<&str> = migrating.iter().map(|(m, _)| m.short_id()).collect();
                parts.push(format!("migrating on {}", who.join(",")));
            }
            if !importing.is_empty() {
                let who: Vec<&str> = importing.iter().map(|(m, _)| m.short_id()).collect();
                parts.push(format!("importing on {}", who.join(",")));
            }
            problems.push(format!("open ({})", parts.join("; ")));
        }
        let owner: Option<&ClusterNode> = match claimants.as_slice() {
            [only] => {
                // An interrupted move is finished: the owner migrates to a master that imports.
                let finish =
                    migrating
                        .iter()
                        .filter(|(m, _)| m.id == only.id)
                        .find_map(|(_, peer)| {
                            importing
                                .iter()
                                .find(|(i, from)| i.id == *peer && *from == only.id)
                                .map(|(i, _)| *i)
                        });
                Some(finish.unwrap_or(only))
            }
            [] => masters
                .iter()
                .copied()
                .filter(|m| keys(&m.id, slot) > 0)
                .max_by(|a, b| {
                    keys(&a.id, slot)
                        .cmp(&keys(&b.id, slot))
                        .then(b.id.cmp(&a.id))
                }),
            many => many.iter().copied().max_by(|a, b| {
                keys(&a.id, slot)
                    .cmp(&keys(&b.id, slot))
                    .then(a.config_epoch.cmp(&b.config_epoch))
                    .then(b.id.cmp(&a.id))
            }),
        };
        let Some(owner) = owner else {
            unclaimed_empty.push(slot);
            continue;
        };
        let holders: Vec<(String, u64)> = masters
            .iter()
            .filter(|m| m.id != owner.id && keys(&m.id, slot) > 0)
            .map(|m| (m.id.to_string(), keys(&m.id, slot)))
            .collect();
        if !holders.is_empty() && claimants.len() == 1 && claimants[0].id == owner.id {
            let who: Vec<&str> = holders.iter().map(|h| short(&h.0)).collect();
            problems.push(format!("keys on {}", who.join(",")));
        }
        let mut close: Vec<String> = migrating
            .iter()
            .chain(&importing)
            .map(|(m, _)| m.id.to_string())
            .filter(|id| *id != owner.id)
            .collect();
        close.sort();
        close.dedup();
        fixes.push(SlotFix {
            slot,
            owner: owner.id.to_string(),
            problem: problems.join(", "),
            holders,
            close,
            owner_claims: owner.slots.contains(slot),
            owner_open: migrating
                .iter()
                .chain(&importing)
                .any(|(m, _)| m.id == owner.id),
        });
    }
    // Unclaimed empty slots: contiguous runs, more to the masters with fewer slots.
    if !unclaimed_empty.is_empty() {
        let mut order: Vec<&ClusterNode> = masters.clone();
        order.sort_by(|a, b| a.slots.len().cmp(&b.slots.len()).then(a.id.cmp(&b.id)));
        let (n, m) = (unclaimed_empty.len(), order.len());
        let mut start = 0;
        for (i, owner) in order.iter().enumerate() {
            let share = n / m + usize::from(i < n % m);
            for &slot in &unclaimed_empty[start..start + share] {
                let close: Vec<String> = masters
                    .iter()
                    .filter(|x| {
                        x.id != owner.id
                            && x.migrating
                                .iter()
                                .chain(&x.importing)
                                .any(|o| o.slot == slot)
                    })
                    .map(|x| x.id.to_string())
                    .collect();
                fixes.push(SlotFix {
                    slot,
                    owner: owner.id.to_string(),
                    problem: "uncovered".into(),
                    holders: Vec::new(),
                    close,
                    owner_claims: false,
                    owner_open: owner
                        .migrating
                        .iter()
                        .chain(&owner.importing)
                        .any(|o| o.slot == slot),
                });
            }
            start += share;
        }
        fixes.sort_by_key(|f| f.slot);
    }
    Ok(FixPlan { fixes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::plan::reshard::tests::{masters, A, B, C};

    fn counts(list: &[(&str, u16, u64)]) -> KeyCounts {
        list.iter()
            .map(|(id, s, n)| ((id.to_string(), *s), *n))
            .collect()
    }

    /// A healthy 3-master snapshot with the given text replacements on every view.
    fn snap_with(edits: &[(&str, &str)]) -> Snapshot {
        let mut snap = masters(&[(A, "0-5460"), (B, "5461-10922"), (C, "10923-16383")]);
        for r in snap.reports.iter_mut() {
            let mut text: String = r.view.iter().map(|n| format!("{n}\n")).collect();
            for (from, to) in edits {
                text = text.replace(from, to);
            }
            r.view = crate::model::parse_cluster_nodes(&text).unwrap();
        }
        snap
    }

    #[test]
    fn healthy_cluster_needs_nothing() {
        let snap = snap_with(&[]);
        assert!(plan_fix(&snap, &KeyCounts::new()).unwrap().is_empty());
    }

    #[test]
    fn migrating_and_importing_finishes_the_move() {
        let snap = snap_with(&[
            ("0-5460", &format!("0-5460 [7->-{B}]")),
            ("5461-10922", &format!("5461-10922 [7-<-{A}]")),
        ]);
        let plan = plan_fix(&snap, &counts(&[(A, 7, 3), (B, 7, 2)])).unwrap();
        assert_eq!(plan.fixes.len(), 1);
        let f = &plan.fixes[0];
        assert_eq!((f.slot, f.owner.as_str()), (7, B));
        assert_eq!(f.holders, vec![(A.to_string(), 3)]);
        assert_eq!(f.close, vec![A.to_string()]);
        assert!(!f.owner_claims && f.owner_open);
        assert!(f
            .problem
            .starts_with("open (migrating on aaaaaaaa; importing on bbbbbbbb"));
    }

    #[test]
    fn importing_only_stays_with_the_owner_and_pulls_keys_back() {
        let snap = snap_with(&[("5461-10922", &format!("5461-10922 [7-<-{A}]"))]);
        let plan = plan_fix(&snap, &counts(&[(B, 7, 2)])).unwrap();
        let f = &plan.fixes[0];
        assert_eq!(f.owner, A);
        assert_eq!(f.holders, vec![(B.to_string(), 2)]);
        assert_eq!(f.close, vec![B.to_string()]);
    }

    #[test]
    fn migrating_only_is_closed_on_the_owner() {
        let snap = snap_with(&[("0-5460", &format!("0-5460 [7->-{B}]"))]);
        let plan = plan_fix(&snap, &KeyCounts::new()).unwrap();
        let f = &plan.fixes[0];
        assert_eq!(f.owner, A);
        assert!(f.owner_open && f.owner_claims && f.close.is_empty() && f.holders.is_empty());
    }

    #[test]
    fn several_importers() {
        let snap = snap_with(&[
            ("5461-10922", &format!("5461-10922 [7-<-{A}]")),
            ("10923-16383", &format!("10923-16383 [7-<-{A}]")),
        ]);
        let plan = plan_fix(&snap, &counts(&[(C, 7, 1)])).unwrap();
        let f = &plan.fixes[0];
        assert_eq!(f.owner, A);
        assert_eq!(f.close, vec![B.to_string(), C.to_string()]);
        assert_eq!(f.holders, vec![(C.to_string(), 1)]);
    }

    #[test]
    fn keys_on_a_non_owner() {
        let snap = snap_with(&[]);
        let plan = plan_fix(&snap, &counts(&[(C, 9, 4)])).unwrap();
        let f = &plan.fixes[0];
        assert_eq!((f.slot, f.owner.as_str()), (9, A));
        assert_eq!(f.problem, "keys on cccccccc");
    }

    #[test]
    fn uncovered_slots_go_to_key_holders_else_spread_evenly() {
        let snap = snap_with(&[("0-5460", "100-5460")]);
        let plan = plan_fix(&snap, &counts(&[(C, 5, 1)])).unwrap();
        assert_eq!(plan.fixes.len(), 100);
        assert_eq!(plan.fixes[5].owner, C);
        let after = plan.slots_after(&snap);
        assert_eq!(after.values().map(|s| s.len()).sum::<usize>(), 16384);
        // 99 empty slots over 3 masters: 33 each, the one with fewest slots (A) first.
        let gained = |id: &str| plan.fixes.iter().filter(|f| f.owner == id).count();
        assert_eq!((gained(A), gained(B), gained(C)), (33, 33, 34));
        assert_eq!(
            plan.fixes
                .iter()
                .filter(|f| f.owner == A)
                .map(|f| f.slot)
                .collect::<SlotSet>()
                .to_string(),
            "0-4,6-33"
        );
    }

    #[test]
    fn several_claimants_keep_the_keys() {
        // B took slot 3 (it bumped its epoch) while A still claims it and holds no keys.
        let snap = snap_with(&[("5461-10922", "3 5461-10922")]);
        let plan = plan_fix(&snap, &counts(&[(B, 3, 5)])).unwrap();
        let f = &plan.fixes[0];
        assert_eq!(f.owner, B);
        assert!(f.holders.is_empty());
        assert_eq!(f.problem, "claimed by 2 masters");
    }
}
