//! The keyspace: one hash table per slot, so that COUNTKEYSINSLOT is O(1) and
//! GETKEYSINSLOT and moving a slot cost O(keys in that slot). Expiry times live in a
//! separate index (as in Redis) that supports O(1) random sampling for active expiry.
//! Time is always passed in (`now`, unix ms), never read here, so tests control it.

mod blocked;
pub mod evict;
mod glob;
pub mod stream;
mod value;
mod watch;

use bytes::Bytes;
use hashbrown::HashTable;
use indexmap::IndexMap;
use rand::Rng;
use std::hash::BuildHasher;

pub use blocked::{Blocked, Waiter};
pub use glob::glob_match;
pub use stream::{Stream, StreamId, Trim};
pub use value::{HashValue, Hasher, ListValue, Score, SetValue, Value, ZSet};
pub use watch::{WatchVersion, Watched};

use crate::model::{key_slot, SLOT_COUNT};

struct Entry {
    key: Box<[u8]>,
    val: Value,
    /// Last access (seconds clock) or LFU counter and time, for eviction.
    access: u32,
}

/// What happens to a key's time to live when its value is replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ttl {
    Clear,
    Keep,
    At(u64),
}

#[derive(Default, Clone, Copy, Debug)]
pub struct KeyspaceStats {
    pub hits: u64,
    pub misses: u64,
    pub expired: u64,
}

/// A database that is not selected (see [`Keyspace::select`]). (WATCHed keys and
/// blocked clients are kept for all databases together, each key with its database.)
#[derive(Default)]
struct Db {
    /// Empty until the database is first selected (one table per slot then).
    slots: Vec<HashTable<Entry>>,
    expires: IndexMap<Box<[u8]>, u64, Hasher>,
    len: usize,
}

/// The databases (SELECT 0-15). The selected database's tables are this struct's own
/// fields, so every command works on them with no indirection; the others are parked in
/// `parked` and [`select`](Keyspace::select) swaps one in (a few pointer moves). Whoever
/// takes the lock to run a client's commands selects the client's database and selects
/// database 0 again when done, so everything else finds database 0 selected.
pub struct Keyspace {
    slots: Vec<HashTable<Entry>>,
    hasher: Hasher,
    expires: IndexMap<Box<[u8]>, u64, Hasher>,
    len: usize,
    /// Which database the fields above hold.
    selected: usize,
    /// Every database; the selected one's entry is an empty placeholder.
    parked: Vec<Db>,
    pub stats: KeyspaceStats,
    /// WATCHed keys and their versions.
    pub watched: Watched,
    /// Whether expired keys are recorded in `expired_log` (a master feeding replicas,
    /// which must be told with a DEL).
    pub log_expired: bool,
    /// (database, key) of each key expired since the last feed.
    pub expired_log: Vec<(usize, Box<[u8]>)>,
    /// Clients blocked on keys (BLPOP and friends).
    pub blocked: Blocked,
    /// maxmemory: the policy and its sampling state.
    pub evict: evict::Evictor,
    /// `notify-keyspace-events` flags, and the events recorded for the running command.
    pub notify: u32,
    pub events: Vec<crate::node::notify::Event>,
    /// A point-in-time snapshot in progress (BGSAVE, BGREWRITEAOF), if any.
    frozen: Option<Box<Frozen>>,
    /// The function libraries (FUNCTION LOAD): data saved and replicated with the keys.
    pub functions: crate::node::cmd::functions::Functions,
}

/// A snapshot taken slot by slot while writes go on: before anything in a slot changes,
/// the slot is serialised as it still is, so the result is the keyspace exactly as it was
/// when the snapshot started (copy-on-write at slot granularity). The saver serialises
/// the remaining slots a batch at a time, between batches of commands.
struct Frozen {
    /// Slots already serialised, database by database (`db * SLOT_COUNT + slot`).
    done: Vec<bool>,
    /// The database the serialised entries are in so far (the header selects 0).
    db_written: usize,
    remaining: usize,
    /// Serialised entries not yet taken by the saver.
    out: Vec<u8>,
    /// The snapshot's time: keys expired by then are left out.
    now: u64,
}

