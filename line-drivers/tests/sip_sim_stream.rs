//! The SIP line over TCP on the simulated network
//! ([`line_drivers::sim_net`] streams): the engine's connection table is
//! the socket shell's (framing, CRLF keep-alive, one connection per peer),
//! here fed by simulated connections on simulated time.
//!
//! A fax between two of our lines with every SIP message cut into single
//! bytes, and again in random segments that a read takes together; the
//! CRLF keep-alive's ping-pong timing against a scripted registrar over
//! TCP, and a pong that does not come: the connection is closed, a new one
//! opened and the registration sent over it; a connection reset in the
//! middle of a call, which the call outlives (its BYE opens a new one).

mod sip_common;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use line_drivers::sim_net::{
    exchange, NetImpairments, Segments, SimNode, StreamEvent, StreamId, StreamOut, Transmit,
};
use line_drivers::sip::{CrlfKeepAlive, SipLine, SipLineConfig, SipTransport};
use sip::wire::{StreamFramer, StreamItem};
use sip_common::sim_fax::{assert_fax_ok, fax_call, Outcome};
use sip_common::{addr, register_ok, trunk, FaxEnd, World, LO};
use test_kit::Scratch;

const A_SIP: u16 = 5060;
const B_SIP: u16 = 5062;

fn tcp(cfg: &mut SipLineConfig) {
    cfg.transport = SipTransport::Tcp;
}

fn lines() -> (SipLine, SipLine) {
    sip_common::line_pair(|a, b| {
        tcp(a);
        tcp(b);
    })
}

/// Two frames of delay and 10 ms of jitter each way.
fn jittery() -> NetImpairments {
    sip_common::delayed(2, 10, 29)
}

/// A faxes two pages to B with TCP signalling; `during(world, now, a)`
/// runs every tick. Both ends must succeed.
fn fax_over_tcp(
    w: &mut World,
    dir: &Path,
    during: impl FnMut(&mut World, Instant, &FaxEnd<SipLine>),
) -> Outcome {
    let (a, b) = lines();
    let o = fax_call(w, a, b, true, false, dir, during);
    assert_fax_ok(&o, true);
    o
}

/// No SIP datagram anywhere: signalling went over the connections.
fn no_sip_datagrams(w: &World) {
    let sip = [addr(A_SIP), addr(B_SIP)];
    let udp_sip = (w.net.captured().iter()).filter(|(_, t)| sip.contains(&t.to));
    assert_eq!(udp_sip.count(), 0, "SIP went as datagrams");
}

/// Every SIP message (INVITE, its answers, the T.38 re-INVITE, ACKs, BYE)
/// arrives a byte at a time: the framer reassembles each whole.
#[test]
fn a_fax_over_tcp_with_every_message_cut_into_single_bytes() {
    let dir = Scratch::new("sim-tcp-bytes");
    let mut w = World::new(jittery());
    w.net.set_segments(Segments::Max(1));
    w.net.capture();
    let mut most = 0;
    let o = fax_over_tcp(&mut w, dir.path(), |w, _, _| {
        most = most.max(w.net.streams_in_flight());
    });
    assert!(most > 300, "single bytes in flight at once: {most}");
    assert_eq!(o.a.kinds, o.b.kinds, "the same media changes at both ends");
    no_sip_datagrams(&w);
    assert!(!w.net.open_streams().is_empty(), "connections stay open");
}

/// Random segments (1 to 100 bytes) that a read takes together as they
/// arrived: several messages, or parts of them, in one read.
#[test]
fn a_fax_over_tcp_with_random_segments_coalesced_in_reads() {
    let dir = Scratch::new("sim-tcp-coalesced");
    let mut w = World::new(jittery());
    w.net.set_segments(Segments::Random(100));
    w.net.set_coalesce(true);
    w.net.capture();
    fax_over_tcp(&mut w, dir.path(), |_, _, _| {});
    no_sip_datagrams(&w);
}

/// The connections carrying the call are reset after the first page has
/// started: the call's media (UDP) goes on, the fax completes, and the BYE
/// goes over a new connection and is heard. (B took the call on the
/// connection A opened, from a port that listens to nothing: once that is
/// gone, B's requests go to its trunk's next hop.)
#[test]
fn a_connection_reset_mid_call_and_the_bye_opens_a_new_one() {
    let dir = Scratch::new("sim-tcp-reset");
    let mut w = World::new(NetImpairments::CLEAN);
    let mut before = None;
    fax_over_tcp(&mut w, dir.path(), |w, now, a| {
        if before.is_none() && a.page_started(1) {
            let open = w.net.open_streams();
            assert!(!open.is_empty(), "the call's connections");
            for (x, y) in &open {
                w.net.reset(
                    StreamId {
                        local: *x,
                        remote: *y,
                    },
                    now,
                );
            }
            assert!(w.net.open_streams().is_empty());
            before = Some(open);
        }
    });
    let before = before.expect("the first page started");
    let after = w.net.open_streams();
    assert!(
        after.iter().any(|c| !before.contains(c)),
        "a new connection after the reset: {before:?} then {after:?}"
    );
}

/// A registrar over TCP, scripted: answers REGISTER 200 and CRLF pings
/// with a pong while `pong` is set; notes when each came and on which
/// connection.
struct Registrar {
    at: SocketAddr,
    framers: HashMap<StreamId, StreamFramer>,
    out: VecDeque<StreamOut>,
    pong: bool,
    registers: Vec<(Instant, StreamId)>,
    pings: Vec<Instant>,
    closed: Vec<(Instant, StreamId, String)>,
}

