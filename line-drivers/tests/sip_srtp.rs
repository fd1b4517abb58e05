//! SRTP on the SIP line (issue 17): two of our lines, each the other's
//! trunk, carry a G.711 call on the simulated network
//! ([`line_drivers::sim_net`]), which keeps what A puts on the wire. With SRTP agreed the payloads on the wire
//! are not the G.711 bytes A encoded, and B still hears A's tone intact.
//! The policy decides: `mandatory` against `off` is a 488 before B's owner
//! hears of the call, never a plain call; `optional` against `off` is a
//! plain call. Replayed SRTP packets are refused and logged, rate-limited.
//!
//! The same call with SIP over TLS (both lines with a certificate made by
//! the test, each trusting it), in real time over real sockets (TLS is the
//! socket shell's): a TCP relay in front of B keeps what A sent, which
//! must be a TLS handshake and no SIP in clear.

mod sip_common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fax_t30::g711::Law;
use fax_t30::media::{AudioFrame, FRAME_SAMPLES};
use line_drivers::sim_net::{exchange, NetImpairments, SimNet, SimNode};
use line_drivers::sip::{SipLine, SipLineConfig, SipTlsConfig, SipTransport, TrunkConfig};
use line_drivers::{CallProgress, HangupCause, Line, LineEvent, Media, MediaKind, SimClock};
use sip::sdp::crypto::SrtpPolicy;
use sip_common::{trunk, LO};
use test_kit::{origin, wall, Scratch};

/// Frames of tone A sends once the call is up (2 s).
const TONE_FRAMES: usize = 100;

/// A 1 kHz tone: 8 samples a period, so every 20 ms frame is the same.
fn tone() -> AudioFrame {
    let mut f = [0i16; FRAME_SAMPLES];
    for (i, s) in f.iter_mut().enumerate() {
        *s = (8000.0 * (2.0 * std::f64::consts::PI * i as f64 / 8.0).sin()) as i16;
    }
    f
}

/// Forwards datagrams from `listen` to `to` and keeps a copy of each.
fn relay(listen: u16, to: u16, stop: Arc<AtomicBool>) -> Arc<Mutex<Vec<Vec<u8>>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sock = UdpSocket::bind((LO, listen)).expect("bind relay");
    sock.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let kept = seen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while !stop.load(Ordering::Relaxed) {
            if let Ok((n, _)) = sock.recv_from(&mut buf) {
                kept.lock().unwrap().push(buf[..n].to_vec());
                let _ = sock.send_to(&buf[..n], (LO, to));
            }
        }
    });
    seen
}

struct Outcome {
    /// A's events (media left out).
    a_events: Vec<LineEvent>,
    /// B's owner heard of the call.
    b_rang: bool,
    /// The datagrams A sent to B's RTP port.
    wire: Vec<Vec<u8>>,
    /// The audio B's line delivered while the call was up.
    heard: Vec<i16>,
    srtp_refused: (u64, u64),
    /// The calls B refused for their media, with the reason (its log).
    b_refusals: Vec<String>,
}

/// A (policy `a`) calls B (policy `b`) and sends [`TONE_FRAMES`] of tone.
/// On the simulated network.
fn call(a_policy: SrtpPolicy, b_policy: SrtpPolicy, base_sip: u16, base_rtp: u16) -> Outcome {
    call_with(
        a_policy,
        b_policy,
        base_sip,
        base_rtp,
        Wire::Simulated,
        |_, _| {},
    )
}

/// Where [`call_with`]'s call goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    /// The simulated network.
    Simulated,
    /// The simulated network, and every datagram A sends to B's RTP port
    /// reaches B a second time (a replay B must refuse), for 12 s of tone.
    Replayed,
    /// Real sockets in real time (a UDP relay on B's advertised RTP port
    /// keeps the wire).
    Real,
}

