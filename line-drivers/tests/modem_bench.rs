//! The benchmark of docs/benchmarks.md ("Class 1 fax modems"): a 3-page
//! fax from ums to HylaFAX and from HylaFAX to HylaFAX over the same
//! iaxmodem pair, call time and CPU. Needs root and the fax packages
//! (scripts/setup.sh --test).

#[path = "modem_kit/mod.rs"]
mod modem_kit;
#[path = "sip_common/mod.rs"]
mod sip_common;

use std::time::Duration;

use fax_t30::page::Resolution;
use fax_t30::FaxOptions;
use line_drivers::{FaxRole, Line};
use modem_kit::*;
use test_kit::iaxmodem::{self, IaxPair};
use test_kit::{hylafax, wait_for_text};
use test_kit::{wall, Scratch};

/// CPU seconds (user + system) of process `pid` and its reaped children.
fn cpu_of(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the ")" of the command name: utime is 14th overall.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    let ticks = 100.0; // USER_HZ
    f.get(11..15).map_or(0.0, |v| v.iter().sum::<f64>() / ticks)
}

/// Our own CPU seconds (this test process: the line, its port task and T.30).
fn own_cpu() -> f64 {
    cpu_of(std::process::id())
}

/// Nanosecond CPU time (the scheduler's) of the threads of `pid` whose
/// name starts with `name` (all with `""`).
fn sched_cpu(pid: u32, name: &str) -> Duration {
    let mut sum = Duration::ZERO;
    for t in std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
    {
        let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
        if !comm.starts_with(name) {
            continue;
        }
        let stat = std::fs::read_to_string(t.path().join("schedstat")).unwrap_or_default();
        let ns: u64 = stat
            .split_whitespace()
            .next()
            .and_then(|x| x.parse().ok())
            .unwrap_or(0);
        sum += Duration::from_nanos(ns);
    }
    sum
}

/// What a reading of [`clock`] adds to the sums: between two readings
/// (each interval holds one), and an empty [`timed`] call seen from around
/// it (the pump's interval holds one for each line call). Medians of a few
/// thousand.
fn clock_costs() -> (Duration, Duration) {
    let median = |mut v: Vec<Duration>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    let pair = median(
        (0..4001)
            .map(|_| {
                let a = clock();
                clock() - a
            })
            .collect(),
    );
    let (line, calls) = (LINE_TIME.get(), LINE_CALLS.get());
    let call = median(
        (0..4001)
            .map(|_| {
                let a = clock();
                timed(|| ());
                clock() - a
            })
            .collect(),
    );
    LINE_TIME.set(line);
    LINE_CALLS.set(calls);
    (pair, call.saturating_sub(pair))
}

/// Start summing afresh.
fn reset_sums() {
    PUMP_TIME.set(Duration::ZERO);
    LINE_TIME.set(Duration::ZERO);
    LINE_CALLS.set(0);
    TICK_NS.with_borrow_mut(Vec::clear);
}

/// Seconds since [`reset_sums`]: the line's work on this thread (the
/// driver), and T.30's and the pump's (the rest of the pump's time), less
/// what the clock's readings added (`costs`, by [`clock_costs`]).
fn driver_cpu((pair, call): (Duration, Duration)) -> [f64; 2] {
    let calls = u32::try_from(LINE_CALLS.get()).unwrap_or(u32::MAX);
    let ticks = u32::try_from(TICK_NS.with_borrow(Vec::len)).unwrap_or(u32::MAX);
    let line = LINE_TIME.get().saturating_sub(pair * calls);
    let pump = PUMP_TIME.get().saturating_sub(pair * ticks + call * calls);
    [line.as_secs_f64(), pump.saturating_sub(line).as_secs_f64()]
}

/// How the pump's time spreads over the ticks of the call so far: where a
/// cost hides (every tick, or a few long ones).
fn tick_spread() -> String {
    let mut t = TICK_NS.with_borrow(Vec::clone);
    t.sort_unstable();
    let n = t.len().max(1);
    let at = |q: f64| t.get(((n - 1) as f64 * q) as usize).copied().unwrap_or(0) as f64 / 1e3;
    let sum = |v: &[u32]| v.iter().map(|&x| f64::from(x)).sum::<f64>() / 1e6;
    let top = &t[t.len() - t.len() / 100..];
    format!(
        "pump ticks: {} ({:.1} ms), median {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, max {:.1} µs; \
         the slowest 1% {:.1} ms",
        t.len(),
        sum(&t),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        sum(top)
    )
}

/// The pid of the iaxmodem running `modem{name}.cfg` of `pair`.
fn iaxmodem_pid(pair: &IaxPair, name: &str) -> u32 {
    let cfg = format!("{}/modem{name}.cfg", pair.dir().display());
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmd).contains(&cfg) {
            return pid;
        }
    }
    panic!("no iaxmodem for {cfg}");
}

