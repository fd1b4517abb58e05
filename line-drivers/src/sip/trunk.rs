//! One SIP trunk with N channels: the signalling address is the trunk's,
//! the calls are the channels'.
//!
//! A provider or a PBX sends every INVITE of a trunk to one address. The
//! trunk owns that address (one UDP socket, or one TCP listener and its
//! connections), the registration (REGISTER with digest, once per trunk),
//! the OPTIONS keep-alive, the hold-down after a trunk failure and the
//! T.38 memory. Each channel ([`SipLine`]) owns its calls' dialogs and
//! transactions (its own [`Endpoint`]) and its RTP/UDPTL ports, and is one
//! [`Line`](crate::line::Line) for the kernel's scheduler.
//!
//! Demultiplexing, in `TrunkShared::receive_routed` with the Call-ID table
//! of [`super::demux`]: a message whose
//! Call-ID a channel owns (it sent the INVITE, or took the incoming one) goes
//! to that channel; a new INVITE (no To tag) goes to the first idle
//! channel; with every channel busy the trunk answers it `486 Busy Here`
//! itself (`503` while the trunk is being retired by a reload). Everything
//! else (responses to REGISTER/OPTIONS, OPTIONS from the peer, a BYE for a
//! dialog nobody has) is the trunk's own endpoint's.
//!
//! Ports: channel `i` (from 0) takes RTP on `rtp_port + 4 i` and UDPTL on
//! `t38_port + 4 i` (so `[first, first + 4 N - 1]` for N channels: RTP,
//! RTCP, UDPTL and a spare per channel).
//!
//! Sans-IO as the rest of the line: time comes in through `tick(now)`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;
use std::time::{Duration, Instant};

use sip::dialog::{new_request, KeepAlive, LocalParty};
use sip::endpoint::{Endpoint, EndpointEvent, Output, TxId};
use sip::register::{RegEvent, Registration};
use sip::sdp::t38::{FaxTransport, TransportMemory};
use sip::transaction::TimerConfig;
use sip::wire::{self, IdGen};
use sip::{Request, SipMessage};

use super::demux::{Demux, Owner};
use super::nat::TrunkNat;
use super::readiness::{self, Readiness};
use super::sockets::{MediaIo, MediaSockets, Outbox};
use super::tls::TlsContext;
use super::transport::{Arrived, SipSocket};
use super::{
    addr, driver_err, io_err, ChannelFault, SharedSipLine, SipLine, SipLineConfig, SipTransport,
};
use crate::error::LineError;
use crate::line::LineId;

mod link;
mod sim;

/// Keep-alives missed in a row that take a trunk out of service.
pub(crate) const KEEPALIVE_MISSES: u32 = 3;

/// Numbers a trunk remembers the fax transport of.
const MEMORY_NUMBERS: usize = 10_000;

/// The T.38 memory persisted at `path` (empty if there is no file yet).
/// Unreadable lines are skipped; an unreadable file is an error.
fn load_memory(path: Option<&std::path::Path>) -> Result<TransportMemory, LineError> {
    let Some(path) = path else {
        return Ok(TransportMemory::new(MEMORY_NUMBERS));
    };
    match std::fs::read(path) {
        Ok(bytes) => {
            let (m, _bad) =
                TransportMemory::from_text(&String::from_utf8_lossy(&bytes), MEMORY_NUMBERS);
            Ok(m)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(TransportMemory::new(MEMORY_NUMBERS))
        }
        Err(e) => Err(io_err(&format!("T.38 memory {}", path.display()), e)),
    }
}

/// Writes the memory next to `path` and renames it over (a crash leaves
/// the old file or the new one, never half of one).
fn save_memory(path: &std::path::Path, m: &TransportMemory) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, m.to_text())?;
    std::fs::rename(&tmp, path)
}

/// Counters of the trunk (shared by its channels).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrunkStats {
    /// OPTIONS keep-alives the trunk answered (any final response).
    pub keepalives_answered: u64,
    /// SIP messages we could not read.
    pub sip_malformed: u64,
    /// New INVITEs answered 486/503 because every channel was busy (or the
    /// trunk was being retired).
    pub busy_refused: u64,
    /// Requests handed to a channel by Call-ID.
    pub routed: u64,
}