impl Default for Keyspace {
    fn default() -> Self {
        Self::new()
    }
}

fn empty_slots() -> Vec<HashTable<Entry>> {
    (0..SLOT_COUNT).map(|_| HashTable::new()).collect()
}

impl Keyspace {
    /// A keyspace of one database.
    pub fn new() -> Keyspace {
        Self::with_databases(1)
    }

    pub fn with_databases(count: usize) -> Keyspace {
        Keyspace {
            slots: empty_slots(),
            hasher: Hasher::default(),
            expires: IndexMap::default(),
            len: 0,
            selected: 0,
            parked: (0..count.max(1)).map(|_| Db::default()).collect(),
            stats: KeyspaceStats::default(),
            watched: Watched::default(),
            log_expired: false,
            expired_log: Vec::new(),
            blocked: Blocked::default(),
            evict: evict::Evictor::default(),
            notify: 0,
            events: Vec::new(),
            frozen: None,
            functions: Default::default(),
        }
    }

    /// Starts a point-in-time snapshot as of `now` (see [`Frozen`]); false when one is
    /// already running.
    pub fn freeze(&mut self, now: u64) -> bool {
        if self.frozen.is_some() {
            return false;
        }
        let total = self.parked.len() * SLOT_COUNT as usize;
        self.frozen = Some(Box::new(Frozen {
            done: vec![false; total],
            db_written: 0,
            remaining: total,
            out: Vec::new(),
            now,
        }));
        true
    }

    pub fn is_frozen(&self) -> bool {
        self.frozen.is_some()
    }

    /// The snapshot's next bytes: what writers serialised, then more slots until about
    /// `budget` bytes. `None` when no snapshot runs; `Some((bytes, true))` for the last
    /// part, after which the snapshot is over.
    pub fn thaw_step(&mut self, budget: usize) -> Option<(Vec<u8>, bool)> {
        let mut at = 0;
        while self.frozen.as_ref()?.out.len() < budget && self.frozen.as_ref()?.remaining > 0 {
            while self.frozen.as_ref()?.done[at] {
                at += 1;
            }
            let (db, slot) = (at / SLOT_COUNT as usize, at % SLOT_COUNT as usize);
            self.preserve_in(db, slot);
        }
        let f = self.frozen.as_mut()?;
        let out = std::mem::take(&mut f.out);
        let last = f.remaining == 0;
        if last {
            self.frozen = None;
        }
        Some((out, last))
    }

    /// Abandons a snapshot (its file could not be written).
    pub fn thaw(&mut self) {
        self.frozen = None;
    }

    /// Before `slot` changes while a snapshot runs: serialise it as it is now.
    #[inline]
    fn guard(&mut self, slot: usize) {
        if self.frozen.is_some() {
            self.preserve(slot);
        }
    }

    fn guard_key(&mut self, key: &[u8]) {
        if self.frozen.is_some() {
            self.preserve(key_slot(key) as usize);
        }
    }

    #[cold]
    fn preserve(&mut self, slot: usize) {
        self.preserve_in(self.selected, slot);
    }

    /// Serialises `slot` of database `db` for the running snapshot, once.
    fn preserve_in(&mut self, db: usize, slot: usize) {
        let Some(f) = self.frozen.as_mut() else {
            return;
        };
        let at = db * SLOT_COUNT as usize + slot;
        if f.done[at] {
            return;
        }
        f.done[at] = true;
        f.remaining -= 1;
        let (slots, expires) = if db == self.selected {
            (&self.slots, &self.expires)
        } else {
            (&self.parked[db].slots, &self.parked[db].expires)
        };
        let Some(table) = slots.get(slot) else {
            return;
        };
        for e in table.iter() {
            let at = expires.get(&e.key).copied();
            if at.is_some_and(|at| at <= f.now) {
                continue;
            }
            if f.db_written != db {
                crate::node::rdb::write_select_db(&mut f.out, db);
                f.db_written = db;
            }
            crate::node::rdb::write_entry(&mut f.out, &e.key, &e.val, at);
        }
    }

