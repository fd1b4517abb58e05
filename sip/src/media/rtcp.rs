//! RTCP (RFC 3550 6): sender and receiver reports, SDES CNAME, BYE, as
//! compound packets; their parsing; and the report interval of 6.3 / A.7.
//!
//! Wall-clock time enters as an NTP timestamp the caller passes (see
//! [`ntp_from_unix`]); intervals use the `now` and random factor passed in.

use std::time::{Duration, Instant};

use super::rtp::{RtpSender, SourceStats};
use super::MediaError;

pub const PT_SR: u8 = 200;
pub const PT_RR: u8 = 201;
pub const PT_SDES: u8 = 202;
pub const PT_BYE: u8 = 203;

/// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// A 64-bit NTP timestamp (32.32 fixed point) from a time since the Unix
/// epoch.
pub fn ntp_from_unix(since_epoch: Duration) -> u64 {
    let secs = since_epoch.as_secs() + NTP_UNIX_OFFSET;
    let frac = ((since_epoch.subsec_nanos() as u64) << 32) / 1_000_000_000;
    (secs << 32) | frac
}

/// Sender information of an SR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderInfo {
    pub ntp: u64,
    pub rtp_timestamp: u32,
    pub packets: u32,
    pub octets: u32,
}

/// One reception report block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportBlock {
    pub ssrc: u32,
    pub fraction_lost: u8,
    /// 24-bit signed.
    pub cumulative_lost: i32,
    pub highest_seq: u32,
    pub jitter: u32,
    pub lsr: u32,
    pub dlsr: u32,
}

/// One RTCP packet of a compound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtcpPacket {
    SenderReport {
        ssrc: u32,
        info: SenderInfo,
        reports: Vec<ReportBlock>,
    },
    ReceiverReport {
        ssrc: u32,
        reports: Vec<ReportBlock>,
    },
    /// SDES: (SSRC, CNAME) of each chunk that has one.
    Sdes(Vec<(u32, String)>),
    Bye {
        ssrcs: Vec<u32>,
        reason: Option<String>,
    },
    /// APP, feedback and other types: skipped.
    Other(u8),
}

fn header(out: &mut Vec<u8>, count: u8, pt: u8) -> usize {
    let at = out.len();
    out.extend_from_slice(&[0x80 | (count & 0x1F), pt, 0, 0]);
    at
}

fn finish(out: &mut [u8], at: usize) {
    let words = (out.len() - at) / 4 - 1;
    out[at + 2..at + 4].copy_from_slice(&(words as u16).to_be_bytes());
}

fn put_block(out: &mut Vec<u8>, b: &ReportBlock) {
    out.extend_from_slice(&b.ssrc.to_be_bytes());
    let lost = (b.cumulative_lost.clamp(-0x80_0000, 0x7F_FFFF) as u32) & 0xFF_FFFF;
    out.extend_from_slice(&(((b.fraction_lost as u32) << 24) | lost).to_be_bytes());
    out.extend_from_slice(&b.highest_seq.to_be_bytes());
    out.extend_from_slice(&b.jitter.to_be_bytes());
    out.extend_from_slice(&b.lsr.to_be_bytes());
    out.extend_from_slice(&b.dlsr.to_be_bytes());
}

