//! The fast path for PDF pages of text and line art: a
//! `hayro_interpret::Device` that draws straight into the 1-bit fax page.
//!
//! ```text
//!  hayro_interpret (content stream, fonts, glyph outlines)
//!     │ draw_glyph_run / draw_path / draw_rect / push_clip_rect
//!  BitDevice: solid black or white paint only
//!     ├─ glyphs: 1-bit mask per (glyph, size and shape, quarter-pixel
//!     │  position), filled once by `fill_spans`, then ORed (or cleared)
//!     │  into the page rows a byte at a time
//!     └─ paths, rectangles, strokes (kurbo's stroker): filled by
//!        `fill_spans` straight into the page rows
//! ```
//!
//! A pixel is inked when its centre is inside the shape (non-zero or
//! even-odd), which is what the anti-aliased path's cut at mid-gray gives
//! for solid black on white. Ghostscript draws fax pages the same way: from
//! cached 1-bit glyph bitmaps, never through a full-colour page.
//!
//! Whatever the device cannot draw exactly — images, shadings and patterns,
//! soft masks, blend modes, transparency, non-rectangular clips, Type 3
//! glyphs, mid-tone colours (the full path dithers them), zero-width
//! strokes — sets [`BitDevice::unsupported`], and the caller renders the
//! page again through hayro and vello_cpu. Hinting follows hayro's own
//! renderer (same outlines, same rounding of the baseline), so both paths
//! place glyphs alike.

use std::collections::HashMap;
use std::rc::Rc;

use fax_t30::page::BilevelPage;
use hayro::hayro_interpret::font::{Glyph, GlyphRun, HintingCache, OutlineGlyph};
use hayro::hayro_interpret::hayro_cmap::WritingMode;
use hayro::hayro_interpret::{
    BlendMode, ClipPath, Device, DrawMode, DrawProps, FillRule, Image, ImageData, ImageDrawProps,
    Paint, RasterImage, SoftMask, StrokeProps,
};
use hayro::kurbo::{self, Affine, BezPath, PathEl, Rect, Shape};

use super::raster;

/// Gray levels below this are black, above [`WHITE_FROM`] white; anything
/// between is a mid-tone the full path dithers (as `raster.rs` does).
const BLACK_BELOW: u32 = 48;
const WHITE_FROM: u32 = 208;
/// Glyph positions are cached in quarter pixels.
const SUBPIXEL: f64 = 4.0;
/// hayro hints glyphs between these sizes (pixels per em).
const MIN_HINTING_PPEM: f64 = 4.0;
const MAX_HINTING_PPEM: f64 = 128.0;
/// Flattening tolerance in device pixels.
const TOLERANCE: f64 = 0.05;
/// Samples per pixel side when a glyph mask is made.
const SAMPLES: f64 = 4.0;
/// Glyphs larger than this (pixels a side) are filled directly, not cached.
const MAX_CACHED: f64 = 256.0;

/// A glyph drawn at one size, shape and sub-pixel offset.
struct Mask {
    /// Offset of the mask's top-left pixel from the glyph's pixel origin.
    x: i32,
    y: i32,
    width: u32,
    height: u32,
    stride: usize,
    bits: Vec<u8>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct MaskKey {
    glyph: u128,
    hinted: bool,
    linear: [u64; 4],
    sub_x: u8,
    sub_y: u8,
}

/// Caches kept between pages (a document uses the same glyphs throughout).
#[derive(Default)]
pub(super) struct GlyphCache {
    masks: HashMap<MaskKey, Rc<Mask>>,
    outlines: HashMap<(u128, u32), Option<Rc<BezPath>>>,
    hinting: HintingCache,
    edges: Vec<Edge>,
    crossings: Vec<(f64, i32)>,
}

/// The device. Draws the strip `width` × `height` (device pixels) onto
/// `page` at (`x0`, `y0`).
pub(super) struct BitDevice<'p> {
    page: &'p mut BilevelPage,
    x0: i32,
    y0: i32,
    cache: &'p mut GlyphCache,
    scratch: &'p mut raster::Scratch,
    /// Device-space clip rectangles (pixel bounds, half-open); the last is
    /// the current one.
    clips: Vec<PixelRect>,
    groups: u32,
    /// Set by anything this device cannot draw exactly.
    pub(super) unsupported: Option<&'static str>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct PixelRect {
    x0: i32,
    y0: i32,
    x1: i32,
    y1: i32,
}

impl PixelRect {
    fn intersect(self, o: PixelRect) -> PixelRect {
        PixelRect {
            x0: self.x0.max(o.x0),
            y0: self.y0.max(o.y0),
            x1: self.x1.min(o.x1),
            y1: self.y1.min(o.y1),
        }
    }

