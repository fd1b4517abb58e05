//! The G.711 receive path: RTP in, jitter buffer with clock recovery,
//! audio out; checked on a simulated clock with jitter, reordering,
//! duplicates, loss and sender clock drift, and with a real fax (two
//! FaxSessions) across it.

mod media_common;

use std::time::Duration;

use fax_t30::g711::Law;
use fax_t30::media::AudioFrame;
use fax_t30::{FaxSession, Transport};
use media_common::{assert_pages_equal, fax_pair, Clock, Net};
use sip::media::jitter::{JitterBuffer, JitterConfig, FRAME};
use sip::media::rtp::{Received, RtpReceiver, RtpSender, G711};
use test_kit::{origin, Scratch};

/// One side of a G.711 call: a fax session behind RTP and a jitter buffer.
struct Side {
    clock: Clock,
    session: FaxSession,
    tx: RtpSender,
    rx: RtpReceiver,
    jb: JitterBuffer,
    law: Law,
    g711: G711,
    ticks: u64,
    /// Control: play packets in arrival order with no buffer at all.
    naive: Option<std::collections::VecDeque<i16>>,
}

impl Side {
    fn new(clock: Clock, session: FaxSession, ssrc: u32) -> Side {
        Side {
            clock,
            session,
            tx: RtpSender::new(G711::Pcma, ssrc, ssrc as u16, ssrc.wrapping_mul(7)),
            rx: RtpReceiver::new(Some(101)),
            jb: JitterBuffer::new(JitterConfig::default()),
            law: Law::ALaw,
            g711: G711::Pcma,
            ticks: 0,
            naive: None,
        }
    }

    fn next_tick(&self) -> u64 {
        self.clock.tick_global_us(self.ticks)
    }

    /// One 20 ms tick of this side's clock: play a frame into the session,
    /// send what the session says.
    fn tick(&mut self, global: u64, out: &mut Net) {
        let now = self.clock.local(global);
        let mut frame: AudioFrame = [0; FRAME];
        match &mut self.naive {
            Some(q) => {
                for s in frame.iter_mut() {
                    *s = q.pop_front().unwrap_or(0);
                }
            }
            None => self.jb.pull(now, &mut frame),
        }
        self.session.handle_audio(&frame);
        let codes = self.session.poll_g711(self.law);
        let pkt = self.tx.voice(&codes, now);
        assert_eq!(self.tx.law(), self.g711);
        out.send(global, pkt);
        // Peers send STUN on the RTP port: 2 per second.
        if self.ticks % 25 == 7 {
            out.send(global, stun_binding_request(self.ticks));
        }
        self.ticks += 1;
        while self.session.poll_event().is_some() {}
    }

