//! Fax TIFF pages adopted into a job of another vertical resolution: a
//! fine (196 lpi) TIFF-F attached to a standard (98 lpi) job is halved
//! vertically, a standard one doubled for a fine job, so every page of the
//! job has the job's resolution and the paper length stays the same.
//! Halving ORs the rows it merges (a one-row rule or a thin stroke stays
//! black, as fax machines scale); enlarging repeats rows.

use fax_t30::codec::Compression;
use fax_t30::page::{BilevelPage, Resolution};
use fax_t30::tiff::TiffPage;

use super::RenderError;

/// Re-scale the pages whose vertical resolution is not `target`'s (by
/// more than 2 %); others are kept as they are (no re-encoding).
pub(crate) fn refit_pages(
    pages: Vec<TiffPage>,
    target: Resolution,
    name: &str,
) -> Result<Vec<TiffPage>, RenderError> {
    let want = f32::from(target.y_dpi());
    pages
        .into_iter()
        .map(|page| {
            if (page.y_dpi - want).abs() <= want * 0.02 || page.y_dpi <= 0.0 {
                return Ok(page);
            }
            let decoded = page.decode().map_err(|e| RenderError::Corrupt {
                name: name.to_owned(),
                kind: "fax TIFF",
                reason: e.to_string(),
            })?;
            let x_dpi = page.x_dpi;
            let scaled = scale_rows(&decoded, page.y_dpi, want, x_dpi, target);
            Ok(TiffPage::from_page(&scaled, Compression::T6))
        })
        .collect()
}

/// `page` (at `from` lpi) at `to` lpi.
fn scale_rows(
    page: &BilevelPage,
    from: f32,
    to: f32,
    x_dpi: f32,
    target: Resolution,
) -> BilevelPage {
    let rows = ((f64::from(page.rows) * f64::from(to) / f64::from(from)).round() as u32).max(1);
    let resolution = if (x_dpi - f32::from(target.x_dpi())).abs() <= x_dpi * 0.02 {
        target
    } else {
        Resolution::from_dpi(x_dpi, to)
    };
    let mut out = BilevelPage::blank(page.width, rows, resolution);
    let ratio = f64::from(page.rows) / f64::from(rows);
    for y in 0..rows {
        // Source rows [s0, s1) fall into output row y; at least one.
        let s0 = ((f64::from(y) * ratio).floor() as u32).min(page.rows - 1);
        let s1 = ((f64::from(y + 1) * ratio).floor() as u32).clamp(s0 + 1, page.rows);
        let dst = out.row_mut(y);
        for s in s0..s1 {
            for (d, &b) in dst.iter_mut().zip(page.row(s)) {
                *d |= b;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fine_to_standard_halves_the_rows_and_keeps_one_row_rules() {
        let mut fine = BilevelPage::blank(1728, 2292, Resolution::Fine);
        fine.fill_rect(100, 501, 800, 1); // a one-row rule on an odd row
        fine.fill_rect(1000, 1000, 20, 200); // a block 200 rows tall
        let pages = vec![TiffPage::from_page(&fine, Compression::T6)];
        let out = refit_pages(pages, Resolution::Standard, "a.tif").unwrap();
        let page = out[0].decode().unwrap();
        assert_eq!((page.rows, page.resolution), (1146, Resolution::Standard));
        assert_eq!(out[0].y_dpi, 98.0);
        assert!(page.get(500, 250), "the rule survives");
        assert_eq!((0..1146).filter(|&y| page.get(1010, y)).count(), 100);
    }

    #[test]
    fn standard_to_fine_doubles_and_same_resolution_is_kept_as_is() {
        let mut std = BilevelPage::blank(1728, 1146, Resolution::Standard);
        std.fill_rect(0, 10, 1728, 3);
        let page = TiffPage::from_page(&std, Compression::T6);
        let out = refit_pages(vec![page.clone()], Resolution::Fine, "a.tif").unwrap();
        let fine = out[0].decode().unwrap();
        assert_eq!((fine.rows, fine.resolution), (2292, Resolution::Fine));
        assert_eq!((0..2292).filter(|&y| fine.get(5, y)).count(), 6);
        let same = refit_pages(vec![page.clone()], Resolution::Standard, "a.tif").unwrap();
        assert_eq!(same[0].data, page.data);
    }
}
