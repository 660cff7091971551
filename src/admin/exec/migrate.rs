//! The slot-move engine shared by `reshard`, `rebalance` and `fix`: the standard protocol
//! (IMPORTING on the target, MIGRATING on the source, GETKEYSINSLOT + MIGRATE until the
//! slot is empty, then SETSLOT NODE on the source, the target, and every other master: the
//! source lets go before the target takes the slot, see `close_batch`), made fast by doing
//! each step for a whole batch of slots in one pipeline per node, and by running every
//! (source, target) pair at once with a few batches in flight each. Within a slot the steps
//! stay in order, which is all the protocol needs; different slots are independent. Clients keep working throughout: the source answers ASK for keys it no
//! longer has, and a key is deleted from the source only once the target has stored it.
//!
//! If the process dies, each slot is in one of the states `rclust fix` repairs: importing
//! only, migrating and importing (keys on either side), or given away by the source while
//! the target still imports it (with every key).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use anyhow::{anyhow, bail};
use indicatif::ProgressBar;
use redis::Value;

use crate::admin::conn::NodeConn;
use crate::admin::plan::SlotMove;
use crate::admin::snapshot::{Fleet, Snapshot};
use crate::model::cluster_cmd::SetSlot;
use crate::model::id::short;
use crate::model::Addr;

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
            .ok_or_else(|| anyhow!("node {} is not in the cluster", short(id)))?;
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
/// How long a drain keeps retrying MIGRATEs that a target refuses as CLUSTERDOWN/TRYAGAIN.
const TRANSIENT_RETRY: std::time::Duration = std::time::Duration::from_secs(30);

/// Whether a MIGRATE error is the target's passing state rather than a problem with the
/// keys: its cluster is down for a moment, or a multi-key restore met a slot in motion.
pub fn is_transient_target_error(e: &str) -> bool {
    e.contains("CLUSTERDOWN") || e.contains("TRYAGAIN")
}

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
    /// Masters whose SETSLOT waits for their replicas (Valkey >= 8.0): their SETSLOTs are
    /// spread over several connections so that the waits overlap.
    blocking_setslot: BTreeSet<String>,
    /// Masters that send or receive slots in this run (the others are only informed).
    involved: Mutex<BTreeSet<String>>,
    /// Extra connections per node for overlapped SETSLOTs.
    setslot_conns: Mutex<HashMap<Addr, Vec<NodeConn>>>,
    /// Connections with another database selected, per (node, database).
    db_conns: Mutex<HashMap<(Addr, u32), NodeConn>>,
    /// The databases each source serves keys in (`cluster-databases` on Valkey 9).
    databases: Mutex<HashMap<String, Vec<u32>>>,
}

/// Connections a source or target spreads its SETSLOTs over when they wait for replicas.
const SETSLOT_WIDTH: usize = 16;
/// The same for masters that are only told the new owners, in clusters of up to
/// [`MANY_MASTERS`] masters; in bigger ones, [`SETSLOT_WIDTH_MANY`] each.
const SETSLOT_WIDTH_OTHERS: usize = 8;
const MANY_MASTERS: usize = 64;
const SETSLOT_WIDTH_MANY: usize = 2;

/// Whether a node's `CLUSTER SETSLOT` blocks until its replicas have it (Valkey >= 8.0).
pub fn setslot_waits_for_replicas(info: &BTreeMap<String, String>) -> bool {
    matches!(super::atomic::server_of(info), Some(("valkey", v)) if v >= (8, 0, 0))
}

/// Errors on the source's final `SETSLOT NODE` that mean the move has happened anyway,
/// as valkey-cli 8 treats them: the source gave away its last slot and turned into a
/// replica (redis#9223), possibly while its SETSLOT waited for its replicas (UNBLOCKED),
/// or its replicas migrated away during that wait (NOREPLICAS). The target owns the slot
/// already; the source will learn it from the target's epoch.
pub fn source_close_error_is_benign(e: &str) -> bool {
    e.contains("only with masters")
        || e.contains("only with primaries")
        || e.starts_with("UNBLOCKED")
        || e.starts_with("NOREPLICAS")
}

