//! What is wrong with a cluster, as pure functions of a snapshot. `rclust check` prints these
//! findings; `create` and the other changing commands wait until there are none.
//! Every check walks each view once (views and the known ids are both sorted by id), so a
//! snapshot of N views of N lines costs N² line visits and no lookups by scanning.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::admin::snapshot::Snapshot;
use crate::model::id::short;
use crate::model::{ClusterNode, NodeId, SlotSet, SLOT_COUNT};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The cluster is not healthy: `check` exits 1, a wait goes on.
    Problem,
    /// Worth knowing, not a failure.
    Warning,
}

/// One finding. `kind` is a stable code for scripts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub kind: &'static str,
    /// The node the finding is about, as `id` (when known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slots: Option<String>,
    pub message: String,
}

fn problem(kind: &'static str, node: Option<&str>, message: String) -> Finding {
    Finding {
        severity: Severity::Problem,
        kind,
        node: node.map(str::to_string),
        slots: None,
        message,
    }
}

/// `id (addr)` for messages.
fn name(n: &ClusterNode) -> String {
    format!("{} ({})", n.short_id(), n.addr.addr())
}

/// At most this many names in one message; the rest are counted.
const NAMES_SHOWN: usize = 5;

fn join(names: &[String]) -> String {
    if names.len() <= NAMES_SHOWN {
        return names.join(", ");
    }
    format!(
        "{} and {} more",
        names[..NAMES_SHOWN].join(", "),
        names.len() - NAMES_SHOWN
    )
}

/// Every check, problems first.
pub fn assess(snap: &Snapshot) -> Vec<Finding> {
    assess_with(snap, true)
}

/// Every check but the comparison of views (what a wait that compares views itself needs).
pub fn assess_nodes(snap: &Snapshot) -> Vec<Finding> {
    assess_with(snap, false)
}

fn assess_with(snap: &Snapshot, views: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(unreachable(snap));
    out.extend(flagged(snap, views));
    out.extend(state_not_ok(snap));
    if views {
        out.extend(disagreements(snap));
    }
    out.extend(open_slots(snap));
    out.extend(coverage(snap));
    out.extend(epoch_collisions(snap));
    out.extend(replication_warnings(snap));
    out.extend(placement_warnings(snap));
    out.sort_by_key(|f| f.severity == Severity::Warning);
    out
}

pub fn problems(findings: &[Finding]) -> usize {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Problem)
        .count()
}

fn unreachable(snap: &Snapshot) -> Vec<Finding> {
    snap.unreachable
        .iter()
        .map(|u| {
            let id = u.id.as_deref().map(short).unwrap_or("?");
            problem(
                "unreachable",
                u.id.as_deref(),
                format!("node {id} ({}) cannot be reached: {}", u.addr, u.error),
            )
        })
        .collect()
}

/// Nodes some view flags as failing or not yet joined, grouped by the node flagged
/// (handshakes only when `handshakes`).
fn flagged(snap: &Snapshot, handshakes: bool) -> Vec<Finding> {
    let mut by_node: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in &snap.reports {
        for n in r.view.iter().filter(|n| n.flags.is_troubled()) {
            if n.flags.handshake && !handshakes {
                continue;
            }
            let what = n.flags.trouble_words().join(",");
            let subject = if n.flags.handshake {
                format!("{}", n.addr.addr())
            } else {
                name(n)
            };
            by_node
                .entry((subject, what))
                .or_default()
                .push(r.addr.to_string());
        }
    }
    by_node
        .into_iter()
        .map(|((subject, what), viewers)| {
            let kind = if what.contains("handshake") {
                "handshake"
            } else {
                "flagged"
            };
            problem(
                kind,
                None,
                format!("node {subject} is flagged {what} by {}", join(&viewers)),
            )
        })
        .collect()
}

fn state_not_ok(snap: &Snapshot) -> Vec<Finding> {
    snap.reports
        .iter()
        .filter(|r| !r.state_ok())
        .map(|r| {
            let state = r.cluster_info.get("cluster_state").cloned();
            problem(
                "state_not_ok",
                Some(r.id()),
                format!(
                    "node {} reports cluster_state:{}",
                    name(r.myself()),
                    state.as_deref().unwrap_or("?")
                ),
            )
        })
        .collect()
}

