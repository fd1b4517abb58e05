//! The GSM modem engine: 3GPP TS 27.005 in PDU mode over the V.250 codec
//! of the fax modems ([`crate::modem::codec`]), sans-IO with time passed in.
//!
//! One way in: [`GsmEngine::handle_input`] (octets from the modem),
//! [`GsmEngine::handle_timeout`], and the requests [`GsmEngine::send`] and
//! [`GsmEngine::stored`]. One way out: [`GsmEngine::poll_transmit`]
//! (octets for the modem), [`GsmEngine::poll_event`] and
//! [`GsmEngine::poll_timeout`].
//!
//! * **Start-up**: `ATZ`, `ATE0`, `+CMEE=2`, identity (`+CGMI`, `+CGMM`,
//!   `+CGSN`), `+CPIN?` with the configured PIN tried **once** (a wrong PIN
//!   leaves the line out of service for good: a second try may lock the
//!   SIM), `+CREG?`, `+CSQ`, `+CSCA?`, `+CMGF=0`, `+CNMI` chosen from
//!   `+CNMI=?`, then a `+CMGL=4` sweep of what waits on the SIM.
//! * **Send**: `+CMGS=<length>`, the `> ` prompt, the PDU and Ctrl-Z; the
//!   `+CMGS: <mr>` reference is kept and a later status report (`+CDS`, or
//!   `+CDSI` and `+CMGR`) is matched to the message by it.
//! * **Receive**: `+CMTI` → `+CMGR` → [`GsmEvent::Received`]; `+CMGD` only
//!   after [`GsmEngine::stored`] says the message is durably stored; a
//!   `+CMGL=4` sweep at start and every [`GsmConfig::sweep_interval`]
//!   (with a `+CSQ`, so the signal in [`ModemInfo`] stays current).
//! * **Faults**: a command unanswered within its time, an overlong line or
//!   a run of lines that mean nothing put the line out of service with the
//!   reason; it probes with `AT` and starts again when the modem answers.
//!
//! A run loop, with a modem that answers each command line at once (a real
//! one sits behind a serial port, see [`super::modem::GsmModem`]):
//!
//! ```
//! use line_drivers::gsm::{GsmConfig, GsmEngine, GsmEvent};
//!
//! let now = std::time::Instant::now();
//! let answer = |cmd: &str| match cmd {
//!     "AT+CGMI" => "ACME\r\n\r\nOK",
//!     "AT+CPIN?" => "+CPIN: READY\r\n\r\nOK",
//!     "AT+CREG?" => "+CREG: 0,1\r\n\r\nOK",
//!     "AT+CSQ" => "+CSQ: 20,99\r\n\r\nOK",
//!     "AT+CNMI=?" => "+CNMI: (0-2),(0-3),(0),(0-2),(0,1)\r\n\r\nOK",
//!     _ => "OK",
//! };
//! let mut engine = GsmEngine::new(GsmConfig::default(), now);
//! while let Some(out) = engine.poll_transmit() {
//!     let cmd = String::from_utf8_lossy(&out).trim_end().to_string();
//!     engine.handle_input(format!("\r\n{}\r\n", answer(&cmd)).as_bytes(), now);
//! }
//! match engine.poll_event() {
//!     Some(GsmEvent::Ready(info)) => {
//!         assert_eq!(info.manufacturer, "ACME");
//!         assert_eq!(info.signal_dbm, Some(-73));
//!         assert_eq!(info.indications.as_deref(), Some("2,1,0,1,0"));
//!     }
//!     other => panic!("not ready: {other:?}"),
//! }
//! // Until `poll_timeout()` is due, the engine waits for the modem.
//! assert!(engine.poll_timeout().is_some());
//! ```

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};

mod command;
mod startup;

use command::{expects_info, Cmd, Outcome};

use super::errors::Failure;
use super::pdu::{from_hex, to_hex, Deliver, StatusReport, Tpdu};
use super::response::{self, value, Indication, Registration};
use super::status::DeliveryStatus;
use crate::modem::codec::{command, DceInput, DceLine, DceReader};

/// Ctrl-Z: the end of the PDU after the prompt.
const CTRL_Z: u8 = 0x1a;
/// The longest line read: a PDU in hex (352 digits) with room to spare.
pub const MAX_LINE: usize = 2 * super::pdu::MAX_PDU + 64;
/// Lines that mean nothing, in a row, before the line counts as garbage.
const MAX_GARBAGE_LINES: u32 = 12;

