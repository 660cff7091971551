//! Commands. Each family's file parses its arguments and returns the reply frame; nothing
//! here touches a socket. [`execute`] is the single entry point: lookup, arity, auth,
//! MULTI queueing, cluster routing, then the handler.

/// Unwraps a `Result<T, Frame>` inside a command, replying with the error frame. Defined
/// before the command modules so that every one of them can use it.
macro_rules! try_frame {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return e.into(),
        }
    };
}

mod bits;
pub mod blocking;
mod client;
pub mod functions;
mod generic;
mod hashes;
mod info;
mod lcs;
mod lists;
mod lua_bit;
pub mod migrate;
pub mod pubsub;
pub mod random;
mod repl;
pub mod scripting;
mod server;
mod sets;
mod sort;
pub mod stream_groups;
pub mod streams;
mod strings;
mod table;
pub(crate) mod transactions;
mod zsets;
mod zsets_store;

use std::time::Duration;

use bytes::Bytes;

pub use table::{lookup, CommandSpec, COMMANDS};

use super::cluster_seam::RouteCtx;
use super::keyspace::Keyspace;
use super::resp::Frame;
use super::shared::{Shared, Stats};
use crate::model::key_slot;

/// What a command hands back: its reply, and what the connection must do with it. Handlers
/// return their whole result here; nothing is left in [`ClientState`] for the connection
/// to find.
#[derive(Debug)]
pub struct Outcome {
    /// The reply. When `then` [replaces it](FollowUp::replaces_reply) it is only what the
    /// command's bookkeeping (statistics, propagation) sees, never sent.
    pub reply: Frame,
    pub then: Option<FollowUp>,
    /// What replicas and the append-only file get in place of the command, for commands
    /// whose effect the command line and reply do not tell (a read through a consumer
    /// group). `None`: derived from the command and its reply (`propagate::written`).
    pub propagate: Option<Vec<Vec<Bytes>>>,
}

impl Outcome {
    /// A reply followed by `then`.
    pub fn then(reply: Frame, then: FollowUp) -> Outcome {
        Outcome {
            reply,
            then: Some(then),
            propagate: None,
        }
    }

    /// A command whose reply the connection produces by carrying out `then`.
    pub fn deferred(then: FollowUp) -> Outcome {
        let placeholder = match &then {
            FollowUp::Block { .. } => Frame::Replies(vec![]),
            _ => Frame::Null,
        };
        Outcome::then(placeholder, then)
    }
}

impl From<Frame> for Outcome {
    fn from(reply: Frame) -> Outcome {
        Outcome {
            reply,
            then: None,
            propagate: None,
        }
    }
}

/// Something the connection must do once a command ran, instead of or after sending its
/// reply. Everything it needs travels inside.
#[derive(Debug)]
pub enum FollowUp {
    /// Send the reply, then close the connection (QUIT).
    Close,
    /// Send the reply, then sleep before the next command (DEBUG SLEEP).
    Sleep(Duration),
    /// Shut the server down; Redis closes the connection without a reply.
    Shutdown,
    /// Send the reply: PSYNC was accepted, the connection becomes a replica feed.
    Replica,
    /// WAIT: reply once `replicas` acknowledged `offset`, or after `timeout_ms` (0:
    /// never).
    Wait {
        offset: u64,
        replicas: usize,
        timeout_ms: u64,
    },
    /// MIGRATE: run the job ([`migrate::run_job`]) away from the keyspace lock and reply
    /// with its outcome. The job belongs to this command alone.
    Migrate(Box<migrate::Job>),
    /// A blocking command found nothing: wait for the reply on `reply` for up to
    /// `timeout_ms` (0: forever).
    Block {
        reply: tokio::sync::oneshot::Receiver<Frame>,
        timeout_ms: u64,
    },
    /// Write this reply slice by slice, as the client reads it (a reply too large to
    /// build at once).
    Stream(Box<random::RandomReply>),
}

