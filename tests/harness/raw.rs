//! Speaking RESP over a plain socket, for tests that compare replies byte for byte with
//! redis-server (a client library would normalise them away).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use rclust::test_support::{parse_frame, ParseError};

use super::Process;

/// A connection to `p` whose reads give up after `timeout` (a missing reply fails the
/// test instead of hanging it).
pub fn connect(p: &Process, timeout: Duration) -> TcpStream {
    let s = TcpStream::connect((p.host.as_str(), p.port)).unwrap();
    s.set_read_timeout(Some(timeout)).unwrap();
    s
}

/// A command as a RESP array, so arguments may hold any bytes.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Reads until one whole reply has arrived; returns it and everything read with it.
fn read_first(s: &mut TcpStream, what: &str) -> (Vec<u8>, usize) {
    let mut buf = BytesMut::new();
    let mut chunk = [0u8; 65536];
    loop {
        match parse_frame(&Bytes::copy_from_slice(&buf)) {
            Ok((_, n)) => return (buf[..n].to_vec(), buf.len()),
            Err(ParseError::Incomplete) => {}
            Err(ParseError::Invalid(e)) => panic!("bad reply to {what}: {e}"),
        }
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0, "connection closed during {what}");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The first reply; whatever arrived with it (a pushed message, say) is dropped.
pub fn first_reply(s: &mut TcpStream, what: &str) -> Vec<u8> {
    read_first(s, what).0
}

/// Exactly one reply: a second one in the same read fails the test.
pub fn only_reply(s: &mut TcpStream, what: &str) -> Vec<u8> {
    let (reply, read) = read_first(s, what);
    assert_eq!(reply.len(), read, "more than one reply to {what}");
    reply
}

/// Sends an inline command and returns its reply.
pub fn inline(s: &mut TcpStream, line: &str) -> Vec<u8> {
    s.write_all(format!("{line}\r\n").as_bytes()).unwrap();
    first_reply(s, &format!("{line:?}"))
}

/// Sends a command given as text arguments (as a RESP array) and returns its reply.
pub fn call(s: &mut TcpStream, args: &[&str]) -> Vec<u8> {
    let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    s.write_all(&encode(&raw)).unwrap();
    first_reply(s, &format!("{args:?}"))
}

/// Runs inline `script` on one connection to each server; lists the lines whose replies
/// differ, with both replies.
pub fn differences(node: &Process, redis: &Process, script: &[&str]) -> Vec<String> {
    let mut a = connect(node, Duration::from_secs(5));
    let mut b = connect(redis, Duration::from_secs(5));
    let mut mismatches = Vec::new();
    for line in script {
        let got = inline(&mut a, line);
        let want = inline(&mut b, line);
        if got != want {
            mismatches.push(mismatch(line, &got, &want));
        }
    }
    mismatches
}

/// One line of a difference report.
pub fn mismatch(what: &str, node: &[u8], redis: &[u8]) -> String {
    format!(
        "{what}\n   rclust-node:  {:?}\n   redis-server: {:?}",
        String::from_utf8_lossy(node),
        String::from_utf8_lossy(redis)
    )
}