/// How a GSM line behaves.
#[derive(Debug, Clone)]
pub struct GsmConfig {
    /// The SIM's PIN, tried once if the SIM asks for one.
    pub pin: Option<String>,
    /// How long a command may take (all but `+CMGS`).
    pub command_timeout: Duration,
    /// How long `+CMGS` may take (the network answers it).
    pub send_timeout: Duration,
    /// How often an out-of-service line probes the modem with `AT`, and
    /// how long it waits before registering again without a network.
    pub probe_interval: Duration,
    /// How often the SIM is swept with `+CMGL=4` (and the signal read).
    pub sweep_interval: Duration,
    /// Direct delivery: messages come as `+CMT` (with `+CSMS=1`, `+CNMI`
    /// mt 2) and are acknowledged with `+CNMA` once stored
    /// ([`GsmEngine::acknowledge`]); a modem that offers neither keeps to
    /// store-then-read.
    pub direct: bool,
    /// How long a `+CMT` waits for [`GsmEngine::acknowledge`]: after it the
    /// modem has given up (the network delivers the message again) and,
    /// as TS 27.005 §3.4.4 has it, turned its indications off, so the
    /// engine sets `+CNMI` again.
    pub ack_window: Duration,
}

impl Default for GsmConfig {
    fn default() -> GsmConfig {
        GsmConfig {
            pin: None,
            command_timeout: Duration::from_secs(10),
            send_timeout: Duration::from_secs(60),
            probe_interval: Duration::from_secs(10),
            sweep_interval: Duration::from_secs(300),
            direct: false,
            ack_window: Duration::from_secs(10),
        }
    }
}

/// What the modem said about itself during start-up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModemInfo {
    /// `+CGMI`.
    pub manufacturer: String,
    /// `+CGMM`.
    pub model: String,
    /// `+CGSN` (the IMEI).
    pub serial: String,
    /// `+CSQ` in dBm, if known.
    pub signal_dbm: Option<i16>,
    /// `+CSCA`: the service centre.
    pub smsc: Option<String>,
    /// The `+CNMI` setting used (`None`: sweeps only).
    pub indications: Option<String>,
    /// Messages come straight (`+CMT`, acknowledged with `+CNMA`).
    pub direct: bool,
    /// The registration (`+CREG`, or `+CEREG` where it says more).
    pub registration: Option<Registration>,
    /// `+COPS`: the operator's name.
    pub operator: Option<String>,
    /// `+COPS`: its numeric code (MCC and MNC).
    pub operator_code: Option<String>,
}

/// A message the engine hands up or a change of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GsmEvent {
    /// Start-up is through: the line takes messages.
    Ready(ModemInfo),
    /// The line cannot work; `permanent` when only a person can fix it
    /// (a wrong PIN), else it probes and comes back by itself.
    OutOfService {
        /// Why, for the log and the status.
        reason: String,
        /// No probing: the configuration or the SIM must change.
        permanent: bool,
    },
    /// The registration changed (unsolicited `+CREG`).
    Registration(Registration),
    /// A message arrived. With an `index` it stays on the SIM until
    /// [`GsmEngine::stored`] is called with that index.
    Received {
        /// Its place on the SIM (`None`: delivered straight, `+CMT`).
        index: Option<u32>,
        /// The message.
        message: Deliver,
    },
    /// A message went to the network.
    Sent {
        /// The caller's id from [`GsmEngine::send`].
        id: u64,
        /// TP-MR, which a status report names.
        reference: u8,
    },
    /// A message could not be sent.
    SendFailed {
        /// The caller's id.
        id: u64,
        /// Why, temporary or permanent.
        failure: Failure,
    },
    /// A status report: what became of a sent message.
    Report {
        /// The id of the message it is about, if one we sent asked.
        id: Option<u64>,
        /// Delivered, pending or failed.
        status: DeliveryStatus,
        /// The report; its TP-ST in words is [`super::status_text`].
        report: StatusReport,
        /// Its place on the SIM, to be confirmed with
        /// [`GsmEngine::stored`] like a message.
        index: Option<u32>,
    },
}

/// Why a request was refused at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GsmError {
    /// The line is out of service.
    #[error("the GSM line is out of service: {0}")]
    OutOfService(String),
    /// The TPDU is longer than one SMS.
    #[error("the PDU is longer than one SMS")]
    TooLong,
}

