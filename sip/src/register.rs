//! Registration (RFC 3261 §10) as a state machine: REGISTER with digest
//! answers to 401/407, the granted expiry read from the 200, a refresh
//! before it runs out, 423 Min-Expires, and a growing back-off after
//! failures. The caller sends what `poll_request` gives through the
//! endpoint and feeds the responses (or the transaction timeout) back.

use std::time::{Duration, Instant};

use rsip::{Request, Response};

use crate::auth::{Challenge, Credentials, DigestClient};
use crate::error::SipError;
use crate::wire::{self, split_name_addr, IdGen, MessageText};

/// Where and as whom to register.
#[derive(Debug, Clone)]
pub struct RegistrationConfig {
    /// Request-URI of the REGISTER (`sip:registrar.example`).
    pub registrar_uri: String,
    /// Address of record (`sip:user@domain`), in From and To.
    pub aor: String,
    /// Our Contact URI (`sip:user@ip:port`).
    pub contact: String,
    /// Via sent-by (`ip:port`) and transport (`UDP`, `TCP`).
    pub via_sent_by: String,
    /// Transport name in the Via.
    pub transport: String,
    /// Credentials for digest challenges.
    pub credentials: Option<Credentials>,
    /// Expiry to ask for, seconds.
    pub expires: u32,
    /// First back-off after a failure; doubles up to `max_backoff`.
    pub backoff: Duration,
    /// Longest back-off.
    pub max_backoff: Duration,
}

/// Where the registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegState {
    /// Not registered, nothing pending (before `start`, after unregister).
    Idle,
    /// A REGISTER is in flight.
    Registering,
    /// Registered until the instant.
    Registered {
        /// When the binding runs out.
        until: Instant,
    },
    /// Failed; the next attempt is at the instant.
    Failed {
        /// Next attempt.
        retry_at: Instant,
    },
}

/// What the registration reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegEvent {
    /// The registrar accepted the binding for `expires` seconds.
    Registered {
        /// Granted expiry, seconds.
        expires: u32,
    },
    /// The binding was removed (expires 0 accepted).
    Unregistered,
    /// The attempt failed with `code` (0: no response); next try after `retry_in`.
    Failed {
        /// SIP status, or 0 for a timeout.
        code: u16,
        /// Back-off until the next attempt.
        retry_in: Duration,
    },
}

/// One registration binding.
#[derive(Debug)]
pub struct Registration {
    cfg: RegistrationConfig,
    ids: IdGen,
    call_id: String,
    from_tag: String,
    cseq: u32,
    state: RegState,
    due: Option<Instant>,
    in_flight: Option<Request>,
    digest: Option<DigestClient>,
    auth_tries: u32,
    failures: u32,
    expires: u32,
    unregistering: bool,
    /// The Contact changed while a REGISTER was in flight: register again
    /// once it is answered.
    contact_changed: bool,
    /// The Contact before the last change: the next REGISTER removes its
    /// binding (`expires=0`), so the registrar does not fork calls to an
    /// address that no longer reaches us.
    stale_contact: Option<String>,
}

impl Registration {
    /// A registration, idle until [`Registration::start`].
    pub fn new(cfg: RegistrationConfig, mut ids: IdGen) -> Self {
        let host = cfg
            .via_sent_by
            .split(':')
            .next()
            .unwrap_or("ums")
            .to_string();
        let call_id = ids.call_id(&host);
        let from_tag = ids.tag();
        let digest = cfg.credentials.clone().map(DigestClient::new);
        let expires = cfg.expires;
        Self {
            cfg,
            ids,
            call_id,
            from_tag,
            cseq: 0,
            state: RegState::Idle,
            due: None,
            in_flight: None,
            digest,
            auth_tries: 0,
            failures: 0,
            expires,
            unregistering: false,
            contact_changed: false,
            stale_contact: None,
        }
    }

    /// Our Contact is now `contact` (NAT: the address the registrar saw
    /// changed, RFC 3581): registers it at once, or as soon as the
    /// REGISTER in flight is answered. The same Contact changes nothing.
    pub fn set_contact(&mut self, contact: String, now: Instant) {
        if contact == self.cfg.contact {
            return;
        }
        let old = std::mem::replace(&mut self.cfg.contact, contact);
        self.stale_contact = Some(old);
        if self.unregistering {
            return;
        }
        if self.in_flight.is_some() {
            self.contact_changed = true;
        } else {
            self.due = Some(now);
        }
    }

    /// The Contact we register.
    pub fn contact(&self) -> &str {
        &self.cfg.contact
    }

    /// The current state.
    pub fn state(&self) -> RegState {
        self.state
    }

    /// Whether a binding is in force at `now`.
    pub fn is_registered(&self, now: Instant) -> bool {
        matches!(self.state, RegState::Registered { until } if until > now)
    }

    /// Registers as soon as `poll_request` is called.
    pub fn start(&mut self, now: Instant) {
        self.unregistering = false;
        self.due = Some(now);
    }

    /// Removes the binding (REGISTER with expires 0).
    pub fn stop(&mut self, now: Instant) {
        self.unregistering = true;
        self.due = Some(now);
    }

