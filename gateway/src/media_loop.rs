//! The media thread's work as a type: [`MediaLoop`] owns the lines (our
//! loopback lines on the simulated network, the SIP trunks and their
//! channels), the simulated network and the runner, and advances them by
//! one 20 ms step in [`MediaLoop::tick`]. Everything from outside comes in
//! through one channel of [`MediaControl`]s; what people must hear about
//! leaves as message ids for the work pool (`handoff`), each already marked
//! in its stored record.
//!
//! The daemon's media thread (`daemon::start`) is a thin shell around it:
//! the real-time ticker, the watchdog, the metrics. Tests drive the same
//! type on a simulated clock (`tests/bin/crash_harness.rs`, with the work
//! pool and outbound delivery around it).
//!
//! ```text
//!   control channel ── Adopt ids · Routing · Trunks · Drain · Request ──▶ handle
//!   every 20 ms: tick(now, wall)
//!       simulated network ─ trunks (sockets) ─ runner (calls, jobs, store)
//!       runner.take_handoffs() ──▶ handoff(id) ──▶ kernel::work::WorkPool
//! ```
//!
//! Nothing here decodes, renders, builds mail or waits on disk beyond the
//! runner's own record writes (and the received document synced before its
//! record).

use std::path::{Path, PathBuf};
use std::time::Instant;

use kernel::job::RetryPolicy;
use kernel::message::{MessageId, Timestamp};
use kernel::numbering::NumberingPlan;
use kernel::routing::Router;
use kernel::runner::{InboundConfig, LineSpec, Runner, RunnerConfig};
use kernel::store::{Store, StoreError};
use line_drivers::capi::supervised::{CapiLineState, CapiSection, CapiSpec};
use line_drivers::modem::{ModemLineState, ModemSpec, SharedModemLine};
use line_drivers::sip::{SipTrunk, SipTrunkConfig};
use line_drivers::Line;

use crate::daemon::StartError;
use crate::simnet::{MediaRequest, SimNet};

/// What comes in to the media loop, through one channel.
pub enum MediaControl {
    /// New outgoing messages stored by someone else (SMTP, the render
    /// pool): the runner takes them from the store.
    Adopt(Vec<MessageId>),
    /// New inbound routing (a reload).
    Routing(Box<Router>, NumberingPlan),
    /// The `[[trunk]]` sections of a reload.
    Trunks(Vec<SipTrunkConfig>),
    /// Start no more calls (a stop).
    Drain,
    /// A request of the control socket (`ums status`, cancel, simulate).
    Request(MediaRequest),
}

/// What the media loop is made of.
pub struct MediaConfig {
    /// Our loopback lines (their numbers on the simulated network).
    pub lines: Vec<String>,
    /// Bound first (a port in use stops the start).
    pub sip_trunks: Vec<SipTrunkConfig>,
    /// Class 1 fax modems (`[[modem]]`); their ports are driven by tasks
    /// on `runtime` (without one, none is opened).
    pub modems: Vec<ModemSpec>,
    /// GSM modems (`[[gsm]]`): SMS both ways; ports on `runtime` too.
    pub gsm: Vec<line_drivers::gsm::GsmSpec>,
    /// How long a sent SMS waits for its status reports.
    pub sms_report_wait: std::time::Duration,
    /// ISDN controllers through CAPI (`[[capi]]`): each section one
    /// application that connects (and reconnects) on its own, each
    /// B-channel used a line of it.
    pub capis: Vec<CapiSpec>,
    pub runtime: Option<tokio::runtime::Handle>,
    /// Where trunks keep their T.38 memory.
    pub data_dir: PathBuf,
    /// Numbers with a virtual fax machine from the start.
    pub virtual_fax_numbers: Vec<String>,
    pub retry: RetryPolicy,
    pub ident: String,
    pub header: Option<String>,
    /// Received documents go here.
    pub spool: PathBuf,
    pub plan: NumberingPlan,
    /// Inbound routing; `None`: incoming calls are refused.
    pub router: Option<Router>,
    /// The simulated network's fax machines keep what they get here.
    pub network_dir: PathBuf,
    pub voice: kernel::voice::VoiceSettings,
    /// At most this many outgoing calls at once per line group (the
    /// loopback lines are group `default`, a trunk's `trunk:<name>`): lines
    /// kept free for incoming calls. Empty: no limit.
    pub group_limits: std::collections::BTreeMap<String, usize>,
}

/// A SIP trunk on the media thread.
struct RunningTrunk {
    cfg: SipTrunkConfig,
    trunk: SipTrunk,
    /// Its lines' names in the runner.
    lines: Vec<line_drivers::LineId>,
    /// Removed or changed by a reload: ends once its calls have.
    retiring: bool,
}

