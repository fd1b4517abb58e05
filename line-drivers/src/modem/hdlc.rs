//! HDLC framing in software, for ECM over a modem's plain `+FTM`/`+FRM`.
//!
//! A Class 1 modem frames HDLC itself only at V.21 (`+FTH=3`/`+FRH=3`);
//! at V.27ter, V.29 and V.17 it moves raw octets. T.4 Annex A's ECM blocks
//! travel in HDLC frames at those rates, so the host frames them: flags
//! (`0x7E`), zero insertion after five ones, and the 16-bit FCS of ISO/IEC
//! 13239 (CRC-16/X.25), every octet sent least significant bit first — as
//! a Class 1 modem sends each octet of `+FTM` data (T.31 §8.3.3) and as
//! spandsp's own HDLC code does.
//!
//! [`Framer`] turns frames into line octets; [`Deframer`] finds the frames
//! in received octets, with their FCS checked. Both are plain state; no
//! time, no I/O.

/// The HDLC flag.
pub const FLAG: u8 = 0x7E;
/// The longest frame the deframer keeps (an ECM frame is at most 256
/// octets of data plus 4 of header and 2 of FCS).
pub const MAX_FRAME: usize = 1024;
/// The shortest frame worth reporting: address, control, one octet and
/// the FCS.
const MIN_FRAME: usize = 5;

/// CRC-16/X.25 of each octet value (reflected polynomial 0x8408).
const CRC_TABLE: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u16;
        let mut k = 0;
        while k < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x8408
            } else {
                crc >> 1
            };
            k += 1;
        }
        t[i] = crc;
        i += 1;
    }
    t
};

/// CRC-16/X.25 over `data`, starting from `crc` (`0xFFFF` for a new frame).
fn crc16(mut crc: u16, data: &[u8]) -> u16 {
    for &b in data {
        crc = (crc >> 8) ^ CRC_TABLE[usize::from((crc as u8) ^ b)];
    }
    crc
}

/// True if `octet`, sent LSB first after `ones` ones, needs no inserted
/// zero: no run of five ones inside it or across its start.
fn needs_no_stuffing(ones: u32, octet: u8) -> bool {
    let o = u32::from(octet);
    let run5 = o & (o >> 1) & (o >> 2) & (o >> 3) & (o >> 4);
    run5 == 0 && ones + octet.trailing_ones() < 5
}

/// What the CRC of a frame and its own FCS leaves when both are intact.
const GOOD_RESIDUE: u16 = 0xF0B8;

/// Frames to line octets.
#[derive(Debug, Default, Clone)]
pub struct Framer {
    /// Bits not yet a whole octet (first sent in bit 0).
    acc: u32,
    nbits: u32,
    ones: u32,
    out: Vec<u8>,
}

impl Framer {
    /// A framer at the start of a carrier.
    pub fn new() -> Framer {
        Framer::default()
    }

    fn bit(&mut self, bit: u32) {
        self.acc |= bit << self.nbits;
        self.nbits += 1;
        if self.nbits == 8 {
            self.out.push(self.acc as u8);
            self.acc = 0;
            self.nbits = 0;
        }
    }

    fn data_octet(&mut self, octet: u8) {
        // Most octets go as they are, eight bits at once.
        if needs_no_stuffing(self.ones, octet) {
            self.acc |= u32::from(octet) << self.nbits;
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            // The ones the octet ends with (it has a zero: no run of five).
            self.ones = octet.leading_ones();
            return;
        }
        for i in 0..8 {
            let bit = u32::from(octet >> i) & 1;
            self.bit(bit);
            if bit == 1 {
                self.ones += 1;
                if self.ones == 5 {
                    self.bit(0);
                    self.ones = 0;
                }
            } else {
                self.ones = 0;
            }
        }
    }

    /// `n` flags (the preamble, or fill between frames).
    pub fn flags(&mut self, n: usize) {
        for _ in 0..n {
            for i in 0..8 {
                self.bit(u32::from(FLAG >> i) & 1);
            }
        }
        self.ones = 0;
    }

    /// One frame (without FCS: it is added here) and its closing flag.
    /// The closing flag opens the next frame too.
    pub fn frame(&mut self, frame: &[u8]) {
        for &b in frame {
            self.data_octet(b);
        }
        let fcs = !crc16(0xFFFF, frame);
        self.data_octet(fcs as u8);
        self.data_octet((fcs >> 8) as u8);
        self.flags(1);
    }

