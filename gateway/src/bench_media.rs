//! `ums bench media`: does the document work of incoming faxes disturb the
//! calls in progress?
//!
//! The daemon's own [`MediaLoop`] runs on the real-time media ticker (one
//! pinned core) with `calls` outgoing G.711 faxes always in progress to the
//! simulated network's fax machines (a job that ends is replaced). Phase one
//! measures the tick lateness of those calls alone; phase two has the
//! network's callers send `faxes` incoming faxes of `pages` fine pages at
//! once, which the work pool turns into mails with the PDF and a PNG preview
//! (mail mode), and measures until every one is delivered to the outbox.
//! Both phases run in the same process, one after the other: the figure is
//! the difference of their p99 lateness (goal: within 1 ms).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use fax_t30::media::FRAME_DURATION;
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use kernel::message::{Direction, Service, Status, Timestamp};
use kernel::notify::{DeliveryMode, Notifier};
use kernel::report::{Language, ReportConfig};
use kernel::store::Store;
use line_drivers::clock::{LatenessStats, MediaTicker};

use crate::media_loop::{MediaConfig, MediaControl, MediaLoop};
use crate::simnet::MediaRequest;

/// What to run.
#[derive(Debug, Clone)]
pub struct MediaBench {
    /// Outgoing fax calls kept in progress.
    pub calls: usize,
    /// Incoming faxes in phase two, sent at once.
    pub faxes: usize,
    /// Fine A4 pages per incoming fax.
    pub pages: u32,
    /// Length of phase one.
    pub alone: Duration,
    /// Phase two gives up after this long.
    pub limit: Duration,
    pub work_dir: PathBuf,
}

/// One phase's tick lateness.
#[derive(Debug, Clone)]
pub struct Phase {
    pub lateness: LatenessStats,
    pub elapsed: Duration,
}

/// What the bench found.
#[derive(Debug, Clone)]
pub struct MediaBenchResult {
    pub alone: Phase,
    pub with_deliveries: Phase,
    /// Incoming faxes delivered to the outbox as mail (of `faxes`).
    pub delivered: usize,
    /// Pages in those mails' faxes.
    pub pages_delivered: u32,
    /// Outgoing faxes completed during the run (the background load).
    pub calls_completed: usize,
}

impl MediaBenchResult {
    /// p99 with deliveries minus p99 alone (negative: faster).
    pub fn p99_difference_ms(&self) -> f64 {
        ms(self.with_deliveries.lateness.p99()) - ms(self.alone.lateness.p99())
    }
}

/// Milliseconds, for reports.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Fine A4 pages with varied content (rows of bars and text-like runs), as
/// a TIFF-F in memory.
fn document(pages: u32, seed: u64) -> Result<Vec<u8>, String> {
    let res = Resolution::Fine;
    let width = PaperSize::A4.width();
    let rows = PaperSize::A4.rows(res);
    let pages: Vec<BilevelPage> = (0..pages)
        .map(|i| BilevelPage::test_pattern(width, rows, res, seed + u64::from(i)))
        .collect();
    let tiff: Vec<_> = pages
        .iter()
        .map(|p| fax_t30::tiff::TiffPage::from_page(p, fax_t30::codec::Compression::T6))
        .collect();
    Ok(fax_t30::tiff::write_tiff(&tiff, &Default::default()))
}

#[allow(clippy::disallowed_methods)] // driver shell: the bench's wall clock
fn wall_clock() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
    )
}

#[allow(clippy::disallowed_methods)] // driver shell: the media clock the loop starts on
fn media_clock() -> std::time::Instant {
    std::time::Instant::now()
}

/// Incoming faxes delivered as mail so far, and their pages.
fn delivered(store: &Store) -> (usize, u32) {
    let mut n = 0;
    let mut pages = 0;
    for r in store.all().flatten() {
        let m = &r.message;
        if m.direction == Direction::Incoming
            && m.service == Service::Fax
            && m.status == Status::Delivered
        {
            n += 1;
            pages += m.pages;
        }
    }
    (n, pages)
}

