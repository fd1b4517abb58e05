//! The two clocks a line runs on.
//!
//! * [`SimClock`]: media time for tests and benches. It moves only when told
//!   to, so a 30 s ring timeout costs 1500 ticks of CPU, not 30 s.
//! * [`MediaTicker`]: the real-time 20 ms tick for drivers, on a dedicated OS
//!   thread (not a tokio task: a busy runtime must not delay media). It is a
//!   driver shell: the only code in this crate that reads the real clock.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use fax_t30::media::FRAME_DURATION;

/// Simulated media time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimClock {
    origin: Instant,
    now: Instant,
}

impl SimClock {
    /// A clock standing at `origin` (any `Instant`; only differences matter).
    pub fn new(origin: Instant) -> SimClock {
        SimClock {
            origin,
            now: origin,
        }
    }

    /// The current simulated time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Time since the origin.
    pub fn elapsed(&self) -> Duration {
        self.now - self.origin
    }

    /// Move on by `d` and return the new time.
    pub fn advance(&mut self, d: Duration) -> Instant {
        self.now += d;
        self.now
    }

    /// Move on by one 20 ms frame and return the new time.
    pub fn tick(&mut self) -> Instant {
        self.advance(FRAME_DURATION)
    }
}

const EXACT_BUCKETS: usize = 32;
const SUB_BUCKETS: usize = 16;
const MAX_EXPONENT: usize = 40;
const BUCKETS: usize = EXACT_BUCKETS + (MAX_EXPONENT - 4) * SUB_BUCKETS;

/// Lateness histogram in microseconds: exact below 32 µs, then 16 buckets per
/// power of two (about 6 % resolution). Percentiles report the upper edge of
/// their bucket, capped at the exact maximum.
#[derive(Debug, Clone)]
pub struct LatenessStats {
    buckets: Vec<u64>,
    samples: u64,
    sum_us: u128,
    max_us: u64,
}

impl Default for LatenessStats {
    fn default() -> Self {
        LatenessStats {
            buckets: vec![0; BUCKETS],
            samples: 0,
            sum_us: 0,
            max_us: 0,
        }
    }
}

fn bucket_of(us: u64) -> usize {
    if us < EXACT_BUCKETS as u64 {
        return us as usize;
    }
    let exp = 63 - us.leading_zeros() as usize; // >= 5
    let sub = ((us >> (exp - 4)) & 0xF) as usize;
    (EXACT_BUCKETS + (exp - 5) * SUB_BUCKETS + sub).min(BUCKETS - 1)
}

/// Smallest value that falls into bucket `b`.
fn bucket_low(b: usize) -> u64 {
    if b < EXACT_BUCKETS {
        return b as u64;
    }
    let exp = (b - EXACT_BUCKETS) / SUB_BUCKETS + 5;
    let sub = ((b - EXACT_BUCKETS) % SUB_BUCKETS) as u64;
    (1u64 << exp) | (sub << (exp - 4))
}

impl LatenessStats {
    /// Record one lateness value.
    pub fn record(&mut self, lateness: Duration) {
        let us = u64::try_from(lateness.as_micros()).unwrap_or(u64::MAX);
        self.buckets[bucket_of(us)] += 1;
        self.samples += 1;
        self.sum_us += u128::from(us);
        self.max_us = self.max_us.max(us);
    }

    /// Number of recorded values.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Largest recorded value.
    pub fn max(&self) -> Duration {
        Duration::from_micros(self.max_us)
    }

    /// Mean value.
    pub fn mean(&self) -> Duration {
        match self.samples {
            0 => Duration::ZERO,
            n => Duration::from_micros((self.sum_us / u128::from(n)) as u64),
        }
    }

    /// The value below which a fraction `q` (0..=1) of the samples lie.
    pub fn percentile(&self, q: f64) -> Duration {
        if self.samples == 0 {
            return Duration::ZERO;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.samples as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (b, &n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let upper = if b + 1 < BUCKETS {
                    bucket_low(b + 1) - 1
                } else {
                    self.max_us
                };
                return Duration::from_micros(upper.min(self.max_us));
            }
        }
        self.max()
    }

    /// Median.
    pub fn p50(&self) -> Duration {
        self.percentile(0.50)
    }

