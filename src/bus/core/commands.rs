//! The CLUSTER subcommands (`clusterCommand`), with Redis 7.0's argument checks and
//! error texts. [`ClusterCore::execute`] takes the whole argv and returns a typed reply
//! that the RESP layer turns into frames; the typed methods underneath can be called
//! directly.

use std::net::IpAddr;

use super::*;

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

fn err(text: impl std::fmt::Display) -> CmdError {
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

/// Arity of each subcommand as in Redis's command table (negative: at least).
fn arity(sub: &str) -> Option<i32> {
    Some(match sub {
        "addslots" | "delslots" => -3,
        "addslotsrange" | "delslotsrange" | "meet" | "setslot" => -4,
        "bumpepoch" | "flushslots" | "help" | "info" | "links" | "myid" | "myshardid" | "nodes"
        | "saveconfig" | "shards" | "slots" => 2,
        "count-failure-reports"
        | "countkeysinslot"
        | "forget"
        | "keyslot"
        | "replicas"
        | "replicate"
        | "set-config-epoch"
        | "slaves" => 3,
        "getkeysinslot" => 4,
        "failover" | "reset" => -2,
        _ => return None,
    })
}

fn parse_i64(arg: &[u8]) -> Option<i64> {
    std::str::from_utf8(arg).ok()?.parse().ok()
}

fn text(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).into_owned()
}

