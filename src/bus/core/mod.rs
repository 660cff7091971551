//! The cluster bus as a sans-IO state machine (in the manner of foca and raft-rs): no
//! sockets, no clock, no threads. The host feeds inputs — a message arrived on a link, a
//! link connected or closed, the 100 ms cron tick, a client's CLUSTER command — each with
//! the current time in milliseconds (Unix time, because gossip carries seconds of it), and
//! drains [`Effect`]s: send this message on that link, connect to that address, close a
//! link, save nodes.conf, log.
//!
//! The behaviour follows Redis 7.0.15's `cluster.c`; the submodules are split the way the
//! protocol is: `process` (incoming messages and gossip), `cron` (timers, failure
//! detection), `commands` (CLUSTER subcommands), `queries` (NODES, INFO, SLOTS, routing).

mod commands;
mod cron;
pub mod failover;
pub mod node;
mod process;
pub mod queries;
pub mod rules;

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::bus::codec::{self, flags, types, Body, Extension, Header, Message, PingBody};
use crate::model::{ClusterNode, SlotSet, SLOT_COUNT};

pub use commands::{ClusterReply, CmdError, KeyspaceInfo, NoKeys, SetSlot};
pub use node::{FailReport, Link, LinkId, Node};
pub use queries::{decide_route, RouteQuery, SlotRoute, SlotRouteOwner};

/// Settings of the bus that come from the server's configuration.
#[derive(Clone, Debug)]
pub struct CoreConfig {
    /// `cluster-node-timeout`, milliseconds.
    pub node_timeout_ms: u64,
    /// Client port announced to the cluster.
    pub port: u16,
    /// Bus port announced to the cluster.
    pub cport: u16,
    /// Plaintext port (TLS setups), else 0.
    pub pport: u16,
    /// `cluster-announce-ip`: when set, our address is not learned from MEETs.
    pub announce_ip: Option<String>,
    /// `cluster-announce-hostname`, sent in the HOSTNAME ping extension.
    pub hostname: Option<String>,
    /// `cluster-require-full-coverage`.
    pub require_full_coverage: bool,
    /// `cluster-allow-replica-migration`.
    pub allow_replica_migration: bool,
    /// `cluster-replica-validity-factor` (0: a replica fails over whatever its data age).
    pub replica_validity_factor: u64,
    /// `cluster-replica-no-failover`.
    pub replica_no_failover: bool,
}

impl CoreConfig {
    pub fn new(port: u16, cport: u16, node_timeout_ms: u64) -> CoreConfig {
        CoreConfig {
            node_timeout_ms,
            port,
            cport,
            pport: 0,
            announce_ip: None,
            hostname: None,
            require_full_coverage: true,
            allow_replica_migration: true,
            replica_validity_factor: 10,
            replica_no_failover: false,
        }
    }
}

/// Log levels of [`Effect::Log`], as Redis names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Debug,
    Verbose,
    Notice,
    Warning,
}

/// What the host must do after an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Open a TCP connection to a node's bus port; report the result with
    /// [`ClusterCore::link_connected`] or [`ClusterCore::link_closed`]. Messages sent on
    /// the link before it connects are queued by the host.
    Connect {
        link: LinkId,
        ip: String,
        cport: u16,
    },
    /// Write a message on a link.
    Send {
        link: LinkId,
        msg: Message,
    },
    /// Close a link; no `link_closed` is expected for it.
    Close {
        link: LinkId,
    },
    /// Write nodes.conf with this content, atomically.
    SaveConfig {
        contents: String,
        fsync: bool,
    },
    /// Slots taken from us by a newer configuration: delete their keys.
    DeleteKeysInSlots(Vec<u16>),
    /// A PUBLISH (or PUBLISHSHARD) from the bus, to deliver to local subscribers.
    Publish {
        channel: Vec<u8>,
        message: Vec<u8>,
        shard: bool,
    },
    /// Our role changed: `Some(master)` to replicate from, `None` to stop replicating.
    ReplicateFrom(Option<(String, u16)>),
    /// Manual failover, master side: pause client writes until this time (`None`:
    /// resume now).
    PauseWrites {
        until: Option<u64>,
    },
    Log {
        level: LogLevel,
        text: String,
    },
}

