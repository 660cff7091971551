//! Incoming messages (`clusterProcessPacket`): epochs, handshake, roles, slot ownership,
//! UPDATE and FAIL messages, and the gossip section (`clusterProcessGossipSection`).

use super::*;

/// One PING, PONG or MEET as it arrived: the link, the message type, its header and body.
#[derive(Clone, Copy)]
struct PingIn<'a> {
    link: LinkId,
    kind: u16,
    h: &'a Header,
    body: &'a PingBody,
}

impl ClusterCore {
    /// `getNodeFromLinkAndMsg`: the known node that sent this message, binding an inbound
    /// link to it on the first message.
    fn sender_of(&mut self, link: LinkId, sender: &NodeId) -> Option<NodeId> {
        let l = self.links.get(&link)?;
        if let Some(n) = &l.node {
            if self.nodes.get(n).is_some_and(|n| !n.in_handshake()) {
                return Some(n.clone());
            }
        }
        let old_inbound = self.nodes.get(sender)?.inbound_link;
        if l.node.is_none() {
            // `setClusterNodeToInboundClusterLink`: one inbound link per node.
            if let Some(old) = old_inbound.filter(|old| *old != link) {
                self.free_link(old);
            }
            if let Some(l) = self.links.get_mut(&link) {
                l.node = Some(sender.clone());
            }
            if let Some(node) = self.nodes.get_mut(sender) {
                node.inbound_link = Some(link);
            }
        }
        Some(sender.clone())
    }

    /// The IP of a message's sender: the announced one, or the link's peer address
    /// (`nodeIp2String`).
    fn sender_ip(&self, link: LinkId, h: &Header) -> String {
        if !h.myip.is_empty() {
            return h.myip.clone();
        }
        match self.links.get(&link) {
            Some(l) if l.inbound => l.peer_ip.clone(),
            Some(l) => l
                .node
                .as_ref()
                .and_then(|n| self.nodes.get(n))
                .map(|n| n.ip.clone())
                .unwrap_or_default(),
            None => String::new(),
        }
    }

    /// `nodeUpdateAddressIfNeeded`: a PING on another link than the node's outbound one
    /// tells its current address; on change the outbound link is dropped to reconnect.
    fn update_address_if_needed(&mut self, name: &str, link: LinkId, h: &Header) -> bool {
        let ip = self.sender_ip(link, h);
        let Some(node) = self.nodes.get_mut(name) else {
            return false;
        };
        if node.link == Some(link) || ip.is_empty() {
            return false;
        }
        if node.port == h.port && node.cport == h.cport && node.pport == h.pport && node.ip == ip {
            return false;
        }
        let old = node.link;
        node.ip = ip.clone();
        node.port = h.port;
        node.pport = h.pport;
        node.cport = h.cport;
        node.flags &= !flags::NOADDR;
        if let Some(old) = old {
            self.free_link(old);
        }
        self.log(
            LogLevel::Warning,
            format!("Address updated for node {name}, now {ip}:{}", h.port),
        );
        let my_master = self.me().slaveof.as_deref() == Some(name) && self.me().is_replica();
        if my_master {
            self.effects.push(Effect::ReplicateFrom(Some((ip, h.port))));
        }
        true
    }

