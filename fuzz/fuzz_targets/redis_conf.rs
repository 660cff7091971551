//! Runs `rclust::fuzzing::redis_conf` (src/fuzzing.rs says what it checks).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rclust::fuzzing::redis_conf(data));
