//! Fuzzes the PDF renderer (PDF attachments, drawn by hayro) and its
//! limits: a byte for the paper and resolution, then the file.
//! Checks in render_checks.rs.
#![no_main]

#[allow(dead_code)]
mod render_checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // The renderer catches a panic inside hayro and refuses the file;
        // libFuzzer's hook would abort on it first. Uncaught panics still
        // abort: fuzz_target! checks the closure itself.
        std::panic::set_hook(Box::new(|_| {}));
    },
    |data: &[u8]| {
        render_checks::check_pdf(data);
    }
);
