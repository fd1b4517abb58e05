//! The outgoing INVITE engine: digest retry, the ACK of the 2xx, CANCEL
//! only after a provisional response, and the failover decision.

use sip::auth::{self, Credentials};
use sip::call::{InviteOutcome, OutgoingInvite};
use sip::dialog::{new_request, LocalParty};
use sip::wire::{self, Core, IdGen};
use sip::{Request, Response};

fn local() -> LocalParty {
    LocalParty {
        via_sent_by: "127.0.0.1:5070".into(),
        transport: "UDP".into(),
        contact: "sip:fax@127.0.0.1:5070".into(),
    }
}

fn start(ids: &mut IdGen, creds: bool) -> (OutgoingInvite, Request) {
    let invite = new_request(
        "INVITE",
        "sip:4930123@trunk.test",
        "<sip:fax@gw.test>",
        "<sip:4930123@trunk.test>",
        &local(),
        &[],
        ids,
        None,
    )
    .unwrap();
    let creds = creds.then(|| Credentials {
        username: "fax".into(),
        password: "pw".into(),
        realm: None,
    });
    OutgoingInvite::new(invite, local(), creds)
}

fn reply(req: &Request, code: u16, extra: Option<(&str, &str)>) -> Response {
    let mut m = wire::response_to(req, code, "X", Some("far"));
    if let Some((h, v)) = extra {
        m.push(h, v);
    }
    m.push("Contact", "<sip:trunk@192.0.2.5:5060>");
    m.build_response().unwrap()
}

#[test]
fn proxy_challenge_is_answered_then_the_2xx_gives_dialog_and_ack() {
    let mut ids = IdGen::new(1);
    let (mut call, first) = start(&mut ids, true);
    let ch = r#"Digest realm="trunk", nonce="abc", qop="auth""#;
    let next = match call.handle_response(
        &reply(&first, 407, Some(("Proxy-Authenticate", ch))),
        &mut ids,
    ) {
        InviteOutcome::Send(r) => r,
        other => panic!("{other:?}"),
    };
    let (c1, c2) = (Core::of(&first).unwrap(), Core::of(&next).unwrap());
    assert_eq!(
        (c2.call_id, c2.from_tag.clone(), c2.cseq),
        (c1.call_id, c1.from_tag, 2)
    );
    let v = wire::header(&next, "Proxy-Authorization").unwrap();
    assert!(auth::verify(&v, "INVITE", "pw", "abc"));
    assert_eq!(
        call.handle_response(&reply(&next, 180, None), &mut ids),
        InviteOutcome::Provisional(180)
    );
    let cancel = call.cancel().unwrap();
    assert_eq!(
        Core::of(&cancel).unwrap().cseq,
        2,
        "CANCEL of the INVITE in flight"
    );
    let InviteOutcome::Answered { dialog, ack, .. } =
        call.handle_response(&reply(&next, 200, None), &mut ids)
    else {
        panic!("answered")
    };
    assert_eq!(dialog.remote_target, "sip:trunk@192.0.2.5:5060");
    let a = Core::of(&ack).unwrap();
    assert_eq!(
        (a.cseq, a.cseq_method.as_str(), a.to_tag.as_deref()),
        (2, "ACK", Some("far"))
    );
    assert_ne!(
        a.branch, c2.branch,
        "the 2xx ACK is a transaction of its own"
    );
    assert!(call.cancel().is_err(), "nothing to cancel after the answer");
}

#[test]
fn failures_say_whether_to_try_the_next_trunk() {
    let mut ids = IdGen::new(2);
    let (mut call, first) = start(&mut ids, false);
    assert!(
        call.cancel().is_err(),
        "no CANCEL before a provisional response"
    );
    let ch = r#"Digest realm="trunk", nonce="abc""#;
    // No credentials for this trunk: the challenge is a trunk failure.
    assert_eq!(
        call.handle_response(
            &reply(&first, 401, Some(("WWW-Authenticate", ch))),
            &mut ids
        ),
        InviteOutcome::Failed {
            code: 401,
            fail_over: true
        }
    );
    let (mut call, first) = start(&mut ids, false);
    assert_eq!(
        call.handle_response(&reply(&first, 486, None), &mut ids),
        InviteOutcome::Failed {
            code: 486,
            fail_over: false
        }
    );
    let (mut call, _) = start(&mut ids, false);
    assert_eq!(
        call.handle_timeout(),
        InviteOutcome::Failed {
            code: 0,
            fail_over: true
        }
    );
    // Wrong password: the second challenge after answering is refused.
    let (mut call, first) = start(&mut ids, true);
    let mut req = first;
    let mut rounds = 0;
    loop {
        match call.handle_response(&reply(&req, 401, Some(("WWW-Authenticate", ch))), &mut ids) {
            InviteOutcome::Send(r) => {
                rounds += 1;
                req = r;
            }
            InviteOutcome::Failed {
                code: 401,
                fail_over: true,
            } => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(rounds, 1, "one answer; a second challenge is a refusal");
    // ...unless the registrar only says the nonce was stale.
    let (mut call, first) = start(&mut ids, true);
    let stale = r#"Digest realm="trunk", nonce="new", stale=true"#;
    assert!(matches!(
        call.handle_response(
            &reply(&first, 401, Some(("WWW-Authenticate", ch))),
            &mut ids
        ),
        InviteOutcome::Send(_)
    ));
    let again = call.request().clone();
    assert!(matches!(
        call.handle_response(
            &reply(&again, 401, Some(("WWW-Authenticate", stale))),
            &mut ids
        ),
        InviteOutcome::Send(_)
    ));
}

#[test]
fn called_and_calling_numbers_of_an_incoming_invite() {
    use sip::call::{called_number, caller_id, user_part, CalledFrom};
    use sip::wire::MessageText;
    let invite = MessageText::request("INVITE", "sip:+49-30-123;npdi@gw.test:5060;user=phone")
        .header("Via", "SIP/2.0/UDP 192.0.2.5;branch=z9hG4bKx")
        .header("From", "\"Alice\" <sip:0301111@trunk.test>;tag=a")
        .header("To", "<sip:200@pbx.test>")
        .header("Call-ID", "c@x")
        .header("CSeq", "1 INVITE")
        .header(
            "P-Asserted-Identity",
            "\"Alice\" <sip:+49301111@trunk.test>, <tel:+49301111>",
        )
        .build_request()
        .unwrap();
    assert_eq!(
        called_number(&invite, CalledFrom::RequestUri).as_deref(),
        Some("+4930123")
    );
    assert_eq!(
        called_number(&invite, CalledFrom::To).as_deref(),
        Some("200")
    );
    assert_eq!(
        caller_id(&invite).as_deref(),
        Some("+49301111"),
        "PAI before From"
    );
    let mut m = MessageText::from_request(&invite);
    m.remove("P-Asserted-Identity");
    let plain = m.build_request().unwrap();
    assert_eq!(caller_id(&plain).as_deref(), Some("0301111"));
    m.set(
        "From",
        "\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=b",
    );
    assert_eq!(caller_id(&m.build_request().unwrap()), None);
    assert_eq!(user_part("tel:+1-555-0100"), Some("+15550100".into()));
    assert_eq!(user_part("sip:gw.test"), None);
    assert_eq!(user_part("mailto:x@y"), None);
}
