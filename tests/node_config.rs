//! The node's settings registry seen from outside: CONFIG GET/SET answers compared with a
//! real redis-server 7.0, changes that must reach the running parts (the bus's failure
//! detector, announced ports), and CONFIG REWRITE with relative paths.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::{
    assert_exit, ports::lease, rclust, wait_until, NodeServer, RedisServer, ServerOpts,
};
use crate::require_redis;

/// CONFIG GET's pairs, sorted (redis-server lists a pattern's matches in hash order).
fn config_get(p: &crate::harness::Process, name: &str) -> Vec<(String, String)> {
    let flat: Vec<String> = p.cmd(&["CONFIG", "GET", name]);
    let mut pairs: Vec<(String, String)> = flat
        .chunks(2)
        .map(|c| (c[0].clone(), c[1].clone()))
        .collect();
    pairs.sort();
    pairs
}

/// The reply to `args` as text, errors included.
fn reply(p: &crate::harness::Process, args: &[&str]) -> String {
    let mut c = redis::cmd(args[0]);
    for a in &args[1..] {
        c.arg(*a);
    }
    match c.query::<redis::Value>(&mut p.client()) {
        Ok(v) => format!("{v:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn config_get_and_set_answer_like_redis_server() {
    require_redis!();
    let redis = RedisServer::start(ServerOpts::default());
    let node = NodeServer::start(ServerOpts::default());
    for name in [
        "appendfsync",
        "dbfilename",
        "appendfilename",
        "appenddirname",
        "aof-load-truncated",
        "aof-use-rdb-preamble",
        "auto-aof-rewrite-percentage",
        "auto-aof-rewrite-min-size",
        "rdbchecksum",
        "stop-writes-on-bgsave-error",
        "client-output-buffer-limit",
        "cluster-replica-validity-factor",
        "cluster-slave-validity-factor",
        "cluster-replica-no-failover",
        "cluster-link-sendbuf-limit",
        "cluster-announce-tls-port",
        "cluster-allow-replica-migration",
        "cluster-migration-barrier",
        "cluster-require-full-coverage",
        "maxmemory-policy",
        "maxmemory-samples",
        "lua-time-limit",
        "busy-reply-threshold",
        "maxclients",
        "loglevel",
        "proto-max-bulk-len",
        "cluster-replica-*",
        "cluster-preferred-endpoint-type",
        "repl-backlog-size",
        "repl-diskless-sync",
        "repl-diskless-sync-delay",
        "repl-diskless-load",
        "rdbcompression",
        "rdb-key-save-delay",
        "key-load-delay",
        "loading-process-events-interval-bytes",
        "enable-protected-configs",
    ] {
        assert_eq!(
            config_get(&node, name),
            config_get(&redis, name),
            "CONFIG GET {name}"
        );
    }
    let sets: &[&[&str]] = &[
        &["save", "100"],
        &["save", "100 10 50 5"],
        &["appendfsync", "sometimes"],
        &["appendfsync", "always"],
        &["appendonly", "maybe"],
        &["client-output-buffer-limit", "bogus 1 2 3"],
        &["client-output-buffer-limit", "normal 1mb 2mb 3"],
        &["cluster-replica-validity-factor", "-1"],
        &["cluster-replica-validity-factor", "0"],
        &["cluster-replica-no-failover", "yes"],
        &["cluster-link-sendbuf-limit", "-1"],
        &["cluster-link-sendbuf-limit", "1mb"],
        &["cluster-announce-tls-port", "70000"],
        &["cluster-announce-port", "-1"],
        &["maxmemory-policy", "lru"],
        &["maxclients", "0"],
        &["maxmemory", "10xb"],
        &["loglevel", "loud"],
        &["dir", "/tmp"],
        &["dbfilename", "x.rdb"],
        &["appendfilename", "x.aof"],
        &["cluster-enabled", "no"],
        &["no-such-setting", "1"],
        &["repl-backlog-size", "-1"],
        &["repl-backlog-size", "100"],
        &["repl-diskless-load", "sometimes"],
        &["repl-diskless-load", "swapdb"],
        &["repl-diskless-sync-delay", "0"],
        &["key-load-delay", "4000"],
        &["loading-process-events-interval-bytes", "1"],
        &["rdbcompression", "no"],
        &["cluster-preferred-endpoint-type", "dns"],
        &["enable-protected-configs", "yes"],
        &["enable-debug-command", "yes"],
    ];
    for args in sets {
        let mut full = vec!["CONFIG", "SET"];
        full.extend_from_slice(args);
        assert_eq!(reply(&node, &full), reply(&redis, &full), "{full:?}");
    }
    for name in [
        "save",
        "client-output-buffer-limit",
        "cluster-link-sendbuf-limit",
        "repl-backlog-size",
        "key-load-delay",
    ] {
        assert_eq!(config_get(&node, name), config_get(&redis, name), "{name}");
    }
}

/// Two nodes that know each other.
fn met_pair(node_timeout_ms: u64) -> (NodeServer, NodeServer) {
    let opts = ServerOpts {
        node_timeout_ms,
        ..Default::default()
    };
    let (a, b) = (NodeServer::start(opts.clone()), NodeServer::start(opts));
    let _: () = a.cmd(&["CLUSTER", "MEET", "127.0.0.1", &b.port.to_string()]);
    let a_id = a.myid();
    wait_until(Duration::from_secs(20), "the nodes meet", || {
        b.cluster_nodes_text()
            .lines()
            .any(|l| l.starts_with(&a_id) && !l.contains("handshake") && l.contains("connected"))
    });
    (a, b)
}

fn line_of(text: &str, id: &str) -> String {
    text.lines()
        .find(|l| l.starts_with(id))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn announced_ports_set_at_run_time_reach_the_peers() {
    let (a, b) = met_pair(2000);
    let a_id = a.myid();
    let _: () = a.cmd(&["CONFIG", "SET", "cluster-announce-port", "30999"]);
    let _: () = a.cmd(&["CONFIG", "SET", "cluster-announce-bus-port", "31999"]);
    assert!(
        line_of(&a.cluster_nodes_text(), &a_id).contains(":30999@31999"),
        "{}",
        a.cluster_nodes_text()
    );
    wait_until(
        Duration::from_secs(20),
        "the peer learns the new ports",
        || line_of(&b.cluster_nodes_text(), &a_id).contains(":30999@31999"),
    );
}

#[test]
fn set_timeout_reaches_the_failure_detector() {
    // With the start-up timeout (a minute) the peer would not be suspected in this test.
    let (mut a, b) = met_pair(60_000);
    let out = rclust()
        .args(["set-timeout", &b.addr(), "500", "--yes"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let got: Vec<String> = b.cmd(&["CONFIG", "GET", "cluster-node-timeout"]);
    assert_eq!(got[1], "500");
    let a_id = a.myid();
    a.kill();
    wait_until(Duration::from_secs(15), "the peer is suspected", || {
        line_of(&b.cluster_nodes_text(), &a_id).contains("fail")
    });
}

#[test]
fn config_rewrite_with_a_relative_file_and_dir() {
    let lease = lease();
    let work = tempfile::tempdir().unwrap();
    let conf = format!(
        "# kept as written\nport {}\nbind 127.0.0.1\ncluster-enabled no\ndir data\nlogfile node.log\nsave \"\"\ncluster-replica-validity-factor 0\n",
        lease.port
    );
    std::fs::create_dir(work.path().join("data")).unwrap();
    std::fs::write(work.path().join("node.conf"), conf).unwrap();
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_rclust-node"))
            .arg("node.conf")
            .current_dir(work.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let url = format!("redis://127.0.0.1:{}/", lease.port);
    let connect = || {
        let mut conn = None;
        wait_until(Duration::from_secs(10), "the node answers", || {
            conn = redis::Client::open(url.as_str())
                .unwrap()
                .get_connection()
                .ok();
            conn.is_some()
        });
        conn.unwrap()
    };
    let mut child = start();
    let mut c = connect();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory")
        .arg("1mb")
        .query(&mut c)
        .unwrap();
    let rewritten: redis::RedisResult<()> = redis::cmd("CONFIG").arg("REWRITE").query(&mut c);
    child.kill().unwrap();
    child.wait().unwrap();
    rewritten.unwrap();
    let text = std::fs::read_to_string(work.path().join("node.conf")).unwrap();
    assert!(text.starts_with("# kept as written\n"), "{text}");
    assert!(text.contains("\nmaxmemory 1048576\n"), "{text}");
    assert!(
        text.contains("\ncluster-replica-validity-factor 0\n"),
        "{text}"
    );
    assert!(!work.path().join("data/node.conf").exists());
    let mut child = start();
    let mut c = connect();
    let got: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory")
        .arg("dir")
        .query(&mut c)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let data = std::fs::canonicalize(work.path().join("data")).unwrap();
    assert_eq!(
        got,
        vec![
            "maxmemory".to_string(),
            "1048576".into(),
            "dir".into(),
            data.display().to_string()
        ]
    );
}

#[test]
fn a_link_past_cluster_link_sendbuf_limit_is_freed() {
    let (a, _b) = met_pair(2000);
    // One byte: every message overflows, so the node frees its links as it sends.
    let _: () = a.cmd(&["CONFIG", "SET", "cluster-link-sendbuf-limit", "1"]);
    let log = a.dir.path().join("node.log");
    wait_until(Duration::from_secs(20), "a link is freed", || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("exceeded cluster-link-sendbuf-limit")
    });
}

/// `enable-protected-configs` and `enable-debug-command` guard what Redis 7 guards: with
/// `local`, a loopback client may change `dir`; with `no`, DEBUG is refused with Redis's
/// message, and the defaults refuse `dir` but keep DEBUG (the node's own tools use it).
#[test]
fn protected_configs_and_debug_follow_their_settings() {
    let dir = tempfile::tempdir().unwrap();
    let guarded = NodeServer::start_with(
        ServerOpts::default(),
        &[
            "--enable-protected-configs",
            "local",
            "--enable-debug-command",
            "no",
        ],
    );
    let set_dir = ["CONFIG", "SET", "dir", dir.path().to_str().unwrap()];
    assert_eq!(reply(&guarded, &set_dir), "ok");
    assert!(
        reply(&guarded, &["DEBUG", "SLEEP", "0"]).contains("DEBUG command not allowed"),
        "{}",
        reply(&guarded, &["DEBUG", "SLEEP", "0"])
    );
    let plain = NodeServer::start(ServerOpts::default());
    assert!(reply(&plain, &set_dir).contains("can't set protected config"));
    assert_eq!(reply(&plain, &["DEBUG", "SLEEP", "0"]), "ok");
}
