//! DUMP, RESTORE (and RESTORE-ASKING, which MIGRATE sends in cluster mode) and MIGRATE.
//! Payloads are in Redis's serialization format ([`crate::node::rdb`]), so keys move
//! between rclust-node and redis-server both ways.
//!
//! MIGRATE talks to another server, so it cannot finish under the keyspace lock: the
//! handler serializes the keys into a [`Job`] it returns to the connection
//! ([`FollowUp::Migrate`]), which owns it until it is done;
//! [`run_job`] sends the RESTOREs, then (unless COPY) deletes the keys the target took,
//! provided nobody changed them meanwhile.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{eq_ic, int_arg, syntax_error, Ctx, FollowUp, Outcome};
use crate::node::clock::now_ms;
use crate::node::keyspace::Ttl;
use crate::node::rdb;
use crate::node::replication::propagate::encode;
use crate::node::resp::{parse_frame, Frame, ParseError};
use crate::node::shared::Shared;

/// `DUMP key`.
pub fn dump(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    match ctx.ks.get(&args[1], ctx.now) {
        Some(v) => Frame::Bulk(Bytes::from(rdb::dump(v))),
        None => Frame::Null,
    }
}

/// `RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]`.
pub fn restore(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq) = (None, None);
    let mut i = 4;
    while i < args.len() {
        let a = &args[i];
        let more = i + 1 < args.len();
        if eq_ic(a, "replace") {
            replace = true;
        } else if eq_ic(a, "absttl") {
            absttl = true;
        } else if eq_ic(a, "idletime") && more && freq.is_none() {
            match int_arg(&args[i + 1]) {
                Ok(v) if v >= 0 => idle = Some(v as u64),
                Ok(_) => return Frame::static_error("ERR Invalid IDLETIME value, must be >= 0"),
                Err(e) => return e,
            }
            i += 1;
        } else if eq_ic(a, "freq") && more && idle.is_none() {
            match int_arg(&args[i + 1]) {
                Ok(v) if (0..=255).contains(&v) => freq = Some(v as u8),
                Ok(_) => {
                    return Frame::static_error("ERR Invalid FREQ value, must be >= 0 and <= 255")
                }
                Err(e) => return e,
            }
            i += 1;
        } else {
            return syntax_error();
        }
        i += 1;
    }
    // Redis checks the key before the TTL.
    let key = &args[1];
    if !replace && ctx.ks.contains(key, ctx.now) {
        return Frame::static_error("BUSYKEY Target key name already exists.");
    }
    let ttl = match int_arg(&args[2]) {
        Ok(t) if t >= 0 => t as u64,
        Ok(_) => return Frame::static_error("ERR Invalid TTL value, must be >= 0"),
        Err(e) => return e,
    };
    let value = match rdb::undump(&args[3]) {
        Ok(v) => v,
        Err(e) if e.0.starts_with("ERR ") => return Frame::static_error(e.0),
        Err(e) => return Frame::error(format!("ERR {}", e.0)),
    };
    let at = match (ttl, absttl) {
        (0, _) => None,
        (t, true) => Some(t),
        (t, false) => Some(ctx.now + t),
    };
    // Already expired (an absolute time in the past): the key is not created, and
    // REPLACE still removes the old one, as in Redis.
    if at.is_some_and(|at| ctx.now != 0 && at <= ctx.now) {
        if replace {
            ctx.ks.remove(key, ctx.now);
        }
        return Frame::ok();
    }
    ctx.ks.put(key, value, at.map_or(Ttl::Clear, Ttl::At));
    use crate::node::keyspace::evict::Access;
    match (idle, freq) {
        (Some(s), _) => ctx.ks.set_access(key, Access::IdleSeconds(s), ctx.now),
        (_, Some(f)) => ctx.ks.set_access(key, Access::Frequency(f), ctx.now),
        _ => {}
    }
    Frame::ok()
}

/// What MIGRATE's handler hands the connection to carry out.
#[derive(Debug)]
pub struct Job {
    host: String,
    port: u16,
    db: i64,
    /// The database the keys are taken from (the client's).
    source_db: usize,
    timeout: Duration,
    copy: bool,
    replace: bool,
    auth: Option<(Option<Bytes>, Bytes)>,
    /// (key, remaining TTL in ms or 0, payload).
    keys: Vec<(Bytes, u64, Vec<u8>)>,
}

/// `MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw]
/// [KEYS key...]`.
pub fn migrate(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    let (mut copy, mut replace) = (false, false);
    let mut auth = None;
    let mut first_key = 3;
    let mut key_count = 1;
    let mut i = 6;
    while i < args.len() {
        let a = &args[i];
        let left = args.len() - i - 1;
        if eq_ic(a, "copy") {
            copy = true;
        } else if eq_ic(a, "replace") {
            replace = true;
        } else if eq_ic(a, "auth") && left >= 1 {
            auth = Some((None, args[i + 1].clone()));
            i += 1;
        } else if eq_ic(a, "auth2") && left >= 2 {
            auth = Some((Some(args[i + 1].clone()), args[i + 2].clone()));
            i += 2;
        } else if eq_ic(a, "keys") {
            if !args[3].is_empty() {
                return Frame::static_error(
                    "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string",
                )
                .into();
            }
            first_key = i + 1;
            key_count = args.len() - i - 1;
            break;
        } else {
            return syntax_error().into();
        }
        i += 1;
    }
    let port = match int_arg(&args[2]) {
        Ok(p) if (0..=65535).contains(&p) => p as u16,
        Ok(_) => return super::not_integer().into(),
        Err(e) => return e.into(),
    };
    let (db, timeout) = match (int_arg(&args[4]), int_arg(&args[5])) {
        (Ok(d), Ok(t)) => (d, if t <= 0 { 1000 } else { t as u64 }),
        (Err(e), _) | (_, Err(e)) => return e.into(),
    };
    let mut keys = Vec::new();
    for key in &args[first_key..first_key + key_count] {
        if let Some(v) = ctx.ks.get(key, ctx.now) {
            let payload = rdb::dump(v);
            let ttl = ctx
                .ks
                .expire_at(key)
                .map_or(0, |at| at.saturating_sub(ctx.now).max(1));
            keys.push((key.clone(), ttl, payload));
        }
    }
    if keys.is_empty() {
        return Frame::simple("NOKEY").into();
    }
    Outcome::deferred(FollowUp::Migrate(Box::new(Job {
        host: String::from_utf8_lossy(&args[1]).into_owned(),
        port,
        db,
        source_db: ctx.ks.selected(),
        timeout: Duration::from_millis(timeout),
        copy,
        replace,
        auth,
        keys,
    })))
}