/// Run both phases. See the module docs.
pub fn run(cfg: &MediaBench) -> Result<MediaBenchResult, String> {
    run_with(cfg, None)
}

/// Phase two's load instead of the incoming faxes (`ums bench web`: browsers
/// following the journal live): started with the store, stopped when what
/// it returns is dropped. It is started once in the warm-up and dropped at
/// once (one-time costs such as a web server's start and login fall in
/// neither phase); then the two phases take turns in windows of
/// [`WINDOW`], `cfg.alone` each in all, the load running in phase two's.
/// Without turns, the phases would compare different parts of calls that
/// all start together and stay in step (pages, ends and the next calls'
/// starts come at the same moments for all 32): with no load at all, a
/// second minute had a p99 17 ms above the first's. So the calls are
/// started [`RAMP_STEP`] apart first, and the phases take turns.
pub type Beside<'a> = &'a dyn Fn(&Store) -> Result<Box<dyn std::any::Any>, String>;

/// One turn of each phase when they take turns (see [`Beside`]).
pub const WINDOW: Duration = Duration::from_secs(5);
/// When the phases take turns, the calls start this far apart: a call of
/// two pages at 14 400 bit/s takes about a minute, so 32 calls spread over
/// it.
const RAMP_STEP: Duration = Duration::from_secs(2);

/// Waits `span` in steps of `step`, topping the calls up after each; the
/// time waited.
fn hold(
    span: Duration,
    step: Duration,
    store: &Store,
    top_up: &mut dyn FnMut(&Store) -> Result<(), String>,
) -> Result<Duration, String> {
    let mut waited = Duration::ZERO;
    while waited < span {
        std::thread::sleep(step);
        waited += step;
        top_up(store)?;
    }
    Ok(waited)
}

