//! Why a call ended: the ITU-T Q.850 cause values every driver maps its
//! signalling onto (ISDN DISCONNECT causes directly, SIP status codes via
//! RFC 3398, modem result codes by hand).
//!
//! The table below is the only place that knows a cause's Q.850 value, the
//! sentence a user reads in a dispatch confirmation, and whether the retry
//! policy may try again.

use std::fmt;

/// Why a call ended, as a Q.850 cause (plus two causes of our own making).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HangupCause {
    /// Q.850 #16: one side hung up after a completed call.
    NormalClearing,
    /// Q.850 #17: the called line is busy.
    UserBusy,
    /// Q.850 #18: the called equipment did not react to the setup.
    NoUserResponding,
    /// Q.850 #19: the called line rang but nobody answered.
    NoAnswer,
    /// Q.850 #21: the called party refused the call.
    CallRejected,
    /// Q.850 #1: the number does not exist.
    UnallocatedNumber,
    /// Q.850 #22: the number has changed.
    NumberChanged,
    /// Q.850 #28: the number is incomplete or malformed.
    InvalidNumberFormat,
    /// Q.850 #29: the network refused a facility the call asked for.
    FacilityRejected,
    /// Q.850 #31: normal, unspecified.
    NormalUnspecified,
    /// Q.850 #34: no circuit/channel available.
    Congestion,
    /// Q.850 #38: network out of order.
    NetworkOutOfOrder,
    /// Q.850 #41: temporary failure.
    TemporaryFailure,
    /// Q.850 #88: the far end cannot take this kind of call (e.g. it is not
    /// a fax machine, or it refuses T.38).
    IncompatibleDestination,
    /// Our side gave up waiting (a T.30 or setup timer expired); sent on the
    /// wire as Q.850 #102, "recovery on timer expiry".
    LocalTimeout,
    /// We cancelled the call (the sender or an operator withdrew the job);
    /// sent on the wire as #16.
    Cancelled,
    /// A Q.850 value without an entry of its own in the table.
    Other(u8),
}

/// What a cause means for the retry policy (STYLE rule 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CauseClass {
    /// The call ended the way calls end; the outcome depends on what was
    /// transferred, not on the line.
    Normal,
    /// Trying again later may succeed (busy, no answer, congestion).
    Temporary,
    /// Trying again will fail the same way (no such number, not a fax).
    Permanent,
}

struct CauseEntry {
    cause: HangupCause,
    q850: u8,
    class: CauseClass,
    text: &'static str,
}

const fn entry(cause: HangupCause, q850: u8, class: CauseClass, text: &'static str) -> CauseEntry {
    CauseEntry {
        cause,
        q850,
        class,
        text,
    }
}

use CauseClass::{Normal, Permanent, Temporary};
use HangupCause as C;

/// The code table. Order matters only for [`HangupCause::from_q850`]: the
/// first entry with a value wins (so #16 reads as `NormalClearing`, not
/// `Cancelled`).
#[rustfmt::skip]
const CAUSES: &[CauseEntry] = &[
    entry(C::NormalClearing, 16, Normal, "The call was completed and cleared normally."),
    entry(C::UserBusy, 17, Temporary, "The number was busy."),
    entry(C::NoUserResponding, 18, Temporary, "The called equipment did not respond."),
    entry(C::NoAnswer, 19, Temporary, "The number rang but nobody answered."),
    entry(C::CallRejected, 21, Permanent, "The called party rejected the call."),
    entry(C::UnallocatedNumber, 1, Permanent, "The number does not exist."),
    entry(C::NumberChanged, 22, Permanent, "The number has changed."),
    entry(C::InvalidNumberFormat, 28, Permanent, "The number is incomplete or not in a valid format."),
    entry(C::FacilityRejected, 29, Permanent, "The network refused a service the call needed."),
    entry(C::NormalUnspecified, 31, Temporary, "The call ended without a specific reason."),
    entry(C::Congestion, 34, Temporary, "No line to the destination was free (network congestion)."),
    entry(C::NetworkOutOfOrder, 38, Temporary, "The telephone network was out of order."),
    entry(C::TemporaryFailure, 41, Temporary, "The telephone network had a temporary failure."),
    entry(
        C::IncompatibleDestination,
        88,
        Permanent,
        "The destination cannot receive this kind of call (for example, it is not a fax machine).",
    ),
    entry(C::LocalTimeout, 102, Temporary, "The other side stopped responding in time, so the call was ended."),
    entry(C::Cancelled, 16, Permanent, "The transmission was cancelled."),
];

