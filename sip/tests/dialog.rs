//! Two endpoints of ours on a simulated network and clock: call setup with
//! a lost INVITE, the 2xx/ACK handshake, re-INVITE to T.38 in both
//! directions, a refused T.38 re-INVITE falling back to G.711, CANCEL,
//! glare (491), CSeq order, BYE, and OPTIONS keep-alive.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sip::dialog::{new_request, Dialog, KeepAlive, LocalParty, Refusal};
use sip::endpoint::{Endpoint, EndpointEvent, Output, TxId};
use sip::sdp::offer_answer::{self, LocalCaps, LocalMedia, Negotiated};
use sip::sdp::t38::{FaxTransport, SwitchAction, T38Params, T38Switch};
use sip::sdp::SessionDescription;
use sip::transaction::{cancel_for, TimerConfig};
use sip::wire::{self, IdGen};
use sip::{Request, Response};
use test_kit::origin;

const A: &str = "127.0.0.1:5070";
const B: &str = "127.0.0.1:5071";

/// Decides per datagram (sender side, bytes) whether the network loses it.
type DropRule = Box<dyn FnMut(usize, &[u8]) -> bool>;

struct Net {
    ep: [Endpoint; 2],
    addr: [SocketAddr; 2],
    now: Instant,
    events: [Vec<EndpointEvent>; 2],
    /// Drops datagrams for which it returns true.
    drop: DropRule,
    delivered: usize,
}

impl Net {
    fn new() -> Net {
        Net {
            ep: [
                Endpoint::new(false, TimerConfig::default()),
                Endpoint::new(false, TimerConfig::default()),
            ],
            addr: [A.parse().unwrap(), B.parse().unwrap()],
            now: origin(),
            events: [Vec::new(), Vec::new()],
            drop: Box::new(|_, _| false),
            delivered: 0,
        }
    }

    fn pump(&mut self) {
        loop {
            let mut moved = false;
            for side in 0..2 {
                while let Some(out) = self.ep[side].poll_output() {
                    moved = true;
                    match out {
                        Output::Transmit { to, bytes } => {
                            let dst = usize::from(to == self.addr[1]);
                            if !(self.drop)(side, &bytes) {
                                self.delivered += 1;
                                let from = self.addr[side];
                                let now = self.now;
                                self.ep[dst].handle_datagram(from, &bytes, now);
                            }
                        }
                        Output::Event(e) => self.events[side].push(e),
                    }
                }
            }
            if !moved {
                return;
            }
        }
    }

    /// Runs the clock forward by `d`, firing every deadline on the way.
    fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        self.pump();
        loop {
            let next = [self.ep[0].poll_timeout(), self.ep[1].poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    let now = self.now;
                    self.ep[0].handle_timeout(now);
                    self.ep[1].handle_timeout(now);
                    self.pump();
                }
                _ => break,
            }
        }
        self.now = end;
    }

    fn take(&mut self, side: usize) -> Vec<EndpointEvent> {
        std::mem::take(&mut self.events[side])
    }

    fn send(&mut self, side: usize, req: Request) -> TxId {
        let to = self.addr[1 - side];
        let id = self.ep[side].send_request(req, to, self.now);
        self.pump();
        id
    }

    fn respond(&mut self, side: usize, tx: TxId, resp: &Response) {
        let now = self.now;
        self.ep[side].respond(tx, resp, now).unwrap();
        self.pump();
    }

    fn ack(&mut self, side: usize, ack: Request) {
        let to = self.addr[1 - side];
        self.ep[side].send_stateless(wire::to_bytes(&ack.into()), to);
        self.pump();
    }
}

fn party(addr: &str) -> LocalParty {
    LocalParty {
        via_sent_by: addr.into(),
        transport: "UDP".into(),
        contact: format!("sip:ums@{addr}"),
    }
}

