//! One fax call on one [`Line`]: the media pump every owner of a fax call
//! uses (the kernel's runner, the virtual fax machine, `ums fax-loop`, the
//! benchmarks and the tests).
//!
//! A [`FaxCall`] binds a T.30 [`FaxSession`] to a call: it takes the
//! call's line events (media in, the far end's hang-up), moves the
//! session's output onto the line each tick (a 20 ms audio frame, the
//! T.38 timers and the IFP packets due, or a modem line's T.30 timers and
//! the requests to its modem), follows a change of transport in
//! the middle of the call (G.711 ↔ T.38 on a SIP trunk) by starting a new
//! session on the new transport, and hangs up when T.30 is done.
//!
//! ```text
//!   owner ── FaxCall::dial / answer / answered ──▶ FaxCall
//!   every tick:  step(line, now, |other event| ...)
//!                  line.poll_media_change ─▶ new session on the new transport
//!                  line.poll_event        ─▶ media into the session, hang-up
//!                  session output         ─▶ line.send
//!                poll_event() ─▶ Answered | Fax(FaxEvent) | MediaChanged | Ended
//! ```
//!
//! Pages are numbered as the owner sees them, across transport changes: a
//! sender's `PageConfirmed { page }` is the page of the document (a call
//! that resumes at page 3 confirms 3, 4, ...); a receiver's counts every
//! page kept in the call. A sender that changes transport goes on with the
//! first page not yet confirmed; a receiver keeps the pages of the earlier
//! session in a part file and joins them in front of the later ones when
//! the call ends, so [`CallEnd::Fax`] names one file with every page.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fax_t30::{
    Document, FaxEvent, FaxOptions, FaxOutcome, FaxSession, PageSource, T38Options, Transport,
};

use crate::{CallId, CallProgress, HangupCause, Line, LineError, LineEvent, Media, MediaKind};

/// What the call does with a document.
#[derive(Debug, Clone)]
pub enum FaxRole {
    /// Send these pages (a TIFF-F, from a page on, or pages in memory).
    Send(PageSource),
    /// Receive into a TIFF-F file.
    Receive {
        /// Where spandsp writes the pages.
        file: PathBuf,
    },
}

/// What happened on a fax call.
#[derive(Debug, Clone)]
pub enum FaxCallEvent {
    /// The far end answered an outgoing call: T.30 runs from now on.
    Answered,
    /// A T.30 event, pages numbered as the module docs say.
    /// `FaxEvent::Finished` is not passed on: the call's end is
    /// [`FaxCallEvent::Ended`].
    Fax(FaxEvent),
    /// The call's media changed (G.711 ↔ T.38): a new session took over.
    MediaChanged(MediaKind),
    /// The call is over and the line is free of it. Always the last event.
    Ended(CallEnd),
}

/// How a fax call ended.
#[derive(Debug, Clone)]
pub enum CallEnd {
    /// The call never reached T.30 (busy, no answer, unallocated ...): the
    /// network's cause.
    NotConnected(HangupCause),
    /// T.30 ran. The outcome counts the pages of the whole call: a
    /// sender's `pages_confirmed` are the pages confirmed in this call
    /// (add [`FaxCall::first_page`] − 1 for the document's count); a
    /// receiver's are every page kept, in `file`.
    Fax(Box<FaxOutcome>),
    /// No session could be set up (the document cannot be read, the
    /// received file cannot be written); the call was hung up.
    Failed(String),
}

