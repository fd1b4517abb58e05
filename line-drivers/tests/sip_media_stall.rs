//! A stall of the media loop in the middle of G.711 fax calls over SIP
//! (issue 12): VMs stall for 20–100 ms now and then, and one such stall
//! once made every call of `ums bench sip` fail together.
//!
//! Pairs of SipLines (engines on the simulated network, which holds what
//! is sent to a loop until that loop runs, as its sockets' buffers would)
//! fax 2 fine pages (V.17, ECM) on a simulated clock. Each side belongs to a media loop that runs its
//! ticks by [`TickSchedule`], the ticker's own policy: the loop that
//! stalls runs the missed ticks back to back afterwards, each with its own
//! deadline. Two set-ups:
//!
//! * one loop holds both ends of every call (as `ums bench sip` does);
//! * our loop holds one end, a far end of its own keeps ticking through
//!   the stall (the daemon and a provider): half the calls send from us,
//!   half to us, so both the burst we send after the stall and the packets
//!   that queued for us meanwhile are covered.
//!
//! What failed before: the ticker skipped the missed deadlines; media time
//! jumped, the jitter buffer took the jump for a delay error and resampled
//! the audio to win it back (V.17 loses a page to 50 ppm of that), and 8 s
//! later inserted silence. The control below keeps that skipping ticker
//! and must still see calls fail, so the harness can tell.
//!
//! Each end is the workspace's one fax pump (`FaxCall`, through the SIP
//! tests' `FaxEnd`).

mod sip_common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fax_t30::media::FRAME_DURATION;
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{FaxOptions, PageSource};
use line_drivers::clock::{TickSchedule, DEFAULT_CATCH_UP};
use line_drivers::loopback::Impairments;
use line_drivers::sim_net::{NetImpairments, SimNet, SimNode};
use line_drivers::sip::{SipLine, SipLineConfig, T38Policy};
use line_drivers::FaxRole;
use sip_common::{trunk, FaxEnd, LO};
use test_kit::{origin, Scratch};

struct Side {
    end: FaxEnd<SipLine>,
    /// Dial at this time (senders).
    dial_at: Option<Instant>,
    /// In the loop that stalls.
    ours: bool,
    doc: PathBuf,
    /// Packets the call's jitter buffer saw early (read late by a stalled
    /// loop), as last seen while the call was up.
    early: u64,
}

fn pages() -> Vec<BilevelPage> {
    let res = Resolution::Fine;
    (0..2)
        .map(|i| {
            BilevelPage::test_pattern(PaperSize::A4.width(), PaperSize::A4.rows(res), res, 7 + i)
        })
        .collect()
}

/// One tick of one side: what its sockets hold, the line, then its fax
/// call, then what it sent onto the network.
fn tick(s: &mut Side, pages: &[BilevelPage], net: &mut SimNet, now: Instant) {
    // Whatever was sent to this side so far waits in its buffers.
    let line = &mut s.end.line;
    let all = now + Duration::from_secs(3600);
    while let Some(t) = net.poll_delivery_to(all, &|a| line.owns(a)) {
        line.handle_datagram(t.to, t.from, &t.bytes, now);
    }
    s.end.line.tick(now);
    if s.dial_at.is_some_and(|at| at <= now) {
        s.dial_at = None;
        let role = FaxRole::Send(PageSource::Pages {
            pages: pages.to_vec(),
            spool: s.doc.with_extension("tx.tif"),
        });
        s.end.dial("200", role, FaxOptions::default(), now);
    }
    s.end.step(now);
    while let Some(t) = s.end.line.poll_transmit() {
        net.send(t, now);
    }
    if let Some(j) = s.end.line.jitter_stats() {
        s.early = s.early.max(j.early);
    }
}

/// A media loop on the simulated clock: its deadlines, and when it is free
/// to run the next tick.
struct Loop {
    schedule: TickSchedule,
    free_at: Instant,
    ticks: u64,
}

