//! Fuzzes CAPI 2.0 messages from a controller: the codec of
//! `line_drivers::capi::msg` and the structs of `::structs`, on a stream
//! of messages. Checks in capi_checks.rs.
#![no_main]

#[allow(dead_code)]
mod capi_checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    capi_checks::check_capi(data);
});