/// See the module docs.
pub struct FaxCall {
    call: CallId,
    role: FaxRole,
    options: FaxOptions,
    /// The call's media now.
    kind: MediaKind,
    /// None until the call is answered (outgoing), and after a session
    /// could not be made.
    session: Option<FaxSession>,
    /// Sender: the document page the current session starts with.
    session_first_page: u32,
    /// Sender: the page the call started with.
    first_page: u32,
    /// Receiver: files of earlier sessions of the call with their pages.
    parts: Vec<(PathBuf, u32)>,
    /// Receiver: pages the earlier sessions kept (offset of page numbers).
    kept_before: u32,
    /// Sender: pages earlier sessions of the call got confirmed.
    confirmed_before: u32,
    /// Sender: pages the current session got confirmed so far.
    confirmed_in_session: u32,
    /// The line is done with the call: we hung up or the far end did.
    line_done: bool,
    /// A session could not be made: hang up at the next step.
    pending_hangup: bool,
    /// Sessions started in this call (one per transport).
    session_count: u32,
    /// Why the far end hung up, if it did.
    remote_cause: Option<HangupCause>,
    events: VecDeque<FaxCallEvent>,
    ended: bool,
    /// Modem sessions: when T.30's timers last ran, and next run (see
    /// [`MODEM_TIMERS_EVERY`]).
    clocked: Option<Instant>,
    timers_due: Option<Instant>,
    /// Modem sessions: nothing to do before this unless the line has news
    /// (see [`FaxCall::step`]).
    quiet_until: Option<Instant>,
}

/// A modem session's T.30 timers run every 100 ms (and before each report
/// of the modem), not every tick: they are seconds long, and a modem call
/// is mostly ticks with nothing else to do.
const MODEM_TIMERS_EVERY: Duration = Duration::from_millis(100);

fn transport_of(kind: MediaKind) -> Transport {
    match kind {
        MediaKind::Audio => Transport::Audio,
        MediaKind::T38 => Transport::T38(T38Options::default()),
        MediaKind::Modem => Transport::Modem,
    }
}

impl FaxCall {
    fn new(call: CallId, role: FaxRole, options: FaxOptions, kind: MediaKind) -> FaxCall {
        let first_page = match &role {
            FaxRole::Send(PageSource::TiffFrom { first_page, .. }) => (*first_page).max(1),
            FaxRole::Send(_) | FaxRole::Receive { .. } => 1,
        };
        let options = FaxOptions {
            calling_party: matches!(role, FaxRole::Send(_)),
            ..options
        };
        FaxCall {
            call,
            role,
            options,
            kind,
            session: None,
            session_first_page: first_page,
            first_page,
            parts: Vec::new(),
            kept_before: 0,
            confirmed_before: 0,
            confirmed_in_session: 0,
            line_done: false,
            pending_hangup: false,
            session_count: 0,
            remote_cause: None,
            events: VecDeque::new(),
            ended: false,
            clocked: None,
            timers_due: None,
            quiet_until: None,
        }
    }

    /// Dial `number` on `line` (audio, or a modem's frames on a modem
    /// line); T.30 starts when the far end answers.
    pub fn dial(
        line: &mut dyn Line,
        number: &str,
        role: FaxRole,
        options: FaxOptions,
        now: Instant,
    ) -> Result<FaxCall, LineError> {
        let kind = line.caps().fax_media();
        let call = line.dial(number, kind, now)?;
        Ok(FaxCall::placed(call, kind, role, options))
    }

    /// A call the owner placed itself (`kind` of media, the driver's own
    /// options such as per-call impairments); T.30 starts when the far end
    /// answers.
    pub fn placed(call: CallId, kind: MediaKind, role: FaxRole, options: FaxOptions) -> FaxCall {
        FaxCall::new(call, role, options, kind)
    }

    /// Answer the incoming `call` (announced with `kind` of media) and
    /// start T.30 at once. A session that cannot be made refuses the call
    /// (temporary failure) and is the error.
    pub fn answer(
        line: &mut dyn Line,
        call: CallId,
        kind: MediaKind,
        role: FaxRole,
        options: FaxOptions,
        now: Instant,
    ) -> Result<FaxCall, String> {
        let mut fc = FaxCall::new(call, role, options, kind);
        if let Err(e) = fc.start_session() {
            line.hangup(call, HangupCause::TemporaryFailure, now);
            return Err(e);
        }
        if let Err(e) = line.answer(call, now) {
            return Err(format!("the call could not be answered: {e}"));
        }
        Ok(fc)
    }

    /// Take over a call that is answered already (a voice call in which
    /// the caller's fax tone was heard): T.30 starts now, as if the line
    /// had just picked up.
    pub fn answered(
        call: CallId,
        kind: MediaKind,
        role: FaxRole,
        options: FaxOptions,
    ) -> Result<FaxCall, String> {
        let mut fc = FaxCall::new(call, role, options, kind);
        fc.start_session()?;
        Ok(fc)
    }

