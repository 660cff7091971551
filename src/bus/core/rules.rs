//! The rules of the Redis 7.0 cluster protocol as small pure functions, each citing the
//! `cluster.c` behaviour it reproduces.

/// Failure reports older than this are ignored (`CLUSTER_FAIL_REPORT_VALIDITY_MULT` = 2).
pub fn fail_report_validity(node_timeout: u64) -> u64 {
    node_timeout * 2
}

/// A FAIL master with slots is cleared only after this long (`CLUSTER_FAIL_UNDO_TIME_MULT`).
pub fn fail_undo_time(node_timeout: u64) -> u64 {
    node_timeout * 2
}

/// A node still in handshake after this long is dropped (`clusterCron`: node timeout,
/// at least one second).
pub fn handshake_timeout(node_timeout: u64) -> u64 {
    node_timeout.max(1000)
}

/// `CLUSTER_BLACKLIST_TTL`: a forgotten node cannot be re-added by gossip for 60 s.
pub const BLACKLIST_TTL_MS: u64 = 60_000;

/// A master whose state is FAIL waits this long after start before turning OK
/// (`CLUSTER_WRITABLE_DELAY`).
pub const WRITABLE_DELAY_MS: u64 = 2000;

/// After being in a minority partition a master waits this long before turning OK again
/// (`clusterUpdateState`: node timeout clamped to 500..5000 ms).
pub fn rejoin_delay(node_timeout: u64) -> u64 {
    node_timeout.clamp(500, 5000)
}

/// Majority of the masters serving slots (`markNodeAsFailingIfNeeded`,
/// `clusterUpdateState`): `size / 2 + 1`.
pub fn quorum(size: usize) -> usize {
    size / 2 + 1
}

/// How many gossip entries a PING carries (`clusterSendPing`): a tenth of the known
/// nodes, at least 3, at most the nodes other than myself and the receiver.
pub fn gossip_wanted(known_nodes: usize) -> usize {
    let fresh = known_nodes.saturating_sub(2);
    (known_nodes / 10).max(3).min(fresh)
}

/// Whether a PFAIL node turns FAIL: reports from other masters, plus myself when I am a
/// master, reach the quorum (`markNodeAsFailingIfNeeded`).
pub fn failure_quorum_reached(reports: usize, i_am_master: bool, size: usize) -> bool {
    reports + usize::from(i_am_master) >= quorum(size)
}

/// Whether the FAIL flag of a node we can reach again is cleared
/// (`clearNodeFailureIfNeeded`): at once for replicas and masters without slots; for a
/// master with slots only when the FAIL is older than the undo time (nobody failed over).
pub fn should_clear_fail(
    is_master: bool,
    has_slots: bool,
    fail_time: u64,
    now: u64,
    node_timeout: u64,
) -> bool {
    if !is_master || !has_slots {
        return true;
    }
    now.saturating_sub(fail_time) > fail_undo_time(node_timeout)
}

/// The config epoch collision rule (`clusterHandleConfigEpochCollision`): two masters
/// with the same config epoch; the one with the lexicographically smaller name moves to
/// a new epoch, the greater never moves, so all end distinct.
pub fn i_lose_epoch_collision(my_name: &str, sender_name: &str) -> bool {
    sender_name.as_bytes() > my_name.as_bytes()
}

/// Slot ownership (`clusterUpdateSlotsConfigWith`): a claim wins a slot that is
/// unclaimed or owned at a lower config epoch. Equal epochs do not move a slot.
pub fn claim_wins(owner_epoch: Option<u64>, claim_epoch: u64) -> bool {
    match owner_epoch {
        None => true,
        Some(e) => e < claim_epoch,
    }
}

/// `clusterBumpConfigEpochWithoutConsensus`: a new epoch is taken only when mine is 0 or
/// not already the greatest known.
pub fn bump_needed(my_epoch: u64, max_epoch: u64) -> bool {
    my_epoch == 0 || my_epoch != max_epoch
}

/// A gossiped pong time is adopted when newer than ours and not in the future beyond a
/// 500 ms tolerance (`clusterProcessGossipSection`).
pub fn adopt_gossip_pong(gossip_pong_ms: u64, ours: u64, now: u64) -> bool {
    gossip_pong_ms <= now + 500 && gossip_pong_ms > ours
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gossip_count() {
        assert_eq!(gossip_wanted(1), 0);
        assert_eq!(gossip_wanted(3), 1);
        assert_eq!(gossip_wanted(6), 3);
        assert_eq!(gossip_wanted(100), 10);
    }

    #[test]
    fn quorum_and_failure() {
        assert_eq!(quorum(3), 2);
        assert_eq!(quorum(4), 3);
        assert!(failure_quorum_reached(1, true, 3));
        assert!(!failure_quorum_reached(1, false, 3));
        assert!(!failure_quorum_reached(0, true, 3));
    }

    #[test]
    fn clearing_fail() {
        assert!(should_clear_fail(false, false, 0, 1, 1000));
        assert!(should_clear_fail(true, false, 0, 1, 1000));
        assert!(!should_clear_fail(true, true, 0, 2000, 1000));
        assert!(should_clear_fail(true, true, 0, 2001, 1000));
    }

    #[test]
    fn epochs() {
        assert!(i_lose_epoch_collision("a", "b"));
        assert!(!i_lose_epoch_collision("b", "a"));
        assert!(claim_wins(None, 0));
        assert!(!claim_wins(Some(3), 3));
        assert!(claim_wins(Some(2), 3));
        assert!(bump_needed(0, 0));
        assert!(!bump_needed(4, 4));
        assert!(bump_needed(3, 4));
        assert!(adopt_gossip_pong(1000, 0, 600));
        assert!(!adopt_gossip_pong(1200, 0, 600));
        assert_eq!(rejoin_delay(100), 500);
        assert_eq!(rejoin_delay(15000), 5000);
        assert_eq!(handshake_timeout(500), 1000);
    }
}
