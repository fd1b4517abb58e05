//! Lines that need no tick while nothing happens: a modem line in a call
//! has news a few times a second (octets from the modem, a timer of its
//! own or of T.30), not at every 20 ms tick as audio has.
//!
//! A line says when it may be left alone with [`Line::doze`]: nothing to do
//! before an instant unless its [`Wake`] is raised (by its port's task when
//! octets come, by the line itself when its owner asks it something). The
//! pump keeps that answer, and the call's own quiet time
//! ([`FaxCall::quiet_until`]: T.30's timers), in a [`Gate`] per line: while
//! both hold, it neither drives the line ([`Line::drive`]) nor steps its
//! call, and a shut gate costs an atomic load and two comparisons; when
//! only the call's time has come, the call steps without the line being
//! driven. Time stays an argument: the gate compares the `now` it is given.
//!
//! ```text
//!   every tick:  gate.pass(line, now)?  ── no ─▶ nothing
//!                  │ yes (line.drive(now) if its own time came or it was woken)
//!                  call.step(line, now); ...
//!                  gate.settle(line, call)   (line.doze(), call.quiet_until())
//!   port task:   octets ─▶ wake.raise()      (the gate lets the next tick pass)
//! ```
//!
//! Lines that cannot tell (SIP, CAPI, loopback: audio every 20 ms) keep
//! [`Line::doze`]'s default `None`: their gate never shuts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::fax_call::FaxCall;
use crate::line::Line;

/// A flag raised from anywhere (a port's task on its own thread) when a
/// dozing line has something to do; cleared by the line when it has
/// looked.
#[derive(Debug, Clone, Default)]
pub struct Wake(Arc<AtomicBool>);

impl Wake {
    /// A new flag, lowered.
    pub fn new() -> Wake {
        Wake::default()
    }

    /// The line has something to do.
    pub fn raise(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Raised since the last [`take`](Self::take)?
    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// Whether it was raised; lowered from now (what comes meanwhile
    /// raises it again).
    pub fn take(&self) -> bool {
        self.0.swap(false, Ordering::AcqRel)
    }
}

/// A line's word: nothing to do before `until` unless `wake` is raised.
#[derive(Debug, Clone)]
pub struct Doze {
    /// The line's next deadline.
    pub until: Instant,
    /// Raised when something comes before it.
    pub wake: Wake,
}

/// A pump's memory of one line's [`Doze`] and its call's quiet time (see
/// the module docs).
#[derive(Debug, Default)]
pub struct Gate {
    line: Option<Doze>,
    /// Until when the call (or, without one, the line's owner) has
    /// nothing to do unless the line has news.
    call: Option<Instant>,
    /// The line was driven at this tick: its word is asked again.
    driven: bool,
}

impl Gate {
    /// True while the line and its call can be left alone at `now`.
    pub fn is_shut(&self, now: Instant) -> bool {
        !self.line_due(now) && self.call.is_some_and(|t| now < t)
    }

    fn line_due(&self, now: Instant) -> bool {
        !(self.line.as_ref()).is_some_and(|d| now < d.until && !d.wake.is_raised())
    }

    /// The start of a tick: false while the gate is shut (leave the line
    /// and its call alone); else the line is driven if it is due, and
    /// the call's step follows.
    pub fn pass(&mut self, line: &mut dyn Line, now: Instant) -> bool {
        if self.is_shut(now) {
            return false;
        }
        self.driven = self.line_due(now);
        if self.driven {
            line.drive(now);
        }
        true
    }

    /// The end of a tick the gate let pass: shut until the line's or the
    /// call's deadline, whichever comes first, or open if either wants the
    /// next tick. (A line not driven keeps its word: whatever the step
    /// asked of it raised its wake.)
    pub fn settle(&mut self, line: &dyn Line, call: Option<&FaxCall>) {
        if std::mem::take(&mut self.driven) {
            self.line = line.doze();
        }
        self.call = match call {
            Some(c) => c.quiet_until(),
            None => self.line.as_ref().map(|d| d.until),
        };
    }

