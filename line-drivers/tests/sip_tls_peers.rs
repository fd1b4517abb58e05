//! SIP over TLS with SRTP against third-party peers (issue 17): Kamailio
//! from Debian as TLS registrar and proxy with digest auth (configured by
//! the test, its certificate from a CA the test made with openssl), and
//! baresip calling through it over TLS with SRTP (SDES). tshark watches
//! loopback.
//!
//! Our trunk registers over TLS (answering Kamailio's digest challenge)
//! and has no certificate of its own: calls from Kamailio can only reach
//! it over the connection it opened (RFC 5923 `alias`). Kamailio refuses
//! an INVITE whose offer has no SRTP (488): a provider that requires TLS
//! and SRTP.
//!
//! Real time, one short call per test (about 5-10 s each).

mod sip_common;
mod sip_tls_kit;

use std::time::{Duration, Instant};

use line_drivers::sip::{
    CrlfKeepAlive, SipLine, SipLineConfig, SipTlsConfig, SipTransport, TrunkConfig,
};
use line_drivers::{CallProgress, HangupCause, Line, LineEvent, Media, MediaKind};
use sip::sdp::crypto::SrtpPolicy;
use sip::trunk::TrunkMode;
use sip_tls_kit::*;
use test_kit::{wall, Scratch};

const LO: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
/// Our trunk's SIP (TLS) port and first RTP port.
const OUR_SIP: u16 = 5070;
const OUR_RTP: u16 = 20100;

/// Our trunk registering to Kamailio over TLS as 4930100.
fn our_line(pki: &Pki, srtp: SrtpPolicy, tweak: impl FnOnce(&mut SipLineConfig)) -> SipLine {
    let mut trunk = TrunkConfig::static_peer("kamailio", "", TRUNK_USER);
    trunk.mode = TrunkMode::Register {
        registrar: format!("127.0.0.1:{PROXY_PORT}"),
        expires: 300,
    };
    trunk.password = Some(PASSWORD.into());
    let mut cfg = SipLineConfig::new("sip/tls", trunk, LO, OUR_SIP, OUR_RTP);
    cfg.transport = SipTransport::Tls;
    cfg.tls = SipTlsConfig {
        ca_file: Some(pki.ca.clone()),
        server_name: Some("proxy.test".into()),
        cert: None,
        key: None,
    };
    cfg.media.srtp = srtp;
    cfg.media.t38 = None;
    tweak(&mut cfg);
    SipLine::bind(cfg, wall()).expect("bind our TLS line")
}

/// Ticks `line` every 20 ms until `done` says so or `secs` pass; returns
/// the events (media frames left out, audio appended to `heard`) and the
/// log lines.
struct Run {
    events: Vec<LineEvent>,
    heard: Vec<i16>,
    notices: Vec<String>,
    refusals: Vec<String>,
}

fn drive(
    line: &mut SipLine,
    secs: u64,
    mut step: impl FnMut(&mut SipLine, &Run, Instant) -> bool,
) -> Run {
    let mut run = Run {
        events: Vec::new(),
        heard: Vec::new(),
        notices: Vec::new(),
        refusals: Vec::new(),
    };
    let t0 = wall();
    for k in 0..secs * 50 {
        let now = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        line.tick(now);
        while let Some(ev) = line.poll_event() {
            match ev {
                LineEvent::Media {
                    media: Media::Audio(f),
                    ..
                } => run.heard.extend_from_slice(&f),
                LineEvent::Media { .. } => {}
                ev => run.events.push(ev),
            }
        }
        while let Some(n) = line.poll_notice() {
            eprintln!("notice: {n}");
            run.notices.push(n);
        }
        while let Some(r) = line.poll_refusal() {
            eprintln!("refusal: {r}");
            run.refusals.push(r);
        }
        if step(line, &run, now) {
            break;
        }
    }
    run
}

fn registered(line: &mut SipLine, kam: &Kamailio) {
    let r = drive(line, 15, |l, _, now| l.is_registered(now) == Some(true));
    assert!(
        line.is_registered(wall()) == Some(true),
        "not registered: {:?} {:?}\n{}",
        line.registration_event(),
        r.notices,
        kam.log()
    );
}

