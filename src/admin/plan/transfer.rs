//! Pure pieces of `import`, `backup` and `restore`: which master owns each key, which keys
//! go where once the ones the cluster already holds are set aside, which node each master's
//! backup is read from, and whether what a restore read matches its manifest.

use std::collections::BTreeMap;

use crate::admin::snapshot::Snapshot;
use crate::model::{key_slot, Addr, SlotSet, SLOT_COUNT};

/// A master that owns slots, as the plan needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    pub id: String,
    pub addr: Addr,
    pub slots: SlotSet,
}

/// Who serves each slot: every slot has exactly one master.
#[derive(Clone, Debug)]
pub struct Owners {
    pub masters: Vec<Owner>,
    of_slot: Vec<u16>,
}

impl Owners {
    /// From the masters' own word on their slots. Fails, naming the slots, when some slot
    /// has no owner or two: keys there would have nowhere (or two places) to go.
    pub fn new(masters: Vec<Owner>) -> Result<Owners, String> {
        const NONE: u16 = u16::MAX;
        let mut of_slot = vec![NONE; SLOT_COUNT as usize];
        for (i, m) in masters.iter().enumerate() {
            for s in m.slots.iter() {
                if of_slot[s as usize] != NONE {
                    return Err(format!(
                        "slot {s} is claimed by both {} and {}: run `rclust fix` first",
                        masters[of_slot[s as usize] as usize].addr, m.addr
                    ));
                }
                of_slot[s as usize] = i as u16;
            }
        }
        let uncovered: SlotSet = (0..SLOT_COUNT)
            .filter(|s| of_slot[*s as usize] == NONE)
            .collect();
        if !uncovered.is_empty() {
            return Err(format!(
                "{} slot(s) have no master ({uncovered}): run `rclust fix` first",
                uncovered.len()
            ));
        }
        Ok(Owners { masters, of_slot })
    }

    /// Masters of a snapshot that own slots, by their own report.
    pub fn from_snapshot(snap: &Snapshot) -> Result<Owners, String> {
        let masters = snap
            .masters()
            .into_iter()
            .filter(|m| !m.slots.is_empty())
            .map(|m| Owner {
                id: m.id.to_string(),
                addr: snap.addr_of(&m.id).unwrap_or_else(|| m.addr.addr()),
                slots: m.slots.clone(),
            })
            .collect();
        Owners::new(masters)
    }

    /// Index (into `masters`) of the master that owns `key`'s slot.
    pub fn owner_of(&self, key: &[u8]) -> usize {
        self.of_slot[key_slot(key) as usize] as usize
    }

    /// Indices of `keys`, grouped by owner (one group per master, in `masters` order).
    pub fn group<K: AsRef<[u8]>>(&self, keys: &[K]) -> Vec<Vec<usize>> {
        let mut groups = vec![Vec::new(); self.masters.len()];
        for (i, k) in keys.iter().enumerate() {
            groups[self.owner_of(k.as_ref())].push(i);
        }
        groups
    }
}

/// What an import or restore will do: per master, the keys to write; the keys the cluster
/// already holds that are left alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferPlan {
    /// Per master (in `Owners::masters` order), indices of the keys to write there.
    pub writes: Vec<Vec<usize>>,
    /// Keys that exist in the cluster and are not overwritten (without `--replace`).
    pub conflicts: Vec<usize>,
    /// Keys that exist in the cluster and will be overwritten (`--replace`).
    pub replaced: usize,
}

impl TransferPlan {
    pub fn total_writes(&self) -> usize {
        self.writes.iter().map(Vec::len).sum()
    }
}

/// Splits each owner's keys into writes and conflicts. `exists[o][j]` says whether key
/// `groups[o][j]` already exists on owner `o`.
pub fn plan_transfer(groups: &[Vec<usize>], exists: &[Vec<bool>], replace: bool) -> TransferPlan {
    let mut plan = TransferPlan {
        writes: vec![Vec::new(); groups.len()],
        conflicts: Vec::new(),
        replaced: 0,
    };
    for (o, keys) in groups.iter().enumerate() {
        for (j, &k) in keys.iter().enumerate() {
            let there = exists
                .get(o)
                .and_then(|e| e.get(j))
                .copied()
                .unwrap_or(false);
            if there && !replace {
                plan.conflicts.push(k);
            } else {
                plan.replaced += there as usize;
                plan.writes[o].push(k);
            }
        }
    }
    plan.conflicts.sort_unstable();
    plan
}