/// Where a node's view of another differs from what that node says of itself. Each view is
/// walked alongside the sorted list of known nodes.
fn disagreements(snap: &Snapshot) -> Vec<Finding> {
    let known: Vec<&ClusterNode> = snap.lines().collect();
    let mut out = Vec::new();
    let mut unknown_to: Vec<Vec<String>> = vec![Vec::new(); known.len()];
    for r in &snap.reports {
        let my_id = r.id();
        let mut view = r.view.iter().filter(|n| !n.flags.handshake).peekable();
        for (k, truth) in known.iter().enumerate() {
            while view.next_if(|n| n.id < truth.id).is_some() {}
            let seen = view.next_if(|n| n.id == truth.id);
            if truth.id == my_id {
                continue;
            }
            let Some(seen) = seen else {
                unknown_to[k].push(r.addr.to_string());
                continue;
            };
            if let Some(diff) = describe_difference(seen, truth) {
                out.push(problem(
                    "disagreement",
                    Some(&truth.id),
                    format!("{} sees {} {}", r.addr, name(truth), diff),
                ));
            }
        }
    }
    for (truth, viewers) in known.iter().zip(unknown_to) {
        if !viewers.is_empty() {
            out.push(problem(
                "disagreement",
                Some(&truth.id),
                format!("node {} is unknown to {}", name(truth), join(&viewers)),
            ));
        }
    }
    out
}

fn describe_difference(seen: &ClusterNode, truth: &ClusterNode) -> Option<String> {
    if seen.role() != truth.role() {
        return Some(format!("as {} but it is a {}", seen.role(), truth.role()));
    }
    if seen.master_id != truth.master_id {
        let short = |m: &Option<NodeId>| m.as_ref().map_or("-", NodeId::short).to_string();
        return Some(format!(
            "replicating {} but it replicates {}",
            short(&seen.master_id),
            short(&truth.master_id)
        ));
    }
    if truth.flags.master && !seen.slots.same_bitmap(&truth.slots) && seen.slots != truth.slots {
        return Some(format!(
            "serving slots {} but it serves {}",
            seen.slots, truth.slots
        ));
    }
    if seen.addr.ip != truth.addr.ip || seen.addr.port != truth.addr.port {
        return Some(format!(
            "at {} but it is at {}",
            seen.addr.addr(),
            truth.addr.addr()
        ));
    }
    None
}

fn open_slots(snap: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in &snap.reports {
        let me = r.myself();
        for (dir, list) in [
            ("migrating to", &me.migrating),
            ("importing from", &me.importing),
        ] {
            for open in list {
                let peer = snap
                    .line(&open.peer)
                    .map(name)
                    .unwrap_or_else(|| open.peer.to_string());
                let mut f = problem(
                    "open_slot",
                    Some(&me.id),
                    format!("node {} has slot {} {dir} {peer}", name(me), open.slot),
                );
                f.slots = Some(open.slot.to_string());
                out.push(f);
            }
        }
    }
    out
}

/// Uncovered slots and slots several masters claim, by the masters' own word.
fn coverage(snap: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    let masters = snap.masters();
    let mut covered = SlotSet::new();
    for m in &masters {
        covered.union_with(&m.slots);
    }
    if covered.len() < SLOT_COUNT as usize {
        let missing = covered.complement();
        let mut f = problem(
            "uncovered_slots",
            None,
            format!(
                "{} slots are not covered by any node: {missing}",
                missing.len()
            ),
        );
        f.slots = Some(missing.to_string());
        out.push(f);
    }
    // Pairs are compared only when some slot is claimed twice (the counts tell).
    let claimed: usize = masters.iter().map(|m| m.slots.len()).sum();
    if claimed == covered.len() {
        return out;
    }
    for (i, a) in masters.iter().enumerate() {
        for b in &masters[i + 1..] {
            if a.slots.is_disjoint(&b.slots) {
                continue;
            }
            let both = a.slots.intersection(&b.slots);
            {
                let mut f = problem(
                    "multiple_owners",
                    Some(&a.id),
                    format!(
                        "slots {both} are claimed by both {} and {}",
                        name(a),
                        name(b)
                    ),
                );
                f.slots = Some(both.to_string());
                out.push(f);
            }
        }
    }
    out
}