/// The databases to drain, from `CONFIG GET cluster-databases` (Valkey 9; missing on
/// servers with one database per cluster node).
pub fn databases_from_config(reply: &Value) -> Vec<u32> {
    let n = match reply {
        Value::Array(items) if items.len() >= 2 => {
            bytes_of(&items[1]).and_then(|b| String::from_utf8_lossy(&b).trim().parse::<u32>().ok())
        }
        Value::Map(pairs) => pairs
            .first()
            .and_then(|(_, v)| bytes_of(v))
            .and_then(|b| String::from_utf8_lossy(&b).trim().parse::<u32>().ok()),
        _ => None,
    };
    (0..n.unwrap_or(1).max(1)).collect()
}

impl<'a> Migrator<'a> {
    pub fn new(fleet: &'a Fleet, snap: &Snapshot, opts: MigrateOpts, bar: ProgressBar) -> Self {
        let masters = snap
            .masters()
            .iter()
            .filter_map(|m| Endpoint::of(snap, &m.id).ok())
            .collect();
        let blocking_setslot = snap
            .reports
            .iter()
            .filter(|r| setslot_waits_for_replicas(&r.info))
            .map(|r| r.id().to_string())
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
            blocking_setslot,
            involved: Mutex::new(BTreeSet::new()),
            setslot_conns: Mutex::new(HashMap::new()),
            db_conns: Mutex::new(HashMap::new()),
            databases: Mutex::new(HashMap::new()),
        }
    }

    /// A connection to `node` with database `db` selected (database 0: the shared one).
    async fn db_conn(&self, node: &Endpoint, db: u32) -> anyhow::Result<NodeConn> {
        if db == 0 {
            return self.conn(node).await;
        }
        let key = (node.addr.clone(), db);
        if let Some(c) = self.db_conns.lock().unwrap().get(&key) {
            return Ok(c.clone());
        }
        let conn = NodeConn::connect_db(&node.addr, &self.fleet.opts, db).await?;
        self.db_conns.lock().unwrap().insert(key, conn.clone());
        Ok(conn)
    }

    /// The databases `node` may hold keys in, asked once per run.
    pub async fn databases(&self, node: &Endpoint) -> anyhow::Result<Vec<u32>> {
        if let Some(d) = self.databases.lock().unwrap().get(&node.id) {
            return Ok(d.clone());
        }
        let mut conn = self.conn(node).await?;
        let reply = conn
            .pipe_values(
                redis::pipe()
                    .cmd("CONFIG")
                    .arg("GET")
                    .arg("cluster-databases"),
            )
            .await?
            .pop()
            .unwrap_or(Value::Nil);
        // CONFIG may be renamed away: then only database 0 is known to exist.
        let dbs = databases_from_config(&reply);
        self.databases
            .lock()
            .unwrap()
            .insert(node.id.clone(), dbs.clone());
        Ok(dbs)
    }

    /// `width` connections to `node` for SETSLOTs that block on replicas.
    async fn setslot_conns(&self, node: &Endpoint, width: usize) -> anyhow::Result<Vec<NodeConn>> {
        let have = self
            .setslot_conns
            .lock()
            .unwrap()
            .get(&node.addr)
            .cloned()
            .unwrap_or_default();
        if have.len() >= width {
            return Ok(have[..width].to_vec());
        }
        let mut conns = have;
        while conns.len() < width {
            conns.push(NodeConn::connect(&node.addr, &self.fleet.opts).await?);
        }
        self.setslot_conns
            .lock()
            .unwrap()
            .insert(node.addr.clone(), conns.clone());
        Ok(conns)
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

    fn migrate_cmd(&self, dst: &Endpoint, db: u32, keys: &[Vec<u8>], replace: bool) -> redis::Cmd {
        let mut c = redis::cmd("MIGRATE");
        c.arg(&dst.migrate_host)
            .arg(dst.migrate_port)
            .arg("")
            .arg(db)
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
        // Where each SETSLOT waits for the replicas, one connection would wait for them
        // once per slot in turn; spread over several, the waits overlap (different slots
        // are independent, and each connection keeps its slots' order).
        let conns = if self.blocking_setslot.contains(&node.id) && cmds.len() > 1 {
            let width = if self.involved.lock().unwrap().contains(&node.id) {
                SETSLOT_WIDTH
            } else if self.masters.len() <= MANY_MASTERS {
                SETSLOT_WIDTH_OTHERS
            } else {
                SETSLOT_WIDTH_MANY
            };
            self.setslot_conns(node, width.min(cmds.len())).await?
        } else {
            vec![self.conn(node).await?]
        };
        let per = cmds.len().div_ceil(conns.len());
        let results = futures::future::join_all(conns.into_iter().zip(cmds.chunks(per)).map(
            |(mut conn, chunk)| async move {
                let mut pipe = redis::pipe();
                for c in chunk {
                    let cmd = pipe.cmd("CLUSTER");
                    for a in c {
                        cmd.arg(a);
                    }
                }
                let replies = conn.pipe_values(&pipe).await?;
                anyhow::Ok(chunk.iter().zip(replies).collect::<Vec<_>>())
            },
        ))
        .await;
        for r in results {
            for (c, reply) in r? {
                if let Some(e) = reply_error(&reply) {
                    if !ignore(&e) {
                        bail!("{}: CLUSTER {}: {e}", node.addr, c.join(" "));
                    }
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
        let mut open_with_first_listing = open;
        if open && self.blocking_setslot.contains(&src.id) {
            // Each MIGRATING waits for the source's replicas: overlapped on their own
            // connections, before any key is listed.
            let migrating: Vec<_> = slots
                .iter()
                .map(|&s| SetSlot::Migrating(dst.id.clone()).args(s))
                .collect();
            self.setslots(src, &migrating, |_| false).await?;
            open_with_first_listing = false;
        }
        // Every database: GETKEYSINSLOT, COUNTKEYSINSLOT and MIGRATE act on the selected
        // one (Valkey 9 `cluster-databases`), and a key keeps its database on the target.
        for db in self.databases(src).await? {
            self.drain_db(src, dst, slots, db, open_with_first_listing && db == 0)
                .await?;
        }
        Ok(())
    }

    /// Drains `slots` of database `db`; `open` sends each slot's MIGRATING in the same
    /// pipeline as its first GETKEYSINSLOT.
    async fn drain_db(
        &self,
        src: &Endpoint,
        dst: &Endpoint,
        slots: &[u16],
        db: u32,
        open: bool,
    ) -> anyhow::Result<()> {
        let mut conn = self.db_conn(src, db).await?;
        let in_db = if db == 0 {
            String::new()
        } else {
            format!(" (database {db})")
        };
        let k = self.opts.keys_per_batch.max(1);
        let mut pipe = redis::pipe();
        for s in slots {
            if open {
                pipe.cmd("CLUSTER")
                    .arg(SetSlot::Migrating(dst.id.clone()).args(*s));
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
                bail!("{}: CLUSTER GETKEYSINSLOT {s}{in_db}: {e}", src.addr);
            }
            todo.push((*s, keys_of(keys)));
        }
        // When a target briefly sees its cluster as down (a peer flagged failing on a loaded
        // machine), its RESTOREs fail with CLUSTERDOWN or TRYAGAIN although nothing is wrong
        // with the move: the keys not yet restored are still on the source, so the batch is
        // listed again and retried until the target recovers or the deadline passes.
        let mut transient_deadline: Option<std::time::Instant> = None;
        loop {
            todo.retain(|(_, keys)| !keys.is_empty());
            if todo.is_empty() {
                return Ok(());
            }
            // MIGRATE each slot's batch and ask for the next one in the same round trip.
            let mut pipe = redis::pipe();
            for (s, keys) in &todo {
                pipe.add_command(self.migrate_cmd(dst, db, keys, self.opts.replace));
                pipe.cmd("CLUSTER").arg("GETKEYSINSLOT").arg(*s).arg(k);
            }
            let replies = conn.pipe_values(&pipe).await?;
            let mut next = Vec::with_capacity(todo.len());
            let mut transient = false;
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
                        self.resolve_busy(&mut conn, src, dst, db, *s, keys).await?;
                        self.keys_moved
                            .fetch_add(keys.len() as u64, Ordering::Relaxed);
                        let fresh: Value = conn
                            .cmd(&["CLUSTER", "GETKEYSINSLOT", &s.to_string(), &k.to_string()])
                            .await?;
                        next.push((*s, keys_of(&fresh)));
                    }
                    Some(e)
                        if is_transient_target_error(&e)
                            && *transient_deadline
                                .get_or_insert_with(|| std::time::Instant::now() + TRANSIENT_RETRY)
                                > std::time::Instant::now() =>
                    {
                        transient = true;
                        next.push((*s, keys_of(more)));
                    }
                    Some(e) => bail!(
                        "{}: MIGRATE of slot {s}{in_db} to {}: {e} (the slot stays open; run `rclust fix`)",
                        src.addr,
                        dst.addr
                    ),
                }
            }
            if transient {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            } else {
                transient_deadline = None;
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
        db: u32,
        slot: u16,
        keys: &[Vec<u8>],
    ) -> anyhow::Result<()> {
        if !self.opts.replace {
            let mut dst_conn = self.db_conn(dst, db).await?;
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
            .pipe_values(redis::pipe().add_command(self.migrate_cmd(dst, db, keys, true)))
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
            .map(|&s| SetSlot::Importing(src.id.clone()).args(s))
            .collect();
        self.setslots(dst, &importing, |_| false).await?;
        self.open_and_drain(src, dst, slots, true).await
    }

    /// The second half: the emptied slots change owner, on the source, the target, and
    /// the other masters, in that order.
    async fn close_batch(
        &self,
        src: &Endpoint,
        dst: &Endpoint,
        slots: &[u16],
    ) -> anyhow::Result<()> {
        let node: Vec<_> = slots
            .iter()
            .map(|&s| SetSlot::Node(dst.id.clone()).args(s))
            .collect();
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
        // A source that gave away its last slot may already be a replica (redis#9223), or
        // lose its replicas while its SETSLOT waits for them (Valkey 8+).
        self.setslots(src, &node, source_close_error_is_benign)
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
        self.involved
            .lock()
            .unwrap()
            .extend(pairs.keys().flat_map(|(s, d)| [s.clone(), d.clone()]));
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
    use super::*;

    #[test]
    fn a_target_down_for_a_moment_is_retried_but_key_errors_are_not() {
        assert!(is_transient_target_error(
            "ERR Target instance replied with error: CLUSTERDOWN The cluster is down"
        ));
        assert!(is_transient_target_error(
            "TRYAGAIN Multiple keys request during rehashing of slot"
        ));
        assert!(!is_transient_target_error(
            "ERR Target instance replied with error: BUSYKEY Target key name already exists."
        ));
        assert!(!is_transient_target_error(
            "IOERR error or timeout reading to target instance"
        ));
    }

    #[test]
    fn source_close_errors_handled_like_valkey_cli() {
        for e in [
            "ERR Please use SETSLOT only with masters.",
            "ERR Please use SETSLOT only with primaries.",
            "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)",
            "NOREPLICAS Not enough good replicas to write.",
        ] {
            assert!(source_close_error_is_benign(e), "{e}");
        }
        assert!(!source_close_error_is_benign("ERR I still hold 3 keys"));
        assert!(!source_close_error_is_benign("ERR Unknown node abc"));
    }

    #[test]
    fn databases_come_from_cluster_databases() {
        let b = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let four = Value::Array(vec![b("cluster-databases"), b("4")]);
        assert_eq!(databases_from_config(&four), vec![0, 1, 2, 3]);
        // redis-server: no such setting, one database.
        assert_eq!(databases_from_config(&Value::Array(vec![])), vec![0]);
        let map = Value::Map(vec![(b("cluster-databases"), b("2"))]);
        assert_eq!(databases_from_config(&map), vec![0, 1]);
        // An error reply (CONFIG renamed away): database 0 only.
        assert_eq!(databases_from_config(&Value::Nil), vec![0]);
    }

    #[test]
    fn setslot_waits_on_valkey_8_and_later_only() {
        let info = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(setslot_waits_for_replicas(&info(&[
            ("server_name", "valkey"),
            ("valkey_version", "8.0.1")
        ])));
        assert!(!setslot_waits_for_replicas(&info(&[
            ("server_name", "valkey"),
            ("valkey_version", "7.2.5")
        ])));
        assert!(!setslot_waits_for_replicas(&info(&[(
            "redis_version",
            "7.0.15"
        )])));
    }

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
