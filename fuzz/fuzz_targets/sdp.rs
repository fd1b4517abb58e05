//! Fuzzes the SDP parser and the RFC 3264 answerer.
//!
//! Checks, besides "never panics": a description that parses is written
//! back as text that parses to the same value; answering it either fails
//! cleanly (488) or gives an answer with one m= line per offered line that
//! parses again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sip::fuzzing::check_sdp(data);
});
