//! The SIP line's logic on the simulated network ([`line_drivers::sim_net`]):
//! two of our lines (or trunks), engines without sockets, on simulated
//! time with the loopback exchange's impairments. A fax call that takes a
//! minute of line time runs in seconds of CPU, and nothing depends on a
//! loaded machine's timing or on free ports.
//!
//! Fax between two lines (G.711 with delay and jitter, T.38 with loss on
//! the UDPTL path, T.38 refused and remembered, T.38 agreed but silent,
//! T.38 on the calling tone, T.38 that reaches the peer only by latching
//! to its source), causes across the trunk, and glare (both
//! lines re-INVITE at once: 491, the RFC 3261 §14.1 retry windows). A
//! trunk's logic is in `sip_sim_trunk.rs`.

mod sip_common;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use line_drivers::loopback::Impairments;
use line_drivers::sim_net::{exchange, NetImpairments, Transmit};
use line_drivers::sip::{SipLine, SipLineConfig, T38Policy};
use line_drivers::{CallProgress, HangupCause, Line, LineEvent, MediaKind};
use sip::sdp::t38::FaxTransport;
use sip_common::sim_fax::{assert_fax_ok, fax_call, Outcome};
use sip_common::{addr, header, World, LO};
use test_kit::Scratch;

const A_SIP: u16 = 5060;
const B_SIP: u16 = 5062;

fn configs(tweak: impl FnOnce(&mut SipLineConfig, &mut SipLineConfig)) -> (SipLine, SipLine) {
    sip_common::line_pair(tweak)
}

/// Three frames of delay and 15 ms of jitter each way: the jitter buffer
/// and the SIP timers see a real path.
fn jittery() -> NetImpairments {
    sip_common::delayed(3, 15, 11)
}

fn g711(ecm: bool, name: &str) {
    let dir = Scratch::new(name);
    let (a, b) = configs(|a, b| {
        a.media.t38 = None;
        b.media.t38 = None;
    });
    let mut w = World::new(jittery());
    let o = fax_call(&mut w, a, b, ecm, false, &dir, |_, _, _| {});
    assert_fax_ok(&o, ecm);
    assert_eq!(o.a.kinds, vec![MediaKind::Audio]);
    assert_eq!(o.b.kinds, vec![MediaKind::Audio]);
    assert_eq!(o.b.line.stats().t38_offers_sent, 0);
    assert!(o.b.line.stats().rtp_in > 500, "{:?}", o.b.line.stats());
}

#[test]
fn g711_fax_ecm() {
    g711(true, "sim-g711-ecm");
}

#[test]
fn g711_fax_no_ecm() {
    g711(false, "sim-g711-noecm");
}

fn t38(ecm: bool, name: &str) -> Outcome {
    let dir = Scratch::new(name);
    let (a, b) = configs(|_, _| {});
    let mut w = World::new(jittery());
    let o = fax_call(&mut w, a, b, ecm, false, &dir, |_, _, _| {});
    assert_fax_ok(&o, ecm);
    assert_eq!(o.a.kinds, vec![MediaKind::Audio, MediaKind::T38]);
    assert_eq!(o.b.kinds, vec![MediaKind::Audio, MediaKind::T38]);
    assert_eq!(o.b.line.stats().t38_offers_sent, 1);
    assert_eq!(o.a.line.stats().t38_accepted, 1);
    assert!(o.b.line.stats().udptl_in > 50, "{:?}", o.b.line.stats());
    o
}

#[test]
fn t38_fax_ecm() {
    let o = t38(true, "sim-t38-ecm");
    // Remembered: the next call to this number starts with T.38.
    assert_eq!(o.a.line.first_choice("4930200"), FaxTransport::T38);
}

#[test]
fn t38_fax_no_ecm() {
    t38(false, "sim-t38-noecm");
}