/// See the module docs. Not `Send`: the lines share their exchange and
/// trunk sockets through `Rc`, so it is built on the thread that runs it.
pub struct MediaLoop {
    net: SimNet,
    runner: Runner,
    /// The SIP trunks of `[[trunk]]`, ticked before the runner.
    sip: Vec<RunningTrunk>,
    /// Trunks of a reload waiting for the trunk of the same name to end.
    sip_pending: Vec<SipTrunkConfig>,
    /// The modem lines, ticked before the runner, with the state each
    /// had at the last tick (a change is logged).
    modems: Vec<(SharedModemLine, ModemLineState)>,
    /// The GSM lines, ticked before the runner.
    gsm: Vec<crate::gsm_lines::GsmLine>,
    /// The CAPI sections (one application each, ticked once for all
    /// its lines), likewise.
    capi: Vec<(CapiSection, CapiLineState)>,
    data_dir: PathBuf,
    /// The forms of the site's base number (the simulated caller's
    /// `--to`).
    base_forms: Vec<String>,
    /// Where hand-overs go (the work pool).
    handoff: Box<dyn FnMut(MessageId)>,
}

impl MediaLoop {
    /// Bind the trunks (at `media_now`), build the simulated network and
    /// the runner on `store`. A trunk that cannot bind its ports, a
    /// network directory that cannot be made or a store that cannot be
    /// read stops the start.
    pub fn new(
        mut c: MediaConfig,
        store: Store,
        media_now: Instant,
        wall: Timestamp,
        handoff: Box<dyn FnMut(MessageId)>,
    ) -> Result<MediaLoop, StartError> {
        let cfgs: Vec<SipTrunkConfig> = std::mem::take(&mut c.sip_trunks)
            .into_iter()
            .map(|t| with_memory_file(t, &c.data_dir))
            .collect();
        let mut trunks = Vec::new();
        for cfg in cfgs {
            let trunk = bind(&cfg, media_now)
                .map_err(|e| StartError::Trunk(cfg.line.trunk.name.clone(), e))?;
            trunks.push((cfg, trunk));
        }
        let media = |e: String| StartError::Media(std::io::Error::other(e));
        let mut net = SimNet::new(c.network_dir.clone()).map_err(media)?;
        let mut lines = Vec::new();
        for n in &c.lines {
            lines.push(LineSpec::from(net.add_our_line(n).map_err(media)?));
        }
        for n in &c.virtual_fax_numbers {
            net.add_machine(n).map_err(media)?;
        }
        let mut sip = Vec::new();
        for (cfg, trunk) in trunks {
            let specs = trunk_lines(&trunk);
            sip.push(RunningTrunk {
                cfg,
                lines: specs.iter().map(|s| s.line.id().clone()).collect(),
                trunk,
                retiring: false,
            });
            lines.extend(specs);
        }
        let mut modems = Vec::new();
        if let Some(rt) = &c.runtime {
            for spec in &c.modems {
                let line = SharedModemLine::new(spec.open(rt.clone(), media_now));
                modems.push((line.clone(), ModemLineState::Probing));
                lines.push(LineSpec {
                    line: Box::new(line),
                    group: spec.group.clone(),
                });
            }
        }
        let gsm = match &c.runtime {
            Some(rt) => (c.gsm.iter())
                .map(|spec| {
                    crate::gsm_lines::GsmLine::open(spec, rt.clone(), c.sms_report_wait, media_now)
                })
                .collect(),
            None => Vec::new(),
        };
        let mut capi = Vec::new();
        for spec in &c.capis {
            let section = spec.open();
            for line in section.lines() {
                lines.push(LineSpec {
                    line: Box::new(line.clone()),
                    group: spec.group.clone(),
                });
            }
            capi.push((section, CapiLineState::Connecting));
        }
        let config = RunnerConfig {
            policy: c.retry.clone(),
            ident: c.ident.clone(),
            header: Some(c.header.clone().unwrap_or_else(|| c.ident.clone())),
            group_limits: c.group_limits.clone(),
            ..RunnerConfig::default()
        };
        let mut runner = Runner::new(store, config, lines, wall)?;
        if let Some(router) = c.router.take() {
            runner = runner.with_inbound(InboundConfig {
                router,
                plan: c.plan.clone(),
                spool: c.spool.clone(),
                ident: c.ident.clone(),
            });
        }
        // Used on lines that carry audio (not the loopback fax lines).
        let runner = runner.with_voice(c.voice.clone());
        let mut ml = MediaLoop {
            net,
            runner,
            sip,
            sip_pending: Vec::new(),
            modems,
            gsm,
            capi,
            data_dir: c.data_dir.clone(),
            base_forms: crate::simnet::base_forms(&c.plan),
            handoff,
        };
        // Jobs resolved at start (a call cut by a crash) owe their notices.
        ml.hand_over();
        Ok(ml)
    }

