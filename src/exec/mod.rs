//! Executors: apply a plan to live nodes, then wait until the cluster has converged.

pub mod converge;
pub mod create;
pub mod epochs;
pub mod fix;
pub mod membership;
pub mod migrate;
pub mod preflight;