/// 5 % of the UDPTL datagrams to B are lost (and 5 % reordered): the
/// redundancy and ECM carry the pages through.
#[test]
fn t38_with_packet_loss() {
    let dir = Scratch::new("sim-loss");
    let (a, b) = configs(|_, _| {});
    let mut w = World::new(NetImpairments::CLEAN);
    let lossy = NetImpairments {
        line: Impairments {
            t38_loss: 0.05,
            t38_reorder: 0.05,
            seed: 3,
            ..Impairments::CLEAN
        },
        jitter: Duration::from_millis(10),
    };
    w.net.set_path(addr(20012), lossy);
    let o = fax_call(&mut w, a, b, true, false, &dir, |_, _, _| {});
    assert_fax_ok(&o, true);
    assert_eq!(o.b.kinds, vec![MediaKind::Audio, MediaKind::T38]);
    let s = w.net.stats();
    assert!(s.lost >= 5 && s.reordered >= 5, "{s:?}");
}

#[test]
fn t38_refused_falls_back_to_g711_and_is_remembered() {
    let dir = Scratch::new("sim-refused");
    let (a, b) = configs(|a, _| a.media.t38 = None);
    let mut w = World::new(jittery());
    let o = fax_call(&mut w, a, b, true, false, &dir, |_, _, _| {});
    assert_fax_ok(&o, true);
    assert_eq!(o.b.line.stats().t38_offers_sent, 1);
    assert_eq!(o.b.line.stats().t38_refused, 1);
    assert_eq!(o.a.line.stats().reinvites_refused, 1, "A answered 488");
    assert_eq!(o.a.kinds, vec![MediaKind::Audio]);
    assert_eq!(o.b.kinds, vec![MediaKind::Audio]);
    // B remembers that caller 4930100 on trunk to-a does not do T.38 ...
    assert_eq!(o.b.line.first_choice("4930100"), FaxTransport::G711);
    // ... and the next call from it does not try again.
    let (mut a, mut b) = (o.a.line, o.b.line);
    let call = a.dial("4930200", MediaKind::Audio, w.clock.now()).unwrap();
    let mut answered = false;
    for _ in 0..100 {
        let now = w.clock.tick();
        a.tick(now);
        b.tick(now);
        while let Some(ev) = b.poll_event() {
            if let LineEvent::Incoming { call, .. } = ev {
                b.answer(call, now).unwrap();
                answered = true;
            }
        }
        while a.poll_event().is_some() {}
        exchange(&mut w.net, now, &mut [&mut a, &mut b]);
    }
    assert!(answered);
    assert_eq!(b.stats().t38_offers_sent, 1, "no second T.38 offer");
    a.hangup(call, HangupCause::NormalClearing, w.clock.now());
}

#[test]
fn t38_agreed_but_silent_falls_back_to_g711() {
    let dir = Scratch::new("sim-silent");
    let (a, b) = configs(|_, _| {});
    let mut w = World::new(NetImpairments::CLEAN);
    let o = fax_call(&mut w, a, b, true, true, &dir, |_, _, _| {});
    assert_fax_ok(&o, true);
    assert_eq!(o.b.line.stats().t38_timeouts, 1, "{:?}", o.b.line.stats());
    let switched = vec![MediaKind::Audio, MediaKind::T38, MediaKind::Audio];
    assert_eq!(o.b.kinds, switched);
    assert_eq!(o.a.kinds, switched);
    assert_eq!(o.b.line.first_choice("4930100"), FaxTransport::G711);
}

