//! `import`, `backup` and `restore`: keys into a cluster from a standalone server, every
//! master's RDB out to a directory, and such a backup back into a cluster of any shape.
//! Import and restore plan first (each key's owner, the keys the cluster already holds),
//! print the plan (`--dry-run` stops there), confirm, then write.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use clap::Args;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::Table;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::json;

use crate::admin::conn::{ConnOpts, NodeConn};
use crate::admin::exec::backup::{self, Manifest, MasterBackup, NodeEntry};
use crate::admin::exec::transfer::{existing, now_ms, Tally};
use crate::admin::exec::{import, restore};
use crate::admin::health;
use crate::admin::plan::transfer::{
    conflicts_line, plan_backup, plan_transfer, Owners, TransferPlan,
};
use crate::admin::snapshot::{Fleet, Snapshot};
use crate::model::Addr;

use super::ui::Ui;
use super::{print, print_json, Exit};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Any node of the cluster (host:port)
    #[arg(value_name = "SEED")]
    pub seed: Addr,
    /// The standalone (non-cluster) server to take the keys from (host:port; no TLS)
    #[arg(long, value_name = "HOST:PORT")]
    pub from: Addr,
    /// The source's database
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub from_db: u32,
    /// The cluster's database to write into (Valkey 9 `cluster-databases`: every master
    /// must serve it)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub to_db: u32,
    /// ACL user name on the source (with --from-pass)
    #[arg(long, value_name = "USER")]
    pub from_user: Option<String>,
    /// Password on the source
    #[arg(long, value_name = "PASS")]
    pub from_pass: Option<String>,
    /// Keep the keys on the source (default: delete each key once the cluster has it)
    #[arg(long)]
    pub copy: bool,
    /// Overwrite keys that already exist in the cluster (default: leave them and exit 1)
    #[arg(long)]
    pub replace: bool,
    /// Count the keys and show how they would spread; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Any node of the cluster (host:port)
    #[arg(value_name = "SEED")]
    pub seed: Addr,
    /// Directory for the RDB files and manifest.json (created; must not hold a backup)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Read each master's RDB from an up-to-date replica, sparing the master
    #[arg(long)]
    pub from_replicas: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Any node of the cluster (host:port)
    #[arg(value_name = "SEED")]
    pub seed: Addr,
    /// A directory written by `rclust backup`
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Overwrite keys that already exist in the cluster (default: leave them and exit 1)
    #[arg(long)]
    pub replace: bool,
    /// Count the keys and show how they would spread; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,
}

/// Writes may take longer than an ordinary reply: a pipeline of big RESTOREs.
fn fleet_for(opts: &ConnOpts) -> Fleet {
    Fleet::new(ConnOpts {
        response_timeout: opts.response_timeout.max(Duration::from_secs(120)),
        ..opts.clone()
    })
}

/// Loads the cluster, refuses one with problems, and says who owns each slot.
async fn load_owners(fleet: &Fleet, seed: &Addr) -> anyhow::Result<(Snapshot, Owners)> {
    let snap = fleet.load(seed).await?;
    if let Some(problem) = health::assess(&snap)
        .into_iter()
        .find(|f| f.severity == health::Severity::Problem)
    {
        bail!(
            "the cluster is not healthy ({}): run `rclust fix {seed}` first",
            problem.message
        );
    }
    let owners = Owners::from_snapshot(&snap).map_err(|e| anyhow!(e))?;
    Ok((snap, owners))
}

async fn owner_conns(fleet: &Fleet, owners: &Owners) -> anyhow::Result<Vec<NodeConn>> {
    stream::iter(&owners.masters)
        .then(|m| fleet.conn(&m.addr))
        .try_collect()
        .await
}

