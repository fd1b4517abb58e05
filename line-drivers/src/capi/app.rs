//! One CAPI application carrying several B-channels, as real CAPI
//! applications do: one registration (`max_logical` = the B-channels),
//! one [`Controller`] engine and one [`CapiTransport`] (one connection to
//! a remote-CAPI router) for all the B-channel lines of a `[[capi]]`
//! section. Each B-channel is a [`Line`] of its own for the runner
//! ([`CapiChannel`]: a handle on the shared application); the owner ticks
//! the application once per 20 ms, so a tick costs one read and one write
//! on the socket however many calls are up.
//!
//! ```text
//!   CapiChannel 1 ─┐
//!   CapiChannel 2 ─┼─▶ CapiApp: Controller (N calls) ─▶ CapiTransport ─▶ router
//!   CapiChannel N ─┘        tick: flush, receive, timers, events per channel
//! ```
//!
//! Audio the lines queue goes out when the owner calls
//! [`CapiChannels::flush`] after its lines' pumps ran, with the answers
//! to the tick's indications: one write per tick. A dial, an answer, a
//! hang-up or DTMF is written at once.
//! A transport that fails takes every channel out of service: each call
//! ends with "network out of order" (temporary, so the job is retried).

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::controller::{CallRef, Controller, ControllerConfig, ControllerEvent, CIP_AUDIO_3K1};
use super::line::CAPI_CAPS;
use super::msg::Message;
use super::transport::CapiTransport;
use crate::cause::HangupCause;
use crate::error::LineError;
use crate::line::{
    check_number, CallId, CallProgress, DtmfDigit, Line, LineCaps, LineEvent, LineId, Media,
    MediaKind,
};

/// The B-channels of one application, each driven as a line (by
/// [`CapiChannel`]): the [`Line`] operations with the channel's index.
pub trait CapiChannels {
    /// Channel `ch`'s line id.
    fn channel_id(&self, ch: usize) -> &LineId;
    /// [`Line::dial`] on channel `ch`.
    fn dial(
        &mut self,
        ch: usize,
        number: &str,
        media: MediaKind,
        now: Instant,
    ) -> Result<CallId, LineError>;
    /// [`Line::answer`] on channel `ch`.
    fn answer(&mut self, ch: usize, call: CallId, now: Instant) -> Result<(), LineError>;
    /// [`Line::hangup`] on channel `ch`.
    fn hangup(&mut self, ch: usize, call: CallId, cause: HangupCause, now: Instant);
    /// [`Line::send`] on channel `ch`.
    fn send(
        &mut self,
        ch: usize,
        call: CallId,
        media: Media,
        now: Instant,
    ) -> Result<(), LineError>;
    /// [`Line::poll_event`] of channel `ch`.
    fn poll_event(&mut self, ch: usize) -> Option<LineEvent>;
    /// [`Line::is_idle`] of channel `ch`.
    fn is_idle(&self, ch: usize) -> bool;
    /// [`Line::is_available`]: the application is in service.
    fn is_available(&self) -> bool;
    /// Writes what the lines queued since the tick (their audio): the
    /// owner calls it once its lines' pumps ran, else it goes at the
    /// start of the next tick.
    fn flush(&mut self);
}

#[derive(Debug)]
struct Channel {
    id: LineId,
    /// The call on the channel: the engine's reference and our id.
    call: Option<(CallRef, CallId)>,
    events: VecDeque<LineEvent>,
}

/// An application with its B-channels (see the module docs).
pub struct CapiApp<T: CapiTransport> {
    ctrl: Controller,
    transport: T,
    channels: Vec<Channel>,
    /// The channel of each call the lines know.
    channel_of: BTreeMap<CallRef, usize>,
    next_call: u64,
    fault: Option<String>,
    inbox: Vec<(Message, Vec<u8>)>,
}

