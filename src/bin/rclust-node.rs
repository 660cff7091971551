//! `rclust-node`: a lightweight Redis Cluster node. The node lives in the library
//! (`rclust::node`, `rclust::bus`); this is its startup: flags, listeners, signals, then
//! [`server::run`].

use std::process::ExitCode;
use std::sync::Arc;

use tokio::net::TcpListener;

use rclust::node_startup::config::{self, NodeConfig};
use rclust::node_startup::ClusterHandle;
use rclust::node_startup::CountingMimalloc;
use rclust::node_startup::Persistence;
use rclust::node_startup::{cluster_bus, server, Shared};

#[global_allocator]
static ALLOC: CountingMimalloc = CountingMimalloc;

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

/// Installs the router before the first command, so that none initialises it lazily
/// under other locks: the cluster bus in cluster mode (its listener on
/// `config.bus_port()`), else the standalone router that owns every slot.
async fn install_cluster(
    shared: &Arc<Shared>,
    config: &NodeConfig,
) -> anyhow::Result<Option<ClusterHandle>> {
    if shared.cluster_enabled {
        return Ok(Some(cluster_bus::start(shared, config).await?));
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
    let log = rclust::node_startup::log::install(&config);
    let shared = Shared::new(config);
    if let Some(log) = log {
        shared.on_config(config::Notify::Logger, move |cfg| {
            log.set_level(&cfg.loglevel)
        });
    }
    Persistence::load_at_start(&shared)?;
    Persistence::install(&shared);
    let bus = install_cluster(&shared, &bus_config).await?;
    tracing::info!("Ready to accept connections tcp");
    server::run(Arc::clone(&shared), listeners, signals).await;
    shared.persist.on_shutdown(&shared);
    if let Some(bus) = bus {
        bus.shutdown();
    }
    tracing::info!("Redis is now ready to exit, bye bye...");
    Ok(())
}

fn main() -> ExitCode {
    CountingMimalloc::mark_installed();
    let matches = config::command().get_matches();
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
