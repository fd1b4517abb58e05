//! Checks of the `html`, `image` and `pdf` fuzz targets, shared with
//! kernel/tests/fuzz_seeds.rs (the seed replay on a stable toolchain).
//! Each panics on a finding.
//!
//! - HTML to text: never panics, and the text is bounded by the input
//!   (tables pad cells to their columns, so some growth is fine; a blow-up
//!   is a finding: the text becomes pages, and the time is the worker's).
//! - Images: a decoded image gives between 1 and `MAX_PAGES` pages of the
//!   set-up's size; a refusal names the attachment. Declared sizes past the
//!   caps are refused before decoding (the campaign runs this target with a
//!   malloc limit a little above the decoder's allowance, so a bomb that
//!   gets past the header checks is a crash).
//! - PDF: as images (pages of the set-up's size, at most `MAX_PAGES`, a
//!   refusal names the file); a panic inside the PDF interpreter is caught
//!   by the renderer and is a refusal, not a finding of ours.

use fax_t30::page::{PaperSize, Resolution};
use kernel::render::mail::html_to_text;
use kernel::render::{render_image, render_pdf, PageSetup, RenderError, MAX_PAGES};

/// Most text `html_to_text` may make of `len` bytes of HTML laid out in
/// `columns` columns.
pub fn html_budget(len: usize, columns: usize) -> usize {
    16 * len + 4 * columns + 4096
}

/// The first byte picks the columns (20 to 147), the rest is the HTML.
pub fn check_html(data: &[u8]) {
    let Some((&c, rest)) = data.split_first() else {
        return;
    };
    let columns = 20 + usize::from(c & 127);
    let html = String::from_utf8_lossy(rest);
    let text = html_to_text(&html, columns);
    assert!(
        text.len() <= html_budget(html.len(), columns),
        "{} bytes of text from {} bytes of HTML at {columns} columns",
        text.len(),
        html.len()
    );
}

const NAMES: [&str; 8] = [
    "a.png", "b.jpg", "c.gif", "d.bmp", "e.tif", "f", "g.jpeg", "h.PNG",
];

/// Bit 3 of a selector byte picks the paper, bits 4-5 the resolution.
pub fn setup(c: u8) -> PageSetup {
    let paper = if c & 8 == 0 {
        PaperSize::A4
    } else {
        PaperSize::Letter
    };
    let res = match c >> 4 & 3 {
        0 => Resolution::Standard,
        1 => Resolution::Fine,
        _ => Resolution::Superfine,
    };
    PageSetup::new(paper, res)
}

/// The first byte picks the file name (its extension is the fallback
/// format), the paper and the resolution; the rest is the file.
pub fn check_image(data: &[u8]) {
    let Some((&c, bytes)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(c & 7)];
    let setup = setup(c);
    check_pages(render_image(bytes, name, &setup), name, &setup);
}

/// The first byte picks the paper and the resolution; the rest is the PDF.
pub fn check_pdf(data: &[u8]) {
    let Some((&c, bytes)) = data.split_first() else {
        return;
    };
    let setup = setup(c);
    check_pages(render_pdf(bytes, "fuzz.pdf", &setup), "fuzz.pdf", &setup);
}

fn check_pages(
    result: Result<Vec<fax_t30::page::BilevelPage>, RenderError>,
    name: &str,
    setup: &PageSetup,
) {
    match result {
        Ok(pages) => {
            assert!((1..=MAX_PAGES).contains(&pages.len()), "{}", pages.len());
            for p in &pages {
                assert_eq!((p.width, p.rows), (setup.width(), setup.rows()));
            }
        }
        Err(
            RenderError::Corrupt { name: n, .. }
            | RenderError::Unsupported { name: n, .. }
            | RenderError::TooLarge { name: n, .. },
        ) => assert_eq!(n, name),
        Err(e) => panic!("render: unexpected error {e:?}"),
    }
}
