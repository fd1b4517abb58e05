//! SDP parsing and RFC 3264 offer/answer with G.711, telephone-event and
//! T.38 (attributes, negotiation, the answer selection rules).

use sip::sdp::crypto::SrtpPolicy;
use sip::sdp::offer_answer::{self, AudioCodec, LocalCaps, LocalMedia, Negotiated};
use sip::sdp::t38::{
    is_t38_refusal, ErrorCorrection, FaxTransport, RateManagement, T38Params, TransportMemory,
};
use sip::sdp::{Direction, SessionDescription};

fn local() -> LocalMedia {
    LocalMedia {
        address: "192.0.2.1".into(),
        audio_port: 40000,
        t38_port: 40002,
        session_id: "42".into(),
        srtp_key: None,
    }
}

const PEER_AUDIO: &str = "v=0\r\no=peer 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n\
m=audio 30000 RTP/AVP 18 0 8 96\r\na=rtpmap:18 G729/8000\r\na=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-16\r\na=sendonly\r\n";

const PEER_T38: &str = "v=0\n\
o=- 2 3 IN IP4 198.51.100.7\n\
s=-\n\
c=IN IP4 198.51.100.7\n\
t=0 0\n\
m=audio 0 RTP/AVP 8\n\
m=image 30002 udptl t38\n\
c=IN IP4 198.51.100.8\n\
a=T38FaxVersion:3\n\
a=T38MaxBitRate:33600\n\
a=T38FaxFillBitRemoval\n\
a=T38FaxRateManagement:transferredTCF\n\
a=T38FaxMaxBuffer:2000\n\
a=T38FaxMaxDatagram:1400\n\
a=T38FaxUdpEC:t38UDPFEC\n";

#[test]
fn parses_and_writes_back_the_same_description() {
    let sdp = SessionDescription::parse(PEER_T38.as_bytes()).unwrap();
    assert_eq!(sdp.session_version, 3);
    assert_eq!(sdp.media.len(), 2);
    assert_eq!(sdp.media_address(&sdp.media[1]), Some("198.51.100.8"));
    assert_eq!(sdp.media_address(&sdp.media[0]), Some("198.51.100.7"));
    let again = SessionDescription::parse(&sdp.to_bytes()).unwrap();
    assert_eq!(again, sdp);
    let text = sdp.to_string();
    assert!(
        text.starts_with("v=0\r\no=- 2 3 IN IP4 198.51.100.7\r\ns=-\r\n"),
        "{text}"
    );
}

#[test]
fn rejects_broken_descriptions() {
    for bad in [
        "",
        "v=1\r\no=- 1 1 IN IP4 1.2.3.4\r\n",
        "v=0\r\ns=-\r\n",                                           // no o=
        "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio x RTP/AVP 0\r\n", // bad port
        "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 1\r\n",           // short m=
        "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP9 x\r\n",
        "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nnot a line\r\n",
    ] {
        assert!(
            SessionDescription::parse(bad.as_bytes()).is_err(),
            "{bad:?}"
        );
    }
}

#[test]
fn t38_attributes_round_trip() {
    let sdp = SessionDescription::parse(PEER_T38.as_bytes()).unwrap();
    let p = T38Params::from_media(&sdp.media[1]);
    assert_eq!(p.version, 3);
    assert_eq!(p.max_bit_rate, 33_600);
    assert!(p.fill_bit_removal);
    assert_eq!(p.rate_management, RateManagement::TransferredTcf);
    assert_eq!((p.max_buffer, p.max_datagram), (Some(2000), Some(1400)));
    assert_eq!(p.error_correction, ErrorCorrection::Fec);
    let offer = offer_answer::offer_t38(&local(), &p, 1);
    let back = SessionDescription::parse(&offer.to_bytes()).unwrap();
    assert_eq!(T38Params::from_media(&back.media[0]), p);
    assert!(offer.to_string().contains("a=T38FaxUdpEC:t38UDPFEC\r\n"));
}

#[test]
fn answer_to_audio_offer_follows_the_offerers_codec_order() {
    let offer = SessionDescription::parse(PEER_AUDIO.as_bytes()).unwrap();
    let (answer, agreed) =
        offer_answer::answer(&offer, &local(), &LocalCaps::default(), 1).unwrap();
    // G.729 is not ours; PCMU comes before PCMA in the offer.
    assert_eq!(
        agreed,
        Negotiated::Audio {
            address: "198.51.100.7".into(),
            port: 30000,
            codec: AudioCodec::Pcmu,
            telephone_event: Some(96),
            direction: Direction::RecvOnly,
            srtp: None,
        }
    );
    let m = &answer.media[0];
    assert_eq!(m.formats, vec!["0", "96"]);
    assert_eq!(m.direction(), Direction::RecvOnly);
    assert_eq!(m.port, 40000);
    // PCMA only, no DTMF events.
    let caps = LocalCaps {
        audio: vec![AudioCodec::Pcma],
        telephone_event: None,
        t38: None,
        srtp: SrtpPolicy::Off,
    };
    let (answer, agreed) = offer_answer::answer(&offer, &local(), &caps, 1).unwrap();
    assert!(matches!(
        agreed,
        Negotiated::Audio {
            codec: AudioCodec::Pcma,
            telephone_event: None,
            ..
        }
    ));
    assert_eq!(answer.media[0].formats, vec!["8"]);
}

