//! rclust-node as a standalone server: driven with redis-cli, the redis crate and raw
//! sockets (pipelining, inline commands, framing errors), plus expiry, AUTH and shutdown.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::harness::{wait_until, NodeServer, ServerOpts};

fn raw(node: &NodeServer) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", node.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// Reads until `want` bytes arrived (or the peer closed).
fn read_n(s: &mut TcpStream, want: usize) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while out.len() < want {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn no_cluster() -> ServerOpts {
    ServerOpts {
        cluster: false,
        ..Default::default()
    }
}

#[test]
fn redis_cli_and_client_round_trip() {
    let node = NodeServer::start(ServerOpts::default());
    node.serve_all_slots();
    assert_eq!(node.cli(&["set", "foo", "bar"]), "OK\n");
    assert_eq!(node.cli(&["get", "foo"]), "bar\n");
    assert_eq!(node.cli(&["cluster", "keyslot", "foo"]), "12182\n");
    assert!(node
        .cli(&["info", "keyspace"])
        .contains("db0:keys=1,expires=0,avg_ttl=0"));
    let mut c = node.client();
    let _: () = redis::cmd("HSET")
        .arg("h")
        .arg("f")
        .arg("v")
        .query(&mut c)
        .unwrap();
    let v: String = redis::cmd("HGET").arg("h").arg("f").query(&mut c).unwrap();
    assert_eq!(v, "v");
    let n: i64 = redis::cmd("DBSIZE").query(&mut c).unwrap();
    assert_eq!(n, 2);
}

#[test]
fn errors_keep_the_connection() {
    let node = NodeServer::start(ServerOpts::default());
    let mut c = node.client();
    let err = redis::cmd("NOSUCH")
        .arg("a")
        .query::<()>(&mut c)
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown command 'NOSUCH'"),
        "{err}"
    );
    let err = redis::cmd("GET").query::<()>(&mut c).unwrap_err();
    assert!(
        err.to_string()
            .contains("wrong number of arguments for 'get' command"),
        "{err}"
    );
    let err = redis::cmd("MSET")
        .arg("a")
        .arg(1)
        .arg("b")
        .arg(2)
        .query::<()>(&mut c)
        .unwrap_err();
    assert!(
        err.to_string().contains("don't hash to the same slot"),
        "{err}"
    );
    let pong: String = redis::cmd("PING").query(&mut c).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn pipelining_and_inline_commands() {
    let node = NodeServer::start(no_cluster());
    let mut s = raw(&node);
    let mut batch = Vec::new();
    for i in 0..1000 {
        batch.extend_from_slice(
            format!("*3\r\n$3\r\nSET\r\n$4\r\nk{i:03}\r\n$1\r\nv\r\n").as_bytes(),
        );
    }
    batch.extend_from_slice(b"PING\r\nset a \"x y\"\r\nget a\r\n");
    s.write_all(&batch).unwrap();
    let want = "+OK\r\n".repeat(1000) + "+PONG\r\n+OK\r\n$3\r\nx y\r\n";
    assert_eq!(read_n(&mut s, want.len()), want);
    // A command split across writes is assembled.
    s.write_all(b"*2\r\n$3\r\nGE").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    s.write_all(b"T\r\n$4\r\nk999\r\n").unwrap();
    assert_eq!(read_n(&mut s, 7), "$1\r\nv\r\n");
}

#[test]
fn broken_framing_closes_after_the_error() {
    let node = NodeServer::start(no_cluster());
    let mut s = raw(&node);
    s.write_all(b"PING\r\n*1\r\n$x\r\n").unwrap();
    let reply = read_n(&mut s, 1000);
    assert_eq!(
        reply,
        "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n"
    );
    let mut s = raw(&node);
    s.write_all(b"*1\r\n:1\r\n").unwrap();
    assert_eq!(
        read_n(&mut s, 1000),
        "-ERR Protocol error: expected '$', got ':'\r\n"
    );
}

#[test]
fn keys_expire_lazily_and_actively() {
    let node = NodeServer::start(no_cluster());
    let mut c = node.client();
    let mut pipe = redis::pipe();
    for i in 0..200 {
        pipe.cmd("SET")
            .arg(format!("active{i}"))
            .arg("v")
            .arg("PX")
            .arg(300)
            .ignore();
    }
    pipe.cmd("SET")
        .arg("lazy")
        .arg("v")
        .arg("PX")
        .arg(300)
        .ignore();
    pipe.cmd("PTTL").arg("lazy");
    let (ttl,): (i64,) = pipe.query(&mut c).unwrap();
    assert!((1..=300).contains(&ttl), "{ttl}");
    std::thread::sleep(Duration::from_millis(350));
    assert_eq!(node.cli(&["get", "lazy"]), "\n");
    // Untouched keys go too, through the background sampling.
    wait_until(Duration::from_secs(5), "active expiry", || {
        node.cmd::<i64>(&["dbsize"]) == 0
    });
    let info: String = node.cmd(&["info", "stats"]);
    assert!(info.contains("expired_keys:201"), "{info}");
}

#[test]
fn auth_is_enforced() {
    let opts = ServerOpts {
        password: Some("s3cret".into()),
        ..no_cluster()
    };
    let node = NodeServer::start(opts);
    let mut s = raw(&node);
    s.write_all(b"GET a\r\nAUTH wrong\r\nAUTH s3cret\r\nGET a\r\n")
        .unwrap();
    let want = "-NOAUTH Authentication required.\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n$-1\r\n";
    assert_eq!(read_n(&mut s, want.len()), want);
    // The harness client and redis-cli authenticate with the password.
    let pong: String = node.cmd(&["PING"]);
    assert_eq!(pong, "PONG");
    assert_eq!(node.cli(&["ping"]), "PONG\n");
}

#[test]
fn shutdown_command_stops_the_server() {
    let mut node = NodeServer::start(no_cluster());
    node.cli(&["shutdown", "nosave"]);
    assert_eq!(node.wait_exit(Duration::from_secs(5)), Some(0));
}

#[test]
fn sigterm_stops_the_server() {
    let mut node = NodeServer::start(no_cluster());
    let pid = node.pid().unwrap();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(node.wait_exit(Duration::from_secs(5)), Some(0));
}

#[test]
fn config_file_and_config_commands() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("node.conf");
    std::fs::write(&conf, "maxmemory 100mb\ncluster-node-timeout 1234\n").unwrap();
    let node = NodeServer::start_with(ServerOpts::default(), &[conf.to_str().unwrap()]);
    assert_eq!(
        node.cli(&["config", "get", "maxmemory"]),
        "maxmemory\n104857600\n"
    );
    // The flag given after the file wins.
    assert_eq!(
        node.cli(&["config", "get", "cluster-node-timeout"]),
        "cluster-node-timeout\n2000\n"
    );
    assert_eq!(node.cli(&["config", "set", "maxmemory", "1mb"]), "OK\n");
    assert_eq!(node.cli(&["config", "rewrite"]), "OK\n");
    let text = std::fs::read_to_string(&conf).unwrap();
    assert!(text.contains("maxmemory 1048576"), "{text}");
}

