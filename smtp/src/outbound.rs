//! Outbound delivery: the kernel's outbox (incoming faxes as mail,
//! confirmations, notices) goes with `lettre` to the configured smart host
//! or, without one, to the MX hosts of each recipient's domain.
//!
//! * A mail leaves the outbox only after the mail server accepted it.
//! * Temporary failures are retried with backoff; after the last attempt,
//!   or on a permanent failure, the default recipient gets an error notice
//!   naming the mail and the reason.
//! * A notice that cannot be delivered at all is written to the dead-letter
//!   directory: one complete `.eml` per mail, written atomically (temporary
//!   file, fsync, rename), with a log warning and a metric. Operators watch
//!   that directory.
//!
//! Direct delivery (no smart host):
//!
//! * Recipients are grouped by domain, one SMTP transaction per domain. The
//!   hosts come from [`crate::mx`] (MX by preference, else the domain's own
//!   A/AAAA; null MX and NXDOMAIN are permanent failures) and are tried in
//!   order on `mx_port` (25) until one accepts or refuses for good (5xx);
//!   connection failures and 4xx replies move on to the next host.
//! * STARTTLS is opportunistic: used when the host offers it, plain SMTP
//!   otherwise. When lettre does use TLS it verifies the certificate against
//!   the webpki roots and the MX host name, so a host that offers STARTTLS
//!   with a self-signed or unknown-CA certificate fails the handshake. That
//!   counts as a temporary failure (next host, later a retry, in the end a
//!   notice); such a domain is reachable only through a smart host.
//! * A mail whose recipients span domains leaves the outbox when every
//!   domain took it or refused it for good. Domains that took it are not
//!   sent it again, also after a restart: how far each mail got
//!   ([`MailProgress`]) is kept in the store. A domain that took the mail
//!   just before a crash, before that was written, gets it again. Domains that refused it are named in one
//!   notice once no domain is left to retry.
//!
//! What happens to each mail (an attempt begins, delivered, deferred,
//! bounced) goes to an observer ([`Delivery::on_event`]): the daemon logs
//! it with the mail's Message-ID, the key the mail server logs too.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use kernel::message::Timestamp;
use kernel::notify::Notifier;
use kernel::report::{error_notice, ErrorReport, Language};
use kernel::store::{MailProgress, QueuedMail, Store, StoreError};
use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::mx::MxResolver;

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

/// The SMTP port of MX hosts.
pub const DEFAULT_MX_PORT: u16 = 25;

