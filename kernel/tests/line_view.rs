//! The operator's line view: a fax call's medium, T.30 phase, rate, ECM
//! and page n/m as the runner publishes them, and the operator's hang-up
//! (issue 14). A real sender against a virtual fax machine on the
//! simulated clock.

use std::time::Instant;

use fax_t30::media::FRAME_DURATION;
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use kernel::job::RetryPolicy;
use kernel::message::{MessageId, Status, Timestamp};
use kernel::runner::{outgoing_fax, LineState, Runner, RunnerConfig};
use kernel::store::Store;
use line_drivers::fax_machine::VirtualFaxMachine;
use line_drivers::loopback::{ExchangeConfig, SharedExchange};
use line_drivers::{Line, LineCaps};
use test_kit::{origin, Scratch};

struct Bench {
    exchange: SharedExchange,
    runner: Runner,
    machine: VirtualFaxMachine,
    media: Instant,
    now: Timestamp,
    _dir: Scratch,
}

impl Bench {
    fn new(name: &str, pages: u32) -> (Bench, MessageId) {
        let dir = Scratch::new(name);
        let exchange = SharedExchange::new(ExchangeConfig::default());
        let line: Box<dyn Line> = Box::new(exchange.add_line("100", LineCaps::FAX).unwrap());
        let remote: Box<dyn Line> = Box::new(exchange.add_line("200", LineCaps::FAX).unwrap());
        std::fs::create_dir_all(dir.join("remote")).unwrap();
        let machine = VirtualFaxMachine::new(remote, dir.join("remote"), "REMOTE FAX");
        let now = Timestamp(1_800_000_000_000);
        let store = Store::open(&dir.join("store")).unwrap();
        let config = RunnerConfig {
            policy: RetryPolicy {
                retries: 2,
                intervals_secs: vec![60],
            },
            ident: "UMS TEST".into(),
            ..RunnerConfig::default()
        };
        let mut runner = Runner::new(store, config, vec![line.into()], now).unwrap();
        let res = Resolution::Standard;
        let tiff: Vec<_> = (0..pages)
            .map(|i| {
                let p = BilevelPage::test_pattern(
                    PaperSize::A4.width(),
                    PaperSize::A4.rows(res),
                    res,
                    90 + i as u64,
                );
                fax_t30::tiff::TiffPage::from_page(&p, fax_t30::codec::Compression::T6)
            })
            .collect();
        let doc = dir.join("doc.tif");
        fax_t30::tiff::write_tiff_file(&doc, &tiff, &Default::default()).unwrap();
        let id = runner.store().next_id().unwrap();
        runner
            .submit(vec![outgoing_fax(id, "200", doc, pages, now)])
            .unwrap();
        let b = Bench {
            exchange,
            runner,
            machine,
            media: origin(),
            now,
            _dir: dir,
        };
        (b, id)
    }

    fn tick(&mut self) {
        self.exchange.tick(self.media);
        self.machine.tick(self.media);
        self.runner.tick(self.media, self.now).unwrap();
        self.media += FRAME_DURATION;
        self.now = Timestamp(self.now.0 + 20);
    }

    /// Tick until `until` holds for line 0 (at most 10 simulated minutes).
    fn run_until(&mut self, until: impl Fn(&LineState) -> bool) -> LineState {
        for _ in 0..(600 * 50) {
            self.tick();
            let st = self.runner.line_states().remove(0);
            if until(&st) {
                return st;
            }
        }
        panic!("the line never got there");
    }
}

#[test]
fn a_sending_line_shows_medium_phase_rate_and_page_of_pages() {
    let (mut b, id) = Bench::new("line-view", 3);
    let idle = b.runner.line_states().remove(0);
    assert_eq!((idle.state.as_str(), idle.medium.as_ref()), ("idle", None));
    let st = b.run_until(|s| s.page >= 2 && s.phase.as_deref() == Some("C (page data)"));
    assert_eq!(st.state, "sending");
    assert_eq!(st.message, Some(id));
    assert_eq!(st.medium.as_deref(), Some("G.711"));
    assert!(st.bit_rate >= 2400, "{st:?}");
    assert_eq!(st.pages, 3);
    assert!(st.ecm, "ECM is on by default: {st:?}");
    // The state goes out over the control socket as JSON and back.
    let json = serde_json::to_string(&st).unwrap();
    assert_eq!(serde_json::from_str::<LineState>(&json).unwrap(), st);
    // Older clients' JSON (no progress fields) still reads.
    let old =
        r#"{"line":"l","group":"g","state":"idle","message":null,"remote":null,"since":null}"#;
    assert_eq!(serde_json::from_str::<LineState>(old).unwrap().page, 0);
}

#[test]
fn the_operator_hangs_up_a_call_and_the_attempt_is_retried() {
    let (mut b, id) = Bench::new("line-hangup", 3);
    assert!(
        !b.runner.hang_up_line("loop/100", b.media),
        "idle: nothing to hang up"
    );
    assert!(!b.runner.hang_up_line("loop/999", b.media), "no such line");
    b.run_until(|s| s.page >= 1 && s.phase.is_some());
    assert!(b.runner.hang_up_line("loop/100", b.media));
    b.run_until(|s| s.state == "idle");
    let rec = b.runner.store().get(id).unwrap().unwrap();
    assert_eq!(rec.message.status, Status::Retrying, "{:?}", rec.message);
    let a = &rec.message.attempt_log[0];
    assert!(a.ended_at.is_some() && a.outcome.is_some(), "{a:?}");
    assert_eq!(rec.message.attempt_log.len(), 1);
}
