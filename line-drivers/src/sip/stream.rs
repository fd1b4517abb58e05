//! SIP's connections (TCP, and TLS's plaintext) without sockets: bytes in
//! at any split, whole messages and CRLF keep-alives out, bytes to write
//! out (sans-IO).
//!
//! [`Conns`] is the table of a line's connections: one per peer address
//! for what we send (RFC 3261 §18.2.2: a message goes on the open
//! connection to its destination, else a new one is asked for), each with
//! the one stream framer ([`sip::wire::StreamFramer`]) and a write queue.
//! A double CRLF from the peer is answered with a single one; a single one
//! is the pong to our ping (RFC 5626 §4.4.1). A stream that stops making
//! sense (a framing error, or a message or write queue past
//! [`MAX_BUFFERED`]) is closed: it cannot be resynchronised.
//!
//! Two owners move the bytes: the socket shell ([`super::transport`]:
//! TCP sockets, rustls between them and this table) and the engine alone
//! on the simulated network ([`super::engine`], [`crate::sim_net`]).
//! Neither frames anything itself.

use std::collections::VecDeque;
use std::net::SocketAddr;

use sip::wire::{StreamFramer, StreamItem, CRLF_PING, CRLF_PONG};

use super::transport::Arrived;

/// At most this many connections at once: a flood of connections is
/// refused rather than running the process out of file descriptors.
pub(crate) const MAX_CONNECTIONS: usize = 64;
/// At most this many bytes waiting in a connection's framer or write queue:
/// a peer that sends an endless header, or never reads, is cut off.
pub(crate) const MAX_BUFFERED: usize = 256 * 1024;

/// What happened to a connection, for the flow to the trunk
/// ([`super::flow`]) and the transaction layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConnEvent {
    /// The connection to `peer` is gone: refused, reset, closed by the
    /// peer, a TLS handshake that failed, or closed by us (`cause`).
    /// `ours`: we opened it; `worked`: it had carried something (TLS: the
    /// handshake had completed).
    Lost {
        peer: SocketAddr,
        cause: String,
        ours: bool,
        worked: bool,
    },
    /// A CRLF pong (RFC 5626 §4.4.1) from `peer`.
    Pong(SocketAddr),
}

/// A connection's number in its table (the owner maps it to a socket, or
/// to a simulated connection).
pub(crate) type ConnId = u64;

/// One connection: framer, write queue, and how it ended.
struct Conn {
    id: ConnId,
    peer: SocketAddr,
    framer: StreamFramer,
    out: VecDeque<u8>,
    /// Why it is over (the first reason): reaped by [`Conns::reap`].
    dead: Option<String>,
    ours: bool,
    worked: bool,
}

/// A line's connections (see the module documentation).
#[derive(Default)]
pub(crate) struct Conns {
    list: Vec<Conn>,
    next_id: ConnId,
    /// Connections we asked for and the owner has not opened yet.
    connects: VecDeque<(ConnId, SocketAddr)>,
    events: Vec<ConnEvent>,
}

impl Conns {
    pub(crate) fn new() -> Conns {
        Conns::default()
    }