    /// Pixels whose centres are inside `r`.
    fn of(r: &Rect) -> PixelRect {
        let conv = |v: f64| {
            let v = (v - 0.5).ceil();
            v.clamp(-1e6, 1e6) as i32
        };
        PixelRect {
            x0: conv(r.x0.min(r.x1)),
            y0: conv(r.y0.min(r.y1)),
            x1: conv(r.x0.max(r.x1)),
            y1: conv(r.y0.max(r.y1)),
        }
    }
}

impl<'p> BitDevice<'p> {
    /// `clip` is the area the page may ink, in device pixels.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        page: &'p mut BilevelPage,
        x0: u32,
        y0: u32,
        width: u32,
        height: u32,
        clip: Rect,
        cache: &'p mut GlyphCache,
        scratch: &'p mut raster::Scratch,
    ) -> BitDevice<'p> {
        let strip = PixelRect {
            x0: 0,
            y0: 0,
            x1: width.min(page.width.saturating_sub(x0)) as i32,
            y1: height.min(page.rows.saturating_sub(y0)) as i32,
        };
        BitDevice {
            page,
            x0: x0 as i32,
            y0: y0 as i32,
            cache,
            scratch,
            clips: vec![strip.intersect(PixelRect::of(&clip))],
            groups: 0,
            unsupported: None,
        }
    }

    fn refuse(&mut self, why: &'static str) {
        if self.unsupported.is_none() {
            self.unsupported = Some(why);
        }
    }

    fn clip(&self) -> PixelRect {
        self.clips.last().copied().unwrap_or(PixelRect {
            x0: 0,
            y0: 0,
            x1: 0,
            y1: 0,
        })
    }

    /// Black (`Some(true)`), white (`Some(false)`) or something else.
    fn ink(&mut self, props: &DrawProps<'_>) -> Option<bool> {
        if props.soft_mask.is_some() {
            self.refuse("soft mask");
            return None;
        }
        if props.blend_mode != BlendMode::Normal {
            self.refuse("blend mode");
            return None;
        }
        let Paint::Color(color) = &props.paint else {
            self.refuse("pattern or shading");
            return None;
        };
        let [r, g, b, a] = color.to_rgba().to_rgba8();
        if a != 255 {
            self.refuse("transparent colour");
            return None;
        }
        let gray = (u32::from(r) * 77 + u32::from(g) * 150 + u32::from(b) * 29) >> 8;
        if gray < BLACK_BELOW {
            Some(true)
        } else if gray >= WHITE_FROM {
            Some(false)
        } else {
            self.refuse("mid-tone colour");
            None
        }
    }

    /// Fill a device-space path.
    fn fill(&mut self, path: impl IntoIterator<Item = PathEl>, rule: FillRule, black: bool) {
        let clip = self.clip();
        let (x0, y0) = (self.x0, self.y0);
        let page = &mut *self.page;
        let cache = &mut *self.cache;
        collect_edges(path, Affine::IDENTITY, &mut cache.edges);
        fill_spans(
            &mut cache.edges,
            &mut cache.crossings,
            rule,
            clip,
            |y, xa, xb| {
                let row = page.row_mut((y + y0) as u32);
                set_span(row, (xa + x0) as u32, (xb + x0) as u32, black);
            },
        );
    }

    fn stroke(&mut self, path: &BezPath, transform: Affine, s: &StrokeProps, black: bool) {
        if s.line_width <= 0.0 {
            self.refuse("zero-width stroke");
            return;
        }
        let mut stroke = kurbo::Stroke::new(f64::from(s.line_width))
            .with_join(s.line_join)
            .with_caps(s.line_cap)
            .with_miter_limit(f64::from(s.miter_limit));
        if !s.dash_array.is_empty() {
            stroke = stroke.with_dashes(
                f64::from(s.dash_offset),
                s.dash_array.iter().map(|&d| f64::from(d)),
            );
        }
        // Tolerance in user space for TOLERANCE device pixels.
        let scale = transform.determinant().abs().sqrt().max(1e-6);
        let outline = kurbo::stroke(
            path.iter(),
            &stroke,
            &kurbo::StrokeOpts::default(),
            TOLERANCE / scale,
        );
        self.fill(transform * outline, FillRule::NonZero, black);
    }

    fn fill_glyph(&mut self, glyph: &OutlineGlyph, transform: Affine, hint: bool, black: bool) {
        let id = glyph.identifier().cache_key();
        let [a, b, c, d, e, f] = transform.as_coeffs();
        let ppem = d.abs() * 1000.0;
        let mut hinted = None;
        if hint && b == 0.0 && (MIN_HINTING_PPEM..=MAX_HINTING_PPEM).contains(&ppem) {
            let ppem = ppem as f32;
            let hinting = &self.cache.hinting;
            hinted = cached_outline(&mut self.cache.outlines, (id, ppem.to_bits()), || {
                glyph.hinted_outline(ppem, hinting)
            });
        }
        let is_hinted = hinted.is_some();
        let (outline, f) = match hinted {
            Some(path) => (path, f.round()),
            None => match self.outline(id, 0.0, || Some(glyph.outline())) {
                Some(path) => (path, f),
                None => return,
            },
        };
        let steps_x = (e * SUBPIXEL).round();
        let steps_y = (f * SUBPIXEL).round();
        if !(steps_x.is_finite() && steps_y.is_finite())
            || steps_x.abs() > 1e8
            || steps_y.abs() > 1e8
        {
            return;
        }
        let (steps_x, steps_y) = (steps_x as i64, steps_y as i64);
        let n = SUBPIXEL as i64;
        let (px, sub_x) = (steps_x.div_euclid(n), steps_x.rem_euclid(n) as u8);
        let (py, sub_y) = (steps_y.div_euclid(n), steps_y.rem_euclid(n) as u8);
        let shape = Affine::new([a, b, c, d, 0.0, 0.0]);
        let size = shape.transform_rect_bbox(Rect::new(0.0, -1000.0, 1000.0, 1000.0));
        if size.width() > MAX_CACHED || size.height() > MAX_CACHED {
            let t = Affine::new([a, b, c, d, e, f]);
            self.fill(t * outline.as_ref().clone(), FillRule::NonZero, black);
            return;
        }
        let key = MaskKey {
            glyph: id,
            hinted: is_hinted,
            linear: [a.to_bits(), b.to_bits(), c.to_bits(), d.to_bits()],
            sub_x,
            sub_y,
        };
        let mask = match self.cache.masks.get(&key) {
            Some(m) => m.clone(),
            None => {
                let t = Affine::new([
                    a,
                    b,
                    c,
                    d,
                    f64::from(sub_x) / SUBPIXEL,
                    f64::from(sub_y) / SUBPIXEL,
                ]);
                let mask = Rc::new(rasterize(&outline, t, self.cache));
                self.cache.masks.insert(key, mask.clone());
                mask
            }
        };
        self.blit(&mask, px, py, black);
    }

    fn outline(
        &mut self,
        id: u128,
        ppem: f32,
        make: impl FnOnce() -> Option<BezPath>,
    ) -> Option<Rc<BezPath>> {
        cached_outline(&mut self.cache.outlines, (id, ppem.to_bits()), make)
    }

    /// OR (black) or clear (white) `mask` onto the page with its origin at
    /// device pixel (`px`, `py`).
    fn blit(&mut self, mask: &Mask, px: i64, py: i64, black: bool) {
        if mask.width == 0 || mask.height == 0 {
            return;
        }
        let clip = self.clip();
        let left = px + i64::from(mask.x);
        let top = py + i64::from(mask.y);
        let right = left + i64::from(mask.width);
        let bottom = top + i64::from(mask.height);
        if right <= i64::from(clip.x0)
            || left >= i64::from(clip.x1)
            || bottom <= i64::from(clip.y0)
            || top >= i64::from(clip.y1)
        {
            return;
        }
        let inside = left >= i64::from(clip.x0)
            && right <= i64::from(clip.x1)
            && top >= i64::from(clip.y0)
            && bottom <= i64::from(clip.y1);
        if inside {
            let x = (left + i64::from(self.x0)) as usize;
            let shift = (x & 7) as u32;
            let first = x >> 3;
            for r in 0..mask.height as usize {
                let y = (top + r as i64 + i64::from(self.y0)) as u32;
                let row = self.page.row_mut(y);
                let src = &mask.bits[r * mask.stride..(r + 1) * mask.stride];
                for (j, &m) in src.iter().enumerate() {
                    if m == 0 {
                        continue;
                    }
                    let lo = m >> shift;
                    let hi = if shift == 0 { 0 } else { m << (8 - shift) };
                    if let Some(byte) = row.get_mut(first + j) {
                        if black {
                            *byte |= lo;
                        } else {
                            *byte &= !lo;
                        }
                    }
                    if hi != 0 {
                        if let Some(byte) = row.get_mut(first + j + 1) {
                            if black {
                                *byte |= hi;
                            } else {
                                *byte &= !hi;
                            }
                        }
                    }
                }
            }
            return;
        }
        // Partly clipped: pixel by pixel.
        for r in 0..mask.height {
            let y = top + i64::from(r);
            if y < i64::from(clip.y0) || y >= i64::from(clip.y1) {
                continue;
            }
            for k in 0..mask.width {
                let x = left + i64::from(k);
                if x < i64::from(clip.x0) || x >= i64::from(clip.x1) {
                    continue;
                }
                let on = mask.bits[r as usize * mask.stride + (k / 8) as usize] & (0x80 >> (k % 8));
                if on != 0 {
                    self.page.set(
                        (x + i64::from(self.x0)) as u32,
                        (y + i64::from(self.y0)) as u32,
                        black,
                    );
                }
            }
        }
    }
}

