//! The media of a SIP channel's call: RTP (G.711 through the jitter
//! buffer, RFC 4733 DTMF, CNG detection) and T.38 over UDPTL, set up from
//! the SDP exchange and moved once per tick. Audio is SRTP when the
//! exchange agreed keys ([`SrtpMedia`]): packets are protected just before
//! the socket and unprotected just after it, so nothing else changes.

use std::net::SocketAddr;
use std::time::Instant;

use fax_t30::g711::Law;
use fax_t30::media::{AudioFrame, IfpPacket, FRAME_SAMPLES};
use fax_t30::tones::{ConnectTone, ConnectToneDetector};
use sip::media::dtmf::{DtmfEvent, DtmfReceiver, DtmfSender};
use sip::media::jitter::JitterBuffer;
use sip::media::rtp::{self, DatagramKind, Received, RtpReceiver, RtpSender, G711};
use sip::media::srtp::{MasterKey, SrtpContext};
use sip::media::udptl::{self, UdptlReceiver, UdptlSender};
use sip::nat::{Latched, MediaLatch, Pinger};
use sip::sdp::crypto::{SrtpKeys, SrtpPolicy};
use sip::sdp::offer_answer::{AudioCodec, Negotiated};

use super::sockets::{self, MediaIo, MediaSockets, Read};
use super::{addr, Call, CallState, SipLine, T38Policy};
use crate::line::{DtmfDigit, LineEvent, Media, MediaKind};

pub(super) struct AudioMedia {
    pub(super) remote: SocketAddr,
    pub(super) law: Law,
    pub(super) tx: RtpSender,
    pub(super) rx: RtpReceiver,
    pub(super) jitter: JitterBuffer,
    pub(super) dtmf_tx: Option<DtmfSender>,
    pub(super) dtmf_rx: DtmfReceiver,
    pub(super) heard: bool,
    /// Listens for the caller's CNG on calls we answered under
    /// [`T38Policy::OnFaxTone`].
    pub(super) cng: Option<ConnectToneDetector>,
    /// SRTP both ways, when agreed.
    pub(super) srtp: Option<SrtpMedia>,
    /// Where media goes (symmetric RTP).
    pub(super) latch: MediaLatch,
    /// The media keep-alive's timer (None: off).
    pub(super) keepalive: Option<Pinger>,
}

/// The SRTP of an audio session: our key protects what we send, the
/// peer's unprotects what arrives.
pub(super) struct SrtpMedia {
    keys: SrtpKeys,
    outbound: SrtpContext,
    inbound: SrtpContext,
}

impl SrtpMedia {
    fn new(keys: &SrtpKeys) -> SrtpMedia {
        SrtpMedia {
            keys: keys.clone(),
            outbound: keys.outbound(),
            inbound: keys.inbound(),
        }
    }

    /// Protect an RTP packet for the wire (None: the sender ran out of
    /// indices under this key; the packet is dropped).
    pub(super) fn protect(&mut self, packet: &[u8]) -> Option<Vec<u8>> {
        self.outbound.protect_rtp(packet).ok()
    }
}

/// The RTP packet to send: `packet` as it is, or SRTP-protected.
pub(super) fn outgoing(srtp: &mut Option<SrtpMedia>, packet: Vec<u8>) -> Option<Vec<u8>> {
    match srtp {
        Some(s) => s.protect(&packet),
        None => Some(packet),
    }
}

pub(super) struct T38Media {
    pub(super) remote: SocketAddr,
    pub(super) latch: MediaLatch,
    pub(super) keepalive: Option<Pinger>,
    pub(super) tx: UdptlSender,
    pub(super) rx: UdptlReceiver,
}

pub(super) enum MediaState {
    None,
    Audio(Box<AudioMedia>),
    T38(Box<T38Media>),
}

pub(super) fn law_of(codec: AudioCodec) -> Law {
    match codec {
        AudioCodec::Pcma => Law::ALaw,
        AudioCodec::Pcmu => Law::MuLaw,
    }
}

