//! `rclust-node`: a Redis Cluster node server. The request path follows tokio's
//! mini-redis: [`resp`] (bytes <-> frames), [`connection`] (buffered socket, pipelining),
//! [`cmd`] (one command family a file, each returning its reply), [`keyspace`] (the data,
//! indexed by slot), [`server`] (accept loop, shutdown). [`cluster_seam`] is where the
//! cluster bus plugs in.

pub mod alloc;
pub mod clock;
pub mod cluster_bus;
pub mod cluster_seam;
pub mod cmd;
pub mod config;
pub mod keyspace;
pub mod notify;
pub mod persist;
pub mod pubsub;
pub mod rdb;
pub mod repl_state;
pub mod replication;
pub mod resp;
pub mod shared;
pub mod socket;

pub use shared::Shared;
pub mod connection;
pub mod log;
pub mod server;
