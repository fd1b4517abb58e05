//! One direction of a connected call: what one side sent, waiting for the
//! next tick, and what is in flight towards the other side.
//!
//! Per tick a path takes one sent audio frame (or SILENCE if the side sent
//! none: an audio path never stops), runs it through the impairment chain and
//! queues the result for `tick + latency`; T.38 packets and DTMF events sent
//! since the last tick are queued the same way, T.38 after the packet dice.
//! All queues are reused, so a steady call does not allocate per frame.

use std::collections::VecDeque;

use fax_t30::media::{AudioFrame, IfpPacket, FRAME_SAMPLES, SILENCE};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::impairment::{AudioImpairer, Impairments, PacketDice};
use crate::line::{DtmfDigit, Media, MediaKind};

/// Frames a side may send ahead of the tick before the oldest is dropped
/// (0.5 s, a generous jitter buffer).
pub const AUDIO_INPUT_FRAMES: usize = 25;

/// Counters of one direction of a call, for tests and the bench.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PathStats {
    /// Audio frames the sender handed in.
    pub frames_sent: u64,
    /// Audio frames delivered to the receiver (including SILENCE fill).
    pub frames_delivered: u64,
    /// Samples that entered the impairment chain (160 per tick).
    pub samples_in: u64,
    /// Samples the drift resampler produced, including those still waiting
    /// to fill a whole frame.
    pub samples_out: u64,
    /// Sent frames dropped because the sender ran too far ahead.
    pub audio_overruns: u64,
    /// T.38 packets handed in.
    pub t38_sent: u64,
    /// T.38 packets lost by the dice.
    pub t38_lost: u64,
    /// T.38 packets lost on the wire but recovered from the redundancy of a
    /// later datagram.
    pub t38_recovered: u64,
    /// T.38 packets held back one tick.
    pub t38_reordered: u64,
    /// Extra copies of T.38 packets.
    pub t38_duplicated: u64,
    /// T.38 packets delivered (copies included).
    pub t38_delivered: u64,
    /// DTMF events delivered.
    pub dtmf_delivered: u64,
}

/// One direction of a connected call.
#[derive(Debug)]
pub(crate) struct MediaPath {
    kind: MediaKind,
    latency: u64,
    rng: SmallRng,
    audio: AudioImpairer,
    audio_in: VecDeque<AudioFrame>,
    audio_out: VecDeque<(u64, AudioFrame)>,
    dice: PacketDice,
    t38_in: Vec<IfpPacket>,
    t38_held: Vec<IfpPacket>,
    /// UDPTL redundancy depth, datagrams sent so far, and lost packets
    /// that a later datagram may still recover: (datagram number, packet).
    redundancy: u64,
    datagrams: u64,
    lost: VecDeque<(u64, IfpPacket)>,
    t38_next_held: Vec<IfpPacket>,
    t38_out: VecDeque<(u64, IfpPacket)>,
    dtmf_in: Vec<DtmfDigit>,
    dtmf_out: VecDeque<(u64, DtmfDigit)>,
    stats: PathStats,
}

impl MediaPath {
    /// A path connected after tick `tick`; `seed` is already mixed with the
    /// call and direction, `drift_ratio` is this direction's sample ratio.
    pub fn new(
        kind: MediaKind,
        imp: &Impairments,
        seed: u64,
        drift_ratio: f64,
        tick: u64,
    ) -> MediaPath {
        let latency = u64::from(imp.latency_frames);
        let mut audio_out = VecDeque::new();
        if kind == MediaKind::Audio {
            audio_out.reserve(latency as usize + 3);
            // The frames "on the wire" at connect time are silence, so the
            // receiver gets exactly one frame per tick from the start.
            for k in 1..=latency {
                audio_out.push_back((tick + k, SILENCE));
            }
        }
        MediaPath {
            kind,
            latency,
            rng: SmallRng::seed_from_u64(seed),
            audio: AudioImpairer::new(imp, drift_ratio),
            audio_in: VecDeque::with_capacity(if kind == MediaKind::Audio { 4 } else { 0 }),
            audio_out,
            dice: PacketDice::new(imp),
            redundancy: u64::from(imp.t38_redundancy),
            datagrams: 0,
            lost: VecDeque::new(),
            t38_in: Vec::new(),
            t38_held: Vec::new(),
            t38_next_held: Vec::new(),
            t38_out: VecDeque::new(),
            dtmf_in: Vec::new(),
            dtmf_out: VecDeque::new(),
            stats: PathStats::default(),
        }
    }

    pub fn stats(&self) -> PathStats {
        self.stats
    }

    /// Hand in media from the sending side. The caller has checked that the
    /// media fits the call; media of the wrong kind is ignored here.
    pub fn submit(&mut self, media: Media) {
        match media {
            Media::Audio(frame) if self.kind == MediaKind::Audio => {
                if self.audio_in.len() >= AUDIO_INPUT_FRAMES {
                    self.audio_in.pop_front();
                    self.stats.audio_overruns += 1;
                }
                self.audio_in.push_back(frame);
                self.stats.frames_sent += 1;
            }
            Media::T38(packet) if self.kind == MediaKind::T38 => {
                self.t38_in.push(packet);
                self.stats.t38_sent += 1;
            }
            Media::Dtmf(digit) => self.dtmf_in.push(digit),
            // No loopback line carries a modem's frames (no line has the
            // capability, so no such call is set up).
            Media::Audio(_) | Media::T38(_) | Media::ModemRequest(_) | Media::ModemReport(_) => {}
        }
    }

