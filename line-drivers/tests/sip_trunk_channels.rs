//! One SIP trunk, N channels: two trunks of ours on loopback (static peers
//! of each other), each with ONE signalling address. Trunk A (3 channels)
//! places two fax calls at once to trunk B (2 channels) to two different
//! numbers; B's trunk gets both INVITEs on its one port and hands each to a
//! channel by Call-ID; every later message of each call (ACK, re-INVITE to
//! T.38 or not, BYE) must reach the same channel. Each call sends its own
//! page pattern, and each receiving channel must get the pages of the call
//! to its number, bit for bit. While both are up, A's third channel dials
//! B: B has no free channel and answers 486 itself (A sees UserBusy).
//!
//! Runs in real time over real sockets (under `scripts/netns-run` in CI, so
//! the ports do not clash): SIP 5070-5077, RTP/UDPTL 21000-21251.

mod sip_common;

use std::time::Duration;

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{FaxOptions, PageSource};
use line_drivers::sip::{SharedSipLine, SipLineConfig, SipTrunk, T38Policy};
use line_drivers::{CallEnd, FaxRole, HangupCause, Line, LineEvent, MediaKind};
use sip_common::{trunk, FaxEnd, LO};
use test_kit::{wall, Scratch};

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

fn options(sender: bool) -> FaxOptions {
    FaxOptions {
        ecm: true,
        calling_party: sender,
        ident: if sender { "TRUNK A" } else { "TRUNK B" }.into(),
        ..Default::default()
    }
}

#[test]
fn two_faxes_at_once_over_one_trunk_and_a_third_call_is_busy() {
    let dir = Scratch::new("two-at-once");
    let (a_sip, b_sip) = (5070, 5071);
    let t0 = wall();
    let a_cfg = SipLineConfig::new("sip/a", trunk("to-b", "4930100", b_sip), LO, a_sip, 21000);
    let mut b_cfg = SipLineConfig::new("sip/b", trunk("to-a", "4930200", a_sip), LO, b_sip, 21100);
    // B re-INVITEs each call to T.38 as soon as it is up: two re-INVITE
    // transactions in flight on one signalling address.
    b_cfg.t38_policy = T38Policy::Immediately;
    let a = SipTrunk::bind(a_cfg, 3, t0).expect("bind trunk A");
    let b = SipTrunk::bind(b_cfg, 2, t0).expect("bind trunk B");
    let a_lines = a.lines();
    let b_lines = b.lines();
    assert_eq!(a_lines.len(), 3);
    assert_eq!(a_lines[1].id().0, "sip/a/2");
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
    // Both dialled in the same tick: B reads both INVITEs in one batch.
    for (i, n) in numbers.iter().enumerate() {
        let document = PageSource::Pages {
            pages: sources[i].clone(),
            spool: dir.join(format!("spool-a-{i}")),
        };
        senders[i].dial(n, FaxRole::Send(document), options(true), t0);
    }
    let mut third = a_lines[2].clone();
    let mut third_call = None;
    let mut third_cause = None;
    let mut k = 0u64;
    loop {
        let now = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        assert!(
            now - t0 < Duration::from_secs(300),
            "faxes did not finish in 300 s"
        );
        a.tick(now);
        b.tick(now);
        for leg in senders.iter_mut().chain(receivers.iter_mut()) {
            leg.step(now);
            // A call that ends before its fax did (refused busy, sent to
            // the wrong channel) fails the test at once.
            match &leg.end {
                None => {}
                Some(CallEnd::Fax(o)) if o.success => {}
                Some(end) => panic!("the call to {:?} ended early: {end:?}", leg.number),
            }
            assert_eq!(leg.refused, 0, "a second call on a busy channel");
        }
        // Both of B's channels carry a call: a third INVITE is refused.
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
        let over = senders.iter().chain(&receivers).all(|l| l.end.is_some());
        if over && a.is_idle() && b.is_idle() {
            break;
        }
        k += 1;
    }
    assert_eq!(
        third_cause,
        Some(HangupCause::UserBusy),
        "a third call on a full trunk is refused busy"
    );
    assert_eq!(b.stats().busy_refused, 1, "{:?}", b.stats());
    // Each receiving channel got the pages of the call to its number.
    for (j, rx) in receivers.iter().enumerate() {
        let number = rx.number.clone().expect("called number");
        let i = (senders.iter())
            .position(|l| l.number.as_deref() == Some(number.as_str()))
            .expect("a sender called this number");
        let t = senders[i].outcome().expect("the sender's outcome");
        let r = rx.outcome().expect("the receiver's outcome");
        assert!(t.success && r.success, "{number}: {t:?} / {r:?}");
        assert_eq!(t.pages_confirmed, 2);
        let got = fax_t30::tiff::read_tiff_file(dir.join(format!("rx-{j}.tif"))).unwrap();
        assert_eq!(got.len(), 2, "{number}: pages received");
        for (i, (g, s)) in got.iter().zip(&sources[i]).enumerate() {
            assert_eq!(
                g.decode().unwrap().data(),
                s.data(),
                "{number}: page {} is not the page of the call to it",
                i + 1
            );
        }
        // Whichever end finished T.30 first hung up: the other heard it.
        let heard = [senders[i].remote_cause, rx.remote_cause];
        assert!(
            heard.contains(&Some(HangupCause::NormalClearing)),
            "{number}: {heard:?}"
        );
        assert_eq!(rx.kinds, vec![MediaKind::Audio, MediaKind::T38]);
    }
    let mut called: Vec<_> = receivers
        .iter()
        .map(|l| l.number.clone().unwrap())
        .collect();
    called.sort();
    assert_eq!(called, numbers, "one call per channel");
    assert!(a.is_idle() && b.is_idle());
    assert!(b_lines.iter().all(|l| l.with(|l| l.stats().udptl_in > 50)));
}

