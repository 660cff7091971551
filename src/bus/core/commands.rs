//! What the CLUSTER subcommands do to the bus's state (`clusterCommand`'s bodies), with
//! Redis 7.0's error texts. Arguments are parsed before they get here, once, by
//! [`crate::bus::cluster_command`]; [`ClusterCore::execute`] takes the typed command and
//! returns a typed reply that the RESP layer turns into frames.

use std::net::IpAddr;

use super::*;
use crate::bus::cluster_command::BusCommand;

/// A reply to a CLUSTER subcommand, independent of RESP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterReply {
    /// `+OK`.
    Ok,
    /// A status line (`+BUMPED 5`).
    Status(String),
    Int(i64),
    Bulk(Vec<u8>),
    /// Text Redis sends as a verbatim string (`txt`) in RESP3 and a bulk in RESP2.
    Verbatim(String),
    Array(Vec<ClusterReply>),
    /// A map in RESP3, a flat array of key, value pairs in RESP2.
    Map(Vec<(String, ClusterReply)>),
    Null,
}

impl ClusterReply {
    pub fn bulk(text: impl Into<String>) -> ClusterReply {
        ClusterReply::Bulk(text.into().into_bytes())
    }
}

/// An error reply; the text includes its prefix (`ERR ...`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CmdError(pub String);

pub(crate) fn err(text: impl std::fmt::Display) -> CmdError {
    CmdError(format!("ERR {text}"))
}

/// What the CLUSTER command needs to know of the keyspace.
pub trait KeyspaceInfo {
    /// Keys in db 0.
    fn db_size(&self) -> u64;
    fn count_keys_in_slot(&self, slot: u16) -> u64;
    fn keys_in_slot(&self, slot: u16, count: usize) -> Vec<Vec<u8>>;
}

/// An empty keyspace (tests, and nodes that hold no data).
pub struct NoKeys;

impl KeyspaceInfo for NoKeys {
    fn db_size(&self) -> u64 {
        0
    }
    fn count_keys_in_slot(&self, _slot: u16) -> u64 {
        0
    }
    fn keys_in_slot(&self, _slot: u16, _count: usize) -> Vec<Vec<u8>> {
        Vec::new()
    }
}

/// `checkSlotAssignmentsOrReply` over a list of ranges.
fn check_slots(
    owners: &[Option<NodeId>],
    ranges: &[(u16, u16)],
    del: bool,
) -> Result<SlotSet, CmdError> {
    let mut seen = SlotSet::new();
    for &(start, end) in ranges {
        for slot in start..=end {
            let owned = owners[slot as usize].is_some();
            if del && !owned {
                return Err(err(format!("Slot {slot} is already unassigned")));
            }
            if !del && owned {
                return Err(err(format!("Slot {slot} is already busy")));
            }
            if seen.contains(slot) {
                return Err(err(format!("Slot {slot} specified multiple times")));
            }
            seen.insert(slot);
        }
    }
    Ok(seen)
}

pub use crate::model::cluster_cmd::SetSlot;

impl ClusterCore {
    /// Runs one parsed CLUSTER subcommand that concerns the bus (the keyspace-only ones,
    /// KEYSLOT, COUNTKEYSINSLOT and GETKEYSINSLOT, never reach the core: the node answers
    /// them without taking the bus's lock). `keys` answers what a change must know of the
    /// keyspace (FLUSHSLOTS, SETSLOT NODE, REPLICATE and RESET refuse when keys are here).
    pub fn execute(
        &mut self,
        now: u64,
        cmd: BusCommand,
        keys: &dyn KeyspaceInfo,
    ) -> Result<ClusterReply, CmdError> {
        self.now = now;
        let ok = |r: Result<(), CmdError>| r.map(|_| ClusterReply::Ok);
        match cmd {
            BusCommand::Meet { ip, port, cport } => ok(self.meet(now, &ip, port, cport)),
            BusCommand::Nodes => Ok(ClusterReply::Verbatim(self.nodes_text())),
            BusCommand::MyId => Ok(ClusterReply::bulk(self.myself.clone())),
            BusCommand::MyShardId => Ok(ClusterReply::bulk(self.my_shard_id())),
            BusCommand::Slots => Ok(self.slots_reply()),
            BusCommand::Shards => Ok(self.shards_reply()),
            BusCommand::Links => Ok(self.links_reply()),
            BusCommand::Info => Ok(ClusterReply::Verbatim(self.info_text())),
            BusCommand::FlushSlots => {
                if keys.db_size() != 0 {
                    return Err(err("DB must be empty to perform CLUSTER FLUSHSLOTS."));
                }
                self.flush_slots();
                Ok(ClusterReply::Ok)
            }
            BusCommand::ChangeSlots { ranges, delete } => ok(self.change_slots(&ranges, delete)),
            BusCommand::SetSlot { slot, action } => {
                if self.me().is_replica() {
                    return Err(err("Please use SETSLOT only with masters."));
                }
                ok(self.set_slot(now, slot, action, keys.count_keys_in_slot(slot)))
            }
            BusCommand::BumpEpoch => {
                let word = if self.bump_epoch_without_consensus() {
                    "BUMPED"
                } else {
                    "STILL"
                };
                Ok(ClusterReply::Status(format!(
                    "{word} {}",
                    self.me().config_epoch
                )))
            }
            BusCommand::SaveConfig => {
                self.save_fsync();
                Ok(ClusterReply::Ok)
            }
            BusCommand::Forget(name) => ok(self.forget(now, &name)),
            BusCommand::Replicate(name) => ok(self.replicate(&name, keys.db_size())),
            BusCommand::Replicas(name) => {
                let lines = self.replicas_lines(&name)?;
                Ok(ClusterReply::Array(
                    lines.into_iter().map(ClusterReply::bulk).collect(),
                ))
            }
            BusCommand::CountFailureReports(name) => {
                if !self.nodes.contains_key(name.as_str()) {
                    return Err(err(format!("Unknown node {name}")));
                }
                Ok(ClusterReply::Int(
                    self.failure_reports_count(&name, now) as i64
                ))
            }
            BusCommand::Failover { force, takeover } => ok(self.failover(now, force, takeover)),
            BusCommand::SetConfigEpoch(epoch) => ok(self.set_config_epoch(epoch)),
            BusCommand::Reset { hard } => {
                if self.me().is_master() && keys.db_size() != 0 {
                    return Err(err(
                        "CLUSTER RESET can't be called with master nodes containing keys",
                    ));
                }
                self.reset(now, hard);
                Ok(ClusterReply::Ok)
            }
        }
    }

