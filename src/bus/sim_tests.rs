//! Scenarios in the simulated network: convergence, slots, epochs, failure detection,
//! UPDATE messages, migration bookkeeping and FORGET.

use super::*;
use crate::bus::core::SlotRoute;
use crate::model::SLOT_COUNT;

const NT: u64 = 1000;

fn meshed(n: usize, seed: u64) -> Sim {
    let mut sim = Sim::new(n, seed, NT);
    sim.meet_star();
    assert!(
        sim.run_until(30_000, Sim::full_mesh),
        "{n} nodes did not converge to a full mesh:\n{}",
        sim.core(0).nodes_text()
    );
    sim
}

/// Gives each node an equal share of the slots.
fn spread_slots(sim: &mut Sim) {
    let n = sim.len() as u32;
    for i in 0..sim.len() {
        let start = (i as u32 * SLOT_COUNT as u32 / n) as u16;
        let end = ((i as u32 + 1) * SLOT_COUNT as u32 / n - 1) as u16;
        sim.cmd(i, &format!("ADDSLOTSRANGE {start} {end}")).unwrap();
    }
}

fn all_agree_on_slots(sim: &Sim) -> bool {
    let live: Vec<usize> = (0..sim.len()).filter(|&i| sim.alive(i)).collect();
    (0..SLOT_COUNT)
        .step_by(97)
        .chain([SLOT_COUNT - 1])
        .all(|slot| {
            let first = sim.core(live[0]).slot_owner(slot).map(str::to_string);
            first.is_some()
                && live
                    .iter()
                    .all(|&i| sim.core(i).slot_owner(slot).map(str::to_string) == first)
        })
}

fn all_ok(sim: &Sim) -> bool {
    (0..sim.len())
        .filter(|&i| sim.alive(i))
        .all(|i| sim.core(i).state_ok())
}

#[test]
fn star_of_meets_converges_to_full_mesh_for_3_to_10_nodes() {
    for n in 3..=10 {
        let sim = meshed(n, n as u64);
        for i in 0..n {
            assert_eq!(sim.core(i).cluster_nodes().len(), n);
        }
    }
}

#[test]
fn slot_assignments_spread_and_state_turns_ok() {
    let mut sim = meshed(6, 42);
    spread_slots(&mut sim);
    assert!(sim.run_until(20_000, |s| all_agree_on_slots(s) && all_ok(s)));
    let info = sim.core(3).info_text();
    assert!(info.contains("cluster_state:ok\r\n"), "{info}");
    assert!(info.contains("cluster_slots_assigned:16384\r\n"), "{info}");
    assert!(info.contains("cluster_size:6\r\n"), "{info}");
    // Routing from another node's point of view.
    let owner_addr = Sim::ip(0);
    match sim.core(5).route(0) {
        SlotRoute::Moved(o) => assert_eq!(o.addr.to_string(), format!("{owner_addr}:7000")),
        other => panic!("unexpected route {other:?}"),
    }
}

#[test]
fn epoch_collisions_resolve_to_distinct_epochs() {
    let mut sim = meshed(5, 7);
    spread_slots(&mut sim);
    let distinct = |s: &Sim| {
        let epochs: BTreeSet<u64> = (0..s.len())
            .map(|i| s.core(i).node(&s.name(i)).unwrap().config_epoch)
            .collect();
        epochs.len() == s.len()
    };
    assert!(sim.run_until(30_000, distinct), "epochs stayed equal");
    // Everyone adopts the greatest current epoch.
    assert!(sim.run_until(10_000, |s| {
        let e = s.core(0).current_epoch();
        (0..s.len()).all(|i| s.core(i).current_epoch() == e)
    }));
}

#[test]
fn dead_master_goes_pfail_then_fail_by_majority_and_fail_clears_on_return() {
    let mut sim = meshed(5, 11);
    spread_slots(&mut sim);
    assert!(sim.run_until(20_000, |s| all_agree_on_slots(s) && all_ok(s)));
    sim.kill(2);
    let others = [0usize, 1, 3, 4];
    assert!(
        sim.run_until(15_000, |s| others.iter().all(|&i| s.sees_fail(i, 2))),
        "FAIL not reached:\n{}",
        sim.core(0).nodes_text()
    );
    assert!(sim.run_until(2_000, |s| others.iter().all(|&i| !s.core(i).state_ok())));
    assert!(sim
        .core(0)
        .info_text()
        .contains("cluster_slots_fail:3277\r\n"));
    // Back with the same identity: nobody took its slots, so FAIL clears after
    // 2 * node_timeout and the cluster is ok again.
    sim.restart(2);
    assert!(
        sim.run_until(20_000, |s| (0..5).all(|i| !s.sees_fail(i, 2)) && all_ok(s)),
        "FAIL not cleared:\n{}",
        sim.core(0).nodes_text()
    );
}

