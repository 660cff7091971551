//! Parsers for the other replies the tools read: `INFO`/`CLUSTER INFO` text, `CLUSTER SLOTS`
//! and `CLUSTER SHARDS` (taken as redis-rs values).

use std::collections::BTreeMap;

use redis::Value;

use super::addr::Addr;
use super::slots::SlotSet;

/// `field:value` lines of `INFO` or `CLUSTER INFO`; `# Section` headers and blanks skipped.
pub fn parse_info(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.trim_end_matches('\r').split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The key count of `db0` in `INFO keyspace` (`db0:keys=12,expires=0,...`); 0 when absent.
pub fn db0_keys(info: &BTreeMap<String, String>) -> u64 {
    info.get("db0")
        .and_then(|v| v.split(',').find_map(|kv| kv.strip_prefix("keys=")))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The keys of every database in `INFO keyspace` (`db0:keys=12,...`, `db2:keys=3,...`):
/// Valkey 9 clusters may use several (`cluster-databases`).
pub fn all_keys(info: &BTreeMap<String, String>) -> u64 {
    info.iter()
        .filter(|(k, _)| {
            k.strip_prefix("db")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter_map(|(_, v)| v.split(',').find_map(|kv| kv.strip_prefix("keys=")))
        .filter_map(|n| n.parse::<u64>().ok())
        .sum()
}

/// One range of `CLUSTER SLOTS`: the slots and the nodes serving them, master first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRangeOwners {
    pub start: u16,
    pub end: u16,
    /// `(address, id)`; the id is absent on very old servers.
    pub nodes: Vec<(Addr, Option<String>)>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        _ => None,
    }
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        other => text(other)?.parse().ok(),
    }
}

fn items(v: &Value) -> Option<&[Value]> {
    match v {
        Value::Array(items) | Value::Set(items) => Some(items),
        _ => None,
    }
}

/// Key/value pairs from a RESP2 flat array or a RESP3 map.
fn pairs(v: &Value) -> Option<Vec<(String, &Value)>> {
    match v {
        Value::Map(m) => m.iter().map(|(k, v)| Some((text(k)?, v))).collect(),
        Value::Array(a) => a
            .chunks(2)
            .map(|c| Some((text(c.first()?)?, c.get(1)?)))
            .collect(),
        _ => None,
    }
}

pub fn parse_cluster_slots(v: &Value) -> Result<Vec<SlotRangeOwners>, String> {
    let bad = || "malformed CLUSTER SLOTS reply".to_string();
    let mut out = Vec::new();
    for range in items(v).ok_or_else(bad)? {
        let range = items(range).ok_or_else(bad)?;
        if range.len() < 3 {
            return Err(bad());
        }
        let start = int(&range[0])
            .and_then(|i| u16::try_from(i).ok())
            .ok_or_else(bad)?;
        let end = int(&range[1])
            .and_then(|i| u16::try_from(i).ok())
            .ok_or_else(bad)?;
        let mut nodes = Vec::new();
        for node in &range[2..] {
            let node = items(node).ok_or_else(bad)?;
            if node.len() < 2 {
                return Err(bad());
            }
            let host = text(&node[0]).ok_or_else(bad)?;
            let port = int(&node[1])
                .and_then(|i| u16::try_from(i).ok())
                .ok_or_else(bad)?;
            nodes.push((Addr::new(host, port), node.get(2).and_then(text)));
        }
        out.push(SlotRangeOwners { start, end, nodes });
    }
    Ok(out)
}

/// One shard of `CLUSTER SHARDS`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    pub slots: SlotSet,
    pub nodes: Vec<ShardNode>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardNode {
    pub id: String,
    pub addr: Addr,
    pub role: String,
    pub replication_offset: i64,
    pub health: String,
}

pub fn parse_cluster_shards(v: &Value) -> Result<Vec<Shard>, String> {
    let bad = |what: &str| format!("malformed CLUSTER SHARDS reply: {what}");
    let mut out = Vec::new();
    for shard in items(v).ok_or_else(|| bad("not an array"))? {
        let fields = pairs(shard).ok_or_else(|| bad("shard is not a map"))?;
        let mut slots = SlotSet::new();
        let mut nodes = Vec::new();
        for (key, value) in fields {
            match key.as_str() {
                "slots" => {
                    let bounds: Vec<i64> = items(value)
                        .ok_or_else(|| bad("slots"))?
                        .iter()
                        .map(int)
                        .collect::<Option<_>>()
                        .ok_or_else(|| bad("slots"))?;
                    for pair in bounds.chunks(2) {
                        let (a, b) = (pair[0], *pair.get(1).ok_or_else(|| bad("slots"))?);
                        if !(0..16384).contains(&a) || !(a..16384).contains(&b) {
                            return Err(bad("slot out of range"));
                        }
                        slots.insert_range(a as u16, b as u16);
                    }
                }
                "nodes" => {
                    for node in items(value).ok_or_else(|| bad("nodes"))? {
                        let f: BTreeMap<String, &Value> = pairs(node)
                            .ok_or_else(|| bad("node is not a map"))?
                            .into_iter()
                            .collect();
                        let get = |k: &str| f.get(k).and_then(|v| text(v));
                        let port = f
                            .get("port")
                            .or(f.get("tls-port"))
                            .and_then(|v| int(v))
                            .and_then(|p| u16::try_from(p).ok())
                            .ok_or_else(|| bad("node port"))?;
                        nodes.push(ShardNode {
                            id: get("id").ok_or_else(|| bad("node id"))?,
                            addr: Addr::new(
                                get("ip").or(get("endpoint")).unwrap_or_default(),
                                port,
                            ),
                            role: get("role").unwrap_or_default(),
                            replication_offset: f
                                .get("replication-offset")
                                .and_then(|v| int(v))
                                .unwrap_or(0),
                            health: get("health").unwrap_or_default(),
                        });
                    }
                }
                _ => {}
            }
        }
        out.push(Shard { slots, nodes });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn info_fields() {
        let info = parse_info("# Cluster\r\ncluster_enabled:1\r\n\r\n# Keyspace\r\ndb0:keys=12,expires=1,avg_ttl=0\r\n");
        assert_eq!(info["cluster_enabled"], "1");
        assert_eq!(db0_keys(&info), 12);
        assert_eq!(db0_keys(&parse_info("cluster_enabled:1\r\n")), 0);
        let multi = parse_info("db0:keys=5,expires=0\r\ndb2:keys=3,expires=1\r\ndbsize:9\r\n");
        assert_eq!(all_keys(&multi), 8);
        assert_eq!(db0_keys(&multi), 5);
    }

    #[test]
    fn cluster_slots() {
        let v = Value::Array(vec![Value::Array(vec![
            Value::Int(0),
            Value::Int(5460),
            Value::Array(vec![bulk("127.0.0.1"), Value::Int(30001), bulk("aaa")]),
            Value::Array(vec![bulk("127.0.0.1"), Value::Int(30004), bulk("bbb")]),
        ])]);
        let ranges = parse_cluster_slots(&v).unwrap();
        assert_eq!(ranges[0].end, 5460);
        assert_eq!(ranges[0].nodes[1].0, Addr::new("127.0.0.1", 30004));
        assert_eq!(ranges[0].nodes[0].1.as_deref(), Some("aaa"));
        assert!(parse_cluster_slots(&Value::Array(vec![Value::Int(1)])).is_err());
    }

    #[test]
    fn cluster_shards() {
        let node = Value::Array(vec![
            bulk("id"),
            bulk("abc"),
            bulk("port"),
            Value::Int(30001),
            bulk("ip"),
            bulk("127.0.0.1"),
            bulk("role"),
            bulk("master"),
            bulk("replication-offset"),
            Value::Int(72156),
            bulk("health"),
            bulk("online"),
        ]);
        let v = Value::Array(vec![Value::Array(vec![
            bulk("slots"),
            Value::Array(vec![
                Value::Int(0),
                Value::Int(5),
                Value::Int(10),
                Value::Int(10),
            ]),
            bulk("nodes"),
            Value::Array(vec![node]),
        ])]);
        let shards = parse_cluster_shards(&v).unwrap();
        assert_eq!(shards[0].slots.to_string(), "0-5,10");
        assert_eq!(shards[0].nodes[0].replication_offset, 72156);
        assert_eq!(shards[0].nodes[0].addr, Addr::new("127.0.0.1", 30001));
    }
}
