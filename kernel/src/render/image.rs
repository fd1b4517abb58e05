//! Raster images (PNG, JPEG, GIF, BMP, TIFF) into pages.
//!
//! Decoding is guarded: the declared size is read from the header and
//! checked before any pixel buffer is allocated, so a 50 000 × 50 000 PNG of
//! a few hundred bytes is refused in microseconds. The image is then turned
//! upright (EXIF orientation), flattened onto white, made gray, rotated when
//! a landscape image gets larger on its side, scaled to the print area in
//! physical units (fax pixels are twice as tall as wide at standard
//! resolution), and cut to black and white: photos dithered, line art
//! thresholded. An animated GIF gives its first frame and a multi-page
//! TIFF its first page; fax TIFFs (CCITT G3/G4) go through `fax_t30::tiff`.

use std::io::Cursor;

use ::image::error::ImageError;
use ::image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use fax_t30::page::BilevelPage;

use super::bilevel::{self, Gray};
use super::{PageSetup, RenderError, MAX_PAGES};

/// Widest or tallest image accepted, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 20_000;

/// Most pixels accepted in one image (a 100-megapixel photo is already far
/// beyond what a fax page shows).
pub const MAX_IMAGE_PIXELS: u64 = 100_000_000;

/// Most bytes a decoder may hold at once.
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// Render the image in `bytes` (called `name` in errors; its extension is
/// the fallback when the content does not say what format it is).
pub fn render_image(
    bytes: &[u8],
    name: &str,
    setup: &PageSetup,
) -> Result<Vec<BilevelPage>, RenderError> {
    let area = setup.print_area()?;
    let gray = decode_gray(bytes, name)?;
    let placement = area.place_image(gray.width, gray.height);
    if placement.pages as usize > MAX_PAGES {
        return Err(too_large(name, format!("{} pages", placement.pages)));
    }
    let gray = if placement.rotate {
        rotate_counter_clockwise(&gray)
    } else {
        gray
    };
    let photo = bilevel::is_photo(&gray);
    let scaled = bilevel::resample(&gray, placement.width, placement.height);
    drop(gray);
    let bits = if photo {
        bilevel::dither(&scaled)
    } else {
        bilevel::threshold(&scaled)
    };

    let mut pages = Vec::with_capacity(placement.pages as usize);
    let mut from = 0;
    while from < bits.height {
        let mut page = setup.blank_page();
        let top = if from == 0 { placement.y } else { area.y };
        let rows = (area.y + area.height).saturating_sub(top);
        bilevel::blit(&mut page, &bits, from, rows, placement.x, top);
        pages.push(page);
        from += rows.max(1);
    }
    Ok(pages)
}

/// Decode to upright 8-bit gray on white, within the limits.
fn decode_gray(bytes: &[u8], name: &str) -> Result<Gray, RenderError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| corrupt(name, "image", e.to_string()))?;
    if reader.format().is_none() {
        match ImageFormat::from_path(name) {
            Ok(format) if supported(format) => reader.set_format(format),
            _ => {
                return Err(RenderError::Unsupported {
                    name: name.to_owned(),
                    reason: "not an image format we render (PNG, JPEG, GIF, BMP or TIFF)"
                        .to_owned(),
                })
            }
        }
    }
    let format = reader.format().expect("set above");
    let kind = format_kind(format);
    if !supported(format) {
        return Err(RenderError::Unsupported {
            name: name.to_owned(),
            reason: format!("{kind} is not a format we render (PNG, JPEG, GIF, BMP or TIFF)"),
        });
    }
    // The JPEG decoder paints a cut-off file's missing part gray; a fax
    // with half a photo is not what the sender sent.
    if format == ImageFormat::Jpeg && !jpeg_has_end(bytes) {
        return Err(corrupt(
            name,
            kind,
            "the file ends before the image does".to_owned(),
        ));
    }
    if format == ImageFormat::Tiff {
        if let Some(gray) = decode_tiff_gray_alpha16(bytes, name)? {
            return Ok(gray);
        }
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);

    // Reads the header only; the limits refuse oversized sides here.
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| image_error(name, kind, e))?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(corrupt(name, kind, format!("{width} x {height} pixels")));
    }
    if u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS {
        return Err(too_large(
            name,
            format!(
                "{width} x {height} pixels (at most {} megapixels)",
                MAX_IMAGE_PIXELS / 1_000_000
            ),
        ));
    }
    if decoder.total_bytes() > MAX_DECODE_BYTES {
        return Err(too_large(
            name,
            format!("{} MB of pixels to decode", decoder.total_bytes() >> 20),
        ));
    }
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| image_error(name, kind, e))?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Ok(flatten_to_gray(image))
}

