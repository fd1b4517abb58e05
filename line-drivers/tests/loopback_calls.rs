//! Call setup and clearing on the loopback exchange: every way a call can
//! end, with the cause each side sees.

mod common;

use std::time::Duration;

use common::Bench;
use fax_t30::media::{IfpPacket, FRAME_SAMPLES, SILENCE};
use line_drivers::loopback::{
    Behaviour, ExchangeConfig, Impairments, NumberPattern, Responder, SharedExchange,
};
use line_drivers::{
    CallId, CallProgress, DtmfDigit, HangupCause, Line, LineCaps, LineError, LineEvent, Media,
    MediaKind,
};

fn progress(call: CallId, progress: CallProgress) -> LineEvent {
    LineEvent::Progress { call, progress }
}

fn hung_up(call: CallId, cause: HangupCause) -> LineEvent {
    LineEvent::HungUp { call, cause }
}

fn virtual_numbers() -> ExchangeConfig {
    ExchangeConfig::default()
        .with_behaviour(NumberPattern::exact("0100"), Behaviour::Busy)
        .with_behaviour(NumberPattern::exact("0200"), Behaviour::NeverAnswer)
        .with_behaviour(NumberPattern::exact("0300"), Behaviour::answer_with_voice())
        .with_behaviour(NumberPattern::exact("0400"), Behaviour::echo())
        .with_behaviour(
            NumberPattern::prefix("05"),
            Behaviour::Reject(HangupCause::Congestion),
        )
        .with_behaviour(
            NumberPattern::exact("0600"),
            Behaviour::Reject(HangupCause::NumberChanged),
        )
        .with_behaviour(
            NumberPattern::exact("0700"),
            Behaviour::Answer {
                after: Duration::ZERO,
                responder: Responder::Silence,
                hang_up_after: Some(Duration::from_secs(2)),
            },
        )
}

#[test]
fn unknown_number_is_unallocated() {
    let mut b = Bench::new(ExchangeConfig::default());
    let a = b.line("100", LineCaps::FAX);
    let call = b.ex.dial(a, "999", MediaKind::Audio, b.now()).unwrap();
    assert!(!b.ex.is_idle(a));
    b.tick();
    assert_eq!(
        b.events(a),
        vec![
            progress(call, CallProgress::Dialling),
            hung_up(call, HangupCause::UnallocatedNumber)
        ]
    );
    assert!(b.ex.is_idle(a));
    assert!(HangupCause::UnallocatedNumber.is_permanent());
    assert_eq!(b.ex.active_calls(), 0);
}

#[test]
fn a_line_with_a_call_is_busy() {
    let mut b = Bench::new(ExchangeConfig::default());
    let (a, bb, c) = (
        b.line("100", LineCaps::FAX),
        b.line("200", LineCaps::FAX),
        b.line("300", LineCaps::FAX),
    );
    b.connect(a, bb, MediaKind::Audio, Impairments::CLEAN);
    let call = b.ex.dial(c, "200", MediaKind::Audio, b.now()).unwrap();
    b.tick();
    assert_eq!(
        b.signals(c).last(),
        Some(&hung_up(call, HangupCause::UserBusy))
    );
    assert!(b.signals(bb).is_empty(), "the busy line hears nothing");
    // A line that is placing a call is busy too, from the moment it dials.
    let d = b.line("400", LineCaps::FAX);
    let e = b.line("500", LineCaps::FAX);
    b.line("600", LineCaps::FAX);
    b.ex.dial(d, "600", MediaKind::Audio, b.now()).unwrap();
    let call = b.ex.dial(e, "400", MediaKind::Audio, b.now()).unwrap();
    b.tick();
    assert_eq!(
        b.signals(e).last(),
        Some(&hung_up(call, HangupCause::UserBusy))
    );
}

#[test]
fn dialling_on_a_busy_line_is_refused() {
    let mut b = Bench::new(ExchangeConfig::default());
    let a = b.line("100", LineCaps::FAX);
    b.ex.dial(a, "999", MediaKind::Audio, b.now()).unwrap();
    assert!(matches!(
        b.ex.dial(a, "998", MediaKind::Audio, b.now()),
        Err(LineError::LineBusy)
    ));
}

