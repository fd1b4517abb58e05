//! `ums bench channels`: how many fax calls one core carries in real time on
//! loopback lines, against the raw bound of the same work without a clock.
//!
//! The workload is identical in both measurements: `calls` slots on one
//! exchange, each a fax call (sender and receiver sessions, audio or T.38)
//! that starts again as soon as it ends, started at staggered ticks so the
//! calls are spread over the T.30 phases as on a busy gateway.
//!
//! * **Raw bound**: the slots run back to back in a tight loop on a
//!   simulated clock; thread CPU time gives line-seconds per CPU-second.
//! * **Real time**: the slots run on the media ticker (one OS thread, one
//!   tick every 20 ms); a trial passes when p99 tick lateness is under 2 ms.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fax_t30::media::FRAME_DURATION;
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{PageSource, T38Options};
use line_drivers::clock::{MediaTicker, TickerReport};
use line_drivers::loopback::{Exchange, ExchangeConfig, Impairments, LineIndex};
use line_drivers::LineCaps;

use crate::faxloop::{CallSetup, LoopCall};

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub t38: bool,
    /// Length of one real-time trial.
    pub trial: Duration,
    /// Media time of the raw-bound run.
    pub raw_media: Duration,
    /// Media time every workload runs off the clock before it is measured.
    pub warm_up: Duration,
    /// Slots in the first raw-bound probe (which sets where the search starts).
    pub probe_calls: usize,
    /// Upper limit of the search.
    pub max_calls: usize,
    /// p99 tick lateness a trial may have.
    pub lateness_limit: Duration,
    pub work_dir: PathBuf,
}

/// The workload: slots of restarting fax calls on one exchange.
pub struct Workload {
    exchange: Exchange,
    slots: Vec<Slot>,
    tick: u64,
    /// Media time: advances 20 ms per tick whatever clock paces the ticks,
    /// so a workload warmed up on the simulated clock carries on unchanged
    /// on the real-time ticker.
    media_now: Instant,
    pub calls_completed: u64,
    pub calls_failed: u64,
}

struct Slot {
    caller: LineIndex,
    callee: LineIndex,
    setup: CallSetup,
    start_tick: u64,
    call: Option<LoopCall>,
}

impl Workload {
    /// `calls` slots sending `document`, receivers writing under `dir`.
    pub fn new(calls: usize, document: &Path, dir: &Path, t38: bool) -> Workload {
        let mut exchange = Exchange::new(ExchangeConfig::default());
        let mut slots = Vec::with_capacity(calls);
        for i in 0..calls {
            let caller = exchange
                .add_line(&format!("1{i:05}"), LineCaps::FAX)
                .expect("unique number");
            let callee = exchange
                .add_line(&format!("2{i:05}"), LineCaps::FAX)
                .expect("unique number");
            let mut setup = CallSetup::new(
                PageSource::Tiff(document.to_path_buf()),
                dir.join(format!("rx-{i}.tif")),
            );
            setup.t38 = t38.then(T38Options::default);
            setup.impairments = Impairments::CLEAN;
            slots.push(Slot {
                caller,
                callee,
                setup,
                // Spread call starts over 10 s so phases interleave.
                start_tick: (i as u64 * 37) % 500,
                call: None,
            });
        }
        Workload {
            exchange,
            slots,
            tick: 0,
            #[allow(clippy::disallowed_methods)] // origin of media time, never read again
            media_now: Instant::now(),
            calls_completed: 0,
            calls_failed: 0,
        }
    }

    /// Run `media` of media time as fast as the CPU allows (no clock), to
    /// bring the calls into the steady mix of T.30 phases.
    pub fn warm_up(&mut self, media: Duration) {
        for _ in 0..ticks_in(media) {
            self.tick();
        }
    }

    /// One 20 ms media step for every slot.
    pub fn tick(&mut self) {
        self.media_now += FRAME_DURATION;
        let now = self.media_now;
        self.exchange.tick(now);
        for slot in &mut self.slots {
            if slot.call.is_none() && self.tick >= slot.start_tick {
                slot.call = Some(
                    LoopCall::new(slot.setup.clone(), &self.exchange, slot.caller, slot.callee)
                        .without_event_log(),
                );
            }
            if let Some(call) = slot.call.as_mut() {
                if call.tick(&mut self.exchange, now).is_err() {
                    self.calls_failed += 1;
                    slot.call = None;
                } else if call.is_done() {
                    if call.report().sender_succeeded() {
                        self.calls_completed += 1;
                    } else {
                        self.calls_failed += 1;
                    }
                    slot.call = None;
                }
            }
        }
        self.tick += 1;
    }
}

