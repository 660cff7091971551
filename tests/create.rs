//! `rclust create` against real redis-server processes, verified with an independent client
//! and with `redis-cli --cluster check`.

use std::process::Command;

use crate::harness::{assert_exit, rclust, RedisServer, ServerOpts};
use crate::require_redis;

fn addrs(nodes: &[RedisServer]) -> Vec<String> {
    nodes.iter().map(|n| n.addr()).collect()
}

/// Runs `rclust create` on the nodes and asserts success.
pub fn create_cluster(nodes: &[RedisServer], replicas: usize) {
    create_cluster_of(&addrs(nodes), replicas);
}

/// Runs `rclust create` on the addresses (any kind of node) and asserts success.
pub fn create_cluster_of(addrs: &[String], replicas: usize) {
    let out = rclust()
        .arg("create")
        .args(addrs)
        .args([
            "--replicas",
            &replicas.to_string(),
            "--yes",
            "--timeout",
            "30",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "create failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
}

fn redis_cli_check(node: &RedisServer) -> (bool, String) {
    let out = Command::new("redis-cli")
        .args(["--cluster", "check", &node.addr()])
        .output()
        .expect("redis-cli on PATH");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// What an independent client sees right after create returned: converged on every node.
fn assert_converged(nodes: &[RedisServer], masters: usize, replicas_per_master: usize) {
    let mut master_ids = Vec::new();
    let mut replica_count = 0;
    for n in nodes {
        let info: String = n.cmd(&["CLUSTER", "INFO"]);
        assert!(info.contains("cluster_state:ok"), "{}: {info}", n.addr());
        assert!(
            info.contains("cluster_slots_assigned:16384"),
            "{}: {info}",
            n.addr()
        );
        assert!(
            info.contains(&format!("cluster_known_nodes:{}", nodes.len())),
            "{}: {info}",
            n.addr()
        );
        let repl: String = n.cmd(&["INFO", "replication"]);
        if repl.contains("role:slave") {
            replica_count += 1;
            assert!(
                repl.contains("master_link_status:up"),
                "{}: {repl}",
                n.addr()
            );
        } else {
            master_ids.push(n.myid());
        }
        // Every node's view lists every node with the role it has.
        let view: String = n.cluster_nodes_text();
        assert_eq!(view.lines().count(), nodes.len());
        assert!(
            !view.contains("handshake") && !view.contains("fail"),
            "{view}"
        );
    }
    assert_eq!(master_ids.len(), masters);
    assert_eq!(replica_count, masters * replicas_per_master);
    for n in nodes {
        let view: String = n.cluster_nodes_text();
        for id in &master_ids {
            let replicas = view
                .lines()
                .filter(|l| l.split(' ').nth(3) == Some(id.as_str()))
                .count();
            assert_eq!(replicas, replicas_per_master, "{}: {view}", n.addr());
        }
    }
    let (ok, text) = redis_cli_check(&nodes[0]);
    assert!(ok, "redis-cli --cluster check failed:\n{text}");
}

#[test]
fn create_three_masters() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(3);
    create_cluster(&nodes, 0);
    assert_converged(&nodes, 3, 0);
}

#[test]
fn create_three_masters_three_replicas() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(6);
    create_cluster(&nodes, 1);
    assert_converged(&nodes, 3, 1);
    // Settings lowered while forming are back.
    for n in &nodes {
        let timeout: Vec<String> = n.cmd(&["CONFIG", "GET", "cluster-node-timeout"]);
        assert_eq!(timeout[1], "2000");
        let delay: Vec<String> = n.cmd(&["CONFIG", "GET", "repl-diskless-sync-delay"]);
        assert_eq!(delay[1], "5");
    }
}

#[test]
fn create_five_masters_five_replicas() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(10);
    create_cluster(&nodes, 1);
    assert_converged(&nodes, 5, 1);
}