/// The cluster state machine of one node.
pub struct ClusterCore {
    cfg: CoreConfig,
    rng: StdRng,
    myself: String,
    nodes: BTreeMap<String, Node>,
    links: BTreeMap<LinkId, Link>,
    next_link: LinkId,
    /// Slot owner names (`server.cluster->slots`).
    owners: Vec<Option<String>>,
    /// Slots whose owner stopped claiming them (`owner_not_claiming_slot`).
    owner_not_claiming: SlotSet,
    migrating_to: BTreeMap<u16, String>,
    importing_from: BTreeMap<u16, String>,
    current_epoch: u64,
    last_vote_epoch: u64,
    state_ok: bool,
    /// Masters serving at least one slot (`server.cluster->size`).
    size: usize,
    blacklist: BTreeMap<String, u64>,
    effects: Vec<Effect>,
    todo_save: bool,
    todo_fsync: bool,
    todo_update_state: bool,
    stats_sent: [u64; types::COUNT as usize],
    stats_received: [u64; types::COUNT as usize],
    iteration: u64,
    pings_sent: u64,
    stats_pfail_nodes: usize,
    first_state_call: Option<u64>,
    among_minority_time: u64,
    repl_offset: u64,
    failover: failover::FailoverState,
    /// When data last came from our master (replicas; host-reported).
    master_last_io: Option<u64>,
    /// Last time seen by any input: some effects need a time without being passed one.
    now: u64,
}

fn random_name(rng: &mut StdRng) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    (0..codec::NAME_LEN)
        .map(|_| HEX[rng.gen_range(0..16)] as char)
        .collect()
}

impl ClusterCore {
    /// A fresh node: a random name, master, no slots, epoch 0.
    pub fn new(cfg: CoreConfig, seed: u64, now: u64) -> ClusterCore {
        let mut rng = StdRng::seed_from_u64(seed);
        let myself = random_name(&mut rng);
        let mut core = ClusterCore {
            rng,
            myself: myself.clone(),
            nodes: BTreeMap::new(),
            links: BTreeMap::new(),
            next_link: 1,
            owners: vec![None; SLOT_COUNT as usize],
            owner_not_claiming: SlotSet::new(),
            migrating_to: BTreeMap::new(),
            importing_from: BTreeMap::new(),
            current_epoch: 0,
            last_vote_epoch: 0,
            state_ok: false,
            size: 0,
            blacklist: BTreeMap::new(),
            effects: Vec::new(),
            todo_save: true,
            todo_fsync: false,
            todo_update_state: true,
            stats_sent: Default::default(),
            stats_received: Default::default(),
            iteration: 0,
            pings_sent: 0,
            stats_pfail_nodes: 0,
            first_state_call: None,
            among_minority_time: 0,
            repl_offset: 0,
            failover: Default::default(),
            master_last_io: None,
            now,
            cfg,
        };
        let mut me = Node::new(myself.clone(), flags::MYSELF | flags::MASTER, now);
        me.port = core.cfg.port;
        me.cport = core.cfg.cport;
        me.pport = core.cfg.pport;
        me.ip = core.cfg.announce_ip.clone().unwrap_or_default();
        me.hostname = core.cfg.hostname.clone();
        core.nodes.insert(myself, me);
        core.log(
            LogLevel::Notice,
            format!("No cluster configuration found, I'm {}", core.myself),
        );
        core
    }

