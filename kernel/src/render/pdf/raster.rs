//! A rendered PDF strip (anti-aliased RGBA) into fax bits.
//!
//! A PDF page mixes text, line art and photos, so the choice between
//! threshold and dither (see `bilevel.rs`) is made per 16 × 16 tile, not
//! per page. A tile is a photo when a good part of its pixels are mid-tones
//! next to similar mid-tones: anti-aliased text has mid-tones only on glyph
//! edges, between black and white, never side by side with a like one,
//! while photos, gradients and gray fills are made of them. Photo tiles
//! (grown by one tile, so a photo's rim is not cut) are error-diffused,
//! serpentine Floyd–Steinberg as in `bilevel::dither`; error never flows
//! into text tiles, which are cut at mid-gray and stay crisp.

use fax_t30::page::BilevelPage;

const TILE: usize = 16;
/// Mid-tone band, as in `bilevel.rs`.
const MID_LOW: u8 = 48;
const MID_HIGH: u8 = 207;
/// Neighbours closer than this count as "like" (smooth tone, not an edge).
const SMOOTH_STEP: u8 = 40;
/// A tile with more than this share of smooth mid-tones is a photo.
const PHOTO_SHARE: usize = TILE * TILE / 4;
const THRESHOLD: u8 = 128;

/// Whether the page has no black pixel.
pub(super) fn is_blank(page: &BilevelPage) -> bool {
    page.data().iter().all(|&b| b == 0)
}

/// Buffers [`to_page`] keeps between strips, so a page costs no
/// allocation of its own (a fine A4 strip's gray copy is 4 MB).
#[derive(Default)]
pub(super) struct Scratch {
    gray: Vec<u8>,
    /// Per row and 16-pixel chunk: whether the chunk has a non-white pixel.
    ink: Vec<bool>,
    inked: Vec<bool>,
    packed: Vec<u8>,
    white: Vec<u8>,
    err_this: Vec<i32>,
    err_next: Vec<i32>,
}

/// Cut the `width` × `height` premultiplied RGBA strip (drawn on opaque
/// white) to black and white and OR it onto `page` at (`x0`, `y0`).
pub(super) fn to_page(
    rgba: &[u8],
    width: u32,
    height: u32,
    page: &mut BilevelPage,
    x0: u32,
    y0: u32,
    scratch: &mut Scratch,
) {
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 || rgba.len() < w * h * 4 {
        return;
    }
    let chunks = w.div_ceil(TILE);
    let s = scratch;
    if s.gray.len() < w * h {
        s.gray.resize(w * h, 255);
    }
    s.ink.clear();
    s.ink.resize(h * chunks, false);
    s.inked.clear();
    s.inked.resize(h, false);
    // Gray, and which 16-pixel chunks hold anything at all (most of a text
    // page is paper). Rows without ink keep whatever the buffer held: they
    // are never read.
    for (y, src) in rgba.chunks_exact(w * 4).take(h).enumerate() {
        let dst = &mut s.gray[y * w..(y + 1) * w];
        let ink = &mut s.ink[y * chunks..(y + 1) * chunks];
        let mut any = false;
        for ((px, g), flag) in src
            .chunks(TILE * 4)
            .zip(dst.chunks_mut(TILE))
            .zip(ink.iter_mut())
        {
            if all_white(px) {
                g.fill(255);
            } else {
                *flag = true;
                any = true;
                luma_row(px, g);
            }
        }
        s.inked[y] = any;
    }
    let gray = std::mem::take(&mut s.gray);
    classify_and_cut(&gray, w, h, page, x0, y0, s);
    s.gray = gray;
}

