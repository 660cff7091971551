//! Timers: the 100 ms cron (`clusterCron`) — handshake timeouts, reconnections, the
//! once-a-second random PING, PINGs to nodes not heard of for half the node timeout,
//! PFAIL detection — and the cluster state (`clusterUpdateState`).

use super::*;

/// What the cron does to one node.
struct NodeDue {
    /// Its outbound link is idle past the timeout: free it (the next cron reconnects).
    free: Option<LinkId>,
    /// PING it on this link: no PONG for half the timeout.
    ping: Option<LinkId>,
    /// No answer for the whole timeout: flag it PFAIL.
    pfail: bool,
}

impl ClusterCore {
    /// The cron; the host calls it every 100 ms.
    pub fn tick(&mut self, now: u64) {
        self.now = now;
        self.iteration += 1;
        // Roles change in many places; the flag follows within a tick, as Redis's
        // before-sleep update.
        self.update_myself_flags();
        let nt = self.cfg.node_timeout_ms;
        let handshake_timeout = rules::handshake_timeout(nt);
        self.blacklist.retain(|_, until| *until > now);

        // Reconnections and handshake timeouts. The table is walked without cloning it:
        // at 1000 nodes the cron runs 10 times a second on every node.
        self.counters.pfail_nodes = 0;
        let mut timed_out = Vec::new();
        let mut connect = Vec::new();
        for node in self.nodes.values() {
            if node.has(flags::MYSELF | flags::NOADDR) {
                continue;
            }
            if node.timed_out() {
                self.counters.pfail_nodes += 1;
            }
            if node.in_handshake() && now.saturating_sub(node.ctime) > handshake_timeout {
                timed_out.push((node.name.clone(), node.ip.clone(), node.port));
            } else if node.link.is_none() {
                connect.push((node.name.clone(), node.ip.clone(), node.cport));
            }
        }
        for (name, ip, port) in timed_out {
            self.log(
                LogLevel::Verbose,
                format!("Handshake with {ip}:{port} timed out"),
            );
            self.del_node(&name);
        }
        for (name, ip, cport) in connect {
            let id = self.new_link_id();
            self.links.insert(
                id,
                Link {
                    node: Some(name.clone()),
                    inbound: false,
                    ctime: now,
                    connected: false,
                    peer_ip: ip.clone(),
                    local_ip: String::new(),
                },
            );
            if let Some(node) = self.nodes.get_mut(&name) {
                node.link = Some(id);
            }
            self.effects.push(Effect::Connect {
                link: id,
                ip,
                cport,
            });
        }

        // Once a second, PING the node with the oldest PONG among five random ones.
        if self.iteration.is_multiple_of(10) {
            let nodes: Vec<&Node> = self.nodes.values().collect();
            let mut best: Option<(u64, LinkId)> = None;
            for _ in 0..5 {
                let node = nodes[self.rng.gen_range(0..nodes.len())];
                let Some(link) = node.link else { continue };
                if node.ping_sent != 0 || node.has(flags::MYSELF | flags::HANDSHAKE) {
                    continue;
                }
                if best.is_none_or(|(pong, _)| pong > node.pong_received) {
                    best = Some((node.pong_received, link));
                }
            }
            if let Some((_, link)) = best {
                self.send_ping(link, types::PING, now);
            }
        }

        // What each node needs is decided from the table as it is, then done in name
        // order: what is done to one node does not change what another one needs.
        let mut todo: Vec<(NodeId, NodeDue)> = Vec::new();
        for node in self.nodes.values() {
            if node.has(flags::MYSELF | flags::NOADDR | flags::HANDSHAKE) {
                continue;
            }
            let ping_delay = now.saturating_sub(node.ping_sent);
            let data_delay = now.saturating_sub(node.data_received);
            // A link with no traffic at all for half the timeout is re-created.
            let mut link = node.link;
            let mut free = None;
            if let Some(l) = link {
                let link_age = self
                    .links
                    .get(&l)
                    .map_or(0, |l| now.saturating_sub(l.ctime));
                if link_age > nt
                    && node.ping_sent != 0
                    && ping_delay > nt / 2
                    && data_delay > nt / 2
                {
                    free = Some(l);
                    link = None;
                }
            }
            let mut due = NodeDue {
                free,
                ping: None,
                pfail: false,
            };
            if let Some(l) = link {
                if node.ping_sent == 0 && now.saturating_sub(node.pong_received) > nt / 2 {
                    due.ping = Some(l);
                }
            }
            if due.ping.is_none() && node.ping_sent != 0 {
                let delay = ping_delay.min(data_delay);
                due.pfail = delay > nt && !node.has(flags::PFAIL | flags::FAIL);
            }
            if due.free.is_some() || due.ping.is_some() || due.pfail {
                todo.push((node.name.clone(), due));
            }
        }
        let mut update_state = false;
        for (name, due) in todo {
            if let Some(link) = due.free {
                self.free_link(link);
            }
            if let Some(link) = due.ping {
                self.send_ping(link, types::PING, now);
            }
            if due.pfail {
                self.log(LogLevel::Debug, format!("*** NODE {name} possibly failing"));
                if let Some(node) = self.nodes.get_mut(&name) {
                    node.flags |= flags::PFAIL;
                }
                update_state = true;
            }
        }

        self.manual_failover_cron(now);
        if self.me().is_replica() {
            self.handle_replica_failover(now);
            self.replica_migration_cron(now);
        }

        if update_state || !self.health.ok {
            self.update_state(now);
        }
    }

    /// `clusterUpdateState`: ok when every slot is served by a non-FAIL master (with
    /// full coverage required) and a majority of the slot-serving masters is reachable.
    pub(super) fn update_state(&mut self, now: u64) {
        self.deferred.update_state = false;
        let first = *self.health.first_call.get_or_insert(now);
        if self.me().is_master()
            && !self.health.ok
            && now.saturating_sub(first) < rules::WRITABLE_DELAY_MS
        {
            return;
        }
        let mut ok = true;
        if self.cfg.require_full_coverage {
            // Every slot served by a node not in FAIL. Owners and the nodes' slot sets
            // are kept in step, so a union over the nodes is enough (and much cheaper
            // than looking up 16384 owners while holding the core).
            let mut served = SlotSet::new();
            for n in self.nodes.values().filter(|n| !n.failed()) {
                served.union_with(&n.slots);
            }
            ok = served.len() == SLOT_COUNT as usize;
        }
        let mut size = 0;
        let mut reachable = 0;
        for n in self.nodes.values() {
            if n.is_master() && !n.slots.is_empty() {
                size += 1;
                if !n.has(flags::FAIL | flags::PFAIL) {
                    reachable += 1;
                }
            }
        }
        self.health.size = size;
        if reachable < rules::quorum(size) {
            ok = false;
            self.health.among_minority_time = now;
        }
        if ok != self.health.ok {
            if ok
                && self.me().is_master()
                && now.saturating_sub(self.health.among_minority_time)
                    < rules::rejoin_delay(self.cfg.node_timeout_ms)
            {
                return;
            }
            self.log(
                LogLevel::Warning,
                format!("Cluster state changed: {}", if ok { "ok" } else { "fail" }),
            );
            self.health.ok = ok;
        }
    }
}