pub(super) fn g711_of(law: Law) -> G711 {
    match law {
        Law::ALaw => G711::Pcma,
        Law::MuLaw => G711::Pcmu,
    }
}

pub(super) fn udptl_ec(p: &sip::sdp::t38::T38Params) -> udptl::ErrorCorrection {
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

impl SipLine {
    /// Sets up the media the SDP exchange agreed on. Same kind as now:
    /// only the remote address may change (a refresh keeps the state).
    pub(super) fn apply(&mut self, negotiated: &Negotiated) {
        let Some(c) = self.call.as_mut() else { return };
        let first_media = matches!(c.media, MediaState::None);
        let new_kind = match negotiated {
            Negotiated::Audio {
                address,
                port,
                codec,
                telephone_event,
                srtp,
                ..
            } => {
                let Some(remote) = addr(address, *port) else {
                    return;
                };
                if let MediaState::Audio(a) = &mut c.media {
                    a.latch.signalled(remote);
                    a.remote = a.latch.target();
                    // A refresh that changed the keys starts new contexts.
                    if a.srtp.as_ref().map(|s| &s.keys) != srtp.as_ref() {
                        a.srtp = srtp.as_ref().map(SrtpMedia::new);
                    }
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
                    srtp: srtp.as_ref().map(SrtpMedia::new),
                    latch: MediaLatch::new(remote, self.cfg.symmetric_rtp),
                    keepalive: self
                        .cfg
                        .media_keepalive
                        .map(|d| Pinger::new(d, self.last_now)),
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
                    t.latch.signalled(remote);
                    t.remote = t.latch.target();
                    return;
                }
                let max = params.max_datagram.unwrap_or(400).clamp(100, 1400) as usize;
                c.media = MediaState::T38(Box::new(T38Media {
                    remote,
                    latch: MediaLatch::new(remote, self.cfg.symmetric_rtp),
                    keepalive: self
                        .cfg
                        .media_keepalive
                        .map(|d| Pinger::new(d, self.last_now)),
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

    /// The shell's part of a tick for the media: reads the sockets (at
    /// most the per-tick limit each) into the engine; a socket that failed
    /// or is flooded takes the channel out of service. The engine alone
    /// (no sockets) got its datagrams through `handle_datagram` already.
    pub(super) fn read_media(&mut self, now: Instant) {
        let socks = match self.socks.take() {
            Some(MediaIo::Sockets(s)) => s,
            other => {
                let open = other.is_some();
                self.socks = other;
                if open {
                    self.poll_received(now);
                }
                return;
            }
        };
        let ready = self.trunk.borrow().media_ready(self.index);
        let (rtp_n, t38_n, failed) = self.read_sockets(&socks, ready, now);
        let mut socks = socks;
        let flood = socks.note_tick(rtp_n, t38_n);
        self.socks = Some(MediaIo::Sockets(socks));
        if let Some(reason) = failed.or(flood) {
            self.go_out_of_service(reason, now);
            return;
        }
        self.poll_received(now);
    }

    /// Reads both sockets (at most the per-tick limit each); returns the
    /// datagrams read from each and a failure, if one failed.
    fn read_sockets(
        &mut self,
        socks: &MediaSockets,
        (rtp_ready, t38_ready): (bool, bool),
        now: Instant,
    ) -> (usize, usize, Option<String>) {
        let mut buf = std::mem::take(&mut self.buf);
        let mut rtp_n = 0;
        let mut failed = None;
        while rtp_ready && failed.is_none() {
            match sockets::read(&socks.rtp, "RTP", &mut buf, rtp_n) {
                Read::Datagram(n, from) => {
                    rtp_n += 1;
                    self.receive_rtp(from, &buf[..n], now);
                }
                Read::Done => break,
                Read::Failed(e) => failed = Some(e),
            }
        }
        let mut t38_n = 0;
        while t38_ready && failed.is_none() {
            match sockets::read(&socks.t38, "UDPTL", &mut buf, t38_n) {
                Read::Datagram(n, from) => {
                    t38_n += 1;
                    self.receive_udptl(from, &buf[..n], now);
                }
                Read::Done => break,
                Read::Failed(e) => failed = Some(e),
            }
        }
        self.buf = buf;
        (rtp_n, t38_n, failed)
    }

    /// An RTP (or SRTP, RTCP) datagram arrived at the channel's RTP port
    /// from `from` (the socket's or the simulated network's source). An
    /// SRTP packet that does not unprotect is counted and logged
    /// (rate-limited, see [`SipLine::poll_refusal`]).
    pub(super) fn receive_rtp(&mut self, from: SocketAddr, datagram: &[u8], now: Instant) {
        self.stats.rtp_in += 1;
        let Some(Call {
            id,
            media: MediaState::Audio(a),
            srtp_log,
            remote_number,
            ..
        }) = self.call.as_mut()
        else {
            return;
        };
        let id = *id;
        let unprotected;
        let datagram = match a.srtp.as_mut() {
            None => datagram,
            Some(s) => {
                let result = match rtp::classify(datagram) {
                    DatagramKind::Rtp => s.inbound.unprotect_rtp(datagram),
                    DatagramKind::Rtcp => s.inbound.unprotect_rtcp(datagram),
                    // STUN and the rest are not SRTP: the receiver
                    // ignores them as before.
                    _ => Ok(datagram.to_vec()),
                };
                match result {
                    Ok(p) => {
                        unprotected = p;
                        &unprotected[..]
                    }
                    Err(e) => {
                        self.stats.srtp_refused += 1;
                        let line = srtp_log.refused(&e, now).map(|text| {
                            format!("call with {remote_number} (media from {from}): {text}")
                        });
                        if let Some(line) = line {
                            self.note_refusal(line);
                        }
                        return;
                    }
                }
            }
        };
        // Symmetric RTP: RTP and RTCP that parsed (and authenticated)
        // latch; other sources are refused once latched.
        if matches!(
            rtp::classify(datagram),
            DatagramKind::Rtp | DatagramKind::Rtcp
        ) {
            if a.latch.observe(from) == Latched::Refuse {
                self.stats.media_refused += 1;
                return;
            }
            a.remote = a.latch.target();
        }
        let mut cng_heard = false;
        match a.rx.receive(datagram, now) {
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
                    cng_heard = true;
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
        if cng_heard {
            self.stats.cng_heard += 1;
            self.request_t38(id, now);
        }
    }

    /// A UDPTL datagram arrived at the channel's UDPTL port from `_from`.
    pub(super) fn receive_udptl(&mut self, from: SocketAddr, datagram: &[u8], now: Instant) {
        self.stats.udptl_in += 1;
        let Some(Call {
            media: MediaState::T38(t),
            switch,
            ..
        }) = self.call.as_mut()
        else {
            return;
        };
        // An empty datagram is a keep-alive (RFC 6263 §4.1): no T.38.
        if datagram.is_empty() {
            return;
        }
        if t.latch.observe(from) == Latched::Refuse {
            self.stats.media_refused += 1;
            return;
        }
        t.remote = t.latch.target();
        t.rx.receive(datagram, now);
        switch.handle_t38_packet();
    }

    /// Moves what the receivers hold (UDPTL in order, expired DTMF) to
    /// the owner's events.
    fn poll_received(&mut self, now: Instant) {
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

    pub(super) fn play_audio(&mut self, now: Instant) {
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

impl SipLine {
    /// A new random SRTP master key for the next offer or answer (none
    /// under `srtp = "off"`). The key comes from the operating system's
    /// generator, not from the line's seed: the seed makes SSRCs and
    /// sequence numbers repeatable in tests, which keys must never be.
    pub(super) fn fresh_srtp_key(&mut self) {
        use rand::RngCore as _;
        self.srtp_key = (self.cfg.media.srtp != SrtpPolicy::Off).then(|| {
            let mut bytes = [0u8; 30];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            MasterKey::from_concat(&bytes).expect("30 bytes")
        });
    }
}
