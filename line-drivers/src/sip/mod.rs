//! The SIP trunk line (issue 7): one [`Line`] that is a real SIP endpoint.
//!
//! A thin socket shell around the sans-IO engines of the `sip` crate:
//! non-blocking sockets for SIP (UDP, or TCP with [`SipTransport::Tcp`] or TLS,
//! see [`transport`]), RTP and UDPTL (UDP), drained and written in
//! [`SipLine::tick`], which the line's owner calls every 20 ms with `now`
//! (the same contract as the loopback exchange's `tick`). No clock is read
//! here and no thread is started: the kernel's media thread already runs a
//! 20 ms tick, and SIP's timers (T1 = 500 ms) are coarse next to it.
//!
//! A [`SipTrunk`] ([`trunk`]) carries N calls over one signalling address:
//! it owns the SIP socket, registration, keep-alive, hold-down and T.38
//! memory, and hands each message to the channel ([`SipLine`]) that owns
//! its Call-ID. A channel owns its call's dialog and transactions (here and
//! in `signalling`) and its RTP/UDPTL sockets (`media`). [`SipLine::bind`]
//! makes a lone line: a trunk of one channel that ticks its trunk itself.
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
//!   number (a `sip::sdp::t38::TransportMemory` kept by the trunk, and in
//!   [`SipLineConfig::t38_memory_file`] across restarts if set). A
//!   re-INVITE that repeats the current media (session refresh) keeps the
//!   media state as it is.
//! * Changes of the call's media are reported by
//!   [`SipLine::poll_media_change`]: the owner restarts its fax session on
//!   the new transport (T.30 starts over; the switch happens in the first
//!   seconds of the call, where the sender's T1 timer leaves time).

pub mod cause;
mod demux;
mod engine;
pub mod flow;
mod media;
mod nat;
mod readiness;
mod shared;
mod signalling;
pub mod sockets;
pub(crate) mod stream;
pub mod tls;
pub mod transport;
pub mod trunk;

use media::MediaState;
pub use shared::SharedSipLine;
pub use sockets::ChannelFault;
use sockets::{MediaIo, MediaSockets};

pub use flow::CrlfKeepAlive;
pub use tls::SipTlsConfig;
pub use transport::SipTransport;
use trunk::TrunkShared;
pub use trunk::{SipTrunk, SipTrunkConfig, TrunkStats};

/// Where an incoming call's called number is read.
pub use sip::call::CalledFrom;
/// The trunk settings, from the `sip` crate.
pub use sip::register::RegEvent;
pub use sip::sdp::crypto::SrtpPolicy;
/// What a line remembers to try first per trunk and number.
pub use sip::sdp::t38::FaxTransport;
pub use sip::trunk::{TrunkConfig, TrunkMode};

use std::cell::RefCell;
use std::collections::VecDeque;
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;
use std::time::{Duration, Instant};

use fax_t30::media::FRAME_SAMPLES;
use sip::auth::Credentials;
use sip::call::OutgoingInvite;
use sip::dialog::{new_request, Dialog, LocalParty};
use sip::endpoint::{Endpoint, Output, TxId};
use sip::media::jitter::{JitterConfig, JitterStats};
use sip::media::srtp_log::RefusalLog;
use sip::sdp::offer_answer::{self, LocalCaps, LocalMedia};
use sip::sdp::t38::{SwitchAction, T38Switch};
use sip::sdp::SessionDescription;
use sip::transaction::TimerConfig;
use sip::wire::{self, IdGen};
use sip::{Request, SipMessage};

