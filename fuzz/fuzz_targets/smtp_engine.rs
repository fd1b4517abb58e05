//! Fuzzes the SMTP session engine with raw client byte streams.
//!
//! Checks, besides "never panics": every reply is a CRLF-terminated line
//! with a three-digit code; nothing comes out while the driver owes an
//! answer (in particular no 250 before `answer_data`); a stored message is
//! never larger than the cap; and, unless STARTTLS cut the stream, feeding
//! the input whole or in small pieces gives the same session.
#![no_main]

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use libfuzzer_sys::fuzz_target;
use smtp::engine::{DataVerdict, Output, PeerInfo, Session, SessionConfig, SessionEvent, Verdict};

const MAX_MESSAGE: usize = 4096;

#[derive(Debug, PartialEq, Eq)]
struct Run {
    replies: Vec<Vec<u8>>,
    events: Vec<SessionEvent>,
    closed: bool,
    starttls: bool,
}

fn config() -> SessionConfig {
    SessionConfig {
        hostname: "gw.test".into(),
        max_message_size: MAX_MESSAGE,
        max_recipients: 5,
        max_errors: 10,
        tls_available: true,
        allow_auth_without_tls: true,
        ..SessionConfig::default()
    }
}

fn drain(s: &mut Session, run: &mut Run) {
    while let Some(out) = s.poll_output() {
        match out {
            Output::Reply(bytes) => {
                assert!(bytes.len() >= 6 && bytes.ends_with(b"\r\n"));
                assert!(bytes[..3].iter().all(u8::is_ascii_digit));
                run.replies.push(bytes);
            }
            Output::Close => {
                assert!(!run.closed);
                run.closed = true;
            }
            Output::StartTls => {
                run.starttls = true;
                s.tls_established().unwrap();
            }
            Output::Event(e) => {
                // The session waits for the answer: nothing may come out first.
                assert!(s.poll_output().is_none());
                match &e {
                    SessionEvent::MailFrom { .. } => s.answer_mail(Verdict::Accept).unwrap(),
                    SessionEvent::RcptTo { addr, .. } => {
                        let ok = addr.is_plain() && addr.domain == "fax.example.com";
                        let v = if ok {
                            Verdict::Accept
                        } else {
                            Verdict::Reject(smtp::wire::reply::ReplyCode::Rejected.into())
                        };
                        s.answer_rcpt(v).unwrap()
                    }
                    SessionEvent::Auth {
                        identity, password, ..
                    } => s
                        .answer_auth(identity == "alice" && password.expose() == "secret")
                        .unwrap(),
                    SessionEvent::Message { data, .. } => {
                        assert!(data.len() <= MAX_MESSAGE);
                        s.answer_data(DataVerdict::Accept("Q".into())).unwrap()
                    }
                    _ => {}
                }
                run.events.push(e);
            }
        }
    }
}

fn run(data: &[u8], chunk: usize) -> Run {
    let now = Instant::now();
    let peer = PeerInfo {
        ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        tls: false,
    };
    let mut s = Session::new(config(), peer, now);
    let mut r = Run {
        replies: Vec::new(),
        events: Vec::new(),
        closed: false,
        starttls: false,
    };
    drain(&mut s, &mut r);
    for piece in data.chunks(chunk.max(1)) {
        s.handle_input(now, piece);
        drain(&mut s, &mut r);
    }
    s.handle_timeout(now + std::time::Duration::from_secs(3600));
    drain(&mut s, &mut r);
    r
}

fuzz_target!(|data: &[u8]| {
    let whole = run(data, data.len());
    if whole.starttls {
        return;
    }
    let chunk = if data.len() <= 2048 { 1 } else { 13 };
    assert_eq!(whole, run(data, chunk));
});
