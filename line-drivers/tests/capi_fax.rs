//! A fax over CAPI B-channels: two `CapiLine`s (two applications of one
//! simulated controller, `capi::sim::local`), the one media pump
//! (`FaxCall`, through the SIP tests' `FaxEnd` harness) at each end, on a
//! simulated clock. The audio goes as bit-reversed A-law in DATA_B3
//! blocks through the simulator and T.30 runs on it unchanged; the pages
//! received are the pages sent, pixel for pixel. Also: the caller's
//! number reaches the receiver, a busy receiver, and the transport going
//! away mid-call.

#[path = "sip_common/mod.rs"]
mod sip_common;

use std::path::Path;
use std::time::Duration;

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{FaxOptions, PageSource};
use line_drivers::capi::controller::ControllerConfig;
use line_drivers::capi::line::CapiLine;
use line_drivers::capi::sim::local::{SharedSim, SimTransport};
use line_drivers::capi::sim::SimConfig;
use line_drivers::fax_call::CallEnd;
use line_drivers::{FaxRole, HangupCause, Line, LineId, SimClock};
use sip_common::FaxEnd;

fn pages(n: u32, res: Resolution) -> Vec<BilevelPage> {
    (0..n)
        .map(|i| {
            BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(res),
                res,
                900 + u64::from(i),
            )
        })
        .collect()
}

fn line(sim: &SharedSim, name: &str, msn: &str) -> CapiLine<SimTransport> {
    let config = ControllerConfig {
        msns: vec![msn.into()],
        calling_msn: Some(msn.into()),
        ..ControllerConfig::default()
    };
    CapiLine::new(LineId(name.into()), config, sim.connect())
}

struct Bench {
    clock: SimClock,
    sim: SharedSim,
    a: FaxEnd<CapiLine<SimTransport>>,
    b: FaxEnd<CapiLine<SimTransport>>,
}

impl Bench {
    fn new(dir: &Path, channels: u16) -> Bench {
        let sim = SharedSim::new(SimConfig {
            b_channels: channels,
            refused: Vec::new(),
        });
        let a = FaxEnd::new(line(&sim, "capi/1/1", "100"));
        let b = FaxEnd::receiver(
            line(&sim, "capi/1/2", "200"),
            dir.join("rx.tif"),
            FaxOptions {
                ident: "UMS CAPI B".into(),
                ..Default::default()
            },
        );
        let mut bench = Bench {
            clock: SimClock::new(test_kit::origin()),
            sim,
            a,
            b,
        };
        bench.tick(); // LISTEN_CONF
        bench
    }

    fn tick(&mut self) {
        let now = self.clock.tick();
        self.a.line.tick(now);
        self.b.line.tick(now);
        self.a.step(now);
        self.b.step(now);
    }

    fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&Bench) -> bool) -> bool {
        let start = self.clock.now();
        while self.clock.now() - start < limit {
            if done(self) {
                return true;
            }
            self.tick();
        }
        false
    }
}

fn send(n: u32, res: Resolution, ecm: bool) {
    let dir = test_kit::Scratch::new("capi-fax");
    let mut b = Bench::new(dir.path(), 2);
    let sent = pages(n, res);
    let options = FaxOptions {
        ident: "UMS CAPI A".into(),
        ecm,
        ..Default::default()
    };
    let now = b.clock.now();
    let source = PageSource::Pages {
        pages: sent.clone(),
        spool: dir.join("tx.tif"),
    };
    b.a.dial("200", FaxRole::Send(source), options, now);
    let ended = b.run_until(Duration::from_secs(60 + 40 * u64::from(n)), |b| {
        b.a.end.is_some() && b.b.end.is_some() && b.a.line.is_idle() && b.b.line.is_idle()
    });
    assert!(
        ended,
        "A: {:?} {:?}\nB: {:?} {:?}",
        b.a.end, b.a.events, b.b.end, b.b.events
    );
    let out = b.a.outcome().unwrap_or_else(|| panic!("{:?}", b.a.end));
    assert!(out.success, "{out:?}");
    assert_eq!(out.pages_confirmed, n);
    assert_eq!(out.ecm, ecm);
    assert_eq!(out.bit_rate, 14400, "a clean 64 kbit/s channel");
    assert_eq!(out.remote_ident.as_deref(), Some("UMS CAPI B"));
    let got = b.b.outcome().unwrap_or_else(|| panic!("{:?}", b.b.end));
    assert!(got.success, "{got:?}");
    assert_eq!(got.received_pages.len(), n as usize);
    assert_eq!(b.b.number.as_deref(), Some("200"));
    assert_eq!(b.b.caller.as_deref(), Some("100"));
    let file = got.file.clone().expect("received file");
    let received: Vec<BilevelPage> = fax_t30::tiff::read_tiff_file(&file)
        .expect("received TIFF")
        .iter()
        .map(|p| p.decode().expect("page decodes"))
        .collect();
    assert!(received == sent, "received pages differ from the sent ones");
    assert_eq!(b.sim.channels_in_use(), 0);
    assert_eq!(b.sim.stats().bad_frames, 0);
}

