//! Faxes between ums on a CAPI B-channel and the loopback exchange's
//! virtual fax machines, through the simulated controller: ums's line is
//! a `CapiLine` through Debian's libcapi20 (its rcapi module) or through
//! our native remote-CAPI client; the simulator takes the call to its
//! `ExchangeGateway` (a port of the controller paired with a line of the
//! exchange), which dials the virtual fax machine on the exchange — and
//! the other way round for the machine's calls. The one media pump
//! (`FaxCall`) runs at ums's end and in the machine, on a simulated media
//! clock. libtiff's `tiffcmp` and `tiffinfo` judge the pages: those
//! received have the pixels of those sent.
//!
//! Ten-page faxes have pages an eighth of A4 long (ten page ends at a
//! sane cost in real time, as the modem tests do); one per transport and
//! direction.

mod capi_common;
#[path = "sip_common/mod.rs"]
mod sip_common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use capi_common::{ffi_line, native_line, native_line_with, simulator};
use fax_t30::codec::Compression;
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::tiff::{write_tiff_file, TiffMeta, TiffPage};
use fax_t30::{FaxOptions, PageSource};
use line_drivers::capi::controller::ControllerConfig;
use line_drivers::capi::line::CapiLine;
use line_drivers::capi::sim::exchange::ExchangeGateway;
use line_drivers::capi::transport::{CapiTransport, RcapiTcp};
use line_drivers::fax_machine::{ReceivedFax, SentFax, VirtualFaxMachine};
use line_drivers::loopback::{ExchangeConfig, LineIndex, PathStats, SharedExchange};
use line_drivers::{FaxRole, Line, LineCaps, SimClock};
use sip_common::FaxEnd;
use test_kit::libtiff;

/// A document: `n` pages at `res`, `rows` long.
struct Doc {
    n: u32,
    res: Resolution,
    rows: u32,
}

impl Doc {
    fn a4(n: u32, res: Resolution) -> Doc {
        Doc {
            n,
            res,
            rows: PaperSize::A4.rows(res),
        }
    }

    fn short(n: u32, res: Resolution) -> Doc {
        Doc {
            n,
            res,
            rows: PaperSize::A4.rows(res) / 8,
        }
    }

    fn pages(&self) -> Vec<BilevelPage> {
        (0..self.n)
            .map(|i| {
                BilevelPage::test_pattern(
                    PaperSize::A4.width(),
                    self.rows,
                    self.res,
                    500 + u64::from(i),
                )
            })
            .collect()
    }
}

/// ums's line and the far side: the exchange with one virtual fax machine
/// on `machine_number`, the gateway's port between the controller and the
/// exchange (answering `machine_number` on CAPI, and `ums_msn` on the
/// exchange).
struct World<T: CapiTransport> {
    dir: test_kit::Scratch,
    clock: SimClock,
    exchange: SharedExchange,
    gateway: ExchangeGateway<RcapiTcp>,
    machine: VirtualFaxMachine,
    ums: FaxEnd<CapiLine<T>>,
    ums_msn: String,
    machine_number: String,
    received: Vec<ReceivedFax>,
    sent: Vec<SentFax>,
    machine_ix: LineIndex,
    /// The exchange's counters towards the machine, as last seen in a call.
    path: Option<PathStats>,
}

impl<T: CapiTransport> World<T> {
    fn new(ums: CapiLine<T>, ums_msn: &str, machine_number: &str) -> World<T> {
        let dir = test_kit::Scratch::new("capi-exchange-fax");
        let exchange = SharedExchange::new(ExchangeConfig::default());
        let machine_line = exchange.add_line(machine_number, LineCaps::FAX).unwrap();
        let machine_ix = machine_line.index();
        let machine =
            VirtualFaxMachine::new(Box::new(machine_line), dir.subdir("machine"), "VIRTUAL FAX");
        let mut gateway = ExchangeGateway::new();
        let port = native_line_with(
            &format!("gw-{machine_number}"),
            ControllerConfig {
                msns: vec![machine_number.into()],
                calling_msn: Some(machine_number.into()),
                ..ControllerConfig::default()
            },
        );
        gateway.add_port(port, exchange.add_line(ums_msn, LineCaps::ALL).unwrap());
        let mut world = World {
            dir,
            clock: SimClock::new(test_kit::origin()),
            exchange,
            gateway,
            machine,
            ums: FaxEnd::new(ums),
            ums_msn: ums_msn.into(),
            machine_number: machine_number.into(),
            received: Vec::new(),
            sent: Vec::new(),
            machine_ix,
            path: None,
        };
        world.tick(); // LISTEN_CONFs
        world
    }

