//! ITU-T T.4 (MH, MR) and T.6 (MMR) compression of bilevel pages, done by
//! spandsp's codecs (`crate::spandsp::codec`).
//!
//! Code bytes here are MSB first: the first bit of the stream is the most
//! significant bit of the first byte. That is TIFF FillOrder 1 and what a
//! PDF `/CCITTFaxDecode` filter reads. spandsp itself works LSB first (the
//! order bits go down a modem line), so every byte is bit-reversed on the
//! way in and out.
//!
//! Streams are what a fax machine sends for one page:
//! - T.4 1D: an EOL before every row, RTC (6 × EOL) at the end, no fill bits;
//! - T.4 2D: EOL + tag bit before every row, a 1D row every K rows, RTC;
//! - T.6: no EOLs, EOFB at the end.

use crate::page::{BilevelPage, Resolution, MAX_ROWS, MAX_WIDTH};
use crate::spandsp::codec::{Coding, Decoder, Encoder};
use crate::Error;

/// A bilevel coding scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// T.4 one-dimensional: Modified Huffman (MH).
    T4OneD,
    /// T.4 two-dimensional: Modified READ (MR).
    T4TwoD,
    /// T.6: Modified Modified READ (MMR), used with ECM.
    T6,
}

impl Compression {
    /// Short human name, as used in logs and error messages.
    pub fn name(self) -> &'static str {
        match self {
            Compression::T4OneD => "T.4 1D (MH)",
            Compression::T4TwoD => "T.4 2D (MR)",
            Compression::T6 => "T.6 (MMR)",
        }
    }

    fn coding(self, resolution: Resolution) -> Coding {
        match self {
            Compression::T4OneD => Coding::T4OneD,
            Compression::T4TwoD => Coding::T4TwoD {
                k: k_parameter(resolution),
            },
            Compression::T6 => Coding::T6,
        }
    }
}

impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The T.4 K parameter (clause 4.2.1.3.1): at most K - 1 two-dimensional
/// rows follow each one-dimensional row. 2 at standard, 4 at fine, and
/// proportionally more at higher vertical resolutions.
pub fn k_parameter(resolution: Resolution) -> u32 {
    match resolution.y_dpi() {
        0..=150 => 2,
        151..=250 => 4,
        251..=350 => 6,
        _ => 8,
    }
}

/// Compress a page. The result is MSB first and self-terminating (RTC for
/// T.4, EOFB for T.6). A page without pixels gives just the terminator.
///
/// # Panics
/// For a page wider than [`MAX_WIDTH`] (spandsp keeps a row on the C
/// stack), or if spandsp cannot allocate its encoder.
pub fn encode(page: &BilevelPage, c: Compression) -> Vec<u8> {
    if c == Compression::T6 && page.width <= MAX_WIDTH {
        // Our own T.6 encoder (word-at-a-time run finding): the same code
        // as spandsp's, in a fraction of its time on photo pages.
        return crate::t6::encode(page);
    }
    encode_with_spandsp(page, c)
}

/// [`encode`] by spandsp's encoders, for every scheme (the T.6 tests
/// compare our encoder's output with it).
pub(crate) fn encode_with_spandsp(page: &BilevelPage, c: Compression) -> Vec<u8> {
    let stride = page.stride();
    // Rows that the buffer actually holds, in case a caller changed `rows`.
    let rows = page
        .data()
        .len()
        .checked_div(stride)
        .map_or(0, |held| held.min(page.rows as usize));
    let data = &page.data()[..rows * stride];
    let mut encoder = Encoder::new(data, page.width.max(1), c.coding(page.resolution))
        .unwrap_or_else(|e| panic!("{e}"));
    // Typical fax pages compress 10-20 times; start at a tenth.
    let mut out = Vec::with_capacity(data.len() / 10 + 64);
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = encoder.get(&mut chunk);
        out.extend_from_slice(&chunk[..n]);
        if n < chunk.len() {
            break;
        }
    }
    reverse_bits(&mut out);
    out
}

/// A decoded page and how damaged its code stream was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub page: BilevelPage,
    /// Rows that did not decode to the page width and were replaced by a
    /// copy of the row above (what spandsp reports as bad rows).
    pub bad_rows: u32,
    /// The longest run of consecutive bad rows.
    pub longest_bad_run: u32,
}

