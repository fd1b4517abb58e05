//! Telephone tones on spandsp: DTMF detection and generation (in-band
//! keypad digits) and the fax calling tone (CNG, 1100 Hz, T.30 §4.1)
//! detector that lets one number take voice and fax.
//!
//! Every type here is sans-IO: it advances on the samples it is fed (8 kHz,
//! 16-bit linear), like [`FaxSession`](crate::FaxSession).
//!
//! ```
//! use fax_t30::tones::{DtmfDetector, DtmfGenerator};
//! let mut tx = DtmfGenerator::new().unwrap();
//! let mut rx = DtmfDetector::new().unwrap();
//! tx.push("12#");
//! let mut heard = String::new();
//! for _ in 0..30 {
//!     let mut frame = [0i16; 160];
//!     tx.fill(&mut frame);
//!     heard.extend(rx.process(&frame).into_iter());
//! }
//! assert_eq!(heard, "12#");
//! ```

use crate::spandsp::tones::{ConnectToneRx, ConnectToneTx, DtmfRx, DtmfTx, TONE_ANS, TONE_FAX_CNG};
use crate::Error;

fn engine_error(what: &str) -> Error {
    Error::Engine(format!("{what} init failed (out of memory)"))
}

/// In-band DTMF receiver (spandsp `dtmf_rx`, Goertzel filters with twist
/// and level checks; it ignores speech and music well).
pub struct DtmfDetector {
    rx: DtmfRx,
}

impl DtmfDetector {
    pub fn new() -> Result<DtmfDetector, Error> {
        Ok(DtmfDetector {
            rx: DtmfRx::new().ok_or_else(|| engine_error("dtmf_rx"))?,
        })
    }

    /// Feed audio; returns the digits confirmed in it (each once, when it
    /// ends or has been held long enough).
    pub fn process(&mut self, samples: &[i16]) -> Vec<char> {
        self.rx.rx(samples);
        self.rx.take_digits().into_iter().map(char::from).collect()
    }

    /// True while the detector hears something that may be a digit (its
    /// "maybe" state, or a digit being held): lets a recorder cut the tone
    /// out of a recording from where it began.
    pub fn tone_present(&mut self) -> bool {
        self.rx.status() != 0
    }
}

/// DTMF generator (spandsp `dtmf_tx`): queued digits come out as tone
/// pairs with the configured on and off times.
pub struct DtmfGenerator {
    tx: DtmfTx,
}

impl DtmfGenerator {
    /// −10 dBm0 per tone, 50 ms on, 55 ms off (spandsp's defaults).
    pub fn new() -> Result<DtmfGenerator, Error> {
        DtmfGenerator::with_timing(-10, 50, 55)
    }

    /// Level of the low tone in dBm0 and the on/off times in ms.
    pub fn with_timing(level_dbm0: i32, on_ms: u32, off_ms: u32) -> Result<DtmfGenerator, Error> {
        let on = i32::try_from(on_ms.min(10_000)).unwrap_or(50);
        let off = i32::try_from(off_ms.min(10_000)).unwrap_or(55);
        Ok(DtmfGenerator {
            tx: DtmfTx::new(level_dbm0.clamp(-60, 0), on, off)
                .ok_or_else(|| engine_error("dtmf_tx"))?,
        })
    }

    /// Queue digits; characters other than `0-9 * # A-D` are skipped.
    /// Returns how many were queued: all of them, or none if they do not
    /// fit in what is left of spandsp's buffer.
    pub fn push(&mut self, digits: &str) -> usize {
        let valid: Vec<u8> = digits
            .bytes()
            .map(|b| b.to_ascii_uppercase())
            .filter(|b| b.is_ascii_digit() || b"*#ABCD".contains(b))
            .collect();
        if self.tx.put(&valid) {
            valid.len()
        } else {
            0
        }
    }

    /// Fill `out` with the next samples; returns how many carry tones (the
    /// rest is silence: the queue ran empty).
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        self.tx.tx(out)
    }
}

/// Which modem connect tone a [`ConnectToneDetector`] listens for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectTone {
    /// Fax calling tone: 1100 Hz, 0.5 s on, 3 s off.
    FaxCng,
    /// Answer tone, also the fax CED: 2100 Hz for about 3 s.
    Ans,
}

impl ConnectTone {
    fn code(self) -> i32 {
        match self {
            ConnectTone::FaxCng => TONE_FAX_CNG,
            ConnectTone::Ans => TONE_ANS,
        }
    }
}

/// spandsp's `modem_connect_tones_rx`: reports a tone once it is robustly
/// confirmed (for CNG, a burst of the right length).
pub struct ConnectToneDetector {
    rx: ConnectToneRx,
    tone: ConnectTone,
}

impl ConnectToneDetector {
    pub fn new(tone: ConnectTone) -> Result<ConnectToneDetector, Error> {
        Ok(ConnectToneDetector {
            rx: ConnectToneRx::new(tone.code())
                .ok_or_else(|| engine_error("modem_connect_tones_rx"))?,
            tone,
        })
    }

    /// Feed audio; true if the tone was confirmed in it.
    pub fn process(&mut self, samples: &[i16]) -> bool {
        self.rx.rx(samples);
        self.rx.take_hit() == self.tone.code()
    }
}

/// spandsp's `modem_connect_tones_tx` (a CNG or CED source for tests and
/// line checks).
pub struct ConnectToneGenerator {
    tx: ConnectToneTx,
}

impl ConnectToneGenerator {
    pub fn new(tone: ConnectTone) -> Result<ConnectToneGenerator, Error> {
        Ok(ConnectToneGenerator {
            tx: ConnectToneTx::new(tone.code())
                .ok_or_else(|| engine_error("modem_connect_tones_tx"))?,
        })
    }

    /// Fill `out`; returns how many samples were generated.
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        self.tx.tx(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, level: f32, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| (level * (2.0 * std::f32::consts::PI * freq * i as f32 / 8000.0).sin()) as i16)
            .collect()
    }

    #[test]
    fn every_dtmf_digit_round_trips() {
        let digits = "0123456789*#ABCD";
        let mut tx = DtmfGenerator::new().unwrap();
        let mut rx = DtmfDetector::new().unwrap();
        assert_eq!(tx.push(digits), 16);
        let mut heard = String::new();
        for _ in 0..200 {
            let mut f = [0i16; 160];
            tx.fill(&mut f);
            heard.extend(rx.process(&f));
        }
        assert_eq!(heard, digits);
    }

    #[test]
    fn a_plain_tone_is_not_a_digit() {
        let mut rx = DtmfDetector::new().unwrap();
        let tone = sine(697.0, 8000.0, 16000);
        assert!(rx.process(&tone).is_empty());
    }

    #[test]
    fn cng_is_detected_and_a_voice_band_tone_is_not() {
        let mut gen = ConnectToneGenerator::new(ConnectTone::FaxCng).unwrap();
        let mut det = ConnectToneDetector::new(ConnectTone::FaxCng).unwrap();
        let mut hit_at = None;
        for i in 0..100 {
            let mut f = [0i16; 160];
            gen.fill(&mut f);
            if det.process(&f) && hit_at.is_none() {
                hit_at = Some(i);
            }
        }
        let at = hit_at.expect("CNG detected");
        assert!(at < 50, "within the first burst, frame {at}");

        let mut det = ConnectToneDetector::new(ConnectTone::FaxCng).unwrap();
        assert!(!det.process(&sine(1000.0, 8000.0, 40_000)), "1 kHz beep");
        assert!(
            !det.process(&sine(2100.0, 8000.0, 40_000)),
            "CED is not CNG"
        );
    }
}
