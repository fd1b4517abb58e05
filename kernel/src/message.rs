//! The one message model for fax, voice and SMS, outgoing and incoming,
//! with the journal fields operators know from commercial UMS products.
//!
//! Time is a [`Timestamp`] given by the caller (milliseconds since the Unix
//! epoch): nothing here reads a clock.

use serde::{Deserialize, Serialize};

/// Milliseconds since 1970-01-01T00:00:00Z, passed in by whoever drives the kernel.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct Timestamp(pub u64);

impl Timestamp {
    pub fn plus_secs(self, secs: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(secs.saturating_mul(1000)))
    }

    pub fn secs_until(self, later: Timestamp) -> u64 {
        later.0.saturating_sub(self.0) / 1000
    }

    /// RFC 5322 date-time in UTC (`Fri, 27 Nov 2026 20:26:41 +0000`).
    pub fn rfc5322(self) -> String {
        let secs = self.0 / 1000;
        let (y, mo, d) = civil_from_days((secs / 86_400) as i64);
        let rem = secs % 86_400;
        let weekday =
            ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][((secs / 86_400) % 7) as usize];
        let month = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ][(mo - 1) as usize];
        format!(
            "{weekday}, {d:02} {month} {y} {:02}:{:02}:{:02} +0000",
            rem / 3600,
            (rem / 60) % 60,
            rem % 60
        )
    }

    /// ISO 8601 in UTC (`2026-11-27T20:26:41Z`), for the journal and JSON.
    pub fn iso8601(self) -> String {
        let secs = self.0 / 1000;
        let (y, mo, d) = civil_from_days((secs / 86_400) as i64);
        let rem = secs % 86_400;
        format!(
            "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            (rem / 60) % 60,
            rem % 60
        )
    }
}

/// Days since the epoch to (year, month, day), proleptic Gregorian
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A message's number in the store and the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MessageId(pub u64);

impl std::fmt::Display for MessageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:08}", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    Outgoing,
    Incoming,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Service {
    Fax,
    Voice,
    Sms,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Fax => "fax",
            Service::Voice => "voice",
            Service::Sms => "sms",
        }
    }

    /// RFC 3458 Message-Context value.
    pub fn message_context(self) -> &'static str {
        match self {
            Service::Fax => "fax-message",
            Service::Voice => "voice-message",
            // RFC 3458 registers no "sms-message"; SMS is its "pager-message".
            Service::Sms => "pager-message",
        }
    }
}

/// Where a message stands, as the journal shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    /// Accepted and stored; waiting for its turn (or its send-at time).
    Queued,
    /// On a line now.
    Sending,
    /// Waiting to retry after a failed attempt.
    Retrying,
    /// Every page (or the SMS) was confirmed by the remote.
    Sent,
    /// Gave up: a permanent cause, or attempts ran out.
    Failed,
    /// Cancelled by an operator before it was sent.
    Cancelled,
    /// Deleted by an operator.
    Deleted,
    /// Incoming: received and stored.
    Received,
    /// Incoming: handed to the outbox for the recipient's mailbox.
    Delivered,
}

impl Status {
    /// The status as the journal, the metrics and the web say it.
    pub fn name(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sending => "sending",
            Status::Retrying => "retrying",
            Status::Sent => "sent",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
            Status::Deleted => "deleted",
            Status::Received => "received",
            Status::Delivered => "delivered",
        }
    }

    /// No more work will happen for the message.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Sent | Status::Failed | Status::Cancelled | Status::Deleted | Status::Delivered
        )
    }
}

