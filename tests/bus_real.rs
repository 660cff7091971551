//! The cluster bus against real redis-server 7 processes on 127.0.0.1: our codec decodes
//! what redis-server sends, and in-process bus drivers join clusters with redis-servers.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use rclust::model::{parse_cluster_nodes, SlotSet};
use rclust::test_support::codec::{self, flags, Body, Header, Message, PingBody};
use rclust::test_support::driver::{self, ClusterHandle, DriverConfig};
use rclust::test_support::ClusterCommand;
use rclust::test_support::{CoreConfig, LogLevel, NoKeys};

use crate::harness::{self, wait_until, PortLease, RedisServer};
use crate::require_redis;

const NODE_TIMEOUT: u64 = 2000;

/// One in-process bus node on a leased port pair (the client port stays unbound: only the
/// bus runs here).
struct BusNode {
    handle: ClusterHandle,
    port: u16,
    /// The port lease and the directory of nodes.conf, kept across restarts.
    home: Option<(PortLease, tempfile::TempDir)>,
}

impl BusNode {
    fn start(rt: &tokio::runtime::Runtime) -> BusNode {
        Self::start_in(rt, harness::ports::lease(), tempfile::tempdir().unwrap())
    }

    /// Starts on a given port lease and directory (a restart reuses both).
    fn start_in(rt: &tokio::runtime::Runtime, lease: PortLease, dir: tempfile::TempDir) -> BusNode {
        let mut core = CoreConfig::new(lease.port, lease.port + 10000, NODE_TIMEOUT);
        // Only the bus runs here, no data is replicated: replicas fail over whatever
        // their data age.
        core.replica_validity_factor = 0;
        let cfg = DriverConfig {
            bind_ip: "127.0.0.1".into(),
            core,
            config_file: dir.path().join("nodes.conf"),
            seed: None,
            log_level: Some(LogLevel::Warning),
            link_sendbuf_limit: 0,
        };
        // The previous instance's listener may take a moment to go away.
        let mut started = None;
        wait_until(Duration::from_secs(5), "the bus driver to start", || {
            started = rt.block_on(driver::start(cfg.clone())).ok();
            started.is_some()
        });
        let (handle, _events) = started.unwrap();
        BusNode {
            handle,
            port: lease.port,
            home: Some((lease, dir)),
        }
    }

    /// Shuts the node down and starts it again from its nodes.conf.
    fn restart(mut self, rt: &tokio::runtime::Runtime) -> BusNode {
        let (lease, dir) = self.home.take().unwrap();
        drop(self);
        BusNode::start_in(rt, lease, dir)
    }

    fn cluster(&self, args: &str) -> String {
        let argv: Vec<&[u8]> = std::iter::once("CLUSTER")
            .chain(args.split(' '))
            .map(str::as_bytes)
            .collect();
        let ClusterCommand::Bus(cmd) = ClusterCommand::parse(&argv).unwrap() else {
            panic!("CLUSTER {args} is not a bus command");
        };
        format!("{:?}", self.handle.execute(cmd, &NoKeys).unwrap())
    }
}

