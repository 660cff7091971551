//! Redis's serialization format, for DUMP/RESTORE/MIGRATE payloads and for the snapshot a
//! master sends a replica on full resync (a real RDB file, version 10 as Redis 7.0 writes).
//!
//! Values are written in the plain encodings (string, list, set, hash, sorted set with
//! binary scores), which every Redis since 5 loads. Reading also accepts the compact
//! encodings redis-server emits (int and LZF strings, listpack, ziplist, intset,
//! quicklist v1/v2), so keys move between this node and redis-server both ways.

mod compact;
pub mod crc64;
mod lzf;
mod stream;

use bytes::Bytes;

use super::keyspace::{
    HashValue, Keyspace, ListValue, SetValue, Stream, StreamId, Ttl, Value, ZSet,
};

/// RDB version of Redis 7.0; DUMP payloads and snapshots are written with it.
pub const RDB_VERSION: u16 = 10;

/// The newest version read: Valkey 9 writes 80 (`VALKEY080` files, payload footers 80),
/// Redis 7.2 11 and Redis 7.4+ 12. What they add that we read is the set listpack; a type
/// we do not know still fails as bad data.
pub const RDB_VERSION_READ_MAX: u16 = 80;

/// Object type bytes (`RDB_TYPE_*`).
mod kind {
    pub const STRING: u8 = 0;
    pub const LIST: u8 = 1;
    pub const SET: u8 = 2;
    pub const ZSET: u8 = 3;
    pub const HASH: u8 = 4;
    pub const ZSET_2: u8 = 5;
    pub const LIST_ZIPLIST: u8 = 10;
    pub const SET_INTSET: u8 = 11;
    pub const ZSET_ZIPLIST: u8 = 12;
    pub const HASH_ZIPLIST: u8 = 13;
    pub const LIST_QUICKLIST: u8 = 14;
    pub const HASH_LISTPACK: u8 = 16;
    pub const ZSET_LISTPACK: u8 = 17;
    pub const LIST_QUICKLIST_2: u8 = 18;
    pub const SET_LISTPACK: u8 = 20;
}

/// RDB file opcodes (`RDB_OPCODE_*`).
mod op {
    pub const FUNCTION2: u8 = 0xf5;
    pub const FUNCTION: u8 = 0xf6;
    pub const MODULE_AUX: u8 = 0xf7;
    pub const IDLE: u8 = 0xf8;
    pub const FREQ: u8 = 0xf9;
    pub const AUX: u8 = 0xfa;
    pub const RESIZEDB: u8 = 0xfb;
    pub const EXPIRETIME_MS: u8 = 0xfc;
    pub const EXPIRETIME: u8 = 0xfd;
    pub const SELECTDB: u8 = 0xfe;
    pub const EOF: u8 = 0xff;
}

/// Why a payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPayload(pub &'static str);

type Res<T> = Result<T, BadPayload>;

