//! Real server processes for tests: `redis-server`, `valkey-server` and the `rclust-node` under test, each
//! on a leased port pair in its own temporary directory, killed when dropped.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::ports::{lease, PortLease};

/// Options for a test server.
#[derive(Clone, Debug)]
pub struct ServerOpts {
    pub cluster: bool,
    pub node_timeout_ms: u64,
    pub password: Option<String>,
    /// TLS only (no plaintext port), with the certificates of [`super::tls::TestCerts`].
    pub tls: Option<super::tls::TestCerts>,
    /// Run on a lab host (its network namespace, bound to its address, on a fixed port)
    /// instead of 127.0.0.1 on a leased port.
    pub place: Option<super::lab::Place>,
}

impl Default for ServerOpts {
    fn default() -> Self {
        ServerOpts {
            cluster: true,
            node_timeout_ms: 2000,
            password: None,
            tls: None,
            place: None,
        }
    }
}

impl ServerOpts {
    /// A server outside cluster mode, otherwise the defaults.
    pub fn standalone() -> ServerOpts {
        ServerOpts {
            cluster: false,
            ..Default::default()
        }
    }
}

/// A running server process of either kind, with an independent client to check it.
pub struct Process {
    /// The address it listens on: 127.0.0.1, or its lab host's address.
    pub host: String,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub opts: ServerOpts,
    child: Option<Child>,
    /// How it was started, so that [`Process::restart`] runs the same command.
    argv: Vec<std::ffi::OsString>,
    _lease: Option<PortLease>,
}

