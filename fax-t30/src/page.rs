//! The bilevel page: what a fax carries, one bit per pixel.
//!
//! Rows are packed MSB first, `(width + 7) / 8` bytes each, and a 1 bit is
//! black: the layout of a decoded ITU-T T.4 row, of a TIFF strip with
//! Photometric 0 (WhiteIsZero), and of spandsp's row buffers. Bits past the
//! width in the last byte of a row are always 0.
//!
//! Resolutions and page sizes follow ITU-T T.30 Table 2 / T.4 clause 2
//! (R8 = 8 dots/mm across, 3.85, 7.7 or 15.4 lines/mm down), given in the
//! nominal inch values TIFF-F and PDF use.

use crate::Error;

/// Widest page the readers accept (a T.4 A3 row at 1200 dpi is 14 000; fax
/// machines send at most 4864, so 10 000 leaves room without inviting abuse).
pub const MAX_WIDTH: u32 = 10_000;
/// Longest page the readers accept, in rows.
pub const MAX_ROWS: u32 = 100_000;

/// Scan resolution of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// R8 × 3.85 lines/mm: 204 × 98 dpi.
    Standard,
    /// R8 × 7.7 lines/mm: 204 × 196 dpi.
    Fine,
    /// R8 × 15.4 lines/mm: 204 × 391 dpi.
    Superfine,
    /// Anything else (200 × 200, 300 × 300, ...), in dots per inch.
    Custom { x_dpi: u16, y_dpi: u16 },
}

impl Resolution {
    /// Horizontal resolution in dots per inch (never 0).
    pub fn x_dpi(self) -> u16 {
        match self {
            Resolution::Standard | Resolution::Fine | Resolution::Superfine => 204,
            Resolution::Custom { x_dpi, .. } => x_dpi.max(1),
        }
    }

    /// Vertical resolution in lines per inch (never 0).
    pub fn y_dpi(self) -> u16 {
        match self {
            Resolution::Standard => 98,
            Resolution::Fine => 196,
            Resolution::Superfine => 391,
            Resolution::Custom { y_dpi, .. } => y_dpi.max(1),
        }
    }

    /// The resolution a file states in dots per inch, recognising the R8
    /// fax resolutions whether written as 204/203.2 × 98/97.8/100 ... or not.
    pub fn from_dpi(x_dpi: f32, y_dpi: f32) -> Resolution {
        let near = |v: f32, target: f32| (v - target).abs() <= target * 0.02;
        let r8 = near(x_dpi, 204.0);
        match () {
            _ if r8 && near(y_dpi, 98.0) => Resolution::Standard,
            _ if r8 && near(y_dpi, 196.0) => Resolution::Fine,
            _ if r8 && near(y_dpi, 391.0) => Resolution::Superfine,
            _ => Resolution::Custom {
                x_dpi: clamp_dpi(x_dpi),
                y_dpi: clamp_dpi(y_dpi),
            },
        }
    }
}

fn clamp_dpi(v: f32) -> u16 {
    if v.is_finite() {
        v.round().clamp(1.0, f32::from(u16::MAX)) as u16
    } else {
        1
    }
}

/// Paper sizes a fax page is cut to (T.30 Table 2 widths, scan lengths).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaperSize {
    /// ISO A4, 215 mm scan width, 297 mm long.
    A4,
    /// US Letter, 215 mm scan width, 11 in long.
    Letter,
    /// JIS B4, 255 mm scan width, 364 mm long.
    B4,
}

impl PaperSize {
    /// Row width in pixels at R8 (204 dpi).
    pub fn width(self) -> u32 {
        match self {
            PaperSize::A4 | PaperSize::Letter => 1728,
            PaperSize::B4 => 2048,
        }
    }

    /// Rows of a full page at this resolution. Standard is half of fine and
    /// superfine twice fine; other resolutions scale the page length.
    pub fn rows(self, resolution: Resolution) -> u32 {
        let standard = match self {
            PaperSize::A4 => 1146,
            PaperSize::Letter => 1078,
            PaperSize::B4 => 1404,
        };
        match resolution {
            Resolution::Standard => standard,
            Resolution::Fine => standard * 2,
            Resolution::Superfine => standard * 4,
            Resolution::Custom { y_dpi, .. } => {
                (self.length_mm() / 25.4 * f64::from(y_dpi.max(1))).round() as u32
            }
        }
    }

