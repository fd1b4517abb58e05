//! A virtual fax machine on any [`Line`]: answers calls, receives faxes with
//! a real T.30 receiver, keeps what it got, and can be scripted to be busy,
//! not answer, or drop a call after some pages. It can also place a call
//! and send a fax ([`VirtualFaxMachine::send_fax`]). The far end of the
//! simulated phone network, and of the kernel's retry tests.

use std::path::PathBuf;
use std::time::Instant;

use fax_t30::{FaxEvent, FaxOptions, FaxOutcome, PageSource};

use crate::{
    CallEnd, CallId, FaxCall, FaxCallEvent, FaxRole, HangupCause, Line, LineError, LineEvent,
};

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
    number: String,
    fax: FaxCall,
}

struct Current {
    call: CallId,
    number: u32,
    caller: Option<String>,
    file: PathBuf,
    /// None while the call rings unanswered (scripted).
    fax: Option<FaxCall>,
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
        let role = FaxRole::Send(PageSource::Tiff(document));
        let options = FaxOptions {
            calling_party: true,
            ..self.options.clone()
        };
        let fax = FaxCall::dial(self.line.as_mut(), number, role, options, now)?;
        let call = fax.call();
        self.outgoing = Some(Outgoing {
            number: number.to_string(),
            fax,
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
        let mut others = Vec::new();
        let line = self.line.as_mut();
        if let Some(out) = self.outgoing.as_mut() {
            out.fax.step(line, now, |ev| others.push(ev));
        } else if let Some(fax) = self.current.as_mut().and_then(|c| c.fax.as_mut()) {
            fax.step(line, now, |ev| others.push(ev));
        } else {
            others.extend(std::iter::from_fn(|| line.poll_event()));
        }
        for ev in others {
            self.handle_event(ev, now);
        }
        self.collect_outgoing();
        self.collect_incoming(now);
    }

    fn handle_event(&mut self, ev: LineEvent, now: Instant) {
        match ev {
            LineEvent::Incoming {
                call,
                caller,
                media,
                ..
            } => {
                if self.current.is_some() || self.outgoing.is_some() {
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
                    file: file.clone(),
                    fax: None,
                    drop_after: self
                        .script
                        .drop_after_pages
                        .iter()
                        .find(|(c, _)| *c == n)
                        .map(|(_, p)| *p),
                    cut_in: None,
                };
                if !self.script.unanswered_calls.contains(&n) {
                    let role = FaxRole::Receive { file };
                    match FaxCall::answer(
                        self.line.as_mut(),
                        call,
                        media,
                        role,
                        self.options.clone(),
                        now,
                    ) {
                        Ok(fax) => cur.fax = Some(fax),
                        Err(_) => return, // refused by FaxCall::answer
                    }
                }
                self.current = Some(cur);
            }
            // The unanswered call's caller gave up.
            LineEvent::HungUp { call, .. } => {
                if self
                    .current
                    .as_ref()
                    .is_some_and(|c| c.call == call && c.fax.is_none())
                {
                    self.current = None;
                }
            }
            LineEvent::Progress { .. } | LineEvent::Media { .. } => {}
        }
    }

    fn collect_outgoing(&mut self) {
        let Some(out) = self.outgoing.as_mut() else {
            return;
        };
        let mut end = None;
        while let Some(ev) = out.fax.poll_event() {
            if let FaxCallEvent::Ended(e) = ev {
                end = Some(e);
            }
        }
        let Some(end) = end else {
            return;
        };
        let out = self.outgoing.take().expect("checked");
        let (cause, outcome) = match end {
            CallEnd::NotConnected(c) => (Some(c), None),
            CallEnd::Failed(_) => (Some(HangupCause::NormalClearing), None),
            CallEnd::Fax(o) => (None, Some(*o)),
        };
        self.sent.push(SentFax {
            number: out.number,
            cause,
            outcome,
        });
    }

    fn collect_incoming(&mut self, now: Instant) {
        let Some(cur) = self.current.as_mut() else {
            return;
        };
        let Some(fax) = cur.fax.as_mut() else {
            return;
        };
        if let Some(n) = cur.cut_in.as_mut() {
            *n = n.saturating_sub(1);
        }
        if cur.cut_in == Some(0) {
            // The line fails in the middle of the next page.
            fax.hang_up(self.line.as_mut(), HangupCause::NetworkOutOfOrder, now);
            cur.cut_in = None;
        }
        let mut outcome: Option<FaxOutcome> = None;
        let mut ended = false;
        while let Some(ev) = fax.poll_event() {
            match ev {
                // The next page began: the previous one was confirmed (MCF
                // sent). Cut 3 s into this page.
                FaxCallEvent::Fax(FaxEvent::PageStarted { page })
                    if cur.drop_after.is_some_and(|k| page == k + 1) =>
                {
                    cur.cut_in = Some(150);
                }
                FaxCallEvent::Ended(end) => {
                    ended = true;
                    if let CallEnd::Fax(o) = end {
                        outcome = Some(*o);
                    }
                }
                _ => {}
            }
        }
        if !ended {
            return;
        }
        let cur = self.current.take().expect("checked");
        if let Some(outcome) = outcome {
            self.received.push(ReceivedFax {
                call_number: cur.number,
                caller: cur.caller,
                file: cur.file,
                outcome,
            });
        }
    }
}