impl<'a> Device<'a> for BitDevice<'_> {
    fn draw_path(&mut self, path: &BezPath, props: DrawProps<'a>, draw_mode: &DrawMode) {
        if self.unsupported.is_some() {
            return;
        }
        if matches!(draw_mode, DrawMode::Invisible) {
            return;
        }
        let Some(black) = self.ink(&props) else {
            return;
        };
        let t = props.transform;
        match draw_mode {
            DrawMode::Fill(rule) => self.fill(t * path.clone(), *rule, black),
            DrawMode::Stroke(s) => self.stroke(path, t, s, black),
            DrawMode::FillAndStroke(rule, s) => {
                self.fill(t * path.clone(), *rule, black);
                self.stroke(path, t, s, black);
            }
            DrawMode::Invisible => {}
        }
    }

    fn draw_rect(&mut self, rect: &Rect, props: DrawProps<'a>, draw_mode: &DrawMode) {
        self.draw_path(&rect.to_path(0.1), props, draw_mode);
    }

    fn push_clip_path(&mut self, _clip_path: &ClipPath) {
        self.refuse("clip path");
        let c = self.clip();
        self.clips.push(c);
    }

    fn push_clip_rect(&mut self, rect: &Rect) {
        let c = self.clip().intersect(PixelRect::of(rect));
        self.clips.push(c);
    }

    fn pop_clip(&mut self) {
        if self.clips.len() > 1 {
            self.clips.pop();
        }
    }

    fn push_transparency_group(
        &mut self,
        opacity: f32,
        mask: Option<SoftMask<'a>>,
        blend_mode: BlendMode,
    ) {
        if opacity < 1.0 || mask.is_some() || blend_mode != BlendMode::Normal {
            self.refuse("transparency group");
        }
        self.groups += 1;
    }

    fn pop_transparency_group(&mut self) {
        self.groups = self.groups.saturating_sub(1);
    }

    fn draw_glyph_run(
        &mut self,
        glyph_run: &GlyphRun<'_, 'a>,
        props: DrawProps<'a>,
        draw_mode: &DrawMode,
    ) {
        if self.unsupported.is_some() {
            return;
        }
        let fill = match draw_mode {
            DrawMode::Invisible => return,
            DrawMode::Fill(_) => true,
            DrawMode::Stroke(_) | DrawMode::FillAndStroke(..) => false,
        };
        let Some(black) = self.ink(&props) else {
            return;
        };
        let hint = glyph_run.writing_mode() == WritingMode::Horizontal;
        for glyph in glyph_run.glyphs() {
            let Glyph::Outline(outline) = &**glyph else {
                self.refuse("Type 3 glyph");
                return;
            };
            let transform = props.transform * glyph.transform();
            if fill {
                self.fill_glyph(outline, transform, hint, black);
            } else {
                // Stroked text: the outline through the stroker, as hayro
                // does (unhinted).
                let Some(path) = self.outline(outline.identifier().cache_key(), 0.0, || {
                    Some(outline.outline())
                }) else {
                    continue;
                };
                if let DrawMode::FillAndStroke(..) = draw_mode {
                    self.fill_glyph(outline, transform, hint, black);
                }
                if let DrawMode::Stroke(s) | DrawMode::FillAndStroke(_, s) = draw_mode {
                    let path = glyph.transform() * path.as_ref().clone();
                    self.stroke(&path, props.transform, s, black);
                }
            }
        }
    }

    fn draw_image(&mut self, image: Image<'a, '_>, props: ImageDrawProps<'a>) {
        if self.unsupported.is_some() {
            return;
        }
        if props.soft_mask.is_some() || props.blend_mode != BlendMode::Normal {
            self.refuse("image with a soft mask or blend mode");
            return;
        }
        let Image::Raster(picture) = image else {
            self.refuse("stencil image");
            return;
        };
        self.draw_picture(&picture, props.transform);
    }
}

