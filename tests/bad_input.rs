//! Bad input for the CLI, as listed in the README's table: each case must fail with one
//! line on stderr naming the node and the cause, exit 2, and change nothing on any node.

use std::time::Duration;

use crate::harness::lab::{myself, view};
use crate::harness::{rclust, wait_until, Kind, Lab, RedisServer, ServerOpts};
use crate::{require_lab, require_redis};

const PW: &str = "pw";

/// What a command could change: every node's view (ids, addresses, roles, masters,
/// epochs, slots, open slots), its node timeout and its key count.
fn fingerprint(nodes: &[&RedisServer]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| {
            let mut lines: Vec<String> =
                rclust::model::parse_cluster_nodes(&n.cluster_nodes_text())
                    .unwrap()
                    .into_iter()
                    .map(|l| {
                        format!(
                            "{} {} {:?} {} {} {:?} {:?}",
                            l.id,
                            l.addr.addr(),
                            l.master_id,
                            l.config_epoch,
                            l.slots,
                            l.migrating,
                            l.importing
                        )
                    })
                    .collect();
            lines.sort();
            let timeout: Vec<String> = n.cmd(&["CONFIG", "GET", "cluster-node-timeout"]);
            let keys: i64 = n.cmd(&["DBSIZE"]);
            format!("{}\n{timeout:?} {keys}", lines.join("\n"))
        })
        .collect()
}

/// Runs rclust; asserts exit 2 and one line on stderr holding every one of `want`.
fn refused(args: &[&str], want: &[&str]) {
    let out = rclust().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "rclust {args:?}\n{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "rclust {args:?}: not one line:\n{err}");
    assert!(lines[0].starts_with("rclust: "), "{err}");
    for w in want {
        assert!(
            lines[0].contains(w),
            "rclust {args:?}: '{w}' missing from: {err}"
        );
    }
}

fn succeeds(args: &[&str]) {
    let out = rclust().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "rclust {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn acl_user(n: &RedisServer, name: &str, rules: &[&str]) {
    let mut args = vec!["ACL", "SETUSER", name, "on", "~*"];
    args.extend(rules);
    let _: () = n.cmd(&args);
}

