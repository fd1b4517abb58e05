//! UDPTL (ITU-T T.38 clause 9.1 and Annex of the ASN.1 module), the UDP
//! transport of T.38 IFP packets:
//!
//! ```text
//! UDPTLPacket ::= SEQUENCE {
//!     seq-number          INTEGER (0..65535),
//!     primary-ifp-packet  TYPE-IDENTIFIER.&Type(IFPPacket),
//!     error-recovery      CHOICE {
//!         secondary-ifp-packets  SEQUENCE OF UDPTLPacket.primary-ifp-packet,
//!         fec-info               SEQUENCE {
//!             fec-npackets  INTEGER,
//!             fec-data      SEQUENCE OF OCTET STRING } } }
//! ```
//!
//! ASN.1 PER aligned: open types and SEQUENCE OF carry a length determinant.
//! Redundancy (secondaries, newest first) and parity FEC follow the scheme
//! spandsp and Asterisk use: FEC entry `m` of packet `s` is the XOR of the
//! `span` packets `s + m - entries * k`, `k = 1..=span`.
//!
//! [`UdptlSender`] builds datagrams; [`UdptlReceiver`] recovers lost IFPs
//! from redundancy or FEC and hands them out in sequence order.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::ifp::Ifp;
use super::MediaError;

/// Largest number of secondaries or FEC entries we decode.
pub const MAX_RECOVERY: usize = 16;
/// Largest IFP packet (octets) we accept.
pub const MAX_IFP: usize = 1 << 14;

/// Error recovery carried by one datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// Copies of the previous IFPs: `[seq-1, seq-2, ...]`.
    Redundancy(Vec<Vec<u8>>),
    /// Parity FEC.
    Fec { span: u8, entries: Vec<Vec<u8>> },
}

/// One UDPTL datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdptlPacket {
    pub seq: u16,
    pub primary: Vec<u8>,
    pub recovery: Recovery,
}

fn put_length(out: &mut Vec<u8>, n: usize) -> Result<(), MediaError> {
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x4000 {
        out.extend_from_slice(&(0x8000 | n as u16).to_be_bytes());
    } else {
        return Err(MediaError::Invalid(format!(
            "UDPTL element of {n} octets needs fragmentation"
        )));
    }
    Ok(())
}

fn get_length(buf: &[u8], p: &mut usize) -> Result<usize, MediaError> {
    let b = *buf
        .get(*p)
        .ok_or_else(|| MediaError::Malformed("UDPTL length missing".into()))?;
    if b & 0x80 == 0 {
        *p += 1;
        Ok(b as usize)
    } else if b & 0x40 == 0 {
        let b1 = *buf
            .get(*p + 1)
            .ok_or_else(|| MediaError::Malformed("UDPTL length truncated".into()))?;
        *p += 2;
        Ok((((b & 0x3F) as usize) << 8) | b1 as usize)
    } else {
        Err(MediaError::Malformed(
            "UDPTL fragmented length (beyond 16383 octets)".into(),
        ))
    }
}

fn get_open<'a>(buf: &'a [u8], p: &mut usize) -> Result<&'a [u8], MediaError> {
    let n = get_length(buf, p)?;
    let s = buf
        .get(*p..*p + n)
        .ok_or_else(|| MediaError::Malformed("UDPTL open type beyond the datagram".into()))?;
    *p += n;
    Ok(s)
}

impl UdptlPacket {
    pub fn encode(&self) -> Result<Vec<u8>, MediaError> {
        let mut out = Vec::with_capacity(8 + self.primary.len() * 3);
        out.extend_from_slice(&self.seq.to_be_bytes());
        put_length(&mut out, self.primary.len())?;
        out.extend_from_slice(&self.primary);
        match &self.recovery {
            Recovery::Redundancy(sec) => {
                out.push(0x00);
                put_length(&mut out, sec.len())?;
                for s in sec {
                    put_length(&mut out, s.len())?;
                    out.extend_from_slice(s);
                }
            }
            Recovery::Fec { span, entries } => {
                out.push(0x80);
                // fec-npackets: an unconstrained INTEGER, one octet long.
                out.push(1);
                out.push(*span);
                put_length(&mut out, entries.len())?;
                for e in entries {
                    put_length(&mut out, e.len())?;
                    out.extend_from_slice(e);
                }
            }
        }
        Ok(out)
    }

