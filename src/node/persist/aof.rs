//! The append-only file in Redis 7's multi-part layout, so a redis-server 7.0 user finds
//! what they expect (and either server loads the other's): in `dir/appenddirname`, a base
//! (`appendonly.aof.N.base.rdb`, an RDB file), incremental files of commands
//! (`appendonly.aof.M.incr.aof`) and the manifest `appendonly.aof.manifest` listing them
//! (`file <name> seq <n> type b|i`).
//!
//! A rewrite (BGREWRITEAOF, or turning `appendonly` on) opens a new incremental file at
//! once, writes a new base from a snapshot in the background, then makes the manifest
//! name only the new base and the new incremental file and deletes the old ones.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;

use super::write_atomic;
use crate::node::clock::now_ms;
use crate::node::cmd::{lookup, ClientState, Ctx};
use crate::node::config::NodeConfig;
use crate::node::keyspace::Keyspace;
use crate::node::resp::{parse_request, RequestLimits};
use crate::node::shared::Shared;

/// `appendfsync`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fsync {
    Always,
    EverySec,
    No,
}

impl Fsync {
    fn from_name(name: &str) -> Fsync {
        match name {
            "always" => Fsync::Always,
            "no" => Fsync::No,
            _ => Fsync::EverySec,
        }
    }
}

/// The files of an append-only log, as the manifest lists them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub base: Option<(String, u64)>,
    pub incrs: Vec<(String, u64)>,
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let mut m = Manifest::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            let mut name = None;
            let mut seq = None;
            let mut kind = None;
            for pair in words.chunks(2) {
                match (pair[0], pair.get(1)) {
                    ("file", Some(v)) => name = Some(v.to_string()),
                    ("seq", Some(v)) => seq = v.parse::<u64>().ok(),
                    ("type", Some(v)) => kind = Some(*v),
                    _ => {}
                }
            }
            let (Some(name), Some(seq), Some(kind)) = (name, seq, kind) else {
                return Err(format!("Invalid AOF manifest line: {line}"));
            };
            match kind {
                "b" => m.base = Some((name, seq)),
                "i" => m.incrs.push((name, seq)),
                // History files are being deleted; they are not part of the data.
                "h" => {}
                _ => return Err(format!("Invalid AOF manifest file type: {kind}")),
            }
        }
        if m.base.is_none() && m.incrs.is_empty() {
            return Err("Found an empty AOF manifest".into());
        }
        Ok(m)
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        if let Some((name, seq)) = &self.base {
            out.push_str(&format!("file {name} seq {seq} type b\n"));
        }
        for (name, seq) in &self.incrs {
            out.push_str(&format!("file {name} seq {seq} type i\n"));
        }
        out
    }
}

/// The open append-only log.
pub struct Aof {
    dir: PathBuf,
    basename: String,
    manifest: Manifest,
    /// The incremental file being appended to.
    file: Arc<File>,
    /// Commands run but not yet written to the file.
    pub pending: Vec<u8>,
    /// The database the incremental file's last SELECT named (none yet: a new file).
    pub selected_db: Option<usize>,
    policy: Fsync,
    /// Bytes written since the last fsync.
    unsynced: bool,
    last_fsync: Instant,
    pub last_write_ok: bool,
    /// During a rewrite: the manifest to install when the new base is written.
    after_rewrite: Option<Manifest>,
    /// Bytes of every file the manifest lists, and of the log after the last rewrite
    /// (for `auto-aof-rewrite-percentage`).
    pub current_size: u64,
    pub base_size: u64,
}

fn manifest_path(dir: &Path, basename: &str) -> PathBuf {
    dir.join(format!("{basename}.manifest"))
}

fn aof_dir(cfg: &NodeConfig) -> PathBuf {
    cfg.dir.join(&cfg.appenddirname)
}