    /// 99th percentile.
    pub fn p99(&self) -> Duration {
        self.percentile(0.99)
    }

    /// How many values were at least `threshold` (to bucket resolution:
    /// whole buckets whose lower edge reaches the threshold).
    pub fn late_count(&self, threshold: Duration) -> u64 {
        let t = u64::try_from(threshold.as_micros()).unwrap_or(u64::MAX);
        let first = bucket_of(t);
        let first = if bucket_low(first) < t {
            first + 1
        } else {
            first
        };
        self.buckets.iter().skip(first).sum()
    }
}

/// What a [`MediaTicker`] did, returned when it stops.
#[derive(Debug, Clone)]
pub struct TickerReport {
    /// Ticks run (closure calls).
    pub ticks: u64,
    /// Deadlines skipped: the thread was further behind than the catch-up
    /// allowance (see [`TickSchedule`]), so their ticks never ran.
    pub overruns: u64,
    /// Ticks run back to back to catch up: their deadline had passed by a
    /// whole period or more when they started (a stall of the thread).
    pub caught_up: u64,
    /// Wakeup time minus scheduled deadline, per tick.
    pub lateness: LatenessStats,
}

impl TickerReport {
    /// Ticks that started a whole period or more after their deadline,
    /// caught up or skipped: what a real-time trial counts as overruns.
    pub fn late_ticks(&self) -> u64 {
        self.overruns + self.caught_up
    }
}

/// How late a tick may run and still be run: a stall of the media thread
/// shorter than this is caught up by running the missed ticks back to
/// back, so media time keeps pace with the real clock (VMs stall for
/// 20–100 ms now and then). Beyond it the missed deadlines are skipped, so
/// an overloaded thread does not burst for ever.
pub const DEFAULT_CATCH_UP: Duration = Duration::from_millis(200);

/// The deadlines of a tick thread, sans-IO: the real-time ticker and the
/// simulated-clock tests share it, so a test of a stall sees exactly what
/// the ticker would do.
///
/// After each tick, [`TickSchedule::after_tick`] gets the time the tick
/// ended. The next deadline is one period on, even when it has already
/// passed (the thread was stalled): ticks then run back to back, each with
/// its own deadline as `now`. Only when the thread is `period + catch_up`
/// or more behind are whole periods skipped, down to less than that.
/// With `catch_up` zero, every tick later than a whole period is skipped.
#[derive(Debug, Clone)]
pub struct TickSchedule {
    period: Duration,
    catch_up: Duration,
    next: Instant,
}

/// What [`TickSchedule::after_tick`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextTick {
    /// The next tick's deadline (the `now` it gets).
    pub deadline: Instant,
    /// Deadlines skipped before it.
    pub skipped: u64,
    /// The next tick will start a whole period or more after its deadline.
    pub behind: bool,
}

impl TickSchedule {
    /// The first deadline is `first`.
    pub fn new(first: Instant, period: Duration, catch_up: Duration) -> TickSchedule {
        assert!(!period.is_zero(), "tick period must be positive");
        TickSchedule {
            period,
            catch_up,
            next: first,
        }
    }

    /// The deadline of the next tick.
    pub fn deadline(&self) -> Instant {
        self.next
    }

    /// The tick whose deadline was [`TickSchedule::deadline`] ended at
    /// `now`: the next deadline.
    pub fn after_tick(&mut self, now: Instant) -> NextTick {
        self.next += self.period;
        let behind = now.saturating_duration_since(self.next);
        let limit = self.period + self.catch_up;
        let mut skipped = 0;
        if behind >= limit {
            skipped = ((behind - limit).as_nanos() / self.period.as_nanos()) as u64 + 1;
            self.next += self.period * skipped as u32;
        }
        NextTick {
            deadline: self.next,
            skipped,
            behind: now.saturating_duration_since(self.next) >= self.period,
        }
    }
}

/// A running real-time tick thread. Dropping the handle stops it too.
pub struct MediaTicker {
    stop: Arc<AtomicBool>,
    ticks: Arc<AtomicU64>,
    thread: Option<JoinHandle<TickerReport>>,
}

