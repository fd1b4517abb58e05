//! The transaction layer of one SIP endpoint (RFC 3261 §17.1.3, §17.2.3):
//! matches what arrives to client and server transactions, creates server
//! transactions for new requests, answers CANCEL, and routes the ACK of a
//! 2xx to the INVITE server transaction that waits for it.
//!
//! One way in (`handle_datagram`, `handle_timeout`, and the TU's
//! `send_request`/`respond`), one way out (`poll_output`, `poll_timeout`).
//! The endpoint never resolves names: the caller gives the next hop's
//! address with each request; responses go back to where the request came
//! from (symmetric response routing, RFC 3581).

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use rsip::{Request, Response, SipMessage};

use crate::error::SipError;
use crate::transaction::{ClientTransaction, ServerTransaction, TimerConfig, TxEvent};
use crate::wire::{self, Core};

/// Identifies a transaction within one endpoint.
pub type TxId = u64;

/// What the endpoint tells the transaction user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointEvent {
    /// A response to a request we sent.
    Response {
        /// Our client transaction.
        tx: TxId,
        /// The response.
        response: Response,
    },
    /// A client transaction got no final response (timer B/F), or a server
    /// transaction got no ACK (timer H, or no ACK for a 2xx).
    Timeout {
        /// The transaction.
        tx: TxId,
    },
    /// A new request (not ACK, not CANCEL): answer it with `respond`.
    Request {
        /// The server transaction created for it.
        tx: TxId,
        /// The request.
        request: Request,
        /// Where it came from.
        from: SocketAddr,
    },
    /// The ACK of a 2xx (matched by the dialog, not by a transaction).
    Ack {
        /// The ACK.
        request: Request,
        /// Where it came from.
        from: SocketAddr,
    },
    /// The peer cancelled the pending INVITE `tx`; the endpoint already
    /// answered 200 to the CANCEL and 487 to the INVITE.
    Cancelled {
        /// The INVITE server transaction.
        tx: TxId,
    },
    /// Bytes that are not a readable SIP message (dropped).
    Malformed {
        /// Sender.
        from: SocketAddr,
        /// Why.
        error: SipError,
    },
}

/// Whether `response` is the 503 [`Endpoint::transport_error`] made
/// (nothing came from the peer).
pub fn is_transport_error(response: &Response) -> bool {
    wire::status(response) == 503
        && wire::header_values(response, "Warning")
            .iter()
            .any(|w| w.starts_with("399 local "))
}

/// One output of the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Send bytes to an address.
    Transmit {
        /// Destination.
        to: SocketAddr,
        /// The datagram.
        bytes: Vec<u8>,
    },
    /// Something for the transaction user.
    Event(EndpointEvent),
}

#[derive(Debug)]
struct Client {
    tx: ClientTransaction,
    to: SocketAddr,
    branch: String,
    method: String,
}

#[derive(Debug)]
struct Server {
    tx: ServerTransaction,
    from: SocketAddr,
    branch: String,
    sent_by: String,
    core: Core,
}

/// The transaction layer of one endpoint.
#[derive(Debug)]
pub struct Endpoint {
    reliable: bool,
    timers: TimerConfig,
    next_id: TxId,
    clients: BTreeMap<TxId, Client>,
    servers: BTreeMap<TxId, Server>,
    out: VecDeque<Output>,
}

impl Endpoint {
    /// An endpoint over an unreliable (`reliable = false`, UDP) or
    /// reliable transport.
    pub fn new(reliable: bool, timers: TimerConfig) -> Self {
        Self {
            reliable,
            timers,
            next_id: 1,
            clients: BTreeMap::new(),
            servers: BTreeMap::new(),
            out: VecDeque::new(),
        }
    }

    /// Number of live transactions (client, server).
    pub fn transactions(&self) -> (usize, usize) {
        (self.clients.len(), self.servers.len())
    }

    /// Starts a client transaction for `request` towards `to`.
    pub fn send_request(&mut self, request: Request, to: SocketAddr, now: Instant) -> TxId {
        let id = self.next_id;
        self.next_id += 1;
        let core = Core::of(&request).ok();
        let branch = core.as_ref().map(|c| c.branch.clone()).unwrap_or_default();
        let method = wire::method(&request);
        let tx = ClientTransaction::new(request, self.reliable, self.timers, now);
        self.clients.insert(
            id,
            Client {
                tx,
                to,
                branch,
                method,
            },
        );
        self.drain_client(id);
        id
    }

    /// Sends bytes outside any transaction (the ACK of a 2xx, §13.2.2.4).
    pub fn send_stateless(&mut self, bytes: Vec<u8>, to: SocketAddr) {
        self.out.push_back(Output::Transmit { to, bytes });
    }