/// [`call`] with the line configurations changed by `tweak` first, on
/// `wire`.
fn call_with(
    a_policy: SrtpPolicy,
    b_policy: SrtpPolicy,
    base_sip: u16,
    base_rtp: u16,
    wire: Wire,
    tweak: impl FnOnce(&mut SipLineConfig, &mut SipLineConfig),
) -> Outcome {
    let real = wire == Wire::Real;
    let tone_frames = if wire == Wire::Replayed {
        600
    } else {
        TONE_FRAMES
    };
    let (a_sip, b_sip) = (base_sip, base_sip + 1);
    let (a_rtp, b_rtp, b_relay) = (base_rtp, base_rtp + 10, base_rtp + 20);
    let now = wall();
    let mut a_cfg = SipLineConfig::new("sip/a", trunk("to-b", "4930100", b_sip), LO, a_sip, a_rtp);
    let mut b_cfg = SipLineConfig::new("sip/b", trunk("to-a", "4930200", a_sip), LO, b_sip, b_rtp);
    a_cfg.media.srtp = a_policy;
    b_cfg.media.srtp = b_policy;
    a_cfg.media.t38 = None;
    b_cfg.media.t38 = None;
    if real {
        b_cfg.advertise_rtp_port = Some(b_relay);
    }
    tweak(&mut a_cfg, &mut b_cfg);
    let (mut a, mut b) = if real {
        let a = SipLine::bind(a_cfg, now).expect("bind A");
        (a, SipLine::bind(b_cfg, now).expect("bind B"))
    } else {
        let a = SipLine::engine(a_cfg, now).expect("line A");
        (a, SipLine::engine(b_cfg, now).expect("line B"))
    };
    let stop = Arc::new(AtomicBool::new(false));
    let relayed = real.then(|| relay(b_relay, b_rtp, stop.clone()));
    let mut clock = SimClock::new(origin());
    let mut net = SimNet::new(NetImpairments::CLEAN);
    net.capture();

    let call = a.dial("4930200", MediaKind::Audio, now).unwrap();
    let (mut a_events, mut b_rang, mut heard) = (Vec::new(), false, Vec::new());
    let (mut up, mut sent, mut after, mut replayed) = (false, 0, 0, 0);
    let t0: Instant = wall();
    for k in 0..300 + tone_frames as u64 {
        let now = if real {
            let now = t0 + Duration::from_millis(20 * k);
            if let Some(d) = now.checked_duration_since(wall()) {
                std::thread::sleep(d);
            }
            now
        } else {
            clock.tick()
        };
        a.tick(now);
        b.tick(now);
        while let Some(ev) = a.poll_event() {
            match ev {
                LineEvent::Media { .. } => {}
                LineEvent::Progress {
                    progress: CallProgress::Answered,
                    ..
                } => {
                    up = true;
                    a_events.push(ev);
                }
                ev => a_events.push(ev),
            }
        }
        while let Some(ev) = b.poll_event() {
            match ev {
                LineEvent::Incoming { call, .. } => {
                    b_rang = true;
                    b.answer(call, now).unwrap();
                }
                LineEvent::Media {
                    media: Media::Audio(frame),
                    ..
                } => heard.extend_from_slice(&frame),
                _ => {}
            }
        }
        if !real {
            exchange(&mut net, now, &mut [&mut a, &mut b]);
        }
        if wire == Wire::Replayed {
            let to_b = SocketAddr::new(LO, b_rtp);
            let fresh: Vec<_> = net.captured()[replayed..].to_vec();
            replayed += fresh.len();
            for (_, t) in fresh.iter().filter(|(_, t)| t.to == to_b) {
                b.handle_datagram(t.to, t.from, &t.bytes, now);
            }
        }
        if (a_events.iter()).any(|e| matches!(e, LineEvent::HungUp { .. })) {
            break;
        }
        if up && sent < tone_frames {
            a.send(call, Media::Audio(tone()), now).unwrap();
            sent += 1;
        } else if up {
            after += 1;
            if after == 10 {
                a.hangup(call, HangupCause::NormalClearing, now);
            }
            if after == 20 {
                break;
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let wire = match relayed {
        Some(r) => r.lock().unwrap().clone(),
        None => (net.captured().iter())
            .filter(|(_, t)| t.to == SocketAddr::new(LO, b_rtp))
            .map(|(_, t)| t.bytes.clone())
            .collect(),
    };
    Outcome {
        a_events,
        b_rang,
        wire,
        heard,
        srtp_refused: (a.stats().srtp_refused, b.stats().srtp_refused),
        b_refusals: std::iter::from_fn(|| b.poll_refusal()).collect(),
    }
}

/// The power of `samples` at `freq` Hz (Goertzel) over their total power.
fn tone_share(samples: &[i16], freq: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / 8000.0;
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let at = s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2;
    let total: f64 = samples.iter().map(|&x| f64::from(x).powi(2)).sum();
    2.0 * at / (total * samples.len() as f64)
}

fn plain_payload() -> Vec<u8> {
    let mut codes = [0u8; FRAME_SAMPLES];
    Law::ALaw.encode_into(&tone(), &mut codes);
    codes.to_vec()
}

/// The tone B heard: its last second (after the jitter buffer's start).
fn assert_tone_heard(o: &Outcome) {
    let loud: Vec<i16> = o
        .heard
        .chunks(FRAME_SAMPLES)
        .filter(|f| f.iter().any(|&s| s.unsigned_abs() > 4000))
        .flatten()
        .copied()
        .collect();
    assert!(
        loud.len() >= FRAME_SAMPLES * 60,
        "B heard {} loud samples of {} sent",
        loud.len(),
        TONE_FRAMES * FRAME_SAMPLES
    );
    let last = &loud[loud.len() - 8000..];
    let share = tone_share(last, 1000.0);
    assert!(share > 0.95, "1 kHz holds {share:.3} of what B heard");
}

#[test]
fn srtp_call_hides_the_payload_and_carries_the_tone() {
    let o = call(SrtpPolicy::Mandatory, SrtpPolicy::Optional, 5080, 20000);
    assert!(o.b_rang);
    assert!(
        o.a_events.iter().any(|e| matches!(
            e,
            LineEvent::Progress {
                progress: CallProgress::Answered,
                ..
            }
        )),
        "{:?}",
        o.a_events
    );
    let plain = plain_payload();
    let voice: Vec<&Vec<u8>> = o.wire.iter().filter(|p| p.len() > 100).collect();
    assert!(
        voice.len() >= TONE_FRAMES - 5,
        "{} voice packets",
        voice.len()
    );
    for p in &voice {
        assert_eq!(p.len(), 12 + 160 + 10, "RTP header, payload, 80-bit tag");
        assert_ne!(&p[12..172], &plain[..], "a plain G.711 payload on the wire");
        assert!(!p.windows(16).any(|w| w == &plain[..16]));
    }
    let mut payloads: Vec<&[u8]> = voice.iter().map(|p| &p[12..172]).collect();
    payloads.sort();
    payloads.dedup();
    assert_eq!(payloads.len(), voice.len(), "each packet its own keystream");
    assert_tone_heard(&o);
    assert_eq!(o.srtp_refused, (0, 0));
}

/// Replayed SRTP packets are refused, counted, and logged: the first at
/// once, then one line per 10 s of the call, with the reason.
#[test]
fn replayed_srtp_packets_are_refused_and_logged_rate_limited() {
    let o = call_with(
        SrtpPolicy::Mandatory,
        SrtpPolicy::Mandatory,
        5088,
        20500,
        Wire::Replayed,
        |_, _| {},
    );
    assert_tone_heard(&o);
    // Each of A's packets once more (voice and RTCP).
    assert!(o.srtp_refused.1 >= 590, "{:?}", o.srtp_refused);
    assert_eq!(o.srtp_refused.0, 0);
    let lines: Vec<&String> = (o.b_refusals.iter())
        .filter(|r| r.contains("SRTP packet refused"))
        .collect();
    assert_eq!(lines.len(), 2, "12 s of replays: {:?}", o.b_refusals);
    assert!(
        lines[0].starts_with("call with 4930100 (media from 127.0.0.1:20500): ")
            && lines[0].contains("SRTP replay refused"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("SRTP replay refused")
            && lines[1].contains("refused since the last line"),
        "{}",
        lines[1]
    );
}

#[test]
fn optional_against_off_is_a_plain_call() {
    let o = call(SrtpPolicy::Optional, SrtpPolicy::Off, 5082, 20100);
    assert!(o.b_rang);
    let plain = plain_payload();
    let voice: Vec<&Vec<u8>> = o.wire.iter().filter(|p| p.len() > 100).collect();
    assert!(
        voice.len() >= TONE_FRAMES - 5,
        "{} voice packets",
        voice.len()
    );
    assert!(voice.iter().all(|p| p.len() == 172 && p[12..] == plain[..]));
    assert_tone_heard(&o);
}

#[test]
fn mandatory_against_off_is_refused_with_488_never_a_plain_call() {
    let o = call(SrtpPolicy::Mandatory, SrtpPolicy::Off, 5084, 20200);
    assert!(!o.b_rang, "B's owner heard of a call it must refuse");
    assert!(
        o.a_events.iter().any(|e| matches!(
            e,
            LineEvent::HungUp {
                cause: HangupCause::IncompatibleDestination,
                ..
            }
        )),
        "{:?}",
        o.a_events
    );
    assert!(o.wire.is_empty(), "media flowed: {} packets", o.wire.len());
    assert_eq!(
        o.b_refusals,
        [
            "488 to the INVITE from 4930100: no acceptable media: the offer is RTP/SAVP (SRTP) \
          only and srtp is \"off\" on this trunk"
        ]
    );

    let o = call(SrtpPolicy::Off, SrtpPolicy::Mandatory, 5086, 20300);
    assert!(!o.b_rang);
    assert!(
        o.a_events.iter().any(|e| matches!(
            e,
            LineEvent::HungUp {
                cause: HangupCause::IncompatibleDestination,
                ..
            }
        )),
        "{:?}",
        o.a_events
    );
    assert!(o.wire.is_empty());
    assert_eq!(
        o.b_refusals,
        [
            "488 to the INVITE from 4930100: no acceptable media: srtp is \"mandatory\" on this \
          trunk and the offer has no a=crypto"
        ]
    );
}

/// Forwards TCP connections from `listen` to `to` both ways and keeps
/// the bytes that went towards `to`.
fn tcp_relay(listen: u16, to: u16) -> Arc<Mutex<Vec<u8>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = TcpListener::bind((LO, listen)).expect("bind TCP relay");
    let kept = seen.clone();
    std::thread::spawn(move || {
        for inbound in listener.incoming() {
            let Ok(inbound) = inbound else { return };
            let Ok(outbound) = TcpStream::connect((LO, to)) else {
                return;
            };
            let pipe =
                |mut from: TcpStream, mut into: TcpStream, keep: Option<Arc<Mutex<Vec<u8>>>>| {
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 4096];
                        while let Ok(n) = from.read(&mut buf) {
                            if n == 0 || into.write_all(&buf[..n]).is_err() {
                                break;
                            }
                            if let Some(k) = &keep {
                                k.lock().unwrap().extend_from_slice(&buf[..n]);
                            }
                        }
                        let _ = into.shutdown(std::net::Shutdown::Write);
                    });
                };
            pipe(
                inbound.try_clone().unwrap(),
                outbound.try_clone().unwrap(),
                Some(kept.clone()),
            );
            pipe(outbound, inbound, None);
        }
    });
    seen
}

