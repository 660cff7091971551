//! Lua scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD/EXISTS/FLUSH/KILL,
//! on Lua 5.1 (vendored through mlua), with Redis's conversion rules between Lua values
//! and replies.
//!
//! A script runs under the keyspace lock like any command, so it is atomic. `redis.call`
//! and `redis.pcall` run commands through the ordinary path ([`super::run`]): routing,
//! replica refusal, WATCH and blocked-client bookkeeping, and replication, which therefore
//! carries the script's effects (each write it made) rather than the script. Blocking
//! commands answer at once inside a script. In cluster mode every key a script touches must
//! hash to the slot of its declared keys and be served here.
//!
//! Globals are read-only for scripts (reading an undefined one or creating one is an
//! error) and `loadfile`/`dofile`/`print` are gone. A script running longer than
//! `busy-reply-threshold` (`lua-time-limit`) keeps running, as in Redis, while other
//! clients get -BUSY instead of waiting ([`busy_reply`]); SCRIPT KILL stops it unless it
//! already wrote, and SHUTDOWN NOSAVE stops the node in any case.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use hashbrown::HashMap;
use mlua::{Function, HookTriggers, Lua, LuaOptions, StdLib, Table, Value, Variadic, VmState};

use super::{eq_ic, int_arg, lookup, run, Ctx};
use crate::model::key_slot;
use crate::node::clock::now_ms;
use crate::node::resp::Frame;

/// Set up once per interpreter: the parts of the `redis` library written in Lua, the
/// protection of globals, and the wrapper every script runs in. `redis.call`, `redis.pcall`
/// and `redis.setresp` are native, set for each run (they reach the running command's
/// context); being native also keeps the caller's frame under `return redis.call(...)`, so
/// an error names the script's line as Redis does.
const BOOTSTRAP: &str = r#"
redis = {}
redis.error_reply = function(e)
  if type(e) ~= 'string' then error("wrong number or type of arguments", 2) end
  return {err = e}
end
redis.status_reply = function(s)
  if type(s) ~= 'string' then error("wrong number or type of arguments", 2) end
  return {ok = s}
end
redis.sha1hex = function(s) return __rclust_sha1hex(s) end
redis.log = function() end
redis.set_repl = function() end
redis.replicate_commands = function() return true end
redis.breakpoint = function() return false end
redis.debug = function() end
redis.LOG_DEBUG = 0
redis.LOG_VERBOSE = 1
redis.LOG_NOTICE = 2
redis.LOG_WARNING = 3
redis.REPL_NONE = 0
redis.REPL_AOF = 1
redis.REPL_SLAVE = 2
redis.REPL_REPLICA = 2
redis.REPL_ALL = 3
redis.REDIS_VERSION = '7.0.15'
redis.REDIS_VERSION_NUM = 0x0007000f
__rclust_run = function(f)
  return pcall(f)
end
__rclust_call = function(f, keys, args)
  return pcall(f, keys, args)
end
__rclust_library_env = function(f, api)
  local loading = true
  local env = setmetatable({}, {
    __index = function(_, k)
      if loading then
        if k == 'redis' then return api end
      else
        local v = rawget(_G, k)
        if v ~= nil then return v end
      end
      error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
    end,
    __newindex = function()
      error("Attempt to modify a readonly table", 2)
    end,
    __metatable = false,
  })
  setfenv(f, env)
  return function() loading = false end
end
loadfile = nil
dofile = nil
print = nil
setmetatable(_G, {
  __index = function(_, k)
    error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
  end,
  __newindex = function(_, k)
    error("Attempt to modify a readonly table", 2)
  end,
  __metatable = false,
})
"#;

/// The running script, as other connections see it without the keyspace lock (which
/// the script holds): when it started, whether SCRIPT KILL asked it to stop, and whether
/// it wrote (then it may not be killed, as in Redis).
#[derive(Default)]
pub struct ScriptRun {
    /// Unix ms; 0: no script is running.
    started_ms: AtomicU64,
    kill: AtomicBool,
    wrote: AtomicBool,
    /// The running script is a function (FCALL), which FUNCTION KILL stops, not SCRIPT KILL.
    function: AtomicBool,
    /// While FUNCTION LOAD runs a library's code: when it must give up (Unix ms; 0: no
    /// limit), as Redis's 500 ms load timeout.
    load_deadline_ms: AtomicU64,
    /// The running function as FUNCTION STATS shows it while the function holds the
    /// keyspace (none for EVAL, which FUNCTION STATS answers with -BUSY).
    function_stats: parking_lot::Mutex<Option<RunningFunction>>,
}

/// A running function, for FUNCTION STATS: its name, the caller's command, and the
/// library and function counts when it started (a function cannot change them).
pub(super) struct RunningFunction {
    pub name: String,
    pub command: Vec<Bytes>,
    pub libraries: usize,
    pub functions: usize,
}

const BUSY_EVAL: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
const BUSY_FUNCTION: &str =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

impl ScriptRun {
    /// A script has run for at least `threshold_ms` (`busy-reply-threshold`): other
    /// clients get -BUSY instead of waiting for it.
    pub fn busy(&self, threshold_ms: u64) -> bool {
        let started = self.started_ms.load(Ordering::Relaxed);
        started != 0 && now_ms().saturating_sub(started) >= threshold_ms
    }

