//! A virtual fax machine on any [`Line`]: answers calls, receives faxes with
//! a real T.30 receiver, keeps what it got, and can be scripted to be busy,
//! not answer, or drop a call after some pages. The far end of the simulated
//! phone network, and of the kernel's retry tests.

use std::path::PathBuf;
use std::time::Instant;

use fax_t30::{Document, FaxOptions, FaxOutcome, FaxSession, T38Options, Transport};

use crate::{CallId, HangupCause, Line, LineEvent, Media, MediaKind};

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
        }
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
            self.handle_event(ev, now);
        }
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
                let file = self.dir.join(format!("fax-{n:04}.tif"));
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
