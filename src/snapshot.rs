//! A snapshot of a cluster: every reachable node's own report (its view of the cluster,
//! CLUSTER INFO, INFO), loaded concurrently, with the nodes that could not be reached.
//! Each node's view is kept apart so that disagreements between nodes can be reported.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use anyhow::{anyhow, Context};
use futures::stream::{self, StreamExt};

use crate::conn::{ConnOpts, NodeConn};
use crate::model::replies::{all_keys, parse_info};
use crate::model::{parse_cluster_nodes, Addr, ClusterNode};

/// How many nodes are queried at once.
const CONCURRENCY: usize = 64;

/// What one node says about itself and the cluster.
#[derive(Clone, Debug)]
pub struct NodeReport {
    /// The address it was reached at.
    pub addr: Addr,
    /// Its view: every line of its CLUSTER NODES, its own line included.
    pub view: Vec<ClusterNode>,
    pub cluster_info: BTreeMap<String, String>,
    pub info: BTreeMap<String, String>,
}

impl NodeReport {
    /// Its own line (flag `myself`).
    pub fn myself(&self) -> &ClusterNode {
        self.view
            .iter()
            .find(|n| n.flags.myself)
            .expect("checked when loaded")
    }

    pub fn id(&self) -> &str {
        &self.myself().id
    }

    pub fn state_ok(&self) -> bool {
        self.cluster_info.get("cluster_state").map(String::as_str) == Some("ok")
    }

    /// Keys in every database (Valkey 9 clusters may use several).
    pub fn keys(&self) -> u64 {
        all_keys(&self.info)
    }

    /// `master_link_status` of a replica; None for a master.
    pub fn master_link_up(&self) -> Option<bool> {
        self.info
            .get("master_link_status")
            .map(|s| s == "up")
            .filter(|_| self.info.get("role").map(String::as_str) == Some("slave"))
    }

