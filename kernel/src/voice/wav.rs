//! A small RIFF/WAVE reader and writer for greetings and recordings.
//!
//! Reads what a user is likely to upload as a greeting: PCM 8/16/24/32-bit,
//! IEEE float 32-bit, G.711 A-law and µ-law (format tags 1, 3, 6, 7, and
//! `WAVE_FORMAT_EXTENSIBLE` with one of those as sub-format), any sample
//! rate from 4 to 192 kHz, mono or several channels (mixed down). Writes
//! recordings as PCM 16-bit, 8 kHz mono, the format every mail client plays.
//!
//! Input is untrusted: every length is checked against the data, the file
//! size is capped at [`MAX_WAV_BYTES`], and an error says what is wrong.

use fax_t30::g711::Law;
use fax_t30::media::SAMPLE_RATE;

/// Largest WAV file accepted (a 10 min greeting at 48 kHz stereo 16-bit is 110 MB;
/// nobody needs that, 32 MiB is minutes of CD-quality audio).
pub const MAX_WAV_BYTES: usize = 32 << 20;

/// Why a WAV file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WavError {
    #[error("not a RIFF/WAVE file")]
    NotWave,
    #[error("WAV file larger than {MAX_WAV_BYTES} bytes")]
    TooLarge,
    #[error("WAV file truncated in the {0} chunk")]
    Truncated(&'static str),
    #[error("WAV file has no {0} chunk")]
    Missing(&'static str),
    #[error("WAV format not supported: {0}")]
    Unsupported(String),
}

/// Decoded audio: mono samples at `rate`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pcm {
    pub rate: u32,
    pub samples: Vec<i16>,
}

impl Pcm {
    pub fn duration_secs(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.rate.max(1))
    }
}

#[derive(Debug, Clone, Copy)]
enum Encoding {
    Int,
    Float,
    G711(Law),
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// Parse a WAV file into mono samples at its own rate.
pub fn read_wav(bytes: &[u8]) -> Result<Pcm, WavError> {
    if bytes.len() > MAX_WAV_BYTES {
        return Err(WavError::TooLarge);
    }
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(WavError::NotWave);
    }
    let mut fmt: Option<(Encoding, u16, u32, u16)> = None;
    let mut data: Option<&[u8]> = None;
    let mut pos = 12;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let len = u32_at(bytes, pos + 4) as usize;
        let body_start = pos + 8;
        // A data chunk whose length runs past the end (streamed writers put
        // 0xFFFFFFFF there) is read to the end of the file.
        let body_end = match body_start.checked_add(len) {
            Some(e) if e <= bytes.len() => e,
            _ if id == b"data" => bytes.len(),
            _ => return Err(WavError::Truncated(chunk_name(id))),
        };
        let body = &bytes[body_start..body_end];
        match id {
            b"fmt " => fmt = Some(parse_fmt(body)?),
            b"data" => data = Some(body),
            _ => {}
        }
        if data.is_some() && fmt.is_some() {
            break;
        }
        pos = body_end + (len & 1); // chunks are padded to even length
    }
    let (enc, channels, rate, bits) = fmt.ok_or(WavError::Missing("fmt"))?;
    let data = data.ok_or(WavError::Missing("data"))?;
    let width = usize::from(bits / 8);
    let frame = width * usize::from(channels);
    let mut samples = Vec::with_capacity(data.len() / frame);
    for f in data.chunks_exact(frame) {
        let sum: i32 = f
            .chunks_exact(width)
            .map(|s| i32::from(decode_sample(enc, s)))
            .sum();
        samples.push((sum / i32::from(channels)) as i16);
    }
    Ok(Pcm { rate, samples })
}

fn chunk_name(id: &[u8]) -> &'static str {
    match id {
        b"fmt " => "fmt",
        b"data" => "data",
        _ => "RIFF",
    }
}

