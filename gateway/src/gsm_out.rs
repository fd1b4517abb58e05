//! Outgoing SMS on a GSM line (issue 15): the line's half of the kernel's
//! SMS jobs (`kernel::runner::sms_out`). The `[[gsm]]` modems form one
//! line group: each line that is in service, registered and not sending
//! takes the most urgent due job, sends its parts one after the other
//! (`+CMGS`, the next part once the network took the one before, so a
//! refusal stops the rest), and stores each part as it goes (a retry
//! resumes at the first part not sent, with the same concatenation
//! reference). With status reports asked for, the job waits for one per
//! part sent: all "delivered" → the sender's confirmation says "delivered
//! to the handset"; a "failed" → failure notice with the network's reason
//! (TP-ST in words); no report within `[sms] report_wait_secs` → confirmed
//! as sent with the delivery "pending" (and the last "still trying" report
//! in words, if one came). A `+CMS ERROR` is in words in the notice; a
//! temporary one (no network, congestion, the line went out of service)
//! is retried by the retry policy, a permanent one fails the job. A line
//! whose send failed for a temporary reason takes no job for [`HOLD_OFF`],
//! so the retry goes to another line of the group if one can send.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use kernel::message::{MessageId, Timestamp};
use kernel::runner::{Runner, SmsTask};
use line_drivers::gsm::{
    job_of, part_id, split, status_text, DeliveryStatus, Failure, FailureKind, GsmModem,
    GsmSendError, Reference, StatusReport, UserData,
};

/// How long a line whose send failed for a temporary reason (no network
/// service, congestion) leaves the due jobs to the other lines.
pub const HOLD_OFF: Duration = Duration::from_secs(10);

/// The job whose parts are going out on the line.
struct Sending {
    id: MessageId,
    number: String,
    parts: Vec<UserData>,
    /// Index (0-based) of the part on the wire.
    next: usize,
}

/// A job whose parts wait for their status reports.
struct Awaiting {
    /// Parts (1-based) sent in this attempt without a final report.
    open: BTreeSet<u32>,
    /// Every part of the attempt went to the network.
    all_sent: bool,
    /// The last "still trying" report, in words.
    pending: Option<String>,
    deadline: Instant,
}

/// The outgoing side of one GSM line.
pub struct SmsSender {
    report_wait: Duration,
    sending: Option<Sending>,
    awaiting: BTreeMap<MessageId, Awaiting>,
    /// No new job before this (a temporary failure on this line).
    hold_until: Option<Instant>,
}

impl SmsSender {
    pub fn new(report_wait: Duration) -> SmsSender {
        SmsSender {
            report_wait,
            sending: None,
            awaiting: BTreeMap::new(),
            hold_until: None,
        }
    }

    /// Jobs sending or waiting for reports on this line.
    pub fn busy(&self) -> bool {
        self.sending.is_some()
    }

    /// Take a due job if the line can send (`ready`: in service and
    /// registered), and see to report deadlines.
    pub fn tick(
        &mut self,
        modem: &mut GsmModem,
        ready: bool,
        runner: &mut Runner,
        now: Instant,
        wall: Timestamp,
    ) {
        let due: Vec<MessageId> = (self.awaiting.iter())
            .filter(|(_, a)| a.all_sent && a.deadline <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            if let Some(a) = self.awaiting.remove(&id) {
                let delivery = a.pending.unwrap_or_else(|| {
                    format!(
                        "pending: sent to the network; no status report within {} s",
                        self.report_wait.as_secs()
                    )
                });
                store(runner.sms_finished(id, &delivery, wall));
            }
        }
        if !ready || self.sending.is_some() || self.hold_until.is_some_and(|t| now < t) {
            return;
        }
        let name = modem.name().to_string();
        match runner.take_sms(&name, wall) {
            Ok(Some(task)) => self.start(task, modem, runner, now, wall),
            Ok(None) => {}
            Err(e) => store(Err(e)),
        }
    }

    fn start(
        &mut self,
        task: SmsTask,
        modem: &mut GsmModem,
        runner: &mut Runner,
        now: Instant,
        wall: Timestamp,
    ) {
        let name = modem.name().to_string();
        let max = modem.config().max_parts;
        let parts = match split(&task.text, Reference::Short(task.reference), max) {
            Ok(p) => p,
            Err(e) => {
                let reason = format!("the text cannot go as SMS on line {name}: {e}");
                return store(runner.sms_failed(task.id, false, &reason, None, wall));
            }
        };
        let first = (task.first_part.max(1) as usize - 1).min(parts.len());
        crate::ulog!(
            Info,
            "sms-sending",
            "line {name}: SMS {} to {}, parts {} to {} of {}",
            task.id,
            task.number,
            first + 1,
            parts.len(),
            parts.len()
        );
        if first == parts.len() {
            return store(runner.sms_finished(
                task.id,
                "pending: sent to the network; the delivery to the handset is not confirmed",
                wall,
            ));
        }
        self.sending = Some(Sending {
            id: task.id,
            number: task.number,
            parts,
            next: first,
        });
        self.send_next(modem, runner, now, wall);
    }

