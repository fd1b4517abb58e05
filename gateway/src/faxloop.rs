//! The line test bench: one fax call between two lines of a loopback
//! exchange, sender on the calling line, receiver on the called line.
//!
//! [`LoopCall`] is a small engine of its own (no clock, no I/O besides the
//! files spandsp reads and writes): [`LoopCall::tick`] runs one 20 ms media
//! step, with a [`FaxCall`] (the workspace's one media pump) on each line. [`run_simulated`] drives it on a simulated clock as fast as the CPU
//! allows; the benchmark drives many of them from the real-time ticker.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fax_t30::media::FRAME_DURATION;
use fax_t30::{FaxEvent, FaxOptions, FaxOutcome, PageSource, T38Options};
use line_drivers::loopback::{
    Behaviour, Exchange, ExchangeConfig, Impairments, LineIndex, NumberPattern, PathStats,
};
use line_drivers::{
    CallEnd, CallId, FaxCall, FaxCallEvent, FaxRole, HangupCause, LineCaps, LineEvent, MediaKind,
};

/// Which end of the call an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Sender,
    Receiver,
}

/// Everything that decides how the call goes.
#[derive(Debug, Clone)]
pub struct CallSetup {
    pub document: PageSource,
    /// Where the receiver writes the TIFF-F.
    pub rx_file: PathBuf,
    pub sender: FaxOptions,
    pub receiver: FaxOptions,
    /// `Some` for T.38, `None` for audio.
    pub t38: Option<T38Options>,
    pub impairments: Impairments,
    /// Cut the call right after the receiver has this many pages.
    pub drop_after_pages: Option<u32>,
    /// The called line never answers (a caller reaching nobody).
    pub no_answer: bool,
    /// Give up after this much media time.
    pub time_limit: Duration,
    /// Dial this number instead of the receiver's line: one of the
    /// exchange's virtual subscribers in `virtual_parties` (a person who
    /// answers, a busy line, ...). No receiver session runs then.
    pub dial: Option<String>,
    pub virtual_parties: Vec<(NumberPattern, Behaviour)>,
}

impl CallSetup {
    pub fn new(document: PageSource, rx_file: PathBuf) -> CallSetup {
        let sender = FaxOptions {
            ident: "+49 89 1111".into(),
            header: Some("ums fax-loop".into()),
            ..FaxOptions::default()
        };
        let receiver = FaxOptions {
            calling_party: false,
            ident: "+49 89 2222".into(),
            header: None,
            ..FaxOptions::default()
        };
        CallSetup {
            document,
            rx_file,
            sender,
            receiver,
            t38: None,
            impairments: Impairments::CLEAN,
            drop_after_pages: None,
            no_answer: false,
            time_limit: Duration::from_secs(30 * 60),
            dial: None,
            virtual_parties: Vec::new(),
        }
    }
}

/// How the call ended at the line level, and what each session said.
#[derive(Debug, Clone)]
pub struct CallReport {
    /// Why the sender's line hung up (the network's cause).
    pub line_cause: Option<HangupCause>,
    pub sender: Option<FaxOutcome>,
    pub receiver: Option<FaxOutcome>,
    pub events: Vec<(Duration, Side, FaxEvent)>,
    /// Media time from dialling to both ends idle.
    pub media_time: Duration,
    pub timed_out: bool,
    /// What the network did to the media, per direction (last seen while
    /// connected): sender→receiver, receiver→sender.
    pub paths: [Option<PathStats>; 2],
}