/// The part of a trunk its channels share: signalling transport, trunk
/// endpoint, registration, keep-alive, hold-down, T.38 memory, the Call-ID
/// table.
pub(crate) struct TrunkShared {
    pub(crate) cfg: SipLineConfig,
    /// The signalling socket(s) (None: the engine alone, see
    /// [`SipTrunk::engine`]).
    sock: Option<SipSocket>,
    /// Messages that arrived and wait for the next tick's routing.
    inbox: VecDeque<Arrived>,
    /// What the engine alone sent (signalling and its channels' media).
    pub(crate) outbox: Outbox,
    pub(crate) peer: SocketAddr,
    pub(crate) local: LocalParty,
    endpoint: Endpoint,
    ids: IdGen,
    pub(crate) registration: Option<Registration>,
    pub(crate) reg_tx: Option<TxId>,
    reg_event: Option<RegEvent>,
    keepalive: Option<KeepAlive>,
    pub(crate) ka_tx: Option<TxId>,
    /// NAT: public address, CRLF keep-alive (`super::nat`).
    pub(crate) nat: TrunkNat,
    /// A call failed as a trunk failure: no new calls before this.
    pub(crate) down_until: Option<Instant>,
    pub(crate) memory: TransportMemory,
    demux: Demux,
    /// Being removed (a reload): no new calls, in or out.
    retiring: bool,
    pub(crate) stats: TrunkStats,
    buf: Vec<u8>,
    last_now: Instant,
    /// Which of the trunk's UDP sockets have something to read this tick.
    readiness: Readiness,
    /// TCP/TLS: keep-alive, reconnect, lost connections ([`link`]).
    link: link::Link,
}

impl TrunkShared {
    pub(crate) fn bind(cfg: &SipLineConfig, now: Instant) -> Result<TrunkShared, LineError> {
        let hop = cfg.trunk.next_hop().to_string();
        let tls = match cfg.transport {
            SipTransport::Tls => {
                // The host of `host[:port]` (an IPv6 address in brackets).
                let host = match hop.rsplit_once(':') {
                    Some((h, p)) if p.parse::<u16>().is_ok() && !h.is_empty() => h,
                    _ => hop.as_str(),
                };
                let host = host.trim_start_matches('[').trim_end_matches(']');
                Some(TlsContext::new(&cfg.tls, host).map_err(|e| driver_err(format!("TLS: {e}")))?)
            }
            _ => None,
        };
        let sock = SipSocket::bind(cfg.transport, cfg.sip_bind, tls)
            .map_err(|e| io_err("SIP socket", e))?;
        TrunkShared::new(cfg, now, Some(sock))
    }

    fn new(
        cfg: &SipLineConfig,
        now: Instant,
        sock: Option<SipSocket>,
    ) -> Result<TrunkShared, LineError> {
        let hop = cfg.trunk.next_hop().to_string();
        let peer = hop
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            // Without a port: 5060, or 5061 for TLS (RFC 3261 §19.1.2).
            .or_else(|| {
                addr(
                    &hop,
                    if cfg.transport == SipTransport::Tls {
                        5061
                    } else {
                        5060
                    },
                )
            })
            .ok_or_else(|| driver_err(format!("trunk address {hop} does not resolve")))?;
        let nat = TrunkNat::new(cfg, now);
        let local = LocalParty {
            // TLS: `alias` (RFC 5923) lets the peer send its requests to us
            // over the connection we opened.
            via_sent_by: match cfg.transport {
                SipTransport::Tls => format!("{};alias", cfg.sip_bind),
                _ => cfg.sip_bind.to_string(),
            },
            transport: cfg.transport.via().into(),
            contact: TrunkNat::contact(cfg, nat.public.contact()),
        };
        let registration = cfg.trunk.registration(&local).map(|rc| {
            let mut r = Registration::new(rc, IdGen::new(cfg.seed ^ 0x5245_4749));
            r.start(now);
            r
        });
        let keepalive = cfg
            .keepalive
            .map(|every| KeepAlive::new(every, KEEPALIVE_MISSES, now));
        let mut ready = Readiness::new();
        if let Some(udp) = sock.as_ref().and_then(SipSocket::udp) {
            ready.add(udp, readiness::SIP);
        }
        Ok(TrunkShared {
            endpoint: Endpoint::new(cfg.transport.is_reliable(), TimerConfig::default()),
            ids: IdGen::new(cfg.seed ^ 0x7472_756e_6b00),
            cfg: cfg.clone(),
            sock,
            inbox: VecDeque::new(),
            outbox: Outbox::default(),
            peer,
            local,
            registration,
            reg_tx: None,
            reg_event: None,
            keepalive,
            ka_tx: None,
            nat,
            down_until: None,
            memory: load_memory(cfg.t38_memory_file.as_deref())?,
            demux: Demux::new(1),
            retiring: false,
            stats: TrunkStats::default(),
            buf: vec![0; 65_536],
            last_now: now,
            readiness: ready,
            link: link::Link::new(cfg.transport == SipTransport::Tls, cfg.crlf_keepalive, now),
        })
    }

