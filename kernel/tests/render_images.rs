//! Raster images into fax pages. The test images are made here by
//! ImageMagick (`convert`) and Python, never copied from elsewhere: photos
//! must come out dithered with a dot density that follows their gray
//! level, line art thresholded with sharp edges, landscape images turned,
//! and damaged or hostile files refused with a render error naming them.
//!
//! Needs ImageMagick (scripts/setup.sh --test) and python3.

use std::path::Path;
use std::process::Command;

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use kernel::render::{render_image, PageSetup, Placement, RenderError};
use test_kit::Scratch;

/// A scratch directory for one test.
/// Run ImageMagick's `convert` with `args`, the last being the output file
/// in `dir`, and return that file's bytes.
fn convert(dir: &Path, args: &[&str]) -> Vec<u8> {
    let (out, rest) = args.split_last().unwrap();
    let path = dir.join(out);
    let status = Command::new("convert")
        .args(rest)
        .arg(&path)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run convert ({e}); install ImageMagick with `sudo scripts/setup.sh --test`"
            )
        });
    assert!(status.success(), "convert {args:?} failed");
    std::fs::read(&path).unwrap()
}

fn fine_a4() -> PageSetup {
    PageSetup::new(PaperSize::A4, Resolution::Fine)
}

fn placement(setup: &PageSetup, width: u32, height: u32) -> Placement {
    setup.print_area().unwrap().place_image(width, height)
}

/// Fraction of black pixels in `[x0, x1) × [y0, y1)`.
fn density(page: &BilevelPage, x0: u32, y0: u32, x1: u32, y1: u32) -> f64 {
    let mut black = 0u64;
    for y in y0..y1 {
        for x in x0..x1 {
            black += u64::from(page.get(x, y));
        }
    }
    black as f64 / (f64::from(x1 - x0) * f64::from(y1 - y0))
}

/// Black pixels outside `[x0, x1) × [y0, y1)`.
fn black_outside(page: &BilevelPage, x0: u32, y0: u32, x1: u32, y1: u32) -> u64 {
    let inside = density(page, x0, y0, x1, y1) * f64::from(x1 - x0) * f64::from(y1 - y0);
    page.black_pixels() - inside.round() as u64
}

#[test]
fn photo_is_dithered_with_density_following_the_gray_level() {
    let dir = Scratch::new("photo");
    let jpeg = convert(
        &dir,
        &["-size", "800x600", "gradient:white-black", "photo.jpg"],
    );
    let setup = fine_a4();
    let pages = render_image(&jpeg, "photo.jpg", &setup).unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!((pages[0].width, pages[0].rows), (1728, 2292));
    let p = placement(&setup, 800, 600);
    // Landscape, larger on its side: turned so its (white) top is on the left.
    assert!(p.rotate, "{p:?}");
    let page = &pages[0];
    let band = p.width / 10;
    let (y0, y1) = (p.y + p.height / 4, p.y + 3 * p.height / 4);
    let mut mixed = 0;
    for i in 0..10 {
        let x0 = p.x + i * band;
        let d = density(page, x0, y0, x0 + band, y1);
        let gray = (f64::from(i) + 0.5) / 10.0;
        eprintln!("band {i}: black {d:.3}, expected about {gray:.3}");
        assert!(
            (d - gray).abs() < 0.1,
            "band {i}: density {d:.3} for darkness {gray:.3}"
        );
        if d > 0.05 && d < 0.95 {
            mixed += 1;
        }
    }
    // Dithered, not cut in two at mid-gray.
    assert!(mixed >= 7, "only {mixed} bands have both black and white");
    assert_eq!(
        black_outside(page, p.x, p.y, p.x + p.width, p.y + p.height),
        0
    );
}

