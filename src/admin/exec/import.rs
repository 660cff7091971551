//! The source side of `rclust import`: connect to a standalone server (refusing a cluster
//! node), SCAN its keys, then move them in batches: pipelined DUMP + PTTL on the source,
//! pipelined RESTORE ABSTTL on the key's owner, and (unless copying) DEL on the source of
//! exactly the keys the owner accepted. Batches for all owners run concurrently.

use anyhow::{bail, Context};
use futures::stream::{self, StreamExt};
use indicatif::ProgressBar;
use redis::Value;

use super::transfer::{in_flight, interleaved_batches, now_ms, restore_batch, Item, Tally};
use crate::admin::conn::{ConnOpts, NodeConn};
use crate::model::replies::parse_info;
use crate::model::Addr;

/// Keys per DUMP/RESTORE batch.
pub const BATCH: usize = 256;
/// Connections to the source, so that several batches' replies stream at once.
pub const SOURCE_CONNS: usize = 4;

/// Connects to the import source and checks it can be one: reachable, authenticated, not a
/// cluster node; selects `db`.
pub async fn connect_source(addr: &Addr, opts: &ConnOpts, db: u32) -> anyhow::Result<NodeConn> {
    let mut conn = NodeConn::connect(addr, opts).await.map_err(|e| {
        // The cluster's flags do not apply to the source: point at the source's own.
        anyhow::anyhow!(
            "cannot read the import source: {}",
            format!("{e:#}").replace("use -a/--pass or REDISCLI_AUTH", "use --from-pass")
        )
    })?;
    let info: String = conn
        .cmd(&["INFO", "cluster"])
        .await
        .context("cannot read the import source")?;
    if parse_info(&info).get("cluster_enabled").map(String::as_str) == Some("1") {
        bail!(
            "{addr}: the import source is a cluster node (cluster_enabled:1); import reads a standalone server (move slots between clusters with reshard)"
        );
    }
    if db != 0 {
        let _: () = conn
            .cmd(&["SELECT", &db.to_string()])
            .await
            .context("cannot read the import source")?;
    }
    Ok(conn)
}

/// Every key of the source's selected database (SCAN reports a key more than once when the
/// table grows meanwhile; duplicates are dropped).
pub async fn scan_keys(conn: &mut NodeConn, bar: &ProgressBar) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut seen = std::collections::HashSet::new();
    let mut keys = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("COUNT")
            .arg(1000)
            .query_async(conn.raw())
            .await
            .with_context(|| format!("{}: SCAN", conn.addr))?;
        for k in batch {
            if seen.insert(k.clone()) {
                keys.push(k);
            }
        }
        bar.set_message(format!("{} keys found", keys.len()));
        if next == 0 {
            return Ok(keys);
        }
        cursor = next;
    }
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Moved {
    pub tally: Tally,
    /// Keys that disappeared from the source (deleted or expired) before they were read.
    pub vanished: u64,
    /// Keys deleted from the source after their owner accepted them.
    pub deleted: u64,
}

/// Moves one batch of keys from the source to their owner.
async fn move_batch(
    mut src: NodeConn,
    mut dst: NodeConn,
    keys: Vec<Vec<u8>>,
    copy: bool,
    replace: bool,
) -> anyhow::Result<Moved> {
    let mut pipe = redis::pipe();
    for k in &keys {
        pipe.cmd("DUMP").arg(k);
        pipe.cmd("PTTL").arg(k);
    }
    // Expiry is taken as relative to the moment the batch was asked for: a key never
    // outlives the time it had left on the source.
    let asked_at = now_ms();
    let replies = src.pipe_values(&pipe).await?;
    let mut moved = Moved::default();
    let mut items = Vec::with_capacity(keys.len());
    for (key, pair) in keys.into_iter().zip(replies.chunks(2)) {
        let (payload, ttl) = match pair {
            [Value::BulkString(p), Value::Int(t)] => (p.clone(), *t),
            [Value::Nil, _] | [_, Value::Int(-2)] => {
                moved.vanished += 1;
                continue;
            }
            [Value::ServerError(e), _] | [_, Value::ServerError(e)] => bail!(
                "{}: DUMP {}: {}",
                src.addr,
                String::from_utf8_lossy(&key),
                e.details().unwrap_or(e.code())
            ),
            other => bail!("{}: unexpected reply to DUMP/PTTL: {other:?}", src.addr),
        };
        items.push(Item {
            key,
            payload,
            expire_at: (ttl >= 0).then(|| asked_at + ttl as u64),
        });
    }
    let outcomes = restore_batch(&mut dst, &items, replace).await?;
    let accepted: Vec<&[u8]> = items
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| {
            matches!(
                o,
                super::transfer::Outcome::Restored | super::transfer::Outcome::Expired
            )
        })
        .map(|(i, _)| i.key.as_slice())
        .collect();
    if !copy && !accepted.is_empty() {
        let mut pipe = redis::pipe();
        let del = pipe.cmd("DEL");
        for k in &accepted {
            del.arg(*k);
        }
        let (n,): (u64,) = src.pipe(&pipe).await?;
        moved.deleted += n;
    }
    moved.tally.add(&items, outcomes);
    Ok(moved)
}

/// Moves `writes[o]` (indices into `keys`) to owner `o` for every owner, concurrently.
pub async fn move_keys(
    sources: &[NodeConn],
    owners: &[NodeConn],
    keys: &[Vec<u8>],
    writes: &[Vec<usize>],
    copy: bool,
    replace: bool,
    bar: &ProgressBar,
) -> anyhow::Result<Moved> {
    let batches: Vec<(usize, Vec<Vec<u8>>)> = interleaved_batches(writes, BATCH)
        .into_iter()
        .map(|(o, chunk)| (o, chunk.iter().map(|&i| keys[i].clone()).collect()))
        .collect();
    let mut results = stream::iter(batches.into_iter().enumerate())
        .map(|(n, (o, batch))| {
            let src = sources[n % sources.len()].clone();
            let dst = owners[o].clone();
            let len = batch.len() as u64;
            async move {
                let r = move_batch(src, dst, batch, copy, replace).await;
                (len, r)
            }
        })
        .buffer_unordered(in_flight(owners.len()));
    let mut total = Moved::default();
    let mut first_error = None;
    while let Some((len, r)) = results.next().await {
        bar.inc(len);
        match r {
            Ok(m) => {
                total.vanished += m.vanished;
                total.deleted += m.deleted;
                total.tally.merge(m.tally);
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        // Batches that finished are accounted for; the error says which node failed.
        Some(e) => Err(e.context(format!(
            "import stopped after {} keys were written; the keys not yet moved are still on the source, run it again",
            total.tally.restored
        ))),
        None => Ok(total),
    }
}
