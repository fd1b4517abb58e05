//! The crate's one error type: the peer's fault, our incompatibility and
//! local misuse kept apart (STYLE.md rule 5).

/// What went wrong in the SIP engines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SipError {
    /// The peer sent bytes that are not a SIP message we can read (answer
    /// 400 when it was a request and enough of it was readable).
    #[error("malformed SIP message: {0}")]
    Malformed(String),
    /// A stream (TCP) message is not complete yet: feed more bytes.
    #[error("incomplete SIP message")]
    Incomplete,
    /// The message is larger than the hard cap.
    #[error("SIP message larger than {0} bytes")]
    TooLarge(usize),
    /// A header the engines need is missing or unreadable.
    #[error("missing or bad {0} header")]
    BadHeader(&'static str),
    /// Malformed SDP body.
    #[error("malformed SDP: {0}")]
    BadSdp(String),
    /// The peer's offer or answer has nothing we can use (answer 488).
    #[error("no acceptable media: {0}")]
    NotAcceptable(String),
    /// A digest challenge we cannot answer (unknown algorithm, no realm...).
    #[error("cannot answer authentication challenge: {0}")]
    Auth(String),
    /// The engine was asked to do something its state does not allow.
    #[error("invalid in this state: {0}")]
    InvalidState(&'static str),
}

impl From<rsip::Error> for SipError {
    fn from(e: rsip::Error) -> Self {
        // The text quotes the peer's bytes: cut it short, on a character
        // boundary (a byte cut panicked on UTF-8 input, found by the fuzzer).
        let s: String = e.to_string().chars().take(200).collect();
        SipError::Malformed(s)
    }
}