enum IoErr {
    Write,
    Read,
}

async fn read_reply(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    timeout: Duration,
) -> Result<Frame, IoErr> {
    loop {
        let bytes = Bytes::copy_from_slice(buf);
        match parse_frame(&bytes) {
            Ok((frame, used)) => {
                let _ = buf.split_to(used);
                return Ok(frame);
            }
            Err(ParseError::Incomplete) => {}
            Err(ParseError::Invalid(_)) => return Err(IoErr::Read),
        }
        match tokio::time::timeout(timeout, stream.read_buf(buf)).await {
            Ok(Ok(n)) if n > 0 => {}
            _ => return Err(IoErr::Read),
        }
    }
}

fn target_error(frame: &Frame) -> Option<Frame> {
    match frame {
        Frame::Error(e) => Some(Frame::error(format!(
            "ERR Target instance replied with error: {}",
            String::from_utf8_lossy(e)
        ))),
        _ => None,
    }
}

/// Carries out a MIGRATE job; returns the reply.
pub async fn run_job(shared: &Shared, job: Job) -> Frame {
    let connect = TcpStream::connect((job.host.as_str(), job.port));
    // Redis connects without blocking, so a refused connection shows up as a failed
    // write; only a timeout is reported as such.
    let mut stream = match tokio::time::timeout(job.timeout, connect).await {
        Ok(Ok(s)) => s,
        Ok(Err(_)) => {
            return Frame::static_error("IOERR error or timeout writing to target instance")
        }
        Err(_) => return Frame::static_error("IOERR error or timeout connecting to the client"),
    };
    let _ = stream.set_nodelay(true);
    let restore: &[u8] = if shared.cluster_enabled {
        b"RESTORE-ASKING"
    } else {
        b"RESTORE"
    };
    let mut out = Vec::new();
    if let Some((user, pw)) = &job.auth {
        match user {
            Some(u) => out.extend(encode(&[&b"AUTH"[..], u, pw])),
            None => out.extend(encode(&[&b"AUTH"[..], pw])),
        }
    }
    let db = job.db.to_string();
    out.extend(encode(&[&b"SELECT"[..], db.as_bytes()]));
    for (key, ttl, payload) in &job.keys {
        let ttl = ttl.to_string();
        let mut cmd: Vec<&[u8]> = vec![restore, key, ttl.as_bytes(), payload];
        if job.replace {
            cmd.push(b"REPLACE");
        }
        out.extend(encode(&cmd));
    }
    let io = |e: IoErr| {
        let what = match e {
            IoErr::Write => "writing",
            IoErr::Read => "reading",
        };
        Frame::error(format!("IOERR error or timeout {what} to target instance"))
    };
    match tokio::time::timeout(job.timeout, stream.write_all(&out)).await {
        Ok(Ok(())) => {}
        _ => return io(IoErr::Write),
    }
    let mut buf = BytesMut::with_capacity(1024);
    if job.auth.is_some() {
        match read_reply(&mut stream, &mut buf, job.timeout).await {
            Ok(f) => {
                if let Some(e) = target_error(&f) {
                    return e;
                }
            }
            Err(e) => return io(e),
        }
    }
    match read_reply(&mut stream, &mut buf, job.timeout).await {
        Ok(f) => {
            if let Some(e) = target_error(&f) {
                return e;
            }
        }
        Err(e) => return io(e),
    }
    let mut moved = Vec::new();
    let mut error = None;
    let mut io_error = None;
    for (key, _, payload) in &job.keys {
        match read_reply(&mut stream, &mut buf, job.timeout).await {
            Ok(f) => match target_error(&f) {
                Some(e) => error = Some(e),
                None => moved.push((key, payload)),
            },
            Err(e) => {
                io_error = Some(io(e));
                break;
            }
        }
    }
    if !job.copy && !moved.is_empty() {
        let mut ks = shared.keyspace.lock();
        ks.select(job.source_db);
        let now = now_ms();
        let mut deleted = Vec::new();
        for (key, payload) in moved {
            // Only if unchanged since it was sent: a write that came in meanwhile stays.
            let same = ks.peek(key, now).is_some_and(|v| rdb::dump(v) == *payload);
            if same {
                ks.remove(key, now);
                deleted.push(key.clone());
            }
        }
        if !deleted.is_empty() {
            let mut del = vec![Bytes::from_static(b"DEL")];
            del.extend(deleted);
            crate::node::replication::propagate::feed_effect(shared, &mut ks, &del);
        }
        ks.select(0);
        drop(ks);
        shared.persist.after_batch();
    }
    io_error.or(error).unwrap_or_else(Frame::ok)
}
