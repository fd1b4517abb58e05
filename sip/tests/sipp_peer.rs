//! Proof against a real third-party SIP peer: SIPp (Debian `sip-tester`)
//! running the registrar and trunk scenarios of `shared/peers/sip/`, which
//! challenge with 401 digest and verify the password. Our engines run on a
//! thin tokio UDP shell. Ports: 5070–5079 and 40600–40699 (helper `sip`).

mod support;

use std::net::{SocketAddr, UdpSocket as StdUdp};
use std::time::Duration;

use sip::auth::Credentials;
use sip::call::{InviteOutcome, OutgoingInvite};
use sip::dialog::{new_request, LocalParty};
use sip::endpoint::EndpointEvent;
use sip::register::{RegEvent, Registration, RegistrationConfig};
use sip::sdp::offer_answer::{self, AudioCodec, LocalCaps, LocalMedia, Negotiated};
use sip::sdp::SessionDescription;
use sip::wire::{self, IdGen};
use support::*;
use test_kit::{wall, Scratch};

fn reg_config(local: SocketAddr, sipp: SocketAddr, user: &str, pass: &str) -> RegistrationConfig {
    RegistrationConfig {
        registrar_uri: format!("sip:{sipp}"),
        aor: format!("sip:{user}@{sipp}"),
        contact: format!("sip:{user}@{local}"),
        via_sent_by: local.to_string(),
        transport: "UDP".into(),
        credentials: Some(Credentials {
            username: user.into(),
            password: pass.into(),
            realm: None,
        }),
        expires: 600,
        backoff: Duration::from_secs(30),
        max_backoff: Duration::from_secs(600),
    }
}

/// Registers to SIPp's digest registrar; returns our last event and SIPp's exit code.
async fn register(
    port: u16,
    sipp_port: u16,
    cport: u16,
    pass_ours: &str,
) -> (RegEvent, Option<i32>, String) {
    let dir = Scratch::new(&format!("reg{port}"));
    let child = sipp(
        "reg-auth-uas.xml",
        sipp_port,
        cport,
        40620 + port % 10 * 4,
        "fax",
        "s3cret",
        &dir,
    );
    std::thread::sleep(Duration::from_millis(500)); // let SIPp bind
    let mut shell = UdpShell::bind(port).await;
    let local = shell.local_addr();
    let registrar: SocketAddr = format!("127.0.0.1:{sipp_port}").parse().unwrap();
    let mut reg = Registration::new(
        reg_config(local, registrar, "fax", pass_ours),
        IdGen::new(port.into()),
    );
    reg.start(wall());
    let req = reg.poll_request(wall()).expect("first REGISTER");
    let mut tx = shell.ep.send_request(req, registrar, wall());
    let mut last = None;
    while let Some(ev) = shell.next_event(Duration::from_secs(15)).await {
        match ev {
            EndpointEvent::Malformed { error, .. } => eprintln!("malformed from SIPp: {error}"),
            EndpointEvent::Response { tx: t, response } if t == tx => {
                let (event, next) = reg.handle_response(&response, wall());
                if let Some(next) = next {
                    tx = shell.ep.send_request(next, registrar, wall());
                }
                if let Some(e) = event {
                    last = Some(e);
                    break;
                }
            }
            EndpointEvent::Timeout { tx: t } if t == tx => {
                last = reg.handle_timeout(wall());
                break;
            }
            _ => {}
        }
    }
    let (code, err) = wait_child(child, Duration::from_secs(20));
    (last.expect("registration outcome"), code, err)
}

#[tokio::test]
async fn registers_to_sipp_digest_registrar() {
    assert!(
        have("sipp"),
        "sipp (Debian sip-tester) is needed: scripts/setup.sh installs it"
    );
    let (event, code, err) = register(5070, 5071, 5072, "s3cret").await;
    assert_eq!(
        event,
        RegEvent::Registered { expires: 300 },
        "SIPp grants 300 s in its Contact"
    );
    assert_eq!(code, Some(0), "SIPp verified our digest: {err}");
}

#[tokio::test]
async fn wrong_password_is_refused_by_sipp_and_backs_off() {
    assert!(have("sipp"));
    let (event, code, _) = register(5076, 5077, 5078, "wrong").await;
    assert_eq!(
        event,
        RegEvent::Failed {
            code: 403,
            retry_in: Duration::from_secs(30)
        }
    );
    assert_ne!(code, Some(0), "SIPp counts the call as failed");
}

