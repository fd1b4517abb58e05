//! The runner: puts due jobs on free lines, drives their fax calls, takes
//! incoming calls and SMS, feeds what happens into the job state machine,
//! and stores every step before acting on it.
//!
//! It is a sans-IO engine over [`Line`]s: the owner calls
//! [`Runner::tick`] every 20 ms with the media time and the wall time (both
//! simulated in tests), after the lines' driver has ticked. Each line's
//! slot is in one [`CallState`]; a fax call in either direction is a
//! [`FaxCall`](line_drivers::FaxCall), the one media pump of the workspace.
//!
//! ```text
//!  mod.rs        Runner, slots, job steps (apply), scheduling, line states
//!  outbound.rs   Sending: dial, pages confirmed, the attempt's result
//!  inbound.rs    Receiving: answer, the received fax as a message
//!  voicemail.rs  Voice: greeting, recording, hand-over to fax on CNG
//!  sms.rs        an SMS from a line or the simulated network
//!  sms_out.rs    SMS jobs: the GSM lines take them and report back
//!  incoming.rs   the one builder of incoming messages (routing, numbers)
//! ```
//!
//! **Hand-over.** What people must hear about is written in the same
//! record write as the change that calls for it ([`Pending`] in the
//! message): a job's final step carries its notice, an incoming message
//! its delivery. The ids come out of [`Runner::take_handoffs`] for the
//! delivery workers ([`crate::handoff`]); nothing here builds a mail.

use std::collections::BTreeMap;
use std::time::Instant;

use fax_t30::MaxRate;
use line_drivers::{FaxCall, HangupCause, Line, LineEvent, MediaKind};

use crate::job::{step, Effect, Final, JobEvent, JobState, RetryPolicy};
use crate::message::{MessageId, Pending, Service, Status, Timestamp};
use crate::store::{Record, Store, StoreError};

mod inbound;
mod incoming;
mod outbound;
mod progress;
mod sms;
mod sms_out;
mod voicemail;

pub use outbound::outgoing_fax;
pub use sms::SmsReceipt;
pub use sms_out::{sms_reference, SmsTask};

/// Settings of the runner.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    pub policy: RetryPolicy,
    /// Our TSI.
    pub ident: String,
    /// Header line on each sent page (spandsp adds date, time, page n/m).
    pub header: Option<String>,
    pub ecm: bool,
    pub max_rate: MaxRate,
    /// Jobs of this priority or lower urgency (higher number) go out only
    /// inside `low_priority_window`.
    pub low_priority_from: u8,
    /// (start, end) minutes of the UTC day; may wrap midnight.
    pub low_priority_window: Option<(u32, u32)>,
    /// At most this many outgoing calls at once per line group.
    pub group_limits: BTreeMap<String, usize>,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            policy: RetryPolicy::default(),
            ident: String::new(),
            header: None,
            ecm: true,
            max_rate: MaxRate::V17,
            low_priority_from: 7,
            low_priority_window: None,
            group_limits: BTreeMap::new(),
        }
    }
}

/// What a line is doing.
enum CallState {
    Idle,
    /// An outgoing fax of a job.
    Sending(outbound::Sending),
    /// An incoming fax.
    Receiving(inbound::Receiving),
    /// A voice call (voicemail, or listening for a fax tone).
    Voice(voicemail::VoiceCall),
}

struct Slot {
    line: Box<dyn Line>,
    group: String,
    state: CallState,
}

impl Slot {
    fn new(spec: LineSpec) -> Slot {
        Slot {
            line: spec.line,
            group: spec.group,
            state: CallState::Idle,
        }
    }

    fn is_free(&self) -> bool {
        matches!(self.state, CallState::Idle)
    }
}

/// What the runner needs to take calls: routing and a spool directory.
pub struct InboundConfig {
    pub router: crate::routing::Router,
    pub plan: crate::numbering::NumberingPlan,
    /// Received faxes are written here as `<id>.tif`.
    pub spool: std::path::PathBuf,
    /// Our CSI.
    pub ident: String,
}

