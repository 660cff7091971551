//! Clients blocked on keys (BLPOP and friends), kept with the keyspace because waking them
//! must be atomic with the write that fed the key. Each key has a queue of waiters in
//! arrival order; a write to a key with waiters marks it ready, and once the command (or
//! the whole EXEC or script) that wrote it finished, the ready keys' waiters are served in
//! that order (see `cmd::blocking::serve_ready`). A waiter's reply travels over a oneshot
//! channel to its connection, which waits with its own timeout.

use std::collections::VecDeque;

use bytes::Bytes;
use hashbrown::{HashMap, HashSet};
use tokio::sync::oneshot;

use crate::node::resp::Frame;

pub struct Waiter {
    /// The blocked command as sent, re-run without blocking when a key is ready.
    pub args: Vec<Bytes>,
    /// The database its keys are in.
    pub db: usize,
    pub keys: Vec<Bytes>,
    pub resp3: bool,
    /// The reply on timeout (or CLIENT UNBLOCK ... TIMEOUT).
    pub timeout_reply: Frame,
    /// A read by a READONLY client, which a replica of the keys' master may serve.
    pub readonly: bool,
    /// Blocked while this node was a master: becoming a replica unblocks it.
    pub on_master: bool,
    reply: oneshot::Sender<Frame>,
}

impl Waiter {
    /// A waiter and the receiver its connection waits on.
    pub fn new(
        args: Vec<Bytes>,
        db: usize,
        mut keys: Vec<Bytes>,
        resp3: bool,
        timeout_reply: Frame,
    ) -> (Waiter, oneshot::Receiver<Frame>) {
        let (tx, rx) = oneshot::channel();
        let mut seen = HashSet::new();
        keys.retain(|k| seen.insert(k.clone()));
        (
            Waiter {
                args,
                db,
                keys,
                resp3,
                timeout_reply,
                readonly: false,
                on_master: true,
                reply: tx,
            },
            rx,
        )
    }
}

#[derive(Default)]
pub struct Blocked {
    waiters: HashMap<u64, Waiter>,
    /// Waiters by (database, key).
    by_key: HashMap<(usize, Bytes), VecDeque<u64>>,
    ready: VecDeque<(usize, Bytes)>,
    ready_set: HashSet<(usize, Bytes)>,
}

impl Blocked {
    pub fn is_empty(&self) -> bool {
        self.waiters.is_empty()
    }

    /// Blocked clients (INFO's `blocked_clients`).
    pub fn len(&self) -> usize {
        self.waiters.len()
    }

    /// Keys with at least one waiter (INFO's `total_blocking_keys`).
    pub fn key_count(&self) -> usize {
        self.by_key.len()
    }

    pub fn add(&mut self, client: u64, waiter: Waiter) {
        for key in &waiter.keys {
            self.by_key
                .entry((waiter.db, key.clone()))
                .or_default()
                .push_back(client);
        }
        self.waiters.insert(client, waiter);
    }

    pub fn contains(&self, client: u64) -> bool {
        self.waiters.contains_key(&client)
    }

    pub fn waiter(&self, client: u64) -> Option<&Waiter> {
        self.waiters.get(&client)
    }

    /// Takes a client out of every queue; `None` if it was not blocked (any more).
    pub fn remove(&mut self, client: u64) -> Option<Waiter> {
        let waiter = self.waiters.remove(&client)?;
        for key in &waiter.keys {
            let at = (waiter.db, key.clone());
            if let Some(queue) = self.by_key.get_mut(&at) {
                queue.retain(|c| *c != client);
                if queue.is_empty() {
                    self.by_key.remove(&at);
                }
            }
        }
        Some(waiter)
    }

    /// Unblocks a client with `reply`; false if it was not blocked.
    pub fn finish(&mut self, client: u64, reply: Frame) -> bool {
        match self.remove(client) {
            Some(w) => {
                // The connection may have gone meanwhile; nothing to tell then.
                let _ = w.reply.send(reply);
                true
            }
            None => false,
        }
    }

    /// A write touched `key` of database `db`: if someone waits on it, it is served
    /// after the command.
    pub fn signal(&mut self, db: usize, key: &[u8]) {
        if self.by_key.is_empty() {
            return;
        }
        let at = (db, Bytes::copy_from_slice(key));
        if self.by_key.contains_key(&at) && self.ready_set.insert(at.clone()) {
            self.ready.push_back(at);
        }
    }

    /// Every key with waiters is ready (FLUSHALL: blocked XREADGROUPs learn their stream
    /// is gone).
    pub fn signal_all(&mut self) {
        let keys: Vec<(usize, Bytes)> = self.by_key.keys().cloned().collect();
        for (db, k) in keys {
            self.signal(db, &k);
        }
    }

    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// The keys of database `db` that clients wait on.
    pub fn keys_of(&self, db: usize) -> Vec<Bytes> {
        self.by_key
            .keys()
            .filter(|(d, _)| *d == db)
            .map(|(_, k)| k.clone())
            .collect()
    }

    /// The next (database, key) that a write made ready.
    pub fn next_ready(&mut self) -> Option<(usize, Bytes)> {
        let key = self.ready.pop_front()?;
        self.ready_set.remove(&key);
        Some(key)
    }

    /// The clients waiting on `key` of database `db`, first come first.
    pub fn queue(&self, db: usize, key: &Bytes) -> Vec<u64> {
        self.by_key
            .get(&(db, key.clone()))
            .map_or_else(Vec::new, |q| q.iter().copied().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_keep_arrival_order_and_removal_cleans_up() {
        let mut b = Blocked::default();
        let k = |s: &str| Bytes::copy_from_slice(s.as_bytes());
        let (w1, mut r1) = Waiter::new(vec![], 0, vec![k("a"), k("b"), k("a")], false, Frame::Null);
        let (w2, _r2) = Waiter::new(vec![], 0, vec![k("a")], false, Frame::Null);
        let (w3, _r3) = Waiter::new(vec![], 1, vec![k("a")], false, Frame::Null);
        b.add(1, w1);
        b.add(2, w2);
        b.add(3, w3);
        assert_eq!(b.queue(0, &k("a")), vec![1, 2]);
        assert_eq!(b.queue(1, &k("a")), vec![3]);
        assert_eq!(b.queue(0, &k("b")), vec![1]);
        b.signal(0, b"a");
        b.signal(0, b"a");
        b.signal(0, b"zzz");
        assert_eq!(b.next_ready(), Some((0, k("a"))));
        assert_eq!(b.next_ready(), None);
        assert!(b.finish(1, Frame::Integer(7)));
        assert_eq!(r1.try_recv().unwrap(), Frame::Integer(7));
        assert_eq!(b.queue(0, &k("a")), vec![2]);
        assert!(b.queue(0, &k("b")).is_empty());
        assert_eq!(b.key_count(), 2);
        assert!(!b.finish(1, Frame::Null));
        assert!(b.remove(2).is_some());
        assert!(b.remove(3).is_some());
        assert!(b.is_empty() && b.key_count() == 0);
    }
}