fn parse_fmt(b: &[u8]) -> Result<(Encoding, u16, u32, u16), WavError> {
    if b.len() < 16 {
        return Err(WavError::Truncated("fmt"));
    }
    let mut tag = u16_at(b, 0);
    let channels = u16_at(b, 2);
    let rate = u32_at(b, 4);
    let bits = u16_at(b, 14);
    if tag == 0xFFFE {
        if b.len() < 26 {
            return Err(WavError::Truncated("fmt"));
        }
        tag = u16_at(b, 24); // first two octets of the sub-format GUID
    }
    let enc = match (tag, bits) {
        (1, 8 | 16 | 24 | 32) => Encoding::Int,
        (3, 32) => Encoding::Float,
        (6, 8) => Encoding::G711(Law::ALaw),
        (7, 8) => Encoding::G711(Law::MuLaw),
        _ => {
            return Err(WavError::Unsupported(format!(
                "format tag {tag}, {bits} bits per sample"
            )))
        }
    };
    if channels == 0 || channels > 8 {
        return Err(WavError::Unsupported(format!("{channels} channels")));
    }
    if !(4000..=192_000).contains(&rate) {
        return Err(WavError::Unsupported(format!("{rate} Hz")));
    }
    Ok((enc, channels, rate, bits))
}

fn decode_sample(enc: Encoding, s: &[u8]) -> i16 {
    match (enc, s.len()) {
        (Encoding::G711(law), _) => law.decode(s[0]),
        (Encoding::Int, 1) => (i16::from(s[0]) - 128) << 8, // 8-bit is unsigned
        (Encoding::Int, 2) => i16::from_le_bytes([s[0], s[1]]),
        (Encoding::Int, 3) => i16::from_le_bytes([s[1], s[2]]),
        (Encoding::Int, _) => i16::from_le_bytes([s[2], s[3]]),
        (Encoding::Float, _) => {
            let v = f32::from_le_bytes([s[0], s[1], s[2], s[3]]);
            let v = if v.is_finite() { v } else { 0.0 };
            (v.clamp(-1.0, 1.0) * 32767.0) as i16
        }
    }
}

/// Resample to the line's 8 kHz. Downsampling low-passes first (a
/// Blackman-windowed sinc at 3.6 kHz), so a 44.1 kHz greeting does not alias.
pub fn to_8k(pcm: &Pcm) -> Vec<i16> {
    let target = SAMPLE_RATE;
    if pcm.rate == target {
        return pcm.samples.clone();
    }
    let ratio = f64::from(pcm.rate) / f64::from(target);
    let out_len = (pcm.samples.len() as f64 / ratio).floor() as usize;
    // Cut-off relative to the input rate: below the output's Nyquist.
    let cutoff = (3600.0 / f64::from(pcm.rate)).min(0.45);
    let half = ((4.0 / cutoff).ceil() as i64).clamp(4, 64);
    let src = &pcm.samples;
    let mut out = Vec::with_capacity(out_len);
    for n in 0..out_len {
        let t = n as f64 * ratio;
        let centre = t.floor() as i64;
        let mut acc = 0.0;
        let mut norm = 0.0;
        for k in (centre - half + 1)..=(centre + half) {
            if k < 0 || k as usize >= src.len() {
                continue;
            }
            let x = t - k as f64;
            let sinc = if x.abs() < 1e-9 {
                2.0 * cutoff
            } else {
                (2.0 * std::f64::consts::PI * cutoff * x).sin() / (std::f64::consts::PI * x)
            };
            let w = x / half as f64;
            let window = if w.abs() >= 1.0 {
                0.0
            } else {
                let p = std::f64::consts::PI * (w + 1.0);
                0.42 - 0.5 * p.cos() + 0.08 * (2.0 * p).cos()
            };
            let h = sinc * window;
            acc += h * f64::from(src[k as usize]);
            norm += h;
        }
        let v = if norm.abs() > 1e-9 { acc / norm } else { 0.0 };
        out.push(v.round().clamp(-32768.0, 32767.0) as i16);
    }
    out
}

