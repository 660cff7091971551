//! A deterministic simulated network of [`ClusterCore`]s for tests, in the manner of
//! raft-rs's test network: a fake clock, message queues with latency, and faults — cut a
//! pair, isolate a node, drop a fraction of messages, kill and restart nodes from their
//! saved nodes.conf. Every message goes through the real codec. Nothing sleeps.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashSet};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::codec;
use super::core::{ClusterCore, ClusterReply, CmdError, CoreConfig, Effect, LinkId, NoKeys};
use super::nodes_conf;

/// Start of the fake clock: Unix milliseconds, as the driver passes.
pub const START_MS: u64 = 1_700_000_000_000;

/// A message on the wire, ordered by delivery time then sending order.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: u64,
    seq: u64,
    to: usize,
    link: LinkId,
    bytes: Vec<u8>,
}

/// N simulated nodes on 10.0.0.1, 10.0.0.2, .. (10.0.1.0 after 10.0.0.255) with client
/// port 7000 and bus port 17000.
pub struct Sim {
    pub now: u64,
    pub node_timeout: u64,
    cores: Vec<Option<ClusterCore>>,
    /// (node, link) -> (peer, peer's link).
    conns: BTreeMap<(usize, LinkId), (usize, LinkId)>,
    queue: BinaryHeap<Reverse<InFlight>>,
    /// Messages put on the wire so far, all nodes together.
    pub sent: u64,
    /// Their encoded size in bytes.
    pub sent_bytes: u64,
    /// nodes.conf writes so far, all nodes together.
    pub saves: u64,
    /// Names of killed nodes, for questions about them.
    dead_names: BTreeMap<usize, String>,
    cut: BTreeSet<(usize, usize)>,
    drop_rate: f64,
    rng: StdRng,
    saved: Vec<Option<String>>,
    /// Per node: how many slots it was last told to delete the keys of.
    pub deleted_slots: Vec<usize>,
    /// Per node: the slots whose shard channels it was last told to drop.
    pub channels_left: Vec<Vec<u16>>,
    /// When the next group of nodes runs its cron.
    next_tick: u64,
    /// Nodes grouped by the millisecond of each 100 ms period their cron runs at: spread
    /// out as real nodes' are, so that 1000 nodes do not all send at the same instant.
    tick_groups: Vec<(u64, Vec<usize>)>,
    /// The group `next_tick` is for.
    tick_group: usize,
    seed: u64,
    restarts: u64,
}

impl Sim {
    pub fn new(n: usize, seed: u64, node_timeout: u64) -> Sim {
        let cores = (0..n)
            .map(|i| {
                Some(ClusterCore::new(
                    Sim::config(node_timeout),
                    seed * 1000 + i as u64,
                    START_MS,
                ))
            })
            .collect();
        Sim {
            now: START_MS,
            node_timeout,
            cores,
            conns: BTreeMap::new(),
            queue: BinaryHeap::new(),
            sent: 0,
            sent_bytes: 0,
            saves: 0,
            dead_names: BTreeMap::new(),
            cut: BTreeSet::new(),
            drop_rate: 0.0,
            rng: StdRng::seed_from_u64(seed),
            saved: vec![None; n],
            deleted_slots: vec![0; n],
            channels_left: vec![Vec::new(); n],
            next_tick: START_MS + 100,
            tick_groups: Sim::tick_groups(n),
            tick_group: 0,
            seed,
            restarts: 0,
        }
    }

    /// Node `i` of `n` ticks at `i * 100 / n` ms into each period.
    fn tick_groups(n: usize) -> Vec<(u64, Vec<usize>)> {
        let mut groups: Vec<(u64, Vec<usize>)> = Vec::new();
        for i in 0..n {
            let at = (i * 100 / n.max(1)) as u64;
            match groups.last_mut() {
                Some((last, nodes)) if *last == at => nodes.push(i),
                _ => groups.push((at, vec![i])),
            }
        }
        groups
    }

    fn config(node_timeout: u64) -> CoreConfig {
        let mut cfg = CoreConfig::new(7000, 17000, node_timeout);
        // No data is replicated in the simulation: replicas' data age is not checked.
        cfg.replica_validity_factor = 0;
        cfg
    }

