//! The cluster bus wire format of Redis 7.0 (`clusterMsg` in `cluster.h`): a fixed
//! 2256-byte header with big-endian fields, then a body that depends on the type.
//!
//! Decoding never panics: a bad frame (signature, length) is a [`FrameError`] and the
//! caller drops the link, as Redis's `clusterReadHandler` does; a well-framed message with
//! a body that does not match its type is a [`DecodeError`] and is ignored, as
//! `clusterProcessPacket` ignores it (the link stays up).

use bytes::{Buf, BufMut, BytesMut};
use thiserror::Error;

use crate::model::{NodeId, SlotSet};

/// Size of the fixed header (`CLUSTERMSG_MIN_LEN`).
pub const HEADER_LEN: usize = 2256;
/// Size of one gossip entry (`clusterMsgDataGossip`).
pub const GOSSIP_LEN: usize = 104;
/// Length of a node name on the wire.
pub const NAME_LEN: usize = 40;
/// Length of an IP field on the wire (`NET_IP_STR_LEN`).
pub const IP_LEN: usize = 46;
/// Size of an UPDATE body: config epoch, node name and slot bitmap.
pub const UPDATE_BODY_LEN: usize = 8 + NAME_LEN + 2048;
/// The only protocol version Redis 7.0 speaks (`CLUSTER_PROTO_VER`).
pub const PROTO_VER: u16 = 1;
/// Largest frame we accept: Redis has no limit, but a peer announcing more is broken or
/// hostile and would make us buffer without bound.
pub const MAX_FRAME_LEN: usize = 64 * 1024 * 1024;

/// Node flags as they travel in headers and gossip entries (`CLUSTER_NODE_*`).
pub mod flags {
    pub const MASTER: u16 = 1;
    pub const SLAVE: u16 = 2;
    pub const PFAIL: u16 = 4;
    pub const FAIL: u16 = 8;
    pub const MYSELF: u16 = 16;
    pub const HANDSHAKE: u16 = 32;
    pub const NOADDR: u16 = 64;
    pub const MEET: u16 = 128;
    pub const MIGRATE_TO: u16 = 256;
    pub const NOFAILOVER: u16 = 512;
}

/// Bits of `mflags[0]` (`CLUSTERMSG_FLAG0_*`).
pub mod mflags {
    pub const PAUSED: u8 = 1;
    pub const FORCEACK: u8 = 2;
    pub const EXT_DATA: u8 = 4;
}

/// Message type numbers (`CLUSTERMSG_TYPE_*`).
pub mod types {
    pub const PING: u16 = 0;
    pub const PONG: u16 = 1;
    pub const MEET: u16 = 2;
    pub const FAIL: u16 = 3;
    pub const PUBLISH: u16 = 4;
    pub const FAILOVER_AUTH_REQUEST: u16 = 5;
    pub const FAILOVER_AUTH_ACK: u16 = 6;
    pub const UPDATE: u16 = 7;
    pub const MFSTART: u16 = 8;
    pub const MODULE: u16 = 9;
    pub const PUBLISHSHARD: u16 = 10;
    /// `CLUSTERMSG_TYPE_COUNT`: types below this are counted in CLUSTER INFO.
    pub const COUNT: u16 = 11;

    /// The name CLUSTER INFO uses in `cluster_stats_messages_<name>_sent`.
    pub fn name(kind: u16) -> &'static str {
        match kind {
            PING => "ping",
            PONG => "pong",
            MEET => "meet",
            FAIL => "fail",
            PUBLISH => "publish",
            PUBLISHSHARD => "publishshard",
            FAILOVER_AUTH_REQUEST => "auth-req",
            FAILOVER_AUTH_ACK => "auth-ack",
            UPDATE => "update",
            MFSTART => "mfstart",
            MODULE => "module",
            _ => "unknown",
        }
    }
}

/// Extension type numbers. 7.0 knows only HOSTNAME; later versions add more, which a
/// 7.0 reader skips by length.
pub mod ext_types {
    pub const HOSTNAME: u16 = 0;
}

/// Why a byte stream cannot be framed: the link must be dropped.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FrameError {
    #[error("bad signature on the cluster bus")]
    BadSignature,
    #[error("bad message length {0} on the cluster bus")]
    BadLength(u32),
}