    /// Answers the request of server transaction `tx`.
    pub fn respond(&mut self, tx: TxId, response: &Response, now: Instant) -> Result<(), SipError> {
        let server = self
            .servers
            .get_mut(&tx)
            .ok_or(SipError::InvalidState("no such server transaction"))?;
        // RFC 3581 §4: the top Via tells the client where its request came
        // from (the response goes there: `drain_server`).
        let response = crate::nat::stamp_response(response, server.from);
        server.tx.send_response(&response, now)?;
        self.drain_server(tx);
        Ok(())
    }

    /// The request of a live server transaction.
    pub fn server_request(&self, tx: TxId) -> Option<&Request> {
        self.servers.get(&tx).map(|s| s.tx.request())
    }

    /// Bytes received from `from`.
    pub fn handle_datagram(&mut self, from: SocketAddr, bytes: &[u8], now: Instant) {
        match wire::parse_datagram(bytes) {
            Ok(Some(msg)) => self.handle_message(from, msg, now),
            Ok(None) => {} // keep-alive
            Err(error) => {
                if let Some(reply) = wire::bad_request_reply(bytes, &error) {
                    self.out.push_back(Output::Transmit {
                        to: from,
                        bytes: reply,
                    });
                }
                self.out
                    .push_back(Output::Event(EndpointEvent::Malformed { from, error }));
            }
        }
    }

    /// A parsed message received from `from`.
    pub fn handle_message(&mut self, from: SocketAddr, msg: SipMessage, now: Instant) {
        let Ok(core) = Core::of(&msg) else {
            return;
        };
        match msg {
            SipMessage::Response(resp) => {
                let id = self
                    .clients
                    .iter()
                    .find(|(_, c)| c.branch == core.branch && c.method == core.cseq_method)
                    .map(|(id, _)| *id);
                if let Some(id) = id {
                    if let Some(c) = self.clients.get_mut(&id) {
                        c.tx.handle_response(resp, now);
                    }
                    self.drain_client(id);
                }
                // A stray response is dropped (§18.1.2).
            }
            SipMessage::Request(req) => self.handle_request(from, req, core, now),
        }
    }

    fn find_server(&self, core: &Core, method: &str) -> Option<TxId> {
        let want = if method == "ACK" { "INVITE" } else { method };
        self.servers
            .iter()
            .find(|(_, s)| {
                s.branch == core.branch
                    && !core.branch.is_empty()
                    && s.sent_by == core.sent_by
                    && wire::method(s.tx.request()) == want
            })
            .map(|(id, _)| *id)
    }

    fn handle_request(&mut self, from: SocketAddr, req: Request, core: Core, now: Instant) {
        let method = wire::method(&req);
        if let Some(id) = self.find_server(&core, &method) {
            if let Some(s) = self.servers.get_mut(&id) {
                s.tx.handle_request(&req, now);
            }
            self.drain_server(id);
            return;
        }
        match method.as_str() {
            "ACK" => {
                // The ACK of a 2xx: same Call-ID, From tag and CSeq number as
                // an accepted INVITE.
                let invite = self.servers.iter_mut().find(|(_, s)| {
                    s.tx.is_invite()
                        && s.core.call_id == core.call_id
                        && s.core.cseq == core.cseq
                        && s.core.from_tag == core.from_tag
                });
                if let Some((_, s)) = invite {
                    s.tx.handle_2xx_ack();
                }
                self.out
                    .push_back(Output::Event(EndpointEvent::Ack { request: req, from }));
            }
            "CANCEL" => self.handle_cancel(from, req, core, now),
            _ => {
                let id = self.new_server(from, req.clone(), core, now);
                self.out.push_back(Output::Event(EndpointEvent::Request {
                    tx: id,
                    request: req,
                    from,
                }));
            }
        }
    }

    fn new_server(&mut self, from: SocketAddr, req: Request, core: Core, now: Instant) -> TxId {
        let id = self.next_id;
        self.next_id += 1;
        let tx = ServerTransaction::new(req, self.reliable, self.timers, now);
        self.servers.insert(
            id,
            Server {
                tx,
                from,
                branch: core.branch.clone(),
                sent_by: core.sent_by.clone(),
                core,
            },
        );
        self.drain_server(id);
        id
    }

