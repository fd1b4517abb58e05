//! The scripted client every test drives the engine with: it feeds bytes,
//! collects reply bytes, records events and answers them with a small
//! policy, all on a simulated clock.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use smtp::engine::{DataVerdict, Output, PeerInfo, Session, SessionConfig, SessionEvent, Verdict};
use smtp::wire::reply::{EnhancedCode, Reply};

/// The service domain of the test policy.
pub const DOMAIN: &str = "fax.example.com";

pub fn config() -> SessionConfig {
    SessionConfig {
        hostname: "gw.test".into(),
        ..SessionConfig::default()
    }
}

pub fn peer(tls: bool) -> PeerInfo {
    PeerInfo {
        ip: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 25)),
        tls,
    }
}

/// Relay refused: what the test policy answers for foreign or tricky
/// recipients.
pub fn relay_denied() -> Reply {
    Reply::new(550, Some(EnhancedCode::new(5, 7, 1)), "Relay access denied").unwrap()
}

pub struct Client {
    pub session: Session,
    pub now: Instant,
    /// Every reply so far, as text.
    pub transcript: String,
    pub events: Vec<SessionEvent>,
    pub closed: bool,
    pub starttls: usize,
    /// Answer events at once (else tests answer by hand).
    pub auto_answer: bool,
    /// Call `tls_established` as soon as `StartTls` comes out.
    pub auto_tls: bool,
    queued: u32,
}

impl Client {
    pub fn new(config: SessionConfig) -> Self {
        Self::with_tls(config, false)
    }

    pub fn with_tls(config: SessionConfig, tls: bool) -> Self {
        let now = test_kit::origin();
        let session = Session::new(config, peer(tls), now);
        let mut c = Self {
            session,
            now,
            transcript: String::new(),
            events: Vec::new(),
            closed: false,
            starttls: 0,
            auto_answer: true,
            auto_tls: true,
            queued: 0,
        };
        c.drain();
        c
    }

    /// A client past the greeting and EHLO.
    pub fn ehlo(config: SessionConfig) -> Self {
        let mut c = Self::new(config);
        c.send("EHLO client.test\r\n");
        c
    }

    /// Feeds bytes; returns the replies they produced.
    pub fn send(&mut self, bytes: impl AsRef<[u8]>) -> String {
        self.session.handle_input(self.now, bytes.as_ref());
        self.drain()
    }

    /// Moves the simulated clock and fires the timer if due.
    pub fn advance(&mut self, by: Duration) -> String {
        self.now += by;
        self.session.handle_timeout(self.now);
        self.drain()
    }

    /// Polls all output; returns the replies.
    pub fn drain(&mut self) -> String {
        let mut out = String::new();
        while let Some(o) = self.session.poll_output() {
            match o {
                Output::Reply(bytes) => {
                    assert!(bytes.ends_with(b"\r\n"), "reply not CRLF-terminated");
                    out.push_str(&String::from_utf8(bytes).expect("reply not UTF-8"));
                }
                Output::Close => {
                    assert!(!self.closed, "Close twice");
                    self.closed = true;
                }
                Output::StartTls => {
                    self.starttls += 1;
                    if self.auto_tls {
                        self.session.tls_established().unwrap();
                    }
                }
                Output::Event(e) => {
                    if self.auto_answer {
                        self.answer(&e);
                    }
                    self.events.push(e);
                }
            }
        }
        self.transcript.push_str(&out);
        out
    }

    /// The test policy: any sender; plain addresses at [`DOMAIN`]; user
    /// alice with password secret; every message stored as Q1, Q2, ...
    pub fn answer(&mut self, e: &SessionEvent) {
        let s = &mut self.session;
        match e {
            SessionEvent::MailFrom { .. } => s.answer_mail(Verdict::Accept).unwrap(),
            SessionEvent::RcptTo { addr, .. } => {
                let ours = addr.is_plain() && addr.domain.eq_ignore_ascii_case(DOMAIN);
                let v = if ours {
                    Verdict::Accept
                } else {
                    Verdict::Reject(relay_denied())
                };
                s.answer_rcpt(v).unwrap()
            }
            SessionEvent::Auth {
                identity, password, ..
            } => s
                .answer_auth(identity == "alice" && password.expose() == "secret")
                .unwrap(),
            SessionEvent::Message { .. } => {
                self.queued += 1;
                s.answer_data(DataVerdict::Accept(format!("Q{}", self.queued)))
                    .unwrap()
            }
            _ => panic!("unknown event {e:?}"),
        }
    }

    /// The messages handed to the driver.
    pub fn messages(&self) -> Vec<(&smtp::engine::Envelope, &[u8])> {
        self.events
            .iter()
            .filter_map(|e| match e {
                SessionEvent::Message { envelope, data } => Some((envelope, data.as_slice())),
                _ => None,
            })
            .collect()
    }
}

/// Runs a whole client script fed in the given pieces; returns transcript,
/// events and whether the session closed.
pub fn run_chunks(config: SessionConfig, chunks: &[&[u8]]) -> (String, Vec<SessionEvent>, bool) {
    let mut c = Client::new(config);
    for chunk in chunks {
        c.send(chunk);
    }
    (c.transcript, c.events, c.closed)
}

/// A normal pipelined session with two messages, dot-stuffing, a refused
/// recipient and errors, used for the chunking tests.
pub const SAMPLE_SESSION: &[u8] = b"EHLO client.test\r\n\
MAIL FROM:<alice@example.org> SIZE=100 BODY=8BITMIME\r\n\
RCPT TO:<+4930123456@fax.example.com>\r\n\
RCPT TO:<bob@elsewhere.example>\r\n\
DATA\r\n\
Subject: one\r\n\
\r\n\
..leading dot\r\n\
.\r\n\
NOOP\r\n\
BOGUS\r\n\
MAIL FROM:<>\r\n\
RCPT TO:<4930999@fax.example.com> NOTIFY=NEVER\r\n\
DATA\r\n\
two\r\n\
.\r\n\
RSET\r\n\
QUIT\r\n";