impl Outcome {
    /// The reply of a command run inside another (EXEC, a script), where replies are
    /// gathered into one: a stream is collected whole, and what only a connection can
    /// wait for is refused. Returns the follow-up still left for the connection after the
    /// enclosing command (QUIT, DEBUG SLEEP, SHUTDOWN).
    pub fn gathered(self, resp3: bool) -> (Frame, Option<FollowUp>) {
        match self.then {
            None => (self.reply, None),
            Some(FollowUp::Stream(stream)) => (stream.collect(resp3), None),
            // Neither reaches here today: blocking commands answer at once where
            // `no_block` is set, and WAIT answers at once inside a transaction.
            Some(FollowUp::Block { .. } | FollowUp::Wait { .. }) => (self.reply, None),
            Some(FollowUp::Migrate(_)) => (
                Frame::static_error("ERR MIGRATE cannot run inside a transaction or a script"),
                None,
            ),
            Some(then) => (self.reply, Some(then)),
        }
    }
}

impl FollowUp {
    /// Whether the connection produces the reply itself, so the command's own is not sent.
    pub fn replaces_reply(&self) -> bool {
        matches!(
            self,
            FollowUp::Wait { .. }
                | FollowUp::Migrate(_)
                | FollowUp::Block { .. }
                | FollowUp::Stream(_)
        )
    }
}

/// CLIENT REPLY: whether the connection's replies are sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReplyMode {
    #[default]
    On,
    Off,
    /// The next command's reply is dropped, then replies are on again.
    Skip,
}

impl ReplyMode {
    /// Whether the reply to `args` goes out, given the mode before the command ran;
    /// moves past a SKIP. Subscription confirmations always go out, as in Redis, and
    /// CLIENT REPLY ON answers OK.
    pub fn sends(before: ReplyMode, client: &mut ClientState, args: &[Bytes]) -> bool {
        let name = &args[0];
        if [
            "subscribe",
            "psubscribe",
            "ssubscribe",
            "unsubscribe",
            "punsubscribe",
            "sunsubscribe",
        ]
        .iter()
        .any(|w| eq_ic(name, w))
        {
            return true;
        }
        if eq_ic(name, "client") && args.get(1).is_some_and(|a| eq_ic(a, "reply")) {
            return client.reply == ReplyMode::On;
        }
        match before {
            ReplyMode::On => true,
            ReplyMode::Off => false,
            ReplyMode::Skip => {
                client.reply = ReplyMode::On;
                false
            }
        }
    }
}

/// Per-connection state that commands read and change.
pub struct ClientState {
    pub id: u64,
    pub name: Option<Bytes>,
    pub resp3: bool,
    pub authenticated: bool,
    /// One-shot flag from ASKING, consumed by the next command.
    pub asking: bool,
    pub readonly: bool,
    pub multi: Option<Multi>,
    /// WATCHed keys and their versions when watched.
    pub watched: Vec<transactions::WatchedKey>,
    /// Blocking commands answer at once instead of blocking (inside EXEC, a script, or
    /// while a waiter is being served).
    pub no_block: bool,
    /// Pub/Sub subscriptions, once the client subscribed to something.
    pub subs: Option<Box<pubsub::Subscriptions>>,
    /// While an EXEC or a script runs: the writes it made, fed to replicas and the
    /// append-only file together when it ends ([`feed_transaction`]).
    pub held: Option<Held>,
    pub reply: ReplyMode,
    /// The selected database (SELECT).
    pub db: usize,
    /// The nodes.conf version a CLUSTER command of this batch changed: the connection
    /// sends the batch's replies once it is on disk.
    pub unsaved_cluster_config: Option<u64>,
}

/// The writes an EXEC or a script made so far, with a `SELECT` wherever the database
/// changed between them.
#[derive(Debug)]
pub struct Held {
    /// The database selected when holding started: the first command's.
    pub first_db: usize,
    /// The database of the last command held.
    pub last_db: usize,
    pub cmds: Vec<Vec<u8>>,
}

