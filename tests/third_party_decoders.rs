//! What the bench produces, checked by libtiff's own tools and by poppler,
//! not by our decoder: page count, size, resolution, and the decoded bitmap
//! of every received page equals the page that was sent.

use std::path::Path;

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{MaxRate, PageSource};
use gateway::faxloop::{run_simulated, CallSetup};
use system_tests::{parse_pbm, tool};
use test_kit::Scratch;

/// Faxes `pages` test pages into `dir`; returns them and the received TIFF
/// and PDF.
fn send(
    dir: &Path,
    pages: u32,
    res: Resolution,
    ecm: bool,
) -> (Vec<BilevelPage>, std::path::PathBuf, std::path::PathBuf) {
    let src: Vec<BilevelPage> = (0..pages)
        .map(|i| {
            BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(res),
                res,
                40 + i as u64,
            )
        })
        .collect();
    let mut s = CallSetup::new(
        PageSource::Pages {
            pages: src.clone(),
            spool: dir.join("sent.tif"),
        },
        dir.join("received.tif"),
    );
    s.sender.header = None;
    for o in [&mut s.sender, &mut s.receiver] {
        o.ecm = ecm;
        o.max_rate = MaxRate::V17;
    }
    let report = run_simulated(s).expect("call runs");
    assert!(report.sender_succeeded(), "{:?}", report.sender);
    let tiff = report.receiver.unwrap().file.expect("received file");
    let pdf = gateway::document::received_pdf(&tiff).expect("PDF written");
    (src, tiff, pdf)
}

/// tiffinfo's view of each directory: (width, length, x res, y res, compression).
fn tiffinfo_pages(tiff: &Path) -> Vec<(u32, u32, f32, f32, String)> {
    let out = tool("tiffinfo", &[tiff.to_str().unwrap()]);
    let mut pages = Vec::new();
    let mut cur: Option<(u32, u32, f32, f32, String)> = None;
    for line in out.lines() {
        let l = line.trim();
        if l.starts_with("TIFF Directory") {
            if let Some(p) = cur.take() {
                pages.push(p);
            }
            cur = Some((0, 0, 0.0, 0.0, String::new()));
        }
        let Some(p) = cur.as_mut() else { continue };
        if let Some(rest) = l.strip_prefix("Image Width: ") {
            let mut it = rest.split_whitespace();
            p.0 = it.next().unwrap().parse().unwrap();
            p.1 = it.nth(2).unwrap().parse().unwrap(); // "W Image Length: L"
        } else if let Some(rest) = l.strip_prefix("Resolution: ") {
            let v: Vec<f32> = rest
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter_map(|t| t.parse().ok())
                .collect();
            p.2 = v[0];
            p.3 = v[1];
        } else if let Some(rest) = l.strip_prefix("Compression Scheme: ") {
            p.4 = rest.to_string();
        }
    }
    pages.extend(cur);
    pages
}

fn check_with_libtiff(src: &[BilevelPage], tiff: &Path, y_dpi: f32) {
    let pages = tiffinfo_pages(tiff);
    assert_eq!(pages.len(), src.len(), "tiffinfo page count");
    for (p, s) in pages.iter().zip(src) {
        assert_eq!((p.0, p.1), (s.width, s.rows), "tiffinfo size");
        assert!(
            (p.2 - 204.0).abs() < 1.0 && (p.3 - y_dpi).abs() < 1.0,
            "tiffinfo resolution {p:?}"
        );
        assert!(p.4.contains("CCITT"), "fax compression, got {}", p.4);
    }
    // libtiff decodes the CCITT data; we only read the raw bits it wrote.
    let plain = tiff.with_file_name("plain.tif");
    tool(
        "tiffcp",
        &[
            "-c",
            "none",
            tiff.to_str().unwrap(),
            plain.to_str().unwrap(),
        ],
    );
    let decoded = fax_t30::tiff::read_tiff_file(&plain).expect("uncompressed TIFF");
    assert_eq!(decoded.len(), src.len());
    for (i, (d, s)) in decoded.iter().zip(src).enumerate() {
        let page = d.decode().expect("raw page");
        assert!(
            page.data() == s.data(),
            "libtiff's decoding of page {} differs from the sent page",
            i + 1
        );
    }
}

fn check_with_poppler(src: &[BilevelPage], pdf: &Path, y_dpi: u32) {
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    let pages: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(|v| v.trim().parse().unwrap())
        .expect("pdfinfo Pages");
    assert_eq!(pages as usize, src.len(), "pdfinfo page count");
    // A4 at 204 dpi wide: 1728 px = 609.9 pt; the length follows the rows.
    let size = info
        .lines()
        .find(|l| l.starts_with("Page size:"))
        .expect("page size");
    let nums: Vec<f64> = size
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    let (w_pt, h_pt) = (nums[0], nums[1]);
    assert!((w_pt - 1728.0 / 204.0 * 72.0).abs() < 1.0, "{size}");
    assert!(
        (h_pt - src[0].rows as f64 / y_dpi as f64 * 72.0).abs() < 1.0,
        "{size}"
    );

    for (i, s) in src.iter().enumerate() {
        let n = (i + 1).to_string();
        let prefix = pdf.with_file_name(format!("poppler-{n}"));
        tool(
            "pdftoppm",
            &[
                "-mono",
                "-rx",
                "204",
                "-ry",
                &y_dpi.to_string(),
                "-f",
                &n,
                "-l",
                &n,
                "-singlefile",
                pdf.to_str().unwrap(),
                prefix.to_str().unwrap(),
            ],
        );
        let pbm = std::fs::read(prefix.with_extension("pbm")).expect("pdftoppm output");
        let (w, h, data) = parse_pbm(&pbm);
        assert_eq!((w, h), (s.width, s.rows), "poppler page {n} size");
        let differing: u64 = data
            .iter()
            .zip(s.data())
            .map(|(a, b)| (a ^ b).count_ones() as u64)
            .sum();
        let total = w as u64 * h as u64;
        assert!(
            differing * 1000 <= total,
            "poppler's page {n} differs in {differing} of {total} pixels"
        );
        assert!(
            s.black_pixels() > 0 && (s.black_pixels() as f64) < total as f64 * 0.5,
            "the test page is mostly white"
        );
    }
}

#[test]
fn received_fine_pages_decode_identically_in_libtiff_and_poppler() {
    let dir = Scratch::new("third_party_fine");
    let (src, tiff, pdf) = send(&dir, 3, Resolution::Fine, true);
    check_with_libtiff(&src, &tiff, 196.0);
    check_with_poppler(&src, &pdf, 196);
}

#[test]
fn received_standard_pages_without_ecm_decode_identically() {
    let dir = Scratch::new("third_party_standard");
    let (src, tiff, pdf) = send(&dir, 2, Resolution::Standard, false);
    check_with_libtiff(&src, &tiff, 98.0);
    check_with_poppler(&src, &pdf, 98);
}

#[test]
fn the_spooled_document_we_send_is_valid_for_libtiff() {
    let dir = Scratch::new("spool_valid");
    let res = Resolution::Fine;
    let src: Vec<BilevelPage> = (0..3)
        .map(|i| {
            BilevelPage::test_pattern(
                PaperSize::Letter.width(),
                PaperSize::Letter.rows(res),
                res,
                i,
            )
        })
        .collect();
    let path = dir.join("doc.tif");
    gateway::document::write_pages(&path, &src).unwrap();
    check_with_libtiff(&src, &path, 196.0);
}