/// Result of the raw-bound run.
#[derive(Debug, Clone, Copy)]
pub struct RawBound {
    pub calls: usize,
    pub media_secs: f64,
    pub cpu_secs: f64,
    /// Line-seconds processed per CPU-second (each call holds two bench lines).
    pub line_secs_per_cpu_sec: f64,
}

impl RawBound {
    /// Calls one core could carry if all its time went to media.
    pub fn calls_per_core(&self) -> f64 {
        self.line_secs_per_cpu_sec / 2.0
    }
}

/// A real-time trial.
#[derive(Debug, Clone)]
pub struct Trial {
    pub calls: usize,
    pub report: TickerReport,
    pub completed: u64,
    pub failed: u64,
    /// CPU time of the media thread over the trial, sleeping between
    /// ticks as the real-time CAPI and SIP steps do (not back to back as
    /// the raw bound), and the media time it covered.
    pub cpu_secs: f64,
    pub media_secs: f64,
}

impl Trial {
    /// p99 tick lateness under `limit` and no deadline skipped. A tick a
    /// period or more late is caught up by the ticker (no media lost, as
    /// in the daemon), so a rare stall of the host does not decide the
    /// figure; a thread that cannot keep up misses the p99 or skips.
    pub fn passed(&self, limit: Duration) -> bool {
        self.report.lateness.p99() < limit && self.report.overruns == 0
    }

    /// Calls one core could carry at this trial's CPU cost in real time.
    pub fn cpu_bound_calls_per_core(&self) -> f64 {
        self.calls as f64 * self.media_secs / self.cpu_secs.max(1e-9)
    }
}

pub(crate) fn thread_cpu_time() -> Duration {
    let ts = nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
        .expect("thread CPU clock");
    Duration::new(ts.tv_sec() as u64, ts.tv_nsec() as u32)
}

fn ticks_in(d: Duration) -> u64 {
    (d.as_millis() / FRAME_DURATION.as_millis()) as u64
}

/// Pin the calling thread to the last CPU, so the raw run and the
/// real-time trials run on the same core, away from the main thread.
pub(crate) fn pin_to_last_cpu() {
    use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
    use nix::unistd::Pid;
    let Ok(allowed) = sched_getaffinity(Pid::from_raw(0)) else {
        return;
    };
    let Some(cpu) = (0..CpuSet::count())
        .rev()
        .find(|&c| allowed.is_set(c).unwrap_or(false))
    else {
        return;
    };
    let mut set = CpuSet::new();
    if set.set(cpu).is_ok() {
        let _ = sched_setaffinity(Pid::from_raw(0), &set);
    }
}

/// Run `calls` slots without a clock, after the warm-up, for
/// `cfg.raw_media` of media time, and measure the thread's CPU time.
pub fn measure_raw(cfg: &BenchConfig, document: &Path, calls: usize) -> RawBound {
    let dir = cfg.work_dir.join(format!("raw-{calls}"));
    std::fs::create_dir_all(&dir).expect("bench work dir");
    let cfg2 = cfg.clone();
    let document = document.to_path_buf();
    // On its own pinned thread, like the real-time trials.
    std::thread::spawn(move || {
        pin_to_last_cpu();
        let mut w = Workload::new(calls, &document, &dir, cfg2.t38);
        w.warm_up(cfg2.warm_up);
        let ticks = ticks_in(cfg2.raw_media);
        let cpu0 = thread_cpu_time();
        for _ in 0..ticks {
            w.tick();
        }
        let cpu = (thread_cpu_time() - cpu0).as_secs_f64();
        let media = ticks as f64 * FRAME_DURATION.as_secs_f64();
        let _ = std::fs::remove_dir_all(&dir);
        RawBound {
            calls,
            media_secs: media,
            cpu_secs: cpu,
            line_secs_per_cpu_sec: (2 * calls) as f64 * media / cpu,
        }
    })
    .join()
    .expect("raw bound thread")
}

