//! Malformed CAPI from the controller on a live connection: while two of
//! the simulated controller's applications carry a fax between them, the
//! simulator writes the `capi_message` fuzz corpus (each seed, and
//! mutations of them, as remote-CAPI frames), then octets that break the
//! framing, into a third application's stream. That line never panics:
//! frames it cannot read cost those frames, and the broken framing takes
//! it out of service with a clear error. The fax between the other two
//! completes, its pages as sent.

#[path = "sip_common/mod.rs"]
mod sip_common;

use std::time::Duration;

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{FaxOptions, PageSource};
use line_drivers::capi::controller::ControllerConfig;
use line_drivers::capi::line::CapiLine;
use line_drivers::capi::rcapi::MAX_FRAME;
use line_drivers::capi::session::RegisterLimits;
use line_drivers::capi::sim::tcp::SimServer;
use line_drivers::capi::sim::SimConfig;
use line_drivers::capi::transport::RcapiTcp;
use line_drivers::{FaxRole, Line, LineEvent, LineId, SimClock};
use sip_common::FaxEnd;
use test_kit::fuzz::{mutate_seeds, seeds};

fn line(server: &SimServer, msn: &str) -> CapiLine<RcapiTcp> {
    let limits = RegisterLimits {
        max_logical: 1,
        max_b_blocks: 7,
        max_b_len: 2048,
    };
    let t = RcapiTcp::connect(server.addr(), limits, 1, Duration::from_secs(5)).expect("rcapi");
    let config = ControllerConfig {
        msns: vec![msn.into()],
        calling_msn: Some(msn.into()),
        ..ControllerConfig::default()
    };
    CapiLine::new(LineId(format!("capi/{msn}")), config, t)
}

/// `payload` as one remote-CAPI frame (cut to the longest frame).
fn frame(payload: &[u8]) -> Vec<u8> {
    let payload = &payload[..payload.len().min(MAX_FRAME - 2)];
    let mut f = ((payload.len() + 2) as u16).to_be_bytes().to_vec();
    f.extend_from_slice(payload);
    f
}

#[test]
fn the_fuzz_corpus_on_one_live_connection_spares_the_others_calls() {
    let dir = test_kit::Scratch::new("capi-garbage-live");
    let server = SimServer::start(
        SimConfig {
            b_channels: 3,
            refused: Vec::new(),
        },
        0,
    )
    .expect("simulator");
    let mut a = FaxEnd::new(line(&server, "100"));
    let mut b = FaxEnd::receiver(
        line(&server, "200"),
        dir.join("rx.tif"),
        FaxOptions::default(),
    );
    let mut victim = line(&server, "300");
    let victim_conn = *server.connection_ids().last().expect("three connections");

    // The garbage: every seed, and mutations of them, each as a frame
    // (those shorter than a message header would break the framing at
    // once: that comes last, on purpose).
    let corpus = seeds("capi_message", 10);
    let mut garbage: Vec<Vec<u8>> = Vec::new();
    let mut add = |g: &[u8]| {
        if g.len() >= 8 {
            garbage.push(frame(g));
        }
    };
    corpus.iter().for_each(|(_, s)| add(s));
    mutate_seeds(&corpus, 300, &[], add);
    let per_tick = garbage.len().div_ceil(200);

    let sent: Vec<BilevelPage> = (0..2)
        .map(|i| {
            let rows = PaperSize::A4.rows(Resolution::Standard) / 4;
            BilevelPage::test_pattern(PaperSize::A4.width(), rows, Resolution::Standard, 40 + i)
        })
        .collect();
    let source = PageSource::Pages {
        pages: sent.clone(),
        spool: dir.join("tx.tif"),
    };
    let mut clock = SimClock::new(test_kit::origin());
    let mut victim_events = Vec::new();
    let mut injected = 0;
    let mut broke_framing = false;
    let mut ticks = 0;
    while !(a.end.is_some() && b.end.is_some()) {
        assert!(ticks < 8000, "A: {:?}\nB: {:?}", a.end, b.end);
        ticks += 1;
        std::thread::sleep(Duration::from_millis(1));
        let now = clock.tick();
        if ticks == 2 {
            a.dial(
                "200",
                FaxRole::Send(source.clone()),
                FaxOptions::default(),
                now,
            );
        }
        // Once the fax is under way, the garbage goes to the third line.
        if a.page_started(1) && injected < garbage.len() {
            for g in garbage.iter().skip(injected).take(per_tick) {
                server.inject(victim_conn, g).expect("inject");
            }
            injected = (injected + per_tick).min(garbage.len());
        } else if injected == garbage.len() && !broke_framing {
            // A length no frame has: the stream cannot be trusted after it.
            server
                .inject(victim_conn, &[0xff, 0xff, 0, 0])
                .expect("inject");
            broke_framing = true;
        }
        a.line.tick(now);
        b.line.tick(now);
        victim.tick(now);
        victim_events.extend(std::iter::from_fn(|| victim.poll_event()));
        a.step(now);
        b.step(now);
    }
    assert!(
        broke_framing,
        "the fax ended before the garbage was all sent"
    );
    // The fax between the other two applications went through.
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
    // The third line: out of service with a clear error, after reading
    // what it could (no panic got us here).
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(1));
        victim.tick(clock.tick());
        victim_events.extend(std::iter::from_fn(|| victim.poll_event()));
    }
    assert!(!victim.is_available(), "{victim_events:?}");
    let fault = victim.fault().expect("why").to_string();
    assert!(fault.contains("framing"), "{fault}");
    // Calls the garbage announced, if any, ended.
    for ev in &victim_events {
        if let LineEvent::Incoming { call, .. } = ev {
            assert!(
                victim_events
                    .iter()
                    .any(|e| matches!(e, LineEvent::HungUp { call: c, .. } if c == call)),
                "{victim_events:?}"
            );
        }
    }
}