    /// Carry out what came in through the control channel.
    pub fn handle(&mut self, c: MediaControl, wall: Timestamp) {
        match c {
            MediaControl::Adopt(ids) => {
                if let Err(e) = self.runner.adopt(&ids) {
                    crate::ulog!(Err, "store-read-failed", "store read failed: {e}");
                }
            }
            MediaControl::Routing(router, plan) => {
                if let Some(inbound) = self.runner.inbound_mut() {
                    inbound.router = *router;
                    inbound.plan = plan;
                }
            }
            MediaControl::Trunks(cfgs) => self.reload_trunks(cfgs),
            MediaControl::Drain => self.runner.drain(),
            // `ums status`: the runner's lines and the GSM lines.
            MediaControl::Request(MediaRequest::Status(reply)) => {
                let mut lines = self.runner.line_states();
                for g in &self.gsm {
                    g.status(&mut lines);
                }
                let _ = reply.send(lines);
            }
            MediaControl::Request(request) => {
                (self.net).handle(request, &mut self.runner, &self.base_forms, wall);
            }
        }
        self.hand_over();
    }

    /// One 20 ms step: the simulated network, the trunks, the runner; then
    /// the hand-overs. A store write that fails is the error (the runner
    /// goes on at the next tick; what was not written is done again).
    pub fn tick(&mut self, now: Instant, wall: Timestamp) -> Result<(), StoreError> {
        self.net.tick(now);
        self.swap_trunks(now);
        for t in &self.sip {
            t.trunk.tick(now);
            // A channel out of service (ports taken at bind, a socket failed
            // or flooded): one log line; the trunk's others carry on.
            while let Some(f) = t.trunk.poll_fault() {
                crate::ulog!(Err, "sip-channel-out-of-service", "{f}");
            }
            // A call refused for its media (SRTP policy, codecs): the
            // reason, which the peer saw only as a 488 or a BYE.
            // The trunk's TCP/TLS connections: a failed handshake and
            // why, a connection lost, a reconnect.
            while let Some(n) = t.trunk.poll_notice() {
                crate::ulog!(Warning, "sip-transport", "trunk {}: {n}", t.trunk.name());
            }
            while let Some(r) = t.trunk.poll_refusal() {
                crate::ulog!(
                    Warning,
                    "sip-media-refused",
                    "trunk {}: {r}",
                    t.trunk.name()
                );
            }
        }
        for (m, seen) in &mut self.modems {
            m.tick(now);
            let state = m.with(|l| l.state().clone());
            if state != *seen {
                log_modem(m, &state);
                *seen = state;
            }
        }
        for g in &mut self.gsm {
            g.tick(&mut self.runner, now, wall);
        }
        for (section, seen) in &mut self.capi {
            section.tick(now);
            let state = section.state();
            if state != *seen {
                log_capi(section, &state);
                *seen = state;
            }
        }
        let r = self.runner.tick(now, wall);
        // The audio the runner gave the CAPI lines: one write per section.
        for (section, _) in &self.capi {
            section.flush();
        }
        self.hand_over();
        r
    }

    fn hand_over(&mut self) {
        for h in self.runner.take_handoffs() {
            (self.handoff)(h.id());
        }
    }

