//! The gates Redis puts in front of commands, compared with redis-server 7.0 reply for
//! reply: `min-replicas-to-write` (NOREPLICAS, also when it changes between MULTI and
//! EXEC), `replica-serve-stale-data no` (MASTERDOWN while the master link is down), the
//! commands refused inside MULTI, and a lowered `maxmemory` evicting at once.

use std::io::Write;
use std::time::Duration;

use crate::harness::{raw, NodeServer, Process, RedisServer, ServerOpts};
use crate::require_redis;

/// Each step: which of two connections sends the inline command.
const STEPS: &[(usize, &str)] = &[
    (0, "SET k 1"),
    (0, "CONFIG SET min-replicas-to-write 1"),
    (0, "CONFIG GET min-replicas-to-write"),
    (0, "CONFIG GET min-slaves-max-lag"),
    (0, "SET k 2"),
    (0, "GET k"),
    (0, "PING"),
    (0, "MULTI"),
    (0, "INCR k"),
    (0, "GET k"),
    (0, "EXEC"),
    (0, "MULTI"),
    (0, "GET k"),
    (0, "EXEC"),
    (0, "CONFIG SET min-replicas-max-lag 0"),
    (0, "SET k 3"),
    (0, "CONFIG SET min-replicas-max-lag 10"),
    (0, "CONFIG SET min-replicas-to-write 0"),
    // Changed by another client after the write was queued: EXEC is refused whole.
    (0, "MULTI"),
    (0, "INCR k"),
    (1, "CONFIG SET min-replicas-to-write 2"),
    (0, "EXEC"),
    (0, "MULTI"),
    (1, "CONFIG SET min-replicas-to-write 0"),
    (0, "EXEC"),
    (0, "GET k"),
    // Not inside a transaction.
    (0, "MULTI"),
    (0, "SAVE"),
    (0, "SET k 9"),
    (0, "EXEC"),
    (0, "MULTI"),
    (0, "SHUTDOWN"),
    (0, "DISCARD"),
    (0, "GET k"),
    // A replica whose master cannot be reached (port 1 refuses at once).
    (0, "CONFIG SET replica-serve-stale-data no"),
    (0, "CONFIG GET slave-serve-stale-data"),
    (0, "MULTI"),
    (0, "GET k"),
    (1, "REPLICAOF 127.0.0.1 1"),
    (0, "EXEC"),
    (0, "GET k"),
    (0, "PING"),
    (0, "ECHO hi"),
    (0, "MULTI"),
    (0, "PING"),
    (0, "EXEC"),
    (0, "CONFIG SET replica-serve-stale-data yes"),
    (0, "GET k"),
    (1, "REPLICAOF NO ONE"),
    (0, "GET k"),
];

fn replies(p: &Process) -> Vec<String> {
    let mut conns = [
        raw::connect(p, Duration::from_secs(10)),
        raw::connect(p, Duration::from_secs(10)),
    ];
    STEPS
        .iter()
        .map(|(c, line)| {
            let reply = raw::inline(&mut conns[*c], line);
            format!("{line}: {}", String::from_utf8_lossy(&reply))
        })
        .collect()
}

#[test]
fn write_gates_match_redis_server() {
    require_redis!();
    let node = NodeServer::start(ServerOpts::standalone());
    let redis = RedisServer::start(ServerOpts::standalone());
    let (got, want) = (replies(&node), replies(&redis));
    let mismatches: Vec<String> = got
        .iter()
        .zip(&want)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("   rclust-node:  {a:?}\n   redis-server: {b:?}"))
        .collect();
    assert!(
        mismatches.is_empty(),
        "replies differ:\n{}",
        mismatches.join("\n")
    );
}

/// CONFIG SET maxmemory below the used memory evicts before it answers: a subscriber
/// hears the eviction with no further command sent (Redis's pubsub.tcl waits so).
#[test]
fn lowered_maxmemory_evicts_at_once() {
    require_redis!();
    let node = NodeServer::start(ServerOpts::standalone());
    let redis = RedisServer::start(ServerOpts::standalone());
    let mut heard = Vec::new();
    for p in [&*node, &*redis] {
        let mut c = raw::connect(p, Duration::from_secs(10));
        let mut sub = raw::connect(p, Duration::from_secs(10));
        raw::inline(&mut c, "CONFIG SET notify-keyspace-events Ee");
        raw::inline(&mut c, "CONFIG SET maxmemory-policy allkeys-lru");
        raw::inline(&mut c, "SET foo bar");
        raw::inline(&mut sub, "PSUBSCRIBE *");
        let reply = raw::inline(&mut c, "CONFIG SET maxmemory 1");
        let event = raw::first_reply(&mut sub, "the evicted event");
        raw::inline(&mut c, "CONFIG SET maxmemory 0");
        sub.write_all(b"PUNSUBSCRIBE\r\n").unwrap();
        heard.push(format!(
            "{} {}",
            String::from_utf8_lossy(&reply),
            String::from_utf8_lossy(&event)
        ));
    }
    assert_eq!(heard[0], heard[1]);
    assert!(heard[0].contains("__keyevent@0__:evicted"), "{}", heard[0]);
}
