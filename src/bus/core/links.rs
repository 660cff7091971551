//! Link events from the host: accepted and connected links (the MEET or PING sent on
//! connect, `clusterLinkConnectHandler`), closed links, undecodable frames, and the
//! nodes.conf text.

use super::*;

impl ClusterCore {
    /// A connection was accepted on the bus port. `peer_ip` is the remote address,
    /// `local_ip` ours on this connection.
    pub fn accept_link(&mut self, now: u64, peer_ip: &str, local_ip: &str) -> LinkId {
        self.now = now;
        let id = self.new_link_id();
        self.links.insert(
            id,
            Link {
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

    /// The driver freed a link whose send queue passed `cluster-link-sendbuf-limit`:
    /// counted for CLUSTER INFO (`total_cluster_links_buffer_limit_exceeded`), then
    /// handled as any closed link (the cron connects again).
    pub fn link_over_sendbuf_limit(&mut self, now: u64, link: LinkId) {
        if self.links.contains_key(&link) {
            self.counters.links_buffer_limit_exceeded += 1;
        }
        self.link_closed(now, link);
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
            self.epochs.current, self.epochs.last_vote
        ));
        out
    }
}
