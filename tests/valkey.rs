//! The CLI against Valkey 9 (`valkey-server`): the same create and check as on redis-server,
//! verified with an independent client.

use crate::create::create_cluster_of;
use crate::harness::{assert_exit, rclust, ValkeyServer};
use crate::require_valkey;

#[test]
fn create_and_check_on_valkey() {
    require_valkey!();
    let nodes = ValkeyServer::cluster_nodes(6);
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr()).collect();
    create_cluster_of(&addrs, 1);
    for n in &nodes {
        let info: String = n.cmd(&["CLUSTER", "INFO"]);
        assert!(info.contains("cluster_state:ok"), "{}: {info}", n.addr());
        assert!(
            info.contains("cluster_known_nodes:6"),
            "{}: {info}",
            n.addr()
        );
    }
    let version: String = nodes[0].cmd(&["INFO", "server"]);
    assert!(version.contains("valkey_version:9."), "{version}");
    let out = rclust().args(["check", &addrs[0]]).output().unwrap();
    assert_exit(&out, 0);
}
