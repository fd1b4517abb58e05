//! `ums`: the unified-messaging gateway's command line.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use fax_t30::page::Resolution;
use fax_t30::{FaxEvent, MaxRate, PageSource, T38Options};
use gateway::bench::{self, BenchConfig};
use gateway::document;
use gateway::faxloop::{self, CallSetup, Side};
use gateway::{out, outln};
use line_drivers::loopback::Impairments;

#[derive(Parser)]
#[command(
    name = "ums",
    version,
    about = "Unified messaging gateway: fax, voice and SMS to and from e-mail",
    after_help = gateway::client::EXIT_CODES_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Send a fax across the built-in line test bench (two loopback lines).
    FaxLoop(FaxLoopArgs),
    /// Benchmarks.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Run the gateway: SMTP connector, kernel, loopback lines with a
    /// simulated far end. Without --config, the embedded default
    /// (everything on loopback, local-store mode). SIGHUP reloads routing,
    /// users and SMTP policy; SIGTERM stops gracefully.
    Serve(ServeArgs),
    /// Render documents or a whole mail (--eml) into a fax TIFF as the
    /// gateway would. Exit 3: a document cannot be rendered; 4: file error.
    Render(gateway::render_cmd::RenderArgs),
    /// Check a configuration file without starting (exit 0: valid, 1: not).
    CheckConfig(CheckConfigArgs),
    /// Fax modems (Class 1, serial).
    #[command(subcommand)]
    Modem(ModemCommand),
    #[command(flatten)]
    Client(gateway::client::ClientCommand),
}

#[derive(Subcommand)]
enum ModemCommand {
    /// Set a modem up as a line would and print its identity, classes,
    /// rates and the quirks in force (exit 1: it does not answer as a
    /// Class 1 fax modem).
    Probe(ModemProbeArgs),
}

#[derive(Args)]
struct ModemProbeArgs {
    /// The device, e.g. /dev/ums/fax-0.
    device: String,
    /// DTE speed, bit/s.
    #[arg(long, default_value_t = 115_200)]
    speed: u32,
    /// No RTS/CTS (a pty, or a modem that uses XON/XOFF).
    #[arg(long)]
    no_flow_control: bool,
}

#[derive(Args)]
struct CheckConfigArgs {
    /// The file to check.
    #[arg(long, default_value = "/etc/ums/ums.toml")]
    config: PathBuf,
}

#[derive(Args)]
struct ServeArgs {
    /// Configuration file (see config/ums.toml); without it, the embedded
    /// default.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Data directory (store, spool, dead letters; default: $UMS_DATA, else
    /// under systemd $STATE_DIRECTORY, else ~/.local/share/ums).
    #[arg(long)]
    data: Option<PathBuf>,
    /// SMTP listen address (overrides smtp.listen; default 127.0.0.1:2525).
    #[arg(long)]
    smtp: Option<std::net::SocketAddr>,
    /// A sender allowed to send faxes (repeatable; without --config only;
    /// default fax@localhost).
    #[arg(long = "user", conflicts_with = "config")]
    users: Vec<String>,
    /// Deliver mail to this mail server (HOST:PORT); without it the gateway
    /// runs in local-store mode.
    #[arg(long)]
    smart_host: Option<String>,
    /// Serve Prometheus metrics on this address (e.g. 127.0.0.1:9725);
    /// off without it.
    #[arg(long)]
    metrics: Option<std::net::SocketAddr>,
    /// The web journal's address (overrides [web] listen), or `off`.
    #[arg(long)]
    web: Option<String>,
}