/// Serialize a compound packet (the caller puts SR/RR first and SDES with
/// CNAME next, as RFC 3550 6.1 requires; [`build_report`] does).
pub fn build(packets: &[RtcpPacket]) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    for p in packets {
        match p {
            RtcpPacket::SenderReport {
                ssrc,
                info,
                reports,
            } => {
                let at = header(&mut out, reports.len().min(31) as u8, PT_SR);
                out.extend_from_slice(&ssrc.to_be_bytes());
                out.extend_from_slice(&info.ntp.to_be_bytes());
                out.extend_from_slice(&info.rtp_timestamp.to_be_bytes());
                out.extend_from_slice(&info.packets.to_be_bytes());
                out.extend_from_slice(&info.octets.to_be_bytes());
                for b in reports.iter().take(31) {
                    put_block(&mut out, b);
                }
                finish(&mut out, at);
            }
            RtcpPacket::ReceiverReport { ssrc, reports } => {
                let at = header(&mut out, reports.len().min(31) as u8, PT_RR);
                out.extend_from_slice(&ssrc.to_be_bytes());
                for b in reports.iter().take(31) {
                    put_block(&mut out, b);
                }
                finish(&mut out, at);
            }
            RtcpPacket::Sdes(chunks) => {
                let at = header(&mut out, chunks.len().min(31) as u8, PT_SDES);
                for (ssrc, cname) in chunks.iter().take(31) {
                    out.extend_from_slice(&ssrc.to_be_bytes());
                    let name = &cname.as_bytes()[..cname.len().min(255)];
                    out.push(1); // CNAME
                    out.push(name.len() as u8);
                    out.extend_from_slice(name);
                    // END item, then pad the chunk to 32 bits.
                    out.push(0);
                    while out.len() % 4 != 0 {
                        out.push(0);
                    }
                }
                finish(&mut out, at);
            }
            RtcpPacket::Bye { ssrcs, reason } => {
                let at = header(&mut out, ssrcs.len().min(31) as u8, PT_BYE);
                for s in ssrcs.iter().take(31) {
                    out.extend_from_slice(&s.to_be_bytes());
                }
                if let Some(r) = reason {
                    let r = &r.as_bytes()[..r.len().min(255)];
                    out.push(r.len() as u8);
                    out.extend_from_slice(r);
                    while out.len() % 4 != 0 {
                        out.push(0);
                    }
                }
                finish(&mut out, at);
            }
            RtcpPacket::Other(_) => {}
        }
    }
    out
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn parse_blocks(body: &[u8], count: usize) -> Result<Vec<ReportBlock>, MediaError> {
    if body.len() < count * 24 {
        return Err(MediaError::Malformed("RTCP report blocks truncated".into()));
    }
    Ok((0..count)
        .map(|i| {
            let b = &body[i * 24..];
            let w = be32(b, 4);
            let lost = (w & 0xFF_FFFF) as i32;
            ReportBlock {
                ssrc: be32(b, 0),
                fraction_lost: (w >> 24) as u8,
                cumulative_lost: (lost << 8) >> 8,
                highest_seq: be32(b, 8),
                jitter: be32(b, 12),
                lsr: be32(b, 16),
                dlsr: be32(b, 20),
            }
        })
        .collect())
}

