//! Failover with real rclust-node processes (node timeout 1000 ms), clusters built by
//! `redis-cli --cluster create --cluster-replicas 1`: kill -9 of a master under a write
//! load (writes acknowledged with `WAIT 1` survive; the old master returns as a replica),
//! SIGSTOP/SIGCONT of a master, and a manual failover (`rclust failover`) with writes in
//! flight that loses no acknowledged write. Verified with an independent client and
//! `redis-cli --cluster check`.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::harness::*;

const NODE_TIMEOUT: u64 = 1000;

/// One command with short timeouts, so a stopped or dead node answers `Err` quickly.
fn try_cmd(port: u16, args: &[&str]) -> redis::RedisResult<redis::Value> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/"))?;
    let mut c = client.get_connection_with_timeout(Duration::from_millis(500))?;
    c.set_read_timeout(Some(Duration::from_millis(1000)))?;
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(&mut c)
}

fn text(port: u16, args: &[&str]) -> String {
    match try_cmd(port, args) {
        Ok(v) => redis::from_redis_value::<String>(&v).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

fn role(port: u16) -> String {
    let info = text(port, &["INFO", "replication"]);
    info.lines()
        .find_map(|l| l.strip_prefix("role:"))
        .unwrap_or("")
        .trim()
        .to_string()
}

fn linked_replica(port: u16) -> bool {
    let info = text(port, &["INFO", "replication"]);
    info.contains("role:slave") && info.contains("master_link_status:up")
}

fn redis_cli_check(port: u16) -> (bool, String) {
    let out = Command::new("redis-cli")
        .args(["--cluster", "check", &format!("127.0.0.1:{port}")])
        .output()
        .expect("redis-cli on PATH");
    (
        out.status.success() && !String::from_utf8_lossy(&out.stdout).contains("[ERR]"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Six nodes made into 3 masters + 3 replicas by redis-cli, converged.
fn cluster() -> Vec<NodeServer> {
    let opts = ServerOpts {
        node_timeout_ms: NODE_TIMEOUT,
        ..Default::default()
    };
    let nodes: Vec<NodeServer> = (0..6).map(|_| NodeServer::start(opts.clone())).collect();
    let out = Command::new("redis-cli")
        .args(["--cluster", "create"])
        .args(nodes.iter().map(|n| n.addr()))
        .args(["--cluster-replicas", "1", "--cluster-yes"])
        .output()
        .expect("redis-cli on PATH");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    wait_until(Duration::from_secs(30), "a converged cluster", || {
        nodes
            .iter()
            .all(|n| text(n.port, &["CLUSTER", "INFO"]).contains("cluster_state:ok"))
            && nodes.iter().filter(|n| linked_replica(n.port)).count() == 3
            && redis_cli_check(nodes[0].port).0
    });
    nodes
}

/// The master serving `key`'s slot and its replica, as ports. Asked until a view shows
/// both (on a loaded machine a node may briefly lag behind the others).
fn owner_and_replica(nodes: &[NodeServer], key: &str) -> (u16, u16) {
    let mut found = None;
    wait_until(Duration::from_secs(20), "a master and its replica", || {
        found = nodes
            .iter()
            .find_map(|n| try_owner_and_replica(n.port, key));
        found.is_some()
    });
    found.expect("found")
}

fn try_owner_and_replica(port: u16, key: &str) -> Option<(u16, u16)> {
    let slot = match try_cmd(port, &["CLUSTER", "KEYSLOT", key]).ok()? {
        redis::Value::Int(s) => s,
        _ => return None,
    };
    let view = text(port, &["CLUSTER", "NODES"]);
    let port_of = |addr: &str| -> u16 { addr.split(['@', ':']).nth(1).unwrap().parse().unwrap() };
    let mut master = None;
    for line in view.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        if f.len() < 8 {
            continue;
        }
        let serves = f[8..].iter().any(|r| {
            let (a, b) = r.split_once('-').unwrap_or((r, r));
            match (a.parse::<i64>(), b.parse::<i64>()) {
                (Ok(a), Ok(b)) => a <= slot && slot <= b,
                _ => false,
            }
        });
        if f[2].contains("master") && serves {
            master = Some((f[0].to_string(), port_of(f[1])));
        }
    }
    let (id, master_port) = master?;
    let replica = view
        .lines()
        .map(|l| l.split(' ').collect::<Vec<_>>())
        .find(|f| f.len() > 3 && f[3] == id && !f[2].contains("fail"))
        .map(|f| port_of(f[1]))?;
    Some((master_port, replica))
}

/// Writes `{tag}:i = i` in a loop, following MOVED and retrying other nodes on errors;
/// keeps the writes acknowledged (OK, and with `wait` also WAIT 1 >= 1).
struct Writer {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Vec<String>>,
}

impl Writer {
    fn start(ports: Vec<u16>, tag: &'static str, first: u16, wait: bool) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let mut acked = Vec::new();
            let mut target = first;
            let mut conn: Option<redis::Connection> = None;
            let mut i = 0u64;
            let mut turn = 0;
            while !flag.load(Ordering::Relaxed) {
                if conn.is_none() {
                    let c = redis::Client::open(format!("redis://127.0.0.1:{target}/"))
                        .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(300)));
                    match c {
                        Ok(c) => {
                            let _ = c.set_read_timeout(Some(Duration::from_millis(1500)));
                            conn = Some(c);
                        }
                        Err(_) => {
                            turn += 1;
                            target = ports[turn % ports.len()];
                            std::thread::sleep(Duration::from_millis(20));
                            continue;
                        }
                    }
                }
                let c = conn.as_mut().expect("connected");
                let key = format!("{{{tag}}}:{i}");
                let r: redis::RedisResult<()> = redis::cmd("SET").arg(&key).arg(i).query(c);
                match r {
                    Ok(()) => {
                        let ok = !wait
                            || matches!(redis::cmd("WAIT").arg(1).arg(500).query::<i64>(c), Ok(n) if n >= 1);
                        if ok {
                            acked.push(key);
                        }
                        i += 1;
                    }
                    Err(e) if e.code() == Some("MOVED") => {
                        let to = e
                            .redirect_node()
                            .map(|(a, _)| a.to_string())
                            .unwrap_or_default();
                        target = to
                            .rsplit(':')
                            .next()
                            .and_then(|p| p.parse().ok())
                            .unwrap_or(target);
                        conn = None;
                    }
                    Err(_) => {
                        conn = None;
                        turn += 1;
                        target = ports[turn % ports.len()];
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
            }
            acked
        });
        Writer { stop, handle }
    }

    fn finish(self) -> Vec<String> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap()
    }
}

/// Every acknowledged key reads back with its value through the cluster.
fn assert_all_readable(ports: &[u16], keys: &[String]) {
    assert!(!keys.is_empty(), "no write was acknowledged");
    let owner = |key: &str| -> u16 {
        for &p in ports {
            match try_cmd(p, &["GET", key]) {
                Ok(_) => return p,
                Err(e) if e.code() == Some("MOVED") => {
                    let to = e
                        .redirect_node()
                        .map(|(a, _)| a.to_string())
                        .unwrap_or_default();
                    return to.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap();
                }
                Err(_) => continue,
            }
        }
        panic!("no node answers for {key}");
    };
    let port = owner(&keys[0]);
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let mut c = client.get_connection().unwrap();
    let mut lost = Vec::new();
    for key in keys {
        let want = key.rsplit(':').next().unwrap();
        let got: Option<String> = redis::cmd("GET").arg(key).query(&mut c).unwrap();
        if got.as_deref() != Some(want) {
            lost.push(key.clone());
        }
    }
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged writes lost: {:?}",
        lost.len(),
        keys.len(),
        &lost[..lost.len().min(10)]
    );
}