#[test]
fn registers_over_tls_and_takes_a_voicemail_from_baresip_over_tls_and_srtp() {
    let dir = Scratch::new("sip-tls-kamailio");
    let pki = pki(dir.path());
    let speech = speech_wav(
        dir.path(),
        "Hello, this is a message for the fax gateway. Please call me back tomorrow morning.",
    );
    let capture = Capture::start(dir.path());
    let kam = Kamailio::start(dir.path(), &pki);
    // Our TLS session keys for tshark (this test is its own process).
    let keys = dir.path().join("tls-keys.log");
    std::env::set_var("SSLKEYLOGFILE", &keys);
    let mut line = our_line(&pki, SrtpPolicy::Mandatory, |c| {
        c.crlf_keepalive = Some(CrlfKeepAlive {
            every: Duration::from_secs(1),
            pong_within: Duration::from_secs(3),
            ..CrlfKeepAlive::default()
        });
    });
    registered(&mut line, &kam);
    let log = kam.log();
    assert!(log.contains("challenge REGISTER of 4930100"), "{log}");
    assert!(log.contains("REGISTERED 4930100"), "{log}");

    let baresip = Baresip::call(
        dir.path(),
        &pki,
        &format!("sip:{TRUNK_USER}@127.0.0.1"),
        &speech,
        Some("srtp-mand"),
        20,
    );
    let mut answered_at = None;
    let run = drive(&mut line, 25, |l, run, now| {
        for ev in &run.events {
            if let LineEvent::Incoming { call, media, .. } = ev {
                if answered_at.is_none() {
                    assert_eq!(*media, MediaKind::Audio);
                    l.answer(*call, now).unwrap();
                    answered_at = Some((now, *call));
                }
            }
        }
        match answered_at {
            // A voicemail of 7 s: then we hang up.
            Some((t, call)) if now.duration_since(t) >= Duration::from_secs(7) => {
                l.hangup(call, HangupCause::NormalClearing, now);
                true
            }
            _ => false,
        }
    });
    let _ = drive(&mut line, 1, |_, _, _| false);
    let pcap = capture.stop();
    drop(baresip);
    assert!(
        answered_at.is_some(),
        "no call from baresip: {:?}\n{}",
        run.events,
        kam.log()
    );
    // Reuse: no certificate of ours, so no connection from Kamailio could
    // be accepted; the INVITE came over the connection we opened.
    assert_eq!(line.sip_connections(), 1);
    assert!(
        line.link_counts().1 >= 2,
        "CRLF pongs: {:?}",
        line.link_counts()
    );

    // The voicemail as a WAV: speech (frames with energy, and pauses)
    // whose envelope matches the source's (measured 0.82 here). Either
    // may start first (baresip plays from its answer; we record from ours).
    let wav = dir.path().join("voicemail.wav");
    write_wav(&wav, &run.heard);
    let m = compare_speech(&read_wav(&speech), &read_wav(&wav));
    eprintln!("speech: {m:?}");
    assert!(m.voiced >= 80, "{m:?}: speech is ~4 s");
    assert!(m.quiet >= 10, "no pauses, not speech: {m:?}");
    assert!(
        m.envelope > 0.6,
        "heard audio is not the speech sent: {m:?}"
    );

    // tshark: TLS on the SIP port and no SIP in clear anywhere; the RTP
    // towards us is SRTP (payload 160 + 10 bytes of tag, bytes that look
    // random, not G.711 of speech with its runs of silence).
    let tls = tshark_fields(&pcap, &[], "tls.handshake.type == 1", &["tcp.dstport"]);
    assert!(
        tls.iter().any(|p| p == "5061"),
        "no TLS ClientHello to 5061: {tls:?}"
    );
    let sip = tshark_fields(&pcap, &[], "sip", &["frame.number"]);
    assert!(sip.is_empty(), "SIP in clear: frames {sip:?}");
    // With our session keys tshark reads the SIP inside our connection:
    // the REGISTERs, and the INVITE Kamailio sent over it with SDES keys.
    let opt = format!("tls.keylog_file:{}", keys.display());
    let inside = tshark_fields(
        &pcap,
        &[],
        "sip.Method == \"INVITE\" || sip.Method == \"REGISTER\"",
        &["sip.Method", "sdp.media"],
    );
    assert!(inside.is_empty(), "decrypted without the keys");
    let inside = tshark_fields_with(&pcap, &opt, "sip.Method", &["sip.Method", "sdp.media"]);
    assert!(
        inside.iter().any(|l| l.starts_with("REGISTER")),
        "{inside:?}"
    );
    assert!(
        (inside.iter()).any(|l| l.starts_with("INVITE") && l.contains("RTP/SAVP")),
        "{inside:?}"
    );
    let payloads = tshark_fields(
        &pcap,
        &[format!("udp.port=={OUR_RTP},rtp")],
        &format!("rtp && udp.dstport == {OUR_RTP}"),
        &["rtp.payload"],
    );
    assert!(
        payloads.len() >= 150,
        "{} RTP packets to us",
        payloads.len()
    );
    let bytes: Vec<u8> = payloads
        .iter()
        .flat_map(|h| {
            (0..h.len() / 2)
                .filter_map(|i| u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok())
                .collect::<Vec<_>>()
        })
        .collect();
    let mut hist = [0usize; 256];
    for b in &bytes {
        hist[*b as usize] += 1;
    }
    let expect = bytes.len() as f64 / 256.0;
    let chi2: f64 = hist
        .iter()
        .map(|n| (*n as f64 - expect).powi(2) / expect)
        .sum();
    // Uniform bytes: chi-square near 255; G.711 speech: tens of thousands.
    assert!(
        chi2 < 400.0,
        "RTP payloads are not random-looking: chi2 {chi2}"
    );
    assert!(
        payloads.iter().all(|h| h.len() == 2 * 170),
        "SRTP_80 payload sizes"
    );
}