impl Process {
    /// Spawns `command(host, port, dir)` on a fresh lease until one starts answering (a
    /// port can be taken between lease and bind by a process outside the tests). On a lab
    /// host the port is the one asked for, and the command runs in the host's namespace.
    fn spawn(
        opts: &ServerOpts,
        what: &str,
        command: impl Fn(&str, u16, &Path) -> Command,
    ) -> Process {
        let attempts = if opts.place.is_some() { 1 } else { 5 };
        for _attempt in 0..attempts {
            let (host, port, lease) = match &opts.place {
                Some(place) => (place.ip.clone(), place.port, None),
                None => {
                    let lease = lease();
                    ("127.0.0.1".to_string(), lease.port, Some(lease))
                }
            };
            let dir = tempfile::tempdir().unwrap();
            let mut cmd = command(&host, port, dir.path());
            if let Some(place) = &opts.place {
                cmd = place.wrap(cmd);
            }
            let argv = std::iter::once(cmd.get_program().to_owned())
                .chain(cmd.get_args().map(|a| a.to_owned()))
                .collect();
            let child = cmd
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("starting {what}: {e}"));
            let mut process = Process {
                host,
                port,
                dir,
                opts: opts.clone(),
                child: Some(child),
                argv,
                _lease: lease,
            };
            if process.wait_ready(Duration::from_secs(10)) {
                return process;
            }
        }
        panic!("{what} did not start after {attempts} attempt(s)");
    }

    fn wait_ready(&mut self, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(_)) = child.try_wait() {
                    return false;
                }
            }
            let addr = std::net::SocketAddr::new(self.host.parse().unwrap(), self.port);
            if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// An independent client (redis-rs, synchronous), authenticated when needed.
    pub fn client(&self) -> redis::Connection {
        let auth = match &self.opts.password {
            Some(pw) => format!(":{pw}@"),
            None => String::new(),
        };
        let client = match &self.opts.tls {
            None => redis::Client::open(format!("redis://{auth}{}/", self.addr())),
            Some(certs) => certs.client(&format!("rediss://{auth}{}/", self.addr())),
        };
        client
            .unwrap()
            .get_connection_with_timeout(Duration::from_secs(5))
            .unwrap()
    }

    /// Runs one command through the independent client.
    pub fn cmd<T: redis::FromRedisValue>(&self, args: &[&str]) -> T {
        let mut c = redis::cmd(args[0]);
        for a in &args[1..] {
            c.arg(*a);
        }
        c.query(&mut self.client())
            .unwrap_or_else(|e| panic!("{args:?} on {}: {e}", self.addr()))
    }

    /// Runs `redis-cli -p PORT args...` and returns its standard output.
    pub fn cli(&self, args: &[&str]) -> String {
        let mut cmd = Command::new("redis-cli");
        cmd.args(["-h", &self.host, "-p", &self.port.to_string()]);
        if let Some(pw) = &self.opts.password {
            cmd.args(["-a", pw, "--no-auth-warning"]);
        }
        let out = cmd.args(args).output().expect("redis-cli runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn cluster_nodes_text(&self) -> String {
        self.cmd(&["CLUSTER", "NODES"])
    }

    pub fn myid(&self) -> String {
        self.cmd(&["CLUSTER", "MYID"])
    }

    /// A one-node cluster: this node serves every slot and accepts writes.
    pub fn serve_all_slots(&self) {
        let _: () = self.cmd(&["CLUSTER", "ADDSLOTSRANGE", "0", "16383"]);
        super::wait_until(Duration::from_secs(10), "the node accepts writes", || {
            let r: redis::RedisResult<()> = redis::cmd("SET")
                .arg("probe")
                .arg("1")
                .query(&mut self.client());
            r.is_ok()
        });
        let _: i64 = self.cmd(&["DEL", "probe"]);
    }

    /// Waits for the process to exit by itself; its exit code, or `None` on timeout.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Some(status.code().unwrap_or(-1));
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Starts the process again with the same command, port and directory (after
    /// [`Process::kill`] or a shutdown), and waits until it answers.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new(&self.argv[0])
            .args(&self.argv[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("restarting the server");
        self.child = Some(child);
        assert!(
            self.wait_ready(Duration::from_secs(10)),
            "{} did not come back",
            self.addr()
        );
    }

    /// SAVEs this server's data, stops it, has redis-check-rdb check the file, and
    /// restarts `to` on a copy of it (waiting until it has loaded it).
    pub fn hand_dump_to(&mut self, to: &mut Process) {
        let _: () = self.cmd(&["SAVE"]);
        self.kill();
        let file = self.dir.path().join("dump.rdb");
        super::check_rdb(&file);
        std::fs::copy(&file, to.dir.path().join("dump.rdb")).unwrap();
        to.restart();
        to.wait_loaded();
    }

    /// Waits until a restarted server has loaded its data: redis-server answers LOADING
    /// meanwhile, the node answers nothing until it is done.
    pub fn wait_loaded(&self) {
        super::wait_until(Duration::from_secs(60), "the data is loaded", || {
            let url = format!("redis://{}:{}/", self.host, self.port);
            let Ok(mut c) = redis::Client::open(url)
                .unwrap()
                .get_connection_with_timeout(Duration::from_secs(30))
            else {
                return false;
            };
            redis::cmd("PING").query::<String>(&mut c).is_ok()
        });
    }

    /// Kills the process (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A running `redis-server`, configured through a file so that CONFIG REWRITE persists
/// settings as it would in production.
pub struct RedisServer(Process);

impl RedisServer {
    pub fn start(opts: ServerOpts) -> RedisServer {
        RedisServer(spawn_redis_like(&opts, "redis-server", "redis-server"))
    }

    /// Starts `n` cluster-mode servers with default options.
    pub fn cluster_nodes(n: usize) -> Vec<RedisServer> {
        Self::many(n, ServerOpts::default())
    }

    pub fn many(n: usize, opts: ServerOpts) -> Vec<RedisServer> {
        (0..n).map(|_| Self::start(opts.clone())).collect()
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("redis.log")
    }
}

/// A running `valkey-server` (Valkey 9, found by [`super::valkey_server_path`]), configured
/// like [`RedisServer`]: Valkey reads the same redis.conf settings.
pub struct ValkeyServer(Process);

impl ValkeyServer {
    pub fn start(opts: ServerOpts) -> ValkeyServer {
        let program = super::valkey_server_path().expect("valkey-server is installed");
        ValkeyServer(spawn_redis_like(&opts, "valkey-server", &program))
    }

    /// Starts with extra lines appended to its config file (e.g. `cluster-databases 4`).
    pub fn start_with_conf(opts: ServerOpts, extra_conf: &str) -> ValkeyServer {
        let program = super::valkey_server_path().expect("valkey-server is installed");
        ValkeyServer(spawn_redis_like_conf(
            &opts,
            "valkey-server",
            &program,
            extra_conf,
        ))
    }

    pub fn cluster_nodes(n: usize) -> Vec<ValkeyServer> {
        Self::many(n, ServerOpts::default())
    }

    pub fn many(n: usize, opts: ServerOpts) -> Vec<ValkeyServer> {
        (0..n).map(|_| Self::start(opts.clone())).collect()
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("redis.log")
    }
}

fn spawn_redis_like(opts: &ServerOpts, what: &str, program: &str) -> Process {
    spawn_redis_like_conf(opts, what, program, "")
}

/// Starts a `redis-server` or `valkey-server` from a config file in its directory.
fn spawn_redis_like_conf(
    opts: &ServerOpts,
    what: &str,
    program: &str,
    extra_conf: &str,
) -> Process {
    Process::spawn(opts, what, |host, port, dir| {
        let mut conf = format!(
                "port {port}\nbind {host}\ndir {}\nsave \"\"\nappendonly no\ndaemonize no\nlogfile redis.log\nprotected-mode no\n",
                dir.display()
            );
        if opts.cluster {
            conf += &format!(
                "cluster-enabled yes\ncluster-config-file nodes.conf\ncluster-node-timeout {}\n",
                opts.node_timeout_ms
            );
        }
        if let Some(pw) = &opts.password {
            conf += &format!("requirepass {pw}\nmasterauth {pw}\n");
        }
        if let Some(certs) = &opts.tls {
            conf = conf.replace(&format!("port {port}\n"), "port 0\n");
            conf += &certs.redis_conf(port);
        }
        conf += extra_conf;
        let conf_path = dir.join("redis.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let mut cmd = Command::new(program);
        cmd.arg(&conf_path);
        cmd
    })
}

/// A running `rclust-node` (the binary under test), started with the same options as
/// [`RedisServer`] so tests can run one scenario against both.
pub struct NodeServer(Process);

impl NodeServer {
    pub fn start(opts: ServerOpts) -> NodeServer {
        Self::start_with(opts, &[])
    }

    /// Starts with extra command-line arguments (a config file path, more flags).
    pub fn start_with(opts: ServerOpts, extra: &[&str]) -> NodeServer {
        NodeServer(Process::spawn(&opts, "rclust-node", |host, port, dir| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_rclust-node"));
            // No snapshots unless a test asks (`extra` comes later and wins), as the
            // redis-server of these tests is configured.
            cmd.args(["--save", ""])
                .args(extra)
                .args(["--port", &port.to_string(), "--bind", host])
                .args(["--dir", dir.to_str().unwrap()])
                .args(["--logfile", "node.log"])
                .args(["--cluster-enabled", if opts.cluster { "yes" } else { "no" }])
                .args(["--cluster-node-timeout", &opts.node_timeout_ms.to_string()]);
            if let Some(pw) = &opts.password {
                cmd.args(["--requirepass", pw]);
            }
            cmd
        }))
    }
}

macro_rules! deref_to_process {
    ($t:ty) => {
        impl Deref for $t {
            type Target = Process;
            fn deref(&self) -> &Process {
                &self.0
            }
        }
        impl DerefMut for $t {
            fn deref_mut(&mut self) -> &mut Process {
                &mut self.0
            }
        }
    };
}

deref_to_process!(RedisServer);
deref_to_process!(NodeServer);
deref_to_process!(ValkeyServer);

/// Which server program a test runs, for scenarios that run against each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Redis,
    Valkey,
    Node,
}

impl Kind {
    pub fn start(self, opts: ServerOpts) -> Process {
        match self {
            Kind::Redis => RedisServer::start(opts).0,
            Kind::Valkey => ValkeyServer::start(opts).0,
            Kind::Node => NodeServer::start(opts).0,
        }
    }

    /// Whether this kind can run here (skips outside CI, fails under CI=true).
    pub fn available(self) -> bool {
        match self {
            Kind::Redis => super::have_redis(),
            Kind::Valkey => super::have_valkey(),
            Kind::Node => true,
        }
    }
}
