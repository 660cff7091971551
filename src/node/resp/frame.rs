//! The RESP value type and its encoding. Replies are built as frames by commands and
//! encoded once, straight into the connection's write buffer.

use bytes::{BufMut, Bytes, BytesMut};

/// One RESP value. `Null` is the null bulk string (`$-1` in RESP2) and `NullArray` the null
/// multibulk (`*-1`); RESP3 writes both as `_`. The RESP3-only types degrade to their RESP2
/// forms (maps and sets to arrays, doubles to bulk strings, booleans to integers) when the
/// connection speaks RESP2, as Redis does.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    Simple(Bytes),
    Error(Bytes),
    Integer(i64),
    Bulk(Bytes),
    Null,
    NullArray,
    Array(Vec<Frame>),
    Map(Vec<(Frame, Frame)>),
    Set(Vec<Frame>),
    Double(f64),
    Boolean(bool),
    /// A verbatim string with its three-letter format (`txt`, `mkd`).
    Verbatim([u8; 3], Bytes),
    /// A bulk string short enough to carry in place: what GET of a small value returns,
    /// without allocating. Encodes exactly like [`Frame::Bulk`]; the parser never makes it.
    InlineBulk(InlineBulk),
    /// Out-of-band data (pub/sub messages): `>` in RESP3, a plain array in RESP2.
    Push(Vec<Frame>),
    /// Several replies to one command, written back to back (SUBSCRIBE a b confirms each
    /// channel with its own push).
    Replies(Vec<Frame>),
}

/// Up to [`InlineBulk::MAX`] bytes stored in the frame itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InlineBulk {
    len: u8,
    data: [u8; InlineBulk::MAX],
}

impl InlineBulk {
    pub const MAX: usize = 30;

    /// `None` when `bytes` is longer than [`InlineBulk::MAX`].
    pub fn new(bytes: &[u8]) -> Option<InlineBulk> {
        let mut data = [0u8; InlineBulk::MAX];
        data.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(InlineBulk {
            len: bytes.len() as u8,
            data,
        })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.data[..self.len as usize]
    }
}

impl Frame {
    pub const fn ok() -> Frame {
        Frame::Simple(Bytes::from_static(b"OK"))
    }

    pub fn simple(text: &'static str) -> Frame {
        Frame::Simple(Bytes::from_static(text.as_bytes()))
    }

    /// An error reply; `text` carries its prefix (`ERR ...`, `WRONGTYPE ...`).
    pub fn error(text: impl Into<String>) -> Frame {
        Frame::Error(Bytes::from(text.into()))
    }

    pub fn static_error(text: &'static str) -> Frame {
        Frame::Error(Bytes::from_static(text.as_bytes()))
    }

    pub fn bulk(data: impl Into<Bytes>) -> Frame {
        Frame::Bulk(data.into())
    }

    pub fn bulk_str(text: &str) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(text.as_bytes()))
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Frame::Error(_))
    }

    /// Appends the wire form to `out`; `resp3` chooses the protocol version.
    pub fn encode(&self, out: &mut BytesMut, resp3: bool) {
        match self {
            Frame::Simple(s) => line(out, b'+', s),
            Frame::Error(s) => line(out, b'-', s),
            Frame::Integer(n) => header(out, b':', *n),
            Frame::Bulk(b) => {
                header(out, b'$', b.len() as i64);
                out.put_slice(b);
                out.put_slice(b"\r\n");
            }
            Frame::InlineBulk(b) => {
                header(out, b'$', b.len as i64);
                out.put_slice(b.as_bytes());
                out.put_slice(b"\r\n");
            }
            Frame::Null if resp3 => out.put_slice(b"_\r\n"),
            Frame::Null => out.put_slice(b"$-1\r\n"),
            Frame::NullArray if resp3 => out.put_slice(b"_\r\n"),
            Frame::NullArray => out.put_slice(b"*-1\r\n"),
            Frame::Array(items) => {
                header(out, b'*', items.len() as i64);
                for item in items {
                    item.encode(out, resp3);
                }
            }
            Frame::Push(items) => {
                header(out, if resp3 { b'>' } else { b'*' }, items.len() as i64);
                for item in items {
                    item.encode(out, resp3);
                }
            }
            Frame::Replies(replies) => {
                for reply in replies {
                    reply.encode(out, resp3);
                }
            }
            Frame::Set(items) => {
                header(out, if resp3 { b'~' } else { b'*' }, items.len() as i64);
                for item in items {
                    item.encode(out, resp3);
                }
            }
            Frame::Map(pairs) => {
                if resp3 {
                    header(out, b'%', pairs.len() as i64);
                } else {
                    header(out, b'*', 2 * pairs.len() as i64);
                }
                for (k, v) in pairs {
                    k.encode(out, resp3);
                    v.encode(out, resp3);
                }
            }
            Frame::Double(d) => {
                let text = format_double(*d);
                if resp3 {
                    line(out, b',', text.as_bytes());
                } else {
                    Frame::Bulk(Bytes::from(text)).encode(out, resp3);
                }
            }
            Frame::Boolean(b) if resp3 => out.put_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
            Frame::Boolean(b) => header(out, b':', *b as i64),
            Frame::Verbatim(format, text) => {
                if resp3 {
                    header(out, b'=', text.len() as i64 + 4);
                    out.put_slice(format);
                    out.put_u8(b':');
                } else {
                    header(out, b'$', text.len() as i64);
                }
                out.put_slice(text);
                out.put_slice(b"\r\n");
            }
        }
    }

    /// The encoded bytes, for tests and one-off writes.
    pub fn to_bytes(&self, resp3: bool) -> Bytes {
        let mut out = BytesMut::new();
        self.encode(&mut out, resp3);
        out.freeze()
    }
}

