#!/usr/bin/env python3
"""Writes the seed corpus of the modem_codec fuzz target.

A seed is a mode octet (bit 0: the reader starts in a receive data state;
bit k of 1-7: the k-th CONNECT answers a transmit command, no data
follows it), a split octet (where the port cuts the octets; 0: one at a
time) and what a Class 1 fax modem sends the DTE (ITU-T V.250, T.31):
result codes, caller ID, +FRH HDLC frames and +FRM data with DLE doubled
and DLE ETX at the end, ECM frames HDLC-framed by the host (flags, zero
insertion, FCS), Class 1.0's DLE SUB; then truncated and corrupted
variants. The HDLC framing and the FCS are done here from T.4 Annex A /
ISO 13239, independently of line-drivers' Framer.

Seeds named t31-* are not written here: they are what spandsp's T.31
modem (the modem inside iaxmodem) sent our driver on the simulated line
of line-drivers/tests/modem_t31.rs (its receive(true), receive(false) and
send(1, Standard, true)), recorded by a ModemPort wrapped around
soft::SoftPort for the occasion (2026-12-07, not kept), cut to a few kB
each at call stages, the two header octets put in front by hand.
Seeds named regress-* are inputs the fuzzer found.
line-drivers/tests/fuzz_seeds.rs replays every seed through the target's
checks and pins what the named ones must give. Run from anywhere.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

DLE, ETX, SUB, XON, XOFF = 0x10, 0x03, 0x1A, 0x11, 0x13
CRLF = b"\r\n"


def write(name, octets, mode=0, split=0):
    out = os.path.join(HERE, "corpus", "modem_codec")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([mode, split]) + octets)


def result(*lines):
    """Verbose result lines as a modem sends them: <CR><LF>text<CR><LF>."""
    return b"".join(CRLF + l + CRLF for l in lines)


def stuff(data, end=True):
    """DCE data: DLE doubled, DLE ETX at the end."""
    out = data.replace(bytes([DLE]), bytes([DLE, DLE]))
    return out + bytes([DLE, ETX]) if end else out


def xorshift(n, seed):
    x, out = seed, bytearray()
    for _ in range(n):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out.append(x & 0xFF)
    return bytes(out)


def fcs(frame):
    """CRC-16/X.25 of the frame, complemented, as sent (low octet first)."""
    crc = 0xFFFF
    for b in frame:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    crc ^= 0xFFFF
    return bytes([crc & 0xFF, crc >> 8])


class Hdlc:
    """Bits to line octets, least significant bit first."""

    def __init__(self):
        self.bits = []

    def flags(self, n):
        for _ in range(n):
            self.bits += [0, 1, 1, 1, 1, 1, 1, 0]

    def frame(self, frame, bad_fcs=False):
        check = fcs(frame)
        if bad_fcs:
            check = bytes([check[0] ^ 0x01, check[1]])
        ones = 0
        for b in frame + check:
            for i in range(8):
                bit = (b >> i) & 1
                self.bits.append(bit)
                ones = ones + 1 if bit else 0
                if ones == 5:
                    self.bits.append(0)
                    ones = 0
        self.flags(1)

    def abort(self):
        self.bits += [1] * 8

    def octets(self):
        bits = self.bits + [0, 1, 1, 1, 1, 1, 1][: (-len(self.bits)) % 8]
        return bytes(sum(bits[i + j] << j for j in range(8)) for i in range(0, len(bits), 8))


# T.30 frames as a Class 1 modem hands them over after +FRH=3: address,
# control, FCF, FIF, then the two FCS octets the modem checked.
CSI = b"\xff\x03\x40" + b"         001 00394 98+"
DIS = b"\xff\x13\x80\x00\xee\xf8\x80\x80\x10\x80\x80\x18"  # 0x10 is doubled on the wire
MCF = b"\xff\x13\x8c"


def frh(frame, ok=True):
    return result(b"CONNECT") + stuff(frame + fcs(frame)) + result(b"OK" if ok else b"ERROR")


def ecm_block(frames, bad=(), abort_in=None):
    """ECM frames (FCD with sequence numbers, then RCP) framed by the host."""
    h = Hdlc()
    h.flags(6)
    for i, f in enumerate(frames):
        if i == abort_in:
            # The start of the frame, then seven ones and more (an abort),
            # then the frame again whole.
            h.bits += [(b >> k) & 1 for b in f[:10] for k in range(8)]
            h.abort()
            h.flags(2)
        h.frame(f, bad_fcs=i in bad)
    h.flags(3)
    return h.octets()


def fcd(seq, data):
    return b"\xff\x03\x06" + bytes([seq]) + data


RCP = b"\xff\x03\x86"

image = xorshift(600, 0x1234) + bytes([DLE, DLE, 0x00, DLE, ETX, DLE]) + b"\x00" * 40 + b"\x80\x00\x01"
# The second frame holds a DLE and a flag octet in its data.
ecm_frames = [fcd(0, xorshift(64, 77)), fcd(1, xorshift(62, 78) + bytes([DLE, 0x7E])),
              fcd(2, xorshift(64, 79)), RCP]


def main():
    # CONNECT last: a data state follows it.
    write("results-verbose", result(
        b"OK", b"RING", b"NO CARRIER", b"ERROR", b"NO DIALTONE", b"NO DIAL TONE", b"BUSY",
        b"NO ANSWER", b"+FCERROR", b"+F4", b"CONNECT 14400/V17"), split=3)
    # ATV0: digits, each ended by <CR> alone.
    write("results-numeric", b"0\r2\r3\r4\r6\r7\r8\r1\r", split=0)
    # Command echo (E1) and information text of the identification queries.
    write("echo-and-info", b"AT+FCLASS=?\r" + result(b"0,1,1.0", b"OK") + b"ATI3\r"
          + result(b"U.S. Robotics 56K FAX EXT V5.9.1", b"OK") + b"AT+FRM=?\r"
          + result(b"24,48,72,73,74,96,97,98,121,122,145,146", b"OK"), split=17)
    # Caller ID formatted (AT+VCID=1, AT#CID=1): DATE, TIME, NMBR, NAME.
    write("ring-vcid", result(b"RING", b"DATE = 0321", b"TIME = 1405", b"NMBR = 08912345678",
                              b"NAME = Muster GmbH", b"RING"), split=5)
    # #CID style without spaces, private and out-of-area numbers, a message.
    write("ring-cid-compact", result(b"RING", b"DATE=1231", b"TIME=2359", b"NMBR=P", b"NAME=O",
                                     b"MESG=060342", b"NDID=4930100", b"RING"), split=2)
    # +FRH=3: CSI, then DIS with a DLE in it, then a frame the modem found bad.
    write("frh-csi-dis", frh(CSI) + frh(DIS) + frh(MCF, ok=False), split=11)
    write("frh-fcerror", result(b"+FCERROR", b"NO CARRIER", b"ERROR"), split=1)
    # +FRM=96 image data (T.4 with DLEs), the carrier ends.
    write("frm-image-data", result(b"CONNECT") + stuff(image) + result(b"NO CARRIER"), split=7)
    # +FRM=146 with ECM: three FCD frames and RCP framed by the host.
    write("frm-ecm-frames", result(b"CONNECT") + stuff(ecm_block(ecm_frames)) + result(b"NO CARRIER"),
          split=6)
    # Class 1.0: <DLE><SUB> for two DLEs in data.
    write("class10-dle-sub", result(b"CONNECT") + b"\x01\x02" + bytes([DLE, SUB, 0x03, DLE, DLE, DLE, ETX])
          + result(b"OK"), split=0)
    # In-band flow control while we send (+FTM: CONNECT, then our data).
    write("xon-xoff", result(b"CONNECT") + bytes([XOFF]) + b"\r\n" + bytes([XON]) + result(b"OK"),
          mode=0b10, split=0)
    # CONNECT ended by <CR> alone (V.250 S4): the data begins at once.
    write("connect-cr-only", b"CONNECT\r\xff\x13\x84" + bytes([DLE, ETX]) + b"\rOK\r", split=0)
    # The reader starts in data state (after a CONNECT it was told of).
    write("data-state-start", stuff(image[:200]) + result(b"OK"), mode=1, split=4)

    # Broken, truncated, hostile.
    write("bad-dle-escape", result(b"CONNECT") + b"\x01\x02" + bytes([DLE]) + b"u\x03"
          + bytes([DLE, ETX]) + result(b"OK"), split=0)
    write("bad-fcs", result(b"CONNECT") + stuff(ecm_block(ecm_frames, bad=(1,)))
          + result(b"NO CARRIER"), split=9)
    write("bad-abort-in-frame", result(b"CONNECT") + stuff(ecm_block(ecm_frames, abort_in=2))
          + result(b"NO CARRIER"), split=13)
    write("bad-overlong-frame", result(b"CONNECT")
          + stuff(ecm_block([fcd(0, xorshift(1100, 5)), RCP])) + result(b"NO CARRIER"), split=8)
    write("bad-overlong-line", CRLF + b"x" * 600 + result(b"OK"), split=15)
    write("bad-endless-line", b"A" * 3000, split=23)
    write("bad-endless-data", xorshift(5000, 99).replace(bytes([DLE]), b"\x00"), mode=1, split=31)
    write("bad-garbage", xorshift(2000, 7), split=12)
    write("bad-not-utf8", result(b"\xff\xfeOK", b"NMBR = \xc3\x28", b"OK"), split=0)
    write("truncated-after-dle", result(b"CONNECT") + b"\x01\x02" + bytes([DLE]), split=0)
    write("truncated-mid-result", result(b"OK") + b"\r\nNO CARR", split=0)
    write("truncated-frh", (result(b"CONNECT") + stuff(DIS + fcs(DIS)))[:-5], split=10)


if __name__ == "__main__":
    main()
