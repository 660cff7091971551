//! A multi-host lab on one machine: N network namespaces ("hosts"), each with its own
//! address, joined by a bridge, so that nodes run on separate hosts as in production and a
//! host (or the link between two hosts) can be cut off and healed.
//!
//! Each lab leases a /24 of 10.77.0.0/16 (10.77.K.0/24, an exclusive lock per K, as ports
//! are leased) and names everything it creates with K and the test process's pid, so
//! parallel test processes never collide. The bridge has 10.77.K.1: the `rclust` binary and
//! the test itself run in the root namespace and reach the hosts through it; host i is
//! 10.77.K.(10+i). Everything is removed on drop (also when the test panics, which unwinds);
//! what a killed test process left behind is removed by the next lab (its pid is dead).
//!
//! Cutting a host off sets its bridge-side veth down: nothing reaches it, from the other
//! hosts or from the root namespace. Cutting one link adds blackhole routes for each other's
//! address on both hosts (traffic control delay/loss is not available here).

use std::fs::{File, OpenOptions};
use std::process::Command;

/// Where a server runs: a lab host's namespace and address, on a fixed port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub netns: String,
    pub ip: String,
    pub port: u16,
}

impl Place {
    /// `command`, run inside the host's namespace (`ip netns exec` execs it, so the child's
    /// pid is the server's own and killing the child kills the server).
    pub fn wrap(&self, command: Command) -> Command {
        let mut wrapped = Command::new("ip");
        wrapped
            .args(["netns", "exec", &self.netns])
            .arg(command.get_program())
            .args(command.get_args());
        if let Some(dir) = command.get_current_dir() {
            wrapped.current_dir(dir);
        }
        for (k, v) in command.get_envs() {
            match v {
                Some(v) => wrapped.env(k, v),
                None => wrapped.env_remove(k),
            };
        }
        wrapped
    }
}

/// One host of the lab.
#[derive(Clone, Debug)]
pub struct Host {
    pub netns: String,
    pub ip: String,
    /// The bridge side of its veth pair (in the root namespace).
    veth: String,
}

impl Host {
    /// A server of this host on `port` (each host has its own ports: 6379, 6380, ...).
    pub fn place(&self, port: u16) -> Place {
        Place {
            netns: self.netns.clone(),
            ip: self.ip.clone(),
            port,
        }
    }
}

pub struct Lab {
    pub subnet: u8,
    pub bridge: String,
    pub hosts: Vec<Host>,
    /// Links cut with [`Lab::cut_link`], to heal.
    cut_links: std::sync::Mutex<Vec<(usize, usize)>>,
    _lock: File,
}

const NETNS_PREFIX: &str = "rclab-";
const LOCK_DIR: &str = "rclust-test-labs";

/// Runs `ip args...`; panics with its error output when it fails.
fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("ip runs");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

/// Runs `ip args...`, ignoring failure (cleanup of what may already be gone).
fn ip_quiet(args: &[&str]) {
    let _ = Command::new("ip").args(args).output();
}

fn ip_output(args: &[&str]) -> String {
    Command::new("ip")
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

fn pid_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// Whether lab tests can run (root and `ip`). Under `CI=true` (which runs as root) a
/// missing capability is a failure, not a skip.
pub fn have_lab() -> bool {
    let has_ip = Command::new("ip")
        .arg("-V")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let ok = has_ip && is_root();
    if !ok && std::env::var("CI").as_deref() == Ok("true") {
        panic!("lab tests need root and `ip` (iproute2) and CI=true: .ci/run installs iproute2");
    }
    if !ok {
        eprintln!("skipping: lab tests need root and `ip` (iproute2)");
    }
    ok
}

/// Skips the calling test when namespaces cannot be made (outside CI).
#[macro_export]
macro_rules! require_lab {
    () => {
        if !$crate::harness::lab::have_lab() {
            return;
        }
    };
}

/// Removes what labs of dead test processes left: their servers, namespaces and bridges.
fn remove_stale() {
    for line in ip_output(&["netns", "list"]).lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        let Some(rest) = name.strip_prefix(NETNS_PREFIX) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid_alive(pid) {
            continue;
        }
        for server in ip_output(&["netns", "pids", name]).split_whitespace() {
            let _ = Command::new("kill").args(["-9", server]).output();
        }
        ip_quiet(&["netns", "del", name]);
    }
    for line in ip_output(&["-o", "link", "show", "type", "bridge"]).lines() {
        let Some(name) = line
            .split(": ")
            .nth(1)
            .map(|n| n.split('@').next().unwrap())
        else {
            continue;
        };
        if let Some(pid) = bridge_owner(name) {
            if !pid_alive(pid) {
                ip_quiet(&["link", "del", name]);
            }
        }
    }
}

