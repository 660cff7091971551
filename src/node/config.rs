//! The node's configuration: command-line flags (clap), an optional redis.conf-style file,
//! and the settings CONFIG GET/SET/REWRITE expose. Precedence: defaults, then the file,
//! then flags, as with redis-server.

use std::path::PathBuf;

use clap::Parser;

use super::keyspace::glob_match;
use super::resp::split_args;

/// Command-line flags. Every setting is optional here so that the file can supply it.
#[derive(Parser, Debug, Default, Clone)]
#[command(
    name = "rclust-node",
    version,
    about = "A lightweight Redis Cluster node"
)]
pub struct Args {
    /// A redis.conf-style file (`port 7000` lines); flags override it.
    pub config_file: Option<PathBuf>,
    #[arg(long)]
    pub port: Option<u16>,
    /// Addresses to listen on (space-separated list allowed, like redis.conf).
    #[arg(long)]
    pub bind: Option<String>,
    /// Working directory for nodes.conf and logs.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    #[arg(long, value_parser = parse_yes_no)]
    pub cluster_enabled: Option<bool>,
    #[arg(long)]
    pub cluster_config_file: Option<String>,
    /// Milliseconds before an unreachable node is considered failing.
    #[arg(long)]
    pub cluster_node_timeout: Option<u64>,
    #[arg(long)]
    pub requirepass: Option<String>,
    /// The password this node gives its master when it replicates.
    #[arg(long)]
    pub masterauth: Option<String>,
    /// The cluster bus port (default: port + 10000).
    #[arg(long)]
    pub cluster_port: Option<u16>,
    #[arg(long)]
    pub cluster_announce_ip: Option<String>,
    #[arg(long)]
    pub cluster_announce_port: Option<u16>,
    #[arg(long)]
    pub cluster_announce_bus_port: Option<u16>,
    #[arg(long)]
    pub cluster_announce_hostname: Option<String>,
    /// Log file ("" logs to standard output).
    #[arg(long)]
    pub logfile: Option<String>,
    /// debug, verbose, notice or warning.
    #[arg(long)]
    pub loglevel: Option<String>,
    #[arg(long)]
    pub maxmemory: Option<String>,
    #[arg(long)]
    pub maxclients: Option<usize>,
    /// Threads serving clients (1: a single-threaded event loop, like redis-server).
    #[arg(long)]
    pub io_threads: Option<usize>,
    /// Accepted for redis-server compatibility; persistence is not implemented.
    #[arg(long, allow_hyphen_values = true)]
    pub save: Option<String>,
    /// Accepted for redis-server compatibility; persistence is not implemented.
    #[arg(long)]
    pub appendonly: Option<String>,
    /// Accepted for redis-server compatibility.
    #[arg(long)]
    pub protected_mode: Option<String>,
    /// Accepted for redis-server compatibility; only `no` is supported.
    #[arg(long)]
    pub daemonize: Option<String>,
}

fn parse_yes_no(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// The settings in force. The cluster layer reads `cluster_*` from here.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    pub config_file: Option<PathBuf>,
    pub port: u16,
    pub bind: Vec<String>,
    pub dir: PathBuf,
    pub cluster_enabled: bool,
    pub cluster_config_file: String,
    pub cluster_node_timeout: u64,
    pub requirepass: Option<String>,
    /// The password a replica gives its master (`masterauth`).
    pub masterauth: Option<String>,
    /// 0 means port + 10000; see [`NodeConfig::bus_port`].
    pub cluster_port: u16,
    pub cluster_announce_ip: String,
    pub cluster_announce_port: u16,
    pub cluster_announce_bus_port: u16,
    pub cluster_announce_hostname: String,
    pub cluster_require_full_coverage: bool,
    pub logfile: String,
    pub loglevel: String,
    pub maxmemory: u64,
    pub maxclients: usize,
    pub io_threads: usize,
    pub proto_max_bulk_len: usize,
    pub save: String,
    pub appendonly: bool,
    pub protected_mode: bool,
    pub maxmemory_policy: super::keyspace::evict::Policy,
    pub maxmemory_samples: usize,
    /// Milliseconds a script may run before it is stopped.
    pub lua_time_limit: u64,
    pub output_limits: super::output_limits::OutputLimits,
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            config_file: None,
            port: 6379,
            bind: vec!["127.0.0.1".into()],
            dir: PathBuf::from("."),
            cluster_enabled: true,
            cluster_config_file: "nodes.conf".into(),
            cluster_node_timeout: 15000,
            requirepass: None,
            masterauth: None,
            cluster_port: 0,
            cluster_announce_ip: String::new(),
            cluster_announce_port: 0,
            cluster_announce_bus_port: 0,
            cluster_announce_hostname: String::new(),
            cluster_require_full_coverage: true,
            logfile: String::new(),
            loglevel: "notice".into(),
            maxmemory: 0,
            maxclients: 10000,
            io_threads: 1,
            proto_max_bulk_len: 512 * 1024 * 1024,
            save: String::new(),
            appendonly: false,
            protected_mode: false,
            maxmemory_policy: Default::default(),
            maxmemory_samples: 5,
            lua_time_limit: 5000,
            output_limits: Default::default(),
        }
    }
}

