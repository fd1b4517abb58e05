//! The controller going away under Debian's libcapi20 (its own test
//! binary: libcapi20 keeps the simulator's address for the process). A
//! `SupervisedCapiLine` on the `Libcapi20` transport is in a call when the
//! simulator's TCP shell disappears: `capi::ffi` sees the connection
//! close (not a read that blocks or a queue that is merely empty), the
//! call ends "network out of order" and the line is out of service; when
//! the simulator is back on the same port, libcapi20 registers again and
//! the line is back in service on its own.

use std::time::Duration;

use line_drivers::capi::controller::ControllerConfig;
use line_drivers::capi::ffi::Library;
use line_drivers::capi::line::CapiLine;
use line_drivers::capi::session::RegisterLimits;
use line_drivers::capi::sim::tcp::SimServer;
use line_drivers::capi::sim::SimConfig;
use line_drivers::capi::supervised::{CapiLineState, CapiTransportSpec, SupervisedCapiLine};
use line_drivers::capi::transport::RcapiTcp;
use line_drivers::{CallProgress, HangupCause, Line, LineEvent, LineId, MediaKind, SimClock};

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

#[test]
fn libcapi20_sees_the_controller_go_and_the_line_comes_back() {
    let server = sim(0);
    let port = server.addr().port();
    let home = test_kit::Scratch::new("capi-libcapi20-gone");
    std::fs::write(
        home.join(".capi20rc"),
        format!("REMOTE rcapi 127.0.0.1 {port}\n"),
    )
    .unwrap();
    // The only thread yet: libcapi20 reads its configuration now.
    std::env::set_var("HOME", home.path());
    Library::get()
        .expect("libcapi20 (libcapi20-3)")
        .check_installed()
        .expect("libcapi20 finds the simulator");

    let mut ours = SupervisedCapiLine::new(
        LineId("capi/card/1".into()),
        CapiTransportSpec::Libcapi20,
        ControllerConfig {
            msns: vec!["100".into()],
            ..ControllerConfig::default()
        },
    );
    let limits = RegisterLimits {
        max_logical: 1,
        max_b_blocks: 7,
        max_b_len: 2048,
    };
    let peer_line = |s: &SimServer| {
        let t = RcapiTcp::connect(s.addr(), limits, 1, Duration::from_secs(5)).expect("rcapi");
        let config = ControllerConfig {
            msns: vec!["200".into()],
            ..ControllerConfig::default()
        };
        CapiLine::new(LineId("peer".into()), config, t)
    };
    let mut peer = peer_line(&server);
    let mut clock = SimClock::new(test_kit::origin());
    let mut tick = |ours: &mut SupervisedCapiLine, peer: Option<&mut CapiLine<RcapiTcp>>| {
        std::thread::sleep(Duration::from_millis(1));
        let now = clock.tick();
        ours.tick(now);
        if let Some(p) = peer {
            p.tick(now);
        }
        now
    };
    let mut now = tick(&mut ours, Some(&mut peer));
    for _ in 0..2000 {
        if ours.is_available() {
            break;
        }
        now = tick(&mut ours, Some(&mut peer));
    }
    assert_eq!(ours.state(), &CapiLineState::InService);

    // A call from us to the peer, answered.
    let call = ours.dial("200", MediaKind::Audio, now).expect("dial");
    let mut answered = false;
    for _ in 0..500 {
        now = tick(&mut ours, Some(&mut peer));
        while let Some(ev) = peer.poll_event() {
            if let LineEvent::Incoming { call: c, .. } = ev {
                peer.answer(c, now).unwrap();
            }
        }
        while let Some(ev) = ours.poll_event() {
            if matches!(
                ev,
                LineEvent::Progress {
                    progress: CallProgress::Answered,
                    ..
                }
            ) {
                answered = true;
            }
        }
        if answered {
            break;
        }
    }
    assert!(answered, "the call was answered");

    // The controller goes away.
    drop(server);
    drop(peer);
    let mut cause = None;
    for _ in 0..500 {
        tick(&mut ours, None);
        while let Some(ev) = ours.poll_event() {
            if let LineEvent::HungUp {
                call: c,
                cause: why,
            } = ev
            {
                assert_eq!(c, call);
                cause = Some(why);
            }
        }
        if cause.is_some() {
            break;
        }
    }
    assert_eq!(cause, Some(HangupCause::NetworkOutOfOrder));
    match ours.state() {
        CapiLineState::OutOfService { reason } => {
            assert!(reason.contains("closed"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(!ours.is_available() && ours.is_idle());

    // Back on the same port: libcapi20 registers again.
    let server = sim(port);
    let mut back = false;
    for _ in 0..3000 {
        tick(&mut ours, None);
        if ours.is_available() {
            back = true;
            break;
        }
    }
    assert!(back, "{:?}", ours.state());
    assert_eq!(ours.connects(), 2);
    assert_eq!(server.stats().bad_frames, 0);
}