/// Decompress one page of `width` pixels (MSB-first code bytes). Decoding
/// stops at the RTC/EOFB or at the end of the data; a stream that just stops
/// is accepted (its last partial row counts as bad). More than
/// [`MAX_ROWS`] rows, or no rows at all, is an error, and so is a width
/// that is not a multiple of 8 (which no fax uses; see the source).
pub fn decode(
    data: &[u8],
    c: Compression,
    width: u32,
    resolution: Resolution,
) -> Result<Decoded, Error> {
    let (decoded, overflow) = decode_at_most(data, c, width, resolution, MAX_ROWS)?;
    if overflow {
        return Err(Error::BadImageData {
            compression: c.name(),
            reason: format!("more than {MAX_ROWS} rows"),
        });
    }
    Ok(decoded)
}

/// Like [`decode`], but keeps at most `max_rows` rows and ignores the rest
/// of the stream (the flag says whether there was more). For TIFF strips,
/// whose length is known.
pub fn decode_at_most(
    data: &[u8],
    c: Compression,
    width: u32,
    resolution: Resolution,
    max_rows: u32,
) -> Result<(Decoded, bool), Error> {
    let bad = |reason: String| Error::BadImageData {
        compression: c.name(),
        reason,
    };
    if width == 0 || width > MAX_WIDTH {
        return Err(bad(format!("width {width} outside 1..={MAX_WIDTH}")));
    }
    if width & 7 != 0 {
        // spandsp's decoder packs rows as one continuous bit stream, so a
        // row that does not end on a byte boundary bleeds into the next.
        // Every T.4 page width is a multiple of 8; the encoder has no such limit.
        return Err(Error::UnsupportedPage(format!(
            "cannot decode {} rows {width} pixels wide (not a multiple of 8)",
            c.name()
        )));
    }
    let mut decoder = Decoder::new(c.coding(resolution), width, max_rows.min(MAX_ROWS))?;
    let mut buf = [0u8; 4096];
    let mut done = false;
    for chunk in data.chunks(buf.len()) {
        let buf = &mut buf[..chunk.len()];
        buf.copy_from_slice(chunk);
        reverse_bits(buf);
        if decoder.put(buf) {
            done = true;
            break;
        }
    }
    if !done && c != Compression::T6 {
        // A T.4 row only ends at the next EOL: close a stream that stops
        // without its RTC (TIFF strips usually do) with a synthetic one.
        decoder.put_bits(&synthetic_rtc(c));
    }
    let result = decoder.finish();
    if result.rows == 0 {
        return Err(bad("no image rows found".into()));
    }
    let page = BilevelPage::from_packed(width, result.rows, resolution, result.data)?;
    let decoded = Decoded {
        page,
        bad_rows: result.bad_rows,
        longest_bad_run: result.longest_bad_run,
    };
    Ok((decoded, result.overflow))
}

/// Six EOLs (each with a "1D follows" tag bit in T.4 2D), as single bits.
fn synthetic_rtc(c: Compression) -> Vec<u8> {
    let mut eol = vec![0u8; 11];
    eol.push(1);
    if c == Compression::T4TwoD {
        eol.push(1);
    }
    eol.repeat(6)
}