/// [`to_page`] for a `width` × `height` gray picture already in rows
/// (an image the 1-bit path decoded and scaled itself).
pub(super) fn gray_to_page(
    gray: &[u8],
    width: u32,
    height: u32,
    page: &mut BilevelPage,
    x0: u32,
    y0: u32,
    scratch: &mut Scratch,
) {
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 || gray.len() < w * h {
        return;
    }
    let chunks = w.div_ceil(TILE);
    let s = scratch;
    s.ink.clear();
    s.ink.resize(h * chunks, false);
    s.inked.clear();
    s.inked.resize(h, false);
    for (y, row) in gray.chunks_exact(w).take(h).enumerate() {
        let ink = &mut s.ink[y * chunks..(y + 1) * chunks];
        let mut any = false;
        for (g, flag) in row.chunks(TILE).zip(ink.iter_mut()) {
            if !all_white(g) {
                *flag = true;
                any = true;
            }
        }
        s.inked[y] = any;
    }
    classify_and_cut(gray, w, h, page, x0, y0, s);
}

/// The second half of [`to_page`]: `gray` holds the strip, `s.ink` its
/// inked chunks.
fn classify_and_cut(
    gray: &[u8],
    w: usize,
    h: usize,
    page: &mut BilevelPage,
    x0: u32,
    y0: u32,
    s: &mut Scratch,
) {
    let chunks = w.div_ceil(TILE);
    let photo = photo_tiles(&gray[..w * h], w, h, &s.ink);
    let tiles_across = chunks;

    s.packed.clear();
    s.packed.resize(w.div_ceil(8) + 1, 0);
    s.err_this.clear();
    s.err_this.resize(w + 2, 0);
    s.err_next.clear();
    s.err_next.resize(w + 2, 0);
    for y in 0..h {
        let py = y0 + y as u32;
        if py >= page.rows {
            break;
        }
        let row_photo = photo
            .as_ref()
            .map(|p| &p[(y / TILE) * tiles_across..][..tiles_across]);
        match row_photo {
            Some(tiles) if tiles.iter().any(|&t| t) => {
                let src = if s.inked[y] {
                    &gray[y * w..(y + 1) * w]
                } else {
                    if s.white.len() < w {
                        s.white.resize(w, 255);
                    }
                    &s.white[..w]
                };
                diffuse_row(
                    src,
                    tiles,
                    y,
                    &mut s.packed,
                    &mut s.err_this,
                    &mut s.err_next,
                );
            }
            _ => {
                std::mem::swap(&mut s.err_this, &mut s.err_next);
                s.err_next.iter_mut().for_each(|e| *e = 0);
                if !s.inked[y] {
                    continue;
                }
                let src = &gray[y * w..(y + 1) * w];
                let ink = &s.ink[y * chunks..(y + 1) * chunks];
                threshold_row(src, ink, &mut s.packed);
            }
        }
        or_into_row(page.row_mut(py), &s.packed, x0, w);
    }
}

/// Cut a gray row at [`THRESHOLD`] into MSB-first packed bits; chunks
/// without ink give zero bytes without looking at their pixels.
fn threshold_row(src: &[u8], ink: &[bool], packed: &mut [u8]) {
    for ((g, out), &inked) in src.chunks(TILE).zip(packed.chunks_mut(TILE / 8)).zip(ink) {
        if !inked {
            out.iter_mut().for_each(|b| *b = 0);
            continue;
        }
        for (o, eight) in out.iter_mut().zip(g.chunks(8)) {
            let mut b = 0u8;
            for (k, &v) in eight.iter().enumerate() {
                b |= u8::from(v < THRESHOLD) << (7 - k);
            }
            *o = b;
        }
    }
}

/// Rec. 601 luma of opaque RGBA pixels, in 16-bit arithmetic (the weights
/// add up to 256, so 255 × 256 + 128 still fits) that the compiler turns
/// into wide vector code.
fn luma_row(src: &[u8], dst: &mut [u8]) {
    let n = dst.len().min(src.len() / 4);
    let (src, dst) = (&src[..4 * n], &mut dst[..n]);
    for (i, g) in dst.iter_mut().enumerate() {
        let (r, gr, b) = (
            u16::from(src[4 * i]),
            u16::from(src[4 * i + 1]),
            u16::from(src[4 * i + 2]),
        );
        *g = ((77 * r + 150 * gr + 29 * b + 128) >> 8) as u8;
    }
}

