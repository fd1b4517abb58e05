//! TIFF-F and PDF output checked by the reference tools (libtiff's
//! `tiffinfo`/`tiffcp`, poppler's `pdfinfo`/`pdftoppm`), Ghostscript's fax
//! TIFFs read back, and the TIFF reader fed malformed files.

mod common;

use common::{differing_pixels, read_pbm, run, run_full};
use fax_t30::codec::{self, Compression};
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::pdf::{self, PdfMeta};
use fax_t30::tiff::{self, TiffMeta, TiffPage};
use fax_t30::Error;
use test_kit::Scratch;

/// Three full pages in one resolution, different content on each.
fn three_pages(
    resolution: Resolution,
    compression: Compression,
) -> (Vec<BilevelPage>, Vec<TiffPage>) {
    let pages: Vec<BilevelPage> = (0..3)
        .map(|i| {
            let paper = [PaperSize::A4, PaperSize::Letter, PaperSize::A4][i];
            BilevelPage::test_pattern(
                paper.width(),
                paper.rows(resolution),
                resolution,
                100 + i as u64,
            )
        })
        .collect();
    let tiff_pages = pages
        .iter()
        .map(|p| TiffPage::from_page(p, compression))
        .collect();
    (pages, tiff_pages)
}

fn meta() -> TiffMeta {
    TiffMeta {
        description: Some("+49 30 1234567".into()),
        date_time: Some("2025:03:04 05:06:07".into()),
        ..TiffMeta::default()
    }
}

#[test]
fn tiffinfo_reads_our_three_page_files() {
    let dir = Scratch::new("tiffinfo");
    for (resolution, compression, scheme, ydpi) in [
        (Resolution::Fine, Compression::T6, "CCITT Group 4", 196),
        (
            Resolution::Standard,
            Compression::T4TwoD,
            "CCITT Group 3",
            98,
        ),
        (Resolution::Fine, Compression::T4OneD, "CCITT Group 3", 196),
    ] {
        let (pages, tiff_pages) = three_pages(resolution, compression);
        let file = dir.arg("out.tif");
        tiff::write_tiff_file(&file, &tiff_pages, &meta()).unwrap();
        // -D decodes every strip: libtiff complains on stderr about bad codes.
        let (info, errors) = run_full("tiffinfo", &["-D", &file]);
        assert!(
            !errors.contains("rror") && !errors.contains("Bad code"),
            "{errors}"
        );
        assert_eq!(
            info.matches("TIFF Directory at offset").count(),
            3,
            "{info}"
        );
        for (i, page) in pages.iter().enumerate() {
            assert!(
                info.contains(&format!(
                    "Image Width: {} Image Length: {}",
                    page.width, page.rows
                )),
                "{info}"
            );
            assert!(info.contains(&format!("Page Number: {i}-3")), "{info}");
        }
        assert!(
            info.contains(&format!("Resolution: 204, {ydpi} pixels/inch")),
            "{info}"
        );
        assert_eq!(info.matches(scheme).count(), 3, "{info}");
        assert!(
            info.contains("Photometric Interpretation: min-is-white"),
            "{info}"
        );
        assert!(info.contains("FillOrder: msb-to-lsb"), "{info}");
        assert!(info.contains("ImageDescription: +49 30 1234567"), "{info}");
        assert!(info.contains("DateTime: 2025:03:04 05:06:07"), "{info}");
        match compression {
            Compression::T4TwoD => {
                assert!(info.contains("Group 3 Options: 2-d encoding"), "{info}")
            }
            Compression::T4OneD => assert!(info.contains("Group 3 Options: (0 = 0x0)"), "{info}"),
            Compression::T6 => assert!(info.contains("Group 4 Options: (0 = 0x0)"), "{info}"),
        }
    }
}

#[test]
fn libtiff_decodes_our_files_to_the_source_bitmaps() {
    let dir = Scratch::new("tiffcp-none");
    for (resolution, compression) in [
        (Resolution::Fine, Compression::T6),
        (Resolution::Standard, Compression::T4TwoD),
        (Resolution::Superfine, Compression::T4OneD),
    ] {
        let (pages, tiff_pages) = three_pages(resolution, compression);
        let (ours, plain) = (dir.arg("ours.tif"), dir.arg("plain.tif"));
        tiff::write_tiff_file(&ours, &tiff_pages, &meta()).unwrap();
        run("tiffcp", &["-c", "none", &ours, &plain]);
        let back = tiff::read_tiff_file(&plain).unwrap();
        assert_eq!(back.len(), 3);
        for (page, source) in back.iter().zip(&pages) {
            let decoded = page.decode().unwrap();
            assert_eq!(decoded.resolution, resolution);
            assert_eq!(
                differing_pixels(&decoded, source),
                0,
                "{compression} at {resolution:?}"
            );
        }
        // And our own reader gives back exactly what was written.
        let again = tiff::read_tiff_file(&ours).unwrap();
        assert_eq!(again, tiff_pages);
    }
}

