//! ITU-T T.6 (MMR) encoder in Rust: the two-dimensional coding of T.4
//! clause 4.2 with an imaginary all-white line above the page, no EOLs and
//! no fill bits, EOFB at the end (T.6 clause 2.4). Output is MSB first and
//! byte for byte what spandsp's encoder makes (its last byte filled with 1
//! bits); the tests prove it decodes to the same page with libtiff and with
//! spandsp's decoder, and compare it with spandsp's encoder.
//!
//! It exists because spandsp's encoder walks every row pixel run by pixel
//! run; here a row's changing elements are found 64 pixels at a time (XOR
//! of the row with itself shifted by one pixel, then count leading zeros),
//! so an all-white row costs a handful of word tests, and a dithered photo
//! row costs one step per changing element. The mode decisions (pass,
//! vertical, horizontal) then run over the two lists of changing elements.

use crate::page::BilevelPage;

/// Compress `page` as one T.6 stream ending in EOFB. A page without rows
/// gives just the EOFB.
pub fn encode(page: &BilevelPage) -> Vec<u8> {
    let stride = page.stride();
    let held = page.data().len().checked_div(stride).unwrap_or(0);
    let rows = held.min(page.rows as usize);
    encode_rows(&page.data()[..rows * stride], page.width, stride)
}

/// Compress rows of `width` pixels packed MSB first, `stride` bytes each
/// (at least `(width + 7) / 8`; a 1 bit is black; bits past the width are
/// ignored). A trailing partial row is ignored.
pub fn encode_rows(data: &[u8], width: u32, stride: usize) -> Vec<u8> {
    let stride = stride.max(width.div_ceil(8) as usize).max(1);
    let rows = data.len() / stride;
    let mut bits = BitWriter {
        out: Vec::with_capacity(data.len() / 12 + 64),
        acc: 0,
        used: 0,
    };
    // Changing elements of the reference and the coding line, each
    // followed by `width` three times (b2 and a2 may point past the end).
    let mut reference: Vec<u32> = vec![width; 3];
    let mut coding: Vec<u32> = Vec::with_capacity(256);
    for y in 0..rows {
        let row = &data[y * stride..(y + 1) * stride];
        changing_elements(row, width, &mut coding);
        if coding == reference {
            // Every changing element sits straight below one above: V0s.
            for _ in 0..coding.len() - 2 {
                bits.put(1, 1);
            }
        } else {
            encode_row(&coding, &reference, width, &mut bits);
        }
        std::mem::swap(&mut coding, &mut reference);
    }
    // EOFB: two EOLs.
    bits.put(12, 1);
    bits.put(12, 1);
    bits.finish()
}

/// Positions where a pixel differs from the one to its left (the pixel
/// left of the row is white), then `width` three times.
fn changing_elements(row: &[u8], width: u32, out: &mut Vec<u32>) {
    out.clear();
    let mut carry = 0u64; // the last pixel of the previous word, in bit 63
    let mut base = 0u32;
    for chunk in row.chunks(8) {
        if base >= width {
            break;
        }
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        let mut w = u64::from_be_bytes(word);
        let valid = width - base;
        if valid < 64 {
            w &= !(u64::MAX >> valid);
        }
        // Bit-reversed, the first change is the lowest set bit: count
        // trailing zeros and clear that bit (two cheap instructions).
        let mut x = (w ^ ((w >> 1) | carry)).reverse_bits();
        carry = w << 63;
        while x != 0 {
            out.push(base + x.trailing_zeros());
            x &= x - 1;
        }
        base = base.saturating_add(64);
    }
    // A black last pixel makes a change at `width` itself: not an element.
    while out.last().is_some_and(|&p| p >= width) {
        out.pop();
    }
    out.extend_from_slice(&[width; 3]);
}