    fn start(&self, function: bool) {
        self.kill.store(false, Ordering::Relaxed);
        self.wrote.store(false, Ordering::Relaxed);
        self.function.store(function, Ordering::Relaxed);
        if !function {
            *self.function_stats.lock() = None;
        }
        self.started_ms.store(now_ms().max(1), Ordering::Relaxed);
    }

    /// The -BUSY reply for the script running now.
    fn busy_text(&self) -> &'static str {
        if self.function.load(Ordering::Relaxed) {
            BUSY_FUNCTION
        } else {
            BUSY_EVAL
        }
    }

    pub(super) fn set_load_deadline(&self, at_ms: u64) {
        self.load_deadline_ms.store(at_ms, Ordering::Relaxed);
    }

    fn end(&self) {
        self.started_ms.store(0, Ordering::Relaxed);
        *self.function_stats.lock() = None;
    }

    /// Called by FCALL before it runs its function ([`ScriptRun::end`] forgets it).
    pub(super) fn describe_function(&self, running: RunningFunction) {
        *self.function_stats.lock() = Some(running);
    }

    /// FUNCTION STATS while a script is busy: the running function, or -BUSY for EVAL.
    fn function_stats(&self) -> Frame {
        let started = self.started_ms.load(Ordering::Relaxed);
        match &*self.function_stats.lock() {
            Some(f) if started != 0 => super::functions::stats_frame(
                Some((&f.name, &f.command, now_ms().saturating_sub(started))),
                f.libraries,
                f.functions,
            ),
            _ => Frame::static_error(self.busy_text()),
        }
    }

    /// SCRIPT KILL (`function` false) or FUNCTION KILL while a script is busy: each
    /// stops only its own kind, as in Redis.
    pub fn request_kill(&self, function: bool) -> Frame {
        if self.started_ms.load(Ordering::Relaxed) == 0 {
            return Frame::static_error("NOTBUSY No scripts in execution right now.");
        }
        if self.wrote.load(Ordering::Relaxed) {
            return Frame::static_error("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.");
        }
        if function != self.function.load(Ordering::Relaxed) {
            return Frame::static_error(self.busy_text());
        }
        self.kill.store(true, Ordering::Relaxed);
        Frame::ok()
    }
}

/// A command that arrived while a script is busy, answered without the keyspace: SCRIPT
/// KILL, the transaction commands that only touch the connection, QUIT, and -BUSY for
/// the rest (which also dooms an open transaction, as in Redis). `true`: close after.
pub fn busy_reply(
    shared: &crate::node::shared::Shared,
    client: &mut super::ClientState,
    args: &[Bytes],
) -> (Frame, bool) {
    let busy = shared.script_run.busy_text();
    let name = &args[0];
    let sub = |w: &str| args.len() == 2 && eq_ic(&args[1], w);
    if eq_ic(name, "script") && sub("kill") {
        return (shared.script_run.request_kill(false), false);
    }
    if eq_ic(name, "function") && sub("kill") {
        return (shared.script_run.request_kill(true), false);
    }
    if eq_ic(name, "function") && sub("stats") {
        return (shared.script_run.function_stats(), false);
    }
    if eq_ic(name, "quit") {
        return (Frame::ok(), true);
    }
    if eq_ic(name, "shutdown") && sub("nosave") {
        // The script may never give the keyspace back: leave at once, as Redis does.
        tracing::info!("User requested shutdown while a script is busy (NOSAVE)");
        // What the append-only file was handed so far still reaches it.
        shared.persist.after_batch();
        std::process::exit(0);
    }
    if eq_ic(name, "multi") && args.len() == 1 {
        if client.multi.is_some() {
            return (
                Frame::static_error("ERR MULTI calls can not be nested"),
                false,
            );
        }
        client.multi = Some(super::Multi::default());
        return (Frame::ok(), false);
    }
    if (eq_ic(name, "exec") || eq_ic(name, "discard")) && args.len() == 1 {
        let discard = eq_ic(name, "discard");
        return match (client.multi.take(), discard) {
            (None, true) => (Frame::static_error("ERR DISCARD without MULTI"), false),
            (None, false) => (Frame::static_error("ERR EXEC without MULTI"), false),
            (Some(_), true) => (Frame::ok(), false),
            (Some(_), false) => (
                Frame::error(format!(
                    "EXECABORT Transaction discarded because of: {busy}"
                )),
                false,
            ),
        };
    }
    if let Some(m) = client.multi.as_mut() {
        m.dirty = true;
    }
    (Frame::static_error(busy), false)
}

/// The interpreter and the scripts it knows, by SHA1.
pub struct Engine {
    pub(super) lua: Lua,
    scripts: HashMap<String, Function>,
}

