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

pub(crate) mod commands;
mod cron;
pub mod failover;
mod links;
mod migration;
#[cfg(test)]
pub use migration::MIGRATION_DELAY_MS;
pub mod node;
mod process;
pub mod queries;
pub mod rules;
mod send;
mod state;
mod table;

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::bus::codec::{self, flags, types, Body, Extension, Header, Message, PingBody};
use crate::model::{ClusterNode, NodeId, SlotSet, SLOT_COUNT};
use state::{Counters, Deferred, Epochs, Health, SlotMap};

pub use commands::{ClusterReply, CmdError, KeyspaceInfo, NoKeys, SetSlot};
pub use node::{FailReport, Link, LinkId, Node};
pub use queries::{decide_route, RouteQuery, SlotRoute};

/// Saves of learned state are coalesced to at most one per this many milliseconds
/// (Redis saves once per event-loop turn, which batches the messages read in it; the
/// host here hands the core one message at a time).
pub const SAVE_COALESCE_MS: u64 = 100;

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
    /// `cluster-migration-barrier`: working replicas a master keeps before one of them
    /// may migrate to an orphaned master.
    pub migration_barrier: u64,
    /// `cluster-preferred-endpoint-type`: what CLUSTER SLOTS/SHARDS and redirects name a
    /// node by.
    pub preferred_endpoint: EndpointType,
}

/// `cluster-preferred-endpoint-type`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EndpointType {
    #[default]
    Ip,
    Hostname,
    /// Clients are expected to reach the node where they already are (`MOVED 1 :6379`).
    UnknownEndpoint,
}

impl EndpointType {
    pub fn from_setting(text: &str) -> EndpointType {
        match text {
            "hostname" => EndpointType::Hostname,
            "unknown-endpoint" => EndpointType::UnknownEndpoint,
            _ => EndpointType::Ip,
        }
    }
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
            migration_barrier: 1,
            preferred_endpoint: EndpointType::Ip,
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
    /// Write nodes.conf ([`ClusterCore::nodes_conf_text`]) atomically. The driver renders
    /// the text when it writes, so a burst of changes costs one rendering.
    SaveConfig {
        fsync: bool,
    },
    /// Slots taken from us by a newer configuration: delete their keys.
    DeleteKeysInSlots(Vec<u16>),
    /// Slots that left the shard this node serves: unsubscribe their shard channels.
    ShardChannelsLeft(Vec<u16>),
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
    myself: NodeId,
    nodes: BTreeMap<NodeId, Node>,
    links: BTreeMap<LinkId, Link>,
    next_link: LinkId,
    slots: SlotMap,
    epochs: Epochs,
    health: Health,
    /// Nodes FORGET removed, and until when gossip may not add them back.
    blacklist: BTreeMap<NodeId, u64>,
    effects: Vec<Effect>,
    deferred: Deferred,
    counters: Counters,
    /// `DEBUG DROP-CLUSTER-PACKET-FILTER`: received messages of this type are ignored.
    drop_packet_filter: Option<u16>,
    /// Cron ticks so far: some work runs every tenth tick.
    iteration: u64,
    repl_offset: u64,
    failover: failover::FailoverState,
    /// When data last came from our master (replicas; host-reported).
    master_last_io: Option<u64>,
    /// Last time seen by any input: some effects need a time without being passed one.
    now: u64,
}

