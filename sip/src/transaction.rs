//! RFC 3261 §17 transactions, sans-IO: the four state machines with their
//! timers (A, B, D, E, F, G, H, I, J, K from T1/T2/T4), the ACK for a
//! non-2xx final response, and RFC 6026's Accepted states (a 2xx ends the
//! INVITE transactions' retransmission duty but they stay to absorb
//! retransmissions; the 2xx itself is retransmitted by the server side
//! until the dialog's ACK arrives, §13.3.1.4).
//!
//! Each transaction takes `now` with every input, queues [`TxEvent`]s for
//! `poll_event`, and tells its next deadline through `poll_timeout`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rsip::{Request, Response, SipMessage};

use crate::error::SipError;
use crate::wire::{self, header, header_values, MessageText};

/// The timer base values of RFC 3261 §17.1.1.1 / table 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    /// RTT estimate (500 ms).
    pub t1: Duration,
    /// Maximum retransmit interval for non-INVITE requests and INVITE
    /// responses (4 s).
    pub t2: Duration,
    /// Maximum time a message stays in the network (5 s).
    pub t4: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        Self {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

impl TimerConfig {
    fn t1x64(&self) -> Duration {
        self.t1 * 64
    }
}

/// What a transaction asks of its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxEvent {
    /// Send these bytes to the transaction's peer.
    Transmit(Vec<u8>),
    /// A response for the transaction user (client transactions).
    Response(Response),
    /// Timer B/F (no final response) or H / no ACK for a 2xx (server).
    Timeout,
    /// The transaction is over; drop it.
    Terminated,
}

/// States of both kinds of client transaction (§17.1.1.2, §17.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientState {
    /// INVITE sent, no response yet (timers A and B).
    Calling,
    /// non-INVITE sent, no response yet (timers E and F).
    Trying,
    /// A provisional response arrived.
    Proceeding,
    /// A final non-2xx (INVITE) or any final (non-INVITE) arrived; absorbing
    /// retransmissions (timer D or K).
    Completed,
    /// A 2xx to the INVITE arrived (RFC 6026 timer M).
    Accepted,
    /// Over.
    Terminated,
}

/// An INVITE or non-INVITE client transaction.
#[derive(Debug)]
pub struct ClientTransaction {
    invite: bool,
    reliable: bool,
    timers: TimerConfig,
    state: ClientState,
    request: Request,
    bytes: Vec<u8>,
    interval: Duration,
    retransmit_at: Option<Instant>,
    timeout_at: Option<Instant>,
    linger_at: Option<Instant>,
    ack: Option<Vec<u8>>,
    events: VecDeque<TxEvent>,
}

impl ClientTransaction {
    /// Starts the transaction: the request is queued for sending at once.
    /// `reliable` is true over TCP/TLS (no retransmissions, no linger).
    pub fn new(request: Request, reliable: bool, timers: TimerConfig, now: Instant) -> Self {
        let invite = wire::method(&request) == "INVITE";
        let bytes = wire::to_bytes(&SipMessage::Request(request.clone()));
        let mut events = VecDeque::new();
        events.push_back(TxEvent::Transmit(bytes.clone()));
        Self {
            invite,
            reliable,
            timers,
            state: if invite {
                ClientState::Calling
            } else {
                ClientState::Trying
            },
            request,
            bytes,
            interval: timers.t1,
            retransmit_at: (!reliable).then(|| now + timers.t1),
            timeout_at: Some(now + timers.t1x64()),
            linger_at: None,
            ack: None,
            events,
        }
    }

    /// The request this transaction sends.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The current state.
    pub fn state(&self) -> ClientState {
        self.state
    }