    fn arrive(&mut self, global: u64, pkt: &[u8]) {
        let now = self.clock.local(global);
        let changes = self.rx.ssrc_changes;
        match self.rx.receive(pkt, now) {
            Received::Voice {
                header, payload, ..
            } => {
                if self.rx.ssrc_changes != changes {
                    self.jb.restart();
                }
                let mut s = vec![0i16; payload.len()];
                self.law.decode_into(payload, &mut s);
                match &mut self.naive {
                    Some(q) => q.extend(&s),
                    None => self.jb.push(now, header.seq, header.timestamp, &s),
                }
            }
            Received::Ignored(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn stun_binding_request(n: u64) -> Vec<u8> {
    let mut b = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42];
    b.extend_from_slice(&n.to_be_bytes());
    b.extend_from_slice(&[0; 4]);
    b
}

fn run_call(a: &mut Side, b: &mut Side, ab: &mut Net, ba: &mut Net, limit_s: u64) {
    let limit = limit_s * 1_000_000;
    loop {
        let t = [
            Some(a.next_tick()),
            Some(b.next_tick()),
            ab.next_arrival(),
            ba.next_arrival(),
        ]
        .into_iter()
        .flatten()
        .min()
        .expect("ticks always pending");
        assert!(t < limit, "fax did not finish within {limit_s} s");
        while let Some(p) = ab.recv(t) {
            b.arrive(t, &p);
        }
        while let Some(p) = ba.recv(t) {
            a.arrive(t, &p);
        }
        if a.next_tick() == t {
            a.tick(t, ab);
        }
        if b.next_tick() == t {
            b.tick(t, ba);
        }
        if a.session.is_finished() && b.session.is_finished() {
            return;
        }
    }
}

#[test]
fn g711_fax_survives_40ms_jitter_reordering_and_clock_drift() {
    let dir = Scratch::new("g711-jitter");
    let (tx, rx, src, rx_file) = fax_pair(Transport::Audio, true, 2, &dir);
    let epoch = origin();
    // The receiver's clock runs 120 ppm fast against the sender's.
    let mut a = Side::new(Clock { epoch, ppm: 0.0 }, tx, 0x1111_2222);
    let mut b = Side::new(Clock { epoch, ppm: 120.0 }, rx, 0x3333_4444);
    let jitter = Duration::from_millis(40);
    let mut ab = Net::new(1, Duration::from_millis(50), jitter, 0.0, 0.01);
    let mut ba = Net::new(2, Duration::from_millis(50), jitter, 0.0, 0.01);
    run_call(&mut a, &mut b, &mut ab, &mut ba, 600);

    let out = a.session.outcome().unwrap();
    assert!(out.success, "sender: {}", out.summary());
    assert_eq!(out.pages_confirmed, 2);
    let rxo = b.session.outcome().unwrap();
    assert!(rxo.success, "receiver: {}", rxo.summary());
    assert_pages_equal(&rx_file, &src);

    for (name, side, net) in [("a", &a, &ba), ("b", &b, &ab)] {
        let st = side.jb.stats();
        eprintln!(
            "{name}: {st:?} ratio {:.6} target {:?} spread {:?}; net reordered {} dup {}; stun ignored {}",
            side.jb.ratio(),
            side.jb.target_delay(),
            side.jb.max_spread(),
            net.reordered,
            net.duplicated,
            side.rx.ignored_stun
        );
        assert!(net.reordered > 100, "the network reordered");
        assert!(st.reordered > 100, "{name}: reordered packets put back");
        assert!(st.duplicates > 10, "{name}: duplicates dropped");
        assert_eq!(st.late, 0, "{name}: no packet missed its deadline");
        assert_eq!(st.gaps, 0, "{name}: no gap was filled");
        assert!(side.rx.ignored_stun > 50, "{name}: STUN ignored");
        // The delay grew to cover the 80 ms jitter range.
        assert!(side.jb.target_delay() >= Duration::from_millis(90));
        assert!(side.jb.target_delay() <= Duration::from_millis(130));
    }
    // Clock recovery: b (fast clock) consumes a's samples slower, a
    // consumes b's faster; both by about 120 ppm.
    let ppm = |r: f64| (r - 1.0) * 1e6;
    assert!(
        (-240.0..-60.0).contains(&ppm(b.jb.ratio())),
        "b ratio {:.1} ppm",
        ppm(b.jb.ratio())
    );
    assert!(
        (60.0..240.0).contains(&ppm(a.jb.ratio())),
        "a ratio {:.1} ppm",
        ppm(a.jb.ratio())
    );
}

#[test]
fn without_the_jitter_buffer_the_same_fax_fails() {
    // The control of the test above: packets played in arrival order.
    let dir = Scratch::new("g711-naive");
    let (tx, rx, _, _) = fax_pair(Transport::Audio, true, 2, &dir);
    let epoch = origin();
    let mut a = Side::new(Clock { epoch, ppm: 0.0 }, tx, 0x1111_2222);
    let mut b = Side::new(Clock { epoch, ppm: 120.0 }, rx, 0x3333_4444);
    a.naive = Some(Default::default());
    b.naive = Some(Default::default());
    let jitter = Duration::from_millis(40);
    let mut ab = Net::new(1, Duration::from_millis(50), jitter, 0.0, 0.01);
    let mut ba = Net::new(2, Duration::from_millis(50), jitter, 0.0, 0.01);
    run_call(&mut a, &mut b, &mut ab, &mut ba, 1200);
    let out = a.session.outcome().unwrap();
    assert!(!out.success, "sender: {}", out.summary());
}

/// A 1 kHz tone through the buffer: returns the buffer, and the output
/// samples after the start.
fn tone_run(
    seconds: u64,
    sender_ppm: f64,
    net: &mut Net,
    drop_after: Option<(u64, Duration)>,
) -> (JitterBuffer, Vec<i16>) {
    let epoch = origin();
    let sender = Clock {
        epoch,
        ppm: sender_ppm,
    };
    let receiver = Clock { epoch, ppm: 0.0 };
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut tx = RtpSender::new(G711::Pcmu, 5, 100, 1000);
    let mut rx = RtpReceiver::new(None);
    let (mut ks, mut kr) = (0u64, 0u64);
    let mut phase = 0u64;
    let mut out = Vec::new();
    let end = seconds * 1_000_000;
    let mut held: Vec<(u64, Vec<u8>)> = Vec::new();
    loop {
        let t = [
            Some(sender.tick_global_us(ks)),
            Some(receiver.tick_global_us(kr)),
            net.next_arrival(),
            held.iter().map(|h| h.0).min(),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap();
        if t >= end {
            break;
        }
        let mut arrivals = Vec::new();
        while let Some(p) = net.recv(t) {
            arrivals.push(p);
        }
        held.retain(|(at, p)| {
            if *at <= t {
                arrivals.push(p.clone());
                false
            } else {
                true
            }
        });
        for p in arrivals {
            let now = receiver.local(t);
            if let Received::Voice {
                header, payload, ..
            } = rx.receive(&p, now)
            {
                let s: Vec<i16> = payload.iter().map(|c| Law::MuLaw.decode(*c)).collect();
                jb.push(now, header.seq, header.timestamp, &s);
            }
        }
        if sender.tick_global_us(ks) == t {
            let codes: Vec<u8> = (0..160)
                .map(|_| {
                    phase += 1;
                    let x = (phase as f64 * 2.0 * std::f64::consts::PI * 1000.0 / 8000.0).sin();
                    Law::MuLaw.encode((x * 8000.0) as i16)
                })
                .collect();
            let pkt = tx.voice(&codes, sender.local(t));
            match drop_after {
                Some((k, extra)) if k == ks => held.push((t + extra.as_micros() as u64, pkt)),
                _ => net.send(t, pkt),
            }
            ks += 1;
        }
        if receiver.tick_global_us(kr) == t {
            let mut f = [0i16; FRAME];
            jb.pull(receiver.local(t), &mut f);
            out.extend_from_slice(&f);
            kr += 1;
        }
    }
    (jb, out)
}

#[test]
fn clock_recovery_follows_drift_without_gaps() {
    for ppm in [-250.0, 250.0] {
        let mut net = Net::new(
            3,
            Duration::from_millis(30),
            Duration::from_millis(40),
            0.0,
            0.0,
        );
        let (jb, out) = tone_run(240, ppm, &mut net, None);
        let st = jb.stats();
        eprintln!("{ppm}: {st:?} ratio {:.6}", jb.ratio());
        assert_eq!(st.gaps, 0);
        assert_eq!(st.late, 0);
        // Without clock recovery 240 s at 250 ppm is 480 samples (60 ms)
        // too many or too few: the buffer would over- or underrun. With it
        // the ratio tracks the drift.
        let got = (jb.ratio() - 1.0) * 1e6;
        assert!((got - ppm).abs() < 80.0, "ratio {got:.1} ppm for {ppm} ppm");
        // No silence inside the stream after the first seconds: the tone
        // is continuous (a filled sample would be 0 amid a 8000-amplitude
        // tone; look for runs of zeros).
        let tail = &out[8000 * 5..];
        let zero_runs = tail
            .windows(3)
            .filter(|w| w.iter().all(|s| *s == 0))
            .count();
        assert_eq!(zero_runs, 0, "silence inside the tone");
    }
}

#[test]
fn gaps_are_filled_only_at_their_deadline_and_counted() {
    // 2 % loss, no jitter: every lost packet becomes a gap, filled when due.
    let mut net = Net::new(4, Duration::from_millis(30), Duration::ZERO, 0.02, 0.0);
    let (jb, _) = tone_run(30, 0.0, &mut net, None);
    let st = jb.stats();
    assert!(net.lost > 10);
    assert!(
        st.gaps >= net.lost * 8 / 10 && st.gaps <= net.lost,
        "{st:?} lost {}",
        net.lost
    );
    assert_eq!(st.late, 0);

    // A packet 30 ms late with 5 ms of jitter: within the margin the
    // buffer waits for it... but one 600 ms late (beyond the 400 ms cap)
    // misses its deadline: filled, then counted late when it comes.
    let mut net = Net::new(
        5,
        Duration::from_millis(30),
        Duration::from_millis(5),
        0.0,
        0.0,
    );
    let (jb, _) = tone_run(10, 0.0, &mut net, Some((200, Duration::from_millis(600))));
    let st = jb.stats();
    assert_eq!(st.late, 1, "{st:?}");
    assert_eq!(st.gaps, 1, "{st:?}");
    // The late packet raised the delay, up to the cap.
    assert!(
        jb.target_delay() >= Duration::from_millis(399),
        "{:?}",
        jb.target_delay()
    );
}

/// A 1 kHz tone (linear samples) of `FRAME` samples, frame `k`.
fn tone_frame(k: u64) -> [i16; FRAME] {
    let mut f = [0i16; FRAME];
    for (i, s) in f.iter_mut().enumerate() {
        let n = k * FRAME as u64 + i as u64;
        *s = ((n as f64 * 2.0 * std::f64::consts::PI * 1000.0 / 8000.0).sin() * 8000.0) as i16;
    }
    f
}

/// A sender and a receiver on the same 20 ms grid; a packet is read one
/// tick after it was sent. Frame `k`'s packet carries timestamp
/// `k * FRAME + shift(k)`. At tick `stall_at` the receiver's loop stalls
/// for `stall` ticks, then catches up as the media ticker does: the missed
/// ticks run back to back, each with its own deadline as `now`; the first
/// of them reads every packet that queued meanwhile, so all but the first
/// look early. Returns the buffer and what it played.
fn receiver_stall(
    stall_at: u64,
    stall: u64,
    frames: u64,
    shift: impl Fn(u64) -> u32,
) -> (JitterBuffer, Vec<i16>) {
    let epoch = origin();
    let at = |k: u64| epoch + Duration::from_millis(20 * k);
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = Vec::new();
    for k in 1..frames {
        let read = if k == stall_at + 1 {
            stall_at..stall_at + stall
        } else if k > stall_at + 1 && k <= stall_at + stall {
            0..0
        } else {
            k - 1..k
        };
        for f in read {
            let ts = (f * FRAME as u64) as u32 + shift(f);
            jb.push(at(k), f as u16, ts, &tone_frame(f));
        }
        let mut frame = [0i16; FRAME];
        jb.pull(at(k), &mut frame);
        out.extend_from_slice(&frame);
    }
    (jb, out)
}

#[test]
fn packets_read_late_by_a_stalled_loop_do_not_move_the_delay() {
    // 100 ms stall 20 s in: 4 of the 5 packets that queued look 20 to 80
    // ms early. Before issue 12 they lowered the base: resampling for 8 s
    // (which V.17 does not survive), then silence when the base came back.
    let (jb, out) = receiver_stall(1000, 5, 2500, |_| 0);
    let st = jb.stats();
    assert_eq!(st.early, 4, "{st:?}");
    assert_eq!(st.gaps, 0, "{st:?}");
    assert_eq!(st.delay_steps, 0, "{st:?}");
    assert_eq!(jb.ratio(), 1.0, "no resampling");
    // What plays is the tone itself, sample for sample, at one delay.
    let start = out.iter().position(|s| *s != 0).expect("the tone plays");
    let tone: Vec<i16> = (0..2500).flat_map(tone_frame).collect();
    let played = &out[start..];
    let first = tone.iter().position(|s| *s == played[0]).unwrap();
    assert_eq!(played, &tone[first..first + played.len()]);
}

#[test]
fn a_lasting_run_of_early_packets_moves_the_base() {
    // The sender's timeline jumps 40 ms ahead and stays there (a real
    // change, not a stall of ours): after the hold the base follows.
    let (jb, _) = receiver_stall(u64::MAX - 1, 0, 1500, |f| if f >= 700 { 320 } else { 0 });
    assert_eq!(jb.stats().early, 24, "{:?}", jb.stats());
}

/// Frames of `packets` packets (20 ms apart from `t0`, timestamps from
/// `ts0`) carrying the value `k + 1` in every sample of packet `k`, all
/// but the packets `lost`; returns what the buffer played, frame by frame.
fn numbered_run(
    jb: &mut JitterBuffer,
    t0: std::time::Instant,
    ts0: u32,
    packets: u64,
    lost: &[u64],
) -> Vec<[i16; FRAME]> {
    let mut played = Vec::new();
    for k in 0..packets {
        let now = t0 + Duration::from_millis(20 * k);
        if !lost.contains(&k) {
            let ts = ts0.wrapping_add((k * FRAME as u64) as u32);
            jb.push(now, k as u16, ts, &[k as i16 + 1; FRAME]);
        }
        let mut out = [0i16; FRAME];
        jb.pull(now, &mut out);
        played.push(out);
    }
    played
}

/// The values played after the buffer started, one per frame (0: a frame
/// of silence; a frame mixing two values fails the test).
fn frame_values(played: &[[i16; FRAME]]) -> Vec<i16> {
    let start = played
        .iter()
        .position(|f| f[0] != 0)
        .expect("playout started");
    played[start..]
        .iter()
        .map(|f| {
            assert!(
                f.iter().all(|&s| s == f[0]),
                "a frame plays one packet: {f:?}"
            );
            f[0]
        })
        .collect()
}

#[test]
fn a_lost_packet_plays_silence_in_every_lap_of_the_ring_and_after_a_restart() {
    // 12 s (three laps of the 4 s ring) across the wrap of the 32-bit RTP
    // timestamp, packets lost in the second and third lap: each plays as
    // one frame of silence, not what the slot held a lap before.
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let t0 = origin();
    let lost = [250, 430, 520];
    let played = numbered_run(&mut jb, t0, u32::MAX - 40_000, 600, &lost);
    let values = frame_values(&played);
    let first = values[0] - 1;
    let expected: Vec<i16> = (first..first + values.len() as i16)
        .map(|k| if lost.contains(&(k as u64)) { 0 } else { k + 1 })
        .collect();
    assert_eq!(values, expected);
    assert_eq!(jb.stats().gaps, 3, "{:?}", jb.stats());

    // A new source on the same timestamps: its lost packet is silence, not
    // the old timeline's sample at that position.
    jb.restart();
    let t1 = t0 + Duration::from_secs(13);
    let played = numbered_run(&mut jb, t1, u32::MAX - 40_000, 300, &[200]);
    let values = frame_values(&played);
    let first = values[0] - 1;
    let expected: Vec<i16> = (first..first + values.len() as i16)
        .map(|k| if k == 200 { 0 } else { k + 1 })
        .collect();
    assert_eq!(values, expected);
}
