//! Retries on the simulated clock (issue 3): a real fax sender on loopback
//! lines against a scripted virtual fax machine; minutes of retry intervals
//! pass in milliseconds.

use std::path::PathBuf;
use std::time::Instant;

use fax_t30::media::FRAME_DURATION;
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use kernel::job::{Effect, Final, JobState, RetryPolicy};
use kernel::message::{MessageId, Status, Timestamp};
use kernel::runner::{outgoing_fax, Handoff, Runner, RunnerConfig};
use kernel::store::{Record, Store};
use line_drivers::fax_machine::{FaxMachineScript, VirtualFaxMachine};
use line_drivers::loopback::{ExchangeConfig, SharedExchange};
use line_drivers::{Line, LineCaps};
use test_kit::{origin, Scratch};

struct Bench {
    exchange: SharedExchange,
    runner: Runner,
    machine: VirtualFaxMachine,
    media: Instant,
    now: Timestamp,
    dir: Scratch,
}

fn document(dir: &std::path::Path, pages: u32) -> (PathBuf, Vec<BilevelPage>) {
    let res = Resolution::Standard;
    let src: Vec<BilevelPage> = (0..pages)
        .map(|i| {
            BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(res),
                res,
                70 + i as u64,
            )
        })
        .collect();
    let tiff: Vec<_> = src
        .iter()
        .map(|p| fax_t30::tiff::TiffPage::from_page(p, fax_t30::codec::Compression::T6))
        .collect();
    let path = dir.join("doc.tif");
    fax_t30::tiff::write_tiff_file(&path, &tiff, &Default::default()).unwrap();
    (path, src)
}

fn bench(name: &str, script: FaxMachineScript, policy: RetryPolicy) -> Bench {
    let dir = Scratch::new(name);
    let exchange = SharedExchange::new(ExchangeConfig::default());
    let line: Box<dyn Line> = Box::new(exchange.add_line("100", LineCaps::FAX).unwrap());
    let remote: Box<dyn Line> = Box::new(exchange.add_line("200", LineCaps::FAX).unwrap());
    std::fs::create_dir_all(dir.join("remote")).unwrap();
    let machine =
        VirtualFaxMachine::new(remote, dir.join("remote"), "REMOTE FAX").with_script(script);
    let now = Timestamp(1_800_000_000_000);
    let store = Store::open(&dir.join("store")).unwrap();
    let config = RunnerConfig {
        policy,
        ident: "UMS TEST".into(),
        ..RunnerConfig::default()
    };
    let runner = Runner::new(store, config, vec![line.into()], now).unwrap();
    let media = origin();
    Bench {
        exchange,
        runner,
        machine,
        media,
        now,
        dir,
    }
}

impl Bench {
    fn submit(&mut self, pages: u32) -> (MessageId, Vec<BilevelPage>) {
        let (doc, src) = document(&self.dir, pages);
        let id = self.runner.store().next_id().unwrap();
        let rec: Record = outgoing_fax(id, "200", doc, pages, self.now);
        self.runner.submit(vec![rec]).unwrap();
        (id, src)
    }

    /// Run until no job is open (or a simulated hour passes).
    fn run(&mut self) -> Vec<(MessageId, Effect)> {
        let mut effects = Vec::new();
        for _ in 0..(3600 * 50) {
            self.exchange.tick(self.media);
            self.machine.tick(self.media);
            self.runner.tick(self.media, self.now).unwrap();
            effects.extend(
                self.runner
                    .take_handoffs()
                    .into_iter()
                    .filter_map(Handoff::notice),
            );
            if self.runner.open_jobs() == 0 {
                return effects;
            }
            self.media += FRAME_DURATION;
            self.now = Timestamp(self.now.0 + 20);
        }
        panic!("jobs still open after an hour of simulated time");
    }
}

fn policy(retries: u32) -> RetryPolicy {
    RetryPolicy {
        retries,
        intervals_secs: vec![60, 120],
    }
}

