//! Fuzzes the UDPTL decoder, the IFP codec and the UDPTL receiver (input:
//! datagrams separated by "@@@@"). Checks in media_checks.rs.
#![no_main]

#[allow(dead_code)]
mod media_checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    #[allow(clippy::disallowed_methods)] // fuzz harness: origin of the clock
    let t0 = std::time::Instant::now();
    media_checks::check_udptl(data, t0);
});
