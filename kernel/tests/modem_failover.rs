//! Modem lines under the kernel runner (issue 13), on a simulated clock:
//! two Class 1 modems (spandsp's t31 in process, `line_drivers::modem::soft`)
//! in one group. The first one dies in the middle of the first call: its
//! line goes out of service, the call ends as "network out of order" (a
//! temporary cause), and the retry goes out on the second modem, which
//! delivers every page. When the first modem answers again, its line is
//! back in service and takes the next fax.

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::tiff::TiffPage;
use kernel::message::{Status, Timestamp};
use kernel::runner::{outgoing_fax, LineSpec, Runner, RunnerConfig};
use kernel::store::Store;
use line_drivers::modem::soft::{self, Far, Pstn};
use line_drivers::modem::{ModemLineConfig, ModemLineState, SharedModemLine};
use line_drivers::SimClock;
use test_kit::Scratch;

const T0: Timestamp = Timestamp(1_800_000_000_000);

fn modem(
    pstn: &std::rc::Rc<std::cell::RefCell<Pstn>>,
    name: &str,
    clock: &SimClock,
) -> SharedModemLine {
    let cfg = ModemLineConfig {
        name: name.into(),
        number: "4930100".into(),
        rings: 1,
        quirks: None,
    };
    SharedModemLine::new(soft::line(pstn, cfg, clock.now()))
}

#[test]
fn a_modem_that_dies_in_a_call_leaves_the_job_to_the_other_one() {
    let dir = Scratch::new("modem-failover");
    let pages: Vec<TiffPage> = (0..2)
        .map(|i| {
            let p = BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(Resolution::Standard),
                Resolution::Standard,
                40 + i,
            );
            TiffPage::from_page(&p, fax_t30::codec::Compression::T6)
        })
        .collect();
    let doc = dir.join("doc.tif");
    fax_t30::tiff::write_tiff_file(&doc, &pages, &Default::default()).unwrap();

    let mut clock = SimClock::new(test_kit::origin());
    let first = Pstn::new(Far::Receiver(dir.join("far1.tif")));
    let second = Pstn::new(Far::Receiver(dir.join("far2.tif")));
    let a = modem(&first, "modem/a", &clock);
    let b = modem(&second, "modem/b", &clock);
    let lines: Vec<LineSpec> = [&a, &b]
        .iter()
        .map(|l| LineSpec {
            line: Box::new((*l).clone()),
            group: "modem".into(),
        })
        .collect();
    let config = RunnerConfig {
        policy: kernel::job::RetryPolicy {
            retries: 3,
            intervals_secs: vec![30],
        },
        ..RunnerConfig::default()
    };
    let mut runner =
        Runner::new(Store::open(&dir.join("store")).unwrap(), config, lines, T0).unwrap();
    let t0 = clock.now();
    let step = |runner: &mut Runner, clock: &mut SimClock| {
        let media = clock.tick();
        first.borrow_mut().tick(media);
        second.borrow_mut().tick(media);
        a.tick(media);
        b.tick(media);
        let wall = Timestamp(T0.0 + (media - t0).as_millis() as u64);
        runner.tick(media, wall).unwrap();
    };
    // Both modems set up.
    for _ in 0..100 {
        step(&mut runner, &mut clock);
    }
    assert!(a.with(|l| *l.state() == ModemLineState::InService));
    assert!(b.with(|l| *l.state() == ModemLineState::InService));

    let id = runner.store().next_id().unwrap();
    runner
        .submit(vec![outgoing_fax(id, "4930200", doc.clone(), 2, T0)])
        .unwrap();
    // The first free line (a) dials; its modem dies once the fax runs.
    let mut died = false;
    let mut out_of_service_seen = false;
    for _ in 0..(600 * 50) {
        step(&mut runner, &mut clock);
        if !died && first.borrow().fax.is_some() {
            first.borrow_mut().dead = true;
            died = true;
        }
        out_of_service_seen |= a.with(|l| matches!(l.state(), ModemLineState::OutOfService { .. }));
        if runner.open_jobs() == 0 {
            break;
        }
    }
    assert!(died, "the first call went out on modem a");
    assert!(out_of_service_seen, "modem a went out of service");
    let rec = runner.store().get(id).unwrap().unwrap();
    assert_eq!(
        rec.message.status,
        Status::Sent,
        "{:?}",
        rec.message.status_reason
    );
    assert_eq!(rec.message.line.as_deref(), Some("modem/b"));
    assert_eq!(rec.job.as_ref().unwrap().attempts, 2);
    let far = second.borrow();
    let got = far
        .fax
        .as_ref()
        .and_then(|f| f.outcome())
        .expect("b's far end got a fax");
    assert_eq!(got.received_pages.len(), 2);
    drop(far);

    // Modem a answers again: its line comes back and takes the next fax.
    first.borrow_mut().dead = false;
    for _ in 0..(30 * 50) {
        step(&mut runner, &mut clock);
    }
    assert!(a.with(|l| *l.state() == ModemLineState::InService));
    assert_eq!(a.with(|l| l.outages), 1);
    let id2 = runner.store().next_id().unwrap();
    let now = Timestamp(T0.0 + (clock.now() - t0).as_millis() as u64);
    runner
        .submit(vec![outgoing_fax(id2, "4930200", doc, 2, now)])
        .unwrap();
    for _ in 0..(300 * 50) {
        step(&mut runner, &mut clock);
        if runner.open_jobs() == 0 {
            break;
        }
    }
    let rec = runner.store().get(id2).unwrap().unwrap();
    assert_eq!(
        rec.message.status,
        Status::Sent,
        "{:?}",
        rec.message.status_reason
    );
    assert_eq!(rec.message.line.as_deref(), Some("modem/a"));
}
