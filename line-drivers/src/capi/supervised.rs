//! The B-channel lines of one CAPI controller as the gateway runs them
//! (`[[capi]]`): one [`CapiLine`] per B-channel used, each its own
//! application (a call ringing at a busy one goes to its sisters), each
//! kept connected. A line connects in a thread of its own (libcapi20 and
//! the TCP connect block), so the media thread never waits; a transport
//! that fails puts the line out of service (its call ends "network out
//! of order", temporary, so the job is retried) and the line connects
//! again on its own, after 1 s, then 2, 4, ... up to
//! [`RECONNECT_MAX`], measured on the `now` passed to [`SupervisedCapiLine::tick`].

use std::collections::VecDeque;
use std::io;
use std::net::ToSocketAddrs;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::{Duration, Instant};

use super::controller::ControllerConfig;
use super::libcapi20::Libcapi20;
use super::line::{CapiLine, CAPI_CAPS};
use super::session::RegisterLimits;
use super::transport::{CapiTransport, RcapiTcp};
use crate::cause::HangupCause;
use crate::error::LineError;
use crate::line::{CallId, Line, LineCaps, LineEvent, LineId, Media, MediaKind};

/// The longest wait between two attempts to connect.
pub const RECONNECT_MAX: Duration = Duration::from_secs(30);
/// The first wait after a failure.
pub const RECONNECT_FIRST: Duration = Duration::from_secs(1);
/// How long a connect (or a register) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What reaches the controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapiTransportSpec {
    /// Debian's libcapi20 (its configuration picks the card or router).
    Libcapi20,
    /// Our native remote-CAPI client, to `host:port`.
    Remote(String),
}

/// One `[[capi]]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapiSpec {
    /// The section's name: lines are `capi/<name>/<1..>`.
    pub name: String,
    /// libcapi20 or our native remote-CAPI client.
    pub transport: CapiTransportSpec,
    /// Controller number (1 for the first).
    pub controller: u32,
    /// B-channels used: one line each.
    pub b_channels: u16,
    /// Called numbers answered (MSNs or DDIs); empty: all.
    pub msns: Vec<String>,
    /// Our number on outgoing calls.
    pub calling_msn: Option<String>,
    /// Line group of the lines.
    pub group: String,
}

impl CapiSpec {
    /// The lines' ids.
    pub fn line_ids(&self) -> Vec<LineId> {
        (1..=self.b_channels)
            .map(|n| LineId(format!("capi/{}/{n}", self.name)))
            .collect()
    }

    /// The lines, each starting to connect at its first tick.
    pub fn open(&self) -> Vec<SharedCapiLine> {
        self.line_ids()
            .into_iter()
            .map(|id| {
                let config = ControllerConfig {
                    controller: self.controller,
                    msns: self.msns.clone(),
                    calling_msn: self.calling_msn.clone(),
                    ..ControllerConfig::default()
                };
                SharedCapiLine::new(SupervisedCapiLine::new(id, self.transport.clone(), config))
            })
            .collect()
    }
}

/// A line's state, for logs and `ums status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapiLineState {
    /// Connecting (the first time, or again).
    Connecting,
    /// Registered at the controller.
    InService,
    /// Not connected; trying again later.
    OutOfService {
        /// What went wrong.
        reason: String,
    },
}

type BoxedTransport = Box<dyn CapiTransport + Send>;

fn connect(spec: &CapiTransportSpec, controller: u32) -> io::Result<BoxedTransport> {
    let limits = RegisterLimits {
        max_logical: 1,
        max_b_blocks: 7,
        max_b_len: 2048,
    };
    match spec {
        CapiTransportSpec::Libcapi20 => Ok(Box::new(Libcapi20::open(limits, controller)?)),
        CapiTransportSpec::Remote(addr) => {
            let addr = addr.to_socket_addrs()?.next().ok_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, format!("{addr}: no address"))
            })?;
            Ok(Box::new(RcapiTcp::connect(
                addr,
                limits,
                controller,
                CONNECT_TIMEOUT,
            )?))
        }
    }
}

/// One B-channel line that keeps itself connected (see the module docs).
pub struct SupervisedCapiLine {
    id: LineId,
    transport: CapiTransportSpec,
    config: ControllerConfig,
    line: Option<CapiLine<BoxedTransport>>,
    connecting: Option<Receiver<io::Result<BoxedTransport>>>,
    /// When to try again (none: at the next tick).
    retry_at: Option<Instant>,
    backoff: Duration,
    state: CapiLineState,
    /// Events of a line that failed, passed on after it is gone.
    events: VecDeque<LineEvent>,
    /// Times the line came into service.
    connects: u32,
}