/// A fax, voice message or SMS with its journal fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub direction: Direction,
    pub service: Service,
    /// The user (directory id) it belongs to: the sender of an outgoing
    /// message, the mailbox owner of an incoming one.
    pub user: Option<String>,
    /// `From:` of the mail (outgoing) or caller as an address (incoming).
    pub sender_address: Option<String>,
    /// SMTP envelope sender (`MAIL FROM`).
    pub envelope_sender: Option<String>,
    /// Canonical E.164 number of the recipient (outgoing) or the called
    /// number (incoming).
    pub recipient_number: Option<String>,
    /// Mail address of the recipient: `<number>@fax.domain` (outgoing) or
    /// the mailbox (incoming).
    pub recipient_address: Option<String>,
    /// The recipient as the user wrote it, before normalisation.
    pub original_recipient: Option<String>,
    /// Caller id of an incoming call, normalised to E.164 where possible.
    pub caller_number: Option<String>,
    /// What the line dials for the recipient (numbering plan applied).
    #[serde(default)]
    pub dial_string: Option<String>,
    pub subject: Option<String>,
    /// Pages in the document (fax).
    pub pages: u32,
    /// Pages confirmed by the remote so far (fax).
    pub pages_sent: u32,
    /// Image data rate of the last attempt, bit/s.
    pub transmit_speed: u32,
    pub resolution: Option<String>,
    pub local_station_id: Option<String>,
    pub remote_station_id: Option<String>,
    /// Line time of the last call, seconds.
    pub duration_secs: u32,
    pub attempts: u32,
    pub status: Status,
    /// The human reason for the status (the sentence in the report).
    pub status_reason: Option<String>,
    /// The class of the last failure, for the report's status code.
    #[serde(default)]
    pub failure_cause: Option<crate::report::Cause>,
    /// The attachment a render failure is about (damaged, of a type we do
    /// not send): the reports and the journal name it.
    #[serde(default)]
    pub failure_attachment: Option<String>,
    pub line: Option<String>,
    pub billing_code: Option<String>,
    pub priority: u8,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    /// The document to send or the received one (spool path).
    pub document: Option<String>,
    /// SMS text or a note.
    pub text: Option<String>,
    /// No route matched an incoming number: delivered to the default recipient.
    pub unrouted: bool,
    /// Outgoing fax: the sending user's header text, printed on top of each
    /// page with the date, time and page n/m.
    #[serde(default)]
    pub fax_header: Option<String>,
    /// Outgoing fax accepted but not rendered yet: the spool path of the
    /// mail as received (fsynced before the 250). The render pool turns it
    /// into `document` and a job, and clears this; a restart renders every
    /// record that still has it.
    #[serde(default)]
    pub raw_mail: Option<String>,
    /// Voice: how the recording ended (silence, the end key, the caller
    /// hung up, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    /// Work owed to people after the last change, written in the same
    /// record as the change; a delivery worker does it and clears it in
    /// the same write as the mail it queues (see `kernel::handoff`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<Pending>,
    /// Outgoing: each attempt with its cause, oldest first, the last
    /// [`ATTEMPT_LOG_MAX`] kept (`attempts` counts them all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempt_log: Vec<Attempt>,
    /// Outgoing SMS: what the network's status reports say (delivered to
    /// the handset, pending, failed and why), for the confirmation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
}

/// How many attempts a record keeps in [`Message::attempt_log`].
pub const ATTEMPT_LOG_MAX: usize = 20;

/// One attempt of an outgoing message, as the journal shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The job's attempt number (1-based; an attempt a restart cut short
    /// does not count, so the next one has the same number).
    pub number: u32,
    pub started_at: Timestamp,
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    pub line: String,
    /// What the line dialled (numbering plan applied).
    #[serde(default)]
    pub dialled: Option<String>,
    /// The page this attempt started from.
    pub first_page: u32,
    /// Pages of the document confirmed when it ended (from page 1).
    #[serde(default)]
    pub pages_confirmed: u32,
    /// How it ended, in words; `None` while it runs.
    #[serde(default)]
    pub outcome: Option<String>,
    /// The class of the cause (busy, no answer, ...); `Sent` for success.
    #[serde(default)]
    pub cause: Option<crate::report::Cause>,
    /// The network's or T.30's code (`Q.850 17`, `T.30 0 (OK)`).
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub bit_rate: u32,
}

impl Message {
    /// Record the start of an attempt, dropping the oldest beyond
    /// [`ATTEMPT_LOG_MAX`].
    pub fn begin_attempt(&mut self, number: u32, line: &str, first_page: u32, now: Timestamp) {
        if self.attempt_log.len() >= ATTEMPT_LOG_MAX {
            let excess = self.attempt_log.len() + 1 - ATTEMPT_LOG_MAX;
            self.attempt_log.drain(..excess);
        }
        self.attempt_log.push(Attempt {
            number,
            started_at: now,
            ended_at: None,
            line: line.to_string(),
            dialled: self
                .dial_string
                .clone()
                .or_else(|| self.recipient_number.clone()),
            first_page,
            pages_confirmed: 0,
            outcome: None,
            cause: None,
            code: None,
            bit_rate: 0,
        });
    }

    /// Close the attempt in progress with how it ended. An attempt that
    /// was never opened (a record from before the log) is left alone.
    pub fn end_attempt(&mut self, r: &crate::job::AttemptResult, now: Timestamp) {
        let Some(a) = self.attempt_log.last_mut().filter(|a| a.ended_at.is_none()) else {
            return;
        };
        a.ended_at = Some(now);
        a.pages_confirmed = r.pages_confirmed.max(a.first_page.saturating_sub(1));
        a.bit_rate = r.bit_rate;
        a.code = r.code.clone();
        match &r.failure {
            None => {
                a.outcome = Some(format!("{} page(s) confirmed", r.pages_confirmed));
                a.cause = Some(r.cause.unwrap_or(crate::report::Cause::Sent));
            }
            Some((_, reason)) => {
                a.outcome = Some(reason.clone());
                a.cause = r.cause;
            }
        }
    }