#[test]
fn landscape_line_art_is_turned_and_thresholded() {
    let dir = Scratch::new("lineart");
    let png = convert(
        &dir,
        &[
            "-size",
            "1200x800",
            "xc:white",
            "-fill",
            "black",
            "-draw",
            "rectangle 100,100 600,400",
            "lineart.png",
        ],
    );
    let setup = fine_a4();
    let pages = render_image(&png, "lineart.png", &setup).unwrap();
    assert_eq!(pages.len(), 1);
    let p = placement(&setup, 1200, 800);
    assert!(p.rotate);
    // Turned counter-clockwise, the image is 800 wide and 1200 tall and the
    // rectangle spans x 100..=400, y 599..=1099 of it.
    let sx = f64::from(p.width) / 800.0;
    let sy = f64::from(p.height) / 1200.0;
    let rect = |x: f64, y: f64| (p.x + (x * sx).round() as u32, p.y + (y * sy).round() as u32);
    let (x0, y0) = rect(100.0, 599.0);
    let (x1, y1) = rect(401.0, 1100.0);
    let page = &pages[0];
    assert_eq!(density(page, x0 + 3, y0 + 3, x1 - 3, y1 - 3), 1.0);
    assert_eq!(black_outside(page, x0 - 3, y0 - 3, x1 + 3, y1 + 3), 0);
}

#[test]
fn portrait_gif_is_placed_upright() {
    let dir = Scratch::new("gif");
    let gif = convert(
        &dir,
        &[
            "-size",
            "600x900",
            "xc:white",
            "-fill",
            "black",
            "-draw",
            "rectangle 0,0 299,449",
            "art.gif",
        ],
    );
    let setup = fine_a4();
    let pages = render_image(&gif, "art.gif", &setup).unwrap();
    let p = placement(&setup, 600, 900);
    assert!(!p.rotate);
    // The top left quarter is black: the image's top left corner stays there.
    let page = &pages[0];
    let (xm, ym) = (p.x + p.width / 2, p.y + p.height / 2);
    assert!(density(page, p.x + 2, p.y + 2, xm - 2, ym - 2) > 0.999);
    assert_eq!(
        density(page, xm + 2, p.y, p.x + p.width, p.y + p.height),
        0.0
    );
    assert_eq!(
        density(page, p.x, ym + 2, p.x + p.width, p.y + p.height),
        0.0
    );
}

#[test]
fn bmp_and_tiff_photos_render() {
    let dir = Scratch::new("bmp-tiff");
    let bmp = convert(
        &dir,
        &["-size", "400x600", "gradient:gray30-gray70", "photo.bmp"],
    );
    let tiff = convert(
        &dir,
        &[
            "-size",
            "400x600",
            "plasma:fractal",
            "-compress",
            "lzw",
            "photo.tif",
        ],
    );
    let setup = fine_a4();
    for (bytes, name) in [(&bmp, "photo.bmp"), (&tiff, "photo.tif")] {
        let pages = render_image(bytes, name, &setup).unwrap();
        assert_eq!(pages.len(), 1, "{name}");
        let p = placement(&setup, 400, 600);
        let d = density(&pages[0], p.x, p.y, p.x + p.width, p.y + p.height);
        assert!(d > 0.2 && d < 0.8, "{name}: density {d}");
    }
}

#[test]
fn standard_resolution_keeps_a_square_square() {
    let dir = Scratch::new("standard");
    let png = convert(&dir, &["-size", "1000x1000", "xc:black", "square.png"]);
    let setup = PageSetup::new(PaperSize::A4, Resolution::Standard);
    let pages = render_image(&png, "square.png", &setup).unwrap();
    assert_eq!((pages[0].width, pages[0].rows), (1728, 1146));
    let p = placement(&setup, 1000, 1000);
    let inches = (f64::from(p.width) / 204.0, f64::from(p.height) / 98.0);
    assert!((inches.0 - inches.1).abs() < 0.02, "{inches:?}");
    assert_eq!(
        pages[0].black_pixels(),
        u64::from(p.width) * u64::from(p.height)
    );
}

#[test]
fn letter_pages_are_letter_sized() {
    let dir = Scratch::new("letter");
    let png = convert(&dir, &["-size", "300x400", "xc:gray", "gray.png"]);
    let setup = PageSetup::new(PaperSize::Letter, Resolution::Fine);
    let pages = render_image(&png, "gray.png", &setup).unwrap();
    assert_eq!((pages[0].width, pages[0].rows), (1728, 2156));
}

