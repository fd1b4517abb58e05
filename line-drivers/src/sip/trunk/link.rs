//! The trunk's connection to its peer over TCP or TLS (issue 17): what
//! happened to the connections reaches the transaction layer at once, the
//! CRLF keep-alive runs, a lost connection is opened again (with backoff)
//! and the registration refreshed over the new one. The state machine is
//! [`Flow`]; this is the glue to the socket, the endpoint and the
//! registration, and the log lines.
//!
//! A connection that fails (refused, reset, a TLS handshake that fails
//! on the certificate or its name) ends every transaction towards that
//! address with a 503 at once (RFC 3261 §8.1.3.1), the trunk's and its
//! channels' (see [`TrunkShared::lost_now`]); a call then fails in the
//! tick after, not after timer B (32 s).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

use super::super::flow::{CrlfKeepAlive, Flow, FlowAction};
use super::super::stream::ConnEvent;
use super::TrunkShared;

/// Most log lines kept for the owner to collect.
const MAX_NOTICES: usize = 64;

/// The connection state of a trunk (see the module documentation).
#[derive(Debug, Default)]
pub(crate) struct Link {
    /// Keep-alive and reconnect (TLS, or TCP with a CRLF keep-alive).
    flow: Option<Flow>,
    /// Connections lost this tick: (peer, cause).
    lost: Vec<(SocketAddr, String)>,
    /// Log lines for the owner.
    notices: VecDeque<String>,
}

impl Link {
    pub(crate) fn new(tls: bool, keepalive: Option<CrlfKeepAlive>, now: Instant) -> Link {
        Link {
            flow: (tls || keepalive.is_some()).then(|| Flow::new(keepalive, now)),
            ..Link::default()
        }
    }

    fn notice(&mut self, text: String) {
        if self.notices.len() >= MAX_NOTICES {
            self.notices.pop_front();
        }
        self.notices.push_back(text);
    }

    /// When the flow next has something to do (a ping, a pong's
    /// deadline, a reconnect).
    pub(crate) fn poll_timeout(&self) -> Option<std::time::Instant> {
        self.flow.as_ref().and_then(Flow::poll_timeout)
    }

    /// (reconnects, pongs) of the flow to the trunk.
    pub(crate) fn counts(&self) -> (u64, u64) {
        self.flow
            .as_ref()
            .map_or((0, 0), |f| (f.reconnects, f.pongs))
    }
}

impl TrunkShared {
    /// Start of a tick: forget the last tick's losses.
    pub(super) fn link_start(&mut self) {
        self.link.lost.clear();
    }

    /// A message came from `from`: the flow to the trunk works.
    pub(super) fn link_alive(&mut self, from: SocketAddr, now: Instant) {
        if from == self.peer {
            if let Some(f) = self.link.flow.as_mut() {
                f.alive(now);
            }
        }
    }

    /// What happened to the connections: pongs to the flow, losses to the
    /// transaction layer (503), the flow and the log.
    pub(super) fn link_events(&mut self, now: Instant) {
        // The engine without sockets speaks UDP only: no connections.
        let Some(sock) = self.sock.as_mut() else {
            return;
        };
        let tls_name = sock.tls_name().map(str::to_owned);
        for ev in sock.conn_events() {
            match ev {
                ConnEvent::Pong(p) => {
                    if let Some(f) = self.link.flow.as_mut().filter(|_| p == self.peer) {
                        f.pong(now);
                    }
                }
                ConnEvent::Lost {
                    peer,
                    cause,
                    ours,
                    worked,
                } => {
                    let kind = if tls_name.is_some() { "TLS" } else { "TCP" };
                    let ended = self.endpoint.transport_error(peer, &cause);
                    if !worked {
                        let name = match tls_name.as_deref() {
                            Some(n)
                                if ours
                                    && cause.starts_with("TLS:")
                                    && !cause.contains(&format!("{n:?}")) =>
                            {
                                format!(" (the certificate must be valid for {n:?})")
                            }
                            _ => String::new(),
                        };
                        let dir = if ours { "to" } else { "from" };
                        self.link.notice(format!(
                            "SIP {kind} connection {dir} {peer} failed: {cause}{name}"
                        ));
                    } else if ours || peer == self.peer || ended > 0 {
                        self.link
                            .notice(format!("SIP {kind} connection to {peer} lost: {cause}"));
                    }
                    if peer == self.peer {
                        if let Some(f) = self.link.flow.as_mut() {
                            f.lost(now);
                        }
                    }
                    self.link.lost.push((peer, cause));
                }
            }
        }
    }

    /// The flow's keep-alive and reconnect.
    pub(super) fn link_poll(&mut self, now: Instant) {
        while let Some(action) = self.link.flow.as_mut().and_then(|f| f.poll(now)) {
            match action {
                FlowAction::Ping => {
                    if let Some(sock) = self.sock.as_mut() {
                        sock.ping(self.peer);
                    }
                }
                FlowAction::Dead => {
                    if let Some(sock) = self.sock.as_mut() {
                        sock.close(
                            self.peer,
                            "no answer to the CRLF keep-alive (RFC 5626 pong missing)",
                        );
                    }
                }
                FlowAction::Reconnect => {
                    let peer = self.peer;
                    if let Some(r) = self.registration.as_mut() {
                        self.link.notice(format!(
                            "SIP connection to {peer}: connecting again and registering over it"
                        ));
                        r.start(now);
                    } else if self.cfg.crlf_keepalive.is_some() {
                        self.link
                            .notice(format!("SIP connection to {peer}: connecting again"));
                        if let Some(sock) = self.sock.as_mut() {
                            sock.ping(peer);
                        }
                    }
                }
            }
        }
        self.link_events(now);
    }

    /// The connections lost this tick (peer, cause): a channel ends its
    /// transactions towards them.
    pub(crate) fn lost_now(&self) -> &[(SocketAddr, String)] {
        &self.link.lost
    }

    /// The next log line about the trunk's connections.
    pub(crate) fn poll_notice(&mut self) -> Option<String> {
        self.link.notices.pop_front()
    }

    /// (reconnects, CRLF pongs) so far.
    pub(crate) fn link_counts(&self) -> (u64, u64) {
        self.link.counts()
    }
}
