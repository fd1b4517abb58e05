#!/usr/bin/env python3
"""Mails for the render corpus, built with Python's email package as mail
clients build them. usage: make_mails.py OUTDIR BODY_TEXT"""
import os
import sys
from email.message import EmailMessage
from email.policy import SMTP

out, body = sys.argv[1], sys.argv[2]


def read(name):
    with open(os.path.join(out, name), "rb") as f:
        return f.read()


def save(msg, name):
    with open(os.path.join(out, name), "wb") as f:
        f.write(msg.as_bytes(policy=SMTP))


def base(subject):
    m = EmailMessage()
    m["From"] = "Anna Schmidt <anna@example.test>"
    m["To"] = "+49 89 555 0100 <+49895550100@fax.test>"
    m["Subject"] = subject
    m["Date"] = "Fri, 27 Nov 2026 10:30:00 +0100"
    return m


# Every kind of attachment after a plain-text body.
ATTACHMENTS = [
    ("ps.pdf", "application", "pdf", None),
    ("groff.pdf", "application", "pdf", None),
    ("lopdf.pdf", "application", "pdf", None),
    ("odt.odt", "application", "vnd.oasis.opendocument.text", None),
    ("docx.docx", "application",
     "vnd.openxmlformats-officedocument.wordprocessingml.document", None),
    ("image.png", "image", "png", None),
    ("image.jpg", "image", "jpeg", None),
    ("image.gif", "image", "gif", None),
    ("image.bmp", "image", "bmp", None),
    ("image.tiff", "image", "tiff", None),
    ("latin1.txt", "text", "plain", "iso-8859-1"),
    ("cp1252.txt", "text", "plain", "windows-1252"),
    ("utf16.txt", "text", "plain", "utf-16"),
    ("page.html", "text", "html", "utf-8"),
]
m = base("Documents for Friday")
m.set_content(body + "\n")
for name, maintype, subtype, charset in ATTACHMENTS:
    data = read(name)
    if charset:
        # Raw bytes in their own charset, as a mail client attaches a file.
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name,
                         params={"charset": charset})
    else:
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
save(m, "mixed.eml")

# HTML only, in Windows-1252.
m = base("Offer as HTML")
m.set_content("<html><body><h1>Autumn offer</h1><p>Our best chairs now cost 80 \u20ac each."
              "</p><ul><li>delivery within one week</li><li>free assembly</li></ul>"
              "</body></html>", subtype="html", charset="windows-1252")
save(m, "html.eml")

# multipart/alternative: the text part wins.
m = base("Both parts")
m.set_content("The plain text part is the one to print on the fax.\n")
m.add_alternative("<p>The html part mentions a zebra and a giraffe.</p>", subtype="html")
save(m, "alternative.eml")

# A Latin-1 body, quoted-printable.
m = base("Gr\u00fc\u00dfe")
m.set_content("Viele Gr\u00fc\u00dfe aus M\u00fcnchen, wir sehen uns im Caf\u00e9.\n",
              charset="iso-8859-1", cte="quoted-printable")
save(m, "latin1_body.eml")

# No text, one image: the image alone.
m = base("Scan")
m.set_content("")
m.add_attachment(read("image.png"), maintype="image", subtype="png", filename="scan.png")
save(m, "empty_body.eml")

# A damaged PDF: a render error naming it.
m = base("Broken")
m.set_content("See the attached file.\n")
m.add_attachment(read("ps.pdf")[:300], maintype="application", subtype="pdf",
                 filename="broken.pdf")
save(m, "broken.eml")

# An archive: not a document we fax.
m = base("Archive")
m.set_content("See the attached archive.\n")
m.add_attachment(b"PK\x03\x04" + bytes(100), maintype="application", subtype="zip",
                 filename="files.zip")
save(m, "zip.eml")
