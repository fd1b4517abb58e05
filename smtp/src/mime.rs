//! A parsed Internet message into the renderer's neutral
//! [`MailDocument`](kernel::render::MailDocument).
//!
//! mail-parser has already undone the transfer encodings and decoded text
//! parts into UTF-8 with their charsets; this module only picks the parts:
//! the plain-text body and the HTML body of a multipart/alternative (the
//! renderer prefers the text), and every attachment in order. Images that
//! an HTML body shows inline (`cid:` references) belong to the HTML and are
//! dropped with it; a forwarded message (message/rfc822) is attached as its
//! text.
//!
//! Attachment names come from strangers and are shown to people (the
//! sender's error notice, the journal in a terminal): [`attachment_name`]
//! keeps the last path component, drops control and bidirectional-override
//! characters and caps the length, keeping the extension.

use kernel::render::{Attachment, MailDocument};
use mail_parser::{Addr, Address, Message, MessagePart, MimeHeaders, PartType};

/// Parse a raw message (`ums render --eml`) into the renderer's view;
/// `None` when it is not a message at all.
pub fn parse_document(raw: &[u8]) -> Option<MailDocument> {
    parse(raw).map(|m| to_document(&m))
}

/// mail-parser on bytes from strangers: `None` when it finds no message,
/// or when it panics. mail-parser 0.11.9 has a `debug_assert!` that a
/// crafted multipart reaches (found by the `mime` fuzz target, seed
/// `regress-mail-parser-part-id`): a debug build would lose the SMTP
/// session or a render worker to it; here the mail is just unparseable.
pub fn parse(raw: &[u8]) -> Option<Message<'_>> {
    std::panic::catch_unwind(|| mail_parser::MessageParser::default().parse(raw))
        .ok()
        .flatten()
}

