//! `rclust fix` against states built by hand with CLUSTER SETSLOT/DELSLOTS: every
//! combination of open slots, keys on a master that does not own their slot, and
//! uncovered slots; each time `check` must fail before and pass after, with every key kept.

use crate::harness::{key_in_slot, rclust, ClusterClient, RedisServer};
use crate::require_redis;
use crate::reshard::{cluster_with_empty, dbsize_total, slot_count, wait_healthy};

fn addrs(nodes: &[RedisServer]) -> Vec<String> {
    nodes.iter().map(|n| n.addr()).collect()
}

fn setslot(node: &RedisServer, slot: u16, args: &[&str]) {
    let s = slot.to_string();
    let mut all = vec!["CLUSTER", "SETSLOT", &s];
    all.extend_from_slice(args);
    let _: String = node.cmd(&all);
}

/// Writes a key straight into a node that imports its slot (as a client sent there by ASK).
fn write_asking(node: &RedisServer, key: &str, value: &str) {
    let mut c = node.client();
    redis::pipe()
        .cmd("ASKING")
        .ignore()
        .cmd("SET")
        .arg(key)
        .arg(value)
        .ignore()
        .query::<()>(&mut c)
        .unwrap();
}

fn check_code(node: &RedisServer) -> Option<i32> {
    rclust()
        .args(["check", &node.addr(), "-q"])
        .output()
        .unwrap()
        .status
        .code()
}

fn fix_ok(node: &RedisServer) -> String {
    let out = rclust()
        .args(["fix", &node.addr(), "--yes"])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "fix failed:\n{text}");
    text
}

#[test]
fn fix_repairs_every_open_slot_combination() {
    require_redis!();
    let nodes = cluster_with_empty(3, 0);
    let (a, b, c) = (&nodes[0], &nodes[1], &nodes[2]);
    let (ida, idb) = (a.myid(), b.myid());
    let mut client = ClusterClient::new(&addrs(&nodes));
    client.load("f:", 3000);
    // Keys in the slots we are about to break, owned by A (0-5460).
    let slots: [u16; 5] = [10, 20, 30, 40, 50];
    for (i, &s) in slots.iter().enumerate() {
        for n in 0..5 {
            client
                .set(&key_in_slot(s, n), &format!("v{i}-{n}"))
                .unwrap();
        }
    }
    // 10: migrating only (on the owner).
    setslot(a, 10, &["MIGRATING", &idb]);
    // 20: importing only, and the importer got a key through ASK.
    setslot(b, 20, &["IMPORTING", &ida]);
    write_asking(b, &key_in_slot(20, 9), "asked");
    // 30: migrating and importing, with keys on both sides.
    setslot(b, 30, &["IMPORTING", &ida]);
    setslot(a, 30, &["MIGRATING", &idb]);
    let moved: String = redis::cmd("MIGRATE")
        .arg("127.0.0.1")
        .arg(b.port)
        .arg("")
        .arg(0)
        .arg(5000)
        .arg("KEYS")
        .arg(key_in_slot(30, 0))
        .arg(key_in_slot(30, 1))
        .query(&mut a.client())
        .unwrap();
    assert_eq!(moved, "OK");
    // 40: several importers (B and C), C holding a key.
    setslot(b, 40, &["IMPORTING", &ida]);
    setslot(c, 40, &["IMPORTING", &ida]);
    write_asking(c, &key_in_slot(40, 9), "asked-c");
    // 50: a key on a master that does not own the slot, nothing open any more.
    setslot(c, 50, &["IMPORTING", &ida]);
    write_asking(c, &key_in_slot(50, 9), "stray");
    setslot(c, 50, &["STABLE"]);

    assert_eq!(check_code(a), Some(1));
    // A dry run shows the plan and changes nothing.
    let out = rclust()
        .args(["fix", &a.addr(), "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains("Plan: repair 5 slot(s)"), "{plan}");
    assert_eq!(check_code(a), Some(1));

    fix_ok(c);
    assert_eq!(check_code(b), Some(0));
    client.refresh();
    client.verify("f:", 3000);
    for (i, &s) in slots.iter().enumerate() {
        for n in 0..5 {
            let key = key_in_slot(s, n);
            assert_eq!(
                client.get(&key).unwrap(),
                Some(format!("v{i}-{n}")),
                "{key}"
            );
        }
    }
    assert_eq!(
        client.get(&key_in_slot(20, 9)).unwrap().as_deref(),
        Some("asked")
    );
    assert_eq!(
        client.get(&key_in_slot(40, 9)).unwrap().as_deref(),
        Some("asked-c")
    );
    assert_eq!(
        client.get(&key_in_slot(50, 9)).unwrap().as_deref(),
        Some("stray")
    );
    // Slot 30 finished its move to B; the others stayed with A.
    let owner_of = |slot: u16| -> String {
        let key = key_in_slot(slot, 0);
        let reply: redis::RedisResult<String> = redis::cmd("GET").arg(&key).query(&mut a.client());
        match reply {
            Ok(_) => a.addr(),
            Err(e) => e.redirect_node().map(|(n, _)| n.to_string()).unwrap(),
        }
    };
    assert_eq!(owner_of(30), b.addr());
    for s in [10, 20, 40, 50] {
        assert_eq!(owner_of(s), a.addr(), "slot {s}");
    }
    assert_eq!(dbsize_total(&nodes), 3000 + 25 + 3);
    // Nothing left: a second run is a no-op.
    let text = fix_ok(a);
    assert!(text.contains("Nothing to fix"), "{text}");
}

#[test]
fn fix_gives_uncovered_slots_to_their_key_holder_and_spreads_the_rest() {
    require_redis!();
    let nodes = cluster_with_empty(3, 0);
    let mut client = ClusterClient::new(&addrs(&nodes));
    client.load("u:", 2000);
    // Slot 100 has keys on A; 100-399 become uncovered everywhere.
    for n in 0..3 {
        client.set(&key_in_slot(100, n), "kept").unwrap();
    }
    let keyed = (100..400)
        .filter(|s| nodes[0].cmd::<u64>(&["CLUSTER", "COUNTKEYSINSLOT", &s.to_string()]) > 0)
        .count();
    for node in &nodes {
        let _: String = node.cmd(&["CLUSTER", "DELSLOTSRANGE", "100", "399"]);
    }
    assert_eq!(check_code(&nodes[1]), Some(1));
    let before: Vec<usize> = nodes.iter().map(slot_count).collect();
    fix_ok(&nodes[1]);
    wait_healthy(&nodes[2]);
    let gained: Vec<usize> = nodes
        .iter()
        .zip(&before)
        .map(|(n, b)| slot_count(n) - b)
        .collect();
    assert_eq!(gained.iter().sum::<usize>(), 300);
    // Slots with keys go back to A; the keyless ones are spread evenly, not all to one node.
    let share = (300 - keyed) / 3;
    assert!(gained[0] >= keyed + share, "{gained:?} keyed {keyed}");
    for g in &gained[1..] {
        assert!((share..=share + 1).contains(g), "{gained:?} keyed {keyed}");
    }
    client.refresh();
    client.verify("u:", 2000);
    for n in 0..3 {
        assert_eq!(
            client.get(&key_in_slot(100, n)).unwrap().as_deref(),
            Some("kept")
        );
    }
    assert_eq!(dbsize_total(&nodes), 2003);
}
