//! The loopback driver: a virtual exchange with numbered lines, for tests,
//! benches and the `ums fax-loop` line test bench.
//!
//! * [`Exchange`] owns every line and call and is driven by index
//!   ([`LineIndex`]) and by [`Exchange::tick`], once per 20 ms of media time.
//!   It is `Send`: a bench builds one per worker thread and drives it
//!   without locks.
//! * [`LineMut`] (`exchange.line(ix)`) is a borrowed [`Line`] view of one line.
//! * [`SharedExchange`] / [`LoopbackLine`] give owned `Line` objects over an
//!   `Rc<RefCell<Exchange>>` for single-threaded code that wants a
//!   `Box<dyn Line>` per line, like the kernel's scheduler.
//!
//! What the exchange does:
//!
//! | situation | caller gets | called line gets |
//! |---|---|---|
//! | dial | `Progress(Dialling)` | |
//! | unknown number | `HungUp(UnallocatedNumber)` | |
//! | called line has a call | `HungUp(UserBusy)` | |
//! | called line lacks the media kind | `HungUp(IncompatibleDestination)` | |
//! | routed | `Progress(Ringing)` | `Incoming` |
//! | not answered within `ring_timeout` | `HungUp(NoAnswer)` | `HungUp(NoAnswer)` |
//! | answered | `Progress(Answered)` | `Progress(Answered)` |
//! | one side hangs up with a cause | `HungUp(cause)` on the other side | |
//!
//! Numbers without a line can be given a [`Behaviour`] (always busy, never
//! answers, answers with voice, echo, rejects with a cause).
//!
//! Media of a connected call moves at each tick through the call's
//! [`Impairments`]: one audio frame per tick and direction (SILENCE when the
//! side sent none), T.38 packets with loss, reordering and duplication, DTMF
//! unchanged. T.38 sequence numbers are left as the sender set them.

mod exchange;
mod impairment;
mod media_path;
mod party;

use std::cell::{Ref, RefCell, RefMut};
use std::rc::Rc;
use std::time::Instant;

pub use exchange::{Exchange, ExchangeConfig, LineIndex};
pub(crate) use impairment::PacketDice;
pub use impairment::{
    Impairments, FULL_SCALE_SINE_DBM0, MAX_DRIFT_PPM, REFERENCE_LEVEL_DBM0, REFERENCE_RMS,
};
pub use media_path::{PathStats, AUDIO_INPUT_FRAMES};
pub use party::{Behaviour, NumberPattern, Responder};

use crate::cause::HangupCause;
use crate::error::LineError;
use crate::line::{CallId, Line, LineCaps, LineEvent, LineId, Media, MediaKind};

/// A [`Line`] view of one line of an [`Exchange`], borrowing the exchange.
pub struct LineMut<'a> {
    exchange: &'a mut Exchange,
    ix: LineIndex,
}

impl LineMut<'_> {
    /// Which line this is.
    pub fn index(&self) -> LineIndex {
        self.ix
    }
}

impl Line for LineMut<'_> {
    fn id(&self) -> &LineId {
        self.exchange.line_id(self.ix)
    }

    fn caps(&self) -> LineCaps {
        self.exchange.caps(self.ix)
    }

    fn dial(&mut self, number: &str, media: MediaKind, now: Instant) -> Result<CallId, LineError> {
        self.exchange.dial(self.ix, number, media, now)
    }

    fn answer(&mut self, call: CallId, now: Instant) -> Result<(), LineError> {
        self.exchange.answer(self.ix, call, now)
    }

    fn hangup(&mut self, call: CallId, cause: HangupCause, now: Instant) {
        self.exchange.hangup(self.ix, call, cause, now);
    }

    fn send(&mut self, call: CallId, media: Media, now: Instant) -> Result<(), LineError> {
        self.exchange.send(self.ix, call, media, now)
    }

    fn poll_event(&mut self) -> Option<LineEvent> {
        self.exchange.poll_event(self.ix)
    }

    fn is_idle(&self) -> bool {
        self.exchange.is_idle(self.ix)
    }
}

