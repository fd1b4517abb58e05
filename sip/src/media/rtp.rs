//! RTP (RFC 3550) for G.711 calls: demultiplexing of what arrives on the
//! media port, parsing and building of RTP packets with `rtp-rs`, the
//! sending side's sequence/timestamp/SSRC state and the receiving side's
//! per-source statistics (RFC 3550 A.1 and A.8), which RTCP reports.
//!
//! Packets are plain byte slices in and `Vec<u8>` out; nothing here reads a
//! clock or a socket.

use std::time::Instant;

use super::MediaError;

/// RTP payload type of G.711 µ-law (RFC 3551).
pub const PT_PCMU: u8 = 0;
/// RTP payload type of G.711 A-law (RFC 3551).
pub const PT_PCMA: u8 = 8;
/// G.711 samples (and octets) in one 20 ms packet.
pub const SAMPLES_PER_PACKET: u32 = 160;
/// RTP clock rate of G.711 and of telephone-events.
pub const CLOCK_RATE: u32 = 8000;

/// The G.711 payload formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum G711 {
    Pcmu,
    Pcma,
}

impl G711 {
    pub fn payload_type(self) -> u8 {
        match self {
            G711::Pcmu => PT_PCMU,
            G711::Pcma => PT_PCMA,
        }
    }

    pub fn from_payload_type(pt: u8) -> Option<G711> {
        match pt {
            PT_PCMU => Some(G711::Pcmu),
            PT_PCMA => Some(G711::Pcma),
            _ => None,
        }
    }

    /// The code word of a zero sample (what a silent frame is made of).
    pub fn silence_code(self) -> u8 {
        match self {
            G711::Pcmu => 0xFF,
            G711::Pcma => 0xD5,
        }
    }
}

/// What a datagram on the RTP port is (RFC 7983 demultiplexing; RTP and
/// RTCP on one port by RFC 5761).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatagramKind {
    Rtp,
    Rtcp,
    /// A STUN message (ICE consent / keep-alive): ignored by a plain RTP peer.
    Stun,
    /// DTLS, ZRTP or garbage: ignored.
    Other,
}

/// Classify a datagram by its first octets without parsing it.
pub fn classify(buf: &[u8]) -> DatagramKind {
    let Some(&b0) = buf.first() else {
        return DatagramKind::Other;
    };
    match b0 {
        0..=3 => {
            // STUN: 20-octet header, magic cookie 0x2112A442 (RFC 5389).
            if buf.len() >= 20 && buf[4..8] == [0x21, 0x12, 0xA4, 0x42] {
                DatagramKind::Stun
            } else {
                DatagramKind::Other
            }
        }
        128..=191 => {
            if buf.len() < 2 {
                return DatagramKind::Other;
            }
            // RFC 5761 4: RTCP packet types 192..=223 are payload types
            // 64..=95 with the marker bit set.
            match buf[1] {
                192..=223 => DatagramKind::Rtcp,
                _ => DatagramKind::Rtp,
            }
        }
        _ => DatagramKind::Other,
    }
}

/// The fixed header fields of one RTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    pub payload_type: u8,
    pub marker: bool,
    pub seq: u16,
    pub timestamp: u32,
    pub ssrc: u32,
}

/// A parsed RTP packet borrowing the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    pub header: RtpHeader,
    pub payload: &'a [u8],
}

/// Parse an RTP packet (version 2, CSRCs, extension and padding allowed).
pub fn parse(buf: &[u8]) -> Result<RtpPacket<'_>, MediaError> {
    let r =
        rtp_rs::RtpReader::new(buf).map_err(|e| MediaError::Malformed(format!("RTP: {e:?}")))?;
    Ok(RtpPacket {
        header: RtpHeader {
            payload_type: r.payload_type(),
            marker: r.mark(),
            seq: r.sequence_number().into(),
            timestamp: r.timestamp(),
            ssrc: r.ssrc(),
        },
        payload: r.payload(),
    })
}

/// Build an RTP packet.
pub fn build(header: &RtpHeader, payload: &[u8]) -> Vec<u8> {
    rtp_rs::RtpPacketBuilder::new()
        .payload_type(header.payload_type & 0x7F)
        .marked(header.marker)
        .sequence(header.seq.into())
        .timestamp(header.timestamp)
        .ssrc(header.ssrc)
        .payload(payload)
        .build()
        // Only a payload type above 127 or more than 15 CSRCs can fail,
        // and neither is possible here.
        .unwrap_or_default()
}

