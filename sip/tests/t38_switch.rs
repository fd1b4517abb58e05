//! The audio → T.38 switch as pure state (issue 7, "Switching"): who asks,
//! what a refusal or silence means, and that a refresh re-INVITE in the
//! middle of a T.38 fax changes nothing.

use std::time::Duration;

use sip::sdp::offer_answer::{self, LocalCaps, LocalMedia, Negotiated};
use sip::sdp::t38::{FaxTransport, SwitchAction, SwitchState, T38Params, T38Switch};
use test_kit::origin;

#[test]
fn agreed_t38_without_packets_goes_back_to_audio() {
    let t0 = origin();
    let mut s = T38Switch::new(true, Duration::from_secs(5));
    s.handle_fax_tone();
    assert_eq!(
        s.handle_offer_result(200, true, t0, 0.3),
        SwitchAction::StartT38
    );
    assert_eq!(s.transport(), FaxTransport::T38);
    assert_eq!(s.poll_timeout(), Some(t0 + Duration::from_secs(5)));
    assert_eq!(s.handle_timeout(t0 + Duration::from_secs(4)), None);
    assert_eq!(
        s.handle_timeout(t0 + Duration::from_secs(5)),
        Some(SwitchAction::SendAudioOffer)
    );
    assert_eq!(s.state(), SwitchState::FellBack);
    assert_eq!(s.transport(), FaxTransport::G711);
}

#[test]
fn a_2xx_that_drops_the_image_stream_is_a_refusal() {
    let mut s = T38Switch::new(true, Duration::from_secs(5));
    s.handle_fax_tone();
    assert_eq!(
        s.handle_offer_result(200, false, origin(), 0.3),
        SwitchAction::UseG711
    );
    assert_eq!(s.state(), SwitchState::FellBack);
}

#[test]
fn timeout_of_the_reinvite_falls_back() {
    let mut s = T38Switch::new(true, Duration::from_secs(5));
    s.handle_fax_tone();
    assert_eq!(
        s.handle_offer_result(0, false, origin(), 0.3),
        SwitchAction::UseG711
    );
}

#[test]
fn disabled_switch_never_offers() {
    let mut s = T38Switch::new(false, Duration::from_secs(5));
    assert_eq!(s.handle_fax_tone(), None);
    assert_eq!(s.transport(), FaxTransport::G711);
}

#[test]
fn glare_is_retried_at_most_twice() {
    let t0 = origin();
    let mut s = T38Switch::new(true, Duration::from_secs(5));
    let mut retries = 0;
    s.handle_fax_tone();
    loop {
        match s.handle_offer_result(491, false, t0, 0.9) {
            SwitchAction::RetryAfter(d) => {
                assert!(d <= Duration::from_secs(4));
                retries += 1;
                assert_eq!(s.handle_retry(), Some(SwitchAction::SendT38Offer));
            }
            other => {
                assert_eq!(other, SwitchAction::UseG711);
                break;
            }
        }
    }
    assert_eq!(retries, 2);
}

#[test]
fn refresh_reinvite_in_the_middle_of_t38_keeps_t38() {
    let t0 = origin();
    let mut s = T38Switch::new(true, Duration::from_secs(5));
    // The peer switched us to T.38 and packets flow.
    s.handle_peer_t38(t0);
    s.handle_t38_packet();
    assert_eq!(s.state(), SwitchState::T38);
    // A session-timer re-INVITE repeats the T.38 offer mid-page: the
    // answer is T.38 again and the switch stays where it is.
    let local = LocalMedia {
        address: "127.0.0.1".into(),
        audio_port: 40000,
        t38_port: 40002,
        session_id: "1".into(),
        srtp_key: None,
    };
    let refresh = offer_answer::offer_t38(&local, &T38Params::default(), 7);
    let (_, agreed) = offer_answer::answer(&refresh, &local, &LocalCaps::default(), 8).unwrap();
    assert!(matches!(agreed, Negotiated::T38 { .. }));
    s.handle_peer_t38(t0 + Duration::from_secs(30));
    assert_eq!(s.state(), SwitchState::T38);
    assert_eq!(s.poll_timeout(), None, "no no-packet deadline armed again");
    assert_eq!(s.handle_fax_tone(), None, "no second switch");
}
