//! The test kit: what the tests of every crate in the workspace share, once.
//!
//! * [`Scratch`]: a fresh directory for a test, unique per process and call,
//!   removed when dropped unless the test failed or asked to keep it.
//! * [`origin`] and [`wall`]: the one place the tests read the real clock,
//!   as the origin of a simulated clock or as the real-time tick of a test
//!   that drives real sockets.
//! * [`iaxmodem::IaxPair`]: two iaxmodem Class 1 soft modems wired back to
//!   back over IAX2 on loopback (a phone line with a fax modem at each end).
//! * [`efax`] and [`hylafax`]: efax (with Ghostscript's pages) and HylaFAX (faxgetty, faxq, hfaxd, sendfax) on a private
//!   spool, on one modem of such a pair.
//! * [`Postfix`]: a private Postfix instance on loopback (the customer's
//!   mail server), and waiting for mail in its Maildirs.
//! * [`fuzz`]: the seeds of a fuzz target and random mutations of them,
//!   for the tests that replay a corpus through the target's checks.
//! * [`libtiff`]: libtiff's `tiffinfo` and `tiffcmp` judging fax files.
//!
//! It depends on none of our crates: they all dev-depend on it, and a
//! dependency back would give a test two copies of that crate's types. What
//! needs our types stays beside them (a static-peer SIP trunk is
//! `sip::trunk::TrunkConfig::static_peer`).
//!
//! ```
//! let dir = test_kit::Scratch::new("doc-example");
//! std::fs::write(dir.join("hello.txt"), "hi").unwrap();
//! let t0 = test_kit::origin();
//! assert!(t0 + std::time::Duration::from_millis(20) > t0);
//! ```
#![forbid(unsafe_code)]

mod clock;
pub mod efax;
pub mod fuzz;
pub mod hylafax;
pub mod iaxmodem;
pub mod libtiff;
mod postfix;
mod process;
mod scratch;

pub use clock::{origin, wall};
pub use postfix::Postfix;
pub use process::{ahead_of_the_suite, wait_for_text, Proc};
pub use scratch::Scratch;
