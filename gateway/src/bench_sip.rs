//! `ums bench sip`: concurrent SIP fax calls (G.711 or T.38) between two
//! sets of our own SIP lines in one process on loopback, on one pinned
//! core driven by the media ticker. N steps up (doubling, then bisection);
//! a step passes when the thread keeps up as the loopback engine's rule
//! has it (p99 tick lateness under 2 ms, no deadline skipped), every fax
//! completes and no pair stalls. The figure is set against the loopback
//! fax engine's (`ums bench channels`'s search) measured in the same run.
//!
//! Each call: a channel of a calling trunk dials the answering trunk (real
//! UDP, SIP, RTP or UDPTL; trunks of 32 channels, as a provider's trunk
//! carries calls), a free channel there answers, both run the workspace's
//! fax pump ([`FaxCall`]: audio, or T.38 after the answerer's immediate
//! re-INVITE), 2 fine A4 pages, hang-up, and the channel dials again.

use std::net::{IpAddr, Ipv4Addr};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fax_t30::media::FRAME_DURATION;
use fax_t30::{FaxOptions, PageSource};
use line_drivers::clock::{LatenessStats, MediaTicker, TickerReport};
use line_drivers::sip::{
    SharedSipLine, SipLineConfig, SipTrunk, SrtpPolicy, T38Policy, TrunkConfig,
};
use line_drivers::{
    CallEnd, FaxCall, FaxCallEvent, FaxRole, HangupCause, Line, LineEvent, MediaKind,
};

/// What to measure.
#[derive(Debug, Clone)]
pub struct SipBench {
    pub t38: bool,
    /// SRTP (SDES, `srtp = "mandatory"` on both trunks): every RTP packet
    /// protected and checked; a call without keys fails (488), so a step
    /// passes only with all its calls encrypted. T.38's UDPTL stays plain.
    pub srtp: bool,
    /// Length of one real-time step.
    pub trial: Duration,
    /// Largest N tried.
    pub max_calls: usize,
    /// First N tried (1 unless a search should start higher).
    pub min_calls: usize,
    /// First SIP port (2 per call) and first RTP port (8 per call).
    pub sip_port: u16,
    pub rtp_port: u16,
    pub work_dir: PathBuf,
    /// A failpoint: the media thread sleeps this long (`.1`) once per
    /// step, this far (`.0`) into it, as a stalled host would stall it.
    pub stall: Option<(Duration, Duration)>,
}

/// One real-time step. `report` covers the whole step, the first second
/// (setup) included.
#[derive(Debug, Clone)]
pub struct SipTrial {
    pub calls: usize,
    pub report: TickerReport,
    /// Tick lateness after the first second (the injected stall's ticks
    /// left out): what the pass rule looks at.
    pub lateness: LatenessStats,
    /// Ticks late by more than 20 ms (run late and caught up: no media
    /// is lost, the far end's jitter buffer holds 150 ms).
    pub late_frames: u64,
    pub faxes_ok: u64,
    pub faxes_failed: u64,
    pub t38_calls: u64,
    /// Faxes the N calls had to complete in the step: per pair, the
    /// step's time after its first dial over the fastest call's cycle
    /// (dial to hang-up and redial) in this step.
    pub faxes_required: u64,
    /// Pairs that completed fewer faxes than that (stalled calls).
    pub stalled: u64,
    /// Seconds of the fastest completed call (0: none completed).
    pub fastest_call_secs: f64,
    /// The first failed calls (up to 8): pair, when, both outcomes.
    pub failures: Vec<String>,
    /// CPU time of the media thread after the first second, and the media
    /// time it covered: the load-independent cost of the calls.
    pub cpu_secs: f64,
    pub media_secs: f64,
    /// Pairs whose lines could not be bound (a port taken), with why:
    /// left out of the step; the others ran.
    pub out_of_service: Vec<String>,
    /// Ticks the injected stall made late (caught up after it), not
    /// counted as late frames.
    pub stalled_ticks: u64,
}

impl SipTrial {
    /// Calls one core could carry if all its time went to these calls
    /// (from the media thread's CPU time; scheduling delays do not count).
    pub fn cpu_bound_calls_per_core(&self) -> f64 {
        self.calls as f64 * self.media_secs / self.cpu_secs.max(1e-9)
    }

