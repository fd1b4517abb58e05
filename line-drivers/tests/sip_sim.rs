//! The SIP line's logic on the simulated network ([`line_drivers::sim_net`]):
//! two of our lines (or trunks), engines without sockets, on simulated
//! time with the loopback exchange's impairments. A fax call that takes a
//! minute of line time runs in seconds of CPU, and nothing depends on a
//! loaded machine's timing or on free ports.
//!
//! Fax between two lines (G.711 with delay and jitter, T.38 with loss on
//! the UDPTL path, T.38 refused and remembered, T.38 agreed but silent,
//! T.38 on the calling tone), causes across the trunk,
//! Call-ID routing and the channel limit of a trunk, the trunk's keep-alive
//! and hold-down against a scripted far end, and glare (both lines
//! re-INVITE to T.38 at once: 491, RFC 3261 §14.1 retry).

mod sip_common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{FaxOptions, PageSource};
use line_drivers::loopback::Impairments;
use line_drivers::sim_net::{exchange, NetImpairments, SimNet, Transmit};
use line_drivers::sip::{SharedSipLine, SipLine, SipLineConfig, SipTrunk, T38Policy};
use line_drivers::{
    CallEnd, CallProgress, FaxRole, HangupCause, Line, LineEvent, MediaKind, SimClock,
};
use sip::sdp::t38::FaxTransport;
use sip_common::{trunk, FaxEnd, LO};
use test_kit::{origin, Scratch};

/// Line A (4930100) at 127.0.0.1:5060, line B (4930200) at :5062; RTP on
/// 20000 and 20010 (UDPTL two above). No port is bound: the addresses are
/// the simulated network's.
const A_SIP: u16 = 5060;
const B_SIP: u16 = 5062;

fn addr(port: u16) -> SocketAddr {
    SocketAddr::new(LO, port)
}

fn configs(tweak: impl FnOnce(&mut SipLineConfig, &mut SipLineConfig)) -> (SipLine, SipLine) {
    let mut a = SipLineConfig::new("sip/a", trunk("to-b", "4930100", B_SIP), LO, A_SIP, 20000);
    let mut b = SipLineConfig::new("sip/b", trunk("to-a", "4930200", A_SIP), LO, B_SIP, 20010);
    b.t38_policy = T38Policy::Immediately;
    tweak(&mut a, &mut b);
    let t0 = origin();
    (
        SipLine::engine(a, t0).expect("line A"),
        SipLine::engine(b, t0).expect("line B"),
    )
}

fn pages(seed: u64) -> Vec<BilevelPage> {
    let res = Resolution::Standard;
    (0..2)
        .map(|i| {
            BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(res),
                res,
                seed + i,
            )
        })
        .collect()
}

fn options(ecm: bool, sender: bool) -> FaxOptions {
    FaxOptions {
        ecm,
        calling_party: sender,
        ident: if sender { "SIM A" } else { "SIM B" }.into(),
        ..Default::default()
    }
}

/// The simulated network and its clock.
struct World {
    net: SimNet,
    clock: SimClock,
}

impl World {
    fn new(imp: NetImpairments) -> World {
        World {
            net: SimNet::new(imp),
            clock: SimClock::new(origin()),
        }
    }
}

struct Outcome {
    a: FaxEnd<SipLine>,
    b: FaxEnd<SipLine>,
    src: Vec<BilevelPage>,
    rx: PathBuf,
}

/// A faxes two pages to B on the simulated network, each end's one pump
/// ([`FaxEnd`] → `FaxCall`), until both lines are idle.
fn fax_call(
    w: &mut World,
    a: SipLine,
    b: SipLine,
    ecm: bool,
    mute_a_t38: bool,
    dir: &Path,
) -> Outcome {
    let src = pages(500);
    let rx = dir.join("rx.tif");
    let mut a = FaxEnd::new(a);
    a.mute_t38 = mute_a_t38;
    let mut b = FaxEnd::receiver(b, rx.clone(), options(ecm, false));
    let document = PageSource::Pages {
        pages: src.clone(),
        spool: dir.join("tx.tif"),
    };
    a.dial(
        "4930200",
        FaxRole::Send(document),
        options(ecm, true),
        w.clock.now(),
    );
    let t0 = w.clock.now();
    loop {
        let now = w.clock.tick();
        assert!(
            now - t0 < Duration::from_secs(300),
            "no end in 300 s of line time"
        );
        a.line.tick(now);
        b.line.tick(now);
        a.step(now);
        b.step(now);
        exchange(&mut w.net, now, &mut [&mut a.line, &mut b.line]);
        if a.end.is_some() && b.end.is_some() && a.line.is_idle() && b.line.is_idle() {
            break;
        }
    }
    assert_eq!(b.number.as_deref(), Some("4930200"), "B's called number");
    assert_eq!(b.caller.as_deref(), Some("4930100"), "A's number at B");
    Outcome { a, b, src, rx }
}

