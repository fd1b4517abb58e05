//! The virtual exchange: numbered lines, call setup and clearing, and the
//! media switch between the two ends of each connected call.
//!
//! The exchange owns every line's state; lines are addressed by
//! [`LineIndex`]. One exchange serves one thread (it is `Send`, so a bench
//! can build one per worker); [`SharedExchange`](super::SharedExchange)
//! hands out [`Line`](crate::Line) objects over it for single-threaded code.
//!
//! Call setup is resolved at the first tick at least `setup_delay` after
//! the dial; everything the exchange does happens inside a request or a
//! [`Exchange::tick`], in call-slot order, so a run is a pure function of
//! the requests, the `now`s and the seeds.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::impairment::{AudioImpairer, Impairments};
use super::media_path::{MediaPath, PathStats};
use super::party::{Behaviour, NumberPattern, Responder, VirtualParty};
use super::LineMut;
use crate::cause::HangupCause;
use crate::error::LineError;
use crate::line::{
    check_number, CallId, CallProgress, LineCaps, LineEvent, LineId, Media, MediaKind,
};

/// Addresses a line of one [`Exchange`]. Passing an index to another
/// exchange than the one that issued it panics or names another line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineIndex(u32);

impl LineIndex {
    /// Position of the line in the exchange (0-based, in `add_line` order).
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

/// Settings of a virtual exchange.
#[derive(Debug, Clone)]
pub struct ExchangeConfig {
    /// How long a call may ring before the network clears it with
    /// `NoAnswer` (both ends get `HungUp(NoAnswer)`). Default 30 s.
    pub ring_timeout: Duration,
    /// Routing delay after a dial. Default zero: the next tick routes it.
    pub setup_delay: Duration,
    /// Impairments of every call not dialled with its own.
    pub impairments: Impairments,
    /// Virtual subscribers, first match wins. A number assigned to a line
    /// always reaches the line.
    pub behaviours: Vec<(NumberPattern, Behaviour)>,
    /// Events a line may have waiting before further media events for it
    /// are dropped (call signalling is never dropped). Default 3000, 60 s of
    /// audio frames.
    pub max_queued_events: usize,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        ExchangeConfig {
            ring_timeout: Duration::from_secs(30),
            setup_delay: Duration::ZERO,
            impairments: Impairments::CLEAN,
            behaviours: Vec::new(),
            max_queued_events: 3000,
        }
    }
}

impl ExchangeConfig {
    /// Add a virtual subscriber.
    pub fn with_behaviour(
        mut self,
        pattern: NumberPattern,
        behaviour: Behaviour,
    ) -> ExchangeConfig {
        self.behaviours.push((pattern, behaviour));
        self
    }

    /// Use these impairments for every call.
    pub fn with_impairments(mut self, impairments: Impairments) -> ExchangeConfig {
        self.impairments = impairments;
        self
    }
}

#[derive(Debug)]
struct LineSlot {
    id: LineId,
    number: String,
    caps: LineCaps,
    call: Option<(CallId, usize)>,
    events: VecDeque<LineEvent>,
    dropped_media: u64,
}

impl LineSlot {
    fn push_media(&mut self, call: CallId, media: Media, cap: usize) {
        if self.events.len() >= cap {
            self.dropped_media += 1;
        } else {
            self.events.push_back(LineEvent::Media { call, media });
        }
    }
}

#[derive(Debug)]
enum Callee {
    Unrouted,
    Line(LineIndex),
    Virtual(VirtualParty),
}

#[derive(Debug)]
struct Paths {
    to_callee: MediaPath,
    to_caller: MediaPath,
}

#[derive(Debug)]
enum CallState {
    Setup { due: Instant },
    Ringing { since: Instant },
    Connected { since: Instant, paths: Box<Paths> },
}

#[derive(Debug)]
struct Call {
    id: CallId,
    kind: MediaKind,
    number: String,
    caller: LineIndex,
    callee: Callee,
    impairments: Impairments,
    state: CallState,
}