    /// Asks once which sockets have something to read (start of a tick).
    pub(crate) fn poll_ready(&mut self) {
        self.readiness.poll();
    }

    /// Watches channel `i`'s media sockets.
    pub(crate) fn register_media(&mut self, i: usize, socks: &MediaSockets) {
        let (rtp, t38) = readiness::media_tokens(i);
        self.readiness.add(&socks.rtp, rtp);
        self.readiness.add(&socks.t38, t38);
    }

    /// Whether channel `i`'s RTP and UDPTL sockets had something to read
    /// at this tick's poll.
    pub(crate) fn media_ready(&self, i: usize) -> (bool, bool) {
        let (rtp, t38) = readiness::media_tokens(i);
        (self.readiness.is_ready(rtp), self.readiness.is_ready(t38))
    }

    /// Remembers what worked towards `number`; a change is written to the
    /// memory file if there is one. Returns (changed, the write failed).
    pub(crate) fn record_transport(
        &mut self,
        trunk: &str,
        number: &str,
        used: FaxTransport,
    ) -> (bool, bool) {
        let changed = self.memory.would_change(trunk, number, used);
        self.memory.record(trunk, number, used);
        let failed = changed
            && (self.cfg.t38_memory_file.as_deref())
                .is_some_and(|path| save_memory(path, &self.memory).is_err());
        (changed, failed)
    }

    /// Sends bytes on the trunk's signalling transport.
    pub(crate) fn transmit(&mut self, to: SocketAddr, bytes: &[u8]) {
        match self.sock.as_mut() {
            Some(s) => s.send(to, bytes),
            None => self
                .outbox
                .borrow_mut()
                .push_back(crate::sim_net::Transmit {
                    from: self.cfg.sip_bind,
                    to,
                    bytes: bytes.to_vec(),
                }),
        }
    }

    /// Channel `channel` owns `call_id`: see [`Demux::claim`].
    pub(crate) fn claim(&mut self, call_id: &str, channel: usize, now: Instant) {
        self.demux.claim(call_id, channel, now);
    }

    pub(crate) fn is_registered(&self, now: Instant) -> Option<bool> {
        self.registration.as_ref().map(|r| r.is_registered(now))
    }

    pub(crate) fn registration_event(&self) -> Option<&RegEvent> {
        self.reg_event.as_ref()
    }

    pub(crate) fn trunk_up(&self) -> Option<bool> {
        self.keepalive.as_ref().map(KeepAlive::is_up)
    }

    pub(crate) fn set_keepalive(&mut self, every: Option<Duration>) {
        self.cfg.keepalive = every;
        self.keepalive = every.map(|d| KeepAlive::new(d, KEEPALIVE_MISSES, self.last_now));
    }

    pub(crate) fn connections(&self) -> usize {
        self.sock.as_ref().map_or(0, SipSocket::connections)
    }

    /// Keep-alives answered, registered (if the trunk registers), not held
    /// down after a trunk failure, not being retired.
    pub(crate) fn is_available_at(&self, now: Instant) -> bool {
        !self.retiring
            && self.trunk_up() != Some(false)
            && self.is_registered(now) != Some(false)
            && self.down_until.is_none_or(|t| t <= now)
    }