/// A line and the group it belongs to (for per-group limits).
pub struct LineSpec {
    pub line: Box<dyn Line>,
    pub group: String,
}

impl From<Box<dyn Line>> for LineSpec {
    fn from(line: Box<dyn Line>) -> LineSpec {
        LineSpec {
            line,
            group: "default".into(),
        }
    }
}

/// Work for the delivery side, written in the store before it is handed
/// out (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handoff {
    /// An incoming message was stored, marked to be delivered.
    Received(MessageId),
    /// A job's step called for a notice, marked in its record.
    Notice(MessageId, Effect),
}

impl Handoff {
    /// The message the work is about.
    pub fn id(&self) -> MessageId {
        match self {
            Handoff::Received(id) | Handoff::Notice(id, _) => *id,
        }
    }

    /// The id of a received message.
    pub fn received(self) -> Option<MessageId> {
        match self {
            Handoff::Received(id) => Some(id),
            Handoff::Notice(..) => None,
        }
    }

    /// A notice and the message it is about.
    pub fn notice(self) -> Option<(MessageId, Effect)> {
        match self {
            Handoff::Notice(id, e) => Some((id, e)),
            Handoff::Received(_) => None,
        }
    }
}

/// See the module docs.
pub struct Runner {
    store: Store,
    config: RunnerConfig,
    slots: Vec<Slot>,
    /// Open jobs by id (an index of the store, which stays the truth).
    open: BTreeMap<MessageId, Record>,
    handoffs: Vec<Handoff>,
    inbound: Option<InboundConfig>,
    voice: Option<crate::voice::VoiceSettings>,
    voice_dropped: u64,
    voice_to_fax: u64,
    /// Stopping: no new calls start, the ones in progress go on.
    draining: bool,
}

impl Runner {
    /// Start on `store`, resolving calls that were in progress when the
    /// process stopped (every page confirmed: sent; otherwise retried).
    pub fn new(
        store: Store,
        config: RunnerConfig,
        lines: Vec<LineSpec>,
        now: Timestamp,
    ) -> Result<Runner, StoreError> {
        let mut runner = Runner {
            store,
            config,
            slots: lines.into_iter().map(Slot::new).collect(),
            open: BTreeMap::new(),
            handoffs: Vec::new(),
            inbound: None,
            voice: None,
            voice_dropped: 0,
            voice_to_fax: 0,
            draining: false,
        };
        for rec in runner.store.open_jobs()? {
            let id = rec.message.id;
            let active = matches!(
                rec.job.as_ref().map(|j| &j.state),
                Some(JobState::Active { .. })
            );
            runner.open.insert(id, rec);
            if active {
                runner.apply(id, JobEvent::Recover, now, "Recover")?;
            }
        }
        Ok(runner)
    }

    /// Accept new outgoing messages: stored and flushed before this returns.
    pub fn submit(&mut self, records: Vec<Record>) -> Result<(), StoreError> {
        self.store.insert_batch(&records)?;
        for r in records {
            if r.job.as_ref().is_some_and(|j| !j.is_done()) {
                self.open.insert(r.message.id, r);
            }
        }
        Ok(())
    }

    /// Take incoming calls: answer as a fax receiver, route what arrives.
    /// Without this, incoming calls are refused as busy. What receptions
    /// cut short by a stop left in the spool is removed first.
    pub fn with_inbound(mut self, inbound: InboundConfig) -> Runner {
        let removed = inbound::remove_cut_receptions(&inbound.spool);
        if removed > 0 {
            eprintln!(
                "<5>ums: removed {removed} fax reception(s) cut short by the last stop from {}",
                inbound.spool.display()
            );
        }
        self.inbound = Some(inbound);
        self
    }

