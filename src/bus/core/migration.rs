//! Replica migration (`clusterHandleSlaveMigration`): when a master that serves slots and
//! once had replicas is left with none working, one replica of the best-served master moves
//! to it, so that a second failure does not leave its slots unserved. Only the replica
//! with the smallest name among those of the best-served masters moves, only if its own
//! master keeps more than `cluster-migration-barrier` working replicas, and only after the
//! orphan has been orphaned for [`MIGRATION_DELAY_MS`], so that a replica that is merely
//! restarting does not cause a move.

use std::collections::HashMap;

use super::*;

/// `CLUSTER_SLAVE_MIGRATION_DELAY`: how long a master must stay orphaned before a replica
/// moves to it.
pub const MIGRATION_DELAY_MS: u64 = 5000;

impl ClusterCore {
    /// Called from the cron on a replica: tracks how long each master has been orphaned
    /// and moves this replica to an orphan when it is the one to go.
    pub(super) fn replica_migration_cron(&mut self, now: u64) {
        let Some(my_master) = self.me().slaveof.clone() else {
            return;
        };
        // A master that has a replica is marked as one that wants replicas
        // (`clusterNodeAddSlave` sets MIGRATE_TO); only those count as orphans later.
        let replicated: Vec<NodeId> = self
            .nodes
            .values()
            .filter(|n| n.is_replica())
            .filter_map(|n| n.slaveof.clone())
            .collect();
        for master in replicated {
            if let Some(m) = self.nodes.get_mut(&master) {
                m.flags |= flags::MIGRATE_TO;
            }
        }
        // Working replicas per master, in one pass: a replica counts unless it is FAIL
        // (`clusterCountNonFailingSlaves`); for my own master's count (the barrier) a
        // PFAIL replica does not count either.
        let mut working: HashMap<&str, usize> = HashMap::new();
        let mut my_master_healthy = 0;
        for n in self.nodes.values() {
            let Some(master) = n.slaveof.as_deref() else {
                continue;
            };
            if !n.is_replica() || n.failed() {
                continue;
            }
            *working.entry(master).or_default() += 1;
            if master == my_master && !n.timed_out() {
                my_master_healthy += 1;
            }
        }
        let count = |name: &str| working.get(name).copied().unwrap_or(0);
        let masters = || self.nodes.values().filter(|n| n.is_master() && !n.failed());
        let max_replicas = masters().map(|n| count(&n.name)).max().unwrap_or(0);
        let orphans: Vec<(NodeId, bool)> = masters()
            .filter(|n| n.has(flags::MIGRATE_TO) && count(&n.name) == 0)
            .map(|n| (n.name.clone(), !n.slots.is_empty()))
            .collect();
        // Redis's clusterCron only looks further when some orphan serves slots, my master
        // is among the best served, and that is at least two working replicas.
        let trigger = orphans.iter().any(|(_, serves)| *serves)
            && max_replicas >= 2
            && count(&my_master) == max_replicas;
        // The replica that moves: the smallest name among the replicas of the best-served
        // masters (myself included), so that exactly one moves.
        let candidate = trigger.then(|| {
            let best: Vec<&str> = masters()
                .filter(|m| count(&m.name) == max_replicas)
                .map(|m| m.name.as_str())
                .collect();
            self.nodes
                .values()
                .filter(|n| n.is_replica())
                .filter(|n| n.slaveof.as_deref().is_some_and(|m| best.contains(&m)))
                .map(|n| n.name.as_str())
                .chain(std::iter::once(self.myself.as_str()))
                .min()
                .map(str::to_string)
        });
        let candidate = candidate.flatten();

        // Orphaned-since times, for every master (also when nothing triggers, so the delay
        // counts from when the master became an orphan, not from when we looked).
        let orphan_names: std::collections::HashSet<&str> =
            orphans.iter().map(|(n, _)| n.as_str()).collect();
        let target = orphans
            .iter()
            .find(|(_, serves)| *serves)
            .map(|(n, _)| n.clone());
        // Walked in place: the cron runs this 10 times a second on every replica.
        for node in self.nodes.values_mut() {
            let orphaned = orphan_names.contains(node.name.as_str());
            if !orphaned {
                node.orphaned_since = 0;
            } else if node.orphaned_since == 0 {
                node.orphaned_since = now;
            }
        }

        let (Some(target), Some(candidate)) = (target, candidate) else {
            return;
        };
        if !trigger
            || !self.cfg.allow_replica_migration
            || !self.health.ok
            || my_master_healthy as u64 <= self.cfg.migration_barrier
            || candidate != self.myself
        {
            return;
        }
        let Some(since) = self.nodes.get(&target).map(|t| t.orphaned_since) else {
            return;
        };
        if now.saturating_sub(since) <= MIGRATION_DELAY_MS {
            return;
        }
        self.log(
            LogLevel::Notice,
            format!("Migrating to orphaned master {target}"),
        );
        self.set_my_master(&target);
        self.save();
        self.update_state_later();
    }
}
