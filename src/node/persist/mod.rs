//! Persistence, as redis-server 7.0 does it: RDB snapshots (SAVE, BGSAVE, `save <secs>
//! <changes>` points, dump.rdb loaded at start, a save at shutdown) and the append-only
//! file ([`aof`]: Redis 7's multi-part layout, a manifest in `appenddirname`).
//!
//! Background snapshots do not fork: the keyspace is frozen slot by slot (see
//! `Keyspace::freeze`), a writer thread serialises slots between batches of commands, and
//! a command about to change a slot not yet written serialises that slot first. Writes
//! go on while the file is written, and the file is the data as it was when the snapshot
//! started.

pub mod aof;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::clock::now_ms;
use super::config::{NodeConfig, Notify};
use super::keyspace::Keyspace;
use super::shared::Shared;
use crate::bus::core::LogLevel;

/// Serialised bytes the snapshot writer takes per turn of the keyspace lock.
const STEP_BYTES: usize = 1 << 20;
/// After a failed background save, automatic ones wait this long (Redis's 5 s).
const RETRY_AFTER_MS: u64 = 5000;

/// What a background snapshot becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Job {
    /// dump.rdb (BGSAVE, save points).
    Rdb,
    /// The new base of the append-only file (BGREWRITEAOF).
    AofBase,
}

/// How SHUTDOWN (or a signal) wants the data saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShutdownSave {
    /// As configured: a snapshot when save points are set.
    Default = 0,
    Save = 1,
    NoSave = 2,
}

struct State {
    /// Unix seconds of the last snapshot written (LASTSAVE), else the start time.
    lastsave: u64,
    job: Option<Job>,
    /// `dirty` when the running snapshot started: what it covers.
    dirty_at_start: u64,
    job_started: Option<Instant>,
    last_bgsave_ok: bool,
    last_failed_at: u64,
    last_rewrite_ok: bool,
    rewrite_scheduled: bool,
}

pub struct Persistence {
    /// Writes since the last snapshot (`rdb_changes_since_last_save`).
    pub dirty: AtomicU64,
    state: Mutex<State>,
    /// Whether writes are logged to the append-only file (checked per command).
    aof_on: AtomicBool,
    pub aof: Mutex<Option<aof::Aof>>,
    fsync_running: Arc<AtomicBool>,
    shutdown_save: AtomicU8,
    /// The last snapshot failed (checked per write, for `stop-writes-on-bgsave-error`).
    bgsave_failed: AtomicBool,
}

impl Default for Persistence {
    fn default() -> Self {
        Self::new()
    }
}

fn now_secs() -> u64 {
    now_ms() / 1000
}

fn log(level: LogLevel, text: &str) {
    super::log::emit(level, text);
}

/// Writes `data` to `path` atomically: a temporary file beside it, synced, renamed,
/// then the directory synced.
pub fn write_atomic(
    path: &Path,
    parts: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!("temp-{}-", std::process::id()))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        parts(&mut w)?;
        w.flush()?;
    }
    tmp.as_file().sync_all()?;
    // Readable like the files redis-server writes (tempfile creates them private).
    use std::os::unix::fs::PermissionsExt;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    tmp.persist(path).map_err(|e| e.error)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

impl Persistence {
    pub fn new() -> Persistence {
        Persistence {
            dirty: AtomicU64::new(0),
            state: Mutex::new(State {
                lastsave: now_secs(),
                job: None,
                dirty_at_start: 0,
                job_started: None,
                last_bgsave_ok: true,
                last_failed_at: 0,
                last_rewrite_ok: true,
                rewrite_scheduled: false,
            }),
            aof_on: AtomicBool::new(false),
            aof: Mutex::new(None),
            fsync_running: Arc::new(AtomicBool::new(false)),
            shutdown_save: AtomicU8::new(ShutdownSave::Default as u8),
            bgsave_failed: AtomicBool::new(false),
        }
    }

    pub fn lastsave(&self) -> u64 {
        self.state.lock().lastsave
    }

