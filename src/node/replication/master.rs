//! The master's side: PSYNC decides between a partial and a full resync (under the
//! keyspace lock, so the snapshot and the stream offset agree), then the connection turns
//! into a feed ([`serve`]) that sends the snapshot, then stream bytes from the backlog as
//! they are produced, and reads `REPLCONF ACK <offset>` back.

use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;

use super::{Handoff, ReplicaInfo, Replication};
use crate::node::cmd::{eq_ic, Ctx};
use crate::node::resp::{parse_request, Frame, RequestLimits};
use crate::node::shared::Shared;

impl Replication {
    /// `PSYNC replid offset`: the reply line, and the handoff stored for the connection
    /// (which becomes a replica feed unless the reply is an error).
    pub fn psync(&self, ctx: &mut Ctx, replid: &[u8], offset: i64) -> Frame {
        if self.is_replica() {
            // Chained replication is not kept: a replica's replicas follow the master.
            return Frame::static_error(
                "NOMASTERLINK Can't SYNC while not connected with my master",
            );
        }
        let mut st = self.state.lock();
        self.ensure_backlog(&mut st, ctx.ks);
        let replid = String::from_utf8_lossy(replid);
        let from = u64::try_from(offset).unwrap_or(0);
        let same_history = replid == st.replid
            || (replid == st.replid2 && st.second_offset.is_some_and(|s| from <= s));
        let held = st
            .backlog
            .as_ref()
            .is_some_and(|b| from > 0 && b.since(from, st.offset).is_some());
        let id = ctx.client.id;
        let reply = if same_history && held {
            st.handoffs.insert(
                id,
                Handoff {
                    rdb: None,
                    next: from,
                    keys: 0,
                },
            );
            Frame::Simple(Bytes::from(format!("CONTINUE {}", st.replid)))
        } else {
            let rdb =
                crate::node::rdb::snapshot(ctx.ks, ctx.now, Some((&st.replid, st.offset)), true);
            let next = st.offset + 1;
            st.stream_db = None;
            let keys = (0..ctx.ks.databases())
                .map(|db| ctx.ks.db_size(db).0 as u64)
                .sum();
            st.handoffs.insert(
                id,
                Handoff {
                    rdb: Some(rdb),
                    next,
                    keys,
                },
            );
            Frame::Simple(Bytes::from(format!(
                "FULLRESYNC {} {}",
                st.replid, st.offset
            )))
        };
        reply
    }
}

/// Serves a replica on `stream` (the connection that sent PSYNC) until either side ends
/// or this node stops being a master.
pub async fn serve(
    mut stream: TcpStream,
    mut rbuf: BytesMut,
    shared: Arc<Shared>,
    id: u64,
    kill: Arc<Notify>,
) {
    let repl = Arc::clone(&shared.repl);
    let peer_ip = stream
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let (handoff, port) = {
        let mut st = repl.state.lock();
        let Some(h) = st.handoffs.remove(&id) else {
            return;
        };
        let port = st.listening_ports.remove(&id).unwrap_or(0);
        (h, port)
    };
    if let Some(rdb) = &handoff.rdb {
        let head = format!("${}\r\n", rdb.len());
        if stream.write_all(head.as_bytes()).await.is_err()
            || send_paced(&mut stream, rdb, handoff.keys, &shared)
                .await
                .is_err()
        {
            return;
        }
    }
    repl.state.lock().replicas.insert(
        id,
        ReplicaInfo {
            ip: peer_ip.clone(),
            port,
            ack_offset: 0,
            ack_time: Instant::now(),
        },
    );
    tracing::info!("Synchronization with replica {peer_ip}:{port} succeeded");
    feed(&mut stream, &mut rbuf, &shared, id, handoff.next, &kill).await;
    repl.state.lock().replicas.remove(&id);
    repl.acks.notify_waiters();
    tracing::info!("Connection with replica {peer_ip}:{port} lost.");
}

/// Sends the snapshot. With `rdb-key-save-delay` (microseconds per key, a test knob of
/// redis-server that Redis's suites use to keep a sync in progress) the snapshot goes out
/// as fast as redis-server would produce it, an equal share of its bytes per key; the
/// delay is read again at each step, so lowering it speeds up a sync under way.
async fn send_paced(
    stream: &mut TcpStream,
    rdb: &[u8],
    keys: u64,
    shared: &Shared,
) -> std::io::Result<()> {
    let per_key = rdb.len() / keys.max(1) as usize;
    let mut sent = 0;
    while sent < rdb.len() {
        let delay_us = shared.config.read().rdb_key_save_delay;
        if delay_us <= 0 || per_key == 0 {
            break;
        }
        // Steps of about 10 ms, at least one key each.
        let step_keys = (10_000 / delay_us).max(1) as usize;
        let end = (sent + step_keys * per_key).min(rdb.len());
        stream.write_all(&rdb[sent..end]).await?;
        sent = end;
        let pause = std::time::Duration::from_micros(step_keys as u64 * delay_us as u64);
        tokio::time::sleep(pause).await;
    }
    stream.write_all(&rdb[sent..]).await
}

async fn feed(
    stream: &mut TcpStream,
    rbuf: &mut BytesMut,
    shared: &Shared,
    id: u64,
    mut next: u64,
    kill: &Notify,
) {
    let repl = &shared.repl;
    let mut offsets = repl.offset_tx.subscribe();
    let mut stop = shared.shutdown.subscribe();
    let limits = RequestLimits::default();
    loop {
        // Send whatever the stream has beyond what this replica got.
        let chunk = {
            let st = repl.state.lock();
            if repl.is_replica() {
                return;
            }
            match &st.backlog {
                Some(b) if next <= st.offset => match b.since(next, st.offset) {
                    Some(bytes) => {
                        next = st.offset + 1;
                        Some(bytes)
                    }
                    // It fell further behind than the backlog holds: it must resync.
                    None => return,
                },
                _ => None,
            }
        };
        if let Some(bytes) = chunk {
            if stream.write_all(&bytes).await.is_err() {
                return;
            }
        }
        tokio::select! {
            changed = offsets.changed() => if changed.is_err() { return },
            read = stream.read_buf(rbuf) => {
                match read {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                while let Ok(Some(args)) = parse_request(rbuf, &limits) {
                    if args.len() >= 3 && eq_ic(&args[0], "replconf") && eq_ic(&args[1], "ack") {
                        let acked = std::str::from_utf8(&args[2]).ok().and_then(|s| s.parse::<u64>().ok());
                        if let Some(acked) = acked {
                            if let Some(r) = repl.state.lock().replicas.get_mut(&id) {
                                r.ack_offset = acked;
                                r.ack_time = Instant::now();
                            }
                            repl.acks.notify_waiters();
                        }
                    }
                }
            }
            _ = stop.recv() => return,
            _ = kill.notified() => return,
        }
    }
}
