//! RFC 4733 telephone-events (DTMF) in and out.
//!
//! Out: [`DtmfSender`] turns digits into event packets on the voice
//! stream's SSRC and sequence: a first packet with the marker bit, an update
//! every 20 ms frame with the growing duration, and the end packet sent
//! three times with the same sequence number (as the peers do; RFC 4733
//! 2.5.1.4 asks for three copies).
//!
//! In: [`DtmfReceiver`] reports each event once however many copies arrive
//! (duplicates, repeated end packets, lost start packets) and whatever SSRC
//! it comes on (peers send events on another SSRC than voice): an event is
//! identified by its SSRC and RTP timestamp.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::rtp::{RtpHeader, RtpSender, SAMPLES_PER_PACKET};
use super::MediaError;

/// One telephone-event payload (RFC 4733 2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPayload {
    /// Event code: 0-9, 10 = `*`, 11 = `#`, 12-15 = A-D, 16 = flash.
    pub event: u8,
    pub end: bool,
    /// Power level in -dBm0 (0..=63).
    pub volume: u8,
    /// Duration in timestamp units (8 kHz samples).
    pub duration: u16,
}

impl EventPayload {
    pub fn parse(buf: &[u8]) -> Result<EventPayload, MediaError> {
        if buf.len() < 4 {
            return Err(MediaError::Malformed(format!(
                "telephone-event payload of {} octets (4 needed)",
                buf.len()
            )));
        }
        Ok(EventPayload {
            event: buf[0],
            end: buf[1] & 0x80 != 0,
            volume: buf[1] & 0x3F,
            duration: u16::from_be_bytes([buf[2], buf[3]]),
        })
    }

    pub fn to_bytes(self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [
            self.event,
            (if self.end { 0x80 } else { 0 }) | (self.volume & 0x3F),
            d[0],
            d[1],
        ]
    }
}

/// The event code of a DTMF character (`0-9 * # A-D`), case-insensitive.
pub fn digit_to_event(c: char) -> Option<u8> {
    match c.to_ascii_uppercase() {
        '0'..='9' => Some(c as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(c.to_ascii_uppercase() as u8 - b'A' + 12),
        _ => None,
    }
}

/// The DTMF character of an event code (None for non-DTMF events).
pub fn event_to_digit(e: u8) -> Option<char> {
    match e {
        0..=9 => Some((b'0' + e) as char),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some((b'A' + e - 12) as char),
        _ => None,
    }
}

#[derive(Debug, Clone)]
struct Pending {
    event: u8,
    frames: u32,
    volume: u8,
}

#[derive(Debug, Clone)]
struct Active {
    event: u8,
    volume: u8,
    timestamp: u32,
    frames_left: u32,
    duration: u32,
}

/// Sends digits as RFC 4733 events, one 20 ms frame at a time, in place of
/// the voice packets of those frames.
#[derive(Debug, Clone)]
pub struct DtmfSender {
    payload_type: u8,
    queue: VecDeque<Pending>,
    active: Option<Active>,
    gap_frames: u32,
    /// Frames of pause still owed after the last digit.
    pause: u32,
}

impl DtmfSender {
    /// `payload_type`: the dynamic payload type negotiated for
    /// telephone-event (commonly 101).
    pub fn new(payload_type: u8) -> Self {
        DtmfSender {
            payload_type,
            queue: VecDeque::new(),
            active: None,
            gap_frames: 3,
            pause: 0,
        }
    }

    /// Queue digits, each lasting `duration` (rounded up to 20 ms frames) at
    /// `volume` -dBm0, with 60 ms of voice between them. Unknown characters
    /// are an error and nothing is queued.
    pub fn send_digits(
        &mut self,
        digits: &str,
        duration: Duration,
        volume: u8,
    ) -> Result<(), MediaError> {
        let events: Vec<u8> = digits
            .chars()
            .map(|c| {
                digit_to_event(c)
                    .ok_or_else(|| MediaError::Invalid(format!("{c:?} is not a DTMF digit")))
            })
            .collect::<Result<_, _>>()?;
        let frames = (duration.as_millis() as u32).div_ceil(20).max(2);
        for event in events {
            self.queue.push_back(Pending {
                event,
                frames,
                volume: volume.min(63),
            });
        }
        Ok(())
    }

    /// True while digits are queued or playing.
    pub fn busy(&self) -> bool {
        self.active.is_some() || !self.queue.is_empty()
    }

    /// The packets of this 20 ms frame, if an event occupies it. When this
    /// returns packets, do not send voice for the frame: the sender's
    /// timestamp has already moved on by one frame.
    pub fn frame(&mut self, rtp: &mut RtpSender, now: Instant) -> Option<Vec<Vec<u8>>> {
        if self.active.is_none() {
            if self.pause > 0 {
                self.pause -= 1;
                return None;
            }
            let p = self.queue.pop_front()?;
            self.active = Some(Active {
                event: p.event,
                volume: p.volume,
                timestamp: rtp.next_timestamp(),
                frames_left: p.frames,
                duration: 0,
            });
            let a = self.active.as_mut().expect("just set");
            a.duration = SAMPLES_PER_PACKET;
            a.frames_left -= 1;
            let pl = EventPayload {
                event: a.event,
                end: false,
                volume: a.volume,
                duration: a.duration as u16,
            };
            let pkt = rtp.packet(self.payload_type, true, a.timestamp, &pl.to_bytes(), now);
            rtp.skip(SAMPLES_PER_PACKET);
            return Some(vec![pkt]);
        }
        let a = self.active.as_mut().expect("checked");
        a.duration = (a.duration + SAMPLES_PER_PACKET).min(u16::MAX as u32);
        a.frames_left -= 1;
        let end = a.frames_left == 0;
        let pl = EventPayload {
            event: a.event,
            end,
            volume: a.volume,
            duration: a.duration as u16,
        };
        let ts = a.timestamp;
        let mut out = Vec::new();
        if end {
            let seq = rtp.next_seq();
            out.push(rtp.packet(self.payload_type, false, ts, &pl.to_bytes(), now));
            for _ in 0..2 {
                out.push(rtp.repeat(self.payload_type, seq, ts, &pl.to_bytes(), now));
            }
            self.active = None;
            self.pause = self.gap_frames;
        } else {
            out.push(rtp.packet(self.payload_type, false, ts, &pl.to_bytes(), now));
        }
        rtp.skip(SAMPLES_PER_PACKET);
        Some(out)
    }
}

/// What the receiver reports about events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DtmfEvent {
    /// A new event began (reported once, on the first packet seen).
    Begin { event: u8, ssrc: u32 },
    /// The event ended (end packet, or no packet for a second), with its
    /// duration and volume.
    End {
        event: u8,
        ssrc: u32,
        duration: Duration,
        volume: u8,
    },
}

