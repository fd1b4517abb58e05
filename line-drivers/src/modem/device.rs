//! One fax modem, sans-IO: set-up, call control and the Class 1 front end
//! during a call. Octets in and out, time passed in; the line
//! ([`super::ModemLine`]) moves them to the device.
//!
//! ```text
//!   Setup ──OK to all──▶ Idle ──RING × n──▶ Ringing ──answer: ATA──▶ Answering ─CONNECT─▶ Fax
//!                         └──dial: ATD…──▶ Dialling ──CONNECT──▶ Fax ──done/hang-up──▶ HangingUp ─▶ Idle
//!   any state ──garbage, silence, I/O error──▶ OutOfService ──re-probe──▶ Setup
//! ```
//!
//! Result codes map onto hang-up causes here, once: BUSY → user busy,
//! NO ANSWER and NO CARRIER before CONNECT → no answer, NO DIALTONE →
//! network out of order, ERROR to `ATD` → invalid number format.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use fax_t30::modem::{ModemReport, ModemRequest};

use super::class1::Class1;
use super::codec::{self, DceInput, DceLine};
use super::quirks::Quirks;
use crate::cause::HangupCause;

/// How long a set-up command may take.
const SETUP_TIMEOUT: Duration = Duration::from_secs(3);
/// How long the far end may take to answer a call (ring and training).
const DIAL_TIMEOUT: Duration = Duration::from_secs(90);
/// How long `ATA` may take to CONNECT (answer tone included).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(15);
/// RINGs repeat about every 5 s: none for this long, the caller gave up.
const RING_GAP: Duration = Duration::from_secs(8);
/// How long hanging up may take before we say the modem is gone.
const HANGUP_TIMEOUT: Duration = Duration::from_secs(5);
/// An idle modem that has said nothing for this long is asked `AT`; no
/// OK within [`SETUP_TIMEOUT`] and the line goes out of service.
pub const HEALTH_EVERY: Duration = Duration::from_secs(30);

/// What a modem told about itself (`ums modem probe`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// `AT+FMI?` (manufacturer), `AT+FMM?` (model), `AT+FMR?` (revision).
    pub manufacturer: String,
    pub model: String,
    pub revision: String,
    /// `AT+FCLASS=?`, e.g. `0,1,1.0`.
    pub classes: String,
    /// `AT+FTM=?` and `AT+FRM=?`: the `<mod>` codes.
    pub tx_rates: Vec<u16>,
    pub rx_rates: Vec<u16>,
}

impl Identity {
    /// All it said, for the quirk table.
    pub fn key(&self) -> String {
        format!("{}\n{}\n{}", self.manufacturer, self.model, self.revision)
    }

    /// True if the modem speaks Class 1 (or 1.0).
    pub fn has_class1(&self) -> bool {
        self.classes
            .split(',')
            .any(|c| c.trim() == "1" || c.trim() == "1.0")
    }
}

/// What the modem did, for its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceEvent {
    /// Set-up done (again): the line can carry calls.
    InService(Identity),
    /// The modem fails: the line cannot carry calls until it is back.
    OutOfService(String),
    /// A call rang the configured number of times.
    Incoming { caller: Option<String> },
    /// Our call (dial or answer) is connected; T.30 may start.
    Connected,
    /// The call ended.
    HungUp(HangupCause),
    /// A report of the modem for T.30.
    Report(ModemReport),
}

#[derive(Debug)]
enum State {
    /// Running the set-up commands; `step` indexes [`Device::script`].
    Setup {
        step: usize,
        since: Instant,
    },
    Idle,
    Ringing {
        rings: u32,
        last: Instant,
        announced: bool,
    },
    Dialling {
        since: Instant,
    },
    Answering {
        since: Instant,
    },
    Fax(Box<Class1>),
    HangingUp {
        since: Instant,
        cause: Option<HangupCause>,
    },
    OutOfService,
}