    /// The selected database.
    #[inline]
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// How many databases there are.
    pub fn databases(&self) -> usize {
        self.parked.len()
    }

    /// Makes `db` the database commands work on (parking the one selected so far).
    /// `db` must be below [`databases`](Self::databases).
    #[inline]
    pub fn select(&mut self, db: usize) {
        if db != self.selected {
            self.switch(db);
        }
    }

    fn switch(&mut self, db: usize) {
        let mut next = std::mem::take(&mut self.parked[db]);
        if next.slots.is_empty() {
            next.slots = empty_slots();
        }
        self.swap_selected(&mut next);
        self.parked[self.selected] = next;
        self.selected = db;
    }

    /// Swaps the selected database's fields with `db`'s.
    fn swap_selected(&mut self, db: &mut Db) {
        std::mem::swap(&mut self.slots, &mut db.slots);
        std::mem::swap(&mut self.expires, &mut db.expires);
        std::mem::swap(&mut self.len, &mut db.len);
    }

    /// Runs `f` with database `db` selected, then selects the previous one again.
    pub fn with_db<R>(&mut self, db: usize, f: impl FnOnce(&mut Keyspace) -> R) -> R {
        let back = self.selected;
        self.select(db);
        let r = f(self);
        self.select(back);
        r
    }

    /// (keys, keys with a TTL) of database `db`.
    pub fn db_size(&self, db: usize) -> (usize, usize) {
        if db == self.selected {
            (self.len, self.expires.len())
        } else {
            self.parked
                .get(db)
                .map_or((0, 0), |d| (d.len, d.expires.len()))
        }
    }

    /// Keys in every database.
    pub fn total_len(&self) -> usize {
        (0..self.parked.len()).map(|db| self.db_size(db).0).sum()
    }

    /// Visits the live keys of database `db` with their expiry, slot by slot.
    pub fn for_each_key_in_db(
        &self,
        db: usize,
        now: u64,
        mut f: impl FnMut(&[u8], &Value, Option<u64>),
    ) {
        let (slots, expires) = if db == self.selected {
            (&self.slots, &self.expires)
        } else {
            (&self.parked[db].slots, &self.parked[db].expires)
        };
        for table in slots {
            for e in table.iter() {
                let at = expires.get(&e.key).copied();
                if at.is_none_or(|at| at > now) {
                    f(&e.key, &e.val, at);
                }
            }
        }
    }

