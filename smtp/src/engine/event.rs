//! What comes out of a session ([`Output`]), the events the policy layer
//! answers ([`SessionEvent`]), and its answers ([`Verdict`], [`DataVerdict`]).

use std::fmt;

use crate::engine::config::PeerInfo;
use crate::wire::address::{ParsedAddress, ReversePath};
use crate::wire::command::AuthMechanism;
use crate::wire::params::{MailParams, RcptParams};
use crate::wire::reply::Reply;

/// One thing for the driver to do, from [`Session::poll_output`].
///
/// [`Session::poll_output`]: crate::engine::Session::poll_output
// An event is a few hundred bytes and there are a handful per message; a box
// would cost the driver a deref on every match for nothing measurable.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Write these bytes (one whole reply) to the client.
    Reply(Vec<u8>),
    /// Write all replies before this one, then start the TLS handshake on
    /// the connection and call `tls_established()` once it is done. Do not
    /// pass any further plaintext to the session.
    StartTls,
    /// Write all replies before this one, then close the connection.
    Close,
    /// Something for the policy layer; the ones that ask a question stop the
    /// session until the matching `answer_*` call.
    Event(SessionEvent),
}

/// Events for the policy layer. Every variant waits for an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// A well-formed MAIL FROM; answer with `answer_mail`.
    MailFrom {
        /// The reverse-path.
        from: ReversePath,
        /// Its ESMTP parameters.
        params: MailParams,
    },
    /// A well-formed RCPT TO within the recipient limit; answer with
    /// `answer_rcpt`. The address flags relay tricks for the policy.
    RcptTo {
        /// The forward-path.
        addr: ParsedAddress,
        /// Its ESMTP parameters.
        params: RcptParams,
    },
    /// A complete AUTH exchange; answer with `answer_auth`.
    Auth {
        /// PLAIN or LOGIN.
        mechanism: AuthMechanism,
        /// The user name (authentication identity).
        identity: String,
        /// The password.
        password: Password,
    },
    /// A complete message; store it durably, then answer with
    /// `answer_data`. No 250 goes out before that.
    Message {
        /// Who sent it to whom.
        envelope: Envelope,
        /// The message, dot-unstuffed, lines ending in CRLF.
        data: Vec<u8>,
    },
}

/// A password that does not show up in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub(crate) fn new(s: String) -> Self {
        Self(s)
    }

    /// The password itself, for the check.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

/// One accepted recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The forward-path.
    pub addr: ParsedAddress,
    /// Its ESMTP parameters.
    pub params: RcptParams,
}

/// The envelope of a message, as the session knew it at the end of DATA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The EHLO/HELO name.
    pub helo: String,
    /// The client's address and whether the session was under TLS.
    pub peer: PeerInfo,
    /// The AUTH identity, if the client authenticated.
    pub authenticated_as: Option<String>,
    /// MAIL FROM.
    pub mail_from: ReversePath,
    /// MAIL FROM's parameters.
    pub mail_params: MailParams,
    /// The accepted recipients, in order.
    pub recipients: Vec<Recipient>,
}

/// The policy's answer to MAIL FROM or RCPT TO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// 250.
    Accept,
    /// This reply, which must be 4xx or 5xx; a positive reply here is a
    /// driver bug and goes out as 451 4.3.0 instead.
    Reject(Reply),
}

/// The answer to a [`SessionEvent::Message`], given only once the message is
/// durably stored (or refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataVerdict {
    /// Stored under this queue id: `250 2.0.0 OK: queued as <id>`.
    Accept(String),
    /// Refused for good; must be a 5xx, else 554 5.0.0 goes out.
    Reject(Reply),
    /// Not stored, try later; must be a 4xx, else 451 4.3.0 goes out.
    TempFail(Reply),
}