/// An exchange shared by the [`LoopbackLine`]s on one thread.
#[derive(Debug, Clone)]
pub struct SharedExchange(Rc<RefCell<Exchange>>);

impl SharedExchange {
    /// A new exchange.
    pub fn new(config: ExchangeConfig) -> SharedExchange {
        SharedExchange::from_exchange(Exchange::new(config))
    }

    /// Share an exchange built elsewhere.
    pub fn from_exchange(exchange: Exchange) -> SharedExchange {
        SharedExchange(Rc::new(RefCell::new(exchange)))
    }

    /// Connect a line and return an owned handle to it.
    pub fn add_line(&self, number: &str, caps: LineCaps) -> Result<LoopbackLine, LineError> {
        let mut ex = self.0.borrow_mut();
        let ix = ex.add_line(number, caps)?;
        Ok(LoopbackLine {
            exchange: Rc::clone(&self.0),
            id: ex.line_id(ix).clone(),
            ix,
        })
    }

    /// Run one media tick (see [`Exchange::tick`]).
    pub fn tick(&self, now: Instant) {
        self.0.borrow_mut().tick(now);
    }

    /// Read access, e.g. for [`Exchange::received_stats`]. Do not hold it
    /// across calls on a [`LoopbackLine`] (the `RefCell` would panic).
    pub fn borrow(&self) -> Ref<'_, Exchange> {
        self.0.borrow()
    }

    /// Write access (same rule as [`SharedExchange::borrow`]).
    pub fn borrow_mut(&self) -> RefMut<'_, Exchange> {
        self.0.borrow_mut()
    }
}

/// An owned [`Line`] on a [`SharedExchange`].
#[derive(Debug, Clone)]
pub struct LoopbackLine {
    exchange: Rc<RefCell<Exchange>>,
    id: LineId,
    ix: LineIndex,
}

impl LoopbackLine {
    /// Which line this is.
    pub fn index(&self) -> LineIndex {
        self.ix
    }

    /// Place a call with impairments of its own (tests).
    pub fn dial_with(
        &mut self,
        number: &str,
        media: MediaKind,
        impairments: Impairments,
        now: Instant,
    ) -> Result<CallId, LineError> {
        self.exchange
            .borrow_mut()
            .dial_with(self.ix, number, media, impairments, now)
    }

    /// Counters of the media path towards this line.
    pub fn received_stats(&self) -> Option<PathStats> {
        self.exchange.borrow().received_stats(self.ix)
    }

    /// Counters of the media path from this line.
    pub fn sent_stats(&self) -> Option<PathStats> {
        self.exchange.borrow().sent_stats(self.ix)
    }
}

impl Line for LoopbackLine {
    fn id(&self) -> &LineId {
        &self.id
    }

    fn caps(&self) -> LineCaps {
        self.exchange.borrow().caps(self.ix)
    }

    fn dial(&mut self, number: &str, media: MediaKind, now: Instant) -> Result<CallId, LineError> {
        self.exchange.borrow_mut().dial(self.ix, number, media, now)
    }

    fn answer(&mut self, call: CallId, now: Instant) -> Result<(), LineError> {
        self.exchange.borrow_mut().answer(self.ix, call, now)
    }

    fn hangup(&mut self, call: CallId, cause: HangupCause, now: Instant) {
        self.exchange.borrow_mut().hangup(self.ix, call, cause, now);
    }

    fn send(&mut self, call: CallId, media: Media, now: Instant) -> Result<(), LineError> {
        self.exchange.borrow_mut().send(self.ix, call, media, now)
    }

    fn poll_event(&mut self) -> Option<LineEvent> {
        self.exchange.borrow_mut().poll_event(self.ix)
    }

    fn is_idle(&self) -> bool {
        self.exchange.borrow().is_idle(self.ix)
    }
}
