//! The SIP trunk line (issue 7): one [`Line`] that is a real SIP endpoint.
//!
//! A thin socket shell around the sans-IO engines of the `sip` crate:
//! non-blocking sockets for SIP (UDP, or TCP with [`SipTransport::Tcp`],
//! see [`transport`]), RTP and UDPTL (UDP), drained and written in
//! [`SipLine::tick`], which the line's owner calls every 20 ms with `now`
//! (the same contract as the loopback exchange's `tick`). No clock is read
//! here and no thread is started: the kernel's media thread already runs a
//! 20 ms tick, and SIP's timers (T1 = 500 ms) are coarse next to it.
//!
//! * Outbound: `dial` sends an INVITE with an audio offer (PCMA/PCMU and
//!   telephone-event), From = our trunk user (the caller id), answers
//!   401/407 with digest; 18x/2xx/failures become `Progress`/`HungUp` with
//!   the Q.850 cause of the status (see [`cause`]).
//! * Inbound: INVITE → `Incoming` with the called number (Request-URI or
//!   To) and the caller (P-Asserted-Identity, else From).
//! * Media: RTP G.711 through the jitter buffer both ways, RFC 4733 in and
//!   out as `Media::Dtmf`; T.38 IFP over UDPTL with redundancy.
//! * T.38: the answering side re-INVITEs to `image/t38` right after the
//!   call is up ([`T38Policy::Immediately`], fax-only numbers) or when it
//!   hears the caller's CNG ([`T38Policy::OnFaxTone`], or the owner calls
//!   [`SipLine::request_t38`]). A peer's
//!   T.38 re-INVITE is accepted if T.38 is enabled, else refused with 488.
//!   On refusal, or when no T.38 packet arrives in time, the call stays on
//!   (or returns to) G.711. What worked is remembered per trunk and remote
//!   number (a [`TransportMemory`], kept in
//!   [`SipLineConfig::t38_memory_file`] across restarts if set). A
//!   re-INVITE that repeats the current media (session refresh) keeps the
//!   media state as it is.
//! * Changes of the call's media are reported by
//!   [`SipLine::poll_media_change`]: the owner restarts its fax session on
//!   the new transport (T.30 starts over; the switch happens in the first
//!   seconds of the call, where the sender's T1 timer leaves time).

pub mod cause;
pub mod transport;

pub use transport::SipTransport;
use transport::{Arrived, SipSocket};

/// Where an incoming call's called number is read.
pub use sip::call::CalledFrom;
/// The trunk settings, from the `sip` crate.
pub use sip::register::RegEvent;
/// What a line remembers to try first per trunk and number.
pub use sip::sdp::t38::FaxTransport;
pub use sip::trunk::{TrunkConfig, TrunkMode};

use std::collections::VecDeque;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

use fax_t30::g711::Law;
use fax_t30::media::{AudioFrame, IfpPacket, FRAME_SAMPLES};
use fax_t30::tones::{ConnectTone, ConnectToneDetector};
use sip::auth::Credentials;
use sip::call::{called_number, caller_id, InviteOutcome, OutgoingInvite};
use sip::dialog::{new_request, Dialog, KeepAlive, LocalParty};
use sip::endpoint::{Endpoint, EndpointEvent, Output, TxId};
use sip::media::dtmf::{DtmfEvent, DtmfReceiver, DtmfSender};
use sip::media::jitter::{JitterBuffer, JitterConfig};
use sip::media::rtp::{Received, RtpReceiver, RtpSender, G711};
use sip::media::udptl::{self, UdptlReceiver, UdptlSender};
use sip::register::Registration;
use sip::sdp::offer_answer::{self, AudioCodec, LocalCaps, LocalMedia, Negotiated};
use sip::sdp::t38::{SwitchAction, T38Switch, TransportMemory};
use sip::sdp::SessionDescription;
use sip::transaction::TimerConfig;
use sip::wire::{self, IdGen};
use sip::{Request, Response, SipMessage};

use crate::cause::HangupCause;
use crate::error::LineError;
use crate::line::{
    check_number, CallId, CallProgress, DtmfDigit, Line, LineCaps, LineEvent, LineId, Media,
    MediaKind,
};
use cause::{cause_from_reason, cause_from_status, status_from_cause};

/// When the answering side asks for T.38.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum T38Policy {
    /// Never offer T.38 (a peer's offer is still accepted if `t38` is set).
    Never,
    /// When the line hears the caller's CNG (spandsp's connect-tone
    /// detector on the received audio), or the owner calls
    /// [`SipLine::request_t38`].
    OnFaxTone,
    /// As soon as an incoming call is up (fax-only numbers).
    Immediately,
}

/// Settings of one SIP line.
#[derive(Debug, Clone)]
pub struct SipLineConfig {
    /// The line's name.
    pub id: LineId,
    /// The trunk (static peer or proxy) calls go to and come from.
    pub trunk: TrunkConfig,
    /// Local address for SIP (`ip:port`).
    pub sip_bind: SocketAddr,
    /// UDP (the default) or TCP for SIP; media is RTP/UDPTL over UDP.
    pub transport: SipTransport,
    /// Local RTP port (on the SIP address).
    pub rtp_port: u16,
    /// Local UDPTL port.
    pub t38_port: u16,
    /// RTP port written into our SDP, if not `rtp_port` (NAT, relays).
    pub advertise_rtp_port: Option<u16>,
    /// UDPTL port written into our SDP, if not `t38_port`.
    pub advertise_t38_port: Option<u16>,
    /// What we offer and accept (codecs, telephone-event, T.38 or None).
    pub media: LocalCaps,
    /// When we ask for T.38 on calls we answer.
    pub t38_policy: T38Policy,
    /// How long to wait for the first T.38 packet once it was agreed.
    pub t38_packet_timeout: Duration,
    /// Where the called number of an incoming INVITE is read.
    pub called_from: CalledFrom,
    /// Jitter buffer of received audio.
    pub jitter: JitterConfig,
    /// How long a gap in UDPTL is held for recovery.
    pub udptl_hold: Duration,
    /// Seed of Call-IDs, tags, branches, SSRCs.
    pub seed: u64,
    /// OPTIONS to the trunk every this long (None: off); three missed
    /// answers in a row make the trunk unavailable until one comes back.
    pub keepalive: Option<Duration>,
    /// How long a trunk that failed a call as a trunk (RFC 3261 timeout,
    /// 408, 5xx, 401/403/407) is left out of new calls.
    pub hold_down: Duration,
    /// Where the line keeps what worked per number and trunk (T.38 or the
    /// G.711 fallback) across restarts: read at `bind`, rewritten (to a
    /// temporary file, then renamed) when it changes. None: memory only.
    pub t38_memory_file: Option<std::path::PathBuf>,
}

