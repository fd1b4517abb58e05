//! Fax sessions over spandsp, and the bilevel page model.
//!
//! ```text
//!  session (FaxSession: sans-IO T.30 party, events, outcome)
//!     │ audio frames / T.38 IFP packets in and out, time = samples fed
//!  spandsp/ (the only `unsafe`: owners of spandsp's C state, trampolines)
//!     │
//!  tones (DTMF detector/generator, CNG/CED detector): voicemail and auto-detect
//!  page model: page (BilevelPage) · codec (T.4 MH/MR, T.6 MMR)
//!              tiff (TIFF-F read/write) · pdf (CCITT data embedded as-is)
//! ```
//!
//! A sender and a receiver connected back to back over audio:
//!
//! ```no_run
//! use fax_t30::session::*;
//! let opts = FaxOptions { ident: "+49 89 1234".into(), ..Default::default() };
//! let mut tx = FaxSession::new(&opts, Transport::Audio,
//!     Document::Send(PageSource::Tiff("doc.tif".into())))?;
//! let rx_opts = FaxOptions { calling_party: false, ..opts.clone() };
//! let mut rx = FaxSession::new(&rx_opts, Transport::Audio,
//!     Document::Receive("received.tif".into()))?;
//! while !(tx.is_finished() && rx.is_finished()) {
//!     let a = tx.poll_audio();
//!     let b = rx.poll_audio();
//!     rx.handle_audio(&a);
//!     tx.handle_audio(&b);
//!     while let Some(ev) = tx.poll_event() { println!("tx {ev:?}"); }
//! }
//! println!("{}", tx.outcome().unwrap().summary());
//! # Ok::<(), fax_t30::Error>(())
//! ```
#![deny(unsafe_code)]
pub mod codec;
pub mod durable;
mod error;
pub mod g711;
pub mod header;
pub mod media;
pub mod modem;
pub mod outcome;
pub mod page;
pub mod pdf;
pub mod session;
pub mod soft_modem;
mod spandsp;
pub mod t6;
pub mod tiff;
pub mod tones;

pub use error::Error;
pub use outcome::{CompletionCode, FaxOutcome, ReceivedPage, Retry, Role};
pub use session::{
    Document, FaxEvent, FaxOptions, FaxSession, MaxRate, PageSource, Phase, T38Options, Transport,
};
