//! The text font, and its glyphs rasterised for a fax page.
//!
//! DejaVu Sans (Debian package `fonts-dejavu-core`) covers Latin, Greek,
//! Cyrillic, the euro sign and most symbols a business letter uses. Glyphs
//! are scaled per axis (204 dpi across, 98 or 196 down), rendered with
//! ab_glyph's coverage rasteriser and cut to black and white at a coverage
//! threshold. Each glyph is rasterised once per render and then copied.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use ab_glyph::{Font as _, FontArc, GlyphId, PxScale};
use fax_t30::page::BilevelPage;

use super::RenderError;

/// Where [`Font::system_default`] looks, in order.
pub const SYSTEM_FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];

/// Debian package that provides the default font.
const FONT_PACKAGE: &str = "fonts-dejavu-core";

/// Coverage from which a pixel is black. A little under one half keeps
/// one-pixel strokes (the horizontals at 98 lines per inch) from breaking up.
const BLACK_COVERAGE: f32 = 0.45;

/// Drawn for a character the font lacks, if the font has it.
const REPLACEMENT: char = '\u{FFFD}';

/// A TrueType/OpenType font, cheap to clone.
#[derive(Clone)]
pub struct Font {
    inner: FontArc,
    name: Arc<str>,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font").field("name", &self.name).finish()
    }
}

impl Font {
    /// DejaVu Sans from the system's font directory, read from disk once
    /// per process and shared (a clone is an `Arc` clone). A missing font
    /// is not remembered: the next call looks again.
    pub fn system_default() -> Result<Font, RenderError> {
        static SYSTEM: OnceLock<Font> = OnceLock::new();
        if let Some(f) = SYSTEM.get() {
            return Ok(f.clone());
        }
        let f = Font::load_system_default()?;
        Ok(SYSTEM.get_or_init(|| f).clone())
    }

    /// The first of `paths` that is a usable font, read once per process
    /// for each list and shared; `None` where none is.
    pub fn first_of(paths: &[&str]) -> Option<Font> {
        type Cache = Mutex<Vec<(String, Option<Font>)>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        let key = paths.join("\n");
        let mut c = crate::lock::lock(cache);
        if let Some((_, f)) = c.iter().find(|(k, _)| *k == key) {
            return f.clone();
        }
        let f = paths
            .iter()
            .map(Path::new)
            .filter(|p| p.is_file())
            .find_map(|p| Font::from_file(p).ok());
        c.push((key, f.clone()));
        f
    }

    fn load_system_default() -> Result<Font, RenderError> {
        for path in SYSTEM_FONT_PATHS {
            let path = Path::new(path);
            if path.is_file() {
                return Font::from_file(path);
            }
        }
        Err(RenderError::NoFont {
            reason: format!(
                "DejaVu Sans not found (looked for {}); install the Debian package {FONT_PACKAGE} \
                 (scripts/setup.sh does)",
                SYSTEM_FONT_PATHS.join(", ")
            ),
        })
    }

    /// A font file (TTF or OTF).
    pub fn from_file(path: &Path) -> Result<Font, RenderError> {
        let bytes = std::fs::read(path).map_err(|e| RenderError::NoFont {
            reason: format!(
                "cannot read {}: {e} (the Debian package {FONT_PACKAGE} provides DejaVu Sans)",
                path.display()
            ),
        })?;
        Font::from_bytes(bytes, &path.display().to_string())
    }

    /// A font from its file's bytes; `name` is for messages.
    pub fn from_bytes(bytes: Vec<u8>, name: &str) -> Result<Font, RenderError> {
        let inner = FontArc::try_from_vec(bytes).map_err(|e| RenderError::NoFont {
            reason: format!("{name} is not a usable font: {e}"),
        })?;
        if inner.units_per_em().is_none() {
            return Err(RenderError::NoFont {
                reason: format!("{name} has no units-per-em"),
            });
        }
        Ok(Font {
            inner,
            name: Arc::from(name),
        })
    }

    /// Where the font came from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the font has a glyph of its own for `c`.
    pub fn has_glyph(&self, c: char) -> bool {
        self.inner.glyph_id(c).0 != 0
    }
}

/// One glyph as black and white pixels, placed relative to the pen
/// position on the baseline.
struct GlyphBitmap {
    left: i32,
    top: i32,
    width: u32,
    height: u32,
    /// One byte per pixel, 1 = black, row by row.
    pixels: Vec<u8>,
}

/// A font at one size and resolution: metrics in page pixels, and a cache
/// of rasterised glyphs.
pub(crate) struct SizedFont<'f> {
    font: &'f FontArc,
    scale: PxScale,
    /// Page pixels per font unit, across and down.
    x_per_unit: f32,
    y_per_unit: f32,
    replacement: GlyphId,
    cache: HashMap<GlyphId, GlyphBitmap>,
}