impl Engine {
    /// An interpreter with the `redis` library and protected globals; EVAL's and the
    /// function libraries' are two of these.
    pub(super) fn new(run: Arc<ScriptRun>) -> mlua::Result<Engine> {
        let lua = Lua::new_with(
            StdLib::TABLE | StdLib::STRING | StdLib::MATH,
            LuaOptions::default(),
        )?;
        let sha = lua.create_function(|_, s: mlua::LuaString| Ok(sha1_hex(&s.as_bytes())))?;
        lua.globals().raw_set("__rclust_sha1hex", sha)?;
        lua.globals()
            .raw_set("bit", super::lua_bit::library(&lua)?)?;
        lua.load(BOOTSTRAP).set_name("@rclust_bootstrap").exec()?;
        // A long script keeps running, as in Redis: other clients get -BUSY meanwhile
        // and SCRIPT KILL stops it here.
        lua.set_hook(
            HookTriggers::new().every_nth_instruction(100_000),
            move |_, debug| {
                if run.kill.load(Ordering::Relaxed) {
                    // Named with the line it was running, as Redis's error handler does.
                    return Err(mlua::Error::external(CallError {
                        text: "ERR Script killed by user with SCRIPT KILL...".into(),
                        line: debug.current_line(),
                    }));
                }
                let deadline = run.load_deadline_ms.load(Ordering::Relaxed);
                if deadline != 0 && now_ms() > deadline {
                    return Err(mlua::Error::runtime("ERR FUNCTION LOAD timeout"));
                }
                Ok(VmState::Continue)
            },
        )?;
        Ok(Engine {
            lua,
            scripts: HashMap::new(),
        })
    }

    /// Compiles `body` (once) and returns its SHA1.
    fn load(&mut self, body: &[u8]) -> Result<String, Frame> {
        let sha = sha1_hex(body);
        if !self.scripts.contains_key(&sha) {
            let skip = match shebang(body) {
                Ok(found) => found.map_or(0, |(_, len)| len),
                Err(e) => return Err(Frame::error(format!("ERR {e}"))),
            };
            let f = self
                .lua
                .load(&body[skip..])
                .set_name("@user_script")
                .into_function()
                .map_err(|e| {
                    Frame::error(format!(
                        "ERR Error compiling script (new function): {}",
                        one_line(&lua_message(&e))
                    ))
                })?;
            self.scripts.insert(sha.clone(), f);
        }
        Ok(sha)
    }
}

/// An EVAL script's `#!lua [flags=a,b]` first line, as Redis 7 reads it: `Ok(None)`
/// without one (the script runs in the compatible mode of older versions), else its
/// flags and its length (the line is skipped when compiling, its newline kept so that
/// line numbers stay the user's).
pub(crate) fn shebang(body: &[u8]) -> Result<Option<(u8, usize)>, String> {
    if !body.starts_with(b"#!") {
        return Ok(None);
    }
    let Some(len) = body.iter().position(|&b| b == b'\n') else {
        return Err("Invalid script shebang".into());
    };
    let line = String::from_utf8_lossy(&body[..len]);
    let mut parts = line.split_ascii_whitespace();
    let engine = parts.next().unwrap_or_default();
    if engine != "#!lua" {
        return Err(format!("Unexpected engine in script shebang: {engine}"));
    }
    let mut flags = 0;
    for part in parts {
        let Some(list) = part.strip_prefix("flags=") else {
            return Err(format!("Unknown lua shebang option: {part}"));
        };
        for name in list.split(',') {
            match super::functions::FLAGS.iter().find(|(_, n)| *n == name) {
                Some((bit, _)) => flags |= bit,
                None => return Err(format!("Unexpected flag in script shebang: {name}")),
            }
        }
    }
    Ok(Some((flags, len)))
}

/// Whether EVAL's script may write: one with a shebang and no `no-writes` flag counts
/// as a write command (routed to the master, refused on a replica), as in Redis 7.
pub(crate) fn eval_may_write(body: &[u8]) -> bool {
    matches!(shebang(body), Ok(Some((flags, _))) if flags & super::functions::NO_WRITES == 0)
}

fn sha1_hex(data: &[u8]) -> String {
    sha1_smol::Sha1::from(data).digest().to_string()
}

/// The text of a Lua error without mlua's traceback.
pub(super) fn lua_message(e: &mlua::Error) -> String {
    match e {
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::RuntimeError(m) => m.clone(),
        mlua::Error::CallbackError { cause, .. } => lua_message(cause),
        other => other.to_string(),
    }
}

pub(super) fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

/// What `redis.call` needs while a script runs.
struct Running<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    read_only: bool,
    /// The slot of the declared keys (cluster mode), or of the first key touched.
    slot: Option<u16>,
    /// A function flagged `allow-cross-slot-keys`: keys of other slots (served here) may
    /// be touched.
    cross_slot: bool,
    /// `redis.setresp(3)` was called.
    resp3: bool,
    /// A function flagged `allow-oom`: its commands are not refused over maxmemory.
    allow_oom: bool,
}

/// An error raised into a script as a failed `redis.call` raises it: Redis's reply text
/// and the script's line.
pub(super) fn raise_call_error(text: &str, line: Option<usize>) -> mlua::Error {
    mlua::Error::external(CallError {
        text: text.into(),
        line,
    })
}