impl Held {
    fn push(&mut self, db: usize, cmds: Vec<Vec<u8>>) {
        if cmds.is_empty() {
            return;
        }
        if db != self.last_db {
            let number = db.to_string();
            self.cmds.push(crate::node::repl_state::encode(&[
                &b"SELECT"[..],
                number.as_bytes(),
            ]));
            self.last_db = db;
        }
        self.cmds.extend(cmds);
    }
}

#[derive(Default)]
pub struct Multi {
    pub queued: Vec<Vec<Bytes>>,
    /// A queued command was refused, so EXEC must abort.
    pub dirty: bool,
}

impl ClientState {
    pub fn new(id: u64, authenticated: bool) -> ClientState {
        ClientState {
            id,
            name: None,
            resp3: false,
            authenticated,
            asking: false,
            readonly: false,
            multi: None,
            watched: Vec::new(),
            no_block: false,
            subs: None,
            held: None,
            reply: ReplyMode::On,
            db: 0,
            unsaved_cluster_config: None,
        }
    }
}

/// What a handler gets: the locked keyspace, the time of this batch, shared state and
/// its connection.
pub struct Ctx<'a> {
    pub ks: &'a mut Keyspace,
    pub now: u64,
    pub shared: &'a Shared,
    pub client: &'a mut ClientState,
}

/// A command's handler. Most handlers return a bare [`Frame`]; the command table turns
/// that into an [`Outcome`] without a follow-up.
pub type Handler = fn(&mut Ctx, &[Bytes]) -> Outcome;

/// Runs one command and returns its outcome; an error reply is counted for INFO.
pub fn execute(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    let outcome = execute_counted(ctx, args);
    ctx.shared.stats.error_reply(&outcome.reply);
    outcome
}

fn execute_counted(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    let Some(spec) = lookup(&args[0]) else {
        if let Some(m) = ctx.client.multi.as_mut() {
            m.dirty = true;
        }
        return unknown_command(args).into();
    };
    if !spec.arity_ok(args.len()) {
        if let Some(m) = ctx.client.multi.as_mut() {
            m.dirty = true;
        }
        ctx.shared.stats.rejected(spec);
        return wrong_args(spec.name).into();
    }
    if !ctx.client.authenticated && !spec.no_auth() {
        ctx.shared.stats.rejected(spec);
        return Frame::static_error("NOAUTH Authentication required.").into();
    }
    // What Redis flags `no-multi`: refused inside a transaction, which it dooms.
    if ctx.client.multi.is_some() && matches!(spec.name, "save" | "shutdown" | "sync" | "psync") {
        if let Some(m) = ctx.client.multi.as_mut() {
            m.dirty = true;
        }
        ctx.shared.stats.rejected(spec);
        return Frame::static_error("ERR Command not allowed inside a transaction").into();
    }
    if let Some(refused) = pubsub::gate(ctx, spec.name, args) {
        ctx.shared.stats.rejected(spec);
        return refused.into();
    }
    // New keys are stamped with the time of the command that made them (LRU/LFU).
    ctx.ks.evict.clock_ms = ctx.now;
    if ctx.ks.evict.maxmemory > 0 {
        let room = crate::node::keyspace::evict::make_room(ctx);
        if let Err(oom) = room {
            if may_grow(ctx, spec, args) {
                ctx.shared.stats.rejected(spec);
                return refuse_write(ctx, spec, oom).into();
            }
        }
    }
    if ctx.shared.repl.loading() == crate::node::repl_state::Loading::Blocking
        && !spec.flags.contains(&"loading")
    {
        if let Some(m) = ctx.client.multi.as_mut() {
            m.dirty = true;
        }
        ctx.shared.stats.rejected(spec);
        return Frame::static_error("LOADING Redis is loading the dataset in memory").into();
    }
    if let Some(refused) = refuse_without_replicas(ctx, spec, args) {
        ctx.shared.stats.rejected(spec);
        return refused.into();
    }
    if let Some(refused) = refuse_stale(ctx, spec) {
        ctx.shared.stats.rejected(spec);
        return refused.into();
    }
    if ctx.client.multi.is_some() && !spec.runs_in_multi() {
        if let Err(e) = route(ctx, spec, args) {
            if let Some(m) = ctx.client.multi.as_mut() {
                m.dirty = true;
            }
            ctx.shared.stats.rejected(spec);
            return e.into();
        }
        if let Some(m) = ctx.client.multi.as_mut() {
            m.queued.push(args.to_vec());
        }
        return Frame::simple("QUEUED").into();
    }
    let reply = run(ctx, spec, args);
    if ctx.ks.blocked.has_ready() {
        blocking::serve_ready(ctx);
    }
    crate::node::notify::publish(ctx.shared, ctx.ks);
    reply
}

