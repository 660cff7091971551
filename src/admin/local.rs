//! A cluster of local server processes for laptops and CI: `rclust-node` (bundled) or
//! `redis-server`, one directory per node under a cluster directory that also holds the
//! cluster's description (`cluster.json`). Processes outlive the `rclust` that started
//! them; later commands find them again through their pid files.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use rustix::process::{Pid, Signal};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// The bundled lightweight node
    RclustNode,
    /// A real redis-server from PATH
    RedisServer,
}

impl Engine {
    pub fn program(&self) -> &'static str {
        match self {
            Engine::RclustNode => "rclust-node",
            Engine::RedisServer => "redis-server",
        }
    }
}

/// What `cluster.json` records.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LocalCluster {
    pub engine: Engine,
    /// The server binary used, so that `start` runs the same one.
    pub program: PathBuf,
    pub node_timeout_ms: u64,
    pub ports: Vec<u16>,
    #[serde(skip)]
    pub dir: PathBuf,
}

const STATE_FILE: &str = "cluster.json";

/// Finds the server binary: next to the running `rclust` first (a cargo build puts both
/// there), then on PATH.
pub fn find_program(engine: Engine) -> anyhow::Result<PathBuf> {
    let name = engine.program();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    if let Ok(found) = which::which(name) {
        return Ok(found);
    }
    bail!(
        "cannot find {name}: not next to {} nor on PATH{}",
        std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        match engine {
            Engine::RclustNode => " (build it with `cargo build --release`)",
            Engine::RedisServer => " (install redis-server)",
        }
    )
}

/// Whether `port` can be bound on 127.0.0.1 right now.
pub fn port_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// Sends `sig` to a pid from our own pid file. A node that exited meanwhile is what a stop
/// wants anyway, so errors are ignored.
fn signal(pid: i32, sig: Signal) {
    if let Some(pid) = Pid::from_raw(pid) {
        let _ = rustix::process::kill_process(pid, sig);
    }
}

fn is_alive(pid: i32) -> bool {
    // A zombie (exited, not yet reaped by a non-reaping PID 1) counts as dead.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z"),
        Err(_) => false,
    }
}

impl LocalCluster {
    pub fn new(
        engine: Engine,
        program: PathBuf,
        node_timeout_ms: u64,
        ports: Vec<u16>,
        dir: PathBuf,
    ) -> Self {
        LocalCluster {
            engine,
            program,
            node_timeout_ms,
            ports,
            dir,
        }
    }

    pub fn load(dir: &Path) -> anyhow::Result<LocalCluster> {
        let path = dir.join(STATE_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "no local cluster in {} (start one with `rclust local up`)",
                dir.display()
            )
        })?;
        let mut c: LocalCluster =
            serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
        c.dir = dir.to_path_buf();
        Ok(c)
    }

    pub fn save(&self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let path = self.dir.join(STATE_FILE);
        std::fs::write(&path, serde_json::to_string_pretty(self)?)
            .with_context(|| format!("writing {}", path.display()))
    }

    pub fn node_dir(&self, port: u16) -> PathBuf {
        self.dir.join(format!("node-{port}"))
    }

    pub fn pid(&self, port: u16) -> Option<i32> {
        std::fs::read_to_string(self.node_dir(port).join("pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// The node's process is running.
    pub fn running(&self, port: u16) -> bool {
        self.pid(port).is_some_and(is_alive)
    }

    /// Resolves a NODE argument: a port of this cluster, or `127.0.0.1:PORT`.
    pub fn port_of(&self, spec: &str) -> anyhow::Result<u16> {
        let port = spec
            .rsplit(':')
            .next()
            .and_then(|p| p.parse::<u16>().ok())
            .ok_or_else(|| anyhow!("{spec}: give a node as its port or 127.0.0.1:PORT"))?;
        if !self.ports.contains(&port) {
            bail!(
                "{spec}: not a node of the local cluster in {} (ports {:?})",
                self.dir.display(),
                self.ports
            );
        }
        Ok(port)
    }

    fn write_config(&self, port: u16) -> anyhow::Result<PathBuf> {
        let dir = self.node_dir(port);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let dir = std::fs::canonicalize(&dir)?;
        let conf = format!(
            "port {port}\nbind 127.0.0.1\ndir {}\ncluster-enabled yes\ncluster-config-file nodes.conf\n\
             cluster-node-timeout {}\nlogfile node.log\nsave \"\"\nappendonly no\ndaemonize no\nprotected-mode no\n",
            dir.display(),
            self.node_timeout_ms
        );
        let path = dir.join("node.conf");
        std::fs::write(&path, conf)?;
        Ok(path)
    }

    /// Starts one node in the background and waits until it answers.
    pub fn start(&self, port: u16) -> anyhow::Result<()> {
        if self.running(port) {
            bail!(
                "127.0.0.1:{port} is already running (pid {})",
                self.pid(port).unwrap_or(0)
            );
        }
        for p in [port, port + 10000] {
            if !port_free(p) {
                bail!("127.0.0.1:{p} is taken by another process; choose another --base-port");
            }
        }
        let conf = self.write_config(port)?;
        let dir = self.node_dir(port);
        let out = std::fs::File::create(dir.join("stdout.log"))?;
        let mut cmd = Command::new(&self.program);
        cmd.arg(&conf)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        // Its own process group: a Ctrl-C aimed at rclust does not reach the nodes.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {}", self.program.display()))?;
        std::fs::write(dir.join("pid"), child.id().to_string())?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if !is_alive(child.id() as i32) || Instant::now() > deadline {
                let log = std::fs::read_to_string(dir.join("stdout.log")).unwrap_or_default();
                bail!(
                    "127.0.0.1:{port}: {} did not start: {}",
                    self.engine.program(),
                    log.lines().last().unwrap_or("no output (see node.log)")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Stops one node (SIGTERM, then SIGKILL after 5 s); its data stays.
    pub fn stop(&self, port: u16) -> anyhow::Result<bool> {
        Ok(self.stop_all(&[port])? == 1)
    }

    /// Stops the given nodes together: SIGTERM to every one at once, then one shared
    /// deadline (5 s) after which the ones still running get SIGKILL. Returns how many were
    /// running. Stopping 200 nodes takes as long as the slowest, not the sum.
    pub fn stop_all(&self, ports: &[u16]) -> anyhow::Result<usize> {
        let running: Vec<(u16, i32)> = ports
            .iter()
            .filter_map(|&port| Some((port, self.pid(port).filter(|p| is_alive(*p))?)))
            .collect();
        for (_, pid) in &running {
            signal(*pid, Signal::TERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut killed = false;
        while running.iter().any(|(_, pid)| is_alive(*pid)) {
            if Instant::now() > deadline && !killed {
                for (_, pid) in running.iter().filter(|(_, pid)| is_alive(*pid)) {
                    signal(*pid, Signal::KILL);
                }
                killed = true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        for (port, _) in &running {
            let _ = std::fs::remove_file(self.node_dir(*port).join("pid"));
        }
        Ok(running.len())
    }
}
