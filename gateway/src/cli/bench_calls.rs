//! `ums bench channels | sip | capi`: the call-capacity benchmarks, each
//! against the loopback fax engine (or, `sip --srtp`, plain SIP) in the
//! same run.

use super::*;

/// One real-time trial of the loopback engine's search, as a line.
fn print_loopback_trial(t: &bench::Trial, limit: Duration) {
    outln!(
        "  trial {:>5} calls: p50 {:>6.3} ms, p99 {:>6.3} ms, max {:>7.3} ms, late ticks {} (skipped {}), faxes ok {} failed {} -> {}",
        t.calls,
        t.report.lateness.p50().as_secs_f64() * 1e3,
        t.report.lateness.p99().as_secs_f64() * 1e3,
        t.report.lateness.max().as_secs_f64() * 1e3,
        t.report.late_ticks(),
        t.report.overruns,
        t.completed,
        t.failed,
        if t.passed(limit) { "pass" } else { "late" }
    );
}

pub(crate) fn bench_channels(args: ChannelsArgs) -> CliResult {
    let work_dir = std::env::temp_dir().join(format!("ums-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work_dir)?;
    let doc = bench::bench_document(&work_dir)?;
    let cfg = BenchConfig {
        t38: args.t38,
        trial: Duration::from_secs(args.trial_secs),
        // The raw run covers the same media window as a trial.
        raw_media: Duration::from_secs(args.trial_secs),
        warm_up: Duration::from_secs(args.warm_up_secs),
        probe_calls: args.probe_calls,
        max_calls: args.max_calls,
        lateness_limit: Duration::from_millis(2),
        work_dir: work_dir.clone(),
    };
    let kind = if args.t38 {
        "T.38"
    } else {
        "audio (V.17, 14400, ECM)"
    };
    outln!("bench channels: {kind} fax calls on loopback lines, one pinned core");
    outln!(
        "  each call: 2 fine A4 pages, sender and receiver both ours (2 bench lines); workloads warm up {} s off the clock",
        args.warm_up_secs
    );
    let probe = bench::measure_raw(&cfg, &doc, cfg.probe_calls);
    outln!(
        "  probe: {} calls -> {:.0} calls per core without a clock",
        probe.calls,
        probe.calls_per_core()
    );
    let start = (probe.calls_per_core() * 0.5).max(1.0) as usize;
    let (best, _) = bench::search(&cfg, &doc, start, |t| {
        print_loopback_trial(t, cfg.lateness_limit)
    })?;
    // The raw bound of the same sessions: the best N's workload, no clock.
    let raw = bench::measure_raw(&cfg, &doc, best.max(1));
    outln!(
        "raw bound  {:.0} line-s per CPU-s ({} calls x {:.0} s media in {:.2} CPU-s) = {:.0} calls per core",
        raw.line_secs_per_cpu_sec,
        raw.calls,
        raw.media_secs,
        raw.cpu_secs,
        raw.calls_per_core()
    );
    outln!("real time  {best} calls per core with p99 tick lateness under 2 ms");
    let ratio = best as f64 / raw.calls_per_core();
    outln!(
        "ratio      {:.2} of the raw bound (goal 0.80): {}",
        ratio,
        if ratio >= 0.8 { "met" } else { "NOT met" }
    );
    let _ = std::fs::remove_dir_all(&work_dir);
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn bench_sip(args: SipBenchArgs) -> CliResult {
    let work_dir = std::env::temp_dir().join(format!("ums-bench-sip-{}", std::process::id()));
    std::fs::create_dir_all(&work_dir)?;
    let doc = bench::bench_document(&work_dir)?;
    let kind = if args.t38 {
        "T.38"
    } else {
        "G.711 (V.17, ECM)"
    };
    let max = usize::from(u16::MAX - args.rtp_port.max(args.sip_port)) / 8;
    let cfg = gateway::bench_sip::SipBench {
        t38: args.t38,
        srtp: false,
        trial: Duration::from_secs(args.trial_secs),
        max_calls: args.max_calls.min(max).max(1),
        min_calls: args.min_calls.clamp(1, args.max_calls.min(max).max(1)),
        sip_port: args.sip_port,
        rtp_port: args.rtp_port,
        work_dir: work_dir.clone(),
        stall: args.stall_ms.map(|ms| {
            (
                Duration::from_secs(args.stall_at_secs),
                Duration::from_millis(ms),
            )
        }),
    };
    outln!("bench sip: {kind} fax calls over SIP between our lines on loopback, one pinned core");
    if let Some(eph) = gateway::config::ports::EphemeralPorts::of_this_host() {
        let top = |first: u16, per: usize| {
            (usize::from(first) + per * cfg.max_calls - 1).min(usize::from(u16::MAX)) as u16
        };
        for (what, first, per) in [("SIP", args.sip_port, 2), ("RTP", args.rtp_port, 8)] {
            if let Some((a, b)) = eph.unreserved_overlap(first, top(first, per)) {
                outln!(
                    "  warning: {what} ports {a}-{b} are in the kernel's ephemeral range {}-{}: \
                     another socket may hold one (that pair is then left out)",
                    eph.range.0,
                    eph.range.1
                );
            }
        }
    }
    if let Some((at, len)) = cfg.stall {
        outln!(
            "  failpoint: the media thread stalls {} ms at {} s into each step",
            len.as_millis(),
            at.as_secs()
        );
    }
    outln!(
        "  each call: 2 fine A4 pages, real UDP (SIP, RTP/UDPTL), calls restart when done; a step passes with p99 tick lateness under 2 ms and no deadline skipped (as bench channels; late ticks are caught up), no fax failed and no call stalled (every pair completes its faxes)"
    );
    let (best, trials) = gateway::bench_sip::search(&cfg, &doc, print_sip_trial)?;
    if args.srtp {
        return bench_sip_srtp(&cfg, &doc, best, &trials, &work_dir);
    }
    // The anchor: the loopback fax engine (ums bench channels), same run,
    // on the steps' workload: the same calls (2 fine pages, starts spread
    // over 10 s, redialled) from their start, for as long as a step.
    // (Trials of 5 s after a 10 s warm-up saw the calls' first page only,
    // no page start or end: the anchor moved between 529 and 800.)
    let loopback_trial = Duration::from_secs(args.loopback_trial_secs.unwrap_or(args.trial_secs));
    let lcfg = BenchConfig {
        t38: args.t38,
        trial: loopback_trial,
        raw_media: loopback_trial,
        warm_up: Duration::ZERO,
        probe_calls: 32,
        max_calls: 4000,
        lateness_limit: Duration::from_millis(2),
        work_dir: work_dir.clone(),
    };
    let (anchor, raw) = loopback_anchor(&lcfg, &doc)?;
    // The CPU cost of SIP calls, from the largest step (most calls).
    let sip_cpu = trials
        .iter()
        .max_by_key(|t| t.calls)
        .map_or(0.0, |t| t.cpu_bound_calls_per_core());
    outln!(
        "sip        {best} calls per core in real time (the largest passing step: p99 under 2 ms, no deadline skipped, every fax complete)"
    );
    outln!(
        "loopback   {anchor} calls per core (ums bench channels{}: p99 tick lateness under 2 ms)",
        if args.t38 { " --t38" } else { "" }
    );
    if anchor > 0 {
        outln!(
            "ratio      {:.3} of the loopback fax engine (real time)",
            best as f64 / anchor as f64
        );
    } else {
        outln!("ratio      n/a: the loopback engine passed no trial (machine too busy?)");
    }
    outln!(
        "by CPU     sip {:.0} calls per core, loopback raw bound {:.0} ({} calls): ratio {:.3}",
        sip_cpu,
        raw.calls_per_core(),
        raw.calls,
        sip_cpu / raw.calls_per_core().max(1e-9)
    );
    let _ = std::fs::remove_dir_all(&work_dir);
    Ok(ExitCode::SUCCESS)
}

/// One step of `ums bench sip`, as it is printed.
fn print_sip_trial(t: &gateway::bench_sip::SipTrial) {
    outln!(
        "  step {:>4} calls: p99 {:>6.3} ms, max {:>7.3} ms, late > 20 ms {}, late ticks {} (skipped {}), faxes ok {} failed {} (T.38 {}) of {} required (fastest call {:.1} s, {} pairs behind), CPU {:.2} s for {:.0} s -> {:.0} calls/core by CPU -> {}",
        t.calls,
        t.lateness.p99().as_secs_f64() * 1e3,
        t.lateness.max().as_secs_f64() * 1e3,
        t.late_frames,
        t.report.late_ticks(),
        t.report.overruns,
        t.faxes_ok,
        t.faxes_failed,
        t.t38_calls,
        t.faxes_required,
        t.fastest_call_secs,
        t.stalled,
        t.cpu_secs,
        t.media_secs,
        t.cpu_bound_calls_per_core(),
        if t.passed() {
            "pass"
        } else if t.faxes_failed > 0 {
            "failed"
        } else if t.report.overruns > 0 || t.lateness.p99() >= gateway::bench_sip::LATENESS_LIMIT {
            "late"
        } else if !t.out_of_service.is_empty() {
            "pairs out of service"
        } else {
            "calls stalled (or the step is shorter than a call)"
        }
    );
    if t.stalled_ticks > 0 {
        outln!(
            "      failpoint: {} ticks caught up after the injected stall (not counted late)",
            t.stalled_ticks
        );
    }
    for f in &t.out_of_service {
        outln!("      out of service: {f}");
    }
    for f in &t.failures {
        outln!("      failed: {f}");
    }
}

/// `ums bench sip --srtp`: the plain search done (`plain`, `trials`), the
/// same search with SRTP on both trunks, and SRTP's capacity as a share of
/// plain calls', in real time and by the media thread's CPU.
fn bench_sip_srtp(
    cfg: &gateway::bench_sip::SipBench,
    doc: &std::path::Path,
    plain: usize,
    trials: &[gateway::bench_sip::SipTrial],
    work_dir: &std::path::Path,
) -> CliResult {
    outln!("the same search with SRTP (SDES, AES_CM_128_HMAC_SHA1_80, srtp = \"mandatory\" on both trunks):");
    let srtp_cfg = gateway::bench_sip::SipBench {
        srtp: true,
        ..cfg.clone()
    };
    let (srtp, srtp_trials) = gateway::bench_sip::search(&srtp_cfg, doc, print_sip_trial)?;
    // By CPU: the largest step of each (most calls, the steadiest figure).
    let by_cpu = |ts: &[gateway::bench_sip::SipTrial]| {
        ts.iter()
            .max_by_key(|t| t.calls)
            .map_or(0.0, |t| t.cpu_bound_calls_per_core())
    };
    let (plain_cpu, srtp_cpu) = (by_cpu(trials), by_cpu(&srtp_trials));
    outln!("plain      {plain} calls per core in real time, {plain_cpu:.0} by CPU");
    outln!("srtp       {srtp} calls per core in real time, {srtp_cpu:.0} by CPU");
    if plain > 0 {
        outln!(
            "ratio      {:.3} of plain calls in real time, {:.3} by CPU (goal: SRTP costs at most 15 %: 0.85 or more)",
            srtp as f64 / plain as f64,
            srtp_cpu / plain_cpu.max(1e-9)
        );
    } else {
        outln!("ratio      n/a: no plain step passed (machine too busy?)");
    }
    let _ = std::fs::remove_dir_all(work_dir);
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn bench_capi(args: CapiBenchArgs) -> CliResult {
    let work_dir = std::env::temp_dir().join(format!("ums-bench-capi-{}", std::process::id()));
    std::fs::create_dir_all(&work_dir)?;
    let doc = bench::bench_document(&work_dir)?;
    let trial = Duration::from_secs(args.trial_secs);
    let cfg = gateway::bench_capi::CapiBench {
        trial,
        max_calls: args.max_calls,
        min_calls: args.min_calls,
        work_dir: work_dir.clone(),
    };
    outln!("bench capi: audio fax calls over B-channels of the remote-CAPI controller simulator, one pinned core");
    outln!(
        "  each call: 2 fine A4 pages between B-channels of two CAPI applications (native remote-CAPI client, one TCP connection each on loopback) on a simulated router (its own threads; {} calls each at most, more calls take more routers), redialled; steps of {} s; a step passes with p99 tick lateness under 2 ms, no deadline skipped, no fax failed, every call completed faxes",
        gateway::bench_capi::CALLS_PER_ROUTER,
        args.trial_secs
    );
    let (best, trials) = gateway::bench_capi::search(&cfg, &doc, |t| {
        outln!(
            "  {:>5} calls: p99 {:.2} ms, overruns {}, faxes {} ok {} failed ({} required, {} calls short){}, CPU {:.2} s for {:.0} s media: {}",
            t.calls,
            t.report.lateness.p99().as_secs_f64() * 1000.0,
            t.report.overruns,
            t.faxes_ok,
            t.faxes_failed,
            t.faxes_required,
            t.stalled,
            if t.out_of_service { ", the simulator not reached" } else { "" },
            t.cpu_secs,
            t.media_secs,
            if t.passed() { "pass" } else { "FAIL" }
        );
    })?;
    // The anchor: the loopback fax engine (ums bench channels, audio), same
    // run, same calls from their start, trials as long as a step.
    let lcfg = BenchConfig {
        t38: false,
        trial,
        raw_media: trial,
        warm_up: Duration::ZERO,
        probe_calls: 32,
        max_calls: 4000,
        lateness_limit: Duration::from_millis(2),
        work_dir: work_dir.clone(),
    };
    let (anchor, raw) = loopback_anchor(&lcfg, &doc)?;
    // The CPU cost of CAPI calls, from the largest step (most calls).
    let capi_cpu = trials
        .iter()
        .max_by_key(|t| t.calls)
        .map_or(0.0, |t| t.cpu_bound_calls_per_core());
    outln!(
        "capi       {best} calls ({} B-channels) per core in real time",
        2 * best
    );
    outln!("loopback   {anchor} calls per core (ums bench channels: p99 tick lateness under 2 ms)");
    if anchor > 0 {
        let ratio = best as f64 / anchor as f64;
        outln!(
            "ratio      {ratio:.3} of the loopback fax engine (goal 0.80): {}",
            if ratio >= 0.8 { "met" } else { "NOT met" }
        );
    } else {
        outln!("ratio      n/a: the loopback engine passed no trial (machine too busy?)");
    }
    // Like with like: the loopback engine's CPU cost in real time too
    // (sleeping between ticks, as the CAPI steps), at the CAPI step's N.
    let capi_calls = trials.iter().map(|t| t.calls).max().unwrap_or(0);
    let loop_rt = match capi_calls {
        0 => 0.0,
        n => bench::run_trial(&lcfg, &doc, n)?.cpu_bound_calls_per_core(),
    };
    outln!(
        "by CPU     capi {capi_cpu:.0} calls per core in real time; loopback in real time {loop_rt:.0} ({capi_calls} calls): ratio {:.3}",
        capi_cpu / loop_rt.max(1e-9)
    );
    outln!(
        "           loopback raw bound {:.0} ({} calls, back to back): ratio {:.3}",
        raw.calls_per_core(),
        raw.calls,
        capi_cpu / raw.calls_per_core().max(1e-9)
    );
    let _ = std::fs::remove_dir_all(&work_dir);
    Ok(ExitCode::SUCCESS)
}

/// The loopback fax engine's figure for the same calls, as the anchor of
/// `bench sip` and `bench capi`: its real-time search (started at half of
/// what a raw probe says one core bounds) and the raw bound at the calls
/// it carried.
fn loopback_anchor(
    lcfg: &BenchConfig,
    doc: &std::path::Path,
) -> std::io::Result<(usize, bench::RawBound)> {
    outln!(
        "loopback anchor: the same calls on loopback lines (ums bench channels), trials of {} s from the calls' start",
        lcfg.trial.as_secs()
    );
    let probe = bench::measure_raw(lcfg, doc, lcfg.probe_calls);
    let start = (probe.calls_per_core() * 0.5).max(1.0) as usize;
    let (anchor, _) = bench::search(lcfg, doc, start, |t| {
        print_loopback_trial(t, lcfg.lateness_limit)
    })?;
    let raw = bench::measure_raw(lcfg, doc, anchor.max(lcfg.probe_calls));
    Ok((anchor, raw))
}
