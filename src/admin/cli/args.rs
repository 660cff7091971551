//! Command-line arguments. One clap definition feeds parsing, help, the man page and shell
//! completions. These types only validate what the user typed; commands resolve them.

use clap::{Args, Parser, Subcommand};

use crate::model::Addr;

/// The longest wait or timeout accepted, in seconds (beyond it a deadline would overflow).
const MAX_SECS: f64 = 1e9;

/// A positive number of seconds, fractions allowed (`--timeout 0.5`).
fn positive_secs(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= MAX_SECS => Ok(s),
        _ => Err(format!(
            "expected a positive number of seconds, at most {MAX_SECS}"
        )),
    }
}

/// A percentage, 0 or more.
fn percent(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if p.is_finite() && p >= 0.0 => Ok(p),
        _ => Err("expected a number of percent, 0 or more".to_string()),
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "rclust",
    version,
    about = "Create, check, grow and repair Redis Clusters",
    long_about = "Create, check, grow and repair Redis Clusters.\n\nExit status: 0 ok, 1 a cluster problem was found (or a wait timed out), 2 usage or connection error."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes, listed after its own under their own headings.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub conn: ConnArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Output options")]
pub struct OutputArgs {
    /// Print machine-readable JSON on stdout
    #[arg(long, global = true)]
    pub json: bool,
    /// Never use colour (also when NO_COLOR is set or stdout is not a terminal)
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Print only errors and the essential result
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print every command sent to a node and what a wait is still waiting for
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Connection options")]
pub struct ConnArgs {
    /// Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)
    #[arg(
        short = 'a',
        long = "pass",
        env = "REDISCLI_AUTH",
        hide_env_values = true,
        global = true
    )]
    pub pass: Option<String>,
    /// ACL user name for AUTH (with --pass)
    #[arg(long, global = true)]
    pub user: Option<String>,
    /// Connect to nodes over TLS
    #[arg(long, global = true)]
    pub tls: bool,
    /// CA certificate bundle (PEM) to verify nodes with (implies --tls)
    #[arg(long, global = true, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
    /// Client certificate (PEM) for nodes that require one (implies --tls; needs --key)
    #[arg(long, global = true, value_name = "FILE", requires = "key")]
    pub cert: Option<std::path::PathBuf>,
    /// Private key (PEM) of the client certificate
    #[arg(long, global = true, value_name = "FILE", requires = "cert")]
    pub key: Option<std::path::PathBuf>,
    /// Do not verify the nodes' certificates (implies --tls)
    #[arg(long, global = true)]
    pub insecure: bool,
    /// Timeout for connecting to a node, in milliseconds
    #[arg(long, global = true, value_name = "MS", default_value_t = 3000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub connect_timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a cluster from empty nodes and wait until it has converged
    Create(CreateArgs),
    /// Check a cluster's health (exit 1 when a problem is found)
    Check(CheckArgs),
    /// Show every node: role, master, slots, keys, epoch, link, flags
    Nodes(SeedArgs),
    /// Show keys, slots and replicas per master
    Info(SeedArgs),
    /// Move N slots (and their keys) to one master, from some or all of the others
    Reshard(ReshardArgs),
    /// Spread slots over the masters in proportion to their weights
    Rebalance(RebalanceArgs),
    /// Repair open slots, keys on the wrong master and uncovered slots
    Fix(FixArgs),
    /// Add an empty node to a cluster, as an empty master or as a replica
    AddNode(AddNodeArgs),
    /// Remove a node (reachable or dead) from a cluster
    DelNode(DelNodeArgs),
    /// Promote a replica (or the best replica of a master) to master
    Failover(FailoverArgs),
    /// Run a command on every node (or only masters/replicas), concurrently
    Call(CallArgs),
    /// Set cluster-node-timeout on every node and persist it
    SetTimeout(SetTimeoutArgs),
    /// Move every key of a standalone server into the cluster, each to its slot's master
    Import(super::transfer::ImportArgs),
    /// Save one RDB per master (taken over replication) and a manifest into a directory
    Backup(super::transfer::BackupArgs),
    /// Load a backup into a running cluster of any shape
    Restore(super::transfer::RestoreArgs),
    /// Run a whole cluster of local nodes (bundled rclust-node, or redis-server)
    Local(LocalArgs),
    /// Write shell completions and man pages generated from these definitions
    #[command(hide = true)]
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Nodes to build the cluster from (host:port)
    #[arg(required = true, value_name = "ADDR", num_args = 1..)]
    pub nodes: Vec<Addr>,
    /// Replicas per master
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub replicas: usize,
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Do not lower cluster-node-timeout and repl-diskless-sync-delay while the cluster
    /// forms (convergence then takes at least min(node-timeout, 5 s))
    #[arg(long)]
    pub keep_settings: bool,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Any node of the cluster (host:port)
    #[arg(value_name = "ADDR")]
    pub seed: Addr,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Any node of the cluster (host:port)
    #[arg(value_name = "ADDR")]
    pub seed: Addr,
    /// Keep checking until the cluster is healthy and every replica's link is up, for at
    /// most this many seconds
    #[arg(long, value_name = "SECS", value_parser = positive_secs)]
    pub wait: Option<f64>,
}

