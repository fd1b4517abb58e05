"""Parse a mail from stdin with Python's `email` package (policy=default) and
print what the report tests check, as JSON.

Used by kernel/tests/reports.rs: an independent parser reads every mail the
report module writes.
"""
import base64
import email
import email.policy
import json
import sys


def part_info(part, out):
    ctype = part.get_content_type()
    info = {
        "type": ctype,
        "params": {k: v for k, v in part.get_params() or [] if k != ctype},
        "filename": part.get_filename(),
        "disposition": part.get_content_disposition(),
        "defects": [type(d).__name__ for d in part.defects],
        "headers": {k: str(v) for k, v in part.items()},
    }
    out.append(info)
    if ctype == "message/delivery-status":
        # policy.default parses the body as a list of header blocks.
        info["blocks"] = [{k: str(v) for k, v in block.items()} for block in part.get_payload()]
        for block in part.get_payload():
            info["defects"] += [type(d).__name__ for d in block.defects]
    elif part.is_multipart():
        info["children"] = len(part.get_payload())
        for sub in part.get_payload():
            part_info(sub, out)
    elif part.get_content_maintype() == "text":
        info["text"] = part.get_content()
    else:
        info["b64"] = base64.b64encode(part.get_payload(decode=True)).decode()


def main():
    msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
    parts = []
    part_info(msg, parts)
    addresses = {}
    for name in ("From", "To", "Reply-To"):
        if msg[name] is not None:
            addresses[name] = [[a.display_name, a.addr_spec] for a in msg[name].addresses]
    defects = [[p["type"], d] for p in parts for d in p["defects"]]
    json.dump({"parts": parts, "addresses": addresses, "defects": defects}, sys.stdout)


main()
