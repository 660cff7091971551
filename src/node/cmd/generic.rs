//! Commands on keys whatever their type: DEL, EXISTS, TYPE, TTLs, RENAME, KEYS, SCAN...

use bytes::Bytes;

use super::{eq_ic, int, int_arg, syntax_error, Ctx};
use crate::node::keyspace::{glob_match, Ttl, Value};
use crate::node::resp::Frame;

pub fn del(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    int(args[1..]
        .iter()
        .filter(|k| ctx.ks.remove(k, ctx.now).is_some())
        .count())
}

pub fn exists(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    int(args[1..]
        .iter()
        .filter(|k| ctx.ks.contains(k, ctx.now))
        .count())
}

pub fn type_(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let name = ctx
        .ks
        .peek(&args[1], ctx.now)
        .map_or("none", Value::type_name);
    Frame::simple(name)
}

/// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT: `unit_ms` scales the argument, `absolute` says
/// whether it is a unix time.
fn expire_generic(
    ctx: &mut Ctx,
    args: &[Bytes],
    unit_ms: i64,
    absolute: bool,
    name: &str,
) -> Frame {
    let n = match int_arg(&args[2]) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in &args[3..] {
        match () {
            _ if eq_ic(opt, "nx") => nx = true,
            _ if eq_ic(opt, "xx") => xx = true,
            _ if eq_ic(opt, "gt") => gt = true,
            _ if eq_ic(opt, "lt") => lt = true,
            _ => {
                return Frame::error(format!(
                    "ERR Unsupported option {}",
                    String::from_utf8_lossy(opt)
                ))
            }
        }
    }
    if nx && (xx || gt || lt) {
        return Frame::static_error(
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        );
    }
    if gt && lt {
        return Frame::static_error("ERR GT and LT options at the same time are not compatible");
    }
    let at = n.checked_mul(unit_ms).and_then(|v| {
        if absolute {
            Some(v)
        } else {
            v.checked_add(ctx.now as i64)
        }
    });
    let Some(at) = at else {
        return Frame::error(format!("ERR invalid expire time in '{name}' command"));
    };
    if !ctx.ks.contains(&args[1], ctx.now) {
        return Frame::Integer(0);
    }
    let current = ctx.ks.expire_at(&args[1]);
    let allowed = match current {
        // No TTL counts as an infinite one for GT/LT.
        None => !xx && !gt,
        Some(cur) => !nx && (!gt || at > cur as i64) && (!lt || at < cur as i64),
    };
    if !allowed {
        return Frame::Integer(0);
    }
    if at <= ctx.now as i64 {
        ctx.ks.remove(&args[1], ctx.now);
    } else {
        ctx.ks.set_expire(&args[1], at as u64);
    }
    Frame::Integer(1)
}

pub fn expire(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    expire_generic(ctx, args, 1000, false, "expire")
}

pub fn pexpire(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    expire_generic(ctx, args, 1, false, "pexpire")
}

pub fn expireat(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    expire_generic(ctx, args, 1000, true, "expireat")
}

pub fn pexpireat(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    expire_generic(ctx, args, 1, true, "pexpireat")
}

/// -2 when missing, -1 without TTL, else `f(ms left or unix ms)`.
fn ttl_generic(ctx: &mut Ctx, key: &[u8], f: impl Fn(u64, u64) -> i64) -> Frame {
    if !ctx.ks.contains(key, ctx.now) {
        return Frame::Integer(-2);
    }
    match ctx.ks.expire_at(key) {
        None => Frame::Integer(-1),
        Some(at) => Frame::Integer(f(at, ctx.now)),
    }
}

pub fn ttl(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    ttl_generic(ctx, &args[1], |at, now| ((at - now + 500) / 1000) as i64)
}

pub fn pttl(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    ttl_generic(ctx, &args[1], |at, now| (at - now) as i64)
}

pub fn expiretime(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    ttl_generic(ctx, &args[1], |at, _| (at / 1000) as i64)
}

pub fn pexpiretime(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    ttl_generic(ctx, &args[1], |at, _| at as i64)
}

