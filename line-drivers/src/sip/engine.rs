//! The SIP line as an engine without sockets: datagrams, stream bytes
//! and `now` in, datagrams and stream bytes out, and when it next wants to
//! run.
//!
//! [`SipLine::engine`] and [`SipTrunk::engine`] make a line or trunk whose
//! signalling and media go through this interface instead of sockets (the
//! shell: [`super::transport`] and [`super::sockets`] in a real run). The
//! protocol code is the same in both: a message that came off a socket and
//! one that came through [`SimNode::handle_datagram`] or
//! [`SimNode::handle_stream`] meet in the trunk's inbox (routed by Call-ID
//! at the next tick) or in the channel's RTP and UDPTL receivers. Over TCP
//! (and TLS, as its plaintext) the connections are the shell's table
//! ([`super::stream::Conns`]: framing, CRLF keep-alive, write queues) with
//! [`streams::SimStreams`] moving the bytes. The simulated network
//! ([`crate::sim_net`]) carries them between engines on simulated time.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Instant;

use fax_t30::media::FRAME_DURATION;

use super::media::MediaState;
use super::sockets::MediaIo;
use super::trunk::TrunkShared;
use super::{driver_err, SipLine, SipLineConfig, SipTrunk};
use crate::error::LineError;
use crate::sim_net::{SimNode, StreamEvent, StreamOut, Transmit};

mod streams;
pub(crate) use streams::SimStreams;

/// Which of a channel's ports a datagram came to.
enum Port {
    Rtp,
    Udptl,
}

impl SipLine {
    /// A lone line without sockets: the engine alone, for the simulated
    /// network ([`crate::sim_net`]). What it sends waits in its outbox
    /// ([`SimNode::poll_transmit`]); what arrives for its addresses
    /// (`sip_bind`, and the RTP and UDPTL ports on its IP) goes in through
    /// [`SimNode::handle_datagram`]; over TCP or TLS its signalling goes
    /// through [`SimNode::handle_stream`] and [`SimNode::poll_stream`].
    pub fn engine(cfg: SipLineConfig, now: Instant) -> Result<SipLine, LineError> {
        let shared = Rc::new(RefCell::new(TrunkShared::engine(&cfg, now)?));
        let io = shared.borrow().media_engine(&cfg);
        Ok(SipLine::channel(cfg, 0, shared, true, Ok(io), now))
    }

