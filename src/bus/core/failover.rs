//! Failover, bus side: masters' votes (`clusterSendFailoverAuthIfNeeded`), the replica's
//! election (`clusterHandleSlaveFailover`: rank-based delay, FAILOVER_AUTH_REQUEST, a
//! majority of ACKs, taking the master's slots at the election epoch), and manual
//! failover (`CLUSTER FAILOVER` with MFSTART, FORCE, TAKEOVER). Data replication is the
//! host's: it reports its offset and the time of the last data from its master.

use super::*;

/// `CLUSTER_MF_TIMEOUT`: a manual failover must complete within 5 s.
pub const MF_TIMEOUT_MS: u64 = 5000;
/// `CLUSTER_MF_PAUSE_MULT`: the master pauses writes for twice that.
pub const MF_PAUSE_MULT: u64 = 2;
/// `repl-ping-replica-period` default, seconds.
pub const REPL_PING_PERIOD_S: u64 = 10;

/// Election and manual failover state (`failover_auth_*`, `mf_*` in `clusterState`).
#[derive(Clone, Debug, Default)]
pub struct FailoverState {
    pub auth_time: u64,
    pub auth_count: usize,
    pub auth_sent: bool,
    pub auth_rank: usize,
    pub auth_epoch: u64,
    /// Manual failover deadline; 0 when none is in progress.
    pub mf_end: u64,
    pub mf_can_start: bool,
    /// Master side: the replica that asked for a manual failover.
    pub mf_replica: Option<NodeId>,
    /// Master side: the host confirmed that client writes are paused, so the offset we
    /// advertise with PAUSED is final (Redis pauses clients in the same event-loop turn;
    /// our host pauses them asynchronously, after the PauseWrites effect).
    pub mf_paused: bool,
    /// Replica side: the offset the paused master reported.
    pub mf_master_offset: Option<u64>,
}

/// `auth_timeout` and the retry time of an election (`clusterHandleSlaveFailover`).
pub fn auth_timeouts(node_timeout: u64) -> (u64, u64) {
    let timeout = (node_timeout * 2).max(2000);
    (timeout, timeout * 2)
}

/// Whether the replica's data is too old to fail over automatically: the data age minus
/// the node timeout exceeds `repl-ping-replica-period` + node timeout × validity factor
/// (0 disables the check).
pub fn data_too_old(data_age: u64, node_timeout: u64, validity_factor: u64) -> bool {
    if validity_factor == 0 {
        return false;
    }
    let age = if data_age > node_timeout {
        data_age - node_timeout
    } else {
        data_age
    };
    age > REPL_PING_PERIOD_S * 1000 + node_timeout * validity_factor
}

impl ClusterCore {
    /// The host's replication progress: offset processed, and when data last came from
    /// the master (`None`: never synced, or the link is down since an unknown time).
    pub fn set_master_last_io(&mut self, last_io_ms: Option<u64>) {
        self.master_last_io = last_io_ms;
    }

    /// `clusterGetSlaveRank`: sibling replicas that can fail over and have more data.
    fn replica_rank(&self) -> usize {
        let Some(master) = self.me().slaveof.clone() else {
            return 0;
        };
        self.replicas_of(&master)
            .into_iter()
            .filter(|r| !r.is_myself() && !r.has(flags::NOFAILOVER))
            .filter(|r| r.repl_offset > self.repl_offset)
            .count()
    }

    /// `clusterBroadcastPong(CLUSTER_BROADCAST_LOCAL_SLAVES)`.
    fn broadcast_pong_to_local_replicas(&mut self, now: u64) {
        let my_master = self.me().slaveof.clone();
        let links: Vec<LinkId> = self
            .nodes
            .values()
            .filter(|n| !n.is_myself() && !n.in_handshake() && n.is_replica())
            .filter(|n| {
                n.slaveof.as_deref() == Some(self.myself.as_str())
                    || (n.slaveof.is_some() && n.slaveof == my_master)
            })
            .filter_map(|n| n.link)
            .collect();
        for link in links {
            self.send_ping(link, types::PONG, now);
        }
    }

