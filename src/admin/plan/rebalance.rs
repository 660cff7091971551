//! The plan for `rclust rebalance`: each participating master should serve slots in
//! proportion to its weight. Shares come from the largest-remainder split, so they add up
//! to exactly the slots served (redis-cli floors and then patches the sum). As in
//! redis-cli, nothing moves unless some master is off its share by more than the threshold
//! (percent), and masters without slots take part only with `--use-empty-masters` (or a
//! weight given for them). Moves pair the largest surplus with the largest deficit.

use std::collections::BTreeMap;

use crate::admin::snapshot::Snapshot;

use super::{largest_remainder, SlotMove};

#[derive(Clone, Debug, PartialEq)]
pub struct RebalanceOpts {
    /// Weights by node id; a master not listed weighs 1.
    pub weights: BTreeMap<String, f64>,
    pub use_empty_masters: bool,
    /// Percent.
    pub threshold: f64,
}

/// One master's part in the plan.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Share {
    pub id: String,
    pub weight: f64,
    pub slots: usize,
    pub expected: usize,
    /// How far it is off its share, in percent of what it serves (100 when it serves none).
    pub error_pct: f64,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RebalancePlan {
    pub shares: Vec<Share>,
    /// Empty when every master is within the threshold.
    pub moves: Vec<SlotMove>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RebalanceError {
    #[error("no master with slots takes part (use --use-empty-masters or give weights)")]
    NoMasters,
    #[error("the weights of the participating masters add up to zero")]
    ZeroWeight,
}

pub fn plan_rebalance(
    snap: &Snapshot,
    opts: &RebalanceOpts,
) -> Result<RebalancePlan, RebalanceError> {
    let mut nodes: Vec<_> = snap
        .masters()
        .into_iter()
        .filter(|m| {
            !m.slots.is_empty()
                || opts.use_empty_masters
                || opts.weights.contains_key(m.id.as_str())
        })
        .collect();
    if nodes.is_empty() {
        return Err(RebalanceError::NoMasters);
    }
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    let weights: Vec<f64> = nodes
        .iter()
        .map(|m| opts.weights.get(m.id.as_str()).copied().unwrap_or(1.0))
        .collect();
    if weights.iter().sum::<f64>() <= 0.0 {
        return Err(RebalanceError::ZeroWeight);
    }
    let total: usize = nodes.iter().map(|m| m.slots.len()).sum();
    let expected = largest_remainder(total, &weights);
    let shares: Vec<Share> = nodes
        .iter()
        .zip(&weights)
        .zip(&expected)
        .map(|((m, &weight), &expected)| {
            let slots = m.slots.len();
            let error_pct = if slots == 0 {
                if expected > 0 {
                    100.0
                } else {
                    0.0
                }
            } else {
                (100.0 - 100.0 * expected as f64 / slots as f64).abs()
            };
            Share {
                id: m.id.to_string(),
                weight,
                slots,
                expected,
                error_pct,
            }
        })
        .collect();
    if !shares.iter().any(|s| s.error_pct > opts.threshold) {
        return Ok(RebalancePlan {
            shares,
            moves: Vec::new(),
        });
    }
    // (index, count) surpluses and deficits, largest first.
    let mut give: Vec<(usize, usize)> = Vec::new();
    let mut take: Vec<(usize, usize)> = Vec::new();
    for (i, s) in shares.iter().enumerate() {
        if s.slots > s.expected {
            give.push((i, s.slots - s.expected));
        } else if s.expected > s.slots {
            take.push((i, s.expected - s.slots));
        }
    }
    give.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    take.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    // Each source gives its lowest surplus slots, in order.
    let mut pools: Vec<Vec<u16>> = give
        .iter()
        .map(|&(i, n)| nodes[i].slots.lowest(n).iter().collect())
        .collect();
    let mut moves = Vec::new();
    let (mut gi, mut ti) = (0, 0);
    while gi < give.len() && ti < take.len() {
        let n = give[gi].1.min(take[ti].1);
        let from = &nodes[give[gi].0].id;
        let to = &nodes[take[ti].0].id;
        for slot in pools[gi].drain(..n) {
            moves.push(SlotMove {
                slot,
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        give[gi].1 -= n;
        take[ti].1 -= n;
        if give[gi].1 == 0 {
            gi += 1;
        }
        if take[ti].1 == 0 {
            ti += 1;
        }
    }
    Ok(RebalancePlan { shares, moves })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::plan::reshard::tests::{masters, A, B, C, D};
    use crate::admin::plan::slots_after;

    fn opts() -> RebalanceOpts {
        RebalanceOpts {
            weights: BTreeMap::new(),
            use_empty_masters: false,
            threshold: 2.0,
        }
    }

    #[test]
    fn balanced_cluster_needs_nothing() {
        let snap = masters(&[(A, "0-5460"), (B, "5461-10922"), (C, "10923-16383")]);
        let plan = plan_rebalance(&snap, &opts()).unwrap();
        assert!(plan.moves.is_empty());
        assert_eq!(plan.shares.iter().map(|s| s.expected).sum::<usize>(), 16384);
    }

    #[test]
    fn empty_master_only_with_the_flag() {
        let snap = masters(&[
            (A, "0-5460"),
            (B, "5461-10922"),
            (C, "10923-16383"),
            (D, "-"),
        ]);
        assert!(plan_rebalance(&snap, &opts()).unwrap().moves.is_empty());
        let mut o = opts();
        o.use_empty_masters = true;
        let plan = plan_rebalance(&snap, &o).unwrap();
        assert_eq!(plan.moves.len(), 4096);
        let after = slots_after(&snap, &plan.moves);
        let counts: Vec<usize> = [A, B, C, D].iter().map(|id| after[*id].len()).collect();
        assert_eq!(counts, vec![4096, 4096, 4096, 4096]);
        assert!(plan.moves.iter().all(|m| m.to == D));
    }

    #[test]
    fn threshold_semantics() {
        // A is 100 slots over its 8192 share: about 1.2%, under 2% but over 1%.
        let snap = masters(&[(A, "0-8291"), (B, "8292-16383")]);
        assert!(plan_rebalance(&snap, &opts()).unwrap().moves.is_empty());
        let mut o = opts();
        o.threshold = 1.0;
        let plan = plan_rebalance(&snap, &o).unwrap();
        assert_eq!(plan.moves.len(), 100);
        assert!(plan.moves.iter().all(|m| m.from == A && m.to == B));
    }

    #[test]
    fn weights_and_draining() {
        let snap = masters(&[(A, "0-5460"), (B, "5461-10922"), (C, "10923-16383")]);
        let mut o = opts();
        o.weights.insert(A.into(), 2.0);
        o.weights.insert(C.into(), 0.0);
        let plan = plan_rebalance(&snap, &o).unwrap();
        let after = slots_after(&snap, &plan.moves);
        assert_eq!(after[A].len(), 10923);
        assert_eq!(after[B].len(), 5461);
        assert_eq!(after[C].len(), 0);
        assert_eq!(after.values().map(|s| s.len()).sum::<usize>(), 16384);
        // Every slot moves at most once, from its owner.
        let mut seen = std::collections::BTreeSet::new();
        assert!(plan.moves.iter().all(|m| seen.insert(m.slot)));
    }

    #[test]
    fn uneven_sums_are_exact() {
        let snap = masters(&[(A, "0-16000"), (B, "16001-16383"), (C, "-"), (D, "-")]);
        let mut o = opts();
        o.use_empty_masters = true;
        o.weights.insert(B.into(), 1.5);
        let plan = plan_rebalance(&snap, &o).unwrap();
        let after = slots_after(&snap, &plan.moves);
        let total: usize = after.values().map(|s| s.len()).sum();
        assert_eq!(total, 16384);
        for s in &plan.shares {
            assert_eq!(after[&s.id].len(), s.expected);
        }
    }
}
