//! LZF decompression: Redis compresses RDB strings longer than 20 bytes (DUMP payloads
//! included) when that saves space, so reading what redis-server emits needs it. This
//! node never compresses, which Redis accepts.

/// Expands `input` into exactly `out_len` bytes; `None` on corrupt data.
pub fn decompress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(out_len);
    let mut ip = 0;
    while ip < input.len() {
        let ctrl = input[ip] as usize;
        ip += 1;
        if ctrl < 32 {
            // A literal run of ctrl + 1 bytes.
            let run = ctrl + 1;
            out.extend_from_slice(input.get(ip..ip + run)?);
            ip += run;
        } else {
            // A back reference: length in the top 3 bits (7 means "one more byte").
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(ip)? as usize;
                ip += 1;
            }
            let back = ((ctrl & 0x1f) << 8) + *input.get(ip)? as usize + 1;
            ip += 1;
            let start = out.len().checked_sub(back)?;
            // Byte by byte: the reference may overlap what it produces.
            for i in 0..len + 2 {
                let b = out[start + i];
                out.push(b);
            }
        }
        if out.len() > out_len {
            return None;
        }
    }
    (out.len() == out_len).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_back_reference() {
        // "abc" literal, then a reference 3 back of length 6 (ctrl len 4): "abcabcabc".
        let data = [2, b'a', b'b', b'c', (4 << 5), 2];
        assert_eq!(decompress(&data, 9).unwrap(), b"abcabcabc");
        assert!(decompress(&data, 10).is_none());
        assert!(decompress(&[(1 << 5), 9], 3).is_none());
    }
}