    /// A FAILOVER_AUTH_REQUEST from `requester`: grant one vote per epoch, only to a
    /// replica of a FAIL master (or with FORCEACK), not twice for the same master within
    /// 2 × node timeout, and only if no claimed slot has a newer owner.
    pub(super) fn maybe_grant_vote(&mut self, now: u64, requester: &str, h: &Header) {
        if self.me().is_replica() || self.me().slots.is_empty() {
            return;
        }
        let deny = |core: &mut Self, why: String| {
            core.log(
                LogLevel::Warning,
                format!("Failover auth denied to {requester}: {why}"),
            );
        };
        if h.current_epoch < self.epochs.current {
            let why = format!(
                "reqEpoch ({}) < curEpoch({})",
                h.current_epoch, self.epochs.current
            );
            return deny(self, why);
        }
        if self.epochs.last_vote == self.epochs.current {
            let why = format!("already voted for epoch {}", self.epochs.current);
            return deny(self, why);
        }
        let Some(node) = self.nodes.get(requester) else {
            return;
        };
        let requester_is_master = node.is_master();
        let requester_link = node.link;
        let master = node.slaveof.clone().filter(|_| node.is_replica());
        let force_ack = h.mflags[0] & codec::mflags::FORCEACK != 0;
        let Some((master, master_node)) = master.and_then(|m| {
            let node = self.nodes.get(&m)?;
            Some((m, node))
        }) else {
            let why = if requester_is_master {
                "it is a master node"
            } else {
                "I don't know its master"
            };
            return deny(self, why.into());
        };
        if !master_node.failed() && !force_ack {
            return deny(self, "its master is up".into());
        }
        let voted = master_node.voted_time;
        let window = self.cfg.node_timeout_ms * 2;
        if voted != 0 && now.saturating_sub(voted) < window {
            let why = format!(
                "can't vote about this master before {} milliseconds",
                window - now.saturating_sub(voted)
            );
            return deny(self, why);
        }
        for slot in h.slots.iter() {
            if self.slots.not_claiming.contains(slot) {
                continue;
            }
            let Some(owner) = &self.slots.owner[slot as usize] else {
                continue;
            };
            let epoch = self.nodes.get(owner).map_or(0, |o| o.config_epoch);
            if epoch > h.config_epoch {
                let why = format!(
                    "slot {slot} epoch ({epoch}) > reqEpoch ({})",
                    h.config_epoch
                );
                return deny(self, why);
            }
        }
        self.epochs.last_vote = self.epochs.current;
        if let Some(master) = self.nodes.get_mut(&master) {
            master.voted_time = now;
        }
        self.save_fsync();
        if let Some(link) = requester_link {
            self.send(link, Body::FailoverAuthAck);
        }
        let epoch = self.epochs.current;
        self.log(
            LogLevel::Warning,
            format!("Failover auth granted to {requester} for epoch {epoch}"),
        );
    }

    /// A FAILOVER_AUTH_ACK: counted when it comes from a master with slots, for our
    /// election's epoch.
    pub(super) fn count_vote(&mut self, now: u64, voter: &str, h: &Header) {
        let Some(n) = self.nodes.get(voter) else {
            return;
        };
        if n.is_master() && !n.slots.is_empty() && h.current_epoch >= self.failover.auth_epoch {
            self.failover.auth_count += 1;
            self.handle_replica_failover(now);
        }
    }