/// A failed `redis.call`, raised into the script: its error reply and the script's line.
#[derive(Debug)]
struct CallError {
    text: String,
    line: Option<usize>,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for CallError {}

/// The `redis.call` failure inside a Lua error, if that is what it is.
fn call_error(e: &mlua::Error) -> Option<&CallError> {
    match e {
        mlua::Error::CallbackError { cause, .. } => call_error(cause),
        mlua::Error::ExternalError(inner) => inner.downcast_ref::<CallError>(),
        _ => None,
    }
}

fn error_table(lua: &Lua, text: &str) -> mlua::Result<Value> {
    let t = lua.create_table()?;
    t.raw_set("err", text)?;
    t.raw_set("__rclust_error", true)?;
    Ok(Value::Table(t))
}

impl Running<'_, '_> {
    /// One `redis.call`/`redis.pcall`: the reply as a Lua value; a failure is an error
    /// table, which `redis.call` raises and `redis.pcall` returns.
    fn call(&mut self, lua: &Lua, args: Variadic<Value>) -> mlua::Result<Value> {
        let resp3 = self.resp3;
        if args.is_empty() {
            return error_table(
                lua,
                "ERR Please specify at least one argument for this redis lib call",
            );
        }
        let mut argv = Vec::with_capacity(args.len());
        for a in args.iter() {
            match a {
                Value::String(s) => argv.push(Bytes::copy_from_slice(&s.as_bytes())),
                Value::Integer(i) => argv.push(Bytes::from(i.to_string())),
                Value::Number(n) => argv.push(Bytes::from(lua_number_text(*n))),
                _ => {
                    return error_table(
                        lua,
                        "ERR Lua redis lib command arguments must be strings or integers",
                    )
                }
            }
        }
        let Some(spec) = lookup(&argv[0]) else {
            return error_table(lua, "ERR Unknown Redis command called from script");
        };
        if !spec.arity_ok(argv.len()) {
            return error_table(
                lua,
                "ERR Wrong number of args calling Redis command from script",
            );
        }
        if spec.flags.contains(&"noscript") {
            return error_table(lua, "ERR This Redis command is not allowed from script");
        }
        if self.read_only && spec.is_write() {
            return error_table(
                lua,
                "ERR Write commands are not allowed from read-only scripts.",
            );
        }
        // As Redis: over maxmemory only a script's first write may be refused (a later
        // one would leave it half done), and never in a function flagged `allow-oom`.
        let wrote = &self.ctx.shared.script_run.wrote;
        if spec.flags.contains(&"denyoom") && !self.allow_oom && !wrote.load(Ordering::Relaxed) {
            if let Err(oom) = crate::node::keyspace::evict::make_room(self.ctx) {
                return frame_to_lua(lua, &oom, resp3);
            }
        }
        if spec.is_write() {
            wrote.store(true, Ordering::Relaxed);
        }
        if self.ctx.shared.cluster_enabled && !self.cross_slot {
            for key in spec.keys(&argv) {
                let slot = key_slot(key);
                match self.slot {
                    None => self.slot = Some(slot),
                    Some(s) if s != slot => {
                        return error_table(
                            lua,
                            "ERR Script attempted to access keys that do not hash to the same slot",
                        )
                    }
                    Some(_) => {}
                }
            }
        }
        let client = &mut *self.ctx.client;
        let saved = (client.resp3, client.no_block);
        client.resp3 = resp3;
        client.no_block = true;
        // What a command would leave for the connection does not apply inside a script.
        let (reply, _) = run(self.ctx, spec, &argv).gathered(resp3);
        let client = &mut *self.ctx.client;
        (client.resp3, client.no_block) = saved;
        if let Frame::Error(e) = &reply {
            if e.starts_with(b"MOVED") || e.starts_with(b"ASK") {
                return error_table(
                    lua,
                    "ERR Script attempted to access a non local key in a cluster node",
                );
            }
        }
        frame_to_lua(lua, &reply, resp3)
    }
}

/// How Lua's `tostring` writes a number (`%.14g`).
fn lua_number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return format!("{}", n as i64);
    }
    crate::node::resp::format_g(n, c"%.14g")
}

