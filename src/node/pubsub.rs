//! Pub/Sub delivery: who listens to which channel, pattern or shard channel, and each
//! listener's outbox. A message is encoded once per protocol and appended to the outbox of
//! every receiver under the registry's own lock (never the keyspace's); the receiver's
//! connection drains its outbox into its socket. Outboxes are bounded by the pubsub class
//! of `client-output-buffer-limit`: a client that stops reading is disconnected, as Redis
//! does, instead of letting its queue grow without limit.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use hashbrown::HashMap;
use indexmap::IndexMap;
use parking_lot::Mutex;
use tokio::sync::Notify;

use super::config::OutputLimit;
use super::keyspace::glob_match;
use super::resp::Frame;

/// Pushed replies waiting for one client's connection to write them.
pub struct Outbox {
    state: Mutex<OutboxState>,
    notify: Notify,
    /// The client's socket, to disconnect it (absent for clients without one, in tests).
    socket: Option<Arc<std::net::TcpStream>>,
    /// The client's protocol when it last subscribed (messages are encoded for it).
    pub resp3: AtomicBool,
}

#[derive(Default)]
struct OutboxState {
    buf: BytesMut,
    /// Since when the queue has been over the soft limit.
    over_soft_since: Option<Instant>,
    closed: bool,
}

impl Outbox {
    pub fn new(socket: Option<Arc<std::net::TcpStream>>, resp3: bool) -> Arc<Outbox> {
        Arc::new(Outbox {
            state: Mutex::new(OutboxState::default()),
            notify: Notify::new(),
            socket,
            resp3: AtomicBool::new(resp3),
        })
    }

    /// Queues encoded bytes; a client past its limit is disconnected (returns false).
    pub fn push(&self, bytes: &[u8], limit: OutputLimit) -> bool {
        let mut st = self.state.lock();
        if st.closed {
            return false;
        }
        st.buf.extend_from_slice(bytes);
        if limit.exceeded(st.buf.len(), &mut st.over_soft_since, Instant::now()) {
            st.closed = true;
            st.buf = BytesMut::new();
            drop(st);
            // The connection's reader sees end-of-file and cleans up.
            if let Some(socket) = &self.socket {
                let _ = socket.shutdown(std::net::Shutdown::Both);
            }
            self.notify.notify_one();
            return false;
        }
        drop(st);
        self.notify.notify_one();
        true
    }

    /// Moves what is queued into `out`.
    pub fn drain_into(&self, out: &mut BytesMut) {
        let mut st = self.state.lock();
        out.extend_from_slice(&st.buf);
        st.buf.clear();
        st.over_soft_since = None;
    }

    /// Bytes waiting (CLIENT LIST's omem for the queue).
    pub fn pending(&self) -> usize {
        self.state.lock().buf.len()
    }

    /// Whether the client was cut off for passing its limit.
    pub fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    /// Resolves once something was queued since the last drain.
    pub async fn ready(&self) {
        self.notify.notified().await
    }
}

/// Which of the three subscription kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Channel,
    Pattern,
    Shard,
}

impl Kind {
    /// The push's first element for a message of this kind.
    fn message_word(self) -> &'static str {
        match self {
            Kind::Channel => "message",
            Kind::Pattern => "pmessage",
            Kind::Shard => "smessage",
        }
    }
}

type Listeners = IndexMap<u64, Arc<Outbox>>;

/// Every subscription on this node.
#[derive(Default)]
pub struct Registry {
    channels: HashMap<Bytes, Listeners>,
    patterns: HashMap<Bytes, Listeners>,
    shard: HashMap<Bytes, Listeners>,
    pub limit: OutputLimit,
}

/// Counter for INFO's `pubsub_channels`-like stats.
pub static MESSAGES_DELIVERED: AtomicU64 = AtomicU64::new(0);

