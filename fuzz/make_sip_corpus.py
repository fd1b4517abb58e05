#!/usr/bin/env python3
"""Writes the seed corpora of the sip_message and sdp fuzz targets.

Seeds are the messages a trunk exchanges (REGISTER with digest, INVITE with
G.711 and T.38 offers, responses, CANCEL, ACK, BYE, OPTIONS) plus the
quirks and attacks a parser meets: compact and folded headers, several
Vias on one line, a CRLF keep-alive, a lying Content-Length, oversized and
binary input. sip/tests/fuzz_seeds.rs replays every seed through the
targets' checks. Run from fuzz/.
"""
import base64
import os

HERE = os.path.dirname(os.path.abspath(__file__))

def crlf(s):
    return s.replace("\n", "\r\n").encode()

AUDIO_SDP = """v=0
o=ums 1 1 IN IP4 127.0.0.1
s=ums
c=IN IP4 127.0.0.1
t=0 0
m=audio 40000 RTP/AVP 8 0 101
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=ptime:20
a=sendrecv
"""

T38_SDP = """v=0
o=ums 1 2 IN IP4 127.0.0.1
s=ums
c=IN IP4 127.0.0.1
t=0 0
m=audio 0 RTP/AVP 8
m=image 40002 udptl t38
a=T38FaxVersion:0
a=T38MaxBitRate:14400
a=T38FaxFillBitRemoval:0
a=T38FaxRateManagement:transferredTCF
a=T38FaxMaxBuffer:200
a=T38FaxMaxDatagram:400
a=T38FaxUdpEC:t38UDPRedundancy
"""

def msg(start, headers, body=""):
    body_b = crlf(body) if body else b""
    text = start + "\n" + "".join(h + "\n" for h in headers)
    text += "Content-Length: %d\n\n" % len(body_b)
    return crlf(text) + body_b

DIALOG = [
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK776asdhds;rport",
    "Max-Forwards: 70",
    "From: \"Fax\" <sip:fax@127.0.0.1>;tag=1928301774",
    "To: <sip:4930123@trunk.test>",
    "Call-ID: a84b4c76e66710@127.0.0.1",
]

sip = {
    "register": msg("REGISTER sip:reg.test SIP/2.0", DIALOG + ["CSeq: 1 REGISTER", "Contact: <sip:fax@127.0.0.1:5070>", "Expires: 600"]),
    "register-auth": msg("REGISTER sip:reg.test SIP/2.0", DIALOG + ["CSeq: 2 REGISTER", "Contact: <sip:fax@127.0.0.1:5070>",
        'Authorization: Digest username="fax", realm="sipp.test", nonce="123n1x", uri="sip:reg.test", response="0123456789abcdef0123456789abcdef", algorithm=MD5, qop=auth, nc=00000001, cnonce="abcdef"']),
    "401": msg("SIP/2.0 401 Unauthorized", DIALOG[:1] + DIALOG[2:] + ["To: <sip:fax@reg.test>;tag=x", "CSeq: 1 REGISTER",
        'WWW-Authenticate: Digest realm="sipp.test", nonce="123n1x", algorithm=MD5, qop="auth"']),
    "invite-audio": msg("INVITE sip:4930123@trunk.test SIP/2.0", DIALOG + ["CSeq: 1 INVITE", "Contact: <sip:fax@127.0.0.1:5070>", "Content-Type: application/sdp"], AUDIO_SDP),
    "reinvite-t38": msg("INVITE sip:trunk@127.0.0.1:5073 SIP/2.0", DIALOG[:4] + ["To: <sip:4930123@trunk.test>;tag=abc", DIALOG[4], "CSeq: 3 INVITE", "Contact: <sip:fax@127.0.0.1:5070>", "Content-Type: application/sdp"], T38_SDP),
    "200-sdp": msg("SIP/2.0 200 OK", DIALOG[:1] + DIALOG[2:4] + ["To: <sip:4930123@trunk.test>;tag=abc", DIALOG[4], "CSeq: 1 INVITE", "Contact: <sip:trunk@127.0.0.1:5073;transport=UDP>", "Record-Route: <sip:proxy.test;lr>", "Content-Type: application/sdp"], AUDIO_SDP),
    "ack": msg("ACK sip:trunk@127.0.0.1:5073 SIP/2.0", DIALOG[:4] + ["To: <sip:4930123@trunk.test>;tag=abc", DIALOG[4], "CSeq: 1 ACK"]),
    "cancel": msg("CANCEL sip:4930123@trunk.test SIP/2.0", DIALOG + ["CSeq: 1 CANCEL"]),
    "bye": msg("BYE sip:trunk@127.0.0.1:5073 SIP/2.0", DIALOG[:4] + ["To: <sip:4930123@trunk.test>;tag=abc", DIALOG[4], "CSeq: 2 BYE"]),
    "options": msg("OPTIONS sip:trunk.test SIP/2.0", DIALOG + ["CSeq: 9 OPTIONS", "Accept: application/sdp"]),
    "487": msg("SIP/2.0 487 Request Terminated", DIALOG[:1] + DIALOG[2:4] + ["To: <sip:4930123@trunk.test>;tag=z", DIALOG[4], "CSeq: 1 INVITE"]),
    "compact-folded-multivia": crlf("INVITE sip:1@gw SIP/2.0\nv: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa, SIP/2.0/TCP 10.0.0.2;branch=z9hG4bKb\n"
        "f: <sip:a@x>;tag=1\nt: <sip:1@gw>\ni: c1\nCSeq: 1 INVITE\nSubject: a\n  folded\n\tline\nm: <sip:a@10.0.0.1>\nl: 0\n\n"),
    "keepalive": b"\r\n\r\n",
    "no-content-length": crlf("OPTIONS sip:x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:x>\nCall-ID: c\nCSeq: 1 OPTIONS\n\nbody without length"),
    "lying-content-length": crlf("OPTIONS sip:x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:x>\nCall-ID: c\nCSeq: 1 OPTIONS\nContent-Length: 99999999999999999999\n\n"),
    "two-content-lengths": crlf("OPTIONS sip:x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:x>\nCall-ID: c\nCSeq: 1 OPTIONS\nContent-Length: 0\nContent-Length: 5\n\nhello"),
    "missing-cseq": crlf("BYE sip:x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:x>;tag=2\nCall-ID: c\nContent-Length: 0\n\n"),
    "bad-cseq": crlf("BYE sip:x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:x>;tag=2\nCall-ID: c\nCSeq: -1 BYE x\nContent-Length: 0\n\n"),
    "unknown-method": crlf("FROB sip:x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:x>\nCall-ID: c\nCSeq: 1 FROB\nContent-Length: 0\n\n"),
    "binary": bytes(range(256)),
    "huge-header": crlf("OPTIONS sip:x SIP/2.0\nX-Pad: " + "a" * 70000 + "\n\n"),
    "nul-in-header": b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\x00\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
    # Found by the fuzzer: rsip's error text quoting multi-byte UTF-8 was cut mid-character.
    "crash-error-text-utf8": base64.b64decode(
        "Q0FOQ0VMIHNpcDo0OTMwMTIzQHRydW5rLnRlczEyM0B0cnVuay50RXN0Pg0KQ2FsbC1JRDogYTg0YjRjNzYNCg0KMTBAMTI3LjAuMC4x"
        "ycnJycnJycnJycnJyclJTlbr6+vr6+vr6+vr67i4uLi4uLi4uLi4uLi4uLi4uLi4uLhTSVAvuAEAAAAAAABc6+Lr6+vr6+vr6+vr6+vr"
        "9Ovr6+vr6+vr6+vr6+vr6+vr6+tpYevrMzAxMjOjdHJ1bmsudGVzdD4NCkNhbGwtSUQ6IGE4NGI0Yzc2ZTY2NzEwQDEyNy4wLjAuMUlOVklUDQ=="),
}