    /// The call on the line.
    pub fn call(&self) -> CallId {
        self.call
    }

    /// What the call does.
    pub fn role(&self) -> &FaxRole {
        &self.role
    }

    /// The call's media now.
    pub fn media_kind(&self) -> MediaKind {
        self.kind
    }

    /// Sender: the document page the call started with.
    pub fn first_page(&self) -> u32 {
        self.first_page
    }

    /// True once the call is answered and T.30 runs.
    pub fn is_answered(&self) -> bool {
        self.session.is_some()
    }

    /// Why the far end hung up (`None`: it did not, or not yet).
    pub fn remote_cause(&self) -> Option<HangupCause> {
        self.remote_cause
    }

    /// True once [`FaxCallEvent::Ended`] has been queued.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// spandsp's diagnostic log lines (only with `UMS_SPANDSP_LOG` set).
    pub fn take_log(&mut self) -> Vec<String> {
        self.session
            .as_mut()
            .map(FaxSession::take_log)
            .unwrap_or_default()
    }

    fn start_session(&mut self) -> Result<(), String> {
        let document = match &self.role {
            // The first session sends what the owner gave; a later one (on
            // a new transport) the file, from the first page not confirmed.
            FaxRole::Send(source) if self.session_count == 0 => Document::Send(source.clone()),
            FaxRole::Send(source) => Document::Send(PageSource::TiffFrom {
                path: match source {
                    PageSource::Tiff(path) | PageSource::TiffFrom { path, .. } => path.clone(),
                    PageSource::Pages { spool, .. } => spool.clone(),
                },
                first_page: self.session_first_page,
            }),
            FaxRole::Receive { file } => Document::Receive(file.clone()),
        };
        let s = FaxSession::new(&self.options, transport_of(self.kind), document)
            .map_err(|e| e.to_string())?;
        self.session = Some(s);
        self.session_count += 1;
        Ok(())
    }

    /// One tick of the call: take this call's media changes and events
    /// from `line` (every other event goes to `other`, in order), then move
    /// the session's output onto the line, and hang up once T.30 is done.
    ///
    /// A modem call with nothing due (no news from the line, T.30's timers
    /// not due, nothing of T.30's waiting) returns at once: most of its
    /// ticks are such, and a tick that touches nothing costs nothing.
    pub fn step(&mut self, line: &mut dyn Line, now: Instant, mut other: impl FnMut(LineEvent)) {
        if self.quiet_until.is_some_and(|t| now < t) && !line.has_news() {
            return;
        }
        self.quiet_until = None;
        while let Some((call, kind)) = line.poll_media_change() {
            if call == self.call {
                self.handle_media_change(kind, line, now);
            }
        }
        while let Some(ev) = line.poll_event() {
            if ev.call() == self.call && !self.ended {
                self.handle_event(ev, now);
            } else {
                other(ev);
            }
        }
        self.pump_out(line, now);
        self.collect(line, now);
        self.quiet_until = self.timers_due.filter(|_| self.is_quiet());
    }

    /// A modem call in progress with nothing of T.30's waiting to go out.
    fn is_quiet(&self) -> bool {
        !self.line_done
            && !self.pending_hangup
            && !self.ended
            && self
                .session
                .as_ref()
                .is_some_and(|s| s.is_modem() && !s.is_finished() && !s.has_output())
    }

    /// End the call now (an operator's cancel, a scripted cut): the line is
    /// hung up with `cause` and T.30 concludes as on a dropped call.
    pub fn hang_up(&mut self, line: &mut dyn Line, cause: HangupCause, now: Instant) {
        self.quiet_until = None;
        if !self.line_done {
            line.hangup(self.call, cause, now);
            self.line_done = true;
        }
        match self.session.as_mut() {
            Some(s) => s.handle_hangup(),
            None if !self.ended => self.end(CallEnd::NotConnected(cause)),
            None => {}
        }
        self.collect(line, now);
    }

    /// The next thing that happened; `Ended` is the last.
    pub fn poll_event(&mut self) -> Option<FaxCallEvent> {
        self.events.pop_front()
    }