/// Bridge names are `rcb` + the subnet (2 hex digits) + the owner's pid (hex).
fn bridge_name(subnet: u8, pid: u32) -> String {
    format!("rcb{subnet:02x}{pid:x}")
}

fn bridge_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix("rcb")?;
    u32::from_str_radix(rest.get(2..)?, 16).ok()
}

/// Leases a /24: a lock file per K, and no interface of the machine in 10.77.K.0/24.
fn lease_subnet() -> (u8, File) {
    let dir = std::env::temp_dir().join(LOCK_DIR);
    std::fs::create_dir_all(&dir).unwrap();
    let used = ip_output(&["-o", "-4", "addr", "show"]);
    let seed = (std::process::id() % 250) as u8;
    for i in 0..250u8 {
        let k = 2 + (seed.wrapping_add(i)) % 250;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(format!("{k}.lock")))
            .unwrap();
        if file.try_lock().is_err() {
            continue;
        }
        if used.contains(&format!(" 10.77.{k}.")) {
            continue;
        }
        return (k, file);
    }
    panic!("no free 10.77.K.0/24 for a lab");
}

impl Lab {
    /// A lab of `n` hosts, all connected.
    pub fn new(n: usize) -> Lab {
        assert!((1..=200).contains(&n), "a lab has 1..=200 hosts");
        remove_stale();
        let pid = std::process::id();
        let (k, lock) = lease_subnet();
        let bridge = bridge_name(k, pid);
        let mut lab = Lab {
            subnet: k,
            bridge: bridge.clone(),
            hosts: Vec::new(),
            cut_links: std::sync::Mutex::new(Vec::new()),
            _lock: lock,
        };
        // From here on, Drop removes whatever was made, also if a step below panics.
        ip(&["link", "add", &bridge, "type", "bridge"]);
        ip(&["addr", "add", &format!("10.77.{k}.1/24"), "dev", &bridge]);
        ip(&["link", "set", &bridge, "up"]);
        for i in 0..n {
            let host = Host {
                netns: format!("{NETNS_PREFIX}{pid}-{k}-{i}"),
                ip: format!("10.77.{k}.{}", 10 + i),
                veth: format!("rcv{k:02x}{i:02x}{pid:x}"),
            };
            lab.hosts.push(host.clone());
            ip(&["netns", "add", &host.netns]);
            // The namespace side is called eth0: names are per namespace.
            ip(&[
                "link",
                "add",
                &host.veth,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                &host.netns,
            ]);
            ip(&["link", "set", &host.veth, "master", &bridge]);
            ip(&["link", "set", &host.veth, "up"]);
            let ns = ["-n", host.netns.as_str()];
            let addr = format!("{}/24", host.ip);
            ip(&[&ns[..], &["addr", "add", &addr, "dev", "eth0"]].concat());
            ip(&[&ns[..], &["link", "set", "eth0", "up"]].concat());
            ip(&[&ns[..], &["link", "set", "lo", "up"]].concat());
        }
        lab
    }

    pub fn host(&self, i: usize) -> &Host {
        &self.hosts[i]
    }

    /// Cuts host `i` off from everything (the other hosts and the root namespace).
    pub fn cut_off(&self, i: usize) {
        ip(&["link", "set", &self.hosts[i].veth, "down"]);
    }

    /// Connects host `i` again.
    pub fn reconnect(&self, i: usize) {
        ip(&["link", "set", &self.hosts[i].veth, "up"]);
    }

