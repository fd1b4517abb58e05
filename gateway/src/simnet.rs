//! The simulated phone network of the embedded default (`ums serve` without
//! real lines): a loopback exchange where
//!
//! * every number our lines dial reaches a virtual fax machine, made the
//!   first time the number is dialled, that receives with a real T.30
//!   receiver and keeps what it got as TIFF-F in
//!   `<data>/virtual-network/<number>/fax-0001.tif`, `fax-0002.tif`, ...
//!   (numbering goes on across restarts);
//! * except the [`SPECIAL_NUMBERS`]: always busy, never answers, answers
//!   with a voice (no fax tones), does not exist;
//! * and a virtual caller ([`SimNet::handle`] with
//!   [`MediaRequest::SimulateFax`]) that calls one of our lines from any
//!   number and sends a fax, the way `ums simulate fax` asks it to.
//!
//! It lives on the media thread with the lines and the runner, and is
//! driven by [`SimNet::tick`] once per 20 ms, before the runner.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

use kernel::message::{MessageId, Timestamp};
use kernel::runner::{LineState, Runner};
use line_drivers::fax_machine::{SentFax, VirtualFaxMachine};
use line_drivers::loopback::{Behaviour, ExchangeConfig, NumberPattern, SharedExchange};
use line_drivers::{
    CallId, HangupCause, Line, LineCaps, LineError, LineEvent, LineId, Media, MediaKind,
};
use tokio::sync::oneshot;

/// What a special number does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    /// Always busy: Q.850 cause 17, user busy.
    Busy,
    /// Rings until the network gives up (30 s): Q.850 cause 19, no answer.
    NoAnswer,
    /// A person answers after two rings and talks: no CED, no V.21, so the
    /// fax sender's T.30 gives up (T1 expired: "not a fax"), about a minute
    /// into the call.
    Voice,
    /// Not in service: Q.850 cause 1, unallocated number.
    Unallocated,
}

/// The numbers of the simulated network that are not fax machines, as the
/// lines dial them (the embedded default's numbering plan is Germany, area
/// 89: `9990@fax.localhost` is +49 89 9990 and dials `0899990`).
pub const SPECIAL_NUMBERS: &[(&str, Special, &str)] = &[
    ("0899990", Special::Busy, "always busy"),
    ("0899991", Special::NoAnswer, "never answers (rings 30 s)"),
    ("0899992", Special::Voice, "answers with a voice, not a fax"),
    ("0899993", Special::Unallocated, "does not exist"),
];

/// How many virtual fax machines the network makes at most; further new
/// numbers are answered "unallocated". Bounds the memory a flood of
/// different numbers can take.
pub const MAX_MACHINES: usize = 10_000;

/// The exchange settings of the simulated network: the special numbers.
pub fn exchange_config() -> ExchangeConfig {
    let mut config = ExchangeConfig::default();
    for (number, special, _) in SPECIAL_NUMBERS {
        let behaviour = match special {
            Special::Busy => Behaviour::Busy,
            Special::NoAnswer => Behaviour::NeverAnswer,
            Special::Voice => Behaviour::answer_with_voice(),
            Special::Unallocated => Behaviour::Reject(HangupCause::UnallocatedNumber),
        };
        config = config.with_behaviour(NumberPattern::exact(number), behaviour);
    }
    config
}

/// A request from the control socket to the media thread.
pub enum MediaRequest {
    /// The lines' states.
    Status(oneshot::Sender<Vec<LineState>>),
    /// Cancel (or delete) an outgoing message.
    Remove {
        id: MessageId,
        delete: bool,
        by: String,
        reply: oneshot::Sender<Result<bool, String>>,
    },
    /// The virtual caller sends a fax from `from` to one of our lines.
    SimulateFax {
        from: String,
        to: String,
        document: Vec<u8>,
        reply: oneshot::Sender<Result<SimulatedFax, String>>,
    },
    /// An operator hangs up the call on line `line` (`false`: no call).
    HangUp {
        line: String,
        by: String,
        reply: oneshot::Sender<bool>,
    },
    /// An SMS from `from` to `to` arrives.
    SimulateSms {
        from: String,
        to: String,
        text: String,
        reply: oneshot::Sender<Result<Option<MessageId>, String>>,
    },
}

/// How a simulated incoming fax went, seen from the virtual caller.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SimulatedFax {
    pub success: bool,
    pub line: String,
    pub pages: u32,
    /// The sender's result, or the network's cause when it never connected.
    pub result: String,
}

