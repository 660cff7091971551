//! One node as a `CLUSTER NODES` line describes it, with the parser and printer for that
//! format (shared by the CLI, which reads it, and the node server, which writes it).

use std::fmt;
use std::str::FromStr;

use super::addr::BusAddr;
use super::id::NodeId;
use super::slots::{parse_slot, SlotSet};

/// Node flags as `CLUSTER NODES` spells them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct NodeFlags {
    pub myself: bool,
    pub master: bool,
    pub replica: bool,
    pub pfail: bool,
    pub fail: bool,
    pub handshake: bool,
    pub noaddr: bool,
    pub nofailover: bool,
}

impl NodeFlags {
    /// Flags that mean the node is not a healthy member from the viewer's side.
    pub fn is_troubled(&self) -> bool {
        self.pfail || self.fail || self.handshake || self.noaddr
    }

    /// The troubled flags, as words.
    pub fn trouble_words(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.fail {
            out.push("fail");
        }
        if self.pfail {
            out.push("fail?");
        }
        if self.handshake {
            out.push("handshake");
        }
        if self.noaddr {
            out.push("noaddr");
        }
        out
    }
}

impl fmt::Display for NodeFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words = [
            (self.myself, "myself"),
            (self.master, "master"),
            (self.replica, "slave"),
            (self.pfail, "fail?"),
            (self.fail, "fail"),
            (self.handshake, "handshake"),
            (self.noaddr, "noaddr"),
            (self.nofailover, "nofailover"),
        ];
        let set: Vec<&str> = words.iter().filter(|w| w.0).map(|w| w.1).collect();
        if set.is_empty() {
            f.write_str("noflags")
        } else {
            f.write_str(&set.join(","))
        }
    }
}

impl FromStr for NodeFlags {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let mut flags = NodeFlags::default();
        for word in text.split(',') {
            match word {
                "myself" => flags.myself = true,
                "master" => flags.master = true,
                "slave" | "replica" => flags.replica = true,
                "fail?" => flags.pfail = true,
                "fail" => flags.fail = true,
                "handshake" => flags.handshake = true,
                "noaddr" => flags.noaddr = true,
                "nofailover" => flags.nofailover = true,
                "noflags" | "" => {}
                other => return Err(format!("unknown node flag '{other}'")),
            }
        }
        Ok(flags)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Master,
    Replica,
    /// Neither flag set (a node still in handshake, for instance).
    Unknown,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Master => "master",
            Role::Replica => "replica",
            Role::Unknown => "unknown",
        })
    }
}

/// A slot in migration, as one node's line shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OpenSlot {
    pub slot: u16,
    /// The other node's id: the destination when migrating, the source when importing.
    pub peer: NodeId,
}

/// One line of `CLUSTER NODES`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ClusterNode {
    pub id: NodeId,
    pub addr: BusAddr,
    pub flags: NodeFlags,
    /// The master's id for a replica.
    pub master_id: Option<NodeId>,
    pub ping_sent: u64,
    pub pong_recv: u64,
    pub config_epoch: u64,
    pub connected: bool,
    pub slots: SlotSet,
    pub migrating: Vec<OpenSlot>,
    pub importing: Vec<OpenSlot>,
}

impl ClusterNode {
    pub fn role(&self) -> Role {
        if self.flags.master {
            Role::Master
        } else if self.flags.replica {
            Role::Replica
        } else {
            Role::Unknown
        }
    }

    pub fn short_id(&self) -> &str {
        self.id.short()
    }
}

/// Errors name the line so a bad reply can be traced.
fn line_error(line: &str, why: impl fmt::Display) -> String {
    format!("bad CLUSTER NODES line '{line}': {why}")
}

impl FromStr for ClusterNode {
    type Err = String;

    fn from_str(line: &str) -> Result<Self, String> {
        parse_line(line, None)
    }
}

/// Shares what the lines of many views repeat: the views of one cluster list each master's
/// slots identically and every node's id once per view. A snapshot of N views then holds
/// one bitmap per distinct slot list and one copy of each id, instead of one per line, and
/// comparing two views' lines for a node compares pointers.
#[derive(Default)]
pub struct ViewInterner {
    slot_sets: std::collections::HashMap<Box<str>, SlotSet>,
    ids: std::collections::HashSet<NodeId>,
}

impl ViewInterner {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many distinct slot lists it holds.
    pub fn len(&self) -> usize {
        self.slot_sets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slot_sets.is_empty()
    }

    /// How many distinct ids it holds.
    pub fn ids(&self) -> usize {
        self.ids.len()
    }

    /// The shared copy of the id `text`, checked the first time it is seen.
    fn id(&mut self, text: &str) -> Result<NodeId, String> {
        if let Some(id) = self.ids.get(text) {
            return Ok(id.clone());
        }
        let id: NodeId = text.parse()?;
        self.ids.insert(id.clone());
        Ok(id)
    }
}

