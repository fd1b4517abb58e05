//! The status change feed: when it is switched on
//! ([`crate::store::Store::record_status_events`]), every record write
//! that changes a message's status (or stores a new message) also stores a
//! [`StatusEvent`], in the same sled transaction. A consumer (the
//! gateway's webhooks) takes the events in order and removes them when it
//! has made them its own: a status change and its event are durable
//! together or not at all, so none is lost across a crash.

use serde::{Deserialize, Serialize};

use crate::message::{Direction, Message, MessageId, Service, Status, Timestamp};
use crate::store::Record;

/// One change of a message's status, as it was at that moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub id: MessageId,
    pub status: Status,
    /// `None`: a new message.
    pub previous: Option<Status>,
    /// The record's `updated_at` at the change.
    pub at: Timestamp,
    pub direction: Direction,
    pub service: Service,
    /// The user it belongs to (directory id), and the addresses that tie
    /// it to a user without one.
    pub user: Option<String>,
    pub sender_address: Option<String>,
    pub recipient_address: Option<String>,
    /// The remote number: recipient (outgoing) or caller (incoming).
    pub number: Option<String>,
    pub pages: u32,
    pub pages_sent: u32,
    pub attempts: u32,
    pub reason: Option<String>,
}

/// Just the status of a stored record, without decoding the rest.
#[derive(Deserialize)]
struct StoredHead {
    message: StoredStatus,
}

#[derive(Deserialize)]
struct StoredStatus {
    status: Status,
}

/// The event a write of `new` over the stored bytes `old` makes, if its
/// status changed (or it is new).
pub fn change(old: Option<&[u8]>, new: &Record) -> Option<StatusEvent> {
    let previous = match old {
        Some(bytes) => {
            // A record we cannot read is a new status for the feed's purpose.
            let was = serde_json::from_slice::<StoredHead>(bytes)
                .ok()
                .map(|h| h.message.status);
            if was == Some(new.message.status) {
                return None;
            }
            was
        }
        None => None,
    };
    Some(StatusEvent::of(&new.message, previous))
}

impl StatusEvent {
    pub fn of(m: &Message, previous: Option<Status>) -> StatusEvent {
        StatusEvent {
            id: m.id,
            status: m.status,
            previous,
            at: m.updated_at,
            direction: m.direction,
            service: m.service,
            user: m.user.clone(),
            sender_address: m.sender_address.clone(),
            recipient_address: m.recipient_address.clone(),
            number: match m.direction {
                Direction::Outgoing => m.recipient_number.clone().or(m.dial_string.clone()),
                Direction::Incoming => m.caller_number.clone(),
            },
            pages: m.pages,
            pages_sent: m.pages_sent,
            attempts: m.attempts,
            reason: m.status_reason.clone(),
        }
    }
}

pub(crate) fn encode(e: &StatusEvent) -> Vec<u8> {
    serde_json::to_vec(e).expect("events serialise")
}

pub(crate) fn decode(bytes: &[u8]) -> Option<StatusEvent> {
    serde_json::from_slice(bytes).ok()
}
