//! Network partitions on separate hosts (network namespaces on a bridge, see
//! `harness::lab`), against redis-server and bundled nodes: a master's host cut off, a
//! replica's host cut off, and a split that leaves no side a majority. After each heal,
//! `rclust check --wait` must pass and every write acknowledged by `WAIT` must be there.

use std::time::{Duration, Instant};

use crate::harness::lab::{myself, view};
use crate::harness::{
    assert_exit, key_in_slot, rclust, wait_until, AckedWriter, Kind, Lab, Process, ServerOpts,
};
use crate::require_lab;

const NODE_TIMEOUT_MS: u64 = 2000;

/// A cluster on lab hosts. Fields drop in order: the servers before their hosts.
pub struct LabCluster {
    pub nodes: Vec<Process>,
    pub lab: Lab,
}

impl LabCluster {
    /// `hosts` hosts; servers of `kind` at `at` (host, port); `rclust create --replicas r`
    /// over them in that order (masters one per host first, replicas on other hosts).
    pub fn create(kind: Kind, hosts: usize, at: &[(usize, u16)], replicas: usize) -> LabCluster {
        let lab = Lab::new(hosts);
        let opts = ServerOpts {
            node_timeout_ms: NODE_TIMEOUT_MS,
            ..ServerOpts::default()
        };
        let nodes = lab.start(kind, &opts, at);
        let mut args = vec!["create".to_string()];
        args.extend(nodes.iter().map(|n| n.addr()));
        args.extend(["--replicas".into(), replicas.to_string(), "--yes".into()]);
        let out = rclust().args(&args).output().unwrap();
        assert_exit(&out, 0);
        LabCluster { nodes, lab }
    }

    pub fn addrs(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.addr()).collect()
    }

    /// Index of the node with this id.
    pub fn index_of(&self, id: &str) -> usize {
        self.nodes
            .iter()
            .position(|n| myself(n).id == id)
            .expect("a node of the cluster")
    }

    /// Waits until `rclust check --wait` passes, seeded at `seed`.
    pub fn check_healthy(&self, seed: usize) {
        let out = rclust()
            .args(["check", &self.nodes[seed].addr(), "--wait", "60"])
            .output()
            .unwrap();
        assert_exit(&out, 0);
    }
}

fn write_refused(reply: &str) -> bool {
    reply.contains("CLUSTERDOWN")
}

/// The master's host cut off: its replica (on another host) is promoted, the cut-off
/// master refuses writes once the node timeout has passed, and after the heal it rejoins
/// as a replica of the promoted one; nothing acknowledged is lost.
fn master_host_cut_off(kind: Kind) {
    // Three hosts, two nodes each: a master and the replica of another host's master.
    let at: Vec<(usize, u16)> = [6379, 6380]
        .iter()
        .flat_map(|&p| (0..3).map(move |h| (h, p)))
        .collect();
    let c = LabCluster::create(kind, 3, &at, 1);
    for n in &c.nodes {
        let me = myself(n);
        if let Some(m) = &me.master_id {
            let master = &c.nodes[c.index_of(m)];
            assert_ne!(n.host, master.host, "a replica shares its master's host");
        }
    }
    let mut writer = AckedWriter::new("pm:", &c.addrs());
    assert_eq!(
        writer.write(300, 1),
        300,
        "every write is acknowledged while healthy"
    );

    let m = c.nodes.iter().position(|n| myself(n).flags.master).unwrap();
    let (m_id, m_host, m_port) = (
        myself(&c.nodes[m]).id,
        c.lab.host_of(&c.nodes[m]),
        c.nodes[m].port,
    );
    let slot = myself(&c.nodes[m]).slots.iter().next().unwrap();
    let replica = c
        .nodes
        .iter()
        .position(|n| myself(n).master_id.as_deref() == Some(&m_id))
        .expect("the master has a replica");
    let observer = (0..c.nodes.len())
        .find(|&i| i != replica && c.lab.host_of(&c.nodes[i]) != m_host)
        .unwrap();

    let cut = Instant::now();
    c.lab.cut_off(m_host);
    // The cut-off master refuses writes once it has noticed it is in the minority.
    let key = key_in_slot(slot, 1);
    let host = c.lab.host(m_host).clone();
    wait_until(
        Duration::from_secs(NODE_TIMEOUT_MS / 1000 * 5 + 10),
        "the minority master to refuse writes",
        || write_refused(&host.cli(m_port, &["SET", &key, "minority"])),
    );
    // The majority promotes the replica.
    wait_until(Duration::from_secs(30), "the replica's promotion", || {
        myself(&c.nodes[replica]).flags.master
    });
    let promoted_after = cut.elapsed();
    eprintln!("promotion {promoted_after:?} after the cut");
    wait_until(Duration::from_secs(30), "the others to follow", || {
        view(&c.nodes[observer])
            .iter()
            .any(|n| n.id == myself(&c.nodes[replica]).id && n.flags.master)
    });
    // The majority side goes on taking writes (acknowledged where a replica remains).
    let majority: Vec<String> = (0..c.nodes.len())
        .filter(|&i| c.lab.host_of(&c.nodes[i]) != m_host)
        .map(|i| c.nodes[i].addr())
        .collect();
    let mut during = AckedWriter::new("pd:", &majority);
    let accepted = during.write(300, 0);
    assert!(
        accepted > 200,
        "the majority accepted only {accepted} of 300 writes"
    );

    c.lab.reconnect(m_host);
    c.check_healthy(observer);
    let old = myself(&c.nodes[m]);
    assert!(
        old.flags.replica
            && old.master_id.as_deref() == Some(myself(&c.nodes[replica]).id.as_str()),
        "the old master did not rejoin as a replica of the promoted one: {old:?}"
    );
    // The write the minority refused is nowhere.
    let mut client = crate::harness::ClusterClient::new(&c.addrs());
    assert_ne!(client.get(&key).unwrap().as_deref(), Some("minority"));
    writer.verify(&c.addrs());
    during.verify(&c.addrs());
}

