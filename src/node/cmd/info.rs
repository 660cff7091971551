//! INFO: the sections tools read, formatted like Redis 7 (`# Section` headers, `key:value`
//! lines, `\r\n` line ends, a blank line between sections).

use std::fmt::Write;
use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::Ctx;
use crate::node::alloc;
use crate::node::resp::Frame;

const SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "errorstats",
    "cluster",
    "keyspace",
];

fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b < 1024.0 {
        format!("{bytes}B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.2}K", b / 1024.0)
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", b / 1024.0 / 1024.0)
    } else {
        format!("{:.2}G", b / 1024.0 / 1024.0 / 1024.0)
    }
}

fn section(ctx: &Ctx, name: &str, out: &mut String) {
    let shared = ctx.shared;
    let cfg = shared.config.read();
    let uptime = shared.started.elapsed().as_secs();
    let stats = &shared.stats;
    let title = |out: &mut String, t: &str| {
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        let _ = write!(out, "# {t}\r\n");
    };
    macro_rules! line {
        ($($arg:tt)*) => {{ let _ = write!(out, $($arg)*); out.push_str("\r\n"); }};
    }
    match name {
        "server" => {
            title(out, "Server");
            line!("redis_version:7.0.15");
            line!("rclust_node_version:{}", env!("CARGO_PKG_VERSION"));
            line!(
                "redis_mode:{}",
                if cfg.cluster_enabled {
                    "cluster"
                } else {
                    "standalone"
                }
            );
            line!("os:{} {}", std::env::consts::OS, std::env::consts::ARCH);
            line!("arch_bits:64");
            line!("multiplexing_api:epoll");
            line!("process_id:{}", std::process::id());
            line!("run_id:{}", shared.run_id);
            line!("tcp_port:{}", cfg.port);
            line!("uptime_in_seconds:{uptime}");
            line!("uptime_in_days:{}", uptime / 86400);
            line!("hz:10");
            line!(
                "executable:{}",
                std::env::current_exe()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            );
            line!(
                "config_file:{}",
                cfg.config_file
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            );
        }
        "clients" => {
            title(out, "Clients");
            line!(
                "connected_clients:{}",
                stats.connected_clients.load(Ordering::Relaxed)
            );
            line!("cluster_connections:0");
            line!("maxclients:{}", cfg.maxclients);
            line!("blocked_clients:{}", ctx.ks.blocked.len());
            line!("total_blocking_keys:{}", ctx.ks.blocked.key_count());
        }
        "memory" => {
            title(out, "Memory");
            let rss = alloc::rss();
            let used = alloc::used_memory().unwrap_or(rss);
            line!("used_memory:{used}");
            line!("used_memory_human:{}", human(used));
            line!("used_memory_rss:{rss}");
            line!("used_memory_rss_human:{}", human(rss));
            let peak = alloc::peak_memory().max(used);
            line!("used_memory_peak:{peak}");
            line!("used_memory_peak_human:{}", human(peak));
            line!("maxmemory:{}", cfg.maxmemory);
            line!("maxmemory_human:{}", human(cfg.maxmemory));
            line!("maxmemory_policy:{}", cfg.maxmemory_policy.name());
            line!(
                "mem_fragmentation_ratio:{:.2}",
                if used > 0 {
                    rss as f64 / used as f64
                } else {
                    0.0
                }
            );
            line!("mem_allocator:mimalloc");
        }
        "persistence" => {
            title(out, "Persistence");
            out.push_str(&shared.persist.info_text(shared.repl.loading()));
        }
        "stats" => {
            title(out, "Stats");
            let ks = &ctx.ks.stats;
            line!(
                "total_connections_received:{}",
                stats.connections_received.load(Ordering::Relaxed)
            );
            line!(
                "total_commands_processed:{}",
                stats.commands_processed.load(Ordering::Relaxed)
            );
            line!(
                "total_net_input_bytes:{}",
                stats.net_input_bytes.load(Ordering::Relaxed)
            );
            line!(
                "total_net_output_bytes:{}",
                stats.net_output_bytes.load(Ordering::Relaxed)
            );
            line!(
                "rejected_connections:{}",
                stats.rejected_connections.load(Ordering::Relaxed)
            );
            line!("expired_keys:{}", ks.expired);
            line!("evicted_keys:{}", ctx.ks.evict.evicted);
            line!("keyspace_hits:{}", ks.hits);
            line!("keyspace_misses:{}", ks.misses);
            line!(
                "total_error_replies:{}",
                stats.total_error_replies.load(Ordering::Relaxed)
            );
        }
        "replication" => {
            title(out, "Replication");
            out.push_str(&shared.repl.info_text());
        }
        "cpu" => {
            title(out, "CPU");
            let (user, sys) = cpu_seconds(libc::RUSAGE_SELF);
            let (user_children, sys_children) = cpu_seconds(libc::RUSAGE_CHILDREN);
            line!("used_cpu_sys:{sys:.6}");
            line!("used_cpu_user:{user:.6}");
            line!("used_cpu_sys_children:{sys_children:.6}");
            line!("used_cpu_user_children:{user_children:.6}");
        }
        "commandstats" => {
            title(out, "Commandstats");
            for (spec, stat) in super::COMMANDS.iter().zip(stats.commands.iter()) {
                let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
                let (calls, usec) = (load(&stat.calls), load(&stat.usec));
                let (rejected, failed) = (load(&stat.rejected), load(&stat.failed));
                if calls + rejected + failed == 0 {
                    continue;
                }
                let per_call = if calls > 0 {
                    usec as f64 / calls as f64
                } else {
                    0.0
                };
                line!(
                    "cmdstat_{}:calls={calls},usec={usec},usec_per_call={per_call:.2},rejected_calls={rejected},failed_calls={failed}",
                    spec.name
                );
            }
        }
        "errorstats" => {
            title(out, "Errorstats");
            for (code, count) in stats.errors.lock().iter() {
                line!("errorstat_{}:count={count}", String::from_utf8_lossy(code));
            }
        }
        "cluster" => {
            title(out, "Cluster");
            line!("cluster_enabled:{}", cfg.cluster_enabled as u8);
        }
        "keyspace" => {
            title(out, "Keyspace");
            for db in 0..ctx.ks.databases() {
                let (keys, expires) = ctx.ks.db_size(db);
                if keys > 0 {
                    line!("db{db}:keys={keys},expires={expires},avg_ttl=0");
                }
            }
        }
        _ => {}
    }
}

