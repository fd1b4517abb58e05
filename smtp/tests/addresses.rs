//! Paths (RFC 5321 §4.1.2): source routes refused, relay-trick forms flagged
//! for the policy, UTF-8 only with SMTPUTF8 (RFC 6531), syntax errors with
//! the sender/recipient enhanced codes.

mod common;

use common::{config, Client};
use smtp::engine::SessionEvent;
use smtp::wire::address::{AddressLiteral, ParsedAddress};

fn in_transaction() -> Client {
    let mut c = Client::ehlo(config());
    c.send("MAIL FROM:<a@example.org>\r\n");
    c
}

fn last_rcpt(c: &Client) -> &ParsedAddress {
    c.events
        .iter()
        .rev()
        .find_map(|e| match e {
            SessionEvent::RcptTo { addr, .. } => Some(addr),
            _ => None,
        })
        .expect("no RCPT event")
}

#[test]
fn source_routes_are_refused() {
    let mut c = in_transaction();
    assert_eq!(
        c.send("RCPT TO:<@relay.example,@other.example:1@fax.example.com>\r\n"),
        "553 5.1.3 Source routes are not accepted\r\n"
    );
    assert_eq!(c.events.len(), 1, "the policy never saw it");
    let mut c = Client::ehlo(config());
    assert_eq!(
        c.send("MAIL FROM:<@relay.example:a@example.org>\r\n"),
        "553 5.1.7 Source routes are not accepted\r\n"
    );
}

