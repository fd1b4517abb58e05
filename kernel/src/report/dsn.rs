//! Dispatch confirmations and failure notices as delivery status
//! notifications (RFC 3464 inside an RFC 6522 `multipart/report`), with
//! enhanced status codes (RFC 3463).
//!
//! ```text
//! multipart/report; report-type=delivery-status
//! ├─ multipart/alternative        the text users read (templates, en/de)
//! │  ├─ text/plain
//! │  └─ text/html
//! ├─ message/delivery-status      per-message and per-recipient fields
//! └─ text/rfc822-headers          the original mail's header (if given)
//! ```
//!
//! The mail goes out with a null reverse path (`MAIL FROM:<>`, RFC 3464 §2,
//! RFC 5321 §4.5.5) so a failing confirmation cannot bounce back to us.

use super::mime::{self, Mailbox, Part, TransferEncoding};
use super::templates::{self, TemplateKind};
use super::{common_vars, headers_for, time_text, Language, MailKind, OutgoingMail, ReportConfig};
use crate::message::{Message, Status, Timestamp};

/// Why an outgoing message ended (or was held) where it is: the causes the
/// report distinguishes. The line driver's exact words go in
/// [`Dispatch::diagnostic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Cause {
    /// Every page (or the SMS) was confirmed.
    Sent,
    Busy,
    NoAnswer,
    /// The call broke off during the transfer.
    CallDropped,
    /// The modems found no rate both could use.
    TrainingFailed,
    /// The number answered, but not as a fax.
    NotAFax,
    /// The number does not exist (unallocated).
    BadNumber,
    /// Not a phone number at all (letters, too long, empty).
    InvalidNumber,
    /// The dialling policy does not allow the sender to call the number.
    NotPermitted,
    /// An attachment could not be rendered into pages.
    RenderFailed,
    /// An attachment of a type the gateway cannot render.
    UnsupportedAttachment,
    /// An attachment that is damaged (truncated, broken inside), or whose
    /// content is not what its name or type says.
    DamagedAttachment,
    /// Cancelled by an operator.
    Cancelled,
    /// Anything else: the report shows the message's `status_reason`.
    Other,
}

/// One row of the code table: the enhanced status code (RFC 3463) and a
/// default diagnostic for the DSN, and the sentence users read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CauseEntry {
    pub cause: Cause,
    /// Enhanced status code. Class 4 causes are transient: the job retries
    /// them, and when attempts run out the DSN keeps the class-4 code with
    /// `Action: failed` (RFC 3463 §3.2: a persistent transient failure).
    pub status: &'static str,
    /// Default `Diagnostic-Code` text (type `X-UMS`), empty for none.
    pub diagnostic: &'static str,
    /// The human reason; `{attachment}` names the attachment.
    pub en: &'static str,
    pub de: &'static str,
}

const fn row(
    cause: Cause,
    status: &'static str,
    diagnostic: &'static str,
    en: &'static str,
    de: &'static str,
) -> CauseEntry {
    CauseEntry {
        cause,
        status,
        diagnostic,
        en,
        de,
    }
}