const OTHER_TEXT: &str =
    "The telephone network ended the call for a reason it did not explain further.";

impl HangupCause {
    fn entry(self) -> Option<&'static CauseEntry> {
        CAUSES.iter().find(|e| e.cause == self)
    }

    /// The cause as it comes in from the wire; values without an entry of
    /// their own become [`HangupCause::Other`].
    pub fn from_q850(value: u8) -> HangupCause {
        CAUSES
            .iter()
            .find(|e| e.q850 == value)
            .map_or(HangupCause::Other(value), |e| e.cause)
    }

    /// The Q.850 cause value to send on the wire.
    pub fn q850(self) -> u8 {
        match self {
            HangupCause::Other(v) => v,
            c => c.entry().map_or(31, |e| e.q850),
        }
    }

    /// Retry class. For [`HangupCause::Other`] it follows the Q.850 cause
    /// class: "service or option not available/implemented" and "invalid
    /// message" (48–95) are permanent, everything else is temporary, so an
    /// unknown cause costs a retry rather than a lost fax.
    pub fn class(self) -> CauseClass {
        match self {
            HangupCause::Other(v) if (48..=95).contains(&v) => Permanent,
            HangupCause::Other(_) => Temporary,
            c => c.entry().map_or(Temporary, |e| e.class),
        }
    }

    /// True if retrying the same number cannot help.
    pub fn is_permanent(self) -> bool {
        self.class() == Permanent
    }

    /// True if a later attempt may succeed.
    pub fn is_temporary(self) -> bool {
        self.class() == Temporary
    }

    /// The sentence a user reads in the confirmation mail.
    pub fn text(self) -> &'static str {
        self.entry().map_or(OTHER_TEXT, |e| e.text)
    }
}

impl fmt::Display for HangupCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (Q.850 cause {})", self.text(), self.q850())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_cause_has_one_entry() {
        for e in CAUSES {
            assert_eq!(
                CAUSES.iter().filter(|o| o.cause == e.cause).count(),
                1,
                "{:?}",
                e.cause
            );
            assert!(!e.text.is_empty());
        }
    }

    #[test]
    fn wire_values_round_trip_except_local_causes() {
        for e in CAUSES {
            let back = HangupCause::from_q850(e.q850);
            match e.cause {
                C::Cancelled => assert_eq!(back, C::NormalClearing),
                c => assert_eq!(back, c),
            }
        }
        assert_eq!(HangupCause::from_q850(50), C::Other(50));
        assert_eq!(C::Other(50).q850(), 50);
    }

    #[test]
    fn retry_classes_match_the_policy() {
        for c in [
            C::UserBusy,
            C::NoAnswer,
            C::Congestion,
            C::NetworkOutOfOrder,
            C::TemporaryFailure,
        ] {
            assert!(c.is_temporary(), "{c:?}");
        }
        for c in [
            C::UnallocatedNumber,
            C::InvalidNumberFormat,
            C::CallRejected,
            C::IncompatibleDestination,
        ] {
            assert!(c.is_permanent(), "{c:?}");
        }
        assert!(!C::NormalClearing.is_permanent() && !C::NormalClearing.is_temporary());
        assert!(C::Other(42).is_temporary());
        assert!(C::Other(65).is_permanent());
    }
}