impl<T: CapiTransport> CapiApp<T> {
    /// An application with one B-channel per id, over `transport`. It
    /// listens at once if `config.cip_mask` is not 0; a call ringing in
    /// goes to the first idle channel, and is left to the controller's
    /// other applications when none is idle. The engine may hold twice as
    /// many calls as channels: a call we hung up stays there until the
    /// controller confirms, while its channel is idle at once, as
    /// [`Line::hangup`] says.
    pub fn new(ids: Vec<LineId>, mut config: ControllerConfig, transport: T) -> Self {
        config.b_channels = 2 * ids.len().max(1);
        let listen = config.cip_mask != 0;
        let mut app = CapiApp {
            ctrl: Controller::new(config),
            transport,
            channels: (ids.into_iter())
                .map(|id| Channel {
                    id,
                    call: None,
                    events: VecDeque::new(),
                })
                .collect(),
            channel_of: BTreeMap::new(),
            next_call: 1,
            fault: None,
            inbox: Vec::new(),
        };
        if listen {
            app.ctrl.listen();
            app.queue_and_flush();
        }
        app
    }

    /// The B-channels.
    pub fn channels(&self) -> usize {
        self.channels.len()
    }

    /// Why the application is out of service, if it is.
    pub fn fault(&self) -> Option<&str> {
        self.fault.as_deref()
    }

    /// The transport under the application.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    fn fail(&mut self, why: String) {
        if self.fault.is_some() {
            return;
        }
        self.fault = Some(why);
        self.channel_of.clear();
        for ch in &mut self.channels {
            if let Some((_, call)) = ch.call.take() {
                ch.events.push_back(LineEvent::HungUp {
                    call,
                    cause: HangupCause::NetworkOutOfOrder,
                });
            }
        }
    }

    /// Hands what the engine queued to the transport (written at the
    /// next tick's flush).
    fn queue(&mut self) {
        while let Some((m, d)) = self.ctrl.poll_transmit() {
            if self.fault.is_some() {
                continue;
            }
            if let Err(e) = self.transport.send(m, d) {
                self.fail(format!("CAPI transport: {e}"));
            }
        }
    }

    /// Hands what the engine queued to the transport and writes it now:
    /// after a dial, an answer, a hang-up or DTMF (rare; a hang-up
    /// reaches the controller even if the owner drops the line at once).
    fn queue_and_flush(&mut self) {
        self.queue();
        if self.fault.is_none() {
            if let Err(e) = self.transport.flush() {
                self.fail(format!("CAPI transport: {e}"));
            }
        }
    }

    /// One media tick for every channel: what was queued since the last
    /// tick out, messages in, timers, events to the channels.
    pub fn tick(&mut self, now: Instant) {
        self.queue_and_flush();
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
        self.queue();
    }

    fn new_call(&mut self, ch: usize, r: CallRef) -> CallId {
        let call = CallId(self.next_call);
        self.next_call += 1;
        self.channels[ch].call = Some((r, call));
        self.channel_of.insert(r, ch);
        call
    }

    /// Passes an event of call `r` to its channel, if a line knows it.
    fn push(&mut self, r: CallRef, event: impl FnOnce(CallId) -> LineEvent) {
        if let Some(&ch) = self.channel_of.get(&r) {
            let c = &mut self.channels[ch];
            if let Some((_, call)) = c.call {
                c.events.push_back(event(call));
            }
        }
    }

    fn collect(&mut self, now: Instant) {
        while let Some(ev) = self.ctrl.poll_event() {
            match ev {
                ControllerEvent::Listening { info } => {
                    if info != 0 {
                        self.fail(format!("LISTEN refused (info {info:#06x})"));
                    }
                }
                ControllerEvent::Incoming {
                    call: r,
                    called,
                    calling,
                    ..
                } => {
                    // All busy: the controller offers the call to its
                    // other applications, as ISDN does.
                    let Some(ch) = self.channels.iter().position(|c| c.call.is_none()) else {
                        self.ctrl.ignore(r, now);
                        continue;
                    };
                    let call = self.new_call(ch, r);
                    self.channels[ch].events.push_back(LineEvent::Incoming {
                        call,
                        caller: calling,
                        called,
                        media: MediaKind::Audio,
                    });
                }
                ControllerEvent::Alerting(r) => self.push(r, |call| LineEvent::Progress {
                    call,
                    progress: CallProgress::Ringing,
                }),
                ControllerEvent::Connected(r) => self.push(r, |call| LineEvent::Progress {
                    call,
                    progress: CallProgress::Answered,
                }),
                ControllerEvent::Audio(r, frame) => self.push(r, |call| LineEvent::Media {
                    call,
                    media: Media::Audio(frame),
                }),
                ControllerEvent::Dtmf(r, keys) => {
                    for k in keys.chars() {
                        if let Ok(d) = DtmfDigit::new(k, Duration::from_millis(80)) {
                            self.push(r, |call| LineEvent::Media {
                                call,
                                media: Media::Dtmf(d),
                            });
                        }
                    }
                }
                // Calls we hung up ourselves were forgotten then.
                ControllerEvent::HungUp(r, cause) => {
                    self.push(r, |call| LineEvent::HungUp { call, cause });
                    if let Some(ch) = self.channel_of.remove(&r) {
                        self.channels[ch].call = None;
                    }
                }
            }
        }
    }

    /// The engine's reference of `call`, if it is channel `ch`'s.
    fn call_ref(&self, ch: usize, call: CallId) -> Option<CallRef> {
        (self.channels[ch].call)
            .filter(|(_, c)| *c == call)
            .map(|(r, _)| r)
    }
}