/// Our causes and the codes and texts they map to.
#[rustfmt::skip]
pub const CAUSES: &[CauseEntry] = &[
    row(Cause::Sent, "2.0.0", "",
        "Sent and confirmed by the remote station.",
        "Gesendet und von der Gegenstelle bestätigt."),
    row(Cause::Busy, "4.4.1", "Q.850 cause 17: user busy",
        "The line was busy.",
        "Die Gegenstelle war besetzt."),
    row(Cause::NoAnswer, "4.4.1", "Q.850 cause 19: no answer from user",
        "Nobody answered the call.",
        "Der Anruf wurde nicht angenommen."),
    row(Cause::CallDropped, "4.4.2", "call cleared during the transfer",
        "The call was dropped during the transfer.",
        "Die Verbindung wurde während der Übertragung unterbrochen."),
    row(Cause::TrainingFailed, "4.4.2", "T.30: failure to train at every rate",
        "The fax machines found no transfer rate that worked on this line.",
        "Die Faxgeräte fanden keine Übertragungsrate, die auf dieser Leitung funktioniert."),
    row(Cause::NotAFax, "5.3.3", "T.30: no fax answer (no CED, no V.21 flags)",
        "The number answered, but not as a fax machine.",
        "Unter der Nummer hat kein Faxgerät geantwortet."),
    row(Cause::BadNumber, "5.1.1", "Q.850 cause 1: unallocated (unassigned) number",
        "The number does not exist.",
        "Die Nummer ist nicht vergeben."),
    row(Cause::InvalidNumber, "5.1.3", "not a valid number for the numbering plan",
        "This is not a valid phone number.",
        "Dies ist keine gültige Rufnummer."),
    row(Cause::NotPermitted, "5.7.1", "dialling policy denies the number",
        "You are not permitted to send to this number.",
        "Sie sind nicht berechtigt, an diese Nummer zu senden."),
    row(Cause::RenderFailed, "5.6.5", "conversion to fax pages failed",
        "The attachment \"{attachment}\" could not be converted into fax pages.",
        "Der Anhang „{attachment}“ konnte nicht in Faxseiten umgewandelt werden."),
    row(Cause::UnsupportedAttachment, "5.6.3", "attachment type not supported",
        "The attachment \"{attachment}\" is of a type the gateway cannot send.",
        "Der Anhang „{attachment}“ hat einen Typ, den das Gateway nicht senden kann."),
    row(Cause::DamagedAttachment, "5.6.5", "attachment damaged or not what its type says",
        "The attachment \"{attachment}\" is damaged or not the kind of file its name or type says.",
        "Der Anhang „{attachment}“ ist beschädigt oder nicht die Art von Datei, die sein Name oder Typ angibt."),
    row(Cause::Cancelled, "5.0.0", "cancelled by an operator",
        "An operator cancelled the message.",
        "Ein Administrator hat die Nachricht abgebrochen."),
    row(Cause::Other, "5.0.0", "",
        "{reason}",
        "{reason}"),
];

impl Cause {
    /// The cause's row in [`CAUSES`].
    pub fn entry(self) -> &'static CauseEntry {
        CAUSES
            .iter()
            .find(|e| e.cause == self)
            .unwrap_or(&CAUSES[CAUSES.len() - 1])
    }

    /// A transient cause: the job may try again.
    pub fn is_temporary(self) -> bool {
        self.entry().status.starts_with('4')
    }

    /// The human reason in the user's language. A sentence about an
    /// attachment needs its name: without one, the message's own reason
    /// (which names the document where it can) stands instead.
    pub fn human(self, lang: Language, attachment: Option<&str>, reason: Option<&str>) -> String {
        let entry = self.entry();
        let text = if lang == Language::De {
            entry.de
        } else {
            entry.en
        };
        let unknown = if lang == Language::De {
            "Unbekannter Fehler."
        } else {
            "Unknown error."
        };
        let reason = reason.filter(|r| !r.trim().is_empty()).unwrap_or(unknown);
        match attachment.filter(|a| !a.is_empty()) {
            Some(name) => text.replace("{attachment}", name),
            None if text.contains("{attachment}") => reason.to_owned(),
            None => text.to_owned(),
        }
        .replace("{reason}", reason)
    }
}

/// RFC 3464 `Action` of the one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Delivered,
    Delayed,
    Failed,
}

