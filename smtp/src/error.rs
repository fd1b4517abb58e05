//! The crate's one error type. A client's protocol error becomes its reply in
//! one place, [`SmtpError::reply_code`]; the driver's misuse of the engine API
//! is kept apart ([`ErrorKind::Driver`]), and so is what we do not implement
//! ([`ErrorKind::Unsupported`]).

use std::fmt;

use crate::wire::reply::ReplyCode;

/// What is wrong with a path in MAIL FROM or RCPT TO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddressError {
    /// Not a `<path>` of RFC 5321 §4.1.2.
    Syntax,
    /// Over a size limit of RFC 5321 §4.5.3.1 (local part 64, domain 255,
    /// path 256 octets).
    TooLong,
    /// `<@relay,@relay:user@host>`: refused, this gateway never relays.
    SourceRoute,
    /// `<>` where a mailbox is required (RCPT).
    Null,
    /// Non-ASCII without SMTPUTF8.
    NonAscii,
}

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Syntax => "syntax error",
            Self::TooLong => "too long",
            Self::SourceRoute => "source route",
            Self::Null => "null path",
            Self::NonAscii => "non-ASCII without SMTPUTF8",
        })
    }
}

/// Who is at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The client sent something malformed or out of place.
    Peer,
    /// The client asked for something this server does not offer.
    Unsupported,
    /// The driver called the engine out of turn or with a bad reply.
    Driver,
}

/// Every error of the SMTP crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SmtpError {
    /// A command or SASL line longer than the configured cap.
    #[error("line too long")]
    LineTooLong,
    /// A command line ended in a bare LF.
    #[error("bare LF in command line")]
    BareLineFeed,
    /// A control character, bare CR or invalid UTF-8 in a command line.
    #[error("invalid character in command line")]
    InvalidCharacter,
    /// Unknown command verb.
    #[error("unrecognized command")]
    UnknownCommand,
    /// Malformed arguments.
    #[error("syntax error in arguments: {0}")]
    Arguments(&'static str),
    /// Malformed reverse-path.
    #[error("bad sender address: {0}")]
    Sender(AddressError),
    /// Malformed forward-path.
    #[error("bad recipient address: {0}")]
    Recipient(AddressError),
    /// A SASL response that is not base64.
    #[error("invalid base64 in SASL response")]
    Base64,
    /// A decoded SASL response that breaks its mechanism's rules.
    #[error("malformed SASL response: {0}")]
    Sasl(&'static str),
    /// The client cancelled AUTH with `*`.
    #[error("authentication cancelled by client")]
    AuthCancelled,
    /// An ESMTP parameter we do not know or offer.
    #[error("unrecognized parameter {0:?}")]
    UnknownParameter(String),
    /// An AUTH mechanism other than PLAIN and LOGIN.
    #[error("unrecognized authentication mechanism")]
    UnknownMechanism,
    /// BDAT and other known but unoffered commands.
    #[error("command not implemented")]
    NotImplemented,
    /// The driver answered a question the engine did not ask.
    #[error("no {0} answer is pending")]
    NotPending(&'static str),
    /// The driver built a reply that cannot go on the wire.
    #[error("invalid reply: {0}")]
    InvalidReply(&'static str),
}

impl SmtpError {
    /// Who is at fault.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownParameter(_) | Self::UnknownMechanism | Self::NotImplemented => {
                ErrorKind::Unsupported
            }
            Self::NotPending(_) | Self::InvalidReply(_) => ErrorKind::Driver,
            _ => ErrorKind::Peer,
        }
    }

    /// The reply this error earns on the wire. Driver errors never reach the
    /// wire; they map to a transient failure to keep this total.
    pub fn reply_code(&self) -> ReplyCode {
        use AddressError as A;
        match self {
            Self::LineTooLong => ReplyCode::LineTooLong,
            Self::BareLineFeed => ReplyCode::BareLfInCommand,
            Self::InvalidCharacter => ReplyCode::InvalidCharacter,
            Self::UnknownCommand => ReplyCode::CommandUnrecognized,
            Self::Arguments(_) => ReplyCode::ArgumentSyntax,
            Self::Sender(A::TooLong) => ReplyCode::SenderTooLong,
            Self::Sender(A::SourceRoute) => ReplyCode::SenderSourceRoute,
            Self::Sender(A::NonAscii) | Self::Recipient(A::NonAscii) => ReplyCode::NonAsciiAddress,
            Self::Sender(_) => ReplyCode::SenderSyntax,
            Self::Recipient(A::TooLong) => ReplyCode::RecipientTooLong,
            Self::Recipient(A::SourceRoute) => ReplyCode::RecipientSourceRoute,
            Self::Recipient(_) => ReplyCode::RecipientSyntax,
            Self::Base64 => ReplyCode::Base64Invalid,
            Self::Sasl(_) => ReplyCode::AuthFailed,
            Self::AuthCancelled => ReplyCode::AuthCancelled,
            Self::UnknownParameter(_) => ReplyCode::ParameterUnrecognized,
            Self::UnknownMechanism => ReplyCode::MechanismUnknown,
            Self::NotImplemented => ReplyCode::CommandNotImplemented,
            Self::NotPending(_) | Self::InvalidReply(_) => ReplyCode::LocalError,
        }
    }
}
