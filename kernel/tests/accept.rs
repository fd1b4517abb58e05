//! The front door for outgoing messages: recipient addresses, relay tricks,
//! senders, permissions, the rate limit and the records it builds.

use kernel::accept::{AcceptRequest, Accepted, Acceptor, Refusal, RefusalKind};
use kernel::directory::{Directory, User};
use kernel::job::{Final, JobState};
use kernel::message::{Direction, MessageId, Service, Status, Timestamp};
use kernel::numbering::{DialPolicy, Number, NumberingPlan, Permissions, RateLimiter};
use kernel::report::Cause;
use kernel::store::Store;

const T0: Timestamp = Timestamp(1_795_811_201_000);

fn munich() -> NumberingPlan {
    NumberingPlan::germany("89", "123456")
}

fn directory() -> Directory {
    Directory {
        users: vec![
            User {
                id: "anna".into(),
                name: "Anna Schmidt".into(),
                email: "anna@example.com".into(),
                sender_number: Some("+49 89 123456-20".into()),
                fax_header: Some("Example GmbH".into()),
                ..Default::default()
            },
            User {
                id: "bob".into(),
                name: "Bob Jones".into(),
                email: "bob@example.com".into(),
                permissions: Permissions {
                    international: true,
                    ..Default::default()
                },
                fax_header: Some("Example GmbH, Export".into()),
                ..Default::default()
            },
        ],
        groups: vec![],
        default_recipient: "ops@example.com".into(),
    }
}

fn acceptor_with_limit(max: u32, per_secs: u64) -> Acceptor {
    let plan = munich();
    Acceptor::new(
        plan.clone(),
        DialPolicy::new(&plan),
        directory(),
        RateLimiter::new(max, per_secs),
        vec![
            ("Fax.Example.com".into(), Service::Fax),
            ("sms.example.com".into(), Service::Sms),
        ],
    )
}

fn acceptor() -> Acceptor {
    acceptor_with_limit(100, 3600)
}

fn request(from: &str, rcpt: &str) -> AcceptRequest {
    AcceptRequest {
        envelope_sender: format!("<{from}>"),
        from_header: Some(format!("Sender <{from}>")),
        rcpt: rcpt.into(),
        subject: Some("Offer".into()),
        document: Some("/var/spool/ums/out/42.tif".into()),
        pages: 3,
        priority: 5,
        ..Default::default()
    }
}

fn queued(a: Accepted) -> kernel::store::Record {
    match a {
        Accepted::Queued(r) => r,
        Accepted::Rejected { refusal, .. } => panic!("refused: {}", refusal.smtp_reply()),
    }
}

fn refused(a: Accepted) -> Refusal {
    match a {
        Accepted::Rejected { refusal, .. } => refusal,
        Accepted::Queued(r) => panic!("queued: {:?}", r.message.recipient_number),
    }
}

fn assert_refusal(r: &Refusal, kind: RefusalKind, code: u16, enhanced: &str) {
    assert_eq!(r.kind, kind, "{}", r.smtp_reply());
    assert_eq!(r.smtp, (code, enhanced), "{}", r.smtp_reply());
    assert!(
        r.smtp_reply().starts_with(&format!("{code} {enhanced} ")),
        "{}",
        r.smtp_reply()
    );
}

fn relay_refused(a: &Acceptor, rcpt: &str) -> Refusal {
    let r = a
        .recipient(rcpt)
        .expect_err(&format!("{rcpt} must be refused"));
    assert_refusal(&r, RefusalKind::RelayDenied, 550, "5.7.1");
    assert_eq!(r.cause, Cause::NotPermitted);
    assert!(r.text.contains("we do not relay"), "{rcpt}: {}", r.text);
    r
}

