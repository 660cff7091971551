//! The thin tokio host of a [`ClusterCore`]: it owns the bus listener, one task per link
//! (framing with the codec), the 100 ms cron timer, and executes the core's effects
//! (sends, connects, closes, nodes.conf saves). The server talks to it through a
//! cloneable [`ClusterHandle`]: CLUSTER commands and routing queries are synchronous calls
//! on a mutex-protected core, so the server never awaits the bus.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::cluster_command::BusCommand;
use super::codec::{self, FrameReader};
use super::core::{
    ClusterCore, ClusterReply, CmdError, CoreConfig, Effect, KeyspaceInfo, LinkId, LogLevel,
    SlotRoute,
};
use super::nodes_conf;

/// Unix time in milliseconds: the clock the core runs on (gossip carries its seconds).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// How the driver is started.
#[derive(Clone, Debug)]
pub struct DriverConfig {
    /// Address the bus listener binds (the node's `bind`).
    pub bind_ip: String,
    pub core: CoreConfig,
    /// nodes.conf path (`dir` + `cluster-config-file`).
    pub config_file: PathBuf,
    /// RNG seed (it makes the node's name); `None` takes one from the OS.
    pub seed: Option<u64>,
    /// Lowest level of the core's log lines that reach the server (`None`: none).
    pub log_level: Option<LogLevel>,
    /// `cluster-link-sendbuf-limit` in bytes (0: no limit).
    pub link_sendbuf_limit: u64,
}

/// What the bus asks of the rest of the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterEvent {
    /// A newer configuration took these slots from us: delete their keys.
    DeleteKeysInSlots(Vec<u16>),
    /// Slots that left the shard this node serves: unsubscribe their shard channels.
    ShardChannelsLeft(Vec<u16>),
    /// A PUBLISH received on the bus.
    Publish {
        channel: Vec<u8>,
        message: Vec<u8>,
        shard: bool,
    },
    /// Replicate from this master (`None`: stop replicating).
    ReplicateFrom(Option<(String, u16)>),
    /// Pause client writes until this Unix time in ms (`None`: resume).
    PauseWrites { until: Option<u64> },
    /// A line for the server's log.
    Log(LogLevel, String),
}

/// The sending end of a link's queue, with the bytes queued and not yet written.
struct LinkTx {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    queued: Arc<AtomicUsize>,
}

/// The link task's end of the queue.
struct LinkRx {
    rx: mpsc::UnboundedReceiver<Vec<u8>>,
    queued: Arc<AtomicUsize>,
}

fn link_queue() -> (LinkTx, LinkRx) {
    let (tx, rx) = mpsc::unbounded_channel();
    let queued = Arc::new(AtomicUsize::new(0));
    (
        LinkTx {
            tx,
            queued: Arc::clone(&queued),
        },
        LinkRx { rx, queued },
    )
}

struct State {
    core: ClusterCore,
    links: HashMap<LinkId, LinkTx>,
    /// `cluster-link-sendbuf-limit`: a link with more bytes queued is dropped (0: none).
    sendbuf_limit: u64,
    /// Lowest level of the core's log lines that reach the server (`None`: none).
    log_level: Option<LogLevel>,
    /// The last nodes.conf version handed to the writer.
    saved_version: u64,
}

/// Lock-free answers to the questions asked once per client command: is this slot served
/// here with no migration going on, and is the cluster ok. Refreshed after every input,
/// so a command never waits for the bus.
struct FastRoutes {
    ok: AtomicBool,
    stable: Vec<AtomicU64>,
}