    /// SWAPDB: databases `a` and `b` trade their keys (watchers and blocked clients stay
    /// with the database number, as in Redis).
    pub fn swap_dbs(&mut self, a: usize, b: usize) {
        if a == b {
            return;
        }
        let back = self.selected;
        for db in [a, b] {
            self.select(db);
            for slot in 0..SLOT_COUNT as usize {
                self.guard(slot);
            }
        }
        self.select(a);
        let mut data = Db {
            slots: std::mem::take(&mut self.slots),
            expires: std::mem::take(&mut self.expires),
            len: std::mem::take(&mut self.len),
        };
        self.select(b);
        std::mem::swap(&mut self.slots, &mut data.slots);
        std::mem::swap(&mut self.expires, &mut data.expires);
        std::mem::swap(&mut self.len, &mut data.len);
        self.select(a);
        self.slots = data.slots;
        self.expires = data.expires;
        self.len = data.len;
        self.select(back);
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn expires_len(&self) -> usize {
        self.expires.len()
    }

    fn locate(&self, key: &[u8]) -> (usize, u64) {
        (key_slot(key) as usize, self.hasher.hash_one(key))
    }

    /// Records a keyspace event of `class` if notifications of it are on.
    pub fn record(&mut self, class: u32, name: &'static str, key: &[u8]) {
        if crate::node::notify::enabled(self.notify, class) {
            self.events.push(crate::node::notify::Event {
                class,
                name,
                key: Bytes::copy_from_slice(key),
                db: self.selected,
            });
        }
    }

    fn find(&self, key: &[u8]) -> Option<&Entry> {
        let (slot, hash) = self.locate(key);
        self.slots[slot].find(hash, |e| &*e.key == key)
    }

    /// Whether `key` is still stored but its time has run out.
    pub fn is_expired(&self, key: &[u8], now: u64) -> bool {
        !self.expires.is_empty() && self.expires.get(key).is_some_and(|at| *at <= now)
    }

    /// Lazy expiry: deletes `key` if its time has come. Returns whether it did.
    pub fn expire_if_needed(&mut self, key: &[u8], now: u64) -> bool {
        if self.is_expired(key, now) {
            self.delete(key);
            self.watched.expired(self.selected, key);
            self.stats.expired += 1;
            self.record(crate::node::notify::EXPIRED, "expired", key);
            if self.log_expired {
                self.expired_log.push((self.selected, key.into()));
            }
            true
        } else {
            false
        }
    }

    /// The live value of `key`, counting a hit or miss like Redis's keyspace stats.
    pub fn get(&mut self, key: &[u8], now: u64) -> Option<&mut Value> {
        self.expire_if_needed(key, now);
        let (slot, hash) = self.locate(key);
        self.guard(slot);
        let found = self.slots[slot].find_mut(hash, |e| &*e.key == key);
        match found {
            Some(e) => {
                self.stats.hits += 1;
                self.evict.touch(&mut e.access, now);
                Some(&mut e.val)
            }
            None => {
                self.stats.misses += 1;
                None
            }
        }
    }

    /// Like [`get`](Self::get) without deleting or counting: for read-only views.
    pub fn peek(&self, key: &[u8], now: u64) -> Option<&Value> {
        if self.is_expired(key, now) {
            return None;
        }
        self.find(key).map(|e| &e.val)
    }

    pub fn contains(&mut self, key: &[u8], now: u64) -> bool {
        self.expire_if_needed(key, now);
        self.find(key).is_some()
    }

    /// Stores `val` under `key`, returning the value it replaced.
    pub fn put(&mut self, key: &[u8], val: Value, ttl: Ttl) -> Option<Value> {
        let (slot, hash) = self.locate(key);
        self.guard(slot);
        let hasher = &self.hasher;
        let table = &mut self.slots[slot];
        let old = match table.find_mut(hash, |e| &*e.key == key) {
            Some(e) => Some(std::mem::replace(&mut e.val, val)),
            None => {
                table.insert_unique(
                    hash,
                    Entry {
                        key: key.into(),
                        val,
                        access: self.evict.new_stamp(),
                    },
                    |e| hasher.hash_one(&*e.key),
                );
                self.len += 1;
                self.record(crate::node::notify::NEW, "new", key);
                None
            }
        };
        match ttl {
            Ttl::Keep => {}
            Ttl::Clear => {
                if !self.expires.is_empty() {
                    self.expires.swap_remove(key);
                }
            }
            Ttl::At(at) => self.set_expire(key, at),
        }
        old
    }

    /// The value of `key`, created with `make` when missing (TTL untouched either way).
    pub fn get_or_insert_with(
        &mut self,
        key: &[u8],
        now: u64,
        make: impl FnOnce() -> Value,
    ) -> &mut Value {
        self.expire_if_needed(key, now);
        if self.notify & crate::node::notify::NEW != 0 && self.find(key).is_none() {
            self.record(crate::node::notify::NEW, "new", key);
        }
        let (slot, hash) = self.locate(key);
        self.guard(slot);
        let hasher = &self.hasher;
        let table = &mut self.slots[slot];
        let entry = table.entry(hash, |e| &*e.key == key, |e| hasher.hash_one(&*e.key));
        let is_new = matches!(entry, hashbrown::hash_table::Entry::Vacant(_));
        let access = self.evict.new_stamp();
        let occupied = entry.or_insert_with(|| Entry {
            key: key.into(),
            val: make(),
            access,
        });
        if is_new {
            self.len += 1;
        }
        &mut occupied.into_mut().val
    }

    /// Removes `key` if it exists and has not expired.
    pub fn remove(&mut self, key: &[u8], now: u64) -> Option<Value> {
        self.expire_if_needed(key, now);
        self.delete(key)
    }

    fn delete(&mut self, key: &[u8]) -> Option<Value> {
        let (slot, hash) = self.locate(key);
        self.guard(slot);
        let table = &mut self.slots[slot];
        let entry = table.find_entry(hash, |e| &*e.key == key).ok()?;
        let (removed, _) = entry.remove();
        if table.is_empty() && table.capacity() > 0 {
            *table = HashTable::new();
        }
        self.len -= 1;
        if !self.expires.is_empty() {
            self.expires.swap_remove(key);
        }
        Some(removed.val)
    }

    /// When `key` expires (unix ms), if it has a TTL.
    pub fn expire_at(&self, key: &[u8]) -> Option<u64> {
        self.expires.get(key).copied()
    }

    pub fn set_expire(&mut self, key: &[u8], at: u64) {
        self.guard_key(key);
        match self.expires.get_mut(key) {
            Some(when) => *when = at,
            None => {
                self.expires.insert(key.into(), at);
            }
        }
    }

    /// Drops the TTL; returns whether there was one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        self.guard_key(key);
        self.expires.swap_remove(key).is_some()
    }

