//! PDF documents into fax pages, rasterised in process with hayro (pure
//! Rust, MIT/Apache-2.0; the evaluation against Ghostscript, poppler,
//! MuPDF and pdfium is in `docs/benchmarks.md`).
//!
//! ```text
//!  bytes ─▶ checks: %%EOF, parse, password, page count, page sizes
//!        ─▶ plan: each page placed like an image of its size in points
//!           (1:1 or smaller, landscape turned, very long pages split)
//!        ─▶ per output page, first the 1-bit path (`bits.rs`): hayro
//!           interprets the page into our own device, which draws solid
//!           black/white glyphs (cached 1-bit masks), paths and rectangles
//!           straight into the BilevelPage at 204 × 98/196 dpi
//!        ─▶ if the page holds anything else (images, shadings, soft masks,
//!           transparency, clip paths, mid-tones): hayro and vello_cpu draw
//!           the slice anti-aliased into an RGBA strip, and
//!           raster::to_page thresholds text and line art, error-diffuses
//!           photo areas and packs the bits
//! ```
//!
//! Everything that bounds the work is checked before any pixel buffer
//! exists: the page count against [`MAX_PAGES`], each page's size against
//! [`MAX_PDF_PAGE_SIDE_PT`], and the pages the document will take on paper.
//! The pixel buffers are then never larger than one fax page, however large
//! the PDF page says it is. hayro is lenient with damaged files (it repairs
//! what it can); what it cannot draw — an image that does not decode, a font
//! that does not load, a whole document that comes out blank — is an error
//! here, because a fax missing part of what the sender wrote is worse than
//! a clear refusal. A panic inside the parser is caught and reported as a
//! damaged file.

mod bits;
mod raster;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

use fax_t30::page::BilevelPage;
use hayro::hayro_interpret::util::TransformExt;
use hayro::hayro_interpret::{
    interpret_page, Context, InterpreterCache, InterpreterSettings, InterpreterWarning, RectExt,
};
use hayro::hayro_syntax::{DecryptionError, LoadPdfError, Pdf};
use hayro::kurbo::{Affine, Rect};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::vello_cpu::{Pixmap, RasterizerSettings, RenderContext, Resources, TargetInit};
use hayro::{render_into, RenderCache, RenderSettings};

use super::geometry::{Placement, PrintArea};
use super::{PageSetup, RenderError, MAX_PAGES};

/// Longest side of a PDF page we render, in points (5000 pt is 1.76 m).
/// Larger pages are drawings for plotters or bombs; on a fax they would be
/// shrunk past legibility.
pub const MAX_PDF_PAGE_SIDE_PT: f32 = 5000.0;

/// Most bytes all of a PDF's Flate streams may inflate to. hayro holds a
/// decoded stream whole in memory, so a 1 MB file of compressed spaces
/// would cost 1 GB; the streams are counted (not kept) before it sees them.
pub const MAX_PDF_INFLATED_BYTES: u64 = 256 << 20;

const KIND: &str = "PDF document";

/// Render every page of the PDF in `bytes` (called `name` in errors).
pub fn render_pdf(
    bytes: &[u8],
    name: &str,
    setup: &PageSetup,
) -> Result<Vec<BilevelPage>, RenderError> {
    render_pdf_threads(bytes, name, setup, 1)
}

/// [`render_pdf`] with the pages shared out over `threads` threads (each
/// parses the document once and renders every `threads`-th page). The
/// result is the same as with one thread.
pub fn render_pdf_threads(
    bytes: &[u8],
    name: &str,
    setup: &PageSetup,
    threads: usize,
) -> Result<Vec<BilevelPage>, RenderError> {
    render_pdf_counted(bytes, name, setup, threads, true).map(|(pages, _)| pages)
}