/// Our line, as the runner drives it; every number it dials is noted so
/// the network can put a fax machine there before the exchange routes the
/// call.
struct WatchedLine {
    line: Box<dyn Line>,
    dialled: Rc<RefCell<Vec<String>>>,
}

impl Line for WatchedLine {
    fn id(&self) -> &LineId {
        self.line.id()
    }
    fn caps(&self) -> LineCaps {
        self.line.caps()
    }
    fn dial(&mut self, number: &str, media: MediaKind, now: Instant) -> Result<CallId, LineError> {
        let call = self.line.dial(number, media, now)?;
        self.dialled.borrow_mut().push(number.to_string());
        Ok(call)
    }
    fn answer(&mut self, call: CallId, now: Instant) -> Result<(), LineError> {
        self.line.answer(call, now)
    }
    fn hangup(&mut self, call: CallId, cause: HangupCause, now: Instant) {
        self.line.hangup(call, cause, now)
    }
    fn send(&mut self, call: CallId, media: Media, now: Instant) -> Result<(), LineError> {
        self.line.send(call, media, now)
    }
    fn poll_event(&mut self) -> Option<LineEvent> {
        self.line.poll_event()
    }
    fn is_idle(&self) -> bool {
        self.line.is_idle()
    }
}

struct PendingFax {
    line: String,
    reply: oneshot::Sender<Result<SimulatedFax, String>>,
}

/// See the module docs.
pub struct SimNet {
    exchange: SharedExchange,
    dir: PathBuf,
    /// Our lines: number → line name.
    ours: BTreeMap<String, String>,
    machines: HashMap<String, VirtualFaxMachine>,
    dialled: Rc<RefCell<Vec<String>>>,
    pending: HashMap<String, PendingFax>,
    /// The media time of the last tick (for requests between ticks).
    now: Option<Instant>,
}

impl SimNet {
    /// A network whose fax machines keep what they receive under `dir`.
    pub fn new(dir: PathBuf) -> Result<SimNet, String> {
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(SimNet {
            exchange: SharedExchange::new(exchange_config()),
            dir,
            ours: BTreeMap::new(),
            machines: HashMap::new(),
            dialled: Rc::default(),
            pending: HashMap::new(),
            now: None,
        })
    }

    /// Connect one of our lines (`number` on the exchange).
    pub fn add_our_line(&mut self, number: &str) -> Result<Box<dyn Line>, String> {
        let line = self
            .exchange
            .add_line(number, LineCaps::FAX)
            .map_err(|e| e.to_string())?;
        self.ours.insert(number.to_string(), line.id().0.clone());
        Ok(Box::new(WatchedLine {
            line: Box::new(line),
            dialled: Rc::clone(&self.dialled),
        }))
    }

    /// Put a fax machine on `number` now (it would be made when first
    /// dialled anyway).
    pub fn add_machine(&mut self, number: &str) -> Result<(), String> {
        self.machine(number).map(|_| ())
    }

    fn is_special(number: &str) -> bool {
        SPECIAL_NUMBERS.iter().any(|(n, _, _)| *n == number)
    }

    /// The fax machine on `number`, made on first use.
    fn machine(&mut self, number: &str) -> Result<&mut VirtualFaxMachine, String> {
        if !self.machines.contains_key(number) {
            if Self::is_special(number) || self.ours.contains_key(number) {
                return Err(format!(
                    "{number} is not a fax machine of the simulated network"
                ));
            }
            if self.machines.len() >= MAX_MACHINES {
                return Err(format!(
                    "the simulated network has {MAX_MACHINES} fax machines already"
                ));
            }
            let line = self
                .exchange
                .add_line(number, LineCaps::FAX)
                .map_err(|e| e.to_string())?;
            let dir = self.dir.join(number);
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let first = next_file_number(&dir);
            let machine = VirtualFaxMachine::new(Box::new(line), dir, &format!("VIRTUAL {number}"))
                .with_first_file_number(first);
            self.machines.insert(number.to_string(), machine);
        }
        Ok(self.machines.get_mut(number).expect("just made"))
    }