impl CallReport {
    pub fn sender_succeeded(&self) -> bool {
        self.sender.as_ref().is_some_and(|o| o.success)
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Stage {
    Idle,
    Dialled,
    Connected,
    Done,
}

/// One fax call across the exchange: a sending [`FaxCall`] on the calling
/// line and a receiving one on the called line (the workspace's one media
/// pump). See the module docs.
pub struct LoopCall {
    setup: CallSetup,
    caller: LineIndex,
    callee: LineIndex,
    called_number: String,
    stage: Stage,
    started: Option<Instant>,
    tx: Option<FaxCall>,
    rx: Option<FaxCall>,
    /// The call that rang on the called line.
    call_b: Option<CallId>,
    report: CallReport,
    record_events: bool,
    a_gone: bool,
    b_gone: bool,
    /// A session could not be made (the document cannot be read, the
    /// received file cannot be written): the call's error.
    failed: Option<String>,
}

impl LoopCall {
    /// A call from `caller` to `callee` (both lines of `exchange`).
    pub fn new(
        setup: CallSetup,
        exchange: &Exchange,
        caller: LineIndex,
        callee: LineIndex,
    ) -> LoopCall {
        LoopCall {
            called_number: setup
                .dial
                .clone()
                .unwrap_or_else(|| exchange.number(callee).to_string()),
            setup,
            caller,
            callee,
            stage: Stage::Idle,
            started: None,
            tx: None,
            rx: None,
            call_b: None,
            report: CallReport {
                line_cause: None,
                sender: None,
                receiver: None,
                events: Vec::new(),
                media_time: Duration::ZERO,
                timed_out: false,
                paths: [None, None],
            },
            record_events: true,
            a_gone: false,
            b_gone: false,
            failed: None,
        }
    }

    /// Keep no event log (benchmarks: no allocation per event).
    pub fn without_event_log(mut self) -> LoopCall {
        self.record_events = false;
        self
    }

    pub fn is_done(&self) -> bool {
        self.stage == Stage::Done
    }

    pub fn report(&self) -> &CallReport {
        &self.report
    }

    pub fn into_report(self) -> CallReport {
        self.report
    }

    fn kind(&self) -> MediaKind {
        if self.setup.t38.is_some() {
            MediaKind::T38
        } else {
            MediaKind::Audio
        }
    }

    /// One 20 ms step. Call after `exchange.tick(now)`.
    pub fn tick(&mut self, exchange: &mut Exchange, now: Instant) -> Result<(), fax_t30::Error> {
        match self.stage {
            Stage::Idle => {
                self.started = Some(now);
                let imp = self.setup.impairments;
                let kind = self.kind();
                match exchange.dial_with(self.caller, &self.called_number, kind, imp, now) {
                    Ok(call) => {
                        let role = FaxRole::Send(self.setup.document.clone());
                        let options = self.setup.sender.clone();
                        self.tx = Some(FaxCall::placed(call, kind, role, options));
                        self.stage = Stage::Dialled;
                    }
                    Err(e) => {
                        self.stage = Stage::Done;
                        return Err(fax_t30::Error::Engine(format!("dial failed: {e}")));
                    }
                }
            }
            Stage::Done => return Ok(()),
            _ => {}
        }
        let elapsed = now - self.started.unwrap_or(now);
        // The caller's line: the sender's pump; the bench's caller line
        // takes no calls.
        let mut refused = Vec::new();
        if let Some(tx) = self.tx.as_mut() {
            tx.step(&mut exchange.line(self.caller), now, |ev| {
                if let LineEvent::Incoming { call, .. } = ev {
                    refused.push(call);
                }
            });
        }
        for call in refused {
            exchange.hangup(self.caller, call, HangupCause::UserBusy, now);
        }
        // The called line: the receiver's pump once it answered.
        let mut others = Vec::new();
        match self.rx.as_mut() {
            Some(rx) => rx.step(&mut exchange.line(self.callee), now, |ev| others.push(ev)),
            None => others.extend(std::iter::from_fn(|| exchange.poll_event(self.callee))),
        }
        for ev in others {
            match ev {
                LineEvent::Incoming { call, media, .. } if self.call_b.is_none() => {
                    self.call_b = Some(call);
                    if !self.setup.no_answer {
                        let role = FaxRole::Receive {
                            file: self.setup.rx_file.clone(),
                        };
                        let options = self.setup.receiver.clone();
                        let rx = FaxCall::answer(
                            &mut exchange.line(self.callee),
                            call,
                            media,
                            role,
                            options,
                            now,
                        )
                        .map_err(|e| fax_t30::Error::Engine(format!("answer failed: {e}")))?;
                        self.rx = Some(rx);
                    }
                }
                // The unanswered call's caller gave up.
                LineEvent::HungUp { .. } => self.b_gone = true,
                _ => {}
            }
        }
        let cut = self.collect(elapsed);
        if let Some(e) = self.failed.take() {
            self.hang_up_both(exchange, HangupCause::NormalClearing, now);
            return Err(fax_t30::Error::Engine(e));
        }
        if self.stage == Stage::Dialled
            && self.tx.as_ref().is_some_and(|t| t.is_answered())
            && (self.rx.is_some() || self.setup.dial.is_some())
        {
            self.stage = Stage::Connected;
        }
        if self.stage == Stage::Connected && self.record_events {
            let fresh = [
                exchange.received_stats(self.callee),
                exchange.received_stats(self.caller),
            ];
            for (kept, fresh) in self.report.paths.iter_mut().zip(fresh) {
                if fresh.is_some() {
                    *kept = fresh;
                }
            }
        }
        if cut {
            // The network cuts the call right after the page was
            // confirmed: both ends see the line drop.
            self.hang_up_both(exchange, HangupCause::NetworkOutOfOrder, now);
        } else if self.stage != Stage::Done && elapsed > self.setup.time_limit {
            self.report.timed_out = true;
            self.hang_up_both(exchange, HangupCause::LocalTimeout, now);
        }
        // Done when our lines are idle (a call that never reached our
        // receiver line leaves nothing to clear there).
        let b_clear = self.b_gone || self.call_b.is_none();
        if self.a_gone && b_clear && self.stage != Stage::Done {
            self.finish(now);
        }
        Ok(())
    }

    /// The pumps' events: outcomes, the event log, the scripted cut (true
    /// when it is due).
    fn collect(&mut self, elapsed: Duration) -> bool {
        let mut cut = false;
        for side in [Side::Sender, Side::Receiver] {
            let pump = match side {
                Side::Sender => self.tx.as_mut(),
                Side::Receiver => self.rx.as_mut(),
            };
            let Some(pump) = pump else {
                continue;
            };
            // spandsp's own log, when UMS_SPANDSP_LOG is set (diagnostics).
            for line in pump.take_log() {
                eprintln!("{:>8.2}s {side:?} {line}", elapsed.as_secs_f64());
            }
            while let Some(ev) = pump.poll_event() {
                match ev {
                    FaxCallEvent::Fax(ev) => {
                        if let (Side::Sender, FaxEvent::PageConfirmed { page, .. }) = (side, &ev) {
                            cut |= self.setup.drop_after_pages == Some(*page);
                        }
                        if self.record_events {
                            self.report.events.push((elapsed, side, ev));
                        }
                    }
                    FaxCallEvent::Ended(end) => {
                        let outcome = match end {
                            CallEnd::Fax(o) => Some(*o),
                            CallEnd::NotConnected(cause) => {
                                self.report.line_cause.get_or_insert(cause);
                                None
                            }
                            CallEnd::Failed(e) => {
                                self.failed.get_or_insert(e);
                                None
                            }
                        };
                        match side {
                            Side::Sender => {
                                self.a_gone = true;
                                // Why the sender's line ended: the far
                                // end's cause, or our own clearing.
                                let cause =
                                    pump.remote_cause().unwrap_or(HangupCause::NormalClearing);
                                self.report.line_cause.get_or_insert(cause);
                                self.report.sender = outcome;
                            }
                            Side::Receiver => {
                                self.b_gone = true;
                                self.report.receiver = outcome;
                            }
                        }
                    }
                    FaxCallEvent::Answered | FaxCallEvent::MediaChanged(_) => {}
                }
            }
        }
        cut
    }

    fn hang_up_both(&mut self, exchange: &mut Exchange, cause: HangupCause, now: Instant) {
        self.report.line_cause.get_or_insert(cause);
        if let Some(tx) = self.tx.as_mut() {
            tx.hang_up(&mut exchange.line(self.caller), cause, now);
        }
        match self.rx.as_mut() {
            Some(rx) => rx.hang_up(&mut exchange.line(self.callee), cause, now),
            None => {
                if let Some(c) = self.call_b.filter(|_| !self.b_gone) {
                    exchange.hangup(self.callee, c, cause, now);
                }
            }
        }
        let elapsed = now - self.started.unwrap_or(now);
        self.collect(elapsed);
        self.a_gone = true;
        self.b_gone = true;
        self.finish(now);
    }

    fn finish(&mut self, now: Instant) {
        self.report.media_time = now - self.started.unwrap_or(now);
        self.stage = Stage::Done;
        // Free spandsp state (and close files) now, not when the call is dropped.
        self.tx = None;
        self.rx = None;
    }
}

/// The two-line exchange the bench uses: 100 calls 200.
/// Other numbers reach the virtual subscribers given.
pub fn bench_exchange(
    impairments: Impairments,
    virtual_parties: &[(NumberPattern, Behaviour)],
) -> (Exchange, LineIndex, LineIndex) {
    let mut config = ExchangeConfig::default().with_impairments(impairments);
    for (pattern, behaviour) in virtual_parties {
        config = config.with_behaviour(pattern.clone(), behaviour.clone());
    }
    let mut ex = Exchange::new(config);
    let caps = LineCaps::FAX;
    let a = ex.add_line("100", caps).expect("fresh exchange");
    let b = ex.add_line("200", caps).expect("fresh exchange");
    (ex, a, b)
}

/// Run one call on a simulated clock, as fast as the CPU allows.
pub fn run_simulated(setup: CallSetup) -> Result<CallReport, fax_t30::Error> {
    let (mut ex, a, b) = bench_exchange(setup.impairments, &setup.virtual_parties);
    let mut call = LoopCall::new(setup, &ex, a, b);
    // The simulated clock starts anywhere; only differences matter.
    #[allow(clippy::disallowed_methods)] // origin of a simulated clock, never read again
    let mut now = Instant::now();
    while !call.is_done() {
        ex.tick(now);
        call.tick(&mut ex, now)?;
        now += FRAME_DURATION;
    }
    Ok(call.into_report())
}
