//! The kernel: messages and jobs, the durable store, scheduling onto lines,
//! retries, numbering plan, inbound routing, reports.
//!
//! ```text
//!  accept ─▶ store (sled: records + outbox) ◀─ runner ─▶ Lines (line-drivers)
//!                 ▲                             │  job::step (pure) per event
//!                 └──── notify (report: DSNs, incoming mails) ◀─ effects
//! ```
//!
//! `voice` answers voice and auto-detect numbers for the runner: greeting,
//! beep, recording, fax hand-over on CNG; recordings become voice messages.
//!
//! Nothing here reads a clock: the runner gets the media time and the wall
//! time on every tick; `job::step` gets `now`. See `docs/architecture.md`
//! for a message's life and the crash rules.
#![forbid(unsafe_code)]

pub mod accept;
pub use fax_t30::durable;
pub mod directory;
pub mod events;
pub mod job;
pub mod lock;
pub mod message;
pub mod notify;
pub mod numbering;
pub mod render;
pub mod report;
pub mod routing;
pub mod runner;
pub mod sms_text;
pub mod spool;
pub mod store;
pub mod voice;
pub mod work;