    fn handle_event(&mut self, ev: LineEvent, now: Instant) {
        match ev {
            LineEvent::Progress {
                progress: CallProgress::Answered,
                ..
            } => {
                if self.session.is_none() {
                    match self.start_session() {
                        Ok(()) => self.events.push_back(FaxCallEvent::Answered),
                        Err(e) => self.fail(e),
                    }
                }
            }
            LineEvent::Progress { .. } | LineEvent::Incoming { .. } => {}
            LineEvent::Media { media, .. } => {
                let Some(s) = self.session.as_mut() else {
                    return;
                };
                // Media of the other kind (around a switch) is dropped.
                match media {
                    Media::Audio(frame) if s.transport() == Transport::Audio => {
                        s.handle_audio(&frame)
                    }
                    Media::T38(p) if s.is_t38() => s.handle_ifp(&p),
                    Media::ModemReport(r) if s.is_modem() => {
                        // The time before the report passes first.
                        clock_modem(s, &mut self.clocked, now);
                        s.handle_modem(&r)
                    }
                    _ => {}
                }
            }
            LineEvent::HungUp { cause, .. } => {
                self.line_done = true;
                self.remote_cause = Some(cause);
                match self.session.as_mut() {
                    Some(s) => s.handle_hangup(),
                    None => self.end(CallEnd::NotConnected(cause)),
                }
            }
        }
    }

    /// The session could not be made: hang up (at the next step) and end.
    fn fail(&mut self, reason: String) {
        self.pending_hangup = true;
        self.end(CallEnd::Failed(reason));
    }

    fn handle_media_change(&mut self, kind: MediaKind, line: &mut dyn Line, now: Instant) {
        self.kind = kind;
        // Not answered yet: the session starts on `kind`. Finished: its
        // outcome ends the call as usual.
        let Some(mut old) = self.session.take_if(|s| !s.is_finished()) else {
            return;
        };
        let mut events = Vec::new();
        let mut kept = 0;
        if let FaxRole::Receive { .. } = self.role {
            old.handle_hangup();
            kept = old
                .outcome()
                .filter(|o| o.file.is_some())
                .map_or(0, |o| o.pages_confirmed);
        }
        while let Some(ev) = old.poll_event() {
            events.push(ev);
        }
        for ev in events {
            self.pass_on(ev);
        }
        let mut part = None;
        match &self.role {
            FaxRole::Send(_) => {
                // Pages the old session got confirmed stay confirmed; the
                // new one starts after them.
                let done = self.confirmed_in_session;
                self.session_first_page += done;
                self.confirmed_before += done;
                self.confirmed_in_session = 0;
            }
            FaxRole::Receive { file } => {
                if kept > 0 {
                    let p = file.with_extension(format!("part{}.tif", self.parts.len() + 1));
                    if std::fs::rename(file, &p).is_ok() {
                        part = Some(p);
                    }
                } else {
                    let _ = std::fs::remove_file(file);
                }
            }
        }
        if let Some(p) = part.clone() {
            self.parts.push((p, kept));
            self.kept_before += kept;
        }
        match self.start_session() {
            Ok(()) => self.events.push_back(FaxCallEvent::MediaChanged(kind)),
            Err(_) => {
                // The ended session stays: its outcome (and the pages kept
                // so far) end the call.
                if let (Some(p), FaxRole::Receive { file }) = (part, &self.role) {
                    let _ = std::fs::rename(p, file);
                    self.parts.pop();
                    self.kept_before -= kept;
                }
                old.handle_hangup();
                self.session = Some(old);
                if !self.line_done {
                    line.hangup(self.call, HangupCause::NormalClearing, now);
                    self.line_done = true;
                }
            }
        }
    }

