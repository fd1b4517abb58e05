//! Our modem driver against efax, over two iaxmodem soft modems wired back
//! to back (test_kit::iaxmodem): our `ModemLine` (tokio-serial on one
//! modem's pty) sends to efax on the other and receives from it, in real
//! time, whole and cut in page 3. Needs root and the fax packages
//! (scripts/setup.sh --test).

#[path = "modem_kit/mod.rs"]
mod modem_kit;
#[path = "sip_common/mod.rs"]
mod sip_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use fax_t30::page::Resolution;
use fax_t30::FaxOptions;
use line_drivers::{FaxRole, Line};
use modem_kit::*;
use sip_common::FaxEnd;
use test_kit::iaxmodem::{self, IaxPair};
use test_kit::{efax, wait_for_text, Proc};
use test_kit::{wall, Scratch};

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

/// efax answering on modem B, and our line on A, in service, to send to it.
struct ToEfax {
    end: FaxEnd<Timed>,
    /// efax (dropping it kills it: the far end hangs up).
    efax: Proc,
    /// efax writes page `i` to `<prefix>.00i`.
    prefix: PathBuf,
    _rt: tokio::runtime::Runtime,
    pair: IaxPair,
    dir: Scratch,
}

impl ToEfax {
    /// The set-up, in scratch directory `name`, on UDP `ports`.
    fn start(name: &str, ports: [u16; 2]) -> ToEfax {
        let dir = Scratch::new(name);
        let pair = IaxPair::start(ports, "root:root");
        let (efax, prefix) = efax_receiver(dir.path(), &pair.devices[1]);
        let rt = runtime();
        let end = in_service(&rt, &pair.devices[0]);
        ToEfax {
            end,
            efax,
            prefix,
            _rt: rt,
            pair,
            dir,
        }
    }

    /// Dial efax to send it `n` pages of our pattern at `res`, offering
    /// ECM or not (efax has none: its DIS says so).
    fn send(&mut self, n: u32, res: Resolution, ecm: bool) -> Vec<fax_t30::page::BilevelPage> {
        let (src, source) = pages(self.dir.path(), n, res);
        let options = FaxOptions {
            ident: "+49 30 100".into(),
            ecm,
            ..Default::default()
        };
        self.end.dial(
            &self.pair.ports[1].to_string(),
            FaxRole::Send(source),
            options,
            wall(),
        );
        src
    }
}

/// Our line answering on modem B as a receiver into `rx`, and efax on A
/// sending it `n` pages of Ghostscript's (with `title` on them).
struct FromEfax {
    end: FaxEnd<Timed>,
    rx: PathBuf,
    /// efax (dropping it kills it: the far end hangs up).
    sender: Proc,
    /// Its log.
    log: PathBuf,
    _rt: tokio::runtime::Runtime,
    pair: IaxPair,
    _dir: Scratch,
}

impl FromEfax {
    /// The set-up, in scratch directory `name`, on UDP `ports`.
    fn start(name: &str, ports: [u16; 2], n: u32, title: &str) -> FromEfax {
        let dir = Scratch::new(name);
        let pair = IaxPair::start(ports, "root:root");
        let rt = runtime();
        let rx = dir.path().join("rx.tif");
        let end = receiver(&rt, &pair.devices[1], &rx);
        // Our set-up reset modem B (ATZ): it refuses calls for 5 s.
        std::thread::sleep(iaxmodem::BUSY_OUT_AFTER_RESET);
        let files = efax::ghostscript_pages(dir.path(), n, title);
        let (sender, log) = efax::sender(dir.path(), &pair, &files);
        FromEfax {
            end,
            rx,
            sender,
            log,
            _rt: rt,
            pair,
            _dir: dir,
        }
    }

