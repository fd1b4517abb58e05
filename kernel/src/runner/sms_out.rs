//! Outgoing SMS jobs (issue 15): a mail to `<number>@sms.<domain>` is a
//! job like a fax's, its SMS parts counted as its pages. The GSM lines
//! (the gateway's `gsm_lines`, each a line of the group of GSM modems)
//! take due jobs here, one at a time per line, and report back:
//!
//! ```text
//!  Waiting ──take_sms──▶ Active ──sms_part_sent (each +CMGS: <mr>)──▶ Active
//!     ▲                    │ sms_failed (temporary: +CMS "no network", line lost)
//!     └────────────────────┘ retried by the policy, from the first part not sent
//!                          │ sms_failed (permanent, or a status report "failed")
//!                          └──▶ Done(Failed): failure notice with the reason
//!  Active ──sms_finished (every part sent; status reports in, or their wait over)──▶ Done(Sent)
//! ```
//!
//! [`Message::delivery`](crate::message::Message::delivery) says what the
//! network's status reports said ("delivered to the handset", "pending:
//! …"); the confirmation shows it. A job still waiting for its reports
//! when the gateway stops is, at the next start, confirmed as sent with
//! its delivery pending (the reports' references were the old process's).
//! A due job goes only to a line that is in service and registered: with
//! no network it stays queued (no attempt is used up) and goes when the
//! network returns.

use super::Runner;
use crate::job::{AttemptResult, FailureKind, JobEvent, JobState};
use crate::message::{MessageId, Service, Timestamp};
use crate::report::Cause;
use crate::store::StoreError;

/// An SMS job on a line: what to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsTask {
    pub id: MessageId,
    /// The number in its international form (`+491701234567`).
    pub number: String,
    pub text: String,
    /// The first part to send (1-based): parts before it went in an
    /// earlier attempt.
    pub first_part: u32,
    /// The parts of the whole text.
    pub parts: u32,
    /// The concatenation reference: the same in every attempt, so the
    /// handset puts parts of different attempts together.
    pub reference: u8,
}

/// The concatenation reference of message `id`.
pub fn sms_reference(id: MessageId) -> u8 {
    (id.0 % 255) as u8 + 1
}

impl Runner {
    /// The most urgent due SMS job, started on `line` (stored before it is
    /// returned); `None` when none is due or the gateway is stopping.
    pub fn take_sms(&mut self, line: &str, now: Timestamp) -> Result<Option<SmsTask>, StoreError> {
        if self.draining {
            return Ok(None);
        }
        let next = self
            .open
            .values()
            .filter(|r| r.message.service == Service::Sms)
            .filter_map(|r| {
                r.job
                    .as_ref()
                    .filter(|j| j.is_due(now))
                    .map(|j| (j.priority, r.message.created_at, r.message.id))
            })
            .filter(|(p, _, _)| self.in_window(*p, now))
            .min();
        let Some((_, _, id)) = next else {
            return Ok(None);
        };
        self.apply(id, JobEvent::Start { line: line.into() }, now, "Start")?;
        let Some(rec) = self.open.get(&id) else {
            return Ok(None);
        };
        let m = &rec.message;
        let job = rec.job.as_ref().expect("open records have a job");
        Ok(Some(SmsTask {
            id,
            number: m
                .recipient_number
                .clone()
                .or_else(|| m.dial_string.clone())
                .unwrap_or_default(),
            text: m.text.clone().unwrap_or_default(),
            first_part: job.next_page(),
            parts: job.pages_total,
            reference: sms_reference(id),
        }))
    }

    /// Part `part` (1-based, of the whole text) went to the network.
    pub fn sms_part_sent(
        &mut self,
        id: MessageId,
        part: u32,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let event = JobEvent::PageConfirmed { page: part };
        self.apply(id, event, now, "PageConfirmed")
    }

    /// The attempt ended: every part sent, and `delivery` is what the
    /// status reports said (or that none was asked for or came in time).
    pub fn sms_finished(
        &mut self,
        id: MessageId,
        delivery: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.set_delivery(id, delivery);
        let r = AttemptResult {
            pages_confirmed: 0,
            failure: None,
            bit_rate: 0,
            remote_id: None,
            duration_secs: self.active_secs(id, now),
            cause: Some(Cause::Sent),
            code: None,
        };
        self.apply(id, JobEvent::AttemptEnded(r), now, "AttemptEnded")
    }

    /// The attempt failed: `temporary` ones are retried by the policy
    /// (from the first part not sent), the others fail the job with
    /// `reason` (the network's or the modem's words) in the notice.
    pub fn sms_failed(
        &mut self,
        id: MessageId,
        temporary: bool,
        reason: &str,
        code: Option<String>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let kind = if temporary {
            FailureKind::Temporary
        } else {
            FailureKind::Permanent
        };
        let mut r = super::outbound::failure(kind, reason.to_string(), 0, Cause::Other);
        r.code = code;
        r.duration_secs = self.active_secs(id, now);
        if !temporary {
            self.set_delivery(id, &format!("failed: {reason}"));
        }
        self.apply(id, JobEvent::AttemptEnded(r), now, "AttemptEnded")
    }

    /// A status report "still trying" (or another note on the way):
    /// stored in the journal, the job stays where it is.
    pub fn sms_delivery_note(
        &mut self,
        id: MessageId,
        delivery: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let Some(rec) = self.open.get_mut(&id) else {
            return Ok(());
        };
        rec.message.delivery = Some(delivery.to_string());
        rec.message.updated_at = now;
        self.store.update(rec, "Delivery")
    }

    /// Whether job `id` is open (not finished, cancelled or deleted).
    pub fn is_open(&self, id: MessageId) -> bool {
        self.open.contains_key(&id)
    }

    fn set_delivery(&mut self, id: MessageId, delivery: &str) {
        if let Some(rec) = self.open.get_mut(&id) {
            rec.message.delivery = Some(delivery.to_string());
        }
    }

    fn active_secs(&self, id: MessageId, now: Timestamp) -> u32 {
        match self
            .open
            .get(&id)
            .and_then(|r| r.job.as_ref())
            .map(|j| &j.state)
        {
            Some(JobState::Active { since, .. }) => since.secs_until(now) as u32,
            _ => 0,
        }
    }
}
