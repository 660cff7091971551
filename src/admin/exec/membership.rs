//! Executors for `add-node`, `del-node` and `failover`: apply the plan, then reconcile until
//! converged, like `create`.

use std::time::Instant;

use indicatif::ProgressBar;

use crate::admin::plan::membership::{AddNodePlan, DelNodePlan, FailoverMode, FailoverPlan};
use crate::admin::snapshot::{Fleet, Snapshot};
use crate::model::cluster_cmd;
use crate::model::id::short;

use super::converge::{
    expected_from_snapshot, forming_node_timeout, lower_settings, run_all, wait_converged,
    wait_then_restore, ExpectedNode, ExpectedRole,
};
use super::preflight::EmptyNode;

pub type Outcome = Result<Snapshot, Vec<String>>;

pub async fn add_node(
    fleet: &Fleet,
    snap: &Snapshot,
    plan: &AddNodePlan,
    new: &EmptyNode,
    deadline: Instant,
    bar: &ProgressBar,
    fast_join: bool,
) -> anyhow::Result<Outcome> {
    let mut expected = expected_from_snapshot(snap);
    expected.push(ExpectedNode {
        id: new.id.clone(),
        addr: new.addr.clone(),
        meet_ip: new.meet_ip.clone(),
        cport: new.cport,
        role: match &plan.master {
            Some(m) => ExpectedRole::Replica {
                master_id: m.clone(),
            },
            None => ExpectedRole::Master {
                slots: Default::default(),
            },
        },
    });
    // A master's cluster_state turns ok only min(node-timeout, 5 s) after it last saw
    // itself in a minority, which a lone node always does: shorten that while joining.
    // A new replica's master would wait repl-diskless-sync-delay (5 s) for more replicas
    // before its first sync: start it at once.
    let saved = match (fast_join, &plan.master) {
        (false, _) => Vec::new(),
        (true, None) => {
            lower_settings(
                fleet,
                &[(
                    new.addr.clone(),
                    "cluster-node-timeout",
                    forming_node_timeout(expected.len()).to_string(),
                )],
            )
            .await
        }
        (true, Some(m)) => match snap.report(m) {
            Some(master) => {
                lower_settings(
                    fleet,
                    &[(master.addr.clone(), "repl-diskless-sync-delay", "0".into())],
                )
                .await
            }
            None => Vec::new(),
        },
    };
    bar.set_message("joining");
    // The new node meets every member itself: no waiting for gossip to introduce it.
    let meets = expected
        .iter()
        .filter(|e| e.id != new.id)
        .map(|e| {
            (
                new.addr.clone(),
                cluster_cmd::meet(&e.meet_ip, e.addr.port, e.cport),
            )
        })
        .collect();
    let errors = run_all(fleet, meets).await;
    if let Some(e) = errors.first() {
        run_all(fleet, saved).await;
        anyhow::bail!("joining failed: {e}");
    }
    wait_then_restore(fleet, &expected, deadline, bar, saved).await
}