#[test]
fn busy_twice_then_success() {
    let script = FaxMachineScript {
        busy_first: 2,
        ..Default::default()
    };
    let mut b = bench("busy_twice", script, policy(3));
    let start = b.now;
    let (id, src) = b.submit(1);
    let effects = b.run();
    let rec = b.runner.store().get(id).unwrap().unwrap();
    let job = rec.job.unwrap();
    assert_eq!(job.state, JobState::Done(Final::Sent));
    assert_eq!(job.attempts, 3);
    assert_eq!(rec.message.status, Status::Sent);
    assert_eq!(rec.message.remote_station_id.as_deref(), Some("REMOTE FAX"));
    assert_eq!(effects, vec![(id, Effect::Confirmation)]);
    assert_eq!(b.machine.calls(), 3);
    // Every attempt is in the journal with its cause and code.
    let log = &rec.message.attempt_log;
    assert_eq!(log.len(), 3, "{log:?}");
    for (i, a) in log.iter().enumerate() {
        assert_eq!(a.number, i as u32 + 1);
        assert_eq!(a.line, "loop/100");
        assert_eq!(a.dialled.as_deref(), Some("200"));
        assert!(a.ended_at.is_some_and(|e| e >= a.started_at));
    }
    for a in &log[..2] {
        assert_eq!(a.cause, Some(kernel::report::Cause::Busy));
        assert_eq!(a.code.as_deref(), Some("Q.850 17"));
        assert_eq!(a.pages_confirmed, 0);
        assert!(a.outcome.as_deref().unwrap().contains("busy"), "{a:?}");
    }
    assert!(log[1].started_at.secs_until(log[2].started_at) >= 120);
    assert_eq!(log[2].cause, Some(kernel::report::Cause::Sent));
    assert_eq!(log[2].code.as_deref(), Some("T.30 0 (OK)"));
    assert_eq!(log[2].pages_confirmed, 1);
    assert!(log[2].bit_rate > 0);
    // The retries waited 60 s, then 120 s.
    assert!(start.secs_until(rec.message.completed_at.unwrap()) >= 180);
    let got = &b.machine.received()[0];
    assert!(got.outcome.success);
    let page = fax_t30::tiff::read_tiff_file(&got.file).unwrap()[0]
        .decode()
        .unwrap();
    // The header line sits on top of the page; the page below is ours.
    assert_eq!(
        &page.data()[page.data().len() - src[0].data().len()..],
        src[0].data()
    );
}

#[test]
fn no_answer_until_the_attempts_run_out() {
    let script = FaxMachineScript {
        unanswered_calls: vec![1, 2, 3, 4],
        ..Default::default()
    };
    let mut b = bench("no_answer", script, policy(2));
    let (id, _) = b.submit(1);
    let effects = b.run();
    let rec = b.runner.store().get(id).unwrap().unwrap();
    let job = rec.job.unwrap();
    assert_eq!(job.attempts, 3, "2 retries = 3 attempts");
    assert!(
        matches!(
            job.state,
            JobState::Done(Final::Failed {
                permanent: false,
                ..
            })
        ),
        "{:?}",
        job.state
    );
    assert_eq!(rec.message.status, Status::Failed);
    let reason = rec.message.status_reason.unwrap();
    assert!(reason.to_lowercase().contains("answer"), "{reason}");
    assert_eq!(effects, vec![(id, Effect::Confirmation)]);
    assert_eq!(b.machine.calls(), 3);
}