impl SupervisedCapiLine {
    /// A line that connects at its first tick.
    pub fn new(id: LineId, transport: CapiTransportSpec, config: ControllerConfig) -> Self {
        SupervisedCapiLine {
            id,
            transport,
            config,
            line: None,
            connecting: None,
            retry_at: None,
            backoff: RECONNECT_FIRST,
            state: CapiLineState::Connecting,
            events: VecDeque::new(),
            connects: 0,
        }
    }

    /// Where the line is.
    pub fn state(&self) -> &CapiLineState {
        &self.state
    }

    /// Times the line came into service (1 after the first connect).
    pub fn connects(&self) -> u32 {
        self.connects
    }

    /// Runs the line: its media tick, or the connecting.
    pub fn tick(&mut self, now: Instant) {
        if let Some(line) = &mut self.line {
            line.tick(now);
            if let Some(why) = line.fault().map(str::to_string) {
                self.events.extend(std::iter::from_fn(|| line.poll_event()));
                self.line = None;
                self.out_of_service(why, now);
            }
            return;
        }
        if let Some(rx) = &self.connecting {
            match rx.try_recv() {
                Err(TryRecvError::Empty) => {}
                Ok(Ok(t)) => {
                    self.connecting = None;
                    self.line = Some(CapiLine::new(self.id.clone(), self.config.clone(), t));
                    self.state = CapiLineState::InService;
                    self.backoff = RECONNECT_FIRST;
                    self.connects += 1;
                }
                Ok(Err(e)) => {
                    self.connecting = None;
                    self.out_of_service(format!("CAPI: {e}"), now);
                }
                Err(TryRecvError::Disconnected) => {
                    self.connecting = None;
                    self.out_of_service("CAPI: the connecting thread died".into(), now);
                }
            }
            return;
        }
        if self.retry_at.is_none_or(|t| now >= t) {
            let (tx, rx) = mpsc::channel();
            let spec = self.transport.clone();
            let controller = self.config.controller;
            let spawned = std::thread::Builder::new()
                .name(format!("capi-connect {}", self.id))
                .spawn(move || {
                    let _ = tx.send(connect(&spec, controller));
                });
            match spawned {
                Ok(_) => self.connecting = Some(rx),
                Err(e) => self.out_of_service(format!("CAPI: no thread: {e}"), now),
            }
        }
    }

    fn out_of_service(&mut self, reason: String, now: Instant) {
        self.state = CapiLineState::OutOfService { reason };
        self.retry_at = Some(now + self.backoff);
        self.backoff = (self.backoff * 2).min(RECONNECT_MAX);
    }
}

impl Line for SupervisedCapiLine {
    fn id(&self) -> &LineId {
        &self.id
    }

    fn caps(&self) -> LineCaps {
        CAPI_CAPS
    }

    fn dial(&mut self, number: &str, media: MediaKind, now: Instant) -> Result<CallId, LineError> {
        match &mut self.line {
            Some(l) => l.dial(number, media, now),
            None => Err(LineError::OutOfService(match &self.state {
                CapiLineState::OutOfService { reason } => reason.clone(),
                _ => "connecting to the CAPI controller".into(),
            })),
        }
    }

    fn answer(&mut self, call: CallId, now: Instant) -> Result<(), LineError> {
        match &mut self.line {
            Some(l) => l.answer(call, now),
            None => Err(LineError::NotRinging(call)),
        }
    }

    fn hangup(&mut self, call: CallId, cause: HangupCause, now: Instant) {
        if let Some(l) = &mut self.line {
            l.hangup(call, cause, now);
        }
    }

    fn send(&mut self, call: CallId, media: Media, now: Instant) -> Result<(), LineError> {
        match &mut self.line {
            Some(l) => l.send(call, media, now),
            None => Err(LineError::NoSuchCall(call)),
        }
    }

    fn poll_event(&mut self) -> Option<LineEvent> {
        if let Some(e) = self.events.pop_front() {
            return Some(e);
        }
        self.line.as_mut()?.poll_event()
    }

    fn is_idle(&self) -> bool {
        self.events.is_empty() && self.line.as_ref().is_none_or(|l| l.is_idle())
    }

    fn is_available(&self) -> bool {
        self.line.as_ref().is_some_and(|l| l.is_available())
    }
}

/// A supervised line shared between the runner (which drives it as a
/// [`Line`]) and the media loop (which ticks it), like a modem line: both
/// on the media thread.
pub type SharedCapiLine = crate::Shared<SupervisedCapiLine>;

impl SharedCapiLine {
    /// Run the line (see [`SupervisedCapiLine::tick`]).
    pub fn tick(&self, now: Instant) {
        self.with(|l| l.tick(now));
    }

    /// The line's state.
    pub fn state(&self) -> CapiLineState {
        self.with(|l| l.state.clone())
    }
}