    /// Empties the keyspace. A WATCHed key that lived is touched; one that had expired
    /// counts as expired; a missing one is not touched (Redis's rule for FLUSHALL).
    pub fn flush(&mut self, now: u64) {
        for slot in 0..SLOT_COUNT as usize {
            self.guard(slot);
        }
        if !self.watched.is_empty() {
            let db = self.selected;
            for key in self.watched.keys(db) {
                if self.find(&key).is_none() {
                    continue;
                }
                if self.is_expired(&key, now) {
                    self.watched.expired(db, &key);
                } else {
                    self.watched.changed(db, &key);
                }
            }
        }
        for table in &mut self.slots {
            *table = HashTable::new();
        }
        self.expires = IndexMap::default();
        self.len = 0;
    }

    /// FLUSHALL: empties every database (see [`flush`](Self::flush)).
    pub fn flush_all(&mut self, now: u64) {
        for db in 0..self.parked.len() {
            if self.db_size(db).0 > 0 || db == self.selected {
                self.with_db(db, |ks| ks.flush(now));
            }
        }
    }

    pub fn count_in_slot(&self, slot: u16) -> usize {
        self.slots.get(slot as usize).map_or(0, |t| t.len())
    }

    pub fn keys_in_slot(&self, slot: u16, count: usize) -> Vec<Bytes> {
        self.slots.get(slot as usize).map_or_else(Vec::new, |t| {
            t.iter()
                .take(count)
                .map(|e| Bytes::copy_from_slice(&e.key))
                .collect()
        })
    }

    /// Deletes every key of `slot`; returns how many.
    pub fn clear_slot(&mut self, slot: u16) -> usize {
        if (slot as usize) < self.slots.len() {
            self.guard(slot as usize);
        }
        let Some(table) = self.slots.get_mut(slot as usize) else {
            return 0;
        };
        let table = std::mem::take(table);
        let n = table.len();
        if !self.expires.is_empty() {
            for e in table.iter() {
                self.expires.swap_remove(&e.key);
            }
        }
        self.len -= n;
        n
    }

