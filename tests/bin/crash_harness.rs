//! The gateway's kernel as one process for the crash tests: the daemon's
//! `MediaLoop` (8 loopback lines on the simulated network, the runner, the
//! store), the work pool building notices and incoming mails, and outbound
//! delivery to a real mail server (the test's Postfix), all on a simulated
//! clock that runs as fast as the CPU allows (media and wall time advance
//! 20 ms per tick). Only the clock and the load are the harness's; every
//! write, hand-over and delivery is the product's own code.
//!
//! ```text
//!  accept OUT faxes ─ Store::insert_batch ─ "ACCEPTED" ─ MediaControl::Adopt ─┐
//!  the network ─ MediaControl::Request(SimulateFax / SimulateSms) ───────────┤
//!                                                                MediaLoop ◀─┘
//!                          handoff(id) ─▶ WorkPool (notices, incoming mails)
//!                                              │ Store::complete_handoff
//!                        Delivery::deliver_due ◀ outbox ─▶ Postfix ─▶ Maildirs
//! ```
//!
//! The load (names in `system_tests::crash_load`): `OUT` outgoing faxes,
//! each with its own sender (its confirmation goes there) and its own
//! number (a virtual fax machine keeps what it gets); `FAX_IN` faxes from
//! callers of their own, at most 3 calling at once, and `SMS_IN` SMS. Five
//! of the eight lines at most carry outgoing calls, so faxes come in while
//! others go out; a fax that finds its line busy calls again later. A
//! restart only sends what the store does not have: the network sends
//! again the incoming messages never stored, and the harness accepts
//! outgoing faxes until the store holds `OUT`.
//!
//! usage: `crash_harness DIR OUT FAX_IN SMS_IN PAGES SMTP_PORT HOST`
//! (`HOST` names the gateway in the Message-IDs, so runs sharing one
//! Postfix keep apart).
//!
//! `DIR/events.log`, one line per event, each line one `write(2)` (a kill
//! never leaves half a line; a line cut by `abort()` is closed by the next
//! run):
//!
//! | line | when |
//! |---|---|
//! | `START` | the process starts |
//! | `INFLIGHT <id>` | at start: a call of message `<id>` was in progress at the crash |
//! | `ACCEPTED <id> <sender>` | its batch is durable (what an SMTP client hears as 250) |
//! | `SENDING <message-id>` | an outbox mail's delivery attempt begins |
//! | `SENT <message-id>` | the mail server took it and it left the outbox |
//! | `DEFERRED <message-id> <reason>`, `BOUNCED ...` | delivery trouble (the tests allow none) |
//! | `UNSTORED <caller>` | a fax the caller saw through was not stored (a bug) |
//! | `DONE` | every job is final, every incoming message stored, nothing is marked and the outbox is empty; exit 0 |
#![forbid(unsafe_code)]

use std::cell::RefCell;
use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fax_t30::page::Resolution;
use gateway::media_loop::{MediaConfig, MediaControl, MediaLoop};
use gateway::simnet::{MediaRequest, SimulatedFax};
use kernel::job::{JobState, RetryPolicy};
use kernel::message::{Direction, Message, MessageId, Service, Timestamp};
use kernel::notify::{DeliveryMode, Notifier};
use kernel::numbering::NumberingPlan;
use kernel::report::{Language, ReportConfig};
use kernel::routing::{Router, Rule};
use kernel::runner::outgoing_fax;
use kernel::store::{QueuedMail, Record, Store};
use kernel::work::{Deliverer, Work, WorkPool};
use line_drivers::SimClock;
use smtp::outbound::{Delivery, DeliveryEvent, OutboundConfig, SmartHost, TlsMode};
use system_tests::crash_load::{
    dial_number, fax_caller, site_plan, sms_caller, sms_text, stored_number, DOMAIN, FAX_MAILBOX,
    POSTMASTER, SMS_MAILBOX,
};
use tokio::sync::oneshot;

/// Our lines' numbers on the simulated network.
const LINES: [&str; 8] = ["100", "101", "102", "103", "104", "105", "106", "107"];
/// Outgoing calls at once: the other lines take incoming faxes.
const OUTGOING_LINES: usize = 5;
/// Outgoing faxes per durable batch (one group commit), one batch a tick.
const BATCH: usize = 10;
/// Incoming faxes calling at once.
const CALLERS: usize = 3;
/// Ticks between two incoming SMS.
const SMS_EVERY: u64 = 40;
/// After a caller's call ended without its fax stored (our line was busy):
/// ticks before it calls again.
const REDIAL_TICKS: u64 = 150;
/// The wall clock of a fresh store (2027-01-15); a restart goes on from
/// the latest time the store holds.
const EPOCH_MS: u64 = 1_800_000_000_000;
/// Give up (exit 3) after this much simulated time (2 h).
const MAX_TICKS: u64 = 2 * 3600 * 50;

