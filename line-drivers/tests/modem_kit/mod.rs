//! What the modem tests against iaxmodem peers share (`modem_peers`,
//! `modem_efax`, `modem_bench`): our line on modem A's or B's pty through
//! tokio-serial, timed for the bench, driven in real time by the
//! workspace's one fax pump ([`FaxEnd`]); the test documents.
#![allow(dead_code)] // each test file uses part of it

use std::collections::VecDeque;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{FaxOptions, PageSource};
use line_drivers::modem::serial::{SerialPort, SerialSettings};
use line_drivers::modem::{ModemLine, ModemLineConfig, ModemLineState, ModemPort};
use line_drivers::{FaxRole, Line};
use test_kit::iaxmodem;
use test_kit::wall;

use crate::sip_common::FaxEnd;

/// Our line, with the time spent in its [`Line`] calls summed in
/// [`LINE_TIME`] (the bench tells the driver's share of the pump from
/// T.30's by it). Everything else of the line through `Deref`.
pub struct Timed(pub ModemLine);

impl std::ops::Deref for Timed {
    type Target = ModemLine;
    fn deref(&self) -> &ModemLine {
        &self.0
    }
}

impl std::ops::DerefMut for Timed {
    fn deref_mut(&mut self) -> &mut ModemLine {
        &mut self.0
    }
}

pub fn timed<R>(f: impl FnOnce() -> R) -> R {
    let t0 = clock();
    let r = f();
    LINE_TIME.set(LINE_TIME.get() + (clock() - t0));
    LINE_CALLS.set(LINE_CALLS.get() + 1);
    r
}

/// The clock [`timed`] and [`run`] sum: the wall clock (vDSO: no system
/// call) unless [`THREAD_CPU`] is set, then this thread's CPU clock (a
/// system call a reading, whose cost the bench measures and takes out;
/// time the thread spends preempted by other processes is not counted).
pub fn clock() -> Duration {
    if THREAD_CPU.get() {
        let t = nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
            .expect("thread CPU clock");
        Duration::new(t.tv_sec() as u64, t.tv_nsec() as u32)
    } else {
        static EPOCH: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(wall);
        wall() - *EPOCH
    }
}

impl Line for Timed {
    fn id(&self) -> &line_drivers::LineId {
        self.0.id()
    }
    fn caps(&self) -> line_drivers::LineCaps {
        self.0.caps()
    }
    fn dial(
        &mut self,
        number: &str,
        media: line_drivers::MediaKind,
        now: Instant,
    ) -> Result<line_drivers::CallId, line_drivers::LineError> {
        timed(|| self.0.dial(number, media, now))
    }
    fn answer(
        &mut self,
        call: line_drivers::CallId,
        now: Instant,
    ) -> Result<(), line_drivers::LineError> {
        timed(|| self.0.answer(call, now))
    }
    fn hangup(
        &mut self,
        call: line_drivers::CallId,
        cause: line_drivers::HangupCause,
        now: Instant,
    ) {
        timed(|| self.0.hangup(call, cause, now))
    }
    fn send(
        &mut self,
        call: line_drivers::CallId,
        media: line_drivers::Media,
        now: Instant,
    ) -> Result<(), line_drivers::LineError> {
        timed(|| self.0.send(call, media, now))
    }
    fn poll_event(&mut self) -> Option<line_drivers::LineEvent> {
        timed(|| self.0.poll_event())
    }
    fn is_idle(&self) -> bool {
        self.0.is_idle()
    }
    fn is_available(&self) -> bool {
        self.0.is_available()
    }
    fn has_news(&self) -> bool {
        timed(|| self.0.has_news())
    }
}