#[test]
fn every_written_form_in_rcpt_gives_the_same_number() {
    let a = acceptor();
    for rcpt in [
        "+49-89-123456@fax.example.com",
        "0049.89.123456@fax.example.com",
        "089123456@fax.example.com",
        "123456@fax.example.com",
        "+49(0)89123456@fax.example.com",
        "<+4989123456@fax.example.com>",
        "<089/123456@FAX.EXAMPLE.COM>",
        "tel:+49-89-123456@fax.example.com",
    ] {
        let (service, number, written) =
            a.recipient(rcpt).unwrap_or_else(|r| panic!("{rcpt}: {r}"));
        assert_eq!(service, Service::Fax, "{rcpt}");
        assert_eq!(number, Number::E164("+4989123456".into()), "{rcpt}");
        assert_eq!(a.plan().dial_string(&number), "089123456", "{rcpt}");
        assert_eq!(written, rcpt.trim_matches(['<', '>']), "{rcpt}");
    }
}

#[test]
fn to_header_with_display_name_gives_the_same_number() {
    let a = acceptor();
    for to in [
        r#""Dr. Müller" <+49 89 123-456@fax.example.com>"#,
        "Dr. Müller <0049 89 123456@Fax.Example.Com>",
        r#""Müller, Praxis <Fax>" <089 123456@fax.example.com>"#,
        "+49 (89) 123456@fax.example.com (Dr. Müller)",
        "  <+49 89 123456@fax.example.com.>  ",
    ] {
        let (service, number, written) = a.recipient(to).unwrap_or_else(|r| panic!("{to}: {r}"));
        assert_eq!(service, Service::Fax, "{to}");
        assert_eq!(number.as_str(), "+4989123456", "{to}");
        assert_eq!(a.plan().dial_string(&number), "089123456", "{to}");
        assert!(
            !written.contains('<') && !written.contains("Müller"),
            "{written}"
        );
    }
}

#[test]
fn relay_tricks_are_refused_with_550_5_7_1() {
    let a = acceptor();
    for rcpt in [
        "123456%other.com@fax.example.com",
        "other.com!123456@fax.example.com",
        "other.com!123456",
        "<@fax.example.com,@relay.example:123456@other.com>",
        "@fax.example.com:123456@other.com",
        r#""123456"@fax.example.com"#,
        r#""123456@other.com"@fax.example.com"#,
        "123456@[127.0.0.1]",
        "<123456@[IPv6:::1]>",
        "123456@other.com@fax.example.com",
    ] {
        relay_refused(&a, rcpt);
    }
}

#[test]
fn unknown_domain_is_refused_as_relay() {
    let a = acceptor();
    for rcpt in [
        "089123456@example.org",
        "089123456@sub.fax.example.com",
        "089123456@fax.example.com.evil.example",
        "Somebody <089123456@voice.example.com>",
    ] {
        let r = relay_refused(&a, rcpt);
        assert!(
            r.text.contains("not a domain of this gateway"),
            "{}",
            r.text
        );
    }
}

#[test]
fn relay_attempt_is_refused_whoever_sends_it() {
    let mut a = acceptor();
    let r = refused(a.accept(
        &request("bob@example.com", "4989123456@other.example"),
        MessageId(1),
        T0,
    ));
    assert_refusal(&r, RefusalKind::RelayDenied, 550, "5.7.1");
    let r = refused(a.accept(
        &request("mallory@evil.example", "4989123456@other.example"),
        MessageId(2),
        T0,
    ));
    assert_refusal(&r, RefusalKind::RelayDenied, 550, "5.7.1");
}

#[test]
fn bad_number_gives_553_5_1_3_with_a_clear_text() {
    let a = acceptor();
    let cases = [
        ("+49 89 12x456@fax.example.com", "letters are not allowed"),
        ("+49 089 123456@fax.example.com", "trunk prefix 0"),
        ("+49 89 1234567890123456@fax.example.com", "too long"),
        ("@fax.example.com", "relay"),
        ("postmaster@fax.example.com", "letters are not allowed"),
        ("+999 123456@fax.example.com", "not a country code"),
    ];
    for (rcpt, expected) in cases {
        let r = a.recipient(rcpt).expect_err(rcpt);
        if expected == "relay" {
            // "@domain" reads as the start of a source route.
            assert_eq!(r.kind, RefusalKind::RelayDenied, "{rcpt}");
            continue;
        }
        assert_refusal(&r, RefusalKind::BadNumber, 553, "5.1.3");
        assert_eq!(r.cause, Cause::InvalidNumber);
        assert!(r.text.contains("is not a valid number"), "{}", r.text);
        assert!(r.text.contains(expected), "{rcpt}: {}", r.text);
    }
    let r = a
        .recipient(" @fax.example.com")
        .expect_err("empty local part");
    assert!(r.kind == RefusalKind::RelayDenied || r.kind == RefusalKind::BadNumber);
}