impl MediaTicker {
    /// Start a thread that calls `on_tick(deadline)` every `period` (use
    /// [`FRAME_DURATION`]), at absolute deadlines `start + k·period`.
    /// `deadline` is the scheduled time of the tick, not the wakeup time, so
    /// the media clock has no jitter. The closure stops the ticker by
    /// returning `ControlFlow::Break(())`.
    ///
    /// If the thread falls behind (a tick ran long, or the host stalled),
    /// the missed ticks run back to back, each with its own deadline, as
    /// long as the thread is less than [`DEFAULT_CATCH_UP`] behind; beyond
    /// that the missed deadlines are skipped (counted as overruns) instead
    /// of being run in a burst. See [`TickSchedule`].
    pub fn spawn<F>(period: Duration, on_tick: F) -> std::io::Result<MediaTicker>
    where
        F: FnMut(Instant) -> ControlFlow<()> + Send + 'static,
    {
        MediaTicker::spawn_with(period, move || on_tick)
    }

    /// Like [`MediaTicker::spawn`], but the tick closure is made by `init`
    /// on the ticker thread itself, so it may own state that cannot cross
    /// threads (lines sharing an exchange through `Rc`).
    pub fn spawn_with<I, F>(period: Duration, init: I) -> std::io::Result<MediaTicker>
    where
        I: FnOnce() -> F + Send + 'static,
        F: FnMut(Instant) -> ControlFlow<()> + 'static,
    {
        MediaTicker::spawn_catching_up(period, DEFAULT_CATCH_UP, init)
    }

    /// Like [`MediaTicker::spawn_with`] with a catch-up allowance of its
    /// own (zero: every tick later than a whole period is skipped).
    pub fn spawn_catching_up<I, F>(
        period: Duration,
        catch_up: Duration,
        init: I,
    ) -> std::io::Result<MediaTicker>
    where
        I: FnOnce() -> F + Send + 'static,
        F: FnMut(Instant) -> ControlFlow<()> + 'static,
    {
        assert!(!period.is_zero(), "tick period must be positive");
        let stop = Arc::new(AtomicBool::new(false));
        let ticks = Arc::new(AtomicU64::new(0));
        let thread = std::thread::Builder::new()
            .name("ums-media-tick".into())
            .spawn({
                let stop = Arc::clone(&stop);
                let ticks = Arc::clone(&ticks);
                move || run_ticker(period, catch_up, init(), &stop, &ticks)
            })?;
        Ok(MediaTicker {
            stop,
            ticks,
            thread: Some(thread),
        })
    }

    /// Ticks run so far.
    pub fn ticks(&self) -> u64 {
        self.ticks.load(Ordering::Relaxed)
    }

    /// True once the thread has ended (closure returned `Break`).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Stop after the current tick and return the report. Waits at most
    /// one period plus the closure's run time.
    pub fn stop(self) -> TickerReport {
        self.stop.store(true, Ordering::Relaxed);
        self.join()
    }

