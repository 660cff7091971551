//! Byte-level tests of the bus codec.

use super::*;

const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1";
const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2";

fn id(text: &str) -> NodeId {
    text.parse().unwrap()
}

fn header() -> Header {
    let mut h = Header::new(id(A));
    h.port = 7000;
    h.cport = 17000;
    h.current_epoch = 0x0102030405060708;
    h.config_epoch = 5;
    h.offset = 99;
    h.slots = SlotSet::range(0, 9);
    h.slots.insert(16383);
    h.slaveof = Some(id(B));
    h.myip = "127.0.0.1".into();
    h.flags = flags::SLAVE;
    h.state = 1;
    h
}

fn gossip() -> GossipEntry {
    GossipEntry {
        name: id(B),
        ping_sent: 1,
        pong_received: 2,
        ip: "10.0.0.2".into(),
        port: 7001,
        cport: 17001,
        flags: flags::MASTER | flags::PFAIL,
        pport: 0,
    }
}

#[test]
fn header_fields_sit_at_redis_offsets() {
    let bytes = encode(&Message {
        header: header(),
        body: Body::Ping(PingBody::default()),
    });
    assert_eq!(bytes.len(), HEADER_LEN);
    assert_eq!(&bytes[0..4], b"RCmb");
    assert_eq!(&bytes[4..8], &(HEADER_LEN as u32).to_be_bytes());
    assert_eq!(&bytes[8..10], &[0, 1]);
    assert_eq!(&bytes[10..12], &7000u16.to_be_bytes());
    assert_eq!(&bytes[12..14], &[0, 0]); // PING
    assert_eq!(&bytes[14..16], &[0, 0]); // count
    assert_eq!(&bytes[16..24], &[1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(&bytes[24..32], &5u64.to_be_bytes());
    assert_eq!(&bytes[32..40], &99u64.to_be_bytes());
    assert_eq!(&bytes[40..80], A.as_bytes());
    // Slots 0-9: byte 0 = 0xff, byte 1 = 0b11; slot 16383 is the top bit of the last byte.
    assert_eq!(bytes[80], 0xff);
    assert_eq!(bytes[81], 0x03);
    assert_eq!(bytes[82], 0);
    assert_eq!(bytes[80 + 2047], 0x80);
    assert_eq!(&bytes[2128..2168], B.as_bytes());
    assert_eq!(&bytes[2168..2177], b"127.0.0.1");
    assert!(bytes[2177..2214].iter().all(|b| *b == 0));
    assert_eq!(&bytes[2214..2216], &[0, 0]);
    assert!(bytes[2216..2246].iter().all(|b| *b == 0));
    assert_eq!(&bytes[2246..2248], &[0, 0]);
    assert_eq!(&bytes[2248..2250], &17000u16.to_be_bytes());
    assert_eq!(&bytes[2250..2252], &[0, 2]);
    assert_eq!(bytes[2252], 1);
    assert_eq!(&bytes[2253..2256], &[0, 0, 0]);
}

#[test]
fn gossip_entry_and_hostname_extension_layout() {
    let msg = Message {
        header: Header::new(id(A)),
        body: Body::Meet(PingBody {
            gossip: vec![gossip()],
            extensions: vec![Extension::Hostname("host-1".into())],
        }),
    };
    let bytes = encode(&msg);
    assert_eq!(bytes.len(), HEADER_LEN + GOSSIP_LEN + 16);
    assert_eq!(&bytes[12..14], &[0, 2]); // MEET
    assert_eq!(&bytes[14..16], &[0, 1]); // one gossip entry
    assert_eq!(&bytes[2214..2216], &[0, 1]); // one extension
    assert_eq!(bytes[2253], mflags::EXT_DATA);
    let g = &bytes[HEADER_LEN..HEADER_LEN + GOSSIP_LEN];
    assert_eq!(&g[0..40], B.as_bytes());
    assert_eq!(&g[40..44], &[0, 0, 0, 1]);
    assert_eq!(&g[44..48], &[0, 0, 0, 2]);
    assert_eq!(&g[48..56], b"10.0.0.2");
    assert_eq!(&g[94..96], &7001u16.to_be_bytes());
    assert_eq!(&g[96..98], &17001u16.to_be_bytes());
    assert_eq!(&g[98..100], &[0, 5]);
    assert_eq!(&g[100..104], &[0, 0, 0, 0]);
    let e = &bytes[HEADER_LEN + GOSSIP_LEN..];
    assert_eq!(&e[0..4], &[0, 0, 0, 16]); // 8 + align8("host-1\0")
    assert_eq!(&e[4..8], &[0, 0, 0, 0]);
    assert_eq!(&e[8..16], b"host-1\0\0");
    let mut want = msg;
    want.header.mflags[0] = mflags::EXT_DATA;
    assert_eq!(decode(&bytes).unwrap(), want);
}

#[test]
fn every_type_round_trips() {
    let bodies = vec![
        Body::Ping(PingBody {
            gossip: vec![gossip(), gossip()],
            extensions: vec![],
        }),
        Body::Pong(PingBody {
            gossip: vec![],
            extensions: vec![
                Extension::Unknown {
                    kind: 3,
                    data: vec![7; 40],
                },
                Extension::Hostname("h".into()),
            ],
        }),
        Body::Meet(PingBody::default()),
        Body::Fail { node: id(B) },
        Body::Publish {
            channel: b"chan".to_vec(),
            message: b"hello".to_vec(),
        },
        Body::PublishShard {
            channel: b"c".to_vec(),
            message: vec![],
        },
        Body::FailoverAuthRequest,
        Body::FailoverAuthAck,
        Body::Update {
            config_epoch: 42,
            node: id(B),
            slots: SlotSet::range(100, 200),
        },
        Body::MfStart,
        Body::Module {
            module_id: 7,
            kind: 3,
            payload: b"xyz".to_vec(),
        },
        Body::Unknown {
            kind: 77,
            data: vec![1, 2, 3],
        },
    ];
    for body in bodies {
        let msg = Message {
            header: header(),
            body,
        };
        let bytes = encode(&msg);
        assert_eq!(frame_len(&bytes).unwrap(), Some(bytes.len()));
        let back = decode(&bytes).unwrap();
        let mut want = msg.clone();
        if want.body.ping().is_some_and(|p| !p.extensions.is_empty()) {
            want.header.mflags[0] |= mflags::EXT_DATA;
        }
        assert_eq!(back, want);
    }
}

#[test]
fn fixed_body_sizes_match_redis() {
    let len = |body| {
        encode(&Message {
            header: Header::new(id(A)),
            body,
        })
        .len()
    };
    assert_eq!(len(Body::Fail { node: id(B) }), 2296);
    assert_eq!(
        len(Body::Update {
            config_epoch: 1,
            node: id(B),
            slots: SlotSet::new()
        }),
        4352
    );
    assert_eq!(
        len(Body::Publish {
            channel: b"ab".to_vec(),
            message: b"cde".to_vec()
        }),
        2256 + 8 + 5
    );
    assert_eq!(
        len(Body::Module {
            module_id: 1,
            kind: 1,
            payload: b"pp".to_vec()
        }),
        2256 + 13 + 2
    );
}

#[test]
fn framing_rejects_bad_signature_and_length() {
    assert_eq!(frame_len(b"RCmb"), Ok(None));
    assert_eq!(frame_len(b"XXmb\0\0\x10\0"), Err(FrameError::BadSignature));
    assert_eq!(frame_len(b"RCmb\0\0\0\x10"), Err(FrameError::BadLength(16)));
    assert_eq!(
        frame_len(b"RCmb\xff\xff\xff\xff"),
        Err(FrameError::BadLength(u32::MAX))
    );
}

#[test]
fn reader_splits_frames_across_reads() {
    let one = encode(&Message {
        header: header(),
        body: Body::Fail { node: id(B) },
    });
    let two = encode(&Message {
        header: header(),
        body: Body::MfStart,
    });
    let mut all = one.clone();
    all.extend_from_slice(&two);
    let mut reader = FrameReader::new();
    let mut frames = Vec::new();
    for chunk in all.chunks(7) {
        reader.extend(chunk);
        while let Some(frame) = reader.next_frame().unwrap() {
            frames.push(frame.to_vec());
        }
    }
    assert_eq!(frames, vec![one, two]);
}

#[test]
fn bad_bodies_are_errors_not_panics() {
    let ok = encode(&Message {
        header: header(),
        body: Body::Ping(PingBody {
            gossip: vec![gossip()],
            extensions: vec![Extension::Hostname("x".into())],
        }),
    });
    // Every truncation and every single-byte corruption decodes or errors, never panics.
    for cut in 0..ok.len() {
        let _ = decode(&ok[..cut]);
    }
    for i in 0..ok.len() {
        let mut bad = ok.clone();
        bad[i] ^= 0xff;
        let _ = decode(&bad);
    }
    // Wrong version.
    let mut bad = ok.clone();
    bad[9] = 2;
    assert_eq!(decode(&bad), Err(DecodeError::Version(2)));
    // A gossip count larger than the body.
    let mut bad = ok.clone();
    bad[15] = 9;
    assert!(matches!(decode(&bad), Err(DecodeError::Length { .. })));
    // An extension length that is not 8-aligned.
    let mut bad = ok.clone();
    bad[HEADER_LEN + GOSSIP_LEN + 3] = 9;
    assert!(matches!(decode(&bad), Err(DecodeError::Extension(9))));
    // A FAIL with a short body.
    let mut fail = encode(&Message {
        header: header(),
        body: Body::Fail { node: id(B) },
    });
    fail.truncate(HEADER_LEN + 10);
    fail[4..8].copy_from_slice(&((HEADER_LEN + 10) as u32).to_be_bytes());
    assert!(matches!(decode(&fail), Err(DecodeError::Length { .. })));
    // A PUBLISH whose lengths overflow.
    let mut publish = encode(&Message {
        header: header(),
        body: Body::Publish {
            channel: vec![],
            message: vec![],
        },
    });
    publish[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(decode(&publish), Err(DecodeError::Length { .. })));
}

#[test]
fn a_name_that_is_not_a_node_id_is_refused() {
    let good = encode(&Message {
        header: header(),
        body: Body::Ping(PingBody::default()),
    });
    assert!(decode(&good).is_ok());
    // Printable but not lowercase hex (the sender), and a non-ASCII byte (its master).
    for (at, byte) in [(40, b'Z'), (2128, 0xc3)] {
        let mut bad = good.clone();
        bad[at] = byte;
        assert_eq!(decode(&bad), Err(DecodeError::BadName), "byte {at}");
    }
}