    /// Visits live keys in `slot`.
    pub fn for_each_key_in_slot(&self, slot: u16, now: u64, mut f: impl FnMut(&[u8], &Value)) {
        for e in self.slots[slot as usize].iter() {
            if !self.is_expired(&e.key, now) {
                f(&e.key, &e.val);
            }
        }
    }

    /// One SCAN step. The cursor is the next slot to visit, and each step returns whole
    /// slots, so a key present for the whole scan is returned exactly once.
    pub fn scan(
        &self,
        cursor: u64,
        count: usize,
        now: u64,
        mut keep: impl FnMut(&[u8], &Value) -> bool,
    ) -> (u64, Vec<Bytes>) {
        let mut out = Vec::new();
        if self.len == 0 {
            return (0, out);
        }
        let mut slot = cursor as usize;
        let mut visited = 0;
        // Like Redis, empty buckets are cheap but bounded: at most 100 per COUNT.
        let mut empty_budget = count.saturating_mul(100);
        while slot < SLOT_COUNT as usize && visited < count.max(1) && empty_budget > 0 {
            let table = &self.slots[slot];
            if table.is_empty() {
                empty_budget -= 1;
            }
            for e in table.iter() {
                visited += 1;
                if !self.is_expired(&e.key, now) && keep(&e.key, &e.val) {
                    out.push(Bytes::copy_from_slice(&e.key));
                }
            }
            slot += 1;
        }
        let next = if slot >= SLOT_COUNT as usize {
            0
        } else {
            slot as u64
        };
        (next, out)
    }

    pub fn random_key(&mut self, now: u64) -> Option<Bytes> {
        let mut rng = rand::thread_rng();
        for _ in 0..100 {
            let key = self.random_entry(&mut rng)?.key.clone();
            if !self.expire_if_needed(&key, now) {
                return Some(Bytes::from(key.into_vec()));
            }
        }
        None
    }

    /// A uniformly chosen entry (expired or not), `None` when empty.
    fn random_entry(&self, rng: &mut impl Rng) -> Option<&Entry> {
        if self.len == 0 {
            return None;
        }
        let table = if self.len < 1000 {
            // Sparse: pick among all keys so empty slots are not probed forever.
            let mut n = rng.gen_range(0..self.len);
            let table = self.slots.iter().find(|t| {
                if n < t.len() {
                    true
                } else {
                    n -= t.len();
                    false
                }
            })?;
            return table.iter().nth(n);
        } else {
            loop {
                let t = &self.slots[rng.gen_range(0..SLOT_COUNT as usize)];
                if !t.is_empty() {
                    break t;
                }
            }
        };
        let n = rng.gen_range(0..table.len());
        table.iter().nth(n)
    }