impl BitDevice<'_> {
    /// An upright raster image (photo, scan, logo): decoded by hayro,
    /// box-filtered to gray at the fax resolution here, and cut to bits by
    /// the same classification (photo areas dithered, line art
    /// thresholded) as the anti-aliased path. Turned or mirrored images
    /// and images with alpha are refused.
    fn draw_picture(&mut self, picture: &RasterImage<'_>, t: Affine) {
        let [a, b, c, d, e, f] = t.as_coeffs();
        if b != 0.0 || c != 0.0 || a <= 0.0 || d <= 0.0 {
            self.refuse("turned or mirrored image");
            return;
        }
        let (iw, ih) = (f64::from(picture.width()), f64::from(picture.height()));
        let area = PixelRect::of(&Rect::new(e, f, e + a * iw, f + d * ih)).intersect(self.clip());
        if area.x0 >= area.x1 || area.y0 >= area.y1 {
            return;
        }
        let (w, h) = ((area.x1 - area.x0) as usize, (area.y1 - area.y0) as usize);
        let mut drawn = None;
        picture.with_rgba(
            |data, alpha| {
                if alpha.is_none() {
                    drawn = Some(scale_to_gray(&data, [a, d, e, f], area));
                }
            },
            Some((w as u32, h as u32)),
        );
        let Some(gray) = drawn else {
            self.refuse("image with alpha, or not decoded");
            return;
        };
        let (px, py) = ((area.x0 + self.x0) as u32, (area.y0 + self.y0) as u32);
        // The image covers what was drawn beneath it.
        for y in py..py + h as u32 {
            set_span(self.page.row_mut(y), px, px + w as u32, false);
        }
        raster::gray_to_page(&gray, w as u32, h as u32, self.page, px, py, self.scratch);
    }
}

