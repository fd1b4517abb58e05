//! SDES (RFC 4568): `a=crypto` read and written, and the per-trunk SRTP
//! policy in offers and answers: `mandatory` refuses plain offers and
//! answers, `off` refuses RTP/SAVP-only offers, `optional` takes either.

use sip::error::SipError;
use sip::media::rtp::{RtpSender, G711};
use sip::media::srtp::{MasterKey, SrtpProfile};
use sip::sdp::crypto::{CryptoAttribute, Mki, SrtpPolicy};
use sip::sdp::offer_answer::{self, LocalCaps, LocalMedia, Negotiated};
use sip::sdp::SessionDescription;
use test_kit::origin;

fn key(fill: u8) -> MasterKey {
    MasterKey::from_concat(&[fill; 30]).unwrap()
}

fn local(fill: u8) -> LocalMedia {
    LocalMedia {
        address: "192.0.2.1".into(),
        audio_port: 40000,
        t38_port: 40002,
        session_id: "42".into(),
        srtp_key: Some(key(fill)),
    }
}

fn caps(srtp: SrtpPolicy) -> LocalCaps {
    LocalCaps {
        srtp,
        t38: None,
        ..LocalCaps::default()
    }
}

/// A peer's audio offer with `proto` and extra attribute lines.
fn peer_offer(proto: &str, extra: &str) -> SessionDescription {
    let text = format!(
        "v=0\r\no=peer 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n\
         m=audio 30000 {proto} 8 101\r\na=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\n{extra}"
    );
    SessionDescription::parse(text.as_bytes()).unwrap()
}

/// The RFC 4568 §4 example key (with our suites).
const RFC_INLINE: &str = "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4";

fn crypto_line(tag: u32, suite: &str, fill: u8) -> String {
    let attr = CryptoAttribute::new(tag, SrtpProfile::from_name(suite).unwrap(), key(fill));
    format!("a=crypto:{}\r\n", attr.to_value())
}

fn refusal(r: Result<(SessionDescription, Negotiated), SipError>) -> String {
    match r {
        Err(SipError::NotAcceptable(why)) => why,
        other => panic!("expected a 488, got {other:?}"),
    }
}

#[test]
fn crypto_attribute_reads_lifetime_and_mki_and_writes_back() {
    let a = CryptoAttribute::parse(&format!("1 AES_CM_128_HMAC_SHA1_80 {RFC_INLINE}")).unwrap();
    assert_eq!(a.tag, 1);
    assert_eq!(a.profile, SrtpProfile::AesCm128HmacSha1_80);
    assert_eq!(a.lifetime, Some(1 << 20));
    assert_eq!(a.mki, Some(Mki { value: 1, len: 4 }));
    assert_eq!(a.mki.unwrap().bytes(), vec![0, 0, 0, 1]);
    assert_eq!(&a.key.key[..3], &[0x3d, 0x2d, 0x6e]);
    let written = a.to_value();
    assert_eq!(
        written,
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1048576|1:4"
    );
    assert_eq!(CryptoAttribute::parse(&written).unwrap(), a);

    let b = CryptoAttribute::parse(
        "7 AES_CM_128_HMAC_SHA1_32 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR WSH=128",
    )
    .unwrap();
    assert_eq!((b.tag, b.profile), (7, SrtpProfile::AesCm128HmacSha1_32));
    assert_eq!((b.lifetime, b.mki), (None, None));
}