    /// A message arrived on `link`.
    pub fn handle_message(&mut self, now: u64, link: LinkId, msg: Message) {
        self.now = now;
        if !self.links.contains_key(&link) {
            return;
        }
        let kind = msg.body.kind();
        if (kind as usize) < self.counters.received.len() {
            self.counters.received[kind as usize] += 1;
        }
        if self.drop_packet_filter == Some(kind) {
            self.log(
                LogLevel::Warning,
                "Dropping packet that matches debug drop filter".into(),
            );
            return;
        }
        let h = &msg.header;
        let sender = self.sender_of(link, &h.sender);
        let mut sender_config_epoch = 0;
        let sender_node = sender
            .as_ref()
            .and_then(|s| Some((s, self.nodes.get_mut(s)?)));
        if let Some((s, node)) = sender_node {
            node.data_received = now;
            if !node.in_handshake() {
                sender_config_epoch = h.config_epoch;
                node.repl_offset = h.offset;
                if h.config_epoch > node.config_epoch {
                    node.config_epoch = h.config_epoch;
                    self.save_learned(true);
                }
                if h.current_epoch > self.epochs.current {
                    self.epochs.current = h.current_epoch;
                }
                self.note_paused_master(s, h);
            }
        }
        match &msg.body {
            Body::Ping(body) | Body::Pong(body) | Body::Meet(body) => {
                let ping = PingIn {
                    link,
                    kind: msg.body.kind(),
                    h: &msg.header,
                    body,
                };
                self.process_ping(now, &ping, sender, sender_config_epoch)
            }
            Body::Fail { node } => self.process_fail(now, sender, node),
            Body::Publish { channel, message } | Body::PublishShard { channel, message } => {
                if sender.is_some() {
                    self.effects.push(Effect::Publish {
                        channel: channel.clone(),
                        message: message.clone(),
                        shard: kind == types::PUBLISHSHARD,
                    });
                }
            }
            Body::Update {
                config_epoch,
                node,
                slots,
            } => self.process_update(sender, *config_epoch, node, slots),
            Body::FailoverAuthRequest => {
                if let Some(s) = &sender {
                    self.maybe_grant_vote(now, s, h);
                }
            }
            Body::FailoverAuthAck => {
                if let Some(s) = &sender {
                    self.count_vote(now, s, h);
                }
            }
            Body::MfStart => {
                if let Some(s) = &sender {
                    self.process_mfstart(now, link, s);
                }
            }
            Body::Module { .. } | Body::Unknown { .. } => {}
        }
    }

    /// `clusterProcessPacket` for PING, PONG and MEET, in Redis's order: answer, settle the
    /// link's handshake, note the sender's flags and address, take a PONG as liveness,
    /// then what the sender says of itself and of others.
    fn process_ping(
        &mut self,
        now: u64,
        ping: &PingIn,
        sender: Option<NodeId>,
        sender_config_epoch: u64,
    ) {
        let PingIn { link, kind, h, .. } = *ping;
        let Some(inbound) = self.links.get(&link).map(|l| l.inbound) else {
            return;
        };
        if kind == types::PING || kind == types::MEET {
            self.answer_ping(now, ping, sender.is_some());
        }
        if !inbound && !self.settle_outbound_link(link, h, sender.as_ref()) {
            return;
        }
        if let Some(s) = &sender {
            self.note_sender_flags_and_address(s, link, kind, h);
        }
        if !inbound && kind == types::PONG {
            self.process_pong(now, link);
        }
        let Some(sender) = sender else {
            return;
        };
        self.process_sender_config(now, ping, &sender, sender_config_epoch);
    }

    /// A PING or MEET: learn our own address from it, start a handshake with an unknown
    /// MEETing node, and answer with a PONG.
    fn answer_ping(&mut self, now: u64, ping: &PingIn, sender_known: bool) {
        let PingIn {
            link,
            kind,
            h,
            body,
        } = *ping;
        // Our own address is learned from the connection a MEET arrives on (or any
        // PING while we have none), unless it is announced.
        let my_ip_empty = self.me().ip.is_empty();
        if (kind == types::MEET || my_ip_empty) && self.cfg.announce_ip.is_none() {
            let local = self
                .links
                .get(&link)
                .map(|l| l.local_ip.clone())
                .unwrap_or_default();
            if !local.is_empty() && local != self.me().ip {
                self.me_mut().ip = local.clone();
                self.log(
                    LogLevel::Warning,
                    format!("IP address for this node updated to {local}"),
                );
                self.save();
            }
        }
        if !sender_known && kind == types::MEET {
            let name = self.random_name();
            let mut node = Node::new(name.clone(), flags::HANDSHAKE, now);
            node.ip = self.sender_ip(link, h);
            node.port = h.port;
            node.pport = h.pport;
            node.cport = h.cport;
            self.nodes.insert(name, node);
            self.save_learned(false);
            self.process_gossip(now, link, h, body);
        }
        self.send_ping(link, types::PONG, now);
    }

