//! The kernel: messages and jobs, the durable store, scheduling onto lines,
//! retries, numbering plan, inbound routing, reports.
#![forbid(unsafe_code)]

pub mod job;
pub mod message;
pub mod store;
