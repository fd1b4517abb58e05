//! The kernel's front door for outgoing messages: one call per recipient of
//! a mail, from the SMTP connector or `ums send`.
//!
//! ```text
//!  RCPT / To: entry ──Acceptor::recipient──▶ (Service, Number, address as written)
//!                                            or Refusal (relay denied, bad number)
//!  AcceptRequest    ──Acceptor::accept────▶ Accepted::Queued(Record)
//!                                            or Accepted::Rejected { Failed record, Refusal }
//! ```
//!
//! Checks, in order: the recipient address (service domain, no relay
//! tricks, a number the plan reads), the sender (a directory user), the
//! user's permission for the service and the dialling policy, the per-sender
//! rate limit. The recipient comes first so that a relay attempt is always
//! answered "we do not relay", whoever claims to send it.
//!
//! Every refusal maps to one row of [`REFUSALS`]: the report's [`Cause`] and
//! the SMTP reply (RFC 5321 §4.2, enhanced codes RFC 3463). Whether a
//! refusal is given at RCPT time or the mail is taken and answered with a
//! failure notice is the caller's decision (issue 4: an allowed relay's
//! sender without permission gets a notice); [`RefusalKind`] tells them
//! apart. Nothing here reads a clock: `now` is passed in.

use crate::directory::{Directory, User};
use crate::job::{Final, Job, JobState};
use crate::message::{Direction, Message, MessageId, Service, Status, Timestamp};
use crate::numbering::{DialPolicy, Number, NumberingPlan, PolicyError, RateLimiter};
use crate::report::Cause;
use crate::store::Record;

/// Hard cap on a recipient as handed to us. An SMTP path has at most 256
/// octets (RFC 5321 §4.5.3.1.3); a To entry with a display name gets more.
pub const MAX_ADDRESS_CHARS: usize = 512;

/// Longest reply text we put on an SMTP line (a reply line is at most 512
/// octets with code and CRLF, RFC 5321 §4.5.3.1.5).
const MAX_REPLY_TEXT: usize = 400;

/// Why a message is refused: each kind has one cause and one SMTP reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalKind {
    /// Not one of our service domains, or a relay trick (`%`, `!`, source
    /// route, quoted local part, address literal). Always refused at RCPT.
    RelayDenied,
    /// Not an address at all (no domain, unbalanced brackets, two addresses).
    BadAddress,
    /// The local part is not a number the numbering plan accepts.
    BadNumber,
    /// Neither the `From:` nor the envelope sender is a directory user.
    UnknownSender,
    /// The user may not use the service or dial the number (international,
    /// premium rate, a deny rule).
    NotPermitted,
    /// The sender used up the rate limit: try again later.
    RateLimited,
}

/// One row of the refusal table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefusalEntry {
    pub kind: RefusalKind,
    pub cause: Cause,
    pub code: u16,
    pub enhanced: &'static str,
}

const fn refusal_row(
    kind: RefusalKind,
    cause: Cause,
    code: u16,
    enhanced: &'static str,
) -> RefusalEntry {
    RefusalEntry {
        kind,
        cause,
        code,
        enhanced,
    }
}

/// Refusals, the report cause and the SMTP reply each maps to.
#[rustfmt::skip]
pub const REFUSALS: &[RefusalEntry] = &[
    refusal_row(RefusalKind::RelayDenied,   Cause::NotPermitted,  550, "5.7.1"),
    refusal_row(RefusalKind::BadAddress,    Cause::InvalidNumber, 553, "5.1.3"),
    refusal_row(RefusalKind::BadNumber,     Cause::InvalidNumber, 553, "5.1.3"),
    refusal_row(RefusalKind::UnknownSender, Cause::NotPermitted,  550, "5.7.1"),
    refusal_row(RefusalKind::NotPermitted,  Cause::NotPermitted,  550, "5.7.1"),
    refusal_row(RefusalKind::RateLimited,   Cause::Other,         451, "4.7.1"),
];

