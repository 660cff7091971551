//! SIGKILL at random points of every changing command, on a cluster of four masters with
//! a replica each, spread over four lab hosts: afterwards `rclust fix --yes` and
//! `rclust check --wait` must leave a healthy cluster with every key. Each command is timed
//! once uninterrupted; the kill points are spread uniformly over that duration.
//!
//! CI runs one kill point of a few commands (`kill_points_representative`); the whole sweep
//! (`kill_point_sweep`, ignored; `scripts/kill-points.sh` runs it) covers every command
//! and prints the table the README quotes.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::lab::myself;
use crate::harness::{assert_exit, rclust, ClusterClient, Kind, Process, ServerOpts};
use crate::partitions::LabCluster;
use crate::require_lab;

const KEYS: usize = 4000;

/// The commands with kill points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmd {
    Create,
    AddMaster,
    AddReplica,
    DelNode,
    Failover,
    FailoverForce,
    FailoverTakeover,
    Reshard,
    Rebalance,
    Fix,
    SetTimeout,
}

const ALL: [Cmd; 11] = [
    Cmd::Create,
    Cmd::AddMaster,
    Cmd::AddReplica,
    Cmd::DelNode,
    Cmd::Failover,
    Cmd::FailoverForce,
    Cmd::FailoverTakeover,
    Cmd::Reshard,
    Cmd::Rebalance,
    Cmd::Fix,
    Cmd::SetTimeout,
];

/// Four masters (port 6379) with a replica each (6380) on four hosts, and an empty spare
/// node on every host (6381) for the membership commands.
struct Bench {
    spares: Vec<Process>,
    c: LabCluster,
    round: usize,
    rng: u64,
}

impl Bench {
    fn new(kind: Kind) -> Bench {
        let at: Vec<(usize, u16)> = [6379, 6380]
            .iter()
            .flat_map(|&p| (0..4).map(move |h| (h, p)))
            .collect();
        let c = LabCluster::create(kind, 4, &at, 1);
        let opts = ServerOpts {
            node_timeout_ms: 2000,
            ..ServerOpts::default()
        };
        let spares = c
            .lab
            .start(kind, &opts, &[(0, 6381), (1, 6381), (2, 6381), (3, 6381)]);
        let mut client = ClusterClient::new(&c.addrs());
        client.load("kp:", KEYS);
        Bench {
            spares,
            c,
            round: 0,
            rng: 0x9e37_79b9_7f4a_7c15 ^ u64::from(std::process::id()),
        }
    }

    fn random(&mut self) -> f64 {
        // xorshift: reproducible enough, no dependency.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng >> 11) as f64 / (1u64 << 53) as f64
    }

    fn seed(&self) -> String {
        self.c.nodes[0].addr()
    }

    /// The members' masters and replicas, as they describe themselves.
    fn members(&self) -> (Vec<&Process>, Vec<&Process>) {
        let nodes: Vec<&Process> = self.c.nodes.iter().chain(&self.spares).collect();
        let mut masters = Vec::new();
        let mut replicas = Vec::new();
        let seed_view = crate::harness::lab::view(&self.c.nodes[0]);
        for n in nodes {
            let me = myself(n);
            if !seed_view.iter().any(|v| v.id == me.id) {
                continue;
            }
            if me.flags.master && !me.slots.is_empty() {
                masters.push(n);
            } else if me.flags.replica {
                replicas.push(n);
            }
        }
        (masters, replicas)
    }

    /// Empties a spare node that is not part of the cluster (any more).
    fn reset_spare(&self, i: usize) {
        let s = &self.spares[i];
        let _: redis::RedisResult<()> = redis::cmd("FLUSHALL").query(&mut s.client());
        let _: redis::RedisResult<()> = redis::cmd("CLUSTER")
            .arg("RESET")
            .arg("HARD")
            .query(&mut s.client());
    }

    /// Removes spare `i` from the cluster if it joined (best effort), then empties it.
    fn remove_spare(&self, i: usize) {
        let id = myself(&self.spares[i]).id;
        if crate::harness::lab::view(&self.c.nodes[0])
            .iter()
            .any(|n| n.id == id)
        {
            let out = rclust()
                .args(["del-node", &self.seed(), &id, "--yes"])
                .output()
                .unwrap();
            assert_exit(&out, 0);
        }
        self.reset_spare(i);
    }

