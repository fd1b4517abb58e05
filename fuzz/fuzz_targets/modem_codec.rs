//! Fuzzes the Class 1 modem's wire: the DCE reader of
//! `line_drivers::modem::codec` (result and caller-ID lines, DLE-stuffed
//! data) and the HDLC deframer of `::hdlc` (ECM frames in `+FRM` data), on
//! octets cut where the input says. Checks in modem_checks.rs.
#![no_main]

#[allow(dead_code)]
mod modem_checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    modem_checks::check_modem(data);
});
