//! The gateway's policy for the connector: who may send, which recipients
//! exist (never an open relay), and how an accepted mail becomes kernel
//! records, stored and flushed before the 250.
//!
//! * Clients from the allowed networks (the customer's mail server) may
//!   send without AUTH; anyone else must authenticate, and AUTH is only
//!   offered under TLS (the engine's rule).
//! * Recipients are checked by the kernel's [`Acceptor`]: only the service
//!   domains, the local part a phone number, every relay trick refused.
//! * At the end of DATA each recipient becomes a record. A sender without
//!   permission (known relay, unknown or unauthorised sender) is accepted
//!   and answered with a failure notice, so the person learns why.
//! * Documents: before the 250 the mail is only appended to the raw spool
//!   as received ([`kernel::spool`], synced with the records by the store's
//!   group commit, like an MTA's queue file) and its fax records are
//!   stored "accepted, not rendered" (`raw_mail` set, no job). The render
//!   pool (`kernel::work`) then turns cover, body and attachments into
//!   pages; an attachment it cannot render fails the fax with a notice
//!   naming it.

use std::net::IpAddr;
use std::sync::{Mutex, RwLock};

use kernel::accept::{AcceptRequest, Accepted, Acceptor};
use kernel::message::{MessageId, Service, Timestamp};
use kernel::notify::Notifier;
use kernel::report::Language;
use kernel::store::{Record, Store};

use crate::engine::{DataVerdict, Envelope, PeerInfo, Verdict};
use crate::server::Policy;
use crate::wire::address::{ParsedAddress, ReversePath};
use crate::wire::reply::{Reply, ReplyCode};

/// An IPv4/IPv6 network in CIDR form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Network {
    pub fn parse(s: &str) -> Option<Network> {
        let (a, p) = s.split_once('/').unwrap_or((s, ""));
        let addr: IpAddr = a.trim().parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = if p.is_empty() {
            max
        } else {
            p.trim().parse().ok()?
        };
        (prefix <= max).then_some(Network { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
                u32::from(n) & mask == u32::from(i) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(i)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
                u128::from(n) & mask == u128::from(i) & mask
            }
            _ => false,
        }
    }
}

/// What the connector's policy needs from the rest of the gateway.
pub struct GatewayPolicy {
    pub acceptor: Mutex<Acceptor>,
    pub store: Store,
    pub notifier: Notifier,
    /// Clients that may send without AUTH (the customer's mail servers).
    /// Behind a lock: the daemon swaps it on a configuration reload.
    pub allowed_networks: RwLock<Vec<Network>>,
    /// AUTH users: (name, password); swapped on reload too.
    pub users: RwLock<Vec<(String, String)>>,
    /// Accepted fax mails as received (synced by the store's group commit).
    pub raw_spool: std::sync::Arc<kernel::spool::RawSpool>,
    /// Renders accepted fax mails after their 250 (the kernel's work pool).
    pub work: std::sync::Arc<kernel::work::WorkPool>,
    /// Told the ids of new outgoing messages (the runner adopts them).
    pub on_accepted: Box<dyn Fn(Vec<MessageId>) + Send + Sync>,
    /// The wall clock (the shell's); tests pass a fixed one.
    pub clock: Box<dyn Fn() -> Timestamp + Send + Sync>,
    /// Paper, resolution, cover mode (`[render]`); swapped on reload.
    pub render: std::sync::Arc<RwLock<kernel::render::RenderOptions>>,
    /// How a mail becomes the text of an SMS (`kernel::sms_text`).
    pub sms: kernel::sms_text::SmsTextRules,
}

/// A reply with its own enhanced code (the table's entry for the basic code
/// when the pair is not valid).
fn reply(code: u16, enhanced: &str, text: &str) -> Reply {
    Reply::new(code, enhanced.parse().ok(), text)
        .unwrap_or_else(|_| Reply::with_text(ReplyCode::LocalError, text))
}

impl GatewayPolicy {
    fn trusted(&self, peer: &PeerInfo, auth: Option<&str>) -> bool {
        auth.is_some()
            || kernel::lock::read(&self.allowed_networks)
                .iter()
                .any(|n| n.contains(peer.ip))
    }
}

impl Policy for GatewayPolicy {
    fn mail_from(&self, peer: &PeerInfo, auth: Option<&str>, _from: &ReversePath) -> Verdict {
        if self.trusted(peer, auth) {
            Verdict::Accept
        } else {
            Verdict::Reject(reply(
                530,
                "5.7.0",
                "authentication required: log in (after STARTTLS) or send through your mail server",
            ))
        }
    }

    fn rcpt_to(
        &self,
        _peer: &PeerInfo,
        _auth: Option<&str>,
        _from: &ReversePath,
        to: &ParsedAddress,
    ) -> Verdict {
        let acceptor = kernel::lock::lock(&self.acceptor);
        match acceptor.recipient(&to.to_string()) {
            Ok(_) => Verdict::Accept,
            Err(refusal) => {
                let (code, enhanced) = refusal.smtp;
                Verdict::Reject(reply(code, enhanced, &refusal.text))
            }
        }
    }

