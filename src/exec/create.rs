//! Applies a create plan: slots, config epochs, a full mesh of MEETs, then replication,
//! reconciled until the cluster has converged.

use std::time::Instant;

use anyhow::Context;
use indicatif::ProgressBar;

use crate::plan::create::CreatePlan;
use crate::snapshot::{Fleet, Snapshot};

use super::converge::{meet_args, run_all, wait_then_restore, ExpectedNode, ExpectedRole};
use super::preflight::EmptyNode;

/// The topology a create plan should end in.
pub fn expected_topology(plan: &CreatePlan, nodes: &[EmptyNode]) -> Vec<ExpectedNode> {
    let find = |id: &str| {
        nodes
            .iter()
            .find(|n| n.id == id)
            .expect("planned from these nodes")
    };
    let mut out = Vec::new();
    for m in &plan.masters {
        let n = find(&m.id);
        out.push(ExpectedNode {
            id: n.id.clone(),
            addr: n.addr.clone(),
            meet_ip: n.meet_ip.clone(),
            cport: n.cport,
            role: ExpectedRole::Master {
                slots: m.slots.clone(),
            },
        });
    }
    for r in &plan.replicas {
        let n = find(&r.id);
        out.push(ExpectedNode {
            id: n.id.clone(),
            addr: n.addr.clone(),
            meet_ip: n.meet_ip.clone(),
            cport: n.cport,
            role: ExpectedRole::Replica {
                master_id: plan.masters[r.master].id.clone(),
            },
        });
    }
    out
}

/// Result of applying: converged (with the final snapshot) or the reasons it did not.
pub type Outcome = Result<Snapshot, Vec<String>>;

pub async fn apply(
    fleet: &Fleet,
    plan: &CreatePlan,
    nodes: &[EmptyNode],
    deadline: Instant,
    bar: &ProgressBar,
    fast_join: bool,
) -> anyhow::Result<Outcome> {
    let expected = expected_topology(plan, nodes);

    // While the cluster forms, speed up what Redis paces by its settings: a master turns
    // cluster_state:ok only min(node-timeout, 5 s) after it last lacked slots, and a master
    // waits repl-diskless-sync-delay (5 s) before its first sync. Both are restored after.
    let mut saved = Vec::new();
    if fast_join {
        let mut tweaks: Vec<(crate::model::Addr, &str, &str)> = nodes
            .iter()
            .map(|n| {
                (
                    n.addr.clone(),
                    "cluster-node-timeout",
                    super::converge::FORMING_NODE_TIMEOUT,
                )
            })
            .collect();
        for r in &plan.replicas {
            tweaks.push((
                plan.masters[r.master].addr.clone(),
                "repl-diskless-sync-delay",
                "0",
            ));
        }
        tweaks.dedup();
        saved = super::converge::lower_settings(fleet, &tweaks).await;
    }

    bar.set_message("assigning slots and config epochs");
    let mut steps = Vec::new();
    for m in &plan.masters {
        for (start, end) in m.slots.ranges() {
            steps.push((
                m.addr.clone(),
                vec![
                    "CLUSTER".into(),
                    "ADDSLOTSRANGE".into(),
                    start.to_string(),
                    end.to_string(),
                ],
            ));
        }
        steps.push((
            m.addr.clone(),
            vec![
                "CLUSTER".into(),
                "SET-CONFIG-EPOCH".into(),
                m.epoch.to_string(),
            ],
        ));
    }
    for r in &plan.replicas {
        steps.push((
            r.addr.clone(),
            vec![
                "CLUSTER".into(),
                "SET-CONFIG-EPOCH".into(),
                r.epoch.to_string(),
            ],
        ));
    }
    let errors = run_all(fleet, steps).await;
    if let Some(e) = errors.first() {
        run_all(fleet, saved).await;
        return Err(anyhow::anyhow!("{e}")).context("assigning slots failed; the cluster is not created (run `rclust fix` on one of the nodes to repair or reset the nodes)");
    }

    // A full mesh of MEETs: every node learns every other directly, not through gossip.
    bar.set_message("joining the nodes");
    let mut meets = Vec::new();
    for (i, a) in nodes.iter().enumerate() {
        for b in &nodes[i + 1..] {
            meets.push((a.addr.clone(), meet_args(&b.meet_ip, b.addr.port, b.cport)));
        }
    }
    let errors = run_all(fleet, meets).await;
    if let Some(e) = errors.first() {
        run_all(fleet, saved).await;
        return Err(anyhow::anyhow!("{e}")).context("joining the nodes failed");
    }

    wait_then_restore(fleet, &expected, deadline, bar, saved).await
}