pub fn persist(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let live = ctx.ks.contains(&args[1], ctx.now);
    Frame::Integer((live && ctx.ks.persist(&args[1])) as i64)
}

fn rename_generic(ctx: &mut Ctx, args: &[Bytes], nx: bool) -> Frame {
    let (from, to) = (&args[1], &args[2]);
    if !ctx.ks.contains(from, ctx.now) {
        return Frame::static_error("ERR no such key");
    }
    if from == to {
        return if nx { Frame::Integer(0) } else { Frame::ok() };
    }
    if nx && ctx.ks.contains(to, ctx.now) {
        return Frame::Integer(0);
    }
    let ttl = ctx.ks.expire_at(from);
    let Some(value) = ctx.ks.remove(from, ctx.now) else {
        return Frame::static_error("ERR no such key");
    };
    ctx.ks.put(to, value, ttl.map_or(Ttl::Clear, Ttl::At));
    if nx {
        Frame::Integer(1)
    } else {
        Frame::ok()
    }
}

pub fn rename(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    rename_generic(ctx, args, false)
}

pub fn renamenx(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    rename_generic(ctx, args, true)
}

pub fn keys(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let pattern = &args[1];
    let mut out = Vec::new();
    for slot in 0..crate::model::SLOT_COUNT {
        ctx.ks.for_each_key_in_slot(slot, ctx.now, |k, _| {
            if &pattern[..] == b"*" || glob_match(pattern, k, false) {
                out.push(Frame::Bulk(Bytes::copy_from_slice(k)));
            }
        });
    }
    Frame::Array(out)
}

/// MATCH, COUNT and TYPE options shared by the SCAN family, starting at `args[from]`.
pub(super) struct ScanOpts {
    pub pattern: Option<Bytes>,
    pub count: usize,
    pub type_name: Option<String>,
}

pub(super) fn scan_opts(args: &[Bytes], from: usize, allow_type: bool) -> Result<ScanOpts, Frame> {
    let mut opts = ScanOpts {
        pattern: None,
        count: 10,
        type_name: None,
    };
    let mut i = from;
    while i < args.len() {
        if i + 1 >= args.len() {
            return Err(syntax_error());
        }
        let v = &args[i + 1];
        if eq_ic(&args[i], "match") {
            opts.pattern = (&v[..] != b"*").then(|| v.clone());
        } else if eq_ic(&args[i], "count") {
            match int_arg(v)? {
                n if n < 1 => return Err(syntax_error()),
                n => opts.count = n as usize,
            }
        } else if allow_type && eq_ic(&args[i], "type") {
            opts.type_name = Some(String::from_utf8_lossy(v).to_ascii_lowercase());
        } else {
            return Err(syntax_error());
        }
        i += 2;
    }
    Ok(opts)
}

pub(super) fn parse_cursor(arg: &[u8]) -> Result<u64, Frame> {
    std::str::from_utf8(arg)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| Frame::static_error("ERR invalid cursor"))
}

pub(super) fn scan_reply(cursor: u64, items: Vec<Frame>) -> Frame {
    Frame::Array(vec![
        Frame::Bulk(Bytes::from(cursor.to_string())),
        Frame::Array(items),
    ])
}

pub fn scan(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let cursor = match parse_cursor(&args[1]) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let opts = match scan_opts(args, 2, true) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let (next, keys) = ctx.ks.scan(cursor, opts.count, ctx.now, |k, v| {
        opts.pattern
            .as_ref()
            .is_none_or(|p| glob_match(p, k, false))
            && opts.type_name.as_deref().is_none_or(|t| t == v.type_name())
    });
    scan_reply(next, keys.into_iter().map(Frame::Bulk).collect())
}

pub fn randomkey(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    ctx.ks.random_key(ctx.now).map_or(Frame::Null, Frame::Bulk)
}

pub fn dbsize(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    int(ctx.ks.len())
}