#[test]
fn sends_one_fine_page_over_capi() {
    send(1, Resolution::Fine, false);
}

#[test]
fn sends_three_standard_pages_with_ecm_over_capi() {
    send(3, Resolution::Standard, true);
}

#[test]
fn sends_ten_standard_pages_without_ecm_over_capi() {
    send(10, Resolution::Standard, false);
}

#[test]
fn a_call_dropped_during_page_three_keeps_pages_one_and_two() {
    let dir = test_kit::Scratch::new("capi-fax-drop");
    let mut b = Bench::new(dir.path(), 2);
    let sent = pages(5, Resolution::Standard);
    let source = PageSource::Pages {
        pages: sent.clone(),
        spool: dir.join("tx.tif"),
    };
    let now = b.clock.now();
    b.a.dial("200", FaxRole::Send(source), FaxOptions::default(), now);
    let paging = b.run_until(Duration::from_secs(200), |b| b.a.page_started(3));
    assert!(paging, "{:?}", b.a.events);
    // Half a page later the sender's application vanishes: the network
    // clears the call under the receiver in the middle of page 3.
    b.run_until(Duration::from_secs(5), |_| false);
    assert!(b.b.end.is_none(), "page 3 still arriving");
    let dead = CapiLine::new(
        LineId("dead".into()),
        ControllerConfig::default(),
        b.sim.connect(),
    );
    drop(std::mem::replace(&mut b.a.line, dead));
    let ended = b.run_until(Duration::from_secs(10), |b| b.b.end.is_some());
    assert!(ended, "{:?}", b.b.events);
    let got = b.b.outcome().unwrap_or_else(|| panic!("{:?}", b.b.end));
    assert!(!got.success, "{got:?}");
    assert_eq!(got.received_pages.len(), 2, "{got:?}");
    let file = got.file.clone().expect("the pages kept");
    let received: Vec<BilevelPage> = fax_t30::tiff::read_tiff_file(&file)
        .expect("received TIFF")
        .iter()
        .map(|p| p.decode().expect("page decodes"))
        .collect();
    assert!(received == sent[..2], "pages 1 and 2 kept as sent");
}

#[test]
fn a_call_to_a_busy_line_goes_to_its_sister() {
    // Two lines answer 200: whichever has the first call ignores the
    // second, and the controller offers it to the other.
    let dir = test_kit::Scratch::new("capi-fax-sister");
    let mut b = Bench::new(dir.path(), 4);
    let mut sister = FaxEnd::receiver(
        line(&b.sim, "capi/1/3", "200"),
        dir.join("rx-sister.tif"),
        FaxOptions::default(),
    );
    let mut c = FaxEnd::new(line(&b.sim, "capi/1/4", "300"));
    let source = |n: u32, name: &str| PageSource::Pages {
        pages: pages(n, Resolution::Standard),
        spool: dir.join(name),
    };
    let mut second_dialled = false;
    for i in 0..8000 {
        if b.a.end.is_some() && c.end.is_some() && b.b.end.is_some() && sister.end.is_some() {
            break;
        }
        let now = b.clock.tick();
        if i == 2 {
            b.a.dial(
                "200",
                FaxRole::Send(source(2, "a.tif")),
                FaxOptions::default(),
                now,
            );
        }
        if !second_dialled && b.sim.channels_in_use() == 2 {
            second_dialled = true;
            c.dial(
                "200",
                FaxRole::Send(source(1, "c.tif")),
                FaxOptions::default(),
                now,
            );
        }
        for l in [&mut b.a, &mut b.b, &mut sister, &mut c] {
            l.line.tick(now);
        }
        for l in [&mut b.a, &mut b.b, &mut sister, &mut c] {
            l.step(now);
        }
    }
    for (end, pages) in [(&b.a, 2), (&c, 1)] {
        let out = end.outcome().unwrap_or_else(|| panic!("{:?}", end.end));
        assert!(out.success, "{out:?}");
        assert_eq!(out.pages_confirmed, pages);
    }
    let mut got: Vec<usize> = [&b.b, &sister]
        .iter()
        .map(|e| e.outcome().map_or(0, |o| o.received_pages.len()))
        .collect();
    got.sort();
    assert_eq!(got, [1, 2], "each line took one call");
    assert_eq!(b.b.refused + sister.refused, 0, "ignored, not refused");
}