    /// §9.2: CANCEL is its own non-INVITE transaction; it matches the
    /// INVITE server transaction with the same branch.
    fn handle_cancel(&mut self, from: SocketAddr, req: Request, core: Core, now: Instant) {
        let invite = self.find_server(&core, "INVITE");
        let cancel_tx = self.new_server(from, req.clone(), core, now);
        let (code, reason) = match invite {
            Some(_) => (200, "OK"),
            None => (481, "Call/Transaction Does Not Exist"),
        };
        if let Ok(resp) = wire::response_to(&req, code, reason, None).build_response() {
            let _ = self.respond(cancel_tx, &resp, now);
        }
        let Some(invite) = invite else { return };
        let Some(s) = self.servers.get(&invite) else {
            return;
        };
        if s.tx.is_final_sent() {
            return; // too late: the final response stands
        }
        let to_tag = crate::wire::IdGen::new(invite).tag();
        if let Ok(resp) =
            wire::response_to(s.tx.request(), 487, "Request Terminated", Some(&to_tag))
                .build_response()
        {
            let _ = self.respond(invite, &resp, now);
        }
        self.out
            .push_back(Output::Event(EndpointEvent::Cancelled { tx: invite }));
    }

    fn drain_client(&mut self, id: TxId) {
        let Some(c) = self.clients.get_mut(&id) else {
            return;
        };
        let mut done = false;
        while let Some(ev) = c.tx.poll_event() {
            match ev {
                TxEvent::Transmit(bytes) => {
                    self.out.push_back(Output::Transmit { to: c.to, bytes })
                }
                TxEvent::Response(response) => self
                    .out
                    .push_back(Output::Event(EndpointEvent::Response { tx: id, response })),
                TxEvent::Timeout => self
                    .out
                    .push_back(Output::Event(EndpointEvent::Timeout { tx: id })),
                TxEvent::Terminated => done = true,
            }
        }
        if done {
            self.clients.remove(&id);
        }
    }

    fn drain_server(&mut self, id: TxId) {
        let Some(s) = self.servers.get_mut(&id) else {
            return;
        };
        let mut done = false;
        while let Some(ev) = s.tx.poll_event() {
            match ev {
                TxEvent::Transmit(bytes) => {
                    self.out.push_back(Output::Transmit { to: s.from, bytes })
                }
                TxEvent::Response(_) => {}
                TxEvent::Timeout => self
                    .out
                    .push_back(Output::Event(EndpointEvent::Timeout { tx: id })),
                TxEvent::Terminated => done = true,
            }
        }
        if done {
            self.servers.remove(&id);
        }
    }

    /// The transport could not reach `to` (a connection refused or lost,
    /// a TLS handshake that failed). Every client transaction towards `to`
    /// still waiting for its final response ends now with a 503 made here
    /// (RFC 3261 §8.1.3.1: a transport error is treated as a 503) with
    /// `reason` in a Warning header (399); nothing is sent for it. Without this the
    /// caller would learn of it only at timer B or F (32 s). Returns how
    /// many transactions ended.
    pub fn transport_error(&mut self, to: SocketAddr, reason: &str) -> usize {
        use crate::transaction::ClientState;
        let failed: Vec<TxId> = (self.clients.iter())
            .filter(|(_, c)| {
                c.to == to
                    && matches!(
                        c.tx.state(),
                        ClientState::Calling | ClientState::Trying | ClientState::Proceeding
                    )
            })
            .map(|(id, _)| *id)
            .collect();
        let reason: String = (reason.chars())
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        for id in &failed {
            let Some(c) = self.clients.remove(id) else {
                continue;
            };
            let mut m = wire::response_to(c.tx.request(), 503, "Service Unavailable", None);
            m.push(
                "Warning",
                format!("399 local \"{}\"", reason.replace('"', "'")),
            );
            match m.build_response() {
                Ok(response) => self
                    .out
                    .push_back(Output::Event(EndpointEvent::Response { tx: *id, response })),
                Err(_) => self
                    .out
                    .push_back(Output::Event(EndpointEvent::Timeout { tx: *id })),
            }
        }
        failed.len()
    }

    /// Runs every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<TxId> = self
            .clients
            .iter()
            .filter(|(_, c)| c.tx.poll_timeout().is_some_and(|t| t <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            if let Some(c) = self.clients.get_mut(&id) {
                c.tx.handle_timeout(now);
            }
            self.drain_client(id);
        }
        let due: Vec<TxId> = self
            .servers
            .iter()
            .filter(|(_, s)| s.tx.poll_timeout().is_some_and(|t| t <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            if let Some(s) = self.servers.get_mut(&id) {
                s.tx.handle_timeout(now);
            }
            self.drain_server(id);
        }
    }

    /// The earliest deadline of any transaction.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let c = self.clients.values().filter_map(|c| c.tx.poll_timeout());
        let s = self.servers.values().filter_map(|s| s.tx.poll_timeout());
        c.chain(s).min()
    }

    /// The next output.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }
}
