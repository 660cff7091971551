//! A snapshot of a cluster: every reachable node's own report (its view of the cluster,
//! CLUSTER INFO, INFO), loaded concurrently, with the nodes that could not be reached.
//! Each node's view is kept apart so that disagreements between nodes can be reported.
//! At size (N views of N lines) nothing is looked up by scanning: a view is sorted by id and
//! searched, the snapshot indexes its reports by id, and the views share their slot sets.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use futures::stream::{self, StreamExt};

use redis::Value;

use crate::admin::conn::{describe, ConnOpts, NodeConn};
use crate::model::replies::{all_keys, parse_info};
use crate::model::{parse_cluster_nodes_with, Addr, ClusterNode, ViewInterner};

/// The addresses a host name stands for, as text (`localhost` -> 127.0.0.1, ::1); none
/// when it does not resolve.
fn resolved_ips(addr: &Addr) -> Vec<String> {
    use std::net::ToSocketAddrs;
    (addr.host.as_str(), addr.port)
        .to_socket_addrs()
        .map(|all| all.map(|a| a.ip().to_string()).collect())
        .unwrap_or_default()
}

/// How many nodes are queried at once.
const CONCURRENCY: usize = 64;

/// What one node says about itself and the cluster.
#[derive(Clone, Debug)]
pub struct NodeReport {
    /// The address it was reached at.
    pub addr: Addr,
    /// Its view: every line of its CLUSTER NODES, its own line included, sorted by id
    /// (lines are looked up by binary search; keep the order when editing it).
    pub view: Vec<ClusterNode>,
    pub cluster_info: BTreeMap<String, String>,
    /// The `server`, `replication` and `keyspace` sections of INFO.
    pub info: BTreeMap<String, String>,
    /// Its `cluster-preferred-endpoint-type`, when the fleet asked for it and the node
    /// has the setting and allows CONFIG GET.
    pub endpoint_type: Option<String>,
    /// Where the `myself` line is in `view`.
    me: usize,
}

impl NodeReport {
    /// A report from a parsed view (which must have exactly one line flagged `myself`).
    pub fn new(
        addr: Addr,
        mut view: Vec<ClusterNode>,
        cluster_info: BTreeMap<String, String>,
        info: BTreeMap<String, String>,
    ) -> anyhow::Result<NodeReport> {
        if view.iter().filter(|n| n.flags.myself).count() != 1 {
            return Err(anyhow!("{addr}: CLUSTER NODES has no line flagged myself"));
        }
        view.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let me = view.iter().position(|n| n.flags.myself).unwrap_or(0);
        Ok(NodeReport {
            addr,
            view,
            cluster_info,
            info,
            endpoint_type: None,
            me,
        })
    }