#[test]
fn invalid_numbers_are_refused_before_dialling() {
    let mut b = Bench::new(ExchangeConfig::default());
    let a = b.line("100", LineCaps::FAX);
    for bad in ["", "12a", "+"] {
        assert!(matches!(
            b.ex.dial(a, bad, MediaKind::Audio, b.now()),
            Err(LineError::InvalidNumber(_))
        ));
    }
    assert!(b.ex.is_idle(a));
    assert!(matches!(
        b.ex.add_line("100", LineCaps::FAX),
        Err(LineError::NumberInUse(_))
    ));
}

#[test]
fn answered_call_reports_progress_to_both_sides() {
    let mut b = Bench::new(ExchangeConfig::default());
    let (a, bb) = (b.line("100", LineCaps::FAX), b.line("200", LineCaps::FAX));
    let call = b.ex.dial(a, "200", MediaKind::T38, b.now()).unwrap();
    b.tick();
    assert_eq!(
        b.events(bb),
        vec![LineEvent::Incoming {
            call,
            caller: Some("100".into()),
            called: "200".into(),
            media: MediaKind::T38
        }]
    );
    assert_eq!(
        b.events(a),
        vec![
            progress(call, CallProgress::Dialling),
            progress(call, CallProgress::Ringing)
        ]
    );
    assert!(
        matches!(b.ex.answer(a, call, b.now()), Err(LineError::NotRinging(_))),
        "caller cannot answer"
    );
    b.ex.answer(bb, call, b.now()).unwrap();
    assert_eq!(b.events(a), vec![progress(call, CallProgress::Answered)]);
    assert_eq!(b.events(bb), vec![progress(call, CallProgress::Answered)]);
    assert!(
        matches!(
            b.ex.answer(bb, call, b.now()),
            Err(LineError::NotRinging(_))
        ),
        "only once"
    );
}

#[test]
fn caller_hangup_clears_normally_at_the_far_end() {
    let mut b = Bench::new(ExchangeConfig::default());
    let (a, bb) = (b.line("100", LineCaps::FAX), b.line("200", LineCaps::FAX));
    let call = b.connect(a, bb, MediaKind::Audio, Impairments::CLEAN);
    b.run(5);
    b.ex.hangup(a, call, HangupCause::NormalClearing, b.now());
    assert!(
        b.events(a).is_empty(),
        "the side that hangs up drops its queued events"
    );
    assert_eq!(
        b.signals(bb),
        vec![hung_up(call, HangupCause::NormalClearing)]
    );
    assert!(b.ex.is_idle(a) && b.ex.is_idle(bb));
    // Both lines can call again.
    b.connect(bb, a, MediaKind::Audio, Impairments::CLEAN);
}

#[test]
fn callee_hangup_passes_its_cause_to_the_caller() {
    let mut b = Bench::new(ExchangeConfig::default());
    let (a, bb) = (b.line("100", LineCaps::FAX), b.line("200", LineCaps::FAX));
    let call = b.connect(a, bb, MediaKind::Audio, Impairments::CLEAN);
    b.ex.hangup(bb, call, HangupCause::IncompatibleDestination, b.now());
    assert_eq!(
        b.signals(a),
        vec![hung_up(call, HangupCause::IncompatibleDestination)]
    );
    // A late hangup of a call that is gone is ignored.
    b.ex.hangup(a, call, HangupCause::NormalClearing, b.now());
    assert!(b.ex.is_idle(a));
}

#[test]
fn refusing_a_ringing_call_rejects_it() {
    let mut b = Bench::new(ExchangeConfig::default());
    let (a, bb) = (b.line("100", LineCaps::FAX), b.line("200", LineCaps::FAX));
    let call = b.ex.dial(a, "200", MediaKind::Audio, b.now()).unwrap();
    b.tick();
    b.ex.hangup(bb, call, HangupCause::CallRejected, b.now());
    assert_eq!(
        b.signals(a).last(),
        Some(&hung_up(call, HangupCause::CallRejected))
    );
    assert!(b.events(bb).is_empty());
}

