//! The CAPI call state machine (`line_drivers::capi::controller`) on both
//! ends of a call through the controller simulator, all sans-IO on a
//! simulated clock: two applications (A and B) of one simulated
//! controller, a call between two of its B-channels. Calls, audio both
//! ways (bit-reversed A-law on the B-channel, our frames at either end),
//! the DATA_B3 window, DTMF, hang-ups both ways, rejects with causes, busy
//! channels, no answer, and an application that goes away.

use std::time::{Duration, Instant};

use fax_t30::g711::Law;
use fax_t30::media::{AudioFrame, FRAME_SAMPLES};
use line_drivers::capi::controller::{
    CallRef, Controller, ControllerConfig, ControllerEvent as Ev, CIP_AUDIO_3K1,
};
use line_drivers::capi::rcapi::Frame;
use line_drivers::capi::sim::{SimConfig, Simulator};
use line_drivers::HangupCause;

const A: u32 = 1;
const B: u32 = 2;

/// Two applications on one simulated controller.
struct Pair {
    sim: Simulator,
    a: Controller,
    b: Controller,
    ev_a: Vec<Ev>,
    ev_b: Vec<Ev>,
    now: Instant,
}

impl Pair {
    fn new(sim: SimConfig, a: ControllerConfig, b: ControllerConfig) -> Pair {
        let mut sim = Simulator::new(sim);
        for conn in [A, B] {
            sim.handle_frame(
                conn,
                Frame::RegisterReq {
                    buffer_size: 2048,
                    max_logical: 2,
                    max_b_blocks: 7,
                    max_b_len: 2048,
                    version: 2,
                },
            );
        }
        while sim.poll_transmit().is_some() {}
        let mut p = Pair {
            sim,
            a: Controller::new(a),
            b: Controller::new(b),
            ev_a: Vec::new(),
            ev_b: Vec::new(),
            now: test_kit::origin(),
        };
        p.b.listen();
        p.pump();
        assert_eq!(p.take_b(), [Ev::Listening { info: 0 }]);
        p
    }

    /// Moves messages until nobody has anything to say.
    fn pump(&mut self) {
        loop {
            let mut moved = false;
            while let Some((message, data)) = self.a.poll_transmit() {
                self.sim.handle_frame(A, Frame::Capi { message, data });
                moved = true;
            }
            while let Some((message, data)) = self.b.poll_transmit() {
                self.sim.handle_frame(B, Frame::Capi { message, data });
                moved = true;
            }
            while let Some((conn, frame)) = self.sim.poll_transmit() {
                let Frame::Capi { message, data } = frame else {
                    panic!("{frame:?}")
                };
                let c = if conn == A { &mut self.a } else { &mut self.b };
                c.handle_message(message, &data, self.now);
                moved = true;
            }
            if !moved {
                break;
            }
        }
        self.ev_a.extend(std::iter::from_fn(|| self.a.poll_event()));
        self.ev_b.extend(std::iter::from_fn(|| self.b.poll_event()));
    }

    fn advance(&mut self, d: Duration) {
        self.now += d;
        self.a.handle_timeout(self.now);
        self.b.handle_timeout(self.now);
        self.pump();
    }

    fn take_a(&mut self) -> Vec<Ev> {
        std::mem::take(&mut self.ev_a)
    }

    fn take_b(&mut self) -> Vec<Ev> {
        std::mem::take(&mut self.ev_b)
    }

    /// A dials B's number and B answers: both connected.
    fn connect(&mut self, number: &str) -> (CallRef, CallRef) {
        let ca = self
            .a
            .dial(number, CIP_AUDIO_3K1, self.now)
            .expect("a channel");
        self.pump();
        let cb = match self.take_b().as_slice() {
            [Ev::Incoming { call, .. }] => *call,
            other => panic!("B: {other:?}"),
        };
        self.b.answer(cb, self.now);
        self.pump();
        assert_eq!(self.take_a(), [Ev::Connected(ca)]);
        assert_eq!(self.take_b(), [Ev::Connected(cb)]);
        (ca, cb)
    }
}

fn cfg(msns: &[&str], msn: Option<&str>) -> ControllerConfig {
    ControllerConfig {
        msns: msns.iter().map(|s| s.to_string()).collect(),
        calling_msn: msn.map(str::to_string),
        ..ControllerConfig::default()
    }
}

fn sim(b_channels: u16) -> SimConfig {
    SimConfig {
        b_channels,
        refused: vec![("999".into(), 1)],
    }
}

fn tone(seed: i16) -> AudioFrame {
    let mut f = [0i16; FRAME_SAMPLES];
    for (i, s) in f.iter_mut().enumerate() {
        *s = ((i as i16 % 40) - 20) * 700 + seed;
    }
    f
}

fn companded(f: &AudioFrame) -> AudioFrame {
    f.map(|s| Law::ALaw.compand(s))
}

