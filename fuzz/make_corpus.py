#!/usr/bin/env python3
"""Writes the seed corpus of the smtp_engine fuzz target.

Each seed is the raw byte stream of one client session. Seeds named
`smuggle-*` hide a second transaction behind a non-CRLF end-of-data mark;
the engine must treat the mark as data and refuse the message
(smtp/tests/smuggling.rs checks every one of them). Run from fuzz/.
"""
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "smtp_engine")

HEAD = b"EHLO client.test\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<+4930123@fax.example.com>\r\nDATA\r\n"
SMUGGLED = b"MAIL FROM:<smuggled@evil.example>\r\nRCPT TO:<4930666@fax.example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nhi\r\n"
REAL_END = b"\r\n.\r\nQUIT\r\n"

seeds = {
    "normal-session": HEAD + b"Subject: hello\r\n\r\nbody\r\n.\r\nQUIT\r\n",
    "normal-helo": b"HELO client.test\r\nMAIL FROM:<>\r\nRCPT TO:<1@fax.example.com>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n",
    "normal-dot-stuffing": HEAD + b"..\r\n...x\r\n.y\r\n.\r\nQUIT\r\n",
    "normal-empty-message": HEAD + b".\r\nQUIT\r\n",
    "normal-rset-noop-help": b"EHLO c\r\nNOOP\r\nHELP\r\nVRFY bob\r\nEXPN all\r\nMAIL FROM:<a@b.example>\r\nRSET\r\nQUIT\r\n",
    "normal-params": b"EHLO c\r\nMAIL FROM:<a@b.example> SIZE=100 BODY=8BITMIME RET=HDRS ENVID=x+2By AUTH=<>\r\n"
    b"RCPT TO:<1@fax.example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;1+40fax.example.com\r\nDATA\r\nx\r\n.\r\nQUIT\r\n",
    "normal-smtputf8": "EHLO c\r\nMAIL FROM:<δοκιμή@παράδειγμα.example> SMTPUTF8\r\nRCPT TO:<1@fax.example.com>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n".encode(),
    "normal-auth-plain": b"EHLO c\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nMAIL FROM:<a@b.example>\r\nQUIT\r\n",
    "normal-auth-plain-challenge": b"EHLO c\r\nAUTH PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\nQUIT\r\n",
    "normal-auth-login": b"EHLO c\r\nAUTH LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\nQUIT\r\n",
    "normal-auth-cancel": b"EHLO c\r\nAUTH LOGIN\r\n*\r\nAUTH PLAIN !!\r\nQUIT\r\n",
    "normal-starttls": b"EHLO c\r\nSTARTTLS\r\nEHLO c\r\nMAIL FROM:<a@b.example>\r\nQUIT\r\n",
    "starttls-injection": b"EHLO c\r\nSTARTTLS\r\nMAIL FROM:<injected@evil.example>\r\nRCPT TO:<1@fax.example.com>\r\n",
    "pipelined-session": b"EHLO client.test\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<1@fax.example.com>\r\n"
    b"RCPT TO:<x@elsewhere.example>\r\nRCPT TO:<2@fax.example.com>\r\nDATA\r\none\r\n.\r\n"
    b"MAIL FROM:<>\r\nRCPT TO:<3@fax.example.com>\r\nDATA\r\ntwo\r\n.\r\nRSET\r\nQUIT\r\n",
    "pipelined-data-after-rejected-rcpt": b"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@elsewhere.example>\r\nDATA\r\n"
    b"MAIL FROM:<smuggled@evil.example>\r\n.\r\nQUIT\r\n",
    "relay-tricks": b"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<@relay.example:1@fax.example.com>\r\n"
    b"RCPT TO:<1%elsewhere.example@fax.example.com>\r\nRCPT TO:<elsewhere.example!1@fax.example.com>\r\n"
    b"RCPT TO:<\"1@elsewhere.example\"@fax.example.com>\r\nRCPT TO:<1@[192.0.2.1]>\r\nRCPT TO:<1@[IPv6:2001:db8::1]>\r\n"
    b"RCPT TO:<postmaster>\r\nRCPT TO:<>\r\nQUIT\r\n",
    "bad-commands": b"FOO\r\n\r\nMAIL FROM:<a@b>\r\nEHLO\r\nHELO a b\r\nDATA x\r\nNOOP\x00\r\nNOOP \xff\r\nBDAT 1 LAST\r\nx\r\nQUIT\r\n",
    "long-line": b"EHLO c\r\nNOOP " + b"x" * 3000 + b"\r\nNOOP\r\nQUIT\r\n",
    "long-line-no-end": b"EHLO c\r\n" + b"y" * 5000,
    "oversize-message": HEAD + (b"z" * 998 + b"\r\n") * 6 + b".\r\nQUIT\r\n",
    "too-many-recipients": b"EHLO c\r\nMAIL FROM:<a@b.example>\r\n"
    + b"".join(b"RCPT TO:<%d@fax.example.com>\r\n" % i for i in range(8)) + b"QUIT\r\n",
    "too-many-errors": b"X\r\n" * 12,
    # SMTP smuggling: a second transaction behind an end mark that is not
    # CRLF.CRLF. Bare CR/LF variants are refused (550 5.6.0); the others stay
    # message text.
    "smuggle-lf-dot-lf": HEAD + b"a\n.\n" + SMUGGLED + REAL_END,
    "smuggle-cr-dot-cr": HEAD + b"a\r.\r" + SMUGGLED + REAL_END,
    "smuggle-cr-dot-lf": HEAD + b"a\r.\n" + SMUGGLED + REAL_END,
    "smuggle-lf-dot-cr": HEAD + b"a\n.\r" + SMUGGLED + REAL_END,
    "smuggle-lf-dot-crlf": HEAD + b"a\n.\r\n" + SMUGGLED + REAL_END,
    "smuggle-cr-dot-crlf": HEAD + b"a\r.\r\n" + SMUGGLED + REAL_END,
    "smuggle-crlf-dot-lf": HEAD + b"a\r\n.\n" + SMUGGLED + REAL_END,
    "smuggle-crlf-dot-cr": HEAD + b"a\r\n.\r" + SMUGGLED + REAL_END,
    "smuggle-crlf-dot-crcrlf": HEAD + b"a\r\n.\r\r\n" + SMUGGLED + REAL_END,
    "smuggle-crlf-dot-nul-crlf": HEAD + b"a\r\n.\x00\r\n" + SMUGGLED + REAL_END,
    "smuggle-bare-lf-line": HEAD + b"a\nb\r\n" + REAL_END,
    "smuggle-bare-cr-line": HEAD + b"a\rb\r\n" + REAL_END,
    "smuggle-lf-only-commands": b"EHLO c\nMAIL FROM:<smuggled@evil.example>\nRCPT TO:<1@fax.example.com>\nDATA\nx\n.\nQUIT\n",
    "smuggle-bdat-in-data": HEAD + b"a\r\nBDAT 60 LAST\r\n" + SMUGGLED + REAL_END,
    # BDAT is not offered: the command is refused, its chunk is read as commands.
    "chunking-bdat-not-offered": b"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<1@fax.example.com>\r\n"
    b"BDAT 14 LAST\r\nx\r\n.\r\nhello\r\nQUIT\r\n",
}

os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print(f"{len(seeds)} seeds in {OUT}")
