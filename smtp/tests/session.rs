//! A whole session end to end: greeting, EHLO keywords, one transaction,
//! the simple commands, bad commands, timeouts, and the rule that any split
//! of the input stream gives the same session.

mod common;

use std::time::Duration;

use common::{config, run_chunks, Client, SAMPLE_SESSION};
use smtp::engine::{SessionConfig, SessionEvent};
use smtp::wire::address::ReversePath;

#[test]
fn greeting_names_the_host() {
    let c = Client::new(config());
    assert_eq!(c.transcript, "220 gw.test ESMTP ready\r\n");
}

#[test]
fn ehlo_lists_keywords_without_tls_or_auth_by_default() {
    let mut c = Client::new(config());
    assert_eq!(
        c.send("EHLO client.test\r\n"),
        "250-gw.test\r\n250-PIPELINING\r\n250-SIZE 33554432\r\n250-ENHANCEDSTATUSCODES\r\n\
         250-8BITMIME\r\n250-SMTPUTF8\r\n250 HELP\r\n"
    );
}

#[test]
fn helo_gets_a_single_line() {
    let mut c = Client::new(config());
    assert_eq!(c.send("HELO client.test\r\n"), "250 gw.test\r\n");
}

#[test]
fn one_transaction() {
    let mut c = Client::ehlo(config());
    assert_eq!(
        c.send("MAIL FROM:<alice@example.org>\r\n"),
        "250 2.1.0 Sender OK\r\n"
    );
    assert_eq!(
        c.send("RCPT TO:<+4930123@fax.example.com>\r\n"),
        "250 2.1.5 Recipient OK\r\n"
    );
    assert_eq!(
        c.send("DATA\r\n"),
        "354 End data with <CR><LF>.<CR><LF>\r\n"
    );
    assert_eq!(c.send("Subject: hi\r\n\r\nbody\r\n"), "");
    assert_eq!(c.send(".\r\n"), "250 2.0.0 OK: queued as Q1\r\n");
    assert_eq!(c.send("QUIT\r\n"), "221 2.0.0 Bye\r\n");
    assert!(c.closed);

    let msgs = c.messages();
    assert_eq!(msgs.len(), 1);
    let (env, data) = msgs[0];
    assert_eq!(data, b"Subject: hi\r\n\r\nbody\r\n");
    assert_eq!(env.helo, "client.test");
    assert_eq!(env.mail_from.to_string(), "<alice@example.org>");
    assert_eq!(env.recipients.len(), 1);
    assert_eq!(env.recipients[0].addr.local_part, "+4930123");
    assert_eq!(env.authenticated_as, None);
    assert!(!env.peer.tls);
}

#[test]
fn null_sender_is_allowed() {
    let mut c = Client::ehlo(config());
    c.send("MAIL FROM:<>\r\n");
    assert!(matches!(
        &c.events[0],
        SessionEvent::MailFrom {
            from: ReversePath::Null,
            ..
        }
    ));
}

#[test]
fn simple_commands() {
    let mut c = Client::new(config());
    assert_eq!(c.send("NOOP\r\n"), "250 2.0.0 OK\r\n");
    assert_eq!(c.send("noop anything\r\n"), "250 2.0.0 OK\r\n");
    assert!(c.send("HELP\r\n").starts_with("214 2.0.0 "));
    assert!(c.send("VRFY bob\r\n").starts_with("252 2.5.0 "));
    assert_eq!(c.send("EXPN list\r\n"), "502 5.5.1 EXPN not available\r\n");
    assert_eq!(c.send("RSET\r\n"), "250 2.0.0 OK\r\n");
}

#[test]
fn rset_ends_the_transaction() {
    let mut c = Client::ehlo(config());
    c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<1@fax.example.com>\r\n");
    assert_eq!(c.send("RSET\r\n"), "250 2.0.0 OK\r\n");
    assert_eq!(c.send("DATA\r\n"), "503 5.5.1 Need MAIL command first\r\n");
    assert_eq!(
        c.send("MAIL FROM:<a@example.org>\r\n"),
        "250 2.1.0 Sender OK\r\n"
    );
}

#[test]
fn ehlo_again_ends_the_transaction() {
    let mut c = Client::ehlo(config());
    c.send("MAIL FROM:<a@example.org>\r\n");
    c.send("EHLO again.test\r\n");
    assert_eq!(
        c.send("RCPT TO:<1@fax.example.com>\r\n"),
        "503 5.5.1 Need MAIL command first\r\n"
    );
    assert_eq!(c.session.helo(), Some("again.test"));
}

#[test]
fn bad_commands_get_the_right_codes() {
    let mut c = Client::new(config());
    let cases: &[(&str, &str)] = &[
        ("FOO\r\n", "500 5.5.2 Command not recognized\r\n"),
        ("\r\n", "500 5.5.2 Command not recognized\r\n"),
        (
            "MAIL FROM:<a@example.org>\r\n",
            "503 5.5.1 Send EHLO or HELO first\r\n",
        ),
        (
            "EHLO\r\n",
            "501 5.5.4 Syntax error in parameters or arguments\r\n",
        ),
        (
            "HELO two words\r\n",
            "501 5.5.4 Syntax error in parameters or arguments\r\n",
        ),
        (
            "DATA now\r\n",
            "501 5.5.4 Syntax error in parameters or arguments\r\n",
        ),
        (
            "QUIT now\r\n",
            "501 5.5.4 Syntax error in parameters or arguments\r\n",
        ),
        (
            "VRFY\r\n",
            "501 5.5.4 Syntax error in parameters or arguments\r\n",
        ),
        (
            "NOOP\0\r\n",
            "500 5.5.2 Invalid character in command line\r\n",
        ),
        ("BDAT 5 LAST\r\n", "502 5.5.1 Command not implemented\r\n"),
        (
            "RCPT TO:<1@fax.example.com>\r\n",
            "503 5.5.1 Need MAIL command first\r\n",
        ),
        ("DATA\r\n", "503 5.5.1 Need MAIL command first\r\n"),
    ];
    for (input, reply) in cases {
        assert_eq!(c.send(input), *reply, "for {input:?}");
    }
    assert_eq!(
        c.send(b"NOOP \xff\r\n"),
        "500 5.5.2 Invalid character in command line\r\n"
    );
    assert!(!c.closed);
}

