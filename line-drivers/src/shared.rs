//! A line shared between the kernel's runner (which owns its lines as
//! `Box<dyn Line>`) and the media loop that ticks it: both on the media
//! thread, so an `Rc<RefCell>` (as the loopback exchange is shared).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use crate::cause::HangupCause;
use crate::error::LineError;
use crate::line::{CallId, Line, LineCaps, LineEvent, LineId, Media, MediaKind};

/// `line` shared: every [`Line`] call goes to it; [`Shared::with`] reaches
/// the line itself (its tick, state, statistics).
pub struct Shared<L> {
    inner: Rc<RefCell<L>>,
    id: LineId,
}

impl<L> Clone for Shared<L> {
    fn clone(&self) -> Self {
        Shared {
            inner: Rc::clone(&self.inner),
            id: self.id.clone(),
        }
    }
}

impl<L: Line> Shared<L> {
    /// Share `line`.
    pub fn new(line: L) -> Shared<L> {
        Shared {
            id: line.id().clone(),
            inner: Rc::new(RefCell::new(line)),
        }
    }

    /// The line itself.
    pub fn with<R>(&self, f: impl FnOnce(&mut L) -> R) -> R {
        f(&mut self.inner.borrow_mut())
    }
}

impl<L: Line> Line for Shared<L> {
    fn id(&self) -> &LineId {
        &self.id
    }

    fn caps(&self) -> LineCaps {
        self.inner.borrow().caps()
    }

    fn dial(&mut self, number: &str, media: MediaKind, now: Instant) -> Result<CallId, LineError> {
        self.inner.borrow_mut().dial(number, media, now)
    }

    fn answer(&mut self, call: CallId, now: Instant) -> Result<(), LineError> {
        self.inner.borrow_mut().answer(call, now)
    }

    fn hangup(&mut self, call: CallId, cause: HangupCause, now: Instant) {
        self.inner.borrow_mut().hangup(call, cause, now)
    }

    fn send(&mut self, call: CallId, media: Media, now: Instant) -> Result<(), LineError> {
        self.inner.borrow_mut().send(call, media, now)
    }

    fn poll_event(&mut self) -> Option<LineEvent> {
        self.inner.borrow_mut().poll_event()
    }

    fn is_idle(&self) -> bool {
        self.inner.borrow().is_idle()
    }

    fn is_available(&self) -> bool {
        self.inner.borrow().is_available()
    }

    fn poll_media_change(&mut self) -> Option<(CallId, MediaKind)> {
        self.inner.borrow_mut().poll_media_change()
    }

    fn has_news(&self) -> bool {
        self.inner.borrow().has_news()
    }
}
