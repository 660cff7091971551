//! `maxmemory`: when the allocator's count of live bytes (INFO's `used_memory`) passes the
//! limit, keys are evicted by the configured policy before a command runs, with Redis's
//! approximations: each round samples `maxmemory-samples` keys (all keys, or those with a
//! TTL for the `volatile-*` policies) into a pool of the best 16 candidates kept across
//! rounds, and evicts the best. LRU ranks by idle time (a seconds clock stamped on every
//! access), LFU by Redis's logarithmic access counter with its decay per minute, TTL by the
//! nearest expiry. Under `noeviction`, or when nothing can be evicted, commands that may
//! add memory get `-OOM`.

use rand::Rng;

use super::{Entry, Keyspace};
use crate::node::cmd::Ctx;
use crate::node::resp::Frame;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Policy {
    #[default]
    NoEviction,
    AllKeysLru,
    VolatileLru,
    AllKeysLfu,
    VolatileLfu,
    AllKeysRandom,
    VolatileRandom,
    VolatileTtl,
}

impl Policy {
    pub const NAMES: [&'static str; 8] = [
        "noeviction",
        "allkeys-lru",
        "volatile-lru",
        "allkeys-lfu",
        "volatile-lfu",
        "allkeys-random",
        "volatile-random",
        "volatile-ttl",
    ];
    const ALL: [Policy; 8] = [
        Policy::NoEviction,
        Policy::AllKeysLru,
        Policy::VolatileLru,
        Policy::AllKeysLfu,
        Policy::VolatileLfu,
        Policy::AllKeysRandom,
        Policy::VolatileRandom,
        Policy::VolatileTtl,
    ];

    pub fn parse(name: &str) -> Option<Policy> {
        let i = Self::NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))?;
        Some(Self::ALL[i])
    }

    pub fn name(self) -> &'static str {
        let i = Self::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Self::NAMES[i]
    }

    fn volatile(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru
                | Policy::VolatileLfu
                | Policy::VolatileRandom
                | Policy::VolatileTtl
        )
    }

    fn lfu(self) -> bool {
        matches!(self, Policy::AllKeysLfu | Policy::VolatileLfu)
    }
}

/// Redis's defaults for the LFU counter.
const LFU_INIT: u8 = 5;
const LFU_LOG_FACTOR: f64 = 10.0;
const LFU_DECAY_MINUTES: u32 = 1;
const POOL_SIZE: usize = 16;

/// Eviction settings and state, kept in the keyspace so that the check before a command
/// needs no other lock.
#[derive(Default)]
pub struct Evictor {
    pub maxmemory: u64,
    pub policy: Policy,
    pub samples: usize,
    /// Best candidates seen so far: (score, key), higher scores are evicted first.
    pool: Vec<(u64, Box<[u8]>)>,
    /// The latest command time seen (Unix ms), for stamping new keys.
    pub clock_ms: u64,
    pub evicted: u64,
}

impl Evictor {
    pub fn configure(&mut self, maxmemory: u64, policy: Policy, samples: usize) {
        if policy != self.policy {
            self.pool.clear();
        }
        self.maxmemory = maxmemory;
        self.policy = policy;
        self.samples = samples.clamp(1, 64);
    }

    /// The access stamp a new key starts with.
    pub(super) fn new_stamp(&self) -> u32 {
        if self.policy.lfu() {
            lfu_pack(minutes(self.clock_ms), LFU_INIT)
        } else {
            seconds(self.clock_ms)
        }
    }

    /// Updates a key's stamp on access.
    pub(super) fn touch(&self, stamp: &mut u32, now: u64) {
        if self.policy.lfu() {
            let counter = lfu_decayed(*stamp, now);
            *stamp = lfu_pack(minutes(now), lfu_incr(counter));
        } else {
            *stamp = seconds(now);
        }
    }
}

fn seconds(ms: u64) -> u32 {
    (ms / 1000) as u32
}

fn minutes(ms: u64) -> u32 {
    ((ms / 60_000) & 0xFF_FFFF) as u32
}

fn lfu_pack(minutes: u32, counter: u8) -> u32 {
    (minutes << 8) | counter as u32
}

/// The counter after the decay due since it was last touched.
fn lfu_decayed(stamp: u32, now: u64) -> u8 {
    let counter = (stamp & 0xFF) as u8;
    let last = stamp >> 8;
    let now_min = minutes(now);
    let elapsed = if now_min >= last {
        now_min - last
    } else {
        now_min + 0xFF_FFFF - last
    };
    let periods = elapsed / LFU_DECAY_MINUTES;
    counter.saturating_sub(periods.min(255) as u8)
}