    /// `CLUSTER MEET`: starts a handshake (`clusterStartHandshake`). A handshake already
    /// in progress with the same address is not an error.
    pub fn meet(&mut self, now: u64, ip: &str, port: i64, cport: i64) -> Result<(), CmdError> {
        self.now = now;
        let invalid = || err(format!("Invalid node address specified: {ip}:{port}"));
        let norm: IpAddr = ip.parse().map_err(|_| invalid())?;
        if !(1..=65535).contains(&port) || !(1..=65535).contains(&cport) {
            return Err(invalid());
        }
        let norm = norm.to_string();
        let (port, cport) = (port as u16, cport as u16);
        let in_progress = self.nodes.values().any(|n| {
            n.in_handshake()
                && n.ip.eq_ignore_ascii_case(&norm)
                && n.port == port
                && n.cport == cport
        });
        if in_progress {
            return Ok(());
        }
        let name = self.random_name();
        let mut node = Node::new(name.clone(), flags::HANDSHAKE | flags::MEET, now);
        node.ip = norm;
        node.port = port;
        node.cport = cport;
        self.nodes.insert(name, node);
        Ok(())
    }

    /// ADDSLOTS / DELSLOTS and their RANGE forms, all checked before any change
    /// (`clusterUpdateSlots`).
    pub fn change_slots(&mut self, ranges: &[(u16, u16)], del: bool) -> Result<(), CmdError> {
        let slots = check_slots(&self.slots.owner, ranges, del)?;
        let myself = self.myself.clone();
        for slot in slots.iter() {
            self.slots.importing_from.remove(&slot);
            if del {
                self.del_slot(slot);
            } else {
                self.add_slot(&myself, slot);
            }
        }
        self.save();
        self.update_state_later();
        Ok(())
    }

    /// `CLUSTER FLUSHSLOTS` (the caller checked that the keyspace is empty).
    pub fn flush_slots(&mut self) {
        let myself = self.myself.clone();
        self.del_node_slots(&myself);
        self.save();
        self.update_state_later();
    }

    /// `CLUSTER SETSLOT`; `keys_in_slot` is the local key count of that slot.
    pub fn set_slot(
        &mut self,
        now: u64,
        slot: u16,
        action: SetSlot,
        keys_in_slot: u64,
    ) -> Result<(), CmdError> {
        if self.me().is_replica() {
            return Err(err("Please use SETSLOT only with masters."));
        }
        let mine = self.slots.owner[slot as usize].as_deref() == Some(self.myself.as_str());
        let master_named = |core: &Self, name: &str, unknown: String| -> Result<NodeId, CmdError> {
            match core.nodes.get(name) {
                None => Err(err(unknown)),
                Some(n) if n.is_replica() => Err(err("Target node is not a master")),
                Some(n) => Ok(n.name.clone()),
            }
        };
        match action {
            SetSlot::Migrating(name) => {
                if !mine {
                    return Err(err(format!("I'm not the owner of hash slot {slot}")));
                }
                let id = master_named(self, &name, format!("I don't know about node {name}"))?;
                self.slots.migrating_to.insert(slot, id);
            }
            SetSlot::Importing(name) => {
                if mine {
                    return Err(err(format!("I'm already the owner of hash slot {slot}")));
                }
                let id = master_named(self, &name, format!("I don't know about node {name}"))?;
                self.slots.importing_from.insert(slot, id);
            }
            SetSlot::Stable => {
                self.slots.importing_from.remove(&slot);
                self.slots.migrating_to.remove(&slot);
            }
            SetSlot::Node(name) => {
                master_named(self, &name, format!("Unknown node {name}"))?;
                let to_me = name == self.myself;
                if mine && !to_me && keys_in_slot != 0 {
                    return Err(err(format!("Can't assign hashslot {slot} to a different node while I still hold keys for this hash slot.")));
                }
                if keys_in_slot == 0 {
                    self.slots.migrating_to.remove(&slot);
                }
                self.del_slot(slot);
                self.add_slot(&name, slot);
                if mine && !to_me && self.me().slots.is_empty() && self.cfg.allow_replica_migration
                {
                    self.log(
                        LogLevel::Warning,
                        format!("Configuration change detected. Reconfiguring myself as a replica of {name}"),
                    );
                    self.set_my_master(&name);
                    self.save_fsync();
                }
                if to_me && self.slots.importing_from.contains_key(&slot) {
                    // A slot closed after importing gets a new epoch so the new owner wins
                    // it everywhere.
                    if self.bump_epoch_without_consensus() {
                        self.log(
                            LogLevel::Warning,
                            format!("configEpoch updated after importing slot {slot}"),
                        );
                    }
                    self.slots.importing_from.remove(&slot);
                    self.broadcast_pong(now);
                }
            }
        }
        self.save();
        self.update_state_later();
        Ok(())
    }