    /// A node restored from nodes.conf lines (one of them `myself`) and its vars.
    pub fn restore(
        cfg: CoreConfig,
        seed: u64,
        now: u64,
        nodes: &[ClusterNode],
        current_epoch: u64,
        last_vote_epoch: u64,
    ) -> Result<ClusterCore, String> {
        let me = nodes
            .iter()
            .find(|n| n.flags.myself)
            .ok_or("nodes.conf has no line flagged myself")?;
        let mut core = ClusterCore::new(cfg, seed, now);
        core.nodes.clear();
        core.myself = me.id.clone();
        for n in nodes {
            if core.nodes.contains_key(&n.id) {
                return Err(format!("duplicate node {} in nodes.conf", n.id));
            }
            let mut node = Node::new(n.id.clone(), node::wire_flags(&n.flags), now);
            node.ip = n.addr.ip.clone();
            node.port = n.addr.port;
            node.cport = n.addr.cport;
            node.hostname = n.addr.hostname.clone();
            node.config_epoch = n.config_epoch;
            node.slaveof = n.master_id.clone();
            if !node.is_myself() {
                // Redis keeps the saved times; a PING pending at shutdown is forgotten.
                node.pong_received = n.pong_recv;
            }
            core.nodes.insert(n.id.clone(), node);
        }
        for n in nodes {
            for slot in n.slots.iter() {
                core.add_slot(&n.id, slot);
            }
            for open in &n.migrating {
                if core.nodes.contains_key(&open.peer) {
                    core.migrating_to.insert(open.slot, open.peer.clone());
                }
            }
            for open in &n.importing {
                if core.nodes.contains_key(&open.peer) {
                    core.importing_from.insert(open.slot, open.peer.clone());
                }
            }
        }
        for n in nodes {
            if let Some(m) = &n.master_id {
                if !core.nodes.contains_key(m) {
                    return Err(format!("node {} replicates unknown node {m}", n.id));
                }
            }
        }
        core.current_epoch = current_epoch.max(core.max_config_epoch());
        core.last_vote_epoch = last_vote_epoch;
        let myself = core.myself.clone();
        let me = core.nodes.get_mut(&myself).expect("myself");
        me.flags |= flags::MYSELF;
        me.port = core.cfg.port;
        me.cport = core.cfg.cport;
        me.pport = core.cfg.pport;
        if let Some(ip) = &core.cfg.announce_ip {
            me.ip = ip.clone();
        }
        me.hostname = core.cfg.hostname.clone();
        core.effects.clear();
        core.log(
            LogLevel::Notice,
            format!("Node configuration loaded, I'm {}", core.myself),
        );
        core.todo_save = true;
        Ok(core)
    }

    /// Takes the effects produced since the last call. Pending config saves are
    /// emitted here once, as Redis does in `clusterBeforeSleep`.
    pub fn drain_effects(&mut self) -> Vec<Effect> {
        if self.todo_update_state {
            self.todo_update_state = false;
            self.update_state(self.now);
        }
        if self.todo_save {
            self.todo_save = false;
            let fsync = std::mem::take(&mut self.todo_fsync);
            self.effects.push(Effect::SaveConfig {
                contents: self.nodes_conf_text(),
                fsync,
            });
        }
        std::mem::take(&mut self.effects)
    }

    pub fn myself(&self) -> &str {
        &self.myself
    }

