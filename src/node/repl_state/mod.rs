//! The replication state: what the rest of the node holds ([`Replication`] lives in
//! [`crate::node::shared::Shared`]) and the replication tasks work on. Kept apart from
//! [`crate::node::replication`], whose tasks need the whole `Shared`, so that `shared`
//! and `replication` do not depend on each other: `shared` needs only this module.

pub mod backlog;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::{watch, Notify};
use tokio::task::AbortHandle;

use self::backlog::Backlog;
use crate::bus::driver::ClusterHandle;

/// A replica as its master sees it.
pub struct ReplicaInfo {
    pub ip: String,
    pub port: u16,
    /// Last offset the replica acknowledged.
    pub ack_offset: u64,
    pub ack_time: Instant,
}

/// The link state of a replica, as ROLE and INFO name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    Connecting,
    Sync,
    Connected,
}

/// This node's master, when it is a replica.
pub struct MasterLink {
    pub host: String,
    pub port: u16,
    pub state: LinkState,
    pub last_io: Instant,
    /// When the link went down (or was configured and never came up).
    pub down_since: Instant,
    /// Stops the link task when the master changes.
    pub task: Option<AbortHandle>,
}

/// What a connection that asked for PSYNC takes with it when it turns into a replica
/// feed (see [`master::serve`]).
pub struct Handoff {
    /// The snapshot to send first, for a full resync.
    pub rdb: Option<Vec<u8>>,
    /// The first stream offset to send after it.
    pub next: u64,
    /// Keys in the snapshot: `rdb-key-save-delay` paces its sending per key.
    pub keys: u64,
}

/// Whether a master's snapshot is being loaded (INFO persistence `loading` and
/// `async_loading`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loading {
    No = 0,
    /// The data is being replaced: commands without the `loading` flag get -LOADING.
    Blocking = 1,
    /// `repl-diskless-load swapdb`: the old data serves until the new data is complete.
    Async = 2,
}

pub struct ReplState {
    pub replid: String,
    /// The previous history's id, and the first offset that is not part of it, so that
    /// replicas of our old master can continue with us after a promotion.
    pub replid2: String,
    pub second_offset: Option<u64>,
    /// `master_repl_offset`: bytes of stream produced (master) or processed (replica).
    pub offset: u64,
    pub backlog: Option<Backlog>,
    pub replicas: BTreeMap<u64, ReplicaInfo>,
    pub master: Option<MasterLink>,
    /// `REPLCONF listening-port` of connections that have not sent PSYNC yet.
    pub listening_ports: HashMap<u64, u16>,
    pub handoffs: HashMap<u64, Handoff>,
    /// The database the stream's commands are for since its last `SELECT`. Cleared by a
    /// full resync and a promotion, as Redis re-emits SELECT then.
    pub stream_db: Option<usize>,
    /// When a PING was last fed to the stream (keeps replicas' data age fresh).
    pub last_ping: Instant,
}

pub struct Replication {
    pub state: Mutex<ReplState>,
    /// The stream offset, for replica feeds to wait on.
    pub offset_tx: watch::Sender<u64>,
    /// Fired when a replica acknowledges an offset (WAIT waits on it).
    pub acks: Notify,
    /// A backlog exists, so executed writes are fed to the stream.
    pub(crate) feeding: AtomicBool,
    /// This node is a replica: refuse client writes, no active expiry.
    pub(crate) replica: AtomicBool,
    /// Client writes wait until this Unix time in ms (manual failover).
    pub(crate) paused_until: AtomicU64,
    /// `CLIENT PAUSE`: clients' commands wait until this Unix time in ms (0: no pause),
    /// all of them or (`client_pause_all` false) only those that write.
    pub(crate) client_pause_until: AtomicU64,
    pub(crate) client_pause_all: AtomicBool,
    /// `repl-backlog-size`, for the backlog made when the first replica arrives.
    pub(crate) backlog_size: std::sync::atomic::AtomicUsize,
    pub(crate) bus: OnceLock<ClusterHandle>,
    /// A [`Loading`], as its number.
    pub(crate) loading: AtomicU8,
    /// Bumped by CLIENT KILL of the master link: the link drops what it has not applied
    /// and connects again (as Redis frees its master client).
    pub(crate) master_link_kills: AtomicU64,
    pub(crate) master_link_killed: Notify,
}

