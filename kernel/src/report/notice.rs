//! Notices to the default recipient: an outgoing message deleted by an
//! operator, and errors the gateway could not resolve by itself.
//!
//! Both are plain mails (`multipart/alternative`, text and HTML) with the
//! message's journal fields, sent with a null reverse path and
//! `Auto-Submitted: auto-generated` (RFC 3834) so no auto-responder answers.

use super::mime::{self, Mailbox, Part};
use super::templates::{self, TemplateKind, Vars};
use super::{common_vars, headers_for, time_text, Language, MailKind, OutgoingMail, ReportConfig};
use crate::message::{Message, Timestamp};

/// An operator deleted an outgoing message.
#[derive(Debug, Clone, Copy)]
pub struct Deletion<'a> {
    pub message: &'a Message,
    /// The operator, if known (login name or address).
    pub deleted_by: Option<&'a str>,
    pub language: Language,
    pub now: Timestamp,
}

/// Something went wrong that the gateway cannot tell a sender about, e.g. a
/// received fax that could not be converted, or a confirmation that could
/// not be delivered.
#[derive(Debug, Clone, Copy)]
pub struct ErrorReport<'a> {
    /// The message it concerns, if any.
    pub message: Option<&'a Message>,
    /// One line: what failed.
    pub summary: &'a str,
    /// The technical details.
    pub detail: Option<&'a str>,
    pub language: Language,
    pub now: Timestamp,
}

/// The notice to the default recipient when an operator deletes an outgoing
/// message.
pub fn deletion_notice(cfg: &ReportConfig, d: &Deletion) -> OutgoingMail {
    let msg = d.message;
    let mut vars = common_vars(cfg, msg, d.language);
    vars.set_opt("deleted_by", d.deleted_by.map(str::to_owned));
    vars.set("now", time_text(d.now));
    let text = templates::render_with(&cfg.templates, TemplateKind::Deleted, d.language, &vars);
    let tag = format!("deleted.{}", d.now.0);
    let headers = notice_headers(cfg, &text.subject, Some(msg), &tag, d.now);
    finish(
        cfg,
        headers,
        &text,
        &msg.id.to_string(),
        MailKind::DeletionNotice,
    )
}

/// An error notice to the default recipient.
pub fn error_notice(cfg: &ReportConfig, e: &ErrorReport) -> OutgoingMail {
    let mut vars = match e.message {
        Some(msg) => common_vars(cfg, msg, e.language),
        None => {
            let mut v = Vars::default();
            v.set("gateway", cfg.gateway_name.as_str());
            v
        }
    };
    if let Some(msg) = e.message {
        vars.set_opt(
            "recipient",
            msg.recipient_number
                .clone()
                .or_else(|| msg.recipient_address.clone()),
        );
    }
    vars.set("summary", e.summary);
    vars.set_opt("diagnostic", e.detail.map(str::to_owned));
    vars.set("now", time_text(e.now));
    let text = templates::render_with(&cfg.templates, TemplateKind::Error, e.language, &vars);
    let tag = format!("error.{}", e.now.0);
    let headers = notice_headers(cfg, &text.subject, e.message, &tag, e.now);
    let seed = e
        .message
        .map_or_else(|| format!("error.{}", e.now.0), |m| m.id.to_string());
    finish(cfg, headers, &text, &seed, MailKind::ErrorNotice)
}

fn notice_headers(
    cfg: &ReportConfig,
    subject: &str,
    msg: Option<&Message>,
    tag: &str,
    now: Timestamp,
) -> Vec<(String, String)> {
    let from = Mailbox::new(Some(&cfg.gateway_name), &cfg.notice_sender);
    let to = Mailbox::new(None, &cfg.default_recipient);
    let mut headers = match msg {
        Some(msg) => headers_for(cfg, from, &to, subject, msg, tag, now),
        None => vec![
            ("From".into(), from.to_header()),
            ("To".into(), to.to_header()),
            ("Subject".into(), mime::unstructured(subject)),
            ("Date".into(), now.rfc5322()),
            ("Message-ID".into(), format!("<{tag}@{}>", cfg.host)),
            // RFC 3458: a classic text message, no service of ours.
            ("Message-Context".into(), "text-message".into()),
        ],
    };
    headers.push(("Auto-Submitted".into(), "auto-generated".into()));
    headers
}

fn finish(
    cfg: &ReportConfig,
    headers: Vec<(String, String)>,
    text: &templates::Rendered,
    seed: &str,
    kind: MailKind,
) -> OutgoingMail {
    let body = Part::multipart(
        "alternative",
        "",
        vec![
            Part::text("plain", &text.plain),
            Part::text("html", &text.html),
        ],
    );
    OutgoingMail {
        envelope_from: String::new(),
        recipients: vec![cfg.default_recipient.clone()],
        data: mime::write_message(&headers, &body, seed),
        kind,
    }
}
