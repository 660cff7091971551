//! Applies a create plan: slots and config epochs first, then each replica meets its own
//! master and attaches to it, and every master meets one seed; gossip introduces everyone
//! else (O(N) MEETs, not N²), the wait nudges only stragglers. Because roles, slots and
//! epochs are set before a node is introduced, every view learns them first-hand.

use std::time::Instant;

use anyhow::Context;
use indicatif::ProgressBar;

use crate::admin::plan::create::CreatePlan;
use crate::admin::snapshot::{Fleet, Snapshot};
use crate::model::cluster_cmd;

use super::converge::{run_all, wait_then_restore, ExpectedNode, ExpectedRole};
use super::preflight::EmptyNode;

/// The topology a create plan should end in.
pub fn expected_topology(plan: &CreatePlan, nodes: &[EmptyNode]) -> Vec<ExpectedNode> {
    let find = |id: &str| {
        nodes
            .iter()
            .find(|n| n.id == id)
            .expect("planned from these nodes")
    };
    let expected = |id: &str, role: ExpectedRole| {
        let n = find(id);
        ExpectedNode {
            id: n.id.clone(),
            addr: n.addr.clone(),
            meet_ip: n.meet_ip.clone(),
            cport: n.cport,
            role,
        }
    };
    let mut out = Vec::new();
    for m in &plan.masters {
        let slots = m.slots.clone();
        out.push(expected(&m.id, ExpectedRole::Master { slots }));
    }
    for r in &plan.replicas {
        let master_id = plan.masters[r.master].id.clone();
        out.push(expected(&r.id, ExpectedRole::Replica { master_id }));
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

    // While the cluster forms, speed up what Redis paces by its settings (a master's
    // cluster_state and ping intervals follow the node timeout, chosen by size so that no
    // node is flagged failing; a master waits repl-diskless-sync-delay before its first
    // sync). Both are restored after.
    let mut saved = Vec::new();
    if fast_join {
        let timeout = super::converge::forming_node_timeout(nodes.len()).to_string();
        let mut tweaks: Vec<(crate::model::Addr, &str, String)> = nodes
            .iter()
            .map(|n| (n.addr.clone(), "cluster-node-timeout", timeout.clone()))
            .collect();
        for r in &plan.replicas {
            tweaks.push((
                plan.masters[r.master].addr.clone(),
                "repl-diskless-sync-delay",
                "0".into(),
            ));
        }
        tweaks.sort();
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

    bar.set_message("joining the nodes");
    let (pairs, hub) = join_meets(plan, nodes);
    let mut errors = run_all(fleet, pairs).await;
    if errors.is_empty() {
        attach_replicas(fleet, plan, deadline).await;
        errors = run_all(fleet, hub).await;
    }
    if let Some(e) = errors.first() {
        run_all(fleet, saved).await;
        let seed = &plan.masters[0].addr;
        return Err(anyhow::anyhow!("{e}")).context(format!(
            "joining the nodes failed after the slots were assigned: the nodes are not one \
             cluster yet; finish joining with `rclust add-node` for the missing nodes, or run \
             `rclust check {seed}` once they can be reached, then `rclust fix {seed}`"
        ));
    }

    wait_then_restore(fleet, &expected, deadline, bar, saved).await
}

/// A command for one node.
type Command = (crate::model::Addr, Vec<String>);

/// The MEETs that join a planned cluster, one per node: first each replica meets its
/// master (so it can attach before anyone else learns of it), then every other master
/// meets the first one, which gossip makes known to all.
pub fn join_meets(plan: &CreatePlan, nodes: &[EmptyNode]) -> (Vec<Command>, Vec<Command>) {
    let find = |id: &str| {
        nodes
            .iter()
            .find(|n| n.id == id)
            .expect("planned from these nodes")
    };
    let seed = find(&plan.masters[0].id);
    let pairs = plan
        .replicas
        .iter()
        .map(|r| {
            let m = find(&plan.masters[r.master].id);
            (
                r.addr.clone(),
                cluster_cmd::meet(&m.meet_ip, m.addr.port, m.cport),
            )
        })
        .collect();
    let hub = plan.masters[1..]
        .iter()
        .map(|m| {
            (
                m.addr.clone(),
                cluster_cmd::meet(&seed.meet_ip, seed.addr.port, seed.cport),
            )
        })
        .collect();
    (pairs, hub)
}

/// Asks every replica to replicate its master until each has accepted (a replica knows
/// its master a handshake after meeting it), for at most a few seconds: a replica still
/// unattached then is attached by the wait, and its role spreads by nudges instead.
async fn attach_replicas(fleet: &Fleet, plan: &CreatePlan, deadline: Instant) {
    let give_up = (Instant::now() + std::time::Duration::from_secs(3)).min(deadline);
    let mut todo: Vec<_> = plan.replicas.iter().collect();
    while !todo.is_empty() && Instant::now() < give_up {
        let results = futures::future::join_all(todo.iter().map(|r| async move {
            let master = &plan.masters[r.master].id;
            let mut conn = fleet.conn(&r.addr).await?;
            let replicate = cluster_cmd::replicate(master);
            let args: Vec<&str> = replicate.iter().map(String::as_str).collect();
            conn.cmd::<()>(&args).await
        }))
        .await;
        todo = todo
            .into_iter()
            .zip(results)
            .filter_map(|(r, ok)| ok.is_err().then_some(r))
            .collect();
        if !todo.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}
