//! A CAPI B-channel as a [`Line`](crate::line::Line): [`CapiLine`], an
//! application of its own with one call at a time on a controller (the
//! one-channel case of [`super::app::CapiApp`]: its [`Controller`](super::controller::Controller)
//! engine and a [`CapiTransport`] under it). Driven like the SIP line: the
//! owner calls [`CapiLine::tick`] every 20 ms on its media thread; the
//! tick reads what the transport has, runs the engine's timers and writes
//! the answers; audio sent is written at once. Audio
//! is our 20 ms frames ([`MediaKind::Audio`](crate::line::MediaKind)), so
//! the same `FaxCall`, fax/voice detection and voicemail run on it as on
//! SIP.
//!
//! A transport that fails takes the line out of service: its call ends
//! with "network out of order" (temporary, so the job is retried), and
//! `is_available` is false. Bringing it back (a new connection) is the
//! owner's business: it makes a new line (as
//! [`super::supervised::SupervisedCapiApp`] does, with backoff).
//!
//! The gateway's `[[capi]]` lines share one application per section
//! ([`super::app::CapiChannel`]); a `CapiLine` is for a peer of its own.

use std::time::Instant;

use super::app::{CapiApp, CapiChannels, OneChannel};
use super::controller::ControllerConfig;
use super::transport::CapiTransport;
use crate::line::{LineCaps, LineId};

/// A B-channel line: an application of one channel.
pub type CapiLine<T> = OneChannel<CapiApp<T>>;

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
    /// controller refuses it as busy if none takes it).
    pub fn new(id: LineId, config: ControllerConfig, transport: T) -> Self {
        OneChannel::of(CapiApp::new(vec![id], config, transport))
    }

    /// Why the line is out of service, if it is.
    pub fn fault(&self) -> Option<&str> {
        self.app().fault()
    }

    /// The transport under the line.
    pub fn transport(&self) -> &T {
        self.app().transport()
    }

    /// One media tick: messages in, timers, events, and the answers
    /// written at once (a line of its own has no owner to gather a tick's
    /// writes of many lines).
    pub fn tick(&mut self, now: Instant) {
        self.app_mut().tick(now);
        self.app_mut().flush();
    }
}
