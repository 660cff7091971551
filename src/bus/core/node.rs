//! What the core knows of each node and each link (`clusterNode` and `clusterLink` in
//! Redis), and the conversion to the shared model for CLUSTER NODES and nodes.conf.

use crate::bus::codec::flags;
use crate::model::{BusAddr, ClusterNode, NodeFlags, NodeId, SlotSet};

/// Identifies one TCP connection on the bus. The core allocates them: for outbound links
/// in a `Connect` effect, for inbound ones in [`super::ClusterCore::accept_link`].
pub type LinkId = u64;

/// A failure report: `from` (a master) said the node was PFAIL or FAIL at `time`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailReport {
    pub from: NodeId,
    pub time: u64,
}

/// One known node, myself included.
#[derive(Clone, Debug)]
pub struct Node {
    pub name: NodeId,
    pub ip: String,
    pub port: u16,
    pub cport: u16,
    pub pport: u16,
    pub hostname: Option<String>,
    /// Wire flags ([`flags`]), MYSELF included for our own node.
    pub flags: u16,
    pub config_epoch: u64,
    pub slots: SlotSet,
    pub slaveof: Option<NodeId>,
    /// Milliseconds; 0 when no PING is pending.
    pub ping_sent: u64,
    pub pong_received: u64,
    pub data_received: u64,
    pub fail_time: u64,
    /// When the node was created (handshake timeout).
    pub ctime: u64,
    pub link: Option<LinkId>,
    pub inbound_link: Option<LinkId>,
    pub fail_reports: Vec<FailReport>,
    pub repl_offset: u64,
    /// When I last voted for a replica of this master.
    pub voted_time: u64,
    /// When this master was last seen orphaned (serving, once replicated, now without a
    /// working replica); 0 when it is not.
    pub orphaned_since: u64,
}

impl Node {
    pub fn new(name: NodeId, node_flags: u16, now: u64) -> Node {
        Node {
            name,
            ip: String::new(),
            port: 0,
            cport: 0,
            pport: 0,
            hostname: None,
            flags: node_flags,
            config_epoch: 0,
            slots: SlotSet::new(),
            slaveof: None,
            ping_sent: 0,
            pong_received: 0,
            data_received: 0,
            fail_time: 0,
            ctime: now,
            link: None,
            inbound_link: None,
            fail_reports: Vec::new(),
            repl_offset: 0,
            voted_time: 0,
            orphaned_since: 0,
        }
    }

    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
    pub fn is_master(&self) -> bool {
        self.has(flags::MASTER)
    }
    pub fn is_replica(&self) -> bool {
        self.has(flags::SLAVE)
    }
    pub fn in_handshake(&self) -> bool {
        self.has(flags::HANDSHAKE)
    }
    pub fn is_myself(&self) -> bool {
        self.has(flags::MYSELF)
    }
    /// Drops the failure reports older than `validity` ms and counts the rest
    /// (`clusterNodeCleanupFailureReports`).
    pub fn live_fail_reports(&mut self, now: u64, validity: u64) -> usize {
        self.fail_reports
            .retain(|r| now.saturating_sub(r.time) <= validity);
        self.fail_reports.len()
    }
    /// `nodeFailed`.
    pub fn failed(&self) -> bool {
        self.has(flags::FAIL)
    }
    /// `nodeTimedOut`.
    pub fn timed_out(&self) -> bool {
        self.has(flags::PFAIL)
    }

    /// The node as CLUSTER NODES prints it. `master_epoch` is the master's config epoch
    /// for a replica (Redis prints that instead of the replica's own).
    pub fn to_model(&self, master_epoch: Option<u64>) -> ClusterNode {
        ClusterNode {
            id: self.name.clone(),
            addr: BusAddr {
                ip: self.ip.clone(),
                port: self.port,
                cport: self.cport,
                hostname: self.hostname.clone(),
            },
            flags: model_flags(self.flags),
            master_id: self.slaveof.clone(),
            ping_sent: self.ping_sent,
            pong_recv: self.pong_received,
            config_epoch: master_epoch.unwrap_or(self.config_epoch),
            connected: self.link.is_some() || self.is_myself(),
            slots: self.slots.clone(),
            migrating: Vec::new(),
            importing: Vec::new(),
        }
    }
}

/// Wire flags to the model's flag set.
pub fn model_flags(f: u16) -> NodeFlags {
    NodeFlags {
        myself: f & flags::MYSELF != 0,
        master: f & flags::MASTER != 0,
        replica: f & flags::SLAVE != 0,
        pfail: f & flags::PFAIL != 0,
        fail: f & flags::FAIL != 0,
        handshake: f & flags::HANDSHAKE != 0,
        noaddr: f & flags::NOADDR != 0,
        nofailover: f & flags::NOFAILOVER != 0,
    }
}

/// The model's flag set to wire flags (for nodes.conf).
pub fn wire_flags(f: &NodeFlags) -> u16 {
    let mut out = 0;
    for (set, bit) in [
        (f.myself, flags::MYSELF),
        (f.master, flags::MASTER),
        (f.replica, flags::SLAVE),
        (f.pfail, flags::PFAIL),
        (f.fail, flags::FAIL),
        (f.handshake, flags::HANDSHAKE),
        (f.noaddr, flags::NOADDR),
        (f.nofailover, flags::NOFAILOVER),
    ] {
        if set {
            out |= bit;
        }
    }
    out
}

/// One bus connection as the core sees it.
#[derive(Clone, Debug)]
pub struct Link {
    /// The node at the other end: always known for outbound links; for inbound ones,
    /// set once a message from a known sender arrives.
    pub node: Option<NodeId>,
    pub inbound: bool,
    pub ctime: u64,
    /// Outbound: the TCP connect finished.
    pub connected: bool,
    /// Address of the peer (inbound links; used when the sender announces no IP).
    pub peer_ip: String,
    /// Our own address on this connection (learned from MEETs).
    pub local_ip: String,
}