/// How slots and keys are moved, shared by the commands that move them.
#[derive(Debug, Args)]
pub struct MoveArgs {
    /// Keys per GETKEYSINSLOT/MIGRATE batch
    #[arg(long, value_name = "K", default_value_t = 100, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub pipeline: usize,
    /// MIGRATE timeout, in milliseconds; with atomic migration, the longest a server-side
    /// job may stay in one state before it is cancelled (it rolls back)
    #[arg(long, value_name = "MS", default_value_t = 60000)]
    pub timeout: u64,
    /// Overwrite keys that already exist on the target even when their values differ
    /// (identical ones are always replaced)
    #[arg(long)]
    pub replace: bool,
    /// Move keys with GETKEYSINSLOT/MIGRATE even where every node involved can migrate
    /// slots atomically itself (Valkey >= 9.0 CLUSTER MIGRATESLOTS, Redis >= 8.4
    /// CLUSTER MIGRATION), which rclust otherwise uses
    #[arg(long)]
    pub key_by_key: bool,
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,
    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Give up waiting for the cluster to converge afterwards after this many seconds (exit 1)
    #[arg(long, value_name = "SECS", default_value_t = 60.0, value_parser = positive_secs)]
    pub wait: f64,
}

#[derive(Debug, Args)]
pub struct ReshardArgs {
    /// Any node of the cluster (host:port)
    #[arg(value_name = "ADDR")]
    pub seed: Addr,
    /// Source masters (id, unique id prefix or host:port; comma-separated), or `all`
    #[arg(long, required = true, value_name = "NODES", value_delimiter = ',')]
    pub from: Vec<String>,
    /// The master that receives the slots (id, unique id prefix or host:port)
    #[arg(long, value_name = "NODE")]
    pub to: String,
    /// How many slots to move (exactly this many move)
    #[arg(long, value_name = "N")]
    pub slots: usize,
    #[command(flatten)]
    pub moving: MoveArgs,
}

#[derive(Debug, Args)]
pub struct RebalanceArgs {
    /// Any node of the cluster (host:port)
    #[arg(value_name = "ADDR")]
    pub seed: Addr,
    /// A master's weight (default 1; 0 empties it), e.g. `--weight 127.0.0.1:7000=2`
    #[arg(long, value_name = "NODE=W")]
    pub weight: Vec<String>,
    /// Give slots to masters that have none
    #[arg(long, visible_alias = "use-empty-primaries")]
    pub use_empty_masters: bool,
    /// Do nothing unless some master is off its share by more than this many percent
    #[arg(long, value_name = "PCT", default_value_t = 2.0, value_parser = percent)]
    pub threshold: f64,
    #[command(flatten)]
    pub moving: MoveArgs,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// Any node of the cluster (host:port)
    #[arg(value_name = "ADDR")]
    pub seed: Addr,
    #[command(flatten)]
    pub moving: MoveArgs,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory for completions (bash, zsh, fish, elvish, powershell)
    #[arg(long, default_value = "completions")]
    pub completions: std::path::PathBuf,
    /// Directory for man pages
    #[arg(long, default_value = "man")]
    pub man: std::path::PathBuf,
}

/// Flags every changing command shares.
#[derive(Debug, Args)]
pub struct ChangeArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,
    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Give up waiting for convergence after this many seconds (exit 1)
    #[arg(long, value_name = "SECS", default_value_t = 60.0, value_parser = positive_secs)]
    pub timeout: f64,
}

#[derive(Debug, Args)]
pub struct AddNodeArgs {
    /// The empty node to add (host:port)
    #[arg(value_name = "NEW")]
    pub new: Addr,
    /// Any node of the cluster (host:port)
    #[arg(value_name = "EXISTING")]
    pub existing: Addr,
    /// Join as a replica (of --master-id, or of the master with the fewest replicas)
    #[arg(long, visible_alias = "slave")]
    pub replica: bool,
    /// The master to replicate: id, unique id prefix, or host:port (implies --replica)
    #[arg(long, value_name = "NODE", visible_alias = "primary-id")]
    pub master_id: Option<String>,
    /// Do not lower the new node's cluster-node-timeout (or, for a replica, its master's
    /// repl-diskless-sync-delay) while it joins
    #[arg(long)]
    pub keep_settings: bool,
    #[command(flatten)]
    pub change: ChangeArgs,
}