    /// Replication offset: a replica's processed offset, or a master's own.
    pub fn repl_offset(&self) -> i64 {
        self.info
            .get("slave_repl_offset")
            .or(self.info.get("master_repl_offset"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// The line this node's view has for `id`.
    pub fn sees(&self, id: &str) -> Option<&ClusterNode> {
        self.view.iter().find(|n| n.id == id)
    }
}

/// A node listed by some view that could not be queried.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Unreachable {
    pub id: Option<String>,
    pub addr: Addr,
    pub error: String,
}

#[derive(Clone, Debug)]
pub struct Snapshot {
    pub seed: Addr,
    /// Reached nodes, ordered by address.
    pub reports: Vec<NodeReport>,
    pub unreachable: Vec<Unreachable>,
}

impl Snapshot {
    pub fn report(&self, id: &str) -> Option<&NodeReport> {
        self.reports.iter().find(|r| r.id() == id)
    }

    /// Every node id any view mentions (handshake entries aside: their names are temporary).
    pub fn known_ids(&self) -> BTreeSet<String> {
        self.reports
            .iter()
            .flat_map(|r| r.view.iter())
            .filter(|n| !n.flags.handshake)
            .map(|n| n.id.clone())
            .collect()
    }

    /// The best line for a node: its own when reached, else the seed's (or any) view of it.
    pub fn line(&self, id: &str) -> Option<&ClusterNode> {
        if let Some(r) = self.report(id) {
            return Some(r.myself());
        }
        self.reports.iter().find_map(|r| r.sees(id))
    }

    /// Masters as they describe themselves (and unreachable masters as others see them).
    pub fn masters(&self) -> Vec<&ClusterNode> {
        self.known_ids()
            .into_iter()
            .filter_map(|id| self.line(&id))
            .filter(|n| n.flags.master)
            .collect()
    }

    /// Where to reach a node: the address it was reached at, else the address others list.
    pub fn addr_of(&self, id: &str) -> Option<Addr> {
        if let Some(r) = self.report(id) {
            return Some(r.addr.clone());
        }
        self.line(id).map(|n| n.addr.addr())
    }

    /// Finds the node a user named by full id, unique id prefix, or `host:port` (as listed
    /// by the cluster or as it was reached). Errors are one line, for the command's user.
    pub fn resolve_node(&self, spec: &str) -> anyhow::Result<&ClusterNode> {
        let spec = spec.trim();
        let nodes: Vec<&ClusterNode> = self
            .known_ids()
            .into_iter()
            .filter_map(|id| self.line(&id))
            .collect();
        if let Ok(addr) = spec.parse::<Addr>() {
            let by_addr: Vec<&ClusterNode> = nodes
                .iter()
                .copied()
                .filter(|n| n.addr.addr() == addr || self.addr_of(&n.id).as_ref() == Some(&addr))
                .collect();
            match by_addr.as_slice() {
                [one] => return Ok(one),
                [] => {}
                many => anyhow::bail!(
                    "ambiguous node '{spec}': {} nodes are listed at that address",
                    many.len()
                ),
            }
        }
        if spec.is_empty() || !spec.chars().all(|c| c.is_ascii_hexdigit()) {
            anyhow::bail!("unknown node '{spec}': no node of the cluster has that address or id");
        }
        let spec_lc = spec.to_ascii_lowercase();
        if let Some(n) = nodes.iter().find(|n| n.id == spec_lc) {
            return Ok(n);
        }
        let matches: Vec<&ClusterNode> = nodes
            .iter()
            .copied()
            .filter(|n| n.id.starts_with(&spec_lc))
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => anyhow::bail!(
                "unknown node '{spec}': no node of the cluster has that address or id"
            ),
            many => anyhow::bail!(
                "ambiguous node id prefix '{spec}': it matches {}",
                many.iter()
                    .map(|n| format!("{} ({})", n.short_id(), n.addr.addr()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Replicas of `master_id`, as they describe themselves.
    pub fn replicas_of(&self, master_id: &str) -> Vec<&ClusterNode> {
        self.known_ids()
            .into_iter()
            .filter_map(|id| self.line(&id))
            .filter(|n| n.flags.replica && n.master_id.as_deref() == Some(master_id))
            .collect()
    }
}

/// Keeps one connection per node across repeated loads (a convergence wait polls often).
pub struct Fleet {
    pub opts: ConnOpts,
    conns: Mutex<HashMap<Addr, NodeConn>>,
}

impl Fleet {
    pub fn new(opts: ConnOpts) -> Fleet {
        Fleet {
            opts,
            conns: Mutex::new(HashMap::new()),
        }
    }

    pub async fn conn(&self, addr: &Addr) -> anyhow::Result<NodeConn> {
        if let Some(c) = self.conns.lock().unwrap().get(addr) {
            return Ok(c.clone());
        }
        let conn = NodeConn::connect(addr, &self.opts).await?;
        self.conns
            .lock()
            .unwrap()
            .insert(addr.clone(), conn.clone());
        Ok(conn)
    }

    /// Forgets a connection that failed, so the next use reconnects.
    pub fn drop_conn(&self, addr: &Addr) {
        self.conns.lock().unwrap().remove(addr);
    }

    /// Queries one node for its report.
    pub async fn report(&self, addr: &Addr) -> anyhow::Result<NodeReport> {
        let result = async {
            let mut conn = self.conn(addr).await?;
            let mut pipe = redis::pipe();
            pipe.cmd("CLUSTER").arg("NODES");
            pipe.cmd("CLUSTER").arg("INFO");
            pipe.cmd("INFO");
            let (nodes, cinfo, info): (String, String, String) = conn.pipe(&pipe).await?;
            let view = parse_cluster_nodes(&nodes).map_err(|e| anyhow!("{addr}: {e}"))?;
            if view.iter().filter(|n| n.flags.myself).count() != 1 {
                return Err(anyhow!("{addr}: CLUSTER NODES has no line flagged myself"));
            }
            Ok(NodeReport {
                addr: addr.clone(),
                view,
                cluster_info: parse_info(&cinfo),
                info: parse_info(&info),
            })
        }
        .await;
        if result.is_err() {
            self.drop_conn(addr);
        }
        result
    }

    /// Queries many nodes concurrently; results in the order given.
    pub async fn reports(&self, addrs: &[Addr]) -> Vec<anyhow::Result<NodeReport>> {
        let mut out: Vec<(usize, anyhow::Result<NodeReport>)> =
            stream::iter(addrs.iter().enumerate())
                .map(|(i, a)| async move { (i, self.report(a).await) })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
        out.sort_by_key(|(i, _)| *i);
        out.into_iter().map(|(_, r)| r).collect()
    }

    /// Loads the whole cluster from a seed: the seed, every node it lists, and any node
    /// those list that the seed did not. Fails only if the seed cannot be read.
    pub async fn load(&self, seed: &Addr) -> anyhow::Result<Snapshot> {
        let first = self
            .report(seed)
            .await
            .with_context(|| format!("cannot load the cluster from {seed}"))?;
        let seed_id = first.id().to_string();
        let mut reports = vec![first];
        let mut unreachable = Vec::new();
        let mut tried: BTreeSet<String> = BTreeSet::from([seed_id]);
        // Two rounds: the seed's view, then whatever the others know that it did not.
        for _round in 0..2 {
            let mut todo: Vec<(String, Addr)> = Vec::new();
            for report in &reports {
                for n in &report.view {
                    if n.flags.handshake || n.flags.myself || tried.contains(&n.id) {
                        continue;
                    }
                    tried.insert(n.id.clone());
                    if n.flags.noaddr || n.addr.ip.is_empty() {
                        unreachable.push(Unreachable {
                            id: Some(n.id.clone()),
                            addr: n.addr.addr(),
                            error: "no address known (noaddr)".into(),
                        });
                    } else {
                        todo.push((n.id.clone(), n.addr.addr()));
                    }
                }
            }
            if todo.is_empty() {
                break;
            }
            let addrs: Vec<Addr> = todo.iter().map(|(_, a)| a.clone()).collect();
            for ((id, addr), result) in todo.into_iter().zip(self.reports(&addrs).await) {
                match result {
                    Ok(r) => reports.push(r),
                    Err(e) => unreachable.push(Unreachable {
                        id: Some(id),
                        addr,
                        error: format!("{e:#}"),
                    }),
                }
            }
        }
        reports.sort_by(|a, b| a.addr.cmp(&b.addr));
        Ok(Snapshot {
            seed: seed.clone(),
            reports,
            unreachable,
        })
    }

    /// Loads exactly the given nodes (a cluster being built, whose views are still partial).
    pub async fn load_nodes(&self, addrs: &[Addr]) -> Snapshot {
        let mut reports = Vec::new();
        let mut unreachable = Vec::new();
        for (addr, result) in addrs.iter().zip(self.reports(addrs).await) {
            match result {
                Ok(r) => reports.push(r),
                Err(e) => unreachable.push(Unreachable {
                    id: None,
                    addr: addr.clone(),
                    error: format!("{e:#}"),
                }),
            }
        }
        Snapshot {
            seed: addrs[0].clone(),
            reports,
            unreachable,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::reshard::tests::{masters, A, B};

    #[test]
    fn resolves_ids_prefixes_and_addresses() {
        let snap = masters(&[(A, "0-8191"), (B, "8192-16383")]);
        assert_eq!(snap.resolve_node(A).unwrap().id, A);
        assert_eq!(snap.resolve_node("bbbb").unwrap().id, B);
        assert_eq!(snap.resolve_node("127.0.0.1:7001").unwrap().id, B);
        let unknown = snap.resolve_node("127.0.0.1:9999").unwrap_err().to_string();
        assert!(
            unknown.starts_with("unknown node '127.0.0.1:9999'"),
            "{unknown}"
        );
        assert!(snap.resolve_node("cc").is_err());
        let snap = masters(&[
            (A, "0-8191"),
            ("aaaabbbb00000000000000000000000000000000", "8192-16383"),
        ]);
        let amb = snap.resolve_node("aaaa").unwrap_err().to_string();
        assert!(
            amb.starts_with("ambiguous node id prefix 'aaaa': it matches"),
            "{amb}"
        );
    }
}
