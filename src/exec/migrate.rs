//! The slot-move engine shared by `reshard`, `rebalance` and `fix`: the standard protocol
//! (IMPORTING on the target, MIGRATING on the source, GETKEYSINSLOT + MIGRATE until the
//! slot is empty, then SETSLOT NODE on the source, the target, and every other master: the
//! source lets go before the target takes the slot, see `close_batch`), made fast by doing each step for a whole batch of slots in one pipeline per node, and by
//! running every (source, target) pair at once with a few batches in flight each. Within a
//! slot the steps stay in order, which is all the protocol needs; different slots are
//! independent. Clients keep working throughout: the source answers ASK for keys it no
//! longer has, and a key is deleted from the source only once the target has stored it.
//!
//! If the process dies, each slot is in one of the states `rclust fix` repairs: importing
//! only, migrating and importing (keys on either side), or given away by the source while
//! the target still imports it (with every key).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use anyhow::{anyhow, bail};
use indicatif::ProgressBar;
use redis::Value;

use crate::conn::NodeConn;
use crate::model::Addr;
use crate::plan::SlotMove;
use crate::snapshot::{Fleet, Snapshot};

/// How to move keys.
#[derive(Clone, Debug)]
pub struct MigrateOpts {
    /// Keys per GETKEYSINSLOT / MIGRATE.
    pub keys_per_batch: usize,
    /// MIGRATE's own timeout, in milliseconds.
    pub timeout_ms: u64,
    /// Overwrite keys that already exist on the target even when their values differ.
    pub replace: bool,
    /// Slots per pipelined batch.
    pub slots_per_batch: usize,
    /// Batches in flight per (source, target) pair.
    pub in_flight: usize,
}

impl Default for MigrateOpts {
    fn default() -> Self {
        MigrateOpts {
            keys_per_batch: 100,
            timeout_ms: 60_000,
            replace: false,
            slots_per_batch: 128,
            in_flight: 4,
        }
    }
}

/// A master as the engine needs it: where to connect, and where MIGRATE should send keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub id: String,
    pub addr: Addr,
    /// The address other nodes know it by (CLUSTER NODES), for MIGRATE.
    pub migrate_host: String,
    pub migrate_port: u16,
}

impl Endpoint {
    pub fn of(snap: &Snapshot, id: &str) -> anyhow::Result<Endpoint> {
        let line = snap
            .line(id)
            .ok_or_else(|| anyhow!("node {} is not in the cluster", &id[..id.len().min(8)]))?;
        let addr = snap.addr_of(id).expect("a line has an address");
        let migrate_host = if line.addr.ip.is_empty() {
            addr.host.clone()
        } else {
            line.addr.ip.clone()
        };
        Ok(Endpoint {
            id: id.to_string(),
            migrate_port: line.addr.port,
            addr,
            migrate_host,
        })
    }
}

/// The text of an error reply, if `v` is one.
pub fn reply_error(v: &Value) -> Option<String> {
    match v {
        Value::ServerError(e) => Some(match e.details() {
            Some(d) => format!("{} {d}", e.code()),
            None => e.code().to_string(),
        }),
        _ => None,
    }
}

fn bytes_of(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::BulkString(b) => Some(b.clone()),
        Value::SimpleString(s) => Some(s.as_bytes().to_vec()),
        Value::Array(items) => items.first().and_then(bytes_of),
        _ => None,
    }
}

fn keys_of(v: &Value) -> Vec<Vec<u8>> {
    match v {
        Value::Array(items) => items.iter().filter_map(bytes_of).collect(),
        _ => Vec::new(),
    }
}

fn show_key(k: &[u8]) -> String {
    String::from_utf8_lossy(k).into_owned()
}

/// Moves slots and keys; counts what it did for the progress bar and the summary.
pub struct Migrator<'a> {
    pub fleet: &'a Fleet,
    pub opts: MigrateOpts,
    pub bar: ProgressBar,
    /// Every master: told about each new owner directly instead of waiting for gossip.
    pub masters: Vec<Endpoint>,
    pub keys_moved: AtomicU64,
    pub slots_moved: AtomicU64,
    /// Slots whose move completed, for the expectation after an interruption.
    pub done: std::sync::Mutex<Vec<u16>>,
    stop: AtomicBool,
}