#[test]
fn minority_cannot_fail_a_node() {
    let mut sim = meshed(5, 12);
    spread_slots(&mut sim);
    assert!(sim.run_until(20_000, all_ok));
    // Node 0 alone loses node 1: PFAIL on 0, but no majority reports.
    sim.cut(0, 1);
    sim.run(10_000);
    let name1 = sim.name(1);
    let n1 = sim.core(0).node(&name1).unwrap().clone();
    assert!(n1.timed_out() && !n1.failed(), "flags {}", n1.flags);
    assert!((2..5).all(|i| !sim.sees_fail(i, 1)));
    sim.heal();
    assert!(sim.run_until(10_000, |s| !s.core(0).node(&name1).unwrap().timed_out()));
}

#[test]
fn update_message_fixes_a_stale_owner_after_migration() {
    let mut sim = meshed(4, 21);
    spread_slots(&mut sim);
    assert!(sim.run_until(20_000, |s| all_agree_on_slots(s) && all_ok(s)));
    let (a, b) = (sim.name(0), sim.name(1));
    // Node 0 is isolated while slot 0 moves to node 1 (the migration bookkeeping that
    // redis-cli does, minus the keys).
    sim.isolate(0);
    sim.cmd(1, &format!("SETSLOT 0 IMPORTING {a}")).unwrap();
    assert!(sim.core(1).nodes_text().contains(&format!("[0-<-{a}]")));
    sim.cmd(1, &format!("SETSLOT 0 NODE {b}")).unwrap();
    assert_eq!(sim.core(1).importing_from(0), None);
    assert!(sim.run_until(10_000, |s| (1..4)
        .all(|i| s.core(i).slot_owner(0) == Some(&b))));
    assert_eq!(sim.core(0).slot_owner(0), Some(a.as_str()));
    let b_epoch = sim.core(2).node(&b).unwrap().config_epoch;
    assert!(b_epoch > sim.core(2).node(&a).unwrap().config_epoch);
    // Node 0 returns still claiming slot 0: it learns the new owner.
    sim.heal();
    assert!(sim.run_until(15_000, |s| s.core(0).slot_owner(0) == Some(&b)));
    assert!(sim.run_until(10_000, all_agree_on_slots));
}

#[test]
fn update_message_is_sent_for_stale_claims() {
    let mut sim = meshed(3, 22);
    spread_slots(&mut sim);
    assert!(sim.run_until(20_000, |s| all_agree_on_slots(s) && all_ok(s)));
    let a = sim.name(0);
    // Nodes 0 and 1 cannot talk: node 1 learns of the new owner of slot 0 only from node 2,
    // which must send node 0 an UPDATE when node 0 claims it with an older epoch.
    sim.cut(0, 1);
    sim.isolate(0);
    sim.cmd(1, &format!("SETSLOT 0 IMPORTING {a}")).unwrap();
    let b = sim.name(1);
    sim.cmd(1, &format!("SETSLOT 0 NODE {b}")).unwrap();
    assert!(sim.run_until(5_000, |s| s.core(2).slot_owner(0) == Some(&b)));
    sim.heal();
    sim.cut(0, 1);
    let before = sim.core(0).messages_received(codec::types::UPDATE);
    assert!(sim.run_until(15_000, |s| s.core(0).slot_owner(0) == Some(&b)));
    assert!(sim.core(0).messages_received(codec::types::UPDATE) > before);
}

#[test]
fn setslot_migrating_and_stable_bookkeeping() {
    let mut sim = meshed(3, 31);
    spread_slots(&mut sim);
    assert!(sim.run_until(20_000, all_agree_on_slots));
    let b = sim.name(1);
    sim.cmd(0, &format!("SETSLOT 5 MIGRATING {b}")).unwrap();
    let me = sim.name(0);
    assert!(sim.core(0).nodes_text().contains(&format!("{me} ")));
    assert!(sim.core(0).nodes_text().contains(&format!("[5->-{b}]")));
    match sim.core(0).route(5) {
        SlotRoute::MineMigrating { to } => assert_eq!(to.to_string(), "10.0.0.2:7000"),
        other => panic!("{other:?}"),
    }
    sim.cmd(0, "SETSLOT 5 STABLE").unwrap();
    assert_eq!(sim.core(0).route(5), SlotRoute::Mine);
    assert_eq!(
        sim.cmd(1, &format!("SETSLOT 5 MIGRATING {b}"))
            .unwrap_err()
            .0,
        "ERR I'm not the owner of hash slot 5"
    );
}

