//! `rclust-node`: a lightweight Redis Cluster node. Everything lives in the library.

use std::process::ExitCode;

use rclust::node::alloc::CountingMimalloc;

#[global_allocator]
static ALLOC: CountingMimalloc = CountingMimalloc;

fn main() -> ExitCode {
    CountingMimalloc::mark_installed();
    rclust::node::main::main()
}
