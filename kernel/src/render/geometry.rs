//! Page geometry: paper, resolution, margins, and where an image goes.
//!
//! Fax pixels are not square: 204 dpi across, 98 (standard) or 196 (fine)
//! lines per inch down (ITU-T T.4 clause 2). Everything here measures in
//! inches or millimetres first and converts to pixels per axis last, so a
//! circle stays a circle on a standard-resolution page.

use fax_t30::page::{BilevelPage, PaperSize, Resolution};

use super::RenderError;

/// Rows spandsp's page header takes at 98 lines per inch (16 rows of its
/// font, repeated per axis at higher resolutions: see `t4_tx.c`).
const HEADER_ROWS_STANDARD: u32 = 16;

/// Largest size an image pixel is printed at: 1/72 inch. A 16 × 16 icon stays
/// small instead of filling the page with 2 cm blocks.
const MIN_IMAGE_DPI: f64 = 72.0;

/// Rotate a landscape image only when that makes it this much larger.
const ROTATE_GAIN: f64 = 1.05;

/// Rotate only landscape images up to this aspect ratio (a landscape page,
/// a 16:9 photo): a wider strip such as a banner or a line of text already
/// prints across the page and would only turn sideways.
const ROTATE_MAX_ASPECT: f64 = 2.0;

/// Split a tall image over pages (at full width) only when fitting it on
/// one page would shrink it below this fraction of the full-width size.
const SPLIT_BELOW: f64 = 0.7;

/// Most pages one tall image is split over; beyond that it is shrunk.
const MAX_SPLIT_PAGES: u32 = 20;

/// How pages are laid out: paper, resolution, margins and the band at the
/// top that the fax engine's header line (sender, date, page n/m) takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageSetup {
    pub paper: PaperSize,
    pub resolution: Resolution,
    /// Margins in millimetres: (top, right, bottom, left).
    pub margins_mm: (f32, f32, f32, f32),
    /// Rows at the top of each page kept free for the header line. Content
    /// starts below both this band and the top margin, whichever is lower.
    pub header_space_rows: u32,
}

impl PageSetup {
    /// The usual set-up: 10 mm margins and room for spandsp's header line
    /// (16 rows at standard, 32 at fine).
    pub fn new(paper: PaperSize, resolution: Resolution) -> PageSetup {
        let header_rows =
            (f64::from(HEADER_ROWS_STANDARD) * f64::from(resolution.y_dpi()) / 98.0).round() as u32;
        PageSetup {
            paper,
            resolution,
            margins_mm: (10.0, 10.0, 10.0, 10.0),
            header_space_rows: header_rows,
        }
    }

    /// Pixels per row.
    pub fn width(&self) -> u32 {
        self.paper.width()
    }

    /// Rows per page.
    pub fn rows(&self) -> u32 {
        self.paper.rows(self.resolution)
    }

    /// A white page of this set-up's size and resolution.
    pub fn blank_page(&self) -> BilevelPage {
        BilevelPage::blank(self.width(), self.rows(), self.resolution)
    }

    /// The rectangle content may be drawn in, in pixels.
    pub fn print_area(&self) -> Result<PrintArea, RenderError> {
        let x_dpi = f64::from(self.resolution.x_dpi());
        let y_dpi = f64::from(self.resolution.y_dpi());
        let (top, right, bottom, left) = self.margins_mm;
        for m in [top, right, bottom, left] {
            if !m.is_finite() || m < 0.0 {
                return Err(RenderError::BadSetup {
                    reason: format!("margin of {m} mm"),
                });
            }
        }
        let px = |mm: f32, dpi: f64| (f64::from(mm) / 25.4 * dpi).round().min(1e6) as u32;
        let (width, rows) = (self.width(), self.rows());
        let x0 = px(left, x_dpi);
        let x1 = width.saturating_sub(px(right, x_dpi));
        let y0 = px(top, y_dpi).max(self.header_space_rows);
        let y1 = rows.saturating_sub(px(bottom, y_dpi));
        // At least about 2 cm each way, or nothing sensible fits.
        if x1 < x0 + 160 || y1 < y0 + (y_dpi * 0.8) as u32 {
            return Err(RenderError::BadSetup {
                reason: format!(
                    "margins {:?} mm and {} header rows leave {} x {} pixels of a {width} x {rows} page",
                    self.margins_mm,
                    self.header_space_rows,
                    x1.saturating_sub(x0),
                    y1.saturating_sub(y0)
                ),
            });
        }
        Ok(PrintArea {
            x: x0,
            y: y0,
            width: x1 - x0,
            height: y1 - y0,
            x_dpi,
            y_dpi,
        })
    }
}

impl Default for PageSetup {
    /// A4 at fine resolution.
    fn default() -> PageSetup {
        PageSetup::new(PaperSize::A4, Resolution::Fine)
    }
}

/// The printable rectangle of a page, in pixels from the top left corner,
/// and the resolution to convert physical sizes with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrintArea {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub x_dpi: f64,
    pub y_dpi: f64,
}

