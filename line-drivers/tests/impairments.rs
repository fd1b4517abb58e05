//! What the loopback line does to media: noise at the configured SNR,
//! attenuation, clock drift, G.711 companding, T.38 loss, reordering and
//! duplication, all reproducible from the seed.

mod common;

use common::{rms, sine, Bench, FRAME};
use fax_t30::g711::Law;
use fax_t30::media::{AudioFrame, IfpPacket};
use line_drivers::loopback::{ExchangeConfig, Impairments, LineIndex, REFERENCE_RMS};
use line_drivers::{LineCaps, LineEvent, Media, MediaKind};

/// Amplitude of a sine at the −13 dBm0 noise reference.
fn reference_amplitude() -> f64 {
    f64::from(REFERENCE_RMS) * std::f64::consts::SQRT_2
}

/// Send `frames` frames of a 1 kHz tone from the caller across `imp` and
/// return (sent, received) with the latency removed.
fn tone_across(
    imp: Impairments,
    amplitude: f64,
    frames: usize,
) -> (Vec<AudioFrame>, Vec<AudioFrame>) {
    let (mut b, a, bb) = bench();
    let call = b.connect(a, bb, MediaKind::Audio, imp);
    let mut sent = Vec::new();
    let mut received = Vec::new();
    for k in 0..frames as u64 {
        let frame = sine(1000.0, amplitude, k * FRAME);
        b.ex.send(a, call, Media::Audio(frame), b.now()).unwrap();
        sent.push(frame);
        b.tick();
        received.extend(b.audio(bb));
    }
    let latency = imp.latency_frames as usize;
    received.drain(..latency);
    sent.truncate(received.len());
    (sent, received)
}

fn bench() -> (Bench, LineIndex, LineIndex) {
    let mut b = Bench::new(ExchangeConfig::default());
    let a = b.line("100", LineCaps::FAX);
    let bb = b.line("200", LineCaps::FAX);
    (b, a, bb)
}

fn flat(frames: &[AudioFrame]) -> Vec<i16> {
    frames.iter().flatten().copied().collect()
}

fn snr_db(sent: &[i16], received: &[i16]) -> f64 {
    let signal: f64 = sent.iter().map(|&s| f64::from(s).powi(2)).sum();
    let noise: f64 = sent
        .iter()
        .zip(received)
        .map(|(&s, &r)| (f64::from(r) - f64::from(s)).powi(2))
        .sum();
    10.0 * (signal / noise).log10()
}

#[test]
fn noise_at_20_db_measures_20_db_for_a_reference_level_tone() {
    let imp = Impairments {
        snr_db: Some(20.0),
        seed: 7,
        ..Impairments::CLEAN
    };
    let (sent, received) = tone_across(imp, reference_amplitude(), 500);
    assert_eq!(received.len(), 499);
    let snr = snr_db(&flat(&sent), &flat(&received));
    assert!((snr - 20.0).abs() < 1.0, "measured {snr:.2} dB");
}

#[test]
fn noise_floor_does_not_follow_the_signal() {
    // 6 dB quieter tone, same noise: 6 dB less SNR.
    let imp = Impairments {
        snr_db: Some(30.0),
        seed: 3,
        ..Impairments::CLEAN
    };
    let (sent, received) = tone_across(imp, reference_amplitude() / 2.0, 500);
    let snr = snr_db(&flat(&sent), &flat(&received));
    assert!((snr - 24.0).abs() < 1.0, "measured {snr:.2} dB");
}

#[test]
fn attenuation_of_6_db_halves_the_amplitude() {
    let imp = Impairments {
        attenuation_db: 6.0,
        ..Impairments::CLEAN
    };
    let (sent, received) = tone_across(imp, 16000.0, 50);
    let ratio = rms(&flat(&received)) / rms(&flat(&sent));
    assert!((ratio - 0.501).abs() < 0.002, "ratio {ratio}");
}

#[test]
fn clean_line_is_bit_exact() {
    let (sent, received) = tone_across(Impairments::CLEAN, 20000.0, 20);
    assert_eq!(sent, received);
}

