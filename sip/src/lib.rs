//! The SIP trunk's protocol engines (issue 7), all sans-IO: bytes and time
//! in, bytes and events out. The tokio shells that put them on sockets
//! live with the line drivers.
//!
//! * Signalling (RFC 3261): messages, transactions, dialogs, digest auth,
//!   registration, SDP offer/answer with T.38.
//! * Media ([`media`]): RTP with G.711, jitter buffer, RFC 4733 events,
//!   RTCP, and T.38 over UDPTL with redundancy and FEC.

pub mod media;
pub mod error;
pub mod transaction;
pub mod wire;
pub mod auth;
pub mod endpoint;
pub use rsip::{Request, Response, SipMessage};
pub mod dialog;
pub mod register;
pub mod trunk;
pub mod sdp;