/// The command on the wire.
#[derive(Debug)]
struct InFlight {
    cmd: Cmd,
    deadline: Instant,
    /// Information lines of the answer.
    info: Vec<String>,
    /// `+CMGS`: the prompt came and the PDU went.
    pdu_sent: bool,
}

/// Where the line is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Starting,
    Ready,
    OutOfService {
        reason: String,
        /// When to probe (`None`: never, a person must act).
        probe_at: Option<Instant>,
    },
}

/// A PDU announced by the line before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PduNext {
    /// `+CMGR` or `+CMGL` of a stored one.
    Stored(u32),
    /// `+CMT` or `+CDS`.
    Unsolicited,
}

/// The engine of one GSM modem (see the module docs).
#[derive(Debug)]
pub struct GsmEngine {
    config: GsmConfig,
    reader: DceReader,
    phase: Phase,
    queue: VecDeque<Cmd>,
    inflight: Option<InFlight>,
    pdu_next: Option<PduNext>,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<GsmEvent>,
    info: ModemInfo,
    /// The PIN went to the SIM in this start-up.
    pin_entered: bool,
    /// SIM indexes handed up and not yet deleted (a sweep skips them).
    handed_up: BTreeSet<u32>,
    /// TP-MR → the caller's id, for the status reports.
    outstanding: HashMap<u8, u64>,
    next_sweep: Option<Instant>,
    garbage_lines: u32,
    /// Out of service because the device went away (not permanent).
    device_lost: bool,
    /// A `+CMT` handed up waits for its `+CNMA` until then.
    ack_until: Option<Instant>,
    /// `+CREG` and `+CEREG` as last heard.
    reg_cs: Option<Registration>,
    reg_eps: Option<Registration>,
    /// Out of service for want of a network: a registration brings it back.
    no_network: bool,
}

impl GsmEngine {
    /// A new engine; start-up begins with the first poll.
    pub fn new(config: GsmConfig, now: Instant) -> GsmEngine {
        let mut reader = DceReader::new();
        reader.set_prompt(true);
        reader.set_max_line(MAX_LINE);
        let mut e = GsmEngine {
            config,
            reader,
            phase: Phase::Starting,
            queue: VecDeque::new(),
            inflight: None,
            pdu_next: None,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            info: ModemInfo::default(),
            pin_entered: false,
            handed_up: BTreeSet::new(),
            outstanding: HashMap::new(),
            next_sweep: None,
            garbage_lines: 0,
            device_lost: false,
            ack_until: None,
            reg_cs: None,
            reg_eps: None,
            no_network: false,
        };
        e.start(now);
        e
    }