/// Whether a command may add memory: denyoom commands, and an EXEC with one queued.
fn may_grow(ctx: &Ctx, spec: &CommandSpec, args: &[Bytes]) -> bool {
    spec.denies_oom(args)
        || spec.name == "exec"
            && ctx.client.multi.as_ref().is_some_and(|m| {
                m.queued
                    .iter()
                    .any(|c| lookup(&c[0]).is_some_and(|s| s.denies_oom(c)))
            })
}

/// `min-replicas-to-write`: a write (or an EXEC with one queued) on a master with too few
/// good replicas gets -NOREPLICAS, checked where Redis checks it (before queueing, so a
/// refused queued write dooms the transaction; an EXEC refused so discards it).
fn refuse_without_replicas(ctx: &mut Ctx, spec: &CommandSpec, args: &[Bytes]) -> Option<Frame> {
    let writes = spec.writes(args)
        || spec.name == "exec"
            && ctx.client.multi.as_ref().is_some_and(|m| {
                m.queued
                    .iter()
                    .any(|c| lookup(&c[0]).is_some_and(|s| s.writes(c)))
            });
    if !writes {
        return None;
    }
    let (min, max_lag) = {
        let cfg = ctx.shared.config.read();
        (cfg.min_replicas_to_write, cfg.min_replicas_max_lag)
    };
    if ctx.shared.repl.enough_good_replicas(min, max_lag) {
        return None;
    }
    let refusal = Frame::static_error("NOREPLICAS Not enough good replicas to write.");
    Some(refuse_write(ctx, spec, refusal))
}

/// The commands (or, for the containers, every subcommand) a replica with
/// `replica-serve-stale-data no` still serves while its master link is down: those Redis
/// 7.0 flags `stale`.
const SERVED_STALE: &[&str] = &[
    "acl",
    "auth",
    "client",
    "cluster",
    "command",
    "config",
    "debug",
    "discard",
    "echo",
    "eval",
    "eval_ro",
    "evalsha",
    "evalsha_ro",
    "exec",
    "failover",
    "fcall",
    "fcall_ro",
    "hello",
    "info",
    "lastsave",
    "latency",
    "monitor",
    "multi",
    "psubscribe",
    "publish",
    "pubsub",
    "punsubscribe",
    "quit",
    "readonly",
    "readwrite",
    "replconf",
    "replicaof",
    "reset",
    "role",
    "select",
    "shutdown",
    "slaveof",
    "slowlog",
    "spublish",
    "ssubscribe",
    "subscribe",
    "sunsubscribe",
    "time",
    "unsubscribe",
    "unwatch",
    "watch",
];