impl<'a> Migrator<'a> {
    pub fn new(fleet: &'a Fleet, snap: &Snapshot, opts: MigrateOpts, bar: ProgressBar) -> Self {
        let masters = snap
            .masters()
            .iter()
            .filter_map(|m| Endpoint::of(snap, &m.id).ok())
            .collect();
        Migrator {
            fleet,
            opts,
            bar,
            masters,
            keys_moved: AtomicU64::new(0),
            slots_moved: AtomicU64::new(0),
            done: std::sync::Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        }
    }

    /// Starts no new batch; batches under way are finished (Ctrl-C).
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    async fn conn(&self, node: &Endpoint) -> anyhow::Result<NodeConn> {
        self.fleet.conn(&node.addr).await
    }

    /// The AUTH part of MIGRATE, from the credentials the tool itself uses.
    fn auth_args(&self, cmd: &mut redis::Cmd) {
        match (&self.fleet.opts.user, &self.fleet.opts.password) {
            (Some(user), Some(pw)) => {
                cmd.arg("AUTH2").arg(user).arg(pw);
            }
            (None, Some(pw)) => {
                cmd.arg("AUTH").arg(pw);
            }
            _ => {}
        }
    }

    fn migrate_cmd(&self, dst: &Endpoint, keys: &[Vec<u8>], replace: bool) -> redis::Cmd {
        let mut c = redis::cmd("MIGRATE");
        c.arg(&dst.migrate_host)
            .arg(dst.migrate_port)
            .arg("")
            .arg(0)
            .arg(self.opts.timeout_ms);
        if replace {
            c.arg("REPLACE");
        }
        self.auth_args(&mut c);
        c.arg("KEYS");
        for k in keys {
            c.arg(&k[..]);
        }
        c
    }

    /// Sends `CLUSTER SETSLOT` commands (args after SETSLOT) to one node in one pipeline.
    /// Errors for which `ignore` holds are skipped; any other fails naming node and slot.
    pub async fn setslots(
        &self,
        node: &Endpoint,
        cmds: &[Vec<String>],
        ignore: impl Fn(&str) -> bool,
    ) -> anyhow::Result<()> {
        if cmds.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for c in cmds {
            let cmd = pipe.cmd("CLUSTER");
            for a in c {
                cmd.arg(a);
            }
        }
        let mut conn = self.conn(node).await?;
        let replies = conn.pipe_values(&pipe).await?;
        for (c, r) in cmds.iter().zip(&replies) {
            if let Some(e) = reply_error(r) {
                if !ignore(&e) {
                    bail!("{}: CLUSTER {}: {e}", node.addr, c.join(" "));
                }
            }
        }
        Ok(())
    }

    /// Moves every key of `slots` from `src` to `dst` (both sides must already allow it:
    /// the slot open on the source, the target owning or importing it). Returns when
    /// GETKEYSINSLOT finds nothing left in any of the slots.
    pub async fn drain(&self, src: &Endpoint, dst: &Endpoint, slots: &[u16]) -> anyhow::Result<()> {
        self.open_and_drain(src, dst, slots, false).await
    }

