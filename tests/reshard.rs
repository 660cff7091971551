//! `rclust reshard` and `rclust rebalance` against real redis-server clusters: exact slot
//! counts, every key verified through an independent cluster client (also while a client
//! writes), SIGKILL at random moments repaired by `rclust fix`, and bad input refused.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::create::create_cluster;
use crate::harness::{
    assert_exit, rclust, value_of, wait_until, ClusterClient, RedisServer, ServerOpts,
};
use crate::require_redis;

/// Servers with a short node timeout, so that failures and waits stay short.
pub fn servers(n: usize) -> Vec<RedisServer> {
    RedisServer::many(
        n,
        ServerOpts {
            node_timeout_ms: 1000,
            ..ServerOpts::default()
        },
    )
}

/// A cluster of `masters` masters created by rclust, plus `empty` masters joined with no slots.
pub fn cluster_with_empty(masters: usize, empty: usize) -> Vec<RedisServer> {
    let nodes = servers(masters + empty);
    create_cluster(&nodes[..masters], 0);
    for n in &nodes[masters..] {
        let _: String = n.cmd(&["CLUSTER", "MEET", "127.0.0.1", &nodes[0].port.to_string()]);
    }
    if empty > 0 {
        // The check alone could pass before the MEET has even started.
        wait_until(
            Duration::from_secs(30),
            "every node to know every other",
            || {
                nodes.iter().all(|n| {
                    let view = n.cluster_nodes_text();
                    view.lines().count() == nodes.len() && !view.contains("handshake")
                })
            },
        );
        wait_healthy(&nodes[0]);
    }
    nodes
}

/// Waits until `rclust check` passes and every node knows every other.
pub fn wait_healthy(seed: &RedisServer) {
    rclust()
        .args(["check", &seed.addr(), "--wait", "30", "-q"])
        .assert()
        .code(0);
}

pub fn slot_count(node: &RedisServer) -> usize {
    let view = node.cluster_nodes_text();
    let me = view.lines().find(|l| l.contains("myself")).unwrap();
    me.split(' ')
        .skip(8)
        .filter(|t| !t.starts_with('['))
        .map(|t| match t.split_once('-') {
            Some((a, b)) => b.parse::<usize>().unwrap() - a.parse::<usize>().unwrap() + 1,
            None => 1,
        })
        .sum()
}

pub fn dbsize_total(nodes: &[RedisServer]) -> u64 {
    nodes.iter().map(|n| n.cmd::<u64>(&["DBSIZE"])).sum()
}

fn addrs(nodes: &[RedisServer]) -> Vec<String> {
    nodes.iter().map(|n| n.addr()).collect()
}

