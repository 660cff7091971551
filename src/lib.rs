//! rclust: a Redis Cluster administration tool. The library holds everything; the binaries
//! in `src/main.rs` and `src/bin/` are thin wrappers.

pub mod bus;
pub mod cli;
pub mod conn;
pub mod exec;
pub mod health;
pub mod local;
pub mod model;
pub mod node;
pub mod plan;
pub mod snapshot;
