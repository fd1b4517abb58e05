//! Fuzzes the SMS PDU codec of `line_drivers::gsm` (TS 23.040: SMSC
//! address, SMS-SUBMIT, SMS-DELIVER, SMS-STATUS-REPORT, user data headers,
//! both alphabets). Checks in sms_pdu_checks.rs.
#![no_main]

mod sms_pdu_checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sms_pdu_checks::check_sms_pdu(data);
});