/// [`run`], with `beside` as phase two's load when given.
pub fn run_with(cfg: &MediaBench, beside: Option<Beside>) -> Result<MediaBenchResult, String> {
    let dir = &cfg.work_dir;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let spool = dir.join("spool");
    std::fs::create_dir_all(&spool).map_err(|e| e.to_string())?;
    let store = Store::open(&dir.join("store")).map_err(|e| e.to_string())?;
    let notifier = Notifier::new(
        ReportConfig::new("ums.bench", "bench.example"),
        DeliveryMode::Mail,
    );
    let work = Arc::new(kernel::work::WorkPool::start(
        kernel::work::Work {
            renderer: None,
            deliverer: kernel::work::Deliverer {
                store: store.clone(),
                notifier,
                language: Language::En,
                clock: Box::new(wall_clock),
            },
        },
        std::thread::available_parallelism().map_or(2, |n| n.get()),
    ));
    let outgoing_doc = crate::bench::bench_document(dir).map_err(|e| e.to_string())?;
    let incoming_doc = document(cfg.pages, 31)?;
    // Our lines: the first `calls` carry the outgoing faxes (the runner
    // takes the first free line), the others answer the incoming ones.
    let lines: Vec<String> = (0..cfg.calls + cfg.faxes)
        .map(|i| (100 + i).to_string())
        .collect();
    let answer_lines: Vec<String> = lines[cfg.calls..].to_vec();
    let plan = kernel::numbering::NumberingPlan::germany("89", "1234");
    let directory = kernel::directory::Directory {
        users: Vec::new(),
        groups: Vec::new(),
        default_recipient: "fax@bench.example".into(),
    };
    let router = kernel::routing::Router::new(plan.clone(), directory, Vec::new())
        .map_err(|e| e.to_string())?;
    let config = MediaConfig {
        lines,
        sip_trunks: Vec::new(),
        modems: Vec::new(),
        gsm: Vec::new(),
        sms_report_wait: std::time::Duration::from_secs(600),
        capis: Vec::new(),
        runtime: None,
        data_dir: dir.clone(),
        virtual_fax_numbers: Vec::new(),
        retry: kernel::job::RetryPolicy::default(),
        ident: "UMS BENCH".into(),
        header: None,
        spool: spool.clone(),
        plan,
        router: Some(router),
        network_dir: dir.join("virtual-network"),
        voice: kernel::voice::VoiceSettings::default(),
        // At most `calls` outgoing at once: the other lines stay free for
        // the incoming faxes.
        group_limits: [("default".to_string(), cfg.calls)].into(),
    };

    // The media thread: the loop, the phase's lateness, the open jobs.
    let (control_tx, control_rx) = mpsc::channel::<MediaControl>();
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
    let phase = Arc::new(AtomicU8::new(0));
    let open = Arc::new(AtomicUsize::new(0));
    let stats = Arc::new(Mutex::new([
        LatenessStats::default(),
        LatenessStats::default(),
    ]));
    let ticker = {
        let (phase, open, stats) = (Arc::clone(&phase), Arc::clone(&open), Arc::clone(&stats));
        let (store, work) = (store.clone(), Arc::clone(&work));
        MediaTicker::spawn_with(FRAME_DURATION, move || {
            crate::bench::pin_to_last_cpu();
            let handoff = Box::new(move |id| work.submit_handoff(id));
            let mut media =
                match MediaLoop::new(config, store, media_clock(), wall_clock(), handoff) {
                    Ok(m) => {
                        let _ = ready_tx.send(Ok(()));
                        Some(m)
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        None
                    }
                };
            move |now| {
                let late = crate::metrics::lateness_since(now);
                let Some(ml) = media.as_mut() else {
                    return std::ops::ControlFlow::Break(());
                };
                match phase.load(Ordering::SeqCst) {
                    p @ (1 | 2) => kernel::lock::lock(&stats)[usize::from(p - 1)].record(late),
                    3 => return std::ops::ControlFlow::Break(()),
                    _ => {}
                }
                let wall = wall_clock();
                while let Ok(c) = control_rx.try_recv() {
                    ml.handle(c, wall);
                }
                let _ = ml.tick(now, wall);
                open.store(ml.runner().open_jobs(), Ordering::SeqCst);
                std::ops::ControlFlow::Continue(())
            }
        })
        .map_err(|e| e.to_string())?
    };
    ready_rx
        .recv()
        .map_err(|_| "the media loop ended before it ran".to_string())??;

    // Keep `calls` outgoing faxes open (stored and handed over here, as
    // the SMTP connector does: no store write on the media thread).
    let mut next_number = 0u64;
    // Calls kept open: all of them, but one more every RAMP_STEP in the
    // warm-up of the turns (see `Beside`).
    let target = std::cell::Cell::new(cfg.calls);
    let mut top_up = |store: &Store| -> Result<(), String> {
        let open_now = open.load(Ordering::SeqCst);
        let mut records = Vec::new();
        for _ in open_now..target.get() {
            let id = store.next_id().map_err(|e| e.to_string())?;
            // A fax machine per number, never two calls to one at once.
            let number = format!("0895600{:03}", next_number % 512);
            next_number += 1;
            let mut rec =
                kernel::runner::outgoing_fax(id, &number, outgoing_doc.clone(), 2, wall_clock());
            rec.message.sender_address = Some("bench@bench.example".into());
            records.push(rec);
        }
        if records.is_empty() {
            return Ok(());
        }
        store.insert_batch(&records).map_err(|e| e.to_string())?;
        let ids = records.iter().map(|r| r.message.id).collect();
        let _ = control_tx.send(MediaControl::Adopt(ids));
        // The loop counts them at its next tick.
        std::thread::sleep(Duration::from_millis(60));
        Ok(())
    };
    let step = Duration::from_millis(100);
    if beside.is_some() {
        // The calls start one by one, so that their pages (and ends, and
        // the next calls' starts) come at moments spread evenly.
        for n in 1..=cfg.calls {
            target.set(n);
            top_up(&store)?;
            hold(RAMP_STEP, step, &store, &mut top_up)?;
        }
    }
    // Warm up: the calls start and spread over their phases.
    top_up(&store)?;
    hold(50 * step, step, &store, &mut top_up)?;

    if let Some(start) = beside {
        drop(start(&store)?);
        let turn = |p: u8, top_up: &mut dyn FnMut(&Store) -> Result<(), String>| {
            phase.store(p, Ordering::SeqCst);
            hold(WINDOW, step, &store, top_up)
        };
        let (mut alone_elapsed, mut with_elapsed) = (Duration::ZERO, Duration::ZERO);
        while alone_elapsed < cfg.alone {
            alone_elapsed += turn(1, &mut top_up)?;
            let load = start(&store)?;
            with_elapsed += turn(2, &mut top_up)?;
            drop(load);
        }
        phase.store(3, Ordering::SeqCst);
        let _ = ticker.join();
        let [alone, with] = kernel::lock::lock(&stats).clone();
        return Ok(MediaBenchResult {
            alone: Phase {
                lateness: alone,
                elapsed: alone_elapsed,
            },
            with_deliveries: Phase {
                lateness: with,
                elapsed: with_elapsed,
            },
            delivered: 0,
            pages_delivered: 0,
            calls_completed: 0,
        });
    }

    phase.store(1, Ordering::SeqCst);
    let alone_elapsed = hold(cfg.alone, step, &store, &mut top_up)?;

    phase.store(2, Ordering::SeqCst);
    for (i, to) in answer_lines.iter().enumerate() {
        let (reply, _) = tokio::sync::oneshot::channel();
        let request = MediaRequest::SimulateFax {
            from: format!("0301234{:03}", i),
            to: to.clone(),
            document: incoming_doc.clone(),
            reply,
        };
        let _ = control_tx.send(MediaControl::Request(request));
    }
    let mut waited = Duration::ZERO;
    let (mut n, mut pages) = (0, 0);
    while waited < cfg.limit {
        std::thread::sleep(step);
        waited += step;
        top_up(&store)?;
        (n, pages) = delivered(&store);
        if n >= cfg.faxes {
            // Every mail is in the outbox; the work pool is done with it.
            break;
        }
    }
    let with_elapsed = waited;
    phase.store(3, Ordering::SeqCst);
    let _ = ticker.join();
    let completed = (store.all().flatten())
        .filter(|r| r.message.direction == Direction::Outgoing && r.message.status == Status::Sent)
        .count();
    let [alone, with] = kernel::lock::lock(&stats).clone();
    drop(work);
    Ok(MediaBenchResult {
        alone: Phase {
            lateness: alone,
            elapsed: alone_elapsed,
        },
        with_deliveries: Phase {
            lateness: with,
            elapsed: with_elapsed,
        },
        delivered: n,
        pages_delivered: pages,
        calls_completed: completed,
    })
}