#[derive(Debug, Args)]
pub struct DelNodeArgs {
    /// Any node of the cluster (host:port)
    #[arg(value_name = "SEED")]
    pub seed: Addr,
    /// The node to remove: id, unique id prefix, or host:port
    #[arg(value_name = "NODE")]
    pub node: String,
    /// A master that still serves slots: move them to the other masters first (evenly),
    /// then remove it
    #[arg(long)]
    pub drain: bool,
    /// Drain with GETKEYSINSLOT/MIGRATE even where the servers can migrate slots atomically
    #[arg(long, requires = "drain")]
    pub key_by_key: bool,
    /// With --drain: MIGRATE timeout, in milliseconds; with atomic migration, the longest a
    /// server-side job may stay in one state before it is cancelled (it rolls back)
    #[arg(long, value_name = "MS", default_value_t = 60000, requires = "drain")]
    pub move_timeout: u64,
    #[command(flatten)]
    pub change: ChangeArgs,
}

#[derive(Debug, Args)]
pub struct FailoverArgs {
    /// A replica to promote, or a master whose most up-to-date replica to promote:
    /// host:port, or id/prefix with --seed
    #[arg(value_name = "NODE")]
    pub node: String,
    /// Any node of the cluster, when NODE is an id
    #[arg(long, value_name = "ADDR")]
    pub seed: Option<Addr>,
    /// Do not wait for the master's agreement (it is down or unreachable)
    #[arg(long, conflicts_with = "takeover")]
    pub force: bool,
    /// Take over without an election (the majority of masters is down)
    #[arg(long)]
    pub takeover: bool,
    #[command(flatten)]
    pub change: ChangeArgs,
}

#[derive(Debug, Args)]
pub struct CallArgs {
    /// Any node of the cluster (host:port)
    #[arg(value_name = "SEED")]
    pub seed: Addr,
    /// Only masters
    #[arg(long, conflicts_with = "replicas", visible_alias = "primaries")]
    pub masters: bool,
    /// Only replicas
    #[arg(long)]
    pub replicas: bool,
    /// The command and its arguments (after --)
    #[arg(required = true, last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SetTimeoutArgs {
    /// Any node of the cluster (host:port)
    #[arg(value_name = "SEED")]
    pub seed: Addr,
    /// The new cluster-node-timeout in milliseconds (at least 100)
    #[arg(value_name = "MS", value_parser = clap::value_parser!(u64).range(100..))]
    pub ms: u64,
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,
    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct LocalArgs {
    /// Where the nodes keep their data, logs and nodes.conf
    #[arg(
        long,
        global = true,
        default_value = "rclust-local",
        value_name = "DIR"
    )]
    pub dir: std::path::PathBuf,
    #[command(subcommand)]
    pub command: LocalCommand,
}

#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Start the nodes in the background and create the cluster
    Up(LocalUpArgs),
    /// Which nodes run, with pid and role (exit 1 if any is down)
    Status,
    /// Stop one node (port or 127.0.0.1:PORT), keeping its data
    Stop {
        #[arg(value_name = "NODE")]
        node: String,
    },
    /// Start a stopped node again; it rejoins from its nodes.conf
    Start {
        #[arg(value_name = "NODE")]
        node: String,
    },
    /// Start a new empty node (next free port, or PORT) to add with `rclust add-node`
    Spawn {
        #[arg(long, value_name = "PORT")]
        port: Option<u16>,
    },
    /// Stop every node and remove the data
    Down {
        /// Keep the data directory
        #[arg(long)]
        keep_data: bool,
    },
}

#[derive(Debug, Args)]
pub struct LocalUpArgs {
    /// Masters
    #[arg(long, default_value_t = 3, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(3..=500))]
    pub masters: usize,
    /// Replicas per master
    #[arg(long, default_value_t = 1)]
    pub replicas: usize,
    /// Client port of the first node; the others follow; bus ports are +10000
    #[arg(long, default_value_t = 7000, value_name = "PORT")]
    pub base_port: u16,
    /// cluster-node-timeout of the nodes, in milliseconds
    #[arg(long, default_value_t = 2000, value_name = "MS")]
    pub node_timeout: u64,
    /// Which server to run
    #[arg(long, value_enum, default_value_t = crate::admin::local::Engine::RclustNode)]
    pub engine: crate::admin::local::Engine,
    /// Give up waiting for convergence after this many seconds (exit 1)
    #[arg(long, value_name = "SECS", default_value_t = 60.0, value_parser = positive_secs)]
    pub timeout: f64,
}
