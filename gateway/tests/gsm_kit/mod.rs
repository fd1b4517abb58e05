//! What the `ums serve` GSM tests share: SMS for the simulated network to
//! deliver, the incoming SMS in the journal, and the configuration of one
//! `[[gsm]]` line. Each test file declares `mod gsm_sim` and
//! `mod serve_harness` beside this module.
#![allow(dead_code)] // each test file uses a part

use std::path::Path;

use line_drivers::gsm::{split, Address, Deliver, Reference};

use crate::gsm_sim::stamp;
use crate::serve_harness::journal;

/// An SMS of one part from `from`, sent now.
pub fn sms(from: &str, text: &str) -> Deliver {
    sms_parts(from, text, 1, 1).remove(0)
}

/// `text` from `from` as at most `parts` parts (concatenation reference
/// `reference`), sent now.
pub fn sms_parts(from: &str, text: &str, reference: u8, parts: usize) -> Vec<Deliver> {
    split(text, Reference::Short(reference), parts)
        .expect("fits")
        .into_iter()
        .map(|user_data| Deliver {
            from: Address::number(from).expect("number"),
            sent: stamp(),
            status_report: false,
            more_to_send: false,
            user_data,
        })
        .collect()
}

/// The incoming SMS in the journal of `data`, as messages.
pub fn incoming_sms(data: &Path) -> Vec<serde_json::Value> {
    journal(data)
        .into_iter()
        .map(|e| e["message"].clone())
        .filter(|m| m["direction"] == "Incoming" && m["service"] == "Sms")
        .collect()
}

/// The texts of the incoming SMS in the journal of `data`.
pub fn incoming_texts(data: &Path) -> Vec<String> {
    incoming_sms(data)
        .iter()
        .map(|m| m["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A configuration: SMTP on `smtp`, user anna, and one `[[gsm]]` line `a`
/// on `device` for the number 4930100; `extra` goes after that section.
pub fn gsm_config(smtp: u16, device: &Path, extra: &str) -> String {
    format!(
        "[smtp]\nlisten = \"127.0.0.1:{smtp}\"\nhostname = \"b.example.test\"\n\
         allowed_networks = [\"127.0.0.0/8\"]\n\n\
         [lines]\nnumbers = []\nident = \"+49 30 100\"\n\n\
         [[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\n\n\
         [[gsm]]\nname = \"a\"\ndevice = \"{}\"\nflow_control = \"none\"\n\
         number = \"4930100\"\n{extra}",
        device.display()
    )
}
