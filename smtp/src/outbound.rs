//! Outbound delivery: the kernel's outbox (incoming faxes as mail,
//! confirmations, notices) goes to the configured smart host with `lettre`.
//!
//! * A mail leaves the outbox only after the mail server accepted it.
//! * Temporary failures are retried with backoff; after the last attempt,
//!   or on a permanent failure, the default recipient gets an error notice
//!   naming the mail and the reason.
//! * A notice that cannot be delivered at all is written to the dead-letter
//!   directory: one complete `.eml` per mail, written atomically (temporary
//!   file, fsync, rename), with a log warning and a metric. Operators watch
//!   that directory.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use kernel::message::Timestamp;
use kernel::notify::Notifier;
use kernel::report::{error_notice, ErrorReport, Language};
use kernel::store::{QueuedMail, Store, StoreError};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// How to talk TLS to the smart host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain SMTP (a mail server on the same host or a trusted LAN).
    None,
    /// STARTTLS when offered.
    Opportunistic,
    /// STARTTLS or fail.
    Required,
}

/// The mail server that takes our mail.
#[derive(Debug, Clone)]
pub struct SmartHost {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub auth: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct OutboundConfig {
    pub smart_host: SmartHost,
    /// Where undeliverable notices are written.
    pub dead_letter_dir: PathBuf,
    /// Waits between attempts, seconds; the last repeats.
    pub backoff_secs: Vec<u64>,
    /// Attempts before a temporary failure counts as permanent.
    pub max_attempts: u32,
    /// Our name in EHLO.
    pub hello_name: String,
    pub timeout: Duration,
}

/// Counters for the metrics endpoint and the tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryMetrics {
    pub delivered: u64,
    pub deferred: u64,
    pub bounced: u64,
    pub dead_letters: u64,
}

/// What one attempt to hand over a mail came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered,
    Temporary(String),
    Permanent(String),
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("dead-letter directory {dir}: {source}")]
    DeadLetter { dir: String, source: std::io::Error },
}

struct Pending {
    attempts: u32,
    next_at: Timestamp,
}

/// Delivers the outbox. Call [`Delivery::deliver_due`] periodically (and
/// when the kernel queued something).
pub struct Delivery {
    store: Store,
    config: OutboundConfig,
    notifier: Notifier,
    pending: HashMap<u64, Pending>,
    pub metrics: DeliveryMetrics,
}

impl Delivery {
    pub fn new(store: Store, config: OutboundConfig, notifier: Notifier) -> Delivery {
        Delivery {
            store,
            config,
            notifier,
            pending: HashMap::new(),
            metrics: DeliveryMetrics::default(),
        }
    }