sdp = {
    "audio": crlf(AUDIO_SDP),
    "t38": crlf(T38_SDP),
    "t38-fec-v3-lf-only": ("v=0\no=- 2 3 IN IP4 198.51.100.7\ns=-\nc=IN IP4 198.51.100.7\nt=0 0\nm=image 30002 udptl t38\n"
        "a=T38FaxVersion:3\na=T38MaxBitRate:33600\na=T38FaxFillBitRemoval\na=T38FaxRateManagement:localTCF\n"
        "a=T38FaxMaxBuffer:2000\na=T38FaxMaxDatagram:1400\na=T38FaxUdpEC:t38UDPFEC\n").encode(),
    "audio-and-image": crlf(AUDIO_SDP + T38_SDP.split("t=0 0\n", 1)[1]),
    "g729-sendonly-ipv6": crlf("v=0\no=p 1 1 IN IP6 2001:db8::1\ns=-\nc=IN IP6 2001:db8::1\nt=0 0\nm=audio 30000 RTP/AVP 18 0 96\n"
        "a=rtpmap:18 G729/8000\na=rtpmap:96 telephone-event/8000\na=fmtp:96 0-16\na=sendonly\n"),
    "rejected-image": crlf("v=0\no=p 1 2 IN IP4 1.2.3.4\ns=-\nc=IN IP4 1.2.3.4\nt=0 0\nm=image 0 udptl t38\n"),
    "no-origin": crlf("v=0\ns=-\nm=audio 1 RTP/AVP 0\n"),
    "bad-port": crlf("v=0\no=- 1 1 IN IP4 1.2.3.4\nm=audio 99999 RTP/AVP 0\n"),
    "binary": bytes(range(256)),
    # SDES (RFC 4568): two suites, lifetime and MKI, a suite we lack, a session parameter.
    "savp-crypto": crlf("v=0\no=p 1 1 IN IP4 198.51.100.7\ns=-\nc=IN IP4 198.51.100.7\nt=0 0\nm=audio 30000 RTP/SAVP 8 101\n"
        "a=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/8000\n"
        "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\n"
        "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4\n"
        "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR WSH=64\n"),
    "avp-best-effort-crypto": crlf("v=0\no=p 1 1 IN IP4 198.51.100.7\ns=-\nc=IN IP4 198.51.100.7\nt=0 0\nm=audio 30000 RTP/AVP 0\n"
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2147483648 UNENCRYPTED_SRTCP\n"),
}

for name, seeds in (("sip_message", sip), ("sdp", sdp)):
    out = os.path.join(HERE, "corpus", name)
    os.makedirs(out, exist_ok=True)
    for k, v in seeds.items():
        with open(os.path.join(out, k), "wb") as f:
            f.write(v)