    /// Each GSM line: in service, and its signal (dBm) if known (metrics).
    pub fn gsm_states(&self) -> impl Iterator<Item = (bool, Option<i16>)> + '_ {
        self.gsm.iter().map(|g| g.state())
    }

    /// Each modem line's name and whether it is in service (metrics).
    pub fn modems_in_service(&self) -> impl Iterator<Item = (String, bool)> + '_ {
        (self.modems.iter()).map(|(m, s)| (m.id().to_string(), *s == ModemLineState::InService))
    }

    /// Whether each CAPI line is in service, in `[[capi]]` order (metrics).
    pub fn capi_in_service(&self) -> impl Iterator<Item = bool> + '_ {
        (self.capi.iter()).flat_map(|(c, s)| {
            c.lines()
                .iter()
                .map(move |_| *s == CapiLineState::InService)
        })
    }

    /// Calls in progress on our lines.
    pub fn calls_in_progress(&self) -> usize {
        self.runner.calls_in_progress()
    }

    /// Whether each line has a call, in line order (for the metrics).
    pub fn lines_busy(&self) -> impl Iterator<Item = bool> + '_ {
        self.runner.lines_busy()
    }

    /// The runner (tests look at its state).
    pub fn runner(&self) -> &Runner {
        &self.runner
    }

    /// A reload's trunks: a running trunk that is gone or changed is
    /// retired (no new calls; it ends when its calls have); a new or
    /// changed one starts once no trunk of its name runs.
    fn reload_trunks(&mut self, cfgs: Vec<SipTrunkConfig>) {
        let cfgs: Vec<_> = (cfgs.into_iter())
            .map(|c| with_memory_file(c, &self.data_dir))
            .collect();
        for t in self.sip.iter_mut().filter(|t| !t.retiring) {
            if !cfgs.contains(&t.cfg) {
                t.retiring = true;
                t.trunk.retire();
                crate::ulog!(
                    Notice,
                    "trunk-retiring",
                    "trunk {} takes no new calls and stops when its calls end",
                    t.cfg.line.trunk.name
                );
            }
        }
        self.sip_pending = cfgs
            .into_iter()
            .filter(|c| !self.sip.iter().any(|t| !t.retiring && t.cfg == *c))
            .collect();
    }

    /// Ends retired trunks whose calls are over; starts pending trunks
    /// whose name is free.
    fn swap_trunks(&mut self, now: Instant) {
        let runner = &mut self.runner;
        self.sip.retain(|t| {
            if !t.retiring || !t.trunk.is_idle() {
                return true;
            }
            let gone = t.lines.iter().all(|id| runner.remove_line(id));
            if gone {
                crate::ulog!(
                    Notice,
                    "trunk-stopped",
                    "trunk {} stopped",
                    t.cfg.line.trunk.name
                );
            }
            !gone
        });
        let pending = std::mem::take(&mut self.sip_pending);
        for cfg in pending {
            let name = cfg.line.trunk.name.clone();
            if self.sip.iter().any(|t| t.cfg.line.trunk.name == name) {
                self.sip_pending.push(cfg);
                continue;
            }
            match bind(&cfg, now) {
                Ok(trunk) => {
                    let specs = trunk_lines(&trunk);
                    let lines = specs.iter().map(|s| s.line.id().clone()).collect();
                    for s in specs {
                        self.runner.add_line(s);
                    }
                    crate::ulog!(
                        Notice,
                        "trunk-started",
                        "trunk {name} started ({} channels)",
                        cfg.channels
                    );
                    self.sip.push(RunningTrunk {
                        cfg,
                        trunk,
                        lines,
                        retiring: false,
                    });
                }
                Err(e) => crate::ulog!(Err, "trunk-start-failed", "trunk {name} not started: {e}"),
            }
        }
    }
}

/// What worked per number (T.38 or the G.711 fallback) outlives a restart:
/// one small file per trunk in the data directory (unless set already).
pub fn with_memory_file(mut c: SipTrunkConfig, data_dir: &Path) -> SipTrunkConfig {
    let name: String = (c.line.trunk.name.chars())
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' {
                ch
            } else {
                '_'
            }
        })
        .collect();
    c.line
        .t38_memory_file
        .get_or_insert_with(|| data_dir.join("sip-t38-memory").join(format!("{name}.txt")));
    c
}

/// Bind a trunk's sockets; the error with its causes ("line I/O error: RTP
/// socket: Address in use").
fn bind(cfg: &SipTrunkConfig, now: Instant) -> Result<SipTrunk, String> {
    SipTrunk::bind(cfg.line.clone(), cfg.channels, now).map_err(|e| error_chain(&e))
}

/// An error with its causes.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

fn trunk_lines(t: &SipTrunk) -> Vec<LineSpec> {
    let name = t.name();
    t.lines()
        .into_iter()
        .map(|l| LineSpec {
            line: Box::new(l),
            group: format!("trunk:{name}"),
        })
        .collect()
}

/// A modem line came into service or went out of it.
fn log_modem(m: &SharedModemLine, state: &ModemLineState) {
    match state {
        ModemLineState::InService => m.with(|l| {
            let id = l.identity();
            crate::ulog!(
                Notice,
                "modem-in-service",
                "line {} in service: {} {} {}, quirks: {}",
                l.id(),
                id.manufacturer,
                id.model,
                id.revision,
                l.quirks().name
            )
        }),
        ModemLineState::OutOfService { reason } => crate::ulog!(
            Warning,
            "modem-out-of-service",
            "line {} out of service: {reason} (probed again every {} s)",
            m.id(),
            line_drivers::modem::REPROBE_EVERY.as_secs()
        ),
        ModemLineState::Probing => {}
    }
}

/// A CAPI section's application (each of its lines) came into service
/// or went out of it.
fn log_capi(section: &CapiSection, state: &CapiLineState) {
    for l in section.lines() {
        match state {
            CapiLineState::InService => {
                crate::ulog!(Notice, "capi-in-service", "line {} in service", l.id())
            }
            CapiLineState::OutOfService { reason } => crate::ulog!(
                Warning,
                "capi-out-of-service",
                "line {} out of service: {reason} (connecting again, at most every {} s)",
                l.id(),
                line_drivers::capi::supervised::RECONNECT_MAX.as_secs()
            ),
            CapiLineState::Connecting => {}
        }
    }
}
