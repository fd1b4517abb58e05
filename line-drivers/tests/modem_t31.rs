//! A modem line against spandsp's own T.31 Class 1 modem (the modem inside
//! iaxmodem), in process and on a simulated clock, the way spandsp's
//! `t31_pseudo_terminal_tests.c` drives it: our driver writes AT commands
//! and data to the modem, the modem's audio goes to a fax machine on the
//! "phone line" (a `FaxSession` on audio). Faxes go both ways through the
//! workspace's one pump (`FaxCall`), as on any other line.

#[path = "sip_common/mod.rs"]
mod sip_common;

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{FaxOptions, FaxSession, PageSource};
use line_drivers::modem::soft::{self, Far, Pstn};
use line_drivers::modem::{ModemLine, ModemLineConfig, ModemLineState};
use line_drivers::{FaxRole, HangupCause, Line, SimClock};
use sip_common::FaxEnd;

fn pages(dir: &Path, n: u32, res: Resolution) -> PageSource {
    let pages = (0..n)
        .map(|i| {
            BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(res),
                res,
                700 + u64::from(i),
            )
        })
        .collect();
    PageSource::Pages {
        pages,
        spool: dir.join("tx.tif"),
    }
}

struct Bench {
    clock: SimClock,
    pstn: Rc<RefCell<Pstn>>,
    end: FaxEnd<ModemLine>,
}

impl Bench {
    fn new(far: Far) -> Bench {
        let clock = SimClock::new(test_kit::origin());
        let pstn = Pstn::new(far);
        pstn.borrow_mut().trace = std::env::var_os("UMS_MODEM_TRACE").is_some();
        let cfg = ModemLineConfig {
            name: "modem/t31".into(),
            number: "4930100".into(),
            rings: 2,
            quirks: None,
        };
        let line = soft::line(&pstn, cfg, clock.now());
        let mut b = Bench {
            clock,
            pstn,
            end: FaxEnd::new(line),
        };
        b.run_until(Duration::from_secs(5), |b| {
            *b.end.line.state() == ModemLineState::InService
        });
        b
    }

    fn tick(&mut self) {
        let now = self.clock.tick();
        self.pstn.borrow_mut().tick(now);
        self.end.line.tick(now);
        self.end.step(now);
        if let Some(f) = self.end.fax.as_mut() {
            for l in f.take_log() {
                eprintln!("t30 {l}");
            }
        }
    }

    /// Tick until `done` (true) or `limit` of media time (false).
    fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&mut Bench) -> bool) -> bool {
        let start = self.clock.now();
        while self.clock.now() - start < limit {
            if done(self) {
                return true;
            }
            self.tick();
        }
        false
    }
}

#[test]
fn the_modem_is_set_up_and_identified() {
    let b = Bench::new(Far::NoAnswer);
    let id = b.end.line.identity();
    assert!(id.has_class1(), "{id:?}");
    assert!(
        id.tx_rates.contains(&146) && id.rx_rates.contains(&24),
        "{id:?}"
    );
    assert_eq!(b.end.line.quirks().name, "iaxmodem / spandsp t31", "{id:?}");
    assert!(b.end.line.is_available());
}

/// `ecm`: with error correction (our HDLC framing over `+FTM`) or without.
fn send(n: u32, res: Resolution, ecm: bool) {
    let dir = test_kit::Scratch::new("modem-t31-send");
    let rx = dir.path().join("far.tif");
    let mut b = Bench::new(Far::Receiver(rx.clone()));
    let options = FaxOptions {
        ident: "UMS MODEM".into(),
        ecm,
        ..Default::default()
    };
    let now = b.clock.now();
    b.end.dial(
        "4930200",
        FaxRole::Send(pages(dir.path(), n, res)),
        options,
        now,
    );
    // When the far machine finished (it hangs up then).
    let mut far_done = None;
    let ended = b.run_until(Duration::from_secs(60 + 40 * n as u64), |b| {
        let done = b
            .pstn
            .borrow()
            .fax
            .as_ref()
            .is_some_and(FaxSession::is_finished);
        if done && far_done.is_none() {
            far_done = Some(b.clock.now());
        }
        b.end.end.is_some() && b.end.line.is_idle()
    });
    assert!(ended, "the call did not end: {:?}", b.end.events);
    // After our DCN the line hangs up at once (no silence waited for on a
    // modem that no longer answers: that took 10 s).
    let far_done = far_done.expect("the far machine finished");
    let hangup = b.clock.now() - far_done;
    assert!(
        hangup < Duration::from_secs(2),
        "hung up {hangup:?} after the far end"
    );
    assert_eq!(b.pstn.borrow().dialled.as_deref(), Some("4930200"));
    let out = b.end.outcome().unwrap_or_else(|| panic!("{:?}", b.end.end));
    assert!(out.success, "{out:?}");
    assert_eq!(out.pages_confirmed, n);
    assert_eq!(out.bit_rate, 14400);
    assert_eq!(out.ecm, ecm, "{out:?}");
    let pstn = b.pstn.borrow();
    let far = pstn
        .fax
        .as_ref()
        .and_then(FaxSession::outcome)
        .expect("far outcome");
    assert!(far.success, "{far:?}");
    assert_eq!(far.received_pages.len(), n as usize);
    assert_eq!(far.remote_ident.as_deref(), Some("UMS MODEM"));
    assert_eq!(far.ecm, ecm, "{far:?}");
    drop(pstn);
    let back = b.run_until(Duration::from_secs(10), |b| b.end.line.is_available());
    assert!(back, "{:?}", b.end.line.state());
}

