//! Media keep-alives (issue 17, NAT): a call whose media is silent (nothing
//! sent by the owner: hold, or a T.38 phase without pages) sends an RTP
//! packet of an unnegotiated payload type (RFC 6263 §4.6) or an empty UDPTL
//! datagram (RFC 6263 §4.1) every `media_keepalive`, which holds a NAT
//! binding; the far line takes them as no media (no audio heard, no T.38
//! packet, the T.38 switch not fooled). Two of our lines on loopback, on a
//! simulated clock (20 ms of call time per step, a millisecond of real time
//! for the datagrams).
//!
//! Ports: SIP 41900-41901, RTP/UDPTL 41910-41913 and 41920-41923.

use std::time::{Duration, Instant};

use line_drivers::sip::{SipLine, SipLineConfig, T38Policy, TrunkConfig};
use line_drivers::{Line, LineEvent, Media, MediaKind};

fn pair(policy: T38Policy) -> (SipLine, SipLine, Instant) {
    let ip = "127.0.0.1".parse().unwrap();
    let mut a = SipLineConfig::new(
        "sip/a",
        TrunkConfig::static_peer("b", "127.0.0.1:41901", "100"),
        ip,
        41900,
        41910,
    );
    let mut b = SipLineConfig::new(
        "sip/b",
        TrunkConfig::static_peer("a", "127.0.0.1:41900", "200"),
        ip,
        41901,
        41920,
    );
    a.media_keepalive = Some(Duration::from_millis(500));
    a.t38_policy = T38Policy::Never;
    b.t38_policy = policy;
    // No fallback to G.711 inside the test's few seconds without pages.
    a.t38_packet_timeout = Duration::from_secs(30);
    b.t38_packet_timeout = Duration::from_secs(30);
    let t0 = test_kit::origin();
    (
        SipLine::bind(a, t0).expect("bind a"),
        SipLine::bind(b, t0).expect("bind b"),
        t0,
    )
}

/// Steps both lines for `d`; B answers; returns what B's owner got
/// (audio frames that were not silence, T.38 packets) and its media changes.
fn run(a: &mut SipLine, b: &mut SipLine, now: &mut Instant, d: Duration) -> (usize, usize) {
    let (mut loud, mut ifp) = (0, 0);
    let end = *now + d;
    while *now < end {
        *now += Duration::from_millis(20);
        a.tick(*now);
        b.tick(*now);
        while let Some(ev) = a.poll_event() {
            if let LineEvent::HungUp { cause, .. } = ev {
                panic!("A hung up: {cause:?}");
            }
        }
        while let Some(ev) = b.poll_event() {
            match ev {
                LineEvent::Incoming { call, .. } => b.answer(call, *now).expect("answer"),
                LineEvent::Media {
                    media: Media::Audio(f),
                    ..
                } if f.iter().any(|s| s.unsigned_abs() > 64) => loud += 1,
                LineEvent::Media {
                    media: Media::T38(_),
                    ..
                } => ifp += 1,
                LineEvent::HungUp { cause, .. } => panic!("B hung up: {cause:?}"),
                _ => {}
            }
        }
        while b.poll_media_change().is_some() {}
        while a.poll_media_change().is_some() {}
        std::thread::sleep(Duration::from_millis(1));
    }
    (loud, ifp)
}

#[test]
fn silent_audio_sends_rtp_keepalives_the_far_end_ignores() {
    let (mut a, mut b, t0) = pair(T38Policy::Never);
    let mut now = t0;
    a.dial("200", MediaKind::Audio, now).expect("dial");
    run(&mut a, &mut b, &mut now, Duration::from_secs(1));
    assert_eq!(a.media_kind(), Some(MediaKind::Audio), "the call is up");
    // On hold: A's owner sends nothing for 3 s.
    let (sent, got) = (a.stats().media_keepalives, b.stats().rtp_in);
    let (loud, _) = run(&mut a, &mut b, &mut now, Duration::from_secs(3));
    let sent = a.stats().media_keepalives - sent;
    let got = b.stats().rtp_in - got;
    assert!((5..=7).contains(&sent), "one every 500 ms: {sent}");
    assert!(got >= sent, "they reached B: {got} of {sent}");
    assert_eq!(loud, 0, "B's owner heard nothing of them");
    // Audio sent holds them off.
    let before = a.stats().media_keepalives;
    let id = line_drivers::CallId(1);
    for _ in 0..100 {
        now += Duration::from_millis(20);
        a.send(id, Media::Audio([0; 160]), now).expect("send");
        a.tick(now);
        b.tick(now);
    }
    assert_eq!(a.stats().media_keepalives, before, "none while audio flows");
}

#[test]
fn a_silent_t38_phase_sends_empty_udptl_datagrams() {
    // B asks for T.38 as soon as the call is up; nobody sends a page.
    let (mut a, mut b, t0) = pair(T38Policy::Immediately);
    let mut now = t0;
    a.dial("200", MediaKind::Audio, now).expect("dial");
    run(&mut a, &mut b, &mut now, Duration::from_secs(1));
    assert_eq!(a.media_kind(), Some(MediaKind::T38), "switched to T.38");
    let (sent, got) = (a.stats().media_keepalives, b.stats().udptl_in);
    let (_, ifp) = run(&mut a, &mut b, &mut now, Duration::from_secs(3));
    let sent = a.stats().media_keepalives - sent;
    let got = b.stats().udptl_in - got;
    assert!((5..=7).contains(&sent), "one every 500 ms: {sent}");
    assert!(got >= sent, "they reached B: {got} of {sent}");
    assert_eq!(ifp, 0, "no T.38 packet for B's owner");
    assert_eq!(b.media_kind(), Some(MediaKind::T38));
}