fn audio(events: &[Ev]) -> Vec<AudioFrame> {
    events
        .iter()
        .filter_map(|e| match e {
            Ev::Audio(_, f) => Some(*f),
            _ => None,
        })
        .collect()
}

#[test]
fn a_call_between_two_channels_carries_audio_both_ways_and_clears() {
    let mut p = Pair::new(sim(2), cfg(&[], Some("200")), cfg(&["100"], None));
    let ca = p.a.dial("100", CIP_AUDIO_3K1, p.now).unwrap();
    p.pump();
    let cb = match p.take_b().as_slice() {
        [Ev::Incoming {
            call,
            called,
            calling,
            cip,
        }] => {
            assert_eq!(
                (called.as_str(), calling.as_deref(), *cip),
                ("100", Some("200"), 4)
            );
            *call
        }
        other => panic!("B: {other:?}"),
    };
    p.b.alert(cb);
    p.pump();
    assert_eq!(p.take_a(), [Ev::Alerting(ca)]);
    p.b.answer(cb, p.now);
    p.pump();
    assert_eq!(p.take_a(), [Ev::Connected(ca)]);
    assert_eq!(p.take_b(), [Ev::Connected(cb)]);
    assert_eq!(p.sim.channels_in_use(), 2);

    // Ten frames each way, a tick at a time as the media loop sends them.
    let (mut heard_b, mut heard_a) = (Vec::new(), Vec::new());
    for i in 0..10 {
        assert!(p.a.send_audio(ca, &tone(i)));
        assert!(p.b.send_audio(cb, &tone(-i)));
        p.advance(Duration::from_millis(20));
        heard_b.extend(audio(&p.take_b()));
        heard_a.extend(audio(&p.take_a()));
    }
    let sent_a: Vec<AudioFrame> = (0..10).map(|i| companded(&tone(i))).collect();
    let sent_b: Vec<AudioFrame> = (0..10).map(|i| companded(&tone(-i))).collect();
    assert_eq!(heard_b, sent_a);
    assert_eq!(heard_a, sent_b);

    p.a.send_dtmf(ca, "12#");
    p.pump();
    assert_eq!(p.take_b(), [Ev::Dtmf(cb, "12#".into())]);

    p.b.hangup(cb, HangupCause::NormalClearing, p.now);
    p.pump();
    assert_eq!(p.take_a(), [Ev::HungUp(ca, HangupCause::NormalClearing)]);
    assert_eq!(p.take_b(), [Ev::HungUp(cb, HangupCause::NormalClearing)]);
    assert_eq!(
        (p.a.calls(), p.b.calls(), p.sim.channels_in_use()),
        (0, 0, 0)
    );
    assert_eq!(p.sim.stats().bad_frames, 0);
}

#[test]
fn at_most_seven_blocks_wait_for_confirmation() {
    let mut p = Pair::new(sim(2), cfg(&[], None), cfg(&[], None));
    let (ca, cb) = p.connect("100");
    let sent: Vec<bool> = (0..10).map(|i| p.a.send_audio(ca, &tone(i))).collect();
    assert_eq!(sent.iter().filter(|s| **s).count(), 7);
    assert_eq!(p.a.frames_dropped(ca), 3);
    p.pump();
    assert_eq!(audio(&p.take_b()).len(), 7);
    // The confirmations opened the window again.
    assert!(p.a.send_audio(ca, &tone(0)));
    p.pump();
    assert_eq!(audio(&p.take_b()), [companded(&tone(0))]);
    p.a.hangup(ca, HangupCause::Cancelled, p.now);
    p.pump();
    // Reason 0 is our own hang-up: our cause comes back.
    assert_eq!(p.take_a(), [Ev::HungUp(ca, HangupCause::Cancelled)]);
    assert_eq!(p.take_b(), [Ev::HungUp(cb, HangupCause::NormalClearing)]);
}

#[test]
fn a_reject_reaches_the_caller_with_its_cause() {
    let mut p = Pair::new(sim(2), cfg(&[], None), cfg(&[], None));
    for cause in [
        HangupCause::CallRejected,
        HangupCause::UserBusy,
        HangupCause::IncompatibleDestination,
    ] {
        let ca = p.a.dial("100", CIP_AUDIO_3K1, p.now).unwrap();
        p.pump();
        let [Ev::Incoming { call: cb, .. }] = p.take_b()[..] else {
            panic!()
        };
        p.b.hangup(cb, cause, p.now);
        p.pump();
        assert_eq!(p.take_a(), [Ev::HungUp(ca, cause)]);
        assert_eq!(p.take_b(), [Ev::HungUp(cb, cause)]);
    }
    // A number the network does not know.
    let ca = p.a.dial("999", CIP_AUDIO_3K1, p.now).unwrap();
    p.pump();
    assert_eq!(p.take_a(), [Ev::HungUp(ca, HangupCause::UnallocatedNumber)]);
    assert!(p.take_b().is_empty());
}

