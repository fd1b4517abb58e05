//! Fuzzes the TIFF reader (fax TIFFs attached to mails from the internet):
//! read, write back, read again, decode.
//! Checks in fax_checks.rs.
#![no_main]

#[allow(dead_code)]
mod fax_checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fax_checks::check_tiff(data);
});
