//! Replays the seed corpora of the kernel's fuzz targets (fuzz/corpus/wav,
//! html, image and pdf, written by fuzz/make_wav_corpus.py,
//! make_mail_corpus.py and make_pdf_corpus.py) through the targets' own checks on a stable
//! toolchain, pins what broken and hostile seeds give, and runs random
//! mutations of the seeds through the same checks.

#[allow(dead_code)]
#[path = "../../fuzz/fuzz_targets/render_checks.rs"]
mod render_checks;
#[allow(dead_code)]
#[path = "../../fuzz/fuzz_targets/wav_checks.rs"]
mod wav_checks;

use fax_t30::page::{PaperSize, Resolution};
use kernel::render::{render_image, PageSetup, RenderError};
use kernel::voice::wav::{self, WavError};
use test_kit::fuzz::{mutate_seeds, rounds, seeds};

#[test]
fn wav_seeds_pass_the_fuzz_checks_and_bad_ones_say_why() {
    for (name, data) in seeds("wav", 15) {
        wav_checks::check_wav(&data);
        let r = wav::read_wav(&data);
        let want: Option<WavError> = match name.as_str() {
            "bad-not-riff" | "bad-empty" => Some(WavError::NotWave),
            "bad-truncated-fmt" => Some(WavError::Truncated("fmt")),
            "bad-chunk-past-end" => Some(WavError::Truncated("fmt")),
            "bad-no-data" => Some(WavError::Missing("data")),
            "bad-no-fmt" => Some(WavError::Missing("fmt")),
            _ => None,
        };
        match (r, want) {
            (Err(e), Some(w)) => assert_eq!(e, w, "{name}"),
            (Err(WavError::Unsupported(why)), None) if name.starts_with("unsupported-") => {
                let phrase = match name.as_str() {
                    "unsupported-rate-2000" => "2000 Hz",
                    "unsupported-zero-channels" => "0 channels",
                    "unsupported-12-bits" => "12 bits",
                    "unsupported-sox-ima-adpcm" => "format tag 17",
                    _ => "format tag 49",
                };
                assert!(why.contains(phrase), "{name}: {why}");
                let text = WavError::Unsupported(why).to_string();
                assert!(text.starts_with("WAV format not supported: "), "{text}");
            }
            (Ok(pcm), None) => {
                assert!(!name.starts_with("unsupported-"), "{name} must be refused");
                assert!(!pcm.samples.is_empty(), "{name}");
                if name.starts_with("sox-") {
                    // 20 ms (5 or 10 for the big ones) of a 440 Hz sine at half scale
                    // (G.711 steps are 1024 up there: A-law peaks at 17920).
                    let ms = pcm.duration_secs() * 1000.0;
                    assert!((4.0..=21.0).contains(&ms), "{name}: {ms} ms");
                    let peak = pcm.samples.iter().map(|s| s.unsigned_abs()).max().unwrap();
                    assert!((12_000..=18_500).contains(&peak), "{name}: peak {peak}");
                }
            }
            (r, w) => panic!("{name}: {r:?}, wanted {w:?}"),
        }
    }
}

#[test]
fn html_seeds_pass_the_fuzz_checks() {
    for (name, data) in seeds("html", 8) {
        render_checks::check_html(&data);
        let text = kernel::render::mail::html_to_text(&String::from_utf8_lossy(&data[1..]), 80);
        match name.as_str() {
            "paragraphs" => {
                assert!(text.contains("Angebot") && text.contains("Damen & Herren"));
                assert!(text.contains("€ 5 <netto>"), "{text}");
            }
            "table" => assert!(text.contains("Toner") && text.contains("42,00"), "{text}"),
            "script-style-pre" => assert!(!text.contains("alert") && text.contains("after")),
            n if n.starts_with("hostile-deep") => {
                assert!(text.contains("deep") || text.contains('x'))
            }
            _ => {}
        }
    }
}

#[test]
fn image_seeds_pass_the_fuzz_checks_and_bombs_are_refused_early() {
    let setup = PageSetup::new(PaperSize::A4, Resolution::Fine);
    for (name, data) in seeds("image", 20) {
        render_checks::check_image(&data);
        let file = name.replace('-', ".");
        let r = render_image(&data[1..], &file, &setup);
        if name.starts_with("bomb-") {
            // Refused from the header, before a pixel buffer exists.
            assert!(
                matches!(&r, Err(RenderError::TooLarge { .. })),
                "{name}: {r:?}"
            );
        } else if name.starts_with("bad-") {
            assert!(
                matches!(
                    &r,
                    Err(RenderError::Corrupt { .. } | RenderError::Unsupported { .. })
                ),
                "{name}: {r:?}"
            );
        } else {
            let pages = r.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!pages.is_empty());
        }
    }
}

#[test]
fn pdf_seeds_pass_the_fuzz_checks_and_bombs_are_refused_before_drawing() {
    for (name, data) in seeds("pdf", 12) {
        render_checks::check_pdf(&data);
        let setup = render_checks::setup(data[0]);
        let r = kernel::render::render_pdf(&data[1..], "seed.pdf", &setup);
        let reason = |r: &Result<_, RenderError>| match r {
            Err(e) => e.to_string(),
            Ok(_) => String::new(),
        };
        let why = reason(&r);
        match name.as_str() {
            "bomb-flate-257mib" => assert!(
                matches!(r, Err(RenderError::TooLarge { .. })) && why.contains("unpack"),
                "{name}: {why}"
            ),
            "bomb-page-20000pt" | "bomb-1001-pages" => {
                assert!(
                    matches!(r, Err(RenderError::TooLarge { .. })),
                    "{name}: {r:?}"
                )
            }
            "bad-truncated" => assert!(why.contains("%%EOF"), "{name}: {why}"),
            "bad-no-header" => assert!(why.contains("%PDF-"), "{name}: {why}"),
            "bad-user-password" => assert!(why.contains("password"), "{name}: {why}"),
            n if n.starts_with("bad-") => {
                assert!(
                    matches!(r, Err(RenderError::Corrupt { .. })),
                    "{name}: {r:?}"
                )
            }
            _ => {
                let pages = r.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(pages.len(), 1, "{name}");
                assert!(pages[0].black_pixels() > 1000, "{name}: a blank page");
            }
        }
    }
}

#[test]
fn mutated_kernel_seeds_pass_the_fuzz_checks() {
    let riff: &[&[u8]] = &[b"RIFF", b"fmt ", b"data", b"\xff\xff\xff\xff", b"\x01\x00"];
    mutate_seeds(&seeds("wav", 15), rounds(100), riff, |b| {
        wav_checks::check_wav(b)
    });
    let html: &[&[u8]] = &[
        b"<table>",
        b"<td colspan=9>",
        b"</tr>",
        b"<li>",
        b"&amp;",
        b"<",
    ];
    mutate_seeds(&seeds("html", 8), rounds(20), html, |b| {
        render_checks::check_html(b)
    });
    // Images are slow to decode in a debug build: few rounds.
    let magic: &[&[u8]] = &[
        b"\x89PNG",
        b"IHDR",
        b"\xff\xd8",
        b"GIF89a",
        b"\x00\x00\xff\xff",
    ];
    mutate_seeds(&seeds("image", 20), rounds(4), magic, |b| {
        render_checks::check_image(b)
    });
    let pdf: &[&[u8]] = &[
        b"%%EOF",
        b" 0 R",
        b"/Count 9999",
        b"stream\n",
        b"/Filter /FlateDecode",
    ];
    mutate_seeds(&seeds("pdf", 12), rounds(4), pdf, |b| {
        render_checks::check_pdf(b)
    });
}
