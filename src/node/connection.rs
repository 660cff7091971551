//! One client connection: reads into a buffer, takes every complete command out of it,
//! runs them all under one keyspace lock, writes all the replies and flushes once. Only
//! broken framing closes the connection (after the `-ERR Protocol error` reply).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::BytesMut;
use tokio::net::TcpStream;

use super::clock::now_ms;
use super::cmd::{execute, ClientState, Ctx, FollowUp, ReplyMode};
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
    /// Bytes arrived while a command was blocked: parse them before reading again.
    unparsed_input: bool,
}

enum Next {
    Continue,
    Close,
    /// The peer is a replica that sent PSYNC: hand the socket to replication.
    Replica,
}

/// Why [`run_batch`] stopped before the batch's end: what the connection must do before
/// the rest may run.
enum Interrupt {
    /// A manual failover or CLIENT PAUSE holds the next command: try again shortly.
    Paused,
    /// The next command runs a script: run it on a blocking thread ([`Connection::run_script`]).
    Script,
    /// The command just run left this for the connection.
    FollowUp(FollowUp),
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
            unparsed_input: false,
        })
    }

    /// Serves until the client leaves, is killed, or the server shuts down.
    pub async fn run(mut self) {
        self.serve().await;
        // A client that leaves with keys WATCHed stops counting as a watcher.
        let shared = Arc::clone(&self.shared);
        if !self.client.watched.is_empty() {
            let mut ks = shared.keyspace.lock();
            super::cmd::transactions::forget(&mut ks, &mut self.client.watched);
        }
        super::cmd::pubsub::forget(&shared, self.client.id, self.client.subs.take());
    }

    /// Reads more input; while subscribed, also writes out pushed messages as they come.
    async fn read_more(&mut self) -> std::io::Result<usize> {
        loop {
            let Some(outbox) = self.client.subs.as_ref().map(|s| Arc::clone(&s.outbox)) else {
                return self.socket.read_into(&mut self.rbuf).await;
            };
            tokio::select! {
                n = self.socket.read_into(&mut self.rbuf) => return n,
                _ = outbox.ready() => {
                    outbox.drain_into(&mut self.wbuf);
                    self.flush().await?;
                }
            }
        }
    }

    /// Waits for a blocked command's reply: served by a write, timed out, CLIENT UNBLOCK,
    /// or forced (its slot moved away). `None`: the client left meanwhile.
    async fn wait_unblocked(
        &mut self,
        mut rx: tokio::sync::oneshot::Receiver<Frame>,
        timeout_ms: u64,
    ) -> std::io::Result<Option<Frame>> {
        use std::time::Duration;
        let id = self.client.id;
        let far = Duration::from_secs(100 * 365 * 24 * 3600);
        let deadline = tokio::time::Instant::now()
            + if timeout_ms > 0 {
                Duration::from_millis(timeout_ms)
            } else {
                far
            };
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                reply = &mut rx => return Ok(Some(reply.unwrap_or(Frame::Null))),
                _ = tokio::time::sleep_until(deadline) => {
                    let w = self.shared.keyspace.lock().blocked.remove(id);
                    match w {
                        Some(w) => return Ok(Some(w.timeout_reply)),
                        // Served just now: the reply is in the channel.
                        None => return Ok(Some(rx.await.unwrap_or(Frame::Null))),
                    }
                }
                _ = tick.tick() => {
                    // Checked again at the next tick while a busy script holds the keyspace.
                    let Some(mut ks) = self.shared.keyspace.try_lock() else {
                        continue;
                    };
                    if let Some(reply) = super::cmd::blocking::forced_reply(&self.shared, &ks, id) {
                        ks.blocked.remove(id);
                        return Ok(Some(reply));
                    }
                }
                n = self.read_more() => {
                    if !matches!(n, Ok(1..)) {
                        self.shared.keyspace.lock().blocked.remove(id);
                        return Ok(None);
                    }
                    self.unparsed_input = true;
                }
            }
        }
    }

    /// Runs a script command on a blocking thread under the keyspace lock, with this
    /// connection's state, while the event loop goes on (see [`Interrupt::Script`]).
    /// `None`: the thread failed.
    async fn run_script(&mut self, args: Vec<bytes::Bytes>) -> Option<Frame> {
        let shared = Arc::clone(&self.shared);
        let placeholder = ClientState::new(self.client.id, false);
        let mut client = std::mem::replace(&mut self.client, placeholder);
        let done = tokio::task::spawn_blocking(move || {
            let mut ks = shared.keyspace.lock();
            ks.select(client.db);
            let mut ctx = Ctx {
                ks: &mut ks,
                now: now_ms(),
                shared: &shared,
                client: &mut client,
            };
            // A script's commands gather their follow-ups; EVAL itself leaves none.
            let reply = execute(&mut ctx, &args).reply;
            ks.select(0);
            drop(ks);
            shared.persist.after_batch();
            Stats::add(&shared.stats.commands_processed, 1);
            (client, reply)
        })
        .await
        .ok()?;
        self.client = done.0;
        Some(done.1)
    }

    /// The socket's handle, for the client registry (killing shuts it down).
    pub fn socket_handle(&self) -> Arc<std::net::TcpStream> {
        self.socket.handle()
    }

    async fn serve(&mut self) {
        loop {
            if !std::mem::take(&mut self.unparsed_input) {
                // A kill or shutdown shuts the socket down, which ends this read with EOF.
                let n = match self.read_more().await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                Stats::add(&self.shared.stats.net_input_bytes, n as u64);
            }
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
        if let Some(version) = self.client.unsaved_cluster_config.take() {
            // A CLUSTER command's reply goes out once its change is on disk, as in Redis;
            // waited for here, once per batch and off the event loop, which also serves
            // other clients (and, on one thread, everything else).
            let router = Arc::clone(self.shared.router_arc());
            let _ = tokio::task::spawn_blocking(move || router.wait_saved(version)).await;
        }
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
            let interrupt = run_batch(
                &self.shared,
                &mut self.client,
                &mut self.wbuf,
                &self.batch,
                &mut next,
            );
            match interrupt {
                None => {}
                Some(Interrupt::Paused) => {
                    self.flush().await?;
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
                Some(Interrupt::FollowUp(FollowUp::Sleep(d))) => {
                    self.flush().await?;
                    tokio::time::sleep(d).await;
                }
                Some(Interrupt::FollowUp(FollowUp::Close)) => {
                    self.flush().await?;
                    return Ok(Next::Close);
                }
                Some(Interrupt::FollowUp(FollowUp::Replica)) => {
                    self.flush().await?;
                    return Ok(Next::Replica);
                }
                Some(Interrupt::FollowUp(FollowUp::Wait {
                    offset,
                    replicas,
                    timeout_ms,
                })) => {
                    self.flush().await?;
                    let repl = Arc::clone(&self.shared.repl);
                    repl.request_acks();
                    let n = repl.wait_acks(offset, replicas, timeout_ms).await;
                    Frame::Integer(n as i64).encode(&mut self.wbuf, self.client.resp3);
                }
                Some(Interrupt::FollowUp(FollowUp::Block { reply, timeout_ms })) => {
                    self.flush().await?;
                    match self.wait_unblocked(reply, timeout_ms).await? {
                        Some(reply) => {
                            // An error that ends the wait (-NOGROUP, -UNBLOCKED) counts in
                            // errorstats and as the command's failed call, as in Redis.
                            if reply.is_error() && next > 0 {
                                let stats = &self.shared.stats;
                                stats.error_reply(&reply);
                                let name = &self.batch.command(next - 1)[0];
                                if let Some(stat) =
                                    super::cmd::lookup(name).and_then(|s| stats.command(s))
                                {
                                    Stats::add(&stat.failed, 1);
                                }
                            }
                            reply.encode(&mut self.wbuf, self.client.resp3)
                        }
                        None => return Ok(Next::Close),
                    }
                }
                Some(Interrupt::Script) => {
                    self.flush().await?;
                    let args = self.batch.command(next).to_vec();
                    next += 1;
                    let mode = self.client.reply;
                    let Some(reply) = self.run_script(args.clone()).await else {
                        return Ok(Next::Close);
                    };
                    if ReplyMode::sends(mode, &mut self.client, &args) {
                        reply.encode(&mut self.wbuf, self.client.resp3);
                    }
                }
                Some(Interrupt::FollowUp(FollowUp::Migrate(job))) => {
                    self.flush().await?;
                    let reply = super::cmd::migrate::run_job(&self.shared, *job).await;
                    reply.encode(&mut self.wbuf, self.client.resp3);
                }
                Some(Interrupt::FollowUp(FollowUp::Stream(mut reply))) => {
                    let resp3 = self.client.resp3;
                    while !reply.write_some(&mut self.wbuf, resp3, WRITE_HIGH_WATER) {
                        self.flush().await?;
                    }
                }
                Some(Interrupt::FollowUp(FollowUp::Shutdown)) => {
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
) -> Option<Interrupt> {
    // A busy script holds the keyspace: its commands are answered without it (-BUSY,
    // SCRIPT KILL), as Redis answers while a script runs past busy-reply-threshold.
    let mut ks = loop {
        if let Some(ks) = shared
            .keyspace
            .try_lock_for(std::time::Duration::from_millis(10))
        {
            break ks;
        }
        let threshold = shared.config.read().busy_reply_threshold;
        if !shared.script_run.busy(threshold) {
            continue;
        }
        let args = batch.command(*next);
        let mode = client.reply;
        let (reply, close) = super::cmd::scripting::busy_reply(shared, client, args);
        if ReplyMode::sends(mode, client, args) {
            reply.encode(wbuf, client.resp3);
        }
        *next += 1;
        if close {
            return Some(Interrupt::FollowUp(FollowUp::Close));
        }
        if *next == batch.len() {
            return None;
        }
    };
    ks.select(client.db);
    let mut ctx = Ctx {
        ks: &mut ks,
        now: now_ms(),
        shared,
        client,
    };
    let start = *next;
    let mut interrupt = None;
    let paused = shared.repl.writes_paused(ctx.now);
    let client_pause = shared.repl.client_pause(ctx.now);
    while *next < batch.len() {
        let writes = pauses(batch.command(*next));
        if (paused && writes) || client_pause.is_some_and(|all| all || writes) {
            // A manual failover or CLIENT PAUSE is in force: the command waits for its end
            // (Redis, too, postpones even CLIENT UNPAUSE under a PAUSE ALL).
            interrupt = Some(Interrupt::Paused);
            break;
        }
        if ctx.client.multi.is_none() && runs_a_script(batch.command(*next)) {
            interrupt = Some(Interrupt::Script);
            break;
        }
        let mode = ctx.client.reply;
        let outcome = execute(&mut ctx, batch.command(*next));
        let reply = outcome.reply;
        let sends = ReplyMode::sends(mode, ctx.client, batch.command(*next));
        *next += 1;
        if let Some(then) = outcome.then {
            // WAIT, MIGRATE, a stream and a blocked pop reply later, with their outcome.
            if sends && !then.replaces_reply() {
                reply.encode(wbuf, ctx.client.resp3);
            }
            interrupt = Some(Interrupt::FollowUp(then));
            break;
        }
        if let Some(subs) = &ctx.client.subs {
            // Messages this command published to the client itself go before its reply,
            // as in Redis.
            subs.outbox.drain_into(wbuf);
        }
        if sends {
            reply.encode(wbuf, ctx.client.resp3);
        }
        if wbuf.len() >= WRITE_HIGH_WATER {
            break;
        }
    }
    // Whoever takes the keyspace next finds database 0 selected.
    ks.select(0);
    drop(ks);
    // The batch's writes reach the append-only file before its replies leave.
    shared.persist.after_batch();
    shared
        .stats
        .commands_processed
        .fetch_add((*next - start) as u64, Ordering::Relaxed);
    interrupt
}

/// EVAL, EVALSHA, FCALL and their read-only forms.
fn runs_a_script(args: &[bytes::Bytes]) -> bool {
    [
        "eval",
        "evalsha",
        "eval_ro",
        "evalsha_ro",
        "fcall",
        "fcall_ro",
    ]
    .iter()
    .any(|n| args[0].eq_ignore_ascii_case(n.as_bytes()))
}

/// Whether a command must wait while writes are paused: writes, and EXEC (which may
/// hold some).
fn pauses(args: &[bytes::Bytes]) -> bool {
    super::cmd::lookup(&args[0]).is_some_and(|spec| spec.writes(args) || spec.name == "exec")
}