impl Loop {
    fn new(start: Instant, catch_up: Duration) -> Loop {
        Loop {
            schedule: TickSchedule::new(start, FRAME_DURATION, catch_up),
            free_at: start,
            ticks: 0,
        }
    }

    /// When the next tick runs (its deadline, or later if the loop is busy).
    fn runs_at(&self) -> Instant {
        self.schedule.deadline().max(self.free_at)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Ends {
    /// Both ends of every call in the loop that stalls.
    OneLoop,
    /// Our loop has one end of each call, a far end the other.
    FarEnd,
}

struct Run {
    calls: usize,
    ends: Ends,
    /// Our loop's stall: after this much media time, for this long.
    stall_after: Duration,
    stall: Duration,
    /// The catch-up allowance of our loop's ticker.
    catch_up: Duration,
    base_port: u16,
}

/// Per call: (sender outcome, receiver outcome) as text, and whether both
/// succeeded with 2 pages.
struct Results {
    calls: Vec<(bool, String)>,
    /// Packets our receivers saw early (read late by the stalled loop).
    early: u64,
    /// Ticks our loop ran after their deadline, and deadlines it skipped.
    late: u64,
    skipped: u64,
}

fn run(r: &Run, name: &str) -> Results {
    let dir = Scratch::new(&format!("sip-stall-{name}"));
    let pages = pages();
    let t0 = origin();
    // No delay: a datagram is in the far end's buffer once sent.
    let mut net = SimNet::new(NetImpairments {
        line: Impairments {
            latency_frames: 0,
            ..Impairments::CLEAN
        },
        jitter: Duration::ZERO,
    });
    let mut sides = Vec::new();
    for i in 0..r.calls {
        let sip = r.base_port + 2 * i as u16;
        let rtp = r.base_port + 1000 + 8 * i as u16;
        let mut a = SipLineConfig::new("sip/a", trunk("a", "100", sip + 1), LO, sip, rtp);
        let mut b = SipLineConfig::new("sip/b", trunk("b", "200", sip), LO, sip + 1, rtp + 4);
        a.media.t38 = None;
        b.media.t38 = None;
        b.t38_policy = T38Policy::Never;
        // Far-end set-up: even calls send from our loop, odd ones to it.
        let (a_ours, b_ours) = match r.ends {
            Ends::OneLoop => (true, true),
            Ends::FarEnd => (i % 2 == 0, i % 2 == 1),
        };
        sides.push(Side {
            end: FaxEnd::new(SipLine::engine(a, t0).expect("line")),
            // Starts 0.74 s apart, as in the bench.
            dial_at: Some(t0 + FRAME_DURATION * (1 + 37 * i as u32)),
            ours: a_ours,
            doc: dir.join(format!("doc-{i}")),
            early: 0,
        });
        let rx = dir.join(format!("rx-{i}.tif"));
        sides.push(Side {
            end: FaxEnd::receiver(
                SipLine::engine(b, t0).expect("line"),
                rx.clone(),
                FaxOptions::default(),
            ),
            dial_at: None,
            ours: b_ours,
            doc: rx,
            early: 0,
        });
    }
    let mut ours = Loop::new(t0 + FRAME_DURATION, r.catch_up);
    let mut theirs = Loop::new(t0 + FRAME_DURATION, DEFAULT_CATCH_UP);
    let stall_tick = (r.stall_after.as_millis() / FRAME_DURATION.as_millis()) as u64;
    let (mut late, mut skipped) = (0, 0);
    let limit = t0 + Duration::from_secs(240);
    loop {
        let done = sides.iter().all(|s| s.end.end.is_some());
        if done {
            break;
        }
        // The loop whose next tick comes first runs it (ours on a tie).
        let our_turn = ours.runs_at() <= theirs.runs_at();
        let lp = if our_turn { &mut ours } else { &mut theirs };
        let started = lp.runs_at();
        assert!(started < limit, "{name}: the faxes did not end in 240 s");
        let now = lp.schedule.deadline();
        if our_turn && started > now {
            late += 1;
        }
        for s in sides.iter_mut().filter(|s| s.ours == our_turn) {
            tick(s, &pages, &mut net, now);
        }
        // The tick takes no simulated time, but the stall.
        let mut ended = started;
        if our_turn && lp.ticks == stall_tick {
            ended += r.stall;
        }
        lp.ticks += 1;
        lp.free_at = ended;
        let next = lp.schedule.after_tick(ended);
        if our_turn {
            skipped += next.skipped;
        }
    }
    let mut calls = Vec::new();
    let mut early = 0;
    for pair in sides.chunks(2) {
        let (a, b) = (&pair[0], &pair[1]);
        // (success, pages confirmed, what happened)
        fn o(s: &Side) -> (bool, u32, String) {
            match s.end.outcome() {
                Some(o) => (o.success, o.pages_confirmed, o.summary()),
                None => (false, 0, format!("{:?}", s.end.end)),
            }
        }
        let ((ok_a, pages_a, ta), (ok_b, _, tb)) = (o(a), o(b));
        let ok = ok_a && ok_b && pages_a == 2;
        calls.push((ok, format!("sender {ta} / receiver {tb}")));
        for s in [a, b].into_iter().filter(|s| s.ours) {
            early += s.early;
        }
    }
    Results {
        calls,
        early,
        late,
        skipped,
    }
}

fn stall(ends: Ends, ms: u64, base_port: u16, name: &str) {
    let r = run(
        &Run {
            calls: 4,
            ends,
            stall_after: Duration::from_secs(25),
            stall: Duration::from_millis(ms),
            catch_up: DEFAULT_CATCH_UP,
            base_port,
        },
        name,
    );
    for (i, (ok, what)) in r.calls.iter().enumerate() {
        eprintln!("{name} call {i}: {what}");
        assert!(ok, "{name}: call {i} did not complete: {what}");
    }
    // The stall happened, and was caught up, not skipped: the ticks whose
    // deadlines it covered ran late, back to back.
    assert_eq!(r.skipped, 0, "{name}");
    assert_eq!(r.late, ms.div_ceil(20) - 1, "{name}: ticks run late");
    if ends == Ends::FarEnd && ms >= 40 {
        // The packets that queued for us were read early by the catch-up
        // and held out of the jitter buffer's base.
        assert!(r.early > 0, "{name}: no early packet");
    }
}

#[test]
fn a_30_ms_stall_in_one_loop_costs_no_call() {
    stall(Ends::OneLoop, 30, 26000, "one-30");
}

#[test]
fn a_60_ms_stall_in_one_loop_costs_no_call() {
    stall(Ends::OneLoop, 60, 26100, "one-60");
}

#[test]
fn a_100_ms_stall_in_one_loop_costs_no_call() {
    stall(Ends::OneLoop, 100, 26200, "one-100");
}

#[test]
fn a_30_ms_stall_against_a_far_end_costs_no_call() {
    stall(Ends::FarEnd, 30, 26300, "far-30");
}

#[test]
fn a_60_ms_stall_against_a_far_end_costs_no_call() {
    stall(Ends::FarEnd, 60, 26400, "far-60");
}

#[test]
fn a_100_ms_stall_against_a_far_end_costs_no_call() {
    stall(Ends::FarEnd, 100, 26500, "far-100");
}

#[test]
fn control_a_ticker_that_skips_the_missed_ticks_loses_the_calls() {
    // The ticker before issue 12: a 40 ms stall skips a deadline; every
    // call of the loop saw the same jump of media time.
    let r = run(
        &Run {
            calls: 4,
            ends: Ends::OneLoop,
            stall_after: Duration::from_secs(25),
            stall: Duration::from_millis(40),
            catch_up: Duration::ZERO,
            base_port: 26000 + 600,
        },
        "control",
    );
    assert!(r.skipped >= 1, "the control skipped no deadline");
    let failed = r.calls.iter().filter(|(ok, _)| !ok).count();
    for (i, (_, what)) in r.calls.iter().enumerate() {
        eprintln!("control call {i}: {what}");
    }
    assert!(
        failed > 0,
        "the skipping ticker lost no call: the harness cannot see the harm"
    );
}
