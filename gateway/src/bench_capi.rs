//! `ums bench capi`: concurrent fax calls over ISDN B-channels of the
//! remote-CAPI controller simulator, carried in real time by one pinned
//! core, against the loopback fax engine's figure (`ums bench channels`'s
//! search) measured in the same run.
//!
//! On each simulated router (up to [`CALLS_PER_ROUTER`] calls; more calls
//! take more routers, each a simulator on its own threads and port), two
//! CAPI applications on our native remote-CAPI client, each one TCP
//! connection with n B-channels (`max_logical` = n), as the gateway runs
//! a `[[capi]]` section: each channel of the callers' application dials
//! the MSN of the called one, whose next idle channel answers; both ends
//! run the workspace's fax pump ([`FaxCall`]) on the B-channel's A-law
//! audio, 2 fine A4 pages (the loopback bench's document), hang-up, and
//! the caller dials again. A call takes two of its router's B-channels.
//! The simulators run on their own threads (the routers' side); the media
//! thread, pinned to one core by the ticker, carries every application,
//! their CAPI messages, the A-law and both fax sessions of each call. A step of N calls passes when that thread keeps
//! up as the loopback engine's rule has it (p99 tick lateness under 2 ms,
//! no deadline skipped), no fax failed and every call completed faxes at
//! the pace of the step's fastest (`bench sip`'s rule).

use std::cell::RefCell;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use fax_t30::media::FRAME_DURATION;
use fax_t30::{FaxOptions, PageSource};
use line_drivers::capi::app::{CapiApp, CapiChannel, CapiChannels};
use line_drivers::capi::controller::ControllerConfig;
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
    /// Faxes the N calls had to complete in the step (per calling
    /// channel, one per cycle of the step's fastest call after its first
    /// dial, and at least one), and the channels that completed fewer.
    pub faxes_required: u64,
    pub stalled: u64,
    /// The applications could not reach the simulator (no step ran).
    pub out_of_service: bool,
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
    /// skipped), no fax failed, and every call moved: at least one fax
    /// completed and no calling channel completed fewer than the fastest
    /// call's pace allows (`bench sip`'s rule). A step shorter than one
    /// call cannot show this and fails.
    pub fn passed(&self) -> bool {
        self.report.overruns == 0
            && self.report.lateness.p99() < LATENESS_LIMIT
            && self.faxes_failed == 0
            && self.faxes_ok > 0
            && self.stalled == 0
            && !self.out_of_service
    }

    fn without_lines(calls: usize) -> CapiTrial {
        CapiTrial {
            calls,
            report: TickerReport {
                ticks: 0,
                overruns: 0,
                caught_up: 0,
                lateness: Default::default(),
            },
            faxes_ok: 0,
            faxes_failed: 0,
            faxes_required: 0,
            stalled: 0,
            out_of_service: true,
            cpu_secs: 0.0,
            media_secs: 0.0,
        }
    }
}

/// A B-channel of one of the bench's two applications.
type Capi = CapiChannel<CapiApp<RcapiTcp>>;

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

    /// One tick after the application's: the pump, and (receivers) an
    /// incoming call answered into `rx`.
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

/// A calling channel: its end, when it dials next, when its fax ended.
struct Sender {
    end: End,
    start_tick: u64,
    done_at: Option<u64>,
    /// The tick of its first dial, of the call's dial, and the faxes it
    /// completed.
    first_start: Option<u64>,
    began: u64,
    completed: u64,
}

/// A called channel: its end and the file it receives into.
struct Receiver {
    end: End,
    rx: PathBuf,
}

/// The number the called application answers (its channels share it, as
/// a `[[capi]]` section's lines share its MSNs).
const CALLED: &str = "200000";

/// Calls on one simulated router at most: 120 B-channels (four E1
/// primary-rate interfaces' worth), well inside the 255 PLCIs of its one
/// controller. More calls take more routers, as an appliance with more
/// lines has more `[[capi]]` sections.
pub const CALLS_PER_ROUTER: usize = 60;