impl DtmfEvent {
    /// The DTMF character of the event, if it is a digit.
    pub fn digit(&self) -> Option<char> {
        match self {
            DtmfEvent::Begin { event, .. } | DtmfEvent::End { event, .. } => event_to_digit(*event),
        }
    }
}

#[derive(Debug, Clone)]
struct Seen {
    ssrc: u32,
    timestamp: u32,
    event: u8,
    ended: bool,
    duration: u16,
    volume: u8,
    last: Instant,
}

/// Detects events from telephone-event packets; see the module docs.
#[derive(Debug, Clone, Default)]
pub struct DtmfReceiver {
    recent: VecDeque<Seen>,
    out: VecDeque<DtmfEvent>,
    /// Packets that added nothing (copies, repeated end packets).
    pub duplicates: u64,
    /// Payloads that could not be parsed.
    pub malformed: u64,
}

const RECENT: usize = 16;
const EVENT_TIMEOUT: Duration = Duration::from_secs(1);

impl DtmfReceiver {
    pub fn new() -> Self {
        Self::default()
    }

    /// One telephone-event packet (as [`super::rtp::Received::Event`] gives it).
    pub fn receive(&mut self, header: &RtpHeader, payload: &[u8], now: Instant) {
        let p = match EventPayload::parse(payload) {
            Ok(p) => p,
            Err(_) => {
                self.malformed += 1;
                return;
            }
        };
        self.expire(now);
        if let Some(s) = self
            .recent
            .iter_mut()
            .find(|s| s.ssrc == header.ssrc && s.timestamp == header.timestamp)
        {
            if s.ended || (p.duration <= s.duration && !p.end) {
                self.duplicates += 1;
                return;
            }
            s.duration = s.duration.max(p.duration);
            s.volume = p.volume;
            s.last = now;
            if p.end {
                s.ended = true;
                self.out.push_back(DtmfEvent::End {
                    event: s.event,
                    ssrc: s.ssrc,
                    duration: samples_to_duration(s.duration),
                    volume: s.volume,
                });
            }
            return;
        }
        // A new event ends any earlier one still open on the same SSRC
        // whose end packets were all lost.
        for i in 0..self.recent.len() {
            let s = &self.recent[i];
            if s.ssrc == header.ssrc && !s.ended {
                let ev = DtmfEvent::End {
                    event: s.event,
                    ssrc: s.ssrc,
                    duration: samples_to_duration(s.duration),
                    volume: s.volume,
                };
                self.recent[i].ended = true;
                self.out.push_back(ev);
            }
        }
        self.out.push_back(DtmfEvent::Begin {
            event: p.event,
            ssrc: header.ssrc,
        });
        if p.end {
            self.out.push_back(DtmfEvent::End {
                event: p.event,
                ssrc: header.ssrc,
                duration: samples_to_duration(p.duration),
                volume: p.volume,
            });
        }
        if self.recent.len() >= RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(Seen {
            ssrc: header.ssrc,
            timestamp: header.timestamp,
            event: p.event,
            ended: p.end,
            duration: p.duration,
            volume: p.volume,
            last: now,
        });
    }

    /// Close events whose end packets never came.
    pub fn expire(&mut self, now: Instant) {
        for s in self.recent.iter_mut() {
            if !s.ended && now.saturating_duration_since(s.last) >= EVENT_TIMEOUT {
                s.ended = true;
                self.out.push_back(DtmfEvent::End {
                    event: s.event,
                    ssrc: s.ssrc,
                    duration: samples_to_duration(s.duration),
                    volume: s.volume,
                });
            }
        }
    }

    pub fn poll_event(&mut self) -> Option<DtmfEvent> {
        self.out.pop_front()
    }
}

fn samples_to_duration(d: u16) -> Duration {
    Duration::from_micros(d as u64 * 125)
}
