//! Read-only views of the core: CLUSTER NODES/INFO/SLOTS/SHARDS/LINKS/REPLICAS in Redis
//! 7.0's formats, and slot routing for MOVED/ASK (`getNodeByQuery`).

use super::*;
use crate::model::{Addr, OpenSlot};

/// Where a slot is served, from this node's point of view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotRoute {
    /// I own the slot.
    Mine,
    /// I own it and am migrating it to `to` (missing keys are asked there).
    MineMigrating { to: Addr },
    /// Another node owns it (or nobody does) and I am importing it from `from`: served
    /// here for clients that sent ASKING. `owner` is the current owner for the MOVED.
    Importing {
        from: String,
        owner: Option<SlotRouteOwner>,
    },
    /// Another node owns it.
    Moved(SlotRouteOwner),
    /// Nobody owns it: `-CLUSTERDOWN Hash slot not served`.
    Unassigned,
}

/// The node serving a slot: its address, and whether it is my master (replicas serve
/// reads for READONLY clients).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRouteOwner {
    pub addr: Addr,
    pub is_my_master: bool,
}

/// What a client command touching one slot is, for [`decide_route`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RouteQuery {
    /// The client sent ASKING (or the command has the ASKING flag).
    pub asking: bool,
    /// The client sent READONLY.
    pub readonly: bool,
    pub is_write: bool,
    /// The cluster state is ok.
    pub cluster_ok: bool,
    /// Keys of the command, and how many of them do not exist here (only looked at for
    /// a migrating or importing slot).
    pub keys: usize,
    pub missing_keys: usize,
}

/// `getNodeByQuery` + `clusterRedirectClient` for a command whose keys all hash to
/// `slot`: `Ok(())` to execute it here, or the error line to reply (without the `-`).
pub fn decide_route(slot: u16, route: &SlotRoute, q: RouteQuery) -> Result<(), String> {
    if let SlotRoute::Unassigned = route {
        return Err("CLUSTERDOWN Hash slot not served".into());
    }
    if !q.cluster_ok {
        return Err("CLUSTERDOWN The cluster is down".into());
    }
    let existing = q.keys.saturating_sub(q.missing_keys);
    match route {
        SlotRoute::Mine => Ok(()),
        SlotRoute::MineMigrating { to } => {
            if q.missing_keys == 0 {
                Ok(())
            } else if existing > 0 {
                Err("TRYAGAIN Multiple keys request during rehashing of slot".into())
            } else {
                Err(format!("ASK {slot} {to}"))
            }
        }
        SlotRoute::Importing { owner, .. } => {
            if q.asking {
                if q.keys > 1 && q.missing_keys > 0 {
                    Err("TRYAGAIN Multiple keys request during rehashing of slot".into())
                } else {
                    Ok(())
                }
            } else {
                match owner {
                    Some(o) if q.readonly && !q.is_write && o.is_my_master => Ok(()),
                    Some(o) => Err(format!("MOVED {slot} {}", o.addr)),
                    None => Err("CLUSTERDOWN Hash slot not served".into()),
                }
            }
        }
        SlotRoute::Moved(o) => {
            if q.readonly && !q.is_write && o.is_my_master {
                Ok(())
            } else {
                Err(format!("MOVED {slot} {}", o.addr))
            }
        }
        SlotRoute::Unassigned => unreachable!("handled above"),
    }
}

impl ClusterCore {
    fn owner_of(&self, slot: u16) -> Option<SlotRouteOwner> {
        let owner = self.slots.owner[slot as usize].as_ref()?;
        let n = self.nodes.get(owner)?;
        Some(SlotRouteOwner {
            addr: self.redirect_addr(n),
            is_my_master: self.me().is_replica() && self.me().slaveof.as_deref() == Some(owner),
        })
    }

    /// Slots I own with no migration open: [`SlotRoute::Mine`] for all of them.
    pub fn stable_slots(&self) -> SlotSet {
        let mut slots = self.me().slots.clone();
        for slot in self.slots.migrating_to.keys() {
            slots.remove(*slot);
        }
        slots
    }