/// [`render_pdf_threads`], also telling how many fax pages the 1-bit path
/// drew; with `bits` false every page takes the anti-aliased path (tests
/// compare the two, the benchmark reports the count).
pub fn render_pdf_counted(
    bytes: &[u8],
    name: &str,
    setup: &PageSetup,
    threads: usize,
    bits: bool,
) -> Result<(Vec<BilevelPage>, usize), RenderError> {
    let drawn = AtomicUsize::new(0);
    let counter = bits.then_some(&drawn);
    let area = fax_area(setup)?;
    check_complete(bytes, name)?;
    check_inflated_size(bytes, name)?;
    let plan = guarded(name, || plan(bytes, name, &area))??;
    let threads = threads.clamp(1, plan.len().max(1));
    let mut parts: Vec<Vec<BilevelPage>> = if threads == 1 {
        guarded(name, || {
            render_share(bytes, name, setup, &area, &plan, 0, 1, counter)
        })??
    } else {
        let results: Vec<Result<Numbered, RenderError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|k| {
                    let plan = &plan;
                    let area = &area;
                    scope.spawn(move || {
                        guarded(name, || {
                            render_share(bytes, name, setup, area, plan, k, threads, counter).map(
                                |pages| {
                                    pages
                                        .into_iter()
                                        .enumerate()
                                        .map(|(j, p)| (k + j * threads, p))
                                        .collect()
                                },
                            )
                        })?
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(corrupt(name, "the renderer failed on it".to_owned()))
                    })
                })
                .collect()
        });
        let mut slots: Vec<Vec<BilevelPage>> = (0..plan.len()).map(|_| Vec::new()).collect();
        for result in results {
            for (i, pages) in result? {
                slots[i] = pages;
            }
        }
        slots
    };
    let pages: Vec<BilevelPage> = parts.drain(..).flatten().collect();
    if pages.iter().all(raster::is_blank) {
        return Err(RenderError::Unsupported {
            name: name.to_owned(),
            reason: "every page of the PDF comes out blank".to_owned(),
        });
    }
    Ok((pages, drawn.load(Ordering::Relaxed)))
}

/// The whole fax page below the header band: a PDF brings its own margins.
fn fax_area(setup: &PageSetup) -> Result<PrintArea, RenderError> {
    // Validates the set-up the same way text and images do.
    let printable = setup.print_area()?;
    let rows = setup.rows();
    let top = setup.header_space_rows.min(rows / 4);
    Ok(PrintArea {
        x: 0,
        y: top,
        width: setup.width(),
        height: rows - top,
        x_dpi: printable.x_dpi,
        y_dpi: printable.y_dpi,
    })
}

/// A PDF ends with `%%EOF` (ISO 32000-1 7.5.5) in its last kilobyte or so;
/// without it the file was cut off, and hayro's repair would render the
/// pages it still finds: a fax with the end missing.
fn check_complete(bytes: &[u8], name: &str) -> Result<(), RenderError> {
    let head = &bytes[..bytes.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(corrupt(name, "no %PDF- header".to_owned()));
    }
    let tail = &bytes[bytes.len().saturating_sub(2048)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(corrupt(
            name,
            "the file ends before the document does (no %%EOF: truncated?)".to_owned(),
        ));
    }
    Ok(())
}

