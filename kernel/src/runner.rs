//! The runner: puts due jobs on free lines, drives their fax calls, feeds
//! what happens into the job state machine, and stores every step before
//! acting on it. Outcomes that someone must hear about come out as
//! [`Effect`]s for the report side.
//!
//! It is a sans-IO engine over [`Line`]s: the owner calls
//! [`Runner::tick`] every 20 ms with the media time and the wall time (both
//! simulated in tests), after the lines' driver has ticked.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use fax_t30::{
    Document, FaxEvent, FaxOptions, FaxSession, MaxRate, PageSource, Retry, T38Options, Transport,
};
use line_drivers::fax_machine::feed;
use line_drivers::{CallId, CallProgress, HangupCause, Line, LineEvent, Media, MediaKind};

use crate::job::{
    step, AttemptResult, Effect, FailureKind, Final, Job, JobEvent, JobState, RetryPolicy,
};
use crate::message::{Message, MessageId, Service, Status, Timestamp};
use crate::report::Cause;
use crate::store::{Record, Store, StoreError};

mod voicemail;

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

struct ActiveCall {
    id: MessageId,
    call: CallId,
    /// The page of the document the current session starts with: a
    /// session restarted on a new transport goes on after the pages the
    /// previous one got confirmed.
    first_page: u32,
    session: Option<FaxSession>,
    started: Timestamp,
    /// The call's media now (a SIP trunk switches to T.38 and back).
    kind: MediaKind,
}

/// The transport of a fax session on `kind` of media.
fn transport_of(kind: MediaKind) -> Transport {
    match kind {
        MediaKind::Audio => Transport::Audio,
        MediaKind::T38 => Transport::T38(T38Options::default()),
    }
}

/// Hand media from the line to a session of the same kind; media of the
/// other kind (around a switch) is dropped.
fn feed_matching(session: &mut FaxSession, media: &Media) {
    match media {
        Media::Audio(_) if session.is_t38() => {}
        Media::T38(_) if !session.is_t38() => {}
        _ => feed(session, media),
    }
}

/// One media step of a session's output onto the line: a frame of audio,
/// or the T.38 timers and the IFP packets due.
fn pump_out(session: &mut FaxSession, line: &mut dyn Line, call: CallId, media_now: Instant) {
    if session.is_finished() {
        return;
    }
    if session.is_t38() {
        session.handle_tick();
        while let Some(p) = session.poll_ifp() {
            let _ = line.send(call, Media::T38(p), media_now);
        }
    } else {
        let frame = session.poll_audio();
        let _ = line.send(call, Media::Audio(frame), media_now);
    }
}

struct Slot {
    line: Box<dyn Line>,
    group: String,
    active: Option<ActiveCall>,
    inbound: Option<InboundCall>,
    voice: Option<voicemail::VoiceCall>,
}

impl Slot {
    fn is_free(&self) -> bool {
        self.active.is_none() && self.inbound.is_none() && self.voice.is_none()
    }
}

/// A fax coming in on a line.
struct InboundCall {
    call: CallId,
    caller: Option<String>,
    called: String,
    file: PathBuf,
    session: FaxSession,
    started: Timestamp,
    options: FaxOptions,
    /// Files of earlier sessions of this call that kept pages (a switch of
    /// transport after a page arrived): joined with `file` at the end.
    parts: Vec<(PathBuf, u32)>,
}