/// Parse a compound RTCP packet, checking the RFC 3550 A.2 validity rules
/// (version 2, lengths adding up, padding only on the last packet).
pub fn parse(buf: &[u8]) -> Result<Vec<RtcpPacket>, MediaError> {
    let bad = |m: &str| MediaError::Malformed(format!("RTCP: {m}"));
    let mut out = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        if buf.len() - at < 4 {
            return Err(bad("truncated header"));
        }
        let b0 = buf[at];
        if b0 >> 6 != 2 {
            return Err(bad("version is not 2"));
        }
        let count = (b0 & 0x1F) as usize;
        let pt = buf[at + 1];
        let len = (u16::from_be_bytes([buf[at + 2], buf[at + 3]]) as usize + 1) * 4;
        if buf.len() - at < len {
            return Err(bad("length beyond the datagram"));
        }
        let mut body = &buf[at + 4..at + len];
        if b0 & 0x20 != 0 {
            if at + len != buf.len() {
                return Err(bad("padding on a packet that is not the last"));
            }
            let pad = *body.last().ok_or_else(|| bad("padding without octets"))? as usize;
            if pad == 0 || pad > body.len() {
                return Err(bad("bad padding length"));
            }
            body = &body[..body.len() - pad];
        }
        let pkt = match pt {
            PT_SR => {
                if body.len() < 24 {
                    return Err(bad("SR too short"));
                }
                RtcpPacket::SenderReport {
                    ssrc: be32(body, 0),
                    info: SenderInfo {
                        ntp: ((be32(body, 4) as u64) << 32) | be32(body, 8) as u64,
                        rtp_timestamp: be32(body, 12),
                        packets: be32(body, 16),
                        octets: be32(body, 20),
                    },
                    reports: parse_blocks(&body[24..], count)?,
                }
            }
            PT_RR => {
                if body.len() < 4 {
                    return Err(bad("RR too short"));
                }
                RtcpPacket::ReceiverReport {
                    ssrc: be32(body, 0),
                    reports: parse_blocks(&body[4..], count)?,
                }
            }
            PT_SDES => {
                let mut chunks = Vec::new();
                let mut p = 0;
                for _ in 0..count {
                    if body.len() < p + 4 {
                        return Err(bad("SDES chunk truncated"));
                    }
                    let ssrc = be32(body, p);
                    p += 4;
                    let mut cname = None;
                    loop {
                        let Some(&item) = body.get(p) else {
                            return Err(bad("SDES items truncated"));
                        };
                        if item == 0 {
                            p += 1;
                            p = p.div_ceil(4) * 4;
                            break;
                        }
                        let Some(&ilen) = body.get(p + 1) else {
                            return Err(bad("SDES item truncated"));
                        };
                        let end = p + 2 + ilen as usize;
                        if end > body.len() {
                            return Err(bad("SDES item beyond the packet"));
                        }
                        if item == 1 {
                            cname = Some(String::from_utf8_lossy(&body[p + 2..end]).into_owned());
                        }
                        p = end;
                    }
                    if let Some(c) = cname {
                        chunks.push((ssrc, c));
                    }
                }
                RtcpPacket::Sdes(chunks)
            }
            PT_BYE => {
                if body.len() < count * 4 {
                    return Err(bad("BYE truncated"));
                }
                let ssrcs = (0..count).map(|i| be32(body, i * 4)).collect();
                let rest = &body[count * 4..];
                let reason = match rest.first() {
                    Some(&n) if n > 0 && rest.len() > n as usize => {
                        Some(String::from_utf8_lossy(&rest[1..1 + n as usize]).into_owned())
                    }
                    _ => None,
                };
                RtcpPacket::Bye { ssrcs, reason }
            }
            other => RtcpPacket::Other(other),
        };
        out.push(pkt);
        at += len;
    }
    match out.first() {
        None => Err(bad("empty")),
        // RFC 3550 6.1: a compound starts with SR or RR (RFC 5506 reduced
        // size RTCP aside, which we do not negotiate).
        Some(RtcpPacket::SenderReport { .. } | RtcpPacket::ReceiverReport { .. }) => Ok(out),
        Some(_) => Err(bad("compound does not start with SR or RR")),
    }
}

/// The middle 32 bits of an NTP timestamp (LSR, RFC 3550 6.4.1).
pub fn ntp_middle(ntp: u64) -> u32 {
    (ntp >> 16) as u32
}

/// Report blocks for the sources heard, starting a new loss interval.
pub fn report_blocks(sources: &mut [SourceStats], now: Instant) -> Vec<ReportBlock> {
    sources
        .iter_mut()
        .filter(|s| s.received() > 0)
        .take(31)
        .map(|s| {
            let (lsr, dlsr) = match s.last_sr {
                Some((mid, at)) => {
                    let d = now.saturating_duration_since(at);
                    (mid, (d.as_secs_f64() * 65536.0) as u32)
                }
                None => (0, 0),
            };
            ReportBlock {
                ssrc: s.ssrc,
                fraction_lost: s.take_fraction_lost(),
                cumulative_lost: s.cumulative_lost(),
                highest_seq: s.extended_max(),
                jitter: s.jitter(),
                lsr,
                dlsr,
            }
        })
        .collect()
}