    /// `clusterHandleSlaveFailover`, called from the cron and when a vote arrives.
    pub(super) fn handle_replica_failover(&mut self, now: u64) {
        let nt = self.cfg.node_timeout_ms;
        let (auth_timeout, auth_retry) = auth_timeouts(nt);
        let auth_age = now.saturating_sub(self.failover.auth_time);
        let manual = self.failover.mf_end != 0 && self.failover.mf_can_start;
        let me = self.me();
        let Some(master) = me.slaveof.clone().filter(|_| me.is_replica()) else {
            return;
        };
        let Some(m) = self.nodes.get(&master) else {
            return;
        };
        if (!m.failed() && !manual) || m.slots.is_empty() {
            return;
        }
        if (self.cfg.replica_no_failover || self.me().has(flags::NOFAILOVER)) && !manual {
            return;
        }
        let data_age = self
            .master_last_io
            .map_or(u64::MAX / 2, |t| now.saturating_sub(t));
        if !manual && data_too_old(data_age, nt, self.cfg.replica_validity_factor) {
            return;
        }
        if auth_age > auth_retry {
            let jitter = self.rng.gen_range(0..500);
            let rank = self.replica_rank();
            self.failover.auth_time = now + 500 + jitter + rank as u64 * 1000;
            self.failover.auth_count = 0;
            self.failover.auth_sent = false;
            self.failover.auth_rank = rank;
            if self.failover.mf_end != 0 {
                self.failover.auth_time = now;
                self.failover.auth_rank = 0;
            }
            let delay = self.failover.auth_time - now;
            self.log(
                LogLevel::Warning,
                format!(
                    "Start of election delayed for {delay} milliseconds (rank #{}, offset {}).",
                    self.failover.auth_rank, self.repl_offset
                ),
            );
            self.broadcast_pong_to_local_replicas(now);
            if self.failover.mf_end == 0 {
                return;
            }
        }
        if !self.failover.auth_sent && self.failover.mf_end == 0 {
            let rank = self.replica_rank();
            if rank > self.failover.auth_rank {
                self.failover.auth_time += (rank - self.failover.auth_rank) as u64 * 1000;
                self.failover.auth_rank = rank;
            }
        }
        if now < self.failover.auth_time {
            return;
        }
        if now.saturating_sub(self.failover.auth_time) > auth_timeout {
            return;
        }
        if !self.failover.auth_sent {
            self.epochs.current += 1;
            self.failover.auth_epoch = self.epochs.current;
            self.failover.auth_sent = true;
            let epoch = self.epochs.current;
            self.log(
                LogLevel::Warning,
                format!("Starting a failover election for epoch {epoch}."),
            );
            self.broadcast_auth_request(self.failover.mf_end != 0);
            self.save_fsync();
            self.update_state_later();
            return;
        }
        if self.failover.auth_count >= rules::quorum(self.health.size) {
            self.log(
                LogLevel::Warning,
                "Failover election won: I'm the new master.".into(),
            );
            if self.me().config_epoch < self.failover.auth_epoch {
                let epoch = self.failover.auth_epoch;
                self.me_mut().config_epoch = epoch;
                self.log(
                    LogLevel::Warning,
                    format!("configEpoch set to {epoch} after successful failover"),
                );
            }
            self.replace_my_master(now);
        }
    }

    /// `clusterRequestFailoverAuth`: broadcast, FORCEACK during a manual failover.
    fn broadcast_auth_request(&mut self, force_ack: bool) {
        let links: Vec<LinkId> = self
            .nodes
            .values()
            .filter(|n| !n.is_myself() && !n.in_handshake())
            .filter_map(|n| n.link)
            .collect();
        for link in links {
            self.counters.sent[types::FAILOVER_AUTH_REQUEST as usize] += 1;
            let mut header = self.build_header();
            if force_ack {
                header.mflags[0] |= codec::mflags::FORCEACK;
            }
            self.effects.push(Effect::Send {
                link,
                msg: Message {
                    header,
                    body: Body::FailoverAuthRequest,
                },
            });
        }
    }

    /// `clusterFailoverReplaceYourMaster`: become master, take the old master's slots,
    /// tell everyone.
    fn replace_my_master(&mut self, now: u64) {
        let Some(old) = self.me().slaveof.clone() else {
            return;
        };
        if self.me().is_master() {
            return;
        }
        let myself = self.myself.clone();
        self.set_node_as_master(&myself);
        self.effects.push(Effect::ReplicateFrom(None));
        let slots: Vec<u16> = self
            .nodes
            .get(&old)
            .map(|n| n.slots.iter().collect())
            .unwrap_or_default();
        for slot in slots {
            self.del_slot(slot);
            self.add_slot(&myself, slot);
        }
        self.update_state(now);
        self.save_fsync();
        self.broadcast_pong(now);
        self.reset_manual_failover();
    }

    /// `resetManualFailover`.
    pub(super) fn reset_manual_failover(&mut self) {
        if self.failover.mf_replica.is_some() {
            self.effects.push(Effect::PauseWrites { until: None });
        }
        self.failover.mf_end = 0;
        self.failover.mf_can_start = false;
        self.failover.mf_replica = None;
        self.failover.mf_paused = false;
        self.failover.mf_master_offset = None;
    }

    /// Cron part of manual failover: timeout, and (replica) start once the master's
    /// offset is reached (`manualFailoverCheckTimeout`, `clusterHandleManualFailover`).
    pub(super) fn manual_failover_cron(&mut self, now: u64) {
        if self.failover.mf_end != 0 && self.failover.mf_end < now {
            self.log(LogLevel::Warning, "Manual failover timed out.".into());
            self.reset_manual_failover();
        }
        if self.me().is_master() && self.failover.mf_end != 0 && self.failover.mf_paused {
            // Keep the replica informed of our offset while paused.
            self.ping_mf_replica(now);
        }
        if self.me().is_replica()
            && self.failover.mf_end != 0
            && !self.failover.mf_can_start
            && self.failover.mf_master_offset == Some(self.repl_offset)
        {
            self.failover.mf_can_start = true;
            self.log(
                LogLevel::Warning,
                "All master replication stream processed, manual failover can start.".into(),
            );
        }
    }

