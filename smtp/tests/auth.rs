//! AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN: offered only under TLS,
//! 334 challenges, cancel, bad base64, and the identity in the envelope.

mod common;

use common::{config, Client};
use smtp::engine::{SessionConfig, SessionEvent};
use smtp::wire::command::AuthMechanism;

/// base64("\0alice\0secret")
const PLAIN_OK: &str = "AGFsaWNlAHNlY3JldA==";
/// base64("\0alice\0wrong")
const PLAIN_BAD: &str = "AGFsaWNlAHdyb25n";

fn tls_client() -> Client {
    let mut c = Client::with_tls(config(), true);
    c.send("EHLO client.test\r\n");
    c
}

#[test]
fn offered_under_tls_only() {
    let mut plain = Client::new(config());
    assert!(!plain.send("EHLO c\r\n").contains("AUTH"));
    let mut tls = Client::with_tls(config(), true);
    assert!(tls.send("EHLO c\r\n").contains("250-AUTH PLAIN LOGIN\r\n"));
    let mut test = Client::new(SessionConfig {
        allow_auth_without_tls: true,
        ..config()
    });
    assert!(test.send("EHLO c\r\n").contains("250-AUTH PLAIN LOGIN\r\n"));
}

#[test]
fn refused_before_tls() {
    let mut c = Client::ehlo(config());
    assert_eq!(
        c.send(format!("AUTH PLAIN {PLAIN_OK}\r\n")),
        "538 5.7.11 Encryption required for requested authentication mechanism\r\n"
    );
    assert!(c.events.is_empty(), "the password never reached the policy");
}

#[test]
fn plain_with_initial_response() {
    let mut c = tls_client();
    assert_eq!(
        c.send(format!("AUTH PLAIN {PLAIN_OK}\r\n")),
        "235 2.7.0 Authentication successful\r\n"
    );
    assert_eq!(c.session.authenticated_as(), Some("alice"));
    let SessionEvent::Auth {
        mechanism,
        identity,
        password,
    } = &c.events[0]
    else {
        panic!("no auth event")
    };
    assert_eq!(*mechanism, AuthMechanism::Plain);
    assert_eq!(identity, "alice");
    assert_eq!(password.expose(), "secret");
    assert!(!format!("{:?}", c.events[0]).contains("secret"));
}

#[test]
fn plain_after_a_challenge() {
    let mut c = tls_client();
    assert_eq!(c.send("AUTH PLAIN\r\n"), "334 \r\n");
    assert_eq!(
        c.send(format!("{PLAIN_OK}\r\n")),
        "235 2.7.0 Authentication successful\r\n"
    );
}

#[test]
fn login() {
    let mut c = tls_client();
    assert_eq!(c.send("AUTH LOGIN\r\n"), "334 VXNlcm5hbWU6\r\n");
    assert_eq!(c.send("YWxpY2U=\r\n"), "334 UGFzc3dvcmQ6\r\n");
    assert_eq!(
        c.send("c2VjcmV0\r\n"),
        "235 2.7.0 Authentication successful\r\n"
    );
    assert!(matches!(
        &c.events[0],
        SessionEvent::Auth {
            mechanism: AuthMechanism::Login,
            ..
        }
    ));
}

#[test]
fn login_with_the_user_name_as_initial_response() {
    let mut c = tls_client();
    assert_eq!(c.send("AUTH LOGIN YWxpY2U=\r\n"), "334 UGFzc3dvcmQ6\r\n");
    assert_eq!(
        c.send("c2VjcmV0\r\n"),
        "235 2.7.0 Authentication successful\r\n"
    );
}

#[test]
fn wrong_password() {
    let mut c = tls_client();
    assert_eq!(
        c.send(format!("AUTH PLAIN {PLAIN_BAD}\r\n")),
        "535 5.7.8 Authentication credentials invalid\r\n"
    );
    assert_eq!(c.session.authenticated_as(), None);
    // The client may try again.
    assert!(c
        .send(format!("AUTH PLAIN {PLAIN_OK}\r\n"))
        .starts_with("235 "));
}