    /// Nominal page length in millimetres.
    pub fn length_mm(self) -> f64 {
        match self {
            PaperSize::A4 => 297.0,
            PaperSize::Letter => 279.4,
            PaperSize::B4 => 364.0,
        }
    }
}

/// One bilevel page. Keep `width` and `rows` as built: the pixel buffer is
/// sized from them (`stride() * rows` bytes).
#[derive(Clone, PartialEq, Eq)]
pub struct BilevelPage {
    pub width: u32,
    pub rows: u32,
    pub resolution: Resolution,
    data: Vec<u8>,
}

impl std::fmt::Debug for BilevelPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BilevelPage")
            .field("width", &self.width)
            .field("rows", &self.rows)
            .field("resolution", &self.resolution)
            .field("black_pixels", &self.black_pixels())
            .finish()
    }
}

impl BilevelPage {
    /// An all-white page.
    pub fn blank(width: u32, rows: u32, resolution: Resolution) -> BilevelPage {
        let len = width.div_ceil(8) as usize * rows as usize;
        BilevelPage {
            width,
            rows,
            resolution,
            data: vec![0; len],
        }
    }

    /// A page from packed rows (MSB first, 1 = black). Bits past the width
    /// are cleared.
    pub fn from_packed(
        width: u32,
        rows: u32,
        resolution: Resolution,
        data: Vec<u8>,
    ) -> Result<BilevelPage, Error> {
        let stride = width.div_ceil(8) as usize;
        let expected = stride.checked_mul(rows as usize);
        if expected != Some(data.len()) {
            return Err(Error::UnsupportedPage(format!(
                "{} bytes of pixels for {width} x {rows} (expected {})",
                data.len(),
                stride.saturating_mul(rows as usize)
            )));
        }
        let mut page = BilevelPage {
            width,
            rows,
            resolution,
            data,
        };
        page.clear_padding();
        Ok(page)
    }

    /// Bytes per packed row.
    pub fn stride(&self) -> usize {
        self.width.div_ceil(8) as usize
    }

    /// All rows, packed.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Row `y`, packed. Panics if `y >= rows`.
    pub fn row(&self, y: u32) -> &[u8] {
        let s = self.stride();
        let start = y as usize * s;
        &self.data[start..start + s]
    }

    /// Row `y`, packed, for writing. Keep the bits past the width at 0.
    /// Panics if `y >= rows`.
    pub fn row_mut(&mut self, y: u32) -> &mut [u8] {
        let s = self.stride();
        let start = y as usize * s;
        &mut self.data[start..start + s]
    }