#[test]
fn drift_of_100_ppm_delivers_a_hundred_ppm_more_samples_over_a_minute() {
    let imp = Impairments {
        clock_drift_ppm: 100.0,
        ..Impairments::CLEAN
    };
    let (mut b, a, bb) = bench();
    let call = b.connect(a, bb, MediaKind::Audio, imp);
    let ticks = 3000u64; // 60 s
    for k in 0..ticks {
        b.ex.send(
            a,
            call,
            Media::Audio(sine(1000.0, 10000.0, k * FRAME)),
            b.now(),
        )
        .unwrap();
        b.tick();
        b.events(a);
        b.events(bb);
    }
    let to_callee = b.ex.received_stats(bb).unwrap();
    assert_eq!(to_callee.samples_in, 480_000);
    let extra = to_callee.samples_out as i64 - to_callee.samples_in as i64;
    assert!(
        (extra - 48).abs() <= 1,
        "{extra} extra samples, expected 48 (0.01 %)"
    );
    assert_eq!(
        to_callee.frames_delivered, ticks,
        "48 samples do not make a frame yet"
    );
    // The other way the caller's clock is the slow one.
    let to_caller = b.ex.received_stats(a).unwrap();
    let missing = to_caller.samples_in as i64 - to_caller.samples_out as i64;
    assert!(
        (missing - 48).abs() <= 1,
        "{missing} samples fewer, expected 48"
    );
}

#[test]
fn large_drift_adds_and_removes_whole_frames() {
    for (ppm, extra_frames) in [(2000.0, 6i64), (-2000.0, -6)] {
        let imp = Impairments {
            clock_drift_ppm: ppm,
            ..Impairments::CLEAN
        };
        let (sent, received) = tone_across(imp, 10000.0, 3000);
        let got = received.len() as i64 + 1; // + the latency frame removed
        assert!(
            (got - 3000 - extra_frames).abs() <= 1,
            "{ppm} ppm: {got} frames"
        );
        // Still the same tone: resampling by 0.2 % keeps the level (linear
        // interpolation loses at most 1 - cos(π/8) of a 1 kHz amplitude).
        let level = rms(&flat(&received[10..])) / rms(&flat(&sent[10..]));
        assert!(level > 0.92 && level <= 1.001, "{ppm} ppm: level {level}");
    }
}

#[test]
fn companding_error_is_bounded() {
    for law in [Law::ALaw, Law::MuLaw] {
        let imp = Impairments {
            law: Some(law),
            ..Impairments::CLEAN
        };
        for amplitude in [300.0, reference_amplitude(), 30000.0] {
            let (sent, received) = tone_across(imp, amplitude, 20);
            let (sent, received) = (flat(&sent), flat(&received));
            for (&x, &y) in sent.iter().zip(&received) {
                let err = (i32::from(y) - i32::from(x)).abs();
                // Half a quantisation step: 1/32 of the level plus the
                // smallest step around zero.
                let bound = (i32::from(x).abs() + 132) / 32 + 8;
                assert!(err <= bound, "{law:?}: {x} -> {y}");
            }
            if amplitude > 1000.0 {
                let sqnr = snr_db(&sent, &received);
                assert!(sqnr > 33.0, "{law:?} at {amplitude}: {sqnr:.1} dB");
            }
        }
    }
}

#[test]
fn noise_is_reproducible_from_the_seed() {
    let imp = Impairments::PSTN.with_seed(99);
    let (_, first) = tone_across(imp, 5000.0, 50);
    let (_, again) = tone_across(imp, 5000.0, 50);
    let (_, other) = tone_across(imp.with_seed(100), 5000.0, 50);
    assert_eq!(first, again);
    assert_ne!(first, other);
}

