//! What the daemon does to a running [`Runner`] on SIGHUP and SIGTERM, on
//! loopback lines and the simulated clock: a new router swapped in during an
//! incoming call (the call goes on; it is stored under the new routing), and
//! a drain (the call in progress finishes, new calls are refused busy and
//! due jobs wait).

use std::path::{Path, PathBuf};
use std::time::Instant;

use fax_t30::media::FRAME_DURATION;
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use kernel::directory::Directory;
use kernel::message::{MessageId, Status, Timestamp};
use kernel::numbering::NumberingPlan;
use kernel::routing::{Router, Rule};
use kernel::runner::{outgoing_fax, Handoff, InboundConfig, Runner, RunnerConfig};
use kernel::store::Store;
use line_drivers::loopback::{ExchangeConfig, SharedExchange};
use line_drivers::{Line, LineCaps};
use test_kit::{origin, Scratch};

fn document(dir: &Path, name: &str, pages: u32) -> PathBuf {
    let res = Resolution::Standard;
    let tiff: Vec<_> = (0..pages)
        .map(|i| {
            let p = BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(res),
                res,
                40 + i as u64,
            );
            fax_t30::tiff::TiffPage::from_page(&p, fax_t30::codec::Compression::T6)
        })
        .collect();
    let path = dir.join(name);
    fax_t30::tiff::write_tiff_file(&path, &tiff, &Default::default()).unwrap();
    path
}

fn line(ex: &SharedExchange, number: &str) -> Box<dyn Line> {
    Box::new(ex.add_line(number, LineCaps::FAX).unwrap())
}

const T0: Timestamp = Timestamp(1_800_000_000_000);

fn router(plan: &NumberingPlan, mailbox: &str) -> Router {
    let directory = Directory {
        users: Vec::new(),
        groups: Vec::new(),
        default_recipient: "postmaster@example.com".into(),
    };
    Router::new(
        plan.clone(),
        directory,
        vec![Rule::new("10?", None, mailbox).unwrap()],
    )
    .unwrap()
}

struct Bench {
    ex: SharedExchange,
    ours: Runner,
    remote: Runner,
    remote_dir: PathBuf,
    media: Instant,
    now: Timestamp,
    received: Vec<MessageId>,
}

impl Bench {
    fn new(dir: &Path) -> Bench {
        let ex = SharedExchange::new(ExchangeConfig::default());
        let plan = NumberingPlan::germany("89", "1234");
        let spool = dir.join("spool");
        std::fs::create_dir_all(&spool).unwrap();
        let ours = Runner::new(
            Store::open(&dir.join("store")).unwrap(),
            RunnerConfig::default(),
            vec![line(&ex, "100").into(), line(&ex, "101").into()],
            T0,
        )
        .unwrap()
        .with_inbound(InboundConfig {
            router: router(&plan, "team-a@example.com"),
            plan,
            spool,
            ident: "+49 89 1234".into(),
        });
        let remote_dir = dir.join("remote");
        std::fs::create_dir_all(&remote_dir).unwrap();
        let remote = Runner::new(
            Store::open(&remote_dir.join("store")).unwrap(),
            RunnerConfig::default(),
            vec![line(&ex, "300").into()],
            T0,
        )
        .unwrap();
        Bench {
            ex,
            ours,
            remote,
            remote_dir,
            media: origin(),
            now: T0,
            received: Vec::new(),
        }
    }

    fn send(&mut self, to: &str, pages: u32) -> MessageId {
        let id = self.remote.store().next_id().unwrap();
        let doc = document(&self.remote_dir, &format!("{id}.tif"), pages);
        self.remote
            .submit(vec![outgoing_fax(id, to, doc, pages, self.now)])
            .unwrap();
        id
    }

    /// Tick until `done`, at most `secs` simulated seconds.
    fn run(&mut self, secs: u64, mut done: impl FnMut(&mut Bench) -> bool) -> bool {
        for _ in 0..secs * 50 {
            self.ex.tick(self.media);
            self.ours.tick(self.media, self.now).unwrap();
            self.remote.tick(self.media, self.now).unwrap();
            self.received.extend(
                self.ours
                    .take_handoffs()
                    .into_iter()
                    .filter_map(Handoff::received),
            );
            if done(self) {
                return true;
            }
            self.media += FRAME_DURATION;
            self.now = Timestamp(self.now.0 + 20);
        }
        false
    }
}

#[test]
fn a_router_swapped_during_an_incoming_call_routes_it_and_drops_nothing() {
    let dir = Scratch::new("runner-reload");
    let mut b = Bench::new(&dir);
    b.send("100", 3);
    assert!(b.run(120, |b| b.ours.calls_in_progress() == 1));
    // Well into the call (past training, into the pages).
    assert!(!b.run(20, |b| b.ours.calls_in_progress() == 0));
    let plan = NumberingPlan::germany("89", "1234");
    let inbound = b.ours.inbound_mut().expect("takes calls");
    inbound.router = router(&plan, "team-b@example.com");
    assert!(b.run(600, |b| !b.received.is_empty()));
    let rec = b.ours.store().get(b.received[0]).unwrap().unwrap();
    assert_eq!(rec.message.status, Status::Received, "{:?}", rec.message);
    assert_eq!(rec.message.pages, 3, "every page arrived");
    assert_eq!(
        rec.message.recipient_address.as_deref(),
        Some("team-b@example.com"),
        "stored under the routing in force when it ended"
    );
}

#[test]
fn a_drained_runner_finishes_its_call_and_starts_no_other() {
    let dir = Scratch::new("runner-drain");
    let mut b = Bench::new(&dir);
    // Ours has an outgoing job to the remote too, due later.
    let ours_job = b.ours.store().next_id().unwrap();
    let doc = document(&dir, "out.tif", 1);
    let rec = outgoing_fax(ours_job, "300", doc, 1, T0);
    let first = b.send("101", 2);
    assert!(b.run(120, |b| b.ours.calls_in_progress() == 1));
    b.ours.drain();
    b.ours.submit(vec![rec]).unwrap();
    let second = b.send("100", 1);
    // The call in progress completes; the remote's next call finds us busy.
    assert!(b.run(900, |b| {
        let st = b
            .remote
            .store()
            .get(second)
            .unwrap()
            .unwrap()
            .message
            .status;
        !b.received.is_empty() && st == Status::Retrying
    }));
    assert_eq!(b.received.len(), 1);
    let got = b.ours.store().get(b.received[0]).unwrap().unwrap();
    assert_eq!(got.message.pages, 2, "{:?}", got.message);
    let sent = b.remote.store().get(first).unwrap().unwrap();
    assert_eq!(sent.message.status, Status::Sent);
    assert_eq!(b.ours.calls_in_progress(), 0);
    // Our own due job never went out while draining.
    let waiting = b.ours.store().get(ours_job).unwrap().unwrap();
    assert_eq!(
        waiting.message.status,
        Status::Queued,
        "{:?}",
        waiting.message
    );
    assert_eq!(waiting.message.attempts, 0);
}
