//! Reports and notices: the mails the gateway writes about messages.
//!
//! Pure functions from journal data to a complete RFC 5322 message (CRLF
//! line ends, no line over 998 octets) plus its SMTP envelope, as an
//! [`OutgoingMail`] for the outbox. Nothing here reads a clock or draws a
//! random number: the time is passed in, Message-IDs and MIME boundaries are
//! derived from the message id and the gateway's host name.
//!
//! | mail | function | to |
//! |---|---|---|
//! | dispatch confirmation (RFC 3464 DSN: delivered, delayed, failed) | [`confirmation`] | sender |
//! | failure notice for a message that never got on a line | [`failure_notice`] | sender |
//! | deletion notice | [`deletion_notice`] | default recipient |
//! | error notice | [`error_notice`] | default recipient |
//! | received fax (PDF, TIFF-F), voice (WAV), SMS | [`incoming_mail`] | mailbox |
//!
//! Every mail carries an RFC 3458 `Message-Context` for its service. Texts
//! come from [`templates`] in English and German, plain and HTML; the status
//! codes of the DSNs come from the table [`dsn::CAUSES`].
//!
//! ```
//! use kernel::message::{Direction, Message, MessageId, Service, Status, Timestamp};
//! use kernel::report::{confirmation, Cause, Dispatch, Language, ReportConfig};
//!
//! let cfg = ReportConfig::new("ums.example.com", "example.com");
//! let mut msg = Message::new(MessageId(42), Direction::Outgoing, Service::Fax, Timestamp(0));
//! msg.sender_address = Some("alice@example.com".into());
//! msg.recipient_number = Some("+4989123456".into());
//! msg.status = Status::Sent;
//! let mail = confirmation(&cfg, &Dispatch::new(&msg, Cause::Sent, Language::En, Timestamp(60_000)));
//! assert_eq!(mail.recipients, ["alice@example.com"]);
//! assert!(mail.envelope_from.is_empty()); // MAIL FROM:<>
//! ```

pub mod dsn;
pub mod incoming;
pub mod mime;
pub mod notice;
pub mod templates;

pub use dsn::{confirmation, failure_notice, Action, Cause, Dispatch};
pub use incoming::{incoming_mail, incoming_mail_with_preview, Incoming, Media};
pub use notice::{deletion_notice, error_notice, Deletion, ErrorReport};

use crate::message::{Direction, Message, Service, Timestamp};
use mime::Mailbox;
use templates::Vars;

/// A finished mail and its envelope, for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// `MAIL FROM`; empty for the null reverse path `<>` (DSNs and notices).
    pub envelope_from: String,
    /// `RCPT TO`, one address each.
    pub recipients: Vec<String>,
    /// The RFC 5322 message, CRLF line ends.
    pub data: Vec<u8>,
    pub kind: MailKind,
}

/// What a mail is, for the outbox and the journal (local-store mode keeps
/// confirmations and incoming messages, and still sends notices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailKind {
    Confirmation,
    FailureNotice,
    DeletionNotice,
    IncomingFax,
    IncomingVoice,
    IncomingSms,
    ErrorNotice,
}

/// The language of a user's texts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    De,
}

impl Language {
    /// ISO 639-1 code, as in `Content-Language`.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::De => "de",
        }
    }

    /// From a language tag such as `de`, `de-AT` or `en_US`; English otherwise.
    pub fn from_tag(tag: &str) -> Language {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("de") {
            Language::De
        } else {
            Language::En
        }
    }
}

/// The gateway's side of every mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportConfig {
    /// Host name: `Reporting-MTA`, right side of Message-IDs.
    pub host: String,
    /// Display name of the gateway (`From` of reports, signature line).
    pub gateway_name: String,
    /// `From` of confirmations and notices (e.g. `postmaster@example.com`).
    pub notice_sender: String,
    /// `From` and envelope sender of mails for incoming messages; the
    /// caller's number is its display name.
    pub incoming_sender: String,
    /// Gets notices, and incoming messages no rule routed.
    pub default_recipient: String,
    /// Mail domains of the services (`<number>@fax.example.com`).
    pub fax_domain: String,
    pub voice_domain: String,
    pub sms_domain: String,
    /// The site's own texts (`[reports] templates_dir`); empty: built in.
    pub templates: templates::Templates,
}

impl ReportConfig {
    /// Defaults for a gateway `host` serving mail `domain`: `postmaster@`,
    /// `fax-gateway@`, default recipient `postmaster@`, and `fax.`, `voice.`,
    /// `sms.` subdomains.
    pub fn new(host: &str, domain: &str) -> ReportConfig {
        ReportConfig {
            host: host.to_owned(),
            gateway_name: "UMS Gateway".to_owned(),
            notice_sender: format!("postmaster@{domain}"),
            incoming_sender: format!("fax-gateway@{domain}"),
            default_recipient: format!("postmaster@{domain}"),
            fax_domain: format!("fax.{domain}"),
            voice_domain: format!("voice.{domain}"),
            sms_domain: format!("sms.{domain}"),
            templates: templates::Templates::default(),
        }
    }

