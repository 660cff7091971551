//! Commands run on every node at once: `call` and `set-timeout`.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::Table;
use redis::Value;
use serde_json::json;

use crate::admin::conn::ConnOpts;
use crate::admin::exec::converge::run_all;
use crate::admin::exec::preflight::{self, Right};
use crate::admin::snapshot::{Fleet, Snapshot};
use crate::model::Addr;

use super::args::{CallArgs, SetTimeoutArgs};
use super::ui::Ui;
use super::{print, print_json, Exit};

/// A reply as redis-cli would print it.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Nil => "(nil)".into(),
        Value::Int(i) => i.to_string(),
        Value::BulkString(b) => String::from_utf8_lossy(b).trim_end().to_string(),
        Value::SimpleString(s) => s.clone(),
        Value::Okay => "OK".into(),
        Value::Array(items) | Value::Set(items) => {
            items.iter().map(value_text).collect::<Vec<_>>().join("\n")
        }
        Value::Double(d) => d.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::VerbatimString { text, .. } => text.clone(),
        Value::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| format!("{}: {}", value_text(k), value_text(v)))
            .collect::<Vec<_>>()
            .join("\n"),
        Value::ServerError(e) => format!("(error) {}", e.details().unwrap_or_default()),
        other => format!("{other:?}"),
    }
}

pub fn value_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Nil => serde_json::Value::Null,
        Value::Int(i) => json!(i),
        Value::BulkString(b) => json!(String::from_utf8_lossy(b)),
        Value::SimpleString(s) => json!(s),
        Value::Okay => json!("OK"),
        Value::Array(items) | Value::Set(items) => items.iter().map(value_json).collect(),
        Value::Double(d) => json!(d),
        Value::Boolean(b) => json!(b),
        Value::VerbatimString { text, .. } => json!(text),
        Value::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| (value_text(k), value_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        other => json!(format!("{other:?}")),
    }
}

/// The reached nodes to address, by role.
fn targets(snap: &Snapshot, masters: bool, replicas: bool) -> Vec<(Addr, String, &'static str)> {
    snap.reports
        .iter()
        .filter_map(|r| {
            let me = r.myself();
            let role = if me.flags.master { "master" } else { "replica" };
            let wanted = (!masters || me.flags.master) && (!replicas || me.flags.replica);
            wanted.then(|| (r.addr.clone(), me.id.to_string(), role))
        })
        .collect()
}

pub async fn call(args: CallArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let fleet = Fleet::new(opts);
    let snap = fleet.load(&args.seed).await?;
    let nodes = targets(&snap, args.masters, args.replicas);
    let fleet = &fleet;
    let command = &args.command;
    let replies = futures::future::join_all(nodes.iter().map(|(addr, _, _)| async move {
        let mut conn = fleet.conn(addr).await?;
        let refs: Vec<&str> = command.iter().map(String::as_str).collect();
        conn.cmd::<Value>(&refs).await
    }))
    .await;
    let mut failed = snap.unreachable.len();
    let mut rows = Vec::new();
    for ((addr, id, role), reply) in nodes.iter().zip(replies) {
        let (ok, text, value) = match reply {
            Ok(Value::ServerError(e)) => (
                false,
                format!("(error) {}", e.details().unwrap_or_default()),
                json!(null),
            ),
            Ok(v) => (true, value_text(&v), value_json(&v)),
            Err(e) => {
                // The error names the node and the command; keep only the cause.
                let full = format!("{e:#}");
                let cause = full.rsplit(": ").next().unwrap_or(&full).to_string();
                (false, format!("(error) {cause}"), json!(null))
            }
        };
        failed += usize::from(!ok);
        rows.push((addr.clone(), id.clone(), *role, ok, text, value));
    }
    if ui.json {
        let nodes: Vec<serde_json::Value> = rows
            .iter()
            .map(|(addr, id, role, ok, text, value)| {
                json!({"addr": addr.to_string(), "id": id, "role": role, "ok": ok,
                       "reply": if *ok { value.clone() } else { json!(null) },
                       "error": if *ok { json!(null) } else { json!(text.trim_start_matches("(error) ")) }})
            })
            .chain(snap.unreachable.iter().map(|u| json!({"addr": u.addr.to_string(), "id": u.id, "ok": false, "reply": null, "error": u.error})))
            .collect();
        print_json(&json!({ "command": args.command, "nodes": nodes }))?;
    } else {
        let mut out = String::new();
        for (addr, _, _, _, text, _) in &rows {
            out += &format!("{addr}: {text}\n");
        }
        for u in &snap.unreachable {
            out += &format!("{}: (error) {}\n", u.addr, u.error);
        }
        print(&out)?;
    }
    Ok(if failed == 0 { Exit::Ok } else { Exit::Problem })
}

pub async fn set_timeout(args: SetTimeoutArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let fleet = Fleet::new(opts);
    let snap = fleet.load(&args.seed).await?;
    if let Some(u) = snap.unreachable.first() {
        anyhow::bail!(
            "{}: cannot be reached ({}); not changing a cluster partly",
            u.addr,
            u.error
        );
    }
    let nodes = targets(&snap, false, false);
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "NODE",
        "ROLE",
        "cluster-node-timeout",
        "NEW",
    ]);
    for (addr, _, role) in &nodes {
        let current = fleet
            .conn(addr)
            .await?
            .cmd::<Vec<String>>(&["CONFIG", "GET", "cluster-node-timeout"])
            .await?
            .get(1)
            .cloned()
            .unwrap_or_default();
        table.add_row(vec![
            addr.to_string(),
            role.to_string(),
            current,
            args.ms.to_string(),
        ]);
    }
    let text = format!("Plan: set cluster-node-timeout to {} ms on {} node(s) and persist it with CONFIG REWRITE\n{table}", args.ms, nodes.len());
    if args.dry_run {
        print(&text)?;
        return Ok(Exit::Ok);
    }
    let addrs: Vec<_> = nodes.iter().map(|(a, _, _)| a.clone()).collect();
    preflight::check_rights(&fleet, &addrs, &[Right::ConfigSet]).await?;
    if !ui.quiet {
        eprintln!("{text}");
    }
    if !args.yes && !ui.confirm("Change the timeout?")? {
        ui.say("Nothing changed.");
        return Ok(Exit::Error);
    }
    let ms = args.ms.to_string();
    let set = nodes
        .iter()
        .map(|(a, _, _)| {
            (
                a.clone(),
                vec![
                    "CONFIG".to_string(),
                    "SET".into(),
                    "cluster-node-timeout".into(),
                    ms.clone(),
                ],
            )
        })
        .collect();
    let set_errors = run_all(&fleet, set).await;
    let rewrite = nodes
        .iter()
        .map(|(a, _, _)| (a.clone(), vec!["CONFIG".to_string(), "REWRITE".into()]))
        .collect();
    let rewrite_errors = run_all(&fleet, rewrite).await;
    for e in &set_errors {
        eprintln!("rclust: {e}");
    }
    for e in &rewrite_errors {
        ui.say(format!("[WARNING] not persisted: {e}"));
    }
    let ok = nodes.len() - set_errors.len();
    let persisted = nodes.len() - rewrite_errors.len();
    if ui.json {
        print_json(
            &json!({"timeout_ms": args.ms, "set": ok, "failed": set_errors, "persisted": persisted, "not_persisted": rewrite_errors}),
        )?;
    } else {
        print(&format!(
            "{ok} OK, {} ERR; persisted on {persisted}",
            set_errors.len()
        ))?;
    }
    Ok(if set_errors.is_empty() {
        Exit::Ok
    } else {
        Exit::Problem
    })
}