    /// Whether this is an INVITE transaction.
    pub fn is_invite(&self) -> bool {
        self.invite
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<TxEvent> {
        self.events.pop_front()
    }

    /// When `handle_timeout` must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state == ClientState::Terminated {
            return None;
        }
        [self.retransmit_at, self.timeout_at, self.linger_at]
            .into_iter()
            .flatten()
            .min()
    }

    fn terminate(&mut self) {
        self.state = ClientState::Terminated;
        self.retransmit_at = None;
        self.timeout_at = None;
        self.linger_at = None;
        self.events.push_back(TxEvent::Terminated);
    }

    /// A response that matched this transaction (§17.1.3).
    pub fn handle_response(&mut self, response: Response, now: Instant) {
        let code = wire::status(&response);
        use ClientState::*;
        if self.invite {
            match (self.state, code) {
                (Calling | Proceeding, 100..=199) => {
                    self.state = Proceeding;
                    self.retransmit_at = None;
                    self.timeout_at = None;
                    self.events.push_back(TxEvent::Response(response));
                }
                (Calling | Proceeding, 200..=299) => {
                    self.state = Accepted;
                    self.retransmit_at = None;
                    self.timeout_at = None;
                    self.linger_at = Some(now + self.timers.t1x64()); // timer M
                    self.events.push_back(TxEvent::Response(response));
                }
                (Calling | Proceeding, 300..=699) => {
                    self.state = Completed;
                    self.retransmit_at = None;
                    self.timeout_at = None;
                    let ack = ack_for_non_2xx(&self.request, &response);
                    self.events.push_back(TxEvent::Transmit(ack.clone()));
                    self.ack = Some(ack);
                    // Timer D: at least 32 s over UDP, zero over TCP.
                    let d = if self.reliable {
                        Duration::ZERO
                    } else {
                        Duration::from_secs(32).max(self.timers.t1x64() / 2)
                    };
                    self.linger_at = Some(now + d);
                    self.events.push_back(TxEvent::Response(response));
                }
                (Completed, 300..=699) => {
                    if let Some(ack) = &self.ack {
                        self.events.push_back(TxEvent::Transmit(ack.clone()));
                    }
                }
                // Retransmitted or forked 2xx: the dialog layer ACKs each.
                (Accepted, 200..=299) => self.events.push_back(TxEvent::Response(response)),
                _ => {}
            }
        } else {
            match (self.state, code) {
                (Trying | Proceeding, 100..=199) => {
                    self.state = Proceeding;
                    self.events.push_back(TxEvent::Response(response));
                }
                (Trying | Proceeding, 200..=699) => {
                    self.state = Completed;
                    self.retransmit_at = None;
                    self.timeout_at = None;
                    let k = if self.reliable {
                        Duration::ZERO
                    } else {
                        self.timers.t4
                    };
                    self.linger_at = Some(now + k);
                    self.events.push_back(TxEvent::Response(response));
                }
                _ => {}
            }
        }
        if self.linger_at.is_some_and(|t| t <= now) {
            self.terminate();
        }
    }

    /// Runs the timers that are due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state == ClientState::Terminated {
            return;
        }
        if self.timeout_at.is_some_and(|t| t <= now) {
            // Timer B or F.
            self.events.push_back(TxEvent::Timeout);
            self.terminate();
            return;
        }
        if self.linger_at.is_some_and(|t| t <= now) {
            // Timer D, K or M.
            self.terminate();
            return;
        }
        if let Some(at) = self.retransmit_at.filter(|t| *t <= now) {
            // Timer A doubles without bound; timer E doubles up to T2 and
            // is T2 once a provisional response arrived.
            self.events.push_back(TxEvent::Transmit(self.bytes.clone()));
            self.interval = if self.invite {
                self.interval * 2
            } else if self.state == ClientState::Proceeding {
                self.timers.t2
            } else {
                (self.interval * 2).min(self.timers.t2)
            };
            self.retransmit_at = Some(at + self.interval);
        }
    }
}

