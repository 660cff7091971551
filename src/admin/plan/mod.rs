//! Planners: pure functions from a snapshot (or preflighted nodes) to a plan of changes.
//! Executors in `crate::admin::exec` apply them; `--dry-run` prints them.

pub mod create;
pub mod fix;
pub mod membership;
pub mod placement;
pub mod rebalance;
pub mod reshard;
pub mod transfer;

use std::collections::BTreeMap;

use crate::admin::snapshot::Snapshot;
use crate::model::SlotSet;

/// One slot to move from one master to another (ids).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SlotMove {
    pub slot: u16,
    pub from: String,
    pub to: String,
}

/// Moves grouped by (from, to), in the order they first appear: one table row each.
pub fn group_moves(moves: &[SlotMove]) -> Vec<(String, String, SlotSet)> {
    let mut out: Vec<(String, String, SlotSet)> = Vec::new();
    for m in moves {
        match out.iter_mut().find(|(f, t, _)| *f == m.from && *t == m.to) {
            Some((_, _, set)) => set.insert(m.slot),
            None => {
                let mut set = SlotSet::new();
                set.insert(m.slot);
                out.push((m.from.clone(), m.to.clone(), set));
            }
        }
    }
    out
}

/// Every master's slots (by its own word), once `moves` are applied.
pub fn slots_after(snap: &Snapshot, moves: &[SlotMove]) -> BTreeMap<String, SlotSet> {
    let mut map: BTreeMap<String, SlotSet> = snap
        .masters()
        .into_iter()
        .map(|m| (m.id.to_string(), m.slots.clone()))
        .collect();
    for m in moves {
        if let Some(set) = map.get_mut(&m.from) {
            set.remove(m.slot);
        }
        map.entry(m.to.clone()).or_default().insert(m.slot);
    }
    map
}

/// Splits `total` into parts proportional to `weights` that sum to exactly `total`: the
/// floors first, then one more to the largest remainders (ties to the earlier entry).
pub fn largest_remainder(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let given: usize = parts.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.partial_cmp(&ra).unwrap().then(a.cmp(&b))
    });
    for &i in order.iter().take(total.saturating_sub(given)) {
        parts[i] += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_sums_exactly() {
        assert_eq!(largest_remainder(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(
            largest_remainder(16384, &[1.0, 1.0, 1.0])
                .iter()
                .sum::<usize>(),
            16384
        );
        assert_eq!(
            largest_remainder(7, &[5461.0, 5461.0, 5462.0]),
            vec![2, 2, 3]
        );
        assert_eq!(largest_remainder(5, &[0.0, 0.0]), vec![0, 0]);
        assert_eq!(largest_remainder(0, &[1.0, 2.0]), vec![0, 0]);
    }

    #[test]
    fn groups_keep_first_appearance_order() {
        let mv = |slot, from: &str, to: &str| SlotMove {
            slot,
            from: from.into(),
            to: to.into(),
        };
        let g = group_moves(&[mv(1, "a", "c"), mv(7, "b", "c"), mv(2, "a", "c")]);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].2.to_string(), "1-2");
        assert_eq!(g[1].0, "b");
    }
}