    /// On a link we opened: completes a handshake (or drops it when the node turns out to
    /// be one we know), or forgets the address when another node answers there. Whether
    /// processing goes on.
    fn settle_outbound_link(&mut self, link: LinkId, h: &Header, sender: Option<&NodeId>) -> bool {
        let Some(link_node) = self.links.get(&link).and_then(|l| l.node.clone()) else {
            return false;
        };
        let in_handshake = self.nodes.get(&link_node).is_some_and(|n| n.in_handshake());
        if in_handshake {
            if let Some(s) = sender {
                // We met a node we already know under its real name.
                if self.update_address_if_needed(s, link, h) {
                    self.save_learned(false);
                    self.update_state_later();
                }
                self.del_node(&link_node);
                return false;
            }
            self.rename_node(&link_node, &h.sender);
            if let Some(node) = self.nodes.get_mut(&h.sender) {
                node.flags &= !flags::HANDSHAKE;
                node.flags |= h.flags & (flags::MASTER | flags::SLAVE);
            }
            self.log(
                LogLevel::Debug,
                format!("Handshake with node {} completed.", h.sender),
            );
            self.save_learned(false);
        } else if link_node != h.sender {
            // The node at this address has another name now: forget the address.
            if let Some(node) = self.nodes.get_mut(&link_node) {
                node.flags |= flags::NOADDR;
                node.ip.clear();
                node.port = 0;
                node.pport = 0;
                node.cport = 0;
            }
            self.free_link(link);
            self.save_learned(false);
            return false;
        }
        true
    }

    /// The sender's NOFAILOVER flag, and its address when a PING shows it moved.
    fn note_sender_flags_and_address(&mut self, s: &NodeId, link: LinkId, kind: u16, h: &Header) {
        let Some(node) = self.nodes.get_mut(s) else {
            return;
        };
        node.flags = (node.flags & !flags::NOFAILOVER) | (h.flags & flags::NOFAILOVER);
        if kind == types::PING && !node.in_handshake() && self.update_address_if_needed(s, link, h)
        {
            self.save_learned(false);
            self.update_state_later();
        }
    }

    /// A PONG on our own link: the node is alive, so PFAIL goes, and FAIL where Redis
    /// lets a reachable node clear it.
    fn process_pong(&mut self, now: u64, link: LinkId) {
        let Some(name) = self.links.get(&link).and_then(|l| l.node.clone()) else {
            return;
        };
        if let Some(node) = self.nodes.get_mut(&name) {
            let nt = self.cfg.node_timeout_ms;
            node.pong_received = now;
            node.ping_sent = 0;
            if node.timed_out() {
                node.flags &= !flags::PFAIL;
                self.save_learned(false);
                self.update_state_later();
            } else if node.failed()
                && rules::should_clear_fail(
                    node.is_master(),
                    !node.slots.is_empty(),
                    node.fail_time,
                    now,
                    nt,
                )
            {
                node.flags &= !flags::FAIL;
                self.log(
                    LogLevel::Notice,
                    format!("Clear FAIL state for node {name}: is reachable again."),
                );
                self.save_learned(false);
                self.update_state_later();
            }
        }
    }

    /// What a known sender says of itself (role, slots, epoch, hostname) and of others
    /// (gossip).
    fn process_sender_config(
        &mut self,
        now: u64,
        ping: &PingIn,
        sender: &NodeId,
        sender_config_epoch: u64,
    ) {
        let PingIn { link, h, body, .. } = *ping;
        self.process_role(sender, h);

        let Some(s) = self.nodes.get(sender) else {
            return;
        };
        let sender_is_master = s.is_master();
        let sender_master = if sender_is_master {
            Some(sender.clone())
        } else {
            s.slaveof.clone()
        };
        let dirty = sender_master
            .and_then(|m| self.nodes.get(&m))
            .is_some_and(|m| m.slots != h.slots);

        if dirty && sender_is_master {
            self.update_slots_config_with(sender, sender_config_epoch, &h.slots);
        }
        if dirty {
            self.send_update_if_stale(sender, sender_config_epoch, &h.slots);
        }

        let collide = self.me().is_master()
            && self.nodes.get(sender).is_some_and(Node::is_master)
            && sender_config_epoch == self.me().config_epoch;
        if collide {
            self.handle_epoch_collision(sender);
        }

        self.process_gossip(now, link, h, body);
        let hostname = body.extensions.iter().rev().find_map(|e| match e {
            // A peer's hostname goes into CLUSTER NODES and nodes.conf: one that is
            // not a valid hostname (spaces, CR/LF) is ignored, not trusted.
            Extension::Hostname(h) if !h.is_empty() && crate::model::check_hostname(h).is_ok() => {
                Some(h.clone())
            }
            _ => None,
        });
        let Some(node) = self.nodes.get_mut(sender) else {
            return;
        };
        if node.hostname != hostname {
            node.hostname = hostname;
            self.save_learned(false);
        }
    }