#[test]
fn relay_tricks_are_flagged_and_refused_by_policy() {
    let mut c = in_transaction();
    let tricks = [
        "<1%elsewhere.example@fax.example.com>",
        "<elsewhere.example!1@fax.example.com>",
        "<\"1@elsewhere.example\"@fax.example.com>",
        "<1@[192.0.2.1]>",
        "<1@[IPv6:2001:db8::1]>",
        "<1@elsewhere.example>",
    ];
    for t in tricks {
        assert_eq!(
            c.send(format!("RCPT TO:{t}\r\n")),
            "550 5.7.1 Relay access denied\r\n",
            "{t}"
        );
    }
    let flags: Vec<(bool, bool, bool, bool)> = c
        .events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::RcptTo { addr, .. } => Some((
                addr.percent_hack,
                addr.bang_path,
                addr.quoted,
                addr.literal.is_some(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        flags,
        [
            (true, false, false, false),
            (false, true, false, false),
            (false, false, true, false),
            (false, false, false, true),
            (false, false, false, true),
            (false, false, false, false),
        ]
    );
}

#[test]
fn parts_are_kept_as_written() {
    let mut c = in_transaction();
    c.send("RCPT TO:<\"+49 30\"@Fax.Example.COM>\r\n");
    let a = last_rcpt(&c);
    assert_eq!(a.local_part, "\"+49 30\"");
    assert_eq!(a.domain, "Fax.Example.COM");
    c.send("RCPT TO:<x@[192.0.2.7]>\r\n");
    let a = last_rcpt(&c);
    assert_eq!(a.domain, "192.0.2.7");
    assert_eq!(a.literal, Some(AddressLiteral::Ipv4([192, 0, 2, 7].into())));
    assert_eq!(a.to_string(), "x@[192.0.2.7]");
}

#[test]
fn bare_postmaster_reaches_the_policy() {
    let mut c = in_transaction();
    c.send("RCPT TO:<Postmaster>\r\n");
    assert!(last_rcpt(&c).is_bare_postmaster());
}

#[test]
fn syntax_errors() {
    let mut c = in_transaction();
    let cases = [
        (
            "RCPT TO:<>\r\n",
            "501 5.1.3 Bad recipient address syntax\r\n",
        ),
        (
            "RCPT TO:1@fax.example.com\r\n",
            "501 5.1.3 Bad recipient address syntax\r\n",
        ),
        (
            "RCPT TO:<1@fax.example.com\r\n",
            "501 5.1.3 Bad recipient address syntax\r\n",
        ),
        (
            "RCPT TO:<1@@fax.example.com>\r\n",
            "501 5.1.3 Bad recipient address syntax\r\n",
        ),
        (
            "RCPT TO:<.1@fax.example.com>\r\n",
            "501 5.1.3 Bad recipient address syntax\r\n",
        ),
        (
            "RCPT TO:<1@fax..example.com>\r\n",
            "501 5.1.3 Bad recipient address syntax\r\n",
        ),
        (
            "RCPT TO:<1@[300.1.1.1]>\r\n",
            "501 5.1.3 Bad recipient address syntax\r\n",
        ),
        (
            "RCPT TO:<a b@fax.example.com>\r\n",
            "501 5.1.3 Bad recipient address syntax\r\n",
        ),
        (
            "RCPT TO:<1@fax.example.com>x\r\n",
            "501 5.5.4 Syntax error in parameters or arguments\r\n",
        ),
        (
            "RCPT <1@fax.example.com>\r\n",
            "501 5.5.4 Syntax error in parameters or arguments\r\n",
        ),
        (
            "RCPT TO:<1@fax.example.com> FOO=BAR\r\n",
            "555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented\r\n",
        ),
    ];
    for (input, reply) in cases {
        assert_eq!(c.send(input), reply, "{input:?}");
    }
    let mut c = Client::ehlo(config());
    assert_eq!(
        c.send("MAIL FROM:<a@>\r\n"),
        "501 5.1.7 Bad sender address syntax\r\n"
    );
    let long = format!("MAIL FROM:<{}@example.org>\r\n", "a".repeat(65));
    assert_eq!(c.send(long), "501 5.1.7 Sender address too long\r\n");
    let long = format!("MAIL FROM:<a@{}.org>\r\n", "b".repeat(60).repeat(5));
    assert_eq!(c.send(long), "501 5.1.7 Sender address too long\r\n");
}

#[test]
fn a_space_after_the_colon_is_tolerated() {
    let mut c = Client::ehlo(config());
    assert_eq!(
        c.send("mail from: <a@example.org>\r\n"),
        "250 2.1.0 Sender OK\r\n"
    );
    assert_eq!(
        c.send("rcpt to: <1@fax.example.com>\r\n"),
        "250 2.1.5 Recipient OK\r\n"
    );
}

#[test]
fn utf8_addresses_need_smtputf8() {
    let mut c = Client::ehlo(config());
    assert_eq!(
        c.send("MAIL FROM:<jörg@example.org>\r\n"),
        "553 5.6.7 Non-ASCII address requires SMTPUTF8\r\n"
    );
    assert_eq!(
        c.send("MAIL FROM:<a@example.org>\r\n"),
        "250 2.1.0 Sender OK\r\n"
    );
    assert_eq!(
        c.send("RCPT TO:<jörg@fax.example.com>\r\n"),
        "553 5.6.7 Non-ASCII address requires SMTPUTF8\r\n"
    );
    c.send("RSET\r\n");
    assert_eq!(
        c.send("MAIL FROM:<jörg@bücher.example> SMTPUTF8\r\n"),
        "250 2.1.0 Sender OK\r\n"
    );
    c.send("RCPT TO:<jörg@fax.example.com>\r\n");
    let a = last_rcpt(&c);
    assert!(a.utf8);
    assert_eq!(a.local_part, "jörg");
}

#[test]
fn mail_parameters_are_checked() {
    let mut c = Client::ehlo(config());
    assert_eq!(
        c.send("MAIL FROM:<a@example.org> BODY=BINARYMIME\r\n"),
        "555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented\r\n"
    );
    assert_eq!(
        c.send("MAIL FROM:<a@example.org> SIZE=1 SIZE=2\r\n"),
        "501 5.5.4 Syntax error in parameters or arguments\r\n"
    );
    assert_eq!(
        c.send("MAIL FROM:<a@example.org> SMTPUTF8=yes\r\n"),
        "501 5.5.4 Syntax error in parameters or arguments\r\n"
    );
    assert_eq!(
        c.send("MAIL FROM:<a@example.org> AUTH=<> BODY=7BIT\r\n"),
        "250 2.1.0 Sender OK\r\n"
    );
}
