//! `ums bench sms`: SMS per second through our GSM driver (`GsmModem`:
//! the engine on tokio-serial) and the modem simulator on ptys, against
//! gammu sending the same texts through the same simulator in the same
//! run (`gammu batch`, one connection for all, its fastest way), with the
//! CPU per SMS of each. The simulator is the tests' one copy
//! (line-drivers/tests/gsm_sim), compiled in here; its network takes no
//! time (`delay` 0) and its pty thread polls every 3 ms, the same for
//! both.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use line_drivers::gsm::{GsmConfig, GsmEvent, GsmModemConfig, GsmSpec};
use line_drivers::modem::serial::SerialSettings;

#[path = "../../line-drivers/tests/gsm_sim/mod.rs"]
mod gsm_sim;

/// Where the texts go (no modem has it: the SMSC drops them).
const TO: &str = "+4930999";

/// The run's settings.
pub struct SmsBench {
    /// SMS each side sends.
    pub count: usize,
    /// gammu's config and batch file go here.
    pub work_dir: PathBuf,
}

/// One side's figures.
#[derive(Debug, Clone, Copy)]
pub struct Side {
    pub sms: usize,
    pub secs: f64,
    /// CPU seconds of the sender (ours: the whole process less the
    /// simulator's share measured while gammu ran; gammu: its process).
    pub cpu: f64,
}

impl Side {
    fn rate(&self) -> f64 {
        self.sms as f64 / self.secs
    }
    fn cpu_per_sms_ms(&self) -> f64 {
        1000.0 * self.cpu / self.sms as f64
    }
}

/// Both sides.
pub struct SmsResult {
    pub ours: Side,
    pub gammu: Side,
    /// CPU seconds per second of the simulator (measured while gammu ran).
    pub sim_load: f64,
}

#[allow(clippy::disallowed_methods)] // bench shell: the real clock
fn clock() -> Instant {
    Instant::now()
}

fn cpu(who: nix::sys::resource::UsageWho) -> f64 {
    nix::sys::resource::getrusage(who).map_or(0.0, |u| {
        let t = |v: nix::sys::time::TimeVal| v.tv_sec() as f64 + v.tv_usec() as f64 / 1e6;
        t(u.user_time()) + t(u.system_time())
    })
}

fn text(i: usize) -> String {
    format!("Benchmark SMS number {i}: the quick brown fox jumps over the lazy dog.")
}

