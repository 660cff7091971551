//! The CLUSTER subcommands that change a node's view of the cluster, spelled once: the CLI
//! builds them (`args`), the node parses them (`SetSlot::parse`).

/// The action of `CLUSTER SETSLOT <slot> <action>`. Ids stay text: a node answers an
/// unknown or malformed one with an error naming it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetSlot {
    Importing(String),
    Migrating(String),
    Stable,
    Node(String),
}

impl SetSlot {
    /// The action from its words after the slot (any case); None when they do not form one.
    pub fn parse(words: &[&str]) -> Option<SetSlot> {
        let id = |w: &&str| w.to_string();
        match words {
            [action, node] if action.eq_ignore_ascii_case("migrating") => {
                Some(SetSlot::Migrating(id(node)))
            }
            [action, node] if action.eq_ignore_ascii_case("importing") => {
                Some(SetSlot::Importing(id(node)))
            }
            [action] if action.eq_ignore_ascii_case("stable") => Some(SetSlot::Stable),
            [action, node] if action.eq_ignore_ascii_case("node") => Some(SetSlot::Node(id(node))),
            _ => None,
        }
    }

    /// `SETSLOT <slot> <action> [id]`, the arguments after `CLUSTER`.
    pub fn args(&self, slot: u16) -> Vec<String> {
        let mut args = vec!["SETSLOT".to_string(), slot.to_string()];
        let (action, id) = match self {
            SetSlot::Importing(id) => ("IMPORTING", Some(id)),
            SetSlot::Migrating(id) => ("MIGRATING", Some(id)),
            SetSlot::Stable => ("STABLE", None),
            SetSlot::Node(id) => ("NODE", Some(id)),
        };
        args.push(action.to_string());
        args.extend(id.cloned());
        args
    }
}

/// `CLUSTER MEET ip port [cport]`: the bus port only when it is not port+10000, so that
/// servers older than 7.0 understand it too.
pub fn meet(ip: &str, port: u16, cport: u16) -> Vec<String> {
    let mut meet = vec![
        "CLUSTER".to_string(),
        "MEET".into(),
        ip.to_string(),
        port.to_string(),
    ];
    if cport != port.wrapping_add(10000) {
        meet.push(cport.to_string());
    }
    meet
}

/// `CLUSTER REPLICATE master`.
pub fn replicate(master: &str) -> Vec<String> {
    vec![
        "CLUSTER".to_string(),
        "REPLICATE".into(),
        master.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setslot_parses_what_it_builds() {
        let id = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca".to_string();
        for action in [
            SetSlot::Importing(id.clone()),
            SetSlot::Migrating(id.clone()),
            SetSlot::Stable,
            SetSlot::Node(id),
        ] {
            let args = action.args(42);
            assert_eq!(args[..2], ["SETSLOT", "42"]);
            let words: Vec<&str> = args[2..].iter().map(String::as_str).collect();
            assert_eq!(SetSlot::parse(&words), Some(action));
        }
        assert_eq!(SetSlot::parse(&["node"]), None);
        assert_eq!(SetSlot::parse(&["stable", "x"]), None);
        assert_eq!(SetSlot::parse(&["Stable"]), Some(SetSlot::Stable));
        assert_eq!(SetSlot::parse(&[]), None);
    }

    #[test]
    fn meet_names_the_bus_port_only_when_it_is_not_the_default() {
        assert_eq!(
            meet("10.0.0.1", 7000, 17000),
            ["CLUSTER", "MEET", "10.0.0.1", "7000"]
        );
        assert_eq!(meet("10.0.0.1", 7000, 7100)[4], "7100");
        assert_eq!(replicate("ab"), ["CLUSTER", "REPLICATE", "ab"]);
    }
}
