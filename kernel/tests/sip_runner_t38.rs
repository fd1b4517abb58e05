//! The kernel runner follows a SIP call's switch of media: two gateways
//! (each a Runner with its own store on a SIP line of ours, the other's
//! static peer) fax 3 pages on the simulated network (SIP engines without
//! sockets, simulated time). The receiving line hears the caller's CNG and re-INVITEs to T.38: both runners go on with
//! the same job on T.38. When the sender's line refuses T.38 (488), the fax
//! goes on in G.711, and the receiving line remembers not to ask again.
//! When T.38 is agreed but no T.38 packet arrives, the receiving line goes
//! back to G.711 and both runners follow again (its SDP names a UDPTL port
//! nobody owns on the network).

mod sip_common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fax_t30::page::BilevelPage;

use kernel::message::{Direction, Service, Status};
use kernel::runner::{outgoing_fax, Runner, RunnerConfig};
use kernel::store::{Record, Store};
use line_drivers::sip::{FaxTransport, SharedSipLine, SipLine, SipLineConfig, T38Policy};
use line_drivers::Line;
use sip_common::*;
use test_kit::Scratch;

#[allow(clippy::too_many_arguments)] // a test helper: every knob of the two lines
fn line(
    name: &str,
    user: &str,
    port: u16,
    peer: u16,
    rtp: u16,
    t38: bool,
    t38_advertised: Option<u16>,
    now: Instant,
) -> SharedSipLine {
    let trunk = trunk(peer, user);
    let mut cfg = SipLineConfig::new(name, trunk, "127.0.0.1".parse().unwrap(), port, rtp);
    // The receiving side asks for T.38 when it hears the caller's CNG.
    cfg.t38_policy = T38Policy::OnFaxTone;
    if !t38 {
        cfg.media.t38 = None;
    }
    // A UDPTL port in our SDP that nobody reads: the peer's T.38 packets
    // are lost, as with a peer that agrees to T.38 and never sends it.
    cfg.advertise_t38_port = t38_advertised;
    cfg.t38_packet_timeout = Duration::from_secs(4);
    SharedSipLine::new(SipLine::engine(cfg, now).expect("line"))
}

struct Done {
    sent: Record,
    received: Record,
    sender_line: SharedSipLine,
    receiver_line: SharedSipLine,
    pages: Vec<BilevelPage>,
    /// Holds the received fax that `received` names (removed when dropped).
    _dir: Scratch,
}