/// Connections to every owner with database `db` selected, after checking that each one
/// serves it (`cluster-databases`; a cluster node without it serves database 0 only).
async fn owner_conns_db(fleet: &Fleet, owners: &Owners, db: u32) -> anyhow::Result<Vec<NodeConn>> {
    let conns = owner_conns(fleet, owners).await?;
    if db == 0 {
        return Ok(conns);
    }
    let mut out = Vec::with_capacity(conns.len());
    for (m, mut conn) in owners.masters.iter().zip(conns) {
        let mut pipe = redis::pipe();
        pipe.cmd("CONFIG").arg("GET").arg("cluster-databases");
        let reply = conn.pipe_values(&pipe).await?;
        let served = crate::admin::exec::migrate::databases_from_config(
            reply.first().unwrap_or(&redis::Value::Nil),
        );
        if !served.contains(&db) {
            bail!(
                "{}: serves only database{} 0{} in cluster mode, not {db} (Valkey 9: cluster-databases {})",
                m.addr,
                if served.len() > 1 { "s" } else { "" },
                if served.len() > 1 { format!("-{}", served.len() - 1) } else { String::new() },
                db + 1
            );
        }
        out.push(NodeConn::connect_db(&m.addr, &fleet.opts, db).await?);
    }
    Ok(out)
}

/// The keys each owner already has, then the plan.
async fn plan_writes<K: AsRef<[u8]> + Sync>(
    conns: &[NodeConn],
    owners: &Owners,
    keys: &[K],
    replace: bool,
    ui: &Ui,
) -> anyhow::Result<TransferPlan> {
    let spinner = ui.spinner("checking which keys the cluster already holds");
    let groups = owners.group(keys);
    let grouped: Vec<Vec<&[u8]>> = groups
        .iter()
        .map(|g| g.iter().map(|&i| keys[i].as_ref()).collect())
        .collect();
    let exists = existing(conns, &grouped).await?;
    spinner.finish_and_clear();
    Ok(plan_transfer(&groups, &exists, replace))
}

fn spread_table(owners: &Owners, plan: &TransferPlan, conflicts_by_owner: &[usize]) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "MASTER",
        "SLOTS",
        "KEYS TO WRITE",
        "ALREADY THERE (LEFT ALONE)",
    ]);
    for (o, m) in owners.masters.iter().enumerate() {
        t.add_row(vec![
            format!("{} ({})", &m.id[..m.id.len().min(8)], m.addr),
            m.slots.len().to_string(),
            plan.writes[o].len().to_string(),
            conflicts_by_owner[o].to_string(),
        ]);
    }
    t.to_string()
}

fn spread_json<K: AsRef<[u8]>>(
    owners: &Owners,
    plan: &TransferPlan,
    conflicts_by_owner: &[usize],
    keys: &[K],
) -> serde_json::Value {
    json!({
        "keys": keys.len(),
        "to_write": plan.total_writes(),
        "replaced": plan.replaced,
        "conflicts": plan.conflicts.len(),
        "conflict_sample": plan.conflicts.iter().take(20)
            .map(|&i| String::from_utf8_lossy(keys[i].as_ref()).into_owned()).collect::<Vec<_>>(),
        "masters": owners.masters.iter().enumerate().map(|(o, m)| json!({
            "id": m.id, "addr": m.addr.to_string(), "slots": m.slots.len(),
            "keys": plan.writes[o].len(), "conflicts": conflicts_by_owner[o],
        })).collect::<Vec<_>>(),
    })
}

/// Prints the plan; the exit status when nothing more should happen (dry run, declined,
/// nothing to write), None to go on.
fn show_and_confirm<K: AsRef<[u8]>>(
    ui: &Ui,
    owners: &Owners,
    plan: &TransferPlan,
    keys: &[K],
    headline: &str,
    dry_run: bool,
    yes: bool,
) -> anyhow::Result<Option<Exit>> {
    let question = "Write the keys as planned?";
    if !dry_run && !yes && !ui.interactive && plan.total_writes() > 0 {
        ui.confirm(question)?;
    }
    let mut conflicts_by_owner = vec![0; owners.masters.len()];
    for &i in &plan.conflicts {
        conflicts_by_owner[owners.owner_of(keys[i].as_ref())] += 1;
    }
    let mut text = format!(
        "{headline}\n{}",
        spread_table(owners, plan, &conflicts_by_owner)
    );
    if !plan.conflicts.is_empty() {
        let names: Vec<&[u8]> = plan.conflicts.iter().map(|&i| keys[i].as_ref()).collect();
        text += &format!(
            "\n{}",
            conflicts_line(&names).replace("were left alone", "will be left alone")
        );
    }
    if plan.replaced > 0 {
        text += &format!(
            "\n{} key(s) already in the cluster will be overwritten (--replace)",
            plan.replaced
        );
    }
    if dry_run {
        if ui.json {
            print_json(&spread_json(owners, plan, &conflicts_by_owner, keys))?;
        } else {
            print(&text)?;
        }
        return Ok(Some(Exit::Ok));
    }
    if !ui.quiet && !ui.json {
        eprintln!("{text}");
    }
    if plan.total_writes() == 0 {
        return Ok(Some(report_leftovers(keys, plan, &Tally::default())));
    }
    if !yes && !ui.confirm(question)? {
        ui.say("Nothing changed.");
        return Ok(Some(Exit::Ok));
    }
    Ok(None)
}

