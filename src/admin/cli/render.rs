//! How snapshots and findings look: the nodes table, the slot bar, the info summary and the
//! check report, for people (tables, colour) and for scripts (JSON).

use colored::{Color, Colorize};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, ContentArrangement, Table};
use serde_json::{json, Value};

use crate::admin::health::{Finding, Severity};
use crate::admin::snapshot::Snapshot;
use crate::model::id::short;
use crate::model::{ClusterNode, SlotSet, SLOT_COUNT};

/// Masters (by address), each followed by its replicas; then nodes with no known master.
pub fn grouped_nodes(snap: &Snapshot) -> Vec<&ClusterNode> {
    let mut masters = snap.masters();
    masters.sort_by_key(|m| m.addr.addr());
    let mut out = Vec::new();
    for m in &masters {
        out.push(*m);
        let mut reps = snap.replicas_of(&m.id);
        reps.sort_by_key(|r| r.addr.addr());
        out.extend(reps);
    }
    let mut rest: Vec<&ClusterNode> = snap
        .known_ids()
        .into_iter()
        .filter_map(|id| snap.line(&id))
        .filter(|n| !out.iter().any(|o| o.id == n.id))
        .collect();
    rest.sort_by_key(|n| n.addr.addr());
    out.extend(rest);
    out
}

fn keys_of(snap: &Snapshot, id: &str) -> Option<u64> {
    snap.report(id).map(|r| r.keys())
}

pub fn nodes_json(snap: &Snapshot) -> Value {
    let nodes: Vec<Value> = grouped_nodes(snap)
        .into_iter()
        .map(|n| {
            json!({
                "id": n.id,
                "addr": n.addr.addr().to_string(),
                "bus_port": n.addr.cport,
                "hostname": n.addr.hostname,
                "role": n.role(),
                "master": n.master_id,
                "slots": n.slots,
                "slot_count": n.slots.len(),
                "keys": keys_of(snap, &n.id),
                "config_epoch": n.config_epoch,
                "link": if n.connected { "connected" } else { "disconnected" },
                "flags": n.flags.to_string().split(',').collect::<Vec<_>>(),
                "reachable": snap.report(&n.id).is_some(),
            })
        })
        .collect();
    json!({ "seed": snap.seed.to_string(), "nodes": nodes })
}

const PALETTE: [Color; 6] = [
    Color::Green,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Yellow,
    Color::BrightRed,
];

/// Letter naming the i-th master in the slot bar's legend.
fn master_letter(i: usize) -> char {
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    letters.get(i).map(|b| *b as char).unwrap_or('#')
}

/// One character per 256 slots: the owning master's letter, `.` where uncovered, `+` where
/// several owners share the cell.
pub fn slot_bar(masters: &[&ClusterNode], color: bool) -> String {
    const CELLS: u16 = 64;
    let per_cell = SLOT_COUNT / CELLS;
    let mut bar = String::new();
    for cell in 0..CELLS {
        let span = SlotSet::range(cell * per_cell, cell * per_cell + per_cell - 1);
        let owners: Vec<usize> = masters
            .iter()
            .enumerate()
            .filter(|(_, m)| !m.slots.intersection(&span).is_empty())
            .map(|(i, _)| i)
            .collect();
        let covered = masters
            .iter()
            .fold(SlotSet::new(), |mut acc, m| {
                acc.union_with(&m.slots.intersection(&span));
                acc
            })
            .len();
        let text = match owners.as_slice() {
            [] => ".".to_string(),
            [one] if covered == per_cell as usize => {
                let ch = master_letter(*one).to_string();
                if color {
                    ch.color(PALETTE[one % PALETTE.len()]).to_string()
                } else {
                    ch
                }
            }
            _ => "+".to_string(),
        };
        bar.push_str(&text);
    }
    bar
}