/// See the module docs.
#[derive(Debug)]
pub struct Device {
    quirks: Quirks,
    /// Quirks given by the configuration (win over the table).
    forced: Option<Quirks>,
    rings_to_answer: u32,
    state: State,
    reader: codec::DceReader,
    out: Vec<u8>,
    events: VecDeque<DeviceEvent>,
    identity: Identity,
    caller: Option<String>,
    /// The answers to the current set-up command.
    answers: Vec<String>,
    /// T.30's requests made before the modem said CONNECT.
    early: Vec<ModemRequest>,
    /// When the modem last sent anything.
    last_heard: Instant,
    /// An idle check (`AT`) is out since.
    check_sent: Option<Instant>,
}

/// The set-up script: command, and whether an ERROR is acceptable.
fn script(quirks: &Quirks) -> Vec<(String, bool)> {
    let mut v = vec![
        (quirks.reset.to_string(), false),
        ("E0V1Q0".into(), false),
        ("+FCLASS=?".into(), false),
        ("+FMI?".into(), true),
        ("+FMM?".into(), true),
        ("+FMR?".into(), true),
        ("+FCLASS=1".into(), false),
        ("+FTM=?".into(), false),
        ("+FRM=?".into(), true),
        ("S0=0".into(), true),
    ];
    if let Some(cid) = quirks.caller_id {
        v.push((cid.to_string(), true));
    }
    v.retain(|(c, _)| !quirks.avoid.contains(&c.as_str()));
    v
}

impl Device {
    /// A modem to set up now; `forced` quirks replace the table's.
    pub fn new(rings_to_answer: u32, forced: Option<Quirks>, now: Instant) -> Device {
        let mut d = Device {
            quirks: forced.unwrap_or(Quirks::SAFE),
            forced,
            rings_to_answer: rings_to_answer.max(1),
            state: State::OutOfService,
            reader: codec::DceReader::new(),
            out: Vec::new(),
            events: VecDeque::new(),
            identity: Identity::default(),
            caller: None,
            answers: Vec::new(),
            early: Vec::new(),
            last_heard: now,
            check_sent: None,
        };
        d.probe(now);
        d
    }

    /// (Re-)run the set-up: after the device was (re)opened.
    pub fn probe(&mut self, now: Instant) {
        self.reader.clear();
        self.check_sent = None;
        self.last_heard = now;
        self.identity = Identity::default();
        self.answers.clear();
        // A CAN and a CR end whatever the modem was doing (data, a half
        // typed line) before the reset.
        self.out.extend_from_slice(b"\x18\r");
        self.state = State::Setup {
            step: 0,
            since: now,
        };
        let (cmd, _) = script(&self.quirks)[0].clone();
        self.out.extend_from_slice(&codec::command(&cmd));
    }

    /// The quirks in force.
    pub fn quirks(&self) -> &Quirks {
        &self.quirks
    }

