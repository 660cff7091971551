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
use crate::harness::{assert_exit, rclust, value_of, ClusterClient, Kind, Process, ServerOpts};
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
    Import,
    Restore,
}

const ALL: [Cmd; 13] = [
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
    Cmd::Import,
    Cmd::Restore,
];

/// Keys an import moves from a standalone source (`im:`), and keys of a backup that a
/// restore writes back (`rs:`); both are removed from the cluster after each round.
const IMPORT_KEYS: usize = 1500;
const RESTORE_KEYS: usize = 1500;

/// Four masters (port 6379) with a replica each (6380) on four hosts, an empty spare node
/// on every host (6381) for the membership commands, a standalone server (host 0, 6390)
/// to import from and a backup to restore.
struct Bench {
    source: Process,
    backup: tempfile::TempDir,
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
        let source = kind.start(ServerOpts {
            cluster: false,
            place: Some(c.lab.host(0).place(6390)),
            ..opts.clone()
        });
        let mut client = ClusterClient::new(&c.addrs());
        client.load("rs:", RESTORE_KEYS);
        let backup = tempfile::tempdir().unwrap();
        let dir = backup.path().join("b");
        let out = rclust()
            .args(["backup", &c.nodes[0].addr(), dir.to_str().unwrap()])
            .output()
            .unwrap();
        assert_exit(&out, 0);
        delete_keys(&mut client, "rs:", RESTORE_KEYS);
        client.load("kp:", KEYS);
        Bench {
            source,
            backup,
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
            self.setup(&["del-node", &self.seed(), &id, "--yes"]);
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
                self.setup(&[
                    "add-node",
                    &self.spares[2].addr(),
                    &seed,
                    "--replica",
                    "--yes",
                ]);
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
            Cmd::Import => {
                self.settle();
                let _: () = self.source.cmd(&["FLUSHALL"]);
                let mut pipe = redis::pipe();
                for i in 0..IMPORT_KEYS {
                    pipe.cmd("SET")
                        .arg(format!("im:{i}"))
                        .arg(value_of("im:", i))
                        .ignore();
                }
                pipe.query::<()>(&mut self.source.client()).unwrap();
                s(&["import", &seed, "--from", &self.source.addr(), "--yes"])
            }
            Cmd::Restore => {
                self.settle();
                // --replace: the backup also holds the kp: keys, with the values they have.
                let dir = self.backup.path().join("b");
                s(&[
                    "restore",
                    &seed,
                    dir.to_str().unwrap(),
                    "--replace",
                    "--yes",
                ])
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
        // What each fix said (its plan and outcome), for the log when the repair fails.
        let mut fix_said = String::new();
        // A node that MIGRATE kept busy past the node timeout may have been failed over
        // meanwhile; fix refuses (exit 2, nothing changed) while the cluster is down, so it
        // is run again once that has settled, as a user would.
        for attempt in 0..3 {
            if attempt > 0 {
                std::thread::sleep(Duration::from_secs(3));
            }
            let out = rclust().args(["fix", &seed, "--yes"]).output().unwrap();
            fix_said += &format!(
                "fix #{} exited {:?}:\n{}{}",
                attempt + 1,
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if out.status.code() == Some(0) {
                fixed = true;
                break;
            }
            last = String::from_utf8_lossy(&out.stderr).into_owned();
        }
        if !fixed {
            return Err(format!(
                "fix failed three times: {last}\n{fix_said}{}",
                self.state()
            ));
        }
        let out = rclust()
            .args(["check", &seed, "--wait", "60"])
            .output()
            .unwrap();
        if out.status.code() != Some(0) {
            return Err(format!(
                "check --wait failed: {}\n{fix_said}{}",
                String::from_utf8_lossy(&out.stdout),
                self.state()
            ));
        }
        match cmd {
            Cmd::Import => self.imported_keys_kept()?,
            Cmd::Restore => {
                // What a killed restore did not write, running it again does.
                let args = self.prepare_restore_again();
                let out = rclust().args(&args).output().unwrap();
                if out.status.code() != Some(0) {
                    return Err(format!(
                        "restore run again failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                let mut client = ClusterClient::new(&self.c.addrs());
                let verified = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    client.verify("rs:", RESTORE_KEYS)
                }));
                if verified.is_err() {
                    return Err("restored keys missing after running restore again".into());
                }
                delete_keys(&mut client, "rs:", RESTORE_KEYS);
            }
            _ => {}
        }
        if cmd != Cmd::Create {
            let (masters, _) = self.members();
            let total: u64 = masters.iter().map(|m| m.cmd::<u64>(&["DBSIZE"])).sum();
            let lost = self.lost_keys();
            if total != KEYS as u64 || !lost.is_empty() {
                return Err(format!(
                    "{total} keys on the masters, {KEYS} written; {}\n{fix_said}{}",
                    lost,
                    self.state()
                ));
            }
        }
        Ok(())
    }
}

impl Bench {
    /// The `kp:` keys that cannot be read back with their values, by slot (empty when
    /// none): a whole batch of slots points at a move's batch, one slot at a mark.
    fn lost_keys(&self) -> String {
        let mut client = ClusterClient::new(&self.c.addrs());
        let mut by_slot: std::collections::BTreeMap<u16, usize> = Default::default();
        for i in 0..KEYS {
            let key = format!("kp:{i}");
            if client.get(&key).ok().flatten() != Some(value_of("kp:", i)) {
                *by_slot
                    .entry(rclust::model::key_slot(key.as_bytes()))
                    .or_default() += 1;
            }
        }
        if by_slot.is_empty() {
            return String::new();
        }
        let n: usize = by_slot.values().sum();
        let slots: Vec<String> = by_slot.iter().map(|(s, k)| format!("{s}:{k}")).collect();
        format!(
            "{n} keys lost or wrong in {} slot(s) (slot:keys) {}",
            slots.len(),
            slots.join(" ")
        )
    }

    /// Every node's own line, its view's epoch and key count: what the log keeps of a
    /// state that was not repaired.
    fn state(&self) -> String {
        let mut out = String::from("state after the repair:\n");
        for n in self.c.nodes.iter().chain(&self.spares) {
            let text = n.cluster_nodes_text();
            let me = text.lines().find(|l| l.contains("myself")).unwrap_or("");
            let keys: redis::RedisResult<u64> = redis::cmd("DBSIZE").query(&mut n.client());
            out += &format!("  {} keys={:?}: {me}\n", n.addr(), keys.ok());
        }
        // What each server logged about roles, elections and epochs (the last 15 lines).
        for n in self.c.nodes.iter().chain(&self.spares) {
            let log = ["node.log", "redis.log"]
                .iter()
                .find_map(|f| std::fs::read_to_string(n.dir.path().join(f)).ok())
                .unwrap_or_default();
            let lines: Vec<&str> = log
                .lines()
                .filter(|l| {
                    let l = l.to_ascii_lowercase();
                    [
                        "failover", "epoch", "master", "replica", "fail ", "election",
                    ]
                    .iter()
                    .any(|w| l.contains(w))
                })
                .collect();
            out += &format!("  log of {}:\n", n.addr());
            for l in &lines[lines.len().saturating_sub(15)..] {
                out += &format!("    {l}\n");
            }
        }
        out
    }

    /// Waits until the cluster is healthy: a replica migration or a view still catching up
    /// after the previous command's repair makes import and restore refuse (exit 2).
    fn settle(&self) {
        self.setup(&["check", &self.seed(), "--wait", "60"]);
    }

    /// Runs a command of the bench's own setup. On a loaded machine a node can be flagged
    /// failing for a moment (a slow node misses the node timeout), and the command refuses
    /// (exit 2, nothing changed): it is run again after `fix` and `check --wait`, twice,
    /// before the sweep gives up.
    fn setup(&self, args: &[&str]) {
        let mut out = rclust().args(args).output().unwrap();
        for _ in 0..2 {
            if out.status.code() == Some(0) {
                return;
            }
            eprintln!(
                "setup {args:?} exited {:?} ({}); repairing and trying again",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
            let _ = rclust().args(["fix", &self.seed(), "--yes"]).output();
            let _ = rclust()
                .args(["check", &self.seed(), "--wait", "60"])
                .output();
            out = rclust().args(args).output().unwrap();
        }
        assert_exit(&out, 0);
    }

    fn prepare_restore_again(&self) -> Vec<String> {
        let dir = self.backup.path().join("b");
        [
            "restore",
            &self.seed(),
            dir.to_str().unwrap(),
            "--replace",
            "--yes",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect()
    }

    /// After an import was killed: every key is on the source or in the cluster, with its
    /// value (import deletes a key on the source only once the cluster has it). Then the
    /// imported keys are removed from the cluster for the next round.
    fn imported_keys_kept(&self) -> Result<(), String> {
        let mut client = ClusterClient::new(&self.c.addrs());
        let mut source = self.source.client();
        let mut lost = Vec::new();
        for i in 0..IMPORT_KEYS {
            let key = format!("im:{i}");
            let want = Some(value_of("im:", i));
            let on_source: Option<String> = redis::cmd("GET").arg(&key).query(&mut source).unwrap();
            if on_source != want && client.get(&key).unwrap() != want {
                lost.push(key);
            }
        }
        delete_keys(&mut client, "im:", IMPORT_KEYS);
        if lost.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} imported keys neither on the source nor in the cluster, e.g. {:?}",
                lost.len(),
                &lost[..lost.len().min(5)]
            ))
        }
    }
}

