//! Command-line arguments. One clap definition feeds parsing, help, the man page and shell
//! completions. These types only validate what the user typed; commands resolve them.

use clap::{Args, Parser, Subcommand};

use crate::model::Addr;

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

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Password for AUTH on every node
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
    /// Print machine-readable JSON on stdout
    #[arg(long, global = true)]
    pub json: bool,
    /// Never use colour (also when NO_COLOR is set or stdout is not a terminal)
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Print only errors and the essential result
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more about what is being done (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Timeout for connecting to a node, in milliseconds
    #[arg(long, global = true, value_name = "MS", default_value_t = 3000)]
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
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,
    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Give up waiting for convergence after this many seconds (exit 1)
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    pub timeout: f64,
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
    #[arg(long, value_name = "SECS")]
    pub wait: Option<f64>,
}

/// How slots and keys are moved, shared by the commands that move them.
#[derive(Debug, Args)]
pub struct MoveArgs {
    /// Keys per GETKEYSINSLOT/MIGRATE batch
    #[arg(long, value_name = "K", default_value_t = 100)]
    pub pipeline: usize,
    /// MIGRATE timeout, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 60000)]
    pub timeout: u64,
    /// Overwrite keys that already exist on the target even when their values differ
    /// (identical ones are always replaced)
    #[arg(long)]
    pub replace: bool,
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,
    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Give up waiting for the cluster to converge afterwards after this many seconds (exit 1)
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
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
    #[arg(long)]
    pub use_empty_masters: bool,
    /// Do nothing unless some master is off its share by more than this many percent
    #[arg(long, value_name = "PCT", default_value_t = 2.0)]
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
