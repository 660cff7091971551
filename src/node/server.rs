//! The accept loop, per-connection tasks, the background expiry task and graceful
//! shutdown (SIGTERM/SIGINT or SHUTDOWN fan out through a broadcast channel; the server
//! knows every connection ended when the last clone of an mpsc sender drops).

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::clock::now_ms;
use super::connection::Connection;
use super::shared::{ClientEntry, Shared};

/// Serves on `listeners` until `shutdown` completes or a client sends SHUTDOWN.
pub async fn run(shared: Arc<Shared>, listeners: Vec<TcpListener>, shutdown: impl Future) {
    let (done_tx, mut done_rx) = mpsc::channel::<()>(1);
    let mut stop = shared.shutdown.subscribe();
    for listener in listeners {
        tokio::spawn(accept_loop(Arc::clone(&shared), listener, done_tx.clone()));
    }
    tokio::spawn(active_expiry(Arc::clone(&shared)));
    tokio::spawn(Arc::clone(&shared.repl).cron(Arc::clone(&shared)));
    tokio::spawn(super::persist::Persistence::cron(Arc::clone(&shared)));
    tokio::select! {
        _ = shutdown => {}
        _ = stop.recv() => {}
    }
    let _ = shared.shutdown.send(());
    for client in shared.clients.lock().values() {
        client.kill();
    }
    drop(done_tx);
    // Connections see the broadcast and end; give slow ones a moment, no more.
    let _ = tokio::time::timeout(Duration::from_secs(2), done_rx.recv()).await;
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener, done: mpsc::Sender<()>) {
    let mut stop = shared.shutdown.subscribe();
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(pair) => pair,
                Err(_) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = stop.recv() => return,
        };
        // maxclients is read at every accept, so CONFIG SET applies to the next client.
        let maxclients = shared.config.read().maxclients;
        if shared.stats.connected_clients.load(Ordering::Relaxed) >= maxclients {
            shared
                .stats
                .rejected_connections
                .fetch_add(1, Ordering::Relaxed);
            let mut stream = stream;
            let _ = tokio::io::AsyncWriteExt::write_all(
                &mut stream,
                b"-ERR max number of clients reached\r\n",
            )
            .await;
            continue;
        }
        let _ = stream.set_nodelay(true);
        let id = shared.next_client_id();
        let laddr = stream
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let Ok(conn) = Connection::new(stream, Arc::clone(&shared), id) else {
            continue;
        };
        shared.clients.lock().insert(
            id,
            ClientEntry {
                addr: peer.to_string(),
                laddr,
                name: None,
                lib_name: None,
                lib_ver: None,
                created: Instant::now(),
                resp: 2,
                socket: conn.socket_handle(),
            },
        );
        shared
            .stats
            .connections_received
            .fetch_add(1, Ordering::Relaxed);
        shared
            .stats
            .connected_clients
            .fetch_add(1, Ordering::Relaxed);
        let shared = Arc::clone(&shared);
        let done = done.clone();
        tokio::spawn(async move {
            conn.run().await;
            shared.clients.lock().remove(&id);
            shared
                .stats
                .connected_clients
                .fetch_sub(1, Ordering::Relaxed);
            drop(done);
        });
    }
}

/// Active expiry, 10 times a second like Redis's default hz: sample keys with a TTL and
/// keep going while more than a quarter of a sample had expired, within a time budget.
async fn active_expiry(shared: Arc<Shared>) {
    let mut stop = shared.shutdown.subscribe();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.recv() => return,
        }
        // A replica's keys expire when its master says so (a DEL in the stream).
        if shared.repl.is_replica()
            || !shared
                .active_expire
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            continue;
        }
        let started = Instant::now();
        // Never wait for the keyspace here (a busy script may hold it): skip the round.
        let Some(databases) = shared.keyspace.try_lock().map(|ks| ks.databases()) else {
            continue;
        };
        'dbs: for db in 0..databases {
            loop {
                let (sampled, deleted) = {
                    // A busy script holds the keyspace: skip this round rather than stall
                    // the event loop that answers -BUSY meanwhile.
                    let Some(mut ks) = shared.keyspace.try_lock() else {
                        break 'dbs;
                    };
                    if ks.db_size(db).1 == 0 {
                        break;
                    }
                    let counts = ks.with_db(db, |ks| ks.expire_sample(now_ms()));
                    shared.repl.after_expiry(&mut ks);
                    crate::node::notify::publish(&shared, &mut ks);
                    counts
                };
                if started.elapsed() > Duration::from_millis(25) {
                    break 'dbs;
                }
                if sampled == 0 || deleted * 4 <= sampled {
                    break;
                }
            }
        }
    }
}
