//! Preflight of nodes that are to join a cluster: reachable, authenticated, in cluster mode,
//! and empty. Read-only: a node that fails changes nothing anywhere.

use anyhow::{anyhow, bail};

use crate::admin::conn::{ConnOpts, NodeConn};
use crate::model::id::short;
use crate::model::replies::{all_keys, parse_info};
use crate::model::{parse_cluster_nodes, Addr};

/// A node ready to join: its id, bus port and the IP peers should MEET it at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmptyNode {
    pub addr: Addr,
    pub id: String,
    pub cport: u16,
    pub meet_ip: String,
    /// Valkey's `availability-zone` (INFO server `availability_zone`), when set.
    pub zone: Option<String>,
}

/// The planner's view of preflighted nodes.
pub fn candidates(nodes: &[EmptyNode]) -> Vec<crate::admin::plan::create::Candidate> {
    nodes
        .iter()
        .map(|n| crate::admin::plan::create::Candidate {
            addr: n.addr.clone(),
            id: n.id.clone(),
            zone: n.zone.clone(),
        })
        .collect()
}

/// Resolves a host to the IP that `CLUSTER MEET` needs (Redis 7.0 accepts no hostnames),
/// preferring IPv4.
pub async fn resolve_ip(addr: &Addr) -> anyhow::Result<String> {
    if addr.host.parse::<std::net::IpAddr>().is_ok() {
        return Ok(addr.host.clone());
    }
    let found: Vec<std::net::SocketAddr> = tokio::net::lookup_host((addr.host.as_str(), addr.port))
        .await
        .map_err(|e| anyhow!("{addr}: cannot resolve host: {e}"))?
        .collect();
    found
        .iter()
        .find(|a| a.is_ipv4())
        .or(found.first())
        .map(|a| a.ip().to_string())
        .ok_or_else(|| anyhow!("{addr}: cannot resolve host: no address"))
}

/// Checks one node; the error names the node and the cause in one line.
pub async fn check_empty(addr: &Addr, opts: &ConnOpts) -> anyhow::Result<EmptyNode> {
    let meet_ip = resolve_ip(addr).await?;
    let mut conn = NodeConn::connect(addr, opts).await?;
    let info = parse_info(&conn.cmd::<String>(&["INFO"]).await?);
    if info.get("cluster_enabled").map(String::as_str) != Some("1") {
        bail!("{addr}: not in cluster mode (cluster_enabled:0); start it with cluster-enabled yes");
    }
    let keys = all_keys(&info);
    if keys > 0 {
        bail!("{addr}: not empty: it holds {keys} key(s)");
    }
    let view = parse_cluster_nodes(&conn.cmd::<String>(&["CLUSTER", "NODES"]).await?)
        .map_err(|e| anyhow!("{addr}: {e}"))?;
    let me = view
        .iter()
        .find(|n| n.flags.myself)
        .ok_or_else(|| anyhow!("{addr}: CLUSTER NODES has no line flagged myself"))?;
    let others = view.len() - 1;
    if others > 0 {
        bail!("{addr}: already knows {others} other node(s): it belongs to a cluster (reset it with CLUSTER RESET)");
    }
    if !me.slots.is_empty() {
        bail!("{addr}: already serves slots {}", me.slots);
    }
    if !me.migrating.is_empty() || !me.importing.is_empty() {
        bail!("{addr}: has open slots");
    }
    let cport = if me.addr.cport != 0 {
        me.addr.cport
    } else {
        addr.port.wrapping_add(10000)
    };
    Ok(EmptyNode {
        addr: addr.clone(),
        id: me.id.to_string(),
        cport,
        meet_ip,
        zone: crate::model::replies::zone_of(&info).map(str::to_string),
    })
}

/// Checks every node concurrently, then that no node was given twice (under any spelling).
/// Every failure is reported, one per line, in the error.
pub async fn check_all_empty(addrs: &[Addr], opts: &ConnOpts) -> anyhow::Result<Vec<EmptyNode>> {
    for (i, a) in addrs.iter().enumerate() {
        if addrs[..i].contains(a) {
            bail!("{a}: given more than once");
        }
    }
    let results = futures::future::join_all(addrs.iter().map(|a| check_empty(a, opts))).await;
    let mut nodes = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(n) => nodes.push(n),
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    if !errors.is_empty() {
        bail!("{}", errors.join("; "));
    }
    for (i, n) in nodes.iter().enumerate() {
        if let Some(first) = nodes[..i].iter().find(|m| m.id == n.id) {
            bail!(
                "{}: same node as {} (node id {})",
                n.addr,
                first.addr,
                short(&n.id)
            );
        }
    }
    Ok(nodes)
}