#[test]
fn dropped_after_page_two_then_resent_from_page_three() {
    let script = FaxMachineScript {
        drop_after_pages: vec![(1, 2)],
        ..Default::default()
    };
    let mut b = bench("dropped_resumed", script, policy(3));
    let (id, src) = b.submit(4);
    let effects = b.run();
    let rec = b.runner.store().get(id).unwrap().unwrap();
    let job = rec.job.unwrap();
    assert_eq!(job.state, JobState::Done(Final::Sent));
    assert_eq!(job.attempts, 2);
    assert_eq!(
        job.resumed_from,
        Some(3),
        "the report says the retry resumed at page 3"
    );
    assert_eq!(rec.message.pages_sent, 4);
    assert_eq!(effects, vec![(id, Effect::Confirmation)]);
    let log = &rec.message.attempt_log;
    assert_eq!(log.len(), 2);
    assert_eq!((log[0].first_page, log[0].pages_confirmed), (1, 2));
    assert_eq!(log[0].cause, Some(kernel::report::Cause::CallDropped));
    assert!(
        log[0].code.as_deref().unwrap().starts_with("T.30 "),
        "{:?}",
        log[0]
    );
    assert_eq!((log[1].first_page, log[1].pages_confirmed), (3, 4));

    // The remote got pages 1-2 on the first call and 3-4 on the second.
    let got = b.machine.received();
    assert_eq!(got.len(), 2);
    let first: Vec<_> = got[0]
        .outcome
        .received_pages
        .iter()
        .filter(|p| !p.partial)
        .collect();
    assert_eq!(first.len(), 2);
    assert!(got[1].outcome.success);
    let second = fax_t30::tiff::read_tiff_file(&got[1].file).unwrap();
    assert_eq!(second.len(), 2);
    for (g, s) in second.iter().zip(&src[2..]) {
        let page = g.decode().unwrap();
        assert_eq!(&page.data()[page.data().len() - s.data().len()..], s.data());
    }
}

#[test]
fn a_restart_during_a_call_resumes_from_the_first_unconfirmed_page() {
    let script = FaxMachineScript::default();
    let mut b = bench("restart", script, policy(3));
    let (id, _) = b.submit(3);
    // Run until page 1 is confirmed, then "crash": drop the runner and its
    // lines mid-call and start a new one on the same store.
    for _ in 0..(600 * 50) {
        b.exchange.tick(b.media);
        b.machine.tick(b.media);
        b.runner.tick(b.media, b.now).unwrap();
        b.media += FRAME_DURATION;
        b.now = Timestamp(b.now.0 + 20);
        if b.runner
            .store()
            .get(id)
            .unwrap()
            .unwrap()
            .message
            .pages_sent
            == 1
        {
            break;
        }
    }
    let store_dir = b.dir.join("store");
    let exchange = b.exchange.clone();
    drop(b.runner);
    let line: Box<dyn Line> = Box::new(exchange.add_line("101", LineCaps::FAX).unwrap());
    let store = Store::open(&store_dir).unwrap();
    b.runner = Runner::new(
        store,
        RunnerConfig {
            policy: policy(3),
            ..Default::default()
        },
        vec![line.into()],
        b.now,
    )
    .unwrap();
    let rec = b.runner.store().get(id).unwrap().unwrap();
    assert_eq!(
        rec.job.as_ref().unwrap().next_page(),
        2,
        "resumes after the confirmed page"
    );
    assert_eq!(
        rec.job.as_ref().unwrap().attempts,
        0,
        "the interrupted attempt is not counted"
    );
    let log = &rec.message.attempt_log;
    assert_eq!(log.len(), 1);
    assert_eq!(
        log[0].outcome.as_deref(),
        Some("the gateway restarted during the call")
    );
    assert_eq!(log[0].pages_confirmed, 1);
    b.run();
    let rec = b.runner.store().get(id).unwrap().unwrap();
    assert_eq!(rec.job.unwrap().state, JobState::Done(Final::Sent));
    let log = &rec.message.attempt_log;
    // The cut attempt, then the retries on the new line (the remote may
    // still be busy with the cut call at first), each from page 2.
    let last = log.last().unwrap();
    assert!(log.len() >= 2, "{log:#?}");
    assert_eq!(log[1].number, 1, "the cut attempt did not count");
    for a in &log[1..] {
        assert_eq!((a.line.as_str(), a.first_page), ("loop/101", 2));
        assert!(a.pages_confirmed >= 1, "{a:?}");
    }
    assert_eq!(
        (last.cause, last.pages_confirmed),
        (Some(kernel::report::Cause::Sent), 3)
    );
}
