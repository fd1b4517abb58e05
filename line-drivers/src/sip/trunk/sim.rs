//! The trunk's engine alone, without sockets (issue 17): what the
//! simulated network hands it and takes from it ([`super::super::engine`]
//! is the [`SimNode`](crate::sim_net::SimNode) side).

use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Instant;

use super::super::engine::SimStreams;
use super::super::sockets::MediaIo;
use super::super::transport::{Arrived, SipSocket};
use super::super::{SipLineConfig, SipTransport};
use super::TrunkShared;
use crate::error::LineError;
use crate::sim_net::{StreamEvent, StreamOut, Transmit};

impl TrunkShared {
    /// The trunk's engine alone: no socket. UDP: datagrams in through
    /// [`TrunkShared::handle_sip_datagram`], out to the outbox. TCP and
    /// TLS: the connection table ([`super::super::stream`]) with the simulated
    /// network's connections in place of sockets
    /// ([`TrunkShared::handle_stream`], [`TrunkShared::poll_stream`]; TLS
    /// as its plaintext: the handshake is the shell's).
    pub(crate) fn engine(cfg: &SipLineConfig, now: Instant) -> Result<TrunkShared, LineError> {
        let sock = match cfg.transport {
            SipTransport::Udp => None,
            SipTransport::Tcp | SipTransport::Tls => Some(SipSocket::Streams(Box::new(
                SimStreams::new(cfg.sip_bind.ip()),
            ))),
        };
        TrunkShared::new(cfg, now, sock)
    }

    /// Something happened on one of the engine's connections: what
    /// arrived is routed at the next tick, as from a socket.
    pub(crate) fn handle_stream(&mut self, ev: StreamEvent) {
        if let Some(SipSocket::Streams(s)) = self.sock.as_mut() {
            let mut got = Vec::new();
            s.handle(ev, &mut got);
            self.inbox.extend(got);
        }
    }

    /// The next thing the engine does to its connections.
    pub(crate) fn poll_stream(&mut self) -> Option<StreamOut> {
        match self.sock.as_mut() {
            Some(SipSocket::Streams(s)) => s.poll(),
            _ => None,
        }
    }

    /// Whether `addr` is the local end of a connection the engine opened.
    pub(crate) fn owns_stream(&self, addr: SocketAddr) -> bool {
        matches!(&self.sock, Some(SipSocket::Streams(s)) if s.owns(addr))
    }

    /// Channel media without sockets: to the outbox, from `handle_datagram`.
    pub(crate) fn media_engine(&self, cfg: &SipLineConfig) -> MediaIo {
        let ip = cfg.sip_bind.ip();
        MediaIo::Engine {
            rtp: SocketAddr::new(ip, cfg.rtp_port),
            t38: SocketAddr::new(ip, cfg.t38_port),
            out: Rc::clone(&self.outbox),
        }
    }

    /// A SIP datagram arrived (the engine alone): routed at the next tick.
    pub(crate) fn handle_sip_datagram(&mut self, from: SocketAddr, bytes: &[u8]) {
        self.inbox
            .push_back(Arrived::Datagram(from, bytes.to_vec()));
    }

    /// The next datagram the engine alone sent.
    pub(crate) fn poll_transmit(&self) -> Option<Transmit> {
        self.outbox.borrow_mut().pop_front()
    }
}
