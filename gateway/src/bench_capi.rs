//! `ums bench capi`: concurrent fax calls over ISDN B-channels of the
//! remote-CAPI controller simulator, carried in real time by one pinned
//! core, against the loopback fax engine's figure (`ums bench channels`'s
//! search) measured in the same run.
//!
//! Each call: a `CapiLine` on our native remote-CAPI client (its own TCP
//! connection to the simulator, as an application of the router) dials
//! the MSN of another `CapiLine`, which answers; both run the workspace's
//! fax pump ([`FaxCall`]) on the B-channel's A-law audio, 2 fine A4 pages
//! (the loopback bench's document), hang-up, and the caller dials again.
//! A call takes two of the simulator's B-channels. The simulator runs on
//! its own threads (the router's side); the media thread, pinned to one
//! core by the ticker, carries every line, its CAPI messages, its A-law
//! and both fax sessions of each call. A step of N calls passes when that
//! thread keeps up as the loopback engine's rule has it (p99 tick
//! lateness under 2 ms, no deadline skipped) and no fax failed.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fax_t30::media::FRAME_DURATION;
use fax_t30::{FaxOptions, PageSource};
use line_drivers::capi::controller::ControllerConfig;
use line_drivers::capi::line::CapiLine;
use line_drivers::capi::session::RegisterLimits;
use line_drivers::capi::sim::tcp::SimServer;
use line_drivers::capi::sim::SimConfig;
use line_drivers::capi::transport::RcapiTcp;
use line_drivers::clock::{MediaTicker, TickerReport};
use line_drivers::{CallEnd, FaxCall, FaxCallEvent, FaxRole, HangupCause, Line, LineEvent, LineId};

use crate::bench::{largest_passing, pin_to_last_cpu, thread_cpu_time};

/// What to measure.
#[derive(Debug, Clone)]
pub struct CapiBench {
    /// Length of one real-time step.
    pub trial: Duration,
    /// Largest N tried.
    pub max_calls: usize,
    /// First N tried.
    pub min_calls: usize,
    pub work_dir: PathBuf,
}

/// One real-time step.
#[derive(Debug, Clone)]
pub struct CapiTrial {
    pub calls: usize,
    pub report: TickerReport,
    pub faxes_ok: u64,
    pub faxes_failed: u64,
    /// Lines that could not reach the simulator (left out of the step).
    pub out_of_service: usize,
    /// CPU time of the media thread, and the media time it covered: the
    /// load-independent cost of the calls.
    pub cpu_secs: f64,
    pub media_secs: f64,
}

/// p99 tick lateness a passing step stays under (as `bench channels`).
pub const LATENESS_LIMIT: Duration = Duration::from_millis(2);

impl CapiTrial {
    /// Calls one core could carry if all its time went to these calls
    /// (from the media thread's CPU time; scheduling delays do not count).
    pub fn cpu_bound_calls_per_core(&self) -> f64 {
        self.calls as f64 * self.media_secs / self.cpu_secs.max(1e-9)
    }

    /// The thread kept up (p99 tick lateness under 2 ms, no deadline
    /// skipped), no fax failed, every line was there.
    pub fn passed(&self) -> bool {
        self.report.overruns == 0
            && self.report.lateness.p99() < LATENESS_LIMIT
            && self.faxes_failed == 0
            && self.out_of_service == 0
    }
}

type Capi = CapiLine<RcapiTcp>;

struct End {
    line: Capi,
    fax: Option<FaxCall>,
    end: Option<CallEnd>,
}

impl End {
    fn new(line: Capi) -> End {
        End {
            line,
            fax: None,
            end: None,
        }
    }

    /// One tick after the line's: the pump, and (receivers) an incoming
    /// call answered into `rx`.
    fn step(&mut self, rx: Option<&Path>, now: Instant) {
        let mut others = Vec::new();
        match self.fax.as_mut() {
            Some(f) => f.step(&mut self.line, now, |e| others.push(e)),
            None => others.extend(std::iter::from_fn(|| self.line.poll_event())),
        }
        for ev in others {
            let LineEvent::Incoming { call, media, .. } = ev else {
                continue;
            };
            match (rx, &self.fax) {
                (Some(file), None) => {
                    let role = FaxRole::Receive {
                        file: file.to_path_buf(),
                    };
                    if let Ok(f) =
                        FaxCall::answer(&mut self.line, call, media, role, options(), now)
                    {
                        self.fax = Some(f);
                        self.end = None;
                    }
                }
                _ => self.line.hangup(call, HangupCause::UserBusy, now),
            }
        }
        if let Some(f) = self.fax.as_mut() {
            while let Some(ev) = f.poll_event() {
                if let FaxCallEvent::Ended(e) = ev {
                    self.end = Some(e);
                }
            }
        }
    }
}

fn options() -> FaxOptions {
    FaxOptions {
        ident: "UMS BENCH".into(),
        ..FaxOptions::default()
    }
}

struct Pair {
    a: End,
    b: End,
    b_number: String,
    rx: PathBuf,
    start_tick: u64,
    done_at: Option<u64>,
}

