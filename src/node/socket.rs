//! A client socket: Tokio's `TcpStream`, plus a second handle on the same socket for the
//! client registry. The registry stops a connection (CLIENT KILL, server shutdown) by
//! shutting the socket down through that handle: the reader then sees end-of-file, so the
//! read loop needs no second future to watch for a stop.
//!
//! Reads go through Tokio's `AsyncRead`, which on Linux treats a read that returned less
//! than it asked for as "drained" and clears readiness, so a client sending one command at
//! a time costs one `recv` per request, not two.

use std::net::TcpStream as StdTcpStream;
use std::os::fd::AsFd;
use std::sync::Arc;

use bytes::BytesMut;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// Spare room a read is given: a pipelined batch of small commands arrives whole.
const CHUNK: usize = 16 * 1024;

pub struct Socket {
    stream: TcpStream,
    /// A duplicate descriptor of the same socket: `shutdown` acts on the socket, so shutting
    /// this one down ends `stream`'s reads and writes too.
    stop: Arc<StdTcpStream>,
}

impl Socket {
    pub fn new(stream: TcpStream) -> std::io::Result<Socket> {
        let stop = Arc::new(StdTcpStream::from(stream.as_fd().try_clone_to_owned()?));
        Ok(Socket { stream, stop })
    }

    /// The stream, for stopping this connection from elsewhere (see the module doc).
    pub fn handle(&self) -> Arc<StdTcpStream> {
        Arc::clone(&self.stop)
    }

    /// Reads what is available (waiting if nothing is) and appends it to `buf`; 0 at EOF.
    pub async fn read_into(&mut self, buf: &mut BytesMut) -> std::io::Result<usize> {
        if buf.capacity() - buf.len() < CHUNK {
            buf.reserve(CHUNK);
        }
        self.stream.read_buf(buf).await
    }

    pub async fn write_all(&self, mut data: &[u8]) -> std::io::Result<()> {
        while !data.is_empty() {
            self.stream.writable().await?;
            match self.stream.try_write(data) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => data = &data[n..],
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
