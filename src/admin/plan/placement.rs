//! The one placement rule plans must not break: in a cluster spread over several hosts, no
//! master may have all of its replicas on its own host, where losing that host loses its
//! slots. (On one host there is nothing to choose, so nothing is refused there.)

use std::collections::BTreeSet;

/// One master as placed by a plan: a name to report it by, its host and its replicas'.
pub struct Shard<'a> {
    pub name: String,
    pub host: &'a str,
    pub replica_hosts: Vec<&'a str>,
}

/// The first shard whose master and every replica share a host, when the nodes span
/// several hosts; as the one-line reason to refuse the plan.
pub fn shared_host(shards: &[Shard], hosts: &BTreeSet<&str>) -> Option<String> {
    if hosts.len() < 2 {
        return None;
    }
    shards
        .iter()
        .find(|s| !s.replica_hosts.is_empty() && s.replica_hosts.iter().all(|h| *h == s.host))
        .map(|s| {
            format!(
                "{} and all its replicas would be on host {}: losing that host would lose its slots \
                 (the nodes span {} hosts; put a replica on another one)",
                s.name,
                s.host,
                hosts.len()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard<'a>(host: &'a str, replicas: &[&'a str]) -> Shard<'a> {
        Shard {
            name: format!("master on {host}"),
            host,
            replica_hosts: replicas.to_vec(),
        }
    }

    #[test]
    fn refuses_a_master_sharing_its_host_with_every_replica() {
        let hosts: BTreeSet<&str> = ["a", "b"].into();
        let bad = [shard("a", &["b"]), shard("b", &["b", "b"])];
        let why = shared_host(&bad, &hosts).unwrap();
        assert!(
            why.starts_with("master on b and all its replicas would be on host b"),
            "{why}"
        );
        // One replica elsewhere is enough; a master without replicas is not this rule's
        // business (check warns of it).
        assert_eq!(
            shared_host(&[shard("a", &["a", "b"]), shard("b", &[])], &hosts),
            None
        );
        // On a single host there is no choice to make.
        let one: BTreeSet<&str> = ["a"].into();
        assert_eq!(shared_host(&[shard("a", &["a"])], &one), None);
    }
}
