//! A SIP trunk's logic on the simulated network ([`line_drivers::sim_net`]):
//! trunks of ours (engines without sockets) on simulated time. Call-ID
//! routing and the channel limit (two faxes at once over one trunk, a third
//! call busy), keep-alive and hold-down against a scripted far end,
//! registration once per trunk, and an engine driven only at the deadlines
//! it reports.

mod sip_common;

use std::time::Duration;

use fax_t30::page::BilevelPage;
use fax_t30::{FaxOptions, PageSource};
use line_drivers::sim_net::{exchange, NetImpairments, Transmit};
use line_drivers::sip::{SharedSipLine, SipLineConfig, SipTrunk, T38Policy};
use line_drivers::{CallEnd, FaxRole, HangupCause, Line, LineEvent, MediaKind};
use sip_common::{addr, answer, header, pages, register_ok, trunk, FaxEnd, World, LO};
use test_kit::{origin, Scratch};

const A_SIP: u16 = 5060;
const B_SIP: u16 = 5062;

fn options(sender: bool) -> FaxOptions {
    sip_common::fax_options(true, sender, "TRUNK")
}

/// Two frames of delay and 10 ms of jitter each way.
fn jittery() -> NetImpairments {
    sip_common::delayed(2, 10, 13)
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
        .map(|(i, l)| FaxEnd::receiver(l.clone(), dir.join(format!("rx-{i}.tif")), options(false)))
        .collect();
    let numbers = ["4930201", "4930202"];
    let sources: Vec<Vec<BilevelPage>> = (0..2).map(|i| pages(600 + 100 * i as u64)).collect();
    for (i, n) in numbers.iter().enumerate() {
        let document = PageSource::Pages {
            pages: sources[i].clone(),
            spool: dir.join(format!("spool-a-{i}")),
        };
        senders[i].dial(n, FaxRole::Send(document), options(true), t0);
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
            let ok = register_ok(&text);
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
            let ok = register_ok(&text);
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