    /// True once start-up is through and until a fault.
    pub fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// Why the line is out of service, if it is.
    pub fn out_of_service(&self) -> Option<&str> {
        match &self.phase {
            Phase::OutOfService { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// What the modem said about itself.
    pub fn info(&self) -> &ModemInfo {
        &self.info
    }

    /// Queue an SMS-SUBMIT TPDU (without SMSC address; the SIM's is used).
    /// [`GsmEvent::Sent`] or [`GsmEvent::SendFailed`] with `id` follows.
    pub fn send(&mut self, id: u64, tpdu: Vec<u8>, now: Instant) -> Result<(), GsmError> {
        if let Some(reason) = self.out_of_service() {
            return Err(GsmError::OutOfService(reason.to_string()));
        }
        if tpdu.len() > super::pdu::MAX_PDU - 12 {
            return Err(GsmError::TooLong);
        }
        self.queue.push_back(Cmd::Send { id, tpdu });
        self.pump(now);
        Ok(())
    }

    /// The message (or report) at `index` is durably stored: delete it
    /// from the SIM.
    pub fn stored(&mut self, index: u32, now: Instant) {
        if self.handed_up.contains(&index) {
            self.queue.push_front(Cmd::Delete(index));
            self.pump(now);
        }
    }

    /// The message handed up without an index (`+CMT`, direct delivery)
    /// is durably stored: `+CNMA` tells the network. Nothing if no `+CMT`
    /// waits (its window passed: the network delivers it again).
    pub fn acknowledge(&mut self, now: Instant) {
        if self.ack_until.take().is_some_and(|t| now < t) {
            self.queue.push_front(Cmd::Ack);
            self.pump(now);
        }
    }

    /// The device is gone (unplugged, the read failed): out of service
    /// until [`GsmEngine::handle_device_back`].
    pub fn handle_device_lost(&mut self, reason: &str, now: Instant) {
        if !matches!(self.phase, Phase::OutOfService { .. }) {
            self.fault(&format!("the device is gone: {reason}"), now);
        }
        self.inflight = None;
        if let Phase::OutOfService { probe_at, .. } = &mut self.phase {
            // The shell reopens the device; no probing into nothing.
            if probe_at.is_some() {
                *probe_at = None;
                self.device_lost = true;
            }
        }
    }

    /// The device is open again: start up afresh (unless only a person can
    /// help, as after a wrong PIN).
    pub fn handle_device_back(&mut self, now: Instant) {
        if std::mem::take(&mut self.device_lost) {
            self.start(now);
        }
    }

    /// The message at `index` could not be stored: it stays on the SIM and
    /// the next sweep hands it up again.
    pub fn not_stored(&mut self, index: u32) {
        self.handed_up.remove(&index);
    }

    /// Octets read from the modem.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        self.reader.push(bytes);
        while let Some(input) = self.reader.next_input() {
            match input {
                DceInput::Line(line) => self.line(line, now),
                DceInput::Prompt => self.prompt(now),
                DceInput::Overlong => self.fault(
                    "the modem sent an overlong line (garbage on the line?)",
                    now,
                ),
                // Data states and flow control are not used on GSM lines.
                _ => {}
            }
        }
        self.pump(now);
    }

    /// Time passed: command deadlines, probes, sweeps.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(f) = &self.inflight {
            if now >= f.deadline {
                let name = f.cmd.name();
                if f.cmd == Cmd::Probe {
                    self.inflight = None;
                    self.schedule_probe(now);
                } else {
                    // go_out_of_service takes the command (a send fails).
                    let secs = self.timeout_of_cmd(name.starts_with("AT+CMGS")).as_secs();
                    self.fault(
                        &format!("the modem did not answer {name} within {secs} s"),
                        now,
                    );
                }
            }
        }
        if let Phase::OutOfService {
            probe_at: Some(at), ..
        } = self.phase
        {
            if now >= at && self.inflight.is_none() {
                self.phase = Phase::OutOfService {
                    reason: self.out_of_service().unwrap_or_default().to_string(),
                    probe_at: None,
                };
                self.reader.clear();
                self.write(Cmd::Probe, now);
            }
        }
        if self.ack_until.is_some_and(|t| now >= t) {
            // Not acknowledged: the modem gave up on it and turned its
            // indications off (TS 27.005 §3.4.4), storing what comes
            // meanwhile: set them again and sweep the SIM.
            self.ack_until = None;
            if let (Phase::Ready, Some(s)) = (&self.phase, &self.info.indications) {
                for cmd in [Cmd::NmiSet(s.clone()), Cmd::List] {
                    if !self.queue.contains(&cmd) {
                        self.queue.push_back(cmd);
                    }
                }
            }
        }
        if self.phase == Phase::Ready && self.next_sweep.is_some_and(|t| now >= t) {
            self.next_sweep = Some(now + self.config.sweep_interval);
            for cmd in [Cmd::Signal, Cmd::List] {
                if !self.queue.contains(&cmd) {
                    self.queue.push_back(cmd);
                }
            }
        }
        self.pump(now);
    }