/// A reply as a Lua value, by Redis's rules for the protocol the script chose.
fn frame_to_lua(lua: &Lua, f: &Frame, resp3: bool) -> mlua::Result<Value> {
    let seq = |items: &[Frame]| -> mlua::Result<Value> {
        let t = lua.create_table_with_capacity(items.len(), 0)?;
        for (i, item) in items.iter().enumerate() {
            t.raw_set(i + 1, frame_to_lua(lua, item, resp3)?)?;
        }
        Ok(Value::Table(t))
    };
    let wrap = |field: &str, v: Value| -> mlua::Result<Value> {
        let t = lua.create_table()?;
        t.raw_set(field, v)?;
        Ok(Value::Table(t))
    };
    Ok(match f {
        Frame::Simple(s) => wrap("ok", Value::String(lua.create_string(s)?))?,
        Frame::Error(e) => error_table(lua, &String::from_utf8_lossy(e))?,
        Frame::Integer(i) => Value::Number(*i as f64),
        Frame::Bulk(b) => Value::String(lua.create_string(b)?),
        Frame::InlineBulk(b) => Value::String(lua.create_string(b.as_bytes())?),
        Frame::Verbatim(_, b) => Value::String(lua.create_string(b)?),
        Frame::Null | Frame::NullArray if resp3 => Value::Nil,
        Frame::Null | Frame::NullArray => Value::Boolean(false),
        Frame::Array(items) | Frame::Push(items) | Frame::Replies(items) => seq(items)?,
        Frame::Set(items) if resp3 => {
            let t = lua.create_table()?;
            for item in items {
                t.raw_set(frame_to_lua(lua, item, resp3)?, true)?;
            }
            wrap("set", Value::Table(t))?
        }
        Frame::Set(items) => seq(items)?,
        Frame::Map(pairs) if resp3 => {
            let t = lua.create_table()?;
            for (k, v) in pairs {
                t.raw_set(frame_to_lua(lua, k, resp3)?, frame_to_lua(lua, v, resp3)?)?;
            }
            wrap("map", Value::Table(t))?
        }
        Frame::Map(pairs) => {
            let flat: Vec<Frame> = pairs
                .iter()
                .flat_map(|(k, v)| [k.clone(), v.clone()])
                .collect();
            seq(&flat)?
        }
        Frame::Double(d) if resp3 => wrap("double", Value::Number(*d))?,
        Frame::Double(d) => Value::String(lua.create_string(crate::node::resp::format_double(*d))?),
        Frame::Boolean(b) if resp3 => Value::Boolean(*b),
        Frame::Boolean(b) => Value::Number(*b as i64 as f64),
    })
}

/// A script's return value as a reply, by Redis's rules.
fn lua_to_frame(v: &Value, depth: usize) -> Frame {
    match v {
        Value::Nil => Frame::Null,
        Value::Boolean(true) => Frame::Integer(1),
        Value::Boolean(false) => Frame::Null,
        Value::Integer(i) => Frame::Integer(*i),
        Value::Number(n) => Frame::Integer(if n.is_finite() { *n as i64 } else { 0 }),
        Value::String(s) => Frame::Bulk(Bytes::copy_from_slice(&s.as_bytes())),
        Value::Table(t) if depth < 1000 => table_to_frame(t, depth),
        Value::Table(_) => Frame::static_error("ERR reached lua stack limit"),
        _ => Frame::Null,
    }
}

fn table_to_frame(t: &Table, depth: usize) -> Frame {
    let field = |name: &str| t.raw_get::<Value>(name).unwrap_or(Value::Nil);
    if let Value::String(e) = field("err") {
        return Frame::Error(Bytes::from(one_line(&e.to_string_lossy())));
    }
    if let Value::String(s) = field("ok") {
        return Frame::Simple(Bytes::from(one_line(&s.to_string_lossy())));
    }
    match field("double") {
        Value::Number(n) => return Frame::Double(n),
        Value::Integer(n) => return Frame::Double(n as f64),
        _ => {}
    }
    if let Value::Table(m) = field("map") {
        let pairs = m
            .pairs::<Value, Value>()
            .filter_map(Result::ok)
            .map(|(k, v)| (lua_to_frame(&k, depth + 1), lua_to_frame(&v, depth + 1)))
            .collect();
        return Frame::Map(pairs);
    }
    if let Value::Table(s) = field("set") {
        let items = s
            .pairs::<Value, Value>()
            .filter_map(Result::ok)
            .map(|(k, _)| lua_to_frame(&k, depth + 1))
            .collect();
        return Frame::Set(items);
    }
    // An array up to its first nil, as Redis reads it.
    let mut items = Vec::new();
    for i in 1.. {
        match t.raw_get::<Value>(i) {
            Ok(Value::Nil) | Err(_) => break,
            Ok(v) => items.push(lua_to_frame(&v, depth + 1)),
        }
    }
    Frame::Array(items)
}

/// The error text of a failed `redis.call` reply (an error table from [`frame_to_lua`]).
fn failure(reply: &Value) -> Option<String> {
    let Value::Table(t) = reply else {
        return None;
    };
    if !t.raw_get::<bool>("__rclust_error").unwrap_or(false) {
        return None;
    }
    t.raw_get::<mlua::LuaString>("err")
        .ok()
        .map(|s| s.to_string_lossy())
}

/// The error reply for a script (named `name`: a SHA1 or a function) that raised `err`;
/// `chunk` is where its code came from (`@user_script`, `@user_function`).
fn script_error(err: &Value, name: &str, chunk: &str) -> Frame {
    let (text, line) = match err {
        Value::Error(e) if call_error(e).is_some() => {
            let c = call_error(e).expect("checked above");
            (c.text.clone(), c.line.map(|l| l as i64))
        }
        Value::Table(t) => {
            let text = t
                .raw_get::<mlua::LuaString>("err")
                .map(|s| s.to_string_lossy())
                .unwrap_or_else(|_| "ERR unknown error".into());
            (text, t.raw_get::<i64>("line").ok())
        }
        Value::String(s) => (format!("ERR {}", s.to_string_lossy()), None),
        Value::Error(e) => {
            let m = lua_message(e);
            let m = if m.starts_with("ERR ") {
                m
            } else {
                format!("ERR {m}")
            };
            (m, None)
        }
        other => (
            format!("ERR {}", other.to_string().unwrap_or_default()),
            None,
        ),
    };
    // A function's Lua error names its line in the message (`user_function:5: ...`);
    // Redis's error handler reports that line too.
    let line = line.or_else(|| {
        if chunk != "@user_function" {
            return None;
        }
        let rest = text.strip_prefix("ERR ")?.strip_prefix("user_function:")?;
        rest.split(':').next()?.parse().ok()
    });
    let mut out = one_line(&text);
    match line {
        Some(l) => out.push_str(&format!(" script: {name}, on {chunk}:{l}.")),
        None => out.push_str(&format!(" script: {name}")),
    }
    Frame::Error(Bytes::from(out))
}