impl Action {
    /// The action the message's status stands for.
    pub fn for_status(status: Status) -> Action {
        match status {
            Status::Sent | Status::Delivered => Action::Delivered,
            Status::Queued | Status::Sending | Status::Retrying => Action::Delayed,
            Status::Failed | Status::Cancelled | Status::Deleted | Status::Received => {
                Action::Failed
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Action::Delivered => "delivered",
            Action::Delayed => "delayed",
            Action::Failed => "failed",
        }
    }

    /// The status code sent with this action: 2.0.0 when delivered, the
    /// cause's code otherwise, forced to class 4 when delayed and to class 5
    /// when a failure names a success cause.
    pub fn status_code(self, cause: Cause) -> String {
        let code = cause.entry().status;
        match self {
            Action::Delivered => "2.0.0".into(),
            Action::Delayed => format!("4{}", &code[1..]),
            Action::Failed if code.starts_with('2') => "5.0.0".into(),
            Action::Failed => code.into(),
        }
    }
}

/// What a confirmation or failure notice is made from.
#[derive(Debug, Clone)]
pub struct Dispatch<'a> {
    pub message: &'a Message,
    pub cause: Cause,
    /// The line's own words (T.30 result, Q.850 cause); the table's default
    /// diagnostic otherwise.
    pub diagnostic: Option<&'a str>,
    /// The attachment a render cause is about ([`Dispatch::new`] takes the
    /// message's [`failure_attachment`](Message::failure_attachment)).
    pub attachment: Option<&'a str>,
    /// A partial send that was resumed from this page in a later call.
    pub resumed_from_page: Option<u32>,
    /// When the next attempt is due (delayed reports).
    pub next_attempt: Option<Timestamp>,
    /// The header of the mail the user sent, for `text/rfc822-headers` and
    /// (when `original_message_id` is not given) its Message-ID.
    pub original_headers: Option<&'a [u8]>,
    pub original_message_id: Option<&'a str>,
    pub language: Language,
    pub now: Timestamp,
}

impl<'a> Dispatch<'a> {
    /// A report with only the required inputs; set the other fields as needed.
    pub fn new(
        message: &'a Message,
        cause: Cause,
        language: Language,
        now: Timestamp,
    ) -> Dispatch<'a> {
        Dispatch {
            message,
            cause,
            diagnostic: None,
            attachment: message.failure_attachment.as_deref(),
            resumed_from_page: None,
            next_attempt: None,
            original_headers: None,
            original_message_id: None,
            language,
            now,
        }
    }
}

/// The dispatch confirmation of an outgoing message that was on a line:
/// delivered, failed, or delayed (retrying), following the message status.
pub fn confirmation(cfg: &ReportConfig, d: &Dispatch) -> OutgoingMail {
    let action = Action::for_status(d.message.status);
    let kind = match action {
        Action::Delivered => TemplateKind::Delivered,
        Action::Delayed => TemplateKind::Delayed,
        Action::Failed => TemplateKind::Failed,
    };
    build(cfg, d, action, kind, MailKind::Confirmation)
}

/// The notice for a message that never got on a line (bad number, not
/// permitted, render error): a DSN with `Action: failed`.
pub fn failure_notice(cfg: &ReportConfig, d: &Dispatch) -> OutgoingMail {
    build(
        cfg,
        d,
        Action::Failed,
        TemplateKind::NotSent,
        MailKind::FailureNotice,
    )
}

fn build(
    cfg: &ReportConfig,
    d: &Dispatch,
    action: Action,
    template: TemplateKind,
    kind: MailKind,
) -> OutgoingMail {
    let msg = d.message;
    let lang = d.language;
    let diagnostic = d.diagnostic.unwrap_or(d.cause.entry().diagnostic);

    let mut vars = common_vars(cfg, msg, lang);
    vars.set(
        "reason",
        d.cause
            .human(lang, d.attachment, msg.status_reason.as_deref()),
    );
    vars.set("diagnostic", diagnostic);
    vars.set_opt(
        "resumed_from",
        d.resumed_from_page
            .filter(|&p| p > 1)
            .map(|p| p.to_string()),
    );
    vars.set_opt(
        "next_attempt",
        d.next_attempt
            .filter(|_| action == Action::Delayed)
            .map(time_text),
    );
    if action == Action::Failed && d.cause.is_temporary() {
        vars.set("gave_up", "yes");
    }
    let text = templates::render_with(&cfg.templates, template, lang, &vars);

    let recipient = report_recipient(cfg, msg);
    let original_id = d
        .original_message_id
        .and_then(clean_message_id)
        .or_else(|| {
            d.original_headers
                .and_then(find_message_id)
                .as_deref()
                .and_then(clean_message_id)
        });
    let tag = format!("{}.{}", action.name(), msg.attempts);
    let mut headers = headers_for(
        cfg,
        Mailbox::new(Some(&cfg.gateway_name), &cfg.notice_sender),
        &Mailbox::new(None, &recipient),
        &text.subject,
        msg,
        &tag,
        d.now,
    );
    if let Some(id) = original_id {
        headers.push(("In-Reply-To".into(), id.clone()));
        headers.push(("References".into(), id));
    }
    headers.push(("Auto-Submitted".into(), "auto-replied".into()));

    let mut parts = vec![
        Part::multipart(
            "alternative",
            "",
            vec![
                Part::text("plain", &text.plain),
                Part::text("html", &text.html),
            ],
        ),
        Part::leaf(
            "message/delivery-status",
            delivery_status(cfg, d, action, diagnostic).into_bytes(),
            TransferEncoding::SevenBit,
        ),
    ];
    parts.extend(d.original_headers.and_then(original_headers_part));
    let body = Part::multipart("report", "report-type=delivery-status", parts);
    OutgoingMail {
        envelope_from: String::new(),
        recipients: vec![recipient],
        data: mime::write_message(&headers, &body, &msg.id.to_string()),
        kind,
    }
}

