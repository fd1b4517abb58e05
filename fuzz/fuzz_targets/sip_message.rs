//! Fuzzes the SIP message reader (datagram and stream framing over rsip)
//! and the endpoint behind it.
//!
//! Checks, besides "never panics": a message that parses is written back
//! as text that parses again to the same transaction fields (Call-ID,
//! CSeq, tags, branch); the stream framer, fed the same bytes with a
//! Content-Length in small pieces, finds the same message; and an endpoint
//! fed the datagram never panics and answers only with parseable SIP.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sip::fuzzing::check_message(data);
});