#[test]
fn a_trunk_with_srtp_off_fails_against_the_srtp_provider_with_a_log_line() {
    let dir = Scratch::new("sip-tls-srtp-off");
    let pki = pki(dir.path());
    let kam = Kamailio::start(dir.path(), &pki);
    let mut line = our_line(&pki, SrtpPolicy::Off, |_| {});
    registered(&mut line, &kam);
    // Out: our plain offer is refused by the provider.
    let call = line.dial("555", MediaKind::Audio, wall()).unwrap();
    let run = drive(&mut line, 10, |_, r, _| {
        r.events
            .iter()
            .any(|e| matches!(e, LineEvent::HungUp { .. }))
    });
    assert!(
        run.events.iter().any(|e| matches!(e, LineEvent::HungUp { call: c, cause: HangupCause::IncompatibleDestination } if *c == call)),
        "{:?}",
        run.events
    );
    assert!(!run.events.iter().any(|e| matches!(
        e,
        LineEvent::Progress {
            progress: CallProgress::Answered,
            ..
        }
    )));
    assert_eq!(run.refusals.len(), 1, "{:?}", run.refusals);
    let r = &run.refusals[0];
    assert!(
        r.contains("488") && r.contains("srtp is \"off\"") && r.contains("require SRTP"),
        "{r}"
    );
    assert!(kam.log().contains("REFUSED INVITE without SRTP"));

    // In: baresip insists on SRTP; our `off` trunk answers 488 and says why.
    let speech = speech_wav(dir.path(), "Hello.");
    let _baresip = Baresip::call(
        dir.path(),
        &pki,
        &format!("sip:{TRUNK_USER}@127.0.0.1"),
        &speech,
        Some("srtp-mand"),
        10,
    );
    let run = drive(&mut line, 10, |_, r, _| !r.refusals.is_empty());
    assert!(
        !run.events
            .iter()
            .any(|e| matches!(e, LineEvent::Incoming { .. })),
        "{:?}",
        run.events
    );
    assert_eq!(run.refusals.len(), 1, "{:?}", run.refusals);
    assert!(
        run.refusals[0].contains("488") && run.refusals[0].contains("srtp is \"off\""),
        "{:?}",
        run.refusals
    );
}

#[test]
fn a_wrong_server_name_fails_the_call_at_once_with_the_reason() {
    let dir = Scratch::new("sip-tls-wrong-name");
    let pki = pki(dir.path());
    let kam = Kamailio::start(dir.path(), &pki);
    let mut line = our_line(&pki, SrtpPolicy::Mandatory, |c| {
        c.trunk.mode = TrunkMode::StaticPeer {
            peer: format!("127.0.0.1:{PROXY_PORT}"),
        };
        c.tls.server_name = Some("wrong.test".into());
    });
    let t0 = wall();
    let call = line.dial("555", MediaKind::Audio, t0).unwrap();
    let run = drive(&mut line, 40, |_, r, _| {
        r.events
            .iter()
            .any(|e| matches!(e, LineEvent::HungUp { .. }))
    });
    let took = wall().duration_since(t0);
    assert!(
        run.events.iter().any(|e| matches!(e, LineEvent::HungUp { call: c, cause: HangupCause::TemporaryFailure } if *c == call)),
        "{:?}",
        run.events
    );
    // Not timer B (32 s): the failed handshake ends the INVITE transaction.
    assert!(
        took < Duration::from_secs(5),
        "the call failed only after {took:?}"
    );
    assert!(
        run.notices.iter().any(
            |n| n.contains("SIP TLS connection to 127.0.0.1:5061 failed")
                && n.contains("not valid for name \"wrong.test\"")
        ),
        "{:?}",
        run.notices
    );
    assert!(!kam.log().contains("REQ INVITE"), "an INVITE went through");
}

