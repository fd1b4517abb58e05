//! The one error type of this crate. The peer's fault (a malformed file or
//! stream), our own incompatibility (spandsp refused a setting) and I/O are
//! kept apart so callers can tell the user the right thing.

use std::path::PathBuf;

/// Everything that can go wrong in `fax-t30`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A TIFF file is not a fax image we can read (bad header, missing tag,
    /// unsupported compression, truncated strip, ...).
    #[error("{path}: not a readable fax TIFF: {reason}")]
    BadTiff { path: String, reason: String },
    /// Compressed T.4/T.6 data could not be decoded at all.
    #[error("corrupt {compression} data: {reason}")]
    BadImageData {
        compression: &'static str,
        reason: String,
    },
    /// A page does not fit what a fax can carry (width, resolution, size).
    #[error("page not transmittable: {0}")]
    UnsupportedPage(String),
    /// spandsp refused to create or configure a state (out of memory, a
    /// setting it does not support).
    #[error("spandsp: {0}")]
    Engine(String),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
