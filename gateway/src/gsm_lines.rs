//! The GSM modem lines of the media loop (`[[gsm]]`, issue 15): each a
//! `GsmModem` ticked with the other lines. An SMS that arrives (its parts
//! put back together first; after [`PARTS_WAIT`] what came, with a note)
//! is stored as an incoming message (`Runner::receive_sms_once`, routed by
//! the SIM's number like any SMS) and deleted from the SIM only once stored;
//! one that cannot be stored stays on the SIM for the next sweep. Its
//! dedupe key ([`Reassembled::dedupe_key`]) is stored with it, so one read
//! again after a crash between the store and `+CMGD` is deleted, not
//! stored twice. The lines form one group for outgoing SMS jobs: each
//! takes the next due job when it is in service, registered and free
//! ([`crate::gsm_out`]).

use std::time::{Duration, Instant};

use kernel::message::Timestamp;
use kernel::runner::{LineState, Runner, SmsReceipt};
use line_drivers::gsm::{part_key, GsmEvent, GsmModem, GsmSpec, Reassembled, Reassembly};

/// How long the parts of a concatenated SMS wait for the others.
pub const PARTS_WAIT: Duration = Duration::from_secs(600);

/// Dedupe keys older than this are forgotten (once a day).
pub const KEYS_KEPT_MS: u64 = 30 * 24 * 3600 * 1000;

/// One GSM line on the media thread.
pub struct GsmLine {
    modem: GsmModem,
    /// The SIM's number (the called number of what arrives).
    number: String,
    in_service: bool,
    /// The last registration the modem reported (unsolicited `+CREG`).
    registered: bool,
    parts: Reassembly,
    out: crate::gsm_out::SmsSender,
    /// When old dedupe keys are pruned next.
    prune_at: Option<Instant>,
}

impl GsmLine {
    /// Open the line; its port is driven by a task on `runtime`.
    /// A sent SMS waits `report_wait` for its status reports.
    pub fn open(
        spec: &GsmSpec,
        runtime: tokio::runtime::Handle,
        report_wait: Duration,
        now: Instant,
    ) -> GsmLine {
        GsmLine {
            modem: spec.open(runtime, now),
            number: spec.number.clone(),
            in_service: false,
            registered: false,
            parts: Reassembly::new(PARTS_WAIT),
            out: crate::gsm_out::SmsSender::new(report_wait),
            prune_at: None,
        }
    }

    /// Whether the line is in service, and its signal in dBm if known
    /// (metrics).
    pub fn state(&self) -> (bool, Option<i16>) {
        let signal = self.modem.engine().info().signal_dbm;
        (self.in_service, signal.filter(|_| self.in_service))
    }

    /// Its row in `ums status` (added, or the runner's row of the same
    /// line completed): operator, registration and signal, or why it is
    /// out of service.
    pub fn status(&self, lines: &mut Vec<LineState>) {
        let engine = self.modem.engine();
        let info = engine.info();
        let network = match engine.out_of_service() {
            Some(reason) => format!("out of service: {reason}"),
            None if !self.in_service => "starting".into(),
            None => {
                let operator = match (&info.operator, &info.operator_code) {
                    (Some(n), Some(c)) => format!("{n} ({c})"),
                    (Some(n), None) => n.clone(),
                    (None, Some(c)) => c.clone(),
                    (None, None) => "operator unknown".into(),
                };
                format!(
                    "{operator}, {}, signal {}",
                    info.registration
                        .map_or("registration unknown", |r| r.text()),
                    info.signal_dbm
                        .map_or("unknown".into(), |d| format!("{d} dBm"))
                )
            }
        };
        let name = self.modem.name();
        if let Some(row) = lines.iter_mut().find(|l| l.line == name) {
            row.network = Some(network);
            return;
        }
        lines.push(LineState {
            line: name.to_string(),
            group: "gsm".into(),
            state: if self.in_service {
                "idle"
            } else {
                "unavailable"
            }
            .into(),
            message: None,
            remote: None,
            since: None,
            medium: None,
            phase: None,
            bit_rate: 0,
            ecm: false,
            page: 0,
            pages: 0,
            network: Some(network),
        });
    }

    /// Run the line and carry out its events.
    pub fn tick(&mut self, runner: &mut Runner, now: Instant, wall: Timestamp) {
        if self.prune_at.is_none_or(|t| t <= now) {
            self.prune_at = Some(now + Duration::from_secs(24 * 3600));
            let _ = runner.prune_sms_keys(Timestamp(wall.0.saturating_sub(KEYS_KEPT_MS)));
        }
        self.modem.tick(now);
        while let Some(event) = self.modem.poll_event() {
            self.event(event, runner, now, wall);
        }
        if self.parts.poll_timeout().is_some_and(|t| t <= now) {
            for m in self.parts.poll_expired(now) {
                self.store(m, runner, now, wall);
            }
        }
        let ready = self.in_service && self.registered && self.modem.engine().is_ready();
        self.out.tick(&mut self.modem, ready, runner, now, wall);
    }

