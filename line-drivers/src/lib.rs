//! Telephone lines for the ums gateway: the [`Line`] abstraction the kernel
//! drives, and its drivers.
//!
//! ```text
//!            kernel (jobs, fax sessions, voicemail, SMS)
//!                 │ dial / answer / send / hangup (now passed in)
//!                 ▼         ▲ poll_event: Incoming, Progress, Media, HungUp
//!   ┌──────────── trait Line (line.rs) + HangupCause (cause.rs) ───────────┐
//!   │ loopback/  virtual exchange, impairments          ← here now         │
//!   │ sip/       SIP trunk, RTP G.711, T.38 UDPTL, DTMF ← here (UDP)       │
//!   │ modem/     Class 1 fax modems (serial, T.31)      ← here             │
//!   │ gsm/       GSM modems, SMS (27.005 PDU mode)      ← wire + engine    │
//!   │ capi/      ISDN CAPI 2.0 (rcapi, libcapi20 FFI)   ← here             │
//!   └──────────────────────────────────────────────────────────────────────┘
//!                 ▲ tick(now) every 20 ms
//!   clock.rs: SimClock (tests, media time) │ MediaTicker (real-time thread)
//! ```
//!
//! Everything below the driver shells is sans-IO: no sockets, no clock
//! reads. Time is an argument (`now: Instant`), media moves in 20 ms ticks,
//! and a test runs a 30 s ring timeout in microseconds on a [`SimClock`].
//! Only [`MediaTicker`] reads the real clock.
//!
//! # A run loop
//!
//! Two lines on a loopback exchange, a call, one frame each way:
//!
//! ```
//! use line_drivers::loopback::{ExchangeConfig, SharedExchange};
//! use line_drivers::{Line, LineCaps, LineEvent, Media, MediaKind, SimClock};
//! use fax_t30::media::FRAME_SAMPLES;
//!
//! let mut clock = SimClock::new(std::time::Instant::now());
//! let exchange = SharedExchange::new(ExchangeConfig::default());
//! let mut alice = exchange.add_line("100", LineCaps::FAX)?;
//! let mut bob = exchange.add_line("200", LineCaps::FAX)?;
//!
//! let call = alice.dial("200", MediaKind::Audio, clock.now())?;
//! exchange.tick(clock.tick()); // the exchange routes the call
//! match bob.poll_event() {
//!     Some(LineEvent::Incoming { call: c, caller, .. }) => {
//!         assert_eq!(caller.as_deref(), Some("100"));
//!         bob.answer(c, clock.now())?;
//!     }
//!     other => panic!("expected a call, got {other:?}"),
//! }
//!
//! alice.send(call, Media::Audio([1000; FRAME_SAMPLES]), clock.now())?;
//! let mut heard = None;
//! for _ in 0..3 {
//!     exchange.tick(clock.tick());
//!     while let Some(event) = bob.poll_event() {
//!         if let LineEvent::Media { media: Media::Audio(frame), .. } = event {
//!             if frame[0] != 0 { heard = Some(frame); } // silence until it arrives
//!         }
//!     }
//! }
//! assert_eq!(heard, Some([1000; FRAME_SAMPLES]));
//!
//! bob.hangup(call, line_drivers::HangupCause::NormalClearing, clock.now());
//! let last = std::iter::from_fn(|| alice.poll_event()).last();
//! assert!(matches!(last, Some(LineEvent::HungUp { .. })));
//! assert!(alice.is_idle() && bob.is_idle());
//! # Ok::<(), line_drivers::LineError>(())
//! ```
// `unsafe` is allowed in one module only: `capi::ffi` (libcapi20).
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod capi;
pub mod cause;
pub mod clock;
mod error;
pub mod fax_call;
pub mod fax_machine;
pub mod gsm;
pub mod line;
pub mod loopback;
pub mod modem;
pub mod shared;
pub mod sim_net;
pub mod sip;

pub use cause::{CauseClass, HangupCause};
pub use clock::{LatenessStats, MediaTicker, SimClock, TickerReport};
pub use error::LineError;
pub use fax_call::{CallEnd, FaxCall, FaxCallEvent, FaxRole};
pub use line::{
    CallId, CallProgress, DtmfDigit, Line, LineCaps, LineEvent, LineId, Media, MediaKind,
};
pub use shared::Shared;
