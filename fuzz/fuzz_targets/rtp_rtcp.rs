//! Fuzzes the RTP and RTCP parsers, RFC 4733 payloads, the RTP receiver,
//! DTMF detection and the jitter buffer (input: datagrams separated by
//! "@@@@"). Checks in media_checks.rs.
#![no_main]

#[allow(dead_code)]
mod media_checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    #[allow(clippy::disallowed_methods)] // fuzz harness: origin of the clock
    let t0 = std::time::Instant::now();
    media_checks::check_rtp_rtcp(data, t0);
});
