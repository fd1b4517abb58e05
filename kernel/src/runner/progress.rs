//! What a fax call on a line is doing now, for the operator's line view:
//! the T.30 phase, the negotiated rate and ECM, the page in flight. Kept
//! up to date from the call's own events as the runner polls them (no
//! extra work for the media thread beyond copying a few fields), read by
//! [`super::Runner::line_states`]. And the operator's hang-up.

use std::time::Instant;

use fax_t30::{FaxEvent, Phase};
use line_drivers::{FaxCallEvent, HangupCause};

use super::{CallState, Runner};

/// A fax call's progress as the line view shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct CallProgress {
    pub phase: Option<Phase>,
    pub bit_rate: u32,
    pub ecm: bool,
    /// The page in flight (the document's page for a sender, the call's
    /// page for a receiver); 0 before the first.
    pub page: u32,
}

impl CallProgress {
    pub fn handle(&mut self, ev: &FaxCallEvent) {
        let FaxCallEvent::Fax(ev) = ev else {
            return;
        };
        match ev {
            FaxEvent::Phase(p) => self.phase = Some(*p),
            FaxEvent::Negotiated { bit_rate, ecm } => {
                self.bit_rate = *bit_rate;
                self.ecm = *ecm;
            }
            FaxEvent::PageStarted { page } => self.page = *page,
            FaxEvent::PageConfirmed { page, .. } => self.page = self.page.max(*page),
            _ => {}
        }
    }
}

/// T.30's phase in words (T.30 § 2: A call set-up ... E release).
pub(super) fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::A => "A (call set-up)",
        Phase::B => "B (negotiation, training)",
        Phase::C => "C (page data)",
        Phase::D => "D (page confirmation)",
        Phase::E => "E (release)",
    }
}

impl Runner {
    /// The operator hangs up the call on `line` (by its name). A sending
    /// call ends as a dropped attempt (retried as the policy says), a
    /// receiving one keeps the pages so far, a voice message what was
    /// recorded; the call's end is handled at the next tick as any other.
    /// `false`: no such line, or nothing to hang up on it.
    pub fn hang_up_line(&mut self, line: &str, media_now: Instant) -> bool {
        let Some(slot) = self.slots.iter_mut().find(|s| s.line.id().0 == line) else {
            return false;
        };
        let cause = HangupCause::NormalClearing;
        match &mut slot.state {
            CallState::Idle => false,
            CallState::Sending(s) => {
                s.fax.hang_up(slot.line.as_mut(), cause, media_now);
                true
            }
            CallState::Receiving(r) => {
                r.fax.hang_up(slot.line.as_mut(), cause, media_now);
                true
            }
            CallState::Voice(v) => {
                slot.line.hangup(v.call, cause, media_now);
                v.hung_up_by_us();
                true
            }
        }
    }
}
