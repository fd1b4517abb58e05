//! The SIP trunk's protocol engines (issue 7), all sans-IO: bytes and time
//! in, bytes and events out. The tokio shells that put them on sockets
//! live with the line drivers.
//!
//! * Signalling (RFC 3261): messages, transactions, dialogs, digest auth,
//!   registration, SDP offer/answer with T.38 and SDES keys (RFC 4568).
//! * Media ([`media`]): RTP with G.711, jitter buffer, RFC 4733 events,
//!   RTCP, SRTP/SRTCP (RFC 3711), and T.38 over UDPTL with redundancy and
//!   FEC.
//!
//! # Module map (signalling)
//!
//! The tests carry a thin tokio UDP shell (`tests/support/mod.rs`) that
//! runs these engines against SIPp.
//!
//! ```text
//!  trunk      TrunkConfig (registrar/proxy, user, password, realm, expiry,
//!             outbound proxy, or a static peer), TrunkSet failover in order
//!  register   Registration: REGISTER, 401/407, expiry, refresh, back-off
//!  call       OutgoingInvite: digest retry, dialog + ACK on 2xx, CANCEL,
//!             failover decision
//!  dialog     Dialog (UAC/UAS): tags, route set, remote target, CSeq, ACK
//!             of 2xx, BYE, re-INVITE both ways + glare; KeepAlive (OPTIONS)
//!  nat        RFC 3581 Via stamping and learning, public address for
//!             Contact/SDP, symmetric RTP latch, keep-alive timer
//!  auth       Digest (RFC 2617/7616 MD5, qop=auth, nc/cnonce), verify
//!  sdp        SDP parse/write; offer_answer (RFC 3264: PCMA/PCMU,
//!             telephone-event, image/t38); t38 (attributes, T38Switch:
//!             audio → T.38 re-INVITE, 488/415 fallback, TransportMemory);
//!             crypto (SDES a=crypto, SrtpPolicy off/optional/mandatory)
//!     │ Requests / Responses (rsip values)
//!  endpoint   Endpoint: matches messages to transactions, new server
//!             transactions, CANCEL → 200 + 487, 2xx ACK to its INVITE
//!  transaction ClientTransaction / ServerTransaction, timers A–K (T1/T2/T4)
//!     │ bytes
//!  wire       framing (UDP datagram, TCP stream with Content-Length),
//!             compact/folded headers, Core fields, MessageText builder,
//!             IdGen (branch, tag, Call-ID)
//! ```
//!
//! # A run loop
//!
//! ```
//! use std::time::{Duration, Instant};
//! use sip::endpoint::{Endpoint, Output};
//! use sip::transaction::TimerConfig;
//!
//! # #[allow(clippy::disallowed_methods)]
//! # fn clock() -> Instant { Instant::now() }
//! let mut ep = Endpoint::new(false, TimerConfig::default());
//! let now = clock();
//! ep.handle_datagram("127.0.0.1:5060".parse().unwrap(), b"\r\n\r\n", now);
//! while let Some(out) = ep.poll_output() {
//!     match out {
//!         Output::Transmit { to: _, bytes: _ } => { /* socket.send_to */ }
//!         Output::Event(_) => { /* registration, dialogs, calls */ }
//!     }
//! }
//! if let Some(at) = ep.poll_timeout() {
//!     ep.handle_timeout(at.max(now + Duration::ZERO));
//! }
//! ```

pub mod auth;
pub mod endpoint;
pub mod error;
pub mod media;
pub mod nat;
pub mod transaction;
pub mod wire;
pub use rsip::{Request, Response, SipMessage};
pub mod call;
pub mod dialog;
#[doc(hidden)]
pub mod fuzzing;
pub mod register;
pub mod sdp;
pub mod trunk;
