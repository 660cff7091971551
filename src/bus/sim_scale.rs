//! A cluster at production size in the simulator: formation from MEETs as `rclust create`
//! does it (masters take their slots and epochs, every node meets one seed, gossip does
//! the rest, replicas REPLICATE once they know their master), then a master is killed
//! and its replica takes over. Each phase reports its virtual time and the bus traffic
//! per node per second, so what grows with N shows. `scale_100` runs in the suite;
//! `scale_1000` (500 masters + 500 replicas) is run by `scripts/sim-scale.sh`.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use super::codec::types;
use super::Sim;
use crate::model::SLOT_COUNT;

/// Traffic and time of one phase of a scenario.
pub struct Phase {
    pub name: &'static str,
    pub virtual_ms: u64,
    pub nodes: usize,
    pub messages: u64,
    pub bytes: u64,
    /// Messages sent per type, all nodes together.
    pub by_type: Vec<(&'static str, u64)>,
    /// Real time the simulation took.
    pub wall_ms: u128,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let node_s = self.nodes as f64 * (self.virtual_ms.max(1) as f64 / 1000.0);
        write!(
            f,
            "{:<10} {:>5} nodes  {:>8.1} s virtual  {:>8.1} msg/node/s  {:>8.1} KiB/node/s  ({} msgs, {:.1} MiB; {:.1} s real)",
            self.name,
            self.nodes,
            self.virtual_ms as f64 / 1000.0,
            self.messages as f64 / node_s,
            self.bytes as f64 / node_s / 1024.0,
            self.messages,
            self.bytes as f64 / (1024.0 * 1024.0),
            self.wall_ms as f64 / 1000.0,
        )?;
        for (kind, n) in &self.by_type {
            write!(
                f,
                "\n{:>18} {:>10} ({:.1}/node/s)",
                kind,
                n,
                *n as f64 / node_s
            )?;
        }
        Ok(())
    }
}

/// Counters at the start of a phase.
struct Mark {
    at: u64,
    sent: u64,
    bytes: u64,
    by_type: Vec<u64>,
    wall: std::time::Instant,
}

fn sent_by_type(sim: &Sim) -> Vec<u64> {
    (0..types::COUNT)
        .map(|t| {
            (0..sim.len())
                .filter(|&i| sim.alive(i))
                .map(|i| sim.core(i).messages_sent(t))
                .sum()
        })
        .collect()
}

fn mark(sim: &Sim) -> Mark {
    Mark {
        at: sim.now,
        sent: sim.sent,
        bytes: sim.sent_bytes,
        by_type: sent_by_type(sim),
        wall: std::time::Instant::now(),
    }
}

fn phase(sim: &Sim, name: &'static str, m: Mark) -> Phase {
    let now = sent_by_type(sim);
    let by_type = (0..types::COUNT)
        .filter_map(|t| {
            // A killed node's counters leave the sum: never below zero.
            let n = now[t as usize].saturating_sub(m.by_type[t as usize]);
            (n > 0).then(|| (types::name(t), n))
        })
        .collect();
    Phase {
        name,
        virtual_ms: sim.now - m.at,
        nodes: (0..sim.len()).filter(|&i| sim.alive(i)).count(),
        messages: sim.sent - m.sent,
        bytes: sim.sent_bytes - m.bytes,
        by_type,
        wall_ms: m.wall.elapsed().as_millis(),
    }
}

/// A simulated cluster of `masters` masters, each with one replica: nodes
/// `0..masters` are the masters, `masters + i` replicates master `i`.
pub struct Scale {
    pub sim: Sim,
    pub masters: usize,
    pub phases: Vec<Phase>,
}

/// What every view must say of one node once the cluster is formed.
struct Expected {
    master_of: Option<String>,
    first_slot: Option<u16>,
    slot_count: usize,
}

impl Scale {
    /// Ends a phase: printed at once (a 1000-node run takes long enough that a phase
    /// should show as soon as it is over), and kept.
    fn record(&mut self, name: &'static str, since: Mark) {
        let p = phase(&self.sim, name, since);
        println!("{p}");
        self.phases.push(p);
    }