pub(crate) fn random_id() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..40)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect()
}

pub(crate) const NO_ID: &str = "0000000000000000000000000000000000000000";

impl Default for Replication {
    fn default() -> Self {
        Self::new()
    }
}

impl Replication {
    pub fn new() -> Replication {
        Self::with_backlog_size(backlog::DEFAULT_SIZE)
    }

    pub fn with_backlog_size(backlog_size: usize) -> Replication {
        Replication {
            backlog_size: std::sync::atomic::AtomicUsize::new(backlog_size.max(1)),
            state: Mutex::new(ReplState {
                replid: random_id(),
                replid2: NO_ID.into(),
                second_offset: None,
                offset: 0,
                backlog: None,
                replicas: BTreeMap::new(),
                master: None,
                listening_ports: HashMap::new(),
                handoffs: HashMap::new(),
                stream_db: None,
                last_ping: Instant::now(),
            }),
            offset_tx: watch::channel(0).0,
            acks: Notify::new(),
            feeding: AtomicBool::new(false),
            replica: AtomicBool::new(false),
            paused_until: AtomicU64::new(0),
            client_pause_until: AtomicU64::new(0),
            client_pause_all: AtomicBool::new(false),
            bus: OnceLock::new(),
            loading: AtomicU8::new(Loading::No as u8),
            master_link_kills: AtomicU64::new(0),
            master_link_killed: Notify::new(),
        }
    }

    /// CLIENT KILL of the master link (`TYPE master`, or its address): whether there was
    /// one. Called under the keyspace lock, so the link applies nothing more from the
    /// connection it had.
    pub fn kill_master_link(&self) -> bool {
        {
            let mut st = self.state.lock();
            let Some(m) = st.master.as_mut() else {
                return false;
            };
            // The link is down from now on, even if its task only sees the kill later
            // (a DEBUG SLEEP after the kill holds the node): the data ages from here.
            if m.state == LinkState::Connected {
                m.down_since = Instant::now();
            }
            m.state = LinkState::Connecting;
        }
        if let Some(bus) = self.bus() {
            bus.set_master_last_io(Some(crate::node::clock::now_ms()));
        }
        self.master_link_kills.fetch_add(1, Ordering::Relaxed);
        self.master_link_killed.notify_waiters();
        true
    }

    /// A replica whose master link is not up (connecting, syncing or down).
    pub fn master_link_down(&self) -> bool {
        self.is_replica()
            && self
                .state
                .lock()
                .master
                .as_ref()
                .is_none_or(|m| m.state != LinkState::Connected)
    }

    /// The master link's address as CLIENT KILL matches it (`host:port`), when linked.
    pub fn master_link_addr(&self) -> Option<String> {
        let st = self.state.lock();
        let m = st.master.as_ref()?;
        (m.state == LinkState::Connected).then(|| format!("{}:{}", m.host, m.port))
    }

    pub fn loading(&self) -> Loading {
        match self.loading.load(Ordering::Relaxed) {
            1 => Loading::Blocking,
            2 => Loading::Async,
            _ => Loading::No,
        }
    }

    pub fn set_loading(&self, state: Loading) {
        self.loading.store(state as u8, Ordering::Relaxed);
    }

    /// Lets replication report offsets and link health to the cluster bus (elections
    /// rank replicas by offset; a manual failover waits for the master's offset).
    pub fn set_bus(&self, bus: ClusterHandle) {
        let _ = self.bus.set(bus);
    }

    pub fn bus(&self) -> Option<&ClusterHandle> {
        self.bus.get()
    }

    /// Whether executed writes must be fed to the stream (cheap: checked per command).
    pub fn feeding(&self) -> bool {
        self.feeding.load(Ordering::Relaxed)
    }

