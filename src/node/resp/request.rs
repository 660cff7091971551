//! What a server reads: a command as a multibulk array of bulk strings, or an inline
//! command line as telnet and `redis-cli` in some modes send it. Limits and error texts
//! follow Redis 7.0 (`-ERR Protocol error: ...`, after which the connection is closed).

use bytes::{Buf, Bytes, BytesMut};

use super::parse::parse_i64;

/// Longest inline command, or multibulk/bulk header line, before Redis gives up.
const INLINE_MAX: usize = 64 * 1024;

#[derive(Clone, Copy, Debug)]
pub struct RequestLimits {
    /// `proto-max-bulk-len`: the largest bulk string argument.
    pub max_bulk: usize,
    /// The most arguments in one command.
    pub max_args: usize,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            max_bulk: 512 * 1024 * 1024,
            max_args: i32::MAX as usize,
        }
    }
}

/// Broken framing. The text follows `ERR Protocol error: ` in the reply.
#[derive(Debug, PartialEq, Eq)]
pub struct RequestError(pub &'static str);

impl RequestError {
    pub fn reply_text(&self) -> String {
        format!("ERR Protocol error: {}", self.0)
    }
}

/// Takes the next command off the front of `buf`. `Ok(None)` means more bytes are needed
/// (and nothing was consumed). Empty commands (`*0`, blank lines) are consumed silently.
pub fn parse_request(
    buf: &mut BytesMut,
    limits: &RequestLimits,
) -> Result<Option<Vec<Bytes>>, RequestError> {
    loop {
        if buf.is_empty() {
            return Ok(None);
        }
        let parsed = if buf[0] == b'*' {
            multibulk(buf, limits)?
        } else {
            inline(buf)?
        };
        match parsed {
            None => return Ok(None),
            Some(args) if args.is_empty() => continue,
            Some(args) => return Ok(Some(args)),
        }
    }
}

/// The header line at `pos` (a `*N` or `$N` line): its number and the position after it.
/// The line must end in CRLF: the second pass finds lines by their `\n`, so a lone `\r`
/// is refused as `bad` rather than read two ways.
fn header<'a>(
    buf: &'a [u8],
    pos: usize,
    too_big: &'static str,
    bad: &'static str,
) -> Result<Option<(&'a [u8], usize)>, RequestError> {
    let rest = &buf[pos..];
    match memchr::memchr(b'\r', rest) {
        Some(i) if i + 1 < rest.len() && rest[i + 1] != b'\n' => Err(RequestError(bad)),
        Some(i) if i + 1 < rest.len() => Ok(Some((&rest[..i], pos + i + 2))),
        Some(_) => Ok(None),
        None if rest.len() > INLINE_MAX => Err(RequestError(too_big)),
        None => Ok(None),
    }
}

fn multibulk(
    buf: &mut BytesMut,
    limits: &RequestLimits,
) -> Result<Option<Vec<Bytes>>, RequestError> {
    let Some((len, count)) = measure(buf, limits)? else {
        return Ok(None);
    };
    let frame = buf.split_to(len).freeze();
    Ok(Some(slice_args(&frame, 0, count).0))
}

/// First pass: is one whole multibulk command at the front of `buf`? Returns its length
/// and argument count. Collects nothing, so an incomplete command costs no allocation
/// however often it is retried.
fn measure(buf: &[u8], limits: &RequestLimits) -> Result<Option<(usize, usize)>, RequestError> {
    let Some((count, mut pos)) = header(
        buf,
        0,
        "too big mbulk count string",
        "invalid multibulk length",
    )?
    else {
        return Ok(None);
    };
    let count = match parse_i64(&count[1..]) {
        Some(n) if n > limits.max_args as i64 => {
            return Err(RequestError("invalid multibulk length"))
        }
        Some(n) => n.max(0) as usize,
        None => return Err(RequestError("invalid multibulk length")),
    };
    for _ in 0..count {
        if pos >= buf.len() {
            return Ok(None);
        }
        if buf[pos] != b'$' {
            return Err(RequestError(expected_dollar(buf[pos])));
        }
        let Some((len, next)) =
            header(buf, pos, "too big bulk count string", "invalid bulk length")?
        else {
            return Ok(None);
        };
        let len = match parse_i64(&len[1..]) {
            Some(n) if n >= 0 && n as usize <= limits.max_bulk => n as usize,
            _ => return Err(RequestError("invalid bulk length")),
        };
        pos = next + len + 2;
        if pos > buf.len() {
            return Ok(None);
        }
    }
    Ok(Some((pos, count)))
}

