//! RFC 3261 §17 transactions on a simulated clock: every timer (A, B, D,
//! E, F, G, H, I, J, K and RFC 6026's L/M) fires at the instant the RFC
//! says, with T1 = 500 ms, T2 = 4 s, T4 = 5 s.

use std::time::{Duration, Instant};

use sip::transaction::{
    ClientState, ClientTransaction, ServerState, ServerTransaction, TimerConfig, TxEvent,
};
use sip::wire::{self, MessageText};
use sip::{Request, Response};
use test_kit::origin;

fn request(method: &str) -> Request {
    MessageText::request(method, "sip:4930123@trunk.test")
        .header("Via", "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKtx1;rport")
        .header("Max-Forwards", "70")
        .header("From", "<sip:fax@gw.test>;tag=f1")
        .header("To", "<sip:4930123@trunk.test>")
        .header("Call-ID", "call-1@gw.test")
        .header("CSeq", format!("7 {method}"))
        .build_request()
        .unwrap()
}

fn response(req: &Request, code: u16) -> Response {
    wire::response_to(req, code, "X", Some("t1"))
        .build_response()
        .unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Drives a client transaction alone on the clock until it ends; returns
/// the offsets of every transmission and of the timeout, if any.
fn run_client(tx: &mut ClientTransaction, t0: Instant) -> (Vec<Duration>, Option<Duration>) {
    let mut sends = Vec::new();
    let mut timeout = None;
    let mut now = t0;
    loop {
        while let Some(ev) = tx.poll_event() {
            match ev {
                TxEvent::Transmit(_) => sends.push(now - t0),
                TxEvent::Timeout => timeout = Some(now - t0),
                TxEvent::Terminated => return (sends, timeout),
                TxEvent::Response(_) => {}
            }
        }
        now = tx.poll_timeout().expect("a live transaction has a timer");
        tx.handle_timeout(now);
    }
}

#[test]
fn invite_client_timer_a_doubles_and_timer_b_gives_up_at_64_t1() {
    let t0 = origin();
    let mut tx = ClientTransaction::new(request("INVITE"), false, TimerConfig::default(), t0);
    let (sends, timeout) = run_client(&mut tx, t0);
    let want: Vec<Duration> = [0, 500, 1500, 3500, 7500, 15500, 31500].map(ms).to_vec();
    assert_eq!(sends, want);
    assert_eq!(timeout, Some(ms(32_000)));
}

#[test]
fn non_invite_client_timer_e_caps_at_t2_and_timer_f_at_64_t1() {
    let t0 = origin();
    let mut tx = ClientTransaction::new(request("OPTIONS"), false, TimerConfig::default(), t0);
    let (sends, timeout) = run_client(&mut tx, t0);
    let want: Vec<Duration> = [
        0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]
    .map(ms)
    .to_vec();
    assert_eq!(sends, want);
    assert_eq!(timeout, Some(ms(32_000)));
}

#[test]
fn reliable_transport_never_retransmits() {
    let t0 = origin();
    let mut tx = ClientTransaction::new(request("INVITE"), true, TimerConfig::default(), t0);
    let (sends, timeout) = run_client(&mut tx, t0);
    assert_eq!(sends, vec![ms(0)]);
    assert_eq!(timeout, Some(ms(32_000)));
}

#[test]
fn non_invite_proceeding_retransmits_every_t2() {
    let t0 = origin();
    let req = request("REGISTER");
    let mut tx = ClientTransaction::new(req.clone(), false, TimerConfig::default(), t0);
    tx.handle_response(response(&req, 100), t0 + ms(200));
    assert_eq!(tx.state(), ClientState::Proceeding);
    let (sends, timeout) = run_client(&mut tx, t0);
    // The first send was drained by run_client too: 0, then E at 0.5 s, then every T2.
    let want: Vec<Duration> = [0, 500, 4500, 8500, 12500, 16500, 20500, 24500, 28500]
        .map(ms)
        .to_vec();
    assert_eq!(sends, want);
    assert_eq!(
        timeout,
        Some(ms(32_000)),
        "timer F still runs in Proceeding"
    );
}

#[test]
fn invite_client_acks_non_2xx_itself_and_absorbs_retransmissions_until_timer_d() {
    let t0 = origin();
    let req = request("INVITE");
    let mut tx = ClientTransaction::new(req.clone(), false, TimerConfig::default(), t0);
    assert!(matches!(tx.poll_event(), Some(TxEvent::Transmit(_))));
    tx.handle_response(response(&req, 180), t0 + ms(100));
    assert!(matches!(tx.poll_event(), Some(TxEvent::Response(r)) if wire::status(&r) == 180));
    assert_eq!(
        tx.poll_timeout(),
        None,
        "no retransmission or timer B once proceeding"
    );
    tx.handle_response(response(&req, 486), t0 + ms(200));
    let Some(TxEvent::Transmit(ack)) = tx.poll_event() else {
        panic!("ACK first")
    };
    let ack = wire::parse(&ack).unwrap();
    let core = wire::Core::of(&ack).unwrap();
    assert_eq!((core.cseq, core.cseq_method.as_str()), (7, "ACK"));
    assert_eq!(
        core.branch, "z9hG4bKtx1",
        "same branch as the INVITE (§17.1.1.3)"
    );
    assert_eq!(core.to_tag.as_deref(), Some("t1"), "To from the response");
    assert!(matches!(tx.poll_event(), Some(TxEvent::Response(r)) if wire::status(&r) == 486));
    assert_eq!(tx.state(), ClientState::Completed);
    // A retransmitted 486 is ACKed again and not passed up.
    tx.handle_response(response(&req, 486), t0 + ms(900));
    assert!(matches!(tx.poll_event(), Some(TxEvent::Transmit(_))));
    assert_eq!(tx.poll_event(), None);
    assert_eq!(
        tx.poll_timeout(),
        Some(t0 + ms(200) + Duration::from_secs(32)),
        "timer D"
    );
    tx.handle_timeout(t0 + ms(32_200));
    assert_eq!(tx.poll_event(), Some(TxEvent::Terminated));
}

#[test]
fn invite_client_passes_every_2xx_up_until_timer_m() {
    let t0 = origin();
    let req = request("INVITE");
    let mut tx = ClientTransaction::new(req.clone(), false, TimerConfig::default(), t0);
    tx.poll_event();
    tx.handle_response(response(&req, 200), t0 + ms(50));
    tx.handle_response(response(&req, 200), t0 + ms(550));
    let ups = std::iter::from_fn(|| tx.poll_event())
        .filter(|e| matches!(e, TxEvent::Response(_)))
        .count();
    assert_eq!(ups, 2, "the dialog ACKs each 2xx");
    assert_eq!(tx.state(), ClientState::Accepted);
    tx.handle_timeout(t0 + ms(50) + ms(32_000));
    assert_eq!(tx.poll_event(), Some(TxEvent::Terminated));
}

#[test]
fn non_invite_client_timer_k_is_t4_over_udp_and_zero_over_tcp() {
    let t0 = origin();
    let req = request("BYE");
    let mut udp = ClientTransaction::new(req.clone(), false, TimerConfig::default(), t0);
    udp.handle_response(response(&req, 200), t0 + ms(10));
    assert_eq!(udp.state(), ClientState::Completed);
    assert_eq!(udp.poll_timeout(), Some(t0 + ms(5010)));
    let mut tcp = ClientTransaction::new(req.clone(), true, TimerConfig::default(), t0);
    tcp.handle_response(response(&req, 200), t0 + ms(10));
    assert_eq!(tcp.state(), ClientState::Terminated);
}

fn drain_server(tx: &mut ServerTransaction) -> Vec<TxEvent> {
    std::iter::from_fn(|| tx.poll_event()).collect()
}

#[test]
fn invite_server_sends_100_resends_on_retransmission_and_retransmits_error_with_timer_g() {
    let t0 = origin();
    let req = request("INVITE");
    let mut tx = ServerTransaction::new(req.clone(), false, TimerConfig::default(), t0);
    let ev = drain_server(&mut tx);
    let [TxEvent::Transmit(trying)] = ev.as_slice() else {
        panic!("{ev:?}")
    };
    assert!(trying.starts_with(b"SIP/2.0 100 "));
    tx.handle_request(&req, t0 + ms(500));
    assert_eq!(
        drain_server(&mut tx).len(),
        1,
        "100 again for a retransmitted INVITE"
    );
    tx.send_response(&response(&req, 486), t0 + ms(1000))
        .unwrap();
    assert_eq!(drain_server(&mut tx).len(), 1);
    let mut sends = Vec::new();
    let mut timer_h = None;
    while tx.state() == ServerState::Completed {
        let now = tx.poll_timeout().unwrap();
        tx.handle_timeout(now);
        for e in drain_server(&mut tx) {
            match e {
                TxEvent::Transmit(_) => sends.push(now - t0 - ms(1000)),
                TxEvent::Timeout => timer_h = Some(now - t0 - ms(1000)),
                _ => {}
            }
        }
    }
    assert_eq!(timer_h, Some(ms(32_000)), "timer H: no ACK");
    let want: Vec<Duration> = [
        500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]
    .map(ms)
    .to_vec();
    assert_eq!(sends, want, "timer G doubles up to T2");
    assert_eq!(tx.state(), ServerState::Terminated);
}

#[test]
fn invite_server_ack_confirms_and_timer_i_ends_it() {
    let t0 = origin();
    let req = request("INVITE");
    let mut tx = ServerTransaction::new(req.clone(), false, TimerConfig::default(), t0);
    tx.send_response(&response(&req, 603), t0).unwrap();
    drain_server(&mut tx);
    let ack = {
        let mut m = MessageText::from_request(&req);
        m.set("CSeq", "7 ACK");
        let text = String::from_utf8(m.to_bytes())
            .unwrap()
            .replacen("INVITE", "ACK", 1);
        match wire::parse(text).unwrap() {
            sip::SipMessage::Request(r) => r,
            _ => unreachable!(),
        }
    };
    tx.handle_request(&ack, t0 + ms(700));
    assert_eq!(tx.state(), ServerState::Confirmed);
    assert_eq!(tx.poll_timeout(), Some(t0 + ms(5700)), "timer I = T4");
    tx.handle_timeout(t0 + ms(5700));
    assert_eq!(drain_server(&mut tx), vec![TxEvent::Terminated]);
}

#[test]
fn invite_server_retransmits_2xx_until_the_dialog_ack() {
    let t0 = origin();
    let req = request("INVITE");
    let mut tx = ServerTransaction::new(req.clone(), false, TimerConfig::default(), t0);
    tx.send_response(&response(&req, 200), t0).unwrap();
    drain_server(&mut tx);
    tx.handle_timeout(t0 + ms(500));
    tx.handle_timeout(t0 + ms(1500));
    assert_eq!(drain_server(&mut tx).len(), 2);
    tx.handle_2xx_ack();
    assert!(tx.is_acked());
    tx.handle_timeout(t0 + ms(3500));
    assert!(
        drain_server(&mut tx).is_empty(),
        "no retransmission after the ACK"
    );
    tx.handle_timeout(t0 + ms(32_000));
    assert_eq!(
        drain_server(&mut tx),
        vec![TxEvent::Terminated],
        "timer L, no timeout"
    );

    let mut lost = ServerTransaction::new(req.clone(), false, TimerConfig::default(), t0);
    lost.send_response(&response(&req, 200), t0).unwrap();
    let mut now = t0;
    let mut events = Vec::new();
    while lost.state() != ServerState::Terminated {
        now = lost.poll_timeout().unwrap();
        lost.handle_timeout(now);
        events.extend(drain_server(&mut lost));
    }
    assert!(
        events.contains(&TxEvent::Timeout),
        "no ACK for the 2xx is reported"
    );
    assert_eq!(now - t0, ms(32_000));
}

#[test]
fn non_invite_server_absorbs_then_repeats_final_until_timer_j() {
    let t0 = origin();
    let req = request("OPTIONS");
    let mut tx = ServerTransaction::new(req.clone(), false, TimerConfig::default(), t0);
    tx.handle_request(&req, t0 + ms(500));
    assert!(
        drain_server(&mut tx).is_empty(),
        "Trying absorbs retransmissions"
    );
    tx.send_response(&response(&req, 200), t0 + ms(600))
        .unwrap();
    assert_eq!(drain_server(&mut tx).len(), 1);
    tx.handle_request(&req, t0 + ms(1500));
    assert_eq!(drain_server(&mut tx).len(), 1, "the final response again");
    assert!(tx
        .send_response(&response(&req, 500), t0 + ms(1600))
        .is_err());
    assert_eq!(tx.poll_timeout(), Some(t0 + ms(32_600)), "timer J = 64*T1");
    let mut tcp = ServerTransaction::new(req.clone(), true, TimerConfig::default(), t0);
    tcp.send_response(&response(&req, 200), t0).unwrap();
    assert_eq!(tcp.state(), ServerState::Terminated, "J = 0 over TCP");
}

#[test]
fn custom_timer_values_scale_every_timer() {
    let timers = TimerConfig {
        t1: ms(100),
        t2: ms(400),
        t4: ms(1000),
    };
    let t0 = origin();
    let mut tx = ClientTransaction::new(request("INVITE"), false, timers, t0);
    let (sends, timeout) = run_client(&mut tx, t0);
    assert_eq!(sends.len(), 7);
    assert_eq!(timeout, Some(ms(6400)));
}

/// A transport error (RFC 3261 §8.1.3.1) ends the client transactions
/// towards that address at once with a 503 carrying the cause, sends
/// nothing more, and leaves transactions to other addresses alone.
#[test]
fn transport_error_ends_client_transactions_towards_that_address_with_503() {
    use sip::endpoint::{Endpoint, EndpointEvent, Output};
    let t0 = origin();
    let mut ep = Endpoint::new(true, TimerConfig::default());
    let dead: std::net::SocketAddr = "127.0.0.1:5061".parse().unwrap();
    let other: std::net::SocketAddr = "127.0.0.1:5071".parse().unwrap();
    let a = ep.send_request(request("INVITE"), dead, t0);
    let b = ep.send_request(request("OPTIONS"), other, t0);
    while ep.poll_output().is_some() {}
    assert_eq!(ep.transport_error(dead, "TLS: certificate not valid"), 1);
    let mut got = Vec::new();
    while let Some(o) = ep.poll_output() {
        got.push(o);
    }
    assert_eq!(got.len(), 1, "{got:?}");
    match &got[0] {
        Output::Event(EndpointEvent::Response { tx, response }) => {
            assert_eq!(*tx, a);
            assert_eq!(wire::status(response), 503);
            assert!(response.to_string().contains("TLS: certificate not valid"));
            assert!(sip::endpoint::is_transport_error(response));
        }
        o => panic!("expected a 503 for the INVITE, got {o:?}"),
    }
    assert_eq!(ep.transactions().0, 1, "the OPTIONS to {other} lives on");
    assert_eq!(ep.transport_error(dead, "again"), 0);
    assert_eq!(ep.transport_error(other, "gone"), 1);
    let _ = b;
}