#[test]
fn bad_row_counts_travel_through_the_file() {
    let page = BilevelPage::test_pattern(1728, 300, Resolution::Fine, 5);
    let mut code = codec::encode(&page, Compression::T4OneD);
    let mid = code.len() / 2;
    code[mid..mid + 30].fill(0x55);
    let decoded = codec::decode(&code, Compression::T4OneD, 1728, Resolution::Fine).unwrap();
    assert!(decoded.bad_rows > 0);
    let stored = TiffPage::from_decoded(&decoded, Compression::T6);
    let bytes = tiff::write_tiff(&[stored], &TiffMeta::default());
    let back = tiff::read_tiff(&bytes, "mem").unwrap();
    assert_eq!(back[0].bad_rows, Some(decoded.bad_rows));
    assert_eq!(back[0].consecutive_bad_rows, Some(decoded.longest_bad_run));

    let dir = Scratch::new("badfaxlines");
    std::fs::write(dir.join("bad.tif"), &bytes).unwrap();
    let info = run("tiffinfo", &[&dir.arg("bad.tif")]);
    assert!(
        info.contains(&format!("Bad Fax Lines: {}", decoded.bad_rows)),
        "{info}"
    );
    assert!(info.contains("Fax Data: receiver regenerated"), "{info}");
}

/// A two-page letter in PostScript, with text, rules and a box.
const LETTER_PS: &str = "%!PS
/Times-Roman findfont 12 scalefont setfont
1 1 45 { /i exch def 60 780 i 16 mul sub moveto
  (Dear customer, the quick brown fox jumps over the lazy dog. 0123456789) show } for
3 setlinewidth 60 40 moveto 540 40 lineto stroke
400 60 100 50 rectfill
showpage
/Helvetica-Bold findfont 36 scalefont setfont
100 600 moveto (Page two) show
0 setlinewidth 50 50 500 700 rectstroke
showpage
";

#[test]
fn ghostscript_fax_tiffs_decode_like_libtiff_decodes_them() {
    let dir = Scratch::new("gs");
    std::fs::write(dir.join("letter.ps"), LETTER_PS).unwrap();
    let ps = dir.arg("letter.ps");
    for (device, res, geometry, extra) in [
        ("tiffg4", "-r204x196", "-g1728x2292", None),
        ("tiffg3", "-r204x98", "-g1728x1146", None),
        ("tiffg32d", "-r204x196", "-g1728x2292", None),
        (
            "tiffg4",
            "-r204x196",
            "-g1728x2292",
            Some("-dMaxStripSize=4000"),
        ),
    ] {
        let out = dir.arg("gs.tif");
        let plain = dir.arg("plain.tif");
        let device_arg = format!("-sDEVICE={device}");
        let mut args = vec![
            "-q",
            "-dSAFER",
            "-dBATCH",
            "-dNOPAUSE",
            &device_arg,
            res,
            geometry,
        ];
        args.extend(extra);
        let output = format!("-sOutputFile={out}");
        args.extend([output.as_str(), ps.as_str()]);
        run("gs", &args);
        run("tiffcp", &["-c", "none", &out, &plain]);

        let pages = tiff::read_tiff_file(&out).unwrap_or_else(|e| panic!("{device}: {e}"));
        let reference = tiff::read_tiff_file(&plain).unwrap();
        assert_eq!(pages.len(), 2, "{device}");
        for (page, reference) in pages.iter().zip(&reference) {
            let ours = page.decode().unwrap_or_else(|e| panic!("{device}: {e}"));
            let libtiff = reference.decode().unwrap();
            assert_eq!(
                (ours.width, ours.rows),
                (1728, geometry[7..].parse().unwrap())
            );
            assert!(ours.black_pixels() > 5_000, "{device}: a page of text");
            assert_eq!(differing_pixels(&ours, &libtiff), 0, "{device} {extra:?}");
        }
        assert_eq!(
            pages[0].resolution(),
            if res == "-r204x98" {
                Resolution::Standard
            } else {
                Resolution::Fine
            }
        );
    }
}