impl Registry {
    fn map(&mut self, kind: Kind) -> &mut HashMap<Bytes, Listeners> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }

    fn map_ref(&self, kind: Kind) -> &HashMap<Bytes, Listeners> {
        match kind {
            Kind::Channel => &self.channels,
            Kind::Pattern => &self.patterns,
            Kind::Shard => &self.shard,
        }
    }

    pub fn subscribe(&mut self, kind: Kind, name: &Bytes, client: u64, outbox: &Arc<Outbox>) {
        self.map(kind)
            .entry(name.clone())
            .or_default()
            .insert(client, Arc::clone(outbox));
    }

    pub fn unsubscribe(&mut self, kind: Kind, name: &[u8], client: u64) {
        let map = self.map(kind);
        if let Some(listeners) = map.get_mut(name) {
            listeners.shift_remove(&client);
            if listeners.is_empty() {
                map.remove(name);
            }
        }
    }

    /// Delivers a message to local listeners; returns how many received it.
    pub fn publish(&self, channel: &[u8], message: &[u8], shard: bool) -> usize {
        let mut delivered = 0;
        let mut enc = Encoded::default();
        let kind = if shard { Kind::Shard } else { Kind::Channel };
        if let Some(listeners) = self.map_ref(kind).get(channel) {
            let frame = Frame::Push(vec![
                Frame::bulk_str(kind.message_word()),
                Frame::Bulk(Bytes::copy_from_slice(channel)),
                Frame::Bulk(Bytes::copy_from_slice(message)),
            ]);
            for outbox in listeners.values() {
                if outbox.push(enc.get(&frame, outbox), self.limit) {
                    delivered += 1;
                }
            }
        }
        if !shard {
            for (pattern, listeners) in &self.patterns {
                if !glob_match(pattern, channel, false) {
                    continue;
                }
                let frame = Frame::Push(vec![
                    Frame::bulk_str("pmessage"),
                    Frame::Bulk(pattern.clone()),
                    Frame::Bulk(Bytes::copy_from_slice(channel)),
                    Frame::Bulk(Bytes::copy_from_slice(message)),
                ]);
                let mut enc = Encoded::default();
                for outbox in listeners.values() {
                    if outbox.push(enc.get(&frame, outbox), self.limit) {
                        delivered += 1;
                    }
                }
            }
        }
        MESSAGES_DELIVERED.fetch_add(delivered as u64, Ordering::Relaxed);
        delivered
    }

    /// Channels (or shard channels) with listeners, filtered by a glob.
    /// The clients with at least one subscription (CLIENT KILL TYPE pubsub).
    pub fn subscribers(&self) -> std::collections::HashSet<u64> {
        [&self.channels, &self.patterns, &self.shard]
            .into_iter()
            .flat_map(|m| m.values())
            .flat_map(|l| l.keys().copied())
            .collect()
    }

    pub fn active(&self, kind: Kind, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let mut names: Vec<Bytes> = self
            .map_ref(kind)
            .keys()
            .filter(|c| pattern.is_none_or(|p| glob_match(p, c, false)))
            .cloned()
            .collect();
        names.sort();
        names
    }

    pub fn listeners(&self, kind: Kind, name: &[u8]) -> usize {
        self.map_ref(kind).get(name).map_or(0, |l| l.len())
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Shard channels that hash to one of `slots` (their slot moved away).
    pub fn shard_channels_in(&self, slots: &crate::model::SlotSet) -> Vec<Bytes> {
        self.shard
            .keys()
            .filter(|c| slots.contains(crate::model::key_slot(c)))
            .cloned()
            .collect()
    }

    /// Drops every listener of a shard channel, telling each with an `sunsubscribe` push
    /// (what Redis does when the channel's slot leaves the node). The connections forget
    /// the channel themselves when they next touch their subscriptions.
    pub fn evict_shard_channel(&mut self, channel: &[u8]) -> Vec<u64> {
        let Some(listeners) = self.shard.remove(channel) else {
            return Vec::new();
        };
        let frame = Frame::Push(vec![
            Frame::bulk_str("sunsubscribe"),
            Frame::Bulk(Bytes::copy_from_slice(channel)),
            Frame::Integer(0),
        ]);
        let mut enc = Encoded::default();
        for outbox in listeners.values() {
            outbox.push(enc.get(&frame, outbox), self.limit);
        }
        listeners.keys().copied().collect()
    }
}

/// A push encoded at most once per protocol version.
#[derive(Default)]
struct Encoded {
    resp2: Option<Bytes>,
    resp3: Option<Bytes>,
}

impl Encoded {
    fn get(&mut self, frame: &Frame, outbox: &Outbox) -> &[u8] {
        let resp3 = outbox.resp3.load(Ordering::Relaxed);
        let slot = if resp3 {
            &mut self.resp3
        } else {
            &mut self.resp2
        };
        slot.get_or_insert_with(|| frame.to_bytes(resp3))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outbox() -> (Arc<Outbox>, std::net::TcpListener) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        (Outbox::new(Some(Arc::new(stream)), false), listener)
    }

    #[test]
    fn channels_and_patterns_reach_their_listeners() {
        let (a, _la) = outbox();
        let (b, _lb) = outbox();
        b.resp3.store(true, Ordering::Relaxed);
        let mut reg = Registry::default();
        reg.subscribe(Kind::Channel, &Bytes::from("news"), 1, &a);
        reg.subscribe(Kind::Pattern, &Bytes::from("n*"), 2, &b);
        assert_eq!(reg.publish(b"news", b"hi", false), 2);
        assert_eq!(reg.publish(b"other", b"hi", false), 0);
        let mut out = BytesMut::new();
        a.drain_into(&mut out);
        assert_eq!(
            &out[..],
            b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
        );
        out.clear();
        b.drain_into(&mut out);
        assert_eq!(
            &out[..],
            b">4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
        );
        reg.unsubscribe(Kind::Channel, b"news", 1);
        assert!(reg.active(Kind::Channel, None).is_empty());
        // Shard messages only reach shard listeners, never patterns.
        assert_eq!(reg.publish(b"news", b"hi", true), 0);
    }

    #[test]
    fn a_listener_past_its_hard_limit_is_cut_off() {
        let (a, _l) = outbox();
        let mut reg = Registry {
            limit: OutputLimit {
                hard: 100,
                soft: 0,
                soft_seconds: 0,
            },
            ..Default::default()
        };
        reg.subscribe(Kind::Channel, &Bytes::from("c"), 1, &a);
        assert_eq!(reg.publish(b"c", &[b'x'; 10], false), 1);
        assert_eq!(reg.publish(b"c", &[b'x'; 200], false), 0);
        assert_eq!(a.pending(), 0);
        assert_eq!(reg.publish(b"c", b"x", false), 0);
    }
}