    /// The thread kept up (the loopback engine's rule: p99 tick lateness
    /// under 2 ms after the first second, no deadline skipped), no fax
    /// failed, and every call moved: at least one fax completed and no
    /// pair completed fewer than the fastest call's pace allows (a stalled
    /// call). A step shorter than one call cannot show this and fails.
    /// A tick late by more than a frame is caught up (no media lost): the
    /// host stalls now and then, which the faxes must survive, not the
    /// pass rule.
    pub fn passed(&self) -> bool {
        self.report.overruns == 0
            && self.lateness.p99() < LATENESS_LIMIT
            && self.faxes_failed == 0
            && self.faxes_ok > 0
            && self.stalled == 0
            && self.out_of_service.is_empty()
    }
}

const LATE: Duration = Duration::from_millis(20);

/// p99 tick lateness a passing step stays under (as `bench channels`).
pub const LATENESS_LIMIT: Duration = Duration::from_millis(2);

/// One end of a call: its trunk channel and the workspace's fax pump on
/// the call.
struct Side {
    line: SharedSipLine,
    fax: Option<FaxCall>,
    /// How the fax call ended, once it has.
    end: Option<CallEnd>,
}

impl Side {
    fn new(line: SharedSipLine) -> Side {
        Side {
            line,
            fax: None,
            end: None,
        }
    }