struct Workload {
    pairs: Vec<Pair>,
    doc: PathBuf,
    tick: u64,
    ok: u64,
    failed: u64,
}

fn connect(server: &SimServer, name: String, msn: &str) -> Option<Capi> {
    let limits = RegisterLimits {
        max_logical: 1,
        max_b_blocks: 7,
        max_b_len: 2048,
    };
    let t = RcapiTcp::connect(server.addr(), limits, 1, Duration::from_secs(5)).ok()?;
    let config = ControllerConfig {
        msns: vec![msn.into()],
        calling_msn: Some(msn.into()),
        ..ControllerConfig::default()
    };
    Some(CapiLine::new(LineId(name), config, t))
}

impl Workload {
    fn new(server: &SimServer, calls: usize, doc: &Path, dir: &Path) -> (Workload, usize) {
        let mut pairs = Vec::with_capacity(calls);
        let mut missing = 0;
        for i in 0..calls {
            let (an, bn) = (format!("1{i:05}"), format!("2{i:05}"));
            let a = connect(server, format!("capi/a{i}"), &an);
            let b = connect(server, format!("capi/b{i}"), &bn);
            let (Some(a), Some(b)) = (a, b) else {
                missing += 1;
                continue;
            };
            pairs.push(Pair {
                a: End::new(a),
                b: End::new(b),
                b_number: bn,
                rx: dir.join(format!("rx-{i}.tif")),
                // Spread the starts over 10 s so the T.30 phases interleave.
                start_tick: 5 + (i as u64 * 37) % 500,
                done_at: None,
            });
        }
        let w = Workload {
            pairs,
            doc: doc.to_path_buf(),
            tick: 0,
            ok: 0,
            failed: 0,
        };
        (w, missing)
    }

    fn tick(&mut self, now: Instant) {
        let t = self.tick;
        for p in &mut self.pairs {
            p.a.line.tick(now);
            p.b.line.tick(now);
            if p.a.fax.is_none() && p.done_at.is_none() && t >= p.start_tick {
                let role = FaxRole::Send(PageSource::Tiff(self.doc.clone()));
                if let Ok(f) = FaxCall::dial(&mut p.a.line, &p.b_number, role, options(), now) {
                    p.a.fax = Some(f);
                    p.a.end = None;
                }
            }
            p.a.step(None, now);
            p.b.step(Some(&p.rx), now);
            if p.b.end.is_some() {
                p.b.fax = None;
                p.b.end = None;
            }
            if p.a.fax.is_some() && p.a.end.is_some() && p.done_at.is_none() {
                p.done_at = Some(t);
                if matches!(&p.a.end, Some(CallEnd::Fax(o)) if o.success) {
                    self.ok += 1;
                } else {
                    self.failed += 1;
                }
            }
            // Dial again 0.7 s after the end, once the line is idle.
            if p.done_at.is_some_and(|d| t >= d + 35) && p.a.line.is_idle() {
                p.a.fax = None;
                p.done_at = None;
                p.start_tick = t;
            }
        }
        self.tick += 1;
    }
}

/// One step of `calls` calls on the real-time ticker, on a simulator of
/// its own.
pub fn run_trial(cfg: &CapiBench, document: &Path, calls: usize) -> std::io::Result<CapiTrial> {
    let dir = cfg.work_dir.join(format!("capi-{calls}"));
    std::fs::create_dir_all(&dir)?;
    let server = SimServer::start(
        SimConfig {
            b_channels: u16::try_from(2 * calls).unwrap_or(u16::MAX),
            refused: Vec::new(),
        },
        0,
    )?;
    let (mut w, out_of_service) = Workload::new(&server, calls, document, &dir);
    let ticks = (cfg.trial.as_millis() / FRAME_DURATION.as_millis()) as u64;
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let mut n = 0u64;
    let mut cpu0 = Duration::ZERO;
    let ticker = MediaTicker::spawn(FRAME_DURATION, move |now| {
        if n == 0 {
            pin_to_last_cpu();
            cpu0 = thread_cpu_time();
        }
        w.tick(now);
        n += 1;
        if n >= ticks {
            let cpu = (thread_cpu_time() - cpu0).as_secs_f64();
            let _ = done_tx.send((w.ok, w.failed, cpu));
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    let (faxes_ok, faxes_failed, cpu_secs) = done_rx.recv().unwrap_or((0, 0, 0.0));
    let report = ticker.join();
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(CapiTrial {
        calls,
        report,
        faxes_ok,
        faxes_failed,
        out_of_service,
        cpu_secs,
        media_secs: ticks as f64 * FRAME_DURATION.as_secs_f64(),
    })
}

/// Largest passing N (doubling from `min_calls`, then bisection to 5 %).
pub fn search(
    cfg: &CapiBench,
    document: &Path,
    mut progress: impl FnMut(&CapiTrial),
) -> std::io::Result<(usize, Vec<CapiTrial>)> {
    largest_passing(cfg.min_calls, cfg.max_calls, 20, |n| {
        let t = run_trial(cfg, document, n)?;
        progress(&t);
        let ok = t.passed();
        Ok((t, ok))
    })
}
