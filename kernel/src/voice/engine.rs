//! The voicemail engine: plays the greeting and the beep, records the
//! caller, decides when the message ends and whether it is worth keeping.
//! With auto-detect it also listens for a fax calling tone (CNG) from the
//! first frame on, and hands the call over to fax reception when it hears
//! one.
//!
//! ```text
//!  ExpectGreetingEnd ──(greeting + beep played)──▶ Recording ──▶ Finished
//!        │                                           │ silence · max length ·
//!        └──────────── CNG heard (auto-detect) ──────┴─▶ FaxDetected
//!                                                      `#` · hang-up · no media
//! ```
//!
//! Sans-IO on a 20 ms frame clock: the owner calls [`VoicemailEngine::handle_audio`]
//! / [`handle_dtmf`](VoicemailEngine::handle_dtmf) /
//! [`handle_hangup`](VoicemailEngine::handle_hangup) with what the line
//! delivered, then [`poll_audio`](VoicemailEngine::poll_audio) once per tick
//! for the frame to send, then drains [`poll_event`](VoicemailEngine::poll_event).
//! Every duration is counted in frames, so a simulated clock drives it
//! exactly.

use std::time::Duration;

use fax_t30::media::{AudioFrame, FRAME_DURATION, FRAME_SAMPLES, SILENCE};
use fax_t30::tones::{ConnectTone, ConnectToneDetector, DtmfDetector};

use super::{prompt, VoicemailConfig};

/// RMS of a 0 dBm0 sine in 16-bit linear samples (G.711: a full-scale sine
/// is +3.14 dBm0).
const DBM0_RMS: f32 = 16_135.0;

/// Why a recording ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum EndReason {
    /// The caller was silent for the silence timeout.
    Silence,
    /// The caller pressed the end key (`#`).
    Key,
    /// The caller hung up.
    HangUp,
    /// The recording reached its maximum length.
    MaxLength,
    /// The line delivered no audio for the no-media timeout.
    NoMedia,
}

impl EndReason {
    pub fn text(self) -> &'static str {
        match self {
            EndReason::Silence => "silence",
            EndReason::Key => "end key",
            EndReason::HangUp => "caller hung up",
            EndReason::MaxLength => "maximum length reached",
            EndReason::NoMedia => "no audio from the line",
        }
    }

    /// Silence, the end key and hanging up are the normal ways to finish
    /// a message; the length limit or a line that stopped delivering audio
    /// cut it.
    pub fn is_complete(self) -> bool {
        matches!(
            self,
            EndReason::Silence | EndReason::Key | EndReason::HangUp
        )
    }
}

/// A finished recording, 8 kHz linear.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    pub samples: Vec<i16>,
    pub ended_by: EndReason,
    /// Time in which the caller's level was above the silence threshold.
    pub active: Duration,
}

impl Recording {
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.samples.len() as f64 / 8000.0)
    }
}

/// Why a recording was not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Hung up before the beep: nothing was recorded.
    BeforeBeep,
    /// Shorter than the configured minimum.
    TooShort(Duration),
    /// Less speech than the configured minimum (a silent call).
    TooQuiet(Duration),
}

/// What the engine reports.
#[derive(Debug, Clone, PartialEq)]
pub enum VoicemailEvent {
    /// The beep ended; recording starts.
    RecordingStarted,
    /// A fax calling tone was heard on an auto-detect call: hand the call
    /// to a fax receiver now (the engine is done).
    FaxDetected,
    /// The message, worth keeping.
    Recorded(Recording),
    /// The call ended without a message worth keeping.
    Dropped(DropReason),
}

enum State {
    /// Playing greeting and beep; `pos` samples sent so far.
    ExpectGreetingEnd {
        pos: usize,
    },
    Recording(Rec),
    Finished,
}

#[derive(Default)]
struct Rec {
    samples: Vec<i16>,
    active_frames: u32,
    /// Frames since the last active one.
    silent_run: u32,
    /// Sample index after the last active frame.
    last_active_end: usize,
    /// Where a possible in-band digit began (for cutting it out).
    tone_start: Option<usize>,
    /// Ticks since the last audio frame arrived.
    ticks_without_media: u32,
}

/// See the module docs.
pub struct VoicemailEngine {
    config: VoicemailConfig,
    prompt: Vec<i16>,
    state: State,
    dtmf: Option<DtmfDetector>,
    cng: Option<ConnectToneDetector>,
    events: Vec<VoicemailEvent>,
    threshold_rms: f32,
}

fn frames(d: Duration) -> u32 {
    (d.as_micros() / FRAME_DURATION.as_micros()).min(u128::from(u32::MAX)) as u32
}

