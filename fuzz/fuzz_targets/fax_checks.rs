//! Checks shared by the fax fuzz targets (`tiff`, `t4`, `t6`) and by
//! fax-t30/tests/fuzz_seeds.rs, which replays the seed corpora through them
//! on a stable toolchain. Each panics on a finding.
//!
//! Besides "never panics":
//! - a TIFF that reads keeps its pages within the caps, keeps no more code
//!   bytes than the file holds (no page may reuse another's strip: that
//!   would let a small file claim gigabytes), is written back as TIFF-F and
//!   read again to the same pages, and each page decodes to exactly its
//!   rows or fails with a decoder error;
//! - a T.4/T.6 stream that decodes is re-encoded by our encoders and decodes
//!   again to the same pixels with no bad row; in T.6 too, so our own T.6
//!   encoder is checked against spandsp's decoder on arbitrary pages.

use fax_t30::codec::{self, Compression};
use fax_t30::page::{BilevelPage, Resolution, MAX_ROWS, MAX_WIDTH};
use fax_t30::tiff::{self, TiffMeta, TiffPage, MAX_PAGES};
use fax_t30::Error;

/// Pages of a fuzzed TIFF that are decoded (each may be 125 MB of pixels).
const DECODE_PAGES: usize = 3;

pub fn check_tiff(data: &[u8]) {
    let pages = match tiff::read_tiff(data, "fuzz.tif") {
        Ok(p) => p,
        Err(Error::BadTiff { path, reason }) => {
            assert_eq!(path, "fuzz.tif");
            assert!(!reason.is_empty());
            return;
        }
        Err(e) => panic!("read_tiff: not a BadTiff error: {e:?}"),
    };
    assert!(!pages.is_empty() && pages.len() <= MAX_PAGES);
    let kept: usize = pages.iter().map(|p| p.data.len()).sum();
    assert!(
        kept <= expansion_budget(data.len(), pages.len()),
        "{} pages keep {kept} code bytes from a file of {} bytes",
        pages.len(),
        data.len()
    );
    for p in &pages {
        assert!((1..=MAX_WIDTH).contains(&p.width), "width {}", p.width);
        assert!((1..=MAX_ROWS).contains(&p.rows), "rows {}", p.rows);
        assert!(p.x_dpi.is_finite() && p.x_dpi >= 1.0, "x dpi {}", p.x_dpi);
        assert!(p.y_dpi.is_finite() && p.y_dpi >= 1.0, "y dpi {}", p.y_dpi);
    }

    // What we write reads back as the same pages.
    let again = tiff::write_tiff(&pages, &TiffMeta::default());
    let back = tiff::read_tiff(&again, "again.tif").expect("our own TIFF-F reads back");
    assert_eq!(back.len(), pages.len());
    for (a, b) in pages.iter().zip(&back) {
        assert_eq!(
            (a.width, a.rows, a.compression, &a.data),
            (b.width, b.rows, b.compression, &b.data)
        );
        assert_eq!(
            (a.bad_rows, a.consecutive_bad_rows),
            (b.bad_rows, b.consecutive_bad_rows)
        );
        assert!((a.x_dpi - b.x_dpi).abs() <= a.x_dpi * 1e-3, "{a:?} {b:?}");
        assert!((a.y_dpi - b.y_dpi).abs() <= a.y_dpi * 1e-3, "{a:?} {b:?}");
    }

    for p in pages.iter().take(DECODE_PAGES) {
        match p.decode_with_stats() {
            Ok(d) => {
                assert_eq!((d.page.width, d.page.rows), (p.width, p.rows));
                assert!(d.longest_bad_run <= d.bad_rows);
                // Stored again as T.6 (what the spool keeps), pixel-exact.
                let t6 = TiffPage::from_decoded(&d, Compression::T6);
                let back = t6.decode().expect("our T.6 of a decoded page decodes");
                assert!(back == d.page, "T.6 re-encoding changed the page");
            }
            Err(Error::BadImageData { .. } | Error::UnsupportedPage(_)) => {}
            Err(e) => panic!("decode: unexpected error {e:?}"),
        }
    }
}

/// Most code bytes the pages of a file of `len` bytes may keep: what the
/// file holds, or, for pages assembled from strips or uncompressed data and
/// encoded again, a little more (T.6 of a worst-case page is longer than
/// its raw bits), plus the EOFB of each page.
pub fn expansion_budget(len: usize, pages: usize) -> usize {
    4 * len + 16 * pages + 4096
}

/// The page width and resolution a fuzz input's first byte picks.
pub fn shape(selector: u8) -> (u32, Resolution) {
    const WIDTHS: [u32; 10] = [8, 16, 64, 864, 1216, 1728, 2048, 2432, 3456, 1727];
    let res = match selector >> 4 & 3 {
        0 => Resolution::Standard,
        1 => Resolution::Fine,
        2 => Resolution::Superfine,
        _ => Resolution::Fine,
    };
    (WIDTHS[usize::from(selector & 15) % WIDTHS.len()], res)
}

/// T.4 (1D or 2D by the first byte's top bit) or T.6 code after one
/// selector byte.
pub fn check_ccitt(data: &[u8], t6: bool) {
    let Some((&selector, code)) = data.split_first() else {
        return;
    };
    let c = match (t6, selector & 0x80 != 0) {
        (true, _) => Compression::T6,
        (false, false) => Compression::T4OneD,
        (false, true) => Compression::T4TwoD,
    };
    let (width, res) = shape(selector);
    let decoded = match codec::decode(code, c, width, res) {
        Ok(d) => d,
        Err(Error::BadImageData { compression, .. }) => {
            assert_eq!(compression, c.name());
            return;
        }
        Err(Error::UnsupportedPage(_)) => {
            assert_ne!(width % 8, 0, "only odd widths are unsupported");
            return;
        }
        Err(e) => panic!("decode: unexpected error {e:?}"),
    };
    let page = &decoded.page;
    assert_eq!(page.width, width);
    assert!((1..=MAX_ROWS).contains(&page.rows));
    assert!(decoded.bad_rows <= page.rows);
    assert!(decoded.longest_bad_run <= decoded.bad_rows);
    // At most one row per code bit (T.6 V0 rows are one bit each), and
    // a T.4 row needs an EOL of 12 bits.
    let bits = code.len() * 8 + 13 * 6;
    assert!(
        page.rows as usize <= bits,
        "{} rows from {} bits",
        page.rows,
        code.len() * 8
    );
    round_trip(page, c);
    if c != Compression::T6 {
        round_trip(page, Compression::T6);
    }
}

/// Our encoding of `page` decodes to the same pixels, with no bad row.
fn round_trip(page: &BilevelPage, c: Compression) {
    let code = codec::encode(page, c);
    let back = codec::decode(&code, c, page.width, page.resolution)
        .unwrap_or_else(|e| panic!("{c} of a decoded page does not decode: {e}"));
    assert_eq!(back.bad_rows, 0, "{c}: our own stream has bad rows");
    assert!(back.page == *page, "{c}: re-encoded page differs");
}