/// Send `count` packets, `per_tick` per tick, from caller to callee; return
/// the sequence numbers the callee receives and the path counters.
fn packets_across(
    imp: Impairments,
    count: u16,
    per_tick: u16,
) -> (Vec<u16>, line_drivers::loopback::PathStats) {
    let (mut b, a, bb) = bench();
    let call = b.connect(a, bb, MediaKind::T38, imp);
    let mut received = Vec::new();
    let mut collect = |b: &mut Bench| {
        for e in b.events(bb) {
            if let LineEvent::Media {
                media: Media::T38(p),
                ..
            } = e
            {
                assert_eq!(
                    p.data,
                    p.seq.to_be_bytes(),
                    "payload travels with its sequence number"
                );
                received.push(p.seq);
            }
        }
    };
    for seq in 0..count {
        let packet = IfpPacket {
            seq,
            data: seq.to_be_bytes().to_vec(),
        };
        b.ex.send(a, call, Media::T38(packet), b.now()).unwrap();
        if seq % per_tick == per_tick - 1 {
            b.tick();
            collect(&mut b);
        }
    }
    for _ in 0..imp.latency_frames + 3 {
        b.tick();
        collect(&mut b);
    }
    let stats = b.ex.received_stats(bb).unwrap();
    (received, stats)
}

#[test]
fn t38_loss_of_5_percent_drops_about_5_percent() {
    let imp = Impairments {
        t38_loss: 0.05,
        seed: 42,
        ..Impairments::CLEAN
    };
    let (received, stats) = packets_across(imp, 10_000, 1);
    let lost = 10_000 - received.len();
    assert!((400..=600).contains(&lost), "lost {lost}");
    assert_eq!(stats.t38_lost as usize, lost);
    assert_eq!(stats.t38_delivered as usize, received.len());
    assert!(
        received.windows(2).all(|w| w[0] < w[1]),
        "loss alone keeps the order"
    );
    let (again, _) = packets_across(imp, 10_000, 1);
    assert_eq!(received, again, "same seed, same losses");
    let (other, _) = packets_across(imp.with_seed(43), 10_000, 1);
    assert_ne!(received, other);
}

#[test]
fn t38_reordering_loses_nothing() {
    let imp = Impairments {
        t38_reorder: 0.1,
        seed: 5,
        ..Impairments::CLEAN
    };
    let (received, stats) = packets_across(imp, 10_000, 2);
    let mut sorted = received.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (0..10_000).collect::<Vec<u16>>(),
        "every packet arrives once"
    );
    let inversions = received.windows(2).filter(|w| w[0] > w[1]).count();
    assert!(inversions > 500, "{inversions} inversions");
    assert!(
        (800..=1200).contains(&stats.t38_reordered),
        "{}",
        stats.t38_reordered
    );
    let displacement = received
        .iter()
        .enumerate()
        .map(|(pos, &seq)| (pos as i64 - i64::from(seq)).abs())
        .max()
        .unwrap();
    assert!(displacement <= 4, "held back one tick only: {displacement}");
}

#[test]
fn t38_duplicates_arrive_twice() {
    let imp = Impairments {
        t38_duplicate: 0.02,
        seed: 11,
        ..Impairments::CLEAN
    };
    let (received, stats) = packets_across(imp, 10_000, 1);
    assert_eq!(received.len(), 10_000 + stats.t38_duplicated as usize);
    assert!(
        (100..=300).contains(&stats.t38_duplicated),
        "{}",
        stats.t38_duplicated
    );
    let mut sorted = received.clone();
    sorted.dedup();
    assert_eq!(sorted, (0..10_000).collect::<Vec<u16>>());
}

#[test]
fn t38_arrives_after_the_latency() {
    let imp = Impairments {
        latency_frames: 3,
        ..Impairments::CLEAN
    };
    let (mut b, a, bb) = bench();
    let call = b.connect(a, bb, MediaKind::T38, imp);
    let packet = IfpPacket {
        seq: 1,
        data: vec![9],
    };
    b.ex.send(a, call, Media::T38(packet.clone()), b.now())
        .unwrap();
    for _ in 0..3 {
        b.tick();
        assert!(b.events(bb).is_empty());
    }
    b.tick();
    assert_eq!(
        b.events(bb),
        vec![LineEvent::Media {
            call,
            media: Media::T38(packet)
        }]
    );
}