impl SipLineConfig {
    /// A line on `ip` with the usual settings: SIP on `sip_port`, RTP on
    /// `rtp_port`, UDPTL on `rtp_port + 2`, PCMA/PCMU, telephone-event 101,
    /// T.38 accepted and asked for on fax tones.
    pub fn new(
        id: &str,
        trunk: TrunkConfig,
        ip: std::net::IpAddr,
        sip_port: u16,
        rtp_port: u16,
    ) -> Self {
        SipLineConfig {
            id: LineId(id.to_string()),
            trunk,
            sip_bind: SocketAddr::new(ip, sip_port),
            transport: SipTransport::Udp,
            rtp_port,
            t38_port: rtp_port + 2,
            advertise_rtp_port: None,
            advertise_t38_port: None,
            media: LocalCaps::default(),
            t38_policy: T38Policy::OnFaxTone,
            t38_packet_timeout: Duration::from_secs(4),
            called_from: CalledFrom::RequestUri,
            jitter: JitterConfig::default(),
            udptl_hold: Duration::from_millis(150),
            keepalive: None,
            hold_down: Duration::from_secs(60),
            t38_memory_file: None,
            seed: u64::from(sip_port) << 16 | u64::from(rtp_port),
        }
    }
}

/// Counters of one line, for tests and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SipLineStats {
    /// T.38 re-INVITEs we sent.
    pub t38_offers_sent: u64,
    /// Our T.38 re-INVITEs the peer refused (or answered without image).
    pub t38_refused: u64,
    /// Peer re-INVITEs to T.38 we accepted.
    pub t38_accepted: u64,
    /// Peer re-INVITEs we refused with 488.
    pub reinvites_refused: u64,
    /// Re-INVITEs (either way) that kept the media as it was (refreshes).
    pub refreshes: u64,
    /// Falls back to G.711 after T.38 was agreed but no packet came.
    pub t38_timeouts: u64,
    /// OPTIONS keep-alives the trunk answered (any final response).
    pub keepalives_answered: u64,
    /// RTP datagrams and UDPTL datagrams received.
    pub rtp_in: u64,
    /// UDPTL datagrams received.
    pub udptl_in: u64,
    /// SIP messages we could not read.
    pub sip_malformed: u64,
    /// Calling tones (CNG) heard on calls we answered.
    pub cng_heard: u64,
    /// Writes of the T.38 memory file that failed (the memory still holds).
    pub t38_memory_write_errors: u64,
}

#[allow(clippy::large_enum_variant)] // one per line
enum CallState {
    /// Our INVITE is out.
    Outgoing {
        invite: OutgoingInvite,
        tx: TxId,
        offer: SessionDescription,
    },
    /// An INVITE rings in.
    Incoming {
        tx: TxId,
        invite: Request,
        local_tag: String,
    },
    /// Answered.
    Up { dialog: Box<Dialog> },
}

/// A re-INVITE of ours in flight.
struct PendingReinvite {
    tx: TxId,
    offer: SessionDescription,
    kind: ReinviteKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ReinviteKind {
    ToT38,
    ToAudio,
    Refresh,
}

struct AudioMedia {
    remote: SocketAddr,
    law: Law,
    tx: RtpSender,
    rx: RtpReceiver,
    jitter: JitterBuffer,
    dtmf_tx: Option<DtmfSender>,
    dtmf_rx: DtmfReceiver,
    heard: bool,
    /// Listens for the caller's CNG on calls we answered under
    /// [`T38Policy::OnFaxTone`].
    cng: Option<ConnectToneDetector>,
}

struct T38Media {
    remote: SocketAddr,
    tx: UdptlSender,
    rx: UdptlReceiver,
}

enum MediaState {
    None,
    Audio(Box<AudioMedia>),
    T38(Box<T38Media>),
}

struct Call {
    id: CallId,
    remote_number: String,
    remote_sip: SocketAddr,
    state: CallState,
    media: MediaState,
    /// The last SDP we sent (offer or answer), for refreshes.
    local_sdp: Option<SessionDescription>,
    sdp_version: u64,
    switch: T38Switch,
    pending: Option<PendingReinvite>,
    /// We answered this call (the T.38 policy applies to it).
    answered_by_us: bool,
    offer_t38_when_up: bool,
}

/// Keep-alives missed in a row that take a trunk out of service.
const KEEPALIVE_MISSES: u32 = 3;

/// One SIP line. See the module documentation.
pub struct SipLine {
    cfg: SipLineConfig,
    sip_sock: SipSocket,
    rtp_sock: UdpSocket,
    t38_sock: UdpSocket,
    peer: SocketAddr,
    local: LocalParty,
    endpoint: Endpoint,
    ids: IdGen,
    call: Option<Call>,
    next_call: u64,
    events: VecDeque<LineEvent>,
    changes: VecDeque<(CallId, MediaKind)>,
    memory: TransportMemory,
    stats: SipLineStats,
    buf: Vec<u8>,
    last_now: Instant,
    registration: Option<Registration>,
    reg_tx: Option<TxId>,
    reg_event: Option<RegEvent>,
    keepalive: Option<KeepAlive>,
    ka_tx: Option<TxId>,
    /// A call failed as a trunk failure: no new calls before this.
    down_until: Option<Instant>,
}

fn io_err(what: &str, e: std::io::Error) -> LineError {
    LineError::Io(std::io::Error::new(e.kind(), format!("{what}: {e}")))
}

fn driver_err(msg: impl Into<String>) -> LineError {
    LineError::Io(std::io::Error::other(msg.into()))
}

fn law_of(codec: AudioCodec) -> Law {
    match codec {
        AudioCodec::Pcma => Law::ALaw,
        AudioCodec::Pcmu => Law::MuLaw,
    }
}

fn g711_of(law: Law) -> G711 {
    match law {
        Law::ALaw => G711::Pcma,
        Law::MuLaw => G711::Pcmu,
    }
}

fn udptl_ec(p: &sip::sdp::t38::T38Params) -> udptl::ErrorCorrection {
    match p.error_correction {
        sip::sdp::t38::ErrorCorrection::Fec => udptl::ErrorCorrection::Fec {
            span: 3,
            entries: 3,
        },
        // Redundancy also when the peer declared none: it costs only
        // bandwidth and receivers ignore what they do not use.
        _ => udptl::ErrorCorrection::Redundancy(3),
    }
}

/// Numbers a line remembers the fax transport of.
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

fn addr(host: &str, port: u16) -> Option<SocketAddr> {
    (host, port).to_socket_addrs().ok()?.next()
}

impl SipLine {
    /// Binds the sockets. The trunk's next hop must resolve now.
    pub fn bind(cfg: SipLineConfig, now: Instant) -> Result<SipLine, LineError> {
        let ip = cfg.sip_bind.ip();
        let sip_sock =
            SipSocket::bind(cfg.transport, cfg.sip_bind).map_err(|e| io_err("SIP socket", e))?;
        let rtp_sock = UdpSocket::bind((ip, cfg.rtp_port)).map_err(|e| io_err("RTP socket", e))?;
        let t38_sock =
            UdpSocket::bind((ip, cfg.t38_port)).map_err(|e| io_err("UDPTL socket", e))?;
        for s in [&rtp_sock, &t38_sock] {
            s.set_nonblocking(true).map_err(|e| io_err("socket", e))?;
        }
        let hop = cfg.trunk.next_hop().to_string();
        let peer = hop
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .or_else(|| addr(&hop, 5060))
            .ok_or_else(|| driver_err(format!("trunk address {hop} does not resolve")))?;
        let local = LocalParty {
            via_sent_by: cfg.sip_bind.to_string(),
            transport: cfg.transport.via().into(),
            contact: match cfg.transport {
                SipTransport::Udp => format!("sip:{}@{}", cfg.trunk.user, cfg.sip_bind),
                SipTransport::Tcp => {
                    format!("sip:{}@{};transport=tcp", cfg.trunk.user, cfg.sip_bind)
                }
            },
        };
        let registration = cfg.trunk.registration(&local).map(|rc| {
            let mut r = Registration::new(rc, IdGen::new(cfg.seed ^ 0x5245_4749));
            r.start(now);
            r
        });
        let keepalive = cfg
            .keepalive
            .map(|every| KeepAlive::new(every, KEEPALIVE_MISSES, now));
        let memory = load_memory(cfg.t38_memory_file.as_deref())?;
        Ok(SipLine {
            ids: IdGen::new(cfg.seed),
            endpoint: Endpoint::new(cfg.transport.is_reliable(), TimerConfig::default()),
            memory,
            cfg,
            sip_sock,
            rtp_sock,
            t38_sock,
            peer,
            local,
            call: None,
            next_call: 1,
            events: VecDeque::new(),
            changes: VecDeque::new(),
            stats: SipLineStats::default(),
            buf: vec![0; 65_536],
            last_now: now,
            registration,
            reg_tx: None,
            reg_event: None,
            keepalive,
            ka_tx: None,
            down_until: None,
        })
    }