/// FLUSHALL (every database) and FLUSHDB (the selected one).
pub fn flushall(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    match args.get(1) {
        None => {}
        Some(a) if args.len() == 2 && (eq_ic(a, "async") || eq_ic(a, "sync")) => {}
        Some(_) => return syntax_error(),
    }
    if eq_ic(&args[0], "flushdb") {
        ctx.ks.flush(ctx.now);
    } else {
        ctx.ks.flush_all(ctx.now);
    }
    Frame::ok()
}

/// A database number argument as SELECT, MOVE and COPY take it: an integer below the
/// number of databases.
pub fn db_index(ctx: &Ctx, arg: &[u8]) -> Result<usize, Frame> {
    let n = int_arg(arg)?;
    if n < 0 || n as usize >= ctx.ks.databases() {
        return Err(Frame::static_error("ERR DB index is out of range"));
    }
    Ok(n as usize)
}

/// MOVE key db: the key goes to another database unless one is there already.
pub fn move_(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    if ctx.shared.cluster_enabled {
        return Frame::static_error("ERR MOVE is not allowed in cluster mode");
    }
    let src = ctx.ks.selected();
    let dst = try_frame!(db_index(ctx, &args[2]));
    if src == dst {
        return Frame::static_error("ERR source and destination objects are the same");
    }
    let key = &args[1];
    if !ctx.ks.contains(key, ctx.now) {
        return Frame::Integer(0);
    }
    let (now, at) = (ctx.now, ctx.ks.expire_at(key));
    if ctx.ks.with_db(dst, |ks| ks.contains(key, now)) {
        return Frame::Integer(0);
    }
    let Some(value) = ctx.ks.remove(key, now) else {
        return Frame::Integer(0);
    };
    use crate::node::notify::GENERIC;
    ctx.ks.watched.changed(src, key);
    ctx.ks.watched.changed(dst, key);
    ctx.ks.record(GENERIC, "move_from", key);
    ctx.ks.with_db(dst, |ks| {
        ks.put(key, value, at.map_or(Ttl::Clear, Ttl::At));
        ks.record(GENERIC, "move_to", key);
        ks.blocked.signal(dst, key);
    });
    Frame::Integer(1)
}

/// SWAPDB a b: the two databases trade their keys.
pub fn swapdb(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    if ctx.shared.cluster_enabled {
        return Frame::static_error("ERR SWAPDB is not allowed in cluster mode");
    }
    let a = try_frame!(super::int_arg_or(&args[1], "ERR invalid first DB index"));
    let b = try_frame!(super::int_arg_or(&args[2], "ERR invalid second DB index"));
    let n = ctx.ks.databases() as i64;
    if !(0..n).contains(&a) || !(0..n).contains(&b) {
        return Frame::static_error("ERR DB index is out of range");
    }
    let (a, b) = (a as usize, b as usize);
    // Every WATCHed key of either database may now read differently: EXEC aborts.
    for db in [a, b] {
        for key in ctx.ks.watched.keys(db) {
            ctx.ks.watched.changed(db, &key);
        }
    }
    ctx.ks.swap_dbs(a, b);
    // Clients blocked on keys that now hold data are served.
    for db in [a, b] {
        for key in ctx.ks.blocked.keys_of(db) {
            ctx.ks.blocked.signal(db, &key);
        }
    }
    Frame::ok()
}

pub fn touch(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    exists(ctx, args)
}

