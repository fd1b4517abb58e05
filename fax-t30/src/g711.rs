//! G.711 A-law and µ-law companding (ITU-T G.711), used at the edge of the
//! audio fax session and by every line driver that carries PCMA/PCMU.
//!
//! Pure functions on samples; the tables are built at compile time.

/// G.711 law of a line or RTP payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Law {
    /// A-law (PCMA, RTP payload type 8), Europe and most of the world.
    ALaw,
    /// µ-law (PCMU, RTP payload type 0), North America and Japan.
    MuLaw,
}

impl Law {
    /// Compress one 16-bit linear sample.
    pub fn encode(self, sample: i16) -> u8 {
        match self {
            Law::ALaw => linear_to_alaw(sample),
            Law::MuLaw => linear_to_ulaw(sample),
        }
    }

    /// Expand one code word to a 16-bit linear sample.
    pub fn decode(self, code: u8) -> i16 {
        match self {
            Law::ALaw => ALAW_TO_LINEAR[code as usize],
            Law::MuLaw => ULAW_TO_LINEAR[code as usize],
        }
    }

    /// Compress a block of samples into `out` (same length).
    pub fn encode_into(self, samples: &[i16], out: &mut [u8]) {
        for (o, s) in out.iter_mut().zip(samples) {
            *o = self.encode(*s);
        }
    }

    /// Expand a block of code words into `out` (same length).
    pub fn decode_into(self, codes: &[u8], out: &mut [i16]) {
        for (o, c) in out.iter_mut().zip(codes) {
            *o = self.decode(*c);
        }
    }

    /// Pass a sample through the codec and back: what the far end hears.
    pub fn compand(self, sample: i16) -> i16 {
        self.decode(self.encode(sample))
    }
}

const ULAW_BIAS: i32 = 0x84;
const ULAW_CLIP: i32 = 32635;

/// µ-law compression (G.711 table 2, with the usual 0x84 bias).
pub fn linear_to_ulaw(sample: i16) -> u8 {
    let mut s = sample as i32;
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    if s > ULAW_CLIP {
        s = ULAW_CLIP;
    }
    s += ULAW_BIAS;
    let exponent = (31 - (s as u32).leading_zeros()) as i32 - 7;
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) | mantissa) as u8
}

const fn ulaw_to_linear_const(code: u8) -> i16 {
    let c = !code;
    let sign = c & 0x80;
    let exponent = ((c >> 4) & 0x07) as i32;
    let mantissa = (c & 0x0F) as i32;
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    if sign != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

/// A-law compression (G.711 table 1, even bits inverted).
pub fn linear_to_alaw(sample: i16) -> u8 {
    let (mask, mut s) = if sample >= 0 {
        (0xD5u8, sample as i32)
    } else {
        (0x55u8, -(sample as i32) - 1)
    };
    if s > 0x7FFF {
        s = 0x7FFF;
    }
    let code = if s < 256 {
        (s >> 4) as u8
    } else {
        let seg = (31 - (s as u32).leading_zeros()) as i32 - 7;
        ((seg << 4) | ((s >> (seg + 3)) & 0x0F)) as u8
    };
    code ^ mask
}

const fn alaw_to_linear_const(code: u8) -> i16 {
    let a = code ^ 0x55;
    let seg = ((a & 0x70) >> 4) as i32;
    let mut t = ((a & 0x0F) as i32) << 4;
    if seg == 0 {
        t += 8;
    } else {
        t = (t + 0x108) << (seg - 1);
    }
    if a & 0x80 != 0 {
        t as i16
    } else {
        -t as i16
    }
}

const fn build_table(alaw: bool) -> [i16; 256] {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if alaw {
            alaw_to_linear_const(i as u8)
        } else {
            ulaw_to_linear_const(i as u8)
        };
        i += 1;
    }
    t
}

static ALAW_TO_LINEAR: [i16; 256] = build_table(true);
static ULAW_TO_LINEAR: [i16; 256] = build_table(false);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_word_survives_a_round_trip() {
        for law in [Law::ALaw, Law::MuLaw] {
            for code in 0..=255u8 {
                let lin = law.decode(code);
                let back = law.encode(lin);
                // µ-law has two zeros (0x7F and 0xFF); both decode to 0.
                assert_eq!(law.decode(back), lin, "{law:?} code {code:#04x}");
            }
        }
    }

    #[test]
    fn companding_error_stays_within_the_segment_step() {
        for law in [Law::ALaw, Law::MuLaw] {
            for s in (-32768i32..=32767).step_by(7) {
                let s = s as i16;
                let err = (law.compand(s) as i32 - s as i32).abs();
                // The largest step of either law is 1024 (A-law) or 1024+ (µ-law top segment).
                let bound = ((s as i32).abs() / 16).max(16) + 16;
                assert!(err <= bound, "{law:?} {s} -> {} err {err}", law.compand(s));
            }
        }
    }

    #[test]
    fn known_values_from_g711() {
        // Silence codes: A-law 0xD5 (+0), µ-law 0xFF (+0).
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(Law::MuLaw.decode(0x00), -32124);
        assert_eq!(Law::MuLaw.decode(0x80), 32124);
        assert_eq!(Law::ALaw.decode(0xAA), 32256);
        assert_eq!(Law::ALaw.decode(0x2A), -32256);
    }
}