/// Second pass over a command [`measure`] accepted, starting at `start` in a frozen
/// buffer: the arguments are views into it, not copies. Appends them to `out` and returns
/// where the command ends.
fn slice_args_into(frame: &Bytes, start: usize, count: usize, out: &mut Vec<Bytes>) -> usize {
    let mut pos = start + memchr::memchr(b'\n', &frame[start..]).unwrap_or(0) + 1;
    for _ in 0..count {
        let nl = pos + memchr::memchr(b'\n', &frame[pos..]).unwrap_or(0);
        let len = parse_i64(&frame[pos + 1..nl - 1]).unwrap_or(0) as usize;
        out.push(frame.slice(nl + 1..nl + 1 + len));
        pos = nl + 1 + len + 2;
    }
    pos
}

fn slice_args(frame: &Bytes, start: usize, count: usize) -> (Vec<Bytes>, usize) {
    let mut args = Vec::with_capacity(count);
    let end = slice_args_into(frame, start, count, &mut args);
    (args, end)
}

/// Commands parsed from a read buffer, stored flat: once its vectors have grown, a
/// pipeline costs no allocation per command.
#[derive(Default)]
pub struct Batch {
    args: Vec<Bytes>,
    /// Each command's range in `args`.
    bounds: Vec<(usize, usize)>,
    /// Scratch: argument counts of measured commands.
    counts: Vec<usize>,
}

impl Batch {
    pub fn clear(&mut self) {
        self.args.clear();
        self.bounds.clear();
    }

    /// How many commands.
    pub fn len(&self) -> usize {
        self.bounds.len()
    }

    /// The arguments of command `i` (name first).
    pub fn command(&self, i: usize) -> &[Bytes] {
        let (start, end) = self.bounds[i];
        &self.args[start..end]
    }

    fn push(&mut self, args: impl IntoIterator<Item = Bytes>) {
        let start = self.args.len();
        self.args.extend(args);
        if self.args.len() > start {
            self.bounds.push((start, self.args.len()));
        }
    }
}

/// Takes every complete command off the front of `buf` into `out`. Consecutive multibulk
/// commands share one frozen chunk of the buffer (one split for a whole pipeline). On a
/// framing error the commands before it are still delivered, then the error.
pub fn parse_requests(
    buf: &mut BytesMut,
    limits: &RequestLimits,
    out: &mut Batch,
) -> Result<(), RequestError> {
    loop {
        if buf.is_empty() {
            return Ok(());
        }
        if buf[0] != b'*' {
            match inline(buf)? {
                None => return Ok(()),
                Some(args) => {
                    out.push(args);
                    continue;
                }
            }
        }
        let mut end = 0;
        out.counts.clear();
        let mut error = None;
        while end < buf.len() && buf[end] == b'*' {
            match measure(&buf[end..], limits) {
                Ok(Some((len, count))) => {
                    out.counts.push(count);
                    end += len;
                }
                Ok(None) => break,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        if end > 0 {
            let chunk = buf.split_to(end).freeze();
            let mut pos = 0;
            for i in 0..out.counts.len() {
                let start = out.args.len();
                pos = slice_args_into(&chunk, pos, out.counts[i], &mut out.args);
                if out.args.len() > start {
                    out.bounds.push((start, out.args.len()));
                }
            }
        }
        if let Some(e) = error {
            return Err(e);
        }
        if end == 0 {
            return Ok(());
        }
    }
}

fn expected_dollar(got: u8) -> &'static str {
    leak_expected(got)
}

/// Messages for every byte value, built once: protocol errors are rare and this keeps
/// `RequestError` a `&'static str`.
fn leak_expected(got: u8) -> &'static str {
    static TABLE: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0..=255u8)
            .map(|b| format!("expected '$', got '{}'", b as char))
            .collect()
    });
    &table[got as usize]
}