fn write_len(out: &mut Vec<u8>, n: u64) {
    if n < 1 << 6 {
        out.push(n as u8);
    } else if n < 1 << 14 {
        out.push(0x40 | (n >> 8) as u8);
        out.push(n as u8);
    } else if n <= u32::MAX as u64 {
        out.push(0x80);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    write_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// Writes the value's body and returns its type byte.
fn write_value(out: &mut Vec<u8>, value: &Value) -> u8 {
    match value {
        Value::Inline(..) | Value::Str(_) => {
            write_string(out, value.as_bytes().unwrap_or_default());
            kind::STRING
        }
        Value::List(list) => {
            write_len(out, list.len() as u64);
            list.iter().for_each(|item| write_string(out, item));
            kind::LIST
        }
        Value::Set(set) => {
            write_len(out, set.len() as u64);
            set.iter().for_each(|m| write_string(out, m));
            kind::SET
        }
        Value::Hash(hash) => {
            write_len(out, hash.len() as u64);
            for (field, val) in hash.iter() {
                write_string(out, field);
                write_string(out, val);
            }
            kind::HASH
        }
        Value::ZSet(z) => {
            write_len(out, z.len() as u64);
            // Highest score first, as Redis writes a skiplist, so loading appends cheaply.
            for (score, member) in z.by_score.iter().rev() {
                write_string(out, member);
                out.extend_from_slice(&score.0.to_le_bytes());
            }
            kind::ZSET_2
        }
        Value::Stream(s) => stream::write(out, s),
    }
}

/// A DUMP payload: type, body, RDB version (2 bytes LE), CRC-64 of all that (8 bytes LE).
pub fn dump(value: &Value) -> Vec<u8> {
    let mut out = vec![0];
    out[0] = write_value(&mut out, value);
    push_dump_footer(&mut out);
    out
}

/// DUMP's footer, shared by key and FUNCTION payloads: the RDB version, then the CRC-64
/// of everything before it.
fn push_dump_footer(out: &mut Vec<u8>) {
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64::crc64(0, out);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// A DUMP payload's body, once its footer checks out (Redis's `verifyDumpPayload`):
/// a version we read and a matching CRC-64. `None` gets Redis's "version or checksum
/// are wrong".
fn dump_body(payload: &[u8]) -> Option<&[u8]> {
    let split = payload.len().checked_sub(10)?;
    let (body, footer) = payload.split_at(split);
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    let crc = u64::from_le_bytes(footer[2..10].try_into().ok()?);
    // A zero CRC means "not computed" (rdbchecksum no), which Redis accepts too.
    let crc_ok = crc == 0 || crc64::crc64(0, &payload[..payload.len() - 8]) == crc;
    (version <= RDB_VERSION_READ_MAX && crc_ok).then_some(body)
}

/// Checks a DUMP payload's footer and reads the value.
pub fn undump(payload: &[u8]) -> Res<Value> {
    let body =
        dump_body(payload).ok_or(BadPayload("ERR DUMP payload version or checksum are wrong"))?;
    let mut r = Reader { data: body, at: 0 };
    let t = r.byte()?;
    let value = r.value(t)?;
    if r.at != body.len() {
        return Err(BadPayload("Bad data format"));
    }
    Ok(value)
}

/// FUNCTION DUMP's payload: each library's code after RDB_OPCODE_FUNCTION2 (as in an RDB
/// file), then the DUMP footer (RDB version, CRC-64).
pub fn dump_functions<'a>(codes: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    write_functions(&mut out, codes);
    push_dump_footer(&mut out);
    out
}

fn write_functions<'a>(out: &mut Vec<u8>, codes: impl IntoIterator<Item = &'a [u8]>) {
    for code in codes {
        out.push(op::FUNCTION2);
        write_string(out, code);
    }
}

/// The library codes of a FUNCTION RESTORE payload; the error is Redis's reply text.
pub fn undump_functions(payload: &[u8]) -> Result<Vec<Bytes>, &'static str> {
    let body = dump_body(payload).ok_or("ERR DUMP payload version or checksum are wrong")?;
    let mut r = Reader { data: body, at: 0 };
    let mut codes = Vec::new();
    while r.at < body.len() {
        let t = r.byte().map_err(|_| "ERR can not read data type")?;
        if t != op::FUNCTION2 {
            return Err("ERR given type is not a function");
        }
        codes.push(
            r.string()
                .map_err(|_| "ERR failed loading the given functions payload")?,
        );
    }
    Ok(codes)
}

/// An RDB file (version 10) of every live key of every database, with the aux fields
/// Redis writes (the replication ones, which a replica reads, when given).
pub fn snapshot(ks: &Keyspace, now: u64, repl: Option<(&str, u64)>, checksum: bool) -> Vec<u8> {
    let mut out = header(now, repl, ks);
    out.reserve(ks.total_len() * 32);
    for db in 0..ks.databases() {
        let (keys, expires) = ks.db_size(db);
        if db > 0 {
            if keys == 0 {
                continue;
            }
            write_select_db(&mut out, db);
            out.push(op::RESIZEDB);
            write_len(&mut out, keys as u64);
            write_len(&mut out, expires as u64);
        }
        ks.for_each_key_in_db(db, now, |key, value, at| {
            write_entry(&mut out, key, value, at);
        });
    }
    let crc = if checksum { crc64::crc64(0, &out) } else { 0 };
    finish_after(&mut out, crc, checksum);
    out
}