    /// Reads the signalling transport and sorts what arrived: the channels'
    /// messages are returned as `(channel, from, message)`; the trunk's own
    /// are handled here. `idle(i)`: channel `i` has no call (a new INVITE
    /// may go there).
    pub(crate) fn receive_routed(
        &mut self,
        now: Instant,
        idle: &dyn Fn(usize) -> bool,
    ) -> Vec<(usize, SocketAddr, SipMessage)> {
        self.last_now = now;
        self.link_start();
        self.read_socket();
        self.link_events(now);
        let arrived: Vec<Arrived> = self.inbox.drain(..).collect();
        let mut routed: Vec<(usize, SocketAddr, SipMessage)> = Vec::new();
        for got in arrived {
            let (from, msg) = match got {
                Arrived::Datagram(from, bytes) => match wire::parse_datagram(&bytes) {
                    Ok(Some(msg)) => (from, msg),
                    Ok(None) => continue,
                    Err(_) => {
                        // The trunk's endpoint answers 400 and reports it.
                        self.endpoint.handle_datagram(from, &bytes, now);
                        continue;
                    }
                },
                Arrived::Message(from, msg) => (from, msg),
                Arrived::Garbage => {
                    self.stats.sip_malformed += 1;
                    continue;
                }
            };
            self.link_alive(from, now);
            let Ok(core) = wire::Core::of(&msg) else {
                continue;
            };
            let new_invite = matches!(&msg, SipMessage::Request(r)
                if wire::method(r) == "INVITE" && core.to_tag.is_none());
            let taken: Vec<usize> = routed.iter().map(|(i, _, _)| *i).collect();
            let owner =
                self.demux
                    .route(&core.call_id, new_invite, now, idle, &taken, self.retiring);
            match owner {
                Owner::Channel(i) => {
                    self.stats.routed += 1;
                    routed.push((i, from, msg));
                }
                Owner::Trunk => self.endpoint.handle_message(from, msg, now),
            }
        }
        routed
    }

    /// The shell: what the signalling socket has (if it had something at
    /// this tick's poll) goes to the inbox.
    fn read_socket(&mut self) {
        let Some(sock) = self.sock.as_mut() else {
            return;
        };
        if sock.udp().is_some() && !self.readiness.is_ready(readiness::SIP) {
            return;
        }
        let mut buf = std::mem::take(&mut self.buf);
        self.inbox.extend(sock.receive(&mut buf));
        self.buf = buf;
    }

    /// Runs the trunk's own part: its endpoint's timers, registration,
    /// keep-alive, the Call-ID table.
    pub(crate) fn tick(&mut self, now: Instant) {
        self.last_now = now;
        if self.endpoint.poll_timeout().is_some_and(|t| t <= now) {
            self.endpoint.handle_timeout(now);
        }
        if self.reg_tx.is_none() {
            if let Some(r) = self.registration.as_mut() {
                if let Some(req) = r.poll_request(now) {
                    self.reg_tx = Some(self.endpoint.send_request(req, self.peer, now));
                }
            }
        }
        self.poll_keepalive(now);
        self.nat_keepalive(now);
        self.link_poll(now);
        self.drain(now);
        self.link_events(now);
        self.drain(now);
        self.demux.expire(now);
    }