impl<'f> SizedFont<'f> {
    /// `font` at `size_pt` points on a page of `x_dpi` × `y_dpi`.
    pub(crate) fn new(font: &'f Font, size_pt: f32, x_dpi: f64, y_dpi: f64) -> SizedFont<'f> {
        let inner = &font.inner;
        let units_per_em = inner.units_per_em().unwrap_or(2048.0);
        let em_x = size_pt / 72.0 * x_dpi as f32;
        let em_y = size_pt / 72.0 * y_dpi as f32;
        // ab_glyph's PxScale is the pixel height of ascent - descent.
        let height_units = inner.height_unscaled();
        let scale = PxScale {
            x: em_x * height_units / units_per_em,
            y: em_y * height_units / units_per_em,
        };
        // GlyphId(0), `.notdef`, when the font has no U+FFFD either.
        let replacement = inner.glyph_id(REPLACEMENT);
        SizedFont {
            font: inner,
            scale,
            x_per_unit: em_x / units_per_em,
            y_per_unit: em_y / units_per_em,
            replacement,
            cache: HashMap::new(),
        }
    }

    /// The glyph to draw for `c`: its own, else U+FFFD, else `.notdef`.
    /// `None` for characters that draw nothing (controls, soft hyphen,
    /// zero-width marks and joiners).
    pub(crate) fn glyph(&self, c: char) -> Option<GlyphId> {
        if c.is_control() || matches!(c, '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{FEFF}') {
            return None;
        }
        match self.font.glyph_id(c) {
            GlyphId(0) => Some(self.replacement),
            id => Some(id),
        }
    }

    /// Horizontal advance of a glyph, in page pixels.
    pub(crate) fn advance(&self, id: GlyphId) -> f32 {
        self.font.h_advance_unscaled(id) * self.x_per_unit
    }

    /// Kerning between two glyphs, in page pixels.
    pub(crate) fn kern(&self, first: GlyphId, second: GlyphId) -> f32 {
        self.font.kern_unscaled(first, second) * self.x_per_unit
    }

    /// Rows from the top of a line to its baseline.
    pub(crate) fn ascent(&self) -> f32 {
        self.font.ascent_unscaled() * self.y_per_unit
    }

    /// Rows from one baseline to the next.
    pub(crate) fn line_height(&self) -> f32 {
        let f = self.font;
        (f.ascent_unscaled() - f.descent_unscaled() + f.line_gap_unscaled()) * self.y_per_unit
    }

    /// Draw glyph `id` with its pen position at (`x`, `baseline`), in page
    /// pixels; parts outside the page are clipped.
    pub(crate) fn draw(&mut self, page: &mut BilevelPage, id: GlyphId, x: f32, baseline: f32) {
        let (font, scale) = (self.font, self.scale);
        let bitmap = self
            .cache
            .entry(id)
            .or_insert_with(|| rasterise(font, scale, id));
        let page_width = i64::from(page.width);
        let ox = x.round() as i64 + i64::from(bitmap.left);
        let oy = baseline.round() as i64 + i64::from(bitmap.top);
        for row in 0..bitmap.height {
            let y = oy + i64::from(row);
            if y < 0 || y >= i64::from(page.rows) {
                continue;
            }
            let start = (row * bitmap.width) as usize;
            let line = &bitmap.pixels[start..start + bitmap.width as usize];
            let out = page.row_mut(y as u32);
            for (col, &black) in line.iter().enumerate() {
                let px = ox + col as i64;
                if black != 0 && px >= 0 && px < page_width {
                    out[(px / 8) as usize] |= 0x80 >> (px % 8);
                }
            }
        }
    }
}

/// Render one glyph at the origin and threshold it.
fn rasterise(font: &FontArc, scale: PxScale, id: GlyphId) -> GlyphBitmap {
    let glyph = id.with_scale_and_position(scale, ab_glyph::point(0.0, 0.0));
    let Some(outlined) = font.outline_glyph(glyph) else {
        // Space and other glyphs without an outline.
        return GlyphBitmap {
            left: 0,
            top: 0,
            width: 0,
            height: 0,
            pixels: Vec::new(),
        };
    };
    let bounds = outlined.px_bounds();
    // A broken font could claim an enormous glyph; a glyph larger than a
    // page is never right.
    let width = (bounds.width().max(0.0) as u32).min(4096);
    let height = (bounds.height().max(0.0) as u32).min(4096);
    let mut pixels = vec![0u8; width as usize * height as usize];
    outlined.draw(|x, y, coverage| {
        if x < width && y < height && coverage >= BLACK_COVERAGE {
            pixels[(y * width + x) as usize] = 1;
        }
    });
    GlyphBitmap {
        left: bounds.min.x as i32,
        top: bounds.min.y as i32,
        width,
        height,
        pixels,
    }
}