#[tokio::test]
async fn invites_sipp_trunk_with_digest_and_gets_g711_media() {
    assert!(have("sipp"));
    let dir = Scratch::new("invite");
    let capture = have("tshark").then(|| Capture::start("udp port 5073 or udp port 5075", &dir));
    let child = sipp(
        "uas-auth-answer.xml",
        5073,
        5074,
        40602,
        "fax",
        "s3cret",
        &dir,
    );
    std::thread::sleep(Duration::from_millis(500));
    let mut shell = UdpShell::bind(5075).await;
    let local_addr = shell.local_addr();
    let trunk: SocketAddr = "127.0.0.1:5073".parse().unwrap();
    // Our RTP port: SIPp plays its G.711 pcap to what our SDP offers.
    let rtp = StdUdp::bind("127.0.0.1:40610").unwrap();
    rtp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();

    let mut ids = IdGen::new(7);
    let local = LocalParty {
        via_sent_by: local_addr.to_string(),
        transport: "UDP".into(),
        contact: format!("sip:fax@{local_addr}"),
    };
    let caps = LocalCaps::default();
    let media = LocalMedia {
        address: "127.0.0.1".into(),
        audio_port: 40610,
        t38_port: 40612,
        session_id: "1".into(),
        srtp_key: None,
    };
    let offer = offer_answer::offer_audio(&media, &caps, 1);
    let invite = new_request(
        "INVITE",
        "sip:4930123@127.0.0.1:5073",
        &format!("<sip:fax@{local_addr}>"),
        "<sip:4930123@127.0.0.1:5073>",
        &local,
        &[],
        &mut ids,
        Some(("application/sdp", offer.to_bytes())),
    )
    .unwrap();
    let creds = Credentials {
        username: "fax".into(),
        password: "s3cret".into(),
        realm: Some("sipp.test".into()),
    };
    let (mut call, first) = OutgoingInvite::new(invite, local.clone(), Some(creds));
    let mut tx = shell.ep.send_request(first, trunk, wall());
    let mut dialog = None;
    let mut negotiated = None;
    let mut challenged = false;
    while let Some(ev) = shell.next_event(Duration::from_secs(15)).await {
        let EndpointEvent::Response { tx: t, response } = ev else {
            continue;
        };
        if t != tx {
            continue;
        }
        match call.handle_response(&response, &mut ids) {
            InviteOutcome::Send(next) => {
                challenged = true;
                tx = shell.ep.send_request(next, trunk, wall());
            }
            InviteOutcome::Answered {
                dialog: d,
                ack,
                response,
            } => {
                shell.ep.send_stateless(wire::to_bytes(&ack.into()), trunk);
                let answer = SessionDescription::parse(response.body()).unwrap();
                negotiated = Some(offer_answer::read_answer(&offer, &answer, &caps).unwrap());
                dialog = Some(d);
                break;
            }
            InviteOutcome::Provisional(_) => {}
            InviteOutcome::Failed { code, .. } => panic!("call failed with {code}"),
        }
    }
    assert!(challenged, "SIPp challenged the INVITE with 401");
    let mut dialog = dialog.expect("call answered");
    let Some(Negotiated::Audio {
        codec,
        telephone_event,
        port,
        ..
    }) = negotiated
    else {
        panic!("audio expected: {negotiated:?}")
    };
    assert_eq!(codec, AudioCodec::Pcma);
    assert_eq!(telephone_event, Some(101));
    assert_eq!(port, 40602);
    // Flush the ACK, then take some of SIPp's RTP on the port we offered.
    let _ = shell.next_event(Duration::from_millis(200)).await;
    let mut buf = [0u8; 2048];
    let (n, _) = rtp
        .recv_from(&mut buf)
        .expect("RTP from SIPp on our offered port");
    assert!(n >= 12 && buf[0] >> 6 == 2, "an RTP packet");
    assert_eq!(buf[1] & 0x7f, 8, "payload type 8 (PCMA)");

    let bye = dialog.request("BYE", &mut ids, None).unwrap();
    let btx = shell.ep.send_request(bye, trunk, wall());
    let mut bye_ok = false;
    while let Some(ev) = shell.next_event(Duration::from_secs(10)).await {
        if let EndpointEvent::Response { tx, response } = ev {
            if tx == btx && wire::status(&response) == 200 {
                bye_ok = true;
                break;
            }
        }
    }
    assert!(bye_ok, "BYE answered");
    let (code, err) = wait_child(child, Duration::from_secs(30));
    assert_eq!(code, Some(0), "SIPp's scenario passed: {err}");

    // tshark's dissectors decode every SIP message we sent, SDP included,
    // without a malformed-packet warning.
    let capture = capture.expect("tshark (Debian tshark) is needed: scripts/setup.sh installs it");
    let decoded = capture.stop_and_decode(
        &["udp.port==5075,sip", "udp.port==5073,sip"],
        "udp.srcport==5075",
    );
    assert!(!decoded.contains("Malformed"), "tshark: {decoded}");
    let frames = decoded.matches("\nFrame ").count() + usize::from(decoded.starts_with("Frame "));
    let sip_msgs = decoded.matches("Session Initiation Protocol (").count();
    eprintln!(
        "tshark: {frames} frames, {sip_msgs} SIP messages, {} sent",
        shell.sent.len()
    );
    assert_eq!(
        frames,
        shell.sent.len(),
        "every datagram we sent was captured"
    );
    assert_eq!(
        sip_msgs,
        shell.sent.len(),
        "and each one decodes as SIP: {decoded}"
    );
    assert!(
        decoded.contains("Session Description Protocol"),
        "the offer decodes as SDP"
    );
    assert!(
        decoded.contains("Media Format: ITU-T G.711 PCMA"),
        "{decoded}"
    );
    assert!(
        decoded.contains("Digest Authentication Response"),
        "{decoded}"
    );
}