/// Where an image of a given size goes: rotated or not, its size in page
/// pixels, its top left corner on the (first) page, and how many pages it
/// takes (more than one only for images much taller than the paper, which
/// are printed at full width and cut between pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// Turned 90° counter-clockwise (the image's top edge on the left) to
    /// make a landscape image larger on a portrait page.
    pub rotate: bool,
    /// Size of the scaled (and rotated) image in page pixels; `height` may
    /// exceed one page's print area when `pages > 1`.
    pub width: u32,
    pub height: u32,
    /// Top left corner on the page; later pages of a split image start at
    /// the print area's top.
    pub x: u32,
    pub y: u32,
    pub pages: u32,
}

impl PrintArea {
    fn width_in(&self) -> f64 {
        f64::from(self.width) / self.x_dpi
    }

    fn height_in(&self) -> f64 {
        f64::from(self.height) / self.y_dpi
    }

    /// Inches per image pixel that fit an image of `w` × `h` pixels on one
    /// page, never larger than an image pixel at [`MIN_IMAGE_DPI`].
    fn fit(&self, w: u32, h: u32) -> f64 {
        let w = f64::from(w.max(1));
        let h = f64::from(h.max(1));
        (self.width_in() / w)
            .min(self.height_in() / h)
            .min(1.0 / MIN_IMAGE_DPI)
    }

    /// Place an image of `width` × `height` pixels (as displayed: after its
    /// EXIF orientation): rotate it when it is landscape and gets larger on
    /// its side, scale it to fit keeping its aspect ratio in physical units,
    /// centre it across, and put it at the top.
    pub fn place_image(&self, width: u32, height: u32) -> Placement {
        let upright = self.fit(width, height);
        let turned = self.fit(height, width);
        let rotate = width > height
            && f64::from(width) <= f64::from(height) * ROTATE_MAX_ASPECT
            && turned > upright * ROTATE_GAIN;
        let (w, h) = if rotate {
            (height, width)
        } else {
            (width, height)
        };
        let one_page = self.fit(w, h);
        // Inches per pixel at full width, and the pages that takes.
        let full_width = (self.width_in() / f64::from(w.max(1))).min(1.0 / MIN_IMAGE_DPI);
        // A rotated image was chosen for fitting one page: it is not split.
        let (scale, pages) = if rotate || one_page >= full_width * SPLIT_BELOW {
            (one_page, 1)
        } else {
            let tall = f64::from(h) * full_width;
            let pages = (tall / self.height_in()).ceil() as u32;
            if pages <= MAX_SPLIT_PAGES {
                (full_width, pages)
            } else {
                let scale = self.height_in() * f64::from(MAX_SPLIT_PAGES) / f64::from(h);
                (scale, MAX_SPLIT_PAGES)
            }
        };
        let px_w = (f64::from(w) * scale * self.x_dpi).round().max(1.0) as u32;
        let px_h = (f64::from(h) * scale * self.y_dpi).round().max(1.0) as u32;
        let px_w = px_w.min(self.width);
        let px_h = px_h.min(self.height.saturating_mul(pages));
        Placement {
            rotate,
            width: px_w,
            height: px_h,
            x: self.x + (self.width - px_w) / 2,
            y: self.y,
            pages: px_h.div_ceil(self.height).max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fine_a4_area_is_inside_the_page_and_below_the_header() {
        let setup = PageSetup::new(PaperSize::A4, Resolution::Fine);
        let a = setup.print_area().unwrap();
        assert_eq!(setup.header_space_rows, 32);
        assert_eq!(a.x, 80);
        assert_eq!(a.y, 77);
        assert_eq!(a.x + a.width, 1728 - 80);
        assert_eq!(a.y + a.height, 2292 - 77);
    }

    #[test]
    fn standard_placement_keeps_the_aspect_ratio() {
        let setup = PageSetup::new(PaperSize::A4, Resolution::Standard);
        let a = setup.print_area().unwrap();
        let p = a.place_image(1000, 1000);
        // A square stays square in inches: half as many rows as columns.
        let w_in = f64::from(p.width) / 204.0;
        let h_in = f64::from(p.height) / 98.0;
        assert!((w_in - h_in).abs() < 0.02, "{p:?}");
        assert!(!p.rotate);
    }

    #[test]
    fn landscape_turns_tall_splits_icon_stays_small() {
        let a = PageSetup::default().print_area().unwrap();
        assert!(a.place_image(1200, 800).rotate);
        let tall = a.place_image(1000, 8000);
        assert!(!tall.rotate);
        assert_eq!(tall.width, a.width);
        assert!(tall.pages > 1, "{tall:?}");
        // A banner (a line of text) stays upright on one page.
        let banner = a.place_image(1400, 300);
        assert!(!banner.rotate, "{banner:?}");
        assert_eq!((banner.width, banner.pages), (a.width, 1), "{banner:?}");
        // A rotated landscape image is never split.
        let wide = a.place_image(3000, 1600);
        assert!(wide.rotate && wide.pages == 1, "{wide:?}");
        let icon = a.place_image(16, 16);
        assert_eq!(icon.width, (16.0f64 / 72.0 * 204.0).round() as u32);
        assert_eq!(icon.pages, 1);
    }

    #[test]
    fn margins_wider_than_the_paper_are_refused() {
        let setup = PageSetup {
            margins_mm: (10.0, 150.0, 10.0, 100.0),
            ..PageSetup::default()
        };
        assert!(matches!(
            setup.print_area(),
            Err(RenderError::BadSetup { .. })
        ));
    }
}