impl FastRoutes {
    fn new() -> FastRoutes {
        FastRoutes {
            ok: AtomicBool::new(false),
            stable: (0..256).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn refresh(&self, core: &ClusterCore) {
        let bitmap = core.stable_slots().to_bitmap();
        for (word, bytes) in self.stable.iter().zip(bitmap.chunks_exact(8)) {
            let value = u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
            word.store(value, Ordering::Release);
        }
        self.ok.store(core.state_ok(), Ordering::Release);
    }

    fn is_stable(&self, slot: u16) -> bool {
        let word = self.stable[(slot as usize / 64) % 256].load(Ordering::Acquire);
        word & (1 << (slot % 64)) != 0
    }
}

struct Shared {
    state: Mutex<State>,
    fast: FastRoutes,
    /// Saves nodes.conf off the state lock.
    writer: nodes_conf::Writer,
    /// The replication offset, written by replication without the state lock and
    /// copied into the core whenever the lock is taken.
    repl_offset: AtomicU64,
    events: mpsc::UnboundedSender<ClusterEvent>,
    runtime: tokio::runtime::Handle,
    tasks: Mutex<Vec<AbortHandle>>,
}

/// A cloneable handle on the running bus.
#[derive(Clone)]
pub struct ClusterHandle {
    shared: Arc<Shared>,
}

/// Starts the bus: loads or creates nodes.conf, binds the bus port, spawns the listener
/// and the cron. Returns the handle and the stream of [`ClusterEvent`]s.
pub async fn start(
    cfg: DriverConfig,
) -> anyhow::Result<(ClusterHandle, mpsc::UnboundedReceiver<ClusterEvent>)> {
    let now = now_ms();
    // The seed makes the node's name: it must differ between nodes started in the same
    // millisecond, even in one process, so it comes from the OS.
    let seed = cfg.seed.unwrap_or_else(rand::random);
    let core = match nodes_conf::load(&cfg.config_file)? {
        Some(conf) => ClusterCore::restore(
            cfg.core.clone(),
            seed,
            now,
            &conf.nodes,
            conf.current_epoch,
            conf.last_vote_epoch,
        )
        .map_err(|e| anyhow::anyhow!("{}: {e}", cfg.config_file.display()))?,
        None => ClusterCore::new(cfg.core.clone(), seed, now),
    };
    let listener = TcpListener::bind((cfg.bind_ip.as_str(), cfg.core.cport))
        .await
        .with_context(|| {
            format!(
                "binding the cluster bus port {}:{}",
                cfg.bind_ip, cfg.core.cport
            )
        })?;
    let (events, events_rx) = mpsc::unbounded_channel();
    let handle = ClusterHandle {
        shared: Arc::new_cyclic(|me: &std::sync::Weak<Shared>| {
            let me = me.clone();
            let errors = events.clone();
            // The writer renders the text under the state lock (CPU only; the file is
            // written after the lock is released).
            let render = move || {
                let shared = me.upgrade()?;
                let st = shared.state.lock().unwrap_or_else(|p| p.into_inner());
                Some(st.core.nodes_conf_text())
            };
            let writer = nodes_conf::Writer::start(cfg.config_file.clone(), render, move |e| {
                let _ = errors.send(ClusterEvent::Log(LogLevel::Warning, e));
            });
            Shared {
                state: Mutex::new(State {
                    core,
                    links: HashMap::new(),
                    log_level: cfg.log_level,
                    saved_version: 0,
                    sendbuf_limit: cfg.link_sendbuf_limit,
                }),
                fast: FastRoutes::new(),
                writer,
                repl_offset: AtomicU64::new(0),
                events,
                runtime: tokio::runtime::Handle::current(),
                tasks: Mutex::new(Vec::new()),
            }
        }),
    };
    // Redis saves the configuration right after loading or creating it.
    {
        let mut st = handle.lock();
        let effects = st.core.drain_effects();
        handle.apply(&mut st, effects);
    }
    let accept = {
        let h = handle.clone();
        tokio::spawn(async move { h.accept_loop(listener).await })
    };
    let cron = {
        let h = handle.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(100));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                h.input(|core, now| core.tick(now));
            }
        })
    };
    handle
        .shared
        .tasks
        .lock()
        .unwrap()
        .extend([accept.abort_handle(), cron.abort_handle()]);
    Ok((handle, events_rx))
}

