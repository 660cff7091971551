//! rclust: a Redis Cluster administration tool and a cluster node server. The library holds
//! both programs; the binaries in `src/main.rs` and `src/bin/` are thin wrappers.
//!
//! - `admin`: the `rclust` CLI (crate-private; its one entry point is [`main_exit`]).
//! - `node`, `bus`: the `rclust-node` server and its cluster bus.
//! - `model`: the cluster model both programs share (slots, nodes, CLUSTER NODES format).

mod admin;
mod bus;
pub mod model;
mod node;

/// What `rclust-node`'s startup (src/bin/rclust-node.rs) uses of the node. Everything
/// else in `node` and `bus` is crate-private, so what nothing calls is reported as dead.
pub mod node_startup {
    pub use crate::bus::driver::ClusterHandle;
    pub use crate::node::alloc::CountingMimalloc;
    pub use crate::node::config::{self, NodeConfig};
    pub use crate::node::log;
    pub use crate::node::persist::Persistence;
    pub use crate::node::{cluster_bus, server, Shared};
}

/// The pieces the integration tests in `tests/` drive directly: the bus codec (to speak
/// the bus protocol to real redis-server nodes), a bus driver, the CLUSTER parser and the
/// RESP parser.
#[doc(hidden)]
pub mod test_support {
    pub use crate::bus::cluster_command::ClusterCommand;
    pub use crate::bus::codec;
    pub use crate::bus::core::{CoreConfig, LogLevel, NoKeys};
    pub use crate::bus::driver;
    pub use crate::node::resp::{parse_frame, ParseError};
}

/// The checks of the fuzz targets in `fuzz/` (cargo-fuzz sets `cfg(fuzzing)`).
#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub mod fuzzing;

pub use admin::cli::main_exit;
