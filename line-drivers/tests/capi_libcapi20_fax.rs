//! Faxes through Debian's real libcapi20, loaded at run time by
//! `capi::ffi`: a `CapiLine` on the `Libcapi20` transport (libcapi20's
//! rcapi module, pointed at the simulator's TCP shell by `$HOME/.capi20rc`
//! in a scratch directory; `/etc` untouched) and a `CapiLine` on our
//! native remote-CAPI client (`RcapiTcp`) call each other through the
//! simulator; the one media pump (`FaxCall`) runs at each end on a
//! simulated media clock. The pages received are the pages sent.
//!
//! libcapi20 reads its configuration once per process, so every test here
//! shares one simulator, started by the first (`capi_common::simulator`),
//! with enough B-channels for all of them at once; each pair of lines has
//! its own numbers.

mod capi_common;
#[path = "sip_common/mod.rs"]
mod sip_common;

use std::time::Duration;

use capi_common::{ffi_line, native_line, simulator};
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{FaxOptions, PageSource};
use line_drivers::capi::ffi::Library;
use line_drivers::capi::line::CapiLine;
use line_drivers::capi::transport::CapiTransport;
use line_drivers::{FaxRole, Line, SimClock};
use sip_common::FaxEnd;

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
        // Media time is simulated: real time passes until the simulator
        // has read each tick's blocks.
        capi_common::settle(simulator(), Duration::from_millis(1));
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