    /// One media step: fax machines for newly dialled numbers, the
    /// exchange, the machines, results for the virtual caller.
    pub fn tick(&mut self, now: Instant) {
        self.now = Some(now);
        let dialled = std::mem::take(&mut *self.dialled.borrow_mut());
        for number in dialled {
            // Special numbers, our own lines and invalid numbers are the
            // exchange's to answer.
            let _ = self.machine(&number);
        }
        self.exchange.tick(now);
        for (number, m) in &mut self.machines {
            m.tick(now);
            for sent in m.take_sent() {
                if let Some(p) = self.pending.remove(number) {
                    let _ = p.reply.send(Ok(simulated(&p.line, sent)));
                }
            }
        }
    }

    /// Which of our lines `to` reaches: a line's number as the network
    /// knows it (`100`), or that number behind the site's base number in
    /// any written form (`+49 89 1234 100`, `0891234100`).
    fn our_line_for(&self, to: &str, base_forms: &[String]) -> Option<(String, String)> {
        let digits: String = to.chars().filter(|c| c.is_ascii_digit()).collect();
        self.ours.iter().find_map(|(number, name)| {
            let hit = digits == *number
                || base_forms
                    .iter()
                    .any(|b| digits.strip_prefix(b.as_str()) == Some(number.as_str()));
            hit.then(|| (number.clone(), name.clone()))
        })
    }

    /// Carry out a request from the control socket.
    pub fn handle(
        &mut self,
        request: MediaRequest,
        runner: &mut Runner,
        base_forms: &[String],
        wall: Timestamp,
    ) {
        #[allow(clippy::disallowed_methods)] // driver shell: before the first tick
        let now = self.now.unwrap_or_else(Instant::now);
        match request {
            MediaRequest::Status(reply) => {
                let _ = reply.send(runner.line_states());
            }
            MediaRequest::Remove {
                id,
                delete,
                by,
                reply,
            } => {
                let r = runner
                    .remove(id, &by, delete, now, wall)
                    .map_err(|e| e.to_string());
                let _ = reply.send(r);
            }
            MediaRequest::HangUp { line, by, reply } => {
                let done = runner.hang_up_line(&line, now);
                if done {
                    crate::ulog!(Notice, "line-hangup", "{line}: call hung up by {by}");
                }
                let _ = reply.send(done);
            }
            MediaRequest::SimulateSms {
                from,
                to,
                text,
                reply,
            } => {
                let r = runner
                    .receive_sms(Some(&from), &to, &text, "simulated-network", wall)
                    .map_err(|e| e.to_string());
                let _ = reply.send(r);
            }
            MediaRequest::SimulateFax {
                from,
                to,
                document,
                reply,
            } => {
                let r = self.simulate_fax(&from, &to, &document, base_forms, now);
                match r {
                    Ok(line) => {
                        self.pending.insert(from, PendingFax { line, reply });
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
            }
        }
    }

    fn simulate_fax(
        &mut self,
        from: &str,
        to: &str,
        document: &[u8],
        base_forms: &[String],
        now: Instant,
    ) -> Result<String, String> {
        let Some((number, name)) = self.our_line_for(to, base_forms) else {
            let lines: Vec<&str> = self.ours.keys().map(String::as_str).collect();
            return Err(format!(
                "{to} is not one of the gateway's lines; the simulated network reaches them as {}",
                lines.join(", ")
            ));
        };
        line_drivers::line::check_number(from).map_err(|e| format!("--from {from}: {e}"))?;
        if self.pending.contains_key(from) {
            return Err(format!("{from} is sending a fax already"));
        }
        let machine = self.machine(from)?;
        if !machine.is_idle() {
            return Err(format!("{from} is busy with a call"));
        }
        let dir = self.dir.join(from);
        let file = dir.join(format!("sending-{}.tif", std::process::id()));
        std::fs::write(&file, document).map_err(|e| format!("{}: {e}", file.display()))?;
        let machine = self.machine(from)?;
        machine
            .send_fax(&number, file, now)
            .map_err(|e| format!("{from} cannot call {number}: {e}"))?;
        Ok(name)
    }
}

fn simulated(line: &str, sent: SentFax) -> SimulatedFax {
    match (sent.outcome, sent.cause) {
        (Some(o), _) => SimulatedFax {
            success: o.success,
            line: line.to_string(),
            pages: o.pages_confirmed,
            result: o.summary(),
        },
        (None, cause) => SimulatedFax {
            success: false,
            line: line.to_string(),
            pages: 0,
            result: cause.map_or("the call failed", |c| c.text()).to_string(),
        },
    }
}

/// The number after the highest `fax-NNNN.tif` in `dir`.
fn next_file_number(dir: &Path) -> u32 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().to_string();
                    name.strip_prefix("fax-")?
                        .strip_suffix(".tif")?
                        .parse::<u32>()
                        .ok()
                })
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
        + 1
}