    /// Decode a datagram; never panics, whatever the octets.
    pub fn decode(buf: &[u8]) -> Result<UdptlPacket, MediaError> {
        if buf.len() < 4 {
            return Err(MediaError::Malformed(format!(
                "UDPTL datagram of {} octets",
                buf.len()
            )));
        }
        let seq = u16::from_be_bytes([buf[0], buf[1]]);
        let mut p = 2;
        let primary = get_open(buf, &mut p)?.to_vec();
        if primary.is_empty() {
            return Err(MediaError::Malformed("UDPTL primary IFP empty".into()));
        }
        let kind = *buf
            .get(p)
            .ok_or_else(|| MediaError::Malformed("UDPTL error-recovery missing".into()))?;
        p += 1;
        let recovery = if kind & 0x80 == 0 {
            let n = get_length(buf, &mut p)?;
            if n > MAX_RECOVERY {
                return Err(MediaError::Malformed(format!("UDPTL {n} secondaries")));
            }
            let mut sec = Vec::with_capacity(n);
            for _ in 0..n {
                sec.push(get_open(buf, &mut p)?.to_vec());
            }
            Recovery::Redundancy(sec)
        } else {
            let ilen = *buf
                .get(p)
                .ok_or_else(|| MediaError::Malformed("UDPTL FEC truncated".into()))?;
            if ilen != 1 {
                return Err(MediaError::Malformed(format!(
                    "UDPTL fec-npackets of {ilen} octets"
                )));
            }
            let span = *buf
                .get(p + 1)
                .ok_or_else(|| MediaError::Malformed("UDPTL FEC truncated".into()))?;
            p += 2;
            let n = get_length(buf, &mut p)?;
            if n > MAX_RECOVERY {
                return Err(MediaError::Malformed(format!("UDPTL {n} FEC entries")));
            }
            let mut entries = Vec::with_capacity(n);
            for _ in 0..n {
                entries.push(get_open(buf, &mut p)?.to_vec());
            }
            Recovery::Fec { span, entries }
        };
        if p != buf.len() {
            return Err(MediaError::Malformed(format!(
                "UDPTL datagram has {} octets after its end",
                buf.len() - p
            )));
        }
        Ok(UdptlPacket {
            seq,
            primary,
            recovery,
        })
    }
}

/// Error correction a sender uses (SDP `T38FaxUdpEC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCorrection {
    /// `t38UDPRedundancy` with this many secondaries per datagram.
    Redundancy(u8),
    /// `t38UDPFEC` with `entries` parity packets each over `span` packets.
    Fec { span: u8, entries: u8 },
}

/// Builds UDPTL datagrams from the IFP packets of a fax session.
#[derive(Debug, Clone)]
pub struct UdptlSender {
    ec: ErrorCorrection,
    /// T38FaxMaxDatagram of the peer: secondaries are dropped to fit.
    max_datagram: usize,
    /// Distinct IFPs sent, newest last: (seq, octets).
    history: VecDeque<(u16, Vec<u8>)>,
    sent: u64,
}

impl UdptlSender {
    pub fn new(ec: ErrorCorrection, max_datagram: usize) -> Self {
        UdptlSender {
            ec,
            max_datagram: max_datagram.max(64),
            history: VecDeque::new(),
            sent: 0,
        }
    }

    fn prior(&self, seq: u16) -> Option<&[u8]> {
        self.history
            .iter()
            .rev()
            .find(|(s, _)| *s == seq)
            .map(|(_, d)| d.as_slice())
    }

    /// The datagram carrying IFP `data` with sequence number `seq`. A
    /// repeated `seq` (fax-t30 repeats indicators under one number) is sent
    /// again with the same recovery data.
    pub fn encode(&mut self, seq: u16, data: &[u8]) -> Result<Vec<u8>, MediaError> {
        if data.is_empty() || data.len() > MAX_IFP {
            return Err(MediaError::Invalid(format!(
                "IFP of {} octets cannot be sent",
                data.len()
            )));
        }
        if self.history.back().map(|(s, _)| *s) != Some(seq) {
            self.history.push_back((seq, data.to_vec()));
            self.sent += 1;
            while self.history.len() > 4 * MAX_RECOVERY + 1 {
                self.history.pop_front();
            }
        }
        let recovery = match self.ec {
            ErrorCorrection::Redundancy(depth) => {
                let mut sec = Vec::new();
                let mut size = 8 + data.len();
                for i in 1..=depth.min(MAX_RECOVERY as u8) as u16 {
                    let Some(d) = self.prior(seq.wrapping_sub(i)) else {
                        break;
                    };
                    size += d.len() + 2;
                    if size > self.max_datagram {
                        break;
                    }
                    sec.push(d.to_vec());
                }
                Recovery::Redundancy(sec)
            }
            ErrorCorrection::Fec { span, entries } => {
                let (mut span, mut entries) = (span.max(1), entries.clamp(1, MAX_RECOVERY as u8));
                // Wind up smoothly while there is less history than the
                // scheme covers (as spandsp does).
                let n = self.sent - 1;
                if n < span as u64 * entries as u64 {
                    entries = (n / span as u64) as u8;
                    if n < span as u64 {
                        span = 0;
                    }
                }
                let mut fec = Vec::with_capacity(entries as usize);
                for m in 0..entries as u16 {
                    let mut x: Vec<u8> = Vec::new();
                    for k in 1..=span as u16 {
                        let s = seq.wrapping_add(m).wrapping_sub(entries as u16 * k);
                        if let Some(d) = self.prior(s) {
                            if d.len() > x.len() {
                                x.resize(d.len(), 0);
                            }
                            for (a, b) in x.iter_mut().zip(d) {
                                *a ^= b;
                            }
                        }
                    }
                    fec.push(x);
                }
                Recovery::Fec { span, entries: fec }
            }
        };
        UdptlPacket {
            seq,
            primary: data.to_vec(),
            recovery,
        }
        .encode()
    }
}

