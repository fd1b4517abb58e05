//! Analog fax modems on a serial port (ITU-T T.31 Class 1), as [`Line`]s.
//!
//! ```text
//!   FaxCall (the one pump) ─Media::ModemRequest─▶ ModemLine ─octets─▶ ModemPort ─▶ /dev/ums/fax-0
//!   FaxCall ◀─Media::ModemReport, Progress, HungUp─ ModemLine ◀─octets─ ModemPort ◀─┘
//!                                                     │
//!                   device.rs: set-up, call control ──┤ sans-IO, time passed in
//!                   class1.rs: T.30 ⇄ AT+FTH/FRH/FTM/FRM
//!                   codec.rs:  V.250 lines, DLE framing
//!                   hdlc.rs:   HDLC framing of ECM frames over +FTM/+FRM
//!                   quirks.rs: the per-modem table
//! ```
//!
//! Our T.30 (spandsp's, in `fax_t30`) runs the fax; the modem only
//! modulates. The line's owner calls [`ModemLine::tick`] every 20 ms, as
//! for a SIP line; the port under it is a byte pipe: [`serial::SerialPort`]
//! (tokio-serial, one task per device) in the daemon, anything else in
//! tests. A modem that fails (garbage, silence, the device gone) takes its
//! line out of service ([`ModemLine::out_of_service`]); the line reopens
//! and re-probes the device every [`REPROBE_EVERY`] until it answers again.

// Result codes, states and counters are named for what they are.
#![allow(missing_docs)]

pub mod class1;
pub mod codec;
pub mod device;
pub mod hdlc;
pub mod quirks;
pub mod serial;
pub mod soft;

use std::collections::VecDeque;
use std::io;
use std::time::{Duration, Instant};

use crate::cause::HangupCause;
use crate::error::LineError;
use crate::line::{
    check_number, CallId, CallProgress, Line, LineCaps, LineEvent, LineId, Media, MediaKind,
};
pub use device::{Device, DeviceEvent, Identity};
pub use quirks::Quirks;

/// How often a line out of service tries its device again.
pub const REPROBE_EVERY: Duration = Duration::from_secs(10);

/// The longest a line in service goes without running its timers, if the
/// modem says nothing and no deadline comes sooner.
const TIMERS_AT_LEAST_EVERY: Duration = Duration::from_millis(500);

/// A byte pipe to a modem. Reads never block.
pub trait ModemPort {
    /// Append what the device has sent since the last call.
    fn read_available(&mut self, into: &mut Vec<u8>) -> io::Result<()>;
    /// Queue octets for the device.
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()>;
}

/// Opens (and reopens) the port of a line.
pub type PortOpener = Box<dyn FnMut() -> io::Result<Box<dyn ModemPort>>>;

/// A modem line's settings (`[[modem]]` in the configuration).
#[derive(Debug, Clone)]
pub struct ModemLineConfig {
    /// The line's name, e.g. `modem/fax-0`.
    pub name: String,
    /// The number this line answers for (an analog line has no DID).
    pub number: String,
    /// RINGs before we answer.
    pub rings: u32,
    /// Quirks that replace the table's entry, if configured.
    pub quirks: Option<Quirks>,
}

