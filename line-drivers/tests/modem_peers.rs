//! Our modem driver against fax programs we did not write, over two
//! iaxmodem soft modems wired back to back (test_kit::iaxmodem): our
//! `ModemLine` (tokio-serial on modem A's pty) sends to efax and HylaFAX on
//! modem B and receives from them, in real time. Needs root and the fax
//! packages (scripts/setup.sh --test).

#[path = "sip_common/mod.rs"]
mod sip_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::tiff::TiffPage;
use fax_t30::{FaxOptions, MaxRate, PageSource};
use line_drivers::modem::serial::{SerialPort, SerialSettings};
use line_drivers::modem::{ModemLine, ModemLineConfig, ModemLineState, ModemPort};
use line_drivers::{FaxRole, Line};
use sip_common::FaxEnd;
use test_kit::iaxmodem::{self, IaxPair};
use test_kit::{efax, hylafax, wait_for_text, Proc};
use test_kit::{wall, Scratch};

/// Our line, with the time spent in its [`Line`] calls summed in
/// [`LINE_TIME`] (the bench tells the driver's share of the pump from
/// T.30's by it). Everything else of the line through `Deref`.
struct Timed(ModemLine);

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

fn timed<R>(f: impl FnOnce() -> R) -> R {
    let t0 = wall();
    let r = f();
    LINE_TIME.set(LINE_TIME.get() + (wall() - t0));
    r
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
fn our_line(rt: &tokio::runtime::Runtime, device: &Path) -> Timed {
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
    let opener = Box::new(move || {
        SerialPort::open(&handle, &settings).map(|p| {
            if trace {
                Box::new(Traced(p, wall())) as Box<dyn ModemPort>
            } else {
                Box::new(p) as Box<dyn ModemPort>
            }
        })
    });
    Timed(ModemLine::open(cfg, opener, wall()))
}

/// A port that prints what passes (`UMS_MODEM_TRACE`), with the time.
struct Traced<P>(P, Instant);

impl<P: ModemPort> Traced<P> {
    fn show(&self, dir: &str, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let shown: String = bytes
            .iter()
            .take(40)
            .map(|&b| match b {
                b' '..=b'~' => (b as char).to_string(),
                _ => format!("<{b:02x}>"),
            })
            .collect();
        eprintln!(
            "{:8.3} {dir} {shown} ({})",
            (wall() - self.1).as_secs_f64(),
            bytes.len()
        );
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
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(PORT_THREAD)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The name of the thread that runs the port task (tokio-serial).
const PORT_THREAD: &str = "modem-port";

thread_local! {
    /// Time spent inside the line and its pump (tick and step), summed by
    /// [`run`]: the driver's work on the media thread, without the 20 ms
    /// loop's sleeping and waking (the media loop's, shared by every
    /// line). Wall time read from the vDSO clock: no system call per tick,
    /// and never less than the CPU time it spans.
    static PUMP_TIME: std::cell::Cell<Duration> = const { std::cell::Cell::new(Duration::ZERO) };
    /// Of that, the time in the line (its tick and its [`Line`] calls):
    /// the driver's share; the rest is T.30's and the pump's.
    static LINE_TIME: std::cell::Cell<Duration> = const { std::cell::Cell::new(Duration::ZERO) };
    /// The same, tick by tick (nanoseconds), for the bench's distribution.
    static TICK_NS: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Drive `end` in real time (20 ms ticks) until `done` or `limit`.
fn run(
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
        let c0 = wall();
        timed(|| end.line.tick(now));
        end.step(now);
        let spent = wall() - c0;
        PUMP_TIME.set(PUMP_TIME.get() + spent);
        TICK_NS.with_borrow_mut(|t| t.push(spent.as_nanos().min(u32::MAX.into()) as u32));
        k += 1;
    }
}

/// Our line on `device`, set up and in service.
fn in_service(rt: &tokio::runtime::Runtime, device: &Path) -> FaxEnd<Timed> {
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
fn receiver(rt: &tokio::runtime::Runtime, device: &Path, rx: &Path) -> FaxEnd<Timed> {
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
fn outcome(end: &FaxEnd<Timed>) -> fax_t30::FaxOutcome {
    end.outcome()
        .unwrap_or_else(|| panic!("{:?}", end.end))
        .clone()
}

fn pages(dir: &Path, n: u32, res: Resolution) -> (Vec<BilevelPage>, PageSource) {
    pages_of(dir, n, res, PaperSize::A4.rows(res))
}

/// `n` pages of our test pattern, `rows` long each.
fn pages_of(dir: &Path, n: u32, res: Resolution, rows: u32) -> (Vec<BilevelPage>, PageSource) {
    let pages: Vec<BilevelPage> = (0..n)
        .map(|i| BilevelPage::test_pattern(PaperSize::A4.width(), rows, res, 900 + u64::from(i)))
        .collect();
    let source = PageSource::Pages {
        pages: pages.clone(),
        spool: dir.join("tx.tif"),
    };
    (pages, source)
}

/// efax answering on `device`, writing pages to `<prefix>.001`, ...
fn efax_receiver(dir: &Path, device: &Path) -> (Proc, PathBuf) {
    let log = dir.join("efax-rx.log");
    let prefix = dir.join("rx");
    let log_file = std::fs::File::create(&log).expect("log");
    let child = Command::new("efax")
        .arg("-d")
        .arg(device)
        .args(["-o1", "-iS0=1", "-w", "-l", "+1 555 0002", "-v", "ewinchmr"])
        .arg("-x")
        .arg(dir.join("LCK..efax"))
        .arg("-r")
        .arg(&prefix)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("log"))
        .stderr(log_file)
        .spawn()
        .expect("efax starts");
    assert!(
        wait_for_text(&log, "waiting for activity", Duration::from_secs(15)),
        "efax did not start: {log:?}"
    );
    (Proc(child), prefix)
}

/// Pages in a TIFF file, by libtiff's tiffinfo.
fn tiff_pages(file: &Path) -> Vec<u32> {
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

fn skip() -> bool {
    if iaxmodem::available() {
        return false;
    }
    eprintln!("skipped: needs root and iaxmodem (scripts/setup.sh --test)");
    true
}

#[test]
fn ums_sends_to_efax() {
    if skip() {
        return;
    }
    let dir = Scratch::new("modem-efax-tx");
    let pair = IaxPair::start([4571, 4572], "root:root");
    let (_efax, prefix) = efax_receiver(dir.path(), &pair.devices[1]);
    let rt = runtime();
    let mut end = in_service(&rt, &pair.devices[0]);
    assert_eq!(end.line.quirks().name, "iaxmodem / spandsp t31");
    let n = 2;
    let (src, source) = pages(dir.path(), n, Resolution::Fine);
    let options = FaxOptions {
        ident: "+49 30 100".into(),
        ecm: false,
        ..Default::default()
    };
    end.dial(
        &pair.ports[1].to_string(),
        FaxRole::Send(source),
        options,
        wall(),
    );
    let ended = run(&mut end, Duration::from_secs(180), |e| e.end.is_some());
    assert!(ended, "no end: {:?}", end.events);
    let out = outcome(&end);
    assert!(out.success, "{out:?}");
    assert_eq!(out.pages_confirmed, n);
    // efax writes one file per page.
    let mut rows = Vec::new();
    for i in 1..=n {
        let f = PathBuf::from(format!("{}.{i:03}", prefix.display()));
        rows.extend(tiff_pages(&f));
    }
    assert_eq!(
        rows,
        src.iter().map(|p| p.rows).collect::<Vec<_>>(),
        "rows of efax's pages"
    );
    assert!(run(&mut end, Duration::from_secs(15), |e| e
        .line
        .is_available()));
}

#[test]
fn efax_sends_to_ums() {
    if skip() {
        return;
    }
    let dir = Scratch::new("modem-efax-rx");
    let pair = IaxPair::start([4573, 4574], "root:root");
    let rt = runtime();
    let rx = dir.path().join("rx.tif");
    let mut end = receiver(&rt, &pair.devices[1], &rx);
    // Our set-up reset modem B (ATZ): it refuses calls for 5 s.
    std::thread::sleep(iaxmodem::BUSY_OUT_AFTER_RESET);
    let files = efax::ghostscript_pages(dir.path(), 2, "efax to ums");
    let (mut sender, log) = efax::sender(dir.path(), &pair, &files);
    let ended = run(&mut end, Duration::from_secs(180), |e| e.end.is_some());
    assert!(ended, "no call ended: {:?}", end.events);
    let out = outcome(&end);
    eprintln!("{out:?}");
    assert!(out.success, "{out:?}");
    assert_eq!(out.received_pages.len(), 2, "{out:?}");
    assert_eq!(out.remote_ident.as_deref(), Some("+1 555 0001"));
    assert_eq!(end.number.as_deref(), Some("4930100"));
    // iaxmodem A's caller id (its cidnumber) came with the RING.
    assert_eq!(
        end.caller.as_deref(),
        Some(pair.ports[0].to_string().as_str())
    );
    // Ghostscript's 2156 rows, with efax's 20-row header line on top.
    let rows = tiff_pages(&rx);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| (2156..=2176).contains(r)), "{rows:?}");
    let status = sender.0.wait().expect("efax exits");
    assert!(
        status.success(),
        "efax: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

/// efax sending 5 pages to us is killed in page 3 (its modem drops the
/// call, as a far end hanging up): our receiver ends failed, keeps pages 1
/// and 2 in its file and says how many it has; the line takes calls again.
#[test]
fn a_far_sender_that_hangs_up_in_page_3_of_5_leaves_us_2_pages() {
    if skip() {
        return;
    }
    let dir = Scratch::new("modem-efax-rx-cut");
    let pair = IaxPair::start([4587, 4588], "root:root");
    let rt = runtime();
    let rx = dir.path().join("rx.tif");
    let mut end = receiver(&rt, &pair.devices[1], &rx);
    std::thread::sleep(iaxmodem::BUSY_OUT_AFTER_RESET);
    let files = efax::ghostscript_pages(dir.path(), 5, "cut in page 3");
    let (sender, log) = efax::sender(dir.path(), &pair, &files);
    let in_page_3 = run(&mut end, Duration::from_secs(240), |e| {
        e.events
            .iter()
            .any(|ev| matches!(ev, fax_t30::FaxEvent::PageStarted { page: 3 }))
            || e.end.is_some()
    });
    assert!(
        in_page_3 && end.end.is_none(),
        "{:?}\n{}",
        end.events,
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    std::thread::sleep(Duration::from_secs(3));
    drop(sender);
    let ended = run(&mut end, Duration::from_secs(120), |e| e.end.is_some());
    assert!(ended, "no end: {:?}", end.events);
    let out = outcome(&end);
    eprintln!("{out:?}");
    assert!(!out.success, "{out:?}");
    assert_eq!(out.received_pages.len(), 2, "{out:?}");
    assert_eq!(tiff_pages(&rx).len(), 2, "the file keeps pages 1 and 2");
    let back = run(&mut end, Duration::from_secs(30), |e| e.line.is_available());
    assert!(back, "{:?}", end.line.state());
}

/// libtiff's own comparison of two files' pixels (tags ignored).
fn same_pixels(a: &Path, b: &Path) -> Result<(), String> {
    let out = Command::new("tiffcmp")
        .arg("-t")
        .arg(a)
        .arg(b)
        .output()
        .expect("tiffcmp");
    // Tag differences are printed but do not count (-t); a pixel that
    // differs is a "Scanline" line and exit 1.
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "tiffcmp: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The line between the two modems.
enum Wire {
    /// Straight, on these ports.
    Clean([u16; 2]),
    /// Through an `iaxmodem::NoisyLine` on the third port.
    Noisy([u16; 3]),
}

/// `n` A4 pages at `res`: the document of [`ums_sends_to_hylafax`].
fn a4(n: u32, res: Resolution) -> (u32, Resolution, u32) {
    (n, res, PaperSize::A4.rows(res))
}

/// `n` pages at `res`, `rows` long, with or without ECM, at V.17 (14400)
/// or V.29 (9600), over `line`.
fn ums_sends_to_hylafax(
    line: Wire,
    (n, res, rows): (u32, Resolution, u32),
    ecm: bool,
    max_rate: MaxRate,
) {
    if skip() {
        return;
    }
    let dir = Scratch::new("modem-hylafax-rx");
    let noisy = matches!(line, Wire::Noisy(_));
    let pair = match line {
        Wire::Clean(ports) => IaxPair::start(ports, "uucp:uucp"),
        Wire::Noisy([a, b, relay]) => IaxPair::start_noisy([a, b], relay, "uucp:uucp"),
    };
    let hf = hylafax::spool(dir.path(), &[&pair.devices[1]]);
    let _getty = hylafax::faxgetty(&hf, &pair.devices[1]);
    // faxgetty reset modem B (ATZ): it refuses calls for 5 s.
    std::thread::sleep(iaxmodem::BUSY_OUT_AFTER_RESET);
    let rt = runtime();
    let mut end = in_service(&rt, &pair.devices[0]);
    let (src, source) = pages_of(dir.path(), n, res, rows);
    let options = FaxOptions {
        ident: "+49 30 100".into(),
        ecm,
        max_rate,
        ..Default::default()
    };
    let t0 = wall();
    end.dial(
        &pair.ports[1].to_string(),
        FaxRole::Send(source),
        options,
        t0,
    );
    let ended = run(&mut end, Duration::from_secs(90 + 60 * u64::from(n)), |e| {
        e.end.is_some()
    });
    assert!(ended, "no end: {:?}", end.events);
    let out = outcome(&end);
    eprintln!("call {:.1} s: {out:?}", (wall() - t0).as_secs_f64());
    assert!(out.success, "{out:?}");
    assert_eq!(out.pages_confirmed, n);
    assert_eq!(out.remote_ident.as_deref(), Some("HylaFAX-1"));
    assert_eq!(out.ecm, ecm, "{out:?}");
    let rate = match max_rate {
        MaxRate::V17 => 14400,
        _ => 9600,
    };
    // A noisy line may make T.30 train down.
    if !noisy {
        assert_eq!(out.bit_rate, rate, "{out:?}");
    }
    // HylaFAX logs the call and keeps the fax in recvq.
    let xfer = hf.join("log/xferfaxlog");
    assert!(
        wait_for_text(&xfer, "\tRECV\t", Duration::from_secs(20)),
        "no RECV in xferfaxlog"
    );
    let got: Vec<PathBuf> = std::fs::read_dir(hf.join("recvq"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tif"))
        .collect();
    assert_eq!(got.len(), 1, "{got:?}");
    if !noisy || ecm {
        // (Noise without ECM may cost rows: see bad_rows_only_in_bursts.)
        assert_eq!(
            tiff_pages(&got[0]),
            src.iter().map(|p| p.rows).collect::<Vec<_>>(),
            "rows of HylaFAX's pages"
        );
    }
    if noisy && !ecm {
        // Without ECM the noise garbles rows, a few at a time, where it hit.
        bad_rows_only_in_bursts(&src, &got[0], &pair.bursts(), out.bit_rate);
    } else {
        // A clean line, or ECM on a noisy one: every row as we sent it.
        same_pixels(&dir.path().join("tx.tif"), &got[0]).unwrap();
    }
    if noisy && ecm {
        // The noise hit frames, and HylaFAX had them sent again.
        let bursts = pair.noise_bursts();
        assert!(bursts > 0, "the noisy line put no noise on the call");
        let log = hylafax_session_log(&hf);
        let pprs = log.lines().filter(|l| l.contains("PPR")).count();
        eprintln!("{bursts} noise bursts, {pprs} PPR lines in HylaFAX's log");
        assert!(pprs > 0, "no PPR in HylaFAX's session log:\n{log}");
    }
    // The line hung up cleanly and takes the next call.
    let back = run(&mut end, Duration::from_secs(20), |e| e.line.is_available());
    assert!(back, "{:?}", end.line.state());
}

/// HylaFAX's pages `got` differ from `sent` in some rows (the noise did
/// damage: at least one bad row), and each stretch of damage starts where
/// a burst hit the page's data: a burst `packet` 20 ms packets into page
/// `p`'s carrier (the `p`th long carrier: one a page without ECM) fell on
/// octet `(packet × 20 ms − training) × bit rate / 8` of the page's code,
/// in row [`row_at_octet`] of it; damage may start from [`BEFORE_BURST`]
/// rows before that row to [`AFTER_BURST`] rows after it, and covers at most
/// [`DAMAGE_MAX`] rows. Everything else arrived row for row as we sent it.
fn bad_rows_only_in_bursts(sent: &[BilevelPage], got: &Path, bursts: &[iaxmodem::Burst], bps: u32) {
    let pages = fax_t30::tiff::read_tiff_file(got).unwrap();
    assert_eq!(pages.len(), sent.len());
    assert!(
        !bursts.is_empty(),
        "the noisy line put no noise on the call"
    );
    // The training time below is V.17's (no train-down: no RTN).
    assert_eq!(bps, 14400, "the pages went at {bps} bit/s");
    // Without ECM each page is one carrier: the long carriers are the pages.
    let carriers = bursts.iter().map(|b| b.carrier).max().unwrap_or(0);
    assert_eq!(carriers as usize, sent.len(), "long carriers: {bursts:?}");
    let (mut stretches, mut on_burst, mut hit, mut rows) = (0, 0, 0, 0);
    for (i, (tiff, sent)) in pages.iter().zip(sent).enumerate() {
        let page = tiff.decode().unwrap();
        assert_eq!(page.width, sent.width, "page {}", i + 1);
        // The rows being sent when each burst of this page began.
        let code = tiff.compression;
        eprintln!("page {}: {code}", i + 1);
        let at_burst: Vec<u32> = bursts
            .iter()
            .filter(|b| b.carrier == i as u32 + 1)
            .map(|b| {
                let ms = (u64::from(b.packet) * 20).saturating_sub(V17_SHORT_TRAIN_MS);
                row_at_octet(sent, code, ms * u64::from(bps) / 8000)
            })
            .collect();
        // Rows a burst garbles may enclose a few that came through.
        let mut stretch: Vec<(u32, u32)> = Vec::new();
        for (at, len) in damage(sent, &page) {
            match stretch.last_mut() {
                Some(last) if at <= last.0 + last.1 + 5 => last.1 = at + len - last.0,
                _ => stretch.push((at, len)),
            }
        }
        eprintln!("page {}: damage (row, rows): {stretch:?}", i + 1);
        eprintln!("page {}: bursts at rows {at_burst:?}", i + 1);
        for &(at, len) in &stretch {
            // Rows after the last burst that began at most BEFORE_BURST
            // rows after the stretch did.
            let after = at_burst
                .iter()
                .filter(|&&b| b <= at + BEFORE_BURST)
                .map(|&b| at.saturating_sub(b))
                .min();
            assert!(
                after.is_some_and(|a| a <= AFTER_BURST),
                "page {}: damage from row {at} ({len} rows), {after:?} rows after a burst; \
                 bursts at rows {at_burst:?}",
                i + 1
            );
            assert!(
                len <= DAMAGE_MAX,
                "page {}: {len} rows from row {at} lost or garbled",
                i + 1
            );
            stretches += 1;
            on_burst += u32::from(after.is_some_and(|a| a <= BEFORE_BURST));
            hit += len;
        }
        rows += sent.rows;
    }
    eprintln!(
        "{} noise bursts; {stretches} stretches of damage ({on_burst} on a burst's row), \
         {hit} of {rows} rows",
        bursts.len()
    );
    // Most damage starts on the row the burst hit (give or take the
    // relay's 20 ms): the timing above is right, and not just loose.
    assert!(
        on_burst * 4 >= stretches * 3,
        "only {on_burst} of {stretches} stretches start on a burst's row"
    );
    // Noise of 12 dB SNR on V.17 garbles rows: a page without any bad row
    // would mean the comparison sees nothing.
    assert!(hit > 0, "no bad row from {} bursts", bursts.len());
}

/// V.17's short training (T.30 trains short for the pages after TCF: our
/// `+FTM=146`): segments 1–4 of 256 + 38 + 64 + 48 symbols at 2400 baud,
/// before the first bit of the page.
const V17_SHORT_TRAIN_MS: u64 = 169;

/// Damage may start this many rows before the row a burst hit (a 20 ms
/// packet, the relay's resolution, is about a row of the test pattern at
/// 14400 bit/s; and noise on a row's EOL garbles the row before); most
/// stretches start within this many rows of a burst's row either side...
const BEFORE_BURST: u32 = 2;

/// ...and none more than this many after one: a burst throws the far
/// modem's demodulator (equaliser, trellis) out, and it may err again as it
/// settles (seen up to 16 rows, about 0.4 s, later). The bursts come every
/// 0.5 s (15–30 rows), so this bounds the damage to the bursts' wake, not
/// to anywhere on the page.
const AFTER_BURST: u32 = 20;

/// The row of `page` whose code (in `code`, as [`fax_t30::codec::encode`]
/// makes it) holds octet `octet`: the code of the first `r` rows, by
/// bisection (MR's K cycle starts at row 0, so a prefix's code is the
/// page's code up to its terminator).
fn row_at_octet(page: &BilevelPage, code: fax_t30::codec::Compression, octet: u64) -> u32 {
    let stride = page.stride();
    let len = |r: u32| {
        let rows = page.data()[..r as usize * stride].to_vec();
        let prefix = BilevelPage::from_packed(page.width, r, page.resolution, rows).unwrap();
        // Less the terminator (RTC), whose length does not depend on r.
        fax_t30::codec::encode(&prefix, code).len() as u64
    };
    let rtc = len(0);
    let (mut lo, mut hi) = (0, page.rows);
    // The last r whose first r rows end at or before the octet.
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if len(mid) - rtc <= octet {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// The most rows one stretch of damage may cover: a burst throws the far
/// modem's demodulator out of step for a while (up to a second of page
/// data here, about 40 rows of the test pattern at 14400 bit/s), and MR
/// (K up to 4) carries an error on to the next 1-D row.
const DAMAGE_MAX: u32 = 64;

/// How far back a received row may match (rows split by noise).
const BEHIND_MAX: u32 = 8;

/// The stretches of `sent` that `got` lost or garbled, as (first row of
/// `sent`, rows): `got` is walked against `sent`, a row that matches a
/// row a little ahead resynchronises (the rows between were lost).
fn damage(sent: &BilevelPage, got: &BilevelPage) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    let mut open = false;
    fn mark(out: &mut Vec<(u32, u32)>, open: &mut bool, at: u32, n: u32) {
        match out.last_mut() {
            Some(last) if *open => last.1 += n,
            _ => out.push((at, n)),
        }
        *open = true;
    }
    let mut s = 0;
    for g in 0..got.rows {
        let row = got.row(g);
        let ahead = (0..=DAMAGE_MAX)
            .take_while(|k| s + k < sent.rows)
            .find(|&k| sent.row(s + k) == row);
        // A false EOL splits a row in two: we may be a row or two ahead.
        let behind = || (1..=BEHIND_MAX.min(s)).find(|&k| sent.row(s - k) == row);
        match (ahead, ahead.is_none().then(behind).flatten()) {
            (Some(0), _) => open = false,
            (Some(k), _) => {
                mark(&mut out, &mut open, s, k);
                s += k;
                open = false;
            }
            (None, Some(k)) => {
                s -= k;
                open = false;
            }
            // Garbled: it stands for the next row of ours.
            (None, None) => mark(&mut out, &mut open, s, 1),
        }
        s += 1;
    }
    if s < sent.rows {
        mark(&mut out, &mut open, s, sent.rows - s);
    }
    out
}

/// HylaFAX's session logs (`log/c*`), all of them.
fn hylafax_session_log(hf: &Path) -> String {
    let mut all = String::new();
    for e in std::fs::read_dir(hf.join("log")).unwrap().flatten() {
        if e.file_name().to_string_lossy().starts_with('c') {
            all += &std::fs::read_to_string(e.path()).unwrap_or_default();
        }
    }
    all
}

/// Two pages with ECM over a line whose noise garbles page data: the
/// frames it hits are asked for again (PPR) and sent again, and HylaFAX
/// stores every row as we sent it.
#[test]
fn ums_sends_two_pages_with_ecm_over_a_noisy_line() {
    let doc = a4(2, Resolution::Standard);
    ums_sends_to_hylafax(Wire::Noisy([4605, 4606, 4607]), doc, true, MaxRate::V17);
}

/// The same line without ECM: HylaFAX keeps what arrived, and the rows
/// that differ from ours are where the noise hit.
#[test]
fn ums_sends_two_pages_without_ecm_over_a_noisy_line() {
    let doc = a4(2, Resolution::Standard);
    ums_sends_to_hylafax(Wire::Noisy([4608, 4609, 4610]), doc, false, MaxRate::V17);
}

#[test]
fn ums_sends_one_fine_page_to_hylafax() {
    let doc = a4(1, Resolution::Fine);
    ums_sends_to_hylafax(Wire::Clean([4575, 4576]), doc, false, MaxRate::V17);
}

#[test]
fn ums_sends_three_standard_pages_to_hylafax_with_ecm() {
    let doc = a4(3, Resolution::Standard);
    ums_sends_to_hylafax(Wire::Clean([4577, 4578]), doc, true, MaxRate::V17);
}

#[test]
fn ums_sends_two_fine_pages_to_hylafax_at_9600_with_ecm() {
    let doc = a4(2, Resolution::Fine);
    ums_sends_to_hylafax(Wire::Clean([4579, 4580]), doc, true, MaxRate::V29);
}

/// Ten pages without ECM, each an eighth of A4 long (ten page ends, the
/// data of one and a quarter pages: a minute on the line, not five).
#[test]
fn ums_sends_ten_short_standard_pages_to_hylafax() {
    let (n, res, rows) = a4(10, Resolution::Standard);
    let doc = (n, res, rows / 8);
    ums_sends_to_hylafax(Wire::Clean([4603, 4604]), doc, false, MaxRate::V17);
}

/// HylaFAX's `sendfax` (faxq, faxsend, its own Class 1 T.30 with ECM) to
/// our line answering on modem B: 3 standard pages of our test pattern,
/// compared row by row below HylaFAX's tag line.
#[test]
fn hylafax_sends_to_ums_with_ecm() {
    if skip() {
        return;
    }
    let dir = Scratch::new("modem-hylafax-tx");
    let pair = IaxPair::start([4585, 4586], "uucp:uucp");
    let hf = hylafax::spool(dir.path(), &[&pair.devices[0]]);
    let rt = runtime();
    let rx = dir.path().join("rx.tif");
    let mut end = receiver(&rt, &pair.devices[1], &rx);
    let port = 4591;
    let _hylafax = hylafax::sender(&hf, &pair.devices[0], port);
    // Both modems were reset (ATZ): each refuses calls for 5 s.
    std::thread::sleep(iaxmodem::BUSY_OUT_AFTER_RESET);
    let (src, _) = pages(dir.path(), 3, Resolution::Standard);
    let doc = dir.path().join("doc.tif");
    let tiff: Vec<TiffPage> = src
        .iter()
        .map(|p| TiffPage::from_page(p, fax_t30::codec::Compression::T4OneD))
        .collect();
    fax_t30::tiff::write_tiff_file(&doc, &tiff, &Default::default()).unwrap();
    hylafax::sendfax(&pair.devices[0], port, pair.ports[1], &["-l"], &doc);
    let ended = run(&mut end, Duration::from_secs(300), |e| e.end.is_some());
    assert!(ended, "no call ended: {:?}", end.events);
    let out = outcome(&end);
    eprintln!("{out:?}");
    assert!(out.success, "{out:?}");
    assert!(out.ecm, "{out:?}");
    assert_eq!(out.received_pages.len(), 3, "{out:?}");
    assert_eq!(out.remote_ident.as_deref(), Some("HylaFAX-1"));
    let got = fax_t30::tiff::read_tiff_file(&rx).unwrap();
    assert_eq!(got.len(), 3);
    for (i, (page, sent)) in got.iter().zip(&src).enumerate() {
        let page = page.decode().unwrap();
        assert_eq!((page.width, page.rows), (sent.width, sent.rows), "page {i}");
        // HylaFAX prints its tag line over the top rows; ECM carries
        // every other row as it was.
        let differ: Vec<u32> = (0..page.rows)
            .filter(|&y| page.row(y) != sent.row(y))
            .collect();
        assert!(
            differ.iter().all(|&y| y < 60),
            "page {}: rows {:?}.. differ",
            i + 1,
            &differ[..differ.len().min(10)]
        );
        assert!(!differ.is_empty(), "no tag line on page {}", i + 1);
    }
    // The line hung up cleanly and takes the next call.
    let back = run(&mut end, Duration::from_secs(20), |e| e.line.is_available());
    assert!(back, "{:?}", end.line.state());
}

/// CPU seconds (user + system) of process `pid` and its reaped children.
fn cpu_of(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the ")" of the command name: utime is 14th overall.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    let ticks = 100.0; // USER_HZ
    f.get(11..15).map_or(0.0, |v| v.iter().sum::<f64>() / ticks)
}

/// Our own CPU seconds (this test process: the line, its port task and T.30).
fn own_cpu() -> f64 {
    cpu_of(std::process::id())
}

/// Nanosecond CPU time (the scheduler's) of the threads of `pid` whose
/// name starts with `name` (all with `""`).
fn sched_cpu(pid: u32, name: &str) -> Duration {
    let mut sum = Duration::ZERO;
    for t in std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
    {
        let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
        if !comm.starts_with(name) {
            continue;
        }
        let stat = std::fs::read_to_string(t.path().join("schedstat")).unwrap_or_default();
        let ns: u64 = stat
            .split_whitespace()
            .next()
            .and_then(|x| x.parse().ok())
            .unwrap_or(0);
        sum += Duration::from_nanos(ns);
    }
    sum
}

/// Seconds so far: the line's work on this thread (the driver), its port
/// task's thread (the driver too), and T.30's and the pump's (the rest of
/// the pump's time).
fn driver_cpu() -> [f64; 3] {
    let line = LINE_TIME.get();
    [
        line.as_secs_f64(),
        sched_cpu(std::process::id(), PORT_THREAD).as_secs_f64(),
        (PUMP_TIME.get() - line).as_secs_f64(),
    ]
}

/// How the pump's time spreads over the ticks of the call so far: where a
/// cost hides (every tick, or a few long ones).
fn tick_spread() -> String {
    let mut t = TICK_NS.with_borrow(Vec::clone);
    t.sort_unstable();
    let n = t.len().max(1);
    let at = |q: f64| t.get(((n - 1) as f64 * q) as usize).copied().unwrap_or(0) as f64 / 1e3;
    let sum = |v: &[u32]| v.iter().map(|&x| f64::from(x)).sum::<f64>() / 1e6;
    let top = &t[t.len() - t.len() / 100..];
    format!(
        "pump ticks: {} ({:.1} ms), median {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, max {:.1} µs; \
         the slowest 1% {:.1} ms",
        t.len(),
        sum(&t),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        sum(top)
    )
}

/// The pid of the iaxmodem running `modem{name}.cfg` of `pair`.
fn iaxmodem_pid(pair: &IaxPair, name: &str) -> u32 {
    let cfg = format!("{}/modem{name}.cfg", pair.dir().display());
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmd).contains(&cfg) {
            return pid;
        }
    }
    panic!("no iaxmodem for {cfg}");
}

/// The benchmark of docs/benchmarks.md ("Class 1 modems"): the same 3-page
/// fax over the same iaxmodem pair, ums → HylaFAX, then HylaFAX → HylaFAX;
/// call duration and CPU per call. `cargo nextest run -p line-drivers
/// --test modem_peers bench_against_hylafax --run-ignored only --no-capture`.
#[test]
#[ignore = "benchmark, about 4 minutes"]
fn bench_against_hylafax() {
    if skip() {
        return;
    }
    let dir = Scratch::new("modem-bench");
    let pair = IaxPair::start([4581, 4582], "uucp:uucp");
    let hf = hylafax::spool(dir.path(), &[&pair.devices[0], &pair.devices[1]]);
    let _getty_b = hylafax::faxgetty(&hf, &pair.devices[1]);
    std::thread::sleep(iaxmodem::BUSY_OUT_AFTER_RESET);
    let iax_a = iaxmodem_pid(&pair, "A");

    // ums → HylaFAX.
    let (_, source) = pages(dir.path(), 3, Resolution::Standard);
    let ours = {
        let rt = runtime();
        let mut end = in_service(&rt, &pair.devices[0]);
        let (cpu0, drv0, iax0, t0) = (own_cpu(), driver_cpu(), sched_cpu(iax_a, ""), wall());
        TICK_NS.with_borrow_mut(Vec::clear);
        end.dial(
            &pair.ports[1].to_string(),
            FaxRole::Send(source),
            FaxOptions::default(),
            t0,
        );
        assert!(run(&mut end, Duration::from_secs(400), |e| e.end.is_some()));
        let secs = (wall() - t0).as_secs_f64();
        let out = end.outcome().expect("T.30 ran").clone();
        assert!(out.success && out.pages_confirmed == 3, "{out:?}");
        let drv1 = driver_cpu();
        eprintln!("{}", tick_spread());
        let (cpu, drv, iax) = (
            own_cpu() - cpu0,
            [0, 1, 2].map(|i| drv1[i] - drv0[i]),
            (sched_cpu(iax_a, "") - iax0).as_secs_f64(),
        );
        let back = run(&mut end, Duration::from_secs(20), |e| e.line.is_available());
        assert!(back, "{:?}", end.line.state());
        (secs, cpu, iax, drv)
    };
    std::thread::sleep(iaxmodem::BUSY_OUT_AFTER_RESET);

    // HylaFAX → HylaFAX, same document, same pair.
    let port = 4589;
    let [faxq, _hfaxd, getty_a] = hylafax::sender(&hf, &pair.devices[0], port);
    std::thread::sleep(iaxmodem::BUSY_OUT_AFTER_RESET);
    let (hyla_cpu0, iax0, t0) = (
        cpu_of(faxq.0.id()) + cpu_of(getty_a.0.id()),
        cpu_of(iax_a),
        wall(),
    );
    hylafax::sendfax(
        &pair.devices[0],
        port,
        pair.ports[1],
        &["-l"],
        &dir.path().join("tx.tif"),
    );
    let xfer = hf.join("log/xferfaxlog");
    assert!(
        wait_for_text(&xfer, "\tSEND\t", Duration::from_secs(400)),
        "HylaFAX did not send"
    );
    let secs = (wall() - t0).as_secs_f64();
    std::thread::sleep(Duration::from_secs(2));
    let hyla_cpu = cpu_of(faxq.0.id()) + cpu_of(getty_a.0.id()) - hyla_cpu0;
    let hyla_iax = cpu_of(iax_a) - iax0;
    let log = std::fs::read_to_string(&xfer).unwrap();
    let send = log
        .lines()
        .find(|l| l.contains("\tSEND\t"))
        .unwrap()
        .to_string();
    let f: Vec<&str> = send.split('\t').collect();
    eprintln!("xferfaxlog SEND: {send}");
    eprintln!(
        "ums → HylaFAX:     call {:.1} s, driver CPU {:.4} s (line {:.4} s, port task {:.4} s), \
         iaxmodem A CPU {:.4} s: ratio {:.3}; T.30 and pump {:.4} s; whole test process {:.2} s",
        ours.0,
        ours.3[0] + ours.3[1],
        ours.3[0],
        ours.3[1],
        ours.2,
        (ours.3[0] + ours.3[1]) / ours.2.max(0.001),
        ours.3[2],
        ours.1
    );
    eprintln!(
        "HylaFAX → HylaFAX: submit to logged {:.1} s, xferfaxlog pages {} jobtime {} conntime {}, \
         HylaFAX CPU (faxq+faxsend+faxgetty) {:.2} s, iaxmodem A CPU {:.2} s",
        secs,
        f.get(10).unwrap_or(&"?"),
        f.get(11).unwrap_or(&"?"),
        f.get(12).unwrap_or(&"?"),
        hyla_cpu,
        hyla_iax
    );
}

/// What the program on modem B does when it rings.
#[derive(Clone, Copy)]
enum FarEnd {
    /// Holds the port open and lets it ring.
    LetsItRing,
    /// Hangs up (`ATH0`) at the first RING, as a subscriber who rejects
    /// the call: iaxmodem B ends the IAX call and A, still dialling,
    /// reports BUSY (PEERS.md).
    RejectsAtFirstRing,
}

/// ums dials modem B and the call ends before it connects; the cause.
fn dial_unconnected(ports: [u16; 2], far: FarEnd) -> line_drivers::CallEnd {
    use std::io::{Read, Write};
    let dir = Scratch::new("modem-unconnected");
    let pair = IaxPair::start(ports, "root:root");
    // Modem B's pty held open, as by a fax program.
    let b = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&pair.devices[1])
        .expect("modem B's pty");
    let mut raw = nix::sys::termios::tcgetattr(&b).expect("termios");
    nix::sys::termios::cfmakeraw(&mut raw);
    nix::sys::termios::tcsetattr(&b, nix::sys::termios::SetArg::TCSANOW, &raw).expect("raw");
    let rejected = match far {
        FarEnd::LetsItRing => None,
        FarEnd::RejectsAtFirstRing => {
            let mut b = b.try_clone().expect("pty");
            Some(std::thread::spawn(move || {
                let mut heard = Vec::new();
                let mut buf = [0u8; 256];
                while let Ok(n @ 1..) = b.read(&mut buf) {
                    heard.extend_from_slice(&buf[..n]);
                    if heard.windows(4).any(|w| w == b"RING") {
                        b.write_all(b"ATH0\r").expect("ATH0 to modem B");
                        return true;
                    }
                }
                false
            }))
        }
    };
    let rt = runtime();
    let mut end = in_service(&rt, &pair.devices[0]);
    // Our set-up reset modem A (ATZ): it refuses to dial for 5 s.
    std::thread::sleep(iaxmodem::BUSY_OUT_AFTER_RESET);
    let (_, source) = pages(dir.path(), 1, Resolution::Standard);
    end.dial(
        &pair.ports[1].to_string(),
        FaxRole::Send(source),
        FaxOptions::default(),
        wall(),
    );
    let ended = run(&mut end, Duration::from_secs(150), |e| e.end.is_some());
    assert!(ended, "no end: {:?}", end.events);
    if let Some(rejected) = rejected {
        drop(b);
        assert!(rejected.join().expect("modem B's reader"), "B never rang");
    }
    // The line is free again for the retry.
    let back = run(&mut end, Duration::from_secs(20), |e| e.line.is_available());
    assert!(back, "{:?}", end.line.state());
    end.end.clone().expect("ended")
}

/// Modem B rings and nobody answers: iaxmodem A says NO ANSWER, the job hears
/// "no answer".
#[test]
fn a_far_modem_that_rings_unanswered_is_no_answer() {
    if skip() {
        return;
    }
    let end = dial_unconnected([4595, 4596], FarEnd::LetsItRing);
    assert!(
        matches!(
            end,
            line_drivers::CallEnd::NotConnected(line_drivers::HangupCause::NoAnswer)
        ),
        "{end:?}"
    );
}

/// The far end rejects the call while it rings: BUSY from modem A, the job
/// hears "user busy" (retried later by the kernel's policy for it).
#[test]
fn a_far_end_that_rejects_the_ringing_call_is_user_busy() {
    if skip() {
        return;
    }
    let end = dial_unconnected([4601, 4602], FarEnd::RejectsAtFirstRing);
    assert!(
        matches!(
            end,
            line_drivers::CallEnd::NotConnected(line_drivers::HangupCause::UserBusy)
        ),
        "{end:?}"
    );
}

/// efax receiving 5 pages is killed in page 3 (its modem drops the call,
/// as a far end hanging up): our sender ends failed with pages 1 and 2
/// confirmed, the page to go on from for the retry.
#[test]
fn a_far_end_that_hangs_up_in_page_3_of_5_leaves_2_confirmed() {
    if skip() {
        return;
    }
    let dir = Scratch::new("modem-efax-cut");
    let pair = IaxPair::start([4597, 4598], "root:root");
    let (efax, _prefix) = efax_receiver(dir.path(), &pair.devices[1]);
    let rt = runtime();
    let mut end = in_service(&rt, &pair.devices[0]);
    let (_, source) = pages(dir.path(), 5, Resolution::Standard);
    let options = FaxOptions {
        ecm: false,
        ..Default::default()
    };
    end.dial(
        &pair.ports[1].to_string(),
        FaxRole::Send(source),
        options,
        wall(),
    );
    let in_page_3 = run(&mut end, Duration::from_secs(240), |e| {
        e.events
            .iter()
            .any(|ev| matches!(ev, fax_t30::FaxEvent::PageStarted { page: 3 }))
            || e.end.is_some()
    });
    assert!(in_page_3 && end.end.is_none(), "{:?}", end.events);
    std::thread::sleep(Duration::from_secs(2));
    drop(efax);
    let ended = run(&mut end, Duration::from_secs(120), |e| e.end.is_some());
    assert!(ended, "no end: {:?}", end.events);
    let out = outcome(&end);
    assert!(!out.success, "{out:?}");
    assert_eq!(out.pages_confirmed, 2, "{out:?}");
    assert_eq!(out.pages_total, Some(5), "{out:?}");
    let back = run(&mut end, Duration::from_secs(30), |e| e.line.is_available());
    assert!(back, "{:?}", end.line.state());
}

/// A fake modem on a real pty, driven by the test: it answers the set-up
/// like a Class 1 modem, then babbles (a stream of 8-bit noise, no line
/// end), then answers again, then goes silent (reads, answers nothing),
/// then answers again. Our line on the pty's far side, through tokio-serial
/// as in the daemon, goes out of service with the reason each time and
/// comes back by itself.
#[test]
fn a_modem_on_a_pty_that_babbles_or_goes_silent_is_out_of_service_and_comes_back() {
    use nix::fcntl::OFlag;
    use nix::pty::{grantpt, posix_openpt, ptsname_r, unlockpt};
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
    use std::sync::Arc;
    // What the fake modem does with a command line.
    const ANSWERS: u8 = 0;
    const BABBLES: u8 = 1;
    const SILENT: u8 = 2;

    let master = posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY).expect("pty");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let slave = PathBuf::from(ptsname_r(&master).expect("ptsname"));
    let mode = Arc::new(AtomicU8::new(ANSWERS));
    let stop = Arc::new(AtomicBool::new(false));
    let fake = {
        let (mode, stop) = (mode.clone(), stop.clone());
        let mut master = master;
        std::thread::spawn(move || {
            let mut line = Vec::new();
            let mut buf = [0u8; 256];
            while !stop.load(Ordering::SeqCst) {
                let n = match master.read(&mut buf) {
                    Ok(n) if n > 0 => n,
                    // No slave side open (the line closed the port to
                    // re-probe it): the master keeps the device alive.
                    _ => {
                        std::thread::sleep(Duration::from_millis(20));
                        continue;
                    }
                };
                for &b in &buf[..n] {
                    if b != b'\r' {
                        line.push(b);
                        continue;
                    }
                    let cmd = String::from_utf8_lossy(&line).to_ascii_uppercase();
                    line.clear();
                    // A modem answers command lines only (the driver's
                    // CAN before ATZ is none).
                    let Some(at) = cmd.find("AT") else {
                        continue;
                    };
                    let cmd = cmd[at..].to_string();
                    let reply: Vec<u8> = match mode.load(Ordering::SeqCst) {
                        SILENT => continue,
                        BABBLES => (0..600u32)
                            .map(|i| (i.wrapping_mul(37) as u8) | 0x80)
                            .collect(),
                        _ => {
                            let info = match cmd.trim() {
                                "ATI" | "ATI0" => "FAKE PTY MODEM\r\n",
                                "AT+FMI?" => "Fake\r\n",
                                "AT+FMM?" => "PTY\r\n",
                                "AT+FMR?" => "1.0\r\n",
                                "AT+FCLASS=?" => "0,1\r\n",
                                "AT+FTM=?" | "AT+FRM=?" => "24,48,72,96,145,146\r\n",
                                _ => "",
                            };
                            format!("\r\n{info}OK\r\n").into_bytes()
                        }
                    };
                    if master.write_all(&reply).is_err() {
                        return;
                    }
                }
            }
        })
    };
    let rt = runtime();
    let mut end = FaxEnd::new(our_line(&rt, &slave));
    assert!(
        run(&mut end, Duration::from_secs(10), |e| e.line.is_available()),
        "{:?}",
        end.line.state()
    );
    assert!(
        end.line.identity().has_class1(),
        "{:?}",
        end.line.identity()
    );
    // The idle check (an AT every 30 s) hears the noise, then nothing;
    // re-probed every 10 s, the line is back once the modem answers.
    for (n, (fault, why)) in [(BABBLES, "garbage"), (SILENT, "does not answer")]
        .into_iter()
        .enumerate()
    {
        mode.store(fault, Ordering::SeqCst);
        let out = run(&mut end, Duration::from_secs(50), |e| {
            matches!(e.line.state(), ModemLineState::OutOfService { .. })
        });
        assert!(out, "{:?}", end.line.state());
        let ModemLineState::OutOfService { reason } = end.line.state().clone() else {
            unreachable!()
        };
        assert!(reason.contains(why), "{reason}");
        assert!(!end.line.is_available());
        mode.store(ANSWERS, Ordering::SeqCst);
        let back = run(&mut end, Duration::from_secs(25), |e| e.line.is_available());
        assert!(back, "{:?}", end.line.state());
        assert_eq!(end.line.outages, n as u32 + 1);
    }
    stop.store(true, Ordering::SeqCst);
    drop(end);
    drop(rt);
    let _ = fake.join();
}
