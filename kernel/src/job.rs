//! The job state machine of an outgoing message: a pure function of
//! (job, event, now, policy). No clock, no I/O: the store persists what
//! [`step`] returns, the runner carries out its effects.
//!
//! ```text
//!            Start            AttemptEnded(success, all pages)
//!  Waiting ─────────▶ Active ─────────────────────────────────▶ Done(Sent)
//!     ▲                 │  AttemptEnded(temporary), attempts left
//!     └─────────────────┘  (retry from the first unconfirmed page)
//!                       │  AttemptEnded(permanent) / attempts used up
//!                       └────────────────────────────────────────▶ Done(Failed)
//!  Waiting/Active ── Cancel ──▶ Done(Cancelled) ; ── Delete ──▶ Done(Deleted)
//!  Active ── Recover (restart after a crash) ──▶ Done(Sent) if every page was
//!            confirmed, else Waiting (now, from the first unconfirmed page)
//! ```

use serde::{Deserialize, Serialize};

use crate::message::Timestamp;

/// Retry settings, with the defaults users of fax servers know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetryPolicy {
    /// N retries: N + 1 attempts in all.
    pub retries: u32,
    /// Seconds to wait before retry 1, 2, ...; the last one repeats.
    pub intervals_secs: Vec<u64>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 3,
            intervals_secs: vec![120, 300, 600],
        }
    }
}

impl RetryPolicy {
    pub fn max_attempts(&self) -> u32 {
        self.retries.saturating_add(1)
    }

    /// Wait before the attempt after `attempts_made` attempts.
    pub fn interval_after(&self, attempts_made: u32) -> u64 {
        let i = attempts_made.saturating_sub(1) as usize;
        self.intervals_secs
            .get(i)
            .or(self.intervals_secs.last())
            .copied()
            .unwrap_or(60)
    }
}

/// Whether trying again can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FailureKind {
    /// Busy, no answer, dropped, training failed: retry.
    Temporary,
    /// Number does not exist, not a fax, not permitted, render error: don't.
    Permanent,
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptResult {
    /// Pages of the document confirmed by the remote, counted from page 1
    /// of the whole document (not of this attempt).
    pub pages_confirmed: u32,
    /// `None`: success. Otherwise what went wrong and whether to retry.
    pub failure: Option<(FailureKind, String)>,
    pub bit_rate: u32,
    pub remote_id: Option<String>,
    pub duration_secs: u32,
    /// The class of the failure for the report (busy, no answer, ...).
    #[serde(default)]
    pub cause: Option<crate::report::Cause>,
    /// The network's or the fax protocol's own code for how it ended
    /// (`Q.850 17`, `T.30 0 (OK)`), for the journal's attempt list.
    #[serde(default)]
    pub code: Option<String>,
}

/// Why a job ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Final {
    Sent,
    Failed { reason: String, permanent: bool },
    Cancelled { by: String },
    Deleted { by: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    /// Ready to go on a line at or after `not_before`.
    Waiting {
        not_before: Timestamp,
    },
    /// On a line: attempt number `attempt` (1-based), sending from `first_page`.
    Active {
        attempt: u32,
        line: String,
        first_page: u32,
        since: Timestamp,
    },
    Done(Final),
}

/// The job of one outgoing message (one recipient).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub state: JobState,
    /// Attempts started so far.
    pub attempts: u32,
    /// Pages in the document (0 for SMS: one unit).
    pub pages_total: u32,
    /// Pages confirmed by the remote, across attempts.
    pub pages_confirmed: u32,
    /// 0 = most urgent, 9 = bulk.
    pub priority: u8,
    /// The last failure, for the report.
    pub last_reason: Option<String>,
    /// An attempt was resumed from a later page than 1 (the report says so).
    pub resumed_from: Option<u32>,
}

impl Job {
    /// A new job, to go out at `not_before` (now, or a send-at time).
    pub fn new(pages_total: u32, priority: u8, not_before: Timestamp) -> Job {
        Job {
            state: JobState::Waiting { not_before },
            attempts: 0,
            pages_total,
            pages_confirmed: 0,
            priority,
            last_reason: None,
            resumed_from: None,
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self.state, JobState::Done(_))
    }

    /// Ready for a line at `now`.
    pub fn is_due(&self, now: Timestamp) -> bool {
        matches!(self.state, JobState::Waiting { not_before } if not_before <= now)
    }

    /// The page the next (or current) attempt starts from.
    pub fn next_page(&self) -> u32 {
        self.pages_confirmed + 1
    }
}

/// What happens to a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobEvent {
    /// The scheduler put it on a line.
    Start {
        line: String,
    },
    /// The remote confirmed this page (absolute page number).
    PageConfirmed {
        page: u32,
    },
    AttemptEnded(AttemptResult),
    Cancel {
        by: String,
    },
    Delete {
        by: String,
    },
    /// The process restarted and found the job as stored.
    Recover,
}