pub fn copy(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let mut replace = false;
    let mut dst_db = ctx.ks.selected();
    let mut i = 3;
    while i < args.len() {
        if eq_ic(&args[i], "replace") {
            replace = true;
        } else if eq_ic(&args[i], "db") && i + 1 < args.len() {
            if ctx.shared.cluster_enabled {
                // Checked after the arguments, as Redis does: a bad number comes first.
                let n = try_frame!(int_arg(&args[i + 1]));
                if n != 0 {
                    return Frame::static_error(
                        "ERR Copying to another database is not allowed in cluster mode",
                    );
                }
            }
            dst_db = try_frame!(db_index(ctx, &args[i + 1]));
            i += 1;
        } else {
            return syntax_error();
        }
        i += 1;
    }
    if args[1] == args[2] && dst_db == ctx.ks.selected() {
        return Frame::static_error("ERR source and destination objects are the same");
    }
    let Some(value) = ctx.ks.get(&args[1], ctx.now).map(|v| v.duplicate()) else {
        return Frame::Integer(0);
    };
    let ttl = ctx.ks.expire_at(&args[1]).map_or(Ttl::Clear, Ttl::At);
    let (now, src_db) = (ctx.now, ctx.ks.selected());
    ctx.ks.with_db(dst_db, |ks| {
        if !replace && ks.contains(&args[2], now) {
            return Frame::Integer(0);
        }
        ks.put(&args[2], value, ttl);
        if dst_db != src_db {
            ks.watched.changed(dst_db, &args[2]);
            ks.blocked.signal(dst_db, &args[2]);
        }
        Frame::Integer(1)
    })
}

/// What OBJECT ENCODING reports, by Redis 7.0's thresholds (default config).
/// The encoding redis-server 7.0 would use for `v`, by its size thresholds in `cfg` (the
/// node stores each type one way; OBJECT ENCODING reports what Redis would).
fn encoding(v: &Value, cfg: &crate::node::config::NodeConfig) -> &'static str {
    let small = |len: usize, longest: usize, entries: u64, value: u64| {
        len as u64 <= entries && longest as u64 <= value
    };
    match v {
        Value::Inline(..) | Value::Str(_) => {
            let b = v.as_bytes().unwrap_or(b"");
            if b.len() <= 20 && crate::node::resp::parse_i64_pub(b).is_some() {
                "int"
            } else if b.len() <= 44 {
                "embstr"
            } else {
                "raw"
            }
        }
        Value::List(_) => "quicklist",
        Value::Hash(h) => {
            let longest = h
                .iter()
                .map(|(k, v)| k.len().max(v.len()))
                .max()
                .unwrap_or(0);
            let (entries, value) = (cfg.hash_max_listpack_entries, cfg.hash_max_listpack_value);
            if small(h.len(), longest, entries, value) {
                "listpack"
            } else {
                "hashtable"
            }
        }
        Value::Set(s) => {
            let ints = s
                .iter()
                .all(|m| crate::node::resp::parse_i64_pub(m).is_some());
            if ints && s.len() as u64 <= cfg.set_max_intset_entries {
                "intset"
            } else {
                "hashtable"
            }
        }
        Value::ZSet(z) => {
            let longest = z.scores.keys().map(|m| m.len()).max().unwrap_or(0);
            let (entries, value) = (cfg.zset_max_listpack_entries, cfg.zset_max_listpack_value);
            if small(z.len(), longest, entries, value) {
                "listpack"
            } else {
                "skiplist"
            }
        }
        Value::Stream(_) => "stream",
    }
}

pub fn object(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    if args.len() != 3 || !matches!(sub.as_str(), "encoding" | "refcount" | "idletime" | "freq") {
        return super::bad_subcommand(
            "object",
            &args[1],
            &["encoding", "refcount", "idletime", "freq"],
        );
    }
    use crate::node::keyspace::evict::Access;
    // OBJECT reads a key without counting as an access to it.
    let Some(v) = ctx.ks.peek(&args[2], ctx.now) else {
        return Frame::Null;
    };
    match sub.as_str() {
        "encoding" => Frame::bulk_str(encoding(v, &ctx.shared.config.read())),
        "refcount" => Frame::Integer(1),
        "idletime" => match ctx.ks.access(&args[2], ctx.now) {
            Some(Access::IdleSeconds(s)) => Frame::Integer(s as i64),
            _ => Frame::static_error("ERR An LRU maxmemory policy is not selected, access time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."),
        },
        _ => match ctx.ks.access(&args[2], ctx.now) {
            Some(Access::Frequency(f)) => Frame::Integer(f as i64),
            _ => Frame::static_error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."),
        },
    }
}