/// The sending side of one RTP stream (one SSRC): G.711 voice and the
/// RFC 4733 events share its sequence numbers and timestamps, as RFC 4733
/// 2.1 asks.
#[derive(Debug, Clone)]
pub struct RtpSender {
    ssrc: u32,
    seq: u16,
    /// Timestamp of the next voice packet.
    timestamp: u32,
    law: G711,
    first: bool,
    /// Packets and payload octets sent (for the RTCP sender report).
    pub packets: u32,
    pub octets: u32,
    /// RTP timestamp and send time of the latest packet.
    pub last_sent: Option<(u32, Instant)>,
}

impl RtpSender {
    /// `ssrc`, first sequence number and first timestamp should be random
    /// (RFC 3550 5.1); the caller draws them.
    pub fn new(law: G711, ssrc: u32, first_seq: u16, first_timestamp: u32) -> Self {
        RtpSender {
            ssrc,
            seq: first_seq,
            timestamp: first_timestamp,
            law,
            first: true,
            packets: 0,
            octets: 0,
            last_sent: None,
        }
    }

    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    pub fn law(&self) -> G711 {
        self.law
    }

    /// Timestamp the next voice packet will carry.
    pub fn next_timestamp(&self) -> u32 {
        self.timestamp
    }

    /// Sequence number the next packet will carry.
    pub fn next_seq(&self) -> u16 {
        self.seq
    }

    /// One packet of G.711 code words (normally 160: 20 ms). The first
    /// packet of the stream has the marker bit set.
    pub fn voice(&mut self, codes: &[u8], now: Instant) -> Vec<u8> {
        let ts = self.timestamp;
        let marker = std::mem::take(&mut self.first);
        let pkt = self.packet(self.law.payload_type(), marker, ts, codes, now);
        self.timestamp = self.timestamp.wrapping_add(codes.len() as u32);
        pkt
    }

    /// Let `samples` of time pass without sending voice (the timestamp of
    /// the next voice packet moves on; RFC 3550 5.1).
    pub fn skip(&mut self, samples: u32) {
        self.timestamp = self.timestamp.wrapping_add(samples);
    }

    /// A packet with its own payload type and timestamp (telephone-events),
    /// taking the next sequence number.
    pub fn packet(
        &mut self,
        payload_type: u8,
        marker: bool,
        timestamp: u32,
        payload: &[u8],
        now: Instant,
    ) -> Vec<u8> {
        let h = RtpHeader {
            payload_type,
            marker,
            seq: self.seq,
            timestamp,
            ssrc: self.ssrc,
        };
        self.seq = self.seq.wrapping_add(1);
        self.count(timestamp, payload.len(), now);
        build(&h, payload)
    }

    /// A packet that repeats an earlier sequence number (RFC 4733 2.5.1.4:
    /// the final packet of an event is sent three times).
    pub fn repeat(
        &mut self,
        payload_type: u8,
        seq: u16,
        timestamp: u32,
        payload: &[u8],
        now: Instant,
    ) -> Vec<u8> {
        let h = RtpHeader {
            payload_type,
            marker: false,
            seq,
            timestamp,
            ssrc: self.ssrc,
        };
        self.count(timestamp, payload.len(), now);
        build(&h, payload)
    }

    fn count(&mut self, timestamp: u32, len: usize, now: Instant) {
        self.packets = self.packets.wrapping_add(1);
        self.octets = self.octets.wrapping_add(len as u32);
        self.last_sent = Some((timestamp, now));
    }
}

const MAX_DROPOUT: u16 = 3000;
const MAX_MISORDER: u16 = 100;
const MIN_SEQUENTIAL: u8 = 2;

/// Reception statistics of one source (RFC 3550 appendix A.1, A.3, A.8).
#[derive(Debug, Clone)]
pub struct SourceStats {
    pub ssrc: u32,
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u8,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    /// Interarrival jitter in timestamp units, scaled by 16 (A.8).
    jitter_q4: u32,
    last_transit: Option<i64>,
    /// Middle 32 bits of the NTP time of the last SR from this source and
    /// when it arrived (for LSR/DLSR).
    pub last_sr: Option<(u32, Instant)>,
}

