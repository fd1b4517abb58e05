//! A jitter buffer for fax over G.711, with clock recovery.
//!
//! Fax modems do not survive packet-loss concealment: a V.17 or V.29
//! receiver loses the page line at the first gap. So the buffer prefers
//! delay to loss:
//!
//! * the playout delay follows the largest transit spread seen so far (plus
//!   one frame and a margin), grows at once when jitter grows, up to a cap,
//!   and never shrinks during the call;
//! * reordered packets are put back in order, duplicates dropped;
//! * a gap is filled with silence only when its samples are due (their
//!   deadline), never earlier, and a packet that turns up before its
//!   deadline is played whole;
//! * clock recovery: the sender's 8 kHz and ours differ by some ppm. The
//!   buffer measures the drift as the trend of the minimum transit time and
//!   resamples (linear interpolation) by a ratio steered to keep the delay
//!   on target, at most [`JitterConfig::max_steer_ppm`] away from 1, so a
//!   modem sees a small steady frequency offset rather than sample slips.
//!
//! Samples are linear (decode G.711 before [`JitterBuffer::push`]); time is
//! the `now` the caller passes.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::rtp::SAMPLES_PER_PACKET;

/// Samples in one output frame (20 ms at 8 kHz).
pub const FRAME: usize = SAMPLES_PER_PACKET as usize;
/// Ring capacity in samples (4 s): more than the delay cap plus jitter.
const RING_BITS: u32 = 15;
const RING: usize = 1 << RING_BITS;
/// Window of the minimum-transit tracker.
const BASE_WINDOW: Duration = Duration::from_secs(8);
/// A packet more than this (in samples) earlier than the fastest transit
/// tracked is "early": see [`EARLY_RUN`].
const EARLY_SLACK: f64 = FRAME as f64 / 2.0;
/// Early packets lower the base only after this many in a row (half a
/// second of 20 ms packets): then the path or the sender's clock really
/// changed. A shorter run is our own doing: after a stall of the media
/// loop, the missed ticks run back to back and the first of them reads
/// every packet that queued in the socket meanwhile, at that tick's
/// deadline, so those packets look early by up to the stall. Taken as the
/// new base, they would make the next 8 s look late (resampling) and the
/// return of the base a step of delay (silence in the middle of a page).
const EARLY_RUN: u32 = 25;

/// Settings of a [`JitterBuffer`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JitterConfig {
    /// Delay before the first sample plays, before any jitter is seen.
    pub initial_delay: Duration,
    /// The delay never grows beyond this (samples arriving later are lost).
    pub max_delay: Duration,
    /// Extra delay on top of the observed transit spread plus one frame.
    pub margin: Duration,
    /// Largest resampling correction of clock recovery, in ppm.
    pub max_steer_ppm: f64,
    /// Playout starts this long after the first packet, so the delay is
    /// set from the jitter of the first packets rather than raised in steps
    /// later (the start of a call is tones and silence).
    pub learn: Duration,
}

impl Default for JitterConfig {
    fn default() -> Self {
        JitterConfig {
            initial_delay: Duration::from_millis(60),
            max_delay: Duration::from_millis(400),
            margin: Duration::from_millis(10),
            max_steer_ppm: 400.0,
            learn: Duration::from_millis(500),
        }
    }
}

/// Counters of a [`JitterBuffer`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JitterStats {
    /// Packets accepted into the buffer.
    pub packets: u64,
    /// Copies of packets already held or played, dropped.
    pub duplicates: u64,
    /// Packets that arrived out of order but before their deadline.
    pub reordered: u64,
    /// Packets that arrived after their deadline (their samples were
    /// already filled): the loss the delay could not prevent.
    pub late: u64,
    /// Packets too far ahead of playout (beyond the ring), dropped.
    pub overflow: u64,
    /// Gaps (runs of missing samples) filled at their deadline.
    pub gaps: u64,
    /// Samples of silence played in place of missing ones (gaps, delay
    /// steps and the initial delay).
    pub filled_samples: u64,
    /// Times the delay was raised in a step (by inserting silence).
    pub delay_steps: u64,
    /// Timeline restarts (new source, timestamp jump).
    pub restarts: u64,
    /// Packets earlier than the base by more than half a frame, in a run
    /// too short to move the base (read late by a stalled media loop).
    pub early: u64,
}

