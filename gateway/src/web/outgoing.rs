//! [`super::Outgoing`] in `ums serve`: the SMTP connector's policy and
//! its kernel acceptor, so a message from the web is checked, rendered
//! and stored like a mail.

use std::sync::Arc;

use kernel::accept::Accepted;
use kernel::message::Message;
use kernel::store::{Record, Store};
use smtp::policy::GatewayPolicy;

pub struct GatewayOutgoing {
    pub policy: Arc<GatewayPolicy>,
    pub store: Store,
}

impl super::Outgoing for GatewayOutgoing {
    fn resend(&self, original: &Message, number: Option<&str>) -> Result<Record, String> {
        resend_with(
            &self.policy.acceptor,
            &self.store,
            &*self.policy.on_accepted,
            (self.policy.clock)(),
            original,
            number,
        )
    }

    fn submit(&self, from: &str, to: &[String], mail: Vec<u8>) -> Result<Vec<Record>, String> {
        crate::control::submit(&self.policy, &self.store, from, to, mail).map_err(|(_, e)| e)
    }

    fn render(&self, mail: &[u8]) -> Result<Vec<fax_t30::tiff::TiffPage>, String> {
        let options = kernel::lock::read(&self.policy.render).clone();
        super::send::render(mail, &options)
    }
}

/// Resend through `acceptor`: a queued record is stored durably, then the
/// runner is told (`adopt`); a refusal is returned as its sentence and
/// nothing is stored.
pub fn resend_with(
    acceptor: &std::sync::Mutex<kernel::accept::Acceptor>,
    store: &Store,
    adopt: &(dyn Fn(Vec<kernel::message::MessageId>) + Send + Sync),
    now: kernel::message::Timestamp,
    original: &Message,
    number: Option<&str>,
) -> Result<Record, String> {
    let id = store.next_id().map_err(|e| e.to_string())?;
    let accepted = kernel::lock::lock(acceptor).resend(original, number, id, now);
    match accepted {
        Accepted::Queued(record) => {
            store
                .insert_batch(std::slice::from_ref(&record))
                .map_err(|e| e.to_string())?;
            adopt(vec![id]);
            Ok(record)
        }
        Accepted::Rejected { refusal, .. } => Err(refusal.text),
    }
}