/// Code one row (T.4 figure 7 without the EOL and tag bit).
fn encode_row(coding: &[u32], reference: &[u32], width: u32, writer: &mut BitWriter) {
    // A local copy, so the accumulator stays in registers over the row.
    let mut local = BitWriter {
        out: std::mem::take(&mut writer.out),
        acc: writer.acc,
        used: writer.used,
    };
    let bits = &mut local;
    // a0 is "before the row" (-1) at the start; kept as i64.
    let mut a0: i64 = -1;
    let mut black = false;
    let mut ka = 0usize; // coding[ka] = a1
    let mut jr = 0usize; // first reference element right of a0
    while a0 < i64::from(width) {
        let a1 = coding[ka];
        // The list ends in `width` (> a0 here), so this stops in bounds.
        while i64::from(reference[jr]) <= a0 {
            jr += 1;
        }
        // b1 has the colour opposite to a0's: elements at even indices
        // turn to black, at odd ones to white.
        let jb = if (jr & 1 == 1) == black { jr } else { jr + 1 };
        let jb = jb.min(reference.len() - 2);
        let b1 = reference[jb];
        let b2 = reference[jb + 1];
        if b2 < a1 {
            bits.put(4, 0b0001); // pass
            a0 = i64::from(b2);
        } else {
            let d = i64::from(a1) - i64::from(b1);
            if (-3..=3).contains(&d) {
                let (n, code) = VERTICAL[(d + 3) as usize];
                bits.put(n, code);
                a0 = i64::from(a1);
                black = !black;
                ka += 1;
            } else {
                let a2 = coding[ka + 1];
                let start = a0.max(0) as u32;
                bits.put(3, 0b001); // horizontal
                if black {
                    put_run(bits, a1 - start, &BLACK);
                    put_run(bits, a2 - a1, &WHITE);
                } else {
                    put_run(bits, a1 - start, &WHITE);
                    put_run(bits, a2 - a1, &BLACK);
                }
                a0 = i64::from(a2);
                ka += 2;
            }
        }
    }
    *writer = local;
}

/// VL3, VL2, VL1, V0, VR1, VR2, VR3 (T.4 table 4): (bits, code).
const VERTICAL: [(u8, u32); 7] = [
    (7, 0b0000010),
    (6, 0b000010),
    (3, 0b010),
    (1, 0b1),
    (3, 0b011),
    (6, 0b000011),
    (7, 0b0000011),
];

/// One run: make-up codes of 2560 while more than 2623 remain, one more
/// make-up code for a run of 64 or more, then a terminating code.
fn put_run(bits: &mut BitWriter, mut run: u32, table: &[(u8, u16); 104]) {
    while run >= 2560 + 64 {
        let (n, code) = table[103];
        bits.put(n, u32::from(code));
        run -= 2560;
    }
    if run >= 64 {
        let (n, code) = table[63 + (run >> 6) as usize];
        bits.put(n, u32::from(code));
        run &= 63;
    }
    let (n, code) = table[run as usize];
    bits.put(n, u32::from(code));
}

/// MSB-first bit output through a 64-bit accumulator.
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    used: u32,
}

impl BitWriter {
    /// Append the low `n` (at most 24) bits of `code`.
    #[inline]
    fn put(&mut self, n: u8, code: u32) {
        let n = u32::from(n);
        self.acc = (self.acc << n) | u64::from(code);
        self.used += n;
        if self.used >= 32 {
            self.used -= 32;
            self.out
                .extend_from_slice(&((self.acc >> self.used) as u32).to_be_bytes());
        }
    }

    fn finish(mut self) -> Vec<u8> {
        while self.used >= 8 {
            self.used -= 8;
            self.out.push((self.acc >> self.used) as u8);
        }
        if self.used > 0 {
            // Fill the last byte with 1 bits, as spandsp does (a decoder
            // stops at EOFB; the streams stay byte for byte the same).
            let pad = 8 - self.used;
            self.out
                .push(((self.acc << pad) as u8) | ((1u8 << pad) - 1));
        }
        self.out
    }
}