/// Names CONFIG GET lists, in this order.
const NAMES: &[&str] = &[
    "port",
    "bind",
    "dir",
    "cluster-enabled",
    "cluster-config-file",
    "cluster-node-timeout",
    "requirepass",
    "masterauth",
    "cluster-port",
    "cluster-announce-ip",
    "cluster-announce-port",
    "cluster-announce-bus-port",
    "cluster-announce-hostname",
    "cluster-require-full-coverage",
    "logfile",
    "loglevel",
    "maxmemory",
    "maxclients",
    "io-threads",
    "proto-max-bulk-len",
    "save",
    "appendonly",
    "protected-mode",
    "daemonize",
    "databases",
    "timeout",
    "maxmemory-policy",
    "maxmemory-samples",
    "lua-time-limit",
    "busy-reply-threshold",
    "client-output-buffer-limit",
];

/// Settings that can only be set at start-up, as in Redis.
const IMMUTABLE: &[&str] = &[
    "port",
    "bind",
    "cluster-enabled",
    "cluster-config-file",
    "cluster-port",
    "daemonize",
    "databases",
    "io-threads",
];

/// Memory sizes like redis.conf writes them: 100mb, 1gb, 1024.
pub fn parse_memory(text: &str) -> Option<u64> {
    let lower = text.to_ascii_lowercase();
    let units = [
        ("gb", 1u64 << 30),
        ("mb", 1 << 20),
        ("kb", 1 << 10),
        ("g", 1_000_000_000),
        ("m", 1_000_000),
        ("k", 1000),
        ("b", 1),
    ];
    for (suffix, mul) in units {
        if let Some(n) = lower.strip_suffix(suffix) {
            return n.parse::<u64>().ok()?.checked_mul(mul);
        }
    }
    lower.parse().ok()
}