struct Args {
    dir: PathBuf,
    out: usize,
    fax_in: usize,
    sms_in: usize,
    pages: u32,
    smtp_port: u16,
    host: String,
}

fn args() -> Args {
    let usage = "usage: crash_harness DIR OUT FAX_IN SMS_IN PAGES SMTP_PORT HOST";
    let a: Vec<String> = std::env::args().skip(1).collect();
    assert_eq!(a.len(), 7, "{usage}");
    let n = |i: usize| a[i].parse::<usize>().expect(usage);
    Args {
        dir: PathBuf::from(&a[0]),
        out: n(1),
        fax_in: n(2),
        sms_in: n(3),
        pages: n(4) as u32,
        smtp_port: n(5) as u16,
        host: a[6].clone(),
    }
}

/// `DIR/events.log`: one `write(2)` per line.
struct Events(File);

impl Events {
    fn open(dir: &Path) -> Events {
        let path = dir.join("events.log");
        let mut f = (std::fs::OpenOptions::new().create(true).read(true))
            .append(true)
            .open(&path)
            .expect("events.log");
        // A line an abort cut short is closed, not continued.
        let len = f.metadata().expect("events.log").len();
        if len > 0 {
            let mut last = [0u8];
            f.seek(SeekFrom::Start(len - 1)).expect("seek");
            f.read_exact(&mut last).expect("read");
            if last[0] != b'\n' {
                f.write_all(b"\n").expect("events.log");
            }
        }
        Events(f)
    }

    fn line(&self, text: &str) {
        (&self.0)
            .write_all(format!("{text}\n").as_bytes())
            .expect("events.log");
    }
}

/// What the store holds at start, in one pass: outgoing faxes accepted,
/// incoming messages stored, the latest time. Calls the crash cut are
/// logged (`INFLIGHT`).
struct Found {
    accepted: usize,
    callers: HashSet<String>,
    texts: HashSet<String>,
    latest_ms: u64,
}

fn survey(store: &Store, events: &Events) -> Found {
    let mut found = Found {
        accepted: 0,
        callers: HashSet::new(),
        texts: HashSet::new(),
        latest_ms: EPOCH_MS,
    };
    for rec in store.all() {
        let rec = rec.expect("record readable");
        let m = &rec.message;
        found.latest_ms = (found.latest_ms).max(m.updated_at.0).max(m.created_at.0);
        if m.direction == Direction::Incoming {
            found.callers.extend(m.caller_number.clone());
            found.texts.extend(m.text.clone());
            continue;
        }
        found.accepted += 1;
        if let Some(JobState::Active { .. }) = rec.job.as_ref().map(|j| &j.state) {
            events.line(&format!("INFLIGHT {}", m.id.0));
        }
    }
    found
}

/// The SMTP side: accepts the outgoing faxes, one durable batch a tick, as
/// the connector stores them after rendering (document, sender, job).
struct Accepting {
    accepted: usize,
    out: usize,
    pages: u32,
    document: PathBuf,
}

impl Accepting {
    fn is_done(&self) -> bool {
        self.accepted >= self.out
    }

    fn accept_batch(&mut self, store: &Store, ml: &mut MediaLoop, events: &Events, now: Timestamp) {
        if self.is_done() {
            return;
        }
        let ks = self.accepted..self.out.min(self.accepted + BATCH);
        let batch: Vec<Record> = ks.clone().map(|k| self.record(store, k, now)).collect();
        store.insert_batch(&batch).expect("store write");
        for (k, r) in ks.zip(&batch) {
            let sender = system_tests::crash_load::sender(k);
            events.line(&format!("ACCEPTED {} {sender}", r.message.id.0));
        }
        self.accepted += batch.len();
        let ids = batch.iter().map(|r| r.message.id).collect();
        ml.handle(MediaControl::Adopt(ids), now);
    }

    fn record(&self, store: &Store, k: usize, now: Timestamp) -> Record {
        let id = store.next_id().expect("id");
        let doc = self.document.clone();
        let mut r = outgoing_fax(id, &dial_number(k), doc, self.pages, now);
        let m = &mut r.message;
        let sender = system_tests::crash_load::sender(k);
        m.sender_address = Some(sender.clone());
        m.envelope_sender = Some(sender);
        m.recipient_number = Some(format!("+49897{k:04}"));
        m.recipient_address = Some(format!("+49897{k:04}@fax.{DOMAIN}"));
        r
    }
}