#[derive(Args)]
struct FaxLoopArgs {
    /// TIFF file to send (any fax TIFF: T.4/T.6, TIFF-F).
    file: Option<PathBuf>,
    /// Send a generated 3-page document instead of a file.
    #[arg(long, conflicts_with = "file")]
    demo: bool,
    /// Send this many pages (the first N of the file, repeated if shorter).
    #[arg(long)]
    pages: Option<u32>,
    /// Maximum bit rate: 14400 (V.17), 9600 (V.29) or 4800 (V.27ter).
    #[arg(long, default_value_t = 14400)]
    rate: u32,
    /// Use error correction mode (ECM).
    #[arg(long)]
    ecm: bool,
    /// Standard resolution for --demo (default fine).
    #[arg(long)]
    standard: bool,
    /// White noise this many dB below the fax signal level.
    #[arg(long)]
    snr: Option<f32>,
    /// Attenuation of the line in dB.
    #[arg(long, default_value_t = 0.0)]
    attenuation: f32,
    /// Sample clock drift between the two ends, in ppm.
    #[arg(long, default_value_t = 0.0)]
    drift: f32,
    /// G.711 companding on the line: alaw or ulaw.
    #[arg(long)]
    law: Option<String>,
    /// Carry the fax over T.38 instead of audio.
    #[arg(long)]
    t38: bool,
    /// T.38 packet loss in percent.
    #[arg(long, default_value_t = 0.0, requires = "t38")]
    loss: f32,
    /// UDPTL redundancy depth for T.38 (previous packets carried in each datagram).
    #[arg(long, default_value_t = 3, requires = "t38")]
    redundancy: u8,
    /// Cut the call after the receiver has this many pages.
    #[arg(long)]
    drop_after: Option<u32>,
    /// Directory for the received TIFF and PDF.
    #[arg(long, short = 'o', default_value = "fax-loop-out")]
    out: PathBuf,
    /// Print every session event.
    #[arg(long, short = 'v')]
    verbose: bool,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Fax calls per core in real time, against the raw bound.
    Channels(ChannelsArgs),
    /// Messages per second the SMTP connector accepts durably, against
    /// Postfix with its queue, both fed by smtp-source (run from the
    /// repository root, as root).
    Smtp(SmtpArgs),
    /// PDF pages per CPU-second against Ghostscript's tiffg4 device, and
    /// received TIFF-F to PDF against tiff2pdf (documents made by groff,
    /// ImageMagick and img2pdf at the start).
    Render(RenderBenchArgs),
    /// Concurrent SIP fax calls (G.711 or T.38) between our SIP lines on
    /// loopback, one pinned core: calls carried in real time, against
    /// the loopback fax engine's figure measured in the same run.
    Sip(SipBenchArgs),
    /// Concurrent fax calls over ISDN B-channels of the remote-CAPI
    /// controller simulator (our native client), one pinned core: calls
    /// carried in real time, against the loopback fax engine's figure
    /// measured in the same run.
    Capi(CapiBenchArgs),
    /// Tick lateness of fax calls in progress while incoming faxes are
    /// received and delivered as mail with previews, against the same calls
    /// alone, in the same run (the daemon's media loop and work pool).
    Media(MediaBenchArgs),
    /// The web journal: a filtered page of 50 over 100 000 messages against
    /// a raw read of the same records, and the media loop's tick lateness
    /// with 0 and 20 browsers following live rows, in the same run.
    Web(WebBenchArgs),
    /// SMS per second through our GSM driver and the modem simulator on a
    /// pty, with the CPU per SMS, against gammu sending the same texts
    /// through the same simulator in the same run.
    Sms(SmsBenchArgs),
}

#[derive(Args)]
struct SmsBenchArgs {
    /// SMS each side sends (gammu takes some 0.7 s each).
    #[arg(long, default_value_t = 100)]
    count: usize,
}

#[derive(Args)]
struct WebBenchArgs {
    /// Messages in the journal's store.
    #[arg(long, default_value_t = 100_000)]
    messages: u64,
    /// Journal pages asked.
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// Browsers following live rows.
    #[arg(long, default_value_t = 20)]
    followers: usize,
    /// Outgoing fax calls kept in progress in the live part.
    #[arg(long, default_value_t = 32)]
    calls: usize,
    /// Seconds of each live phase (0 followers, then the followers).
    #[arg(long, default_value_t = 60)]
    phase_secs: u64,
}

#[derive(Args)]
struct MediaBenchArgs {
    /// Outgoing fax calls kept in progress.
    #[arg(long, default_value_t = 32)]
    calls: usize,
    /// Incoming faxes received and delivered in the second phase.
    #[arg(long, default_value_t = 8)]
    faxes: usize,
    /// Fine A4 pages per incoming fax.
    #[arg(long, default_value_t = 10)]
    pages: u32,
    /// Seconds of the first phase (the calls alone).
    #[arg(long, default_value_t = 60)]
    alone_secs: u64,
    /// The second phase gives up after this many seconds.
    #[arg(long, default_value_t = 900)]
    limit_secs: u64,
}

#[derive(Args)]
struct CapiBenchArgs {
    /// Seconds per real-time step (and per trial of the loopback anchor).
    /// A call of 2 fine pages takes about 80 s and starts are spread over
    /// 10 s: a step fails unless every call completed a fax, so steps
    /// under some 95 s fail.
    #[arg(long, default_value_t = 120)]
    trial_secs: u64,
    /// Largest number of concurrent calls to try (two B-channels each).
    #[arg(long, default_value_t = 1024)]
    max_calls: usize,
    /// First number of concurrent calls tried (the search doubles from
    /// here).
    #[arg(long, default_value_t = 4)]
    min_calls: usize,
}

