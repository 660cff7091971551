//! Memory accounting for INFO's `used_memory`: a global allocator over mimalloc that
//! counts the usable size of every live block (what the allocator really hands out,
//! as Redis counts with jemalloc's usable size). The `rclust-node` binary installs it;
//! elsewhere the counter stays 0 and INFO falls back to the resident set size.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

use mimalloc::MiMalloc;

static USED: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);

pub struct CountingMimalloc;

fn usable(ptr: *mut u8) -> isize {
    // SAFETY: `ptr` was returned by mimalloc and is still live.
    unsafe { libmimalloc_sys::mi_usable_size(ptr as *const _) as isize }
}

fn record(delta: isize) {
    let now = USED.fetch_add(delta, Ordering::Relaxed) + delta;
    if delta > 0 && now > PEAK.load(Ordering::Relaxed) {
        PEAK.store(now, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded to mimalloc unchanged; only counters are added.
unsafe impl GlobalAlloc for CountingMimalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = MiMalloc.alloc(layout);
        if !p.is_null() {
            record(usable(p));
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = MiMalloc.alloc_zeroed(layout);
        if !p.is_null() {
            record(usable(p));
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record(-usable(ptr));
        MiMalloc.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let before = usable(ptr);
        let p = MiMalloc.realloc(ptr, layout, new_size);
        if !p.is_null() {
            record(usable(p) - before);
        }
        p
    }
}

impl CountingMimalloc {
    /// Called by the binary that installs this allocator, so INFO trusts the counter.
    pub fn mark_installed() {
        INSTALLED.store(true, Ordering::Relaxed);
    }
}

/// Bytes in live allocations, or `None` when the counting allocator is not in use.
pub fn used_memory() -> Option<u64> {
    INSTALLED
        .load(Ordering::Relaxed)
        .then(|| USED.load(Ordering::Relaxed).max(0) as u64)
}

pub fn peak_memory() -> u64 {
    PEAK.load(Ordering::Relaxed).max(0) as u64
}

/// Resident set size from /proc (0 where unavailable).
pub fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}
