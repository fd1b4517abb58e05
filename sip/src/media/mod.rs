//! Media engines of a SIP call: RTP (G.711, RFC 4733 events, RTCP) and
//! T.38 over UDPTL.
