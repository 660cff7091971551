//! Runs `rclust::fuzzing::rdb_reader` (src/fuzzing.rs says what it checks).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rclust::fuzzing::rdb_reader(data));