fn open_append(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

fn save_manifest(dir: &Path, basename: &str, m: &Manifest) -> std::io::Result<()> {
    let text = m.text();
    write_atomic(&manifest_path(dir, basename), |w| {
        w.write_all(text.as_bytes())
    })
}

impl Aof {
    /// Whether an append-only log exists for these settings.
    pub fn exists(cfg: &NodeConfig) -> bool {
        manifest_path(&aof_dir(cfg), &cfg.appendfilename).exists()
    }

    /// Opens the existing log for appending to its last incremental file (a new one
    /// when it has none), or creates an empty one.
    pub fn open_or_create(cfg: &NodeConfig) -> anyhow::Result<Aof> {
        let dir = aof_dir(cfg);
        std::fs::create_dir_all(&dir)?;
        let basename = cfg.appendfilename.clone();
        let mut manifest = match std::fs::read_to_string(manifest_path(&dir, &basename)) {
            Ok(text) => Manifest::parse(&text).map_err(anyhow::Error::msg)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
            Err(e) => return Err(e.into()),
        };
        if manifest.incrs.is_empty() {
            let seq = 1;
            manifest
                .incrs
                .push((format!("{basename}.{seq}.incr.aof"), seq));
            save_manifest(&dir, &basename, &manifest)?;
        }
        let (name, _) = manifest.incrs.last().expect("one incremental file").clone();
        let file = Arc::new(open_append(&dir.join(name))?);
        let size = files_size(&dir, &manifest);
        Ok(Aof {
            dir,
            basename,
            manifest,
            file,
            pending: Vec::new(),
            selected_db: None,
            policy: Fsync::from_name(&cfg.appendfsync),
            unsynced: false,
            last_fsync: Instant::now(),
            last_write_ok: true,
            after_rewrite: None,
            current_size: size,
            base_size: size,
        })
    }

    /// A new log whose base is `ks` as it is (start-up with `appendonly yes` and no log).
    pub fn create_from(cfg: &NodeConfig, ks: &Keyspace) -> anyhow::Result<Aof> {
        let dir = aof_dir(cfg);
        std::fs::create_dir_all(&dir)?;
        let basename = &cfg.appendfilename;
        let base = format!("{basename}.1.base.rdb");
        super::write_snapshot(&dir.join(&base), ks, now_ms(), cfg.rdbchecksum, None)?;
        let manifest = Manifest {
            base: Some((base, 1)),
            incrs: vec![(format!("{basename}.1.incr.aof"), 1)],
        };
        File::create(dir.join(&manifest.incrs[0].0))?;
        save_manifest(&dir, basename, &manifest)?;
        Self::open_or_create(cfg)
    }

    pub fn set_policy(&mut self, name: &str) {
        self.policy = Fsync::from_name(name);
    }

    /// Writes what is pending; syncs with `appendfsync always` or when `sync` is asked.
    pub fn write_pending(&mut self, sync: bool) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            let result = (&*self.file).write_all(&self.pending);
            self.last_write_ok = result.is_ok();
            result?;
            self.current_size += self.pending.len() as u64;
            self.pending.clear();
            self.unsynced = true;
        }
        if self.unsynced && (sync || self.policy == Fsync::Always) {
            self.file.sync_data()?;
            self.unsynced = false;
            self.last_fsync = Instant::now();
        }
        Ok(())
    }

    /// Whether `appendfsync everysec` owes an fsync now.
    pub fn fsync_due(&self) -> bool {
        self.policy == Fsync::EverySec
            && self.unsynced
            && self.last_fsync.elapsed().as_millis() >= 1000
    }

    /// The file to fsync off the lock (`everysec`); counts as synced from now.
    pub fn fsync_handle(&mut self) -> Option<Arc<File>> {
        self.unsynced = false;
        self.last_fsync = Instant::now();
        Some(Arc::clone(&self.file))
    }

    /// Starts a rewrite: pending commands go to the current file, new ones to a new
    /// incremental file from now on (the manifest lists both until the rewrite ends).
    /// Returns the path the new base must be written to.
    pub fn start_rewrite(&mut self) -> std::io::Result<PathBuf> {
        self.write_pending(true)?;
        let next_incr = self
            .manifest
            .incrs
            .iter()
            .map(|(_, s)| *s)
            .max()
            .unwrap_or(0)
            + 1;
        let next_base = self.manifest.base.as_ref().map_or(0, |(_, s)| *s) + 1;
        let incr_name = format!("{}.{next_incr}.incr.aof", self.basename);
        let base_name = format!("{}.{next_base}.base.rdb", self.basename);
        let file = open_append(&self.dir.join(&incr_name))?;
        let mut during = self.manifest.clone();
        during.incrs.push((incr_name.clone(), next_incr));
        save_manifest(&self.dir, &self.basename, &during)?;
        self.after_rewrite = Some(Manifest {
            base: Some((base_name.clone(), next_base)),
            incrs: vec![(incr_name, next_incr)],
        });
        self.manifest = during;
        self.file = Arc::new(file);
        self.unsynced = false;
        self.selected_db = None;
        Ok(self.dir.join(base_name))
    }

    /// The new base is on disk: the manifest names it and the new incremental file
    /// only, and the files it replaced are deleted.
    pub fn finish_rewrite(&mut self) -> std::io::Result<()> {
        let Some(next) = self.after_rewrite.take() else {
            return Ok(());
        };
        save_manifest(&self.dir, &self.basename, &next)?;
        let old = std::mem::replace(&mut self.manifest, next);
        self.current_size = files_size(&self.dir, &self.manifest);
        self.base_size = self.current_size;
        for (name, _) in old.base.iter().chain(&old.incrs) {
            let keep = self.manifest.incrs.iter().any(|(n, _)| n == name)
                || self.manifest.base.as_ref().is_some_and(|(n, _)| n == name);
            if !keep {
                let _ = std::fs::remove_file(self.dir.join(name));
            }
        }
        Ok(())
    }

    /// The rewrite failed: the log keeps its old base, with both incremental files.
    pub fn abandon_rewrite(&mut self) {
        self.after_rewrite = None;
    }
}

