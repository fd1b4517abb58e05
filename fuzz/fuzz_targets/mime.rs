//! Fuzzes the MIME walk around mail-parser (smtp::mime): attachment names,
//! charsets, nesting, sizes.
//! Checks in mime_checks.rs.
#![no_main]

#[allow(dead_code)]
mod mime_checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mime_checks::check_mime(data);
});
