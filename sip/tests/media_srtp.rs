//! SRTP and SRTCP (RFC 3711): the Appendix B test vectors, known-answer
//! packets made by an independent implementation
//! (`tests/data/srtp_vectors.py`), round trips across a SEQ wrap, and
//! replayed, tampered and stale packets refused.

use sip::media::rtcp::{self, RtcpPacket};
use sip::media::rtp::{self, RtpHeader, RtpSender, G711};
use sip::media::srtp::{aes_cm, MasterKey, SessionKeys, SrtpContext, SrtpError, SrtpProfile};
use test_kit::origin;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The master key and salt of RFC 3711 B.3.
fn b3_master() -> MasterKey {
    let mut bytes = hex("E1F97A0D3E018BE0D64FA32C06DE4139");
    bytes.extend(hex("0EC675AD498AFEEBB6960B3AABE6"));
    MasterKey::from_concat(&bytes).unwrap()
}

fn pair(profile: SrtpProfile) -> (SrtpContext, SrtpContext) {
    let master = b3_master();
    (
        SrtpContext::new(profile, &master),
        SrtpContext::new(profile, &master),
    )
}

fn rtp_packet(seq: u16, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    let header = RtpHeader {
        payload_type: 0,
        marker: false,
        seq,
        timestamp: u32::from(seq) * 160,
        ssrc,
    };
    rtp::build(&header, payload)
}

#[test]
fn b2_aes_cm_keystream() {
    let key: [u8; 16] = hex("2B7E151628AED2A6ABF7158809CF4F3C").try_into().unwrap();
    let iv: [u8; 16] = hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000").try_into().unwrap();
    let mut stream = vec![0u8; 0xff02 * 16];
    aes_cm(&key, &iv, &mut stream);
    let block = |n: usize| stream[n * 16..n * 16 + 16].to_vec();
    assert_eq!(block(0), hex("E03EAD0935C95E80E166B16DD92B4EB4"));
    assert_eq!(block(1), hex("D23513162B02D0F72A43A2FE4A5F97AB"));
    assert_eq!(block(2), hex("41E95B3BB0A2E8DD477901E4FCA894C0"));
    assert_eq!(block(0xfeff), hex("EC8CDF7398607CB0F2D21675EA9EA1E4"));
    assert_eq!(block(0xff00), hex("362B7C3C6773516318A077D7FC5073AE"));
    assert_eq!(block(0xff01), hex("6A2CC3787889374FBEB4C81B17BA6C44"));
}

#[test]
fn b3_key_derivation() {
    let keys = SessionKeys::derive(&b3_master(), false);
    assert_eq!(
        keys.cipher_key.to_vec(),
        hex("C61E7A93744F39EE10734AFE3FF7A087")
    );
    assert_eq!(keys.salt.to_vec(), hex("30CBBC08863D8C85D49DB34A9AE1"));
    assert_eq!(
        keys.auth_key.to_vec(),
        hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4")
    );
}

/// Made by `tests/data/srtp_vectors.py` (python3-cryptography + hmac).
const RTP80_ROC0: &[&str] = &[
    "8000fffe00001234cafebabe714219762c661de23550eb84821a4dba260c49b0",
    "b35b353908f4a1200e4aef5d23a73895f9d42f91fd1eff2aba91f33da6f39e6b",
    "6e7d965cfef35d5784640add44e32220ca15723d9802b639782f538f17b2f27f",
    "c23926b113d769e03b7c8f57ce4910814ef750509d5d198fa7e1d5e100fc9eaa",
    "1cd7010778e3717130513e0b5ec53ab4325d3b4ca7f6ad206dc2b2e965f0f64e",
    "057461f9659fa0266a8499e10d6cfd880ea4e8fc4c10",
];
const RTP32_ROC5: &[&str] = &[
    "8000fffe00001234cafebabe8b4f4f1438f14ae6ec0e10511ef7b8b2298a6ad4",
    "9c206eae89786fef46bbf222b3227988f5f9cd8c499e6ef5eb4cdcccb09f6fb0",
    "cbe2746f815151b98f4939f496e4d7996333c83ca8e2ca5dffa31d3fc1766080",
    "30afe165d540a3ce65b245dc180a51785e029ed52ea62e4b6de333b74f23cf77",
    "962dae643fdd8de97b0a34f216b86cff78b381f32ef496d40a46ff455be7cb94",
    "f795cd0eb043778664e7b5f2cc544100",
];
const RTCP_INDEX7: &[&str] = &[
    "81c90007cafebabec0698bff64b66fe7796aa3393e81ba4ae466bca60318cdd1",
    "8000000735f928b3a5bf4a496584",
];

/// The plain packet the script protects: PCMU, SEQ 0xfffe, SSRC 0xcafebabe.
fn script_packet() -> Vec<u8> {
    let mut p = hex("8000fffe00001234cafebabe");
    p.extend(0..160u8);
    p
}

