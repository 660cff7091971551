//! The parts of [`super::ClusterCore`]'s state, grouped by concern so that each field
//! says what it belongs to: who serves the slots, the epochs, the cluster's health as
//! this node judges it, the work deferred to the next drain, and the message counters.

use std::collections::BTreeMap;

use crate::bus::codec::types;
use crate::model::{NodeId, SlotSet, SLOT_COUNT};

/// Who serves each slot and which slots are moving (`server.cluster->slots`,
/// `migrating_slots_to`, `importing_slots_from`).
#[derive(Debug)]
pub(super) struct SlotMap {
    /// Slot owner names, indexed by slot.
    pub owner: Vec<Option<NodeId>>,
    /// Slots whose owner stopped claiming them (`owner_not_claiming_slot`).
    pub not_claiming: SlotSet,
    pub migrating_to: BTreeMap<u16, NodeId>,
    pub importing_from: BTreeMap<u16, NodeId>,
}

impl Default for SlotMap {
    fn default() -> SlotMap {
        SlotMap {
            owner: vec![None; SLOT_COUNT as usize],
            not_claiming: SlotSet::new(),
            migrating_to: BTreeMap::new(),
            importing_from: BTreeMap::new(),
        }
    }
}

/// The epochs this node keeps (`currentEpoch`, `lastVoteEpoch` in nodes.conf).
#[derive(Debug, Default)]
pub(super) struct Epochs {
    pub current: u64,
    /// The epoch of the last failover vote we gave: one vote per epoch.
    pub last_vote: u64,
}

/// The cluster's state as this node judges it (`clusterUpdateState`).
#[derive(Debug, Default)]
pub(super) struct Health {
    /// `cluster_state:ok`.
    pub ok: bool,
    /// Masters serving at least one slot (`server.cluster->size`).
    pub size: usize,
    /// The first time the state was computed: a restarted master waits before it says ok.
    pub first_call: Option<u64>,
    /// When this node last found itself in a minority partition.
    pub among_minority_time: u64,
}

/// Work deferred to the next [`super::ClusterCore::drain_effects`] (Redis's
/// `clusterBeforeSleep` flags).
#[derive(Debug)]
pub(super) struct Deferred {
    /// nodes.conf is saved at the next drain.
    pub save: bool,
    /// nodes.conf is saved at a drain once [`super::SAVE_COALESCE_MS`] passed since the
    /// last save: what was learned from gossip, which at 1000 nodes changes on nearly every
    /// message.
    pub save_soon: bool,
    pub fsync: bool,
    /// When nodes.conf was last saved.
    pub last_save: u64,
    pub update_state: bool,
}

impl Default for Deferred {
    fn default() -> Deferred {
        // A new node saves its configuration and computes its state at the first drain.
        Deferred {
            save: true,
            save_soon: false,
            fsync: false,
            last_save: 0,
            update_state: true,
        }
    }
}

/// Counters for CLUSTER INFO.
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub sent: [u64; types::COUNT as usize],
    pub received: [u64; types::COUNT as usize],
    /// Nodes flagged PFAIL at the last cron run.
    pub pfail_nodes: usize,
    /// Links freed because their send queue passed `cluster-link-sendbuf-limit`.
    pub links_buffer_limit_exceeded: u64,
}