/// Why one framed message cannot be understood: Redis ignores such a message.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("message shorter than the header ({0} bytes)")]
    Short(usize),
    #[error("bad signature")]
    BadSignature,
    #[error("unsupported protocol version {0}")]
    Version(u16),
    #[error("{kind} message of length {got}, expected {want}")]
    Length {
        kind: &'static str,
        got: usize,
        want: usize,
    },
    #[error("extension of length {0} is not 8-byte aligned or overruns the message")]
    Extension(u32),
    #[error("node name is not printable ASCII")]
    BadName,
}

/// The fixed header every message starts with (`clusterMsg` up to `data`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Sender's client port (TLS port when TLS is on).
    pub port: u16,
    pub current_epoch: u64,
    /// Master: its own config epoch; replica: its master's.
    pub config_epoch: u64,
    /// Replication offset.
    pub offset: u64,
    pub sender: NodeId,
    /// Slots the sender serves (a replica sends its master's).
    pub slots: SlotSet,
    /// The sender's master, for a replica.
    pub slaveof: Option<NodeId>,
    /// Announced IP; empty means "use the address of the socket".
    pub myip: String,
    /// Plaintext port when the client port is TLS, else 0.
    pub pport: u16,
    pub cport: u16,
    pub flags: u16,
    /// Cluster state as the sender sees it: 0 ok, 1 fail.
    pub state: u8,
    pub mflags: [u8; 3],
}

impl Header {
    /// A header with everything zero but the sender's name.
    pub fn new(sender: NodeId) -> Header {
        Header {
            port: 0,
            current_epoch: 0,
            config_epoch: 0,
            offset: 0,
            sender,
            slots: SlotSet::new(),
            slaveof: None,
            myip: String::new(),
            pport: 0,
            cport: 0,
            flags: 0,
            state: 0,
            mflags: [0; 3],
        }
    }
}

/// One gossip entry: what the sender knows of another node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GossipEntry {
    pub name: NodeId,
    /// Seconds (the sender's `ping_sent / 1000`).
    pub ping_sent: u32,
    /// Seconds (the sender's `pong_received / 1000`).
    pub pong_received: u32,
    pub ip: String,
    pub port: u16,
    pub cport: u16,
    pub flags: u16,
    pub pport: u16,
}

/// A ping extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Extension {
    Hostname(String),
    /// A type this version does not know: kept to be skipped.
    Unknown {
        kind: u16,
        data: Vec<u8>,
    },
}

/// Body of PING, PONG and MEET.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PingBody {
    pub gossip: Vec<GossipEntry>,
    pub extensions: Vec<Extension>,
}

/// Every message body Redis 7.0 sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    Ping(PingBody),
    Pong(PingBody),
    Meet(PingBody),
    Fail {
        node: NodeId,
    },
    Publish {
        channel: Vec<u8>,
        message: Vec<u8>,
    },
    PublishShard {
        channel: Vec<u8>,
        message: Vec<u8>,
    },
    FailoverAuthRequest,
    FailoverAuthAck,
    Update {
        config_epoch: u64,
        node: NodeId,
        slots: SlotSet,
    },
    MfStart,
    Module {
        module_id: u64,
        kind: u8,
        payload: Vec<u8>,
    },
    /// A type 7.0 does not know; Redis assumes it well formed and ignores it.
    Unknown {
        kind: u16,
        data: Vec<u8>,
    },
}

impl Body {
    /// The wire type number.
    pub fn kind(&self) -> u16 {
        match self {
            Body::Ping(_) => types::PING,
            Body::Pong(_) => types::PONG,
            Body::Meet(_) => types::MEET,
            Body::Fail { .. } => types::FAIL,
            Body::Publish { .. } => types::PUBLISH,
            Body::PublishShard { .. } => types::PUBLISHSHARD,
            Body::FailoverAuthRequest => types::FAILOVER_AUTH_REQUEST,
            Body::FailoverAuthAck => types::FAILOVER_AUTH_ACK,
            Body::Update { .. } => types::UPDATE,
            Body::MfStart => types::MFSTART,
            Body::Module { .. } => types::MODULE,
            Body::Unknown { kind, .. } => *kind,
        }
    }

    /// The gossip and extensions of PING, PONG and MEET.
    pub fn ping(&self) -> Option<&PingBody> {
        match self {
            Body::Ping(p) | Body::Pong(p) | Body::Meet(p) => Some(p),
            _ => None,
        }
    }
}

/// A whole bus message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub header: Header,
    pub body: Body,
}