/// The jitter buffer of one received voice stream. See the module docs.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    cfg: JitterConfig,
    /// The ring: each slot's sample with the lap of the position it holds.
    ring: Vec<Slot>,
    epoch: Option<Instant>,
    /// Local time of the first packet of the timeline.
    first_arrival: Option<f64>,
    last_ts: Option<(u32, i64)>,
    max_ext: i64,
    /// Sender position of the next output sample (fractional).
    read_pos: f64,
    started: bool,
    /// Monotonic deque of (local time in samples, transit) for the
    /// sliding minimum.
    base: VecDeque<(f64, f64)>,
    min_transit_seen: f64,
    /// Early packets in a row (see [`EARLY_RUN`]).
    early_run: u32,
    max_spread: f64,
    /// Target delay in samples beyond the minimum transit.
    target: f64,
    ratio: f64,
    in_gap: bool,
    stats: JitterStats,
}

impl JitterBuffer {
    pub fn new(cfg: JitterConfig) -> Self {
        let target = dur_samples(cfg.initial_delay).min(dur_samples(cfg.max_delay));
        JitterBuffer {
            cfg,
            ring: vec![Slot::default(); RING],
            epoch: None,
            first_arrival: None,
            last_ts: None,
            max_ext: i64::MIN,
            read_pos: 0.0,
            started: false,
            base: VecDeque::new(),
            min_transit_seen: f64::INFINITY,
            early_run: 0,
            max_spread: 0.0,
            target,
            ratio: 1.0,
            in_gap: false,
            stats: JitterStats::default(),
        }
    }

    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// Current resampling ratio (sender samples per output sample).
    pub fn ratio(&self) -> f64 {
        self.ratio
    }

    /// Current target playout delay beyond the fastest transit.
    pub fn target_delay(&self) -> Duration {
        Duration::from_micros((self.target / 8.0 * 1000.0) as u64)
    }

    /// The largest transit spread seen (jitter range).
    pub fn max_spread(&self) -> Duration {
        Duration::from_micros((self.max_spread / 8.0 * 1000.0) as u64)
    }

    fn local(&mut self, now: Instant) -> f64 {
        let epoch = *self.epoch.get_or_insert(now);
        // Divided, not multiplied by 8e-6 (not exact in binary): a time on
        // the 125 µs sample grid gives a whole number of samples, so a
        // buffer that never needs to resample plays whole samples.
        now.saturating_duration_since(epoch).as_nanos() as f64 / 125_000.0
    }

    /// Start a new timeline (new SSRC): what is buffered is dropped, the
    /// delay learnt so far is kept.
    pub fn restart(&mut self) {
        // The ring empties at the timeline's first packet (`push`).
        self.last_ts = None;
        self.first_arrival = None;
        self.max_ext = i64::MIN;
        self.started = false;
        self.base.clear();
        self.min_transit_seen = f64::INFINITY;
        self.early_run = 0;
        self.ratio = 1.0;
        self.in_gap = false;
        self.stats.restarts += 1;
    }