/// What the runner needs to take calls: routing and a spool directory.
pub struct InboundConfig {
    pub router: crate::routing::Router,
    pub plan: crate::numbering::NumberingPlan,
    /// Received faxes are written here as `<id>.tif`.
    pub spool: PathBuf,
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

/// See the module docs.
pub struct Runner {
    store: Store,
    config: RunnerConfig,
    slots: Vec<Slot>,
    /// Open jobs by id (an index of the store, which stays the truth).
    open: BTreeMap<MessageId, Record>,
    effects: Vec<(MessageId, Effect)>,
    inbound: Option<InboundConfig>,
    received: Vec<MessageId>,
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
            slots: lines
                .into_iter()
                .map(|spec| Slot {
                    line: spec.line,
                    group: spec.group,
                    active: None,
                    inbound: None,
                    voice: None,
                })
                .collect(),
            open: BTreeMap::new(),
            effects: Vec::new(),
            inbound: None,
            received: Vec::new(),
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
    /// Without this, incoming calls are refused as busy.
    pub fn with_inbound(mut self, inbound: InboundConfig) -> Runner {
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

    /// Incoming messages stored since the last call (for delivery).
    pub fn take_received(&mut self) -> Vec<MessageId> {
        std::mem::take(&mut self.received)
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

    /// What must be reported since the last call.
    pub fn take_effects(&mut self) -> Vec<(MessageId, Effect)> {
        std::mem::take(&mut self.effects)
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
        self.slots.push(Slot {
            line: spec.line,
            group: spec.group,
            active: None,
            inbound: None,
            voice: None,
        });
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
            if slot.active.as_ref().is_some_and(|a| a.id == id) {
                let a = slot.active.take().expect("checked");
                slot.line
                    .hangup(a.call, HangupCause::NormalClearing, media_now);
            }
        }
        Ok(true)
    }

    /// Store a job step and its journal fields; remember its effects.
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
                        Status::Sent
                    }
                    Final::Failed { .. } => Status::Failed,
                    Final::Cancelled { .. } => Status::Cancelled,
                    Final::Deleted { .. } => Status::Deleted,
                }
            }
        };
        if let JobEvent::AttemptEnded(r) = &event {
            m.failure_cause = if r.failure.is_some() { r.cause } else { None };
            m.transmit_speed = r.bit_rate;
            m.remote_station_id = r.remote_id.clone().or(m.remote_station_id.take());
            m.duration_secs = r.duration_secs;
        }
        rec.job = Some(next);
        self.store.update(rec, name)?;
        let done = rec.job.as_ref().is_some_and(|j| j.is_done());
        self.effects.extend(effects.into_iter().map(|e| (id, e)));
        if done {
            self.open.remove(&id);
        }
        Ok(())
    }

    /// One media step: line events, fax sessions, then scheduling.
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
        let mut ended: Option<AttemptResult> = None;
        let mut confirmed: Vec<u32> = Vec::new();
        {
            let slot = &mut self.slots[i];
            while let Some((call, kind)) = slot.line.poll_media_change() {
                if let Some(a) = slot.active.as_mut().filter(|a| a.call == call) {
                    let Some(rec) = self.open.get(&a.id) else {
                        continue;
                    };
                    if let Err(e) = switch_send(&self.config, rec, a, kind, &mut confirmed) {
                        slot.line
                            .hangup(a.call, HangupCause::NormalClearing, media_now);
                        ended = Some(failure(
                            FailureKind::Permanent,
                            format!("the document cannot be sent: {e}"),
                            a.first_page - 1,
                            Cause::RenderFailed,
                        ));
                    }
                } else if let Some(inb) = slot.inbound.as_mut().filter(|c| c.call == call) {
                    // On failure the old session has ended: the call ends
                    // with the pages that came.
                    switch_receive(inb, kind);
                }
            }
            while let Some(ev) = slot.line.poll_event() {
                if let Some(vc) = slot.voice.as_mut().filter(|c| c.call == ev.call()) {
                    vc.handle_event(ev);
                    continue;
                }
                if let Some(inb) = slot.inbound.as_mut().filter(|c| c.call == ev.call()) {
                    match ev {
                        LineEvent::Media { media, .. } => feed_matching(&mut inb.session, &media),
                        LineEvent::HungUp { .. } => inb.session.handle_hangup(),
                        _ => {}
                    }
                    continue;
                }
                let Some(a) = slot.active.as_mut().filter(|a| a.call == ev.call()) else {
                    if let LineEvent::Incoming {
                        call,
                        caller,
                        called,
                        media,
                    } = ev
                    {
                        let mode = match (&self.inbound, &self.voice, media) {
                            (Some(cfg), Some(_), MediaKind::Audio) => {
                                voicemail::answer_mode(cfg, slot, &called)
                            }
                            _ => crate::routing::AnswerMode::Fax,
                        };
                        if mode != crate::routing::AnswerMode::Fax {
                            let started = match (&self.inbound, &self.voice, slot.is_free()) {
                                (Some(cfg), Some(settings), true) if !self.draining => {
                                    voicemail::start(
                                        cfg, settings, slot, call, caller, called, mode, media_now,
                                        now,
                                    )
                                }
                                _ => None,
                            };
                            match started {
                                Some(vc) => slot.voice = Some(vc),
                                None => slot.line.hangup(call, HangupCause::UserBusy, media_now),
                            }
                            continue;
                        }
                        let answered = match (&self.inbound, slot.is_free()) {
                            (Some(cfg), true) if !self.draining => start_inbound(
                                cfg, slot, call, caller, called, media, media_now, now,
                            ),
                            _ => None,
                        };
                        match answered {
                            Some(inb) => slot.inbound = Some(inb),
                            None => slot.line.hangup(call, HangupCause::UserBusy, media_now),
                        }
                    }
                    continue;
                };
                match ev {
                    LineEvent::Progress {
                        progress: CallProgress::Answered,
                        ..
                    } => {
                        let Some(rec) = self.open.get(&a.id) else {
                            continue;
                        };
                        match send_session(&self.config, rec, a.first_page, a.kind) {
                            Ok(s) => a.session = Some(s),
                            Err(e) => {
                                slot.line
                                    .hangup(a.call, HangupCause::NormalClearing, media_now);
                                ended = Some(failure(
                                    FailureKind::Permanent,
                                    format!("the document cannot be sent: {e}"),
                                    0,
                                    Cause::RenderFailed,
                                ));
                            }
                        }
                    }
                    LineEvent::Progress { .. } | LineEvent::Incoming { .. } => {}
                    LineEvent::Media { media, .. } => {
                        if let Some(s) = a.session.as_mut() {
                            feed_matching(s, &media);
                        }
                    }
                    LineEvent::HungUp { cause, .. } => match a.session.as_mut() {
                        Some(s) => s.handle_hangup(),
                        None => {
                            let kind = if cause.is_permanent() {
                                FailureKind::Permanent
                            } else {
                                FailureKind::Temporary
                            };
                            ended = Some(failure(
                                kind,
                                cause.text().to_string(),
                                0,
                                cause_of_hangup(cause),
                            ));
                        }
                    },
                }
            }
            if let Some(a) = slot.active.as_mut() {
                if let Some(s) = a.session.as_mut() {
                    pump_out(s, slot.line.as_mut(), a.call, media_now);
                    while let Some(ev) = s.poll_event() {
                        match ev {
                            FaxEvent::PageConfirmed { page, .. } => {
                                confirmed.push(a.first_page - 1 + page)
                            }
                            FaxEvent::Finished(o) => {
                                let kind = match o.code.retry() {
                                    Retry::Temporary => FailureKind::Temporary,
                                    Retry::Permanent => FailureKind::Permanent,
                                };
                                ended = Some(AttemptResult {
                                    pages_confirmed: a.first_page - 1 + o.pages_confirmed,
                                    failure: (!o.success).then(|| (kind, o.summary())),
                                    bit_rate: o.bit_rate,
                                    remote_id: o.remote_ident.clone(),
                                    duration_secs: a.started.secs_until(now) as u32,
                                    cause: Some(cause_of_t30(o.code)),
                                });
                                slot.line
                                    .hangup(a.call, HangupCause::NormalClearing, media_now);
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        self.tick_inbound(i, media_now, now)?;
        self.tick_voice(i, media_now, now)?;
        let Some(id) = self.slots[i].active.as_ref().map(|a| a.id) else {
            return Ok(());
        };
        for page in confirmed {
            self.apply(id, JobEvent::PageConfirmed { page }, now, "PageConfirmed")?;
        }
        if let Some(mut r) = ended {
            if r.duration_secs == 0 {
                r.duration_secs = self.slots[i]
                    .active
                    .as_ref()
                    .map_or(0, |a| a.started.secs_until(now) as u32);
            }
            self.slots[i].active = None;
            self.apply(id, JobEvent::AttemptEnded(r), now, "AttemptEnded")?;
        }
        Ok(())
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
                    && s.line.caps().fax_audio
                    && self
                        .config
                        .group_limits
                        .get(&s.group)
                        .is_none_or(|max| busy_in(&s.group) < *max)
            }) else {
                break;
            };
            let rec = &self.open[&id];
            let number = rec
                .message
                .dial_string
                .clone()
                .or_else(|| rec.message.recipient_number.clone())
                .unwrap_or_default();
            let line_name = self.slots[i].line.id().0.clone();
            self.apply(id, JobEvent::Start { line: line_name }, now, "Start")?;
            let first_page = self
                .open
                .get(&id)
                .and_then(|r| r.job.as_ref())
                .map_or(1, Job::next_page);
            match self.slots[i]
                .line
                .dial(&number, MediaKind::Audio, media_now)
            {
                Ok(call) => {
                    self.slots[i].active = Some(ActiveCall {
                        id,
                        call,
                        first_page,
                        session: None,
                        started: now,
                        kind: MediaKind::Audio,
                    });
                }
                Err(e) => {
                    let r = failure(
                        FailureKind::Permanent,
                        format!("the number cannot be dialled: {e}"),
                        0,
                        Cause::InvalidNumber,
                    );
                    self.apply(id, JobEvent::AttemptEnded(r), now, "AttemptEnded")?;
                }
            }
        }
        Ok(())
    }
}

fn failure(kind: FailureKind, reason: String, pages: u32, cause: Cause) -> AttemptResult {
    AttemptResult {
        pages_confirmed: pages,
        failure: Some((kind, reason)),
        bit_rate: 0,
        remote_id: None,
        duration_secs: 0,
        cause: Some(cause),
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

#[allow(clippy::too_many_arguments)]
fn start_inbound(
    cfg: &InboundConfig,
    slot: &mut Slot,
    call: CallId,
    caller: Option<String>,
    called: String,
    media: MediaKind,
    media_now: Instant,
    now: Timestamp,
) -> Option<InboundCall> {
    let options = FaxOptions {
        calling_party: false,
        ident: cfg.ident.clone(),
        ..FaxOptions::default()
    };
    let transport = transport_of(media);
    // Named by line and call until the message has its id.
    let file = cfg.spool.join(format!(
        "rx-{}-{}.tif",
        file_safe(&slot.line.id().0),
        call.0
    ));
    let session = FaxSession::new(&options, transport, Document::Receive(file.clone())).ok()?;
    slot.line.answer(call, media_now).ok()?;
    Some(InboundCall {
        call,
        caller,
        called,
        file,
        session,
        started: now,
        options,
        parts: Vec::new(),
    })
}

impl Runner {
    /// Drive an incoming fax; when it ends, store it as a routed message.
    fn tick_inbound(
        &mut self,
        i: usize,
        media_now: Instant,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let slot = &mut self.slots[i];
        let Some(inb) = slot.inbound.as_mut() else {
            return Ok(());
        };
        pump_out(&mut inb.session, slot.line.as_mut(), inb.call, media_now);
        while inb.session.poll_event().is_some() {}
        if !inb.session.is_finished() {
            return Ok(());
        }
        let inb = slot.inbound.take().expect("checked");
        slot.line
            .hangup(inb.call, HangupCause::NormalClearing, media_now);
        let line_name = slot.line.id().0.clone();
        let Some(cfg) = self.inbound.as_ref() else {
            return Ok(());
        };
        let mut outcome = inb.session.outcome().cloned().expect("finished");
        // Pages of earlier sessions of the call (before a switch of
        // transport) go in front of the last session's.
        let earlier: u32 = inb.parts.iter().map(|(_, n)| n).sum();
        if earlier > 0 {
            join_parts(&inb.parts, &inb.file, outcome.file.is_some());
            outcome.pages_confirmed += earlier;
            outcome.file = Some(inb.file.clone());
        }
        let id = self.store.next_id()?;
        let mut m = Message::new(
            id,
            crate::message::Direction::Incoming,
            Service::Fax,
            inb.started,
        );
        m.caller_number = inb.caller.as_deref().map(|raw| {
            cfg.plan
                .normalize_caller(raw, None)
                .map_or_else(|| raw.to_string(), |n| n.as_str().to_string())
        });
        let called = cfg.plan.normalize_called(&inb.called, None);
        let route = match &called {
            Some(n) => cfg.router.route(n, Service::Fax),
            None => cfg.router.route_raw(&inb.called, None, Service::Fax),
        };
        m.recipient_number = Some(called.map_or(inb.called.clone(), |n| n.as_str().to_string()));
        m.recipient_address = Some(route.mailbox.clone());
        m.user = route.user.clone();
        m.unrouted = route.unrouted;
        m.pages = outcome.pages_confirmed;
        m.pages_sent = outcome.pages_confirmed;
        m.transmit_speed = outcome.bit_rate;
        m.remote_station_id = outcome.remote_ident.clone();
        m.local_station_id = Some(cfg.ident.clone());
        m.duration_secs = inb.started.secs_until(now) as u32;
        m.line = Some(line_name);
        m.updated_at = now;
        m.completed_at = Some(now);
        if !outcome.success {
            m.status_reason = Some(outcome.summary());
        }
        // Keep what arrived under the message's id: complete pages and the
        // readable part of a page cut off by a dropped call.
        if outcome.file.is_some() {
            let kept = cfg.spool.join(format!("{id}.tif"));
            if std::fs::rename(&inb.file, &kept).is_ok() {
                m.document = Some(kept.display().to_string());
            }
        }
        self.store.insert_batch(&[Record {
            message: m,
            job: None,
        }])?;
        self.received.push(id);
        Ok(())
    }
}

/// What one line is doing, for `ums status` and the metrics.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LineState {
    pub line: String,
    pub group: String,
    /// `idle`, `sending` or `receiving`.
    pub state: String,
    /// The outgoing message on the line.
    pub message: Option<MessageId>,
    /// The number dialled (sending) or the caller (receiving).
    pub remote: Option<String>,
    /// When the call began.
    pub since: Option<Timestamp>,
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
                };
                if let Some(a) = &slot.active {
                    st.state = "sending".into();
                    st.message = Some(a.id);
                    st.remote = self
                        .open
                        .get(&a.id)
                        .and_then(|r| r.message.dial_string.clone());
                    st.since = Some(a.started);
                } else if let Some(i) = &slot.inbound {
                    st.state = "receiving".into();
                    st.remote = i.caller.clone();
                    st.since = Some(i.started);
                }
                st
            })
            .collect()
    }
}

