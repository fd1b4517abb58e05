#!/usr/bin/env python3
"""Writes the seed corpora of the mime, html and image fuzz targets.

mime: mails built with Python's email package (multipart nesting,
RFC 2231 and encoded-word names, charsets, forwarded messages, inline cid
images), and hostile ones patched by hand (names with terminal escapes and
bidirectional overrides, deep nesting, thousands of parts, broken
boundaries).
html: HTML bodies written here (tables, lists, nesting, entities), after
the target's columns byte.
image: small images made by ImageMagick (convert) in every format the
renderer takes, and decompression bombs built by hand from the PNG, GIF,
BMP, JPEG and TIFF layouts (a header that declares a huge image), after the
target's selector byte (fuzz_targets/render_checks.rs).

smtp/tests/fuzz_seeds.rs and kernel/tests/fuzz_seeds.rs replay them.
Needs ImageMagick (Debian's imagemagick). Seeds named regress-* are inputs
a fuzzer found (kept by hand, not written here).
"""
import base64
import email.policy
import os
import random
import struct
import subprocess
import tempfile
import zlib
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

HERE = os.path.dirname(os.path.abspath(__file__))
SMTP = email.policy.SMTP


def write(target, name, data):
    out = os.path.join(HERE, "corpus", target)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def headers(m, subject="Fax seed"):
    m["From"] = "Anna Example <anna@example.test>"
    m["To"] = "0895551@fax.example.test"
    m["Subject"] = subject
    m["Date"] = "Fri, 27 Nov 2026 10:11:12 +0100"
    return m


def convert(tmp, args, ext):
    out = os.path.join(tmp, "out." + ext)
    # No time stamps: the same seeds every run.
    subprocess.run(["convert", *args, "-define", "png:exclude-chunk=date,time",
                    "+set", "date:create", "+set", "date:modify", out], check=True)
    with open(out, "rb") as f:
        return f.read()


