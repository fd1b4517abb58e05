//! The engine alone on TCP (or TLS's plaintext): the line's connection
//! table ([`Conns`], the one the socket shell uses) with the simulated
//! network in place of sockets. A connection the table asks for gets a
//! port of its own on the line's address (as the kernel would give one);
//! the bytes it queues go out as [`StreamOut::Data`]; what arrives goes in
//! as the shell's reads would.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};

use super::super::stream::{ConnId, Conns};
use super::super::transport::Arrived;
use crate::sim_net::{StreamEvent, StreamId, StreamOut};

/// The first port of the connections the engine opens.
const FIRST_PORT: u16 = 40_000;

/// See the module documentation.
pub(crate) struct SimStreams {
    pub(crate) conns: Conns,
    /// Each open connection's id on the simulated network.
    ids: Vec<(ConnId, StreamId)>,
    /// Connections we closed (or refused), for the network.
    closing: VecDeque<StreamId>,
    ip: IpAddr,
    next_port: u16,
}

impl SimStreams {
    pub(crate) fn new(ip: IpAddr) -> SimStreams {
        SimStreams {
            conns: Conns::new(),
            ids: Vec::new(),
            closing: VecDeque::new(),
            ip,
            next_port: FIRST_PORT,
        }
    }

    /// Whether `addr` is the local end of one of the connections we opened.
    pub(crate) fn owns(&self, addr: SocketAddr) -> bool {
        self.ids.iter().any(|(_, s)| s.local == addr)
    }

    fn conn(&self, id: StreamId) -> Option<ConnId> {
        self.ids.iter().find(|(_, s)| *s == id).map(|(c, _)| *c)
    }

    /// Drops the connections that are over (reported lost); those the
    /// network still has are closed there.
    pub(crate) fn settle(&mut self) {
        for gone in self.conns.reap() {
            if let Some(i) = self.ids.iter().position(|(c, _)| *c == gone) {
                self.closing.push_back(self.ids.remove(i).1);
            }
        }
    }

    /// Something happened on a connection; messages that arrived go to
    /// `got`.
    pub(crate) fn handle(&mut self, ev: StreamEvent, got: &mut Vec<Arrived>) {
        match ev {
            StreamEvent::Opened(id) => match self.conns.accept(id.remote) {
                Some(c) => self.ids.push((c, id)),
                None => self.closing.push_back(id),
            },
            StreamEvent::Established(id) => {
                if let Some(c) = self.conn(id) {
                    self.conns.worked(c);
                }
            }
            StreamEvent::Data(id, bytes) => {
                if let Some(c) = self.conn(id) {
                    self.conns.receive(c, &bytes, got);
                }
            }
            StreamEvent::Closed(id, cause) => {
                if let Some(i) = self.ids.iter().position(|(_, s)| *s == id) {
                    let (c, _) = self.ids.remove(i);
                    self.conns.closed(c, cause);
                }
            }
        }
        self.settle();
    }

    /// The next thing the line does to its connections: open one it asked
    /// for, write what one has queued, close one.
    pub(crate) fn poll(&mut self) -> Option<StreamOut> {
        self.settle();
        if let Some((c, to)) = self.conns.poll_connect() {
            let local = SocketAddr::new(self.ip, self.next_port);
            self.next_port = self.next_port.checked_add(1).unwrap_or(FIRST_PORT);
            let id = StreamId { local, remote: to };
            self.ids.push((c, id));
            return Some(StreamOut::Connect(id));
        }
        for (c, id) in &self.ids {
            let bytes = self.conns.take_out(*c);
            if !bytes.is_empty() {
                return Some(StreamOut::Data(*id, bytes));
            }
        }
        self.closing.pop_front().map(StreamOut::Close)
    }
}
