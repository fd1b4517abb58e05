//! The flow to the trunk over a connection (TCP or TLS): CRLF keep-alive
//! (RFC 5626 §4.4.1) and reconnecting with backoff. Sans-IO: the trunk
//! tells it what the connection did (a pong, a message, the connection
//! lost) and asks it what to do at `now`.
//!
//! Every `every` we send a double CRLF ("ping") on the connection; the
//! peer answers with a single CRLF ("pong"). No pong within `pong_within`
//! (RFC 5626: 10 s) and the connection is dead: the trunk closes it.
//! Whenever the connection to the trunk is lost, the flow is down and
//! asks to reconnect: at once after a connection that worked, then after
//! `backoff`, doubling up to `max_backoff` while attempts fail. A trunk
//! that registers reconnects by registering again (the REGISTER opens the
//! new connection, and the binding then names it); one that does not
//! reconnects with a ping.

use std::time::{Duration, Instant};

/// CRLF keep-alive settings of a connection-oriented trunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrlfKeepAlive {
    /// Time between pings.
    pub every: Duration,
    /// How long a pong may take before the connection counts as dead.
    pub pong_within: Duration,
    /// The first wait before reconnecting after a failed attempt.
    pub backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
}

impl Default for CrlfKeepAlive {
    /// RFC 5626 §4.4.1's figures: a ping every 2 minutes (within its
    /// 95-120 s for connection-oriented transports, rounded), 10 s for the
    /// pong; reconnecting after 1 s, at most every 5 minutes.
    fn default() -> Self {
        CrlfKeepAlive {
            every: Duration::from_secs(120),
            pong_within: Duration::from_secs(10),
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
        }
    }
}

/// What the flow wants done now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowAction {
    /// Send a ping on the connection.
    Ping,
    /// No pong came: close the connection (it is reported lost).
    Dead,
    /// Open the connection again (register again, or ping).
    Reconnect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Connected (or connecting): the next ping, and the pong awaited.
    Up {
        next_ping: Instant,
        pong_by: Option<Instant>,
    },
    /// Lost: reconnect at `retry_at`.
    Down { retry_at: Instant },
}

/// The flow to one trunk (see the module documentation).
#[derive(Debug)]
pub(crate) struct Flow {
    cfg: CrlfKeepAlive,
    /// Pings are sent (None: only reconnecting).
    pings: bool,
    state: State,
    /// Reconnect attempts that failed in a row.
    failures: u32,
    /// The peer answered (a message or a pong) on this connection: a loss
    /// after that reconnects at once, one before it backs off (a provider
    /// that takes the handshake and then drops us is not hammered).
    carried: bool,
    /// Reconnects so far (each after a lost connection).
    pub(crate) reconnects: u64,
    /// Pongs seen.
    pub(crate) pongs: u64,
}

impl Flow {
    /// A flow that pings if `keepalive` is set (the backoff is the
    /// default's otherwise).
    pub(crate) fn new(keepalive: Option<CrlfKeepAlive>, now: Instant) -> Flow {
        let cfg = keepalive.unwrap_or_default();
        Flow {
            cfg,
            pings: keepalive.is_some(),
            state: State::Up {
                next_ping: now + cfg.every,
                pong_by: None,
            },
            failures: 0,
            carried: false,
            reconnects: 0,
            pongs: 0,
        }
    }

    /// Whether the connection is thought up.
    #[cfg(test)]
    pub(crate) fn is_up(&self) -> bool {
        matches!(self.state, State::Up { .. })
    }

    /// The peer answered a ping.
    pub(crate) fn pong(&mut self, now: Instant) {
        self.pongs += 1;
        self.alive(now);
    }

    /// Something arrived from the peer on the connection: it works.
    pub(crate) fn alive(&mut self, now: Instant) {
        self.failures = 0;
        self.carried = true;
        match &mut self.state {
            State::Up { pong_by, .. } => *pong_by = None,
            State::Down { .. } => {
                self.state = State::Up {
                    next_ping: now + self.cfg.every,
                    pong_by: None,
                }
            }
        }
    }

    /// The connection to the trunk was lost.
    pub(crate) fn lost(&mut self, now: Instant) {
        if std::mem::take(&mut self.carried) {
            self.failures = 0;
        }
        let wait = match self.failures {
            0 => Duration::ZERO,
            n => (self.cfg.backoff * (1u32 << (n - 1).min(16))).min(self.cfg.max_backoff),
        };
        self.failures += 1;
        self.state = State::Down {
            retry_at: now + wait,
        };
    }

