//! Redis 7 functions: FUNCTION LOAD/DELETE/FLUSH/LIST/DUMP/RESTORE/STATS/KILL/HELP and
//! FCALL/FCALL_RO.
//!
//! A library is Lua code whose first line names it (`#!lua name=<lib>`) and whose body
//! calls `redis.register_function` while FUNCTION LOAD runs it. The libraries are data:
//! they live in the keyspace ([`Keyspace::functions`]), so they are saved in RDB files
//! (RDB_OPCODE_FUNCTION2, as redis-server 7.0 writes them), loaded with them, and changed
//! only by write commands, which replication and the append-only file carry as they are.
//! They run in an interpreter of their own (the same [`Engine`] EVAL uses, with the same
//! `redis.call` machinery, [`scripting::run_lua`]); FLUSHALL and SCRIPT FLUSH leave them.
//!
//! [`Keyspace::functions`]: crate::node::keyspace::Keyspace::functions

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use hashbrown::HashMap;
use mlua::{Function, Table, Value, Variadic};

use super::scripting::{self, lua_message, one_line, Engine, Script, ScriptRun};
use super::{eq_ic, Ctx};
use crate::node::resp::Frame;

/// The flags `redis.register_function` takes, in Redis's order (FUNCTION LIST prints them
/// so).
pub(super) const FLAGS: [(u8, &str); 5] = [
    (NO_WRITES, "no-writes"),
    (ALLOW_OOM, "allow-oom"),
    (ALLOW_STALE, "allow-stale"),
    (NO_CLUSTER, "no-cluster"),
    (ALLOW_CROSS_SLOT, "allow-cross-slot-keys"),
];
pub(super) const NO_WRITES: u8 = 1;
const ALLOW_OOM: u8 = 2;
const ALLOW_STALE: u8 = 4;
pub(super) const NO_CLUSTER: u8 = 8;
const ALLOW_CROSS_SLOT: u8 = 16;

/// How long FUNCTION LOAD lets a library's code run, as Redis's `LOAD_TIMEOUT_MS`.
const LOAD_TIMEOUT_MS: u64 = 500;

struct FunctionInfo {
    description: Option<Bytes>,
    flags: u8,
    callback: Function,
}

struct Library {
    /// The whole code as loaded, shebang line included (what DUMP and the RDB keep).
    code: Bytes,
    functions: BTreeMap<String, FunctionInfo>,
}

/// The function libraries and the interpreter they run in (started by the first load).
#[derive(Default)]
pub struct Functions {
    engine: Option<Engine>,
    libraries: BTreeMap<String, Library>,
    /// Function name in lower case (FCALL finds functions in any case, as Redis's
    /// function dictionary compares names so) → its library.
    owner: HashMap<String, String>,
}

/// What FUNCTION RESTORE does with the libraries already there.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Restore {
    /// Drop them all first.
    Flush,
    /// Keep them; a library of the same name is an error.
    Append,
    /// Keep them; a library of the same name is replaced.
    Replace,
}

/// A library's first line, read as Redis's `functionExtractLibMetaData`: engine and name;
/// the body starts at the newline, so line numbers stay those of the whole code.
fn metadata(code: &[u8]) -> Result<(String, String, &[u8]), String> {
    if !code.starts_with(b"#!") {
        return Err("Missing library metadata".into());
    }
    let Some(end) = code.iter().position(|b| *b == b'\n') else {
        return Err("Invalid library metadata".into());
    };
    // Split as Redis splits it (sdssplitargs), so `name="foo"` names `foo`.
    let Some(parts) = crate::node::resp::split_args(&code[..end]) else {
        return Err("Invalid library metadata".into());
    };
    let mut parts = parts
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    let Some(first) = parts.next() else {
        return Err("Invalid library metadata".into());
    };
    let engine = first[2..].to_string();
    let mut name = None;
    for part in parts {
        if part.len() >= 5 && part.as_bytes()[..5].eq_ignore_ascii_case(b"name=") {
            if name.is_some() {
                return Err(
                    "Invalid metadata value, name argument was given multiple times".into(),
                );
            }
            name = Some(part[5..].to_string());
            continue;
        }
        return Err(format!("Invalid metadata value given: {part}"));
    }
    let name = name.ok_or("Library name was not given")?;
    Ok((engine, name, &code[end..]))
}

