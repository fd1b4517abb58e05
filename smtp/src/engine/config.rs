//! What the driver tells a session before it starts: limits, offers, and who
//! is on the other end.

use std::net::IpAddr;
use std::time::Duration;

use crate::wire::command::RFC_COMMAND_LINE;

/// Limits and offers of one session. The defaults suit an internet-facing
/// MX: TLS must be configured by the driver, AUTH needs TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// Our host name, in the greeting and the EHLO reply.
    pub hostname: String,
    /// Largest message accepted, in octets after dot-unstuffing; also the
    /// `SIZE` keyword of EHLO (RFC 1870).
    pub max_message_size: usize,
    /// Accepted recipients per transaction; the next RCPT gets 452 4.5.3.
    /// RFC 5321 §4.5.3.1.8 asks for at least 100.
    pub max_recipients: usize,
    /// 5xx replies to commands before the session ends with 421 4.7.0.
    pub max_errors: u32,
    /// Longest command or SASL line, CRLF included. Never below the 512 of
    /// RFC 5321 §4.5.3.1.4; the default leaves room for ESMTP parameters,
    /// UTF-8 addresses (RFC 6531) and an AUTH PLAIN initial response.
    pub max_line_length: usize,
    /// Idle time allowed while waiting for a command (RFC 5321 §4.5.3.2.7:
    /// at least 5 minutes).
    pub command_timeout: Duration,
    /// Idle time allowed inside DATA (RFC 5321 §4.5.3.2.5: 3 minutes per
    /// data block).
    pub data_timeout: Duration,
    /// The driver can do STARTTLS (it has a certificate).
    pub tls_available: bool,
    /// Offer AUTH on a plaintext connection (tests only).
    pub allow_auth_without_tls: bool,
    /// While an answer from the driver is pending, [`wants_input`] turns false
    /// once this many octets of pipelined input wait unprocessed.
    ///
    /// [`wants_input`]: crate::engine::Session::wants_input
    pub max_pipelined_input: usize,
}

impl SessionConfig {
    /// The line cap in force (never below RFC 5321's 512).
    pub(crate) fn line_cap(&self) -> usize {
        self.max_line_length.max(RFC_COMMAND_LINE)
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            hostname: "localhost".to_owned(),
            max_message_size: 32 * 1024 * 1024,
            max_recipients: 100,
            max_errors: 20,
            max_line_length: 2048,
            command_timeout: Duration::from_secs(300),
            data_timeout: Duration::from_secs(180),
            tls_available: false,
            allow_auth_without_tls: false,
            max_pipelined_input: 64 * 1024,
        }
    }
}

/// The other end of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerInfo {
    /// The client's address.
    pub ip: IpAddr,
    /// The connection is TLS (implicit TLS, or after STARTTLS).
    pub tls: bool,
}
