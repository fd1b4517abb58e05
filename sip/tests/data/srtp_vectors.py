#!/usr/bin/env python3
"""Known-answer SRTP/SRTCP packets for sip/tests/media_srtp.rs, computed
independently of our code with python3-cryptography's AES-CTR and the
standard library's HMAC-SHA1 (RFC 3711 §3, §4). Run it to re-make them."""
import hashlib
import hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MASTER_KEY = bytes.fromhex("E1F97A0D3E018BE0D64FA32C06DE4139")
MASTER_SALT = bytes.fromhex("0EC675AD498AFEEBB6960B3AABE6")


def ctr(key, iv, data):
    return Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor().update(data)


def kdf(label, n):
    x = bytearray(MASTER_SALT)
    x[7] ^= label
    return ctr(MASTER_KEY, bytes(x) + b"\0\0", b"\0" * n)


def iv(salt, ssrc, index):
    v = int.from_bytes(salt, "big") << 16
    v ^= ssrc << 64
    v ^= index << 16
    return v.to_bytes(16, "big")


def srtp(header, payload, roc, tag_len):
    ke, ka, ks = kdf(0, 16), kdf(1, 20), kdf(2, 14)
    seq = int.from_bytes(header[2:4], "big")
    ssrc = int.from_bytes(header[8:12], "big")
    body = header + ctr(ke, iv(ks, ssrc, (roc << 16) | seq), payload)
    tag = hmac.new(ka, body + roc.to_bytes(4, "big"), hashlib.sha1).digest()
    return body + tag[:tag_len]


def srtcp(packet, index):
    ke, ka, ks = kdf(3, 16), kdf(4, 20), kdf(5, 14)
    ssrc = int.from_bytes(packet[4:8], "big")
    body = packet[:8] + ctr(ke, iv(ks, ssrc, index), packet[8:])
    body += (index | 0x80000000).to_bytes(4, "big")
    return body + hmac.new(ka, body, hashlib.sha1).digest()[:10]


# V=2, PT=0 (PCMU), seq 0xfffe, ts 0x00001234, SSRC 0xcafebabe; 160 bytes 0..159
HEADER = bytes.fromhex("8000fffe00001234cafebabe")
PAYLOAD = bytes(range(160))
print("rtp80_roc0", srtp(HEADER, PAYLOAD, 0, 10).hex())
print("rtp32_roc5", srtp(HEADER, PAYLOAD, 5, 4).hex())
# RR with one report block from SSRC 0xcafebabe
RR = bytes.fromhex("81c90007cafebabe" "12345678" "00000001" "0000fffe" "00000010" "00000000" "00000000")
print("rtcp_index7", srtcp(RR, 7).hex())