#[test]
fn create_with_password() {
    require_redis!();
    let opts = ServerOpts {
        password: Some("s3cret".into()),
        ..ServerOpts::default()
    };
    let nodes = RedisServer::many(3, opts);
    let out = rclust()
        .arg("create")
        .args(addrs(&nodes))
        .args(["--yes", "-a", "s3cret"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for n in &nodes {
        let info: String = n.cmd(&["CLUSTER", "INFO"]);
        assert!(info.contains("cluster_state:ok"));
    }
    // The password may come from REDISCLI_AUTH too, as with redis-cli.
    let out = rclust()
        .args(["check", &nodes[0].addr()])
        .env("REDISCLI_AUTH", "s3cret")
        .output()
        .unwrap();
    // Masters without replicas are a warning, not a problem.
    assert_exit(&out, 0);
}

// ---- preconditions: a clear one-line error, exit 2, no node changed ----

/// Each node still knows only itself and serves no slot.
fn assert_untouched<'a>(nodes: impl IntoIterator<Item = &'a RedisServer>) {
    for n in nodes {
        let view: String = n.cluster_nodes_text();
        assert_eq!(view.lines().count(), 1, "{} changed: {view}", n.addr());
        let info: String = n.cmd(&["CLUSTER", "INFO"]);
        assert!(
            info.contains("cluster_slots_assigned:0"),
            "{}: {info}",
            n.addr()
        );
        assert!(
            info.contains("cluster_current_epoch:0"),
            "{}: {info}",
            n.addr()
        );
    }
}

/// Runs create with extra arguments and returns (exit code, stderr).
fn create_fails(args: &[String]) -> (Option<i32>, String) {
    let out = rclust()
        .arg("create")
        .args(args)
        .arg("--yes")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn one_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line: {stderr}");
    assert!(lines[0].starts_with("rclust: "), "{stderr}");
    lines[0]
}

#[test]
fn create_rejects_unreachable_node() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(3);
    let dead = crate::harness::ports::lease();
    let mut args = addrs(&nodes);
    args.push(format!("127.0.0.1:{}", dead.port));
    let (code, err) = create_fails(&args);
    assert_eq!(code, Some(2));
    let line = one_line(&err);
    assert!(
        line.contains(&format!("127.0.0.1:{}", dead.port)) && line.contains("refused"),
        "{line}"
    );
    assert_untouched(&nodes);
}

#[test]
fn create_rejects_node_not_in_cluster_mode() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(3);
    let plain = RedisServer::start(ServerOpts {
        cluster: false,
        ..ServerOpts::default()
    });
    let mut args = addrs(&nodes);
    args.push(plain.addr());
    let (code, err) = create_fails(&args);
    assert_eq!(code, Some(2));
    let line = one_line(&err);
    assert!(
        line.contains(&plain.addr()) && line.contains("not in cluster mode"),
        "{line}"
    );
    assert_untouched(&nodes);
}

#[test]
fn create_rejects_node_with_keys() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(3);
    // A key can only be written to a slot the node serves: serve it, write, let it go.
    let slot: i64 = nodes[1].cmd(&["CLUSTER", "KEYSLOT", "{a}x"]);
    let _: () = nodes[1].cmd(&["CONFIG", "SET", "cluster-require-full-coverage", "no"]);
    let _: () = nodes[1].cmd(&["CLUSTER", "ADDSLOTS", &slot.to_string()]);
    // A fresh master accepts writes only after its cluster state turns ok.
    crate::harness::wait_until(std::time::Duration::from_secs(10), "write accepted", || {
        let r: redis::RedisResult<()> = redis::cmd("SET")
            .arg("{a}x")
            .arg("1")
            .query(&mut nodes[1].client());
        r.is_ok()
    });
    let _: () = nodes[1].cmd(&["CLUSTER", "DELSLOTS", &slot.to_string()]);
    let (code, err) = create_fails(&addrs(&nodes));
    assert_eq!(code, Some(2));
    let line = one_line(&err);
    assert!(
        line.contains(&nodes[1].addr()) && line.contains("holds 1 key"),
        "{line}"
    );
    assert_untouched([&nodes[0], &nodes[2]]);
}

#[test]
fn create_rejects_node_already_in_a_cluster() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(4);
    let _: () = nodes[3].cmd(&["CLUSTER", "MEET", "127.0.0.1", &nodes[2].port.to_string()]);
    crate::harness::wait_until(std::time::Duration::from_secs(10), "meet", || {
        nodes[2].cluster_nodes_text().lines().count() == 2
    });
    let (code, err) = create_fails(&addrs(&nodes[..3]));
    assert_eq!(code, Some(2));
    let line = one_line(&err);
    assert!(
        line.contains(&nodes[2].addr()) && line.contains("belongs to a cluster"),
        "{line}"
    );
    assert_untouched(&nodes[..2]);
}