/// The benchmark of docs/benchmarks.md ("Class 1 modems"): the same 3-page
/// fax over the same iaxmodem pair, ums → HylaFAX, then HylaFAX → HylaFAX;
/// call duration and CPU per call. `cargo nextest run -p line-drivers
/// --test modem_bench bench_against_hylafax --run-ignored only --no-capture`.
#[test]
#[ignore = "benchmark, about 4 minutes"]
fn bench_against_hylafax() {
    if skip() {
        return;
    }
    let dir = Scratch::new("modem-bench");
    let pair = IaxPair::start([4581, 4582], "uucp:uucp");
    let hf = hylafax::spool(dir.path(), &[&pair.devices[0], &pair.devices[1]]);
    let _getty_b = hylafax::faxgetty(&hf, &pair.devices[1]);
    std::thread::sleep(iaxmodem::BUSY_OUT_AFTER_RESET);
    let iax_a = iaxmodem_pid(&pair, "A");

    // ums → HylaFAX.
    let (_, source) = pages(dir.path(), 3, Resolution::Standard);
    let ours = {
        let rt = runtime();
        // The line as the daemon runs it: no traffic kept for a failure.
        RECORD_TRAFFIC.store(false, std::sync::atomic::Ordering::Relaxed);
        let mut end = in_service(&rt, &pair.devices[0]);
        // The thread's CPU time, not wall time: other processes on the
        // machine preempt us, and that is not our cost.
        THREAD_CPU.set(true);
        let costs = clock_costs();
        let port = || sched_cpu(std::process::id(), PORT_THREAD);
        let (cpu0, port0, iax0, t0) = (own_cpu(), port(), sched_cpu(iax_a, ""), wall());
        reset_sums();
        end.dial(
            &pair.ports[1].to_string(),
            FaxRole::Send(source),
            FaxOptions::default(),
            t0,
        );
        assert!(run(&mut end, Duration::from_secs(400), |e| e.end.is_some()));
        let secs = (wall() - t0).as_secs_f64();
        let out = end.outcome().expect("T.30 ran").clone();
        assert!(out.success && out.pages_confirmed == 3, "{out:?}");
        let [line, t30] = driver_cpu(costs);
        let drv = [line, (port() - port0).as_secs_f64(), t30];
        THREAD_CPU.set(false);
        eprintln!(
            "clock readings: {:?} a pair, {:?} a line call; {} line calls",
            costs.0,
            costs.1,
            LINE_CALLS.get()
        );
        eprintln!("{}", tick_spread());
        let (cpu, iax) = (
            own_cpu() - cpu0,
            (sched_cpu(iax_a, "") - iax0).as_secs_f64(),
        );
        let back = run(&mut end, Duration::from_secs(20), |e| e.line.is_available());
        assert!(back, "{:?}", end.line.state());
        (secs, cpu, iax, drv)
    };
    std::thread::sleep(iaxmodem::BUSY_OUT_AFTER_RESET);

    // HylaFAX → HylaFAX, same document, same pair.
    let port = 4589;
    let [faxq, _hfaxd, getty_a] = hylafax::sender(&hf, &pair.devices[0], port);
    std::thread::sleep(iaxmodem::BUSY_OUT_AFTER_RESET);
    let (hyla_cpu0, iax0, t0) = (
        cpu_of(faxq.0.id()) + cpu_of(getty_a.0.id()),
        cpu_of(iax_a),
        wall(),
    );
    hylafax::sendfax(
        &pair.devices[0],
        port,
        pair.ports[1],
        &["-l"],
        &dir.path().join("tx.tif"),
    );
    let xfer = hf.join("log/xferfaxlog");
    assert!(
        wait_for_text(&xfer, "\tSEND\t", Duration::from_secs(400)),
        "HylaFAX did not send"
    );
    let secs = (wall() - t0).as_secs_f64();
    std::thread::sleep(Duration::from_secs(2));
    let hyla_cpu = cpu_of(faxq.0.id()) + cpu_of(getty_a.0.id()) - hyla_cpu0;
    let hyla_iax = cpu_of(iax_a) - iax0;
    let log = std::fs::read_to_string(&xfer).unwrap();
    let send = log
        .lines()
        .find(|l| l.contains("\tSEND\t"))
        .unwrap()
        .to_string();
    let f: Vec<&str> = send.split('\t').collect();
    eprintln!("xferfaxlog SEND: {send}");
    eprintln!(
        "ums → HylaFAX:     call {:.1} s, driver CPU {:.4} s (line {:.4} s, port task {:.4} s), \
         iaxmodem A CPU {:.4} s: ratio {:.3}; T.30 and pump {:.4} s; whole test process {:.2} s",
        ours.0,
        ours.3[0] + ours.3[1],
        ours.3[0],
        ours.3[1],
        ours.2,
        (ours.3[0] + ours.3[1]) / ours.2.max(0.001),
        ours.3[2],
        ours.1
    );
    eprintln!(
        "HylaFAX → HylaFAX: submit to logged {:.1} s, xferfaxlog pages {} jobtime {} conntime {}, \
         HylaFAX CPU (faxq+faxsend+faxgetty) {:.2} s, iaxmodem A CPU {:.2} s",
        secs,
        f.get(10).unwrap_or(&"?"),
        f.get(11).unwrap_or(&"?"),
        f.get(12).unwrap_or(&"?"),
        hyla_cpu,
        hyla_iax
    );
}
