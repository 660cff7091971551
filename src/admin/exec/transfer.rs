//! The cluster side of `import` and `restore`: which keys the owners already hold
//! (pipelined EXISTS, all owners at once), and pipelined RESTORE ... ABSTTL batches whose
//! every reply is classified, so that a key another client created meanwhile is refused
//! (BUSYKEY) rather than overwritten.

use std::time::{SystemTime, UNIX_EPOCH};

use futures::stream::{self, StreamExt, TryStreamExt};
use redis::Value;

use crate::admin::conn::NodeConn;

/// Keys per EXISTS pipeline.
const EXISTS_BATCH: usize = 1000;

/// Milliseconds since the Unix epoch, as ABSTTL wants them.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// For each owner, whether each of its keys exists there. `groups[o]` are the keys of
/// owner `o`, `conns[o]` its connection.
pub async fn existing<K: AsRef<[u8]> + Sync>(
    conns: &[NodeConn],
    groups: &[Vec<K>],
) -> anyhow::Result<Vec<Vec<bool>>> {
    let work: Vec<(usize, usize)> = groups
        .iter()
        .enumerate()
        .flat_map(|(o, keys)| (0..keys.len()).step_by(EXISTS_BATCH).map(move |at| (o, at)))
        .collect();
    let answers: Vec<(usize, usize, Vec<bool>)> = stream::iter(work)
        .map(|(o, at)| {
            let mut conn = conns[o].clone();
            let keys = &groups[o][at..(at + EXISTS_BATCH).min(groups[o].len())];
            async move {
                let mut pipe = redis::pipe();
                for k in keys {
                    pipe.cmd("EXISTS").arg(k.as_ref());
                }
                let found: Vec<i64> = conn.pipe(&pipe).await?;
                anyhow::Ok((o, at, found.into_iter().map(|n| n > 0).collect()))
            }
        })
        .buffer_unordered(16)
        .try_collect()
        .await?;
    let mut out: Vec<Vec<bool>> = groups.iter().map(|g| vec![false; g.len()]).collect();
    for (o, at, found) in answers {
        out[o][at..at + found.len()].copy_from_slice(&found);
    }
    Ok(out)
}

/// One key to write: its name, a DUMP payload, and its absolute expiry (ms) if any.
#[derive(Clone, Debug)]
pub struct Item {
    pub key: Vec<u8>,
    pub payload: Vec<u8>,
    pub expire_at: Option<u64>,
}

/// What became of one key sent to its owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Restored,
    /// Its expiry had passed: nothing was written.
    Expired,
    /// The owner already had it (created after the existence check): left alone.
    Busy,
    /// The owner refused it for another reason, in its words.
    Failed(String),
}

/// Sends `items` to one owner as one pipeline of RESTORE key ttl payload ABSTTL [REPLACE]
/// and classifies every reply. Only a broken connection fails the whole batch.
pub async fn restore_batch(
    conn: &mut NodeConn,
    items: &[Item],
    replace: bool,
) -> anyhow::Result<Vec<Outcome>> {
    let now = now_ms();
    let mut pipe = redis::pipe();
    let mut sent = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if item.expire_at.is_some_and(|at| at <= now) {
            continue;
        }
        let cmd = pipe
            .cmd("RESTORE")
            .arg(&item.key)
            .arg(item.expire_at.unwrap_or(0))
            .arg(&item.payload)
            .arg("ABSTTL");
        if replace {
            cmd.arg("REPLACE");
        }
        sent.push(i);
    }
    let mut out = vec![Outcome::Expired; items.len()];
    let replies = conn.pipe_values(&pipe).await?;
    for (i, reply) in sent.into_iter().zip(replies) {
        out[i] = match reply {
            Value::ServerError(e) if e.code() == "BUSYKEY" => Outcome::Busy,
            Value::ServerError(e) => Outcome::Failed(format!(
                "{}{}",
                e.code(),
                e.details().map(|d| format!(" {d}")).unwrap_or_default()
            )),
            _ => Outcome::Restored,
        };
    }
    Ok(out)
}

/// Running totals of a transfer, per owner and overall.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Tally {
    pub restored: u64,
    pub expired: u64,
    /// Created in the cluster by someone else after the check: left alone.
    pub busy: Vec<Vec<u8>>,
    /// Refused by the owner: (key, reason).
    pub failed: Vec<(Vec<u8>, String)>,
}

impl Tally {
    pub fn add(&mut self, items: &[Item], outcomes: Vec<Outcome>) {
        for (item, outcome) in items.iter().zip(outcomes) {
            match outcome {
                Outcome::Restored => self.restored += 1,
                Outcome::Expired => self.expired += 1,
                Outcome::Busy => self.busy.push(item.key.clone()),
                Outcome::Failed(why) => self.failed.push((item.key.clone(), why)),
            }
        }
    }

    pub fn merge(&mut self, other: Tally) {
        self.restored += other.restored;
        self.expired += other.expired;
        self.busy.extend(other.busy);
        self.failed.extend(other.failed);
    }
}

/// `writes[o]` cut into batches of at most `size` keys, owners taking turns so that every
/// master has work from the start.
pub fn interleaved_batches(writes: &[Vec<usize>], size: usize) -> Vec<(usize, &[usize])> {
    let chunked: Vec<Vec<&[usize]>> = writes.iter().map(|w| w.chunks(size).collect()).collect();
    let rounds = chunked.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = Vec::new();
    for round in 0..rounds {
        for (o, chunks) in chunked.iter().enumerate() {
            if let Some(chunk) = chunks.get(round) {
                out.push((o, *chunk));
            }
        }
    }
    out
}

/// How many batches are in flight at once for `owners` masters.
pub fn in_flight(owners: usize) -> usize {
    (owners * 2).clamp(4, 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_take_turns_between_owners() {
        let writes = vec![vec![0, 1, 2], vec![3], vec![]];
        let b = interleaved_batches(&writes, 2);
        assert_eq!(b, vec![(0, &[0, 1][..]), (1, &[3][..]), (0, &[2][..])]);
        assert_eq!(in_flight(1), 4);
        assert_eq!(in_flight(100), 32);
    }
}