#[test]
fn create_rejects_duplicates_under_any_spelling() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(3);
    let mut args = addrs(&nodes);
    args.push(nodes[0].addr());
    let (code, err) = create_fails(&args);
    assert_eq!(code, Some(2));
    assert!(one_line(&err).contains("given more than once"), "{err}");

    let mut args = addrs(&nodes);
    args.push(format!("localhost:{}", nodes[1].port));
    let (code, err) = create_fails(&args);
    assert_eq!(code, Some(2));
    let line = one_line(&err);
    assert!(
        line.contains("same node as") && line.contains(&nodes[1].addr()),
        "{line}"
    );
    assert_untouched(&nodes);
}

#[test]
fn create_rejects_malformed_address_and_too_few_masters() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(3);
    let mut args = addrs(&nodes);
    args.push("127.0.0.1:notaport".into());
    let (code, err) = create_fails(&args);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("invalid address '127.0.0.1:notaport'"),
        "{err}"
    );

    let mut args = addrs(&nodes);
    args.extend(["--replicas".to_string(), "1".to_string()]);
    let (code, err) = create_fails(&args);
    assert_eq!(code, Some(2));
    assert!(
        one_line(&err).contains("at least 6 nodes are required"),
        "{err}"
    );
    assert_untouched(&nodes);
}

#[test]
fn create_rejects_wrong_or_missing_password() {
    require_redis!();
    let nodes = RedisServer::many(
        3,
        ServerOpts {
            password: Some("right".into()),
            ..ServerOpts::default()
        },
    );
    let (code, err) = create_fails(&addrs(&nodes));
    assert_eq!(code, Some(2));
    assert!(one_line(&err).contains("authentication required"), "{err}");
    let mut args = addrs(&nodes);
    args.extend(["-a".to_string(), "wrong".to_string()]);
    let (code, err) = create_fails(&args);
    assert_eq!(code, Some(2));
    assert!(
        one_line(&err).contains("wrong user name or password"),
        "{err}"
    );
    assert_untouched(&nodes);
}

#[test]
fn create_without_yes_and_without_terminal_changes_nothing() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(3);
    let out = rclust().arg("create").args(addrs(&nodes)).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stdin is not a terminal (use --yes)"), "{err}");
    assert_untouched(&nodes);
}

#[test]
fn create_dry_run_prints_plan_only() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(6);
    let out = rclust()
        .arg("create")
        .args(addrs(&nodes))
        .args(["--replicas", "1", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Plan: 3 masters, 3 replicas"), "{text}");
    assert!(text.contains("0-5461 (5462 slots)"), "{text}");
    let out = rclust()
        .arg("create")
        .args(addrs(&nodes))
        .args(["--replicas", "1", "--dry-run", "--json"])
        .output()
        .unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["masters"].as_array().unwrap().len(), 3);
    assert_eq!(plan["replicas"].as_array().unwrap().len(), 3);
    assert_eq!(plan["masters"][0]["slots"], serde_json::json!([[0, 5461]]));
    assert_untouched(&nodes);
}

#[test]
fn interrupted_create_restores_lowered_settings() {
    require_redis!();
    let nodes = RedisServer::many(
        6,
        ServerOpts {
            password: Some("pw".into()),
            ..ServerOpts::default()
        },
    );
    // Replicas cannot authenticate to their masters: the wait can never finish.
    for n in &nodes {
        let _: () = n.cmd(&["CONFIG", "SET", "masterauth", "wrong"]);
    }
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_rclust"))
        .arg("create")
        .args(addrs(&nodes))
        .args(["--replicas", "1", "--yes", "-a", "pw"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    crate::harness::wait_until(std::time::Duration::from_secs(20), "slots assigned", || {
        let info: String = nodes[0].cmd(&["CLUSTER", "INFO"]);
        info.contains("cluster_slots_assigned:16384")
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    // SAFETY: kill(2) on the pid of our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("interrupted while waiting for convergence"),
        "{err}"
    );
    for n in &nodes {
        let timeout: Vec<String> = n.cmd(&["CONFIG", "GET", "cluster-node-timeout"]);
        assert_eq!(timeout[1], "2000", "{}", n.addr());
        let delay: Vec<String> = n.cmd(&["CONFIG", "GET", "repl-diskless-sync-delay"]);
        assert_eq!(delay[1], "5", "{}", n.addr());
    }
}