impl RefusalKind {
    pub fn entry(self) -> &'static RefusalEntry {
        REFUSALS
            .iter()
            .find(|e| e.kind == self)
            .expect("every refusal kind has a row")
    }
}

/// A refused message: the cause for the journal and the failure notice, the
/// sentence a person reads, and the SMTP reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct Refusal {
    pub kind: RefusalKind,
    pub cause: Cause,
    pub text: String,
    /// Reply code and enhanced status code: `(550, "5.7.1")`.
    pub smtp: (u16, &'static str),
    /// For a rate-limited sender: seconds until a retry can succeed.
    pub retry_after_secs: Option<u64>,
}

impl Refusal {
    fn new(kind: RefusalKind, text: impl Into<String>) -> Refusal {
        let e = kind.entry();
        Refusal {
            kind,
            cause: e.cause,
            text: text.into(),
            smtp: (e.code, e.enhanced),
            retry_after_secs: None,
        }
    }

    /// A 4xx refusal: the client should try again later.
    pub fn is_temporary(&self) -> bool {
        (400..500).contains(&self.smtp.0)
    }

    /// The reply line without CRLF: `550 5.7.1 <text>`, printable ASCII
    /// only (anything else the user wrote becomes `?`), length-capped.
    pub fn smtp_reply(&self) -> String {
        let text: String = self
            .text
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() || c == ' ' {
                    c
                } else {
                    '?'
                }
            })
            .take(MAX_REPLY_TEXT)
            .collect();
        format!("{} {} {text}", self.smtp.0, self.smtp.1)
    }
}

/// One recipient of one outgoing mail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcceptRequest {
    /// `MAIL FROM` path, brackets optional; empty for the null reverse path.
    pub envelope_sender: String,
    /// The `From:` header as written (display name allowed).
    pub from_header: Option<String>,
    /// The recipient: an RCPT path or a To entry with a display name.
    pub rcpt: String,
    pub subject: Option<String>,
    /// Spool path of the rendered TIFF (fax).
    pub document: Option<String>,
    pub pages: u32,
    /// The text of an SMS.
    pub text: Option<String>,
    /// 0 = most urgent, 9 = bulk (larger values count as 9).
    pub priority: u8,
    /// Send no earlier than this.
    pub send_at: Option<Timestamp>,
    pub billing_code: Option<String>,
}

/// What became of a request. Both carry a record for the journal.
#[derive(Debug, Clone, PartialEq)]
pub enum Accepted {
    /// A queued outgoing message with its waiting job, ready for
    /// `Store::insert_batch` / `Runner::submit`.
    Queued(Record),
    /// An outgoing message with status `Failed`, its `status_reason` and
    /// `failure_cause` set and its job done; and why. A temporary refusal
    /// (rate limit) is meant to be answered 4xx and not stored: the client
    /// sends it again.
    Rejected { record: Record, refusal: Refusal },
}

impl Accepted {
    pub fn record(&self) -> &Record {
        match self {
            Accepted::Queued(record) | Accepted::Rejected { record, .. } => record,
        }
    }

    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Accepted::Queued(_) => None,
            Accepted::Rejected { refusal, .. } => Some(refusal),
        }
    }
}

/// Checks outgoing messages and turns them into records.
#[derive(Debug, Clone)]
pub struct Acceptor {
    plan: NumberingPlan,
    policy: DialPolicy,
    directory: Directory,
    limiter: RateLimiter,
    /// Lower-case domain (no trailing dot) and the service it stands for.
    service_domains: Vec<(String, Service)>,
    /// Sender domains allowed as a whole: (lower-case domain, directory user
    /// whose permissions they get), for senders not in the directory.
    sender_domains: Vec<(String, String)>,
}

