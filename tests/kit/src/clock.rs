//! The real clock, read in this one place for every test.
//!
//! Engines take `now` as an argument and clippy's `disallowed-methods` bans
//! `Instant::now` (STYLE.md rule 2). A test still needs one real instant: the
//! origin its simulated clock then moves by hand, or, for a test on real
//! sockets, the real-time tick it drives the lines with.

use std::time::Instant;

/// The origin of a simulated clock. Any instant will do: the test only ever
/// adds to it.
pub fn origin() -> Instant {
    wall()
}

/// The real clock, for a test that drives lines on real sockets in real time
/// (sleeping until the next 20 ms tick) or times a real process.
#[allow(clippy::disallowed_methods)] // the tests' one reading of the real clock (see the module doc)
pub fn wall() -> Instant {
    Instant::now()
}