impl Drop for BusNode {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Whether `text` (CLUSTER NODES) lists `id` as connected, out of handshake.
fn lists_connected(text: &str, id: &str) -> bool {
    parse_cluster_nodes(text)
        .map(|nodes| {
            nodes
                .iter()
                .any(|n| n.id == id && n.connected && !n.flags.handshake && !n.flags.pfail)
        })
        .unwrap_or(false)
}

#[test]
fn redis_server_answers_our_ping_with_a_pong_we_decode() {
    require_redis!();
    let redis = RedisServer::start(Default::default());
    let mut header = Header::new("0123456789abcdef0123456789abcdef01234567".parse().unwrap());
    header.port = 1;
    header.cport = 10001;
    header.flags = flags::MASTER | flags::MYSELF;
    let ping = codec::encode(&Message {
        header,
        body: Body::Ping(PingBody::default()),
    });
    // The bus port may start listening a moment after the client port.
    let mut sock = None;
    wait_until(Duration::from_secs(5), "the bus port to accept", || {
        sock = TcpStream::connect(("127.0.0.1", redis.port + 10000)).ok();
        sock.is_some()
    });
    let mut sock = sock.unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    sock.write_all(&ping).unwrap();
    let mut bytes = vec![0u8; 8];
    sock.read_exact(&mut bytes).unwrap();
    let len = codec::frame_len(&bytes).unwrap().unwrap();
    bytes.resize(len, 0);
    sock.read_exact(&mut bytes[8..]).unwrap();
    // Captured bytes: check a few raw fields, then the decoded message.
    assert_eq!(&bytes[0..4], b"RCmb");
    assert_eq!(&bytes[8..10], &[0, 1]);
    let pong = codec::decode(&bytes).unwrap();
    assert!(matches!(pong.body, Body::Pong(_)), "{:?}", pong.body);
    assert_eq!(pong.header.sender, redis.myid());
    assert_eq!(pong.header.port, redis.port);
    assert_eq!(pong.header.cport, redis.port + 10000);
    assert_eq!(pong.header.flags, flags::MASTER | flags::MYSELF);
    assert_eq!(pong.header.slaveof, None);
    assert!(pong.header.slots.is_empty());
    assert_eq!(pong.header.state, 1, "a new node's cluster state is fail");
    assert_eq!(
        len,
        codec::HEADER_LEN + codec::GOSSIP_LEN * pong.body.ping().unwrap().gossip.len()
    );
    // Our encoding of what we decoded is byte-identical.
    assert_eq!(codec::encode(&pong), bytes);
}

#[test]
fn meet_with_redis_server_and_share_slots() {
    require_redis!();
    let rt = runtime();
    let redis = RedisServer::start(Default::default());
    let ours = BusNode::start(&rt);
    let our_id = ours.handle.myid();
    let redis_id = redis.myid();
    let _: () = redis.cmd(&["CLUSTER", "MEET", "127.0.0.1", &ours.port.to_string()]);
    wait_until(
        Duration::from_secs(20),
        "both nodes to list each other",
        || {
            lists_connected(&redis.cluster_nodes_text(), &our_id)
                && lists_connected(&ours.handle.nodes_text(), &redis_id)
        },
    );
    let _: () = redis.cmd(&["CLUSTER", "ADDSLOTSRANGE", "0", "8000"]);
    ours.cluster("ADDSLOTSRANGE 8001 16383");
    wait_until(
        Duration::from_secs(20),
        "both to see every slot's owner",
        || {
            let theirs = parse_cluster_nodes(&redis.cluster_nodes_text()).unwrap();
            let mine_seen = theirs
                .iter()
                .any(|n| n.id == our_id && n.slots == SlotSet::range(8001, 16383));
            let redis_seen = ours.handle.with_core(|c| {
                c.node(&redis_id)
                    .is_some_and(|n| n.slots == SlotSet::range(0, 8000))
            });
            mine_seen && redis_seen
        },
    );
    wait_until(Duration::from_secs(20), "cluster_state:ok on both", || {
        let info: String = redis.cmd(&["CLUSTER", "INFO"]);
        info.contains("cluster_state:ok") && ours.handle.state_ok()
    });
}

#[test]
fn mixed_cluster_of_three_redis_servers_and_three_bus_nodes_reaches_ok() {
    require_redis!();
    let rt = runtime();
    let redis = RedisServer::cluster_nodes(3);
    let ours: Vec<BusNode> = (0..3).map(|_| BusNode::start(&rt)).collect();
    let ports: Vec<u16> = redis
        .iter()
        .map(|r| r.port)
        .chain(ours.iter().map(|o| o.port))
        .collect();
    for port in &ports[1..] {
        let _: () = redis[0].cmd(&["CLUSTER", "MEET", "127.0.0.1", &port.to_string()]);
    }
    let ids: Vec<String> = redis
        .iter()
        .map(|r| r.myid())
        .chain(ours.iter().map(|o| o.handle.myid()))
        .collect();
    let texts = || -> Vec<String> {
        redis
            .iter()
            .map(|r| r.cluster_nodes_text())
            .chain(ours.iter().map(|o| o.handle.nodes_text()))
            .collect()
    };
    wait_until(Duration::from_secs(60), "a full mesh of six", || {
        texts()
            .iter()
            .all(|t| ids.iter().all(|id| lists_connected(t, id)))
    });
    let share = 16384 / 6;
    for i in 0..6 {
        let start = (i * share).to_string();
        let end = if i == 5 { 16383 } else { (i + 1) * share - 1 }.to_string();
        if i < 3 {
            let _: () = redis[i].cmd(&["CLUSTER", "ADDSLOTSRANGE", &start, &end]);
        } else {
            ours[i - 3].cluster(&format!("ADDSLOTSRANGE {start} {end}"));
        }
    }
    let all_ok = || {
        redis.iter().all(|r| {
            let info: String = r.cmd(&["CLUSTER", "INFO"]);
            info.contains("cluster_state:ok")
        }) && ours.iter().all(|o| o.handle.state_ok())
    };
    let start = std::time::Instant::now();
    while !all_ok() {
        if start.elapsed() > Duration::from_secs(60) {
            let infos: Vec<String> = redis
                .iter()
                .map(|r| r.cmd::<String>(&["CLUSTER", "INFO"]))
                .chain(ours.iter().map(|o| o.handle.cluster_info_text()))
                .map(|i| i.lines().take(6).collect::<Vec<_>>().join(" "))
                .collect();
            panic!(
                "cluster_state:ok not reached on all six:\n{}\n{}",
                infos.join("\n"),
                texts().join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // All six agree on distinct config epochs after collision resolution.
    wait_until(Duration::from_secs(60), "distinct config epochs", || {
        let nodes = parse_cluster_nodes(&redis[0].cluster_nodes_text()).unwrap();
        let mut epochs: Vec<u64> = nodes.iter().map(|n| n.config_epoch).collect();
        epochs.sort();
        epochs.dedup();
        epochs.len() == 6
    });
}

#[test]
fn restarted_bus_node_keeps_identity_slots_and_epoch_and_rejoins() {
    require_redis!();
    let rt = runtime();
    let redis = RedisServer::start(Default::default());
    let ours = BusNode::start(&rt);
    let our_id = ours.handle.myid();
    ours.cluster("ADDSLOTSRANGE 100 200");
    ours.cluster("SET-CONFIG-EPOCH 5");
    let _: () = redis.cmd(&["CLUSTER", "MEET", "127.0.0.1", &ours.port.to_string()]);
    let redis_id = redis.myid();
    // Both sides must know each other before the restart: a node still in handshake is
    // not saved, and only a MEET makes a node add an unknown sender.
    wait_until(Duration::from_secs(20), "the MEET to complete", || {
        lists_connected(&redis.cluster_nodes_text(), &our_id)
            && lists_connected(&ours.handle.nodes_text(), &redis_id)
    });
    let ours = ours.restart(&rt);
    assert_eq!(ours.handle.myid(), our_id);
    ours.handle.with_core(|c| {
        let me = c.node(&our_id).unwrap();
        assert_eq!(me.slots, SlotSet::range(100, 200));
        assert_eq!(me.config_epoch, 5);
        assert!(c.current_epoch() >= 5);
    });
    wait_until(
        Duration::from_secs(20),
        "the restarted node to reconnect",
        || {
            lists_connected(&redis.cluster_nodes_text(), &our_id)
                && lists_connected(&ours.handle.nodes_text(), &redis_id)
        },
    );
}

#[test]
fn garbage_on_the_bus_port_drops_the_link() {
    let rt = runtime();
    let ours = BusNode::start(&rt);
    let mut sock = TcpStream::connect(("127.0.0.1", ours.port + 10000)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    sock.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let mut buf = [0u8; 16];
    let n = sock.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "the link should be closed");
    // The node is still fine.
    assert!(ours.handle.nodes_text().contains("myself,master"));
}

/// Meets everyone from `redis[0]`, then gives masters equal slot shares; returns ids.
fn form_cluster(redis: &[RedisServer], ours: &[BusNode], masters: &[Member]) {
    for port in redis
        .iter()
        .map(|r| r.port)
        .chain(ours.iter().map(|o| o.port))
        .skip(1)
    {
        let _: () = redis[0].cmd(&["CLUSTER", "MEET", "127.0.0.1", &port.to_string()]);
    }
    let ids: Vec<String> = redis
        .iter()
        .map(|r| r.myid())
        .chain(ours.iter().map(|o| o.handle.myid()))
        .collect();
    wait_until(Duration::from_secs(60), "a full mesh", || {
        redis
            .iter()
            .map(|r| r.cluster_nodes_text())
            .chain(ours.iter().map(|o| o.handle.nodes_text()))
            .all(|t| ids.iter().all(|id| lists_connected(&t, id)))
    });
    let share = 16384 / masters.len();
    for (i, m) in masters.iter().enumerate() {
        let start = (i * share).to_string();
        let end = if i + 1 == masters.len() {
            16383
        } else {
            (i + 1) * share - 1
        }
        .to_string();
        match m {
            Member::Redis(r) => {
                let _: () = redis[*r].cmd(&["CLUSTER", "ADDSLOTSRANGE", &start, &end]);
            }
            Member::Ours(o) => {
                ours[*o].cluster(&format!("ADDSLOTSRANGE {start} {end}"));
            }
        }
    }
}

enum Member {
    Redis(usize),
    Ours(usize),
}

fn redis_ok(r: &RedisServer) -> bool {
    let info: String = r.cmd(&["CLUSTER", "INFO"]);
    info.contains("cluster_state:ok")
}

#[test]
fn our_masters_vote_a_redis_replica_into_place() {
    require_redis!();
    let rt = runtime();
    let mut redis = RedisServer::cluster_nodes(2);
    let ours: Vec<BusNode> = (0..2).map(|_| BusNode::start(&rt)).collect();
    form_cluster(
        &redis,
        &ours,
        &[Member::Redis(0), Member::Ours(0), Member::Ours(1)],
    );
    let old_master = redis[0].myid();
    let _: () = redis[1].cmd(&["CLUSTER", "REPLICATE", &old_master]);
    wait_until(
        Duration::from_secs(30),
        "the replica to sync and the state to be ok",
        || {
            let info: String = redis[1].cmd(&["INFO", "replication"]);
            info.contains("master_link_status:up")
                && redis_ok(&redis[1])
                && ours.iter().all(|o| o.handle.state_ok())
        },
    );
    let replica = redis[1].myid();
    redis[0].kill();
    // Only our two masters can vote: the redis replica needs both votes.
    wait_until(
        Duration::from_secs(30),
        "the redis replica to be promoted",
        || {
            ours.iter().all(|o| {
                o.handle.with_core(|c| {
                    c.node(&replica)
                        .is_some_and(|n| n.is_master() && n.slots.contains(0))
                })
            }) && redis_ok(&redis[1])
                && ours.iter().all(|o| o.handle.state_ok())
        },
    );
}

#[test]
fn redis_masters_vote_our_replica_into_place() {
    require_redis!();
    let rt = runtime();
    let mut redis = RedisServer::cluster_nodes(2);
    let ours: Vec<BusNode> = (0..2).map(|_| BusNode::start(&rt)).collect();
    form_cluster(
        &redis,
        &ours,
        &[Member::Redis(0), Member::Redis(1), Member::Ours(0)],
    );
    let old_master = redis[0].myid();
    ours[1].cluster(&format!("REPLICATE {old_master}"));
    let replica = ours[1].handle.myid();
    wait_until(
        Duration::from_secs(30),
        "everyone to see the replica",
        || {
            parse_cluster_nodes(&redis[1].cluster_nodes_text())
                .unwrap()
                .iter()
                .any(|n| n.id == replica && n.master_id.as_deref() == Some(old_master.as_str()))
                && redis_ok(&redis[1])
                && ours[1].handle.state_ok()
        },
    );
    redis[0].kill();
    wait_until(
        Duration::from_secs(30),
        "our replica to be promoted",
        || {
            parse_cluster_nodes(&redis[1].cluster_nodes_text())
                .unwrap()
                .iter()
                .any(|n| n.id == replica && n.flags.master && n.slots.contains(0))
                && redis_ok(&redis[1])
                && ours.iter().all(|o| o.handle.state_ok())
        },
    );
}

#[test]
fn nodes_started_together_get_distinct_ids() {
    let rt = runtime();
    let nodes: Vec<BusNode> = (0..4).map(|_| BusNode::start(&rt)).collect();
    let mut ids: Vec<String> = nodes.iter().map(|n| n.handle.myid()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4);
}
