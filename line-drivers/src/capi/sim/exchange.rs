//! The simulated controller's way out to the loopback exchange: calls on
//! its B-channels reach the exchange's virtual fax machines (and their
//! calls reach the controller), as an ISDN card's calls reach the public
//! network. Sans-IO: [`ExchangeGateway::tick`] takes the time.
//!
//! A gateway has ports. A port is one CAPI application of the controller
//! (a [`CapiLine`] over any transport, answering the exchange numbers it
//! stands for as its MSNs) paired with one line of the exchange (whose
//! number is the CAPI side's number it stands for). A call ringing on
//! either side is dialled on the other with the number it was called
//! with; an answer, the audio (the CAPI side's bit-reversed A-law as our
//! 20 ms frames, through the exchange's impairments), DTMF and the
//! hang-up with its cause cross over. A call so bridged takes two of the
//! controller's B-channels: the caller's and the port's, as a call
//! between two of its channels does.
//!
//! ```text
//!  ums ─CAPI─▶ simulator ─CAPI─▶ port: CapiLine ═ LoopbackLine ─▶ exchange ─▶ virtual fax machine
//! ```

use std::time::Instant;

use crate::capi::line::CapiLine;
use crate::capi::transport::CapiTransport;
use crate::cause::HangupCause;
use crate::line::{CallId, CallProgress, Line, LineEvent, Media, MediaKind};
use crate::loopback::LoopbackLine;

/// Which side of a port a call rang on first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum From {
    Capi,
    Exchange,
}

#[derive(Debug)]
struct Bridge {
    from: From,
    capi: CallId,
    exchange: CallId,
    /// The called side answered: media flows.
    up: bool,
    /// Audio from the CAPI side held back until [`JITTER_FRAMES`] are
    /// there (None once they went).
    held: Option<Vec<Media>>,
}

/// Frames of the CAPI side's audio held back at the start of a call: the
/// exchange plays one frame per tick and fills a tick without one with
/// silence, while a remote CAPI's blocks come as the network delivers
/// them. The frames held are the exchange's jitter buffer from then on
/// (160 ms, as a gateway's playout buffer).
pub const JITTER_FRAMES: usize = 8;

/// One CAPI application paired with one exchange line.
pub struct Port<T: CapiTransport> {
    capi: CapiLine<T>,
    exchange: LoopbackLine,
    bridge: Option<Bridge>,
}

/// What a port's calls came to (for tests).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GatewayStats {
    /// Calls connected through.
    pub bridged: u32,
    /// Calls refused because the other side could not be dialled.
    pub refused: u32,
}

/// See the module docs.
pub struct ExchangeGateway<T: CapiTransport> {
    ports: Vec<Port<T>>,
    stats: GatewayStats,
}

impl<T: CapiTransport> Default for ExchangeGateway<T> {
    fn default() -> Self {
        ExchangeGateway {
            ports: Vec::new(),
            stats: GatewayStats::default(),
        }
    }
}

impl<T: CapiTransport> ExchangeGateway<T> {
    /// A gateway without ports.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a port: `capi` (an application of the controller, listening
    /// for the exchange numbers it forwards) and `exchange` (a line of the
    /// exchange, whose calls it forwards to the controller).
    pub fn add_port(&mut self, capi: CapiLine<T>, exchange: LoopbackLine) {
        self.ports.push(Port {
            capi,
            exchange,
            bridge: None,
        });
    }

    /// The counters.
    pub fn stats(&self) -> &GatewayStats {
        &self.stats
    }

    /// True when no port has a call.
    pub fn is_idle(&self) -> bool {
        self.ports.iter().all(|p| p.bridge.is_none())
    }

    /// One media tick: the CAPI sides' messages in and out, and what each
    /// side's events mean for the other. The exchange is ticked by its
    /// owner (before or after, once per tick).
    pub fn tick(&mut self, now: Instant) {
        for port in &mut self.ports {
            port.capi.tick(now);
            while let Some(ev) = port.capi.poll_event() {
                port.on_capi(ev, now, &mut self.stats);
            }
            while let Some(ev) = port.exchange.poll_event() {
                port.on_exchange(ev, now, &mut self.stats);
            }
        }
    }
}