/// `replica-serve-stale-data no` on a replica whose master link is down: -MASTERDOWN for
/// commands Redis does not serve stale (an EXEC with one of them queued is discarded).
fn refuse_stale(ctx: &mut Ctx, spec: &CommandSpec) -> Option<Frame> {
    let repl = &ctx.shared.repl;
    if !repl.is_replica() || ctx.shared.config.read().replica_serve_stale_data {
        return None;
    }
    let stale_ok = |name: &str| SERVED_STALE.contains(&name);
    let refused = !stale_ok(spec.name)
        || spec.name == "exec"
            && ctx.client.multi.as_ref().is_some_and(|m| {
                m.queued
                    .iter()
                    .any(|c| lookup(&c[0]).is_none_or(|s| !stale_ok(s.name)))
            });
    if !refused || !repl.master_link_down() {
        return None;
    }
    let refusal = Frame::static_error(
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
    );
    Some(refuse_write(ctx, spec, refusal))
}

/// A gate's refusal (-OOM, -NOREPLICAS, -MASTERDOWN), as Redis words it: at queueing time
/// it also aborts the transaction, and an EXEC refused for it discards the transaction.
fn refuse_write(ctx: &mut Ctx, spec: &CommandSpec, oom: Frame) -> Frame {
    if spec.name == "exec" {
        ctx.client.multi = None;
        transactions::unwatch_all(ctx);
        let Frame::Error(text) = &oom else {
            return oom;
        };
        return Frame::error(format!(
            "EXECABORT Transaction discarded because of: {}",
            String::from_utf8_lossy(text)
        ));
    }
    if let Some(m) = ctx.client.multi.as_mut() {
        m.dirty = true;
    }
    oom
}

/// Routing and the handler, without the MULTI and auth gates (EXEC uses this).
pub fn run(ctx: &mut Ctx, spec: &CommandSpec, args: &[Bytes]) -> Outcome {
    if let Err(e) = route(ctx, spec, args) {
        ctx.shared.stats.rejected(spec);
        return e.into();
    }
    let repl = &ctx.shared.repl;
    let writes = spec.writes(args);
    if writes && repl.is_replica() {
        ctx.shared.stats.rejected(spec);
        return Frame::static_error("READONLY You can't write against a read only replica.").into();
    }
    if writes && ctx.shared.persist.refuses_writes(ctx.shared) {
        ctx.shared.stats.rejected(spec);
        return Frame::static_error("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.").into();
    }
    let existed = crate::node::notify::existing_keys(ctx.ks, spec, args, ctx.now);
    let started = std::time::Instant::now();
    let outcome = (spec.handler)(ctx, args);
    let reply = &outcome.reply;
    if let Some(stat) = ctx.shared.stats.command(spec) {
        Stats::add(&stat.calls, 1);
        Stats::add(&stat.usec, started.elapsed().as_micros() as u64);
        if reply.is_error() {
            Stats::add(&stat.failed, 1);
        }
    }
    if !ctx.ks.watched.is_empty() && spec.is_write() && !reply.is_error() {
        touch_keys(ctx, spec, args);
    }
    let persist = &ctx.shared.persist;
    if writes && !reply.is_error() {
        blocking::after_write(ctx.ks, spec, args, reply);
        persist.note_write();
        if ctx.ks.notify != 0
            && !crate::node::replication::propagate::changed_nothing(spec.name, reply)
        {
            crate::node::notify::command_events(ctx.ks, spec, args, reply, existed, ctx.now);
        }
    }
    if repl.feeding() || persist.logging() {
        let cmds = crate::node::replication::propagate::written_by(spec, args, &outcome, ctx.now);
        let db = ctx.ks.selected();
        match ctx.client.held.as_mut() {
            Some(held) => held.push(db, cmds),
            None => feed_written(ctx, db, &cmds, db),
        }
    }
    outcome
}