#[test]
fn answer_prefers_t38_and_rejects_the_other_streams_with_port_zero() {
    let offer = SessionDescription::parse(PEER_T38.as_bytes()).unwrap();
    let (answer, agreed) =
        offer_answer::answer(&offer, &local(), &LocalCaps::default(), 1).unwrap();
    assert_eq!(answer.media.len(), 2, "one answer line per offered line");
    assert_eq!(answer.media[0].port, 0);
    assert_eq!(answer.media[1].port, 40002);
    let Negotiated::T38 {
        address,
        port,
        params,
    } = agreed
    else {
        panic!("{agreed:?}")
    };
    assert_eq!((address.as_str(), port), ("198.51.100.8", 30002));
    // Ours: version 0, 14400, redundancy: the answer takes the lower values.
    assert_eq!(params.version, 0);
    assert_eq!(params.max_bit_rate, 14_400);
    assert_eq!(
        params.error_correction,
        ErrorCorrection::Redundancy,
        "FEC offered, we do redundancy"
    );
    assert_eq!(params.rate_management, RateManagement::TransferredTcf);
    assert!(!params.fill_bit_removal);
    assert!(offer_answer::accepts_t38(&answer));
    // Without T.38 support an image-only offer is a 488.
    let img_only = PEER_T38.replace("m=audio 0 RTP/AVP 8\n", "");
    let caps = LocalCaps {
        t38: None,
        ..LocalCaps::default()
    };
    let err = offer_answer::answer(
        &SessionDescription::parse(img_only.as_bytes()).unwrap(),
        &local(),
        &caps,
        1,
    );
    assert!(matches!(err, Err(sip::error::SipError::NotAcceptable(_))));
}

#[test]
fn reading_an_answer_that_rejected_t38() {
    let ours = offer_answer::offer_t38(&local(), &T38Params::default(), 2);
    let refused = "v=0\r\no=p 1 2 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\nm=image 0 udptl t38\r\n";
    let answer = SessionDescription::parse(refused.as_bytes()).unwrap();
    assert!(!offer_answer::accepts_t38(&answer));
    assert!(offer_answer::read_answer(&ours, &answer, &LocalCaps::default()).is_err());
}

#[test]
fn refusal_codes_and_transport_memory() {
    for code in [488, 415, 606, 0] {
        assert!(is_t38_refusal(code), "{code}");
    }
    assert!(!is_t38_refusal(200));
    assert!(!is_t38_refusal(491), "glare is retried, not a refusal");
    let mut mem = TransportMemory::new(2);
    assert_eq!(mem.first_choice("t", "1"), FaxTransport::T38);
    mem.record("t", "1", FaxTransport::G711);
    assert_eq!(mem.first_choice("t", "1"), FaxTransport::G711);
    assert_eq!(
        mem.first_choice("t", "2"),
        FaxTransport::G711,
        "the trunk's last outcome"
    );
    mem.record("t", "2", FaxTransport::T38);
    assert_eq!(
        mem.first_choice("t", "1"),
        FaxTransport::G711,
        "per number beats per trunk"
    );
    assert_eq!(mem.first_choice("t", "3"), FaxTransport::T38);
    assert_eq!(mem.first_choice("u", "1"), FaxTransport::T38);
}

/// The memory written as text and read back answers the same (what a
/// restart of the line relies on); bad lines are counted, not fatal.
#[test]
fn transport_memory_text_round_trip() {
    let mut mem = TransportMemory::new(10);
    mem.record("t", "1", FaxTransport::G711);
    mem.record("t", "2", FaxTransport::T38);
    mem.record("u", "9", FaxTransport::G711);
    assert!(!mem.would_change("u", "9", FaxTransport::G711));
    assert!(mem.would_change("u", "9", FaxTransport::T38));
    assert!(mem.would_change("u", "8", FaxTransport::G711), "new number");
    let text = mem.to_text();
    let (back, bad) = TransportMemory::from_text(&text, 10);
    assert_eq!(bad, 0, "{text}");
    for (t, n) in [
        ("t", "1"),
        ("t", "2"),
        ("t", "3"),
        ("u", "9"),
        ("u", "7"),
        ("v", "1"),
    ] {
        assert_eq!(back.first_choice(t, n), mem.first_choice(t, n), "{t}/{n}");
    }
    assert_eq!(back.to_text(), text);
    let (m, bad) = TransportMemory::from_text("junk\ntrunk\tt\tfax\nnumber\tt\t5\tg711\n", 10);
    assert_eq!(bad, 2);
    assert_eq!(m.first_choice("t", "5"), FaxTransport::G711);
    // A name with a tab cannot be written, and is left out.
    let mut odd = TransportMemory::new(10);
    odd.record("a\tb", "1", FaxTransport::G711);
    assert_eq!(odd.to_text().trim(), "");
}

#[test]
fn garbage_never_panics() {
    let base = PEER_T38.as_bytes();
    let mut seed = 7u64;
    for _ in 0..3000 {
        let mut b = base.to_vec();
        for _ in 0..3 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = (seed >> 33) as usize % b.len();
            b[i] = (seed >> 24) as u8;
        }
        if let Ok(sdp) = SessionDescription::parse(&b) {
            let _ = offer_answer::answer(&sdp, &local(), &LocalCaps::default(), 1);
            let _ = SessionDescription::parse(&sdp.to_bytes());
        }
    }
}
