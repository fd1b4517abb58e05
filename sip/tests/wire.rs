//! SIP message framing and header helpers (RFC 3261 §7, §18.3).

use sip::error::SipError;
use sip::wire::{self, Core, MessageText, StreamFramer};

const INVITE: &str = "INVITE sip:4930123@gw.test SIP/2.0\r\n\
v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport, SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKdef\r\n\
Max-Forwards: 70\r\n\
f: \"Alice\" <sip:alice@example.org>;tag=1928301774\r\n\
t: <sip:4930123@gw.test>\r\n\
i: a84b4c76e66710@pc33.example.org\r\n\
CSeq: 314159 INVITE\r\n\
Subject: folded\r\n  across lines\r\n\
m: <sip:alice@10.0.0.1:5060>\r\n\
c: application/sdp\r\n\
l: 4\r\n\r\nv=0\r\nEXTRA";

#[test]
fn compact_folded_and_multi_via_headers_are_normalised() {
    let msg = wire::parse(INVITE).unwrap();
    let core = Core::of(&msg).unwrap();
    assert_eq!(core.call_id, "a84b4c76e66710@pc33.example.org");
    assert_eq!(core.cseq, 314159);
    assert_eq!(core.cseq_method, "INVITE");
    assert_eq!(core.from_tag.as_deref(), Some("1928301774"));
    assert_eq!(core.to_tag, None);
    assert_eq!(core.branch, "z9hG4bKabc");
    assert_eq!(core.sent_by, "10.0.0.1:5060");
    assert_eq!(wire::header_values(&msg, "Via").len(), 2);
    assert_eq!(
        wire::header(&msg, "Subject").unwrap(),
        "folded across lines"
    );
    // The body is cut at Content-Length: "EXTRA" is not part of it.
    assert_eq!(msg.body(), b"v=0\r\n".get(..4).unwrap());
}

#[test]
fn datagram_with_short_body_is_rejected() {
    let bad = INVITE.replace("l: 4", "l: 400");
    assert!(matches!(wire::parse(bad), Err(SipError::Malformed(_))));
}

#[test]
fn missing_mandatory_headers_are_rejected() {
    for h in ["i: ", "CSeq: ", "f: ", "t: ", "v: "] {
        let text: String = INVITE
            .split("\r\n")
            .filter(|l| !l.starts_with(h))
            .collect::<Vec<_>>()
            .join("\r\n");
        assert!(wire::parse(&text).is_err(), "without {h}");
    }
}

#[test]
fn crlf_keepalive_is_not_a_message() {
    assert_eq!(wire::parse_datagram(b"\r\n\r\n").unwrap(), None);
}

#[test]
fn stream_framer_splits_messages_at_content_length() {
    let a = MessageText::request("OPTIONS", "sip:gw.test")
        .header("Via", "SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK1")
        .header("From", "<sip:a@x>;tag=1")
        .header("To", "<sip:gw.test>")
        .header("Call-ID", "c1")
        .header("CSeq", "1 OPTIONS")
        .body("text/plain", "hello")
        .to_bytes();
    let mut stream = b"\r\n\r\n".to_vec();
    stream.extend_from_slice(&a);
    stream.extend_from_slice(&a);
    let mut f = StreamFramer::new();
    let mut got = Vec::new();
    for chunk in stream.chunks(7) {
        f.push(chunk);
        while let Some(m) = f.next_message().unwrap() {
            got.push(m);
        }
    }
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].body(), b"hello");
    assert_eq!(f.pending(), 0);
}

/// RFC 5626 §4.4.1 on a stream: a double CRLF is a ping, a single one a
/// pong. A lone CRLF with nothing after it is a pong only when we pinged
/// (else it may be half a ping); followed by a message it is a pong.
#[test]
fn stream_framer_tells_pings_from_pongs() {
    use sip::wire::StreamItem;
    let mut f = StreamFramer::new();
    f.push(b"\r\n");
    assert_eq!(f.next_item().unwrap(), None, "half a ping, or a pong");
    f.push(b"\r\n");
    assert_eq!(f.next_item().unwrap(), Some(StreamItem::Ping));
    f.push(b"\r\n");
    f.expect_pong();
    assert_eq!(f.next_item().unwrap(), Some(StreamItem::Pong));
    assert_eq!(f.next_item().unwrap(), None);
    f.push(b"\r\nOPTIONS sip:x SIP/2.0\r\n");
    assert_eq!(f.next_item().unwrap(), Some(StreamItem::Pong));
    assert_eq!(f.next_item().unwrap(), None, "the message is not whole yet");
    assert_eq!(f.pending(), 23);
}