/// Where an incoming fax of the network stands.
enum Caller {
    /// Not stored; calls from tick `from` on, when fewer than
    /// [`CALLERS`] are calling. `sent`: its last call went through (so its
    /// fax must have been stored by then).
    Waiting { from: u64, sent: bool },
    /// Calling; the network answers how it went.
    Calling(oneshot::Receiver<Result<SimulatedFax, String>>),
    /// Its fax is in the store.
    Stored,
}

/// The phone network's side: callers sending faxes, SMS arriving.
struct Network {
    plan: NumberingPlan,
    callers: Vec<Caller>,
    /// SMS not stored yet, the next last.
    sms_left: Vec<usize>,
    next_line: usize,
    document: Vec<u8>,
}

impl Network {
    fn new(fax_in: usize, sms_in: usize, found: &Found, document: Vec<u8>) -> Network {
        let plan = site_plan();
        let callers = (0..fax_in)
            .map(|i| {
                match found
                    .callers
                    .contains(&stored_number(&plan, &fax_caller(i)))
                {
                    true => Caller::Stored,
                    false => Caller::Waiting {
                        from: 0,
                        sent: false,
                    },
                }
            })
            .collect();
        let sms_left = (0..sms_in)
            .rev()
            .filter(|i| !found.texts.contains(&sms_text(*i)))
            .collect();
        Network {
            plan,
            callers,
            sms_left,
            next_line: 0,
            document,
        }
    }

    fn is_done(&self) -> bool {
        self.sms_left.is_empty() && self.callers.iter().all(|c| matches!(c, Caller::Stored))
    }

    /// An SMS now and then; a fax from the next caller due, if few call.
    fn call(&mut self, ml: &mut MediaLoop, tick: u64, events: &Events, now: Timestamp) {
        if tick.is_multiple_of(SMS_EVERY) {
            if let Some(i) = self.sms_left.pop() {
                let (reply, answer) = oneshot::channel();
                let request = MediaRequest::SimulateSms {
                    from: sms_caller(i),
                    to: LINES[i % LINES.len()].into(),
                    text: sms_text(i),
                    reply,
                };
                ml.handle(MediaControl::Request(request), now);
                match answer.blocking_recv() {
                    Ok(Ok(Some(_))) => {}
                    other => panic!("SMS {i} not taken: {other:?}"),
                }
            }
        }
        let calling = (self.callers.iter())
            .filter(|c| matches!(c, Caller::Calling(_)))
            .count();
        let due = (self.callers.iter())
            .position(|c| matches!(c, Caller::Waiting { from, .. } if *from <= tick));
        let (true, Some(i)) = (calling < CALLERS, due) else {
            return;
        };
        if let Caller::Waiting { sent: true, .. } = self.callers[i] {
            events.line(&format!("UNSTORED {}", fax_caller(i)));
        }
        let (reply, answer) = oneshot::channel();
        let request = MediaRequest::SimulateFax {
            from: fax_caller(i),
            to: LINES[self.next_line % LINES.len()].into(),
            document: self.document.clone(),
            reply,
        };
        self.next_line += 1;
        ml.handle(MediaControl::Request(request), now);
        self.callers[i] = Caller::Calling(answer);
    }

    /// A message was stored (handed over): an incoming fax's caller is done.
    fn stored(&mut self, m: &Message) {
        if m.direction != Direction::Incoming || m.service != Service::Fax {
            return;
        }
        let caller = |i: usize| Some(stored_number(&self.plan, &fax_caller(i)));
        if let Some(i) = (0..self.callers.len()).find(|i| m.caller_number == caller(*i)) {
            self.callers[i] = Caller::Stored;
        }
    }

    /// How the calls that ended went: a fax that did not go through (our
    /// line was busy) is sent again a little later.
    fn answers(&mut self, tick: u64) {
        for (i, c) in self.callers.iter_mut().enumerate() {
            let Caller::Calling(answer) = c else { continue };
            let result = match answer.try_recv() {
                Err(oneshot::error::TryRecvError::Empty) => continue,
                Ok(r) => r,
                Err(oneshot::error::TryRecvError::Closed) => Err("no answer".into()),
            };
            let sent = matches!(result, Ok(SimulatedFax { success: true, .. }));
            if !sent {
                eprintln!("crash_harness: fax from {}: {result:?}", fax_caller(i));
            }
            *c = Caller::Waiting {
                from: tick + REDIAL_TICKS,
                sent,
            };
        }
    }
}