impl<T: CapiTransport> CapiChannels for CapiApp<T> {
    fn channel_id(&self, ch: usize) -> &LineId {
        &self.channels[ch].id
    }

    fn dial(
        &mut self,
        ch: usize,
        number: &str,
        media: MediaKind,
        now: Instant,
    ) -> Result<CallId, LineError> {
        check_number(number)?;
        if let Some(f) = &self.fault {
            return Err(LineError::OutOfService(f.clone()));
        }
        if media != MediaKind::Audio {
            return Err(LineError::Unsupported(media));
        }
        if self.channels[ch].call.is_some() {
            return Err(LineError::LineBusy);
        }
        let r = self
            .ctrl
            .dial(number, CIP_AUDIO_3K1, now)
            .ok_or(LineError::LineBusy)?;
        let call = self.new_call(ch, r);
        self.channels[ch].events.push_back(LineEvent::Progress {
            call,
            progress: CallProgress::Dialling,
        });
        self.queue_and_flush();
        Ok(call)
    }

    fn answer(&mut self, ch: usize, call: CallId, now: Instant) -> Result<(), LineError> {
        let r = self.call_ref(ch, call).ok_or(LineError::NotRinging(call))?;
        self.ctrl.answer(r, now);
        self.queue_and_flush();
        Ok(())
    }

    fn hangup(&mut self, ch: usize, call: CallId, cause: HangupCause, now: Instant) {
        if let Some(r) = self.call_ref(ch, call) {
            self.channels[ch].call = None;
            self.channel_of.remove(&r);
            self.ctrl.hangup(r, cause, now);
            self.queue_and_flush();
        }
    }

    fn send(
        &mut self,
        ch: usize,
        call: CallId,
        media: Media,
        _now: Instant,
    ) -> Result<(), LineError> {
        let r = self.call_ref(ch, call).ok_or(LineError::NoSuchCall(call))?;
        match media {
            // A frame before the B-channel is up, or beyond the window, is
            // dropped as a real line would lose it.
            // Queued: written with the rest at the next tick.
            Media::Audio(frame) => {
                self.ctrl.send_audio(r, &frame);
                self.queue();
                return Ok(());
            }
            Media::Dtmf(d) => self.ctrl.send_dtmf(r, &d.digit().to_string()),
            Media::T38(_) => return Err(LineError::Unsupported(MediaKind::T38)),
            Media::ModemRequest(_) | Media::ModemReport(_) => {
                return Err(LineError::Unsupported(MediaKind::Modem))
            }
        }
        self.queue_and_flush();
        Ok(())
    }

    fn poll_event(&mut self, ch: usize) -> Option<LineEvent> {
        self.channels[ch].events.pop_front()
    }

    fn is_idle(&self, ch: usize) -> bool {
        self.channels[ch].call.is_none()
    }

    fn is_available(&self) -> bool {
        self.fault.is_none()
    }

