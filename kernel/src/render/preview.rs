//! A PNG preview of a received fax's first page, for the incoming-fax mail
//! (issue 5: received pages to mail formats).
//!
//! The page is shrunk with an area average, so the preview is gray and
//! legible rather than a sparse 1-bit skeleton, and stretched to the page's
//! physical proportions: a standard-resolution page (204 × 98 dpi) has half
//! the rows of a fine one but is just as tall.

use std::io::Cursor;

use ::image::codecs::png::PngEncoder;
use ::image::{ExtendedColorType, ImageEncoder};
use fax_t30::page::BilevelPage;
use fax_t30::tiff::TiffPage;

use super::bilevel::{self, Gray};

/// Width of the preview in pixels: readable headings, a mail-sized image.
pub const PREVIEW_WIDTH: u32 = 600;

/// The first page of `pages` as an 8-bit gray PNG [`PREVIEW_WIDTH`] wide;
/// `None` when there is no page.
pub fn first_page_png(pages: &[TiffPage]) -> Result<Option<Vec<u8>>, fax_t30::Error> {
    let Some(first) = pages.first() else {
        return Ok(None);
    };
    let page = first.decode()?;
    Ok(Some(page_png(&page, PREVIEW_WIDTH)))
}

/// One page as a gray PNG `width` pixels wide, at its physical aspect.
pub fn page_png(page: &BilevelPage, width: u32) -> Vec<u8> {
    let (w, h) = (page.width.max(1), page.rows.max(1));
    let mut gray = Gray {
        width: w,
        height: h,
        pixels: vec![255u8; w as usize * h as usize],
    };
    for y in 0..page.rows {
        let row = page.row(y);
        let out = &mut gray.pixels[(y * w) as usize..((y + 1) * w) as usize];
        for (x, px) in out.iter_mut().enumerate() {
            if row[x / 8] & (0x80 >> (x % 8)) != 0 {
                *px = 0;
            }
        }
    }
    let res = page.resolution;
    let inches_wide = f64::from(w) / f64::from(res.x_dpi());
    let inches_tall = f64::from(h) / f64::from(res.y_dpi());
    let width = width.clamp(1, w);
    let height = (f64::from(width) * inches_tall / inches_wide)
        .round()
        .clamp(1.0, 20_000.0) as u32;
    let small = bilevel::resample(&gray, width, height);
    let mut png = Vec::new();
    PngEncoder::new(Cursor::new(&mut png))
        .write_image(
            &small.pixels,
            small.width,
            small.height,
            ExtendedColorType::L8,
        )
        .expect("encoding a gray image into memory");
    png
}

#[cfg(test)]
mod tests {
    use super::*;
    use fax_t30::page::Resolution;

    #[test]
    fn standard_pages_get_the_physical_aspect() {
        let fine = BilevelPage::blank(1728, 2292, Resolution::Fine);
        let std = BilevelPage::blank(1728, 1146, Resolution::Standard);
        let dims = |png: Vec<u8>| {
            let img = ::image::load_from_memory(&png).unwrap();
            (img.width(), img.height())
        };
        let f = dims(page_png(&fine, 600));
        let s = dims(page_png(&std, 600));
        assert_eq!(f.0, 600);
        assert_eq!(f, s);
        // A4 is 1.41 times as tall as wide (215 mm fax width: about 1.38).
        assert!((f64::from(f.1) / 600.0 - 1.38).abs() < 0.02, "{f:?}");
    }
}