#[test]
fn forgotten_node_stays_forgotten() {
    let mut sim = meshed(4, 41);
    let gone = sim.name(3);
    sim.kill(3);
    for i in 0..3 {
        sim.cmd(i, &format!("FORGET {gone}")).unwrap();
    }
    sim.run(20_000);
    for i in 0..3 {
        assert!(sim.core(i).node(&gone).is_none());
        assert_eq!(sim.core(i).cluster_nodes().len(), 3);
    }
}

#[test]
fn converges_despite_broken_connections() {
    let mut sim = meshed(6, 51);
    sim.set_drop_rate(0.05);
    spread_slots(&mut sim);
    assert!(sim.run_until(60_000, |s| all_agree_on_slots(s) && all_ok(s)));
    sim.run(10_000);
    assert!((0..6).all(|i| (0..6).all(|j| !sim.sees_fail(i, j))));
    sim.set_drop_rate(0.0);
    assert!(sim.run_until(10_000, Sim::full_mesh));
}

#[test]
fn restart_keeps_identity_slots_and_epochs() {
    let mut sim = meshed(3, 61);
    spread_slots(&mut sim);
    assert!(sim.run_until(20_000, |s| all_agree_on_slots(s) && all_ok(s)));
    let name = sim.name(1);
    let slots = sim.core(1).node(&name).unwrap().slots.clone();
    let epoch = sim.core(1).node(&name).unwrap().config_epoch;
    sim.kill(1);
    sim.restart(1);
    assert_eq!(sim.name(1), name);
    assert_eq!(sim.core(1).node(&name).unwrap().slots, slots);
    assert_eq!(sim.core(1).node(&name).unwrap().config_epoch, epoch);
    assert!(sim.run_until(20_000, |s| s.full_mesh() && all_ok(s)));
}

#[test]
fn replicate_propagates_the_role() {
    let mut sim = meshed(4, 71);
    // Three masters share the slots; node 3 replicates node 0.
    for (i, range) in ["0 5460", "5461 10922", "10923 16383"].iter().enumerate() {
        sim.cmd(i, &format!("ADDSLOTSRANGE {range}")).unwrap();
    }
    let m = sim.name(0);
    sim.cmd(3, &format!("REPLICATE {m}")).unwrap();
    let r = sim.name(3);
    assert!(sim.run_until(10_000, |s| (0..3).all(|i| {
        s.core(i)
            .node(&r)
            .is_some_and(|n| n.is_replica() && n.slaveof.as_deref() == Some(m.as_str()))
    })));
    let lines = sim.core(1).replicas_lines(&m).unwrap();
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with(&format!("{r} 10.0.0.4:7000@17000 slave {m} ")));
    assert_eq!(
        sim.cmd(1, &format!("REPLICAS {r}")).unwrap_err().0,
        "ERR The specified node is not a master"
    );
}

#[test]
fn handshake_with_nobody_times_out() {
    let mut sim = Sim::new(2, 81, NT);
    // 10.0.0.9 is not a node: the connection fails and the handshake node is dropped
    // after max(node_timeout, 1000) ms.
    sim.cmd(0, "MEET 10.0.0.9 7000").unwrap();
    assert!(sim.core(0).nodes_text().contains("handshake"));
    // A second MEET while the first is in progress is accepted and changes nothing.
    sim.cmd(0, "MEET 10.0.0.9 7000").unwrap();
    assert_eq!(sim.core(0).cluster_nodes().len(), 2);
    sim.run(1500);
    assert_eq!(sim.core(0).cluster_nodes().len(), 1);
}

#[test]
fn meeting_a_known_node_again_adds_no_duplicate() {
    let mut sim = meshed(3, 82);
    sim.cmd(2, "MEET 10.0.0.1 7000").unwrap();
    sim.cmd(1, "MEET 10.0.0.3 7000").unwrap();
    sim.run(3000);
    assert!(sim.full_mesh());
    for i in 0..3 {
        assert_eq!(
            sim.core(i).cluster_nodes().len(),
            3,
            "{}",
            sim.core(i).nodes_text()
        );
    }
}