/// Feeds what commands wrote to the append-only file and the replicas (with the keys that
/// expired meanwhile): `cmds` start in database `first_db` and end in `last_db` (they
/// carry their own SELECTs in between).
fn feed_written(ctx: &mut Ctx, first_db: usize, cmds: &[Vec<u8>], last_db: usize) {
    let persist = &ctx.shared.persist;
    if persist.logging() && !cmds.is_empty() {
        persist.feed(first_db, cmds, last_db);
    }
    let repl = &ctx.shared.repl;
    if repl.feeding() {
        let repl = std::sync::Arc::clone(repl);
        repl.after_command(ctx, first_db, cmds, last_db);
    }
}

/// Starts holding the writes of an EXEC or a script; `false` when an enclosing one
/// already holds them (a script inside EXEC), which then feeds them.
pub fn hold_writes(ctx: &mut Ctx) -> bool {
    if ctx.client.held.is_some() {
        return false;
    }
    let db = ctx.ks.selected();
    ctx.client.held = Some(Held {
        first_db: db,
        last_db: db,
        cmds: Vec::new(),
    });
    true
}

/// Feeds the held writes as Redis 7 propagates a transaction or a script: one write as it
/// is, several wrapped in MULTI/EXEC so replicas and the log apply them atomically.
pub fn feed_transaction(ctx: &mut Ctx) {
    let Some(Held {
        first_db,
        last_db,
        mut cmds,
    }) = ctx.client.held.take()
    else {
        return;
    };
    if cmds.len() > 1 {
        use crate::node::replication::propagate::encode;
        cmds.insert(0, encode(&[b"MULTI"]));
        cmds.push(encode(&[b"EXEC"]));
    }
    feed_written(ctx, first_db, &cmds, last_db);
}

/// Marks the keys a write touched, for WATCH. (Keyless writes such as FLUSHALL touch
/// what they remove themselves.)
fn touch_keys(ctx: &mut Ctx, spec: &CommandSpec, args: &[Bytes]) {
    let db = ctx.ks.selected();
    for key in spec.keys(args) {
        ctx.ks.watched.changed(db, key);
    }
}

/// In cluster mode: every key must hash to one slot, and the router must agree that the
/// slot is served here.
fn route(ctx: &mut Ctx, spec: &CommandSpec, args: &[Bytes]) -> Result<(), Frame> {
    // RESTORE-ASKING is what MIGRATE sends into a slot being imported.
    let asking = std::mem::take(&mut ctx.client.asking) || spec.name == "restore-asking";
    // XREAD and XREADGROUP have their keys after STREAMS (`spec.keys` finds them).
    let keys_after_streams = matches!(spec.name, "xread" | "xreadgroup");
    if !ctx.shared.cluster_enabled || (spec.first == 0 && !keys_after_streams) {
        return Ok(());
    }
    let first = spec.first as usize;
    if args.len() <= first && !keys_after_streams {
        return Ok(());
    }
    let rctx = RouteCtx {
        asking,
        readonly: ctx.client.readonly,
        is_write: spec.writes(args),
        channels: matches!(spec.name, "spublish" | "ssubscribe" | "sunsubscribe"),
    };
    let router = ctx.shared.router();
    // Most commands have one key or a contiguous run of keys: pass a slice of the
    // arguments, no allocation. Only stepped key lists (MSET) are gathered.
    if spec.step == 1 {
        let last = if spec.last < 0 {
            (args.len() as i32 + spec.last) as usize
        } else {
            (spec.last as usize).min(args.len() - 1)
        };
        let keys = &args[first..=last.max(first)];
        let slot = key_slot(&keys[0]);
        if keys[1..].iter().any(|k| key_slot(k) != slot) {
            return Err(crossslot());
        }
        return router.route(slot, &rctx, keys, &*ctx.ks);
    }
    let keys: Vec<Bytes> = spec.keys(args).into_iter().cloned().collect();
    let Some(slot) = keys.first().map(|k| key_slot(k)) else {
        return Ok(());
    };
    if keys[1..].iter().any(|k| key_slot(k) != slot) {
        return Err(crossslot());
    }
    router.route(slot, &rctx, &keys, &*ctx.ks)
}