fn media(port: u16) -> LocalMedia {
    LocalMedia {
        address: "127.0.0.1".into(),
        audio_port: port,
        t38_port: port + 2,
        session_id: port.to_string(),
        srtp_key: None,
    }
}

fn request_event(events: Vec<EndpointEvent>) -> (TxId, Request) {
    events
        .into_iter()
        .find_map(|e| match e {
            EndpointEvent::Request { tx, request, .. } => Some((tx, request)),
            _ => None,
        })
        .expect("a request")
}

fn final_response(events: &[EndpointEvent], tx: TxId) -> Option<Response> {
    events.iter().find_map(|e| match e {
        EndpointEvent::Response { tx: t, response }
            if *t == tx && wire::status(response) >= 200 =>
        {
            Some(response.clone())
        }
        _ => None,
    })
}

/// An established call: A called B. Returns (dialog A, dialog B, ids).
fn call(net: &mut Net, ids: &mut IdGen) -> (Dialog, Dialog) {
    let caps = LocalCaps::default();
    let offer = offer_answer::offer_audio(&media(40600), &caps, 1);
    let invite = new_request(
        "INVITE",
        &format!("sip:4930123@{B}"),
        &format!("<sip:fax@{A}>"),
        &format!("<sip:4930123@{B}>"),
        &party(A),
        &[],
        ids,
        Some(("application/sdp", offer.to_bytes())),
    )
    .unwrap();
    let tx = net.send(0, invite.clone());
    net.advance(Duration::from_millis(600));
    let (stx, sreq) = request_event(net.take(1));
    let theirs = SessionDescription::parse(sreq.body()).unwrap();
    let (answer, agreed) = offer_answer::answer(&theirs, &media(40700), &caps, 1).unwrap();
    assert!(matches!(agreed, Negotiated::Audio { port: 40600, .. }));
    let tag = ids.tag();
    let ok = wire::response_to(&sreq, 200, "OK", Some(&tag))
        .header("Contact", format!("<sip:ums@{B}>"))
        .body("application/sdp", answer.to_bytes())
        .build_response()
        .unwrap();
    let dlg_b = Dialog::uas(&sreq, &tag, party(B)).unwrap();
    net.respond(1, stx, &ok);
    let resp = final_response(&net.take(0), tx).expect("200");
    let dlg_a = Dialog::uac(&invite, &resp, party(A)).unwrap();
    let got = SessionDescription::parse(resp.body()).unwrap();
    assert!(matches!(
        offer_answer::read_answer(&offer, &got, &caps).unwrap(),
        Negotiated::Audio { port: 40700, .. }
    ));
    let ack = dlg_a.ack(1, ids).unwrap();
    net.ack(0, ack);
    assert!(net
        .take(1)
        .iter()
        .any(|e| matches!(e, EndpointEvent::Ack { .. })));
    (dlg_a, dlg_b)
}

#[test]
fn lost_invite_is_retransmitted_and_2xx_stops_after_ack() {
    let mut net = Net::new();
    let invites = std::rc::Rc::new(std::cell::Cell::new(0));
    let seen = invites.clone();
    net.drop = Box::new(move |_, b| {
        if b.starts_with(b"INVITE") {
            seen.set(seen.get() + 1);
            return seen.get() == 1; // the first one is lost
        }
        false
    });
    let mut ids = IdGen::new(1);
    let (a, b) = call(&mut net, &mut ids);
    assert_eq!(invites.get(), 2, "timer A resent the lost INVITE");
    assert_eq!(a.call_id, b.call_id);
    assert_eq!(
        (a.local_tag.as_str(), a.remote_tag.as_str()),
        (b.remote_tag.as_str(), b.local_tag.as_str())
    );
    assert_eq!(a.remote_target, format!("sip:ums@{B}"));
    assert_eq!(b.remote_target, format!("sip:ums@{A}"));
    // After the ACK nothing more is sent for the INVITE: quiet for 40 s.
    let before = net.delivered;
    net.advance(Duration::from_secs(40));
    assert_eq!(
        net.delivered, before,
        "2xx retransmissions stopped by the ACK"
    );
    assert!(net.take(1).is_empty(), "no timeout for an acknowledged 2xx");
    assert_eq!(net.ep[0].transactions(), (0, 0));
    assert_eq!(net.ep[1].transactions(), (0, 0));
}