#[test]
fn tls_signalling_and_srtp_media() {
    let dir = Scratch::new("sip-tls");
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    let tls = SipTlsConfig {
        ca_file: Some(cert.clone()),
        server_name: None,
        cert: Some(cert),
        key: Some(key),
    };
    // The relay takes TLS's default port: A's trunk names no port.
    let (base_sip, relay) = (5090, 5061);
    let sent = tcp_relay(relay, base_sip + 1);
    let o = call_with(
        SrtpPolicy::Mandatory,
        SrtpPolicy::Mandatory,
        base_sip,
        20400,
        Wire::Real,
        |a, b| {
            a.trunk = TrunkConfig::static_peer("to-b", "127.0.0.1", "4930100");
            for c in [a, b] {
                c.transport = SipTransport::Tls;
                c.tls = tls.clone();
            }
        },
    );
    assert!(o.b_rang, "the INVITE reached B over TLS: {:?}", o.a_events);
    assert_tone_heard(&o);
    let sent = sent.lock().unwrap().clone();
    assert!(sent.len() > 500, "{} bytes through the relay", sent.len());
    assert_eq!(sent[0], 0x16, "a TLS handshake record first");
    for word in [&b"INVITE"[..], b"SIP/2.0", b"a=crypto"] {
        assert!(
            !sent.windows(word.len()).any(|w| w == word),
            "{} in clear",
            String::from_utf8_lossy(word)
        );
    }
}