/// Reports what was left alone or refused; Problem when anything was.
fn report_leftovers<K: AsRef<[u8]>>(keys: &[K], plan: &TransferPlan, tally: &Tally) -> Exit {
    let mut problem = false;
    let mut left: Vec<&[u8]> = plan.conflicts.iter().map(|&i| keys[i].as_ref()).collect();
    left.extend(tally.busy.iter().map(Vec::as_slice));
    if !left.is_empty() {
        eprintln!("rclust: {}", conflicts_line(&left));
        problem = true;
    }
    if let Some((key, why)) = tally.failed.first() {
        eprintln!(
            "rclust: {} key(s) were refused by their master, e.g. '{}': {why}",
            tally.failed.len(),
            String::from_utf8_lossy(key)
        );
        problem = true;
    }
    if problem {
        Exit::Problem
    } else {
        Exit::Ok
    }
}

fn sample<'a>(keys: impl Iterator<Item = &'a [u8]>) -> Vec<String> {
    keys.take(20)
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect()
}

pub async fn import(args: ImportArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let start = Instant::now();
    let source_opts = ConnOpts {
        user: args.from_user.clone(),
        password: args.from_pass.clone().filter(|p| !p.is_empty()),
        tls: None,
        response_timeout: opts.response_timeout.max(Duration::from_secs(120)),
        ..opts.clone()
    };
    let mut sources = Vec::new();
    for _ in 0..import::SOURCE_CONNS {
        sources.push(import::connect_source(&args.from, &source_opts, args.from_db).await?);
    }
    let fleet = fleet_for(&opts);
    let (_snap, owners) = load_owners(&fleet, &args.seed).await?;
    let conns = owner_conns_db(&fleet, &owners, args.to_db).await?;

    let spinner = ui.spinner("scanning the source");
    let keys = import::scan_keys(&mut sources[0], &spinner).await?;
    spinner.finish_and_clear();
    let plan = plan_writes(&conns, &owners, &keys, args.replace, ui).await?;
    let headline = format!(
        "Import {} of the {} keys of {} (db {}) into {} masters (db {}); the source {}",
        plan.total_writes(),
        keys.len(),
        args.from,
        args.from_db,
        owners.masters.len(),
        args.to_db,
        if args.copy {
            "keeps them (--copy)"
        } else {
            "loses each key once the cluster has it"
        }
    );
    if let Some(exit) =
        show_and_confirm(ui, &owners, &plan, &keys, &headline, args.dry_run, args.yes)?
    {
        return Ok(exit);
    }
    let bar = ui.bar(plan.total_writes() as u64, "keys");
    let write_start = Instant::now();
    let moved = import::move_keys(
        &sources,
        &conns,
        &keys,
        &plan.writes,
        args.copy,
        args.replace,
        &bar,
    )
    .await?;
    bar.finish_and_clear();
    let secs = write_start.elapsed().as_secs_f64();
    let t = &moved.tally;
    let rate = t.restored as f64 / secs.max(1e-9);
    let skipped = plan.conflicts.len() + t.busy.len() + t.failed.len();
    if ui.json {
        print_json(&json!({
            "source": args.from.to_string(), "db": args.from_db, "to_db": args.to_db,
            "keys": keys.len(), "moved": t.restored, "expired": t.expired,
            "vanished": moved.vanished, "skipped": skipped,
            "replaced": plan.replaced, "deleted_from_source": moved.deleted,
            "copy": args.copy,
            "skipped_sample": sample(plan.conflicts.iter().map(|&i| keys[i].as_slice())
                .chain(t.busy.iter().map(Vec::as_slice))),
            "failed": t.failed.iter().take(20).map(|(k, why)| json!({
                "key": String::from_utf8_lossy(k), "error": why})).collect::<Vec<_>>(),
            "seconds": secs, "total_seconds": start.elapsed().as_secs_f64(), "keys_per_sec": rate,
        }))?;
    } else {
        print(&format!(
            "Imported {} keys in {secs:.2}s ({rate:.0} keys/s); {} skipped, {} expired, {} vanished from the source; {} deleted from the source",
            t.restored, skipped, t.expired, moved.vanished, moved.deleted
        ))?;
    }
    Ok(report_leftovers(&keys, &plan, t))
}

