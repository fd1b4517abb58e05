//! The SMTP connector: inbound server with policy, TLS and AUTH, and
//! outbound delivery with a durable queue and the dead-letter directory.
//!
//! ```text
//!  server (tokio shell: sockets, STARTTLS, per-client limits)
//!    │ bytes, now                         ▲ Output: replies, StartTls, events
//!  engine::Session (sans-IO ESMTP state machine)
//!    │                                    wire: commands, addresses, replies, DATA
//!  policy (GatewayPolicy: networks, AUTH users, kernel Acceptor, store before 250)
//!  outbound (outbox → smart host with lettre; retries, notices, dead letters)
//! ```
#![forbid(unsafe_code)]

pub mod engine;
pub mod error;
pub mod mime;
pub mod mx;
pub mod outbound;
pub mod policy;
pub mod server;
pub mod tls;
pub mod wire;

pub use error::{AddressError, ErrorKind, SmtpError};
