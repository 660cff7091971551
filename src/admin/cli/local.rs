//! `rclust local`: a whole cluster of bundled nodes (or redis-server) on this machine, for
//! laptops, demos and CI; created with the same code as `rclust create`.

use std::time::{Duration, Instant};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::Table;
use serde_json::json;

use crate::admin::conn::ConnOpts;
use crate::admin::exec::{create, preflight};
use crate::admin::local::{find_program, port_free, LocalCluster};
use crate::admin::plan::create::plan_create;
use crate::admin::snapshot::Fleet;
use crate::model::Addr;

use super::args::{LocalArgs, LocalCommand, LocalUpArgs};
use super::ui::Ui;
use super::{finish, print, print_json, Exit};

pub async fn run(args: LocalArgs, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let dir = args.dir;
    match args.command {
        LocalCommand::Up(up) => self::up(up, dir, ui, opts).await,
        LocalCommand::Status => status(&LocalCluster::load(&dir)?, ui, opts).await,
        LocalCommand::Stop { node } => {
            let c = LocalCluster::load(&dir)?;
            let port = c.port_of(&node)?;
            if c.stop(port)? {
                ui.say(format!("stopped 127.0.0.1:{port}"));
            } else {
                ui.say(format!("127.0.0.1:{port} was not running"));
            }
            Ok(Exit::Ok)
        }
        LocalCommand::Start { node } => {
            let c = LocalCluster::load(&dir)?;
            let port = c.port_of(&node)?;
            c.start(port)?;
            ui.say(format!(
                "started 127.0.0.1:{port}; it rejoins the cluster from its nodes.conf"
            ));
            Ok(Exit::Ok)
        }
        LocalCommand::Spawn { port } => {
            let mut c = LocalCluster::load(&dir)?;
            let port = match port {
                Some(p) if c.ports.contains(&p) => {
                    anyhow::bail!("127.0.0.1:{p} is already a node of this local cluster")
                }
                Some(p) => p,
                None => c.ports.iter().max().map_or(7000, |p| p + 1),
            };
            c.ports.push(port);
            c.save()?;
            if let Err(e) = c.start(port) {
                c.ports.retain(|p| *p != port);
                c.save()?;
                return Err(e);
            }
            ui.say(format!(
                "started an empty node on 127.0.0.1:{port}; add it with: rclust add-node 127.0.0.1:{port} 127.0.0.1:{}",
                c.ports[0]
            ));
            Ok(Exit::Ok)
        }
        LocalCommand::Down { keep_data } => {
            let c = LocalCluster::load(&dir)?;
            let stopped = c.stop_all(&c.ports)?;
            if !keep_data {
                std::fs::remove_dir_all(&c.dir)?;
            }
            ui.say(format!(
                "stopped {stopped} node(s){}",
                if keep_data {
                    format!("; data kept in {}", c.dir.display())
                } else {
                    String::new()
                }
            ));
            Ok(Exit::Ok)
        }
    }
}

async fn up(
    args: LocalUpArgs,
    dir: std::path::PathBuf,
    ui: &Ui,
    opts: ConnOpts,
) -> anyhow::Result<Exit> {
    let start = Instant::now();
    if let Ok(old) = LocalCluster::load(&dir) {
        if old.ports.iter().any(|p| old.running(*p)) {
            anyhow::bail!(
                "a local cluster is already running in {} (stop it with `rclust local down`)",
                dir.display()
            );
        }
        std::fs::remove_dir_all(&dir)?;
    }
    let program = find_program(args.engine)?;
    let count = args.masters * (args.replicas + 1);
    let ports: Vec<u16> = (0..count)
        .map(|i| {
            args.base_port
                .checked_add(i as u16)
                .filter(|p| p.checked_add(10000).is_some())
        })
        .collect::<Option<_>>()
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--base-port {} leaves no room for {count} nodes and their bus ports (+10000)",
                args.base_port
            )
        })?;
    for p in &ports {
        for q in [*p, p + 10000] {
            if !port_free(q) {
                anyhow::bail!(
                    "127.0.0.1:{q} is taken by another process; choose another --base-port"
                );
            }
        }
    }
    let cluster = LocalCluster::new(
        args.engine,
        program,
        args.node_timeout,
        ports.clone(),
        dir.clone(),
    );
    cluster.save()?;
    ui.say(format!(
        "starting {count} {} node(s) on ports {}-{} in {}",
        args.engine.program(),
        ports[0],
        ports[count - 1],
        dir.display()
    ));
    for p in &ports {
        if let Err(e) = cluster.start(*p) {
            let _ = cluster.stop_all(&ports);
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    }
    let addrs: Vec<Addr> = ports.iter().map(|p| Addr::new("127.0.0.1", *p)).collect();
    let nodes = preflight::check_all_empty(&addrs, &opts).await?;
    let plan = plan_create(&preflight::candidates(&nodes), args.replicas)?;
    let fleet = Fleet::new(opts);
    let bar = ui.spinner("creating the cluster");
    let deadline = start + Duration::from_secs_f64(args.timeout);
    let outcome = create::apply(&fleet, &plan, &nodes, deadline, &bar, true).await?;
    bar.finish_and_clear();
    let exit = finish(
        outcome,
        ui,
        &fleet,
        &addrs[0],
        start,
        args.timeout,
        "Local cluster up",
    )
    .await?;
    if exit == Exit::Ok {
        ui.say(format!(
            "Connect with: redis-cli -c -p {}\nStop a node: rclust local stop {}   Tear down: rclust local down",
            ports[0], ports[0]
        ));
    }
    Ok(exit)
}

async fn status(c: &LocalCluster, ui: &Ui, opts: ConnOpts) -> anyhow::Result<Exit> {
    let mut rows = Vec::new();
    for port in &c.ports {
        let running = c.running(*port);
        let role = if running {
            match crate::admin::conn::NodeConn::connect(&Addr::new("127.0.0.1", *port), &opts).await
            {
                Ok(mut conn) => conn
                    .cmd::<String>(&["INFO", "replication"])
                    .await
                    .ok()
                    .and_then(|i| crate::model::replies::parse_info(&i).get("role").cloned())
                    .map(|r| {
                        if r == "slave" {
                            "replica".to_string()
                        } else {
                            r
                        }
                    })
                    .unwrap_or_else(|| "?".into()),
                Err(_) => "not answering".into(),
            }
        } else {
            "-".into()
        };
        rows.push((*port, c.pid(*port).filter(|_| running), running, role));
    }
    let down = rows.iter().filter(|r| !r.2).count();
    if ui.json {
        print_json(&json!({
            "dir": c.dir.display().to_string(),
            "engine": c.engine,
            "nodes": rows.iter().map(|(port, pid, running, role)| json!({
                "addr": format!("127.0.0.1:{port}"), "pid": pid, "running": running, "role": role,
            })).collect::<Vec<_>>(),
        }))?;
    } else {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_header(vec!["NODE", "PID", "STATE", "ROLE"]);
        for (port, pid, running, role) in &rows {
            t.add_row(vec![
                format!("127.0.0.1:{port}"),
                pid.map(|p| p.to_string()).unwrap_or_default(),
                if *running {
                    "running".into()
                } else {
                    "stopped".to_string()
                },
                role.clone(),
            ]);
        }
        print(&format!(
            "{t}\n{} of {} node(s) running ({})",
            rows.len() - down,
            rows.len(),
            c.engine.program()
        ))?;
    }
    Ok(if down == 0 { Exit::Ok } else { Exit::Problem })
}