/// The state of a modem line, for `ums status` and metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModemLineState {
    /// Opening and setting up the device.
    Probing,
    InService,
    /// Out of service since, and why.
    OutOfService {
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallSide {
    Outgoing,
    /// Ringing in, not yet answered by the owner.
    Offered,
    Incoming,
}

/// See the module docs.
pub struct ModemLine {
    id: LineId,
    cfg: ModemLineConfig,
    device: Device,
    port: Option<Box<dyn ModemPort>>,
    opener: PortOpener,
    reprobe_at: Option<Instant>,
    state: ModemLineState,
    call: Option<(CallId, CallSide)>,
    next_call: u64,
    events: VecDeque<LineEvent>,
    buf: Vec<u8>,
    /// The device's timers have nothing to do before this, unless the
    /// modem speaks or the line is asked something (`None`: run them at
    /// the next tick).
    wake_at: Option<Instant>,
    /// Times the line went out of service.
    pub outages: u32,
}

impl ModemLine {
    /// Open the device through `opener` and set the modem up; the line is
    /// in service once [`state`](Self::state) says so.
    pub fn open(cfg: ModemLineConfig, mut opener: PortOpener, now: Instant) -> ModemLine {
        let port = opener();
        let mut line = ModemLine {
            id: LineId(cfg.name.clone()),
            device: Device::new(cfg.rings, cfg.quirks, now),
            cfg,
            port: None,
            opener,
            reprobe_at: None,
            state: ModemLineState::Probing,
            call: None,
            next_call: 1,
            events: VecDeque::new(),
            buf: Vec::new(),
            wake_at: None,
            outages: 0,
        };
        match port {
            Ok(p) => {
                line.port = Some(p);
                line.flush(now);
            }
            Err(e) => line.out_of_service(format!("cannot open: {e}"), now),
        }
        line
    }

    /// The line's state.
    pub fn state(&self) -> &ModemLineState {
        &self.state
    }

    /// What the modem said about itself.
    pub fn identity(&self) -> &Identity {
        self.device.identity()
    }

    /// The quirks in force.
    pub fn quirks(&self) -> &Quirks {
        self.device.quirks()
    }

    /// The number this line answers for.
    pub fn number(&self) -> &str {
        &self.cfg.number
    }

    /// Run the line: read the device, the timers, write. Every 20 ms; a
    /// tick with nothing from the modem and no deadline due only looks at
    /// the port (most ticks of a call: a page is seconds of data written
    /// in 400 ms batches, T.30's timers are seconds long).
    pub fn tick(&mut self, now: Instant) {
        if self.port.is_none() {
            if self.reprobe_at.is_some_and(|t| t <= now) {
                self.reopen(now);
            }
            return;
        }
        self.buf.clear();
        let read = self
            .port
            .as_mut()
            .map_or(Ok(()), |p| p.read_available(&mut self.buf));
        if self.buf.is_empty() && read.is_ok() && self.wake_at.is_some_and(|t| now < t) {
            return;
        }
        if !self.buf.is_empty() {
            let bytes = std::mem::take(&mut self.buf);
            self.device.handle_input(&bytes, now);
            self.buf = bytes;
        }
        if let Err(e) = read {
            self.device.handle_io_error(&e.to_string(), now);
        }
        self.device.handle_timeout(now);
        self.flush(now);
        let latest = now + TIMERS_AT_LEAST_EVERY;
        self.wake_at = Some(self.device.poll_at().map_or(latest, |t| t.min(latest)));
    }

    fn reopen(&mut self, now: Instant) {
        self.reprobe_at = Some(now + REPROBE_EVERY);
        match (self.opener)() {
            Ok(p) => {
                self.port = Some(p);
                self.state = ModemLineState::Probing;
                self.device.probe(now);
                self.flush(now);
            }
            Err(e) => {
                self.state = ModemLineState::OutOfService {
                    reason: format!("cannot open: {e}"),
                }
            }
        }
    }

    fn out_of_service(&mut self, reason: String, now: Instant) {
        // Counted once per outage (failed re-probes are the same one).
        if self.state == ModemLineState::InService {
            self.outages += 1;
        }
        self.port = None;
        self.reprobe_at = Some(now + REPROBE_EVERY);
        self.state = ModemLineState::OutOfService { reason };
    }

    /// Write what the device has for the modem; move its events. The
    /// device's deadlines may have moved: its timers run at the next tick.
    fn flush(&mut self, now: Instant) {
        self.wake_at = None;
        let out = self.device.take_output();
        if !out.is_empty() {
            if let Some(p) = self.port.as_mut() {
                if let Err(e) = p.write_all(&out) {
                    self.device.handle_io_error(&e.to_string(), now);
                }
            }
        }
        while let Some(ev) = self.device.poll_event() {
            self.device_event(ev, now);
        }
    }

    fn device_event(&mut self, ev: DeviceEvent, now: Instant) {
        match ev {
            DeviceEvent::InService(_) => self.state = ModemLineState::InService,
            DeviceEvent::OutOfService(reason) => self.out_of_service(reason, now),
            DeviceEvent::Incoming { caller } => {
                if self.call.is_some() {
                    return;
                }
                let call = self.new_call();
                self.call = Some((call, CallSide::Offered));
                self.events.push_back(LineEvent::Incoming {
                    call,
                    caller,
                    called: self.cfg.number.clone(),
                    media: MediaKind::Modem,
                });
            }
            DeviceEvent::Connected => {
                if let Some((call, side)) = self.call {
                    if side == CallSide::Outgoing {
                        self.events.push_back(LineEvent::Progress {
                            call,
                            progress: CallProgress::Answered,
                        });
                    }
                }
            }
            DeviceEvent::HungUp(cause) => {
                if let Some((call, _)) = self.call.take() {
                    self.events.push_back(LineEvent::HungUp { call, cause });
                }
            }
            DeviceEvent::Report(report) => {
                if let Some((call, _)) = self.call {
                    self.events.push_back(LineEvent::Media {
                        call,
                        media: Media::ModemReport(report),
                    });
                }
            }
        }
    }

    fn new_call(&mut self) -> CallId {
        let id = CallId(self.next_call);
        self.next_call += 1;
        id
    }
}

impl Line for ModemLine {
    fn id(&self) -> &LineId {
        &self.id
    }

    fn caps(&self) -> LineCaps {
        LineCaps::MODEM_FAX
    }

    fn dial(&mut self, number: &str, media: MediaKind, now: Instant) -> Result<CallId, LineError> {
        if media != MediaKind::Modem {
            return Err(LineError::Unsupported(media));
        }
        // The numbering plan's dial string may hold `,` (wait) and `W`.
        let digits: String = number
            .chars()
            .filter(|c| !matches!(c, ',' | 'W' | 'w'))
            .collect();
        check_number(&digits)?;
        if self.call.is_some() || !self.device.is_idle() {
            return Err(LineError::LineBusy);
        }
        if !self.device.dial(number, now) {
            return Err(LineError::LineBusy);
        }
        let call = self.new_call();
        self.call = Some((call, CallSide::Outgoing));
        self.events.push_back(LineEvent::Progress {
            call,
            progress: CallProgress::Dialling,
        });
        self.flush(now);
        Ok(call)
    }

    fn answer(&mut self, call: CallId, now: Instant) -> Result<(), LineError> {
        match self.call {
            Some((c, CallSide::Offered)) if c == call => {
                if !self.device.answer(now) {
                    return Err(LineError::NotRinging(call));
                }
                self.call = Some((call, CallSide::Incoming));
                self.flush(now);
                Ok(())
            }
            _ => Err(LineError::NotRinging(call)),
        }
    }

    fn hangup(&mut self, call: CallId, _cause: HangupCause, now: Instant) {
        if self.call.is_some_and(|(c, _)| c == call) {
            self.call = None;
            self.device.hang_up(now);
            self.flush(now);
        }
    }

    fn send(&mut self, call: CallId, media: Media, now: Instant) -> Result<(), LineError> {
        if self.call.is_none_or(|(c, _)| c != call) {
            return Err(LineError::NoSuchCall(call));
        }
        match media {
            Media::ModemRequest(r) => {
                self.device.handle_request(r, now);
                self.flush(now);
                Ok(())
            }
            Media::Audio(_) => Err(LineError::Unsupported(MediaKind::Audio)),
            Media::T38(_) => Err(LineError::Unsupported(MediaKind::T38)),
            Media::Dtmf(_) => Err(LineError::DtmfUnsupported),
            Media::ModemReport(_) => Ok(()),
        }
    }

    fn poll_event(&mut self) -> Option<LineEvent> {
        self.events.pop_front()
    }

    fn is_idle(&self) -> bool {
        self.call.is_none()
    }

    fn is_available(&self) -> bool {
        self.state == ModemLineState::InService && self.device.is_idle()
    }

    fn has_news(&self) -> bool {
        !self.events.is_empty()
    }
}

/// A modem line shared between the runner (which drives it as a
/// [`Line`]) and the media loop (which ticks it), like a SIP trunk's
/// channels: both on the media thread.
pub type SharedModemLine = crate::Shared<ModemLine>;

impl SharedModemLine {
    /// Run the line (see [`ModemLine::tick`]).
    pub fn tick(&self, now: Instant) {
        self.with(|l| l.tick(now));
    }
}

/// One `[[modem]]` of the configuration: the line, its device and group.
#[derive(Debug, Clone)]
pub struct ModemSpec {
    pub line: ModemLineConfig,
    pub serial: serial::SerialSettings,
    /// The line group (outgoing faxes take a free line of a group).
    pub group: String,
}

impl ModemSpec {
    /// Open the line, its port driven by a task on `runtime`. A device that
    /// cannot be opened leaves the line out of service, retried later.
    pub fn open(&self, runtime: tokio::runtime::Handle, now: Instant) -> ModemLine {
        let settings = self.serial.clone();
        let opener: PortOpener = Box::new(move || {
            serial::SerialPort::open(&runtime, &settings).map(|p| Box::new(p) as Box<dyn ModemPort>)
        });
        ModemLine::open(self.line.clone(), opener, now)
    }
}