    /// The mail domain of a service.
    pub fn domain(&self, service: Service) -> &str {
        match service {
            Service::Fax => &self.fax_domain,
            Service::Voice => &self.voice_domain,
            Service::Sms => &self.sms_domain,
        }
    }
}

/// The Message-ID of a mail (`<id@host>`), from its header block: what
/// operators match our log lines with the mail server's by.
pub fn message_id(raw: &[u8]) -> Option<String> {
    dsn::find_message_id(raw)
        .as_deref()
        .and_then(dsn::clean_message_id)
}

/// A time as users read it in a report (`2026-11-27 20:26:41 UTC`).
pub fn time_text(t: Timestamp) -> String {
    t.iso8601().replacen('T', " ", 1).replace('Z', " UTC")
}

/// Line time as `m:ss min`.
fn duration_text(secs: u32) -> String {
    format!("{}:{:02} min", secs / 60, secs % 60)
}

/// The placeholder values every template may use, from the journal fields.
fn common_vars(cfg: &ReportConfig, msg: &Message, lang: Language) -> Vars {
    let mut v = Vars::default();
    let recipient = msg
        .recipient_number
        .as_ref()
        .or(msg.original_recipient.as_ref())
        .or(msg.recipient_address.as_ref());
    v.set("service", templates::service_name(msg.service, lang));
    v.set("gateway", cfg.gateway_name.as_str());
    v.set("id", msg.id.to_string());
    v.set_opt("recipient", recipient.cloned());
    v.set_opt(
        "original",
        msg.original_recipient
            .clone()
            .filter(|o| Some(o) != recipient),
    );
    v.set_opt(
        "sender",
        msg.sender_address
            .clone()
            .or_else(|| msg.envelope_sender.clone()),
    );
    v.set(
        "caller",
        msg.caller_number
            .clone()
            .unwrap_or_else(|| templates::unknown_caller(lang).to_owned()),
    );
    v.set_opt("called", msg.recipient_number.clone());
    v.set_opt("subject", msg.subject.clone());
    // An SMS's pages are its parts: no page rows, "(3 SMS)" in the subject.
    let sms = msg.service == crate::message::Service::Sms;
    if msg.pages > 0 && !sms {
        v.set("pages", msg.pages.to_string());
        v.set("pages_sent", msg.pages_sent.to_string());
    }
    let pages = if msg.direction == Direction::Outgoing && msg.pages_sent > 0 {
        msg.pages_sent
    } else {
        msg.pages
    };
    v.set(
        "pages_note",
        match (sms, pages) {
            (true, 0 | 1) => String::new(),
            (true, n) => format!(" ({n} SMS)"),
            (false, n) => templates::pages_note(n, lang),
        },
    );
    if msg.duration_secs > 0 {
        v.set("duration", duration_text(msg.duration_secs));
    }
    if msg.transmit_speed > 0 {
        v.set("rate", msg.transmit_speed.to_string());
    }
    if msg.attempts > 0 {
        v.set("attempts", msg.attempts.to_string());
    }
    v.set_opt("resolution", msg.resolution.clone());
    v.set_opt("remote_id", msg.remote_station_id.clone());
    v.set_opt("line", msg.line.clone());
    v.set_opt("billing_code", msg.billing_code.clone());
    v.set_opt("reason", msg.status_reason.clone());
    v.set_opt("text", msg.text.clone());
    v.set_opt("delivery", msg.delivery.clone());
    v.set("submitted", time_text(msg.created_at));
    v.set("received", time_text(msg.created_at));
    v.set_opt("completed", msg.completed_at.map(time_text));
    if msg.unrouted {
        v.set("unrouted", "yes");
    }
    v
}

/// The top-level fields every generated mail has: From, To, Subject, Date,
/// a deterministic Message-ID (`<00000042.<tag>@host>`), and the RFC 3458
/// Message-Context of the message's service.
fn headers_for(
    cfg: &ReportConfig,
    from: Mailbox,
    to: &Mailbox,
    subject: &str,
    msg: &Message,
    tag: &str,
    now: Timestamp,
) -> Vec<(String, String)> {
    vec![
        ("From".into(), from.to_header()),
        ("To".into(), to.to_header()),
        ("Subject".into(), mime::unstructured(subject)),
        ("Date".into(), now.rfc5322()),
        (
            "Message-ID".into(),
            format!("<{}.{tag}@{}>", msg.id, cfg.host),
        ),
        (
            "Message-Context".into(),
            msg.service.message_context().into(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        assert_eq!(Language::from_tag("de-AT"), Language::De);
        assert_eq!(Language::from_tag("DE"), Language::De);
        assert_eq!(Language::from_tag("en_GB"), Language::En);
        assert_eq!(Language::from_tag(""), Language::En);
    }

    #[test]
    fn times_and_durations_read_well() {
        assert_eq!(
            time_text(Timestamp(1_795_811_201_000)),
            "2026-11-27 20:26:41 UTC"
        );
        assert_eq!(duration_text(65), "1:05 min");
    }
}