/// The ACK for a non-2xx final response (§17.1.1.3): same Request-URI,
/// Call-ID, From, CSeq number and top Via as the INVITE, the response's To.
pub fn ack_for_non_2xx(invite: &Request, response: &Response) -> Vec<u8> {
    let mut m = MessageText::request("ACK", &invite.uri.to_string());
    if let Some(v) = header(invite, "Via") {
        m.push("Via", v);
    }
    for r in header_values(invite, "Route") {
        m.push("Route", r);
    }
    m.push("Max-Forwards", "70");
    if let Some(f) = header(invite, "From") {
        m.push("From", f);
    }
    if let Some(t) = header(response, "To") {
        m.push("To", t);
    }
    if let Some(c) = header(invite, "Call-ID") {
        m.push("Call-ID", c);
    }
    let cseq = wire::Core::of(invite).map(|c| c.cseq).unwrap_or(1);
    m.push("CSeq", format!("{cseq} ACK"));
    m.to_bytes()
}

/// The CANCEL for a pending INVITE (§9.1): same Request-URI, Call-ID, From,
/// To, CSeq number, top Via and Route set.
pub fn cancel_for(invite: &Request) -> Result<Request, SipError> {
    let core = wire::Core::of(invite)?;
    let mut m = MessageText::request("CANCEL", &invite.uri.to_string());
    if let Some(v) = header(invite, "Via") {
        m.push("Via", v);
    }
    for r in header_values(invite, "Route") {
        m.push("Route", r);
    }
    m.push("Max-Forwards", "70");
    for h in ["From", "To", "Call-ID"] {
        if let Some(v) = header(invite, h) {
            m.push(h, v);
        }
    }
    m.push("CSeq", format!("{} CANCEL", core.cseq));
    m.build_request()
}

/// States of both kinds of server transaction (§17.2.1, §17.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerState {
    /// non-INVITE received, no response sent yet.
    Trying,
    /// A provisional response was sent (an INVITE starts here: we send 100).
    Proceeding,
    /// A final non-2xx (INVITE: timers G and H) or any final (non-INVITE:
    /// timer J) was sent.
    Completed,
    /// INVITE: the ACK for the non-2xx arrived (timer I).
    Confirmed,
    /// INVITE: a 2xx was sent; retransmitted until the ACK (RFC 6026 timer L).
    Accepted,
    /// Over.
    Terminated,
}

/// An INVITE or non-INVITE server transaction.
#[derive(Debug)]
pub struct ServerTransaction {
    invite: bool,
    reliable: bool,
    timers: TimerConfig,
    state: ServerState,
    request: Request,
    last_response: Option<Vec<u8>>,
    interval: Duration,
    retransmit_at: Option<Instant>,
    timeout_at: Option<Instant>,
    linger_at: Option<Instant>,
    acked: bool,
    events: VecDeque<TxEvent>,
}

impl ServerTransaction {
    /// A server transaction for a new request. An INVITE answers
    /// `100 Trying` at once (§17.2.1), so the client stops retransmitting.
    pub fn new(request: Request, reliable: bool, timers: TimerConfig, now: Instant) -> Self {
        let _ = now;
        let invite = wire::method(&request) == "INVITE";
        let mut tx = Self {
            invite,
            reliable,
            timers,
            state: if invite {
                ServerState::Proceeding
            } else {
                ServerState::Trying
            },
            request,
            last_response: None,
            interval: timers.t1,
            retransmit_at: None,
            timeout_at: None,
            linger_at: None,
            acked: false,
            events: VecDeque::new(),
        };
        if invite {
            let trying = wire::response_to(&tx.request, 100, "Trying", None).to_bytes();
            tx.events.push_back(TxEvent::Transmit(trying.clone()));
            tx.last_response = Some(trying);
        }
        tx
    }

    /// The request that created the transaction.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The current state.
    pub fn state(&self) -> ServerState {
        self.state
    }

    /// Whether this is an INVITE transaction.
    pub fn is_invite(&self) -> bool {
        self.invite
    }