#[test]
fn a_very_tall_image_is_split_over_pages() {
    let dir = Scratch::new("tall");
    let png = convert(
        &dir,
        &[
            "-size",
            "500x4000",
            "xc:white",
            "-fill",
            "black",
            "-draw",
            "rectangle 0,0 499,3999",
            "tall.png",
        ],
    );
    let setup = fine_a4();
    let pages = render_image(&png, "tall.png", &setup).unwrap();
    let p = placement(&setup, 500, 4000);
    assert!(
        pages.len() > 1 && pages.len() as u32 == p.pages,
        "{} pages, {p:?}",
        pages.len()
    );
    assert!(pages.iter().all(|page| page.black_pixels() > 0));
}

#[test]
fn corrupt_images_are_corrupt_and_named() {
    let dir = Scratch::new("corrupt");
    let png = convert(&dir, &["-size", "300x200", "plasma:", "whole.png"]);
    let truncated = &png[..png.len() / 2];
    let err = render_image(truncated, "scan.png", &fine_a4()).unwrap_err();
    assert!(matches!(err, RenderError::Corrupt { .. }), "{err}");
    assert_eq!(err.name(), Some("scan.png"));
    assert!(err.to_string().contains("scan.png"), "{err}");

    let noise: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let err = render_image(&noise, "holiday.jpg", &fine_a4()).unwrap_err();
    assert!(matches!(err, RenderError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("holiday.jpg"), "{err}");
    eprintln!("{err}");

    // A JPEG cut short after its header.
    let jpeg = convert(&dir, &["-size", "300x200", "plasma:", "whole.jpg"]);
    let err = render_image(&jpeg[..400], "cut.jpg", &fine_a4()).unwrap_err();
    assert!(matches!(err, RenderError::Corrupt { .. }), "{err}");
}

/// A valid PNG header declaring `width` × `height` gray pixels, with a
/// few compressed rows of data: a few hundred bytes in all.
const BOMB: &str = r#"
import struct, sys, zlib
w, h = int(sys.argv[2]), int(sys.argv[3])
def chunk(kind, data):
    c = struct.pack(">I", len(data)) + kind + data
    return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
rows = zlib.compress(b"\x00" * ((w + 1) * 4), 9)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
png += chunk(b"IDAT", rows) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
"#;

fn bomb(dir: &Path, width: u32, height: u32) -> Vec<u8> {
    let path = dir.join("bomb.png");
    let status = Command::new("python3")
        .args(["-c", BOMB])
        .arg(&path)
        .arg(width.to_string())
        .arg(height.to_string())
        .status()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e})"));
    assert!(status.success());
    std::fs::read(&path).unwrap()
}