pub fn nodes_table(snap: &Snapshot, color: bool) -> String {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec![
            "ID", "ADDRESS", "ROLE", "MASTER", "SLOTS", "RANGES", "KEYS", "EPOCH", "LINK", "FLAGS",
        ]);
    let mut masters = snap.masters();
    masters.sort_by_key(|m| m.addr.addr());
    for n in grouped_nodes(snap) {
        let letter = masters
            .iter()
            .position(|m| m.id == n.id)
            .map(|i| format!("{} ", master_letter(i)))
            .unwrap_or_default();
        let role = match n.role() {
            crate::model::Role::Replica => " └ replica".to_string(),
            r => format!("{letter}{r}"),
        };
        let flags: Vec<&str> = n.flags.trouble_words();
        let mut flag_text = flags.join(",");
        if snap.report(&n.id).is_none() {
            flag_text = if flag_text.is_empty() {
                "unreachable".into()
            } else {
                format!("{flag_text},unreachable")
            };
        }
        let flag_cell = if color && !flag_text.is_empty() {
            Cell::new(flag_text.red().to_string())
        } else {
            Cell::new(flag_text)
        };
        let ranges = if n.slots.is_empty() {
            String::new()
        } else {
            n.slots.to_string()
        };
        let address = match &n.addr.hostname {
            Some(h) => format!("{} ({h})", n.addr.addr()),
            None => n.addr.addr().to_string(),
        };
        table.add_row(vec![
            Cell::new(n.short_id()),
            Cell::new(address),
            Cell::new(role),
            Cell::new(n.master_id.as_deref().map(short).unwrap_or("")),
            Cell::new(if n.flags.master {
                n.slots.len().to_string()
            } else {
                String::new()
            }),
            Cell::new(ranges),
            Cell::new(
                keys_of(snap, &n.id)
                    .map(|k| k.to_string())
                    .unwrap_or("?".into()),
            ),
            Cell::new(n.config_epoch),
            Cell::new(if n.connected {
                "connected"
            } else {
                "disconnected"
            }),
            flag_cell,
        ]);
    }
    format!("{table}\nslots [{}]\n", slot_bar(&masters, color))
}

pub struct MasterInfo<'a> {
    pub node: &'a ClusterNode,
    pub keys: Option<u64>,
    pub replicas: usize,
}

pub fn master_infos(snap: &Snapshot) -> Vec<MasterInfo<'_>> {
    let mut masters = snap.masters();
    masters.sort_by_key(|m| m.addr.addr());
    masters
        .into_iter()
        .map(|m| MasterInfo {
            node: m,
            keys: keys_of(snap, &m.id),
            replicas: snap.replicas_of(&m.id).len(),
        })
        .collect()
}

pub fn info_json(snap: &Snapshot) -> Value {
    let infos = master_infos(snap);
    let total: u64 = infos.iter().filter_map(|i| i.keys).sum();
    let masters: Vec<Value> = infos
        .iter()
        .map(|i| {
            json!({
                "id": i.node.id,
                "addr": i.node.addr.addr().to_string(),
                "keys": i.keys,
                "slots": i.node.slots.len(),
                "replicas": i.replicas,
                "keys_per_slot": keys_per_slot(i.keys.unwrap_or(0), i.node.slots.len()),
            })
        })
        .collect();
    json!({
        "masters": masters,
        "total_keys": total,
        "master_count": infos.len(),
        "keys_per_slot": keys_per_slot(total, SLOT_COUNT as usize),
    })
}

fn keys_per_slot(keys: u64, slots: usize) -> f64 {
    if slots == 0 {
        0.0
    } else {
        ((keys as f64 / slots as f64) * 100.0).round() / 100.0
    }
}

/// redis-cli's familiar info block.
pub fn info_text(snap: &Snapshot) -> String {
    let infos = master_infos(snap);
    let mut out = String::new();
    let mut total = 0;
    for i in &infos {
        let keys = i.keys.map(|k| k.to_string()).unwrap_or("?".into());
        total += i.keys.unwrap_or(0);
        out += &format!(
            "{} ({}...) -> {keys} keys | {} slots | {} slaves.\n",
            i.node.addr.addr(),
            i.node.short_id(),
            i.node.slots.len(),
            i.replicas
        );
    }
    out += &format!("[OK] {total} keys in {} masters.\n", infos.len());
    out += &format!(
        "{:.2} keys per slot on average.\n",
        total as f64 / SLOT_COUNT as f64
    );
    out
}

fn tag(sev: &str, color: bool) -> String {
    let t = format!("[{sev}]");
    if !color {
        return t;
    }
    match sev {
        "OK" => t.green().to_string(),
        "ERR" => t.red().to_string(),
        _ => t.yellow().to_string(),
    }
}

