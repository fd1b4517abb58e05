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

/// Cut the `width` × `height` premultiplied RGBA strip (drawn on opaque
/// white) to black and white and OR it onto `page` at (`x0`, `y0`).
pub(super) fn to_page(
    rgba: &[u8],
    width: u32,
    height: u32,
    page: &mut BilevelPage,
    x0: u32,
    y0: u32,
) {
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 || rgba.len() < w * h * 4 {
        return;
    }
    // Gray, and which rows hold anything at all (most of a text page is
    // paper).
    let mut gray = vec![255u8; w * h];
    let mut inked = vec![false; h];
    for (y, (src, dst)) in rgba
        .chunks_exact(w * 4)
        .zip(gray.chunks_exact_mut(w))
        .enumerate()
    {
        if all_white(src) {
            continue;
        }
        inked[y] = true;
        luma_row(src, dst);
    }
    let photo = photo_tiles(&gray, w, h, &inked);
    let tiles_across = w.div_ceil(TILE);

    let mut bits = vec![0u8; w];
    let mut packed = vec![0u8; w.div_ceil(8) + 1];
    let mut err_this = vec![0f32; w + 2];
    let mut err_next = vec![0f32; w + 2];
    for y in 0..h {
        let py = y0 + y as u32;
        if py >= page.rows {
            break;
        }
        let row_photo = photo
            .as_ref()
            .map(|p| &p[(y / TILE) * tiles_across..][..tiles_across]);
        let src = &gray[y * w..(y + 1) * w];
        match row_photo {
            Some(tiles) if tiles.iter().any(|&t| t) => {
                diffuse_row(src, tiles, y, &mut bits, &mut err_this, &mut err_next);
            }
            _ => {
                std::mem::swap(&mut err_this, &mut err_next);
                err_next.iter_mut().for_each(|e| *e = 0.0);
                if !inked[y] {
                    continue;
                }
                for (b, &g) in bits.iter_mut().zip(src) {
                    *b = u8::from(g < THRESHOLD);
                }
            }
        }
        pack(&bits, &mut packed);
        or_into_row(page.row_mut(py), &packed, x0, w);
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

/// Whether every byte is 255, in blocks the compiler vectorises (an
/// early-exit loop over bytes does not).
fn all_white(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(64);
    let blocks = chunks
        .by_ref()
        .all(|c| c.iter().fold(0xFFu8, |a, &b| a & b) == 0xFF);
    blocks && chunks.remainder().iter().all(|&b| b == 0xFF)
}

/// One row of masked error diffusion: photo pixels take and pass on error,
/// the rest are thresholded and drop any error that reaches them.
fn diffuse_row(
    src: &[u8],
    tiles: &[bool],
    y: usize,
    bits: &mut [u8],
    this: &mut Vec<f32>,
    next: &mut Vec<f32>,
) {
    let w = src.len();
    let forward = y.is_multiple_of(2);
    for i in 0..w {
        let x = if forward { i } else { w - 1 - i };
        if !tiles[x / TILE] {
            bits[x] = u8::from(src[x] < THRESHOLD);
            continue;
        }
        let e = x + 1;
        let value = f32::from(src[x]) + this[e];
        let black = value < 128.0;
        bits[x] = u8::from(black);
        let err = value - if black { 0.0 } else { 255.0 };
        let (ahead, behind) = if forward {
            (e + 1, e - 1)
        } else {
            (e - 1, e + 1)
        };
        this[ahead] += err * (7.0 / 16.0);
        next[behind] += err * (3.0 / 16.0);
        next[e] += err * (5.0 / 16.0);
        next[ahead] += err * (1.0 / 16.0);
    }
    std::mem::swap(this, next);
    next.iter_mut().for_each(|v| *v = 0.0);
}

/// Photo tiles, row-major, grown by one tile each way; `None` when there
/// are none (the common text page).
fn photo_tiles(gray: &[u8], w: usize, h: usize, inked: &[bool]) -> Option<Vec<bool>> {
    let (tw, th) = (w.div_ceil(TILE), h.div_ceil(TILE));
    let mut smooth = vec![0usize; tw * th];
    let mut any = false;
    for y in 0..h {
        if !inked[y] {
            continue;
        }
        let row = &gray[y * w..(y + 1) * w];
        let below = if y + 1 < h {
            Some(&gray[(y + 1) * w..(y + 2) * w])
        } else {
            None
        };
        let counts = &mut smooth[(y / TILE) * tw..][..tw];
        for x in 0..w.saturating_sub(1) {
            let p = row[x];
            if !(MID_LOW..=MID_HIGH).contains(&p) {
                continue;
            }
            let like = |q: u8| (MID_LOW..=MID_HIGH).contains(&q) && p.abs_diff(q) < SMOOTH_STEP;
            if like(row[x + 1]) && below.is_none_or(|b| like(b[x])) {
                counts[x / TILE] += 1;
                any = true;
            }
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

/// 0/1 bytes to MSB-first packed bits.
fn pack(bits: &[u8], packed: &mut [u8]) {
    for (out, chunk) in packed.iter_mut().zip(bits.chunks(8)) {
        let mut b = 0u8;
        for (k, &bit) in chunk.iter().enumerate() {
            b |= bit << (7 - k);
        }
        *out = b;
    }
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
        to_page(&rgba, w as u32, h as u32, &mut page, 13, 7);
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