/// Masters that share a config epoch, by their own word. The nodes resolve it by
/// themselves within a few pings (the one with the smaller id takes a new epoch), but until
/// then it is dangerous: a master that takes a slot with an epoch another one shares is
/// not bumped, and the other, when it moves on, wins back any slot it still claims; the
/// taker then deletes that slot's keys as belonging to someone else. A move must not start
/// (and a command is not done) until every master's epoch is its own.
fn epoch_collisions(snap: &Snapshot) -> Vec<Finding> {
    let mut by_epoch: BTreeMap<u64, Vec<&ClusterNode>> = BTreeMap::new();
    for m in snap.masters() {
        by_epoch.entry(m.config_epoch).or_default().push(m);
    }
    by_epoch
        .into_iter()
        .filter(|(_, ms)| ms.len() > 1)
        .map(|(epoch, ms)| {
            let names: Vec<String> = ms.iter().map(|m| name(m)).collect();
            problem(
                "epoch_collision",
                Some(&ms[0].id),
                format!(
                    "masters {} share config epoch {epoch} (the nodes resolve this within a few seconds)",
                    join(&names)
                ),
            )
        })
        .collect()
}

/// A view that has an older config epoch for a master than the master has itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochLag {
    pub master: String,
    pub viewer: String,
    pub seen: u64,
    pub actual: u64,
}

/// Every reached node's view of every reached master whose config epoch differs from the
/// master's own. Not a problem for `check` (gossip brings it in a ping or two), but a node
/// that takes a slot while it does not know the highest epoch can pick one another master
/// already has.
pub fn epoch_lags(snap: &Snapshot) -> Vec<EpochLag> {
    let mut out = Vec::new();
    for master in snap.reports.iter().map(|r| r.myself()) {
        if !master.flags.master {
            continue;
        }
        for r in snap.reports.iter().filter(|r| r.id() != master.id) {
            if let Some(seen) = r.sees(&master.id) {
                if seen.config_epoch != master.config_epoch {
                    out.push(EpochLag {
                        master: master.id.to_string(),
                        viewer: r.id().to_string(),
                        seen: seen.config_epoch,
                        actual: master.config_epoch,
                    });
                }
            }
        }
    }
    out
}

fn replication_warnings(snap: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut replicas: HashMap<&str, usize> = HashMap::new();
    for n in snap.lines().filter(|n| n.flags.replica) {
        if let Some(m) = &n.master_id {
            *replicas.entry(m.as_str()).or_default() += 1;
        }
    }
    for m in snap.masters() {
        if !m.slots.is_empty() && !replicas.contains_key(m.id.as_str()) {
            out.push(Finding {
                severity: Severity::Warning,
                kind: "no_replica",
                node: Some(m.id.to_string()),
                slots: None,
                message: format!("master {} has no replica", name(m)),
            });
        }
    }
    for r in &snap.reports {
        if r.master_link_up() == Some(false) {
            out.push(Finding {
                severity: Severity::Warning,
                kind: "replica_link_down",
                node: Some(r.id().to_string()),
                slots: None,
                message: format!(
                    "replica {} has master_link_status:{}",
                    name(r.myself()),
                    r.info
                        .get("master_link_status")
                        .map(String::as_str)
                        .unwrap_or("?")
                ),
            });
        }
    }
    out
}

/// A master whose replicas all share its host (or its availability zone) is lost with that
/// host (zone). Said only where the cluster spans more than one, so that something could be
/// done about it: a cluster on one machine is not warned about.
fn placement_warnings(snap: &Snapshot) -> Vec<Finding> {
    let zone_of = |id: &str| {
        snap.report(id)
            .and_then(|r| crate::model::replies::zone_of(&r.info))
    };
    let hosts: HashSet<&str> = snap.lines().map(|n| n.addr.ip.as_str()).collect();
    let zones: HashSet<&str> = snap.lines().filter_map(|n| zone_of(&n.id)).collect();
    let mut out = Vec::new();
    for m in snap.masters().into_iter().filter(|m| !m.slots.is_empty()) {
        let replicas = snap.replicas_of(&m.id);
        if replicas.is_empty() {
            continue;
        }
        let warn = |kind, what: String| Finding {
            severity: Severity::Warning,
            kind,
            node: Some(m.id.to_string()),
            slots: None,
            message: format!(
                "master {} and its {} replica(s) are all {what}: losing it loses the shard",
                name(m),
                replicas.len()
            ),
        };
        if hosts.len() > 1 && replicas.iter().all(|r| r.addr.ip == m.addr.ip) {
            out.push(warn("shard_one_host", format!("on host {}", m.addr.ip)));
        }
        if let Some(zone) = zone_of(&m.id) {
            if zones.len() > 1 && replicas.iter().all(|r| zone_of(&r.id) == Some(zone)) {
                out.push(warn("shard_one_zone", format!("in zone {zone}")));
            }
        }
    }
    out
}