    pub fn ip(i: usize) -> String {
        let n = i + 1;
        format!("10.0.{}.{}", n / 256, n % 256)
    }

    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.cores.len()
    }

    pub fn core(&self, i: usize) -> &ClusterCore {
        self.cores[i].as_ref().expect("node is alive")
    }

    pub fn alive(&self, i: usize) -> bool {
        self.cores[i].is_some()
    }

    pub fn name(&self, i: usize) -> String {
        self.core(i).myself().to_string()
    }

    /// Changes node `i`'s settings as CONFIG SET would.
    pub fn reconfigure(&mut self, i: usize, change: impl FnOnce(&mut CoreConfig)) {
        let core = self.cores[i].as_mut().expect("node is alive");
        let mut cfg = core.config().clone();
        change(&mut cfg);
        core.reconfigure(cfg);
        self.flush(i);
    }

    /// Runs a CLUSTER command on node `i` (`args` split on spaces).
    pub fn cmd(&mut self, i: usize, args: &str) -> Result<ClusterReply, CmdError> {
        let argv: Vec<&[u8]> = std::iter::once("CLUSTER")
            .chain(args.split(' '))
            .map(str::as_bytes)
            .collect();
        let now = self.now;
        let core = self.cores[i].as_mut().expect("node is alive");
        let out = super::cluster_command::run(core, now, &argv, &NoKeys);
        self.flush(i);
        out
    }

    /// Node `i` publishes a message to the cluster.
    pub fn publish(&mut self, i: usize, channel: &[u8], message: &[u8], shard: bool) {
        let now = self.now;
        self.cores[i]
            .as_mut()
            .expect("node is alive")
            .publish(now, channel, message, shard);
        self.flush(i);
    }

    /// Node 0 meets every other node (a star), as `redis-cli --cluster create` does.
    pub fn meet_star(&mut self) {
        for i in 1..self.len() {
            self.cmd(0, &format!("MEET {} 7000", Sim::ip(i))).unwrap();
        }
    }

    /// The node at a bus address (the inverse of [`Sim::ip`]).
    fn index_of(&self, ip: &str, cport: u16) -> Option<usize> {
        let mut parts = ip.strip_prefix("10.0.")?.split('.');
        let high: usize = parts.next()?.parse().ok()?;
        let low: usize = parts.next()?.parse().ok()?;
        let n = (high * 256 + low).checked_sub(1)?;
        (cport == 17000 && low < 256 && n < self.len() && parts.next().is_none()).then_some(n)
    }

    fn reachable(&self, a: usize, b: usize) -> bool {
        self.alive(a) && self.alive(b) && !self.cut.contains(&(a.min(b), a.max(b)))
    }

    /// Executes the effects of node `i` until none are left.
    fn flush(&mut self, i: usize) {
        loop {
            let Some(core) = self.cores[i].as_mut() else {
                return;
            };
            let effects = core.drain_effects();
            if effects.is_empty() {
                return;
            }
            for effect in effects {
                self.apply(i, effect);
            }
        }
    }

    fn apply(&mut self, i: usize, effect: Effect) {
        let now = self.now;
        match effect {
            Effect::Connect { link, ip, cport } => {
                let peer = self.index_of(&ip, cport).filter(|&p| self.reachable(i, p));
                match peer {
                    Some(p) => {
                        let my_ip = Sim::ip(i);
                        let peer_ip = Sim::ip(p);
                        let plink = self.cores[p]
                            .as_mut()
                            .expect("reachable")
                            .accept_link(now, &my_ip, &peer_ip);
                        self.conns.insert((i, link), (p, plink));
                        self.conns.insert((p, plink), (i, link));
                        self.cores[i]
                            .as_mut()
                            .expect("alive")
                            .link_connected(now, link, &my_ip);
                    }
                    None => self.cores[i]
                        .as_mut()
                        .expect("alive")
                        .link_closed(now, link),
                }
            }
            Effect::Send { link, msg } => {
                let Some(&(p, plink)) = self.conns.get(&(i, link)) else {
                    return;
                };
                if !self.reachable(i, p) {
                    return;
                }
                if self.rng.gen_bool(self.drop_rate) {
                    // Over TCP a message is never lost alone: the connection breaks.
                    self.reset_conn(i, link, p, plink);
                    return;
                }
                let at = now + self.rng.gen_range(1..5);
                let bytes = codec::encode(&msg);
                self.sent += 1;
                self.sent_bytes += bytes.len() as u64;
                self.queue.push(Reverse(InFlight {
                    at,
                    seq: self.sent,
                    to: p,
                    link: plink,
                    bytes,
                }));
            }
            Effect::Close { link } => {
                if let Some((p, plink)) = self.conns.remove(&(i, link)) {
                    self.conns.remove(&(p, plink));
                    if let Some(core) = self.cores[p].as_mut() {
                        core.link_closed(now, plink);
                    }
                    self.flush(p);
                }
            }
            Effect::DeleteKeysInSlots(slots) => self.deleted_slots[i] = slots.len(),
            Effect::ShardChannelsLeft(slots) => self.channels_left[i] = slots,
            Effect::SaveConfig { .. } => {
                self.saves += 1;
                self.saved[i] = self.cores[i].as_ref().map(|c| c.nodes_conf_text());
            }
            // A simulated host has no clients: its writes are paused at once.
            Effect::PauseWrites { until: Some(_) } => {
                if let Some(core) = self.cores[i].as_mut() {
                    let offset = core.repl_offset();
                    core.writes_paused(now, offset);
                }
                self.flush(i);
            }
            _ => {}
        }
    }

    /// Advances the clock by `ms`, delivering messages and running each node's cron every
    /// 100 ms (at its own offset in the period).
    pub fn run(&mut self, ms: u64) {
        let end = self.now + ms;
        while self.now < end {
            // Jump to the next thing that happens: a delivery or a cron tick.
            let next_msg = self.queue.peek().map_or(u64::MAX, |m| m.0.at);
            self.now = next_msg.min(self.next_tick).min(end).max(self.now + 1);
            let now = self.now;
            while self.queue.peek().is_some_and(|m| m.0.at <= now) {
                let Reverse(m) = self.queue.pop().expect("peeked");
                // A link closed while the message was in flight loses it.
                let open = self.conns.contains_key(&(m.to, m.link));
                let Some(core) = self.cores[m.to].as_mut().filter(|_| open) else {
                    continue;
                };
                let mut reader = codec::FrameReader::new();
                reader.extend(&m.bytes);
                let frame = reader.next_frame().expect("framing").expect("whole frame");
                let msg = codec::decode(&frame).expect("our own encoding decodes");
                core.handle_message(now, m.link, msg);
                self.flush(m.to);
            }
            while !self.tick_groups.is_empty() && now >= self.next_tick {
                let (at, _) = self.tick_groups[self.tick_group];
                let period = self.next_tick - at;
                for k in 0..self.tick_groups[self.tick_group].1.len() {
                    let i = self.tick_groups[self.tick_group].1[k];
                    if let Some(core) = self.cores[i].as_mut() {
                        core.tick(now);
                    }
                    self.flush(i);
                }
                self.tick_group += 1;
                let period = if self.tick_group == self.tick_groups.len() {
                    self.tick_group = 0;
                    period + 100
                } else {
                    period
                };
                self.next_tick = period + self.tick_groups[self.tick_group].0;
            }
        }
    }

    /// Runs until `cond` holds, at most `limit_ms`; returns whether it held.
    pub fn run_until(&mut self, limit_ms: u64, mut cond: impl FnMut(&Sim) -> bool) -> bool {
        let end = self.now + limit_ms;
        while self.now < end {
            if cond(self) {
                return true;
            }
            self.run(50);
        }
        cond(self)
    }

    fn reset_conn(&mut self, a: usize, alink: LinkId, p: usize, plink: LinkId) {
        let now = self.now;
        self.conns.remove(&(a, alink));
        self.conns.remove(&(p, plink));
        for (n, l) in [(a, alink), (p, plink)] {
            if let Some(core) = self.cores[n].as_mut() {
                core.link_closed(now, l);
            }
        }
    }

    fn drop_conns_of(&mut self, i: usize, only_with: Option<usize>) {
        let links: Vec<((usize, LinkId), (usize, LinkId))> = self
            .conns
            .iter()
            .filter(|(k, v)| k.0 == i && only_with.is_none_or(|o| v.0 == o))
            .map(|(k, v)| (*k, *v))
            .collect();
        let now = self.now;
        for ((a, alink), (p, plink)) in links {
            self.conns.remove(&(a, alink));
            self.conns.remove(&(p, plink));
            for (n, l) in [(a, alink), (p, plink)] {
                if let Some(core) = self.cores[n].as_mut() {
                    core.link_closed(now, l);
                }
            }
            self.flush(a);
            self.flush(p);
        }
    }

    /// Kills node `i` (its connections reset at once).
    pub fn kill(&mut self, i: usize) {
        let name = self.name(i);
        self.dead_names.insert(i, name);
        self.drop_conns_of(i, None);
        self.cores[i] = None;
    }

    /// Restarts a killed node from the nodes.conf it saved last.
    pub fn restart(&mut self, i: usize) {
        let text = self.saved[i].clone().expect("node saved its config");
        let conf = nodes_conf::parse(&text).expect("saved config parses");
        self.restarts += 1;
        let core = ClusterCore::restore(
            Sim::config(self.node_timeout),
            self.seed * 1000 + 500 + self.restarts,
            self.now,
            &conf.nodes,
            conf.current_epoch,
            conf.last_vote_epoch,
        )
        .expect("restore");
        self.cores[i] = Some(core);
        self.flush(i);
    }

    /// Cuts the pair a-b: messages are lost and connections fail, until [`Sim::heal`].
    pub fn cut(&mut self, a: usize, b: usize) {
        self.cut.insert((a.min(b), a.max(b)));
    }

    /// Cuts `i` from every other node.
    pub fn isolate(&mut self, i: usize) {
        for j in 0..self.len() {
            if j != i {
                self.cut(i, j);
            }
        }
    }

    pub fn heal(&mut self) {
        self.cut.clear();
    }

    /// Breaks the connection of this fraction of the messages sent from now on (the
    /// message is lost with it), as a flaky TCP path would.
    pub fn set_drop_rate(&mut self, p: f64) {
        self.drop_rate = p;
    }

    /// Whether every live node knows every live node, none in handshake, all connected.
    /// Linear in the size of all views together (it runs often on 1000 nodes).
    pub fn full_mesh(&self) -> bool {
        let live: Vec<usize> = (0..self.len()).filter(|&i| self.alive(i)).collect();
        let names: HashSet<&str> = live.iter().map(|&i| self.core(i).myself()).collect();
        live.iter().all(|&i| {
            let mut known = 0;
            for n in self.core(i).nodes() {
                if n.in_handshake() {
                    return false;
                }
                if names.contains(n.name.as_str()) && (n.link.is_some() || n.is_myself()) {
                    known += 1;
                }
            }
            known == names.len()
        })
    }

    /// Whether node `i` sees node `j` with the FAIL flag.
    pub fn sees_fail(&self, i: usize, j: usize) -> bool {
        let name = self.saved_name(j);
        self.core(i).node(&name).is_some_and(|n| n.failed())
    }

    /// The name of node `j`, dead or alive (from its saved config).
    pub fn saved_name(&self, j: usize) -> String {
        if let Some(c) = &self.cores[j] {
            return c.myself().to_string();
        }
        if let Some(name) = self.dead_names.get(&j) {
            return name.clone();
        }
        let text = self.saved[j].as_ref().expect("saved");
        nodes_conf::parse(text)
            .expect("parses")
            .nodes
            .into_iter()
            .find(|n| n.flags.myself)
            .expect("myself")
            .id
            .to_string()
    }
}

#[cfg(test)]
#[path = "sim_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "sim_failover_tests.rs"]
mod failover_tests;

#[cfg(test)]
#[path = "sim_scale.rs"]
pub mod scale;