    /// Open (the call is of a kind that is never quiet).
    pub fn open(&mut self) {
        self.line = None;
        self.call = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A line with a deadline and a wake, driven through the gate.
    struct Sleepy {
        doze: Option<Doze>,
        driven: u32,
    }

    impl Line for Sleepy {
        fn id(&self) -> &crate::LineId {
            unimplemented!()
        }
        fn caps(&self) -> crate::LineCaps {
            crate::LineCaps::MODEM_FAX
        }
        fn dial(
            &mut self,
            _: &str,
            _: crate::MediaKind,
            _: Instant,
        ) -> Result<crate::CallId, crate::LineError> {
            unimplemented!()
        }
        fn answer(&mut self, _: crate::CallId, _: Instant) -> Result<(), crate::LineError> {
            unimplemented!()
        }
        fn hangup(&mut self, _: crate::CallId, _: crate::HangupCause, _: Instant) {}
        fn send(
            &mut self,
            _: crate::CallId,
            _: crate::Media,
            _: Instant,
        ) -> Result<(), crate::LineError> {
            unimplemented!()
        }
        fn poll_event(&mut self) -> Option<crate::LineEvent> {
            None
        }
        fn is_idle(&self) -> bool {
            true
        }
        fn drive(&mut self, _: Instant) {
            self.driven += 1;
            if let Some(d) = &self.doze {
                d.wake.take();
            }
        }
        fn doze(&self) -> Option<Doze> {
            self.doze.clone()
        }
    }

    /// Ticks `from..to` (20 ms each) through `gate`: how many drove the line.
    fn run(gate: &mut Gate, line: &mut Sleepy, t0: Instant, ticks: std::ops::Range<u32>) -> u32 {
        let before = line.driven;
        for k in ticks {
            let now = t0 + Duration::from_millis(20 * u64::from(k));
            if gate.pass(line, now) {
                gate.settle(line, None);
            }
        }
        line.driven - before
    }

    #[test]
    fn a_dozing_line_is_driven_only_when_woken_or_due() {
        let t0 = test_kit::origin();
        let wake = Wake::new();
        let mut line = Sleepy {
            doze: Some(Doze {
                until: t0 + Duration::from_millis(500),
                wake: wake.clone(),
            }),
            driven: 0,
        };
        let mut gate = Gate::default();
        // The first tick asks the line; then nothing until 500 ms.
        assert_eq!(run(&mut gate, &mut line, t0, 0..25), 1);
        assert!(gate.is_shut(t0 + Duration::from_millis(480)));
        // Octets come: the next tick drives it, and it dozes again.
        wake.raise();
        assert!(!gate.is_shut(t0 + Duration::from_millis(480)));
        assert_eq!(run(&mut gate, &mut line, t0, 24..25), 1);
        assert_eq!(run(&mut gate, &mut line, t0, 24..25), 0);
        // Its deadline passes: driven at once.
        assert_eq!(run(&mut gate, &mut line, t0, 25..26), 1);
    }

    #[test]
    fn a_line_without_a_doze_is_driven_every_tick() {
        let t0 = test_kit::origin();
        let mut line = Sleepy {
            doze: None,
            driven: 0,
        };
        let mut gate = Gate::default();
        assert_eq!(run(&mut gate, &mut line, t0, 0..50), 50);
        assert!(!gate.is_shut(t0));
    }

    #[test]
    fn an_open_gate_lets_the_next_tick_pass() {
        let t0 = test_kit::origin();
        let mut line = Sleepy {
            doze: Some(Doze {
                until: t0 + Duration::from_secs(1),
                wake: Wake::new(),
            }),
            driven: 0,
        };
        let mut gate = Gate::default();
        assert_eq!(run(&mut gate, &mut line, t0, 0..10), 1);
        gate.open();
        assert_eq!(run(&mut gate, &mut line, t0, 10..11), 1);
        assert_eq!(run(&mut gate, &mut line, t0, 11..20), 0);
    }
}