#[test]
fn bad_input_is_refused_with_one_line_and_exit_2_and_changes_nothing() {
    require_redis!();
    let opts = ServerOpts {
        password: Some(PW.into()),
        ..ServerOpts::default()
    };
    // Six nodes of the cluster, a spare empty node, one that shares an id prefix with a
    // member (joined as an empty master), a node out of cluster mode, and a node of
    // another cluster.
    let nodes = RedisServer::many(8, opts.clone());
    let plain = RedisServer::start(ServerOpts {
        cluster: false,
        ..opts.clone()
    });
    let other = RedisServer::many(2, opts.clone());
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr()).collect();
    let mut create = vec!["create"];
    create.extend(addrs[..6].iter().map(String::as_str));
    create.extend(["--replicas", "1", "--yes", "-a", PW]);
    succeeds(&create);
    let seed = addrs[0].as_str();
    let ids: Vec<String> = nodes[..6].iter().map(|n| n.myid()).collect();
    // A hard reset gives a node a new random id: reset until it shares its first character
    // with a member, so that this character is an ambiguous prefix.
    let twin = &nodes[7];
    while !ids.iter().any(|id| id[..1] == twin.myid()[..1]) {
        let _: () = twin.cmd(&["CLUSTER", "RESET", "HARD"]);
    }
    let prefix = twin.myid()[..1].to_string();
    succeeds(&["add-node", &twin.addr(), seed, "--yes", "-a", PW]);
    let _: () = other[0].cmd(&["CLUSTER", "ADDSLOTSRANGE", "0", "99"]);
    let _: String = other[1].cmd(&["CLUSTER", "MEET", "127.0.0.1", &other[0].port.to_string()]);
    wait_until(Duration::from_secs(10), "the other cluster to meet", || {
        other[0].cluster_nodes_text().lines().count() == 2
    });
    let members: Vec<&RedisServer> = nodes.iter().filter(|n| n.port != nodes[6].port).collect();
    for n in members.iter().chain([&&nodes[6]]) {
        acl_user(n, "reader", &[">readerpw", "+@read"]);
        acl_user(
            n,
            "ops",
            &[
                ">opspw",
                "+@read",
                "+info",
                "+ping",
                "+cluster",
                "-cluster|setslot",
            ],
        );
    }
    rclust()
        .args(["check", seed, "--wait", "30", "-q", "-a", PW])
        .assert()
        .code(0);
    let masters: Vec<String> = members
        .iter()
        .filter(|n| myself(n).flags.master && !myself(n).slots.is_empty())
        .map(|n| n.addr())
        .collect();
    let (m0, m1) = (masters[0].clone(), masters[1].clone());
    let alias0 = m0.replace("127.0.0.1", "localhost");
    let before = fingerprint(&members);

    // Credentials and rights.
    refused(&["check", seed], &[seed, "authentication required"]);
    refused(
        &[
            "reshard", seed, "--from", "all", "--to", &m1, "--slots", "10", "--yes", "-a", "wrong",
        ],
        &[seed, "wrong user name or password"],
    );
    refused(
        &[
            "rebalance",
            seed,
            "--yes",
            "--user",
            "reader",
            "-a",
            "readerpw",
        ],
        &[seed, "NOPERM"],
    );
    refused(
        &[
            "reshard", seed, "--from", "all", "--to", &m1, "--slots", "10", "--yes", "--user",
            "ops", "-a", "opspw",
        ],
        &[
            "user 'ops' may not run CLUSTER SETSLOT",
            "nothing was changed",
        ],
    );
    // TLS spoken to a plain port (the other way round is in tls.rs).
    refused(
        &[
            "check",
            seed,
            "--tls",
            "--insecure",
            "--connect-timeout",
            "1000",
            "-a",
            PW,
        ],
        &[seed, "no answer to the TLS handshake"],
    );
    // Nodes that are not what the command needs.
    refused(
        &["check", &plain.addr(), "-a", PW],
        &[&plain.addr(), "not in cluster mode"],
    );
    refused(
        &["add-node", &plain.addr(), seed, "--yes", "-a", PW],
        &[&plain.addr(), "not in cluster mode"],
    );
    refused(
        &["add-node", &other[1].addr(), seed, "--yes", "-a", PW],
        &[&other[1].addr(), "belongs to a cluster"],
    );
    refused(
        &[
            "reshard",
            seed,
            "--from",
            "all",
            "--to",
            &other[0].addr(),
            "--slots",
            "10",
            "--yes",
            "-a",
            PW,
        ],
        &[&other[0].addr(), "unknown node"],
    );
    let dead = crate::harness::ports::lease();
    let dead = format!("127.0.0.1:{}", dead.port);
    refused(
        &[
            "reshard", &dead, "--from", "all", "--to", &m1, "--slots", "10", "--yes", "-a", PW,
        ],
        &[&dead, "connection refused"],
    );
    // Duplicates and aliases (create's are in create.rs).
    refused(
        &[
            "reshard",
            seed,
            "--from",
            &format!("{m0},{alias0}"),
            "--to",
            &m1,
            "--slots",
            "10",
            "--yes",
            "-a",
            PW,
        ],
        &[&m0, "twice"],
    );
    refused(
        &[
            "rebalance",
            seed,
            "--weight",
            &format!("{m0}=1"),
            "--weight",
            &format!("{alias0}=2"),
            "--yes",
            "-a",
            PW,
        ],
        &[&m0, "has a weight already"],
    );
    refused(
        &["add-node", &alias0, seed, "--yes", "-a", PW],
        &[&alias0, "belongs to a cluster"],
    );
    // Node ids.
    refused(
        &["del-node", seed, "ffffffffffff", "--yes", "-a", PW],
        &["unknown node 'ffffffffffff'"],
    );
    refused(
        &[
            "reshard", seed, "--from", "all", "--to", &prefix, "--slots", "10", "--yes", "-a", PW,
        ],
        &[&format!("ambiguous node id prefix '{prefix}'")],
    );
    refused(
        &[
            "add-node",
            &nodes[6].addr(),
            seed,
            "--replica",
            "--master-id",
            "0000000000",
            "--yes",
            "-a",
            PW,
        ],
        &["unknown node '0000000000'"],
    );
    // Weights and slot counts.
    for w in ["-1", "nan", "2000000", "x"] {
        refused(
            &[
                "rebalance",
                seed,
                "--weight",
                &format!("{m0}={w}"),
                "--yes",
                "-a",
                PW,
            ],
            &[&m0, "the weight must be a number from 0 to 1000000"],
        );
    }
    refused(
        &[
            "reshard", seed, "--from", "all", "--to", &m1, "--slots", "0", "--yes", "-a", PW,
        ],
        &["--slots must be at least 1"],
    );
    refused(
        &[
            "reshard", seed, "--from", "all", "--to", &m1, "--slots", "16385", "--yes", "-a", PW,
        ],
        &["cannot move 16385 slots"],
    );
    refused(
        &["rebalance", seed, "--threshold", "nan", "--yes", "-a", PW],
        &["invalid value 'nan' for '--threshold <PCT>'"],
    );

    assert_eq!(
        fingerprint(&members),
        before,
        "a refused command changed the cluster"
    );
    let spare: String = nodes[6].cluster_nodes_text();
    assert_eq!(spare.lines().count(), 1, "the spare node joined: {spare}");
}

