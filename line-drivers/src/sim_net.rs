//! A simulated datagram network for tests: the SIP line's engine (and any
//! scripted far end) exchange UDP datagrams through it on simulated time,
//! with no socket.
//!
//! The impairments are the loopback exchange's ([`Impairments`]): its
//! `latency_frames` is the one-way delay, and its packet dice (loss,
//! reordering: held back one 20 ms frame, duplication) apply to every
//! datagram; [`NetImpairments::jitter`] adds a uniform delay on top. The
//! dice come from a seeded generator, so a run is the same every time.
//!
//! The network does not own the nodes (a test keeps its lines inside its
//! fax ends): a test moves what its nodes sent with [`SimNet::send`] and
//! hands out what is due with [`SimNet::poll_delivery`]; [`exchange`]
//! does both for a set of [`SimNode`]s and returns what was due at
//! addresses no node owns (the scripted far end's).
//!
//! Stream connections (TCP, see [`streams`]) go alongside: a node's
//! [`StreamOut`]s in, [`StreamEvent`]s out, in order per connection, cut
//! into [`Segments`] and coalesced as [`SimNet::set_segments`] and
//! [`SimNet::set_coalesce`] say, with the path's delay and jitter;
//! [`SimNet::reset`] breaks one.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use fax_t30::media::FRAME_DURATION;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::loopback::{Impairments, PacketDice};

pub mod streams;
pub use streams::{Segments, StreamEvent, StreamId, StreamOut};

/// One datagram on the simulated wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The sender's address (its socket's, as a real socket would show it).
    pub from: SocketAddr,
    /// Where it goes.
    pub to: SocketAddr,
    /// The payload.
    pub bytes: Vec<u8>,
}

/// What a path does to datagrams.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetImpairments {
    /// The loopback exchange's settings: `latency_frames` (one-way delay in
    /// 20 ms frames), `t38_loss`, `t38_reorder` and `t38_duplicate` (here
    /// for every datagram) and `seed`.
    pub line: Impairments,
    /// Extra delay drawn uniformly from `[0, jitter]` per datagram.
    pub jitter: Duration,
}

impl NetImpairments {
    /// One frame of delay, nothing lost.
    pub const CLEAN: NetImpairments = NetImpairments {
        line: Impairments::CLEAN,
        jitter: Duration::ZERO,
    };

    /// Every datagram is lost (a peer that is gone).
    pub fn black_hole() -> NetImpairments {
        NetImpairments {
            line: Impairments {
                t38_loss: 1.0,
                ..Impairments::CLEAN
            },
            jitter: Duration::ZERO,
        }
    }

    fn delay(&self) -> Duration {
        FRAME_DURATION * self.line.latency_frames
    }
}

impl Default for NetImpairments {
    fn default() -> Self {
        NetImpairments::CLEAN
    }
}

/// Counters of the network.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Datagrams handed to the network.
    pub sent: u64,
    /// Datagrams the dice dropped.
    pub lost: u64,
    /// Datagrams held back a frame.
    pub reordered: u64,
    /// Extra copies made.
    pub duplicated: u64,
    /// Datagrams handed out.
    pub delivered: u64,
}

/// A datagram in flight, ordered by arrival time, then by sending order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: Instant,
    seq: u64,
    from: SocketAddr,
    to: SocketAddr,
    bytes: Vec<u8>,
}

/// The simulated network. See the module documentation.
pub struct SimNet {
    default: NetImpairments,
    /// Paths to these destinations behave otherwise.
    to: HashMap<SocketAddr, NetImpairments>,
    rng: SmallRng,
    queue: BinaryHeap<Reverse<InFlight>>,
    seq: u64,
    stats: NetStats,
    /// Every datagram handed out, with its arrival time (when kept).
    capture: Option<Vec<(Instant, Transmit)>>,
    /// The stream connections.
    streams: streams::Streams,
}

impl SimNet {
    /// A network where every path behaves as `imp` (its seed seeds the
    /// dice).
    pub fn new(imp: NetImpairments) -> SimNet {
        SimNet {
            default: imp,
            to: HashMap::new(),
            rng: SmallRng::seed_from_u64(imp.line.seed ^ 0x6e65_7400),
            queue: BinaryHeap::new(),
            seq: 0,
            stats: NetStats::default(),
            capture: None,
            streams: streams::Streams::default(),
        }
    }

    /// How stream bytes are cut into segments from now on.
    pub fn set_segments(&mut self, s: Segments) {
        self.streams.segments = s;
    }

    /// Whether a read takes every segment of a connection that has arrived
    /// (true), or one segment at a time (false, the default).
    pub fn set_coalesce(&mut self, on: bool) {
        self.streams.coalesce = on;
    }

    /// When something sent to `to` at `now` arrives (no loss: a stream's).
    fn arrival(&mut self, to: SocketAddr, now: Instant) -> Instant {
        let imp = self.to.get(&to).copied().unwrap_or(self.default);
        let jitter = if imp.jitter.is_zero() {
            Duration::ZERO
        } else {
            imp.jitter.mul_f64(self.rng.gen::<f64>())
        };
        now + imp.delay() + jitter
    }