/// How `calls` calls are spread over routers: as evenly as can be.
fn per_router(calls: usize) -> Vec<usize> {
    let routers = calls.div_ceil(CALLS_PER_ROUTER).max(1);
    (0..routers)
        .map(|r| calls / routers + usize::from(r < calls % routers))
        .collect()
}

struct Workload {
    /// Each router's callers' and called application.
    apps: Vec<Rc<RefCell<CapiApp<RcapiTcp>>>>,
    senders: Vec<Sender>,
    receivers: Vec<Receiver>,
    doc: PathBuf,
    tick: u64,
    ok: u64,
    failed: u64,
    /// Ticks from dial to the caller's end, fastest so far.
    fastest: Option<u64>,
}

/// The connection of one application of `calls` B-channels to the
/// simulator (`max_logical` = the channels), as a `[[capi]]` section's.
fn connect(server: &SimServer, calls: usize) -> std::io::Result<RcapiTcp> {
    let limits = RegisterLimits {
        max_logical: u16::try_from(calls).unwrap_or(u16::MAX),
        max_b_blocks: 7,
        max_b_len: 2048,
    };
    RcapiTcp::connect(server.addr(), limits, 1, Duration::from_secs(5))
}

fn app(
    side: &str,
    router: usize,
    calls: usize,
    config: ControllerConfig,
    t: RcapiTcp,
) -> Rc<RefCell<CapiApp<RcapiTcp>>> {
    let ids = (1..=calls)
        .map(|n| LineId(format!("capi/{router}/{side}/{n}")))
        .collect();
    Rc::new(RefCell::new(CapiApp::new(ids, config, t)))
}

impl Workload {
    /// On each router: the callers' application (not listening) on its
    /// first connection, the called one on its second, as many channels
    /// each as the router has calls.
    fn new(routers: Vec<([RcapiTcp; 2], usize)>, doc: &Path, dir: &Path) -> Workload {
        let callers = ControllerConfig {
            cip_mask: 0,
            calling_msn: Some("100000".into()),
            ..ControllerConfig::default()
        };
        let called = ControllerConfig {
            msns: vec![CALLED.into()],
            ..ControllerConfig::default()
        };
        let (mut apps, mut senders, mut receivers) = (Vec::new(), Vec::new(), Vec::new());
        for (r, ([a, b], calls)) in routers.into_iter().enumerate() {
            let a = app("a", r, calls, callers.clone(), a);
            let b = app("b", r, calls, called.clone(), b);
            for line in CapiChannel::all(&a, calls) {
                let i = senders.len() as u64;
                senders.push(Sender {
                    end: End::new(line),
                    // Spread the starts over 10 s so the T.30 phases
                    // interleave.
                    start_tick: 5 + (i * 37) % 500,
                    done_at: None,
                    first_start: None,
                    began: 0,
                    completed: 0,
                });
            }
            for line in CapiChannel::all(&b, calls) {
                let i = receivers.len();
                receivers.push(Receiver {
                    end: End::new(line),
                    rx: dir.join(format!("rx-{i}.tif")),
                });
            }
            apps.extend([a, b]);
        }
        Workload {
            apps,
            senders,
            receivers,
            doc: doc.to_path_buf(),
            tick: 0,
            ok: 0,
            failed: 0,
            fastest: None,
        }
    }

    /// (faxes required, calling channels that completed fewer) after
    /// `ticks`, by `bench sip`'s rule.
    fn shortfall(&self, ticks: u64) -> (u64, u64) {
        let senders: Vec<(u64, u64)> = (self.senders.iter())
            .map(|s| (s.first_start.unwrap_or(ticks), s.completed))
            .collect();
        crate::bench_sip::shortfall(self.fastest, &senders, ticks)
    }

