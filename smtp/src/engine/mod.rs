//! The session engine: one SMTP server session as a state machine, without
//! sockets, TLS or clock (sans-IO, after str0m and quinn-proto).
//!
//! One way in: [`Session::handle_input`] with whatever bytes arrived (any
//! split of the stream gives the same result), [`Session::handle_timeout`],
//! and the driver's answers (`answer_*`, [`Session::tls_established`]). One
//! way out: [`Session::poll_output`] until it returns `None`, then arm a
//! timer for [`Session::poll_timeout`].
//!
//! The session stops at each question it asks the policy layer
//! ([`SessionEvent`]); input that arrives meanwhile (PIPELINING, RFC 2920) is
//! kept and processed after the answer, so replies leave in order. The 250
//! for a message goes out only from [`Session::answer_data`]: the driver calls
//! it after the message is on disk.
//!
//! A blocking driver, to show the loop (the real one is a tokio task):
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use std::time::Instant;
//! use smtp::engine::{DataVerdict, Output, PeerInfo, Session, SessionConfig, SessionEvent, Verdict};
//!
//! fn serve(mut sock: std::net::TcpStream) -> std::io::Result<()> {
//!     let peer = PeerInfo { ip: sock.peer_addr()?.ip(), tls: false };
//!     let mut session = Session::new(SessionConfig::default(), peer, Instant::now());
//!     let mut buf = [0u8; 8192];
//!     loop {
//!         while let Some(out) = session.poll_output() {
//!             match out {
//!                 Output::Reply(bytes) => sock.write_all(&bytes)?,
//!                 Output::Close => return Ok(()),
//!                 Output::StartTls => unimplemented!("handshake, then session.tls_established()"),
//!                 Output::Event(SessionEvent::Message { .. }) => {
//!                     // store durably and fsync first, then:
//!                     session.answer_data(DataVerdict::Accept("Q1".into())).ok();
//!                 }
//!                 Output::Event(SessionEvent::RcptTo { .. }) => { session.answer_rcpt(Verdict::Accept).ok(); }
//!                 Output::Event(SessionEvent::MailFrom { .. }) => { session.answer_mail(Verdict::Accept).ok(); }
//!                 Output::Event(_) => { session.answer_auth(false).ok(); }
//!             }
//!         }
//!         let n = sock.read(&mut buf)?; // a real driver races this against poll_timeout()
//!         if n == 0 { return Ok(()); }
//!         session.handle_input(Instant::now(), &buf[..n]);
//!     }
//! }
//! ```

mod auth;
mod config;
mod event;
mod transaction;

use std::collections::VecDeque;
use std::time::Instant;

pub use config::{PeerInfo, SessionConfig};
pub use event::{DataVerdict, Envelope, Output, Password, Recipient, SessionEvent, Verdict};

use crate::error::SmtpError;
use crate::wire::address::ReversePath;
use crate::wire::command::{split_line, Command, LineSplit};
use crate::wire::data::DotReader;
use crate::wire::params::MailParams;
use crate::wire::reply::{Reply, ReplyClass, ReplyCode};

use auth::SaslStep;

/// What the session waits for.
#[derive(Debug)]
enum Phase {
    /// A command line.
    ExpectCommand,
    /// A line answering a 334 challenge.
    ExpectSaslResponse(SaslStep),
    /// The driver's answer to an event; input is buffered meanwhile.
    ExpectAnswer(Pending),
    /// Message data up to CRLF.CRLF.
    ExpectData(DotReader),
    /// The TLS handshake; plaintext input is discarded.
    ExpectTls,
    /// Nothing more: the driver closes the connection.
    Closed,
}

/// The question an [`Phase::ExpectAnswer`] waits on.
#[derive(Debug)]
enum Pending {
    Mail {
        from: ReversePath,
        params: MailParams,
    },
    Rcpt(Recipient),
    Auth {
        identity: String,
    },
    Data,
}

