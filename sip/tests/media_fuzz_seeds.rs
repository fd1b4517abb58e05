//! Replays the seed corpora of the media fuzz targets (fuzz/corpus/udptl
//! and fuzz/corpus/rtp_rtcp, written by fuzz/make_media_corpus.py) through
//! the same checks as the targets, on a stable toolchain, and checks what
//! some seeds must give.

mod media_common;

#[allow(dead_code)]
#[path = "../../fuzz/fuzz_targets/media_checks.rs"]
mod media_checks;

use std::path::Path;
use std::time::Duration;

use media_checks::datagrams;
use sip::media::dtmf::{DtmfEvent, DtmfReceiver};
use sip::media::rtcp::{self, RtcpPacket};
use sip::media::rtp::{Received, RtpReceiver};
use sip::media::udptl::{UdptlPacket, UdptlReceiver};

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("fuzz corpus")
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    assert!(v.len() >= 10, "{target}: seeds missing");
    v
}

#[test]
fn udptl_seeds() {
    let t0 = test_kit::origin();
    for (name, data) in corpus("udptl") {
        media_checks::check_udptl(&data, t0);
        let dgs = datagrams(&data);
        match name.as_str() {
            "trailing-garbage" | "empty-primary" | "fragmented-length" | "too-many-secondaries" => {
                assert!(UdptlPacket::decode(dgs[0]).is_err(), "{name} decoded");
            }
            "redundancy-call-start" => {
                // Datagram 4 (seq 4) is missing; seq 5 carries it as a
                // secondary. Everything comes out in order.
                let mut rx = UdptlReceiver::new(1, Duration::from_millis(100));
                for d in &dgs {
                    rx.receive(d, t0);
                }
                let seqs: Vec<u16> = std::iter::from_fn(|| rx.poll_ifp()).map(|p| p.0).collect();
                assert_eq!(seqs, [0, 1, 2, 3, 4, 5], "{name}");
                assert_eq!(rx.stats().recovered_redundancy, 1);
            }
            "sequence-wrap" => {
                let mut rx = UdptlReceiver::new(0, Duration::from_millis(100));
                for d in &dgs {
                    rx.receive(d, t0);
                }
                let seqs: Vec<u16> = std::iter::from_fn(|| rx.poll_ifp()).map(|p| p.0).collect();
                assert_eq!(seqs, [65534, 65535, 0, 1], "{name}");
            }
            _ => {
                for d in &dgs {
                    let _ = UdptlPacket::decode(d);
                }
            }
        }
    }
}

#[test]
fn rtp_rtcp_seeds() {
    let t0 = test_kit::origin();
    for (name, data) in corpus("rtp_rtcp") {
        media_checks::check_rtp_rtcp(&data, t0);
        let dgs = datagrams(&data);
        let mut rx = RtpReceiver::new(Some(101));
        let mut det = DtmfReceiver::new();
        let mut voice = 0;
        for d in &dgs {
            match rx.receive(d, t0) {
                Received::Voice { .. } => voice += 1,
                Received::Event { header, payload } => det.receive(&header, payload, t0),
                _ => {}
            }
        }
        let events: Vec<DtmfEvent> = std::iter::from_fn(|| det.poll_event()).collect();
        match name.as_str() {
            "dtmf-other-ssrc-end-x3" => {
                assert_eq!(voice, 2);
                assert_eq!(events.len(), 2, "{events:?}");
                assert_eq!(
                    events[0],
                    DtmfEvent::Begin {
                        event: 5,
                        ssrc: 0xEE
                    }
                );
                assert!(
                    matches!(events[1], DtmfEvent::End { event: 5, duration, .. } if duration == Duration::from_millis(60))
                );
                assert_eq!(rx.voice_ssrc(), Some(0xAA));
            }
            "stun-on-rtp-port" => {
                assert_eq!((rx.ignored_stun, voice), (2, 1));
            }
            "ssrc-change" => {
                assert_eq!(rx.ssrc_changes, 1);
                assert_eq!(rx.voice_ssrc(), Some(0xBB));
            }
            "csrc-ext-padding" => assert_eq!(voice, 1),
            "truncated" => assert_eq!((voice, rx.ignored_malformed), (0, 1)),
            "rtcp-bad-length" => assert!(rtcp::parse(dgs[0]).is_err()),
            "rtcp-sr-sdes" => {
                let p = rtcp::parse(dgs[0]).unwrap();
                assert!(
                    matches!(&p[0], RtcpPacket::SenderReport { ssrc: 0x2222, reports, .. } if reports.len() == 1 && reports[0].fraction_lost == 25 && reports[0].cumulative_lost == 3)
                );
                assert_eq!(p[1], RtcpPacket::Sdes(vec![(0x2222, "fax@gw.test".into())]));
            }
            "rtcp-rr-sdes-bye" => {
                let p = rtcp::parse(dgs[0]).unwrap();
                assert_eq!(p.len(), 3);
                assert_eq!(
                    p[2],
                    RtcpPacket::Bye {
                        ssrcs: vec![0x2222],
                        reason: Some("done".into())
                    }
                );
            }
            "rtcp-padded-last" => assert_eq!(rtcp::parse(dgs[0]).unwrap().len(), 2),
            _ => {}
        }
    }
}

/// SRTP over random byte flips and truncations of the RTP/RTCP seeds (a
/// stable-toolchain stand-in for the fuzzer: `check_srtp` never panics and
/// round-trips what it protects).
#[test]
fn srtp_survives_mutated_rtp_seeds() {
    let mut state = 0x5eed_5eed_u64;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for (_, seed) in corpus("rtp_rtcp") {
        media_checks::check_srtp(&seed);
        for _ in 0..100 {
            let mut b = seed.clone();
            if rand() % 2 == 0 && !b.is_empty() {
                b.truncate(rand() as usize % b.len());
            }
            for _ in 0..1 + rand() % 4 {
                if !b.is_empty() {
                    let i = rand() as usize % b.len();
                    b[i] = rand() as u8;
                }
            }
            media_checks::check_srtp(&b);
        }
    }
}
