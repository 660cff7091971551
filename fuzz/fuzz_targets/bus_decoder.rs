//! Runs `rclust::fuzzing::bus_decoder` (src/fuzzing.rs says what it checks).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rclust::fuzzing::bus_decoder(data));