/// EHLO or HELO, as last given.
#[derive(Debug, Clone)]
struct Helo {
    name: String,
    extended: bool,
}

/// An open mail transaction (after an accepted MAIL FROM).
#[derive(Debug)]
struct Transaction {
    from: ReversePath,
    params: MailParams,
    recipients: Vec<Recipient>,
}

/// One SMTP server session.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    peer: PeerInfo,
    phase: Phase,
    helo: Option<Helo>,
    authenticated_as: Option<String>,
    tx: Option<Transaction>,
    errors: u32,
    /// Inside a command line that went over the cap.
    discarding: bool,
    /// Input not processed yet (a partial line, or pipelined commands).
    input: Vec<u8>,
    output: VecDeque<Output>,
    last_input: Instant,
}

impl Session {
    /// A new session; the greeting is the first output.
    pub fn new(config: SessionConfig, peer: PeerInfo, now: Instant) -> Self {
        let mut s = Self {
            config,
            peer,
            phase: Phase::ExpectCommand,
            helo: None,
            authenticated_as: None,
            tx: None,
            errors: 0,
            discarding: false,
            input: Vec::new(),
            output: VecDeque::new(),
            last_input: now,
        };
        let text = format!("{} {}", s.config.hostname, ReplyCode::Greeting.text());
        s.send(Reply::with_text(ReplyCode::Greeting, &text));
        s
    }