#[test]
fn protect_matches_an_independent_implementation() {
    let plain = script_packet();
    let mut tx = SrtpContext::new(SrtpProfile::AesCm128HmacSha1_80, &b3_master());
    let want = hex(&RTP80_ROC0.concat());
    assert_eq!(tx.protect_rtp(&plain).unwrap(), want);
    let mut rx = SrtpContext::new(SrtpProfile::AesCm128HmacSha1_80, &b3_master());
    assert_eq!(rx.unprotect_rtp(&want).unwrap(), plain);

    let mut tx = SrtpContext::new(SrtpProfile::AesCm128HmacSha1_32, &b3_master());
    tx.set_roc(0xcafe_babe, 5, 0xfff0);
    let want = hex(&RTP32_ROC5.concat());
    assert_eq!(tx.protect_rtp(&plain).unwrap(), want);
    assert_eq!(want.len(), plain.len() + 4);
    let mut rx = SrtpContext::new(SrtpProfile::AesCm128HmacSha1_32, &b3_master());
    rx.set_roc(0xcafe_babe, 5, 0xfff0);
    assert_eq!(rx.unprotect_rtp(&want).unwrap(), plain);
}

#[test]
fn srtcp_matches_an_independent_implementation() {
    let rr = hex("81c90007cafebabe12345678000000010000fffe000000100000000000000000");
    let mut tx = SrtpContext::new(SrtpProfile::AesCm128HmacSha1_32, &b3_master());
    let mut sent = Vec::new();
    for _ in 0..8 {
        sent = tx.protect_rtcp(&rr).unwrap();
    }
    let want = hex(&RTCP_INDEX7.concat());
    assert_eq!(sent, want, "the eighth packet carries index 7");
    let mut rx = SrtpContext::new(SrtpProfile::AesCm128HmacSha1_32, &b3_master());
    assert_eq!(rx.unprotect_rtcp(&want).unwrap(), rr);
    assert_eq!(
        rx.unprotect_rtcp(&want),
        Err(SrtpError::Replayed {
            ssrc: 0xcafe_babe,
            index: 7
        })
    );
}

#[test]
fn voice_round_trips_across_a_seq_wrap_and_the_payload_is_hidden() {
    for profile in [
        SrtpProfile::AesCm128HmacSha1_80,
        SrtpProfile::AesCm128HmacSha1_32,
    ] {
        let (mut tx, mut rx) = pair(profile);
        let mut sender = RtpSender::new(G711::Pcma, 0x1234_5678, 65530, 0);
        let t = origin();
        for i in 0..20u8 {
            let codes = [i; 160];
            let plain = sender.voice(&codes, t);
            let wire = tx.protect_rtp(&plain).unwrap();
            assert_eq!(wire.len(), plain.len() + profile.rtp_tag_len());
            assert_eq!(wire[..12], plain[..12], "the header stays in clear");
            assert!(!wire[12..172].windows(16).any(|w| w == [i; 16]));
            assert_eq!(rx.unprotect_rtp(&wire).unwrap(), plain);
        }
        assert_eq!(tx.roc(0x1234_5678), Some(1));
        assert_eq!(rx.roc(0x1234_5678), Some(1));
    }
}

#[test]
fn late_packet_from_before_the_wrap_uses_the_old_roc() {
    let (mut tx, mut rx) = pair(SrtpProfile::AesCm128HmacSha1_80);
    let wires: Vec<Vec<u8>> = [65534u16, 65535, 0, 1]
        .iter()
        .map(|&seq| tx.protect_rtp(&rtp_packet(seq, 7, &[0xd5; 160])).unwrap())
        .collect();
    // 65534, then 0 and 1 (ROC 1), then 65535 arrives late (ROC 0).
    for i in [0, 2, 3, 1] {
        let plain = rx.unprotect_rtp(&wires[i]).unwrap();
        assert_eq!(&plain[12..], &[0xd5; 160][..]);
    }
    assert_eq!(rx.roc(7), Some(1));
}

#[test]
fn replayed_packet_is_refused() {
    let (mut tx, mut rx) = pair(SrtpProfile::AesCm128HmacSha1_80);
    let wire = tx.protect_rtp(&rtp_packet(100, 9, &[1; 160])).unwrap();
    rx.unprotect_rtp(&wire).unwrap();
    let err = rx.unprotect_rtp(&wire).unwrap_err();
    assert_eq!(
        err,
        SrtpError::Replayed {
            ssrc: 9,
            index: 100
        }
    );
    assert_eq!(
        err.to_string(),
        "SRTP replay refused (SSRC 0x00000009, index 100)"
    );
}

#[test]
fn packet_behind_the_window_is_refused_as_too_old() {
    let (mut tx, mut rx) = pair(SrtpProfile::AesCm128HmacSha1_80);
    let old = tx.protect_rtp(&rtp_packet(10, 9, &[1; 160])).unwrap();
    let mid = tx.protect_rtp(&rtp_packet(50, 9, &[1; 160])).unwrap();
    let new = tx.protect_rtp(&rtp_packet(80, 9, &[1; 160])).unwrap();
    rx.unprotect_rtp(&new).unwrap();
    assert!(
        rx.unprotect_rtp(&mid).is_ok(),
        "30 behind: inside the window"
    );
    assert!(matches!(
        rx.unprotect_rtp(&old),
        Err(SrtpError::TooOld {
            index: 10,
            newest: 80,
            ..
        })
    ));
}