#[test]
fn stream_without_content_length_is_an_error() {
    let mut f = StreamFramer::new();
    f.push(b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\r\n");
    assert_eq!(f.next_message(), Err(SipError::BadHeader("Content-Length")));
}

#[test]
fn response_copies_dialog_headers_and_adds_to_tag() {
    let sip::SipMessage::Request(req) = wire::parse(INVITE).unwrap() else {
        panic!("request")
    };
    let resp = wire::response_to(&req, 180, "Ringing", Some("xyz"))
        .build_response()
        .unwrap();
    let core = Core::of(&resp).unwrap();
    assert_eq!(core.to_tag.as_deref(), Some("xyz"));
    assert_eq!(core.branch, "z9hG4bKabc");
    assert_eq!(wire::header_values(&resp, "Via").len(), 2);
    assert_eq!(wire::status(&resp), 180);
    let text = String::from_utf8(wire::to_bytes(&resp.into())).unwrap();
    assert!(text.starts_with("SIP/2.0 180 Ringing\r\n"), "{text}");
}

#[test]
fn garbage_never_panics() {
    let mut seed = 1u64;
    let base = INVITE.as_bytes();
    for _ in 0..2000 {
        let mut b = base.to_vec();
        for _ in 0..4 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = (seed >> 33) as usize % b.len();
            b[i] = (seed >> 20) as u8;
        }
        let _ = wire::parse_datagram(&b);
        let _ = wire::parse_datagram(&b[..(seed as usize) % b.len()]);
    }
}

#[test]
fn unreadable_request_gets_a_stateless_400_and_responses_get_nothing() {
    use sip::endpoint::{Endpoint, EndpointEvent, Output};
    let bad = INVITE.replace("Max-Forwards: 70", "Max-Forwards 70 no colon");
    let now = test_kit::origin();
    let from = "127.0.0.1:5079".parse().unwrap();
    let mut ep = Endpoint::new(false, sip::transaction::TimerConfig::default());
    ep.handle_datagram(from, bad.as_bytes(), now);
    let Some(Output::Transmit { to, bytes }) = ep.poll_output() else {
        panic!("a 400")
    };
    assert_eq!(to, from);
    let resp = wire::parse(&bytes).unwrap();
    let sip::SipMessage::Response(resp) = resp else {
        panic!("response")
    };
    assert_eq!(wire::status(&resp), 400);
    let core = Core::of(&resp).unwrap();
    assert_eq!(core.branch, "z9hG4bKabc");
    assert_eq!(core.cseq, 314159);
    assert_eq!(wire::header_values(&resp, "Via").len(), 2);
    assert!(core.to_tag.is_some());
    assert!(matches!(
        ep.poll_output(),
        Some(Output::Event(EndpointEvent::Malformed { .. }))
    ));
    // A broken response is dropped silently; so is a request without Via.
    ep.handle_datagram(from, b"SIP/2.0 200 OK\r\nbroken\r\n\r\n", now);
    let no_via: String = bad
        .split("\r\n")
        .filter(|l| !l.starts_with("v: "))
        .collect::<Vec<_>>()
        .join("\r\n");
    ep.handle_datagram(from, no_via.as_bytes(), now);
    while let Some(out) = ep.poll_output() {
        assert!(
            matches!(out, Output::Event(EndpointEvent::Malformed { .. })),
            "{out:?}"
        );
    }
    // Oversize: 513.
    let big = format!("OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nX-Pad: {}\r\n\r\n", "a".repeat(70_000));
    ep.handle_datagram(from, big.as_bytes(), now);
    let Some(Output::Transmit { bytes, .. }) = ep.poll_output() else {
        panic!("a 513")
    };
    assert!(bytes.starts_with(b"SIP/2.0 513 "));
}