#[test]
fn debug_sleep_delays_only_its_reply() {
    let node = NodeServer::start(no_cluster());
    let mut s = raw(&node);
    let start = Instant::now();
    s.write_all(b"DEBUG SLEEP 0.2\r\nPING\r\n").unwrap();
    assert_eq!(read_n(&mut s, 12), "+OK\r\n+PONG\r\n");
    assert!(start.elapsed() >= Duration::from_millis(200));
}

#[test]
fn resp3_through_hello() {
    let node = NodeServer::start(ServerOpts::default());
    node.serve_all_slots();
    let mut s = raw(&node);
    s.write_all(b"HELLO 3\r\n").unwrap();
    let hello = read_n(&mut s, 20);
    assert!(hello.starts_with("%7\r\n$6\r\nserver\r\n"), "{hello}");
    // Drain the rest of the HELLO map before the next command.
    std::thread::sleep(Duration::from_millis(100));
    let mut rest = [0u8; 4096];
    let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
    let _ = s.read(&mut rest);
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    s.write_all(b"GET nope\r\nHSET h a 1\r\nHGETALL h\r\n")
        .unwrap();
    let want = "_\r\n:1\r\n%1\r\n$1\r\na\r\n$1\r\n1\r\n";
    assert_eq!(read_n(&mut s, want.len()), want);
}