/// Parses one line; the slot part is looked up in `interner` (when given) before it is parsed.
fn parse_line(line: &str, mut interner: Option<&mut ViewInterner>) -> Result<ClusterNode, String> {
    let mut tokens = line.split_ascii_whitespace();
    let mut fields = [""; 8];
    for (i, f) in fields.iter_mut().enumerate() {
        *f = tokens
            .next()
            .ok_or_else(|| line_error(line, format!("fewer than 8 fields (no field {})", i + 1)))?;
    }
    let num = |i: usize| -> Result<u64, String> {
        fields[i]
            .parse::<u64>()
            .map_err(|_| line_error(line, format!("field {} is not a number", i + 1)))
    };
    let mut id = |text: &str| {
        match interner.as_deref_mut() {
            Some(i) => i.id(text),
            None => text.parse::<NodeId>(),
        }
        .map_err(|e| line_error(line, e))
    };
    let mut node = ClusterNode {
        id: id(fields[0])?,
        addr: fields[1].parse().map_err(|e| line_error(line, e))?,
        flags: fields[2].parse().map_err(|e| line_error(line, e))?,
        master_id: match fields[3] {
            "-" => None,
            master => Some(id(master)?),
        },
        ping_sent: num(4)?,
        pong_recv: num(5)?,
        config_epoch: num(6)?,
        connected: match fields[7] {
            "connected" => true,
            "disconnected" => false,
            other => return Err(line_error(line, format!("unknown link state '{other}'"))),
        },
        slots: SlotSet::new(),
        migrating: Vec::new(),
        importing: Vec::new(),
    };
    // The rest of the line: slots and ranges, then open slots in brackets.
    let rest = tokens
        .next()
        .map(|first| &line[first.as_ptr() as usize - line.as_ptr() as usize..])
        .unwrap_or("")
        .trim_end();
    if rest.is_empty() {
        return Ok(node);
    }
    let (slot_text, open_text) = match rest.find('[') {
        Some(i) => (rest[..i].trim_end(), &rest[i..]),
        None => (rest, ""),
    };
    if !slot_text.is_empty() {
        let parse = |text: &str| -> Result<SlotSet, String> {
            let mut set = SlotSet::new();
            for token in text.split_ascii_whitespace() {
                match token.split_once('-') {
                    Some((a, b)) => {
                        let (a, b) = (
                            parse_slot(a).map_err(|e| line_error(line, e))?,
                            parse_slot(b).map_err(|e| line_error(line, e))?,
                        );
                        if a > b {
                            return Err(line_error(line, format!("invalid slot range '{token}'")));
                        }
                        set.insert_range(a, b);
                    }
                    None => set.insert(parse_slot(token).map_err(|e| line_error(line, e))?),
                }
            }
            Ok(set)
        };
        node.slots = match interner {
            Some(i) => match i.slot_sets.get(slot_text) {
                Some(set) => set.clone(),
                None => {
                    let set = parse(slot_text)?;
                    i.slot_sets.insert(slot_text.into(), set.clone());
                    set
                }
            },
            None => parse(slot_text)?,
        };
    }
    for token in open_text.split_ascii_whitespace() {
        let bad = || line_error(line, format!("bad open slot '{token}'"));
        let inner = token
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .ok_or_else(bad)?;
        if let Some((slot, peer)) = inner.split_once("->-") {
            node.migrating.push(OpenSlot {
                slot: parse_slot(slot).map_err(|_| bad())?,
                peer: peer.parse().map_err(|_| bad())?,
            });
        } else if let Some((slot, peer)) = inner.split_once("-<-") {
            node.importing.push(OpenSlot {
                slot: parse_slot(slot).map_err(|_| bad())?,
                peer: peer.parse().map_err(|_| bad())?,
            });
        } else {
            return Err(bad());
        }
    }
    Ok(node)
}

/// Prints the line as Redis 7 does, without the trailing newline.
impl fmt::Display for ClusterNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {} {} {}",
            self.id,
            self.addr,
            self.flags,
            self.master_id.as_deref().unwrap_or("-"),
            self.ping_sent,
            self.pong_recv,
            self.config_epoch,
            if self.connected {
                "connected"
            } else {
                "disconnected"
            }
        )?;
        for (start, end) in self.slots.ranges() {
            if start == end {
                write!(f, " {start}")?;
            } else {
                write!(f, " {start}-{end}")?;
            }
        }
        for open in &self.migrating {
            write!(f, " [{}->-{}]", open.slot, open.peer)?;
        }
        for open in &self.importing {
            write!(f, " [{}-<-{}]", open.slot, open.peer)?;
        }
        Ok(())
    }
}

/// Parses a whole `CLUSTER NODES` reply.
pub fn parse_cluster_nodes(text: &str) -> Result<Vec<ClusterNode>, String> {
    parse_cluster_nodes_with(text, &mut ViewInterner::new())
}