#[test]
fn malformed_address_gives_553_5_1_3() {
    let a = acceptor();
    for rcpt in [
        "",
        "<>",
        "089123456",
        "089123456@",
        "<089123456@fax.example.com",
        "089123456@fax.example.com>",
        "a@fax.example.com, b@fax.example.com",
        "<1@fax.example.com> <2@fax.example.com>",
        "089123456@fax.example.com\r\nRCPT TO:<1@other.com>",
    ] {
        let r = a.recipient(rcpt).expect_err(rcpt);
        assert_refusal(&r, RefusalKind::BadAddress, 553, "5.1.3");
    }
    let long = format!("{}@fax.example.com", "1".repeat(600));
    let r = a.recipient(&long).expect_err("too long");
    assert!(r.text.contains("too long"), "{}", r.text);
}

#[test]
fn unknown_sender_is_refused() {
    let mut a = acceptor();
    let r = refused(a.accept(
        &request("mallory@evil.example", "089123456@fax.example.com"),
        MessageId(1),
        T0,
    ));
    assert_refusal(&r, RefusalKind::UnknownSender, 550, "5.7.1");
    assert_eq!(r.cause, Cause::NotPermitted);
    assert!(r.text.contains("mallory@evil.example"), "{}", r.text);
    assert!(r.text.contains("not a known user"), "{}", r.text);
}

