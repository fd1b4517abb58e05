//! PDF 1.4 documents from fax pages, one page per fax page, each page an
//! image XObject that carries the page's T.4/T.6 code stream unchanged
//! under `/CCITTFaxDecode` (ISO 32000-1 §7.4.6, Table 11).
//!
//! Polarity: `/BlackIs1 false` (the default) makes the filter output 0 for
//! the black runs of the code stream, and 0 is black in a 1-bit
//! `/DeviceGray` image. So the CCITT "black" runs, which are our 1 bits
//! (WhiteIsZero), render black without a `/Decode` array.
//!
//! The page size comes from the scan resolution, so a standard-resolution
//! page (204 × 98 dpi) is as tall as a fine one with half the rows.

use std::fmt::Write as _;
use std::path::Path;

use crate::codec::Compression;
use crate::tiff::{self, TiffPage};
use crate::Error;

/// Document information (the `/Info` dictionary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfMeta {
    pub title: Option<String>,
    pub author: Option<String>,
    pub subject: Option<String>,
    /// `/Producer`; defaults to `ums fax-t30 <version>`.
    pub producer: Option<String>,
    /// `/CreationDate` as a PDF date (`D:YYYYMMDDHHmmSS` with optional
    /// `Z` or `+hh'mm'`; the `D:` may be left out). Given by the caller:
    /// the page model reads no clock. Left out if malformed.
    pub creation_date: Option<String>,
}

impl Default for PdfMeta {
    fn default() -> PdfMeta {
        PdfMeta {
            title: None,
            author: None,
            subject: None,
            producer: Some(concat!("ums fax-t30 ", env!("CARGO_PKG_VERSION")).to_string()),
            creation_date: None,
        }
    }
}

/// Builds the file body and remembers where each object starts.
struct Writer {
    out: Vec<u8>,
    /// Byte offset of object `n` at index `n - 1`.
    offsets: Vec<usize>,
}

impl Writer {
    fn begin(&mut self, id: usize) {
        debug_assert_eq!(self.offsets[id - 1], 0, "object {id} written twice");
        self.offsets[id - 1] = self.out.len();
        self.text(&format!("{id} 0 obj\n"));
    }