    /// Its own line (flag `myself`).
    pub fn myself(&self) -> &ClusterNode {
        match self.view.get(self.me) {
            Some(n) if n.flags.myself => n,
            _ => self
                .view
                .iter()
                .find(|n| n.flags.myself)
                .expect("checked when loaded"),
        }
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
        self.view
            .binary_search_by(|n| n.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.view[i])
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
    /// Report positions by node id.
    by_id: HashMap<String, usize>,
    /// Every node id any view mentions, with its best line's place: `(report, line)`.
    known: BTreeMap<String, (usize, usize)>,
}

impl Snapshot {
    /// Indexes the reports (which must not change afterwards except in place, line for line).
    pub fn new(seed: Addr, reports: Vec<NodeReport>, unreachable: Vec<Unreachable>) -> Snapshot {
        let by_id: HashMap<String, usize> = reports
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id().to_string(), i))
            .collect();
        let mut known: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (ri, r) in reports.iter().enumerate() {
            for (li, n) in r.view.iter().enumerate() {
                if n.flags.handshake || known.contains_key(n.id.as_str()) {
                    continue;
                }
                // A node's own line wins; else the first view listing it.
                let place = by_id
                    .get(n.id.as_str())
                    .map(|&i| (i, reports[i].me))
                    .unwrap_or((ri, li));
                known.insert(n.id.to_string(), place);
            }
        }
        Snapshot {
            seed,
            reports,
            unreachable,
            by_id,
            known,
        }
    }

    pub fn report(&self, id: &str) -> Option<&NodeReport> {
        match self.by_id.get(id).map(|&i| &self.reports[i]) {
            Some(r) if r.id() == id => Some(r),
            _ => self.reports.iter().find(|r| r.id() == id),
        }
    }

    /// Every node id any view mentions (handshake entries aside: their names are temporary).
    pub fn known_ids(&self) -> BTreeSet<String> {
        self.known.keys().cloned().collect()
    }

    /// The best line of every known node, in id order: its own when reached, else the
    /// first view's that lists it.
    pub fn lines(&self) -> impl Iterator<Item = &ClusterNode> + '_ {
        self.known
            .iter()
            .filter_map(|(id, &(r, l))| match self.reports.get(r)?.view.get(l) {
                Some(n) if n.id == *id => Some(n),
                _ => self.line_scan(id),
            })
    }

    fn line_scan(&self, id: &str) -> Option<&ClusterNode> {
        if let Some(r) = self.report(id) {
            return Some(r.myself());
        }
        self.reports.iter().find_map(|r| r.sees(id))
    }

    /// The best line for a node: its own when reached, else the seed's (or any) view of it.
    pub fn line(&self, id: &str) -> Option<&ClusterNode> {
        match self.known.get(id) {
            Some(&(r, l)) => match self.reports.get(r).and_then(|r| r.view.get(l)) {
                Some(n) if n.id == id => Some(n),
                _ => self.line_scan(id),
            },
            None => self.line_scan(id),
        }
    }

    /// Masters as they describe themselves (and unreachable masters as others see them).
    pub fn masters(&self) -> Vec<&ClusterNode> {
        self.lines().filter(|n| n.flags.master).collect()
    }

    /// Where to reach a node: the address it was reached at, else the address others list.
    pub fn addr_of(&self, id: &str) -> Option<Addr> {
        if let Some(r) = self.report(id) {
            return Some(r.addr.clone());
        }
        self.line(id).map(|n| n.addr.addr())
    }

    /// Finds the node a user named by full id, unique id prefix, `host:port` (as listed
    /// by the cluster or as it was reached), or announced hostname (with or without the
    /// port). Errors are one line, for the command's user.
    pub fn resolve_node(&self, spec: &str) -> anyhow::Result<&ClusterNode> {
        let spec = spec.trim();
        let nodes: Vec<&ClusterNode> = self.lines().collect();
        if let Ok(addr) = spec.parse::<Addr>() {
            let by_addr: Vec<&ClusterNode> = nodes
                .iter()
                .copied()
                .filter(|n| n.addr.addr() == addr || self.addr_of(&n.id).as_ref() == Some(&addr))
                .collect();
            // Another spelling of a listed address (`localhost:7000` for 127.0.0.1:7000).
            let by_addr = if by_addr.is_empty() {
                let ips = resolved_ips(&addr);
                nodes
                    .iter()
                    .copied()
                    .filter(|n| n.addr.port == addr.port && ips.contains(&n.addr.ip))
                    .collect()
            } else {
                by_addr
            };
            match by_addr.as_slice() {
                [one] => return Ok(one),
                [] => {}
                many => anyhow::bail!(
                    "ambiguous node '{spec}': {} nodes are listed at that address",
                    many.len()
                ),
            }
        }
        // An announced hostname (`cluster-announce-hostname`), alone or with the port.
        let (host, port) = match spec.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().ok()),
            None => (spec, None),
        };
        let by_hostname: Vec<&ClusterNode> = nodes
            .iter()
            .copied()
            .filter(|n| {
                n.addr.hostname.as_deref() == Some(host) && port.is_none_or(|p| p == n.addr.port)
            })
            .collect();
        match by_hostname.as_slice() {
            [one] => return Ok(one),
            [] => {}
            many => anyhow::bail!(
                "ambiguous node '{spec}': {} nodes announce that hostname ({}); add the port",
                many.len(),
                many.iter()
                    .map(|n| n.addr.addr().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
        if spec.is_empty() || !spec.chars().all(|c| c.is_ascii_hexdigit()) {
            anyhow::bail!(
                "unknown node '{spec}': no node of the cluster has that address, hostname or id"
            );
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
                "unknown node '{spec}': no node of the cluster has that address, hostname or id"
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
        self.lines()
            .filter(|n| n.flags.replica && n.master_id.as_deref() == Some(master_id))
            .collect()
    }
}

/// The value of a one-setting CONFIG GET reply (a pair in RESP2, a map in RESP3).
fn config_value(reply: &Value) -> Option<String> {
    let value = match reply {
        Value::Array(kv) => kv.get(1)?,
        Value::Map(kv) => &kv.first()?.1,
        _ => return None,
    };
    redis::from_redis_value(value).ok()
}

/// Keeps one connection per node across repeated loads (a convergence wait polls often).
pub struct Fleet {
    pub opts: ConnOpts,
    conns: Mutex<HashMap<Addr, NodeConn>>,
    /// Slot lists seen so far: repeated loads of one cluster share their slot sets.
    interner: Mutex<ViewInterner>,
    /// Whether reports also carry `cluster-preferred-endpoint-type` (asked in the same
    /// pipeline, so it costs no round trip of its own).
    ask_endpoint_type: bool,
}

impl Fleet {
    pub fn new(opts: ConnOpts) -> Fleet {
        Fleet {
            opts,
            conns: Mutex::new(HashMap::new()),
            interner: Mutex::new(ViewInterner::new()),
            ask_endpoint_type: false,
        }
    }

    /// A fleet whose reports also carry each node's preferred endpoint type.
    pub fn asking_endpoint_type(mut self) -> Fleet {
        self.ask_endpoint_type = true;
        self
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
            // Only the sections read (the server kind and version, which decide the slot
            // migration dialect and placement; roles; keys): a whole INFO costs far more.
            pipe.cmd("INFO").arg("server");
            pipe.cmd("INFO").arg("replication");
            pipe.cmd("INFO").arg("keyspace");
            if self.ask_endpoint_type {
                pipe.cmd("CONFIG")
                    .arg("GET")
                    .arg("cluster-preferred-endpoint-type");
            }
            let replies = conn.pipe_values(&pipe).await?;
            let text = |i: usize| -> anyhow::Result<String> {
                let value = replies.get(i).unwrap_or(&Value::Nil);
                redis::from_redis_value(value).map_err(|e| anyhow!("{addr}: {}", describe(&e)))
            };
            let view = self.parse_view(addr, &text(0)?)?;
            let mut info = parse_info(&text(2)?);
            info.extend(parse_info(&text(3)?));
            info.extend(parse_info(&text(4)?));
            let mut report = NodeReport::new(addr.clone(), view, parse_info(&text(1)?), info)?;
            // A node without the setting, or that refuses CONFIG, has none.
            report.endpoint_type = replies.get(5).and_then(config_value);
            Ok(report)
        }
        .await;
        if result.is_err() {
            self.drop_conn(addr);
        }
        result
    }

    /// Parses a `CLUSTER NODES` reply with the fleet's slot interner.
    pub fn parse_view(&self, addr: &Addr, text: &str) -> anyhow::Result<Vec<ClusterNode>> {
        let mut interner = self.interner.lock().unwrap();
        // A long wait on a changing cluster sees many slot lists; start afresh now and then.
        if interner.len() > 100_000 {
            *interner = ViewInterner::new();
        }
        parse_cluster_nodes_with(text, &mut interner).map_err(|e| anyhow!("{addr}: {e}"))
    }

    /// Queries many nodes concurrently; results in the order given. With `-v`, says how
    /// long the round took and which node answered last.
    pub async fn reports(&self, addrs: &[Addr]) -> Vec<anyhow::Result<NodeReport>> {
        let started = Instant::now();
        let mut out: Vec<(usize, Duration, anyhow::Result<NodeReport>)> =
            stream::iter(addrs.iter().enumerate())
                .map(|(i, a)| async move {
                    let result = self.report(a).await;
                    (i, started.elapsed(), result)
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
        if self.opts.trace {
            if let Some((i, last, _)) = out.iter().max_by_key(|(_, at, _)| *at) {
                eprintln!(
                    "  read {} node(s) in {:.1} ms (the last, {}, at {:.1} ms)",
                    addrs.len(),
                    started.elapsed().as_secs_f64() * 1e3,
                    addrs[*i],
                    last.as_secs_f64() * 1e3
                );
            }
        }
        out.sort_by_key(|(i, _, _)| *i);
        out.into_iter().map(|(_, _, r)| r).collect()
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
                    if n.flags.handshake || n.flags.myself || tried.contains(n.id.as_str()) {
                        continue;
                    }
                    tried.insert(n.id.to_string());
                    if n.flags.noaddr || n.addr.ip.is_empty() {
                        unreachable.push(Unreachable {
                            id: Some(n.id.to_string()),
                            addr: n.addr.addr(),
                            error: "no address known (noaddr)".into(),
                        });
                    } else {
                        todo.push((n.id.to_string(), n.addr.addr()));
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
        Ok(Snapshot::new(seed.clone(), reports, unreachable))
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
        Snapshot::new(addrs[0].clone(), reports, unreachable)
    }
}

#[cfg(test)]
mod tests {
    use crate::admin::plan::reshard::tests::{masters, A, B};

    #[test]
    fn resolves_ids_prefixes_and_addresses() {
        let snap = masters(&[(A, "0-8191"), (B, "8192-16383")]);
        assert_eq!(snap.resolve_node(A).unwrap().id, A);
        assert_eq!(snap.resolve_node("bbbb").unwrap().id, B);
        assert_eq!(snap.resolve_node("127.0.0.1:7001").unwrap().id, B);
        // Another spelling of the same address.
        assert_eq!(snap.resolve_node("localhost:7001").unwrap().id, B);
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