    /// A session's event as the owner numbers pages.
    fn pass_on(&mut self, ev: FaxEvent) {
        let offset = match self.role {
            FaxRole::Send(_) => self.session_first_page - 1,
            FaxRole::Receive { .. } => self.kept_before,
        };
        let ev = match ev {
            FaxEvent::Finished(_) => return,
            FaxEvent::PageStarted { page } => FaxEvent::PageStarted {
                page: page + offset,
            },
            FaxEvent::PageConfirmed {
                page,
                rows,
                bad_rows,
            } => {
                if let FaxRole::Send(_) = self.role {
                    self.confirmed_in_session = page;
                }
                FaxEvent::PageConfirmed {
                    page: page + offset,
                    rows,
                    bad_rows,
                }
            }
            FaxEvent::PageRejected { page } => FaxEvent::PageRejected {
                page: page + offset,
            },
            other => other,
        };
        self.events.push_back(FaxCallEvent::Fax(ev));
    }

    fn pump_out(&mut self, line: &mut dyn Line, now: Instant) {
        if self.line_done {
            return;
        }
        let Some(s) = self.session.as_mut().filter(|s| !s.is_finished()) else {
            return;
        };
        if s.is_t38() {
            s.handle_tick();
            while let Some(p) = s.poll_ifp() {
                let _ = line.send(self.call, Media::T38(p), now);
            }
        } else if s.is_modem() {
            if self.timers_due.is_none_or(|t| t <= now) {
                clock_modem(s, &mut self.clocked, now);
                self.timers_due = Some(now + MODEM_TIMERS_EVERY);
            }
            while let Some(r) = s.poll_modem() {
                let _ = line.send(self.call, Media::ModemRequest(r), now);
            }
        } else {
            let frame = s.poll_audio();
            let _ = line.send(self.call, Media::Audio(frame), now);
        }
    }

    /// The session's events; at its end, hang up and end the call.
    fn collect(&mut self, line: &mut dyn Line, now: Instant) {
        if self.pending_hangup && !self.line_done {
            line.hangup(self.call, HangupCause::NormalClearing, now);
            self.line_done = true;
        }
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let mut evs = Vec::new();
        while let Some(ev) = s.poll_event() {
            evs.push(ev);
        }
        for ev in evs {
            self.pass_on(ev);
        }
        let Some(s) = self.session.as_ref().filter(|s| s.is_finished()) else {
            return;
        };
        if !self.line_done {
            // A finished session hangs up its line, as a fax machine does.
            line.hangup(self.call, HangupCause::NormalClearing, now);
            self.line_done = true;
        }
        if self.ended {
            return;
        }
        let mut outcome = s.outcome().cloned().expect("finished");
        match &self.role {
            FaxRole::Send(_) => outcome.pages_confirmed += self.confirmed_before,
            FaxRole::Receive { file } => {
                if !self.parts.is_empty() {
                    join_parts(&self.parts, file, outcome.file.is_some());
                    outcome.pages_confirmed += self.kept_before;
                    outcome.file = Some(file.clone());
                    self.parts.clear();
                }
            }
        }
        self.end(CallEnd::Fax(Box::new(outcome)));
    }

    fn end(&mut self, end: CallEnd) {
        if !self.ended {
            self.ended = true;
            self.events.push_back(FaxCallEvent::Ended(end));
        }
    }
}

/// Joins the pages of the part files (and of `last`, if it has pages) into
/// `last`. A part that cannot be read is skipped: what can be kept is kept.
/// Run a modem session's T.30 timers for the time since they last ran.
fn clock_modem(s: &mut FaxSession, clocked: &mut Option<Instant>, now: Instant) {
    let since = clocked.unwrap_or(now);
    // 8 samples a millisecond; what is left of a sample counts next time.
    let samples = (now.saturating_duration_since(since).as_micros() / 125).min(u32::MAX.into());
    *clocked = Some(since + Duration::from_micros(samples as u64 * 125));
    s.handle_elapsed(samples as u32);
}

fn join_parts(parts: &[(PathBuf, u32)], last: &Path, last_has_pages: bool) {
    let mut pages = Vec::new();
    for (p, _) in parts {
        if let Ok(mut got) = fax_t30::tiff::read_tiff_file(p) {
            pages.append(&mut got);
        }
    }
    if last_has_pages {
        if let Ok(mut got) = fax_t30::tiff::read_tiff_file(last) {
            pages.append(&mut got);
        }
    }
    if fax_t30::tiff::write_tiff_file(last, &pages, &Default::default()).is_ok() {
        for (p, _) in parts {
            let _ = std::fs::remove_file(p);
        }
    }
}