/// The side `from` re-INVITEs with `offer`; the other side answers it with
/// its own caps (or refuses with `refuse`). Returns the final response.
fn reinvite(
    net: &mut Net,
    dlgs: &mut [Dialog; 2],
    from: usize,
    offer: &SessionDescription,
    refuse: Option<u16>,
    ids: &mut IdGen,
) -> Response {
    let to = 1 - from;
    let req = dlgs[from].reinvite(ids, offer.to_bytes()).unwrap();
    let tx = net.send(from, req);
    let (stx, sreq) = request_event(net.take(to));
    dlgs[to].handle_request(&sreq).unwrap();
    let resp = match refuse {
        Some(code) => wire::response_to(&sreq, code, "Not Acceptable Here", None),
        None => {
            let theirs = SessionDescription::parse(sreq.body()).unwrap();
            let (answer, _) =
                offer_answer::answer(&theirs, &media(40800), &LocalCaps::default(), 2).unwrap();
            wire::response_to(&sreq, 200, "OK", None)
                .header("Contact", format!("<{}>", dlgs[to].local.contact))
                .body("application/sdp", answer.to_bytes())
        }
    }
    .build_response()
    .unwrap();
    net.respond(to, stx, &resp);
    let got = final_response(&net.take(from), tx).expect("final response");
    let cseq = wire::Core::of(&got).unwrap().cseq;
    if wire::status(&got) < 300 {
        dlgs[from].handle_reinvite_ok(&got);
        let ack = dlgs[from].ack(cseq, ids).unwrap();
        net.ack(from, ack);
        net.take(to);
    } else {
        dlgs[from].reinvite_done();
    }
    got
}

#[test]
fn receiver_switches_to_t38_by_reinvite_and_caller_can_reinvite_back() {
    let mut net = Net::new();
    let mut ids = IdGen::new(2);
    let (a, b) = call(&mut net, &mut ids);
    let mut dlgs = [a, b];
    // B (the receiver) hears fax tones and asks for T.38.
    let mut switch = T38Switch::new(true, Duration::from_secs(5));
    assert_eq!(switch.handle_fax_tone(), Some(SwitchAction::SendT38Offer));
    let offer = offer_answer::offer_t38(&media(40700), &T38Params::default(), 2);
    let resp = reinvite(&mut net, &mut dlgs, 1, &offer, None, &mut ids);
    let answer = SessionDescription::parse(resp.body()).unwrap();
    assert!(offer_answer::accepts_t38(&answer));
    let action = switch.handle_offer_result(200, true, net.now, 0.5);
    assert_eq!(action, SwitchAction::StartT38);
    switch.handle_t38_packet();
    assert_eq!(switch.transport(), FaxTransport::T38);
    match offer_answer::read_answer(&offer, &answer, &LocalCaps::default()).unwrap() {
        Negotiated::T38 { port, params, .. } => {
            assert_eq!(port, 40802);
            assert_eq!(params.max_bit_rate, 14_400);
        }
        other => panic!("{other:?}"),
    }
    // Now A re-INVITEs (the other direction), e.g. a session refresh with audio.
    let back = offer_answer::offer_audio(&media(40600), &LocalCaps::default(), 3);
    let resp = reinvite(&mut net, &mut dlgs, 0, &back, None, &mut ids);
    assert_eq!(wire::status(&resp), 200);
    assert_eq!(dlgs[1].remote_cseq, Some(dlgs[0].local_cseq));
    // BYE from A.
    let bye = dlgs[0].request("BYE", &mut ids, None).unwrap();
    let tx = net.send(0, bye);
    let (stx, sreq) = request_event(net.take(1));
    assert!(dlgs[1].matches(&wire::Core::of(&sreq).unwrap(), true));
    dlgs[1].handle_request(&sreq).unwrap();
    let ok = wire::response_to(&sreq, 200, "OK", None)
        .build_response()
        .unwrap();
    net.respond(1, stx, &ok);
    assert!(final_response(&net.take(0), tx).is_some());
}

