//! SMS that arrive (a GSM modem's `+CMT`/`+CMTI`, or the simulated
//! network): routed like a fax to a mailbox and stored as an incoming SMS.

use super::incoming::{incoming_message, Arrival};
use super::Runner;
use crate::message::{MessageId, Service, Timestamp};
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
        self.store_incoming(m).map(Some)
    }
}