    /// Whether executed writes go to the append-only file.
    #[inline]
    pub fn logging(&self) -> bool {
        self.aof_on.load(Ordering::Relaxed)
    }

    /// Counts a write that changed data (for save points and INFO).
    #[inline]
    pub fn note_write(&self) {
        self.dirty.fetch_add(1, Ordering::Relaxed);
    }

    /// Appends commands (RESP arrays) to the append-only file's buffer, preceded by a
    /// `SELECT` when the file's last one named another database than `first_db`; `cmds`
    /// end in `last_db`. Called under the keyspace lock, so the file has the order in
    /// which commands ran.
    pub fn feed(&self, first_db: usize, cmds: &[Vec<u8>], last_db: usize) {
        if let Some(a) = self.aof.lock().as_mut() {
            if a.selected_db != Some(first_db) {
                let db = first_db.to_string();
                a.pending
                    .extend_from_slice(&crate::node::repl_state::encode(&[
                        &b"SELECT"[..],
                        db.as_bytes(),
                    ]));
            }
            for c in cmds {
                a.pending.extend_from_slice(c);
            }
            a.selected_db = Some(last_db);
        }
    }

    /// After a batch of commands, before its replies leave: the buffered commands are
    /// written to the file (so a killed process keeps them), and with `appendfsync
    /// always` synced too, so no acknowledged write is lost.
    pub fn after_batch(&self) {
        if !self.logging() {
            return;
        }
        let mut guard = self.aof.lock();
        let Some(a) = guard.as_mut() else {
            return;
        };
        if let Err(e) = a.write_pending(false) {
            drop(guard);
            log(
                LogLevel::Warning,
                &format!("Error writing to the AOF file: {e}"),
            );
        }
    }

    /// SAVE: the snapshot written now, under the keyspace lock the caller holds.
    pub fn save(&self, shared: &Shared, ks: &Keyspace) -> Result<(), String> {
        if self.state.lock().job.is_some() {
            return Err("ERR Background save already in progress".into());
        }
        let cfg = shared.config.read().clone();
        let dirty = self.dirty.load(Ordering::Relaxed);
        // As redis-server's rdbPopulateSaveInfo: a replica, or a master with a backlog,
        // saves where its data stands in the replication history.
        let repl = {
            let st = shared.repl.state.lock();
            (shared.repl.is_replica() || st.backlog.is_some())
                .then(|| (st.replid.clone(), st.offset))
        };
        let repl = repl.as_ref().map(|(id, offset)| (id.as_str(), *offset));
        match write_snapshot(&rdb_path(&cfg), ks, now_ms(), cfg.rdbchecksum, repl) {
            Ok(()) => {
                let mut st = self.state.lock();
                st.lastsave = now_secs();
                st.last_bgsave_ok = true;
                self.bgsave_failed.store(false, Ordering::Relaxed);
                self.dirty.fetch_sub(dirty, Ordering::Relaxed);
                log(LogLevel::Notice, "DB saved on disk");
                Ok(())
            }
            Err(e) => {
                self.state.lock().last_bgsave_ok = false;
                self.bgsave_failed.store(true, Ordering::Relaxed);
                log(LogLevel::Warning, &format!("Failed saving the DB: {e}"));
                Err(format!("ERR {e}"))
            }
        }
    }

    /// BGSAVE: starts a background snapshot (the caller holds the keyspace lock).
    pub fn bgsave(&self, shared: &Shared, ks: &mut Keyspace) -> Result<(), String> {
        self.start_job(shared, ks, Job::Rdb)
    }

