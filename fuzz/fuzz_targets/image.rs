//! Fuzzes the image renderer (PNG, JPEG, GIF, BMP, TIFF) and its bomb limits:
//! a byte for the name, paper and resolution, then the file.
//! Checks in render_checks.rs.
#![no_main]

#[allow(dead_code)]
mod render_checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    render_checks::check_image(data);
});
