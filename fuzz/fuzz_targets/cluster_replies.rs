//! Runs `rclust::fuzzing::cluster_replies` (src/fuzzing.rs says what it checks).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rclust::fuzzing::cluster_replies(data));
