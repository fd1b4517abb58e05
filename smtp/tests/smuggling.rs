//! SMTP smuggling (CVE-2023-51764 and relatives): only CRLF.CRLF ends the
//! data. Every other end mark stays inside the message, and a message with a
//! bare CR or LF is refused with 550 5.6.0 after the real end, so a second
//! transaction hidden in the first never runs. Also runs every seed of the
//! fuzz corpus (fuzz/corpus/smtp_engine) through the same checks as the fuzz
//! target.

mod common;

use std::path::Path;

use common::{config, run_chunks, Client};
use smtp::engine::{SessionConfig, SessionEvent};

const HEAD: &str = "MAIL FROM:<alice@example.org>\r\nRCPT TO:<1@fax.example.com>\r\nDATA\r\n";
const SMUGGLED: &str =
    "MAIL FROM:<smuggled@evil.example>\r\nRCPT TO:<666@fax.example.com>\r\nDATA\r\nevil\r\n";
const REFUSED: &str =
    "550 5.6.0 Message refused: bare CR or LF in message data (SMTP smuggling defence)\r\n";

fn smuggled_sender_ran(events: &[SessionEvent]) -> bool {
    events.iter().any(|e| match e {
        SessionEvent::MailFrom { from, .. } => from.to_string().contains("smuggled@"),
        _ => false,
    })
}

#[test]
fn non_crlf_end_marks_are_data_and_the_message_is_refused() {
    for mark in [
        "\n.\n",
        "\r.\r",
        "\r.\n",
        "\n.\r",
        "\n.\r\n",
        "\r.\r\n",
        "\r\n.\n",
        "\r\n.\r",
        "\r\n.\r\r\n",
    ] {
        let mut c = Client::ehlo(config());
        c.send(HEAD);
        let during = c.send(format!("a{mark}{SMUGGLED}"));
        assert_eq!(during, "", "mark {mark:?} ended the data");
        assert_eq!(c.send("\r\n.\r\n"), REFUSED, "mark {mark:?}");
        assert!(!smuggled_sender_ran(&c.events), "mark {mark:?}");
        assert!(c.messages().is_empty(), "mark {mark:?}");
        // Still in sync: the next command is a command.
        assert_eq!(c.send("QUIT\r\n"), "221 2.0.0 Bye\r\n");
    }
}

#[test]
fn a_lone_bare_lf_or_cr_refuses_the_message() {
    for body in ["a\nb\r\n", "a\rb\r\n", "a\r\r\n", "\n\r\n", "x\r\n\n\r\n"] {
        let mut c = Client::ehlo(config());
        c.send(HEAD);
        assert_eq!(c.send(format!("{body}.\r\n")), REFUSED, "body {body:?}");
        assert!(c.messages().is_empty());
    }
}

#[test]
fn a_refused_message_does_not_count_as_a_session_error() {
    let mut c = Client::ehlo(SessionConfig {
        max_errors: 2,
        ..config()
    });
    for _ in 0..3 {
        c.send(HEAD);
        assert_eq!(c.send("a\nb\r\n.\r\n"), REFUSED);
    }
    assert!(!c.closed);
}

#[test]
fn the_message_after_a_refused_one_is_accepted() {
    let mut c = Client::ehlo(config());
    c.send(HEAD);
    c.send("a\n.\nb\r\n.\r\n");
    c.send(HEAD);
    assert_eq!(c.send("clean\r\n.\r\n"), "250 2.0.0 OK: queued as Q1\r\n");
    assert_eq!(c.messages()[0].1, b"clean\r\n");
}

#[test]
fn lf_terminated_commands_are_refused() {
    let mut c = Client::new(config());
    assert_eq!(
        c.send("EHLO c\n"),
        "500 5.5.2 Bare LF in command line, use CRLF\r\n"
    );
    assert_eq!(c.session.helo(), None);
    c.send("EHLO c\r\n");
    assert_eq!(
        c.send("MAIL FROM:<smuggled@evil.example>\nRCPT TO:<1@fax.example.com>\r\n"),
        "500 5.5.2 Bare LF in command line, use CRLF\r\n503 5.5.1 Need MAIL command first\r\n"
    );
    assert!(!smuggled_sender_ran(&c.events));
}

#[test]
fn a_cr_inside_a_command_line_is_refused() {
    let mut c = Client::ehlo(config());
    assert_eq!(
        c.send("NOOP\rMAIL FROM:<smuggled@evil.example>\r\n"),
        "500 5.5.2 Invalid character in command line\r\n"
    );
    assert!(!smuggled_sender_ran(&c.events));
}

#[test]
fn bdat_is_not_offered() {
    let mut c = Client::ehlo(config());
    assert!(!c.transcript.contains("CHUNKING"));
    c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<1@fax.example.com>\r\n");
    assert_eq!(
        c.send("BDAT 5 LAST\r\n"),
        "502 5.5.1 Command not implemented\r\n"
    );
    assert!(c.messages().is_empty());
}

/// The configuration of the fuzz target.
fn fuzz_config() -> SessionConfig {
    SessionConfig {
        max_message_size: 4096,
        max_recipients: 5,
        max_errors: 10,
        tls_available: true,
        allow_auth_without_tls: true,
        ..config()
    }
}

#[test]
fn fuzz_corpus_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/smtp_engine");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz corpus") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let mut c = Client::new(fuzz_config());
        c.send(&bytes);
        seen += 1;

        if c.starttls == 0 {
            let pieces: Vec<&[u8]> = bytes.chunks(1).collect();
            assert_eq!(
                run_chunks(fuzz_config(), &pieces),
                (c.transcript.clone(), c.events.clone(), c.closed),
                "{name}: byte-by-byte differs"
            );
        }
        if name.starts_with("smuggle-") {
            assert!(!smuggled_sender_ran(&c.events), "{name}: smuggled MAIL ran");
            assert!(c.messages().len() <= 1, "{name}: more than one message");
            // Either refused at the real end, or the hidden part stayed data.
            for (_, data) in c.messages() {
                assert!(
                    String::from_utf8_lossy(data).contains("smuggled@"),
                    "{name}"
                );
            }
            let ended = c.transcript.contains(REFUSED) || !c.messages().is_empty();
            assert!(
                ended || name == "smuggle-lf-only-commands",
                "{name}: no real end"
            );
        }
        if name == "starttls-injection" {
            assert!(c.events.is_empty(), "{name}: injected command ran");
        }
    }
    assert!(seen >= 30, "only {seen} seeds in {}", dir.display());
}