#[derive(Args)]
struct SipBenchArgs {
    /// Seconds per real-time step (a call of 2 fine pages takes about 80 s
    /// and starts are spread over 10 s: a step fails unless every call
    /// completed a fax, so steps under some 95 s fail).
    #[arg(long, default_value_t = 120)]
    trial_secs: u64,
    /// Largest number of concurrent calls to try.
    #[arg(long, default_value_t = 1024)]
    max_calls: usize,
    /// First number of concurrent calls tried (the search doubles from
    /// here; equal to --max-calls: one step of that many calls).
    #[arg(long, default_value_t = 1)]
    min_calls: usize,
    /// First SIP port (2 per call). The default keeps 1024 calls below
    /// the kernel's ephemeral ports (32768 and up on Linux).
    #[arg(long, default_value_t = 10000)]
    sip_port: u16,
    /// First RTP port (8 per call): 12000 + 8 N stays below 32768 up to
    /// 2595 calls.
    #[arg(long, default_value_t = 12000)]
    rtp_port: u16,
    /// Failpoint: stall the media thread once per step for this many ms
    /// (as a VM host does now and then); its late ticks are reported
    /// apart, the faxes must still complete.
    #[arg(long)]
    stall_ms: Option<u64>,
    /// Seconds into each step at which --stall-ms strikes (page data).
    #[arg(long, default_value_t = 40)]
    stall_at_secs: u64,
    /// Seconds per trial of the loopback engine's search (default: those
    /// of a step, --trial-secs: the anchor runs the same calls from their
    /// start for as long, page starts and ends included, which a trial
    /// shorter than a call leaves out).
    #[arg(long)]
    loopback_trial_secs: Option<u64>,
    /// T.38 calls instead of G.711.
    #[arg(long)]
    t38: bool,
    /// Run the search again with SRTP on both trunks and set it against
    /// the plain one (instead of the loopback anchor).
    #[arg(long)]
    srtp: bool,
}

#[derive(Args)]
struct RenderBenchArgs {
    #[arg(long, default_value_t = 50)]
    text_pages: usize,
    #[arg(long, default_value_t = 10)]
    photo_pages: usize,
    /// Runs of each measurement; the one with the least CPU time counts.
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

#[derive(Args)]
struct SmtpArgs {
    #[arg(long, default_value_t = 5000)]
    messages: u32,
    #[arg(long, default_value_t = 20)]
    size_kb: u32,
    #[arg(long, default_value_t = 10)]
    sessions: u32,
}

#[derive(Args)]
struct ChannelsArgs {
    /// Seconds per real-time trial.
    #[arg(long, default_value_t = 10)]
    trial_secs: u64,
    /// Media seconds each workload runs off the clock before it is measured.
    #[arg(long, default_value_t = 30)]
    warm_up_secs: u64,
    /// Calls in the first raw-bound probe.
    #[arg(long, default_value_t = 32)]
    probe_calls: usize,
    /// Largest number of calls to try.
    #[arg(long, default_value_t = 4000)]
    max_calls: usize,
    /// Measure T.38 calls instead of audio.
    #[arg(long)]
    t38: bool,
}

#[path = "cli/bench_calls.rs"]
mod bench_calls;
use bench_calls::{bench_capi, bench_channels, bench_sip};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::FaxLoop(args) => fax_loop(args),
        Command::Bench(BenchCommand::Channels(args)) => bench_channels(args),
        Command::Bench(BenchCommand::Smtp(args)) => bench_smtp(args),
        Command::Bench(BenchCommand::Render(args)) => bench_render(args),
        Command::Bench(BenchCommand::Sip(args)) => bench_sip(args),
        Command::Bench(BenchCommand::Sms(args)) => bench_sms(args),
        Command::Bench(BenchCommand::Capi(args)) => bench_capi(args),
        Command::Bench(BenchCommand::Media(args)) => bench_media(args),
        Command::Bench(BenchCommand::Web(args)) => bench_web(args),
        Command::Serve(args) => serve(args),
        Command::Render(args) => Ok(gateway::render_cmd::run(&args)),
        Command::CheckConfig(args) => check_config(args),
        Command::Modem(ModemCommand::Probe(args)) => modem_probe(args),
        Command::Client(cmd) => return gateway::client::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ums: {e}");
            ExitCode::from(2)
        }
    }
}

