//! A CAPI B-channel as a [`Line`]: one application with one call at a
//! time on a controller, its [`Controller`] engine and a
//! [`CapiTransport`] under it. Driven like the SIP line: the owner calls
//! [`CapiLine::tick`] every 20 ms on its media thread; the tick reads what
//! the transport has, runs the engine's timers and sends what it queued.
//! Audio is our 20 ms frames ([`MediaKind::Audio`]), so the same
//! `FaxCall`, fax/voice detection and voicemail run on it as on SIP.
//!
//! A transport that fails takes the line out of service: its call ends
//! with "network out of order" (temporary, so the job is retried), and
//! [`Line::is_available`] is false. Bringing it back (a new connection)
//! is the owner's business: it makes a new line (as
//! [`super::supervised::SupervisedCapiLine`] does, with backoff).

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use super::controller::{CallRef, Controller, ControllerConfig, ControllerEvent, CIP_AUDIO_3K1};
use super::transport::CapiTransport;
use crate::cause::HangupCause;
use crate::error::LineError;
use crate::line::{
    check_number, CallId, CallProgress, DtmfDigit, Line, LineCaps, LineEvent, LineId, Media,
    MediaKind,
};

/// A B-channel line.
pub struct CapiLine<T: CapiTransport> {
    id: LineId,
    ctrl: Controller,
    transport: T,
    /// Our call ids by the engine's.
    calls: BTreeMap<CallRef, CallId>,
    next_call: u64,
    events: VecDeque<LineEvent>,
    fault: Option<String>,
    inbox: Vec<(super::msg::Message, Vec<u8>)>,
}

/// What a CAPI line carries: audio (fax and voice) and DTMF.
pub const CAPI_CAPS: LineCaps = LineCaps {
    fax_audio: true,
    t38: false,
    voice: true,
    sms: false,
    dtmf: true,
    fax_modem: false,
};

impl<T: CapiTransport> CapiLine<T> {
    /// A line over `transport`. It listens at once if `config.cip_mask` is
    /// not 0. One call per line: a call ringing in while the line has one
    /// is left to the controller's other applications (ignored; the
    /// controller refuses it as busy if none takes it). The engine may hold two (`b_channels` is set
    /// to 2): a call we hung up stays there until the controller confirms,
    /// while the line is idle at once, as [`Line::hangup`] says.
    pub fn new(id: LineId, mut config: ControllerConfig, transport: T) -> Self {
        config.b_channels = 2;
        let listen = config.cip_mask != 0;
        let mut line = CapiLine {
            id,
            ctrl: Controller::new(config),
            transport,
            calls: BTreeMap::new(),
            next_call: 1,
            events: VecDeque::new(),
            fault: None,
            inbox: Vec::new(),
        };
        if listen {
            line.ctrl.listen();
            line.flush();
        }
        line
    }

    /// Why the line is out of service, if it is.
    pub fn fault(&self) -> Option<&str> {
        self.fault.as_deref()
    }