/// Who gets the report: the envelope sender of the original (RFC 3461 §6),
/// else its `From`. A message that came with a null reverse path, or with no
/// sender at all, is reported to the default recipient instead.
fn report_recipient(cfg: &ReportConfig, msg: &Message) -> String {
    match msg.envelope_sender.as_deref().map(str::trim) {
        Some("") | Some("<>") => cfg.default_recipient.clone(),
        Some(sender) => sender.trim_matches(['<', '>']).to_owned(),
        None => msg
            .sender_address
            .clone()
            .unwrap_or_else(|| cfg.default_recipient.clone()),
    }
}

/// The `message/delivery-status` body: the per-message block, a blank line,
/// the per-recipient block (RFC 3464 §2.2, §2.3). ASCII only, folded.
fn delivery_status(cfg: &ReportConfig, d: &Dispatch, action: Action, diagnostic: &str) -> String {
    let msg = d.message;
    let mut out = String::new();
    // An empty name ends the per-message block (the blank separator line).
    let mut field = |name: &str, value: &str| {
        let value: String = mime::one_line(value)
            .chars()
            .map(|c| if c.is_ascii() { c } else { '?' })
            .collect();
        if !name.is_empty() {
            out.push_str(&mime::fold(&format!("{name}: {}", value.trim())));
        }
        out.push_str("\r\n");
    };
    field("Reporting-MTA", &format!("dns; {}", cfg.host));
    field("Arrival-Date", &msg.created_at.rfc5322());
    field("", "");
    if let Some(orig) = msg
        .original_recipient
        .as_deref()
        .filter(|o| o.is_ascii() && !o.trim().is_empty())
    {
        field("Original-Recipient", &format!("rfc822;{orig}"));
    }
    field(
        "Final-Recipient",
        &format!("rfc822;{}", final_recipient(cfg, msg)),
    );
    field("Action", action.name());
    field("Status", &action.status_code(d.cause));
    if !diagnostic.trim().is_empty() {
        field("Diagnostic-Code", &format!("X-UMS; {diagnostic}"));
    }
    if msg.attempts > 0 {
        field(
            "Last-Attempt-Date",
            &msg.completed_at.unwrap_or(msg.updated_at).rfc5322(),
        );
    }
    out
}

/// `<number>@<service domain>`, or the address the user wrote, ASCII only.
fn final_recipient(cfg: &ReportConfig, msg: &Message) -> String {
    let candidate = match (&msg.recipient_number, &msg.recipient_address) {
        (Some(number), _) => format!("{number}@{}", cfg.domain(msg.service)),
        (None, Some(addr)) => addr.clone(),
        (None, None) => format!("unknown@{}", cfg.domain(msg.service)),
    };
    candidate.chars().filter(|c| c.is_ascii_graphic()).collect()
}