    /// [`Self::drain`], first opening each slot on the source (`SETSLOT MIGRATING`) when
    /// `open` holds: in the same pipeline as the first GETKEYSINSLOT, which the source
    /// runs after the SETSLOT, so the slot is open before a key is listed or moved.
    async fn open_and_drain(
        &self,
        src: &Endpoint,
        dst: &Endpoint,
        slots: &[u16],
        open: bool,
    ) -> anyhow::Result<()> {
        let mut conn = self.conn(src).await?;
        let k = self.opts.keys_per_batch.max(1);
        let mut pipe = redis::pipe();
        for s in slots {
            if open {
                pipe.cmd("CLUSTER")
                    .arg("SETSLOT")
                    .arg(*s)
                    .arg("MIGRATING")
                    .arg(&dst.id);
            }
            pipe.cmd("CLUSTER").arg("GETKEYSINSLOT").arg(*s).arg(k);
        }
        let replies = conn.pipe_values(&pipe).await?;
        let step = if open { 2 } else { 1 };
        let mut todo: Vec<(u16, Vec<Vec<u8>>)> = Vec::new();
        for (s, r) in slots.iter().zip(replies.chunks(step)) {
            if open {
                if let Some(e) = reply_error(&r[0]) {
                    bail!(
                        "{}: CLUSTER SETSLOT {s} MIGRATING {}: {e}",
                        src.addr,
                        dst.id
                    );
                }
            }
            let keys = &r[step - 1];
            if let Some(e) = reply_error(keys) {
                bail!("{}: CLUSTER GETKEYSINSLOT {s}: {e}", src.addr);
            }
            todo.push((*s, keys_of(keys)));
        }
        loop {
            todo.retain(|(_, keys)| !keys.is_empty());
            if todo.is_empty() {
                return Ok(());
            }
            // MIGRATE each slot's batch and ask for the next one in the same round trip.
            let mut pipe = redis::pipe();
            for (s, keys) in &todo {
                pipe.add_command(self.migrate_cmd(dst, keys, self.opts.replace));
                pipe.cmd("CLUSTER").arg("GETKEYSINSLOT").arg(*s).arg(k);
            }
            let replies = conn.pipe_values(&pipe).await?;
            let mut next = Vec::with_capacity(todo.len());
            for (i, (s, keys)) in todo.iter().enumerate() {
                let (migrated, more) = (&replies[2 * i], &replies[2 * i + 1]);
                match reply_error(migrated) {
                    None => {
                        self.keys_moved
                            .fetch_add(keys.len() as u64, Ordering::Relaxed);
                        next.push((*s, keys_of(more)));
                    }
                    // "ERR Target instance replied with error: BUSYKEY ...": the keys
                    // before the busy one have moved, the rest are still here.
                    Some(e) if e.contains("BUSYKEY") => {
                        self.resolve_busy(&mut conn, src, dst, *s, keys).await?;
                        self.keys_moved
                            .fetch_add(keys.len() as u64, Ordering::Relaxed);
                        let fresh: Value = conn
                            .cmd(&["CLUSTER", "GETKEYSINSLOT", &s.to_string(), &k.to_string()])
                            .await?;
                        next.push((*s, keys_of(&fresh)));
                    }
                    Some(e) => bail!(
                        "{}: MIGRATE of slot {s} to {}: {e} (the slot stays open; run `rclust fix`)",
                        src.addr,
                        dst.addr
                    ),
                }
            }
            todo = next;
            self.bar.set_message(format!(
                "{} keys moved",
                self.keys_moved.load(Ordering::Relaxed)
            ));
        }
    }

    /// Some keys of a batch already exist on the target. Identical values are replaced
    /// (the move was interrupted after the copy); different values stop the move unless
    /// `--replace` said to overwrite them.
    async fn resolve_busy(
        &self,
        src_conn: &mut NodeConn,
        src: &Endpoint,
        dst: &Endpoint,
        slot: u16,
        keys: &[Vec<u8>],
    ) -> anyhow::Result<()> {
        if !self.opts.replace {
            let mut dst_conn = self.conn(dst).await?;
            let theirs = fingerprints(&mut dst_conn, keys, true).await?;
            let ours = fingerprints(src_conn, keys, false).await?;
            let differ: Vec<String> = keys
                .iter()
                .zip(ours.iter().zip(&theirs))
                .filter(|(_, (o, t))| o.is_some() && t.is_some() && o != t)
                .map(|(k, _)| show_key(k))
                .collect();
            if !differ.is_empty() {
                let shown: Vec<&str> = differ.iter().take(5).map(String::as_str).collect();
                bail!(
                    "{}: slot {slot}: {} key(s) also exist on {} with different values: {}{} (use --replace to overwrite them with the source's values)",
                    src.addr,
                    differ.len(),
                    dst.addr,
                    shown.join(", "),
                    if differ.len() > 5 { ", ..." } else { "" }
                );
            }
        }
        let reply: Value = src_conn
            .pipe_values(redis::pipe().add_command(self.migrate_cmd(dst, keys, true)))
            .await?
            .pop()
            .unwrap_or(Value::Nil);
        if let Some(e) = reply_error(&reply) {
            bail!(
                "{}: MIGRATE REPLACE of slot {slot} to {}: {e}",
                src.addr,
                dst.addr
            );
        }
        Ok(())
    }

    /// The whole protocol for a batch of slots from one source to one target.
    pub async fn move_batch(
        &self,
        src: &Endpoint,
        dst: &Endpoint,
        slots: &[u16],
    ) -> anyhow::Result<()> {
        self.open_batch(src, dst, slots).await?;
        self.close_batch(src, dst, slots).await
    }

