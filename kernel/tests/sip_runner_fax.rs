//! The kernel's own fax path over SIP: a sending gateway (Runner with an
//! outgoing fax job) and a receiving gateway (Runner with an inbound fax
//! rule), each on a SIP line of ours, the second the first's trunk (static
//! peer), fax 2 pages over G.711 on the simulated network (SIP engines
//! without sockets, simulated time).

mod sip_common;

use std::time::Instant;

use kernel::message::{Service, Status};
use kernel::runner::{outgoing_fax, Runner, RunnerConfig};
use kernel::store::Store;
use line_drivers::sip::{SharedSipLine, SipLine, SipLineConfig, T38Policy};
use line_drivers::Line;
use sip_common::*;

fn line(name: &str, user: &str, port: u16, peer: u16, rtp: u16, now: Instant) -> SharedSipLine {
    let ip = "127.0.0.1".parse().unwrap();
    let mut cfg = SipLineConfig::new(name, trunk(peer, user), ip, port, rtp);
    // G.711 only here; the switch to T.38 is in sip_runner_t38.rs.
    cfg.media.t38 = None;
    cfg.t38_policy = T38Policy::Never;
    SharedSipLine::new(SipLine::engine(cfg, now).expect("line"))
}

#[test]
fn a_runner_faxes_another_runner_over_sip() {
    let dir = fax_dirs("sipline-runner");
    let (doc, pages) = document(&dir, 2, 40);

    let t0 = t0();
    let a = line("sip/a", "4989111", 40990, 40991, 20460, t0);
    let b = line("sip/b", "300", 40991, 40990, 20470, t0);
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
        .submit(vec![outgoing_fax(id, "300", doc, 2, T0)])
        .unwrap();

    let mut receiver = fax_receiver(&dir, b_box);

    let received = run_pair(&[&a, &b], &mut sender, &mut receiver, 200, |_, _, _| {});
    assert_eq!(sender.open_jobs(), 0, "the fax job finished");
    let sent = sender.store().get(id).unwrap().unwrap();
    assert_eq!(
        sent.message.status,
        Status::Sent,
        "{:?}",
        sent.message.status_reason
    );
    assert_eq!(received.len(), 1);
    let rec = receiver.store().get(received[0]).unwrap().unwrap();
    assert_eq!(rec.message.service, Service::Fax);
    assert_eq!(rec.message.pages, 2);
    let caller = rec.message.caller_number.clone().unwrap_or_default();
    assert!(caller.ends_with("4989111"), "caller id from From: {caller}");
    let got = fax_t30::tiff::read_tiff_file(rec.message.document.as_ref().unwrap()).unwrap();
    assert_eq!(got.len(), 2);
    for (g, s) in got.iter().zip(&pages) {
        assert_eq!(g.decode().unwrap().data(), s.decode().unwrap().data());
    }
    assert!(b.with(|l| l.stats().rtp_in) > 500);
}