/// A plan that would leave a master and all its replicas on one host, when the nodes span
/// several: refused by create and by add-node, on separate (network namespace) hosts.
#[test]
fn plans_that_put_a_master_and_its_replicas_on_one_host_are_refused() {
    require_lab!();
    require_redis!();
    let lab = Lab::new(2);
    let opts = ServerOpts::default();
    // Five nodes on host 0, one on host 1: three masters with a replica each cannot all
    // have theirs elsewhere.
    let nodes = lab.start(
        Kind::Redis,
        &opts,
        &[
            (0, 6379),
            (0, 6380),
            (0, 6381),
            (0, 6382),
            (0, 6383),
            (1, 6379),
        ],
    );
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr()).collect();
    let mut create = vec!["create"];
    create.extend(addrs.iter().map(String::as_str));
    create.extend(["--replicas", "1", "--yes"]);
    refused(
        &create,
        &[
            "and all its replicas would be on host",
            &lab.host(0).ip,
            "span 2 hosts",
        ],
    );
    for n in &nodes {
        assert_eq!(view(n).len(), 1, "{} changed", n.addr());
    }

    // Three masters (two on host 0); a new node on host 0 may not be the only replica of a
    // master on host 0.
    succeeds(&["create", &addrs[0], &addrs[1], &addrs[5], "--yes"]);
    let before: Vec<_> = [0, 1, 5].iter().map(|&i| view(&nodes[i]).len()).collect();
    refused(
        &[
            "add-node",
            &addrs[2],
            &addrs[5],
            "--replica",
            "--master-id",
            &addrs[0],
            "--yes",
        ],
        &[&addrs[2], "all its replicas would be on host"],
    );
    assert_eq!(view(&nodes[2]).len(), 1, "the new node joined");
    let after: Vec<_> = [0, 1, 5].iter().map(|&i| view(&nodes[i]).len()).collect();
    assert_eq!(before, after);
    // As the replica of the master on host 1 it is welcome.
    succeeds(&[
        "add-node",
        &addrs[2],
        &addrs[5],
        "--replica",
        "--master-id",
        &addrs[5],
        "--yes",
    ]);
}