/// Redis's logarithmic increment: the higher the counter, the less likely a hit raises it.
fn lfu_incr(counter: u8) -> u8 {
    if counter == 255 {
        return 255;
    }
    let base = counter.saturating_sub(LFU_INIT) as f64;
    let p = 1.0 / (base * LFU_LOG_FACTOR + 1.0);
    if rand::thread_rng().gen::<f64>() < p {
        counter + 1
    } else {
        counter
    }
}

/// What OBJECT IDLETIME and OBJECT FREQ read, without touching the key.
pub enum Access {
    /// Seconds since the last access (LRU and the other non-LFU policies).
    IdleSeconds(u64),
    /// The logarithmic access counter, decayed to now (LFU policies).
    Frequency(u8),
}

impl Keyspace {
    fn entry(&self, key: &[u8]) -> Option<&Entry> {
        self.find(key)
    }

    /// RESTORE's IDLETIME or FREQ: sets the record when the policy in force keeps that
    /// form (as Redis, the other one is ignored).
    pub fn set_access(&mut self, key: &[u8], access: Access, now: u64) {
        let lfu = self.evict.policy.lfu();
        let (slot, hash) = self.locate(key);
        let Some(e) = self.slots[slot].find_mut(hash, |e| &*e.key == key) else {
            return;
        };
        match access {
            Access::IdleSeconds(s) if !lfu => {
                e.access = seconds(now).wrapping_sub(s.min(u32::MAX as u64) as u32)
            }
            Access::Frequency(f) if lfu => e.access = lfu_pack(minutes(now), f),
            _ => {}
        }
    }

    /// The access record of a live `key`, in the form the policy in force keeps.
    pub fn access(&self, key: &[u8], now: u64) -> Option<Access> {
        self.peek(key, now)?;
        let stamp = self.entry(key)?.access;
        Some(if self.evict.policy.lfu() {
            Access::Frequency(lfu_decayed(stamp, now))
        } else {
            Access::IdleSeconds(seconds(now).wrapping_sub(stamp) as u64)
        })
    }

    /// A random entry's key and stamp (all keys).
    fn sample_any(&self, rng: &mut impl Rng) -> Option<(Box<[u8]>, u32)> {
        self.random_entry(rng).map(|e| (e.key.clone(), e.access))
    }

    /// The candidate's score: higher is a better key to evict.
    fn evict_score(&self, key: &[u8], stamp: u32, now: u64) -> u64 {
        match self.evict.policy {
            Policy::AllKeysLfu | Policy::VolatileLfu => 255 - lfu_decayed(stamp, now) as u64,
            Policy::VolatileTtl => u64::MAX - self.expires.get(key).copied().unwrap_or(u64::MAX),
            _ => (seconds(now).wrapping_sub(stamp)) as u64,
        }
    }

    /// Picks the next key to evict, or `None` when there is none.
    fn pick_victim(&mut self, now: u64) -> Option<Box<[u8]>> {
        let policy = self.evict.policy;
        let mut rng = rand::thread_rng();
        if policy == Policy::NoEviction {
            return None;
        }
        if policy.volatile() && self.expires.is_empty() || self.len == 0 {
            return None;
        }
        let sample = |ks: &Keyspace, rng: &mut rand::rngs::ThreadRng| {
            if policy.volatile() {
                let i = rng.gen_range(0..ks.expires.len());
                let (key, _) = ks.expires.get_index(i)?;
                let stamp = ks.entry(key).map_or(0, |e| e.access);
                Some((key.clone(), stamp))
            } else {
                ks.sample_any(rng)
            }
        };
        if matches!(policy, Policy::AllKeysRandom | Policy::VolatileRandom) {
            return sample(self, &mut rng).map(|(k, _)| k);
        }
        let samples = self.evict.samples.max(1);
        // Volatile keys are sampled without repeats (as Redis's dictGetSomeKeys): with
        // no more keys than samples, every one of them is looked at.
        let volatile_picks: Vec<usize> = if policy.volatile() {
            let n = self.expires.len();
            rand::seq::index::sample(&mut rng, n, samples.min(n)).into_vec()
        } else {
            Vec::new()
        };
        for round in 0..samples {
            let picked = if policy.volatile() {
                volatile_picks.get(round).and_then(|&i| {
                    let (key, _) = self.expires.get_index(i)?;
                    let stamp = self.entry(key).map_or(0, |e| e.access);
                    Some((key.clone(), stamp))
                })
            } else {
                sample(self, &mut rng)
            };
            let Some((key, stamp)) = picked else {
                break;
            };
            let score = self.evict_score(&key, stamp, now);
            let pool = &mut self.evict.pool;
            if pool.iter().any(|(_, k)| *k == key) {
                continue;
            }
            if pool.len() < POOL_SIZE {
                pool.push((score, key));
            } else if let Some(worst) = pool.iter_mut().min_by_key(|(s, _)| *s) {
                if worst.0 < score {
                    *worst = (score, key);
                }
            }
        }
        // The best candidate that still exists (and still qualifies).
        while !self.evict.pool.is_empty() {
            let best = (0..self.evict.pool.len()).max_by_key(|&i| self.evict.pool[i].0)?;
            let (_, key) = self.evict.pool.swap_remove(best);
            let exists = if policy.volatile() {
                self.expires.contains_key(&key)
            } else {
                self.entry(&key).is_some()
            };
            if exists {
                return Some(key);
            }
        }
        None
    }
}

