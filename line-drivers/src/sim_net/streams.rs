//! Stream connections on the simulated network (TCP as the SIP line sees
//! it; TLS's plaintext): ordered bytes, cut into segments as a path may
//! cut them, a read that takes what has arrived at once (coalesced), the
//! path's delay and jitter, and connections closed by an end, refused
//! (nothing at the address) or reset.
//!
//! Nothing is lost or reordered (TCP's retransmissions are delay). A node
//! names a connection by a [`StreamId`] from its own side: `local` its
//! address (a listening address, or the port it connected from), `remote`
//! the other end's.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::SocketAddr;
use std::time::Instant;

use rand::rngs::SmallRng;
use rand::Rng;

/// A connection seen from one end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId {
    /// This end's address.
    pub local: SocketAddr,
    /// The other end's.
    pub remote: SocketAddr,
}

impl StreamId {
    /// The same connection seen from the other end.
    pub fn flip(self) -> StreamId {
        StreamId {
            local: self.remote,
            remote: self.local,
        }
    }

    /// The same id whichever end names it.
    fn key(self) -> (SocketAddr, SocketAddr) {
        (self.local.min(self.remote), self.local.max(self.remote))
    }
}

/// What a node does to its connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamOut {
    /// Open a connection from `local` to `remote`.
    Connect(StreamId),
    /// Bytes to write on it.
    Data(StreamId, Vec<u8>),
    /// Close it.
    Close(StreamId),
}

/// What reaches a node about its connections (the id from its side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// A connection to one of its addresses came in (`id.local` is the
    /// node's).
    Opened(StreamId),
    /// The connection it asked for is established (the other end took it).
    Established(StreamId),
    /// Bytes arrived, in order.
    Data(StreamId, Vec<u8>),
    /// The connection is over: closed by the other end, refused, or reset.
    Closed(StreamId, String),
}

impl StreamEvent {
    /// The connection, from the receiving node's side.
    pub fn id(&self) -> StreamId {
        match self {
            StreamEvent::Opened(id)
            | StreamEvent::Established(id)
            | StreamEvent::Data(id, _)
            | StreamEvent::Closed(id, _) => *id,
        }
    }
}

/// How a path cuts the bytes written into segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Segments {
    /// Each write arrives as one segment.
    #[default]
    Whole,
    /// Segments of at most this many bytes (1: a byte at a time).
    Max(usize),
    /// Segments of a size drawn from 1 to this many bytes (seeded).
    Random(usize),
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: Instant,
    seq: u64,
    ev: Ev,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Opened(StreamId),
    Established(StreamId),
    Data(StreamId, Vec<u8>),
    Closed(StreamId, String),
}

/// A connection's state.
#[derive(Debug, Default)]
struct Conn {
    /// When the last event on it arrives, per direction (by receiver):
    /// later ones arrive no earlier (a stream keeps its order).
    last: HashMap<SocketAddr, Instant>,
    closed: bool,
}

/// The network's connections and what is in flight on them.
#[derive(Debug, Default)]
pub(super) struct Streams {
    queue: BinaryHeap<Reverse<InFlight>>,
    conns: HashMap<(SocketAddr, SocketAddr), Conn>,
    seq: u64,
    pub(super) segments: Segments,
    pub(super) coalesce: bool,
}

impl Streams {
    /// Queues `ev` to arrive at its receiver after `delay` (never before
    /// what went before it on that connection and direction).
    fn push(&mut self, ev: Ev, at: Instant) {
        let id = ev_id(&ev);
        let conn = self.conns.entry(id.key()).or_default();
        let last = conn.last.entry(id.local).or_insert(at);
        let at = at.max(*last);
        *last = at;
        self.seq += 1;
        self.queue.push(Reverse(InFlight {
            at,
            seq: self.seq,
            ev,
        }));
    }

    /// A node's action at `now`; `arrive` is when something sent now
    /// arrives (delay and jitter of the path).
    pub(super) fn send(&mut self, out: StreamOut, arrive: Instant, rng: &mut SmallRng) {
        match out {
            StreamOut::Connect(id) => {
                // A new connection on a 4-tuple that was used before
                // starts afresh.
                self.conns.insert(id.key(), Conn::default());
                self.push(Ev::Opened(id.flip()), arrive);
            }
            StreamOut::Data(id, bytes) => {
                if self.conns.get(&id.key()).is_none_or(|c| c.closed) {
                    return;
                }
                let mut rest = &bytes[..];
                while !rest.is_empty() {
                    let n = match self.segments {
                        Segments::Whole => rest.len(),
                        Segments::Max(m) => m.max(1),
                        Segments::Random(m) => rng.gen_range(1..=m.max(1)),
                    }
                    .min(rest.len());
                    self.push(Ev::Data(id.flip(), rest[..n].to_vec()), arrive);
                    rest = &rest[n..];
                }
            }
            StreamOut::Close(id) => {
                let Some(c) = self.conns.get_mut(&id.key()).filter(|c| !c.closed) else {
                    return;
                };
                c.closed = true;
                self.push(Ev::Closed(id.flip(), "closed by the peer".into()), arrive);
            }
        }
    }

