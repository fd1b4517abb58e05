//! A channel shared between the kernel's runner and the media loop.

use std::time::Instant;

use super::SipLine;
use crate::cause::HangupCause;
use crate::error::LineError;
use crate::line::{CallId, Line, LineCaps, LineEvent, LineId, Media, MediaKind};

/// A [`SipLine`] shared between the kernel's runner (which owns its lines
/// as `Box<dyn Line>`) and the media loop that ticks it, as the loopback
/// exchange is shared (one thread; `Rc<RefCell>`).
#[derive(Clone)]
pub struct SharedSipLine(std::rc::Rc<std::cell::RefCell<SipLine>>, LineId);

impl SharedSipLine {
    /// Shares `line`.
    pub fn new(line: SipLine) -> Self {
        let id = line.cfg.id.clone();
        SharedSipLine(std::rc::Rc::new(std::cell::RefCell::new(line)), id)
    }

    /// See [`SipLine::tick`].
    pub fn tick(&self, now: Instant) {
        self.0.borrow_mut().tick(now);
    }

    /// The line itself (stats, media changes, T.38 requests).
    pub fn with<R>(&self, f: impl FnOnce(&mut SipLine) -> R) -> R {
        f(&mut self.0.borrow_mut())
    }
}

impl Line for SharedSipLine {
    fn id(&self) -> &LineId {
        &self.1
    }

    fn caps(&self) -> LineCaps {
        self.0.borrow().caps()
    }

    fn dial(&mut self, number: &str, media: MediaKind, now: Instant) -> Result<CallId, LineError> {
        self.0.borrow_mut().dial(number, media, now)
    }

    fn answer(&mut self, call: CallId, now: Instant) -> Result<(), LineError> {
        self.0.borrow_mut().answer(call, now)
    }

    fn hangup(&mut self, call: CallId, cause: HangupCause, now: Instant) {
        self.0.borrow_mut().hangup(call, cause, now)
    }

    fn send(&mut self, call: CallId, media: Media, now: Instant) -> Result<(), LineError> {
        self.0.borrow_mut().send(call, media, now)
    }

    fn poll_event(&mut self) -> Option<LineEvent> {
        self.0.borrow_mut().poll_event()
    }

    fn is_idle(&self) -> bool {
        self.0.borrow().is_idle()
    }

    fn is_available(&self) -> bool {
        let line = self.0.borrow();
        line.is_available_at(line.last_now)
    }

    fn poll_media_change(&mut self) -> Option<(CallId, MediaKind)> {
        self.0.borrow_mut().changes.pop_front()
    }
}
