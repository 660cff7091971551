//! `rclust restore`: reads a backup made by `rclust backup` (the manifest, then each RDB
//! checked against its size and SHA-256), decodes every key with the project's RDB reader
//! and re-encodes it as a DUMP payload (RDB version 10, which redis-server 7, Valkey and
//! rclust-node all accept), then writes the keys to their owners in pipelined batches.

use std::path::Path;

use anyhow::{anyhow, bail, Context};
use futures::stream::{self, StreamExt};
use indicatif::ProgressBar;

use super::backup::{sha256_hex, Manifest, MANIFEST};
use super::transfer::{in_flight, interleaved_batches, restore_batch, Item, Tally};
use crate::admin::conn::NodeConn;
use crate::node::rdb;

/// Keys per RESTORE pipeline.
pub const BATCH: usize = 512;

pub fn read_manifest(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the backup's manifest {}", path.display()))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("{}: not an rclust backup manifest", path.display()))?;
    if manifest.format != "rclust-backup" {
        bail!("{}: not an rclust backup manifest", path.display());
    }
    Ok(manifest)
}

/// The keys of one backup file, checked against the manifest's size and digest.
pub struct FileKeys {
    pub file: String,
    pub items: Vec<Item>,
    /// Keys of databases other than 0 (a cluster serves only db 0): not restored.
    pub other_db: u64,
}

/// Reads and decodes one file of the backup.
pub fn read_backup_file(
    dir: &Path,
    file: &str,
    size: u64,
    sha256: &str,
) -> anyhow::Result<FileKeys> {
    let path = dir.join(file);
    let data = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    if data.len() as u64 != size || sha256_hex(&data) != sha256 {
        bail!(
            "{}: the file does not match the manifest (size {} vs {size}, or its SHA-256 differs): the backup is damaged",
            path.display(),
            data.len()
        );
    }
    let mut items = Vec::new();
    let mut other_db = 0;
    rdb::read_file(&data, |e| {
        if e.db != 0 {
            other_db += 1;
            return;
        }
        items.push(Item {
            key: e.key.to_vec(),
            payload: rdb::dump(&e.value),
            expire_at: e.expire_at,
        });
    })
    .map_err(|e| anyhow!("{}: cannot read the RDB file: {}", path.display(), e.0))?;
    Ok(FileKeys {
        file: file.to_string(),
        items,
        other_db,
    })
}

/// Writes `writes[o]` (indices into `items`) to owner `o`, all owners concurrently.
pub async fn write_keys(
    owners: &[NodeConn],
    items: &[Item],
    writes: &[Vec<usize>],
    replace: bool,
    bar: &ProgressBar,
) -> anyhow::Result<Tally> {
    let batches = interleaved_batches(writes, BATCH);
    let mut results = stream::iter(batches)
        .map(|(o, chunk)| {
            let mut dst = owners[o].clone();
            let batch: Vec<Item> = chunk.iter().map(|&i| items[i].clone()).collect();
            async move {
                let outcomes = restore_batch(&mut dst, &batch, replace).await;
                (batch, outcomes)
            }
        })
        .buffer_unordered(in_flight(owners.len()));
    let mut tally = Tally::default();
    let mut first_error = None;
    while let Some((batch, outcomes)) = results.next().await {
        bar.inc(batch.len() as u64);
        match outcomes {
            Ok(o) => tally.add(&batch, o),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e.context(format!(
            "restore stopped after {} keys were written; run it again with --replace to finish",
            tally.restored
        ))),
        None => Ok(tally),
    }
}
