//! Unit tests of the core's client commands and single-message rules.

use super::*;

pub(crate) const T0: u64 = 1_700_000_000_000;

pub(crate) fn core(seed: u64) -> ClusterCore {
    ClusterCore::new(CoreConfig::new(7000, 17000, 1000), seed, T0)
}

fn run(c: &mut ClusterCore, args: &str) -> Result<ClusterReply, CmdError> {
    let argv: Vec<&[u8]> = args.split(' ').map(str::as_bytes).collect();
    crate::bus::cluster_command::run(c, T0, &argv, &commands::NoKeys)
}

fn err_text(c: &mut ClusterCore, args: &str) -> String {
    run(c, args).unwrap_err().0
}

#[test]
fn slot_commands_and_their_errors() {
    let mut c = core(1);
    assert_eq!(run(&mut c, "CLUSTER ADDSLOTS 0 1 2"), Ok(ClusterReply::Ok));
    assert_eq!(
        err_text(&mut c, "CLUSTER ADDSLOTS 5 2"),
        "ERR Slot 2 is already busy"
    );
    assert_eq!(
        err_text(&mut c, "CLUSTER ADDSLOTS 5 5"),
        "ERR Slot 5 specified multiple times"
    );
    assert_eq!(
        err_text(&mut c, "CLUSTER ADDSLOTS 16384"),
        "ERR Invalid or out of range slot"
    );
    assert_eq!(
        err_text(&mut c, "CLUSTER DELSLOTS 9"),
        "ERR Slot 9 is already unassigned"
    );
    assert_eq!(
        err_text(&mut c, "CLUSTER ADDSLOTSRANGE 10 5"),
        "ERR start slot number 10 is greater than end slot number 5"
    );
    assert_eq!(
        err_text(&mut c, "CLUSTER ADDSLOTSRANGE 10"),
        "ERR wrong number of arguments for 'cluster|addslotsrange' command"
    );
    assert_eq!(
        err_text(&mut c, "CLUSTER ADDSLOTSRANGE 10 20 30"),
        "ERR wrong number of arguments for 'cluster|addslotsrange' command"
    );
    assert_eq!(
        run(&mut c, "CLUSTER ADDSLOTSRANGE 10 20 30 40"),
        Ok(ClusterReply::Ok)
    );
    assert_eq!(c.me().slots.to_string(), "0-2,10-20,30-40");
    assert_eq!(
        run(&mut c, "CLUSTER DELSLOTSRANGE 10 20"),
        Ok(ClusterReply::Ok)
    );
    assert_eq!(c.slot_owner(30), Some(c.myself()));
    assert_eq!(c.slot_owner(10), None);
    assert_eq!(run(&mut c, "CLUSTER FLUSHSLOTS"), Ok(ClusterReply::Ok));
    assert!(c.me().slots.is_empty());
    assert_eq!(
        err_text(&mut c, "CLUSTER FOO"),
        "ERR unknown subcommand 'FOO'. Try CLUSTER HELP."
    );
}

#[test]
fn node_commands_errors() {
    let mut c = core(2);
    let x = "x".repeat(40);
    assert_eq!(
        err_text(&mut c, &format!("CLUSTER FORGET {x}")),
        format!("ERR Unknown node {x}")
    );
    let me = c.myself().to_string();
    assert_eq!(
        err_text(&mut c, &format!("CLUSTER FORGET {me}")),
        "ERR I tried hard but I can't forget myself..."
    );
    assert_eq!(
        err_text(&mut c, &format!("CLUSTER REPLICATE {me}")),
        "ERR Can't replicate myself"
    );
    assert_eq!(
        err_text(&mut c, &format!("CLUSTER SETSLOT 5 MIGRATING {x}")),
        "ERR I'm not the owner of hash slot 5"
    );
    assert_eq!(
        err_text(&mut c, &format!("CLUSTER SETSLOT 5 IMPORTING {x}")),
        format!("ERR I don't know about node {x}")
    );
    assert_eq!(
        err_text(&mut c, &format!("CLUSTER SETSLOT 5 NODE {x}")),
        format!("ERR Unknown node {x}")
    );
    assert_eq!(
        err_text(&mut c, "CLUSTER SETSLOT 5 BOGUS"),
        "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP"
    );
    assert_eq!(
        err_text(&mut c, "CLUSTER MEET nonsense 7000"),
        "ERR Invalid node address specified: nonsense:7000"
    );
    assert_eq!(
        err_text(&mut c, "CLUSTER MEET 127.0.0.1 x"),
        "ERR Invalid TCP base port specified: x"
    );
    assert_eq!(
        err_text(&mut c, "CLUSTER SET-CONFIG-EPOCH -1"),
        "ERR Invalid config epoch specified: -1"
    );
    assert_eq!(
        run(&mut c, "CLUSTER SET-CONFIG-EPOCH 7"),
        Ok(ClusterReply::Ok)
    );
    assert_eq!(
        err_text(&mut c, "CLUSTER SET-CONFIG-EPOCH 8"),
        "ERR Node config epoch is already non-zero"
    );
    assert_eq!(
        run(&mut c, "CLUSTER BUMPEPOCH"),
        Ok(ClusterReply::Status("STILL 7".into()))
    );
    assert_eq!(
        run(&mut c, "CLUSTER MEET 127.0.0.1 7001"),
        Ok(ClusterReply::Ok)
    );
    assert_eq!(
        err_text(&mut c, "CLUSTER SET-CONFIG-EPOCH 8"),
        "ERR The user can assign a config epoch only when the node does not know any other node."
    );
    // The handshake node is listed with its flags and no link yet.
    let text = c.nodes_text();
    assert!(
        text.contains(" 127.0.0.1:7001@17001 handshake - 0 0 0 disconnected\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{me} :7000@17000 myself,master - 0 0 7 connected\n"
        )),
        "{text}"
    );
}