    /// Whether pixel (x, y) is black; pixels outside the page are white.
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.rows {
            return false;
        }
        self.row(y)[(x / 8) as usize] & (0x80 >> (x % 8)) != 0
    }

    /// Paint pixel (x, y); pixels outside the page are ignored.
    pub fn set(&mut self, x: u32, y: u32, black: bool) {
        if x >= self.width || y >= self.rows {
            return;
        }
        let mask = 0x80 >> (x % 8);
        let byte = &mut self.row_mut(y)[(x / 8) as usize];
        if black {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
    }

    /// Number of black pixels.
    pub fn black_pixels(&self) -> u64 {
        self.data.iter().map(|b| u64::from(b.count_ones())).sum()
    }

    /// Paint the rectangle `[x, x + w) × [y, y + h)` black, clipped to the page.
    pub fn fill_rect(&mut self, x: u32, y: u32, w: u32, h: u32) {
        let x1 = x.saturating_add(w).min(self.width);
        let y1 = y.saturating_add(h).min(self.rows);
        if x >= x1 {
            return;
        }
        for yy in y..y1 {
            fill_span(self.row_mut(yy), x, x1);
        }
    }

    /// Swap black and white (for files that say BlackIsZero).
    pub(crate) fn invert(&mut self) {
        for b in &mut self.data {
            *b = !*b;
        }
        self.clear_padding();
    }

    /// Cut or extend (with white rows) to `rows` rows.
    pub(crate) fn set_rows(&mut self, rows: u32) {
        self.data.resize(self.stride() * rows as usize, 0);
        self.rows = rows;
    }

    /// Append `other`'s rows (same width) below this page's.
    pub(crate) fn append_rows(&mut self, other: &BilevelPage) {
        debug_assert_eq!(self.width, other.width);
        self.data.extend_from_slice(&other.data);
        self.rows += other.rows;
    }

    fn clear_padding(&mut self) {
        let s = self.stride();
        if self.width & 7 == 0 || s == 0 {
            return;
        }
        let keep = 0xFFu8 << (8 - self.width % 8);
        for row in self.data.chunks_exact_mut(s) {
            row[s - 1] &= keep;
        }
    }

    /// A deterministic page that looks like a typed fax: a header line, a
    /// border, paragraphs of "words" in a 5 × 7 glyph font made from `seed`,
    /// horizontal rules, a table, a filled logo and a diagonal stroke.
    /// Scaled to the resolution so the text is about 10 pt at any of them.
    pub fn test_pattern(width: u32, rows: u32, resolution: Resolution, seed: u64) -> BilevelPage {
        let mut page = BilevelPage::blank(width, rows, resolution);
        let mut rng = SplitMix64(seed ^ 0x05EE_DFA4_u64);
        // Pixels per glyph cell, about 0.35 mm.
        let sx = (u32::from(resolution.x_dpi()) / 68).max(1);
        let sy = (u32::from(resolution.y_dpi()) / 68).max(1);
        let font = Font::new(&mut rng);
        let margin_x = width / 20;
        let margin_y = rows / 30;

        // Fax header line (TSI, date, page), above the border.
        let header_y = margin_y / 3;
        page.draw_text_line(
            &font,
            &mut rng,
            margin_x,
            header_y,
            width - margin_x,
            sx,
            sy,
        );

        // Border, two strokes thick in each direction.
        let (bx0, by0) = (margin_x / 2, margin_y);
        let (bx1, by1) = (width - margin_x / 2, rows.saturating_sub(margin_y / 2));
        let t = 2 * sy;
        page.fill_rect(bx0, by0, bx1 - bx0, t);
        page.fill_rect(bx0, by1.saturating_sub(t), bx1 - bx0, t);
        page.fill_rect(bx0, by0, 2 * sx, by1.saturating_sub(by0));
        page.fill_rect(
            bx1.saturating_sub(2 * sx),
            by0,
            2 * sx,
            by1.saturating_sub(by0),
        );

        // Letterhead: a filled logo and a title in double-size glyphs.
        let logo = 40 * sx;
        page.fill_rect(margin_x, by0 + 8 * sy, logo, logo * sy / sx);
        page.fill_rect(
            margin_x + logo / 4,
            by0 + 8 * sy + logo * sy / sx / 4,
            logo / 2,
            logo * sy / sx / 2,
        );
        page.set_rect_white(
            margin_x + logo * 3 / 8,
            by0 + 8 * sy + logo * sy / sx * 3 / 8,
            logo / 4,
            logo * sy / sx / 4,
        );
        page.draw_text_line(
            &font,
            &mut rng,
            margin_x + logo + 12 * sx,
            by0 + 14 * sy,
            width / 2,
            2 * sx,
            2 * sy,
        );

        let line_h = 12 * sy;
        let mut y = by0 + 8 * sy + logo * sy / sx + 16 * sy;
        let bottom = by1.saturating_sub(20 * sy);
        let mut section = 0;
        while y + line_h < bottom {
            match section % 4 {
                // A paragraph of 4 to 9 lines, the last one shorter.
                0 | 2 => {
                    let lines = 4 + rng.below(6);
                    for i in 0..lines {
                        if y + line_h >= bottom {
                            break;
                        }
                        let right = if i + 1 == lines {
                            margin_x + (width - 2 * margin_x) * (30 + rng.below(50)) / 100
                        } else {
                            width - margin_x
                        };
                        page.draw_text_line(&font, &mut rng, margin_x, y, right, sx, sy);
                        y += line_h;
                    }
                    y += line_h / 2;
                }
                // A horizontal rule.
                1 => {
                    page.fill_rect(margin_x, y + line_h / 2, width - 2 * margin_x, sy.max(1));
                    y += line_h * 2;
                }
                // A small table with text in its cells.
                _ => {
                    let cols = 3 + rng.below(3);
                    let table_rows = 3 + rng.below(3);
                    let cell_w = (width - 2 * margin_x) / cols;
                    let cell_h = line_h + 4 * sy;
                    if y + cell_h * table_rows >= bottom {
                        y += line_h;
                        section += 1;
                        continue;
                    }
                    for r in 0..=table_rows {
                        page.fill_rect(margin_x, y + r * cell_h, cell_w * cols, sy);
                    }
                    for c in 0..=cols {
                        page.fill_rect(margin_x + c * cell_w, y, sx, cell_h * table_rows);
                    }
                    for r in 0..table_rows {
                        for c in 0..cols {
                            let x0 = margin_x + c * cell_w + 4 * sx;
                            let x1 =
                                x0 + cell_w.saturating_sub(8 * sx) * (40 + rng.below(60)) / 100;
                            page.draw_text_line(
                                &font,
                                &mut rng,
                                x0,
                                y + r * cell_h + 3 * sy,
                                x1,
                                sx,
                                sy,
                            );
                        }
                    }
                    y += cell_h * table_rows + line_h;
                }
            }
            section += 1;
        }

        // A signature-like diagonal stroke near the bottom right.
        let (dx0, dy0) = (width * 3 / 5, bottom.saturating_sub(30 * sy));
        for i in 0..(width / 4) {
            let yy = dy0 + (i * 25 * sy) / (width / 4).max(1);
            page.fill_rect(dx0 + i, yy, sx, 2 * sy);
        }
        page
    }

    fn set_rect_white(&mut self, x: u32, y: u32, w: u32, h: u32) {
        let x1 = x.saturating_add(w).min(self.width);
        let y1 = y.saturating_add(h).min(self.rows);
        for yy in y..y1 {
            for xx in x..x1 {
                self.set(xx, yy, false);
            }
        }
    }

    /// Words of glyphs from `x0` up to `x1`, the glyph tops at `y`.
    #[allow(clippy::too_many_arguments)]
    fn draw_text_line(
        &mut self,
        font: &Font,
        rng: &mut SplitMix64,
        x0: u32,
        y: u32,
        x1: u32,
        sx: u32,
        sy: u32,
    ) {
        let advance = 6 * sx;
        let mut x = x0;
        while x + advance <= x1 {
            let word = 1 + rng.below(9);
            if x + word * advance > x1 {
                break;
            }
            for _ in 0..word {
                let glyph = &font.glyphs[rng.below(font.glyphs.len() as u32) as usize];
                self.draw_glyph(glyph, x, y, sx, sy);
                x += advance;
            }
            x += advance;
        }
    }

    fn draw_glyph(&mut self, glyph: &[u8; 7], x: u32, y: u32, sx: u32, sy: u32) {
        for (gy, bits) in glyph.iter().enumerate() {
            // Runs of set bits in the 5-bit row become one rectangle each.
            let mut gx = 0;
            while gx < 5 {
                if bits & (0x10 >> gx) == 0 {
                    gx += 1;
                    continue;
                }
                let start = gx;
                while gx < 5 && bits & (0x10 >> gx) != 0 {
                    gx += 1;
                }
                self.fill_rect(x + start * sx, y + gy as u32 * sy, (gx - start) * sx, sy);
            }
        }
    }
}