#[test]
fn refused_t38_reinvite_falls_back_to_g711_and_the_call_goes_on() {
    let mut net = Net::new();
    let mut ids = IdGen::new(3);
    let (a, b) = call(&mut net, &mut ids);
    let mut dlgs = [a, b];
    let mut switch = T38Switch::new(true, Duration::from_secs(5));
    switch.handle_fax_tone();
    let offer = offer_answer::offer_t38(&media(40700), &T38Params::default(), 2);
    let resp = reinvite(&mut net, &mut dlgs, 1, &offer, Some(488), &mut ids);
    assert_eq!(wire::status(&resp), 488);
    assert_eq!(
        switch.handle_offer_result(488, false, net.now, 0.5),
        SwitchAction::UseG711
    );
    assert_eq!(switch.transport(), FaxTransport::G711);
    assert_eq!(
        switch.handle_fax_tone(),
        None,
        "no second attempt in this call"
    );
    // The 488 was ACKed inside its transaction; the dialog still works.
    net.advance(Duration::from_secs(40));
    assert_eq!(net.ep[1].transactions(), (0, 0));
    let opt = dlgs[1].request("OPTIONS", &mut ids, None).unwrap();
    let tx = net.send(1, opt);
    let (stx, sreq) = request_event(net.take(0));
    dlgs[0].handle_request(&sreq).unwrap();
    net.respond(
        0,
        stx,
        &wire::response_to(&sreq, 200, "OK", None)
            .build_response()
            .unwrap(),
    );
    assert!(final_response(&net.take(1), tx).is_some());
}

#[test]
fn glare_answers_491_on_both_sides() {
    let mut net = Net::new();
    let mut ids = IdGen::new(4);
    let (mut a, mut b) = call(&mut net, &mut ids);
    let offer = offer_answer::offer_t38(&media(40600), &T38Params::default(), 2);
    let ra = a.reinvite(&mut ids, offer.to_bytes()).unwrap();
    let rb = b.reinvite(&mut ids, offer.to_bytes()).unwrap();
    assert!(
        a.reinvite(&mut ids, offer.to_bytes()).is_err(),
        "one at a time"
    );
    let txa = net.send(0, ra);
    let txb = net.send(1, rb);
    let (sa, qa) = request_event(net.take(0));
    let (sb, qb) = request_event(net.take(1));
    assert_eq!(a.handle_request(&qa), Err(Refusal::Glare));
    assert_eq!(b.handle_request(&qb), Err(Refusal::Glare));
    let (code, reason) = Refusal::Glare.status();
    net.respond(
        0,
        sa,
        &wire::response_to(&qa, code, reason, None)
            .build_response()
            .unwrap(),
    );
    net.respond(
        1,
        sb,
        &wire::response_to(&qb, code, reason, None)
            .build_response()
            .unwrap(),
    );
    let ea = net.take(0);
    let eb = net.take(1);
    assert_eq!(wire::status(&final_response(&ea, txa).unwrap()), 491);
    assert_eq!(wire::status(&final_response(&eb, txb).unwrap()), 491);
    let mut switch = T38Switch::new(true, Duration::from_secs(5));
    switch.handle_fax_tone();
    let SwitchAction::RetryAfter(d) = switch.handle_offer_result(491, false, net.now, 0.0) else {
        panic!("retry")
    };
    assert!(d >= Duration::from_millis(2100) && d <= Duration::from_secs(4));
    assert_eq!(switch.handle_retry(), Some(SwitchAction::SendT38Offer));
}

