//! Test harness: an exchange on a simulated clock, driven by line index.
#![allow(dead_code)] // each test file uses part of it

use std::time::{Duration, Instant};

use fax_t30::media::{AudioFrame, FRAME_SAMPLES, SAMPLE_RATE};
use line_drivers::loopback::{Exchange, ExchangeConfig, Impairments, LineIndex};
use line_drivers::{CallId, CallProgress, LineCaps, LineEvent, Media, MediaKind, SimClock};

pub struct Bench {
    pub ex: Exchange,
    pub clock: SimClock,
}

impl Bench {
    pub fn new(config: ExchangeConfig) -> Bench {
        Bench {
            ex: Exchange::new(config),
            clock: SimClock::new(test_kit::origin()),
        }
    }

    pub fn line(&mut self, number: &str, caps: LineCaps) -> LineIndex {
        self.ex.add_line(number, caps).expect("fresh number")
    }

    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    pub fn tick(&mut self) {
        let now = self.clock.tick();
        self.ex.tick(now);
    }

    pub fn run(&mut self, ticks: usize) {
        for _ in 0..ticks {
            self.tick();
        }
    }

    /// Run for a stretch of media time.
    pub fn run_for(&mut self, d: Duration) {
        self.run((d.as_millis() / 20) as usize);
    }

    pub fn events(&mut self, ix: LineIndex) -> Vec<LineEvent> {
        std::iter::from_fn(|| self.ex.poll_event(ix)).collect()
    }

    /// Signalling events only (media dropped).
    pub fn signals(&mut self, ix: LineIndex) -> Vec<LineEvent> {
        let mut v = self.events(ix);
        v.retain(|e| !matches!(e, LineEvent::Media { .. }));
        v
    }

    /// Tick until `ix` gets a signalling event; returns it and the ticks run.
    pub fn next_signal(&mut self, ix: LineIndex, max_ticks: usize) -> Option<(LineEvent, usize)> {
        for n in 0..=max_ticks {
            while let Some(e) = self.ex.poll_event(ix) {
                if !matches!(e, LineEvent::Media { .. }) {
                    return Some((e, n));
                }
            }
            self.tick();
        }
        None
    }

    /// Dial from `a` to `b`, let `b` answer, and drain both lines' events.
    pub fn connect(
        &mut self,
        a: LineIndex,
        b: LineIndex,
        kind: MediaKind,
        imp: Impairments,
    ) -> CallId {
        let number = self.ex.number(b).to_owned();
        let call = self
            .ex
            .dial_with(a, &number, kind, imp, self.now())
            .expect("dial");
        self.tick();
        let incoming = self.events(b);
        assert!(
            matches!(incoming.as_slice(), [LineEvent::Incoming { call: c, .. }] if *c == call),
            "{incoming:?}"
        );
        self.ex.answer(b, call, self.now()).expect("answer");
        let a_events = self.events(a);
        assert_eq!(
            a_events.last(),
            Some(&LineEvent::Progress {
                call,
                progress: CallProgress::Answered
            })
        );
        self.events(b);
        call
    }

    /// Audio frames waiting for `ix`.
    pub fn audio(&mut self, ix: LineIndex) -> Vec<AudioFrame> {
        self.events(ix)
            .into_iter()
            .filter_map(|e| match e {
                LineEvent::Media {
                    media: Media::Audio(f),
                    ..
                } => Some(f),
                _ => None,
            })
            .collect()
    }
}

/// A sine frame starting at sample `n0` of a continuous tone.
pub fn sine(freq_hz: f64, amplitude: f64, n0: u64) -> AudioFrame {
    std::array::from_fn(|i| {
        let n = (n0 + i as u64) as f64;
        (amplitude * (2.0 * std::f64::consts::PI * freq_hz * n / f64::from(SAMPLE_RATE)).sin())
            .round() as i16
    })
}

pub fn rms(samples: &[i16]) -> f64 {
    (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt()
}

pub const FRAME: u64 = FRAME_SAMPLES as u64;