fn fax(name: &str, sip: u16, rtp: u16, sender_t38: bool, b_t38_lost: bool) -> Done {
    let dir = fax_dirs(&format!("sipswitch-{name}"));
    let (doc, tiff) = document(&dir, 3, 70);
    let pages: Vec<_> = tiff.iter().map(|p| p.decode().unwrap()).collect();

    let t0 = t0();
    let a = line("sip/a", "4989111", sip, sip + 1, rtp, sender_t38, None, t0);
    let lost = b_t38_lost.then_some(rtp + 18);
    let b = line("sip/b", "300", sip + 1, sip, rtp + 10, true, lost, t0);
    let a_box: Box<dyn Line> = Box::new(a.clone());
    let b_box: Box<dyn Line> = Box::new(b.clone());

    let mut sender = Runner::new(
        Store::open(&dir.join("tx/store")).unwrap(),
        RunnerConfig::default(),
        vec![a_box.into()],
        T0,
    )
    .unwrap();
    let id = sender.store().next_id().unwrap();
    sender
        .submit(vec![outgoing_fax(id, "300", doc, 3, T0)])
        .unwrap();
    let mut receiver = fax_receiver(&dir, b_box);

    let received = run_pair(&[&a, &b], &mut sender, &mut receiver, 300, |_, _, _| {});
    assert_eq!(sender.open_jobs(), 0, "the fax job did not finish");
    assert_eq!(received.len(), 1, "one fax received");
    let sent = sender.store().get(id).unwrap().unwrap();
    let received = receiver.store().get(received[0]).unwrap().unwrap();
    // Nothing left over in the spool but the kept fax.
    let spool: Vec<PathBuf> = std::fs::read_dir(dir.join("rx/spool"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(spool.len(), 1, "spool: {spool:?}");
    Done {
        sent,
        received,
        sender_line: a,
        receiver_line: b,
        pages,
        _dir: dir,
    }
}

fn assert_delivered(d: &Done) {
    let m = &d.sent.message;
    assert_eq!(m.status, Status::Sent, "{:?}", m.status_reason);
    assert_eq!(m.pages_sent, 3);
    assert_eq!(m.attempts, 1, "one call, one attempt: the job went on");
    assert!(d.sent.job.as_ref().unwrap().is_done());
    let r = &d.received.message;
    assert_eq!(r.direction, Direction::Incoming);
    assert_eq!(r.service, Service::Fax);
    assert_eq!(r.pages, 3, "{:?}", r.status_reason);
    assert_eq!(
        r.status_reason, None,
        "the receiver's outcome was a success"
    );
    assert_eq!(r.recipient_address.as_deref(), Some("office@example.com"));
    assert!(r
        .caller_number
        .as_deref()
        .is_some_and(|c| c.ends_with("4989111")));
    let file = Path::new(r.document.as_ref().expect("the fax is kept"));
    let got = fax_t30::tiff::read_tiff_file(file).unwrap();
    assert_eq!(got.len(), 3, "pages in the TIFF");
    for (i, (g, s)) in got.iter().zip(&d.pages).enumerate() {
        assert_eq!(
            g.decode().unwrap().data(),
            s.data(),
            "page {} differs",
            i + 1
        );
    }
}

#[test]
fn runners_switch_to_t38_mid_call() {
    let d = fax("t38", 5090, 21000, true, false);
    assert_delivered(&d);
    let (a, b) = (
        d.sender_line.with(|l| l.stats()),
        d.receiver_line.with(|l| l.stats()),
    );
    assert_eq!(b.cng_heard, 1, "{b:?}");
    assert_eq!(b.t38_offers_sent, 1, "{b:?}");
    assert_eq!(a.t38_accepted, 1, "{a:?}");
    // The pages went as T.38 (a G.711 fax of 3 pages is thousands of RTP
    // packets; after the switch no more flow).
    assert!(b.udptl_in > 100, "{b:?}");
    assert!(a.udptl_in > 20, "{a:?}");
    // What worked is remembered per trunk and number, both ways.
    assert_eq!(
        d.receiver_line.with(|l| l.first_choice("4989111")),
        FaxTransport::T38
    );
    assert_eq!(
        d.sender_line.with(|l| l.first_choice("300")),
        FaxTransport::T38
    );
}

#[test]
fn runners_fall_back_to_g711_when_t38_is_refused() {
    let d = fax("refused", 5092, 21020, false, false);
    assert_delivered(&d);
    let (a, b) = (
        d.sender_line.with(|l| l.stats()),
        d.receiver_line.with(|l| l.stats()),
    );
    assert_eq!(b.t38_offers_sent, 1, "{b:?}");
    assert_eq!(b.t38_refused, 1, "{b:?}");
    assert_eq!(a.reinvites_refused, 1, "A answered 488: {a:?}");
    assert_eq!(b.udptl_in, 0, "{b:?}");
    assert!(b.rtp_in > 1000, "the pages went as G.711: {b:?}");
    // The next call from this caller on this trunk starts on G.711.
    assert_eq!(
        d.receiver_line.with(|l| l.first_choice("4989111")),
        FaxTransport::G711
    );
}

#[test]
fn runners_fall_back_to_g711_when_no_t38_packet_arrives() {
    let d = fax("silent", 5096, 21040, true, true);
    assert_delivered(&d);
    let (a, b) = (
        d.sender_line.with(|l| l.stats()),
        d.receiver_line.with(|l| l.stats()),
    );
    assert_eq!(b.t38_offers_sent, 1, "{b:?}");
    assert_eq!(a.t38_accepted, 1, "{a:?}");
    assert_eq!(b.udptl_in, 0, "A's T.38 never reached B: {b:?}");
    assert_eq!(b.t38_timeouts, 1, "B went back to G.711: {b:?}");
    assert!(b.rtp_in > 1000, "the pages went as G.711: {b:?}");
    assert_eq!(
        d.receiver_line.with(|l| l.first_choice("4989111")),
        FaxTransport::G711
    );
}