    /// One round of active expiry, like Redis's: sample up to 20 keys with a TTL and delete
    /// the expired ones. Returns (sampled, deleted); callers repeat while more than a
    /// quarter of a sample was expired.
    pub fn expire_sample(&mut self, now: u64) -> (usize, usize) {
        let mut rng = rand::thread_rng();
        let sample = self.expires.len().min(20);
        let mut deleted = 0;
        for _ in 0..sample {
            if self.expires.is_empty() {
                break;
            }
            let i = rng.gen_range(0..self.expires.len());
            let Some((key, at)) = self.expires.get_index(i) else {
                break;
            };
            if *at <= now {
                let key = key.clone();
                self.delete(&key);
                self.watched.expired(self.selected, &key);
                self.stats.expired += 1;
                self.record(crate::node::notify::EXPIRED, "expired", &key);
                if self.log_expired {
                    self.expired_log.push((self.selected, key));
                }
                deleted += 1;
            }
        }
        (sample, deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &Value) -> &[u8] {
        v.as_bytes().unwrap()
    }

    #[test]
    fn put_get_remove_by_slot() {
        let mut ks = Keyspace::new();
        assert!(ks.put(b"foo", Value::string(b"1"), Ttl::Clear).is_none());
        assert!(ks
            .put(b"{foo}x", Value::string(&[7u8; 40]), Ttl::Clear)
            .is_none());
        assert_eq!(s(ks.get(b"foo", 0).unwrap()), b"1");
        assert_eq!(ks.count_in_slot(12182), 2);
        assert_eq!(ks.keys_in_slot(12182, 1).len(), 1);
        assert_eq!(ks.len(), 2);
        assert!(ks.remove(b"foo", 0).is_some());
        assert!(ks.remove(b"foo", 0).is_none());
        assert_eq!(ks.clear_slot(12182), 1);
        assert!(ks.is_empty());
    }

    #[test]
    fn lazy_and_active_expiry() {
        let mut ks = Keyspace::new();
        ks.put(b"a", Value::string(b"1"), Ttl::At(100));
        ks.put(b"b", Value::string(b"1"), Ttl::At(100));
        ks.put(b"c", Value::string(b"1"), Ttl::Clear);
        assert!(ks.get(b"a", 99).is_some());
        assert!(ks.get(b"a", 100).is_none());
        assert_eq!(ks.len(), 2);
        assert_eq!(ks.expire_sample(100), (1, 1));
        assert_eq!(ks.len(), 1);
        assert_eq!(ks.expires_len(), 0);
        assert_eq!(ks.stats.expired, 2);
        ks.put(b"c", Value::string(b"2"), Ttl::At(5));
        ks.put(b"c", Value::string(b"3"), Ttl::Keep);
        assert_eq!(ks.expire_at(b"c"), Some(5));
        ks.put(b"c", Value::string(b"3"), Ttl::Clear);
        assert_eq!(ks.expire_at(b"c"), None);
    }

    #[test]
    fn a_frozen_snapshot_keeps_the_keyspace_as_it_was() {
        let mut ks = Keyspace::new();
        for i in 0..200 {
            ks.put(
                format!("k{i}").as_bytes(),
                Value::string(b"old"),
                Ttl::Clear,
            );
        }
        ks.put(b"gone", Value::string(b"x"), Ttl::At(10));
        assert!(ks.freeze(50));
        assert!(!ks.freeze(50));
        ks.put(b"k1", Value::string(b"new"), Ttl::Clear);
        ks.put(b"later", Value::string(b"new"), Ttl::Clear);
        ks.remove(b"k2", 50);
        ks.flush(50);
        let mut bytes = crate::node::rdb::header(0, None, &ks);
        loop {
            let (part, last) = ks.thaw_step(64).unwrap();
            bytes.extend_from_slice(&part);
            if last {
                break;
            }
        }
        assert!(!ks.is_frozen() && ks.thaw_step(64).is_none());
        crate::node::rdb::finish(&mut bytes, 0, true);
        let mut seen = std::collections::HashMap::new();
        crate::node::rdb::load(&bytes, |k, v, _| {
            seen.insert(k, v.as_bytes().unwrap().to_vec());
        })
        .unwrap();
        assert_eq!(seen.len(), 200);
        assert_eq!(seen[&b"k1"[..]], b"old");
        assert!(seen.contains_key(&b"k2"[..]) && !seen.contains_key(&b"later"[..]));
    }

    #[test]
    fn scan_visits_every_key_once() {
        let mut ks = Keyspace::new();
        for i in 0..1000 {
            ks.put(format!("k{i}").as_bytes(), Value::string(b"v"), Ttl::Clear);
        }
        let mut cursor = 0;
        let mut seen = std::collections::HashSet::new();
        loop {
            let (next, keys) = ks.scan(cursor, 10, 0, |_, _| true);
            for k in keys {
                assert!(seen.insert(k));
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
        assert_eq!(seen.len(), 1000);
        assert!(ks.random_key(0).is_some());
    }
}