    /// A whole message (or what came of it): stored, then deleted from the
    /// SIM; kept there if the store fails.
    fn store(&mut self, m: Reassembled, runner: &mut Runner, now: Instant, wall: Timestamp) {
        let name = self.modem.name().to_string();
        let caller = m.from.to_text();
        let text = m.text_with_note();
        let key = m.dedupe_key();
        let keys: Vec<&[u8]> = std::iter::once(&key)
            .chain(&m.part_keys)
            .map(|k| k.as_bytes())
            .collect();
        let receipt =
            runner.receive_sms_once(&keys, Some(&caller), &self.number, &text, &name, wall);
        match receipt {
            Ok(SmsReceipt::Stored(_)) => {
                for &i in &m.indexes {
                    self.modem.stored(i, now);
                }
                if m.direct {
                    self.modem.acknowledge(now);
                }
            }
            // Stored before a restart, read again from the SIM: deleted now.
            Ok(SmsReceipt::Duplicate(id)) => {
                crate::ulog!(
                    Info,
                    "gsm-duplicate",
                    "an SMS on line {name} from {caller} was stored before as message {} (read again after a restart): deleted from the SIM, not stored twice",
                    id.0
                );
                for &i in &m.indexes {
                    self.modem.stored(i, now);
                }
                if m.direct {
                    self.modem.acknowledge(now);
                }
            }
            // No inbound routing: it stays on the SIM (or, sent straight,
            // unacknowledged: the network tries again).
            Ok(SmsReceipt::NotTaken) => {}
            Err(e) => {
                crate::ulog!(
                    Err,
                    "store-write-failed",
                    "an SMS on line {name} could not be stored (kept on the SIM): {e}"
                );
                for &i in &m.indexes {
                    self.modem.not_stored(i);
                }
            }
        }
    }

    fn event(&mut self, event: GsmEvent, runner: &mut Runner, now: Instant, wall: Timestamp) {
        let name = self.modem.name().to_string();
        match event {
            GsmEvent::Ready(info) => {
                self.in_service = true;
                self.registered = true;
                crate::ulog!(
                    Notice,
                    "gsm-in-service",
                    "line {name} in service: {} {}, signal {}, SMSC {}",
                    info.manufacturer,
                    info.model,
                    info.signal_dbm
                        .map_or("unknown".into(), |d| format!("{d} dBm")),
                    info.smsc.as_deref().unwrap_or("unknown")
                );
            }
            GsmEvent::OutOfService { reason, permanent } => {
                self.in_service = false;
                let again = if permanent {
                    "not tried again until the configuration changes"
                } else {
                    "probed again"
                };
                crate::ulog!(
                    Warning,
                    "gsm-out-of-service",
                    "line {name} out of service: {reason} ({again})"
                );
            }
            GsmEvent::Received { index, message } => {
                // A part of a message stored before (read again after a
                // crash, or delivered again because its +CNMA never came).
                let seen = part_key(&message).map(|k| runner.sms_stored(k.as_bytes()));
                if let Some(Ok(Some(id))) = seen {
                    crate::ulog!(
                        Info,
                        "gsm-duplicate",
                        "a part of an SMS on line {name} was stored before with message {}: dropped",
                        id.0
                    );
                    match index {
                        Some(i) => self.modem.stored(i, now),
                        None => self.modem.acknowledge(now),
                    }
                    return;
                }
                for m in self.parts.push(index, message, now) {
                    self.store(m, runner, now, wall);
                }
            }
            GsmEvent::Registration(r) => {
                self.registered = r.is_registered();
                crate::ulog!(Info, "gsm-registration", "line {name}: {}", r.text())
            }
            GsmEvent::Sent { id, reference } => {
                crate::ulog!(
                    Info,
                    "sms-part-sent",
                    "line {name}: SMS {} part {} taken by the network (reference {reference})",
                    line_drivers::gsm::job_of(id).0,
                    u32::from(line_drivers::gsm::job_of(id).1) + 1
                );
                self.out.sent(id, &mut self.modem, runner, now, wall);
            }
            GsmEvent::SendFailed { id, failure } => {
                crate::ulog!(
                    Warning,
                    "sms-send-failed",
                    "line {name}: SMS {} not sent: {}",
                    line_drivers::gsm::job_of(id).0,
                    failure.text
                );
                self.out.send_failed(id, &failure, runner, now, wall);
            }
            // The report is kept in the job (the sender's confirmation);
            // one stored on the SIM (+CDSI) is deleted then, and one about
            // nothing we keep too, so reports do not fill the SIM.
            GsmEvent::Report {
                id,
                status,
                report,
                index,
            } => {
                crate::ulog!(
                    Info,
                    "sms-status-report",
                    "line {name}: status report for reference {}: {}",
                    report.reference,
                    line_drivers::gsm::status_text(report.status)
                );
                if let Some(id) = id {
                    self.out.report(id, status, &report, runner, wall);
                }
                if let Some(i) = index {
                    self.modem.stored(i, now);
                }
            }
        }
    }
}