    /// The inbound routing in force: a configuration reload swaps the
    /// router here. Calls in progress go on; an incoming fax is routed
    /// when it ends, by the router in force then.
    pub fn inbound_mut(&mut self) -> Option<&mut InboundConfig> {
        self.inbound.as_mut()
    }

    /// Start no more calls (the gateway is stopping): due jobs wait in the
    /// store, incoming calls are refused as busy; calls in progress go on.
    pub fn drain(&mut self) {
        self.draining = true;
    }

    /// Lines with a call, outgoing or incoming.
    pub fn calls_in_progress(&self) -> usize {
        self.slots.iter().filter(|s| !s.is_free()).count()
    }

    /// Work for the delivery side since the last call: received messages
    /// and notices, each already marked in its stored record.
    pub fn take_handoffs(&mut self) -> Vec<Handoff> {
        std::mem::take(&mut self.handoffs)
    }

    /// Take over messages another part of the gateway stored (the SMTP
    /// connector stores and flushes before its 250, then hands the ids on).
    pub fn adopt(&mut self, ids: &[MessageId]) -> Result<(), StoreError> {
        for id in ids {
            if let Some(rec) = self.store.get(*id)? {
                if rec.job.as_ref().is_some_and(|j| !j.is_done()) {
                    self.open.insert(*id, rec);
                }
            }
        }
        Ok(())
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Jobs not finished yet.
    pub fn open_jobs(&self) -> usize {
        self.open.len()
    }

    /// Whether a call (outgoing or incoming) is on each line, in the order
    /// the lines were given (for the metrics).
    pub fn lines_busy(&self) -> impl Iterator<Item = bool> + '_ {
        self.slots.iter().map(|s| !s.is_free())
    }

    /// Adds a line (a SIP trunk added by a configuration reload): it takes
    /// calls from the next tick, after the lines already there.
    pub fn add_line(&mut self, spec: LineSpec) {
        self.slots.push(Slot::new(spec));
    }

    /// Removes line `id` if no call is on it (a trunk removed by a reload:
    /// calls in progress are never cut). True when the line is gone (or
    /// was not there); false while a call holds it.
    pub fn remove_line(&mut self, id: &line_drivers::LineId) -> bool {
        let Some(i) = self.slots.iter().position(|s| s.line.id() == id) else {
            return true;
        };
        if !self.slots[i].is_free() || !self.slots[i].line.is_idle() {
            return false;
        }
        self.slots.remove(i);
        true
    }

    /// An operator cancels (`delete == false`) or deletes a message.
    pub fn remove(
        &mut self,
        id: MessageId,
        by: &str,
        delete: bool,
        media_now: Instant,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let event = if delete {
            JobEvent::Delete { by: by.into() }
        } else {
            JobEvent::Cancel { by: by.into() }
        };
        if !self.open.contains_key(&id) {
            let Some(rec) = self.store.get(id)? else {
                return Ok(false);
            };
            // No job: failed at acceptance, or a fax still being rendered
            // (its job comes with its pages). Nothing to stop here.
            if !delete || rec.job.is_none() {
                return Ok(false);
            }
            self.open.insert(id, rec);
        }
        self.apply(id, event, now, if delete { "Delete" } else { "Cancel" })?;
        // Hang up a call in progress for it.
        for slot in &mut self.slots {
            if matches!(&slot.state, CallState::Sending(s) if s.id == id) {
                if let CallState::Sending(mut s) =
                    std::mem::replace(&mut slot.state, CallState::Idle)
                {
                    s.fax
                        .hang_up(slot.line.as_mut(), HangupCause::NormalClearing, media_now);
                }
            }
        }
        Ok(true)
    }

