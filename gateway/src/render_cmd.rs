//! `ums render`: documents or a whole mail into a T.6 TIFF-F, exactly as
//! the gateway renders them before sending (for operators checking what a
//! fax will look like, and for benchmarks).
//!
//! ```text
//! ums render offer.pdf logo.png notes.txt -o out.tif     # files, in order
//! ums render --eml message.eml --standard -o out.tif     # a whole mail
//! ```
//!
//! Exit codes: 0 written; 2 bad arguments; 3 a document cannot be rendered
//! (the message names it and says why, as the sender's error report
//! would); 4 an input or output file could not be read or written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use fax_t30::page::{PaperSize, Resolution};
use kernel::render::{
    render_mail, Attachment, CoverMode, MailDocument, MailRenderError, PageSetup, RenderOptions,
};
use kernel::report::Language;

use crate::outln;

/// Exit code: a document cannot be rendered.
pub const EXIT_RENDER_ERROR: u8 = 3;
/// Exit code: a file could not be read or written.
pub const EXIT_IO_ERROR: u8 = 4;
/// Exit code: the arguments do not make sense.
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Documents to render, in order (PDF, TIFF, PNG, JPEG, GIF, BMP, text,
    /// HTML, Office documents).
    pub files: Vec<PathBuf>,
    /// Render this mail (RFC 5322 file) as the gateway would: cover, body
    /// and every attachment.
    #[arg(long, conflicts_with = "files")]
    pub eml: Option<PathBuf>,
    /// Output TIFF-F (T.6).
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// Fine resolution, 204 x 196 dpi (the default).
    #[arg(long, conflicts_with = "standard")]
    pub fine: bool,
    /// Standard resolution, 204 x 98 dpi.
    #[arg(long)]
    pub standard: bool,
    /// US Letter paper instead of A4.
    #[arg(long)]
    pub letter: bool,
    /// Cover page: text (when the body has text), always, no-attachment or
    /// never. Default: text for --eml, never for files.
    #[arg(long)]
    pub cover: Option<String>,
    /// Cover template file (placeholders {from} {to} {subject} {date}
    /// {pages} {body}); default: the built-in one of --language.
    #[arg(long)]
    pub cover_template: Option<PathBuf>,
    /// Language of the built-in cover: en or de.
    #[arg(long, default_value = "en")]
    pub language: String,
    /// Text size in points for text bodies and text files.
    #[arg(long, default_value_t = 10.0)]
    pub text_size: f32,
}

/// What went wrong, with the exit code it maps to.
#[derive(Debug)]
pub enum RenderCmdError {
    Usage(String),
    Io(String),
    Render(MailRenderError),
}

impl RenderCmdError {
    pub fn exit_code(&self) -> u8 {
        match self {
            RenderCmdError::Usage(_) => EXIT_USAGE,
            RenderCmdError::Io(_) => EXIT_IO_ERROR,
            RenderCmdError::Render(_) => EXIT_RENDER_ERROR,
        }
    }
}

impl std::fmt::Display for RenderCmdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenderCmdError::Usage(s) => write!(f, "{s}"),
            RenderCmdError::Io(s) => write!(f, "{s}"),
            RenderCmdError::Render(e) => write!(f, "cannot render: {e}"),
        }
    }
}

/// Run the command: print a summary or the error, return the exit code.
pub fn run(args: &RenderArgs) -> ExitCode {
    match render(args) {
        Ok(summary) => {
            outln!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ums render: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// The options the arguments ask for.
pub fn options(args: &RenderArgs) -> Result<RenderOptions, RenderCmdError> {
    let resolution = if args.standard {
        Resolution::Standard
    } else {
        Resolution::Fine
    };
    let paper = if args.letter {
        PaperSize::Letter
    } else {
        PaperSize::A4
    };
    let cover = match &args.cover {
        Some(c) => c.parse::<CoverMode>().map_err(RenderCmdError::Usage)?,
        None if args.eml.is_some() => CoverMode::default(),
        None => CoverMode::Never,
    };
    let language = match args.language.to_ascii_lowercase().as_str() {
        "en" => Language::En,
        "de" => Language::De,
        other => {
            return Err(RenderCmdError::Usage(format!(
                "--language {other}: use en or de"
            )))
        }
    };
    let cover_template = match &args.cover_template {
        Some(p) => Some(read_text(p)?),
        None => None,
    };
    Ok(RenderOptions {
        setup: PageSetup::new(paper, resolution),
        text_size_pt: args.text_size,
        cover,
        cover_template,
        language,
        ..RenderOptions::default()
    })
}

fn read(path: &Path) -> Result<Vec<u8>, RenderCmdError> {
    std::fs::read(path).map_err(|e| RenderCmdError::Io(format!("{}: {e}", path.display())))
}

fn read_text(path: &Path) -> Result<String, RenderCmdError> {
    String::from_utf8(read(path)?)
        .map_err(|_| RenderCmdError::Io(format!("{}: not UTF-8 text", path.display())))
}

/// The mail to render: the `--eml` message, or the files as attachments of
/// a mail without text.
pub fn document(args: &RenderArgs) -> Result<MailDocument, RenderCmdError> {
    if let Some(eml) = &args.eml {
        let raw = read(eml)?;
        return smtp::mime::parse_document(&raw).ok_or_else(|| {
            RenderCmdError::Render(MailRenderError::Body {
                error: kernel::render::RenderError::Corrupt {
                    name: eml.display().to_string(),
                    kind: "Internet message",
                    reason: "it could not be parsed".into(),
                },
            })
        });
    }
    if args.files.is_empty() {
        return Err(RenderCmdError::Usage(
            "give documents to render, or --eml MESSAGE".into(),
        ));
    }
    let mut doc = MailDocument::default();
    for f in &args.files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| f.display().to_string());
        doc.attachments.push(Attachment {
            name,
            content_type: String::new(),
            bytes: read(f)?,
        });
    }
    Ok(doc)
}

/// Render and write the TIFF; the summary line on success.
pub fn render(args: &RenderArgs) -> Result<String, RenderCmdError> {
    let options = options(args)?;
    let doc = document(args)?;
    let rendered = render_mail(&doc, &options).map_err(RenderCmdError::Render)?;
    let bytes = fax_t30::tiff::write_tiff(&rendered.pages, &Default::default());
    std::fs::write(&args.output, bytes)
        .map_err(|e| RenderCmdError::Io(format!("{}: {e}", args.output.display())))?;
    Ok(format!(
        "{}: {} page(s){}, {} {}",
        args.output.display(),
        rendered.pages.len(),
        if rendered.cover_pages > 0 {
            format!(" ({} cover)", rendered.cover_pages)
        } else {
            String::new()
        },
        if args.letter { "Letter" } else { "A4" },
        if args.standard {
            "standard (204x98)"
        } else {
            "fine (204x196)"
        },
    ))
}