    /// When the trunk's own part next wants to run: its transactions,
    /// the next REGISTER and keep-alive, the end of a hold-down.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        let reg = (self.reg_tx.is_none())
            .then(|| {
                self.registration
                    .as_ref()
                    .and_then(Registration::poll_timeout)
            })
            .flatten();
        let ka = (self.ka_tx.is_none())
            .then(|| self.keepalive.as_ref().and_then(KeepAlive::poll_timeout))
            .flatten();
        let link = self.link.poll_timeout();
        [self.endpoint.poll_timeout(), reg, ka, self.down_until, link]
            .into_iter()
            .flatten()
            .min()
    }

    /// Writes what the TCP connections still have queued.
    pub(crate) fn flush(&mut self) {
        if let Some(s) = self.sock.as_mut() {
            s.flush();
        }
    }

    fn poll_keepalive(&mut self, now: Instant) {
        let Some(ka) = self.keepalive.as_mut() else {
            return;
        };
        if self.ka_tx.is_some() || !ka.poll_ping(now) {
            return;
        }
        let trunk = &self.cfg.trunk;
        let from = self.nat.public.from_uri(&trunk.user);
        let to = format!("<{}>", trunk.aor());
        match new_request(
            "OPTIONS",
            &trunk.aor(),
            &from,
            &to,
            &self.local,
            &trunk.route(),
            &mut self.ids,
            None,
        ) {
            Ok(req) => self.ka_tx = Some(self.endpoint.send_request(req, self.peer, now)),
            Err(_) => ka.handle_timeout(),
        }
    }

    fn drain(&mut self, now: Instant) {
        while let Some(out) = self.endpoint.poll_output() {
            match out {
                Output::Transmit { to, bytes } => self.transmit(to, &bytes),
                Output::Event(e) => self.handle(e, now),
            }
        }
    }

    fn respond(&mut self, tx: TxId, req: &Request, code: u16, reason: &str, now: Instant) {
        let tag = self.ids.tag();
        if let Ok(resp) = wire::response_to(req, code, reason, Some(&tag)).build_response() {
            let _ = self.endpoint.respond(tx, &resp, now);
        }
    }

    fn handle(&mut self, e: EndpointEvent, now: Instant) {
        if let EndpointEvent::Response { tx, response } = &e {
            if self.reflects(*tx) {
                self.learn_address(response, now);
            }
        }
        match e {
            // (A provisional answer to the OPTIONS falls through to `_`.)
            // The connection failed: a keep-alive missed, not answered.
            EndpointEvent::Response { tx, response }
                if self.ka_tx == Some(tx) && sip::endpoint::is_transport_error(&response) =>
            {
                self.ka_tx = None;
                if let Some(ka) = self.keepalive.as_mut() {
                    ka.handle_timeout();
                }
            }
            EndpointEvent::Response { tx, response }
                if self.ka_tx == Some(tx) && wire::status(&response) >= 200 =>
            {
                self.ka_tx = None;
                self.stats.keepalives_answered += 1;
                if let Some(ka) = self.keepalive.as_mut() {
                    ka.handle_response();
                }
            }
            EndpointEvent::Timeout { tx } if self.ka_tx == Some(tx) => {
                self.ka_tx = None;
                if let Some(ka) = self.keepalive.as_mut() {
                    ka.handle_timeout();
                }
            }
            EndpointEvent::Response { tx, response } if self.reg_tx == Some(tx) => {
                let Some(r) = self.registration.as_mut() else {
                    return;
                };
                let (event, next) = r.handle_response(&response, now);
                if wire::status(&response) >= 200 {
                    self.reg_tx = None;
                }
                if let Some(next) = next {
                    self.reg_tx = Some(self.endpoint.send_request(next, self.peer, now));
                }
                if event.is_some() {
                    self.reg_event = event;
                }
            }
            EndpointEvent::Timeout { tx } if self.reg_tx == Some(tx) => {
                self.reg_tx = None;
                if let Some(e) = self
                    .registration
                    .as_mut()
                    .and_then(|r| r.handle_timeout(now))
                {
                    self.reg_event = Some(e);
                }
            }
            EndpointEvent::Request { tx, request, .. } => {
                let method = wire::method(&request);
                let in_dialog = wire::Core::of(&request).is_ok_and(|c| c.to_tag.is_some());
                match method.as_str() {
                    "INVITE" if !in_dialog => {
                        self.stats.busy_refused += 1;
                        if self.retiring {
                            self.respond(tx, &request, 503, "Service Unavailable", now);
                        } else {
                            self.respond(tx, &request, 486, "Busy Here", now);
                        }
                    }
                    "OPTIONS" => {
                        if let Ok(resp) =
                            wire::response_to(&request, 200, "OK", None).build_response()
                        {
                            let _ = self.endpoint.respond(tx, &resp, now);
                        }
                    }
                    "INVITE" | "BYE" | "UPDATE" | "INFO" | "REFER" | "NOTIFY" => {
                        self.respond(tx, &request, 481, "Call/Transaction Does Not Exist", now)
                    }
                    _ => self.respond(tx, &request, 501, "Not Implemented", now),
                }
            }
            EndpointEvent::Malformed { .. } => self.stats.sip_malformed += 1,
            // Responses to nothing of ours, stray ACKs, cancelled busy
            // INVITEs: nothing to do.
            _ => {}
        }
    }
}