/// Our line on `device`, its port driven by a task on `rt`.
pub fn our_line(rt: &tokio::runtime::Runtime, device: &Path) -> Timed {
    let handle = rt.handle().clone();
    let settings = SerialSettings {
        path: device.display().to_string(),
        speed: 115_200,
        hardware_flow: false,
    };
    let cfg = ModemLineConfig {
        name: "modem/a".into(),
        number: "4930100".into(),
        rings: 1,
        quirks: None,
    };
    let trace = std::env::var_os("UMS_MODEM_TRACE").is_some();
    let record = RECORD_TRAFFIC.load(Ordering::Relaxed);
    let opener = Box::new(move || {
        SerialPort::open(&handle, &settings).map(|p| {
            if trace || record {
                Box::new(Traced(p, wall(), trace)) as Box<dyn ModemPort>
            } else {
                Box::new(p) as Box<dyn ModemPort>
            }
        })
    });
    Timed(ModemLine::open(cfg, opener, wall()))
}

/// Keep the last [`TRAFFIC_KEPT`] reads and writes of our port for
/// [`TrafficOnPanic`] (the bench turns it off: it measures the line as it
/// runs in the daemon).
pub static RECORD_TRAFFIC: AtomicBool = AtomicBool::new(true);

/// How many reads and writes [`TrafficOnPanic`] prints.
const TRAFFIC_KEPT: usize = 200;

/// One read or write of our port: seconds since open, direction, the
/// first octets, how many.
type Passed = (f64, &'static str, Vec<u8>, usize);

/// The last reads and writes of our port.
static TRAFFIC: Mutex<VecDeque<Passed>> = Mutex::new(VecDeque::new());

/// Prints what passed our port lately if the test fails while it lives:
/// a call that goes wrong once in many runs (CI) shows what the modem and
/// we said, without `UMS_MODEM_TRACE`.
pub struct TrafficOnPanic;

impl TrafficOnPanic {
    /// Watch from now (earlier calls' traffic forgotten).
    pub fn watch() -> TrafficOnPanic {
        TRAFFIC.lock().unwrap_or_else(|e| e.into_inner()).clear();
        TrafficOnPanic
    }
}

impl Drop for TrafficOnPanic {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let kept = TRAFFIC.lock().unwrap_or_else(|e| e.into_inner());
        eprintln!("our modem port, the last {} reads and writes:", kept.len());
        for (at, dir, bytes, n) in kept.iter() {
            eprintln!("{}", traffic_line(*at, dir, bytes, *n));
        }
    }
}

fn traffic_line(at: f64, dir: &str, bytes: &[u8], n: usize) -> String {
    let shown: String = bytes
        .iter()
        .map(|&b| match b {
            b' '..=b'~' => (b as char).to_string(),
            _ => format!("<{b:02x}>"),
        })
        .collect();
    format!("{at:8.3} {dir} {shown} ({n})")
}

/// A port that keeps what passes (see [`TrafficOnPanic`]) and prints it
/// as it goes with `UMS_MODEM_TRACE`, with the time.
struct Traced<P>(P, Instant, bool);

impl<P: ModemPort> Traced<P> {
    fn show(&self, dir: &'static str, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let at = (wall() - self.1).as_secs_f64();
        let head = &bytes[..bytes.len().min(40)];
        if self.2 {
            eprintln!("{}", traffic_line(at, dir, head, bytes.len()));
        }
        let mut kept = TRAFFIC.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() == TRAFFIC_KEPT {
            kept.pop_front();
        }
        kept.push_back((at, dir, head.to_vec(), bytes.len()));
    }
}

impl<P: ModemPort> ModemPort for Traced<P> {
    fn read_available(&mut self, into: &mut Vec<u8>) -> std::io::Result<()> {
        let n = into.len();
        let r = self.0.read_available(into);
        self.show("<-", &into[n..]);
        r
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.show("->", bytes);
        self.0.write_all(bytes)
    }
}

/// The port task's runtime: one worker, named [`PORT_THREAD`].
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(PORT_THREAD)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The name of the thread that runs the port task (tokio-serial).
pub const PORT_THREAD: &str = "modem-port";

