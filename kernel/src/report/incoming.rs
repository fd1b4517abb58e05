//! Mails for received messages: a fax as PDF (and TIFF-F if configured), a
//! voice message as WAV, an SMS as text, each with the report in the body.
//!
//! ```text
//! multipart/mixed                       (fax, voice)
//! ├─ multipart/alternative              report: from, to, pages, time, ...
//! │  ├─ text/plain
//! │  └─ multipart/related               (a fax with its first-page preview, RFC 2387)
//! │     ├─ text/html                    the report, then <img src="cid:...">
//! │     └─ image/png (inline)           fax-00000042-page1.png, Content-ID
//! ├─ application/pdf                    fax-00000042.pdf
//! ├─ image/tiff; application=faxbw      fax-00000042.tif  (RFC 3949)
//! └─ audio/wav                          voice-00000042.wav (Content-Duration, RFC 3938)
//! ```
//!
//! Without a preview the HTML report is a plain `text/html` part. A reader
//! that shows text only picks `text/plain` and never meets the image.
//!
//! An SMS is only the `multipart/alternative`, its text quoted at the top.
//! `From` is the gateway's sender with the caller's number as display name;
//! `Reply-To` points at `<caller>@<service domain>`, so answering the mail
//! sends a fax (or SMS) back.

use super::mime::{self, Mailbox, Part};
use super::templates::{self, TemplateKind};
use super::{common_vars, headers_for, Language, MailKind, OutgoingMail, ReportConfig};
use crate::message::{Message, Service, Timestamp};

/// The converted media of a received message.
#[derive(Debug, Clone, Copy)]
pub enum Media<'a> {
    /// The fax as PDF and/or TIFF-F (whichever the site configured).
    Fax {
        pdf: Option<&'a [u8]>,
        tiff: Option<&'a [u8]>,
    },
    /// The recording as a WAV file (none when it could not be kept: the
    /// report says why).
    Voice { wav: Option<&'a [u8]> },
    /// An SMS: its text is the message's `text`.
    Sms,
}

/// What the mail for a received message is made from.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    pub message: &'a Message,
    pub media: Media<'a>,
    pub language: Language,
    pub now: Timestamp,
}

/// The mail that delivers a received fax, voice message or SMS to its
/// mailbox (the message's `recipient_address`, or the default recipient for
/// an unrouted message).
pub fn incoming_mail(cfg: &ReportConfig, inc: &Incoming) -> OutgoingMail {
    incoming_mail_with_preview(cfg, inc, None)
}

