//! The GSM modem lines of the media loop (`[[gsm]]`, issue 15): each a
//! `GsmModem` ticked with the other lines. An SMS that arrives (its parts
//! put back together first; after [`PARTS_WAIT`] what came, with a note)
//! is stored as an incoming message (`Runner::receive_sms`, routed by the
//! SIM's number like any SMS) and deleted from the SIM only once stored;
//! one that cannot be stored stays on the SIM for the next sweep. The
//! lines form one group for outgoing SMS jobs: each takes the next due job
//! when it is in service, registered and free ([`crate::gsm_out`]).

use std::time::{Duration, Instant};

use kernel::message::Timestamp;
use kernel::runner::Runner;
use line_drivers::gsm::{GsmEvent, GsmModem, GsmSpec, Reassembled, Reassembly};

/// How long the parts of a concatenated SMS wait for the others.
pub const PARTS_WAIT: Duration = Duration::from_secs(600);

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
        }
    }

    /// Whether the line is in service, and its signal in dBm if known
    /// (metrics).
    pub fn state(&self) -> (bool, Option<i16>) {
        let signal = self.modem.engine().info().signal_dbm;
        (self.in_service, signal.filter(|_| self.in_service))
    }

    /// Run the line and carry out its events.
    pub fn tick(&mut self, runner: &mut Runner, now: Instant, wall: Timestamp) {
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
        match runner.receive_sms(Some(&caller), &self.number, &text, &name, wall) {
            Ok(Some(_)) => {
                for &i in &m.indexes {
                    self.modem.stored(i, now);
                }
            }
            // No inbound routing: it stays on the SIM.
            Ok(None) => {}
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
