//! Results of a fax session: the T.30 completion codes as data (each once,
//! with the sentence a user reads in a confirmation and whether a retry can
//! help), and the final [`FaxOutcome`].

use std::path::PathBuf;

/// Whether trying again later can change the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Retry {
    /// Busy lines, drops, training failures: a new attempt may succeed.
    Temporary,
    /// The remote cannot take this document (not a fax, incompatible, the
    /// file is broken): retrying the same thing will fail the same way.
    Permanent,
}

/// A T.30 completion code as spandsp reports it (`T30_ERR_*`, T.30 clause 5
/// and Annex A error events). `0` is success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CompletionCode(pub i32);

struct CodeInfo {
    code: i32,
    name: &'static str,
    text: &'static str,
    retry: Retry,
}

use Retry::{Permanent as P, Temporary as T};

macro_rules! codes {
    ($($code:expr, $name:literal, $retry:ident, $text:literal;)*) => {
        &[$(CodeInfo { code: $code, name: $name, text: $text, retry: $retry }),*]
    };
}

/// The table of T.30 outcomes. Texts are written for the person who sent
/// or expects the fax, not for a protocol engineer.
static CODES: &[CodeInfo] = codes![
    0, "OK", T, "The fax was transferred completely.";
    1, "CEDTONE", T, "The answer tone lasted too long; the remote did not start the fax procedure.";
    2, "T0_EXPIRED", T, "No fax machine answered: no fax tones were heard from the remote.";
    3, "T1_EXPIRED", T, "The remote answered but no fax handshake followed (it may be a phone or an answering machine).";
    4, "T3_EXPIRED", T, "Timed out waiting for an operator at the remote.";
    5, "HDLC_CARRIER", T, "The remote's signal did not stop as it should; the line may be faulty.";
    6, "CANNOT_TRAIN", T, "Training failed at every speed: the line quality was too poor.";
    7, "OPER_INT_FAIL", T, "The operator interrupt procedure failed.";
    8, "INCOMPATIBLE", P, "The remote fax machine is not compatible with this document.";
    9, "RX_INCAPABLE", P, "The remote fax machine cannot receive.";
    10, "TX_INCAPABLE", P, "The remote fax machine has nothing to send.";
    11, "NORESSUPPORT", P, "The remote cannot receive at the document's resolution.";
    12, "NOSIZESUPPORT", P, "The remote cannot receive the document's page size.";
    13, "UNEXPECTED", T, "The remote sent an unexpected message; the transfer was stopped.";
    14, "TX_BADDCS", T, "The remote gave a bad response to the transmission settings or training.";
    15, "TX_BADPG", T, "The remote disconnected after a page was sent.";
    16, "TX_ECMPHD", T, "The remote gave an invalid error-correction response.";
    17, "TX_GOTDCN", T, "The remote disconnected before the transfer began.";
    18, "TX_INVALRSP", T, "The remote gave an invalid response after a page.";
    19, "TX_NODIS", T, "The remote did not identify itself as a fax receiver.";
    20, "TX_PHBDEAD", T, "The remote stopped responding during the handshake.";
    21, "TX_PHDDEAD", T, "The remote stopped responding after a page was sent.";
    22, "TX_T5EXP", T, "The remote stayed busy (receiver not ready) too long.";
    23, "RX_ECMPHD", T, "The sender gave an invalid error-correction response.";
    24, "RX_GOTDCS", T, "The sender sent settings while we waited for a poll request.";
    25, "RX_INVALCMD", T, "The sender sent an unexpected command after a page.";
    26, "RX_NOCARRIER", T, "The sender's signal was lost during the page.";
    27, "RX_NOEOL", T, "The page data ended without an end of line.";
    28, "RX_NOFAX", T, "No page data arrived after the handshake.";
    29, "RX_T2EXPDCN", T, "The sender did not disconnect properly.";
    30, "RX_T2EXPD", T, "The sender went silent after a page.";
    31, "RX_T2EXPFAX", T, "The sender went silent before the page began.";
    32, "RX_T2EXPMPS", T, "The sender went silent before the next page.";
    33, "RX_T2EXPRR", T, "The sender went silent during error correction.";
    34, "RX_T2EXP", T, "The sender went silent during the handshake.";
    35, "RX_DCNWHY", T, "The sender disconnected during the handshake.";
    36, "RX_DCNDATA", T, "The sender disconnected while sending a page.";
    37, "RX_DCNFAX", T, "The sender disconnected before ending the page.";
    38, "RX_DCNPHD", T, "The sender disconnected after a page.";
    39, "RX_DCNRRD", T, "The sender disconnected during error correction.";
    40, "RX_DCNNORTN", T, "The sender disconnected after a page retransmission was requested.";
    41, "FILEERROR", P, "The document file could not be opened.";
    42, "NOPAGE", P, "A page of the document was not found.";
    43, "BADTIFF", P, "The document is not a valid fax TIFF.";
    44, "BADPAGE", P, "A page of the document lacks its page number.";
    45, "BADTAG", P, "The document has invalid TIFF tags.";
    46, "BADTIFFHDR", P, "The document has an invalid TIFF header.";
    47, "NOMEM", T, "Out of memory while handling the fax.";
    48, "RETRYDCN", T, "The remote kept rejecting the pages (poor line quality); gave up after the permitted retries.";
    49, "CALLDROPPED", T, "The call was dropped before the fax was complete.";
    50, "NOPOLL", P, "The remote did not accept the poll.";
    51, "IDENT_UNACCEPTABLE", P, "The remote's identity was not accepted.";
    52, "SUB_UNACCEPTABLE", P, "The remote's sub-address was not accepted.";
    53, "SEP_UNACCEPTABLE", P, "The remote's polling address was not accepted.";
    54, "PSA_UNACCEPTABLE", P, "The remote's polled sub-address was not accepted.";
    55, "SID_UNACCEPTABLE", P, "The remote's sender identification was not accepted.";
    56, "PWD_UNACCEPTABLE", P, "The remote's password was not accepted.";
    57, "TSA_UNACCEPTABLE", P, "The remote's internet address was not accepted.";
    58, "IRA_UNACCEPTABLE", P, "The remote's internet routing address was not accepted.";
    59, "CIA_UNACCEPTABLE", P, "The remote's calling internet address was not accepted.";
    60, "ISP_UNACCEPTABLE", P, "The remote's internet polling address was not accepted.";
    61, "CSA_UNACCEPTABLE", P, "The remote's called internet address was not accepted.";
];

