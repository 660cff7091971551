//! The command table: name, arity, flags and key positions (first, last, step) as Redis
//! declares them, plus the handler. Routing, COMMAND and arity checks all read it.

use std::sync::OnceLock;

use bytes::Bytes;

use super::bits;
use super::{
    blocking as b, client as c, functions as fu, generic as g, hashes as h, info, lcs, lists as l,
    migrate as mg, pubsub as ps, random as rnd, repl as rp, scripting as sc, server as s,
    sets as st, sort as so, stream_groups as xg, streams as xs, strings as str_,
    transactions as tx, zsets as z, zsets_store as zs, Handler,
};
use crate::node::resp::Frame;

pub struct CommandSpec {
    pub name: &'static str,
    /// Positive: exact argument count (name included); negative: at least that many.
    pub arity: i32,
    pub flags: &'static [&'static str],
    pub first: i32,
    /// Negative counts from the end (-1: the last argument).
    pub last: i32,
    pub step: i32,
    pub handler: Handler,
}

impl CommandSpec {
    pub fn arity_ok(&self, argc: usize) -> bool {
        let a = self.arity;
        if a >= 0 {
            argc == a as usize
        } else {
            argc >= (-a) as usize
        }
    }

    pub fn is_write(&self) -> bool {
        self.flags.contains(&"write")
    }

    /// Whether this call writes: the command's flag, or for FUNCTION the subcommand's
    /// (LOAD, DELETE, FLUSH and RESTORE change the libraries, which are data), so those
    /// are refused on replicas and reach replicas and the append-only file.
    pub fn writes(&self, args: &[Bytes]) -> bool {
        self.is_write()
            || self.name == "eval"
                && args
                    .get(1)
                    .is_some_and(|b| super::scripting::eval_may_write(b))
            || self.name == "function"
                && args.get(1).is_some_and(|sub| {
                    ["load", "delete", "flush", "restore"]
                        .iter()
                        .any(|w| sub.eq_ignore_ascii_case(w.as_bytes()))
                })
    }

    /// Whether this call is refused when used memory is over `maxmemory`: the command's
    /// `denyoom` flag, or for FUNCTION the subcommands that add libraries (LOAD, RESTORE),
    /// as Redis flags them.
    pub fn denies_oom(&self, args: &[Bytes]) -> bool {
        self.flags.contains(&"denyoom")
            || self.name == "function"
                && args.get(1).is_some_and(|sub| {
                    ["load", "restore"]
                        .iter()
                        .any(|w| sub.eq_ignore_ascii_case(w.as_bytes()))
                })
    }

    /// This command's position in [`COMMANDS`] (for per-command counters).
    pub fn index(&self) -> usize {
        (self as *const CommandSpec as usize - COMMANDS.as_ptr() as usize)
            / std::mem::size_of::<CommandSpec>()
    }

    /// Commands allowed before AUTH.
    pub fn no_auth(&self) -> bool {
        self.flags.contains(&"no_auth")
    }

    /// Commands that run at once inside MULTI rather than being queued.
    pub fn runs_in_multi(&self) -> bool {
        matches!(
            self.name,
            "exec" | "discard" | "multi" | "quit" | "reset" | "watch" | "unwatch"
        )
    }