/// A command a changing command sends, with a probe that an ACL check judges like the real
/// call but that fails harmlessly in the command's own argument checks when allowed (a slot
/// out of range, an unknown node, `MIGRATE ... KEYS` with no key). Servers check ACLs
/// before running a command, so a user without the right gets NOPERM from the probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Right {
    SetSlot,
    AddSlots,
    Migrate,
    CountKeys,
    GetKeys,
    Meet,
    Forget,
    Replicate,
    Failover,
    Reset,
    ConfigSet,
}

impl Right {
    pub fn command(self) -> &'static str {
        match self {
            Right::SetSlot => "CLUSTER SETSLOT",
            Right::AddSlots => "CLUSTER ADDSLOTS",
            Right::Migrate => "MIGRATE",
            Right::CountKeys => "CLUSTER COUNTKEYSINSLOT",
            Right::GetKeys => "CLUSTER GETKEYSINSLOT",
            Right::Meet => "CLUSTER MEET",
            Right::Forget => "CLUSTER FORGET",
            Right::Replicate => "CLUSTER REPLICATE",
            Right::Failover => "CLUSTER FAILOVER",
            Right::Reset => "CLUSTER RESET",
            Right::ConfigSet => "CONFIG SET",
        }
    }

    fn probe(self) -> &'static [&'static str] {
        const NO_NODE: &str = "0000000000000000000000000000000000000000";
        match self {
            Right::SetSlot => &["CLUSTER", "SETSLOT", "16384", "STABLE"],
            Right::AddSlots => &["CLUSTER", "ADDSLOTS", "16384"],
            Right::Migrate => &["MIGRATE", "127.0.0.1", "1", "", "0", "1", "KEYS"],
            Right::CountKeys => &["CLUSTER", "COUNTKEYSINSLOT", "16384"],
            Right::GetKeys => &["CLUSTER", "GETKEYSINSLOT", "16384", "1"],
            Right::Meet => &["CLUSTER", "MEET", "0.0.0.0.0", "1"],
            Right::Forget => &["CLUSTER", "FORGET", NO_NODE],
            Right::Replicate => &["CLUSTER", "REPLICATE", NO_NODE],
            Right::Failover => &["CLUSTER", "FAILOVER", "rclust-probe"],
            Right::Reset => &["CLUSTER", "RESET", "rclust-probe"],
            Right::ConfigSet => &["CONFIG", "SET", "rclust-probe", "0"],
        }
    }
}

/// What moving slots sends to every master (`reshard`, `rebalance`, `fix`).
pub const MOVING_SLOTS: &[Right] = &[
    Right::SetSlot,
    Right::Migrate,
    Right::CountKeys,
    Right::GetKeys,
];

/// Refuses, before anything is sent that changes a node, when the user may not run one of
/// `rights` on one of `addrs`: one line naming the node, the user and the command.
pub async fn check_rights(
    fleet: &crate::admin::snapshot::Fleet,
    addrs: &[Addr],
    rights: &[Right],
) -> anyhow::Result<()> {
    let user = fleet.opts.user.as_deref().unwrap_or("default");
    let replies = futures::future::join_all(addrs.iter().map(|addr| async move {
        let mut pipe = redis::pipe();
        for r in rights {
            let mut cmd = redis::cmd(r.probe()[0]);
            r.probe()[1..].iter().for_each(|a| {
                cmd.arg(*a);
            });
            pipe.add_command(cmd);
        }
        let mut conn = fleet.conn(addr).await?;
        anyhow::Ok((addr, conn.pipe_values(&pipe).await?))
    }))
    .await;
    for reply in replies {
        let (addr, values) = reply?;
        for (right, value) in rights.iter().zip(values) {
            if let redis::Value::ServerError(e) = value {
                if e.code() == "NOPERM" {
                    bail!(
                        "{addr}: user '{user}' may not run {} (NOPERM); nothing was changed",
                        right.command()
                    );
                }
            }
        }
    }
    Ok(())
}