/// Letters, digits and underscores, at least one (library and function names).
fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

const BAD_NAME: &str = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

/// One `redis.register_function` call, checked as Redis checks it.
fn registration(
    lua: &mlua::Lua,
    args: Variadic<Value>,
) -> Result<(String, FunctionInfo), &'static str> {
    let text = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.to_string_lossy()),
            Value::Integer(i) => Some(i.to_string()),
            Value::Number(n) => lua
                .coerce_string(Value::Number(*n))
                .ok()
                .flatten()
                .map(|s| s.to_string_lossy()),
            _ => None,
        }
    };
    match args.len() {
        2 => {
            let name = text(&args[0])
                .ok_or("first argument to redis.register_function must be a string")?;
            let Value::Function(callback) = &args[1] else {
                return Err("second argument to redis.register_function must be a function");
            };
            Ok((
                name,
                FunctionInfo {
                    description: None,
                    flags: 0,
                    callback: callback.clone(),
                },
            ))
        }
        1 => {
            let Value::Table(t) = &args[0] else {
                return Err("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
            };
            let (mut name, mut description, mut callback, mut flags) = (None, None, None, 0);
            for pair in t.clone().pairs::<Value, Value>() {
                let Ok((k, v)) = pair else {
                    return Err(
                        "named argument key given to redis.register_function is not a string",
                    );
                };
                let Some(key) = text(&k) else {
                    return Err(
                        "named argument key given to redis.register_function is not a string",
                    );
                };
                match key.to_ascii_lowercase().as_str() {
                    "function_name" => {
                        name = Some(text(&v).ok_or("function_name argument given to redis.register_function must be a string")?);
                    }
                    "description" => {
                        description = Some(Bytes::from(text(&v).ok_or("description argument given to redis.register_function must be a string")?));
                    }
                    "callback" => {
                        let Value::Function(f) = v else {
                            return Err("callback argument given to redis.register_function must be a function");
                        };
                        callback = Some(f);
                    }
                    "flags" => {
                        let Value::Table(list) = v else {
                            return Err("flags argument to redis.register_function must be a table representing function flags");
                        };
                        flags = read_flags(&list).ok_or("unknown flag given")?;
                    }
                    _ => return Err("unknown argument given to redis.register_function"),
                }
            }
            let name = name.ok_or("redis.register_function must get a function name argument")?;
            let callback =
                callback.ok_or("redis.register_function must get a callback argument")?;
            Ok((
                name,
                FunctionInfo {
                    description,
                    flags,
                    callback,
                },
            ))
        }
        _ => Err("wrong number of arguments to redis.register_function"),
    }
}

/// A `flags` table: its array part, each a known flag (any case).
fn read_flags(list: &Table) -> Option<u8> {
    let mut flags = 0;
    for i in 1.. {
        match list.raw_get::<Value>(i).ok()? {
            Value::Nil => break,
            Value::String(s) => {
                let s = s.to_string_lossy();
                flags |= FLAGS.iter().find(|(_, n)| n.eq_ignore_ascii_case(&s))?.0;
            }
            _ => return None,
        }
    }
    Some(flags)
}

/// The `redis` table library code sees while it loads: registering, logging, versions;
/// anything else is an error, as in Redis. It is read-only, and its `register_function`
/// works only while FUNCTION LOAD runs (the node sets `loader.register` for the load and
/// clears it after), so a function that kept the table cannot use it later. Returns the
/// table and `loader`.
const LOAD_API: &str = r#"
local loader = {}
local api = {}
api.register_function = function(...)
  local register = loader.register
  if register == nil then
    loader.late()
  end
  return register(...)
end
api.log = function() end
api.LOG_DEBUG = 0
api.LOG_VERBOSE = 1
api.LOG_NOTICE = 2
api.LOG_WARNING = 3
api.REDIS_VERSION = '7.0.15'
api.REDIS_VERSION_NUM = 0x0007000f
setmetatable(api, {
  __index = function(_, k)
    error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
  end,
  __newindex = function()
    error("Attempt to modify a readonly table", 2)
  end,
  __metatable = false,
})
return api, loader
"#;