    /// When `poll_request` has something to send.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.in_flight.is_some() {
            None
        } else {
            self.due
        }
    }

    fn build(&mut self) -> Result<Request, SipError> {
        self.cseq += 1;
        let expires = if self.unregistering { 0 } else { self.expires };
        let mut m = MessageText::request("REGISTER", &self.cfg.registrar_uri)
            .header(
                "Via",
                format!(
                    "SIP/2.0/{} {};branch={};rport",
                    self.cfg.transport,
                    self.cfg.via_sent_by,
                    self.ids.branch()
                ),
            )
            .header("Max-Forwards", "70")
            .header("From", format!("<{}>;tag={}", self.cfg.aor, self.from_tag))
            .header("To", format!("<{}>", self.cfg.aor))
            .header("Call-ID", self.call_id.clone())
            .header("CSeq", format!("{} REGISTER", self.cseq))
            .header("Contact", format!("<{}>", self.cfg.contact));
        if let Some(old) = self.stale_contact.take() {
            m.push("Contact", format!("<{old}>;expires=0"));
        }
        m.header("Expires", expires.to_string())
            .header("User-Agent", "ums")
            .build_request()
    }

    /// The REGISTER to send now, if one is due.
    pub fn poll_request(&mut self, now: Instant) -> Option<Request> {
        if self.in_flight.is_some() || self.due.is_none_or(|d| d > now) {
            return None;
        }
        self.due = None;
        self.auth_tries = 0;
        let req = self.build().ok()?;
        self.state = match self.state {
            s @ RegState::Registered { .. } => s, // a refresh keeps the binding
            _ => RegState::Registering,
        };
        self.in_flight = Some(req.clone());
        Some(req)
    }

    fn fail(&mut self, code: u16, now: Instant) -> RegEvent {
        self.in_flight = None;
        let shift = self.failures.min(16);
        self.failures += 1;
        let retry_in = (self.cfg.backoff * (1u32 << shift)).min(self.cfg.max_backoff);
        let retry_at = now + retry_in;
        // A binding that still holds stays until it runs out.
        if !matches!(self.state, RegState::Registered { until } if until > retry_at) {
            self.state = RegState::Failed { retry_at };
        }
        self.due = Some(retry_at);
        RegEvent::Failed { code, retry_in }
    }

    /// The transaction of the REGISTER in flight timed out.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<RegEvent> {
        self.in_flight.as_ref()?;
        Some(self.fail(0, now))
    }

    /// A response to the REGISTER in flight. Returns the request to send
    /// next when the response was a challenge we answer.
    pub fn handle_response(
        &mut self,
        resp: &Response,
        now: Instant,
    ) -> (Option<RegEvent>, Option<Request>) {
        let Some(req) = self.in_flight.clone() else {
            return (None, None);
        };
        let code = wire::status(resp);
        match code {
            100..=199 => (None, None),
            200..=299 => {
                self.in_flight = None;
                self.failures = 0;
                if self.unregistering {
                    self.state = RegState::Idle;
                    self.due = None;
                    return (Some(RegEvent::Unregistered), None);
                }
                let granted = granted_expires(resp, &self.cfg.contact).unwrap_or(self.expires);
                if granted == 0 {
                    return (Some(self.fail(code, now)), None);
                }
                let until = now + Duration::from_secs(granted.into());
                self.state = RegState::Registered { until };
                self.due = Some(if std::mem::take(&mut self.contact_changed) {
                    now
                } else {
                    now + refresh_after(granted)
                });
                (Some(RegEvent::Registered { expires: granted }), None)
            }
            401 | 407 => {
                let stale = Challenge::from_response(resp).is_ok_and(|c| c.stale);
                // A second challenge to an answered request means the
                // password is wrong, unless the nonce was only stale.
                if self.auth_tries >= 1 && !stale || self.auth_tries >= 3 {
                    return (Some(self.fail(code, now)), None);
                }
                let Some(digest) = self.digest.as_mut() else {
                    return (Some(self.fail(code, now)), None);
                };
                match digest.authorize(&req, resp, &mut self.ids) {
                    Ok(next) => {
                        self.auth_tries += 1;
                        self.cseq += 1;
                        self.in_flight = Some(next.clone());
                        (None, Some(next))
                    }
                    Err(_) => (Some(self.fail(code, now)), None),
                }
            }
            423 => {
                let min =
                    wire::header(resp, "Min-Expires").and_then(|v| v.trim().parse::<u32>().ok());
                match min {
                    Some(m) if m > self.expires && m <= 86_400 => {
                        self.expires = m;
                        self.in_flight = None;
                        self.due = Some(now);
                        (None, None)
                    }
                    _ => (Some(self.fail(code, now)), None),
                }
            }
            _ => (Some(self.fail(code, now)), None),
        }
    }
}

/// When to refresh a binding granted for `expires` seconds: well before it
/// runs out, leaving room for a challenge round trip and retransmissions.
pub fn refresh_after(expires: u32) -> Duration {
    let secs = if expires > 120 {
        expires - 60
    } else {
        expires / 2
    };
    Duration::from_secs(secs.max(1).into())
}

/// The expiry the registrar granted our contact: its `expires` parameter
/// in the 200's Contact list, else the Expires header.
pub fn granted_expires(resp: &Response, our_contact: &str) -> Option<u32> {
    let contacts = wire::header_values(resp, "Contact");
    let mut any = None;
    for c in &contacts {
        for one in c.split(',') {
            let (uri, params) = split_name_addr(one);
            let e = params
                .iter()
                .find(|(k, _)| k == "expires")
                .and_then(|(_, v)| v.parse::<u32>().ok());
            if let Some(e) = e {
                if uri.eq_ignore_ascii_case(our_contact) {
                    return Some(e);
                }
                any.get_or_insert(e);
            }
        }
    }
    any.or_else(|| wire::header(resp, "Expires").and_then(|v| v.trim().parse().ok()))
}