/// A trunk's settings: its line settings (channel 0's ports) and how many
/// calls it carries at once.
#[derive(Debug, Clone, PartialEq)]
pub struct SipTrunkConfig {
    /// Signalling, registration, media settings; channel `i` adds `4 i`
    /// to the media ports.
    pub line: SipLineConfig,
    /// Calls at once (1 or more).
    pub channels: usize,
}

/// One SIP trunk carrying `channels` calls at once over one signalling
/// address. See the module documentation.
pub struct SipTrunk {
    pub(super) shared: Rc<RefCell<TrunkShared>>,
    pub(super) channels: Vec<SharedSipLine>,
}

impl SipTrunk {
    /// Binds the trunk's signalling address and each channel's media ports
    /// (channel `i`: RTP `rtp_port + 4 i`, UDPTL `t38_port + 4 i`). With
    /// more than one channel, channel `i`'s line is named `<id>/<i + 1>`.
    /// A channel whose ports cannot be bound is out of service (see
    /// [`SipTrunk::poll_fault`]); the others work. Only the signalling
    /// address, or no channel at all, is an error.
    pub fn bind(cfg: SipLineConfig, channels: usize, now: Instant) -> Result<SipTrunk, LineError> {
        if channels == 0 {
            return Err(driver_err("a trunk needs at least one channel"));
        }
        let shared = TrunkShared::bind(&cfg, now)?;
        SipTrunk::with_channels(shared, cfg, channels, now, &|c| {
            MediaSockets::bind(c.sip_bind.ip(), c.rtp_port, c.t38_port)
                .map(MediaIo::Sockets)
                .map_err(|e| e.to_string())
        })
    }

    pub(super) fn with_channels(
        mut shared: TrunkShared,
        cfg: SipLineConfig,
        channels: usize,
        now: Instant,
        media: &dyn Fn(&SipLineConfig) -> Result<MediaIo, String>,
    ) -> Result<SipTrunk, LineError> {
        shared.demux = Demux::new(channels);
        let shared = Rc::new(RefCell::new(shared));
        let mut lines = Vec::with_capacity(channels);
        for i in 0..channels {
            let c = channel_config(&cfg, i, channels)?;
            let socks = media(&c);
            let line = SipLine::channel(c, i, Rc::clone(&shared), false, socks, now);
            lines.push(SharedSipLine::new(line));
        }
        Ok(SipTrunk {
            shared,
            channels: lines,
        })
    }

    /// The trunk's name.
    pub fn name(&self) -> String {
        self.shared.borrow().cfg.trunk.name.clone()
    }

    /// The configuration the trunk was bound with (channel 0's ports).
    pub fn config(&self) -> SipLineConfig {
        self.shared.borrow().cfg.clone()
    }

    /// The channels, each one line for the kernel (handles: clone freely).
    pub fn lines(&self) -> Vec<SharedSipLine> {
        self.channels.clone()
    }

    /// Runs the trunk: reads the signalling address, hands each message to
    /// its channel, runs registration and keep-alive, then ticks every
    /// channel (timers, media). Call every 20 ms.
    pub fn tick(&self, now: Instant) {
        self.shared.borrow_mut().poll_ready();
        let idle: Vec<bool> = self
            .channels
            .iter()
            .map(|c| c.with(|l| l.takes_calls()))
            .collect();
        let routed = self
            .shared
            .borrow_mut()
            .receive_routed(now, &|i| idle.get(i).copied().unwrap_or(false));
        for (i, from, msg) in routed {
            if let Some(c) = self.channels.get(i) {
                c.with(|l| l.deliver(from, msg, now));
            }
        }
        self.shared.borrow_mut().tick(now);
        for c in &self.channels {
            c.with(|l| l.tick_channel(now));
        }
        self.shared.borrow_mut().flush();
    }

    /// The next channel that went out of service and was not reported
    /// yet (those that could not bind their ports first): one log line
    /// each.
    pub fn poll_fault(&self) -> Option<ChannelFault> {
        self.channels
            .iter()
            .find_map(|c| c.with(|l| l.take_new_fault()))
    }

    /// The next call a channel refused for its media (see
    /// [`SipLine::poll_refusal`]): one log line each.
    pub fn poll_refusal(&self) -> Option<String> {
        self.channels
            .iter()
            .find_map(|c| c.with(|l| l.poll_refusal()))
    }