    pub fn is_replica(&self) -> bool {
        self.replica.load(Ordering::Relaxed)
    }

    /// `min-replicas-to-write`: whether a master has at least `min` replicas whose last
    /// ACK is at most `max_lag` seconds old (whole seconds, as Redis counts). Replicas,
    /// and a 0 in either setting, always may write.
    pub fn enough_good_replicas(&self, min: u64, max_lag: u64) -> bool {
        if min == 0 || max_lag == 0 || self.is_replica() {
            return true;
        }
        let st = self.state.lock();
        let good = st
            .replicas
            .values()
            .filter(|r| r.ack_time.elapsed().as_secs() <= max_lag)
            .count();
        good as u64 >= min
    }

    /// `CLIENT PAUSE`: until `until` (Unix ms), all commands (`all`) or writes wait. A
    /// second pause extends the first and never narrows it, as in Redis.
    pub fn pause_clients(&self, until: u64, all: bool, now: u64) {
        let active = self.client_pause_until.load(Ordering::Relaxed) > now;
        let all = all || (active && self.client_pause_all.load(Ordering::Relaxed));
        let until = until.max(if active {
            self.client_pause_until.load(Ordering::Relaxed)
        } else {
            0
        });
        self.client_pause_all.store(all, Ordering::Relaxed);
        self.client_pause_until.store(until, Ordering::Relaxed);
    }

    /// `CLIENT UNPAUSE`.
    pub fn unpause_clients(&self) {
        self.client_pause_until.store(0, Ordering::Relaxed);
    }

    /// The CLIENT PAUSE in force now: `Some(true)` pauses every command, `Some(false)`
    /// only writes.
    pub fn client_pause(&self, now: u64) -> Option<bool> {
        (self.client_pause_until.load(Ordering::Relaxed) > now)
            .then(|| self.client_pause_all.load(Ordering::Relaxed))
    }

    /// Whether client writes must wait now (a manual failover is in progress).
    pub fn writes_paused(&self, now: u64) -> bool {
        let until = self.paused_until.load(Ordering::Relaxed);
        until != 0 && now < until
    }

    /// `CONFIG SET repl-backlog-size`: an existing backlog keeps its newest bytes.
    pub fn set_backlog_size(&self, size: usize) {
        let size = size.max(1);
        self.backlog_size.store(size, Ordering::Relaxed);
        if let Some(b) = self.state.lock().backlog.as_mut() {
            b.resize(size);
        }
    }

    /// Creates the backlog if there is none (the first replica arrives). The caller
    /// holds the keyspace lock, so no write slips between snapshot and stream.
    pub(crate) fn ensure_backlog(
        &self,
        st: &mut ReplState,
        ks: &mut crate::node::keyspace::Keyspace,
    ) {
        if st.backlog.is_none() {
            st.backlog = Some(Backlog::new(self.backlog_size.load(Ordering::Relaxed)));
        }
        if !self.is_replica() {
            ks.log_expired = true;
            self.feeding.store(true, Ordering::Relaxed);
        }
    }

    /// Appends raw stream bytes (the caller holds the state lock) and wakes the feeds.
    pub(crate) fn append(&self, st: &mut ReplState, data: &[u8]) {
        if let Some(b) = st.backlog.as_mut() {
            b.append(data);
        }
        st.offset += data.len() as u64;
        self.offset_tx.send_replace(st.offset);
    }

    /// Appends one data command of database `db`, preceded by `SELECT <db>` when the
    /// stream has not said so since the last full resync or since commands of another
    /// database (replicas of redis-server's kind expect one; PING and REPLCONF need none).
    pub(crate) fn append_command(&self, st: &mut ReplState, db: usize, cmd: &[u8]) {
        if st.stream_db != Some(db) {
            st.stream_db = Some(db);
            self.append(st, &encode(&[&b"SELECT"[..], db.to_string().as_bytes()]));
        }
        self.append(st, cmd);
    }

