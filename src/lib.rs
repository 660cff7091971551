//! rclust: a Redis Cluster administration tool and a cluster node server. The library holds
//! both programs; the binaries in `src/main.rs` and `src/bin/` are thin wrappers.
//!
//! - `admin`: the `rclust` CLI (crate-private; its one entry point is [`main_exit`]).
//! - `node`, `bus`: the `rclust-node` server and its cluster bus.
//! - `model`: the cluster model both programs share (slots, nodes, CLUSTER NODES format).

mod admin;
pub mod bus;
pub mod model;
pub mod node;

/// The checks of the fuzz targets in `fuzz/` (cargo-fuzz sets `cfg(fuzzing)`).
#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub mod fuzzing;

pub use admin::cli::main_exit;
