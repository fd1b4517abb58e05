//! The runner's outgoing faxes: a due job is dialled on a free line, its
//! pages confirmed by the remote are stored one by one, and the call's end
//! becomes the attempt's result for the job state machine.

use std::path::PathBuf;
use std::time::Instant;

use fax_t30::{FaxEvent, FaxOptions, PageSource, Retry};
use line_drivers::{CallEnd, FaxCall, FaxCallEvent, FaxRole, HangupCause};

use super::{CallState, Runner, RunnerConfig};
use crate::job::{AttemptResult, FailureKind, Job, JobEvent};
use crate::message::{Message, MessageId, Service, Timestamp};
use crate::report::Cause;
use crate::store::{Record, StoreError};

/// An outgoing fax call of job `id`.
pub(super) struct Sending {
    pub id: MessageId,
    pub fax: FaxCall,
    pub started: Timestamp,
    pub progress: super::progress::CallProgress,
}

/// A sender's fax options for `rec`: the sending user's header, else the
/// gateway's.
fn send_options(config: &RunnerConfig, rec: &Record) -> FaxOptions {
    FaxOptions {
        calling_party: true,
        ecm: config.ecm,
        max_rate: config.max_rate,
        ident: config.ident.clone(),
        header: rec
            .message
            .fax_header
            .clone()
            .or_else(|| config.header.clone()),
        ..FaxOptions::default()
    }
}

impl Runner {
    /// Put job `id` on slot `i`: store the start, then dial.
    pub(super) fn start_sending(
        &mut self,
        i: usize,
        id: MessageId,
        media_now: Instant,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let rec = &self.open[&id];
        let number = rec
            .message
            .dial_string
            .clone()
            .or_else(|| rec.message.recipient_number.clone())
            .unwrap_or_default();
        let line_name = self.slots[i].line.id().0.clone();
        self.apply(id, JobEvent::Start { line: line_name }, now, "Start")?;
        let Some(rec) = self.open.get(&id) else {
            return Ok(());
        };
        let first_page = rec.job.as_ref().map_or(1, Job::next_page);
        let role = FaxRole::Send(PageSource::TiffFrom {
            path: PathBuf::from(rec.message.document.clone().unwrap_or_default()),
            first_page,
        });
        let options = send_options(&self.config, rec);
        let slot = &mut self.slots[i];
        match FaxCall::dial(slot.line.as_mut(), &number, role, options, media_now) {
            Ok(fax) => {
                slot.state = CallState::Sending(Sending {
                    id,
                    fax,
                    started: now,
                    progress: Default::default(),
                });
                Ok(())
            }
            Err(e) => {
                let r = failure(
                    FailureKind::Permanent,
                    format!("the number cannot be dialled: {e}"),
                    0,
                    Cause::InvalidNumber,
                );
                self.apply(id, JobEvent::AttemptEnded(r), now, "AttemptEnded")
            }
        }
    }

    /// Store what the call on slot `i` did this tick: pages confirmed,
    /// and at its end the attempt's result.
    pub(super) fn tick_sending(&mut self, i: usize, now: Timestamp) -> Result<(), StoreError> {
        let CallState::Sending(s) = &mut self.slots[i].state else {
            return Ok(());
        };
        let id = s.id;
        let mut confirmed = Vec::new();
        let mut ended = None;
        while let Some(ev) = s.fax.poll_event() {
            s.progress.handle(&ev);
            match ev {
                FaxCallEvent::Fax(FaxEvent::PageConfirmed { page, .. }) => confirmed.push(page),
                FaxCallEvent::Ended(end) => {
                    ended = Some(attempt_result(end, s.fax.first_page(), s.started, now))
                }
                _ => {}
            }
        }
        for page in confirmed {
            self.apply(id, JobEvent::PageConfirmed { page }, now, "PageConfirmed")?;
        }
        if let Some(r) = ended {
            self.slots[i].state = CallState::Idle;
            self.apply(id, JobEvent::AttemptEnded(r), now, "AttemptEnded")?;
        }
        Ok(())
    }
}

/// The job's view of how a call ended.
fn attempt_result(
    end: CallEnd,
    first_page: u32,
    started: Timestamp,
    now: Timestamp,
) -> AttemptResult {
    let duration_secs = started.secs_until(now) as u32;
    let mut r = match end {
        CallEnd::NotConnected(cause) => {
            let kind = if cause.is_permanent() {
                FailureKind::Permanent
            } else {
                FailureKind::Temporary
            };
            let mut r = failure(kind, cause.text().to_string(), 0, cause_of_hangup(cause));
            r.code = Some(format!("Q.850 {}", cause.q850()));
            r
        }
        CallEnd::Failed(e) => failure(
            FailureKind::Permanent,
            format!("the document cannot be sent: {e}"),
            first_page - 1,
            Cause::RenderFailed,
        ),
        CallEnd::Fax(o) => {
            let kind = match o.code.retry() {
                Retry::Temporary => FailureKind::Temporary,
                Retry::Permanent => FailureKind::Permanent,
            };
            AttemptResult {
                pages_confirmed: first_page - 1 + o.pages_confirmed,
                failure: (!o.success).then(|| (kind, o.summary())),
                bit_rate: o.bit_rate,
                remote_id: o.remote_ident.clone(),
                duration_secs,
                cause: Some(cause_of_t30(o.code)),
                code: Some(format!("T.30 {} ({})", o.code.0, o.code.name())),
            }
        }
    };
    r.duration_secs = duration_secs;
    r
}

pub(super) fn failure(
    kind: FailureKind,
    reason: String,
    pages: u32,
    cause: Cause,
) -> AttemptResult {
    AttemptResult {
        pages_confirmed: pages,
        failure: Some((kind, reason)),
        bit_rate: 0,
        remote_id: None,
        duration_secs: 0,
        cause: Some(cause),
        code: None,
    }
}

/// The report's class for a network cause.
fn cause_of_hangup(c: HangupCause) -> Cause {
    match c {
        HangupCause::UserBusy | HangupCause::Congestion => Cause::Busy,
        HangupCause::NoAnswer | HangupCause::NoUserResponding => Cause::NoAnswer,
        HangupCause::UnallocatedNumber | HangupCause::NumberChanged => Cause::BadNumber,
        HangupCause::InvalidNumberFormat => Cause::InvalidNumber,
        HangupCause::IncompatibleDestination => Cause::NotAFax,
        _ => Cause::Other,
    }
}

/// The report's class for a T.30 result.
fn cause_of_t30(code: fax_t30::CompletionCode) -> Cause {
    match code.name() {
        "OK" => Cause::Sent,
        "T0_EXPIRED" | "T1_EXPIRED" | "TX_NODIS" | "CEDTONE" => Cause::NotAFax,
        "CANNOT_TRAIN" => Cause::TrainingFailed,
        "FILEERROR" | "NOPAGE" | "BADTIFF" | "BADPAGE" | "BADTAG" | "BADTIFFHDR" => {
            Cause::RenderFailed
        }
        _ => Cause::CallDropped,
    }
}

/// A new outgoing fax record, ready for [`Runner::submit`].
pub fn outgoing_fax(
    id: MessageId,
    dial_string: &str,
    document: PathBuf,
    pages: u32,
    now: Timestamp,
) -> Record {
    let mut m = Message::new(id, crate::message::Direction::Outgoing, Service::Fax, now);
    m.dial_string = Some(dial_string.to_string());
    m.document = Some(document.display().to_string());
    m.pages = pages;
    Record {
        job: Some(Job::new(pages, m.priority, now)),
        message: m,
    }
}