    /// A node's action on its connections at `now`.
    pub fn stream_send(&mut self, out: StreamOut, now: Instant) {
        let to = match &out {
            StreamOut::Connect(id) | StreamOut::Data(id, _) | StreamOut::Close(id) => id.remote,
        };
        let at = self.arrival(to, now);
        self.streams.send(out, at, &mut self.rng);
    }

    /// Breaks connection `id` at `now` (a reset, a middlebox that forgot
    /// it): both ends learn it at once, what was in flight is lost.
    pub fn reset(&mut self, id: StreamId, now: Instant) {
        self.streams.reset(id, now);
    }

    /// The open connections, as (lower address, higher address).
    pub fn open_streams(&self) -> Vec<(SocketAddr, SocketAddr)> {
        self.streams.open()
    }

    /// What has arrived on the connections by `now`.
    pub fn poll_stream_events(&mut self, now: Instant) -> Vec<StreamEvent> {
        self.streams.poll(now)
    }

    /// Stream events in flight.
    pub fn streams_in_flight(&self) -> usize {
        self.streams.in_flight()
    }

    /// Datagrams to `to` behave as `imp` from now on (e.g. a lossy UDPTL
    /// path, or [`NetImpairments::black_hole`] for a peer that is gone).
    pub fn set_path(&mut self, to: SocketAddr, imp: NetImpairments) {
        self.to.insert(to, imp);
    }

    /// Datagrams to `to` behave as the default again.
    pub fn clear_path(&mut self, to: SocketAddr) {
        self.to.remove(&to);
    }

    /// Keeps every delivered datagram for [`SimNet::captured`].
    pub fn capture(&mut self) {
        self.capture.get_or_insert_with(Vec::new);
    }

    /// The delivered datagrams with their arrival times (empty unless
    /// [`SimNet::capture`] was called).
    pub fn captured(&self) -> &[(Instant, Transmit)] {
        self.capture.as_deref().unwrap_or(&[])
    }

    /// The counters.
    pub fn stats(&self) -> NetStats {
        self.stats
    }

    /// Datagrams in flight.
    pub fn in_flight(&self) -> usize {
        self.queue.len()
    }

    /// Sends `t` at `now`: lost, delayed (held back a frame, jittered) or
    /// duplicated as its path says.
    pub fn send(&mut self, t: Transmit, now: Instant) {
        self.stats.sent += 1;
        let imp = self.to.get(&t.to).copied().unwrap_or(self.default);
        let dice = PacketDice::new(&imp.line);
        if dice.loss > 0.0 && self.rng.gen::<f32>() < dice.loss {
            self.stats.lost += 1;
            return;
        }
        let copies = if dice.duplicate > 0.0 && self.rng.gen::<f32>() < dice.duplicate {
            self.stats.duplicated += 1;
            2
        } else {
            1
        };
        let mut at = now + imp.delay();
        if dice.reorder > 0.0 && self.rng.gen::<f32>() < dice.reorder {
            self.stats.reordered += 1;
            at += FRAME_DURATION;
        }
        for _ in 0..copies {
            let jitter = if imp.jitter.is_zero() {
                Duration::ZERO
            } else {
                imp.jitter.mul_f64(self.rng.gen::<f64>())
            };
            self.seq += 1;
            self.queue.push(Reverse(InFlight {
                at: at + jitter,
                seq: self.seq,
                from: t.from,
                to: t.to,
                bytes: t.bytes.clone(),
            }));
        }
    }

    /// The next datagram that has arrived by `now`, in arrival order.
    pub fn poll_delivery(&mut self, now: Instant) -> Option<Transmit> {
        if self.queue.peek().is_none_or(|Reverse(f)| f.at > now) {
            return None;
        }
        let Reverse(f) = self.queue.pop()?;
        self.stats.delivered += 1;
        let t = Transmit {
            from: f.from,
            to: f.to,
            bytes: f.bytes,
        };
        if let Some(c) = self.capture.as_mut() {
            c.push((f.at, t.clone()));
        }
        Some(t)
    }

    /// The next datagram to an address `to` accepts that has arrived by
    /// `now`, in arrival order; the others stay in flight (a loop that does
    /// not run yet, whose socket buffers hold what came for it).
    pub fn poll_delivery_to(
        &mut self,
        now: Instant,
        to: &dyn Fn(SocketAddr) -> bool,
    ) -> Option<Transmit> {
        let mut held = Vec::new();
        let mut found = None;
        while let Some(Reverse(f)) = self.queue.peek() {
            if f.at > now {
                break;
            }
            let Some(Reverse(f)) = self.queue.pop() else {
                break;
            };
            if to(f.to) {
                found = Some(f);
                break;
            }
            held.push(Reverse(f));
        }
        self.queue.extend(held);
        let f = found?;
        self.stats.delivered += 1;
        let t = Transmit {
            from: f.from,
            to: f.to,
            bytes: f.bytes,
        };
        if let Some(c) = self.capture.as_mut() {
            c.push((f.at, t.clone()));
        }
        Some(t)
    }

