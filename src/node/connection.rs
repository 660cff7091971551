//! One client connection: reads into a buffer, takes every complete command out of it,
//! runs them all under one keyspace lock, writes all the replies and flushes once. Only
//! broken framing closes the connection (after the `-ERR Protocol error` reply).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::BytesMut;
use tokio::net::TcpStream;

use super::clock::now_ms;
use super::cmd::{execute, Action, ClientState, Ctx};
use super::resp::{parse_requests, Batch, Frame, RequestLimits};
use super::shared::{Shared, Stats};
use super::socket::Socket;

/// Replies are written once this much is pending even mid-batch, to bound memory.
const WRITE_HIGH_WATER: usize = 1 << 20;

pub struct Connection {
    socket: Socket,
    rbuf: BytesMut,
    wbuf: BytesMut,
    client: ClientState,
    shared: Arc<Shared>,
    limits: RequestLimits,
    /// Commands parsed but not yet run; kept to reuse its allocations.
    batch: Batch,
}

enum Next {
    Continue,
    Close,
    /// The peer is a replica that sent PSYNC: hand the socket to replication.
    Replica,
}

impl Connection {
    pub fn new(stream: TcpStream, shared: Arc<Shared>, id: u64) -> std::io::Result<Connection> {
        let (authenticated, max_bulk) = {
            let cfg = shared.config.read();
            (cfg.requirepass.is_none(), cfg.proto_max_bulk_len)
        };
        Ok(Connection {
            socket: Socket::new(stream)?,
            rbuf: BytesMut::with_capacity(16 * 1024),
            wbuf: BytesMut::with_capacity(16 * 1024),
            client: ClientState::new(id, authenticated),
            shared,
            limits: RequestLimits {
                max_bulk,
                ..Default::default()
            },
            batch: Batch::default(),
        })
    }

    /// Serves until the client leaves, is killed, or the server shuts down.
    pub async fn run(mut self) {
        self.serve().await;
        // A client that leaves with keys WATCHed stops counting as a watcher.
        if !self.client.watched.is_empty() {
            let shared = Arc::clone(&self.shared);
            let mut ks = shared.keyspace.lock();
            super::cmd::transactions::forget(&mut ks, &mut self.client.watched);
        }
    }

    /// The socket's handle, for the client registry (killing shuts it down).
    pub fn socket_handle(&self) -> Arc<std::net::TcpStream> {
        self.socket.handle()
    }