enum Route {
    Line(LineIndex),
    Party(Behaviour),
    Unallocated,
}

/// A virtual telephone exchange for tests and the line test bench.
#[derive(Debug)]
pub struct Exchange {
    config: ExchangeConfig,
    lines: Vec<LineSlot>,
    numbers: HashMap<String, LineIndex>,
    calls: Vec<Option<Call>>,
    free: Vec<usize>,
    next_call: u64,
    ticks: u64,
}

impl Exchange {
    /// An exchange without lines.
    pub fn new(config: ExchangeConfig) -> Exchange {
        Exchange {
            config,
            lines: Vec::new(),
            numbers: HashMap::new(),
            calls: Vec::new(),
            free: Vec::new(),
            next_call: 1,
            ticks: 0,
        }
    }

    /// The settings.
    pub fn config(&self) -> &ExchangeConfig {
        &self.config
    }

    /// Connect a line with this number; its [`LineId`] is `loop/<number>`.
    pub fn add_line(&mut self, number: &str, caps: LineCaps) -> Result<LineIndex, LineError> {
        check_number(number)?;
        if self.numbers.contains_key(number) {
            return Err(LineError::NumberInUse(number.to_owned()));
        }
        let ix = LineIndex(u32::try_from(self.lines.len()).expect("fewer than 2^32 lines"));
        self.lines.push(LineSlot {
            id: LineId(format!("loop/{number}")),
            number: number.to_owned(),
            caps,
            call: None,
            events: VecDeque::new(),
            dropped_media: 0,
        });
        self.numbers.insert(number.to_owned(), ix);
        Ok(ix)
    }

    /// A [`Line`](crate::Line) view of one line, borrowing the exchange.
    pub fn line(&mut self, ix: LineIndex) -> LineMut<'_> {
        assert!(
            ix.get() < self.lines.len(),
            "line index from another exchange"
        );
        LineMut { exchange: self, ix }
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// Calls being set up, ringing or connected.
    pub fn active_calls(&self) -> usize {
        self.calls.len() - self.free.len()
    }

    /// Ticks run so far.
    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    /// The line's name.
    pub fn line_id(&self, ix: LineIndex) -> &LineId {
        &self.lines[ix.get()].id
    }

    /// The line's number.
    pub fn number(&self, ix: LineIndex) -> &str {
        &self.lines[ix.get()].number
    }

    /// The line's capabilities.
    pub fn caps(&self, ix: LineIndex) -> LineCaps {
        self.lines[ix.get()].caps
    }

    /// True if the line has no call.
    pub fn is_idle(&self, ix: LineIndex) -> bool {
        self.lines[ix.get()].call.is_none()
    }

    /// The line's call, if any.
    pub fn current_call(&self, ix: LineIndex) -> Option<CallId> {
        self.lines[ix.get()].call.map(|(id, _)| id)
    }

    /// Media events dropped because the line did not poll its events.
    pub fn dropped_media(&self, ix: LineIndex) -> u64 {
        self.lines[ix.get()].dropped_media
    }

    /// Counters of the media path towards this line on its connected call.
    pub fn received_stats(&self, ix: LineIndex) -> Option<PathStats> {
        self.paths_of(ix).map(|(paths, is_caller)| {
            if is_caller {
                paths.to_caller.stats()
            } else {
                paths.to_callee.stats()
            }
        })
    }

    /// Counters of the media path from this line on its connected call.
    pub fn sent_stats(&self, ix: LineIndex) -> Option<PathStats> {
        self.paths_of(ix).map(|(paths, is_caller)| {
            if is_caller {
                paths.to_callee.stats()
            } else {
                paths.to_caller.stats()
            }
        })
    }

    fn paths_of(&self, ix: LineIndex) -> Option<(&Paths, bool)> {
        let (_, slot) = self.lines[ix.get()].call?;
        let call = self.calls[slot].as_ref()?;
        match &call.state {
            CallState::Connected { paths, .. } => Some((paths, call.caller == ix)),
            _ => None,
        }
    }

