//! The Redis Cluster bus, wire-compatible with Redis 7.0: the message codec, the sans-IO
//! protocol core, nodes.conf persistence, and the tokio driver that runs the core.

pub mod cluster_command;
pub mod codec;
pub mod core;
pub mod driver;
pub mod nodes_conf;
#[cfg(test)]
pub mod sim;
