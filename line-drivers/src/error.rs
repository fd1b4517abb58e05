//! The crate's one error type. A `LineError` is what a [`Line`](crate::Line)
//! refuses synchronously; a call that fails on the network side ends with a
//! [`HangupCause`](crate::HangupCause) event instead.

use crate::line::{CallId, MediaKind};

/// Why a line refused a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LineError {
    /// The line already carries a call (one call per line, like a B channel).
    #[error("the line already has a call")]
    LineBusy,
    /// The call is not (or no longer) on this line.
    #[error("no call {0} on this line")]
    NoSuchCall(CallId),
    /// `answer` on a call that is not ringing in on this line.
    #[error("call {0} is not ringing on this line")]
    NotRinging(CallId),
    /// `send` on a call that has not been answered yet or carries other media.
    #[error("call {0} is not connected")]
    NotConnected(CallId),
    /// This line (or this call) does not carry that kind of media.
    #[error("{0:?} media is not supported here")]
    Unsupported(MediaKind),
    /// This line does not carry out-of-band DTMF.
    #[error("DTMF events are not supported on this line")]
    DtmfUnsupported,
    /// Not a DTMF digit (0-9, *, #, A-D).
    #[error("{0:?} is not a DTMF digit")]
    InvalidDtmf(char),
    /// The dialled string is empty, too long or contains non-dial characters.
    #[error("invalid number {0:?}")]
    InvalidNumber(String),
    /// Another line already has this number (configuration error).
    #[error("number {0:?} is already assigned to a line")]
    NumberInUse(String),
    /// The line is out of service (its media ports could not be bound, or
    /// a socket failed); the reason says which.
    #[error("the line is out of service: {0}")]
    OutOfService(String),
    /// The device or socket under a driver failed.
    #[error("line I/O error")]
    Io(#[from] std::io::Error),
}
