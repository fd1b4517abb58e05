//! A whole mail into fax pages: cover, body text and every attachment.
//!
//! ```text
//!  MailDocument ──▶ cover? (template, body on it) ──┐
//!   (from, to,      or body pages (text / HTML)     ├──▶ RenderedMail (T.6 pages)
//!    subject, ...)  attachments, in order: ─────────┘
//!                    fax TIFF as is · image · PDF · text (charset) · HTML ·
//!                    Office (LibreOffice → PDF)
//! ```
//!
//! [`MailDocument`] is neutral: the SMTP connector fills it from a parsed
//! message (`smtp::mime::to_document`), and `ums render --eml` does the
//! same, so the operator's tool renders exactly what the gateway sends.
//! The first document that cannot be rendered stops the mail with a
//! [`MailRenderError`] naming it: a fax never goes out with a page missing.

use fax_t30::codec::Compression;
use fax_t30::tiff::TiffPage;

use super::cover::{builtin_template, fill_template, CoverFields, CoverMode};
use super::office::{is_office_document, office_to_pdf, OfficeConfig};
use super::{render_image, render_pdf, render_text, Font, PageSetup, RenderError, MAX_PAGES};
use crate::report::{Cause, Language};

/// Monospaced fonts for HTML rendered as text (tables line up).
pub const MONO_FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/dejavu/DejaVuSansMono.ttf",
];

/// Columns HTML is laid out in (DejaVu Sans Mono at 10 pt fills the print
/// area of A4 and Letter with 90).
const HTML_COLUMNS_AT_10PT: f32 = 90.0;

/// An attachment: its file name, MIME type (with parameters such as
/// `charset`, as in the Content-Type field) and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A mail as the renderer sees it: header values for the cover, the body
/// (text and/or HTML, already decoded) and the attachments in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailDocument {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub date: String,
    pub text_body: Option<String>,
    pub html_body: Option<String>,
    pub attachments: Vec<Attachment>,
}

/// How a mail is rendered.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    pub setup: PageSetup,
    /// Size of body and text-file text, in points.
    pub text_size_pt: f32,
    pub cover: CoverMode,
    /// The cover template; `None` is the built-in one of `language`.
    pub cover_template: Option<String>,
    pub language: Language,
    pub office: OfficeConfig,
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions {
            setup: PageSetup::default(),
            text_size_pt: 10.0,
            cover: CoverMode::default(),
            cover_template: None,
            language: Language::En,
            office: OfficeConfig::default(),
        }
    }
}

/// The pages of a mail, T.6-coded, ready for the spool.
#[derive(Debug, Clone)]
pub struct RenderedMail {
    pub pages: Vec<TiffPage>,
    /// How many of the first pages are the cover (0: no cover).
    pub cover_pages: u32,
}

/// Why a mail could not be rendered; names the attachment where one is at
/// fault, which the sender's error report quotes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MailRenderError {
    /// This attachment cannot be rendered.
    #[error("{error}")]
    Attachment { name: String, error: RenderError },
    /// The mail's own text (or the cover) cannot be rendered.
    #[error("the mail text: {error}")]
    Body { error: RenderError },
    /// Nothing to send.
    #[error("the mail has neither text nor an attachment to fax")]
    Empty,
}