    /// A received packet of linear samples with its RTP sequence number and
    /// timestamp.
    pub fn push(&mut self, now: Instant, _seq: u16, timestamp: u32, samples: &[i16]) {
        if samples.is_empty() || samples.len() > RING / 4 {
            return;
        }
        let t = self.local(now);
        let ext = match self.last_ts {
            None => {
                // A new timeline: every slot empty for it (a lap half the
                // tag range away from its first packet's: 36 hours of
                // stream from it).
                let empty = lap(timestamp as i64) ^ 0x8000;
                self.ring.iter_mut().for_each(|s| s.lap = empty);
                timestamp as i64
            }
            Some((last, last_ext)) => last_ext + timestamp.wrapping_sub(last) as i32 as i64,
        };
        // A jump of more than 10 s either way is a new timeline.
        if self.last_ts.is_some() && ext.abs_diff(self.max_ext) > 80_000 {
            self.restart();
            return self.push(now, _seq, timestamp, samples);
        }
        self.last_ts = Some((timestamp, ext));
        self.first_arrival.get_or_insert(t);
        let end = ext + samples.len() as i64;
        if self.started && (end as f64) <= self.read_pos.floor() {
            // Already played (or filled). A copy of a played packet is a
            // duplicate; otherwise the packet is late.
            if self.holds(ext) {
                self.stats.duplicates += 1;
            } else {
                self.stats.late += 1;
            }
            self.note_transit(t, ext as f64);
            return;
        }
        if self.holds(ext) {
            self.stats.duplicates += 1;
            return;
        }
        if self.started && end as f64 > self.read_pos + (RING - FRAME) as f64 {
            self.stats.overflow += 1;
            return;
        }
        if self.started && (ext as f64) < self.read_pos.floor() {
            // Its head is past: what is left of it still plays.
            self.stats.late += 1;
        } else if ext < self.max_ext {
            self.stats.reordered += 1;
        }
        self.max_ext = self.max_ext.max(ext);
        self.stats.packets += 1;
        // At most two runs of the ring (it wraps once at most: a packet
        // holds less than a quarter of it); each run lies in one lap.
        let start = slot(ext);
        let head = samples.len().min(RING - start);
        for (run, at, from) in [
            (&samples[..head], start, ext),
            (&samples[head..], 0, ext + head as i64),
        ] {
            let lap = lap(from);
            for (s, &sample) in self.ring[at..at + run.len()].iter_mut().zip(run) {
                *s = Slot { sample, lap };
            }
        }
        self.note_transit(t, ext as f64);
    }

    fn note_transit(&mut self, t: f64, ext: f64) {
        let transit = t - ext;
        if !self.base.is_empty() && transit < self.base_transit() - EARLY_SLACK {
            self.early_run += 1;
            if self.early_run < EARLY_RUN {
                self.stats.early += 1;
                return;
            }
        } else {
            self.early_run = 0;
        }
        while let Some(&(_, tr)) = self.base.back() {
            if tr >= transit {
                self.base.pop_back();
            } else {
                break;
            }
        }
        self.base.push_back((t, transit));
        let window = dur_samples(BASE_WINDOW);
        while let Some(&(at, _)) = self.base.front() {
            if t - at > window && self.base.len() > 1 {
                self.base.pop_front();
            } else {
                break;
            }
        }
        self.min_transit_seen = self.min_transit_seen.min(transit);
        let base = self.base_transit();
        let spread = transit - base;
        if spread > self.max_spread {
            self.max_spread = spread;
        }
        let want = (self.max_spread + FRAME as f64 + dur_samples(self.cfg.margin))
            .min(dur_samples(self.cfg.max_delay));
        if want > self.target {
            self.target = want;
        }
    }

    fn base_transit(&self) -> f64 {
        self.base.front().map(|&(_, tr)| tr).unwrap_or(0.0)
    }