#[test]
fn caller_abandoning_a_ringing_call_clears_the_callee() {
    let mut b = Bench::new(ExchangeConfig::default());
    let (a, bb) = (b.line("100", LineCaps::FAX), b.line("200", LineCaps::FAX));
    let call = b.ex.dial(a, "200", MediaKind::Audio, b.now()).unwrap();
    b.tick();
    b.ex.hangup(a, call, HangupCause::Cancelled, b.now());
    assert_eq!(
        b.signals(bb).last(),
        Some(&hung_up(call, HangupCause::Cancelled))
    );
    assert!(b.ex.is_idle(bb));
}

#[test]
fn a_line_nobody_answers_times_out_with_no_answer() {
    let mut b = Bench::new(ExchangeConfig::default());
    let (a, bb) = (b.line("100", LineCaps::FAX), b.line("200", LineCaps::FAX));
    let call = b.ex.dial(a, "200", MediaKind::Audio, b.now()).unwrap();
    b.tick(); // routed: ringing from here
    b.events(a);
    b.run_for(Duration::from_secs(30) - Duration::from_millis(20));
    assert!(b.signals(a).is_empty(), "still ringing just before 30 s");
    b.tick();
    assert_eq!(b.signals(a), vec![hung_up(call, HangupCause::NoAnswer)]);
    assert_eq!(
        b.signals(bb).last(),
        Some(&hung_up(call, HangupCause::NoAnswer))
    );
    assert!(b.ex.is_idle(a) && b.ex.is_idle(bb));
    assert!(HangupCause::NoAnswer.is_temporary());
}

#[test]
fn ring_timeout_is_configurable() {
    let mut b = Bench::new(ExchangeConfig {
        ring_timeout: Duration::from_secs(5),
        ..virtual_numbers()
    });
    let a = b.line("100", LineCaps::FAX);
    let call = b.ex.dial(a, "0200", MediaKind::Audio, b.now()).unwrap();
    let (event, ticks) = b.next_signal(a, 1000).unwrap();
    assert_eq!(event, progress(call, CallProgress::Dialling));
    assert_eq!(ticks, 0);
    let (event, _) = b.next_signal(a, 1000).unwrap();
    assert_eq!(event, progress(call, CallProgress::Ringing));
    let (event, ticks) = b.next_signal(a, 1000).unwrap();
    assert_eq!(event, hung_up(call, HangupCause::NoAnswer));
    assert_eq!(ticks, 250, "5 s of 20 ms ticks");
}

#[test]
fn virtual_numbers_behave_as_configured() {
    let mut b = Bench::new(virtual_numbers());
    let a = b.line("100", LineCaps::FAX);
    for (number, cause) in [
        ("0100", HangupCause::UserBusy),
        ("0555", HangupCause::Congestion),
        ("0600", HangupCause::NumberChanged),
    ] {
        let call = b.ex.dial(a, number, MediaKind::Audio, b.now()).unwrap();
        b.tick();
        assert_eq!(b.signals(a).last(), Some(&hung_up(call, cause)), "{number}");
    }
}

#[test]
fn a_voice_number_answers_and_talks() {
    let mut b = Bench::new(virtual_numbers());
    let a = b.line("100", LineCaps::FAX);
    let call = b.ex.dial(a, "0300", MediaKind::Audio, b.now()).unwrap();
    b.tick();
    b.events(a);
    b.run_for(Duration::from_secs(4));
    assert_eq!(b.signals(a), vec![progress(call, CallProgress::Answered)]);
    b.run(50);
    let frames = b.audio(a);
    assert_eq!(frames.len(), 50, "one frame per tick");
    assert!(
        frames.iter().any(|f| common::rms(f) > 300.0),
        "speech-like audio"
    );
    // A T.38 call to a voice number is incompatible.
    b.ex.hangup(a, call, HangupCause::NormalClearing, b.now());
    let call = b.ex.dial(a, "0300", MediaKind::T38, b.now()).unwrap();
    b.tick();
    assert_eq!(
        b.signals(a).last(),
        Some(&hung_up(call, HangupCause::IncompatibleDestination))
    );
}