impl Acceptor {
    /// The sender rate limiter (a reload moves it into the new acceptor,
    /// with its counts).
    pub fn limiter_mut(&mut self) -> &mut RateLimiter {
        &mut self.limiter
    }

    /// `service_domains`: e.g. `("fax.example.com", Service::Fax)`; compared
    /// case-insensitively, a trailing dot ignored.
    pub fn new(
        plan: NumberingPlan,
        policy: DialPolicy,
        directory: Directory,
        limiter: RateLimiter,
        service_domains: Vec<(String, Service)>,
    ) -> Acceptor {
        let service_domains = service_domains
            .into_iter()
            .map(|(d, s)| (normalize_domain(&d), s))
            .collect();
        Acceptor {
            plan,
            policy,
            directory,
            limiter,
            service_domains,
            sender_domains: Vec::new(),
        }
    }

    /// Allow every sender of `domain` (e.g. the company's mail domain), with
    /// the permissions of the directory user `user_id`. Senders listed in
    /// the directory themselves keep their own.
    pub fn with_sender_domain(mut self, domain: &str, user_id: &str) -> Acceptor {
        self.sender_domains
            .push((normalize_domain(domain), user_id.to_string()));
        self
    }

    fn by_sender_domain(&self, address: &str) -> Option<&User> {
        let bare = bare_address(address).ok()?;
        let domain = normalize_domain(bare.rsplit_once('@')?.1);
        self.sender_domains
            .iter()
            .find(|(d, _)| *d == domain)
            .and_then(|(_, id)| self.directory.by_id(id))
    }