/// pdftoppm renders a page at its own resolution; returns the bitmap.
fn render(pdf: &str, page: usize, x_dpi: u16, y_dpi: u16, dir: &Scratch) -> BilevelPage {
    let prefix = dir.arg(&format!("render{page}"));
    let n = page.to_string();
    let (rx, ry) = (x_dpi.to_string(), y_dpi.to_string());
    run(
        "pdftoppm",
        &[
            "-f",
            &n,
            "-l",
            &n,
            "-singlefile",
            "-mono",
            "-rx",
            &rx,
            "-ry",
            &ry,
            pdf,
            &prefix,
        ],
    );
    let (w, h, data) = read_pbm(&dir.join(format!("render{page}.pbm")));
    BilevelPage::from_packed(w, h, Resolution::Custom { x_dpi, y_dpi }, data).unwrap()
}

#[test]
fn pdf_pages_have_fax_sizes_and_render_as_the_source() {
    let dir = Scratch::new("pdf");
    let sources = [
        (
            BilevelPage::test_pattern(1728, 2292, Resolution::Fine, 1),
            Compression::T6,
        ),
        (
            BilevelPage::test_pattern(1728, 1146, Resolution::Standard, 2),
            Compression::T4TwoD,
        ),
        (
            BilevelPage::test_pattern(1728, 2156, Resolution::Fine, 3),
            Compression::T4OneD,
        ),
        (
            BilevelPage::test_pattern(2048, 2808, Resolution::Fine, 4),
            Compression::T6,
        ),
    ];
    let pages: Vec<TiffPage> = sources
        .iter()
        .map(|(p, c)| TiffPage::from_page(p, *c))
        .collect();
    let file = dir.arg("fax.pdf");
    let meta = PdfMeta {
        title: Some("Fax from +49 30 1234567 (3 pages)".into()),
        creation_date: Some("D:20250304050607Z".into()),
        ..PdfMeta::default()
    };
    pdf::pdf_file(&file, &pages, &meta).unwrap();

    let info = run("pdfinfo", &["-f", "1", "-l", "4", &file]);
    assert!(info.contains("Pages:           4"), "{info}");
    assert!(info.contains("PDF version:     1.4"), "{info}");
    assert!(
        info.contains("Title:           Fax from +49 30 1234567 (3 pages)"),
        "{info}"
    );
    assert!(info.contains("Producer:        ums fax-t30"), "{info}");
    assert!(info.contains("CreationDate:"), "{info}");
    for (i, page) in pages.iter().enumerate() {
        let (w, h) = pdf::page_size_points(page);
        let line = info
            .lines()
            .find(|l| l.starts_with(&format!("Page {:>4} size:", i + 1)))
            .unwrap();
        let nums: Vec<f64> = line
            .split_whitespace()
            .filter_map(|t| t.parse().ok())
            .collect();
        // pdfinfo prints 6 significant digits.
        assert!(
            (nums[1] - w).abs() < 0.05 && (nums[2] - h).abs() < 0.05,
            "{line} vs {w} x {h}"
        );
    }
    // Standard and fine A4 pages are the same height on paper.
    assert!((pdf::page_size_points(&pages[0]).1 - pdf::page_size_points(&pages[1]).1).abs() < 0.01);

    for (i, (source, _)) in sources.iter().enumerate() {
        let r = source.resolution;
        let rendered = render(&file, i + 1, r.x_dpi(), r.y_dpi(), &dir);
        assert_eq!(
            (rendered.width, rendered.rows),
            (source.width, source.rows),
            "page {}",
            i + 1
        );
        let diff = differing_pixels(&rendered, source);
        let total = u64::from(source.width) * u64::from(source.rows);
        assert!(
            diff * 1000 <= total,
            "page {}: {diff} of {total} pixels differ",
            i + 1
        );
    }
}

