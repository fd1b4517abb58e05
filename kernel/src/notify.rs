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
use crate::message::{Message, Pending, Status, Timestamp};
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

    /// The mail that delivers a received message (none in local-store
    /// mode): a fax as PDF (the received CCITT data as-is, never
    /// re-encoded) with a preview of its first page and, if configured, the
    /// TIFF-F; a voice message as WAV; an SMS as text. A document that
    /// cannot be read or converted does not stop the delivery: the mail
    /// goes out with what there is, and says what went wrong.
    pub fn incoming_mails(
        &self,
        message: &Message,
        language: Language,
        now: Timestamp,
    ) -> Vec<OutgoingMail> {
        if self.mode != DeliveryMode::Mail {
            return Vec::new();
        }
        let mut m = message.clone();
        let mut trouble = |what: String| {
            eprintln!("<4>ums: incoming message {}: {what}", m.id);
            let note =
                format!("The gateway could not attach the received document as usual: {what}.");
            m.status_reason = Some(match m.status_reason.take() {
                Some(r) => format!("{r} {note}"),
                None => note,
            });
        };
        let doc = m.document.clone();
        let bytes = doc.as_ref().map(|d| (d, std::fs::read(d)));
        let bytes = match bytes {
            Some((_, Ok(b))) => Some(b),
            Some((d, Err(e))) => {
                trouble(format!("{d}: {e}"));
                None
            }
            None => None,
        };
        let mail = match m.service {
            crate::message::Service::Fax => {
                let name = doc.as_deref().unwrap_or("received fax");
                let pages = bytes.as_deref().map(|b| fax_t30::tiff::read_tiff(b, name));
                let (pdf, preview, raw_tiff) = match pages {
                    Some(Ok(pages)) => {
                        let pdf =
                            fax_t30::pdf::pdf_from_pages(&pages, &fax_t30::pdf::PdfMeta::default());
                        // A page that does not decode costs the preview,
                        // never the fax: the PDF carries the data as it is.
                        let preview = crate::render::first_page_png(&pages).ok().flatten();
                        (Some(pdf), preview, false)
                    }
                    Some(Err(e)) => {
                        trouble(format!(
                            "the received TIFF cannot be read ({e}); it is attached as it is"
                        ));
                        (None, None, true)
                    }
                    None => (None, None, false),
                };
                let tiff = (self.attach_tiff || raw_tiff)
                    .then_some(bytes.as_deref())
                    .flatten();
                crate::report::incoming_mail_with_preview(
                    &self.config,
                    &Incoming {
                        message: &m,
                        media: Media::Fax {
                            pdf: pdf.as_deref(),
                            tiff,
                        },
                        language,
                        now,
                    },
                    preview.as_deref(),
                )
            }
            crate::message::Service::Voice => incoming_mail(
                &self.config,
                &Incoming {
                    message: &m,
                    media: Media::Voice {
                        wav: bytes.as_deref(),
                    },
                    language,
                    now,
                },
            ),
            crate::message::Service::Sms => incoming_mail(
                &self.config,
                &Incoming {
                    message: &m,
                    media: Media::Sms,
                    language,
                    now,
                },
            ),
        };
        vec![mail]
    }

    /// Do the work record `id` owes (its [`Pending`] marks): build its
    /// notices and the mail of an incoming message, and queue them in the
    /// same atomic write that clears the marks
    /// ([`Store::complete_handoff`]): a crash leaves both or neither.
    /// Idempotent: a record without marks is left alone. An incoming
    /// message mailed becomes `Delivered`. Returns the mails queued.
    pub fn handoff(
        &self,
        store: &Store,
        id: crate::message::MessageId,
        language: Language,
        now: Timestamp,
    ) -> Result<usize, DeliverError> {
        let mut rec = store.get(id)?.ok_or(DeliverError::NoSuchMessage(id))?;
        if rec.message.pending.is_empty() {
            return Ok(0);
        }
        let mut mails = Vec::new();
        let mut delivered = false;
        for p in std::mem::take(&mut rec.message.pending) {
            match p {
                Pending::Deliver => {
                    let m = self.incoming_mails(&rec.message, language, now);
                    delivered |= !m.is_empty();
                    mails.extend(m);
                }
                Pending::Notice(effect, status) => {
                    // The notice tells the state that called for it.
                    let mut then = rec.clone();
                    then.message.status = status;
                    mails.extend(self.mails_for(&then, &effect, language, now));
                }
            }
        }
        if delivered {
            rec.message.status = Status::Delivered;
            rec.message.updated_at = now;
        }
        store.complete_handoff(&rec, &mails, "Delivered")?;
        Ok(mails.len())
    }

    /// Deliver a stored incoming message of any service now, whether or
    /// not it is marked (see [`Notifier::handoff`]). Returns whether a
    /// mail was queued (none in local-store mode).
    pub fn deliver_incoming(
        &self,
        store: &Store,
        id: crate::message::MessageId,
        language: Language,
        now: Timestamp,
    ) -> Result<bool, DeliverError> {
        let mut rec = store.get(id)?.ok_or(DeliverError::NoSuchMessage(id))?;
        if !rec.message.pending.contains(&Pending::Deliver) {
            rec.message.pending.push(Pending::Deliver);
            store.update(&rec, "MarkDeliver")?;
        }
        Ok(self.handoff(store, id, language, now)? > 0)
    }

    /// Queue mails durably.
    pub fn enqueue(&self, store: &Store, mails: &[OutgoingMail]) -> Result<(), StoreError> {
        for mail in mails {
            store.enqueue_mail(mail)?;
        }
        Ok(())
    }
}
