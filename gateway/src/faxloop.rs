//! The line test bench: one fax call between two lines of a loopback
//! exchange, sender on the calling line, receiver on the called line.
//!
//! [`FaxCall`] is a small engine of its own (no clock, no I/O besides the
//! files spandsp reads and writes): [`FaxCall::tick`] runs one 20 ms media
//! step. [`run_simulated`] drives it on a simulated clock as fast as the CPU
//! allows; the benchmark drives many of them from the real-time ticker.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fax_t30::media::FRAME_DURATION;
use fax_t30::{
    Document, FaxEvent, FaxOptions, FaxOutcome, FaxSession, PageSource, T38Options, Transport,
};
use line_drivers::fax_machine::feed;
use line_drivers::loopback::{
    Behaviour, Exchange, ExchangeConfig, Impairments, LineIndex, NumberPattern, PathStats,
};
use line_drivers::{CallId, CallProgress, HangupCause, LineCaps, LineEvent, Media, MediaKind};

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

/// One fax call across the exchange. See the module docs.
pub struct FaxCall {
    setup: CallSetup,
    caller: LineIndex,
    callee: LineIndex,
    called_number: String,
    stage: Stage,
    started: Option<Instant>,
    last: Option<Instant>,
    call_a: Option<CallId>,
    call_b: Option<CallId>,
    tx: Option<FaxSession>,
    rx: Option<FaxSession>,
    report: CallReport,
    record_events: bool,
    a_gone: bool,
    b_gone: bool,
}

impl FaxCall {
    /// A call from `caller` to `callee` (both lines of `exchange`).
    pub fn new(
        setup: CallSetup,
        exchange: &Exchange,
        caller: LineIndex,
        callee: LineIndex,
    ) -> FaxCall {
        FaxCall {
            called_number: setup
                .dial
                .clone()
                .unwrap_or_else(|| exchange.number(callee).to_string()),
            setup,
            caller,
            callee,
            stage: Stage::Idle,
            started: None,
            last: None,
            call_a: None,
            call_b: None,
            tx: None,
            rx: None,
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
        }
    }