/// A PCM 16-bit 8 kHz mono WAV file of `samples`.
pub fn write_wav_8k(samples: &[i16]) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes()); // byte rate
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f64, secs: f64) -> Vec<i16> {
        (0..(f64::from(rate) * secs) as usize)
            .map(|i| {
                (10000.0 * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin())
                    as i16
            })
            .collect()
    }

    fn rms(s: &[i16]) -> f64 {
        (s.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / s.len() as f64).sqrt()
    }

    #[test]
    fn written_files_read_back() {
        let s = sine(8000, 440.0, 0.5);
        let pcm = read_wav(&write_wav_8k(&s)).unwrap();
        assert_eq!(pcm.rate, 8000);
        assert_eq!(pcm.samples, s);
    }

    #[test]
    fn resampling_keeps_passband_and_removes_what_would_alias() {
        let pass = to_8k(&Pcm {
            rate: 22050,
            samples: sine(22050, 1000.0, 1.0),
        });
        assert!((pass.len() as i64 - 8000).abs() <= 1);
        let r = rms(&pass[100..7900]);
        assert!(
            (r / (10000.0 / 2f64.sqrt()) - 1.0).abs() < 0.05,
            "1 kHz kept: {r}"
        );
        // 6 kHz would fold to 2 kHz without the low-pass.
        let stop = to_8k(&Pcm {
            rate: 22050,
            samples: sine(22050, 6000.0, 1.0),
        });
        assert!(
            rms(&stop[100..7900]) < 300.0,
            "6 kHz removed: {}",
            rms(&stop[100..7900])
        );
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        assert_eq!(read_wav(b"hello"), Err(WavError::NotWave));
        let mut w = write_wav_8k(&[1, 2, 3]);
        w[20] = 2; // ADPCM
        assert!(matches!(read_wav(&w), Err(WavError::Unsupported(_))));
        let w = write_wav_8k(&[1, 2, 3]);
        assert!(matches!(
            read_wav(&w[..30]),
            Err(WavError::Truncated("fmt"))
        ));
        let mut no_data = w[..36].to_vec();
        no_data.extend_from_slice(b"LIST\x02\x00\x00\x00ab");
        assert_eq!(read_wav(&no_data), Err(WavError::Missing("data")));
    }

    #[test]
    fn stereo_8bit_and_alaw_are_mixed_down_and_decoded() {
        // 8-bit unsigned stereo, 2 frames: (255, 1) averages to ~0.
        let mut w = write_wav_8k(&[]);
        w[22] = 2; // channels
        w[34] = 8; // bits
        w.truncate(40);
        w.extend_from_slice(&4u32.to_le_bytes());
        w.extend_from_slice(&[255, 1, 200, 200]);
        let pcm = read_wav(&w).unwrap();
        assert_eq!(pcm.samples.len(), 2);
        assert!(pcm.samples[0].abs() < 300);
        assert_eq!(pcm.samples[1], (200 - 128) << 8);
    }

    proptest::proptest! {
        /// Untrusted greetings: any bytes, and valid files with any octet
        /// changed or cut anywhere, give samples or an error, never a panic.
        #[test]
        fn arbitrary_input_never_panics(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            at in 0usize..80,
            value: u8,
            cut in 0usize..80,
        ) {
            let _ = read_wav(&bytes);
            let mut riff = b"RIFF\x00\x00\x00\x00WAVE".to_vec();
            riff.extend_from_slice(&bytes);
            let _ = read_wav(&riff);
            let mut w = write_wav_8k(&[1, -2, 300, -400, 5000, 6, 7, 8]);
            let i = at % w.len();
            w[i] = value;
            let _ = read_wav(&w);
            w.truncate(cut.min(w.len()));
            if let Ok(pcm) = read_wav(&w) {
                let _ = to_8k(&pcm);
            }
        }
    }
}