#[test]
fn redis_benchmark_default_tests_run_clean() {
    crate::require_redis!();
    let node = NodeServer::start(ServerOpts::default());
    node.serve_all_slots();
    let out = std::process::Command::new("redis-benchmark")
        .args(["-h", "127.0.0.1", "-p", &node.port.to_string()])
        .args(["-q", "-n", "2000", "-c", "5", "-P", "4"])
        .output()
        .expect("redis-benchmark runs");
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}\n{stderr}");
    for test in [
        "PING_INLINE",
        "PING_MBULK",
        "SET",
        "GET",
        "INCR",
        "LPUSH",
        "RPUSH",
        "LPOP",
        "RPOP",
        "SADD",
        "HSET",
        "SPOP",
        "ZADD",
        "ZPOPMIN",
        "LRANGE_100",
        "LRANGE_600",
        "MSET",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(test) && l.contains("requests per second")),
            "{test} missing from:\n{text}\n{stderr}"
        );
    }
    assert!(
        !text.contains("ERR") && !stderr.contains("Error"),
        "{text}\n{stderr}"
    );
}

#[test]
fn client_kill_closes_the_other_connection() {
    let node = NodeServer::start(no_cluster());
    let mut victim = raw(&node);
    victim.write_all(b"CLIENT ID\r\n").unwrap();
    let id = read_n(&mut victim, 3);
    let id = id.trim().trim_start_matches(':').to_string();
    let killed: i64 = node.cmd(&["CLIENT", "KILL", "ID", &id]);
    assert_eq!(killed, 1);
    // The victim's connection is closed: the next read ends.
    let _ = victim.write_all(b"PING\r\n");
    assert_eq!(read_n(&mut victim, 7), "");
}

/// CLIENT PAUSE WRITE holds writes but not reads, PAUSE ALL holds both, UNPAUSE ends a
/// pause early; errors as redis-server's. The same steps on redis-server and the node.
fn client_pause_on(kind: crate::harness::Kind) -> Option<Vec<String>> {
    use std::time::Instant;
    if !kind.available() {
        return None;
    }
    let p = kind.start(crate::harness::ServerOpts {
        cluster: false,
        ..Default::default()
    });
    let timed = |args: &[&str]| -> (String, u128) {
        let mut c = redis::cmd(args[0]);
        for a in &args[1..] {
            c.arg(*a);
        }
        let t = Instant::now();
        let out = match c.query::<redis::Value>(&mut p.client()) {
            Ok(v) => format!("{v:?}"),
            Err(e) => e.to_string(),
        };
        (out, t.elapsed().as_millis())
    };
    // Pauses last 1.5 s; anything under 1 s counts as not held, so a loaded machine does
    // not turn a prompt reply into a held one.
    let held = |ms: u128| if ms >= 1000 { "held" } else { "at once" };
    let mut seen = Vec::new();
    for bad in [
        &["CLIENT", "PAUSE", "-1"][..],
        &["CLIENT", "PAUSE", "x"],
        &["CLIENT", "PAUSE", "10", "SOME"],
    ] {
        seen.push(timed(bad).0);
    }
    seen.push(timed(&["CLIENT", "PAUSE", "1500", "WRITE"]).0);
    let (_, get_ms) = timed(&["GET", "k"]);
    let (_, set_ms) = timed(&["SET", "k", "v"]);
    seen.push(format!(
        "write pause: GET {}, SET {}",
        held(get_ms),
        held(set_ms)
    ));
    seen.push(timed(&["CLIENT", "PAUSE", "1500", "ALL"]).0);
    let (_, get_ms) = timed(&["GET", "k"]);
    seen.push(format!("all pause: GET {}", held(get_ms)));
    timed(&["CLIENT", "PAUSE", "5000", "WRITE"]);
    timed(&["CLIENT", "UNPAUSE"]);
    let (_, set_ms) = timed(&["SET", "k", "v"]);
    seen.push(format!("after unpause: SET {}", held(set_ms)));
    Some(seen)
}

#[test]
fn client_pause_and_unpause_as_redis_server() {
    let (Some(redis), Some(ours)) = (
        client_pause_on(crate::harness::Kind::Redis),
        client_pause_on(crate::harness::Kind::Node),
    ) else {
        return;
    };
    assert_eq!(ours, redis);
    assert!(
        ours.iter()
            .any(|s| s == "write pause: GET at once, SET held"),
        "{ours:?}"
    );
}