/// User and system CPU seconds of this process or of its finished children.
fn cpu_seconds(who: libc::c_int) -> (f64, f64) {
    // SAFETY: getrusage only writes the struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(who, &mut ru) } != 0 {
        return (0.0, 0.0);
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(ru.ru_utime), secs(ru.ru_stime))
}

/// Sections only `all`, `everything` or their own name select (as in Redis).
const EXTRA_SECTIONS: &[&str] = &["commandstats"];

/// The INFO text for the named sections: none or `default` gives the default sections,
/// `all`/`everything` adds the extra ones; each section appears once.
pub fn info_text(ctx: &Ctx, names: &[Bytes]) -> String {
    let wanted: Vec<String> = names
        .iter()
        .map(|n| String::from_utf8_lossy(n).to_ascii_lowercase())
        .collect();
    let any = |words: &[&str]| wanted.iter().any(|w| words.contains(&w.as_str()));
    let all = any(&["all", "everything"]);
    let default = wanted.is_empty() || all || any(&["default"]);
    let mut out = String::new();
    for name in SECTIONS {
        if default || wanted.iter().any(|w| w == name) {
            section(ctx, name, &mut out);
        }
    }
    for name in EXTRA_SECTIONS {
        if all || wanted.iter().any(|w| w == name) {
            section(ctx, name, &mut out);
        }
    }
    out
}

pub fn info(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    Frame::Verbatim(*b"txt", Bytes::from(info_text(ctx, &args[1..])))
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn sections_and_line_ends() {
        let mut h = Harness::new();
        h.run("set a 1");
        let text = h.run("info keyspace");
        assert_eq!(
            text,
            "$44\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n"
        );
        let all = h.run("info");
        for needle in [
            "# Server\r\n",
            "redis_version:7.0.15\r\n",
            "# Memory\r\nused_memory:",
            "cluster_enabled:1\r\n",
            "role:master\r\n",
            "\r\n\r\n# Clients\r\n",
        ] {
            assert!(all.contains(needle), "{needle:?} missing");
        }
    }
}