/// Whether every byte is 255 (a fold the compiler vectorises; an
/// early-exit loop over bytes is not).
fn all_white(bytes: &[u8]) -> bool {
    bytes.iter().fold(0xFFu8, |a, &b| a & b) == 0xFF
}

/// One row of masked error diffusion (integer Floyd–Steinberg): photo
/// pixels take and pass on error (carried in 1/256 of a gray level), the
/// rest are thresholded and drop any error that reaches them. Writes
/// MSB-first packed bits.
///
/// The error going right and the three going to the next row are kept in
/// locals and each `next` entry is written once when it is complete: the
/// sums are the same as adding into the arrays, without a store and a
/// load per pixel on the critical path.
#[allow(clippy::needless_range_loop)] // x indexes src, this and next alike
fn diffuse_row(
    src: &[u8],
    tiles: &[bool],
    y: usize,
    packed: &mut [u8],
    this: &mut Vec<i32>,
    next: &mut Vec<i32>,
) {
    let w = src.len();
    let this_row: &[i32] = &this[..w + 2];
    let next_row: &mut [i32] = &mut next[..w + 2];
    let bytes = w.div_ceil(8);
    let packed = &mut packed[..bytes];
    // One pixel: its bit and the error it passes on (0 for a text pixel).
    let pixel = |x: usize, photo: bool, carry: i32| -> (bool, i32) {
        if photo {
            // Gray level in 1/16 steps, plus the error that reached it.
            let value = (i32::from(src[x]) << 4) + ((this_row[x + 1] + carry) >> 4);
            let black = value < 128 << 4;
            (black, value - if black { 0 } else { 255 << 4 })
        } else {
            (src[x] < THRESHOLD, 0)
        }
    };
    // err is in 1/16 levels; the taps add 7, 3, 5 and 1 sixteenths.
    let (mut carry, mut p0, mut p1) = (0i32, 0i32, 0i32);
    if y.is_multiple_of(2) {
        // Left to right: next[x] gets 3 from x, 5 from x - 1, 1 from x - 2.
        for (i, out) in packed.iter_mut().enumerate() {
            let photo = tiles[i * 8 / TILE];
            let mut b = 0u8;
            for x in i * 8..(i * 8 + 8).min(w) {
                let (black, err) = pixel(x, photo, carry);
                carry = err * 7;
                next_row[x] = p0 + err * 3;
                p0 = p1 + err * 5;
                p1 = err;
                b |= u8::from(black) << (7 - x % 8);
            }
            *out = b;
        }
        next_row[w] = p0;
        next_row[w + 1] = p1;
    } else {
        // Right to left: next[x + 2] gets 3 from x, 5 from x + 1, 1 from x + 2.
        for (i, out) in packed.iter_mut().enumerate().rev() {
            let photo = tiles[i * 8 / TILE];
            let mut b = 0u8;
            for x in (i * 8..(i * 8 + 8).min(w)).rev() {
                let (black, err) = pixel(x, photo, carry);
                carry = err * 7;
                next_row[x + 2] = p0 + err * 3;
                p0 = p1 + err * 5;
                p1 = err;
                b |= u8::from(black) << (7 - x % 8);
            }
            *out = b;
        }
        next_row[1] = p0;
        next_row[0] = p1;
    }
    std::mem::swap(this, next);
    next.iter_mut().for_each(|v| *v = 0);
}

