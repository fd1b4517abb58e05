//! The page model and the T.4/T.6 codec through the public API, checked
//! against itself and against libtiff's own CCITT coder (`tiffcp`).

mod common;

use common::{differing_pixels, run};
use fax_t30::codec::{self, Compression};
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::tiff::{self, TiffMeta, TiffPage};
use fax_t30::Error;
use test_kit::Scratch;

const ALL: [Compression; 3] = [Compression::T4OneD, Compression::T4TwoD, Compression::T6];

fn full_page(paper: PaperSize, resolution: Resolution, seed: u64) -> BilevelPage {
    BilevelPage::test_pattern(paper.width(), paper.rows(resolution), resolution, seed)
}

#[test]
fn full_pages_round_trip_pixel_exact_at_every_resolution() {
    for (paper, resolution) in [
        (PaperSize::A4, Resolution::Standard),
        (PaperSize::A4, Resolution::Fine),
        (PaperSize::Letter, Resolution::Superfine),
        (PaperSize::B4, Resolution::Fine),
    ] {
        let page = full_page(paper, resolution, 11);
        for c in ALL {
            let code = codec::encode(&page, c);
            let d = codec::decode(&code, c, page.width, resolution).unwrap();
            assert_eq!(d.bad_rows, 0);
            assert_eq!(
                differing_pixels(&d.page, &page),
                0,
                "{c} {paper:?} {resolution:?}"
            );
            assert_eq!(d.page.resolution, resolution);
        }
    }
}

#[test]
fn compression_ratios_are_those_of_a_typed_page() {
    let page = full_page(PaperSize::A4, Resolution::Fine, 3);
    let raw = page.data().len();
    let sizes: Vec<usize> = ALL.iter().map(|&c| codec::encode(&page, c).len()).collect();
    // MH > MR > MMR, and even MH beats the raw bitmap several times over.
    assert!(sizes[0] > sizes[1] && sizes[1] > sizes[2], "{sizes:?}");
    assert!(sizes[0] * 4 < raw, "MH {} of {raw}", sizes[0]);
    assert!(sizes[2] * 10 < raw, "MMR {} of {raw}", sizes[2]);
}

#[test]
fn t4_streams_start_with_eol_and_end_with_rtc() {
    let page = BilevelPage::test_pattern(1728, 30, Resolution::Fine, 1);
    // MSB first: EOL = 0000 0000 0001, so the first byte is 0.
    let mh = codec::encode(&page, Compression::T4OneD);
    assert_eq!(mh[0], 0x00);
    assert_eq!(mh[1] & 0xF0, 0x10);
    let mr = codec::encode(&page, Compression::T4TwoD);
    assert_eq!(mr[1] & 0xF8, 0x18, "EOL + tag 1 (1D row) first");
    // T.6: no leading EOL, EOFB (two EOLs) at the end.
    let mmr = codec::encode(&page, Compression::T6);
    assert_ne!(mmr[0], 0x00);
    let bits: String = mmr.iter().map(|b| format!("{b:08b}")).collect();
    let eofb = "000000000001000000000001";
    // ... followed by at most 7 one bits of padding.
    let tail = bits.trim_end_matches('1');
    assert!(
        bits.len() - tail.len() <= 8 && format!("{tail}1").ends_with(eofb),
        "EOFB at the end"
    );
}

#[test]
fn blank_and_black_pages_round_trip() {
    let white = BilevelPage::blank(1728, 500, Resolution::Fine);
    let mut black = white.clone();
    black.fill_rect(0, 0, 1728, 500);
    assert_eq!(black.black_pixels(), 1728 * 500);
    for page in [&white, &black] {
        for c in ALL {
            let d = codec::decode(&codec::encode(page, c), c, 1728, Resolution::Fine).unwrap();
            assert_eq!(&d.page, page, "{c}");
        }
    }
}

#[test]
fn truncated_streams_decode_what_arrived() {
    let page = full_page(PaperSize::A4, Resolution::Fine, 4);
    for c in ALL {
        let code = codec::encode(&page, c);
        let d = codec::decode(&code[..code.len() / 2], c, 1728, Resolution::Fine).unwrap();
        assert!(
            d.page.rows > 500 && d.page.rows < page.rows,
            "{c}: {} rows",
            d.page.rows
        );
        // The rows that did arrive are right, but for the last one.
        let head = d.page.rows - 1;
        for y in 0..head {
            assert_eq!(d.page.row(y), page.row(y), "{c} row {y}");
        }
    }
}

#[test]
fn random_bytes_are_refused_or_decoded_never_panic() {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for round in 0..200 {
        let len = 1 + round * 37 % 5000;
        let data: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        for c in ALL {
            match codec::decode(&data, c, 1728, Resolution::Standard) {
                Ok(d) => assert_eq!(d.page.width, 1728),
                Err(Error::BadImageData { compression, .. }) => assert_eq!(compression, c.name()),
                Err(e) => panic!("{e}"),
            }
        }
    }
}

/// libtiff re-encodes our page in every CCITT variant it has (1D, 2D,
/// fill bits, T.6, LSB-first bit order, big-endian, many strips); our
/// reader and spandsp's decoder must give back the same bitmap each time.
#[test]
fn libtiff_encodings_of_our_pages_decode_to_the_same_bitmap() {
    let dir = Scratch::new("libtiff-variants");
    let source = [
        full_page(PaperSize::A4, Resolution::Fine, 21),
        full_page(PaperSize::Letter, Resolution::Standard, 22),
    ];
    let src = dir.arg("src.tif");
    let pages: Vec<TiffPage> = source
        .iter()
        .map(|p| TiffPage::from_page(p, Compression::T6))
        .collect();
    tiff::write_tiff_file(&src, &pages, &TiffMeta::default()).unwrap();

    let variants: &[&[&str]] = &[
        &["-c", "g3:1d"],
        &["-c", "g3:2d"],
        &["-c", "g3:1d:fill"],
        &["-c", "g3:2d:fill", "-f", "lsb2msb"],
        &["-c", "g4"],
        &["-c", "g4", "-f", "lsb2msb", "-B"],
        &["-c", "g4", "-r", "100"],
        &["-c", "g3:2d", "-r", "64", "-B"],
        &["-c", "none"],
        &["-c", "none", "-f", "lsb2msb", "-r", "7"],
        &["-c", "packbits"],
    ];
    for (i, variant) in variants.iter().enumerate() {
        let out = dir.arg(&format!("v{i}.tif"));
        run(
            "tiffcp",
            &[*variant, &[src.as_str(), out.as_str()]].concat(),
        );
        let read = tiff::read_tiff_file(&out).unwrap_or_else(|e| panic!("{variant:?}: {e}"));
        assert_eq!(read.len(), source.len(), "{variant:?}");
        for (page, original) in read.iter().zip(&source) {
            let decoded = page.decode().unwrap_or_else(|e| panic!("{variant:?}: {e}"));
            assert_eq!(decoded.resolution, original.resolution, "{variant:?}");
            assert_eq!(differing_pixels(&decoded, original), 0, "{variant:?}");
        }
    }
}