    /// Runs the condition every `step_ms` of virtual time (it is linear in the size of
    /// all views, so not on every message), for at most `limit_ms`.
    fn run_until(
        &mut self,
        limit_ms: u64,
        step_ms: u64,
        cond: impl Fn(&Scale) -> bool,
        mut each_step: impl FnMut(&mut Scale),
    ) -> bool {
        let end = self.sim.now + limit_ms;
        while self.sim.now < end {
            if cond(self) {
                return true;
            }
            each_step(self);
            self.sim.run(step_ms);
        }
        cond(self)
    }

    fn range(&self, m: usize) -> (u16, u16) {
        let n = self.masters as u32;
        let start = m as u32 * SLOT_COUNT as u32 / n;
        let end = (m as u32 + 1) * SLOT_COUNT as u32 / n - 1;
        (start as u16, end as u16)
    }

    /// Forms the cluster; `None` when it did not converge within the limits.
    pub fn form(masters: usize, seed: u64, node_timeout: u64) -> Result<Scale, String> {
        let n = masters * 2;
        let mut s = Scale {
            sim: Sim::new(n, seed, node_timeout),
            masters,
            phases: Vec::new(),
        };
        let step = (n as u64).clamp(50, 1000);
        let m = mark(&s.sim);
        for i in 0..masters {
            let (start, end) = s.range(i);
            s.sim
                .cmd(i, &format!("ADDSLOTSRANGE {start} {end}"))
                .unwrap();
            s.sim
                .cmd(i, &format!("SET-CONFIG-EPOCH {}", i + 1))
                .unwrap();
        }
        // As `redis-cli --cluster create` does: each replica first meets its own master
        // and is told to replicate it, then the masters meet one seed and gossip carries
        // the rest. REPLICATE sent only after the full mesh would leave each replica's
        // role to spread by its own pings, which at 200 nodes takes minutes of virtual
        // time: a view ignores a slaveof naming a master it does not know yet.
        for r in masters..n {
            let master = Sim::ip(r - masters);
            s.sim.cmd(r, &format!("MEET {master} 7000")).unwrap();
        }
        let attached = s.run_until(
            60_000,
            step,
            |s| {
                (s.masters..s.sim.len()).all(|r| {
                    let master = s.sim.name(r - s.masters);
                    s.sim
                        .core(r)
                        .node(&master)
                        .is_some_and(|n| !n.in_handshake())
                })
            },
            |_| {},
        );
        if !attached {
            return Err(format!(
                "the replicas of {n} nodes did not meet their masters"
            ));
        }
        for r in masters..n {
            let master = s.sim.name(r - masters);
            s.sim.cmd(r, &format!("REPLICATE {master}")).unwrap();
        }
        s.record("attach", m);
        let m = mark(&s.sim);
        for i in 1..masters {
            s.sim.cmd(i, &format!("MEET {} 7000", Sim::ip(0))).unwrap();
        }
        let progress = std::env::var_os("SIM_PROGRESS").is_some();
        let mut next_report = s.sim.now + 10_000;
        // create's wait loads every view at its own pace and has the subject of a view
        // that stays stale announce itself; without that, a view that met a replica before
        // its master hears the replica's role only when one of the two happens to ping
        // the other directly (gossip keeps their pong times fresh), minutes at this size.
        let (_, full_pause) = crate::admin::exec::converge::pacing(n);
        let full_pause = (full_pause.as_millis() as u64).max(step);
        let mut next_load = s.sim.now + full_pause;
        let mut stale_before: BTreeSet<(usize, usize)> = BTreeSet::new();
        let formed = s.run_until(
            120_000 + n as u64 * 200,
            step,
            |s| s.sim.full_mesh() && s.formed(),
            |s| {
                if progress && s.sim.now >= next_report {
                    next_report += 10_000;
                    println!("{}", s.census());
                }
                if s.sim.now >= next_load {
                    next_load = s.sim.now + full_pause;
                    let stale = s.stale_pairs();
                    for &(speaker, listener) in stale.intersection(&stale_before) {
                        s.sim
                            .cmd(speaker, &format!("MEET {} 7000", Sim::ip(listener)))
                            .unwrap();
                    }
                    stale_before = stale;
                }
            },
        );
        s.record("mesh+roles", m);
        if !formed {
            return Err(format!(
                "{n} nodes did not reach a full mesh with agreed roles and slots"
            ));
        }
        Ok(s)
    }