fn assert_fax_ok(o: &Outcome, ecm: bool) {
    let tx = o.a.outcome().expect("the sender's outcome");
    let rx = o.b.outcome().expect("the receiver's outcome");
    assert!(tx.success, "sender: {tx:?}");
    assert!(rx.success, "receiver: {rx:?}");
    assert_eq!(tx.pages_confirmed, 2);
    assert_eq!(tx.ecm, ecm, "ECM as asked");
    let got = fax_t30::tiff::read_tiff_file(&o.rx).unwrap();
    assert_eq!(got.len(), 2, "pages received");
    for (i, (g, s)) in got.iter().zip(&o.src).enumerate() {
        assert_eq!(
            g.decode().unwrap().data(),
            s.data(),
            "page {} differs",
            i + 1
        );
    }
    assert!(
        [o.a.remote_cause, o.b.remote_cause].contains(&Some(HangupCause::NormalClearing)),
        "a BYE was heard: {:?} / {:?}",
        o.a.remote_cause,
        o.b.remote_cause
    );
}

/// Three frames of delay and 15 ms of jitter each way: the jitter buffer
/// and the SIP timers see a real path.
fn jittery() -> NetImpairments {
    NetImpairments {
        line: Impairments {
            latency_frames: 3,
            seed: 11,
            ..Impairments::CLEAN
        },
        jitter: Duration::from_millis(15),
    }
}

fn g711(ecm: bool, name: &str) {
    let dir = Scratch::new(name);
    let (a, b) = configs(|a, b| {
        a.media.t38 = None;
        b.media.t38 = None;
    });
    let mut w = World::new(jittery());
    let o = fax_call(&mut w, a, b, ecm, false, &dir);
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
    let o = fax_call(&mut w, a, b, ecm, false, &dir);
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
    let o = fax_call(&mut w, a, b, true, false, &dir);
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
    let o = fax_call(&mut w, a, b, true, false, &dir);
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
    let o = fax_call(&mut w, a, b, true, true, &dir);
    assert_fax_ok(&o, true);
    assert_eq!(o.b.line.stats().t38_timeouts, 1, "{:?}", o.b.line.stats());
    let switched = vec![MediaKind::Audio, MediaKind::T38, MediaKind::Audio];
    assert_eq!(o.b.kinds, switched);
    assert_eq!(o.a.kinds, switched);
    assert_eq!(o.b.line.first_choice("4930100"), FaxTransport::G711);
}

