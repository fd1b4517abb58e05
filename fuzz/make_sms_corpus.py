#!/usr/bin/python3
"""Writes the seed corpus of the sms_pdu fuzz target with python3-gammu
(EncodeSMS + EncodePDU), independently of line-drivers' PDU codec.

A seed is a PDU as a GSM modem hands it over in PDU mode (TS 27.005): the
SMSC address, then an SMS-SUBMIT or SMS-DELIVER (TS 23.040): 7-bit with
extension characters, UCS-2 with emoji, concatenated with 8- and 16-bit
references; then truncated and corrupted variants. Hand-made seeds: an
SMS-STATUS-REPORT, an alphanumeric sender, a user data header that runs
past its length. line-drivers/tests/gsm_pdu_garbage.rs replays every seed
through the target's checks. Run from anywhere.
"""
import datetime
import os

import gammu

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "sms_pdu")

TEXTS = {
    "7bit": ("Hello, world!", False),
    "ext": ("10€ [a] {b} ~c^ |d|", False),
    "umlauts": ("Grüße aus Köln", False),
    "emoji": ("See you 😀 👍🏽", True),
    "long7": ("The quick brown fox " * 9, False),
    "longucs2": ("łódź 😀 " * 12, True),
}


def pdus(text, unicode, wide, layout):
    info = {
        "Class": -1,
        "Unicode": unicode,
        "Entries": [
            {
                "ID": "ConcatenatedTextLong16bit" if wide else "ConcatenatedTextLong",
                "Buffer": text,
            }
        ],
    }
    out = []
    for sms in gammu.EncodeSMS(info):
        sms["Number"] = "+491701234567"
        sms["SMSC"] = {"Location": 0, "Number": "+4917", "Format": "Text", "Validity": "NA"}
        sms["Type"] = layout
        sms["DateTime"] = datetime.datetime(2026, 12, 7, 15, 4, 59)
        sms["SMSCDateTime"] = sms["DateTime"]
        out.append(gammu.EncodePDU(sms, layout))
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    for name, (text, unicode) in TEXTS.items():
        for layout in ("Submit", "Deliver"):
            for wide in (False, True):
                for i, p in enumerate(pdus(text, unicode, wide, layout)):
                    seeds[f"{layout.lower()}-{name}-{'w' if wide else 's'}{i}"] = p
    # SMS-STATUS-REPORT: no SMSC, MR 0x11, +491701234567, two time stamps, TP-ST 0x46.
    seeds["report-expired"] = bytes.fromhex(
        "0006110C91947110325476" "62217051409540" "62217051409540" "46"
    )
    # A DELIVER from "ACME" (alphanumeric, 7-bit packed).
    seeds["deliver-alnum"] = bytes.fromhex("0004" "07D0C1E1D305" "0000" "62217051409540" "02E834")
    # A header length past the user data.
    seeds["deliver-bad-udh"] = bytes.fromhex(
        "0044" "0C91947110325476" "0008" "62217051409540" "06" "0A0003010201"
    )
    for name, p in list(seeds.items()):
        if len(p) > 20 and not name.startswith("report"):
            seeds[name + "-cut"] = p[: len(p) // 2]
            bad = bytearray(p)
            bad[len(bad) // 3] ^= 0xFF
            seeds[name + "-flip"] = bytes(bad)
    for name, p in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(p)
    print(f"{len(seeds)} seeds in {OUT}")


if __name__ == "__main__":
    main()
