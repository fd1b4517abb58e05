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
use crate::message::{Direction, Message, MessageId, Service, Timestamp};
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
        self.route_reply(&mut m);
        self.store_incoming(m).map(Some)
    }

    /// An unrouted SMS from a number we sent an SMS to goes to the sender
    /// of the newest such SMS (the module's rule for replies).
    fn route_reply(&self, m: &mut Message) {
        if m.unrouted {
            if let Some((mailbox, user)) =
                m.caller_number.as_deref().and_then(|c| self.sms_asker(c))
            {
                m.recipient_address = Some(mailbox);
                m.user = user;
                m.unrouted = false;
            }
        }
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

/// What became of an SMS handed to [`Runner::receive_sms_once`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsReceipt {
    /// Stored now, as this message.
    Stored(MessageId),
    /// Stored before (a restart read it again from the SIM): not stored twice.
    Duplicate(MessageId),
    /// The runner takes no incoming messages.
    NotTaken,
}

/// The side tree of dedupe keys: key → the message id (8 octets, big
/// endian) and the wall time it was recorded (8 octets).
const SMS_KEYS: &str = "sms-received";

impl Runner {
    /// [`Runner::receive_sms`] at most once per `key` (for a GSM modem: a
    /// digest of the PDU's SMSC time stamp, originator, concatenation
    /// reference and text). The key goes into the store's side tree with
    /// the new message's id *before* the record, both flushed by the
    /// record's durable write; a key counts only if its record exists, so
    /// a crash between the two loses nothing, and one after the record
    /// stores nothing twice when the message is read again.
    ///
    /// `keys[0]` is the message's key; the others name the same message
    /// (a concatenated SMS's parts): recorded with it, each found by
    /// [`Runner::sms_stored`].
    pub fn receive_sms_once(
        &mut self,
        keys: &[&[u8]],
        caller: Option<&str>,
        called: &str,
        text: &str,
        line: &str,
        now: Timestamp,
    ) -> Result<SmsReceipt, StoreError> {
        let Some(cfg) = self.inbound.as_ref() else {
            return Ok(SmsReceipt::NotTaken);
        };
        if let Some(id) = keys
            .first()
            .map(|k| self.sms_stored(k))
            .transpose()?
            .flatten()
        {
            return Ok(SmsReceipt::Duplicate(id));
        }
        let tree = self.store.side_tree(SMS_KEYS)?;
        let id = self.store.next_id()?;
        let mut value = id.0.to_be_bytes().to_vec();
        value.extend_from_slice(&now.0.to_be_bytes());
        for k in keys {
            tree.insert(*k, value.clone())?;
        }
        let arrival = Arrival {
            service: Service::Sms,
            caller,
            called,
            line,
            started: now,
        };
        let mut m = incoming_message(cfg, id, &arrival, now);
        m.text = Some(text.to_string());
        self.route_reply(&mut m);
        self.store_incoming(m).map(SmsReceipt::Stored)
    }

    /// The message stored under `key` by [`Runner::receive_sms_once`], if
    /// its record exists.
    pub fn sms_stored(&self, key: &[u8]) -> Result<Option<MessageId>, StoreError> {
        let keys = self.store.side_tree(SMS_KEYS)?;
        let Some(v) = keys.get(key)? else {
            return Ok(None);
        };
        let Some(id) = v.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()) else {
            return Ok(None);
        };
        let id = MessageId(u64::from_be_bytes(id));
        Ok(self.store.get(id)?.is_some().then_some(id))
    }

    /// Forget the keys recorded before `older_than` (a message that old is
    /// not read again from a SIM); the number removed. Durable with the
    /// next write.
    pub fn prune_sms_keys(&self, older_than: Timestamp) -> Result<usize, StoreError> {
        let keys = self.store.side_tree(SMS_KEYS)?;
        let mut n = 0;
        for kv in keys.iter() {
            let (k, v) = kv?;
            let at = v.get(8..16).and_then(|b| <[u8; 8]>::try_from(b).ok());
            if at.is_some_and(|b| u64::from_be_bytes(b) < older_than.0) {
                keys.remove(k)?;
                n += 1;
            }
        }
        Ok(n)
    }
}