fn redis_cli_check_ok(node: &RedisServer) -> bool {
    Command::new("redis-cli")
        .args(["--cluster", "check", &node.addr()])
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn reshard_moves_exactly_n_slots_with_their_keys() {
    require_redis!();
    let nodes = cluster_with_empty(3, 1);
    let mut client = ClusterClient::new(&addrs(&nodes));
    client.load("r:", 5000);
    // An odd count that redis-cli's floors would round down (1001 * 5461/16384 each).
    let out = rclust()
        .args([
            "reshard",
            &nodes[0].addr(),
            "--from",
            "all",
            "--to",
            &nodes[3].addr(),
        ])
        .args(["--slots", "1001", "--yes"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(slot_count(&nodes[3]), 1001);
    assert_eq!(
        (0..3).map(|i| slot_count(&nodes[i])).sum::<usize>(),
        16384 - 1001
    );
    assert_eq!(dbsize_total(&nodes), 5000);
    assert!(nodes[3].cmd::<u64>(&["DBSIZE"]) > 0);
    client.verify("r:", 5000);
    rclust().args(["check", &nodes[1].addr()]).assert().code(0);
    assert!(redis_cli_check_ok(&nodes[2]));

    // Named sources, by id prefix and by address; the target by full id.
    let target = nodes[1].myid();
    let before = slot_count(&nodes[3]) + slot_count(&nodes[2]);
    let target_before = slot_count(&nodes[1]);
    let src_prefix = nodes[3].myid()[..12].to_string();
    rclust()
        .args(["reshard", &nodes[0].addr(), "--from"])
        .arg(format!("{src_prefix},{}", nodes[2].addr()))
        .args([
            "--to",
            &target,
            "--slots",
            "333",
            "--yes",
            "--pipeline",
            "7",
        ])
        .assert()
        .code(0);
    assert_eq!(slot_count(&nodes[3]) + slot_count(&nodes[2]), before - 333);
    assert_eq!(slot_count(&nodes[1]), target_before + 333);
    client.verify("r:", 5000);
    rclust().args(["check", &nodes[0].addr()]).assert().code(0);
}

#[test]
fn reshard_while_a_client_writes_loses_no_acknowledged_write() {
    require_redis!();
    let nodes = cluster_with_empty(3, 1);
    let seeds = addrs(&nodes);
    let mut client = ClusterClient::new(&seeds);
    client.load("w:", 3000);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, seeds) = (stop.clone(), seeds.clone());
        std::thread::spawn(move || {
            let mut c = ClusterClient::new(&seeds);
            let mut acked: Vec<(String, String)> = Vec::new();
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                // New keys, and overwrites of loaded ones (which are being moved).
                let (key, value) = if i.is_multiple_of(2) {
                    (format!("n:{i}"), format!("new-{i}"))
                } else {
                    (format!("w:{}", i % 3000), format!("over-{i}"))
                };
                if c.set(&key, &value).is_ok() {
                    acked.push((key, value));
                }
                i += 1;
            }
            acked
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    for (to, slots) in [(3, "3000"), (0, "2000")] {
        rclust()
            .args([
                "reshard",
                &nodes[1].addr(),
                "--from",
                "all",
                "--to",
                &nodes[to].addr(),
            ])
            .args(["--slots", slots, "--yes", "--pipeline", "10"])
            .assert()
            .code(0);
    }
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    let acked = writer.join().unwrap();
    assert!(
        acked.len() > 100,
        "the writer barely wrote: {}",
        acked.len()
    );
    // The last acknowledged value of every key is what a reader sees.
    let mut last = std::collections::HashMap::new();
    for (k, v) in &acked {
        last.insert(k.clone(), v.clone());
    }
    let mut c = ClusterClient::new(&seeds);
    for i in 0..3000 {
        let key = format!("w:{i}");
        let want = last.get(&key).cloned().unwrap_or_else(|| value_of("w:", i));
        assert_eq!(
            c.get(&key).unwrap().as_deref(),
            Some(want.as_str()),
            "{key}"
        );
    }
    for (k, v) in last.iter().filter(|(k, _)| k.starts_with("n:")) {
        assert_eq!(c.get(k).unwrap().as_deref(), Some(v.as_str()), "{k}");
    }
    rclust().args(["check", &nodes[0].addr()]).assert().code(0);
}

/// A small deterministic generator, so a failing run can be replayed from its seed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[test]
fn killed_reshard_or_rebalance_is_repaired_by_fix_without_losing_a_key() {
    require_redis!();
    let nodes = cluster_with_empty(3, 1);
    let seeds = addrs(&nodes);
    let mut client = ClusterClient::new(&seeds);
    client.load("k:", 20000);
    let seed = std::env::var("RCLUST_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        });
    eprintln!("kill points from seed {seed} (RCLUST_KILL_SEED to replay)");
    let mut rng = Lcg(seed);
    // Kill points are spread over how long a move actually takes here (at most 1.5 s), so
    // that a fast machine does not finish every move before the kill.
    let start = Instant::now();
    rclust()
        .args([
            "reshard",
            &nodes[0].addr(),
            "--from",
            "all",
            "--to",
            &nodes[3].addr(),
        ])
        .args(["--slots", "4000", "--yes", "--pipeline", "5"])
        .assert()
        .code(0);
    let span = (start.elapsed().as_millis() as u64).clamp(100, 1500);
    eprintln!("a full move takes {span} ms here");
    let mut interrupted = 0;
    for round in 0..8 {
        let to = rng.next(4) as usize;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rclust"));
        if round % 4 == 3 {
            cmd.args([
                "rebalance",
                &nodes[0].addr(),
                "--use-empty-masters",
                "--yes",
            ])
            .args(["--weight", &format!("{}={}", nodes[to].addr(), 3)]);
        } else {
            cmd.args(["reshard", &nodes[0].addr(), "--from", "all"])
                .args(["--to", &nodes[to].addr(), "--slots", "4000", "--yes"]);
        }
        let delay = Duration::from_millis(50 + rng.next(span - 50));
        let mut child = cmd
            .args(["--pipeline", "5"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let mut finished = false;
        while start.elapsed() < delay {
            if child.try_wait().unwrap().is_some() {
                finished = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if !finished {
            child.kill().unwrap();
        }
        child.wait().unwrap();
        let check = rclust()
            .args(["check", &nodes[1].addr(), "-q"])
            .output()
            .unwrap();
        let code = check.status.code();
        if !finished && code == Some(1) {
            interrupted += 1;
        }
        assert!(
            matches!(code, Some(0) | Some(1)),
            "round {round}: check {code:?}"
        );
        let out = rclust()
            .args(["fix", &nodes[2].addr(), "--yes"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "round {round} (seed {seed}, killed after {delay:?}): fix failed\n{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        rclust().args(["check", &nodes[3].addr()]).assert().code(0);
        assert_eq!(dbsize_total(&nodes), 20000, "round {round} (seed {seed})");
        client.refresh();
        client.verify("k:", 20000);
    }
    assert!(
        interrupted > 0,
        "no round was killed mid-move (seed {seed})"
    );
}

#[test]
fn rebalance_onto_an_empty_master_within_the_threshold() {
    require_redis!();
    let nodes = cluster_with_empty(3, 1);
    let mut client = ClusterClient::new(&addrs(&nodes));
    client.load("b:", 4000);
    // Without --use-empty-masters the three are balanced already.
    let out = rclust()
        .args(["rebalance", &nodes[0].addr(), "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No rebalancing needed"));
    assert_eq!(slot_count(&nodes[3]), 0);
    // A dry run prints the moves and changes nothing.
    let out = rclust()
        .args([
            "rebalance",
            &nodes[0].addr(),
            "--use-empty-masters",
            "--dry-run",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Plan: move 4096 slots"));
    assert_eq!(slot_count(&nodes[3]), 0);
    rclust()
        .args([
            "rebalance",
            &nodes[0].addr(),
            "--use-empty-masters",
            "--yes",
        ])
        .assert()
        .code(0);
    for n in &nodes {
        assert_eq!(slot_count(n), 4096, "{}", n.addr());
    }
    client.verify("b:", 4000);
    assert_eq!(dbsize_total(&nodes), 4000);
    // Now within the threshold: nothing to do.
    let out = rclust()
        .args([
            "rebalance",
            &nodes[1].addr(),
            "--use-empty-masters",
            "--yes",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No rebalancing needed"));
    // Weights: node 0 gets twice as much.
    rclust()
        .args(["rebalance", &nodes[1].addr(), "--yes", "--weight"])
        .arg(format!("{}=2", nodes[0].addr()))
        .assert()
        .code(0);
    // 16384 * 2/5 = 6553.6 and 3276.8 for the others: the remainders go to the larger fractions.
    assert_eq!(slot_count(&nodes[0]), 6553);
    assert_eq!(slot_count(&nodes[1]), 3277);
    client.verify("b:", 4000);
}

#[test]
fn bad_input_exits_2_with_one_line_and_changes_nothing() {
    require_redis!();
    let nodes = cluster_with_empty(3, 1);
    let before: Vec<usize> = nodes.iter().map(slot_count).collect();
    let seed = nodes[0].addr();
    let fail = |args: &[&str], expect: &str| {
        let out = rclust().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("rclust: ") && err.contains(expect),
            "{args:?}: {err}"
        );
    };
    let to = nodes[3].addr();
    fail(
        &[
            "reshard",
            &seed,
            "--from",
            "all",
            "--to",
            "127.0.0.1:1",
            "--slots",
            "5",
            "--yes",
        ],
        "unknown node '127.0.0.1:1'",
    );
    fail(
        &[
            "reshard", &seed, "--from", "0123zz", "--to", &to, "--slots", "5", "--yes",
        ],
        "unknown node '0123zz'",
    );
    fail(
        &[
            "reshard", &seed, "--from", &to, "--to", &to, "--slots", "5", "--yes",
        ],
        "is also a source",
    );
    fail(
        &[
            "reshard",
            &seed,
            "--from",
            &nodes[1].addr(),
            "--to",
            &to,
            "--slots",
            "5462",
            "--yes",
        ],
        "cannot move 5462 slots: the sources serve only 5461",
    );
    fail(
        &["rebalance", &seed, "--weight", "nonsense", "--yes"],
        "expected NODE=WEIGHT",
    );
    // An id prefix shared by two nodes, when the random ids happen to share one.
    let ids: Vec<String> = nodes.iter().map(|n| n.myid()).collect();
    if let Some(p) = ids
        .iter()
        .find(|a| ids.iter().filter(|b| b[..1] == a[..1]).count() > 1)
    {
        fail(
            &[
                "reshard",
                &seed,
                "--from",
                &p[..1],
                "--to",
                &to,
                "--slots",
                "5",
                "--yes",
            ],
            "ambiguous node id prefix",
        );
    }
    // Without --yes and without a terminal: refused.
    fail(
        &[
            "reshard", &seed, "--from", "all", "--to", &to, "--slots", "5",
        ],
        "use --yes",
    );
    // An unhealthy cluster is refused, pointing at fix.
    let owner0 = nodes[0].myid();
    let _: String = nodes[3].cmd(&["CLUSTER", "SETSLOT", "0", "IMPORTING", &owner0]);
    fail(
        &[
            "reshard", &seed, "--from", "all", "--to", &to, "--slots", "5", "--yes",
        ],
        "run `rclust fix",
    );
    let _: String = nodes[3].cmd(&["CLUSTER", "SETSLOT", "0", "STABLE"]);
    let after: Vec<usize> = nodes.iter().map(slot_count).collect();
    assert_eq!(before, after);
}

#[test]
fn reshard_replaces_identical_keys_and_refuses_different_ones() {
    require_redis!();
    use crate::harness::key_in_slot;
    let nodes = cluster_with_empty(3, 0);
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut client = ClusterClient::new(&addrs(&nodes));
    let (same, differ) = (key_in_slot(0, 1), key_in_slot(1, 1));
    client.set(&same, "same").unwrap();
    client.set(&differ, "source").unwrap();
    // Copies on the target, as an earlier interrupted copy or a stray write would leave.
    let ida = a.myid();
    for (slot, key, value) in [(0, &same, "same"), (1, &differ, "target")] {
        let s = slot.to_string();
        let _: String = b.cmd(&["CLUSTER", "SETSLOT", &s, "IMPORTING", &ida]);
        redis::pipe()
            .cmd("ASKING")
            .ignore()
            .cmd("SET")
            .arg(key)
            .arg(value)
            .ignore()
            .query::<()>(&mut b.client())
            .unwrap();
        let _: String = b.cmd(&["CLUSTER", "SETSLOT", &s, "STABLE"]);
    }
    let out = rclust()
        .args(["reshard", &a.addr(), "--from", &a.addr(), "--to", &b.addr()])
        .args(["--slots", "2", "--yes"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("1 key(s) also exist on")
            && err.contains(&differ)
            && err.contains("--replace"),
        "{err}"
    );
    assert!(!err.contains(&same), "{err}");
    // Slot 1 was left open; fix finishes the move only when told to overwrite.
    rclust().args(["check", &a.addr(), "-q"]).assert().code(1);
    rclust().args(["fix", &a.addr(), "--yes"]).assert().code(2);
    rclust()
        .args(["fix", &a.addr(), "--yes", "--replace"])
        .assert()
        .code(0);
    client.refresh();
    assert_eq!(client.get(&same).unwrap().as_deref(), Some("same"));
    assert_eq!(client.get(&differ).unwrap().as_deref(), Some("source"));
    assert_eq!(dbsize_total(&nodes), 2);
    rclust().args(["check", &b.addr()]).assert().code(0);
}

#[test]
fn ctrl_c_finishes_the_slots_under_way_and_leaves_nothing_open() {
    require_redis!();
    let nodes = cluster_with_empty(3, 0);
    let mut client = ClusterClient::new(&addrs(&nodes));
    client.load("c:", 20000);
    let child = Command::new(env!("CARGO_BIN_EXE_rclust"))
        .args([
            "reshard",
            &nodes[0].addr(),
            "--from",
            "all",
            "--to",
            &nodes[0].addr(),
        ])
        .args(["--slots", "8000", "--yes", "--pipeline", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(0) {
        eprintln!("the reshard finished before the interrupt; nothing to test");
        return;
    }
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("no slot is left open"), "{err}");
    // Healthy straight away: no fix needed.
    rclust().args(["check", &nodes[1].addr()]).assert().code(0);
    client.refresh();
    client.verify("c:", 20000);
}

#[test]
fn second_ctrl_c_aborts_with_130_and_fix_repairs_without_losing_a_key() {
    require_redis!();
    let nodes = cluster_with_empty(3, 1);
    let mut client = ClusterClient::new(&addrs(&nodes));
    client.load("k:", 5000);
    // One early slot of the first master holds 10000 keys: moved one key per MIGRATE, it
    // stays open long enough for both presses of Ctrl-C to land while it moves.
    let (tag, slot) = (0..)
        .map(|i| format!("{{t{i}}}:"))
        .map(|t| {
            let slot = rclust::model::key_slot(t.as_bytes());
            (t, slot)
        })
        .find(|(_, slot)| *slot < 50)
        .unwrap();
    client.load(&tag, 10000);
    let child = Command::new(env!("CARGO_BIN_EXE_rclust"))
        .args(["reshard", &nodes[0].addr(), "--from", &nodes[0].addr()])
        .args(["--to", &nodes[3].addr(), "--slots", "100", "--yes"])
        .args(["--pipeline", "1", "--key-by-key"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until(Duration::from_secs(30), "the heavy slot to migrate", || {
        nodes[0]
            .cluster_nodes_text()
            .contains(&format!("[{slot}->-"))
    });
    for _ in 0..2 {
        // SAFETY: kill(2) on the pid of our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        std::thread::sleep(Duration::from_millis(30));
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("aborted; run `rclust fix"), "{err}");
    rclust()
        .args(["fix", &nodes[1].addr(), "--yes"])
        .assert()
        .code(0);
    rclust().args(["check", &nodes[2].addr()]).assert().code(0);
    assert_eq!(dbsize_total(&nodes), 15000);
    client.refresh();
    client.verify("k:", 5000);
    client.verify(&tag, 10000);
}