/// The same registration over TCP: our stream framer reads SIPp's
/// responses from the connection, the endpoint runs without
/// retransmissions (reliable transport).
#[tokio::test]
async fn registers_to_sipp_over_tcp() {
    use sip::endpoint::{Endpoint, Output};
    use sip::transaction::TimerConfig;
    use sip::wire::StreamFramer;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    assert!(have("sipp"));
    let dir = Scratch::new("regtcp");
    let child = sipp_on(
        "t1",
        "reg-auth-uas.xml",
        5079,
        40690,
        40680,
        "fax",
        "s3cret",
        &dir,
    );
    let registrar: SocketAddr = "127.0.0.1:5079".parse().unwrap();
    let mut stream = None;
    for _ in 0..50 {
        if let Ok(s) = tokio::net::TcpStream::connect(registrar).await {
            stream = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut stream = stream.expect("SIPp listens on TCP");
    let local = stream.local_addr().unwrap();
    let mut cfg = reg_config(local, registrar, "fax", "s3cret");
    cfg.transport = "TCP".into();
    let mut reg = Registration::new(cfg, IdGen::new(11));
    let mut ep = Endpoint::new(true, TimerConfig::default());
    reg.start(wall());
    let mut tx = ep.send_request(reg.poll_request(wall()).unwrap(), registrar, wall());
    let mut framer = StreamFramer::new();
    let mut buf = vec![0u8; 8192];
    let mut outcome = None;
    let deadline = wall() + Duration::from_secs(15);
    while outcome.is_none() && wall() < deadline {
        while let Some(out) = ep.poll_output() {
            match out {
                Output::Transmit { bytes, .. } => stream.write_all(&bytes).await.unwrap(),
                Output::Event(EndpointEvent::Response { tx: t, response }) if t == tx => {
                    let (ev, next) = reg.handle_response(&response, wall());
                    if let Some(next) = next {
                        tx = ep.send_request(next, registrar, wall());
                    }
                    outcome = outcome.or(ev);
                }
                Output::Event(_) => {}
            }
        }
        if outcome.is_some() {
            break;
        }
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("SIPp answers")
            .unwrap();
        assert!(n > 0, "SIPp closed the connection");
        framer.push(&buf[..n]);
        while let Some(msg) = framer.next_message().expect("SIPp's stream frames") {
            ep.handle_message(registrar, msg, wall());
        }
    }
    assert_eq!(outcome, Some(RegEvent::Registered { expires: 300 }));
    let (code, err) = wait_child(child, Duration::from_secs(20));
    assert_eq!(code, Some(0), "SIPp verified our digest over TCP: {err}");
}