/// A host with only replicas cut off: no promotion, the masters keep serving, and after
/// the heal the replicas catch up; every write the masters accepted is kept.
fn replica_host_cut_off(kind: Kind) {
    // Masters on hosts 0-2, their three replicas on host 3.
    let at = [
        (0, 6379),
        (1, 6379),
        (2, 6379),
        (3, 6379),
        (3, 6380),
        (3, 6381),
    ];
    let c = LabCluster::create(kind, 4, &at, 1);
    for n in &c.nodes[3..] {
        assert!(myself(n).flags.replica, "host 3 runs only replicas");
    }
    let mut writer = AckedWriter::new("rr:", &c.addrs());
    assert_eq!(writer.write(300, 1), 300);
    let masters_before: Vec<rclust::model::NodeId> =
        c.nodes[..3].iter().map(|n| myself(n).id).collect();

    c.lab.cut_off(3);
    std::thread::sleep(Duration::from_millis(NODE_TIMEOUT_MS * 2));
    // Writes go on, acknowledged by the masters alone.
    let mut during = AckedWriter::new("rd:", &c.addrs()[..3]);
    assert_eq!(during.write(300, 0), 300, "the masters kept taking writes");
    for (n, id) in c.nodes[..3].iter().zip(&masters_before) {
        let me = myself(n);
        assert!(me.flags.master && &me.id == id, "a master changed: {me:?}");
    }

    c.lab.reconnect(3);
    c.check_healthy(0);
    for n in &c.nodes[3..] {
        assert!(myself(n).flags.replica);
    }
    writer.verify(&c.addrs());
    during.verify(&c.addrs());
    // The replicas caught up: a write now is acknowledged by one again.
    let mut after = AckedWriter::new("ra:", &c.addrs());
    assert_eq!(after.write(50, 1), 50);
}

/// Four hosts split two against two: with four masters neither side has a majority, so no
/// replica is promoted and both sides refuse writes (no split brain); after the heal the
/// same masters serve and everything acknowledged before the split is there.
fn split_without_majority(kind: Kind) {
    let at: Vec<(usize, u16)> = [6379, 6380]
        .iter()
        .flat_map(|&p| (0..4).map(move |h| (h, p)))
        .collect();
    let c = LabCluster::create(kind, 4, &at, 1);
    let mut writer = AckedWriter::new("sp:", &c.addrs());
    assert_eq!(writer.write(300, 1), 300);
    let roles_before: Vec<(rclust::model::NodeId, bool)> = c
        .nodes
        .iter()
        .map(|n| {
            let me = myself(n);
            (me.id, me.flags.master)
        })
        .collect();
    assert_eq!(roles_before.iter().filter(|r| r.1).count(), 4);

    c.lab.split(&[&[0, 1], &[2, 3]]);
    // Both sides notice they are in the minority and refuse writes (the test, in the root
    // namespace, still reaches every host).
    let masters: Vec<usize> = (0..c.nodes.len()).filter(|&i| roles_before[i].1).collect();
    for &i in &masters {
        let n = &c.nodes[i];
        let slot = myself(n).slots.iter().next().unwrap();
        let key = key_in_slot(slot, 7);
        wait_until(
            Duration::from_secs(NODE_TIMEOUT_MS / 1000 * 5 + 10),
            "every master to refuse writes",
            || {
                let r: redis::RedisResult<()> = redis::cmd("SET")
                    .arg(&key)
                    .arg("split")
                    .query(&mut n.client());
                r.is_err_and(|e| e.code() == Some("CLUSTERDOWN"))
            },
        );
    }
    // Long enough for an election to have happened if one could: none may.
    std::thread::sleep(Duration::from_millis(NODE_TIMEOUT_MS * 3));
    for (n, (id, was_master)) in c.nodes.iter().zip(&roles_before) {
        let me = myself(n);
        assert_eq!(&me.id, id);
        assert_eq!(
            me.flags.master, *was_master,
            "a role changed during the split: {me:?}"
        );
    }

    c.lab.heal();
    c.check_healthy(0);
    for (n, (_, was_master)) in c.nodes.iter().zip(&roles_before) {
        assert_eq!(
            myself(n).flags.master,
            *was_master,
            "a role changed after the heal"
        );
    }
    writer.verify(&c.addrs());
    let mut after = AckedWriter::new("sa:", &c.addrs());
    assert_eq!(after.write(50, 1), 50);
}

