//! Our modem driver against HylaFAX, over two iaxmodem soft modems wired
//! back to back (test_kit::iaxmodem): our `ModemLine` (tokio-serial on
//! modem A's pty) sends to HylaFAX on modem B and receives from it, in real
//! time; calls that never connect (busy, no answer), and a fake modem on a
//! pty that fails. efax: `modem_efax.rs`; the benchmark: `modem_bench.rs`.
//! Needs root and the fax packages (scripts/setup.sh --test).

#[path = "modem_kit/mod.rs"]
mod modem_kit;
#[path = "sip_common/mod.rs"]
mod sip_common;

#[path = "modem_peers/noise.rs"]
mod noise;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use fax_t30::page::{PaperSize, Resolution};
use fax_t30::tiff::TiffPage;
use fax_t30::{FaxOptions, MaxRate};
use line_drivers::modem::ModemLineState;
use line_drivers::{FaxRole, Line};
use modem_kit::*;
use sip_common::FaxEnd;
use test_kit::iaxmodem::{self, IaxPair};
use test_kit::{hylafax, wait_for_text};
use test_kit::{wall, Scratch};

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
    let _traffic = TrafficOnPanic::watch();
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
        noise::bad_rows_only_in_bursts(&src, &got[0], &pair.bursts(), out.bit_rate);
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
    let _traffic = TrafficOnPanic::watch();
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