    fn auth(&self, identity: &str, password: &str) -> bool {
        kernel::lock::read(&self.users).iter().any(|(u, p)| {
            u.eq_ignore_ascii_case(identity) && constant_time_eq(p.as_bytes(), password.as_bytes())
        })
    }

    fn message(&self, envelope: &Envelope, data: Vec<u8>) -> DataVerdict {
        let now = (self.clock)();
        let Some(mail) = crate::mime::parse(&data) else {
            return DataVerdict::Reject(reply(554, "5.6.0", "the message could not be parsed"));
        };
        let from_header = mail
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_string);
        let envelope_sender = match &envelope.mail_from {
            ReversePath::Null => String::new(),
            ReversePath::Mailbox(a) => a.to_string(),
        };
        let mut records: Vec<Record> = Vec::new();
        let mut notices = Vec::new();
        let mut acceptor = kernel::lock::lock(&self.acceptor);
        // The SMS text by the rule of `kernel::sms_text`, made once, and
        // only for a mail with an SMS recipient.
        let any_sms = envelope
            .recipients
            .iter()
            .any(|r| (acceptor.recipient(&r.addr.to_string())).is_ok_and(|r| r.0 == Service::Sms));
        let sms = any_sms
            .then(|| kernel::sms_text::sms_text(&crate::mime::to_document(&mail), &self.sms));
        // Fax records waiting for the pages of this mail.
        let mut unrendered: Vec<usize> = Vec::new();
        for rcpt in &envelope.recipients {
            let id = match self.store.next_id() {
                Ok(id) => id,
                Err(_) => return tempfail(),
            };
            let service = acceptor
                .recipient(&rcpt.addr.to_string())
                .map(|r| r.0)
                .unwrap_or(Service::Fax);
            let req = AcceptRequest {
                envelope_sender: envelope_sender.clone(),
                from_header: from_header.clone(),
                rcpt: rcpt.addr.to_string(),
                subject: mail.subject().map(str::to_string),
                document: None,
                // An SMS's parts count as its pages (a retry resumes at
                // the first part not sent).
                pages: match (&sms, service) {
                    (Some(Ok(t)), Service::Sms) => t.parts,
                    _ => 0,
                },
                // The text is the message only for SMS; a fax's body text
                // belongs to the renderer (cover page), not the journal.
                text: match (&sms, service) {
                    (Some(Ok(t)), Service::Sms) => Some(t.text.clone()),
                    _ => None,
                },
                priority: 5,
                send_at: None,
                billing_code: None,
            };
            let accepted = match (acceptor.accept(&req, id, now), &sms) {
                // No text by the rule (attachments, too long, empty): the
                // sender hears why, nothing is sent.
                (Accepted::Queued(mut record), Some(Err(e))) if service == Service::Sms => {
                    kernel::sms_text::refuse(&mut record, &e.to_string(), now);
                    notices.push(self.notifier.rejected(
                        &record.message,
                        kernel::report::Cause::Other,
                        None,
                        Language::En,
                        now,
                    ));
                    records.push(record);
                    continue;
                }
                (a, _) => a,
            };
            match accepted {
                Accepted::Queued(mut record) => {
                    if service == Service::Fax {
                        // No job until the render pool has its pages.
                        record.job = None;
                        unrendered.push(records.len());
                    }
                    records.push(record);
                }
                Accepted::Rejected { record, refusal } => {
                    if refusal.is_temporary() {
                        return DataVerdict::TempFail(reply(
                            refusal.smtp.0,
                            refusal.smtp.1,
                            &refusal.text,
                        ));
                    }
                    notices.push(self.notifier.rejected(
                        &record.message,
                        refusal.cause,
                        None,
                        Language::En,
                        now,
                    ));
                    records.push(record);
                }
            }
        }
        drop(acceptor);
        // The mail as received, appended to the raw spool once for every
        // fax recipient; the store's group commit syncs it before the
        // records naming it (the render pool, or after a crash the next
        // start, reads it from there).
        let mut render = None;
        if !unrendered.is_empty() {
            let raw = match self.raw_spool.append(&data) {
                Ok(raw) => raw,
                Err(_) => return tempfail(),
            };
            for &i in &unrendered {
                records[i].message.raw_mail = Some(raw.clone());
            }
            render = Some(kernel::work::RenderJob {
                raw,
                ids: unrendered.iter().map(|&i| records[i].message.id).collect(),
            });
        }
        // Durable before the 250: records, then the notices about them.
        if self.store.insert_with_mail(&records, &notices).is_err() {
            // The raw mail is not released: a record may still name it if
            // the flush failed after the insert. A restart drops it if none
            // does.
            return tempfail();
        }
        let queued: Vec<MessageId> = records
            .iter()
            .filter(|r| r.job.as_ref().is_some_and(|j| !j.is_done()))
            .map(|r| r.message.id)
            .collect();
        let queue_id = records
            .first()
            .map_or_else(|| "0".into(), |r| r.message.id.to_string());
        (self.on_accepted)(queued);
        if let Some(job) = render {
            self.work.submit_render(job);
        }
        DataVerdict::Accept(queue_id)
    }
}

fn tempfail() -> DataVerdict {
    DataVerdict::TempFail(reply(
        451,
        "4.3.0",
        "the message could not be stored, try again later",
    ))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
