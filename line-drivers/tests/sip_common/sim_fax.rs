//! One fax call between two lines of ours on the simulated network, and
//! what a good one looks like (`sip_sim.rs`, `sip_sim_stream.rs`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fax_t30::page::BilevelPage;
use fax_t30::PageSource;
use line_drivers::sim_net::exchange;
use line_drivers::sip::SipLine;
use line_drivers::{FaxRole, HangupCause, Line};

use super::{fax_options, pages, FaxEnd, World};

/// Both ends of a finished call, the pages sent and the received file.
pub struct Outcome {
    pub a: FaxEnd<SipLine>,
    pub b: FaxEnd<SipLine>,
    pub src: Vec<BilevelPage>,
    pub rx: PathBuf,
}

/// A faxes two pages to B on the simulated network, each end's one pump
/// ([`FaxEnd`] → `FaxCall`), until both lines are idle; `during(world,
/// now, a)` runs at every tick (a test that breaks the network under the
/// call).
pub fn fax_call(
    w: &mut World,
    a: SipLine,
    b: SipLine,
    ecm: bool,
    mute_a_t38: bool,
    dir: &Path,
    mut during: impl FnMut(&mut World, Instant, &FaxEnd<SipLine>),
) -> Outcome {
    let src = pages(500);
    let rx = dir.join("rx.tif");
    let mut a = FaxEnd::new(a);
    a.mute_t38 = mute_a_t38;
    let mut b = FaxEnd::receiver(b, rx.clone(), fax_options(ecm, false, "SIM"));
    let document = PageSource::Pages {
        pages: src.clone(),
        spool: dir.join("tx.tif"),
    };
    a.dial(
        "4930200",
        FaxRole::Send(document),
        fax_options(ecm, true, "SIM"),
        w.clock.now(),
    );
    let t0 = w.clock.now();
    loop {
        let now = w.clock.tick();
        assert!(
            now - t0 < Duration::from_secs(300),
            "no end in 300 s of line time"
        );
        a.line.tick(now);
        b.line.tick(now);
        a.step(now);
        b.step(now);
        during(w, now, &a);
        exchange(&mut w.net, now, &mut [&mut a.line, &mut b.line]);
        if a.end.is_some() && b.end.is_some() && a.line.is_idle() && b.line.is_idle() {
            break;
        }
    }
    assert_eq!(b.number.as_deref(), Some("4930200"), "B's called number");
    assert_eq!(b.caller.as_deref(), Some("4930100"), "A's number at B");
    Outcome { a, b, src, rx }
}

/// Both ends succeeded, every page arrived as sent, a BYE was heard.
pub fn assert_fax_ok(o: &Outcome, ecm: bool) {
    let tx = o.a.outcome().expect("the sender's outcome");
    let rx = o.b.outcome().expect("the receiver's outcome");
    assert!(tx.success, "sender: {tx:?}");
    assert!(rx.success, "receiver: {rx:?}");
    assert_eq!(tx.pages_confirmed, 2);
    assert_eq!(tx.ecm, ecm, "ECM as asked");
    let got = fax_t30::tiff::read_tiff_file(&o.rx).unwrap();
    assert_eq!(got.len(), 2, "pages received");
    for (i, (g, s)) in got.iter().zip(&o.src).enumerate() {
        assert_eq!(
            g.decode().unwrap().data(),
            s.data(),
            "page {} differs",
            i + 1
        );
    }
    assert!(
        [o.a.remote_cause, o.b.remote_cause].contains(&Some(HangupCause::NormalClearing)),
        "a BYE was heard: {:?} / {:?}",
        o.a.remote_cause,
        o.b.remote_cause
    );
}
