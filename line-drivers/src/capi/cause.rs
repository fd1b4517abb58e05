//! CAPI info and reason values (COMMON-ISDN-API 2.0 part I, §6.2.17
//! "Info", §6.2.33 "Reason", §6.2.34 "Reason_B3", and the reject values of
//! CONNECT_RESP), mapped onto our [`HangupCause`]s. The table is the only
//! place that knows what a CAPI value means.

use crate::cause::HangupCause;

struct InfoEntry {
    value: u16,
    cause: HangupCause,
    text: &'static str,
}

const fn e(value: u16, cause: HangupCause, text: &'static str) -> InfoEntry {
    InfoEntry { value, cause, text }
}

use HangupCause as C;

/// Info values of confirmations and the layer-1 to layer-3 reasons of
/// DISCONNECT_IND (the `0x34xx` reasons are Q.850 causes, see
/// [`cause_of_reason`]).
#[rustfmt::skip]
const INFO: &[InfoEntry] = &[
    e(0x1001, C::TemporaryFailure, "too many applications"),
    e(0x1008, C::TemporaryFailure, "OS resource error at registration"),
    e(0x1009, C::NetworkOutOfOrder, "CAPI not installed"),
    e(0x1101, C::TemporaryFailure, "illegal application number"),
    e(0x1103, C::TemporaryFailure, "send queue full"),
    e(0x1108, C::TemporaryFailure, "OS resource error"),
    e(0x1109, C::NetworkOutOfOrder, "CAPI not installed"),
    e(0x2001, C::TemporaryFailure, "message not supported in current state"),
    e(0x2002, C::NetworkOutOfOrder, "illegal controller, PLCI or NCCI"),
    e(0x2003, C::Congestion, "out of PLCIs"),
    e(0x2004, C::Congestion, "out of NCCIs"),
    e(0x2005, C::TemporaryFailure, "out of LISTEN resources"),
    e(0x2007, C::TemporaryFailure, "illegal message parameter coding"),
    e(0x3001, C::Other(79), "B1 protocol not supported"),
    e(0x3002, C::Other(79), "B2 protocol not supported"),
    e(0x3003, C::Other(79), "B3 protocol not supported"),
    e(0x3004, C::Other(79), "B1 protocol parameter not supported"),
    e(0x3005, C::Other(79), "B2 protocol parameter not supported"),
    e(0x3006, C::Other(79), "B3 protocol parameter not supported"),
    e(0x3007, C::Other(79), "B protocol combination not supported"),
    e(0x3008, C::Other(79), "NCPI not supported"),
    e(0x3009, C::Other(58), "CIP value unknown"),
    e(0x300b, C::FacilityRejected, "facility not supported"),
    e(0x3301, C::NetworkOutOfOrder, "protocol error, layer 1"),
    e(0x3302, C::NetworkOutOfOrder, "protocol error, layer 2"),
    e(0x3303, C::TemporaryFailure, "protocol error, layer 3"),
    e(0x3304, C::CallRejected, "another application got that call"),
    e(0x3305, C::NormalClearing, "cleared by supplementary services"),
];

fn entry(value: u16) -> Option<&'static InfoEntry> {
    INFO.iter().find(|e| e.value == value)
}

/// What a non-zero info value of a confirmation means for the call.
/// Values without an entry are a temporary failure.
pub fn cause_of_info(info: u16) -> HangupCause {
    entry(info).map_or(C::TemporaryFailure, |e| e.cause)
}

/// The words for an info or reason value, for logs.
pub fn info_text(value: u16) -> &'static str {
    match value {
        0 => "no error",
        0x3400..=0x34ff => "Q.850 cause from the network",
        v => entry(v).map_or("unknown CAPI value", |e| e.text),
    }
}

/// Why the call ended, from DISCONNECT_IND's reason. Reason 0 ("no cause
/// available") is what we hang up with ourselves, so the cause we asked
/// for (`ours`) is the answer; without one, normal clearing.
pub fn cause_of_reason(reason: u16, ours: Option<HangupCause>) -> HangupCause {
    match reason {
        0 => ours.unwrap_or(C::NormalClearing),
        0x3400..=0x34ff => HangupCause::from_q850((reason & 0x7f) as u8),
        v => cause_of_info(v),
    }
}

/// The reject value of CONNECT_RESP that refuses a call with `cause`:
/// the named rejects of CAPI 2.0 where there is one, else the Q.850 cause
/// itself (`0x3480 | cause`).
pub fn reject_for(cause: HangupCause) -> u16 {
    match cause {
        C::NormalClearing | C::Cancelled => 2,
        C::UserBusy => 3,
        C::Congestion => 4,
        C::FacilityRejected => 5,
        C::IncompatibleDestination => 7,
        c => 0x3480 | u16::from(c.q850() & 0x7f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capi::sim::{q850_of_reject, reason_for_q850};

    #[test]
    fn q850_reasons_come_through_as_causes() {
        assert_eq!(cause_of_reason(0x3490, None), C::NormalClearing);
        assert_eq!(cause_of_reason(0x3491, None), C::UserBusy);
        assert_eq!(cause_of_reason(0x3481, None), C::UnallocatedNumber);
        assert_eq!(cause_of_reason(0x34a2, None), C::Congestion);
        assert_eq!(cause_of_reason(0, Some(C::LocalTimeout)), C::LocalTimeout);
        assert_eq!(cause_of_reason(0x3301, None), C::NetworkOutOfOrder);
        assert!(cause_of_reason(0x3003, None).is_permanent());
    }

    #[test]
    fn a_reject_reaches_the_caller_as_its_cause() {
        // What we reject with is what the simulator (as a network would)
        // hands the caller, for every named cause.
        for cause in [
            C::NormalClearing,
            C::UserBusy,
            C::CallRejected,
            C::Congestion,
            C::FacilityRejected,
            C::IncompatibleDestination,
            C::TemporaryFailure,
            C::UnallocatedNumber,
        ] {
            let reason = reason_for_q850(q850_of_reject(reject_for(cause)));
            assert_eq!(cause_of_reason(reason, None), cause, "{cause:?}");
        }
    }

    #[test]
    fn every_info_value_is_listed_once() {
        for e in INFO {
            assert_eq!(INFO.iter().filter(|o| o.value == e.value).count(), 1);
        }
        assert_eq!(info_text(0x2002), "illegal controller, PLCI or NCCI");
    }
}
