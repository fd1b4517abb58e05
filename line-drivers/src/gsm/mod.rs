//! GSM modems: SMS over 3GPP TS 27.005 in PDU mode (issue 15).
//!
//! ```text
//!   wire (sans-IO, here now)
//!     alphabet.rs   GSM 7-bit default alphabet + extension table, UCS-2 (TS 23.038)
//!     address.rs    TP addresses, SMSC address, SCTS time stamps (TS 23.040 §9.1.2.5)
//!     user_data.rs  TP-DCS, TP-UDL/UD, concatenation header (TS 23.040 §9.2.3.24)
//!     pdu.rs        SMS-SUBMIT, SMS-DELIVER, SMS-STATUS-REPORT (TS 23.040 §9.2.2)
//!     split.rs      a text as one SMS or as concatenated parts
//!     status.rs     TP-ST in words
//!     reassembly.rs concatenated SMS put back together (time-out: what came, with a note)
//!     response.rs   27.005/27.007 information responses and unsolicited codes
//!     errors.rs     +CMS ERROR / +CME ERROR in words, temporary or permanent
//!   engine (sans-IO, time passed in)
//!     engine/       start-up, send, receive, faults (GsmEngine)
//!   driver
//!     modem.rs      GsmModem: the engine on a serial port, texts to PDUs
//! ```
//!
//! A text becomes the PDU `AT+CMGS` takes:
//!
//! ```
//! use line_drivers::gsm::{split, to_hex, with_smsc, Address, Reference, Submit, Tpdu};
//!
//! let parts = split("Grüße aus Berlin €", Reference::Short(1), 3)?;
//! let submit = Submit {
//!     reference: 0,
//!     to: Address::number("+491701234567").expect("a number"),
//!     status_report: true,
//!     reject_duplicates: false,
//!     validity: None,
//!     user_data: parts[0].clone(),
//! };
//! let tpdu = submit.encode()?;
//! let line = to_hex(&with_smsc(None, &tpdu)?); // after AT+CMGS=<tpdu.len()> and "> "
//! assert!(line.starts_with("0021000C9194711032547600"));
//! assert_eq!(Tpdu::decode(&tpdu)?, Tpdu::Submit(submit));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod address;
pub mod alphabet;
pub mod engine;
pub mod errors;
pub mod modem;
pub mod pdu;
pub mod reassembly;
pub mod response;
pub mod split;
pub mod status;
pub mod user_data;

pub use address::{Address, AddressKind, Timestamp};
pub use engine::{GsmConfig, GsmEngine, GsmError, GsmEvent, ModemInfo};
pub use errors::{Failure, FailureKind};
pub use modem::{job_of, part_id, GsmModem, GsmModemConfig, GsmSendError, GsmSpec};
pub use pdu::{
    from_hex, to_hex, with_smsc, Deliver, PduError, StatusReport, Submit, Tpdu, Validity,
};
pub use reassembly::{part_key, Reassembled, Reassembly};
pub use response::Registration;
pub use split::{split, Reference, SplitError};
pub use status::{status_text, DeliveryStatus};
pub use user_data::{Coding, Concat, UserData};
