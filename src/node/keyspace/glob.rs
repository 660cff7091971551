//! Glob patterns as KEYS, SCAN MATCH and CONFIG GET use them (Redis's stringmatchlen):
//! `*`, `?`, `[abc]`, `[^a]`, `[a-z]` and `\` escapes.

pub fn glob_match(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    let eq = |a: u8, b: u8| {
        if nocase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut p, mut t) = (0, 0);
    // Where to resume after the last `*`: (pattern index after it, text index it matched to).
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() {
            match pattern[p] {
                b'*' => {
                    while p < pattern.len() && pattern[p] == b'*' {
                        p += 1;
                    }
                    if p == pattern.len() {
                        return true;
                    }
                    star = Some((p, t));
                    continue;
                }
                b'?' => {
                    p += 1;
                    t += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next)) = class(pattern, p, text[t], nocase) {
                        if matched {
                            p = next;
                            t += 1;
                            continue;
                        }
                    }
                }
                b'\\' if p + 1 < pattern.len() => {
                    if eq(pattern[p + 1], text[t]) {
                        p += 2;
                        t += 1;
                        continue;
                    }
                }
                c => {
                    if eq(c, text[t]) {
                        p += 1;
                        t += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, st)) => {
                p = sp;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|c| *c == b'*')
}

/// Matches `c` against the class opening at `pattern[open]`; returns (matched, index after).
fn class(pattern: &[u8], open: usize, c: u8, nocase: bool) -> Option<(bool, usize)> {
    let mut i = open + 1;
    let negate = pattern.get(i) == Some(&b'^');
    if negate {
        i += 1;
    }
    let norm = |b: u8| if nocase { b.to_ascii_lowercase() } else { b };
    let c = norm(c);
    let mut matched = false;
    loop {
        let &pc = pattern.get(i)?;
        match pc {
            b']' => break,
            b'\\' if i + 1 < pattern.len() => {
                matched |= norm(pattern[i + 1]) == c;
                i += 2;
            }
            _ if pattern.get(i + 1) == Some(&b'-')
                && pattern.get(i + 2).is_some_and(|e| *e != b']') =>
            {
                let (mut lo, mut hi) = (norm(pc), norm(pattern[i + 2]));
                if lo > hi {
                    std::mem::swap(&mut lo, &mut hi);
                }
                matched |= lo <= c && c <= hi;
                i += 3;
            }
            _ => {
                matched |= norm(pc) == c;
                i += 1;
            }
        }
    }
    Some((matched != negate, i + 1))
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn patterns() {
        let m = |p: &str, t: &str| glob_match(p.as_bytes(), t.as_bytes(), false);
        assert!(m("*", "anything"));
        assert!(m("h?llo", "hello"));
        assert!(m("h*llo", "heeeello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(m("key:*:x", "key:1:2:x"));
        assert!(!m("key:*:x", "key:1:2:y"));
        assert!(m("a\\*b", "a*b"));
        assert!(!m("abc", "ab"));
        assert!(glob_match(b"MAXMEM*", b"maxmemory", true));
    }
}