    /// Cuts the link between hosts `a` and `b` only (both directions).
    pub fn cut_link(&self, a: usize, b: usize) {
        for (from, to) in [(a, b), (b, a)] {
            let dst = format!("{}/32", self.hosts[to].ip);
            ip(&[
                "-n",
                &self.hosts[from].netns,
                "route",
                "add",
                "blackhole",
                &dst,
            ]);
        }
        self.cut_links.lock().unwrap().push((a, b));
    }

    /// Restores the link between hosts `a` and `b`.
    pub fn heal_link(&self, a: usize, b: usize) {
        for (from, to) in [(a, b), (b, a)] {
            let dst = format!("{}/32", self.hosts[to].ip);
            ip_quiet(&[
                "-n",
                &self.hosts[from].netns,
                "route",
                "del",
                "blackhole",
                &dst,
            ]);
        }
        self.cut_links
            .lock()
            .unwrap()
            .retain(|&(x, y)| (x, y) != (a, b) && (x, y) != (b, a));
    }

    /// Splits the hosts into the given groups: every link between two groups is cut.
    pub fn split(&self, groups: &[&[usize]]) {
        for (gi, g) in groups.iter().enumerate() {
            for other in &groups[gi + 1..] {
                for &a in *g {
                    for &b in *other {
                        self.cut_link(a, b);
                    }
                }
            }
        }
    }

    /// Every host connected and every link restored.
    pub fn heal(&self) {
        for i in 0..self.hosts.len() {
            self.reconnect(i);
        }
        let cut: Vec<(usize, usize)> = self.cut_links.lock().unwrap().clone();
        for (a, b) in cut {
            self.heal_link(a, b);
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Servers still running in a host (a test that panicked before its servers were
        // dropped, or one that outlived them) would keep the namespace alive.
        for h in &self.hosts {
            for server in ip_output(&["netns", "pids", &h.netns]).split_whitespace() {
                let _ = Command::new("kill").args(["-9", server]).output();
            }
            ip_quiet(&["netns", "del", &h.netns]);
            ip_quiet(&["link", "del", &h.veth]);
        }
        ip_quiet(&["link", "del", &self.bridge]);
    }
}

impl Host {
    /// Runs a program inside this host (e.g. `redis-cli` against a node that the root
    /// namespace cannot reach while the host is cut off).
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("ip")
            .args(["netns", "exec", &self.netns])
            .args(args)
            .output()
            .expect("ip netns exec runs")
    }

    /// `redis-cli -h <this host> -p port args...` run on this host: its output, trimmed.
    pub fn cli(&self, port: u16, args: &[&str]) -> String {
        let port = port.to_string();
        let mut all = vec!["redis-cli", "-h", &self.ip, "-p", &port];
        all.extend_from_slice(args);
        let out = self.run(&all);
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .trim()
        .to_string()
    }
}

impl Lab {
    /// Starts a server of `kind` on each `(host, port)`, bound to the host's address.
    pub fn start(
        &self,
        kind: super::Kind,
        opts: &super::ServerOpts,
        at: &[(usize, u16)],
    ) -> Vec<super::Process> {
        at.iter()
            .map(|&(h, port)| {
                kind.start(super::ServerOpts {
                    place: Some(self.hosts[h].place(port)),
                    ..opts.clone()
                })
            })
            .collect()
    }

    /// The index of the host a server runs on.
    pub fn host_of(&self, node: &super::Process) -> usize {
        self.hosts
            .iter()
            .position(|h| h.ip == node.host)
            .expect("the server runs on a host of this lab")
    }
}

/// A node's own line of its `CLUSTER NODES`.
pub fn myself(node: &super::Process) -> rclust::model::ClusterNode {
    view(node)
        .into_iter()
        .find(|n| n.flags.myself)
        .expect("CLUSTER NODES has a myself line")
}

/// A node's whole `CLUSTER NODES` view.
pub fn view(node: &super::Process) -> Vec<rclust::model::ClusterNode> {
    rclust::model::parse_cluster_nodes(&node.cluster_nodes_text()).expect("CLUSTER NODES parses")
}