    /// Place a call from line `ix` with the exchange's impairments.
    pub fn dial(
        &mut self,
        ix: LineIndex,
        number: &str,
        kind: MediaKind,
        now: Instant,
    ) -> Result<CallId, LineError> {
        let impairments = self.config.impairments;
        self.dial_with(ix, number, kind, impairments, now)
    }

    /// Place a call with its own impairments. The caller gets
    /// `Progress(Dialling)` at once; routing happens at a later tick.
    ///
    /// A T.38 call to a line without `t38` is refused by the network with
    /// `HungUp(IncompatibleDestination)` (as a SIP trunk answers 488); a
    /// caller without `t38` gets `Err(Unsupported(T38))`.
    pub fn dial_with(
        &mut self,
        ix: LineIndex,
        number: &str,
        kind: MediaKind,
        impairments: Impairments,
        now: Instant,
    ) -> Result<CallId, LineError> {
        let line = &self.lines[ix.get()];
        if line.call.is_some() {
            return Err(LineError::LineBusy);
        }
        if !line.caps.supports(kind) {
            return Err(LineError::Unsupported(kind));
        }
        check_number(number)?;
        let id = CallId(self.next_call);
        self.next_call += 1;
        let call = Call {
            id,
            kind,
            number: number.to_owned(),
            caller: ix,
            callee: Callee::Unrouted,
            impairments,
            state: CallState::Setup {
                due: now + self.config.setup_delay,
            },
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.calls[slot] = Some(call);
                slot
            }
            None => {
                self.calls.push(Some(call));
                self.calls.len() - 1
            }
        };
        let line = &mut self.lines[ix.get()];
        line.call = Some((id, slot));
        line.events.push_back(LineEvent::Progress {
            call: id,
            progress: CallProgress::Dialling,
        });
        Ok(id)
    }

    fn slot_of(&self, ix: LineIndex, call: CallId) -> Result<usize, LineError> {
        match self.lines[ix.get()].call {
            Some((id, slot)) if id == call => Ok(slot),
            _ => Err(LineError::NoSuchCall(call)),
        }
    }

    /// Answer a call ringing on line `ix`; both ends get `Progress(Answered)`
    /// and media flows from the next tick.
    pub fn answer(&mut self, ix: LineIndex, call: CallId, now: Instant) -> Result<(), LineError> {
        let slot = self.slot_of(ix, call)?;
        let c = self.calls[slot]
            .as_ref()
            .expect("line points at a live call");
        let ringing_here = matches!(c.state, CallState::Ringing { .. })
            && matches!(c.callee, Callee::Line(l) if l == ix);
        if !ringing_here {
            return Err(LineError::NotRinging(call));
        }
        self.connect(slot, now);
        Ok(())
    }

    /// Hang up (or refuse) the call on line `ix`; the other end gets
    /// `HungUp(cause)`. Events of this call still queued on `ix` are
    /// discarded. Unknown calls are ignored.
    pub fn hangup(&mut self, ix: LineIndex, call: CallId, cause: HangupCause, _now: Instant) {
        if let Ok(slot) = self.slot_of(ix, call) {
            self.release(slot, cause, Some(ix));
        }
    }

    /// Send media on the connected call of line `ix`; it moves at the next
    /// tick.
    pub fn send(
        &mut self,
        ix: LineIndex,
        call: CallId,
        media: Media,
        _now: Instant,
    ) -> Result<(), LineError> {
        let slot = self.slot_of(ix, call)?;
        let dtmf = self.lines[ix.get()].caps.dtmf;
        let c = self.calls[slot]
            .as_mut()
            .expect("line points at a live call");
        let CallState::Connected { paths, .. } = &mut c.state else {
            return Err(LineError::NotConnected(call));
        };
        match &media {
            Media::Audio(_) if c.kind != MediaKind::Audio => {
                return Err(LineError::Unsupported(MediaKind::Audio))
            }
            Media::T38(_) if c.kind != MediaKind::T38 => {
                return Err(LineError::Unsupported(MediaKind::T38))
            }
            Media::Dtmf(_) if !dtmf => return Err(LineError::DtmfUnsupported),
            _ => {}
        }
        let path = if c.caller == ix {
            &mut paths.to_callee
        } else {
            &mut paths.to_caller
        };
        path.submit(media);
        Ok(())
    }

    /// The next event of line `ix`.
    pub fn poll_event(&mut self, ix: LineIndex) -> Option<LineEvent> {
        self.lines[ix.get()].events.pop_front()
    }

    /// Run one 20 ms media tick at media time `now`: route dialled calls,
    /// expire ring timeouts, answer for virtual subscribers, and move one
    /// frame of media each way on every connected call. Call it once per
    /// [`FRAME_DURATION`](fax_t30::media::FRAME_DURATION), with `now`
    /// advancing by that much each time.
    pub fn tick(&mut self, now: Instant) {
        self.ticks += 1;
        for slot in 0..self.calls.len() {
            let Some(call) = self.calls[slot].as_ref() else {
                continue;
            };
            match call.state {
                CallState::Setup { due } => {
                    if now >= due {
                        self.route(slot, now);
                    }
                }
                CallState::Ringing { since } => {
                    let answer_after = match &call.callee {
                        Callee::Virtual(party) => party.answer_after,
                        _ => None,
                    };
                    let rang = now.saturating_duration_since(since);
                    if answer_after.is_some_and(|d| rang >= d) {
                        self.connect(slot, now);
                    } else if rang >= self.config.ring_timeout {
                        self.release(slot, HangupCause::NoAnswer, None);
                    }
                }
                CallState::Connected { .. } => self.move_media(slot, now),
            }
        }
    }

    fn route(&mut self, slot: usize, now: Instant) {
        let call = self.calls[slot].as_ref().expect("routing a live call");
        let (id, kind, caller) = (call.id, call.kind, call.caller);
        let route = if let Some(&ix) = self.numbers.get(call.number.as_str()) {
            Route::Line(ix)
        } else if let Some((_, b)) = self
            .config
            .behaviours
            .iter()
            .find(|(p, _)| p.matches(&call.number))
        {
            Route::Party(b.clone())
        } else {
            Route::Unallocated
        };
        let party = match route {
            Route::Unallocated => return self.release(slot, HangupCause::UnallocatedNumber, None),
            Route::Party(Behaviour::Busy) => {
                return self.release(slot, HangupCause::UserBusy, None)
            }
            Route::Party(Behaviour::Reject(cause)) => return self.release(slot, cause, None),
            Route::Party(Behaviour::NeverAnswer) => {
                VirtualParty::new(None, Responder::Silence, None)
            }
            Route::Party(Behaviour::Answer {
                after,
                responder,
                hang_up_after,
            }) => {
                if !responder.accepts(kind) {
                    return self.release(slot, HangupCause::IncompatibleDestination, None);
                }
                VirtualParty::new(Some(after), responder, hang_up_after)
            }
            Route::Line(target) => {
                let t = &self.lines[target.get()];
                if t.call.is_some() {
                    return self.release(slot, HangupCause::UserBusy, None);
                }
                if !t.caps.supports(kind) {
                    return self.release(slot, HangupCause::IncompatibleDestination, None);
                }
                let caller_number = self.lines[caller.get()].number.clone();
                let call = self.calls[slot].as_mut().expect("routing a live call");
                call.callee = Callee::Line(target);
                call.state = CallState::Ringing { since: now };
                let t = &mut self.lines[target.get()];
                t.call = Some((id, slot));
                t.events.push_back(LineEvent::Incoming {
                    call: id,
                    caller: Some(caller_number),
                    called: call.number.clone(),
                    media: kind,
                });
                self.push_progress(caller, id, CallProgress::Ringing);
                return;
            }
        };
        let call = self.calls[slot].as_mut().expect("routing a live call");
        call.callee = Callee::Virtual(party);
        call.state = CallState::Ringing { since: now };
        self.push_progress(caller, id, CallProgress::Ringing);
    }

    fn push_progress(&mut self, ix: LineIndex, call: CallId, progress: CallProgress) {
        self.lines[ix.get()]
            .events
            .push_back(LineEvent::Progress { call, progress });
    }

    fn connect(&mut self, slot: usize, now: Instant) {
        let tick = self.ticks;
        let call = self.calls[slot].as_mut().expect("connecting a live call");
        let imp = call.impairments;
        let ratio = AudioImpairer::drift_ratio(imp.clock_drift_ppm);
        let seed = mix_seed(imp.seed, call.id);
        call.state = CallState::Connected {
            since: now,
            paths: Box::new(Paths {
                to_callee: MediaPath::new(call.kind, &imp, seed, ratio, tick),
                to_caller: MediaPath::new(
                    call.kind,
                    &imp,
                    mix_seed(seed, CallId(1)),
                    1.0 / ratio,
                    tick,
                ),
            }),
        };
        let (id, caller) = (call.id, call.caller);
        let callee = match call.callee {
            Callee::Line(ix) => Some(ix),
            _ => None,
        };
        self.push_progress(caller, id, CallProgress::Answered);
        if let Some(ix) = callee {
            self.push_progress(ix, id, CallProgress::Answered);
        }
    }

    fn move_media(&mut self, slot: usize, now: Instant) {
        let cap = self.config.max_queued_events;
        let tick = self.ticks;
        let Exchange { calls, lines, .. } = self;
        let call = calls[slot].as_mut().expect("moving media of a live call");
        let (id, caller) = (call.id, call.caller);
        let CallState::Connected { since, paths } = &mut call.state else {
            return;
        };
        let Paths {
            to_callee,
            to_caller,
        } = &mut **paths;
        let mut party_hangs_up = false;
        match &mut call.callee {
            Callee::Line(ix) => {
                let line = &mut lines[ix.get()];
                to_callee.tick(tick, |m| line.push_media(id, m, cap));
            }
            Callee::Virtual(party) => {
                to_callee.tick(tick, |m| {
                    if let Some(back) = party.hear(m) {
                        to_caller.submit(back);
                    }
                });
                if let Some(frame) = party.speak() {
                    to_caller.submit(Media::Audio(frame));
                }
                party_hangs_up = party
                    .hang_up_after
                    .is_some_and(|d| now.saturating_duration_since(*since) >= d);
            }
            Callee::Unrouted => {}
        }
        let line = &mut lines[caller.get()];
        to_caller.tick(tick, |m| line.push_media(id, m, cap));
        if party_hangs_up {
            self.release(slot, HangupCause::NormalClearing, None);
        }
    }

    /// End the call in `slot`: every line end except `by` gets
    /// `HungUp(cause)`; `by` (the side that hung up) loses its queued events
    /// of the call instead.
    fn release(&mut self, slot: usize, cause: HangupCause, by: Option<LineIndex>) {
        let Some(call) = self.calls[slot].take() else {
            return;
        };
        self.free.push(slot);
        let callee = match call.callee {
            Callee::Line(ix) => Some(ix),
            _ => None,
        };
        for ix in [Some(call.caller), callee].into_iter().flatten() {
            let line = &mut self.lines[ix.get()];
            if line.call.map(|(id, _)| id) != Some(call.id) {
                continue;
            }
            line.call = None;
            if Some(ix) == by {
                line.events.retain(|e| e.call() != call.id);
            } else {
                line.events.push_back(LineEvent::HungUp {
                    call: call.id,
                    cause,
                });
            }
        }
    }
}

/// SplitMix64 of the configured seed and the call id, so every call (and
/// direction) gets its own reproducible dice.
fn mix_seed(seed: u64, call: CallId) -> u64 {
    let mut z = seed ^ call.0.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
