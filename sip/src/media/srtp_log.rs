//! Log lines for the SRTP packets a call refuses (RFC 3711 §3.3: the tag
//! does not authenticate, a replay, a packet behind the replay window, a
//! key whose lifetime is used up): the first at once, then at most one per
//! interval, each with the reason and how many were refused since the
//! line before. A peer with the wrong key, or a stranger spraying packets
//! at the port, then costs a few lines, not one per packet; the count of
//! every refusal stays in the line's statistics.
//!
//! Sans-IO: the caller passes `now`.

use std::time::{Duration, Instant};

use super::srtp::SrtpError;

/// The interval between two log lines of one call.
pub const REFUSAL_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// The refusals of one call and when the last line went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalLog {
    every: Duration,
    last_line: Option<Instant>,
    /// Refused since the last line (including the one that makes it).
    unlogged: u64,
    /// Refused in this call.
    total: u64,
}

impl Default for RefusalLog {
    fn default() -> Self {
        RefusalLog::new(REFUSAL_LOG_INTERVAL)
    }
}

impl RefusalLog {
    /// At most one line per `every` after the first.
    pub fn new(every: Duration) -> RefusalLog {
        RefusalLog {
            every,
            last_line: None,
            unlogged: 0,
            total: 0,
        }
    }

    /// A packet was refused for `why` at `now`: the log line to write, if
    /// one is due.
    pub fn refused(&mut self, why: &SrtpError, now: Instant) -> Option<String> {
        self.total += 1;
        self.unlogged += 1;
        if (self.last_line).is_some_and(|t| now.saturating_duration_since(t) < self.every) {
            return None;
        }
        self.last_line = Some(now);
        let since = std::mem::take(&mut self.unlogged);
        Some(if self.total == 1 {
            format!("SRTP packet refused: {why}")
        } else {
            format!(
                "SRTP packet refused: {why} ({since} refused since the last line, {} in this call)",
                self.total
            )
        })
    }

    /// Packets refused in this call.
    pub fn total(&self) -> u64 {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_at_once_then_one_line_per_interval_with_the_reason() {
        let t0 = test_kit::origin();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut log = RefusalLog::new(Duration::from_secs(10));
        let auth = SrtpError::AuthFailed {
            ssrc: 0x1234,
            index: 7,
        };
        let first = log.refused(&auth, at(0)).expect("the first is logged");
        assert!(first.contains("authentication failed"), "{first}");
        // A packet every 20 ms for 25 s: lines at 10 s and 20 s only.
        let mut lines = vec![(0, first)];
        for k in 1..1250u64 {
            let why = if k < 1000 {
                auth.clone()
            } else {
                SrtpError::Replayed {
                    ssrc: 0x1234,
                    index: k,
                }
            };
            if let Some(l) = log.refused(&why, at(20 * k)) {
                lines.push((20 * k, l));
            }
        }
        let times: Vec<u64> = lines.iter().map(|(t, _)| *t).collect();
        assert_eq!(times, [0, 10_000, 20_000]);
        assert!(
            lines[1].1.contains("authentication failed")
                && lines[1]
                    .1
                    .contains("(500 refused since the last line, 501 in this call)"),
            "{}",
            lines[1].1
        );
        assert!(lines[2].1.contains("replay"), "{}", lines[2].1);
        assert_eq!(log.total(), 1250);
        // A new call starts over: its first refusal is logged at once.
        let mut next = RefusalLog::default();
        assert!(next
            .refused(&SrtpError::LifetimeOver(100), at(20_100))
            .is_some());
    }
}