    pub fn config(&self) -> &CoreConfig {
        &self.cfg
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.get(name)
    }

    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.values()
    }

    pub fn current_epoch(&self) -> u64 {
        self.current_epoch
    }

    pub fn last_vote_epoch(&self) -> u64 {
        self.last_vote_epoch
    }

    pub fn state_ok(&self) -> bool {
        self.state_ok
    }

    /// Slot owner (`server.cluster->slots[slot]`).
    pub fn slot_owner(&self, slot: u16) -> Option<&str> {
        self.owners.get(slot as usize)?.as_deref()
    }

    pub fn migrating_to(&self, slot: u16) -> Option<&str> {
        self.migrating_to.get(&slot).map(String::as_str)
    }

    pub fn importing_from(&self, slot: u16) -> Option<&str> {
        self.importing_from.get(&slot).map(String::as_str)
    }

    /// Our replication offset, sent in every header.
    pub fn set_repl_offset(&mut self, offset: u64) {
        self.repl_offset = offset;
    }

    fn me(&self) -> &Node {
        &self.nodes[&self.myself]
    }

    fn me_mut(&mut self) -> &mut Node {
        self.nodes
            .get_mut(&self.myself)
            .expect("myself is always known")
    }

    fn log(&mut self, level: LogLevel, text: String) {
        self.effects.push(Effect::Log { level, text });
    }

    fn save(&mut self) {
        self.todo_save = true;
    }

    fn save_fsync(&mut self) {
        self.todo_save = true;
        self.todo_fsync = true;
    }

    fn update_state_later(&mut self) {
        self.todo_update_state = true;
    }

    fn new_link_id(&mut self) -> LinkId {
        let id = self.next_link;
        self.next_link += 1;
        id
    }

    /// A random 40-hex-character name (handshake nodes, RESET HARD).
    fn random_name(&mut self) -> String {
        random_name(&mut self.rng)
    }

    // ----- node table --------------------------------------------------------------

    /// `clusterAddSlot`: assigns an unassigned slot.
    fn add_slot(&mut self, name: &str, slot: u16) -> bool {
        if self.owners[slot as usize].is_some() {
            return false;
        }
        let Some(node) = self.nodes.get_mut(name) else {
            return false;
        };
        node.slots.insert(slot);
        self.owners[slot as usize] = Some(name.to_string());
        true
    }

    /// `clusterDelSlot`.
    fn del_slot(&mut self, slot: u16) -> bool {
        let Some(owner) = self.owners[slot as usize].take() else {
            return false;
        };
        if let Some(node) = self.nodes.get_mut(&owner) {
            node.slots.remove(slot);
        }
        true
    }

    /// `clusterDelNodeSlots`.
    fn del_node_slots(&mut self, name: &str) -> usize {
        let slots: Vec<u16> = match self.nodes.get(name) {
            Some(n) => n.slots.iter().collect(),
            None => return 0,
        };
        for &slot in &slots {
            self.del_slot(slot);
        }
        slots.len()
    }

    /// Closes a link the core owns and forgets it.
    fn free_link(&mut self, link: LinkId) {
        if let Some(l) = self.links.remove(&link) {
            if let Some(node) = l.node.as_ref().and_then(|n| self.nodes.get_mut(n)) {
                if node.link == Some(link) {
                    node.link = None;
                }
                if node.inbound_link == Some(link) {
                    node.inbound_link = None;
                }
            }
            self.effects.push(Effect::Close { link });
        }
    }

    /// `clusterDelNode`: slots unassigned, open slots closed, its failure reports dropped,
    /// links closed, replicas detached.
    fn del_node(&mut self, name: &str) {
        if name == self.myself {
            return;
        }
        for slot in 0..SLOT_COUNT {
            if self.owners[slot as usize].as_deref() == Some(name) {
                self.del_slot(slot);
            }
        }
        self.importing_from.retain(|_, n| n != name);
        self.migrating_to.retain(|_, n| n != name);
        for node in self.nodes.values_mut() {
            node.fail_reports.retain(|r| r.from != name);
            if node.slaveof.as_deref() == Some(name) {
                node.slaveof = None;
            }
        }
        if let Some(node) = self.nodes.remove(name) {
            for link in [node.link, node.inbound_link].into_iter().flatten() {
                if let Some(l) = self.links.get_mut(&link) {
                    l.node = None;
                }
                self.free_link(link);
            }
        }
    }

    /// `clusterRenameNode`: a handshake node learns its real name.
    fn rename_node(&mut self, old: &str, new: &str) {
        let Some(mut node) = self.nodes.remove(old) else {
            return;
        };
        node.name = new.to_string();
        for link in self.links.values_mut() {
            if link.node.as_deref() == Some(old) {
                link.node = Some(new.to_string());
            }
        }
        self.nodes.insert(new.to_string(), node);
    }

    /// `clusterSetNodeAsMaster`.
    fn set_node_as_master(&mut self, name: &str) {
        let myself = self.myself.clone();
        let Some(n) = self.nodes.get_mut(name) else {
            return;
        };
        if n.is_master() {
            return;
        }
        if n.slaveof.take().is_some() && name != myself {
            n.flags |= flags::MIGRATE_TO;
        }
        n.flags &= !flags::SLAVE;
        n.flags |= flags::MASTER;
        self.save();
        self.update_state_later();
    }

    /// `clusterSetMaster`: myself becomes a replica of `master`.
    fn set_my_master(&mut self, master: &str) {
        let (ip, port) = match self.nodes.get(master) {
            Some(m) => (m.ip.clone(), m.port),
            None => return,
        };
        let me = self.me_mut();
        if me.is_master() {
            me.flags &= !(flags::MASTER | flags::MIGRATE_TO);
            me.flags |= flags::SLAVE;
            self.migrating_to.clear();
            self.importing_from.clear();
        }
        self.me_mut().slaveof = Some(master.to_string());
        self.effects.push(Effect::ReplicateFrom(Some((ip, port))));
        self.reset_manual_failover();
    }

    /// Nodes replicating `master`, in name order.
    pub fn replicas_of(&self, master: &str) -> Vec<&Node> {
        self.nodes
            .values()
            .filter(|n| n.slaveof.as_deref() == Some(master) && n.is_replica())
            .collect()
    }

    /// `clusterGetMaxEpoch`.
    fn max_config_epoch(&self) -> u64 {
        self.nodes
            .values()
            .map(|n| n.config_epoch)
            .max()
            .unwrap_or(0)
            .max(self.current_epoch)
    }

    /// `clusterBumpConfigEpochWithoutConsensus`; true when a new epoch was taken.
    fn bump_epoch_without_consensus(&mut self) -> bool {
        let max = self.max_config_epoch();
        if rules::bump_needed(self.me().config_epoch, max) {
            self.current_epoch += 1;
            let epoch = self.current_epoch;
            self.me_mut().config_epoch = epoch;
            self.save_fsync();
            self.log(LogLevel::Warning, format!("New configEpoch set to {epoch}"));
            true
        } else {
            false
        }
    }

    fn blacklisted(&mut self, name: &str, now: u64) -> bool {
        self.blacklist.retain(|_, until| *until > now);
        self.blacklist.contains_key(name)
    }

    /// `clusterNodeFailureReportsCount`, after dropping the expired reports.
    fn failure_reports_count(&mut self, name: &str, now: u64) -> usize {
        let validity = rules::fail_report_validity(self.cfg.node_timeout_ms);
        match self.nodes.get_mut(name) {
            Some(n) => {
                n.fail_reports
                    .retain(|r| now.saturating_sub(r.time) <= validity);
                n.fail_reports.len()
            }
            None => 0,
        }
    }

    // ----- sending -----------------------------------------------------------------

    /// `clusterBuildMessageHdr`.
    fn build_header(&self) -> Header {
        let me = self.me();
        let master = match (&me.slaveof, me.is_replica()) {
            (Some(m), true) => self.nodes.get(m).unwrap_or(me),
            _ => me,
        };
        let mut h = Header::new(self.myself.clone());
        h.port = self.cfg.port;
        h.cport = self.cfg.cport;
        h.pport = self.cfg.pport;
        h.current_epoch = self.current_epoch;
        h.config_epoch = master.config_epoch;
        h.offset = self.repl_offset;
        h.slots = master.slots.clone();
        h.slaveof = me.slaveof.clone();
        h.myip = self.cfg.announce_ip.clone().unwrap_or_default();
        h.flags = me.flags;
        h.state = if self.state_ok { 0 } else { 1 };
        if me.is_master() && self.failover.mf_end != 0 {
            h.mflags[0] |= codec::mflags::PAUSED;
        }
        h
    }

    fn send(&mut self, link: LinkId, body: Body) {
        let kind = body.kind();
        if (kind as usize) < self.stats_sent.len() {
            self.stats_sent[kind as usize] += 1;
        }
        let msg = Message {
            header: self.build_header(),
            body,
        };
        self.effects.push(Effect::Send { link, msg });
    }

    /// `clusterBroadcastMessage`: every node with an outbound link, not in handshake.
    fn broadcast(&mut self, body: Body) {
        let links: Vec<LinkId> = self
            .nodes
            .values()
            .filter(|n| !n.is_myself() && !n.in_handshake())
            .filter_map(|n| n.link)
            .collect();
        for link in links {
            self.send(link, body.clone());
        }
    }

    /// `clusterSendPing`: a PING, PONG or MEET with gossip about random nodes and every
    /// PFAIL node, and our hostname extension.
    fn send_ping(&mut self, link: LinkId, kind: u16, now: u64) {
        self.pings_sent += 1;
        let round = self.pings_sent;
        let known = self.nodes.len();
        let wanted = rules::gossip_wanted(known);
        let mut fresh = known.saturating_sub(2);
        let Some(l) = self.links.get(&link) else {
            return;
        };
        if !l.inbound && kind == types::PING {
            if let Some(n) = l.node.clone().and_then(|n| self.nodes.get_mut(&n)) {
                n.ping_sent = now;
            }
        }
        let names: Vec<String> = self.nodes.keys().cloned().collect();
        let mut gossip = Vec::new();
        let mut iterations = wanted * 3;
        while fresh > 0 && gossip.len() < wanted && iterations > 0 {
            iterations -= 1;
            let name = &names[self.rng.gen_range(0..names.len())];
            let node = self.nodes.get_mut(name).expect("listed");
            if node.is_myself() || node.timed_out() {
                continue;
            }
            if node.has(flags::HANDSHAKE | flags::NOADDR)
                || (node.link.is_none() && node.slots.is_empty())
            {
                fresh -= 1;
                continue;
            }
            if node.last_in_ping_gossip == round {
                continue;
            }
            node.last_in_ping_gossip = round;
            gossip.push(gossip_entry(node));
            fresh -= 1;
        }
        let mut pfail_wanted = self.stats_pfail_nodes;
        for node in self.nodes.values() {
            if pfail_wanted == 0 {
                break;
            }
            if node.has(flags::HANDSHAKE | flags::NOADDR) || !node.timed_out() {
                continue;
            }
            gossip.push(gossip_entry(node));
            pfail_wanted -= 1;
        }
        let mut body = PingBody {
            gossip,
            extensions: Vec::new(),
        };
        if let Some(h) = self.cfg.hostname.clone().filter(|h| !h.is_empty()) {
            body.extensions.push(Extension::Hostname(h));
        }
        let body = match kind {
            types::PING => Body::Ping(body),
            types::PONG => Body::Pong(body),
            _ => Body::Meet(body),
        };
        self.send(link, body);
    }

    /// `clusterBroadcastPong(CLUSTER_BROADCAST_ALL)`.
    fn broadcast_pong(&mut self, now: u64) {
        let links: Vec<LinkId> = self
            .nodes
            .values()
            .filter(|n| !n.is_myself() && !n.in_handshake())
            .filter_map(|n| n.link)
            .collect();
        for link in links {
            self.send_ping(link, types::PONG, now);
        }
    }

    // ----- links -------------------------------------------------------------------

    /// A connection was accepted on the bus port. `peer_ip` is the remote address,
    /// `local_ip` ours on this connection.
    pub fn accept_link(&mut self, now: u64, peer_ip: &str, local_ip: &str) -> LinkId {
        self.now = now;
        let id = self.new_link_id();
        self.links.insert(
            id,
            Link {
                id,
                node: None,
                inbound: true,
                ctime: now,
                connected: true,
                peer_ip: peer_ip.to_string(),
                local_ip: local_ip.to_string(),
            },
        );
        id
    }

    /// `clusterLinkConnectHandler`: an outbound connection is up; send MEET or PING.
    pub fn link_connected(&mut self, now: u64, link: LinkId, local_ip: &str) {
        self.now = now;
        let Some(l) = self.links.get_mut(&link) else {
            return;
        };
        l.connected = true;
        l.local_ip = local_ip.to_string();
        let Some(name) = l.node.clone() else {
            return;
        };
        let Some(node) = self.nodes.get(&name) else {
            return;
        };
        let old_ping_sent = node.ping_sent;
        let kind = if node.has(flags::MEET) {
            types::MEET
        } else {
            types::PING
        };
        self.send_ping(link, kind, now);
        if let Some(node) = self.nodes.get_mut(&name) {
            if old_ping_sent != 0 {
                node.ping_sent = old_ping_sent;
            }
            node.flags &= !flags::MEET;
        }
    }

    /// A link failed (connect error, I/O error, peer closed). Outbound links are
    /// re-created by the cron.
    pub fn link_closed(&mut self, now: u64, link: LinkId) {
        self.now = now;
        let Some(l) = self.links.remove(&link) else {
            return;
        };
        if let Some(node) = l.node.as_ref().and_then(|n| self.nodes.get_mut(n)) {
            if node.link == Some(link) {
                node.link = None;
                // Redis sets ping_sent when a connect fails at once, so that failure
                // detection also works for a node we never reached.
                if !l.connected && node.ping_sent == 0 {
                    node.ping_sent = now;
                }
            }
            if node.inbound_link == Some(link) {
                node.inbound_link = None;
            }
        }
    }

    /// A frame that could not be decoded arrived on a link: counted and ignored, as
    /// `clusterProcessPacket` does with a bad length or version.
    pub fn bad_message(&mut self, now: u64, link: LinkId, why: &str) {
        self.now = now;
        self.log(
            LogLevel::Warning,
            format!("Ignoring invalid cluster bus message on link {link}: {why}"),
        );
    }

    /// The nodes.conf text (`clusterSaveConfig`): CLUSTER NODES without handshake nodes,
    /// then the vars line.
    pub fn nodes_conf_text(&self) -> String {
        let mut out = self.nodes_description(true);
        out.push_str(&format!(
            "vars currentEpoch {} lastVoteEpoch {}\n",
            self.current_epoch, self.last_vote_epoch
        ));
        out
    }
}

