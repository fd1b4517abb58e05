//! The one builder of incoming messages: a fax, a voice message or an SMS
//! that came in on a line becomes a routed [`Message`] (numbers in their
//! international form, mailbox and user from the router), stored with its
//! delivery owed ([`Pending::Deliver`]) in the same write.

use super::{Handoff, InboundConfig, Runner};
use crate::message::{Direction, Message, MessageId, Pending, Service, Timestamp};
use crate::store::{Record, StoreError};

/// Who called whom, and when: what every incoming message starts from.
pub(super) struct Arrival<'a> {
    pub service: Service,
    pub caller: Option<&'a str>,
    pub called: &'a str,
    pub line: &'a str,
    pub started: Timestamp,
}

/// A routed incoming message with id `id`, by the router in force now.
pub(super) fn incoming_message(
    cfg: &InboundConfig,
    id: MessageId,
    a: &Arrival<'_>,
    now: Timestamp,
) -> Message {
    let mut m = Message::new(id, Direction::Incoming, a.service, a.started);
    m.caller_number = a.caller.map(|raw| {
        cfg.plan
            .normalize_caller(raw, None)
            .map_or_else(|| raw.to_string(), |n| n.as_str().to_string())
    });
    let called = cfg.plan.normalize_called(a.called, None);
    let route = match &called {
        Some(n) => cfg.router.route(n, a.service),
        None => cfg.router.route_raw(a.called, None, a.service),
    };
    m.recipient_number = Some(called.map_or(a.called.to_string(), |n| n.as_str().to_string()));
    m.recipient_address = Some(route.mailbox.clone());
    m.user = route.user.clone();
    m.unrouted = route.unrouted;
    m.line = Some(a.line.to_string());
    m.updated_at = now;
    m.completed_at = Some(now);
    m.pending.push(Pending::Deliver);
    m
}

impl Runner {
    /// Store an incoming message (its document, if any, is durable
    /// already) and hand it to the delivery side.
    pub(super) fn store_incoming(&mut self, m: Message) -> Result<MessageId, StoreError> {
        let id = m.id;
        let record = Record {
            message: m,
            job: None,
        };
        self.store.insert_as(&[record], "Received")?;
        self.handoffs.push(Handoff::Received(id));
        Ok(id)
    }
}