/// `redis.register_function` called after the load, by a function that kept the load
/// API: Redis's error, naming the function's line.
fn late_registration(lua: &mlua::Lua, _: ()) -> mlua::Result<()> {
    let line = (1..8)
        .filter_map(|level| {
            lua.inspect_stack(level, |d| {
                let ours = d.source().source.as_deref() == Some("@user_function");
                d.current_line().filter(|_| ours)
            })
            .flatten()
        })
        .next();
    Err(scripting::raise_call_error(
        "ERR redis.register_function can only be called on FUNCTION LOAD command",
        line,
    ))
}

impl Functions {
    /// Each library's code, for RDB files and FUNCTION DUMP.
    pub fn codes(&self) -> impl Iterator<Item = &[u8]> {
        self.libraries.values().map(|l| &l.code[..])
    }

    fn function_count(&self) -> usize {
        self.libraries.values().map(|l| l.functions.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.libraries.is_empty()
    }

    fn engine(&mut self, run: &Arc<ScriptRun>) -> Result<&Engine, String> {
        if self.engine.is_none() {
            let e = Engine::new(Arc::clone(run))
                .map_err(|e| format!("cannot start the Lua interpreter: {e}"))?;
            self.engine = Some(e);
        }
        self.engine.as_ref().ok_or_else(|| "no interpreter".into())
    }

    /// Compiles `code` and runs it to collect its functions (not yet installed).
    fn compile(
        &mut self,
        code: &[u8],
        replace: bool,
        run: &Arc<ScriptRun>,
        timeout: bool,
    ) -> Result<(String, Library), String> {
        let (engine_name, name, body) = metadata(code)?;
        if !valid_name(&name) {
            return Err(BAD_NAME.into());
        }
        if !engine_name.eq_ignore_ascii_case("lua") {
            return Err(format!("Engine '{engine_name}' not found"));
        }
        if !replace && self.libraries.contains_key(&name) {
            return Err(format!("Library '{name}' already exists"));
        }
        let lua = &self.engine(run)?.lua;
        let chunk = lua
            .load(body)
            .set_name("@user_function")
            .into_function()
            .map_err(|e| format!("Error compiling function: {}", one_line(&lua_message(&e))))?;
        let registered: RefCell<BTreeMap<String, FunctionInfo>> = RefCell::default();
        let globals = lua.globals();
        let ran = lua.scope(|scope| {
            let (api, loader): (Table, Table) = lua.load(LOAD_API).set_name("@load_api").eval()?;
            let register = scope.create_function(|lua, args: Variadic<Value>| {
                let fail = |text: &str| Err(mlua::Error::runtime(format!("ERR {text}")));
                let (fname, info) = match registration(lua, args) {
                    Ok(r) => r,
                    Err(text) => return fail(text),
                };
                if !valid_name(&fname) {
                    return fail(BAD_NAME);
                }
                let mut reg = registered.borrow_mut();
                if reg.contains_key(&fname) {
                    return fail("Function already exists in the library");
                }
                reg.insert(fname, info);
                Ok(())
            })?;
            loader.raw_set("register", register)?;
            loader.raw_set("late", lua.create_function(late_registration)?)?;
            // While the code loads its globals are the load API alone; once loaded, its
            // functions see the ordinary globals (Redis swaps the globals' lookup so).
            let loaded: Function = globals
                .raw_get::<Function>("__rclust_library_env")?
                .call((chunk.clone(), api))?;
            if timeout {
                run.set_load_deadline(crate::node::clock::now_ms() + LOAD_TIMEOUT_MS);
            }
            let r: mlua::Result<(bool, Value)> =
                globals.raw_get::<Function>("__rclust_run")?.call(chunk);
            run.set_load_deadline(0);
            loader.raw_set("register", Value::Nil)?;
            loaded.call::<()>(())?;
            r
        });
        let (ok, err) = ran.map_err(|e| one_line(&lua_message(&e)))?;
        if !ok {
            let m = match &err {
                Value::Error(e) => lua_message(e),
                Value::String(s) => s.to_string_lossy(),
                other => other.to_string().unwrap_or_default(),
            };
            let m = if m.starts_with("ERR ") {
                m
            } else {
                format!("ERR {m}")
            };
            return Err(format!("Error registering functions: {}", one_line(&m)));
        }
        let functions = registered.into_inner();
        if functions.is_empty() {
            return Err("No functions registered".into());
        }
        Ok((
            name,
            Library {
                code: Bytes::copy_from_slice(code),
                functions,
            },
        ))
    }

    fn unlink(&mut self, name: &str) -> Option<Library> {
        let lib = self.libraries.remove(name)?;
        for f in lib.functions.keys() {
            self.owner.remove(&f.to_ascii_lowercase());
        }
        Some(lib)
    }

    fn link(&mut self, name: String, lib: Library) {
        for f in lib.functions.keys() {
            self.owner.insert(f.to_ascii_lowercase(), name.clone());
        }
        self.libraries.insert(name, lib);
    }

    /// FUNCTION LOAD: the library's name, or the error text (without its `ERR `).
    fn load(
        &mut self,
        code: &[u8],
        replace: bool,
        run: &Arc<ScriptRun>,
        timeout: bool,
    ) -> Result<String, String> {
        let (name, lib) = self.compile(code, replace, run, timeout)?;
        let old = self.unlink(&name);
        if let Some(f) = lib
            .functions
            .keys()
            .find(|f| self.owner.contains_key(&f.to_ascii_lowercase()))
        {
            let err = format!("Function {f} already exists");
            if let Some(old) = old {
                self.link(name, old);
            }
            return Err(err);
        }
        self.link(name.clone(), lib);
        Ok(name)
    }

    /// Loads every library of `codes` (a FUNCTION RESTORE payload, an RDB file's), all or
    /// none: the error is Redis's reply text. `run` is the node's running-script state
    /// (the interpreter's time and kill checks read it).
    pub fn restore(
        &mut self,
        codes: &[&[u8]],
        policy: Restore,
        run: &Arc<ScriptRun>,
    ) -> Result<(), String> {
        if codes.is_empty() && policy != Restore::Flush {
            return Ok(());
        }
        let mut fresh = Functions {
            engine: self.engine.take(),
            ..Functions::default()
        };
        for code in codes {
            if let Err(e) = fresh.load(code, false, run, false) {
                self.engine = fresh.engine.take();
                return Err(format!("ERR {e}"));
            }
        }
        self.engine = fresh.engine.take();
        if policy == Restore::Flush {
            self.libraries = std::mem::take(&mut fresh.libraries);
            self.owner = std::mem::take(&mut fresh.owner);
            return Ok(());
        }
        for name in fresh.libraries.keys() {
            if policy == Restore::Append && self.libraries.contains_key(name) {
                return Err(format!("ERR Library {name} already exists"));
            }
        }
        let mut replaced = Vec::new();
        for name in fresh.libraries.keys() {
            if let Some(old) = self.unlink(name) {
                replaced.push((name.clone(), old));
            }
        }
        let clash = fresh
            .libraries
            .values()
            .flat_map(|l| l.functions.keys())
            .find(|f| self.owner.contains_key(&f.to_ascii_lowercase()))
            .cloned();
        if let Some(f) = clash {
            for (name, old) in replaced {
                self.link(name, old);
            }
            return Err(format!("ERR Function {f} already exists"));
        }
        for (name, lib) in std::mem::take(&mut fresh.libraries) {
            self.link(name, lib);
        }
        Ok(())
    }

    fn flush(&mut self) {
        self.libraries.clear();
        self.owner.clear();
        // A fresh interpreter: nothing the old libraries left behind survives.
        self.engine = None;
    }
}

/// FUNCTION STATS's reply: the running function (name, the caller's command, how long it
/// has run in ms) if any, and the one engine's counts.
pub(super) fn stats_frame(
    running: Option<(&str, &[Bytes], u64)>,
    libraries: usize,
    functions: usize,
) -> Frame {
    let count = |n: usize| Frame::Integer(n as i64);
    let running = match running {
        None => Frame::Null,
        Some((name, command, ms)) => Frame::Map(vec![
            (
                Frame::bulk_str("name"),
                Frame::Bulk(Bytes::copy_from_slice(name.as_bytes())),
            ),
            (
                Frame::bulk_str("command"),
                Frame::Array(command.iter().cloned().map(Frame::Bulk).collect()),
            ),
            (Frame::bulk_str("duration_ms"), Frame::Integer(ms as i64)),
        ]),
    };
    Frame::Map(vec![
        (Frame::bulk_str("running_script"), running),
        (
            Frame::bulk_str("engines"),
            Frame::Map(vec![(
                Frame::bulk_str("LUA"),
                Frame::Map(vec![
                    (Frame::bulk_str("libraries_count"), count(libraries)),
                    (Frame::bulk_str("functions_count"), count(functions)),
                ]),
            )]),
        ),
    ])
}

/// FUNCTION <subcommand> ...
pub fn function(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    let argc = args.len();
    let syntax = || {
        Frame::error(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try FUNCTION HELP.",
            String::from_utf8_lossy(&args[1])
        ))
    };
    match (sub.as_str(), argc) {
        ("load", 3..) => {
            let mut replace = false;
            let mut at = 2;
            while at < argc - 1 {
                if eq_ic(&args[at], "replace") {
                    replace = true;
                    at += 1;
                    continue;
                }
                return Frame::error(format!(
                    "ERR Unknown option given: {}",
                    String::from_utf8_lossy(&args[at])
                ));
            }
            // The master already checked its libraries: no time limit for its stream.
            let timeout = !ctx.shared.repl.is_replica();
            let run = Arc::clone(&ctx.shared.script_run);
            match ctx.ks.functions.load(&args[at], replace, &run, timeout) {
                Ok(name) => Frame::Bulk(Bytes::from(name)),
                Err(e) => Frame::error(format!("ERR {e}")),
            }
        }
        ("delete", 3) => {
            let name = String::from_utf8_lossy(&args[2]);
            match ctx.ks.functions.unlink(&name) {
                Some(_) => Frame::ok(),
                None => Frame::static_error("ERR Library not found"),
            }
        }
        ("flush", 2 | 3) => {
            if argc == 3 && !eq_ic(&args[2], "async") && !eq_ic(&args[2], "sync") {
                return Frame::static_error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
            }
            ctx.ks.functions.flush();
            Frame::ok()
        }
        ("flush", _) | ("restore", 5..) => syntax(),
        ("list", 2..) => list(ctx, args),
        ("dump", 2) => Frame::Bulk(Bytes::from(crate::node::rdb::dump_functions(
            ctx.ks.functions.codes(),
        ))),
        ("restore", 3 | 4) => {
            let policy = match args.get(3) {
                None => Restore::Append,
                Some(p) if eq_ic(p, "append") => Restore::Append,
                Some(p) if eq_ic(p, "replace") => Restore::Replace,
                Some(p) if eq_ic(p, "flush") => Restore::Flush,
                Some(_) => return Frame::static_error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."),
            };
            let codes = match crate::node::rdb::undump_functions(&args[2]) {
                Ok(c) => c,
                Err(e) => return Frame::static_error(e),
            };
            let codes: Vec<&[u8]> = codes.iter().map(|c| &c[..]).collect();
            let run = Arc::clone(&ctx.shared.script_run);
            match ctx.ks.functions.restore(&codes, policy, &run) {
                Ok(()) => Frame::ok(),
                Err(e) => Frame::error(e),
            }
        }
        ("stats", 2) => {
            let f = &ctx.ks.functions;
            stats_frame(None, f.libraries.len(), f.function_count())
        }
        // A function holds the keyspace for its whole run, so none is running when this
        // is served (a busy one is stopped from `scripting::busy_reply`).
        ("kill", 2) => Frame::static_error("NOTBUSY No scripts in execution right now."),
        ("help", 2) => Frame::Array(
            HELP.iter()
                .map(|l| Frame::Simple(Bytes::from_static(l.as_bytes())))
                .collect(),
        ),
        _ => super::bad_subcommand(
            "function",
            &args[1],
            &[
                "load", "delete", "flush", "list", "dump", "restore", "stats", "kill", "help",
            ],
        ),
    }
}

