//! A virtual fax machine on any [`Line`]: answers calls, receives faxes with
//! a real T.30 receiver, keeps what it got, and can be scripted to be busy,
//! not answer, or drop a call after some pages. It can also place a call
//! and send a fax ([`VirtualFaxMachine::send_fax`]). The far end of the
//! simulated phone network, and of the kernel's retry tests.

use std::path::PathBuf;
use std::time::Instant;

use fax_t30::{Document, FaxOptions, FaxOutcome, FaxSession, T38Options, Transport};

use crate::{CallId, CallProgress, HangupCause, Line, LineError, LineEvent, Media, MediaKind};

/// Hand media from a line to a fax session (DTMF means nothing to T.30).
pub fn feed(session: &mut FaxSession, media: &Media) {
    match media {
        Media::Audio(frame) => session.handle_audio(frame),
        Media::T38(packet) => session.handle_ifp(packet),
        Media::Dtmf(_) => {}
    }
}

/// What the machine does with its n-th incoming call (1-based).
#[derive(Debug, Clone, Default)]
pub struct FaxMachineScript {
    /// The first this-many calls find the line busy.
    pub busy_first: u32,
    /// Calls with these numbers ring unanswered.
    pub unanswered_calls: Vec<u32>,
    /// (call number, pages): that call is cut after this many pages were
    /// received and confirmed to the sender: 3 s into the next page.
    pub drop_after_pages: Vec<(u32, u32)>,
}

/// One fax the machine received (or began to receive).
#[derive(Debug, Clone)]
pub struct ReceivedFax {
    /// Which incoming call (1-based) brought it.
    pub call_number: u32,
    /// The caller's number as the line presented it.
    pub caller: Option<String>,
    /// The TIFF-F written (may be absent if no page arrived).
    pub file: PathBuf,
    /// The receiver's outcome: pages kept, partial pages, result code.
    pub outcome: FaxOutcome,
}

/// A fax the machine sent (or tried to).
#[derive(Debug, Clone)]
pub struct SentFax {
    /// The number it dialled.
    pub number: String,
    /// The network's cause when the call ended before a fax session began
    /// (busy, no answer, unallocated ...).
    pub cause: Option<HangupCause>,
    /// The sender's outcome once the call was answered.
    pub outcome: Option<FaxOutcome>,
}

struct Outgoing {
    call: CallId,
    number: String,
    document: PathBuf,
    session: Option<FaxSession>,
    cause: Option<HangupCause>,
    done: bool,
}

struct Current {
    call: CallId,
    number: u32,
    caller: Option<String>,
    file: PathBuf,
    session: Option<FaxSession>,
    drop_after: Option<u32>,
    /// Ticks left until the scripted cut, once armed.
    cut_in: Option<u32>,
}

/// See the module docs. Drive it with [`VirtualFaxMachine::tick`] once per
/// media tick, after the line's driver has ticked.
pub struct VirtualFaxMachine {
    line: Box<dyn Line>,
    dir: PathBuf,
    options: FaxOptions,
    script: FaxMachineScript,
    calls: u32,
    current: Option<Current>,
    received: Vec<ReceivedFax>,
    first_file: u32,
    outgoing: Option<Outgoing>,
    sent: Vec<SentFax>,
}

impl VirtualFaxMachine {
    /// A machine on `line` that writes what it receives into `dir`.
    pub fn new(line: Box<dyn Line>, dir: PathBuf, ident: &str) -> VirtualFaxMachine {
        VirtualFaxMachine {
            line,
            dir,
            options: FaxOptions {
                calling_party: false,
                ident: ident.to_string(),
                ..FaxOptions::default()
            },
            script: FaxMachineScript::default(),
            calls: 0,
            current: None,
            received: Vec::new(),
            first_file: 1,
            outgoing: None,
            sent: Vec::new(),
        }
    }

