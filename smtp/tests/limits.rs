//! Limits: the command line cap (RFC 5321 §4.5.3.1.4), message size (RFC
//! 1870), recipients per message (§4.5.3.1.8), errors per session.

mod common;

use common::{config, Client};
use smtp::engine::SessionConfig;

fn small() -> SessionConfig {
    SessionConfig {
        max_line_length: 600,
        max_message_size: 100,
        max_recipients: 3,
        max_errors: 5,
        ..config()
    }
}

#[test]
fn an_over_long_line_is_refused_and_the_session_stays_in_sync() {
    let mut c = Client::ehlo(small());
    let long = format!("NOOP {}\r\nRSET\r\n", "x".repeat(1000));
    assert_eq!(c.send(long), "500 5.5.6 Line too long\r\n250 2.0.0 OK\r\n");
}

#[test]
fn an_over_long_line_in_small_pieces() {
    let mut c = Client::ehlo(small());
    for _ in 0..100 {
        assert_eq!(c.send("MAIL FROM:<aaaaaaaaa"), "");
    }
    assert_eq!(c.send(">\r\n"), "500 5.5.6 Line too long\r\n");
    assert!(
        c.events.is_empty(),
        "the tail of the long line is not a command"
    );
    assert_eq!(c.send("NOOP\r\n"), "250 2.0.0 OK\r\n");
}

#[test]
fn a_line_at_the_cap_is_fine_one_more_octet_is_not() {
    let mut c = Client::ehlo(small());
    // 600 octets with CRLF.
    let at_cap = format!("NOOP {}\r\n", "x".repeat(600 - 7));
    assert_eq!(at_cap.len(), 600);
    assert_eq!(c.send(&at_cap), "250 2.0.0 OK\r\n");
    let over = format!("NOOP {}\r\n", "x".repeat(600 - 6));
    assert_eq!(c.send(&over), "500 5.5.6 Line too long\r\n");
}

#[test]
fn the_cap_is_never_below_512() {
    let mut c = Client::ehlo(SessionConfig {
        max_line_length: 10,
        ..config()
    });
    let rfc_max = format!("NOOP {}\r\n", "x".repeat(512 - 7));
    assert_eq!(c.send(rfc_max), "250 2.0.0 OK\r\n");
}

#[test]
fn a_line_without_end_is_not_buffered() {
    let mut c = Client::ehlo(small());
    for _ in 0..1000 {
        c.send("y".repeat(1000));
    }
    assert_eq!(
        c.send("\r\nNOOP\r\n"),
        "500 5.5.6 Line too long\r\n250 2.0.0 OK\r\n"
    );
}

#[test]
fn declared_size_over_the_limit_is_refused_at_mail() {
    let mut c = Client::ehlo(small());
    assert!(c.send("EHLO c\r\n").contains("250-SIZE 100\r\n"));
    assert_eq!(
        c.send("MAIL FROM:<a@example.org> SIZE=101\r\n"),
        "552 5.3.4 Message size exceeds fixed maximum message size\r\n"
    );
    assert!(c.events.is_empty());
    assert_eq!(
        c.send("MAIL FROM:<a@example.org> SIZE=100\r\n"),
        "250 2.1.0 Sender OK\r\n"
    );
}

#[test]
fn an_oversize_message_is_read_to_the_end_then_refused() {
    let mut c = Client::ehlo(small());
    c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<1@fax.example.com>\r\nDATA\r\n");
    for _ in 0..50 {
        assert_eq!(c.send("0123456789\r\n"), "");
    }
    assert_eq!(
        c.send(".\r\nNOOP\r\n"),
        "552 5.3.4 Message size exceeds fixed maximum message size\r\n250 2.0.0 OK\r\n"
    );
    assert!(c.messages().is_empty(), "nothing reaches the store");
}

#[test]
fn a_message_exactly_at_the_limit_passes() {
    let mut c = Client::ehlo(small());
    c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<1@fax.example.com>\r\nDATA\r\n");
    let line = format!("{}\r\n", "m".repeat(98));
    assert!(c.send(format!("{line}.\r\n")).starts_with("250 "));
    assert_eq!(c.messages()[0].1.len(), 100);
}

#[test]
fn recipients_over_the_limit_get_452() {
    let mut c = Client::ehlo(small());
    c.send("MAIL FROM:<a@example.org>\r\n");
    // A refused recipient does not use up the limit.
    c.send("RCPT TO:<x@elsewhere.example>\r\n");
    for i in 0..3 {
        assert_eq!(
            c.send(format!("RCPT TO:<{i}@fax.example.com>\r\n")),
            "250 2.1.5 Recipient OK\r\n"
        );
    }
    assert_eq!(
        c.send("RCPT TO:<9@fax.example.com>\r\n"),
        "452 4.5.3 Too many recipients\r\n"
    );
    c.send("DATA\r\nx\r\n.\r\n");
    assert_eq!(c.messages()[0].0.recipients.len(), 3);
}

#[test]
fn too_many_errors_close_the_session() {
    let mut c = Client::ehlo(small());
    for _ in 0..4 {
        assert_eq!(c.send("BOGUS\r\n"), "500 5.5.2 Command not recognized\r\n");
    }
    assert_eq!(
        c.send("BOGUS\r\nNOOP\r\n"),
        "500 5.5.2 Command not recognized\r\n421 4.7.0 Too many errors, closing connection\r\n"
    );
    assert!(c.closed);
}

#[test]
fn policy_rejections_count_as_errors() {
    let mut c = Client::ehlo(small());
    c.send("MAIL FROM:<a@example.org>\r\n");
    for _ in 0..4 {
        c.send("RCPT TO:<x@elsewhere.example>\r\n");
    }
    assert!(!c.closed);
    assert!(c
        .send("RCPT TO:<x@elsewhere.example>\r\n")
        .ends_with("421 4.7.0 Too many errors, closing connection\r\n"));
    assert!(c.closed);
}

#[test]
fn temporary_refusals_do_not_count() {
    let mut c = Client::ehlo(small());
    c.send("MAIL FROM:<a@example.org>\r\n");
    for i in 0..3 {
        c.send(format!("RCPT TO:<{i}@fax.example.com>\r\n"));
    }
    for _ in 0..10 {
        assert_eq!(
            c.send("RCPT TO:<9@fax.example.com>\r\n"),
            "452 4.5.3 Too many recipients\r\n"
        );
    }
    assert!(!c.closed);
}