/// B answers on G.711 and asks for T.38 only when it hears A's CNG.
#[test]
fn t38_after_the_calling_tone() {
    let dir = Scratch::new("sim-cng");
    let (a, b) = configs(|_, b| b.t38_policy = T38Policy::OnFaxTone);
    let mut w = World::new(jittery());
    let o = fax_call(&mut w, a, b, true, false, &dir);
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

/// The engine says when it next wants to run (`poll_timeout`): a
/// registering trunk driven only at those deadlines (and at the network's)
/// keeps its registration for an hour of simulated time with a few dozen
/// steps instead of 180 000 ticks.
#[test]
fn an_engine_driven_at_its_deadlines_keeps_its_registration() {
    let registrar = addr(5075);
    let mut cfg = SipLineConfig::new("sip/reg", trunk("reg", "4930300", 5075), LO, 5074, 21200);
    cfg.trunk.mode = line_drivers::sip::TrunkMode::Register {
        registrar: registrar.to_string(),
        expires: 600,
    };
    let mut w = World::new(NetImpairments::CLEAN);
    let t0 = w.clock.now();
    let mut t = SipTrunk::engine(cfg, 2, t0).expect("trunk");
    let (mut steps, mut registers) = (0, 0);
    let mut now = t0;
    while now - t0 < Duration::from_secs(3600) {
        t.tick(now);
        for m in exchange(&mut w.net, now, &mut [&mut t]) {
            let text = String::from_utf8_lossy(&m.bytes).to_string();
            assert!(text.starts_with("REGISTER "), "{text}");
            registers += 1;
            let h = |k: &str| header(&text, k).unwrap_or_default().to_string();
            let ok = format!(
                "SIP/2.0 200 OK\r\nVia: {}\r\nFrom: {}\r\nTo: {};tag=reg1\r\nCall-ID: {}\r\n\
                 CSeq: {}\r\nContact: {};expires=600\r\nContent-Length: 0\r\n\r\n",
                h("Via"),
                h("From"),
                h("To"),
                h("Call-ID"),
                h("CSeq"),
                h("Contact"),
            );
            let back = Transmit {
                from: registrar,
                to: m.from,
                bytes: ok.into_bytes(),
            };
            w.net.send(back, now);
        }
        if now - t0 > Duration::from_secs(1) {
            assert_eq!(t.is_registered(now), Some(true), "at {:?}", now - t0);
        }
        // A datagram that arrived is read at the next tick (as from a
        // socket): run one frame after a delivery.
        let next = [t.poll_timeout(), w.net.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
            .expect("a registering trunk always has a deadline");
        let next = next.max(now + Duration::from_millis(20));
        w.clock.advance(next - now);
        now = w.clock.now();
        steps += 1;
    }
    // One REGISTER at the start and a refresh every 540 s.
    assert!((7..=8).contains(&registers), "{registers} REGISTERs");
    assert!(steps < 100, "{steps} steps");
}

/// One trunk of ours with three channels dials two faxes at once to a
/// trunk of ours with two, on one signalling address each: B's trunk hands
/// each INVITE to a channel by Call-ID, every later message (ACK, T.38
/// re-INVITE, BYE) reaches the same channel, and each receiving channel
/// gets the pages of the call to its number. While both are up, A's third
/// channel dials: B has no free channel and answers 486 itself.
#[test]
fn two_faxes_at_once_over_one_trunk_and_a_third_call_is_busy() {
    let dir = Scratch::new("sim-two-at-once");
    let t0 = origin();
    let a_cfg = SipLineConfig::new("sip/a", trunk("to-b", "4930100", B_SIP), LO, A_SIP, 21000);
    let mut b_cfg = SipLineConfig::new("sip/b", trunk("to-a", "4930200", A_SIP), LO, B_SIP, 21100);
    b_cfg.t38_policy = T38Policy::Immediately;
    let mut a = SipTrunk::engine(a_cfg, 3, t0).expect("trunk A");
    let mut b = SipTrunk::engine(b_cfg, 2, t0).expect("trunk B");
    let mut w = World::new(jittery());
    let (a_lines, b_lines) = (a.lines(), b.lines());
    let mut senders: Vec<FaxEnd<SharedSipLine>> = a_lines
        .iter()
        .take(2)
        .map(|l| FaxEnd::new(l.clone()))
        .collect();
    let mut receivers: Vec<FaxEnd<SharedSipLine>> = (b_lines.iter().enumerate())
        .map(|(i, l)| {
            FaxEnd::receiver(
                l.clone(),
                dir.join(format!("rx-{i}.tif")),
                options(true, false),
            )
        })
        .collect();
    let numbers = ["4930201", "4930202"];
    let sources: Vec<Vec<BilevelPage>> = (0..2).map(|i| pages(600 + 100 * i as u64)).collect();
    for (i, n) in numbers.iter().enumerate() {
        let document = PageSource::Pages {
            pages: sources[i].clone(),
            spool: dir.join(format!("spool-a-{i}")),
        };
        senders[i].dial(n, FaxRole::Send(document), options(true, true), t0);
    }
    let mut third = a_lines[2].clone();
    let (mut third_call, mut third_cause) = (None, None);
    for k in 0u64.. {
        let now = w.clock.tick();
        assert!(now - t0 < Duration::from_secs(300), "no end in 300 s");
        a.tick(now);
        b.tick(now);
        for leg in senders.iter_mut().chain(receivers.iter_mut()) {
            leg.step(now);
            match &leg.end {
                None => {}
                Some(CallEnd::Fax(o)) if o.success => {}
                Some(end) => panic!("the call to {:?} ended early: {end:?}", leg.number),
            }
            assert_eq!(leg.refused, 0, "a second call on a busy channel");
        }
        let b_full = receivers.iter().all(|l| l.fax.is_some());
        if b_full && third_call.is_none() && k > 100 {
            third_call = Some(
                third
                    .dial("4930203", MediaKind::Audio, now)
                    .expect("dial 3"),
            );
        }
        while let Some(ev) = third.poll_event() {
            if let LineEvent::HungUp { cause, .. } = ev {
                third_cause = Some(cause);
            }
        }
        exchange(&mut w.net, now, &mut [&mut a, &mut b]);
        let over = senders.iter().chain(&receivers).all(|l| l.end.is_some());
        if over && a.is_idle() && b.is_idle() {
            break;
        }
    }
    assert_eq!(
        third_cause,
        Some(HangupCause::UserBusy),
        "the third call is refused busy"
    );
    assert_eq!(b.stats().busy_refused, 1, "{:?}", b.stats());
    for (j, rx) in receivers.iter().enumerate() {
        let number = rx.number.clone().expect("called number");
        let i = (senders.iter())
            .position(|l| l.number.as_deref() == Some(number.as_str()))
            .expect("a sender called this number");
        let t = senders[i].outcome().expect("the sender's outcome");
        let r = rx.outcome().expect("the receiver's outcome");
        assert!(t.success && r.success, "{number}: {t:?} / {r:?}");
        let got = fax_t30::tiff::read_tiff_file(dir.join(format!("rx-{j}.tif"))).unwrap();
        assert_eq!(got.len(), 2, "{number}: pages received");
        for (p, (g, s)) in got.iter().zip(&sources[i]).enumerate() {
            assert_eq!(
                g.decode().unwrap().data(),
                s.data(),
                "{number}: page {} is not the page of the call to it",
                p + 1
            );
        }
        assert_eq!(rx.kinds, vec![MediaKind::Audio, MediaKind::T38]);
    }
    let mut called: Vec<_> = receivers
        .iter()
        .map(|l| l.number.clone().unwrap())
        .collect();
    called.sort();
    assert_eq!(called, numbers, "one call per channel");
    assert!(b_lines.iter().all(|l| l.with(|l| l.stats().udptl_in > 50)));
}

/// Header `name` of a SIP message text (first occurrence).
fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    msg.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// A final answer to a request text, as a scripted far end writes it.
fn answer(m: &str, code: &str) -> String {
    let h = |k: &str| header(m, k).unwrap_or_default().to_string();
    format!(
        "SIP/2.0 {code}\r\nVia: {}\r\nFrom: {}\r\nTo: {};tag=peer1\r\nCall-ID: {}\r\n\
         CSeq: {}\r\nContent-Length: 0\r\n\r\n",
        h("Via"),
        h("From"),
        h("To"),
        h("Call-ID"),
        h("CSeq"),
    )
}

/// Keep-alive and hold-down are the trunk's: three channels send one
/// OPTIONS per interval between them, a call refused 503 on one channel
/// holds every channel of the trunk down for `hold_down`, after which they
/// come back; a far end that stops answering takes the trunk down after
/// three missed keep-alives, and its first answer brings it back.
#[test]
fn keepalive_and_hold_down_belong_to_the_trunk() {
    let far = addr(5077);
    let mut cfg = SipLineConfig::new("sip/ka", trunk("ka", "4930400", 5077), LO, 5076, 21240);
    cfg.keepalive = Some(Duration::from_millis(300));
    cfg.hold_down = Duration::from_secs(10);
    let mut w = World::new(NetImpairments::CLEAN);
    let t0 = w.clock.now();
    let mut t = SipTrunk::engine(cfg, 3, t0).expect("trunk");
    let mut back_seen = false;
    let mut lines = t.lines();
    let (mut options, mut invites) = (0, 0);
    let mut failed = None;
    let mut silent = false;
    let mut down_at = None;
    let mut held_until = None;
    for k in 0..(130 * 50) {
        let now = w.clock.tick();
        t.tick(now);
        for m in exchange(&mut w.net, now, &mut [&mut t]) {
            assert_eq!(m.to, far);
            let text = String::from_utf8_lossy(&m.bytes).to_string();
            let reply = if text.starts_with("OPTIONS ") {
                options += 1;
                (!silent).then(|| answer(&text, "200 OK"))
            } else if text.starts_with("INVITE ") {
                invites += 1;
                Some(answer(&text, "503 Service Unavailable"))
            } else {
                None
            };
            if let Some(r) = reply {
                let back = Transmit {
                    from: far,
                    to: m.from,
                    bytes: r.into_bytes(),
                };
                w.net.send(back, now);
            }
        }
        // After 1.5 s of keep-alives: a call on channel 2, refused 503.
        if k == 75 {
            assert!(
                (4..=6).contains(&options),
                "one OPTIONS per 300 ms for the trunk, not per channel: {options} in 1.5 s"
            );
            assert!(lines.iter().all(|l| l.is_available()));
            lines[1]
                .dial("4930500", MediaKind::Audio, now)
                .expect("dial");
        }
        while let Some(ev) = lines[1].poll_event() {
            if let LineEvent::HungUp { cause, .. } = ev {
                failed = Some(cause);
                held_until = Some(now + Duration::from_secs(10));
            }
        }
        if let Some(until) = held_until.filter(|_| k < 15 * 50) {
            let all_down = lines.iter().all(|l| !l.is_available());
            let all_up = lines.iter().all(|l| l.is_available());
            if now + Duration::from_millis(40) < until {
                assert!(all_down, "held down at {:?}", now - t0);
            } else if now > until + Duration::from_millis(40) {
                assert!(all_up, "back after the hold-down at {:?}", now - t0);
                back_seen = true;
            }
        }
        // At 15 s the far end stops answering; once the trunk is down
        // it answers again.
        if k == 15 * 50 {
            silent = true;
        }
        if silent && down_at.is_none() && t.trunk_up() == Some(false) {
            down_at = Some(now);
            assert!(lines.iter().all(|l| !l.is_available()));
            silent = false;
        }
    }
    assert_eq!(invites, 1);
    assert!(failed.is_some(), "the 503 ended the call");
    assert!(
        back_seen,
        "the hold-down ended before the far end fell silent"
    );
    let down = down_at.expect("three missed keep-alives took the trunk down") - t0;
    // Three OPTIONS unanswered in a row, each timing out after 64·T1 =
    // 32 s on UDP: down about 96 s after the far end fell silent.
    assert!(
        down > Duration::from_secs(15 + 90) && down < Duration::from_secs(15 + 100),
        "down at {down:?}"
    );
    assert_eq!(t.trunk_up(), Some(true), "the first answer brought it back");
    assert!(lines.iter().all(|l| l.is_available()));
}

/// Registration is the trunk's: a trunk of three channels sends ONE
/// REGISTER dialog (retransmissions of it, one Call-ID), its channels are
/// unavailable until the registrar says 200, and all of them are available
/// after. The registrar is scripted by the test.
#[test]
fn a_trunk_of_three_channels_registers_once_and_its_channels_follow_it() {
    let registrar = addr(5075);
    let mut cfg = SipLineConfig::new("sip/reg", trunk("reg", "4930300", 5075), LO, 5074, 21200);
    cfg.trunk.mode = line_drivers::sip::TrunkMode::Register {
        registrar: registrar.to_string(),
        expires: 600,
    };
    let mut w = World::new(NetImpairments::CLEAN);
    let t0 = w.clock.now();
    let mut t = SipTrunk::engine(cfg, 3, t0).expect("trunk");
    let lines = t.lines();
    let mut call_ids = std::collections::BTreeSet::new();
    let mut registers = 0;
    let mut answered = false;
    let mut registered_at = None;
    for k in 0..300 {
        let now = w.clock.tick();
        t.tick(now);
        for m in exchange(&mut w.net, now, &mut [&mut t]) {
            assert_eq!(m.to, registrar);
            let text = String::from_utf8_lossy(&m.bytes).to_string();
            assert!(text.starts_with("REGISTER "), "{text}");
            registers += 1;
            call_ids.insert(header(&text, "Call-ID").unwrap().to_string());
            // 2 s without an answer (retransmissions, T1 = 500 ms), then
            // the next one is answered 200.
            if k < 100 || answered {
                continue;
            }
            let h = |k: &str| header(&text, k).unwrap_or_default().to_string();
            let ok = format!(
                "SIP/2.0 200 OK\r\nVia: {}\r\nFrom: {}\r\nTo: {};tag=reg1\r\nCall-ID: {}\r\n\
                 CSeq: {}\r\nContact: {};expires=600\r\nContent-Length: 0\r\n\r\n",
                h("Via"),
                h("From"),
                h("To"),
                h("Call-ID"),
                h("CSeq"),
                h("Contact"),
            );
            let back = Transmit {
                from: registrar,
                to: m.from,
                bytes: ok.into_bytes(),
            };
            w.net.send(back, now);
            answered = true;
        }
        if k < 100 {
            assert!(
                lines.iter().all(|l| !l.is_available()),
                "not registered yet"
            );
        }
        if k == 100 {
            assert!(registers >= 2, "retransmitted: {registers}");
            assert_eq!(t.is_registered(now), Some(false));
        }
        if registered_at.is_none() && t.is_registered(now) == Some(true) {
            registered_at = Some(now);
            assert!(
                lines.iter().all(|l| l.is_available()),
                "registered: every channel"
            );
        }
    }
    assert!(registered_at.is_some(), "registered after the 200");
    assert_eq!(
        call_ids.len(),
        1,
        "one REGISTER dialog for three channels: {call_ids:?}"
    );
    assert!(lines.iter().all(|l| l.is_available()));
}