/// Starts a node process again on its port and directory (it keeps its nodes.conf).
struct Respawned(Child);

impl Respawned {
    fn start(node: &NodeServer) -> Respawned {
        let child = Command::new(env!("CARGO_BIN_EXE_rclust-node"))
            .args(["--port", &node.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--dir", node.dir.path().to_str().unwrap()])
            .args(["--logfile", "node.log", "--cluster-enabled", "yes"])
            .args(["--cluster-node-timeout", &NODE_TIMEOUT.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Respawned(child)
    }
}

impl Drop for Respawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn signal(pid: u32, sig: libc::c_int) {
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}

/// Waits until `port` is a master that accepts a write; returns how long that took.
fn wait_promoted(port: u16, since: Instant, tag: &str) -> Duration {
    wait_until(Duration::from_secs(30), "the replica promoted", || {
        role(port) == "master" && try_cmd(port, &["SET", &format!("{{{tag}}}:probe"), "1"]).is_ok()
    });
    since.elapsed()
}

#[test]
fn kill_9_master_under_load_promotes_its_replica_and_keeps_waited_writes() {
    let mut nodes = cluster();
    let ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();
    let (master, replica) = owner_and_replica(&nodes, "{k9}");
    let writer = Writer::start(ports.clone(), "k9", master, true);
    std::thread::sleep(Duration::from_millis(1000));
    let victim = nodes.iter_mut().find(|n| n.port == master).unwrap();
    let killed = Instant::now();
    victim.kill();
    let took = wait_promoted(replica, killed, "k9");
    eprintln!("promotion after kill -9 took {took:?}");
    std::thread::sleep(Duration::from_millis(500));
    let acked = writer.finish();
    assert_all_readable(&ports, &acked);

    // The old master comes back as a replica of the winner and resyncs.
    let victim = nodes.iter().find(|n| n.port == master).unwrap();
    let _back = Respawned::start(victim);
    wait_until(
        Duration::from_secs(30),
        "the old master linked as a replica",
        || linked_replica(master),
    );
    wait_until(
        Duration::from_secs(30),
        "redis-cli --cluster check passes",
        || redis_cli_check(ports[(ports.iter().position(|p| *p == master).unwrap() + 1) % 6]).0,
    );
    let last = acked.last().unwrap();
    wait_until(
        Duration::from_secs(10),
        "the old master has the data",
        || {
            let _ = try_cmd(master, &["READONLY"]);
            let client = redis::Client::open(format!("redis://127.0.0.1:{master}/")).unwrap();
            let mut c = client.get_connection().unwrap();
            let _: () = redis::cmd("READONLY").query(&mut c).unwrap();
            let v: redis::RedisResult<Option<String>> = redis::cmd("GET").arg(last).query(&mut c);
            matches!(v, Ok(Some(_)))
        },
    );
}

#[test]
fn sigstop_master_fails_over_and_sigcont_brings_it_back_as_replica() {
    let nodes = cluster();
    let ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();
    let (master, replica) = owner_and_replica(&nodes, "{st}");
    let pid = nodes
        .iter()
        .find(|n| n.port == master)
        .unwrap()
        .pid()
        .unwrap();
    let _: redis::Value = try_cmd(master, &["SET", "{st}:x", "1"]).unwrap();
    let _: redis::Value = try_cmd(master, &["WAIT", "1", "2000"]).unwrap();
    let stopped = Instant::now();
    signal(pid, libc::SIGSTOP);
    let took = wait_promoted(replica, stopped, "st");
    eprintln!("promotion after SIGSTOP took {took:?}");
    signal(pid, libc::SIGCONT);
    wait_until(
        Duration::from_secs(30),
        "the old master linked as a replica",
        || linked_replica(master),
    );
    wait_until(
        Duration::from_secs(30),
        "redis-cli --cluster check passes",
        || redis_cli_check(replica).0,
    );
    assert_eq!(text(replica, &["GET", "{st}:x"]), "1");
    assert_eq!(ports.len(), 6);
}

#[test]
fn manual_failover_with_writes_in_flight_loses_no_acknowledged_write() {
    let nodes = cluster();
    let ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();
    let (master, replica) = owner_and_replica(&nodes, "{mf}");
    let writer = Writer::start(ports.clone(), "mf", master, false);
    std::thread::sleep(Duration::from_millis(700));
    let started = Instant::now();
    let out = rclust()
        .args(["failover", &format!("127.0.0.1:{replica}"), "--yes"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let took = wait_promoted(replica, started, "mf");
    eprintln!("manual failover took {took:?}");
    std::thread::sleep(Duration::from_millis(500));
    let acked = writer.finish();
    assert_all_readable(&ports, &acked);
    wait_until(
        Duration::from_secs(30),
        "the old master linked as a replica",
        || linked_replica(master),
    );
    wait_until(
        Duration::from_secs(30),
        "redis-cli --cluster check passes",
        || redis_cli_check(replica).0,
    );
}