use crate::cause::HangupCause;
use crate::error::LineError;
use crate::line::{
    check_number, CallId, CallProgress, Line, LineCaps, LineEvent, LineId, Media, MediaKind,
};
use cause::status_from_cause;

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
#[derive(Debug, Clone, PartialEq)]
pub struct SipLineConfig {
    /// The line's name.
    pub id: LineId,
    /// The trunk (static peer or proxy) calls go to and come from.
    pub trunk: TrunkConfig,
    /// Local address for SIP (`ip:port`).
    pub sip_bind: SocketAddr,
    /// UDP (the default) or TCP for SIP; media is RTP/UDPTL over UDP.
    pub transport: SipTransport,
    /// Trust, server name and our certificate for `SipTransport::Tls`.
    pub tls: SipTlsConfig,
    /// CRLF keep-alive on the connection to the trunk (TCP/TLS, RFC 5626
    /// §4.4.1); None: none (a TLS trunk still reconnects).
    pub crlf_keepalive: Option<CrlfKeepAlive>,
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
    /// NAT: our public address (a static NAT) for Contact, From and SDP (None:
    /// the bound address, or the one learned from the registrar).
    pub public_address: Option<std::net::IpAddr>,
    /// NAT: learn our public address from the `received`/`rport` of the
    /// answers to REGISTER and OPTIONS (RFC 3581) for Contact.
    pub learn_public_address: bool,
    /// NAT: send media where the peer's media comes from (see
    /// `sip::nat::MediaLatch`).
    pub symmetric_rtp: bool,
    /// NAT: a CRLF datagram to the trunk this often (UDP), to hold the
    /// binding incoming requests come through (None: off).
    pub nat_keepalive: Option<Duration>,
    /// NAT: a media keep-alive after this long without media sent (None:
    /// off).
    pub media_keepalive: Option<Duration>,
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
            tls: SipTlsConfig::default(),
            crlf_keepalive: None,
            rtp_port,
            t38_port: rtp_port + 2,
            advertise_rtp_port: None,
            advertise_t38_port: None,
            media: LocalCaps::default(),
            t38_policy: T38Policy::OnFaxTone,
            t38_packet_timeout: Duration::from_secs(4),
            called_from: CalledFrom::RequestUri,
            jitter: line_jitter(),
            udptl_hold: Duration::from_millis(150),
            keepalive: None,
            hold_down: Duration::from_secs(60),
            t38_memory_file: None,
            public_address: None,
            learn_public_address: true,
            symmetric_rtp: false,
            nat_keepalive: None,
            media_keepalive: None,
            seed: u64::from(sip_port) << 16 | u64::from(rtp_port),
        }
    }
}

/// The playout delay a SIP line starts a call's audio with: more than a
/// stall of the far end's media loop (VMs stall for 20–100 ms now and
/// then), plus a frame and the margin. A far end that stalls catches up by
/// sending what it missed at once; with a shorter delay those packets come
/// after their samples were due, the buffer fills the gap with silence and
/// raises its delay by more silence, in the middle of a page. Fax lives
/// well with the delay (T.30 waits seconds for an answer).
pub const LINE_PLAYOUT_DELAY: Duration = Duration::from_millis(150);

