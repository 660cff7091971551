//! The cluster model shared by the CLI and the node server: addresses, slot sets, nodes
//! as `CLUSTER NODES` describes them, and the parsers for the replies that describe a cluster.

pub mod addr;
pub mod cluster_cmd;
pub mod id;
pub mod keyslot;
pub mod node;
pub mod replies;
pub mod slots;

pub use addr::{check_hostname, Addr, BusAddr};
pub use id::NodeId;
pub use keyslot::key_slot;
pub use node::{
    parse_cluster_nodes, parse_cluster_nodes_with, ClusterNode, NodeFlags, OpenSlot, Role,
    ViewInterner,
};
pub use slots::{SlotSet, SLOT_COUNT};
