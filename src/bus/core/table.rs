//! The node table (`clusterAddNode`, `clusterDelNode`, `clusterRenameNode`, slot
//! assignment, roles, epochs without consensus): the bookkeeping every rule builds on.

use super::*;

impl ClusterCore {
    /// `clusterAddSlot`: assigns an unassigned slot.
    pub(super) fn add_slot(&mut self, name: &str, slot: u16) -> bool {
        if self.slots.owner[slot as usize].is_some() {
            return false;
        }
        let Some(node) = self.nodes.get_mut(name) else {
            return false;
        };
        node.slots.insert(slot);
        self.slots.owner[slot as usize] = Some(node.name.clone());
        true
    }

    /// `clusterDelSlot`.
    pub(super) fn del_slot(&mut self, slot: u16) -> bool {
        let Some(owner) = self.slots.owner[slot as usize].take() else {
            return false;
        };
        // clusterDelSlot: a slot that leaves the shard we serve (as its master or a
        // replica of it) takes its shard channels with it; their subscribers are told.
        let serves = owner == self.myself || self.me().slaveof.as_deref() == Some(owner.as_str());
        if let Some(node) = self.nodes.get_mut(&owner) {
            node.slots.remove(slot);
        }
        if serves {
            match self.effects.last_mut() {
                Some(Effect::ShardChannelsLeft(slots)) => slots.push(slot),
                _ => self.effects.push(Effect::ShardChannelsLeft(vec![slot])),
            }
        }
        true
    }

    /// `clusterDelNodeSlots`.
    pub(super) fn del_node_slots(&mut self, name: &str) -> usize {
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
    pub(super) fn free_link(&mut self, link: LinkId) {
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
    pub(super) fn del_node(&mut self, name: &str) {
        if name == self.myself {
            return;
        }
        for slot in 0..SLOT_COUNT {
            if self.slots.owner[slot as usize].as_deref() == Some(name) {
                self.del_slot(slot);
            }
        }
        self.slots.importing_from.retain(|_, n| n != name);
        self.slots.migrating_to.retain(|_, n| n != name);
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
    pub(super) fn rename_node(&mut self, old: &str, new: &NodeId) {
        let Some(mut node) = self.nodes.remove(old) else {
            return;
        };
        node.name = new.clone();
        for link in self.links.values_mut() {
            if link.node.as_deref() == Some(old) {
                link.node = Some(new.clone());
            }
        }
        self.nodes.insert(new.clone(), node);
    }

    /// `clusterSetNodeAsMaster`.
    pub(super) fn set_node_as_master(&mut self, name: &str) {
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
        self.save_learned(false);
        self.update_state_later();
    }

    /// `clusterSetMaster`: myself becomes a replica of `master`.
    pub(super) fn set_my_master(&mut self, master: &str) {
        let (ip, port, master) = match self.nodes.get(master) {
            Some(m) => (m.ip.clone(), m.port, m.name.clone()),
            None => return,
        };
        let me = self.me_mut();
        if me.is_master() {
            me.flags &= !(flags::MASTER | flags::MIGRATE_TO);
            me.flags |= flags::SLAVE;
            self.slots.migrating_to.clear();
            self.slots.importing_from.clear();
        }
        self.me_mut().slaveof = Some(master);
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
    pub(super) fn max_config_epoch(&self) -> u64 {
        self.nodes
            .values()
            .map(|n| n.config_epoch)
            .max()
            .unwrap_or(0)
            .max(self.epochs.current)
    }

    /// `clusterBumpConfigEpochWithoutConsensus`; true when a new epoch was taken.
    pub(super) fn bump_epoch_without_consensus(&mut self) -> bool {
        let max = self.max_config_epoch();
        if rules::bump_needed(self.me().config_epoch, max) {
            self.epochs.current += 1;
            let epoch = self.epochs.current;
            self.me_mut().config_epoch = epoch;
            self.save_fsync();
            self.log(LogLevel::Warning, format!("New configEpoch set to {epoch}"));
            true
        } else {
            false
        }
    }

    pub(super) fn blacklisted(&mut self, name: &str, now: u64) -> bool {
        self.blacklist.retain(|_, until| *until > now);
        self.blacklist.contains_key(name)
    }

    /// `clusterNodeFailureReportsCount`, after dropping the expired reports.
    pub(super) fn failure_reports_count(&mut self, name: &str, now: u64) -> usize {
        let validity = rules::fail_report_validity(self.cfg.node_timeout_ms);
        match self.nodes.get_mut(name) {
            Some(n) => n.live_fail_reports(now, validity),
            None => 0,
        }
    }
}