#[test]
fn cancel_with_star() {
    let mut c = tls_client();
    c.send("AUTH LOGIN\r\n");
    assert_eq!(c.send("*\r\n"), "501 5.7.0 Authentication cancelled\r\n");
    assert_eq!(c.send("NOOP\r\n"), "250 2.0.0 OK\r\n", "back to commands");
}

#[test]
fn bad_base64() {
    let mut c = tls_client();
    assert_eq!(
        c.send("AUTH PLAIN !!!!\r\n"),
        "501 5.5.2 Cannot decode base64 response\r\n"
    );
    c.send("AUTH PLAIN\r\n");
    assert_eq!(
        c.send("not base64\r\n"),
        "501 5.5.2 Cannot decode base64 response\r\n"
    );
    assert!(c.events.is_empty());
}

#[test]
fn malformed_plain_messages_fail() {
    let mut c = tls_client();
    // "alice\0secret": two fields only.
    assert!(c
        .send("AUTH PLAIN YWxpY2UAc2VjcmV0\r\n")
        .starts_with("535 5.7.8 "));
    // "=": an empty initial response.
    assert!(c.send("AUTH PLAIN =\r\n").starts_with("535 5.7.8 "));
    // "bob\0alice\0secret": authorise as someone else.
    assert!(c
        .send("AUTH PLAIN Ym9iAGFsaWNlAHNlY3JldA==\r\n")
        .starts_with("535 5.7.8 "));
    assert!(c.events.is_empty());
    // "alice\0alice\0secret": the same identity is fine.
    assert!(c
        .send("AUTH PLAIN YWxpY2UAYWxpY2UAc2VjcmV0\r\n")
        .starts_with("235 "));
}

#[test]
fn sequence_rules() {
    let mut c = Client::with_tls(config(), true);
    assert_eq!(
        c.send(format!("AUTH PLAIN {PLAIN_OK}\r\n")),
        "503 5.5.1 Send EHLO first\r\n"
    );
    c.send("HELO client.test\r\n");
    assert_eq!(
        c.send(format!("AUTH PLAIN {PLAIN_OK}\r\n")),
        "503 5.5.1 Send EHLO first\r\n"
    );
    c.send("EHLO client.test\r\nMAIL FROM:<a@example.org>\r\n");
    assert_eq!(
        c.send(format!("AUTH PLAIN {PLAIN_OK}\r\n")),
        "503 5.5.1 AUTH not permitted during a mail transaction\r\n"
    );
    c.send("RSET\r\n");
    assert!(c
        .send(format!("AUTH PLAIN {PLAIN_OK}\r\n"))
        .starts_with("235 "));
    assert_eq!(
        c.send(format!("AUTH PLAIN {PLAIN_OK}\r\n")),
        "503 5.5.1 Already authenticated\r\n"
    );
}

#[test]
fn unknown_mechanism() {
    let mut c = tls_client();
    assert_eq!(
        c.send("AUTH CRAM-MD5\r\n"),
        "504 5.5.4 Unrecognized authentication mechanism\r\n"
    );
}

#[test]
fn an_over_long_sasl_line_ends_the_exchange() {
    let mut c = tls_client();
    c.send("AUTH PLAIN\r\n");
    let long = "A".repeat(4000);
    assert_eq!(c.send(format!("{long}\r\n")), "500 5.5.6 Line too long\r\n");
    assert_eq!(c.send("NOOP\r\n"), "250 2.0.0 OK\r\n");
}

#[test]
fn the_identity_reaches_the_envelope() {
    let mut c = tls_client();
    c.send(format!("AUTH PLAIN {PLAIN_OK}\r\n"));
    c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<1@fax.example.com>\r\nDATA\r\nx\r\n.\r\n");
    let (env, _) = c.messages()[0];
    assert_eq!(env.authenticated_as.as_deref(), Some("alice"));
    assert!(env.peer.tls);
}
