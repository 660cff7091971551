//! A small, independent cluster client for verifying what the tools did: it routes by the
//! slot map from CLUSTER SLOTS and follows MOVED and ASK redirections itself (redis-rs is
//! built without its cluster feature), retrying TRYAGAIN and CLUSTERDOWN for a while.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rclust::model::key_slot;

pub struct ClusterClient {
    /// Owner address of every slot, as last learned.
    slots: Vec<String>,
    conns: HashMap<String, redis::Connection>,
    seeds: Vec<String>,
    password: Option<String>,
}

fn connect(addr: &str, password: &Option<String>) -> redis::RedisResult<redis::Connection> {
    let url = match password {
        Some(pw) => format!("redis://:{pw}@{addr}/"),
        None => format!("redis://{addr}/"),
    };
    let c = redis::Client::open(url)?.get_connection_with_timeout(Duration::from_secs(5))?;
    c.set_read_timeout(Some(Duration::from_secs(10)))?;
    Ok(c)
}

impl ClusterClient {
    pub fn new(seeds: &[String]) -> ClusterClient {
        let mut c = ClusterClient {
            slots: vec![String::new(); 16384],
            conns: HashMap::new(),
            seeds: seeds.to_vec(),
            password: None,
        };
        c.refresh();
        c
    }

    /// Reloads the slot map from the first seed that answers.
    pub fn refresh(&mut self) {
        for seed in self.seeds.clone() {
            let Ok(mut conn) = connect(&seed, &self.password) else {
                continue;
            };
            let Ok(ranges) = redis::cmd("CLUSTER")
                .arg("SLOTS")
                .query::<Vec<redis::Value>>(&mut conn)
            else {
                continue;
            };
            for r in ranges {
                let redis::Value::Array(items) = r else {
                    continue;
                };
                let int = |v: &redis::Value| match v {
                    redis::Value::Int(i) => *i as usize,
                    _ => 0,
                };
                let (start, end) = (int(&items[0]), int(&items[1]));
                let redis::Value::Array(master) = &items[2] else {
                    continue;
                };
                let host: String = redis::from_redis_value(&master[0]).unwrap_or_default();
                let port = int(&master[1]);
                for s in start..=end {
                    self.slots[s] = format!("{host}:{port}");
                }
            }
            return;
        }
    }

    fn conn(&mut self, addr: &str) -> redis::RedisResult<&mut redis::Connection> {
        if !self.conns.contains_key(addr) {
            let c = connect(addr, &self.password)?;
            self.conns.insert(addr.to_string(), c);
        }
        Ok(self.conns.get_mut(addr).unwrap())
    }

    /// Runs one single-key command, following redirections.
    pub fn query<T: redis::FromRedisValue>(&mut self, args: &[&[u8]]) -> redis::RedisResult<T> {
        let slot = key_slot(args[1]) as usize;
        let mut addr = self.slots[slot].clone();
        let mut asking = false;
        let start = Instant::now();
        loop {
            let mut cmd = redis::cmd(std::str::from_utf8(args[0]).unwrap());
            for a in &args[1..] {
                cmd.arg(*a);
            }
            let result: redis::RedisResult<T> = match self.conn(&addr) {
                Ok(conn) => {
                    if asking {
                        let _: redis::RedisResult<()> = redis::cmd("ASKING").query(conn);
                    }
                    cmd.query(conn)
                }
                Err(e) => Err(e),
            };
            asking = false;
            let err = match result {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if start.elapsed() > Duration::from_secs(20) {
                return Err(err);
            }
            match err.code() {
                Some("MOVED") | Some("ASK") => {
                    let target = err
                        .redirect_node()
                        .map(|(a, _)| a.to_string())
                        .unwrap_or_default();
                    if err.code() == Some("MOVED") {
                        self.slots[slot] = target.clone();
                    } else {
                        asking = true;
                    }
                    addr = target;
                }
                Some("TRYAGAIN") | Some("CLUSTERDOWN") => {
                    std::thread::sleep(Duration::from_millis(20));
                    addr = self.slots[slot].clone();
                }
                _ if err.is_io_error() || err.is_connection_dropped() => {
                    self.conns.remove(&addr);
                    std::thread::sleep(Duration::from_millis(20));
                    self.refresh();
                    addr = self.slots[slot].clone();
                }
                _ => return Err(err),
            }
        }
    }

    pub fn set(&mut self, key: &str, value: &str) -> redis::RedisResult<()> {
        self.query(&[b"SET", key.as_bytes(), value.as_bytes()])
    }

    pub fn get(&mut self, key: &str) -> redis::RedisResult<Option<String>> {
        self.query(&[b"GET", key.as_bytes()])
    }

    /// Loads `n` keys `{prefix}{i}` = `value_of(prefix, i)`, pipelined per owner.
    pub fn load(&mut self, prefix: &str, n: usize) {
        self.refresh();
        let mut by_node: HashMap<String, Vec<usize>> = HashMap::new();
        for i in 0..n {
            let key = format!("{prefix}{i}");
            let owner = self.slots[key_slot(key.as_bytes()) as usize].clone();
            by_node.entry(owner).or_default().push(i);
        }
        for (addr, ids) in by_node {
            for chunk in ids.chunks(2000) {
                let mut pipe = redis::pipe();
                for i in chunk {
                    pipe.cmd("SET")
                        .arg(format!("{prefix}{i}"))
                        .arg(value_of(prefix, *i))
                        .ignore();
                }
                let conn = self.conn(&addr).unwrap();
                pipe.query::<()>(conn).unwrap();
            }
        }
    }

    /// Asserts every key written by `load` reads back with its value.
    pub fn verify(&mut self, prefix: &str, n: usize) {
        let mut missing = Vec::new();
        for i in 0..n {
            let key = format!("{prefix}{i}");
            match self.get(&key) {
                Ok(Some(v)) if v == value_of(prefix, i) => {}
                other => missing.push(format!("{key}: {other:?}")),
            }
        }
        assert!(
            missing.is_empty(),
            "{} of {n} keys lost or wrong, e.g. {:?}",
            missing.len(),
            &missing[..missing.len().min(5)]
        );
    }
}

pub fn value_of(prefix: &str, i: usize) -> String {
    format!("{prefix}value-{i}-{}", "x".repeat(i % 40))
}

/// A key whose slot is `slot`, distinct for each `n`.
pub fn key_in_slot(slot: u16, n: usize) -> String {
    (0..)
        .map(|t| format!("{{t{t}}}"))
        .find(|tag| key_slot(tag.as_bytes()) == slot)
        .map(|tag| format!("{tag}k{n}"))
        .unwrap()
}