    /// Where `slot` is served.
    pub fn route(&self, slot: u16) -> SlotRoute {
        let slot = slot % SLOT_COUNT;
        let mine = self.slots.owner[slot as usize].as_deref() == Some(self.myself.as_str());
        if mine {
            if let Some(to) = self
                .slots
                .migrating_to
                .get(&slot)
                .and_then(|n| self.nodes.get(n))
            {
                return SlotRoute::MineMigrating {
                    to: self.redirect_addr(to),
                };
            }
            return SlotRoute::Mine;
        }
        if let Some(from) = self.slots.importing_from.get(&slot) {
            return SlotRoute::Importing {
                from: from.to_string(),
                owner: self.owner_of(slot),
            };
        }
        match self.owner_of(slot) {
            Some(o) => SlotRoute::Moved(o),
            None => SlotRoute::Unassigned,
        }
    }

    /// One CLUSTER NODES line per node (`clusterGenNodesDescription`); handshake nodes
    /// are left out for nodes.conf.
    pub(super) fn nodes_description(&self, skip_handshake: bool) -> String {
        let mut out = String::new();
        for n in self.nodes.values() {
            if skip_handshake && n.in_handshake() {
                continue;
            }
            out.push_str(&self.describe(n).to_string());
            out.push('\n');
        }
        out
    }

    fn describe(&self, n: &Node) -> ClusterNode {
        let master_epoch = if n.is_replica() {
            n.slaveof
                .as_ref()
                .and_then(|m| self.nodes.get(m))
                .map(|m| m.config_epoch)
        } else {
            None
        };
        let mut model = n.to_model(master_epoch);
        if n.is_myself() {
            // Redis lists a slot either as migrating or importing, in slot order.
            let open: std::collections::BTreeSet<u16> = self
                .slots
                .migrating_to
                .keys()
                .chain(self.slots.importing_from.keys())
                .copied()
                .collect();
            for slot in open {
                if let Some(to) = self.slots.migrating_to.get(&slot) {
                    model.migrating.push(OpenSlot {
                        slot,
                        peer: to.clone(),
                    });
                } else if let Some(from) = self.slots.importing_from.get(&slot) {
                    model.importing.push(OpenSlot {
                        slot,
                        peer: from.clone(),
                    });
                }
            }
        }
        model
    }

    /// CLUSTER NODES. Redis lists nodes in hash-table order; we list them by name.
    pub fn nodes_text(&self) -> String {
        self.nodes_description(false)
    }

    /// The nodes as the shared model describes them (myself flagged).
    pub fn cluster_nodes(&self) -> Vec<ClusterNode> {
        self.nodes.values().map(|n| self.describe(n)).collect()
    }

    /// CLUSTER REPLICAS lines for a master.
    pub fn replicas_lines(&self, name: &str) -> Result<Vec<String>, CmdError> {
        let Some(n) = self.nodes.get(name) else {
            return Err(CmdError(format!("ERR Unknown node {name}")));
        };
        if n.is_replica() {
            return Err(CmdError("ERR The specified node is not a master".into()));
        }
        Ok(self
            .replicas_of(name)
            .into_iter()
            .map(|r| self.describe(r).to_string())
            .collect())
    }

    /// The shard id CLUSTER MYSHARDID reports. Redis 7.0 has no shard ids; we use the
    /// name of the shard's master, which all members agree on.
    pub fn my_shard_id(&self) -> String {
        let me = self.me();
        match (&me.slaveof, me.is_replica()) {
            (Some(m), true) => m.to_string(),
            _ => self.myself.to_string(),
        }
    }

    /// Counts for CLUSTER INFO: (assigned, ok, pfail, fail).
    fn slot_counts(&self) -> (usize, usize, usize, usize) {
        let (mut assigned, mut ok, mut pfail, mut fail) = (0, 0, 0, 0);
        for n in self.nodes.values() {
            let count = n.slots.len();
            assigned += count;
            if n.failed() {
                fail += count;
            } else if n.timed_out() {
                pfail += count;
            } else {
                ok += count;
            }
        }
        (assigned, ok, pfail, fail)
    }

