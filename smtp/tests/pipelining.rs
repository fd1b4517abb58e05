//! PIPELINING (RFC 2920): input that arrives while the driver owes an answer
//! is kept, replies leave in command order, and the 250 for a message waits
//! for `answer_data` (the durability rule).

mod common;

use common::{config, relay_denied, Client};
use smtp::engine::{DataVerdict, SessionConfig, SessionEvent, Verdict};
use smtp::SmtpError;

const BATCH: &str = "MAIL FROM:<a@example.org>\r\n\
RCPT TO:<1@fax.example.com>\r\n\
RCPT TO:<2@fax.example.com>\r\n\
DATA\r\n";

#[test]
fn a_batch_in_one_write_gets_replies_in_order() {
    let mut c = Client::ehlo(config());
    assert_eq!(
        c.send(BATCH),
        "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n250 2.1.5 Recipient OK\r\n\
         354 End data with <CR><LF>.<CR><LF>\r\n"
    );
}

#[test]
fn input_waits_behind_an_unanswered_event() {
    let mut c = Client::ehlo(config());
    c.auto_answer = false;
    assert_eq!(c.send(BATCH), "");
    assert_eq!(c.events.len(), 1, "only MAIL is asked before its answer");
    assert_eq!(c.send("NOOP\r\n"), "", "still waiting");

    c.session.answer_mail(Verdict::Accept).unwrap();
    assert_eq!(c.drain(), "250 2.1.0 Sender OK\r\n");
    assert!(matches!(c.events.last(), Some(SessionEvent::RcptTo { .. })));

    c.session
        .answer_rcpt(Verdict::Reject(relay_denied()))
        .unwrap();
    assert_eq!(c.drain(), "550 5.7.1 Relay access denied\r\n");
    c.session.answer_rcpt(Verdict::Accept).unwrap();
    assert_eq!(
        c.drain(),
        "250 2.1.5 Recipient OK\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
    );
    // NOOP was pipelined after DATA, so it is message text now.
    assert_eq!(c.send(".\r\n"), "");
    let Some(SessionEvent::Message { data, envelope }) = c.events.last() else {
        panic!("no message event");
    };
    assert_eq!(data, b"NOOP\r\n");
    assert_eq!(envelope.recipients.len(), 1);
    assert_eq!(envelope.recipients[0].addr.local_part, "2");
}

#[test]
fn no_250_for_data_before_the_driver_stored_the_message() {
    let mut c = Client::ehlo(config());
    c.send(BATCH);
    c.auto_answer = false;
    // The client pipelines QUIT after the end of data.
    assert_eq!(c.send("hello\r\n.\r\nQUIT\r\n"), "");
    assert!(matches!(
        c.events.last(),
        Some(SessionEvent::Message { .. })
    ));
    assert!(!c.closed, "QUIT waits behind the message");
    assert_eq!(c.session.poll_output(), None);

    c.session
        .answer_data(DataVerdict::Accept("A1".into()))
        .unwrap();
    assert_eq!(c.drain(), "250 2.0.0 OK: queued as A1\r\n221 2.0.0 Bye\r\n");
    assert!(c.closed);
}

#[test]
fn a_temporary_failure_to_store_is_a_451() {
    let mut c = Client::ehlo(config());
    c.send(BATCH);
    c.auto_answer = false;
    c.send("x\r\n.\r\n");
    let reply = smtp::wire::reply::Reply::from(smtp::wire::reply::ReplyCode::LocalError);
    c.session.answer_data(DataVerdict::TempFail(reply)).unwrap();
    assert_eq!(
        c.drain(),
        "451 4.3.0 Local error in processing, please try again later\r\n"
    );
    // The transaction is over; a new one may start.
    c.auto_answer = true;
    assert_eq!(
        c.send("MAIL FROM:<a@example.org>\r\n"),
        "250 2.1.0 Sender OK\r\n"
    );
}

#[test]
fn answers_out_of_turn_are_driver_errors() {
    let mut c = Client::ehlo(config());
    c.auto_answer = false;
    assert_eq!(
        c.session.answer_rcpt(Verdict::Accept),
        Err(SmtpError::NotPending("RCPT"))
    );
    c.send("MAIL FROM:<a@example.org>\r\n");
    assert_eq!(
        c.session.answer_data(DataVerdict::Accept("x".into())),
        Err(SmtpError::NotPending("DATA"))
    );
    assert_eq!(
        c.session.answer_auth(true),
        Err(SmtpError::NotPending("AUTH"))
    );
    assert_eq!(c.drain(), "", "nothing went out");
    c.session.answer_mail(Verdict::Accept).unwrap();
    assert_eq!(c.drain(), "250 2.1.0 Sender OK\r\n");
    assert_eq!(
        c.session.answer_mail(Verdict::Accept),
        Err(SmtpError::NotPending("MAIL"))
    );
}

#[test]
fn back_pressure_while_an_answer_is_pending() {
    let mut c = Client::ehlo(SessionConfig {
        max_pipelined_input: 64,
        ..config()
    });
    c.auto_answer = false;
    assert!(c.session.wants_input());
    c.send("MAIL FROM:<a@example.org>\r\n");
    assert!(c.session.wants_input());
    c.send("NOOP\r\n".repeat(20));
    assert!(!c.session.wants_input(), "120 octets wait behind MAIL");
    c.session.answer_mail(Verdict::Accept).unwrap();
    assert!(c.session.wants_input());
    assert_eq!(
        c.drain().matches("250 2.0.0 OK\r\n").count(),
        20,
        "nothing was lost"
    );
}

#[test]
fn a_positive_reply_as_reject_does_not_accept() {
    let mut c = Client::ehlo(config());
    c.auto_answer = false;
    c.send("MAIL FROM:<a@example.org>\r\n");
    let ok = smtp::wire::reply::Reply::from(smtp::wire::reply::ReplyCode::Ok);
    c.session.answer_mail(Verdict::Reject(ok)).unwrap();
    assert_eq!(
        c.drain(),
        "451 4.3.0 Local error in processing, please try again later\r\n"
    );
    c.auto_answer = true;
    assert_eq!(
        c.send("RCPT TO:<1@fax.example.com>\r\n"),
        "503 5.5.1 Need MAIL command first\r\n"
    );
}