/// What the runner must do after a step (besides storing the new job).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// Tell the sender how it ended (success or failure).
    Confirmation,
    /// Tell the sender their message was cancelled.
    CancelNotice,
    /// Tell the default recipient an outgoing message was deleted.
    DeletionNotice,
    /// Hang up the call in progress.
    AbortCall,
}

/// A step the state machine refuses (the caller has a bug or a stale event).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("job event {event} not valid in state {state}")]
pub struct InvalidTransition {
    pub state: &'static str,
    pub event: &'static str,
}

fn state_name(s: &JobState) -> &'static str {
    match s {
        JobState::Waiting { .. } => "Waiting",
        JobState::Active { .. } => "Active",
        JobState::Done(_) => "Done",
    }
}

fn event_name(e: &JobEvent) -> &'static str {
    match e {
        JobEvent::Start { .. } => "Start",
        JobEvent::PageConfirmed { .. } => "PageConfirmed",
        JobEvent::AttemptEnded(_) => "AttemptEnded",
        JobEvent::Cancel { .. } => "Cancel",
        JobEvent::Delete { .. } => "Delete",
        JobEvent::Recover => "Recover",
    }
}

/// The transition function. Pure: same inputs, same outputs.
pub fn step(
    job: &Job,
    event: &JobEvent,
    now: Timestamp,
    policy: &RetryPolicy,
) -> Result<(Job, Vec<Effect>), InvalidTransition> {
    let invalid = || InvalidTransition {
        state: state_name(&job.state),
        event: event_name(event),
    };
    let mut next = job.clone();
    let mut effects = Vec::new();
    match (&job.state, event) {
        (JobState::Waiting { .. }, JobEvent::Start { line }) => {
            next.attempts += 1;
            let first_page = job.next_page();
            if first_page > 1 {
                next.resumed_from = Some(first_page);
            }
            next.state = JobState::Active {
                attempt: next.attempts,
                line: line.clone(),
                first_page,
                since: now,
            };
        }
        (JobState::Active { .. }, JobEvent::PageConfirmed { page }) => {
            // Confirmations only move forward and never past the document.
            let page = (*page).min(job.pages_total.max(1));
            next.pages_confirmed = job.pages_confirmed.max(page);
        }
        (JobState::Active { .. }, JobEvent::AttemptEnded(r)) => {
            next.pages_confirmed = job
                .pages_confirmed
                .max(r.pages_confirmed.min(job.pages_total.max(1)));
            let complete = next.pages_confirmed >= job.pages_total;
            match &r.failure {
                None if complete => {
                    next.state = JobState::Done(Final::Sent);
                    effects.push(Effect::Confirmation);
                }
                None => {
                    // "Success" with pages missing is not success.
                    retry_or_fail(
                        &mut next,
                        FailureKind::Temporary,
                        "the remote did not confirm every page",
                        now,
                        policy,
                        &mut effects,
                    );
                }
                Some((kind, reason)) => {
                    retry_or_fail(&mut next, *kind, reason, now, policy, &mut effects);
                }
            }
        }
        (JobState::Waiting { .. } | JobState::Active { .. }, JobEvent::Cancel { by }) => {
            if matches!(job.state, JobState::Active { .. }) {
                effects.push(Effect::AbortCall);
            }
            next.state = JobState::Done(Final::Cancelled { by: by.clone() });
            effects.push(Effect::CancelNotice);
        }
        (_, JobEvent::Delete { by }) => {
            if matches!(job.state, JobState::Active { .. }) {
                effects.push(Effect::AbortCall);
            }
            let was_open = !job.is_done();
            next.state = JobState::Done(Final::Deleted { by: by.clone() });
            if was_open {
                effects.push(Effect::CancelNotice);
            }
            effects.push(Effect::DeletionNotice);
        }
        (JobState::Active { .. }, JobEvent::Recover) => {
            if job.pages_total > 0 && job.pages_confirmed >= job.pages_total {
                next.state = JobState::Done(Final::Sent);
                effects.push(Effect::Confirmation);
            } else {
                // The interrupted attempt was not the remote's fault: it does
                // not count against the retries.
                next.attempts = job.attempts.saturating_sub(1);
                next.last_reason = Some("the gateway restarted during the call".into());
                next.state = JobState::Waiting { not_before: now };
            }
        }
        (JobState::Waiting { .. } | JobState::Done(_), JobEvent::Recover) => {}
        _ => return Err(invalid()),
    }
    Ok((next, effects))
}

fn retry_or_fail(
    next: &mut Job,
    kind: FailureKind,
    reason: &str,
    now: Timestamp,
    policy: &RetryPolicy,
    effects: &mut Vec<Effect>,
) {
    next.last_reason = Some(reason.to_string());
    if kind == FailureKind::Temporary && next.attempts < policy.max_attempts() {
        let wait = policy.interval_after(next.attempts);
        next.state = JobState::Waiting {
            not_before: now.plus_secs(wait),
        };
    } else {
        next.state = JobState::Done(Final::Failed {
            reason: reason.to_string(),
            permanent: kind == FailureKind::Permanent,
        });
        effects.push(Effect::Confirmation);
    }
}
