//! Runs `rclust::fuzzing::nodes_conf` (src/fuzzing.rs says what it checks).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rclust::fuzzing::nodes_conf(data));
