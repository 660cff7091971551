//! Executors: apply a plan to live nodes, then wait until the cluster has converged.

pub mod atomic;
pub mod backup;
pub mod converge;
pub mod create;
pub mod epochs;
pub mod fix;
pub mod import;
pub mod membership;
pub mod migrate;
pub mod preflight;
pub mod restore;
pub mod transfer;