fn crossslot() -> Frame {
    Frame::static_error("CROSSSLOT Keys in request don't hash to the same slot")
}

/// `ERR unknown command 'x', with args beginning with: 'a' 'b' ` exactly as Redis 7 words it.
pub fn unknown_command(args: &[Bytes]) -> Frame {
    let mut text = format!(
        "ERR unknown command '{}', with args beginning with: ",
        shorten(&args[0], 128)
    );
    for arg in &args[1..] {
        if text.len() >= 128 + 60 {
            break;
        }
        text.push_str(&format!("'{}' ", shorten(arg, 128)));
    }
    Frame::error(text)
}

fn shorten(b: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&b[..b.len().min(max)]).into_owned()
}

pub fn wrong_args(name: &str) -> Frame {
    Frame::error(format!(
        "ERR wrong number of arguments for '{name}' command"
    ))
}

/// The error for a bad subcommand: Redis 7 tells an unknown subcommand apart from a known
/// one with the wrong number of arguments (`'client|setname'`).
pub fn bad_subcommand(cmd: &str, sub: &[u8], known: &[&str]) -> Frame {
    let lower = String::from_utf8_lossy(sub).to_ascii_lowercase();
    if known.contains(&lower.as_str()) {
        wrong_args(&format!("{cmd}|{lower}"))
    } else {
        Frame::error(format!(
            "ERR unknown subcommand '{}'. Try {} HELP.",
            shorten(sub, 128),
            cmd.to_ascii_uppercase()
        ))
    }
}

pub fn wrongtype() -> Frame {
    Frame::static_error("WRONGTYPE Operation against a key holding the wrong kind of value")
}

pub fn not_integer() -> Frame {
    Frame::static_error("ERR value is not an integer or out of range")
}

pub fn not_float() -> Frame {
    Frame::static_error("ERR value is not a valid float")
}

pub fn syntax_error() -> Frame {
    Frame::static_error("ERR syntax error")
}

pub fn int_arg(arg: &[u8]) -> Result<i64, Frame> {
    super::resp::parse_i64_pub(arg).ok_or_else(not_integer)
}

/// An integer argument whose error names it, as Redis does for many options.
pub fn int_arg_or(arg: &[u8], error: &'static str) -> Result<i64, Frame> {
    super::resp::parse_i64_pub(arg).ok_or_else(|| Frame::static_error(error))
}

/// Floats as Redis's strtold-based parser takes them: `inf`, `-inf`, decimals, exponents;
/// never NaN.
pub fn parse_float(arg: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(arg).ok()?;
    if s.is_empty() || s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
        return None;
    }
    let v: f64 = match s.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        "nan" | "+nan" | "-nan" => return None,
        _ => s.parse().ok()?,
    };
    (!v.is_nan()).then_some(v)
}

pub fn float_arg(arg: &[u8]) -> Result<f64, Frame> {
    parse_float(arg).ok_or_else(not_float)
}

pub fn eq_ic(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

/// A bulk reply copied from `b`; short ones travel inside the frame, unallocated.
pub fn bulk(b: &[u8]) -> Frame {
    match super::resp::InlineBulk::new(b) {
        Some(small) => Frame::InlineBulk(small),
        None => Frame::Bulk(Bytes::copy_from_slice(b)),
    }
}

pub fn int(n: usize) -> Frame {
    Frame::Integer(n as i64)
}

/// Normalises a (start, end) range with negative indexes against `len`, as LRANGE,
/// GETRANGE and ZRANGE do; `None` when empty.
pub fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let end = if end < 0 { len + end } else { end.min(len - 1) };
    (start <= end && start < len && end >= 0).then_some((start as usize, end as usize))
}

#[cfg(test)]
pub(crate) mod testing {
    //! Drives commands against a fresh keyspace, comparing encoded replies with the bytes
    //! Redis 7 sends.

    use super::*;
    use crate::node::config::NodeConfig;
    use std::sync::Arc;

