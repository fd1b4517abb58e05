//! RTP demultiplexing and SSRC handling, RFC 4733 events in and out, and
//! RTCP reports, on hand-built and generated packets.

use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sip::media::dtmf::{DtmfEvent, DtmfReceiver, DtmfSender, EventPayload};
use sip::media::rtcp::{self, RtcpPacket};
use sip::media::rtp::{
    self, classify, DatagramKind, Received, RtpHeader, RtpReceiver, RtpSender, G711,
};
use test_kit::origin;

const EV_PT: u8 = 101;

#[test]
fn voice_packets_are_20ms_of_g711_with_running_seq_and_timestamp() {
    let t = origin();
    let mut tx = RtpSender::new(G711::Pcmu, 0xABCD, 65534, 0xFFFF_FF00);
    let mut rx = RtpReceiver::new(Some(EV_PT));
    for i in 0..5u32 {
        let pkt = tx.voice(&[0xFF; 160], t + Duration::from_millis(20 * i as u64));
        let p = rtp::parse(&pkt).unwrap();
        assert_eq!(p.header.payload_type, 0);
        assert_eq!(p.header.seq, 65534u16.wrapping_add(i as u16));
        assert_eq!(p.header.timestamp, 0xFFFF_FF00u32.wrapping_add(160 * i));
        assert_eq!(p.header.marker, i == 0);
        assert_eq!(p.payload.len(), 160);
        match rx.receive(&pkt, t) {
            Received::Voice {
                law, new_source, ..
            } => {
                assert_eq!(law, G711::Pcmu);
                assert_eq!(new_source, i == 0);
            }
            o => panic!("{o:?}"),
        }
    }
    assert_eq!(tx.packets, 5);
    assert_eq!(tx.octets, 800);
}

#[test]
fn ssrc_change_stun_and_garbage() {
    let t = origin();
    let mut rx = RtpReceiver::new(Some(EV_PT));
    let mut a = RtpSender::new(G711::Pcma, 1, 10, 0);
    let mut b = RtpSender::new(G711::Pcma, 2, 5000, 99999);
    assert!(matches!(
        rx.receive(&a.voice(&[0xD5; 160], t), t),
        Received::Voice {
            new_source: true,
            ..
        }
    ));
    assert!(matches!(
        rx.receive(&a.voice(&[0xD5; 160], t), t),
        Received::Voice {
            new_source: false,
            ..
        }
    ));
    // STUN binding request (RFC 5389) on the RTP port.
    let mut stun = vec![0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xA4, 0x42];
    stun.extend_from_slice(&[7; 12]);
    stun.extend_from_slice(&[0x80, 0x22, 0x00, 0x04, b'u', b'm', b's', 0]);
    assert_eq!(classify(&stun), DatagramKind::Stun);
    assert_eq!(rx.receive(&stun, t), Received::Ignored("STUN"));
    // A new SSRC takes over the voice (re-INVITE, SBC switch-over).
    assert!(matches!(
        rx.receive(&b.voice(&[0xD5; 160], t), t),
        Received::Voice {
            new_source: true,
            ..
        }
    ));
    assert_eq!(rx.voice_ssrc(), Some(2));
    assert_eq!(rx.ssrc_changes, 1);
    // Events from a third SSRC do not take the voice over.
    let ev = rtp::build(
        &RtpHeader {
            payload_type: EV_PT,
            marker: true,
            seq: 1,
            timestamp: 5,
            ssrc: 3,
        },
        &EventPayload {
            event: 5,
            end: false,
            volume: 10,
            duration: 160,
        }
        .to_bytes(),
    );
    assert!(matches!(rx.receive(&ev, t), Received::Event { .. }));
    assert_eq!(rx.voice_ssrc(), Some(2));
    // An unnegotiated payload type is ignored.
    let other = rtp::build(
        &RtpHeader {
            payload_type: 18,
            marker: false,
            seq: 1,
            timestamp: 1,
            ssrc: 2,
        },
        &[0; 20],
    );
    assert!(matches!(rx.receive(&other, t), Received::Ignored(_)));
    // Truncated and random datagrams: never a panic, never voice.
    let good = a.voice(&[0xD5; 160], t);
    for cut in 0..12 {
        assert!(matches!(rx.receive(&good[..cut], t), Received::Ignored(_)));
    }
    let mut rng = SmallRng::seed_from_u64(1);
    for _ in 0..50_000 {
        let n = rng.gen_range(0..80);
        let mut buf: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
        if let Some(b0) = buf.first_mut() {
            *b0 = 0x80 | (*b0 & 0x3F);
        }
        let _ = rx.receive(&buf, t);
        let _ = rtcp::parse(&buf);
        let _ = EventPayload::parse(&buf);
    }
    assert!(rx.ignored() > 0);
}

