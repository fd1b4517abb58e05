//! Per-sender rate limit: at most `max` messages in any sliding window of
//! `per_secs` seconds. Pure: the caller passes the time.
//!
//! Memory is bounded: a sender keeps at most `max` timestamps, senders whose
//! window has run out are dropped, and beyond `max_senders` the longest idle
//! are dropped first (they may then send a full window's worth again, which
//! only matters under a flood of distinct senders).

use crate::message::Timestamp;
use std::collections::{HashMap, VecDeque};

/// How many senders are tracked before idle ones are evicted.
pub const DEFAULT_MAX_SENDERS: usize = 10_000;

/// The sender has used up the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many messages from this sender; try again in {retry_after_secs} s")]
pub struct RateLimited {
    /// Seconds until the oldest message in the window leaves it (at least 1).
    pub retry_after_secs: u64,
}

#[derive(Debug, Clone)]
pub struct RateLimiter {
    max: u32,
    window_ms: u64,
    max_senders: usize,
    /// Sender (lower case) to the times of its messages in the window, oldest first.
    senders: HashMap<String, VecDeque<u64>>,
}

impl RateLimiter {
    /// `max` messages per `per_secs` seconds and sender. `max == 0` refuses
    /// everything; `per_secs == 0` limits nothing.
    pub fn new(max: u32, per_secs: u64) -> Self {
        RateLimiter {
            max,
            window_ms: per_secs.saturating_mul(1000),
            max_senders: DEFAULT_MAX_SENDERS,
            senders: HashMap::new(),
        }
    }

    pub fn with_max_senders(mut self, max_senders: usize) -> Self {
        self.max_senders = max_senders.max(1);
        self
    }

    /// Counts one message from `sender` at `now`, or says how long to wait.
    /// A refused message is not counted. Senders compare case-insensitively.
    pub fn check_and_record(&mut self, sender: &str, now: Timestamp) -> Result<(), RateLimited> {
        let key = sender.trim().to_ascii_lowercase();
        let window = self.window_ms;
        let times = self.senders.entry(key).or_default();
        expire(times, window, now);
        if times.len() >= self.max as usize {
            let oldest = times.front().copied().unwrap_or(now.0);
            let wait_ms = oldest.saturating_add(window).saturating_sub(now.0);
            return Err(RateLimited {
                retry_after_secs: wait_ms.div_ceil(1000).max(1),
            });
        }
        if window > 0 {
            times.push_back(now.0);
        }
        if self.senders.len() > self.max_senders {
            self.evict(now);
        }
        Ok(())
    }

    /// New limits (a configuration reload); the messages counted so far
    /// stay counted, so a reload does not hand everyone a fresh allowance.
    pub fn set_limits(&mut self, max: u32, per_secs: u64) {
        self.max = max;
        self.window_ms = per_secs.saturating_mul(1000);
    }

    /// Messages from `sender` still inside the window at `now`.
    pub fn in_window(&self, sender: &str, now: Timestamp) -> usize {
        let key = sender.trim().to_ascii_lowercase();
        self.senders.get(&key).map_or(0, |times| {
            times
                .iter()
                .filter(|&&t| t.saturating_add(self.window_ms) > now.0)
                .count()
        })
    }

    /// How many senders are tracked.
    pub fn tracked_senders(&self) -> usize {
        self.senders.len()
    }

    /// Drops senders with nothing left in the window; call it now and then
    /// (it also runs by itself when `max_senders` is exceeded).
    pub fn evict_idle(&mut self, now: Timestamp) {
        let window = self.window_ms;
        self.senders.retain(|_, times| {
            expire(times, window, now);
            !times.is_empty()
        });
    }

    /// Evicts idle senders, then the longest idle ones down to 90 % of
    /// `max_senders`, so that a flood does not sweep on every message.
    fn evict(&mut self, now: Timestamp) {
        self.evict_idle(now);
        let target = self.max_senders - self.max_senders / 10;
        if self.senders.len() <= target {
            return;
        }
        let mut by_last: Vec<(u64, String)> = self
            .senders
            .iter()
            .map(|(k, times)| (times.back().copied().unwrap_or(0), k.clone()))
            .collect();
        by_last.sort_unstable();
        let excess = self.senders.len() - target;
        for (_, key) in by_last.into_iter().take(excess) {
            self.senders.remove(&key);
        }
    }
}

fn expire(times: &mut VecDeque<u64>, window_ms: u64, now: Timestamp) {
    while times
        .front()
        .is_some_and(|&t| t.saturating_add(window_ms) <= now.0)
    {
        times.pop_front();
    }
}