#[test]
fn info_text_fields() {
    let mut c = core(3);
    run(&mut c, "CLUSTER ADDSLOTSRANGE 0 16383").unwrap();
    c.drain_effects();
    c.tick(T0 + 2500);
    let info = c.info_text();
    assert!(
        info.starts_with(
            "cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n"
        ),
        "{info}"
    );
    assert!(
        info.contains("cluster_known_nodes:1\r\ncluster_size:1\r\n"),
        "{info}"
    );
    assert!(info.ends_with("total_cluster_links_buffer_limit_exceeded:0\r\n"));
}

#[test]
fn links_freed_over_the_sendbuf_limit_are_counted() {
    let mut c = core(3);
    let link = c.accept_link(T0, "127.0.0.1", "127.0.0.1");
    c.link_over_sendbuf_limit(T0 + 1, link);
    // Once: the link is gone, a second report of it is not another freeing.
    c.link_over_sendbuf_limit(T0 + 2, link);
    let info = c.info_text();
    assert!(
        info.ends_with("total_cluster_links_buffer_limit_exceeded:1\r\n"),
        "{info}"
    );
}

#[test]
fn routes() {
    let mut c = core(4);
    run(&mut c, "CLUSTER ADDSLOTS 1").unwrap();
    assert_eq!(c.route(1), SlotRoute::Mine);
    assert_eq!(c.route(2), SlotRoute::Unassigned);
    let q = queries::RouteQuery {
        cluster_ok: true,
        keys: 1,
        ..Default::default()
    };
    assert_eq!(
        queries::decide_route(2, &c.route(2), q),
        Err("CLUSTERDOWN Hash slot not served".into())
    );
    let to = crate::model::Addr::new("10.0.0.1", 7001);
    let migrating = SlotRoute::MineMigrating { to };
    assert_eq!(queries::decide_route(1, &migrating, q), Ok(()));
    let missing = queries::RouteQuery {
        missing_keys: 1,
        ..q
    };
    assert_eq!(
        queries::decide_route(1, &migrating, missing),
        Err("ASK 1 10.0.0.1:7001".into())
    );
}

#[test]
fn nodes_conf_round_trip_keeps_identity() {
    let mut c = core(5);
    run(&mut c, "CLUSTER ADDSLOTSRANGE 0 99").unwrap();
    run(&mut c, "CLUSTER SET-CONFIG-EPOCH 3").unwrap();
    let text = c.nodes_conf_text();
    assert!(
        text.ends_with("vars currentEpoch 3 lastVoteEpoch 0\n"),
        "{text}"
    );
    let nodes = crate::model::parse_cluster_nodes(text.lines().next().unwrap()).unwrap();
    let back =
        ClusterCore::restore(CoreConfig::new(7000, 17000, 1000), 9, T0, &nodes, 3, 0).unwrap();
    assert_eq!(back.myself(), c.myself());
    assert_eq!(back.me().slots, c.me().slots);
    assert_eq!(back.me().config_epoch, 3);
    assert_eq!(back.current_epoch(), 3);
}

#[test]
fn stable_slots_are_mine_without_migration() {
    let mut c = core(6);
    run(&mut c, "CLUSTER ADDSLOTSRANGE 0 9").unwrap();
    run(&mut c, "CLUSTER MEET 127.0.0.1 7001").unwrap();
    assert_eq!(c.stable_slots(), crate::model::SlotSet::range(0, 9));
    for slot in c.stable_slots().iter() {
        assert_eq!(c.route(slot), SlotRoute::Mine);
    }
}

#[test]
fn restored_replica_asks_to_replicate_its_master() {
    let text = "\
aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 10.0.0.1:7000@17000 master - 0 0 1 connected 0-16383
bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb 10.0.0.2:7000@17000 myself,slave aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 0 0 1 connected
";
    let nodes = crate::model::parse_cluster_nodes(text).unwrap();
    let mut c =
        ClusterCore::restore(CoreConfig::new(7000, 17000, 1000), 1, T0, &nodes, 1, 0).unwrap();
    let effects = c.drain_effects();
    assert!(effects.contains(&Effect::ReplicateFrom(Some(("10.0.0.1".into(), 7000)))));
    assert_eq!(c.my_shard_id(), "a".repeat(40));
    assert!(c.info_text().contains("cluster_my_epoch:1\r\n"));
}

#[test]
fn pings_say_we_understand_extensions_even_without_any() {
    // Redis and Valkey send their ping extensions only to peers whose pings carry
    // EXT_DATA; a node with no hostname has none to send but must still ask for theirs.
    let mut c = core(3);
    run(&mut c, "CLUSTER MEET 127.0.0.1 7001").unwrap();
    c.drain_effects();
    c.tick(T0 + 100);
    let link = c
        .drain_effects()
        .into_iter()
        .find_map(|e| match e {
            Effect::Connect { link, .. } => Some(link),
            _ => None,
        })
        .expect("a connection to the met node");
    c.link_connected(T0 + 110, link, "127.0.0.1");
    let sent: Vec<Message> = c
        .drain_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Send { msg, .. } => Some(msg),
            _ => None,
        })
        .collect();
    let meet = sent
        .iter()
        .find(|m| matches!(m.body, Body::Meet(_)))
        .expect("a MEET");
    assert!(meet.body.ping().unwrap().extensions.is_empty());
    assert_eq!(
        meet.header.mflags[0] & crate::bus::codec::mflags::EXT_DATA,
        crate::bus::codec::mflags::EXT_DATA
    );
}