#[test]
fn dtmf_out_repeats_the_end_packet_three_times_with_one_seq() {
    let t = origin();
    let mut tx = RtpSender::new(G711::Pcma, 77, 100, 8000);
    let mut dtmf = DtmfSender::new(EV_PT);
    assert!(dtmf
        .send_digits("1x", Duration::from_millis(100), 10)
        .is_err());
    assert!(!dtmf.busy(), "nothing queued after an error");
    dtmf.send_digits("5#", Duration::from_millis(100), 10)
        .unwrap();
    let mut pkts = Vec::new();
    let mut voice_frames = 0;
    for _ in 0..30 {
        match dtmf.frame(&mut tx, t) {
            Some(p) => pkts.extend(p),
            None => {
                voice_frames += 1;
                pkts.push(tx.voice(&[0xD5; 160], t));
            }
        }
    }
    let parsed: Vec<_> = pkts.iter().map(|p| rtp::parse(p).unwrap()).collect();
    let events: Vec<_> = parsed
        .iter()
        .filter(|p| p.header.payload_type == EV_PT)
        .collect();
    // Digit "5": 5 frames of 20 ms = 5 packets + 2 more end copies.
    let five: Vec<_> = events.iter().filter(|p| p.payload[0] == 5).collect();
    assert_eq!(five.len(), 7);
    assert!(five[0].header.marker && five[1..].iter().all(|p| !p.header.marker));
    assert!(five
        .iter()
        .all(|p| p.header.timestamp == 8000 && p.header.ssrc == 77));
    let pl: Vec<_> = five
        .iter()
        .map(|p| EventPayload::parse(p.payload).unwrap())
        .collect();
    assert_eq!(
        pl.iter().map(|e| e.duration).collect::<Vec<_>>(),
        [160, 320, 480, 640, 800, 800, 800]
    );
    assert!(pl[..4].iter().all(|e| !e.end) && pl[4..].iter().all(|e| e.end && e.volume == 10));
    let end_seqs: Vec<u16> = five[4..].iter().map(|p| p.header.seq).collect();
    assert_eq!(
        end_seqs, [end_seqs[0]; 3],
        "end packets share one sequence number"
    );
    assert_eq!(end_seqs[0], 104);
    // The voice after the event goes on at the right timestamp: 5 frames
    // later, after 3 frames of pause.
    let after: Vec<_> = parsed
        .iter()
        .skip_while(|p| p.header.payload_type == EV_PT)
        .collect();
    assert_eq!(after[0].header.timestamp, 8000 + 5 * 160);
    assert_eq!(after[0].header.seq, 105);
    assert!(events.iter().any(|p| p.payload[0] == 11), "# sent");
    assert!(voice_frames >= 3);

    // Our own packets through our receiver: each digit once, with duration.
    let mut rx = RtpReceiver::new(Some(EV_PT));
    let mut det = DtmfReceiver::new();
    for p in &pkts {
        if let Received::Event { header, payload } = rx.receive(p, t) {
            det.receive(&header, payload, t);
        }
    }
    let got: Vec<_> = std::iter::from_fn(|| det.poll_event()).collect();
    assert_eq!(
        got,
        [
            DtmfEvent::Begin { event: 5, ssrc: 77 },
            DtmfEvent::End {
                event: 5,
                ssrc: 77,
                duration: Duration::from_millis(100),
                volume: 10
            },
            DtmfEvent::Begin {
                event: 11,
                ssrc: 77
            },
            DtmfEvent::End {
                event: 11,
                ssrc: 77,
                duration: Duration::from_millis(100),
                volume: 10
            },
        ]
    );
    assert_eq!(det.duplicates, 4);
}

