#!/usr/bin/python3
"""python3-gammu as the independent reference for SMS PDUs (issue 15).

  gammu_pdu.py decode   reads hex PDUs (SMSC address first), one a line, and
                        prints for each: type, number, coding, 8-bit ref,
                        16-bit ref, part, parts, message ref, TP-ST, and the
                        text as UTF-8 hex, tab-separated ("ERR <why>" if
                        gammu refuses it). gammu 1.42's DecodePDU gives one
                        stray character per extension character after a 7-bit
                        text (it counts septets, not characters): the tests
                        allow exactly that many.
  gammu_pdu.py encode   reads cases "unicode<TAB>wide<TAB>layout<TAB>number
                        <TAB>text as UTF-8 hex" and prints for each the PDUs
                        gammu makes (EncodeSMS, then EncodePDU), space-separated.
"""
import datetime
import sys

import gammu


def decode(line):
    try:
        sms = gammu.DecodePDU(bytes.fromhex(line), True)
    except gammu.GSMError as e:
        return "ERR " + str(e.args[0].get("Text", e)).replace("\t", " ")
    udh = sms.get("UDH") or {}
    return "\t".join(
        str(x)
        for x in (
            sms["Type"],
            sms["Number"],
            sms["Coding"],
            udh.get("ID8bit", -1),
            udh.get("ID16bit", -1),
            udh.get("PartNumber", -1),
            udh.get("AllParts", -1),
            sms["MessageReference"],
            sms["DeliveryStatus"],
            # UCS-2 comes as UTF-16 units: pair the surrogates up.
            sms["Text"]
            .encode("utf-16-le", "surrogatepass")
            .decode("utf-16-le", "replace")
            .encode("utf-8")
            .hex(),
        )
    )


def encode(line):
    unicode, wide, layout, number, text = line.split("\t")
    text = bytes.fromhex(text).decode("utf-8")
    info = {
        "Class": -1,
        "Unicode": unicode == "1",
        "Entries": [
            {
                "ID": "ConcatenatedTextLong16bit" if wide == "1" else "ConcatenatedTextLong",
                "Buffer": text,
            }
        ],
    }
    pdus = []
    for sms in gammu.EncodeSMS(info):
        sms["Number"] = number
        sms["SMSC"] = {"Location": 0, "Number": "+4917", "Format": "Text", "Validity": "NA"}
        sms["Type"] = layout
        sms["DateTime"] = datetime.datetime(2026, 12, 7, 15, 4, 59)
        sms["SMSCDateTime"] = sms["DateTime"]
        pdus.append(gammu.EncodePDU(sms, layout).hex())
    return " ".join(pdus)


def main():
    mode = sys.argv[1]
    fn = {"decode": decode, "encode": encode}[mode]
    for line in sys.stdin:
        line = line.rstrip("\n")
        if line:
            print(fn(line), flush=True)


if __name__ == "__main__":
    main()