/// `redis 7.0.15` / `valkey 9.1.2` from a node's INFO.
fn server_of(info: &BTreeMap<String, String>) -> String {
    match (info.get("valkey_version"), info.get("redis_version")) {
        (Some(v), _) => format!("valkey {v}"),
        (None, Some(v)) => format!(
            "{} {v}",
            info.get("server_name").map_or("redis", String::as_str)
        ),
        (None, None) => "unknown".into(),
    }
}

/// Every node's `INFO server` (the snapshot reads only the sections it needs).
async fn servers(fleet: &Fleet, snap: &Snapshot) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for r in &snap.reports {
        if let Ok(mut conn) = fleet.conn(&r.addr).await {
            if let Ok(text) = conn.cmd::<String>(&["INFO", "server"]).await {
                out.insert(
                    r.id().to_string(),
                    server_of(&crate::model::replies::parse_info(&text)),
                );
            }
        }
    }
    out
}

fn node_entries(snap: &Snapshot, servers: &BTreeMap<String, String>) -> Vec<NodeEntry> {
    snap.known_ids()
        .iter()
        .filter_map(|id| snap.line(id))
        .map(|n| {
            let info = servers.get(&n.id);
            NodeEntry {
                id: n.id.clone(),
                addr: snap
                    .addr_of(&n.id)
                    .unwrap_or_else(|| n.addr.addr())
                    .to_string(),
                role: if n.flags.master { "master" } else { "replica" }.into(),
                master_id: n.master_id.clone(),
                slots: n.slots.to_string(),
                server: info.cloned().unwrap_or_else(|| "unreachable".into()),
                keys: snap.report(&n.id).map_or(0, |r| r.keys()),
            }
        })
        .collect()
}