fn run_script(ctx: &mut Ctx, sha: &str, args: &[Bytes], at: usize, read_only: bool) -> Frame {
    let numkeys = match int_arg(&args[at]) {
        Ok(n) if n < 0 => return Frame::static_error("ERR Number of keys can't be negative"),
        Ok(n) if n as usize > args.len() - at - 1 => {
            return Frame::static_error("ERR Number of keys can't be greater than number of args")
        }
        Ok(n) => n as usize,
        Err(e) => return e,
    };
    let keys = &args[at + 1..at + 1 + numkeys];
    let argv = &args[at + 1 + numkeys..];
    let shared = ctx.shared;
    let mut guard = shared.scripting.lock();
    let Some(engine) = guard.as_mut() else {
        return Frame::static_error("ERR scripting engine unavailable");
    };
    let Some(func) = engine.scripts.get(sha).cloned() else {
        return Frame::static_error("NOSCRIPT No matching script. Please use EVAL.");
    };
    run_lua(
        ctx,
        &engine.lua,
        func,
        keys,
        argv,
        read_only,
        Script::Eval { sha },
    )
}

/// What kind of script [`run_lua`] runs.
pub(super) enum Script<'n> {
    /// EVAL: KEYS and ARGV are globals; errors name the SHA1.
    Eval { sha: &'n str },
    /// FCALL: keys and arguments are the function's two parameters; errors name it.
    Function {
        name: &'n str,
        cross_slot: bool,
        allow_oom: bool,
    },
}

/// Runs `func` of `lua` as a script of `ctx`'s client: `redis.call` and friends bound to
/// this run, its writes held and fed as one transaction, the caller's database kept.
pub(super) fn run_lua(
    ctx: &mut Ctx,
    lua: &Lua,
    func: Function,
    keys: &[Bytes],
    argv: &[Bytes],
    read_only: bool,
    script: Script,
) -> Frame {
    let shared = ctx.shared;
    let seq = |items: &[Bytes]| -> mlua::Result<Table> {
        lua.create_sequence_from(
            items
                .iter()
                .map(|b| lua.create_string(b))
                .collect::<mlua::Result<Vec<_>>>()?,
        )
    };
    let globals = lua.globals();
    let (name, chunk, cross_slot, allow_oom, params) = match script {
        Script::Eval { sha } => {
            let set_args = seq(keys)
                .and_then(|k| globals.raw_set("KEYS", k))
                .and_then(|_| seq(argv))
                .and_then(|a| globals.raw_set("ARGV", a));
            if let Err(e) = set_args {
                return Frame::error(format!("ERR {}", one_line(&lua_message(&e))));
            }
            (sha, "@user_script", false, false, None)
        }
        Script::Function {
            name,
            cross_slot,
            allow_oom,
        } => {
            let params = match seq(keys).and_then(|k| Ok((k, seq(argv)?))) {
                Ok(p) => p,
                Err(e) => return Frame::error(format!("ERR {}", one_line(&lua_message(&e)))),
            };
            (name, "@user_function", cross_slot, allow_oom, Some(params))
        }
    };
    shared.script_run.start(params.is_some());
    // A SELECT inside the script chooses a database for the script alone (Redis 7).
    let caller_db = ctx.client.db;
    let holding = super::hold_writes(ctx);
    let running = RefCell::new(Running {
        slot: keys.first().map(|k| key_slot(k)),
        cross_slot,
        ctx,
        read_only,
        resp3: false,
        allow_oom,
    });
    let outcome = lua.scope(|scope| {
        let call = scope.create_function(|lua, args: Variadic<Value>| {
            let reply = running.borrow_mut().call(lua, args)?;
            if let Some(text) = failure(&reply) {
                // The nearest Lua frame is the script line that called (a native call keeps
                // its caller's frame even under `return redis.call(...)`).
                let line = (0..4)
                    .filter_map(|level| lua.inspect_stack(level, |d| d.current_line()).flatten())
                    .find(|l| *l > 0);
                return Err(mlua::Error::external(CallError { text, line }));
            }
            Ok(reply)
        })?;
        let pcall = scope.create_function(|lua, args: Variadic<Value>| {
            let reply = running.borrow_mut().call(lua, args)?;
            if let Value::Table(t) = &reply {
                t.raw_set("__rclust_error", Value::Nil)?;
            }
            Ok(reply)
        })?;
        let setresp = scope.create_function(|_, v: i64| {
            if v != 2 && v != 3 {
                return Err(mlua::Error::runtime("RESP version must be 2 or 3."));
            }
            running.borrow_mut().resp3 = v == 3;
            Ok(())
        })?;
        let redis: Table = globals.raw_get("redis")?;
        redis.raw_set("call", call)?;
        redis.raw_set("pcall", pcall)?;
        redis.raw_set("setresp", setresp)?;
        let (ok, value): (bool, Value) = match params {
            None => globals.raw_get::<Function>("__rclust_run")?.call(func)?,
            Some((k, a)) => globals
                .raw_get::<Function>("__rclust_call")?
                .call((func, k, a))?,
        };
        Ok(if ok {
            lua_to_frame(&value, 0)
        } else {
            script_error(&value, name, chunk)
        })
    });
    shared.script_run.end();
    // Free what the script left behind now rather than at some later script.
    let _ = lua.gc_collect();
    let ctx = running.into_inner().ctx;
    if holding {
        super::feed_transaction(ctx);
    }
    ctx.client.db = caller_db;
    ctx.ks.select(caller_db);
    outcome.unwrap_or_else(|e| {
        Frame::error(format!("ERR {} script: {name}", one_line(&lua_message(&e))))
    })
}

