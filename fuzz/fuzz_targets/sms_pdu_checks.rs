//! The checks of the sms_pdu fuzz target (line-drivers' SMS PDU codec,
//! `line_drivers::gsm`), shared with line-drivers/tests/gsm_pdu_garbage.rs,
//! which replays the seed corpus (fuzz/make_sms_corpus.py) and mutations
//! of it on a stable toolchain.

use line_drivers::gsm::{from_hex, to_hex, Tpdu};

/// Any octets: reading never panics; what reads stays within one SMS and,
/// written again (where it can be), reads back the same.
pub fn check_sms_pdu(data: &[u8]) {
    if let Ok((_, tpdu)) = Tpdu::decode_with_smsc(data) {
        let again = match &tpdu {
            Tpdu::Submit(s) => {
                assert!(s.user_data.text.chars().count() <= 160, "{}", to_hex(data));
                s.encode()
            }
            Tpdu::Deliver(d) => {
                assert!(d.user_data.text.chars().count() <= 160, "{}", to_hex(data));
                d.encode()
            }
            Tpdu::StatusReport(r) => r.encode(),
        };
        // An address of 20 digits in 11 octets, say, is refused when written.
        if let Ok(bytes) = again {
            let back = Tpdu::decode(&bytes).expect("what we write reads");
            assert_eq!(back, tpdu, "{}", to_hex(data));
        }
    }
    // The same octets as a modem's hex line.
    let _ = from_hex(&String::from_utf8_lossy(data));
}