/// `DEBUG SET-ACTIVE-EXPIRE 0` stops the active expiry cycle: an expired key stays counted
/// until something touches it (Redis's suites rely on this); 1 turns the cycle back on.
#[test]
fn debug_set_active_expire_turns_the_expiry_cycle_off_and_on() {
    let node = NodeServer::start(ServerOpts {
        cluster: false,
        ..Default::default()
    });
    let _: () = node.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    let _: () = node.cmd(&["SET", "k", "v", "PX", "50"]);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        node.cmd::<i64>(&["DBSIZE"]),
        1,
        "expired while the cycle was off"
    );
    let _: () = node.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    wait_until(
        Duration::from_secs(5),
        "the cycle to expire the key",
        || node.cmd::<i64>(&["DBSIZE"]) == 0,
    );
}

/// INFO errorstats and the commandstats counters after errors of each kind: refused before
/// running (unknown command, arity, an unserved slot), failed while running, inside EXEC;
/// then CONFIG RESETSTAT clears them. Redis's cluster suite (18-info) reads these.
fn error_stats_on(kind: crate::harness::Kind) -> Option<Vec<String>> {
    if !kind.available() {
        return None;
    }
    // Cluster mode without slots: a key command is refused with CLUSTERDOWN.
    let p = kind.start(ServerOpts::default());
    // One connection throughout: the client library's own greeting (CLIENT SETINFO, which
    // redis-server 7.0 refuses) counts as errors on every new one.
    let mut c = p.client();
    let mut run = |args: &[&str]| -> redis::Value {
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        cmd.query::<redis::Value>(&mut c)
            .unwrap_or(redis::Value::Nil)
    };
    let text = |v: redis::Value| -> String {
        match v {
            redis::Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
            redis::Value::VerbatimString { text, .. } => text,
            other => format!("{other:?}"),
        }
    };
    // Only the lines that count: usec figures differ from run to run.
    let counters = |run: &mut dyn FnMut(&[&str]) -> redis::Value| -> Vec<String> {
        let errors = text(run(&["INFO", "errorstats"]));
        let stats = text(run(&["INFO", "commandstats"]));
        let mut lines: Vec<String> = errors.lines().map(str::to_string).collect();
        // Commands in name order: redis-server lists them in its table's order.
        let mut stats: Vec<&str> = stats.lines().collect();
        stats.sort();
        for line in stats {
            for name in ["set:", "incr:"] {
                if let Some(rest) = line
                    .strip_prefix("cmdstat_")
                    .filter(|l| l.starts_with(name))
                {
                    let calls = rest.split(',').next().unwrap_or_default();
                    let tail: Vec<&str> = rest.split(',').skip(3).collect();
                    lines.push(format!("{calls},{}", tail.join(",")));
                }
            }
        }
        let total = text(run(&["INFO", "stats"]));
        lines.extend(
            total
                .lines()
                .filter(|l| l.starts_with("total_error_replies:"))
                .map(str::to_string),
        );
        lines
    };
    run(&["CONFIG", "RESETSTAT"]);
    run(&["NOSUCHCOMMAND", "a"]);
    run(&["SET", "k"]);
    run(&["SET", "k", "v"]);
    run(&["SET", "k", "v"]);
    run(&["CLUSTER", "ADDSLOTSRANGE", "0", "16383"]);
    wait_until(Duration::from_secs(10), "the cluster to come up", || {
        text(run(&["CLUSTER", "INFO"])).contains("cluster_state:ok")
    });
    run(&["SET", "k", "v"]);
    run(&["INCR", "k"]);
    run(&["MULTI"]);
    run(&["INCR", "k"]);
    run(&["EXEC"]);
    let mut seen = counters(&mut run);
    run(&["CONFIG", "RESETSTAT"]);
    seen.push("after resetstat:".into());
    seen.extend(counters(&mut run));
    Some(seen)
}

#[test]
fn error_stats_as_redis_server() {
    let (Some(redis), Some(ours)) = (
        error_stats_on(crate::harness::Kind::Redis),
        error_stats_on(crate::harness::Kind::Node),
    ) else {
        return;
    };
    assert_eq!(ours, redis);
    assert!(
        ours.iter().any(|l| l == "errorstat_CLUSTERDOWN:count=2"),
        "{ours:?}"
    );
}