/// The human check report: redis-cli's lines, then every finding, named.
/// The check report; `endpoint` is what the nodes redirect clients to (their
/// `cluster-preferred-endpoint-type`, or "mixed"), when they say: shown unless it is the
/// default, `ip`.
pub fn check_text(
    snap: &Snapshot,
    findings: &[Finding],
    endpoint: Option<&str>,
    color: bool,
) -> String {
    let mut out = format!(">>> Performing Cluster Check (using node {})\n", snap.seed);
    for n in grouped_nodes(snap) {
        let letter = if n.flags.master { "M" } else { "S" };
        out += &format!("{letter}: {} {}", n.id, n.addr.addr());
        if let Some(h) = &n.addr.hostname {
            out += &format!(" hostname {h}");
        }
        out += "\n";
        let slots = if n.slots.is_empty() {
            String::new()
        } else {
            n.slots
                .to_string()
                .split(',')
                .map(|r| format!("[{r}]"))
                .collect::<Vec<_>>()
                .join(",")
        };
        let role = if n.flags.master { "master" } else { "slave" };
        out += &format!("   slots:{slots} ({} slots) {role}\n", n.slots.len());
        if n.flags.master {
            let reps = snap.replicas_of(&n.id).len();
            if reps > 0 {
                out += &format!("   {reps} additional replica(s)\n");
            }
        } else if let Some(m) = &n.master_id {
            out += &format!("   replicates {m}\n");
        }
    }
    let of = |kind: &'static str| findings.iter().filter(move |f| f.kind == kind);
    if of("disagreement").next().is_none() {
        out += &format!(
            "{} All nodes agree about slots configuration.\n",
            tag("OK", color)
        );
    } else {
        out += &format!(
            "{} Nodes don't agree about configuration!\n",
            tag("ERR", color)
        );
        for f in of("disagreement") {
            out += &format!("   {}\n", f.message);
        }
    }
    if let Some(e) = endpoint.filter(|e| *e != "ip") {
        out += &format!("Clients are redirected by: {e} (cluster-preferred-endpoint-type)\n");
    }
    out += ">>> Check for open slots...\n";
    for f in of("open_slot") {
        out += &format!("{} {}\n", tag("WARNING", color), f.message);
    }
    out += ">>> Check slots coverage...\n";
    match of("uncovered_slots").next() {
        None => out += &format!("{} All 16384 slots covered.\n", tag("OK", color)),
        Some(f) => {
            out += &format!(
                "{} Not all 16384 slots are covered by nodes.\n",
                tag("ERR", color)
            );
            out += &format!("   {}\n", f.message);
        }
    }
    for f in findings {
        if matches!(f.kind, "disagreement" | "open_slot" | "uncovered_slots") {
            continue;
        }
        let sev = if f.severity == Severity::Problem {
            "ERR"
        } else {
            "WARNING"
        };
        out += &format!("{} {}\n", tag(sev, color), f.message);
    }
    out + &check_verdict(snap, findings, color)
}

/// `check --quiet`: only the problems and the verdict.
pub fn check_quiet(snap: &Snapshot, findings: &[Finding], color: bool) -> String {
    let mut out = String::new();
    for f in findings.iter().filter(|f| f.severity == Severity::Problem) {
        out += &format!("{} {}\n", tag("ERR", color), f.message);
    }
    out + &check_verdict(snap, findings, color)
}

fn check_verdict(snap: &Snapshot, findings: &[Finding], color: bool) -> String {
    match crate::admin::health::problems(findings) {
        0 => format!(
            "{} Cluster is healthy ({} nodes).\n",
            tag("OK", color),
            snap.known_ids().len()
        ),
        problems => format!("{} {problems} problem(s) found.\n", tag("ERR", color)),
    }
}

pub fn check_json(snap: &Snapshot, findings: &[Finding]) -> Value {
    let problems: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Problem)
        .collect();
    let warnings: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .collect();
    let mut covered = SlotSet::new();
    for m in snap.masters() {
        covered.union_with(&m.slots);
    }
    json!({
        "ok": problems.is_empty(),
        "seed": snap.seed.to_string(),
        "slots_covered": covered.len(),
        "problems": problems,
        "warnings": warnings,
        "unreachable": snap.unreachable,
        "nodes": nodes_json(snap)["nodes"],
    })
}