    pub fn plan(&self) -> &NumberingPlan {
        &self.plan
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The service a domain stands for, if it is one of ours.
    pub fn service_for(&self, domain: &str) -> Option<Service> {
        let domain = normalize_domain(domain);
        self.service_domains
            .iter()
            .find(|(d, _)| *d == domain)
            .map(|&(_, s)| s)
    }

    /// Reads a recipient: an RCPT path (`<+49-89-123456@fax.example.com>`,
    /// brackets optional) or a To entry with a display name
    /// (`"Dr. Müller" <+49 89 123-456@fax.example.com>`). Returns the
    /// service, the canonical number and the bare address as written.
    pub fn recipient(&self, rcpt: &str) -> Result<(Service, Number, String), Refusal> {
        let addr = bare_address(rcpt)?;
        let Some((local, domain)) = split_address(addr)? else {
            return Err(Refusal::new(
                RefusalKind::BadAddress,
                format!(
                    "'{addr}' is not an address: write the number followed by @ and the \
                     service domain (e.g. +49 89 123456@fax.example.com)"
                ),
            ));
        };
        let Some(service) = self.service_for(domain) else {
            return Err(Refusal::new(
                RefusalKind::RelayDenied,
                format!("{domain} is not a domain of this gateway; we do not relay"),
            ));
        };
        let number = self.plan.parse(local).map_err(|e| {
            Refusal::new(
                RefusalKind::BadNumber,
                format!("'{local}' is not a valid number: {e}"),
            )
        })?;
        Ok((service, number, addr.to_owned()))
    }

    /// Checks one recipient of a mail and builds its record; counts the
    /// message against the sender's rate limit if it is queued.
    pub fn accept(&mut self, req: &AcceptRequest, id: MessageId, now: Timestamp) -> Accepted {
        let mut m = Message::new(id, Direction::Outgoing, Service::Fax, now);
        m.envelope_sender = Some(strip_brackets(&req.envelope_sender).to_owned());
        m.sender_address = req
            .from_header
            .as_deref()
            .and_then(|f| bare_address(f).ok())
            .or_else(|| Some(strip_brackets(&req.envelope_sender)))
            .filter(|a| !a.is_empty())
            .map(str::to_owned);
        m.original_recipient = Some(req.rcpt.trim().to_owned());
        m.subject = req.subject.clone();
        m.pages = req.pages;
        m.document = req.document.clone();
        m.text = req.text.clone();
        m.priority = req.priority.min(9);
        m.billing_code = req.billing_code.clone();

        match self.check(req, &mut m, now) {
            Ok(()) => Accepted::Queued(Record {
                job: Some(Job::new(m.pages, m.priority, req.send_at.unwrap_or(now))),
                message: m,
            }),
            Err(refusal) => {
                m.status = Status::Failed;
                m.status_reason = Some(refusal.text.clone());
                m.failure_cause = Some(refusal.cause);
                m.completed_at = Some(now);
                let mut job = Job::new(m.pages, m.priority, now);
                job.last_reason = Some(refusal.text.clone());
                job.state = JobState::Done(Final::Failed {
                    reason: refusal.text.clone(),
                    permanent: !refusal.is_temporary(),
                });
                Accepted::Rejected {
                    record: Record {
                        message: m,
                        job: Some(job),
                    },
                    refusal,
                }
            }
        }
    }

    /// A new message with the pages of an outgoing `original` (its
    /// document as it was rendered, not rendered again), to its recipient
    /// or to `number` instead; checked like a new mail from the same
    /// sender (recipient, permissions, dialling policy, rate limit).
    pub fn resend(
        &mut self,
        original: &Message,
        number: Option<&str>,
        id: MessageId,
        now: Timestamp,
    ) -> Accepted {
        let written = original
            .recipient_address
            .as_deref()
            .or(original.original_recipient.as_deref())
            .unwrap_or_default();
        let rcpt = match number {
            Some(n) => {
                let domain = written.rsplit_once('@').map_or("", |(_, d)| d);
                format!("{}@{domain}", n.trim())
            }
            None => written.to_string(),
        };
        let req = AcceptRequest {
            envelope_sender: original.envelope_sender.clone().unwrap_or_default(),
            from_header: original.sender_address.clone(),
            rcpt,
            subject: original.subject.clone(),
            document: original.document.clone(),
            pages: original.pages,
            text: original.text.clone(),
            priority: original.priority,
            send_at: None,
            billing_code: original.billing_code.clone(),
        };
        self.accept(&req, id, now)
    }

    /// Fills the message field by field as each check passes.
    fn check(
        &mut self,
        req: &AcceptRequest,
        m: &mut Message,
        now: Timestamp,
    ) -> Result<(), Refusal> {
        let (service, number, written) = self.recipient(&req.rcpt)?;
        let domain = written.rsplit_once('@').map_or("", |(_, d)| d);
        m.service = service;
        m.original_recipient = Some(written.clone());
        m.recipient_address = Some(format!("{number}@{}", normalize_domain(domain)));
        m.dial_string = Some(self.plan.dial_string(&number));
        m.recipient_number = Some(number.to_string());

        let user = self.sender(req)?;
        m.user = Some(user.id.clone());
        m.local_station_id = self.station_id(user);
        m.fax_header = header_text(user, m.local_station_id.as_deref());
        let perms = self.directory.permissions(user);
        self.policy
            .check_call(&number, service, &perms)
            .map_err(|e| {
                let text = match e {
                    PolicyError::Service { .. } => format!(
                        "{} messages are not permitted for this sender.",
                        service_label(service)
                    ),
                    e => sentence(&e.to_string()),
                };
                Refusal::new(RefusalKind::NotPermitted, text)
            })?;

        let key = user.id.clone();
        self.limiter.check_and_record(&key, now).map_err(|e| {
            let mut r = Refusal::new(
                RefusalKind::RateLimited,
                format!(
                    "Too many messages from {}; try again in {} s.",
                    m.sender_address.as_deref().unwrap_or(&key),
                    e.retry_after_secs
                ),
            );
            r.retry_after_secs = Some(e.retry_after_secs);
            r
        })
    }

    /// The directory user behind the `From:` header, else the envelope sender.
    fn sender(&self, req: &AcceptRequest) -> Result<&User, Refusal> {
        let from = req.from_header.as_deref().filter(|f| !f.trim().is_empty());
        let envelope = strip_brackets(&req.envelope_sender);
        from.and_then(|f| self.directory.by_email(f))
            .or_else(|| {
                Some(envelope)
                    .filter(|e| !e.is_empty())
                    .and_then(|e| self.directory.by_email(e))
            })
            .or_else(|| from.and_then(|f| self.by_sender_domain(f)))
            .or_else(|| {
                Some(envelope)
                    .filter(|e| !e.is_empty())
                    .and_then(|e| self.by_sender_domain(e))
            })
            .ok_or_else(|| {
                let who = from
                    .and_then(|f| bare_address(f).ok())
                    .filter(|a| !a.is_empty())
                    .unwrap_or(if envelope.is_empty() { "<>" } else { envelope });
                Refusal::new(
                    RefusalKind::UnknownSender,
                    format!("The sender {who} is not a known user of this gateway."),
                )
            })
    }

    /// The user's sender number in canonical form, else the fax header text.
    fn station_id(&self, user: &User) -> Option<String> {
        user.sender_number
            .as_deref()
            .and_then(|n| self.plan.normalize_called(n, None))
            .map(|n| n.to_string())
            .or_else(|| user.fax_header.clone())
    }
}

/// The header text on the user's fax pages: theirs as configured, else
/// their name and sender number.
fn header_text(user: &User, station_id: Option<&str>) -> Option<String> {
    if let Some(h) = user.fax_header.as_deref().filter(|h| !h.trim().is_empty()) {
        return Some(h.trim().to_owned());
    }
    let composed = format!("{} {}", user.name.trim(), station_id.unwrap_or("").trim());
    let composed = composed.trim();
    (!composed.is_empty()).then(|| composed.to_owned())
}

fn normalize_domain(domain: &str) -> String {
    let d = domain.trim();
    d.strip_suffix('.').unwrap_or(d).to_ascii_lowercase()
}

fn strip_brackets(path: &str) -> &str {
    let p = path.trim();
    p.strip_prefix('<')
        .and_then(|p| p.strip_suffix('>'))
        .unwrap_or(p)
        .trim()
}

fn service_label(service: Service) -> &'static str {
    match service {
        Service::Fax => "Fax",
        Service::Voice => "Voice",
        Service::Sms => "SMS",
    }
}

