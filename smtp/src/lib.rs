//! The SMTP connector: inbound server with policy, TLS and AUTH, and
//! outbound delivery with a durable queue and the dead-letter directory
//! (issue 4). Nothing lives here yet.
#![forbid(unsafe_code)]
