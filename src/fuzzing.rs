//! The checks the cargo-fuzz targets in `fuzz/` run, one per parser of untrusted input.
//! Each takes arbitrary bytes and must never panic; what parses must also survive its own
//! round trip. They live in the crate (compiled for its tests and under `cfg(fuzzing)`,
//! which cargo-fuzz sets) so that they reach the CLI's crate-private parsers, and so that
//! the unit tests below run them on the seed corpus and mutations of it as a smoke test
//! on every `cargo test`, without libFuzzer.

use bytes::{Bytes, BytesMut};

use crate::admin::exec::atomic::{parse_ranges, parse_version};
use crate::admin::exec::converge::Probe;
use crate::admin::snapshot::{NodeReport, Snapshot};
use crate::admin::{health, plan};
use crate::bus::codec::{decode, encode, FrameReader, HEADER_LEN};
use crate::bus::core::{ClusterCore, CoreConfig};
use crate::bus::nodes_conf;
use crate::model::replies::{all_keys, parse_info};
use crate::model::{parse_cluster_nodes, Addr, ClusterNode};
use crate::node::config::NodeConfig;
use crate::node::keyspace::Value;
use crate::node::rdb;
use crate::node::resp::{parse_frame, parse_request, Frame, RequestLimits};

/// Both RESP parsers: the reply parser (`parse_frame`) and the server's request parser.
/// A parsed frame must re-encode and parse back to itself; a request parse must consume
/// only what it returned.
pub fn resp_parser(data: &[u8]) {
    let input = Bytes::copy_from_slice(data);
    if let Ok((frame, used)) = parse_frame(&input) {
        assert!(used <= data.len());
        if resp_round_trips(&frame) {
            let again = frame.to_bytes(true);
            let (back, n) = parse_frame(&again).expect("encoded frame parses");
            assert_eq!(n, again.len());
            assert_eq!(back, frame);
        }
    }
    let mut buf = BytesMut::from(data);
    let limits = RequestLimits {
        max_bulk: 1 << 20,
        max_args: 1 << 16,
    };
    for _ in 0..64 {
        match parse_request(&mut buf, &limits) {
            Ok(Some(args)) => assert!(!args.is_empty()),
            Ok(None) | Err(_) => break,
        }
    }
}

/// Frames whose RESP3 encoding reads back as the same frame: not doubles (NaN, %.17g),
/// not `*-1` (RESP3 writes every null as `_`), not simple strings or errors holding a CR
/// or LF (the writer turns them into spaces, and writes blob errors as simple errors).
fn resp_round_trips(f: &Frame) -> bool {
    match f {
        Frame::Double(_) | Frame::NullArray => false,
        Frame::Error(e) | Frame::Simple(e) => memchr::memchr2(b'\r', b'\n', e).is_none(),
        Frame::Array(v) | Frame::Set(v) => v.iter().all(resp_round_trips),
        Frame::Map(p) => p
            .iter()
            .all(|(k, v)| resp_round_trips(k) && resp_round_trips(v)),
        _ => true,
    }
}

/// The cluster bus frame reader and message decoder. Whatever decodes must re-encode to
/// a frame that decodes to the same message. A second pass puts the bytes behind a valid
/// signature, length and version, with a fuzzed type and counts, so that the fuzzer
/// reaches the message bodies quickly.
pub fn bus_decoder(data: &[u8]) {
    let mut reader = FrameReader::new();
    let split = data.len() / 2;
    reader.extend(&data[..split]);
    let _ = reader.next_frame();
    reader.extend(&data[split..]);
    while let Ok(Some(frame)) = reader.next_frame() {
        bus_round_trip(&frame);
    }
    bus_round_trip(data);

    if data.len() >= 6 {
        let mut frame = vec![0u8; HEADER_LEN];
        frame[..4].copy_from_slice(b"RCmb");
        frame[8..10].copy_from_slice(&[0, 1]);
        frame[12..14].copy_from_slice(&[0, data[0] % 12]);
        frame[14..16].copy_from_slice(&[0, data[1] % 4]);
        frame[2214..2216].copy_from_slice(&[0, data[2] % 4]);
        frame[2253] = data[3];
        frame[40..80].fill(b'a');
        frame.extend_from_slice(&data[4..]);
        let len = frame.len() as u32;
        frame[4..8].copy_from_slice(&len.to_be_bytes());
        bus_round_trip(&frame);
    }
}