fn delete_keys(client: &mut ClusterClient, prefix: &str, n: usize) {
    for i in 0..n {
        let key = format!("{prefix}{i}");
        client.query::<i64>(&[b"DEL", key.as_bytes()]).unwrap();
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

/// Times one uninterrupted run of `cmd`; an error says how it failed.
fn measure(b: &mut Bench, cmd: Cmd) -> Result<Duration, String> {
    let args = b.prepare(cmd);
    let start = Instant::now();
    let out = Command::new(assert_cmd::cargo::cargo_bin("rclust"))
        .args(&args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let took = start.elapsed();
    if !out.status.success() {
        return Err(format!(
            "uninterrupted {args:?} exited {:?}: {}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).trim(),
            b.state()
        ));
    }
    b.repair(cmd)
        .map_err(|e| format!("after an uninterrupted run: {e}"))?;
    Ok(took)
}

struct Outcome {
    cmd: Cmd,
    took: Duration,
    killed: usize,
    repaired: usize,
    failures: Vec<String>,
}

fn run_points(b: &mut Bench, cmd: Cmd, points: usize) -> Outcome {
    let mut o = Outcome {
        cmd,
        took: Duration::ZERO,
        killed: 0,
        repaired: 0,
        failures: Vec::new(),
    };
    match measure(b, cmd) {
        Ok(took) => o.took = took,
        Err(e) => {
            // Recorded, and the sweep goes on with the next command, from a repaired
            // cluster: a failed run (a node failed over mid-move under load) may have left
            // slots open, which every later command would refuse.
            eprintln!("{cmd:?}: {e}");
            o.failures.push(e);
            let repaired = b.repair(cmd);
            eprintln!("{cmd:?}: repair after the failed uninterrupted run: {repaired:?}");
            return o;
        }
    }
    let took = o.took;
    for _ in 0..points {
        let args = b.prepare(cmd);
        let at = took.mul_f64(b.random());
        let started = Instant::now();
        let killed = kill_after(&args, at);
        let outcome = b.repair(cmd);
        // One line per point, so that the log says which points ran and how each ended.
        eprintln!(
            "{cmd:?}: point at {:.2}s of {:.2}s: {}, repair {:.1}s: {}",
            at.as_secs_f64(),
            took.as_secs_f64(),
            if killed { "killed" } else { "finished first" },
            started.elapsed().saturating_sub(at).as_secs_f64(),
            match &outcome {
                Ok(()) => "repaired".to_string(),
                Err(e) => format!("NOT REPAIRED: {e}"),
            }
        );
        if killed {
            o.killed += 1;
            match outcome {
                Ok(()) => o.repaired += 1,
                Err(e) => o.failures.push(format!("killed at {at:?}: {e}")),
            }
        } else if let Err(e) = outcome {
            // It finished before the kill point: the cluster must be healthy anyway.
            o.failures.push(format!("finished before {at:?}, but: {e}"));
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
        .map(|&c| {
            let o = run_points(&mut b, c, points);
            // Each row as it is done, so that a sweep cut short still reports.
            eprint!(
                "{}",
                report(std::slice::from_ref(&o))
                    .lines()
                    .nth(2)
                    .unwrap_or("")
            );
            eprintln!();
            o
        })
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

/// Every command (or those in `RCLUST_KILL_CMDS`), `RCLUST_KILL_POINTS` kill points each
/// (default 5), on redis-server and (with `RCLUST_KILL_KINDS=redis,node`) bundled nodes.
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
        // RCLUST_KILL_CMDS=Rebalance,Fix runs only those (names as in the table).
        let only = std::env::var("RCLUST_KILL_CMDS").unwrap_or_default();
        let cmds: Vec<Cmd> = ALL
            .into_iter()
            .filter(|c| only.is_empty() || only.split(',').any(|o| o == format!("{c:?}")))
            .collect();
        if kind.available() {
            sweep(kind, &cmds, points);
        }
    }
}