#[test]
fn an_echo_number_returns_audio_and_packets() {
    let mut b = Bench::new(virtual_numbers());
    let a = b.line("100", LineCaps::FAX);
    let call = b.ex.dial(a, "0400", MediaKind::Audio, b.now()).unwrap();
    b.run(2);
    assert_eq!(
        b.signals(a).last(),
        Some(&progress(call, CallProgress::Answered))
    );
    let tone = [1234i16; FRAME_SAMPLES];
    b.ex.send(a, call, Media::Audio(tone), b.now()).unwrap();
    b.run(4);
    let frames = b.audio(a);
    // Latency 1 each way: sent before tick 1, back at tick 3.
    assert_eq!(frames, vec![SILENCE, SILENCE, tone, SILENCE]);
    b.ex.hangup(a, call, HangupCause::NormalClearing, b.now());

    let call = b.ex.dial(a, "0400", MediaKind::T38, b.now()).unwrap();
    b.run(2);
    b.events(a);
    let packet = IfpPacket {
        seq: 7,
        data: vec![1, 2, 3],
    };
    b.ex.send(a, call, Media::T38(packet.clone()), b.now())
        .unwrap();
    b.run(3);
    assert_eq!(
        b.events(a),
        vec![LineEvent::Media {
            call,
            media: Media::T38(packet)
        }]
    );
}

#[test]
fn a_virtual_party_can_hang_up() {
    let mut b = Bench::new(virtual_numbers());
    let a = b.line("100", LineCaps::FAX);
    let call = b.ex.dial(a, "0700", MediaKind::Audio, b.now()).unwrap();
    b.run(2);
    b.events(a);
    let (event, ticks) = b.next_signal(a, 1000).unwrap();
    assert_eq!(event, hung_up(call, HangupCause::NormalClearing));
    assert_eq!(ticks, 100, "2 s after answering");
}

#[test]
fn t38_needs_t38_on_both_lines() {
    let mut b = Bench::new(ExchangeConfig::default());
    let fax = b.line("100", LineCaps::FAX);
    let analog = b.line("200", LineCaps::AUDIO_FAX);
    assert!(matches!(
        b.ex.dial(analog, "100", MediaKind::T38, b.now()),
        Err(LineError::Unsupported(MediaKind::T38))
    ));
    let call = b.ex.dial(fax, "200", MediaKind::T38, b.now()).unwrap();
    b.tick();
    assert_eq!(
        b.signals(fax).last(),
        Some(&hung_up(call, HangupCause::IncompatibleDestination))
    );
    assert!(b.events(analog).is_empty());
    let voice = b.line("300", LineCaps::VOICE);
    let call = b.ex.dial(voice, "200", MediaKind::Audio, b.now()).unwrap();
    b.tick();
    assert_eq!(
        b.signals(voice).last(),
        Some(&progress(call, CallProgress::Ringing))
    );
}

#[test]
fn media_needs_a_connected_call_of_its_kind() {
    let mut b = Bench::new(ExchangeConfig::default());
    let (a, bb) = (b.line("100", LineCaps::FAX), b.line("200", LineCaps::FAX));
    let call = b.ex.dial(a, "200", MediaKind::Audio, b.now()).unwrap();
    let frame = Media::Audio(SILENCE);
    assert!(matches!(
        b.ex.send(a, call, frame.clone(), b.now()),
        Err(LineError::NotConnected(_))
    ));
    b.tick();
    b.ex.answer(bb, call, b.now()).unwrap();
    b.ex.send(a, call, frame.clone(), b.now()).unwrap();
    let packet = Media::T38(IfpPacket {
        seq: 0,
        data: vec![],
    });
    assert!(matches!(
        b.ex.send(a, call, packet, b.now()),
        Err(LineError::Unsupported(MediaKind::T38))
    ));
    assert!(matches!(
        b.ex.send(a, CallId(999), frame, b.now()),
        Err(LineError::NoSuchCall(_))
    ));
}