    /// The connection `id` asked for has nothing at its far end: the
    /// connector learns it at `at`.
    pub(super) fn refuse(&mut self, id: StreamId, at: Instant) {
        if let Some(c) = self.conns.get_mut(&id.key()) {
            c.closed = true;
        }
        self.push(Ev::Closed(id, "connection refused".into()), at);
    }

    /// The acceptor took connection `id` (its side): the connector learns
    /// it is established at `at`.
    pub(super) fn established(&mut self, id: StreamId, at: Instant) {
        if self.conns.get(&id.key()).is_some_and(|c| !c.closed) {
            self.push(Ev::Established(id.flip()), at);
        }
    }

    /// Resets connection `id` at `now`: what is in flight on it is lost
    /// and both ends learn it at once.
    pub(super) fn reset(&mut self, id: StreamId, now: Instant) {
        let key = id.key();
        let Some(c) = self.conns.get_mut(&key).filter(|c| !c.closed) else {
            return;
        };
        c.closed = true;
        c.last.clear();
        let kept: Vec<Reverse<InFlight>> = std::mem::take(&mut self.queue)
            .into_iter()
            .filter(|Reverse(f)| ev_id(&f.ev).key() != key)
            .collect();
        self.queue = kept.into();
        let cause = "connection reset by the peer";
        self.push(Ev::Closed(id, cause.into()), now);
        self.push(Ev::Closed(id.flip(), cause.into()), now);
    }

    /// The open connections (each once, from its connector's side as far
    /// as known; else ordered by address).
    pub(super) fn open(&self) -> Vec<(SocketAddr, SocketAddr)> {
        let mut v: Vec<_> = (self.conns.iter())
            .filter(|(_, c)| !c.closed)
            .map(|(k, _)| *k)
            .collect();
        v.sort();
        v
    }

    /// What has arrived by `now`, in order (coalesced per connection when
    /// set: what a read would take at once).
    pub(super) fn poll(&mut self, now: Instant) -> Vec<StreamEvent> {
        let mut out: Vec<StreamEvent> = Vec::new();
        while self.queue.peek().is_some_and(|Reverse(f)| f.at <= now) {
            let Some(Reverse(f)) = self.queue.pop() else {
                break;
            };
            let ev = match f.ev {
                Ev::Opened(id) => StreamEvent::Opened(id),
                Ev::Established(id) => StreamEvent::Established(id),
                Ev::Data(id, b) => StreamEvent::Data(id, b),
                Ev::Closed(id, c) => StreamEvent::Closed(id, c),
            };
            if self.coalesce {
                if let StreamEvent::Data(id, b) = &ev {
                    let last = out.iter_mut().rev().find(|e| e.id() == *id);
                    if let Some(StreamEvent::Data(_, prev)) = last {
                        prev.extend_from_slice(b);
                        continue;
                    }
                }
            }
            out.push(ev);
        }
        out
    }

    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        self.queue.peek().map(|Reverse(f)| f.at)
    }

    pub(super) fn in_flight(&self) -> usize {
        self.queue.len()
    }
}

fn ev_id(ev: &Ev) -> StreamId {
    match ev {
        Ev::Opened(id) | Ev::Established(id) | Ev::Data(id, _) | Ev::Closed(id, _) => *id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::time::Duration;

    fn id() -> StreamId {
        StreamId {
            local: "127.0.0.1:40000".parse().unwrap(),
            remote: "127.0.0.1:5060".parse().unwrap(),
        }
    }

    #[test]
    fn bytes_arrive_in_order_cut_and_coalesced_and_a_reset_drops_the_rest() {
        let t0 = test_kit::origin();
        let ms = Duration::from_millis;
        let mut rng = SmallRng::seed_from_u64(1);
        let mut s = Streams {
            segments: Segments::Max(1),
            ..Streams::default()
        };
        s.send(StreamOut::Connect(id()), t0 + ms(20), &mut rng);
        s.send(
            StreamOut::Data(id(), b"abc".to_vec()),
            t0 + ms(40),
            &mut rng,
        );
        // Sent later with a shorter delay: still after "abc".
        s.send(StreamOut::Data(id(), b"de".to_vec()), t0 + ms(30), &mut rng);
        assert_eq!(s.poll(t0 + ms(20)), vec![StreamEvent::Opened(id().flip())]);
        let got = s.poll(t0 + ms(40));
        assert_eq!(got.len(), 5, "a byte at a time: {got:?}");
        s.coalesce = true;
        s.send(
            StreamOut::Data(id(), b"fgh".to_vec()),
            t0 + ms(60),
            &mut rng,
        );
        assert_eq!(
            s.poll(t0 + ms(60)),
            vec![StreamEvent::Data(id().flip(), b"fgh".to_vec())]
        );
        s.send(
            StreamOut::Data(id(), b"lost".to_vec()),
            t0 + ms(100),
            &mut rng,
        );
        s.reset(id(), t0 + ms(80));
        let got = s.poll(t0 + ms(200));
        assert_eq!(got.len(), 2, "both ends told, nothing else: {got:?}");
        assert!(got.iter().all(|e| matches!(e, StreamEvent::Closed(..))));
        s.send(StreamOut::Data(id(), b"x".to_vec()), t0 + ms(220), &mut rng);
        assert_eq!(s.in_flight(), 0, "nothing goes on a reset connection");
    }
}