#[test]
fn lab_hosts_reach_each_other_and_can_be_cut_off() {
    require_lab!();
    let lab = Lab::new(2);
    let nodes = lab.start(Kind::Node, &ServerOpts::default(), &[(0, 6379), (1, 6379)]);
    assert_ne!(nodes[0].host, nodes[1].host);
    // Host 0 reaches host 1 (redis-cli from inside it).
    let ping = |from: usize, to: &Process| lab.host(from).cli(to.port, &["-h", &to.host, "PING"]);
    assert_eq!(ping(0, &nodes[1]), "PONG");
    lab.cut_link(0, 1);
    assert_ne!(ping(0, &nodes[1]), "PONG");
    let _: String = nodes[1].cmd(&["PING"]); // the root namespace still does
    lab.heal();
    assert_eq!(ping(0, &nodes[1]), "PONG");
    lab.cut_off(1);
    assert!(std::net::TcpStream::connect_timeout(
        &nodes[1].addr().parse().unwrap(),
        Duration::from_millis(500)
    )
    .is_err());
    lab.reconnect(1);
    wait_until(Duration::from_secs(10), "host 1 back", || {
        std::net::TcpStream::connect_timeout(
            &nodes[1].addr().parse().unwrap(),
            Duration::from_millis(500),
        )
        .is_ok()
    });
    let (bridge, netns) = (lab.bridge.clone(), lab.host(0).netns.clone());
    drop(nodes);
    drop(lab);
    let links = String::from_utf8(
        std::process::Command::new("ip")
            .args(["-o", "link"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(!links.contains(&bridge), "the bridge outlived the lab");
    let spaces = String::from_utf8(
        std::process::Command::new("ip")
            .args(["netns", "list"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(!spaces.contains(&netns), "a namespace outlived the lab");
}

#[test]
fn redis_master_host_cut_off() {
    require_lab!();
    if Kind::Redis.available() {
        master_host_cut_off(Kind::Redis);
    }
}

#[test]
fn node_master_host_cut_off() {
    require_lab!();
    master_host_cut_off(Kind::Node);
}

#[test]
fn redis_replica_host_cut_off() {
    require_lab!();
    if Kind::Redis.available() {
        replica_host_cut_off(Kind::Redis);
    }
}

#[test]
fn node_replica_host_cut_off() {
    require_lab!();
    replica_host_cut_off(Kind::Node);
}

#[test]
fn redis_split_without_majority() {
    require_lab!();
    if Kind::Redis.available() {
        split_without_majority(Kind::Redis);
    }
}

#[test]
fn node_split_without_majority() {
    require_lab!();
    split_without_majority(Kind::Node);
}

fn ip_lists() -> String {
    let run = |args: &[&str]| {
        String::from_utf8(
            std::process::Command::new("ip")
                .args(args)
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap()
    };
    run(&["-o", "link"]) + &run(&["netns", "list"])
}

#[test]
fn lab_is_removed_after_a_panic_and_stale_labs_at_start() {
    require_lab!();
    // A test that panics with a lab and a server in it: unwinding removes both.
    let names = std::thread::spawn(|| {
        let lab = Lab::new(1);
        let names = (lab.bridge.clone(), lab.host(0).netns.clone());
        let _node = lab.start(Kind::Node, &ServerOpts::default(), &[(0, 6379)]);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _moved = (_node, lab);
            panic!("a failing test");
        }));
        assert!(result.is_err());
        names
    })
    .join()
    .unwrap();
    let now = ip_lists();
    assert!(!now.contains(&names.0) && !now.contains(&names.1), "{now}");

    // What a killed test process left (named with a pid that no longer runs) goes when
    // the next lab starts.
    let dead_pid = (4_000_000..4_194_304u32)
        .rev()
        .find(|p| !std::path::Path::new(&format!("/proc/{p}")).exists())
        .unwrap();
    let stale_ns = format!("rclab-{dead_pid}-1-0");
    let stale_bridge = format!("rcb01{dead_pid:x}");
    let ip = |args: &[&str]| {
        assert!(std::process::Command::new("ip")
            .args(args)
            .status()
            .unwrap()
            .success())
    };
    ip(&["netns", "add", &stale_ns]);
    ip(&["link", "add", &stale_bridge, "type", "bridge"]);
    let lab = Lab::new(1);
    let now = ip_lists();
    assert!(
        !now.contains(&stale_ns) && !now.contains(&stale_bridge),
        "{now}"
    );
    drop(lab);
}
