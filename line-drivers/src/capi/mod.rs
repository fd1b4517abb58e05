//! ISDN through CAPI 2.0 (COMMON-ISDN-API 2.0): cards and remote-CAPI
//! routers, as lines (issue 16).
//!
//! ```text
//!   msg.rs      CAPI messages: header, parameters of each REQ/CONF/IND/RESP   wire
//!   structs.rs  the structs inside: numbers, B protocol, additional info      wire
//!   rcapi.rs    remote CAPI over TCP: length-framed messages, register,      wire
//!               get profile (bintec/AVM routers, libcapi20's rcapi module)
//!   session.rs  the native remote-CAPI client: register, profile, messages   engine
//!   controller.rs  one controller's calls: listen, dial, answer, B3, data,   engine
//!               hang-up, causes (cause.rs), audio (media.rs: bit-reversed A-law)
//!   app.rs      one application for a controller's B-channels (CapiApp:    driver
//!               one engine, one transport), each B-channel a `Line`
//!               (CapiChannel); ticked once every 20 ms
//!   line.rs     an application of one B-channel as a `Line` (CapiLine)      driver
//!   transport.rs  what carries the messages: remote CAPI over TCP (RcapiTcp)  driver
//!   libcapi20.rs  ... or Debian's libcapi20 (Libcapi20), through ffi.rs:     driver
//!               the crate's only `unsafe` (dlopen at run time)
//!   supervised.rs  a `[[capi]]` section: its application, reconnecting on   driver
//!               its own with backoff, and its lines (SharedCapiLine)
//!   sim.rs      the remote-CAPI controller simulator (test peer; sim/tcp.rs   engine
//!               serves it on a port, sim/exchange.rs takes its calls to the
//!               loopback exchange's virtual fax machines)
//! ```
//!
//! Everything here is sans-IO: octets in, octets out. The codec reads and
//! writes messages exactly as Debian's libcapi20 does
//! (`line-drivers/tests/capi_libcapi20.rs` has libcapi20's own encoder and
//! decoder check ours); untrusted octets give a [`WireError`], never a
//! panic (fuzz target `capi_message`, seeds replayed by
//! `line-drivers/tests/capi_fuzz_seeds.rs`).

pub mod app;
pub mod cause;
pub mod controller;
#[allow(unsafe_code)]
pub mod ffi;
pub mod libcapi20;
pub mod line;
pub mod media;
pub mod msg;
pub mod rcapi;
pub mod samples;
pub mod session;
pub mod sim;
pub mod structs;
pub mod supervised;
pub mod transport;

pub use msg::{DataB3, Header, Message, Params};

/// What is wrong with octets from a CAPI peer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// Not a whole message yet: at least this many more octets.
    #[error("incomplete CAPI message: {0} more octets needed")]
    NeedMore(usize),
    /// The header's length is below a header and address, or above
    /// [`msg::MAX_MESSAGE`].
    #[error("CAPI message length {0} out of range")]
    BadLength(u16),
    /// A command and subcommand we do not know.
    #[error("unknown CAPI command {0:#04x} subcommand {1:#04x}")]
    UnknownCommand(u8, u8),
    /// A parameter runs past the end of its message or struct.
    #[error("CAPI parameter {0} truncated")]
    Truncated(&'static str),
    /// A struct whose contents make no sense (a number with a control
    /// character, a calling number without its presentation octet).
    #[error("malformed CAPI struct: {0}")]
    BadStruct(&'static str),
    /// A remote-CAPI frame with octets its message does not account for
    /// (DATA_B3 data of another length than the message says).
    #[error("remote CAPI frame of command {command:#04x}: {extra} octets unaccounted for")]
    BadFrame {
        /// The message's command.
        command: u8,
        /// Octets after the message.
        extra: usize,
    },
    /// A frame that has no place here (a request from the router, a
    /// message before registration).
    #[error("unexpected remote CAPI frame: {0}")]
    UnexpectedFrame(&'static str),
}
