//! nodes.conf in Redis's format: one CLUSTER NODES line per node (ours flagged `myself`),
//! then `vars currentEpoch N lastVoteEpoch N`. Saved atomically — temporary file in the
//! same directory, fsync, rename — so a crash leaves either the old or the new file.
//! [`Writer`] saves on its own thread, so the bus never waits for the disk under its lock.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use anyhow::{bail, Context};

use crate::model::{ClusterNode, OpenSlot};

/// A parsed nodes.conf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodesConf {
    pub nodes: Vec<ClusterNode>,
    pub current_epoch: u64,
    pub last_vote_epoch: u64,
}

/// Parses nodes.conf text (`clusterLoadConfig`): blank lines (Redis pads the file with
/// newlines when it shrinks) are skipped; unknown vars are ignored.
pub fn parse(text: &str) -> anyhow::Result<NodesConf> {
    let mut conf = NodesConf {
        nodes: Vec::new(),
        current_epoch: 0,
        last_vote_epoch: 0,
    };
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words[0].eq_ignore_ascii_case("vars") {
            if words.len().is_multiple_of(2) {
                bail!("line {}: vars needs name value pairs", i + 1);
            }
            for pair in words[1..].chunks(2) {
                let value = || {
                    pair[1]
                        .parse::<u64>()
                        .with_context(|| format!("line {}: bad {}", i + 1, pair[0]))
                };
                if pair[0].eq_ignore_ascii_case("currentEpoch") {
                    conf.current_epoch = value()?;
                } else if pair[0].eq_ignore_ascii_case("lastVoteEpoch") {
                    conf.last_vote_epoch = value()?;
                }
            }
            continue;
        }
        let mut node: ClusterNode = line
            .parse()
            .map_err(|e: String| anyhow::anyhow!("line {}: {e}", i + 1))?;
        // Open slots are only meaningful on our own line.
        if !node.flags.myself {
            node.migrating = Vec::<OpenSlot>::new();
            node.importing = Vec::new();
        }
        conf.nodes.push(node);
    }
    if !conf.nodes.iter().any(|n| n.flags.myself) {
        bail!("no node is flagged myself");
    }
    Ok(conf)
}

/// Loads nodes.conf; `Ok(None)` when the file does not exist (a new node).
pub fn load(path: &Path) -> anyhow::Result<Option<NodesConf>> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => Ok(None),
        Ok(text) => parse(&text)
            .with_context(|| format!("loading the cluster config {}", path.display()))
            .map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Writes `contents` to `path` atomically: a temporary file beside it, written and
/// fsync'd (when asked), then renamed over the old one; the directory is synced too.
pub fn save(path: &Path, contents: &str, fsync: bool) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let write = || -> std::io::Result<()> {
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(contents.as_bytes())?;
        if fsync {
            tmp.as_file().sync_all()?;
        }
        tmp.persist(path).map_err(|e| e.error)?;
        if fsync {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    };
    write().with_context(|| format!("saving the cluster config {}", path.display()))
}

/// What the writer thread has to do.
#[derive(Default)]
struct Queue {
    /// A save is due (however many were asked for since the last one), and whether any
    /// of them asked for an fsync.
    pending: Option<bool>,
    /// Versions: the last one submitted and the last one on disk.
    submitted: u64,
    written: u64,
    stopped: bool,
}

struct WriterShared {
    path: PathBuf,
    /// Renders the contents to save, at the time of the save: a burst of changes (a
    /// pipeline of SETSLOTs) costs one rendering, not one per change, which at hundreds of
    /// open slots was most of the node's time. `None` once there is nothing to save.
    render: Box<dyn Fn() -> Option<String> + Send + Sync>,
    queue: Mutex<Queue>,
    /// Signalled when work arrives and when a version is written.
    changed: Condvar,
    /// Held for every save, so the last one at shutdown cannot be overtaken.
    disk: Mutex<()>,
}

