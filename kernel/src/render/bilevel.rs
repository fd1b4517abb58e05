//! Gray pixels to fax pixels: resampling, photo detection, dithering and
//! thresholding.
//!
//! A fax has no gray. Line art (diagrams, scanned letters, logos) is cut at
//! mid-gray so its edges stay sharp; a photo is error-diffused (Floyd and
//! Steinberg, 1976, serpentine scan) so its tones survive as dot density.

/// Gray levels between these count as mid-tones.
const MID_LOW: u8 = 48;
const MID_HIGH: u8 = 207;

/// An image with more than this fraction of mid-tone pixels is a photo.
/// Anti-aliased line art has mid-tones only along its edges (a few percent);
/// photos and gradients have most of their pixels there.
const PHOTO_MID_FRACTION: f64 = 0.15;

/// Line art threshold: darker than this is black.
const LINE_ART_THRESHOLD: u8 = 128;

/// An 8-bit gray image, row by row, 0 = black, 255 = white.
pub(crate) struct Gray {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) pixels: Vec<u8>,
}

/// One bit per pixel as bytes (1 = black), row by row.
pub(crate) struct Bits {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) pixels: Vec<u8>,
}

/// Whether the image is a photo (dither) rather than line art (threshold).
pub(crate) fn is_photo(gray: &Gray) -> bool {
    if gray.pixels.is_empty() {
        return false;
    }
    let mid = gray
        .pixels
        .iter()
        .filter(|&&p| (MID_LOW..=MID_HIGH).contains(&p))
        .count();
    mid as f64 / gray.pixels.len() as f64 > PHOTO_MID_FRACTION
}

/// Resample to `width` × `height` with a tent filter as wide as the scale
/// factor (an area average when shrinking, bilinear when enlarging), one
/// axis at a time.
pub(crate) fn resample(src: &Gray, width: u32, height: u32) -> Gray {
    let (sw, sh) = (src.width as usize, src.height as usize);
    let (dw, dh) = (width.max(1) as usize, height.max(1) as usize);
    let across = Taps::new(sw, dw);
    let down = Taps::new(sh, dh);

    // Across: every source row to `dw` pixels.
    let mut mid = vec![0u8; sh * dw];
    for (y, out) in mid.chunks_exact_mut(dw).enumerate() {
        let row = &src.pixels[y * sw..(y + 1) * sw];
        for (x, o) in out.iter_mut().enumerate() {
            let (start, weights) = across.get(x);
            let sum: f32 = weights
                .iter()
                .zip(&row[start..])
                .map(|(w, &p)| w * f32::from(p))
                .sum();
            *o = sum.round().clamp(0.0, 255.0) as u8;
        }
    }
    // Down: columns of the intermediate to `dh` rows.
    let mut pixels = vec![0u8; dw * dh];
    let mut acc = vec![0f32; dw];
    for (y, out) in pixels.chunks_exact_mut(dw).enumerate() {
        let (start, weights) = down.get(y);
        acc.iter_mut().for_each(|a| *a = 0.0);
        for (k, w) in weights.iter().enumerate() {
            let row = &mid[(start + k) * dw..(start + k + 1) * dw];
            for (a, &p) in acc.iter_mut().zip(row) {
                *a += w * f32::from(p);
            }
        }
        for (o, a) in out.iter_mut().zip(&acc) {
            *o = a.round().clamp(0.0, 255.0) as u8;
        }
    }
    Gray {
        width: dw as u32,
        height: dh as u32,
        pixels,
    }
}

/// Filter taps for one axis: for each output index, the first source index
/// and the normalised weights from there on.
struct Taps {
    starts: Vec<usize>,
    offsets: Vec<usize>,
    weights: Vec<f32>,
}

impl Taps {
    fn new(src: usize, dst: usize) -> Taps {
        let scale = src as f64 / dst as f64;
        let radius = scale.max(1.0);
        let mut taps = Taps {
            starts: Vec::with_capacity(dst),
            offsets: Vec::with_capacity(dst + 1),
            weights: Vec::new(),
        };
        for i in 0..dst {
            let centre = (i as f64 + 0.5) * scale - 0.5;
            let lo = ((centre - radius).floor() + 1.0).max(0.0) as usize;
            let hi = ((centre + radius).ceil() as usize).min(src - 1);
            let first = taps.weights.len();
            taps.offsets.push(first);
            let mut total = 0.0;
            for s in lo..=hi.max(lo) {
                let w = (1.0 - (s as f64 - centre).abs() / radius).max(0.0);
                taps.weights.push(w as f32);
                total += w;
            }
            if total <= 0.0 {
                // Cannot happen with radius >= 1, but never divide by zero.
                taps.weights.truncate(first);
                taps.weights.push(1.0);
                total = 1.0;
            }
            for w in &mut taps.weights[first..] {
                *w = (f64::from(*w) / total) as f32;
            }
            taps.starts.push(lo.min(src - 1));
        }
        taps.offsets.push(taps.weights.len());
        taps
    }