/// The SELECTDB opcode: the entries after it are of database `db`.
pub fn write_select_db(out: &mut Vec<u8>, db: usize) {
    out.push(op::SELECTDB);
    write_len(out, db as u64);
}

/// The start of an RDB file: magic and version, the aux fields redis-server writes (the
/// replication ones when given), the function libraries of `ks`, db 0 and its sizes.
pub fn header(now: u64, repl: Option<(&str, u64)>, ks: &Keyspace) -> Vec<u8> {
    let (keys, expires) = ks.db_size(0);
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(format!("REDIS{RDB_VERSION:04}").as_bytes());
    let aux = |out: &mut Vec<u8>, k: &str, v: &str| {
        out.push(op::AUX);
        write_string(out, k.as_bytes());
        write_string(out, v.as_bytes());
    };
    aux(&mut out, "redis-ver", "7.0.15");
    aux(&mut out, "redis-bits", "64");
    aux(&mut out, "ctime", &(now / 1000).to_string());
    aux(
        &mut out,
        "used-mem",
        &crate::node::alloc::used_memory().unwrap_or(0).to_string(),
    );
    if let Some((repl_id, repl_offset)) = repl {
        aux(&mut out, "repl-stream-db", "0");
        aux(&mut out, "repl-id", repl_id);
        aux(&mut out, "repl-offset", &repl_offset.to_string());
    }
    aux(&mut out, "aof-base", "0");
    write_functions(&mut out, ks.functions.codes());
    out.push(op::SELECTDB);
    write_len(&mut out, 0);
    out.push(op::RESIZEDB);
    write_len(&mut out, keys as u64);
    write_len(&mut out, expires as u64);
    out
}

/// One key of an RDB file: its expiry (Unix ms) when it has one, type, name, value.
pub fn write_entry(out: &mut Vec<u8>, key: &[u8], value: &Value, expire_at: Option<u64>) {
    if let Some(at) = expire_at {
        out.push(op::EXPIRETIME_MS);
        out.extend_from_slice(&at.to_le_bytes());
    }
    let type_at = out.len();
    out.push(0);
    write_string(out, key);
    out[type_at] = write_value(out, value);
}

/// Ends an RDB file: the EOF opcode and the CRC-64 of everything before the checksum
/// (`crc` is the running CRC of what was written before `out`; zero when `checksum` is
/// off, as `rdbchecksum no` writes).
pub fn finish(out: &mut Vec<u8>, crc: u64, checksum: bool) {
    out.push(op::EOF);
    let crc = if checksum { crc64::crc64(crc, out) } else { 0 };
    out.extend_from_slice(&crc.to_le_bytes());
}

/// [`finish`] for a buffer that already holds what `crc` covers.
fn finish_after(out: &mut Vec<u8>, crc: u64, checksum: bool) {
    let mut tail = Vec::with_capacity(9);
    finish(&mut tail, crc, checksum);
    out.extend_from_slice(&tail);
}

/// Reads an RDB file, calling `each(key, value, expire_at_ms)` for every key of db 0.
#[cfg(test)]
pub fn load(data: &[u8], mut each: impl FnMut(Bytes, Value, Option<u64>)) -> Res<()> {
    read_file(data, |entry| {
        if entry.db == 0 {
            each(entry.key, entry.value, entry.expire_at);
        }
    })
    .map(|_| ())
}