#[test]
fn out_of_order_cseq_is_refused_with_500() {
    let mut net = Net::new();
    let mut ids = IdGen::new(5);
    let (mut a, mut b) = call(&mut net, &mut ids);
    let first = a.request("INFO", &mut ids, None).unwrap();
    let second = a.request("INFO", &mut ids, None).unwrap();
    assert_eq!(b.handle_request(&second), Ok(()));
    assert_eq!(b.handle_request(&first), Err(Refusal::OutOfOrder));
    assert_eq!(Refusal::OutOfOrder.status().0, 500);
}

#[test]
fn cancel_gets_200_and_the_invite_487_which_is_acked() {
    let mut net = Net::new();
    let mut ids = IdGen::new(6);
    let invite = new_request(
        "INVITE",
        &format!("sip:4930123@{B}"),
        &format!("<sip:fax@{A}>"),
        &format!("<sip:4930123@{B}>"),
        &party(A),
        &[],
        &mut ids,
        None,
    )
    .unwrap();
    let tx = net.send(0, invite.clone());
    let (stx, sreq) = request_event(net.take(1));
    let ringing = wire::response_to(&sreq, 180, "Ringing", Some("b1"))
        .build_response()
        .unwrap();
    net.respond(1, stx, &ringing);
    net.take(0);
    let ctx = net.send(0, cancel_for(&invite).unwrap());
    let eb = net.take(1);
    assert!(eb.contains(&EndpointEvent::Cancelled { tx: stx }));
    let ea = net.take(0);
    assert_eq!(wire::status(&final_response(&ea, ctx).unwrap()), 200);
    assert_eq!(wire::status(&final_response(&ea, tx).unwrap()), 487);
    // The 487 was ACKed (the server transaction is confirmed, no timer H).
    net.advance(Duration::from_secs(40));
    assert!(net
        .take(1)
        .iter()
        .all(|e| !matches!(e, EndpointEvent::Timeout { .. })));
    assert_eq!(net.ep[1].transactions(), (0, 0));
    // A CANCEL for nothing: 481.
    let ctx = net.send(0, cancel_for(&invite).unwrap());
    assert_eq!(
        wire::status(&final_response(&net.take(0), ctx).unwrap()),
        481
    );
}

#[test]
fn options_keepalive_marks_the_trunk_down_after_missed_answers() {
    let mut net = Net::new();
    let mut ids = IdGen::new(7);
    let mut ka = KeepAlive::new(Duration::from_secs(30), 2, net.now);
    let mut answer = true;
    let mut downs = Vec::new();
    for round in 0..4 {
        if round == 1 {
            answer = false;
            net.drop = Box::new(|_, _| true); // the trunk disappears
        }
        let t = ka.poll_timeout().unwrap();
        net.advance(t.saturating_duration_since(net.now));
        assert!(ka.poll_ping(net.now));
        let opt = new_request(
            "OPTIONS",
            &format!("sip:{B}"),
            &format!("<sip:ums@{A}>"),
            &format!("<sip:{B}>"),
            &party(A),
            &[],
            &mut ids,
            None,
        )
        .unwrap();
        let tx = net.send(0, opt);
        if answer {
            let (stx, sreq) = request_event(net.take(1));
            net.respond(
                1,
                stx,
                &wire::response_to(&sreq, 200, "OK", None)
                    .build_response()
                    .unwrap(),
            );
            assert!(final_response(&net.take(0), tx).is_some());
            ka.handle_response();
        } else {
            net.advance(Duration::from_secs(33));
            assert!(net.take(0).contains(&EndpointEvent::Timeout { tx }));
            ka.handle_timeout();
        }
        downs.push(ka.is_up());
    }
    assert_eq!(downs, vec![true, true, false, false]);
}