/// The original mail's header block as `text/rfc822-headers` (RFC 6522 §4):
/// only the header, CRLF line ends; 8bit if it carries UTF-8, base64 if a
/// line is too long to pass unchanged.
fn original_headers_part(raw: &[u8]) -> Option<Part> {
    let mut block = Vec::new();
    for line in raw.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        block.extend_from_slice(line);
        block.extend_from_slice(b"\r\n");
    }
    if block.is_empty() {
        return None;
    }
    let too_long = block.split(|&b| b == b'\n').any(|l| l.len() > 998);
    let encoding = match (too_long, block.is_ascii()) {
        (true, _) => TransferEncoding::Base64,
        (false, true) => TransferEncoding::SevenBit,
        (false, false) => TransferEncoding::EightBit,
    };
    Some(Part::leaf("text/rfc822-headers", block, encoding))
}

/// The Message-ID field of a header block, unfolded.
pub(super) fn find_message_id(raw: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let mut lines = text
        .lines()
        .take_while(|l| !l.trim_end_matches('\r').is_empty());
    while let Some(line) = lines.next() {
        if line.len() >= 11 && line[..11].eq_ignore_ascii_case("message-id:") {
            let mut value = line[11..].to_owned();
            for more in lines.by_ref().take_while(|l| l.starts_with([' ', '\t'])) {
                value.push_str(more);
            }
            return Some(value);
        }
    }
    None
}

/// `<id@host>` if the value holds a plausible message id, else `None`.
pub(super) fn clean_message_id(value: &str) -> Option<String> {
    let start = value.find('<')?;
    let end = start + value[start..].find('>')?;
    let inner = &value[start + 1..end];
    let plausible = !inner.is_empty()
        && inner.len() < 900
        && inner.chars().all(|c| c.is_ascii_graphic() && c != '<');
    plausible.then(|| format!("<{inner}>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_has_one_row_with_a_valid_code() {
        for entry in CAUSES {
            assert_eq!(CAUSES.iter().filter(|e| e.cause == entry.cause).count(), 1);
            let parts: Vec<&str> = entry.status.split('.').collect();
            assert_eq!(parts.len(), 3, "{:?}", entry.cause);
            assert!(["2", "4", "5"].contains(&parts[0]));
            assert!(entry.diagnostic.is_ascii());
        }
    }

    #[test]
    fn a_damaged_attachment_is_named_and_called_damaged_in_both_languages() {
        let c = Cause::DamagedAttachment;
        assert_eq!(
            c.human(Language::En, Some("offer.pdf"), None),
            "The attachment \"offer.pdf\" is damaged or not the kind of file its name or type says."
        );
        let de = c.human(Language::De, Some("offer.pdf"), None);
        assert!(de.contains("„offer.pdf“ ist beschädigt"), "{de}");
        assert!(!c.is_temporary());
    }

    #[test]
    fn an_attachment_sentence_without_the_name_gives_the_reason_instead() {
        let reason = "offer.pdf: the file is damaged or not a valid PDF (no pages)";
        for c in [
            Cause::DamagedAttachment,
            Cause::UnsupportedAttachment,
            Cause::RenderFailed,
        ] {
            assert_eq!(c.human(Language::En, None, Some(reason)), reason);
            assert!(!c.human(Language::De, None, None).contains('?'));
        }
    }

    #[test]
    fn action_sets_the_status_class() {
        assert_eq!(Action::Delayed.status_code(Cause::Busy), "4.4.1");
        assert_eq!(Action::Failed.status_code(Cause::Busy), "4.4.1");
        assert_eq!(Action::Failed.status_code(Cause::BadNumber), "5.1.1");
        assert_eq!(Action::Failed.status_code(Cause::Sent), "5.0.0");
        assert_eq!(Action::Delivered.status_code(Cause::Busy), "2.0.0");
    }

    #[test]
    fn message_id_is_found_in_folded_headers() {
        let raw = b"From: a@b\r\nMessage-ID:\r\n <abc@host>\r\nSubject: x\r\n\r\nbody <no@no>";
        assert_eq!(
            find_message_id(raw)
                .as_deref()
                .and_then(clean_message_id)
                .as_deref(),
            Some("<abc@host>")
        );
        assert_eq!(clean_message_id("junk"), None);
    }
}
