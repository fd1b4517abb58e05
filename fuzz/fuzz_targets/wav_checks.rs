//! Checks of the `wav` fuzz target, shared with kernel/tests/fuzz_seeds.rs
//! (the seed replay on a stable toolchain). Each panics on a finding.
//!
//! Besides "never panics": what reads gives at most one sample per byte of
//! the file at a rate in the accepted range, resamples to 8 kHz to the
//! length the rates say, and the 8 kHz result written as a WAV (what a
//! recording becomes) reads back to the same samples.

use kernel::voice::wav::{self, Pcm, WavError, MAX_WAV_BYTES};

pub fn check_wav(data: &[u8]) {
    let pcm = match wav::read_wav(data) {
        Ok(p) => p,
        Err(e) => {
            // A clear reason, never an empty one.
            assert!(!e.to_string().is_empty());
            if data.len() > MAX_WAV_BYTES {
                assert_eq!(e, WavError::TooLarge);
            }
            return;
        }
    };
    assert!((4000..=192_000).contains(&pcm.rate), "rate {}", pcm.rate);
    assert!(pcm.samples.len() <= data.len(), "more samples than bytes");
    // What a greeting plays: at most 60 s, at 8 kHz.
    let mut cut = pcm.clone();
    cut.samples.truncate(pcm.rate as usize * 60);
    let line = wav::to_8k(&cut);
    let expected = cut.samples.len() as f64 * 8000.0 / f64::from(cut.rate);
    assert!(
        (line.len() as f64 - expected).abs() <= 1.0,
        "{} samples at 8 kHz from {} at {} Hz",
        line.len(),
        cut.samples.len(),
        cut.rate
    );
    let back = wav::read_wav(&wav::write_wav_8k(&line)).expect("our own WAV reads back");
    assert_eq!(
        back,
        Pcm {
            rate: 8000,
            samples: line
        }
    );
}