/// The report's lines.
pub fn report(cfg: &MediaBench, r: &MediaBenchResult) -> String {
    let line = |name: &str, p: &Phase| {
        format!(
            "{name:<16} {:>6} ticks  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms  ({:.0} s)",
            p.lateness.samples(),
            ms(p.lateness.p50()),
            ms(p.lateness.p99()),
            ms(p.lateness.max()),
            p.elapsed.as_secs_f64()
        )
    };
    let diff = r.p99_difference_ms();
    format!(
        "bench media: {} G.711 fax calls in progress on loopback lines (media loop pinned to one core), then {} incoming faxes of {} fine pages received and delivered as mail with PDF and PNG preview by the work pool\n{}\n{}\ndelivered        {} of {} faxes, {} pages; {} background faxes completed\np99 difference   {:+.2} ms ({}: within 1 ms)\n",
        cfg.calls,
        cfg.faxes,
        cfg.pages,
        line("alone", &r.alone),
        line("with deliveries", &r.with_deliveries),
        r.delivered,
        cfg.faxes,
        r.pages_delivered,
        r.calls_completed,
        diff,
        if diff <= 1.0 && r.delivered == cfg.faxes {
            "goal met"
        } else {
            "goal missed"
        },
    )
}

/// A scratch directory for the bench under `base`.
pub fn work_dir(base: &Path) -> PathBuf {
    base.join(format!("ums-bench-media-{}", std::process::id()))
}