/// Symmetric media for T.38 (UDPTL latch): B's SDP names an address
/// nobody has (a `public_address` that is wrong, as behind a NAT that
/// does not forward), so A's media reaches B only where B's comes from.
/// The fax goes through on T.38, and A's UDPTL went to B's real address,
/// which no SDP named.
#[test]
fn t38_flows_only_by_latching_when_the_sdp_names_an_unreachable_address() {
    let dir = Scratch::new("sim-t38-latch");
    let nowhere: IpAddr = "192.0.2.99".parse().unwrap();
    let (a, b) = configs(|a, b| {
        a.symmetric_rtp = true;
        b.public_address = Some(nowhere);
    });
    let mut w = World::new(NetImpairments::CLEAN);
    w.net.capture();
    let o = fax_call(&mut w, a, b, true, false, &dir, |_, _, _| {});
    assert_fax_ok(&o, true);
    assert_eq!(o.a.kinds, vec![MediaKind::Audio, MediaKind::T38]);
    assert_eq!(o.b.kinds, vec![MediaKind::Audio, MediaKind::T38]);
    let sent = w.net.captured();
    // Every SDP of B (the answer, its T.38 re-INVITE) named 192.0.2.99.
    let b_sdps: Vec<String> = (sent.iter())
        .filter(|(_, t)| t.from == addr(B_SIP))
        .map(|(_, t)| String::from_utf8_lossy(&t.bytes).into_owned())
        .filter(|m| m.contains("\r\nc=IN IP4 "))
        .collect();
    assert!(b_sdps.len() >= 2, "{b_sdps:?}");
    assert!(
        (b_sdps.iter()).all(|m| m.contains("c=IN IP4 192.0.2.99") && !m.contains("c=IN IP4 127.")),
        "{b_sdps:?}"
    );
    // A's UDPTL went to B's UDPTL port at the address it latched to.
    let udptl_to = |ip: IpAddr| {
        (sent.iter())
            .filter(|(_, t)| t.from == addr(20002) && t.to == SocketAddr::new(ip, 20012))
            .count()
    };
    assert!(
        udptl_to(LO) > 50,
        "{} UDPTL datagrams reached B",
        udptl_to(LO)
    );
    assert!(o.b.line.stats().udptl_in > 50, "{:?}", o.b.line.stats());
    // Before B's first packet A's media went where the SDP said: lost.
    assert!(
        (sent.iter()).any(|(_, t)| t.from.ip() == LO && t.to.ip() == nowhere),
        "nothing went to the SDP's address"
    );
    assert_eq!(o.a.line.stats().media_refused, 0);
}

/// B answers on G.711 and asks for T.38 only when it hears A's CNG.
#[test]
fn t38_after_the_calling_tone() {
    let dir = Scratch::new("sim-cng");
    let (a, b) = configs(|_, b| b.t38_policy = T38Policy::OnFaxTone);
    let mut w = World::new(jittery());
    let o = fax_call(&mut w, a, b, true, false, &dir, |_, _, _| {});
    assert_fax_ok(&o, true);
    assert_eq!(o.b.line.stats().cng_heard, 1);
    assert_eq!(o.b.line.stats().t38_offers_sent, 1);
    assert_eq!(o.b.kinds, vec![MediaKind::Audio, MediaKind::T38]);
}

/// `ticks` ticks of two lines on the network; their events but media.
fn run_lines(
    w: &mut World,
    a: &mut SipLine,
    b: &mut SipLine,
    ticks: u32,
) -> (Vec<LineEvent>, Vec<LineEvent>) {
    let mut ev = (Vec::new(), Vec::new());
    for _ in 0..ticks {
        let now = w.clock.tick();
        a.tick(now);
        b.tick(now);
        let not_media = |e: &LineEvent| !matches!(e, LineEvent::Media { .. });
        ev.0.extend(std::iter::from_fn(|| a.poll_event()).filter(not_media));
        ev.1.extend(std::iter::from_fn(|| b.poll_event()).filter(not_media));
        exchange(&mut w.net, now, &mut [&mut *a, &mut *b]);
    }
    ev
}

/// Refusing a ringing call with a cause reaches the caller as that cause
/// (486 ↔ #17); a BYE carries its Q.850 cause in `Reason`.
#[test]
fn causes_cross_the_trunk() {
    let (mut a, mut b) = configs(|_, b| b.t38_policy = T38Policy::Never);
    let mut w = World::new(jittery());
    // 1. Busy.
    let call = a.dial("4930200", MediaKind::Audio, w.clock.now()).unwrap();
    let (mut ea, eb) = run_lines(&mut w, &mut a, &mut b, 10);
    let Some(LineEvent::Incoming { call: bc, .. }) = eb.first().cloned() else {
        panic!("no call at B: {eb:?}")
    };
    b.hangup(bc, HangupCause::UserBusy, w.clock.now());
    ea.extend(run_lines(&mut w, &mut a, &mut b, 10).0);
    let ringing = LineEvent::Progress {
        call,
        progress: CallProgress::Ringing,
    };
    assert!(ea.contains(&ringing), "{ea:?}");
    let busy = LineEvent::HungUp {
        call,
        cause: HangupCause::UserBusy,
    };
    assert!(ea.contains(&busy), "{ea:?}");
    assert!(a.is_idle() && b.is_idle());
    // 2. A connected call cleared with "incompatible destination" (#88).
    let call = a.dial("4930200", MediaKind::Audio, w.clock.now()).unwrap();
    let (_, eb) = run_lines(&mut w, &mut a, &mut b, 10);
    let Some(LineEvent::Incoming { call: bc, .. }) = eb.first().cloned() else {
        panic!("no call at B: {eb:?}")
    };
    b.answer(bc, w.clock.now()).unwrap();
    let (ea, _) = run_lines(&mut w, &mut a, &mut b, 10);
    let answered = LineEvent::Progress {
        call,
        progress: CallProgress::Answered,
    };
    assert!(ea.contains(&answered), "{ea:?}");
    b.hangup(bc, HangupCause::IncompatibleDestination, w.clock.now());
    let (ea, _) = run_lines(&mut w, &mut a, &mut b, 10);
    let cleared = LineEvent::HungUp {
        call,
        cause: HangupCause::IncompatibleDestination,
    };
    assert!(ea.contains(&cleared), "{ea:?}");
    assert!(a.is_idle() && b.is_idle());
}