#[test]
fn decompression_bombs_are_too_large_before_decoding() {
    let dir = Scratch::new("bomb");
    // 50 000 × 50 000: 2.5 gigapixels declared in a tiny file, refused on
    // the width.
    let png = bomb(&dir, 50_000, 50_000);
    assert!(png.len() < 2000, "{} bytes", png.len());
    let err = render_image(&png, "bomb.png", &fine_a4()).unwrap_err();
    assert!(matches!(err, RenderError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("bomb.png"), "{err}");
    eprintln!("{err}");
    // 15 000 × 15 000: each side allowed, 225 megapixels not.
    let png = bomb(&dir, 15_000, 15_000);
    let err = render_image(&png, "wide.png", &fine_a4()).unwrap_err();
    assert!(matches!(err, RenderError::TooLarge { .. }), "{err}");
    eprintln!("{err}");
}

#[test]
fn the_python_helper_makes_a_valid_png() {
    // The bomb maker at a sane size decodes: the refusals above are about
    // size, not a broken file.
    let dir = Scratch::new("bomb-small");
    let png = bomb(&dir, 64, 4);
    let pages = render_image(&png, "small.png", &fine_a4()).unwrap();
    assert_eq!(pages.len(), 1);
}

#[test]
fn unknown_formats_are_unsupported() {
    let err = render_image(b"%PDF-1.4 not an image", "letter.doc", &fine_a4()).unwrap_err();
    assert!(matches!(err, RenderError::Unsupported { .. }), "{err}");
}

/// What `tiffinfo` (libtiff) says about a TIFF file.
fn tiffinfo(path: &Path) -> String {
    let out = Command::new("tiffinfo")
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run tiffinfo ({e}); install libtiff-tools"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn sixteen_bit_gray_alpha_tiff_is_flattened_on_white() {
    // ImageMagick's gray TIFF with transparency: 16-bit gray + alpha. Top
    // half opaque black, bottom half black but fully transparent (paper),
    // and an opaque white bar down both halves.
    let dir = Scratch::new("gray-alpha16");
    let tiff = convert(
        &dir,
        &[
            "(",
            "-size",
            "400x300",
            "xc:black",
            "-alpha",
            "set",
            "-channel",
            "A",
            "-evaluate",
            "set",
            "100%",
            "+channel",
            ")",
            "(",
            "-size",
            "400x300",
            "xc:black",
            "-alpha",
            "set",
            "-channel",
            "A",
            "-evaluate",
            "set",
            "0",
            "+channel",
            ")",
            "-append",
            "-fill",
            "white",
            "-draw",
            "rectangle 180,0 219,599",
            "-type",
            "GrayscaleAlpha",
            "-depth",
            "16",
            "ga16.tif",
        ],
    );
    let info = tiffinfo(&dir.join("ga16.tif"));
    assert!(
        info.contains("Bits/Sample: 16") && info.contains("Samples/Pixel: 2"),
        "not a 16-bit gray+alpha TIFF: {info}"
    );
    let setup = fine_a4();
    let pages = render_image(&tiff, "ga16.tif", &setup).unwrap();
    assert_eq!(pages.len(), 1);
    let p = placement(&setup, 400, 600);
    assert!(!p.rotate);
    let sx = f64::from(p.width) / 400.0;
    let sy = f64::from(p.height) / 600.0;
    let at = |x: f64, y: f64| (p.x + (x * sx).round() as u32, p.y + (y * sy).round() as u32);
    let page = &pages[0];
    // Opaque black stays black, transparent black is white paper, and the
    // white bar cuts through the black half.
    let (x0, y0) = at(10.0, 10.0);
    let (x1, y1) = at(170.0, 290.0);
    assert!(density(page, x0, y0, x1, y1) > 0.99);
    let (x0, y0) = at(10.0, 310.0);
    let (x1, y1) = at(390.0, 590.0);
    assert!(density(page, x0, y0, x1, y1) < 0.01);
    let (x0, y0) = at(185.0, 10.0);
    let (x1, y1) = at(215.0, 290.0);
    assert!(density(page, x0, y0, x1, y1) < 0.01);
}

/// A fine-resolution TIFF-F (Group 4, made by ImageMagick) attached to a
/// standard-resolution job comes out at standard resolution, half the
/// rows, the bar still there and as long on paper.
#[test]
fn a_fine_fax_tiff_in_a_standard_job_is_rescaled_vertically() {
    use kernel::render::{render_mail, Attachment, CoverMode, MailDocument, RenderOptions};
    let dir = Scratch::new("pdffast-refit");
    let tif = convert(
        &dir,
        &[
            "-size",
            "1728x2292",
            "xc:white",
            "-fill",
            "black",
            "-draw",
            "rectangle 100,400 900,599",
            "-units",
            "PixelsPerInch",
            "-density",
            "204x196",
            "-monochrome",
            "-compress",
            "Group4",
            "fine.tif",
        ],
    );
    let mail = MailDocument {
        attachments: vec![Attachment {
            name: "fine.tif".into(),
            content_type: "image/tiff".into(),
            bytes: tif,
        }],
        ..Default::default()
    };
    for (res, rows, bar) in [
        (Resolution::Standard, 1146, 200..300),
        (Resolution::Fine, 2292, 400..600),
    ] {
        let options = RenderOptions {
            setup: PageSetup::new(PaperSize::A4, res),
            cover: CoverMode::Never,
            ..Default::default()
        };
        let out = render_mail(&mail, &options).unwrap();
        assert_eq!(out.pages.len(), 1);
        let page = out.pages[0].decode().unwrap();
        assert_eq!((page.rows, page.resolution), (rows, res), "{res:?}");
        let inked: Vec<u32> = (0..page.rows).filter(|&y| page.get(500, y)).collect();
        assert_eq!(
            (inked.first().copied(), inked.len() as u32),
            (Some(bar.start), bar.end - bar.start),
            "{res:?}: the bar's rows"
        );
    }
}

/// Where a rendered image page has ink: (left half, right half) black
/// shares over the middle rows of the printed area.
fn halves(page: &BilevelPage) -> (f64, f64) {
    let ink: Vec<u32> = (0..page.rows)
        .filter(|&y| page.row(y).iter().any(|&b| b != 0))
        .collect();
    let (top, bottom) = (inked_first(&ink), inked_last(&ink));
    let (mut left, mut right, mut n) = (0u32, 0u32, 0u32);
    let cols: Vec<u32> = (0..page.width)
        .filter(|&x| (top..=bottom).any(|y| page.get(x, y)))
        .collect();
    let (x0, x1) = (cols[0], *cols.last().unwrap());
    let mid = (x0 + x1) / 2;
    for y in (top..=bottom).step_by(7) {
        for x in (x0..=x1).step_by(3) {
            if x < mid {
                left += u32::from(page.get(x, y));
            } else {
                right += u32::from(page.get(x, y));
            }
            n += 1;
        }
    }
    let half = f64::from(n) / 2.0;
    (f64::from(left) / half, f64::from(right) / half)
}

fn inked_first(rows: &[u32]) -> u32 {
    *rows.first().expect("the page has ink")
}

fn inked_last(rows: &[u32]) -> u32 {
    *rows.last().expect("the page has ink")
}

/// 16-bit gray TIFFs with PhotometricInterpretation WhiteIsZero, and with
/// an Orientation tag, come out as they look (ImageMagick and libtiff's
/// tiffset make them).
#[test]
fn sixteen_bit_white_is_zero_and_orientation_tiffs_come_out_right() {
    let dir = Scratch::new("pdffast-tiff16");
    // Black left half, white right half, 400 x 600 (upright), a black frame so
    // the image's extent shows on the page.
    let base = [
        "-size",
        "400x600",
        "xc:white",
        "-fill",
        "black",
        "-draw",
        "rectangle 0,0 199,599",
        "-bordercolor",
        "black",
        "-border",
        "1",
        "-alpha",
        "off",
        "-type",
        "Grayscale",
        "-depth",
        "16",
    ];
    let mut args: Vec<&str> = base.to_vec();
    args.push("biz.tif");
    let biz = convert(&dir, &args);
    // WhiteIsZero: the negative written by ImageMagick, then marked
    // Photometric 0 by tiffset (this ImageMagick ignores
    // tiff:photometric=min-is-white for 16-bit gray).
    let mut args: Vec<&str> = base.to_vec();
    args.extend(["-negate", "wiz.tif"]);
    convert(&dir, &args);
    let status = Command::new("tiffset")
        .args(["-s", "262", "0"])
        .arg(dir.join("wiz.tif"))
        .status()
        .unwrap();
    assert!(status.success());
    let wiz = std::fs::read(dir.join("wiz.tif")).unwrap();
    let info = Command::new("tiffinfo")
        .arg(dir.join("wiz.tif"))
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    assert!(
        info.contains("min-is-white") && info.contains("Bits/Sample: 16"),
        "{info}"
    );
    for (name, bytes) in [("biz.tif", &biz), ("wiz.tif", &wiz)] {
        let pages = render_image(bytes, name, &fine_a4()).unwrap();
        let (left, right) = halves(&pages[0]);
        eprintln!("{name}: left {left:.2} right {right:.2}");
        assert!(
            left > 0.9 && right < 0.1,
            "{name}: left {left:.2}, right {right:.2}"
        );
    }
    // Orientation 3 (bottom-right: turned half way): black ends up right.
    let mut args: Vec<&str> = base.to_vec();
    args.extend(["-orient", "BottomRight", "turned.tif"]);
    let turned = convert(&dir, &args);
    let pages = render_image(&turned, "turned.tif", &fine_a4()).unwrap();
    let (left, right) = halves(&pages[0]);
    eprintln!("orientation 3: left {left:.2} right {right:.2}");
    assert!(
        right > 0.9 && left < 0.1,
        "orientation 3: left {left:.2}, right {right:.2}"
    );
}