    /// Keep no event log (benchmarks: no allocation per event).
    pub fn without_event_log(mut self) -> FaxCall {
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

    fn transport(&self) -> Transport {
        self.setup.t38.map_or(Transport::Audio, Transport::T38)
    }

    /// One 20 ms step. Call after `exchange.tick(now)`.
    pub fn tick(&mut self, exchange: &mut Exchange, now: Instant) -> Result<(), fax_t30::Error> {
        self.last = Some(now);
        match self.stage {
            Stage::Idle => {
                self.started = Some(now);
                let imp = self.setup.impairments;
                match exchange.dial_with(self.caller, &self.called_number, self.kind(), imp, now) {
                    Ok(call) => {
                        self.call_a = Some(call);
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
        self.handle_caller_events(exchange)?;
        self.handle_callee_events(exchange, now)?;
        if self.stage == Stage::Connected {
            if self.record_events {
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
            self.run_media(exchange, now);
        }
        let elapsed = now - self.started.unwrap_or(now);
        if self.stage != Stage::Done && elapsed > self.setup.time_limit {
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

    fn handle_caller_events(&mut self, exchange: &mut Exchange) -> Result<(), fax_t30::Error> {
        while let Some(ev) = exchange.poll_event(self.caller) {
            match ev {
                LineEvent::Progress {
                    progress: CallProgress::Answered,
                    ..
                } => {
                    let doc = Document::Send(self.setup.document.clone());
                    self.tx = Some(FaxSession::new(&self.setup.sender, self.transport(), doc)?);
                    if self.rx.is_some() || self.setup.dial.is_some() {
                        self.stage = Stage::Connected;
                    }
                }
                LineEvent::Progress { .. } => {}
                LineEvent::Media { media, .. } => {
                    if let Some(tx) = self.tx.as_mut() {
                        feed(tx, &media);
                    }
                }
                LineEvent::HungUp { cause, .. } => {
                    self.report.line_cause = Some(cause);
                    self.a_gone = true;
                    if let Some(tx) = self.tx.as_mut() {
                        tx.handle_hangup();
                    }
                    if self.call_b.is_none() {
                        // Never connected: the callee has nothing to clear.
                        self.b_gone = true;
                    }
                }
                LineEvent::Incoming { call, .. } => {
                    // The bench's caller line takes no calls.
                    exchange.hangup(
                        self.caller,
                        call,
                        HangupCause::UserBusy,
                        self.last.unwrap_or_else(|| self.started.unwrap()),
                    );
                }
            }
        }
        Ok(())
    }

    fn handle_callee_events(
        &mut self,
        exchange: &mut Exchange,
        now: Instant,
    ) -> Result<(), fax_t30::Error> {
        while let Some(ev) = exchange.poll_event(self.callee) {
            match ev {
                LineEvent::Incoming { call, .. } => {
                    self.call_b = Some(call);
                    if !self.setup.no_answer {
                        let doc = Document::Receive(self.setup.rx_file.clone());
                        self.rx = Some(FaxSession::new(
                            &self.setup.receiver,
                            self.transport(),
                            doc,
                        )?);
                        exchange
                            .answer(self.callee, call, now)
                            .map_err(|e| fax_t30::Error::Engine(format!("answer failed: {e}")))?;
                    }
                }
                LineEvent::Progress {
                    progress: CallProgress::Answered,
                    ..
                } => {
                    if self.tx.is_some() {
                        self.stage = Stage::Connected;
                    }
                }
                LineEvent::Progress { .. } => {}
                LineEvent::Media { media, .. } => {
                    if let Some(rx) = self.rx.as_mut() {
                        feed(rx, &media);
                    }
                }
                LineEvent::HungUp { .. } => {
                    self.b_gone = true;
                    if let Some(rx) = self.rx.as_mut() {
                        rx.handle_hangup();
                    }
                }
            }
        }
        if self.tx.is_some() && self.rx.is_some() && self.stage == Stage::Dialled {
            self.stage = Stage::Connected;
        }
        Ok(())
    }

    fn run_media(&mut self, exchange: &mut Exchange, now: Instant) {
        let elapsed = now - self.started.unwrap_or(now);
        let (Some(tx), Some(ca)) = (self.tx.as_mut(), self.call_a) else {
            return;
        };
        let mut cut = false;
        let mut ends = vec![(Side::Sender, tx, self.caller, ca)];
        if let (Some(rx), Some(cb)) = (self.rx.as_mut(), self.call_b) {
            ends.push((Side::Receiver, rx, self.callee, cb));
        }
        for (side, session, line, call) in ends {
            if session.is_t38() {
                session.handle_tick();
                while let Some(p) = session.poll_ifp() {
                    let _ = exchange.send(line, call, Media::T38(p), now);
                }
            } else {
                let frame = session.poll_audio();
                let _ = exchange.send(line, call, Media::Audio(frame), now);
            }
            // spandsp's own log, when UMS_SPANDSP_LOG is set (diagnostics).
            for line in session.take_log() {
                eprintln!("{:>8.2}s {side:?} {line}", elapsed.as_secs_f64());
            }
            while let Some(ev) = session.poll_event() {
                if let FaxEvent::Finished(o) = &ev {
                    match side {
                        Side::Sender => self.report.sender = Some((**o).clone()),
                        Side::Receiver => self.report.receiver = Some((**o).clone()),
                    }
                }
                if let (Side::Sender, FaxEvent::PageConfirmed { page, .. }) = (side, &ev) {
                    if self.setup.drop_after_pages == Some(*page) {
                        // The network cuts the call right after the page was
                        // confirmed: both ends see the line drop.
                        cut = true;
                    }
                }
                if self.record_events {
                    self.report.events.push((elapsed, side, ev));
                }
            }
        }
        if cut {
            self.hang_up_both(exchange, HangupCause::NetworkOutOfOrder, now);
            return;
        }
        // A finished session hangs up its line, as a fax machine does.
        let tx_done = self.tx.as_ref().is_some_and(|s| s.is_finished());
        let rx_done = self.rx.as_ref().is_some_and(|s| s.is_finished());
        // The side that hangs up gets no event from the exchange; the other
        // side gets HungUp on a later tick.
        if tx_done && !self.a_gone {
            exchange.hangup(self.caller, ca, HangupCause::NormalClearing, now);
            self.a_gone = true;
            self.report
                .line_cause
                .get_or_insert(HangupCause::NormalClearing);
        }
        if let Some(cb) = self
            .call_b
            .filter(|_| rx_done && !self.b_gone && !self.a_gone)
        {
            exchange.hangup(self.callee, cb, HangupCause::NormalClearing, now);
            self.b_gone = true;
        }
    }

    fn hang_up_both(&mut self, exchange: &mut Exchange, cause: HangupCause, now: Instant) {
        if let Some(c) = self.call_a.filter(|_| !self.a_gone) {
            exchange.hangup(self.caller, c, cause, now);
        }
        if let Some(c) = self.call_b.filter(|_| !self.b_gone) {
            exchange.hangup(self.callee, c, cause, now);
        }
        self.report.line_cause.get_or_insert(cause);
        self.a_gone = true;
        self.b_gone = true;
        for s in [self.tx.as_mut(), self.rx.as_mut()].into_iter().flatten() {
            s.handle_hangup();
        }
        self.collect_outcomes();
        self.finish(now);
    }

    fn collect_outcomes(&mut self) {
        if self.report.sender.is_none() {
            self.report.sender = self.tx.as_ref().and_then(|s| s.outcome().cloned());
        }
        if self.report.receiver.is_none() {
            self.report.receiver = self.rx.as_ref().and_then(|s| s.outcome().cloned());
        }
    }

    fn finish(&mut self, now: Instant) {
        self.collect_outcomes();
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
    let mut call = FaxCall::new(setup, &ex, a, b);
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