#[test]
fn dtmf_in_as_real_peers_send_it() {
    // Voice on SSRC 1, events on SSRC 2; every packet duplicated, end
    // packets three times with the same sequence number, the start packet
    // of the second digit lost, the end packets of the third lost.
    let t = origin();
    let mut rx = RtpReceiver::new(Some(EV_PT));
    let mut det = DtmfReceiver::new();
    let mut voice = RtpSender::new(G711::Pcmu, 1, 0, 0);
    let mut seq = 300u16;
    let feed = |pkt: Vec<u8>, at: Duration, rx: &mut RtpReceiver, det: &mut DtmfReceiver| {
        for _ in 0..2 {
            if let Received::Event { header, payload } = rx.receive(&pkt, t + at) {
                det.receive(&header, payload, t + at);
            }
        }
    };
    let mut at = Duration::ZERO;
    for (digit, ts, skip_start, no_end) in [
        (1u8, 1000u32, false, false),
        (9, 5000, true, false),
        (10, 9000, false, true),
    ] {
        for k in 1..=4u16 {
            at += Duration::from_millis(20);
            feed(voice.voice(&[0xFF; 160], t + at), at, &mut rx, &mut det);
            if k == 1 && skip_start {
                seq += 1;
                continue;
            }
            let h = RtpHeader {
                payload_type: EV_PT,
                marker: k == 1,
                seq,
                timestamp: ts,
                ssrc: 2,
            };
            seq += 1;
            let pl = EventPayload {
                event: digit,
                end: false,
                volume: 7,
                duration: 160 * k,
            };
            feed(rtp::build(&h, &pl.to_bytes()), at, &mut rx, &mut det);
        }
        if !no_end {
            let h = RtpHeader {
                payload_type: EV_PT,
                marker: false,
                seq,
                timestamp: ts,
                ssrc: 2,
            };
            seq += 1;
            let pl = EventPayload {
                event: digit,
                end: true,
                volume: 7,
                duration: 800,
            };
            for _ in 0..3 {
                feed(rtp::build(&h, &pl.to_bytes()), at, &mut rx, &mut det);
            }
        }
    }
    assert_eq!(rx.voice_ssrc(), Some(1));
    assert_eq!(rx.ssrc_changes, 0);
    // The third event ends by timeout.
    det.expire(t + at + Duration::from_secs(2));
    let got: Vec<_> = std::iter::from_fn(|| det.poll_event()).collect();
    let digits: String = got
        .iter()
        .filter(|e| matches!(e, DtmfEvent::Begin { .. }))
        .filter_map(|e| e.digit())
        .collect();
    assert_eq!(digits, "19*");
    let ends: Vec<_> = got
        .iter()
        .filter_map(|e| match e {
            DtmfEvent::End {
                event,
                duration,
                ssrc,
                ..
            } => Some((*event, *duration, *ssrc)),
            _ => None,
        })
        .collect();
    assert_eq!(
        ends,
        [
            (1, Duration::from_millis(100), 2),
            (9, Duration::from_millis(100), 2),
            (10, Duration::from_millis(80), 2)
        ]
    );
}