/// The pixels of `area` (device pixels) of a picture placed by
/// `[a, d, e, f]` (x = a·u + e, y = d·v + f in picture units), each the
/// mean gray of the picture pixels it covers (at least the one under it).
fn scale_to_gray(data: &ImageData, [a, d, e, f]: [f64; 4], area: PixelRect) -> Vec<u8> {
    let (dw, dh) = (data.width() as usize, data.height() as usize);
    let (sx, sy) = data.scale_factors();
    let (w, h) = ((area.x1 - area.x0) as usize, (area.y1 - area.y0) as usize);
    let mut gray = vec![255u8; w * h];
    if dw == 0 || dh == 0 {
        return gray;
    }
    // Picture pixel range under each device column and row.
    let ranges =
        |n: usize, start: i32, origin: f64, step: f64, len: usize| -> Vec<(usize, usize)> {
            (0..n)
                .map(|i| {
                    let p = f64::from(start) + i as f64;
                    let u0 = ((p - origin) / step).floor().clamp(0.0, (len - 1) as f64) as usize;
                    let u1 = ((p + 1.0 - origin) / step).floor().clamp(0.0, len as f64) as usize;
                    (u0, u1.max(u0 + 1))
                })
                .collect()
        };
    let cols = ranges(w, area.x0, e, a * f64::from(sx), dw);
    let rows = ranges(h, area.y0, f, d * f64::from(sy), dh);
    let mut luma = vec![0u8; dw];
    let mut luma_row = usize::MAX;
    let mut load = |r: usize, luma: &mut [u8]| {
        if r == luma_row {
            return;
        }
        match data {
            ImageData::Luma(l) => luma.copy_from_slice(&l.data[r * dw..(r + 1) * dw]),
            ImageData::Rgb(rgb) => {
                // 16-bit arithmetic over exact slices: vector code.
                let src = &rgb.data[r * dw * 3..(r + 1) * dw * 3];
                let dst = &mut luma[..dw];
                for (i, g) in dst.iter_mut().enumerate() {
                    let (rr, gg, bb) = (
                        u16::from(src[3 * i]),
                        u16::from(src[3 * i + 1]),
                        u16::from(src[3 * i + 2]),
                    );
                    *g = ((77 * rr + 150 * gg + 29 * bb + 128) >> 8) as u8;
                }
            }
        }
        luma_row = r;
    };
    // Enlarging (the decoder often hands over a reduced picture): one
    // picture pixel per device pixel, and a row like the one above copied.
    let one_col = cols.iter().all(|&(c0, c1)| c1 == c0 + 1);
    let inv_cols: Vec<u64> = cols
        .iter()
        .map(|&(c0, c1)| (1u64 << 24).div_ceil((c1 - c0) as u64))
        .collect();
    // Rows first: the picture rows under a device row summed per column
    // (wide vector adds), then each device pixel's columns from that sum —
    // once per device row, not once per picture row. When no device pixel
    // spans more than two columns (the usual photo, 1.4 picture pixels per
    // device pixel), the column sum is branch-free.
    let two_cols = cols.iter().all(|&(c0, c1)| c1 - c0 <= 2);
    let col_pairs: Vec<(usize, u32)> = cols
        .iter()
        .map(|&(c0, c1)| (c0, if c1 - c0 == 2 { 1 } else { 0 }))
        .collect();
    let mut col_sum = vec![0u32; dw + 1];
    let mut rgb_sum = match data {
        ImageData::Rgb(_) if two_cols => vec![0u32; 3 * dw + 3],
        _ => Vec::new(),
    };
    let mut previous = None;
    for (y, &(r0, r1)) in rows.iter().enumerate() {
        let (done, rest) = gray.split_at_mut(y * w);
        let out = &mut rest[..w];
        if previous == Some((r0, r1)) {
            out.copy_from_slice(&done[(y - 1) * w..]);
            continue;
        }
        previous = Some((r0, r1));
        if one_col && r1 == r0 + 1 {
            load(r0, &mut luma);
            for (g, &(c0, _)) in out.iter_mut().zip(&cols) {
                *g = luma[c0];
            }
            continue;
        }
        if let (ImageData::Rgb(rgb), true) = (data, two_cols) {
            // Colour pictures: sum the rows' R, G and B bytes as they lie
            // (plain wide adds, no per-pixel gray conversion of every
            // picture pixel), and weigh the sums once per device pixel.
            let px = |r: usize| &rgb.data[r * dw * 3..(r + 1) * dw * 3];
            for (v, &c) in rgb_sum.iter_mut().zip(px(r0)) {
                *v = u32::from(c);
            }
            for r in r0 + 1..r1 {
                for (v, &c) in rgb_sum.iter_mut().zip(px(r)) {
                    *v += u32::from(c);
                }
            }
            let inv_rows = (1u64 << 24).div_ceil((r1 - r0) as u64);
            for ((g, &(c0, second)), &inv_col) in out.iter_mut().zip(&col_pairs).zip(&inv_cols) {
                let i = 3 * c0;
                let sum = |k: usize| u64::from(rgb_sum[i + k] + rgb_sum[i + 3 + k] * second);
                // 256 × the luma sum; the reciprocals give 2^32 / pixels.
                let luma = 77 * sum(0) + 150 * sum(1) + 29 * sum(2);
                let k = (inv_col * inv_rows) >> 16;
                *g = ((luma * k + (1 << 39)) >> 40).min(255) as u8;
            }
            continue;
        }
        load(r0, &mut luma);
        for (v, &g) in col_sum.iter_mut().zip(&luma) {
            *v = u32::from(g);
        }
        for r in r0 + 1..r1 {
            load(r, &mut luma);
            for (v, &g) in col_sum.iter_mut().zip(&luma) {
                *v += u32::from(g);
            }
        }
        // Means by multiplying with rounded-up reciprocals (2^24 / n): a
        // division per pixel was a fifth of a photo page's time.
        let inv_rows = (1u64 << 24).div_ceil((r1 - r0) as u64);
        if two_cols {
            // col_sum[dw] is 0: the second column of a one-column pixel
            // at the right edge reads it times 0.
            for ((g, &(c0, second)), &inv_col) in out.iter_mut().zip(&col_pairs).zip(&inv_cols) {
                let v = col_sum[c0] + col_sum[c0 + 1] * second;
                *g = ((u64::from(v) * inv_col * inv_rows) >> 48).min(255) as u8;
            }
        } else {
            for ((g, &(c0, c1)), &inv_col) in out.iter_mut().zip(&cols).zip(&inv_cols) {
                let v: u32 = col_sum[c0..c1].iter().sum();
                *g = ((u64::from(v) * inv_col * inv_rows) >> 48).min(255) as u8;
            }
        }
    }
    gray
}