/// Inflate every zlib stream of the file into a small buffer, counting
/// the bytes, and refuse the file past [`MAX_PDF_INFLATED_BYTES`]. Streams
/// are found by their keywords; damage just ends a stream's count.
/// Encrypted streams and other filters (LZW, RunLength) are not counted.
fn check_inflated_size(bytes: &[u8], name: &str) -> Result<(), RenderError> {
    use std::io::Read;
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    let mut pos = 0;
    while let Some(i) = find(&bytes[pos..], b"stream") {
        let at = pos + i;
        pos = at + 6;
        if bytes[..at].ends_with(b"end") {
            continue;
        }
        let mut start = pos;
        if bytes.get(start) == Some(&b'\r') {
            start += 1;
        }
        if bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
        let end = find(&bytes[start..], b"endstream").map_or(bytes.len(), |e| start + e);
        let data = &bytes[start..end];
        pos = end;
        // A zlib header: deflate, and the check bits (RFC 1950 2.2).
        let zlib = data.len() > 2
            && data[0] & 0x0F == 8
            && (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 == 0;
        if !zlib {
            continue;
        }
        let mut inflater = flate2::read::ZlibDecoder::new(data);
        while let Ok(n) = inflater.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > MAX_PDF_INFLATED_BYTES {
                return Err(too_large(
                    name,
                    format!(
                        "its compressed streams unpack to more than {} MB",
                        MAX_PDF_INFLATED_BYTES >> 20
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Where each PDF page goes on paper, checked against the limits.
fn plan(bytes: &[u8], name: &str, area: &PrintArea) -> Result<Vec<Placed>, RenderError> {
    let pdf = open(bytes, name)?;
    let pages = pdf.pages();
    if pages.is_empty() {
        return Err(corrupt(name, "it has no pages".to_owned()));
    }
    if pages.len() > MAX_PAGES {
        return Err(too_large(
            name,
            format!("{} pages (at most {MAX_PAGES})", pages.len()),
        ));
    }
    let mut total = 0usize;
    let mut plan = Vec::with_capacity(pages.len());
    for (i, page) in pages.iter().enumerate() {
        let (w, h) = page.render_dimensions();
        if !(w.is_finite() && h.is_finite() && w >= 1.0 && h >= 1.0) {
            return Err(corrupt(name, format!("page {} is {w} x {h} points", i + 1)));
        }
        if w > MAX_PDF_PAGE_SIDE_PT || h > MAX_PDF_PAGE_SIDE_PT {
            return Err(too_large(
                name,
                format!(
                    "page {} is {:.0} x {:.0} mm (at most {:.0} mm a side)",
                    i + 1,
                    f64::from(w) / 72.0 * 25.4,
                    f64::from(h) / 72.0 * 25.4,
                    f64::from(MAX_PDF_PAGE_SIDE_PT) / 72.0 * 25.4
                ),
            ));
        }
        // One image pixel per point: place_image prints at most 72 image
        // pixels per inch, i.e. a PDF page at most at its own size.
        let placement = area.place_image(w.round() as u32, h.round() as u32);
        total += placement.pages as usize;
        if total > MAX_PAGES {
            return Err(too_large(
                name,
                format!("more than {MAX_PAGES} fax pages on paper"),
            ));
        }
        plan.push(Placed {
            width_pt: f64::from(w),
            height_pt: f64::from(h),
            placement,
        });
    }
    Ok(plan)
}

/// Fax pages of some PDF pages, with each PDF page's index.
type Numbered = Vec<(usize, Vec<BilevelPage>)>;

/// One PDF page and where it goes.
struct Placed {
    width_pt: f64,
    height_pt: f64,
    placement: Placement,
}

/// Render the PDF pages `k`, `k + step`, ... of the plan. With `bits`,
/// each page is tried on the 1-bit path first, counting the pages it drew.
#[allow(clippy::too_many_arguments)]
fn render_share(
    bytes: &[u8],
    name: &str,
    setup: &PageSetup,
    area: &PrintArea,
    plan: &[Placed],
    k: usize,
    step: usize,
    bits: Option<&AtomicUsize>,
) -> Result<Vec<Vec<BilevelPage>>, RenderError> {
    let pdf = open(bytes, name)?;
    let pages = pdf.pages();
    if pages.len() != plan.len() {
        return Err(corrupt(name, "the page count changed".to_owned()));
    }
    // Warnings come from inside hayro through a shared callback; the first
    // one that means missing content fails the page.
    let warning = Arc::new(AtomicU8::new(0));
    let sink = warning.clone();
    let settings = InterpreterSettings {
        warning_sink: Arc::new(move |w| {
            let code = match w {
                InterpreterWarning::UnsupportedFont => 1,
                InterpreterWarning::ImageDecodeFailure => 2,
                _ => 0,
            };
            if code != 0 {
                sink.store(code, Ordering::Relaxed);
            }
        }),
        ..InterpreterSettings::default()
    };
    let render_settings = RenderSettings::default();
    let cache = RenderCache::new();
    let mut ctx = RenderContext::new(1, 1);
    let mut pixmap = Pixmap::new(1, 1);
    let mut resources = Resources::default();
    let mut scratch = raster::Scratch::default();
    let interpreter_cache = InterpreterCache::new();
    let mut glyphs = bits::GlyphCache::default();
    let mut out = Vec::new();
    for (i, placed) in plan.iter().enumerate().skip(k).step_by(step) {
        let page = &pages[i];
        let p = placed.placement;
        // PDF page (top-down points) → turned → fax pixels.
        let (turned, tw, th) = if p.rotate {
            (
                Affine::new([0.0, -1.0, 1.0, 0.0, 0.0, placed.width_pt]),
                placed.height_pt,
                placed.width_pt,
            )
        } else {
            (Affine::IDENTITY, placed.width_pt, placed.height_pt)
        };
        let to_pixels =
            Affine::scale_non_uniform(f64::from(p.width) / tw, f64::from(p.height) / th)
                * turned
                * page.initial_transform(true).to_kurbo();
        let mut fax_pages = Vec::with_capacity(p.pages as usize);
        let mut from = 0u32;
        while from < p.height {
            let top = if from == 0 { p.y } else { area.y };
            let rows = (area.y + area.height)
                .saturating_sub(top)
                .min(p.height - from)
                .max(1);
            // Both at most one fax page (1728 × 4584 at superfine).
            let (w16, h16) = (
                p.width.min(u32::from(u16::MAX)) as u16,
                rows.min(u32::from(u16::MAX)) as u16,
            );
            let transform = Affine::translate((0.0, -f64::from(from))) * to_pixels;
            let mut fax = setup.blank_page();
            let drawn = bits.is_some() && {
                let target = Rect::new(0.0, 0.0, f64::from(w16), f64::from(h16));
                let mut context = Context::new(
                    transform,
                    target,
                    &interpreter_cache,
                    page.xref(),
                    settings.clone(),
                );
                let crop = transform.transform_rect_bbox(page.intersected_crop_box().to_kurbo());
                let mut device = bits::BitDevice::new(
                    &mut fax,
                    p.x,
                    top,
                    u32::from(w16),
                    u32::from(h16),
                    crop,
                    &mut glyphs,
                    &mut scratch,
                );
                interpret_page(page, &mut context, &mut device);
                device.unsupported.is_none()
            };
            if drawn {
                if let Some(count) = bits {
                    count.fetch_add(1, Ordering::Relaxed);
                }
            } else {
                fax = setup.blank_page();
                ctx.reset_and_resize(w16, h16);
                pixmap.resize(w16, h16);
                render_into(
                    page,
                    &cache,
                    &settings,
                    &render_settings,
                    &mut ctx,
                    transform,
                );
                ctx.flush();
                ctx.render_with(
                    &mut pixmap,
                    &mut resources,
                    RasterizerSettings {
                        target_init: TargetInit::Clear(WHITE),
                        ..Default::default()
                    },
                );
            }
            match warning.load(Ordering::Relaxed) {
                1 => {
                    return Err(corrupt(
                        name,
                        format!("a font on page {} cannot be loaded", i + 1),
                    ))
                }
                2 => {
                    return Err(corrupt(
                        name,
                        format!("an image on page {} cannot be decoded", i + 1),
                    ))
                }
                _ => {}
            }
            if !drawn {
                raster::to_page(
                    pixmap.data_as_u8_slice(),
                    u32::from(w16),
                    u32::from(h16),
                    &mut fax,
                    p.x,
                    top,
                    &mut scratch,
                );
            }
            fax_pages.push(fax);
            from += rows;
        }
        out.push(fax_pages);
    }
    Ok(out)
}

/// Parse, telling a password apart from damage.
fn open(bytes: &[u8], name: &str) -> Result<Pdf, RenderError> {
    Pdf::new(bytes.to_vec()).map_err(|e| match e {
        LoadPdfError::Decryption(DecryptionError::PasswordProtected) => RenderError::Unsupported {
            name: name.to_owned(),
            reason: "the PDF is protected by a password; send it without one".to_owned(),
        },
        LoadPdfError::Decryption(DecryptionError::UnsupportedAlgorithm) => {
            RenderError::Unsupported {
                name: name.to_owned(),
                reason: "the PDF is encrypted with a method we cannot open".to_owned(),
            }
        }
        LoadPdfError::Decryption(other) => {
            corrupt(name, format!("its encryption is damaged ({other:?})"))
        }
        LoadPdfError::Invalid => corrupt(name, "the PDF structure cannot be read".to_owned()),
    })
}

/// Run `f`, turning a panic inside the PDF library into an error about the
/// file (the message still goes to stderr through the panic hook).
fn guarded<T>(name: &str, f: impl FnOnce() -> T) -> Result<T, RenderError> {
    catch_unwind(AssertUnwindSafe(f))
        .map_err(|_| corrupt(name, "the PDF renderer failed on its content".to_owned()))
}

fn corrupt(name: &str, reason: String) -> RenderError {
    RenderError::Corrupt {
        name: name.to_owned(),
        kind: KIND,
        reason,
    }
}

fn too_large(name: &str, reason: String) -> RenderError {
    RenderError::TooLarge {
        name: name.to_owned(),
        reason,
    }
}
