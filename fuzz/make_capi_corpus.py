#!/usr/bin/env python3
"""Writes the seed corpus of the capi_message fuzz target.

A seed is what a CAPI 2.0 controller (or a remote-CAPI router) sends an
application: messages (COMMON-ISDN-API 2.0 part I: an 8-octet header,
length / app id / command / subcommand / message number, little-endian,
then the parameters, structs with a length octet or 0xff and a 16-bit
length), one after the other, a DATA_B3_IND with its data behind it.
Built here from the specification, independently of line-drivers' codec;
then truncated and corrupted variants (bad-*). Seeds named regress-* are
inputs the fuzzer found. line-drivers/tests/capi_fuzz_seeds.rs replays
every seed through the target's checks and pins what the named ones give.
Run from anywhere.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
REQ, CONF, IND, RESP = 0x80, 0x81, 0x82, 0x83


def w(v):
    return struct.pack("<H", v)


def d(v):
    return struct.pack("<I", v)


def s(content=b""):
    if len(content) < 255:
        return bytes([len(content)]) + content
    return b"\xff" + w(len(content)) + content


def msg(cmd, sub, num, params, app=1):
    return w(8 + len(params)) + w(app) + bytes([cmd, sub]) + w(num) + params


def write(name, octets):
    out = os.path.join(HERE, "corpus", "capi_message")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name), "wb") as f:
        f.write(octets)


PLCI, NCCI = 0x0101, 0x00010101
additional = s(s(b"\x00\x00") + s() + s() + s() + s())
connect_ind = msg(0x02, IND, 0x8001,
                  d(PLCI) + w(16) + s(b"\xc1" + b"4712") + s(b"\x21\x83" + b"3098765")
                  + s() + s() + s(b"\x80\x90\xa3") + s() + s(b"\x91\x84") + additional)
listen_conf = msg(0x05, CONF, 1, d(1) + w(0))
connect_active = msg(0x03, IND, 0x8002, d(PLCI) + s(b"\x01\x80" + b"4712") + s() + s())
b3_ind = msg(0x82, IND, 0x8003, d(NCCI) + s())
b3_active = msg(0x83, IND, 0x8004, d(NCCI) + s())
data = bytes(range(256))[:160]
data_ind = msg(0x86, IND, 0x8005, d(NCCI) + d(0) + w(len(data)) + w(3) + w(0) + struct.pack("<Q", 0)) + data
data_ind32 = msg(0x86, IND, 0x8006, d(NCCI) + d(0) + w(len(data)) + w(4) + w(0)) + data
data_conf = msg(0x86, CONF, 7, d(NCCI) + w(7) + w(0))
dtmf_ind = msg(0x80, IND, 0x8007, d(PLCI) + w(1) + s(b"5#"))
dtmf_conf = msg(0x80, CONF, 8, d(PLCI) + w(0) + w(1) + s(w(0)))
info_ind = msg(0x08, IND, 0x8008, d(PLCI) + w(0x0018) + s(b"\xa9\x83\x81"))
disc_b3 = msg(0x84, IND, 0x8009, d(NCCI) + w(0x3311) + s())
disc_ind = msg(0x04, IND, 0x800a, d(PLCI) + w(0x3490))
connect_req = msg(0x02, REQ, 2,
                  d(1) + w(4) + s(b"\x81" + b"0301234567") + s(b"\x01\x80" + b"4711") + s() + s()
                  + s(w(1) + w(1) + w(0) + s() + s() + s() + s()) + s() + s() + s() + s())

write("connect-ind", connect_ind)
write("incoming-call", listen_conf + connect_ind + connect_active + b3_ind + b3_active
      + data_ind + data_ind + dtmf_ind + disc_b3 + disc_ind)
write("outgoing-call", connect_req + msg(0x02, CONF, 2, d(PLCI) + w(0))
      + connect_active + msg(0x82, CONF, 3, d(NCCI) + w(0)) + b3_active + data_conf + dtmf_conf)
write("data-b3-ind-32bit", data_ind32)
write("info-ind", info_ind)
write("connect-req", connect_req)
write("long-struct", msg(0x84, IND, 1, d(NCCI) + w(0) + s(bytes(300))))
# Broken: a struct longer than its message, a length below the header,
# a length that overruns, an unknown command, a number with a control
# character, a calling number without its presentation octet, a B
# protocol cut inside, a header cut short.
write("bad-struct-overrun", msg(0x82, IND, 1, d(NCCI) + b"\x09\x01\x02"))
write("bad-length-short", w(6) + w(1) + bytes([0x04, IND]) + w(1))
write("bad-length-huge", w(0xfff0) + w(1) + bytes([0x04, IND]) + w(1) + d(PLCI) + w(0x3490))
write("bad-unknown-command", msg(0x41, CONF, 1, d(PLCI) + w(0)))
write("bad-number-control-char", msg(0x02, IND, 1, d(PLCI) + w(16) + s(b"\xc1" + b"47\x0712")
                                     + s() + s() + s() + s() + s() + s() + s()))
write("bad-calling-one-octet", msg(0x02, IND, 1, d(PLCI) + w(16) + s(b"\xc1" + b"4712")
                                   + s(b"\x21") + s() + s() + s() + s() + s() + s()))
write("bad-bprotocol-cut", msg(0x02, REQ, 1, d(1) + w(4) + s() + s() + s() + s() + s(w(1) + w(1))
                               + s() + s() + s() + s()))
write("truncated-header", connect_ind[:5])
write("truncated-data-ind", data_ind[:20])

# Remote CAPI (rcapi) frames: a 16-bit big-endian length that counts
# itself, then a message; what libcapi20's rcapi module sends to register
# and ask the profile, and what a router answers.
def frame(payload):
    return struct.pack(">H", len(payload) + 2) + payload


register = frame(w(0) + w(0) + bytes([0xf2, 0xff]) + w(0) + d(0) + w(2048) + w(2) + w(7) + w(2048) + b"\x02")
profile_req = frame(w(0) + w(0) + bytes([0xe0, 0xff]) + w(0) + d(1))
profile = w(1) + w(2) + d(9) + d(3) + d(2) + d(1) + bytes(40)
profile_conf = frame(w(8 + 66) + w(0) + bytes([0xe1, 0xff]) + w(0) + w(0) + profile)
write("rcapi-session", register + frame(w(10) + w(0) + bytes([0xf3, 0xff]) + w(0) + w(0))
      + profile_req + profile_conf + frame(connect_ind) + frame(data_ind))
write("bad-rcapi-length", b"\xff\xff" + register)
