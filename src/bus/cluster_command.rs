//! The node's one CLUSTER front end: `CLUSTER <sub> ...` parsed once, with Redis 7.0's
//! arity table, argument checks and error texts, into a typed [`ClusterCommand`]. The
//! keyspace-only subcommands ([`KeyspaceQuery`]) are answered from the keyspace alone;
//! the rest ([`BusCommand`]) go to [`ClusterCore::execute`], which never sees raw
//! arguments.

use crate::bus::core::commands::err;
use crate::bus::core::{ClusterReply, CmdError, KeyspaceInfo, SetSlot};
use crate::model::SLOT_COUNT;

/// A parsed CLUSTER subcommand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterCommand {
    /// `CLUSTER HELP`: its reply, built at parse time (it depends only on the spelling
    /// of the command name).
    Help(ClusterReply),
    Keyspace(KeyspaceQuery),
    Bus(BusCommand),
}

/// The subcommands that read only the keyspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyspaceQuery {
    SlotOfKey(Vec<u8>),
    CountKeys(u16),
    GetKeys { slot: u16, count: usize },
}

/// The subcommands that read or change the bus's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BusCommand {
    Meet {
        ip: String,
        port: i64,
        cport: i64,
    },
    Nodes,
    MyId,
    MyShardId,
    Slots,
    Shards,
    Links,
    Info,
    FlushSlots,
    /// ADDSLOTS, DELSLOTS and their RANGE forms, as inclusive ranges.
    ChangeSlots {
        ranges: Vec<(u16, u16)>,
        delete: bool,
    },
    SetSlot {
        slot: u16,
        action: SetSlot,
    },
    BumpEpoch,
    SaveConfig,
    Forget(String),
    Replicate(String),
    /// REPLICAS and its old name SLAVES.
    Replicas(String),
    CountFailureReports(String),
    Failover {
        force: bool,
        takeover: bool,
    },
    SetConfigEpoch(i64),
    Reset {
        hard: bool,
    },
}

impl KeyspaceQuery {
    /// The one implementation of KEYSLOT, COUNTKEYSINSLOT and GETKEYSINSLOT.
    pub fn answer(&self, keys: &dyn KeyspaceInfo) -> ClusterReply {
        match self {
            KeyspaceQuery::SlotOfKey(key) => ClusterReply::Int(crate::model::key_slot(key) as i64),
            KeyspaceQuery::CountKeys(slot) => {
                ClusterReply::Int(keys.count_keys_in_slot(*slot) as i64)
            }
            KeyspaceQuery::GetKeys { slot, count } => ClusterReply::Array(
                keys.keys_in_slot(*slot, *count)
                    .into_iter()
                    .map(ClusterReply::Bulk)
                    .collect(),
            ),
        }
    }
}