/// The forms of the site's base number a called number may start with
/// (`49891234`, `0891234`, `0049891234`).
pub fn base_forms(plan: &kernel::numbering::NumberingPlan) -> Vec<String> {
    let base = plan.base_digits();
    let mut forms = vec![base.clone()];
    if let Ok(n) = plan.parse(&format!("+{base}")) {
        let national = plan.dial_string(&n);
        forms.push(national);
    }
    forms.push(format!("00{base}"));
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_numbers_continue_after_what_is_there() {
        let dir = std::env::temp_dir().join(format!("ums-cli-simnet-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(next_file_number(&dir), 1);
        std::fs::write(dir.join("fax-0007.tif"), b"x").unwrap();
        std::fs::write(dir.join("fax-0002.tif"), b"x").unwrap();
        std::fs::write(dir.join("notes.txt"), b"x").unwrap();
        assert_eq!(next_file_number(&dir), 8);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The runner dials each special number and a fax machine on a
    /// simulated clock: a minute of line time in a moment.
    #[test]
    fn each_special_number_ends_the_call_as_documented() {
        use fax_t30::page::{BilevelPage, PaperSize, Resolution};
        use kernel::report::Cause;
        use kernel::runner::{outgoing_fax, LineSpec, RunnerConfig};
        use kernel::store::Store;
        use line_drivers::SimClock;

        let dir = std::env::temp_dir().join(format!("ums-cli-simnet-calls-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&dir.join("store")).unwrap();
        let mut net = SimNet::new(dir.join("net")).unwrap();
        let lines: Vec<LineSpec> = (100..105)
            .map(|n| LineSpec::from(net.add_our_line(&n.to_string()).unwrap()))
            .collect();
        let mut runner =
            Runner::new(store.clone(), RunnerConfig::default(), lines, Timestamp(0)).unwrap();
        let res = Resolution::Standard;
        let page =
            BilevelPage::test_pattern(PaperSize::A4.width(), PaperSize::A4.rows(res), res, 3);
        let doc = dir.join("doc.tif");
        crate::document::write_pages(&doc, &[page]).unwrap();
        let numbers = ["0899990", "0899991", "0899992", "0899993", "0897777"];
        let records = numbers
            .iter()
            .enumerate()
            .map(|(i, n)| outgoing_fax(MessageId(i as u64 + 1), n, doc.clone(), 1, Timestamp(0)))
            .collect();
        runner.submit(records).unwrap();
        #[allow(clippy::disallowed_methods)] // test harness: the origin of the simulated clock
        let mut clock = SimClock::new(Instant::now());
        // 100 s of line time; the first retry would come after 120 s.
        for t in 0..5000u64 {
            let now = clock.tick();
            net.tick(now);
            runner.tick(now, Timestamp(t * 20)).unwrap();
        }
        let rec = |i: u64| store.get(MessageId(i)).unwrap().unwrap().message;
        let want = [
            Some(Cause::Busy),
            Some(Cause::NoAnswer),
            Some(Cause::NotAFax),
            Some(Cause::BadNumber),
        ];
        for (i, cause) in want.iter().enumerate() {
            let m = rec(i as u64 + 1);
            assert_eq!(m.attempts, 1, "{}: {m:?}", numbers[i]);
            assert_eq!(m.failure_cause, *cause, "{}: {m:?}", numbers[i]);
        }
        // Any other number is a fax machine that keeps the page.
        let m = rec(5);
        assert_eq!(m.status, kernel::message::Status::Sent, "{m:?}");
        let got = dir.join("net/0897777/fax-0001.tif");
        assert_eq!(fax_t30::tiff::read_tiff_file(&got).unwrap().len(), 1);
        assert!(!dir.join("net/0899990").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn special_numbers_are_never_fax_machines() {
        let dir = std::env::temp_dir().join(format!("ums-cli-simnet-sp-{}", std::process::id()));
        let mut net = SimNet::new(dir.clone()).unwrap();
        for (n, _, _) in SPECIAL_NUMBERS {
            assert!(net.add_machine(n).is_err(), "{n}");
        }
        net.add_machine("0895551").unwrap();
        assert!(dir.join("0895551").is_dir());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
