#!/usr/bin/env python3
"""Writes the seed corpus of the pdf fuzz target (PDF attachments).

Each seed is one selector byte (paper and resolution, see
fuzz_targets/render_checks.rs) and a PDF. Well-formed ones are made by
Ghostscript (pdfwrite), qpdf (the same file rewritten: uncompressed,
object streams, encrypted) and img2pdf; hostile and broken ones are built
by hand from the PDF layout: a Flate bomb, a page 7 m wide, 1001 pages,
a page tree that lies about its count, a truncated file, a user password.
kernel/tests/fuzz_seeds.rs replays them and pins what each gives. Needs
gs, qpdf, img2pdf and ImageMagick (Debian's ghostscript, qpdf, img2pdf,
imagemagick). Seeds named regress-* are inputs a fuzzer found.
"""
import os
import re
import subprocess
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

PAGE_PS = b"""%!PS
/Helvetica findfont 28 scalefont setfont
72 720 moveto (Fax seed: a PDF page) show
/Times-Roman findfont 14 scalefont setfont
72 680 moveto (Dear Sir or Madam, please find the figures below.) show
72 400 moveto 300 0 rlineto 0 200 rlineto -300 0 rlineto closepath fill
showpage
"""


def write(name, selector, data):
    out = os.path.join(HERE, "corpus", "pdf")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([selector]) + data)


def run(tmp, *args):
    subprocess.run(args, check=True, cwd=tmp)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def fixed(pdf):
    """The same bytes every run: dates and IDs fixed (same lengths, so the
    cross-reference table stays right)."""
    pdf = re.sub(rb"D:\d{14}", b"D:20261127101112", pdf)
    pdf = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", b"2026-11-27T10:11:12", pdf)
    pdf = re.sub(rb"uuid:[0-9a-f-]{36}", b"uuid:00112233-4455-6677-8899-aabbccddeeff", pdf)
    return re.sub(rb"<[0-9A-Fa-f]{32}>", b"<00112233445566778899AABBCCDDEEFF>", pdf)


def hand_made(objects):
    """A PDF of `objects` (bodies of objects 1..n, 1 the catalog)."""
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % (i + 1) + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for o in offsets:
        pdf += b"%010d 00000 n \n" % o
    pdf += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


def stream(data, extra=b""):
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def one_page(media_box, content, extra=b""):
    return hand_made([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [" + media_box + b"] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        stream(content, extra),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


TEXT = b"BT /F1 24 Tf 72 700 Td (Hand-made page) Tj ET 72 300 200 100 re f"


def main():
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "page.ps"), "wb") as f:
            f.write(PAGE_PS)
        run(tmp, "gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite",
            "-sPAPERSIZE=a4", "-sOutputFile=gs.pdf", "page.ps")
        gs = fixed(read(os.path.join(tmp, "gs.pdf")))
        with open(os.path.join(tmp, "gs.pdf"), "wb") as f:
            f.write(gs)
        write("gs-text-a4", 0x10, gs)
        run(tmp, "gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite",
            "-dDEVICEWIDTHPOINTS=842", "-dDEVICEHEIGHTPOINTS=595", "-dFIXEDMEDIA",
            "-sOutputFile=landscape.pdf", "page.ps")
        write("gs-landscape", 0x08, fixed(read(os.path.join(tmp, "landscape.pdf"))))
        run(tmp, "qpdf", "--deterministic-id", "--stream-data=uncompress",
            "--object-streams=disable", "gs.pdf", "plain.pdf")
        write("qpdf-uncompressed", 0x00, read(os.path.join(tmp, "plain.pdf")))
        run(tmp, "qpdf", "--deterministic-id", "--object-streams=generate", "gs.pdf", "objstm.pdf")
        write("qpdf-object-streams", 0x20, read(os.path.join(tmp, "objstm.pdf")))
        # Encryption draws random keys: the same seed only up to them.
        run(tmp, "qpdf", "--static-id", "--encrypt", "", "owner", "256", "--", "gs.pdf", "owner.pdf")
        write("qpdf-owner-password-only", 0x10, read(os.path.join(tmp, "owner.pdf")))
        run(tmp, "qpdf", "--static-id", "--encrypt", "user", "owner", "256", "--", "gs.pdf", "user.pdf")
        write("bad-user-password", 0x10, read(os.path.join(tmp, "user.pdf")))
        run(tmp, "convert", "-size", "64x48", "gradient:white-black", "-colorspace", "Gray",
            "-depth", "8", "-define", "png:exclude-chunk=date,time", "+set", "date:create",
            "+set", "date:modify", "gray.png")
        run(tmp, "img2pdf", "--nodate", "-o", "img.pdf", "gray.png")
        write("img2pdf-gray", 0x18, fixed(read(os.path.join(tmp, "img.pdf"))))

    write("hand-text", 0x10, one_page(b"0 0 595 842", TEXT))
    write("hand-flate", 0x00, one_page(b"0 0 612 792", zlib.compress(TEXT, 9),
                                       b"/Filter /FlateDecode "))
    write("bad-truncated", 0x10, gs[: len(gs) // 2])
    write("bad-no-header", 0x10, b"%!PS-Adobe-3.0\nshowpage\n%%EOF\n")
    write("bad-garbage-objects", 0x10, b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\n"
          b"endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    # 257 MiB of spaces (past MAX_PDF_INFLATED_BYTES) in a 260 kB stream.
    z = zlib.compressobj(9)
    bomb = b"".join(z.compress(b" " * (1 << 20)) for _ in range(257))
    bomb += z.compress(TEXT) + z.flush()
    write("bomb-flate-257mib", 0x10, one_page(b"0 0 595 842", bomb, b"/Filter /FlateDecode "))
    write("bomb-page-20000pt", 0x10, one_page(b"0 0 20000 20000", TEXT))
    # 1001 pages (one past MAX_PAGES) sharing one content stream: 60 kB.
    n = 1001
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(n))
    write("bomb-1001-pages", 0x00, hand_made([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> >>" % n,
        stream(TEXT),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ] + [b"<< /Type /Page /Parent 2 0 R /Contents 3 0 R >>"] * n))
    # A page tree that claims 100000 pages and lists one page 50 times.
    kids = b" ".join(b"3 0 R" for _ in range(50))
    write("hostile-count-lies", 0x10, hand_made([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count 100000 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        stream(TEXT),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]))


if __name__ == "__main__":
    main()