    /// Wait until the closure returns `Break`, then return the report.
    pub fn join(mut self) -> TickerReport {
        let thread = self.thread.take().expect("joined once");
        match thread.join() {
            Ok(report) => report,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

impl Drop for MediaTicker {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.stop.store(true, Ordering::Relaxed);
            let _ = t.join();
        }
    }
}

#[allow(clippy::disallowed_methods)] // driver shell: reads the real clock
fn real_now() -> Instant {
    Instant::now()
}

fn run_ticker<F>(
    period: Duration,
    catch_up: Duration,
    mut on_tick: F,
    stop: &AtomicBool,
    ticks: &AtomicU64,
) -> TickerReport
where
    F: FnMut(Instant) -> ControlFlow<()>,
{
    let mut report = TickerReport {
        ticks: 0,
        overruns: 0,
        caught_up: 0,
        lateness: LatenessStats::default(),
    };
    let mut schedule = TickSchedule::new(real_now() + period, period, catch_up);
    while !stop.load(Ordering::Relaxed) {
        let deadline = schedule.deadline();
        let now = real_now();
        if deadline > now {
            std::thread::sleep(deadline - now);
        }
        let woke = real_now();
        let late = woke.saturating_duration_since(deadline);
        report.lateness.record(late);
        if late >= period {
            report.caught_up += 1;
        }
        let flow = on_tick(deadline);
        report.ticks += 1;
        ticks.store(report.ticks, Ordering::Relaxed);
        if flow.is_break() {
            break;
        }
        report.overruns += schedule.after_tick(real_now()).skipped;
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_ordered() {
        for b in 0..BUCKETS - 1 {
            assert!(bucket_low(b) < bucket_low(b + 1));
            assert_eq!(bucket_of(bucket_low(b)), b);
            assert_eq!(bucket_of(bucket_low(b + 1) - 1), b);
        }
    }

    #[test]
    fn percentiles_of_a_known_distribution() {
        let mut s = LatenessStats::default();
        for us in 1..=1000u64 {
            s.record(Duration::from_micros(us));
        }
        assert_eq!(s.samples(), 1000);
        assert_eq!(s.max(), Duration::from_micros(1000));
        let p50 = s.p50().as_micros() as f64;
        let p99 = s.p99().as_micros() as f64;
        assert!((p50 - 500.0).abs() / 500.0 < 0.07, "p50 {p50}");
        assert!((p99 - 990.0).abs() / 990.0 < 0.07, "p99 {p99}");
        assert_eq!(s.late_count(Duration::from_micros(1024)), 0);
        let late = s.late_count(Duration::from_micros(512));
        assert_eq!(late, 489, "values 512..=1000");
        assert_eq!(s.mean(), Duration::from_micros(500));
    }

    #[test]
    fn empty_stats_are_zero() {
        let s = LatenessStats::default();
        assert_eq!(s.p99(), Duration::ZERO);
        assert_eq!(s.mean(), Duration::ZERO);
        assert_eq!(s.late_count(Duration::ZERO), 0);
    }

    #[test]
    fn a_stall_within_the_allowance_is_caught_up_tick_by_tick() {
        let t0 = test_kit::origin();
        let p = Duration::from_millis(20);
        let mut s = TickSchedule::new(t0, p, Duration::from_millis(200));
        // On time: the next deadline is one period on, not behind.
        let n = s.after_tick(t0 + Duration::from_millis(3));
        assert_eq!((n.deadline, n.skipped, n.behind), (t0 + p, 0, false));
        // The tick at 20 ms stalls for 100 ms: the deadlines 40..120 ms
        // are all run, back to back, none skipped.
        let end = t0 + Duration::from_millis(125);
        let mut run = vec![];
        let mut n = s.after_tick(end);
        while n.deadline < end {
            assert_eq!(n.skipped, 0);
            run.push(n.deadline - t0);
            n = s.after_tick(end + Duration::from_micros(100) * run.len() as u32);
        }
        let ms: Vec<u128> = run.iter().map(|d| d.as_millis()).collect();
        assert_eq!(ms, [40, 60, 80, 100, 120]);
        assert_eq!(n.deadline - t0, Duration::from_millis(140));
    }

    #[test]
    fn beyond_the_allowance_whole_periods_are_skipped() {
        let t0 = test_kit::origin();
        let p = Duration::from_millis(20);
        let mut s = TickSchedule::new(t0, p, Duration::from_millis(200));
        // A tick ends 1 s late: 40 ms behind is kept, the rest skipped.
        let end = t0 + Duration::from_millis(1010);
        let n = s.after_tick(end);
        assert!(n.behind);
        assert!(end - n.deadline < p + Duration::from_millis(200));
        assert!(end - n.deadline >= Duration::from_millis(200));
        assert_eq!(n.skipped, ((n.deadline - t0).as_millis() / 20 - 1) as u64);
        // Without an allowance, as before: less than a period behind.
        let mut s = TickSchedule::new(t0, p, Duration::ZERO);
        let n = s.after_tick(t0 + Duration::from_millis(85));
        assert_eq!((n.deadline - t0, n.skipped), (Duration::from_millis(80), 3));
        assert!(!n.behind);
    }

    #[test]
    fn sim_clock_moves_only_when_told() {
        let origin = test_kit::origin();
        let mut c = SimClock::new(origin);
        assert_eq!(c.now(), origin);
        c.tick();
        c.advance(Duration::from_secs(1));
        assert_eq!(c.elapsed(), Duration::from_millis(1020));
    }
}
