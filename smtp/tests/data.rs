//! DATA (RFC 5321 §4.1.1.4, §4.5.2): dot-unstuffing, the end mark, what the
//! driver gets, and how its verdicts go on the wire.

mod common;

use common::{config, Client};
use smtp::engine::{DataVerdict, SessionEvent};
use smtp::wire::reply::{EnhancedCode, Reply, ReplyCode};

fn in_data() -> Client {
    let mut c = Client::ehlo(config());
    c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<1@fax.example.com>\r\nDATA\r\n");
    c
}

fn body_of(c: &Client) -> Vec<u8> {
    c.messages().last().expect("no message").1.to_vec()
}

#[test]
fn dots_are_unstuffed() {
    let mut c = in_data();
    c.send("..\r\n...x\r\n.y\r\nz.\r\n.\r\n");
    assert_eq!(body_of(&c), b".\r\n..x\r\ny\r\nz.\r\n");
}

#[test]
fn an_empty_message_ends_right_after_data() {
    let mut c = in_data();
    assert_eq!(c.send(".\r\n"), "250 2.0.0 OK: queued as Q1\r\n");
    assert_eq!(body_of(&c), b"");
}

#[test]
fn the_last_crlf_belongs_to_the_message() {
    let mut c = in_data();
    c.send("line\r\n\r\n.\r\n");
    assert_eq!(body_of(&c), b"line\r\n\r\n");
}

#[test]
fn eight_bit_and_nul_octets_pass_unchanged() {
    let mut c = in_data();
    c.send(b"caf\xc3\xa9 \x00\xff\r\n.\r\n");
    assert_eq!(body_of(&c), b"caf\xc3\xa9 \x00\xff\r\n");
}

#[test]
fn a_dot_inside_a_line_is_not_the_end() {
    let mut c = in_data();
    assert_eq!(c.send("a.\r\n .\r\n.. \r\n"), "");
    assert!(c.messages().is_empty());
    c.send(".\r\n");
    assert_eq!(body_of(&c), b"a.\r\n .\r\n. \r\n");
}

#[test]
fn the_message_in_one_octet_pieces() {
    let mut c = in_data();
    for b in b"Subject: x\r\n\r\n..a\r\n.\r\n" {
        c.send([*b]);
    }
    assert_eq!(body_of(&c), b"Subject: x\r\n\r\n.a\r\n");
}

#[test]
fn the_envelope_carries_the_parameters() {
    let mut c = Client::ehlo(config());
    c.send(
        "MAIL FROM:<a@example.org> SIZE=20 BODY=8BITMIME RET=HDRS ENVID=id+2B1\r\n\
         RCPT TO:<1@fax.example.com> NOTIFY=FAILURE,DELAY ORCPT=rfc822;x+40y\r\nDATA\r\nx\r\n.\r\n",
    );
    let (env, _) = c.messages()[0];
    assert_eq!(env.mail_params.size, Some(20));
    assert_eq!(env.mail_params.envid.as_deref(), Some("id+1"));
    let notify = env.recipients[0].params.notify.unwrap();
    assert!(notify.failure && notify.delay && !notify.success);
    assert_eq!(env.recipients[0].params.orcpt.as_ref().unwrap().addr, "x@y");
}

#[test]
fn a_rejected_message_gets_the_policy_reply() {
    let mut c = in_data();
    c.auto_answer = false;
    c.send("x\r\n.\r\n");
    let reply = Reply::new(550, Some(EnhancedCode::new(5, 7, 1)), "No fax permission").unwrap();
    c.session.answer_data(DataVerdict::Reject(reply)).unwrap();
    assert_eq!(c.drain(), "550 5.7.1 No fax permission\r\n");
}

#[test]
fn verdicts_of_the_wrong_class_fall_back_safely() {
    let mut c = in_data();
    c.auto_answer = false;
    c.send("x\r\n.\r\n");
    c.session
        .answer_data(DataVerdict::Reject(ReplyCode::LocalError.into()))
        .unwrap();
    assert_eq!(c.drain(), "554 5.0.0 Transaction failed\r\n");

    c.auto_answer = true;
    c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<1@fax.example.com>\r\nDATA\r\n");
    c.auto_answer = false;
    c.send("x\r\n.\r\n");
    c.session
        .answer_data(DataVerdict::TempFail(ReplyCode::Rejected.into()))
        .unwrap();
    assert_eq!(
        c.drain(),
        "451 4.3.0 Local error in processing, please try again later\r\n"
    );
}

#[test]
fn the_queue_id_cannot_inject_a_reply() {
    let mut c = in_data();
    c.auto_answer = false;
    c.send("x\r\n.\r\n");
    c.session
        .answer_data(DataVerdict::Accept("Q\r\n250 fake".into()))
        .unwrap();
    assert_eq!(c.drain(), "250 2.0.0 OK: queued as Q??250 fake\r\n");
}

#[test]
fn two_messages_in_one_session() {
    let mut c = in_data();
    c.send("one\r\n.\r\nMAIL FROM:<b@example.org>\r\nRCPT TO:<2@fax.example.com>\r\nDATA\r\ntwo\r\n.\r\n");
    let msgs = c.messages();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0].1, b"one\r\n");
    assert_eq!(msgs[1].1, b"two\r\n");
    assert_eq!(msgs[1].0.mail_from.to_string(), "<b@example.org>");
    assert!(c.transcript.ends_with("queued as Q2\r\n"));
    let events = c
        .events
        .iter()
        .filter(|e| matches!(e, SessionEvent::Message { .. }))
        .count();
    assert_eq!(events, 2);
}
