//! Fuzzes the MIME walk around mail-parser (smtp::mime): attachment names,
//! charsets, nesting, sizes.
//! Checks in mime_checks.rs.
#![no_main]

#[allow(dead_code)]
mod mime_checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // smtp::mime::parse catches a panic inside mail-parser (see there);
        // libFuzzer's hook would abort on it first. Uncaught panics still
        // abort: fuzz_target! checks the closure itself.
        std::panic::set_hook(Box::new(|_| {}));
    },
    |data: &[u8]| {
        mime_checks::check_mime(data);
    }
);