    fn expected(&self, exclude: Option<usize>) -> HashMap<String, Expected> {
        let n = self.sim.len();
        let mut out = HashMap::new();
        for i in (0..n).filter(|&i| Some(i) != exclude && self.sim.alive(i)) {
            let (start, end) = self.range(i % self.masters);
            let is_master = (i < self.masters) != (exclude == Some(i % self.masters));
            let (master_of, first_slot, slot_count) = if is_master {
                (None, Some(start), (end - start + 1) as usize)
            } else {
                (Some(self.sim.name(i % self.masters)), None, 0)
            };
            out.insert(
                self.sim.name(i),
                Expected {
                    master_of,
                    first_slot,
                    slot_count,
                },
            );
        }
        out
    }

    /// Every live view: knows exactly the live nodes (and, after a kill, the dead one
    /// flagged FAIL), none failing, every role and slot range as expected, state ok.
    fn agreed(&self, dead: Option<usize>) -> bool {
        let expected = self.expected(dead);
        let dead_name = dead.map(|d| self.sim.saved_name(d));
        (0..self.sim.len()).filter(|&i| self.sim.alive(i)).all(|i| {
            let core = self.sim.core(i);
            let mut seen = 0;
            let views_ok = core.nodes().all(|n| {
                if dead_name.as_deref() == Some(n.name.as_str()) {
                    return n.failed();
                }
                let Some(e) = expected.get(n.name.as_str()) else {
                    return false;
                };
                seen += 1;
                let role = match &e.master_of {
                    Some(m) => n.is_replica() && n.slaveof.as_ref().is_some_and(|s| s == m),
                    None => n.is_master(),
                };
                let owner = e
                    .first_slot
                    .is_none_or(|slot| core.slot_owner(slot) == Some(n.name.as_str()));
                role && owner
                    && n.slots.len() == e.slot_count
                    && !n.has(super::codec::flags::PFAIL | super::codec::flags::FAIL)
                    && !n.in_handshake()
                    && (n.link.is_some() || n.is_myself())
            });
            views_ok && seen == expected.len() && core.state_ok()
        })
    }

    fn formed(&self) -> bool {
        self.agreed(None)
    }

    /// (speaker, listener): live view `listener` has node `speaker` with the wrong role
    /// or slots, so `speaker` should announce itself to it. Ordered, so the nudges (and
    /// the whole run) are the same for the same seed.
    fn stale_pairs(&self) -> BTreeSet<(usize, usize)> {
        let expected = self.expected(None);
        let index: HashMap<String, usize> = (0..self.sim.len())
            .filter(|&i| self.sim.alive(i))
            .map(|i| (self.sim.name(i), i))
            .collect();
        let mut out = BTreeSet::new();
        for listener in (0..self.sim.len()).filter(|&i| self.sim.alive(i)) {
            for n in self.sim.core(listener).nodes() {
                let (Some(e), Some(&speaker)) =
                    (expected.get(n.name.as_str()), index.get(n.name.as_str()))
                else {
                    continue;
                };
                if !n.in_handshake() && !Scale::role_as_expected(n, e) {
                    out.insert((speaker, listener));
                }
            }
        }
        out
    }

    fn role_as_expected(n: &crate::bus::core::Node, e: &Expected) -> bool {
        match &e.master_of {
            Some(m) => n.is_replica() && n.slaveof.as_ref().is_some_and(|s| s == m),
            None => n.is_master() && n.slots.len() == e.slot_count,
        }
    }

