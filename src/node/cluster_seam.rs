//! The seam between the request path and the cluster bus. The server depends only on the
//! traits here; the bus (`crate::bus`) implements [`ClusterRouter`] and is handed to
//! [`crate::node::server::run`]. Until then [`Standalone`] serves: this node owns every slot.
//!
//! Where the server calls in (all under the keyspace lock, so implementations must not
//! block or take that lock themselves):
//! - [`ClusterRouter::route`] once per command that has keys, after the server checked
//!   the keys share a slot (else it replied `-CROSSSLOT ...` itself). `Err(frame)` is
//!   sent instead of running the command (`-MOVED`, `-ASK`, `-TRYAGAIN`, `-CLUSTERDOWN`).
//! - [`ClusterRouter::cluster_command`] for `CLUSTER <sub> ...` except KEYSLOT,
//!   COUNTKEYSINSLOT and GETKEYSINSLOT, which the server answers from the keyspace.
//! - [`ClusterRouter::info_section`]: the CLUSTER INFO text (`cluster_state:ok\r\n...`),
//!   for whoever needs it outside CLUSTER INFO. INFO's own `# Cluster` section is just
//!   `cluster_enabled:1`, printed by the server, as in Redis.
//! - [`ClusterRouter::myself_is_replica`] for INFO replication's role.
//!
//! Work the bus does on its own (deleting keys of slots it lost, counting keys for
//! migration) goes through [`crate::node::Shared::keyspace`], a mutex the bus may lock
//! briefly from its own task.

use bytes::Bytes;

use super::keyspace::Keyspace;
use super::resp::Frame;
use crate::bus::cluster_command::BusCommand;
use crate::bus::core::{ClusterReply, KeyspaceInfo};
use crate::model::{SlotSet, SLOT_COUNT};

/// Per-connection facts routing depends on.
#[derive(Clone, Copy, Debug, Default)]
pub struct RouteCtx {
    /// ASKING was sent just before this command (one-shot, like Redis).
    pub asking: bool,
    /// READONLY is in effect on this connection.
    pub readonly: bool,
    /// The command may write.
    pub is_write: bool,
    /// Its keys are shard channels (SPUBLISH, SSUBSCRIBE): they exist in every slot, so a
    /// migrating slot still serves them here, as Redis's getNodeByQuery counts them.
    pub channels: bool,
}

/// The keyspace as the cluster layer sees it.
pub trait KeyspaceView {
    fn count_keys_in_slot(&self, slot: u16) -> usize;
    fn keys_in_slot(&self, slot: u16, count: usize) -> Vec<Bytes>;
    fn key_count(&self) -> usize;
    /// Whether `key` exists (and has not expired): ASK/TRYAGAIN decisions need it.
    fn exists(&self, key: &[u8]) -> bool;
    /// Deletes every key in the given slots; returns how many went.
    fn delete_slots(&mut self, slots: &SlotSet) -> usize;
}

impl KeyspaceView for Keyspace {
    fn count_keys_in_slot(&self, slot: u16) -> usize {
        self.count_in_slot(slot)
    }

    fn keys_in_slot(&self, slot: u16, count: usize) -> Vec<Bytes> {
        Keyspace::keys_in_slot(self, slot, count)
    }

    fn key_count(&self) -> usize {
        self.len()
    }

    fn exists(&self, key: &[u8]) -> bool {
        self.peek(key, super::clock::now_ms()).is_some()
    }

    fn delete_slots(&mut self, slots: &SlotSet) -> usize {
        slots.iter().map(|slot| self.clear_slot(slot)).sum()
    }
}

pub trait ClusterRouter: Send + Sync {
    /// May a command whose keys all hash to `slot` run here? `keys` are the command's keys
    /// (so a migrating slot can tell whether all of them are still here).
    fn route(
        &self,
        slot: u16,
        ctx: &RouteCtx,
        keys: &[Bytes],
        ks: &dyn KeyspaceView,
    ) -> Result<(), Frame>;

    /// Runs a parsed CLUSTER subcommand that concerns the bus: the reply, and the
    /// nodes.conf version that must be on disk before the reply is sent (see
    /// [`Self::wait_saved`]).
    fn cluster_command(&self, cmd: BusCommand, ks: &mut dyn KeyspaceView) -> (Frame, Option<u64>);

    /// Blocks until nodes.conf `version` is on disk (a blocking call: the connection
    /// runs it off its event loop, once per batch).
    fn wait_saved(&self, _version: u64) {}

    /// The CLUSTER INFO text: `field:value` lines, each ending `\r\n`.
    fn info_section(&self) -> String;

    fn myself_is_replica(&self) -> bool;