impl SourceStats {
    pub fn new(ssrc: u32, seq: u16) -> Self {
        let mut s = SourceStats {
            ssrc,
            max_seq: seq.wrapping_sub(1),
            cycles: 0,
            base_seq: 0,
            bad_seq: u32::MAX,
            probation: MIN_SEQUENTIAL,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            jitter_q4: 0,
            last_transit: None,
            last_sr: None,
        };
        s.init_seq(seq);
        s.max_seq = seq.wrapping_sub(1);
        s.probation = MIN_SEQUENTIAL;
        s
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = seq as u32;
        self.max_seq = seq;
        self.bad_seq = u32::MAX;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// RFC 3550 A.1 `update_seq`: false when the packet is not counted
    /// (source on probation or a wild jump awaiting confirmation).
    pub fn update_seq(&mut self, seq: u16) -> bool {
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    return true;
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return false;
        } else if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles = self.cycles.wrapping_add(1 << 16);
            }
            self.max_seq = seq;
        } else if udelta <= u16::MAX - MAX_MISORDER {
            if seq as u32 == self.bad_seq {
                self.init_seq(seq);
            } else {
                self.bad_seq = (seq as u32 + 1) & 0xFFFF;
                return false;
            }
        }
        // else: duplicate or reordered packet
        self.received += 1;
        true
    }

    /// RFC 3550 A.8: `arrival` in timestamp units of the local clock.
    pub fn update_jitter(&mut self, rtp_timestamp: u32, arrival: i64) {
        let transit = arrival - rtp_timestamp as i64;
        if let Some(last) = self.last_transit {
            let mut d = (transit - last).abs();
            // A timestamp wrap shows as a jump of 2^32: fold it back.
            if d > (1i64 << 31) {
                d = (1i64 << 32) - d;
            }
            let d = d.min(u32::MAX as i64 / 16) as u32;
            // J += (|D| - J) / 16, kept scaled by 16.
            self.jitter_q4 = self
                .jitter_q4
                .wrapping_add(d)
                .wrapping_sub((self.jitter_q4 + 8) >> 4);
        }
        self.last_transit = Some(transit);
    }

    /// Extended highest sequence number received.
    pub fn extended_max(&self) -> u32 {
        self.cycles.wrapping_add(self.max_seq as u32)
    }

    pub fn expected(&self) -> u32 {
        self.extended_max()
            .wrapping_sub(self.base_seq)
            .wrapping_add(1)
    }

    pub fn received(&self) -> u32 {
        self.received
    }

    /// Cumulative number of packets lost (may be negative with duplicates),
    /// clamped to 24 bits signed as RTCP carries it.
    pub fn cumulative_lost(&self) -> i32 {
        let lost = self.expected() as i64 - self.received as i64;
        lost.clamp(-0x80_0000, 0x7F_FFFF) as i32
    }

    /// Interarrival jitter in timestamp units.
    pub fn jitter(&self) -> u32 {
        self.jitter_q4 >> 4
    }

    /// Loss fraction since the previous call (8-bit fixed point, A.3), and
    /// start a new interval.
    pub fn take_fraction_lost(&mut self) -> u8 {
        let expected = self.expected();
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.received_prior = self.received;
        let lost_interval = expected_interval as i64 - received_interval as i64;
        if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / expected_interval as i64).min(255) as u8
        }
    }
}