/// Checks the first 8 bytes of a frame and returns its total length, or `None` while
/// fewer than 8 bytes are buffered. Mirrors `clusterReadHandler`: a bad signature or a
/// length below the header size drops the link.
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>, FrameError> {
    if buf.len() < 8 {
        return Ok(None);
    }
    if &buf[..4] != b"RCmb" {
        return Err(FrameError::BadSignature);
    }
    let totlen = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
    if (totlen as usize) < HEADER_LEN || totlen as usize > MAX_FRAME_LEN {
        return Err(FrameError::BadLength(totlen));
    }
    Ok(Some(totlen as usize))
}

/// Splits whole frames off a receive buffer.
#[derive(Debug, Default)]
pub struct FrameReader {
    buf: BytesMut,
}

impl FrameReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes read from the socket.
    pub fn extend(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole frame, `Ok(None)` when more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<BytesMut>, FrameError> {
        match frame_len(&self.buf)? {
            Some(len) if self.buf.len() >= len => Ok(Some(self.buf.split_to(len))),
            _ => Ok(None),
        }
    }
}

fn put_fixed(out: &mut BytesMut, text: &[u8], len: usize) {
    let n = text.len().min(len);
    out.put_slice(&text[..n]);
    out.put_bytes(0, len - n);
}

fn put_ping_body(out: &mut BytesMut, body: &PingBody) {
    for g in &body.gossip {
        put_fixed(out, g.name.as_bytes(), NAME_LEN);
        out.put_u32(g.ping_sent);
        out.put_u32(g.pong_received);
        // The last byte of the IP field stays NUL, as Redis's strings do.
        put_fixed(out, &g.ip.as_bytes()[..g.ip.len().min(IP_LEN - 1)], IP_LEN);
        out.put_u16(g.port);
        out.put_u16(g.cport);
        out.put_u16(g.flags);
        out.put_u16(g.pport);
        out.put_u16(0);
    }
    for ext in &body.extensions {
        let (kind, data): (u16, Vec<u8>) = match ext {
            Extension::Hostname(h) => {
                let mut d = h.as_bytes().to_vec();
                d.push(0);
                (ext_types::HOSTNAME, d)
            }
            Extension::Unknown { kind, data } => (*kind, data.clone()),
        };
        let padded = data.len().div_ceil(8) * 8;
        out.put_u32((8 + padded) as u32);
        out.put_u16(kind);
        out.put_u16(0);
        out.put_slice(&data);
        out.put_bytes(0, padded - data.len());
    }
}

/// Encodes a message; `totlen`, `count` and `extensions` are computed here, and the
/// EXT_DATA flag is set when extensions are sent.
pub fn encode(msg: &Message) -> Vec<u8> {
    let h = &msg.header;
    let mut body = BytesMut::new();
    let (count, extensions) = match &msg.body {
        Body::Ping(p) | Body::Pong(p) | Body::Meet(p) => {
            put_ping_body(&mut body, p);
            (p.gossip.len() as u16, p.extensions.len() as u16)
        }
        Body::Fail { node } => {
            put_fixed(&mut body, node.as_bytes(), NAME_LEN);
            (0, 0)
        }
        Body::Publish { channel, message } | Body::PublishShard { channel, message } => {
            body.put_u32(channel.len() as u32);
            body.put_u32(message.len() as u32);
            body.put_slice(channel);
            body.put_slice(message);
            (0, 0)
        }
        Body::FailoverAuthRequest | Body::FailoverAuthAck | Body::MfStart => (0, 0),
        Body::Update {
            config_epoch,
            node,
            slots,
        } => {
            body.put_u64(*config_epoch);
            put_fixed(&mut body, node.as_bytes(), NAME_LEN);
            body.put_slice(&slots.to_bitmap());
            (0, 0)
        }
        Body::Module {
            module_id,
            kind,
            payload,
        } => {
            body.put_u64(*module_id);
            body.put_u32(payload.len() as u32);
            body.put_u8(*kind);
            body.put_slice(payload);
            (0, 0)
        }
        Body::Unknown { data, .. } => {
            body.put_slice(data);
            (0, 0)
        }
    };
    let mut mflags = h.mflags;
    if extensions > 0 {
        mflags[0] |= mflags::EXT_DATA;
    }
    let mut out = BytesMut::with_capacity(HEADER_LEN + body.len());
    out.put_slice(b"RCmb");
    out.put_u32((HEADER_LEN + body.len()) as u32);
    out.put_u16(PROTO_VER);
    out.put_u16(h.port);
    out.put_u16(msg.body.kind());
    out.put_u16(count);
    out.put_u64(h.current_epoch);
    out.put_u64(h.config_epoch);
    out.put_u64(h.offset);
    put_fixed(&mut out, h.sender.as_bytes(), NAME_LEN);
    out.put_slice(&h.slots.to_bitmap());
    put_fixed(
        &mut out,
        h.slaveof.as_deref().unwrap_or("").as_bytes(),
        NAME_LEN,
    );
    put_fixed(
        &mut out,
        &h.myip.as_bytes()[..h.myip.len().min(IP_LEN - 1)],
        IP_LEN,
    );
    out.put_u16(extensions);
    out.put_bytes(0, 30);
    out.put_u16(h.pport);
    out.put_u16(h.cport);
    out.put_u16(h.flags);
    out.put_u8(h.state);
    out.put_slice(&mflags);
    debug_assert_eq!(out.len(), HEADER_LEN);
    out.put_slice(&body);
    out.to_vec()
}