/// Luma, with transparent parts on white paper.
fn flatten_to_gray(image: DynamicImage) -> Gray {
    let (width, height) = (image.width(), image.height());
    let pixels = if image.color().has_alpha() {
        image
            .to_luma_alpha8()
            .pixels()
            .map(|p| {
                let [l, a] = p.0;
                let (l, a) = (u32::from(l), u32::from(a));
                ((l * a + 255 * (255 - a) + 127) / 255) as u8
            })
            .collect()
    } else {
        image.into_luma8().into_raw()
    };
    Gray {
        width,
        height,
        pixels,
    }
}

/// 16-bit gray with alpha (black is zero), as ImageMagick writes a gray
/// image with transparency to TIFF, which the `image` crate does not
/// decode; read
/// with the `tiff` crate and flattened onto white here. `None` for every
/// other TIFF (and for files the `tiff` crate cannot open), which the
/// `image` crate then decodes or refuses.
fn decode_tiff_gray_alpha16(bytes: &[u8], name: &str) -> Result<Option<Gray>, RenderError> {
    use tiff::decoder::{Decoder, DecodingResult};
    const KIND: &str = "TIFF image";
    let Ok(mut decoder) = Decoder::new(Cursor::new(bytes)) else {
        return Ok(None);
    };
    // The tiff crate calls gray with an extra sample "multiband".
    let gray_and_one_more = matches!(
        decoder.colortype(),
        Ok(tiff::ColorType::GrayA(16)
            | tiff::ColorType::Multiband {
                bit_depth: 16,
                num_samples: 2
            })
    );
    // Photometric 1: black is zero (what ImageMagick writes).
    let black_is_zero = matches!(
        decoder.find_tag_unsigned::<u16>(tiff::tags::Tag::PhotometricInterpretation),
        Ok(Some(1))
    );
    if !(gray_and_one_more && black_is_zero) {
        return Ok(None);
    }
    let (width, height) = decoder
        .dimensions()
        .map_err(|e| corrupt(name, KIND, e.to_string()))?;
    if width == 0 || height == 0 {
        return Err(corrupt(name, KIND, format!("{width} x {height} pixels")));
    }
    if width > MAX_IMAGE_SIDE
        || height > MAX_IMAGE_SIDE
        || u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS
    {
        return Err(too_large(
            name,
            format!(
                "{width} x {height} pixels (at most {MAX_IMAGE_SIDE} pixels a side and {} megapixels)",
                MAX_IMAGE_PIXELS / 1_000_000
            ),
        ));
    }
    let mut limits = tiff::decoder::Limits::default();
    limits.decoding_buffer_size = MAX_DECODE_BYTES as usize;
    let mut decoder = decoder.with_limits(limits);
    // ExtraSamples 1: associated (premultiplied) alpha; 2: unassociated
    // (what ImageMagick writes); anything else is not alpha and ignored.
    let extra = decoder
        .find_tag_unsigned::<u16>(tiff::tags::Tag::ExtraSamples)
        .ok()
        .flatten();
    let samples = match decoder.read_image() {
        Ok(DecodingResult::U16(samples)) => samples,
        Ok(_) => return Err(corrupt(name, KIND, "unexpected sample type".to_owned())),
        Err(e) => return Err(corrupt(name, KIND, e.to_string())),
    };
    let count = width as usize * height as usize;
    if samples.len() < count * 2 {
        return Err(corrupt(name, KIND, "the file ends too early".to_owned()));
    }
    let pixels = samples[..count * 2]
        .chunks_exact(2)
        .map(|p| {
            let (l, a) = (u64::from(p[0]), u64::from(p[1]));
            let on_white = match extra {
                Some(1) => (l + 65535 - a).min(65535),
                Some(2) => (l * a + 65535 * (65535 - a) + 32767) / 65535,
                _ => l,
            };
            ((on_white * 255 + 32767) / 65535) as u8
        })
        .collect();
    Ok(Some(Gray {
        width,
        height,
        pixels,
    }))
}

/// Turn 90° counter-clockwise: the top edge goes to the left.
fn rotate_counter_clockwise(src: &Gray) -> Gray {
    let (w, h) = (src.width as usize, src.height as usize);
    let mut pixels = vec![0u8; w * h];
    // Source (x, y) lands at (y, w - 1 - x) in an h-wide image.
    for y in 0..h {
        let row = &src.pixels[y * w..(y + 1) * w];
        for (x, &p) in row.iter().enumerate() {
            pixels[(w - 1 - x) * h + y] = p;
        }
    }
    Gray {
        width: src.height,
        height: src.width,
        pixels,
    }
}