impl ClusterCommand {
    /// Parses `CLUSTER <sub> ...`; `argv[0]` is the command name as the client spelled it
    /// (it appears in HELP and in errors).
    pub fn parse(argv: &[&[u8]]) -> Result<ClusterCommand, CmdError> {
        let Some(sub_raw) = argv.get(1) else {
            return Err(err("wrong number of arguments for 'cluster' command"));
        };
        let sub = text(sub_raw).to_ascii_lowercase();
        let cmd_name = text(argv[0]).to_ascii_uppercase();
        let shown = || text(sub_raw).chars().take(128).collect::<String>();
        let Some(ar) = arity(&sub) else {
            return Err(err(format!(
                "unknown subcommand '{}'. Try {cmd_name} HELP.",
                shown()
            )));
        };
        let argc = argv.len() as i32;
        if (ar > 0 && argc != ar) || (ar < 0 && argc < -ar) {
            return Err(err(format!(
                "wrong number of arguments for 'cluster|{sub}' command"
            )));
        }
        let syntax = || {
            err(format!(
                "unknown subcommand or wrong number of arguments for '{}'. Try {cmd_name} HELP.",
                shown()
            ))
        };
        let arg = |i: usize| text(argv[i]);
        let not_int = || err("value is not an integer or out of range");
        let bus = |c: BusCommand| Ok(ClusterCommand::Bus(c));
        match sub.as_str() {
            "help" => Ok(ClusterCommand::Help(help_reply(&cmd_name))),
            "meet" => {
                if argc > 5 {
                    return Err(syntax());
                }
                let port = parse_i64(argv[3])
                    .ok_or_else(|| err(format!("Invalid TCP base port specified: {}", arg(3))))?;
                let cport = match argv.get(4) {
                    Some(c) => parse_i64(c).ok_or_else(|| {
                        err(format!("Invalid TCP bus port specified: {}", arg(4)))
                    })?,
                    None => port + 10000,
                };
                bus(BusCommand::Meet {
                    ip: arg(2),
                    port,
                    cport,
                })
            }
            "nodes" => bus(BusCommand::Nodes),
            "myid" => bus(BusCommand::MyId),
            "myshardid" => bus(BusCommand::MyShardId),
            "slots" => bus(BusCommand::Slots),
            "shards" => bus(BusCommand::Shards),
            "links" => bus(BusCommand::Links),
            "info" => bus(BusCommand::Info),
            "flushslots" => bus(BusCommand::FlushSlots),
            "addslots" | "delslots" => {
                let ranges = argv[2..]
                    .iter()
                    .map(|a| slot_arg(a).map(|s| (s, s)))
                    .collect::<Result<Vec<_>, _>>()?;
                bus(BusCommand::ChangeSlots {
                    ranges,
                    delete: sub == "delslots",
                })
            }
            "addslotsrange" | "delslotsrange" => {
                if argc % 2 == 1 {
                    return Err(err(format!(
                        "wrong number of arguments for 'cluster|{sub}' command"
                    )));
                }
                let mut ranges = Vec::new();
                for pair in argv[2..].chunks(2) {
                    let start = slot_arg(pair[0])?;
                    let end = slot_arg(pair[1])?;
                    if start > end {
                        return Err(err(format!(
                            "start slot number {start} is greater than end slot number {end}"
                        )));
                    }
                    ranges.push((start, end));
                }
                bus(BusCommand::ChangeSlots {
                    ranges,
                    delete: sub == "delslotsrange",
                })
            }
            "setslot" => {
                let slot = slot_arg(argv[2])?;
                let words: Vec<String> = argv[3..].iter().map(|a| text(a)).collect();
                let words: Vec<&str> = words.iter().map(String::as_str).collect();
                let action = SetSlot::parse(&words).ok_or_else(|| {
                    err("Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP")
                })?;
                bus(BusCommand::SetSlot { slot, action })
            }
            "bumpepoch" => bus(BusCommand::BumpEpoch),
            "saveconfig" => bus(BusCommand::SaveConfig),
            "keyslot" => Ok(ClusterCommand::Keyspace(KeyspaceQuery::SlotOfKey(
                argv[2].to_vec(),
            ))),
            "countkeysinslot" => {
                let slot = parse_i64(argv[2]).ok_or_else(not_int)?;
                if !(0..SLOT_COUNT as i64).contains(&slot) {
                    return Err(err("Invalid slot"));
                }
                Ok(ClusterCommand::Keyspace(KeyspaceQuery::CountKeys(
                    slot as u16,
                )))
            }
            "getkeysinslot" => {
                let slot = parse_i64(argv[2]).ok_or_else(not_int)?;
                let count = parse_i64(argv[3]).ok_or_else(not_int)?;
                if !(0..SLOT_COUNT as i64).contains(&slot) || count < 0 {
                    return Err(err("Invalid slot or number of keys"));
                }
                Ok(ClusterCommand::Keyspace(KeyspaceQuery::GetKeys {
                    slot: slot as u16,
                    count: count as usize,
                }))
            }
            "forget" => bus(BusCommand::Forget(arg(2))),
            "replicate" => bus(BusCommand::Replicate(arg(2))),
            "slaves" | "replicas" => bus(BusCommand::Replicas(arg(2))),
            "count-failure-reports" => bus(BusCommand::CountFailureReports(arg(2))),
            "failover" => {
                if argc > 3 {
                    return Err(syntax());
                }
                let option = argv.get(2).map(|a| text(a).to_ascii_lowercase());
                let (force, takeover) = match option.as_deref() {
                    None => (false, false),
                    Some("force") => (true, false),
                    Some("takeover") => (true, true),
                    Some(_) => return Err(err("syntax error")),
                };
                bus(BusCommand::Failover { force, takeover })
            }
            "set-config-epoch" => bus(BusCommand::SetConfigEpoch(
                parse_i64(argv[2]).ok_or_else(not_int)?,
            )),
            "reset" => {
                if argc > 3 {
                    return Err(syntax());
                }
                let hard = match argv.get(2).map(|a| text(a).to_ascii_lowercase()) {
                    None => false,
                    Some(w) if w == "soft" => false,
                    Some(w) if w == "hard" => true,
                    Some(_) => return Err(err("syntax error")),
                };
                bus(BusCommand::Reset { hard })
            }
            _ => Err(syntax()),
        }
    }
}