    /// Close the attempt in progress without a result from the call
    /// (a restart cut it, an operator cancelled it).
    pub fn interrupt_attempt(&mut self, why: &str, now: Timestamp) {
        if let Some(a) = self.attempt_log.last_mut().filter(|a| a.ended_at.is_none()) {
            a.ended_at = Some(now);
            a.pages_confirmed = self.pages_sent;
            a.outcome = Some(why.to_string());
        }
    }
}

/// Work owed to people that a record carries until it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pending {
    /// An incoming message to deliver: mailed to its mailbox (mail mode),
    /// or only marked done (local-store mode: it stays in the journal).
    Deliver,
    /// The notice an outgoing job's step called for, with the message's
    /// status when it did (a later change must not alter the notice).
    Notice(crate::job::Effect, Status),
}

impl Message {
    /// A new message with every optional field empty.
    pub fn new(id: MessageId, direction: Direction, service: Service, now: Timestamp) -> Message {
        Message {
            id,
            direction,
            service,
            user: None,
            sender_address: None,
            envelope_sender: None,
            recipient_number: None,
            recipient_address: None,
            original_recipient: None,
            caller_number: None,
            dial_string: None,
            subject: None,
            pages: 0,
            pages_sent: 0,
            transmit_speed: 0,
            resolution: None,
            local_station_id: None,
            remote_station_id: None,
            duration_secs: 0,
            attempts: 0,
            status: match direction {
                Direction::Outgoing => Status::Queued,
                Direction::Incoming => Status::Received,
            },
            status_reason: None,
            failure_cause: None,
            failure_attachment: None,
            line: None,
            billing_code: None,
            priority: 5,
            created_at: now,
            updated_at: now,
            completed_at: None,
            document: None,
            text: None,
            unrouted: false,
            fax_header: None,
            raw_mail: None,
            end_reason: None,
            pending: Vec::new(),
            attempt_log: Vec::new(),
            delivery: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rendered_in_utc() {
        // 2026-11-27T20:26:41Z
        let t = Timestamp(1_795_811_201_000);
        assert_eq!(t.iso8601(), "2026-11-27T20:26:41Z");
        assert_eq!(t.rfc5322(), "Fri, 27 Nov 2026 20:26:41 +0000");
        assert_eq!(Timestamp(0).rfc5322(), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(Timestamp(951_782_400_000).iso8601(), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn the_attempt_log_keeps_the_last_twenty() {
        let mut m = Message::new(
            MessageId(1),
            Direction::Outgoing,
            Service::Fax,
            Timestamp(0),
        );
        m.dial_string = Some("0049301234".into());
        for n in 1..=25u32 {
            m.begin_attempt(n, "line-1", 1, Timestamp(u64::from(n) * 1000));
            let r = crate::job::AttemptResult {
                pages_confirmed: 0,
                failure: Some((crate::job::FailureKind::Temporary, "busy".into())),
                bit_rate: 0,
                remote_id: None,
                duration_secs: 0,
                cause: Some(crate::report::Cause::Busy),
                code: Some("Q.850 17".into()),
            };
            m.end_attempt(&r, Timestamp(u64::from(n) * 1000 + 500));
        }
        assert_eq!(m.attempt_log.len(), ATTEMPT_LOG_MAX);
        assert_eq!(m.attempt_log[0].number, 6);
        assert_eq!(m.attempt_log[19].number, 25);
        assert_eq!(m.attempt_log[19].dialled.as_deref(), Some("0049301234"));
        assert_eq!(m.attempt_log[19].outcome.as_deref(), Some("busy"));
        // A result without an open attempt (a record from before the log)
        // changes nothing.
        let before = m.attempt_log.clone();
        m.end_attempt(
            &crate::job::AttemptResult {
                pages_confirmed: 1,
                failure: None,
                bit_rate: 9600,
                remote_id: None,
                duration_secs: 1,
                cause: None,
                code: None,
            },
            Timestamp(99_000),
        );
        assert_eq!(m.attempt_log, before);
    }

    #[test]
    fn a_record_without_an_attempt_log_still_reads() {
        let m = Message::new(
            MessageId(2),
            Direction::Outgoing,
            Service::Fax,
            Timestamp(0),
        );
        let json = serde_json::to_string(&m).unwrap();
        assert!(!json.contains("attempt_log"));
        let back: Message = serde_json::from_str(&json).unwrap();
        assert!(back.attempt_log.is_empty());
    }
}