#[test]
fn sequence_errors_inside_a_transaction() {
    let mut c = Client::ehlo(config());
    c.send("MAIL FROM:<a@example.org>\r\n");
    assert_eq!(
        c.send("MAIL FROM:<a@example.org>\r\n"),
        "503 5.5.1 Sender already specified\r\n"
    );
    assert_eq!(c.send("DATA\r\n"), "554 5.5.1 No valid recipients\r\n");
}

#[test]
fn esmtp_parameters_need_ehlo() {
    let mut c = Client::new(config());
    c.send("HELO client.test\r\n");
    assert_eq!(
        c.send("MAIL FROM:<a@example.org> SIZE=10\r\n"),
        "555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented\r\n"
    );
    assert_eq!(
        c.send("MAIL FROM:<a@example.org>\r\n"),
        "250 2.1.0 Sender OK\r\n"
    );
    assert!(c
        .send("RCPT TO:<1@fax.example.com> NOTIFY=NEVER\r\n")
        .starts_with("555 "));
}

#[test]
fn quit_closes_and_later_input_is_ignored() {
    let mut c = Client::ehlo(config());
    assert_eq!(c.send("QUIT\r\nNOOP\r\n"), "221 2.0.0 Bye\r\n");
    assert!(c.closed && c.session.is_closed());
    assert_eq!(c.send("NOOP\r\n"), "");
    assert_eq!(c.session.poll_timeout(), None);
    assert!(!c.session.wants_input());
}

#[test]
fn command_timeout_sends_421_and_closes() {
    let mut c = Client::ehlo(config());
    let deadline = c.session.poll_timeout().unwrap();
    assert_eq!(deadline, c.now + Duration::from_secs(300));
    assert_eq!(c.advance(Duration::from_secs(299)), "");
    assert_eq!(
        c.advance(Duration::from_secs(1)),
        "421 4.4.2 Timeout exceeded, closing connection\r\n"
    );
    assert!(c.closed);
}

#[test]
fn input_restarts_the_timer() {
    let mut c = Client::ehlo(config());
    c.advance(Duration::from_secs(200));
    c.send("NOOP\r\n");
    assert_eq!(c.advance(Duration::from_secs(200)), "");
    assert!(!c.closed);
}

#[test]
fn data_timeout_applies_inside_data() {
    let mut c = Client::ehlo(SessionConfig {
        data_timeout: Duration::from_secs(60),
        ..config()
    });
    c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<1@fax.example.com>\r\nDATA\r\npart");
    assert_eq!(
        c.session.poll_timeout(),
        Some(c.now + Duration::from_secs(60))
    );
    assert!(c.advance(Duration::from_secs(60)).starts_with("421 4.4.2 "));
    assert!(c.messages().is_empty());
}

#[test]
fn no_timer_while_the_driver_owes_an_answer() {
    let mut c = Client::ehlo(config());
    c.auto_answer = false;
    c.send("MAIL FROM:<a@example.org>\r\n");
    assert_eq!(c.session.poll_timeout(), None);
    assert_eq!(c.advance(Duration::from_secs(3600)), "");
    assert!(!c.closed);
}

#[test]
fn sample_session_transcript() {
    let (t, events, closed) = run_chunks(config(), &[SAMPLE_SESSION]);
    assert_eq!(
        t,
        "220 gw.test ESMTP ready\r\n\
         250-gw.test\r\n250-PIPELINING\r\n250-SIZE 33554432\r\n250-ENHANCEDSTATUSCODES\r\n\
         250-8BITMIME\r\n250-SMTPUTF8\r\n250 HELP\r\n\
         250 2.1.0 Sender OK\r\n\
         250 2.1.5 Recipient OK\r\n\
         550 5.7.1 Relay access denied\r\n\
         354 End data with <CR><LF>.<CR><LF>\r\n\
         250 2.0.0 OK: queued as Q1\r\n\
         250 2.0.0 OK\r\n\
         500 5.5.2 Command not recognized\r\n\
         250 2.1.0 Sender OK\r\n\
         250 2.1.5 Recipient OK\r\n\
         354 End data with <CR><LF>.<CR><LF>\r\n\
         250 2.0.0 OK: queued as Q2\r\n\
         250 2.0.0 OK\r\n\
         221 2.0.0 Bye\r\n"
    );
    assert!(closed);
    assert_eq!(events.len(), 7);
}

/// Any split of the stream into two pieces gives the same transcript and
/// events as the whole (str0m's "one way in" rule; RFC 2920 pipelining).
#[test]
fn every_split_point_gives_the_same_session() {
    let whole = run_chunks(config(), &[SAMPLE_SESSION]);
    for i in 0..=SAMPLE_SESSION.len() {
        let (a, b) = SAMPLE_SESSION.split_at(i);
        assert_eq!(run_chunks(config(), &[a, b]), whole, "split at {i}");
    }
}

#[test]
fn byte_by_byte_gives_the_same_session() {
    let whole = run_chunks(config(), &[SAMPLE_SESSION]);
    let bytes: Vec<&[u8]> = SAMPLE_SESSION.chunks(1).collect();
    assert_eq!(run_chunks(config(), &bytes), whole);
}