/// White run codes (bits, code MSB first): 0..=63 terminating, then make-up 64..=2560 in steps of 64.
const WHITE: [(u8, u16); 104] = [
    (8, 0b00110101),
    (6, 0b000111),
    (4, 0b0111),
    (4, 0b1000),
    (4, 0b1011),
    (4, 0b1100),
    (4, 0b1110),
    (4, 0b1111),
    (5, 0b10011),
    (5, 0b10100),
    (5, 0b00111),
    (5, 0b01000),
    (6, 0b001000),
    (6, 0b000011),
    (6, 0b110100),
    (6, 0b110101),
    (6, 0b101010),
    (6, 0b101011),
    (7, 0b0100111),
    (7, 0b0001100),
    (7, 0b0001000),
    (7, 0b0010111),
    (7, 0b0000011),
    (7, 0b0000100),
    (7, 0b0101000),
    (7, 0b0101011),
    (7, 0b0010011),
    (7, 0b0100100),
    (7, 0b0011000),
    (8, 0b00000010),
    (8, 0b00000011),
    (8, 0b00011010),
    (8, 0b00011011),
    (8, 0b00010010),
    (8, 0b00010011),
    (8, 0b00010100),
    (8, 0b00010101),
    (8, 0b00010110),
    (8, 0b00010111),
    (8, 0b00101000),
    (8, 0b00101001),
    (8, 0b00101010),
    (8, 0b00101011),
    (8, 0b00101100),
    (8, 0b00101101),
    (8, 0b00000100),
    (8, 0b00000101),
    (8, 0b00001010),
    (8, 0b00001011),
    (8, 0b01010010),
    (8, 0b01010011),
    (8, 0b01010100),
    (8, 0b01010101),
    (8, 0b00100100),
    (8, 0b00100101),
    (8, 0b01011000),
    (8, 0b01011001),
    (8, 0b01011010),
    (8, 0b01011011),
    (8, 0b01001010),
    (8, 0b01001011),
    (8, 0b00110010),
    (8, 0b00110011),
    (8, 0b00110100),
    (5, 0b11011),
    (5, 0b10010),
    (6, 0b010111),
    (7, 0b0110111),
    (8, 0b00110110),
    (8, 0b00110111),
    (8, 0b01100100),
    (8, 0b01100101),
    (8, 0b01101000),
    (8, 0b01100111),
    (9, 0b011001100),
    (9, 0b011001101),
    (9, 0b011010010),
    (9, 0b011010011),
    (9, 0b011010100),
    (9, 0b011010101),
    (9, 0b011010110),
    (9, 0b011010111),
    (9, 0b011011000),
    (9, 0b011011001),
    (9, 0b011011010),
    (9, 0b011011011),
    (9, 0b010011000),
    (9, 0b010011001),
    (9, 0b010011010),
    (6, 0b011000),
    (9, 0b010011011),
    (11, 0b00000001000),
    (11, 0b00000001100),
    (11, 0b00000001101),
    (12, 0b000000010010),
    (12, 0b000000010011),
    (12, 0b000000010100),
    (12, 0b000000010101),
    (12, 0b000000010110),
    (12, 0b000000010111),
    (12, 0b000000011100),
    (12, 0b000000011101),
    (12, 0b000000011110),
    (12, 0b000000011111),
];
/// Black run codes (bits, code MSB first): 0..=63 terminating, then make-up 64..=2560 in steps of 64.
const BLACK: [(u8, u16); 104] = [
    (10, 0b0000110111),
    (3, 0b010),
    (2, 0b11),
    (2, 0b10),
    (3, 0b011),
    (4, 0b0011),
    (4, 0b0010),
    (5, 0b00011),
    (6, 0b000101),
    (6, 0b000100),
    (7, 0b0000100),
    (7, 0b0000101),
    (7, 0b0000111),
    (8, 0b00000100),
    (8, 0b00000111),
    (9, 0b000011000),
    (10, 0b0000010111),
    (10, 0b0000011000),
    (10, 0b0000001000),
    (11, 0b00001100111),
    (11, 0b00001101000),
    (11, 0b00001101100),
    (11, 0b00000110111),
    (11, 0b00000101000),
    (11, 0b00000010111),
    (11, 0b00000011000),
    (12, 0b000011001010),
    (12, 0b000011001011),
    (12, 0b000011001100),
    (12, 0b000011001101),
    (12, 0b000001101000),
    (12, 0b000001101001),
    (12, 0b000001101010),
    (12, 0b000001101011),
    (12, 0b000011010010),
    (12, 0b000011010011),
    (12, 0b000011010100),
    (12, 0b000011010101),
    (12, 0b000011010110),
    (12, 0b000011010111),
    (12, 0b000001101100),
    (12, 0b000001101101),
    (12, 0b000011011010),
    (12, 0b000011011011),
    (12, 0b000001010100),
    (12, 0b000001010101),
    (12, 0b000001010110),
    (12, 0b000001010111),
    (12, 0b000001100100),
    (12, 0b000001100101),
    (12, 0b000001010010),
    (12, 0b000001010011),
    (12, 0b000000100100),
    (12, 0b000000110111),
    (12, 0b000000111000),
    (12, 0b000000100111),
    (12, 0b000000101000),
    (12, 0b000001011000),
    (12, 0b000001011001),
    (12, 0b000000101011),
    (12, 0b000000101100),
    (12, 0b000001011010),
    (12, 0b000001100110),
    (12, 0b000001100111),
    (10, 0b0000001111),
    (12, 0b000011001000),
    (12, 0b000011001001),
    (12, 0b000001011011),
    (12, 0b000000110011),
    (12, 0b000000110100),
    (12, 0b000000110101),
    (13, 0b0000001101100),
    (13, 0b0000001101101),
    (13, 0b0000001001010),
    (13, 0b0000001001011),
    (13, 0b0000001001100),
    (13, 0b0000001001101),
    (13, 0b0000001110010),
    (13, 0b0000001110011),
    (13, 0b0000001110100),
    (13, 0b0000001110101),
    (13, 0b0000001110110),
    (13, 0b0000001110111),
    (13, 0b0000001010010),
    (13, 0b0000001010011),
    (13, 0b0000001010100),
    (13, 0b0000001010101),
    (13, 0b0000001011010),
    (13, 0b0000001011011),
    (13, 0b0000001100100),
    (13, 0b0000001100101),
    (11, 0b00000001000),
    (11, 0b00000001100),
    (11, 0b00000001101),
    (12, 0b000000010010),
    (12, 0b000000010011),
    (12, 0b000000010100),
    (12, 0b000000010101),
    (12, 0b000000010110),
    (12, 0b000000010111),
    (12, 0b000000011100),
    (12, 0b000000011101),
    (12, 0b000000011110),
    (12, 0b000000011111),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{self, Compression};
    use crate::page::Resolution;
    use crate::tiff::{write_tiff, TiffMeta, TiffPage};
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    /// Pages of every kind the tests use, named for the failure messages.
    fn corpus(width: u32) -> Vec<(String, BilevelPage)> {
        let res = Resolution::Fine;
        let rows = 97;
        let mut out = Vec::new();
        out.push(("white".to_owned(), BilevelPage::blank(width, rows, res)));
        let mut black = BilevelPage::blank(width, rows, res);
        black.fill_rect(0, 0, width, rows);
        out.push(("black".to_owned(), black));
        let mut alt = BilevelPage::blank(width, rows, res);
        for y in 0..rows {
            for x in 0..width {
                alt.set(x, y, (x + y) % 2 == 0);
            }
        }
        out.push(("alternating".to_owned(), alt));
        let mut rng = SmallRng::seed_from_u64(u64::from(width));
        let mut random = BilevelPage::blank(width, rows, res);
        for y in 0..rows {
            // Some rows random, some copies of the row above, some sparse.
            match y % 4 {
                0 | 1 => (0..width).for_each(|x| random.set(x, y, rng.gen_bool(0.5))),
                2 if y > 0 => {
                    let above = random.row(y - 1).to_vec();
                    random.row_mut(y).copy_from_slice(&above);
                }
                _ => (0..width).for_each(|x| random.set(x, y, rng.gen_bool(0.02))),
            }
        }
        out.push(("random".to_owned(), random));
        // Long runs: black bars with gaps of every size near the codes' edges.
        let mut bars = BilevelPage::blank(width, rows, res);
        for y in 0..rows {
            let mut x = 0;
            let mut k = y;
            while x < width {
                let run = [
                    1, 2, 3, 4, 63, 64, 65, 127, 128, 1727, 1728, 2559, 2560, 2561, 2623, 2624,
                    2700,
                ][k as usize % 17];
                let len = run.min(width - x);
                if k % 2 == 0 {
                    bars.fill_rect(x, y, len, 1);
                }
                x += len;
                k += 1;
            }
        }
        out.push(("bars".to_owned(), bars));
        if width >= 64 {
            out.push((
                "text".to_owned(),
                BilevelPage::test_pattern(width, 400, res, 7),
            ));
            // A photo dithered with a Bayer matrix over a gradient.
            let mut photo = BilevelPage::blank(width, 300, res);
            const BAYER: [[u32; 4]; 4] =
                [[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]];
            for y in 0..300 {
                for x in 0..width {
                    let gray = (x * 7 + y * 3 + (x * y) / 50) % 256;
                    photo.set(x, y, gray / 16 > BAYER[(y % 4) as usize][(x % 4) as usize]);
                }
            }
            out.push(("dithered photo".to_owned(), photo));
        }
        out
    }

    /// Decode a T.6 stream with libtiff: our TIFF writer around it, then
    /// `tiffcp -c none` into one uncompressed strip, read back here.
    fn decode_with_libtiff(page: &BilevelPage, code: Vec<u8>, tag: &str) -> Vec<u8> {
        let dir = test_kit::Scratch::new(&format!("t6-libtiff-{tag}"));
        let input = dir.join("in.tif");
        let output = dir.join("out.tif");
        let tiff_page = TiffPage {
            data: code,
            ..TiffPage::from_page(
                &BilevelPage::blank(page.width, 1, page.resolution),
                Compression::T6,
            )
        };
        let tiff_page = TiffPage {
            rows: page.rows,
            ..tiff_page
        };
        std::fs::write(&input, write_tiff(&[tiff_page], &TiffMeta::default())).unwrap();
        let run = std::process::Command::new("tiffcp")
            .args(["-c", "none", "-r", "1000000"])
            .arg(&input)
            .arg(&output)
            .output()
            .expect("tiffcp (libtiff-tools) runs");
        assert!(
            run.status.success(),
            "tiffcp: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(
            run.stderr.is_empty(),
            "tiffcp complained: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let tif = std::fs::read(&output).unwrap();
        one_strip(&tif)
    }

    /// The single strip of a little-endian TIFF with one IFD.
    fn one_strip(tif: &[u8]) -> Vec<u8> {
        assert_eq!(&tif[..4], b"II*\0", "tiffcp writes little-endian");
        let u16_at = |o: usize| u16::from_le_bytes([tif[o], tif[o + 1]]) as usize;
        let u32_at =
            |o: usize| u32::from_le_bytes([tif[o], tif[o + 1], tif[o + 2], tif[o + 3]]) as usize;
        let ifd = u32_at(4);
        let (mut offset, mut count) = (None, None);
        for i in 0..u16_at(ifd) {
            let e = ifd + 2 + 12 * i;
            let value = if u16_at(e + 2) == 3 {
                u16_at(e + 8)
            } else {
                u32_at(e + 8)
            };
            assert!(
                u32_at(e + 4) == 1 || !matches!(u16_at(e), 273 | 279),
                "one strip"
            );
            match u16_at(e) {
                273 => offset = Some(value),
                279 => count = Some(value),
                262 => assert_eq!(value, 0, "WhiteIsZero kept"),
                _ => {}
            }
        }
        let (o, n) = (offset.unwrap(), count.unwrap());
        tif[o..o + n].to_vec()
    }

    #[test]
    fn libtiff_decodes_every_kind_of_page_bit_exact() {
        for width in [
            1728, 2048, 1, 7, 13, 63, 64, 65, 100, 1000, 2623, 2700, 6000,
        ] {
            for (name, page) in corpus(width) {
                let code = encode(&page);
                let back = decode_with_libtiff(
                    &page,
                    code,
                    &format!("{width}-{}", name.replace(' ', "_")),
                );
                assert_eq!(
                    back.len(),
                    page.data().len(),
                    "{name} at width {width}: size"
                );
                let bad = back.iter().zip(page.data()).position(|(a, b)| a != b);
                assert!(
                    bad.is_none(),
                    "{name} at width {width}: first differing byte {bad:?}"
                );
            }
        }
    }

    #[test]
    fn spandsp_decodes_every_kind_of_page() {
        for width in [1728, 2048, 8, 64, 216, 1000, 4864] {
            for (name, page) in corpus(width) {
                let code = encode(&page);
                let decoded = codec::decode(&code, Compression::T6, width, page.resolution)
                    .unwrap_or_else(|e| panic!("{name} at width {width}: {e}"));
                assert_eq!(decoded.bad_rows, 0, "{name} at width {width}");
                assert!(
                    decoded.page == page,
                    "{name} at width {width}: pixels differ"
                );
            }
        }
    }

    #[test]
    fn same_bytes_as_spandsps_encoder() {
        for width in [1728, 2048, 8, 64, 216, 1000, 4864] {
            for (name, page) in corpus(width) {
                let ours = encode(&page);
                let theirs = codec::encode_with_spandsp(&page, Compression::T6);
                let first = ours.iter().zip(&theirs).position(|(a, b)| a != b);
                assert!(
                    ours.len() == theirs.len() && first.is_none(),
                    "{name} at width {width}: {} vs {} bytes, first difference at {first:?}",
                    ours.len(),
                    theirs.len()
                );
            }
        }
    }

    #[test]
    fn random_pages_round_trip_through_spandsp() {
        let mut rng = SmallRng::seed_from_u64(5);
        for case in 0..40 {
            let width = 8 * rng.gen_range(1..300u32);
            let rows = rng.gen_range(1..40u32);
            let density = rng.gen_range(0.0..1.0f64);
            let mut page = BilevelPage::blank(width, rows, Resolution::Standard);
            for y in 0..rows {
                let copy = y > 0 && rng.gen_bool(0.3);
                for x in 0..width {
                    let v = if copy {
                        page.get(x, y - 1) ^ rng.gen_bool(0.01)
                    } else {
                        rng.gen_bool(density)
                    };
                    page.set(x, y, v);
                }
            }
            let decoded = codec::decode(&encode(&page), Compression::T6, width, page.resolution)
                .unwrap_or_else(|e| panic!("case {case}: {e}"));
            assert!(
                decoded.page == page && decoded.bad_rows == 0,
                "case {case} ({width} x {rows}, {density:.2})"
            );
        }
    }

    #[test]
    fn empty_page_is_just_eofb() {
        let page = BilevelPage::blank(1728, 0, Resolution::Fine);
        assert_eq!(encode(&page), vec![0x00, 0x10, 0x01]);
        // A white row is one V0 (1 bit), then EOFB.
        let page = BilevelPage::blank(1728, 1, Resolution::Fine);
        assert_eq!(encode(&page), vec![0x80, 0x08, 0x00, 0xFF]);
    }

    #[test]
    fn bits_past_the_width_are_ignored() {
        let mut dirty = vec![0u8; 2 * 2];
        dirty[1] = 0b0000_0111; // width 13: the last three bits are padding
        dirty[3] = 0b0000_1111; // the last pixel is black, three padding bits set
        let mut clean = dirty.clone();
        clean[1] = 0;
        clean[3] = 0b0000_1000;
        assert_eq!(encode_rows(&dirty, 13, 2), encode_rows(&clean, 13, 2));
    }
}