/// Counters of a [`UdptlReceiver`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UdptlStats {
    pub datagrams: u64,
    pub malformed: u64,
    /// Datagrams whose primary was already held or delivered.
    pub duplicates: u64,
    /// IFPs taken from secondaries.
    pub recovered_redundancy: u64,
    /// IFPs rebuilt from FEC.
    pub recovered_fec: u64,
    /// IFPs given up on (never received nor recovered).
    pub lost: u64,
    /// IFPs handed out.
    pub delivered: u64,
    /// Sequence restarts (a jump of more than a few hundred).
    pub restarts: u64,
}

#[derive(Debug, Clone)]
struct Slot {
    seq: u16,
    data: Option<Vec<u8>>,
    fec: Option<(u8, Vec<Vec<u8>>)>,
}

/// Window of sequence numbers kept for recovery.
const WINDOW: u16 = 64;

/// Receives UDPTL datagrams and hands out IFP packets in order.
#[derive(Debug, Clone)]
pub struct UdptlReceiver {
    /// T.38 version, to trim FEC-rebuilt IFPs to their length.
    version: u8,
    /// How long a gap is waited for before it is skipped.
    hold: Duration,
    next: Option<u16>,
    slots: VecDeque<Slot>,
    /// Recently delivered IFPs, for FEC repair of later gaps.
    delivered: VecDeque<(u16, Vec<u8>)>,
    gap_since: Option<Instant>,
    out: VecDeque<(u16, Vec<u8>)>,
    stats: UdptlStats,
}

impl UdptlReceiver {
    /// `hold`: how long to wait for a missing IFP (to be recovered by a
    /// later datagram) before skipping it; 100-200 ms suits T.38.
    pub fn new(version: u8, hold: Duration) -> Self {
        UdptlReceiver {
            version,
            hold,
            next: None,
            slots: VecDeque::new(),
            delivered: VecDeque::new(),
            gap_since: None,
            out: VecDeque::new(),
            stats: UdptlStats::default(),
        }
    }

    pub fn stats(&self) -> UdptlStats {
        self.stats
    }

    /// Offset of `seq` from the next expected number (negative: past).
    fn offset(&self, seq: u16) -> i32 {
        seq.wrapping_sub(self.next.unwrap_or(seq)) as i16 as i32
    }

    fn slot_mut(&mut self, seq: u16) -> Option<&mut Slot> {
        let off = self.offset(seq);
        if off < 0 || off >= WINDOW as i32 {
            return None;
        }
        let next = self.next?;
        while self.slots.len() <= off as usize {
            let s = next.wrapping_add(self.slots.len() as u16);
            self.slots.push_back(Slot {
                seq: s,
                data: None,
                fec: None,
            });
        }
        self.slots.get_mut(off as usize)
    }

    /// One datagram received at `now`. Malformed datagrams are counted and
    /// dropped.
    pub fn receive(&mut self, buf: &[u8], now: Instant) {
        let pkt = match UdptlPacket::decode(buf) {
            Ok(p) => p,
            Err(_) => {
                self.stats.malformed += 1;
                return;
            }
        };
        self.stats.datagrams += 1;
        if self.next.is_none() {
            self.next = Some(pkt.seq);
        }
        let off = self.offset(pkt.seq);
        if !(-(WINDOW as i32) * 4..WINDOW as i32 * 4).contains(&off) {
            // The far end restarted its numbering: deliver what is held and
            // start again.
            self.stats.restarts += 1;
            self.flush_all();
            self.next = Some(pkt.seq);
        } else if off >= WINDOW as i32 {
            // Far ahead: skip the oldest until it fits.
            while self.offset(pkt.seq) >= WINDOW as i32 {
                self.skip_one();
            }
        }
        match self.slot_mut(pkt.seq) {
            Some(slot) if slot.data.is_none() => slot.data = Some(pkt.primary.clone()),
            _ => self.stats.duplicates += 1,
        }
        match &pkt.recovery {
            Recovery::Redundancy(sec) => {
                for (i, d) in sec.iter().enumerate() {
                    if d.is_empty() {
                        continue;
                    }
                    let s = pkt.seq.wrapping_sub(i as u16 + 1);
                    if let Some(slot) = self.slot_mut(s) {
                        if slot.data.is_none() {
                            slot.data = Some(d.clone());
                            self.stats.recovered_redundancy += 1;
                        }
                    }
                }
            }
            Recovery::Fec { span, entries } => {
                if let Some(slot) = self.slot_mut(pkt.seq) {
                    slot.fec = Some((*span, entries.clone()));
                }
                self.repair_fec();
            }
        }
        self.deliver(now);
    }