    /// Role changes announced by the header's `slaveof` field.
    fn process_role(&mut self, sender: &str, h: &Header) {
        match &h.slaveof {
            None => self.set_node_as_master(sender),
            Some(master) => {
                let Some(was_master) = self.nodes.get(sender).map(Node::is_master) else {
                    return;
                };
                if was_master {
                    // A master turned into a replica.
                    self.del_node_slots(sender);
                    if let Some(node) = self.nodes.get_mut(sender) {
                        node.flags &= !(flags::MASTER | flags::MIGRATE_TO);
                        node.flags |= flags::SLAVE;
                    }
                    self.save_learned(false);
                    self.update_state_later();
                }
                let known = self.nodes.contains_key(master);
                let Some(node) = self.nodes.get_mut(sender) else {
                    return;
                };
                if known && node.slaveof.as_deref() != Some(master.as_str()) {
                    node.slaveof = Some(master.clone());
                    self.save_learned(false);
                }
            }
        }
    }

    /// The reverse check: the sender claims slots we know belong to a master with a
    /// greater config epoch; tell it with an UPDATE about that master (one per message,
    /// as Redis does).
    fn send_update_if_stale(&mut self, sender: &str, sender_epoch: u64, claimed: &SlotSet) {
        for slot in claimed.iter() {
            let Some(owner) = self.slots.owner[slot as usize].clone() else {
                continue;
            };
            if owner == sender || self.slots.not_claiming.contains(slot) {
                continue;
            }
            let Some(owner_node) = self.nodes.get(&owner) else {
                continue;
            };
            let owner_epoch = owner_node.config_epoch;
            if owner_epoch > sender_epoch {
                let mut owner_slots = owner_node.slots.clone();
                owner_slots.difference_with(&self.slots.not_claiming);
                self.log(
                    LogLevel::Verbose,
                    format!(
                        "Node {sender} has old slots configuration, sending an UPDATE message about {owner}"
                    ),
                );
                let body = Body::Update {
                    config_epoch: owner_epoch,
                    node: owner.clone(),
                    slots: owner_slots,
                };
                if let Some(link) = self.nodes.get(sender).and_then(|n| n.link) {
                    self.send(link, body);
                }
                break;
            }
        }
    }

    /// `clusterHandleConfigEpochCollision`.
    fn handle_epoch_collision(&mut self, sender: &str) {
        if !rules::i_lose_epoch_collision(&self.myself, sender) {
            return;
        }
        self.epochs.current += 1;
        let epoch = self.epochs.current;
        self.me_mut().config_epoch = epoch;
        self.save_fsync();
        self.log(
            LogLevel::Verbose,
            format!(
                "WARNING: configEpoch collision with node {sender}. configEpoch set to {epoch}"
            ),
        );
    }