def mails(tmp, png):
    m = {}
    simple = headers(EmailMessage())
    simple.set_content("Hello by fax.\nSecond line.\n")
    m["plain"] = simple.as_bytes(policy=SMTP)

    alt = headers(MIMEMultipart("alternative"))
    alt.attach(MIMEText("plain body\n", "plain", "utf-8"))
    alt.attach(MIMEText("<p>html <b>body</b> <img src=\"cid:logo@x\"></p>", "html", "utf-8"))
    mixed = headers(MIMEMultipart("mixed"))
    for k in ("From", "To", "Subject", "Date"):
        del alt[k]
    mixed.attach(alt)
    logo = MIMEImage(png, "png")
    logo["Content-ID"] = "<logo@x>"
    logo["Content-Disposition"] = "inline"
    mixed.attach(logo)
    pdf = MIMEApplication(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "pdf")
    pdf.add_header("Content-Disposition", "attachment", filename="brief.pdf")
    mixed.attach(pdf)
    m["alternative-cid-pdf"] = mixed.as_bytes(policy=SMTP)

    charsets = headers(MIMEMultipart("mixed"))
    charsets.attach(MIMEText("body", "plain", "us-ascii"))
    for cs, text in (("iso-8859-1", "Grüße aus München"), ("windows-1252", "Preis: 5 €"),
                     ("utf-16", "Ünïcödé"), ("shift_jis", "ファクス"), ("koi8-r", "Факс")):
        part = MIMEText(text, "plain", cs)
        part.add_header("Content-Disposition", "attachment", filename=f"{cs}.txt")
        charsets.attach(part)
    m["charsets"] = charsets.as_bytes(policy=SMTP)

    names = headers(EmailMessage(), "Namen")
    names.set_content("see attachments")
    names.add_attachment(b"a", maintype="application", subtype="octet-stream",
                         filename="Überweisung März.pdf")
    names.add_attachment(b"b", maintype="text", subtype="plain",
                         filename="C:\\Users\\anna\\scan 1.txt")
    names.add_attachment(b"c", maintype="image", subtype="png", filename="../../etc/passwd")
    m["names-rfc2231-paths"] = names.as_bytes(policy=SMTP)

    hostile = (
        b"From: x@example.test\r\nTo: 1@fax.example.test\r\nSubject: names\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
        b"--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;"
        b" filename=\"=?utf-8?b?" + base64.b64encode(
            "\x1b]0;pwned\x07\x1b[2J\r\nrechnung\u202efdp.exe".encode()) + b"?=\"\r\n\r\nx\r\n"
        b"--B\r\nContent-Type: text/plain\r\nContent-Disposition: attachment;"
        b" filename*=utf-8''%0D%0ABcc%3A%20evil%40example.test%0D%0A.txt\r\n\r\ny\r\n"
        b"--B\r\nContent-Type: text/plain; name=\"" + b"n" * 600 + b".txt\"\r\n\r\nz\r\n"
        b"--B--\r\n")
    m["hostile-names"] = hostile

    fwd = headers(MIMEMultipart("mixed"), "Fwd: offer")
    fwd.attach(MIMEText("see below", "plain"))
    inner = headers(EmailMessage(), "offer")
    inner.set_content("The offer text.\n")
    fwd.attach(MIMEMessage(inner))
    m["forwarded-rfc822"] = fwd.as_bytes(policy=SMTP)

    # Nesting: multipart 60 deep, and message/rfc822 30 deep.
    deep = b"body\r\n"
    for i in range(60):
        deep = (f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n".encode()
                + deep + f"\r\n--b{i}--\r\n".encode())
    m["hostile-deep-multipart"] = b"From: x@example.test\r\nSubject: deep\r\n" + deep
    msg = b"Subject: innermost\r\n\r\ntext\r\n"
    for i in range(30):
        msg = b"Subject: level\r\nContent-Type: message/rfc822\r\n\r\n" + msg
    m["hostile-deep-rfc822"] = b"From: x@example.test\r\n" + msg

    many = bytearray(b"From: x@example.test\r\nSubject: many\r\n"
                     b"Content-Type: multipart/mixed; boundary=M\r\n\r\n")
    for i in range(1000):
        many += f"--M\r\nContent-Type: image/png\r\nContent-ID: <i{i}>\r\n\r\nx\r\n".encode()
    many += b"--M\r\nContent-Type: text/html\r\n\r\n" + b"".join(
        f"<img src=\"cid:i{i}\">".encode() for i in range(1000)) + b"\r\n--M--\r\n"
    m["hostile-many-cid-parts"] = bytes(many)

    m["bad-unterminated-multipart"] = (
        b"From: x@example.test\r\nContent-Type: multipart/mixed; boundary=\"Q\"\r\n\r\n"
        b"--Q\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"!!!not base64@@@\r\n--Q\r\nContent-Type: application/pdf; name=a.pdf\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n%PDF=\r\n-1.4=3")
    m["bad-no-headers"] = b"\r\n\r\n\r\n"
    m["bad-binary"] = bytes(range(256))
    return m


HTML = {
    "paragraphs": "<h1>Angebot</h1><p>Sehr geehrte Damen &amp; Herren,</p><p>anbei"
                  " &uuml;ber&shy;sende ich&nbsp;Ihnen &#8364; 5 &lt;netto&gt;.</p><br><hr>",
    "lists": "<ul><li>eins<li>zwei<ol><li>a</li><li>b<ul><li>tief</ul></ol></ul>"
             "<dl><dt>T<dd>D</dl>",
    "table": "<table border=1><tr><th>Pos</th><th colspan=2>Artikel</th></tr>"
             "<tr><td>1</td><td>Toner</td><td align=right>42,00</td></tr>"
             "<tr><td rowspan=2>2</td><td>Papier A4, 500 Blatt, 80 g/m²</td><td>5,00</td></tr>"
             "</table>",
    "script-style-pre": "<style>p{color:red}</style><script>alert(1)</script>"
                        "<pre>  a   b\n\tc</pre><p>after</p>",
    "broken-tags": "<p><b><i>unclosed <table><td>x<tr><td>y</p></b><<>>&bogus; &#xD800; &#99999999;",
    "hostile-nested-tables": "<table><tr><td>" * 40 + "x" + "</td></tr></table>" * 40,
    "hostile-deep-divs": "<div>" * 3000 + "deep" + "</div>" * 3000,
    "hostile-wide-table": "<table><tr>" + "<td>cell</td>" * 400 + "</tr></table>",
    "hostile-colspan": "<table><tr><td colspan=65535>a</td></tr><tr>"
                       "<td>b</td><td>c</td></tr></table>",
    "hostile-deep-lists": "<ul><li>" * 500 + "x" + "</li></ul>" * 500,
}


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width, height, depth=8, color=0, rows=16):
    raw = zlib.compress(b"\0" * (rows * (width + 1)), 9)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(
        ">IIBBBBB", width, height, depth, color, 0, 0, 0)) + png_chunk(b"IDAT", raw)
        + png_chunk(b"IEND", b""))