    /// The key arguments of a call.
    pub fn keys<'a>(&self, args: &'a [Bytes]) -> Vec<&'a Bytes> {
        if matches!(self.name, "xread" | "xreadgroup") {
            return super::streams::read_keys(args);
        }
        if self.first <= 0 || args.len() <= self.first as usize {
            return Vec::new();
        }
        if self.step == 0 {
            return self.movable_keys(args);
        }
        let last = if self.last < 0 {
            args.len() as i32 + self.last
        } else {
            self.last.min(args.len() as i32 - 1)
        };
        (self.first..=last)
            .step_by(self.step.max(1) as usize)
            .filter_map(|i| args.get(i as usize))
            .collect()
    }

    /// Commands whose keys are counted by an argument (`step == 0` in the table):
    /// `args[first..last]` are fixed keys (a destination) and `args[last]` is the number of
    /// keys that follow it (ZUNIONSTORE dest numkeys k..., SINTERCARD numkeys k...).
    fn movable_keys<'a>(&self, args: &'a [Bytes]) -> Vec<&'a Bytes> {
        let (first, at) = (self.first as usize, self.last as usize);
        let mut keys: Vec<&Bytes> = args
            .get(first..at)
            .map_or_else(Vec::new, |s| s.iter().collect());
        let n = args
            .get(at)
            .and_then(|a| crate::node::resp::parse_i64_pub(a))
            .unwrap_or(0)
            .max(0) as usize;
        keys.extend(args.iter().skip(at + 1).take(n));
        keys
    }

    /// This command's entry in the COMMAND reply (Redis 7 layout, ten fields).
    pub fn info_frame(&self) -> Frame {
        // Movable-key commands show their fixed keys only, as Redis's legacy triple does.
        let (first, last, step) = match self.step {
            0 if self.first < self.last => (self.first, self.first, 1),
            0 => (0, 0, 0),
            _ => (self.first, self.last, self.step),
        };
        Frame::Array(vec![
            Frame::bulk_str(self.name),
            Frame::Integer(self.arity as i64),
            Frame::Set(self.flags.iter().map(|f| Frame::simple(f)).collect()),
            Frame::Integer(first as i64),
            Frame::Integer(last as i64),
            Frame::Integer(step as i64),
            Frame::Set(vec![]),
            Frame::Set(vec![]),
            Frame::Array(vec![]),
            Frame::Array(vec![]),
        ])
    }
}

const W: &[&str] = &["write", "denyoom"];
const WF: &[&str] = &["write", "denyoom", "fast"];
const WD: &[&str] = &["write"];
const R: &[&str] = &["readonly"];
const RF: &[&str] = &["readonly", "fast"];
const A: &[&str] = &["admin", "noscript", "loading", "stale"];
const F: &[&str] = &["fast", "loading", "stale"];
const RM: &[&str] = &["readonly", "movablekeys"];
const WM: &[&str] = &["write", "denyoom", "movablekeys"];
const WB: &[&str] = &["write", "blocking", "noscript"];
const WBM: &[&str] = &["write", "blocking", "movablekeys", "noscript"];
const PS: &[&str] = &["pubsub", "noscript", "loading", "stale"];
const PB: &[&str] = &["pubsub", "loading", "stale", "fast", "may_replicate"];
const EV: &[&str] = &[
    "noscript",
    "stale",
    "skip_monitor",
    "may_replicate",
    "no_mandatory_keys",
    "movablekeys",
];
const EVR: &[&str] = &[
    "noscript",
    "stale",
    "skip_monitor",
    "no_mandatory_keys",
    "movablekeys",
    "readonly",
];
const RBM: &[&str] = &["readonly", "blocking", "movablekeys"];
/// XREADGROUP: blocking, but allowed in scripts (without BLOCK), as in Redis.
const WBMS: &[&str] = &["write", "blocking", "movablekeys"];
const SC: &[&str] = &["noscript"];
const NA: &[&str] = &["noscript", "loading", "stale", "fast", "no_auth"];

macro_rules! cmds {
    ($($name:literal $arity:literal $flags:ident $first:literal $last:literal $step:literal $handler:path;)*) => {
        pub static COMMANDS: &[CommandSpec] = &[
            $(CommandSpec { name: $name, arity: $arity, flags: $flags, first: $first, last: $last, step: $step, handler: |ctx, args| $handler(ctx, args).into() },)*
        ];
    };
}