fn engine<'g>(
    guard: &'g mut parking_lot::MutexGuard<'_, Option<Engine>>,
    run: &Arc<ScriptRun>,
) -> Result<&'g mut Engine, Frame> {
    if guard.is_none() {
        let e = Engine::new(Arc::clone(run)).map_err(|e| {
            Frame::error(format!(
                "ERR cannot start the Lua interpreter: {}",
                one_line(&e.to_string())
            ))
        })?;
        **guard = Some(e);
    }
    guard
        .as_mut()
        .ok_or_else(|| Frame::static_error("ERR scripting engine unavailable"))
}

fn eval_generic(ctx: &mut Ctx, args: &[Bytes], read_only: bool) -> Frame {
    if let Ok(Some((flags, _))) = shebang(&args[1]) {
        if flags & super::functions::NO_CLUSTER != 0 && ctx.shared.cluster_enabled {
            return Frame::static_error(
                "ERR Can not run script on cluster, 'no-cluster' flag is set.",
            );
        }
        if flags & super::functions::NO_WRITES == 0 && read_only {
            return Frame::static_error(
                "ERR Can not execute a script with write flag using *_ro command.",
            );
        }
    }
    let sha = {
        let mut guard = ctx.shared.scripting.lock();
        let engine = try_frame!(engine(&mut guard, &ctx.shared.script_run));
        try_frame!(engine.load(&args[1]))
    };
    run_script(ctx, &sha, args, 2, read_only)
}

fn evalsha_generic(ctx: &mut Ctx, args: &[Bytes], read_only: bool) -> Frame {
    let sha = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    {
        let mut guard = ctx.shared.scripting.lock();
        try_frame!(engine(&mut guard, &ctx.shared.script_run));
    }
    run_script(ctx, &sha, args, 2, read_only)
}

pub fn eval(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    eval_generic(ctx, args, false)
}

pub fn eval_ro(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    eval_generic(ctx, args, true)
}

pub fn evalsha(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    evalsha_generic(ctx, args, false)
}

pub fn evalsha_ro(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    evalsha_generic(ctx, args, true)
}