#[test]
fn rtcp_reports_carry_loss_jitter_and_cname() {
    let t = origin();
    let mut tx = RtpSender::new(G711::Pcma, 0x1000, 1, 0);
    let mut rx = RtpReceiver::new(None);
    // 100 packets, 10 lost, arrival jitter alternating ±5 ms.
    for i in 0..100u64 {
        let pkt = tx.voice(&[0xD5; 160], t + Duration::from_millis(20 * i));
        if i % 10 == 3 {
            continue;
        }
        let at = t + Duration::from_millis(20 * i + if i % 2 == 0 { 0 } else { 10 });
        rx.receive(&pkt, at);
    }
    let now = t + Duration::from_secs(2);
    let ntp = rtcp::ntp_from_unix(Duration::from_secs(1_700_000_000));
    let report = rtcp::build_report(0x2000, "fax@gw.test", None, rx.sources_mut(), now, ntp);
    let parsed = rtcp::parse(&report).unwrap();
    let RtcpPacket::ReceiverReport { ssrc, reports } = &parsed[0] else {
        panic!("{parsed:?}")
    };
    assert_eq!(*ssrc, 0x2000);
    assert_eq!(reports.len(), 1);
    let b = reports[0];
    assert_eq!(b.ssrc, 0x1000);
    // Probation swallows the first packet; 99 expected from seq 2 to 100.
    assert_eq!(b.highest_seq, 100);
    assert_eq!(b.cumulative_lost, 10);
    assert_eq!(b.fraction_lost, (10 * 256 / 99) as u8);
    // |D| is 80 timestamp units each time: J converges to 80.
    assert!((70..=80).contains(&b.jitter), "jitter {}", b.jitter);
    assert_eq!(
        parsed[1],
        RtcpPacket::Sdes(vec![(0x2000, "fax@gw.test".into())])
    );
    assert_eq!(report.len() % 4, 0);

    // A sender report from the side that sent, then LSR/DLSR echo it.
    let sr = rtcp::build_report(
        0x1000,
        "tx@gw.test",
        Some(&tx),
        &mut [],
        t + Duration::from_millis(1990),
        ntp,
    );
    let parsed = rtcp::parse(&sr).unwrap();
    let RtcpPacket::SenderReport { info, reports, .. } = &parsed[0] else {
        panic!()
    };
    assert!(reports.is_empty());
    assert_eq!((info.packets, info.octets, info.ntp), (100, 16000, ntp));
    assert_eq!(info.rtp_timestamp, 99 * 160 + 80);
    // The SR arrives (RTCP multiplexed on the RTP port) and is noted.
    let Received::Rtcp(b) = rx.receive(&sr, now) else {
        panic!("SR not demultiplexed as RTCP")
    };
    rx.note_rtcp(&rtcp::parse(b).unwrap(), now);
    let rr = rtcp::build_report(
        0x2000,
        "x",
        None,
        rx.sources_mut(),
        now + Duration::from_millis(500),
        ntp,
    );
    let RtcpPacket::ReceiverReport { reports, .. } = &rtcp::parse(&rr).unwrap()[0] else {
        panic!()
    };
    assert_eq!(reports[0].lsr, rtcp::ntp_middle(ntp));
    assert_eq!(reports[0].dlsr, 32768);
    assert_eq!(reports[0].fraction_lost, 0, "no loss in the new interval");

    // BYE round trip; invalid compounds refused.
    let bye = rtcp::build(&[
        RtcpPacket::ReceiverReport {
            ssrc: 5,
            reports: vec![],
        },
        RtcpPacket::Bye {
            ssrcs: vec![5],
            reason: Some("done".into()),
        },
    ]);
    assert_eq!(
        rtcp::parse(&bye).unwrap()[1],
        RtcpPacket::Bye {
            ssrcs: vec![5],
            reason: Some("done".into())
        }
    );
    assert!(rtcp::parse(&bye[..bye.len() - 1]).is_err());
    assert!(rtcp::parse(&rtcp::build(&[RtcpPacket::Sdes(vec![(1, "a".into())])])).is_err());
}

#[test]
fn rtcp_interval_follows_rfc3550() {
    // Two parties both sending G.711: 5 % of 10 kB/s, 100-octet reports:
    // 2 * 100 / 500 = 0.4 s, below the 5 s minimum (2.5 s initially).
    let d = rtcp::deterministic_interval(2, 2, 500.0, true, 100.0, false);
    assert_eq!(d, Duration::from_secs(5));
    assert_eq!(
        rtcp::deterministic_interval(2, 2, 500.0, true, 100.0, true),
        Duration::from_millis(2500)
    );
    // A large conference: 1000 members, 10 senders, we receive only: the
    // receivers share 75 % of the bandwidth.
    let d = rtcp::deterministic_interval(1000, 10, 500.0, false, 100.0, false);
    assert!((d.as_secs_f64() - 990.0 * 100.0 / 375.0).abs() < 1e-9);
    // The random factor and the e - 3/2 compensation.
    let i = rtcp::interval(Duration::from_secs(5), 1.0);
    assert!((i.as_secs_f64() - 5.0 / (std::f64::consts::E - 1.5)).abs() < 1e-9);
    assert_eq!(
        rtcp::interval(Duration::from_secs(5), 9.0),
        rtcp::interval(Duration::from_secs(5), 1.5)
    );
    let t = origin();
    let mut s = rtcp::RtcpSchedule::default();
    assert!(!s.due(t));
    s.start(t, 2, 1, true, 1.0);
    assert!(!s.due(t + Duration::from_secs(2)));
    assert!(s.due(t + Duration::from_secs(3)));
}