    /// The arguments of one run of `cmd`, and whatever must happen before it.
    fn prepare(&mut self, cmd: Cmd) -> Vec<String> {
        self.round += 1;
        let seed = self.seed();
        let (masters, replicas) = self.members();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
        match cmd {
            Cmd::Create => {
                for i in 0..4 {
                    self.remove_spare(i);
                }
                let mut a = s(&["create"]);
                a.extend(self.spares.iter().map(|n| n.addr()));
                a.extend(s(&["--replicas", "0", "--yes"]));
                a
            }
            Cmd::AddMaster => {
                self.remove_spare(0);
                s(&["add-node", &self.spares[0].addr(), &seed, "--yes"])
            }
            Cmd::AddReplica => {
                self.remove_spare(1);
                s(&[
                    "add-node",
                    &self.spares[1].addr(),
                    &seed,
                    "--replica",
                    "--yes",
                ])
            }
            Cmd::DelNode => {
                self.remove_spare(2);
                let out = rclust()
                    .args([
                        "add-node",
                        &self.spares[2].addr(),
                        &seed,
                        "--replica",
                        "--yes",
                    ])
                    .output()
                    .unwrap();
                assert_exit(&out, 0);
                s(&["del-node", &seed, &self.spares[2].addr(), "--yes"])
            }
            Cmd::Failover | Cmd::FailoverForce | Cmd::FailoverTakeover => {
                let r = replicas[self.round % replicas.len()].addr();
                let mut a = s(&["failover", &r, "--yes"]);
                if cmd == Cmd::FailoverForce {
                    a.push("--force".into());
                }
                if cmd == Cmd::FailoverTakeover {
                    a.push("--takeover".into());
                }
                a
            }
            Cmd::Reshard => {
                let to = masters[self.round % masters.len()].addr();
                s(&[
                    "reshard", &seed, "--from", "all", "--to", &to, "--slots", "1500", "--yes",
                ])
            }
            Cmd::Rebalance => {
                // Alternately give one master three shares and spread the slots evenly
                // again (emptying a master would turn it into a replica for good).
                if self.round % 2 == 1 {
                    let w = format!("{}=3", masters[self.round % masters.len()].addr());
                    s(&["rebalance", &seed, "--weight", &w, "--yes"])
                } else {
                    s(&["rebalance", &seed, "--yes"])
                }
            }
            Cmd::Fix => {
                // Something to repair: a reshard killed half-way.
                let to = masters[self.round % masters.len()].addr();
                let args = s(&[
                    "reshard", &seed, "--from", "all", "--to", &to, "--slots", "2000", "--yes",
                ]);
                kill_after(&args, Duration::from_millis(1500));
                s(&["fix", &seed, "--yes"])
            }
            Cmd::SetTimeout => {
                let ms = if self.round.is_multiple_of(2) {
                    "2000"
                } else {
                    "2500"
                };
                s(&["set-timeout", &seed, ms, "--yes"])
            }
        }
    }

    /// Repairs and checks after a kill: the outcome, and the fix output when it failed.
    fn repair(&self, cmd: Cmd) -> Result<(), String> {
        let seed = if cmd == Cmd::Create {
            self.spares[0].addr()
        } else {
            self.seed()
        };
        let mut last = String::new();
        let mut fixed = false;
        // A node that MIGRATE kept busy past the node timeout may have been failed over
        // meanwhile; fix refuses (exit 2, nothing changed) while the cluster is down, so it
        // is run again once that has settled, as a user would.
        for attempt in 0..3 {
            if attempt > 0 {
                std::thread::sleep(Duration::from_secs(3));
            }
            let out = rclust().args(["fix", &seed, "--yes"]).output().unwrap();
            if out.status.code() == Some(0) {
                fixed = true;
                break;
            }
            last = String::from_utf8_lossy(&out.stderr).into_owned();
        }
        if !fixed {
            return Err(format!("fix failed three times: {last}"));
        }
        let out = rclust()
            .args(["check", &seed, "--wait", "60"])
            .output()
            .unwrap();
        if out.status.code() != Some(0) {
            return Err(format!(
                "check --wait failed: {}",
                String::from_utf8_lossy(&out.stdout)
            ));
        }
        if cmd != Cmd::Create {
            let (masters, _) = self.members();
            let total: u64 = masters.iter().map(|m| m.cmd::<u64>(&["DBSIZE"])).sum();
            if total != KEYS as u64 {
                return Err(format!("{total} keys on the masters, {KEYS} written"));
            }
            let mut client = ClusterClient::new(&self.c.addrs());
            let verified = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                client.verify("kp:", KEYS)
            }));
            if verified.is_err() {
                return Err("keys lost or wrong".into());
            }
        }
        Ok(())
    }
}

