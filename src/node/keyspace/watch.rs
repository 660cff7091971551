//! The keys some connection WATCHes, with two counters per key that connections compare
//! at EXEC, as Redis decides whether a transaction may run:
//! - `changed` moves on every write to the key and when a flush drops it while it lives:
//!   every watcher aborts.
//! - `expired` moves when the key is deleted because its time ran out, or flushed after
//!   it ran out: only watchers that saw the key alive abort. A key that was already
//!   stale when watched may quietly disappear ("no logical change").
//!
//! Keys nobody watches are not tracked, so writes cost one empty-map check.

use hashbrown::HashMap;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WatchVersion {
    pub changed: u64,
    pub expired: u64,
}

#[derive(Default)]
struct Watch {
    /// Connections watching the key.
    watchers: usize,
    version: WatchVersion,
}

#[derive(Default)]
pub struct Watched {
    /// By database, then key.
    keys: HashMap<(usize, Box<[u8]>), Watch>,
}

impl Watched {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// One more connection watches `key` of database `db`; returns the version to
    /// compare at EXEC.
    pub fn add(&mut self, db: usize, key: &[u8]) -> WatchVersion {
        let w = self.keys.entry((db, key.into())).or_default();
        w.watchers += 1;
        w.version
    }

    /// One connection stops watching `key`.
    pub fn remove(&mut self, db: usize, key: &[u8]) {
        let at = (db, Box::<[u8]>::from(key));
        if let Some(w) = self.keys.get_mut(&at) {
            w.watchers -= 1;
            if w.watchers == 0 {
                self.keys.remove(&at);
            }
        }
    }

    fn get_mut(&mut self, db: usize, key: &[u8]) -> Option<&mut Watch> {
        if self.keys.is_empty() {
            return None;
        }
        self.keys.get_mut(&(db, Box::<[u8]>::from(key)))
    }

    pub fn version(&self, db: usize, key: &[u8]) -> WatchVersion {
        self.keys
            .get(&(db, Box::<[u8]>::from(key)))
            .map(|w| w.version)
            .unwrap_or_default()
    }

    /// A write touched `key` of database `db`.
    pub fn changed(&mut self, db: usize, key: &[u8]) {
        if let Some(w) = self.get_mut(db, key) {
            w.version.changed += 1;
        }
    }

    /// `key` of database `db` was deleted because it expired.
    pub fn expired(&mut self, db: usize, key: &[u8]) {
        if let Some(w) = self.get_mut(db, key) {
            w.version.expired += 1;
        }
    }

    /// The watched keys of database `db`, for a flush to decide which of them it touches.
    pub fn keys(&self, db: usize) -> Vec<Box<[u8]>> {
        self.keys
            .keys()
            .filter(|(d, _)| *d == db)
            .map(|(_, k)| k.clone())
            .collect()
    }
}