/// Loads an RDB file into `ks`, each key into its database, and its function libraries
/// in place of those `ks` had; keys expired by `now` are left out. A file with a database `ks` does not have is refused, as redis-server does.
pub fn load_into(
    data: &[u8],
    ks: &mut Keyspace,
    now: u64,
    run: &std::sync::Arc<crate::node::cmd::scripting::ScriptRun>,
) -> Res<FileInfo> {
    let databases = ks.databases() as u64;
    let back = ks.selected();
    let mut beyond = None;
    let info = read_file(data, |entry| {
        if entry.db >= databases {
            beyond.get_or_insert(entry.db);
            return;
        }
        if entry.expire_at.is_some_and(|at| at <= now) {
            return;
        }
        ks.select(entry.db as usize);
        let ttl = entry.expire_at.map_or(Ttl::Clear, Ttl::At);
        ks.put(&entry.key, entry.value, ttl);
    });
    ks.select(back);
    let info = info?;
    if beyond.is_some() {
        return Err(BadPayload(
            "FATAL: Data file was created with a Redis server configured to handle more than the databases this node has",
        ));
    }
    // The file's libraries are the node's libraries from now on.
    let codes: Vec<&[u8]> = info.functions.iter().map(|c| &c[..]).collect();
    ks.functions
        .restore(&codes, crate::node::cmd::functions::Restore::Flush, run)
        .map_err(|_| BadPayload("the RDB file has a function library that does not load"))?;
    Ok(info)
}

/// One key of an RDB file, with the database it belongs to and its absolute expiry (ms).
pub struct FileEntry {
    pub db: u64,
    pub key: Bytes,
    pub value: Value,
    pub expire_at: Option<u64>,
}

/// What an RDB file says about itself besides its keys.
#[derive(Debug, Default)]
pub struct FileInfo {
    pub version: u16,
    /// The aux fields (`redis-ver`, `ctime`, `repl-id`, ...), in file order.
    pub aux: Vec<(String, String)>,
    /// Whether the file ended with a CRC-64 that matched (false: absent or zero).
    pub checksum_verified: bool,
    /// The code of each function library (RDB_OPCODE_FUNCTION2), in file order.
    pub functions: Vec<Bytes>,
}