    /// Rebuild missing IFPs from the FEC entries held, as long as some entry
    /// covers exactly one missing packet.
    fn repair_fec(&mut self) {
        loop {
            let mut fixed = false;
            for i in 0..self.slots.len() {
                let Some((span, entries)) = self.slots[i].fec.clone() else {
                    continue;
                };
                let seq = self.slots[i].seq;
                let n = entries.len() as u16;
                for (m, entry) in entries.iter().enumerate() {
                    let covered: Vec<u16> = (1..=span as u16)
                        .map(|k| seq.wrapping_add(m as u16).wrapping_sub(n * k))
                        .collect();
                    let mut missing = None;
                    let mut count = 0;
                    for &s in &covered {
                        if self.data_of(s).is_none() {
                            count += 1;
                            missing = Some(s);
                        }
                    }
                    if count != 1 {
                        continue;
                    }
                    let Some(ms) = missing else { continue };
                    if self.offset(ms) < 0 {
                        // Skipped already: too late to be of use.
                        continue;
                    }
                    let mut x = entry.clone();
                    for &s in &covered {
                        if s == ms {
                            continue;
                        }
                        if let Some(d) = self.data_of(s) {
                            for (a, b) in x.iter_mut().zip(d) {
                                *a ^= b;
                            }
                        }
                    }
                    // The parity is as long as the longest packet: cut the
                    // rebuilt one to its own IFP length.
                    if let Ok((_, used)) = Ifp::decode(&x, self.version) {
                        x.truncate(used);
                    }
                    if x.is_empty() {
                        continue;
                    }
                    if let Some(slot) = self.slot_mut(ms) {
                        slot.data = Some(x);
                        self.stats.recovered_fec += 1;
                        fixed = true;
                    }
                }
            }
            if !fixed {
                break;
            }
        }
    }

    /// The IFP of `seq`, held or recently delivered.
    fn data_of(&self, seq: u16) -> Option<&[u8]> {
        let off = self.offset(seq);
        if off < 0 {
            self.delivered
                .iter()
                .rev()
                .find(|(s, _)| *s == seq)
                .map(|(_, d)| d.as_slice())
        } else {
            self.slots.get(off as usize).and_then(|x| x.data.as_deref())
        }
    }

    fn skip_one(&mut self) {
        if let Some(slot) = self.slots.pop_front() {
            match slot.data {
                Some(d) => {
                    self.stats.delivered += 1;
                    if self.delivered.len() >= WINDOW as usize {
                        self.delivered.pop_front();
                    }
                    self.delivered.push_back((slot.seq, d.clone()));
                    self.out.push_back((slot.seq, d));
                }
                None => self.stats.lost += 1,
            }
        } else {
            self.stats.lost += 1;
        }
        self.next = self.next.map(|n| n.wrapping_add(1));
        self.gap_since = None;
    }

    fn flush_all(&mut self) {
        while !self.slots.is_empty() {
            let had = self.slots.front().is_some_and(|s| s.data.is_some());
            if had {
                self.skip_one();
            } else {
                self.slots.pop_front();
                self.next = self.next.map(|n| n.wrapping_add(1));
            }
        }
        self.gap_since = None;
    }

    fn deliver(&mut self, now: Instant) {
        loop {
            match self.slots.front() {
                Some(s) if s.data.is_some() => {
                    // Keep FEC data of delivered packets? It covers only
                    // older packets, which are past: drop it.
                    self.skip_one();
                }
                Some(_) => {
                    let since = *self.gap_since.get_or_insert(now);
                    if now.saturating_duration_since(since) >= self.hold {
                        self.skip_one();
                    } else {
                        break;
                    }
                }
                None => break,
            }
        }
    }

    /// Let time pass: a gap waited on for longer than the hold time is
    /// skipped. Call every tick.
    pub fn poll(&mut self, now: Instant) {
        self.deliver(now);
    }

    /// The next IFP in sequence order: (sequence number, octets).
    pub fn poll_ifp(&mut self) -> Option<(u16, Vec<u8>)> {
        self.out.pop_front()
    }
}
