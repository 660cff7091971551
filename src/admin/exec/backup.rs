//! `rclust backup`: each master's RDB taken over the replication protocol, as a replica
//! (or `redis-cli --rdb`) would get it, and the manifest that describes the backup.
//!
//! The exchange: optional AUTH, `REPLCONF capa eof` and `REPLCONF rdb-only 1` (errors
//! ignored: older servers and rclust-node know fewer options), `PSYNC ? -1`, the
//! `+FULLRESYNC` line, newlines the master sends while it prepares the snapshot, then the
//! payload: `$<len>` and that many bytes, or (diskless) `$EOF:<40 bytes>` and bytes up to
//! the same 40-byte marker. Files are written to temporary names and renamed only once
//! every master's file is whole; the manifest is renamed into place last.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::admin::conn::ConnOpts;
use crate::model::Addr;
use crate::node::rdb;

/// The manifest's file name inside a backup directory.
pub const MANIFEST: &str = "manifest.json";
/// How long the master may stay silent (no keepalive newline, no data) before we give up.
const IDLE: Duration = Duration::from_secs(120);
const MARKER_LEN: usize = 40;

/// A backup's manifest: the cluster as it was, and every file with its digest.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Always "rclust-backup".
    pub format: String,
    pub version: u32,
    /// UTC, RFC 3339.
    pub created_at: String,
    pub created_unix_ms: u64,
    pub seed: String,
    pub total_keys: u64,
    pub masters: Vec<MasterBackup>,
    /// Every node of the cluster at the time, replicas included.
    pub nodes: Vec<NodeEntry>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MasterBackup {
    pub id: String,
    pub addr: String,
    /// `0-5460,5462` notation.
    pub slots: String,
    pub slot_count: usize,
    /// The node the RDB was read from (the master or one of its replicas).
    pub read_from: NodeEntry,
    pub file: String,
    pub size: u64,
    pub sha256: String,
    pub rdb_version: Option<u16>,
    /// Keys in the file (db 0), counted by reading it; None if rclust cannot read it.
    pub keys: Option<u64>,
    pub keys_with_ttl: Option<u64>,
    /// Why the keys could not be counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NodeEntry {
    pub id: String,
    pub addr: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_id: Option<String>,
    pub slots: String,
    /// `redis 7.0.15`, `valkey 9.1.2`, ... from INFO server.
    pub server: String,
    /// Keys in db 0 by the node's INFO when the backup started.
    pub keys: u64,
}

/// What one fetch wrote.
#[derive(Debug)]
pub struct Fetched {
    pub file: tempfile::NamedTempFile,
    pub size: u64,
    pub sha256: String,
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file's contents, in hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Makes `dir` (and parents) and checks it can hold a new backup: writable, and no manifest
/// of an earlier backup to mix files with.
pub fn prepare_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    if dir.join(MANIFEST).exists() {
        bail!(
            "{} already holds a backup ({MANIFEST}): choose an empty directory",
            dir.display()
        );
    }
    tempfile::Builder::new()
        .prefix(".rclust-probe-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    Ok(())
}

async fn send(stream: &mut BufReader<TcpStream>, args: &[&[u8]]) -> std::io::Result<()> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    stream.get_mut().write_all(&out).await
}

/// One line without its CRLF, within the idle limit.
/// The next line that is not a master's keepalive newline.
async fn non_empty_line(stream: &mut BufReader<TcpStream>) -> anyhow::Result<String> {
    loop {
        let l = line(stream).await?;
        if !l.is_empty() {
            return Ok(l);
        }
    }
}

