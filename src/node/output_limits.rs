//! `client-output-buffer-limit`: per class of client (normal, replica, pubsub) a hard limit
//! on pending output, and a soft limit that may be exceeded for some seconds. A client over
//! either is disconnected, so no client can make the node hold unbounded output for it.

use std::time::Instant;

use super::config::parse_memory;

/// One class's limits; 0 turns a limit off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BufferLimit {
    pub hard: u64,
    pub soft: u64,
    pub soft_secs: u64,
}

impl BufferLimit {
    /// Whether `pending` bytes break the limit. `over_soft_since` remembers when the
    /// soft limit was first passed and is cleared when the output drops back under it.
    pub fn exceeded(
        &self,
        pending: usize,
        over_soft_since: &mut Option<Instant>,
        now: Instant,
    ) -> bool {
        let pending = pending as u64;
        if self.hard > 0 && pending >= self.hard {
            return true;
        }
        if self.soft > 0 && pending >= self.soft {
            let since = *over_soft_since.get_or_insert(now);
            return now.duration_since(since).as_secs() >= self.soft_secs;
        }
        *over_soft_since = None;
        false
    }
}

/// All three classes, as `CONFIG GET client-output-buffer-limit` shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputLimits {
    pub normal: BufferLimit,
    pub replica: BufferLimit,
    pub pubsub: BufferLimit,
}

impl Default for OutputLimits {
    /// Redis's defaults: normal clients unlimited, replicas 256mb/64mb/60s, pub/sub
    /// 32mb/8mb/60s.
    fn default() -> Self {
        OutputLimits {
            normal: BufferLimit::default(),
            replica: BufferLimit {
                hard: 256 << 20,
                soft: 64 << 20,
                soft_secs: 60,
            },
            pubsub: BufferLimit {
                hard: 32 << 20,
                soft: 8 << 20,
                soft_secs: 60,
            },
        }
    }
}

impl OutputLimits {
    /// Applies `class hard soft secs` groups (any number of them), as CONFIG SET takes them;
    /// on error nothing changes.
    pub fn apply(&mut self, text: &str) -> Result<(), String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.is_empty() || !words.len().is_multiple_of(4) {
            return Err("Wrong number of arguments in buffer limit configuration.".into());
        }
        let mut next = *self;
        for group in words.chunks(4) {
            let mem = |w: &str| {
                parse_memory(w).ok_or_else(|| {
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .to_string()
                })
            };
            let limit = BufferLimit {
                hard: mem(group[1])?,
                soft: mem(group[2])?,
                soft_secs: group[3].parse().map_err(|_| {
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .to_string()
                })?,
            };
            match group[0].to_ascii_lowercase().as_str() {
                "normal" => next.normal = limit,
                "replica" | "slave" => next.replica = limit,
                "pubsub" => next.pubsub = limit,
                _ => {
                    return Err(
                        "Invalid client class specified in buffer limit configuration.".into(),
                    )
                }
            }
        }
        *self = next;
        Ok(())
    }

    pub fn render(&self) -> String {
        let one =
            |name: &str, l: &BufferLimit| format!("{name} {} {} {}", l.hard, l.soft, l.soft_secs);
        format!(
            "{} {} {}",
            one("normal", &self.normal),
            one("slave", &self.replica),
            one("pubsub", &self.pubsub)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn parse_and_render_like_redis() {
        let mut l = OutputLimits::default();
        assert_eq!(
            l.render(),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        );
        l.apply("pubsub 1mb 512kb 5 normal 10 0 0").unwrap();
        assert_eq!(l.pubsub.hard, 1 << 20);
        assert_eq!(l.normal.hard, 10);
        assert!(l.apply("pubsub 1 2").is_err());
        assert!(l.apply("bogus 1 2 3").is_err());
        assert_eq!(
            l.pubsub.hard,
            1 << 20,
            "a failed change leaves the limits as they were"
        );
    }

    #[test]
    fn soft_limit_needs_its_seconds() {
        let l = BufferLimit {
            hard: 0,
            soft: 10,
            soft_secs: 2,
        };
        let t0 = Instant::now();
        let mut since = None;
        assert!(!l.exceeded(20, &mut since, t0));
        assert!(!l.exceeded(20, &mut since, t0 + Duration::from_secs(1)));
        assert!(l.exceeded(20, &mut since, t0 + Duration::from_secs(2)));
        assert!(!l.exceeded(5, &mut since, t0 + Duration::from_secs(3)));
        assert_eq!(since, None);
    }
}
