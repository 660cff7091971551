//! The node's settings, each defined once in [`SETTINGS`]: its name (and the old names
//! Redis still accepts), its type and validation, its default, whether CONFIG SET may
//! change it, and which part of the server must hear about a change. That one table
//! feeds the command-line flags, redis.conf parsing, CONFIG GET/SET/REWRITE and the
//! values INFO prints. Precedence: defaults, then the file, then flags, as with
//! redis-server.

use std::path::{Path, PathBuf};

use clap::{Arg, ArgMatches, Command};

use super::keyspace::glob_match;
use super::resp::split_args;

/// Whether CONFIG SET may change a setting, with Redis's wording when it may not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Mutable,
    /// Fixed at start-up ("can't set immutable config").
    Immutable,
    /// A path or file name Redis 7 refuses at run time unless protected configs are
    /// enabled ("can't set protected config").
    Protected,
}

/// Which part of the server acts on a changed value (see [`Shared::config_changed`]).
///
/// [`Shared::config_changed`]: super::shared::Shared::config_changed
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Notify {
    /// Read where it is used; nothing to tell.
    Nothing,
    /// The cluster bus (timeouts, announced addresses, failover rules, link limits).
    Bus,
    /// The log filters (the server's and the bus's).
    Logger,
    /// RDB save points and the append-only file.
    Persistence,
    /// The memory limit and its eviction policy.
    Memory,
    /// Limits on what a client connection may hold (the pub/sub output limit).
    Clients,
    /// Keyspace notifications.
    Events,
    /// The replication backlog's size.
    Replication,
}

/// `enable-debug-command`, `enable-protected-configs`.
const PROTECTION: &[&str] = &["no", "yes", "local"];

/// Whether a client at `addr` may use what `setting` (`yes`, `local`, `no`) guards.
pub fn allowed_for(setting: &str, addr: &str) -> bool {
    match setting {
        "yes" => true,
        "local" => addr.starts_with("127.") || addr.starts_with("[::1]") || addr.starts_with("::1"),
        _ => false,
    }
}

/// How a value is read and checked, which also decides how it is printed.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Bool,
    /// An integer within the inclusive range.
    Int(i64, i64),
    /// A memory size (`100mb`, `1gb`, `1024`) within the inclusive range.
    Memory(u64, u64),
    /// One of these words.
    Enum(&'static [&'static str]),
    Text,
    /// Parsed by the field's own type (save points, output buffer limits).
    Special,
}

/// One setting of the registry.
pub struct Setting {
    pub name: &'static str,
    /// Older names that read and write the same value (`slave` spellings).
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    pub default: &'static str,
    pub access: Access,
    pub notify: Notify,
    pub help: &'static str,
    set: fn(&mut NodeConfig, &str) -> Result<(), String>,
    get: fn(&NodeConfig) -> String,
}

/// A field type the registry can assign from text and print back.
trait ConfValue {
    fn assign(&mut self, kind: Kind, text: &str) -> Result<(), String>;
    fn show(&self) -> String;
}