async fn line(stream: &mut BufReader<TcpStream>) -> anyhow::Result<String> {
    let mut buf = Vec::new();
    let n = tokio::time::timeout(IDLE, stream.read_until(b'\n', &mut buf))
        .await
        .map_err(|_| anyhow!("no reply for {}s", IDLE.as_secs()))??;
    if n == 0 {
        bail!("the connection was closed");
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Takes `addr`'s RDB over the replication protocol into a temporary file in `dir`.
pub async fn fetch_rdb(addr: &Addr, opts: &ConnOpts, dir: &Path) -> anyhow::Result<Fetched> {
    fetch(addr, opts, dir)
        .await
        .map_err(|e| anyhow!("{addr}: {e:#}"))
}

async fn fetch(addr: &Addr, opts: &ConnOpts, dir: &Path) -> anyhow::Result<Fetched> {
    if opts.tls.is_some() {
        bail!("backup over TLS is not supported yet");
    }
    let tcp = tokio::time::timeout(
        opts.connect_timeout,
        TcpStream::connect((addr.host.as_str(), addr.port)),
    )
    .await
    .map_err(|_| anyhow!("timed out"))?
    .map_err(|e| match e.kind() {
        std::io::ErrorKind::ConnectionRefused => anyhow!("connection refused"),
        _ => anyhow!(e),
    })?;
    let mut s = BufReader::with_capacity(1 << 16, tcp);
    if let Some(pass) = &opts.password {
        match &opts.user {
            Some(user) => send(&mut s, &[b"AUTH", user.as_bytes(), pass.as_bytes()]).await?,
            None => send(&mut s, &[b"AUTH", pass.as_bytes()]).await?,
        }
        let reply = line(&mut s).await?;
        if !reply.starts_with('+') {
            bail!("authentication failed: {}", reply.trim_start_matches('-'));
        }
    }
    for option in [&b"capa"[..], b"rdb-only"] {
        let value: &[u8] = if option == b"capa" { b"eof" } else { b"1" };
        send(&mut s, &[b"REPLCONF", option, value]).await?;
        let reply = line(&mut s).await?;
        if reply.starts_with("-NOAUTH") {
            bail!("authentication required (use -a/--pass or REDISCLI_AUTH)");
        }
    }
    send(&mut s, &[b"PSYNC", b"?", b"-1"]).await?;
    // A master that must wait to start its snapshot (another one running, or
    // repl-diskless-sync-delay) sends keepalive newlines before +FULLRESYNC too.
    let reply = non_empty_line(&mut s).await?;
    if !reply.starts_with("+FULLRESYNC") {
        bail!("PSYNC refused: {}", reply.trim_start_matches(['-', '+']));
    }
    // Keepalive newlines come while the master prepares the snapshot.
    let head = non_empty_line(&mut s).await?;
    let Some(head) = head.strip_prefix('$') else {
        bail!("expected the RDB payload, got {head:?}");
    };
    let mut file = tempfile::Builder::new()
        .prefix(".rclust-backup-")
        .suffix(".part")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file.as_file_mut());
    let mut write = |chunk: &[u8]| -> anyhow::Result<()> {
        hasher.update(chunk);
        size += chunk.len() as u64;
        out.write_all(chunk).context("writing the backup file")
    };
    let mut buf = vec![0u8; 1 << 16];
    if let Some(marker) = head.strip_prefix("EOF:") {
        let marker = marker.as_bytes().to_vec();
        if marker.len() != MARKER_LEN {
            bail!("bad EOF marker in {head:?}");
        }
        // Everything but the last 40 bytes is file; they may be the marker.
        let mut tail: Vec<u8> = Vec::with_capacity(2 * buf.len());
        loop {
            let n = read_some(&mut s, &mut buf).await?;
            tail.extend_from_slice(&buf[..n]);
            if tail.ends_with(&marker) {
                write(&tail[..tail.len() - MARKER_LEN])?;
                break;
            }
            if tail.len() > MARKER_LEN {
                let keep = tail.len() - MARKER_LEN;
                write(&tail[..keep])?;
                tail.drain(..keep);
            }
        }
    } else {
        let mut left: u64 = head
            .parse()
            .map_err(|_| anyhow!("bad payload length {head:?}"))?;
        while left > 0 {
            let want = buf.len().min(left.try_into().unwrap_or(usize::MAX));
            let n = read_some(&mut s, &mut buf[..want]).await?;
            write(&buf[..n])?;
            left -= n as u64;
        }
    }
    out.flush().context("writing the backup file")?;
    drop(out);
    file.as_file()
        .sync_all()
        .context("writing the backup file")?;
    Ok(Fetched {
        file,
        size,
        sha256: hex(&hasher.finalize()),
    })
}

async fn read_some(s: &mut BufReader<TcpStream>, buf: &mut [u8]) -> anyhow::Result<usize> {
    let n = tokio::time::timeout(IDLE, s.read(buf))
        .await
        .map_err(|_| anyhow!("the transfer stalled for {}s", IDLE.as_secs()))??;
    if n == 0 {
        bail!("the connection was closed before the RDB was complete");
    }
    Ok(n)
}

/// Keys (db 0) and keys with a TTL in an RDB file, and its version, by reading it whole.
pub fn count_keys(data: &[u8]) -> Result<(u64, u64, u16), String> {
    let (mut keys, mut ttl) = (0, 0);
    let info = rdb::read_file(data, |e| {
        if e.db == 0 {
            keys += 1;
            ttl += e.expire_at.is_some() as u64;
        }
    })
    .map_err(|e| e.0.to_string())?;
    Ok((keys, ttl, info.version))
}

/// Moves every fetched file to its final name, then writes the manifest (via a temporary
/// file renamed into place) so that a manifest exists only for a whole backup.
pub fn commit(
    dir: &Path,
    files: Vec<(String, tempfile::NamedTempFile)>,
    manifest: &Manifest,
) -> anyhow::Result<PathBuf> {
    for (name, file) in files {
        let path = dir.join(&name);
        file.persist(&path)
            .map_err(|e| anyhow!("cannot write {}: {}", path.display(), e.error))?;
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".rclust-manifest-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    serde_json::to_writer_pretty(&mut tmp, manifest)?;
    tmp.write_all(b"\n")?;
    tmp.as_file().sync_all()?;
    let path = dir.join(MANIFEST);
    tmp.persist(&path)
        .map_err(|e| anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(path)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time in milliseconds.
pub fn rfc3339(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + (month <= 2) as i64;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_183_130_999), "2026-12-02T03:45:30Z");
    }

    #[test]
    fn a_directory_with_a_manifest_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        prepare_dir(&dir.path().join("new/sub")).unwrap();
        std::fs::write(dir.path().join(MANIFEST), "{}").unwrap();
        let err = prepare_dir(dir.path()).unwrap_err().to_string();
        assert!(err.ends_with("already holds a backup (manifest.json): choose an empty directory"));
        assert_eq!(sha256_hex(b"abc").len(), 64);
        assert!(sha256_hex(b"abc").starts_with("ba7816bf"));
    }
}