#[test]
fn sender_is_found_by_from_header_else_envelope() {
    let mut a = acceptor();
    let mut req = request("anna@example.com", "089123456@fax.example.com");
    req.envelope_sender = "<bounces@lists.example>".into();
    req.from_header = Some(r#""Schmidt, Anna" <ANNA@example.com>"#.into());
    let rec = queued(a.accept(&req, MessageId(1), T0));
    assert_eq!(rec.message.user.as_deref(), Some("anna"));

    req.from_header = None;
    req.envelope_sender = "<bob@example.com>".into();
    let rec = queued(a.accept(&req, MessageId(2), T0));
    assert_eq!(rec.message.user.as_deref(), Some("bob"));

    req.from_header = Some("Stranger <stranger@example.net>".into());
    let rec = queued(a.accept(&req, MessageId(3), T0));
    assert_eq!(rec.message.user.as_deref(), Some("bob"));
}

#[test]
fn international_needs_permission() {
    let mut a = acceptor();
    for rcpt in [
        "+1 212 555 0100@fax.example.com",
        "0044 20 7946 0018@fax.example.com",
    ] {
        let r = refused(a.accept(&request("anna@example.com", rcpt), MessageId(1), T0));
        assert_refusal(&r, RefusalKind::NotPermitted, 550, "5.7.1");
        assert_eq!(r.cause, Cause::NotPermitted);
        assert!(
            r.text
                .starts_with("International numbers are not permitted"),
            "{}",
            r.text
        );

        let rec = queued(a.accept(&request("bob@example.com", rcpt), MessageId(2), T0));
        assert_eq!(rec.message.user.as_deref(), Some("bob"));
    }
    let rec = queued(a.accept(
        &request("anna@example.com", "030 1234567@fax.example.com"),
        MessageId(3),
        T0,
    ));
    assert_eq!(
        rec.message.recipient_number.as_deref(),
        Some("+49301234567")
    );
    assert_eq!(rec.message.dial_string.as_deref(), Some("0301234567"));
    let rec = queued(a.accept(
        &request("bob@example.com", "+44 20 7946 0018@fax.example.com"),
        MessageId(4),
        T0,
    ));
    assert_eq!(rec.message.dial_string.as_deref(), Some("00442079460018"));
}

#[test]
fn premium_numbers_are_refused() {
    let mut a = acceptor();
    for (from, rcpt) in [
        ("anna@example.com", "0900 1234567@fax.example.com"),
        ("bob@example.com", "+49 900 1234567@fax.example.com"),
        ("bob@example.com", "+1 900 555 0100@fax.example.com"),
    ] {
        let r = refused(a.accept(&request(from, rcpt), MessageId(1), T0));
        assert_refusal(&r, RefusalKind::NotPermitted, 550, "5.7.1");
        assert!(r.text.contains("Premium-rate"), "{}", r.text);
    }
}

#[test]
fn service_permission_is_checked() {
    let plan = munich();
    let mut dir = directory();
    dir.users[0].permissions.sms = false;
    let mut a = Acceptor::new(
        plan.clone(),
        DialPolicy::new(&plan),
        dir,
        RateLimiter::new(10, 60),
        vec![("sms.example.com".into(), Service::Sms)],
    );
    let r = refused(a.accept(
        &request("anna@example.com", "0170 1234567@sms.example.com"),
        MessageId(1),
        T0,
    ));
    assert_refusal(&r, RefusalKind::NotPermitted, 550, "5.7.1");
    assert!(
        r.text == "SMS messages are not permitted for this sender.",
        "{}",
        r.text
    );
}

#[test]
fn rate_limit_refuses_one_too_many_then_allows_after_the_window() {
    let mut a = acceptor_with_limit(3, 60);
    let req = request("anna@example.com", "089123456@fax.example.com");
    for i in 0..3 {
        queued(a.accept(&req, MessageId(i), T0.plus_secs(i * 10)));
    }
    let r = refused(a.accept(&req, MessageId(3), T0.plus_secs(30)));
    assert_refusal(&r, RefusalKind::RateLimited, 451, "4.7.1");
    assert!(r.is_temporary());
    assert_eq!(r.cause, Cause::Other);
    assert_eq!(r.retry_after_secs, Some(30));
    assert!(r.text.contains("try again in 30 s"), "{}", r.text);

    // Another sender is not affected.
    queued(a.accept(
        &request("bob@example.com", "089123456@fax.example.com"),
        MessageId(4),
        T0.plus_secs(30),
    ));
    // The first message leaves the window at T0 + 60 s.
    queued(a.accept(&req, MessageId(5), T0.plus_secs(60)));
}

#[test]
fn refused_messages_do_not_count_against_the_rate_limit() {
    let mut a = acceptor_with_limit(1, 60);
    let bad = request("anna@example.com", "+1 212 555 0100@fax.example.com");
    for i in 0..3 {
        refused(a.accept(&bad, MessageId(i), T0));
    }
    queued(a.accept(
        &request("anna@example.com", "089123456@fax.example.com"),
        MessageId(9),
        T0,
    ));
}

#[test]
fn send_at_becomes_the_jobs_not_before() {
    let mut a = acceptor();
    let mut req = request("anna@example.com", "089123456@fax.example.com");
    let later = T0.plus_secs(7200);
    req.send_at = Some(later);
    let rec = queued(a.accept(&req, MessageId(1), T0));
    let job = rec.job.expect("job");
    assert_eq!(job.state, JobState::Waiting { not_before: later });
    assert!(!job.is_due(T0) && job.is_due(later));

    req.send_at = None;
    let rec = queued(a.accept(&req, MessageId(2), T0));
    assert_eq!(
        rec.job.expect("job").state,
        JobState::Waiting { not_before: T0 }
    );
}

#[test]
fn sms_domain_yields_an_sms() {
    let mut a = acceptor();
    let mut req = request("anna@example.com", "0170 1234567@SMS.example.com");
    req.document = None;
    req.pages = 0;
    req.text = Some("Meeting moved to 3 pm".into());
    let rec = queued(a.accept(&req, MessageId(1), T0));
    assert_eq!(rec.message.service, Service::Sms);
    assert_eq!(
        rec.message.recipient_number.as_deref(),
        Some("+491701234567")
    );
    assert_eq!(
        rec.message.recipient_address.as_deref(),
        Some("+491701234567@sms.example.com")
    );
    assert_eq!(rec.message.text.as_deref(), Some("Meeting moved to 3 pm"));
    assert_eq!(rec.job.expect("job").pages_total, 0);
}

#[test]
fn queued_record_carries_the_journal_fields() {
    let mut a = acceptor();
    let mut req = request(
        "anna@example.com",
        r#""Dr. Müller" <+49 89 123-456@fax.example.com>"#,
    );
    req.billing_code = Some("PRJ-7".into());
    req.priority = 12;
    let rec = queued(a.accept(&req, MessageId(42), T0));
    let m = &rec.message;
    assert_eq!(m.id, MessageId(42));
    assert_eq!(m.direction, Direction::Outgoing);
    assert_eq!(m.service, Service::Fax);
    assert_eq!(m.status, Status::Queued);
    assert_eq!(m.user.as_deref(), Some("anna"));
    assert_eq!(m.sender_address.as_deref(), Some("anna@example.com"));
    assert_eq!(m.envelope_sender.as_deref(), Some("anna@example.com"));
    assert_eq!(m.recipient_number.as_deref(), Some("+4989123456"));
    assert_eq!(
        m.recipient_address.as_deref(),
        Some("+4989123456@fax.example.com")
    );
    assert_eq!(
        m.original_recipient.as_deref(),
        Some("+49 89 123-456@fax.example.com")
    );
    assert_eq!(m.dial_string.as_deref(), Some("089123456"));
    assert_eq!(m.local_station_id.as_deref(), Some("+498912345620"));
    // The header text the runner gives the fax engine for this user's pages.
    assert_eq!(m.fax_header.as_deref(), Some("Example GmbH"));
    assert_eq!(m.subject.as_deref(), Some("Offer"));
    assert_eq!(m.document.as_deref(), Some("/var/spool/ums/out/42.tif"));
    assert_eq!(m.pages, 3);
    assert_eq!(m.priority, 9);
    assert_eq!(m.billing_code.as_deref(), Some("PRJ-7"));
    assert_eq!(m.created_at, T0);
    let job = rec.job.as_ref().expect("job");
    assert_eq!((job.pages_total, job.priority), (3, 9));

    // Without a sender number the fax header stands in.
    let rec = queued(a.accept(
        &request("bob@example.com", "089123456@fax.example.com"),
        MessageId(43),
        T0,
    ));
    assert_eq!(
        rec.message.local_station_id.as_deref(),
        Some("Example GmbH, Export")
    );
}

#[test]
fn rejected_record_is_failed_with_a_readable_reason() {
    let mut a = acceptor();
    let Accepted::Rejected { record, refusal } = a.accept(
        &request("anna@example.com", "+49 89 12x456@fax.example.com"),
        MessageId(7),
        T0,
    ) else {
        panic!("must be refused");
    };
    let m = &record.message;
    assert_eq!(m.direction, Direction::Outgoing);
    assert_eq!(m.status, Status::Failed);
    assert_eq!(m.failure_cause, Some(Cause::InvalidNumber));
    assert_eq!(m.completed_at, Some(T0));
    assert_eq!(
        m.original_recipient.as_deref(),
        Some("+49 89 12x456@fax.example.com")
    );
    let reason = m.status_reason.as_deref().expect("reason");
    assert_eq!(reason, refusal.text);
    assert!(
        reason.starts_with("'+49 89 12x456' is not a valid number: letters are not allowed"),
        "{reason}"
    );
    let job = record.job.as_ref().expect("job");
    assert!(job.is_done());
    assert!(matches!(
        &job.state,
        JobState::Done(Final::Failed {
            permanent: true,
            ..
        })
    ));

    // A policy refusal keeps what was learnt about the recipient.
    let Accepted::Rejected { record, refusal } = a.accept(
        &request("anna@example.com", "+1 212 555 0100@fax.example.com"),
        MessageId(8),
        T0,
    ) else {
        panic!("must be refused");
    };
    assert_eq!(refusal.cause, Cause::NotPermitted);
    let m = &record.message;
    assert_eq!(m.failure_cause, Some(Cause::NotPermitted));
    assert_eq!(m.user.as_deref(), Some("anna"));
    assert_eq!(m.recipient_number.as_deref(), Some("+12125550100"));
    assert_eq!(
        m.status_reason.as_deref(),
        Some("International numbers are not permitted for this sender (+12125550100).")
    );
}

#[test]
fn records_from_accept_are_stored_and_read_back() {
    let dir = test_kit::Scratch::new("accept-store");
    let store = Store::open(&dir.join("store")).expect("open store");
    let mut a = acceptor();
    let ok_id = store.next_id().expect("id");
    let ok = queued(a.accept(
        &request("anna@example.com", "089123456@fax.example.com"),
        ok_id,
        T0,
    ));
    let bad_id = store.next_id().expect("id");
    let bad = match a.accept(
        &request("anna@example.com", "0900 1234567@fax.example.com"),
        bad_id,
        T0,
    ) {
        Accepted::Rejected { record, .. } => record,
        Accepted::Queued(_) => panic!("premium must be refused"),
    };
    store
        .insert_batch(&[ok.clone(), bad.clone()])
        .expect("insert");
    assert_eq!(store.get(ok_id).expect("get"), Some(ok.clone()));
    assert_eq!(store.get(bad_id).expect("get"), Some(bad));
    let open: Vec<_> = store
        .open_jobs()
        .expect("open jobs")
        .into_iter()
        .map(|r| r.message.id)
        .collect();
    assert_eq!(open, vec![ok_id]);
    drop(store);
}

#[test]
fn an_allowed_sender_domain_maps_its_senders_to_a_directory_user() {
    // Everyone at export.example.com sends with bob's permissions
    // (international allowed); others stay unknown.
    let mut a = acceptor().with_sender_domain("Export.Example.com", "bob");
    let rec = queued(a.accept(
        &request(
            "carol@export.example.com",
            "+1 212 555 0100@fax.example.com",
        ),
        MessageId(7),
        Timestamp(1_000),
    ));
    assert_eq!(rec.message.user.as_deref(), Some("bob"));
    assert_eq!(
        rec.message.sender_address.as_deref(),
        Some("carol@export.example.com")
    );
    let r = refused(a.accept(
        &request("carol@elsewhere.example", "+49 89 555@fax.example.com"),
        MessageId(8),
        Timestamp(2_000),
    ));
    assert_refusal(&r, RefusalKind::UnknownSender, 550, "5.7.1");
}

#[test]
fn a_resend_keeps_the_pages_and_checks_the_new_number_like_a_mail() {
    let mut a = acceptor_with_limit(2, 3600);
    let first = queued(a.accept(
        &request("anna@example.com", "030 1111@fax.example.com"),
        MessageId(1),
        T0,
    ));
    let m = &first.message;
    // The same number: a new message with the same document and pages.
    let again = queued(a.resend(m, None, MessageId(2), T0.plus_secs(60)));
    assert_eq!(again.message.id, MessageId(2));
    assert_eq!(again.message.recipient_number, m.recipient_number);
    assert_eq!(again.message.document, m.document);
    assert_eq!(again.message.pages, 3);
    assert_eq!(again.message.user.as_deref(), Some("anna"));
    assert_eq!(again.message.subject, m.subject);
    assert_eq!(again.message.created_at, T0.plus_secs(60));
    assert_eq!(again.job.as_ref().unwrap().pages_total, 3);
    // The sender's permissions hold for a corrected number: anna may not
    // dial abroad.
    let abroad = refused(a.resend(m, Some("+1 212 555 0100"), MessageId(3), T0));
    assert_eq!(abroad.kind, RefusalKind::NotPermitted);
    // And the rate limit counts resends (two in the window: the first
    // mail and one resend).
    let limited = refused(a.resend(m, Some("030 2222"), MessageId(4), T0.plus_secs(61)));
    assert_eq!(limited.kind, RefusalKind::RateLimited);
    // A corrected number keeps the service domain.
    let mut b = acceptor();
    let fixed = queued(b.resend(m, Some("030 2222"), MessageId(5), T0));
    assert_eq!(fixed.message.recipient_number.as_deref(), Some("+49302222"));
    assert_eq!(
        fixed.message.recipient_address.as_deref(),
        Some("+49302222@fax.example.com")
    );
}