impl MailRenderError {
    /// The attachment at fault, if one is.
    pub fn attachment(&self) -> Option<&str> {
        match self {
            MailRenderError::Attachment { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The cause the sender's report gives: a damaged file (or one whose
    /// content is not what its name says), a type we do not send, or a
    /// document that could not be made into pages for another reason
    /// (too large, the mail's own text).
    pub fn cause(&self) -> Cause {
        match self {
            MailRenderError::Attachment {
                error: RenderError::Corrupt { .. },
                ..
            } => Cause::DamagedAttachment,
            MailRenderError::Attachment {
                error: RenderError::Unsupported { .. },
                ..
            } => Cause::UnsupportedAttachment,
            _ => Cause::RenderFailed,
        }
    }

    /// The underlying render error, if any.
    pub fn render_error(&self) -> Option<&RenderError> {
        match self {
            MailRenderError::Attachment { error, .. } | MailRenderError::Body { error } => {
                Some(error)
            }
            MailRenderError::Empty => None,
        }
    }
}

/// What kind of document an attachment is, from its content, name and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    FaxTiff,
    Image,
    Pdf,
    Text,
    Html,
    Office,
    Unknown,
}

/// Classify a document: magic bytes first, then the name's extension,
/// then the MIME type.
pub fn classify(name: &str, content_type: &str, bytes: &[u8]) -> DocumentKind {
    let mime = mime_type(content_type);
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    let is_tiff_magic = bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*");
    if is_tiff_magic || mime == "image/tiff" || ext == "tif" || ext == "tiff" {
        if fax_t30::tiff::read_tiff(bytes, name).is_ok_and(|p| !p.is_empty()) {
            return DocumentKind::FaxTiff;
        }
        return DocumentKind::Image;
    }
    if bytes.starts_with(b"%PDF") || ext == "pdf" || mime == "application/pdf" {
        return DocumentKind::Pdf;
    }
    if is_office_document(name, &mime) {
        return DocumentKind::Office;
    }
    match ext {
        "png" | "jpg" | "jpeg" | "gif" | "bmp" => return DocumentKind::Image,
        "txt" | "text" => return DocumentKind::Text,
        "htm" | "html" => return DocumentKind::Html,
        _ => {}
    }
    if mime.starts_with("image/") {
        DocumentKind::Image
    } else if mime == "text/html" {
        DocumentKind::Html
    } else if mime == "text/plain" {
        DocumentKind::Text
    } else {
        DocumentKind::Unknown
    }
}

/// `type/subtype` of a Content-Type value, lower case.
fn mime_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The `charset` parameter of a Content-Type value.
fn charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Text bytes into a string: the declared charset when there is one that
/// we know, else a byte-order mark, else UTF-8 when valid, else
/// Windows-1252 (the usual charset of undeclared Western text).
pub fn decode_text(bytes: &[u8], content_type: &str) -> String {
    let declared =
        charset(content_type).and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes()));
    if let Some(enc) = declared {
        return enc.decode(bytes).0.into_owned();
    }
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc.decode(bytes).0.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

/// HTML as readable text: paragraphs, headings, lists, tables laid out in
/// `columns` monospaced columns; images and scripts dropped.
pub fn html_to_text(html: &str, columns: usize) -> String {
    let config = html2text::config::plain_no_decorate();
    let text = config
        .string_from_read(html.as_bytes(), columns.max(20))
        .unwrap_or_else(|_| {
            // html2text only fails on a width too narrow for a table;
            // fall back to letting lines overflow (they wrap on the page).
            html2text::config::plain_no_decorate()
                .allow_width_overflow()
                .string_from_read(html.as_bytes(), columns.max(20))
                .unwrap_or_default()
        });
    text
}

/// The fonts one mail uses (each read from disk once per process).
struct Fonts {
    text: Option<Font>,
    mono: Option<Option<Font>>,
}

impl Fonts {
    fn text(&mut self) -> Result<&Font, RenderError> {
        if self.text.is_none() {
            self.text = Some(Font::system_default()?);
        }
        Ok(self.text.as_ref().expect("just set"))
    }

