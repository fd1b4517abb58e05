//! Fuzzes the WAV reader (greetings) and the resampler to 8 kHz.
//! Checks in wav_checks.rs.
#![no_main]

#[allow(dead_code)]
mod wav_checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    wav_checks::check_wav(data);
});