/// The compound report of a session at `now`: SR if we sent RTP since the
/// last report, else RR; then SDES CNAME.
pub fn build_report(
    ssrc: u32,
    cname: &str,
    sender: Option<&RtpSender>,
    sources: &mut [SourceStats],
    now: Instant,
    ntp_now: u64,
) -> Vec<u8> {
    let reports = report_blocks(sources, now);
    let first = match sender.and_then(|s| s.last_sent.map(|l| (s, l))) {
        Some((s, (ts, at))) => {
            // The RTP timestamp that corresponds to `now`.
            let since = now.saturating_duration_since(at);
            let rtp_now = ts.wrapping_add((since.as_micros() as u64 * 8 / 1000) as u32);
            RtcpPacket::SenderReport {
                ssrc,
                info: SenderInfo {
                    ntp: ntp_now,
                    rtp_timestamp: rtp_now,
                    packets: s.packets,
                    octets: s.octets,
                },
                reports,
            }
        }
        None => RtcpPacket::ReceiverReport { ssrc, reports },
    };
    build(&[first, RtcpPacket::Sdes(vec![(ssrc, cname.to_owned())])])
}

/// RFC 3550 A.7 `rtcp_interval`, deterministic part: the interval before the
/// random factor. `rtcp_bw` in octets/s (5 % of the session bandwidth),
/// `avg_rtcp_size` in octets (with UDP/IP headers).
pub fn deterministic_interval(
    members: u32,
    senders: u32,
    rtcp_bw: f64,
    we_sent: bool,
    avg_rtcp_size: f64,
    initial: bool,
) -> Duration {
    const RTCP_MIN_TIME: f64 = 5.0;
    const SENDER_BW_FRACTION: f64 = 0.25;
    let min_time = if initial {
        RTCP_MIN_TIME / 2.0
    } else {
        RTCP_MIN_TIME
    };
    let mut n = members.max(1) as f64;
    let mut bw = rtcp_bw.max(1.0);
    if (senders as f64) <= members as f64 * SENDER_BW_FRACTION {
        if we_sent {
            bw *= SENDER_BW_FRACTION;
            n = senders.max(1) as f64;
        } else {
            bw *= 1.0 - SENDER_BW_FRACTION;
            n -= senders as f64;
        }
    }
    let t = (avg_rtcp_size * n / bw).max(min_time);
    Duration::from_secs_f64(t)
}

/// The full interval: the deterministic one times `random` (uniform in
/// 0.5..1.5, drawn by the caller), divided by e - 3/2 (A.7's compensation
/// for timer reconsideration).
pub fn interval(deterministic: Duration, random: f64) -> Duration {
    const COMPENSATION: f64 = std::f64::consts::E - 1.5;
    Duration::from_secs_f64(deterministic.as_secs_f64() * random.clamp(0.5, 1.5) / COMPENSATION)
}

/// Keeps the average compound size (A.7: avg = 1/16 new + 15/16 old) and
/// the time of the next report for a two-party call.
#[derive(Debug, Clone)]
pub struct RtcpSchedule {
    avg_size: f64,
    next: Option<Instant>,
    initial: bool,
    /// Session bandwidth in octets/s (G.711 with headers: 80 kbit/s).
    pub session_bw: f64,
}

impl Default for RtcpSchedule {
    fn default() -> Self {
        RtcpSchedule {
            avg_size: 100.0,
            next: None,
            initial: true,
            session_bw: 10_000.0,
        }
    }
}

impl RtcpSchedule {
    /// When the next report is due (None before [`RtcpSchedule::start`]).
    pub fn next(&self) -> Option<Instant> {
        self.next
    }

    /// Schedule the first report.
    pub fn start(&mut self, now: Instant, members: u32, senders: u32, we_sent: bool, random: f64) {
        let d = deterministic_interval(
            members,
            senders,
            self.session_bw * 0.05,
            we_sent,
            self.avg_size,
            self.initial,
        );
        self.next = Some(now + interval(d, random));
    }

    /// Is a report due at `now`?
    pub fn due(&self, now: Instant) -> bool {
        self.next.is_some_and(|n| now >= n)
    }

    /// A report of `size` octets (UDP payload) was sent at `now`: update
    /// the average and schedule the next.
    pub fn sent(
        &mut self,
        now: Instant,
        size: usize,
        members: u32,
        senders: u32,
        we_sent: bool,
        random: f64,
    ) {
        let with_headers = size as f64 + 28.0;
        self.avg_size = with_headers / 16.0 + self.avg_size * 15.0 / 16.0;
        self.initial = false;
        self.start(now, members, senders, we_sent, random);
    }
}