impl CompletionCode {
    pub const OK: CompletionCode = CompletionCode(0);
    pub const CALL_DROPPED: CompletionCode = CompletionCode(49);

    fn info(self) -> Option<&'static CodeInfo> {
        CODES.iter().find(|c| c.code == self.0)
    }

    /// Short symbolic name (`CANNOT_TRAIN`), stable for logs and the journal.
    pub fn name(self) -> &'static str {
        self.info().map_or("UNKNOWN", |c| c.name)
    }

    /// The sentence for a person.
    pub fn text(self) -> &'static str {
        self.info()
            .map_or("The fax ended with an unknown T.30 error.", |c| c.text)
    }

    pub fn retry(self) -> Retry {
        self.info().map_or(Retry::Temporary, |c| c.retry)
    }

    pub fn is_ok(self) -> bool {
        self.0 == 0
    }
}

impl std::fmt::Display for CompletionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "T.30 {} ({}): {}", self.0, self.name(), self.text())
    }
}

/// Which side of the document exchange a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Sender,
    Receiver,
}

/// One page a receiver kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedPage {
    /// 1-based page number in the received file.
    pub number: u32,
    pub rows: u32,
    pub bad_rows: u32,
    /// The call dropped inside this page: only its trustworthy first rows
    /// were kept.
    pub partial: bool,
}