/// Run `calls` slots on the real-time ticker for `cfg.trial`.
pub fn run_trial(cfg: &BenchConfig, document: &Path, calls: usize) -> std::io::Result<Trial> {
    let dir = cfg.work_dir.join(format!("rt-{calls}"));
    std::fs::create_dir_all(&dir)?;
    let mut w = Workload::new(calls, document, &dir, cfg.t38);
    // Warm up off the clock: the trial measures the steady mix of phases,
    // as the raw run does.
    w.warm_up(cfg.warm_up);
    let (c0, f0) = (w.calls_completed, w.calls_failed);
    let ticks = ticks_in(cfg.trial);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let mut n = 0u64;
    let mut cpu0 = Duration::ZERO;
    let ticker = MediaTicker::spawn(FRAME_DURATION, move |_now| {
        if n == 0 {
            pin_to_last_cpu();
            cpu0 = thread_cpu_time();
        }
        w.tick();
        n += 1;
        if n >= ticks {
            let cpu = (thread_cpu_time() - cpu0).as_secs_f64();
            let _ = done_tx.send((w.calls_completed - c0, w.calls_failed - f0, cpu));
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    let (completed, failed, cpu_secs) = done_rx.recv().unwrap_or((0, 0, 0.0));
    let report = ticker.join();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Trial {
        calls,
        report,
        completed,
        failed,
        cpu_secs,
        media_secs: ticks as f64 * FRAME_DURATION.as_secs_f64(),
    })
}

/// The document every bench call sends: two fine A4 pages.
pub fn bench_document(dir: &Path) -> Result<PathBuf, fax_t30::Error> {
    let res = Resolution::Fine;
    let width = PaperSize::A4.width();
    let rows = PaperSize::A4.rows(res);
    let pages: Vec<BilevelPage> = (0..2)
        .map(|i| BilevelPage::test_pattern(width, rows, res, 7 + i))
        .collect();
    let path = dir.join("bench-doc.tif");
    crate::document::write_pages(&path, &pages)?;
    Ok(path)
}

/// Largest passing N by doubling, then bisection.
pub fn search(
    cfg: &BenchConfig,
    document: &Path,
    start: usize,
    mut progress: impl FnMut(&Trial),
) -> std::io::Result<(usize, Vec<Trial>)> {
    let limit = cfg.lateness_limit;
    // Bisect to within 5 %.
    largest_passing(start, cfg.max_calls, 20, |n| {
        let t = run_trial(cfg, document, n)?;
        progress(&t);
        let ok = t.passed(limit);
        Ok((t, ok))
    })
}

/// The capacity search shared by the benchmarks: N = `start`, doubled
/// (up to `max`) until a trial fails, then bisected until the gap between
/// the largest pass and the smallest failure is within 1/`precision` of the
/// failure. `trial(n)` runs one step and says whether it passed. Returns
/// the largest passing N (0 if none) and every trial in order.
pub fn largest_passing<T, E>(
    start: usize,
    max: usize,
    precision: usize,
    mut trial: impl FnMut(usize) -> Result<(T, bool), E>,
) -> Result<(usize, Vec<T>), E> {
    let mut trials = Vec::new();
    let mut good = 0usize;
    let mut bad = max + 1;
    let mut n = start.clamp(1, max.max(1));
    // Grow until a trial fails.
    loop {
        let (t, ok) = trial(n)?;
        trials.push(t);
        if ok {
            good = n;
            if n >= max {
                break;
            }
            n = (n * 2).min(max);
        } else {
            bad = n;
            break;
        }
    }
    while bad > good + 1 && (bad - good) * precision > bad {
        let mid = (good + bad) / 2;
        let (t, ok) = trial(mid)?;
        trials.push(t);
        if ok {
            good = mid;
        } else {
            bad = mid;
        }
    }
    Ok((good, trials))
}

#[cfg(test)]
mod tests {
    use super::largest_passing;

    fn run(limit: usize, start: usize, max: usize, precision: usize) -> (usize, Vec<usize>) {
        largest_passing::<usize, ()>(start, max, precision, |n| Ok((n, n <= limit))).unwrap()
    }

    #[test]
    fn doubles_then_bisects_to_the_precision() {
        assert_eq!(
            run(37, 1, 256, 1000),
            (37, vec![1, 2, 4, 8, 16, 32, 64, 48, 40, 36, 38, 37])
        );
        // Within 10 %: stops once the gap is a tenth of the failing N.
        let (best, tried) = run(37, 1, 256, 10);
        assert_eq!(best, 36);
        assert_eq!(tried, vec![1, 2, 4, 8, 16, 32, 64, 48, 40, 36]);
    }

    #[test]
    fn the_cap_and_a_first_failure_end_the_search() {
        assert_eq!(run(1000, 1, 16, 20), (16, vec![1, 2, 4, 8, 16]));
        assert_eq!(run(0, 4, 16, 20), (0, vec![4, 2, 1]));
        assert_eq!(run(5, 100, 16, 20).1[0], 16, "start is clamped to the cap");
    }
}
