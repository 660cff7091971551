//! State every connection shares: the keyspace behind one mutex (held once per pipelined
//! batch, which is cheaper than locking per command and makes MULTI/EXEC and multi-key
//! commands atomic for free), the configuration, counters for INFO, the client registry
//! and the shutdown signal.
//!
//! Lock order. Take the node's locks in this order and never the reverse; a lock further
//! down is never held while taking one above it:
//!
//! 1. [`Shared::keyspace`]: the outermost, held for a batch of commands (or a script).
//!    What must not wait behind a busy script (periodic tasks, a blocked client's tick)
//!    only `try_lock`s it.
//! 2. `Replication::state` ([`crate::node::repl_state`]): under the keyspace (PSYNC's
//!    snapshot, becoming a replica, pausing writes, the ping cron).
//! 3. The bus driver's state lock (`bus::driver`): under the keyspace while routing or
//!    CLUSTER commands look at keys; never held across I/O.
//! 4. Leaf locks, held briefly and never while taking another: `config` (CONFIG SET
//!    writes it under the keyspace; its hooks run after it is released), `clients`,
//!    `pubsub`, `scripting`, `config_hooks`, persistence's append-only file writer.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Instant;

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use tokio::sync::broadcast;

use super::cluster_seam::{ClusterRouter, Standalone};
use super::config::{NodeConfig, Notify};
use super::keyspace::Keyspace;

/// INFO commandstats counters of one command.
#[derive(Default)]
pub struct CommandStat {
    pub calls: AtomicU64,
    pub usec: AtomicU64,
    /// Refused before running (arity, auth, routing, OOM, read-only replica).
    pub rejected: AtomicU64,
    /// Ran and answered an error.
    pub failed: AtomicU64,
}

#[derive(Default)]
pub struct Stats {
    /// One entry per command of the table, by [`CommandSpec::index`].
    ///
    /// [`CommandSpec::index`]: super::cmd::CommandSpec::index
    pub commands: Box<[CommandStat]>,
    pub connections_received: AtomicU64,
    pub commands_processed: AtomicU64,
    pub rejected_connections: AtomicU64,
    pub net_input_bytes: AtomicU64,
    pub net_output_bytes: AtomicU64,
    pub connected_clients: AtomicUsize,
    /// Error replies sent, in all and by their code (INFO errorstats).
    pub total_error_replies: AtomicU64,
    /// A leaf lock: taken briefly, never while taking another.
    pub errors: Mutex<BTreeMap<Vec<u8>, u64>>,
}

impl Stats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The counters of a command.
    pub fn command(&self, spec: &super::cmd::CommandSpec) -> Option<&CommandStat> {
        self.commands.get(spec.index())
    }

    /// An error reply went to a client: counted under its code, the first word of the
    /// text when a space ends it within 32 bytes (as Redis finds it), else under ERR.
    pub fn error_reply(&self, reply: &super::resp::Frame) {
        let super::resp::Frame::Error(text) = reply else {
            return;
        };
        Stats::add(&self.total_error_replies, 1);
        let head = &text[..text.len().min(31)];
        let code = match head.iter().position(|&b| b == b' ') {
            Some(end) => &text[..end],
            None => &b"ERR"[..],
        };
        *self.errors.lock().entry(code.to_vec()).or_default() += 1;
    }

    /// CONFIG RESETSTAT: every counter but the connected clients starts again from zero.
    pub fn reset(&self) {
        for c in self.commands.iter() {
            for counter in [&c.calls, &c.usec, &c.rejected, &c.failed] {
                counter.store(0, Ordering::Relaxed);
            }
        }
        for counter in [
            &self.connections_received,
            &self.commands_processed,
            &self.rejected_connections,
            &self.net_input_bytes,
            &self.net_output_bytes,
            &self.total_error_replies,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
        self.errors.lock().clear();
    }

    /// A command refused before it ran.
    pub fn rejected(&self, spec: &super::cmd::CommandSpec) {
        if let Some(c) = self.command(spec) {
            Stats::add(&c.rejected, 1);
        }
    }
}

/// What CLIENT LIST shows about a connection, and how to kill it.
pub struct ClientEntry {
    pub addr: String,
    pub laddr: String,
    pub name: Option<Bytes>,
    pub lib_name: Option<Bytes>,
    pub lib_ver: Option<Bytes>,
    pub created: Instant,
    pub resp: u8,
    /// The client's socket: shutting it down ends the connection.
    pub socket: Arc<std::net::TcpStream>,
}

impl ClientEntry {
    /// Ends the connection (CLIENT KILL, shutdown): its reader sees end-of-file.
    pub fn kill(&self) {
        let _ = self.socket.shutdown(std::net::Shutdown::Both);
    }
}