/// Parses a whole `CLUSTER NODES` reply, sharing slot sets through `interner` (one
/// interner for all the views of a snapshot).
pub fn parse_cluster_nodes_with(
    text: &str,
    interner: &mut ViewInterner,
) -> Result<Vec<ClusterNode>, String> {
    let mut out = Vec::with_capacity(text.len() / 96 + 1);
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        out.push(parse_line(line, Some(interner))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,host-4 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5461-10922
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@31003 master - 0 1426238318243 3 connected 10923-16383 [10923->-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460 [5461-<-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]
6ec23923021cf3ffec47632106199cb7f496ce01 :0@0 master,fail?,noaddr - 1426238316232 1426238316232 0 disconnected
aaaa923021cf3ffec47632106199cb7f496ce01a 127.0.0.1:30009@31009 handshake - 0 0 0 connected
";

    /// Found by fuzzing (cluster_replies): an id with a multi-byte character made
    /// `short_id` cut inside it and panic; ids shorter than 8 panicked where the CLI
    /// prints `id[..8]`. Ids, master ids and open slots' peers are checked (`NodeId`).
    #[test]
    fn ids_that_are_not_node_ids_are_refused() {
        let good = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca";
        for bad in [
            "e7d1eecé10fd6bb5eb35b9f99a514335d9ba9c",
            "abc",
            "E7D1EECCE10FD6BB5EB35B9F99A514335D9BA9CA",
        ] {
            let line = format!("{bad} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5");
            let err = parse_cluster_nodes(&line).unwrap_err();
            assert!(err.contains("invalid node id"), "{err}");
            let replica =
                format!("{good} 127.0.0.1:30001@31001 myself,slave {bad} 0 0 1 connected");
            assert!(parse_cluster_nodes(&replica).is_err());
            let open = format!(
                "{good} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 5 [5->-{bad}]"
            );
            assert!(parse_cluster_nodes(&open).is_err());
        }
        assert!(crate::model::id::is_node_id(good));
    }

    #[test]
    fn parses_every_field() {
        let nodes = parse_cluster_nodes(SAMPLE).unwrap();
        assert_eq!(nodes.len(), 6);
        let replica = &nodes[0];
        assert_eq!(replica.role(), Role::Replica);
        assert_eq!(replica.addr.hostname.as_deref(), Some("host-4"));
        assert_eq!(
            replica.master_id.as_deref(),
            Some("e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca")
        );
        assert_eq!(nodes[1].slots.to_string(), "5461-10922");
        assert_eq!(nodes[2].migrating[0].slot, 10923);
        assert_eq!(nodes[2].slots.len(), 16383 - 10923 + 1);
        assert!(nodes[3].flags.myself);
        assert_eq!(nodes[3].importing[0].slot, 5461);
        assert_eq!(nodes[3].config_epoch, 1);
        let lost = &nodes[4];
        assert!(lost.flags.noaddr && lost.flags.pfail && !lost.connected);
        assert!(nodes[5].flags.handshake);
        assert_eq!(nodes[5].role(), Role::Unknown);
    }

    #[test]
    fn prints_what_it_parses() {
        for line in SAMPLE.lines() {
            let node: ClusterNode = line.parse().unwrap();
            assert_eq!(node.to_string(), line);
        }
    }

    #[test]
    fn rejects_garbage() {
        const ID: &str = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca";
        assert!(parse_cluster_nodes("abc def").is_err());
        for rest in [
            "1.2.3.4:1@2 master - 0 0 x connected",
            "1.2.3.4:1@2 bogus - 0 0 0 connected",
            "1.2.3.4:1@2 master - 0 0 0 connected [12]",
            "1.2.3.4:1@2 master - 0 0 0 connected 99999",
            "1.2.3.4:1@2 master - 0 0 0 connected 5-3",
            "1.2.3.4:1@2 master - 0 0 0 connected 1 [2->-x] 3",
            // A master, or an open slot's peer, that is not a node id.
            "1.2.3.4:1@2 slave e7d1eecc 0 0 0 connected",
            &format!(
                "1.2.3.4:1@2 master - 0 0 0 connected [2->-{}]",
                ID.to_uppercase()
            ),
        ] {
            assert!(
                format!("{ID} {rest}").parse::<ClusterNode>().is_err(),
                "{rest}"
            );
        }
        assert!(format!("{ID} 1.2.3.4:1@2 master - 0 0 0 connected")
            .parse::<ClusterNode>()
            .is_ok());
        // Short or not ASCII: no later slice of the id can panic.
        for id in ["id", "e7d1eec", &"é".repeat(20)] {
            let line = format!("{id} 1.2.3.4:1@2 master - 0 0 0 connected");
            assert!(line.parse::<ClusterNode>().is_err(), "{id}");
        }
    }

    #[test]
    fn views_share_the_slot_sets_they_list_alike() {
        let mut interner = ViewInterner::new();
        let a = parse_cluster_nodes_with(SAMPLE, &mut interner).unwrap();
        let b = parse_cluster_nodes_with(SAMPLE, &mut interner).unwrap();
        assert!(a[1].slots.same_bitmap(&b[1].slots));
        assert_eq!(a, b);
        assert_eq!(a, parse_cluster_nodes(SAMPLE).unwrap());
        // Three masters with slots: three distinct lists.
        assert_eq!(interner.len(), 3);
    }
}
