//! Our SIP line against a real third-party agent: baresip (through the
//! shared `peers/sip/call-dtmf.sh`) calls it and sends RFC 4733 digits,
//! which must arrive as `Media::Dtmf` in order.
//!
//! Ports: our SIP 40960, RTP 20320; baresip SIP 5082, RTP 20440-20459,
//! control TCP 20922 (the script's scheme).

use std::process::Command;
use std::time::Duration;

use line_drivers::sip::{SipLine, SipLineConfig, T38Policy, TrunkConfig, TrunkMode};
use line_drivers::{Line, LineEvent, Media, MediaKind};
use test_kit::{wall, Scratch};

#[test]
fn dtmf_from_baresip_arrives_as_events() {
    let trunk = TrunkConfig::static_peer("baresip", "127.0.0.1:5082", "300");
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
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/peers/sip/call-dtmf.sh"
        ))
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
    if status.is_none() {
        let _ = peer.kill();
    }
    let _ = peer.wait();
    assert!(status.is_some_and(|s| s.success()), "baresip's call failed");
    assert!(hung_up, "baresip's BYE reached us");
    assert_eq!(digits, "1590#*");
    assert!(line.is_idle());
}

/// Registers to SIPp's digest registrar (`peers/sip/reg-auth-uas.xml`,
/// which answers 401, then checks the digest with the password it was
/// given); with the wrong password SIPp refuses and the line reports it.
fn register_to_sipp(
    pass: &str,
    sipp_port: u16,
    our_port: u16,
) -> (Option<line_drivers::sip::RegEvent>, Option<i32>) {
    let dir = Scratch::new(&format!("reg{sipp_port}"));
    let scenario = dir.join("reg-auth-uas.xml");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/peers/sip/reg-auth-uas.xml"
        ),
        &scenario,
    )
    .unwrap();
    let mut sipp = Command::new("sipp")
        .arg("-sf")
        .arg(&scenario)
        .args(["-i", "127.0.0.1", "-p", &sipp_port.to_string()])
        .args(["-mp", &(20480 + (sipp_port - 5084) * 4).to_string()])
        .args(["-cp", &(sipp_port + 1).to_string(), "-t", "u1"])
        .args(["-m", "1", "-timeout", "20s", "-timeout_error", "-nostdin"])
        .args(["-set", "user", "fax", "-set", "pass", "s3cret"])
        .current_dir(&dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("sipp (Debian sip-tester) runs");
    std::thread::sleep(Duration::from_millis(500));
    let trunk = TrunkConfig {
        name: "sipp".into(),
        mode: TrunkMode::Register {
            registrar: format!("127.0.0.1:{sipp_port}"),
            expires: 600,
        },
        proxy: None,
        outbound_proxy: None,
        user: "fax".into(),
        auth_user: None,
        password: Some(pass.into()),
        realm: None,
    };
    let cfg = SipLineConfig::new(
        "sip/reg",
        trunk,
        "127.0.0.1".parse().unwrap(),
        our_port,
        20360 + our_port % 10 * 4,
    );
    let t0 = wall();
    let mut line = SipLine::bind(cfg, t0).expect("bind");
    let mut code = None;
    for k in 0..25 * 50u64 {
        let now = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        line.tick(now);
        if code.is_none() {
            if let Some(st) = sipp.try_wait().unwrap() {
                code = st.code();
            }
        }
        if line.registration_event().is_some() && code.is_some() {
            break;
        }
    }
    if code.is_none() {
        let _ = sipp.kill();
    }
    let _ = sipp.wait();
    (line.registration_event(), code)
}

#[test]
fn registers_to_sipp_with_digest() {
    let (event, code) = register_to_sipp("s3cret", 5084, 40980);
    assert_eq!(
        event,
        Some(line_drivers::sip::RegEvent::Registered { expires: 300 })
    );
    assert_eq!(code, Some(0), "SIPp checked our digest");
}

#[test]
fn wrong_password_is_reported() {
    let (event, _code) = register_to_sipp("wrong", 5086, 40982);
    assert!(
        matches!(
            event,
            Some(line_drivers::sip::RegEvent::Failed {
                code: 401 | 403,
                ..
            })
        ),
        "{event:?}"
    );
}