    /// Whether a final response has been sent.
    pub fn is_final_sent(&self) -> bool {
        !matches!(self.state, ServerState::Trying | ServerState::Proceeding)
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<TxEvent> {
        self.events.pop_front()
    }

    /// When `handle_timeout` must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state == ServerState::Terminated {
            return None;
        }
        [self.retransmit_at, self.timeout_at, self.linger_at]
            .into_iter()
            .flatten()
            .min()
    }

    fn terminate(&mut self) {
        self.state = ServerState::Terminated;
        self.retransmit_at = None;
        self.timeout_at = None;
        self.linger_at = None;
        self.events.push_back(TxEvent::Terminated);
    }

    /// A retransmission of the request, or the ACK of a non-2xx response
    /// (same branch), matched to this transaction (§17.2.3).
    pub fn handle_request(&mut self, request: &Request, now: Instant) {
        let is_ack = wire::method(request) == "ACK";
        use ServerState::*;
        match (self.state, is_ack) {
            (Completed, true) if self.invite => {
                self.state = Confirmed;
                self.retransmit_at = None;
                self.timeout_at = None;
                let i = if self.reliable {
                    Duration::ZERO
                } else {
                    self.timers.t4
                };
                self.linger_at = Some(now + i);
                if i.is_zero() {
                    self.terminate();
                }
            }
            (Proceeding | Completed, false) => {
                if let Some(r) = &self.last_response {
                    self.events.push_back(TxEvent::Transmit(r.clone()));
                }
            }
            _ => {} // Trying, Confirmed, Accepted: absorbed
        }
    }

    /// The ACK of a 2xx (a new transaction of its own, matched by the
    /// dialog): stops the 2xx retransmissions.
    pub fn handle_2xx_ack(&mut self) {
        if self.state == ServerState::Accepted {
            self.acked = true;
            self.retransmit_at = None;
        }
    }

    /// Whether the 2xx (if one was sent) has been acknowledged.
    pub fn is_acked(&self) -> bool {
        self.acked
    }

    /// Sends a response from the transaction user.
    pub fn send_response(&mut self, response: &Response, now: Instant) -> Result<(), SipError> {
        let code = wire::status(response);
        let bytes = wire::to_bytes(&SipMessage::Response(response.clone()));
        use ServerState::*;
        match (self.invite, self.state, code) {
            (_, Trying | Proceeding, 100..=199) => {
                self.state = Proceeding;
            }
            (true, Proceeding, 200..=299) => {
                self.state = Accepted;
                self.interval = self.timers.t1;
                self.retransmit_at = Some(now + self.timers.t1);
                self.linger_at = Some(now + self.timers.t1x64()); // timer L
            }
            (true, Proceeding, 300..=699) => {
                self.state = Completed;
                self.interval = self.timers.t1;
                self.retransmit_at = (!self.reliable).then(|| now + self.timers.t1); // G
                self.timeout_at = Some(now + self.timers.t1x64()); // H
            }
            (false, Trying | Proceeding, 200..=699) => {
                self.state = Completed;
                let j = if self.reliable {
                    Duration::ZERO
                } else {
                    self.timers.t1x64()
                };
                self.linger_at = Some(now + j);
            }
            _ => return Err(SipError::InvalidState("response after the final one")),
        }
        self.events.push_back(TxEvent::Transmit(bytes.clone()));
        self.last_response = Some(bytes);
        if self.linger_at.is_some_and(|t| t <= now) {
            self.terminate();
        }
        Ok(())
    }

    /// Runs the timers that are due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        use ServerState::*;
        if self.state == Terminated {
            return;
        }
        if self.timeout_at.is_some_and(|t| t <= now) {
            // Timer H: the ACK never came.
            self.events.push_back(TxEvent::Timeout);
            self.terminate();
            return;
        }
        if self.linger_at.is_some_and(|t| t <= now) {
            // Timers I, J, L.
            if self.state == Accepted && !self.acked {
                self.events.push_back(TxEvent::Timeout);
            }
            self.terminate();
            return;
        }
        if let Some(at) = self.retransmit_at.filter(|t| *t <= now) {
            // Timer G (and the 2xx retransmission): doubles up to T2.
            if let Some(r) = &self.last_response {
                self.events.push_back(TxEvent::Transmit(r.clone()));
            }
            self.interval = (self.interval * 2).min(self.timers.t2);
            self.retransmit_at = Some(at + self.interval);
        }
    }
}