fn int_in(text: &str, min: i64, max: i64) -> Result<i64, String> {
    let n: i64 = text
        .parse()
        .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
    if n < min || n > max {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(n)
}

fn memory_in(text: &str, min: u64, max: u64) -> Result<u64, String> {
    let n = parse_memory(text).ok_or("argument must be a memory value")?;
    if n < min || n > max {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(n)
}

macro_rules! integer_values {
    ($($t:ty),*) => {$(
        impl ConfValue for $t {
            fn assign(&mut self, kind: Kind, text: &str) -> Result<(), String> {
                let n = match kind {
                    Kind::Memory(min, max) => memory_in(text, min, max)? as i64,
                    Kind::Int(min, max) => int_in(text, min, max)?,
                    _ => int_in(text, 0, i64::MAX)?,
                };
                *self = <$t>::try_from(n).map_err(|_| "argument is out of range".to_string())?;
                Ok(())
            }
            fn show(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
integer_values!(u16, u32, u64, usize, i64);

impl ConfValue for bool {
    fn assign(&mut self, _: Kind, text: &str) -> Result<(), String> {
        *self = parse_yes_no(text)?;
        Ok(())
    }
    fn show(&self) -> String {
        yes_no(*self)
    }
}

impl ConfValue for String {
    fn assign(&mut self, kind: Kind, text: &str) -> Result<(), String> {
        if let Kind::Enum(words) = kind {
            let lower = text.to_ascii_lowercase();
            if !words.contains(&lower.as_str()) {
                return Err(format!(
                    "argument(s) must be one of the following: {}",
                    words.join(", ")
                ));
            }
            *self = lower;
        } else {
            *self = text.to_string();
        }
        Ok(())
    }
    fn show(&self) -> String {
        self.clone()
    }
}

/// Empty means unset (`requirepass ""`).
impl ConfValue for Option<String> {
    fn assign(&mut self, _: Kind, text: &str) -> Result<(), String> {
        *self = (!text.is_empty()).then(|| text.to_string());
        Ok(())
    }
    fn show(&self) -> String {
        self.clone().unwrap_or_default()
    }
}

impl ConfValue for Vec<String> {
    fn assign(&mut self, _: Kind, text: &str) -> Result<(), String> {
        *self = text.split_whitespace().map(String::from).collect();
        Ok(())
    }
    fn show(&self) -> String {
        self.join(" ")
    }
}

impl ConfValue for PathBuf {
    fn assign(&mut self, _: Kind, text: &str) -> Result<(), String> {
        *self = PathBuf::from(text);
        Ok(())
    }
    /// The absolute directory, as Redis prints its working directory.
    fn show(&self) -> String {
        std::fs::canonicalize(self)
            .unwrap_or_else(|_| self.clone())
            .display()
            .to_string()
    }
}

/// `repl-backlog-size`: any size from 1 byte is accepted and raised to 16 KiB, Redis's
/// smallest backlog (CONFIG GET then shows 16384, as redis-server does).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BacklogSize(pub usize);

impl ConfValue for BacklogSize {
    fn assign(&mut self, kind: Kind, text: &str) -> Result<(), String> {
        let mut n: usize = 0;
        n.assign(kind, text)?;
        self.0 = n.max(16 * 1024);
        Ok(())
    }
    fn show(&self) -> String {
        self.0.to_string()
    }
}

/// `cluster-announce-hostname`: empty (none) or a name [`crate::model::check_hostname`]
/// accepts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hostname(pub String);

impl ConfValue for Hostname {
    fn assign(&mut self, _: Kind, text: &str) -> Result<(), String> {
        crate::model::check_hostname(text)?;
        self.0 = text.to_string();
        Ok(())
    }
    fn show(&self) -> String {
        self.0.clone()
    }
}

/// `save <seconds> <changes> ...`: snapshot when at least `changes` writes happened in
/// `seconds`. Empty: no automatic snapshots.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SavePoints(pub Vec<(u64, u64)>);

impl ConfValue for SavePoints {
    fn assign(&mut self, _: Kind, text: &str) -> Result<(), String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        if !words.len().is_multiple_of(2) {
            return Err("Invalid save parameters".into());
        }
        let mut points = Vec::new();
        for pair in words.chunks(2) {
            let secs = pair[0].parse::<u64>();
            let changes = pair[1].parse::<u64>();
            match (secs, changes) {
                (Ok(s), Ok(c)) if s > 0 => points.push((s, c)),
                _ => return Err("Invalid save parameters".into()),
            }
        }
        *self = SavePoints(points);
        Ok(())
    }
    fn show(&self) -> String {
        self.0
            .iter()
            .map(|(s, c)| format!("{s} {c}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One class of `client-output-buffer-limit`: bytes (0: no limit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutputLimit {
    pub hard: u64,
    pub soft: u64,
    pub soft_seconds: u64,
}

impl OutputLimit {
    /// Whether `pending` bytes break the limit: the hard one at once, the soft one when
    /// it has been exceeded for `soft_seconds`. `over_soft_since` remembers when the soft
    /// limit was first passed and is cleared when the output drops back under it.
    pub fn exceeded(
        &self,
        pending: usize,
        over_soft_since: &mut Option<std::time::Instant>,
        now: std::time::Instant,
    ) -> bool {
        let pending = pending as u64;
        if self.hard > 0 && pending >= self.hard {
            return true;
        }
        if self.soft > 0 && pending >= self.soft {
            let since = *over_soft_since.get_or_insert(now);
            return now.duration_since(since).as_secs() >= self.soft_seconds;
        }
        *over_soft_since = None;
        false
    }
}

/// `client-output-buffer-limit` for the normal, replica and pubsub classes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutputLimits {
    pub normal: OutputLimit,
    pub replica: OutputLimit,
    pub pubsub: OutputLimit,
}

impl ConfValue for OutputLimits {
    /// Like Redis, a value names only the classes it changes; the others keep theirs.
    fn assign(&mut self, _: Kind, text: &str) -> Result<(), String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.is_empty() || !words.len().is_multiple_of(4) {
            return Err("Wrong number of arguments in buffer limit configuration.".into());
        }
        let mut next = *self;
        for group in words.chunks(4) {
            let class = match group[0].to_ascii_lowercase().as_str() {
                "normal" => &mut next.normal,
                "slave" | "replica" => &mut next.replica,
                "pubsub" => &mut next.pubsub,
                _ => {
                    return Err(
                        "Invalid client class specified in buffer limit configuration.".into(),
                    )
                }
            };
            let bad =
                || "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            let hard = parse_memory(group[1]).ok_or_else(bad)?;
            let soft = parse_memory(group[2]).ok_or_else(bad)?;
            let soft_seconds = group[3].parse::<u64>().map_err(|_| bad())?;
            *class = OutputLimit {
                hard,
                soft,
                soft_seconds,
            };
        }
        *self = next;
        Ok(())
    }
    fn show(&self) -> String {
        let one = |name: &str, l: &OutputLimit| {
            format!("{name} {} {} {}", l.hard, l.soft, l.soft_seconds)
        };
        format!(
            "{} {} {}",
            one("normal", &self.normal),
            one("slave", &self.replica),
            one("pubsub", &self.pubsub)
        )
    }
}

impl ConfValue for super::keyspace::evict::Policy {
    fn assign(&mut self, _: Kind, text: &str) -> Result<(), String> {
        *self = Self::parse(text).ok_or_else(|| {
            format!(
                "argument(s) must be one of the following: {}",
                POLICIES.join(", ")
            )
        })?;
        Ok(())
    }
    fn show(&self) -> String {
        self.name().to_string()
    }
}

/// `notify-keyspace-events`: the classes of keyspace notifications published.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyspaceEvents(pub u32);

impl ConfValue for KeyspaceEvents {
    fn assign(&mut self, _: Kind, text: &str) -> Result<(), String> {
        self.0 = super::notify::parse(text)
            .ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")?;
        Ok(())
    }
    fn show(&self) -> String {
        super::notify::render(self.0)
    }
}

/// Builds one registry entry whose value lives in `NodeConfig::$field`.
macro_rules! setting {
    ($name:literal $(| $alias:literal)*, $field:ident, $kind:expr, $default:literal,
     $access:ident, $notify:ident, $help:literal) => {
        Setting {
            name: $name,
            aliases: &[$($alias),*],
            kind: $kind,
            default: $default,
            access: Access::$access,
            notify: Notify::$notify,
            help: $help,
            set: |c, v| ConfValue::assign(&mut c.$field, $kind, v),
            get: |c| ConfValue::show(&c.$field),
        }
    };
}

const PORT: Kind = Kind::Int(0, 65535);
const INT_MAX: i64 = i32::MAX as i64;
const LOG_LEVELS: &[&str] = &["debug", "verbose", "notice", "warning"];
const FSYNC: &[&str] = &["everysec", "always", "no"];
const POLICIES: &[&str] = &[
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
];

/// Every setting the node knows, in the order CONFIG GET lists them.
pub static SETTINGS: &[Setting] = &[
    setting!("port", port, PORT, "6379", Immutable, Nothing, "TCP port for clients"),
    setting!("bind", bind, Kind::Text, "127.0.0.1", Immutable, Nothing,
        "Addresses to listen on (space-separated)"),
    setting!("dir", dir, Kind::Text, ".", Protected, Nothing,
        "Working directory: nodes.conf, dump.rdb, the append-only directory, logs"),
    setting!("cluster-enabled", cluster_enabled, Kind::Bool, "yes", Immutable, Nothing,
        "Run as a cluster node"),
    setting!("cluster-config-file", cluster_config_file, Kind::Text, "nodes.conf", Immutable,
        Nothing, "The cluster state file, in dir"),
    setting!("cluster-node-timeout", cluster_node_timeout, Kind::Int(0, i64::MAX), "15000",
        Mutable, Bus, "Milliseconds before an unreachable node is considered failing"),
    setting!("cluster-port", cluster_port, PORT, "0", Immutable, Nothing,
        "The cluster bus port (0: port + 10000)"),
    setting!("cluster-announce-ip", cluster_announce_ip, Kind::Text, "", Mutable, Bus,
        "IP announced to the cluster"),
    setting!("cluster-announce-port", cluster_announce_port, PORT, "0", Mutable, Bus,
        "Client port announced to the cluster (0: port)"),
    setting!("cluster-announce-bus-port", cluster_announce_bus_port, PORT, "0", Mutable, Bus,
        "Bus port announced to the cluster (0: the bus port)"),
    setting!("cluster-announce-tls-port", cluster_announce_tls_port, PORT, "0", Mutable, Bus,
        "TLS client port announced to the cluster (the node serves plain TCP, so it is only announced)"),
    setting!("cluster-announce-hostname", cluster_announce_hostname, Kind::Special, "", Mutable,
        Bus, "Hostname announced to the cluster"),
    setting!("cluster-preferred-endpoint-type", cluster_preferred_endpoint_type,
        Kind::Enum(&["ip", "hostname", "unknown-endpoint"]), "ip", Mutable, Bus,
        "How CLUSTER SLOTS/SHARDS and redirects name nodes: ip, hostname or unknown-endpoint"),
    setting!("cluster-require-full-coverage", cluster_require_full_coverage, Kind::Bool, "yes",
        Mutable, Bus, "Refuse queries while some slot is not served"),
    setting!("cluster-allow-replica-migration", cluster_allow_replica_migration, Kind::Bool,
        "yes", Mutable, Bus, "Let replicas move to orphaned masters"),
    setting!("cluster-migration-barrier", cluster_migration_barrier, Kind::Int(0, INT_MAX), "1",
        Mutable, Bus, "Replicas a master keeps before one may migrate"),
    setting!("cluster-replica-validity-factor" | "cluster-slave-validity-factor",
        cluster_replica_validity_factor, Kind::Int(0, INT_MAX), "10", Mutable, Bus,
        "A replica whose data is older than this many node timeouts does not fail over (0: always may)"),
    setting!("cluster-replica-no-failover" | "cluster-slave-no-failover",
        cluster_replica_no_failover, Kind::Bool, "no", Mutable, Bus,
        "Never start an automatic failover from this replica"),
    setting!("cluster-link-sendbuf-limit", cluster_link_sendbuf_limit,
        Kind::Memory(0, u64::MAX), "0", Mutable, Bus,
        "Bytes a bus link may queue before it is dropped (0: no limit)"),
    setting!("repl-backlog-size", repl_backlog_size, Kind::Memory(1, i64::MAX as u64 / 2),
        "1mb", Mutable, Replication,
        "Bytes of the replication stream kept for replicas that reconnect (partial resync)"),
    setting!("repl-diskless-sync", repl_diskless_sync, Kind::Enum(&["yes"]), "yes", Mutable,
        Nothing, "A master sends its snapshot straight from memory (the only way the node syncs)"),
    setting!("repl-diskless-sync-delay", repl_diskless_sync_delay, Kind::Int(0, INT_MAX), "5",
        Mutable, Nothing,
        "Seconds redis-server waits for more replicas before a sync; kept for config files: the node starts every sync at once"),
    setting!("repl-diskless-load", repl_diskless_load,
        Kind::Enum(&["disabled", "on-empty-db", "swapdb"]), "disabled", Mutable, Nothing,
        "How a replica loads its master's snapshot: the node reads it whole, then swaps it in; with swapdb the old data serves meanwhile (INFO async_loading), otherwise commands get -LOADING while it loads"),
    setting!("rdbcompression", rdbcompression, Kind::Bool, "yes", Mutable, Nothing,
        "LZF-compress strings in RDB files; kept for config files: the node writes them uncompressed"),
    setting!("rdb-key-save-delay", rdb_key_save_delay, Kind::Int(i32::MIN as i64, INT_MAX), "0",
        Mutable, Nothing, "Test knob of redis-server: microseconds per key a master takes to send its snapshot to a replica"),
    setting!("key-load-delay", key_load_delay, Kind::Int(i32::MIN as i64, INT_MAX), "0", Mutable,
        Nothing, "Test knob of redis-server: microseconds per key a replica takes to load its master's snapshot"),
    setting!("loading-process-events-interval-bytes", loading_process_events_interval_bytes,
        Kind::Int(1024, INT_MAX), "2097152", Mutable, Nothing,
        "Test knob of redis-server (bytes loaded between event-loop turns); not used by the node"),
    setting!("enable-debug-command", enable_debug_command, Kind::Enum(PROTECTION), "yes",
        Immutable, Nothing, "Who may run DEBUG: yes, local (loopback clients) or no"),
    setting!("enable-protected-configs", enable_protected_configs, Kind::Enum(PROTECTION), "no",
        Immutable, Nothing,
        "Who may CONFIG SET protected settings (dir, dbfilename): yes, local (loopback clients) or no"),
    setting!("requirepass", requirepass, Kind::Text, "", Mutable, Nothing,
        "Password clients must give"),
    setting!("masterauth", masterauth, Kind::Text, "", Mutable, Nothing,
        "Password this node gives its master when it replicates"),
    setting!("logfile", logfile, Kind::Text, "", Immutable, Nothing,
        "Log file in dir (\"\": standard output)"),
    setting!("loglevel", loglevel, Kind::Enum(LOG_LEVELS), "notice", Mutable, Logger,
        "debug, verbose, notice, warning or nothing"),
    setting!("maxmemory", maxmemory, Kind::Memory(0, u64::MAX), "0", Mutable, Memory,
        "Memory limit in bytes (0: none)"),
    setting!("maxmemory-policy", maxmemory_policy, Kind::Enum(POLICIES), "noeviction", Mutable,
        Memory, "What to evict at the memory limit"),
    setting!("maxmemory-samples", maxmemory_samples, Kind::Int(1, 64), "5", Mutable, Memory,
        "Keys sampled per eviction"),
    setting!("maxclients", maxclients, Kind::Int(1, u32::MAX as i64), "10000", Mutable, Nothing,
        "Most client connections at once (checked at every accept)"),
    setting!("client-output-buffer-limit", client_output_buffer_limit, Kind::Special,
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", Mutable, Clients,
        "Per class (normal, replica, pubsub): hard limit, soft limit, soft seconds"),
    setting!("busy-reply-threshold" | "lua-time-limit", busy_reply_threshold,
        Kind::Int(0, i64::MAX), "5000", Mutable, Nothing,
        "Milliseconds a script runs before other clients get BUSY"),
    setting!("min-replicas-to-write" | "min-slaves-to-write", min_replicas_to_write,
        Kind::Int(0, i32::MAX as i64), "0", Mutable, Nothing,
        "A master refuses writes (NOREPLICAS) with fewer good replicas than this (0: off)"),
    setting!("min-replicas-max-lag" | "min-slaves-max-lag", min_replicas_max_lag,
        Kind::Int(0, i32::MAX as i64), "10", Mutable, Nothing,
        "Seconds since its last ACK within which a replica counts as good (0: off)"),
    setting!("replica-serve-stale-data" | "slave-serve-stale-data", replica_serve_stale_data,
        Kind::Bool, "yes", Mutable, Nothing,
        "no: a replica whose master link is down answers only a few commands (MASTERDOWN)"),
    setting!("io-threads", io_threads, Kind::Int(1, 128), "1", Immutable, Nothing,
        "Threads serving clients (1: one event loop, like redis-server)"),
    setting!("proto-max-bulk-len", proto_max_bulk_len, Kind::Memory(1 << 20, i64::MAX as u64),
        "512mb", Mutable, Nothing, "Largest bulk string a client may send"),
    setting!("save", save, Kind::Special, "3600 1 300 100 60 10000", Mutable, Persistence,
        "RDB save points: <seconds> <changes> pairs (\"\": none)"),
    setting!("dbfilename", dbfilename, Kind::Text, "dump.rdb", Protected, Nothing,
        "The RDB file, in dir"),
    setting!("rdbchecksum", rdbchecksum, Kind::Bool, "yes", Mutable, Nothing,
        "End RDB files with a CRC-64"),
    setting!("stop-writes-on-bgsave-error", stop_writes_on_bgsave_error, Kind::Bool, "yes",
        Mutable, Nothing, "Refuse writes while the last background save failed"),
    setting!("appendonly", appendonly, Kind::Bool, "no", Mutable, Persistence,
        "Log every write to the append-only file"),
    setting!("appendfsync", appendfsync, Kind::Enum(FSYNC), "everysec", Mutable, Persistence,
        "When the append-only file is synced: always, everysec or no"),
    setting!("appendfilename", appendfilename, Kind::Text, "appendonly.aof", Immutable,
        Nothing, "Base name of the append-only files"),
    setting!("appenddirname", appenddirname, Kind::Text, "appendonlydir", Immutable, Nothing,
        "Directory of the append-only files, in dir"),
    setting!("aof-load-truncated", aof_load_truncated, Kind::Bool, "yes", Mutable, Nothing,
        "Start with a truncated append-only file, dropping its incomplete last command"),
    setting!("aof-use-rdb-preamble", aof_use_rdb_preamble, Kind::Bool, "yes", Mutable, Nothing,
        "Write the rewritten base file as RDB (else as commands)"),
    setting!("auto-aof-rewrite-percentage", auto_aof_rewrite_percentage, Kind::Int(0, INT_MAX),
        "100", Mutable, Nothing, "Rewrite when the log grew by this percentage since the last rewrite (0: never)"),
    setting!("auto-aof-rewrite-min-size", auto_aof_rewrite_min_size,
        Kind::Memory(0, i64::MAX as u64), "64mb", Mutable, Nothing,
        "Smallest file an automatic rewrite considers"),
    setting!("hash-max-listpack-entries" | "hash-max-ziplist-entries", hash_max_listpack_entries,
        Kind::Int(0, i64::MAX), "128", Mutable, Nothing,
        "OBJECT ENCODING reports a hash with more fields as hashtable (else listpack)"),
    setting!("hash-max-listpack-value" | "hash-max-ziplist-value", hash_max_listpack_value,
        Kind::Int(0, i64::MAX), "64", Mutable, Nothing,
        "OBJECT ENCODING reports a hash with a longer field or value as hashtable"),
    setting!("zset-max-listpack-entries" | "zset-max-ziplist-entries", zset_max_listpack_entries,
        Kind::Int(0, i64::MAX), "128", Mutable, Nothing,
        "OBJECT ENCODING reports a sorted set with more members as skiplist (else listpack)"),
    setting!("zset-max-listpack-value" | "zset-max-ziplist-value", zset_max_listpack_value,
        Kind::Int(0, i64::MAX), "64", Mutable, Nothing,
        "OBJECT ENCODING reports a sorted set with a longer member as skiplist"),
    setting!("stream-node-max-entries", stream_node_max_entries, Kind::Int(0, i64::MAX), "100",
        Mutable, Nothing,
        "Entries per stream node, which approximate (~) trimming removes whole"),
    setting!("stream-node-max-bytes", stream_node_max_bytes, Kind::Memory(0, i64::MAX as u64),
        "4096", Mutable, Nothing,
        "Estimated bytes per stream node, which approximate (~) trimming removes whole"),
    setting!("set-max-intset-entries", set_max_intset_entries, Kind::Int(0, i64::MAX), "512",
        Mutable, Nothing,
        "OBJECT ENCODING reports a set of integers with more members as hashtable (else intset)"),
    setting!("list-max-listpack-size" | "list-max-ziplist-size", list_max_listpack_size,
        Kind::Int(i32::MIN as i64, INT_MAX), "-2", Mutable, Nothing,
        "Accepted for redis-server compatibility (lists are one structure, reported as quicklist)"),
    setting!("list-compress-depth", list_compress_depth, Kind::Int(0, INT_MAX), "0", Mutable,
        Nothing, "Accepted for redis-server compatibility (list nodes are never compressed)"),
    setting!("repl-ping-replica-period" | "repl-ping-slave-period", repl_ping_replica_period,
        Kind::Int(1, INT_MAX), "10", Mutable, Nothing,
        "Seconds between the PINGs a master sends its replicas"),
    setting!("notify-keyspace-events", notify_keyspace_events, Kind::Special, "", Mutable,
        Events, "Keyspace notification classes published over Pub/Sub (\"\": none)"),
    setting!("protected-mode", protected_mode, Kind::Bool, "no", Mutable, Nothing,
        "Accepted for redis-server compatibility"),
    setting!("daemonize", daemonize, Kind::Enum(&["no"]), "no", Immutable, Nothing,
        "Only no: the node stays in the foreground"),
    setting!("databases", databases, Kind::Int(1, 1 << 20), "16", Immutable, Nothing,
        "How many databases SELECT can choose from (cluster mode serves database 0 only)"),
    setting!("timeout", timeout, Kind::Int(0, 0), "0", Mutable, Nothing,
        "Idle client timeout; only 0 (never) is supported"),
];

/// The registry entry for `name` or one of its aliases (case-insensitive).
pub fn lookup(name: &str) -> Option<&'static Setting> {
    let lower = name.to_ascii_lowercase();
    SETTINGS
        .iter()
        .find(|s| s.name == lower || s.aliases.contains(&lower.as_str()))
}

fn parse_yes_no(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// The settings in force. The fields are typed; [`SETTINGS`] is the only place that
/// parses, validates or prints them.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// The config file, absolute (so CONFIG REWRITE finds it after the node enters dir).
    pub config_file: Option<PathBuf>,
    pub port: u16,
    pub bind: Vec<String>,
    pub dir: PathBuf,
    pub cluster_enabled: bool,
    pub cluster_config_file: String,
    pub cluster_node_timeout: u64,
    pub cluster_port: u16,
    pub cluster_announce_ip: String,
    pub cluster_announce_port: u16,
    pub cluster_announce_bus_port: u16,
    pub cluster_announce_tls_port: u16,
    pub cluster_announce_hostname: Hostname,
    pub cluster_preferred_endpoint_type: String,
    pub cluster_require_full_coverage: bool,
    pub cluster_allow_replica_migration: bool,
    pub cluster_migration_barrier: u64,
    pub cluster_replica_validity_factor: u64,
    pub cluster_replica_no_failover: bool,
    pub cluster_link_sendbuf_limit: u64,
    pub repl_backlog_size: BacklogSize,
    pub repl_diskless_sync: String,
    pub repl_diskless_sync_delay: u64,
    pub repl_diskless_load: String,
    pub rdbcompression: bool,
    pub rdb_key_save_delay: i64,
    pub key_load_delay: i64,
    pub loading_process_events_interval_bytes: u64,
    pub enable_debug_command: String,
    pub enable_protected_configs: String,
    pub requirepass: Option<String>,
    pub masterauth: Option<String>,
    pub logfile: String,
    pub loglevel: String,
    pub maxmemory: u64,
    pub maxmemory_policy: super::keyspace::evict::Policy,
    pub maxmemory_samples: u64,
    pub maxclients: usize,
    pub client_output_buffer_limit: OutputLimits,
    pub busy_reply_threshold: u64,
    pub min_replicas_to_write: u64,
    pub min_replicas_max_lag: u64,
    pub replica_serve_stale_data: bool,
    pub io_threads: usize,
    pub proto_max_bulk_len: usize,
    pub save: SavePoints,
    pub dbfilename: String,
    pub rdbchecksum: bool,
    pub stop_writes_on_bgsave_error: bool,
    pub appendonly: bool,
    pub appendfsync: String,
    pub appendfilename: String,
    pub appenddirname: String,
    pub aof_load_truncated: bool,
    pub aof_use_rdb_preamble: bool,
    pub auto_aof_rewrite_percentage: u64,
    pub auto_aof_rewrite_min_size: u64,
    pub hash_max_listpack_entries: u64,
    pub hash_max_listpack_value: u64,
    pub zset_max_listpack_entries: u64,
    pub zset_max_listpack_value: u64,
    pub set_max_intset_entries: u64,
    pub stream_node_max_entries: u64,
    pub stream_node_max_bytes: u64,
    pub list_max_listpack_size: i64,
    pub list_compress_depth: u64,
    pub repl_ping_replica_period: u64,
    pub notify_keyspace_events: KeyspaceEvents,
    pub protected_mode: bool,
    pub daemonize: String,
    pub databases: u64,
    pub timeout: u64,
}

impl Default for NodeConfig {
    /// Every setting at its registry default.
    fn default() -> Self {
        let mut cfg = NodeConfig {
            config_file: None,
            port: 0,
            bind: Vec::new(),
            dir: PathBuf::new(),
            cluster_enabled: false,
            cluster_config_file: String::new(),
            cluster_node_timeout: 0,
            cluster_port: 0,
            cluster_announce_ip: String::new(),
            cluster_announce_port: 0,
            cluster_announce_bus_port: 0,
            cluster_announce_tls_port: 0,
            cluster_announce_hostname: Hostname::default(),
            cluster_preferred_endpoint_type: String::new(),
            cluster_require_full_coverage: false,
            cluster_allow_replica_migration: false,
            cluster_migration_barrier: 0,
            cluster_replica_validity_factor: 0,
            cluster_replica_no_failover: false,
            cluster_link_sendbuf_limit: 0,
            repl_backlog_size: BacklogSize(0),
            repl_diskless_sync: String::new(),
            repl_diskless_sync_delay: 0,
            repl_diskless_load: String::new(),
            rdbcompression: false,
            rdb_key_save_delay: 0,
            key_load_delay: 0,
            loading_process_events_interval_bytes: 0,
            enable_debug_command: String::new(),
            enable_protected_configs: String::new(),
            requirepass: None,
            masterauth: None,
            logfile: String::new(),
            loglevel: String::new(),
            maxmemory: 0,
            maxmemory_policy: Default::default(),
            maxmemory_samples: 0,
            maxclients: 0,
            client_output_buffer_limit: OutputLimits::default(),
            busy_reply_threshold: 0,
            min_replicas_to_write: 0,
            min_replicas_max_lag: 0,
            replica_serve_stale_data: false,
            io_threads: 0,
            proto_max_bulk_len: 0,
            save: SavePoints::default(),
            dbfilename: String::new(),
            rdbchecksum: false,
            stop_writes_on_bgsave_error: false,
            appendonly: false,
            appendfsync: String::new(),
            appendfilename: String::new(),
            appenddirname: String::new(),
            aof_load_truncated: false,
            aof_use_rdb_preamble: false,
            auto_aof_rewrite_percentage: 0,
            auto_aof_rewrite_min_size: 0,
            hash_max_listpack_entries: 0,
            hash_max_listpack_value: 0,
            zset_max_listpack_entries: 0,
            zset_max_listpack_value: 0,
            set_max_intset_entries: 0,
            stream_node_max_entries: 0,
            stream_node_max_bytes: 0,
            list_max_listpack_size: 0,
            list_compress_depth: 0,
            repl_ping_replica_period: 0,
            notify_keyspace_events: KeyspaceEvents::default(),
            protected_mode: false,
            daemonize: String::new(),
            databases: 0,
            timeout: 0,
        };
        for s in SETTINGS {
            (s.set)(&mut cfg, s.default)
                .unwrap_or_else(|e| panic!("default of {} is invalid: {e}", s.name));
        }
        cfg
    }
}

/// Memory sizes like redis.conf writes them: 100mb, 1gb, 1024.
pub fn parse_memory(text: &str) -> Option<u64> {
    let lower = text.to_ascii_lowercase();
    let units = [
        ("gb", 1u64 << 30),
        ("mb", 1 << 20),
        ("kb", 1 << 10),
        ("g", 1_000_000_000),
        ("m", 1_000_000),
        ("k", 1000),
        ("b", 1),
    ];
    for (suffix, mul) in units {
        if let Some(n) = lower.strip_suffix(suffix) {
            return n.parse::<u64>().ok()?.checked_mul(mul);
        }
    }
    lower.parse().ok()
}

/// The `rclust-node` command line: an optional config file, then `--<setting> <value>`
/// for every setting of the registry (as redis-server takes them).
pub fn command() -> Command {
    let mut cmd = Command::new("rclust-node")
        .version(env!("CARGO_PKG_VERSION"))
        .about("A lightweight Redis Cluster node")
        // A flag given twice takes the last value, as redis-server does.
        .args_override_self(true)
        .arg(
            Arg::new("config_file")
                .value_name("CONFIG_FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .help("A redis.conf-style file (`port 7000` lines); flags override it"),
        );
    for s in SETTINGS {
        cmd = cmd.arg(
            Arg::new(s.name)
                .long(s.name)
                .aliases(s.aliases.iter().copied())
                .value_name("VALUE")
                .allow_hyphen_values(true)
                .help(format!("{} [default: {:?}]", s.help, s.default)),
        );
    }
    cmd
}

/// Why a value was refused, already worded the way CONFIG SET replies.
#[derive(Debug, PartialEq, Eq)]
pub enum SetError {
    Unknown,
    Immutable,
    Protected,
    Invalid(String),
}

impl NodeConfig {
    /// Resolves the command line (see [`command`]) and the file it names.
    pub fn from_matches(m: &ArgMatches) -> Result<NodeConfig, String> {
        let mut cfg = NodeConfig::default();
        if let Some(path) = m.get_one::<PathBuf>("config_file") {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
            cfg.load_text(&text)?;
            cfg.config_file = Some(absolute(path));
        }
        for s in SETTINGS {
            if let Some(v) = m.get_one::<String>(s.name) {
                (s.set)(&mut cfg, v).map_err(|e| format!("--{} {v:?}: {e}", s.name))?;
            }
        }
        Ok(cfg)
    }

    /// Reads redis.conf-style lines: `name value...`, `#` comments, quoted values.
    pub fn load_text(&mut self, text: &str) -> Result<(), String> {
        for (n, line) in text.lines().enumerate() {
            let Some((name, value)) =
                directive(line).map_err(|e| format!("config line {}: {e}", n + 1))?
            else {
                continue;
            };
            let Some(s) = lookup(&name) else {
                // Unknown redis.conf directives are tolerated so that real redis.conf
                // files load; they have no effect here.
                eprintln!("rclust-node: ignoring unsupported config directive '{name}'");
                continue;
            };
            (s.set)(self, &value).map_err(|e| format!("config line {}: {name}: {e}", n + 1))?;
        }
        Ok(())
    }

    pub fn bus_port(&self) -> u16 {
        if self.cluster_port != 0 {
            self.cluster_port
        } else {
            self.port.wrapping_add(10000)
        }
    }

    /// The value as CONFIG GET shows it.
    pub fn get(&self, name: &str) -> Option<String> {
        lookup(name).map(|s| (s.get)(self))
    }

    /// Every (name, value) whose name or alias matches the glob `pattern`, as CONFIG GET
    /// lists them (an alias is listed under its own name).
    pub fn matching(&self, pattern: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for s in SETTINGS {
            for name in std::iter::once(&s.name).chain(s.aliases) {
                if glob_match(pattern.as_bytes(), name.as_bytes(), true) {
                    out.push((name.to_string(), (s.get)(self)));
                }
            }
        }
        out
    }

    /// CONFIG SET of one value: checks that the setting exists and may change.
    pub fn set_at_runtime(&mut self, name: &str, value: &str) -> Result<Notify, SetError> {
        self.set_at_runtime_from(name, value, "")
    }

    /// [`Self::set_at_runtime`] for a client at `addr`: protected settings may change when
    /// `enable-protected-configs` allows that client.
    pub fn set_at_runtime_from(
        &mut self,
        name: &str,
        value: &str,
        addr: &str,
    ) -> Result<Notify, SetError> {
        let s = lookup(name).ok_or(SetError::Unknown)?;
        match s.access {
            Access::Immutable => return Err(SetError::Immutable),
            Access::Protected if !allowed_for(&self.enable_protected_configs, addr) => {
                return Err(SetError::Protected)
            }
            Access::Protected | Access::Mutable => {}
        }
        (s.set)(self, value).map_err(SetError::Invalid)?;
        Ok(s.notify)
    }

    /// Sets one value whatever its access (start-up, tests).
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let s = lookup(name).ok_or_else(|| format!("unknown setting '{name}'"))?;
        (s.set)(self, value)
    }

    /// What CONFIG REWRITE writes, given the file as it is now: every line naming a
    /// setting is replaced by its current value (the first occurrence; repeats are
    /// dropped), other lines and comments stay, and settings that differ from their
    /// default and were not in the file are appended, as Redis does.
    pub fn rewrite_text(&self, current: &str) -> String {
        let mut out = String::new();
        let mut written: Vec<&'static str> = Vec::new();
        for line in current.lines() {
            if line
                .trim_start()
                .starts_with("# Generated by CONFIG REWRITE")
            {
                continue;
            }
            let setting = directive(line).ok().flatten().and_then(|(n, _)| lookup(&n));
            match setting {
                Some(s) if written.contains(&s.name) => {}
                Some(s) => {
                    written.push(s.name);
                    out.push_str(&self.conf_line(s));
                }
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        let defaults = NodeConfig::default();
        let mut header = false;
        for s in SETTINGS {
            let is_default = (s.get)(self) == (s.get)(&defaults) && s.name != "dir";
            if written.contains(&s.name) || is_default {
                continue;
            }
            if !header {
                out.push_str("# Generated by CONFIG REWRITE\n");
                header = true;
            }
            out.push_str(&self.conf_line(s));
        }
        out
    }

    fn conf_line(&self, s: &Setting) -> String {
        let v = (s.get)(self);
        let needs_quotes = v.is_empty()
            || v.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '\\');
        // Multi-word values Redis writes unquoted (save points, buffer limits) stay so.
        let quoted = if needs_quotes && !matches!(s.kind, Kind::Special) || v.is_empty() {
            format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
        } else {
            v
        };
        format!("{} {quoted}\n", s.name)
    }

    /// Writes [`Self::rewrite_text`] over the config file: a temporary file beside it,
    /// synced, then renamed.
    pub fn rewrite(&self) -> Result<(), String> {
        let path = self
            .config_file
            .as_ref()
            .ok_or("The server is running without a config file")?;
        let current = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("Rewriting config file: {e}")),
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
            tmp.write_all(self.rewrite_text(&current).as_bytes())?;
            tmp.as_file().sync_all()?;
            tmp.persist(path).map_err(|e| e.error)?;
            Ok(())
        };
        write().map_err(|e| format!("Rewriting config file: {e}"))
    }
}

/// One config line as (lowercase name, value); `None` for blanks and comments.
fn directive(line: &str) -> Result<Option<(String, String)>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let words = split_args(line.as_bytes()).ok_or("unbalanced quotes")?;
    let Some((name, rest)) = words.split_first() else {
        return Ok(None);
    };
    let value: Vec<String> = rest
        .iter()
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect();
    Ok(Some((
        String::from_utf8_lossy(name).to_ascii_lowercase(),
        value.join(" "),
    )))
}

/// `path` made absolute against the current directory (which the node leaves for dir).
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(argv: &[&str]) -> Result<NodeConfig, String> {
        let argv = std::iter::once("rclust-node").chain(argv.iter().copied());
        NodeConfig::from_matches(
            &command()
                .try_get_matches_from(argv)
                .map_err(|e| e.to_string())?,
        )
    }

    #[test]
    fn file_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.conf");
        std::fs::write(
            &path,
            "# comment\nport 7000\ncluster-enabled no\nrequirepass \"s e\"\nsave \"\"\nfoo bar\n",
        )
        .unwrap();
        let cfg = from(&[path.to_str().unwrap(), "--port", "7001"]).unwrap();
        assert_eq!(cfg.port, 7001);
        assert!(!cfg.cluster_enabled);
        assert_eq!(cfg.requirepass.as_deref(), Some("s e"));
        assert_eq!(cfg.bus_port(), 17001);
        assert_eq!(cfg.bind, vec!["127.0.0.1"]);
        assert!(cfg.save.0.is_empty());
        let text = cfg.rewrite_text(&std::fs::read_to_string(&path).unwrap());
        assert!(text.starts_with("# comment\nport 7001\n"), "{text}");
        assert!(text.contains("\nfoo bar\n"), "{text}");
        let mut again = NodeConfig::default();
        again.load_text(&text).unwrap();
        assert_eq!(again.port, 7001);
        assert_eq!(again.requirepass.as_deref(), Some("s e"));
        assert!(again.save.0.is_empty());
    }

    #[test]
    fn redis_server_style_flags() {
        let cfg = from(&[
            "--port",
            "7002",
            "--cluster-enabled",
            "yes",
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--cluster-slave-validity-factor",
            "0",
        ])
        .unwrap();
        assert!(cfg.cluster_enabled && cfg.appendonly);
        assert_eq!(cfg.appendfsync, "always");
        assert_eq!(cfg.cluster_replica_validity_factor, 0);
        assert_eq!(
            cfg.matching("cluster-e*"),
            vec![("cluster-enabled".into(), "yes".into())]
        );
        assert_eq!(parse_memory("1gb"), Some(1 << 30));
        assert!(from(&["--appendfsync", "sometimes"]).is_err());
        assert!(from(&["--no-such-thing", "1"]).is_err());
    }

    #[test]
    fn runtime_set_checks_access_and_values() {
        let mut cfg = NodeConfig::default();
        assert_eq!(cfg.set_at_runtime("port", "1"), Err(SetError::Immutable));
        assert_eq!(cfg.set_at_runtime("dir", "/"), Err(SetError::Protected));
        assert_eq!(cfg.set_at_runtime("nope", "1"), Err(SetError::Unknown));
        assert_eq!(
            cfg.set_at_runtime("cluster-node-timeout", "500"),
            Ok(Notify::Bus)
        );
        assert_eq!(cfg.cluster_node_timeout, 500);
        assert_eq!(
            cfg.set_at_runtime("save", "100"),
            Err(SetError::Invalid("Invalid save parameters".into()))
        );
        cfg.set_at_runtime("save", "100 10 50 5").unwrap();
        assert_eq!(cfg.get("save").unwrap(), "100 10 50 5");
        cfg.set_at_runtime("client-output-buffer-limit", "normal 1mb 2mb 3")
            .unwrap();
        assert_eq!(
            cfg.get("client-output-buffer-limit").unwrap(),
            "normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        );
        assert!(cfg
            .set_at_runtime("client-output-buffer-limit", "bogus 1 2 3")
            .is_err());
        assert!(cfg
            .set_at_runtime("cluster-announce-port", "70000")
            .is_err());
        assert!(cfg
            .set_at_runtime("cluster-replica-validity-factor", "-1")
            .is_err());
        assert_eq!(cfg.get("auto-aof-rewrite-min-size").unwrap(), "67108864");
        assert_eq!(
            cfg.get("proto-max-bulk-len").unwrap(),
            (512u64 << 20).to_string()
        );
    }

    #[test]
    fn soft_output_limit_needs_its_seconds() {
        use std::time::{Duration, Instant};
        let l = OutputLimit {
            hard: 0,
            soft: 10,
            soft_seconds: 2,
        };
        let t0 = Instant::now();
        let mut since = None;
        assert!(!l.exceeded(20, &mut since, t0));
        assert!(!l.exceeded(20, &mut since, t0 + Duration::from_secs(1)));
        assert!(l.exceeded(20, &mut since, t0 + Duration::from_secs(2)));
        assert!(!l.exceeded(5, &mut since, t0 + Duration::from_secs(3)));
        assert_eq!(since, None);
    }

    #[test]
    fn eviction_settings_are_typed_and_checked() {
        let mut cfg = NodeConfig::default();
        assert_eq!(cfg.get("maxmemory-policy").unwrap(), "noeviction");
        assert_eq!(
            cfg.set_at_runtime("maxmemory-policy", "ALLKEYS-LRU"),
            Ok(Notify::Memory)
        );
        assert_eq!(
            cfg.maxmemory_policy,
            super::super::keyspace::evict::Policy::AllKeysLru
        );
        assert_eq!(cfg.get("maxmemory-policy").unwrap(), "allkeys-lru");
        assert!(matches!(
            cfg.set_at_runtime("maxmemory-policy", "lru"),
            Err(SetError::Invalid(why)) if why.starts_with("argument(s) must be one of the following: volatile-lru")
        ));
        assert!(cfg.set_at_runtime("maxmemory-samples", "65").is_err());
        assert_eq!(
            cfg.set_at_runtime("client-output-buffer-limit", "pubsub 1mb 0 0"),
            Ok(Notify::Clients)
        );
        assert_eq!(cfg.client_output_buffer_limit.pubsub.hard, 1 << 20);
        assert_eq!(
            cfg.set_at_runtime("lua-time-limit", "100"),
            Ok(Notify::Nothing)
        );
        assert_eq!(cfg.busy_reply_threshold, 100);
    }
}