    fn get(&self, i: usize) -> (usize, &[f32]) {
        (
            self.starts[i],
            &self.weights[self.offsets[i]..self.offsets[i + 1]],
        )
    }
}

/// Cut at mid-gray.
pub(crate) fn threshold(gray: &Gray) -> Bits {
    Bits {
        width: gray.width,
        height: gray.height,
        pixels: gray
            .pixels
            .iter()
            .map(|&p| u8::from(p < LINE_ART_THRESHOLD))
            .collect(),
    }
}

/// Floyd–Steinberg error diffusion, left to right on even rows and right to
/// left on odd ones (no diagonal worms).
pub(crate) fn dither(gray: &Gray) -> Bits {
    let (w, h) = (gray.width as usize, gray.height as usize);
    let mut pixels = vec![0u8; w * h];
    // Error for this row and the next, with a guard pixel at each end.
    let mut this = vec![0f32; w + 2];
    let mut next = vec![0f32; w + 2];
    for y in 0..h {
        let src = &gray.pixels[y * w..(y + 1) * w];
        let out = &mut pixels[y * w..(y + 1) * w];
        let forward = y % 2 == 0;
        for i in 0..w {
            let x = if forward { i } else { w - 1 - i };
            let e = x + 1; // index into the error rows
            let value = f32::from(src[x]) + this[e];
            let black = value < 128.0;
            out[x] = u8::from(black);
            let err = value - if black { 0.0 } else { 255.0 };
            let (ahead, behind) = if forward {
                (e + 1, e - 1)
            } else {
                (e - 1, e + 1)
            };
            this[ahead] += err * 7.0 / 16.0;
            next[behind] += err * 3.0 / 16.0;
            next[e] += err * 5.0 / 16.0;
            next[ahead] += err / 16.0;
        }
        std::mem::swap(&mut this, &mut next);
        next.iter_mut().for_each(|v| *v = 0.0);
    }
    Bits {
        width: gray.width,
        height: gray.height,
        pixels,
    }
}

/// Copy rows `[from, from + rows)` of `bits` onto `page` with their top
/// left corner at (`x`, `y`), clipped to the page.
pub(crate) fn blit(
    page: &mut fax_t30::page::BilevelPage,
    bits: &Bits,
    from: u32,
    rows: u32,
    x: u32,
    y: u32,
) {
    let w = bits.width as usize;
    let last = from.saturating_add(rows).min(bits.height);
    for (k, sy) in (from..last).enumerate() {
        let py = y + k as u32;
        if py >= page.rows {
            break;
        }
        let width = page.width;
        let row = page.row_mut(py);
        let src = &bits.pixels[sy as usize * w..(sy as usize + 1) * w];
        for (i, &black) in src.iter().enumerate() {
            let px = x + i as u32;
            if black != 0 && px < width {
                row[(px / 8) as usize] |= 0x80 >> (px % 8);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(width: u32, height: u32, level: u8) -> Gray {
        Gray {
            width,
            height,
            pixels: vec![level; (width * height) as usize],
        }
    }

    fn density(bits: &Bits) -> f64 {
        bits.pixels.iter().map(|&b| f64::from(b)).sum::<f64>() / bits.pixels.len() as f64
    }

    #[test]
    fn dither_density_follows_the_gray_level() {
        for level in [32u8, 64, 128, 192, 224] {
            let d = density(&dither(&flat(200, 200, level)));
            let want = 1.0 - f64::from(level) / 255.0;
            assert!((d - want).abs() < 0.02, "level {level}: {d} vs {want}");
        }
    }

    #[test]
    fn resample_keeps_flat_areas_and_edges() {
        let g = resample(&flat(300, 200, 77), 123, 456);
        assert_eq!((g.width, g.height), (123, 456));
        assert!(g.pixels.iter().all(|&p| p == 77));
        // Left half black, right half white, shrunk by 4: still split.
        let mut src = flat(400, 4, 255);
        for y in 0..4 {
            for x in 0..200 {
                src.pixels[y * 400 + x] = 0;
            }
        }
        let g = resample(&src, 100, 1);
        assert!(g.pixels[..49].iter().all(|&p| p == 0));
        assert!(g.pixels[51..].iter().all(|&p| p == 255));
    }

    #[test]
    fn photo_detection() {
        assert!(!is_photo(&flat(10, 10, 255)));
        assert!(is_photo(&flat(10, 10, 128)));
        let mut art = flat(100, 100, 255);
        art.pixels[..3000].fill(0);
        art.pixels[3000..3500].fill(128);
        assert!(!is_photo(&art));
    }
}
