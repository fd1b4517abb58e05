//! NAT hooks of the SIP line (issue 17): thin calls into `sip::nat`.
//!
//! * The trunk learns its public address from the `received`/`rport` of
//!   the answers to its REGISTER and OPTIONS (RFC 3581), puts it (or the
//!   configured [`SipLineConfig::public_address`]) into Contact and the
//!   From of its calls and OPTIONS, and
//!   registers again when it changes (UDP only: over TCP/TLS the reflected
//!   port is the connection's); its channels take the new Contact with the
//!   next message or call.
//! * SDP carries the configured public address (else a learned one that
//!   shows a NAT).
//! * With [`SipLineConfig::nat_keepalive`] the trunk sends a CRLF datagram
//!   to its peer at that interval (UDP), which holds the NAT binding the
//!   peer's requests come back through.
//! * With [`SipLineConfig::media_keepalive`] a call whose media is silent
//!   that long (nothing sent: hold, a quiet T.38 phase) sends an RTP packet
//!   of a payload type nobody negotiated (RFC 6263 §4.6), under SRTP
//!   protected as any other, or an empty UDPTL datagram (RFC 6263 §4.1).
//! * With [`SipLineConfig::symmetric_rtp`] media goes where the peer's
//!   comes from ([`sip::nat::MediaLatch`], in `media`).

use std::net::SocketAddr;
use std::time::Instant;

use sip::endpoint::TxId;
use sip::nat::{self, Pinger, PublicAddress, KEEPALIVE_PAYLOAD_TYPE};
use sip::Response;

use super::media::{self, MediaState};
use super::trunk::TrunkShared;
use super::{Call, SipLine, SipLineConfig, SipTransport};

/// The trunk's NAT state.
pub(crate) struct TrunkNat {
    pub(crate) public: PublicAddress,
    /// The CRLF keep-alive (UDP only).
    crlf: Option<Pinger>,
    /// CRLF keep-alives sent.
    pub(crate) pings: u64,
}

impl TrunkNat {
    pub(crate) fn new(cfg: &SipLineConfig, now: Instant) -> TrunkNat {
        TrunkNat {
            // Over TCP/TLS the reflected port is the connection's, not one
            // a new request could reach: learn over UDP only.
            public: PublicAddress::new(
                cfg.sip_bind,
                cfg.public_address,
                cfg.learn_public_address && cfg.transport == SipTransport::Udp,
            ),
            crlf: cfg
                .nat_keepalive
                .filter(|_| cfg.transport == SipTransport::Udp)
                .map(|every| Pinger::new(every, now)),
            pings: 0,
        }
    }

    /// Our Contact URI for `cfg`'s user and transport at `addr`.
    pub(crate) fn contact(cfg: &SipLineConfig, addr: SocketAddr) -> String {
        match cfg.transport {
            SipTransport::Udp => format!("sip:{}@{addr}", cfg.trunk.user),
            SipTransport::Tcp => format!("sip:{}@{addr};transport=tcp", cfg.trunk.user),
            SipTransport::Tls => format!("sip:{}@{addr};transport=tls", cfg.trunk.user),
        }
    }
}

impl TrunkShared {
    /// A response to the trunk's REGISTER or OPTIONS: learns the address
    /// it reflects; a new one becomes the Contact and is registered.
    pub(crate) fn learn_address(&mut self, response: &Response, now: Instant) {
        let Some(addr) = self.nat.public.observe(response) else {
            return;
        };
        let contact = TrunkNat::contact(&self.cfg, addr);
        self.local.contact = contact.clone();
        if let Some(r) = self.registration.as_mut() {
            r.set_contact(contact, now);
        }
    }

    /// Sends the CRLF keep-alive when it is due.
    pub(crate) fn nat_keepalive(&mut self, now: Instant) {
        if self.nat.crlf.as_mut().is_some_and(|p| p.poll(now)) {
            self.nat.pings += 1;
            let peer = self.peer;
            self.transmit(peer, nat::CRLF_PING);
        }
    }

    /// The address we learned from the registrar's answers (None: none).
    pub(crate) fn learned_address(&self) -> Option<SocketAddr> {
        self.nat.public.learned()
    }

    /// Whether `tx` is one of the trunk's own requests (REGISTER, OPTIONS)
    /// whose answers tell the public address.
    pub(crate) fn reflects(&self, tx: TxId) -> bool {
        self.reg_tx == Some(tx) || self.ka_tx == Some(tx)
    }
}

impl SipLine {
    /// Takes the trunk's current Contact (it changes when the public
    /// address is learned).
    pub(super) fn sync_local(&mut self) {
        let t = self.trunk.borrow();
        if t.local != self.local {
            self.local = t.local.clone();
        }
    }

    /// The address for our SDP.
    pub(super) fn media_address(&self) -> String {
        self.trunk.borrow().nat.public.media().to_string()
    }

    /// The address the trunk learned from its registrar's answers (RFC
    /// 3581; None: none yet, or learning is off).
    pub fn learned_address(&self) -> Option<SocketAddr> {
        self.trunk.borrow().learned_address()
    }

    /// Where the current call's media goes now (after latching, with
    /// symmetric RTP), None without media.
    pub fn media_target(&self) -> Option<SocketAddr> {
        match &self.call.as_ref()?.media {
            MediaState::Audio(a) => Some(a.remote),
            MediaState::T38(t) => Some(t.remote),
            MediaState::None => None,
        }
    }

    /// Sends a media keep-alive when the call's media was silent for
    /// [`SipLineConfig::media_keepalive`].
    pub(super) fn media_keepalive(&mut self, now: Instant) {
        let Some(socks) = self.socks.as_ref() else {
            return;
        };
        let Some(Call { media, .. }) = self.call.as_mut() else {
            return;
        };
        match media {
            MediaState::Audio(a) => {
                if a.keepalive.as_mut().is_some_and(|p| p.poll(now)) {
                    let ts = a.tx.next_timestamp();
                    let pkt = a.tx.packet(KEEPALIVE_PAYLOAD_TYPE, false, ts, &[], now);
                    if let Some(pkt) = media::outgoing(&mut a.srtp, pkt) {
                        socks.send_rtp(pkt, a.remote);
                        self.stats.media_keepalives += 1;
                    }
                }
            }
            MediaState::T38(t) => {
                if t.keepalive.as_mut().is_some_and(|p| p.poll(now)) {
                    socks.send_t38(Vec::new(), t.remote);
                    self.stats.media_keepalives += 1;
                }
            }
            MediaState::None => {}
        }
    }
}