    /// Store a job step and its journal fields, with the notices it calls
    /// for marked in the same write.
    fn apply(
        &mut self,
        id: MessageId,
        event: JobEvent,
        now: Timestamp,
        name: &str,
    ) -> Result<(), StoreError> {
        let Some(rec) = self.open.get_mut(&id) else {
            return Ok(());
        };
        let job = rec.job.as_ref().expect("open records have a job");
        let Ok((next, effects)) = step(job, &event, now, &self.config.policy) else {
            return Ok(()); // a stale event (e.g. a page after cancel): nothing to do
        };
        let m = &mut rec.message;
        m.attempts = next.attempts;
        m.pages_sent = next.pages_confirmed;
        m.updated_at = now;
        m.status_reason = next.last_reason.clone();
        m.status = match &next.state {
            JobState::Waiting { .. } if next.attempts > 0 => Status::Retrying,
            JobState::Waiting { .. } => Status::Queued,
            JobState::Active { line, .. } => {
                m.line = Some(line.clone());
                m.local_station_id = Some(self.config.ident.clone());
                Status::Sending
            }
            JobState::Done(f) => {
                m.completed_at = Some(now);
                match f {
                    Final::Sent => {
                        m.status_reason = None;
                        if m.service == Service::Sms && m.delivery.is_none() {
                            // Sent before a restart; its reports were the
                            // old process's.
                            m.delivery = Some(
                                "pending: sent to the network; the delivery to the handset \
                                 is not confirmed"
                                    .into(),
                            );
                        }
                        Status::Sent
                    }
                    Final::Failed { .. } => Status::Failed,
                    Final::Cancelled { .. } => Status::Cancelled,
                    Final::Deleted { .. } => Status::Deleted,
                }
            }
        };
        match (&event, &job.state, &next.state) {
            (JobEvent::Start { line }, _, JobState::Active { first_page, .. }) => {
                m.begin_attempt(next.attempts, line, *first_page, now)
            }
            (JobEvent::AttemptEnded(r), ..) => m.end_attempt(r, now),
            (JobEvent::Recover, JobState::Active { .. }, JobState::Waiting { .. }) => {
                m.interrupt_attempt("the gateway restarted during the call", now)
            }
            (JobEvent::Cancel { by }, JobState::Active { .. }, _) => {
                m.interrupt_attempt(&format!("cancelled by {by}"), now)
            }
            (JobEvent::Delete { by }, JobState::Active { .. }, _) => {
                m.interrupt_attempt(&format!("deleted by {by}"), now)
            }
            _ => {}
        }
        if let JobEvent::AttemptEnded(r) = &event {
            m.failure_cause = if r.failure.is_some() { r.cause } else { None };
            m.transmit_speed = r.bit_rate;
            m.remote_station_id = r.remote_id.clone().or(m.remote_station_id.take());
            m.duration_secs = r.duration_secs;
        }
        let notices: Vec<Effect> = effects
            .into_iter()
            .filter(|e| *e != Effect::AbortCall)
            .collect();
        for e in &notices {
            m.pending.push(Pending::Notice(e.clone(), m.status));
        }
        rec.job = Some(next);
        self.store.update(rec, name)?;
        let done = rec.job.as_ref().is_some_and(|j| j.is_done());
        (self.handoffs).extend(notices.into_iter().map(|e| Handoff::Notice(id, e)));
        if done {
            self.open.remove(&id);
        }
        Ok(())
    }

    /// One media step: line events, calls, then scheduling.
    pub fn tick(&mut self, media_now: Instant, now: Timestamp) -> Result<(), StoreError> {
        for i in 0..self.slots.len() {
            self.tick_slot(i, media_now, now)?;
        }
        self.schedule(media_now, now)
    }

