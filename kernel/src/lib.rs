//! The kernel: messages and jobs, the durable store, scheduling onto lines,
//! retries, numbering plan, inbound routing, reports.
#![forbid(unsafe_code)]

pub mod directory;
pub mod job;
pub mod message;
pub mod notify;
pub mod numbering;
pub mod report;
pub mod routing;
pub mod runner;
pub mod store;