    /// `clusterUpdateSlotsConfigWith`: rebind the slots a newer configuration claims, and
    /// follow our slots if they all went to another master.
    pub(super) fn update_slots_config_with(&mut self, sender: &str, epoch: u64, slots: &SlotSet) {
        if sender == self.myself {
            self.log(
                LogLevel::Warning,
                "Discarding UPDATE message about myself.".into(),
            );
            return;
        }
        let curmaster = if self.me().is_master() {
            Some(self.myself.clone())
        } else {
            self.me().slaveof.clone()
        };
        let mut new_master = false;
        let mut migrated_our_slots = 0;
        let mut sender_slots = 0;
        let mut dirty_slots = Vec::new();
        let nodes_sender: Vec<u16> = self
            .nodes
            .get(sender)
            .map(|n| n.slots.iter().collect())
            .unwrap_or_default();
        for slot in slots.iter() {
            sender_slots += 1;
            let owner = self.slots.owner[slot as usize].clone();
            if owner.as_deref() == Some(sender) {
                self.slots.not_claiming.remove(slot);
                continue;
            }
            if self.slots.importing_from.contains_key(&slot) {
                continue;
            }
            let unclaimed = owner.is_none() || self.slots.not_claiming.contains(slot);
            let owner_epoch = if unclaimed {
                None
            } else {
                owner
                    .as_ref()
                    .and_then(|o| self.nodes.get(o))
                    .map(|o| o.config_epoch)
            };
            if rules::claim_wins(owner_epoch, epoch) {
                if owner.as_deref() == Some(self.myself.as_str()) {
                    dirty_slots.push(slot);
                }
                if owner.is_some() && owner == curmaster {
                    new_master = true;
                    migrated_our_slots += 1;
                }
                self.del_slot(slot);
                self.add_slot(sender, slot);
                self.slots.not_claiming.remove(slot);
                self.save_learned(true);
                self.update_state_later();
            }
        }
        for slot in nodes_sender {
            if !slots.contains(slot) && self.slots.owner[slot as usize].as_deref() == Some(sender) {
                self.slots.not_claiming.insert(slot);
            }
        }
        let curmaster_empty = curmaster
            .as_ref()
            .and_then(|m| self.nodes.get(m))
            .is_some_and(|m| m.slots.is_empty());
        let my_master_master = self
            .me()
            .slaveof
            .as_ref()
            .and_then(|m| self.nodes.get(m))
            .and_then(|m| m.slaveof.clone());
        if new_master
            && curmaster_empty
            && (self.cfg.allow_replica_migration || sender_slots == migrated_our_slots)
        {
            self.log(
                LogLevel::Warning,
                format!(
                    "Configuration change detected. Reconfiguring myself as a replica of {sender}"
                ),
            );
            self.set_my_master(sender);
            self.save_fsync();
            self.update_state_later();
        } else if let Some(grand) = my_master_master.filter(|g| *g != self.myself) {
            self.log(
                LogLevel::Warning,
                format!(
                    "I'm a sub-replica! Reconfiguring myself as a replica of grandmaster {grand}"
                ),
            );
            self.set_my_master(&grand);
            self.save_fsync();
            self.update_state_later();
        } else if !dirty_slots.is_empty() {
            // Keys are deleted only once the loss of their slots is on disk.
            self.save_fsync();
            self.effects.push(Effect::DeleteKeysInSlots(dirty_slots));
        }
    }

    fn process_fail(&mut self, now: u64, sender: Option<NodeId>, failing: &str) {
        let Some(sender) = sender else {
            self.log(
                LogLevel::Notice,
                format!("Ignoring FAIL message from unknown node about {failing}"),
            );
            return;
        };
        let Some(node) = self.nodes.get_mut(failing) else {
            return;
        };
        if node.has(flags::FAIL | flags::MYSELF) {
            return;
        }
        node.flags |= flags::FAIL;
        node.flags &= !flags::PFAIL;
        node.fail_time = now;
        self.log(
            LogLevel::Notice,
            format!("FAIL message received from {sender} about {failing}"),
        );
        self.save_learned(false);
        self.update_state_later();
    }

    fn process_update(&mut self, sender: Option<NodeId>, epoch: u64, name: &str, slots: &SlotSet) {
        if sender.is_none() {
            return;
        }
        let Some(node) = self.nodes.get(name) else {
            return;
        };
        if node.config_epoch >= epoch {
            return;
        }
        if node.is_replica() {
            self.set_node_as_master(name);
        }
        if let Some(node) = self.nodes.get_mut(name) {
            node.config_epoch = epoch;
        }
        self.save_learned(true);
        self.update_slots_config_with(name, epoch, slots);
    }

