//! Fuzzes the cluster bus decoder: arbitrary bytes go through the frame reader and the
//! message decoder, which must never panic; whatever decodes must re-encode to a frame
//! that decodes to the same message. A second pass patches the signature, length and
//! version so that the fuzzer reaches the bodies quickly.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rclust::bus::codec::{decode, encode, FrameReader, HEADER_LEN};

fn check(frame: &[u8]) {
    if let Ok(msg) = decode(frame) {
        let again = decode(&encode(&msg)).expect("re-encoded message decodes");
        assert_eq!(again.body, msg.body);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut reader = FrameReader::new();
    let split = data.len() / 2;
    reader.extend(&data[..split]);
    let _ = reader.next_frame();
    reader.extend(&data[split..]);
    while let Ok(Some(frame)) = reader.next_frame() {
        check(&frame);
    }
    check(data);

    // The same bytes as the body of a well-framed message of a fuzzed type and counts.
    if data.len() >= 6 {
        let mut frame = vec![0u8; HEADER_LEN];
        frame[..4].copy_from_slice(b"RCmb");
        frame[8..10].copy_from_slice(&[0, 1]);
        frame[12..14].copy_from_slice(&[0, data[0] % 12]);
        frame[14..16].copy_from_slice(&[0, data[1] % 4]);
        frame[2214..2216].copy_from_slice(&[0, data[2] % 4]);
        frame[2253] = data[3];
        frame[40..80].fill(b'a');
        frame.extend_from_slice(&data[4..]);
        let len = frame.len() as u32;
        frame[4..8].copy_from_slice(&len.to_be_bytes());
        check(&frame);
    }
});