/// How many conflicting keys a message names before "and N more".
pub const CONFLICTS_SHOWN: usize = 5;

/// The one line that says which keys were left alone because the cluster has them.
pub fn conflicts_line<K: AsRef<[u8]>>(keys: &[K]) -> String {
    let shown: Vec<String> = keys
        .iter()
        .take(CONFLICTS_SHOWN)
        .map(|k| format!("'{}'", String::from_utf8_lossy(k.as_ref())))
        .collect();
    let more = keys.len().saturating_sub(CONFLICTS_SHOWN);
    format!(
        "{} key(s) already exist in the cluster and were left alone: {}{} (use --replace to overwrite them)",
        keys.len(),
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

/// Where one master's backup is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupSource {
    pub master: Owner,
    /// The node whose RDB is taken: the master itself or one of its replicas.
    pub node_id: String,
    pub node_addr: Addr,
    pub from_replica: bool,
    /// Why the master is read although replicas were asked for.
    pub note: Option<String>,
}

impl BackupSource {
    /// The file's name in the backup directory, as redis-cli names its backups.
    pub fn file_name(&self) -> String {
        format!(
            "redis-node-{}-{}-{}.rdb",
            self.master.addr.host, self.master.addr.port, self.master.id
        )
    }
}

/// How far (bytes of replication stream) a replica may trail its master and still count
/// as up to date for a backup.
pub const MAX_REPLICA_LAG: i64 = 1 << 20;

/// One source per master that owns slots: the master, or with `from_replicas` its replica
/// with the link up and the highest offset, if that one is within [`MAX_REPLICA_LAG`].
pub fn plan_backup(snap: &Snapshot, owners: &Owners, from_replicas: bool) -> Vec<BackupSource> {
    owners
        .masters
        .iter()
        .map(|m| {
            let master_source = |note: Option<String>| BackupSource {
                master: m.clone(),
                node_id: m.id.clone(),
                node_addr: m.addr.clone(),
                from_replica: false,
                note,
            };
            if !from_replicas {
                return master_source(None);
            }
            let master_offset = snap.report(&m.id).map(|r| r.repl_offset());
            let best = snap
                .replicas_of(&m.id)
                .into_iter()
                .filter(|r| !r.flags.is_troubled())
                .filter_map(|r| snap.report(&r.id))
                .filter(|r| r.master_link_up() == Some(true))
                .max_by_key(|r| r.repl_offset());
            match best {
                None => master_source(Some("no replica with its link up".into())),
                Some(r) => {
                    let lag = master_offset.map_or(0, |o| o - r.repl_offset());
                    if lag > MAX_REPLICA_LAG {
                        master_source(Some(format!(
                            "its best replica {} trails by {lag} bytes",
                            r.addr
                        )))
                    } else {
                        BackupSource {
                            master: m.clone(),
                            node_id: r.id().to_string(),
                            node_addr: r.addr.clone(),
                            from_replica: true,
                            note: None,
                        }
                    }
                }
            }
        })
        .collect()
}

/// Compares the keys read from each file with the manifest's counts; one line per file
/// that differs.
pub fn count_mismatches(
    expected: &BTreeMap<String, u64>,
    read: &BTreeMap<String, u64>,
) -> Vec<String> {
    expected
        .iter()
        .filter_map(|(file, want)| {
            let got = read.get(file).copied().unwrap_or(0);
            (got != *want).then(|| format!("{file}: the manifest says {want} keys, read {got}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::plan::reshard::tests::{masters, A, B};

    fn owners3() -> Owners {
        let m = |id: &str, port, a, b| Owner {
            id: id.into(),
            addr: Addr::new("127.0.0.1", port),
            slots: SlotSet::range(a, b),
        };
        Owners::new(vec![
            m("a", 7000, 0, 5460),
            m("b", 7001, 5461, 10922),
            m("c", 7002, 10923, 16383),
        ])
        .unwrap()
    }

    #[test]
    fn keys_go_to_the_owner_of_their_slot() {
        let o = owners3();
        // "foo" hashes to 12182, "bar" to 5061, "{bar}x" follows its tag, "c" to 7365.
        let keys = ["foo", "bar", "{bar}x", "c"];
        let groups = o.group(&keys);
        assert_eq!(groups, vec![vec![1, 2], vec![3], vec![0]]);
        assert_eq!(o.owner_of(b"foo"), 2);
    }

    #[test]
    fn uncovered_or_doubly_owned_slots_are_refused() {
        let m = |id: &str, a, b| Owner {
            id: id.into(),
            addr: Addr::new("127.0.0.1", 7000),
            slots: SlotSet::range(a, b),
        };
        let gap = Owners::new(vec![m("a", 0, 100), m("b", 102, 16383)]).unwrap_err();
        assert!(gap.starts_with("1 slot(s) have no master (101)"), "{gap}");
        let twice = Owners::new(vec![m("a", 0, 100), m("b", 100, 16383)]).unwrap_err();
        assert!(twice.starts_with("slot 100 is claimed by both"), "{twice}");
    }

    #[test]
    fn existing_keys_are_conflicts_unless_replaced() {
        let groups = vec![vec![0, 3], vec![1], vec![2, 4]];
        let exists = vec![vec![false, true], vec![false], vec![true, false]];
        let plan = plan_transfer(&groups, &exists, false);
        assert_eq!(plan.writes, vec![vec![0], vec![1], vec![4]]);
        assert_eq!(plan.conflicts, vec![2, 3]);
        assert_eq!(plan.replaced, 0);
        let plan = plan_transfer(&groups, &exists, true);
        assert_eq!(plan.writes, groups);
        assert!(plan.conflicts.is_empty());
        assert_eq!(plan.replaced, 2);
        assert_eq!(plan.total_writes(), 5);
    }

    #[test]
    fn conflicts_line_names_the_first_few() {
        let keys: Vec<String> = (0..8).map(|i| format!("k{i}")).collect();
        let line = conflicts_line(&keys);
        assert!(
            line.starts_with("8 key(s) already exist in the cluster and were left alone: 'k0', 'k1', 'k2', 'k3', 'k4' and 3 more"),
            "{line}"
        );
        assert!(!conflicts_line(&keys[..2]).contains("more"));
    }

    #[test]
    fn backup_reads_masters_unless_replicas_are_asked_for() {
        let snap = masters(&[(A, "0-8191"), (B, "8192-16383")]);
        let owners = Owners::from_snapshot(&snap).unwrap();
        let plan = plan_backup(&snap, &owners, false);
        assert_eq!(plan.len(), 2);
        assert!(plan
            .iter()
            .all(|s| !s.from_replica && s.node_id == s.master.id));
        assert!(plan[0]
            .file_name()
            .starts_with("redis-node-127.0.0.1-7000-"));
        // No replicas: the masters are read, and the plan says why.
        let plan = plan_backup(&snap, &owners, true);
        assert!(plan
            .iter()
            .all(|s| !s.from_replica && s.note.as_deref() == Some("no replica with its link up")));
    }

    #[test]
    fn backup_from_replicas_picks_a_linked_replica() {
        let r = "cccccccc00000000000000000000000000000000";
        let view = |me: &str| {
            let f = |id: &str, flags: &str| {
                if id == me {
                    format!("myself,{flags}")
                } else {
                    flags.to_string()
                }
            };
            format!(
                "{A} 127.0.0.1:7000@17000 {} - 0 0 1 connected 0-16383\n\
                 {r} 127.0.0.1:7002@17002 {} {A} 0 0 1 connected\n",
                f(A, "master"),
                f(r, "slave")
            )
        };
        let (va, vr) = (view(A), view(r));
        let snap = crate::admin::health::tests::snapshot_of(&[&va, &vr]);
        let owners = Owners::from_snapshot(&snap).unwrap();
        let plan = plan_backup(&snap, &owners, true);
        assert_eq!(plan.len(), 1);
        assert!(plan[0].from_replica);
        assert_eq!(plan[0].node_id, r);
        assert_eq!(plan[0].node_addr, Addr::new("127.0.0.1", 7002));
        assert_eq!(plan[0].master.id, A);
    }

    #[test]
    fn count_mismatches_name_the_file() {
        let want = BTreeMap::from([("a.rdb".to_string(), 3), ("b.rdb".to_string(), 2)]);
        let got = BTreeMap::from([("a.rdb".to_string(), 3), ("b.rdb".to_string(), 1)]);
        assert_eq!(
            count_mismatches(&want, &got),
            ["b.rdb: the manifest says 2 keys, read 1"]
        );
        assert!(count_mismatches(&want, &want).is_empty());
    }
}