#[test]
fn tampered_packets_are_refused_and_change_nothing() {
    let (mut tx, mut rx) = pair(SrtpProfile::AesCm128HmacSha1_32);
    let wire = tx.protect_rtp(&rtp_packet(1, 9, &[1; 160])).unwrap();
    for pos in [1, 3, 11, 12, 100, wire.len() - 1] {
        let mut bad = wire.clone();
        bad[pos] ^= 0x01;
        assert!(
            matches!(rx.unprotect_rtp(&bad), Err(SrtpError::AuthFailed { .. })),
            "flip at byte {pos}"
        );
    }
    // The refusals recorded nothing: the genuine packet still passes.
    assert!(rx.unprotect_rtp(&wire).is_ok());

    let rr = rtcp::build(&[RtcpPacket::Bye {
        ssrcs: vec![9],
        reason: None,
    }]);
    let sent = tx.protect_rtcp(&rr).unwrap();
    let mut bad = sent.clone();
    bad[9] ^= 0x80;
    assert!(matches!(
        rx.unprotect_rtcp(&bad),
        Err(SrtpError::AuthFailed { .. })
    ));
    assert_eq!(rx.unprotect_rtcp(&sent).unwrap(), rr);
}

#[test]
fn another_key_fails_authentication() {
    let (mut tx, _) = pair(SrtpProfile::AesCm128HmacSha1_80);
    let mut other = b3_master();
    other.key[0] ^= 1;
    let mut rx = SrtpContext::new(SrtpProfile::AesCm128HmacSha1_80, &other);
    let wire = tx.protect_rtp(&rtp_packet(1, 9, &[1; 160])).unwrap();
    assert!(matches!(
        rx.unprotect_rtp(&wire),
        Err(SrtpError::AuthFailed { .. })
    ));
}

#[test]
fn short_and_foreign_packets_are_malformed() {
    let (_, mut rx) = pair(SrtpProfile::AesCm128HmacSha1_80);
    for bad in [&[][..], &[0x80; 12][..], &[0x00; 40][..]] {
        assert!(matches!(
            rx.unprotect_rtp(bad),
            Err(SrtpError::Malformed(_))
        ));
    }
    assert!(matches!(
        rx.unprotect_rtcp(&[0x81, 0xc9, 0, 1]),
        Err(SrtpError::Malformed(_))
    ));
}

#[test]
fn a_key_is_used_for_no_more_packets_than_its_lifetime() {
    let master = b3_master();
    let profile = SrtpProfile::AesCm128HmacSha1_80;
    let mut tx = SrtpContext::new(profile, &master).with_lifetime(3);
    let mut rx = SrtpContext::new(profile, &master).with_lifetime(3);
    let mut unlimited = SrtpContext::new(profile, &master);
    let mut wires = Vec::new();
    for seq in 0..3 {
        let plain = rtp_packet(seq, 7, b"voice");
        let wire = tx.protect_rtp(&plain).unwrap();
        assert_eq!(rx.unprotect_rtp(&wire).unwrap(), plain);
        wires.push(wire);
    }
    // The fourth packet: the sender refuses to protect it, and a receiver
    // that was told the lifetime refuses one protected under the key anyway
    // (a sender that ignores the lifetime).
    assert_eq!(
        tx.protect_rtp(&rtp_packet(3, 7, b"voice")),
        Err(SrtpError::LifetimeOver(3))
    );
    let fourth = unlimited.protect_rtp(&rtp_packet(3, 7, b"voice")).unwrap();
    assert_eq!(rx.unprotect_rtp(&fourth), Err(SrtpError::LifetimeOver(3)));
    let message = SrtpError::LifetimeOver(3).to_string();
    assert!(
        message.contains("3 packets") && message.contains("changed"),
        "{message}"
    );
    // A refused (tampered or replayed) packet does not use up the lifetime.
    let mut rx = SrtpContext::new(profile, &master).with_lifetime(2);
    assert!(rx.unprotect_rtp(&wires[0]).is_ok());
    assert!(rx.unprotect_rtp(&wires[0]).is_err(), "replay");
    let mut tampered = wires[1].clone();
    tampered[14] ^= 1;
    assert!(rx.unprotect_rtp(&tampered).is_err());
    assert!(rx.unprotect_rtp(&wires[1]).is_ok());
    assert_eq!(rx.unprotect_rtp(&wires[2]), Err(SrtpError::LifetimeOver(2)));
    // SRTCP is counted apart (RFC 3711 §9.2), under the same lifetime.
    let mut tx = SrtpContext::new(profile, &master).with_lifetime(1);
    let bye = rtcp::build(&[RtcpPacket::Bye {
        ssrcs: vec![7],
        reason: None,
    }]);
    assert!(tx.protect_rtp(&rtp_packet(0, 7, b"voice")).is_ok());
    assert!(tx.protect_rtcp(&bye).is_ok());
    assert_eq!(tx.protect_rtcp(&bye), Err(SrtpError::LifetimeOver(1)));
}