    /// What the modem said about itself at set-up.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// True once set up and without a call.
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Idle)
    }

    /// True while the modem is in service (set up, maybe in a call).
    pub fn in_service(&self) -> bool {
        !matches!(self.state, State::Setup { .. } | State::OutOfService)
    }

    /// Place a call: `ATD` with the dial string (digits, `,` waits, `W`).
    pub fn dial(&mut self, dial_string: &str, now: Instant) -> bool {
        if !matches!(self.state, State::Idle) {
            return false;
        }
        self.check_sent = None;
        self.out
            .extend_from_slice(&codec::command(&format!("DT{dial_string}")));
        self.state = State::Dialling { since: now };
        true
    }

    /// Answer the ringing call.
    pub fn answer(&mut self, now: Instant) -> bool {
        if !matches!(self.state, State::Ringing { .. }) {
            return false;
        }
        self.check_sent = None;
        self.out.extend_from_slice(&codec::command("A"));
        self.state = State::Answering { since: now };
        true
    }

    /// End the call (ours, or a ringing one we refuse).
    pub fn hang_up(&mut self, now: Instant) {
        match self.state {
            State::Setup { .. } | State::OutOfService | State::Idle | State::HangingUp { .. } => {}
            _ => self.start_hangup(None, now),
        }
    }

    /// A request of our T.30 (during a call).
    pub fn handle_request(&mut self, request: ModemRequest, now: Instant) {
        match &mut self.state {
            State::Fax(c) => c.handle_request(request, now),
            State::Dialling { .. } | State::Answering { .. } => self.early.push(request),
            _ => {}
        }
        self.after_fax(now);
    }

    /// Octets from the device.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        if let State::Fax(c) = &mut self.state {
            c.handle_input(bytes, now);
            self.after_fax(now);
            return;
        }
        self.reader.push(bytes);
        while let Some(input) = self.reader.next_input() {
            self.input(input, now);
            if matches!(self.state, State::Fax(_)) {
                // The rest went to the front end with the CONNECT.
                break;
            }
        }
    }

    /// The device failed (read or write error, it disappeared).
    pub fn handle_io_error(&mut self, what: &str, now: Instant) {
        self.fail(format!("device error: {what}"), now);
    }

    /// Timeouts.
    pub fn handle_timeout(&mut self, now: Instant) {
        let late = |since: &Instant, limit: Duration| now.duration_since(*since) > limit;
        match &mut self.state {
            State::Setup { since, .. } if late(since, SETUP_TIMEOUT) => {
                self.fail("the modem does not answer".into(), now)
            }
            State::Dialling { since } if late(since, DIAL_TIMEOUT) => {
                self.start_hangup(Some(HangupCause::NoAnswer), now)
            }
            State::Answering { since } if late(since, ANSWER_TIMEOUT) => {
                self.start_hangup(Some(HangupCause::NoUserResponding), now)
            }
            State::Ringing { last, .. } if late(last, RING_GAP) => {
                let announced = matches!(
                    self.state,
                    State::Ringing {
                        announced: true,
                        ..
                    }
                );
                self.state = State::Idle;
                self.caller = None;
                if announced {
                    self.events
                        .push_back(DeviceEvent::HungUp(HangupCause::NormalClearing));
                }
            }
            State::HangingUp { since, .. } if late(since, HANGUP_TIMEOUT) => {
                self.fail("the modem does not hang up".into(), now)
            }
            State::Fax(c) => {
                c.handle_timeout(now);
                self.after_fax(now);
            }
            State::Idle => match self.check_sent {
                Some(t) if late(&t, SETUP_TIMEOUT) => {
                    self.check_sent = None;
                    self.fail("the modem does not answer AT".into(), now)
                }
                None if late(&self.last_heard, HEALTH_EVERY) => {
                    self.out.extend_from_slice(&codec::command(""));
                    self.check_sent = Some(now);
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) next has work
    /// (`None`: only octets, a request or a call command move the modem
    /// on).
    pub fn poll_at(&self) -> Option<Instant> {
        match &self.state {
            State::Setup { since, .. } => Some(*since + SETUP_TIMEOUT),
            State::Dialling { since } => Some(*since + DIAL_TIMEOUT),
            State::Answering { since } => Some(*since + ANSWER_TIMEOUT),
            State::Ringing { last, .. } => Some(*last + RING_GAP),
            State::HangingUp { since, .. } => Some(*since + HANGUP_TIMEOUT),
            State::Fax(c) => c.poll_at(),
            State::Idle => Some(match self.check_sent {
                Some(t) => t + SETUP_TIMEOUT,
                None => self.last_heard + HEALTH_EVERY,
            }),
            State::OutOfService => None,
        }
    }

    /// Octets for the device.
    pub fn take_output(&mut self) -> Vec<u8> {
        if let State::Fax(c) = &mut self.state {
            self.out.extend(c.take_output());
        }
        std::mem::take(&mut self.out)
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<DeviceEvent> {
        self.events.pop_front()
    }

    fn fail(&mut self, reason: String, now: Instant) {
        let _ = now;
        let in_call = matches!(
            self.state,
            State::Dialling { .. }
                | State::Answering { .. }
                | State::Fax(_)
                | State::HangingUp { .. }
        );
        let ringing = matches!(
            self.state,
            State::Ringing {
                announced: true,
                ..
            }
        );
        if let State::Fax(c) = &mut self.state {
            self.out.extend(c.take_output());
        }
        self.state = State::OutOfService;
        if in_call || ringing {
            self.events
                .push_back(DeviceEvent::HungUp(HangupCause::NetworkOutOfOrder));
        }
        self.events.push_back(DeviceEvent::OutOfService(reason));
    }

    fn after_fax(&mut self, now: Instant) {
        let State::Fax(c) = &mut self.state else {
            return;
        };
        while let Some(r) = c.poll_report() {
            self.events.push_back(DeviceEvent::Report(r));
        }
        if let Some(fault) = c.fault().cloned() {
            self.fail(format!("Class 1: {}", fault.0), now);
        } else if c.is_call_lost() {
            // The far end hung up (a remote hang-up is normal clearing).
            self.start_hangup(Some(HangupCause::NormalClearing), now);
        } else if c.is_done() {
            self.start_hangup(None, now);
        }
    }

    fn start_hangup(&mut self, cause: Option<HangupCause>, now: Instant) {
        self.early.clear();
        if let State::Fax(c) = &mut self.state {
            self.out.extend(c.take_output());
        }
        // Leave any data state (CAN), then hang up.
        self.out.extend_from_slice(b"\x18");
        self.out.extend_from_slice(&codec::command("H0"));
        self.reader.clear();
        self.reader.set_data_mode(false);
        self.state = State::HangingUp { since: now, cause };
    }

    fn input(&mut self, input: DceInput, now: Instant) {
        // Result codes show the modem is alive; text that is none (noise,
        // a babbling device) does not.
        if let DceInput::Line(l) = &input {
            if !matches!(l, DceLine::Info(_)) {
                self.last_heard = now;
            }
        }
        let DceInput::Line(line) = input else {
            if matches!(input, DceInput::Overlong) && !matches!(self.state, State::HangingUp { .. })
            {
                self.fail("the modem sends garbage (an overlong line)".into(), now);
            }
            return;
        };
        match &mut self.state {
            State::Setup { step, .. } => {
                let step = *step;
                self.setup_line(step, line, now);
            }
            State::Idle | State::Ringing { .. } => match line {
                DceLine::Ok | DceLine::Error => self.check_sent = None,
                DceLine::CallerId { field, value } if field == "NMBR" => {
                    self.caller = Some(value).filter(|v| !v.is_empty() && v != "O" && v != "P")
                }
                DceLine::Ring => {
                    let rings = match self.state {
                        State::Ringing { rings, .. } => rings + 1,
                        _ => 1,
                    };
                    let announce = rings >= self.rings_to_answer
                        && !matches!(
                            self.state,
                            State::Ringing {
                                announced: true,
                                ..
                            }
                        );
                    self.state = State::Ringing {
                        rings,
                        last: now,
                        announced: rings >= self.rings_to_answer,
                    };
                    if announce {
                        self.events.push_back(DeviceEvent::Incoming {
                            caller: self.caller.clone(),
                        });
                    }
                }
                _ => {}
            },
            State::Dialling { .. } => {
                let cause = match line {
                    DceLine::Connect => {
                        self.connect(true, now);
                        return;
                    }
                    DceLine::Busy => HangupCause::UserBusy,
                    DceLine::NoAnswer | DceLine::NoCarrier => HangupCause::NoAnswer,
                    DceLine::NoDialtone => HangupCause::NetworkOutOfOrder,
                    DceLine::Error => HangupCause::InvalidNumberFormat,
                    DceLine::FcError => HangupCause::IncompatibleDestination,
                    _ => return,
                };
                self.state = State::Idle;
                self.events.push_back(DeviceEvent::HungUp(cause));
            }
            State::Answering { .. } => match line {
                DceLine::Connect => self.connect(false, now),
                l if l.is_final() => {
                    self.state = State::Idle;
                    self.events
                        .push_back(DeviceEvent::HungUp(HangupCause::NoUserResponding));
                }
                _ => {}
            },
            State::HangingUp { cause, .. } => {
                if line == DceLine::Ok || line == DceLine::Error {
                    let cause = *cause;
                    self.state = State::Idle;
                    if let Some(cause) = cause {
                        self.events.push_back(DeviceEvent::HungUp(cause));
                    }
                }
            }
            State::Fax(_) | State::OutOfService => {}
        }
    }

    fn setup_line(&mut self, step: usize, line: DceLine, now: Instant) {
        let steps = script(&self.quirks);
        let (cmd, may_fail) = steps[step].clone();
        match line {
            DceLine::Info(text) => self.answers.push(text),
            DceLine::Ok | DceLine::Error if line == DceLine::Ok || may_fail => {
                self.setup_answer(&cmd, line == DceLine::Ok);
                // The quirks are known once the identity is.
                if cmd == "+FMR?" && self.forced.is_none() {
                    self.quirks = Quirks::for_identity(&self.identity.key());
                }
                let steps = script(&self.quirks);
                let next = steps.iter().position(|(c, _)| *c == cmd).unwrap_or(step) + 1;
                if let Some((next_cmd, _)) = steps.get(next) {
                    self.out.extend_from_slice(&codec::command(next_cmd));
                    self.state = State::Setup {
                        step: next,
                        since: now,
                    };
                } else if self.identity.has_class1() {
                    self.state = State::Idle;
                    self.events
                        .push_back(DeviceEvent::InService(self.identity.clone()));
                } else {
                    self.fail(
                        format!("no Class 1 (+FCLASS=? says {:?})", self.identity.classes),
                        now,
                    );
                }
            }
            DceLine::Ring | DceLine::CallerId { .. } => {}
            other => self.fail(format!("set-up: {other:?} to AT{cmd}"), now),
        }
    }

    fn setup_answer(&mut self, cmd: &str, ok: bool) {
        let text = std::mem::take(&mut self.answers).join("\n");
        let text = if ok { text } else { String::new() };
        let rates =
            |t: &str| -> Vec<u16> { t.split(',').filter_map(|r| r.trim().parse().ok()).collect() };
        match cmd {
            "+FCLASS=?" => self.identity.classes = text.trim().to_string(),
            "+FMI?" => self.identity.manufacturer = strip_prefix(&text, "+FMI:"),
            "+FMM?" => self.identity.model = strip_prefix(&text, "+FMM:"),
            "+FMR?" => self.identity.revision = strip_prefix(&text, "+FMR:"),
            "+FTM=?" => self.identity.tx_rates = rates(&text),
            "+FRM=?" => self.identity.rx_rates = rates(&text),
            _ => {}
        }
    }

    fn connect(&mut self, dialled: bool, now: Instant) {
        // What followed CONNECT is the front end's (frames already).
        let rest = self.reader.take_raw();
        self.reader.clear();
        let mut c = if dialled {
            Class1::after_dial(self.quirks)
        } else {
            Class1::after_answer(self.quirks)
        };
        self.events.push_back(DeviceEvent::Connected);
        for r in self.early.drain(..) {
            c.handle_request(r, now);
        }
        c.handle_input(&rest, now);
        self.state = State::Fax(Box::new(c));
        self.after_fax(now);
    }
}

fn strip_prefix(text: &str, prefix: &str) -> String {
    let t = text.trim();
    t.strip_prefix(prefix)
        .unwrap_or(t)
        .trim()
        .trim_matches('"')
        .to_string()
}
