#!/usr/bin/env python3
"""Writes the seed corpora of the udptl and rtp_rtcp fuzz targets.

Each seed is one or more datagrams separated by b"@@@@", built here by hand
from the RFC/ITU layouts (independently of the Rust encoders).
sip/tests/media_fuzz_seeds.rs replays every seed through the targets'
checks. Run from fuzz/. Seeds named regress-* are inputs the fuzzer found
(kept by hand, not written here).
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SEP = b"@@@@"


def write(target, seeds):
    out = os.path.join(HERE, "corpus", target)
    os.makedirs(out, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


def open_type(b):
    assert len(b) < 0x4000
    return (bytes([len(b)]) if len(b) < 0x80 else struct.pack(">H", 0x8000 | len(b))) + b


def udptl_red(seq, primary, secondaries):
    return struct.pack(">H", seq) + open_type(primary) + b"\x00" + bytes([len(secondaries)]) + b"".join(
        open_type(s) for s in secondaries)


def udptl_fec(seq, primary, span, entries):
    return struct.pack(">H", seq) + open_type(primary) + b"\x80\x01" + bytes([span, len(entries)]) + b"".join(
        open_type(e) for e in entries)


CNG = b"\x02"
CED = b"\x04"
V21_PREAMBLE = b"\x06"
NO_SIGNAL = b"\x00"
# t30-data v21, one HDLC-data field (v1+ layout) and an FCS-OK-sig-end.
DCS = b"\xc0\x02\x80\x00\x02\xff\x13\x83" + b"\x20"
DCS_V0 = b"\xc0\x02\x80\x00\x02\xff\x13\x83" + b"\x40"
V17_DATA = b"\xd0\x01\xb0\x00\x07" + bytes(range(8))
V34_IND = b"\x20\x40"  # extended indicator (v1+)

udptl = {
    "redundancy-call-start": SEP.join([
        udptl_red(0, CNG, []),
        udptl_red(1, CED, [CNG]),
        udptl_red(2, V21_PREAMBLE, [CED, CNG]),
        udptl_red(3, DCS, [V21_PREAMBLE, CED, CNG]),
        udptl_red(5, V17_DATA, [V17_DATA, DCS]),
    ]),
    "redundancy-v0-fields": SEP.join([udptl_red(10, DCS_V0, []), udptl_red(11, NO_SIGNAL, [DCS_V0])]),
    "fec-wind-up": SEP.join([
        udptl_fec(0, CNG, 0, []),
        udptl_fec(1, CED, 0, []),
        udptl_fec(2, V21_PREAMBLE, 2, [CNG]),
        udptl_fec(4, DCS, 2, [bytes(a ^ b for a, b in zip(CED + b"\0" * 8, V21_PREAMBLE + b"\0" * 8))[:1], CED]),
        udptl_fec(5, NO_SIGNAL, 2, [V21_PREAMBLE, DCS]),
    ]),
    "sequence-wrap": SEP.join([udptl_red(65534, CNG, []), udptl_red(65535, CNG, [CNG]), udptl_red(1, CED, [CED, CNG])]),
    "sequence-restart": SEP.join([udptl_red(100, CNG, []), udptl_red(30000, CED, [])]),
    "duplicates-and-reorder": SEP.join([
        udptl_red(7, CED, [CNG]), udptl_red(7, CED, [CNG]), udptl_red(9, NO_SIGNAL, []), udptl_red(8, V34_IND, [CED])]),
    "long-primary-two-octet-length": udptl_red(3, b"\xd0\x01\xb0\x00\xc7" + bytes(200), []),
    "trailing-garbage": udptl_red(1, CNG, []) + b"\x00",
    "empty-primary": struct.pack(">H", 1) + b"\x00\x00\x00",
    "fragmented-length": struct.pack(">H", 1) + b"\xc1" + bytes(20),
    "too-many-secondaries": struct.pack(">H", 1) + open_type(CNG) + b"\x00\x7f" + b"\x01\x02" * 10,
}


def rtp(pt, seq, ts, ssrc, payload, marker=False, csrcs=(), ext=None, pad=0):
    b0 = 0x80 | (0x20 if pad else 0) | (0x10 if ext is not None else 0) | len(csrcs)
    h = struct.pack(">BBHII", b0, (0x80 if marker else 0) | pt, seq, ts, ssrc)
    h += b"".join(struct.pack(">I", c) for c in csrcs)
    if ext is not None:
        h += struct.pack(">HH", 0xBEDE, len(ext) // 4) + ext
    body = h + payload
    if pad:
        body += bytes(pad - 1) + bytes([pad])
    return body


def event(ev, end, vol, dur):
    return struct.pack(">BBH", ev, (0x80 if end else 0) | vol, dur)


def rtcp_hdr(count, pt, body, pad=0):
    n = len(body) + pad
    assert n % 4 == 0
    b = struct.pack(">BBH", 0x80 | (0x20 if pad else 0) | count, pt, n // 4) + body
    if pad:
        b += bytes(pad - 1) + bytes([pad])
    return b


def sdes(ssrc, cname):
    chunk = struct.pack(">I", ssrc) + bytes([1, len(cname)]) + cname + b"\0"
    chunk += bytes((-len(chunk)) % 4)
    return rtcp_hdr(1, 202, chunk)


block = struct.pack(">IIIIII", 0x1111, (25 << 24) | 3, 0x1_0010, 40, 0x12345678, 65536)
sr = rtcp_hdr(1, 200, struct.pack(">IQIII", 0x2222, 0xE8000000_00000000, 160, 50, 8000) + block)
rr = rtcp_hdr(1, 201, struct.pack(">I", 0x2222) + block)
bye = rtcp_hdr(1, 203, struct.pack(">I", 0x2222) + b"\x04done\0\0\0")
stun = struct.pack(">HHI", 0x0001, 0, 0x2112A442) + bytes(12)

voice = [rtp(8, 100 + i, 1000 + 160 * i, 0xAA, b"\xd5" * 160, marker=(i == 0)) for i in range(6)]
rtp_rtcp = {
    "voice-pcma": SEP.join(voice),
    "voice-pcmu-reordered-dup": SEP.join([
        rtp(0, 5, 800, 1, b"\xff" * 160), rtp(0, 7, 1120, 1, b"\xff" * 160),
        rtp(0, 6, 960, 1, b"\xff" * 160), rtp(0, 6, 960, 1, b"\xff" * 160)]),
    "ssrc-change": SEP.join(voice[:3] + [rtp(8, 9000, 77, 0xBB, b"\xd5" * 160, marker=True)]),
    "dtmf-other-ssrc-end-x3": SEP.join(voice[:2] + [
        rtp(101, 500, 4000, 0xEE, event(5, False, 10, 160), marker=True),
        rtp(101, 501, 4000, 0xEE, event(5, False, 10, 320)),
        rtp(101, 502, 4000, 0xEE, event(5, True, 10, 480)),
        rtp(101, 502, 4000, 0xEE, event(5, True, 10, 480)),
        rtp(101, 502, 4000, 0xEE, event(5, True, 10, 480))]),
    "stun-on-rtp-port": SEP.join([stun, voice[0], stun]),
    "csrc-ext-padding": rtp(8, 1, 2, 3, b"\xd5" * 160, csrcs=(7, 8), ext=b"\x10\x01\x02\x03", pad=4),
    "rtcp-sr-sdes": sr + sdes(0x2222, b"fax@gw.test"),
    "rtcp-rr-sdes-bye": rr + sdes(0x2222, b"x") + bye,
    "rtcp-padded-last": rr + rtcp_hdr(0, 203, b"", pad=4),
    "rtcp-bad-length": struct.pack(">BBH", 0x81, 201, 200) + bytes(8),
    "timestamp-jump": SEP.join([voice[0], rtp(8, 101, 0x8000_0000, 0xAA, b"\xd5" * 160)]),
    "truncated": voice[0][:11],
}

write("udptl", udptl)
write("rtp_rtcp", rtp_rtcp)