#[test]
fn trusts_the_system_store_without_a_ca_file() {
    let dir = Scratch::new("sip-tls-system-store");
    let pki = pki(dir.path());
    // The system's store as rustls-native-certs reads it: SSL_CERT_FILE
    // (this test is its own process under nextest).
    std::env::set_var("SSL_CERT_FILE", &pki.ca);
    let kam = Kamailio::start(dir.path(), &pki);
    let mut line = our_line(&pki, SrtpPolicy::Mandatory, |c| c.tls.ca_file = None);
    registered(&mut line, &kam);
}

#[test]
fn reconnects_and_registers_again_when_the_proxy_restarts() {
    let dir = Scratch::new("sip-tls-reconnect");
    let pki = pki(dir.path());
    let mut kam = Kamailio::start(dir.path(), &pki);
    let mut line = our_line(&pki, SrtpPolicy::Mandatory, |_| {});
    registered(&mut line, &kam);
    assert_eq!(kam.log().matches("REGISTERED 4930100").count(), 1);
    kam.stop();
    // The proxy is gone: the connection is lost, reconnecting fails and
    // backs off.
    let run = drive(&mut line, 3, |_, _, _| false);
    assert!(
        (run.notices.iter()).any(|n| n.contains("SIP TLS connection to 127.0.0.1:5061 lost")),
        "{:?}",
        run.notices
    );
    assert!(
        (run.notices.iter()).any(|n| n.contains("connecting again and registering over it")),
        "{:?}",
        run.notices
    );
    kam.restart();
    // It forgot every registration; ours comes back over a new connection.
    let run = drive(&mut line, 15, |_, _, _| {
        kam.log().matches("REGISTERED 4930100").count() == 2
    });
    assert_eq!(
        kam.log().matches("REGISTERED 4930100").count(),
        2,
        "{:?}\n{}",
        run.notices,
        kam.log()
    );
    assert!(line.link_counts().0 >= 1);
    let _ = drive(&mut line, 1, |l, _, now| l.is_registered(now) == Some(true));
    assert_eq!(line.is_registered(wall()), Some(true));
    assert_eq!(line.sip_connections(), 1);
}

/// Two of our gateways, each registered to Kamailio over TLS, fax one
/// page to each other through it in G.711 with SRTP (Kamailio refuses an
/// offer without SRTP, and both trunks are `mandatory`).
#[test]
fn fax_between_two_gateways_through_the_tls_proxy_in_g711_with_srtp() {
    use fax_t30::page::{BilevelPage, PaperSize, Resolution};
    use fax_t30::{FaxOptions, PageSource};
    use line_drivers::FaxRole;
    use sip_common::FaxEnd;

    let dir = Scratch::new("sip-tls-fax");
    let pki = pki(dir.path());
    let kam = Kamailio::start(dir.path(), &pki);
    let mut a = our_line(&pki, SrtpPolicy::Mandatory, |_| {});
    let mut b = our_line(&pki, SrtpPolicy::Mandatory, |c| {
        c.trunk.user = SECOND_USER.into();
        c.sip_bind = (LO, OUR_SIP + 2).into();
        c.rtp_port = OUR_RTP + 100;
        c.t38_port = OUR_RTP + 102;
        c.seed ^= 0x5eed;
    });
    registered(&mut a, &kam);
    registered(&mut b, &kam);
    let res = Resolution::Standard;
    let page = BilevelPage::test_pattern(PaperSize::A4.width(), PaperSize::A4.rows(res), res, 77);
    let options = |sender: bool| FaxOptions {
        ecm: true,
        calling_party: sender,
        ident: if sender { "TLS A" } else { "TLS B" }.into(),
        ..Default::default()
    };
    let mut a = FaxEnd::new(a);
    let mut b = FaxEnd::receiver(b, dir.path().join("rx.tif"), options(false));
    let t0 = wall();
    let document = PageSource::Pages {
        pages: vec![page.clone()],
        spool: dir.path().join("tx.tif"),
    };
    a.dial(SECOND_USER, FaxRole::Send(document), options(true), t0);
    let mut k = 0u64;
    loop {
        let now = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        assert!(
            now - t0 < Duration::from_secs(150),
            "fax did not finish\n{}",
            kam.log()
        );
        a.line.tick(now);
        b.line.tick(now);
        a.step(now);
        b.step(now);
        if a.end.is_some() && b.end.is_some() && a.line.is_idle() && b.line.is_idle() {
            break;
        }
        k += 1;
    }
    let tx = a.outcome().expect("the sender's outcome");
    let rx = b.outcome().expect("the receiver's outcome");
    assert!(tx.success && rx.success, "{tx:?} / {rx:?}\n{}", kam.log());
    assert_eq!(b.kinds, vec![MediaKind::Audio]);
    let got = fax_t30::tiff::read_tiff_file(dir.path().join("rx.tif")).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].decode().unwrap().data(), page.data());
    // Through the proxy: its log has the INVITE for B, and each gateway
    // kept its one connection (B took the call over the one it opened).
    assert!(
        kam.log().contains("REQ INVITE sip:4930200@"),
        "{}",
        kam.log()
    );
    assert_eq!(a.line.sip_connections(), 1);
    assert_eq!(b.line.sip_connections(), 1);
}

