//! What the voicemail tests share: real speech to leave, and measures of
//! what was recorded.
#![allow(dead_code)] // each test file uses a part

use std::path::Path;
use std::process::Command;

use fax_t30::media::{AudioFrame, FRAME_SAMPLES};
use kernel::voice::wav::read_wav;

/// `text` spoken by espeak-ng, converted to 8 kHz mono 16-bit by sox.
pub fn speech(dir: &Path, name: &str, text: &str) -> Vec<i16> {
    let raw = dir.join(format!("{name}-22k.wav"));
    let wav = dir.join(format!("{name}-8k.wav"));
    let ok = Command::new("espeak-ng")
        .args(["-v", "en", "-s", "150", "-w"])
        .arg(&raw)
        .arg(text)
        .status()
        .expect("espeak-ng runs (apt install espeak-ng)");
    assert!(ok.success());
    let ok = Command::new("sox")
        .arg(&raw)
        .args(["-r", "8000", "-c", "1", "-b", "16"])
        .arg(&wav)
        .status()
        .expect("sox runs (apt install sox)");
    assert!(ok.success());
    let pcm = read_wav(&std::fs::read(&wav).unwrap()).unwrap();
    assert_eq!(pcm.rate, 8000);
    pcm.samples
}

pub fn energy(s: &[i16]) -> f64 {
    s.iter().map(|&v| f64::from(v).powi(2)).sum()
}

/// Power of `freq` in a frame relative to the frame's power (Goertzel).
pub fn tone_share(frame: &AudioFrame, freq: f32) -> f64 {
    let k = 2.0 * (2.0 * std::f64::consts::PI * f64::from(freq) / 8000.0).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in frame {
        let s0 = f64::from(x) + k * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let p = s1 * s1 + s2 * s2 - k * s1 * s2;
    let e = energy(frame);
    if e < 1e5 {
        0.0
    } else {
        p / (e * FRAME_SAMPLES as f64 / 2.0)
    }
}

/// A caller who leaves a message: listens to the greeting until its beep
/// (at least 10 frames of [`kernel::voice::prompt::BEEP_HZ`]) has ended,
/// then speaks the samples frame by frame and presses `#` after them.
pub struct Speaker<'a> {
    spoken: &'a [i16],
    /// 20 ms frames of the beep heard.
    pub beep_frames: u32,
    /// Where in `spoken` the next frame starts (None: still listening).
    pos: Option<usize>,
    /// Frames sent since `#` (None: not pressed yet).
    pub after_hash: Option<u32>,
}

impl<'a> Speaker<'a> {
    pub fn new(spoken: &'a [i16]) -> Speaker<'a> {
        Speaker {
            spoken,
            beep_frames: 0,
            pos: None,
            after_hash: None,
        }
    }

    /// A frame the caller heard.
    pub fn hear(&mut self, frame: &AudioFrame) {
        if self.pos.is_some() {
            return;
        }
        if tone_share(frame, kernel::voice::prompt::BEEP_HZ) > 0.6 {
            self.beep_frames += 1;
        } else if self.beep_frames >= 10 {
            self.pos = Some(0);
        }
    }

    /// The caller's next 20 ms: the frame to send, and `true` when `#` is
    /// to be pressed now (once, after the last of the speech).
    pub fn next_frame(&mut self) -> (AudioFrame, bool) {
        let mut frame = fax_t30::media::SILENCE;
        let mut hash = false;
        match self.pos {
            Some(p) if p < self.spoken.len() => {
                let end = (p + FRAME_SAMPLES).min(self.spoken.len());
                frame[..end - p].copy_from_slice(&self.spoken[p..end]);
                self.pos = Some(end);
            }
            Some(p) if p == self.spoken.len() => {
                self.pos = Some(p + 1);
                self.after_hash = Some(0);
                hash = true;
            }
            _ => {}
        }
        if let Some(n) = self.after_hash.as_mut() {
            *n += 1;
        }
        (frame, hash)
    }
}
