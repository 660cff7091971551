//! The replica's side: the link to the master. Handshake (PING, AUTH with `masterauth`,
//! REPLCONF listening-port and capa, PSYNC with our history id and offset), the snapshot
//! on a full resync, then the stream: each command is applied under the keyspace lock,
//! counted into our offset and kept in our own backlog (so that, once promoted, our
//! former siblings can continue from us). Offsets are acknowledged every second and on
//! GETACK. A lost link is retried every second with PSYNC, which continues where it left
//! off when the master's backlog still holds the gap.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::propagate::encode;
use super::{LinkState, Loading, Replication};
use crate::node::clock::now_ms;
use crate::node::cmd::{eq_ic, lookup, ClientState, Ctx};
use crate::node::resp::{parse_request, RequestLimits};
use crate::node::shared::Shared;

/// Redis's `repl-timeout`: a master silent this long is considered gone.
const REPL_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs the link to `host:port` until aborted (the master changed).
pub async fn run(shared: Arc<Shared>, host: String, port: u16) {
    tracing::info!("Connecting to MASTER {host}:{port}");
    loop {
        // Not while the keyspace is held (DEBUG SLEEP in a transaction): redis-server does
        // nothing at all then, so a link killed before the sleep stays down through it
        // and the data ages, as Redis's suites expect.
        drop(shared.keyspace.lock());
        let result = sync_and_stream(&shared, &host, port).await;
        let repl = &shared.repl;
        {
            let mut st = repl.state.lock();
            if let Some(m) = st.master.as_mut() {
                if m.state == LinkState::Connected {
                    m.down_since = Instant::now();
                }
                m.state = LinkState::Connecting;
            }
        }
        if let Some(bus) = repl.bus() {
            // Data age counts from when the link went down, as Redis measures it.
            let down = repl.state.lock().master.as_ref().map(|m| m.down_since);
            let since = down.map(|d| now_ms().saturating_sub(d.elapsed().as_millis() as u64));
            bus.set_master_last_io(since);
        }
        if let Err(e) = result {
            tracing::info!("MASTER {host}:{port} link: {e:#}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Reads one `\r\n`-terminated line (without it), skipping the bare newlines a master
/// sends as keepalives while it prepares a snapshot.
async fn read_line(stream: &mut TcpStream, buf: &mut BytesMut) -> anyhow::Result<String> {
    loop {
        while buf.first() == Some(&b'\n') {
            buf.advance(1);
        }
        if let Some(pos) = buf.windows(2).position(|w| w == b"\r\n") {
            let line = String::from_utf8_lossy(&buf[..pos]).into_owned();
            buf.advance(pos + 2);
            return Ok(line);
        }
        if stream.read_buf(buf).await? == 0 {
            bail!("connection closed by master");
        }
    }
}

async fn command(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    args: &[&[u8]],
) -> anyhow::Result<String> {
    stream.write_all(&encode(args)).await?;
    read_line(stream, buf).await
}

async fn sync_and_stream(shared: &Arc<Shared>, host: &str, port: u16) -> anyhow::Result<()> {
    let repl = &shared.repl;
    // A CLIENT KILL of the master link from now on ends this connection.
    let kills = repl.master_link_kills.load(Ordering::Relaxed);
    let connect = TcpStream::connect((host, port));
    let mut stream = tokio::time::timeout(Duration::from_secs(5), connect)
        .await
        .map_err(|_| anyhow!("timeout connecting"))??;
    let _ = stream.set_nodelay(true);
    let mut buf = BytesMut::with_capacity(64 * 1024);
    let pong = command(&mut stream, &mut buf, &[b"PING"]).await?;
    // Redis accepts -NOAUTH here: AUTH comes next.
    if pong.starts_with('-') && !pong.starts_with("-NOAUTH") {
        bail!("error reply to PING: {pong}");
    }
    let (masterauth, my_port) = {
        let cfg = shared.config.read();
        let announced = if cfg.cluster_announce_port != 0 {
            cfg.cluster_announce_port
        } else {
            cfg.port
        };
        (cfg.masterauth.clone(), announced)
    };
    if let Some(pw) = masterauth {
        let r = command(&mut stream, &mut buf, &[b"AUTH", pw.as_bytes()]).await?;
        if !r.starts_with("+OK") {
            bail!("unable to AUTH to MASTER: {r}");
        }
    }
    let my_port = my_port.to_string();
    let r = command(
        &mut stream,
        &mut buf,
        &[b"REPLCONF", b"listening-port", my_port.as_bytes()],
    )
    .await?;
    if r.starts_with('-') {
        bail!("REPLCONF listening-port: {r}");
    }
    // Capabilities are advisory; an old master may refuse them.
    command(&mut stream, &mut buf, &[b"REPLCONF", b"capa", b"psync2"]).await?;
    let (replid, offset) = {
        let st = repl.state.lock();
        (st.replid.clone(), st.offset)
    };
    let from = (offset + 1).to_string();
    let reply = command(
        &mut stream,
        &mut buf,
        &[b"PSYNC", replid.as_bytes(), from.as_bytes()],
    )
    .await?;
    if let Some(rest) = reply.strip_prefix("+FULLRESYNC ") {
        let mut words = rest.split_whitespace();
        let new_id = words
            .next()
            .context("FULLRESYNC without an id")?
            .to_string();
        let new_offset: u64 = words
            .next()
            .and_then(|o| o.parse().ok())
            .context("FULLRESYNC without an offset")?;
        set_link(repl, LinkState::Sync);
        // Until the snapshot is loaded this replica holds nothing of the new history: the
        // bus says offset 0 (as Redis's replicationGetSlaveOffset does without a master
        // client), so masters leave it out of CLUSTER SLOTS and CLUSTER SHARDS says loading.
        if let Some(bus) = repl.bus() {
            bus.set_repl_offset(0);
        }
        let swapdb = shared
            .config
            .read()
            .repl_diskless_load
            .eq_ignore_ascii_case("swapdb");
        let same_history = repl.state.lock().replid == new_id;
        // As redis-server: with swapdb the snapshot loads as it arrives, and when our data
        // is an earlier point of the same history the old data serves meanwhile (INFO
        // async_loading) and stays if the transfer fails; otherwise clients get -LOADING
        // while it loads (only once it has arrived when the load is not diskless).
        let first = match (swapdb, same_history) {
            (true, true) => Loading::Async,
            (true, false) => Loading::Blocking,
            (false, _) => Loading::No,
        };
        let loading = LoadingFlag::new(repl, first);
        let rdb = read_snapshot(&mut stream, &mut buf).await?;
        if first == Loading::No {
            loading.set(Loading::Blocking);
        }
        pace_load(shared, &rdb).await;
        load_snapshot(shared, &rdb, new_id, new_offset)?;
        drop(loading);
        tracing::info!(
            "MASTER <-> REPLICA sync: Finished with success ({} bytes)",
            rdb.len()
        );
    } else if let Some(rest) = reply.strip_prefix("+CONTINUE") {
        let new_id = rest.trim();
        let mut st = repl.state.lock();
        if !new_id.is_empty() && new_id != st.replid {
            // The master's history has a new id from our offset on.
            st.replid2 = std::mem::replace(&mut st.replid, new_id.to_string());
            st.second_offset = Some(st.offset + 1);
        }
        if st.backlog.is_none() {
            st.backlog = Some(super::backlog::Backlog::new(super::backlog::DEFAULT_SIZE));
        }
        drop(st);
        tracing::info!("Successful partial resynchronization with master.");
    } else {
        bail!("unexpected reply to PSYNC: {reply}");
    }
    set_link(repl, LinkState::Connected);
    stream_commands(shared, &mut stream, buf, kills).await
}

fn set_link(repl: &Replication, state: LinkState) {
    let mut st = repl.state.lock();
    if let Some(m) = st.master.as_mut() {
        m.state = state;
        m.last_io = Instant::now();
    }
}

/// The `$<len>\r\n<bytes>` that follows `+FULLRESYNC`.
async fn read_snapshot(stream: &mut TcpStream, buf: &mut BytesMut) -> anyhow::Result<Bytes> {
    let head = read_line(stream, buf).await?;
    let len: usize = head
        .strip_prefix('$')
        .and_then(|l| l.parse().ok())
        .with_context(|| {
            format!("bad snapshot header {head:?} (diskless EOF format is not asked for)")
        })?;
    while buf.len() < len {
        buf.reserve(len - buf.len());
        if stream.read_buf(buf).await? == 0 {
            bail!("connection closed during the snapshot");
        }
    }
    Ok(buf.split_to(len).freeze())
}

/// The replica's loading state for as long as it lives; back to not loading when dropped
/// (a failed transfer included).
struct LoadingFlag<'a>(&'a Replication);

impl<'a> LoadingFlag<'a> {
    fn new(repl: &'a Replication, state: Loading) -> Self {
        repl.set_loading(state);
        LoadingFlag(repl)
    }

    fn set(&self, state: Loading) {
        self.0.set_loading(state);
    }
}

impl Drop for LoadingFlag<'_> {
    fn drop(&mut self) {
        self.0.set_loading(Loading::No);
    }
}

/// `key-load-delay` (microseconds per key, a test knob of redis-server that Redis's suites
/// use to keep a replica loading): waits as long as redis-server would take to load the
/// snapshot's keys. The delay is read again at each step, so lowering it speeds up a load
/// under way.
async fn pace_load(shared: &Shared, rdb: &[u8]) {
    if shared.config.read().key_load_delay <= 0 {
        return;
    }
    let mut keys = 0u64;
    let _ = crate::node::rdb::read_file(rdb, |_| keys += 1);
    while keys > 0 {
        let delay_us = shared.config.read().key_load_delay;
        if delay_us <= 0 {
            break;
        }
        // Steps of about 10 ms, at least one key each.
        let step = ((10_000 / delay_us).max(1) as u64).min(keys);
        tokio::time::sleep(Duration::from_micros(step * delay_us as u64)).await;
        keys -= step;
    }
}

/// Replaces our data with the snapshot and takes the master's history id and offset.
fn load_snapshot(shared: &Shared, rdb: &[u8], replid: String, offset: u64) -> anyhow::Result<()> {
    let repl = &shared.repl;
    let mut ks = shared.keyspace.lock();
    ks.flush_all(crate::node::clock::now_ms());
    // now = 0: the master decides when keys expire (it sends a DEL).
    crate::node::rdb::load_into(rdb, &mut ks, 0, &shared.script_run)
        .map_err(|e| anyhow!("loading the snapshot: {}", e.0))?;
    let mut st = repl.state.lock();
    st.replid = replid;
    st.replid2 = super::NO_ID.into();
    st.second_offset = None;
    st.offset = offset;
    st.backlog = Some(super::backlog::Backlog::new(super::backlog::DEFAULT_SIZE));
    drop(st);
    // The append-only file describes the old data: it starts again from this snapshot.
    if shared.persist.logging() {
        let _ = shared.persist.bgrewriteaof(shared, &mut ks);
    }
    drop(ks);
    if let Some(bus) = repl.bus() {
        bus.set_repl_offset(offset);
        bus.set_master_last_io(Some(now_ms()));
    }
    Ok(())
}

/// Applies the master's stream until the link fails.
async fn stream_commands(
    shared: &Arc<Shared>,
    stream: &mut TcpStream,
    mut buf: BytesMut,
    kills: u64,
) -> anyhow::Result<()> {
    let killed = || repl_killed(&shared.repl, kills);
    let repl = &shared.repl;
    let limits = RequestLimits::default();
    let mut client = ClientState::new(0, true);
    let mut ack_every = tokio::time::interval(Duration::from_secs(1));
    let mut last_io = Instant::now();
    let mut stop = shared.shutdown.subscribe();
    loop {
        let mut ack = false;
        if killed() {
            bail!("connection killed (CLIENT KILL)");
        }
        if !buf.is_empty() {
            let mut ks = shared.keyspace.lock();
            // CLIENT KILL runs under the keyspace lock: checked again under it, nothing
            // read from a killed connection is applied.
            if killed() {
                bail!("connection killed (CLIENT KILL)");
            }
            // The stream's last SELECT holds across batches.
            ks.select(client.db);
            let mut st_applied = 0u64;
            // One copy of the pending bytes per batch: what is applied also goes to our
            // backlog verbatim.
            let pending = buf.clone();
            loop {
                let before = buf.len();
                let args = match parse_request(&mut buf, &limits) {
                    Ok(Some(args)) => args,
                    Ok(None) => break,
                    Err(e) => bail!("bad replication stream: {}", e.0),
                };
                st_applied += (before - buf.len()) as u64;
                if eq_ic(&args[0], "replconf") {
                    ack |= args.get(1).is_some_and(|a| eq_ic(a, "getack"));
                    continue;
                }
                let Some(spec) = lookup(&args[0]) else {
                    continue;
                };
                if !spec.arity_ok(args.len()) {
                    continue;
                }
                // now = 0: a replica never expires keys itself when applying the
                // stream; its master sends a DEL when a key expires there.
                let mut ctx = Ctx {
                    ks: &mut ks,
                    now: 0,
                    shared,
                    client: &mut client,
                };
                // Applying the stream: no connection acts on a follow-up.
                let outcome = (spec.handler)(&mut ctx, &args);
                // READONLY clients may wait here on reads (XREAD BLOCK): the master's
                // writes serve them, after the batch. A replica logs what it applies, as
                // its master did.
                crate::node::cmd::blocking::after_write(ctx.ks, spec, &args, &outcome.reply);
                if shared.persist.logging() {
                    let cmds = crate::node::replication::propagate::written_by(
                        spec,
                        &args,
                        &outcome,
                        now_ms(),
                    );
                    let db = ctx.ks.selected();
                    shared.persist.feed(db, &cmds, db);
                }
            }
            if ks.blocked.has_ready() {
                let mut server_side = ClientState::new(0, true);
                let mut ctx = Ctx {
                    ks: &mut ks,
                    now: now_ms(),
                    shared,
                    client: &mut server_side,
                };
                crate::node::cmd::blocking::serve_ready(&mut ctx);
            }
            ks.select(0);
            if st_applied > 0 {
                let mut st = repl.state.lock();
                if let Some(b) = st.backlog.as_mut() {
                    b.append(&pending[..st_applied as usize]);
                }
                st.offset += st_applied;
                let offset = st.offset;
                drop(st);
                drop(ks);
                shared.persist.after_batch();
                repl.offset_tx.send_replace(offset);
                if let Some(bus) = repl.bus() {
                    bus.set_repl_offset(offset);
                }
            }
        }
        if ack {
            send_ack(repl, stream).await?;
        }
        tokio::select! {
            read = stream.read_buf(&mut buf) => {
                if read? == 0 {
                    bail!("connection closed by master");
                }
                if killed() {
                    bail!("connection killed (CLIENT KILL)");
                }
                last_io = Instant::now();
                set_link(repl, LinkState::Connected);
                if let Some(bus) = repl.bus() {
                    bus.set_master_last_io(Some(now_ms()));
                }
            }
            _ = ack_every.tick() => {
                if last_io.elapsed() > REPL_TIMEOUT {
                    bail!("timeout: no data from master");
                }
                send_ack(repl, stream).await?;
            }
            _ = stop.recv() => return Ok(()),
            _ = repl.master_link_killed.notified() => {}
        }
    }
}

fn repl_killed(repl: &Replication, kills: u64) -> bool {
    repl.master_link_kills.load(Ordering::Relaxed) != kills
}

async fn send_ack(repl: &Replication, stream: &mut TcpStream) -> anyhow::Result<()> {
    let offset = repl.state.lock().offset.to_string();
    stream
        .write_all(&encode(&[&b"REPLCONF"[..], b"ACK", offset.as_bytes()]))
        .await?;
    Ok(())
}