/// Bytes counted against `maxmemory`: the allocator's live bytes (0 without the counting
/// allocator, so tests that run without it never evict).
fn used_memory() -> u64 {
    crate::node::alloc::used_memory().unwrap_or(0)
}

/// Evicts until memory is under `maxmemory`. `Err(-OOM)` when it cannot get there: the
/// command about to run must be refused if it may add memory.
pub fn make_room(ctx: &mut Ctx) -> Result<(), Frame> {
    let max = ctx.ks.evict.maxmemory;
    if max == 0 {
        return Ok(());
    }
    ctx.ks.evict.clock_ms = ctx.now;
    // Bounded work per command, like Redis's eviction time limit.
    for _ in 0..10_000 {
        if used_memory() <= max {
            return Ok(());
        }
        let Some(key) = ctx.ks.pick_victim(ctx.now) else {
            break;
        };
        ctx.ks.delete(&key);
        ctx.ks.evict.evicted += 1;
        ctx.ks.watched.changed(ctx.ks.selected(), &key);
        ctx.ks.record(crate::node::notify::EVICTED, "evicted", &key);
        let del = [
            bytes::Bytes::from_static(b"DEL"),
            bytes::Bytes::from(key.into_vec()),
        ];
        crate::node::replication::propagate::feed_effect(ctx.shared, ctx.ks, &del);
    }
    if used_memory() <= max {
        return Ok(());
    }
    Err(Frame::static_error(
        "OOM command not allowed when used memory > 'maxmemory'.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::keyspace::{Ttl, Value};

    fn ks_with(policy: Policy) -> Keyspace {
        let mut ks = Keyspace::new();
        ks.evict.configure(1, policy, 5);
        ks
    }

    #[test]
    fn policies_parse_and_print() {
        for name in Policy::NAMES {
            assert_eq!(Policy::parse(name).unwrap().name(), name);
        }
        assert!(Policy::parse("sometimes").is_none());
    }

    #[test]
    fn lru_prefers_the_idlest_key() {
        let mut ks = ks_with(Policy::AllKeysLru);
        ks.evict.clock_ms = 1_000_000;
        ks.put(b"old", Value::string(b"v"), Ttl::Clear);
        for i in 0..20 {
            ks.evict.clock_ms = 2_000_000;
            ks.put(format!("k{i}").as_bytes(), Value::string(b"v"), Ttl::Clear);
        }
        ks.get(b"old", 1_000_000);
        ks.evict.samples = 10;
        // The pool keeps the idlest key once a sample met it, so it goes within the first
        // evictions (a random policy would take 11 on average).
        let mut order = Vec::new();
        while let Some(victim) = ks.pick_victim(2_000_000) {
            ks.delete(&victim);
            order.push(victim);
        }
        assert_eq!(order.len(), 21);
        let at = order.iter().position(|k| &**k == b"old").unwrap();
        assert!(at < 15, "the idlest key went as number {at}");
    }

    #[test]
    fn volatile_policies_only_touch_keys_with_a_ttl() {
        for policy in [
            Policy::VolatileLru,
            Policy::VolatileRandom,
            Policy::VolatileTtl,
            Policy::VolatileLfu,
        ] {
            let mut ks = ks_with(policy);
            ks.put(b"keep", Value::string(b"v"), Ttl::Clear);
            assert_eq!(ks.pick_victim(0), None);
            ks.put(b"soon", Value::string(b"v"), Ttl::At(10));
            ks.put(b"later", Value::string(b"v"), Ttl::At(1_000_000));
            let victim = ks.pick_victim(0).unwrap();
            assert_ne!(&*victim, b"keep");
            if policy == Policy::VolatileTtl {
                assert_eq!(&*victim, b"soon");
            }
        }
        assert_eq!(ks_with(Policy::NoEviction).pick_victim(0), None);
    }

    #[test]
    fn lfu_counter_grows_slowly_and_decays() {
        let mut c = LFU_INIT;
        for _ in 0..1000 {
            c = lfu_incr(c);
        }
        assert!(c > LFU_INIT && c < 60, "counter {c}");
        let stamp = lfu_pack(minutes(0), 20);
        assert_eq!(lfu_decayed(stamp, 0), 20);
        assert_eq!(lfu_decayed(stamp, 5 * 60_000), 15);
    }
}