#[test]
fn with_two_b_channels_busy_the_third_call_hears_user_busy() {
    // Three channels on the controller: the first call takes two, the
    // second finds one for the caller and none for the called side.
    let mut p = Pair::new(sim(3), cfg(&[], None), cfg(&[], None));
    let (ca, _) = p.connect("100");
    let second = p.a.dial("100", CIP_AUDIO_3K1, p.now).unwrap();
    p.pump();
    assert_eq!(p.take_a(), [Ev::HungUp(second, HangupCause::UserBusy)]);
    assert!(p.take_b().is_empty());
    // Our own limit: a controller configured for one call dials no second.
    let mut one = Pair::new(
        sim(4),
        cfg(&[], None),
        ControllerConfig {
            b_channels: 1,
            ..cfg(&[], None)
        },
    );
    one.connect("100");
    let c = one.a.dial("100", CIP_AUDIO_3K1, one.now).unwrap();
    one.pump();
    // B has its one call: it refuses the second as busy.
    assert_eq!(one.take_a(), [Ev::HungUp(c, HangupCause::UserBusy)]);
    assert!(one.take_b().is_empty());
    assert!(p.a.send_audio(ca, &tone(1)));
}

/// A simulator set up with more B-channels than a controller has PLCIs
/// (255, one per call leg): the calls beyond them are refused — the
/// called leg that finds no PLCI with "no circuit" (#34), a CONNECT_REQ
/// that finds none with "out of PLCIs" — and nothing hangs (the
/// simulator looked for a free PLCI for ever: `ums bench capi` stuck at
/// 128 calls).
#[test]
fn calls_beyond_the_controllers_plcis_are_refused_not_hung() {
    let many = ControllerConfig {
        b_channels: 400,
        ..cfg(&[], None)
    };
    let mut p = Pair::new(sim(400), many.clone(), many);
    let (mut connected, mut refused) = (0, Vec::new());
    for _ in 0..130 {
        let c = p.a.dial("100", CIP_AUDIO_3K1, p.now).unwrap();
        p.pump();
        match p.take_b().as_slice() {
            [Ev::Incoming { call, .. }] => {
                p.b.answer(*call, p.now);
                p.pump();
                assert_eq!(p.take_a(), [Ev::Connected(c)]);
                connected += 1;
            }
            [] => match p.take_a().as_slice() {
                [Ev::HungUp(x, cause)] if *x == c => refused.push(*cause),
                other => panic!("A: {other:?}"),
            },
            other => panic!("B: {other:?}"),
        }
        p.take_b();
    }
    // 127 calls hold 254 PLCIs; each further caller gets the last one
    // (or none) and its called leg none: Q.850 #34 or info 0x2003, both
    // congestion to us.
    assert_eq!(connected, 127);
    assert_eq!(refused, [HangupCause::Congestion; 3]);
}

#[test]
fn numbers_not_ours_are_left_to_other_applications() {
    let mut p = Pair::new(sim(2), cfg(&[], None), cfg(&["100"], None));
    let ca = p.a.dial("101", CIP_AUDIO_3K1, p.now).unwrap();
    p.pump();
    assert!(p.take_b().is_empty());
    // "Ignore" from the only listener: nobody answered.
    assert_eq!(p.take_a(), [Ev::HungUp(ca, HangupCause::NoUserResponding)]);
}

#[test]
fn an_unanswered_call_is_given_up_after_the_setup_timeout() {
    let long = ControllerConfig {
        setup_timeout: Duration::from_secs(600),
        ..cfg(&[], None)
    };
    let mut p = Pair::new(sim(2), cfg(&[], None), long);
    let ca = p.a.dial("100", CIP_AUDIO_3K1, p.now).unwrap();
    p.pump();
    let [Ev::Incoming { call: cb, .. }] = p.take_b()[..] else {
        panic!()
    };
    p.b.alert(cb);
    p.advance(Duration::from_secs(59));
    assert_eq!(p.take_a(), [Ev::Alerting(ca)]);
    assert_eq!(p.a.poll_timeout(), Some(p.now + Duration::from_secs(1)));
    p.advance(Duration::from_secs(1));
    assert_eq!(p.take_a(), [Ev::HungUp(ca, HangupCause::NoAnswer)]);
    assert_eq!(p.take_b(), [Ev::HungUp(cb, HangupCause::NormalClearing)]);
    assert_eq!(p.sim.channels_in_use(), 0);
}

#[test]
fn an_application_that_goes_away_clears_its_peers_calls() {
    let mut p = Pair::new(sim(2), cfg(&[], None), cfg(&[], None));
    let (ca, _) = p.connect("100");
    p.sim.handle_close(B);
    p.pump();
    let [Ev::HungUp(call, cause)] = p.take_a()[..] else {
        panic!()
    };
    assert_eq!((call, cause.q850()), (ca, 27));
    assert!(cause.is_temporary());
}