fn main() {
    let a = args();
    std::fs::create_dir_all(&a.dir).expect("DIR");
    let events = Arc::new(Events::open(&a.dir));
    events.line("START");
    let store = Store::open(&a.dir.join("store")).expect("store opens");
    let spool = a.dir.join("spool");
    std::fs::create_dir_all(&spool).expect("spool");
    let document = document(&a.dir, a.pages);
    let found = survey(&store, &events);
    let wall = Arc::new(AtomicU64::new(found.latest_ms + 1000));
    let clock = {
        let wall = Arc::clone(&wall);
        move || Timestamp(wall.load(Ordering::SeqCst))
    };

    // The work pool and delivery, as the daemon starts them: what a crash
    // left marked is queued again first.
    let notifier = Notifier::new(ReportConfig::new(&a.host, DOMAIN), DeliveryMode::Mail);
    let deliverer = Deliverer {
        store: store.clone(),
        notifier: notifier.clone(),
        language: Language::En,
        clock: Box::new(clock.clone()),
    };
    let work = Arc::new(WorkPool::start(
        Work {
            renderer: None,
            deliverer,
        },
        2,
    ));
    work.recover(store.recovery().expect("store readable"), &spool);
    let delivery = delivery(&a, store.clone(), notifier, Arc::clone(&events));
    run_delivery(delivery, clock.clone());

    // The media loop, as the daemon's media thread runs it.
    let handed_over = Rc::new(RefCell::new(Vec::<MessageId>::new()));
    let handoff = {
        let work = Arc::clone(&work);
        let handed_over = Rc::clone(&handed_over);
        Box::new(move |id| {
            work.submit_handoff(id);
            handed_over.borrow_mut().push(id);
        })
    };
    #[allow(clippy::disallowed_methods)] // test harness: the origin of the simulated clock
    let mut media = SimClock::new(Instant::now());
    let config = media_config(&a, &spool);
    let mut ml = MediaLoop::new(config, store.clone(), media.now(), clock(), handoff)
        .unwrap_or_else(|e| panic!("the media loop does not start: {e}"));

    let mut accepting = Accepting {
        accepted: found.accepted,
        out: a.out,
        pages: a.pages,
        document: document.clone(),
    };
    let document = std::fs::read(&document).expect("document");
    let mut network = Network::new(a.fax_in, a.sms_in, &found, document);
    for tick in 1..=MAX_TICKS {
        let now = media.tick();
        let wall_now = Timestamp(wall.fetch_add(20, Ordering::SeqCst) + 20);
        accepting.accept_batch(&store, &mut ml, &events, wall_now);
        network.call(&mut ml, tick, &events, wall_now);
        if let Err(e) = ml.tick(now, wall_now) {
            eprintln!("crash_harness: store write failed: {e}");
        }
        for id in handed_over.borrow_mut().drain(..) {
            if let Some(rec) = store.get(id).expect("store readable") {
                network.stored(&rec.message);
            }
        }
        network.answers(tick);

        let idle = ml.calls_in_progress() == 0;
        let settled = accepting.is_done() && network.is_done() && ml.runner().open_jobs() == 0;
        // Marks first, then the outbox: a mail queued before the marks
        // were read has left the outbox by the time it is read.
        // The outbox is read empty as soon as the delivery thread removed
        // the last mail, before that removal's `after:` failpoint: DONE
        // waits until the thread has finished the attempt.
        if idle
            && settled
            && tick.is_multiple_of(25)
            && DELIVERIES_IN_FLIGHT.load(Ordering::SeqCst) == 0
            && (store.recovery().expect("store readable").handoffs).is_empty()
            && store.pending_mail().expect("store readable").is_empty()
        {
            // What the other threads wrote is seen before it is durable
            // (a removal from the outbox may still be flushing).
            store.flush().expect("store flush");
            events.line("DONE");
            std::process::exit(0);
        }
        if idle {
            // Nothing on the lines: leave the CPU to the work pool and the
            // delivery, and give the mail server real time.
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    eprintln!("crash_harness: not done after {MAX_TICKS} ticks");
    std::process::exit(3);
}

/// The media loop's settings: our lines, incoming faxes to `faxin@`, SMS
/// to `smsin@`, a quick retry.
fn media_config(a: &Args, spool: &Path) -> MediaConfig {
    let plan = site_plan();
    let mailbox = |name: &str| format!("{name}@{DOMAIN}");
    let directory = kernel::directory::Directory {
        default_recipient: mailbox(POSTMASTER),
        ..Default::default()
    };
    let rules = vec![
        Rule::new("*", Some(Service::Fax), &mailbox(FAX_MAILBOX)).expect("rule"),
        Rule::new("*", Some(Service::Sms), &mailbox(SMS_MAILBOX)).expect("rule"),
    ];
    let router = Router::new(plan.clone(), directory, rules).expect("routing");
    MediaConfig {
        modems: Vec::new(),
        gsm: Vec::new(),
        sms_report_wait: std::time::Duration::from_secs(600),
        capis: Vec::new(),
        runtime: None,
        lines: LINES.iter().map(|n| n.to_string()).collect(),
        sip_trunks: Vec::new(),
        data_dir: a.dir.clone(),
        virtual_fax_numbers: Vec::new(),
        retry: RetryPolicy {
            retries: 3,
            intervals_secs: vec![5],
        },
        ident: "+49 89 1234".into(),
        header: None,
        spool: spool.to_path_buf(),
        plan,
        router: Some(router),
        network_dir: a.dir.join("net"),
        voice: Default::default(),
        group_limits: [("default".to_string(), OUTGOING_LINES)].into(),
    }
}

/// The document every fax sends: `pages` test pages, durable before any
/// record names it.
fn document(dir: &Path, pages: u32) -> PathBuf {
    let path = dir.join("document.tif");
    if !path.exists() {
        let tiff: Vec<_> = gateway::document::demo_pages(pages, Resolution::Standard)
            .iter()
            .map(|p| fax_t30::tiff::TiffPage::from_page(p, fax_t30::codec::Compression::T6))
            .collect();
        let bytes = fax_t30::tiff::write_tiff(&tiff, &Default::default());
        kernel::durable::write(&path, &bytes).expect("document");
    }
    path
}

/// Outbound delivery to the test's Postfix; every mail's attempt and
/// removal from the outbox is logged.
fn delivery(a: &Args, store: Store, notifier: Notifier, events: Arc<Events>) -> Delivery {
    let config = OutboundConfig {
        smart_host: Some(SmartHost {
            host: "127.0.0.1".into(),
            port: a.smtp_port,
            tls: TlsMode::None,
            auth: None,
        }),
        resolver: None,
        mx_port: smtp::outbound::DEFAULT_MX_PORT,
        dead_letter_dir: a.dir.join("dead-letter"),
        backoff_secs: vec![1],
        max_attempts: 1000,
        hello_name: "crash-harness.test".into(),
        timeout: Duration::from_secs(20),
    };
    let mut delivery = Delivery::new(store, config, notifier);
    delivery.on_event(Box::new(move |e| {
        // Each attempt ends in one of the other three, emitted once its
        // store writes (and their `after:` failpoints) are behind it.
        match e {
            DeliveryEvent::Attempt(_) => DELIVERIES_IN_FLIGHT.fetch_add(1, Ordering::SeqCst),
            _ => DELIVERIES_IN_FLIGHT.fetch_sub(1, Ordering::SeqCst),
        };
        let id = |m: &QueuedMail| m.message_id().unwrap_or_else(|| "?".into());
        let line = match e {
            DeliveryEvent::Attempt(m) => format!("SENDING {}", id(m)),
            DeliveryEvent::Delivered(m) => format!("SENT {}", id(m)),
            DeliveryEvent::Deferred { mail, reason, .. } => {
                format!("DEFERRED {} {}", id(mail), reason.replace('\n', " "))
            }
            DeliveryEvent::Bounced { mail, reason } => {
                format!("BOUNCED {} {}", id(mail), reason.replace('\n', " "))
            }
        };
        events.line(&line);
    }));
    delivery
}

/// Delivery attempts begun and not yet ended (delivered, deferred or
/// bounced) in this run.
static DELIVERIES_IN_FLIGHT: AtomicI64 = AtomicI64::new(0);

/// Deliver what is due on a thread of its own, as the daemon does on
/// tokio, in real time (the mail server's).
fn run_delivery(mut delivery: Delivery, clock: impl Fn() -> Timestamp + Send + 'static) {
    let run = move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        rt.block_on(async move {
            loop {
                if let Err(e) = delivery.deliver_due(clock()).await {
                    eprintln!("crash_harness: delivery: {e}");
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
    };
    std::thread::Builder::new()
        .name("delivery".into())
        .spawn(run)
        .expect("delivery thread");
}
