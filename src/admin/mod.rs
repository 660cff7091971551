//! The admin CLI, `rclust`: everything here runs only in the `rclust` binary. It talks to
//! nodes over RESP (redis-rs) and shares only `model` with the node server.

pub(crate) mod cli;
pub(crate) mod conn;
pub(crate) mod exec;
pub(crate) mod health;
pub(crate) mod local;
pub(crate) mod plan;
pub(crate) mod snapshot;
