//! STARTTLS (RFC 3207): offered only with a certificate and only in
//! plaintext, 220 then `Output::StartTls`, plaintext pipelined behind the
//! command dropped (CVE-2011-0411), and a fresh start after the handshake.

mod common;

use common::{config, Client};
use smtp::engine::SessionConfig;
use smtp::SmtpError;

fn tls_config() -> SessionConfig {
    SessionConfig {
        tls_available: true,
        ..config()
    }
}

#[test]
fn offered_only_with_a_certificate_and_before_tls() {
    assert!(!Client::new(config())
        .send("EHLO c\r\n")
        .contains("STARTTLS"));
    assert!(Client::new(tls_config())
        .send("EHLO c\r\n")
        .contains("250-STARTTLS\r\n"));
    assert!(!Client::with_tls(tls_config(), true)
        .send("EHLO c\r\n")
        .contains("STARTTLS"));
}

#[test]
fn unavailable_without_a_certificate() {
    let mut c = Client::ehlo(config());
    assert_eq!(
        c.send("STARTTLS\r\n"),
        "502 5.5.1 STARTTLS not available\r\n"
    );
    assert_eq!(c.starttls, 0);
}

#[test]
fn handshake_then_a_fresh_session() {
    let mut c = Client::ehlo(tls_config());
    c.auto_tls = false;
    c.send("MAIL FROM:<a@example.org>\r\n");
    assert_eq!(c.send("STARTTLS\r\n"), "220 2.0.0 Ready to start TLS\r\n");
    assert_eq!(c.starttls, 1);
    assert!(!c.session.wants_input());
    assert_eq!(
        c.session.poll_timeout(),
        None,
        "the driver times the handshake"
    );

    c.session.tls_established().unwrap();
    assert!(c.session.peer().tls);
    assert_eq!(c.session.helo(), None);
    assert_eq!(c.drain(), "", "no second greeting");
    assert_eq!(
        c.send("MAIL FROM:<a@example.org>\r\n"),
        "503 5.5.1 Send EHLO or HELO first\r\n",
        "EHLO and the transaction were forgotten"
    );
    let ehlo = c.send("EHLO c\r\n");
    assert!(!ehlo.contains("STARTTLS"));
    assert!(ehlo.contains("AUTH PLAIN LOGIN"));
    assert_eq!(c.send("STARTTLS\r\n"), "503 5.5.1 TLS already active\r\n");
}

/// CVE-2011-0411: commands sent in plaintext right behind STARTTLS must not
/// be executed as if they had come through TLS.
#[test]
fn plaintext_pipelined_after_starttls_is_discarded() {
    let mut c = Client::ehlo(tls_config());
    assert_eq!(
        c.send("STARTTLS\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<1@fax.example.com>\r\n"),
        "220 2.0.0 Ready to start TLS\r\n"
    );
    assert!(c.events.is_empty());
    assert_eq!(c.send("EHLO c\r\n").lines().next(), Some("250-gw.test"));
    assert_eq!(
        c.send("RCPT TO:<1@fax.example.com>\r\n"),
        "503 5.5.1 Need MAIL command first\r\n"
    );
}

#[test]
fn plaintext_arriving_before_the_handshake_ends_is_discarded() {
    let mut c = Client::ehlo(tls_config());
    c.auto_tls = false;
    c.send("STARTTLS\r\n");
    assert_eq!(c.send("MAIL FROM:<evil@example.org>\r\n"), "");
    c.session.tls_established().unwrap();
    assert_eq!(c.send("EHLO c\r\n").lines().next(), Some("250-gw.test"));
    assert!(c.events.is_empty());
}

#[test]
fn a_partial_line_before_starttls_does_not_survive() {
    let mut c = Client::ehlo(tls_config());
    c.send("STARTTLS\r\nNO");
    assert_eq!(c.send("OP\r\n"), "500 5.5.2 Command not recognized\r\n");
}

#[test]
fn starttls_takes_no_arguments() {
    let mut c = Client::ehlo(tls_config());
    assert!(c.send("STARTTLS now\r\n").starts_with("501 5.5.4 "));
    assert_eq!(c.starttls, 0);
}

#[test]
fn tls_established_out_of_turn_is_a_driver_error() {
    let mut c = Client::ehlo(tls_config());
    assert_eq!(
        c.session.tls_established(),
        Err(SmtpError::NotPending("TLS"))
    );
    assert!(!c.session.peer().tls);
}
