//! Office documents into PDF through LibreOffice in headless mode.
//!
//! `soffice --headless --convert-to pdf` runs in a fresh temporary
//! directory with its own user profile (`-env:UserInstallation`), so
//! conversions never share state with each other or with a desktop session,
//! and in its own process group, so a conversion that hangs past the
//! timeout is killed with every helper process it started. The PDF then goes
//! through [`render_pdf`](super::render_pdf) like any PDF attachment. Where
//! LibreOffice is not installed the document is a render error that names
//! the file and says so.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use super::RenderError;

/// File name extensions LibreOffice converts for us.
pub const OFFICE_EXTENSIONS: &[&str] = &[
    "doc", "docx", "odt", "rtf", "xls", "xlsx", "ods", "ppt", "pptx", "odp",
];

/// MIME types of the same formats.
const OFFICE_TYPES: &[&str] = &[
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
    "application/rtf",
    "text/rtf",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.presentation",
];

/// Largest PDF accepted back from LibreOffice.
const MAX_PDF_BYTES: u64 = 256 * 1024 * 1024;

/// How Office documents are converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeConfig {
    /// The `soffice` program; `None` looks for `soffice` or `libreoffice`
    /// on `PATH` and in `/usr/lib/libreoffice/program`.
    pub soffice: Option<PathBuf>,
    /// A conversion running longer than this is killed (a render error).
    pub timeout_secs: u32,
    /// Where the temporary directories go.
    pub temp_dir: PathBuf,
}

impl Default for OfficeConfig {
    fn default() -> OfficeConfig {
        OfficeConfig {
            soffice: None,
            timeout_secs: 120,
            temp_dir: std::env::temp_dir(),
        }
    }
}

/// Whether a document of this name or MIME type is an Office document.
pub fn is_office_document(name: &str, mime: &str) -> bool {
    let ext = extension(name);
    OFFICE_EXTENSIONS.contains(&ext.as_str()) || OFFICE_TYPES.contains(&mime)
}

fn extension(name: &str) -> String {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The `soffice` to run, if LibreOffice is installed.
pub fn find_soffice(config: &OfficeConfig) -> Option<PathBuf> {
    if let Some(p) = &config.soffice {
        return p.is_file().then(|| p.clone());
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.push(PathBuf::from("/usr/lib/libreoffice/program"));
    dirs.iter()
        .flat_map(|d| [d.join("soffice"), d.join("libreoffice")])
        .find(|p| p.is_file())
}

static NEXT_DIR: AtomicU64 = AtomicU64::new(0);

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(base: &Path) -> std::io::Result<TempDir> {
        loop {
            let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
            let p = base.join(format!("ums-office-{}-{n}", std::process::id()));
            match std::fs::create_dir(&p) {
                Ok(()) => return Ok(TempDir(p)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Convert the Office document `bytes` (called `name`) to PDF.
pub fn office_to_pdf(
    bytes: &[u8],
    name: &str,
    config: &OfficeConfig,
) -> Result<Vec<u8>, RenderError> {
    let unsupported = |reason: String| RenderError::Unsupported {
        name: name.to_owned(),
        reason,
    };
    let Some(soffice) = find_soffice(config) else {
        return Err(unsupported(
            "Office documents need LibreOffice, which is not installed on the gateway \
             (Debian: libreoffice-writer-nogui, -calc-nogui, -impress-nogui)"
                .into(),
        ));
    };
    let io = |what: &str, e: std::io::Error| unsupported(format!("{what}: {e}"));
    let dir = TempDir::new(&config.temp_dir).map_err(|e| io("temporary directory", e))?;
    // Our own file name: the sender's could hold anything.
    let ext = extension(name);
    let ext = if OFFICE_EXTENSIONS.contains(&ext.as_str()) {
        ext
    } else {
        "bin".to_owned()
    };
    let input = dir.0.join(format!("document.{ext}"));
    std::fs::write(&input, bytes).map_err(|e| io("writing the document", e))?;
    let profile = dir.0.join("profile");
    let out = dir.0.join("out");
    std::fs::create_dir(&out).map_err(|e| io("temporary directory", e))?;

    let mut cmd = Command::new(&soffice);
    cmd.arg(format!(
        "-env:UserInstallation=file://{}",
        profile.display()
    ))
    .args([
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        "pdf",
        "--outdir",
    ])
    .arg(&out)
    .arg(&input)
    .env("HOME", &dir.0)
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(
        std::fs::File::create(dir.0.join("stderr.txt"))
            .map(Stdio::from)
            .unwrap_or_else(|_| Stdio::null()),
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = cmd.spawn().map_err(|e| {
        unsupported(format!(
            "LibreOffice ({}) could not start: {e}",
            soffice.display()
        ))
    })?;
    // Wait without a clock: count short sleeps.
    const STEP_MS: u64 = 50;
    let steps = u64::from(config.timeout_secs.max(1)) * 1000 / STEP_MS;
    let mut status = None;
    for _ in 0..steps {
        match child.try_wait() {
            Ok(Some(s)) => {
                status = Some(s);
                break;
            }
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(STEP_MS)),
            Err(e) => return Err(io("waiting for LibreOffice", e)),
        }
    }
    let Some(status) = status else {
        kill_group(child.id());
        let _ = child.kill();
        let _ = child.wait();
        return Err(unsupported(format!(
            "LibreOffice did not finish converting it within {} s",
            config.timeout_secs
        )));
    };
    let pdf = out.join("document.pdf");
    let meta = std::fs::metadata(&pdf).ok();
    match meta {
        Some(m) if m.len() > MAX_PDF_BYTES => Err(RenderError::TooLarge {
            name: name.to_owned(),
            reason: format!("LibreOffice made a PDF of {} bytes", m.len()),
        }),
        Some(m) if m.len() > 0 => std::fs::read(&pdf).map_err(|e| io("reading the PDF", e)),
        _ => {
            let err = std::fs::read(dir.0.join("stderr.txt")).unwrap_or_default();
            let err = String::from_utf8_lossy(&err[..err.len().min(2000)]);
            let err = err.trim();
            Err(RenderError::Corrupt {
                name: name.to_owned(),
                kind: "Office document",
                reason: if err.is_empty() {
                    format!("LibreOffice could not convert it ({status})")
                } else {
                    format!("LibreOffice could not convert it ({status}): {err}")
                },
            })
        }
    }
}

/// Kill LibreOffice's whole process group (it starts helper processes).
fn kill_group(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", &format!("-{pid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_types_by_name_and_mime() {
        assert!(is_office_document("Offer.DOCX", "application/octet-stream"));
        assert!(is_office_document(
            "x",
            "application/vnd.oasis.opendocument.text"
        ));
        assert!(!is_office_document("scan.pdf", "application/pdf"));
    }

    #[test]
    fn missing_soffice_is_a_clear_error_naming_the_file() {
        let cfg = OfficeConfig {
            soffice: Some(PathBuf::from("/nonexistent/soffice")),
            ..OfficeConfig::default()
        };
        let e = office_to_pdf(b"x", "budget.xlsx", &cfg).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("budget.xlsx"), "{text}");
        assert!(text.contains("LibreOffice"), "{text}");
    }
}