#[test]
fn sends_one_page_through_t31() {
    send(1, Resolution::Fine, false);
}

#[test]
fn sends_three_standard_pages_through_t31() {
    send(3, Resolution::Standard, true);
}

#[test]
fn sends_ten_fine_pages_with_ecm_through_t31() {
    send(10, Resolution::Fine, true);
}

#[test]
fn receives_through_t31() {
    receive(false);
}

#[test]
fn receives_with_ecm_through_t31() {
    receive(true);
}

/// Two fine pages from the far fax machine, with or without `ecm` (our
/// HDLC deframing of the `+FRM` data).
fn receive(ecm: bool) {
    let dir = test_kit::Scratch::new("modem-t31-recv");
    let source = pages(dir.path(), 2, Resolution::Fine);
    let mut b = Bench::new(Far::Sender(source));
    let rx = dir.path().join("rx.tif");
    b.end.answer_with = Some((
        FaxRole::Receive { file: rx.clone() },
        FaxOptions {
            ident: "UMS MODEM".into(),
            ecm,
            ..Default::default()
        },
    ));
    let now = b.clock.now();
    b.pstn.borrow_mut().ring(now, "4930999");
    let ended = b.run_until(Duration::from_secs(150), |b| {
        b.end.end.is_some() && b.end.line.is_idle()
    });
    assert!(ended, "the call did not end: {:?}", b.end.events);
    assert_eq!(b.end.caller.as_deref(), Some("4930999"));
    assert_eq!(b.end.number.as_deref(), Some("4930100"));
    let out = b.end.outcome().unwrap_or_else(|| panic!("{:?}", b.end.end));
    assert!(out.success, "{out:?}");
    assert_eq!(out.received_pages.len(), 2);
    assert_eq!(out.remote_ident.as_deref(), Some("FAR END"));
    assert_eq!(out.ecm, ecm, "{out:?}");
}

#[test]
fn busy_is_user_busy() {
    let mut b = Bench::new(Far::Busy);
    let dir = test_kit::Scratch::new("modem-t31-busy");
    let now = b.clock.now();
    b.end.dial(
        "4930200",
        FaxRole::Send(pages(dir.path(), 1, Resolution::Standard)),
        FaxOptions::default(),
        now,
    );
    assert!(b.run_until(Duration::from_secs(10), |b| b.end.end.is_some()));
    assert!(
        matches!(
            b.end.end,
            Some(line_drivers::CallEnd::NotConnected(HangupCause::UserBusy))
        ),
        "{:?}",
        b.end.end
    );
}

#[test]
fn no_answer_is_no_answer() {
    let mut b = Bench::new(Far::NoAnswer);
    let dir = test_kit::Scratch::new("modem-t31-noanswer");
    let now = b.clock.now();
    b.end.dial(
        "4930200",
        FaxRole::Send(pages(dir.path(), 1, Resolution::Standard)),
        FaxOptions::default(),
        now,
    );
    assert!(b.run_until(Duration::from_secs(100), |b| b.end.end.is_some()));
    assert!(
        matches!(
            b.end.end,
            Some(line_drivers::CallEnd::NotConnected(HangupCause::NoAnswer))
        ),
        "{:?}",
        b.end.end
    );
    assert!(b.run_until(Duration::from_secs(5), |b| b.end.line.is_available()));
}

fn out_of_service(b: &mut Bench) -> bool {
    matches!(b.end.line.state(), ModemLineState::OutOfService { .. })
}

#[test]
fn a_silent_modem_goes_out_of_service_and_comes_back() {
    let mut b = Bench::new(Far::NoAnswer);
    b.pstn.borrow_mut().dead = true;
    // The idle check (AT every 30 s) finds it.
    assert!(b.run_until(Duration::from_secs(40), out_of_service));
    assert!(!b.end.line.is_available());
    let ModemLineState::OutOfService { reason } = b.end.line.state() else {
        unreachable!()
    };
    assert!(reason.contains("does not answer"), "{reason}");
    // Still silent: the re-probes fail, the line stays out.
    assert!(!b.run_until(Duration::from_secs(30), |b| b.end.line.is_available()));
    b.pstn.borrow_mut().dead = false;
    assert!(b.run_until(Duration::from_secs(15), |b| b.end.line.is_available()));
    assert_eq!(b.end.line.outages, 1);
}