/// A one-line reply (status, error, double). The text may echo client bytes (unknown
/// command names, bad arguments, config values), so CR and LF become spaces as Redis does:
/// a raw line break would end the reply early and the client would read the rest as a
/// second, forged reply.
fn line(out: &mut BytesMut, prefix: u8, text: &[u8]) {
    out.put_u8(prefix);
    if memchr::memchr2(b'\r', b'\n', text).is_none() {
        out.put_slice(text);
    } else {
        out.extend(text.iter().map(|&b| match b {
            b'\r' | b'\n' => b' ',
            b => b,
        }));
    }
    out.put_slice(b"\r\n");
}

fn header(out: &mut BytesMut, prefix: u8, n: i64) {
    out.put_u8(prefix);
    out.put_slice(itoa::Buffer::new().format(n).as_bytes());
    out.put_slice(b"\r\n");
}

/// A double as Redis 7.0 replies with it: `%.17g`, and `inf`/`-inf`/`nan` spelled out.
pub fn format_double(d: f64) -> String {
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d.is_nan() {
        return "nan".into();
    }
    format_g(d, c"%.17g")
}

/// `d` through C's printf with a `%.Ng` format (what Redis and Lua use for numbers).
pub fn format_g(d: f64, format: &std::ffi::CStr) -> String {
    let mut buf = [0u8; 64];
    // SAFETY: the buffer is large enough for any %g output of a double, snprintf
    // terminates it, and `format` is a single %g conversion.
    let n = unsafe {
        libc::snprintf(
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
            format.as_ptr(),
            d,
        )
    };
    String::from_utf8_lossy(&buf[..n.clamp(0, 63) as usize]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(f: Frame) -> Bytes {
        f.to_bytes(false)
    }

    #[test]
    fn resp2_forms() {
        assert_eq!(enc(Frame::ok()), &b"+OK\r\n"[..]);
        assert_eq!(enc(Frame::static_error("ERR x")), &b"-ERR x\r\n"[..]);
        assert_eq!(enc(Frame::Integer(-3)), &b":-3\r\n"[..]);
        assert_eq!(enc(Frame::bulk_str("")), &b"$0\r\n\r\n"[..]);
        assert_eq!(enc(Frame::Null), &b"$-1\r\n"[..]);
        let small = Frame::InlineBulk(InlineBulk::new(b"xyz").unwrap());
        assert_eq!(enc(small), &b"$3\r\nxyz\r\n"[..]);
        assert!(InlineBulk::new(&[0; 31]).is_none());
        // The inline variant must not make every frame bigger.
        assert_eq!(std::mem::size_of::<Frame>(), 40);
        assert_eq!(enc(Frame::NullArray), &b"*-1\r\n"[..]);
        assert_eq!(enc(Frame::Array(vec![])), &b"*0\r\n"[..]);
        let map = Frame::Map(vec![(Frame::bulk_str("a"), Frame::Integer(1))]);
        assert_eq!(enc(map.clone()), &b"*2\r\n$1\r\na\r\n:1\r\n"[..]);
        assert_eq!(map.to_bytes(true), &b"%1\r\n$1\r\na\r\n:1\r\n"[..]);
        assert_eq!(enc(Frame::Double(1.5)), &b"$3\r\n1.5\r\n"[..]);
        assert_eq!(Frame::Double(1.5).to_bytes(true), &b",1.5\r\n"[..]);
        assert_eq!(Frame::Null.to_bytes(true), &b"_\r\n"[..]);
        assert_eq!(Frame::Boolean(true).to_bytes(true), &b"#t\r\n"[..]);
        assert_eq!(enc(Frame::Boolean(true)), &b":1\r\n"[..]);
        let v = Frame::Verbatim(*b"txt", Bytes::from_static(b"hi"));
        assert_eq!(v.to_bytes(true), &b"=6\r\ntxt:hi\r\n"[..]);
        assert_eq!(enc(v), &b"$2\r\nhi\r\n"[..]);
    }

    #[test]
    fn one_line_replies_never_carry_line_breaks() {
        let err = Frame::error("ERR unknown command 'a\r\n+OK'");
        assert_eq!(enc(err), &b"-ERR unknown command 'a  +OK'\r\n"[..]);
        let status = Frame::Simple(Bytes::from_static(b"x\ny"));
        assert_eq!(enc(status), &b"+x y\r\n"[..]);
        // Bulk strings carry any bytes: their length says where they end.
        assert_eq!(enc(Frame::bulk_str("a\r\n")), &b"$3\r\na\r\n\r\n"[..]);
    }

    #[test]
    fn doubles_like_redis_7_0() {
        assert_eq!(format_double(0.1), "0.10000000000000001");
        assert_eq!(format_double(3.0), "3");
        assert_eq!(format_double(f64::INFINITY), "inf");
        assert_eq!(format_double(-2.5e-300), "-2.5e-300");
    }
}