    /// The next instant [`Flow::poll`] has something to do.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Up {
                pong_by: Some(t), ..
            } => Some(t),
            State::Up { next_ping, .. } => self.pings.then_some(next_ping),
            State::Down { retry_at } => Some(retry_at),
        }
    }

    /// What to do at `now`.
    pub(crate) fn poll(&mut self, now: Instant) -> Option<FlowAction> {
        match &mut self.state {
            State::Up {
                next_ping,
                pong_by: pong_by @ Some(_),
            } if pong_by.is_some_and(|t| t <= now) => {
                // Once: the loss the close reports moves the flow on.
                *pong_by = None;
                *next_ping = now + self.cfg.every;
                Some(FlowAction::Dead)
            }
            State::Up {
                next_ping,
                pong_by: pong_by @ None,
            } if self.pings && *next_ping <= now => {
                *next_ping = now + self.cfg.every;
                *pong_by = Some(now + self.cfg.pong_within);
                Some(FlowAction::Ping)
            }
            State::Down { retry_at } if *retry_at <= now => {
                self.reconnects += 1;
                self.state = State::Up {
                    next_ping: now + self.cfg.every,
                    pong_by: None,
                };
                Some(FlowAction::Reconnect)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> CrlfKeepAlive {
        CrlfKeepAlive {
            every: Duration::from_secs(30),
            pong_within: Duration::from_secs(10),
            backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(10),
        }
    }

    #[test]
    fn pings_every_period_and_a_missing_pong_is_a_dead_connection() {
        let t0 = test_kit::origin();
        let mut f = Flow::new(Some(cfg()), t0);
        assert_eq!(f.poll(t0 + Duration::from_secs(29)), None);
        let t1 = t0 + Duration::from_secs(30);
        assert_eq!(f.poll(t1), Some(FlowAction::Ping));
        assert_eq!(f.poll(t1), None, "one ping until the pong");
        f.pong(t1 + Duration::from_secs(1));
        assert_eq!(f.poll_timeout(), Some(t1 + Duration::from_secs(30)));
        let t2 = t1 + Duration::from_secs(30);
        assert_eq!(f.poll(t2), Some(FlowAction::Ping));
        assert_eq!(f.poll(t2 + Duration::from_millis(9_999)), None);
        assert_eq!(f.poll(t2 + Duration::from_secs(10)), Some(FlowAction::Dead));
        assert_eq!(f.poll(t2 + Duration::from_secs(10)), None, "dead once");
    }

    #[test]
    fn reconnects_at_once_after_a_working_connection_then_backs_off_doubling() {
        let t0 = test_kit::origin();
        let mut f = Flow::new(Some(cfg()), t0);
        f.alive(t0);
        f.lost(t0);
        assert!(!f.is_up());
        assert_eq!(f.poll(t0), Some(FlowAction::Reconnect));
        // Each failed attempt waits longer: 2, 4, 8, then the cap of 10 s.
        let mut now = t0;
        for wait in [2, 4, 8, 10, 10] {
            f.lost(now);
            let due = now + Duration::from_secs(wait);
            assert_eq!(f.poll_timeout(), Some(due));
            assert_eq!(f.poll(due - Duration::from_millis(1)), None);
            assert_eq!(f.poll(due), Some(FlowAction::Reconnect));
            now = due;
        }
        assert_eq!(f.reconnects, 6);
        // A connection that carried something resets the backoff.
        f.alive(now);
        f.lost(now);
        assert_eq!(f.poll(now), Some(FlowAction::Reconnect));
    }

    #[test]
    fn without_keepalive_only_reconnects() {
        let t0 = test_kit::origin();
        let mut f = Flow::new(None, t0);
        assert_eq!(f.poll_timeout(), None);
        assert_eq!(f.poll(t0 + Duration::from_secs(3600)), None);
        f.alive(t0);
        f.lost(t0);
        assert_eq!(f.poll(t0), Some(FlowAction::Reconnect));
    }

    #[test]
    fn a_connection_dropped_before_the_peer_answered_backs_off() {
        let t0 = test_kit::origin();
        let mut f = Flow::new(None, t0);
        f.lost(t0);
        assert_eq!(f.poll(t0), Some(FlowAction::Reconnect), "the first at once");
        f.lost(t0);
        assert_eq!(f.poll(t0), None, "then with backoff");
        assert_eq!(
            f.poll(t0 + Duration::from_secs(1)),
            Some(FlowAction::Reconnect)
        );
    }
}
