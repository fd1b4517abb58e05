//! One CAPI application for several B-channels (`capi::app`), as the
//! gateway runs a `[[capi]]` section: one registration and one transport
//! to the simulated controller, one line per B-channel. Two callers fax
//! its MSN at once: each call lands on a channel of its own, both faxes
//! arrive whole, on a simulated clock. A third call while both channels
//! are busy is left to the controller (ignored), which clears it; the
//! two calls in progress go on.

#[path = "sip_common/mod.rs"]
mod sip_common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{FaxOptions, PageSource};
use line_drivers::capi::app::{CapiApp, CapiChannel, CapiChannels};
use line_drivers::capi::controller::ControllerConfig;
use line_drivers::capi::line::CapiLine;
use line_drivers::capi::sim::local::{SharedSim, SimTransport};
use line_drivers::capi::sim::SimConfig;
use line_drivers::{FaxRole, Line, LineId, SimClock};
use sip_common::FaxEnd;

type Channel = CapiChannel<CapiApp<SimTransport>>;

fn caller(sim: &SharedSim, msn: &str) -> FaxEnd<CapiLine<SimTransport>> {
    let config = ControllerConfig {
        calling_msn: Some(msn.into()),
        cip_mask: 0,
        ..ControllerConfig::default()
    };
    FaxEnd::new(CapiLine::new(
        LineId(format!("caller/{msn}")),
        config,
        sim.connect(),
    ))
}

fn source(dir: &std::path::Path, name: &str, n: u32) -> FaxRole {
    let pages = (0..n)
        .map(|i| {
            let rows = PaperSize::A4.rows(Resolution::Standard);
            BilevelPage::test_pattern(
                PaperSize::A4.width(),
                rows,
                Resolution::Standard,
                700 + u64::from(i),
            )
        })
        .collect();
    FaxRole::Send(PageSource::Pages {
        pages,
        spool: dir.join(name),
    })
}

#[test]
fn two_calls_at_once_on_one_application() {
    let dir = test_kit::Scratch::new("capi-shared-app");
    // Two calls of two legs each, and one channel for a third caller.
    let sim = SharedSim::new(SimConfig {
        b_channels: 5,
        refused: Vec::new(),
    });
    let ids = vec![LineId("capi/isdn/1".into()), LineId("capi/isdn/2".into())];
    let config = ControllerConfig {
        msns: vec!["200".into()],
        ..ControllerConfig::default()
    };
    let app = Rc::new(RefCell::new(CapiApp::new(ids, config, sim.connect())));
    let mut ours: Vec<FaxEnd<Channel>> = (CapiChannel::all(&app, 2).into_iter())
        .enumerate()
        .map(|(i, line)| {
            FaxEnd::receiver(line, dir.join(format!("rx-{i}.tif")), FaxOptions::default())
        })
        .collect();
    let mut callers = vec![
        caller(&sim, "100"),
        caller(&sim, "101"),
        caller(&sim, "102"),
    ];
    let mut clock = SimClock::new(test_kit::origin());
    let mut third_dialled = false;
    let limit = clock.now() + Duration::from_secs(300);
    while clock.now() < limit {
        let now = clock.tick();
        if callers[0].fax.is_none() {
            callers[0].dial(
                "200",
                source(dir.path(), "a.tif", 2),
                FaxOptions::default(),
                now,
            );
            callers[1].dial(
                "200",
                source(dir.path(), "b.tif", 1),
                FaxOptions::default(),
                now,
            );
        }
        // Both channels busy: a third call.
        if !third_dialled && ours.iter().all(|e| !e.line.is_idle()) {
            third_dialled = true;
            callers[2].dial(
                "200",
                source(dir.path(), "c.tif", 1),
                FaxOptions::default(),
                now,
            );
        }
        app.borrow_mut().tick(now);
        for c in &mut callers {
            c.line.tick(now);
        }
        for e in &mut ours {
            e.step(now);
        }
        for c in &mut callers {
            c.step(now);
        }
        app.borrow_mut().flush();
        let calls_ended = callers.iter().all(|e| e.end.is_some());
        if calls_ended && ours.iter().all(|e| e.end.is_some()) {
            break;
        }
    }
    for (c, pages) in callers[..2].iter().zip([2, 1]) {
        let out = c.outcome().unwrap_or_else(|| panic!("{:?}", c.end));
        assert!(out.success, "{out:?}");
        assert_eq!(out.pages_confirmed, pages);
    }
    let mut got: Vec<usize> = (ours.iter())
        .map(|e| e.outcome().map_or(0, |o| o.received_pages.len()))
        .collect();
    got.sort();
    assert_eq!(got, [1, 2], "each channel took one call");
    assert_eq!(
        ours[0].refused + ours[1].refused,
        0,
        "none offered to a busy channel"
    );
    assert!(third_dialled, "both channels were busy at once");
    let third = callers[2].end.as_ref().expect("the third call ended");
    assert!(callers[2].outcome().is_none_or(|o| !o.success), "{third:?}");
}