/// Run both sides.
pub fn run(b: &SmsBench) -> Result<SmsResult, String> {
    use nix::sys::resource::UsageWho::{RUSAGE_CHILDREN, RUSAGE_SELF};
    std::fs::create_dir_all(&b.work_dir).map_err(|e| e.to_string())?;
    let mut net = gsm_sim::Network::new(&["+4930100", "+4930200"]);
    net.delay = Duration::ZERO;
    let sim = net.on_ptys();

    // gammu first (the simulator's own load measured alongside).
    let rc = b.work_dir.join("gammurc");
    std::fs::write(
        &rc,
        format!(
            "[gammu]\ndevice = {}\nconnection = at\n{}",
            sim.devices[1].display(),
            // UMS_BENCH_SMS_GAMMU_LOG=FILE: gammu's log, with times.
            std::env::var("UMS_BENCH_SMS_GAMMU_LOG")
                .map(|f| format!("logformat = textalldate\nlogfile = {f}\n"))
                .unwrap_or_default()
        ),
    )
    .map_err(|e| e.to_string())?;
    let batch = b.work_dir.join("batch");
    let mut f = std::fs::File::create(&batch).map_err(|e| e.to_string())?;
    for i in 0..b.count {
        writeln!(f, "sendsms TEXT {TO} -text \"{}\"", text(i)).map_err(|e| e.to_string())?;
    }
    drop(f);
    let (self0, child0, t0) = (cpu(RUSAGE_SELF), cpu(RUSAGE_CHILDREN), clock());
    let out = std::process::Command::new("gammu")
        .arg("-c")
        .arg(&rc)
        .arg("batch")
        .arg(&batch)
        .output()
        .map_err(|e| format!("gammu (scripts/setup.sh installs it): {e}"))?;
    let gammu_secs = clock().duration_since(t0).as_secs_f64();
    let gammu_cpu = cpu(RUSAGE_CHILDREN) - child0;
    let sim_load = (cpu(RUSAGE_SELF) - self0) / gammu_secs;
    let sent_by_gammu = sim.net.lock().map_err(|e| e.to_string())?.modems[1].sends as usize;
    if !out.status.success() || sent_by_gammu < b.count {
        return Err(format!(
            "gammu sent {sent_by_gammu} of {}: {}",
            b.count,
            String::from_utf8_lossy(&out.stderr)
        ));
    }

    // Ours: the same texts through GsmModem on the other pty.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let spec = GsmSpec {
        modem: GsmModemConfig {
            name: "gsm/bench".into(),
            engine: GsmConfig::default(),
            max_parts: 1,
            status_reports: false,
            validity: None,
        },
        serial: SerialSettings {
            path: sim.devices[0].display().to_string(),
            speed: 115_200,
            hardware_flow: false,
        },
        number: "4930100".into(),
    };
    let mut modem = spec.open(rt.handle().clone(), clock());
    let ready_by = clock() + Duration::from_secs(20);
    while !modem.engine().is_ready() {
        if clock() > ready_by {
            return Err(format!(
                "our GSM line did not start: {:?}",
                modem.engine().out_of_service()
            ));
        }
        modem.tick(clock());
        while modem.poll_event().is_some() {}
        std::thread::sleep(Duration::from_millis(1));
    }
    let (self0, t0) = (cpu(RUSAGE_SELF), clock());
    for i in 0..b.count {
        modem
            .send_text(i as u64, TO, &text(i), clock())
            .map_err(|e| e.to_string())?;
    }
    let (mut sent, mut failed) = (0, 0);
    let give_up = clock() + Duration::from_secs(600);
    while sent + failed < b.count && clock() < give_up {
        modem.tick(clock());
        while let Some(e) = modem.poll_event() {
            match e {
                GsmEvent::Sent { .. } => sent += 1,
                GsmEvent::SendFailed { .. } => failed += 1,
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let secs = clock().duration_since(t0).as_secs_f64();
    let ours_cpu = (cpu(RUSAGE_SELF) - self0 - sim_load * secs).max(0.0);
    if sent < b.count {
        return Err(format!(
            "our line sent {sent} of {} ({failed} failed)",
            b.count
        ));
    }
    Ok(SmsResult {
        ours: Side {
            sms: sent,
            secs,
            cpu: ours_cpu,
        },
        gammu: Side {
            sms: b.count,
            secs: gammu_secs,
            cpu: gammu_cpu,
        },
        sim_load,
    })
}

/// The figures in words.
pub fn report(r: &SmsResult) -> String {
    let (o, g) = (r.ours, r.gammu);
    format!(
        "ums bench sms: {} SMS each through the GSM modem simulator on a pty\n\
         \x20 ums (GsmModem):  {:>7.1} SMS/s, {:.3} ms CPU per SMS\n\
         \x20 gammu batch:     {:>7.1} SMS/s, {:.3} ms CPU per SMS\n\
         \x20 the simulator:   {:.1} % of a core (taken off ours)\n\
         \x20 ratio: {:.2}x gammu's rate, {:.2} of its CPU per SMS\n",
        o.sms,
        o.rate(),
        o.cpu_per_sms_ms(),
        g.rate(),
        g.cpu_per_sms_ms(),
        100.0 * r.sim_load,
        o.rate() / g.rate(),
        o.cpu_per_sms_ms() / g.cpu_per_sms_ms().max(1e-9),
    )
}

/// A scratch directory for one run.
pub fn work_dir() -> PathBuf {
    std::env::temp_dir().join(format!("ums-bench-sms-{}", std::process::id()))
}

/// Remove the run's files.
pub fn clean(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}
