//! A client socket with readiness managed by hand. Tokio's `TcpStream` learns that a socket
//! is drained only from a read that fails with `WouldBlock`, which costs one extra `recv`
//! per request when clients send one command at a time. Here a read that returned less
//! than it asked for clears readiness itself (Tokio only clears the readiness event this
//! read observed, so data arriving meanwhile still wakes us), saving that syscall.
//!
//! The stream is shared with the client registry, which stops a connection (CLIENT KILL,
//! server shutdown) by shutting the socket down: the reader then sees end-of-file, so the
//! read loop needs no second future to watch for a stop.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use bytes::BytesMut;
use tokio::io::unix::AsyncFd;

const CHUNK: usize = 16 * 1024;

pub struct Socket {
    io: AsyncFd<Arc<TcpStream>>,
    /// Reads land here first: reading straight into the buffer's spare capacity would
    /// need unsafe code, and the copy of a short request is cheaper than the syscall saved.
    scratch: Box<[u8]>,
}

impl Socket {
    pub fn new(stream: tokio::net::TcpStream) -> std::io::Result<Socket> {
        // into_std keeps the socket non-blocking, as AsyncFd requires.
        let std = Arc::new(stream.into_std()?);
        // SAFETY: the std stream owns its descriptor and is closed only when the last Arc
        // goes; the AsyncFd holds one, so the descriptor stays valid and the same for the
        // registration's whole life.
        let io = unsafe { AsyncFd::register(std)? };
        Ok(Socket {
            io,
            scratch: vec![0; CHUNK].into_boxed_slice(),
        })
    }

    /// The stream, for stopping this connection from elsewhere (see the module doc).
    pub fn handle(&self) -> Arc<TcpStream> {
        Arc::clone(self.io.get_ref())
    }

    /// Reads what is available (waiting if nothing is) and appends it to `buf`; 0 at EOF.
    pub async fn read_into(&mut self, buf: &mut BytesMut) -> std::io::Result<usize> {
        loop {
            // poll_read_ready uses the single reader slot, cheaper than readable()'s list.
            let mut guard = std::future::poll_fn(|cx| self.io.poll_read_ready(cx)).await?;
            let scratch = &mut self.scratch;
            match guard.try_io(|s| {
                let mut stream: &TcpStream = s.get_ref();
                stream.read(scratch)
            }) {
                Ok(Ok(n)) => {
                    if n > 0 && n < scratch.len() {
                        guard.clear_ready();
                    }
                    buf.extend_from_slice(&scratch[..n]);
                    return Ok(n);
                }
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => continue,
            }
        }
    }

    pub async fn write_all(&self, mut data: &[u8]) -> std::io::Result<()> {
        while !data.is_empty() {
            let mut guard = std::future::poll_fn(|cx| self.io.poll_write_ready(cx)).await?;
            match guard.try_io(|s| {
                let mut stream: &TcpStream = s.get_ref();
                stream.write(data)
            }) {
                Ok(Ok(0)) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(Ok(n)) => data = &data[n..],
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => {}
            }
        }
        Ok(())
    }
}
