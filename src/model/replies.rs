//! Parsers for the other replies the tools read: `INFO` and `CLUSTER INFO` text.

use std::collections::BTreeMap;

/// `field:value` lines of `INFO` or `CLUSTER INFO`; `# Section` headers and blanks skipped.
pub fn parse_info(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.trim_end_matches('\r').split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The keys of every database in `INFO keyspace` (`db0:keys=12,...`, `db2:keys=3,...`):
/// Valkey 9 clusters may use several (`cluster-databases`).
pub fn all_keys(info: &BTreeMap<String, String>) -> u64 {
    info.iter()
        .filter(|(k, _)| {
            k.strip_prefix("db")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter_map(|(_, v)| v.split(',').find_map(|kv| kv.strip_prefix("keys=")))
        .filter_map(|n| n.parse::<u64>().ok())
        .sum()
}

/// Valkey's availability zone (`availability_zone` in INFO server, from the
/// `availability-zone` setting), when one is set.
pub fn zone_of(info: &BTreeMap<String, String>) -> Option<&str> {
    info.get("availability_zone")
        .map(|z| z.trim())
        .filter(|z| !z.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_fields() {
        let info = parse_info("# Cluster\r\ncluster_enabled:1\r\n\r\n# Keyspace\r\ndb0:keys=12,expires=1,avg_ttl=0\r\n");
        assert_eq!(info["cluster_enabled"], "1");
        assert_eq!(all_keys(&parse_info("cluster_enabled:1\r\n")), 0);
        let multi = parse_info("db0:keys=5,expires=0\r\ndb2:keys=3,expires=1\r\ndbsize:9\r\n");
        assert_eq!(all_keys(&multi), 8);
        assert_eq!(
            zone_of(&parse_info("availability_zone:eu-1a\r\n")),
            Some("eu-1a")
        );
        assert_eq!(zone_of(&parse_info("availability_zone:\r\n")), None);
        assert_eq!(zone_of(&multi), None);
    }
}