    /// The next log line about the trunk's SIP connections (a TLS
    /// handshake that failed and why, a connection lost, a reconnect).
    pub fn poll_notice(&self) -> Option<String> {
        self.shared.borrow_mut().poll_notice()
    }

    /// The channels out of service now.
    pub fn faults(&self) -> Vec<ChannelFault> {
        self.channels
            .iter()
            .filter_map(|c| c.with(|l| l.fault()))
            .collect()
    }

    /// No channel has a call.
    pub fn is_idle(&self) -> bool {
        self.channels
            .iter()
            .all(|c| c.with(|l| l.is_idle_channel()))
    }

    /// Takes no new calls from now on (a reload removes or replaces it):
    /// its lines are unavailable and new INVITEs are answered 503. Calls in
    /// progress go on.
    pub fn retire(&self) {
        self.shared.borrow_mut().retiring = true;
    }

    /// Whether the registration holds at `now` (None: does not register).
    pub fn is_registered(&self, now: Instant) -> Option<bool> {
        self.shared.borrow().is_registered(now)
    }

    /// The registration's last report.
    pub fn registration_event(&self) -> Option<RegEvent> {
        self.shared.borrow().registration_event().cloned()
    }

    /// Whether the trunk answers its keep-alives (None: keep-alive off).
    pub fn trunk_up(&self) -> Option<bool> {
        self.shared.borrow().trunk_up()
    }

    /// Counters of the trunk.
    pub fn stats(&self) -> TrunkStats {
        self.shared.borrow().stats
    }

    /// Open SIP connections (TCP; always 0 on UDP).
    pub fn sip_connections(&self) -> usize {
        self.shared.borrow().connections()
    }
}

/// Channel `i`'s settings: its ports, seed and name.
fn channel_config(cfg: &SipLineConfig, i: usize, n: usize) -> Result<SipLineConfig, LineError> {
    let off = u16::try_from(4 * i).map_err(|_| driver_err("too many channels"))?;
    let port = |p: u16| {
        p.checked_add(off)
            .ok_or_else(|| driver_err(format!("channel {i}: port {p} + {off} is past 65535")))
    };
    let mut c = cfg.clone();
    c.rtp_port = port(cfg.rtp_port)?;
    c.t38_port = port(cfg.t38_port)?;
    c.advertise_rtp_port = cfg.advertise_rtp_port.map(port).transpose()?;
    c.advertise_t38_port = cfg.advertise_t38_port.map(port).transpose()?;
    c.seed = cfg.seed.wrapping_add((i as u64) << 40);
    if n > 1 {
        c.id = LineId(format!("{}/{}", cfg.id.0, i + 1));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sip::trunk::TrunkConfig;

    fn cfg(rtp: u16) -> SipLineConfig {
        let trunk = TrunkConfig::static_peer("t", "127.0.0.1:5060", "100");
        SipLineConfig::new("sip/t", trunk, "127.0.0.1".parse().unwrap(), 5062, rtp)
    }

    #[test]
    fn channel_ports_names_and_seeds() {
        let mut base = cfg(20000);
        base.advertise_rtp_port = Some(30000);
        let c0 = channel_config(&base, 0, 3).unwrap();
        let c2 = channel_config(&base, 2, 3).unwrap();
        assert_eq!((c0.rtp_port, c0.t38_port), (20000, 20002));
        assert_eq!((c2.rtp_port, c2.t38_port), (20008, 20010));
        assert_eq!(c2.advertise_rtp_port, Some(30008));
        assert_eq!(c2.advertise_t38_port, None);
        assert_eq!(c0.id.0, "sip/t/1");
        assert_eq!(c2.id.0, "sip/t/3");
        assert_ne!(c0.seed, c2.seed, "Call-IDs, tags and SSRCs differ");
        // A lone channel keeps the trunk's name.
        assert_eq!(channel_config(&base, 0, 1).unwrap().id.0, "sip/t");
    }

    #[test]
    fn ports_past_65535_are_an_error_not_a_wrap() {
        let base = cfg(65530);
        assert!(channel_config(&base, 0, 2).is_ok());
        assert!(channel_config(&base, 1, 2).is_err());
    }
}