/// Photo tiles, row-major, grown by one tile each way; `None` when there
/// are none (the common text page). `ink` flags the 16-pixel chunks of
/// each row that hold a non-white pixel: a pixel counts only with its
/// right and lower neighbours, so a chunk counts only when it and the one
/// below have ink.
fn photo_tiles(gray: &[u8], w: usize, h: usize, ink: &[bool]) -> Option<Vec<bool>> {
    let (tw, th) = (w.div_ceil(TILE), h.div_ceil(TILE));
    let mut smooth = vec![0usize; tw * th];
    let mut any = false;
    let mid = |v: u8| v.wrapping_sub(MID_LOW) <= MID_HIGH - MID_LOW;
    // Per row: whether each pixel is a smooth mid-tone with its right (and
    // lower) neighbour, over the whole row in one branch-free pass the
    // compiler runs 16 or 32 pixels at a time; then the counts of the
    // chunks with ink. A row with ink has every chunk's gray filled in.
    let mut flags = vec![0u8; w];
    for y in 0..h {
        let inked = |y: usize| ink[y * tw..(y + 1) * tw].iter().any(|&i| i);
        if w < 2 || !inked(y) || (y + 1 < h && !inked(y + 1)) {
            continue;
        }
        let row = &gray[y * w..(y + 1) * w];
        let below = (y + 1 < h).then(|| &gray[(y + 1) * w..(y + 2) * w]);
        let f = &mut flags[..w - 1];
        match below {
            Some(b) => {
                for (((o, &p), &q), &d) in f.iter_mut().zip(row).zip(&row[1..]).zip(b) {
                    *o = u8::from(
                        mid(p)
                            & mid(q)
                            & (p.abs_diff(q) < SMOOTH_STEP)
                            & mid(d)
                            & (p.abs_diff(d) < SMOOTH_STEP),
                    );
                }
            }
            None => {
                for ((o, &p), &q) in f.iter_mut().zip(row).zip(&row[1..]) {
                    *o = u8::from(mid(p) & mid(q) & (p.abs_diff(q) < SMOOTH_STEP));
                }
            }
        }
        let counts = &mut smooth[(y / TILE) * tw..][..tw];
        for (c, count) in counts.iter_mut().enumerate() {
            if !ink[y * tw + c] || (below.is_some() && !ink[(y + 1) * tw + c]) {
                continue;
            }
            let (lo, hi) = (c * TILE, ((c + 1) * TILE).min(w - 1));
            if lo >= hi {
                continue;
            }
            let n: usize = f[lo..hi].iter().map(|&v| usize::from(v)).sum();
            *count += n;
            any |= n > 0;
        }
    }
    if !any {
        return None;
    }
    let core: Vec<bool> = smooth.iter().map(|&c| c > PHOTO_SHARE).collect();
    if !core.iter().any(|&c| c) {
        return None;
    }
    let mut grown = vec![false; tw * th];
    for ty in 0..th {
        for tx in 0..tw {
            if core[ty * tw + tx] {
                for gy in ty.saturating_sub(1)..(ty + 2).min(th) {
                    for gx in tx.saturating_sub(1)..(tx + 2).min(tw) {
                        grown[gy * tw + gx] = true;
                    }
                }
            }
        }
    }
    Some(grown)
}