    fn text(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    fn object(&mut self, id: usize, body: &str) {
        self.begin(id);
        self.text(body);
        self.text("\nendobj\n");
    }

    fn stream(&mut self, id: usize, dict: &str, data: &[u8]) {
        self.begin(id);
        self.text(&format!("<< {dict} /Length {} >>\nstream\n", data.len()));
        self.out.extend_from_slice(data);
        self.text("\nendstream\nendobj\n");
    }
}

/// A PDF with one page per fax page. The code streams are embedded as
/// they are; `/DecodeParms` describe them as [`crate::codec`] makes them
/// (T.4 with an EOL before each row, fill bits before EOLs tolerated).
pub fn pdf_from_pages(pages: &[TiffPage], meta: &PdfMeta) -> Vec<u8> {
    // Objects: 1 catalog, 2 page tree, 3 info, then per page: page,
    // content stream, image.
    const CATALOG: usize = 1;
    const PAGES: usize = 2;
    const INFO: usize = 3;
    let page_id = |i: usize| 4 + 3 * i;
    let object_count = 3 + 3 * pages.len();

    let mut w = Writer {
        out: Vec::with_capacity(1024 + pages.iter().map(|p| p.data.len() + 600).sum::<usize>()),
        offsets: vec![0; object_count],
    };
    // The binary comment line tells transfer tools the file is not text.
    w.out.extend_from_slice(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");

    w.object(CATALOG, &format!("<< /Type /Catalog /Pages {PAGES} 0 R >>"));
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", page_id(i)))
        .collect();
    w.object(
        PAGES,
        &format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        ),
    );
    w.object(INFO, &info_dictionary(meta));

    for (i, page) in pages.iter().enumerate() {
        let (id, content_id, image_id) = (page_id(i), page_id(i) + 1, page_id(i) + 2);
        let (width_pt, height_pt) = page_size_points(page);
        let (wp, hp) = (points(width_pt), points(height_pt));
        w.object(
            id,
            &format!(
                "<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {wp} {hp}] \
                 /Resources << /XObject << /Im0 {image_id} 0 R >> >> /Contents {content_id} 0 R >>"
            ),
        );
        let content = format!("q\n{wp} 0 0 {hp} 0 0 cm\n/Im0 Do\nQ\n");
        w.stream(content_id, "", content.as_bytes());
        let image_dict = format!(
            "/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray \
             /BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms {parms}",
            w = page.width,
            h = page.rows,
            parms = decode_parms(page),
        );
        w.stream(image_id, &image_dict, &page.data);
    }

    let xref = w.out.len();
    let mut tail = format!("xref\n0 {}\n0000000000 65535 f\r\n", object_count + 1);
    for offset in &w.offsets {
        // Each entry is exactly 20 bytes, "\r\n" included (§7.5.4).
        let _ = write!(tail, "{offset:010} 00000 n\r\n");
    }
    let _ = write!(
        tail,
        "trailer\n<< /Size {} /Root {CATALOG} 0 R /Info {INFO} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        object_count + 1
    );
    w.text(&tail);
    w.out
}

/// Write a PDF atomically (temporary file, fsync, rename).
pub fn pdf_file(path: impl AsRef<Path>, pages: &[TiffPage], meta: &PdfMeta) -> Result<(), Error> {
    tiff::write_atomically(path.as_ref(), &pdf_from_pages(pages, meta))
}

/// Page width and height in points (1/72 inch) from pixels and dpi.
pub fn page_size_points(page: &TiffPage) -> (f64, f64) {
    let dpi = |v: f32, fallback: f64| {
        let v = f64::from(v);
        if v.is_finite() && v >= 1.0 {
            v
        } else {
            fallback
        }
    };
    (
        f64::from(page.width) * 72.0 / dpi(page.x_dpi, 204.0),
        f64::from(page.rows) * 72.0 / dpi(page.y_dpi, 196.0),
    )
}

/// The `/DecodeParms` dictionary for one page's code stream.
fn decode_parms(page: &TiffPage) -> String {
    let (k, eol) = match page.compression {
        Compression::T4OneD => (0, true),
        Compression::T4TwoD => (1, true),
        Compression::T6 => (-1, false),
    };
    format!(
        "<< /K {k} /Columns {} /Rows {} /EndOfLine {eol} /EncodedByteAlign false \
         /EndOfBlock true /BlackIs1 false >>",
        page.width, page.rows
    )
}

/// A page dimension, rounded *down* to 1/1000 pt (0.35 µm). Rounding up,
/// or an exact value that floating point nudges up, makes renderers that
/// take the ceiling (poppler) give the page one extra device row at the
/// scan resolution, and then resample the whole image.
fn points(v: f64) -> String {
    number((v * 1000.0 - 1e-6).floor() / 1000.0)
}

/// A real number as PDF wants it: no exponent, at most 3 decimals.
fn number(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

fn info_dictionary(meta: &PdfMeta) -> String {
    let mut d = String::from("<<");
    for (key, value) in [
        ("Title", &meta.title),
        ("Author", &meta.author),
        ("Subject", &meta.subject),
        ("Producer", &meta.producer),
    ] {
        if let Some(v) = value {
            let _ = write!(d, " /{key} {}", text_string(v));
        }
    }
    if let Some(date) = meta.creation_date.as_deref().and_then(pdf_date) {
        let _ = write!(d, " /CreationDate ({date})");
    }
    d.push_str(" >>");
    d
}

/// A text string (§7.9.2.2): a literal for printable ASCII, else UTF-16BE
/// with a byte-order mark in hex.
fn text_string(s: &str) -> String {
    if s.bytes().all(|b| (0x20..0x7F).contains(&b)) {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('(');
        for c in s.chars() {
            if matches!(c, '(' | ')' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push(')');
        out
    } else {
        let mut out = String::from("<FEFF");
        for unit in s.encode_utf16() {
            let _ = write!(out, "{unit:04X}");
        }
        out.push('>');
        out
    }
}

/// `D:YYYYMMDDHHmmSS...` checked loosely: digits, then an optional zone.
fn pdf_date(date: &str) -> Option<String> {
    let body = date.strip_prefix("D:").unwrap_or(date);
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    let zone = &body[digits..];
    let zone_ok = zone.is_empty()
        || zone == "Z"
        || (zone.len() <= 7
            && matches!(zone.as_bytes()[0], b'+' | b'-')
            && zone[1..].bytes().all(|b| b.is_ascii_digit() || b == b'\''));
    ((4..=14).contains(&digits) && digits % 2 == 0 && zone_ok).then(|| format!("D:{body}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::{BilevelPage, Resolution};

    fn pages() -> Vec<TiffPage> {
        [
            (Resolution::Fine, 200, Compression::T6),
            (Resolution::Standard, 100, Compression::T4TwoD),
        ]
        .into_iter()
        .map(|(r, rows, c)| TiffPage::from_page(&BilevelPage::test_pattern(1728, rows, r, 1), c))
        .collect()
    }

    #[test]
    fn xref_offsets_point_at_their_objects() {
        let pdf = pdf_from_pages(&pages(), &PdfMeta::default());
        let tail_at = pdf.windows(10).rposition(|w| w == b"startxref\n").unwrap();
        let tail = std::str::from_utf8(&pdf[tail_at..]).unwrap();
        let startxref: usize = tail.lines().nth(1).unwrap().parse().unwrap();
        assert!(tail.ends_with("%%EOF\n"));
        let table = std::str::from_utf8(&pdf[startxref..tail_at]).unwrap();
        assert!(table.starts_with("xref\n0 10\n0000000000 65535 f\r\n"));
        let entries: Vec<&str> = table.split("\r\n").skip(1).take(9).collect();
        for (n, entry) in entries.iter().enumerate() {
            assert_eq!(entry.len(), 18, "entry {entry:?}");
            let offset: usize = entry[..10].parse().unwrap();
            let header = format!("{} 0 obj", n + 1);
            assert!(
                pdf[offset..].starts_with(header.as_bytes()),
                "object {}",
                n + 1
            );
        }
    }

    #[test]
    fn standard_and_fine_pages_have_the_same_height() {
        let p = pages();
        let (w0, h0) = page_size_points(&p[0]);
        let (w1, h1) = page_size_points(&p[1]);
        assert!((w0 - 1728.0 * 72.0 / 204.0).abs() < 1e-9 && (w0 - w1).abs() < 1e-9);
        assert!((h0 - 200.0 * 72.0 / 196.0).abs() < 1e-9 && (h0 - h1).abs() < 1e-9);
    }

    #[test]
    fn code_streams_are_embedded_unchanged() {
        let p = pages();
        let pdf = pdf_from_pages(&p, &PdfMeta::default());
        for page in &p {
            assert!(pdf
                .windows(page.data.len())
                .any(|w| w == page.data.as_slice()));
        }
    }

    #[test]
    fn info_strings_are_escaped_and_dates_checked() {
        assert_eq!(text_string("a(b)\\"), "(a\\(b\\)\\\\)");
        assert_eq!(text_string("Ä"), "<FEFF00C4>");
        assert_eq!(
            pdf_date("20250102030405Z").as_deref(),
            Some("D:20250102030405Z")
        );
        assert_eq!(
            pdf_date("D:20250102+01'00'").as_deref(),
            Some("D:20250102+01'00'")
        );
        assert_eq!(pdf_date("yesterday"), None);
        assert_eq!(pdf_date("2025) /Evil"), None);
        assert_eq!(number(609.882352), "609.882");
        assert_eq!(number(72.0), "72");
        assert_eq!(points(792.0), "791.999");
        assert_eq!(points(609.882352), "609.882");
        assert_eq!(points(789.79591), "789.795");
    }
}
