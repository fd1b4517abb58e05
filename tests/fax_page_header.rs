//! The header line on every sent page (issue 5): spandsp prints the date
//! and time, we give it the sender's text and the page number out of the
//! total. A call across the line test bench (`ums fax-loop`); the received pages are
//! read by tesseract, not by us.

#[path = "render/ocr.rs"]
mod ocr;

use std::process::Command;

use fax_t30::page::{PaperSize, Resolution};
use fax_t30::{FaxOptions, PageSource};
use gateway::faxloop::{run_simulated, CallSetup};
use kernel::render::{render_text, Font, PageSetup};
use test_kit::Scratch;

fn send_two_pages(name: &str, res: Resolution) -> Vec<fax_t30::page::BilevelPage> {
    let dir = Scratch::new(name);
    let font = Font::system_default().expect("DejaVu (scripts/setup.sh)");
    let setup = PageSetup::new(PaperSize::A4, res);
    let pages = render_text(
        "First page of the offer.\u{c}Second page of the offer.",
        &setup,
        &font,
        12.0,
    )
    .unwrap();
    assert_eq!(pages.len(), 2);
    let tx_opts = FaxOptions {
        ident: "+49 30 1234567".into(),
        header: Some("ACME GmbH Berlin".into()),
        header_tz: Some("UTC0".into()),
        ..FaxOptions::default()
    };
    let rx_opts = FaxOptions {
        calling_party: false,
        ident: "RECEIVER".into(),
        ..FaxOptions::default()
    };
    // Across the line test bench (two loopback lines, the one fax pump
    // on each), as `ums fax-loop` sends.
    let rx_file = dir.join("rx.tif");
    let mut setup = CallSetup::new(
        PageSource::Pages {
            pages,
            spool: dir.join("tx.tif"),
        },
        rx_file.clone(),
    );
    setup.sender = tx_opts;
    setup.receiver = rx_opts;
    let report = run_simulated(setup).expect("the bench call runs");
    let out = report.sender.expect("sender finished");
    assert!(out.success, "{}", out.summary());
    fax_t30::tiff::read_tiff_file(&rx_file)
        .unwrap()
        .iter()
        .map(|p| p.decode().unwrap())
        .collect()
}

const HEADER_CHARS: &str = "0123456789-:/ ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn today_utc() -> String {
    let out = Command::new("date")
        .args(["-u", "+%-d-%b"])
        .output()
        .expect("date");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// One character for each group of glyphs that tesseract confuses in
/// spandsp's header font.
fn fold_lookalikes(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '6' | 'O' | 'G' => '0',
            'B' => '8',
            'I' | 'l' => '1',
            'S' => '5',
            'Z' => '2',
            c => c,
        })
        .collect()
}

/// The header band at one pixel per font pixel of spandsp's 16 x 16 font
/// (it doubles columns, and rows at fine): how tesseract reads it best.
fn header_pgm(page: &fax_t30::page::BilevelPage, path: &std::path::Path) {
    let ystep = if page.resolution == Resolution::Fine {
        2
    } else {
        1
    };
    let (w, h) = (page.width / 2, 16);
    let border = 10;
    let (pw, ph) = (w + 2 * border, h + 2 * border);
    let mut out = format!("P5\n{pw} {ph}\n255\n").into_bytes();
    for y in 0..ph {
        for x in 0..pw {
            let inside = (border..border + w).contains(&x) && (border..border + h).contains(&y);
            let black = inside && page.get((x - border) * 2, (y - border) * ystep);
            out.push(if black { 0 } else { 255 });
        }
    }
    std::fs::write(path, out).unwrap();
}

fn check_headers(name: &str, res: Resolution) {
    let got = send_two_pages(name, res);
    assert_eq!(got.len(), 2);
    let dir = Scratch::new(&format!("{name}-ocr"));
    let month_year = today_utc();
    for (i, page) in got.iter().enumerate() {
        let pgm = dir.join(format!("header-{i}.pgm"));
        header_pgm(page, &pgm);
        // A header holds digits, letters, '-', ':', '/' and blanks only.
        let text = ocr::tesseract(&pgm, 7, 100, Some(HEADER_CHARS));
        eprintln!("page {}: header OCR: {text:?}", i + 1);
        let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        // spandsp's font draws '/' as a flat diagonal that tesseract reads
        // as '-': accept either, the digits are what must be right.
        let n = i + 1;
        assert!(
            squeezed.contains(&format!("{n}/2")) || squeezed.contains(&format!("{n}-2")),
            "page number {n}/2 not in {text:?}"
        );
        assert!(
            !squeezed.contains(&format!("{}/2", 3 - n))
                && !squeezed.contains(&format!("{}-2", 3 - n)),
            "the other page's number in {text:?}"
        );
        assert!(
            text.contains("ACME GmbH Berlin"),
            "sender text not in {text:?}"
        );
        // Day and month. Tesseract misreads some glyphs of spandsp's
        // bitmap font (its slashed 0 as 6, its 8 as B: "8-Dec-2026 01:24"
        // came back as "B-Dec-2026 61:24"), so both sides are compared with
        // those look-alikes folded together; a wrong day or month still
        // differs. The year is not compared.
        assert!(
            fold_lookalikes(&squeezed).contains(&fold_lookalikes(&month_year)),
            "{month_year} not in {text:?}"
        );
        assert!(text.contains(':'), "no time in {text:?}");
        // The body is still there below the header.
        let body = ocr::ocr_page(page, &dir, &format!("page-{i}"));
        let want = if i == 0 { "First page" } else { "Second page" };
        assert!(body.contains(want), "{want:?} not in {body:?}");
    }
}

#[test]
fn every_fine_page_carries_sender_date_and_page_of_pages() {
    check_headers("mailrender-header-fine", Resolution::Fine);
}

#[test]
fn every_standard_page_carries_sender_date_and_page_of_pages() {
    check_headers("mailrender-header-standard", Resolution::Standard);
}