/// OR `width` packed bits onto a page row starting at pixel `x0`.
fn or_into_row(row: &mut [u8], packed: &[u8], x0: u32, width: usize) {
    let first = (x0 / 8) as usize;
    let shift = x0 % 8;
    let bytes = width.div_ceil(8);
    for (j, &b) in packed[..bytes].iter().enumerate() {
        if b == 0 {
            continue;
        }
        if let Some(dst) = row.get_mut(first + j) {
            *dst |= b >> shift;
        }
        if shift != 0 {
            if let Some(dst) = row.get_mut(first + j + 1) {
                *dst |= b << (8 - shift);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fax_t30::page::Resolution;

    /// The error diffusion as it was before the error moved into locals:
    /// every tap added into the arrays.
    fn diffuse_row_reference(
        src: &[u8],
        tiles: &[bool],
        y: usize,
        packed: &mut [u8],
        this: &mut Vec<i32>,
        next: &mut Vec<i32>,
    ) {
        let w = src.len();
        packed.iter_mut().for_each(|b| *b = 0);
        let mut pixel =
            |x: usize, ahead: usize, behind: usize, this: &mut [i32], next: &mut [i32]| {
                let black = if tiles[x / TILE] {
                    let e = x + 1;
                    let value = (i32::from(src[x]) << 4) + (this[e] >> 4);
                    let black = value < 128 << 4;
                    let err = value - if black { 0 } else { 255 << 4 };
                    this[ahead] += err * 7;
                    next[behind] += err * 3;
                    next[e] += err * 5;
                    next[ahead] += err;
                    black
                } else {
                    src[x] < THRESHOLD
                };
                packed[x / 8] |= u8::from(black) << (7 - x % 8);
            };
        if y.is_multiple_of(2) {
            for x in 0..w {
                pixel(x, x + 2, x, this, next);
            }
        } else {
            for x in (0..w).rev() {
                pixel(x, x, x + 2, this, next);
            }
        }
        std::mem::swap(this, next);
        next.iter_mut().for_each(|v| *v = 0);
    }

    #[test]
    fn error_diffusion_gives_the_same_dots_as_the_array_version() {
        // Pseudo-random gray rows and photo/text tile masks, odd widths.
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next_u8 = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        };
        for w in [1usize, 2, 7, 8, 17, 100, 1728] {
            let tiles: Vec<bool> = (0..w.div_ceil(TILE)).map(|_| next_u8() % 4 != 0).collect();
            let (mut a_this, mut a_next) = (vec![0i32; w + 2], vec![0i32; w + 2]);
            let (mut b_this, mut b_next) = (vec![0i32; w + 2], vec![0i32; w + 2]);
            let mut a = vec![0u8; w.div_ceil(8) + 1];
            let mut b = vec![0u8; w.div_ceil(8) + 1];
            let mut blacks = 0;
            for y in 0..40 {
                let src: Vec<u8> = (0..w).map(|_| next_u8()).collect();
                diffuse_row(&src, &tiles, y, &mut a, &mut a_this, &mut a_next);
                diffuse_row_reference(&src, &tiles, y, &mut b, &mut b_this, &mut b_next);
                assert_eq!(a, b, "width {w} row {y}");
                assert_eq!(a_this, b_this, "width {w} row {y}");
                blacks += a.iter().map(|v| v.count_ones()).sum::<u32>();
            }
            assert!(blacks > 0, "width {w}");
        }
    }

    fn strip(w: usize, h: usize, f: impl Fn(usize, usize) -> u8) -> Vec<u8> {
        let mut v = Vec::with_capacity(w * h * 4);
        for y in 0..h {
            for x in 0..w {
                let g = f(x, y);
                v.extend_from_slice(&[g, g, g, 255]);
            }
        }
        v
    }

    #[test]
    fn text_edges_are_cut_and_a_gradient_is_dithered() {
        // Left half: black bars with one anti-aliased pixel each side.
        // Right half: a smooth gradient.
        let (w, h) = (256usize, 64usize);
        let rgba = strip(w, h, |x, _| {
            if x < 128 {
                match x % 8 {
                    2 | 5 => 128,
                    3 | 4 => 0,
                    _ => 255,
                }
            } else {
                (60 + (x - 128)) as u8
            }
        });
        let mut page = BilevelPage::blank(512, 100, Resolution::Fine);
        to_page(
            &rgba,
            w as u32,
            h as u32,
            &mut page,
            13,
            7,
            &mut Scratch::default(),
        );
        // Text half (away from the grown photo border): exact threshold.
        for x in 0..96u32 {
            let want = matches!(x % 8, 3 | 4);
            assert_eq!(page.get(13 + x, 30), want, "x {x}");
        }
        // Gradient half: dots, neither all black nor all white, darker left.
        let dark = |x0: u32| (x0..x0 + 32).filter(|&x| page.get(13 + x, 30)).count();
        let left = dark(136);
        let right = dark(220);
        assert!(left > right && left < 32 && right > 0, "{left} {right}");
        // Nothing outside the strip.
        assert!(!page.get(12, 30) && !page.get(13, 6) && !page.get(13, 71));
    }

    #[test]
    fn bits_land_at_unaligned_offsets() {
        let packed = [0b1000_0001u8, 0b1100_0000];
        let mut row = vec![0u8; 4];
        or_into_row(&mut row, &packed, 5, 10);
        // Pixels 5, 12, 13, 14.
        assert_eq!(row, vec![0b0000_0100, 0b0000_1110, 0, 0]);
    }
}