impl NodeConfig {
    /// Resolves flags and the file they name into the settings in force.
    pub fn from_args(args: &Args) -> Result<NodeConfig, String> {
        let mut cfg = NodeConfig::default();
        if let Some(path) = &args.config_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
            cfg.load_text(&text)?;
            cfg.config_file = Some(path.clone());
        }
        let mut set = |name: &str, value: Option<String>| -> Result<(), String> {
            match value {
                Some(v) => cfg.set(name, &v),
                None => Ok(()),
            }
        };
        set("port", args.port.map(|v| v.to_string()))?;
        set("bind", args.bind.clone())?;
        set("dir", args.dir.as_ref().map(|d| d.display().to_string()))?;
        set("cluster-enabled", args.cluster_enabled.map(yes_no))?;
        set("cluster-config-file", args.cluster_config_file.clone())?;
        set(
            "cluster-node-timeout",
            args.cluster_node_timeout.map(|v| v.to_string()),
        )?;
        set("requirepass", args.requirepass.clone())?;
        set("masterauth", args.masterauth.clone())?;
        set("cluster-port", args.cluster_port.map(|v| v.to_string()))?;
        set("cluster-announce-ip", args.cluster_announce_ip.clone())?;
        set(
            "cluster-announce-port",
            args.cluster_announce_port.map(|v| v.to_string()),
        )?;
        set(
            "cluster-announce-bus-port",
            args.cluster_announce_bus_port.map(|v| v.to_string()),
        )?;
        set(
            "cluster-announce-hostname",
            args.cluster_announce_hostname.clone(),
        )?;
        set("logfile", args.logfile.clone())?;
        set("loglevel", args.loglevel.clone())?;
        set("maxmemory", args.maxmemory.clone())?;
        set("maxclients", args.maxclients.map(|v| v.to_string()))?;
        set("io-threads", args.io_threads.map(|v| v.to_string()))?;
        set("save", args.save.clone())?;
        set("appendonly", args.appendonly.clone())?;
        set("protected-mode", args.protected_mode.clone())?;
        set("daemonize", args.daemonize.clone())?;
        Ok(cfg)
    }

    /// Reads redis.conf-style lines: `name value...`, `#` comments, quoted values.
    pub fn load_text(&mut self, text: &str) -> Result<(), String> {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words = split_args(line.as_bytes())
                .ok_or_else(|| format!("config line {}: unbalanced quotes", n + 1))?;
            let Some((name, rest)) = words.split_first() else {
                continue;
            };
            let name = String::from_utf8_lossy(name).to_ascii_lowercase();
            let value: Vec<String> = rest
                .iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            if !NAMES.contains(&name.as_str()) {
                // Unknown redis.conf directives are tolerated so that real redis.conf
                // files load; they have no effect here.
                eprintln!("rclust-node: ignoring unsupported config directive '{name}'");
                continue;
            }
            self.set(&name, &value.join(" "))
                .map_err(|e| format!("config line {}: {e}", n + 1))?;
        }
        Ok(())
    }

    pub fn bus_port(&self) -> u16 {
        if self.cluster_port != 0 {
            self.cluster_port
        } else {
            self.port.wrapping_add(10000)
        }
    }

    /// The value as CONFIG GET shows it.
    pub fn get(&self, name: &str) -> Option<String> {
        Some(match name {
            "port" => self.port.to_string(),
            "bind" => self.bind.join(" "),
            "dir" => std::fs::canonicalize(&self.dir)
                .unwrap_or_else(|_| self.dir.clone())
                .display()
                .to_string(),
            "cluster-enabled" => yes_no(self.cluster_enabled),
            "cluster-config-file" => self.cluster_config_file.clone(),
            "cluster-node-timeout" => self.cluster_node_timeout.to_string(),
            "requirepass" => self.requirepass.clone().unwrap_or_default(),
            "masterauth" => self.masterauth.clone().unwrap_or_default(),
            "cluster-port" => self.cluster_port.to_string(),
            "cluster-announce-ip" => self.cluster_announce_ip.clone(),
            "cluster-announce-port" => self.cluster_announce_port.to_string(),
            "cluster-announce-bus-port" => self.cluster_announce_bus_port.to_string(),
            "cluster-announce-hostname" => self.cluster_announce_hostname.clone(),
            "cluster-require-full-coverage" => yes_no(self.cluster_require_full_coverage),
            "logfile" => self.logfile.clone(),
            "loglevel" => self.loglevel.clone(),
            "maxmemory" => self.maxmemory.to_string(),
            "maxclients" => self.maxclients.to_string(),
            "io-threads" => self.io_threads.to_string(),
            "proto-max-bulk-len" => self.proto_max_bulk_len.to_string(),
            "save" => self.save.clone(),
            "appendonly" => yes_no(self.appendonly),
            "protected-mode" => yes_no(self.protected_mode),
            "daemonize" => "no".into(),
            "databases" => "1".into(),
            "timeout" => "0".into(),
            "maxmemory-policy" => self.maxmemory_policy.name().into(),
            "maxmemory-samples" => self.maxmemory_samples.to_string(),
            "lua-time-limit" | "busy-reply-threshold" => self.lua_time_limit.to_string(),
            "client-output-buffer-limit" => self.output_limits.render(),
            _ => return None,
        })
    }

    /// Every (name, value) whose name matches the glob `pattern`.
    pub fn matching(&self, pattern: &str) -> Vec<(String, String)> {
        NAMES
            .iter()
            .filter(|n| glob_match(pattern.as_bytes(), n.as_bytes(), true))
            .filter_map(|n| Some((n.to_string(), self.get(n)?)))
            .collect()
    }

    pub fn is_known(name: &str) -> bool {
        NAMES.contains(&name)
    }

    pub fn is_mutable(name: &str) -> bool {
        !IMMUTABLE.contains(&name)
    }

    /// Sets one value; the error is the reason, without Redis's prefix.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let num = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| "argument couldn't be parsed into an integer".to_string())
        };
        let flag = |v: &str| parse_yes_no(v);
        match name {
            "port" => self.port = num(value)?.try_into().map_err(|_| "port out of range")?,
            "bind" => self.bind = value.split_whitespace().map(String::from).collect(),
            "dir" => self.dir = PathBuf::from(value),
            "cluster-enabled" => self.cluster_enabled = flag(value)?,
            "cluster-config-file" => self.cluster_config_file = value.into(),
            "cluster-node-timeout" => self.cluster_node_timeout = num(value)?,
            "requirepass" => {
                self.requirepass = (!value.is_empty()).then(|| value.to_string())
            }
            "masterauth" => self.masterauth = (!value.is_empty()).then(|| value.to_string()),
            "cluster-port" => self.cluster_port = num(value)?.try_into().map_err(|_| "port out of range")?,
            "cluster-announce-ip" => self.cluster_announce_ip = value.into(),
            "cluster-announce-port" => {
                self.cluster_announce_port = num(value)?.try_into().map_err(|_| "port out of range")?
            }
            "cluster-announce-bus-port" => {
                self.cluster_announce_bus_port =
                    num(value)?.try_into().map_err(|_| "port out of range")?
            }
            "cluster-announce-hostname" => self.cluster_announce_hostname = value.into(),
            "cluster-require-full-coverage" => self.cluster_require_full_coverage = flag(value)?,
            "logfile" => self.logfile = value.into(),
            "loglevel" => match value {
                "debug" | "verbose" | "notice" | "warning" | "nothing" => {
                    self.loglevel = value.into()
                }
                _ => return Err("argument(s) must be one of the following: debug, verbose, notice, warning, nothing".into()),
            },
            "maxmemory" => {
                self.maxmemory = parse_memory(value)
                    .ok_or("argument must be a memory value")?
            }
            "maxclients" => self.maxclients = num(value)? as usize,
            "io-threads" => self.io_threads = (num(value)? as usize).clamp(1, 128),
            "proto-max-bulk-len" => {
                self.proto_max_bulk_len = parse_memory(value)
                    .ok_or("argument must be a memory value")? as usize
            }
            "save" => self.save = value.into(),
            "appendonly" => self.appendonly = flag(value)?,
            "protected-mode" => self.protected_mode = flag(value)?,
            "daemonize" => {
                if flag(value)? {
                    return Err("daemonize is not supported".into());
                }
            }
            "databases" | "timeout" => {}
            "maxmemory-policy" => {
                self.maxmemory_policy = super::keyspace::evict::Policy::parse(value).ok_or(
                    "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
                )?
            }
            "maxmemory-samples" => match num(value)? {
                n @ 1..=64 => self.maxmemory_samples = n as usize,
                _ => return Err("argument must be between 1 and 64 inclusive".into()),
            },
            "lua-time-limit" | "busy-reply-threshold" => self.lua_time_limit = num(value)?,
            "client-output-buffer-limit" => self.output_limits.apply(value)?,
            _ => return Err(format!("Unknown option or number of arguments for CONFIG SET - '{name}'")),
        }
        Ok(())
    }

    /// The file CONFIG REWRITE writes: every supported setting, one a line.
    pub fn rewrite_text(&self) -> String {
        let mut out = String::from("# Written by rclust-node CONFIG REWRITE\n");
        for name in NAMES {
            if let Some(v) = self.get(name) {
                let quoted = if v.is_empty() || v.contains(' ') {
                    format!("\"{v}\"")
                } else {
                    v
                };
                out.push_str(&format!("{name} {quoted}\n"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.conf");
        std::fs::write(
            &path,
            "# comment\nport 7000\ncluster-enabled no\nrequirepass \"s e\"\nsave \"\"\nfoo bar\n",
        )
        .unwrap();
        let args = Args::parse_from(["rclust-node", path.to_str().unwrap(), "--port", "7001"]);
        let cfg = NodeConfig::from_args(&args).unwrap();
        assert_eq!(cfg.port, 7001);
        assert!(!cfg.cluster_enabled);
        assert_eq!(cfg.requirepass.as_deref(), Some("s e"));
        assert_eq!(cfg.bus_port(), 17001);
        assert_eq!(cfg.bind, vec!["127.0.0.1"]);
        let mut again = NodeConfig::default();
        again.load_text(&cfg.rewrite_text()).unwrap();
        assert_eq!(again.port, 7001);
        assert_eq!(again.requirepass.as_deref(), Some("s e"));
    }

    #[test]
    fn redis_server_style_flags() {
        let args = Args::parse_from([
            "rclust-node",
            "--port",
            "7002",
            "--cluster-enabled",
            "yes",
            "--save",
            "",
            "--appendonly",
            "no",
        ]);
        let cfg = NodeConfig::from_args(&args).unwrap();
        assert!(cfg.cluster_enabled);
        assert_eq!(
            cfg.matching("cluster-e*"),
            vec![("cluster-enabled".into(), "yes".into())]
        );
        assert_eq!(parse_memory("1gb"), Some(1 << 30));
    }
}