fn bus_round_trip(frame: &[u8]) {
    if let Ok(msg) = decode(frame) {
        let again = decode(&encode(&msg)).expect("re-encoded message decodes");
        assert_eq!(again.body, msg.body);
    }
}

/// The RDB reader, as DUMP/RESTORE payloads and as whole RDB files (backups, a master's
/// full resync). The bytes are tried as they are and also behind a valid DUMP footer
/// (version and CRC-64) and an RDB header, which the fuzzer would rarely forge itself.
/// A value read must be one the keyspace can hold (no empty collection, no NaN score)
/// and must dump and read back to the same value.
pub fn rdb_reader(data: &[u8]) {
    dump_round_trip(data);
    let mut payload = data.to_vec();
    payload.extend_from_slice(&rdb::RDB_VERSION.to_le_bytes());
    let crc = rdb::crc64::crc64(0, &payload);
    payload.extend_from_slice(&crc.to_le_bytes());
    dump_round_trip(&payload);

    let _ = rdb::read_file(data, |e| value_round_trip(&e.value));
    let mut file = b"REDIS0011".to_vec();
    file.extend_from_slice(data);
    let _ = rdb::read_file(&file, |e| value_round_trip(&e.value));
}

fn dump_round_trip(payload: &[u8]) {
    if let Ok(value) = rdb::undump(payload) {
        value_round_trip(&value);
    }
}

fn value_round_trip(value: &Value) {
    let holdable = match value {
        Value::Inline(..) | Value::Str(_) => true,
        Value::List(l) => !l.is_empty(),
        Value::Set(s) => !s.is_empty(),
        Value::Hash(h) => !h.is_empty(),
        Value::ZSet(z) => !z.is_empty() && z.by_score.iter().all(|(s, _)| !s.0.is_nan()),
        // An empty stream is a valid value (XADD NOMKSTREAM aside, XDEL leaves it).
        Value::Stream(_) => true,
    };
    assert!(
        holdable,
        "the reader returned a value the keyspace cannot hold"
    );
    let back = rdb::undump(&rdb::dump(value)).expect("a dumped value reads back");
    let (mut a, mut b) = (Vec::new(), Vec::new());
    value.digest_input(&mut a);
    back.digest_input(&mut b);
    assert_eq!(a, b, "the value changed through DUMP and RESTORE");
}

/// nodes.conf: what parses is restored as the bus would at start-up, and the file the bus
/// then writes must parse again to the same nodes.
pub fn nodes_conf(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(conf) = nodes_conf::parse(text) else {
        return;
    };
    let Ok(core) = ClusterCore::restore(
        CoreConfig::new(7000, 17000, 1000),
        1,
        1_700_000_000_000,
        &conf.nodes,
        conf.current_epoch,
        conf.last_vote_epoch,
    ) else {
        return;
    };
    let saved = core.nodes_conf_text();
    let again = nodes_conf::parse(&saved).expect("the nodes.conf the bus writes parses");
    assert_eq!(again.nodes.len(), conf.nodes.len());
}

