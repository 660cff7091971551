//! The plan for `rclust reshard`: exactly N slots from the sources to the target, each source
//! giving in proportion to the slots it serves (largest remainder, so the shares add up to N,
//! where redis-cli's floors can move fewer), its lowest slots first.

use crate::admin::snapshot::Snapshot;
use crate::model::id::short;
use crate::model::ClusterNode;

use super::{largest_remainder, SlotMove};

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReshardError {
    #[error("--slots must be at least 1")]
    NoSlots,
    #[error("the target {0} is not a master")]
    TargetNotMaster(String),
    #[error("the source {0} is not a master")]
    SourceNotMaster(String),
    #[error("the target {0} is also a source")]
    TargetIsSource(String),
    #[error("cannot move {asked} slots: the sources serve only {available}")]
    NotEnough { asked: usize, available: usize },
}

fn name(n: &ClusterNode) -> String {
    format!("{} ({})", n.short_id(), n.addr.addr())
}

/// Plans the move of `count` slots from `sources` (ids; empty means every other master)
/// to `target` (id). Sources are ordered by slot count, largest first.
pub fn plan_reshard(
    snap: &Snapshot,
    sources: &[String],
    target: &str,
    count: usize,
) -> Result<Vec<SlotMove>, ReshardError> {
    if count == 0 {
        return Err(ReshardError::NoSlots);
    }
    let masters = snap.masters();
    let target_node = masters
        .iter()
        .find(|m| m.id == target)
        .ok_or_else(|| ReshardError::TargetNotMaster(short_name(snap, target)))?;
    let mut from: Vec<&ClusterNode> = Vec::new();
    if sources.is_empty() {
        from.extend(masters.iter().copied().filter(|m| m.id != target));
    } else {
        for id in sources {
            if id == target {
                return Err(ReshardError::TargetIsSource(name(target_node)));
            }
            let m = masters
                .iter()
                .find(|m| &m.id == id)
                .ok_or_else(|| ReshardError::SourceNotMaster(short_name(snap, id)))?;
            if !from.iter().any(|f| f.id == m.id) {
                from.push(m);
            }
        }
    }
    from.retain(|m| !m.slots.is_empty());
    from.sort_by(|a, b| b.slots.len().cmp(&a.slots.len()).then(a.id.cmp(&b.id)));
    let available: usize = from.iter().map(|m| m.slots.len()).sum();
    if count > available {
        return Err(ReshardError::NotEnough {
            asked: count,
            available,
        });
    }
    let weights: Vec<f64> = from.iter().map(|m| m.slots.len() as f64).collect();
    let shares = largest_remainder(count, &weights);
    let mut moves = Vec::with_capacity(count);
    for (m, share) in from.iter().zip(shares) {
        for slot in m.slots.lowest(share).iter() {
            moves.push(SlotMove {
                slot,
                from: m.id.to_string(),
                to: target.to_string(),
            });
        }
    }
    Ok(moves)
}

fn short_name(snap: &Snapshot, id: &str) -> String {
    snap.line(id)
        .map(name)
        .unwrap_or_else(|| short(id).to_string())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::admin::health::tests::snapshot_of;
    use crate::model::SlotSet;

    pub const A: &str = "aaaaaaaa00000000000000000000000000000000";
    pub const B: &str = "bbbbbbbb00000000000000000000000000000000";
    pub const C: &str = "cccccccc00000000000000000000000000000000";
    pub const D: &str = "dddddddd00000000000000000000000000000000";

    /// A snapshot whose masters serve the given slots (as every view agrees); the first
    /// node's view only, which is all planners read.
    pub fn masters(slots: &[(&str, &str)]) -> Snapshot {
        let mut views = Vec::new();
        for me in 0..slots.len() {
            let mut text = String::new();
            for (i, (id, s)) in slots.iter().enumerate() {
                let port = 7000 + i;
                let flags = if i == me { "myself,master" } else { "master" };
                let s = if *s == "-" { "" } else { s };
                text += &format!(
                    "{id} 127.0.0.1:{port}@{} {flags} - 0 0 {} connected {s}\n",
                    port + 10000,
                    i + 1
                );
            }
            views.push(text);
        }
        let refs: Vec<&str> = views.iter().map(String::as_str).collect();
        snapshot_of(&refs)
    }

    fn moved_from(moves: &[SlotMove], id: &str) -> SlotSet {
        moves
            .iter()
            .filter(|m| m.from == id)
            .map(|m| m.slot)
            .collect()
    }

    #[test]
    fn exactly_n_move_proportionally() {
        let snap = masters(&[
            (A, "0-5460"),
            (B, "5461-10922"),
            (C, "10923-16383"),
            (D, "-"),
        ]);
        for n in [1, 2, 3, 4, 7, 100, 1000, 4096] {
            let moves = plan_reshard(&snap, &[], D, n).unwrap();
            assert_eq!(moves.len(), n, "n={n}");
            assert!(moves.iter().all(|m| m.to == D));
        }
        // 4096 of 16384 from 5461/5462/5461: 1365.25, 1365.5, 1365.25 -> B gets the extra.
        let moves = plan_reshard(&snap, &[], D, 4096).unwrap();
        assert_eq!(moved_from(&moves, A).len(), 1365);
        assert_eq!(moved_from(&moves, B).len(), 1366);
        assert_eq!(moved_from(&moves, C).len(), 1365);
        assert_eq!(moved_from(&moves, A).to_string(), "0-1364");
        assert_eq!(moved_from(&moves, B).to_string(), "5461-6826");
    }

    #[test]
    fn named_sources_only_and_lowest_first() {
        let snap = masters(&[(A, "0-99"), (B, "100-16383"), (C, "-")]);
        let moves = plan_reshard(&snap, &[A.into()], C, 10).unwrap();
        assert_eq!(moved_from(&moves, A).to_string(), "0-9");
        assert!(moved_from(&moves, B).is_empty());
        // All of a source may go.
        assert_eq!(plan_reshard(&snap, &[A.into()], C, 100).unwrap().len(), 100);
    }

    #[test]
    fn bad_requests() {
        let snap = masters(&[(A, "0-99"), (B, "100-16383"), (C, "-")]);
        assert_eq!(
            plan_reshard(&snap, &[A.into()], C, 101),
            Err(ReshardError::NotEnough {
                asked: 101,
                available: 100
            })
        );
        assert!(matches!(
            plan_reshard(&snap, &[A.into(), C.into()], C, 1),
            Err(ReshardError::TargetIsSource(_))
        ));
        assert_eq!(plan_reshard(&snap, &[], C, 0), Err(ReshardError::NoSlots));
        assert!(matches!(
            plan_reshard(&snap, &[], "ffff", 1),
            Err(ReshardError::TargetNotMaster(_))
        ));
    }
}
