//! Atomic slot migration: the servers move slots themselves, one job per (source, target)
//! pair with whole slot ranges, and the job either completes (the target owns the slots
//! with every key, in every database, TTLs kept) or rolls back (the source keeps them). No
//! slot is ever left open, so an interruption needs no `rclust fix`.
//!
//! Two dialects, opposite in direction, hidden behind [`Dialect`]:
//! - Valkey >= 9.0 pushes: `CLUSTER MIGRATESLOTS SLOTSRANGE s e [s e ...] NODE <target>` on the
//!   source, polled with `CLUSTER GETSLOTMIGRATIONS` there, cancelled with
//!   `CLUSTER CANCELSLOTMIGRATIONS` (every job that source started).
//! - Redis >= 8.4 pulls: `CLUSTER MIGRATION IMPORT s e ...` on the target returns a task
//!   id, polled with `CLUSTER MIGRATION STATUS ALL` there, cancelled with
//!   `CLUSTER MIGRATION CANCEL ID <id>` there (cancelling on the source would leave the
//!   target retrying).
//!
//! The planner side is pure ([`dialect_of`], [`jobs`], the command builders and
//! [`parse_jobs`]); [`AtomicMigrator`] submits, polls, bounds the wait and cancels.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use indicatif::ProgressBar;
use redis::Value;

use crate::admin::plan::{group_moves, SlotMove};
use crate::admin::snapshot::{Fleet, Snapshot};
use crate::model::SlotSet;

use super::migrate::{reply_error, Endpoint};

/// Which server-side migration protocol a node speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Valkey >= 9.0: CLUSTER MIGRATESLOTS on the source.
    Valkey,
    /// Redis >= 8.4: CLUSTER MIGRATION IMPORT on the target.
    Redis,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Valkey => "Valkey CLUSTER MIGRATESLOTS",
            Dialect::Redis => "Redis CLUSTER MIGRATION",
        }
    }
}

/// `9.1.2` -> (9, 1, 2); missing parts are 0, a suffix such as `-rc1` is ignored.
pub fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.trim().split('.').map(|p| {
        p.chars()
            .take_while(|c| c.is_ascii_digit())
            .collect::<String>()
            .parse::<u32>()
            .ok()
    });
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// The server family and version a node reports in `INFO server`. Valkey keeps
/// `redis_version` at its compatibility level (7.2.4) and says what it is in
/// `server_name` and `valkey_version`.
pub fn server_of(info: &BTreeMap<String, String>) -> Option<(&'static str, (u32, u32, u32))> {
    let is_valkey = info.get("server_name").map(String::as_str) == Some("valkey")
        || info.contains_key("valkey_version");
    if is_valkey {
        return Some(("valkey", parse_version(info.get("valkey_version")?)?));
    }
    Some(("redis", parse_version(info.get("redis_version")?)?))
}

/// The atomic migration dialect a node supports, from its `INFO`.
pub fn dialect_of(info: &BTreeMap<String, String>) -> Option<Dialect> {
    match server_of(info)? {
        ("valkey", v) if v >= (9, 0, 0) => Some(Dialect::Valkey),
        ("redis", v) if v >= (8, 4, 0) => Some(Dialect::Redis),
        _ => None,
    }
}

/// The dialect every node involved in `moves` (sources and targets) supports, if they all
/// support the same one; otherwise the moves go key by key.
pub fn dialect_for(snap: &Snapshot, moves: &[SlotMove]) -> Option<Dialect> {
    let ids: BTreeSet<&str> = moves
        .iter()
        .flat_map(|m| [m.from.as_str(), m.to.as_str()])
        .collect();
    let mut found = None;
    for id in ids {
        let d = dialect_of(&snap.report(id)?.info)?;
        if *found.get_or_insert(d) != d {
            return None;
        }
    }
    found
}

/// One server-side job: every slot of one (source, target) pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub source: String,
    pub target: String,
    pub slots: SlotSet,
}

/// The jobs for `moves`: one per (source, target) pair, in plan order.
pub fn jobs(moves: &[SlotMove]) -> Vec<Job> {
    group_moves(moves)
        .into_iter()
        .map(|(source, target, slots)| Job {
            source,
            target,
            slots,
        })
        .collect()
}

