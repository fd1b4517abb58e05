//! Virtual subscribers: numbers without a line behind them that behave in a
//! fixed way (always busy, never answer, answer with voice, echo), so a test
//! can reach "a number that …" without writing the other side.

use std::time::Duration;

use fax_t30::media::{AudioFrame, FRAME_SAMPLES, SAMPLE_RATE};

use crate::cause::HangupCause;
use crate::line::{Media, MediaKind};

/// Which dialled numbers a behaviour applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberPattern {
    /// This number only.
    Exact(String),
    /// Every number starting with this prefix.
    Prefix(String),
}

impl NumberPattern {
    /// `NumberPattern::Exact`.
    pub fn exact(number: &str) -> NumberPattern {
        NumberPattern::Exact(number.to_owned())
    }

    /// `NumberPattern::Prefix`.
    pub fn prefix(prefix: &str) -> NumberPattern {
        NumberPattern::Prefix(prefix.to_owned())
    }

    /// True if `number` matches.
    pub fn matches(&self, number: &str) -> bool {
        match self {
            NumberPattern::Exact(n) => n == number,
            NumberPattern::Prefix(p) => number.starts_with(p.as_str()),
        }
    }
}

/// How a virtual subscriber treats a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Behaviour {
    /// Always busy: the caller gets `HungUp(UserBusy)`.
    Busy,
    /// The network refuses the call with this cause (congestion, number
    /// changed, …).
    Reject(HangupCause),
    /// Rings until the ring timeout: `HungUp(NoAnswer)`.
    NeverAnswer,
    /// Answers after ringing for `after`, then plays the responder's audio;
    /// hangs up (normal clearing) after `hang_up_after` if set.
    Answer {
        /// Ring time before answering.
        after: Duration,
        /// What the caller hears.
        responder: Responder,
        /// Call length after which the virtual side hangs up.
        hang_up_after: Option<Duration>,
    },
}

impl Behaviour {
    /// A person who picks up after two rings and talks (a fax sender must
    /// give up: the number is not a fax).
    pub fn answer_with_voice() -> Behaviour {
        Behaviour::Answer {
            after: Duration::from_secs(4),
            responder: Responder::Voice,
            hang_up_after: None,
        }
    }

    /// A loop-around test number: answers at once and returns what it hears.
    pub fn echo() -> Behaviour {
        Behaviour::Answer {
            after: Duration::ZERO,
            responder: Responder::Echo,
            hang_up_after: None,
        }
    }
}

/// What an answering virtual subscriber sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Responder {
    /// Nothing (the path carries silence).
    Silence,
    /// Speech-like audio: harmonics of 200 Hz in 150 ms syllables, about
    /// −22 dBm0 at a syllable's peak, clear of the fax tones (CNG 1100 Hz,
    /// CED 2100 Hz, V.21).
    /// Audio calls only: a T.38 call is refused as incompatible.
    Voice,
    /// Everything received (audio, T.38, DTMF) is sent back, so it crosses
    /// the line's impairments twice.
    Echo,
}

impl Responder {
    pub(crate) fn accepts(self, kind: MediaKind) -> bool {
        !(self == Responder::Voice && kind == MediaKind::T38)
    }
}

/// The far end of a call to a virtual number.
#[derive(Debug, Clone)]
pub(crate) struct VirtualParty {
    pub answer_after: Option<Duration>,
    pub hang_up_after: Option<Duration>,
    responder: Responder,
    voice: VoiceSource,
}

impl VirtualParty {
    pub fn new(
        answer_after: Option<Duration>,
        responder: Responder,
        hang_up_after: Option<Duration>,
    ) -> VirtualParty {
        VirtualParty {
            answer_after,
            hang_up_after,
            responder,
            voice: VoiceSource::default(),
        }
    }

    /// What the party sends this tick on its own.
    pub fn speak(&mut self) -> Option<AudioFrame> {
        (self.responder == Responder::Voice).then(|| self.voice.next_frame())
    }

    /// What it sends back for media it received.
    pub fn hear(&self, media: Media) -> Option<Media> {
        (self.responder == Responder::Echo).then_some(media)
    }
}

/// Syllable period and voiced part, in samples.
const SYLLABLE: u64 = SAMPLE_RATE as u64 / 4;
const VOICED: u64 = SAMPLE_RATE as u64 * 3 / 20;
/// Amplitude of the fundamental; with its harmonics about −22 dBm0 RMS.
const HARMONIC_AMPLITUDE: f32 = 1300.0;
const FUNDAMENTAL_HZ: f32 = 200.0;

#[derive(Debug, Clone, Default)]
struct VoiceSource {
    sample: u64,
}

impl VoiceSource {
    fn next_frame(&mut self) -> AudioFrame {
        let mut frame = [0i16; FRAME_SAMPLES];
        for s in frame.iter_mut() {
            let n = self.sample;
            self.sample += 1;
            let in_syllable = n % SYLLABLE;
            if in_syllable >= VOICED {
                continue;
            }
            // Raised-sine envelope over the voiced part.
            let env = (std::f32::consts::PI * in_syllable as f32 / VOICED as f32).sin();
            let t = n as f32 / SAMPLE_RATE as f32;
            let w = 2.0 * std::f32::consts::PI * FUNDAMENTAL_HZ * t;
            let v = (w.sin() + (2.0 * w).sin() * 0.8 + (3.0 * w).sin() * 0.5)
                * HARMONIC_AMPLITUDE
                * env;
            *s = v as i16;
        }
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match() {
        assert!(NumberPattern::exact("0800").matches("0800"));
        assert!(!NumberPattern::exact("0800").matches("08001"));
        assert!(NumberPattern::prefix("0900").matches("09001234"));
        assert!(!NumberPattern::prefix("0900").matches("0800"));
    }

    #[test]
    fn voice_has_syllables() {
        let mut v = VoiceSource::default();
        let frames: Vec<AudioFrame> = (0..25).map(|_| v.next_frame()).collect();
        let energy = |f: &AudioFrame| f.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>();
        assert!(energy(&frames[3]) > 1e6, "voiced");
        assert_eq!(energy(&frames[9]), 0.0, "pause between syllables");
    }
}