    fn transport(&self) -> AsyncSmtpTransport<Tokio1Executor> {
        let sh = &self.config.smart_host;
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(sh.host.as_str())
            .port(sh.port)
            .timeout(Some(self.config.timeout))
            .hello_name(lettre::transport::smtp::extension::ClientId::Domain(
                self.config.hello_name.clone(),
            ));
        let params = || TlsParameters::new(sh.host.clone());
        b = match sh.tls {
            TlsMode::None => b.tls(Tls::None),
            TlsMode::Opportunistic => match params() {
                Ok(p) => b.tls(Tls::Opportunistic(p)),
                Err(_) => b.tls(Tls::None),
            },
            TlsMode::Required => match params() {
                Ok(p) => b.tls(Tls::Required(p)),
                Err(_) => b.tls(Tls::None),
            },
        };
        if let Some((user, pass)) = &sh.auth {
            b = b.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        b.build()
    }

    /// Try to hand one mail to the smart host.
    pub async fn send(&self, mail: &QueuedMail) -> Attempt {
        let from = if mail.envelope_from.is_empty() {
            None
        } else {
            match mail.envelope_from.parse() {
                Ok(a) => Some(a),
                Err(e) => {
                    return Attempt::Permanent(format!(
                        "bad envelope sender {}: {e}",
                        mail.envelope_from
                    ))
                }
            }
        };
        let mut to = Vec::new();
        for r in &mail.recipients {
            match r.parse() {
                Ok(a) => to.push(a),
                Err(e) => return Attempt::Permanent(format!("bad recipient {r}: {e}")),
            }
        }
        let envelope = match Envelope::new(from, to) {
            Ok(e) => e,
            Err(e) => return Attempt::Permanent(format!("bad envelope: {e}")),
        };
        match self.transport().send_raw(&envelope, &mail.data).await {
            Ok(_) => Attempt::Delivered,
            Err(e) if e.is_permanent() => Attempt::Permanent(e.to_string()),
            Err(e) => Attempt::Temporary(e.to_string()),
        }
    }

    /// Deliver every mail that is due; returns how many left the outbox.
    pub async fn deliver_due(&mut self, now: Timestamp) -> Result<usize, DeliveryError> {
        let mut done = 0;
        for mail in self.store.pending_mail()? {
            if self.pending.get(&mail.id).is_some_and(|p| p.next_at > now) {
                continue;
            }
            match self.send(&mail).await {
                Attempt::Delivered => {
                    self.store.remove_mail(mail.id)?;
                    self.pending.remove(&mail.id);
                    self.metrics.delivered += 1;
                    done += 1;
                }
                Attempt::Temporary(reason) => {
                    let p = self.pending.entry(mail.id).or_insert(Pending {
                        attempts: 0,
                        next_at: now,
                    });
                    p.attempts += 1;
                    let attempts = p.attempts;
                    if attempts >= self.config.max_attempts {
                        self.bounce(
                            &mail,
                            &format!("gave up after {attempts} attempts: {reason}"),
                            now,
                        )?;
                        done += 1;
                    } else {
                        let i = (attempts as usize - 1)
                            .min(self.config.backoff_secs.len().saturating_sub(1));
                        p.next_at =
                            now.plus_secs(self.config.backoff_secs.get(i).copied().unwrap_or(60));
                        self.metrics.deferred += 1;
                    }
                }
                Attempt::Permanent(reason) => {
                    self.bounce(&mail, &reason, now)?;
                    done += 1;
                }
            }
        }
        Ok(done)
    }

    /// A mail that will never be delivered: tell the default recipient, or
    /// if it was already a notice (or for the default recipient), keep it
    /// as a dead letter. Either way it leaves the outbox.
    fn bounce(
        &mut self,
        mail: &QueuedMail,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), DeliveryError> {
        self.metrics.bounced += 1;
        let default = &self.notifier.config.default_recipient;
        let is_notice = matches!(mail.kind.as_str(), "ErrorNotice" | "DeletionNotice")
            || mail
                .recipients
                .iter()
                .any(|r| r.eq_ignore_ascii_case(default));
        if is_notice {
            self.dead_letter(mail, reason)?;
        } else {
            let summary = format!(
                "A mail to {} could not be delivered",
                mail.recipients.join(", ")
            );
            let detail = format!(
                "{reason}\n\nThe mail ({} octets, kind {}) follows in the dead-letter directory.",
                mail.data.len(),
                mail.kind
            );
            let notice = error_notice(
                &self.notifier.config,
                &ErrorReport {
                    message: None,
                    summary: &summary,
                    detail: Some(&detail),
                    language: Language::En,
                    now,
                },
            );
            self.store.enqueue_mail(&notice)?;
            // Keep the original too: the notice names it, the file holds it.
            self.dead_letter(mail, reason)?;
        }
        self.store.remove_mail(mail.id)?;
        self.pending.remove(&mail.id);
        Ok(())
    }

    /// Write `<dir>/<id>.eml` atomically with a header saying why.
    pub fn dead_letter(
        &mut self,
        mail: &QueuedMail,
        reason: &str,
    ) -> Result<PathBuf, DeliveryError> {
        let dir = &self.config.dead_letter_dir;
        let err = |source| DeliveryError::DeadLetter {
            dir: dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(err)?;
        let path = dir.join(format!("{:016}.eml", mail.id));
        let tmp = dir.join(format!(".{:016}.eml.tmp", mail.id));
        let reason_line: String = reason
            .chars()
            .filter(|c| !c.is_control())
            .take(900)
            .collect();
        let mut f = std::fs::File::create(&tmp).map_err(err)?;
        write!(
            f,
            "X-UMS-Dead-Letter: {reason_line}\r\nX-UMS-Envelope-From: <{}>\r\nX-UMS-Envelope-To: {}\r\n",
            mail.envelope_from,
            mail.recipients.iter().map(|r| format!("<{r}>")).collect::<Vec<_>>().join(", ")
        )
        .map_err(err)?;
        f.write_all(&mail.data).map_err(err)?;
        f.sync_all().map_err(err)?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(err)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        self.metrics.dead_letters += 1;
        eprintln!(
            "<4>ums: mail {} could not be delivered and was written to {} ({reason_line})",
            mail.id,
            path.display()
        );
        Ok(path)
    }
}