/// The command that starts `job`, as arguments, and whether it goes to the target (Redis)
/// rather than the source (Valkey).
pub fn submit_args(dialect: Dialect, job: &Job) -> (Vec<String>, bool) {
    let mut args = vec!["CLUSTER".to_string()];
    match dialect {
        Dialect::Valkey => {
            args.extend(["MIGRATESLOTS".into(), "SLOTSRANGE".into()]);
            for (s, e) in job.slots.ranges() {
                args.extend([s.to_string(), e.to_string()]);
            }
            args.extend(["NODE".into(), job.target.clone()]);
            (args, false)
        }
        Dialect::Redis => {
            args.extend(["MIGRATION".into(), "IMPORT".into()]);
            for (s, e) in job.slots.ranges() {
                args.extend([s.to_string(), e.to_string()]);
            }
            (args, true)
        }
    }
}

/// The status command (sent to the same node as the job's submission).
pub fn status_args(dialect: Dialect) -> Vec<&'static str> {
    match dialect {
        Dialect::Valkey => vec!["CLUSTER", "GETSLOTMIGRATIONS"],
        Dialect::Redis => vec!["CLUSTER", "MIGRATION", "STATUS", "ALL"],
    }
}

/// The command that cancels the job `id` (Valkey cancels every job its source started: a
/// run has at most one job per (source, target) and cancels them all together).
pub fn cancel_args(dialect: Dialect, id: &str) -> Vec<String> {
    match dialect {
        Dialect::Valkey => vec!["CLUSTER".into(), "CANCELSLOTMIGRATIONS".into()],
        Dialect::Redis => ["CLUSTER", "MIGRATION", "CANCEL", "ID", id]
            .map(String::from)
            .to_vec(),
    }
}

/// Where a job is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// One entry of a status reply, both dialects' fields in one shape.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobStatus {
    /// Valkey's `name`, Redis's `id`.
    pub id: String,
    /// `EXPORT`/`IMPORT` (Valkey) or `migrate`/`import` (Redis), lower-cased.
    pub operation: String,
    /// Valkey `slot_ranges` ("0-99 200-200"); Redis `slots`.
    pub slots: String,
    pub source: String,
    pub target: String,
    pub state: String,
    /// Valkey `message`, Redis `last_error`.
    pub message: String,
    /// Every field, so that any change counts as progress for the timeout.
    pub fields: Vec<(String, String)>,
}

impl JobStatus {
    pub fn phase(&self, dialect: Dialect) -> Phase {
        match (dialect, self.state.as_str()) {
            (Dialect::Valkey, "success") | (Dialect::Redis, "completed") => Phase::Succeeded,
            (_, "failed") => Phase::Failed,
            (Dialect::Valkey, "cancelled") | (Dialect::Redis, "canceled") => Phase::Cancelled,
            _ => Phase::Running,
        }
    }

    /// What changes when a job gets further: its state (and a retry or a new error). Ack
    /// times tick every second even while a job waits for something that never comes
    /// (a snapshot blocked behind another fork), so they do not count.
    fn progress_key(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter(|(k, _)| ["state", "message", "last_error", "retries"].contains(&k.as_str()))
            .cloned()
            .collect()
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Double(d) => Some(d.to_string()),
        Value::Nil => Some(String::new()),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(text_of)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => None,
    }
}

