//! Media engines of a SIP call: RTP (G.711, RFC 4733 events, RTCP) and
//! T.38 over UDPTL.
//!
//! All sans-IO: datagrams and `now` in, datagrams, audio frames, IFP
//! packets and events out.
//!
//! * [`rtp`]: demultiplexing (RTP / RTCP / STUN), RTP packets with
//!   `rtp-rs`, sender state, RFC 3550 reception statistics.
//! * [`jitter`]: a jitter buffer that prefers delay to loss, with clock
//!   recovery by resampling.
//! * [`dtmf`]: RFC 4733 telephone-events in and out.
//! * [`rtcp`]: SR/RR/SDES/BYE compound packets and report intervals.
//! * [`udptl`]: UDPTL with redundancy and parity FEC, in-order IFP delivery.
//! * [`ifp`]: T.38 IFP packets, for looking inside them.
//! * [`srtp`]: SRTP and SRTCP (RFC 3711) with the SDES suites of RFC 4568.
//! * [`srtp_log`]: rate-limited log lines for the SRTP packets a call refuses.

pub mod dtmf;
pub mod ifp;
pub mod jitter;
pub mod rtcp;
pub mod rtp;
pub mod srtp;
pub mod srtp_log;
pub mod udptl;

/// Errors of the media engines: input that is not what it claims to be, or
/// a request that cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("malformed packet: {0}")]
    Malformed(String),
    #[error("invalid request: {0}")]
    Invalid(String),
}