fn files_size(dir: &Path, m: &Manifest) -> u64 {
    m.base
        .iter()
        .chain(&m.incrs)
        .filter_map(|(name, _)| std::fs::metadata(dir.join(name)).ok())
        .map(|md| md.len())
        .sum()
}

/// What loading found.
pub struct LoadReport {
    /// The warning for a truncated last command that was dropped.
    pub truncated: Option<String>,
}

/// Loads the log into `ks`: the base, then every incremental file in order. A last
/// command cut short in the last file is dropped (and the file truncated there) when
/// `aof-load-truncated` is on; anything else malformed stops the start, as in Redis.
///
/// `now` decides which keys have expired (0: none, for a replica).
pub fn load(
    shared: &Shared,
    ks: &mut Keyspace,
    cfg: &NodeConfig,
    now: u64,
) -> anyhow::Result<LoadReport> {
    let dir = aof_dir(cfg);
    let mpath = manifest_path(&dir, &cfg.appendfilename);
    let manifest = Manifest::parse(&std::fs::read_to_string(&mpath)?)
        .map_err(|e| anyhow::anyhow!("{}: {e}", mpath.display()))?;
    let mut report = LoadReport { truncated: None };
    if let Some((name, _)) = &manifest.base {
        let path = dir.join(name);
        let data =
            std::fs::read(&path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        if data.starts_with(b"REDIS") {
            crate::node::rdb::load_into(&data, ks, now, &shared.script_run)
                .map_err(|e| anyhow::anyhow!("loading {}: {}", path.display(), e.0))?;
        } else {
            replay(shared, ks, &path, false, cfg.aof_load_truncated, now)?;
        }
    }
    let last = manifest.incrs.len().saturating_sub(1);
    for (i, (name, _)) in manifest.incrs.iter().enumerate() {
        let path = dir.join(name);
        if let Some(w) = replay(shared, ks, &path, i == last, cfg.aof_load_truncated, now)? {
            report.truncated = Some(w);
        }
    }
    Ok(report)
}

/// Runs the commands of one file. Returns the warning when a truncated last command was
/// dropped.
fn replay(
    shared: &Shared,
    ks: &mut Keyspace,
    path: &Path,
    is_last: bool,
    truncated_ok: bool,
    now: u64,
) -> anyhow::Result<Option<String>> {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && is_last => return Ok(None),
        Err(e) => anyhow::bail!("reading {}: {e}", path.display()),
    };
    let total = data.len();
    let mut buf = BytesMut::from(&data[..]);
    let limits = RequestLimits {
        max_bulk: usize::MAX / 2,
        ..Default::default()
    };
    let mut client = ClientState::new(0, true);
    loop {
        let args = match parse_request(&mut buf, &limits) {
            Ok(Some(args)) => args,
            Ok(None) => break,
            Err(e) => anyhow::bail!(
                "Bad file format reading the append only file {} at byte {}: {}",
                path.display(),
                total - buf.len(),
                e.0
            ),
        };
        let Some(spec) = lookup(&args[0]) else {
            anyhow::bail!(
                "Unknown command '{}' reading the append only file {}",
                String::from_utf8_lossy(&args[0]),
                path.display()
            );
        };
        if !spec.arity_ok(args.len()) {
            anyhow::bail!("Bad arity reading the append only file {}", path.display());
        }
        let mut ctx = Ctx {
            ks: &mut *ks,
            now,
            shared,
            client: &mut client,
        };
        // Replaying writes: a follow-up (there is none for a write) has nothing to act on.
        let _ = (spec.handler)(&mut ctx, &args);
    }
    // The file's SELECTs chose databases for its commands only.
    ks.select(0);
    if buf.is_empty() {
        return Ok(None);
    }
    let valid = total - buf.len();
    if !(is_last && truncated_ok) {
        anyhow::bail!(
            "Unexpected end of file reading the append only file {} (aof-load-truncated is no, or it is not the last file)",
            path.display()
        );
    }
    OpenOptions::new()
        .write(true)
        .open(path)?
        .set_len(valid as u64)?;
    Ok(Some(format!(
        "!!! Warning: short read while loading the AOF file {}!!! AOF loaded anyway because aof-load-truncated is enabled; truncated to {valid} bytes",
        path.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trip_as_redis_writes_it() {
        let text = "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n";
        let m = Manifest::parse(text).unwrap();
        assert_eq!(m.base, Some(("appendonly.aof.1.base.rdb".into(), 1)));
        assert_eq!(m.incrs.len(), 2);
        assert_eq!(m.text(), text);
        assert!(Manifest::parse("").is_err());
        assert!(Manifest::parse("file x seq 1 type z\n").is_err());
    }
}
