//! Checks shared by the media fuzz targets and by sip/tests/media_fuzz_seeds.rs
//! (which replays the seed corpus through them on a stable toolchain).
//!
//! Besides "never panics": whatever decodes re-encodes to something that
//! decodes to the same value, and the UDPTL receiver hands IFPs out in
//! sequence order, each at most once.

use std::time::{Duration, Instant};

use sip::media::dtmf::{DtmfReceiver, EventPayload};
use sip::media::ifp::Ifp;
use sip::media::jitter::{JitterBuffer, JitterConfig, FRAME};
use sip::media::rtcp::{self, RtcpPacket};
use sip::media::rtp::{self, Received, RtpReceiver};
use sip::media::srtp::{MasterKey, SrtpContext, SrtpError, SrtpProfile};
use sip::media::udptl::{UdptlPacket, UdptlReceiver};

/// Split fuzz input into datagrams at the 4-octet separator `"@@@@"`.
pub fn datagrams(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(4).position(|w| w == b"@@@@") {
        out.push(&rest[..i]);
        rest = &rest[i + 4..];
    }
    out.push(rest);
    out
}

pub fn check_udptl(data: &[u8], t0: Instant) {
    let mut rx = UdptlReceiver::new(
        data.first().map_or(0, |b| b & 3),
        Duration::from_millis(100),
    );
    let mut last: Option<u16> = None;
    for (i, d) in datagrams(data).into_iter().enumerate() {
        if let Ok(p) = UdptlPacket::decode(d) {
            let again = p.encode().expect("a decoded datagram re-encodes");
            assert_eq!(UdptlPacket::decode(&again).expect("re-encoded decodes"), p);
            for v in 0..4 {
                if let Ok((ifp, used)) = Ifp::decode(&p.primary, v) {
                    assert!(used <= p.primary.len());
                    if let Ok(b) = ifp.encode(v) {
                        let (back, n) = Ifp::decode(&b, v).expect("re-encoded IFP decodes");
                        assert_eq!(n, b.len());
                        assert_eq!(back, ifp);
                    }
                }
            }
        }
        let restarts = rx.stats().restarts;
        rx.receive(d, t0 + Duration::from_millis(i as u64 * 7));
        // A sequence restart flushes what was held, then starts again: no
        // order to check across it.
        let restarted = rx.stats().restarts != restarts;
        if restarted {
            last = None;
        }
        while let Some((seq, ifp)) = rx.poll_ifp() {
            assert!(!ifp.is_empty());
            if let (Some(l), false) = (last, restarted) {
                // In order and each once: forward of the previous one.
                let step = seq.wrapping_sub(l) as i16;
                assert!(step > 0, "IFP {seq} handed out after {l}");
            }
            last = Some(seq);
        }
    }
    let st = rx.stats();
    assert!(st.delivered + st.lost <= 65536 * 4);
}

pub fn check_rtp_rtcp(data: &[u8], t0: Instant) {
    let mut rx = RtpReceiver::new(Some(101));
    let mut det = DtmfReceiver::new();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut frame = [0i16; FRAME];
    for (i, d) in datagrams(data).into_iter().enumerate() {
        let now = t0 + Duration::from_millis(i as u64 * 20);
        let _ = rtp::classify(d);
        if let Ok(p) = rtp::parse(d) {
            let again = rtp::build(&p.header, p.payload);
            let q = rtp::parse(&again).expect("a rebuilt packet parses");
            assert_eq!(
                (q.header.seq, q.header.timestamp, q.header.ssrc),
                (p.header.seq, p.header.timestamp, p.header.ssrc)
            );
            assert_eq!(q.header.payload_type, p.header.payload_type);
            assert_eq!(q.payload, p.payload);
        }
        if let Ok(pkts) = rtcp::parse(d) {
            let known: Vec<RtcpPacket> = pkts
                .iter()
                .filter(|p| !matches!(p, RtcpPacket::Other(_)))
                .cloned()
                .collect();
            let again = rtcp::build(&known);
            if let Ok(back) = rtcp::parse(&again) {
                assert_eq!(back.len(), known.len());
            }
        }
        if let Ok(e) = EventPayload::parse(d) {
            assert_eq!(EventPayload::parse(&e.to_bytes()).unwrap(), e);
        }
        match rx.receive(d, now) {
            Received::Voice {
                header,
                payload,
                new_source,
                ..
            } => {
                if new_source {
                    jb.restart();
                }
                let s: Vec<i16> = payload.iter().map(|c| (*c as i16 - 128) * 64).collect();
                jb.push(now, header.seq, header.timestamp, &s);
            }
            Received::Event { header, payload } => det.receive(&header, payload, now),
            Received::Rtcp(b) => {
                let _ = rtcp::parse(b);
            }
            Received::Ignored(_) => {}
        }
        jb.pull(now, &mut frame);
        while det.poll_event().is_some() {}
    }
    let _ = rtcp::report_blocks(rx.sources_mut(), t0 + Duration::from_secs(3600));
    check_srtp(data);
}

/// SRTP: unprotecting anything never panics; what is protected comes back
/// unchanged, unless the receiver refuses it as a replay or as too old
/// (sender and receiver estimate the index alike, so never a bad tag).
pub fn check_srtp(data: &[u8]) {
    let key = MasterKey::from_concat(&[0x5a; 30]).unwrap();
    for (profile, mki) in [
        (SrtpProfile::AesCm128HmacSha1_80, vec![]),
        (SrtpProfile::AesCm128HmacSha1_32, vec![0, 1]),
    ] {
        let mut tx = SrtpContext::new(profile, &key).with_mki(mki.clone());
        let mut rx = SrtpContext::new(profile, &key).with_mki(mki.clone());
        let mut junk = SrtpContext::new(profile, &key).with_mki(mki);
        for d in datagrams(data) {
            let _ = junk.unprotect_rtp(d);
            let _ = junk.unprotect_rtcp(d);
            if let Ok(wire) = tx.protect_rtp(d) {
                match rx.unprotect_rtp(&wire) {
                    Ok(back) => assert_eq!(back, d),
                    Err(SrtpError::Replayed { .. } | SrtpError::TooOld { .. }) => {}
                    Err(e) => panic!("our own SRTP packet refused: {e}"),
                }
            }
            if let Ok(wire) = tx.protect_rtcp(d) {
                assert_eq!(rx.unprotect_rtcp(&wire).expect("our own SRTCP"), d);
            }
        }
    }
}
