//! What a caller hears before recording: the greeting and the beep.
//!
//! The default greeting is made in code, so the gateway ships no audio
//! file: a rising three-note chime (C5, E5, G5), a pause, then the beep.
//! Its notes keep clear of the fax calling tone (1100 Hz), the answer tone
//! (2100 Hz) and the DTMF pairs, so neither our detectors nor a fax machine
//! on the other end mistake it for a signal.

use fax_t30::media::SAMPLE_RATE;

/// The beep after the greeting.
pub const BEEP_HZ: f32 = 880.0;
/// Beep length, ms.
pub const BEEP_MS: u32 = 400;
/// Peak amplitude of generated tones (about −13 dBm0).
const AMPLITUDE: f32 = 5000.0;

fn samples_for(ms: u32) -> usize {
    (SAMPLE_RATE * ms / 1000) as usize
}

/// A sine tone with 10 ms raised-cosine ramps (no clicks).
pub fn tone(freq: f32, ms: u32, amplitude: f32) -> Vec<i16> {
    let n = samples_for(ms);
    let ramp = samples_for(10).min(n / 2).max(1);
    (0..n)
        .map(|i| {
            let edge = i.min(n - 1 - i);
            let env = if edge < ramp {
                0.5 - 0.5 * (std::f32::consts::PI * edge as f32 / ramp as f32).cos()
            } else {
                1.0
            };
            let w = 2.0 * std::f32::consts::PI * freq * i as f32 / SAMPLE_RATE as f32;
            (w.sin() * amplitude * env) as i16
        })
        .collect()
}

/// `ms` of silence.
pub fn pause(ms: u32) -> Vec<i16> {
    vec![0; samples_for(ms)]
}

/// The built-in greeting (without the beep): about 1.4 s.
pub fn default_greeting() -> Vec<i16> {
    let mut out = pause(200);
    for f in [523.25, 659.25, 783.99] {
        out.extend(tone(f, 220, AMPLITUDE));
        out.extend(pause(40));
    }
    out.extend(pause(400));
    out
}

/// The beep, preceded by a short pause so it stands apart from a greeting.
pub fn beep() -> Vec<i16> {
    let mut out = pause(150);
    out.extend(tone(BEEP_HZ, BEEP_MS, AMPLITUDE));
    out
}