    /// When the next datagram or stream event arrives (None: nothing in
    /// flight).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let d = self.queue.peek().map(|Reverse(f)| f.at);
        [d, self.streams.poll_timeout()].into_iter().flatten().min()
    }
}

/// Something with addresses on the simulated network: a SIP line's
/// engine, or a test's scripted far end.
pub trait SimNode {
    /// Whether datagrams to `addr` are this node's.
    fn owns(&self, addr: SocketAddr) -> bool;
    /// A datagram arrived at `to` (one of this node's addresses).
    fn handle_datagram(&mut self, to: SocketAddr, from: SocketAddr, bytes: &[u8], now: Instant);
    /// The next datagram this node sends.
    fn poll_transmit(&mut self) -> Option<Transmit>;
    /// Something happened on one of its connections (`ev.id().local` is
    /// one of its addresses); a node without streams ignores it.
    fn handle_stream(&mut self, ev: StreamEvent, now: Instant) {
        let _ = (ev, now);
    }
    /// The next thing it does to its connections.
    fn poll_stream(&mut self) -> Option<StreamOut> {
        None
    }
}

/// Moves what each node sent into the network, then hands each node what
/// arrived for it by `now`. Returns what arrived at addresses no node owns
/// (a scripted far end answers those with [`SimNet::send`]).
///
/// Connections: a node's stream actions go in, and what arrived on them is
/// handed to the node owning the receiving end; a connection to an address
/// no node owns is refused.
pub fn exchange(net: &mut SimNet, now: Instant, nodes: &mut [&mut dyn SimNode]) -> Vec<Transmit> {
    for n in nodes.iter_mut() {
        while let Some(t) = n.poll_transmit() {
            net.send(t, now);
        }
        while let Some(s) = n.poll_stream() {
            net.stream_send(s, now);
        }
    }
    for ev in net.poll_stream_events(now) {
        let id = ev.id();
        match nodes.iter_mut().find(|n| n.owns(id.local)) {
            Some(n) => {
                let accepted = matches!(ev, StreamEvent::Opened(_));
                n.handle_stream(ev, now);
                if accepted {
                    let at = net.arrival(id.remote, now);
                    net.streams.established(id, at);
                }
            }
            None if matches!(ev, StreamEvent::Opened(_)) => {
                let at = net.arrival(id.remote, now);
                net.streams.refuse(id.flip(), at);
            }
            None => {}
        }
    }
    let mut stray = Vec::new();
    while let Some(t) = net.poll_delivery(now) {
        match nodes.iter_mut().find(|n| n.owns(t.to)) {
            Some(n) => n.handle_datagram(t.to, t.from, &t.bytes, now),
            None => stray.push(t),
        }
    }
    stray
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(n: u8) -> Transmit {
        Transmit {
            from: "127.0.0.1:1".parse().unwrap(),
            to: "127.0.0.1:2".parse().unwrap(),
            bytes: vec![n],
        }
    }

    fn run(imp: NetImpairments, n: u8) -> (Vec<(Duration, u8)>, NetStats) {
        let t0 = test_kit::origin();
        let mut net = SimNet::new(imp);
        let mut got = Vec::new();
        for k in 0..200u32 {
            let now = t0 + FRAME_DURATION * k;
            if k < u32::from(n) {
                net.send(t(k as u8), now);
            }
            while let Some(d) = net.poll_delivery(now) {
                got.push((now - t0, d.bytes[0]));
            }
        }
        (got, net.stats())
    }

    #[test]
    fn a_clean_path_delays_by_its_latency_and_keeps_the_order() {
        let (got, stats) = run(NetImpairments::CLEAN, 10);
        let want: Vec<(Duration, u8)> = (0..10u8)
            .map(|k| (FRAME_DURATION * (u32::from(k) + 1), k))
            .collect();
        assert_eq!(got, want);
        assert_eq!(stats.delivered, 10);
    }

    #[test]
    fn loss_reordering_and_duplicates_follow_the_seeded_dice() {
        let imp = NetImpairments {
            line: Impairments {
                t38_loss: 0.2,
                t38_reorder: 0.2,
                t38_duplicate: 0.1,
                seed: 7,
                ..Impairments::CLEAN
            },
            jitter: Duration::from_millis(5),
        };
        let (a, sa) = run(imp, 100);
        let (b, _) = run(imp, 100);
        assert_eq!(a, b, "the same seed, the same run");
        assert!(sa.lost > 5 && sa.lost < 40, "{sa:?}");
        assert!(sa.reordered > 5 && sa.duplicated > 2, "{sa:?}");
        let order: Vec<u8> = a.iter().map(|(_, n)| *n).collect();
        assert!(order.windows(2).any(|w| w[1] < w[0]), "some out of order");
        assert_eq!(sa.delivered, 100 - sa.lost + sa.duplicated);
        let (c, _) = run(NetImpairments::black_hole(), 10);
        assert!(c.is_empty());
    }
}
