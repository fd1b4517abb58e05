//! A controller that goes away and comes back (issue 16): a
//! `SupervisedCapiLine` (what the gateway runs per B-channel) on the
//! remote-CAPI simulator's TCP shell. The simulator disappears in the
//! middle of a fax: the call ends "network out of order" (temporary, so
//! the job is retried), the line is out of service and refuses to dial;
//! while the simulator is gone the line keeps trying with a growing
//! backoff; when it returns on the same port the line connects again on
//! its own and the next fax goes through.
//!
//! Media time is simulated; the connecting thread and the simulator's
//! threads are real, so each tick leaves a millisecond of real time.

#[path = "sip_common/mod.rs"]
mod sip_common;

use std::time::Duration;

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{FaxOptions, PageSource};
use line_drivers::capi::controller::ControllerConfig;
use line_drivers::capi::line::CapiLine;
use line_drivers::capi::session::RegisterLimits;
use line_drivers::capi::sim::tcp::SimServer;
use line_drivers::capi::sim::SimConfig;
use line_drivers::capi::supervised::{CapiLineState, CapiTransportSpec, SupervisedCapiLine};
use line_drivers::capi::transport::RcapiTcp;
use line_drivers::{FaxRole, HangupCause, Line, LineError, LineId, MediaKind, SimClock};
use sip_common::FaxEnd;

fn sim(port: u16) -> SimServer {
    SimServer::start(
        SimConfig {
            b_channels: 2,
            refused: Vec::new(),
        },
        port,
    )
    .expect("simulator")
}

fn pages(n: u32) -> Vec<BilevelPage> {
    (0..n)
        .map(|i| {
            BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(Resolution::Standard),
                Resolution::Standard,
                300 + u64::from(i),
            )
        })
        .collect()
}

fn peer(server: &SimServer, dir: &std::path::Path, n: u32) -> FaxEnd<CapiLine<RcapiTcp>> {
    let limits = RegisterLimits {
        max_logical: 1,
        max_b_blocks: 7,
        max_b_len: 2048,
    };
    let t = RcapiTcp::connect(server.addr(), limits, 1, Duration::from_secs(5)).expect("rcapi");
    let config = ControllerConfig {
        msns: vec!["200".into()],
        ..ControllerConfig::default()
    };
    FaxEnd::receiver(
        CapiLine::new(LineId("peer".into()), config, t),
        dir.join(format!("rx-{n}.tif")),
        FaxOptions::default(),
    )
}

struct Bench {
    clock: SimClock,
    ours: FaxEnd<SupervisedCapiLine>,
    peer: Option<FaxEnd<CapiLine<RcapiTcp>>>,
}

impl Bench {
    fn tick(&mut self) {
        std::thread::sleep(Duration::from_millis(1));
        let now = self.clock.tick();
        self.ours.line.tick(now);
        self.ours.step(now);
        if let Some(p) = &mut self.peer {
            p.line.tick(now);
            p.step(now);
        }
    }

    /// Ticks until `done`, at most `limit` of media time.
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

    fn send(&mut self, n: u32, dir: &std::path::Path) {
        let source = PageSource::Pages {
            pages: pages(n),
            spool: dir.join("tx.tif"),
        };
        let now = self.clock.now();
        (self.ours).dial("200", FaxRole::Send(source), FaxOptions::default(), now);
    }
}

#[test]
fn the_simulator_going_away_mid_call_and_coming_back() {
    let dir = test_kit::Scratch::new("capi-reconnect");
    let server = sim(0);
    let port = server.addr().port();
    let line = SupervisedCapiLine::new(
        LineId("capi/isdn/1".into()),
        CapiTransportSpec::Remote(format!("127.0.0.1:{port}")),
        ControllerConfig {
            msns: vec!["100".into()],
            calling_msn: Some("100".into()),
            ..ControllerConfig::default()
        },
    );
    let mut b = Bench {
        clock: SimClock::new(test_kit::origin()),
        ours: FaxEnd::new(line),
        peer: Some(peer(&server, &dir, 1)),
    };
    assert_eq!(b.ours.line.state(), &CapiLineState::Connecting);
    assert!(!b.ours.line.is_available());
    let up = b.run_until(Duration::from_secs(10), |b| b.ours.line.is_available());
    assert!(up, "{:?}", b.ours.line.state());
    assert_eq!(b.ours.line.state(), &CapiLineState::InService);

    // A fax, and the simulator goes away during its first page.
    b.send(3, &dir);
    let paging = b.run_until(Duration::from_secs(60), |b| b.ours.page_started(1));
    assert!(paging, "{:?} {:?}", b.ours.end, b.ours.events);
    drop(server);
    let ended = b.run_until(Duration::from_secs(5), |b| b.ours.end.is_some());
    assert!(ended, "{:?}", b.ours.line.state());
    assert_eq!(b.ours.remote_cause, Some(HangupCause::NetworkOutOfOrder));
    assert!(HangupCause::NetworkOutOfOrder.is_temporary());
    assert!(
        matches!(b.ours.line.state(), CapiLineState::OutOfService { .. }),
        "{:?}",
        b.ours.line.state()
    );
    assert!(b.ours.line.is_idle() && !b.ours.line.is_available());
    let now = b.clock.now();
    assert!(matches!(
        b.ours.line.dial("200", MediaKind::Audio, now),
        Err(LineError::OutOfService(_))
    ));
    b.peer = None;

    // Gone for 20 s of media time: attempts fail (1 s, 2, 4, 8 apart).
    b.run_until(Duration::from_secs(20), |_| false);
    assert!(!b.ours.line.is_available());
    assert_eq!(b.ours.line.connects(), 1);

    // Back on the same port: the line connects again on its own, within
    // the backoff (16 s by now), and carries the next fax.
    let server = sim(port);
    b.peer = Some(peer(&server, &dir, 2));
    let back = b.run_until(Duration::from_secs(40), |b| b.ours.line.is_available());
    assert!(back, "{:?}", b.ours.line.state());
    assert_eq!(b.ours.line.connects(), 2);
    assert_eq!(b.ours.line.state(), &CapiLineState::InService);
    b.send(1, &dir);
    let done = b.run_until(Duration::from_secs(120), |b| {
        b.ours.end.is_some() && b.peer.as_ref().is_some_and(|p| p.end.is_some())
    });
    assert!(done, "{:?}", b.ours.end);
    let out = b
        .ours
        .outcome()
        .unwrap_or_else(|| panic!("{:?}", b.ours.end));
    assert!(out.success, "{out:?}");
    assert_eq!(out.pages_confirmed, 1);
}