impl VoicemailEngine {
    /// An engine that plays `greeting` (8 kHz; the beep is added) and
    /// listens for CNG if `auto_detect`.
    pub fn new(
        config: VoicemailConfig,
        greeting: Vec<i16>,
        auto_detect: bool,
    ) -> Result<VoicemailEngine, fax_t30::Error> {
        let mut prompt = greeting;
        prompt.extend(prompt::beep());
        let threshold_rms = DBM0_RMS * 10f32.powf(config.silence_threshold_dbm0 / 20.0);
        Ok(VoicemailEngine {
            dtmf: if config.inband_dtmf {
                Some(DtmfDetector::new()?)
            } else {
                None
            },
            cng: if auto_detect {
                Some(ConnectToneDetector::new(ConnectTone::FaxCng)?)
            } else {
                None
            },
            config,
            prompt,
            state: State::ExpectGreetingEnd { pos: 0 },
            events: Vec::new(),
            threshold_rms,
        })
    }

    /// True once the engine has reported its last event.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Finished)
    }

    /// True while recording.
    pub fn is_recording(&self) -> bool {
        matches!(self.state, State::Recording(_))
    }

    /// A 20 ms frame from the caller.
    pub fn handle_audio(&mut self, frame: &AudioFrame) {
        if self.is_finished() {
            return;
        }
        if let Some(cng) = self.cng.as_mut() {
            if cng.process(frame) {
                self.state = State::Finished;
                self.events.push(VoicemailEvent::FaxDetected);
                return;
            }
        }
        let State::Recording(rec) = &mut self.state else {
            return;
        };
        rec.ticks_without_media = 0;
        let start = rec.samples.len();
        rec.samples.extend_from_slice(frame);
        let mut key = false;
        if let Some(dtmf) = self.dtmf.as_mut() {
            let digits = dtmf.process(frame);
            if dtmf.tone_present() {
                rec.tone_start.get_or_insert(start);
            }
            key = digits.contains(&self.config.end_key);
            if !key && !dtmf.tone_present() {
                rec.tone_start = None;
            }
        }
        if key {
            let cut = rec.tone_start.unwrap_or(start);
            rec.samples.truncate(cut);
            self.finish(EndReason::Key);
            return;
        }
        let energy: f64 = frame.iter().map(|&s| f64::from(s).powi(2)).sum();
        let rms = (energy / FRAME_SAMPLES as f64).sqrt() as f32;
        if rms >= self.threshold_rms {
            rec.active_frames += 1;
            rec.silent_run = 0;
            rec.last_active_end = rec.samples.len();
        } else {
            rec.silent_run += 1;
        }
        if rec.silent_run >= frames(self.config.silence_timeout).max(1) {
            self.finish(EndReason::Silence);
        } else if rec.samples.len() >= frames(self.config.max_length) as usize * FRAME_SAMPLES {
            self.finish(EndReason::MaxLength);
        }
    }

    /// An out-of-band key press (RFC 4733, ISDN keypad).
    pub fn handle_dtmf(&mut self, digit: char) {
        if self.is_recording() && digit == self.config.end_key {
            self.finish(EndReason::Key);
        }
    }

    /// The caller hung up.
    pub fn handle_hangup(&mut self) {
        match self.state {
            State::ExpectGreetingEnd { .. } => {
                self.state = State::Finished;
                self.events
                    .push(VoicemailEvent::Dropped(DropReason::BeforeBeep));
            }
            State::Recording(_) => self.finish(EndReason::HangUp),
            State::Finished => {}
        }
    }

    /// The frame to send this tick (silence once the prompt is over).
    pub fn poll_audio(&mut self) -> AudioFrame {
        match &mut self.state {
            State::ExpectGreetingEnd { pos } => {
                let mut out = SILENCE;
                let end = (*pos + FRAME_SAMPLES).min(self.prompt.len());
                out[..end - *pos].copy_from_slice(&self.prompt[*pos..end]);
                *pos = end;
                if end == self.prompt.len() {
                    self.state = State::Recording(Rec::default());
                    self.events.push(VoicemailEvent::RecordingStarted);
                }
                out
            }
            State::Recording(rec) => {
                rec.ticks_without_media += 1;
                if rec.ticks_without_media > frames(self.config.no_media_timeout).max(1) {
                    self.finish(EndReason::NoMedia);
                }
                SILENCE
            }
            State::Finished => SILENCE,
        }
    }

    pub fn poll_event(&mut self) -> Option<VoicemailEvent> {
        (!self.events.is_empty()).then(|| self.events.remove(0))
    }

    fn finish(&mut self, reason: EndReason) {
        let State::Recording(mut rec) = std::mem::replace(&mut self.state, State::Finished) else {
            return;
        };
        // Trailing silence beyond the hangover goes (a caller who stops
        // talking and waits, or a line left open).
        let keep = rec.last_active_end + frames(self.config.hangover) as usize * FRAME_SAMPLES;
        if reason != EndReason::Key {
            rec.samples.truncate(keep.min(rec.samples.len()));
        }
        let active = FRAME_DURATION * rec.active_frames;
        let recording = Recording {
            samples: rec.samples,
            ended_by: reason,
            active,
        };
        let event = if recording.duration() < self.config.min_duration {
            VoicemailEvent::Dropped(DropReason::TooShort(recording.duration()))
        } else if active < self.config.min_active {
            VoicemailEvent::Dropped(DropReason::TooQuiet(active))
        } else {
            VoicemailEvent::Recorded(recording)
        };
        self.events.push(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voice(n: usize) -> AudioFrame {
        let mut f = SILENCE;
        for (i, s) in f.iter_mut().enumerate() {
            let t = (n * FRAME_SAMPLES + i) as f32 / 8000.0;
            *s = (3000.0 * (2.0 * std::f32::consts::PI * 300.0 * t).sin()) as i16;
        }
        f
    }

    fn engine(auto: bool) -> VoicemailEngine {
        VoicemailEngine::new(VoicemailConfig::default(), prompt::default_greeting(), auto).unwrap()
    }

    /// Play the prompt out; returns how many ticks it took.
    fn through_prompt(e: &mut VoicemailEngine) -> usize {
        let mut ticks = 0;
        while !e.is_recording() {
            e.handle_audio(&SILENCE);
            e.poll_audio();
            ticks += 1;
            assert!(ticks < 1000);
        }
        assert_eq!(e.poll_event(), Some(VoicemailEvent::RecordingStarted));
        ticks
    }

    #[test]
    fn silence_ends_and_trims_the_recording() {
        let mut e = engine(false);
        through_prompt(&mut e);
        for n in 0..150 {
            e.handle_audio(&voice(n)); // 3 s of speech
            e.poll_audio();
        }
        let mut ticks = 0;
        while !e.is_finished() {
            e.handle_audio(&SILENCE);
            e.poll_audio();
            ticks += 1;
        }
        assert_eq!(ticks, frames(VoicemailConfig::default().silence_timeout));
        let Some(VoicemailEvent::Recorded(r)) = e.poll_event() else {
            panic!("recorded");
        };
        assert_eq!(r.ended_by, EndReason::Silence);
        let hang = VoicemailConfig::default().hangover;
        assert_eq!(r.duration(), Duration::from_secs(3) + hang);
        assert_eq!(r.active, Duration::from_secs(3));
    }

    #[test]
    fn a_silent_call_is_dropped() {
        let mut e = engine(false);
        through_prompt(&mut e);
        while !e.is_finished() {
            e.handle_audio(&SILENCE);
            e.poll_audio();
        }
        assert!(matches!(
            e.poll_event(),
            Some(VoicemailEvent::Dropped(
                DropReason::TooShort(_) | DropReason::TooQuiet(_)
            ))
        ));
    }

    #[test]
    fn out_of_band_hash_ends_without_trimming() {
        let mut e = engine(false);
        through_prompt(&mut e);
        for n in 0..100 {
            e.handle_audio(&voice(n));
        }
        e.handle_dtmf('5');
        assert!(e.is_recording(), "other keys are ignored");
        e.handle_dtmf('#');
        let Some(VoicemailEvent::Recorded(r)) = e.poll_event() else {
            panic!("recorded");
        };
        assert_eq!(r.ended_by, EndReason::Key);
        assert_eq!(r.duration(), Duration::from_secs(2));
    }

    #[test]
    fn no_media_ends_the_recording() {
        let mut e = engine(false);
        through_prompt(&mut e);
        for n in 0..100 {
            e.handle_audio(&voice(n));
        }
        while !e.is_finished() {
            e.poll_audio(); // the line delivers nothing
        }
        let Some(VoicemailEvent::Recorded(r)) = e.poll_event() else {
            panic!("recorded");
        };
        assert_eq!(r.ended_by, EndReason::NoMedia);
    }

    #[test]
    fn max_length_caps_the_recording() {
        let config = VoicemailConfig {
            max_length: Duration::from_secs(4),
            ..VoicemailConfig::default()
        };
        let mut e = VoicemailEngine::new(config, Vec::new(), false).unwrap();
        through_prompt(&mut e);
        let mut n = 0;
        while !e.is_finished() {
            e.handle_audio(&voice(n));
            n += 1;
        }
        assert_eq!(n, 200);
        let Some(VoicemailEvent::Recorded(r)) = e.poll_event() else {
            panic!("recorded");
        };
        assert_eq!(r.ended_by, EndReason::MaxLength);
        assert_eq!(r.duration(), Duration::from_secs(4));
    }

    #[test]
    fn hanging_up_during_the_greeting_leaves_nothing() {
        let mut e = engine(false);
        e.poll_audio();
        e.handle_hangup();
        assert_eq!(
            e.poll_event(),
            Some(VoicemailEvent::Dropped(DropReason::BeforeBeep))
        );
    }
}