    /// Number the received files from `n` (`fax-<n>.tif`, then n + 1 ...)
    /// instead of 1, e.g. to keep what an earlier run left in `dir`.
    pub fn with_first_file_number(mut self, n: u32) -> VirtualFaxMachine {
        self.first_file = n.max(1);
        self
    }

    /// Call `number` and send `document` (a TIFF-F) once it answers. The
    /// result comes out of [`VirtualFaxMachine::take_sent`] when the call
    /// ended. Fails if the machine has a call already.
    pub fn send_fax(
        &mut self,
        number: &str,
        document: PathBuf,
        now: Instant,
    ) -> Result<CallId, LineError> {
        if self.current.is_some() || self.outgoing.is_some() {
            return Err(LineError::LineBusy);
        }
        let call = self.line.dial(number, MediaKind::Audio, now)?;
        self.outgoing = Some(Outgoing {
            call,
            number: number.to_string(),
            document,
            session: None,
            cause: None,
            done: false,
        });
        Ok(call)
    }

    /// Faxes sent (or tried) since the last call, oldest first.
    pub fn take_sent(&mut self) -> Vec<SentFax> {
        std::mem::take(&mut self.sent)
    }

    /// True when the machine has no call.
    pub fn is_idle(&self) -> bool {
        self.current.is_none() && self.outgoing.is_none()
    }

    /// Script the calls to come.
    pub fn with_script(mut self, script: FaxMachineScript) -> VirtualFaxMachine {
        self.script = script;
        self
    }

    /// Incoming calls seen so far.
    pub fn calls(&self) -> u32 {
        self.calls
    }

    /// Everything received so far, oldest first.
    pub fn received(&self) -> &[ReceivedFax] {
        &self.received
    }

    /// One media step.
    pub fn tick(&mut self, now: Instant) {
        while let Some(ev) = self.line.poll_event() {
            if self.outgoing.as_ref().is_some_and(|o| o.call == ev.call()) {
                self.handle_outgoing_event(ev);
            } else {
                self.handle_event(ev, now);
            }
        }
        self.tick_outgoing(now);
        let Some(cur) = self.current.as_mut() else {
            return;
        };
        let Some(session) = cur.session.as_mut() else {
            return;
        };
        if session.is_t38() {
            session.handle_tick();
            while let Some(p) = session.poll_ifp() {
                let _ = self.line.send(cur.call, Media::T38(p), now);
            }
        } else {
            let frame = session.poll_audio();
            let _ = self.line.send(cur.call, Media::Audio(frame), now);
        }
        while let Some(ev) = session.poll_event() {
            if let fax_t30::FaxEvent::PageStarted { page } = ev {
                // The next page began: the previous one was confirmed (MCF
                // sent). Cut 3 s into this page.
                if cur.drop_after.is_some_and(|k| page == k + 1) {
                    cur.cut_in = Some(150);
                }
            }
        }
        if let Some(n) = cur.cut_in.as_mut() {
            *n = n.saturating_sub(1);
        }
        if cur.cut_in == Some(0) {
            // The line fails in the middle of the next page.
            self.line
                .hangup(cur.call, HangupCause::NetworkOutOfOrder, now);
            session.handle_hangup();
            self.finish_call();
        } else if session.is_finished() {
            self.line.hangup(cur.call, HangupCause::NormalClearing, now);
            self.finish_call();
        }
    }