fn fields_of(v: &Value) -> Vec<(String, String)> {
    match v {
        Value::Map(pairs) => pairs
            .iter()
            .filter_map(|(k, v)| Some((text_of(k)?, text_of(v)?)))
            .collect(),
        Value::Array(flat) => flat
            .chunks(2)
            .filter_map(|kv| match kv {
                [k, v] => Some((text_of(k)?, text_of(v)?)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Parses a `GETSLOTMIGRATIONS` or `MIGRATION STATUS` reply: an array of entries, each a
/// map (RESP3) or a flat field/value array (RESP2).
pub fn parse_jobs(reply: &Value) -> Vec<JobStatus> {
    let Value::Array(entries) = reply else {
        return Vec::new();
    };
    entries
        .iter()
        .map(|e| {
            let fields = fields_of(e);
            let get = |names: &[&str]| {
                names
                    .iter()
                    .find_map(|n| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()))
                    .unwrap_or_default()
            };
            JobStatus {
                id: get(&["name", "id"]),
                operation: get(&["operation"]).to_ascii_lowercase(),
                slots: get(&["slot_ranges", "slots"]),
                source: get(&["source_node", "source"]),
                target: get(&["target_node", "dest"]),
                state: get(&["state"]),
                message: get(&["message", "last_error"]),
                fields: fields.clone(),
            }
        })
        .collect()
}

/// Slot ranges as servers print them ("0-99 200" or "0-99,200-200") as a set.
pub fn parse_ranges(text: &str) -> Option<SlotSet> {
    let mut set = SlotSet::new();
    for part in text.split([' ', ',']).filter(|p| !p.is_empty()) {
        let (s, e) = part.split_once('-').unwrap_or((part, part));
        let (s, e): (u16, u16) = (s.trim().parse().ok()?, e.trim().parse().ok()?);
        if s > e || e >= 16384 {
            return None;
        }
        set.insert_range(s, e);
    }
    Some(set)
}

/// A job as the runner follows it.
struct Tracked {
    job: Job,
    /// Where it was submitted and is polled: the source (Valkey) or the target (Redis).
    node: Endpoint,
    other: Endpoint,
    id: Option<String>,
    phase: Phase,
    state: String,
    /// The server's last message about it.
    message: String,
    progress: Vec<(String, String)>,
    since: Instant,
    error: Option<String>,
}

/// Runs atomic migrations and counts what completed, like [`super::migrate::Migrator`].
pub struct AtomicMigrator<'a> {
    pub fleet: &'a Fleet,
    pub dialect: Dialect,
    pub bar: ProgressBar,
    /// Longest a job may go without any visible change before it is cancelled.
    pub stall_timeout: Duration,
    pub slots_moved: AtomicU64,
    /// Slots whose job succeeded.
    pub done: Mutex<Vec<u16>>,
    stop: AtomicBool,
}

/// How often jobs are polled: quickly at first (small jobs finish in milliseconds), then
/// less often.
fn poll_interval(elapsed: Duration) -> Duration {
    if elapsed < Duration::from_secs(1) {
        Duration::from_millis(10)
    } else {
        Duration::from_millis(100)
    }
}

impl<'a> AtomicMigrator<'a> {
    pub fn new(
        fleet: &'a Fleet,
        dialect: Dialect,
        stall_timeout: Duration,
        bar: ProgressBar,
    ) -> Self {
        AtomicMigrator {
            fleet,
            dialect,
            bar,
            stall_timeout,
            slots_moved: AtomicU64::new(0),
            done: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        }
    }

    /// Cancels the jobs under way at the next poll (Ctrl-C); they roll back.
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    async fn query(&self, node: &Endpoint, args: &[&str]) -> anyhow::Result<Value> {
        let mut conn = self.fleet.conn(&node.addr).await?;
        let mut pipe = redis::pipe();
        let cmd = pipe.cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        let reply = conn.pipe_values(&pipe).await?.pop().unwrap_or(Value::Nil);
        if let Some(e) = reply_error(&reply) {
            bail!("{}: {}: {e}", node.addr, args.join(" "));
        }
        Ok(reply)
    }

    async fn statuses(&self, node: &Endpoint) -> anyhow::Result<Vec<JobStatus>> {
        Ok(parse_jobs(
            &self.query(node, &status_args(self.dialect)).await?,
        ))
    }

    /// Starts one job; returns its id (Redis) or finds it among the source's jobs by
    /// target and ranges, skipping the ones that existed before (Valkey replies OK only).
    async fn submit(&self, t: &Tracked, before: &BTreeSet<String>) -> anyhow::Result<String> {
        let (args, _) = submit_args(self.dialect, &t.job);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let reply = self.query(&t.node, &refs).await.map_err(|e| {
            anyhow!(
                "{e} (moving {} slot(s) from {} to {})",
                t.job.slots.len(),
                if t.node.id == t.job.source {
                    &t.node.addr
                } else {
                    &t.other.addr
                },
                if t.node.id == t.job.source {
                    &t.other.addr
                } else {
                    &t.node.addr
                },
            )
        })?;
        match self.dialect {
            Dialect::Redis => text_of(&reply).filter(|id| !id.is_empty()).ok_or_else(|| {
                anyhow!(
                    "{}: CLUSTER MIGRATION IMPORT returned no task id",
                    t.node.addr
                )
            }),
            Dialect::Valkey => {
                let found = self.statuses(&t.node).await?.into_iter().find(|s| {
                    !before.contains(&s.id)
                        && s.operation == "export"
                        && s.target == t.job.target
                        && parse_ranges(&s.slots).as_ref() == Some(&t.job.slots)
                });
                found.map(|s| s.id).ok_or_else(|| {
                    anyhow!(
                        "{}: CLUSTER GETSLOTMIGRATIONS does not list the migration it accepted",
                        t.node.addr
                    )
                })
            }
        }
    }

    async fn cancel(&self, t: &Tracked) -> anyhow::Result<()> {
        let args = cancel_args(self.dialect, t.id.as_deref().unwrap_or(""));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.query(&t.node, &refs).await.map(|_| ())
    }

    /// Submits every job, follows them to the end, and returns the first failure (the
    /// server's own message). Jobs are independent: one failing does not stop the others,
    /// which each finish or roll back whole. Ctrl-C and stalls cancel.
    pub async fn run(&self, snap: &Snapshot, moves: &[SlotMove]) -> anyhow::Result<()> {
        let mut tracked = Vec::new();
        for job in jobs(moves) {
            let src = Endpoint::of(snap, &job.source)?;
            let dst = Endpoint::of(snap, &job.target)?;
            let (_, on_target) = submit_args(self.dialect, &job);
            let (node, other) = if on_target { (dst, src) } else { (src, dst) };
            tracked.push(Tracked {
                job,
                node,
                other,
                id: None,
                phase: Phase::Running,
                state: "submitting".into(),
                message: String::new(),
                progress: Vec::new(),
                since: Instant::now(),
                error: None,
            });
        }
        // Jobs that already exist on the nodes we submit to (finished ones stay listed).
        let mut before: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        if self.dialect == Dialect::Valkey {
            for t in &tracked {
                if !before.contains_key(&t.node.id) {
                    let ids = self.statuses(&t.node).await?.into_iter().map(|s| s.id);
                    before.insert(t.node.id.clone(), ids.collect());
                }
            }
        }
        let mut first_error: Option<anyhow::Error> = None;
        for t in tracked.iter_mut() {
            if first_error.is_some() || self.stop.load(Ordering::Relaxed) {
                t.phase = Phase::Cancelled;
                t.state = "not started".into();
                continue;
            }
            let empty = BTreeSet::new();
            match self
                .submit(t, before.get(&t.node.id).unwrap_or(&empty))
                .await
            {
                Ok(id) => {
                    t.id = Some(id);
                    t.since = Instant::now();
                }
                Err(e) => {
                    t.phase = Phase::Failed;
                    first_error = Some(e);
                }
            }
        }
        let start = Instant::now();
        let mut cancelled_at: Option<Instant> = None;
        loop {
            let running: Vec<usize> = (0..tracked.len())
                .filter(|&i| tracked[i].phase == Phase::Running)
                .collect();
            if running.is_empty() {
                break;
            }
            if self.stop.load(Ordering::Relaxed) && cancelled_at.is_none() {
                cancelled_at = Some(Instant::now());
                self.cancel_all(&tracked, &running).await;
            }
            if let Some(at) = cancelled_at {
                // A cancel that the servers do not act on must not hang the tool.
                if at.elapsed() > Duration::from_secs(10) + self.stall_timeout {
                    for &i in &running {
                        tracked[i].error =
                            Some(format!("still {} after being cancelled", tracked[i].state));
                        tracked[i].phase = Phase::Failed;
                    }
                    break;
                }
            }
            tokio::time::sleep(poll_interval(start.elapsed())).await;
            self.poll(&mut tracked).await;
            // Stalled jobs are cancelled (and keep being polled until they roll back).
            let stalled: Vec<usize> = (0..tracked.len())
                .filter(|&i| {
                    let t = &tracked[i];
                    t.phase == Phase::Running
                        && t.error.is_none()
                        && t.since.elapsed() > self.stall_timeout
                })
                .collect();
            // A cancelled job that never ends is given up on (it stays listed on the node).
            for t in tracked.iter_mut() {
                if t.phase == Phase::Running
                    && t.error.is_some()
                    && t.since.elapsed() > 2 * self.stall_timeout + Duration::from_secs(10)
                {
                    t.phase = Phase::Failed;
                }
            }
            for &i in &stalled {
                let t = &mut tracked[i];
                t.error = Some(format!(
                    "still {} after {:.1}s (--timeout); cancelled",
                    t.state,
                    self.stall_timeout.as_secs_f64(),
                ));
            }
            if !stalled.is_empty() {
                self.cancel_all(&tracked, &stalled).await;
            }
            let states: Vec<String> = tracked
                .iter()
                .filter(|t| t.phase == Phase::Running)
                .map(|t| t.state.clone())
                .collect();
            self.bar.set_message(format!(
                "{} job(s) running: {}",
                states.len(),
                states.join(", ")
            ));
        }
        for t in &tracked {
            let failed = match t.phase {
                Phase::Failed => true,
                Phase::Cancelled => t.error.is_some() || !self.stop.load(Ordering::Relaxed),
                _ => false,
            };
            if failed && first_error.is_none() {
                let why = t.error.clone().unwrap_or_else(|| match t.message.as_str() {
                    "" => t.state.clone(),
                    m => format!("{}: {m}", t.state),
                });
                first_error = Some(anyhow!(
                    "{}: atomic migration of slots {} from {} to {}: {why}; the job rolled back, those slots stay with the source",
                    t.node.addr,
                    t.job.slots,
                    if t.node.id == t.job.source { &t.node.addr } else { &t.other.addr },
                    if t.node.id == t.job.source { &t.other.addr } else { &t.node.addr },
                ));
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Cancels the given jobs: once per node for Valkey (it cancels all of that node's).
    async fn cancel_all(&self, tracked: &[Tracked], which: &[usize]) {
        let mut nodes_done = BTreeSet::new();
        for &i in which {
            let t = &tracked[i];
            if self.dialect == Dialect::Valkey && !nodes_done.insert(t.node.id.clone()) {
                continue;
            }
            if let Err(e) = self.cancel(t).await {
                self.bar
                    .suspend(|| eprintln!("rclust: cancelling a migration: {e:#}"));
            }
        }
    }

    /// One status query per node; updates phases, progress times and the counters.
    async fn poll(&self, tracked: &mut [Tracked]) {
        let nodes: BTreeMap<String, Endpoint> = tracked
            .iter()
            .filter(|t| t.phase == Phase::Running)
            .map(|t| (t.node.id.clone(), t.node.clone()))
            .collect();
        let replies = futures::future::join_all(
            nodes
                .values()
                .map(|n| async move { (n.id.clone(), self.statuses(n).await) }),
        )
        .await;
        let replies: BTreeMap<String, anyhow::Result<Vec<JobStatus>>> =
            replies.into_iter().collect();
        for t in tracked.iter_mut().filter(|t| t.phase == Phase::Running) {
            let statuses = match &replies[&t.node.id] {
                Ok(s) => s,
                // A node that does not answer for the whole timeout stalls the job.
                Err(_) => continue,
            };
            let id = t.id.as_deref().unwrap_or("");
            let Some(status) = statuses.iter().find(|s| s.id == id) else {
                continue;
            };
            let key = status.progress_key();
            if key != t.progress {
                t.progress = key;
                t.since = Instant::now();
            }
            t.state = status.state.clone();
            if !status.message.is_empty() {
                t.message = status.message.clone();
            }
            t.phase = status.phase(self.dialect);
            if t.phase == Phase::Succeeded {
                let slots: Vec<u16> = t.job.slots.iter().collect();
                self.slots_moved
                    .fetch_add(slots.len() as u64, Ordering::Relaxed);
                self.bar.inc(slots.len() as u64);
                self.done.lock().unwrap().extend(slots);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn detects_the_dialect_from_info_server() {
        let valkey9 = info(&[
            ("redis_version", "7.2.4"),
            ("server_name", "valkey"),
            ("valkey_version", "9.1.2"),
        ]);
        assert_eq!(dialect_of(&valkey9), Some(Dialect::Valkey));
        let valkey8 = info(&[
            ("redis_version", "7.2.4"),
            ("server_name", "valkey"),
            ("valkey_version", "8.1.0"),
        ]);
        assert_eq!(dialect_of(&valkey8), None);
        assert_eq!(dialect_of(&info(&[("redis_version", "7.0.15")])), None);
        assert_eq!(dialect_of(&info(&[("redis_version", "8.2.3")])), None);
        assert_eq!(
            dialect_of(&info(&[("redis_version", "8.4.0")])),
            Some(Dialect::Redis)
        );
        assert_eq!(
            dialect_of(&info(&[("redis_version", "9.0.0-rc1")])),
            Some(Dialect::Redis)
        );
        // A Valkey whose compatibility version looked new must still be judged as Valkey.
        let odd = info(&[("redis_version", "8.4.0"), ("server_name", "valkey")]);
        assert_eq!(dialect_of(&odd), None);
        assert_eq!(parse_version("9.0.0-rc3"), Some((9, 0, 0)));
        assert_eq!(parse_version("10"), Some((10, 0, 0)));
        assert_eq!(parse_version("x"), None);
    }

    fn job() -> Job {
        let mut slots = SlotSet::range(0, 99);
        slots.insert(200);
        Job {
            source: "a".repeat(40),
            target: "b".repeat(40),
            slots,
        }
    }

    #[test]
    fn builds_both_dialects_commands() {
        let (args, on_target) = submit_args(Dialect::Valkey, &job());
        assert!(!on_target);
        let expected = format!(
            "CLUSTER MIGRATESLOTS SLOTSRANGE 0 99 200 200 NODE {}",
            "b".repeat(40)
        );
        assert_eq!(args.join(" "), expected);
        let (args, on_target) = submit_args(Dialect::Redis, &job());
        assert!(on_target);
        assert_eq!(args.join(" "), "CLUSTER MIGRATION IMPORT 0 99 200 200");
        assert_eq!(
            cancel_args(Dialect::Redis, "abc").join(" "),
            "CLUSTER MIGRATION CANCEL ID abc"
        );
        assert_eq!(
            cancel_args(Dialect::Valkey, "abc").join(" "),
            "CLUSTER CANCELSLOTMIGRATIONS"
        );
        assert_eq!(
            status_args(Dialect::Redis).join(" "),
            "CLUSTER MIGRATION STATUS ALL"
        );
    }

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn parses_valkey_getslotmigrations_in_resp2_and_resp3() {
        let pairs = [
            ("name", "7367381046ad251ac861a3a77401582059047dc7"),
            ("operation", "EXPORT"),
            ("slot_ranges", "0-99 200-200"),
            ("target_node", "bbbb"),
            ("source_node", "aaaa"),
            ("create_time", "1796184304"),
            ("last_update_time", "1796184305"),
            ("state", "failed"),
            ("message", "Connection lost to target."),
        ];
        let flat = Value::Array(vec![Value::Array(
            pairs.iter().flat_map(|(k, v)| [bulk(k), bulk(v)]).collect(),
        )]);
        let map = Value::Array(vec![Value::Map(
            pairs.iter().map(|(k, v)| (bulk(k), bulk(v))).collect(),
        )]);
        for reply in [flat, map] {
            let jobs = parse_jobs(&reply);
            assert_eq!(jobs.len(), 1);
            let j = &jobs[0];
            assert_eq!(j.id, "7367381046ad251ac861a3a77401582059047dc7");
            assert_eq!(j.operation, "export");
            assert_eq!(j.target, "bbbb");
            assert_eq!(j.source, "aaaa");
            assert_eq!(j.phase(Dialect::Valkey), Phase::Failed);
            assert_eq!(j.message, "Connection lost to target.");
            assert_eq!(parse_ranges(&j.slots), Some(job().slots));
        }
    }

    #[test]
    fn parses_redis_migration_status() {
        let pairs: Vec<(&str, Value)> = vec![
            ("id", bulk("24cf41718b20f7f05901743dffc40bc9b15db339")),
            ("slots", bulk("0-99,200-200")),
            ("source", bulk("aaaa")),
            ("dest", bulk("bbbb")),
            ("operation", bulk("import")),
            ("state", bulk("completed")),
            ("last_error", bulk("")),
            ("retries", Value::Int(0)),
            ("write_pause_ms", Value::Int(3)),
        ];
        let reply = Value::Array(vec![Value::Array(
            pairs.into_iter().flat_map(|(k, v)| [bulk(k), v]).collect(),
        )]);
        let j = &parse_jobs(&reply)[0];
        assert_eq!(j.id, "24cf41718b20f7f05901743dffc40bc9b15db339");
        assert_eq!(j.target, "bbbb");
        assert_eq!(j.phase(Dialect::Redis), Phase::Succeeded);
        assert_eq!(parse_ranges(&j.slots), Some(job().slots));
        let mut running = j.clone();
        running.state = "accumulate-buffer".into();
        assert_eq!(running.phase(Dialect::Redis), Phase::Running);
        running.state = "canceled".into();
        assert_eq!(running.phase(Dialect::Redis), Phase::Cancelled);
        // Valkey spells it differently; each dialect reads only its own word.
        assert_eq!(running.phase(Dialect::Valkey), Phase::Running);
    }

    #[test]
    fn one_job_per_pair() {
        let mv = |slot, from: &str, to: &str| SlotMove {
            slot,
            from: from.into(),
            to: to.into(),
        };
        let js = jobs(&[mv(1, "a", "c"), mv(2, "b", "c"), mv(3, "a", "c")]);
        assert_eq!(js.len(), 2);
        assert_eq!(js[0].slots.to_string(), "1,3");
        assert_eq!(parse_ranges("5"), Some(SlotSet::range(5, 5)));
        assert_eq!(parse_ranges("9-2"), None);
    }
}