thread_local! {
    /// Time spent inside the line and its pump (tick and step), summed by
    /// [`run`]: the driver's work on the media thread, without the 20 ms
    /// loop's sleeping and waking (the media loop's, shared by every
    /// line). Wall time read from the vDSO clock (no system call per tick,
    /// and never less than the CPU time it spans), or the thread's CPU
    /// time (see [`clock`]).
    pub static PUMP_TIME: std::cell::Cell<Duration> = const { std::cell::Cell::new(Duration::ZERO) };
    /// Of that, the time in the line (its tick and its [`Line`] calls):
    /// the driver's share; the rest is T.30's and the pump's.
    pub static LINE_TIME: std::cell::Cell<Duration> = const { std::cell::Cell::new(Duration::ZERO) };
    /// How many [`timed`] calls that is.
    pub static LINE_CALLS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// Sum the thread's CPU time instead of wall time (see [`clock`]).
    pub static THREAD_CPU: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The same, tick by tick (nanoseconds), for the bench's distribution.
    pub static TICK_NS: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Drive `end` in real time (20 ms ticks) until `done` or `limit`.
pub fn run(
    end: &mut FaxEnd<Timed>,
    limit: Duration,
    mut done: impl FnMut(&mut FaxEnd<Timed>) -> bool,
) -> bool {
    let t0 = wall();
    let mut k = 0u64;
    loop {
        let now: Instant = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        if done(end) {
            return true;
        }
        if now - t0 > limit {
            return false;
        }
        let c0 = clock();
        timed(|| end.line.tick(now));
        end.step(now);
        let spent = clock() - c0;
        PUMP_TIME.set(PUMP_TIME.get() + spent);
        TICK_NS.with_borrow_mut(|t| t.push(spent.as_nanos().min(u32::MAX.into()) as u32));
        k += 1;
    }
}

/// Our line on `device`, set up and in service.
pub fn in_service(rt: &tokio::runtime::Runtime, device: &Path) -> FaxEnd<Timed> {
    let mut end = FaxEnd::new(our_line(rt, device));
    assert!(
        run(&mut end, Duration::from_secs(10), |e| *e.line.state()
            == ModemLineState::InService),
        "{:?}",
        end.line.state()
    );
    end
}

/// Our line on `device`, in service and answering calls as a receiver
/// into `rx`.
pub fn receiver(rt: &tokio::runtime::Runtime, device: &Path, rx: &Path) -> FaxEnd<Timed> {
    let mut end = in_service(rt, device);
    end.answer_with = Some((
        FaxRole::Receive {
            file: rx.to_path_buf(),
        },
        FaxOptions {
            ident: "+49 30 100".into(),
            ..Default::default()
        },
    ));
    end
}

/// How T.30 ended the call `end` made or took.
pub fn outcome(end: &FaxEnd<Timed>) -> fax_t30::FaxOutcome {
    end.outcome()
        .unwrap_or_else(|| panic!("{:?}", end.end))
        .clone()
}

pub fn pages(dir: &Path, n: u32, res: Resolution) -> (Vec<BilevelPage>, PageSource) {
    pages_of(dir, n, res, PaperSize::A4.rows(res))
}

/// `n` pages of our test pattern, `rows` long each.
pub fn pages_of(dir: &Path, n: u32, res: Resolution, rows: u32) -> (Vec<BilevelPage>, PageSource) {
    let pages: Vec<BilevelPage> = (0..n)
        .map(|i| BilevelPage::test_pattern(PaperSize::A4.width(), rows, res, 900 + u64::from(i)))
        .collect();
    let source = PageSource::Pages {
        pages: pages.clone(),
        spool: dir.join("tx.tif"),
    };
    (pages, source)
}

/// Pages in a TIFF file, by libtiff's tiffinfo.
pub fn tiff_pages(file: &Path) -> Vec<u32> {
    let out = Command::new("tiffinfo")
        .arg(file)
        .output()
        .expect("tiffinfo");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Image Width: "))
        .filter_map(|l| l.split("Image Length: ").nth(1))
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

pub fn skip() -> bool {
    if iaxmodem::available() {
        return false;
    }
    eprintln!("skipped: needs root and iaxmodem (scripts/setup.sh --test)");
    true
}