    fn handle_event(&mut self, ev: LineEvent, now: Instant) {
        match ev {
            LineEvent::Incoming {
                call,
                caller,
                media,
                ..
            } => {
                if self.current.is_some() {
                    self.line.hangup(call, HangupCause::UserBusy, now);
                    return;
                }
                self.calls += 1;
                let n = self.calls;
                if n <= self.script.busy_first {
                    self.line.hangup(call, HangupCause::UserBusy, now);
                    return;
                }
                let file = self
                    .dir
                    .join(format!("fax-{:04}.tif", self.first_file + n - 1));
                let mut cur = Current {
                    call,
                    number: n,
                    caller,
                    file,
                    session: None,
                    drop_after: self
                        .script
                        .drop_after_pages
                        .iter()
                        .find(|(c, _)| *c == n)
                        .map(|(_, p)| *p),
                    cut_in: None,
                };
                if !self.script.unanswered_calls.contains(&n) {
                    let transport = match media {
                        MediaKind::Audio => Transport::Audio,
                        MediaKind::T38 => Transport::T38(T38Options::default()),
                    };
                    match FaxSession::new(
                        &self.options,
                        transport,
                        Document::Receive(cur.file.clone()),
                    ) {
                        Ok(s) if self.line.answer(call, now).is_ok() => cur.session = Some(s),
                        _ => {
                            self.line.hangup(call, HangupCause::TemporaryFailure, now);
                            return;
                        }
                    }
                }
                self.current = Some(cur);
            }
            LineEvent::Media { call, media } => {
                let Some(cur) = self.current.as_mut().filter(|c| c.call == call) else {
                    return;
                };
                if let Some(s) = cur.session.as_mut() {
                    feed(s, &media);
                }
            }
            LineEvent::HungUp { call, .. } => {
                if self.current.as_ref().is_some_and(|c| c.call == call) {
                    if let Some(s) = self.current.as_mut().and_then(|c| c.session.as_mut()) {
                        s.handle_hangup();
                    }
                    self.finish_call();
                }
            }
            LineEvent::Progress { .. } => {}
        }
    }

    fn handle_outgoing_event(&mut self, ev: LineEvent) {
        let Some(out) = self.outgoing.as_mut() else {
            return;
        };
        match ev {
            LineEvent::Progress {
                progress: CallProgress::Answered,
                ..
            } => {
                let options = FaxOptions {
                    calling_party: true,
                    ..self.options.clone()
                };
                let doc = Document::Send(fax_t30::PageSource::Tiff(out.document.clone()));
                match FaxSession::new(&options, Transport::Audio, doc) {
                    Ok(s) => out.session = Some(s),
                    Err(_) => {
                        out.cause = Some(HangupCause::NormalClearing);
                        out.done = true;
                    }
                }
            }
            LineEvent::Media { media, .. } => {
                if let Some(s) = out.session.as_mut() {
                    feed(s, &media);
                }
            }
            LineEvent::HungUp { cause, .. } => {
                match out.session.as_mut() {
                    Some(s) => s.handle_hangup(),
                    None => out.cause = Some(cause),
                }
                out.done = true;
            }
            LineEvent::Progress { .. } | LineEvent::Incoming { .. } => {}
        }
    }

    fn tick_outgoing(&mut self, now: Instant) {
        let Some(out) = self.outgoing.as_mut() else {
            return;
        };
        if let Some(s) = out.session.as_mut() {
            if !s.is_finished() {
                let frame = s.poll_audio();
                let _ = self.line.send(out.call, Media::Audio(frame), now);
            }
            while s.poll_event().is_some() {}
            if s.is_finished() && !out.done {
                self.line.hangup(out.call, HangupCause::NormalClearing, now);
                out.done = true;
            }
        }
        if out.done {
            if out.session.is_none() && out.cause.is_none() {
                out.cause = Some(HangupCause::NormalClearing);
            }
            let out = self.outgoing.take().expect("checked");
            if out.session.is_none() {
                self.line.hangup(out.call, HangupCause::NormalClearing, now);
            }
            self.sent.push(SentFax {
                number: out.number,
                cause: out.cause,
                outcome: out.session.as_ref().and_then(|s| s.outcome().cloned()),
            });
        }
    }

    fn finish_call(&mut self) {
        let Some(cur) = self.current.take() else {
            return;
        };
        if let Some(outcome) = cur.session.as_ref().and_then(|s| s.outcome().cloned()) {
            self.received.push(ReceivedFax {
                call_number: cur.number,
                caller: cur.caller,
                file: cur.file,
                outcome,
            });
        }
    }
}
