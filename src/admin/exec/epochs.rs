//! Config epochs must be settled before slots move. A target that takes a slot bumps its
//! config epoch only when it does not already have the highest one it knows of; if another
//! master shares that epoch, or has a higher one the target has not heard of yet, the two
//! collide and the one with the smaller id moves to a new, higher epoch. If that one is the
//! source and still claims the slot (it is told the new owner only after the target takes
//! it), the target loses the slot to it and, as Redis does with a slot lost to a higher
//! epoch, deletes its keys; the source then lets go and the slot is served by no one.
//!
//! So a slot-moving command first waits until no two masters share an epoch and every node
//! knows every master's current one, asking a master whose epoch a view lags on to announce
//! itself (`CLUSTER MEET` carries its epoch) instead of waiting for gossip's pace.

use std::time::{Duration, Instant};

use crate::admin::health;
use crate::admin::snapshot::{Fleet, Snapshot};
use crate::model::cluster_cmd;
use crate::model::id::short;
use crate::model::Addr;

use super::converge::run_all;

/// What keeps the epochs from being settled, as messages (empty: settled).
pub fn unsettled(snap: &Snapshot) -> Vec<String> {
    let mut out: Vec<String> = health::assess(snap)
        .into_iter()
        .filter(|f| f.kind == "epoch_collision")
        .map(|f| f.message)
        .collect();
    for lag in health::epoch_lags(snap) {
        out.push(format!(
            "{} sees {} with config epoch {} (it has {})",
            short(&lag.viewer),
            short(&lag.master),
            lag.seen,
            lag.actual
        ));
    }
    out
}

/// Polls until [`unsettled`] is empty or `limit` passes; returns the last snapshot and
/// what was still unsettled then.
pub async fn wait_settled(
    fleet: &Fleet,
    snap: Snapshot,
    limit: Duration,
) -> (Snapshot, Vec<String>) {
    let deadline = Instant::now() + limit;
    let addrs: Vec<Addr> = snap.reports.iter().map(|r| r.addr.clone()).collect();
    let mut snap = snap;
    let mut last_nudge = Instant::now() - Duration::from_secs(1);
    loop {
        let reasons = unsettled(&snap);
        if reasons.is_empty() || Instant::now() >= deadline {
            return (snap, reasons);
        }
        if last_nudge.elapsed() >= Duration::from_millis(300) {
            last_nudge = Instant::now();
            let mut actions = Vec::new();
            for lag in health::epoch_lags(&snap) {
                let (Some(speaker), Some(listener)) =
                    (snap.report(&lag.master), snap.report(&lag.viewer))
                else {
                    continue;
                };
                let me = listener.myself();
                let ip = if me.addr.ip.is_empty() {
                    listener.addr.host.clone()
                } else {
                    me.addr.ip.clone()
                };
                actions.push((
                    speaker.addr.clone(),
                    cluster_cmd::meet(&ip, me.addr.port, me.addr.cport),
                ));
            }
            run_all(fleet, actions).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut fresh = fleet.load_nodes(&addrs).await;
        fresh.seed = snap.seed.clone();
        // A node that stopped answering is for the command's own checks to report.
        if fresh.reports.len() == snap.reports.len() {
            snap = fresh;
        } else {
            return (snap, reasons);
        }
    }
}