    /// The next moment [`GsmEngine::handle_timeout`] has work.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let probe = match self.phase {
            Phase::OutOfService { probe_at, .. } => probe_at,
            _ => None,
        };
        let sweep = (self.phase == Phase::Ready)
            .then_some(self.next_sweep)
            .flatten();
        [
            self.inflight.as_ref().map(|f| f.deadline),
            probe,
            sweep,
            self.ack_until,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Octets to write to the modem.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<GsmEvent> {
        self.events.pop_front()
    }

    fn timeout_of_cmd(&self, send: bool) -> Duration {
        if send {
            self.config.send_timeout
        } else {
            self.config.command_timeout
        }
    }

    fn start(&mut self, now: Instant) {
        self.phase = Phase::Starting;
        self.info = ModemInfo::default();
        self.pin_entered = false;
        self.reg_cs = None;
        self.reg_eps = None;
        self.pdu_next = None;
        self.garbage_lines = 0;
        self.reader.clear();
        // Sends wait for the start-up; stored-message work starts over.
        self.queue.retain(|c| matches!(c, Cmd::Send { .. }));
        self.handed_up.clear();
        self.queue.push_front(Cmd::Reset);
        self.pump(now);
    }

    fn write(&mut self, cmd: Cmd, now: Instant) {
        let timeout = self.timeout_of_cmd(matches!(cmd, Cmd::Send { .. }));
        self.transmit
            .push_back(command(&cmd.body(self.config.pin.as_deref())));
        self.inflight = Some(InFlight {
            cmd,
            deadline: now + timeout,
            info: Vec::new(),
            pdu_sent: false,
        });
    }

    /// Start the next command if none is on the wire and the phase lets it.
    fn pump(&mut self, now: Instant) {
        if self.inflight.is_some() || matches!(self.phase, Phase::OutOfService { .. }) {
            return;
        }
        // While starting, only start-up commands run (they are queued at
        // the front, one at a time); sends wait.
        let next = match self.phase {
            Phase::Starting => match self.queue.front() {
                Some(Cmd::Send { .. }) | None => return,
                Some(_) => self.queue.pop_front(),
            },
            _ => self.queue.pop_front(),
        };
        if let Some(cmd) = next {
            self.write(cmd, now);
        }
    }

    fn prompt(&mut self, now: Instant) {
        let Some(f) = &mut self.inflight else {
            return;
        };
        if let Cmd::Send { tpdu, .. } = &f.cmd {
            if !f.pdu_sent {
                f.pdu_sent = true;
                let mut out =
                    to_hex(&super::pdu::with_smsc(None, tpdu).unwrap_or_default()).into_bytes();
                out.push(CTRL_Z);
                self.transmit.push_back(out);
                // The network has the send timeout from now on.
                f.deadline = now + self.config.send_timeout;
            }
        }
    }

    fn line(&mut self, line: DceLine, now: Instant) {
        let outcome = match line {
            DceLine::Ok => Outcome::Ok,
            DceLine::Error => Outcome::Error,
            DceLine::CmsError(v) => Outcome::Cms(v),
            DceLine::CmeError(v) => Outcome::Cme(v),
            DceLine::Info(text) => return self.info_line(text, now),
            // RING, NO CARRIER and the like: a voice call on the SIM; not ours.
            _ => return,
        };
        self.garbage_lines = 0;
        self.pdu_next = None;
        let Some(f) = self.inflight.take() else {
            return;
        };
        self.finish(f, outcome, now);
    }

    fn info_line(&mut self, text: String, now: Instant) {
        if let Some(next) = self.pdu_next.take() {
            // Not a PDU: read the line for what else it is.
            if let Ok(bytes) = from_hex(&text) {
                return self.pdu(next, &bytes, now);
            }
        }
        // Echo (before ATE0, or a modem that ignores it).
        if text.len() >= 2 && text[..2].eq_ignore_ascii_case("AT") {
            return;
        }
        // The answer to the command under way first: `+CREG: 0,1` answers
        // `+CREG?`, where `+CREG: 1` alone would be unsolicited.
        if let Some(f) = &mut self.inflight {
            if f.info.len() < 16 && expects_info(&f.cmd, &text) {
                f.info.push(text);
                self.garbage_lines = 0;
                return;
            }
        }
        if let Some(ind) = response::unsolicited(&text) {
            self.garbage_lines = 0;
            return self.indication(ind, now);
        }
        let Some(f) = &mut self.inflight else {
            return self.garbage(&text, now);
        };
        if let (Some(_), Cmd::Read(i)) = (value(&text, "+CMGR"), &f.cmd) {
            self.pdu_next = Some(PduNext::Stored(*i));
            return;
        }
        if let Some(i) = response::list_index(&text) {
            if f.cmd == Cmd::List {
                self.pdu_next = Some(PduNext::Stored(i));
                return;
            }
        }
        self.garbage(&text, now);
    }

    fn garbage(&mut self, text: &str, now: Instant) {
        self.garbage_lines += 1;
        if self.garbage_lines >= MAX_GARBAGE_LINES
            && !matches!(self.phase, Phase::OutOfService { .. })
        {
            let sample: String = text.chars().take(40).collect();
            self.fault(
                &format!("garbage on the line ({MAX_GARBAGE_LINES} lines that mean nothing, the last {sample:?})"),
                now,
            );
        }
    }

    fn indication(&mut self, ind: Indication, now: Instant) {
        match ind {
            Indication::Stored(i) | Indication::ReportStored(i) => {
                if !self.handed_up.contains(&i) && !self.queue.contains(&Cmd::Read(i)) {
                    self.queue.push_back(Cmd::Read(i));
                }
            }
            Indication::Message | Indication::Report => self.pdu_next = Some(PduNext::Unsolicited),
            Indication::Registration(r) | Indication::EpsRegistration(r) => {
                if matches!(ind, Indication::Registration(_)) {
                    self.reg_cs = Some(r);
                } else {
                    self.reg_eps = Some(r);
                }
                self.events.push_back(GsmEvent::Registration(r));
                self.registration_changed(now);
            }
        }
    }

    /// The registration of both kinds taken together: registered if either
    /// is, else the one that says most (denied before searching).
    fn registration(&self) -> Option<Registration> {
        let both = [self.reg_eps, self.reg_cs];
        let any = |f: fn(Registration) -> bool| both.into_iter().flatten().find(|r| f(*r));
        any(Registration::is_registered)
            .or_else(|| any(|r| r == Registration::Denied))
            .or_else(|| any(|r| r == Registration::Searching))
            .or(self.reg_eps.or(self.reg_cs))
    }

    /// An unsolicited `+CREG`/`+CEREG`: the line goes out of service when
    /// the network is lost, and starts again when it is back.
    fn registration_changed(&mut self, now: Instant) {
        let r = self.registration();
        match self.phase {
            Phase::Ready => {
                self.info.registration = r;
                if let Some(r) = r.filter(|r| !r.is_registered()) {
                    self.fault(&format!("no network: {}", r.text()), now);
                    self.no_network = true;
                }
            }
            Phase::OutOfService { .. }
                if self.no_network && r.is_some_and(Registration::is_registered) =>
            {
                self.no_network = false;
                self.inflight = None;
                self.start(now);
            }
            _ => {}
        }
    }

    /// A PDU read from the SIM or straight from the network.
    fn pdu(&mut self, from: PduNext, bytes: &[u8], now: Instant) {
        let index = match from {
            PduNext::Stored(i) => Some(i),
            PduNext::Unsolicited => None,
        };
        if let Some(i) = index {
            if !self.handed_up.insert(i) {
                return; // handed up already, waiting for its `stored`.
            }
        }
        match Tpdu::decode_with_smsc(bytes) {
            Ok((_, Tpdu::Deliver(message))) => {
                if index.is_none() && self.info.direct {
                    self.ack_until = Some(now + self.config.ack_window);
                }
                self.events.push_back(GsmEvent::Received { index, message });
            }
            Ok((_, Tpdu::StatusReport(report))) => {
                let status = DeliveryStatus::from_st(report.status);
                let id = if status == DeliveryStatus::Pending {
                    self.outstanding.get(&report.reference).copied()
                } else {
                    self.outstanding.remove(&report.reference)
                };
                self.events.push_back(GsmEvent::Report {
                    id,
                    status,
                    report,
                    index,
                });
            }
            // A stored outgoing message, or a PDU we cannot read: it stays
            // on the SIM (deleting what we cannot read would lose it).
            Ok((_, Tpdu::Submit(_))) | Err(_) => {
                if let Some(i) = index {
                    self.handed_up.remove(&i);
                }
            }
        }
    }

    /// The line is out of service for `reason`; it probes and starts again.
    fn fault(&mut self, reason: &str, now: Instant) {
        self.go_out_of_service(reason.to_string(), false, now);
    }

    fn go_out_of_service(&mut self, reason: String, permanent: bool, now: Instant) {
        if let Some(InFlight {
            cmd: Cmd::Send { id, .. },
            ..
        }) = self.inflight.take()
        {
            self.events.push_back(GsmEvent::SendFailed {
                id,
                failure: Failure::temporary(format!(
                    "the GSM line went out of service during +CMGS (the SMS may have gone): {reason}"
                )),
            });
        }
        // Queued messages go back to the caller, who retries them (on
        // another line of the group, or here once it is back).
        for cmd in std::mem::take(&mut self.queue) {
            if let Cmd::Send { id, .. } = cmd {
                self.events.push_back(GsmEvent::SendFailed {
                    id,
                    failure: Failure::temporary(format!(
                        "the GSM line is out of service: {reason}"
                    )),
                });
            }
        }
        self.pdu_next = None;
        self.handed_up.clear();
        self.next_sweep = None;
        self.ack_until = None;
        self.no_network = false;
        self.phase = Phase::OutOfService {
            reason: reason.clone(),
            probe_at: (!permanent).then(|| now + self.config.probe_interval),
        };
        self.events
            .push_back(GsmEvent::OutOfService { reason, permanent });
    }

    fn schedule_probe(&mut self, now: Instant) {
        if let Phase::OutOfService { probe_at, .. } = &mut self.phase {
            *probe_at = Some(now + self.config.probe_interval);
        }
    }
}
