//! From job effects to mails in the outbox, by the delivery mode.
//!
//! * **Mail mode**: the sender gets a dispatch confirmation (an RFC 3464
//!   DSN) for every outgoing message, success or failure, and a notice when
//!   an operator cancels it; incoming messages are mailed to their mailbox.
//! * **Local-store mode**: confirmations and incoming messages stay in the
//!   journal; only error notices leave, to the default recipient (a failed
//!   fax, a deleted message), so somebody still hears about trouble.
//!
//! A deleted outgoing message always produces a notice to the default
//! recipient.

use crate::job::{Effect, JobState};
use crate::message::{Message, Status, Timestamp};
use crate::report::{
    confirmation, deletion_notice, error_notice, failure_notice, incoming_mail, Cause, Deletion,
    Dispatch, ErrorReport, Incoming, Language, Media, OutgoingMail, ReportConfig,
};
use crate::store::{Record, Store, StoreError};

/// Why an incoming message could not be handed to the outbox.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliverError {
    #[error("no message {0}")]
    NoSuchMessage(crate::message::MessageId),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("received document unreadable: {0}")]
    Document(#[from] fax_t30::Error),
}

/// Where mails for users go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryMode {
    Mail,
    LocalStore,
}

/// Builds the mails for effects and queues them durably.
#[derive(Debug, Clone)]
pub struct Notifier {
    pub config: ReportConfig,
    pub mode: DeliveryMode,
    /// Attach the received TIFF-F beside the PDF.
    pub attach_tiff: bool,
}

impl Notifier {
    pub fn new(config: ReportConfig, mode: DeliveryMode) -> Notifier {
        Notifier {
            config,
            mode,
            attach_tiff: false,
        }
    }

    /// The mails an effect on `record` calls for (none, one or two).
    pub fn mails_for(
        &self,
        record: &Record,
        effect: &Effect,
        language: Language,
        now: Timestamp,
    ) -> Vec<OutgoingMail> {
        let m = &record.message;
        let job = record.job.as_ref();
        let mut out = Vec::new();
        match effect {
            Effect::Confirmation => {
                let failed = m.status == Status::Failed;
                if self.mode == DeliveryMode::Mail {
                    let cause = if failed {
                        m.failure_cause.unwrap_or(Cause::Other)
                    } else {
                        Cause::Sent
                    };
                    let mut d = Dispatch::new(m, cause, language, now);
                    d.resumed_from_page = job.and_then(|j| j.resumed_from);
                    out.push(confirmation(&self.config, &d));
                } else if failed {
                    out.push(self.error_for(m, language, now));
                }
            }
            Effect::CancelNotice => {
                if self.mode == DeliveryMode::Mail {
                    let d = Dispatch::new(m, Cause::Cancelled, language, now);
                    out.push(failure_notice(&self.config, &d));
                }
            }
            Effect::DeletionNotice => {
                let by = match job.map(|j| &j.state) {
                    Some(JobState::Done(crate::job::Final::Deleted { by })) => Some(by.as_str()),
                    _ => None,
                };
                out.push(deletion_notice(
                    &self.config,
                    &Deletion {
                        message: m,
                        deleted_by: by,
                        language,
                        now,
                    },
                ));
            }
            Effect::AbortCall => {}
        }
        out
    }

    fn error_for(&self, m: &Message, language: Language, now: Timestamp) -> OutgoingMail {
        let summary = format!(
            "Fax {} to {} failed",
            m.id,
            m.recipient_number
                .as_deref()
                .or(m.dial_string.as_deref())
                .unwrap_or("?")
        );
        error_notice(
            &self.config,
            &ErrorReport {
                message: Some(m),
                summary: &summary,
                detail: m.status_reason.as_deref(),
                language,
                now,
            },
        )
    }

