//! DTMF through Debian's libcapi20: FACILITY_REQ (selector 1, "send DTMF")
//! from a `CapiLine` on libcapi20 arrives at a `CapiLine` on our native
//! client as FACILITY_IND digits, and the other way round, over one call
//! through the simulator (libcapi20's rcapi module pointed at it).

mod capi_common;

use std::time::Duration;

use capi_common::{ffi_line, native_line, settle, simulator};
use line_drivers::capi::line::CapiLine;
use line_drivers::capi::transport::CapiTransport;
use line_drivers::{CallId, CallProgress, DtmfDigit, Line, LineEvent, Media, MediaKind, SimClock};

struct Ends<A: CapiTransport, B: CapiTransport> {
    a: CapiLine<A>,
    b: CapiLine<B>,
    clock: SimClock,
    ev_a: Vec<LineEvent>,
    ev_b: Vec<LineEvent>,
}

impl<A: CapiTransport, B: CapiTransport> Ends<A, B> {
    fn tick(&mut self) -> std::time::Instant {
        settle(simulator(), Duration::from_millis(1));
        let now = self.clock.tick();
        self.a.tick(now);
        self.b.tick(now);
        self.ev_a.extend(std::iter::from_fn(|| self.a.poll_event()));
        self.ev_b.extend(std::iter::from_fn(|| self.b.poll_event()));
        now
    }

    fn run(&mut self, ticks: u32, done: impl Fn(&Self) -> bool) {
        for _ in 0..ticks {
            if done(self) {
                return;
            }
            self.tick();
        }
        panic!("A: {:?}\nB: {:?}", self.ev_a, self.ev_b);
    }
}

fn digits(events: &[LineEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            LineEvent::Media {
                media: Media::Dtmf(d),
                ..
            } => Some(d.digit()),
            _ => None,
        })
        .collect()
}

fn answered(events: &[LineEvent]) -> bool {
    events.iter().any(|e| {
        matches!(
            e,
            LineEvent::Progress {
                progress: CallProgress::Answered,
                ..
            }
        )
    })
}

/// `a` calls `b` (MSN `to`); then each sends digits to the other.
fn dtmf_both_ways<A: CapiTransport, B: CapiTransport>(a: CapiLine<A>, b: CapiLine<B>, to: &str) {
    let mut e = Ends {
        a,
        b,
        clock: SimClock::new(test_kit::origin()),
        ev_a: Vec::new(),
        ev_b: Vec::new(),
    };
    let now = e.tick();
    let call_a = e.a.dial(to, MediaKind::Audio, now).expect("dial");
    e.run(200, |e| {
        e.ev_b
            .iter()
            .any(|ev| matches!(ev, LineEvent::Incoming { .. }))
    });
    let call_b: CallId = e
        .ev_b
        .iter()
        .find_map(|ev| match ev {
            LineEvent::Incoming { call, .. } => Some(*call),
            _ => None,
        })
        .expect("incoming");
    let now = e.tick();
    e.b.answer(call_b, now).expect("answer");
    e.run(200, |e| answered(&e.ev_a) && answered(&e.ev_b));
    // Let the B3 connection come up.
    for _ in 0..20 {
        e.tick();
    }
    let now = e.tick();
    for k in "12#".chars() {
        let d = DtmfDigit::new(k, Duration::from_millis(80)).unwrap();
        e.a.send(call_a, Media::Dtmf(d), now).expect("DTMF from A");
    }
    for k in "9*0".chars() {
        let d = DtmfDigit::new(k, Duration::from_millis(80)).unwrap();
        e.b.send(call_b, Media::Dtmf(d), now).expect("DTMF from B");
    }
    e.run(200, |e| {
        digits(&e.ev_b).len() >= 3 && digits(&e.ev_a).len() >= 3
    });
    assert_eq!(digits(&e.ev_b), "12#");
    assert_eq!(digits(&e.ev_a), "9*0");
    let now = e.tick();
    e.a.hangup(call_a, line_drivers::HangupCause::NormalClearing, now);
    e.run(200, |e| {
        e.ev_b
            .iter()
            .any(|ev| matches!(ev, LineEvent::HungUp { .. }))
    });
    assert_eq!(simulator().stats().bad_frames, 0);
}

#[test]
fn dtmf_from_libcapi20_to_the_native_client_and_back() {
    dtmf_both_ways(ffi_line("3101"), native_line("3102"), "3102");
}

#[test]
fn dtmf_from_the_native_client_to_libcapi20_and_back() {
    dtmf_both_ways(native_line("3201"), ffi_line("3202"), "3202");
}
