//! `+CMS ERROR` (3GPP TS 27.005 §3.2.5, TS 24.011 annex E) and `+CME ERROR`
//! (TS 27.007 §9.2) in words, and whether trying again later may help.
//! After `AT+CMEE=2` a modem gives the text itself; the tables give words
//! to the codes of modems that give numbers anyway.

/// Whether a failure may go away by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Try again later (network congestion, no service, modem busy).
    Temporary,
    /// Trying again gives the same answer (unassigned number, bad PDU).
    Permanent,
}

/// A failure with its words, as the sender's notice shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Temporary or permanent.
    pub kind: FailureKind,
    /// What happened, in words (with the code where there is one).
    pub text: String,
}

impl Failure {
    /// A temporary failure.
    pub fn temporary(text: impl Into<String>) -> Failure {
        Failure {
            kind: FailureKind::Temporary,
            text: text.into(),
        }
    }

    /// A permanent failure.
    pub fn permanent(text: impl Into<String>) -> Failure {
        Failure {
            kind: FailureKind::Permanent,
            text: text.into(),
        }
    }
}

use FailureKind::{Permanent as P, Temporary as T};

/// `+CMS ERROR` codes: code, kind, words.
const CMS: &[(u16, FailureKind, &str)] = &[
    (1, P, "unassigned (unallocated) number"),
    (8, P, "operator determined barring"),
    (10, P, "call barred"),
    (21, P, "short message transfer rejected"),
    (27, T, "destination out of service"),
    (28, P, "unidentified subscriber"),
    (29, P, "facility rejected"),
    (30, P, "unknown subscriber"),
    (38, T, "network out of order"),
    (41, T, "temporary failure"),
    (42, T, "congestion"),
    (47, T, "resources unavailable"),
    (50, P, "requested facility not subscribed"),
    (69, P, "requested facility not implemented"),
    (81, P, "invalid short message transfer reference value"),
    (95, P, "invalid message"),
    (96, P, "invalid mandatory information"),
    (97, P, "message type non-existent or not implemented"),
    (98, P, "message not compatible with the protocol state"),
    (99, P, "information element non-existent or not implemented"),
    (111, T, "protocol error"),
    (127, T, "interworking"),
    (128, P, "telematic interworking not supported"),
    (129, P, "short message type 0 not supported"),
    (130, P, "cannot replace short message"),
    (143, T, "unspecified TP-PID error"),
    (144, P, "data coding scheme (alphabet) not supported"),
    (145, P, "message class not supported"),
    (159, P, "unspecified TP-DCS error"),
    (160, P, "command cannot be actioned"),
    (161, P, "command unsupported"),
    (175, P, "unspecified TP-Command error"),
    (176, P, "TPDU not supported"),
    (192, T, "SC busy"),
    (193, P, "no SC subscription"),
    (194, T, "SC system failure"),
    (195, P, "invalid SME address"),
    (196, P, "destination SME barred"),
    (197, P, "SM rejected, duplicate SM"),
    (198, P, "TP-VPF not supported"),
    (199, P, "TP-VP not supported"),
    (208, T, "SIM SMS storage full"),
    (209, P, "no SMS storage capability in SIM"),
    (210, T, "error in MS"),
    (211, T, "memory capacity exceeded"),
    (212, T, "SIM application toolkit busy"),
    (213, T, "SIM data download error"),
    (255, T, "unspecified error cause"),
    (300, T, "ME failure"),
    (301, P, "SMS service of ME reserved"),
    (302, P, "operation not allowed"),
    (303, P, "operation not supported"),
    (304, P, "invalid PDU mode parameter"),
    (305, P, "invalid text mode parameter"),
    (310, T, "SIM not inserted"),
    (311, T, "SIM PIN required"),
    (312, T, "PH-SIM PIN required"),
    (313, T, "SIM failure"),
    (314, T, "SIM busy"),
    (315, T, "SIM wrong"),
    (316, T, "SIM PUK required"),
    (317, T, "SIM PIN2 required"),
    (318, T, "SIM PUK2 required"),
    (320, T, "memory failure"),
    (321, P, "invalid memory index"),
    (322, T, "memory full"),
    (330, P, "SMSC address unknown"),
    (331, T, "no network service"),
    (332, T, "network timeout"),
    (340, P, "no +CNMA acknowledgement expected"),
    (500, T, "unknown error"),
];

/// `+CME ERROR` codes: code, kind, words.
const CME: &[(u16, FailureKind, &str)] = &[
    (0, T, "phone failure"),
    (1, T, "no connection to phone"),
    (3, P, "operation not allowed"),
    (4, P, "operation not supported"),
    (5, T, "PH-SIM PIN required"),
    (10, T, "SIM not inserted"),
    (11, T, "SIM PIN required"),
    (12, T, "SIM PUK required"),
    (13, T, "SIM failure"),
    (14, T, "SIM busy"),
    (15, T, "SIM wrong"),
    (16, P, "incorrect password"),
    (17, T, "SIM PIN2 required"),
    (18, T, "SIM PUK2 required"),
    (20, T, "memory full"),
    (21, P, "invalid index"),
    (22, P, "not found"),
    (23, T, "memory failure"),
    (30, T, "no network service"),
    (31, T, "network timeout"),
    (32, P, "network not allowed - emergency calls only"),
    (100, T, "unknown"),
];

fn lookup(table: &[(u16, FailureKind, &str)], what: &str, value: &str) -> Failure {
    let value = value.trim();
    if let Ok(code) = value.parse::<u16>() {
        return match table.iter().find(|&&(c, _, _)| c == code) {
            Some(&(c, kind, text)) => Failure {
                kind,
                text: format!("{what} {c}: {text}"),
            },
            None => Failure::temporary(format!("{what} {code}")),
        };
    }
    // Verbose (after +CMEE=2): the words are the modem's; the kind comes
    // from the table entry with the same words, if any.
    let kind = table
        .iter()
        .find(|&&(_, _, t)| t.eq_ignore_ascii_case(value))
        .map_or(FailureKind::Temporary, |&(_, k, _)| k);
    Failure {
        kind,
        text: format!("{what}: {value}"),
    }
}

/// A `+CMS ERROR: <err>` value (number or text) as a failure.
pub fn cms_error(value: &str) -> Failure {
    lookup(CMS, "+CMS ERROR", value)
}

/// A `+CME ERROR: <err>` value (number or text) as a failure.
pub fn cme_error(value: &str) -> Failure {
    lookup(CME, "+CME ERROR", value)
}

/// The `+CME ERROR` of a wrong PIN, by number or words.
pub fn is_wrong_pin(value: &str) -> bool {
    let v = value.trim();
    v == "16" || v.eq_ignore_ascii_case("incorrect password")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_words() {
        let f = cms_error("1");
        assert_eq!(f.kind, FailureKind::Permanent);
        assert_eq!(f.text, "+CMS ERROR 1: unassigned (unallocated) number");
        assert_eq!(cms_error(" 42").kind, FailureKind::Temporary);
        assert_eq!(cms_error("331").text, "+CMS ERROR 331: no network service");
        let v = cms_error("SMSC address unknown");
        assert_eq!(v.kind, FailureKind::Permanent);
        assert_eq!(v.text, "+CMS ERROR: SMSC address unknown");
        assert_eq!(cms_error("999").text, "+CMS ERROR 999");
        assert_eq!(cme_error("10").text, "+CME ERROR 10: SIM not inserted");
        assert!(is_wrong_pin("16") && is_wrong_pin("Incorrect password"));
        assert!(!is_wrong_pin("SIM busy"));
    }
}
