//! Property tests: no input panics the engine, whatever the driver answers,
//! and the way the stream is cut into reads never changes the session.

mod common;

use std::time::Duration;

use common::{config, peer, run_chunks, SAMPLE_SESSION};
use proptest::prelude::*;
use smtp::engine::{DataVerdict, Output, Session, SessionConfig, Verdict};
use smtp::wire::reply::ReplyCode;

/// Fragments that make the engine reach its deeper states.
const WORDS: &[&[u8]] = &[
    b"EHLO c\r\n",
    b"HELO c\r\n",
    b"MAIL FROM:<a@b.example>",
    b"MAIL FROM:<>",
    b" SIZE=10",
    b" SMTPUTF8",
    b"RCPT TO:<1@fax.example.com>",
    b"RCPT TO:<@a:b@c>",
    b" NOTIFY=NEVER",
    b"DATA\r\n",
    b"BDAT 3\r\n",
    b"RSET\r\n",
    b"QUIT\r\n",
    b"STARTTLS\r\n",
    b"AUTH PLAIN",
    b"AUTH LOGIN\r\n",
    b" AGFsaWNlAHNlY3JldA==",
    b"YWxpY2U=",
    b"*",
    b"\r\n",
    b"\n",
    b"\r",
    b".",
    b"..",
    b"\r\n.\r\n",
    b"\xc3\xa9",
    b"\xff",
    b"\0",
    b"<",
    b">",
    b"\"",
    b"@",
    b" ",
];

fn fragment(tls: bool) -> impl Strategy<Value = Vec<u8>> {
    let words: Vec<&[u8]> = WORDS
        .iter()
        .copied()
        .filter(|w| tls || *w != b"STARTTLS\r\n")
        .collect();
    prop_oneof![
        3 => proptest::sample::select(words).prop_map(|w| w.to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 1..40),
        1 => (1usize..700).prop_map(|n| vec![b'x'; n]),
    ]
}

fn stream(tls: bool) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(fragment(tls), 0..60).prop_map(|v| v.concat())
}

fn test_config() -> SessionConfig {
    SessionConfig {
        max_message_size: 200,
        max_recipients: 2,
        max_errors: 30,
        tls_available: true,
        allow_auth_without_tls: true,
        ..config()
    }
}

/// Drives a session with arbitrary answers taken from `answers`; returns
/// every reply and whether it closed.
fn drive(input: &[u8], cuts: &[usize], answers: &[u8]) -> (Vec<u8>, bool) {
    let now = test_kit::origin();
    let mut s = Session::new(test_config(), peer(false), now);
    let mut out = Vec::new();
    let mut closed = false;
    let mut k = 0usize;
    let mut next = || {
        k += 1;
        answers.get(k % answers.len().max(1)).copied().unwrap_or(0)
    };
    let mut pieces = Vec::new();
    let mut rest = input;
    for &c in cuts {
        let (a, b) = rest.split_at(c.min(rest.len()));
        pieces.push(a);
        rest = b;
    }
    pieces.push(rest);
    for piece in pieces {
        s.handle_input(now, piece);
        while let Some(o) = s.poll_output() {
            match o {
                Output::Reply(r) => {
                    assert!(r.ends_with(b"\r\n") && r.len() >= 6);
                    assert!(r[..3].iter().all(u8::is_ascii_digit));
                    out.extend_from_slice(&r);
                }
                Output::Close => closed = true,
                Output::StartTls => {
                    if next() % 2 == 0 {
                        s.tls_established().unwrap();
                    }
                }
                Output::Event(_) => {
                    let a = next();
                    let reject = || Verdict::Reject(ReplyCode::Rejected.into());
                    // Answer whatever is pending; the wrong calls must fail cleanly.
                    let verdict = if a % 3 == 0 {
                        reject()
                    } else {
                        Verdict::Accept
                    };
                    let _ = s.answer_mail(verdict.clone());
                    let _ = s.answer_rcpt(verdict);
                    let _ = s.answer_auth(a % 2 == 0);
                    let _ = s.answer_data(match a % 4 {
                        0 => DataVerdict::Reject(ReplyCode::TransactionFailed.into()),
                        1 => DataVerdict::TempFail(ReplyCode::Ok.into()),
                        _ => DataVerdict::Accept(format!("Q{a}")),
                    });
                }
            }
        }
    }
    s.handle_timeout(now + Duration::from_secs(1));
    (out, closed)
}

fn cuts(n: usize) -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(0..n.max(1), 0..8).prop_map(|mut v| {
        v.sort_unstable();
        let mut prev = 0;
        v.into_iter()
            .map(|c| {
                let d = c - prev;
                prev = c;
                d
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(
        input in proptest::collection::vec(any::<u8>(), 0..3000),
        cut in cuts(3000),
        answers in proptest::collection::vec(any::<u8>(), 1..16),
    ) {
        drive(&input, &cut, &answers);
    }

    #[test]
    fn smtp_like_streams_never_panic(
        input in stream(true),
        cut in cuts(4000),
        answers in proptest::collection::vec(any::<u8>(), 1..16),
    ) {
        drive(&input, &cut, &answers);
    }

    /// Without STARTTLS (which rightly drops what follows it in the same
    /// read), the cuts never matter.
    #[test]
    fn cuts_do_not_matter(input in stream(false), cut in cuts(4000), answers in proptest::collection::vec(any::<u8>(), 1..16)) {
        prop_assume!(!input.windows(8).any(|w| w == b"STARTTLS"));
        prop_assert_eq!(drive(&input, &cut, &answers), drive(&input, &[], &answers));
    }

    #[test]
    fn any_chunking_of_the_sample_session_is_the_same(cut in cuts(SAMPLE_SESSION.len())) {
        let whole = run_chunks(config(), &[SAMPLE_SESSION]);
        let mut pieces = Vec::new();
        let mut rest = SAMPLE_SESSION;
        for c in cut {
            let (a, b) = rest.split_at(c.min(rest.len()));
            pieces.push(a);
            rest = b;
        }
        pieces.push(rest);
        prop_assert_eq!(run_chunks(config(), &pieces), whole);
    }
}