/// A node name: 40 hex characters, as every server generates them.
fn get_name(buf: &mut &[u8]) -> Result<NodeId, DecodeError> {
    let name = NodeId::try_from(&buf[..NAME_LEN]).map_err(|_| DecodeError::BadName)?;
    buf.advance(NAME_LEN);
    Ok(name)
}

/// An IP field: NUL-padded ASCII; the last byte is always treated as the terminator, as
/// Redis does with announced IPs ("we are not sure the input is sane").
fn get_ip(buf: &mut &[u8]) -> String {
    let raw = &buf[..IP_LEN - 1];
    let end = raw.iter().position(|b| *b == 0).unwrap_or(raw.len());
    let text = raw[..end]
        .iter()
        .map(|&b| if b.is_ascii() { b as char } else { '?' })
        .collect();
    buf.advance(IP_LEN);
    text
}

fn get_bitmap(buf: &mut &[u8]) -> SlotSet {
    let mut bitmap = [0u8; 2048];
    bitmap.copy_from_slice(&buf[..2048]);
    buf.advance(2048);
    SlotSet::from_bitmap(&bitmap)
}

fn expect_len(kind: u16, got: usize, want: usize) -> Result<(), DecodeError> {
    if got == want {
        Ok(())
    } else {
        Err(DecodeError::Length {
            kind: types::name(kind),
            got,
            want,
        })
    }
}