    /// Feeds `REPLCONF GETACK *` so replicas report their offset at once (WAIT).
    pub fn request_acks(&self) {
        let mut st = self.state.lock();
        if st.replicas.is_empty() || st.backlog.is_none() {
            return;
        }
        let cmd = encode(&[&b"REPLCONF"[..], b"GETACK", b"*"]);
        self.append(&mut st, &cmd);
    }

    /// Replicas that acknowledged at least `offset`.
    pub fn acked(&self, offset: u64) -> usize {
        self.state
            .lock()
            .replicas
            .values()
            .filter(|r| r.ack_offset >= offset)
            .count()
    }

    /// WAIT: until `want` replicas acknowledged `offset` or `timeout_ms` passes (0: no
    /// limit). Returns how many did.
    pub async fn wait_acks(&self, offset: u64, want: usize, timeout_ms: u64) -> usize {
        let deadline = (timeout_ms > 0)
            .then(|| tokio::time::Instant::now() + Duration::from_millis(timeout_ms));
        loop {
            let notified = self.acks.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let n = self.acked(offset);
            if n >= want {
                return n;
            }
            match deadline {
                Some(d) => {
                    if tokio::time::timeout_at(d, notified).await.is_err() {
                        return self.acked(offset);
                    }
                }
                None => notified.await,
            }
        }
    }

    /// The body of INFO's replication section, as Redis 7.0 prints it.
    pub fn info_text(&self) -> String {
        use std::fmt::Write;
        let st = self.state.lock();
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push_str("\r\n");
        };
        match &st.master {
            Some(m) => {
                line("role:slave".into());
                line(format!("master_host:{}", m.host));
                line(format!("master_port:{}", m.port));
                let up = m.state == LinkState::Connected;
                line(format!(
                    "master_link_status:{}",
                    if up { "up" } else { "down" }
                ));
                let io = if up {
                    m.last_io.elapsed().as_secs() as i64
                } else {
                    -1
                };
                line(format!("master_last_io_seconds_ago:{io}"));
                line(format!(
                    "master_sync_in_progress:{}",
                    (m.state == LinkState::Sync) as u8
                ));
                line(format!("slave_read_repl_offset:{}", st.offset));
                line(format!("slave_repl_offset:{}", st.offset));
                if !up {
                    line(format!(
                        "master_link_down_since_seconds:{}",
                        m.down_since.elapsed().as_secs()
                    ));
                }
                line("slave_priority:100".into());
                line("slave_read_only:1".into());
                line("replica_announced:1".into());
            }
            None => line("role:master".into()),
        }
        line(format!("connected_slaves:{}", st.replicas.len()));
        for (i, r) in st.replicas.values().enumerate() {
            line(format!(
                "slave{i}:ip={},port={},state=online,offset={},lag={}",
                r.ip,
                r.port,
                r.ack_offset,
                r.ack_time.elapsed().as_secs()
            ));
        }
        line("master_failover_state:no-failover".into());
        line(format!("master_replid:{}", st.replid));
        line(format!("master_replid2:{}", st.replid2));
        line(format!("master_repl_offset:{}", st.offset));
        line(format!(
            "second_repl_offset:{}",
            st.second_offset.map_or(-1, |o| o as i64)
        ));
        let (active, size, first, hist) = match &st.backlog {
            Some(b) => (1, b.size(), b.first_offset(st.offset), b.histlen()),
            None => (0, backlog::DEFAULT_SIZE, 0, 0),
        };
        line(format!("repl_backlog_active:{active}"));
        line(format!("repl_backlog_size:{size}"));
        line(format!("repl_backlog_first_byte_offset:{first}"));
        let _ = write!(out, "repl_backlog_histlen:{hist}\r\n");
        out
    }
}

/// A command as the stream carries it: a RESP array of bulk strings.
pub fn encode<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(16 + args.iter().map(|a| a.as_ref().len() + 16).sum::<usize>());
    out.push(b'*');
    out.extend_from_slice(args.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in args {
        let a = a.as_ref();
        out.push(b'$');
        out.extend_from_slice(a.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}
