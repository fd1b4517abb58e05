//! How much CPU one exchange needs per 20 ms tick with many connected audio
//! calls on PSTN impairments (A-law, noise, drift).
//!
//! `cargo run --release -p line-drivers --example exchange_load -- [calls] [seconds]`

use std::time::Instant;

use fax_t30::media::FRAME_SAMPLES;
use line_drivers::loopback::{Exchange, ExchangeConfig, Impairments};
use line_drivers::{LineCaps, LineEvent, Media, MediaKind, SimClock};

#[allow(clippy::disallowed_methods)] // bench shell: measures real CPU time
fn wall() -> Instant {
    Instant::now()
}

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("a number"));
    let calls = args.next().unwrap_or(300);
    let seconds = args.next().unwrap_or(60);
    let mut ex = Exchange::new(ExchangeConfig::default().with_impairments(Impairments::PSTN));
    let mut clock = SimClock::new(wall());
    let mut pairs = Vec::new();
    for i in 0..calls {
        let a = ex.add_line(&format!("1{i:05}"), LineCaps::FAX).unwrap();
        let b = ex.add_line(&format!("2{i:05}"), LineCaps::FAX).unwrap();
        let number = ex.number(b).to_owned();
        let call = ex.dial(a, &number, MediaKind::Audio, clock.now()).unwrap();
        pairs.push((a, b, call));
    }
    ex.tick(clock.tick());
    for &(_, b, call) in &pairs {
        ex.answer(b, call, clock.now()).unwrap();
    }
    let frame = [3000i16; FRAME_SAMPLES];
    let ticks = seconds * 50;
    let mut received = 0u64;
    let start = wall();
    for _ in 0..ticks {
        for &(a, b, call) in &pairs {
            ex.send(a, call, Media::Audio(frame), clock.now()).unwrap();
            ex.send(b, call, Media::Audio(frame), clock.now()).unwrap();
        }
        ex.tick(clock.tick());
        for &(a, b, _) in &pairs {
            for ix in [a, b] {
                while let Some(e) = ex.poll_event(ix) {
                    received += u64::from(matches!(e, LineEvent::Media { .. }));
                }
            }
        }
    }
    let spent = start.elapsed();
    println!(
        "{calls} calls, {seconds} s of media: {:.1} µs per tick ({:.2} % of one core), {received} frames",
        spent.as_secs_f64() * 1e6 / ticks as f64,
        spent.as_secs_f64() / (ticks as f64 * 0.02) * 100.0
    );
}
