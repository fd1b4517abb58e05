//! The B-channel lines of one CAPI controller as the gateway runs them
//! (`[[capi]]`): one application for the section ([`SupervisedCapiApp`],
//! registered with `max_logical` = the B-channels used, one connection to
//! a remote-CAPI router), one line per B-channel ([`SharedCapiLine`]; a
//! call ringing in goes to the first idle one), kept connected. The
//! application connects in a thread of its own (libcapi20 and the TCP
//! connect block), so the media thread never waits; a transport that
//! fails puts every line out of service (their calls end "network out of
//! order", temporary, so the jobs are retried) and the application
//! connects again on its own, after 1 s, then 2, 4, ... up to
//! [`RECONNECT_MAX`], measured on the `now` passed to
//! [`SupervisedCapiApp::tick`].

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::net::ToSocketAddrs;
use std::rc::Rc;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::{Duration, Instant};

use super::app::{CapiApp, CapiChannel, CapiChannels, OneChannel};
use super::controller::ControllerConfig;
use super::libcapi20::Libcapi20;
use super::session::RegisterLimits;
use super::transport::{CapiTransport, RcapiTcp};
use crate::cause::HangupCause;
use crate::error::LineError;
use crate::line::{CallId, LineEvent, LineId, Media, MediaKind};

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

    /// The section's application, starting to connect at its first
    /// tick, and its lines.
    pub fn open(&self) -> CapiSection {
        let config = ControllerConfig {
            controller: self.controller,
            msns: self.msns.clone(),
            calling_msn: self.calling_msn.clone(),
            ..ControllerConfig::default()
        };
        let ids = self.line_ids();
        let n = ids.len();
        let app = SupervisedCapiApp::new(ids, self.transport.clone(), config);
        let app = Rc::new(RefCell::new(app));
        CapiSection {
            lines: CapiChannel::all(&app, n),
            app,
        }
    }
}

/// An application's state (its lines'), for logs and `ums status`.
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