const HELP: &[&str] = &[
    "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance of failure",
    "      in case of functions name collision with another library).",
    "HELP",
    "    Prints this help.",
];

/// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE].
fn list(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let (mut with_code, mut pattern) = (false, None);
    let mut i = 2;
    while i < args.len() {
        if !with_code && eq_ic(&args[i], "withcode") {
            with_code = true;
        } else if pattern.is_none() && eq_ic(&args[i], "libraryname") {
            if i + 1 >= args.len() {
                return Frame::static_error("ERR library name argument was not given");
            }
            pattern = Some(args[i + 1].clone());
            i += 1;
        } else {
            return Frame::error(format!(
                "ERR Unknown argument {}",
                String::from_utf8_lossy(&args[i])
            ));
        }
        i += 1;
    }
    let b = |s: &str| Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()));
    let libraries = ctx
        .ks
        .functions
        .libraries
        .iter()
        .filter(|(name, _)| {
            pattern
                .as_ref()
                .is_none_or(|p| crate::node::keyspace::glob_match(p, name.as_bytes(), true))
        })
        .map(|(name, lib)| {
            let functions = lib
                .functions
                .iter()
                .map(|(fname, f)| {
                    let flags = FLAGS
                        .iter()
                        .filter(|(bit, _)| f.flags & bit != 0)
                        .map(|(_, n)| Frame::simple(n))
                        .collect();
                    Frame::Map(vec![
                        (b("name"), b(fname)),
                        (
                            b("description"),
                            f.description.clone().map_or(Frame::Null, Frame::Bulk),
                        ),
                        (b("flags"), Frame::Set(flags)),
                    ])
                })
                .collect();
            let mut entry = vec![
                (b("library_name"), b(name)),
                (b("engine"), b("LUA")),
                (b("functions"), Frame::Array(functions)),
            ];
            if with_code {
                entry.push((b("library_code"), Frame::Bulk(lib.code.clone())));
            }
            Frame::Map(entry)
        })
        .collect();
    Frame::Array(libraries)
}

