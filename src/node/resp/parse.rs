//! The general RESP2/RESP3 parser, for replies a client reads (and for fuzzing). Two passes
//! like mini-redis: [`check`] walks the buffer to see whether one whole frame is there
//! without allocating, then [`parse`] builds it. Nothing here panics on bad input.

use bytes::Bytes;

use super::Frame;

/// Nesting deeper than this is refused, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 128;

#[derive(Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Not enough bytes yet: read more and try again. Not a failure.
    Incomplete,
    /// The bytes can never become a valid frame.
    Invalid(String),
}

/// Parses one frame from the front of `buf`. On success returns it with the number of
/// bytes it took; `buf` is shared so bulk strings are slices of it, not copies.
pub fn parse_frame(buf: &Bytes) -> Result<(Frame, usize), ParseError> {
    let mut pos = 0;
    check(buf, &mut pos, 0)?;
    let len = pos;
    pos = 0;
    let frame = parse(buf, &mut pos)?;
    debug_assert_eq!(pos, len);
    Ok((frame, len))
}

fn invalid<T>(why: &str) -> Result<T, ParseError> {
    Err(ParseError::Invalid(why.to_string()))
}

/// The line starting at `*pos` (without CRLF); moves `*pos` past the CRLF.
fn read_line<'a>(buf: &'a [u8], pos: &mut usize) -> Result<&'a [u8], ParseError> {
    let start = *pos;
    let rest = buf.get(start..).ok_or(ParseError::Incomplete)?;
    match memchr::memchr(b'\n', rest) {
        Some(i) if i > 0 && rest[i - 1] == b'\r' => {
            *pos = start + i + 1;
            Ok(&rest[..i - 1])
        }
        Some(_) => invalid("line not terminated by CRLF"),
        None => Err(ParseError::Incomplete),
    }
}

fn read_int(buf: &[u8], pos: &mut usize) -> Result<i64, ParseError> {
    let line = read_line(buf, pos)?;
    parse_i64(line).ok_or_else(|| ParseError::Invalid("invalid integer".into()))
}