cmds! {
    "get" 2 RF 1 1 1 str_::get;
    "set" -3 W 1 1 1 str_::set;
    "setnx" 3 WF 1 1 1 str_::setnx;
    "setex" 4 W 1 1 1 str_::setex;
    "psetex" 4 W 1 1 1 str_::psetex;
    "getset" 3 WF 1 1 1 str_::getset;
    "getdel" 2 WF 1 1 1 str_::getdel;
    "getex" -2 WF 1 1 1 str_::getex;
    "mget" -2 RF 1 -1 1 str_::mget;
    "mset" -3 W 1 -1 2 str_::mset;
    "msetnx" -3 W 1 -1 2 str_::msetnx;
    "incr" 2 WF 1 1 1 str_::incr;
    "decr" 2 WF 1 1 1 str_::decr;
    "incrby" 3 WF 1 1 1 str_::incrby;
    "decrby" 3 WF 1 1 1 str_::decrby;
    "incrbyfloat" 3 WF 1 1 1 str_::incrbyfloat;
    "append" 3 WF 1 1 1 str_::append;
    "strlen" 2 RF 1 1 1 str_::strlen;
    "getrange" 4 R 1 1 1 str_::getrange;
    "substr" 4 R 1 1 1 str_::getrange;
    "setrange" 4 W 1 1 1 str_::setrange;
    "del" -2 WD 1 -1 1 g::del;
    "unlink" -2 WF 1 -1 1 g::del;
    "exists" -2 RF 1 -1 1 g::exists;
    "touch" -2 RF 1 -1 1 g::touch;
    "type" 2 RF 1 1 1 g::type_;
    "expire" -3 WF 1 1 1 g::expire;
    "pexpire" -3 WF 1 1 1 g::pexpire;
    "expireat" -3 WF 1 1 1 g::expireat;
    "pexpireat" -3 WF 1 1 1 g::pexpireat;
    "ttl" 2 RF 1 1 1 g::ttl;
    "pttl" 2 RF 1 1 1 g::pttl;
    "expiretime" 2 RF 1 1 1 g::expiretime;
    "pexpiretime" 2 RF 1 1 1 g::pexpiretime;
    "persist" 2 WF 1 1 1 g::persist;
    "rename" 3 WD 1 2 1 g::rename;
    "renamenx" 3 WF 1 2 1 g::renamenx;
    "keys" 2 R 0 0 0 g::keys;
    "scan" -2 R 0 0 0 g::scan;
    "randomkey" 1 R 0 0 0 g::randomkey;
    "dbsize" 1 RF 0 0 0 g::dbsize;
    "flushall" -1 WD 0 0 0 g::flushall;
    "flushdb" -1 WD 0 0 0 g::flushall;
    "hset" -4 WF 1 1 1 h::hset;
    "hmset" -4 WF 1 1 1 h::hset;
    "hsetnx" 4 WF 1 1 1 h::hsetnx;
    "hget" 3 RF 1 1 1 h::hget;
    "hmget" -3 RF 1 1 1 h::hmget;
    "hgetall" 2 R 1 1 1 h::hgetall;
    "hkeys" 2 R 1 1 1 h::hkeys;
    "hvals" 2 R 1 1 1 h::hvals;
    "hdel" -3 WF 1 1 1 h::hdel;
    "hlen" 2 RF 1 1 1 h::hlen;
    "hexists" 3 RF 1 1 1 h::hexists;
    "hstrlen" 3 RF 1 1 1 h::hstrlen;
    "hincrby" 4 WF 1 1 1 h::hincrby;
    "hincrbyfloat" 4 WF 1 1 1 h::hincrbyfloat;
    "hrandfield" -2 R 1 1 1 rnd::hrandfield;
    "hscan" -3 R 1 1 1 h::hscan;
    "lpush" -3 WF 1 1 1 l::lpush;
    "rpush" -3 WF 1 1 1 l::rpush;
    "lpushx" -3 WF 1 1 1 l::lpushx;
    "rpushx" -3 WF 1 1 1 l::rpushx;
    "lpop" -2 WF 1 1 1 l::lpop;
    "rpop" -2 WF 1 1 1 l::rpop;
    "llen" 2 RF 1 1 1 l::llen;
    "lrange" 4 R 1 1 1 l::lrange;
    "lindex" 3 R 1 1 1 l::lindex;
    "lset" 4 W 1 1 1 l::lset;
    "lrem" 4 WD 1 1 1 l::lrem;
    "ltrim" 4 WD 1 1 1 l::ltrim;
    "linsert" 5 W 1 1 1 l::linsert;
    "rpoplpush" 3 W 1 2 1 l::rpoplpush;
    "lmove" 5 W 1 2 1 l::lmove;
    "sadd" -3 WF 1 1 1 st::sadd;
    "srem" -3 WF 1 1 1 st::srem;
    "smembers" 2 R 1 1 1 st::smembers;
    "sismember" 3 RF 1 1 1 st::sismember;
    "smismember" -3 RF 1 1 1 st::smismember;
    "scard" 2 RF 1 1 1 st::scard;
    "spop" -2 WF 1 1 1 st::spop;
    "srandmember" -2 R 1 1 1 rnd::srandmember;
    "smove" 4 WF 1 2 1 st::smove;
    "sinter" -2 R 1 -1 1 st::sinter;
    "sunion" -2 R 1 -1 1 st::sunion;
    "sdiff" -2 R 1 -1 1 st::sdiff;
    "sinterstore" -3 W 1 -1 1 st::sinterstore;
    "sunionstore" -3 W 1 -1 1 st::sunionstore;
    "sdiffstore" -3 W 1 -1 1 st::sdiffstore;
    "sscan" -3 R 1 1 1 st::sscan;
    "zadd" -4 WF 1 1 1 z::zadd;
    "zincrby" 4 WF 1 1 1 z::zincrby;
    "zrem" -3 WF 1 1 1 z::zrem;
    "zscore" 3 RF 1 1 1 z::zscore;
    "zmscore" -3 RF 1 1 1 z::zmscore;
    "zcard" 2 RF 1 1 1 z::zcard;
    "zcount" 4 RF 1 1 1 z::zcount;
    "zrank" 3 RF 1 1 1 z::zrank;
    "zrevrank" 3 RF 1 1 1 z::zrevrank;
    "zrange" -4 R 1 1 1 z::zrange;
    "zrevrange" -4 R 1 1 1 z::zrevrange;
    "zrangebyscore" -4 R 1 1 1 z::zrangebyscore;
    "zrevrangebyscore" -4 R 1 1 1 z::zrevrangebyscore;
    "zrangebylex" -4 R 1 1 1 z::zrangebylex;
    "zrevrangebylex" -4 R 1 1 1 z::zrevrangebylex;
    "zlexcount" 4 RF 1 1 1 z::zlexcount;
    "zrangestore" -5 W 1 2 1 z::zrangestore;
    "zpopmin" -2 WF 1 1 1 z::zpopmin;
    "zpopmax" -2 WF 1 1 1 z::zpopmax;
    "zscan" -3 R 1 1 1 z::zscan;
    "zrandmember" -2 R 1 1 1 rnd::zrandmember;
    "ping" -1 F 0 0 0 s::ping;
    "echo" 2 F 0 0 0 s::echo;
    "time" 1 F 0 0 0 s::time;
    "select" 2 F 0 0 0 s::select;
    "auth" -2 NA 0 0 0 c::auth;
    "hello" -1 NA 0 0 0 c::hello;
    "client" -2 A 0 0 0 c::client;
    "config" -2 A 0 0 0 s::config;
    "info" -1 F 0 0 0 info::info;
    "command" -1 F 0 0 0 command;
    "shutdown" -1 A 0 0 0 s::shutdown;
    "debug" -2 A 0 0 0 s::debug;
    "quit" -1 NA 0 0 0 s::quit;
    "reset" 1 NA 0 0 0 s::reset;
    "multi" 1 F 0 0 0 tx::multi;
    "exec" 1 F 0 0 0 tx::exec;
    "discard" 1 F 0 0 0 tx::discard;
    "watch" -2 F 1 -1 1 tx::watch;
    "unwatch" 1 F 0 0 0 tx::unwatch;
    "asking" 1 F 0 0 0 s::asking;
    "readonly" 1 F 0 0 0 s::readonly;
    "readwrite" 1 F 0 0 0 s::readonly;
    "cluster" -2 A 0 0 0 s::cluster;
    "lastsave" 1 F 0 0 0 s::lastsave;
    "role" 1 F 0 0 0 rp::role;
    "save" 1 A 0 0 0 s::save;
    "bgsave" -1 A 0 0 0 s::bgsave;
    "bgrewriteaof" 1 A 0 0 0 s::bgrewriteaof;
    "setbit" 4 W 1 1 1 bits::setbit;
    "getbit" 3 RF 1 1 1 bits::getbit;
    "bitcount" -2 R 1 1 1 bits::bitcount;
    "lpos" -3 R 1 1 1 l::lpos;
    "sintercard" -3 RM 1 1 0 st::sintercard;
    "copy" -3 W 1 2 1 g::copy;
    "move" 3 WF 1 1 1 g::move_;
    "swapdb" 3 WF 0 0 0 g::swapdb;
    "object" -2 R 2 2 1 g::object;
    "memory" -2 R 2 2 1 g::memory;
    "zremrangebyscore" 4 WD 1 1 1 zs::zremrangebyscore;
    "zremrangebyrank" 4 WD 1 1 1 zs::zremrangebyrank;
    "zunionstore" -4 WM 1 2 0 zs::zunionstore;
    "zinterstore" -4 WM 1 2 0 zs::zinterstore;
    "zdiffstore" -4 WM 1 2 0 zs::zdiffstore;
    "sort" -2 WM 1 1 1 so::sort;
    "lcs" -3 R 1 2 1 lcs::lcs;
    "sort_ro" -2 RM 1 1 1 so::sort_ro;
    "zunion" -3 RM 1 1 0 zs::zunion;
    "zinter" -3 RM 1 1 0 zs::zinter;
    "zdiff" -3 RM 1 1 0 zs::zdiff;
    "zintercard" -3 RM 1 1 0 zs::zintercard;
    "zremrangebylex" 4 WD 1 1 1 zs::zremrangebylex;
    "wait" 3 F 0 0 0 rp::wait;
    "dump" 2 R 1 1 1 mg::dump;
    "restore" -4 W 1 1 1 mg::restore;
    "restore-asking" -4 W 1 1 1 mg::restore;
    "migrate" -6 WD 0 0 0 mg::migrate;
    "replicaof" 3 A 0 0 0 rp::replicaof;
    "slaveof" 3 A 0 0 0 rp::replicaof;
    "replconf" -1 A 0 0 0 rp::replconf;
    "psync" -3 A 0 0 0 rp::psync;
    "sync" 1 A 0 0 0 rp::sync;
    "xadd" -5 WF 1 1 1 xs::xadd;
    "xlen" 2 RF 1 1 1 xs::xlen;
    "xrange" -4 R 1 1 1 xs::xrange;
    "xrevrange" -4 R 1 1 1 xs::xrevrange;
    "xdel" -3 WF 1 1 1 xs::xdel;
    "xtrim" -4 WD 1 1 1 xs::xtrim;
    "xread" -4 RBM 0 0 0 xs::xread;
    "xreadgroup" -7 WBMS 0 0 0 xg::xreadgroup;
    "xgroup" -2 WD 2 2 1 xg::xgroup;
    "xsetid" -3 WD 1 1 1 xg::xsetid;
    "xack" -4 WF 1 1 1 xg::xack;
    "xpending" -3 R 1 1 1 xg::xpending;
    "xclaim" -6 WF 1 1 1 xg::xclaim;
    "xautoclaim" -6 WF 1 1 1 xg::xautoclaim;
    "xinfo" -2 R 2 2 1 xg::xinfo;
    "blpop" -3 WB 1 -2 1 b::blpop;
    "brpop" -3 WB 1 -2 1 b::brpop;
    "brpoplpush" 4 WB 1 2 1 b::brpoplpush;
    "blmove" 6 WB 1 2 1 b::blmove;
    "blmpop" -5 WBM 3 2 0 b::blmpop;
    "lmpop" -4 WM 2 1 0 b::lmpop;
    "bzpopmin" -3 WB 1 -2 1 b::bzpopmin;
    "bzpopmax" -3 WB 1 -2 1 b::bzpopmax;
    "bzmpop" -5 WBM 3 2 0 b::bzmpop;
    "zmpop" -4 WM 2 1 0 b::zmpop;
    "subscribe" -2 PS 0 0 0 ps::subscribe;
    "psubscribe" -2 PS 0 0 0 ps::psubscribe;
    "ssubscribe" -2 PS 1 -1 1 ps::ssubscribe;
    "unsubscribe" -1 PS 0 0 0 ps::unsubscribe;
    "punsubscribe" -1 PS 0 0 0 ps::punsubscribe;
    "sunsubscribe" -1 PS 0 0 0 ps::sunsubscribe;
    "publish" 3 PB 0 0 0 ps::publish;
    "spublish" 3 PB 1 1 1 ps::spublish;
    "pubsub" -2 F 0 0 0 ps::pubsub;
    "eval" -3 EV 3 2 0 sc::eval;
    "evalsha" -3 EV 3 2 0 sc::evalsha;
    "eval_ro" -3 EVR 3 2 0 sc::eval_ro;
    "evalsha_ro" -3 EVR 3 2 0 sc::evalsha_ro;
    "script" -2 SC 0 0 0 sc::script;
    "function" -2 SC 0 0 0 fu::function;
    "fcall" -3 EV 3 2 0 fu::fcall;
    "fcall_ro" -3 EVR 3 2 0 fu::fcall_ro;
}

