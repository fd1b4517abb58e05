#!/usr/bin/env python3
"""Writes the seed corpus of the wav fuzz target.

Well-formed files are made by SoX (every encoding the reader takes, and
some it refuses), 20-30 ms each so the corpus stays small. Broken files
are SoX's output cut or patched here, or built by hand from the RIFF
layout. kernel/tests/fuzz_seeds.rs replays every seed through the
target's checks and pins the reason each broken one is refused. Needs
sox (Debian's sox). Seeds named regress-* are inputs a fuzzer found.
"""
import os
import struct
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    out = os.path.join(HERE, "corpus", "wav")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def sox(tmp, rate, channels, args, secs=0.02, ext="wav"):
    out = os.path.join(tmp, "out." + ext)
    subprocess.run(
        ["sox", "-R", "-n", "-r", str(rate), "-c", str(channels), *args, out,
         "synth", str(secs), "sine", "440", "vol", "0.5"],
        check=True)
    with open(out, "rb") as f:
        return f.read()


def chunk(cid, body):
    return cid + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")


def riff(*chunks):
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def fmt(tag, channels, rate, bits):
    align = channels * bits // 8
    return chunk(b"fmt ", struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        good = {
            "sox-pcm16-8k-mono": sox(tmp, 8000, 1, ["-b", "16", "-e", "signed-integer"]),
            "sox-pcm8-11k-mono": sox(tmp, 11025, 1, ["-b", "8", "-e", "unsigned-integer"]),
            "sox-pcm24-48k-stereo": sox(tmp, 48000, 2, ["-b", "24", "-e", "signed-integer"]),
            "sox-pcm32-96k-mono": sox(tmp, 96000, 1, ["-b", "32", "-e", "signed-integer"], 0.005),
            "sox-float32-44k-stereo": sox(tmp, 44100, 2, ["-b", "32", "-e", "floating-point"]),
            "sox-alaw-8k": sox(tmp, 8000, 1, ["-e", "a-law"]),
            "sox-ulaw-8k": sox(tmp, 8000, 1, ["-e", "u-law"]),
            "sox-pcm16-16k-6ch-extensible": sox(tmp, 16000, 6, ["-b", "16", "-e", "signed-integer"], 0.01),
        }
        for name, data in good.items():
            write(name, data)
        pcm16 = good["sox-pcm16-8k-mono"]
        # Refused by design.
        write("unsupported-sox-ima-adpcm", sox(tmp, 8000, 1, ["-e", "ima-adpcm"]))
        write("unsupported-sox-gsm", sox(tmp, 8000, 1, ["-e", "gsm-full-rate"]))
        write("unsupported-rate-2000", riff(fmt(1, 1, 2000, 16), chunk(b"data", bytes(40))))
        write("unsupported-zero-channels", riff(fmt(1, 0, 8000, 16), chunk(b"data", bytes(40))))
        write("unsupported-12-bits", riff(fmt(1, 1, 8000, 12), chunk(b"data", bytes(40))))
        # Broken.
        write("bad-not-riff", b"RIFX" + pcm16[4:200])
        write("bad-truncated-fmt", pcm16[:28])
        write("bad-no-data", riff(fmt(1, 1, 8000, 16), chunk(b"LIST", b"INFOISFT\x03\0\0\0ab\0")))
        write("bad-no-fmt", riff(chunk(b"data", bytes(64))))
        # A fmt chunk that claims 65535 bytes in a 36-byte file.
        past_end = bytearray(riff(fmt(1, 1, 8000, 16)))
        struct.pack_into("<I", past_end, 16, 0xFFFF)
        write("bad-chunk-past-end", bytes(past_end))
        write("bad-empty", b"")
        # Unusual but readable.
        streamed = bytearray(riff(fmt(1, 1, 8000, 16), chunk(b"data", pcm16[44:44 + 200])))
        struct.pack_into("<I", streamed, len(streamed) - 200 - 4, 0xFFFFFFFF)
        write("streamed-data-length-ffffffff", bytes(streamed))
        write("odd-chunk-padded-before-data",
              riff(fmt(1, 1, 8000, 16), chunk(b"LIST", b"odd"), chunk(b"data", pcm16[44:244])))
        write("data-before-fmt", riff(chunk(b"data", pcm16[44:244]), fmt(1, 1, 8000, 16)))
        write("odd-data-length", riff(fmt(1, 1, 8000, 16), chunk(b"data", pcm16[44:245])))


if __name__ == "__main__":
    main()
