//! Port leases for tests. A node needs its port and port+10000 (the cluster bus) free, both
//! below 32768 where the kernel's ephemeral range starts. Tests run as separate processes
//! (nextest) and in parallel threads (cargo test), so a lease is an exclusive lock on a file
//! per port: the kernel drops it when the holder dies, so no stale lease survives a crash.

use std::fs::{File, OpenOptions};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU16, Ordering};

/// Client ports handed out: bus ports land on 30000..32767.
const FIRST: u16 = 20000;
const LAST: u16 = 22767;

pub struct PortLease {
    pub port: u16,
    _lock: File,
}

static NEXT: AtomicU16 = AtomicU16::new(0);

fn free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// Leases a port whose bus port is free too.
pub fn lease() -> PortLease {
    let dir = std::env::temp_dir().join("rclust-test-ports");
    std::fs::create_dir_all(&dir).unwrap();
    let span = LAST - FIRST + 1;
    // Start each process at a different place so parallel processes rarely contend.
    let seed = (std::process::id() as u16).wrapping_mul(7919) % span;
    for _ in 0..span {
        let offset = (seed + NEXT.fetch_add(1, Ordering::Relaxed)) % span;
        let port = FIRST + offset;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(format!("{port}.lock")))
            .unwrap();
        if file.try_lock().is_err() {
            continue;
        }
        if free(port) && free(port + 10000) {
            return PortLease { port, _lock: file };
        }
    }
    panic!("no free test port pair in {FIRST}..={LAST}");
}

/// Leases `n` consecutive ports (for commands that take a base port), bus ports free too.
pub fn lease_block(n: u16) -> Vec<PortLease> {
    let dir = std::env::temp_dir().join("rclust-test-ports");
    std::fs::create_dir_all(&dir).unwrap();
    let span = LAST - FIRST + 1 - n;
    let seed = (std::process::id() as u16).wrapping_mul(7919) % span;
    'bases: for i in 0..span {
        let base = FIRST + (seed + i * n) % span;
        let mut held = Vec::new();
        for port in base..base + n {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(dir.join(format!("{port}.lock")))
                .unwrap();
            if file.try_lock().is_err() || !free(port) || !free(port + 10000) {
                continue 'bases;
            }
            held.push(PortLease { port, _lock: file });
        }
        return held;
    }
    panic!("no {n} consecutive free test ports in {FIRST}..={LAST}");
}