    /// The end of the carrier: `n` more flags and the last bits, padded to
    /// a whole octet with the start of one more flag.
    pub fn finish(&mut self, n: usize) {
        self.flags(n);
        let mut i = 0;
        while self.nbits != 0 {
            self.bit(u32::from(FLAG >> i) & 1);
            i += 1;
        }
        self.ones = 0;
    }

    /// The whole octets made so far.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }
}

/// A frame found on the line: its content without FCS, and whether the FCS
/// was right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RxFrame {
    pub frame: Vec<u8>,
    pub fcs_ok: bool,
}

/// Line octets to frames.
#[derive(Debug, Default, Clone)]
pub struct Deframer {
    /// Between two flags (false: hunting for a flag, after an abort or at
    /// the start).
    in_frame: bool,
    ones: u32,
    data: Vec<u8>,
    acc: u32,
    nbits: u32,
    /// The frame grew past [`MAX_FRAME`]: dropped up to the next flag.
    overlong: bool,
    flags_seen: u64,
    frames: Vec<RxFrame>,
}

impl Deframer {
    /// A deframer at the start of a carrier.
    pub fn new() -> Deframer {
        Deframer::default()
    }

    /// Flags seen so far (a carrier that frames: T.30's "framing OK").
    pub fn flags_seen(&self) -> u64 {
        self.flags_seen
    }

    /// Take in received octets.
    pub fn push(&mut self, octets: &[u8]) {
        for &b in octets {
            for i in 0..8 {
                self.bit(u32::from(b >> i) & 1);
            }
        }
    }

    /// The frames completed so far.
    pub fn take_frames(&mut self) -> Vec<RxFrame> {
        std::mem::take(&mut self.frames)
    }

    fn data_bit(&mut self, bit: u32) {
        if !self.in_frame || self.overlong {
            return;
        }
        self.acc |= bit << self.nbits;
        self.nbits += 1;
        if self.nbits == 8 {
            if self.data.len() >= MAX_FRAME {
                self.overlong = true;
                self.data.clear();
            } else {
                self.data.push(self.acc as u8);
            }
            self.acc = 0;
            self.nbits = 0;
        }
    }

    fn restart(&mut self) {
        self.data.clear();
        self.acc = 0;
        self.nbits = 0;
        self.overlong = false;
    }

    fn bit(&mut self, bit: u32) {
        if bit == 1 {
            self.ones += 1;
            match self.ones {
                // A sixth one: a flag or an abort; it is no data.
                6 => {}
                // Seven ones: an abort; hunt for the next flag.
                7 => {
                    self.in_frame = false;
                    self.restart();
                }
                n if n > 7 => {}
                _ => self.data_bit(1),
            }
            return;
        }
        let ones = std::mem::replace(&mut self.ones, 0);
        match ones {
            // A zero inserted by the sender.
            5 => {}
            6 => self.flag(),
            _ => self.data_bit(0),
        }
    }