    /// MFSTART from one of my replicas: pause writes and start sending my offset.
    pub(super) fn process_mfstart(&mut self, now: u64, link: LinkId, sender: &str) {
        let Some(replica) = self.nodes.get(sender) else {
            return;
        };
        if replica.slaveof.as_deref() != Some(self.myself.as_str()) {
            return;
        }
        let replica = replica.name.clone();
        self.reset_manual_failover();
        self.failover.mf_end = now + MF_TIMEOUT_MS;
        self.failover.mf_replica = Some(replica);
        self.effects.push(Effect::PauseWrites {
            until: Some(now + MF_TIMEOUT_MS * MF_PAUSE_MULT),
        });
        self.log(
            LogLevel::Warning,
            format!("Manual failover requested by replica {sender}."),
        );
        // The offset goes to the replica once the host has paused writes
        // (`writes_paused`); until then the link only learns that we are alive.
        self.send_ping(link, types::PING, now);
    }

    /// The host paused client writes for a manual failover: `offset` is final. Tells the
    /// replica at once, with PAUSED.
    pub fn writes_paused(&mut self, now: u64, offset: u64) {
        self.repl_offset = offset;
        if self.failover.mf_end == 0 || self.failover.mf_paused {
            return;
        }
        self.failover.mf_paused = true;
        self.ping_mf_replica(now);
    }

    /// Master side: a PING (with PAUSED and our offset) to the replica failing over.
    fn ping_mf_replica(&mut self, now: u64) {
        if let Some(link) = self
            .failover
            .mf_replica
            .clone()
            .and_then(|r| self.nodes.get(&r))
            .and_then(|r| r.link)
        {
            self.send_ping(link, types::PING, now);
        }
    }

    /// A header from my master with PAUSED during my manual failover carries the offset
    /// to reach.
    pub(super) fn note_paused_master(&mut self, sender: &str, h: &Header) {
        if self.failover.mf_end != 0
            && self.me().is_replica()
            && self.me().slaveof.as_deref() == Some(sender)
            && h.mflags[0] & codec::mflags::PAUSED != 0
            && self.failover.mf_master_offset.is_none()
        {
            self.failover.mf_master_offset = Some(h.offset);
            self.log(
                LogLevel::Warning,
                format!(
                    "Received replication offset for paused master manual failover: {}",
                    h.offset
                ),
            );
        }
    }

    /// `CLUSTER FAILOVER [FORCE|TAKEOVER]`.
    pub fn failover(&mut self, now: u64, force: bool, takeover: bool) -> Result<(), CmdError> {
        let err = |t: &str| Err(CmdError(format!("ERR {t}")));
        if self.me().is_master() {
            return err("You should send CLUSTER FAILOVER to a replica");
        }
        let Some(m) = self.me().slaveof.as_ref().and_then(|m| self.nodes.get(m)) else {
            return err("I'm a replica but my master is unknown to me");
        };
        let master_link = m.link;
        if !force && (m.failed() || m.link.is_none()) {
            return err("Master is down or failed, please use CLUSTER FAILOVER FORCE");
        }
        self.reset_manual_failover();
        self.failover.mf_end = now + MF_TIMEOUT_MS;
        if takeover {
            self.log(
                LogLevel::Warning,
                "Taking over the master (user request).".into(),
            );
            self.bump_epoch_without_consensus();
            self.replace_my_master(now);
        } else if force {
            self.log(
                LogLevel::Warning,
                "Forced failover user request accepted.".into(),
            );
            self.failover.mf_can_start = true;
        } else {
            self.log(
                LogLevel::Warning,
                "Manual failover user request accepted.".into(),
            );
            if let Some(link) = master_link {
                self.send(link, Body::MfStart);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_and_data_age() {
        assert_eq!(auth_timeouts(500), (2000, 4000));
        assert_eq!(auth_timeouts(5000), (10000, 20000));
        assert!(!data_too_old(u64::MAX / 2, 1000, 0));
        assert!(!data_too_old(21_000, 1000, 10));
        assert!(data_too_old(21_002, 1000, 10));
    }
}