pub async fn backup(args: BackupArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let start = Instant::now();
    backup::prepare_dir(&args.dir)?;
    let fleet = Fleet::new(opts.clone());
    let (snap, owners) = load_owners(&fleet, &args.seed).await?;
    let sources = plan_backup(&snap, &owners, args.from_replicas);
    let nodes = node_entries(&snap, &servers(&fleet, &snap).await);
    for s in &sources {
        if let Some(note) = &s.note {
            ui.say(format!(
                "{}: reading the master itself: {note}",
                s.master.addr
            ));
        }
    }
    let spinner = ui.spinner(&format!("taking {} RDB files", sources.len()));
    let dir = args.dir.clone();
    let fetched: Vec<_> = stream::iter(sources.iter())
        .map(|s| {
            let (opts, dir, nodes) = (&opts, &dir, &nodes);
            async move {
                let mut from = s.clone();
                let got = match backup::fetch_rdb(&s.node_addr, opts, dir).await {
                    Ok(f) => f,
                    // A replica that cannot serve a sync (rclust-node's replicas do not
                    // chain) is not worth failing the backup for: its master can.
                    Err(e) if s.from_replica => {
                        eprintln!(
                            "rclust: {e:#}; reading its master {} instead",
                            s.master.addr
                        );
                        from.node_id = s.master.id.clone();
                        from.node_addr = s.master.addr.clone();
                        from.from_replica = false;
                        backup::fetch_rdb(&s.master.addr, opts, dir).await?
                    }
                    Err(e) => return Err(e),
                };
                let read_from = nodes
                    .iter()
                    .find(|n| n.id == from.node_id)
                    .cloned()
                    .ok_or_else(|| anyhow!("{}: not in the cluster's view", from.node_addr))?;
                anyhow::Ok((from, read_from, got))
            }
        })
        .buffer_unordered(16)
        .try_collect()
        .await
        .context("backup failed; no manifest was written")?;
    spinner.finish_and_clear();

    let mut masters = Vec::new();
    let mut files = Vec::new();
    for (s, read_from, got) in fetched {
        let data = std::fs::read(got.file.path())?;
        let counted = backup::count_keys(&data);
        let (keys, keys_with_ttl, rdb_version) = match &counted {
            Ok((k, t, v)) => (Some(*k), Some(*t), Some(*v)),
            Err(_) => (None, None, None),
        };
        if let Err(e) = &counted {
            ui.say(format!(
                "{}: rclust cannot read this RDB ({e}); its keys are not counted",
                s.node_addr
            ));
        }
        masters.push(MasterBackup {
            id: s.master.id.clone(),
            addr: s.master.addr.to_string(),
            slots: s.master.slots.to_string(),
            slot_count: s.master.slots.len(),
            read_from,
            file: s.file_name(),
            size: got.size,
            sha256: got.sha256,
            rdb_version,
            keys,
            keys_with_ttl,
            unreadable: counted.err(),
        });
        files.push((s.file_name(), got.file));
    }
    masters.sort_by(|a, b| a.addr.cmp(&b.addr));
    let created_unix_ms = now_ms();
    let manifest = Manifest {
        format: "rclust-backup".into(),
        version: 1,
        created_at: backup::rfc3339(created_unix_ms),
        created_unix_ms,
        seed: args.seed.to_string(),
        total_keys: masters.iter().filter_map(|m| m.keys).sum(),
        masters,
        nodes,
    };
    let path = backup::commit(&args.dir, files, &manifest)
        .context("backup failed; no manifest was written")?;
    let secs = start.elapsed().as_secs_f64();
    let bytes: u64 = manifest.masters.iter().map(|m| m.size).sum();
    if ui.json {
        print_json(&json!({
            "manifest": path.display().to_string(), "seconds": secs, "bytes": bytes,
            "mb_per_sec": bytes as f64 / 1e6 / secs.max(1e-9),
            "backup": serde_json::to_value(&manifest)?,
        }))?;
    } else {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
            "MASTER",
            "READ FROM",
            "SLOTS",
            "KEYS",
            "BYTES",
            "FILE",
        ]);
        for m in &manifest.masters {
            t.add_row(vec![
                format!("{} ({})", &m.id[..8.min(m.id.len())], m.addr),
                format!("{} ({})", m.read_from.addr, m.read_from.role),
                m.slot_count.to_string(),
                m.keys.map_or("?".into(), |k| k.to_string()),
                m.size.to_string(),
                m.file.clone(),
            ]);
        }
        print(&format!(
            "{t}\nBacked up {} masters, {} keys, {bytes} bytes in {secs:.2}s ({:.1} MB/s) to {}",
            manifest.masters.len(),
            manifest.total_keys,
            bytes as f64 / 1e6 / secs.max(1e-9),
            path.display()
        ))?;
    }
    Ok(Exit::Ok)
}