def images(tmp):
    img = {}
    src = ["-size", "48x32", "gradient:white-black", "-fill", "black", "-draw",
           "rectangle 10,10 40,30"]
    img["im-gray.png"] = convert(tmp, src + ["-colorspace", "Gray"], "png")
    img["im-rgba.png"] = convert(tmp, src + ["-alpha", "set", "-channel", "A",
                                             "-evaluate", "set", "50%"], "png")
    img["im-16bit.png"] = convert(tmp, src + ["-depth", "16"], "png")
    img["im-palette.gif"] = convert(tmp, src + ["-colors", "8"], "gif")
    img["im-baseline.jpg"] = convert(tmp, src + ["-quality", "60"], "jpg")
    img["im-progressive.jpg"] = convert(tmp, src + ["-interlace", "Plane"], "jpg")
    img["im-cmyk.jpg"] = convert(tmp, src + ["-colorspace", "CMYK"], "jpg")
    img["im-rotated-exif.jpg"] = convert(tmp, src + ["-orient", "RightTop"], "jpg")
    img["im-1bit.bmp"] = convert(tmp, src + ["-monochrome"], "bmp")
    img["im-24bit.bmp"] = convert(tmp, src + ["-type", "TrueColor"], "bmp")
    img["im-lzw-rgb.tif"] = convert(tmp, src + ["-type", "TrueColor", "-compress", "LZW"], "tif")
    img["im-gray-alpha16.tif"] = convert(tmp, src + ["-colorspace", "Gray", "-alpha", "set",
                                                     "-depth", "16"], "tif")
    img["im-landscape.png"] = convert(tmp, ["-size", "300x40", "xc:white", "-fill", "black",
                                            "-draw", "line 0,0 299,39"], "png")
    img["im-tall-strip.png"] = convert(tmp, ["-size", "20x2000", "pattern:checkerboard"], "png")
    anim = os.path.join(tmp, "anim.gif")
    subprocess.run(["convert", "-delay", "10", "-size", "30x30", "xc:white", "xc:black", anim],
                   check=True)
    with open(anim, "rb") as f:
        img["im-animated.gif"] = f.read()
    # Bombs: headers that declare more than the caps.
    img["bomb-png-50000x50000"] = png_bomb(50000, 50000)
    img["bomb-png-20000x20000"] = png_bomb(20000, 20000)
    img["bomb-png-20000x4999-rgba16"] = png_bomb(20000, 4999, 16, 6, 1)
    img["bomb-gif-65535x65535"] = (b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\x00\x00\x00"
                                   + b"\x2c" + struct.pack("<HHHH", 0, 0, 65535, 65535)
                                   + b"\x00\x02\x02\x44\x01\x00\x3b")
    bmp_dib = struct.pack("<IiiHHIIiiII", 40, 30000, 30000, 1, 24, 0, 0, 2835, 2835, 0, 0)
    img["bomb-bmp-30000x30000"] = b"BM" + struct.pack("<IHHI", 54 + 12, 0, 0, 54) + bmp_dib + bytes(12)
    jpg = img["im-baseline.jpg"]
    sof = jpg.find(b"\xff\xc0")
    img["bomb-jpeg-65000x65000"] = (jpg[:sof + 5] + struct.pack(">HH", 65000, 65000)
                                    + jpg[sof + 9:])
    tif = bytearray(img["im-lzw-rgb.tif"])
    ifd = struct.unpack_from("<I", tif, 4)[0]
    for i in range(struct.unpack_from("<H", tif, ifd)[0]):
        at = ifd + 2 + 12 * i
        tag, typ = struct.unpack_from("<HH", tif, at)
        # ImageWidth, ImageLength, RowsPerStrip: one LONG of 100000 (the
        # strip table stays consistent, so only the size caps refuse it).
        if tag in (256, 257, 278):
            struct.pack_into("<HII", tif, at + 2, 4, 1, 100000)
    img["bomb-tiff-100000x100000"] = bytes(tif)
    img["bad-truncated.jpg"] = jpg[: len(jpg) // 2]
    img["bad-truncated.png"] = img["im-gray.png"][:60]
    img["bad-not-an-image"] = b"%!PS-Adobe-3.0\nshowpage\n"
    return img


# Selector bytes of the image target: low 3 bits the name (0 .png, 1 .jpg,
# 2 .gif, 3 .bmp, 4 .tif, 5 no extension), bit 3 Letter, bits 4-5 the
# resolution (0 standard, 1 fine, 2 superfine).
EXT_SELECTOR = {"png": 0, "jpg": 1, "gif": 2, "bmp": 3, "tif": 4}


def main():
    random.seed(18)  # the email package's boundaries
    with tempfile.TemporaryDirectory() as tmp:
        imgs = images(tmp)
        for i, (name, data) in enumerate(sorted(imgs.items())):
            ext = name.rsplit(".", 1)[-1] if "." in name else ""
            sel = EXT_SELECTOR.get(ext, 5) | (0x10 if i % 2 else 0) | (0x08 if i % 3 == 0 else 0)
            write("image", name.replace(".", "-"), bytes([sel]) + data)
        for name, data in mails(tmp, imgs["im-gray.png"]).items():
            write("mime", name, data)
    for i, (name, html) in enumerate(HTML.items()):
        write("html", name, bytes([(i * 23) % 128]) + html.encode())


if __name__ == "__main__":
    main()
