//! SIP status codes and Q.850 causes, both ways (RFC 3398 §7.2.4.1 and
//! §8.2.6.1, with the fax-specific choice of 488 ↔ #88).

use crate::cause::HangupCause;

/// The cause of a failed outgoing INVITE (`code` 0: no answer at all).
pub fn cause_from_status(code: u16) -> HangupCause {
    match code {
        0 | 408 => HangupCause::LocalTimeout,
        404 | 604 => HangupCause::UnallocatedNumber,
        410 => HangupCause::NumberChanged,
        484 | 485 => HangupCause::InvalidNumberFormat,
        486 | 600 => HangupCause::UserBusy,
        480 => HangupCause::NoUserResponding,
        487 => HangupCause::NoAnswer,
        401 | 402 | 403 | 407 | 603 => HangupCause::CallRejected,
        488 | 606 | 415 => HangupCause::IncompatibleDestination,
        500 | 503 | 504 | 580 => HangupCause::TemporaryFailure,
        502 => HangupCause::NetworkOutOfOrder,
        400..=499 => HangupCause::Other(127),
        _ => HangupCause::NormalUnspecified,
    }
}

/// The status we answer an incoming INVITE with when `cause` refuses it.
pub fn status_from_cause(cause: HangupCause) -> (u16, &'static str) {
    match cause.q850() {
        1 => (404, "Not Found"),
        17 => (486, "Busy Here"),
        18 | 19 => (480, "Temporarily Unavailable"),
        21 => (603, "Decline"),
        22 => (410, "Gone"),
        28 => (484, "Address Incomplete"),
        34 | 38 | 41 => (503, "Service Unavailable"),
        88 => (488, "Not Acceptable Here"),
        _ => (480, "Temporarily Unavailable"),
    }
}

/// The Q.850 cause of a `Reason: Q.850;cause=N` header value.
pub fn cause_from_reason(value: &str) -> Option<HangupCause> {
    value.split(',').find_map(|r| {
        let mut parts = r.split(';');
        if !parts.next()?.trim().eq_ignore_ascii_case("Q.850") {
            return None;
        }
        parts.find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k.trim().eq_ignore_ascii_case("cause"))
                .then(|| v.trim().parse::<u8>().ok())
                .flatten()
                .map(HangupCause::from_q850)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_causes_and_back() {
        for (code, cause) in [
            (486, HangupCause::UserBusy),
            (404, HangupCause::UnallocatedNumber),
            (603, HangupCause::CallRejected),
            (488, HangupCause::IncompatibleDestination),
        ] {
            assert_eq!(cause_from_status(code), cause);
            assert_eq!(status_from_cause(cause).0, code);
        }
        assert_eq!(cause_from_status(0), HangupCause::LocalTimeout);
        assert_eq!(
            cause_from_reason("Q.850;cause=17;text=\"busy\""),
            Some(HangupCause::UserBusy)
        );
        assert_eq!(cause_from_reason("SIP;cause=200"), None);
    }
}