    /// The next 20 ms frame at local time `now`. Before the first packet and
    /// across gaps the frame is (partly) silence; see [`JitterStats`].
    pub fn pull(&mut self, now: Instant, out: &mut [i16; FRAME]) {
        let t = self.local(now);
        let learning = self
            .first_arrival
            .is_none_or(|f| t - f < dur_samples(self.cfg.learn));
        if !self.started && learning {
            out.fill(0);
            return;
        }
        let want_pos = t - self.base_transit() - self.target;
        if !self.started {
            self.started = true;
            self.read_pos = want_pos;
        }
        // Positive error: playing too early (too little delay).
        let err = self.read_pos - want_pos;
        let mut insert = 0usize;
        if err > FRAME as f64 / 2.0 {
            // Jitter grew: raise the delay now, by silence, not by speed.
            insert = (err.round() as usize).min(FRAME);
            self.stats.delay_steps += 1;
        }
        let steer = (-err * 4e-6).clamp(
            -self.cfg.max_steer_ppm * 1e-6,
            self.cfg.max_steer_ppm * 1e-6,
        );
        self.ratio = 1.0 + steer;
        if insert == 0 && self.ratio == 1.0 && self.read_pos.fract() == 0.0 {
            // Nothing to resample: whole samples as they came (the usual
            // case between our own lines; the same output as below).
            let p0 = self.read_pos as i64;
            let k0 = slot(p0);
            let whole = self.ring.get(k0..k0 + FRAME).filter(|run| {
                let l = lap(p0);
                run.iter().all(|s| s.lap == l)
            });
            if let Some(run) = whole {
                // Every sample present, in one lap: a plain copy.
                for (o, s) in out.iter_mut().zip(run) {
                    *o = s.sample;
                }
                self.in_gap = false;
            } else {
                for (o, p) in out.iter_mut().zip(p0..) {
                    *o = match self.sample(p) {
                        Some(s) => {
                            self.in_gap = false;
                            s
                        }
                        None => self.gap_sample(p),
                    };
                }
            }
            self.read_pos += FRAME as f64;
            return;
        }
        // Resampling with every sample of the frame at hand (the usual case
        // while clock recovery steers): one presence check for the frame,
        // then interpolation without a branch per sample (the same output
        // as the general loop below, which handles gaps).
        let first = self.read_pos.floor() as i64;
        let last = (self.read_pos + self.ratio * (FRAME - 1) as f64).floor() as i64 + 2;
        if insert == 0 && (first..=last).all(|p| self.holds(p)) {
            self.in_gap = false;
            for o in out.iter_mut() {
                let p0 = self.read_pos.floor();
                let frac = self.read_pos - p0;
                let a = f64::from(self.ring[slot(p0 as i64)].sample);
                let b = f64::from(self.ring[slot(p0 as i64 + 1)].sample);
                *o = (a + (b - a) * frac).round() as i16;
                self.read_pos += self.ratio;
            }
            return;
        }
        for (i, o) in out.iter_mut().enumerate() {
            if i < insert {
                *o = 0;
                self.stats.filled_samples += 1;
                continue;
            }
            let p0 = self.read_pos.floor();
            let frac = self.read_pos - p0;
            let a = self.sample(p0 as i64);
            let b = if frac > 0.0 {
                self.sample(p0 as i64 + 1)
            } else {
                a
            };
            *o = match (a, b) {
                (Some(a), Some(b)) => {
                    self.in_gap = false;
                    (a as f64 + (b as f64 - a as f64) * frac).round() as i16
                }
                (Some(a), None) => {
                    self.in_gap = false;
                    a
                }
                (None, Some(b)) => b,
                (None, None) => self.gap_sample(p0 as i64),
            };
            self.read_pos += self.ratio;
        }
    }

    /// A missing sample at `p`: silence, counted.
    fn gap_sample(&mut self, p: i64) -> i16 {
        if !self.in_gap {
            self.in_gap = true;
            // Only count gaps inside the stream, not the initial wait for
            // the first packet.
            if p < self.max_ext {
                self.stats.gaps += 1;
            }
        }
        self.stats.filled_samples += 1;
        0
    }

    fn sample(&self, p: i64) -> Option<i16> {
        let s = self.ring[slot(p)];
        (s.lap == lap(p)).then_some(s.sample)
    }

    /// The ring holds the sample of position `p`.
    fn holds(&self, p: i64) -> bool {
        self.ring[slot(p)].lap == lap(p)
    }
}

/// One ring slot: a sample and the lap of the position it holds (the
/// position is its slot plus `lap * RING`; the lap is kept to 16 bits, so
/// a slot could be mistaken for one 65536 laps, 73 hours, older: every
/// slot of a stream is written once per lap of 4 s, and a timeline starts
/// with every slot half the tag range away from it). One array of 4 bytes
/// a sample: a packet and a frame touch 10 cache lines, not the 25 of a
/// 64-bit position per sample beside the samples.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    sample: i16,
    lap: u16,
}

/// The lap of position `p` (its ring round), truncated to 16 bits.
fn lap(p: i64) -> u16 {
    (p >> RING_BITS) as u16
}

const _: () = assert!(RING.is_power_of_two());

/// The ring slot of sample position `p` (`p mod RING`, negative too).
fn slot(p: i64) -> usize {
    (p as u64 & (RING as u64 - 1)) as usize
}

fn dur_samples(d: Duration) -> f64 {
    d.as_secs_f64() * 8000.0
}
