//! The `rclust-node` program: flags, logging, listeners, signals, then [`server::run`].

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use tokio::net::TcpListener;

use super::config::NodeConfig;
use super::server;
use super::shared::Shared;
use crate::bus::core::LogLevel;

/// A notice line in the log.
pub fn log(shared: &Shared, message: &str) {
    log_at(shared, LogLevel::Notice, message);
}

/// The lowest level `loglevel` lets through (`None`: `nothing`, no log at all).
pub fn log_threshold(loglevel: &str) -> Option<LogLevel> {
    match loglevel {
        "debug" => Some(LogLevel::Debug),
        "verbose" => Some(LogLevel::Verbose),
        "warning" => Some(LogLevel::Warning),
        "nothing" => None,
        _ => Some(LogLevel::Notice),
    }
}

/// A line in the log, in a shape close to Redis's (`pid:M date * message`), unless
/// `loglevel` (read at every line, so CONFIG SET takes effect at once) filters it out.
pub fn log_at(shared: &Shared, level: LogLevel, message: &str) {
    let cfg = shared.config.read();
    if log_threshold(&cfg.loglevel).is_none_or(|min| level < min) {
        return;
    }
    let mark = match level {
        LogLevel::Debug => '.',
        LogLevel::Verbose => '-',
        LogLevel::Notice => '*',
        LogLevel::Warning => '#',
    };
    let line = format!(
        "{}:M {} {mark} {message}\n",
        std::process::id(),
        super::clock::now_ms()
    );
    if cfg.logfile.is_empty() {
        let _ = std::io::stdout().write_all(line.as_bytes());
    } else {
        let path = cfg.dir.join(&cfg.logfile);
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = f.write_all(line.as_bytes());
        }
    }
}

async fn bind_all(cfg: &NodeConfig) -> anyhow::Result<Vec<TcpListener>> {
    let mut listeners = Vec::new();
    for addr in &cfg.bind {
        let addr = addr.trim_start_matches('-');
        let listener = TcpListener::bind((addr, cfg.port))
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr}:{}: {e}", cfg.port))?;
        listeners.push(listener);
    }
    Ok(listeners)
}

/// Where the cluster layer plugs in: start the bus (its listener on
/// `config.bus_port()`, its tasks) and install its [`ClusterRouter`] with
/// [`Shared::set_router`]. Until the bus lands the node is [`Standalone`]: it owns every
/// slot. The bus may keep a clone of `shared` to reach the keyspace and the config.
///
/// [`ClusterRouter`]: super::cluster_seam::ClusterRouter
/// [`Standalone`]: super::cluster_seam::Standalone
/// Installs the router before the first command, so that none initialises it lazily
/// under other locks: the cluster bus in cluster mode, else the standalone router.
async fn install_cluster(
    shared: &Arc<Shared>,
    config: &NodeConfig,
) -> anyhow::Result<Option<crate::bus::driver::ClusterHandle>> {
    if shared.cluster_enabled {
        return Ok(Some(super::cluster_bus::start(shared, config).await?));
    }
    let _ = shared.router();
    Ok(None)
}

async fn serve(config: NodeConfig) -> anyhow::Result<()> {
    if !config.dir.as_os_str().is_empty() {
        std::fs::create_dir_all(&config.dir)?;
        std::env::set_current_dir(&config.dir)
            .map_err(|e| anyhow::anyhow!("cannot enter dir {}: {e}", config.dir.display()))?;
    }
    let mut config = config;
    config.dir = std::env::current_dir()?;
    // Signal handlers go in before the port opens: a SIGTERM sent as soon as the node
    // accepts connections must shut it down gracefully, not kill it.
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let signals = async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    };
    let listeners = bind_all(&config).await?;
    let bus_config = config.clone();
    let shared = Shared::new(config);
    super::persist::Persistence::load_at_start(&shared)?;
    super::persist::Persistence::install(&shared);
    let bus = install_cluster(&shared, &bus_config).await?;
    log(&shared, "Ready to accept connections tcp");
    server::run(Arc::clone(&shared), listeners, signals).await;
    shared.persist.on_shutdown(&shared);
    if let Some(bus) = bus {
        bus.shutdown();
    }
    log(&shared, "Redis is now ready to exit, bye bye...");
    Ok(())
}

/// Entry point of the `rclust-node` binary.
pub fn main() -> ExitCode {
    let matches = super::config::command().get_matches();
    let config = match NodeConfig::from_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rclust-node: {e}");
            return ExitCode::from(2);
        }
    };
    let mut builder = if config.io_threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(config.io_threads);
        b
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rclust-node: cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rclust-node: {e:#}");
            ExitCode::FAILURE
        }
    }
}
