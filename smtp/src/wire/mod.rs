//! The wire layer: bytes in, typed values out, and replies back to bytes.
//! Nothing here keeps session state; every parser is a checked constructor
//! with a hard length cap.
//!
//! - [`reply`]: the reply table and the reply encoder,
//! - [`command`]: command-line framing and the command parser,
//! - [`address`]: paths of MAIL FROM and RCPT TO,
//! - [`params`]: their ESMTP parameters,
//! - [`sasl`]: AUTH PLAIN and LOGIN responses,
//! - [`data`]: message data, dot-unstuffing and the end-of-data mark.

pub mod address;
pub mod command;
pub mod data;
pub mod params;
pub mod reply;
pub mod sasl;