    /// Bytes from the client, in any pieces. `now` restarts the idle timer.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        if matches!(self.phase, Phase::Closed) {
            return;
        }
        self.last_input = now;
        if self.input.is_empty() {
            // The common case (and all of a message body): no copy first.
            let used = self.run(bytes);
            self.input.extend_from_slice(&bytes[used..]);
        } else {
            self.input.extend_from_slice(bytes);
            self.process();
        }
    }

    /// The next thing for the driver to do.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.output.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is due, if at all. No
    /// timer runs while the driver owes an answer or does the TLS handshake.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let idle = match self.phase {
            Phase::ExpectCommand | Phase::ExpectSaslResponse(_) => self.config.command_timeout,
            Phase::ExpectData(_) => self.config.data_timeout,
            Phase::ExpectAnswer(_) | Phase::ExpectTls | Phase::Closed => return None,
        };
        self.last_input.checked_add(idle)
    }

    /// The timer fired: past the deadline, 421 4.4.2 and close.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|deadline| now >= deadline) {
            self.send(ReplyCode::Timeout.into());
            self.close();
        }
    }

    /// Whether the driver should read more from the socket now. False once
    /// closed, during the TLS handshake, and while too much pipelined input
    /// waits behind an unanswered event (back-pressure; nothing is dropped).
    pub fn wants_input(&self) -> bool {
        match self.phase {
            Phase::Closed | Phase::ExpectTls => false,
            Phase::ExpectAnswer(_) => self.input.len() < self.config.max_pipelined_input,
            _ => true,
        }
    }

    /// The TLS handshake after [`Output::StartTls`] succeeded: the session
    /// forgets everything it learnt in plaintext (RFC 3207 §4.2) and waits
    /// for a new EHLO. No greeting is sent.
    pub fn tls_established(&mut self) -> Result<(), SmtpError> {
        if !matches!(self.phase, Phase::ExpectTls) {
            return Err(SmtpError::NotPending("TLS"));
        }
        self.peer.tls = true;
        self.helo = None;
        self.tx = None;
        self.authenticated_as = None;
        self.discarding = false;
        self.input.clear();
        self.phase = Phase::ExpectCommand;
        Ok(())
    }

    /// The client's address and TLS state.
    pub fn peer(&self) -> PeerInfo {
        self.peer
    }

    /// The EHLO/HELO name, once given.
    pub fn helo(&self) -> Option<&str> {
        self.helo.as_ref().map(|h| h.name.as_str())
    }

    /// The sender of the open transaction, once MAIL FROM was accepted (for
    /// the policy's RCPT decision).
    pub fn mail_from(&self) -> Option<&ReversePath> {
        self.tx.as_ref().map(|tx| &tx.from)
    }

    /// The AUTH identity, once authenticated.
    pub fn authenticated_as(&self) -> Option<&str> {
        self.authenticated_as.as_deref()
    }

    /// The server is stopping. A session between commands (or in an AUTH
    /// exchange) is answered `421 4.3.2` and closed at once; one receiving
    /// message data, or waiting for the answer to it, goes on, and the
    /// driver asks again once that is answered. Returns whether the
    /// session is now closed.
    pub fn shut_down(&mut self) -> bool {
        match self.phase {
            Phase::Closed => true,
            Phase::ExpectData(_) | Phase::ExpectAnswer(Pending::Data) | Phase::ExpectTls => false,
            Phase::ExpectCommand | Phase::ExpectSaslResponse(_) | Phase::ExpectAnswer(_) => {
                let reply = Reply::new(421, "4.3.2".parse().ok(), "Service shutting down")
                    .unwrap_or_else(|_| ReplyCode::ServiceNotAvailable.into());
                self.send(reply);
                self.close();
                true
            }
        }
    }

    /// The session has emitted [`Output::Close`].
    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed)
    }

    /// Processes the buffered input.
    fn process(&mut self) {
        let buf = std::mem::take(&mut self.input);
        let used = self.run(&buf);
        let mut buf = buf;
        buf.drain(..used);
        self.input = buf;
    }

    /// Processes `buf` as far as the phase allows; returns the octets used.
    fn run(&mut self, buf: &[u8]) -> usize {
        let cap = self.config.line_cap();
        let mut pos = 0;
        loop {
            let rest = &buf[pos..];
            match &mut self.phase {
                Phase::Closed | Phase::ExpectTls => return buf.len(),
                Phase::ExpectAnswer(_) => return pos,
                Phase::ExpectData(reader) => {
                    pos += reader.feed(rest);
                    if !reader.is_done() {
                        return pos;
                    }
                    self.end_of_data();
                }
                Phase::ExpectCommand | Phase::ExpectSaslResponse(_) if self.discarding => {
                    let Some(lf) = rest.iter().position(|&b| b == b'\n') else {
                        return buf.len();
                    };
                    pos += lf + 1;
                    self.discarding = false;
                    self.reject(SmtpError::LineTooLong);
                }
                Phase::ExpectCommand | Phase::ExpectSaslResponse(_) => {
                    match split_line(rest, cap) {
                        LineSplit::NeedMore => return pos,
                        LineSplit::TooLong => {
                            pos += cap;
                            self.discarding = true;
                            // RFC 4954 §4: an over-long SASL line ends the exchange.
                            self.phase = Phase::ExpectCommand;
                        }
                        LineSplit::Line { end, next, bare_lf } => {
                            pos += next;
                            let step =
                                match std::mem::replace(&mut self.phase, Phase::ExpectCommand) {
                                    Phase::ExpectSaslResponse(step) => Some(step),
                                    _ => None,
                                };
                            if bare_lf {
                                self.reject(SmtpError::BareLineFeed);
                            } else if let Some(step) = step {
                                self.handle_sasl_response(step, &rest[..end]);
                            } else {
                                match Command::parse(&rest[..end]) {
                                    Ok(cmd) => self.handle_command(cmd),
                                    Err(e) => self.reject(e),
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn handle_command(&mut self, cmd: Command) {
        match cmd {
            Command::Ehlo(name) => self.handle_hello(name, true),
            Command::Helo(name) => self.handle_hello(name, false),
            Command::Mail { from, params } => self.handle_mail(from, params),
            Command::Rcpt { to, params } => self.handle_rcpt(to, params),
            Command::Data => self.handle_data(),
            Command::Rset => {
                self.tx = None;
                self.send(ReplyCode::Ok.into());
            }
            Command::Noop => self.send(ReplyCode::Ok.into()),
            Command::Help => self.send(ReplyCode::Help.into()),
            Command::Vrfy => self.send(ReplyCode::CannotVrfy.into()),
            Command::Expn => self.send(ReplyCode::ExpnDisabled.into()),
            Command::Quit => {
                self.send(ReplyCode::Closing.into());
                self.close();
            }
            Command::StartTls => self.handle_starttls(),
            Command::Auth { mechanism, initial } => self.handle_auth(mechanism, initial),
        }
    }

    /// EHLO/HELO (RFC 5321 §4.1.1.1): resets the transaction, keeps AUTH.
    fn handle_hello(&mut self, name: String, extended: bool) {
        self.tx = None;
        self.helo = Some(Helo { name, extended });
        let host = self.config.hostname.clone();
        if !extended {
            self.send(Reply::with_text(ReplyCode::Hello, &host));
            return;
        }
        let mut lines = vec![
            host,
            "PIPELINING".to_owned(),
            format!("SIZE {}", self.config.max_message_size),
        ];
        if !self.peer.tls && self.config.tls_available {
            lines.push("STARTTLS".to_owned());
        }
        if self.auth_offered() {
            lines.push("AUTH PLAIN LOGIN".to_owned());
        }
        for keyword in ["ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8", "HELP"] {
            lines.push(keyword.to_owned());
        }
        self.send(Reply::multiline(ReplyCode::Hello, lines));
    }

    /// STARTTLS (RFC 3207 §4).
    fn handle_starttls(&mut self) {
        if self.peer.tls {
            self.send(ReplyCode::TlsActive.into());
        } else if !self.config.tls_available {
            self.send(ReplyCode::StartTlsUnavailable.into());
        } else {
            self.send(ReplyCode::TlsReady.into());
            self.output.push_back(Output::StartTls);
            // Everything after the STARTTLS line that came in plaintext is
            // dropped by `run` (CVE-2011-0411: no command injection into TLS).
            self.phase = Phase::ExpectTls;
        }
    }

    /// Asks the driver, and waits.
    fn ask(&mut self, pending: Pending, event: SessionEvent) {
        self.phase = Phase::ExpectAnswer(pending);
        self.output.push_back(Output::Event(event));
    }

    /// Takes the pending question if it is the expected kind.
    fn take_pending(
        &mut self,
        what: &'static str,
        is: fn(&Pending) -> bool,
    ) -> Result<Pending, SmtpError> {
        match &self.phase {
            Phase::ExpectAnswer(p) if is(p) => {}
            _ => return Err(SmtpError::NotPending(what)),
        }
        match std::mem::replace(&mut self.phase, Phase::ExpectCommand) {
            Phase::ExpectAnswer(p) => Ok(p),
            _ => Err(SmtpError::NotPending(what)),
        }
    }

    /// After an answer: go on with what was pipelined meanwhile.
    fn resume(&mut self) {
        if !self.input.is_empty() {
            self.process();
        }
    }

    /// Queues a reply. Every 5xx to a command counts against `max_errors`.
    fn send(&mut self, reply: Reply) {
        let counts = reply.class() == ReplyClass::Permanent;
        self.output.push_back(Output::Reply(reply.to_bytes()));
        if counts {
            self.count_error();
        }
    }

    /// Queues a reply that does not count as an error (after DATA).
    fn send_uncounted(&mut self, reply: Reply) {
        self.output.push_back(Output::Reply(reply.to_bytes()));
    }

    fn count_error(&mut self) {
        self.errors = self.errors.saturating_add(1);
        if self.errors >= self.config.max_errors && !self.is_closed() {
            self.send_uncounted(ReplyCode::TooManyErrors.into());
            self.close();
        }
    }

    /// The one place a protocol error becomes its reply.
    fn reject(&mut self, error: SmtpError) {
        self.send(error.reply_code().into());
    }

    fn close(&mut self) {
        self.tx = None;
        self.phase = Phase::Closed;
        self.input.clear();
        self.output.push_back(Output::Close);
    }
}