impl Runner {
    /// An SMS arrived on `line` from `caller` for `called` (a GSM modem's
    /// `+CMT`, or the simulated network): routed like a fax to a mailbox
    /// and stored as an incoming SMS. Its id comes out of
    /// [`Runner::take_received`] for delivery. `None` when the runner takes
    /// no incoming messages ([`Runner::with_inbound`] not called).
    pub fn receive_sms(
        &mut self,
        caller: Option<&str>,
        called: &str,
        text: &str,
        line: &str,
        now: Timestamp,
    ) -> Result<Option<MessageId>, StoreError> {
        let Some(cfg) = self.inbound.as_ref() else {
            return Ok(None);
        };
        let id = self.store.next_id()?;
        let mut m = Message::new(id, crate::message::Direction::Incoming, Service::Sms, now);
        m.caller_number = caller.map(|raw| {
            cfg.plan
                .normalize_caller(raw, None)
                .map_or_else(|| raw.to_string(), |n| n.as_str().to_string())
        });
        let number = cfg.plan.normalize_called(called, None);
        let route = match &number {
            Some(n) => cfg.router.route(n, Service::Sms),
            None => cfg.router.route_raw(called, None, Service::Sms),
        };
        m.recipient_number = Some(number.map_or(called.to_string(), |n| n.as_str().to_string()));
        m.recipient_address = Some(route.mailbox.clone());
        m.user = route.user.clone();
        m.unrouted = route.unrouted;
        m.text = Some(text.to_string());
        m.line = Some(line.to_string());
        m.completed_at = Some(now);
        self.store.insert_batch(&[Record {
            message: m,
            job: None,
        }])?;
        self.received.push(id);
        Ok(Some(id))
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

/// A sender's session for `rec` from `first_page` on `kind` of media.
fn send_session(
    config: &RunnerConfig,
    rec: &Record,
    first_page: u32,
    kind: MediaKind,
) -> Result<FaxSession, String> {
    let path = PathBuf::from(rec.message.document.clone().unwrap_or_default());
    let options = FaxOptions {
        calling_party: true,
        ecm: config.ecm,
        max_rate: config.max_rate,
        ident: config.ident.clone(),
        // The sending user's header, else the gateway's.
        header: rec
            .message
            .fax_header
            .clone()
            .or_else(|| config.header.clone()),
        ..FaxOptions::default()
    };
    let source = PageSource::TiffFrom { path, first_page };
    FaxSession::new(&options, transport_of(kind), Document::Send(source)).map_err(|e| e.to_string())
}

/// The line switched an outgoing call's media: the same job goes on with a
/// new session on the new transport, after the pages the old one got
/// confirmed (their confirmations are collected into `confirmed`).
fn switch_send(
    config: &RunnerConfig,
    rec: &Record,
    a: &mut ActiveCall,
    kind: MediaKind,
    confirmed: &mut Vec<u32>,
) -> Result<(), String> {
    a.kind = kind;
    let Some(old) = a.session.as_mut() else {
        return Ok(()); // not answered yet: the session starts on `kind`
    };
    if old.is_finished() {
        return Ok(()); // its outcome ends the attempt as usual
    }
    let mut done = 0;
    while let Some(ev) = old.poll_event() {
        if let FaxEvent::PageConfirmed { page, .. } = ev {
            confirmed.push(a.first_page - 1 + page);
            done = page;
        }
    }
    a.first_page += done;
    a.session = None;
    a.session = Some(send_session(config, rec, a.first_page, kind)?);
    Ok(())
}

/// The line switched an incoming call's media: the old session is closed
/// (keeping the pages it completed in a part file) and a new receiver
/// starts on the new transport.
fn switch_receive(inb: &mut InboundCall, kind: MediaKind) {
    if inb.session.is_finished() {
        return;
    }
    inb.session.handle_hangup();
    while inb.session.poll_event().is_some() {}
    let kept = inb
        .session
        .outcome()
        .filter(|o| o.file.is_some())
        .map_or(0, |o| o.pages_confirmed);
    if kept > 0 {
        let part = inb
            .file
            .with_extension(format!("part{}.tif", inb.parts.len() + 1));
        if std::fs::rename(&inb.file, &part).is_err() {
            return;
        }
        inb.parts.push((part, kept));
    } else {
        let _ = std::fs::remove_file(&inb.file);
    }
    match FaxSession::new(
        &inb.options,
        transport_of(kind),
        Document::Receive(inb.file.clone()),
    ) {
        Ok(s) => inb.session = s,
        Err(_) => {
            // The ended session stays: put its pages back where its
            // outcome says they are.
            if let Some((part, _)) = inb.parts.pop().filter(|_| kept > 0) {
                let _ = std::fs::rename(part, &inb.file);
            }
        }
    }
}

/// Joins the pages of the part files (and of `last`, if it has pages) into
/// `last`. A part that cannot be read is skipped: what can be kept is kept.
fn join_parts(parts: &[(PathBuf, u32)], last: &std::path::Path, last_has_pages: bool) {
    let mut pages = Vec::new();
    for (p, _) in parts {
        if let Ok(mut got) = fax_t30::tiff::read_tiff_file(p) {
            pages.append(&mut got);
        }
    }
    if last_has_pages {
        if let Ok(mut got) = fax_t30::tiff::read_tiff_file(last) {
            pages.append(&mut got);
        }
    }
    if fax_t30::tiff::write_tiff_file(last, &pages, &Default::default()).is_ok() {
        for (p, _) in parts {
            let _ = std::fs::remove_file(p);
        }
    }
}