/// `clusterSetGossipEntry`.
fn gossip_entry(n: &Node) -> codec::GossipEntry {
    codec::GossipEntry {
        name: n.name.clone(),
        ping_sent: (n.ping_sent / 1000) as u32,
        pong_received: (n.pong_received / 1000) as u32,
        ip: n.ip.clone(),
        port: n.port,
        cport: n.cport,
        flags: n.flags,
        pport: n.pport,
    }
}

/// Whether a header has the given mflags bit.
pub fn has_mflag(h: &Header, bit: u8) -> bool {
    h.mflags[0] & bit != 0
}

#[cfg(test)]
mod tests;

impl ClusterCore {
    /// Messages of a type received so far (CLUSTER INFO's counters).
    pub fn messages_received(&self, kind: u16) -> u64 {
        self.stats_received.get(kind as usize).copied().unwrap_or(0)
    }

    /// Messages of a type sent so far.
    pub fn messages_sent(&self, kind: u16) -> u64 {
        self.stats_sent.get(kind as usize).copied().unwrap_or(0)
    }
}

impl ClusterCore {
    /// `clusterPropagatePublish`: a PUBLISH goes to every node; a sharded one (SPUBLISH)
    /// only to the other nodes of my shard (my master and its replicas).
    pub fn publish(&mut self, now: u64, channel: &[u8], message: &[u8], shard: bool) {
        self.now = now;
        let (channel, message) = (channel.to_vec(), message.to_vec());
        if !shard {
            self.broadcast(Body::Publish { channel, message });
            return;
        }
        let master = self.my_shard_id();
        let links: Vec<LinkId> = self
            .nodes
            .values()
            .filter(|n| !n.is_myself() && !n.in_handshake())
            .filter(|n| n.name == master || n.slaveof.as_deref() == Some(master.as_str()))
            .filter_map(|n| n.link)
            .collect();
        for link in links {
            self.send(
                link,
                Body::PublishShard {
                    channel: channel.clone(),
                    message: message.clone(),
                },
            );
        }
    }
}