    /// CLUSTER INFO, `\r\n` line ends, fields in Redis's order.
    pub fn info_text(&self) -> String {
        let (assigned, ok, pfail, fail) = self.slot_counts();
        let me = self.me();
        let my_epoch = match (&me.slaveof, me.is_replica()) {
            (Some(m), true) => self.nodes.get(m).map_or(0, |m| m.config_epoch),
            _ => me.config_epoch,
        };
        let mut out = format!(
            "cluster_state:{}\r\ncluster_slots_assigned:{assigned}\r\ncluster_slots_ok:{ok}\r\n\
             cluster_slots_pfail:{pfail}\r\ncluster_slots_fail:{fail}\r\ncluster_known_nodes:{}\r\n\
             cluster_size:{}\r\ncluster_current_epoch:{}\r\ncluster_my_epoch:{my_epoch}\r\n",
            if self.health.ok { "ok" } else { "fail" },
            self.nodes.len(),
            self.health.size,
            self.epochs.current,
        );
        for (dir, stats) in [
            ("sent", &self.counters.sent),
            ("received", &self.counters.received),
        ] {
            let mut total = 0;
            for (kind, count) in stats.iter().enumerate() {
                if *count == 0 {
                    continue;
                }
                total += count;
                out.push_str(&format!(
                    "cluster_stats_messages_{}_{dir}:{count}\r\n",
                    types::name(kind as u16)
                ));
            }
            out.push_str(&format!("cluster_stats_messages_{dir}:{total}\r\n"));
        }
        out.push_str(&format!(
            "total_cluster_links_buffer_limit_exceeded:{}\r\n",
            self.counters.links_buffer_limit_exceeded
        ));
        out
    }

    /// How clients are told to reach `n` (`cluster-preferred-endpoint-type`): its IP, its
    /// hostname (`?` when it announced none), or `None` for unknown-endpoint.
    fn preferred_endpoint(&self, n: &Node) -> Option<String> {
        match self.cfg.preferred_endpoint {
            EndpointType::Ip => Some(n.ip.clone()),
            EndpointType::Hostname => Some(n.hostname.clone().unwrap_or_else(|| "?".into())),
            EndpointType::UnknownEndpoint => None,
        }
    }

    /// The address in a redirect: the preferred endpoint, empty for unknown-endpoint
    /// (`MOVED 1 :6379`: the client keeps the host it used).
    fn redirect_addr(&self, n: &Node) -> Addr {
        Addr::new(self.preferred_endpoint(n).unwrap_or_default(), n.port)
    }

    /// A node in CLUSTER SLOTS: the preferred endpoint, port, id, then a map of the
    /// networking facts the endpoint did not give (the IP first, then the hostname).
    fn node_endpoint(&self, n: &Node) -> ClusterReply {
        let preferred = self.cfg.preferred_endpoint;
        let mut extra = Vec::new();
        if preferred != EndpointType::Ip {
            extra.push(("ip".to_string(), ClusterReply::bulk(n.ip.clone())));
        }
        if let Some(h) = n
            .hostname
            .as_ref()
            .filter(|_| preferred != EndpointType::Hostname)
        {
            extra.push(("hostname".to_string(), ClusterReply::bulk(h.clone())));
        }
        ClusterReply::Array(vec![
            self.preferred_endpoint(n)
                .map_or(ClusterReply::Null, ClusterReply::bulk),
            ClusterReply::Int(n.port as i64),
            ClusterReply::bulk(n.name.clone()),
            ClusterReply::Map(extra),
        ])
    }

    /// Maximal runs of slots with the same owner: (start, end, owner).
    pub fn slot_runs(&self) -> Vec<(u16, u16, NodeId)> {
        let mut runs: Vec<(u16, u16, NodeId)> = Vec::new();
        for slot in 0..SLOT_COUNT {
            let Some(owner) = &self.slots.owner[slot as usize] else {
                continue;
            };
            match runs.last_mut() {
                Some(run) if run.2 == *owner && run.1 + 1 == slot => run.1 = slot,
                _ => runs.push((slot, slot, owner.clone())),
            }
        }
        runs
    }