    /// BGREWRITEAOF: a new base for the append-only file, written in the background; the
    /// writes meanwhile go to a new incremental file. Returns the reply text.
    pub fn bgrewriteaof(&self, shared: &Shared, ks: &mut Keyspace) -> Result<&'static str, String> {
        {
            let mut st = self.state.lock();
            match st.job {
                Some(Job::AofBase) => {
                    return Err(
                        "ERR Background append only file rewriting already in progress".into(),
                    )
                }
                Some(Job::Rdb) => {
                    st.rewrite_scheduled = true;
                    return Ok("Background append only file rewriting scheduled");
                }
                None => {}
            }
        }
        self.start_job(shared, ks, Job::AofBase)?;
        Ok("Background append only file rewriting started")
    }

    fn start_job(&self, shared: &Shared, ks: &mut Keyspace, job: Job) -> Result<(), String> {
        let cfg = shared.config.read().clone();
        let target = {
            let mut st = self.state.lock();
            if st.job.is_some() {
                return Err("ERR Background save already in progress".into());
            }
            let target = match job {
                Job::Rdb => rdb_path(&cfg),
                Job::AofBase => {
                    let mut guard = self.aof.lock();
                    let a = match guard.as_mut() {
                        Some(a) => a,
                        None => {
                            *guard = Some(
                                aof::Aof::open_or_create(&cfg).map_err(|e| format!("ERR {e}"))?,
                            );
                            guard.as_mut().expect("just set")
                        }
                    };
                    a.start_rewrite().map_err(|e| {
                        format!("ERR Can't rewrite append only file in background: {e}")
                    })?
                }
            };
            st.job = Some(job);
            st.job_started = Some(Instant::now());
            st.dirty_at_start = self.dirty.load(Ordering::Relaxed);
            st.rewrite_scheduled = false;
            target
        };
        let now = now_ms();
        ks.freeze(now);
        let header = crate::node::rdb::header(now, None, ks);
        let shared = shared.arc();
        let checksum = cfg.rdbchecksum;
        log(
            LogLevel::Notice,
            match job {
                Job::Rdb => "Background saving started",
                Job::AofBase => "Background append only file rewriting started",
            },
        );
        std::thread::Builder::new()
            .name("bgsave".into())
            .spawn(move || {
                let result = write_atomic(&target, |w| {
                    let mut crc = crate::node::rdb::crc64::crc64(0, &header);
                    w.write_all(&header)?;
                    loop {
                        let step = shared.keyspace.lock().thaw_step(STEP_BYTES);
                        let Some((part, last)) = step else {
                            return Err(std::io::Error::other("the snapshot was abandoned"));
                        };
                        if checksum {
                            crc = crate::node::rdb::crc64::crc64(crc, &part);
                        }
                        w.write_all(&part)?;
                        if last {
                            break;
                        }
                    }
                    let mut tail = Vec::new();
                    crate::node::rdb::finish(&mut tail, crc, checksum);
                    w.write_all(&tail)
                });
                if result.is_err() {
                    shared.keyspace.lock().thaw();
                }
                shared.persist.job_done(&shared, job, result);
            })
            .map_err(|e| format!("ERR cannot start the background save: {e}"))?;
        Ok(())
    }

    fn job_done(&self, shared: &Shared, job: Job, result: std::io::Result<()>) {
        let mut st = self.state.lock();
        st.job = None;
        st.job_started = None;
        let ok = result.is_ok();
        match job {
            Job::Rdb => {
                st.last_bgsave_ok = ok;
                self.bgsave_failed.store(!ok, Ordering::Relaxed);
                if ok {
                    st.lastsave = now_secs();
                    self.dirty.fetch_sub(st.dirty_at_start, Ordering::Relaxed);
                } else {
                    st.last_failed_at = now_ms();
                }
            }
            Job::AofBase => {
                st.last_rewrite_ok = ok;
                if ok {
                    let finished = self.aof.lock().as_mut().map(|a| a.finish_rewrite());
                    if let Some(Err(e)) = finished {
                        st.last_rewrite_ok = false;
                        drop(st);
                        log(
                            LogLevel::Warning,
                            &format!("Can't finish the AOF rewrite: {e}"),
                        );
                        return;
                    }
                    if shared.config.read().appendonly {
                        self.aof_on.store(true, Ordering::Relaxed);
                    }
                } else if let Some(a) = self.aof.lock().as_mut() {
                    a.abandon_rewrite();
                }
            }
        }
        drop(st);
        let text = match (job, &result) {
            (Job::Rdb, Ok(())) => "Background saving terminated with success".to_string(),
            (Job::AofBase, Ok(())) => "Background AOF rewrite finished successfully".to_string(),
            (_, Err(e)) => format!("Background save failed: {e}"),
        };
        let level = if ok {
            LogLevel::Notice
        } else {
            LogLevel::Warning
        };
        log(level, &text);
    }

    /// Whether writes must be refused (`stop-writes-on-bgsave-error`): the last
    /// background save failed while save points are set.
    pub fn refuses_writes(&self, shared: &Shared) -> bool {
        self.bgsave_failed.load(Ordering::Relaxed) && {
            let cfg = shared.config.read();
            cfg.stop_writes_on_bgsave_error && !cfg.save.0.is_empty()
        }
    }

    /// Ten times a second: save points, a scheduled rewrite, `appendfsync everysec`.
    pub async fn cron(shared: Arc<Shared>) {
        let mut stop = shared.shutdown.subscribe();
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.recv() => return,
            }
            let p = &shared.persist;
            p.fsync_every_second();
            let cfg = shared.config.read().clone();
            let (busy, scheduled, lastsave, failed_at, ok) = {
                let st = p.state.lock();
                (
                    st.job.is_some(),
                    st.rewrite_scheduled,
                    st.lastsave,
                    st.last_failed_at,
                    st.last_bgsave_ok,
                )
            };
            if busy {
                continue;
            }
            if scheduled {
                let mut ks = shared.keyspace.lock();
                let _ = p.start_job(&shared, &mut ks, Job::AofBase);
                continue;
            }
            if p.logging() && p.aof_grew(&cfg) {
                log(LogLevel::Notice, "Starting automatic rewriting of AOF");
                let mut ks = shared.keyspace.lock();
                let _ = p.start_job(&shared, &mut ks, Job::AofBase);
                continue;
            }
            let dirty = p.dirty.load(Ordering::Relaxed);
            let now = now_ms();
            let due = cfg
                .save
                .0
                .iter()
                .find(|(secs, changes)| dirty >= *changes && now / 1000 >= lastsave + secs);
            if let Some((secs, changes)) = due {
                if !ok && now < failed_at + RETRY_AFTER_MS {
                    continue;
                }
                log(
                    LogLevel::Notice,
                    &format!("{changes} changes in {secs} seconds. Saving..."),
                );
                let mut ks = shared.keyspace.lock();
                let _ = p.start_job(&shared, &mut ks, Job::Rdb);
            }
        }
    }

    /// `auto-aof-rewrite-percentage`: the log grew past the minimum size by that much
    /// since its last rewrite.
    fn aof_grew(&self, cfg: &NodeConfig) -> bool {
        let pct = cfg.auto_aof_rewrite_percentage;
        let guard = self.aof.lock();
        let Some(a) = guard.as_ref() else {
            return false;
        };
        pct > 0
            && a.current_size > cfg.auto_aof_rewrite_min_size
            && a.current_size.saturating_sub(a.base_size) * 100 >= pct * a.base_size.max(1)
    }

    /// `appendfsync everysec`: one fsync a second, on a blocking thread, never two at once.
    fn fsync_every_second(&self) {
        let file = {
            let mut guard = self.aof.lock();
            let Some(a) = guard.as_mut() else { return };
            if !a.fsync_due() || self.fsync_running.load(Ordering::Relaxed) {
                return;
            }
            a.fsync_handle()
        };
        let Some(file) = file else { return };
        let running = Arc::clone(&self.fsync_running);
        running.store(true, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let _ = file.sync_data();
            running.store(false, Ordering::Relaxed);
        });
    }

    /// SHUTDOWN's save mode, for [`Persistence::on_shutdown`].
    pub fn set_shutdown_save(&self, mode: ShutdownSave) {
        self.shutdown_save.store(mode as u8, Ordering::Relaxed);
    }

    /// At shutdown: the append-only file written and synced; a snapshot when save points
    /// are set (or SHUTDOWN SAVE), unless SHUTDOWN NOSAVE.
    pub fn on_shutdown(&self, shared: &Shared) {
        if let Some(a) = self.aof.lock().as_mut() {
            if let Err(e) = a.write_pending(true) {
                log(
                    LogLevel::Warning,
                    &format!("Error writing to the AOF file: {e}"),
                );
            }
        }
        let mode = self.shutdown_save.load(Ordering::Relaxed);
        let configured = !shared.config.read().save.0.is_empty();
        let wanted =
            mode == ShutdownSave::Save as u8 || (mode == ShutdownSave::Default as u8 && configured);
        if !wanted {
            return;
        }
        // A background snapshot still running finishes first (its thread needs the lock).
        let started = Instant::now();
        while self.state.lock().job.is_some() && started.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(10));
        }
        log(
            LogLevel::Notice,
            "Saving the final RDB snapshot before exiting.",
        );
        let ks = shared.keyspace.lock();
        let _ = self.save(shared, &ks);
    }

    /// At start, before clients: the append-only file when `appendonly yes` and it
    /// exists, else dump.rdb; then, with `appendonly yes`, the append-only file is opened
    /// (created from the loaded data when there was none).
    pub fn load_at_start(shared: &Shared) -> anyhow::Result<()> {
        let cfg = shared.config.read().clone();
        let started = Instant::now();
        let p = &shared.persist;
        let mut ks = shared.keyspace.lock();
        // A replica keeps the keys that expired while it was down, as redis-server loads
        // them when it is not a master: its master's DELs remove them.
        let now = if starts_as_replica(&cfg) { 0 } else { now_ms() };
        let from_aof = cfg.appendonly && aof::Aof::exists(&cfg);
        if from_aof {
            let report = aof::load(shared, &mut ks, &cfg, now)?;
            if let Some(warning) = report.truncated {
                drop(ks);
                log(LogLevel::Warning, &warning);
                ks = shared.keyspace.lock();
            }
            let text = format!(
                "DB loaded from append only file: {:.3} seconds ({} keys)",
                started.elapsed().as_secs_f64(),
                ks.total_len()
            );
            drop(ks);
            log(LogLevel::Notice, &text);
            ks = shared.keyspace.lock();
        } else {
            let path = rdb_path(&cfg);
            match std::fs::read(&path) {
                Ok(data) => {
                    let info = crate::node::rdb::load_into(&data, &mut ks, now, &shared.script_run)
                        .map_err(|e| anyhow::anyhow!("loading {}: {}", path.display(), e.0))?;
                    if now == 0 {
                        resume_history(shared, &info);
                    }
                    let text = format!(
                        "DB loaded from disk: {:.3} seconds ({} keys)",
                        started.elapsed().as_secs_f64(),
                        ks.total_len()
                    );
                    drop(ks);
                    log(LogLevel::Notice, &text);
                    ks = shared.keyspace.lock();
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => anyhow::bail!("reading {}: {e}", path.display()),
            }
        }
        if cfg.appendonly {
            let a = if from_aof {
                aof::Aof::open_or_create(&cfg)?
            } else {
                aof::Aof::create_from(&cfg, &ks)?
            };
            *p.aof.lock() = Some(a);
            p.aof_on.store(true, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Acts on CONFIG SET of `appendonly` and `appendfsync` (save points are read by the
    /// cron). Turning the log on writes a base first, in the background, as Redis does.
    pub fn install(shared: &Arc<Shared>) {
        let weak = Arc::downgrade(shared);
        shared.on_config(Notify::Persistence, move |cfg| {
            let Some(shared) = weak.upgrade() else { return };
            let p = &shared.persist;
            if let Some(a) = p.aof.lock().as_mut() {
                a.set_policy(&cfg.appendfsync);
            }
            let on = p.logging() || p.state.lock().job == Some(Job::AofBase);
            if cfg.appendonly && !on {
                // CONFIG SET runs under the keyspace lock: the rewrite starts from a
                // thread of its own once that lock is free.
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || {
                    let mut ks = shared.keyspace.lock();
                    if let Err(e) = shared.persist.start_job(&shared, &mut ks, Job::AofBase) {
                        drop(ks);
                        log(LogLevel::Warning, &format!("Can't turn the AOF on: {e}"));
                    }
                });
            } else if !cfg.appendonly && on {
                p.aof_on.store(false, Ordering::Relaxed);
                if let Some(mut a) = p.aof.lock().take() {
                    let _ = a.write_pending(true);
                }
            }
        });
    }

    /// The body of INFO's persistence section.
    pub fn info_text(&self, loading: crate::node::repl_state::Loading) -> String {
        use crate::node::repl_state::Loading;
        let st = self.state.lock();
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push_str("\r\n");
        };
        let status = |ok: bool| if ok { "ok" } else { "err" };
        line(format!("loading:{}", (loading == Loading::Blocking) as u8));
        line(format!(
            "async_loading:{}",
            (loading == Loading::Async) as u8
        ));
        line(format!(
            "rdb_changes_since_last_save:{}",
            self.dirty.load(Ordering::Relaxed)
        ));
        line(format!(
            "rdb_bgsave_in_progress:{}",
            (st.job == Some(Job::Rdb)) as u8
        ));
        line(format!("rdb_last_save_time:{}", st.lastsave));
        line(format!(
            "rdb_last_bgsave_status:{}",
            status(st.last_bgsave_ok)
        ));
        let current = |j| match (st.job, st.job_started) {
            (Some(running), Some(at)) if running == j => at.elapsed().as_secs() as i64,
            _ => -1,
        };
        line(format!("rdb_current_bgsave_time_sec:{}", current(Job::Rdb)));
        line(format!("aof_enabled:{}", self.logging() as u8));
        line(format!(
            "aof_rewrite_in_progress:{}",
            (st.job == Some(Job::AofBase)) as u8
        ));
        line(format!(
            "aof_rewrite_scheduled:{}",
            st.rewrite_scheduled as u8
        ));
        line(format!(
            "aof_current_rewrite_time_sec:{}",
            current(Job::AofBase)
        ));
        line(format!(
            "aof_last_bgrewrite_status:{}",
            status(st.last_rewrite_ok)
        ));
        let write_ok = self.aof.lock().as_ref().is_none_or(|a| a.last_write_ok);
        line(format!("aof_last_write_status:{}", status(write_ok)));
        out
    }
}

/// Where dump.rdb lives.
pub fn rdb_path(cfg: &NodeConfig) -> PathBuf {
    cfg.dir.join(&cfg.dbfilename)
}

/// Writes an RDB file of `ks` at once (SAVE, an append-only base at start).
///
/// `repl`: the replication history id and offset the data stands at, saved so that a
/// replica restarting from the file continues where it was.
pub fn write_snapshot(
    path: &Path,
    ks: &Keyspace,
    now: u64,
    checksum: bool,
    repl: Option<(&str, u64)>,
) -> std::io::Result<()> {
    let data = crate::node::rdb::snapshot(ks, now, repl, checksum);
    write_atomic(path, |w| w.write_all(&data))
}

/// Whether the node starts as a replica: its nodes.conf says so (cluster mode). An
/// unreadable file is the bus's to report; here it means a master.
fn starts_as_replica(cfg: &NodeConfig) -> bool {
    if !cfg.cluster_enabled {
        return false;
    }
    let path = cfg.dir.join(&cfg.cluster_config_file);
    matches!(
        crate::bus::nodes_conf::load(&path),
        Ok(Some(conf)) if conf.nodes.iter().any(|n| n.flags.myself && n.flags.replica)
    )
}

/// A replica that starts from its snapshot takes the history id and offset saved in it
/// (as redis-server does), so it can continue from its master with a partial resync.
fn resume_history(shared: &Shared, info: &crate::node::rdb::FileInfo) {
    let field = |name: &str| {
        info.aux
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let (Some(id), Some(offset)) = (field("repl-id"), field("repl-offset")) else {
        return;
    };
    let Ok(offset) = offset.parse::<u64>() else {
        return;
    };
    if id.len() != 40 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return;
    }
    let mut st = shared.repl.state.lock();
    st.replid = id;
    st.offset = offset;
}