/// What the CLI reads from every node: `CLUSTER NODES`, `CLUSTER INFO` and `INFO`
/// replies, then its analysis of them. The input is split at NUL bytes: CLUSTER INFO,
/// INFO, then one CLUSTER NODES view per node. Every line must print back to itself;
/// the views become a snapshot that `check` assesses and `fix` plans for.
pub fn cluster_replies(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let cluster_info = parts.next().unwrap_or("");
    let info = parts.next().unwrap_or("");
    let _ = Probe::parse(cluster_info, info);
    let _ = parse_version(info);
    let _ = parse_ranges(cluster_info);
    let (cinfo, info) = (parse_info(cluster_info), parse_info(info));
    let _ = all_keys(&info);

    let mut reports = Vec::new();
    for view_text in parts {
        let Ok(view) = parse_cluster_nodes(view_text) else {
            continue;
        };
        for node in &view {
            let line = node.to_string();
            let back: ClusterNode = line.parse().expect("a printed line parses");
            assert_eq!(&back, node, "the line changed through printing: {line}");
        }
        let addr = view
            .iter()
            .find(|n| n.flags.myself)
            .map(|n| n.addr.addr())
            .unwrap_or_else(|| Addr::new("127.0.0.1", 7000));
        if let Ok(report) = NodeReport::new(addr, view, cinfo.clone(), info.clone()) {
            let _ = (report.keys(), report.repl_offset(), report.master_link_up());
            reports.push(report);
        }
    }
    let snap = Snapshot::new(Addr::new("127.0.0.1", 7000), reports, Vec::new());
    let findings = health::assess(&snap);
    let _ = health::problems(&findings);
    let _ = health::epoch_lags(&snap);
    if let Ok(fix) = plan::fix::plan_fix(&snap, &plan::fix::KeyCounts::new()) {
        let _ = fix.rows();
        let _ = fix.slots_after(&snap);
    }
}

/// redis.conf as `rclust-node` reads it: whatever loads must print (CONFIG REWRITE) to a
/// file that loads to the same settings.
pub fn redis_conf(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut cfg = NodeConfig::default();
    if cfg.load_text(text).is_err() {
        return;
    }
    let rewritten = cfg.rewrite_text(text);
    let mut again = NodeConfig::default();
    again
        .load_text(&rewritten)
        .expect("a rewritten config loads");
    assert_eq!(
        again.matching("*"),
        cfg.matching("*"),
        "the settings changed through CONFIG REWRITE"
    );
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::{Duration, Instant};

    use rand::{rngs::StdRng, Rng, SeedableRng};

    /// A few seconds of each target on its seed corpus (`fuzz/seeds/<target>/`) and on
    /// random mutations of it: a smoke run on every test run. The real runs are
    /// `scripts/fuzz.sh`.
    fn smoke(target: &str, check: fn(&[u8])) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/seeds")
            .join(target);
        let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .collect();
        assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
        seeds.sort();
        for seed in &seeds {
            check(seed);
        }
        let mut rng = StdRng::seed_from_u64(13);
        let started = Instant::now();
        let mut runs = 0;
        while runs < 200_000 && started.elapsed() < Duration::from_secs(2) {
            let mut input = seeds[rng.gen_range(0..seeds.len())].clone();
            for _ in 0..rng.gen_range(1..8) {
                mutate(&mut input, &mut rng);
            }
            check(&input);
            runs += 1;
        }
    }

    /// One random edit: flip a bit, set a byte to a boundary value, insert or delete
    /// bytes, or duplicate a chunk.
    fn mutate(input: &mut Vec<u8>, rng: &mut StdRng) {
        if input.is_empty() {
            input.push(rng.gen());
            return;
        }
        let at = rng.gen_range(0..input.len());
        match rng.gen_range(0..6) {
            0 => input[at] ^= 1 << rng.gen_range(0..8),
            1 => input[at] = [0, 0x7f, 0x80, 0xff, b'\n', b' ', b'-'][rng.gen_range(0..7)],
            2 => input.insert(at, rng.gen()),
            3 => {
                let end = (at + rng.gen_range(1..16)).min(input.len());
                input.drain(at..end);
            }
            4 => {
                let end = (at + rng.gen_range(1..64)).min(input.len());
                let chunk = input[at..end].to_vec();
                let to = rng.gen_range(0..=input.len());
                input.splice(to..to, chunk);
            }
            _ => input.truncate(at),
        }
    }

    #[test]
    fn smoke_resp_parser() {
        smoke("resp_parser", super::resp_parser);
    }

    #[test]
    fn smoke_bus_decoder() {
        smoke("bus_decoder", super::bus_decoder);
    }

    #[test]
    fn smoke_rdb_reader() {
        smoke("rdb_reader", super::rdb_reader);
    }

    #[test]
    fn smoke_nodes_conf() {
        smoke("nodes_conf", super::nodes_conf);
    }

    #[test]
    fn smoke_cluster_replies() {
        smoke("cluster_replies", super::cluster_replies);
    }

    #[test]
    fn smoke_redis_conf() {
        smoke("redis_conf", super::redis_conf);
    }
}