    /// efax's log so far.
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// True once T.30 has started page 3, or the call ended.
fn in_page_3_or_ended(e: &mut FaxEnd<Timed>) -> bool {
    e.events
        .iter()
        .any(|ev| matches!(ev, fax_t30::FaxEvent::PageStarted { page: 3 }))
        || e.end.is_some()
}

#[test]
fn ums_sends_to_efax() {
    if skip() {
        return;
    }
    let _traffic = TrafficOnPanic::watch();
    let mut t = ToEfax::start("modem-efax-tx", [4571, 4572]);
    assert_eq!(t.end.line.quirks().name, "iaxmodem / spandsp t31");
    let n = 2;
    // ECM offered, as by default: efax's DIS has none, the call goes without.
    let src = t.send(n, Resolution::Fine, true);
    let ended = run(&mut t.end, Duration::from_secs(180), |e| e.end.is_some());
    assert!(ended, "no end: {:?}", t.end.events);
    let out = outcome(&t.end);
    assert!(out.success, "{out:?}");
    assert_eq!(out.pages_confirmed, n);
    assert!(!out.ecm, "{out:?}");
    // efax writes one file per page.
    let mut rows = Vec::new();
    for i in 1..=n {
        let f = PathBuf::from(format!("{}.{i:03}", t.prefix.display()));
        rows.extend(tiff_pages(&f));
    }
    assert_eq!(
        rows,
        src.iter().map(|p| p.rows).collect::<Vec<_>>(),
        "rows of efax's pages"
    );
    assert!(run(&mut t.end, Duration::from_secs(15), |e| e
        .line
        .is_available()));
}

/// efax receiving 5 pages is killed in page 3 (its modem drops the call,
/// as a far end hanging up): our sender ends failed with pages 1 and 2
/// confirmed, the page to go on from for the retry.
#[test]
fn a_far_end_that_hangs_up_in_page_3_of_5_leaves_2_confirmed() {
    if skip() {
        return;
    }
    let _traffic = TrafficOnPanic::watch();
    let mut t = ToEfax::start("modem-efax-cut", [4597, 4598]);
    t.send(5, Resolution::Standard, false);
    let in_page_3 = run(&mut t.end, Duration::from_secs(240), in_page_3_or_ended);
    assert!(in_page_3 && t.end.end.is_none(), "{:?}", t.end.events);
    std::thread::sleep(Duration::from_secs(2));
    drop(t.efax);
    let ended = run(&mut t.end, Duration::from_secs(120), |e| e.end.is_some());
    assert!(ended, "no end: {:?}", t.end.events);
    let out = outcome(&t.end);
    assert!(!out.success, "{out:?}");
    assert_eq!(out.pages_confirmed, 2, "{out:?}");
    assert_eq!(out.pages_total, Some(5), "{out:?}");
    let back = run(&mut t.end, Duration::from_secs(30), |e| {
        e.line.is_available()
    });
    assert!(back, "{:?}", t.end.line.state());
}

#[test]
fn efax_sends_to_ums() {
    if skip() {
        return;
    }
    let _traffic = TrafficOnPanic::watch();
    let mut t = FromEfax::start("modem-efax-rx", [4573, 4574], 2, "efax to ums");
    let ended = run(&mut t.end, Duration::from_secs(180), |e| e.end.is_some());
    assert!(ended, "no call ended: {:?}", t.end.events);
    let out = outcome(&t.end);
    eprintln!("{out:?}");
    assert!(out.success, "{out:?}");
    assert_eq!(out.received_pages.len(), 2, "{out:?}");
    assert_eq!(out.remote_ident.as_deref(), Some("+1 555 0001"));
    assert_eq!(t.end.number.as_deref(), Some("4930100"));
    // iaxmodem A's caller id (its cidnumber) came with the RING.
    assert_eq!(
        t.end.caller.as_deref(),
        Some(t.pair.ports[0].to_string().as_str())
    );
    // Ghostscript's 2156 rows, with efax's 20-row header line on top.
    let rows = tiff_pages(&t.rx);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| (2156..=2176).contains(r)), "{rows:?}");
    let status = t.sender.0.wait().expect("efax exits");
    assert!(status.success(), "efax: {}", t.log());
}

/// efax sending 5 pages to us is killed in page 3 (its modem drops the
/// call, as a far end hanging up): our receiver ends failed, keeps pages 1
/// and 2 in its file and says how many it has; the line takes calls again.
#[test]
fn a_far_sender_that_hangs_up_in_page_3_of_5_leaves_us_2_pages() {
    if skip() {
        return;
    }
    let _traffic = TrafficOnPanic::watch();
    let mut t = FromEfax::start("modem-efax-rx-cut", [4587, 4588], 5, "cut in page 3");
    let in_page_3 = run(&mut t.end, Duration::from_secs(240), in_page_3_or_ended);
    assert!(
        in_page_3 && t.end.end.is_none(),
        "{:?}\n{}",
        t.end.events,
        t.log()
    );
    std::thread::sleep(Duration::from_secs(3));
    drop(t.sender);
    let ended = run(&mut t.end, Duration::from_secs(120), |e| e.end.is_some());
    assert!(ended, "no end: {:?}", t.end.events);
    let out = outcome(&t.end);
    eprintln!("{out:?}");
    assert!(!out.success, "{out:?}");
    assert_eq!(out.received_pages.len(), 2, "{out:?}");
    assert_eq!(tiff_pages(&t.rx).len(), 2, "the file keeps pages 1 and 2");
    let back = run(&mut t.end, Duration::from_secs(30), |e| {
        e.line.is_available()
    });
    assert!(back, "{:?}", t.end.line.state());
}