    /// The first half of a batch: IMPORTING on the target, then MIGRATING on the source
    /// and every key moved. The source is busy (MIGRATE blocks it) only in this half.
    async fn open_batch(
        &self,
        src: &Endpoint,
        dst: &Endpoint,
        slots: &[u16],
    ) -> anyhow::Result<()> {
        let importing: Vec<_> = slots
            .iter()
            .map(|&s| setslot(s, "IMPORTING", &src.id))
            .collect();
        self.setslots(dst, &importing, |_| false).await?;
        self.open_and_drain(src, dst, slots, true).await
    }

    /// The second half: the emptied slots change owner, on the target, the source, and
    /// the other masters, in that order.
    async fn close_batch(
        &self,
        src: &Endpoint,
        dst: &Endpoint,
        slots: &[u16],
    ) -> anyhow::Result<()> {
        let node: Vec<_> = slots.iter().map(|&s| setslot(s, "NODE", &dst.id)).collect();
        // The source lets go first, then the target takes the slots. The other way round,
        // the source goes on claiming a slot the target already owns until its own SETSLOT
        // is through (it queues behind the source's MIGRATEs of other batches, and a kill
        // makes it wait for `fix`), and redis-server 7.0 can then give the slot back to the
        // source and delete its keys on the target: a node keeps a "previous owner does not
        // claim it" mark on a slot after taking the slot itself (cleared only from 7.2,
        // redis#12564), and treats a marked slot as free for any claimant, whatever its
        // epoch. While the target imports, nothing a peer says changes its slot (Redis skips
        // importing slots), so no claim can take it then; once it claims, no one else does.
        // The price is a short window in which a client is redirected between the two.
        // A source that gave away its last slot may already be a replica (redis#9223).
        self.setslots(src, &node, |e| e.contains("only with masters"))
            .await?;
        // Plain SETSLOT NODE on the importing target, as in the standard protocol: it ends
        // the import, bumps the target's epoch and claims the slot in one step, and
        // broadcasts a pong.
        self.setslots(dst, &node, |_| false).await?;
        let others: Vec<&Endpoint> = self
            .masters
            .iter()
            .filter(|m| m.id != src.id && m.id != dst.id)
            .collect();
        // Others only speed up what gossip would tell them; a failure there is not fatal.
        futures::future::join_all(others.iter().map(|m| self.setslots(m, &node, |_| true))).await;
        self.slots_moved
            .fetch_add(slots.len() as u64, Ordering::Relaxed);
        self.done.lock().unwrap().extend_from_slice(slots);
        self.bar.inc(slots.len() as u64);
        Ok(())
    }

    /// Applies moves: every (source, target) pair at once, batches of slots in each.
    /// After a failure no new batch starts, but batches already under way are finished,
    /// so that as few slots as possible are left open.
    pub async fn run(&self, snap: &Snapshot, moves: &[SlotMove]) -> anyhow::Result<()> {
        let mut pairs: BTreeMap<(String, String), Vec<u16>> = BTreeMap::new();
        for m in moves {
            pairs
                .entry((m.from.clone(), m.to.clone()))
                .or_default()
                .push(m.slot);
        }
        for wave in waves(pairs.keys().cloned().collect()) {
            let mut jobs = Vec::new();
            for (from, to) in &wave {
                let src = Endpoint::of(snap, from)?;
                let dst = Endpoint::of(snap, to)?;
                let slots = &pairs[&(from.clone(), to.clone())];
                for (i, chunk) in slots.chunks(self.opts.slots_per_batch.max(1)).enumerate() {
                    jobs.push((i, src.clone(), dst.clone(), chunk.to_vec()));
                }
            }
            // Every batch is launched at once, but a pair opens and drains at most
            // `in_flight` batches at a time (a fair semaphore: in order). A batch gives its
            // place up as soon as its keys have moved, so that the source always has the
            // next MIGRATEs queued; its closing SETSLOTs (which queue behind other nodes'
            // MIGRATEs) run meanwhile without holding anything up.
            let gates: BTreeMap<(String, String), tokio::sync::Semaphore> = wave
                .iter()
                .map(|p| {
                    let permits = self.opts.in_flight.max(1);
                    (p.clone(), tokio::sync::Semaphore::new(permits))
                })
                .collect();
            jobs.sort_by_key(|j| j.0);
            let gates = &gates;
            let results: Vec<anyhow::Result<()>> = futures::future::join_all(jobs.into_iter().map(
                |(_, src, dst, chunk)| async move {
                    let gate = &gates[&(src.id.clone(), dst.id.clone())];
                    let permit = gate.acquire().await.expect("the semaphore is never closed");
                    if self.stop.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                    let opened = self.open_batch(&src, &dst, &chunk).await;
                    if opened.is_err() {
                        // Before the next batch of the pair can take the place.
                        self.stop.store(true, Ordering::Relaxed);
                    }
                    drop(permit);
                    opened?;
                    let closed = self.close_batch(&src, &dst, &chunk).await;
                    if closed.is_err() {
                        self.stop.store(true, Ordering::Relaxed);
                    }
                    closed
                },
            ))
            .await;
            results.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
        }
        Ok(())
    }
}