/// Glare (RFC 3261 §14.1): both lines re-INVITE to T.38 in the same tick.
/// Each answers the other's re-INVITE 491 and gets 491; B (not the owner
/// of the Call-ID) tries again within 0–2 s, A would wait 2.1–4 s and so
/// takes B's offer instead of sending its own. The call ends on T.38 with
/// one switch each way, the same on every run (seeded).
#[test]
fn glare_two_lines_reinvite_at_once_and_the_callee_retries_first() {
    let (mut a, mut b) = configs(|_, b| b.t38_policy = T38Policy::OnFaxTone);
    let mut w = World::new(NetImpairments::CLEAN);
    w.net.capture();
    let ca = a.dial("4930200", MediaKind::Audio, w.clock.now()).unwrap();
    let mut cb = None;
    let mut asked = false;
    let mut changes: Vec<(char, MediaKind)> = Vec::new();
    for _ in 0..(8 * 50) {
        let now = w.clock.tick();
        a.tick(now);
        b.tick(now);
        while let Some(ev) = b.poll_event() {
            if let LineEvent::Incoming { call, .. } = ev {
                b.answer(call, now).unwrap();
                cb = Some(call);
            }
        }
        while a.poll_event().is_some() {}
        while let Some((_, k)) = a.poll_media_change() {
            changes.push(('a', k));
        }
        while let Some((_, k)) = b.poll_media_change() {
            changes.push(('b', k));
        }
        let both_audio =
            a.media_kind() == Some(MediaKind::Audio) && b.media_kind() == Some(MediaKind::Audio);
        if !asked && both_audio {
            if let Some(cb) = cb {
                a.request_t38(ca, now);
                b.request_t38(cb, now);
                asked = true;
            }
        }
        exchange(&mut w.net, now, &mut [&mut a, &mut b]);
        // Stop once switched (no T.38 is sent here: the switch would fall
        // back to audio after its packet timeout).
        if changes.len() == 2 {
            break;
        }
    }
    assert!(asked, "the call came up");
    assert_eq!(changes, vec![('a', MediaKind::T38), ('b', MediaKind::T38)]);
    assert_eq!(a.stats().glare_retries, 1, "{:?}", a.stats());
    assert_eq!(b.stats().glare_retries, 1, "{:?}", b.stats());
    assert_eq!(b.stats().t38_offers_sent, 2, "B's offer and its retry");
    assert_eq!(a.stats().t38_offers_sent, 1, "A took B's retry instead");
    assert_eq!(a.stats().t38_accepted, 1);
    // When B's retry left: 0–2 s after the 491 reached it.
    let text = |t: &Transmit| String::from_utf8_lossy(&t.bytes).to_string();
    let cap = w.net.captured();
    let got_491 = cap
        .iter()
        .find(|(_, t)| t.to == addr(B_SIP) && text(t).starts_with("SIP/2.0 491"))
        .map(|(at, _)| *at)
        .expect("a 491 reached B");
    let b_offers: Vec<Instant> = cap
        .iter()
        .filter(|(_, t)| {
            t.from == addr(B_SIP) && text(t).starts_with("INVITE ") && text(t).contains("m=image")
        })
        .map(|(at, _)| *at - Duration::from_millis(20))
        .collect();
    assert_eq!(b_offers.len(), 2, "B's offer and one retry");
    let waited = b_offers[1] - got_491;
    assert!(
        waited <= Duration::from_millis(2000 + 40),
        "B (UAS) retries within 0-2 s: {waited:?}"
    );
    let a_offers = cap
        .iter()
        .filter(|(_, t)| {
            t.from == addr(A_SIP) && text(t).starts_with("INVITE ") && text(t).contains("m=image")
        })
        .count();
    assert_eq!(a_offers, 1, "A did not send its retry");
    a.hangup(ca, HangupCause::NormalClearing, w.clock.now());
}

