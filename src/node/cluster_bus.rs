//! The glue between the request path and the cluster bus: [`BusRouter`] answers the
//! server's [`ClusterRouter`] questions from a running [`ClusterHandle`], and
//! [`start`] brings the bus up for a node and carries out what the bus asks of it.

use anyhow::Context;
use std::sync::Arc;

use bytes::Bytes;

use super::cluster_seam::{cluster_frame, ClusterRouter, KeysFor, KeyspaceView, RouteCtx};
use super::config::{NodeConfig, Notify};
use super::resp::Frame;
use super::shared::Shared;
use crate::bus::cluster_command::BusCommand;
use crate::bus::core::{decide_route, CoreConfig, EndpointType, RouteQuery, SlotRoute};
use crate::bus::driver::{self, ClusterEvent, ClusterHandle, DriverConfig};

pub struct BusRouter {
    pub handle: ClusterHandle,
}

impl ClusterRouter for BusRouter {
    fn route(
        &self,
        slot: u16,
        ctx: &RouteCtx,
        keys: &[Bytes],
        ks: &dyn KeyspaceView,
    ) -> Result<(), Frame> {
        let route = self.handle.route(slot);
        // Only a slot in migration needs to know which keys are here.
        let missing_keys = match route {
            SlotRoute::MineMigrating { .. } | SlotRoute::Importing { .. } if !ctx.channels => {
                keys.iter().filter(|k| !ks.exists(k)).count()
            }
            _ => 0,
        };
        let query = RouteQuery {
            asking: ctx.asking,
            readonly: ctx.readonly,
            is_write: ctx.is_write,
            cluster_ok: self.handle.state_ok(),
            keys: keys.len(),
            missing_keys,
        };
        decide_route(slot, &route, query).map_err(Frame::error)
    }

    fn cluster_command(&self, cmd: BusCommand, ks: &mut dyn KeyspaceView) -> (Frame, Option<u64>) {
        let (reply, version) = self.handle.execute_unsaved(cmd, &KeysFor(ks));
        let frame = match reply {
            Ok(reply) => cluster_frame(reply),
            Err(e) => Frame::error(e.0),
        };
        (frame, version)
    }

    fn wait_saved(&self, version: u64) {
        self.handle.wait_saved(version);
    }

    fn info_section(&self) -> String {
        "cluster_enabled:1\r\n".into()
    }

    fn publish(&self, channel: &[u8], message: &[u8], shard: bool) {
        self.handle.publish(channel, message, shard);
    }

    fn drop_packet_filter(&self, kind: Option<u16>) {
        self.handle.set_drop_packet_filter(kind);
    }

    fn myself_is_replica(&self) -> bool {
        self.handle
            .with_core(|core| core.node(core.myself()).is_some_and(|n| n.is_replica()))
    }
}

/// The bus's settings from the node's.
fn core_config(cfg: &NodeConfig) -> CoreConfig {
    let announced_port = if cfg.cluster_announce_port != 0 {
        cfg.cluster_announce_port
    } else {
        cfg.port
    };
    let announced_cport = if cfg.cluster_announce_bus_port != 0 {
        cfg.cluster_announce_bus_port
    } else {
        cfg.bus_port()
    };
    let mut core = CoreConfig::new(announced_port, announced_cport, cfg.cluster_node_timeout);
    core.announce_ip =
        (!cfg.cluster_announce_ip.is_empty()).then(|| cfg.cluster_announce_ip.clone());
    core.hostname = (!cfg.cluster_announce_hostname.0.is_empty())
        .then(|| cfg.cluster_announce_hostname.0.clone());
    core.preferred_endpoint = EndpointType::from_setting(&cfg.cluster_preferred_endpoint_type);
    core.require_full_coverage = cfg.cluster_require_full_coverage;
    core.allow_replica_migration = cfg.cluster_allow_replica_migration;
    core.replica_validity_factor = cfg.cluster_replica_validity_factor;
    core.replica_no_failover = cfg.cluster_replica_no_failover;
    core.migration_barrier = cfg.cluster_migration_barrier;
    core
}

/// Starts the bus for this node, installs the router, and spawns the task that carries out
/// the bus's requests. Returns the handle (to shut the bus down cleanly).
pub async fn start(shared: &Arc<Shared>, cfg: &NodeConfig) -> anyhow::Result<ClusterHandle> {
    let core = core_config(cfg);
    let bind_ip = cfg
        .bind
        .first()
        .map(|b| b.trim_start_matches('-').to_string())
        .unwrap_or_else(|| "127.0.0.1".into());
    let driver_cfg = DriverConfig {
        bind_ip,
        core,
        config_file: cfg.dir.join(&cfg.cluster_config_file),
        seed: None,
        log_level: super::log::log_threshold(&cfg.loglevel),
        link_sendbuf_limit: cfg.cluster_link_sendbuf_limit,
    };
    // The bus runs on a thread of its own. On the node's event loop (one thread unless
    // io-threads says otherwise) a long batch of commands (pipelines of hundreds of
    // SETSLOTs while slots move, each SETSLOT NODE broadcasting a pong) left pings
    // unanswered past the node timeout on a loaded machine, and peers failed the node
    // over in the middle of a reshard. Failure detection should measure whether the node
    // is alive, not how long its longest pipeline takes.
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let bus_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the cluster bus runtime")?;
    std::thread::Builder::new()
        .name("cluster-bus".into())
        .spawn(move || {
            bus_runtime.block_on(async move {
                let _ = started_tx.send(driver::start(driver_cfg).await);
                // The bus's tasks live on this runtime until the process ends.
                std::future::pending::<()>().await
            })
        })
        .context("cannot start the cluster bus thread")?;
    let (handle, mut events) = started_rx
        .await
        .context("the cluster bus thread ended before it started")??;
    for what in [Notify::Bus, Notify::Logger] {
        let bus = handle.clone();
        shared.on_config(what, move |cfg| {
            bus.reconfigure(
                core_config(cfg),
                super::log::log_threshold(&cfg.loglevel),
                cfg.cluster_link_sendbuf_limit,
            )
        });
    }
    shared.set_router(Arc::new(BusRouter {
        handle: handle.clone(),
    }));
    shared.repl.set_bus(handle.clone());
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                ClusterEvent::DeleteKeysInSlots(slots) => {
                    let set = slots.into_iter().collect();
                    super::cmd::pubsub::slots_left(&shared, &set);
                    let deleted = shared.keyspace.lock().delete_slots(&set);
                    if deleted > 0 {
                        tracing::info!(
                            "Deleted {deleted} keys from slots this node no longer serves"
                        );
                    }
                }
                ClusterEvent::ShardChannelsLeft(slots) => {
                    let set = slots.into_iter().collect();
                    super::cmd::pubsub::slots_left(&shared, &set);
                }
                ClusterEvent::Log(level, line) => super::log::emit(level, &line),
                ClusterEvent::ReplicateFrom(master) => {
                    let repl = Arc::clone(&shared.repl);
                    repl.set_master(&shared, master);
                }
                ClusterEvent::PauseWrites { until } => {
                    shared.repl.pause_writes(&shared, until.unwrap_or(0));
                }
                ClusterEvent::Publish {
                    channel,
                    message,
                    shard,
                } => {
                    shared.pubsub.lock().publish(&channel, &message, shard);
                }
            }
        }
    });
    Ok(handle)
}