    pub struct Harness {
        pub shared: Arc<Shared>,
        pub client: ClientState,
        pub now: u64,
    }

    impl Harness {
        pub fn new() -> Harness {
            Self::with_config(NodeConfig::default())
        }

        /// A node outside cluster mode (keys of any slots together).
        pub fn standalone() -> Harness {
            Self::with_config(NodeConfig {
                cluster_enabled: false,
                ..Default::default()
            })
        }

        pub fn with_config(cfg: NodeConfig) -> Harness {
            let auth = cfg.requirepass.is_none();
            Harness {
                shared: Shared::new(cfg),
                client: ClientState::new(1, auth),
                now: 1_000_000,
            }
        }

        pub fn frame(&mut self, line: &str) -> Frame {
            self.outcome(line).reply
        }

        /// The whole outcome, follow-up included.
        pub fn outcome(&mut self, line: &str) -> super::Outcome {
            let args = crate::node::resp::split_args(line.as_bytes()).unwrap();
            let mut ks = self.shared.keyspace.lock();
            ks.select(self.client.db);
            let mut ctx = Ctx {
                ks: &mut ks,
                now: self.now,
                shared: &self.shared,
                client: &mut self.client,
            };
            let outcome = execute(&mut ctx, &args);
            ks.select(0);
            outcome
        }

        /// The reply as RESP2 text.
        pub fn run(&mut self, line: &str) -> String {
            let f = self.frame(line);
            String::from_utf8_lossy(&f.to_bytes(self.client.resp3)).into_owned()
        }

        /// Runs each `(command, expected reply)` pair in order.
        pub fn check(&mut self, cases: &[(&str, &str)]) {
            for (cmd, want) in cases {
                assert_eq!(self.run(cmd), *want, "reply to {cmd:?}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::Harness;

    #[test]
    fn errors_keep_redis_wording() {
        let mut h = Harness::new();
        h.check(&[
            (
                "foo a b",
                "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n",
            ),
            (
                "foo",
                "-ERR unknown command 'foo', with args beginning with: \r\n",
            ),
            (
                "GET",
                "-ERR wrong number of arguments for 'get' command\r\n",
            ),
            ("set k v xx nx", "-ERR syntax error\r\n"),
            (
                "mset {a}1 1 {b}2 2",
                "-CROSSSLOT Keys in request don't hash to the same slot\r\n",
            ),
            ("mset {a}1 1 {a}2 2", "+OK\r\n"),
        ]);
    }

    #[test]
    fn auth_is_required_when_configured() {
        let cfg = crate::node::config::NodeConfig {
            requirepass: Some("pw".into()),
            ..Default::default()
        };
        let mut h = Harness::with_config(cfg);
        h.check(&[
            ("get a", "-NOAUTH Authentication required.\r\n"),
            (
                "auth bad",
                "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
            ),
            ("auth pw", "+OK\r\n"),
            ("get a", "$-1\r\n"),
        ]);
    }

    #[test]
    fn multi_exec_discard() {
        let mut h = Harness::new();
        h.check(&[
            ("multi", "+OK\r\n"),
            ("set a 1", "+QUEUED\r\n"),
            ("incr a", "+QUEUED\r\n"),
            ("exec", "*2\r\n+OK\r\n:2\r\n"),
            ("exec", "-ERR EXEC without MULTI\r\n"),
            ("multi", "+OK\r\n"),
            ("multi", "-ERR MULTI calls can not be nested\r\n"),
            (
                "get",
                "-ERR wrong number of arguments for 'get' command\r\n",
            ),
            (
                "exec",
                "-EXECABORT Transaction discarded because of previous errors.\r\n",
            ),
            ("multi", "+OK\r\n"),
            ("set a 5", "+QUEUED\r\n"),
            ("discard", "+OK\r\n"),
            ("get a", "$1\r\n2\r\n"),
        ]);
    }
}