pub async fn restore(args: RestoreArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let start = Instant::now();
    let manifest = restore::read_manifest(&args.dir)?;
    if let Some(m) = manifest.masters.iter().find(|m| m.keys.is_none()) {
        bail!(
            "{}: rclust could not read this file when it was backed up ({}); it cannot restore it",
            m.file,
            m.unreadable.as_deref().unwrap_or("unknown reason")
        );
    }
    let fleet = fleet_for(&opts);
    let (_snap, owners) = load_owners(&fleet, &args.seed).await?;
    let conns = owner_conns(&fleet, &owners).await?;

    let spinner = ui.spinner("reading the backup");
    let dir = args.dir.clone();
    let files: Vec<_> = manifest
        .masters
        .iter()
        .map(|m| (m.file.clone(), m.size, m.sha256.clone()))
        .collect();
    let read = tokio::task::spawn_blocking(move || {
        files
            .iter()
            .map(|(f, size, sha)| restore::read_backup_file(&dir, f, *size, sha))
            .collect::<anyhow::Result<Vec<_>>>()
    })
    .await??;
    spinner.finish_and_clear();
    let expected: BTreeMap<String, u64> = manifest
        .masters
        .iter()
        .map(|m| (m.file.clone(), m.keys.unwrap_or(0)))
        .collect();
    let counted: BTreeMap<String, u64> = read
        .iter()
        .map(|f| (f.file.clone(), f.items.len() as u64))
        .collect();
    let mismatches = crate::admin::plan::transfer::count_mismatches(&expected, &counted);
    if let Some(first) = mismatches.first() {
        bail!("the backup does not match its manifest: {first}");
    }
    let other_db: u64 = read.iter().map(|f| f.other_db).sum();
    if other_db > 0 {
        ui.say(format!(
            "{other_db} key(s) of databases other than 0 in the backup are not restored"
        ));
    }
    let items: Vec<_> = read.into_iter().flat_map(|f| f.items).collect();
    let keys: Vec<&[u8]> = items.iter().map(|i| i.key.as_slice()).collect();
    let plan = plan_writes(&conns, &owners, &keys, args.replace, ui).await?;
    let headline = format!(
        "Restore {} of the {} keys of the backup of {} masters taken {} into {} masters",
        plan.total_writes(),
        keys.len(),
        manifest.masters.len(),
        manifest.created_at,
        owners.masters.len()
    );
    if let Some(exit) =
        show_and_confirm(ui, &owners, &plan, &keys, &headline, args.dry_run, args.yes)?
    {
        return Ok(exit);
    }
    let bar = ui.bar(plan.total_writes() as u64, "keys");
    let write_start = Instant::now();
    let tally = restore::write_keys(&conns, &items, &plan.writes, args.replace, &bar).await?;
    bar.finish_and_clear();
    let secs = write_start.elapsed().as_secs_f64();
    let bytes: u64 = manifest.masters.iter().map(|m| m.size).sum();
    let skipped = plan.conflicts.len() + tally.busy.len() + tally.failed.len();
    // Verify in the cluster: every key of the backup is there now, or has expired since.
    let spinner = ui.spinner("verifying the keys in the cluster");
    let groups = owners.group(&keys);
    let grouped: Vec<Vec<&[u8]>> = groups
        .iter()
        .map(|g| g.iter().map(|&i| keys[i]).collect())
        .collect();
    let there = existing(&conns, &grouped).await?;
    spinner.finish_and_clear();
    let now = now_ms();
    let accounted = groups
        .iter()
        .zip(&there)
        .flat_map(|(g, e)| g.iter().zip(e))
        .filter(|(&i, &present)| present || items[i].expire_at.is_some_and(|at| at <= now))
        .count() as u64;
    let verified = accounted == manifest.total_keys;
    if ui.json {
        print_json(&json!({
            "keys": keys.len(), "restored": tally.restored, "expired": tally.expired,
            "skipped": skipped, "replaced": plan.replaced,
            "manifest_keys": manifest.total_keys, "verified": verified,
            "skipped_sample": sample(plan.conflicts.iter().map(|&i| keys[i])
                .chain(tally.busy.iter().map(Vec::as_slice))),
            "seconds": secs, "total_seconds": start.elapsed().as_secs_f64(),
            "mb_per_sec": bytes as f64 / 1e6 / start.elapsed().as_secs_f64().max(1e-9),
        }))?;
    } else {
        print(&format!(
            "Restored {} keys in {secs:.2}s ({:.1} MB of RDB/s overall); {} skipped, {} expired; the manifest lists {} keys{}",
            tally.restored,
            bytes as f64 / 1e6 / start.elapsed().as_secs_f64().max(1e-9),
            skipped,
            tally.expired,
            manifest.total_keys,
            if verified { ", all accounted for" } else { "" }
        ))?;
    }
    if !verified {
        eprintln!(
            "rclust: the cluster holds {accounted} of the backup's keys (expired ones counted), the manifest lists {}",
            manifest.total_keys
        );
        return Ok(Exit::Problem);
    }
    Ok(report_leftovers(&keys, &plan, &tally))
}
