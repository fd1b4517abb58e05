//! The checks of the fuzz targets (`fuzz/fuzz_targets/sip_message.rs`,
//! `sdp.rs`), here so the seed-replay test (`tests/fuzz_seeds.rs`) runs
//! exactly the same ones on a stable toolchain. Each panics on a finding.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::endpoint::{Endpoint, Output};
use crate::media::srtp::MasterKey;
use crate::sdp::crypto::{CryptoAttribute, SrtpPolicy};
use crate::sdp::offer_answer::{self, LocalCaps, LocalMedia};
use crate::sdp::SessionDescription;
use crate::transaction::TimerConfig;
use crate::wire::{self, Core, StreamFramer};
use crate::SipMessage;

#[allow(clippy::disallowed_methods)] // fuzz harness: the simulated clock's origin
fn origin() -> Instant {
    Instant::now()
}

/// SIP message reader, stream framer and endpoint on one input.
pub fn check_message(data: &[u8]) {
    let parsed = wire::parse_datagram(data);
    if let Ok(Some(msg)) = &parsed {
        let core = Core::of(msg).expect("a parsed message has its core headers");
        let text = wire::to_bytes(msg);
        let again = wire::parse(&text).expect("what we write back parses");
        assert_eq!(Core::of(&again).expect("core"), core);
        assert_eq!(again.body(), msg.body());
        // The same message on a stream, in pieces, is found whole.
        let mut f = StreamFramer::new();
        let mut found = Vec::new();
        for piece in text.chunks(7) {
            f.push(piece);
            while let Ok(Some(m)) = f.next_message() {
                found.push(m);
            }
        }
        assert_eq!(found.len(), 1, "stream framing of our own text");
        assert_eq!(Core::of(&found[0]).expect("core"), core);
    }
    // An endpoint takes it (and its timers) without panicking and only
    // ever sends SIP it can read itself.
    let from: SocketAddr = ([127, 0, 0, 1], 5999).into();
    let t0 = origin();
    let mut ep = Endpoint::new(false, TimerConfig::default());
    ep.handle_datagram(from, data, t0);
    ep.handle_datagram(from, data, t0 + Duration::from_millis(10)); // a retransmission
    let mut now = t0;
    for _ in 0..64 {
        while let Some(out) = ep.poll_output() {
            if let Output::Transmit { bytes, .. } = out {
                assert!(matches!(wire::parse(&bytes), Ok(SipMessage::Response(_))));
            }
        }
        match ep.poll_timeout() {
            Some(t) => {
                now = now.max(t);
                ep.handle_timeout(now);
            }
            None => break,
        }
    }
}

/// SDP parser, writer and answerer on one input.
pub fn check_sdp(data: &[u8]) {
    let Ok(sdp) = SessionDescription::parse(data) else {
        return;
    };
    let again = SessionDescription::parse(&sdp.to_bytes()).expect("what we write back parses");
    assert_eq!(again, sdp);
    let local = LocalMedia {
        address: "192.0.2.1".into(),
        audio_port: 40000,
        t38_port: 40002,
        session_id: "1".into(),
        srtp_key: None,
    };
    if let Ok((answer, _)) = offer_answer::answer(&sdp, &local, &LocalCaps::default(), 1) {
        assert_eq!(answer.media.len(), sdp.media.len());
        let back = SessionDescription::parse(&answer.to_bytes()).expect("our answer parses");
        assert_eq!(back, answer);
    }
    // SDES: every a=crypto we read writes back to itself, and answers
    // under the SRTP policies parse back.
    let attrs = sdp.media.iter().flat_map(|m| &m.attributes);
    for a in attrs.filter(|a| a.name.eq_ignore_ascii_case("crypto")) {
        if let Ok(c) = CryptoAttribute::parse(a.value.as_deref().unwrap_or("")) {
            assert_eq!(CryptoAttribute::parse(&c.to_value()), Ok(c));
        }
    }
    let local = LocalMedia {
        srtp_key: MasterKey::from_concat(&[7; 30]),
        ..local
    };
    for srtp in [SrtpPolicy::Optional, SrtpPolicy::Mandatory] {
        let caps = LocalCaps {
            srtp,
            ..LocalCaps::default()
        };
        if let Ok((answer, _)) = offer_answer::answer(&sdp, &local, &caps, 1) {
            let back = SessionDescription::parse(&answer.to_bytes()).expect("our answer parses");
            assert_eq!(back, answer);
        }
    }
}