pub async fn del_node(
    fleet: &Fleet,
    snap: &Snapshot,
    plan: &DelNodePlan,
    deadline: Instant,
    bar: &ProgressBar,
) -> anyhow::Result<Outcome> {
    let mut expected: Vec<ExpectedNode> = expected_from_snapshot(snap)
        .into_iter()
        .filter(|e| e.id != plan.id)
        .collect();
    let addr_of = |id: &str| snap.report(id).map(|r| r.addr.clone());
    bar.set_message("moving replicas");
    let mut steps = Vec::new();
    for (replica, master) in &plan.repoint {
        if let Some(addr) = addr_of(replica) {
            steps.push((addr, cluster_cmd::replicate(master)));
        }
        if let Some(e) = expected.iter_mut().find(|e| &e.id == replica) {
            e.role = ExpectedRole::Replica {
                master_id: master.clone(),
            };
        }
    }
    let errors = run_all(fleet, steps).await;
    if let Some(e) = errors.first() {
        anyhow::bail!("moving replicas failed, nothing forgotten yet: {e}");
    }
    // Every node forgets it at once: a node that still knows it would gossip it back
    // within the 60 s during which FORGET blocks it elsewhere.
    bar.set_message("forgetting the node everywhere");
    let forgets = plan
        .forget_on
        .iter()
        .filter_map(|id| addr_of(id))
        .map(|addr| {
            (
                addr,
                vec!["CLUSTER".to_string(), "FORGET".into(), plan.id.clone()],
            )
        })
        .collect();
    let errors = run_all(fleet, forgets).await;
    if let Some(e) = errors.first() {
        anyhow::bail!("forgetting {} failed: {e}", short(&plan.id));
    }
    if plan.reset {
        let errors = run_all(
            fleet,
            vec![(
                plan.addr.clone(),
                vec!["CLUSTER".to_string(), "RESET".into(), "SOFT".into()],
            )],
        )
        .await;
        if let Some(e) = errors.first() {
            anyhow::bail!("resetting the removed node failed: {e}");
        }
    }
    let tolerate = [plan.id.clone()];
    Ok(wait_converged(fleet, &expected, &tolerate, deadline, bar).await)
}

pub async fn failover(
    fleet: &Fleet,
    snap: &Snapshot,
    plan: &FailoverPlan,
    deadline: Instant,
    bar: &ProgressBar,
) -> anyhow::Result<Outcome> {
    let old_slots = snap
        .line(&plan.old_master)
        .map(|m| m.slots.clone())
        .unwrap_or_default();
    let mut expected = expected_from_snapshot(snap);
    for e in expected.iter_mut() {
        if e.id == plan.promote {
            e.role = ExpectedRole::Master {
                slots: old_slots.clone(),
            };
        } else if e.id == plan.old_master
            || matches!(&e.role, ExpectedRole::Replica { master_id } if *master_id == plan.old_master)
        {
            e.role = ExpectedRole::Replica {
                master_id: plan.promote.clone(),
            };
        }
    }
    // An unreachable old master is not waited for; it rejoins as a replica when it returns.
    let tolerate: Vec<String> = if snap.report(&plan.old_master).is_none() {
        vec![plan.old_master.clone()]
    } else {
        Vec::new()
    };
    let mut cmd = vec!["CLUSTER".to_string(), "FAILOVER".into()];
    match plan.mode {
        FailoverMode::Coordinated => {}
        FailoverMode::Force => cmd.push("FORCE".into()),
        FailoverMode::Takeover => cmd.push("TAKEOVER".into()),
    }
    bar.set_message("failing over");
    // A node gives a manual failover 5 s (Redis's CLUSTER_MF_TIMEOUT) and then drops it,
    // which a loaded master or a slow replica can exceed: ask again until the deadline.
    loop {
        let errors = run_all(fleet, vec![(plan.promote_addr.clone(), cmd.clone())]).await;
        if let Some(e) = errors.first() {
            anyhow::bail!("{e}");
        }
        let attempt_end = (Instant::now() + MANUAL_FAILOVER_ATTEMPT).min(deadline);
        while Instant::now() < attempt_end && !is_master(fleet, &plan.promote_addr).await {
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        if Instant::now() >= deadline || is_master(fleet, &plan.promote_addr).await {
            break;
        }
        bar.set_message("the failover timed out on the node; asking again");
    }
    Ok(wait_converged(fleet, &expected, &tolerate, deadline, bar).await)
}

/// How long one CLUSTER FAILOVER may take before it is asked again: a little more than
/// the node's own 5 s limit.
const MANUAL_FAILOVER_ATTEMPT: std::time::Duration = std::time::Duration::from_millis(5500);

/// Whether the node at `addr` says it is a master.
async fn is_master(fleet: &Fleet, addr: &crate::model::Addr) -> bool {
    fleet
        .report(addr)
        .await
        .is_ok_and(|r| r.myself().flags.master)
}