/// Reverse the bit order of every byte (FillOrder 1 <-> 2).
pub(crate) fn reverse_bits(bytes: &mut [u8]) {
    for b in bytes {
        *b = b.reverse_bits();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Compression; 3] = [Compression::T4OneD, Compression::T4TwoD, Compression::T6];

    #[test]
    fn round_trip_is_pixel_exact() {
        for (res, rows) in [(Resolution::Fine, 2292), (Resolution::Standard, 1146)] {
            let page = BilevelPage::test_pattern(1728, rows, res, 42);
            for c in ALL {
                let code = encode(&page, c);
                assert!(
                    code.len() < page.data().len() / 4,
                    "{c}: {} bytes",
                    code.len()
                );
                let d = decode(&code, c, 1728, res).unwrap();
                assert_eq!(d.bad_rows, 0, "{c}");
                assert!(d.page == page, "{c} at {res:?} differs");
            }
        }
    }

    #[test]
    fn other_widths_and_tiny_pages_round_trip() {
        for width in [8, 16, 864, 1216, 2048, 2432, 3456, 4864] {
            let mut page = BilevelPage::test_pattern(width, 37, Resolution::Superfine, 3);
            page.set(width - 1, 0, true);
            for c in ALL {
                let d = decode(&encode(&page, c), c, width, Resolution::Superfine).unwrap();
                assert!(d.page == page, "{c} width {width}");
            }
        }
        let white = BilevelPage::blank(1728, 1, Resolution::Fine);
        for c in ALL {
            assert_eq!(
                decode(&encode(&white, c), c, 1728, Resolution::Fine)
                    .unwrap()
                    .page,
                white
            );
        }
    }

    #[test]
    fn t4_stream_without_rtc_still_gives_its_last_row() {
        let page = BilevelPage::test_pattern(1728, 50, Resolution::Fine, 9);
        for c in [Compression::T4OneD, Compression::T4TwoD] {
            let code = encode(&page, c);
            // Cut the RTC (6 × 12 or 13 bits) and the fill after it.
            let cut = &code[..code.len() - 11];
            let d = decode(cut, c, 1728, Resolution::Fine).unwrap();
            assert_eq!(d.page.rows, 50, "{c}");
            assert!(d.page == page, "{c}");
        }
    }

    #[test]
    fn bit_errors_are_survived_and_counted() {
        let page = BilevelPage::test_pattern(1728, 400, Resolution::Fine, 5);
        for c in [Compression::T4OneD, Compression::T4TwoD] {
            let mut code = encode(&page, c);
            let mid = code.len() / 2;
            for b in &mut code[mid..mid + 40] {
                *b ^= 0x5A;
            }
            let d = decode(&code, c, 1728, Resolution::Fine).unwrap();
            // An MR row hit by errors may still add up to the width, so
            // only MH is sure to report bad rows; both must show damage.
            assert!(d.page != page, "{c}");
            assert!(d.longest_bad_run <= d.bad_rows, "{c}");
            if c == Compression::T4OneD {
                assert!(d.bad_rows > 0 && d.longest_bad_run > 0, "{c}");
            }
        }
    }

    #[test]
    #[should_panic(expected = "cannot encode rows 10008 pixels wide")]
    fn encoder_refuses_rows_wider_than_the_cap() {
        encode(
            &BilevelPage::blank(10_008, 1, Resolution::Fine),
            Compression::T6,
        );
    }

    #[test]
    fn widths_not_a_multiple_of_8_are_refused_by_the_decoder() {
        let page = BilevelPage::test_pattern(1727, 20, Resolution::Fine, 1);
        let code = encode(&page, Compression::T6);
        assert!(matches!(
            decode(&code, Compression::T6, 1727, Resolution::Fine),
            Err(Error::UnsupportedPage(_))
        ));
    }

    #[test]
    fn garbage_never_panics() {
        let mut state = 0x1234_5678_9ABC_DEF0u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..300 {
            let len = (next() % 3000) as usize;
            let data: Vec<u8> = match round % 3 {
                0 => (0..len).map(|_| next() as u8).collect(),
                1 => vec![0xFF; len],
                _ => (0..len)
                    .map(|_| if next() % 4 == 0 { 0 } else { next() as u8 })
                    .collect(),
            };
            let width = [8u32, 16, 1728, 2048, 10_000][round % 5];
            for c in ALL {
                match decode(&data, c, width, Resolution::Fine) {
                    Ok(d) => assert!(d.page.rows >= 1 && d.page.width == width),
                    Err(Error::BadImageData { .. }) => {}
                    Err(e) => panic!("unexpected error {e}"),
                }
            }
        }
        assert!(decode(&[], Compression::T6, 1728, Resolution::Fine).is_err());
        assert!(decode(&[1, 2, 3], Compression::T6, 0, Resolution::Fine).is_err());
        assert!(decode(&[1, 2, 3], Compression::T6, 10_001, Resolution::Fine).is_err());
    }

    #[test]
    fn row_cap_stops_endless_t6_streams() {
        // 0xFF is eight V0 codes: eight white rows per byte.
        let data = vec![0xFF; (MAX_ROWS as usize) / 8 + 100];
        assert!(decode(&data, Compression::T6, 1728, Resolution::Fine).is_err());
        let (d, more) = decode_at_most(&data, Compression::T6, 1728, Resolution::Fine, 10).unwrap();
        assert!(more);
        assert_eq!(d.page.rows, 10);
    }
}
