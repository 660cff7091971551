//! Writes that the cluster acknowledged as replicated (`SET` then `WAIT`), recorded so a
//! test can check after faults that every one of them survived. Each write uses a new key,
//! so a later write can never legitimately replace an acknowledged value. Nodes that do not
//! answer quickly (a host cut off) are skipped for the rest of a round.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use rclust::model::key_slot;

pub struct AckedWriter {
    prefix: String,
    seeds: Vec<String>,
    slots: Vec<String>,
    conns: HashMap<String, redis::Connection>,
    next: usize,
    /// Acknowledged (key, value) pairs.
    pub acked: Vec<(String, String)>,
    /// Writes attempted, acknowledged or not.
    pub attempted: usize,
}

fn connect(addr: &str) -> redis::RedisResult<redis::Connection> {
    let info: redis::ConnectionInfo = format!("redis://{addr}/").parse()?;
    let c = redis::Client::open(info)?.get_connection_with_timeout(Duration::from_millis(500))?;
    c.set_read_timeout(Some(Duration::from_millis(2000)))?;
    c.set_write_timeout(Some(Duration::from_millis(2000)))?;
    Ok(c)
}

impl AckedWriter {
    pub fn new(prefix: &str, seeds: &[String]) -> AckedWriter {
        let mut w = AckedWriter {
            prefix: prefix.to_string(),
            seeds: seeds.to_vec(),
            slots: vec![String::new(); 16384],
            conns: HashMap::new(),
            next: 0,
            acked: Vec::new(),
            attempted: 0,
        };
        w.refresh(&HashSet::new());
        w
    }

    /// Reloads the slot map from the first reachable seed that is not in `skip`.
    fn refresh(&mut self, skip: &HashSet<String>) {
        for seed in self.seeds.clone() {
            if skip.contains(&seed) {
                continue;
            }
            let Ok(mut c) = connect(&seed) else { continue };
            let Ok(ranges) = redis::cmd("CLUSTER")
                .arg("SLOTS")
                .query::<Vec<Vec<redis::Value>>>(&mut c)
            else {
                continue;
            };
            for r in ranges {
                let int = |v: &redis::Value| match v {
                    redis::Value::Int(i) => *i as usize,
                    _ => 0,
                };
                let Some(redis::Value::Array(master)) = r.get(2) else {
                    continue;
                };
                let host: String = redis::from_redis_value(&master[0]).unwrap_or_default();
                for s in int(&r[0])..=int(&r[1]) {
                    self.slots[s] = format!("{host}:{}", int(&master[1]));
                }
            }
            return;
        }
    }

    /// Writes `count` new keys, each followed by `WAIT replicas 500` on the same
    /// connection; returns how many were acknowledged by that many replicas.
    pub fn write(&mut self, count: usize, replicas: i64) -> usize {
        let mut dead: HashSet<String> = HashSet::new();
        self.refresh(&dead);
        let mut ok = 0;
        for _ in 0..count {
            let i = self.next;
            self.next += 1;
            self.attempted += 1;
            let key = format!("{}{i}", self.prefix);
            let value = format!("v{i}");
            let mut addr = self.slots[key_slot(key.as_bytes()) as usize].clone();
            for _redirect in 0..3 {
                if dead.contains(&addr) {
                    break;
                }
                if !self.conns.contains_key(&addr) {
                    match connect(&addr) {
                        Ok(c) => {
                            self.conns.insert(addr.clone(), c);
                        }
                        Err(_) => {
                            dead.insert(addr.clone());
                            break;
                        }
                    }
                }
                let conn = self.conns.get_mut(&addr).unwrap();
                let reply: redis::RedisResult<((), i64)> = redis::pipe()
                    .cmd("SET")
                    .arg(&key)
                    .arg(&value)
                    .cmd("WAIT")
                    .arg(replicas)
                    .arg(500)
                    .query(conn);
                match reply {
                    Ok((_, n)) => {
                        if n >= replicas {
                            self.acked.push((key.clone(), value.clone()));
                            ok += 1;
                        }
                        break;
                    }
                    Err(e) if e.code() == Some("MOVED") => {
                        let to = e
                            .redirect_node()
                            .map(|(a, _)| a.to_string())
                            .unwrap_or_default();
                        self.slots[key_slot(key.as_bytes()) as usize] = to.clone();
                        addr = to;
                    }
                    Err(e) => {
                        if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
                            self.conns.remove(&addr);
                            dead.insert(addr.clone());
                        }
                        break;
                    }
                }
            }
        }
        ok
    }

    /// Asserts that every acknowledged write reads back, through an independent client.
    pub fn verify(&self, seeds: &[String]) {
        let mut client = super::ClusterClient::new(seeds);
        let mut lost = Vec::new();
        for (k, v) in &self.acked {
            match client.get(k) {
                Ok(Some(got)) if &got == v => {}
                other => lost.push(format!("{k}: {other:?}")),
            }
        }
        assert!(
            lost.is_empty(),
            "{} of {} acknowledged writes lost, e.g. {:?}",
            lost.len(),
            self.acked.len(),
            &lost[..lost.len().min(5)]
        );
    }
}