#[test]
fn reset_hard_takes_a_new_identity_and_forgets_everything() {
    let mut sim = meshed(3, 83);
    spread_slots(&mut sim);
    sim.run(2000);
    let old = sim.name(2);
    sim.cmd(2, "FLUSHSLOTS").unwrap();
    sim.cmd(2, "RESET HARD").unwrap();
    assert_ne!(sim.name(2), old);
    let nodes = sim.core(2).cluster_nodes();
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0].config_epoch, 0);
    assert_eq!(sim.core(2).current_epoch(), 0);
}

#[test]
fn reset_replica_becomes_an_empty_master() {
    let mut sim = meshed(2, 85);
    sim.cmd(0, "ADDSLOTSRANGE 0 16383").unwrap();
    let m = sim.name(0);
    sim.cmd(1, &format!("REPLICATE {m}")).unwrap();
    sim.run(1000);
    sim.cmd(1, "RESET HARD").unwrap();
    let me = sim.core(1).myself().to_string();
    assert!(sim.core(1).node(&me).is_some_and(|n| !n.is_replica()));
    assert_eq!(sim.deleted_slots[1], 16384, "its master's keys are dropped");
}

#[test]
fn a_slot_given_away_drops_its_shard_channels_in_the_shard() {
    let mut sim = meshed(3, 86);
    sim.cmd(0, "ADDSLOTSRANGE 0 16383").unwrap();
    let (m, other) = (sim.name(0), sim.name(2));
    sim.cmd(1, &format!("REPLICATE {m}")).unwrap();
    sim.run(2000);
    sim.cmd(0, &format!("SETSLOT 7 NODE {other}")).unwrap();
    assert_eq!(sim.channels_left[0], vec![7]);
    assert!(sim.channels_left[2].is_empty(), "not its shard");
}

#[test]
fn count_failure_reports_sees_reports_from_masters() {
    let mut sim = meshed(5, 84);
    spread_slots(&mut sim);
    assert!(sim.run_until(20_000, all_ok));
    let dead = sim.name(4);
    sim.kill(4);
    assert!(sim.run_until(10_000, |s| {
        s.core(0)
            .node(&dead)
            .is_some_and(|n| n.failed() || !n.fail_reports.is_empty())
    }));
    let reply = sim
        .cmd(0, &format!("COUNT-FAILURE-REPORTS {dead}"))
        .unwrap();
    assert!(matches!(reply, ClusterReply::Int(n) if n >= 0));
}

#[test]
fn publish_reaches_every_node_and_spublish_only_the_shard() {
    let mut sim = meshed(4, 91);
    let m = sim.name(0);
    sim.cmd(1, &format!("REPLICATE {m}")).unwrap();
    sim.run(2000);
    let before: Vec<u64> = (0..4)
        .map(|i| sim.core(i).messages_received(codec::types::PUBLISH))
        .collect();
    sim.publish(0, b"news", b"hello", false);
    sim.run(100);
    for (i, b) in before.iter().enumerate().skip(1) {
        assert_eq!(sim.core(i).messages_received(codec::types::PUBLISH), b + 1);
    }
    sim.publish(0, b"news", b"shard", true);
    sim.run(100);
    let shard = codec::types::PUBLISHSHARD;
    assert_eq!(sim.core(1).messages_received(shard), 1);
    assert_eq!(sim.core(2).messages_received(shard), 0);
    assert_eq!(sim.core(3).messages_received(shard), 0);
}

#[test]
fn thirty_masters_converge_and_detect_a_failure() {
    let mut sim = meshed(30, 92);
    spread_slots(&mut sim);
    assert!(sim.run_until(30_000, |s| all_agree_on_slots(s) && all_ok(s)));
    sim.kill(17);
    assert!(
        sim.run_until(20_000, |s| (0..30)
            .filter(|&i| i != 17)
            .all(|i| s.sees_fail(i, 17))),
        "FAIL did not spread"
    );
}

#[test]
fn a_settled_cluster_does_not_rewrite_nodes_conf() {
    let mut sim = meshed(5, 93);
    spread_slots(&mut sim);
    assert!(sim.run_until(30_000, |s| all_agree_on_slots(s) && all_ok(s)));
    sim.run(10_000);
    let before = sim.saves;
    sim.run(20_000);
    assert_eq!(
        sim.saves, before,
        "nodes.conf rewritten while nothing changed"
    );
}