/// SCRIPT LOAD body | EXISTS sha... | FLUSH [ASYNC|SYNC] | KILL | HELP.
pub fn script(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    let mut guard = ctx.shared.scripting.lock();
    match (sub.as_str(), args.len()) {
        ("load", 3) => {
            let engine = try_frame!(engine(&mut guard, &ctx.shared.script_run));
            Frame::bulk(try_frame!(engine.load(&args[2])))
        }
        ("exists", 3..) => Frame::Array(
            args[2..]
                .iter()
                .map(|s| {
                    let sha = String::from_utf8_lossy(s).to_ascii_lowercase();
                    let known = guard.as_ref().is_some_and(|e| e.scripts.contains_key(&sha));
                    Frame::Integer(known as i64)
                })
                .collect(),
        ),
        ("flush", 2 | 3) => {
            if let Some(mode) = args.get(2) {
                if !eq_ic(mode, "async") && !eq_ic(mode, "sync") {
                    return Frame::static_error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
                }
            }
            // A fresh interpreter: nothing a script left behind survives a flush.
            *guard = None;
            Frame::ok()
        }
        // A script holds the keyspace for its whole run, so none is running when this is
        // served (a runaway one stops itself at lua-time-limit).
        ("kill", 2) => Frame::static_error("NOTBUSY No scripts in execution right now."),
        ("help", 2) => Frame::Array(
            [
                "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "EXISTS <sha1> [<sha1> ...]",
                "FLUSH [ASYNC|SYNC]",
                "KILL",
                "LOAD <script>",
                "HELP",
            ]
            .iter()
            .map(|l| Frame::Simple(Bytes::from_static(l.as_bytes())))
            .collect(),
        ),
        _ => super::bad_subcommand(
            "script",
            &args[1],
            &["load", "exists", "flush", "kill", "help"],
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn conversions_follow_redis() {
        let mut h = Harness::standalone();
        h.check(&[
            ("eval \"return 'hello'\" 0", "$5\r\nhello\r\n"),
            ("eval \"return 100.5\" 0", ":100\r\n"),
            ("eval \"return true\" 0", ":1\r\n"),
            ("eval \"return false\" 0", "$-1\r\n"),
            ("eval \"return {ok='fine'}\" 0", "+fine\r\n"),
            (
                "eval \"return {err='ERR this is an error'}\" 0",
                "-ERR this is an error\r\n",
            ),
            (
                "eval \"return {1,2,3,'ciao',{1,2}}\" 0",
                "*5\r\n:1\r\n:2\r\n:3\r\n$4\r\nciao\r\n*2\r\n:1\r\n:2\r\n",
            ),
            (
                "eval \"return {KEYS[1],ARGV[1]}\" 1 k a",
                "*2\r\n$1\r\nk\r\n$1\r\na\r\n",
            ),
            (
                "eval \"return redis.call('set',KEYS[1],'v')\" 1 k",
                "+OK\r\n",
            ),
            (
                "eval \"return redis.call('get',KEYS[1])\" 1 k",
                "$1\r\nv\r\n",
            ),
            (
                "eval \"return redis.pcall('incr',KEYS[1])\" 1 k",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("eval \"return redis.call('get','nope')\" 0", "$-1\r\n"),
            (
                "eval \"return redis.sha1hex('')\" 0",
                "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n",
            ),
            (
                "eval \"return 1\" -1",
                "-ERR Number of keys can't be negative\r\n",
            ),
            (
                "eval \"return 1\" 2 a",
                "-ERR Number of keys can't be greater than number of args\r\n",
            ),
        ]);
    }

    #[test]
    fn errors_name_the_script() {
        let mut h = Harness::standalone();
        let sha = "b1d0d0ec6ad3c0c5f6d5c8ab4ee52f8f6b6ad4a7";
        let _ = sha;
        let r = h.run("eval \"redis.call('nosuchcommand')\" 0");
        assert!(
            r.starts_with("-ERR Unknown Redis command called from script script: "),
            "{r}"
        );
        assert!(r.ends_with(", on @user_script:1.\r\n"), "{r}");
        let r = h.run("eval \"return a\" 0");
        assert!(
            r.contains("Script attempted to access nonexistent global variable 'a'"),
            "{r}"
        );
        let r = h.run("eval \"a = 10\" 0");
        assert!(r.contains("Attempt to modify a readonly table"), "{r}");
        let r = h.run("eval \"return loadfile('x')\" 0");
        assert!(r.contains("nonexistent global variable 'loadfile'"), "{r}");
        let r = h.run("eval \"return (\" 0");
        assert!(
            r.starts_with("-ERR Error compiling script (new function): user_script:1:"),
            "{r}"
        );
        let r = h.run("eval \"return redis.call('eval','return 1',0)\" 0");
        assert!(
            r.starts_with("-ERR This Redis command is not allowed from script"),
            "{r}"
        );
        let r = h.run("eval_ro \"return redis.call('set','x','1')\" 0");
        assert!(
            r.starts_with("-ERR Write commands are not allowed from read-only scripts"),
            "{r}"
        );
    }

    #[test]
    fn evalsha_and_the_script_cache() {
        let mut h = Harness::standalone();
        let sha = h.run("script load \"return 7\"");
        let sha = sha.lines().nth(1).unwrap().to_string();
        h.check(&[
            (&format!("evalsha {sha} 0"), ":7\r\n"),
            (&format!("evalsha {} 0", sha.to_uppercase()), ":7\r\n"),
            (&format!("script exists {sha} ffff"), "*2\r\n:1\r\n:0\r\n"),
            ("script flush", "+OK\r\n"),
            (&format!("script exists {sha}"), "*1\r\n:0\r\n"),
            (
                &format!("evalsha {sha} 0"),
                "-NOSCRIPT No matching script. Please use EVAL.\r\n",
            ),
            (
                "script kill",
                "-NOTBUSY No scripts in execution right now.\r\n",
            ),
        ]);
    }

    #[test]
    fn a_runaway_script_stops_at_script_kill() {
        let mut h = Harness::standalone();
        let shared = std::sync::Arc::clone(&h.shared);
        let killer = std::thread::spawn(move || {
            while !shared.script_run.busy(0) {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            shared.script_run.request_kill(false)
        });
        let r = h.run("eval \"while true do end\" 0");
        assert!(
            r.starts_with("-ERR Script killed by user with SCRIPT KILL..."),
            "{r}"
        );
        assert_eq!(killer.join().unwrap().to_bytes(false), &b"+OK\r\n"[..]);
        assert_eq!(h.run("eval \"return 1\" 0"), ":1\r\n");
        assert_eq!(
            h.shared.script_run.request_kill(false).to_bytes(false),
            &b"-NOTBUSY No scripts in execution right now.\r\n"[..]
        );
    }
}
