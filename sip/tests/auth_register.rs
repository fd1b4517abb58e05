//! Digest authentication (RFC 2617 test vector, qop=auth, nc counting,
//! 401 vs 407), the registration state machine on a simulated clock
//! (challenge, granted expiry, refresh, 423, failure back-off), and trunk
//! failover.

use std::time::Duration;

use sip::auth::{self, Algorithm, Challenge, Credentials, DigestClient};
use sip::dialog::LocalParty;
use sip::register::{granted_expires, RegEvent, RegState, Registration};
use sip::trunk::{should_fail_over, TrunkConfig, TrunkMode, TrunkSet};
use sip::wire::{self, IdGen, MessageText};
use sip::{Request, Response};
use test_kit::origin;

#[test]
fn rfc2617_example_response() {
    // RFC 2617 §3.5.
    let r = auth::digest_response(
        Algorithm::Md5,
        "Mufasa",
        "testrealm@host.com",
        "Circle Of Life",
        "GET",
        "/dir/index.html",
        "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        Some(("00000001", "0a4f113b")),
    );
    assert_eq!(r, "6629fae49393a05397450978507c4ef1");
}

#[test]
fn challenge_parsing_handles_quoted_commas_and_rejects_unknown_algorithms() {
    let c = Challenge::parse(
        r#"Digest realm="a, b", nonce="n1", opaque="o", qop="auth-int,auth", algorithm=MD5-sess, stale=TRUE"#,
        true,
    )
    .unwrap();
    assert_eq!(c.realm, "a, b");
    assert_eq!(c.algorithm, Algorithm::Md5Sess);
    assert!(c.qop_auth && c.stale && c.proxy);
    assert_eq!(c.answer_header(), "Proxy-Authorization");
    assert!(Challenge::parse(
        r#"Digest realm="r", nonce="n", algorithm=SHA-512-256"#,
        false
    )
    .is_err());
    assert!(Challenge::parse(r#"Basic realm="r""#, false).is_err());
    assert!(Challenge::parse(r#"Digest nonce="n""#, false).is_err());
}

fn register_request() -> Request {
    MessageText::request("REGISTER", "sip:reg.test")
        .header("Via", "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKr1;rport")
        .header("From", "<sip:fax@reg.test>;tag=f")
        .header("To", "<sip:fax@reg.test>")
        .header("Call-ID", "r1@gw")
        .header("CSeq", "1 REGISTER")
        .build_request()
        .unwrap()
}

fn challenge(req: &Request, code: u16, nonce: &str, stale: bool) -> Response {
    let h = if code == 407 {
        "Proxy-Authenticate"
    } else {
        "WWW-Authenticate"
    };
    wire::response_to(req, code, "Unauthorized", Some("x"))
        .header(
            h,
            format!(r#"Digest realm="reg.test", nonce="{nonce}", qop="auth", opaque="op", stale={stale}"#),
        )
        .build_response()
        .unwrap()
}

#[test]
fn authorize_adds_a_verifiable_answer_bumps_cseq_and_counts_nonce_uses() {
    let creds = Credentials {
        username: "fax".into(),
        password: "pw".into(),
        realm: None,
    };
    let mut dc = DigestClient::new(creds);
    let mut ids = IdGen::new(9);
    let req = register_request();
    let next = dc
        .authorize(&req, &challenge(&req, 401, "N1", false), &mut ids)
        .unwrap();
    let core = wire::Core::of(&next).unwrap();
    assert_eq!(core.cseq, 2);
    assert_ne!(core.branch, "z9hG4bKr1", "a new transaction");
    let value = wire::header(&next, "Authorization").unwrap();
    assert!(
        value.contains("nc=00000001") && value.contains(r#"opaque="op""#),
        "{value}"
    );
    assert!(auth::verify(&value, "REGISTER", "pw", "N1"));
    assert!(
        !auth::verify(&value, "REGISTER", "other", "N1"),
        "wrong password fails"
    );
    assert!(
        !auth::verify(&value, "INVITE", "pw", "N1"),
        "method is covered"
    );
    // The same nonce again counts up; a 407 goes into Proxy-Authorization.
    let again = dc
        .authorize(&next, &challenge(&next, 407, "N1", false), &mut ids)
        .unwrap();
    let v = wire::header(&again, "Proxy-Authorization").unwrap();
    assert!(v.contains("nc=00000002"), "{v}");
    assert_eq!(
        wire::header_values(&again, "Authorization").len(),
        1,
        "401 answer kept"
    );
    assert!(auth::verify(&v, "REGISTER", "pw", "N1"));
}

#[test]
fn realm_restriction_refuses_foreign_challenges() {
    let mut dc = DigestClient::new(Credentials {
        username: "fax".into(),
        password: "pw".into(),
        realm: Some("mine".into()),
    });
    let req = register_request();
    assert!(dc
        .authorize(&req, &challenge(&req, 401, "N", false), &mut IdGen::new(1))
        .is_err());
}

fn config(expires: u32) -> sip::register::RegistrationConfig {
    TrunkConfig {
        name: "t".into(),
        mode: TrunkMode::Register {
            registrar: "reg.test".into(),
            expires,
        },
        proxy: None,
        outbound_proxy: None,
        user: "fax".into(),
        auth_user: None,
        password: Some("pw".into()),
        realm: None,
    }
    .registration(&LocalParty {
        via_sent_by: "127.0.0.1:5070".into(),
        transport: "UDP".into(),
        contact: "sip:fax@127.0.0.1:5070".into(),
    })
    .unwrap()
}

/// A registrar that challenges once per nonce and grants `grant` seconds.
fn registrar(req: &Request, grant: u32) -> Response {
    match wire::header(req, "Authorization") {
        Some(v) if auth::verify(&v, "REGISTER", "pw", "N") => {
            let contact = wire::header(req, "Contact").unwrap();
            wire::response_to(req, 200, "OK", Some("r"))
                .header("Contact", format!("{contact};expires={grant}"))
                .build_response()
                .unwrap()
        }
        Some(_) => wire::response_to(req, 403, "Forbidden", Some("r"))
            .build_response()
            .unwrap(),
        None => challenge(req, 401, "N", false),
    }
}

#[test]
fn registration_answers_challenge_and_refreshes_before_expiry() {
    let t0 = origin();
    let mut reg = Registration::new(config(3600), IdGen::new(3));
    assert_eq!(reg.poll_request(t0), None, "idle until started");
    reg.start(t0);
    let first = reg.poll_request(t0).unwrap();
    assert_eq!(wire::header(&first, "Expires").as_deref(), Some("3600"));
    let (ev, next) = reg.handle_response(&registrar(&first, 600), t0);
    assert_eq!(ev, None);
    let next = next.expect("answered challenge");
    let (ev, _) = reg.handle_response(&registrar(&next, 600), t0 + Duration::from_millis(20));
    assert_eq!(
        ev,
        Some(RegEvent::Registered { expires: 600 }),
        "the registrar's value wins"
    );
    assert!(reg.is_registered(t0 + Duration::from_secs(599)));
    let refresh = reg.poll_timeout().unwrap();
    assert_eq!(
        refresh - t0,
        Duration::from_secs(540) + Duration::from_millis(20)
    );
    assert_eq!(reg.poll_request(refresh - Duration::from_secs(1)), None);
    let r = reg.poll_request(refresh).unwrap();
    assert_eq!(
        wire::Core::of(&r).unwrap().call_id,
        wire::Core::of(&first).unwrap().call_id
    );
    assert!(wire::Core::of(&r).unwrap().cseq > wire::Core::of(&next).unwrap().cseq);
    assert!(
        matches!(reg.state(), RegState::Registered { .. }),
        "binding holds during refresh"
    );
    // Unregister.
    let (_, next) = reg.handle_response(&registrar(&r, 600), refresh);
    let (ev, _) = reg.handle_response(&registrar(&next.unwrap(), 600), refresh);
    assert_eq!(ev, Some(RegEvent::Registered { expires: 600 }));
    reg.stop(refresh);
    let un = reg.poll_request(refresh).unwrap();
    assert_eq!(wire::header(&un, "Expires").as_deref(), Some("0"));
    let ok = wire::response_to(&un, 200, "OK", None)
        .build_response()
        .unwrap();
    assert_eq!(
        reg.handle_response(&ok, refresh).0,
        Some(RegEvent::Unregistered)
    );
    assert_eq!(reg.state(), RegState::Idle);
}

#[test]
fn wrong_password_and_timeouts_back_off_exponentially() {
    let t0 = origin();
    let mut cfg = config(600);
    cfg.credentials.as_mut().unwrap().password = "bad".into();
    let mut reg = Registration::new(cfg, IdGen::new(4));
    reg.start(t0);
    let mut now = t0;
    let mut backoffs = Vec::new();
    for round in 0..3 {
        let r = reg.poll_request(now).unwrap();
        let ev = if round == 1 {
            reg.handle_timeout(now) // no answer at all this time
        } else {
            let (ev, next) = reg.handle_response(&registrar(&r, 600), now);
            assert!(ev.is_none());
            reg.handle_response(&registrar(&next.unwrap(), 600), now).0
        };
        let Some(RegEvent::Failed { code, retry_in }) = ev else {
            panic!("{ev:?}")
        };
        assert_eq!(code, if round == 1 { 0 } else { 403 });
        backoffs.push(retry_in.as_secs());
        assert_eq!(
            reg.poll_request(now + retry_in - Duration::from_secs(1)),
            None
        );
        now += retry_in;
    }
    assert_eq!(backoffs, vec![30, 60, 120]);
}

#[test]
fn interval_too_brief_retries_with_min_expires() {
    let t0 = origin();
    let mut reg = Registration::new(config(60), IdGen::new(5));
    reg.start(t0);
    let r = reg.poll_request(t0).unwrap();
    let brief = wire::response_to(&r, 423, "Interval Too Brief", Some("x"))
        .header("Min-Expires", "1800")
        .build_response()
        .unwrap();
    assert_eq!(reg.handle_response(&brief, t0), (None, None));
    let again = reg.poll_request(t0).unwrap();
    assert_eq!(wire::header(&again, "Expires").as_deref(), Some("1800"));
}

#[test]
fn granted_expiry_prefers_our_contact() {
    let req = register_request();
    let resp = wire::response_to(&req, 200, "OK", None)
        .header(
            "Contact",
            "<sip:other@1.2.3.4>;expires=10, <sip:fax@127.0.0.1:5070>;expires=120",
        )
        .header("Expires", "99")
        .build_response()
        .unwrap();
    assert_eq!(granted_expires(&resp, "sip:fax@127.0.0.1:5070"), Some(120));
    assert_eq!(granted_expires(&resp, "sip:nobody@x"), Some(10));
    let bare = wire::response_to(&req, 200, "OK", None)
        .header("Expires", "99")
        .build_response()
        .unwrap();
    assert_eq!(granted_expires(&bare, "sip:x@y"), Some(99));
}

#[test]
fn failover_goes_through_trunks_in_order_and_skips_down_ones() {
    let t0 = origin();
    let mut reg_trunk = TrunkConfig::static_peer("provider", "x", "gw");
    reg_trunk.mode = TrunkMode::Register {
        registrar: "sip.provider.test".into(),
        expires: 600,
    };
    reg_trunk.outbound_proxy = Some("10.0.0.9:5060".into());
    assert_eq!(reg_trunk.next_hop(), "10.0.0.9:5060");
    assert_eq!(reg_trunk.route(), vec!["sip:10.0.0.9:5060;lr".to_string()]);
    assert_eq!(
        reg_trunk.request_uri("4930123"),
        "sip:4930123@sip.provider.test"
    );
    let mut set = TrunkSet::new(
        vec![
            reg_trunk,
            TrunkConfig::static_peer("pbx", "192.0.2.10", "gw"),
            TrunkConfig::static_peer("backup", "192.0.2.11", "gw"),
        ],
        Duration::from_secs(60),
    );
    let registered = |up: bool| move |i: usize| i == 0 && up;
    assert_eq!(set.next(None, t0, registered(true)), Some(0));
    assert_eq!(
        set.next(None, t0, registered(false)),
        Some(1),
        "unregistered trunk skipped"
    );
    // Trunk 0 times out on a call: the call moves on, and 0 is held down.
    assert!(should_fail_over(0));
    set.mark_down(0, t0);
    assert_eq!(set.next(Some(0), t0, registered(true)), Some(1));
    assert_eq!(
        set.next(None, t0 + Duration::from_secs(59), registered(true)),
        Some(1)
    );
    assert_eq!(
        set.next(None, t0 + Duration::from_secs(60), registered(true)),
        Some(0)
    );
    assert_eq!(
        set.next(Some(2), t0, registered(true)),
        None,
        "no more trunks"
    );
    for code in [408, 500, 503, 403] {
        assert!(should_fail_over(code), "{code}");
    }
    for code in [404, 486, 600, 603, 484] {
        assert!(!should_fail_over(code), "{code} is the callee's answer");
    }
}

/// NAT (RFC 3581): the registrar stamps `received`/`rport` into the Via of
/// its answers (as our endpoint does for requests it serves); the client
/// learns its public address from them, and a change of Contact registers
/// again at once, also when it is learned from the challenge while the
/// REGISTER is in flight.
#[test]
fn a_learned_public_address_is_registered_as_the_contact() {
    use sip::nat::{rewrite_uri_host, stamp_response, PublicAddress};
    let t0 = origin();
    let public: std::net::SocketAddr = "203.0.113.1:40123".parse().unwrap();
    let mut reg = Registration::new(config(600), IdGen::new(6));
    let mut nat = PublicAddress::new("127.0.0.1:5070".parse().unwrap(), None, true);
    reg.start(t0);
    let first = reg.poll_request(t0).unwrap();
    // The challenge comes back from behind the NAT: learn, change Contact.
    let challenge = stamp_response(&registrar(&first, 600), public);
    let learned = nat.observe(&challenge).expect("a new address");
    assert_eq!(learned, public);
    reg.set_contact(rewrite_uri_host(reg.contact(), learned), t0);
    assert_eq!(reg.contact(), "sip:fax@203.0.113.1:40123");
    let (_, next) = reg.handle_response(&challenge, t0);
    let next = next.unwrap();
    let ok = stamp_response(&registrar(&next, 600), public);
    assert_eq!(nat.observe(&ok), None, "the same address again");
    let (ev, _) = reg.handle_response(&ok, t0);
    assert_eq!(ev, Some(RegEvent::Registered { expires: 600 }));
    // The answered REGISTER still carried the old Contact (it was built
    // before): the new one goes out now, not at the refresh.
    assert_eq!(reg.poll_timeout(), Some(t0));
    let again = reg.poll_request(t0).unwrap();
    // The new binding, and the old one removed (no calls forked to it).
    assert_eq!(
        wire::header_values(&again, "Contact"),
        [
            "<sip:fax@203.0.113.1:40123>",
            "<sip:fax@127.0.0.1:5070>;expires=0"
        ]
    );
    // Setting the same Contact again changes nothing.
    let (_, n) = reg.handle_response(&registrar(&again, 600), t0);
    reg.handle_response(&registrar(&n.unwrap(), 600), t0);
    reg.set_contact("sip:fax@203.0.113.1:40123".into(), t0);
    assert!(reg.poll_timeout().unwrap() > t0 + Duration::from_secs(200));
    // The refresh carries only the current Contact.
    let refresh = reg.poll_timeout().unwrap();
    let r = reg.poll_request(refresh).unwrap();
    assert_eq!(
        wire::header_values(&r, "Contact"),
        ["<sip:fax@203.0.113.1:40123>"]
    );
}