/// First letter upper case, a full stop at the end.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut s: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

fn bad_address(text: String) -> Refusal {
    Refusal::new(RefusalKind::BadAddress, text)
}

fn relay_denied(what: &str) -> Refusal {
    Refusal::new(
        RefusalKind::RelayDenied,
        format!("{what} are not accepted; we do not relay"),
    )
}

/// The address inside the angle brackets of `Name <addr>`, or the whole
/// input without brackets (a trailing `(comment)` after the domain dropped).
/// Quotes and comments in the display name may hold `<` and `,`.
fn bare_address(input: &str) -> Result<&str, Refusal> {
    let input = input.trim();
    let chars = input.chars().count();
    if chars > MAX_ADDRESS_CHARS {
        return Err(bad_address(format!(
            "the address is too long: {chars} characters (at most {MAX_ADDRESS_CHARS})"
        )));
    }
    if input.chars().any(|c| c.is_control() && c != '\t') {
        return Err(bad_address(
            "the address contains control characters".into(),
        ));
    }
    let (mut quoted, mut escaped, mut comment) = (false, false, 0u32);
    let mut open = None;
    let mut comma = false;
    for (i, c) in input.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted || comment > 0 => escaped = true,
            '"' if comment == 0 => quoted = !quoted,
            _ if quoted => {}
            '(' => comment += 1,
            ')' => comment = comment.saturating_sub(1),
            _ if comment > 0 => {}
            '<' => {
                open = Some(i);
                break;
            }
            ',' => comma = true,
            _ => {}
        }
    }
    let Some(open) = open else {
        if input.contains('>') {
            return Err(bad_address(format!("'{input}': unbalanced '<' and '>'")));
        }
        if comma {
            return Err(bad_address(format!(
                "'{input}' holds more than one address; give one recipient at a time"
            )));
        }
        // `123@fax.example.com (Dr. Müller)`: drop the comment.
        return Ok(match input.rfind('@') {
            Some(at) => match input[at..].find('(') {
                Some(p) => input[..at + p].trim_end(),
                None => input,
            },
            None => input,
        });
    };
    let inner = &input[open + 1..];
    let Some(close) = inner.find('>') else {
        return Err(bad_address(format!("'{input}': '<' without '>'")));
    };
    let rest = inner[close + 1..].trim();
    if !(rest.is_empty() || (rest.starts_with('(') && rest.ends_with(')'))) {
        return Err(bad_address(format!(
            "'{input}': unexpected text after the address; give one recipient at a time"
        )));
    }
    Ok(inner[..close].trim())
}