    /// `CLUSTER FORGET`: drop the node and keep it out for 60 s.
    pub fn forget(&mut self, now: u64, name: &str) -> Result<(), CmdError> {
        let Some(id) = self.nodes.get(name).map(|n| n.name.clone()) else {
            return Err(err(format!("Unknown node {name}")));
        };
        if name == self.myself {
            return Err(err("I tried hard but I can't forget myself..."));
        }
        if self.me().is_replica() && self.me().slaveof.as_deref() == Some(name) {
            return Err(err("Can't forget my master!"));
        }
        self.blacklist.insert(id, now + rules::BLACKLIST_TTL_MS);
        self.del_node(name);
        self.save();
        self.update_state_later();
        Ok(())
    }

    /// `CLUSTER REPLICATE` (role bookkeeping; data replication is the host's job, told
    /// through [`Effect::ReplicateFrom`]).
    pub fn replicate(&mut self, name: &str, db_size: u64) -> Result<(), CmdError> {
        let Some(n) = self.nodes.get(name) else {
            return Err(err(format!("Unknown node {name}")));
        };
        if name == self.myself {
            return Err(err("Can't replicate myself"));
        }
        if n.is_replica() {
            return Err(err("I can only replicate a master, not a replica."));
        }
        if self.me().is_master() && (!self.me().slots.is_empty() || db_size != 0) {
            return Err(err(
                "To set a master the node must be empty and without assigned slots.",
            ));
        }
        self.set_my_master(name);
        self.save();
        self.update_state_later();
        Ok(())
    }

    /// `CLUSTER SET-CONFIG-EPOCH`.
    pub fn set_config_epoch(&mut self, epoch: i64) -> Result<(), CmdError> {
        if epoch < 0 {
            return Err(err(format!("Invalid config epoch specified: {epoch}")));
        }
        if self.nodes.len() > 1 {
            return Err(err(
                "The user can assign a config epoch only when the node does not know any other node.",
            ));
        }
        if self.me().config_epoch != 0 {
            return Err(err("Node config epoch is already non-zero"));
        }
        let epoch = epoch as u64;
        self.me_mut().config_epoch = epoch;
        self.epochs.current = self.epochs.current.max(epoch);
        self.log(
            LogLevel::Warning,
            format!("configEpoch set to {epoch} via CLUSTER SET-CONFIG-EPOCH"),
        );
        self.save();
        self.update_state_later();
        Ok(())
    }

    /// `clusterReset`: forget every other node and every slot; HARD also zeroes the
    /// epochs and takes a new name.
    pub fn reset(&mut self, now: u64, hard: bool) {
        if self.me().is_replica() {
            let myself = self.myself.clone();
            self.set_node_as_master(&myself);
            self.effects.push(Effect::ReplicateFrom(None));
            // Its data was its master's: a reset replica starts empty, as Redis's does.
            self.effects
                .push(Effect::DeleteKeysInSlots((0..SLOT_COUNT).collect()));
        }
        self.slots.migrating_to.clear();
        self.slots.importing_from.clear();
        self.reset_manual_failover();
        for slot in 0..SLOT_COUNT {
            self.del_slot(slot);
        }
        self.slots.not_claiming = SlotSet::new();
        let others: Vec<NodeId> = self
            .nodes
            .keys()
            .filter(|n| **n != self.myself)
            .cloned()
            .collect();
        for name in others {
            self.del_node(&name);
        }
        if hard {
            self.epochs.current = 0;
            self.epochs.last_vote = 0;
            self.me_mut().config_epoch = 0;
            let old = self.myself.clone();
            let new = self.random_name();
            self.rename_node(&old, &new);
            self.myself = new.clone();
            self.log(LogLevel::Notice, format!("Node hard reset, now I'm {new}"));
        }
        let _ = now;
        self.save_fsync();
        self.update_state_later();
    }
}
