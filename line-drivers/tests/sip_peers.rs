//! Our SIP line against a real third-party agent: baresip (through the
//! shared `peers/sip/call-dtmf.sh`) calls it and sends RFC 4733 digits,
//! which must arrive as `Media::Dtmf` in order.
//!
//! Ports: our SIP 40960, RTP 20320; baresip SIP 5082, RTP 20440-20459,
//! control TCP 20922 (the script's scheme).

use std::process::Command;
use std::time::{Duration, Instant};

use line_drivers::sip::{SipLine, SipLineConfig, T38Policy, TrunkConfig, TrunkMode};
use line_drivers::{Line, LineEvent, Media, MediaKind};

#[allow(clippy::disallowed_methods)] // driver shell: the test owns the real-time tick
fn wall() -> Instant {
    Instant::now()
}

#[test]
fn dtmf_from_baresip_arrives_as_events() {
    let trunk = TrunkConfig {
        name: "baresip".into(),
        mode: TrunkMode::StaticPeer {
            peer: "127.0.0.1:5082".into(),
        },
        proxy: None,
        outbound_proxy: None,
        user: "300".into(),
        auth_user: None,
        password: None,
        realm: None,
    };
    let mut cfg = SipLineConfig::new(
        "sip/dtmf",
        trunk,
        "127.0.0.1".parse().unwrap(),
        40960,
        20320,
    );
    cfg.t38_policy = T38Policy::Never;
    let t0 = wall();
    let mut line = SipLine::bind(cfg, t0).expect("bind");
    let mut peer = Command::new("bash")
        .arg("/work/shared/peers/sip/call-dtmf.sh")
        .arg("sip:300@127.0.0.1:40960")
        .arg("1590#*")
        .env("SIP_PORT", "5082")
        .env("FROM_USER", "555")
        .spawn()
        .expect("call-dtmf.sh");
    let mut digits = String::new();
    let mut call = None;
    let mut hung_up = false;
    let mut status = None;
    for k in 0..30 * 50u64 {
        let now = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        line.tick(now);
        while let Some(ev) = line.poll_event() {
            match ev {
                LineEvent::Incoming {
                    call: c,
                    caller,
                    called,
                    media,
                } => {
                    assert_eq!(caller.as_deref(), Some("555"));
                    assert_eq!(called, "300");
                    assert_eq!(media, MediaKind::Audio);
                    line.answer(c, now).unwrap();
                    call = Some(c);
                }
                LineEvent::Media {
                    media: Media::Dtmf(d),
                    ..
                } => digits.push(d.digit()),
                LineEvent::HungUp { .. } => hung_up = true,
                _ => {}
            }
        }
        if let Some(c) = call.filter(|_| !hung_up) {
            let _ = line.send(c, Media::Audio([0; 160]), now);
        }
        if status.is_none() {
            status = peer.try_wait().unwrap();
        }
        if status.is_some() && hung_up {
            break;
        }
    }
    assert!(status.is_some_and(|s| s.success()), "baresip's call failed");
    assert!(hung_up, "baresip's BYE reached us");
    assert_eq!(digits, "1590#*");
    assert!(line.is_idle());
}