/// Splits `local@domain`, refusing every classic relay trick. `None` if
/// there is no `@` at all.
fn split_address(addr: &str) -> Result<Option<(&str, &str)>, Refusal> {
    if addr.is_empty() {
        return Err(bad_address("no recipient address given".into()));
    }
    if addr.starts_with('@') {
        return Err(relay_denied("source routes (@host,@host:user@domain)"));
    }
    let Some((local, domain)) = addr.rsplit_once('@') else {
        if addr.contains(['%', '!']) {
            return Err(relay_denied("'%' and '!' routing addresses"));
        }
        return Ok(None);
    };
    let (local, domain) = (local.trim(), domain.trim());
    if domain.starts_with('[') {
        return Err(relay_denied("address literals like [192.0.2.1]"));
    }
    if local.contains('"') {
        return Err(relay_denied(
            "quoted local parts (write the number without quotes)",
        ));
    }
    if local.contains('%') {
        return Err(relay_denied("'%' routing addresses (user%host@domain)"));
    }
    if local.contains('!') {
        return Err(relay_denied("'!' paths (host!user)"));
    }
    if local.contains('@') {
        return Err(relay_denied("addresses with more than one '@'"));
    }
    if domain.is_empty() {
        return Ok(None);
    }
    if local.is_empty() {
        return Err(Refusal::new(
            RefusalKind::BadNumber,
            "no number given before the @".to_string(),
        ));
    }
    Ok(Some((local, domain)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_kind_has_one_row() {
        for kind in [
            RefusalKind::RelayDenied,
            RefusalKind::BadAddress,
            RefusalKind::BadNumber,
            RefusalKind::UnknownSender,
            RefusalKind::NotPermitted,
            RefusalKind::RateLimited,
        ] {
            assert_eq!(REFUSALS.iter().filter(|e| e.kind == kind).count(), 1);
            let e = kind.entry();
            assert_eq!(e.enhanced.as_bytes()[0], b'0' + (e.code / 100) as u8);
        }
    }

    #[test]
    fn display_names_with_brackets_in_quotes_and_comments() {
        assert_eq!(
            bare_address(r#""A <b>, c" <123@fax.example.com>"#).unwrap(),
            "123@fax.example.com"
        );
        assert_eq!(
            bare_address("Müller (Praxis <x>) <123@fax.example.com> (Fax)").unwrap(),
            "123@fax.example.com"
        );
        assert_eq!(
            bare_address("+49 (89) 123456@fax.example.com (Dr. Müller)").unwrap(),
            "+49 (89) 123456@fax.example.com"
        );
    }

    #[test]
    fn reply_line_is_printable_ascii() {
        let r = Refusal::new(RefusalKind::BadNumber, "'12ü\r\n3' is bad");
        assert_eq!(r.smtp_reply(), "553 5.1.3 '12???3' is bad");
    }
}