    fn send_next(
        &mut self,
        modem: &mut GsmModem,
        runner: &mut Runner,
        now: Instant,
        wall: Timestamp,
    ) {
        let Some(s) = &self.sending else {
            return;
        };
        let (id, next) = (s.id, s.next);
        // Cancelled or deleted meanwhile: the rest of it is not sent.
        if !runner.is_open(id) {
            self.sending = None;
            self.awaiting.remove(&id);
            return;
        }
        let ud = s.parts[next].clone();
        let sent = modem.send_user_data(part_id(id.0, next as u8), &s.number, ud, now);
        if let Err(e) = sent {
            let temporary = matches!(e, GsmSendError::Line(_));
            self.failed(id, temporary, &e.to_string(), runner, now, wall);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn failed(
        &mut self,
        id: MessageId,
        temporary: bool,
        reason: &str,
        runner: &mut Runner,
        now: Instant,
        wall: Timestamp,
    ) {
        if self.sending.as_ref().is_some_and(|s| s.id == id) {
            self.sending = None;
        }
        if temporary {
            self.hold_until = Some(now + HOLD_OFF);
        }
        self.awaiting.remove(&id);
        store(runner.sms_failed(id, temporary, reason, None, wall));
    }

    /// `+CMGS: <mr>`: the part went to the network.
    pub fn sent(
        &mut self,
        event_id: u64,
        modem: &mut GsmModem,
        runner: &mut Runner,
        now: Instant,
        wall: Timestamp,
    ) {
        let (job, index) = job_of(event_id);
        let id = MessageId(job);
        let Some(s) = self.sending.as_mut().filter(|s| s.id == id) else {
            return;
        };
        if usize::from(index) != s.next {
            return;
        }
        let part = u32::from(index) + 1;
        s.next += 1;
        let all_sent = s.next == s.parts.len();
        store(runner.sms_part_sent(id, part, wall));
        if modem.config().status_reports {
            let a = self.awaiting.entry(id).or_insert_with(|| Awaiting {
                open: BTreeSet::new(),
                all_sent: false,
                pending: None,
                deadline: now,
            });
            a.open.insert(part);
            a.all_sent = all_sent;
            a.deadline = now + self.report_wait;
        }
        if !all_sent {
            return self.send_next(modem, runner, now, wall);
        }
        self.sending = None;
        if !modem.config().status_reports {
            let delivery = "sent to the network (no status report asked for)";
            store(runner.sms_finished(id, delivery, wall));
        } else {
            // Reports may have come for every part already.
            self.check_done(id, runner, wall);
        }
    }

    /// A part could not be sent: `+CMS ERROR` in words, or the line went.
    pub fn send_failed(
        &mut self,
        event_id: u64,
        failure: &Failure,
        runner: &mut Runner,
        now: Instant,
        wall: Timestamp,
    ) {
        let id = MessageId(job_of(event_id).0);
        if self.sending.as_ref().is_none_or(|s| s.id != id) {
            return;
        }
        let temporary = failure.kind == FailureKind::Temporary;
        self.failed(id, temporary, &failure.text, runner, now, wall);
    }

    /// A status report about a part this line sent (`id` from the engine).
    pub fn report(
        &mut self,
        event_id: u64,
        status: DeliveryStatus,
        report: &StatusReport,
        runner: &mut Runner,
        wall: Timestamp,
    ) {
        let (job, index) = job_of(event_id);
        let id = MessageId(job);
        let part = u32::from(index) + 1;
        let Some(a) = self.awaiting.get_mut(&id) else {
            return;
        };
        let words = status_text(report.status);
        match status {
            DeliveryStatus::Delivered => {
                a.open.remove(&part);
                self.check_done(id, runner, wall);
            }
            DeliveryStatus::Pending => {
                let note = format!("pending: {words} (the service centre is still trying)");
                a.pending = Some(note.clone());
                store(runner.sms_delivery_note(id, &note, wall));
            }
            DeliveryStatus::Failed => {
                let reason = format!(
                    "the network could not deliver the SMS to the handset: {words} (status report, TP-ST {:#04x})",
                    report.status
                );
                if self.sending.as_ref().is_some_and(|s| s.id == id) {
                    self.sending = None;
                }
                self.awaiting.remove(&id);
                let code = Some(format!("TP-ST {:#04x}", report.status));
                store(runner.sms_failed(id, false, &reason, code, wall));
            }
        }
    }

    fn check_done(&mut self, id: MessageId, runner: &mut Runner, wall: Timestamp) {
        if let Some(a) = self
            .awaiting
            .get(&id)
            .filter(|a| a.all_sent && a.open.is_empty())
        {
            let _ = a;
            self.awaiting.remove(&id);
            store(runner.sms_finished(id, "delivered to the handset", wall));
        }
    }
}

/// A store write that failed: logged; the job is where the store says
/// (the next start recovers it).
fn store(r: Result<(), kernel::store::StoreError>) {
    if let Err(e) = r {
        crate::ulog!(
            Err,
            "store-write-failed",
            "an SMS job's step could not be stored: {e}"
        );
    }
}