/// Whether a JPEG has its end-of-image marker after the first scan of the
/// main image. Walks the marker segments (ITU-T T.81 B.1.1) from the start,
/// so an EXIF thumbnail's own markers inside APP1 do not count.
fn jpeg_has_end(bytes: &[u8]) -> bool {
    const SOS: u8 = 0xDA;
    const EOI: u8 = 0xD9;
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        // Not a JPEG stream at all: the decoder will say so.
        return true;
    }
    let mut pos = 2;
    loop {
        // Optional fill bytes before a marker.
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(pos), bytes.get(pos + 1)) else {
            return false;
        };
        match marker {
            SOS => break,
            EOI => return true,
            0x01 | 0xD0..=0xD7 => pos += 2,
            _ => {
                let Some(len) = bytes.get(pos + 2..pos + 4) else {
                    return false;
                };
                pos += 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
            }
        }
    }
    // In entropy-coded data 0xFF is stuffed as FF 00, so FF D9 is the marker.
    bytes[pos..].windows(2).any(|w| w == [0xFF, EOI])
}

fn supported(format: ImageFormat) -> bool {
    matches!(
        format,
        ImageFormat::Png
            | ImageFormat::Jpeg
            | ImageFormat::Gif
            | ImageFormat::Bmp
            | ImageFormat::Tiff
    )
}

/// The format as the sender knows it, for messages.
fn format_kind(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "PNG image",
        ImageFormat::Jpeg => "JPEG image",
        ImageFormat::Gif => "GIF image",
        ImageFormat::Bmp => "BMP image",
        ImageFormat::Tiff => "TIFF image",
        ImageFormat::WebP => "WebP image",
        ImageFormat::Avif => "AVIF image",
        _ => "image",
    }
}

fn image_error(name: &str, kind: &'static str, e: ImageError) -> RenderError {
    match e {
        ImageError::Limits(e) => too_large(
            name,
            format!("{e} (at most {MAX_IMAGE_SIDE} pixels a side and {MAX_IMAGE_PIXELS} pixels)"),
        ),
        ImageError::Unsupported(e) => RenderError::Unsupported {
            name: name.to_owned(),
            reason: format!("{kind}: {e}"),
        },
        ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            corrupt(name, kind, "the file ends too early".to_owned())
        }
        other => corrupt(name, kind, other.to_string()),
    }
}

fn corrupt(name: &str, kind: &'static str, reason: String) -> RenderError {
    RenderError::Corrupt {
        name: name.to_owned(),
        kind,
        reason,
    }
}

fn too_large(name: &str, reason: String) -> RenderError {
    RenderError::TooLarge {
        name: name.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_puts_the_top_edge_on_the_left() {
        // 3 × 2: top row 1 2 3, bottom row 4 5 6.
        let src = Gray {
            width: 3,
            height: 2,
            pixels: vec![1, 2, 3, 4, 5, 6],
        };
        let r = rotate_counter_clockwise(&src);
        assert_eq!((r.width, r.height), (2, 3));
        // Counter-clockwise: 3 6 / 2 5 / 1 4.
        assert_eq!(r.pixels, vec![3, 6, 2, 5, 1, 4]);
    }

    #[test]
    fn unknown_bytes_without_a_known_extension_are_unsupported() {
        let err = render_image(b"hello", "notes.xyz", &PageSetup::default()).unwrap_err();
        assert!(matches!(err, RenderError::Unsupported { .. }), "{err}");
        assert!(err.to_string().contains("notes.xyz"));
    }

    #[test]
    fn jpeg_end_marker_is_found_after_the_main_scan() {
        // SOI, APP1 holding a thumbnail's SOS and EOI, SOS, scan data.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x08];
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0xFF, 0xD9, 0x00, 0x00]);
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x12, 0xFF, 0x00, 0x34]);
        assert!(!jpeg_has_end(&jpeg));
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        assert!(jpeg_has_end(&jpeg));
        assert!(!jpeg_has_end(&jpeg[..5]));
    }

    #[test]
    fn transparent_pixels_become_white() {
        let img = ::image::RgbaImage::from_pixel(4, 4, ::image::Rgba([0, 0, 0, 0]));
        let gray = flatten_to_gray(DynamicImage::ImageRgba8(img));
        assert!(gray.pixels.iter().all(|&p| p == 255));
    }
}
