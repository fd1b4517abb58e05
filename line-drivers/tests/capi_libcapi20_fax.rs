//! Faxes through Debian's real libcapi20, loaded at run time by
//! `capi::ffi`: a `CapiLine` on the `Libcapi20` transport (libcapi20's
//! rcapi module, pointed at the simulator's TCP shell by `$HOME/.capi20rc`
//! in a scratch directory; `/etc` untouched) and a `CapiLine` on our
//! native remote-CAPI client (`RcapiTcp`) call each other through the
//! simulator; the one media pump (`FaxCall`) runs at each end on a
//! simulated media clock. The pages received are the pages sent.
//!
//! libcapi20 reads its configuration once per process, so every test here
//! shares one simulator, started by the first (`simulator()`), with
//! enough B-channels for all of them at once; each pair of lines has its
//! own numbers.

#[path = "sip_common/mod.rs"]
mod sip_common;

use std::sync::OnceLock;
use std::time::Duration;

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{FaxOptions, PageSource};
use line_drivers::capi::controller::ControllerConfig;
use line_drivers::capi::ffi::Library;
use line_drivers::capi::libcapi20::Libcapi20;
use line_drivers::capi::line::CapiLine;
use line_drivers::capi::session::RegisterLimits;
use line_drivers::capi::sim::tcp::SimServer;
use line_drivers::capi::sim::SimConfig;
use line_drivers::capi::transport::{CapiTransport, RcapiTcp};
use line_drivers::{FaxRole, Line, LineId, SimClock};
use sip_common::FaxEnd;

const LIMITS: RegisterLimits = RegisterLimits {
    max_logical: 1,
    max_b_blocks: 7,
    max_b_len: 2048,
};

/// The simulator, and libcapi20 configured for it (its rcapi module
/// opens a connection when asked whether a CAPI is installed, and keeps
/// the configuration from then on).
fn simulator() -> &'static SimServer {
    static SIM: OnceLock<SimServer> = OnceLock::new();
    SIM.get_or_init(|| {
        let server = SimServer::start(
            SimConfig {
                b_channels: 8,
                refused: Vec::new(),
            },
            0,
        )
        .expect("simulator");
        let home = test_kit::Scratch::new("capi-libcapi20-home");
        std::fs::write(
            home.join(".capi20rc"),
            format!("REMOTE rcapi 127.0.0.1 {}\n", server.addr().port()),
        )
        .unwrap();
        let old = std::env::var_os("HOME");
        std::env::set_var("HOME", home.path());
        let lib = Library::get().expect("libcapi20 (scripts/setup.sh installs libcapi20-3)");
        let installed = lib.check_installed();
        match old {
            Some(h) => std::env::set_var("HOME", h),
            None => std::env::remove_var("HOME"),
        }
        installed.expect("libcapi20 finds the simulator");
        server
    })
}

fn config(msn: &str) -> ControllerConfig {
    ControllerConfig {
        msns: vec![msn.into()],
        calling_msn: Some(msn.into()),
        ..ControllerConfig::default()
    }
}

fn ffi_line(msn: &str) -> CapiLine<Libcapi20> {
    simulator();
    let t = Libcapi20::open(LIMITS, 1).expect("libcapi20 registers");
    assert_eq!(t.profile().b_channels, 8, "the simulator's profile");
    assert!(t.app_id() > 0);
    CapiLine::new(LineId(format!("capi/ffi/{msn}")), config(msn), t)
}

fn native_line(msn: &str) -> CapiLine<RcapiTcp> {
    let t =
        RcapiTcp::connect(simulator().addr(), LIMITS, 1, Duration::from_secs(5)).expect("rcapi");
    CapiLine::new(LineId(format!("capi/native/{msn}")), config(msn), t)
}

fn pages(n: u32, res: Resolution) -> Vec<BilevelPage> {
    (0..n)
        .map(|i| {
            BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(res),
                res,
                700 + u64::from(i),
            )
        })
        .collect()
}