    fn tick(&mut self) -> Instant {
        // Media time is simulated: real time passes until the simulator
        // has read each tick's blocks.
        capi_common::settle(simulator(), Duration::from_millis(1));
        let now = self.clock.tick();
        self.ums.line.tick(now);
        self.gateway.tick(now);
        self.exchange.tick(now);
        self.machine.tick(now);
        self.ums.step(now);
        self.received = self.machine.received().to_vec();
        self.sent.extend(self.machine.take_sent());
        if let Some(p) = self.exchange.borrow().received_stats(self.machine_ix) {
            self.path = Some(p);
        }
        now
    }

    /// Ticks until `done`, at most `ticks` times.
    fn run(&mut self, ticks: u32, done: impl Fn(&World<T>) -> bool) {
        for _ in 0..ticks {
            if done(self) {
                return;
            }
            self.tick();
        }
        panic!(
            "ums: {:?} {:?}\nmachine: received {:?} sent {:?}\ngateway: {:?}",
            self.ums.end,
            self.ums.line.fault(),
            self.received,
            self.sent,
            self.gateway.stats()
        );
    }

    fn idle(&self) -> bool {
        self.ums.line.is_idle() && self.gateway.is_idle() && self.machine.is_idle()
    }

    fn tif(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// The pages of `got` are those of `sent`, by libtiff.
fn same_pages(sent: &Path, got: &Path, doc: &Doc) {
    assert_eq!(libtiff::page_lengths(got), vec![doc.rows; doc.n as usize]);
    libtiff::same_pixels(sent, got).unwrap_or_else(|e| panic!("{e}"));
}

/// ums sends `doc` to the virtual fax machine.
fn ums_sends<T: CapiTransport>(ums: CapiLine<T>, msn: &str, machine: &str, doc: Doc, ecm: bool) {
    let mut w = World::new(ums, msn, machine);
    let spool = w.tif("tx.tif");
    let source = PageSource::Pages {
        pages: doc.pages(),
        spool: spool.clone(),
    };
    let options = FaxOptions {
        ident: "UMS CAPI".into(),
        ecm,
        ..FaxOptions::default()
    };
    let now = w.clock.now();
    w.ums.dial(machine, FaxRole::Send(source), options, now);
    w.run(4000 + 2500 * doc.n, |w| {
        w.ums.end.is_some() && w.received.len() == 1 && w.idle()
    });
    let out = w.ums.outcome().unwrap_or_else(|| panic!("{:?}", w.ums.end));
    assert!(
        out.success,
        "{out:?}\nmachine: {:?}\npath: {:?}\nsimulator: {:?}",
        w.received,
        w.path,
        simulator().stats()
    );
    assert_eq!(out.pages_confirmed, doc.n);
    assert_eq!(out.ecm, ecm);
    assert_eq!(out.remote_ident.as_deref(), Some("VIRTUAL FAX"));
    let got = &w.received[0];
    assert!(got.outcome.success, "{:?}", got.outcome);
    assert_eq!(got.outcome.received_pages.len(), doc.n as usize);
    assert_eq!(got.caller.as_deref(), Some(w.ums_msn.as_str()));
    same_pages(&spool, &got.file, &doc);
    assert_eq!(w.gateway.stats().bridged, 1);
    assert_eq!(simulator().stats().bad_frames, 0);
}

/// The virtual fax machine sends `doc` to ums.
fn machine_sends<T: CapiTransport>(
    ums: CapiLine<T>,
    msn: &str,
    machine: &str,
    doc: Doc,
    ecm: bool,
) {
    let mut w = World::new(ums, msn, machine);
    let document = w.tif("doc.tif");
    let pages: Vec<TiffPage> = doc
        .pages()
        .iter()
        .map(|p| TiffPage::from_page(p, Compression::T4OneD))
        .collect();
    write_tiff_file(&document, &pages, &TiffMeta::default()).expect("document");
    let rx = w.tif("rx.tif");
    let options = FaxOptions {
        ident: "UMS CAPI".into(),
        ecm,
        ..FaxOptions::default()
    };
    w.ums.answer_with = Some((FaxRole::Receive { file: rx.clone() }, options));
    let now = w.clock.now();
    w.machine
        .send_fax(msn, document.clone(), now)
        .expect("dial");
    w.run(4000 + 2500 * doc.n, |w| {
        w.ums.end.is_some() && w.sent.len() == 1 && w.idle()
    });
    let sent = &w.sent[0];
    assert_eq!(sent.cause, None, "{sent:?}");
    let out = sent.outcome.as_ref().expect("the machine's outcome");
    assert!(out.success, "{out:?}");
    assert_eq!(out.pages_confirmed, doc.n);
    assert_eq!(out.ecm, ecm);
    let got = w.ums.outcome().unwrap_or_else(|| panic!("{:?}", w.ums.end));
    assert!(got.success, "{got:?}");
    assert_eq!(got.received_pages.len(), doc.n as usize);
    assert_eq!(w.ums.number.as_deref(), Some(msn));
    assert_eq!(w.ums.caller.as_deref(), Some(w.machine_number.as_str()));
    same_pages(&document, got.file.as_ref().expect("received file"), &doc);
    assert_eq!(w.gateway.stats().bridged, 1);
    assert_eq!(simulator().stats().bad_frames, 0);
}

#[test]
fn ums_through_libcapi20_sends_one_fine_page_to_a_virtual_fax_machine() {
    ums_sends(
        ffi_line("2101"),
        "2101",
        "5101",
        Doc::a4(1, Resolution::Fine),
        false,
    );
}

#[test]
fn ums_through_the_native_client_sends_three_pages_with_ecm_to_a_virtual_fax_machine() {
    ums_sends(
        native_line("2201"),
        "2201",
        "5201",
        Doc::a4(3, Resolution::Standard),
        true,
    );
}

#[test]
fn a_virtual_fax_machine_sends_three_pages_with_ecm_to_ums_through_libcapi20() {
    machine_sends(
        ffi_line("2301"),
        "2301",
        "5301",
        Doc::a4(3, Resolution::Standard),
        true,
    );
}

#[test]
fn a_virtual_fax_machine_sends_one_fine_page_to_ums_through_the_native_client() {
    machine_sends(
        native_line("2401"),
        "2401",
        "5401",
        Doc::a4(1, Resolution::Fine),
        false,
    );
}

#[test]
fn ums_through_libcapi20_sends_ten_pages_to_a_virtual_fax_machine() {
    ums_sends(
        ffi_line("2501"),
        "2501",
        "5501",
        Doc::short(10, Resolution::Standard),
        false,
    );
}

#[test]
fn ums_through_the_native_client_sends_ten_pages_with_ecm_to_a_virtual_fax_machine() {
    ums_sends(
        native_line("2601"),
        "2601",
        "5601",
        Doc::short(10, Resolution::Standard),
        true,
    );
}

#[test]
fn a_virtual_fax_machine_sends_ten_pages_with_ecm_to_ums_through_libcapi20() {
    machine_sends(
        ffi_line("2701"),
        "2701",
        "5701",
        Doc::short(10, Resolution::Standard),
        true,
    );
}

#[test]
fn a_virtual_fax_machine_sends_ten_pages_to_ums_through_the_native_client() {
    machine_sends(
        native_line("2801"),
        "2801",
        "5801",
        Doc::short(10, Resolution::Standard),
        false,
    );
}