    /// Where formation stands, summed over every live view: what still keeps the
    /// cluster from being formed (`SIM_PROGRESS=1` prints it every 10 s of virtual time).
    fn census(&self) -> String {
        let expected = self.expected(None);
        let (mut known, mut handshake, mut unlinked, mut wrong_role, mut failing) = (0, 0, 0, 0, 0);
        let mut state_ok = 0;
        let live: Vec<usize> = (0..self.sim.len()).filter(|&i| self.sim.alive(i)).collect();
        for &i in &live {
            let core = self.sim.core(i);
            state_ok += usize::from(core.state_ok());
            for n in core.nodes() {
                if n.in_handshake() {
                    handshake += 1;
                    continue;
                }
                let Some(e) = expected.get(n.name.as_str()) else {
                    continue;
                };
                known += 1;
                unlinked += usize::from(n.link.is_none() && !n.is_myself());
                failing +=
                    usize::from(n.has(super::codec::flags::PFAIL | super::codec::flags::FAIL));
                wrong_role += usize::from(!Scale::role_as_expected(n, e));
            }
        }
        let pairs = live.len() * live.len();
        format!(
            "  at {:>6.1} s: known {known}/{pairs} ({:.1}%), in handshake {handshake}, unlinked {unlinked}, wrong role or slots {wrong_role}, pfail/fail {failing}, state ok {state_ok}/{}",
            self.sim.now as f64 / 1000.0,
            known as f64 * 100.0 / pairs as f64,
            live.len()
        )
    }

    /// Kills master `m` (as SIGKILL: its connections reset) and runs until every view
    /// flags it FAIL and has its replica as the master of its slots.
    pub fn fail_over(&mut self, m: usize) -> Result<(), String> {
        assert!(m < self.masters);
        let step = (self.sim.len() as u64).clamp(50, 1000);
        let nt = self.sim.node_timeout;
        let mark0 = mark(&self.sim);
        self.sim.kill(m);
        let failed = self.run_until(
            nt * 10,
            step,
            |s| {
                (0..s.sim.len())
                    .filter(|&i| s.sim.alive(i))
                    .all(|i| s.sim.sees_fail(i, m))
            },
            |_| {},
        );
        self.record("fail", mark0);
        if !failed {
            return Err(format!("master {m} was not flagged FAIL everywhere"));
        }
        let mark1 = mark(&self.sim);
        let promoted = self.run_until(nt * 10, step, |s| s.agreed(Some(m)), |_| {});
        self.record("failover", mark1);
        if !promoted {
            return Err(format!(
                "the replica of master {m} did not take over everywhere"
            ));
        }
        Ok(())
    }

    /// The CLUSTER NODES text of every live node.
    pub fn views(&self) -> Vec<String> {
        (0..self.sim.len())
            .filter(|&i| self.sim.alive(i))
            .map(|i| self.sim.core(i).nodes_text())
            .collect()
    }

    /// Runs with no change for `ms`: the steady gossip cost.
    pub fn idle(&mut self, ms: u64) {
        let m = mark(&self.sim);
        self.sim.run(ms);
        self.record("steady", m);
    }
}

/// Forms, idles one node timeout, kills the middle master; `views_out` gets the healthy
/// cluster's views (CLUSTER NODES texts, a blank line between them).
fn scenario(masters: usize, node_timeout: u64, views_out: Option<String>) -> Scale {
    let mut s = match Scale::form(masters, 7, node_timeout) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    // `SIM_FORM_ONLY` stops once formed, with the views written then: enough for the
    // CLI's benchmark, and less than half the run.
    let form_only = std::env::var_os("SIM_FORM_ONLY").is_some();
    if !form_only {
        s.idle(node_timeout);
    }
    if let Some(path) = views_out {
        std::fs::write(&path, s.views().join("\n")).unwrap();
    }
    if form_only {
        return s;
    }
    if let Err(e) = s.fail_over(masters / 2) {
        panic!("{e}\n{}", s.sim.core(0).nodes_text());
    }
    s
}

#[test]
fn scale_100() {
    scenario(50, 2000, None);
}

/// 1000 nodes at Redis's default node timeout; `scripts/sim-scale.sh` runs it in release
/// (`SIM_MASTERS`, `SIM_NODE_TIMEOUT` change the size and timeout, `SIM_VIEWS_OUT` names
/// the file the views go to).
#[test]
#[ignore]
fn scale_1000() {
    let nt = std::env::var("SIM_NODE_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15_000);
    let masters = std::env::var("SIM_MASTERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    scenario(masters, nt, std::env::var("SIM_VIEWS_OUT").ok());
}