pub fn fcall(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    fcall_generic(ctx, args, false)
}

pub fn fcall_ro(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    fcall_generic(ctx, args, true)
}

/// FCALL[_RO] function numkeys key... arg...
fn fcall_generic(ctx: &mut Ctx, args: &[Bytes], ro: bool) -> Frame {
    let name = String::from_utf8_lossy(&args[1]);
    let functions = &ctx.ks.functions;
    let found = functions
        .owner
        .get(&name.to_ascii_lowercase())
        .and_then(|lib| functions.libraries.get(lib))
        .and_then(|lib| {
            lib.functions
                .iter()
                .find(|(f, _)| f.eq_ignore_ascii_case(&name))
        });
    let Some((name, info)) = found else {
        return Frame::static_error("ERR Function not found");
    };
    let (name, callback, flags) = (name.clone(), info.callback.clone(), info.flags);
    let numkeys = match crate::node::resp::parse_i64_pub(&args[2]) {
        None => return Frame::static_error("ERR Bad number of keys provided"),
        Some(n) if n > args.len() as i64 - 3 => {
            return Frame::static_error("ERR Number of keys can't be greater than number of args")
        }
        Some(n) if n < 0 => return Frame::static_error("ERR Number of keys can't be negative"),
        Some(n) => n as usize,
    };
    if flags & NO_CLUSTER != 0 && ctx.shared.cluster_enabled {
        return Frame::static_error("ERR Can not run script on cluster, 'no-cluster' flag is set.");
    }
    if flags & NO_WRITES == 0 {
        if ctx.shared.repl.is_replica() {
            // What redis-server 7.0 answers: FCALL of a function that may write counts
            // as a write command, refused before it runs.
            return Frame::static_error("READONLY You can't write against a read only replica.");
        }
        if ctx.shared.persist.refuses_writes(ctx.shared) {
            return Frame::static_error("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.");
        }
        if ro {
            return Frame::static_error(
                "ERR Can not execute a script with write flag using *_ro command.",
            );
        }
    }
    if flags & (ALLOW_OOM | NO_WRITES) == 0
        && ctx.ks.evict.maxmemory > 0
        && crate::node::keyspace::evict::make_room(ctx).is_err()
    {
        return Frame::static_error("OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
    }
    let keys = &args[3..3 + numkeys];
    let argv = &args[3 + numkeys..];
    ctx.shared
        .script_run
        .describe_function(scripting::RunningFunction {
            name: name.clone(),
            command: args.to_vec(),
            libraries: ctx.ks.functions.libraries.len(),
            functions: ctx.ks.functions.function_count(),
        });
    // Taken out while the function runs (its `redis.call`s need the keyspace); nothing
    // it may call reaches the libraries (FUNCTION is refused inside scripts).
    let mut functions = std::mem::take(&mut ctx.ks.functions);
    let reply = match functions.engine.as_ref() {
        Some(engine) => scripting::run_lua(
            ctx,
            &engine.lua,
            callback,
            keys,
            argv,
            flags & NO_WRITES != 0,
            Script::Function {
                name: &name,
                cross_slot: flags & ALLOW_CROSS_SLOT != 0,
                allow_oom: flags & ALLOW_OOM != 0,
            },
        ),
        None => Frame::static_error("ERR Function not found"),
    };
    std::mem::swap(&mut ctx.ks.functions, &mut functions);
    reply
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn libraries_load_list_call_and_go() {
        let mut h = Harness::standalone();
        h.check(&[
            ("function load x", "-ERR Missing library metadata\r\n"),
            (
                "function load \"#!lua name=lib\nredis.register_function('hi', function(keys, args) return {keys[1], args[1]} end)\"",
                "$3\r\nlib\r\n",
            ),
            ("fcall hi 1 k a", "*2\r\n$1\r\nk\r\n$1\r\na\r\n"),
            ("fcall nope 0", "-ERR Function not found\r\n"),
            ("fcall hi x", "-ERR Bad number of keys provided\r\n"),
            ("fcall_ro hi 0", "-ERR Can not execute a script with write flag using *_ro command.\r\n"),
            (
                "function load \"#!lua name=lib\nredis.register_function('hi', function() return 1 end)\"",
                "-ERR Library 'lib' already exists\r\n",
            ),
            (
                "function load \"#!lua name=other\nredis.register_function('hi', function() return 1 end)\"",
                "-ERR Function hi already exists\r\n",
            ),
            (
                "function load replace \"#!lua name=lib\nredis.register_function{function_name='ro', callback=function(k) return redis.call('get', k[1]) end, flags={'no-writes'}}\"",
                "$3\r\nlib\r\n",
            ),
            ("set k v", "+OK\r\n"),
            ("fcall_ro ro 1 k", "$1\r\nv\r\n"),
            ("fcall hi 0", "-ERR Function not found\r\n"),
            (
                "function list",
                "*1\r\n*6\r\n$12\r\nlibrary_name\r\n$3\r\nlib\r\n$6\r\nengine\r\n$3\r\nLUA\r\n$9\r\nfunctions\r\n*1\r\n*6\r\n$4\r\nname\r\n$2\r\nro\r\n$11\r\ndescription\r\n$-1\r\n$5\r\nflags\r\n*1\r\n+no-writes\r\n",
            ),
            ("function delete lib", "+OK\r\n"),
            ("function delete lib", "-ERR Library not found\r\n"),
            ("function list", "*0\r\n"),
        ]);
    }

    #[test]
    fn dump_and_restore_round_trip() {
        let mut h = Harness::standalone();
        h.run("function load \"#!lua name=a\nredis.register_function('fa', function() return 'a' end)\"");
        let dump = h.frame("function dump");
        let crate::node::resp::Frame::Bulk(payload) = dump else {
            panic!("{dump:?}");
        };
        h.run("function flush");
        assert_eq!(h.run("fcall fa 0"), "-ERR Function not found\r\n");
        let codes = crate::node::rdb::undump_functions(&payload).unwrap();
        let codes: Vec<&[u8]> = codes.iter().map(|c| &c[..]).collect();
        let run = std::sync::Arc::clone(&h.shared.script_run);
        h.shared
            .keyspace
            .lock()
            .functions
            .restore(&codes, super::Restore::Append, &run)
            .unwrap();
        assert_eq!(h.run("fcall fa 0"), "$1\r\na\r\n");
        let again =
            h.shared
                .keyspace
                .lock()
                .functions
                .restore(&codes, super::Restore::Append, &run);
        assert_eq!(again.unwrap_err(), "ERR Library a already exists");
    }
}