    /// A message that never got on a line (bad number, not permitted,
    /// render error): the sender is told in mail mode; in local-store mode
    /// the default recipient gets an error notice.
    pub fn rejected(
        &self,
        m: &Message,
        cause: Cause,
        attachment: Option<&str>,
        language: Language,
        now: Timestamp,
    ) -> OutgoingMail {
        match self.mode {
            DeliveryMode::Mail => {
                let mut d = Dispatch::new(m, cause, language, now);
                d.attachment = attachment;
                failure_notice(&self.config, &d)
            }
            DeliveryMode::LocalStore => self.error_for(m, language, now),
        }
    }

    /// The mail for an incoming message, or none in local-store mode.
    pub fn incoming(
        &self,
        m: &Message,
        media: Media,
        language: Language,
        now: Timestamp,
    ) -> Option<OutgoingMail> {
        (self.mode == DeliveryMode::Mail).then(|| {
            incoming_mail(
                &self.config,
                &Incoming {
                    message: m,
                    media,
                    language,
                    now,
                },
            )
        })
    }

    /// Deliver a stored incoming fax: PDF (the received CCITT data as-is)
    /// to the routed mailbox via the outbox. In local-store mode it stays in
    /// the journal. Returns whether a mail was queued.
    pub fn deliver_incoming_fax(
        &self,
        store: &Store,
        id: crate::message::MessageId,
        language: Language,
        now: Timestamp,
    ) -> Result<bool, DeliverError> {
        let mut rec = store.get(id)?.ok_or(DeliverError::NoSuchMessage(id))?;
        let Some(doc) = rec.message.document.clone() else {
            // Nothing was received (no page): the journal has the reason.
            return Ok(false);
        };
        let tiff = if self.attach_tiff {
            Some(std::fs::read(&doc).map_err(|e| {
                DeliverError::Document(fax_t30::Error::Io {
                    path: doc.clone().into(),
                    source: e,
                })
            })?)
        } else {
            None
        };
        let pages = fax_t30::tiff::read_tiff_file(&doc)?;
        let pdf = fax_t30::pdf::pdf_from_pages(&pages, &fax_t30::pdf::PdfMeta::default());
        let Some(mail) = self.incoming(
            &rec.message,
            Media::Fax {
                pdf: Some(&pdf),
                tiff: tiff.as_deref(),
            },
            language,
            now,
        ) else {
            return Ok(false);
        };
        store.enqueue_mail(&mail)?;
        rec.message.status = Status::Delivered;
        rec.message.updated_at = now;
        store.update(&rec, "Delivered")?;
        Ok(true)
    }

    /// Deliver a stored incoming message of any service: a fax as
    /// [`Notifier::deliver_incoming_fax`] does, a voice message as
    /// [`Notifier::deliver_incoming_voice`] does, an SMS as a text mail. In
    /// local-store mode it stays in the journal. Returns whether a mail was
    /// queued.
    pub fn deliver_incoming(
        &self,
        store: &Store,
        id: crate::message::MessageId,
        language: Language,
        now: Timestamp,
    ) -> Result<bool, DeliverError> {
        let mut rec = store.get(id)?.ok_or(DeliverError::NoSuchMessage(id))?;
        match rec.message.service {
            crate::message::Service::Fax => self.deliver_incoming_fax(store, id, language, now),
            crate::message::Service::Sms => {
                let Some(mail) = self.incoming(&rec.message, Media::Sms, language, now) else {
                    return Ok(false);
                };
                store.enqueue_mail(&mail)?;
                rec.message.status = Status::Delivered;
                rec.message.updated_at = now;
                store.update(&rec, "Delivered")?;
                Ok(true)
            }
            crate::message::Service::Voice => self.deliver_incoming_voice(store, id, language, now),
        }
    }

    /// Queue mails durably.
    pub fn enqueue(&self, store: &Store, mails: &[OutgoingMail]) -> Result<(), StoreError> {
        for mail in mails {
            store.enqueue_mail(mail)?;
        }
        Ok(())
    }
}