#[derive(Debug, Clone)]
pub struct OutboundConfig {
    /// The mail server that takes all our mail; `None`: deliver directly
    /// to the MX hosts of each recipient's domain.
    pub smart_host: Option<SmartHost>,
    /// Name servers for the MX look-ups; `None`: the system's
    /// `/etc/resolv.conf`. Unused with a smart host.
    pub resolver: Option<Vec<SocketAddr>>,
    /// The port MX hosts are contacted on: [`DEFAULT_MX_PORT`]; another
    /// value only for tests.
    pub mx_port: u16,
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

/// What happened to one outbox mail, as [`Delivery::on_event`] hears it:
/// what the log says per mail, matched with the mail server's log by the
/// Message-ID ([`QueuedMail::message_id`]).
#[derive(Debug, Clone, Copy)]
pub enum DeliveryEvent<'a> {
    /// An attempt begins: from here on the mail server may take it.
    Attempt(&'a QueuedMail),
    /// Every destination took it, and it has left the outbox (durably).
    Delivered(&'a QueuedMail),
    /// Not taken this time; tried again from `next_at`.
    Deferred {
        mail: &'a QueuedMail,
        reason: &'a str,
        next_at: Timestamp,
    },
    /// Given up (refused for good, or attempts used up): it has left the
    /// outbox, the default recipient is told or it is a dead letter.
    Bounced {
        mail: &'a QueuedMail,
        reason: &'a str,
    },
}

/// Hears every [`DeliveryEvent`] (see [`Delivery::on_event`]).
pub type DeliveryObserver = Box<dyn FnMut(DeliveryEvent<'_>) + Send + Sync>;

/// The destination key of every recipient when there is a smart host.
const SMART_HOST: &str = "smart host";

/// The recipients of one mail that go to one destination.
struct Group {
    key: String,
    to: Vec<Address>,
}

/// What trying a mail's open destinations came to, destination by destination.
type Outcome = Vec<(String, Attempt)>;

/// Delivers the outbox. Call [`Delivery::deliver_due`] periodically (and
/// when the kernel queued something).
pub struct Delivery {
    store: Store,
    config: OutboundConfig,
    notifier: Notifier,
    /// How far each mail got; a cache of the store's [`MailProgress`].
    pending: HashMap<u64, MailProgress>,
    pub metrics: DeliveryMetrics,
    observer: Option<DeliveryObserver>,
}

impl Delivery {
    pub fn new(store: Store, config: OutboundConfig, notifier: Notifier) -> Delivery {
        Delivery {
            store,
            config,
            notifier,
            pending: HashMap::new(),
            metrics: DeliveryMetrics::default(),
            observer: None,
        }
    }

    /// Call `observer` with what happens to each mail (the daemon logs it).
    pub fn on_event(&mut self, observer: DeliveryObserver) {
        self.observer = Some(observer);
    }

    fn emit(&mut self, event: DeliveryEvent<'_>) {
        if let Some(o) = self.observer.as_mut() {
            o(event);
        }
    }

    fn hello(&self) -> lettre::transport::smtp::extension::ClientId {
        lettre::transport::smtp::extension::ClientId::Domain(self.config.hello_name.clone())
    }

    fn smart_host_transport(&self, sh: &SmartHost) -> AsyncSmtpTransport<Tokio1Executor> {
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(sh.host.as_str())
            .port(sh.port)
            .timeout(Some(self.config.timeout))
            .hello_name(self.hello());
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

    /// One MX host at one address, opportunistic STARTTLS checked against
    /// the host's name, no AUTH.
    fn mx_transport(&self, host: &str, addr: IpAddr) -> AsyncSmtpTransport<Tokio1Executor> {
        let b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(addr.to_string())
            .port(self.config.mx_port)
            .timeout(Some(self.config.timeout))
            .hello_name(self.hello());
        match TlsParameters::new(host.to_string()) {
            Ok(p) => b.tls(Tls::Opportunistic(p)),
            Err(_) => b.tls(Tls::None),
        }
        .build()
    }

    fn mx_resolver(&self) -> Result<MxResolver, String> {
        MxResolver::new(self.config.resolver.as_deref(), self.config.timeout)
    }

    /// The destination of one recipient: its lower-case domain, or the
    /// smart host.
    fn destination(&self, recipient: &str) -> String {
        if self.config.smart_host.is_some() {
            SMART_HOST.to_string()
        } else {
            recipient
                .rsplit_once('@')
                .map(|(_, d)| d.to_ascii_lowercase())
                .unwrap_or_default()
        }
    }

    /// The envelope sender and the recipients by destination; `Err` for a
    /// mail that can never be sent.
    fn plan(&self, mail: &QueuedMail) -> Result<(Option<Address>, Vec<Group>), String> {
        let from = if mail.envelope_from.is_empty() {
            None
        } else {
            match mail.envelope_from.parse() {
                Ok(a) => Some(a),
                Err(e) => return Err(format!("bad envelope sender {}: {e}", mail.envelope_from)),
            }
        };
        let mut groups: BTreeMap<String, Vec<Address>> = BTreeMap::new();
        for r in &mail.recipients {
            match r.parse::<Address>() {
                Ok(a) => groups.entry(self.destination(r)).or_default().push(a),
                Err(e) => return Err(format!("bad recipient {r}: {e}")),
            }
        }
        if groups.is_empty() {
            return Err("bad envelope: no recipient".into());
        }
        let groups = groups
            .into_iter()
            .map(|(key, to)| Group { key, to })
            .collect();
        Ok((from, groups))
    }

    /// Try every destination of `mail` not in `settled`.
    async fn send_open(
        &self,
        mail: &QueuedMail,
        resolver: Option<&Result<MxResolver, String>>,
        settled: &BTreeSet<String>,
    ) -> Result<Outcome, String> {
        let (from, groups) = self.plan(mail)?;
        let mut outcome = Vec::new();
        for g in groups.iter().filter(|g| !settled.contains(&g.key)) {
            let attempt = match Envelope::new(from.clone(), g.to.clone()) {
                Err(e) => Attempt::Permanent(format!("bad envelope: {e}")),
                Ok(envelope) => match (&self.config.smart_host, resolver) {
                    (Some(sh), _) => classify(
                        self.smart_host_transport(sh)
                            .send_raw(&envelope, &mail.data)
                            .await,
                    ),
                    (None, Some(Ok(r))) => self.send_mx(r, &g.key, &envelope, &mail.data).await,
                    (None, Some(Err(e))) => Attempt::Temporary(e.clone()),
                    (None, None) => Attempt::Temporary("no DNS resolver".into()),
                },
            };
            outcome.push((g.key.clone(), attempt));
        }
        Ok(outcome)
    }

    /// Hand one domain's share to its MX hosts, best first.
    async fn send_mx(
        &self,
        resolver: &MxResolver,
        domain: &str,
        envelope: &Envelope,
        data: &[u8],
    ) -> Attempt {
        let targets = match resolver.route(domain).await {
            Ok(t) => t,
            Err(e) if e.is_permanent() => return Attempt::Permanent(e.to_string()),
            Err(e) => return Attempt::Temporary(e.to_string()),
        };
        let mut failures = Vec::new();
        for t in &targets {
            for addr in &t.addrs {
                let at = format!("{} [{addr}]:{}", t.host, self.config.mx_port);
                match self
                    .mx_transport(&t.host, *addr)
                    .send_raw(envelope, data)
                    .await
                {
                    Ok(_) => return Attempt::Delivered,
                    Err(e) if e.is_permanent() => return Attempt::Permanent(format!("{at}: {e}")),
                    Err(e) => failures.push(format!("{at}: {e}")),
                }
            }
        }
        Attempt::Temporary(format!("{domain}: {}", failures.join("; ")))
    }

    /// Try to hand one mail over: to the smart host, or to the MX hosts of
    /// each recipient domain. Without a smart host a mail that spans
    /// domains may be taken by some of them even when the answer is not
    /// `Delivered`; [`Delivery::deliver_due`] remembers that, this does not.
    pub async fn send(&self, mail: &QueuedMail) -> Attempt {
        let resolver = self.config.smart_host.is_none().then(|| self.mx_resolver());
        match self
            .send_open(mail, resolver.as_ref(), &BTreeSet::new())
            .await
        {
            Err(reason) => Attempt::Permanent(reason),
            Ok(outcome) => {
                let reasons = |want: fn(&Attempt) -> Option<&String>| {
                    outcome
                        .iter()
                        .filter_map(|(_, a)| want(a).cloned())
                        .collect::<Vec<_>>()
                };
                let temporary = reasons(|a| match a {
                    Attempt::Temporary(r) => Some(r),
                    _ => None,
                });
                let permanent = reasons(|a| match a {
                    Attempt::Permanent(r) => Some(r),
                    _ => None,
                });
                if !temporary.is_empty() {
                    Attempt::Temporary(temporary.join("; "))
                } else if !permanent.is_empty() {
                    Attempt::Permanent(permanent.join("; "))
                } else {
                    Attempt::Delivered
                }
            }
        }
    }

    /// Deliver every mail that is due; returns how many left the outbox.
    pub async fn deliver_due(&mut self, now: Timestamp) -> Result<usize, DeliveryError> {
        let mut done = 0;
        let mut resolver: Option<Result<MxResolver, String>> = None;
        for mail in self.store.pending_mail()? {
            if !self.pending.contains_key(&mail.id) {
                if let Some(p) = self.store.mail_progress(mail.id)? {
                    self.pending.insert(mail.id, p);
                }
            }
            if self.pending.get(&mail.id).is_some_and(|p| p.next_at > now) {
                continue;
            }
            if self.config.smart_host.is_none() && resolver.is_none() {
                resolver = Some(self.mx_resolver());
            }
            let settled: BTreeSet<String> = self
                .pending
                .get(&mail.id)
                .map(|p| {
                    let refused = p.refused.keys().cloned();
                    p.accepted.iter().cloned().chain(refused).collect()
                })
                .unwrap_or_default();
            self.emit(DeliveryEvent::Attempt(&mail));
            let outcome = match self.send_open(&mail, resolver.as_ref(), &settled).await {
                Ok(o) => o,
                Err(reason) => {
                    self.bounce(&mail, &reason, now)?;
                    done += 1;
                    continue;
                }
            };
            let p = self.pending.entry(mail.id).or_insert(MailProgress {
                attempts: 0,
                next_at: now,
                ..MailProgress::default()
            });
            let mut temporary = Vec::new();
            for (key, attempt) in outcome {
                match attempt {
                    Attempt::Delivered => {
                        p.accepted.insert(key);
                    }
                    Attempt::Permanent(reason) => {
                        p.refused.insert(key, reason);
                    }
                    Attempt::Temporary(reason) => temporary.push((key, reason)),
                }
            }
            if temporary.is_empty() {
                if p.refused.is_empty() {
                    self.store.remove_mail(mail.id)?;
                    self.pending.remove(&mail.id);
                    self.metrics.delivered += 1;
                    self.emit(DeliveryEvent::Delivered(&mail));
                } else {
                    let failed = p.refused.clone();
                    self.bounce_part(&mail, &failed, now)?;
                }
                done += 1;
                continue;
            }
            p.attempts += 1;
            let attempts = p.attempts;
            if attempts >= self.config.max_attempts {
                let mut failed = p.refused.clone();
                for (key, reason) in temporary {
                    failed.insert(key, format!("gave up after {attempts} attempts: {reason}"));
                }
                self.bounce_part(&mail, &failed, now)?;
                done += 1;
            } else {
                let i =
                    (attempts as usize - 1).min(self.config.backoff_secs.len().saturating_sub(1));
                p.next_at = now.plus_secs(self.config.backoff_secs.get(i).copied().unwrap_or(60));
                let next_at = p.next_at;
                self.metrics.deferred += 1;
                self.store.set_mail_progress(mail.id, p)?;
                let reasons: Vec<String> = temporary.into_iter().map(|(_, r)| r).collect();
                self.emit(DeliveryEvent::Deferred {
                    mail: &mail,
                    reason: &reasons.join("; "),
                    next_at,
                });
            }
        }
        Ok(done)
    }

    /// Bounce the recipients of `mail` whose destinations are in `failed`
    /// (the others took it), with the reasons by destination.
    fn bounce_part(
        &mut self,
        mail: &QueuedMail,
        failed: &BTreeMap<String, String>,
        now: Timestamp,
    ) -> Result<(), DeliveryError> {
        let reason = match failed.iter().next() {
            Some((_, reason)) if failed.len() == 1 => reason.clone(),
            _ => failed
                .iter()
                .map(|(key, reason)| format!("{key}: {reason}"))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        let mut part = mail.clone();
        part.recipients
            .retain(|r| failed.contains_key(&self.destination(r)));
        self.bounce(&part, &reason, now)
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
        self.emit(DeliveryEvent::Bounced { mail, reason });
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
        let reason_line: String = reason
            .chars()
            .filter(|c| !c.is_control())
            .take(900)
            .collect();
        kernel::durable::write_with(&path, kernel::durable::PRIVATE, |f| {
            write!(
                f,
                "X-UMS-Dead-Letter: {reason_line}\r\nX-UMS-Envelope-From: <{}>\r\nX-UMS-Envelope-To: {}\r\n",
                mail.envelope_from,
                mail.recipients.iter().map(|r| format!("<{r}>")).collect::<Vec<_>>().join(", ")
            )?;
            f.write_all(&mail.data)
        })
        .map_err(err)?;
        self.metrics.dead_letters += 1;
        eprintln!(
            "<4>ums: mail {} could not be delivered and was written to {} ({reason_line})",
            mail.id,
            path.display()
        );
        Ok(path)
    }
}

/// A 5xx reply is permanent; everything else (4xx, connection, TLS
/// handshake, time-out) is worth another try.
fn classify<T>(r: Result<T, lettre::transport::smtp::Error>) -> Attempt {
    match r {
        Ok(_) => Attempt::Delivered,
        Err(e) if e.is_permanent() => Attempt::Permanent(e.to_string()),
        Err(e) => Attempt::Temporary(e.to_string()),
    }
}