/// Decodes one whole frame (as returned by [`FrameReader::next_frame`]). The length
/// checks are those of `clusterProcessPacket`: the total length must equal what the
/// type and its counts imply.
pub fn decode(frame: &[u8]) -> Result<Message, DecodeError> {
    if frame.len() < HEADER_LEN {
        return Err(DecodeError::Short(frame.len()));
    }
    let mut buf = frame;
    if &buf[..4] != b"RCmb" {
        return Err(DecodeError::BadSignature);
    }
    buf.advance(4);
    let totlen = buf.get_u32() as usize;
    expect_len(u16::MAX, frame.len(), totlen)?;
    let ver = buf.get_u16();
    if ver != PROTO_VER {
        return Err(DecodeError::Version(ver));
    }
    let port = buf.get_u16();
    let kind = buf.get_u16();
    let count = buf.get_u16() as usize;
    let current_epoch = buf.get_u64();
    let config_epoch = buf.get_u64();
    let offset = buf.get_u64();
    let sender = get_name(&mut buf)?;
    let slots = get_bitmap(&mut buf);
    let slaveof = if buf[..NAME_LEN].iter().all(|b| *b == 0) {
        buf.advance(NAME_LEN);
        None
    } else {
        Some(get_name(&mut buf)?)
    };
    let myip = get_ip(&mut buf);
    let extensions = buf.get_u16() as usize;
    buf.advance(30);
    let pport = buf.get_u16();
    let cport = buf.get_u16();
    let flags = buf.get_u16();
    let state = buf.get_u8();
    let mut mflags = [0u8; 3];
    buf.copy_to_slice(&mut mflags);
    let header = Header {
        port,
        current_epoch,
        config_epoch,
        offset,
        sender,
        slots,
        slaveof,
        myip,
        pport,
        cport,
        flags,
        state,
        mflags,
    };
    let body_len = buf.len();
    let body = match kind {
        types::PING | types::PONG | types::MEET => {
            let ping = decode_ping_body(buf, count, extensions, mflags[0])?;
            match kind {
                types::PING => Body::Ping(ping),
                types::PONG => Body::Pong(ping),
                _ => Body::Meet(ping),
            }
        }
        types::FAIL => {
            expect_len(kind, body_len, NAME_LEN)?;
            Body::Fail {
                node: get_name(&mut buf)?,
            }
        }
        types::PUBLISH | types::PUBLISHSHARD => {
            if body_len < 8 {
                expect_len(kind, body_len, 8)?;
            }
            let channel_len = buf.get_u32() as usize;
            let message_len = buf.get_u32() as usize;
            expect_len(
                kind,
                body_len,
                8usize
                    .saturating_add(channel_len)
                    .saturating_add(message_len),
            )?;
            let channel = buf[..channel_len].to_vec();
            let message = buf[channel_len..].to_vec();
            if kind == types::PUBLISH {
                Body::Publish { channel, message }
            } else {
                Body::PublishShard { channel, message }
            }
        }
        types::FAILOVER_AUTH_REQUEST | types::FAILOVER_AUTH_ACK | types::MFSTART => {
            expect_len(kind, body_len, 0)?;
            match kind {
                types::FAILOVER_AUTH_REQUEST => Body::FailoverAuthRequest,
                types::FAILOVER_AUTH_ACK => Body::FailoverAuthAck,
                _ => Body::MfStart,
            }
        }
        types::UPDATE => {
            expect_len(kind, body_len, UPDATE_BODY_LEN)?;
            let config_epoch = buf.get_u64();
            let node = get_name(&mut buf)?;
            let slots = get_bitmap(&mut buf);
            Body::Update {
                config_epoch,
                node,
                slots,
            }
        }
        types::MODULE => {
            if body_len < 13 {
                expect_len(kind, body_len, 13)?;
            }
            let module_id = buf.get_u64();
            let len = buf.get_u32() as usize;
            let kind_byte = buf.get_u8();
            expect_len(kind, body_len, 13usize.saturating_add(len))?;
            Body::Module {
                module_id,
                kind: kind_byte,
                payload: buf.to_vec(),
            }
        }
        _ => Body::Unknown {
            kind,
            data: buf.to_vec(),
        },
    };
    Ok(Message { header, body })
}

/// Gossip entries, then extensions. Extensions are read only when the sender set
/// EXT_DATA; each must be 8-byte aligned and fit in the message.
fn decode_ping_body(
    mut buf: &[u8],
    count: usize,
    extensions: usize,
    mflags0: u8,
) -> Result<PingBody, DecodeError> {
    let gossip_len = count * GOSSIP_LEN;
    if buf.len() < gossip_len {
        return Err(DecodeError::Length {
            kind: "ping",
            got: HEADER_LEN + buf.len(),
            want: HEADER_LEN + gossip_len,
        });
    }
    let mut body = PingBody::default();
    for _ in 0..count {
        let name = get_name(&mut buf)?;
        let ping_sent = buf.get_u32();
        let pong_received = buf.get_u32();
        let ip = get_ip(&mut buf);
        let port = buf.get_u16();
        let cport = buf.get_u16();
        let flags = buf.get_u16();
        let pport = buf.get_u16();
        buf.advance(2);
        body.gossip.push(GossipEntry {
            name,
            ping_sent,
            pong_received,
            ip,
            port,
            cport,
            flags,
            pport,
        });
    }
    if mflags0 & mflags::EXT_DATA != 0 {
        for _ in 0..extensions {
            if buf.len() < 8 {
                return Err(DecodeError::Extension(buf.len() as u32));
            }
            let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
            let kind = u16::from_be_bytes([buf[4], buf[5]]);
            if !len.is_multiple_of(8) || len < 8 || len as usize > buf.len() {
                return Err(DecodeError::Extension(len));
            }
            let data = &buf[8..len as usize];
            body.extensions.push(if kind == ext_types::HOSTNAME {
                let end = data.iter().position(|b| *b == 0).unwrap_or(data.len());
                Extension::Hostname(String::from_utf8_lossy(&data[..end]).into_owned())
            } else {
                Extension::Unknown {
                    kind,
                    data: data.to_vec(),
                }
            });
            buf.advance(len as usize);
        }
    }
    if !buf.is_empty() {
        return Err(DecodeError::Length {
            kind: "ping",
            got: HEADER_LEN + gossip_len + buf.len(),
            want: HEADER_LEN + gossip_len,
        });
    }
    Ok(body)
}

#[cfg(test)]
mod tests;
