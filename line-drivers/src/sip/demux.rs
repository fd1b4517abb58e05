//! The Call-ID table of a trunk: which channel (or the trunk itself) gets
//! each SIP message (sans-IO: the time comes in). A lone
//! [`SipLine`](super::SipLine) is a trunk of one channel. See
//! [`super::trunk`] for the routing rules.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long a Call-ID stays with its channel after its last message, once
/// the channel no longer carries it (64·T1: the longest a transaction of
/// the call can still retransmit).
const OWNER_LINGER: Duration = Duration::from_secs(32);

/// At most this many Call-IDs in the table for INVITEs the trunk refused.
const MAX_REFUSED_TRACKED: usize = 4096;

/// Who handles the messages of a Call-ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// The trunk's own endpoint (a busy answer, a stray request).
    Trunk,
    /// Channel `i`.
    Channel(usize),
}

/// The Call-ID table of a trunk: who gets each message (sans-IO: the
/// time comes in). A lone [`SipLine`] is a trunk of one channel.
#[derive(Debug)]
pub(crate) struct Demux {
    owners: HashMap<String, (Owner, Instant)>,
    channels: usize,
    last_gc: Option<Instant>,
}

impl Demux {
    pub(crate) fn new(channels: usize) -> Demux {
        Demux {
            owners: HashMap::new(),
            channels,
            last_gc: None,
        }
    }

    /// Who gets a message of `call_id`. `new_invite`: an INVITE without To
    /// tag. `idle(i)`: channel `i` has no call; `taken`: channels given a
    /// new INVITE since their state was read (the same batch); `closed`:
    /// the trunk takes no new calls.
    pub(crate) fn route(
        &mut self,
        call_id: &str,
        new_invite: bool,
        now: Instant,
        idle: &dyn Fn(usize) -> bool,
        taken: &[usize],
        closed: bool,
    ) -> Owner {
        if let Some((owner, last)) = self.owners.get_mut(call_id) {
            *last = now;
            return *owner;
        }
        if !new_invite {
            return Owner::Trunk;
        }
        let free = (0..self.channels).find(|i| idle(*i) && !taken.contains(i));
        let owner = match free {
            Some(i) if !closed => Owner::Channel(i),
            _ => Owner::Trunk,
        };
        // A flood of INVITEs refused busy cannot grow the table without
        // bound (their retransmissions are then looked at afresh).
        if owner != Owner::Trunk || self.owners.len() < MAX_REFUSED_TRACKED {
            self.owners.insert(call_id.to_string(), (owner, now));
        }
        owner
    }

    /// Channel `channel` owns `call_id` (it sent an INVITE with it, or it
    /// carries that call now): refreshed every tick of a call.
    pub(crate) fn claim(&mut self, call_id: &str, channel: usize, now: Instant) {
        match self.owners.get_mut(call_id) {
            Some(e) => *e = (Owner::Channel(channel), now),
            None => {
                self.owners
                    .insert(call_id.to_string(), (Owner::Channel(channel), now));
            }
        }
    }

    /// Forgets Call-IDs without a message or claim for `OWNER_LINGER`
    /// (looked at once a second).
    pub(crate) fn expire(&mut self, now: Instant) {
        if self
            .last_gc
            .is_some_and(|t| now.saturating_duration_since(t) < Duration::from_secs(1))
        {
            return;
        }
        self.last_gc = Some(now);
        self.owners
            .retain(|_, (_, last)| now.saturating_duration_since(*last) < OWNER_LINGER);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_kit::origin;

    #[test]
    fn new_invites_take_free_channels_and_keep_them() {
        let t = origin();
        let mut d = Demux::new(2);
        let all_idle = |_: usize| true;
        // Two INVITEs in one batch: two channels, though both read idle.
        assert_eq!(
            d.route("a", true, t, &all_idle, &[], false),
            Owner::Channel(0)
        );
        assert_eq!(
            d.route("b", true, t, &all_idle, &[0], false),
            Owner::Channel(1)
        );
        // A third finds none: the trunk answers it (busy) ...
        assert_eq!(
            d.route("c", true, t, &all_idle, &[0, 1], false),
            Owner::Trunk
        );
        // ... and keeps its retransmissions and ACK, even with a free
        // channel now.
        assert_eq!(d.route("c", true, t, &all_idle, &[], false), Owner::Trunk);
        assert_eq!(d.route("c", false, t, &all_idle, &[], false), Owner::Trunk);
        // Every later message of a call goes to its channel.
        let none_idle = |_: usize| false;
        assert_eq!(
            d.route("b", false, t, &none_idle, &[], false),
            Owner::Channel(1)
        );
        assert_eq!(
            d.route("a", true, t, &none_idle, &[], false),
            Owner::Channel(0)
        );
        // An in-dialog request nobody knows, or an INVITE while closed
        // (a retired trunk): the trunk's.
        assert_eq!(d.route("x", false, t, &all_idle, &[], false), Owner::Trunk);
        assert_eq!(d.route("y", true, t, &all_idle, &[], true), Owner::Trunk);
        // Only idle channels are given a new call.
        assert_eq!(
            d.route("z", true, t, &|i| i == 1, &[], false),
            Owner::Channel(1)
        );
    }

    #[test]
    fn call_ids_are_forgotten_after_the_linger_unless_claimed() {
        let t = origin();
        let mut d = Demux::new(2);
        let idle = |_: usize| true;
        assert_eq!(d.route("in", true, t, &idle, &[], false), Owner::Channel(0));
        d.claim("out", 1, t);
        d.expire(t);
        // A long call: claimed every tick, kept past the linger.
        let mut now = t;
        for _ in 0..40 {
            now += Duration::from_secs(1);
            d.claim("out", 1, now);
            d.expire(now);
        }
        assert_eq!(
            d.route("out", false, now, &idle, &[], false),
            Owner::Channel(1)
        );
        // "in" had no message for 40 s: forgotten; a stray BYE of it is
        // the trunk's (481).
        assert_eq!(d.route("in", false, now, &idle, &[], false), Owner::Trunk);
    }

    #[test]
    fn refused_invites_are_tracked_up_to_a_bound() {
        let t = origin();
        let mut d = Demux::new(1);
        let busy = |_: usize| false;
        for i in 0..MAX_REFUSED_TRACKED + 100 {
            assert_eq!(
                d.route(&format!("f{i}"), true, t, &busy, &[], false),
                Owner::Trunk
            );
        }
        assert_eq!(d.owners.len(), MAX_REFUSED_TRACKED);
        // A call a channel owns is always tracked.
        assert_eq!(
            d.route("ok", true, t, &|_| true, &[], false),
            Owner::Channel(0)
        );
        assert_eq!(
            d.route("ok", false, t, &busy, &[], false),
            Owner::Channel(0)
        );
    }
}