    /// Whether the trunk's registration holds at `now` (None: the trunk
    /// does not register).
    pub fn is_registered(&self, now: Instant) -> Option<bool> {
        self.registration.as_ref().map(|r| r.is_registered(now))
    }

    /// The registration's last report (registered, failed with a code).
    pub fn registration_event(&self) -> Option<&RegEvent> {
        self.reg_event.as_ref()
    }

    fn poll_registration(&mut self, now: Instant) {
        let Some(r) = self.registration.as_mut() else {
            return;
        };
        if self.reg_tx.is_none() {
            if let Some(req) = r.poll_request(now) {
                self.reg_tx = Some(self.endpoint.send_request(req, self.peer, now));
            }
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
        let from = format!("<sip:{}@{}>", trunk.user, self.cfg.sip_bind);
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

    /// Turns the OPTIONS keep-alive on (first ping at the next tick) or off.
    pub fn set_keepalive(&mut self, every: Option<Duration>) {
        self.cfg.keepalive = every;
        self.keepalive = every.map(|d| KeepAlive::new(d, KEEPALIVE_MISSES, self.last_now));
    }

    /// Whether the trunk answers its keep-alives (None: keep-alive off).
    pub fn trunk_up(&self) -> Option<bool> {
        self.keepalive.as_ref().map(KeepAlive::is_up)
    }

    /// See [`Line::is_available`]: keep-alives answered, registered (if
    /// the trunk registers) and not held down after a trunk failure.
    pub fn is_available_at(&self, now: Instant) -> bool {
        self.trunk_up() != Some(false)
            && self.is_registered(now) != Some(false)
            && self.down_until.is_none_or(|t| t <= now)
    }

    fn handle_reg_response(&mut self, resp: &Response, now: Instant) {
        let Some(r) = self.registration.as_mut() else {
            return;
        };
        let (event, next) = r.handle_response(resp, now);
        if wire::status(resp) >= 200 {
            self.reg_tx = None;
        }
        if let Some(next) = next {
            self.reg_tx = Some(self.endpoint.send_request(next, self.peer, now));
        }
        if event.is_some() {
            self.reg_event = event;
        }
    }

    /// The trunk's name.
    pub fn trunk_name(&self) -> &str {
        &self.cfg.trunk.name
    }

    /// Counters.
    pub fn stats(&self) -> SipLineStats {
        self.stats
    }

    /// The media the current call carries now (None: no media yet).
    pub fn media_kind(&self) -> Option<MediaKind> {
        match self.call.as_ref()?.media {
            MediaState::Audio(_) => Some(MediaKind::Audio),
            MediaState::T38(_) => Some(MediaKind::T38),
            MediaState::None => None,
        }
    }

    /// The next change of a call's media (audio ↔ T.38): the owner
    /// restarts its fax session on the new transport.
    pub fn poll_media_change(&mut self) -> Option<(CallId, MediaKind)> {
        self.changes.pop_front()
    }

    /// What the line remembers to try first towards `number`.
    pub fn first_choice(&self, number: &str) -> FaxTransport {
        self.memory.first_choice(&self.cfg.trunk.name, number)
    }

    /// Fax tones heard on `call`: re-INVITE to T.38 if enabled and not
    /// known to fail with this peer.
    pub fn request_t38(&mut self, call: CallId, now: Instant) {
        let Some(c) = self.call.as_mut().filter(|c| c.id == call) else {
            return;
        };
        if let Some(SwitchAction::SendT38Offer) = c.switch.handle_fax_tone() {
            self.send_reinvite(ReinviteKind::ToT38, now);
        }
    }

    /// Sends a re-INVITE that repeats the current media (a session
    /// refresh, as session timers do).
    pub fn refresh(&mut self, call: CallId, now: Instant) -> Result<(), LineError> {
        match &self.call {
            Some(c) if c.id == call && matches!(c.state, CallState::Up { .. }) => {
                if c.pending.is_some() {
                    return Err(driver_err("a re-INVITE is pending"));
                }
                self.send_reinvite(ReinviteKind::Refresh, now);
                Ok(())
            }
            _ => Err(LineError::NoSuchCall(call)),
        }
    }

    /// Runs the line: reads the sockets, runs the SIP timers, moves one
    /// 20 ms frame of received audio to the owner. Call every 20 ms.
    pub fn tick(&mut self, now: Instant) {
        self.last_now = now;
        for got in self.sip_sock.receive(&mut self.buf) {
            match got {
                Arrived::Datagram(from, bytes) => self.endpoint.handle_datagram(from, &bytes, now),
                Arrived::Message(from, msg) => self.endpoint.handle_message(from, msg, now),
                Arrived::Garbage => self.stats.sip_malformed += 1,
            }
        }
        if self.endpoint.poll_timeout().is_some_and(|t| t <= now) {
            self.endpoint.handle_timeout(now);
        }
        self.poll_registration(now);
        self.poll_keepalive(now);
        self.drain_endpoint(now);
        self.read_media(now);
        self.switch_timers(now);
        self.play_audio(now);
        self.drain_endpoint(now);
        self.sip_sock.flush();
    }

    /// Open SIP connections (TCP; always 0 on UDP).
    pub fn sip_connections(&self) -> usize {
        self.sip_sock.connections()
    }

    fn transmit(&mut self, to: SocketAddr, bytes: &[u8]) {
        self.sip_sock.send(to, bytes);
    }

    fn drain_endpoint(&mut self, now: Instant) {
        while let Some(out) = self.endpoint.poll_output() {
            match out {
                Output::Transmit { to, bytes } => self.transmit(to, &bytes),
                Output::Event(e) => self.handle_sip(e, now),
            }
        }
    }

    fn send_stateless(&mut self, to: SocketAddr, req: Request) {
        let bytes = wire::to_bytes(&SipMessage::Request(req));
        self.transmit(to, &bytes);
    }

    #[allow(clippy::too_many_arguments)]
    fn respond(
        &mut self,
        tx: TxId,
        req: &Request,
        code: u16,
        reason: &str,
        tag: Option<&str>,
        body: Option<Vec<u8>>,
        now: Instant,
    ) {
        let mut m = wire::response_to(req, code, reason, tag);
        if (200..300).contains(&code) {
            m.push("Contact", format!("<{}>", self.local.contact));
        }
        if let Some(b) = body {
            m = m.body("application/sdp", b);
        }
        if let Ok(resp) = m.build_response() {
            let _ = self.endpoint.respond(tx, &resp, now);
        }
    }

    fn local_media(&self) -> LocalMedia {
        LocalMedia {
            address: self.cfg.sip_bind.ip().to_string(),
            audio_port: self.cfg.advertise_rtp_port.unwrap_or(self.cfg.rtp_port),
            t38_port: self.cfg.advertise_t38_port.unwrap_or(self.cfg.t38_port),
            session_id: (self.cfg.seed % 1_000_000_000).to_string(),
        }
    }

    fn end_call(&mut self, cause: HangupCause) {
        if let Some(c) = self.call.take() {
            self.events
                .push_back(LineEvent::HungUp { call: c.id, cause });
        }
    }

    fn record_transport(&mut self) {
        if let Some(c) = &self.call {
            let used = match c.switch.state() {
                sip::sdp::t38::SwitchState::T38 => Some(FaxTransport::T38),
                sip::sdp::t38::SwitchState::FellBack => Some(FaxTransport::G711),
                _ => None,
            };
            if let Some(used) = used {
                let (trunk, number) = (self.cfg.trunk.name.clone(), c.remote_number.clone());
                let changed = self.memory.would_change(&trunk, &number, used);
                self.memory.record(&trunk, &number, used);
                if changed {
                    if let Some(path) = &self.cfg.t38_memory_file {
                        if save_memory(path, &self.memory).is_err() {
                            self.stats.t38_memory_write_errors += 1;
                        }
                    }
                }
            }
        }
    }

    /// Sets up the media the SDP exchange agreed on. Same kind as now:
    /// only the remote address may change (a refresh keeps the state).
    fn apply(&mut self, negotiated: &Negotiated) {
        let Some(c) = self.call.as_mut() else { return };
        let first_media = matches!(c.media, MediaState::None);
        let new_kind = match negotiated {
            Negotiated::Audio {
                address,
                port,
                codec,
                telephone_event,
                ..
            } => {
                let Some(remote) = addr(address, *port) else {
                    return;
                };
                if let MediaState::Audio(a) = &mut c.media {
                    a.remote = remote;
                    return;
                }
                let law = law_of(*codec);
                let seed = self.cfg.seed ^ c.id.0;
                c.media = MediaState::Audio(Box::new(AudioMedia {
                    remote,
                    law,
                    tx: RtpSender::new(
                        g711_of(law),
                        seed as u32 ^ 0x5eed_0001,
                        (seed >> 3) as u16,
                        (seed >> 7) as u32,
                    ),
                    rx: RtpReceiver::new(*telephone_event),
                    jitter: JitterBuffer::new(self.cfg.jitter),
                    dtmf_tx: telephone_event.map(DtmfSender::new),
                    dtmf_rx: DtmfReceiver::new(),
                    heard: false,
                    cng: (c.answered_by_us
                        && self.cfg.t38_policy == T38Policy::OnFaxTone
                        && self.cfg.media.t38.is_some()
                        && c.switch.state() == sip::sdp::t38::SwitchState::Audio)
                        .then(|| ConnectToneDetector::new(ConnectTone::FaxCng).ok())
                        .flatten(),
                }));
                MediaKind::Audio
            }
            Negotiated::T38 {
                address,
                port,
                params,
            } => {
                let Some(remote) = addr(address, *port) else {
                    return;
                };
                if let MediaState::T38(t) = &mut c.media {
                    t.remote = remote;
                    return;
                }
                let max = params.max_datagram.unwrap_or(400).clamp(100, 1400) as usize;
                c.media = MediaState::T38(Box::new(T38Media {
                    remote,
                    tx: UdptlSender::new(udptl_ec(params), max),
                    rx: UdptlReceiver::new(params.version, self.cfg.udptl_hold),
                }));
                MediaKind::T38
            }
        };
        let id = c.id;
        // The first media of a call is no change.
        if !first_media {
            self.changes.push_back((id, new_kind));
        }
    }

    fn send_reinvite(&mut self, kind: ReinviteKind, now: Instant) {
        let local = self.local_media();
        let caps = self.cfg.media.clone();
        let Some(c) = self.call.as_mut() else { return };
        let CallState::Up { dialog } = &mut c.state else {
            return;
        };
        c.sdp_version += 1;
        let offer = match kind {
            ReinviteKind::ToT38 => match &caps.t38 {
                Some(p) => offer_answer::offer_t38(&local, p, c.sdp_version),
                None => return,
            },
            ReinviteKind::ToAudio => offer_answer::offer_audio(&local, &caps, c.sdp_version),
            ReinviteKind::Refresh => match &c.local_sdp {
                Some(s) => SessionDescription {
                    session_version: c.sdp_version,
                    ..s.clone()
                },
                None => offer_answer::offer_audio(&local, &caps, c.sdp_version),
            },
        };
        let Ok(req) = dialog.reinvite(&mut self.ids, offer.to_bytes()) else {
            return;
        };
        if kind == ReinviteKind::ToT38 {
            self.stats.t38_offers_sent += 1;
        }
        let tx = self.endpoint.send_request(req, c.remote_sip, now);
        c.pending = Some(PendingReinvite { tx, offer, kind });
        self.drain_endpoint(now);
    }

    fn handle_sip(&mut self, e: EndpointEvent, now: Instant) {
        match e {
            EndpointEvent::Request { tx, request, from } => {
                self.handle_request(tx, request, from, now)
            }
            EndpointEvent::Response { tx, response } if self.ka_tx == Some(tx) => {
                if wire::status(&response) >= 200 {
                    self.ka_tx = None;
                    self.stats.keepalives_answered += 1;
                    if let Some(ka) = self.keepalive.as_mut() {
                        ka.handle_response();
                    }
                }
            }
            EndpointEvent::Timeout { tx } if self.ka_tx == Some(tx) => {
                self.ka_tx = None;
                if let Some(ka) = self.keepalive.as_mut() {
                    ka.handle_timeout();
                }
            }
            EndpointEvent::Response { tx, response } if self.reg_tx == Some(tx) => {
                self.handle_reg_response(&response, now)
            }
            EndpointEvent::Response { tx, response } => self.handle_response(tx, response, now),
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
            EndpointEvent::Timeout { tx } => self.handle_tx_timeout(tx, now),
            EndpointEvent::Ack { .. } => {
                let offer_now = match self.call.as_mut() {
                    Some(c) if c.offer_t38_when_up => {
                        c.offer_t38_when_up = false;
                        Some(c.id)
                    }
                    _ => None,
                };
                if let Some(id) = offer_now {
                    self.request_t38(id, now);
                }
            }
            EndpointEvent::Cancelled { tx } => {
                if matches!(&self.call, Some(Call { state: CallState::Incoming { tx: t, .. }, .. }) if *t == tx)
                {
                    self.end_call(HangupCause::NoAnswer);
                }
            }
            EndpointEvent::Malformed { .. } => self.stats.sip_malformed += 1,
        }
    }

    fn handle_request(&mut self, tx: TxId, req: Request, from: SocketAddr, now: Instant) {
        let method = wire::method(&req);
        let in_dialog = self.call.as_ref().is_some_and(|c| match &c.state {
            CallState::Up { dialog } => {
                wire::Core::of(&req).is_ok_and(|core| dialog.matches(&core, true))
            }
            _ => false,
        });
        match method.as_str() {
            "INVITE" if in_dialog => self.handle_reinvite(tx, req, now),
            "INVITE" => self.handle_invite(tx, req, from),
            "BYE" if in_dialog => {
                self.respond(tx, &req, 200, "OK", None, None, now);
                let cause = wire::header(&req, "Reason")
                    .and_then(|r| cause_from_reason(&r))
                    .unwrap_or(HangupCause::NormalClearing);
                self.record_transport();
                self.end_call(cause);
            }
            "OPTIONS" => self.respond(tx, &req, 200, "OK", None, None, now),
            "BYE" => self.respond(
                tx,
                &req,
                481,
                "Call/Transaction Does Not Exist",
                None,
                None,
                now,
            ),
            _ => self.respond(tx, &req, 501, "Not Implemented", None, None, now),
        }
    }

    fn handle_invite(&mut self, tx: TxId, req: Request, from: SocketAddr) {
        if self.call.is_some() {
            if let Ok(resp) =
                wire::response_to(&req, 486, "Busy Here", Some(&self.ids.tag())).build_response()
            {
                // A busy line answers at once; the transaction layer needs a time
                // only for retransmissions, which an unreliable final response
                // gets on request retransmission.
                let _ = self.endpoint.respond(tx, &resp, self.endpoint_time());
            }
            return;
        }
        // An offer we cannot answer (no G.711, no T.38, unreadable SDP, or
        // no SDP at all: offer-in-200 is not supported) is refused here,
        // before the owner hears of the call.
        let acceptable = SessionDescription::parse(req.body())
            .and_then(|o| offer_answer::answer(&o, &self.local_media(), &self.cfg.media, 1));
        if acceptable.is_err() {
            let tag = self.ids.tag();
            if let Ok(resp) =
                wire::response_to(&req, 488, "Not Acceptable Here", Some(&tag)).build_response()
            {
                let _ = self.endpoint.respond(tx, &resp, self.endpoint_time());
            }
            return;
        }
        let called = called_number(&req, self.cfg.called_from).unwrap_or_default();
        let caller = caller_id(&req);
        let id = CallId(self.next_call);
        self.next_call += 1;
        let local_tag = self.ids.tag();
        let remote_number = caller.clone().unwrap_or_default();
        let t38_enabled = self.cfg.media.t38.is_some()
            && self.cfg.t38_policy != T38Policy::Never
            && self
                .memory
                .first_choice(&self.cfg.trunk.name, &remote_number)
                == FaxTransport::T38;
        self.call = Some(Call {
            id,
            remote_number,
            remote_sip: from,
            state: CallState::Incoming {
                tx,
                invite: req.clone(),
                local_tag: local_tag.clone(),
            },
            media: MediaState::None,
            local_sdp: None,
            sdp_version: 0,
            switch: T38Switch::new(t38_enabled, self.cfg.t38_packet_timeout),
            pending: None,
            answered_by_us: true,
            offer_t38_when_up: t38_enabled && self.cfg.t38_policy == T38Policy::Immediately,
        });
        let ringing = wire::response_to(&req, 180, "Ringing", Some(&local_tag));
        if let Ok(resp) = ringing.build_response() {
            let _ = self.endpoint.respond(tx, &resp, self.endpoint_time());
        }
        self.events.push_back(LineEvent::Incoming {
            call: id,
            caller,
            called,
            media: MediaKind::Audio,
        });
    }

    /// The time of the last tick or request (responses made while
    /// handling an event of that tick).
    fn endpoint_time(&self) -> Instant {
        self.last_now
    }

    fn handle_reinvite(&mut self, tx: TxId, req: Request, now: Instant) {
        let local = self.local_media();
        let caps = self.cfg.media.clone();
        let Some(c) = self.call.as_mut() else { return };
        let CallState::Up { dialog } = &mut c.state else {
            return;
        };
        if let Err(refusal) = dialog.handle_request(&req) {
            let (code, reason) = refusal.status();
            self.respond(tx, &req, code, reason, None, None, now);
            return;
        }
        let offer = match SessionDescription::parse(req.body()) {
            Ok(o) => o,
            Err(_) => {
                self.respond(tx, &req, 400, "Bad SDP", None, None, now);
                return;
            }
        };
        c.sdp_version += 1;
        match offer_answer::answer(&offer, &local, &caps, c.sdp_version) {
            Ok((answer, negotiated)) => {
                let was = match c.media {
                    MediaState::Audio(_) => Some(MediaKind::Audio),
                    MediaState::T38(_) => Some(MediaKind::T38),
                    MediaState::None => None,
                };
                let is_t38 = matches!(negotiated, Negotiated::T38 { .. });
                let kind = if is_t38 {
                    MediaKind::T38
                } else {
                    MediaKind::Audio
                };
                if was == Some(kind) {
                    self.stats.refreshes += 1;
                } else if is_t38 {
                    self.stats.t38_accepted += 1;
                    c.switch.handle_peer_t38(now);
                }
                c.local_sdp = Some(answer.clone());
                self.respond(tx, &req, 200, "OK", None, Some(answer.to_bytes()), now);
                self.apply(&negotiated);
            }
            Err(_) => {
                self.stats.reinvites_refused += 1;
                self.respond(tx, &req, 488, "Not Acceptable Here", None, None, now);
            }
        }
    }

    fn handle_response(&mut self, tx: TxId, resp: Response, now: Instant) {
        let Some(c) = self.call.as_mut() else { return };
        // Our re-INVITE.
        if c.pending.as_ref().is_some_and(|p| p.tx == tx) {
            self.handle_reinvite_response(resp, now);
            return;
        }
        let CallState::Outgoing {
            invite,
            tx: itx,
            offer,
        } = &mut c.state
        else {
            // A 2xx retransmission of the answered INVITE: ACK again.
            if let CallState::Up { dialog } = &c.state {
                let code = wire::status(&resp);
                if (200..300).contains(&code) && dialog.role == sip::dialog::Role::Uac {
                    if let Ok(core) = wire::Core::of(&resp) {
                        if core.cseq_method == "INVITE" {
                            if let Ok(ack) = dialog.ack(core.cseq, &mut self.ids) {
                                let to = c.remote_sip;
                                self.send_stateless(to, ack);
                            }
                        }
                    }
                }
            }
            return;
        };
        if *itx != tx {
            return;
        }
        let offer = offer.clone();
        match invite.handle_response(&resp, &mut self.ids) {
            InviteOutcome::Send(req) => {
                let to = c.remote_sip;
                let ntx = self.endpoint.send_request(req, to, now);
                if let CallState::Outgoing { tx, .. } = &mut c.state {
                    *tx = ntx;
                }
            }
            InviteOutcome::Provisional(code) => {
                if code == 180 || code == 183 {
                    let id = c.id;
                    self.events.push_back(LineEvent::Progress {
                        call: id,
                        progress: CallProgress::Ringing,
                    });
                }
            }
            InviteOutcome::Answered {
                dialog,
                ack,
                response,
            } => {
                let to = c.remote_sip;
                c.state = CallState::Up { dialog };
                c.local_sdp = Some(offer.clone());
                let id = c.id;
                self.send_stateless(to, ack);
                let negotiated = SessionDescription::parse(response.body())
                    .and_then(|a| offer_answer::read_answer(&offer, &a, &self.cfg.media));
                match negotiated {
                    Ok(n) => {
                        self.apply(&n);
                        self.events.push_back(LineEvent::Progress {
                            call: id,
                            progress: CallProgress::Answered,
                        });
                    }
                    Err(_) => {
                        self.hangup(id, HangupCause::IncompatibleDestination, now);
                        self.events.push_back(LineEvent::HungUp {
                            call: id,
                            cause: HangupCause::IncompatibleDestination,
                        });
                    }
                }
            }
            InviteOutcome::Failed { code, .. } => {
                if sip::trunk::should_fail_over(code) {
                    self.down_until = Some(now + self.cfg.hold_down);
                }
                self.end_call(cause_from_status(code))
            }
        }
    }

    fn handle_reinvite_response(&mut self, resp: Response, now: Instant) {
        let code = wire::status(&resp);
        if code < 200 {
            return;
        }
        let Some(c) = self.call.as_mut() else { return };
        let Some(p) = c.pending.take() else { return };
        let to = c.remote_sip;
        let CallState::Up { dialog } = &mut c.state else {
            return;
        };
        dialog.reinvite_done();
        let answer = if (200..300).contains(&code) {
            dialog.handle_reinvite_ok(&resp);
            if let Ok(core) = wire::Core::of(&resp) {
                if let Ok(ack) = dialog.ack(core.cseq, &mut self.ids) {
                    self.send_stateless(to, ack);
                }
            }
            SessionDescription::parse(resp.body()).ok()
        } else {
            None
        };
        let Some(c) = self.call.as_mut() else { return };
        let accepted_image = answer.as_ref().is_some_and(offer_answer::accepts_t38);
        match p.kind {
            ReinviteKind::ToT38 => {
                let action = c.switch.handle_offer_result(code, accepted_image, now, 0.5);
                match action {
                    SwitchAction::StartT38 => {
                        c.local_sdp = Some(p.offer.clone());
                        if let Some(n) = answer.and_then(|a| {
                            offer_answer::read_answer(&p.offer, &a, &self.cfg.media).ok()
                        }) {
                            self.apply(&n);
                        }
                    }
                    SwitchAction::RetryAfter(_) => {
                        // Glare: the peer's own re-INVITE decides.
                    }
                    _ => {
                        self.stats.t38_refused += 1;
                        self.record_transport();
                    }
                }
            }
            ReinviteKind::ToAudio | ReinviteKind::Refresh => {
                if (200..300).contains(&code) {
                    if p.kind == ReinviteKind::Refresh {
                        self.stats.refreshes += 1;
                    }
                    c.local_sdp = Some(p.offer.clone());
                    if let Some(n) = answer
                        .and_then(|a| offer_answer::read_answer(&p.offer, &a, &self.cfg.media).ok())
                    {
                        self.apply(&n);
                    }
                }
            }
        }
    }

    fn handle_tx_timeout(&mut self, tx: TxId, now: Instant) {
        let Some(c) = self.call.as_mut() else { return };
        if c.pending.as_ref().is_some_and(|p| p.tx == tx) {
            // No answer to our re-INVITE: same as a refusal (code 0).
            let resp_code = 0;
            let p = c.pending.take();
            if let CallState::Up { dialog } = &mut c.state {
                dialog.reinvite_done();
            }
            if p.is_some_and(|p| p.kind == ReinviteKind::ToT38) {
                c.switch.handle_offer_result(resp_code, false, now, 0.5);
                self.stats.t38_refused += 1;
            }
            return;
        }
        match &mut c.state {
            CallState::Outgoing {
                invite, tx: itx, ..
            } if *itx == tx => {
                if let InviteOutcome::Failed { code, .. } = invite.handle_timeout() {
                    if sip::trunk::should_fail_over(code) {
                        self.down_until = Some(now + self.cfg.hold_down);
                    }
                    self.end_call(cause_from_status(code));
                }
            }
            CallState::Up { .. } if c.answered_by_us => {
                // Our 2xx was never ACKed (timer H): the call is dead.
                let id = c.id;
                self.hangup(id, HangupCause::LocalTimeout, now);
                self.events.push_back(LineEvent::HungUp {
                    call: id,
                    cause: HangupCause::LocalTimeout,
                });
            }
            _ => {}
        }
    }

    fn switch_timers(&mut self, now: Instant) {
        let Some(c) = self.call.as_mut() else { return };
        if c.switch.poll_timeout().is_some_and(|t| t <= now) {
            if let Some(SwitchAction::SendAudioOffer) = c.switch.handle_timeout(now) {
                self.stats.t38_timeouts += 1;
                self.record_transport();
                self.send_reinvite(ReinviteKind::ToAudio, now);
            }
        }
    }

    fn read_media(&mut self, now: Instant) {
        let mut cng_call = None;
        while let Ok((n, _from)) = self.rtp_sock.recv_from(&mut self.buf) {
            self.stats.rtp_in += 1;
            let Some(Call {
                id,
                media: MediaState::Audio(a),
                ..
            }) = self.call.as_mut()
            else {
                continue;
            };
            let id = *id;
            match a.rx.receive(&self.buf[..n], now) {
                Received::Voice {
                    header,
                    law,
                    payload,
                    new_source,
                } => {
                    if new_source {
                        a.jitter.restart();
                    }
                    let mut samples = [0i16; 1024];
                    let k = payload.len().min(samples.len());
                    let l = match law {
                        G711::Pcma => Law::ALaw,
                        G711::Pcmu => Law::MuLaw,
                    };
                    l.decode_into(&payload[..k], &mut samples[..k]);
                    a.jitter
                        .push(now, header.seq, header.timestamp, &samples[..k]);
                    // CNG is looked for in what arrives, not in what the
                    // jitter buffer plays: its learning phase holds back
                    // the first half second, most of the first CNG burst.
                    if a.cng.as_mut().is_some_and(|d| d.process(&samples[..k])) {
                        a.cng = None;
                        cng_call = Some(id);
                    }
                    a.heard = true;
                }
                Received::Event { header, payload } => {
                    let (header, payload) = (header, payload.to_vec());
                    a.dtmf_rx.receive(&header, &payload, now);
                }
                Received::Rtcp(_) | Received::Ignored(_) => {}
            }
            while let Some(ev) = a.dtmf_rx.poll_event() {
                if let (DtmfEvent::End { duration, .. }, Some(d)) = (&ev, ev.digit()) {
                    if let Ok(digit) = DtmfDigit::new(d, *duration) {
                        self.events.push_back(LineEvent::Media {
                            call: id,
                            media: Media::Dtmf(digit),
                        });
                    }
                }
            }
        }
        if let Some(id) = cng_call {
            self.stats.cng_heard += 1;
            self.request_t38(id, now);
        }
        while let Ok((n, _from)) = self.t38_sock.recv_from(&mut self.buf) {
            self.stats.udptl_in += 1;
            let Some(Call {
                media: MediaState::T38(t),
                switch,
                ..
            }) = self.call.as_mut()
            else {
                continue;
            };
            t.rx.receive(&self.buf[..n], now);
            switch.handle_t38_packet();
        }
        if let Some(Call {
            id,
            media: MediaState::T38(t),
            ..
        }) = self.call.as_mut()
        {
            let id = *id;
            t.rx.poll(now);
            while let Some((seq, data)) = t.rx.poll_ifp() {
                self.events.push_back(LineEvent::Media {
                    call: id,
                    media: Media::T38(IfpPacket { seq, data }),
                });
            }
        }
        if let Some(Call {
            id,
            media: MediaState::Audio(a),
            ..
        }) = self.call.as_mut()
        {
            let id = *id;
            a.dtmf_rx.expire(now);
            while let Some(ev) = a.dtmf_rx.poll_event() {
                if let (DtmfEvent::End { duration, .. }, Some(d)) = (&ev, ev.digit()) {
                    if let Ok(digit) = DtmfDigit::new(d, *duration) {
                        self.events.push_back(LineEvent::Media {
                            call: id,
                            media: Media::Dtmf(digit),
                        });
                    }
                }
            }
        }
    }

    fn play_audio(&mut self, now: Instant) {
        if let Some(Call {
            id,
            media: MediaState::Audio(a),
            state: CallState::Up { .. },
            ..
        }) = self.call.as_mut()
        {
            let mut frame: AudioFrame = [0; FRAME_SAMPLES];
            if a.heard {
                a.jitter.pull(now, &mut frame);
            }
            self.events.push_back(LineEvent::Media {
                call: *id,
                media: Media::Audio(frame),
            });
        }
    }
}

impl Line for SipLine {
    fn id(&self) -> &LineId {
        &self.cfg.id
    }

    fn caps(&self) -> LineCaps {
        LineCaps {
            fax_audio: true,
            t38: self.cfg.media.t38.is_some(),
            voice: true,
            sms: false,
            dtmf: self.cfg.media.telephone_event.is_some(),
        }
    }

    fn dial(&mut self, number: &str, _media: MediaKind, now: Instant) -> Result<CallId, LineError> {
        check_number(number)?;
        if self.call.is_some() {
            return Err(LineError::LineBusy);
        }
        self.last_now = now;
        let id = CallId(self.next_call);
        self.next_call += 1;
        let trunk = &self.cfg.trunk;
        let local = self.local_media();
        let offer = offer_answer::offer_audio(&local, &self.cfg.media, 1);
        let from = format!("<sip:{}@{}>", trunk.user, self.cfg.sip_bind);
        let to = format!("<{}>", trunk.request_uri(number));
        let invite = new_request(
            "INVITE",
            &trunk.request_uri(number),
            &from,
            &to,
            &self.local,
            &trunk.route(),
            &mut self.ids,
            Some(("application/sdp", offer.to_bytes())),
        )
        .map_err(|e| driver_err(format!("INVITE: {e}")))?;
        let creds: Option<Credentials> = trunk.credentials();
        let (engine, first) = OutgoingInvite::new(invite, self.local.clone(), creds);
        let tx = self.endpoint.send_request(first, self.peer, now);
        let t38_enabled = self.cfg.media.t38.is_some()
            && self.memory.first_choice(&self.cfg.trunk.name, number) == FaxTransport::T38;
        self.call = Some(Call {
            id,
            remote_number: number.to_string(),
            remote_sip: self.peer,
            state: CallState::Outgoing {
                invite: engine,
                tx,
                offer,
            },
            media: MediaState::None,
            local_sdp: None,
            sdp_version: 1,
            switch: T38Switch::new(t38_enabled, self.cfg.t38_packet_timeout),
            pending: None,
            answered_by_us: false,
            offer_t38_when_up: false,
        });
        self.events.push_back(LineEvent::Progress {
            call: id,
            progress: CallProgress::Dialling,
        });
        self.drain_endpoint(now);
        Ok(id)
    }

    fn answer(&mut self, call: CallId, now: Instant) -> Result<(), LineError> {
        self.last_now = now;
        let local = self.local_media();
        let caps = self.cfg.media.clone();
        let Some(c) = self.call.as_mut().filter(|c| c.id == call) else {
            return Err(LineError::NoSuchCall(call));
        };
        let CallState::Incoming {
            tx,
            invite,
            local_tag,
        } = &c.state
        else {
            return Err(LineError::NotRinging(call));
        };
        let (tx, invite, local_tag) = (*tx, invite.clone(), local_tag.clone());
        let offer = SessionDescription::parse(invite.body());
        // An INVITE without SDP (offer in the 200, answer in the ACK) is
        // not supported: refuse rather than guess.
        let answered = offer.and_then(|o| offer_answer::answer(&o, &local, &caps, 1));
        let (answer, negotiated) = match answered {
            Ok(a) => a,
            Err(e) => {
                self.respond(
                    tx,
                    &invite,
                    488,
                    "Not Acceptable Here",
                    Some(&local_tag),
                    None,
                    now,
                );
                self.call = None;
                return Err(driver_err(format!("cannot answer the offer: {e}")));
            }
        };
        let dialog = Dialog::uas(&invite, &local_tag, self.local.clone())
            .map_err(|e| driver_err(format!("dialog: {e}")))?;
        c.state = CallState::Up {
            dialog: Box::new(dialog),
        };
        c.local_sdp = Some(answer.clone());
        c.sdp_version = 1;
        self.respond(
            tx,
            &invite,
            200,
            "OK",
            Some(&local_tag),
            Some(answer.to_bytes()),
            now,
        );
        self.apply(&negotiated);
        self.drain_endpoint(now);
        Ok(())
    }

    fn hangup(&mut self, call: CallId, cause: HangupCause, now: Instant) {
        self.last_now = now;
        if self.call.as_ref().is_none_or(|c| c.id != call) {
            return;
        }
        self.record_transport();
        let Some(mut c) = self.call.take() else {
            return;
        };
        match &mut c.state {
            CallState::Outgoing { invite, .. } => {
                // Before a provisional response there is nothing to cancel
                // yet; the INVITE then times out or its answer gets a BYE
                // from nobody. Good enough for a line that is torn down.
                if let Ok(cancel) = invite.cancel() {
                    self.endpoint.send_request(cancel, c.remote_sip, now);
                }
            }
            CallState::Incoming {
                tx,
                invite,
                local_tag,
            } => {
                let (code, reason) = status_from_cause(cause);
                let (tx, invite, tag) = (*tx, invite.clone(), local_tag.clone());
                self.respond(tx, &invite, code, reason, Some(&tag), None, now);
            }
            CallState::Up { dialog } => {
                if let Ok(bye) = dialog.request("BYE", &mut self.ids, None) {
                    let mut m = wire::MessageText::from_request(&bye);
                    m.push("Reason", format!("Q.850;cause={}", cause.q850()));
                    let bye = m.build_request().unwrap_or(bye);
                    self.endpoint.send_request(bye, c.remote_sip, now);
                }
            }
        }
        self.drain_endpoint(now);
    }

    fn send(&mut self, call: CallId, media: Media, now: Instant) -> Result<(), LineError> {
        let Some(c) = self.call.as_mut().filter(|c| c.id == call) else {
            return Err(LineError::NoSuchCall(call));
        };
        match (&mut c.media, media) {
            (MediaState::Audio(a), Media::Audio(frame)) => {
                if let Some(d) = a.dtmf_tx.as_mut() {
                    if let Some(pkts) = d.frame(&mut a.tx, now) {
                        for p in pkts {
                            let _ = self.rtp_sock.send_to(&p, a.remote);
                        }
                        return Ok(());
                    }
                }
                let mut codes = [0u8; FRAME_SAMPLES];
                a.law.encode_into(&frame, &mut codes);
                let pkt = a.tx.voice(&codes, now);
                let _ = self.rtp_sock.send_to(&pkt, a.remote);
                Ok(())
            }
            (MediaState::Audio(a), Media::Dtmf(d)) => match a.dtmf_tx.as_mut() {
                Some(tx) => tx
                    .send_digits(
                        &d.digit().to_string(),
                        d.duration().max(Duration::from_millis(40)),
                        10,
                    )
                    .map_err(|e| driver_err(format!("DTMF: {e}"))),
                None => Err(LineError::DtmfUnsupported),
            },
            (MediaState::T38(t), Media::T38(p)) => {
                let dg =
                    t.tx.encode(p.seq, &p.data)
                        .map_err(|e| driver_err(format!("UDPTL: {e}")))?;
                let _ = self.t38_sock.send_to(&dg, t.remote);
                Ok(())
            }
            // Media of the other kind around a switch: dropped, the owner
            // restarts its session on the new transport.
            (MediaState::T38(_), Media::Audio(_) | Media::Dtmf(_))
            | (MediaState::Audio(_), Media::T38(_)) => Ok(()),
            (MediaState::None, _) => Ok(()),
        }
    }

    fn poll_event(&mut self) -> Option<LineEvent> {
        self.events.pop_front()
    }

    fn is_idle(&self) -> bool {
        self.call.is_none()
    }

    fn is_available(&self) -> bool {
        self.is_available_at(self.last_now)
    }

    fn poll_media_change(&mut self) -> Option<(CallId, MediaKind)> {
        self.changes.pop_front()
    }
}

/// A [`SipLine`] shared between the kernel's runner (which owns its lines
/// as `Box<dyn Line>`) and the media loop that ticks it, as the loopback
/// exchange is shared (one thread; `Rc<RefCell>`).
#[derive(Clone)]
pub struct SharedSipLine(std::rc::Rc<std::cell::RefCell<SipLine>>, LineId);

impl SharedSipLine {
    /// Shares `line`.
    pub fn new(line: SipLine) -> Self {
        let id = line.cfg.id.clone();
        SharedSipLine(std::rc::Rc::new(std::cell::RefCell::new(line)), id)
    }

    /// See [`SipLine::tick`].
    pub fn tick(&self, now: Instant) {
        self.0.borrow_mut().tick(now);
    }

    /// The line itself (stats, media changes, T.38 requests).
    pub fn with<R>(&self, f: impl FnOnce(&mut SipLine) -> R) -> R {
        f(&mut self.0.borrow_mut())
    }
}

impl Line for SharedSipLine {
    fn id(&self) -> &LineId {
        &self.1
    }

    fn caps(&self) -> LineCaps {
        self.0.borrow().caps()
    }

    fn dial(&mut self, number: &str, media: MediaKind, now: Instant) -> Result<CallId, LineError> {
        self.0.borrow_mut().dial(number, media, now)
    }

    fn answer(&mut self, call: CallId, now: Instant) -> Result<(), LineError> {
        self.0.borrow_mut().answer(call, now)
    }

    fn hangup(&mut self, call: CallId, cause: HangupCause, now: Instant) {
        self.0.borrow_mut().hangup(call, cause, now)
    }

    fn send(&mut self, call: CallId, media: Media, now: Instant) -> Result<(), LineError> {
        self.0.borrow_mut().send(call, media, now)
    }

    fn poll_event(&mut self) -> Option<LineEvent> {
        self.0.borrow_mut().poll_event()
    }

    fn is_idle(&self) -> bool {
        self.0.borrow().is_idle()
    }

    fn is_available(&self) -> bool {
        let line = self.0.borrow();
        line.is_available_at(line.last_now)
    }

    fn poll_media_change(&mut self) -> Option<(CallId, MediaKind)> {
        self.0.borrow_mut().changes.pop_front()
    }
}