    /// CLUSTER SLOTS: ranges with the master then the available replicas.
    pub fn slots_reply(&self) -> ClusterReply {
        let mut out = Vec::new();
        for (start, end, owner) in self.slot_runs() {
            let Some(master) = self.nodes.get(&owner) else {
                continue;
            };
            let mut entry = vec![
                ClusterReply::Int(start as i64),
                ClusterReply::Int(end as i64),
                self.node_endpoint(master),
            ];
            for r in self.replicas_of(&owner) {
                // `isReplicaAvailable`: not failed and has replicated something.
                let offset = if r.is_myself() {
                    self.repl_offset
                } else {
                    r.repl_offset
                };
                if !r.failed() && offset != 0 {
                    entry.push(self.node_endpoint(r));
                }
            }
            out.push(ClusterReply::Array(entry));
        }
        ClusterReply::Array(out)
    }

    fn shard_node(&self, n: &Node) -> ClusterReply {
        let offset = if n.is_myself() {
            self.repl_offset
        } else {
            n.repl_offset
        };
        let mut m = vec![
            ("id".to_string(), ClusterReply::bulk(n.name.clone())),
            ("port".to_string(), ClusterReply::Int(n.port as i64)),
            ("ip".to_string(), ClusterReply::bulk(n.ip.clone())),
            (
                "endpoint".to_string(),
                self.preferred_endpoint(n)
                    .map_or(ClusterReply::Null, ClusterReply::bulk),
            ),
        ];
        if n.port == 0 {
            m.remove(1);
        }
        if let Some(h) = &n.hostname {
            m.push(("hostname".to_string(), ClusterReply::bulk(h.clone())));
        }
        let health = if n.failed() {
            "fail"
        } else if n.is_replica() && offset == 0 {
            "loading"
        } else {
            "online"
        };
        m.extend([
            (
                "role".to_string(),
                ClusterReply::bulk(if n.is_replica() { "replica" } else { "master" }),
            ),
            (
                "replication-offset".to_string(),
                ClusterReply::Int(offset as i64),
            ),
            ("health".to_string(), ClusterReply::bulk(health)),
        ]);
        ClusterReply::Map(m)
    }

    /// CLUSTER SHARDS: one entry per master, with its slot pairs and its nodes.
    pub fn shards_reply(&self) -> ClusterReply {
        let mut out = Vec::new();
        for master in self.nodes.values().filter(|n| n.is_master()) {
            let slots = master
                .slots
                .ranges()
                .into_iter()
                .flat_map(|(s, e)| [ClusterReply::Int(s as i64), ClusterReply::Int(e as i64)])
                .collect();
            let mut nodes = vec![self.shard_node(master)];
            nodes.extend(
                self.replicas_of(&master.name)
                    .into_iter()
                    .map(|r| self.shard_node(r)),
            );
            out.push(ClusterReply::Map(vec![
                ("slots".to_string(), ClusterReply::Array(slots)),
                ("nodes".to_string(), ClusterReply::Array(nodes)),
            ]));
        }
        ClusterReply::Array(out)
    }

    /// CLUSTER LINKS: every link bound to a node.
    pub fn links_reply(&self) -> ClusterReply {
        let mut out = Vec::new();
        for n in self.nodes.values() {
            for link in [n.link, n.inbound_link].into_iter().flatten() {
                let Some(l) = self.links.get(&link) else {
                    continue;
                };
                out.push(ClusterReply::Map(vec![
                    (
                        "direction".into(),
                        ClusterReply::bulk(if l.inbound { "from" } else { "to" }),
                    ),
                    ("node".into(), ClusterReply::bulk(n.name.clone())),
                    ("create-time".into(), ClusterReply::Int(l.ctime as i64)),
                    ("events".into(), ClusterReply::bulk("r")),
                    ("send-buffer-allocated".into(), ClusterReply::Int(0)),
                    ("send-buffer-used".into(), ClusterReply::Int(0)),
                ]));
            }
        }
        ClusterReply::Array(out)
    }
}
