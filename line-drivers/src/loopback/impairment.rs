//! What the virtual line does to media on its way: the impairment settings
//! and the audio chain that applies them.
//!
//! The audio chain runs in the order of a real line: attenuation, clock
//! drift (resampling), additive white Gaussian noise, then G.711 companding,
//! because the codec is the last step before the far end.
//!
//! # Noise reference level
//! `snr_db` is relative to a fixed reference, not to whatever is being sent,
//! so the noise floor stays put while the signal level varies (as on a real
//! line). The reference is a sine at **−13 dBm0**, a typical fax transmit
//! level, with 0 dBm0 defined as in G.711 A-law: a full-scale sine
//! (amplitude 32767) is +3.14 dBm0. That puts the reference at an RMS of
//! [`REFERENCE_RMS`] ≈ 3613 on the ±32767 scale (amplitude ≈ 5110). A sine
//! sent at that level across `snr_db = 20` arrives with 20 dB SNR.

use fax_t30::g711::Law;
use fax_t30::media::{AudioFrame, FRAME_SAMPLES};
use rand::rngs::SmallRng;
use rand_distr::{Distribution, Normal};

/// Level of the noise reference in dBm0 (see the module docs).
pub const REFERENCE_LEVEL_DBM0: f32 = -13.0;
/// Level of a full-scale sine in dBm0 (G.711 A-law).
#[allow(clippy::approx_constant)] // G.711's +3.14 dBm0, not π
pub const FULL_SCALE_SINE_DBM0: f32 = 3.14;
/// RMS of the noise reference on the ±32767 scale:
/// `32767 / √2 · 10^((−13 − 3.14) / 20)`.
pub const REFERENCE_RMS: f32 = 3613.5;

/// Largest clock drift the resampler accepts; settings beyond are clamped.
pub const MAX_DRIFT_PPM: f32 = 10_000.0;

/// Line impairments of one call, the same in both directions except the
/// drift (see `clock_drift_ppm`). Set on the exchange for every call and
/// overridable per dial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Impairments {
    /// One-way delay in 20 ms frames on top of the tick a frame is sent in:
    /// what is sent before tick *n* reaches the far end at tick *n* + latency.
    /// Applies to audio, T.38 and DTMF alike. Default 1.
    pub latency_frames: u32,
    /// G.711 companding both ways (`None`: linear, no codec).
    pub law: Option<Law>,
    /// White Gaussian noise this many dB below the −13 dBm0 reference
    /// (`None`: no noise).
    pub snr_db: Option<f32>,
    /// Loss in dB applied to the signal (negative values amplify).
    pub attenuation_db: f32,
    /// The called end's sample clock runs this much faster than the
    /// caller's: the called side receives `1 + ppm·10⁻⁶` times as many
    /// samples as were sent, the caller `1 / (1 + ppm·10⁻⁶)` times.
    /// Clamped to ±[`MAX_DRIFT_PPM`].
    pub clock_drift_ppm: f32,
    /// Probability that a T.38 packet is lost.
    pub t38_loss: f32,
    /// Probability that a T.38 packet is held back one tick, so that it
    /// arrives after the packets sent in the next tick.
    pub t38_reorder: f32,
    /// Probability that a T.38 packet arrives twice.
    pub t38_duplicate: f32,
    /// UDPTL redundancy depth (T.38 clause 9.1.4.1): each datagram also
    /// carries the previous this-many IFP packets, so a lost packet is
    /// recovered when any of the next this-many datagrams arrives. 0: none.
    pub t38_redundancy: u8,
    /// Seed of the call's noise and packet dice (mixed with the call id and
    /// the direction).
    pub seed: u64,
}

impl Default for Impairments {
    fn default() -> Self {
        Impairments::CLEAN
    }
}

impl Impairments {
    /// A perfect digital line with one frame of latency.
    pub const CLEAN: Impairments = Impairments {
        latency_frames: 1,
        law: None,
        snr_db: None,
        attenuation_db: 0.0,
        clock_drift_ppm: 0.0,
        t38_loss: 0.0,
        t38_reorder: 0.0,
        t38_duplicate: 0.0,
        t38_redundancy: 0,
        seed: 0,
    };