/// Header `name` of a SIP message text (first occurrence).
fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    msg.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Registration is the trunk's: a trunk of three channels sends ONE
/// REGISTER dialog (retransmissions of it, one Call-ID), its channels are
/// unavailable until the registrar says 200, and all of them are
/// available after. The registrar is a plain UDP socket played by the test.
#[test]
fn a_trunk_of_three_channels_registers_once_and_its_channels_follow_it() {
    use std::net::UdpSocket;
    let registrar = UdpSocket::bind("127.0.0.1:5075").unwrap();
    registrar.set_nonblocking(true).unwrap();
    let mut cfg = SipLineConfig::new("sip/reg", trunk("reg", "4930300", 5075), LO, 5074, 21200);
    cfg.trunk.mode = line_drivers::sip::TrunkMode::Register {
        registrar: "127.0.0.1:5075".into(),
        expires: 600,
    };
    let t0 = wall();
    let t = SipTrunk::bind(cfg, 3, t0).expect("bind");
    let lines = t.lines();
    let mut call_ids = std::collections::BTreeSet::new();
    let mut registers = 0;
    let mut buf = [0u8; 4096];
    // 2 s without an answer: the REGISTER is retransmitted (T1 = 500 ms).
    for k in 0..100u64 {
        let now = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        t.tick(now);
        while let Ok((n, _)) = registrar.recv_from(&mut buf) {
            let m = String::from_utf8_lossy(&buf[..n]).to_string();
            assert!(m.starts_with("REGISTER "), "{m}");
            registers += 1;
            call_ids.insert(header(&m, "Call-ID").unwrap().to_string());
        }
        assert!(
            lines.iter().all(|l| !l.is_available()),
            "not registered yet"
        );
    }
    assert!(registers >= 2, "retransmitted: {registers}");
    assert_eq!(call_ids.len(), 1, "one REGISTER dialog for three channels");
    assert_eq!(t.is_registered(t0 + Duration::from_secs(2)), Some(false));
    // The registrar answers the next retransmission 200.
    let mut answered = false;
    for k in 100..300u64 {
        let now = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        t.tick(now);
        while let Ok((n, from)) = registrar.recv_from(&mut buf) {
            let m = String::from_utf8_lossy(&buf[..n]).to_string();
            call_ids.insert(header(&m, "Call-ID").unwrap().to_string());
            if answered {
                continue;
            }
            let h = |k: &str| header(&m, k).unwrap_or_default().to_string();
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
            registrar.send_to(ok.as_bytes(), from).unwrap();
            answered = true;
        }
        if answered && t.is_registered(now) == Some(true) {
            assert!(
                lines.iter().all(|l| l.is_available()),
                "registered: every channel"
            );
            assert_eq!(call_ids.len(), 1, "{call_ids:?}");
            return;
        }
    }
    panic!("not registered after the 200 (answered: {answered})");
}

/// A 200 (or other final) answer to a request text, as a peer writes it.
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
/// OPTIONS per interval between them (not one each), and a call that fails
/// as a trunk failure (503) on one channel takes every channel of the
/// trunk out of new calls. The peer is a plain UDP socket.
#[test]
fn keepalive_and_hold_down_belong_to_the_trunk() {
    use std::net::UdpSocket;
    let peer = UdpSocket::bind("127.0.0.1:5077").unwrap();
    peer.set_nonblocking(true).unwrap();
    let mut cfg = SipLineConfig::new("sip/ka", trunk("ka", "4930400", 5077), LO, 5076, 21240);
    cfg.keepalive = Some(Duration::from_millis(300));
    let t0 = wall();
    let t = SipTrunk::bind(cfg, 3, t0).expect("bind");
    let mut lines = t.lines();
    let mut options = 0;
    let mut invites = 0;
    let mut failed = None;
    let mut buf = [0u8; 4096];
    for k in 0..150u64 {
        let now = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        t.tick(now);
        while let Ok((n, from)) = peer.recv_from(&mut buf) {
            let m = String::from_utf8_lossy(&buf[..n]).to_string();
            if m.starts_with("OPTIONS ") {
                options += 1;
                peer.send_to(answer(&m, "200 OK").as_bytes(), from).unwrap();
            } else if m.starts_with("INVITE ") {
                invites += 1;
                peer.send_to(answer(&m, "503 Service Unavailable").as_bytes(), from)
                    .unwrap();
            }
        }
        // After 1.5 s of keep-alives: a call on channel 2, refused 503.
        if k == 75 {
            assert!(
                (3..=7).contains(&options),
                "one OPTIONS per 300 ms for the trunk, not per channel: {options} in 1.5 s"
            );
            assert!(lines.iter().all(|l| l.is_available()));
            lines[1]
                .dial("4930500", line_drivers::MediaKind::Audio, now)
                .expect("dial");
        }
        while let Some(ev) = lines[1].poll_event() {
            if let LineEvent::HungUp { cause, .. } = ev {
                failed = Some(cause);
            }
        }
    }
    assert_eq!(invites, 1);
    assert!(failed.is_some(), "the 503 ended the call");
    assert!(
        lines.iter().all(|l| !l.is_available()),
        "a trunk failure holds every channel of the trunk down"
    );
    assert!(t.stats().keepalives_answered >= 3, "{:?}", t.stats());
}
