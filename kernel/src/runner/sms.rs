//! SMS that arrive (a GSM modem's `+CMT`/`+CMTI`, or the simulated
//! network): routed like a fax to a mailbox and stored as an incoming SMS.
//!
//! **Replies.** An SMS whose called number has no route of its own (it
//! would go to the default recipient) from a number the gateway sent an
//! SMS to goes to the sender of the newest such SMS instead: the answer
//! reaches the person who asked. Its mail comes from
//! `<number>@sms.<domain>`, so answering it sends an SMS back.

use super::incoming::{incoming_message, Arrival};
use super::Runner;
use crate::message::{Direction, MessageId, Service, Timestamp};
use crate::store::StoreError;

impl Runner {
    /// An SMS arrived on `line` from `caller` for `called`: stored, marked
    /// for delivery, and handed out by [`Runner::take_handoffs`]. `None`
    /// when the runner takes no incoming messages ([`Runner::with_inbound`]
    /// not called).
    pub fn receive_sms(
        &mut self,
        caller: Option<&str>,
        called: &str,
        text: &str,
        line: &str,
        now: Timestamp,
    ) -> Result<Option<MessageId>, StoreError> {
        let Some(cfg) = self.inbound.as_ref() else {
            return Ok(None);
        };
        let id = self.store.next_id()?;
        let arrival = Arrival {
            service: Service::Sms,
            caller,
            called,
            line,
            started: now,
        };
        let mut m = incoming_message(cfg, id, &arrival, now);
        m.text = Some(text.to_string());
        if m.unrouted {
            if let Some((mailbox, user)) =
                m.caller_number.as_deref().and_then(|c| self.sms_asker(c))
            {
                m.recipient_address = Some(mailbox);
                m.user = user;
                m.unrouted = false;
            }
        }
        self.store_incoming(m).map(Some)
    }

    /// The sender (mailbox, user) of the newest outgoing SMS to `number`,
    /// among the newest [`REPLY_LOOKBACK`] messages of the journal.
    fn sms_asker(&self, number: &str) -> Option<(String, Option<String>)> {
        self.store
            .newest_first(None)
            .take(REPLY_LOOKBACK)
            .filter_map(Result::ok)
            .map(|(_, r)| r.message)
            .find(|m| {
                m.direction == Direction::Outgoing
                    && m.service == Service::Sms
                    && m.recipient_number.as_deref() == Some(number)
                    && m.attempts > 0
            })
            .and_then(|m| Some((m.sender_address.or(m.envelope_sender)?, m.user)))
            .filter(|(a, _)| !a.is_empty())
    }
}

/// How far back in the journal a reply looks for the SMS it answers.
pub const REPLY_LOOKBACK: usize = 10_000;
