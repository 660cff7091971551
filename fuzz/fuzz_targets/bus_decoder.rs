//! Fuzzes the cluster bus decoder: arbitrary bytes go through the frame reader and the
//! message decoder, which must never panic; whatever decodes must re-encode to a frame
//! that decodes to the same message.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rclust::bus::codec::{decode, encode, FrameReader};

fuzz_target!(|data: &[u8]| {
    let mut reader = FrameReader::new();
    // Feed in two pieces to exercise partial frames.
    let split = data.len() / 2;
    reader.extend(&data[..split]);
    let _ = reader.next_frame();
    reader.extend(&data[split..]);
    while let Ok(Some(frame)) = reader.next_frame() {
        if let Ok(msg) = decode(&frame) {
            let again = decode(&encode(&msg)).expect("re-encoded message decodes");
            assert_eq!(again.body, msg.body);
        }
    }
    let _ = decode(data);
});