/// A proxy that stops answering (frozen: its connection stays open, the
/// CRLF pings go unanswered) is found dead by the keep-alive; once it
/// answers again the trunk reconnects and registers over the new
/// connection.
#[test]
fn a_silent_proxy_is_found_dead_by_the_crlf_keepalive() {
    let dir = Scratch::new("sip-tls-dead");
    let pki = pki(dir.path());
    let kam = Kamailio::start(dir.path(), &pki);
    let mut line = our_line(&pki, SrtpPolicy::Mandatory, |c| {
        c.crlf_keepalive = Some(CrlfKeepAlive {
            every: Duration::from_secs(1),
            pong_within: Duration::from_secs(2),
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(2),
        });
    });
    registered(&mut line, &kam);
    let run = drive(&mut line, 2, |_, _, _| false);
    assert!(run.notices.is_empty(), "{:?}", run.notices);
    let pongs = line.link_counts().1;
    assert!(pongs >= 1, "Kamailio answers the pings");
    kam.signal("STOP");
    let run = drive(&mut line, 5, |_, _, _| false);
    kam.signal("CONT");
    assert!(
        (run.notices.iter()).any(|n| n.contains("lost: no answer to the CRLF keep-alive")),
        "{:?}",
        run.notices
    );
    let run = drive(&mut line, 15, |_, _, _| {
        kam.log().matches("REGISTERED 4930100").count() >= 2
    });
    assert!(
        kam.log().matches("REGISTERED 4930100").count() >= 2,
        "{:?}\n{}",
        run.notices,
        kam.log()
    );
    let _ = drive(&mut line, 2, |_, _, _| false);
    assert!(
        line.link_counts().1 > pongs,
        "pongs again on the new connection"
    );
    assert_eq!(line.sip_connections(), 1);
}

/// A provider that asks for a client certificate: without one our trunk
/// cannot register (and says why); with the certificate of the
/// provider's CA it registers.
#[test]
fn a_provider_asking_for_a_client_certificate_gets_ours() {
    let dir = Scratch::new("sip-tls-client-cert");
    let pki = pki(dir.path());
    let kam = Kamailio::start_with(dir.path(), &pki, true);
    let mut line = our_line(&pki, SrtpPolicy::Mandatory, |_| {});
    let run = drive(&mut line, 3, |_, r, _| !r.notices.is_empty());
    assert_eq!(line.is_registered(wall()), Some(false));
    assert!(
        (run.notices.iter())
            .any(|n| n.contains("SIP TLS connection to 127.0.0.1:5061") && n.contains("TLS: ")),
        "{:?}",
        run.notices
    );
    drop(line);
    let mut line = our_line(&pki, SrtpPolicy::Mandatory, |c| {
        c.tls.cert = Some(pki.cert.clone());
        c.tls.key = Some(pki.key.clone());
    });
    registered(&mut line, &kam);
}