#[test]
fn unusable_crypto_attributes_say_why() {
    let key = "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";
    let cases = [
        (format!("1 AES_256_CM_HMAC_SHA1_80 {key}"), "not supported"),
        (format!("1 F8_128_HMAC_SHA1_80 {key}"), "not supported"),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:!!!".to_string(), "base64"),
        (
            "1 AES_CM_128_HMAC_SHA1_80 inline:AAAA".to_string(),
            "3 bytes, not 30",
        ),
        (
            format!("1 AES_CM_128_HMAC_SHA1_80 {key};{key}"),
            "more than one key",
        ),
        (
            format!("1 AES_CM_128_HMAC_SHA1_80 {key} UNENCRYPTED_SRTP"),
            "UNENCRYPTED_SRTP",
        ),
        (
            format!("1 AES_CM_128_HMAC_SHA1_80 {key}|1:5"),
            "not supported",
        ),
        (
            format!("1 AES_CM_128_HMAC_SHA1_80 {key}|256:1"),
            "not supported",
        ),
        (format!("x AES_CM_128_HMAC_SHA1_80 {key}"), "tag"),
        ("1 AES_CM_128_HMAC_SHA1_80 key:abc".to_string(), "inline:"),
    ];
    for (value, why) in cases {
        let err = CryptoAttribute::parse(&value).unwrap_err();
        assert!(err.contains(why), "{value}: {err}");
    }
}