impl ClusterHandle {
    fn lock(&self) -> MutexGuard<'_, State> {
        let mut st = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
        let offset = self.shared.repl_offset.load(Ordering::Relaxed);
        st.core.set_repl_offset(offset);
        st
    }

    /// Feeds one input to the core and executes what it asks for.
    fn input<T>(&self, f: impl FnOnce(&mut ClusterCore, u64) -> T) -> T {
        let mut st = self.lock();
        let out = f(&mut st.core, now_ms());
        let effects = st.core.drain_effects();
        self.apply(&mut st, effects);
        out
    }

    /// Executes effects. Runs under the state lock, so effects apply in order.
    fn apply(&self, st: &mut State, effects: Vec<Effect>) {
        self.shared.fast.refresh(&st.core);
        let mut over_limit = Vec::new();
        for effect in effects {
            match effect {
                Effect::Send { link, msg } => {
                    if let Some(l) = st.links.get(&link) {
                        let bytes = codec::encode(&msg);
                        let queued =
                            l.queued.fetch_add(bytes.len(), Ordering::Relaxed) + bytes.len();
                        if st.sendbuf_limit > 0 && queued as u64 > st.sendbuf_limit {
                            over_limit.push(link);
                        } else {
                            let _ = l.tx.send(bytes);
                        }
                    }
                }
                Effect::Connect { link, ip, cport } => {
                    let (tx, rx) = link_queue();
                    st.links.insert(link, tx);
                    let h = self.clone();
                    let timeout = Duration::from_millis(st.core.config().node_timeout_ms.max(1000));
                    self.shared.runtime.spawn(async move {
                        h.outbound(link, ip, cport, rx, timeout).await;
                    });
                }
                Effect::Close { link } => {
                    // Dropping the sender ends the link's task, which closes the socket.
                    st.links.remove(&link);
                }
                Effect::SaveConfig { fsync } => {
                    st.saved_version = self.shared.writer.submit(fsync);
                }
                Effect::DeleteKeysInSlots(slots) => {
                    self.event(ClusterEvent::DeleteKeysInSlots(slots))
                }
                Effect::ShardChannelsLeft(slots) => {
                    self.event(ClusterEvent::ShardChannelsLeft(slots))
                }
                Effect::Publish {
                    channel,
                    message,
                    shard,
                } => self.event(ClusterEvent::Publish {
                    channel,
                    message,
                    shard,
                }),
                Effect::ReplicateFrom(m) => self.event(ClusterEvent::ReplicateFrom(m)),
                Effect::PauseWrites { until } => self.event(ClusterEvent::PauseWrites { until }),
                Effect::Log { level, text } => {
                    if st.log_level.is_some_and(|min| level >= min) {
                        self.event(ClusterEvent::Log(level, text));
                    }
                }
            }
        }
        // As Redis does, a link whose peer does not read fast enough is freed (the core
        // reconnects it) rather than let its queue grow without bound.
        for link in over_limit {
            if st.links.remove(&link).is_some() {
                self.event(ClusterEvent::Log(
                    LogLevel::Warning,
                    format!(
                        "Freeing cluster link: its send buffer exceeded cluster-link-sendbuf-limit ({} bytes)",
                        st.sendbuf_limit
                    ),
                ));
                st.core.link_over_sendbuf_limit(now_ms(), link);
                let effects = st.core.drain_effects();
                self.apply(st, effects);
            }
        }
    }

    fn event(&self, e: ClusterEvent) {
        let _ = self.shared.events.send(e);
    }

    async fn accept_loop(self, listener: TcpListener) {
        loop {
            let Ok((stream, peer)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            let _ = stream.set_nodelay(true);
            let local = stream.local_addr().map(|a| ip_text(&a)).unwrap_or_default();
            let (tx, rx) = link_queue();
            let link = {
                let mut st = self.lock();
                let link = st.core.accept_link(now_ms(), &ip_text(&peer), &local);
                st.links.insert(link, tx);
                link
            };
            let h = self.clone();
            tokio::spawn(async move { h.run_link(link, stream, rx).await });
        }
    }

    async fn outbound(self, link: LinkId, ip: String, cport: u16, rx: LinkRx, timeout: Duration) {
        let connected =
            tokio::time::timeout(timeout, TcpStream::connect((ip.as_str(), cport))).await;
        match connected {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                let local = stream.local_addr().map(|a| ip_text(&a)).unwrap_or_default();
                self.input(|core, now| core.link_connected(now, link, &local));
                self.run_link(link, stream, rx).await;
            }
            _ => self.closed(link),
        }
    }

    /// Reads frames and writes queued messages until either side ends.
    async fn run_link(self, link: LinkId, mut stream: TcpStream, mut rx: LinkRx) {
        let mut reader = FrameReader::new();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            tokio::select! {
                read = stream.read(&mut buf) => {
                    let n = match read {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    reader.extend(&buf[..n]);
                    loop {
                        match reader.next_frame() {
                            Ok(Some(frame)) => match codec::decode(&frame) {
                                Ok(msg) => self.input(|core, now| core.handle_message(now, link, msg)),
                                Err(e) => self.input(|core, now| core.bad_message(now, link, &e.to_string())),
                            },
                            Ok(None) => break,
                            Err(e) => {
                                self.event(ClusterEvent::Log(LogLevel::Warning, format!("{e}: dropping link")));
                                self.closed(link);
                                return;
                            }
                        }
                    }
                }
                out = rx.rx.recv() => match out {
                    Some(bytes) => {
                        if stream.write_all(&bytes).await.is_err() {
                            break;
                        }
                        rx.queued.fetch_sub(bytes.len(), Ordering::Relaxed);
                    }
                    // The core closed the link.
                    None => return,
                },
            }
        }
        self.closed(link);
    }

    /// The link ended on its own: tell the core, unless it closed the link itself.
    fn closed(&self, link: LinkId) {
        let mut st = self.lock();
        if st.links.remove(&link).is_some() {
            st.core.link_closed(now_ms(), link);
            let effects = st.core.drain_effects();
            self.apply(&mut st, effects);
        }
    }

    /// Runs a parsed CLUSTER subcommand that concerns the bus.
    pub fn execute(
        &self,
        cmd: BusCommand,
        keys: &dyn KeyspaceInfo,
    ) -> Result<ClusterReply, CmdError> {
        let (reply, version) = self.execute_unsaved(cmd, keys);
        // As in Redis, a CLUSTER command replies once the change it made is on disk.
        if let Some(version) = version {
            self.wait_saved(version);
        }
        reply
    }

    /// [`Self::execute`] without waiting for the disk: also returns the nodes.conf version
    /// that must be saved before the reply goes out ([`Self::wait_saved`]). The node waits
    /// once per batch of pipelined commands, off its event loop, as Redis saves once per
    /// event-loop turn: waiting for every SETSLOT of a pipeline of hundreds, on the
    /// thread that also answers the bus, froze the node for seconds and got it failed over.
    pub fn execute_unsaved(
        &self,
        cmd: BusCommand,
        keys: &dyn KeyspaceInfo,
    ) -> (Result<ClusterReply, CmdError>, Option<u64>) {
        self.input_saving(|core, now| core.execute(now, cmd, keys))
    }

    /// Blocks until nodes.conf `version` (or a later one) is on disk.
    pub fn wait_saved(&self, version: u64) {
        self.shared.writer.wait(version);
    }

    /// [`Self::input`], also returning the nodes.conf version it queued, if any.
    fn input_saving<T>(&self, f: impl FnOnce(&mut ClusterCore, u64) -> T) -> (T, Option<u64>) {
        let mut st = self.lock();
        let before = st.saved_version;
        let out = f(&mut st.core, now_ms());
        let effects = st.core.drain_effects();
        self.apply(&mut st, effects);
        let version = (st.saved_version != before).then_some(st.saved_version);
        (out, version)
    }

    /// New settings from CONFIG SET (timeouts, announced addresses, failover rules, log
    /// level); see [`ClusterCore::reconfigure`].
    pub fn reconfigure(&self, core: CoreConfig, log_level: Option<LogLevel>, sendbuf_limit: u64) {
        self.input(|c, _| c.reconfigure(core));
        let mut st = self.lock();
        st.log_level = log_level;
        st.sendbuf_limit = sendbuf_limit;
    }

    /// Where a slot is served, for MOVED/ASK decisions (see
    /// [`super::core::decide_route`]).
    pub fn route(&self, slot: u16) -> SlotRoute {
        if self.shared.fast.is_stable(slot) {
            return SlotRoute::Mine;
        }
        self.lock().core.route(slot)
    }

    /// `DEBUG DROP-CLUSTER-PACKET-FILTER`.
    pub fn set_drop_packet_filter(&self, kind: Option<u16>) {
        self.input(|core, _| core.set_drop_packet_filter(kind));
    }

    /// Propagates a PUBLISH (`shard`: SPUBLISH, to my shard only) to the cluster.
    pub fn publish(&self, channel: &[u8], message: &[u8], shard: bool) {
        self.input(|core, now| core.publish(now, channel, message, shard));
    }

    /// Whether `cluster_state` is ok.
    pub fn state_ok(&self) -> bool {
        self.shared.fast.ok.load(Ordering::Acquire)
    }

    /// CLUSTER INFO text (also INFO's cluster section needs only `cluster_enabled:1`).
    pub fn cluster_info_text(&self) -> String {
        self.lock().core.info_text()
    }

    /// CLUSTER NODES text.
    pub fn nodes_text(&self) -> String {
        self.lock().core.nodes_text()
    }

    /// CLUSTER MYID.
    pub fn myid(&self) -> String {
        self.lock().core.myself().to_string()
    }

    /// Read access to the core for anything else.
    pub fn with_core<T>(&self, f: impl FnOnce(&ClusterCore) -> T) -> T {
        f(&self.lock().core)
    }

    /// Sets the replication offset sent in every header.
    pub fn set_repl_offset(&self, offset: u64) {
        self.shared.repl_offset.store(offset, Ordering::Relaxed);
    }

    /// Client writes are paused for a manual failover; `offset` is final.
    pub fn writes_paused(&self, offset: u64) {
        self.input(|core, now| core.writes_paused(now, offset));
    }

    /// Replicas: when data last came from the master (`None`: never, or link down).
    pub fn set_master_last_io(&self, last_io_ms: Option<u64>) {
        self.lock().core.set_master_last_io(last_io_ms);
    }

    /// Stops the listener, the cron and every link, after a last nodes.conf save.
    pub fn shutdown(&self) {
        for task in self.shared.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
        let mut st = self.lock();
        st.links.clear();
        let contents = st.core.nodes_conf_text();
        drop(st);
        if let Err(e) = self.shared.writer.finish(&contents) {
            self.event(ClusterEvent::Log(LogLevel::Warning, format!("{e:#}")));
        }
    }
}

/// An IP as Redis prints it (no brackets, IPv4-mapped IPv6 unwrapped).
fn ip_text(addr: &SocketAddr) -> String {
    match addr.ip() {
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        },
        ip => ip.to_string(),
    }
}
