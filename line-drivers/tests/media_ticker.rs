//! The real-time tick thread. Only structural facts are asserted (counts,
//! the deadline grid), never how late a wakeup was: that depends on the
//! machine's load.

use std::ops::ControlFlow;
use std::sync::mpsc;
use std::time::Duration;

use fax_t30::media::FRAME_DURATION;
use line_drivers::MediaTicker;

#[test]
fn fifty_ticks_on_the_20_ms_grid() {
    let (tx, rx) = mpsc::channel();
    let mut n = 0;
    let ticker = MediaTicker::spawn(FRAME_DURATION, move |deadline| {
        tx.send(deadline).unwrap();
        n += 1;
        if n == 50 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    let report = ticker.join();
    let deadlines: Vec<_> = rx.iter().collect();
    assert_eq!(report.ticks, 50);
    assert_eq!(deadlines.len(), 50);
    assert_eq!(report.lateness.samples(), 50);
    let stats = &report.lateness;
    assert!(stats.p50() <= stats.p99() && stats.p99() <= stats.max());
    assert!(stats.late_count(Duration::ZERO) == 50);
    // Deadlines lie on the grid: every step is a whole number of periods
    // (exactly one unless the machine stalled and ticks were skipped).
    let mut skipped = 0;
    for w in deadlines.windows(2) {
        let step = w[1] - w[0];
        assert!(step >= FRAME_DURATION);
        assert_eq!(step.as_nanos() % FRAME_DURATION.as_nanos(), 0, "{step:?}");
        skipped += (step.as_nanos() / FRAME_DURATION.as_nanos()) as u64 - 1;
    }
    assert_eq!(skipped, report.overruns);
}

#[test]
fn an_overrunning_tick_skips_ahead_instead_of_bursting() {
    // Without a catch-up allowance (see the next test for the default).
    let period = Duration::from_millis(5);
    let (tx, rx) = mpsc::channel();
    let mut n = 0;
    let ticker = MediaTicker::spawn_catching_up(period, Duration::ZERO, move || {
        move |deadline| {
            n += 1;
            tx.send(deadline).unwrap();
            if n == 3 {
                // Overrun by more than two whole periods.
                std::thread::sleep(period * 4);
            }
            if n == 10 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
    })
    .unwrap();
    let report = ticker.join();
    let deadlines: Vec<_> = rx.iter().collect();
    assert_eq!(report.ticks, 10);
    assert!(report.overruns >= 2, "overruns {}", report.overruns);
    let steps: Vec<u128> = deadlines
        .windows(2)
        .map(|w| (w[1] - w[0]).as_nanos() / period.as_nanos())
        .collect();
    assert!(
        steps[2] >= 3,
        "the deadline after the long tick jumps: {steps:?}"
    );
    let total: u128 = steps.iter().sum();
    assert_eq!(total as u64, 9 + report.overruns);
}

#[test]
fn a_stall_within_the_allowance_is_caught_up_back_to_back() {
    // The host stalls the thread for 4 periods: the missed ticks run at
    // once, each with its own deadline, so media time keeps pace with the
    // clock (no deadline skipped, no frame of media lost).
    let period = Duration::from_millis(5);
    let (tx, rx) = mpsc::channel();
    let mut n = 0;
    let ticker = MediaTicker::spawn_catching_up(period, Duration::from_secs(1), move || {
        move |deadline| {
            n += 1;
            tx.send(deadline).unwrap();
            if n == 3 {
                std::thread::sleep(period * 4);
            }
            if n == 10 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
    })
    .unwrap();
    let report = ticker.join();
    let deadlines: Vec<_> = rx.iter().collect();
    assert_eq!(report.ticks, 10);
    assert_eq!(report.overruns, 0, "nothing skipped");
    for w in deadlines.windows(2) {
        assert_eq!(w[1] - w[0], period, "every deadline is run");
    }
    assert!(report.caught_up >= 3, "caught up {}", report.caught_up);
    assert_eq!(report.late_ticks(), report.caught_up);
}

#[test]
fn stop_ends_the_thread() {
    let (tx, rx) = mpsc::channel();
    let ticker = MediaTicker::spawn(Duration::from_millis(2), move |_| {
        let _ = tx.send(());
        ControlFlow::Continue(())
    })
    .unwrap();
    for _ in 0..5 {
        rx.recv().unwrap();
    }
    assert!(ticker.ticks() >= 4);
    assert!(!ticker.is_finished());
    let report = ticker.stop();
    assert!(report.ticks >= 5);
    assert_eq!(report.lateness.samples(), report.ticks);
}