#[test]
fn pdf_polarity_white_is_white_and_black_is_black() {
    let dir = Scratch::new("polarity");
    let mut page = BilevelPage::blank(1728, 1146, Resolution::Standard);
    page.fill_rect(800, 500, 100, 50);
    for c in [Compression::T6, Compression::T4OneD, Compression::T4TwoD] {
        let file = dir.arg("white.pdf");
        pdf::pdf_file(&file, &[TiffPage::from_page(&page, c)], &PdfMeta::default()).unwrap();
        let rendered = render(&file, 1, 204, 98, &dir);
        let black = rendered.black_pixels();
        assert!(
            (4_900..=5_100).contains(&black),
            "{c}: {black} black pixels, expected about 5000"
        );
        assert!(
            rendered.get(850, 525) && !rendered.get(10, 10) && !rendered.get(850, 600),
            "{c}"
        );
    }
}

#[test]
fn pdf_of_ghostscript_g3_with_fill_bits_renders_like_its_decode() {
    let dir = Scratch::new("pdf-gs");
    std::fs::write(dir.join("letter.ps"), LETTER_PS).unwrap();
    let out = dir.arg("g3.tif");
    let output = format!("-sOutputFile={out}");
    let ps = dir.arg("letter.ps");
    run(
        "gs",
        &[
            "-q",
            "-dSAFER",
            "-dBATCH",
            "-dNOPAUSE",
            "-sDEVICE=tiffg32d",
            "-r204x98",
            "-g1728x1146",
            &output,
            &ps,
        ],
    );
    let pages = tiff::read_tiff_file(&out).unwrap();
    let file = dir.arg("g3.pdf");
    pdf::pdf_file(&file, &pages, &PdfMeta::default()).unwrap();
    for (i, page) in pages.iter().enumerate() {
        let decoded = page.decode().unwrap();
        let rendered = render(&file, i + 1, 204, 98, &dir);
        let diff = differing_pixels(&rendered, &decoded);
        assert!(
            diff * 1000 <= 1728 * 1146,
            "page {}: {diff} pixels differ",
            i + 1
        );
    }
}

#[test]
fn writing_is_atomic_and_reports_the_path() {
    let dir = Scratch::new("atomic");
    let (_, pages) = three_pages(Resolution::Standard, Compression::T6);
    let file = dir.join("fax.tif");
    std::fs::write(&file, b"old").unwrap();
    tiff::write_tiff_file(&file, &pages, &TiffMeta::default()).unwrap();
    pdf::pdf_file(dir.join("fax.pdf"), &pages, &PdfMeta::default()).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["fax.pdf", "fax.tif"], "no temporary files left");
    assert_eq!(tiff::read_tiff_file(&file).unwrap(), pages);

    let missing = dir.join("no/such/dir/fax.tif");
    match tiff::write_tiff_file(&missing, &pages, &TiffMeta::default()) {
        Err(Error::Io { path, .. }) => assert!(path.starts_with(dir.join("no"))),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        tiff::read_tiff_file(&missing),
        Err(Error::Io { .. })
    ));
}

/// A small valid file to break: one T.6 page, little-endian.
fn small_tiff() -> Vec<u8> {
    let page = BilevelPage::test_pattern(1728, 200, Resolution::Fine, 9);
    tiff::write_tiff(
        &[TiffPage::from_page(&page, Compression::T6)],
        &TiffMeta::default(),
    )
}

/// Offset of the first IFD and of the entry for `tag` in it.
fn entry_offset(file: &[u8], tag: u16) -> usize {
    let ifd = u32::from_le_bytes(file[4..8].try_into().unwrap()) as usize;
    let n = u16::from_le_bytes(file[ifd..ifd + 2].try_into().unwrap()) as usize;
    (0..n)
        .map(|i| ifd + 2 + 12 * i)
        .find(|&at| u16::from_le_bytes(file[at..at + 2].try_into().unwrap()) == tag)
        .expect("tag present")
}

fn set_value(file: &mut [u8], tag: u16, value: u32) {
    let at = entry_offset(file, tag);
    let typ = u16::from_le_bytes(file[at + 2..at + 4].try_into().unwrap());
    if typ == 3 {
        file[at + 8..at + 10].copy_from_slice(&(value as u16).to_le_bytes());
    } else {
        file[at + 8..at + 12].copy_from_slice(&value.to_le_bytes());
    }
}

fn expect_bad(bytes: &[u8], what: &str) -> String {
    match tiff::read_tiff(bytes, "test.tif") {
        Err(Error::BadTiff { path, reason }) => {
            assert_eq!(path, "test.tif");
            reason
        }
        other => panic!("{what}: expected BadTiff, got {other:?}"),
    }
}