#[test]
fn a_modem_that_answers_garbage_goes_out_of_service() {
    let mut b = Bench::new(Far::NoAnswer);
    b.pstn.borrow_mut().garbage = true;
    assert!(b.run_until(Duration::from_secs(5), out_of_service));
    let ModemLineState::OutOfService { reason } = b.end.line.state() else {
        unreachable!()
    };
    assert!(reason.contains("garbage"), "{reason}");
    b.pstn.borrow_mut().garbage = false;
    assert!(b.run_until(Duration::from_secs(15), |b| b.end.line.is_available()));
}

#[test]
fn an_unplugged_modem_is_reopened_when_it_returns() {
    let mut b = Bench::new(Far::NoAnswer);
    assert_eq!(b.pstn.borrow().opened, 1);
    b.pstn.borrow_mut().unplugged = true;
    assert!(b.run_until(Duration::from_secs(1), out_of_service));
    assert!(!b.run_until(Duration::from_secs(25), |b| b.end.line.is_available()));
    b.pstn.borrow_mut().unplugged = false;
    assert!(b.run_until(Duration::from_secs(15), |b| b.end.line.is_available()));
    assert_eq!(b.pstn.borrow().opened, 2);
}

#[test]
fn a_modem_that_dies_in_a_call_ends_it_as_out_of_order() {
    let dir = test_kit::Scratch::new("modem-t31-dies");
    let mut b = Bench::new(Far::Receiver(dir.path().join("far.tif")));
    let now = b.clock.now();
    b.end.dial(
        "4930200",
        FaxRole::Send(pages(dir.path(), 2, Resolution::Standard)),
        FaxOptions::default(),
        now,
    );
    assert!(b.run_until(Duration::from_secs(60), |b| b.end.page_started(1)));
    b.pstn.borrow_mut().dead = true;
    assert!(b.run_until(Duration::from_secs(90), |b| b.end.end.is_some()));
    assert!(out_of_service(&mut b), "{:?}", b.end.line.state());
    assert_eq!(b.end.remote_cause, Some(HangupCause::NetworkOutOfOrder));
    let out = b.end.outcome().expect("T.30 ran");
    assert!(!out.success && out.pages_confirmed == 0, "{out:?}");
}

#[test]
fn a_receiver_that_hangs_up_in_page_3_of_5_confirmed_2() {
    let dir = test_kit::Scratch::new("modem-t31-cut-tx");
    let mut b = Bench::new(Far::Receiver(dir.path().join("far.tif")));
    b.pstn.borrow_mut().cut_at_page = Some(3);
    let now = b.clock.now();
    b.end.dial(
        "4930200",
        FaxRole::Send(pages(dir.path(), 5, Resolution::Standard)),
        FaxOptions::default(),
        now,
    );
    assert!(b.run_until(Duration::from_secs(300), |b| b.end.end.is_some()));
    let out = b.end.outcome().expect("T.30 ran").clone();
    assert!(!out.success, "{out:?}");
    // The sender reports the pages confirmed: the job goes on from page 3.
    assert_eq!(out.pages_confirmed, 2, "{out:?}");
    assert!(b.end.page_started(3) && !b.end.page_started(4));
    // The line is fine and takes the next call.
    assert!(b.run_until(Duration::from_secs(15), |b| b.end.line.is_available()));
}

#[test]
fn a_sender_that_hangs_up_in_page_3_of_5_leaves_pages_1_and_2() {
    let dir = test_kit::Scratch::new("modem-t31-cut-rx");
    let source = pages(dir.path(), 5, Resolution::Standard);
    let mut b = Bench::new(Far::Sender(source));
    b.pstn.borrow_mut().cut_at_page = Some(3);
    let rx = dir.path().join("rx.tif");
    b.end.answer_with = Some((FaxRole::Receive { file: rx.clone() }, FaxOptions::default()));
    let now = b.clock.now();
    b.pstn.borrow_mut().ring(now, "4930999");
    assert!(b.run_until(Duration::from_secs(300), |b| b.end.end.is_some()));
    let out = b.end.outcome().expect("T.30 ran").clone();
    assert!(!out.success, "{out:?}");
    let whole: Vec<u32> = (out.received_pages.iter())
        .filter(|p| !p.partial)
        .map(|p| p.number)
        .collect();
    assert_eq!(whole, vec![1, 2], "{out:?}");
    let kept = fax_t30::tiff::read_tiff_file(&rx).expect("pages 1-2 kept");
    assert!(kept.len() >= 2, "{} pages in the file", kept.len());
    assert!(b.run_until(Duration::from_secs(15), |b| b.end.line.is_available()));
}
