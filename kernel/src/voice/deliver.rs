//! From a stored voice message to the mailbox: an RFC 3458 voice-message
//! mail with the recording as `audio/wav` (RIFF PCM 16-bit, 8 kHz mono) and
//! the caller id and duration in the report; kept in the journal in
//! local-store mode.

use crate::message::{MessageId, Status, Timestamp};
use crate::notify::{DeliverError, Notifier};
use crate::report::{Language, Media};
use crate::store::Store;

impl Notifier {
    /// Deliver a stored incoming voice message. Returns whether a mail was
    /// queued (none in local-store mode).
    pub fn deliver_incoming_voice(
        &self,
        store: &Store,
        id: MessageId,
        language: Language,
        now: Timestamp,
    ) -> Result<bool, DeliverError> {
        let mut rec = store.get(id)?.ok_or(DeliverError::NoSuchMessage(id))?;
        let Some(doc) = rec.message.document.clone() else {
            return Ok(false);
        };
        let wav = std::fs::read(&doc).map_err(|e| {
            DeliverError::Document(fax_t30::Error::Io {
                path: doc.clone().into(),
                source: e,
            })
        })?;
        let Some(mail) = self.incoming(&rec.message, Media::Voice { wav: &wav }, language, now)
        else {
            return Ok(false);
        };
        store.enqueue_mail(&mail)?;
        rec.message.status = Status::Delivered;
        rec.message.updated_at = now;
        store.update(&rec, "Delivered")?;
        Ok(true)
    }
}
