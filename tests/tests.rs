//! All integration tests, as one crate: each module drives the real binaries against real
//! server processes on 127.0.0.1.

mod harness;

mod bad_input;
mod bus_real;
mod check;
mod create;
mod failover;
mod fix;
mod generated;
mod kill_points;
mod local;
mod membership;
mod migrate;
mod node_cluster;
mod node_config;
mod node_databases;
mod node_features;
mod node_functions;
mod node_persist;
mod node_safety;
mod node_server;
mod node_streams;
mod node_vs_redis;
mod node_write_gates;
mod partitions;
mod replication;
mod reshard;
mod server_kinds;
mod tls;
mod transfer;
mod usage;
mod valkey;