    /// Run tick number `tick` (the exchange's count, starting at 1) and hand
    /// everything due to `deliver`, in arrival order.
    pub fn tick(&mut self, tick: u64, mut deliver: impl FnMut(Media)) {
        let due = tick + self.latency;
        for digit in self.dtmf_in.drain(..) {
            self.dtmf_out.push_back((due, digit));
        }
        match self.kind {
            MediaKind::Audio => self.tick_audio(due),
            MediaKind::T38 => self.tick_t38(due),
            MediaKind::Modem => {}
        }
        while let Some(&(at, digit)) = self.dtmf_out.front() {
            if at > tick {
                break;
            }
            self.dtmf_out.pop_front();
            self.stats.dtmf_delivered += 1;
            deliver(Media::Dtmf(digit));
        }
        while self.audio_out.front().is_some_and(|&(at, _)| at <= tick) {
            let (_, frame) = self.audio_out.pop_front().expect("front checked");
            self.stats.frames_delivered += 1;
            deliver(Media::Audio(frame));
        }
        while self.t38_out.front().is_some_and(|&(at, _)| at <= tick) {
            let (_, packet) = self.t38_out.pop_front().expect("front checked");
            self.stats.t38_delivered += 1;
            deliver(Media::T38(packet));
        }
    }

    fn tick_audio(&mut self, due: u64) {
        let frame = self.audio_in.pop_front().unwrap_or(SILENCE);
        let out = &mut self.audio_out;
        let produced = self
            .audio
            .process(&frame, &mut self.rng, |f| out.push_back((due, f)));
        self.stats.samples_in += FRAME_SAMPLES as u64;
        self.stats.samples_out += produced as u64;
    }

    fn tick_t38(&mut self, due: u64) {
        let dice = self.dice;
        for packet in self.t38_in.drain(..) {
            self.datagrams += 1;
            if dice.loss > 0.0 && self.rng.gen::<f32>() < dice.loss {
                if self.redundancy > 0 {
                    self.lost.push_back((self.datagrams, packet));
                } else {
                    self.stats.t38_lost += 1;
                }
                continue;
            }
            // This datagram's redundancy carries the packets of the previous
            // `redundancy` datagrams: any of them lost so far is recovered
            // here, in order, ahead of the primary packet.
            while let Some((n, lost)) = self.lost.pop_front() {
                if n + self.redundancy >= self.datagrams {
                    self.stats.t38_recovered += 1;
                    self.t38_out.push_back((due, lost));
                } else {
                    self.stats.t38_lost += 1;
                }
            }
            if dice.duplicate > 0.0 && self.rng.gen::<f32>() < dice.duplicate {
                self.stats.t38_duplicated += 1;
                self.t38_out.push_back((due, packet.clone()));
            }
            if dice.reorder > 0.0 && self.rng.gen::<f32>() < dice.reorder {
                self.stats.t38_reordered += 1;
                self.t38_next_held.push(packet);
                continue;
            }
            self.t38_out.push_back((due, packet));
        }
        // Held back last tick: released behind this tick's packets.
        for packet in self.t38_held.drain(..) {
            self.t38_out.push_back((due, packet));
        }
        std::mem::swap(&mut self.t38_held, &mut self.t38_next_held);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t38(seq: u16) -> Media {
        Media::T38(IfpPacket {
            seq,
            data: vec![seq as u8],
        })
    }

    #[test]
    fn audio_arrives_after_latency_and_silence_fills_gaps() {
        let imp = Impairments {
            latency_frames: 2,
            ..Impairments::CLEAN
        };
        let mut path = MediaPath::new(MediaKind::Audio, &imp, 0, 1.0, 0);
        let tone = [1000i16; FRAME_SAMPLES];
        path.submit(Media::Audio(tone));
        let mut got = Vec::new();
        for tick in 1..=4 {
            path.tick(tick, |m| got.push((tick, m)));
        }
        let levels: Vec<(u64, i16)> = got
            .iter()
            .map(|(t, m)| match m {
                Media::Audio(f) => (*t, f[0]),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(levels, vec![(1, 0), (2, 0), (3, 1000), (4, 0)]);
    }

    #[test]
    fn held_back_packet_arrives_behind_the_next_ticks_packets() {
        let imp = Impairments {
            latency_frames: 0,
            t38_reorder: 1.0,
            ..Impairments::CLEAN
        };
        let mut path = MediaPath::new(MediaKind::T38, &imp, 0, 1.0, 0);
        path.submit(t38(1));
        let mut got = Vec::new();
        path.tick(1, |m| got.push(m));
        assert!(got.is_empty());
        path.dice.reorder = 0.0;
        path.submit(t38(2));
        path.tick(2, |m| got.push(m));
        assert_eq!(got, vec![t38(2), t38(1)]);
    }

    #[test]
    fn media_of_the_wrong_kind_is_ignored() {
        let mut path = MediaPath::new(MediaKind::T38, &Impairments::CLEAN, 0, 1.0, 0);
        path.submit(Media::Audio(SILENCE));
        let mut n = 0;
        path.tick(1, |_| n += 1);
        path.tick(2, |_| n += 1);
        assert_eq!(n, 0);
        assert_eq!(path.stats().frames_sent, 0);
    }
}