    /// The channel's port at `addr`, if it is one of its media addresses.
    fn media_port(&self, addr: SocketAddr) -> Option<Port> {
        match &self.socks {
            Some(MediaIo::Engine { rtp, t38, .. }) => {
                if *rtp == addr {
                    Some(Port::Rtp)
                } else if *t38 == addr {
                    Some(Port::Udptl)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// A media datagram for this channel (the engine alone).
    fn handle_media_datagram(&mut self, port: Port, from: SocketAddr, bytes: &[u8], now: Instant) {
        self.last_now = now;
        match port {
            Port::Rtp => self.receive_rtp(from, bytes, now),
            Port::Udptl => self.receive_udptl(from, bytes, now),
        }
    }

    /// When the channel next wants its tick: the next 20 ms frame while it
    /// has media, else its transactions' and T.38 switch's timers (None:
    /// nothing pending).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut at = self.endpoint.poll_timeout();
        let mut earliest = |t: Option<Instant>| {
            if let Some(t) = t {
                at = Some(at.map_or(t, |a| a.min(t)));
            }
        };
        if let Some(c) = &self.call {
            earliest(c.switch.poll_timeout());
            earliest(c.glare_retry.map(|(t, _)| t));
            earliest(Some(
                self.claimed_at
                    .map_or(self.last_now, |t| t + super::CLAIM_REFRESH),
            ));
            if !matches!(c.media, MediaState::None) {
                earliest(Some(self.last_now + FRAME_DURATION));
            }
        }
        if self.drives_trunk {
            earliest(self.trunk.borrow().poll_timeout());
        }
        at
    }
}

impl SimNode for SipLine {
    fn owns(&self, addr: SocketAddr) -> bool {
        (self.drives_trunk && (addr == self.cfg.sip_bind || self.trunk.borrow().owns_stream(addr)))
            || self.media_port(addr).is_some()
    }

    fn handle_datagram(&mut self, to: SocketAddr, from: SocketAddr, bytes: &[u8], now: Instant) {
        if self.drives_trunk && to == self.cfg.sip_bind {
            self.trunk.borrow_mut().handle_sip_datagram(from, bytes);
        } else if let Some(port) = self.media_port(to) {
            self.handle_media_datagram(port, from, bytes, now);
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.trunk.borrow().poll_transmit()
    }

    fn handle_stream(&mut self, ev: StreamEvent, _now: Instant) {
        if self.drives_trunk {
            self.trunk.borrow_mut().handle_stream(ev);
        }
    }

    fn poll_stream(&mut self) -> Option<StreamOut> {
        if !self.drives_trunk {
            return None;
        }
        self.trunk.borrow_mut().poll_stream()
    }
}

impl SipTrunk {
    /// A trunk without sockets: the engine alone, for the simulated
    /// network ([`crate::sim_net`]; signalling over UDP, TCP or TLS's
    /// plaintext). Channel `i`'s media addresses are the ports
    /// [`SipTrunk::bind`] would bind.
    pub fn engine(
        cfg: SipLineConfig,
        channels: usize,
        now: Instant,
    ) -> Result<SipTrunk, LineError> {
        if channels == 0 {
            return Err(driver_err("a trunk needs at least one channel"));
        }
        let shared = TrunkShared::engine(&cfg, now)?;
        let outbox = Rc::clone(&shared.outbox);
        SipTrunk::with_channels(shared, cfg, channels, now, &|c| {
            let ip = c.sip_bind.ip();
            Ok(MediaIo::Engine {
                rtp: SocketAddr::new(ip, c.rtp_port),
                t38: SocketAddr::new(ip, c.t38_port),
                out: Rc::clone(&outbox),
            })
        })
    }

    /// When the trunk next wants its tick (see [`SipLine::poll_timeout`]).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let trunk = self.shared.borrow().poll_timeout();
        self.channels
            .iter()
            .filter_map(|c| c.with(|l| l.poll_timeout()))
            .chain(trunk)
            .min()
    }
}

impl SimNode for SipTrunk {
    fn owns(&self, addr: SocketAddr) -> bool {
        addr == self.shared.borrow().cfg.sip_bind
            || self.shared.borrow().owns_stream(addr)
            || self
                .channels
                .iter()
                .any(|c| c.with(|l| l.media_port(addr).is_some()))
    }

    fn handle_datagram(&mut self, to: SocketAddr, from: SocketAddr, bytes: &[u8], now: Instant) {
        if to == self.shared.borrow().cfg.sip_bind {
            self.shared.borrow_mut().handle_sip_datagram(from, bytes);
            return;
        }
        for c in &self.channels {
            let done = c.with(|l| match l.media_port(to) {
                Some(port) => {
                    l.handle_media_datagram(port, from, bytes, now);
                    true
                }
                None => false,
            });
            if done {
                return;
            }
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.shared.borrow().poll_transmit()
    }

    fn handle_stream(&mut self, ev: StreamEvent, _now: Instant) {
        self.shared.borrow_mut().handle_stream(ev);
    }

    fn poll_stream(&mut self) -> Option<StreamOut> {
        self.shared.borrow_mut().poll_stream()
    }
}

impl SimNode for super::SharedSipLine {
    fn owns(&self, addr: SocketAddr) -> bool {
        self.with(|l| l.owns(addr))
    }

    fn handle_datagram(&mut self, to: SocketAddr, from: SocketAddr, bytes: &[u8], now: Instant) {
        self.with(|l| l.handle_datagram(to, from, bytes, now))
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.with(|l| l.poll_transmit())
    }

    fn handle_stream(&mut self, ev: StreamEvent, now: Instant) {
        self.with(|l| l.handle_stream(ev, now))
    }

    fn poll_stream(&mut self) -> Option<StreamOut> {
        self.with(|l| l.poll_stream())
    }
}