fn connect(spec: &CapiTransportSpec, controller: u32, channels: u16) -> io::Result<BoxedTransport> {
    let limits = RegisterLimits {
        max_logical: channels.max(1),
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

/// The application of a `[[capi]]` section, kept connected (see the
/// module docs).
pub struct SupervisedCapiApp {
    ids: Vec<LineId>,
    transport: CapiTransportSpec,
    config: ControllerConfig,
    app: Option<CapiApp<BoxedTransport>>,
    connecting: Option<Receiver<io::Result<BoxedTransport>>>,
    /// When to try again (none: at the next tick).
    retry_at: Option<Instant>,
    backoff: Duration,
    state: CapiLineState,
    /// Events of an application that failed, per channel, passed on
    /// after it is gone.
    events: Vec<VecDeque<LineEvent>>,
    /// Times the application came into service.
    connects: u32,
}

impl SupervisedCapiApp {
    /// An application of one channel per id, connecting at its first
    /// tick.
    pub fn new(ids: Vec<LineId>, transport: CapiTransportSpec, config: ControllerConfig) -> Self {
        SupervisedCapiApp {
            events: ids.iter().map(|_| VecDeque::new()).collect(),
            ids,
            transport,
            config,
            app: None,
            connecting: None,
            retry_at: None,
            backoff: RECONNECT_FIRST,
            state: CapiLineState::Connecting,
            connects: 0,
        }
    }

    /// Where the application is.
    pub fn state(&self) -> &CapiLineState {
        &self.state
    }

    /// Times the application came into service (1 after the first
    /// connect).
    pub fn connects(&self) -> u32 {
        self.connects
    }

    /// Runs the application: its media tick, or the connecting.
    pub fn tick(&mut self, now: Instant) {
        if let Some(app) = &mut self.app {
            app.tick(now);
            if let Some(why) = app.fault().map(str::to_string) {
                for (ch, events) in self.events.iter_mut().enumerate() {
                    events.extend(std::iter::from_fn(|| app.poll_event(ch)));
                }
                self.app = None;
                self.out_of_service(why, now);
            }
            return;
        }
        if let Some(rx) = &self.connecting {
            match rx.try_recv() {
                Err(TryRecvError::Empty) => {}
                Ok(Ok(t)) => {
                    self.connecting = None;
                    let app = CapiApp::new(self.ids.clone(), self.config.clone(), t);
                    self.app = Some(app);
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
            let channels = u16::try_from(self.ids.len()).unwrap_or(u16::MAX);
            let name = self.ids.first().map_or("capi".into(), |id| id.to_string());
            let spawned = std::thread::Builder::new()
                .name(format!("capi-connect {name}"))
                .spawn(move || {
                    let _ = tx.send(connect(&spec, controller, channels));
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

impl CapiChannels for SupervisedCapiApp {
    fn channel_id(&self, ch: usize) -> &LineId {
        &self.ids[ch]
    }

    fn dial(
        &mut self,
        ch: usize,
        number: &str,
        media: MediaKind,
        now: Instant,
    ) -> Result<CallId, LineError> {
        match &mut self.app {
            Some(a) => a.dial(ch, number, media, now),
            None => Err(LineError::OutOfService(match &self.state {
                CapiLineState::OutOfService { reason } => reason.clone(),
                _ => "connecting to the CAPI controller".into(),
            })),
        }
    }

    fn answer(&mut self, ch: usize, call: CallId, now: Instant) -> Result<(), LineError> {
        match &mut self.app {
            Some(a) => a.answer(ch, call, now),
            None => Err(LineError::NotRinging(call)),
        }
    }

    fn hangup(&mut self, ch: usize, call: CallId, cause: HangupCause, now: Instant) {
        if let Some(a) = &mut self.app {
            a.hangup(ch, call, cause, now);
        }
    }

    fn send(
        &mut self,
        ch: usize,
        call: CallId,
        media: Media,
        now: Instant,
    ) -> Result<(), LineError> {
        match &mut self.app {
            Some(a) => a.send(ch, call, media, now),
            None => Err(LineError::NoSuchCall(call)),
        }
    }

    fn poll_event(&mut self, ch: usize) -> Option<LineEvent> {
        if let Some(e) = self.events[ch].pop_front() {
            return Some(e);
        }
        self.app.as_mut()?.poll_event(ch)
    }

    fn is_idle(&self, ch: usize) -> bool {
        self.events[ch].is_empty() && self.app.as_ref().is_none_or(|a| a.is_idle(ch))
    }

    fn is_available(&self) -> bool {
        self.app.as_ref().is_some_and(|a| a.is_available())
    }

    fn flush(&mut self) {
        if let Some(a) = &mut self.app {
            a.flush();
        }
    }
}

/// One B-channel line that keeps itself connected: an application of
/// its own (tests, and what each `[[capi]]` line was before the section
/// shared one application).
pub type SupervisedCapiLine = OneChannel<SupervisedCapiApp>;

impl SupervisedCapiLine {
    /// A line that connects at its first tick.
    pub fn new(id: LineId, transport: CapiTransportSpec, config: ControllerConfig) -> Self {
        OneChannel::of(SupervisedCapiApp::new(vec![id], transport, config))
    }

    /// Where the line is.
    pub fn state(&self) -> &CapiLineState {
        self.app().state()
    }

    /// Times the line came into service (1 after the first connect).
    pub fn connects(&self) -> u32 {
        self.app().connects()
    }

    /// Runs the line: its media tick (the answers written at once), or
    /// the connecting.
    pub fn tick(&mut self, now: Instant) {
        self.app_mut().tick(now);
        self.app_mut().flush();
    }
}

/// A B-channel line of a `[[capi]]` section, as the runner drives it.
pub type SharedCapiLine = CapiChannel<SupervisedCapiApp>;

/// A `[[capi]]` section as the media loop runs it: the application
/// (ticked once per 20 ms) and its lines (given to the runner).
pub struct CapiSection {
    app: Rc<RefCell<SupervisedCapiApp>>,
    lines: Vec<SharedCapiLine>,
}

impl CapiSection {
    /// The lines, one per B-channel.
    pub fn lines(&self) -> &[SharedCapiLine] {
        &self.lines
    }

    /// Runs the application (see [`SupervisedCapiApp::tick`]).
    pub fn tick(&self, now: Instant) {
        self.app.borrow_mut().tick(now);
    }

    /// Writes what the lines queued since the tick (after the runner's).
    pub fn flush(&self) {
        self.app.borrow_mut().flush();
    }

    /// The application's state, which is each of its lines'.
    pub fn state(&self) -> CapiLineState {
        self.app.borrow().state().clone()
    }
}
