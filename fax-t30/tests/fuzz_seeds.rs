//! Replays the seed corpora of the fax fuzz targets (fuzz/corpus/tiff, t4
//! and t6, written by fuzz/make_fax_corpus.py) through the targets' own
//! checks on a stable toolchain, pins which seeds are refused and with
//! what reason, and runs random mutations of them through the same checks.

#[allow(dead_code)]
#[path = "../../fuzz/fuzz_targets/fax_checks.rs"]
mod fax_checks;

use fax_t30::codec::{self, Compression};
use fax_t30::tiff;
use fax_t30::Error;
use test_kit::fuzz::{mutate_seeds, rounds, seeds};

#[test]
fn tiff_seeds_pass_the_fuzz_checks_and_bad_ones_say_why() {
    // Seed name prefix → a phrase of the reason it is refused with.
    let refused: &[(&str, &str)] = &[
        ("bad-bigtiff", "BigTIFF"),
        ("bad-compression-lzw", "compression 5"),
        ("bad-count-overflow", "claims"),
        ("bad-gray-8bit", "not a bilevel image"),
        ("bad-ifd-loop", "loops back"),
        ("bad-no-strip-offsets", "no StripOffsets"),
        ("bad-not-tiff", "byte-order mark"),
        ("bad-strip-past-end", "past the end"),
        ("bad-tiled", "tiled"),
        ("bad-truncated", "past the end"),
        ("bad-width-too-large", "width 100000"),
        ("hostile-one-row-strips", "reuses bytes"),
        ("hostile-shared-strip-pages", "reuses bytes"),
        // TIFF compression 2 (MH without EOLs): no fax machine sends it.
        ("unsupported-gs-tiffcrle", "compression 2 is not supported"),
    ];
    for (name, data) in seeds("tiff", 20) {
        fax_checks::check_tiff(&data);
        let want = refused.iter().find(|(p, _)| name.starts_with(p));
        match (tiff::read_tiff(&data, &name), want) {
            (Ok(pages), None) => assert!(!pages.is_empty(), "{name}"),
            (Err(e @ Error::BadTiff { .. }), Some((_, phrase))) => {
                let text = e.to_string();
                assert!(text.starts_with(&format!("{name}: not a readable fax TIFF: ")));
                assert!(text.contains(phrase), "{name}: {text}");
            }
            (Ok(_), Some(_)) => panic!("{name} must be refused"),
            (Err(e), _) => panic!("{name}: {e}"),
        }
    }
}

#[test]
fn tiff_seeds_from_third_party_tools_decode_to_the_same_page() {
    // Ghostscript drew one page; libtiff's tiffcp stored it five more ways.
    let all = seeds("tiff", 20);
    let page = |name: &str| {
        let data = &all.iter().find(|(n, _)| n == name).expect(name).1;
        tiff::read_tiff(data, name).unwrap()[0].decode().unwrap()
    };
    let reference = page("gs-tiffg4");
    assert_eq!((reference.width, reference.rows), (1728, 240));
    assert!(reference.black_pixels() > 5000);
    for name in [
        "gs-tiffg3",
        "gs-tiffg32d",
        "tiffcp-g4-fill-lsb",
        "tiffcp-g3-strips",
        "tiffcp-g32d-fill",
        "tiffcp-packbits",
        "tiffcp-none-bigendian",
        "black-is-zero",
    ] {
        let p = page(name);
        if name == "black-is-zero" {
            // The same code read with the other photometric: inverted.
            assert_eq!(p.black_pixels(), 1728 * 240 - reference.black_pixels());
        } else {
            assert!(p == reference, "{name}");
        }
    }
}

#[test]
fn ccitt_seeds_pass_the_fuzz_checks_and_broken_ones_are_errors() {
    for (t6, target) in [(false, "t4"), (true, "t6")] {
        for (name, data) in seeds(target, 8) {
            fax_checks::check_ccitt(&data, t6);
            let (width, res) = fax_checks::shape(data[0]);
            let c = match (t6, data[0] & 0x80 != 0) {
                (true, _) => Compression::T6,
                (false, false) => Compression::T4OneD,
                (false, true) => Compression::T4TwoD,
            };
            let result = codec::decode(&data[1..], c, width, res);
            match name.as_str() {
                "bad-odd-width" => assert!(
                    matches!(&result, Err(Error::UnsupportedPage(m)) if m.contains("1727 pixels")),
                    "{target}/{name}: {result:?}"
                ),
                "bad-no-eol" | "bad-zeros" | "bad-only-eofb" => assert!(
                    matches!(&result, Err(Error::BadImageData { reason, .. }) if reason == "no image rows found"),
                    "{target}/{name}: {result:?}"
                ),
                "endless-v0-rows" => {
                    // 8 rows per byte: a long white page, not an error.
                    assert_eq!(result.unwrap().page.rows, 8 * 4000);
                }
                n if n.starts_with("bad-bit-errors") => {
                    let d = result.unwrap();
                    assert!(d.page.rows > 0, "{target}/{name}");
                }
                _ => {
                    let d = result.unwrap_or_else(|e| panic!("{target}/{name}: {e}"));
                    assert!(d.page.rows > 0);
                }
            }
        }
    }
}

#[test]
fn mutated_fax_seeds_pass_the_fuzz_checks() {
    let tiff_tokens: &[&[u8]] = &[b"II*\0", b"\0\0\0\0", b"\xff\xff\xff\x7f", b"\x01\x00"];
    mutate_seeds(&seeds("tiff", 20), rounds(30), tiff_tokens, |b| {
        fax_checks::check_tiff(b)
    });
    let eol: &[&[u8]] = &[b"\x00\x10", b"\x00\x18", b"\xff", b"\x00"];
    mutate_seeds(&seeds("t4", 8), rounds(60), eol, |b| {
        fax_checks::check_ccitt(b, false)
    });
    mutate_seeds(&seeds("t6", 8), rounds(60), eol, |b| {
        fax_checks::check_ccitt(b, true)
    });
}
