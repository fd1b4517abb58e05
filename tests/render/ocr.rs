//! OCR of fax pages with tesseract, and word accuracy against the words we
//! put in. Shared by the render tests (`#[path]`-included).
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use fax_t30::page::BilevelPage;

/// A band of rows of `page` as an 8-bit PGM with a white border, rows
/// doubled at standard resolution so the pixels are about square, scaled
/// up `zoom` times (tesseract likes letters 20–40 pixels tall).
pub fn write_pgm(page: &BilevelPage, rows: std::ops::Range<u32>, zoom: u32, path: &Path) {
    let ydup = if page.resolution.y_dpi() < 150 { 2 } else { 1 };
    let border = 20 * zoom;
    let w = page.width * zoom + 2 * border;
    let rows = rows.start.min(page.rows)..rows.end.min(page.rows);
    let h = (rows.end - rows.start) * ydup * zoom + 2 * border;
    let mut out = format!("P5\n{w} {h}\n255\n").into_bytes();
    let white_row = vec![255u8; w as usize];
    for _ in 0..border {
        out.extend_from_slice(&white_row);
    }
    for y in rows {
        let mut line = Vec::with_capacity(w as usize);
        line.extend(std::iter::repeat_n(255u8, border as usize));
        for x in 0..page.width {
            let v = if page.get(x, y) { 0 } else { 255 };
            line.extend(std::iter::repeat_n(v, zoom as usize));
        }
        line.extend(std::iter::repeat_n(255u8, border as usize));
        for _ in 0..ydup * zoom {
            out.extend_from_slice(&line);
        }
    }
    for _ in 0..border {
        out.extend_from_slice(&white_row);
    }
    std::fs::write(path, out).expect("write PGM");
}

/// tesseract's text of an image file (`psm` = page segmentation mode),
/// read as characters of `charset` only when one is given (a bitmap font
/// whose '7' tesseract otherwise reads as '?').
pub fn tesseract(image: &Path, psm: u32, dpi: u32, charset: Option<&str>) -> String {
    let mut cmd = Command::new("tesseract");
    cmd.arg(image).arg("stdout").args([
        "--psm",
        &psm.to_string(),
        "--dpi",
        &dpi.to_string(),
        "-l",
        "eng",
    ]);
    if let Some(chars) = charset {
        cmd.arg("-c")
            .arg(format!("tessedit_char_whitelist={chars}"));
    }
    let out = cmd
        .output()
        .expect("tesseract (scripts/setup.sh --test installs tesseract-ocr)");
    assert!(
        out.status.success(),
        "tesseract failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// OCR a whole page (fine: 196 lines per inch; zoom 2 for 10-pt text).
pub fn ocr_page(page: &BilevelPage, scratch: &Path, tag: &str) -> String {
    let path = scratch.join(format!("{tag}.pgm"));
    write_pgm(page, 0..page.rows, 2, &path);
    tesseract(&path, 3, 2 * u32::from(page.resolution.x_dpi()), None)
}

/// Words of a text for comparison: letters and digits (umlauts kept),
/// lower case; punctuation dropped.
pub fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Share of `expected` words found in `ocr` (each OCR word used once).
pub fn word_accuracy(expected: &str, ocr: &str) -> (usize, usize, f64) {
    let want = words(expected);
    let mut got = words(ocr);
    let mut found = 0;
    for w in &want {
        if let Some(i) = got.iter().position(|g| g == w) {
            got.swap_remove(i);
            found += 1;
        }
    }
    let acc = if want.is_empty() {
        1.0
    } else {
        found as f64 / want.len() as f64
    };
    (found, want.len(), acc)
}
