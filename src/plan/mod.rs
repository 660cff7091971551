//! Planners: pure functions from a snapshot (or preflighted nodes) to a plan of changes.
//! Executors in `crate::exec` apply them; `--dry-run` prints them.

pub mod create;
pub mod membership;
