//! rclust: a Redis Cluster administration tool. The library holds everything; the binaries
//! in `src/main.rs` and `src/bin/` are thin wrappers.

pub mod model;
pub mod node;
