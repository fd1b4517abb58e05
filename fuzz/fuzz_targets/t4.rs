//! Fuzzes the T.4 (MH/MR) decoder: a selector byte (width, resolution, 1D/2D),
//! then the code stream; what decodes is re-encoded and decoded again.
//! Checks in fax_checks.rs.
#![no_main]

#[allow(dead_code)]
mod fax_checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fax_checks::check_ccitt(data, false);
});