    /// The monospaced font, or the text font where none is installed.
    fn mono(&mut self) -> Result<&Font, RenderError> {
        if self.mono.is_none() {
            let mono = Font::first_of(MONO_FONT_PATHS);
            self.mono = Some(mono);
        }
        if self.mono.as_ref().is_some_and(|m| m.is_some()) {
            return Ok(self
                .mono
                .as_ref()
                .and_then(|m| m.as_ref())
                .expect("checked"));
        }
        self.text()
    }
}

/// The body as text to print, and whether it came from HTML (monospaced).
fn body_text(mail: &MailDocument, columns: usize) -> Option<(String, bool)> {
    if let Some(t) = mail.text_body.as_deref().filter(|t| !t.trim().is_empty()) {
        return Some((t.to_owned(), false));
    }
    let html = mail.html_body.as_deref()?;
    let text = html_to_text(html, columns);
    (!text.trim().is_empty()).then_some((text, true))
}

fn html_columns(options: &RenderOptions) -> usize {
    let width_in = options
        .setup
        .print_area()
        .map(|a| f64::from(a.width) / a.x_dpi)
        .unwrap_or(7.7);
    // 90 columns at 10 pt over the 7.7 in of A4's print area.
    let per_inch = f64::from(HTML_COLUMNS_AT_10PT) / 7.7 * 10.0 / f64::from(options.text_size_pt);
    ((width_in * per_inch).floor() as usize).clamp(20, 400)
}

/// Render a mail into pages: the cover (if the mode asks for one, with the
/// body text on it) or the body pages, then each attachment in order.
pub fn render_mail(
    mail: &MailDocument,
    options: &RenderOptions,
) -> Result<RenderedMail, MailRenderError> {
    let setup = &options.setup;
    let columns = html_columns(options);
    let mut fonts = Fonts {
        text: None,
        mono: None,
    };
    let body_err = |error| MailRenderError::Body { error };
    let body = body_text(mail, columns);
    let mut rest: Vec<TiffPage> = Vec::new();
    for a in &mail.attachments {
        let pages = render_attachment(a, options, &mut fonts, columns).map_err(|error| {
            MailRenderError::Attachment {
                name: a.name.clone(),
                error,
            }
        })?;
        rest.extend(pages);
        if rest.len() > MAX_PAGES {
            return Err(MailRenderError::Attachment {
                name: a.name.clone(),
                error: RenderError::TooLarge {
                    name: a.name.clone(),
                    reason: format!("the mail has more than {MAX_PAGES} pages"),
                },
            });
        }
    }

    let want_cover = options
        .cover
        .wants_cover(body.is_some(), !mail.attachments.is_empty());
    let mut front: Vec<TiffPage> = Vec::new();
    let mut cover_pages = 0;
    if want_cover {
        let template = options
            .cover_template
            .as_deref()
            .unwrap_or(builtin_template(options.language));
        let (text, html) = body.clone().unwrap_or_default();
        let font = if html {
            fonts.mono().map_err(body_err)?.clone()
        } else {
            fonts.text().map_err(body_err)?.clone()
        };
        // The page count includes the cover, whose length depends on the
        // count's digits: render until the count is stable (twice at most
        // in practice).
        let mut guess = rest.len() as u32 + 1;
        for _ in 0..4 {
            let filled = fill_template(
                template,
                &CoverFields {
                    from: &mail.from,
                    to: &mail.to,
                    subject: &mail.subject,
                    date: &mail.date,
                    pages: guess,
                    body: &text,
                },
            );
            let pages =
                render_text(&filled, setup, &font, options.text_size_pt).map_err(body_err)?;
            let total = (pages.len() + rest.len()) as u32;
            front = pages
                .iter()
                .map(|p| TiffPage::from_page(p, Compression::T6))
                .collect();
            if total == guess {
                break;
            }
            guess = total;
        }
        cover_pages = front.len() as u32;
    } else if let Some((text, html)) = &body {
        let font = if *html { fonts.mono() } else { fonts.text() }.map_err(body_err)?;
        front = render_text(text, setup, font, options.text_size_pt)
            .map_err(body_err)?
            .iter()
            .map(|p| TiffPage::from_page(p, Compression::T6))
            .collect();
    }
    front.extend(rest);
    if front.is_empty() {
        return Err(MailRenderError::Empty);
    }
    Ok(RenderedMail {
        pages: front,
        cover_pages,
    })
}

/// One attachment into T.6 pages.
fn render_attachment(
    a: &Attachment,
    options: &RenderOptions,
    fonts: &mut Fonts,
    columns: usize,
) -> Result<Vec<TiffPage>, RenderError> {
    let setup = &options.setup;
    let t6 = |pages: Vec<fax_t30::page::BilevelPage>| {
        pages
            .iter()
            .map(|p| TiffPage::from_page(p, Compression::T6))
            .collect::<Vec<_>>()
    };
    match classify(&a.name, &a.content_type, &a.bytes) {
        DocumentKind::FaxTiff => {
            let pages =
                fax_t30::tiff::read_tiff(&a.bytes, &a.name).map_err(|e| RenderError::Corrupt {
                    name: a.name.clone(),
                    kind: "fax TIFF",
                    reason: e.to_string(),
                })?;
            super::refit::refit_pages(pages, setup.resolution, &a.name)
        }
        DocumentKind::Image => render_image(&a.bytes, &a.name, setup).map(t6),
        DocumentKind::Pdf => render_pdf(&a.bytes, &a.name, setup).map(t6),
        DocumentKind::Office => {
            let pdf = office_to_pdf(&a.bytes, &a.name, &options.office)?;
            render_pdf(&pdf, &a.name, setup).map(t6)
        }
        DocumentKind::Text => {
            let text = decode_text(&a.bytes, &a.content_type);
            let pages = render_text(&text, setup, fonts.text()?, options.text_size_pt)
                .map_err(|e| rename(e, &a.name))?;
            // An empty text file adds nothing (a mail of nothing else is Empty).
            Ok(t6(pages))
        }
        DocumentKind::Html => {
            let html = decode_text(&a.bytes, &a.content_type);
            let text = html_to_text(&html, columns);
            let pages = render_text(&text, setup, fonts.mono()?, options.text_size_pt)
                .map_err(|e| rename(e, &a.name))?;
            Ok(t6(pages))
        }
        DocumentKind::Unknown => Err(RenderError::Unsupported {
            name: a.name.clone(),
            reason: format!(
                "{} cannot be faxed (send PDF, an image, text, HTML or an Office document)",
                if a.content_type.is_empty() {
                    "documents of this kind".to_owned()
                } else {
                    format!("{} documents", mime_type(&a.content_type))
                }
            ),
        }),
    }
}

/// Text renders name "text body" in errors; an attachment's name is better.
fn rename(e: RenderError, name: &str) -> RenderError {
    match e {
        RenderError::TooLarge { reason, .. } => RenderError::TooLarge {
            name: name.to_owned(),
            reason,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn att(name: &str, ct: &str, bytes: &[u8]) -> Attachment {
        Attachment {
            name: name.into(),
            content_type: ct.into(),
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn charsets_decode() {
        assert_eq!(
            decode_text(b"Gr\xfc\xdfe", "text/plain; charset=iso-8859-1"),
            "Grüße"
        );
        assert_eq!(
            decode_text(b"\x80 5", "text/plain; charset=\"windows-1252\""),
            "€ 5"
        );
        assert_eq!(
            decode_text(b"\xff\xfeA\x00\xe4\x00", "text/plain; charset=utf-16"),
            "Aä"
        );
        assert_eq!(decode_text("€".as_bytes(), "text/plain"), "€");
        assert_eq!(decode_text(b"caf\xe9", "text/plain"), "café");
    }

    #[test]
    fn html_keeps_headings_lists_tables_and_drops_images() {
        let t = html_to_text(
            "<h1>Title</h1><p>First para.</p><ul><li>one</li><li>two</li></ul>\
             <table><tr><td>Apples</td><td>3</td></tr><tr><td>Pears</td><td>12</td></tr></table>\
             <img src=\"cid:x\"><script>alert(1)</script>",
            90,
        );
        for w in [
            "Title",
            "First para.",
            "one",
            "two",
            "Apples",
            "Pears",
            "12",
        ] {
            assert!(t.contains(w), "{w} missing in {t:?}");
        }
        assert!(!t.contains("alert"), "{t:?}");
        let apples = t.lines().find(|l| l.contains("Apples")).unwrap();
        assert!(apples.contains('3'), "table row on one line: {t:?}");
    }

    #[test]
    fn classify_by_magic_name_and_type() {
        assert_eq!(classify("x.bin", "", b"%PDF-1.4"), DocumentKind::Pdf);
        assert_eq!(
            classify("a.docx", "application/octet-stream", b"PK"),
            DocumentKind::Office
        );
        assert_eq!(
            classify("a", "text/html; charset=utf-8", b"<p>"),
            DocumentKind::Html
        );
        assert_eq!(classify("a.txt", "", b"hi"), DocumentKind::Text);
        assert_eq!(
            classify("a.zip", "application/zip", b"PK"),
            DocumentKind::Unknown
        );
    }

    #[test]
    fn empty_body_with_attachment_adds_no_page_and_no_cover() {
        let png = {
            let mut buf = Vec::new();
            let img = ::image::GrayImage::from_pixel(40, 40, ::image::Luma([0]));
            img.write_to(
                &mut std::io::Cursor::new(&mut buf),
                ::image::ImageFormat::Png,
            )
            .unwrap();
            buf
        };
        let mail = MailDocument {
            text_body: Some("\r\n  \r\n".into()),
            attachments: vec![att("dot.png", "image/png", &png)],
            ..MailDocument::default()
        };
        let r = render_mail(&mail, &RenderOptions::default()).unwrap();
        assert_eq!(r.pages.len(), 1);
        assert_eq!(r.cover_pages, 0);
        // Always: a cover in front of the image.
        let opts = RenderOptions {
            cover: CoverMode::Always,
            ..RenderOptions::default()
        };
        let r = render_mail(&mail, &opts).unwrap();
        assert_eq!((r.pages.len(), r.cover_pages), (2, 1));
    }

    #[test]
    fn unknown_attachment_is_an_error_naming_it() {
        let mail = MailDocument {
            text_body: Some("see attached".into()),
            attachments: vec![att("data.zip", "application/zip", b"PK\x03\x04")],
            ..MailDocument::default()
        };
        let e = render_mail(&mail, &RenderOptions::default()).unwrap_err();
        assert_eq!(e.attachment(), Some("data.zip"));
        assert!(e.to_string().contains("data.zip"), "{e}");
        assert_eq!(e.cause(), Cause::UnsupportedAttachment);
    }

    /// Issue 12: a damaged PDF, and files whose bytes are not what their
    /// names say, are damaged files (not a type we cannot send), named.
    #[test]
    fn damaged_files_and_wrong_contents_are_damaged_attachments() {
        for (name, ct, bytes) in [
            ("offer.pdf", "application/pdf", &b"%PDF-1.4\n%%EOF\n"[..]),
            (
                "offer.pdf",
                "application/pdf",
                &b"Dear Sir, this is text.\n"[..],
            ),
            ("photo.jpg", "image/jpeg", &b"Dear Sir, this is text.\n"[..]),
            ("logo.png", "image/png", &b"\x89PNG\r\n\x1a\n cut off"[..]),
        ] {
            let mail = MailDocument {
                attachments: vec![att(name, ct, bytes)],
                ..MailDocument::default()
            };
            let e = render_mail(&mail, &RenderOptions::default()).unwrap_err();
            assert_eq!(e.attachment(), Some(name), "{e}");
            assert_eq!(e.cause(), Cause::DamagedAttachment, "{name}: {e}");
        }
        let e = render_mail(&MailDocument::default(), &RenderOptions::default()).unwrap_err();
        assert_eq!(e.cause(), Cause::RenderFailed, "no attachment to blame");
    }

    #[test]
    fn nothing_to_send_is_empty() {
        let e = render_mail(&MailDocument::default(), &RenderOptions::default()).unwrap_err();
        assert_eq!(e, MailRenderError::Empty);
    }
}