/// An outline from `outlines`, made by `make` the first time.
fn cached_outline(
    outlines: &mut HashMap<(u128, u32), Option<Rc<BezPath>>>,
    key: (u128, u32),
    make: impl FnOnce() -> Option<BezPath>,
) -> Option<Rc<BezPath>> {
    if let Some(p) = outlines.get(&key) {
        return p.clone();
    }
    let p = make().map(Rc::new);
    outlines.insert(key, p.clone());
    p
}

/// A glyph outline under `t` into a 1-bit mask.
fn rasterize(outline: &BezPath, t: Affine, cache: &mut GlyphCache) -> Mask {
    let bbox = (t * outline.clone()).bounding_box();
    let empty = Mask {
        x: 0,
        y: 0,
        width: 0,
        height: 0,
        stride: 0,
        bits: Vec::new(),
    };
    if !(bbox.x0.is_finite() && bbox.y0.is_finite() && bbox.x1.is_finite() && bbox.y1.is_finite())
        || bbox.width() > 4.0 * MAX_CACHED
        || bbox.height() > 4.0 * MAX_CACHED
    {
        return empty;
    }
    // Every pixel the outline touches.
    let area = PixelRect {
        x0: bbox.x0.floor() as i32,
        y0: bbox.y0.floor() as i32,
        x1: bbox.x1.ceil() as i32,
        y1: bbox.y1.ceil() as i32,
    };
    let (width, height) = ((area.x1 - area.x0).max(0), (area.y1 - area.y0).max(0));
    if width == 0 || height == 0 {
        return empty;
    }
    // Coverage on a 4 × 4 grid of samples per pixel; a pixel is black when
    // at least half of them are inside, as the anti-aliased path's cut at
    // mid-gray makes it (point sampling alone makes thin strokes at
    // standard resolution come and go).
    let n = SAMPLES as i32;
    let fine = PixelRect {
        x0: area.x0 * n,
        y0: area.y0 * n,
        x1: area.x1 * n,
        y1: area.y1 * n,
    };
    let mut counts = vec![0u8; width as usize * height as usize];
    collect_edges(outline.iter(), Affine::scale(SAMPLES) * t, &mut cache.edges);
    fill_spans(
        &mut cache.edges,
        &mut cache.crossings,
        FillRule::NonZero,
        fine,
        |y, xa, xb| {
            let row = ((y - fine.y0) / n) as usize * width as usize;
            for x in xa..xb {
                counts[row + ((x - fine.x0) / n) as usize] += 1;
            }
        },
    );
    let stride = (width as usize).div_ceil(8);
    let mut bits = vec![0u8; stride * height as usize];
    let half = (SAMPLES * SAMPLES / 2.0) as u8;
    for (r, line) in counts.chunks_exact(width as usize).enumerate() {
        for (x, &c) in line.iter().enumerate() {
            if c >= half {
                bits[r * stride + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    Mask {
        x: area.x0,
        y: area.y0,
        width: width as u32,
        height: height as u32,
        stride,
        bits,
    }
}

/// A line segment of a flattened path, top to bottom.
#[derive(Clone, Copy, Debug)]
struct Edge {
    y0: f64,
    y1: f64,
    /// x at `y0`, and its change per unit of y.
    x: f64,
    dxdy: f64,
    /// +1 for a segment going down in the path, -1 going up.
    dir: i32,
}

/// Flatten `path` under `t` into `edges` (subpaths closed, horizontal
/// segments dropped).
fn collect_edges(path: impl IntoIterator<Item = PathEl>, t: Affine, edges: &mut Vec<Edge>) {
    edges.clear();
    let mut start = kurbo::Point::ZERO;
    let mut last = kurbo::Point::ZERO;
    let push = |a: kurbo::Point, b: kurbo::Point, edges: &mut Vec<Edge>| {
        if a.y == b.y || !(a.y.is_finite() && b.y.is_finite() && a.x.is_finite() && b.x.is_finite())
        {
            return;
        }
        let (top, bottom, dir) = if a.y < b.y { (a, b, 1) } else { (b, a, -1) };
        let dxdy = (bottom.x - top.x) / (bottom.y - top.y);
        edges.push(Edge {
            y0: top.y,
            y1: bottom.y,
            x: top.x,
            dxdy,
            dir,
        });
    };
    kurbo::flatten(
        path.into_iter().map(|el| t * el),
        TOLERANCE,
        |el| match el {
            PathEl::MoveTo(p) => {
                push(last, start, edges);
                start = p;
                last = p;
            }
            PathEl::LineTo(p) => {
                push(last, p, edges);
                last = p;
            }
            PathEl::ClosePath => {
                push(last, start, edges);
                last = start;
            }
            // flatten gives only the three above.
            PathEl::QuadTo(..) | PathEl::CurveTo(..) => {}
        },
    );
    push(last, start, edges);
}

/// Call `span(y, x0, x1)` for every run of pixels (half-open, inside
/// `clip`) whose centres the edges enclose under `rule`.
fn fill_spans(
    edges: &mut [Edge],
    crossings: &mut Vec<(f64, i32)>,
    rule: FillRule,
    clip: PixelRect,
    mut span: impl FnMut(i32, i32, i32),
) {
    if edges.is_empty() || clip.x0 >= clip.x1 || clip.y0 >= clip.y1 {
        return;
    }
    edges.sort_unstable_by(|a, b| a.y0.total_cmp(&b.y0));
    let ymin = edges[0].y0;
    let ymax = edges.iter().map(|e| e.y1).fold(f64::MIN, f64::max);
    let first = ((ymin - 0.5).ceil() as i64).max(i64::from(clip.y0)) as i32;
    let last = ((ymax - 0.5).ceil() as i64).min(i64::from(clip.y1)) as i32;
    let mut next = 0usize;
    let mut active: Vec<usize> = Vec::new();
    for y in first..last {
        let yc = f64::from(y) + 0.5;
        while next < edges.len() && edges[next].y0 <= yc {
            active.push(next);
            next += 1;
        }
        active.retain(|&i| edges[i].y1 > yc);
        crossings.clear();
        for &i in &active {
            let e = &edges[i];
            if e.y0 <= yc {
                crossings.push((e.x + (yc - e.y0) * e.dxdy, e.dir));
            }
        }
        if crossings.len() < 2 {
            continue;
        }
        crossings.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut winding = 0i32;
        for k in 0..crossings.len() - 1 {
            winding += match rule {
                FillRule::NonZero => crossings[k].1,
                FillRule::EvenOdd => 1,
            };
            let inside = match rule {
                FillRule::NonZero => winding != 0,
                FillRule::EvenOdd => winding % 2 != 0,
            };
            if !inside {
                continue;
            }
            let xa = ((crossings[k].0 - 0.5).ceil().max(f64::from(clip.x0))) as i32;
            let xb = ((crossings[k + 1].0 - 0.5).ceil().min(f64::from(clip.x1))) as i32;
            if xa < xb {
                span(y, xa, xb);
            }
        }
    }
}

/// Set (black) or clear pixels `x0..x1` of a packed MSB-first row.
fn set_span(row: &mut [u8], x0: u32, x1: u32, black: bool) {
    let (x0, x1) = (x0 as usize, (x1 as usize).min(row.len() * 8));
    if x0 >= x1 {
        return;
    }
    let (b0, b1) = (x0 / 8, (x1 - 1) / 8);
    let head = 0xFFu8 >> (x0 % 8);
    let tail = 0xFFu8 << (7 - (x1 - 1) % 8);
    let apply = |byte: &mut u8, m: u8| {
        if black {
            *byte |= m;
        } else {
            *byte &= !m;
        }
    };
    if b0 == b1 {
        apply(&mut row[b0], head & tail);
        return;
    }
    apply(&mut row[b0], head);
    for byte in &mut row[b0 + 1..b1] {
        apply(byte, 0xFF);
    }
    apply(&mut row[b1], tail);
}

#[cfg(test)]
mod tests {
    use super::*;
    use fax_t30::page::Resolution;

    fn page_with(path: &BezPath, rule: FillRule) -> BilevelPage {
        let mut page = BilevelPage::blank(64, 32, Resolution::Fine);
        let mut cache = GlyphCache::default();
        let mut scratch = raster::Scratch::default();
        let mut dev = BitDevice::new(
            &mut page,
            0,
            0,
            64,
            32,
            Rect::new(0.0, 0.0, 64.0, 32.0),
            &mut cache,
            &mut scratch,
        );
        dev.fill(path.iter(), rule, true);
        page
    }

    #[test]
    fn rectangle_inks_the_pixels_whose_centres_it_covers() {
        let page = page_with(
            &Rect::new(2.4, 3.6, 10.5, 5.0).to_path(0.1),
            FillRule::NonZero,
        );
        for y in 0..32 {
            for x in 0..64 {
                let inside = (2..10).contains(&x) && y == 4;
                assert_eq!(page.get(x, y), inside, "pixel {x},{y}");
            }
        }
    }

    #[test]
    fn even_odd_leaves_the_hole_and_non_zero_fills_it() {
        let mut path = Rect::new(0.0, 0.0, 20.0, 20.0).to_path(0.1);
        path.extend(Rect::new(5.0, 5.0, 15.0, 15.0).to_path(0.1));
        let eo = page_with(&path, FillRule::EvenOdd);
        let nz = page_with(&path, FillRule::NonZero);
        assert!(!eo.get(10, 10) && eo.get(2, 2));
        assert!(nz.get(10, 10) && nz.get(2, 2));
        assert_eq!(nz.black_pixels(), 400);
        assert_eq!(eo.black_pixels(), 300);
    }

    #[test]
    fn spans_set_and_clear_across_bytes() {
        let mut row = [0u8; 4];
        set_span(&mut row, 3, 21, true);
        assert_eq!(row, [0x1F, 0xFF, 0xF8, 0x00]);
        set_span(&mut row, 5, 6, false);
        assert_eq!(row, [0x1B, 0xFF, 0xF8, 0x00]);
        set_span(&mut row, 30, 40, true);
        assert_eq!(row[3], 0x03);
    }
}