impl Registrar {
    fn new(at: SocketAddr) -> Registrar {
        Registrar {
            at,
            framers: HashMap::new(),
            out: VecDeque::new(),
            pong: true,
            registers: Vec::new(),
            pings: Vec::new(),
            closed: Vec::new(),
        }
    }
}

impl SimNode for Registrar {
    fn owns(&self, addr: SocketAddr) -> bool {
        addr == self.at
    }

    fn handle_datagram(&mut self, _: SocketAddr, from: SocketAddr, _: &[u8], _: Instant) {
        panic!("a datagram from {from}: the trunk speaks TCP");
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        None
    }

    fn handle_stream(&mut self, ev: StreamEvent, now: Instant) {
        match ev {
            StreamEvent::Opened(id) => {
                self.framers.insert(id, StreamFramer::new());
            }
            StreamEvent::Established(_) => {}
            StreamEvent::Closed(id, cause) => {
                self.framers.remove(&id);
                self.closed.push((now, id, cause));
            }
            StreamEvent::Data(id, bytes) => {
                let f = self
                    .framers
                    .get_mut(&id)
                    .expect("data on an open connection");
                f.push(&bytes);
                while let Some(item) = f.next_item().expect("the trunk's stream frames") {
                    match item {
                        StreamItem::Ping => {
                            self.pings.push(now);
                            if self.pong {
                                self.out.push_back(StreamOut::Data(id, b"\r\n".to_vec()));
                            }
                        }
                        StreamItem::Pong => panic!("a pong nobody asked for"),
                        StreamItem::Message(m) => {
                            let text =
                                String::from_utf8_lossy(&sip::wire::to_bytes(&m)).to_string();
                            assert!(text.starts_with("REGISTER "), "{text}");
                            self.registers.push((now, id));
                            let ok = register_ok(&text).into_bytes();
                            self.out.push_back(StreamOut::Data(id, ok));
                        }
                    }
                }
            }
        }
    }

    fn poll_stream(&mut self) -> Option<StreamOut> {
        self.out.pop_front()
    }
}

/// Pings every 30 s, each answered within the tick; at 100 s the
/// registrar stops answering: the ping at 120 s has no pong by 130 s, the
/// trunk closes that connection, opens a new one at once (the old one had
/// carried messages) and registers over it; the registrar's 200 there
/// makes it registered again.
#[test]
fn crlf_keepalive_and_a_missing_pong_reconnects_and_registers_again() {
    let ka = CrlfKeepAlive {
        every: Duration::from_secs(30),
        pong_within: Duration::from_secs(10),
        backoff: Duration::from_secs(1),
        max_backoff: Duration::from_secs(8),
    };
    let at = addr(5075);
    let mut cfg = SipLineConfig::new("sip/reg", trunk("reg", "4930300", 5075), LO, 5074, 21200);
    cfg.transport = SipTransport::Tcp;
    cfg.crlf_keepalive = Some(ka);
    cfg.trunk.mode = line_drivers::sip::TrunkMode::Register {
        registrar: at.to_string(),
        expires: 600,
    };
    let mut w = World::new(NetImpairments::CLEAN);
    let t0 = w.clock.now();
    let mut line = SipLine::engine(cfg, t0).expect("line");
    let mut reg = Registrar::new(at);
    let mut notices = Vec::new();
    let mut now = t0;
    while now - t0 < Duration::from_secs(200) {
        now = w.clock.tick();
        line.tick(now);
        notices.extend(std::iter::from_fn(|| line.poll_notice()));
        let stray = exchange(&mut w.net, now, &mut [&mut line, &mut reg]);
        assert!(stray.is_empty());
        if now - t0 == Duration::from_secs(100) {
            assert_eq!(line.link_counts(), (0, 3), "three pongs, no reconnect");
            assert_eq!(line.is_registered(now), Some(true));
            reg.pong = false;
        }
        if now - t0 == Duration::from_secs(131) {
            reg.pong = true;
        }
    }
    let secs = |t: Instant| (t - t0).as_secs_f64();
    let pings: Vec<f64> = reg.pings.iter().map(|t| secs(*t)).collect();
    // Sent at 30, 60, 90, 120 s, arriving one frame later; then on the
    // new connection every 30 s from the reconnect (130.02 s).
    assert_eq!(pings.len(), 6, "pings at {pings:?}");
    let want = [30.02, 60.02, 90.02, 120.02, 160.04, 190.04];
    for (got, want) in pings.iter().zip(want) {
        assert!((got - want).abs() < 0.03, "pings at {pings:?}");
    }
    assert_eq!(
        reg.closed.len(),
        1,
        "one connection closed: {:?}",
        reg.closed
    );
    let (closed_at, old, cause) = &reg.closed[0];
    assert!(
        (130.0..130.1).contains(&secs(*closed_at)),
        "closed 10 s after the unanswered ping: {:?} ({cause})",
        secs(*closed_at)
    );
    assert_eq!(reg.registers.len(), 2, "{:?}", reg.registers);
    let (first, again) = (reg.registers[0], reg.registers[1]);
    assert_eq!(first.1, *old, "the first REGISTER on the closed connection");
    assert_ne!(again.1, *old, "registered again over a new connection");
    assert!(
        (130.0..130.2).contains(&secs(again.0)),
        "registered again at once: {}",
        secs(again.0)
    );
    assert_eq!(line.is_registered(now), Some(true));
    assert_eq!(line.link_counts(), (1, 5), "one reconnect, five pongs");
    assert!(
        notices.iter().any(|n| n.contains("registering over it")),
        "{notices:?}"
    );
}