/// Parses and runs a whole CLUSTER command against one core and a keyspace: what the
/// simulator and the core's tests use; the node splits the two halves (see
/// [`ClusterCommand`]).
#[cfg(test)]
pub fn run(
    core: &mut crate::bus::core::ClusterCore,
    now: u64,
    argv: &[&[u8]],
    keys: &dyn KeyspaceInfo,
) -> Result<ClusterReply, CmdError> {
    match ClusterCommand::parse(argv)? {
        ClusterCommand::Help(reply) => Ok(reply),
        ClusterCommand::Keyspace(q) => Ok(q.answer(keys)),
        ClusterCommand::Bus(cmd) => core.execute(now, cmd, keys),
    }
}

fn help_reply(cmd_name: &str) -> ClusterReply {
    ClusterReply::Array(
        std::iter::once(format!(
            "{cmd_name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
        ))
        .chain(HELP.iter().map(|s| s.to_string()))
        .chain(std::iter::once("HELP".to_string()))
        .chain(std::iter::once("    Print this help.".to_string()))
        .map(ClusterReply::Status)
        .collect(),
    )
}

/// Arity of each subcommand as in Redis's command table (negative: at least).
fn arity(sub: &str) -> Option<i32> {
    Some(match sub {
        "addslots" | "delslots" => -3,
        "addslotsrange" | "delslotsrange" | "meet" | "setslot" => -4,
        "bumpepoch" | "flushslots" | "help" | "info" | "links" | "myid" | "myshardid" | "nodes"
        | "saveconfig" | "shards" | "slots" => 2,
        "count-failure-reports"
        | "countkeysinslot"
        | "forget"
        | "keyslot"
        | "replicas"
        | "replicate"
        | "set-config-epoch"
        | "slaves" => 3,
        "getkeysinslot" => 4,
        "failover" | "reset" => -2,
        _ => return None,
    })
}

fn parse_i64(arg: &[u8]) -> Option<i64> {
    std::str::from_utf8(arg).ok()?.parse().ok()
}

fn text(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).into_owned()
}

/// `getSlotOrReply`.
fn slot_arg(arg: &[u8]) -> Result<u16, CmdError> {
    match parse_i64(arg) {
        Some(s) if (0..SLOT_COUNT as i64).contains(&s) => Ok(s as u16),
        _ => Err(err("Invalid or out of range slot")),
    }
}

const HELP: &[&str] = &[
    "ADDSLOTS <slot> [<slot> ...]",
    "    Assign slots to current node.",
    "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Assign slots which are between <start-slot> and <end-slot> to current node.",
    "BUMPEPOCH",
    "    Advance the cluster config epoch.",
    "COUNT-FAILURE-REPORTS <node-id>",
    "    Return number of failure reports for <node-id>.",
    "COUNTKEYSINSLOT <slot>",
    "    Return the number of keys in <slot>.",
    "DELSLOTS <slot> [<slot> ...]",
    "    Delete slots information from current node.",
    "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
    "FAILOVER [FORCE|TAKEOVER]",
    "    Promote current replica node to being a master.",
    "FORGET <node-id>",
    "    Remove a node from the cluster.",
    "GETKEYSINSLOT <slot> <count>",
    "    Return key names stored by current node in a slot.",
    "FLUSHSLOTS",
    "    Delete current node own slots information.",
    "INFO",
    "    Return information about the cluster.",
    "KEYSLOT <key>",
    "    Return the hash slot for <key>.",
    "MEET <ip> <port> [<bus-port>]",
    "    Connect nodes into a working cluster.",
    "MYID",
    "    Return the node id.",
    "NODES",
    "    Return cluster configuration seen by node. Output format:",
    "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
    "REPLICATE <node-id>",
    "    Configure current node as replica to <node-id>.",
    "RESET [HARD|SOFT]",
    "    Reset current node (default: soft).",
    "SET-CONFIG-EPOCH <epoch>",
    "    Set config epoch of current node.",
    "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
    "    Set slot state.",
    "REPLICAS <node-id>",
    "    Return <node-id> replicas.",
    "SAVECONFIG",
    "    Force saving cluster configuration on disk.",
    "SLOTS",
    "    Return information about slots range mappings. Each range is made of:",
    "    start, end, master and replicas IP addresses, ports and ids",
    "SHARDS",
    "    Return information about slot range mappings and the nodes associated with them.",
    "LINKS",
    "    Return information about all network links between this node and its peers.",
    "    Output format is an array where each array element is a map containing attributes of a link",
];