/// Strict decimal i64, as Redis's string2ll accepts it (no '+', no spaces, no leading 0s).
pub(crate) fn parse_i64(text: &[u8]) -> Option<i64> {
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    if text == b"0" {
        return Some(0);
    }
    let (neg, digits) = match text[0] {
        b'-' => (true, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || digits[0] == b'0' {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = (c - b'0') as i64;
        v = if neg {
            v.checked_mul(10)?.checked_sub(d)?
        } else {
            v.checked_mul(10)?.checked_add(d)?
        };
    }
    Some(v)
}

/// Length of a `$`/`=`-style payload; -1 means null.
fn read_len(buf: &[u8], pos: &mut usize) -> Result<Option<usize>, ParseError> {
    match read_int(buf, pos)? {
        -1 => Ok(None),
        n if n < 0 => invalid("negative length"),
        n => Ok(Some(n as usize)),
    }
}

fn skip_payload(buf: &[u8], pos: &mut usize, len: usize) -> Result<(), ParseError> {
    let end = pos.checked_add(len).ok_or(ParseError::Incomplete)?;
    if buf.len() < end + 2 {
        return Err(ParseError::Incomplete);
    }
    if &buf[end..end + 2] != b"\r\n" {
        return invalid("bulk payload not terminated by CRLF");
    }
    *pos = end + 2;
    Ok(())
}

fn check(buf: &[u8], pos: &mut usize, depth: usize) -> Result<(), ParseError> {
    if depth > MAX_DEPTH {
        return invalid("nesting too deep");
    }
    let kind = *buf.get(*pos).ok_or(ParseError::Incomplete)?;
    *pos += 1;
    match kind {
        b'+' | b'-' | b'_' | b',' | b'#' | b'(' => read_line(buf, pos).map(drop),
        b':' => read_int(buf, pos).map(drop),
        b'$' | b'=' | b'!' => match read_len(buf, pos)? {
            None => Ok(()),
            Some(len) => skip_payload(buf, pos, len),
        },
        b'*' | b'~' | b'>' | b'%' => {
            let Some(n) = read_len(buf, pos)? else {
                return Ok(());
            };
            let n = if kind == b'%' { n.saturating_mul(2) } else { n };
            for _ in 0..n {
                check(buf, pos, depth + 1)?;
            }
            Ok(())
        }
        _ => invalid("unknown frame type byte"),
    }
}

fn parse(buf: &Bytes, pos: &mut usize) -> Result<Frame, ParseError> {
    let kind = buf[*pos];
    *pos += 1;
    let text = |pos: &mut usize| -> Result<Bytes, ParseError> {
        let start = *pos;
        let line = read_line(buf, pos)?;
        Ok(buf.slice(start..start + line.len()))
    };
    Ok(match kind {
        b'+' | b'(' => Frame::Simple(text(pos)?),
        b'-' => Frame::Error(text(pos)?),
        b'_' => {
            read_line(buf, pos)?;
            Frame::Null
        }
        b':' => Frame::Integer(read_int(buf, pos)?),
        b'#' => match read_line(buf, pos)? {
            b"t" => Frame::Boolean(true),
            b"f" => Frame::Boolean(false),
            _ => return invalid("invalid boolean"),
        },
        b',' => {
            let line = read_line(buf, pos)?;
            let s =
                std::str::from_utf8(line).map_err(|_| ParseError::Invalid("bad double".into()))?;
            Frame::Double(
                s.parse()
                    .map_err(|_| ParseError::Invalid("bad double".into()))?,
            )
        }
        b'$' | b'=' | b'!' => {
            let Some(len) = read_len(buf, pos)? else {
                return Ok(Frame::Null);
            };
            let data = buf.slice(*pos..*pos + len);
            *pos += len + 2;
            match kind {
                b'!' => Frame::Error(data),
                b'=' if len >= 4 && data[3] == b':' => {
                    Frame::Verbatim([data[0], data[1], data[2]], data.slice(4..))
                }
                b'=' => return invalid("invalid verbatim string"),
                _ => Frame::Bulk(data),
            }
        }
        b'*' | b'~' | b'>' => {
            let Some(n) = read_len(buf, pos)? else {
                return Ok(Frame::NullArray);
            };
            // The check pass proved there are n frames, each at least 3 bytes.
            let mut items = Vec::with_capacity(n.min(buf.len() / 3));
            for _ in 0..n {
                items.push(parse(buf, pos)?);
            }
            if kind == b'~' {
                Frame::Set(items)
            } else {
                Frame::Array(items)
            }
        }
        b'%' => {
            let n = read_len(buf, pos)?.unwrap_or(0);
            let mut pairs = Vec::with_capacity(n.min(buf.len() / 6));
            for _ in 0..n {
                let k = parse(buf, pos)?;
                pairs.push((k, parse(buf, pos)?));
            }
            Frame::Map(pairs)
        }
        _ => return invalid("unknown frame type byte"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(input: &'static [u8]) -> Result<(Frame, usize), ParseError> {
        parse_frame(&Bytes::from_static(input))
    }

    fn bulk(s: &'static str) -> Frame {
        Frame::Bulk(Bytes::from_static(s.as_bytes()))
    }

    #[test]
    fn simple_types() {
        assert_eq!(p(b"+OK\r\n").unwrap(), (Frame::ok(), 5));
        assert_eq!(p(b"-ERR no\r\n").unwrap().0, Frame::static_error("ERR no"));
        assert_eq!(p(b":-42\r\nrest").unwrap(), (Frame::Integer(-42), 6));
        assert_eq!(p(b"$3\r\nfoo\r\n").unwrap().0, bulk("foo"));
        assert_eq!(p(b"$-1\r\n").unwrap().0, Frame::Null);
        assert_eq!(p(b"*-1\r\n").unwrap().0, Frame::NullArray);
        assert_eq!(p(b"_\r\n").unwrap().0, Frame::Null);
        assert_eq!(p(b"#t\r\n").unwrap().0, Frame::Boolean(true));
        assert_eq!(p(b",1.5\r\n").unwrap().0, Frame::Double(1.5));
        assert_eq!(
            p(b"=8\r\ntxt:abcd\r\n").unwrap().0,
            Frame::Verbatim(*b"txt", Bytes::from_static(b"abcd"))
        );
    }

    #[test]
    fn aggregates() {
        let (f, n) = p(b"*2\r\n$1\r\na\r\n*1\r\n:1\r\n").unwrap();
        assert_eq!(n, 19);
        assert_eq!(
            f,
            Frame::Array(vec![bulk("a"), Frame::Array(vec![Frame::Integer(1)])])
        );
        let (f, _) = p(b"%1\r\n+k\r\n:2\r\n").unwrap();
        assert_eq!(f, Frame::Map(vec![(Frame::simple("k"), Frame::Integer(2))]));
        assert_eq!(
            p(b"~1\r\n:2\r\n").unwrap().0,
            Frame::Set(vec![Frame::Integer(2)])
        );
    }

    #[test]
    fn truncated_input_is_incomplete() {
        for input in [
            &b""[..],
            b"+OK",
            b"+OK\r",
            b"$3\r\nfo",
            b"$3\r\nfoo\r",
            b"*2\r\n$1\r\na\r\n",
            b"*2\r\n",
            b":12",
            b"%1\r\n+k\r\n",
        ] {
            assert_eq!(
                parse_frame(&Bytes::copy_from_slice(input)),
                Err(ParseError::Incomplete),
                "{input:?}"
            );
        }
    }

    #[test]
    fn malformed_input_is_invalid() {
        for input in [
            &b"?x\r\n"[..],
            b":abc\r\n",
            b":1\n",
            b"$-2\r\n",
            b"$3\r\nfooXY",
            b"*-5\r\n",
            b"#x\r\n",
            b",nope\r\n",
            b"=2\r\nab\r\n",
            b":99999999999999999999\r\n",
            b":007\r\n",
        ] {
            assert!(
                matches!(
                    parse_frame(&Bytes::copy_from_slice(input)),
                    Err(ParseError::Invalid(_))
                ),
                "{input:?}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        let input = Bytes::from("*1\r\n".repeat(10_000));
        assert!(matches!(parse_frame(&input), Err(ParseError::Invalid(_))));
    }

    #[test]
    fn huge_lengths_do_not_allocate() {
        assert_eq!(
            p(b"$9223372036854775807\r\nab"),
            Err(ParseError::Incomplete)
        );
        assert_eq!(
            p(b"*9223372036854775807\r\n:1\r\n"),
            Err(ParseError::Incomplete)
        );
    }
}