impl<T: CapiTransport> Port<T> {
    fn on_capi(&mut self, ev: LineEvent, now: Instant, stats: &mut GatewayStats) {
        match ev {
            LineEvent::Incoming { call, called, .. } => {
                if self.bridge.is_some() {
                    self.capi.hangup(call, HangupCause::UserBusy, now);
                    return;
                }
                let number = called;
                match self.exchange.dial(&number, MediaKind::Audio, now) {
                    Ok(exchange) => {
                        self.bridge = Some(Bridge {
                            from: From::Capi,
                            capi: call,
                            exchange,
                            up: false,
                            held: Some(Vec::new()),
                        })
                    }
                    Err(_) => {
                        stats.refused += 1;
                        self.capi.hangup(call, HangupCause::UnallocatedNumber, now);
                    }
                }
            }
            LineEvent::Progress { call, progress } => {
                let Some(b) = self.bridge.as_mut().filter(|b| b.capi == call) else {
                    return;
                };
                if progress == CallProgress::Answered && b.from == From::Exchange && !b.up {
                    b.up = true;
                    stats.bridged += 1;
                    let _ = self.exchange.answer(b.exchange, now);
                }
            }
            LineEvent::Media { call, media } => {
                let Some(b) = self.bridge.as_mut().filter(|b| b.capi == call && b.up) else {
                    return;
                };
                let ready = match b.held.as_mut() {
                    Some(held) if matches!(media, Media::Audio(_)) => {
                        held.push(media);
                        if held.len() < JITTER_FRAMES {
                            return;
                        }
                        b.held.take().unwrap_or_default()
                    }
                    _ => vec![media],
                };
                for media in ready {
                    let _ = self.exchange.send(b.exchange, media, now);
                }
            }
            LineEvent::HungUp { call, cause } => {
                if let Some(b) = self.bridge.take_if(|b| b.capi == call) {
                    self.exchange.hangup(b.exchange, cause, now);
                }
            }
        }
    }

    fn on_exchange(&mut self, ev: LineEvent, now: Instant, stats: &mut GatewayStats) {
        match ev {
            LineEvent::Incoming { call, called, .. } => {
                if self.bridge.is_some() {
                    self.exchange.hangup(call, HangupCause::UserBusy, now);
                    return;
                }
                let number = called;
                match self.capi.dial(&number, MediaKind::Audio, now) {
                    Ok(capi) => {
                        self.bridge = Some(Bridge {
                            from: From::Exchange,
                            capi,
                            exchange: call,
                            up: false,
                            held: Some(Vec::new()),
                        })
                    }
                    Err(_) => {
                        stats.refused += 1;
                        let cause = if self.capi.is_available() {
                            HangupCause::UserBusy
                        } else {
                            HangupCause::NetworkOutOfOrder
                        };
                        self.exchange.hangup(call, cause, now);
                    }
                }
            }
            LineEvent::Progress { call, progress } => {
                let Some(b) = self.bridge.as_mut().filter(|b| b.exchange == call) else {
                    return;
                };
                if progress == CallProgress::Answered && b.from == From::Capi && !b.up {
                    b.up = true;
                    stats.bridged += 1;
                    let _ = self.capi.answer(b.capi, now);
                }
            }
            LineEvent::Media { call, media } => {
                if let Some(b) = self.bridge.as_ref().filter(|b| b.exchange == call && b.up) {
                    let _ = self.capi.send(b.capi, media, now);
                }
            }
            LineEvent::HungUp { call, cause } => {
                if let Some(b) = self.bridge.take_if(|b| b.exchange == call) {
                    self.capi.hangup(b.capi, cause, now);
                }
            }
        }
    }
}