/// What each node's `cluster-preferred-endpoint-type` means for clients: nodes that
/// disagree send clients to different kinds of endpoints, and a node redirecting by
/// hostname sends `?` for a node that announces none. `types` holds each reachable node's
/// setting by id (nodes that do not have the setting are left out).
pub fn endpoint_findings(snap: &Snapshot, types: &BTreeMap<String, String>) -> Vec<Finding> {
    let mut out = Vec::new();
    let kinds: HashSet<&str> = types.values().map(String::as_str).collect();
    if kinds.len() > 1 {
        let mut listed: Vec<String> = types
            .iter()
            .filter_map(|(id, t)| Some(format!("{} {t}", name(snap.line(id)?))))
            .collect();
        listed.sort();
        out.push(Finding {
            severity: Severity::Warning,
            kind: "endpoint_type_mixed",
            node: None,
            slots: None,
            message: format!(
                "nodes differ in cluster-preferred-endpoint-type: {}",
                join(&listed)
            ),
        });
    }
    if types.values().any(|t| t == "hostname") {
        let mut missing: Vec<String> = snap
            .lines()
            .filter(|n| n.addr.hostname.is_none())
            .map(name)
            .collect();
        missing.sort();
        if !missing.is_empty() {
            out.push(Finding {
                severity: Severity::Warning,
                kind: "hostname_missing",
                node: None,
                slots: None,
                message: format!(
                    "clients are redirected by hostname (cluster-preferred-endpoint-type hostname), but {} announce(s) none (cluster-announce-hostname): clients get '?' for them",
                    join(&missing)
                ),
            });
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::admin::snapshot::NodeReport;
    use crate::model::parse_cluster_nodes;
    use crate::model::replies::parse_info;

    /// A snapshot from each node's CLUSTER NODES text (the `myself` line picks the node).
    pub fn snapshot_of(views: &[&str]) -> Snapshot {
        let reports = views
            .iter()
            .map(|text| healthy_report(parse_cluster_nodes(text).unwrap()))
            .collect();
        Snapshot::new(crate::model::Addr::new("127.0.0.1", 7000), reports, vec![])
    }

    /// The report of a healthy node whose CLUSTER NODES view is `view` (its `myself`
    /// line says which node it is).
    pub fn healthy_report(view: Vec<crate::model::ClusterNode>) -> NodeReport {
        let me = view.iter().find(|n| n.flags.myself).unwrap().clone();
        let role = if me.flags.master { "master" } else { "slave" };
        NodeReport::new(
            me.addr.addr(),
            view,
            parse_info("cluster_state:ok\r\n"),
            parse_info(&format!("role:{role}\r\nmaster_link_status:up\r\n")),
        )
        .unwrap()
    }

    /// Node ids the admin unit tests share.
    pub const A: &str = "aaaaaaaa00000000000000000000000000000000";
    pub const B: &str = "bbbbbbbb00000000000000000000000000000000";
    pub const C: &str = "cccccccc00000000000000000000000000000000";
    pub const D: &str = "dddddddd00000000000000000000000000000000";

    fn line(id: &str, port: u16, me: bool, role: &str, slots: &str) -> String {
        let flags = if me {
            format!("myself,{role}")
        } else {
            role.to_string()
        };
        let (role_master, slots) = if role == "slave" {
            (A.to_string(), String::new())
        } else {
            ("-".to_string(), slots.to_string())
        };
        // Every node its own config epoch, as in a settled cluster.
        format!(
            "{id} 127.0.0.1:{port}@{} {flags} {role_master} 0 0 {} connected {slots}\n",
            port + 10000,
            port - 6999
        )
    }

    fn healthy_views() -> Vec<String> {
        (0..3)
            .map(|me| {
                line(A, 7000, me == 0, "master", "0-8191")
                    + &line(B, 7001, me == 1, "master", "8192-16383")
                    + &line(C, 7002, me == 2, "slave", "")
            })
            .collect()
    }

    fn assess_views(views: &[String]) -> Vec<Finding> {
        let refs: Vec<&str> = views.iter().map(String::as_str).collect();
        assess(&snapshot_of(&refs))
    }

    fn kinds(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.kind).collect()
    }

    #[test]
    fn a_shard_on_one_host_or_zone_is_warned_about_where_there_is_another() {
        // All on 127.0.0.1 and no zones: nothing to say.
        assert!(!kinds(&assess_views(&healthy_views())).contains(&"shard_one_host"));
        // A and its replica C on 10.0.0.1, B on 10.0.0.2: A's shard is on one host.
        let views: Vec<String> = healthy_views()
            .iter()
            .map(|v| {
                v.replace("127.0.0.1:7000", "10.0.0.1:7000")
                    .replace("127.0.0.1:7002", "10.0.0.1:7002")
                    .replace("127.0.0.1:7001", "10.0.0.2:7001")
            })
            .collect();
        let found = assess_views(&views);
        let warning = found.iter().find(|f| f.kind == "shard_one_host").unwrap();
        assert_eq!(warning.node.as_deref(), Some(A));
        assert!(warning.message.contains("on host 10.0.0.1"), "{warning:?}");
        assert_eq!(problems(&found), 0);
        // Zones: A and C in z1, B in z2.
        let refs: Vec<String> = healthy_views();
        let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
        let mut snap = snapshot_of(&refs);
        for (r, zone) in snap.reports.iter_mut().zip(["z1", "z2", "z1"]) {
            r.info.insert("availability_zone".into(), zone.into());
        }
        let found = assess(&snap);
        let warning = found.iter().find(|f| f.kind == "shard_one_zone").unwrap();
        assert_eq!(warning.node.as_deref(), Some(A));
        assert!(warning.message.contains("in zone z1"), "{warning:?}");
        // C moved to z2: the shard spans two zones.
        snap.reports[2]
            .info
            .insert("availability_zone".into(), "z2".into());
        assert!(!kinds(&assess(&snap)).contains(&"shard_one_zone"));
    }

    #[test]
    fn endpoint_types_that_differ_or_lack_hostnames_are_warned_about() {
        let views: Vec<String> = healthy_views()
            .iter()
            .map(|v| v.replace("127.0.0.1:7000@17000", "127.0.0.1:7000@17000,a.example"))
            .collect();
        let refs: Vec<&str> = views.iter().map(String::as_str).collect();
        let snap = snapshot_of(&refs);
        let types = |t: [&str; 3]| {
            [A, B, C]
                .iter()
                .zip(t)
                .map(|(id, t)| (id.to_string(), t.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        assert!(endpoint_findings(&snap, &types(["ip", "ip", "ip"])).is_empty());
        let found = endpoint_findings(&snap, &types(["hostname", "hostname", "hostname"]));
        assert_eq!(kinds(&found), ["hostname_missing"]);
        assert!(found[0].message.contains("bbbbbbbb"), "{found:?}");
        assert!(!found[0].message.contains("aaaaaaaa"), "{found:?}");
        let found = endpoint_findings(&snap, &types(["ip", "hostname", "ip"]));
        assert_eq!(kinds(&found), ["endpoint_type_mixed", "hostname_missing"]);
    }

    #[test]
    fn healthy_cluster_has_only_warnings() {
        let findings = assess_views(&healthy_views());
        assert_eq!(problems(&findings), 0, "{findings:#?}");
        // B has no replica.
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].kind, "no_replica");
        assert!(findings[0].message.contains("bbbbbbbb"));
    }

    #[test]
    fn masters_sharing_an_epoch_are_a_problem() {
        // B takes A's epoch (1) in every view, as after two unacknowledged bumps.
        let views: Vec<String> = healthy_views()
            .iter()
            .map(|v| v.replace("0 0 2 connected 8192", "0 0 1 connected 8192"))
            .collect();
        let findings = assess_views(&views);
        let c: Vec<_> = findings
            .iter()
            .filter(|f| f.kind == "epoch_collision")
            .collect();
        assert_eq!(c.len(), 1, "{findings:#?}");
        assert_eq!(c[0].severity, Severity::Problem);
        assert!(c[0].message.starts_with(
            "masters aaaaaaaa (127.0.0.1:7000), bbbbbbbb (127.0.0.1:7001) share config epoch 1"
        ));
    }

    #[test]
    fn views_with_an_old_epoch_lag() {
        let mut views = healthy_views();
        assert!(epoch_lags(&snapshot_of(
            &views.iter().map(String::as_str).collect::<Vec<_>>()
        ))
        .is_empty());
        // C (a replica) has not heard that B moved to epoch 5.
        views[1] = views[1].replace("0 0 2 connected 8192", "0 0 5 connected 8192");
        views[0] = views[0].replace("0 0 2 connected 8192", "0 0 5 connected 8192");
        let refs: Vec<&str> = views.iter().map(String::as_str).collect();
        let lags = epoch_lags(&snapshot_of(&refs));
        assert_eq!(
            lags,
            vec![EpochLag {
                master: B.to_string(),
                viewer: C.to_string(),
                seen: 2,
                actual: 5
            }]
        );
    }

    #[test]
    fn uncovered_and_doubly_owned_slots() {
        let mut views = healthy_views();
        views[1] = views[1].replace("8192-16383", "8000-16000");
        let findings = assess_views(&views);
        let kinds: Vec<_> = findings.iter().map(|f| f.kind).collect();
        assert!(kinds.contains(&"uncovered_slots"), "{kinds:?}");
        let uncovered = findings
            .iter()
            .find(|f| f.kind == "uncovered_slots")
            .unwrap();
        assert_eq!(uncovered.slots.as_deref(), Some("16001-16383"));
        let multi = findings
            .iter()
            .find(|f| f.kind == "multiple_owners")
            .unwrap();
        assert_eq!(multi.slots.as_deref(), Some("8000-8191"));
        // The others still believe the old ranges: a disagreement naming the viewer.
        assert!(findings
            .iter()
            .any(|f| f.kind == "disagreement"
                && f.message.starts_with("127.0.0.1:7000 sees bbbbbbbb")));
    }

    #[test]
    fn role_disagreement_names_viewer_and_node() {
        let mut views = healthy_views();
        // Node A still sees C as a master.
        views[0] = views[0].replace(&format!("slave {A}"), "master -");
        let findings = assess_views(&views);
        let d: Vec<_> = findings
            .iter()
            .filter(|f| f.kind == "disagreement")
            .collect();
        assert_eq!(d.len(), 1, "{findings:#?}");
        assert_eq!(
            d[0].message,
            "127.0.0.1:7000 sees cccccccc (127.0.0.1:7002) as master but it is a replica"
        );
    }

    #[test]
    fn open_slots_and_flags() {
        let mut views = healthy_views();
        views[0] = views[0].replace("0-8191\n", &format!("0-8191 [5->-{B}]\n"));
        views[1] = views[1].replace(
            &format!("{C} 127.0.0.1:7002@17002 slave"),
            &format!("{C} 127.0.0.1:7002@17002 slave,fail?"),
        );
        let findings = assess_views(&views);
        let open = findings.iter().find(|f| f.kind == "open_slot").unwrap();
        assert_eq!(
            open.message,
            "node aaaaaaaa (127.0.0.1:7000) has slot 5 migrating to bbbbbbbb (127.0.0.1:7001)"
        );
        let flagged = findings.iter().find(|f| f.kind == "flagged").unwrap();
        assert_eq!(
            flagged.message,
            "node cccccccc (127.0.0.1:7002) is flagged fail? by 127.0.0.1:7001"
        );
    }

    #[test]
    fn unknown_node_is_reported() {
        let mut views = healthy_views();
        views[2] = views[2]
            .lines()
            .filter(|l| !l.starts_with(B))
            .map(|l| format!("{l}\n"))
            .collect();
        let findings = assess_views(&views);
        assert!(findings
            .iter()
            .any(|f| f.message == "node bbbbbbbb (127.0.0.1:7001) is unknown to 127.0.0.1:7002"));
    }

    /// The views of a healthy cluster of `masters` masters with one replica each, as every
    /// node would print them (ids and ports made up, slots split evenly).
    pub fn healthy_cluster_views(masters: usize) -> Vec<String> {
        let n = masters * 2;
        let id = |i: usize| format!("{i:08x}{:032x}", i * 7919);
        let per = crate::model::SLOT_COUNT as usize / masters;
        let lines: Vec<(String, String)> = (0..n)
            .map(|i| {
                let port = 12000 + i;
                let (role, master, slots) = if i < masters {
                    let end = if i == masters - 1 {
                        crate::model::SLOT_COUNT as usize - 1
                    } else {
                        (i + 1) * per - 1
                    };
                    ("master", "-".to_string(), format!(" {}-{end}", i * per))
                } else {
                    ("slave", id(i - masters), String::new())
                };
                let head = format!("{} 127.0.0.1:{port}@{}", id(i), port + 10000);
                let tail = format!("{master} 0 1700000000000 {} connected{slots}", i + 1);
                (head, format!("{role} {tail}"))
            })
            .collect();
        (0..n)
            .map(|me| {
                let mut text = String::with_capacity(n * 110);
                for (i, (head, rest)) in lines.iter().enumerate() {
                    let myself = if i == me { "myself," } else { "" };
                    text.push_str(&format!("{head} {myself}{rest}\n"));
                }
                text
            })
            .collect()
    }

    /// The CLI's pure parts on 1000 views of 1000 nodes (500 masters + 500 replicas):
    /// parsing, the snapshot's indexes, `assess` and `converge::pending`. The views are
    /// those the bus simulator's 1000-node cluster printed when `SIM_VIEWS` names the file
    /// `scripts/sim-scale.sh` wrote, else generated ones. Timings are printed; the script
    /// runs it (`cargo test --release --lib at_1000_nodes -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn at_1000_nodes() {
        use std::time::Instant;
        let (views, source) = match std::env::var("SIM_VIEWS") {
            Ok(path) => {
                let text = std::fs::read_to_string(&path).unwrap();
                let views: Vec<String> = text
                    .split("\n\n")
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| format!("{}\n", v.trim_end()))
                    .collect();
                (views, format!("simulated, from {path}"))
            }
            Err(_) => (healthy_cluster_views(500), "generated".to_string()),
        };
        let bytes: usize = views.iter().map(String::len).sum();
        let t = Instant::now();
        let mut interner = crate::model::ViewInterner::new();
        let parsed: Vec<Vec<ClusterNode>> = views
            .iter()
            .map(|v| crate::model::parse_cluster_nodes_with(v, &mut interner).unwrap())
            .collect();
        let parse = t.elapsed();
        let t = Instant::now();
        let reports: Vec<NodeReport> = parsed.into_iter().map(healthy_report).collect();
        let snap = Snapshot::new(crate::model::Addr::new("127.0.0.1", 12000), reports, vec![]);
        let index = t.elapsed();
        let t = Instant::now();
        let findings = assess(&snap);
        let assess_time = t.elapsed();
        assert_eq!(
            problems(&findings),
            0,
            "{:?}",
            &findings[..findings.len().min(3)]
        );
        let expected = crate::admin::exec::converge::expected_from_snapshot(&snap);
        let t = Instant::now();
        let p = crate::admin::exec::converge::pending(&snap, &expected, &[]);
        let pending_time = t.elapsed();
        assert!(p.is_done(), "{:?}", p.reasons);
        // One stale view among the million lines is found and named.
        let mut snap = snap;
        let victim = snap.reports[3]
            .view
            .iter()
            .position(|n| n.flags.replica)
            .unwrap();
        snap.reports[3].view[victim].flags.pfail = true;
        let t = Instant::now();
        let findings = assess(&snap);
        let assess_bad = t.elapsed();
        assert_eq!(problems(&findings), 1, "{findings:?}");
        eprintln!(
            "{} views x {} lines ({source}, {:.0} MB of CLUSTER NODES): parse {parse:.2?}, \
             index {index:.2?}, assess {assess_time:.2?} (with a flagged node {assess_bad:.2?}), \
             pending {pending_time:.2?}; {} distinct slot sets",
            snap.reports.len(),
            snap.reports[0].view.len(),
            bytes as f64 / 1e6,
            interner.len()
        );
    }
}