/// What a received datagram carried, after demultiplexing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received<'a> {
    /// G.711 voice of the current voice source.
    Voice {
        header: RtpHeader,
        law: G711,
        payload: &'a [u8],
        /// The voice source changed (new SSRC): the jitter buffer should
        /// restart its timeline.
        new_source: bool,
    },
    /// A telephone-event packet (the payload type negotiated for it), from
    /// whatever SSRC it came.
    Event {
        header: RtpHeader,
        payload: &'a [u8],
    },
    /// An RTCP compound packet (RTCP multiplexed on the RTP port).
    Rtcp(&'a [u8]),
    /// Ignored (STUN, DTLS, other payload types, malformed), with the
    /// reason; counted in [`RtpReceiver::ignored`].
    Ignored(&'static str),
}

/// The receiving side of an RTP session: demultiplexes, tracks the voice
/// source (accepting an SSRC change) and keeps RFC 3550 statistics per
/// source.
#[derive(Debug, Clone)]
pub struct RtpReceiver {
    event_pt: Option<u8>,
    voice_ssrc: Option<u32>,
    sources: Vec<SourceStats>,
    epoch: Option<Instant>,
    /// Datagrams ignored: STUN, malformed, unknown payload type, other.
    pub ignored_stun: u64,
    pub ignored_malformed: u64,
    pub ignored_other: u64,
    /// Times the voice SSRC changed.
    pub ssrc_changes: u64,
}

impl RtpReceiver {
    /// `event_pt`: the payload type negotiated for telephone-event.
    pub fn new(event_pt: Option<u8>) -> Self {
        RtpReceiver {
            event_pt,
            voice_ssrc: None,
            sources: Vec::new(),
            epoch: None,
            ignored_stun: 0,
            ignored_malformed: 0,
            ignored_other: 0,
            ssrc_changes: 0,
        }
    }

    pub fn ignored(&self) -> u64 {
        self.ignored_stun + self.ignored_malformed + self.ignored_other
    }

    /// The SSRC of the voice currently received.
    pub fn voice_ssrc(&self) -> Option<u32> {
        self.voice_ssrc
    }

    /// Statistics of all sources heard (voice and events).
    pub fn sources(&self) -> &[SourceStats] {
        &self.sources
    }

    pub fn sources_mut(&mut self) -> &mut [SourceStats] {
        &mut self.sources
    }

    /// Note the sender reports of a received RTCP compound, so our
    /// reception reports echo them (LSR/DLSR, RFC 3550 6.4.1).
    pub fn note_rtcp(&mut self, packets: &[super::rtcp::RtcpPacket], now: Instant) {
        for p in packets {
            if let super::rtcp::RtcpPacket::SenderReport { ssrc, info, .. } = p {
                if let Some(s) = self.sources.iter_mut().find(|s| s.ssrc == *ssrc) {
                    s.last_sr = Some((super::rtcp::ntp_middle(info.ntp), now));
                }
            }
        }
    }

    /// Demultiplex and account one datagram received at `now`.
    pub fn receive<'a>(&mut self, buf: &'a [u8], now: Instant) -> Received<'a> {
        match classify(buf) {
            DatagramKind::Rtp => {}
            DatagramKind::Rtcp => return Received::Rtcp(buf),
            DatagramKind::Stun => {
                self.ignored_stun += 1;
                return Received::Ignored("STUN");
            }
            DatagramKind::Other => {
                self.ignored_other += 1;
                return Received::Ignored("not RTP");
            }
        }
        let pkt = match parse(buf) {
            Ok(p) => p,
            Err(_) => {
                self.ignored_malformed += 1;
                return Received::Ignored("malformed RTP");
            }
        };
        let h = pkt.header;
        let law = G711::from_payload_type(h.payload_type);
        let is_event = self.event_pt == Some(h.payload_type);
        if law.is_none() && !is_event {
            self.ignored_other += 1;
            return Received::Ignored("payload type not negotiated");
        }
        let epoch = *self.epoch.get_or_insert(now);
        let arrival = (now.saturating_duration_since(epoch).as_micros() as i64) * 8 / 1000;
        let src = match self.sources.iter_mut().position(|s| s.ssrc == h.ssrc) {
            Some(i) => &mut self.sources[i],
            None => {
                if self.sources.len() >= 16 {
                    self.sources.remove(0);
                }
                self.sources.push(SourceStats::new(h.ssrc, h.seq));
                self.sources.last_mut().expect("just pushed")
            }
        };
        src.update_seq(h.seq);
        if let Some(law) = law {
            src.update_jitter(h.timestamp, arrival);
            let new_source = self.voice_ssrc != Some(h.ssrc);
            if new_source {
                if self.voice_ssrc.is_some() {
                    self.ssrc_changes += 1;
                }
                self.voice_ssrc = Some(h.ssrc);
            }
            Received::Voice {
                header: h,
                law,
                payload: pkt.payload,
                new_source,
            }
        } else {
            Received::Event {
                header: h,
                payload: pkt.payload,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_then_parse() {
        let h = RtpHeader {
            payload_type: PT_PCMA,
            marker: true,
            seq: 65535,
            timestamp: 0xDEAD_BEEF,
            ssrc: 0x1234_5678,
        };
        let b = build(&h, &[0xD5; 160]);
        assert_eq!(b.len(), 172);
        let p = parse(&b).unwrap();
        assert_eq!(p.header, h);
        assert_eq!(p.payload, &[0xD5; 160][..]);
        assert_eq!(classify(&b), DatagramKind::Rtp);
    }

    #[test]
    fn sequence_wrap_and_loss_are_counted() {
        let mut s = SourceStats::new(1, 65530);
        for seq in 65530u16..=65535 {
            s.update_seq(seq);
        }
        for seq in 0u16..10 {
            if seq != 3 && seq != 4 {
                s.update_seq(seq);
            }
        }
        assert_eq!(s.extended_max(), 65536 + 9);
        // Probation swallows the first packet: counting starts at 65531.
        assert_eq!(s.expected(), 15);
        assert_eq!(s.received(), 13);
        assert_eq!(s.cumulative_lost(), 2);
        assert_eq!(s.take_fraction_lost(), (2 * 256 / 15) as u8);
        assert_eq!(s.take_fraction_lost(), 0);
    }
}