fn rclust_process(args: &[String]) -> std::process::Child {
    Command::new(assert_cmd::cargo::cargo_bin("rclust"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Runs the command and SIGKILLs it after `delay` (if it is still running).
fn kill_after(args: &[String], delay: Duration) -> bool {
    let mut child = rclust_process(args);
    let start = Instant::now();
    while start.elapsed() < delay {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    true
}

/// Times one uninterrupted run of `cmd`.
fn measure(b: &mut Bench, cmd: Cmd) -> Duration {
    let args = b.prepare(cmd);
    let start = Instant::now();
    let status = rclust_process(&args).wait().unwrap();
    let took = start.elapsed();
    assert!(status.success(), "{cmd:?} {args:?} failed uninterrupted");
    b.repair(cmd)
        .unwrap_or_else(|e| panic!("{cmd:?} uninterrupted: {e}"));
    took
}

struct Outcome {
    cmd: Cmd,
    took: Duration,
    killed: usize,
    repaired: usize,
    failures: Vec<String>,
}

fn run_points(b: &mut Bench, cmd: Cmd, points: usize) -> Outcome {
    let took = measure(b, cmd);
    let mut o = Outcome {
        cmd,
        took,
        killed: 0,
        repaired: 0,
        failures: Vec::new(),
    };
    for _ in 0..points {
        let args = b.prepare(cmd);
        let at = took.mul_f64(b.random());
        if kill_after(&args, at) {
            o.killed += 1;
            match b.repair(cmd) {
                Ok(()) => o.repaired += 1,
                Err(e) => o.failures.push(format!("killed at {at:?}: {e}")),
            }
        } else {
            // It finished before the kill point: the cluster must be healthy anyway.
            b.repair(cmd)
                .unwrap_or_else(|e| panic!("{cmd:?} finished but: {e}"));
        }
    }
    o
}

fn report(outcomes: &[Outcome]) -> String {
    let mut t = String::from(
        "| command | measured duration | kill points run | repaired |\n|---|---|---|---|\n",
    );
    for o in outcomes {
        t += &format!(
            "| {:?} | {:.1} s | {} | {} |\n",
            o.cmd,
            o.took.as_secs_f64(),
            o.killed,
            o.repaired
        );
    }
    t
}

fn sweep(kind: Kind, cmds: &[Cmd], points: usize) {
    let mut b = Bench::new(kind);
    let outcomes: Vec<Outcome> = cmds
        .iter()
        .map(|&c| run_points(&mut b, c, points))
        .collect();
    let table = report(&outcomes);
    eprintln!("{kind:?}:\n{table}");
    let failures: Vec<String> = outcomes
        .iter()
        .flat_map(|o| o.failures.iter().map(move |f| format!("{:?}: {f}", o.cmd)))
        .collect();
    assert!(failures.is_empty(), "{table}\n{}", failures.join("\n"));
}

#[test]
fn kill_points_representative() {
    require_lab!();
    if !Kind::Redis.available() {
        return;
    }
    sweep(
        Kind::Redis,
        &[
            Cmd::Rebalance,
            Cmd::Reshard,
            Cmd::Fix,
            Cmd::Failover,
            Cmd::AddReplica,
        ],
        1,
    );
}

/// Every command, `RCLUST_KILL_POINTS` kill points each (default 5), on redis-server and
/// (with `RCLUST_KILL_KINDS=redis,node`) bundled nodes.
#[test]
#[ignore]
fn kill_point_sweep() {
    require_lab!();
    let points: usize = std::env::var("RCLUST_KILL_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let kinds = std::env::var("RCLUST_KILL_KINDS").unwrap_or_else(|_| "redis".into());
    for kind in kinds.split(',') {
        let kind = match kind {
            "node" => Kind::Node,
            "valkey" => Kind::Valkey,
            _ => Kind::Redis,
        };
        if kind.available() {
            sweep(kind, &ALL, points);
        }
    }
}