    /// A flag ended: the data so far holds the flag's first zero and its
    /// five ones after the frame.
    fn flag(&mut self) {
        self.flags_seen += 1;
        if self.in_frame && !self.overlong && self.nbits == 6 && self.data.len() >= MIN_FRAME {
            let mut frame = std::mem::take(&mut self.data);
            let fcs_ok = crc16(0xFFFF, &frame) == GOOD_RESIDUE;
            frame.truncate(frame.len() - 2);
            self.frames.push(RxFrame { frame, fcs_ok });
        }
        self.in_frame = true;
        self.restart();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(frames: &[&[u8]]) -> Vec<u8> {
        let mut f = Framer::new();
        f.flags(4);
        for fr in frames {
            f.frame(fr);
        }
        f.finish(2);
        f.take()
    }

    #[test]
    fn the_fcs_is_crc16_x25() {
        // The check value of CRC-16/X.25 (reflected, init and xorout 0xFFFF).
        assert_eq!(!crc16(0xFFFF, b"123456789"), 0x906E);
    }

    /// Zero insertion one bit at a time, as T.30 reads it: the framer's
    /// eight-bit shortcut must give the same line bits for every octet
    /// after every run of ones it can follow.
    #[test]
    fn whole_octets_are_stuffed_as_bit_by_bit() {
        for ones in 0..5u32 {
            for octet in 0..=255u8 {
                // Reference: the bits (LSB first) with a 0 after five 1s.
                let mut want = Vec::new();
                let mut run = ones;
                for i in 0..8 {
                    let bit = (octet >> i) & 1;
                    want.push(bit);
                    run = if bit == 1 { run + 1 } else { 0 };
                    if run == 5 {
                        want.push(0);
                        run = 0;
                    }
                }
                let mut f = Framer {
                    ones,
                    ..Framer::default()
                };
                f.data_octet(octet);
                let mut got: Vec<u8> = f
                    .out
                    .iter()
                    .flat_map(|b| (0..8).map(move |i| (b >> i) & 1))
                    .collect();
                got.extend((0..f.nbits).map(|i| (f.acc >> i) as u8 & 1));
                assert_eq!(got, want, "octet {octet:#04x} after {ones} ones");
                assert_eq!(f.ones, run, "ones after {octet:#04x} after {ones}");
            }
        }
    }

    #[test]
    fn frames_come_back_as_sent() {
        let a = [0xFFu8, 0x03, 0x60, 0x00, 0x7E, 0x7D, 0xFF, 0xFF, 0x1F];
        let b: Vec<u8> = (0..=255).collect();
        let line = framed(&[&a, &b]);
        let mut d = Deframer::new();
        d.push(&line);
        let got = d.take_frames();
        assert_eq!(
            got,
            vec![
                RxFrame {
                    frame: a.to_vec(),
                    fcs_ok: true
                },
                RxFrame {
                    frame: b,
                    fcs_ok: true
                }
            ]
        );
        assert!(d.flags_seen() >= 7);
    }

    #[test]
    fn no_six_ones_inside_a_frame() {
        let line = framed(&[&[0xFF; 64]]);
        // Between the preamble and the closing flags, no flag pattern on
        // any bit boundary: the zero insertion holds.
        let bits: Vec<u8> = line
            .iter()
            .flat_map(|b| (0..8).map(move |i| (b >> i) & 1))
            .collect();
        // The preamble's 4 flags before; the closing flag, 2 more and
        // at most 7 bits of padding after.
        let body = &bits[32..bits.len() - 32];
        assert!(body.len() > 64 * 8);
        let mut run = 0;
        for &bit in body {
            run = if bit == 1 { run + 1 } else { 0 };
            assert!(run <= 5, "six ones in a row are a flag");
        }
    }

    #[test]
    fn a_flipped_bit_fails_the_fcs() {
        let mut line = framed(&[&[0xFF, 0x03, 0x60, 1, 2, 3, 4, 5, 6, 7, 8]]);
        line[7] ^= 0x04;
        let mut d = Deframer::new();
        d.push(&line);
        let got = d.take_frames();
        assert!(!got.is_empty() && got.iter().all(|f| !f.fcs_ok), "{got:?}");
    }

    #[test]
    fn octets_split_anywhere_give_the_same_frames() {
        let line = framed(&[&[0xFF, 0x03, 0x60, 9, 8, 7], &[0xFF, 0x13, 0x61]]);
        for cut in 0..line.len() {
            let mut d = Deframer::new();
            d.push(&line[..cut]);
            d.push(&line[cut..]);
            assert_eq!(d.take_frames().len(), 2, "cut at {cut}");
        }
    }

    #[test]
    fn garbage_and_aborts_give_no_good_frame() {
        let mut d = Deframer::new();
        let mut x: u32 = 0x1234_5678;
        let noise: Vec<u8> = (0..20_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        d.push(&noise);
        assert!(d.take_frames().iter().all(|f| !f.fcs_ok));
        d.push(&[0xFF; 300]);
        d.push(&framed(&[&[0xFF, 0x03, 0x60, 1]]));
        let got = d.take_frames();
        assert_eq!(got.last().map(|f| f.fcs_ok), Some(true), "{got:?}");
    }

    #[test]
    fn an_overlong_frame_is_dropped_and_the_next_one_kept() {
        let big = vec![0x55u8; MAX_FRAME + 10];
        let line = framed(&[&big, &[0xFF, 0x13, 0x61]]);
        let mut d = Deframer::new();
        d.push(&line);
        let got = d.take_frames();
        assert_eq!(
            got,
            vec![RxFrame {
                frame: vec![0xFF, 0x13, 0x61],
                fcs_ok: true
            }]
        );
    }
}