type Index = hashbrown::HashMap<&'static [u8], &'static CommandSpec>;

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| COMMANDS.iter().map(|c| (c.name.as_bytes(), c)).collect())
}

/// Finds a command by name, case-insensitively, without allocating.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut buf = [0u8; 32];
    let lower = buf.get_mut(..name.len())?;
    for (d, s) in lower.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    index().get(&*lower).copied()
}

/// COMMAND, COMMAND COUNT, COMMAND INFO name..., COMMAND DOCS [name...].
fn command(_: &mut super::Ctx, args: &[Bytes]) -> Frame {
    let Some(sub) = args.get(1) else {
        return Frame::Array(COMMANDS.iter().map(CommandSpec::info_frame).collect());
    };
    let sub = String::from_utf8_lossy(sub).to_ascii_lowercase();
    match sub.as_str() {
        "count" if args.len() == 2 => Frame::Integer(COMMANDS.len() as i64),
        "info" => {
            if args.len() == 2 {
                return Frame::Array(COMMANDS.iter().map(CommandSpec::info_frame).collect());
            }
            Frame::Array(
                args[2..]
                    .iter()
                    .map(|n| lookup(n).map_or(Frame::NullArray, CommandSpec::info_frame))
                    .collect(),
            )
        }
        "docs" => {
            let specs: Vec<&CommandSpec> = if args.len() == 2 {
                COMMANDS.iter().collect()
            } else {
                args[2..].iter().filter_map(|n| lookup(n)).collect()
            };
            Frame::Map(
                specs
                    .into_iter()
                    .map(|c| {
                        let doc = Frame::Map(vec![
                            (Frame::bulk_str("summary"), Frame::bulk_str(c.name)),
                            (Frame::bulk_str("since"), Frame::bulk_str("1.0.0")),
                            (Frame::bulk_str("group"), Frame::bulk_str("generic")),
                        ]);
                        (Frame::bulk_str(c.name), doc)
                    })
                    .collect(),
            )
        }
        "getkeys" if args.len() >= 3 => match lookup(&args[2]) {
            Some(spec) if spec.arity_ok(args.len() - 2) && spec.first > 0 => Frame::Array(
                spec.keys(&args[2..])
                    .into_iter()
                    .map(|k| Frame::Bulk(k.clone()))
                    .collect(),
            ),
            Some(_) => Frame::static_error("ERR The command has no key arguments"),
            None => Frame::static_error("ERR Invalid command specified"),
        },
        _ => super::bad_subcommand("command", &args[1], &["count", "info", "docs", "getkeys"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::cmd::testing::Harness;

    #[test]
    fn key_positions() {
        let args: Vec<Bytes> = ["mset", "a", "1", "b", "2"]
            .iter()
            .map(|s| Bytes::from(*s))
            .collect();
        let keys: Vec<&[u8]> = lookup(b"MSET")
            .unwrap()
            .keys(&args)
            .into_iter()
            .map(|b| &b[..])
            .collect();
        assert_eq!(keys, vec![&b"a"[..], b"b"]);
        assert!(lookup(b"nope").is_none());
        assert!(lookup(&[b'x'; 100]).is_none());
    }

    #[test]
    fn command_replies() {
        let mut h = Harness::new();
        assert_eq!(h.run("command count"), format!(":{}\r\n", COMMANDS.len()));
        assert_eq!(
            h.run("command info get"),
            "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*0\r\n*0\r\n*0\r\n*0\r\n"
        );
        assert_eq!(
            h.run("command getkeys mset a 1 b 2"),
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n"
        );
    }
}