    fn flush(&mut self) {
        self.queue_and_flush();
    }
}

/// One B-channel of a shared application, as a [`Line`]. The
/// application's owner ticks it ([`CapiApp::tick`]) once per 20 ms and
/// flushes it ([`CapiChannels::flush`]) after the runner drove the
/// channels. All on the media thread.
pub struct CapiChannel<A> {
    app: Rc<RefCell<A>>,
    ch: usize,
    id: LineId,
}

impl<A> Clone for CapiChannel<A> {
    fn clone(&self) -> Self {
        CapiChannel {
            app: Rc::clone(&self.app),
            ch: self.ch,
            id: self.id.clone(),
        }
    }
}

impl<A: CapiChannels> CapiChannel<A> {
    /// The `channels` lines of `app`, in channel order.
    pub fn all(app: &Rc<RefCell<A>>, channels: usize) -> Vec<CapiChannel<A>> {
        (0..channels)
            .map(|ch| CapiChannel {
                app: Rc::clone(app),
                ch,
                id: app.borrow().channel_id(ch).clone(),
            })
            .collect()
    }
}

impl<A: CapiChannels> Line for CapiChannel<A> {
    fn id(&self) -> &LineId {
        &self.id
    }

    fn caps(&self) -> LineCaps {
        CAPI_CAPS
    }

    fn dial(&mut self, number: &str, media: MediaKind, now: Instant) -> Result<CallId, LineError> {
        self.app.borrow_mut().dial(self.ch, number, media, now)
    }

    fn answer(&mut self, call: CallId, now: Instant) -> Result<(), LineError> {
        self.app.borrow_mut().answer(self.ch, call, now)
    }

    fn hangup(&mut self, call: CallId, cause: HangupCause, now: Instant) {
        self.app.borrow_mut().hangup(self.ch, call, cause, now)
    }

    fn send(&mut self, call: CallId, media: Media, now: Instant) -> Result<(), LineError> {
        self.app.borrow_mut().send(self.ch, call, media, now)
    }

    fn poll_event(&mut self) -> Option<LineEvent> {
        self.app.borrow_mut().poll_event(self.ch)
    }

    fn is_idle(&self) -> bool {
        self.app.borrow().is_idle(self.ch)
    }

    fn is_available(&self) -> bool {
        self.app.borrow().is_available()
    }
}

/// An application of one B-channel, owned: the line and its application
/// are one value (tests, and a peer that needs no sisters). Its owner
/// ticks it.
pub struct OneChannel<A> {
    app: A,
}

impl<A: CapiChannels> OneChannel<A> {
    /// `app`, whose channel 0 is the line.
    pub fn of(app: A) -> Self {
        OneChannel { app }
    }

    /// The application.
    pub fn app(&self) -> &A {
        &self.app
    }

    /// The application, to tick it.
    pub fn app_mut(&mut self) -> &mut A {
        &mut self.app
    }
}

impl<A: CapiChannels> Line for OneChannel<A> {
    fn id(&self) -> &LineId {
        self.app.channel_id(0)
    }

    fn caps(&self) -> LineCaps {
        CAPI_CAPS
    }

    fn dial(&mut self, number: &str, media: MediaKind, now: Instant) -> Result<CallId, LineError> {
        self.app.dial(0, number, media, now)
    }

    fn answer(&mut self, call: CallId, now: Instant) -> Result<(), LineError> {
        self.app.answer(0, call, now)
    }

    fn hangup(&mut self, call: CallId, cause: HangupCause, now: Instant) {
        self.app.hangup(0, call, cause, now)
    }

    /// Written at once: a line of its own has no owner to flush a tick's
    /// audio of many lines together.
    fn send(&mut self, call: CallId, media: Media, now: Instant) -> Result<(), LineError> {
        let sent = self.app.send(0, call, media, now);
        self.app.flush();
        sent
    }

    fn poll_event(&mut self) -> Option<LineEvent> {
        self.app.poll_event(0)
    }

    fn is_idle(&self) -> bool {
        self.app.is_idle(0)
    }

    fn is_available(&self) -> bool {
        self.app.is_available()
    }
}