/// An estimate of the bytes a key and its value take (MEMORY USAGE).
fn usage(key: &[u8], v: &Value) -> usize {
    let entry = 32 + key.len().max(16);
    let bytes = |b: &Bytes| 32 + b.len();
    entry
        + match v {
            Value::Inline(..) => 0,
            Value::Str(s) => 16 + s.len(),
            Value::List(l) => 48 + l.iter().map(bytes).sum::<usize>(),
            Value::Hash(h) => {
                64 + h
                    .iter()
                    .map(|(k, v)| 8 + bytes(k) + bytes(v))
                    .sum::<usize>()
            }
            Value::Set(s) => 64 + s.iter().map(|m| 8 + bytes(m)).sum::<usize>(),
            Value::ZSet(z) => 96 + z.scores.keys().map(|m| 64 + 2 * bytes(m)).sum::<usize>(),
            Value::Stream(s) => s.usage(),
        }
}

pub fn memory(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    match sub.as_str() {
        "usage" if args.len() == 3 || (args.len() == 5 && eq_ic(&args[3], "samples")) => {
            match ctx.ks.get(&args[2], ctx.now) {
                Some(v) => int(usage(&args[2], v)),
                None => Frame::Null,
            }
        }
        _ => super::bad_subcommand("memory", &args[1], &["usage"]),
    }
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn generic_commands() {
        let mut h = Harness::new();
        h.check(&[
            ("mset {a}1 x {a}2 y", "+OK\r\n"),
            ("exists {a}1 {a}1 {a}3", ":2\r\n"),
            ("type {a}1", "+string\r\n"),
            ("type nope", "+none\r\n"),
            ("ttl {a}1", ":-1\r\n"),
            ("ttl nope", ":-2\r\n"),
            ("expire {a}1 10", ":1\r\n"),
            ("expire {a}1 20 nx", ":0\r\n"),
            ("expire {a}1 5 gt", ":0\r\n"),
            ("expire {a}1 20 gt", ":1\r\n"),
            (
                "expire {a}1 5 nx xx",
                "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
            ),
            ("ttl {a}1", ":20\r\n"),
            ("pttl {a}1", ":20000\r\n"),
            ("expiretime {a}1", ":1020\r\n"),
            ("persist {a}1", ":1\r\n"),
            ("persist {a}1", ":0\r\n"),
            ("rename {a}1 {a}3", "+OK\r\n"),
            ("rename {a}nope {a}3", "-ERR no such key\r\n"),
            ("renamenx {a}3 {a}2", ":0\r\n"),
            ("dbsize", ":2\r\n"),
            ("del {a}2 {a}3 {a}9", ":2\r\n"),
            ("randomkey", "$-1\r\n"),
            ("scan 0", "*2\r\n$1\r\n0\r\n*0\r\n"),
            ("scan x", "-ERR invalid cursor\r\n"),
            ("set k v", "+OK\r\n"),
            ("expire k -1", ":1\r\n"),
            ("exists k", ":0\r\n"),
            ("set k v", "+OK\r\n"),
            ("copy k {k}2", ":1\r\n"),
            ("copy k {k}2", ":0\r\n"),
            (
                "copy k k",
                "-ERR source and destination objects are the same\r\n",
            ),
            ("object encoding k", "$6\r\nembstr\r\n"),
            ("set n 12", "+OK\r\n"),
            ("object encoding n", "$3\r\nint\r\n"),
            ("object encoding nope", "$-1\r\n"),
            (
                "object nope k",
                "-ERR unknown subcommand 'nope'. Try OBJECT HELP.\r\n",
            ),
            ("flushall", "+OK\r\n"),
            ("dbsize", ":0\r\n"),
        ]);
    }

    #[test]
    fn keys_lists_matches() {
        let mut h = Harness::new();
        h.run("mset {t}a 1 {t}b 2");
        let reply = h.run("keys {t}a");
        assert_eq!(reply, "*1\r\n$4\r\n{t}a\r\n");
        let reply = h.run("scan 0 match {t}b count 100000");
        assert_eq!(reply, "*2\r\n$1\r\n0\r\n*1\r\n$4\r\n{t}b\r\n");
    }
}