/// [`incoming_mail`] with, for a fax, a PNG preview of its first page
/// shown in the HTML report (`cid:` to an inline part beside it, in a
/// `multipart/related`); the text report is the same as without it.
pub fn incoming_mail_with_preview(
    cfg: &ReportConfig,
    inc: &Incoming,
    preview_png: Option<&[u8]>,
) -> OutgoingMail {
    let msg = inc.message;
    let lang = inc.language;
    let id = msg.id.to_string();

    let mut attachments: Vec<Part> = Vec::new();
    let mut inline: Option<(Part, String, u32, u32)> = None;
    let mut names: Vec<String> = Vec::new();
    let mut attach = |part: Part, name: String| {
        attachments.push(part.attachment(&name));
        names.push(name);
    };
    let (template, kind) = match inc.media {
        Media::Fax { pdf, tiff } => {
            if let Some(pdf) = pdf {
                attach(
                    Part::binary("application/pdf", pdf),
                    format!("fax-{id}.pdf"),
                );
            }
            if let Some((png, (width, height))) =
                preview_png.and_then(|png| Some((png, png_size(png)?)))
            {
                let name = format!("fax-{id}-page1.png");
                let cid = format!("fax-{id}-page1@{}", cfg.host);
                let part = Part::binary(&format!("image/png; name=\"{name}\""), png)
                    .header("Content-ID", &format!("<{cid}>"))
                    .header(
                        "Content-Disposition",
                        &format!("inline; filename=\"{name}\""),
                    );
                inline = Some((part, cid, width, height));
            }
            if let Some(tiff) = tiff {
                attach(
                    Part::binary("image/tiff; application=faxbw", tiff),
                    format!("fax-{id}.tif"),
                );
            }
            (TemplateKind::IncomingFax, MailKind::IncomingFax)
        }
        Media::Voice { wav } => {
            if let Some(wav) = wav {
                let mut part = Part::binary("audio/wav", wav);
                if msg.duration_secs > 0 {
                    part = part.header("Content-Duration", &msg.duration_secs.to_string());
                }
                attach(part, format!("voice-{id}.wav"));
            }
            (TemplateKind::IncomingVoice, MailKind::IncomingVoice)
        }
        Media::Sms => (TemplateKind::IncomingSms, MailKind::IncomingSms),
    };

    let mut vars = common_vars(cfg, msg, lang);
    if !names.is_empty() {
        vars.set("attachments", names.join(", "));
    }
    let mut text = templates::render_with(&cfg.templates, template, lang, &vars);
    if let Some((_, cid, width, height)) = &inline {
        let alt = match lang {
            Language::En => "Page 1 of the fax",
            Language::De => "Seite 1 des Faxes",
        };
        text = text.with_figure(&templates::Figure {
            src: &format!("cid:{cid}"),
            alt,
            width: *width,
            height: *height,
        });
    }

    let mailbox = msg
        .recipient_address
        .clone()
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| cfg.default_recipient.clone());
    let caller = msg
        .caller_number
        .as_deref()
        .filter(|c| !c.trim().is_empty());
    let from = Mailbox::new(
        Some(caller.unwrap_or(&cfg.gateway_name)),
        &cfg.incoming_sender,
    );
    let mut headers = headers_for(
        cfg,
        from,
        &Mailbox::new(None, &mailbox),
        &text.subject,
        msg,
        msg.service.name(),
        inc.now,
    );
    if let Some(reply_to) = caller.and_then(|c| reply_address(cfg, msg.service, c)) {
        headers.push(("Reply-To".into(), Mailbox::new(None, &reply_to).to_header()));
    }

    let html = Part::text("html", &text.html);
    let html = match inline {
        Some((png, ..)) => Part::multipart("related", "type=\"text/html\"", vec![html, png]),
        None => html,
    };
    let report = Part::multipart(
        "alternative",
        "",
        vec![Part::text("plain", &text.plain), html],
    );
    let body = if attachments.is_empty() {
        report
    } else {
        let mut parts = vec![report];
        parts.extend(attachments);
        Part::multipart("mixed", "", parts)
    };
    OutgoingMail {
        envelope_from: cfg.incoming_sender.clone(),
        recipients: vec![mailbox],
        data: mime::write_message(&headers, &body, &id),
        kind,
    }
}

/// Width and height of a PNG, from its IHDR chunk.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || !png.starts_with(b"\x89PNG\r\n\x1a\n") || &png[12..16] != b"IHDR" {
        return None;
    }
    let be = |i: usize| u32::from_be_bytes([png[i], png[i + 1], png[i + 2], png[i + 3]]);
    Some((be(16), be(20)))
}

/// `<number>@<domain>` for a caller id that is a dialable number (`+` and
/// digits); none for anything else (`anonymous`, a name).
fn reply_address(cfg: &ReportConfig, service: Service, caller: &str) -> Option<String> {
    let digits = caller.strip_prefix('+').unwrap_or(caller);
    let dialable =
        !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit());
    dialable.then(|| format!("{caller}@{}", cfg.domain(service)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_numbers_get_a_reply_address() {
        let cfg = ReportConfig::new("gw", "example.com");
        assert_eq!(
            reply_address(&cfg, Service::Fax, "+49897654321").as_deref(),
            Some("+49897654321@fax.example.com")
        );
        assert_eq!(
            reply_address(&cfg, Service::Sms, "0171123").as_deref(),
            Some("0171123@sms.example.com")
        );
        assert_eq!(reply_address(&cfg, Service::Fax, "anonymous"), None);
        assert_eq!(reply_address(&cfg, Service::Fax, "+"), None);
    }
}