    /// One tick after the line's: the pump, and (receivers) an incoming
    /// call answered into `rx`, or refused while a call is on.
    fn step(&mut self, rx: Option<&Path>, now: Instant) {
        let mut others = Vec::new();
        match self.fax.as_mut() {
            Some(f) => f.step(&mut self.line, now, |e| others.push(e)),
            None => {
                while self.line.poll_media_change().is_some() {}
                others.extend(std::iter::from_fn(|| self.line.poll_event()));
            }
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
                    let answered =
                        FaxCall::answer(&mut self.line, call, media, role, options(), now);
                    if let Ok(f) = answered {
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

    /// The fax's outcome, for a failure report.
    fn describe(&self) -> String {
        match &self.end {
            Some(CallEnd::Fax(o)) => format!("{:?} ({} pages)", o.code, o.pages_confirmed),
            Some(CallEnd::NotConnected(c)) => format!("not connected ({c:?})"),
            Some(CallEnd::Failed(e)) => format!("failed: {e}"),
            None => "no outcome".into(),
        }
    }
}

fn options() -> FaxOptions {
    FaxOptions {
        ident: "UMS BENCH".into(),
        ..FaxOptions::default()
    }
}

/// A calling channel: it sends a fax, and again once the call is over.
struct Pair {
    a: Side,
    start_tick: u64,
    /// Tick of the pair's first dial.
    first_start: u64,
    began: u64,
    done_at: Option<u64>,
    t38_seen: bool,
    /// Faxes this pair completed.
    completed: u64,
}

/// Calls per trunk: the calling trunk has this many channels, and so has
/// the answering one.
const CHANNELS: usize = 32;

struct Workload {
    /// (calling trunk, answering trunk).
    trunks: Vec<(SipTrunk, SipTrunk)>,
    pairs: Vec<Pair>,
    /// The answering channels, with the file each receives into.
    receivers: Vec<(Side, PathBuf)>,
    /// Trunks and channels that could not bind their ports, and why.
    out_of_service: Vec<String>,
    doc: PathBuf,
    dir: PathBuf,
    tick: u64,
    ok: u64,
    failed: u64,
    t38_calls: u64,
    /// Ticks from dial to both sessions finished, fastest so far.
    fastest: Option<u64>,
    /// The first failed calls, described.
    failures: Vec<String>,
}

/// Ticks from a call's end to the next dial of its pair (drain, hang-up,
/// the callee idle: 35 ticks) and the call set-up, with some slack.
const REDIAL_TICKS: u64 = 60;

impl Workload {
    /// `calls` calls over trunks of [`CHANNELS`] channels, as a provider's
    /// trunk carries them (one SIP socket and one readiness poll per
    /// trunk). Trunk pair `j`: SIP ports `sip_port + 2j` (calling) and
    /// `+ 1` (answering); RTP from `rtp_port + 8 CHANNELS j`, 4 ports per
    /// channel, the answering trunk's after the calling one's: 8 ports
    /// per call, as many as a pair of lone lines took.
    fn new(cfg: &SipBench, calls: usize, doc: &Path, now: Instant) -> Result<Workload, String> {
        let dir = cfg.work_dir.join(format!("sip-{calls}"));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let lo = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let mut trunks = Vec::new();
        let mut pairs = Vec::with_capacity(calls);
        let mut receivers = Vec::with_capacity(calls);
        let mut out_of_service = Vec::new();
        for j in 0..calls.div_ceil(CHANNELS) {
            let n = CHANNELS.min(calls - j * CHANNELS);
            let sa = cfg.sip_port + 2 * j as u16;
            let sb = sa + 1;
            let ra = cfg.rtp_port + (8 * CHANNELS * j) as u16;
            let rb = ra + (4 * CHANNELS) as u16;
            let peer = |p: u16| format!("127.0.0.1:{p}");
            let (ta, tb) = (
                TrunkConfig::static_peer(format!("bench-{sb}"), peer(sb), "100"),
                TrunkConfig::static_peer(format!("bench-{sa}"), peer(sa), "200"),
            );
            let mut a = SipLineConfig::new(&format!("sip/a{j}"), ta, lo, sa, ra);
            let mut b = SipLineConfig::new(&format!("sip/b{j}"), tb, lo, sb, rb);
            if cfg.srtp {
                a.media.srtp = SrtpPolicy::Mandatory;
                b.media.srtp = SrtpPolicy::Mandatory;
            }
            if cfg.t38 {
                b.t38_policy = T38Policy::Immediately;
            } else {
                a.media.t38 = None;
                b.media.t38 = None;
                b.t38_policy = T38Policy::Never;
            }
            // A trunk whose SIP port is taken is left out with its calls
            // (and reported); the other calls run. A channel whose media
            // port is taken is out of service alone.
            let bind = |c: SipLineConfig| {
                let port = c.sip_bind.port();
                SipTrunk::bind(c, n, now).map_err(|e| {
                    let cause = std::error::Error::source(&e).map(|c| format!(": {c}"));
                    format!(
                        "trunk pair {j} (SIP port {port}, {n} calls): {e}{}",
                        cause.unwrap_or_default()
                    )
                })
            };
            let (a, b) = match (bind(a), bind(b)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => {
                    out_of_service.push(e);
                    continue;
                }
            };
            for f in a.faults().into_iter().chain(b.faults()) {
                out_of_service.push(f.to_string());
            }
            for (c, line) in a.lines().into_iter().enumerate() {
                if !line.is_available() {
                    continue;
                }
                let i = (j * CHANNELS + c) as u64;
                pairs.push(Pair {
                    a: Side::new(line),
                    // Spread the starts over 10 s so the T.30 phases
                    // interleave.
                    start_tick: (i * 37) % 500,
                    first_start: (i * 37) % 500,
                    began: 0,
                    done_at: None,
                    t38_seen: false,
                    completed: 0,
                });
            }
            for (c, line) in b.lines().into_iter().enumerate() {
                receivers.push((Side::new(line), dir.join(format!("rx-{j}-{c}.tif"))));
            }
            trunks.push((a, b));
        }
        Ok(Workload {
            trunks,
            pairs,
            receivers,
            out_of_service,
            doc: doc.to_path_buf(),
            dir,
            tick: 0,
            ok: 0,
            failed: 0,
            t38_calls: 0,
            fastest: None,
            failures: Vec::new(),
        })
    }

    fn tick(&mut self, now: Instant) {
        let t = self.tick;
        for (a, b) in &self.trunks {
            a.tick(now);
            b.tick(now);
        }
        for (side, rx) in &mut self.receivers {
            side.step(Some(rx), now);
            // The call is over: the channel takes the next one.
            if side.end.is_some() {
                side.fax = None;
            }
        }
        for (i, p) in self.pairs.iter_mut().enumerate() {
            if p.a.fax.is_none() && p.done_at.is_none() && t >= p.start_tick {
                let role = FaxRole::Send(PageSource::Tiff(self.doc.clone()));
                if let Ok(f) = FaxCall::dial(&mut p.a.line, "200", role, options(), now) {
                    p.a.fax = Some(f);
                    p.a.end = None;
                    p.began = t;
                    p.t38_seen = false;
                }
            }
            p.a.step(None, now);
            p.t38_seen |= p.a.line.with(|l| l.media_kind()) == Some(MediaKind::T38);
            // A call stuck for 3 minutes (2 pages take well under one)
            // is cut; its end is counted as a failure.
            let stuck = p.a.end.is_none() && t > p.began + 9_000;
            if stuck {
                if let Some(f) = p.a.fax.as_mut() {
                    f.hang_up(&mut p.a.line, HangupCause::NormalClearing, now);
                }
                p.a.step(None, now);
            }
            if p.a.fax.is_some() && p.a.end.is_some() && p.done_at.is_none() {
                p.done_at = Some(t);
                let good = matches!(&p.a.end, Some(CallEnd::Fax(o)) if o.success);
                if good {
                    self.ok += 1;
                    p.completed += 1;
                    let took = t - p.began;
                    self.fastest = Some(self.fastest.map_or(took, |f| f.min(took)));
                } else {
                    self.failed += 1;
                    let why = if stuck { "stuck" } else { "ended" };
                    if self.failures.len() < 8 {
                        self.failures.push(format!(
                            "call {i} {why} after {:.1} s: sender {}",
                            (t - p.began) as f64 * FRAME_DURATION.as_secs_f64(),
                            p.a.describe(),
                        ));
                    }
                }
                if p.t38_seen {
                    self.t38_calls += 1;
                }
            }
            // Dial again 0.7 s after the end, once the channel is idle.
            if p.done_at.is_some_and(|d| t >= d + 35) && p.a.line.is_idle() {
                p.a.fax = None;
                p.done_at = None;
                p.start_tick = t;
            }
        }
        self.tick += 1;
    }

    fn shortfall(&self, ticks: u64) -> (u64, u64) {
        let pairs: Vec<(u64, u64)> = self
            .pairs
            .iter()
            .map(|p| (p.first_start, p.completed))
            .collect();
        shortfall(self.fastest, &pairs, ticks)
    }
}

/// (faxes required, pairs that completed fewer) at the end of a step of
/// `ticks`, from each pair's (first dial tick, faxes completed): a pair
/// must complete a fax per cycle of the fastest call of the step (plus
/// the redial gap and 5 %) after its first dial, and at least one. A
/// stalled call completes nothing more and falls short; calls slowed by
/// load slow the fastest cycle too. A step too short for a pair's first
/// call to end cannot show that it moves, so that pair falls short too
/// (a call of 2 fine pages takes some 80 s: steps need 90 s and more).
pub(crate) fn shortfall(fastest: Option<u64>, pairs: &[(u64, u64)], ticks: u64) -> (u64, u64) {
    let Some(fastest) = fastest else {
        return (pairs.len() as u64, pairs.len() as u64);
    };
    let cycle = fastest + fastest / 20 + REDIAL_TICKS;
    let mut required = 0;
    let mut stalled = 0;
    for &(first, completed) in pairs {
        let need = (ticks.saturating_sub(first) / cycle).max(1);
        required += need;
        if completed < need {
            stalled += 1;
        }
    }
    (required, stalled)
}

/// What the media thread reports at the end of a step.
struct Done {
    late: u64,
    ok: u64,
    failed: u64,
    t38: u64,
    cpu: f64,
    media: f64,
    required: u64,
    stalled: u64,
    fastest: f64,
    failures: Vec<String>,
    out_of_service: Vec<String>,
    stalled_ticks: u64,
    lateness: LatenessStats,
}

#[allow(clippy::disallowed_methods)] // driver shell: the media clock the lines start on
fn media_clock() -> Instant {
    Instant::now()
}

/// Run `calls` concurrent SIP fax calls on the media ticker for `cfg.trial`.
pub fn run_trial(cfg: &SipBench, doc: &Path, calls: usize) -> Result<SipTrial, String> {
    let ticks = (cfg.trial.as_millis() / FRAME_DURATION.as_millis()) as u64;
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let cfg2 = cfg.clone();
    let doc = doc.to_path_buf();
    let ticker = MediaTicker::spawn_with(FRAME_DURATION, move || {
        crate::bench::pin_to_last_cpu();
        let mut w = Workload::new(&cfg2, calls, &doc, media_clock());
        let mut n = 0u64;
        let mut late = 0u64;
        let mut cpu0 = std::time::Duration::ZERO;
        // The injected stall: at which tick, how long; the ticks it makes
        // late are counted apart.
        let stall = cfg2.stall.map(|(after, len)| {
            let at = (after.as_millis() / FRAME_DURATION.as_millis()) as u64;
            let late_ticks = len.as_millis().div_ceil(FRAME_DURATION.as_millis()) as u64;
            (at, len, at + 1..=at + late_ticks)
        });
        let mut stalled_ticks = 0u64;
        let mut lateness = LatenessStats::default();
        move |now| {
            let Ok(work) = w.as_mut() else {
                let e = w.as_ref().err().cloned().unwrap_or_default();
                let _ = done_tx.send(Err(e));
                return ControlFlow::Break(());
            };
            // Lateness of this tick: woken after its deadline by more
            // than a frame means a late media frame. The first second
            // (sockets bound, first INVITEs) is not counted.
            if stall.as_ref().is_some_and(|(_, _, r)| r.contains(&n)) {
                stalled_ticks += 1;
            } else if n >= 50 {
                let l = media_clock().saturating_duration_since(now);
                lateness.record(l);
                if l > LATE {
                    late += 1;
                }
            }
            if let Some((_, len, _)) = stall.as_ref().filter(|(at, _, _)| *at == n) {
                // Failpoint: the host stalls the media thread.
                std::thread::sleep(*len);
            }
            if n == 50 {
                cpu0 = crate::bench::thread_cpu_time();
            }
            work.tick(now);
            n += 1;
            if n >= ticks {
                let cpu = (crate::bench::thread_cpu_time() - cpu0).as_secs_f64();
                let media = (n.saturating_sub(50)) as f64 * FRAME_DURATION.as_secs_f64();
                let (required, stalled) = work.shortfall(n);
                let fastest = work.fastest.unwrap_or(0) as f64 * FRAME_DURATION.as_secs_f64();
                let _ = done_tx.send(Ok(Done {
                    late,
                    ok: work.ok,
                    failed: work.failed,
                    t38: work.t38_calls,
                    cpu,
                    media,
                    required,
                    stalled,
                    fastest,
                    failures: std::mem::take(&mut work.failures),
                    out_of_service: std::mem::take(&mut work.out_of_service),
                    stalled_ticks,
                    lateness: std::mem::take(&mut lateness),
                }));
                let _ = std::fs::remove_dir_all(&work.dir);
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
    })
    .map_err(|e| format!("media ticker: {e}"))?;
    let got = done_rx.recv().unwrap_or(Err("the ticker stopped".into()));
    let report = ticker.join();
    let d = got?;
    Ok(SipTrial {
        calls,
        report,
        late_frames: d.late,
        lateness: d.lateness,
        faxes_ok: d.ok,
        faxes_failed: d.failed,
        t38_calls: d.t38,
        faxes_required: d.required,
        stalled: d.stalled,
        fastest_call_secs: d.fastest,
        failures: d.failures,
        cpu_secs: d.cpu,
        media_secs: d.media,
        out_of_service: d.out_of_service,
        stalled_ticks: d.stalled_ticks,
    })
}

/// Largest passing N: 1, 2, 4 ... (from `min_calls`) until a step fails,
/// then bisection to within 10 %. `min_calls` equal to `max_calls`: that
/// one step only (N if it passed, else 0).
pub fn search(
    cfg: &SipBench,
    doc: &Path,
    mut progress: impl FnMut(&SipTrial),
) -> Result<(usize, Vec<SipTrial>), String> {
    if cfg.min_calls >= cfg.max_calls {
        let t = run_trial(cfg, doc, cfg.max_calls)?;
        progress(&t);
        let n = if t.passed() { t.calls } else { 0 };
        return Ok((n, vec![t]));
    }
    crate::bench::largest_passing(cfg.min_calls, cfg.max_calls, 10, |n| {
        let t = run_trial(cfg, doc, n)?;
        progress(&t);
        let ok = t.passed();
        Ok((t, ok))
    })
}

#[cfg(test)]
mod tests {
    use super::shortfall;

    #[test]
    fn a_stalled_pair_falls_short() {
        // Calls of 4000 ticks (80 s), steps of 6000 (120 s): each pair
        // started in the first 10 s owes one fax.
        let all = [(0, 1), (37, 1), (74, 1), (111, 1)];
        assert_eq!(shortfall(Some(4000), &all, 6000), (4, 0));
        let one_stalled = [(0, 1), (37, 0), (74, 1), (111, 1)];
        assert_eq!(shortfall(Some(4000), &one_stalled, 6000), (4, 1));
        // A step shorter than a call: nothing completed, all fall short.
        assert_eq!(shortfall(None, &all, 3000), (4, 4));
        // A step just long enough for the first pair's call: the others
        // cannot show theirs move (the 80 s steps that hid nothing and
        // proved nothing).
        assert_eq!(shortfall(Some(3990), &[(0, 1), (37, 0)], 4000), (2, 1));
        // Long steps owe more than one fax per pair.
        assert_eq!(shortfall(Some(1000), &[(0, 5), (0, 4)], 6000), (10, 1));
    }
}