type CliResult = Result<ExitCode, Box<dyn std::error::Error>>;

fn modem_probe(args: ModemProbeArgs) -> CliResult {
    match gateway::modem_probe::probe(&args.device, args.speed, !args.no_flow_control) {
        Ok(text) => {
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("ums modem probe: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

fn fax_loop(args: FaxLoopArgs) -> CliResult {
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let resolution = if args.standard {
        Resolution::Standard
    } else {
        Resolution::Fine
    };
    let document = match (&args.file, args.demo) {
        (Some(file), _) => PageSource::Tiff(document::select_pages(
            file,
            args.pages,
            &args.out.join("sent.tif"),
        )?),
        (None, true) => PageSource::Pages {
            pages: document::demo_pages(args.pages.unwrap_or(3), resolution),
            spool: args.out.join("sent.tif"),
        },
        (None, false) => return Err("give a TIFF file to send, or --demo".into()),
    };
    let rx_file = args.out.join("received.tif");
    let _ = std::fs::remove_file(&rx_file);
    let mut setup = CallSetup::new(document, rx_file.clone());
    let rate = MaxRate::from_bps(args.rate)?;
    for o in [&mut setup.sender, &mut setup.receiver] {
        o.ecm = args.ecm;
        o.max_rate = rate;
    }
    let law = match args.law.as_deref() {
        None => None,
        Some("alaw") => Some(fax_t30::g711::Law::ALaw),
        Some("ulaw") => Some(fax_t30::g711::Law::MuLaw),
        Some(other) => return Err(format!("--law {other}: use alaw or ulaw").into()),
    };
    setup.impairments = Impairments {
        law,
        snr_db: args.snr,
        attenuation_db: args.attenuation,
        clock_drift_ppm: args.drift,
        t38_loss: args.loss / 100.0,
        t38_redundancy: args.redundancy,
        ..Impairments::CLEAN
    };
    setup.t38 = args.t38.then(T38Options::default);
    setup.drop_after_pages = args.drop_after;

    let report = faxloop::run_simulated(setup)?;
    if args.verbose {
        for (t, side, ev) in &report.events {
            let who = match side {
                Side::Sender => "tx",
                Side::Receiver => "rx",
            };
            match ev {
                FaxEvent::Finished(_) => {}
                ev => outln!("{:>8.2}s {who} {ev:?}", t.as_secs_f64()),
            }
        }
    }
    let Some(tx) = &report.sender else {
        let cause = report
            .line_cause
            .map_or("no answer".to_string(), |c| c.text().to_string());
        outln!("outcome   FAILED: the call did not connect: {cause}");
        return Ok(ExitCode::from(1));
    };
    outln!("outcome   {}", if tx.success { "SENT" } else { "FAILED" });
    outln!("result    {} ({})", tx.summary(), tx.code.name());
    outln!(
        "pages     {} of {} confirmed",
        tx.pages_confirmed,
        tx.pages_total.map_or("?".into(), |t| t.to_string())
    );
    outln!(
        "rate      {} bit/s{}",
        tx.bit_rate,
        if tx.ecm { ", ECM" } else { "" }
    );
    outln!(
        "duration  {:.1} s of line time",
        report.media_time.as_secs_f64()
    );
    if let Some(rx) = &report.receiver {
        outln!("receiver  {} ({})", rx.summary(), rx.code.name());
        for p in &rx.received_pages {
            outln!(
                "received  page {}: {} rows, {} bad{}",
                p.number,
                p.rows,
                p.bad_rows,
                if p.partial { ", partial" } else { "" }
            );
        }
        if let Some(file) = &rx.file {
            outln!("tiff      {}", file.display());
            match document::received_pdf(file) {
                Ok(pdf) => outln!("pdf       {}", pdf.display()),
                Err(e) => outln!("pdf       not written: {e}"),
            }
        }
    }
    Ok(if tx.success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn bench_media(args: MediaBenchArgs) -> CliResult {
    let cfg = gateway::bench_media::MediaBench {
        calls: args.calls,
        faxes: args.faxes,
        pages: args.pages,
        alone: std::time::Duration::from_secs(args.alone_secs),
        limit: std::time::Duration::from_secs(args.limit_secs),
        work_dir: gateway::bench_media::work_dir(&std::env::temp_dir()),
    };
    let r = gateway::bench_media::run(&cfg);
    let _ = std::fs::remove_dir_all(&cfg.work_dir);
    let r = r?;
    out!("{}", gateway::bench_media::report(&cfg, &r));
    if r.delivered < cfg.faxes {
        return Err(format!(
            "only {} of {} incoming faxes were delivered in {} s",
            r.delivered, cfg.faxes, args.limit_secs
        )
        .into());
    }
    Ok(ExitCode::SUCCESS)
}

fn bench_sms(args: SmsBenchArgs) -> CliResult {
    let b = gateway::bench_sms::SmsBench {
        count: args.count,
        work_dir: gateway::bench_sms::work_dir(),
    };
    let r = gateway::bench_sms::run(&b);
    gateway::bench_sms::clean(&b.work_dir);
    out!("{}", gateway::bench_sms::report(&r?));
    Ok(ExitCode::SUCCESS)
}

fn bench_web(args: WebBenchArgs) -> CliResult {
    let work_dir = std::env::temp_dir().join(format!("ums-bench-web-{}", std::process::id()));
    let cfg = gateway::bench_web::WebBench {
        messages: args.messages,
        samples: args.samples,
        followers: args.followers,
        media: gateway::bench_media::MediaBench {
            calls: args.calls,
            faxes: 0,
            pages: 0,
            alone: std::time::Duration::from_secs(args.phase_secs),
            limit: std::time::Duration::from_secs(args.phase_secs),
            work_dir: work_dir.join("live"),
        },
        work_dir: work_dir.clone(),
    };
    let r =
        gateway::bench_web::journal(&cfg).and_then(|j| Ok((j, gateway::bench_web::live(&cfg)?)));
    let _ = std::fs::remove_dir_all(&work_dir);
    let (j, l) = r?;
    out!("{}", gateway::bench_web::report(&cfg, &j, &l));
    Ok(ExitCode::SUCCESS)
}

fn bench_smtp(args: SmtpArgs) -> CliResult {
    let b = gateway::bench_smtp::SmtpBench {
        messages: args.messages,
        size_kb: args.size_kb,
        sessions: args.sessions,
        postfix_port: 2791,
        gateway_port: 2793,
        scripts: std::env::current_dir()?.join("scripts/postfix"),
    };
    outln!(
        "bench smtp: {} messages of {} kB, {} sessions (smtp-source, one connection per message)",
        b.messages,
        b.size_kb,
        b.sessions
    );
    let r = gateway::bench_smtp::run(&b)?;
    outln!(
        "postfix    {:.0} messages/s (queued durably)",
        r.postfix_rate
    );
    outln!(
        "gateway    {:.0} messages/s (stored and flushed before 250)",
        r.gateway_rate
    );
    outln!(
        "render     {} of {} fax mails rendered, the last {:.1} s after the last 250 (render pool)",
        r.rendered,
        b.messages,
        r.render_drain_secs
    );
    let ratio = r.gateway_rate / r.postfix_rate;
    outln!(
        "ratio      {ratio:.2} of Postfix (goal 2.00): {}",
        if ratio >= 2.0 { "met" } else { "NOT met" }
    );
    Ok(ExitCode::SUCCESS)
}

fn bench_render(args: RenderBenchArgs) -> CliResult {
    let b = gateway::bench_render::RenderBench {
        work_dir: std::env::temp_dir().join(format!("ums-bench-render-{}", std::process::id())),
        text_pages: args.text_pages,
        photo_pages: args.photo_pages,
        runs: args.runs,
    };
    outln!(
        "bench render: {}-page text PDF (groff 10 pt) and {}-page photo PDF (A4 300 dpi JPEG) to A4 fine T.6 TIFF-F, ours (hayro) vs gs -sDEVICE=tiffg4",
        b.text_pages, b.photo_pages
    );
    let result = gateway::bench_render::run(&b);
    let _ = std::fs::remove_dir_all(&b.work_dir);
    for line in gateway::bench_render::report(&result?) {
        outln!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

fn check_config(args: CheckConfigArgs) -> CliResult {
    Ok(gateway::serve::check_config(&args.config))
}

fn serve(args: ServeArgs) -> CliResult {
    let web = match args.web.as_deref() {
        None => None,
        Some("off") => Some(None),
        Some(a) => Some(Some(a.parse().map_err(|_| {
            format!("--web {a}: give an address (127.0.0.1:8025) or off")
        })?)),
    };
    gateway::serve::run(gateway::serve::ServeOptions {
        web,
        config: args.config,
        data: args.data,
        smtp: args.smtp,
        users: args.users,
        smart_host: args.smart_host,
        metrics: args.metrics,
    })
}