    /// `clusterProcessGossipSection`.
    fn process_gossip(&mut self, now: u64, link: LinkId, h: &Header, body: &PingBody) {
        let sender = self
            .links
            .get(&link)
            .and_then(|l| l.node.clone())
            .or_else(|| self.nodes.contains_key(&h.sender).then(|| h.sender.clone()));
        let sender_is_master = sender
            .as_ref()
            .and_then(|s| self.nodes.get(s))
            .is_some_and(|s| s.is_master());
        let validity = rules::fail_report_validity(self.cfg.node_timeout_ms);
        // Only a master's word counts towards a failure quorum (`clusterProcessGossipSection`).
        let reporter = sender.as_ref().filter(|_| sender_is_master);
        for g in &body.gossip {
            let failing_flags = g.flags & (flags::FAIL | flags::PFAIL) != 0;
            // A failure report is rare and needs the whole table (the quorum check); the
            // common entry, with no failure flags, is looked up once below.
            if failing_flags && g.name != self.myself && self.nodes.contains_key(&g.name) {
                if let Some(from) = reporter {
                    self.add_failure_report(&g.name, from, now);
                    self.mark_failing_if_needed(&g.name, now);
                }
            }
            let Some(node) = self.nodes.get_mut(&g.name) else {
                if sender.is_some()
                    && g.flags & flags::NOADDR == 0
                    && !self.blacklisted(&g.name, now)
                {
                    let mut node = Node::new(g.name.clone(), g.flags, now);
                    node.ip = g.ip.clone();
                    node.port = g.port;
                    node.pport = g.pport;
                    node.cport = g.cport;
                    self.nodes.insert(g.name.clone(), node);
                }
                continue;
            };
            if let Some(from) = reporter.filter(|_| !failing_flags && g.name != self.myself) {
                node.fail_reports.retain(|r| r.from != *from);
            }
            let reports = node.live_fail_reports(now, validity);
            if !failing_flags && node.ping_sent == 0 && reports == 0 {
                let pong = g.pong_received as u64 * 1000;
                if rules::adopt_gossip_pong(pong, node.pong_received, now) {
                    node.pong_received = pong;
                }
            }
            if node.has(flags::FAIL | flags::PFAIL)
                && g.flags & flags::NOADDR == 0
                && !failing_flags
                && (node.ip != g.ip || node.port != g.port || node.cport != g.cport)
            {
                let old = node.link;
                node.ip = g.ip.clone();
                node.port = g.port;
                node.pport = g.pport;
                node.cport = g.cport;
                node.flags &= !flags::NOADDR;
                if let Some(old) = old {
                    self.free_link(old);
                }
            }
        }
    }

    /// `clusterNodeAddFailureReport`.
    fn add_failure_report(&mut self, failing: &str, from: &NodeId, now: u64) {
        let Some(node) = self.nodes.get_mut(failing) else {
            return;
        };
        match node.fail_reports.iter_mut().find(|r| r.from == *from) {
            Some(r) => r.time = now,
            None => {
                node.fail_reports.push(FailReport {
                    from: from.clone(),
                    time: now,
                });
                self.log(
                    LogLevel::Verbose,
                    format!("Node {from} reported node {failing} as not reachable."),
                );
            }
        }
    }

    /// `markNodeAsFailingIfNeeded`: PFAIL plus a quorum of master reports makes FAIL,
    /// broadcast to everyone.
    fn mark_failing_if_needed(&mut self, name: &str, now: u64) {
        let Some(node) = self.nodes.get(name) else {
            return;
        };
        if !node.timed_out() || node.failed() {
            return;
        }
        let reports = self.failure_reports_count(name, now);
        if !rules::failure_quorum_reached(reports, self.me().is_master(), self.health.size) {
            return;
        }
        self.log(
            LogLevel::Notice,
            format!("Marking node {name} as failing (quorum reached)."),
        );
        let Some(node) = self.nodes.get_mut(name) else {
            return;
        };
        node.flags &= !flags::PFAIL;
        node.flags |= flags::FAIL;
        node.fail_time = now;
        let node = node.name.clone();
        self.broadcast(Body::Fail { node });
        self.save_learned(false);
        self.update_state_later();
    }
}
