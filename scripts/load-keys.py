#!/usr/bin/env python3
"""Loads N keys (`key:<i>`, values of a fixed size derived from i) into a cluster, each key
sent straight to the master serving its slot, pipelined. No dependencies beyond Python 3.

usage: load-keys.py HOST:PORT COUNT [VALUE_SIZE [TTL]]
With TTL (seconds), every other key (the even ones) is written with that expiry."""
import socket
import sys


def crc16(data: bytes) -> int:
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


TABLE = [crc16(bytes([i])) for i in range(256)]


def slot(key: bytes) -> int:
    crc = 0
    for b in key:
        crc = ((crc << 8) & 0xFFFF) ^ TABLE[((crc >> 8) ^ b) & 0xFF]
    return crc % 16384


def resp(*args: bytes) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def read_reply(f):
    line = f.readline()
    kind, rest = line[:1], line[1:-2]
    if kind in (b"+", b"-", b":"):
        if kind == b"-":
            raise RuntimeError(rest.decode())
        return rest
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2]
    if kind == b"*":
        return [read_reply(f) for _ in range(int(rest))]
    raise RuntimeError("bad reply %r" % line)


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    count = int(sys.argv[2])
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    ttl = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    seed = socket.create_connection((host, int(port)))
    f = seed.makefile("rb")
    seed.sendall(resp(b"CLUSTER", b"SLOTS"))
    owner = [None] * 16384
    for r in read_reply(f):
        start, end, master = int(r[0]), int(r[1]), r[2]
        for s in range(start, end + 1):
            owner[s] = (master[0].decode(), int(master[1]))
    batches = {}
    for i in range(count):
        key = b"key:%d" % i
        value = (b"v%d-" % i).ljust(size, b"x")[:size]
        if ttl and i % 2 == 0:
            cmd = resp(b"SET", key, value, b"EX", b"%d" % ttl)
        else:
            cmd = resp(b"SET", key, value)
        batches.setdefault(owner[slot(key)], []).append(cmd)
    for (h, p), cmds in batches.items():
        s = socket.create_connection((h, p))
        rf = s.makefile("rb")
        for i in range(0, len(cmds), 5000):
            chunk = cmds[i:i + 5000]
            s.sendall(b"".join(chunk))
            for _ in chunk:
                read_reply(rf)
        s.close()


if __name__ == "__main__":
    main()