/// Set bits `[x0, x1)` of a packed row, a byte at a time.
fn fill_span(row: &mut [u8], x0: u32, x1: u32) {
    let (b0, b1) = ((x0 / 8) as usize, ((x1 - 1) / 8) as usize);
    let head = 0xFFu8 >> (x0 % 8);
    let tail = 0xFFu8 << (7 - (x1 - 1) % 8);
    if b0 == b1 {
        row[b0] |= head & tail;
        return;
    }
    row[b0] |= head;
    row[b0 + 1..b1].fill(0xFF);
    row[b1] |= tail;
}

/// SplitMix64: a tiny deterministic generator, enough for drawing.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u32) -> u32 {
        (((self.next() >> 32) * u64::from(n)) >> 32) as u32
    }
}

/// Forty 5 × 7 glyphs: strokes, bowls and bars like a typewriter font.
struct Font {
    glyphs: Vec<[u8; 7]>,
}

impl Font {
    fn new(rng: &mut SplitMix64) -> Font {
        // Building blocks of Latin letters, combined per glyph.
        const PARTS: [[u8; 7]; 8] = [
            [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10], // left stem
            [0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01], // right stem
            [0x1F, 0, 0, 0, 0, 0, 0],                   // top bar
            [0, 0, 0, 0x1F, 0, 0, 0],                   // middle bar
            [0, 0, 0, 0, 0, 0, 0x1F],                   // bottom bar
            [0, 0, 0x0E, 0x11, 0x11, 0x11, 0x0E],       // bowl
            [0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04], // centre stem
            [0x11, 0x11, 0x0A, 0x04, 0x04, 0x0A, 0x11], // cross
        ];
        let glyphs = (0..40)
            .map(|_| {
                let mut g = [0u8; 7];
                let parts = 2 + rng.below(2);
                for _ in 0..parts {
                    let p = &PARTS[rng.below(PARTS.len() as u32) as usize];
                    for (row, bits) in g.iter_mut().zip(p) {
                        *row |= bits;
                    }
                }
                g
            })
            .collect();
        Font { glyphs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_rows_follow_the_brief() {
        assert_eq!(PaperSize::A4.rows(Resolution::Fine), 2292);
        assert_eq!(PaperSize::A4.rows(Resolution::Standard), 1146);
        assert_eq!(PaperSize::A4.rows(Resolution::Superfine), 4584);
        assert_eq!(PaperSize::Letter.rows(Resolution::Fine), 2156);
        assert_eq!(PaperSize::B4.width(), 2048);
        let custom = Resolution::Custom {
            x_dpi: 200,
            y_dpi: 200,
        };
        assert_eq!(PaperSize::A4.rows(custom), 2339);
    }

    #[test]
    fn from_dpi_recognises_fax_resolutions() {
        assert_eq!(Resolution::from_dpi(204.0, 98.0), Resolution::Standard);
        assert_eq!(Resolution::from_dpi(203.2, 195.58), Resolution::Fine);
        assert_eq!(Resolution::from_dpi(204.0, 391.0), Resolution::Superfine);
        assert_eq!(
            Resolution::from_dpi(200.0, 100.0),
            Resolution::Custom {
                x_dpi: 200,
                y_dpi: 100
            }
        );
        assert_eq!(Resolution::from_dpi(f32::NAN, 0.0).y_dpi(), 1);
    }

    #[test]
    fn set_get_and_fill_agree() {
        let mut p = BilevelPage::blank(13, 3, Resolution::Fine);
        p.fill_rect(3, 1, 9, 1);
        for x in 0..13 {
            assert_eq!(p.get(x, 1), (3..12).contains(&x), "x={x}");
        }
        assert_eq!(p.black_pixels(), 9);
        p.set(3, 1, false);
        p.set(12, 0, true);
        p.set(13, 0, true); // outside: ignored
        assert_eq!(p.black_pixels(), 9);
        assert_eq!(p.row(0), &[0, 0x08]);
        p.fill_rect(0, 2, 100, 1);
        assert_eq!(p.row(2), &[0xFF, 0xF8]);
    }

    #[test]
    fn from_packed_checks_length_and_clears_padding() {
        assert!(BilevelPage::from_packed(9, 2, Resolution::Fine, vec![0; 3]).is_err());
        let p = BilevelPage::from_packed(9, 1, Resolution::Fine, vec![0xFF, 0xFF]).unwrap();
        assert_eq!(p.data(), &[0xFF, 0x80]);
        let mut q = p.clone();
        q.invert();
        assert_eq!(q.data(), &[0, 0]);
    }

    #[test]
    fn test_pattern_is_deterministic_and_fax_like() {
        let a = BilevelPage::test_pattern(1728, 2292, Resolution::Fine, 7);
        let b = BilevelPage::test_pattern(1728, 2292, Resolution::Fine, 7);
        let c = BilevelPage::test_pattern(1728, 2292, Resolution::Fine, 8);
        assert_eq!(a, b);
        assert_ne!(a, c);
        let black = a.black_pixels() as f64 / (1728.0 * 2292.0);
        assert!((0.02..0.25).contains(&black), "black ratio {black}");
        // Small and odd sizes do not panic.
        let _ = BilevelPage::test_pattern(1, 1, Resolution::Standard, 1);
        let _ = BilevelPage::test_pattern(77, 5, Resolution::Superfine, 1);
    }
}