/// `getSlotOrReply`.
fn slot_arg(arg: &[u8]) -> Result<u16, CmdError> {
    match parse_i64(arg) {
        Some(s) if (0..SLOT_COUNT as i64).contains(&s) => Ok(s as u16),
        _ => Err(err("Invalid or out of range slot")),
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

const HELP: &[&str] = &[
    "ADDSLOTS <slot> [<slot> ...]",
    "    Assign slots to current node.",
    "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Assign slots which are between <start-slot> and <end-slot> to current node.",
    "BUMPEPOCH",
    "    Advance the cluster config epoch.",
    "COUNT-FAILURE-REPORTS <node-id>",
    "    Return number of failure reports for <node-id>.",
    "COUNTKEYSINSLOT <slot>",
    "    Return the number of keys in <slot>.",
    "DELSLOTS <slot> [<slot> ...]",
    "    Delete slots information from current node.",
    "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
    "FAILOVER [FORCE|TAKEOVER]",
    "    Promote current replica node to being a master.",
    "FORGET <node-id>",
    "    Remove a node from the cluster.",
    "GETKEYSINSLOT <slot> <count>",
    "    Return key names stored by current node in a slot.",
    "FLUSHSLOTS",
    "    Delete current node own slots information.",
    "INFO",
    "    Return information about the cluster.",
    "KEYSLOT <key>",
    "    Return the hash slot for <key>.",
    "MEET <ip> <port> [<bus-port>]",
    "    Connect nodes into a working cluster.",
    "MYID",
    "    Return the node id.",
    "NODES",
    "    Return cluster configuration seen by node. Output format:",
    "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
    "REPLICATE <node-id>",
    "    Configure current node as replica to <node-id>.",
    "RESET [HARD|SOFT]",
    "    Reset current node (default: soft).",
    "SET-CONFIG-EPOCH <epoch>",
    "    Set config epoch of current node.",
    "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
    "    Set slot state.",
    "REPLICAS <node-id>",
    "    Return <node-id> replicas.",
    "SAVECONFIG",
    "    Force saving cluster configuration on disk.",
    "SLOTS",
    "    Return information about slots range mappings. Each range is made of:",
    "    start, end, master and replicas IP addresses, ports and ids",
    "SHARDS",
    "    Return information about slot range mappings and the nodes associated with them.",
    "LINKS",
    "    Return information about all network links between this node and its peers.",
    "    Output format is an array where each array element is a map containing attributes of a link",
];

pub use crate::model::cluster_cmd::SetSlot;

impl ClusterCore {
    /// Runs `CLUSTER <sub> ...`; `argv[0]` is `CLUSTER` itself.
    pub fn execute(
        &mut self,
        now: u64,
        argv: &[&[u8]],
        keys: &dyn KeyspaceInfo,
    ) -> Result<ClusterReply, CmdError> {
        self.now = now;
        let Some(sub_raw) = argv.get(1) else {
            return Err(err("wrong number of arguments for 'cluster' command"));
        };
        let sub = text(sub_raw).to_ascii_lowercase();
        let cmd_name = text(argv[0]).to_ascii_uppercase();
        let Some(ar) = arity(&sub) else {
            return Err(err(format!(
                "unknown subcommand '{}'. Try {cmd_name} HELP.",
                text(sub_raw).chars().take(128).collect::<String>()
            )));
        };
        let argc = argv.len() as i32;
        if (ar > 0 && argc != ar) || (ar < 0 && argc < -ar) {
            return Err(err(format!(
                "wrong number of arguments for 'cluster|{sub}' command"
            )));
        }
        let syntax = || {
            err(format!(
                "unknown subcommand or wrong number of arguments for '{}'. Try {cmd_name} HELP.",
                text(sub_raw).chars().take(128).collect::<String>()
            ))
        };
        let arg = |i: usize| text(argv[i]);
        match sub.as_str() {
            "help" => Ok(ClusterReply::Array(
                std::iter::once(format!(
                    "{cmd_name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
                ))
                .chain(HELP.iter().map(|s| s.to_string()))
                .chain(std::iter::once("HELP".to_string()))
                .chain(std::iter::once("    Print this help.".to_string()))
                .map(ClusterReply::Status)
                .collect(),
            )),
            "meet" => {
                if argc > 5 {
                    return Err(syntax());
                }
                let port = parse_i64(argv[3])
                    .ok_or_else(|| err(format!("Invalid TCP base port specified: {}", arg(3))))?;
                let cport = match argv.get(4) {
                    Some(c) => parse_i64(c).ok_or_else(|| {
                        err(format!("Invalid TCP bus port specified: {}", arg(4)))
                    })?,
                    None => port + 10000,
                };
                self.meet(now, &arg(2), port, cport)
                    .map(|_| ClusterReply::Ok)
            }
            "nodes" => Ok(ClusterReply::Verbatim(self.nodes_text())),
            "myid" => Ok(ClusterReply::bulk(self.myself.clone())),
            "myshardid" => Ok(ClusterReply::bulk(self.my_shard_id())),
            "slots" => Ok(self.slots_reply()),
            "shards" => Ok(self.shards_reply()),
            "links" => Ok(self.links_reply()),
            "info" => Ok(ClusterReply::Verbatim(self.info_text())),
            "flushslots" => {
                if keys.db_size() != 0 {
                    return Err(err("DB must be empty to perform CLUSTER FLUSHSLOTS."));
                }
                self.flush_slots();
                Ok(ClusterReply::Ok)
            }
            "addslots" | "delslots" => {
                let slots = argv[2..]
                    .iter()
                    .map(|a| slot_arg(a))
                    .collect::<Result<Vec<_>, _>>()?;
                let ranges: Vec<(u16, u16)> = slots.iter().map(|&s| (s, s)).collect();
                self.change_slots(&ranges, sub == "delslots")?;
                Ok(ClusterReply::Ok)
            }
            "addslotsrange" | "delslotsrange" => {
                if argc % 2 == 1 {
                    return Err(err(format!(
                        "wrong number of arguments for 'cluster|{sub}' command"
                    )));
                }
                let mut ranges = Vec::new();
                for pair in argv[2..].chunks(2) {
                    let start = slot_arg(pair[0])?;
                    let end = slot_arg(pair[1])?;
                    if start > end {
                        return Err(err(format!(
                            "start slot number {start} is greater than end slot number {end}"
                        )));
                    }
                    ranges.push((start, end));
                }
                self.change_slots(&ranges, sub == "delslotsrange")?;
                Ok(ClusterReply::Ok)
            }
            "setslot" => {
                if self.me().is_replica() {
                    return Err(err("Please use SETSLOT only with masters."));
                }
                let slot = slot_arg(argv[2])?;
                let words: Vec<String> = argv[3..].iter().map(|a| text(a)).collect();
                let words: Vec<&str> = words.iter().map(String::as_str).collect();
                let action = SetSlot::parse(&words).ok_or_else(|| {
                    err("Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP")
                })?;
                self.set_slot(now, slot, action, keys.count_keys_in_slot(slot))?;
                Ok(ClusterReply::Ok)
            }
            "bumpepoch" => {
                let bumped = self.bump_epoch_without_consensus();
                let word = if bumped { "BUMPED" } else { "STILL" };
                Ok(ClusterReply::Status(format!(
                    "{word} {}",
                    self.me().config_epoch
                )))
            }
            "saveconfig" => {
                self.save_fsync();
                Ok(ClusterReply::Ok)
            }
            "keyslot" => Ok(ClusterReply::Int(crate::model::key_slot(argv[2]) as i64)),
            "countkeysinslot" => {
                let slot = parse_i64(argv[2])
                    .ok_or_else(|| err("value is not an integer or out of range"))?;
                if !(0..SLOT_COUNT as i64).contains(&slot) {
                    return Err(err("Invalid slot"));
                }
                Ok(ClusterReply::Int(
                    keys.count_keys_in_slot(slot as u16) as i64
                ))
            }
            "getkeysinslot" => {
                let bad_int = || err("value is not an integer or out of range");
                let slot = parse_i64(argv[2]).ok_or_else(bad_int)?;
                let max = parse_i64(argv[3]).ok_or_else(bad_int)?;
                if !(0..SLOT_COUNT as i64).contains(&slot) || max < 0 {
                    return Err(err("Invalid slot or number of keys"));
                }
                let found = keys.keys_in_slot(slot as u16, max as usize);
                Ok(ClusterReply::Array(
                    found.into_iter().map(ClusterReply::Bulk).collect(),
                ))
            }
            "forget" => {
                self.forget(now, &arg(2))?;
                Ok(ClusterReply::Ok)
            }
            "replicate" => {
                self.replicate(&arg(2), keys.db_size())?;
                Ok(ClusterReply::Ok)
            }
            "slaves" | "replicas" => {
                let lines = self.replicas_lines(&arg(2))?;
                Ok(ClusterReply::Array(
                    lines.into_iter().map(ClusterReply::bulk).collect(),
                ))
            }
            "count-failure-reports" => {
                let name = arg(2);
                if !self.nodes.contains_key(name.as_str()) {
                    return Err(err(format!("Unknown node {name}")));
                }
                Ok(ClusterReply::Int(
                    self.failure_reports_count(&name, now) as i64
                ))
            }
            "failover" => {
                if argc > 3 {
                    return Err(syntax());
                }
                if argc == 3
                    && !matches!(arg(2).to_ascii_lowercase().as_str(), "force" | "takeover")
                {
                    return Err(err("syntax error"));
                }
                let option = argv.get(2).map(|a| text(a).to_ascii_lowercase());
                let takeover = option.as_deref() == Some("takeover");
                let force = takeover || option.as_deref() == Some("force");
                self.failover(now, force, takeover)?;
                Ok(ClusterReply::Ok)
            }
            "set-config-epoch" => {
                let epoch = parse_i64(argv[2])
                    .ok_or_else(|| err("value is not an integer or out of range"))?;
                self.set_config_epoch(epoch)?;
                Ok(ClusterReply::Ok)
            }
            "reset" => {
                if argc > 3 {
                    return Err(syntax());
                }
                let hard = match argv.get(2).map(|a| text(a).to_ascii_lowercase()) {
                    None => false,
                    Some(w) if w == "soft" => false,
                    Some(w) if w == "hard" => true,
                    Some(_) => return Err(err("syntax error")),
                };
                if self.me().is_master() && keys.db_size() != 0 {
                    return Err(err(
                        "CLUSTER RESET can't be called with master nodes containing keys",
                    ));
                }
                self.reset(now, hard);
                Ok(ClusterReply::Ok)
            }
            _ => Err(syntax()),
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
        let slots = check_slots(&self.owners, ranges, del)?;
        let myself = self.myself.clone();
        for slot in slots.iter() {
            self.importing_from.remove(&slot);
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
        let mine = self.owners[slot as usize].as_deref() == Some(self.myself.as_str());
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
                self.migrating_to.insert(slot, id);
            }
            SetSlot::Importing(name) => {
                if mine {
                    return Err(err(format!("I'm already the owner of hash slot {slot}")));
                }
                let id = master_named(self, &name, format!("I don't know about node {name}"))?;
                self.importing_from.insert(slot, id);
            }
            SetSlot::Stable => {
                self.importing_from.remove(&slot);
                self.migrating_to.remove(&slot);
            }
            SetSlot::Node(name) => {
                master_named(self, &name, format!("Unknown node {name}"))?;
                let to_me = name == self.myself;
                if mine && !to_me && keys_in_slot != 0 {
                    return Err(err(format!("Can't assign hashslot {slot} to a different node while I still hold keys for this hash slot.")));
                }
                if keys_in_slot == 0 {
                    self.migrating_to.remove(&slot);
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
                if to_me && self.importing_from.contains_key(&slot) {
                    // A slot closed after importing gets a new epoch so the new owner wins
                    // it everywhere.
                    if self.bump_epoch_without_consensus() {
                        self.log(
                            LogLevel::Warning,
                            format!("configEpoch updated after importing slot {slot}"),
                        );
                    }
                    self.importing_from.remove(&slot);
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
        self.current_epoch = self.current_epoch.max(epoch);
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
        }
        self.migrating_to.clear();
        self.importing_from.clear();
        self.reset_manual_failover();
        for slot in 0..SLOT_COUNT {
            self.del_slot(slot);
        }
        self.owner_not_claiming = SlotSet::new();
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
            self.current_epoch = 0;
            self.last_vote_epoch = 0;
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
