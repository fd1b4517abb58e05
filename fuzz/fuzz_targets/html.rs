//! Fuzzes HTML-to-text (HTML mail bodies and attachments): a byte for the
//! columns, then the HTML.
//! Checks in render_checks.rs.
#![no_main]

#[allow(dead_code)]
mod render_checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    render_checks::check_html(data);
});
