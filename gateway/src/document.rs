//! Documents for the test bench: reading a TIFF to send (or a part of it),
//! generating a demo document, and writing what was received as TIFF-F and PDF.

use std::path::{Path, PathBuf};

use fax_t30::codec::Compression;
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::pdf::{pdf_from_pages, PdfMeta};
use fax_t30::tiff::{read_tiff_file, write_tiff_file, TiffMeta, TiffPage};
use fax_t30::Error;

/// Write pages as a T.6 TIFF-F file.
pub fn write_pages(path: &Path, pages: &[BilevelPage]) -> Result<(), Error> {
    let tiff: Vec<TiffPage> = pages
        .iter()
        .map(|p| TiffPage::from_page(p, Compression::T6))
        .collect();
    write_tiff_file(path, &tiff, &TiffMeta::default())
}

/// A generated document: `pages` test-pattern pages of A4 at `resolution`.
pub fn demo_pages(pages: u32, resolution: Resolution) -> Vec<BilevelPage> {
    let width = PaperSize::A4.width();
    let rows = PaperSize::A4.rows(resolution);
    (0..pages)
        .map(|i| BilevelPage::test_pattern(width, rows, resolution, 1000 + i as u64))
        .collect()
}

/// The first `pages` pages of a TIFF file, written to `spool` when a subset
/// (or a repetition, if the file is shorter) is asked for; the file itself
/// otherwise.
pub fn select_pages(file: &Path, pages: Option<u32>, spool: &Path) -> Result<PathBuf, Error> {
    let Some(n) = pages else {
        return Ok(file.to_path_buf());
    };
    let all = read_tiff_file(file)?;
    if all.is_empty() {
        return Err(Error::UnsupportedPage(format!(
            "{} has no pages",
            file.display()
        )));
    }
    let chosen: Vec<TiffPage> = (0..n as usize)
        .map(|i| all[i % all.len()].clone())
        .collect();
    write_tiff_file(spool, &chosen, &TiffMeta::default())?;
    Ok(spool.to_path_buf())
}

/// Make the PDF of a received TIFF-F beside it (`.pdf`), embedding the
/// CCITT data as received.
pub fn received_pdf(tiff: &Path) -> Result<PathBuf, Error> {
    let pages = read_tiff_file(tiff)?;
    let pdf = pdf_from_pages(&pages, &PdfMeta::default());
    let out = tiff.with_extension("pdf");
    std::fs::write(&out, pdf).map_err(|e| Error::Io {
        path: out.clone(),
        source: e,
    })?;
    Ok(out)
}