    /// Open connections.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    fn get(&mut self, id: ConnId) -> Option<&mut Conn> {
        self.list.iter_mut().find(|c| c.id == id)
    }

    fn add(&mut self, peer: SocketAddr, ours: bool) -> ConnId {
        self.next_id += 1;
        self.list.push(Conn {
            id: self.next_id,
            peer,
            framer: StreamFramer::new(),
            out: VecDeque::new(),
            dead: None,
            ours,
            worked: false,
        });
        self.next_id
    }

    /// A peer opened a connection to us (None: too many open, refuse it).
    pub(crate) fn accept(&mut self, peer: SocketAddr) -> Option<ConnId> {
        (self.list.len() < MAX_CONNECTIONS).then(|| self.add(peer, false))
    }

    /// The next connection we want opened (to the address given).
    pub(crate) fn poll_connect(&mut self) -> Option<(ConnId, SocketAddr)> {
        self.connects.pop_front()
    }

    /// The connection carried something (plain TCP: bytes went through;
    /// TLS: the handshake completed).
    pub(crate) fn worked(&mut self, id: ConnId) {
        if let Some(c) = self.get(id) {
            c.worked = true;
        }
    }

    /// Bytes (plaintext) arrived on `id`: whole messages go to `got`, a
    /// ping is answered, a pong reported.
    pub(crate) fn receive(&mut self, id: ConnId, bytes: &[u8], got: &mut Vec<Arrived>) {
        let Some(c) = self.list.iter_mut().find(|c| c.id == id) else {
            return;
        };
        if c.dead.is_some() {
            return;
        }
        c.worked = true;
        c.framer.push(bytes);
        loop {
            match c.framer.next_item() {
                Ok(Some(StreamItem::Message(msg))) => got.push(Arrived::Message(c.peer, msg)),
                Ok(Some(StreamItem::Ping)) => c.queue(CRLF_PONG),
                Ok(Some(StreamItem::Pong)) => self.events.push(ConnEvent::Pong(c.peer)),
                Ok(None) => break,
                Err(_) => {
                    got.push(Arrived::Garbage);
                    c.kill("a message that breaks framing");
                    return;
                }
            }
        }
        if c.framer.pending() > MAX_BUFFERED {
            got.push(Arrived::Garbage);
            c.kill("a message too long");
        }
    }

    /// The owner saw `id` end (closed by the peer, reset, a TLS failure).
    pub(crate) fn closed(&mut self, id: ConnId, cause: impl Into<String>) {
        if let Some(c) = self.get(id) {
            c.kill(cause);
        }
    }

    /// Queues one message for `to`: on the open connection to it, else on
    /// a new one (asked for through [`Conns::poll_connect`]). A new one
    /// that cannot be had is reported lost at once.
    pub(crate) fn send(&mut self, to: SocketAddr, bytes: &[u8]) {
        let id = match self.list.iter().find(|c| c.peer == to && c.dead.is_none()) {
            Some(c) => c.id,
            None if self.list.len() >= MAX_CONNECTIONS => {
                self.refused(to, "too many connections open");
                return;
            }
            None => {
                let id = self.add(to, true);
                self.connects.push_back((id, to));
                id
            }
        };
        if let Some(c) = self.get(id) {
            c.queue(bytes);
        }
    }

    /// A connection to `to` that could not even be asked for.
    pub(crate) fn refused(&mut self, to: SocketAddr, cause: &str) {
        self.events.push(ConnEvent::Lost {
            peer: to,
            cause: cause.into(),
            ours: true,
            worked: false,
        });
    }

    /// A CRLF ping to `to` (opening a connection if none is open: a
    /// reconnect); a lone CRLF back is its pong.
    pub(crate) fn ping(&mut self, to: SocketAddr) {
        self.send(to, CRLF_PING);
        if let Some(c) = self
            .list
            .iter_mut()
            .find(|c| c.peer == to && c.dead.is_none())
        {
            c.framer.expect_pong();
        }
    }

    /// Closes the connections to `to`; each is reported lost with `cause`.
    pub(crate) fn close(&mut self, to: SocketAddr, cause: &str) {
        for c in self.list.iter_mut().filter(|c| c.peer == to) {
            c.kill(cause);
        }
    }

    /// What `id` has to write (the front of its queue; empty: nothing).
    pub(crate) fn pending_out(&self, id: ConnId) -> &[u8] {
        match self.list.iter().find(|c| c.id == id && c.dead.is_none()) {
            Some(c) => c.out.as_slices().0,
            None => &[],
        }
    }

    /// `n` bytes of [`Conns::pending_out`] were written.
    pub(crate) fn wrote(&mut self, id: ConnId, n: usize) {
        if let Some(c) = self.get(id) {
            c.out.drain(..n.min(c.out.len()));
        }
    }

    /// Everything `id` has to write, taken.
    pub(crate) fn take_out(&mut self, id: ConnId) -> Vec<u8> {
        match self.get(id) {
            Some(c) if c.dead.is_none() => c.out.drain(..).collect(),
            _ => Vec::new(),
        }
    }

    /// Drops the connections that are over, reporting each; their numbers
    /// (the owner closes what it holds for them).
    pub(crate) fn reap(&mut self) -> Vec<ConnId> {
        let mut gone = Vec::new();
        for c in self.list.iter().filter(|c| c.dead.is_some()) {
            self.events.push(ConnEvent::Lost {
                peer: c.peer,
                cause: c.dead.clone().unwrap_or_default(),
                ours: c.ours,
                worked: c.worked,
            });
            gone.push(c.id);
        }
        self.list.retain(|c| c.dead.is_none());
        self.connects.retain(|(id, _)| !gone.contains(id));
        gone
    }

    /// What happened to connections since the last call.
    pub(crate) fn events(&mut self) -> Vec<ConnEvent> {
        std::mem::take(&mut self.events)
    }
}

