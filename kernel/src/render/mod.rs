//! The render connector, first part: plain text and raster images into
//! bilevel fax pages (issue 5).
//!
//! ```text
//!  text/plain ──▶ text::render_text ──┐   font: DejaVu Sans via ab_glyph,
//!                  (wrap, tabs, \f)    │   rasterised at 204 × 98/196 dpi
//!                                      ├──▶ Vec<BilevelPage> ──▶ TiffPage (T.6) ──▶ spool
//!  PNG/JPEG/GIF/ ─▶ image::render_image┘   decode with limits, gray, rotate,
//!  BMP/TIFF          (fit, dither)          scale to fit, dither or threshold
//! ```
//!
//! Every function here is pure: bytes in, pages out, no clock and no files
//! except the system font that [`Font::system_default`] reads once. A
//! document that cannot be rendered is a [`RenderError`] naming it and the
//! reason, which the kernel turns into the sender's error report: a job
//! never goes out as a blank fax.
//!
//! ```no_run
//! use kernel::render::{render_text, Font, PageSetup};
//! use fax_t30::codec::Compression;
//! use fax_t30::page::{PaperSize, Resolution};
//! use fax_t30::tiff::TiffPage;
//!
//! let font = Font::system_default()?;
//! let setup = PageSetup::new(PaperSize::A4, Resolution::Fine);
//! let pages = render_text("Hello, fax.\n", &setup, &font, 10.0)?;
//! let tiff: Vec<TiffPage> =
//!     pages.iter().map(|p| TiffPage::from_page(p, Compression::T6)).collect();
//! # Ok::<(), kernel::render::RenderError>(())
//! ```

mod bilevel;
pub mod cover;
mod font;
mod geometry;
mod image;
pub mod mail;
pub mod office;
mod pdf;
mod preview;
mod refit;
mod text;

pub use self::cover::CoverMode;
pub use self::font::{Font, SYSTEM_FONT_PATHS};
pub use self::geometry::{PageSetup, Placement, PrintArea};
pub use self::image::{render_image, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE};
pub use self::mail::{
    render_mail, Attachment, MailDocument, MailRenderError, RenderOptions, RenderedMail,
};
pub use self::office::OfficeConfig;
pub use self::pdf::render_pdf;
pub use self::pdf::render_pdf_counted;
pub use self::pdf::{render_pdf_threads, MAX_PDF_PAGE_SIDE_PT};
pub use self::preview::{first_page_png, page_png, PREVIEW_WIDTH};
pub use self::text::render_text;

/// Most pages one document may render to; more is refused as
/// [`RenderError::TooLarge`] (a fax of 1000 pages takes a line for hours).
pub const MAX_PAGES: usize = 1000;

/// Why a document could not be rendered. Each variant names the document
/// (attachment file name, or `"text body"`) so the sender's error report can
/// say which one failed; all of them are permanent: sending again will not
/// help until the sender changes the document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The file is damaged, truncated or not what its type says.
    #[error("{name}: the file is damaged or not a valid {kind} ({reason})")]
    Corrupt {
        name: String,
        kind: &'static str,
        reason: String,
    },
    /// A format or a feature of it that we do not render.
    #[error("{name}: cannot be sent as a fax: {reason}")]
    Unsupported { name: String, reason: String },
    /// Too large to render safely: a decompression bomb, or simply more
    /// pixels or pages than a fax should carry.
    #[error("{name}: too large to send as a fax: {reason}")]
    TooLarge { name: String, reason: String },
    /// No font to draw text with.
    #[error("no font for rendering text: {reason}")]
    NoFont { reason: String },
    /// The page set-up cannot hold anything (margins wider than the paper).
    #[error("page set-up leaves no room to print: {reason}")]
    BadSetup { reason: String },
}

impl RenderError {
    /// The document the error is about, if any.
    pub fn name(&self) -> Option<&str> {
        match self {
            RenderError::Corrupt { name, .. }
            | RenderError::Unsupported { name, .. }
            | RenderError::TooLarge { name, .. } => Some(name),
            RenderError::NoFont { .. } | RenderError::BadSetup { .. } => None,
        }
    }
}

/// The name text renders report in errors.
pub(crate) const TEXT_NAME: &str = "text body";