#[test]
fn dtmf_passes_unchanged_after_the_latency() {
    let mut b = Bench::new(ExchangeConfig::default());
    let (a, bb) = (b.line("100", LineCaps::FAX), b.line("200", LineCaps::FAX));
    let call = b.connect(a, bb, MediaKind::T38, Impairments::CLEAN);
    let digit = DtmfDigit::new('#', Duration::from_millis(80)).unwrap();
    b.ex.send(a, call, Media::Dtmf(digit), b.now()).unwrap();
    b.tick();
    assert!(b.events(bb).is_empty());
    b.tick();
    assert_eq!(
        b.events(bb),
        vec![LineEvent::Media {
            call,
            media: Media::Dtmf(digit)
        }]
    );

    let no_dtmf = b.line(
        "300",
        LineCaps {
            dtmf: false,
            ..LineCaps::FAX
        },
    );
    let c = b.line("400", LineCaps::FAX);
    let call = b.connect(no_dtmf, c, MediaKind::Audio, Impairments::CLEAN);
    assert!(matches!(
        b.ex.send(no_dtmf, call, Media::Dtmf(digit), b.now()),
        Err(LineError::DtmfUnsupported)
    ));
}

#[test]
fn an_unpolled_line_drops_media_but_not_signalling() {
    let mut b = Bench::new(ExchangeConfig {
        max_queued_events: 10,
        ..ExchangeConfig::default()
    });
    let (a, bb) = (b.line("100", LineCaps::FAX), b.line("200", LineCaps::FAX));
    let call = b.connect(a, bb, MediaKind::Audio, Impairments::CLEAN);
    b.run(20);
    assert_eq!(b.ex.dropped_media(bb), 10);
    b.ex.hangup(a, call, HangupCause::NormalClearing, b.now());
    let events = b.events(bb);
    assert_eq!(events.len(), 11);
    assert_eq!(
        events.last(),
        Some(&hung_up(call, HangupCause::NormalClearing))
    );
}

/// The kernel holds lines as `dyn Line`; both handle types work that way.
#[test]
fn lines_work_through_the_trait() {
    fn call_and_wait(
        line: &mut dyn Line,
        number: &str,
        clock: &mut line_drivers::SimClock,
        ex: &SharedExchange,
    ) -> Vec<LineEvent> {
        line.dial(number, MediaKind::Audio, clock.now()).unwrap();
        ex.tick(clock.tick());
        std::iter::from_fn(|| line.poll_event()).collect()
    }
    let ex = SharedExchange::new(ExchangeConfig::default());
    let mut a = ex.add_line("100", LineCaps::FAX).unwrap();
    let mut bb = ex.add_line("200", LineCaps::FAX).unwrap();
    let mut clock = line_drivers::SimClock::new(test_kit::origin());
    assert_eq!(a.id().0, "loop/100");
    let events = call_and_wait(&mut a, "200", &mut clock, &ex);
    assert_eq!(events.len(), 2);
    let Some(LineEvent::Incoming { call, .. }) = bb.poll_event() else {
        panic!("no call")
    };
    bb.answer(call, clock.now()).unwrap();
    bb.hangup(call, HangupCause::NormalClearing, clock.now());
    assert!(a.is_idle() && bb.is_idle());

    let mut ex = line_drivers::loopback::Exchange::new(ExchangeConfig::default());
    let ix = ex.add_line("300", LineCaps::FAX).unwrap();
    let mut line = ex.line(ix);
    let line: &mut dyn Line = &mut line;
    assert_eq!(line.caps(), LineCaps::FAX);
    line.dial("999", MediaKind::Audio, clock.now()).unwrap();
    assert!(!line.is_idle());
}

/// A bench builds one exchange per worker thread and moves it there.
#[test]
fn an_exchange_can_move_to_a_worker_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<line_drivers::loopback::Exchange>();
}
