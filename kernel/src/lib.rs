//! The kernel: messages and jobs, the durable store, scheduling onto lines,
//! retries, numbering plan, inbound routing, reports (issue 3).
//!
//! Nothing lives here yet. The fax engine (`fax-t30`) and the `Line`
//! abstraction (`line-drivers`) it will drive are in place.
#![forbid(unsafe_code)]