/// The jitter buffer settings of [`SipLineConfig::new`]: the `sip` crate's
/// defaults with [`LINE_PLAYOUT_DELAY`].
pub fn line_jitter() -> JitterConfig {
    JitterConfig {
        initial_delay: LINE_PLAYOUT_DELAY,
        ..JitterConfig::default()
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
    /// Our re-INVITEs answered 491 Request Pending (glare), each sent
    /// again after the RFC 3261 §14.1 delay.
    pub glare_retries: u64,
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
    /// SRTP/SRTCP packets refused (bad tag, replay, too old, malformed).
    pub srtp_refused: u64,
    /// Media packets refused from a source other than the latched one
    /// (symmetric RTP).
    pub media_refused: u64,
    /// Media keep-alives sent (RTP or UDPTL).
    pub media_keepalives: u64,
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

struct Call {
    id: CallId,
    /// The SIP Call-ID (the trunk routes its messages to this channel).
    sip_call_id: String,
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
    /// A re-INVITE of ours met glare (491): sent again at this time
    /// (RFC 3261 §14.1).
    glare_retry: Option<(Instant, ReinviteKind)>,
    /// Glares this call met.
    glares: u32,
    /// The log lines of the SRTP packets this call refused.
    srtp_log: RefusalLog,
}

/// One SIP line: one channel of a trunk (see [`SipTrunk`]), or a trunk
/// of its own with one channel ([`SipLine::bind`]). See the module
/// documentation.
pub struct SipLine {
    cfg: SipLineConfig,
    /// The trunk's shared part: signalling transport, registration,
    /// keep-alive, hold-down, T.38 memory.
    trunk: Rc<RefCell<TrunkShared>>,
    /// This channel's index in its trunk.
    index: usize,
    /// A lone line: its `tick` also runs the trunk.
    drives_trunk: bool,
    /// The RTP and UDPTL sockets, or the engine's outbox without them
    /// (None: out of service, see `fault`).
    socks: Option<MediaIo>,
    /// Why the channel is out of service (its ports could not be bound,
    /// or a socket failed or was flooded): it takes no calls.
    fault: Option<String>,
    /// `fault` was handed out by `take_new_fault`.
    fault_reported: bool,
    peer: SocketAddr,
    local: LocalParty,
    endpoint: Endpoint,
    ids: IdGen,
    call: Option<Call>,
    next_call: u64,
    events: VecDeque<LineEvent>,
    changes: VecDeque<(CallId, MediaKind)>,
    stats: SipLineStats,
    buf: Vec<u8>,
    last_now: Instant,
    /// When the current call's Call-ID was last claimed.
    claimed_at: Option<Instant>,
    /// Our SRTP master key for the current audio session (None: SRTP off);
    /// made anew for each call and each return to audio.
    srtp_key: Option<sip::media::srtp::MasterKey>,
    /// Calls refused for their media (SRTP policy, no codec) and SRTP
    /// packets refused (rate-limited), not yet taken by
    /// [`SipLine::poll_refusal`]; the oldest go past [`MAX_REFUSALS`].
    refusals: VecDeque<String>,
    /// Spreads glare retries (seeded: a simulated run repeats).
    glare_rng: rand::rngs::SmallRng,
}

/// Refusals kept for the owner's log at most.
const MAX_REFUSALS: usize = 16;

/// How often a channel refreshes its call's Call-ID in the trunk's table.
pub(crate) const CLAIM_REFRESH: Duration = Duration::from_secs(1);

fn io_err(what: &str, e: std::io::Error) -> LineError {
    LineError::Io(std::io::Error::new(e.kind(), format!("{what}: {e}")))
}

fn driver_err(msg: impl Into<String>) -> LineError {
    LineError::Io(std::io::Error::other(msg.into()))
}

fn addr(host: &str, port: u16) -> Option<SocketAddr> {
    (host, port).to_socket_addrs().ok()?.next()
}

impl SipLine {
    /// Binds the sockets of a lone line (a trunk of one channel: its
    /// `tick` runs the trunk too). The trunk's next hop must resolve now.
    /// A media port that cannot be bound is an error here (a lone line has
    /// no other channel to carry on).
    pub fn bind(cfg: SipLineConfig, now: Instant) -> Result<SipLine, LineError> {
        let socks = MediaSockets::bind(cfg.sip_bind.ip(), cfg.rtp_port, cfg.t38_port)?;
        let shared = Rc::new(RefCell::new(TrunkShared::bind(&cfg, now)?));
        Ok(SipLine::channel(
            cfg,
            0,
            shared,
            true,
            Ok(MediaIo::Sockets(socks)),
            now,
        ))
    }

    /// Channel `index` of a trunk, with its media sockets or why they
    /// could not be bound (then it is out of service from the start).
    pub(crate) fn channel(
        cfg: SipLineConfig,
        index: usize,
        trunk: Rc<RefCell<TrunkShared>>,
        drives_trunk: bool,
        socks: Result<MediaIo, String>,
        now: Instant,
    ) -> SipLine {
        let (peer, local) = {
            let t = trunk.borrow();
            (t.peer, t.local.clone())
        };
        let (socks, fault) = match socks {
            Ok(s) => {
                if let MediaIo::Sockets(socks) = &s {
                    trunk.borrow_mut().register_media(index, socks);
                }
                (Some(s), None)
            }
            Err(e) => (None, Some(e)),
        };
        let cfg_seed = cfg.seed;
        SipLine {
            ids: IdGen::new(cfg.seed),
            endpoint: Endpoint::new(cfg.transport.is_reliable(), TimerConfig::default()),
            cfg,
            trunk,
            index,
            drives_trunk,
            socks,
            fault,
            fault_reported: false,
            peer,
            local,
            call: None,
            next_call: 1,
            events: VecDeque::new(),
            changes: VecDeque::new(),
            stats: SipLineStats::default(),
            buf: vec![0; 65_536],
            last_now: now,
            srtp_key: None,
            refusals: VecDeque::new(),
            claimed_at: None,
            glare_rng: rand::SeedableRng::seed_from_u64(cfg_seed ^ 0x0491),
        }
    }

    /// Why the channel is out of service (None: in service).
    pub fn fault(&self) -> Option<ChannelFault> {
        self.fault.as_ref().map(|reason| ChannelFault {
            line: self.cfg.id.clone(),
            reason: reason.clone(),
        })
    }

    /// The next call refused for its media: a 488 we sent to an offer, or
    /// a call we hung up on an unacceptable answer (e.g. no SRTP under
    /// `srtp = "mandatory"`), with the reason; or SRTP packets a call
    /// refused (the first, then at most one line per
    /// [`REFUSAL_LOG_INTERVAL`](sip::media::srtp_log::REFUSAL_LOG_INTERVAL)
    /// a call, with the reason; all are counted in
    /// [`SipLineStats::srtp_refused`]). One log line each.
    pub fn poll_refusal(&mut self) -> Option<String> {
        self.refusals.pop_front()
    }

    pub(super) fn note_refusal(&mut self, text: String) {
        if self.refusals.len() == MAX_REFUSALS {
            self.refusals.pop_front();
        }
        self.refusals.push_back(text);
    }

    /// The fault, the first time it is asked for (to log it once).
    pub fn take_new_fault(&mut self) -> Option<ChannelFault> {
        if self.fault_reported {
            return None;
        }
        let f = self.fault()?;
        self.fault_reported = true;
        Some(f)
    }

    /// Takes the channel out of service: its sockets are closed and its
    /// call, if any, ends (BYE, or 503 to a call still ringing in) with
    /// a temporary failure.
    pub(super) fn go_out_of_service(&mut self, reason: String, now: Instant) {
        if self.fault.is_some() {
            return;
        }
        self.fault = Some(reason);
        self.socks = None;
        if let Some(id) = self.call.as_ref().map(|c| c.id) {
            self.hangup(id, HangupCause::TemporaryFailure, now);
            self.events.push_back(LineEvent::HungUp {
                call: id,
                cause: HangupCause::TemporaryFailure,
            });
        }
    }

    /// Whether the trunk's registration holds at `now` (None: the trunk
    /// does not register).
    pub fn is_registered(&self, now: Instant) -> Option<bool> {
        self.trunk.borrow().is_registered(now)
    }

    /// The registration's last report (registered, failed with a code).
    pub fn registration_event(&self) -> Option<RegEvent> {
        self.trunk.borrow().registration_event().cloned()
    }

    /// Turns the trunk's OPTIONS keep-alive on (first ping at the next
    /// tick) or off.
    pub fn set_keepalive(&mut self, every: Option<Duration>) {
        self.cfg.keepalive = every;
        self.trunk.borrow_mut().set_keepalive(every);
    }

    /// Whether the trunk answers its keep-alives (None: keep-alive off).
    pub fn trunk_up(&self) -> Option<bool> {
        self.trunk.borrow().trunk_up()
    }

    /// See [`Line::is_available`]: in service, keep-alives answered,
    /// registered (if the trunk registers) and not held down after a
    /// trunk failure.
    pub fn is_available_at(&self, now: Instant) -> bool {
        self.fault.is_none() && self.trunk.borrow().is_available_at(now)
    }

    /// No call on this channel.
    pub(crate) fn is_idle_channel(&self) -> bool {
        self.call.is_none()
    }

    /// No call and in service: a new INVITE may go here.
    pub(crate) fn takes_calls(&self) -> bool {
        self.call.is_none() && self.fault.is_none()
    }

    /// A message the trunk routed to this channel.
    pub(crate) fn deliver(&mut self, from: SocketAddr, msg: SipMessage, now: Instant) {
        self.last_now = now;
        self.sync_local();
        self.endpoint.handle_message(from, msg, now);
        self.drain_endpoint(now);
    }

    /// The trunk's name.
    pub fn trunk_name(&self) -> &str {
        &self.cfg.trunk.name
    }

    /// Counters (the keep-alive and malformed-message counts are the
    /// trunk's).
    pub fn stats(&self) -> SipLineStats {
        let t = self.trunk.borrow().stats;
        SipLineStats {
            keepalives_answered: t.keepalives_answered,
            sip_malformed: self.stats.sip_malformed + t.sip_malformed,
            ..self.stats
        }
    }

    /// The media the current call carries now (None: no media yet).
    pub fn media_kind(&self) -> Option<MediaKind> {
        match self.call.as_ref()?.media {
            MediaState::Audio(_) => Some(MediaKind::Audio),
            MediaState::T38(_) => Some(MediaKind::T38),
            MediaState::None => None,
        }
    }

    /// The counters of the current call's jitter buffer (None: no call, or
    /// its media is not audio).
    pub fn jitter_stats(&self) -> Option<JitterStats> {
        match &self.call.as_ref()?.media {
            MediaState::Audio(a) => Some(a.jitter.stats()),
            _ => None,
        }
    }

    /// The next change of a call's media (audio ↔ T.38): the owner
    /// restarts its fax session on the new transport.
    pub fn poll_media_change(&mut self) -> Option<(CallId, MediaKind)> {
        self.changes.pop_front()
    }

    /// What the line remembers to try first towards `number`.
    pub fn first_choice(&self, number: &str) -> FaxTransport {
        self.trunk
            .borrow()
            .memory
            .first_choice(&self.cfg.trunk.name, number)
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
    /// A channel of a [`SipTrunk`] is ticked by its trunk (this then only
    /// runs the channel's part).
    pub fn tick(&mut self, now: Instant) {
        if self.drives_trunk {
            self.trunk.borrow_mut().poll_ready();
            let idle = self.takes_calls();
            let routed = self
                .trunk
                .borrow_mut()
                .receive_routed(now, &|i| i == 0 && idle);
            for (_, from, msg) in routed {
                self.deliver(from, msg, now);
            }
            self.trunk.borrow_mut().tick(now);
        }
        self.tick_channel(now);
        if self.drives_trunk {
            self.trunk.borrow_mut().flush();
        }
    }

    /// The channel's part of a tick: its transactions' timers, media.
    pub(crate) fn tick_channel(&mut self, now: Instant) {
        self.last_now = now;
        // Connections that failed this tick end their transactions now.
        let lost = self.trunk.borrow().lost_now().to_vec();
        for (peer, cause) in lost {
            self.endpoint.transport_error(peer, &cause);
            // The call came in on a connection the peer opened, and that
            // is gone: the port it came from listens to nothing, so the
            // call's requests (BYE) go to the trunk's next hop, on a new
            // connection there.
            let peer_of_trunk = self.peer;
            if let Some(c) =
                (self.call.as_mut()).filter(|c| c.remote_sip == peer && peer != peer_of_trunk)
            {
                c.remote_sip = peer_of_trunk;
            }
        }
        if self.endpoint.poll_timeout().is_some_and(|t| t <= now) {
            self.endpoint.handle_timeout(now);
        }
        self.drain_endpoint(now);
        // Keeps the call's Call-ID with this channel (it is claimed when
        // the call starts; a refresh a second is plenty against the 32 s
        // linger, and spares hashing it every tick).
        if let Some(c) = &self.call {
            if self
                .claimed_at
                .is_none_or(|t| now.saturating_duration_since(t) >= CLAIM_REFRESH)
            {
                self.claimed_at = Some(now);
                self.trunk
                    .borrow_mut()
                    .claim(&c.sip_call_id, self.index, now);
            }
        }
        self.read_media(now);
        self.media_keepalive(now);
        self.switch_timers(now);
        self.play_audio(now);
        self.drain_endpoint(now);
    }

    /// The next log line about the trunk's SIP connections (see
    /// [`SipTrunk::poll_notice`]).
    pub fn poll_notice(&self) -> Option<String> {
        self.trunk.borrow_mut().poll_notice()
    }

    /// (reconnects, CRLF pongs) of the connection to the trunk.
    pub fn link_counts(&self) -> (u64, u64) {
        self.trunk.borrow().link_counts()
    }

    /// Open SIP connections of the trunk (TCP; always 0 on UDP).
    pub fn sip_connections(&self) -> usize {
        self.trunk.borrow().connections()
    }

    fn transmit(&mut self, to: SocketAddr, bytes: &[u8]) {
        self.trunk.borrow_mut().transmit(to, bytes);
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
        // A response that makes a dialog carries the Record-Route of the
        // request (RFC 3261 §12.1.1): the caller's ACK and BYE then go
        // through the proxies that asked to stay in the path.
        if (101..300).contains(&code) {
            for rr in wire::header_values(req, "Record-Route") {
                m.push("Record-Route", rr);
            }
        }
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
            address: self.media_address(),
            audio_port: self.cfg.advertise_rtp_port.unwrap_or(self.cfg.rtp_port),
            t38_port: self.cfg.advertise_t38_port.unwrap_or(self.cfg.t38_port),
            session_id: (self.cfg.seed % 1_000_000_000).to_string(),
            srtp_key: self.srtp_key.clone(),
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
                let (changed, failed) = self
                    .trunk
                    .borrow_mut()
                    .record_transport(&trunk, &number, used);
                if changed && failed {
                    self.stats.t38_memory_write_errors += 1;
                }
            }
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
            fax_modem: false,
        }
    }

    fn dial(&mut self, number: &str, _media: MediaKind, now: Instant) -> Result<CallId, LineError> {
        check_number(number)?;
        if self.call.is_some() {
            return Err(LineError::LineBusy);
        }
        if let Some(f) = &self.fault {
            return Err(LineError::OutOfService(f.clone()));
        }
        self.last_now = now;
        self.sync_local();
        let id = CallId(self.next_call);
        self.next_call += 1;
        self.fresh_srtp_key();
        let trunk = &self.cfg.trunk;
        let local = self.local_media();
        let offer = offer_answer::offer_audio(&local, &self.cfg.media, 1);
        let from = self.trunk.borrow().nat.public.from_uri(&trunk.user);
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
        let sip_call_id = wire::Core::of(&invite)
            .map(|c| c.call_id)
            .map_err(|e| driver_err(format!("INVITE: {e}")))?;
        self.trunk.borrow_mut().claim(&sip_call_id, self.index, now);
        let (engine, first) = OutgoingInvite::new(invite, self.local.clone(), creds);
        let tx = self.endpoint.send_request(first, self.peer, now);
        let t38_enabled =
            self.cfg.media.t38.is_some() && self.first_choice(number) == FaxTransport::T38;
        self.call = Some(Call {
            id,
            sip_call_id,
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
            glare_retry: None,
            glares: 0,
            srtp_log: RefusalLog::default(),
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
                let Some(socks) = self.socks.as_ref() else {
                    return Ok(());
                };
                if let Some(d) = a.dtmf_tx.as_mut() {
                    if let Some(pkts) = d.frame(&mut a.tx, now) {
                        if let Some(k) = a.keepalive.as_mut() {
                            k.sent(now);
                        }
                        for p in pkts {
                            if let Some(p) = media::outgoing(&mut a.srtp, p) {
                                socks.send_rtp(p, a.remote);
                            }
                        }
                        return Ok(());
                    }
                }
                let mut codes = [0u8; FRAME_SAMPLES];
                a.law.encode_into(&frame, &mut codes);
                let pkt = a.tx.voice(&codes, now);
                if let Some(k) = a.keepalive.as_mut() {
                    k.sent(now);
                }
                if let Some(pkt) = media::outgoing(&mut a.srtp, pkt) {
                    socks.send_rtp(pkt, a.remote);
                }
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
                if let Some(k) = t.keepalive.as_mut() {
                    k.sent(now);
                }
                if let Some(socks) = self.socks.as_ref() {
                    socks.send_t38(dg, t.remote);
                }
                Ok(())
            }
            // Media of the other kind around a switch: dropped, the owner
            // restarts its session on the new transport.
            (MediaState::T38(_), Media::Audio(_) | Media::Dtmf(_))
            | (MediaState::Audio(_), Media::T38(_)) => Ok(()),
            (_, Media::ModemRequest(_) | Media::ModemReport(_)) => {
                Err(LineError::Unsupported(MediaKind::Modem))
            }
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