fn setslot(s: u16, what: &str, id: &str) -> Vec<String> {
    vec![
        "SETSLOT".to_string(),
        s.to_string(),
        what.to_string(),
        id.to_string(),
    ]
}

/// Splits (source, target) pairs into waves that may run at once. MIGRATE blocks its source
/// until the target answers, so a node that migrates to another while that one migrates
/// back (or around a longer cycle) would deadlock both until MIGRATE times out: within a
/// wave no node is both a source and a target. Reshard and rebalance plans are one wave;
/// fix can need several.
pub fn waves(mut pairs: Vec<(String, String)>) -> Vec<Vec<(String, String)>> {
    let mut out = Vec::new();
    while !pairs.is_empty() {
        let (mut srcs, mut dsts) = (Vec::new(), Vec::new());
        let mut wave = Vec::new();
        pairs.retain(|(s, d)| {
            if dsts.contains(s) || srcs.contains(d) {
                return true;
            }
            srcs.push(s.clone());
            dsts.push(d.clone());
            wave.push((s.clone(), d.clone()));
            false
        });
        out.push(wave);
    }
    out
}

/// A comparable form of each key's value: `DEBUG DIGEST-VALUE` where the server allows
/// DEBUG, else `DUMP` (the serialized value; equal values can still differ in encoding, in
/// which case they count as different and `--replace` is needed). `asking` for a node
/// that imports the slot and would otherwise redirect.
async fn fingerprints(
    conn: &mut NodeConn,
    keys: &[Vec<u8>],
    asking: bool,
) -> anyhow::Result<Vec<Option<Vec<u8>>>> {
    for use_digest in [true, false] {
        let mut pipe = redis::pipe();
        for k in keys {
            if asking {
                pipe.cmd("ASKING");
            }
            if use_digest {
                pipe.cmd("DEBUG").arg("DIGEST-VALUE").arg(&k[..]);
            } else {
                pipe.cmd("DUMP").arg(&k[..]);
            }
        }
        let replies = conn.pipe_values(&pipe).await?;
        let step = if asking { 2 } else { 1 };
        let values: Vec<&Value> = replies.iter().skip(step - 1).step_by(step).collect();
        if let Some(e) = values.iter().find_map(|v| reply_error(v)) {
            if use_digest {
                continue; // DEBUG is disabled (enable-debug-command no): compare DUMPs.
            }
            bail!("{}: DUMP: {e}", conn.addr);
        }
        return Ok(values.into_iter().map(bytes_of).collect());
    }
    unreachable!("the DUMP pass returns")
}

#[cfg(test)]
mod tests {
    use super::waves;

    fn p(s: &str, d: &str) -> (String, String) {
        (s.to_string(), d.to_string())
    }

    #[test]
    fn no_node_is_source_and_target_in_one_wave() {
        // Everyone into one target, and a separate pair: one wave.
        assert_eq!(waves(vec![p("a", "d"), p("b", "d"), p("c", "e")]).len(), 1);
        // A and B migrating to each other must not run at once.
        let w = waves(vec![p("a", "b"), p("b", "a"), p("c", "a")]);
        assert_eq!(w, vec![vec![p("a", "b")], vec![p("b", "a"), p("c", "a")]]);
        for wave in &w {
            for (s, _) in wave {
                assert!(!wave.iter().any(|(_, d)| d == s));
            }
        }
    }
}