#[test]
fn a_call_to_a_busy_controller_ends_user_busy() {
    // Three channels: a call between two of its lines takes two; a third
    // line's call finds one for itself and none for the called side.
    let dir = test_kit::Scratch::new("capi-fax-busy");
    let mut b = Bench::new(dir.path(), 3);
    let mut c = FaxEnd::new(line(&b.sim, "capi/1/3", "300"));
    let now = b.clock.now();
    let source = PageSource::Pages {
        pages: pages(3, Resolution::Standard),
        spool: dir.join("tx.tif"),
    };
    b.a.dial("200", FaxRole::Send(source), FaxOptions::default(), now);
    b.run_until(Duration::from_secs(5), |b| b.sim.channels_in_use() == 2);
    let source = PageSource::Pages {
        pages: pages(1, Resolution::Standard),
        spool: dir.join("tx3.tif"),
    };
    c.dial(
        "200",
        FaxRole::Send(source),
        FaxOptions::default(),
        b.clock.now(),
    );
    let done = b.run_until(Duration::from_secs(5), |_| false);
    assert!(!done);
    for _ in 0..10 {
        let now = b.clock.tick();
        c.line.tick(now);
        c.step(now);
    }
    match &c.end {
        Some(CallEnd::NotConnected(cause)) => assert_eq!(*cause, HangupCause::UserBusy),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_controller_going_away_mid_call_takes_the_line_out_of_service() {
    let dir = test_kit::Scratch::new("capi-fax-gone");
    let mut b = Bench::new(dir.path(), 2);
    let source = PageSource::Pages {
        pages: pages(2, Resolution::Standard),
        spool: dir.join("tx.tif"),
    };
    let now = b.clock.now();
    b.a.dial("200", FaxRole::Send(source), FaxOptions::default(), now);
    let paging = b.run_until(Duration::from_secs(60), |b| b.a.page_started(1));
    assert!(paging, "{:?}", b.a.events);
    // B's application vanishes: A's call ends as the network broke it.
    let dead = CapiLine::new(
        LineId("dead".into()),
        ControllerConfig::default(),
        b.sim.connect(),
    );
    let old = std::mem::replace(&mut b.b.line, dead);
    drop(old);
    let ended = b.run_until(Duration::from_secs(5), |b| b.a.end.is_some());
    assert!(ended);
    assert_eq!(
        b.a.remote_cause.map(|c| c.q850()),
        Some(27),
        "{:?}",
        b.a.end
    );
    assert!(b.a.line.is_idle());
}

#[test]
fn sends_two_pages_over_remote_capi_on_tcp() {
    use line_drivers::capi::session::RegisterLimits;
    use line_drivers::capi::sim::tcp::SimServer;
    use line_drivers::capi::transport::RcapiTcp;
    let dir = test_kit::Scratch::new("capi-fax-tcp");
    let server = SimServer::start(
        SimConfig {
            b_channels: 2,
            refused: Vec::new(),
        },
        0,
    )
    .expect("simulator");
    let limits = RegisterLimits {
        max_logical: 1,
        max_b_blocks: 7,
        max_b_len: 2048,
    };
    let tcp_line = |name: &str, msn: &str| {
        let t = RcapiTcp::connect(server.addr(), limits, 1, Duration::from_secs(5)).expect("rcapi");
        assert_eq!(t.profile().b_channels, 2);
        let config = ControllerConfig {
            msns: vec![msn.into()],
            calling_msn: Some(msn.into()),
            ..ControllerConfig::default()
        };
        CapiLine::new(LineId(name.into()), config, t)
    };
    let mut a = FaxEnd::new(tcp_line("capi/1/1", "100"));
    let mut b = FaxEnd::receiver(
        tcp_line("capi/1/2", "200"),
        dir.join("rx.tif"),
        FaxOptions::default(),
    );
    let mut clock = SimClock::new(test_kit::origin());
    let sent = pages(2, Resolution::Standard);
    let source = PageSource::Pages {
        pages: sent.clone(),
        spool: dir.join("tx.tif"),
    };
    let mut tick = |a: &mut FaxEnd<CapiLine<RcapiTcp>>, b: &mut FaxEnd<CapiLine<RcapiTcp>>| {
        // Media time is simulated; the simulator's threads forward each
        // tick's blocks over loopback before the next tick reads them.
        std::thread::sleep(Duration::from_millis(1));
        let now = clock.tick();
        a.line.tick(now);
        b.line.tick(now);
        a.step(now);
        b.step(now);
        now
    };
    let now = tick(&mut a, &mut b);
    a.dial("200", FaxRole::Send(source), FaxOptions::default(), now);
    let mut ticks = 0;
    while !(a.end.is_some() && b.end.is_some()) {
        assert!(ticks < 6000, "A: {:?}\nB: {:?}", a.end, b.end);
        tick(&mut a, &mut b);
        ticks += 1;
    }
    let out = a.outcome().unwrap_or_else(|| panic!("{:?}", a.end));
    assert!(out.success, "{out:?}");
    assert_eq!(out.pages_confirmed, 2);
    let file = b.outcome().and_then(|o| o.file.clone()).expect("received");
    let received: Vec<BilevelPage> = fax_t30::tiff::read_tiff_file(&file)
        .unwrap()
        .iter()
        .map(|p| p.decode().unwrap())
        .collect();
    assert!(received == sent, "received pages differ from the sent ones");
    assert!(a.line.is_available() && b.line.is_available());
    assert_eq!(server.stats().bad_frames, 0);
}