/// Reads a whole RDB file, calling `each` for every key of every database, and checks the
/// CRC-64 trailer when the file has one (a backup must not load half a file silently).
pub fn read_file(data: &[u8], mut each: impl FnMut(FileEntry)) -> Res<FileInfo> {
    // `REDIS0010` (Redis) or `VALKEY080` (Valkey 9): the magic, then the version in digits.
    let magic = if data.starts_with(b"REDIS") {
        5
    } else if data.starts_with(b"VALKEY") {
        6
    } else {
        return Err(BadPayload("not an RDB file"));
    };
    let digits = magic + if magic == 5 { 4 } else { 3 };
    if data.len() < digits {
        return Err(BadPayload("not an RDB file"));
    }
    let version: u16 = std::str::from_utf8(&data[magic..digits])
        .ok()
        .and_then(|v| v.parse().ok())
        .ok_or(BadPayload("bad RDB version"))?;
    if version > RDB_VERSION_READ_MAX {
        return Err(BadPayload("RDB version too new"));
    }
    let mut info = FileInfo {
        version,
        ..FileInfo::default()
    };
    let mut r = Reader { data, at: digits };
    let mut expire = None;
    let mut db = 0;
    loop {
        let t = r.byte()?;
        match t {
            op::EOF => break,
            op::AUX => {
                let k = r.string()?;
                let v = r.string()?;
                info.aux.push((
                    String::from_utf8_lossy(&k).into_owned(),
                    String::from_utf8_lossy(&v).into_owned(),
                ));
            }
            op::SELECTDB => db = r.len()?,
            op::RESIZEDB => {
                r.len()?;
                r.len()?;
            }
            op::EXPIRETIME_MS => expire = Some(r.le(8)?),
            op::EXPIRETIME => expire = Some(r.le(4)? * 1000),
            op::IDLE => {
                r.len()?;
            }
            op::FREQ => {
                r.byte()?;
            }
            op::FUNCTION2 => info.functions.push(r.string()?),
            op::FUNCTION | op::MODULE_AUX => {
                return Err(BadPayload("RDB has functions or modules, not supported"))
            }
            _ => {
                let key = r.string()?;
                let value = r.value(t)?;
                each(FileEntry {
                    db,
                    key,
                    value,
                    expire_at: expire.take(),
                });
            }
        }
    }
    // Version 5 and later end with a CRC-64 of everything before it (zero: not computed).
    if version >= 5 {
        let body = r.at;
        let crc = r.le(8).map_err(|_| BadPayload("RDB file is truncated"))?;
        if crc != 0 {
            if crc64::crc64(0, &data[..body]) != crc {
                return Err(BadPayload("RDB checksum mismatch"));
            }
            info.checksum_verified = true;
        }
    }
    Ok(info)
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Res<&[u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or(BadPayload("Bad data format"))?;
        let s = &self.data[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn byte(&mut self) -> Res<u8> {
        Ok(self.take(1)?[0])
    }

    fn le(&mut self, n: usize) -> Res<u64> {
        Ok(self
            .take(n)?
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | b as u64))
    }

    /// A length, or `Err(Ok(kind))` for a string's special encoding.
    fn len_or_special(&mut self) -> Res<Result<u64, u8>> {
        let first = self.byte()?;
        Ok(match first >> 6 {
            0 => Ok((first & 0x3f) as u64),
            1 => Ok((((first & 0x3f) as u64) << 8) | self.byte()? as u64),
            2 => match first {
                0x80 => Ok(u32::from_be_bytes(self.take(4)?.try_into().unwrap_or_default()) as u64),
                0x81 => Ok(u64::from_be_bytes(
                    self.take(8)?.try_into().unwrap_or_default(),
                )),
                _ => return Err(BadPayload("Bad data format")),
            },
            _ => Err(first & 0x3f),
        })
    }

    fn len(&mut self) -> Res<u64> {
        self.len_or_special()?
            .map_err(|_| BadPayload("Bad data format"))
    }

    /// A count of items, bounded by the bytes left so a forged length cannot make us
    /// allocate wildly.
    fn count(&mut self) -> Res<usize> {
        let n = self.len()?;
        if n > (self.data.len() - self.at) as u64 {
            return Err(BadPayload("Bad data format"));
        }
        Ok(n as usize)
    }

    fn string(&mut self) -> Res<Bytes> {
        match self.len_or_special()? {
            Ok(n) => {
                let n = usize::try_from(n).map_err(|_| BadPayload("Bad data format"))?;
                Ok(Bytes::copy_from_slice(self.take(n)?))
            }
            Err(0) => Ok(Bytes::from((self.le(1)? as u8 as i8).to_string())),
            Err(1) => Ok(Bytes::from((self.le(2)? as u16 as i16).to_string())),
            Err(2) => Ok(Bytes::from((self.le(4)? as u32 as i32).to_string())),
            Err(3) => {
                let clen = self.len()? as usize;
                let len = self.len()? as usize;
                if len > 512 << 20 {
                    return Err(BadPayload("Bad data format"));
                }
                let packed = self.take(clen)?;
                lzf::decompress(packed, len)
                    .map(Bytes::from)
                    .ok_or(BadPayload("Bad data format"))
            }
            Err(_) => Err(BadPayload("Bad data format")),
        }
    }

    fn binary_double(&mut self) -> Res<f64> {
        Ok(f64::from_bits(self.le(8)?))
    }

    /// The old sorted set score: a length byte then text (253 nan, 254 +inf, 255 -inf).
    fn text_double(&mut self) -> Res<f64> {
        let len = self.byte()?;
        match len {
            253 => Err(BadPayload("Bad data format")),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            _ => std::str::from_utf8(self.take(len as usize)?)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or(BadPayload("Bad data format")),
        }
    }

    fn blob(&mut self, parse: fn(&[u8]) -> Option<Vec<Bytes>>) -> Res<Vec<Bytes>> {
        let s = self.string()?;
        parse(&s).ok_or(BadPayload("Bad data format"))
    }

    fn value(&mut self, t: u8) -> Res<Value> {
        let bad = BadPayload("Bad data format");
        Ok(match t {
            kind::STRING => Value::string(&self.string()?),
            kind::LIST => {
                let n = self.count()?;
                let mut list = ListValue::with_capacity(n);
                for _ in 0..n {
                    list.push_back(self.string()?);
                }
                list_value(list)?
            }
            kind::SET => {
                let n = self.count()?;
                let mut set = SetValue::with_capacity_and_hasher(n, Default::default());
                for _ in 0..n {
                    set.insert(self.string()?);
                }
                set_value(set)?
            }
            kind::ZSET | kind::ZSET_2 => {
                let n = self.count()?;
                let mut z = ZSet::default();
                for _ in 0..n {
                    let member = self.string()?;
                    let score = if t == kind::ZSET_2 {
                        self.binary_double()?
                    } else {
                        self.text_double()?
                    };
                    if score.is_nan() {
                        return Err(bad);
                    }
                    z.insert(member, score);
                }
                zset_value(z)?
            }
            kind::HASH => {
                let n = self.count()?;
                let mut h = HashValue::with_capacity_and_hasher(n, Default::default());
                for _ in 0..n {
                    let field = self.string()?;
                    let value = self.string()?;
                    h.insert(field, value);
                }
                hash_value(h)?
            }
            kind::LIST_ZIPLIST => list_value(self.blob(compact::ziplist)?.into())?,
            kind::SET_INTSET => set_value(self.blob(compact::intset)?.into_iter().collect())?,
            kind::SET_LISTPACK => set_value(self.blob(compact::listpack)?.into_iter().collect())?,
            kind::ZSET_ZIPLIST => zset_pairs(self.blob(compact::ziplist)?)?,
            kind::ZSET_LISTPACK => zset_pairs(self.blob(compact::listpack)?)?,
            kind::HASH_ZIPLIST => hash_pairs(self.blob(compact::ziplist)?)?,
            kind::HASH_LISTPACK => hash_pairs(self.blob(compact::listpack)?)?,
            kind::LIST_QUICKLIST | kind::LIST_QUICKLIST_2 => {
                let nodes = self.count()?;
                let mut list = ListValue::new();
                for _ in 0..nodes {
                    if t == kind::LIST_QUICKLIST {
                        list.extend(self.blob(compact::ziplist)?);
                        continue;
                    }
                    // Container 1 is a plain node (one big element), 2 a listpack.
                    match self.len()? {
                        1 => list.push_back(self.string()?),
                        2 => list.extend(self.blob(compact::listpack)?),
                        _ => return Err(bad),
                    }
                }
                list_value(list)?
            }
            stream::STREAM_LISTPACKS | stream::STREAM_LISTPACKS_2 | stream::STREAM_LISTPACKS_3 => {
                self.stream(t)?
            }
            _ => return Err(BadPayload("Bad data format")),
        })
    }

    fn stream(&mut self, t: u8) -> Res<Value> {
        use crate::node::keyspace::stream::{Consumer, Group, Nack};
        let bad = || BadPayload("Bad data format");
        let mut s = Stream::default();
        let nodes = self.count()?;
        for _ in 0..nodes {
            let master = stream::parse_key(&self.string()?)?;
            let items = self.blob(compact::listpack)?;
            let mut live = 0;
            stream::node_entries(master, &items, |id, fields| {
                s.entries.insert(id, fields);
                live += 1;
            })?;
            if live == 0 {
                return Err(BadPayload("Bad data format"));
            }
            s.nodes.insert(
                master,
                crate::node::keyspace::stream::Node {
                    appended: live,
                    live,
                    bytes: items.iter().map(|i| i.len() as u64 + 2).sum(),
                },
            );
        }
        let _length = self.len()?;
        s.last_id = StreamId::new(self.len()?, self.len()?);
        if t != stream::STREAM_LISTPACKS {
            let _first = (self.len()?, self.len()?);
            s.max_deleted = StreamId::new(self.len()?, self.len()?);
            s.entries_added = self.len()?;
        } else {
            s.entries_added = s.entries.len() as u64;
        }
        let groups = self.count()?;
        for _ in 0..groups {
            let name = self.string()?;
            let last_id = StreamId::new(self.len()?, self.len()?);
            let entries_read = if t == stream::STREAM_LISTPACKS {
                s.estimate_entries_read(last_id)
            } else {
                self.len()? as i64
            };
            let mut g = Group::new(last_id, entries_read);
            let pending = self.count()?;
            for _ in 0..pending {
                let id = stream::parse_key(self.take(16)?)?;
                let delivery_time = self.le(8)?;
                let delivery_count = self.len()?;
                let nack = Nack {
                    consumer: Bytes::new(),
                    delivery_time,
                    delivery_count,
                };
                if g.pel.insert(id, nack).is_some() {
                    return Err(bad());
                }
            }
            // IDs given an owner so far (an owner's name may be empty).
            let mut owned_ids = std::collections::BTreeSet::new();
            let consumers = self.count()?;
            for _ in 0..consumers {
                let cname = self.string()?;
                let seen_time = self.le(8)?;
                if t == stream::STREAM_LISTPACKS_3 {
                    let _active_time = self.le(8)?;
                }
                let mut c = Consumer {
                    seen_time,
                    ..Default::default()
                };
                let owned = self.count()?;
                for _ in 0..owned {
                    let id = stream::parse_key(self.take(16)?)?;
                    let nack = g.pel.get_mut(&id).ok_or_else(bad)?;
                    // One owner per pending entry.
                    if !owned_ids.insert(id) || !c.pel.insert(id) {
                        return Err(bad());
                    }
                    nack.consumer = cname.clone();
                }
                if g.consumers.insert(cname, c).is_some() {
                    return Err(bad());
                }
            }
            // Every pending entry has an owner (Redis checks so too when it sanitises).
            if owned_ids.len() != g.pel.len() {
                return Err(bad());
            }
            if s.groups.insert(name, g).is_some() {
                return Err(bad());
            }
        }
        Ok(Value::Stream(Box::new(s)))
    }
}

/// Redis refuses empty collections in payloads; so do we.
fn list_value(list: ListValue) -> Res<Value> {
    non_empty(list.len(), Value::List(Box::new(list)))
}

fn set_value(set: SetValue) -> Res<Value> {
    non_empty(set.len(), Value::Set(Box::new(set)))
}

fn zset_value(z: ZSet) -> Res<Value> {
    non_empty(z.len(), Value::ZSet(Box::new(z)))
}

fn hash_value(h: HashValue) -> Res<Value> {
    non_empty(h.len(), Value::Hash(Box::new(h)))
}

fn non_empty(len: usize, v: Value) -> Res<Value> {
    if len == 0 {
        Err(BadPayload("Bad data format"))
    } else {
        Ok(v)
    }
}

fn zset_pairs(items: Vec<Bytes>) -> Res<Value> {
    if !items.len().is_multiple_of(2) {
        return Err(BadPayload("Bad data format"));
    }
    let mut z = ZSet::default();
    for pair in items.chunks(2) {
        let score = std::str::from_utf8(&pair[1])
            .ok()
            .and_then(|s| super::cmd::parse_float(s.as_bytes()))
            .ok_or(BadPayload("Bad data format"))?;
        z.insert(pair[0].clone(), score);
    }
    zset_value(z)
}

fn hash_pairs(items: Vec<Bytes>) -> Res<Value> {
    if !items.len().is_multiple_of(2) {
        return Err(BadPayload("Bad data format"));
    }
    let mut h = HashValue::with_capacity_and_hasher(items.len() / 2, Default::default());
    let mut it = items.into_iter();
    while let (Some(f), Some(v)) = (it.next(), it.next()) {
        h.insert(f, v);
    }
    hash_value(h)
}

#[cfg(test)]
mod tests;
