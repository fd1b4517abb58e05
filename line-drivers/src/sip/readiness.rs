//! Which of a trunk's UDP sockets have something to read, asked once per
//! tick (one `epoll_wait` for the trunk's SIP socket and every channel's
//! RTP and UDPTL sockets) instead of one `recvfrom` per socket that mostly
//! answers "nothing" (issue 12: a G.711 call's UDPTL socket and the SIP
//! socket are idle nearly every tick, and the RTP socket has one datagram).
//!
//! Level-triggered: a socket left with datagrams (the per-tick limit) is
//! ready again at the next tick. If the poller cannot be made or fails,
//! every socket counts as ready (the reads then find out, as before).

use std::os::fd::AsFd;

use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};

/// The token of the trunk's SIP socket.
pub(crate) const SIP: u64 = 0;

/// The tokens of channel `i`'s RTP and UDPTL sockets.
pub(crate) fn media_tokens(i: usize) -> (u64, u64) {
    (1 + 2 * i as u64, 2 + 2 * i as u64)
}

pub(crate) struct Readiness {
    epoll: Option<Epoll>,
    events: Vec<EpollEvent>,
    /// Ready at the last poll, by token.
    ready: Vec<bool>,
    /// Every socket counts as ready (no poller, or it failed).
    all: bool,
}

impl Readiness {
    pub(crate) fn new() -> Readiness {
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).ok();
        Readiness {
            all: epoll.is_none(),
            epoll,
            events: vec![EpollEvent::empty(); 64],
            ready: Vec::new(),
        }
    }

    /// Watches `fd` for input under `token`.
    pub(crate) fn add(&mut self, fd: impl AsFd, token: u64) {
        let ok = self.epoll.as_ref().is_some_and(|e| {
            e.add(fd, EpollEvent::new(EpollFlags::EPOLLIN, token))
                .is_ok()
        });
        if !ok {
            self.all = true;
        }
        let need = token as usize + 1;
        if self.ready.len() < need {
            self.ready.resize(need, false);
            let want = self.ready.len().min(4096);
            if self.events.len() < want {
                self.events.resize(want, EpollEvent::empty());
            }
        }
    }

    /// Asks which sockets are readable now (does not wait).
    pub(crate) fn poll(&mut self) {
        let Some(epoll) = self.epoll.as_ref() else {
            return;
        };
        self.ready.fill(false);
        loop {
            match epoll.wait(&mut self.events, EpollTimeout::ZERO) {
                Ok(n) => {
                    for e in &self.events[..n] {
                        if let Some(r) = self.ready.get_mut(e.data() as usize) {
                            *r = true;
                        }
                    }
                    // A full batch: more may be ready.
                    if n < self.events.len() {
                        return;
                    }
                    // Level-triggered: the same ones would come again;
                    // read everything this tick instead.
                    self.ready.fill(true);
                    return;
                }
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => {
                    self.all = true;
                    return;
                }
            }
        }
    }

    /// Whether the socket of `token` had something to read at the poll.
    pub(crate) fn is_ready(&self, token: u64) -> bool {
        self.all || self.ready.get(token as usize).copied().unwrap_or(true)
    }
}