    fn tick(&mut self, now: Instant) {
        let t = self.tick;
        for app in &self.apps {
            app.borrow_mut().tick(now);
        }
        for s in &mut self.senders {
            if s.end.fax.is_none() && s.done_at.is_none() && t >= s.start_tick {
                let role = FaxRole::Send(PageSource::Tiff(self.doc.clone()));
                if let Ok(f) = FaxCall::dial(&mut s.end.line, CALLED, role, options(), now) {
                    s.end.fax = Some(f);
                    s.end.end = None;
                    s.began = t;
                    s.first_start.get_or_insert(t);
                }
            }
            s.end.step(None, now);
            if s.end.fax.is_some() && s.end.end.is_some() && s.done_at.is_none() {
                s.done_at = Some(t);
                if matches!(&s.end.end, Some(CallEnd::Fax(o)) if o.success) {
                    self.ok += 1;
                    s.completed += 1;
                    let took = t - s.began;
                    self.fastest = Some(self.fastest.map_or(took, |f| f.min(took)));
                } else {
                    self.failed += 1;
                }
            }
            // Dial again 0.7 s after the end, once the line is idle.
            if s.done_at.is_some_and(|d| t >= d + 35) && s.end.line.is_idle() {
                s.end.fax = None;
                s.done_at = None;
                s.start_tick = t;
            }
        }
        for r in &mut self.receivers {
            r.end.step(Some(&r.rx), now);
            if r.end.end.is_some() {
                r.end.fax = None;
                r.end.end = None;
            }
        }
        // The tick's audio of every channel: one write per application.
        for app in &self.apps {
            app.borrow_mut().flush();
        }
        self.tick += 1;
    }
}

/// One step of `calls` calls on the real-time ticker, on simulated
/// routers of its own ([`CALLS_PER_ROUTER`] calls each at most).
pub fn run_trial(cfg: &CapiBench, document: &Path, calls: usize) -> std::io::Result<CapiTrial> {
    let dir = cfg.work_dir.join(format!("capi-{calls}"));
    std::fs::create_dir_all(&dir)?;
    let mut servers = Vec::new();
    let mut routers = Vec::new();
    for n in per_router(calls) {
        let server = SimServer::start(
            SimConfig {
                b_channels: u16::try_from(2 * n).unwrap_or(u16::MAX),
                refused: Vec::new(),
            },
            0,
        )?;
        // Both applications or none: a step without its lines fails.
        match (connect(&server, n), connect(&server, n)) {
            (Ok(a), Ok(b)) => routers.push(([a, b], n)),
            _ => return Ok(CapiTrial::without_lines(calls)),
        }
        servers.push(server);
    }
    let ticks = (cfg.trial.as_millis() / FRAME_DURATION.as_millis()) as u64;
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let (doc, wdir) = (document.to_path_buf(), dir.clone());
    // The applications share their connections through `Rc`: made on the
    // ticker's thread.
    let ticker = MediaTicker::spawn_with(FRAME_DURATION, move || {
        let mut w = Workload::new(routers, &doc, &wdir);
        let mut n = 0u64;
        let mut cpu0 = Duration::ZERO;
        move |now| {
            if n == 0 {
                pin_to_last_cpu();
                cpu0 = thread_cpu_time();
            }
            w.tick(now);
            n += 1;
            if n >= ticks {
                let cpu = (thread_cpu_time() - cpu0).as_secs_f64();
                let (required, stalled) = w.shortfall(n);
                let _ = done_tx.send((w.ok, w.failed, required, stalled, cpu));
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
    })?;
    let (faxes_ok, faxes_failed, faxes_required, stalled, cpu_secs) =
        done_rx.recv().unwrap_or((0, 0, 0, 0, 0.0));
    let report = ticker.join();
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(CapiTrial {
        calls,
        report,
        faxes_ok,
        faxes_failed,
        faxes_required,
        stalled,
        out_of_service: false,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_spread_evenly_over_routers_of_at_most_sixty() {
        assert_eq!(per_router(1), [1]);
        assert_eq!(per_router(60), [60]);
        assert_eq!(per_router(61), [31, 30]);
        assert_eq!(per_router(128), [43, 43, 42]);
        for calls in 1..1000 {
            let r = per_router(calls);
            assert_eq!(r.iter().sum::<usize>(), calls);
            assert!(r.iter().all(|&n| (1..=CALLS_PER_ROUTER).contains(&n)));
            assert!(r.iter().max().unwrap() - r.iter().min().unwrap() <= 1);
        }
    }
}