/// `a` sends `n` pages to `b` (whose MSN is `to`); both must end well and
/// the pages must arrive as sent.
fn fax<S: CapiTransport, R: CapiTransport>(
    a: CapiLine<S>,
    b: CapiLine<R>,
    to: &str,
    n: u32,
    res: Resolution,
    ecm: bool,
) {
    let dir = test_kit::Scratch::new("capi-libcapi20-fax");
    let mut a = FaxEnd::new(a);
    let mut b = FaxEnd::receiver(b, dir.join("rx.tif"), FaxOptions::default());
    let mut clock = SimClock::new(test_kit::origin());
    let sent = pages(n, res);
    let source = PageSource::Pages {
        pages: sent.clone(),
        spool: dir.join("tx.tif"),
    };
    let mut tick = |a: &mut FaxEnd<CapiLine<S>>, b: &mut FaxEnd<CapiLine<R>>| {
        // Media time is simulated; a millisecond of real time lets the
        // simulator's threads pass each tick's blocks over loopback.
        std::thread::sleep(Duration::from_millis(1));
        let now = clock.tick();
        a.line.tick(now);
        b.line.tick(now);
        a.step(now);
        b.step(now);
        now
    };
    let now = tick(&mut a, &mut b);
    let options = FaxOptions {
        ecm,
        ..FaxOptions::default()
    };
    a.dial(to, FaxRole::Send(source), options, now);
    let mut ticks = 0;
    while !(a.end.is_some() && b.end.is_some()) {
        assert!(
            ticks < 3000 + 2500 * n,
            "A: {:?} {:?}\nB: {:?} {:?}",
            a.end,
            a.line.fault(),
            b.end,
            b.line.fault()
        );
        tick(&mut a, &mut b);
        ticks += 1;
    }
    let out = a.outcome().unwrap_or_else(|| panic!("{:?}", a.end));
    assert!(out.success, "{out:?}");
    assert_eq!(out.pages_confirmed, n);
    assert_eq!(out.ecm, ecm);
    let got = b.outcome().unwrap_or_else(|| panic!("{:?}", b.end));
    assert!(got.success, "{got:?}");
    assert_eq!(b.number.as_deref(), Some(to));
    let file = got.file.clone().expect("received file");
    let received: Vec<BilevelPage> = fax_t30::tiff::read_tiff_file(&file)
        .expect("received TIFF")
        .iter()
        .map(|p| p.decode().expect("page decodes"))
        .collect();
    assert_eq!(received.len(), n as usize);
    assert!(received == sent, "received pages differ from the sent ones");
    assert!(a.line.is_available() && b.line.is_available());
    assert_eq!(simulator().stats().bad_frames, 0);
}

#[test]
fn libcapi20_sends_one_fine_page_to_the_native_client() {
    fax(
        ffi_line("1101"),
        native_line("1102"),
        "1102",
        1,
        Resolution::Fine,
        false,
    );
}

#[test]
fn the_native_client_sends_one_fine_page_to_libcapi20() {
    fax(
        native_line("1201"),
        ffi_line("1202"),
        "1202",
        1,
        Resolution::Fine,
        false,
    );
}

#[test]
fn libcapi20_sends_three_pages_with_ecm_to_the_native_client() {
    fax(
        ffi_line("1301"),
        native_line("1302"),
        "1302",
        3,
        Resolution::Standard,
        true,
    );
}

#[test]
fn the_native_client_sends_three_pages_with_ecm_to_libcapi20() {
    fax(
        native_line("1401"),
        ffi_line("1402"),
        "1402",
        3,
        Resolution::Standard,
        true,
    );
}

#[test]
fn a_missing_library_is_a_clear_error_naming_the_package() {
    let err = Library::load("libcapi20-not-there.so.3")
        .err()
        .expect("no such library");
    let text = err.to_string();
    assert!(text.contains("libcapi20-3"), "{text}");
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    // A library without CAPI's functions is refused, not called.
    let err = Library::load("libc.so.6").err().expect("libc is no CAPI");
    assert!(err.to_string().contains("is not libcapi20"), "{err}");
}