    /// Sends a PUBLISH (`shard`: SPUBLISH, to this shard's nodes only) to the rest of the
    /// cluster. A node alone has no one to tell.
    fn publish(&self, _channel: &[u8], _message: &[u8], _shard: bool) {}

    /// `DEBUG DROP-CLUSTER-PACKET-FILTER`: bus messages of this type are ignored on
    /// arrival (`None`: none). A node alone receives none.
    fn drop_packet_filter(&self, _kind: Option<u16>) {}
}

/// A node alone: owns every slot, so it works with no bus. Enough of CLUSTER for clients
/// that start by asking for the topology (redis-benchmark --cluster, cluster clients).
pub struct Standalone {
    pub id: String,
    pub port: u16,
    pub bus_port: u16,
}

impl Standalone {
    pub fn new(port: u16, bus_port: u16) -> Standalone {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        let id = (0..40)
            .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
            .collect();
        Standalone { id, port, bus_port }
    }

    fn nodes_line(&self) -> String {
        format!(
            "{} 127.0.0.1:{}@{} myself,master - 0 0 0 connected 0-{}\n",
            self.id,
            self.port,
            self.bus_port,
            SLOT_COUNT - 1
        )
    }
}

impl ClusterRouter for Standalone {
    fn route(&self, _: u16, _: &RouteCtx, _: &[Bytes], _: &dyn KeyspaceView) -> Result<(), Frame> {
        Ok(())
    }

    fn cluster_command(&self, cmd: BusCommand, _ks: &mut dyn KeyspaceView) -> (Frame, Option<u64>) {
        let reply = match cmd {
            BusCommand::Info => Frame::Verbatim(*b"txt", Bytes::from(self.info_section())),
            BusCommand::MyId => Frame::bulk_str(&self.id),
            BusCommand::Nodes => Frame::Verbatim(*b"txt", Bytes::from(self.nodes_line())),
            BusCommand::Slots => Frame::Array(vec![Frame::Array(vec![
                Frame::Integer(0),
                Frame::Integer(SLOT_COUNT as i64 - 1),
                Frame::Array(vec![
                    Frame::bulk_str("127.0.0.1"),
                    Frame::Integer(self.port as i64),
                    Frame::bulk_str(&self.id),
                    Frame::Array(vec![]),
                ]),
            ])]),
            // Only until the bus is up (see `Shared::router`): topology questions are
            // answered, changes wait for the bus.
            _ => Frame::static_error("ERR the cluster bus is not running yet"),
        };
        (reply, None)
    }

    fn info_section(&self) -> String {
        "cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n\
         cluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:1\r\n\
         cluster_size:1\r\ncluster_current_epoch:0\r\ncluster_my_epoch:0\r\n\
         cluster_stats_messages_sent:0\r\ncluster_stats_messages_received:0\r\n\
         total_cluster_links_buffer_limit_exceeded:0\r\n"
            .to_string()
    }

    fn myself_is_replica(&self) -> bool {
        false
    }
}

/// Lets the bus read the keyspace through the server's view of it.
pub struct KeysFor<'a>(pub &'a dyn KeyspaceView);

impl KeyspaceInfo for KeysFor<'_> {
    fn db_size(&self) -> u64 {
        self.0.key_count() as u64
    }
    fn count_keys_in_slot(&self, slot: u16) -> u64 {
        self.0.count_keys_in_slot(slot) as u64
    }
    fn keys_in_slot(&self, slot: u16, count: usize) -> Vec<Vec<u8>> {
        self.0
            .keys_in_slot(slot, count)
            .into_iter()
            .map(|k| k.to_vec())
            .collect()
    }
}

/// A CLUSTER reply as a RESP frame.
pub fn cluster_frame(reply: ClusterReply) -> Frame {
    match reply {
        ClusterReply::Ok => Frame::ok(),
        ClusterReply::Status(s) => Frame::Simple(Bytes::from(s)),
        ClusterReply::Int(i) => Frame::Integer(i),
        ClusterReply::Bulk(b) => Frame::Bulk(Bytes::from(b)),
        // RESP2 clients get a bulk; the connection upgrades it for RESP3 where it can.
        ClusterReply::Verbatim(s) => Frame::Bulk(Bytes::from(s)),
        ClusterReply::Array(items) => Frame::Array(items.into_iter().map(cluster_frame).collect()),
        ClusterReply::Map(pairs) => Frame::Array(
            pairs
                .into_iter()
                .flat_map(|(k, v)| [Frame::Bulk(Bytes::from(k)), cluster_frame(v)])
                .collect(),
        ),
        ClusterReply::Null => Frame::Null,
    }
}