/// How a session ended.
#[derive(Debug, Clone)]
pub struct FaxOutcome {
    pub role: Role,
    pub code: CompletionCode,
    /// True only when every page was confirmed by the remote (sender) or
    /// the sender ended the document properly (receiver).
    pub success: bool,
    /// Sender: pages the remote confirmed. Receiver: complete pages kept.
    pub pages_confirmed: u32,
    /// Sender: pages in the document.
    pub pages_total: Option<u32>,
    /// Image data rate of the last page (bit/s), 0 if no page started.
    pub bit_rate: u32,
    pub ecm: bool,
    pub remote_ident: Option<String>,
    /// Receiver: every page kept in the received file, complete or partial.
    pub received_pages: Vec<ReceivedPage>,
    /// Receiver: the TIFF-F file written, if any page was kept.
    pub file: Option<PathBuf>,
    /// Media time of the session in samples (1/8000 s).
    pub duration_samples: u64,
    /// Training attempts that failed and made the sender fall back.
    pub retrains: u32,
    /// Receiver: the received file could not be written completely (disk
    /// full, I/O error). The pages listed were kept; the call is a failure.
    pub file_error: bool,
}

impl FaxOutcome {
    pub fn duration_secs(&self) -> f64 {
        self.duration_samples as f64 / 8000.0
    }

    /// The sentence for the confirmation mail: what happened and how far it got.
    pub fn summary(&self) -> String {
        match (self.role, self.success) {
            (Role::Sender, true) => format!(
                "All {} page(s) were sent and confirmed by the remote at {} bit/s{}.",
                self.pages_confirmed,
                self.bit_rate,
                if self.ecm { " with error correction" } else { "" }
            ),
            (Role::Receiver, true) => format!(
                "{} page(s) were received at {} bit/s{}.",
                self.pages_confirmed,
                self.bit_rate,
                if self.ecm { " with error correction" } else { "" }
            ),
            (Role::Sender, false) => {
                let total = self.pages_total.map_or("?".to_string(), |t| t.to_string());
                if self.pages_confirmed == 0 {
                    format!("{} No page was confirmed (0 of {total}).", self.code.text())
                } else {
                    format!(
                        "{} {} of {total} page(s) were confirmed; the transfer failed at page {}.",
                        self.code.text(),
                        self.pages_confirmed,
                        self.pages_confirmed + 1
                    )
                }
            }
            (Role::Receiver, false) if self.file_error => format!(
                "The received fax could not be stored completely (disk full or I/O error); {} page(s) were kept.",
                self.pages_confirmed
            ),
            (Role::Receiver, false) => {
                let partial = self.received_pages.iter().filter(|p| p.partial).count();
                format!(
                    "{} {} complete page(s) were kept{}.",
                    self.code.text(),
                    self.pages_confirmed,
                    if partial > 0 {
                        format!(", plus the readable part of {partial} interrupted page")
                    } else {
                        String::new()
                    }
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_in_the_table_once() {
        for code in 0..=61 {
            assert_eq!(
                CODES.iter().filter(|c| c.code == code).count(),
                1,
                "code {code}"
            );
        }
    }

    #[test]
    fn texts_match_spandsps_own_meaning() {
        // Our sentence is ours, but it must describe the same event as
        // spandsp's short text for the code.
        for (code, word) in [(6, "train"), (49, "dropped"), (2, "answered"), (43, "TIFF")] {
            let ours = CompletionCode(code).text().to_lowercase();
            let theirs = crate::spandsp::engine::completion_code_text(code)
                .unwrap()
                .to_lowercase();
            assert!(ours.contains(&word.to_lowercase()), "{code}: {ours}");
            assert!(!theirs.is_empty());
        }
    }

    #[test]
    fn permanent_causes_are_not_retried() {
        assert_eq!(CompletionCode(8).retry(), Retry::Permanent);
        assert_eq!(CompletionCode(49).retry(), Retry::Temporary);
        assert_eq!(CompletionCode(6).retry(), Retry::Temporary);
    }
}