/// Saves nodes.conf on a dedicated thread: [`Writer::submit`] only marks a save as due,
/// so the caller may hold any lock (the thread renders the contents when it writes, and
/// may take the caller's lock for that); [`Writer::wait`] waits until a version is on
/// disk (CLUSTER commands reply only once their change is saved, as in Redis).
#[derive(Clone)]
pub struct Writer {
    shared: Arc<WriterShared>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Writer {
    /// Starts the thread; `render` gives the contents to save, `on_error` hears about
    /// failed saves.
    pub fn start(
        path: PathBuf,
        render: impl Fn() -> Option<String> + Send + Sync + 'static,
        on_error: impl Fn(String) + Send + 'static,
    ) -> Writer {
        let shared = Arc::new(WriterShared {
            path,
            render: Box::new(render),
            queue: Mutex::new(Queue::default()),
            changed: Condvar::new(),
            disk: Mutex::new(()),
        });
        let worker = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("nodes-conf".into())
            .spawn(move || loop {
                {
                    let mut q = lock(&worker.queue);
                    while q.pending.is_none() && !q.stopped {
                        q = worker.changed.wait(q).unwrap_or_else(|p| p.into_inner());
                    }
                    if q.stopped {
                        return;
                    }
                }
                let _disk = lock(&worker.disk);
                let (job, version) = {
                    let mut q = lock(&worker.queue);
                    if q.stopped {
                        return;
                    }
                    (q.pending.take(), q.submitted)
                };
                let Some(fsync) = job else {
                    continue;
                };
                // Rendered after taking the job: whatever changes after this point asks
                // for a later version, so a version is never marked written too early.
                let Some(contents) = (worker.render)() else {
                    lock(&worker.queue).written = version;
                    worker.changed.notify_all();
                    continue;
                };
                if let Err(e) = save(&worker.path, &contents, fsync) {
                    on_error(format!("{e:#}"));
                }
                lock(&worker.queue).written = version;
                worker.changed.notify_all();
            })
            .expect("starting the nodes.conf writer");
        Writer { shared }
    }

    /// Asks for a save of the contents as they are now or later; returns its version
    /// for [`Writer::wait`].
    pub fn submit(&self, fsync: bool) -> u64 {
        let mut q = lock(&self.shared.queue);
        let fsync = fsync || q.pending.unwrap_or(false);
        q.pending = Some(fsync);
        q.submitted += 1;
        self.shared.changed.notify_all();
        q.submitted
    }

    /// Waits until `version` (or a later one) is on disk, or the writer stopped.
    pub fn wait(&self, version: u64) {
        let mut q = lock(&self.shared.queue);
        while q.written < version && !q.stopped {
            q = self
                .shared
                .changed
                .wait(q)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Stops the thread and saves `contents` last, synchronously.
    pub fn finish(&self, contents: &str) -> anyhow::Result<()> {
        {
            let mut q = lock(&self.shared.queue);
            q.stopped = true;
            q.pending = None;
            self.shared.changed.notify_all();
        }
        let _disk = lock(&self.shared.disk);
        save(&self.shared.path, contents, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460 [5461-<-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5461-10922
07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,host-4 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 1 disconnected
vars currentEpoch 6 lastVoteEpoch 4


";

    #[test]
    fn parses_redis_nodes_conf() {
        let conf = parse(TEXT).unwrap();
        assert_eq!(conf.nodes.len(), 3);
        assert_eq!((conf.current_epoch, conf.last_vote_epoch), (6, 4));
        assert!(conf.nodes[0].flags.myself);
        assert_eq!(conf.nodes[0].importing.len(), 1);
        assert_eq!(conf.nodes[2].addr.hostname.as_deref(), Some("host-4"));
        assert!(parse("vars currentEpoch 1 lastVoteEpoch 0\n").is_err());
        assert!(parse("garbage line\n").is_err());
        assert!(parse(&TEXT.replace("myself,", "")).is_err());
    }

    #[test]
    fn save_is_atomic_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nodes.conf");
        assert_eq!(load(&path).unwrap(), None);
        save(&path, TEXT, true).unwrap();
        save(&path, TEXT, false).unwrap();
        assert_eq!(load(&path).unwrap().unwrap(), parse(TEXT).unwrap());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }

    #[test]
    fn writer_saves_the_latest_off_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nodes.conf");
        let errors = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&errors);
        let current = Arc::new(Mutex::new(String::from("old")));
        let renders = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let w = {
            let (current, renders) = (Arc::clone(&current), Arc::clone(&renders));
            Writer::start(
                path.clone(),
                move || {
                    renders.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    Some(current.lock().unwrap().clone())
                },
                move |e| seen.lock().unwrap().push(e),
            )
        };
        *current.lock().unwrap() = TEXT.into();
        let v = (0..100).fold(0, |_, _| w.submit(false));
        w.wait(v);
        assert_eq!(load(&path).unwrap().unwrap(), parse(TEXT).unwrap());
        let renders = renders.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            renders < 100,
            "one rendering per save, not per request: {renders}"
        );
        *current.lock().unwrap() = "never written".into();
        w.submit(true);
        w.finish(TEXT).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), TEXT);
        assert!(errors.lock().unwrap().is_empty());
    }
}