    fn tick_slot(
        &mut self,
        i: usize,
        media_now: Instant,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        // The call on the line takes its events; the rest (a new call
        // ringing in) is the runner's.
        let mut others = Vec::new();
        {
            let slot = &mut self.slots[i];
            let line = slot.line.as_mut();
            match &mut slot.state {
                CallState::Sending(s) => s.fax.step(line, media_now, |ev| others.push(ev)),
                CallState::Receiving(r) => r.fax.step(line, media_now, |ev| others.push(ev)),
                CallState::Voice(v) => {
                    while line.poll_media_change().is_some() {}
                    while let Some(ev) = line.poll_event() {
                        if ev.call() == v.call {
                            v.handle_event(ev);
                        } else {
                            others.push(ev);
                        }
                    }
                }
                CallState::Idle => {
                    while line.poll_media_change().is_some() {}
                    others.extend(std::iter::from_fn(|| line.poll_event()));
                }
            }
        }
        for ev in others {
            if let LineEvent::Incoming {
                call,
                caller,
                called,
                media,
            } = ev
            {
                self.ring(i, call, caller, called, media, media_now, now);
            }
            // Anything else belongs to a call the slot no longer has.
        }
        match self.slots[i].state {
            CallState::Idle => Ok(()),
            CallState::Sending(_) => self.tick_sending(i, now),
            CallState::Receiving(_) => self.tick_receiving(i, now),
            CallState::Voice(_) => self.tick_voice(i, media_now, now),
        }
    }

    /// A call rings in on slot `i`: answered as voicemail, or as a fax,
    /// by the called number's answer mode; refused as busy when the slot
    /// has a call, the gateway is stopping or takes no calls.
    #[allow(clippy::too_many_arguments)]
    fn ring(
        &mut self,
        i: usize,
        call: line_drivers::CallId,
        caller: Option<String>,
        called: String,
        media: MediaKind,
        media_now: Instant,
        now: Timestamp,
    ) {
        let slot = &mut self.slots[i];
        let (Some(cfg), true, false) = (&self.inbound, slot.is_free(), self.draining) else {
            slot.line.hangup(call, HangupCause::UserBusy, media_now);
            return;
        };
        let mode = match (&self.voice, media) {
            (Some(_), MediaKind::Audio) => voicemail::answer_mode(cfg, slot, &called),
            _ => crate::routing::AnswerMode::Fax,
        };
        if mode != crate::routing::AnswerMode::Fax {
            let started = self.voice.as_ref().and_then(|settings| {
                voicemail::start(
                    cfg, settings, slot, call, caller, called, mode, media_now, now,
                )
            });
            match started {
                Some(vc) => slot.state = CallState::Voice(vc),
                None => slot.line.hangup(call, HangupCause::UserBusy, media_now),
            }
            return;
        }
        if let Some(r) = inbound::answer(cfg, slot, call, caller, called, media, media_now, now) {
            slot.state = CallState::Receiving(r);
        }
    }

    fn in_window(&self, priority: u8, now: Timestamp) -> bool {
        match self.config.low_priority_window {
            Some((start, end)) if priority >= self.config.low_priority_from => {
                let minute = ((now.0 / 60_000) % 1440) as u32;
                if start <= end {
                    (start..end).contains(&minute)
                } else {
                    minute >= start || minute < end
                }
            }
            _ => true,
        }
    }

    fn schedule(&mut self, media_now: Instant, now: Timestamp) -> Result<(), StoreError> {
        if self.draining || !self.slots.iter().any(Slot::is_free) {
            return Ok(());
        }
        // Due jobs, most urgent first, then oldest.
        let mut due: Vec<(u8, Timestamp, MessageId)> = self
            .open
            .values()
            .filter(|r| r.message.service == Service::Fax)
            .filter_map(|r| {
                r.job
                    .as_ref()
                    .filter(|j| j.is_due(now))
                    .map(|j| (j.priority, r.message.created_at, r.message.id))
            })
            .filter(|(p, _, _)| self.in_window(*p, now))
            .collect();
        due.sort();
        for (_, _, id) in due {
            let busy_in = |g: &str| {
                self.slots
                    .iter()
                    .filter(|s| s.group == g && !s.is_free())
                    .count()
            };
            // The first free line in order that may dial: a trunk that is
            // down is passed over for the next (failover).
            let Some(i) = self.slots.iter().position(|s| {
                s.is_free()
                    && s.line.is_available()
                    && s.line.caps().can_fax()
                    && self
                        .config
                        .group_limits
                        .get(&s.group)
                        .is_none_or(|max| busy_in(&s.group) < *max)
            }) else {
                break;
            };
            self.start_sending(i, id, media_now, now)?;
        }
        Ok(())
    }
}