    async fn serve(&mut self) {
        loop {
            // A kill or shutdown shuts the socket down, which ends this read with EOF.
            let n = match self.socket.read_into(&mut self.rbuf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            Stats::add(&self.shared.stats.net_input_bytes, n as u64);
            match self.process().await {
                Ok(Next::Continue) => {}
                Ok(Next::Replica) => {
                    // Replication streams over a tokio stream on a duplicate of the same
                    // socket: a kill (CLIENT KILL, shutdown) shuts the socket down, which
                    // ends that stream too.
                    let Ok(stream) = self
                        .socket
                        .handle()
                        .try_clone()
                        .and_then(tokio::net::TcpStream::from_std)
                    else {
                        return;
                    };
                    super::replication::master::serve(
                        stream,
                        std::mem::take(&mut self.rbuf),
                        Arc::clone(&self.shared),
                        self.client.id,
                        Arc::new(tokio::sync::Notify::new()),
                    )
                    .await;
                    return;
                }
                Ok(Next::Close) | Err(_) => return,
            }
        }
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        if !self.wbuf.is_empty() {
            Stats::add(&self.shared.stats.net_output_bytes, self.wbuf.len() as u64);
            self.socket.write_all(&self.wbuf).await?;
            self.wbuf.clear();
        }
        Ok(())
    }

    /// Runs every complete command in the read buffer and writes the replies.
    async fn process(&mut self) -> std::io::Result<Next> {
        self.batch.clear();
        let broken = parse_requests(&mut self.rbuf, &self.limits, &mut self.batch).err();
        let mut next = 0;
        while next < self.batch.len() {
            let action = run_batch(
                &self.shared,
                &mut self.client,
                &mut self.wbuf,
                &self.batch,
                &mut next,
            );
            match action {
                None => {}
                Some(Action::Sleep(d)) => {
                    self.flush().await?;
                    tokio::time::sleep(d).await;
                }
                Some(Action::Close) => {
                    self.flush().await?;
                    return Ok(Next::Close);
                }
                Some(Action::Replica) => {
                    self.flush().await?;
                    return Ok(Next::Replica);
                }
                Some(Action::Wait {
                    offset,
                    replicas,
                    timeout_ms,
                }) => {
                    self.flush().await?;
                    let repl = Arc::clone(&self.shared.repl);
                    repl.request_acks();
                    let n = repl.wait_acks(offset, replicas, timeout_ms).await;
                    Frame::Integer(n as i64).encode(&mut self.wbuf, self.client.resp3);
                }
                Some(Action::Migrate) => {
                    self.flush().await?;
                    let reply = super::cmd::migrate::run_job(&self.shared, self.client.id).await;
                    reply.encode(&mut self.wbuf, self.client.resp3);
                }
                Some(Action::Stream) => {
                    if let Some(mut reply) = self.client.stream.take() {
                        let resp3 = self.client.resp3;
                        while !reply.write_some(&mut self.wbuf, resp3, WRITE_HIGH_WATER) {
                            self.flush().await?;
                        }
                    }
                }
                Some(Action::Shutdown) => {
                    // Redis closes the connection without a reply when it shuts down.
                    self.wbuf.clear();
                    let _ = self.shared.shutdown.send(());
                    return Ok(Next::Close);
                }
            }
            if self.wbuf.len() >= WRITE_HIGH_WATER {
                self.flush().await?;
            }
        }
        if let Some(e) = broken {
            Frame::error(e.reply_text()).encode(&mut self.wbuf, self.client.resp3);
            self.flush().await?;
            return Ok(Next::Close);
        }
        self.flush().await?;
        Ok(Next::Continue)
    }
}

/// Executes the batch's commands from `*next` on under one lock, until they run out or
/// one asks the connection to act (sleep, close, shut down) before the rest may run.
fn run_batch(
    shared: &Shared,
    client: &mut ClientState,
    wbuf: &mut BytesMut,
    batch: &Batch,
    next: &mut usize,
) -> Option<Action> {
    let mut ks = shared.keyspace.lock();
    let mut ctx = Ctx {
        ks: &mut ks,
        now: now_ms(),
        shared,
        client,
    };
    let start = *next;
    let mut action = None;
    let paused = shared.repl.writes_paused(ctx.now);
    while *next < batch.len() {
        if paused && pauses(batch.command(*next)) {
            // A manual failover is in progress: writes wait until it ends.
            action = Some(Action::Sleep(std::time::Duration::from_millis(5)));
            break;
        }
        let reply = execute(&mut ctx, batch.command(*next));
        *next += 1;
        if let Some(a) = ctx.client.action.take() {
            // WAIT and MIGRATE reply later, with their outcome.
            if !matches!(a, Action::Wait { .. } | Action::Migrate | Action::Stream) {
                reply.encode(wbuf, ctx.client.resp3);
            }
            action = Some(a);
            break;
        }
        reply.encode(wbuf, ctx.client.resp3);
        if wbuf.len() >= WRITE_HIGH_WATER {
            break;
        }
    }
    drop(ks);
    // The batch's writes reach the append-only file before its replies leave.
    shared.persist.after_batch(shared);
    shared
        .stats
        .commands_processed
        .fetch_add((*next - start) as u64, Ordering::Relaxed);
    action
}

/// Whether a command must wait while writes are paused: writes, and EXEC (which may
/// hold some).
fn pauses(args: &[bytes::Bytes]) -> bool {
    super::cmd::lookup(&args[0]).is_some_and(|spec| spec.is_write() || spec.name == "exec")
}