    /// A fair PSTN connection: A-law, 6 dB loss, noise 35 dB below the
    /// reference, 30 ppm drift, 3 frames of latency.
    pub const PSTN: Impairments = Impairments {
        latency_frames: 3,
        law: Some(Law::ALaw),
        snr_db: Some(35.0),
        attenuation_db: 6.0,
        clock_drift_ppm: 30.0,
        t38_loss: 0.0,
        t38_reorder: 0.0,
        t38_duplicate: 0.0,
        t38_redundancy: 0,
        seed: 0,
    };

    /// This setting with another seed.
    pub fn with_seed(self, seed: u64) -> Impairments {
        Impairments { seed, ..self }
    }
}

/// Per-call probability dice for T.38, clamped to 0..=1.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PacketDice {
    pub loss: f32,
    pub reorder: f32,
    pub duplicate: f32,
}

impl PacketDice {
    pub fn new(imp: &Impairments) -> PacketDice {
        let p = |x: f32| if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) };
        PacketDice {
            loss: p(imp.t38_loss),
            reorder: p(imp.t38_reorder),
            duplicate: p(imp.t38_duplicate),
        }
    }
}

type Samples = [f32; FRAME_SAMPLES];

/// Room for the samples left over from the last frame (< 160) plus what one
/// input frame yields at the largest drift (≤ 163).
const RESAMPLER_CAPACITY: usize = 2 * FRAME_SAMPLES + 16;

/// Linear-interpolation resampler with a fractional read position. The
/// output sample *j* is the input stream at position *j*/ratio, one sample
/// late (the previous frame's last sample is the left neighbour at the
/// start of a frame).
#[derive(Debug, Clone)]
struct Resampler {
    step: f64,
    /// Read position in the current frame, where 0 is the previous frame's
    /// last sample and *k* + 1 is sample *k* of the current frame.
    pos: f64,
    prev: f32,
    acc: [f32; RESAMPLER_CAPACITY],
    len: usize,
}

impl Resampler {
    fn new(ratio: f64) -> Resampler {
        Resampler {
            step: 1.0 / ratio,
            pos: 0.0,
            prev: 0.0,
            acc: [0.0; RESAMPLER_CAPACITY],
            len: 0,
        }
    }

    /// Resample one frame into the accumulator; returns samples produced.
    fn push(&mut self, x: &Samples) -> usize {
        let start = self.len;
        while self.pos < FRAME_SAMPLES as f64 {
            let i = self.pos as usize;
            let frac = (self.pos - i as f64) as f32;
            let a = if i == 0 { self.prev } else { x[i - 1] };
            let b = x[i];
            self.acc[self.len] = a + (b - a) * frac;
            self.len += 1;
            self.pos += self.step;
        }
        self.pos -= FRAME_SAMPLES as f64;
        self.prev = x[FRAME_SAMPLES - 1];
        self.len - start
    }

    fn pop_frame(&mut self, out: &mut Samples) -> bool {
        if self.len < FRAME_SAMPLES {
            return false;
        }
        out.copy_from_slice(&self.acc[..FRAME_SAMPLES]);
        self.acc.copy_within(FRAME_SAMPLES..self.len, 0);
        self.len -= FRAME_SAMPLES;
        true
    }
}

/// The audio impairment chain of one direction of a call.
#[derive(Debug, Clone)]
pub(crate) struct AudioImpairer {
    gain: f32,
    resampler: Option<Resampler>,
    noise: Option<Normal<f32>>,
    law: Option<Law>,
}

impl AudioImpairer {
    /// `drift_ratio`: output samples per input sample in this direction.
    pub fn new(imp: &Impairments, drift_ratio: f64) -> AudioImpairer {
        let gain = 10f32.powf(-imp.attenuation_db / 20.0);
        let noise = imp
            .snr_db
            .filter(|s| s.is_finite())
            .and_then(|snr| Normal::new(0.0, REFERENCE_RMS * 10f32.powf(-snr / 20.0)).ok());
        AudioImpairer {
            gain: if gain.is_finite() { gain } else { 1.0 },
            resampler: (drift_ratio != 1.0).then(|| Resampler::new(drift_ratio)),
            noise,
            law: imp.law,
        }
    }