#[test]
fn malformed_tiffs_are_refused_without_panicking() {
    let good = small_tiff();
    assert_eq!(tiff::read_tiff(&good, "good").unwrap().len(), 1);

    expect_bad(&[], "empty");
    expect_bad(&good[..good.len() / 2], "truncated");
    expect_bad(b"GIF89a\0\0\0\0", "bad magic");
    let mut big_tiff = good.clone();
    big_tiff[2] = 43;
    expect_bad(&big_tiff, "BigTIFF");

    let mut past_end = good.clone();
    past_end[4..8].copy_from_slice(&(good.len() as u32 + 100).to_le_bytes());
    expect_bad(&past_end, "IFD offset past the end");

    let mut looped = good.clone();
    let ifd = u32::from_le_bytes(good[4..8].try_into().unwrap()) as usize;
    let n = u16::from_le_bytes(good[ifd..ifd + 2].try_into().unwrap()) as usize;
    looped[ifd + 2 + 12 * n..ifd + 6 + 12 * n].copy_from_slice(&(ifd as u32).to_le_bytes());
    assert!(expect_bad(&looped, "IFD loop").contains("loop"));

    let mut strip = good.clone();
    set_value(&mut strip, 273, good.len() as u32 - 10);
    assert!(expect_bad(&strip, "strip offset past the end").contains("strip"));
    let mut count = good.clone();
    set_value(&mut count, 279, u32::MAX);
    expect_bad(&count, "strip byte count past the end");

    let mut wide = good.clone();
    set_value(&mut wide, 256, 1_000_000);
    assert!(expect_bad(&wide, "huge width").contains("width"));
    let mut long = good.clone();
    set_value(&mut long, 257, 10_000_000);
    expect_bad(&long, "huge length");
    let mut zero = good.clone();
    set_value(&mut zero, 257, 0);
    expect_bad(&zero, "zero length");

    let mut lzw = good.clone();
    set_value(&mut lzw, 259, 5);
    assert!(expect_bad(&lzw, "LZW").contains("compression 5"));
    let mut gray = good.clone();
    set_value(&mut gray, 258, 8);
    expect_bad(&gray, "8-bit gray");

    let mut many_entries = good.clone();
    many_entries[ifd..ifd + 2].copy_from_slice(&u16::MAX.to_le_bytes());
    expect_bad(&many_entries, "entry count past the end");
}

#[test]
fn every_truncation_and_byte_flip_is_survived() {
    let good = small_tiff();
    for len in (0..good.len()).step_by(7) {
        let _ = tiff::read_tiff(&good[..len], "cut");
    }
    // Corrupt the IFD and header bytes one at a time; decode what still parses.
    let ifd = u32::from_le_bytes(good[4..8].try_into().unwrap()) as usize;
    let positions = (0..8).chain(ifd..good.len());
    for (i, pos) in positions.enumerate() {
        let mut bad = good.clone();
        bad[pos] ^= [0xFF, 0x01, 0x80, 0x7F][i % 4];
        if let Ok(pages) = tiff::read_tiff(&bad, "flip") {
            for page in pages {
                let _ = page.decode();
            }
        }
    }
}

#[test]
fn black_is_zero_pages_are_inverted_into_our_polarity() {
    let page = BilevelPage::test_pattern(1728, 200, Resolution::Fine, 9);
    let mut file = small_tiff();
    set_value(&mut file, 262, 1);
    let read = tiff::read_tiff(&file, "bz").unwrap();
    let decoded = read[0].decode().unwrap();
    assert_eq!(decoded.black_pixels(), 1728 * 200 - page.black_pixels());
    assert!(decoded.get(0, 0) && !page.get(0, 0));
}

#[test]
fn page_count_is_capped() {
    let tiny = TiffPage::from_page(&BilevelPage::blank(8, 1, Resolution::Fine), Compression::T6);
    let pages = vec![tiny; tiff::MAX_PAGES];
    let file = tiff::write_tiff(&pages, &TiffMeta::default());
    assert_eq!(
        tiff::read_tiff(&file, "max").unwrap().len(),
        tiff::MAX_PAGES
    );
    let mut pages = pages;
    pages.push(pages[0].clone());
    let file = tiff::write_tiff(&pages, &TiffMeta::default());
    assert!(expect_bad(&file, "too many pages").contains("5000"));
}