/// Glare of two kinds of re-INVITE: A (the caller, owner of the Call-ID)
/// asks for T.38 while B refreshes the session, in the same tick. Both get
/// 491; B retries its refresh within 0–2 s (A accepts it), A retries its
/// T.38 offer after 2.1–4 s (B accepts it): each side's RFC 3261 §14.1
/// window, measured on the simulated wire.
#[test]
fn glare_the_owner_of_the_call_id_waits_2_1_to_4_s() {
    let (mut a, mut b) = configs(|_, b| b.t38_policy = T38Policy::Never);
    let mut w = World::new(NetImpairments::CLEAN);
    w.net.capture();
    let ca = a.dial("4930200", MediaKind::Audio, w.clock.now()).unwrap();
    let (mut cb, mut asked, mut switched) = (None, false, false);
    for _ in 0..(10 * 50) {
        let now = w.clock.tick();
        a.tick(now);
        b.tick(now);
        while let Some(ev) = b.poll_event() {
            if let LineEvent::Incoming { call, .. } = ev {
                b.answer(call, now).unwrap();
                cb = Some(call);
            }
        }
        while a.poll_event().is_some() {}
        while b.poll_media_change().is_some() {}
        switched |= a.poll_media_change() == Some((ca, MediaKind::T38));
        let up = a.media_kind() == Some(MediaKind::Audio) && b.media_kind().is_some();
        if let (false, true, Some(cb)) = (asked, up, cb) {
            a.request_t38(ca, now);
            b.refresh(cb, now).expect("refresh");
            asked = true;
        }
        exchange(&mut w.net, now, &mut [&mut a, &mut b]);
        if switched {
            break;
        }
    }
    assert!(switched, "A's retry switched the call to T.38");
    assert_eq!((a.stats().glare_retries, b.stats().glare_retries), (1, 1));
    assert_eq!(a.stats().t38_offers_sent, 2, "A's offer and its retry");
    assert_eq!(a.stats().refreshes, 1, "A accepted B's retried refresh");
    let text = |t: &Transmit| String::from_utf8_lossy(&t.bytes).to_string();
    let cap = w.net.captured();
    let glare_at = |to: SocketAddr| {
        cap.iter()
            .find(|(_, t)| t.to == to && text(t).starts_with("SIP/2.0 491"))
            .map(|(at, _)| *at)
            .expect("a 491")
    };
    // Sent times of a side's re-INVITEs (one frame before they arrived).
    let reinvites = |from: SocketAddr| -> Vec<Instant> {
        cap.iter()
            .filter(|(_, t)| {
                t.from == from && text(t).starts_with("INVITE ") && text(t).contains("To: <sip:")
            })
            .filter(|(_, t)| header(&text(t), "To").is_some_and(|v| v.contains("tag=")))
            .map(|(at, _)| *at - Duration::from_millis(20))
            .collect()
    };
    let (a_re, b_re) = (reinvites(addr(A_SIP)), reinvites(addr(B_SIP)));
    assert_eq!((a_re.len(), b_re.len()), (2, 2), "{a_re:?} / {b_re:?}");
    // A side reads the 491 at its next tick: up to 20 ms after it arrived.
    let slack = Duration::from_millis(40);
    let a_waited = a_re[1] - glare_at(addr(A_SIP));
    let b_waited = b_re[1] - glare_at(addr(B_SIP));
    assert!(
        a_waited >= Duration::from_millis(2100) && a_waited <= Duration::from_secs(4) + slack,
        "the owner of the Call-ID waits 2.1-4 s: {a_waited:?}"
    );
    assert!(
        b_waited <= Duration::from_secs(2) + slack,
        "the other side waits 0-2 s: {b_waited:?}"
    );
    a.hangup(ca, HangupCause::NormalClearing, w.clock.now());
}