pub struct Shared {
    pub keyspace: Mutex<Keyspace>,
    /// `DEBUG SET-ACTIVE-EXPIRE 0` turns the active expiry cycle off (keys then expire
    /// only when touched), as Redis's tests do.
    pub active_expire: std::sync::atomic::AtomicBool,
    pub config: RwLock<NodeConfig>,
    pub stats: Stats,
    pub clients: Mutex<BTreeMap<u64, ClientEntry>>,
    next_client_id: AtomicU64,
    router: OnceLock<Arc<dyn ClusterRouter>>,
    /// Fired once to stop the server (SHUTDOWN, signals).
    pub shutdown: broadcast::Sender<()>,
    pub started: Instant,
    pub run_id: String,
    /// Fixed at start (cluster-enabled cannot change at run time), so read without a lock.
    pub cluster_enabled: bool,
    pub repl: Arc<super::repl_state::Replication>,
    /// Pub/Sub subscriptions of every connection.
    pub pubsub: Mutex<super::pubsub::Registry>,
    /// The Lua interpreter and script cache, started by the first script.
    pub scripting: Mutex<Option<super::cmd::scripting::Engine>>,
    /// The running script, for connections that cannot take the keyspace meanwhile.
    pub script_run: Arc<super::cmd::scripting::ScriptRun>,
    /// RDB snapshots and the append-only file.
    pub persist: super::persist::Persistence,
    /// Who acts on changed settings (see [`Shared::on_config`]).
    config_hooks: Mutex<Vec<(Notify, ConfigHook)>>,
    /// This value's own `Arc`, for commands that start tasks.
    me: Weak<Shared>,
}

/// Hands the settings that live next to the data they govern (maxmemory in the keyspace,
/// the pub/sub output limit in the pub/sub registry) their values: at start, and after a
/// CONFIG SET of a [`Notify::Memory`], [`Notify::Clients`] or [`Notify::Events`] setting (applied by the
/// command itself, which already holds the keyspace).
pub fn apply_settings(cfg: &NodeConfig, ks: &mut Keyspace, pubsub: &mut super::pubsub::Registry) {
    ks.evict.configure(
        cfg.maxmemory,
        cfg.maxmemory_policy,
        cfg.maxmemory_samples as usize,
    );
    pubsub.limit = cfg.client_output_buffer_limit.pubsub;
    ks.notify = cfg.notify_keyspace_events.0;
}

/// Called with the settings in force after a CONFIG SET changed one it listens to.
pub type ConfigHook = Box<dyn Fn(&NodeConfig) + Send + Sync>;

impl Shared {
    pub fn new(config: NodeConfig) -> Arc<Shared> {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        let run_id = (0..40)
            .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
            .collect();
        // Cluster mode serves database 0 only, as Redis does.
        let databases = if config.cluster_enabled {
            1
        } else {
            config.databases as usize
        };
        let mut keyspace = Keyspace::with_databases(databases);
        let mut pubsub = super::pubsub::Registry::default();
        apply_settings(&config, &mut keyspace, &mut pubsub);
        let backlog_size = config.repl_backlog_size.0;
        Arc::new_cyclic(|me| Shared {
            keyspace: Mutex::new(keyspace),
            active_expire: std::sync::atomic::AtomicBool::new(true),
            cluster_enabled: config.cluster_enabled,
            config: RwLock::new(config),
            stats: Stats {
                commands: super::cmd::COMMANDS
                    .iter()
                    .map(|_| CommandStat::default())
                    .collect(),
                ..Default::default()
            },
            clients: Mutex::new(BTreeMap::new()),
            next_client_id: AtomicU64::new(1),
            router: OnceLock::new(),
            shutdown: broadcast::channel(1).0,
            started: Instant::now(),
            run_id,
            repl: Arc::new(super::repl_state::Replication::with_backlog_size(
                backlog_size,
            )),
            pubsub: Mutex::new(pubsub),
            scripting: Mutex::new(None),
            script_run: Arc::default(),
            persist: super::persist::Persistence::new(),
            config_hooks: Mutex::new(Vec::new()),
            me: me.clone(),
        })
    }

    /// The `Arc` this value lives in.
    pub fn arc(&self) -> Arc<Shared> {
        self.me
            .upgrade()
            .expect("Shared is only built inside an Arc")
    }

    /// Installs the cluster router; the first one set wins. Without one, the node acts as
    /// [`Standalone`].
    pub fn set_router(&self, router: Arc<dyn ClusterRouter>) {
        let _ = self.router.set(router);
    }

    pub fn router(&self) -> &dyn ClusterRouter {
        self.router_arc().as_ref()
    }

    /// The router, to hand to another thread.
    pub fn router_arc(&self) -> &Arc<dyn ClusterRouter> {
        self.router.get_or_init(|| {
            let cfg = self.config.read();
            Arc::new(Standalone::new(cfg.port, cfg.bus_port()))
        })
    }

    /// Registers `hook` for changes of the settings whose registry entry names `what`.
    pub fn on_config(&self, what: Notify, hook: impl Fn(&NodeConfig) + Send + Sync + 'static) {
        self.config_hooks.lock().push((what, Box::new(hook)));
    }

    /// Tells every part listening to one of `what` that the settings changed. Called
    /// after the new settings are in place, without the config lock held.
    pub fn config_changed(&self, what: &[Notify]) {
        if what.iter().all(|n| *n == Notify::Nothing) {
            return;
        }
        let cfg = self.config.read().clone();
        if what.contains(&Notify::Replication) {
            self.repl.set_backlog_size(cfg.repl_backlog_size.0);
        }
        for (n, hook) in self.config_hooks.lock().iter() {
            if what.contains(n) {
                hook(&cfg);
            }
        }
    }

    pub fn next_client_id(&self) -> u64 {
        self.next_client_id.fetch_add(1, Ordering::Relaxed)
    }
}