    /// The transport under the line.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    fn fail(&mut self, why: String) {
        if self.fault.is_some() {
            return;
        }
        self.fault = Some(why);
        for (_, call) in std::mem::take(&mut self.calls) {
            self.events.push_back(LineEvent::HungUp {
                call,
                cause: HangupCause::NetworkOutOfOrder,
            });
        }
    }

    fn flush(&mut self) {
        while let Some((m, d)) = self.ctrl.poll_transmit() {
            if self.fault.is_some() {
                continue;
            }
            if let Err(e) = self.transport.send(m, d) {
                self.fail(format!("CAPI transport: {e}"));
            }
        }
        if self.fault.is_none() {
            if let Err(e) = self.transport.flush() {
                self.fail(format!("CAPI transport: {e}"));
            }
        }
    }

    /// One media tick: messages in, timers, messages out, events.
    pub fn tick(&mut self, now: Instant) {
        if self.fault.is_none() {
            let mut inbox = std::mem::take(&mut self.inbox);
            if let Err(e) = self.transport.receive(&mut inbox) {
                self.fail(format!("CAPI transport: {e}"));
            }
            for (m, d) in inbox.drain(..) {
                self.ctrl.handle_message(m, &d, now);
            }
            self.inbox = inbox;
            if self.ctrl.poll_timeout().is_some_and(|t| t <= now) {
                self.ctrl.handle_timeout(now);
            }
        }
        self.collect(now);
        self.flush();
    }

    fn collect(&mut self, now: Instant) {
        while let Some(ev) = self.ctrl.poll_event() {
            let line_event = match ev {
                ControllerEvent::Listening { info } => {
                    if info != 0 {
                        self.fail(format!("LISTEN refused (info {info:#06x})"));
                    }
                    continue;
                }
                ControllerEvent::Incoming {
                    call: r,
                    called,
                    calling,
                    ..
                } => {
                    // Busy: the controller offers the call to its other
                    // applications (this line's sisters), as ISDN does.
                    if !self.calls.is_empty() {
                        self.ctrl.ignore(r, now);
                        continue;
                    }
                    let call = CallId(self.next_call);
                    self.next_call += 1;
                    self.calls.insert(r, call);
                    LineEvent::Incoming {
                        call,
                        caller: calling,
                        called,
                        media: MediaKind::Audio,
                    }
                }
                ControllerEvent::Alerting(r) => match self.calls.get(&r) {
                    Some(&call) => LineEvent::Progress {
                        call,
                        progress: CallProgress::Ringing,
                    },
                    None => continue,
                },
                ControllerEvent::Connected(r) => match self.calls.get(&r) {
                    Some(&call) => LineEvent::Progress {
                        call,
                        progress: CallProgress::Answered,
                    },
                    None => continue,
                },
                ControllerEvent::Audio(r, frame) => match self.calls.get(&r) {
                    Some(&call) => LineEvent::Media {
                        call,
                        media: Media::Audio(frame),
                    },
                    None => continue,
                },
                ControllerEvent::Dtmf(r, keys) => {
                    if let Some(&call) = self.calls.get(&r) {
                        for k in keys.chars() {
                            if let Ok(d) = DtmfDigit::new(k, Duration::from_millis(80)) {
                                self.events.push_back(LineEvent::Media {
                                    call,
                                    media: Media::Dtmf(d),
                                });
                            }
                        }
                    }
                    continue;
                }
                // Calls we hung up ourselves were forgotten then.
                ControllerEvent::HungUp(r, cause) => match self.calls.remove(&r) {
                    Some(call) => LineEvent::HungUp { call, cause },
                    None => continue,
                },
            };
            self.events.push_back(line_event);
        }
    }

    fn call_ref(&self, call: CallId) -> Option<CallRef> {
        self.calls
            .iter()
            .find(|(_, c)| **c == call)
            .map(|(r, _)| *r)
    }
}

impl<T: CapiTransport> Line for CapiLine<T> {
    fn id(&self) -> &LineId {
        &self.id
    }

    fn caps(&self) -> LineCaps {
        CAPI_CAPS
    }

    fn dial(&mut self, number: &str, media: MediaKind, now: Instant) -> Result<CallId, LineError> {
        check_number(number)?;
        if let Some(f) = &self.fault {
            return Err(LineError::OutOfService(f.clone()));
        }
        if media != MediaKind::Audio {
            return Err(LineError::Unsupported(media));
        }
        if !self.calls.is_empty() {
            return Err(LineError::LineBusy);
        }
        let r = self
            .ctrl
            .dial(number, CIP_AUDIO_3K1, now)
            .ok_or(LineError::LineBusy)?;
        let call = CallId(self.next_call);
        self.next_call += 1;
        self.calls.insert(r, call);
        self.events.push_back(LineEvent::Progress {
            call,
            progress: CallProgress::Dialling,
        });
        self.flush();
        Ok(call)
    }

    fn answer(&mut self, call: CallId, now: Instant) -> Result<(), LineError> {
        let r = self.call_ref(call).ok_or(LineError::NotRinging(call))?;
        self.ctrl.answer(r, now);
        self.flush();
        Ok(())
    }

    fn hangup(&mut self, call: CallId, cause: HangupCause, now: Instant) {
        if let Some(r) = self.call_ref(call) {
            self.calls.remove(&r);
            self.ctrl.hangup(r, cause, now);
            self.flush();
        }
    }

    fn send(&mut self, call: CallId, media: Media, _now: Instant) -> Result<(), LineError> {
        let r = self.call_ref(call).ok_or(LineError::NoSuchCall(call))?;
        match media {
            // A frame before the B-channel is up, or beyond the window, is
            // dropped as a real line would lose it.
            Media::Audio(frame) => {
                self.ctrl.send_audio(r, &frame);
            }
            Media::Dtmf(d) => self.ctrl.send_dtmf(r, &d.digit().to_string()),
            Media::T38(_) => return Err(LineError::Unsupported(MediaKind::T38)),
            Media::ModemRequest(_) | Media::ModemReport(_) => {
                return Err(LineError::Unsupported(MediaKind::Modem))
            }
        }
        self.flush();
        Ok(())
    }

    fn poll_event(&mut self) -> Option<LineEvent> {
        self.events.pop_front()
    }

    fn is_idle(&self) -> bool {
        self.calls.is_empty()
    }

    fn is_available(&self) -> bool {
        self.fault.is_none()
    }
}
