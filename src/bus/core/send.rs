//! Outgoing messages: the header every message carries (`clusterBuildMessageHdr`), PING,
//! PONG and MEET with their gossip section (`clusterSendPing`), and broadcasts.

use super::*;

impl ClusterCore {
    /// `clusterBuildMessageHdr`.
    pub(super) fn build_header(&self) -> Header {
        let me = self.me();
        let master = match (&me.slaveof, me.is_replica()) {
            (Some(m), true) => self.nodes.get(m).unwrap_or(me),
            _ => me,
        };
        let mut h = Header::new(self.myself.clone());
        h.port = self.cfg.port;
        h.cport = self.cfg.cport;
        h.pport = self.cfg.pport;
        h.current_epoch = self.epochs.current;
        h.config_epoch = master.config_epoch;
        h.offset = self.repl_offset;
        h.slots = master.slots.clone();
        h.slaveof = me.slaveof.clone();
        h.myip = self.cfg.announce_ip.clone().unwrap_or_default();
        h.flags = me.flags;
        h.state = if self.health.ok { 0 } else { 1 };
        if me.is_master() && self.failover.mf_end != 0 && self.failover.mf_paused {
            h.mflags[0] |= codec::mflags::PAUSED;
        }
        h
    }

    pub(super) fn send(&mut self, link: LinkId, body: Body) {
        let header = self.build_header();
        self.send_with(link, header, body);
    }

    fn send_with(&mut self, link: LinkId, header: Header, body: Body) {
        let kind = body.kind();
        if (kind as usize) < self.counters.sent.len() {
            self.counters.sent[kind as usize] += 1;
        }
        let msg = Message { header, body };
        self.effects.push(Effect::Send { link, msg });
    }

    /// `clusterBroadcastMessage`: every node with an outbound link, not in handshake.
    pub(super) fn broadcast(&mut self, body: Body) {
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
    pub(super) fn send_ping(&mut self, link: LinkId, kind: u16, now: u64) {
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
        // Random picks from the table without copying it (a PING goes out several hundred
        // times a second per node at 1000 nodes); `picked` keeps one entry per node.
        let nodes: Vec<&Node> = self.nodes.values().collect();
        let mut picked: Vec<usize> = Vec::with_capacity(wanted);
        let mut gossip = Vec::with_capacity(wanted + self.counters.pfail_nodes);
        let mut iterations = wanted * 3;
        while fresh > 0 && gossip.len() < wanted && iterations > 0 {
            iterations -= 1;
            let index = self.rng.gen_range(0..nodes.len());
            let node = nodes[index];
            if node.is_myself() || node.timed_out() {
                continue;
            }
            if node.has(flags::HANDSHAKE | flags::NOADDR)
                || (node.link.is_none() && node.slots.is_empty())
            {
                fresh -= 1;
                continue;
            }
            if picked.contains(&index) {
                continue;
            }
            picked.push(index);
            gossip.push(gossip_entry(node));
            fresh -= 1;
        }
        let mut pfail_wanted = self.counters.pfail_nodes;
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
        let mut header = self.build_header();
        // We understand extensions even with none to send: Redis and Valkey send theirs
        // (hostname, human nodename, shard id, forgotten nodes) only to peers whose pings
        // carry this flag.
        header.mflags[0] |= crate::bus::codec::mflags::EXT_DATA;
        self.send_with(link, header, body);
    }

    /// `clusterBroadcastPong(CLUSTER_BROADCAST_ALL)`.
    pub(super) fn broadcast_pong(&mut self, now: u64) {
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
