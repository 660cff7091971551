//! Feeds arbitrary bytes to both RESP parsers. They must never panic; a parsed frame must
//! re-encode and parse back to itself, and a request parse must consume only what it
//! returned.
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use rclust::node::resp::{parse_frame, parse_request, Frame, RequestLimits};

fuzz_target!(|data: &[u8]| {
    let input = Bytes::copy_from_slice(data);
    if let Ok((frame, used)) = parse_frame(&input) {
        assert!(used <= data.len());
        if round_trips(&frame) {
            let again = frame.to_bytes(true);
            let (back, n) = parse_frame(&again).expect("encoded frame parses");
            assert_eq!(n, again.len());
            assert_eq!(back, frame);
        }
    }
    let mut buf = BytesMut::from(data);
    let limits = RequestLimits {
        max_bulk: 1 << 20,
        max_args: 1 << 16,
    };
    for _ in 0..64 {
        match parse_request(&mut buf, &limits) {
            Ok(Some(args)) => assert!(!args.is_empty()),
            Ok(None) | Err(_) => break,
        }
    }
});

/// Frames whose RESP3 encoding reads back as the same frame: not doubles (NaN, %.17g),
/// not `*-1` (RESP3 writes every null as `_`), not blob errors holding a newline (they
/// are written back as simple errors).
fn round_trips(f: &Frame) -> bool {
    match f {
        Frame::Double(_) | Frame::NullArray => false,
        Frame::Error(e) | Frame::Simple(e) => !e.contains(&b'\n'),
        Frame::Array(v) | Frame::Set(v) => v.iter().all(round_trips),
        Frame::Map(p) => p.iter().all(|(k, v)| round_trips(k) && round_trips(v)),
        _ => true,
    }
}