impl Conn {
    /// The connection is over; the first cause given is kept.
    fn kill(&mut self, cause: impl Into<String>) {
        self.dead.get_or_insert_with(|| cause.into());
    }

    fn queue(&mut self, bytes: &[u8]) {
        if self.out.len() + bytes.len() > MAX_BUFFERED {
            self.kill("the peer does not read (write queue full)");
        } else {
            self.out.extend(bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> SocketAddr {
        "127.0.0.1:5060".parse().unwrap()
    }

    const OPTIONS: &[u8] = b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\
        From: <sip:a@x>;tag=1\r\nTo: <sip:x>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n\
        Content-Length: 2\r\n\r\nhi";

    /// Three messages, a ping after the first and a pong after the
    /// second: the same items at every split into two reads, and a byte at
    /// a time (a lone CRLF waits for what follows it: half a ping, or a
    /// pong).
    #[test]
    fn messages_and_keepalives_at_any_split() {
        let mut stream = OPTIONS.to_vec();
        stream.extend_from_slice(CRLF_PING);
        stream.extend_from_slice(OPTIONS);
        stream.extend_from_slice(CRLF_PONG);
        stream.extend_from_slice(OPTIONS);
        let run = |chunks: &[&[u8]]| {
            let mut c = Conns::new();
            let id = c.accept(peer()).unwrap();
            let mut got = Vec::new();
            for ch in chunks {
                c.receive(id, ch, &mut got);
            }
            let msgs = got
                .iter()
                .filter(|a| matches!(a, Arrived::Message(..)))
                .count();
            (msgs, c.take_out(id), c.events())
        };
        let want = (3, CRLF_PONG.to_vec(), vec![ConnEvent::Pong(peer())]);
        assert_eq!(run(&[&stream]), want, "coalesced");
        for cut in 1..stream.len() {
            let (a, b) = stream.split_at(cut);
            assert_eq!(run(&[a, b]), want, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(run(&bytes), want, "a byte at a time");
    }

    /// After our ping a lone CRLF is its pong at once.
    #[test]
    fn our_ping_and_its_pong() {
        let mut c = Conns::new();
        c.ping(peer());
        let (id, _) = c.poll_connect().unwrap();
        assert_eq!(c.take_out(id), CRLF_PING);
        c.receive(id, CRLF_PONG, &mut Vec::new());
        assert_eq!(c.events(), vec![ConnEvent::Pong(peer())]);
    }

    #[test]
    fn garbage_closes_the_connection_and_a_new_one_is_asked_for() {
        let mut c = Conns::new();
        c.send(peer(), OPTIONS);
        let (id, to) = c.poll_connect().unwrap();
        assert_eq!(to, peer());
        assert_eq!(c.take_out(id), OPTIONS);
        let mut got = Vec::new();
        c.receive(id, b"NOT SIP AT ALL\r\n\r\n", &mut got);
        assert!(matches!(got[..], [Arrived::Garbage]));
        assert_eq!(c.reap(), vec![id]);
        assert!(matches!(
            &c.events()[..],
            [ConnEvent::Lost {
                ours: true,
                worked: true,
                ..
            }]
        ));
        c.send(peer(), OPTIONS);
        assert!(c.poll_connect().is_some_and(|(n, _)| n != id));
    }
}
