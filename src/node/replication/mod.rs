//! Replication, Redis-style: a replica connects to its master's client port, asks for
//! `PSYNC replid offset`, loads a snapshot on `+FULLRESYNC` (an RDB file) or continues on
//! `+CONTINUE`, then applies the master's stream of write commands; it acknowledges its
//! offset every second and on `REPLCONF GETACK`. The master keeps a backlog of that
//! stream for partial resyncs and tracks each replica's acknowledged offset for WAIT.
//!
//! [`Replication`] is the state both roles share; [`master`] serves replicas,
//! [`replica`] runs the link to a master, [`propagate`] turns executed commands into the
//! stream (with relative times made absolute, so replicas end up with the same data).

pub mod master;
pub mod propagate;
pub mod replica;

pub use crate::node::repl_state::{
    backlog, Handoff, LinkState, Loading, MasterLink, ReplState, ReplicaInfo, Replication,
};
pub(crate) use crate::node::repl_state::{random_id, NO_ID};

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::clock::now_ms;
use super::shared::Shared;

impl Replication {
    /// Pauses client writes until `until` (Unix ms; 0 resumes). Takes the keyspace lock
    /// so that no write is half done, then reports the now final offset to the bus.
    pub fn pause_writes(&self, shared: &Shared, until: u64) {
        let _ks = shared.keyspace.lock();
        self.paused_until.store(until, Ordering::Relaxed);
        let offset = self.state.lock().offset;
        if let Some(bus) = self.bus() {
            if until != 0 {
                // Tells the replica waiting for a manual failover the final offset.
                bus.writes_paused(offset);
            } else {
                bus.set_repl_offset(offset);
            }
        }
    }

    /// Becomes a replica of `host:port` (`None`: becomes a master, keeping the data).
    pub fn set_master(self: &Arc<Self>, shared: &Arc<Shared>, master: Option<(String, u16)>) {
        let mut ks = shared.keyspace.lock();
        let mut st = self.state.lock();
        if let Some(old) = st.master.take() {
            if let Some(task) = old.task {
                task.abort();
            }
        }
        match master {
            Some((host, port)) => {
                self.replica.store(true, Ordering::Relaxed);
                self.feeding.store(false, Ordering::Relaxed);
                ks.log_expired = false;
                ks.expired_log.clear();
                let task = tokio::spawn(replica::run(Arc::clone(shared), host.clone(), port));
                st.master = Some(MasterLink {
                    host,
                    port,
                    state: LinkState::Connecting,
                    last_io: Instant::now(),
                    down_since: Instant::now(),
                    task: Some(task.abort_handle()),
                });
                // Our own replicas follow the new master through the bus; a chain is
                // not kept, so wake their feeds to end.
                self.offset_tx.send_modify(|_| {});
            }
            None => {
                if !self.is_replica() {
                    return;
                }
                self.replica.store(false, Ordering::Relaxed);
                // A new history starts here; replicas of the old master may continue
                // with us up to where we were (Redis's `shiftReplicationId`).
                st.replid2 = std::mem::replace(&mut st.replid, random_id());
                st.second_offset = Some(st.offset + 1);
                st.stream_db = None;
                if st.backlog.is_some() {
                    ks.log_expired = true;
                    self.feeding.store(true, Ordering::Relaxed);
                }
                drop(st);
                drop(ks);
                tracing::info!("MASTER MODE enabled");
            }
        }
    }

    /// Regular duties, every 100 ms: masters feed a PING every `repl-ping-replica-period`
    /// seconds unless writes are paused, so replicas' data age stays
    /// fresh for elections.
    pub async fn cron(self: Arc<Self>, shared: Arc<Shared>) {
        let mut stop = shared.shutdown.subscribe();
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.recv() => return,
            }
            if self.is_replica() || self.writes_paused(now_ms()) {
                continue;
            }
            let period = Duration::from_secs(shared.config.read().repl_ping_replica_period);
            // Skipped while a busy script holds the keyspace (the event loop must not
            // wait for it).
            let Some(_ks) = shared.keyspace.try_lock() else {
                continue;
            };
            let mut st = self.state.lock();
            if !st.replicas.is_empty() && st.last_ping.elapsed() >= period {
                st.last_ping = Instant::now();
                let ping = propagate::encode(&[b"PING"]);
                self.append(&mut st, &ping);
                let offset = st.offset;
                drop(st);
                if let Some(bus) = self.bus() {
                    bus.set_repl_offset(offset);
                }
            }
        }
    }
}
