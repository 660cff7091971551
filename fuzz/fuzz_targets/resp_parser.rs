//! Runs `rclust::fuzzing::resp_parser` (src/fuzzing.rs says what it checks).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rclust::fuzzing::resp_parser(data));