/// The renderer's view of `mail`.
pub fn to_document(mail: &Message<'_>) -> MailDocument {
    let body_of = |ids: &[u32], want_html: bool| -> Option<String> {
        let parts: Vec<&str> = ids
            .iter()
            .filter_map(|&i| mail.part(i))
            .filter_map(|p| match (&p.body, want_html) {
                (PartType::Text(t), false) | (PartType::Html(t), true) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join("\n"))
    };
    let text_body = body_of(&mail.text_body, false);
    let html_body = body_of(&mail.html_body, true);
    let referenced_ids: Vec<String> = html_body
        .as_deref()
        .map(|h| {
            mail.attachments()
                .filter_map(|p| p.content_id())
                .filter(|cid| h.contains(&format!("cid:{}", cid.trim_matches(['<', '>']))))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let inline_image = |p: &MessagePart<'_>| {
        p.content_id()
            .is_some_and(|c| referenced_ids.iter().any(|r| r == c))
            && p.content_type()
                .is_some_and(|ct| ct.c_type.eq_ignore_ascii_case("image"))
    };
    let mut attachments = Vec::new();
    for (n, part) in mail.attachments().enumerate() {
        if inline_image(part) {
            continue;
        }
        let name = attachment_name(part.attachment_name(), n + 1);
        let attachment = match &part.body {
            // Already decoded into UTF-8 by mail-parser.
            PartType::Text(t) | PartType::Html(t) => Attachment {
                name,
                content_type: format!("{}; charset=utf-8", mime_type(part)),
                bytes: t.as_bytes().to_vec(),
            },
            PartType::Message(inner) => Attachment {
                name,
                content_type: "text/plain; charset=utf-8".into(),
                bytes: forwarded_text(inner).into_bytes(),
            },
            _ => Attachment {
                name,
                content_type: content_type(part),
                bytes: part.contents().to_vec(),
            },
        };
        attachments.push(attachment);
    }
    MailDocument {
        from: address_text(mail.from()),
        to: address_text(mail.to()),
        subject: mail.subject().unwrap_or("").to_owned(),
        date: mail
            .date()
            .map(|d| {
                format!(
                    "{:04}-{:02}-{:02} {:02}:{:02}",
                    d.year, d.month, d.day, d.hour, d.minute
                )
            })
            .unwrap_or_default(),
        text_body,
        html_body,
        attachments,
    }
}

/// Longest attachment name kept, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// The name of the `n`th attachment as people may be shown it: the last
/// component of what the sender gave (`C:\scans\a.pdf` is `a.pdf`), control
/// characters as spaces, bidirectional overrides and isolates dropped
/// (`\u{202e}fdp.exe` would show as `exe.pdf`), blanks collapsed, at most
/// [`MAX_NAME_CHARS`] characters with the extension kept; `attachment <n>`
/// when nothing is left.
pub fn attachment_name(raw: Option<&str>, n: usize) -> String {
    let last = raw.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let shown: String = last
        .chars()
        .filter(|c| !is_bidi_control(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut name = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() > MAX_NAME_CHARS {
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e)
            .filter(|e| !e.is_empty() && e.chars().count() <= 10)
            .map(|e| format!(".{e}"))
            .unwrap_or_default();
        let head: String = name
            .chars()
            .take(MAX_NAME_CHARS - ext.chars().count())
            .collect();
        name = format!("{}{ext}", head.trim_end());
    }
    if name.is_empty() {
        format!("attachment {n}")
    } else {
        name
    }
}

/// Unicode's bidirectional marks, embeddings, overrides and isolates.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `type/subtype` of a part, lower case.
fn mime_type(part: &MessagePart<'_>) -> String {
    part.content_type()
        .map(|ct| format!("{}/{}", ct.c_type, ct.c_subtype.as_deref().unwrap_or("")))
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// `type/subtype` plus a charset parameter when the part has one.
fn content_type(part: &MessagePart<'_>) -> String {
    let Some(ct) = part.content_type() else {
        return String::new();
    };
    let mut s = mime_type(part);
    if let Some(cs) = ct.attribute("charset") {
        s.push_str("; charset=");
        s.push_str(cs);
    }
    s.to_ascii_lowercase()
}

/// A forwarded message as text: its header lines and its text body.
fn forwarded_text(inner: &Message<'_>) -> String {
    let mut s = String::new();
    for (label, value) in [
        ("From", address_text(inner.from())),
        ("To", address_text(inner.to())),
        ("Subject", inner.subject().unwrap_or("").to_owned()),
    ] {
        if !value.is_empty() {
            s.push_str(&format!("{label}: {value}\n"));
        }
    }
    s.push('\n');
    s.push_str(inner.body_text(0).as_deref().unwrap_or(""));
    s
}

/// `Name <address>, ...` of an address header.
fn address_text(addr: Option<&Address<'_>>) -> String {
    let Some(addr) = addr else {
        return String::new();
    };
    let one = |a: &Addr<'_>| match (a.name(), a.address()) {
        (Some(n), Some(e)) => format!("{n} <{e}>"),
        (Some(n), None) => n.to_owned(),
        (None, Some(e)) => e.to_owned(),
        (None, None) => String::new(),
    };
    addr.iter()
        .map(one)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    #[test]
    fn alternative_keeps_both_bodies_and_charset_attachments_decode() {
        let raw = b"From: Anna <anna@example.test>\r\nTo: 555@fax.test\r\nSubject: Hi\r\n\
Date: Fri, 27 Nov 2026 10:11:12 +0100\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"M\"\r\n\r\n\
--M\r\nContent-Type: multipart/alternative; boundary=\"A\"\r\n\r\n\
--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain body\r\n\
--A\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html body</p><img src=\"cid:logo@x\">\r\n\
--A--\r\n\
--M\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Disposition: attachment; filename=\"l1.txt\"\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe\r\n\
--M\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Disposition: inline\r\n\
Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n\
--M\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"a.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n\
--M--\r\n";
        let mail = MessageParser::default().parse(&raw[..]).unwrap();
        let doc = to_document(&mail);
        assert_eq!(doc.from, "Anna <anna@example.test>");
        assert_eq!(doc.to, "555@fax.test");
        assert_eq!(doc.subject, "Hi");
        assert_eq!(doc.date, "2026-11-27 10:11");
        assert_eq!(doc.text_body.as_deref().map(str::trim), Some("plain body"));
        assert!(doc.html_body.as_deref().unwrap().contains("html body"));
        let names: Vec<&str> = doc.attachments.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["l1.txt", "a.pdf"], "the cid image is dropped");
        let text = kernel::render::mail::decode_text(
            &doc.attachments[0].bytes,
            &doc.attachments[0].content_type,
        );
        assert_eq!(text.trim(), "Grüße");
        assert_eq!(doc.attachments[1].bytes, b"%PDF-1.4\n");
    }

    #[test]
    fn attachment_names_are_made_showable() {
        assert_eq!(attachment_name(Some("report.pdf"), 1), "report.pdf");
        assert_eq!(attachment_name(Some("C:\\scans\\a.pdf"), 1), "a.pdf");
        assert_eq!(attachment_name(Some("../../etc/passwd"), 1), "passwd");
        assert_eq!(
            attachment_name(Some("\u{1b}[31mred\r\n\tname.pdf"), 1),
            "[31mred name.pdf"
        );
        assert_eq!(
            attachment_name(Some("invoice\u{202e}fdp.exe"), 1),
            "invoicefdp.exe"
        );
        assert_eq!(attachment_name(Some(" \u{7}\u{85} "), 3), "attachment 3");
        assert_eq!(attachment_name(None, 2), "attachment 2");
        let long = format!("{}.pdf", "x".repeat(500));
        let cut = attachment_name(Some(&long), 1);
        assert_eq!(cut.chars().count(), MAX_NAME_CHARS);
        assert!(cut.ends_with("xx.pdf"));
    }

    #[test]
    fn html_only_mail_has_no_text_body() {
        let raw = b"From: a@example.test\r\nSubject: x\r\nContent-Type: text/html; charset=windows-1252\r\n\r\n<h1>Pr\x80is</h1>\r\n";
        let mail = MessageParser::default().parse(&raw[..]).unwrap();
        let doc = to_document(&mail);
        assert_eq!(doc.text_body, None);
        assert!(doc.html_body.unwrap().contains("Pr€is"));
    }
}
