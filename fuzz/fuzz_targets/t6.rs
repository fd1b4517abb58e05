//! Fuzzes the T.6 (MMR) decoder: a selector byte (width, resolution), then the
//! code stream; what decodes is re-encoded by our T.6 encoder and decoded again.
//! Checks in fax_checks.rs.
#![no_main]

#[allow(dead_code)]
mod fax_checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fax_checks::check_ccitt(data, true);
});
