//! Round trips of every type through DUMP payloads and RDB files, and payloads in the
//! compact encodings redis-server emits.

use super::*;

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn digest(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    v.digest_input(&mut out);
    out
}

fn samples() -> Vec<Value> {
    let mut hash = HashValue::default();
    hash.insert(b("f1"), b("v1"));
    hash.insert(b("f2"), Bytes::from(vec![b'x'; 300]));
    let mut set = SetValue::default();
    set.insert(b("a"));
    set.insert(b("17"));
    let mut z = ZSet::default();
    z.insert(b("m1"), 1.5);
    z.insert(b("m2"), f64::NEG_INFINITY);
    z.insert(b("m3"), -3.0);
    vec![
        Value::string(b"hello"),
        Value::string(&vec![b'y'; 20_000]),
        Value::List(Box::new([b("x"), b(""), b("z")].into_iter().collect())),
        Value::Set(Box::new(set)),
        Value::Hash(Box::new(hash)),
        Value::ZSet(Box::new(z)),
    ]
}

/// A payload with a correct footer around `body` (type byte included).
fn with_footer(body: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64::crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

#[test]
fn dump_round_trips_every_type() {
    for v in samples() {
        let payload = dump(&v);
        let back = undump(&payload).unwrap();
        assert_eq!(digest(&back), digest(&v), "{}", v.type_name());
    }
}

#[test]
fn dump_string_matches_redis_bytes() {
    // redis-server 7.0: DUMP of "hello" is type 0, len 5, "hello", version 10, CRC.
    let payload = dump(&Value::string(b"hello"));
    assert_eq!(&payload[..9], b"\x00\x05hello\x0a\x00");
    assert_eq!(payload.len(), 17);
}

#[test]
fn corrupt_payloads_are_refused() {
    let mut payload = dump(&Value::string(b"hello"));
    let wrong = Err(BadPayload("ERR DUMP payload version or checksum are wrong"));
    payload[3] ^= 1;
    assert_eq!(undump(&payload).map(|_| ()), wrong);
    assert_eq!(undump(b"short").map(|_| ()), wrong);
    // A newer RDB version is refused even with a good checksum.
    let mut newer = b"\x00\x01a".to_vec();
    newer.extend_from_slice(&(RDB_VERSION_READ_MAX + 1).to_le_bytes());
    let crc = crc64::crc64(0, &newer);
    newer.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(undump(&newer).map(|_| ()), wrong);
    // Truncated bodies with a valid footer are a format error, not a panic.
    let bad = with_footer(b"\x04\x05\x01a");
    assert_eq!(undump(&bad).map(|_| ()), Err(BadPayload("Bad data format")));
}

#[test]
fn compact_encodings_load() {
    // Int-encoded string 123.
    let v = undump(&with_footer(b"\x00\xc0\x7b")).unwrap();
    assert_eq!(v.as_bytes().unwrap(), b"123");
    // Hash as a listpack: f -> 1, g -> "ab".
    let mut lp = vec![0, 0, 0, 0, 4, 0];
    lp.extend_from_slice(&[
        0x81, b'f', 2, 1, 1, 0x81, b'g', 2, 0x82, b'a', b'b', 3, 0xff,
    ]);
    let mut body = vec![kind::HASH_LISTPACK, lp.len() as u8];
    body.extend_from_slice(&lp);
    let Value::Hash(h) = undump(&with_footer(&body)).unwrap() else {
        panic!("not a hash");
    };
    assert_eq!(h.get(&b"f"[..]).unwrap(), &b("1"));
    assert_eq!(h.get(&b"g"[..]).unwrap(), &b("ab"));
    // Intset {1, 2}.
    let is = [2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0];
    let mut body = vec![kind::SET_INTSET, is.len() as u8];
    body.extend_from_slice(&is);
    assert_eq!(undump(&with_footer(&body)).unwrap().type_name(), "set");
    // Quicklist v2 with one packed node holding "a", 5.
    let lp = [0, 0, 0, 0, 2, 0, 0x81, b'a', 2, 5, 1, 0xff];
    let mut body = vec![kind::LIST_QUICKLIST_2, 1, 2, lp.len() as u8];
    body.extend_from_slice(&lp);
    let Value::List(l) = undump(&with_footer(&body)).unwrap() else {
        panic!("not a list");
    };
    assert_eq!(l.iter().cloned().collect::<Vec<_>>(), [b("a"), b("5")]);
    // An LZF-compressed string: "abcabcabc".
    let body = [0, 0xc3, 6, 9, 2, b'a', b'b', b'c', (4 << 5), 2];
    assert_eq!(
        undump(&with_footer(&body)).unwrap().as_bytes().unwrap(),
        b"abcabcabc"
    );
}

#[test]
fn rdb_file_round_trip() {
    let mut ks = Keyspace::new();
    for (i, v) in samples().into_iter().enumerate() {
        let ttl = if i.is_multiple_of(2) {
            super::super::keyspace::Ttl::At(5_000_000)
        } else {
            super::super::keyspace::Ttl::Clear
        };
        ks.put(format!("key{i}").as_bytes(), v, ttl);
    }
    let file = snapshot(&ks, 1_000, Some(("abc", 42)), true);
    assert!(file.starts_with(b"REDIS0010"));
    let stored = u64::from_le_bytes(file[file.len() - 8..].try_into().unwrap());
    assert_eq!(crc64::crc64(0, &file[..file.len() - 8]), stored);
    let mut loaded = Vec::new();
    load(&file, |k, v, at| loaded.push((k, digest(&v), at))).unwrap();
    loaded.sort();
    assert_eq!(loaded.len(), 6);
    for (k, d, at) in loaded {
        let i: usize = std::str::from_utf8(&k[3..]).unwrap().parse().unwrap();
        assert_eq!(d, digest(&samples()[i]));
        assert_eq!(at, i.is_multiple_of(2).then_some(5_000_000));
    }
    assert!(load(&file[..file.len() - 12], |_, _, _| {}).is_err());
}

#[test]
fn whole_file_read_gives_aux_databases_and_checks_the_crc() {
    let mut ks = Keyspace::new();
    ks.put(
        b"k",
        Value::string(b"v"),
        super::super::keyspace::Ttl::Clear,
    );
    let mut file = snapshot(&ks, 7_000, Some(("replid", 9)), true);
    // A second database after db 0, as a standalone server's file may have.
    let eof = file.len() - 9;
    let mut db1 = vec![op::SELECTDB, 1, kind::STRING];
    write_string(&mut db1, b"other");
    write_string(&mut db1, b"x");
    file.splice(eof..eof, db1);
    let body = file.len() - 8;
    let crc = crc64::crc64(0, &file[..body]);
    file[body..].copy_from_slice(&crc.to_le_bytes());

    let mut seen = Vec::new();
    let info = read_file(&file, |e| seen.push((e.db, e.key))).unwrap();
    assert_eq!(seen, [(0, b("k")), (1, b("other"))]);
    assert_eq!(info.version, RDB_VERSION);
    assert!(info.checksum_verified);
    assert!(info
        .aux
        .iter()
        .any(|(k, v)| k == "repl-id" && v == "replid"));

    let mut db0 = 0;
    load(&file, |_, _, _| db0 += 1).unwrap();
    assert_eq!(db0, 1, "load keeps to db 0");

    let mut flipped = file.clone();
    flipped[body - 2] ^= 1;
    assert_eq!(
        read_file(&flipped, |_| {}).unwrap_err(),
        BadPayload("RDB checksum mismatch")
    );
    assert!(read_file(&file[..body + 3], |_| {}).is_err());
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn reads_what_valkey_9_writes() {
    // valkey-server 9.1.2 SAVE of a=b and e=f (with an expiry): a `VALKEY080` file.
    let file = unhex(concat!(
        "56414c4b4559303830fa0a76616c6b65792d76657205392e312e32fa0a72656469732d62697473c040",
        "fa056374696d65c29ca90f6bfa08757365642d6d656dc270e40f00fa08616f662d62617365c000fe00",
        "fb02010001610162fc68123035a20100000001650166ffc9b4fa4304d5ec09"
    ));
    let mut loaded = Vec::new();
    load(&file, |k, v, at| {
        loaded.push((k, v.as_bytes().unwrap().to_vec(), at))
    })
    .unwrap();
    loaded.sort();
    assert_eq!(loaded.len(), 2);
    assert_eq!(
        (&loaded[0].0[..], &loaded[0].1[..], loaded[0].2),
        (&b"a"[..], &b"b"[..], None)
    );
    assert_eq!(&loaded[1].0[..], b"e");
    assert!(loaded[1].2.is_some());
    // Its DUMP of SADD s a b 7: a set listpack (type 20), payload version 80.
    let payload = unhex("140f0f00000003008161028162020701ff5000cc807dfa8d1799a7");
    let Value::Set(set) = undump(&payload).unwrap() else {
        panic!("not a set");
    };
    let mut members: Vec<Bytes> = set.iter().cloned().collect();
    members.sort();
    assert_eq!(members, [b("7"), b("a"), b("b")]);
    // A newer version than any we know is still refused.
    let mut future = payload.clone();
    let n = future.len();
    future[n - 10] = 81;
    assert!(undump(&future).is_err());
    assert!(load(b"VALKEY081\xff", |_, _, _| {}).is_err());
}