fn random_name(rng: &mut StdRng) -> NodeId {
    NodeId::random(|| rng.gen_range(0..16usize) as u8)
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
            slots: SlotMap::default(),
            epochs: Epochs::default(),
            health: Health::default(),
            blacklist: BTreeMap::new(),
            effects: Vec::new(),
            deferred: Deferred::default(),
            counters: Counters::default(),
            drop_packet_filter: None,
            iteration: 0,
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
            if core.nodes.contains_key(n.id.as_str()) {
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
                if core.nodes.contains_key(open.peer.as_str()) {
                    core.slots.migrating_to.insert(open.slot, open.peer.clone());
                }
            }
            for open in &n.importing {
                if core.nodes.contains_key(open.peer.as_str()) {
                    core.slots
                        .importing_from
                        .insert(open.slot, open.peer.clone());
                }
            }
        }
        for n in nodes {
            if let Some(m) = &n.master_id {
                if !core.nodes.contains_key(m.as_str()) {
                    return Err(format!("node {} replicates unknown node {m}", n.id));
                }
            }
        }
        core.epochs.current = current_epoch.max(core.max_config_epoch());
        core.epochs.last_vote = last_vote_epoch;
        core.me_mut().flags |= flags::MYSELF;
        core.announce_myself();
        core.effects.clear();
        core.log(
            LogLevel::Notice,
            format!("Node configuration loaded, I'm {}", core.myself),
        );
        // A replica resumes replicating its master (Redis does it from the cron).
        let master = core
            .me()
            .slaveof
            .as_ref()
            .filter(|_| core.me().is_replica())
            .and_then(|m| core.nodes.get(m))
            .map(|m| (m.ip.clone(), m.port));
        if let Some(addr) = master {
            core.effects.push(Effect::ReplicateFrom(Some(addr)));
        }
        core.deferred.save = true;
        Ok(core)
    }

    /// Takes the effects produced since the last call. Pending config saves are
    /// emitted here once, as Redis does in `clusterBeforeSleep`.
    pub fn drain_effects(&mut self) -> Vec<Effect> {
        if self.deferred.update_state {
            self.deferred.update_state = false;
            self.update_state(self.now);
        }
        let soon_due =
            self.deferred.save_soon && self.now >= self.deferred.last_save + SAVE_COALESCE_MS;
        if self.deferred.save || soon_due {
            self.deferred.save = false;
            self.deferred.save_soon = false;
            self.deferred.last_save = self.now;
            let fsync = std::mem::take(&mut self.deferred.fsync);
            self.effects.push(Effect::SaveConfig { fsync });
        }
        std::mem::take(&mut self.effects)
    }

    pub fn myself(&self) -> &str {
        &self.myself
    }

    pub fn config(&self) -> &CoreConfig {
        &self.cfg
    }

    /// Takes new settings at run time (CONFIG SET): timeouts and failover rules apply
    /// from the next tick, announced ports and names from the next message, which
    /// makes peers update our address; nodes.conf is saved with them.
    pub fn reconfigure(&mut self, cfg: CoreConfig) {
        self.cfg = cfg;
        self.announce_myself();
        self.save();
    }

    /// Our own node takes the announced ports, IP and hostname of the settings.
    fn announce_myself(&mut self) {
        let cfg = self.cfg.clone();
        let me = self.me_mut();
        me.port = cfg.port;
        me.cport = cfg.cport;
        me.pport = cfg.pport;
        if let Some(ip) = cfg.announce_ip {
            me.ip = ip;
        }
        me.hostname = cfg.hostname;
        self.update_myself_flags();
    }

    /// `clusterUpdateMyselfFlags`: a replica with `cluster-replica-no-failover` carries
    /// NOFAILOVER, which its pings tell the others (a master never does).
    pub(super) fn update_myself_flags(&mut self) {
        let no_failover = self.cfg.replica_no_failover;
        let me = self.me_mut();
        if no_failover && me.is_replica() {
            me.flags |= flags::NOFAILOVER;
        } else {
            me.flags &= !flags::NOFAILOVER;
        }
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.get(name)
    }

    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.values()
    }

    pub fn current_epoch(&self) -> u64 {
        self.epochs.current
    }

    pub fn last_vote_epoch(&self) -> u64 {
        self.epochs.last_vote
    }

    pub fn state_ok(&self) -> bool {
        self.health.ok
    }

    /// Slot owner (`server.cluster->slots[slot]`).
    pub fn slot_owner(&self, slot: u16) -> Option<&str> {
        self.slots.owner.get(slot as usize)?.as_deref()
    }

    pub fn migrating_to(&self, slot: u16) -> Option<&str> {
        self.slots.migrating_to.get(&slot).map(NodeId::as_str)
    }

    pub fn importing_from(&self, slot: u16) -> Option<&str> {
        self.slots.importing_from.get(&slot).map(NodeId::as_str)
    }

    /// Our replication offset, sent in every header.
    pub fn set_repl_offset(&mut self, offset: u64) {
        self.repl_offset = offset;
    }

    pub fn repl_offset(&self) -> u64 {
        self.repl_offset
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
        self.deferred.save = true;
    }

    fn save_fsync(&mut self) {
        self.deferred.save = true;
        self.deferred.fsync = true;
    }

    /// A save for what other nodes told us (their epochs, roles, flags, slots, addresses):
    /// lost in a crash, it is told again, so it waits for the next coalesced save. What
    /// this node decides itself (votes, its own epoch and role, commands) saves at once.
    fn save_learned(&mut self, fsync: bool) {
        self.deferred.save_soon = true;
        self.deferred.fsync |= fsync;
    }

    fn update_state_later(&mut self) {
        self.deferred.update_state = true;
    }

    fn new_link_id(&mut self) -> LinkId {
        let id = self.next_link;
        self.next_link += 1;
        id
    }

    /// A random 40-hex-character name (handshake nodes, RESET HARD).
    fn random_name(&mut self) -> NodeId {
        random_name(&mut self.rng)
    }
}

#[cfg(test)]
mod tests;

impl ClusterCore {
    /// Messages of a type received so far (CLUSTER INFO's counters).
    pub fn messages_received(&self, kind: u16) -> u64 {
        self.counters
            .received
            .get(kind as usize)
            .copied()
            .unwrap_or(0)
    }

    /// `DEBUG DROP-CLUSTER-PACKET-FILTER <type>`: ignore received messages of `kind`
    /// from now on (`None`, or -1 on the command line: none).
    pub fn set_drop_packet_filter(&mut self, kind: Option<u16>) {
        self.drop_packet_filter = kind;
    }

    /// Messages of a type sent so far.
    pub fn messages_sent(&self, kind: u16) -> u64 {
        self.counters.sent.get(kind as usize).copied().unwrap_or(0)
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