/// What one line is doing, for `ums status` and the metrics.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LineState {
    pub line: String,
    pub group: String,
    /// `idle`, `unavailable` (no new calls: a modem out of service, a
    /// SIP trunk held down), `sending`, `receiving` or `voice`.
    pub state: String,
    /// The outgoing message on the line.
    pub message: Option<MessageId>,
    /// The number dialled (sending) or the caller (receiving).
    pub remote: Option<String>,
    /// When the call began.
    pub since: Option<Timestamp>,
    /// A fax call's medium: `G.711`, `T.38` or `modem` (a Class 1 modem
    /// modulates itself).
    #[serde(default)]
    pub medium: Option<String>,
    /// Its T.30 phase in words (`C (page data)`).
    #[serde(default)]
    pub phase: Option<String>,
    /// The negotiated image data rate, bit/s (0 before training).
    #[serde(default)]
    pub bit_rate: u32,
    #[serde(default)]
    pub ecm: bool,
    /// The page in flight, and of how many (0: unknown, a receiver).
    #[serde(default)]
    pub page: u32,
    #[serde(default)]
    pub pages: u32,
    /// A GSM line's network in words: operator, registration, signal (or
    /// why it is out of service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
}

impl Runner {
    /// Every line's state, in line order.
    pub fn line_states(&self) -> Vec<LineState> {
        self.slots
            .iter()
            .map(|slot| {
                let mut st = LineState {
                    line: slot.line.id().0.clone(),
                    group: slot.group.clone(),
                    state: "idle".into(),
                    message: None,
                    remote: None,
                    since: None,
                    medium: None,
                    phase: None,
                    bit_rate: 0,
                    ecm: false,
                    page: 0,
                    pages: 0,
                    network: None,
                };
                let fax = |st: &mut LineState, fax: &FaxCall, p: &progress::CallProgress| {
                    st.medium = Some(
                        match fax.media_kind() {
                            MediaKind::Audio => "G.711",
                            MediaKind::T38 => "T.38",
                            MediaKind::Modem => "modem",
                        }
                        .into(),
                    );
                    st.phase = p.phase.map(|ph| progress::phase_name(ph).to_string());
                    st.bit_rate = p.bit_rate;
                    st.ecm = p.ecm;
                    st.page = p.page;
                };
                match &slot.state {
                    // A modem out of service, a SIP trunk held down.
                    CallState::Idle if !slot.line.is_available() => {
                        st.state = "unavailable".into();
                    }
                    CallState::Idle => {}
                    CallState::Sending(s) => {
                        st.state = "sending".into();
                        st.message = Some(s.id);
                        st.remote = self
                            .open
                            .get(&s.id)
                            .and_then(|r| r.message.dial_string.clone());
                        st.since = Some(s.started);
                        fax(&mut st, &s.fax, &s.progress);
                        st.pages = self.open.get(&s.id).map_or(0, |r| r.message.pages);
                    }
                    CallState::Receiving(r) => {
                        st.state = "receiving".into();
                        st.remote = r.caller.clone();
                        st.since = Some(r.started);
                        fax(&mut st, &r.fax, &r.progress);
                    }
                    CallState::Voice(v) => {
                        st.state = "voice".into();
                        st.remote = v.caller.clone();
                        st.since = Some(v.started);
                    }
                }
                st
            })
            .collect()
    }
}

/// A line name as a file name part (`loop/100` → `loop_100`).
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
