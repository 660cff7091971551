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
    keys: HashMap<Box<[u8]>, Watch>,
}

impl Watched {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// One more connection watches `key`; returns the version to compare at EXEC.
    pub fn add(&mut self, key: &[u8]) -> WatchVersion {
        let w = self.keys.entry(key.into()).or_default();
        w.watchers += 1;
        w.version
    }

    /// One connection stops watching `key`.
    pub fn remove(&mut self, key: &[u8]) {
        if let Some(w) = self.keys.get_mut(key) {
            w.watchers -= 1;
            if w.watchers == 0 {
                self.keys.remove(key);
            }
        }
    }

    pub fn version(&self, key: &[u8]) -> WatchVersion {
        self.keys.get(key).map(|w| w.version).unwrap_or_default()
    }

    /// A write touched `key`.
    pub fn changed(&mut self, key: &[u8]) {
        if let Some(w) = self.keys.get_mut(key) {
            w.version.changed += 1;
        }
    }

    /// `key` was deleted because it expired.
    pub fn expired(&mut self, key: &[u8]) {
        if let Some(w) = self.keys.get_mut(key) {
            w.version.expired += 1;
        }
    }

    /// The watched keys, for a flush to decide which of them it touches.
    pub fn keys(&self) -> Vec<Box<[u8]>> {
        self.keys.keys().cloned().collect()
    }
}
