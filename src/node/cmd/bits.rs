//! Bit operations on strings: SETBIT, GETBIT, BITCOUNT. Bit 0 is the most significant bit
//! of the first byte, as in Redis.

use bytes::Bytes;

use super::strings::get_string;
use super::{clamp_range, eq_ic, int, int_arg, syntax_error, Ctx};
use crate::node::keyspace::{Ttl, Value};
use crate::node::resp::{parse_i64_pub, Frame};

/// Bits a string can hold: 512 MB.
const MAX_BITS: i64 = 512 * 1024 * 1024 * 8;

fn bit_offset(arg: &[u8]) -> Result<usize, Frame> {
    match parse_i64_pub(arg) {
        Some(n) if (0..MAX_BITS).contains(&n) => Ok(n as usize),
        _ => Err(Frame::static_error(
            "ERR bit offset is not an integer or out of range",
        )),
    }
}

pub fn setbit(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let offset = match bit_offset(&args[2]) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let on = match &args[3][..] {
        b"1" => true,
        b"0" => false,
        _ => return Frame::static_error("ERR bit is not an integer or out of range"),
    };
    let mut data = match get_string(ctx, &args[1]) {
        Ok(v) => v.map(<[u8]>::to_vec).unwrap_or_default(),
        Err(e) => return e,
    };
    let (byte, mask) = (offset / 8, 0x80u8 >> (offset % 8));
    if data.len() <= byte {
        data.resize(byte + 1, 0);
    }
    let old = data[byte] & mask != 0;
    if on {
        data[byte] |= mask;
    } else {
        data[byte] &= !mask;
    }
    ctx.ks.put(&args[1], Value::string(&data), Ttl::Keep);
    Frame::Integer(old as i64)
}

pub fn getbit(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let offset = match bit_offset(&args[2]) {
        Ok(o) => o,
        Err(e) => return e,
    };
    match get_string(ctx, &args[1]) {
        Ok(v) => {
            let bit = v
                .and_then(|d| d.get(offset / 8))
                .is_some_and(|b| b & (0x80 >> (offset % 8)) != 0);
            Frame::Integer(bit as i64)
        }
        Err(e) => e,
    }
}

pub fn bitcount(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let range = match args.len() {
        2 => None,
        4 | 5 => {
            let (s, e) = match (int_arg(&args[2]), int_arg(&args[3])) {
                (Ok(s), Ok(e)) => (s, e),
                (Err(e), _) | (_, Err(e)) => return e,
            };
            let bits = match args.get(4) {
                None => false,
                Some(u) if eq_ic(u, "byte") => false,
                Some(u) if eq_ic(u, "bit") => true,
                Some(_) => return syntax_error(),
            };
            Some((s, e, bits))
        }
        _ => return syntax_error(),
    };
    let data = match get_string(ctx, &args[1]) {
        Ok(v) => v.unwrap_or(b""),
        Err(e) => return e,
    };
    let ones = |bytes: &[u8]| bytes.iter().map(|b| b.count_ones() as usize).sum::<usize>();
    match range {
        None => int(ones(data)),
        Some((s, e, false)) => match clamp_range(s, e, data.len()) {
            Some((s, e)) => int(ones(&data[s..=e])),
            None => Frame::Integer(0),
        },
        Some((s, e, true)) => match clamp_range(s, e, data.len() * 8) {
            Some((s, e)) => int((s..=e)
                .filter(|i| data[i / 8] & (0x80 >> (i % 8)) != 0)
                .count()),
            None => Frame::Integer(0),
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn bit_commands() {
        let mut h = Harness::new();
        h.check(&[
            ("setbit b 7 1", ":0\r\n"),
            ("setbit b 7 1", ":1\r\n"),
            ("get b", "$1\r\n\u{1}\r\n"),
            ("getbit b 7", ":1\r\n"),
            ("getbit b 100", ":0\r\n"),
            (
                "setbit b -1 1",
                "-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "setbit b 1 2",
                "-ERR bit is not an integer or out of range\r\n",
            ),
            ("set s foobar", "+OK\r\n"),
            ("bitcount s", ":26\r\n"),
            ("bitcount s 0 0", ":4\r\n"),
            ("bitcount s 1 1", ":6\r\n"),
            ("bitcount s 5 30 bit", ":17\r\n"),
            ("bitcount s 0", "-ERR syntax error\r\n"),
            ("bitcount nope", ":0\r\n"),
        ]);
    }
}