fn inline(buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, RequestError> {
    let Some(nl) = memchr::memchr(b'\n', buf) else {
        if buf.len() > INLINE_MAX {
            return Err(RequestError("too big inline request"));
        }
        return Ok(None);
    };
    let line = buf.split_to(nl + 1);
    let mut line = &line[..nl];
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    split_args(line)
        .map(Some)
        .ok_or(RequestError("unbalanced quotes in request"))
}

/// Splits an inline command like Redis's sdssplitargs: whitespace separates words; double
/// quotes take `\n \r \t \b \a \\ \" \xHH` escapes, single quotes only `\'`; a closing quote
/// must be followed by whitespace or the end. `None` on unbalanced quotes.
pub fn split_args(mut line: &[u8]) -> Option<Vec<Bytes>> {
    // Redis splits a C string: a NUL ends the line. (Found by the fuzzer: treating NUL as a
    // separator that is never skipped looped forever.)
    if let Some(nul) = memchr::memchr(0, line) {
        line = &line[..nul];
    }
    let mut args = Vec::new();
    loop {
        while let Some(c) = line.first() {
            if c.is_ascii_whitespace() {
                line.advance(1);
            } else {
                break;
            }
        }
        if line.is_empty() {
            return Some(args);
        }
        let mut word = Vec::new();
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            let Some(&c) = line.first() else {
                if in_dq || in_sq {
                    return None;
                }
                break;
            };
            if in_dq {
                if c == b'\\'
                    && line.len() >= 4
                    && line[1] == b'x'
                    && hex(line[2]).is_some()
                    && hex(line[3]).is_some()
                {
                    word.push(hex(line[2])? * 16 + hex(line[3])?);
                    line.advance(4);
                    continue;
                } else if c == b'\\' && line.len() >= 2 {
                    word.push(match line[1] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    });
                    line.advance(2);
                    continue;
                } else if c == b'"' {
                    if line.len() > 1 && !line[1].is_ascii_whitespace() {
                        return None;
                    }
                    line.advance(1);
                    break;
                }
                word.push(c);
            } else if in_sq {
                if c == b'\\' && line.len() >= 2 && line[1] == b'\'' {
                    word.push(b'\'');
                    line.advance(2);
                    continue;
                } else if c == b'\'' {
                    if line.len() > 1 && !line[1].is_ascii_whitespace() {
                        return None;
                    }
                    line.advance(1);
                    break;
                }
                word.push(c);
            } else {
                match c {
                    c if c.is_ascii_whitespace() => break,
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    _ => word.push(c),
                }
            }
            line.advance(1);
        }
        args.push(Bytes::from(word));
    }
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(input: &[u8]) -> (Result<Option<Vec<Bytes>>, RequestError>, usize) {
        let mut buf = BytesMut::from(input);
        let r = parse_request(&mut buf, &RequestLimits::default());
        (r, buf.len())
    }

    fn args(v: &[&str]) -> Option<Vec<Bytes>> {
        Some(
            v.iter()
                .map(|s| Bytes::copy_from_slice(s.as_bytes()))
                .collect(),
        )
    }

    #[test]
    fn multibulk_commands() {
        let (r, left) = req(b"*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n*1\r\n");
        assert_eq!(r.unwrap(), args(&["GET", "foo"]));
        assert_eq!(left, 4);
        assert_eq!(req(b"*1\r\n$0\r\n\r\n").0.unwrap(), args(&[""]));
        // An empty multibulk is skipped, and the next command is returned.
        assert_eq!(
            req(b"*0\r\n*1\r\n$4\r\nPING\r\n").0.unwrap(),
            args(&["PING"])
        );
    }

    #[test]
    fn truncated_multibulk_waits() {
        for input in [
            &b"*"[..],
            b"*2",
            b"*2\r",
            b"*2\r\n$3\r\nGET\r\n",
            b"*2\r\n$3\r\nGET\r\n$3\r\nfo",
            b"*1\r\n$3",
        ] {
            let (r, left) = req(input);
            assert_eq!(r, Ok(None), "{input:?}");
            assert_eq!(left, input.len());
        }
    }

    #[test]
    fn protocol_errors() {
        let err = |input: &[u8]| req(input).0.unwrap_err().0;
        assert_eq!(err(b"*x\r\n"), "invalid multibulk length");
        assert_eq!(err(b"*3000000000\r\n"), "invalid multibulk length");
        assert_eq!(err(b"*1\r\n:1\r\n"), "expected '$', got ':'");
        assert_eq!(err(b"*1\r\nx\r\n"), "expected '$', got 'x'");
        assert_eq!(err(b"*1\r\n$-1\r\n"), "invalid bulk length");
        assert_eq!(err(b"*1\r\n$3\rXfoo\r\n*1\r\n"), "invalid bulk length");
        assert_eq!(err(b"*1\rX$3\r\nfoo\r\n"), "invalid multibulk length");
        assert_eq!(err(b"*1\r\n$536870913\r\n"), "invalid bulk length");
        assert_eq!(err(&[b'*'; 70_000]), "too big mbulk count string");
        assert_eq!(err(&[b'a'; 70_000]), "too big inline request");
        assert_eq!(err(b"set 'a\r\n"), "unbalanced quotes in request");
    }

    #[test]
    fn inline_commands() {
        assert_eq!(req(b"PING\r\n").0.unwrap(), args(&["PING"]));
        assert_eq!(req(b"set  a   b\n").0.unwrap(), args(&["set", "a", "b"]));
        assert_eq!(req(b"\r\n\r\nPING\r\n").0.unwrap(), args(&["PING"]));
        assert_eq!(req(b"PING").0, Ok(None));
        assert_eq!(
            req(b"set \"a b\\x41\\n\" 'it\\'s'\r\n").0.unwrap(),
            args(&["set", "a bA\n", "it's"])
        );
        assert_eq!(
            req(b"set \"a\"b\r\n").0.unwrap_err().0,
            "unbalanced quotes in request"
        );
        assert_eq!(req(b"echo \"\"\r\n").0.unwrap(), args(&["echo", ""]));
        // Regression (fuzzer): a NUL ends the line instead of looping forever.
        assert_eq!(req(b"\x04\x00\n").0.unwrap(), args(&["\x04"]));
        assert_eq!(req(b"get a\x00b c\r\n").0.unwrap(), args(&["get", "a"]));
    }

    /// A cheap in-tree stand-in for the fuzz target: random RESP-ish noise and mutated
    /// commands must never panic either parser.
    #[test]
    fn random_input_never_panics() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let alphabet = b"*$:+-_#%~=,!(\r\n\x000123456789abc\"' \\x";
        let valid = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n%1\r\n+a\r\n:1\r\n";
        for _ in 0..20_000 {
            let mut input: Vec<u8> = if rng.gen_bool(0.5) {
                (0..rng.gen_range(0..40))
                    .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
                    .collect()
            } else {
                valid.to_vec()
            };
            for _ in 0..rng.gen_range(0..4) {
                if input.is_empty() {
                    break;
                }
                let at = rng.gen_range(0..input.len());
                input[at] = alphabet[rng.gen_range(0..alphabet.len())];
            }
            let _ = crate::node::resp::parse_frame(&Bytes::copy_from_slice(&input));
            let mut batch = BytesMut::from(&input[..]);
            let _ = parse_requests(&mut batch, &RequestLimits::default(), &mut Batch::default());
            let mut buf = BytesMut::from(&input[..]);
            for _ in 0..8 {
                match parse_request(&mut buf, &RequestLimits::default()) {
                    Ok(Some(_)) => {}
                    _ => break,
                }
            }
        }
    }

    #[test]
    fn batches_share_one_chunk_and_stop_at_errors() {
        let mut buf = BytesMut::from(
            &b"*1\r\n$4\r\nPING\r\nECHO x\r\n*0\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n*1\r\n$4\r\nPI"[..],
        );
        let mut out = Batch::default();
        parse_requests(&mut buf, &RequestLimits::default(), &mut out).unwrap();
        assert_eq!(out.len(), 3);
        assert_eq!(out.command(1), &args(&["ECHO", "x"]).unwrap()[..]);
        assert_eq!(out.command(2), &args(&["GET", "a"]).unwrap()[..]);
        assert_eq!(&buf[..], b"*1\r\n$4\r\nPI");
        let mut buf = BytesMut::from(&b"*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n"[..]);
        let mut out = Batch::default();
        let err = parse_requests(&mut buf, &RequestLimits::default(), &mut out).unwrap_err();
        assert_eq!(err.0, "invalid bulk length");
        assert_eq!(out.len(), 1);
    }
}