#[test]
fn offers_follow_the_policy() {
    let off = offer_answer::offer_audio(&local(1), &caps(SrtpPolicy::Off), 1);
    assert_eq!(off.media[0].proto, "RTP/AVP");
    assert_eq!(off.media[0].attribute("crypto"), None);

    let optional = offer_answer::offer_audio(&local(1), &caps(SrtpPolicy::Optional), 1);
    assert_eq!(optional.media[0].proto, "RTP/AVP", "best-effort SRTP");
    let c = CryptoAttribute::parse(optional.media[0].attribute("crypto").unwrap()).unwrap();
    assert_eq!(c.profile, SrtpProfile::AesCm128HmacSha1_80);
    assert_eq!(c.key, key(1));

    let mandatory = offer_answer::offer_audio(&local(1), &caps(SrtpPolicy::Mandatory), 1);
    assert_eq!(mandatory.media[0].proto, "RTP/SAVP");
    assert!(mandatory
        .to_string()
        .contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
    // What we write, we read back.
    let reread = SessionDescription::parse(&mandatory.to_bytes()).unwrap();
    assert_eq!(reread, mandatory);
}

#[test]
fn mandatory_refuses_an_offer_without_crypto_with_488() {
    let why = refusal(offer_answer::answer(
        &peer_offer("RTP/AVP", ""),
        &local(1),
        &caps(SrtpPolicy::Mandatory),
        1,
    ));
    assert_eq!(
        why,
        "srtp is \"mandatory\" on this trunk and the offer has no a=crypto"
    );
    // Only a suite we do not have: refused, and the reason names it.
    let only_256 =
        "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n";
    let why = refusal(offer_answer::answer(
        &peer_offer("RTP/SAVP", only_256),
        &local(1),
        &caps(SrtpPolicy::Mandatory),
        1,
    ));
    assert!(
        why.contains("AES_256_CM_HMAC_SHA1_80 is not supported"),
        "{why}"
    );
}

#[test]
fn off_refuses_an_savp_only_offer_and_never_answers_plain() {
    let offer = peer_offer("RTP/SAVP", &crypto_line(1, "AES_CM_128_HMAC_SHA1_80", 9));
    let why = refusal(offer_answer::answer(
        &offer,
        &local(1),
        &caps(SrtpPolicy::Off),
        1,
    ));
    assert!(why.contains("RTP/SAVP") && why.contains("\"off\""), "{why}");
    // Best-effort SRTP (RTP/AVP + a=crypto) under off: a plain answer.
    let offer = peer_offer("RTP/AVP", &crypto_line(1, "AES_CM_128_HMAC_SHA1_80", 9));
    let (answer, agreed) =
        offer_answer::answer(&offer, &local(1), &caps(SrtpPolicy::Off), 1).unwrap();
    assert_eq!(answer.media[0].proto, "RTP/AVP");
    assert_eq!(answer.media[0].attribute("crypto"), None);
    assert!(matches!(agreed, Negotiated::Audio { srtp: None, .. }));
}

#[test]
fn optional_accepts_either() {
    let (answer, agreed) = offer_answer::answer(
        &peer_offer("RTP/AVP", ""),
        &local(1),
        &caps(SrtpPolicy::Optional),
        1,
    )
    .unwrap();
    assert_eq!(answer.media[0].attribute("crypto"), None);
    assert!(matches!(agreed, Negotiated::Audio { srtp: None, .. }));

    // Two crypto lines, the first of a suite we lack: the second is taken,
    // its tag and suite answered with our key, in the offered profile.
    let lines = format!(
        "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n{}",
        crypto_line(2, "AES_CM_128_HMAC_SHA1_32", 9)
    );
    let (answer, agreed) = offer_answer::answer(
        &peer_offer("RTP/SAVP", &lines),
        &local(1),
        &caps(SrtpPolicy::Optional),
        1,
    )
    .unwrap();
    assert_eq!(answer.media[0].proto, "RTP/SAVP");
    let ours = CryptoAttribute::parse(answer.media[0].attribute("crypto").unwrap()).unwrap();
    assert_eq!(ours.tag, 2);
    assert_eq!(ours.profile, SrtpProfile::AesCm128HmacSha1_32);
    assert_eq!(ours.key, key(1));
    let Negotiated::Audio {
        srtp: Some(keys), ..
    } = agreed
    else {
        panic!("SRTP expected: {agreed:?}")
    };
    assert_eq!(keys.profile, SrtpProfile::AesCm128HmacSha1_32);
    assert_eq!((keys.local.clone(), keys.remote.clone()), (key(1), key(9)));
}

#[test]
fn mandatory_refuses_an_answer_without_matching_crypto() {
    let caps = caps(SrtpPolicy::Mandatory);
    let offer = offer_answer::offer_audio(&local(1), &caps, 1);
    for extra in [
        String::new(),
        crypto_line(5, "AES_CM_128_HMAC_SHA1_80", 9),
        crypto_line(1, "AES_CM_128_HMAC_SHA1_32", 9),
    ] {
        let answer = peer_offer("RTP/SAVP", &extra);
        match offer_answer::read_answer(&offer, &answer, &caps) {
            Err(SipError::NotAcceptable(why)) => assert!(why.contains("mandatory"), "{why}"),
            other => panic!("{extra}: expected a refusal, got {other:?}"),
        }
    }
    // Optional: a plain answer to our best-effort offer is a plain call.
    let optional = LocalCaps {
        srtp: SrtpPolicy::Optional,
        ..caps.clone()
    };
    let offer = offer_answer::offer_audio(&local(1), &optional, 1);
    let agreed = offer_answer::read_answer(&offer, &peer_offer("RTP/AVP", ""), &optional).unwrap();
    assert!(matches!(agreed, Negotiated::Audio { srtp: None, .. }));
}

#[test]
fn offerer_and_answerer_keys_carry_audio_both_ways() {
    let caps = caps(SrtpPolicy::Mandatory);
    let offer = offer_answer::offer_audio(&local(1), &caps, 1);
    let reread = SessionDescription::parse(&offer.to_bytes()).unwrap();
    let (answer, b_agreed) = offer_answer::answer(&reread, &local(2), &caps, 1).unwrap();
    let answer = SessionDescription::parse(&answer.to_bytes()).unwrap();
    let a_agreed = offer_answer::read_answer(&offer, &answer, &caps).unwrap();
    let (Negotiated::Audio { srtp: Some(a), .. }, Negotiated::Audio { srtp: Some(b), .. }) =
        (a_agreed, b_agreed)
    else {
        panic!("SRTP on both sides expected")
    };
    assert_eq!((a.local.clone(), a.remote.clone()), (key(1), key(2)));
    assert_eq!((b.local.clone(), b.remote.clone()), (key(2), key(1)));
    let (mut a_out, mut a_in) = (a.outbound(), a.inbound());
    let (mut b_out, mut b_in) = (b.outbound(), b.inbound());
    let mut tx = RtpSender::new(G711::Pcma, 1, 1, 0);
    let plain = tx.voice(&[0x55; 160], origin());
    let wire = a_out.protect_rtp(&plain).unwrap();
    assert_eq!(b_in.unprotect_rtp(&wire).unwrap(), plain);
    assert!(
        a_in.unprotect_rtp(&wire).is_err(),
        "each direction has its key"
    );
    let wire = b_out.protect_rtp(&plain).unwrap();
    assert_eq!(a_in.unprotect_rtp(&wire).unwrap(), plain);
}

#[test]
fn a_peer_mki_is_expected_in_its_packets() {
    let offer = peer_offer(
        "RTP/SAVP",
        &format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 {RFC_INLINE}\r\n"),
    );
    let (_, agreed) =
        offer_answer::answer(&offer, &local(1), &caps(SrtpPolicy::Optional), 1).unwrap();
    let Negotiated::Audio {
        srtp: Some(keys), ..
    } = agreed
    else {
        panic!("{agreed:?}")
    };
    assert_eq!(keys.remote_mki, Some(Mki { value: 1, len: 4 }));
    // The peer's sender: its key with its MKI; our receiver expects both.
    let mut peer =
        sip::media::srtp::SrtpContext::new(keys.profile, &keys.remote).with_mki(vec![0, 0, 0, 1]);
    let mut ours = keys.inbound();
    let plain = RtpSender::new(G711::Pcma, 3, 1, 0).voice(&[1; 160], origin());
    let wire = peer.protect_rtp(&plain).unwrap();
    assert_eq!(wire.len(), plain.len() + 4 + 10);
    assert_eq!(ours.unprotect_rtp(&wire).unwrap(), plain);
    let mut wrong = keys.remote.clone();
    wrong.salt[0] ^= 1;
    let mut other =
        sip::media::srtp::SrtpContext::new(keys.profile, &wrong).with_mki(vec![0, 0, 0, 2]);
    let wire = other.protect_rtp(&plain).unwrap();
    assert_eq!(
        ours.unprotect_rtp(&wire),
        Err(sip::media::srtp::SrtpError::UnknownMki)
    );
}

#[test]
fn the_peers_key_lifetime_limits_what_we_accept_under_it() {
    // The peer's key, declared for 2^2 packets.
    let peer_key = key(9);
    let attr = CryptoAttribute::new(1, SrtpProfile::AesCm128HmacSha1_80, peer_key.clone());
    let inline = attr.to_value() + "|2^2";
    let offer = peer_offer("RTP/SAVP", &format!("a=crypto:{inline}\r\n"));
    let (_, agreed) =
        offer_answer::answer(&offer, &local(1), &caps(SrtpPolicy::Mandatory), 1).unwrap();
    let Negotiated::Audio {
        srtp: Some(keys), ..
    } = agreed
    else {
        panic!("no SRTP agreed: {agreed:?}");
    };
    assert_eq!(keys.remote_lifetime, Some(4));
    // The peer protects with its key; we accept four packets, not a fifth.
    let mut peer = sip::media::srtp::SrtpContext::new(SrtpProfile::AesCm128HmacSha1_80, &peer_key);
    let mut inbound = keys.inbound();
    let mut sender = RtpSender::new(G711::Pcma, 5, 1, 0);
    for n in 0..5 {
        let wire = peer
            .protect_rtp(&sender.voice(&[0xd5; 160], origin()))
            .unwrap();
        let got = inbound.unprotect_rtp(&wire);
        assert_eq!(got.is_ok(), n < 4, "packet {n}: {got:?}");
    }
    // Our own key has no lifetime of its own: the outbound side is not cut.
    let mut outbound = keys.outbound();
    for _ in 0..5 {
        assert!(outbound
            .protect_rtp(&sender.voice(&[0xd5; 160], origin()))
            .is_ok());
    }
}
