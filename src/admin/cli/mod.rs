//! The `rclust` command line: argument definitions, the exit-code contract, and one handler
//! per subcommand. `main` calls [`main_exit`] and nothing else.

pub mod args;
pub mod create;
pub mod fleetwide;
pub mod generate;
pub mod local;
pub mod membership;
pub mod read;
pub mod render;
pub mod slots;
pub mod transfer;
pub mod ui;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use anyhow::Context;

use crate::admin::conn::{ConnOpts, TlsOpts};
use args::{Cli, Command, ConnArgs};
use ui::Ui;

/// The exit-code contract scripts rely on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Done, or healthy (warnings allowed).
    Ok = 0,
    /// A cluster problem was found, or a wait for convergence timed out.
    Problem = 1,
    /// Bad usage, or a node could not be reached or refused a precondition.
    Error = 2,
    /// Aborted by a second Ctrl-C (128 + SIGINT, as shells report it).
    Interrupted = 130,
}

/// Parses the command line, runs it, prints an error once, and maps the result to an exit code.
pub fn main_exit() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version print as clap formats them; a usage error is one line,
        // like every other error, so scripts can show or log it whole.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(0);
        }
        Err(e) => {
            eprintln!("rclust: {} (see --help)", usage_error_line(&e));
            return ExitCode::from(Exit::Error as u8);
        }
    };
    // One thread: the CLI waits on nodes, and a second worker only adds wake-ups between
    // threads (measured on check at 100 nodes: fewer context switches, less CPU).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(run(cli));
    // The command is over: whatever it needed has been awaited. Dropping the runtime would
    // close each node's connection and join its task one by one (milliseconds at 100
    // nodes, and an abort after a second Ctrl-C must not wait for the moves under way);
    // the process exits next and the system closes them at once.
    std::mem::forget(runtime);
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::from(0);
            }
            // One line, whatever the cause quoted (a server's reply may span several).
            let text = format!("{err:#}");
            let line: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            eprintln!("rclust: {}", line.join("; "));
            ExitCode::from(Exit::Error as u8)
        }
    }
}

/// clap's message without its `error: ` prefix, tips and usage block.
fn usage_error_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let message: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let joined = message.join(" ");
    joined
        .strip_prefix("error: ")
        .unwrap_or(&joined)
        .to_string()
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

pub fn conn_opts(g: &ConnArgs, verbose: u8) -> anyhow::Result<ConnOpts> {
    let read = |flag: &str, path: &std::path::Path| {
        std::fs::read(path).with_context(|| format!("cannot read --{flag} {}", path.display()))
    };
    let tls = if g.tls || g.cacert.is_some() || g.cert.is_some() || g.insecure {
        Some(TlsOpts {
            ca_cert: g.cacert.as_deref().map(|p| read("cacert", p)).transpose()?,
            client_cert: match (&g.cert, &g.key) {
                (Some(c), Some(k)) => Some((read("cert", c)?, read("key", k)?)),
                _ => None,
            },
            insecure: g.insecure,
        })
    } else {
        None
    };
    Ok(ConnOpts {
        user: g.user.clone(),
        // valkey-cli reads VALKEYCLI_AUTH where redis-cli reads REDISCLI_AUTH.
        password: g
            .pass
            .clone()
            .or_else(|| std::env::var("VALKEYCLI_AUTH").ok())
            .filter(|p| !p.is_empty()),
        connect_timeout: Duration::from_millis(g.connect_timeout),
        tls,
        trace: verbose > 0,
        ..ConnOpts::default()
    })
}

pub async fn run(cli: Cli) -> anyhow::Result<Exit> {
    if let Command::Generate(args) = &cli.command {
        return generate::run(args);
    }
    let ui = Ui::from_args(&cli.global.output);
    let opts = conn_opts(&cli.global.conn, cli.global.output.verbose)?;
    match cli.command {
        Command::Create(args) => create::run(args, &ui, opts).await,
        Command::Check(args) => read::check(args, &ui, opts).await,
        Command::Nodes(args) => read::nodes(args, &ui, opts).await,
        Command::Info(args) => read::info(args, &ui, opts).await,
        Command::AddNode(args) => membership::add_node(args, &ui, opts).await,
        Command::DelNode(args) => membership::del_node(args, &ui, opts).await,
        Command::Failover(args) => membership::failover(args, &ui, opts).await,
        Command::Call(args) => fleetwide::call(args, &ui, opts).await,
        Command::SetTimeout(args) => fleetwide::set_timeout(args, &ui, opts).await,
        Command::Local(args) => local::run(args, &ui, opts).await,
        Command::Reshard(args) => slots::reshard(args, &ui, opts).await,
        Command::Rebalance(args) => slots::rebalance(args, &ui, opts).await,
        Command::Fix(args) => slots::fix(args, &ui, opts).await,
        Command::Import(args) => transfer::import(args, &ui, opts).await,
        Command::Backup(args) => transfer::backup(args, &ui, opts).await,
        Command::Restore(args) => transfer::restore(args, &ui, opts).await,
        Command::Generate(_) => unreachable!("handled above"),
    }
}

/// Writes to stdout, turning a closed pipe into an error `main_exit` treats as success.
pub fn print(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

pub fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    print(&serde_json::to_string_pretty(value)?)
}

/// Ends a changing command: on convergence, says how long it took and shows the nodes; on
/// timeout, lists what is still pending and exits 1.
pub async fn finish(
    outcome: Result<crate::admin::snapshot::Snapshot, Vec<String>>,
    ui: &Ui,
    fleet: &crate::admin::snapshot::Fleet,
    seed: &crate::model::Addr,
    start: std::time::Instant,
    timeout: f64,
    what: &str,
) -> anyhow::Result<Exit> {
    match outcome {
        Ok(_) => {
            let snap = fleet.load(seed).await?;
            ui.say(format!(
                "[OK] {what}; converged in {:.2}s.",
                start.elapsed().as_secs_f64()
            ));
            if ui.json {
                print_json(&render::nodes_json(&snap))?;
            } else if !ui.quiet {
                print(&render::nodes_table(&snap, ui.color))?;
            }
            Ok(Exit::Ok)
        }
        Err(reasons) => {
            report_not_converged(timeout, &reasons);
            Ok(Exit::Problem)
        }
    }
}

/// The one report of a wait for convergence that timed out: what is still pending.
pub fn report_not_converged(timeout: f64, reasons: &[String]) {
    const SHOWN: usize = 20;
    eprintln!("rclust: the cluster did not converge within {timeout}s; still pending:");
    for r in reasons.iter().take(SHOWN) {
        eprintln!("  - {r}");
    }
    if reasons.len() > SHOWN {
        eprintln!("  ... and {} more", reasons.len() - SHOWN);
    }
}
