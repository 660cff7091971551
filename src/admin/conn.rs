//! Connections from the CLI to nodes: authentication, timeouts, and errors that say which
//! node failed and why in one line.

use std::time::Duration;

use anyhow::{anyhow, bail};
use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::{
    AsyncConnectionConfig, Client, ConnectionAddr, ConnectionInfo, RedisConnectionInfo, Value,
};

use crate::model::Addr;

/// How to reach nodes: credentials, TLS and timeouts, from the global flags.
#[derive(Clone, Debug)]
pub struct ConnOpts {
    pub user: Option<String>,
    pub password: Option<String>,
    pub connect_timeout: Duration,
    pub response_timeout: Duration,
    pub tls: Option<TlsOpts>,
    /// Print every command a changing command sends, and what a wait still waits for (-v).
    pub trace: bool,
}

/// TLS settings, with the PEM files already read (a bad path fails before any node is
/// contacted).
#[derive(Clone, Debug, Default)]
pub struct TlsOpts {
    /// CA bundle to verify servers with; the system's roots when absent.
    pub ca_cert: Option<Vec<u8>>,
    /// Client certificate and key, for servers that authenticate clients.
    pub client_cert: Option<(Vec<u8>, Vec<u8>)>,
    /// Skip server certificate verification.
    pub insecure: bool,
}

impl Default for ConnOpts {
    fn default() -> Self {
        ConnOpts {
            user: None,
            password: None,
            connect_timeout: Duration::from_secs(3),
            response_timeout: Duration::from_secs(10),
            tls: None,
            trace: false,
        }
    }
}

/// An open connection to one node, named by the address it was reached at.
#[derive(Clone)]
pub struct NodeConn {
    pub addr: Addr,
    conn: MultiplexedConnection,
}

/// Turns a redis-rs error into the cause an operator needs to read.
pub fn describe(err: &redis::RedisError) -> String {
    let text = err.to_string();
    if err.is_timeout() {
        return "timed out".into();
    }
    if err.kind() == redis::ErrorKind::AuthenticationFailed {
        return "authentication failed: wrong user name or password".into();
    }
    if err.is_connection_refusal() {
        return "connection refused".into();
    }
    if text.contains("cluster support disabled") {
        return "not in cluster mode (cluster_enabled:0); start it with cluster-enabled yes".into();
    }
    if let Some(code) = err.code() {
        match code {
            "NOAUTH" => {
                return "authentication required (use -a/--pass, REDISCLI_AUTH or VALKEYCLI_AUTH)"
                    .into()
            }
            "WRONGPASS" => return "authentication failed: wrong user name or password".into(),
            _ => {}
        }
    }
    if text.contains("invalid password") || text.contains("invalid username-password") {
        return "authentication failed: wrong user name or password".into();
    }
    text
}

/// Whether a plain TCP connection to `addr` opens within `limit`.
async fn tcp_connects(addr: &Addr, limit: Duration) -> bool {
    let connect = tokio::net::TcpStream::connect((addr.host.as_str(), addr.port));
    matches!(tokio::time::timeout(limit, connect).await, Ok(Ok(_)))
}

impl NodeConn {
    pub async fn connect(addr: &Addr, opts: &ConnOpts) -> anyhow::Result<NodeConn> {
        Self::connect_db(addr, opts, 0).await
    }

    /// [`Self::connect`] with database `db` selected (Valkey clusters may have several).
    pub async fn connect_db(addr: &Addr, opts: &ConnOpts, db: u32) -> anyhow::Result<NodeConn> {
        let redis = RedisConnectionInfo {
            db: db as i64,
            username: opts.user.clone(),
            password: opts.password.clone(),
            protocol: redis::ProtocolVersion::RESP2,
        };
        let client = match &opts.tls {
            None => Client::open(ConnectionInfo {
                addr: ConnectionAddr::Tcp(addr.host.clone(), addr.port),
                redis,
            }),
            Some(tls) => {
                // rustls needs a process-wide crypto provider; the first call installs it.
                let _ = rustls::crypto::ring::default_provider().install_default();
                let info = ConnectionInfo {
                    addr: ConnectionAddr::TcpTls {
                        host: addr.host.clone(),
                        port: addr.port,
                        insecure: tls.insecure,
                        tls_params: None,
                    },
                    redis,
                };
                let certs = redis::TlsCertificates {
                    client_tls: tls.client_cert.clone().map(|(client_cert, client_key)| {
                        redis::ClientTlsConfig {
                            client_cert,
                            client_key,
                        }
                    }),
                    root_cert: tls.ca_cert.clone(),
                };
                Client::build_with_tls(info, certs)
            }
        }
        .map_err(|e| anyhow!("{addr}: {}", describe(&e)))?;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(opts.connect_timeout)
            .set_response_timeout(opts.response_timeout);
        let connect = client.get_multiplexed_async_connection_with_config(&config);
        // The connection timeout covers TCP only; a server that accepts and never answers
        // the handshake must not hang us either.
        let conn = match tokio::time::timeout(opts.connect_timeout + opts.response_timeout, connect)
            .await
        {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) if !(e.is_timeout() && opts.tls.is_some()) => {
                let cause = describe(&e);
                // A TLS port resets a connection that speaks plain RESP to it.
                if opts.tls.is_none() && e.kind() == redis::ErrorKind::IoError {
                    bail!("{addr}: {cause} before any reply (a TLS port? then use --tls)");
                }
                bail!("{addr}: {cause}");
            }
            _ => {
                // A plain port never answers a TLS ClientHello: tell that from a node that
                // cannot be reached at all.
                if opts.tls.is_some() && tcp_connects(addr, opts.connect_timeout).await {
                    bail!("{addr}: no answer to the TLS handshake (is TLS enabled on this port?)");
                }
                bail!("{addr}: timed out");
            }
        };
        let mut node = NodeConn {
            addr: addr.clone(),
            conn,
        };
        // redis-rs only authenticates when a password is given; without one, find out now
        // whether the node wants one rather than failing on the first real command.
        if opts.password.is_none() {
            node.cmd::<String>(&["PING"]).await?;
        }
        Ok(node)
    }

    /// Sends one command; an error names this node.
    pub async fn cmd<T: redis::FromRedisValue>(&mut self, args: &[&str]) -> anyhow::Result<T> {
        let mut c = redis::cmd(args[0]);
        for a in &args[1..] {
            c.arg(*a);
        }
        c.query_async(&mut self.conn)
            .await
            .map_err(|e| anyhow!("{}: {}: {}", self.addr, args.join(" "), describe(&e)))
    }

    /// Sends a pipeline; an error names this node.
    pub async fn pipe<T: redis::FromRedisValue>(
        &mut self,
        pipe: &redis::Pipeline,
    ) -> anyhow::Result<T> {
        pipe.query_async(&mut self.conn)
            .await
            .map_err(|e| anyhow!("{}: {}", self.addr, describe(&e)))
    }

    /// Sends a pipeline and returns every reply, errors included as `Value::ServerError`, so
    /// that one failed command among many can be handled on its own. Only a broken
    /// connection (or a timeout) fails the whole call.
    pub async fn pipe_values(&mut self, pipe: &redis::Pipeline) -> anyhow::Result<Vec<Value>> {
        if pipe.is_empty() {
            return Ok(Vec::new());
        }
        self.conn
            .req_packed_commands(pipe, 0, pipe.len())
            .await
            .map_err(|e| anyhow!("{}: {}", self.addr, describe(&e)))
    }

    /// The underlying connection, for callers that build their own commands.
    pub fn raw(&mut self) -> &mut MultiplexedConnection {
        &mut self.conn
    }
}
