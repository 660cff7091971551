//! rclust over TLS against TLS-only redis-server nodes.

use crate::harness::tls::TestCerts;
use crate::harness::{assert_exit, rclust, RedisServer, ServerOpts};
use crate::require_redis;

#[test]
fn create_and_check_over_tls() {
    require_redis!();
    let certs = TestCerts::generate();
    let opts = ServerOpts {
        tls: Some(certs.clone()),
        ..ServerOpts::default()
    };
    let nodes = RedisServer::many(3, opts);
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr()).collect();
    let ca = certs.path("ca.crt");

    // Plain TCP to a TLS port fails cleanly, naming the node, and changes nothing.
    let out = rclust()
        .arg("create")
        .args(&addrs)
        .arg("--yes")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("rclust: ") && err.contains(&addrs[0]) && err.contains("use --tls"),
        "{err}"
    );

    let out = rclust()
        .arg("create")
        .args(&addrs)
        .arg("--yes")
        .arg("--cacert")
        .arg(&ca)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info: String = nodes[1].cmd(&["CLUSTER", "INFO"]);
    assert!(info.contains("cluster_state:ok"), "{info}");

    let out = rclust()
        .args(["check", &addrs[2], "--tls", "--insecure"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    // A bad CA path is a usage error before any connection.
    let out = rclust()
        .args(["check", &addrs[2], "--cacert", "/nonexistent/ca.pem"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot read --cacert /nonexistent/ca.pem")
    );
}