    /// The ratio for a drift setting in the caller→callee direction.
    pub fn drift_ratio(ppm: f32) -> f64 {
        let ppm = if ppm.is_finite() {
            ppm.clamp(-MAX_DRIFT_PPM, MAX_DRIFT_PPM)
        } else {
            0.0
        };
        1.0 + f64::from(ppm) * 1e-6
    }

    /// Feed one frame as sent; `out` receives every whole frame the far end
    /// gets for it: exactly one without drift, otherwise 0, 1 or 2.
    /// Returns the number of samples the resampler produced (160 without).
    pub fn process(
        &mut self,
        frame: &AudioFrame,
        rng: &mut SmallRng,
        mut out: impl FnMut(AudioFrame),
    ) -> usize {
        let mut x: Samples = [0.0; FRAME_SAMPLES];
        for (o, &s) in x.iter_mut().zip(frame) {
            *o = f32::from(s) * self.gain;
        }
        match self.resampler.as_mut() {
            None => {
                out(finish(&x, self.noise.as_ref(), self.law, rng));
                FRAME_SAMPLES
            }
            Some(r) => {
                let produced = r.push(&x);
                let mut y: Samples = [0.0; FRAME_SAMPLES];
                while r.pop_frame(&mut y) {
                    out(finish(&y, self.noise.as_ref(), self.law, rng));
                }
                produced
            }
        }
    }
}

/// Noise, rounding to 16 bits, and the codec.
fn finish(
    x: &Samples,
    noise: Option<&Normal<f32>>,
    law: Option<Law>,
    rng: &mut SmallRng,
) -> AudioFrame {
    let mut frame: AudioFrame = [0; FRAME_SAMPLES];
    for (o, &s) in frame.iter_mut().zip(x) {
        let v = match noise {
            Some(n) => s + n.sample(rng),
            None => s,
        };
        let v = v.round().clamp(-32768.0, 32767.0) as i16;
        *o = match law {
            Some(law) => law.compand(v),
            None => v,
        };
    }
    frame
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn reference_rms_matches_its_definition() {
        let rms = 32767.0 / 2f32.sqrt()
            * 10f32.powf((REFERENCE_LEVEL_DBM0 - FULL_SCALE_SINE_DBM0) / 20.0);
        assert!((rms - REFERENCE_RMS).abs() < 0.5, "{rms}");
    }

    #[test]
    fn clean_chain_is_transparent() {
        let mut chain = AudioImpairer::new(&Impairments::CLEAN, 1.0);
        let mut rng = SmallRng::seed_from_u64(1);
        let mut frame = [0i16; FRAME_SAMPLES];
        for (i, s) in frame.iter_mut().enumerate() {
            *s = (i as i16 - 80) * 400;
        }
        let mut got = Vec::new();
        chain.process(&frame, &mut rng, |f| got.push(f));
        assert_eq!(got, vec![frame]);
    }

    #[test]
    fn resampler_without_drift_delays_by_one_sample() {
        let mut r = Resampler::new(1.0);
        let x: Samples = std::array::from_fn(|i| i as f32);
        assert_eq!(r.push(&x), FRAME_SAMPLES);
        let mut y = [0.0; FRAME_SAMPLES];
        assert!(r.pop_frame(&mut y));
        assert_eq!(y[0], 0.0);
        assert_eq!(y[1], 0.0);
        assert_eq!(y[159], 158.0);
    }

    #[test]
    fn resampler_yields_ratio_times_the_input() {
        for ppm in [-10_000.0f32, -250.0, 250.0, 10_000.0] {
            let mut r = Resampler::new(AudioImpairer::drift_ratio(ppm));
            let x: Samples = [1.0; FRAME_SAMPLES];
            let mut y = [0.0; FRAME_SAMPLES];
            let mut produced = 0usize;
            for _ in 0..10_000 {
                produced += r.push(&x);
                while r.pop_frame(&mut y) {}
            }
            let expected = 1_600_000.0 * (1.0 + f64::from(ppm) * 1e-6);
            assert!(
                (produced as f64 - expected).abs() <= 1.0,
                "{ppm}: {produced} vs {expected}"
            );
        }
    }
}
