//! The Class 1 host front end (ITU-T T.31 §8): our T.30's requests to its
//! modem ([`ModemRequest`]) as `AT+FTH`/`+FRH`/`+FTM`/`+FRM`/`+FTS`
//! commands and data, and the modem's answers as [`ModemReport`]s for
//! T.30. spandsp's `t38_terminal.c` plays the same part for T.38; here the
//! "packets" are command lines, result codes and DLE-framed data.
//!
//! ```text
//!   FaxSession ─ModemRequest─▶ Class1 ─AT commands, frames, image data─▶ modem
//!   FaxSession ◀─ModemReport── Class1 ◀─CONNECT, frames, OK/ERROR/NO CARRIER─ modem
//! ```
//!
//! Sans-IO: octets in ([`Class1::handle_input`]), octets out
//! ([`Class1::take_output`]), time passed in. What T.30 asks is done in
//! order; a receive T.30 no longer wants is aborted (a character to the
//! modem) before the next transmission. `+FRH=3` is given again after
//! `+FCERROR` or a bare `NO CARRIER` for as long as T.30 listens. Image
//! data goes at the line's bit rate with a small lead (the modem's buffer),
//! stopped by XOFF. A modem that does not answer a command in time is a
//! [`Class1Fault`]: the line goes out of service, T.30's own timers end the
//! call.
//!
//! ECM frames at high speed go over plain `+FTM`/`+FRM` with our own HDLC
//! framing ([`super::hdlc`]): a Class 1 modem frames only V.21 itself.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use fax_t30::modem::{ModemReport, ModemRequest, RxMode, SignalStatus, TxMode};

use super::codec::{self, DceInput, DceLine};
use super::hdlc::{Deframer, Framer};
use super::quirks::Quirks;

/// How long a command may take before the modem counts as not answering
/// (beyond `+FRH`/`+FRM` waits, which T.30's timers bound).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest a receive may wait for a carrier before we ask again.
pub const RECEIVE_WAIT: Duration = Duration::from_secs(40);
/// Image data written ahead of the line rate (the modem's buffer).
const DATA_LEAD: Duration = Duration::from_millis(600);
/// The most data asked of T.30 in one go.
const MAX_CHUNK: usize = 2048;
/// Image data (or ECM frames) is asked for once this much of the lead has
/// gone, and then up to the lead at once: a write to the modem every
/// 400 ms, not one per tick or frame (each costs a system call and a wake
/// of the modem's side), with the modem never less than 140 ms ahead.
const DATA_REFILL: Duration = Duration::from_millis(400);
/// After a final frame, re-listen if T.30 has not said otherwise by then.
const REARM_DELAY: Duration = Duration::from_millis(40);
/// How long a frame waits for T.30 to say which carrier it goes on.
const ORPHAN_FRAME_WAIT: Duration = Duration::from_millis(10);
/// Flags before the first ECM frame, in ms of the line's rate.
const ECM_PREAMBLE_MS: u32 = 100;
/// Flags after the last ECM frame, before the carrier ends.
const ECM_TRAILER_FLAGS: usize = 4;

/// The modem broke its side of the protocol or stopped answering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class1Fault(pub String);

/// What the modem is doing, as far as we know.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Dce {
    /// Command state, nothing pending.
    Idle,
    /// `+FRH=3` (`hdlc`) or `+FRM=` (with ECM frames in it: `ecm`)
    /// written; waiting for CONNECT.
    AwaitRx {
        hdlc: bool,
        ecm: bool,
        since: Instant,
    },
    /// Receiving one HDLC frame (after CONNECT).
    RxFrame { frame: Vec<u8> },
    /// The frame ended (`<DLE><ETX>`); waiting for OK (FCS good) or ERROR.
    RxFrameEnd { frame: Vec<u8> },
    /// Receiving image (or TCF) data.
    RxData,
    /// The data ended (`<DLE><ETX>`); waiting for the final result.
    RxDataEnd,
    /// `+FTH=3` (`hdlc`) or `+FTM=` (with ECM frames in it: `ecm`)
    /// written; waiting for CONNECT.
    AwaitTx {
        hdlc: bool,
        ecm: bool,
        since: Instant,
    },
    /// V.21 carrier on; frames may be written.
    TxHdlc,
    /// A frame was written; waiting for CONNECT (more may come) or OK
    /// (the final frame went and the carrier is off).
    TxFrame { since: Instant },
    /// High-speed carrier on; image data flows.
    TxData {
        since: Instant,
        sent: u64,
        bps: u32,
        asked: bool,
    },
    /// The last data went; waiting for OK (carrier off).
    TxDataEnd { since: Instant },
    /// `+FTS=` written; waiting for OK.
    Pause { since: Instant },
    /// A receive was aborted; waiting for the modem's final result.
    Aborting { since: Instant },
}

/// See the module docs.
#[derive(Debug)]
pub struct Class1 {
    quirks: Quirks,
    dce: Dce,
    reader: codec::DceReader,
    /// T.30's requests not yet acted on, in order.
    pending: VecDeque<ModemRequest>,
    /// What T.30 listens for now (`None`: nothing).
    rx_want: Option<RxMode>,
    /// Re-issue the receive command at this time (after a final frame,
    /// `+FCERROR`, NO CARRIER).
    rearm_at: Option<Instant>,
    /// The DCE sent XOFF.
    held: bool,
    out: Vec<u8>,
    reports: VecDeque<ModemReport>,
    fault: Option<Class1Fault>,
    /// T.30 said it is done.
    done: bool,
    /// The bit rate of the `+FTM` under way.
    data_bps: u32,
    /// When the last receive ended (the turn-round silence counts from it).
    last_rx_end: Option<Instant>,
    /// ERRORs to +F commands since the last CONNECT.
    errors_in_row: u32,
    /// The call is gone (see [`Class1::is_call_lost`]).
    call_lost: bool,
    /// Our HDLC framing of the ECM frames of a `+FTM`.
    framer: Option<Framer>,
    /// An ECM frame was written; T.30 hears it went once the line's rate
    /// has taken it (less the lead).
    frame_step_due: bool,
    /// Asking T.30 for ECM frames until the lead is full again (see
    /// [`DATA_REFILL`]).
    refilling: bool,
    /// The framed ECM frames of this refill, written together at its end.
    ecm_batch: Vec<u8>,
    /// We sent DCN: the call is over, nothing more goes on the line (the
    /// silence T.30 asks for after it is not waited for: iaxmodem answers
    /// no `+FTS` once the far end hung up, which cost 10 s a call).
    dcn_sent: bool,
    /// ECM frames in the data of a `+FRM`.
    deframer: Option<Deframer>,
    /// Since when a frame waits with no carrier asked for (see
    /// [`Class1::hoist_carrier`]).
    orphan_frame_since: Option<Instant>,
    /// Frames and data blocks exchanged (for logs and tests).
    pub stats: Class1Stats,
}

/// Counters of a call's Class 1 traffic.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Class1Stats {
    pub frames_sent: u32,
    pub frames_received: u32,
    pub bad_frames: u32,
    pub data_sent: u64,
    pub data_received: u64,
    pub receive_retries: u32,
    pub aborts: u32,
    /// Final results where none was due (NO CARRIER after a hang-up).
    pub unexpected: u32,
}

impl Class1 {
    /// A front end for a modem that is in command state.
    pub fn new(quirks: Quirks) -> Class1 {
        Class1 {
            quirks,
            dce: Dce::Idle,
            reader: codec::DceReader::new(),
            pending: VecDeque::new(),
            rx_want: None,
            rearm_at: None,
            held: false,
            out: Vec::new(),
            reports: VecDeque::new(),
            fault: None,
            done: false,
            data_bps: 0,
            last_rx_end: None,
            errors_in_row: 0,
            call_lost: false,
            framer: None,
            frame_step_due: false,
            refilling: false,
            ecm_batch: Vec::new(),
            dcn_sent: false,
            deframer: None,
            orphan_frame_since: None,
            stats: Class1Stats::default(),
        }
    }

    /// A front end for a modem that answered `ATD` with CONNECT: it
    /// listens for V.21 frames already (T.31: a calling Class 1 modem goes
    /// to `+FRH=3` by itself).
    pub fn after_dial(quirks: Quirks) -> Class1 {
        let mut c = Class1::new(quirks);
        c.rx_want = Some(RxMode::V21);
        c.dce = Dce::RxFrame { frame: Vec::new() };
        c.reader.set_data_mode(true);
        c.reports
            .push_back(ModemReport::HdlcStatus(SignalStatus::CarrierUp));
        c
    }

    /// A front end for a modem that answered `ATA` with CONNECT: it sent
    /// the answer tone and its V.21 carrier is on (`+FTH=3` by itself).
    pub fn after_answer(quirks: Quirks) -> Class1 {
        let mut c = Class1::new(quirks);
        c.dce = Dce::TxHdlc;
        c
    }

    /// A request of T.30.
    pub fn handle_request(&mut self, request: ModemRequest, now: Instant) {
        match request {
            ModemRequest::ImageData { data, last } => self.image_data(data, last, now),
            ModemRequest::Done => self.done = true,
            // Frames are never queued ahead of us: nothing to forget.
            ModemRequest::HdlcFlush => {}
            other => self.pending.push_back(other),
        }
        self.hoist_carrier();
        self.advance(now);
    }

    /// T.30 queues its answer to a received message before the carrier
    /// it goes on (it sets the carrier when the far end's drops): the
    /// carrier goes first, V.21 or ECM's high-speed one.
    fn hoist_carrier(&mut self) {
        if !matches!(self.dce, Dce::Idle)
            || !matches!(self.pending.front(), Some(ModemRequest::SendHdlc(_)))
        {
            return;
        }
        let carrier = self
            .pending
            .iter()
            .position(|r| matches!(r, ModemRequest::Transmit(Some(_)) | ModemRequest::HdlcEnd));
        if let Some(i) = carrier {
            if matches!(self.pending[i], ModemRequest::Transmit(Some(_))) {
                if let Some(t) = self.pending.remove(i) {
                    self.pending.push_front(t);
                }
            }
        }
    }

    /// Octets from the modem.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        self.reader.push(bytes);
        while self.fault.is_none() {
            let Some(input) = self.reader.next_input() else {
                break;
            };
            self.input(input, now);
        }
        self.advance(now);
    }

    /// Let time pass: command timeouts, paced data, re-listening.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.fault.is_some() {
            return;
        }
        let stuck = match &self.dce {
            Dce::AwaitTx { since, .. }
            | Dce::TxFrame { since }
            | Dce::TxDataEnd { since }
            | Dce::Pause { since }
            | Dce::Aborting { since } => now.duration_since(*since) > COMMAND_TIMEOUT * 2,
            Dce::AwaitRx { since, .. } => now.duration_since(*since) > RECEIVE_WAIT,
            _ => false,
        };
        if stuck {
            // The modem went quiet in a call: the far end may have hung up
            // (iaxmodem says nothing then) or the modem died. Either way
            // the call is over; whether the modem is, the hang-up shows.
            self.call_lost = true;
            return;
        }
        if self.rearm_at.is_some_and(|t| t <= now) {
            self.rearm_at = None;
        }
        self.advance(now);
    }

    /// When [`handle_timeout`](Self::handle_timeout) next has work: a
    /// command's time-out, the turn-round silence, a re-listen, the next
    /// batch of paced data. `None`: only the modem's octets or a request of
    /// T.30 move the front end on. A time in the past: now.
    pub fn poll_at(&self) -> Option<Instant> {
        if self.fault.is_some() || self.call_lost {
            return None;
        }
        let state = match &self.dce {
            Dce::AwaitTx { since, .. }
            | Dce::TxFrame { since }
            | Dce::TxDataEnd { since }
            | Dce::Pause { since }
            | Dce::Aborting { since } => Some(*since + COMMAND_TIMEOUT * 2),
            Dce::AwaitRx { since, .. } => Some(*since + RECEIVE_WAIT),
            Dce::TxData { .. } => self.pace_at(),
            _ => None,
        };
        let turnaround = self
            .last_rx_end
            .filter(|_| !self.pending.is_empty())
            .map(|t| t + Duration::from_millis(self.quirks.turnaround_ms.into()));
        let orphan = self.orphan_frame_since.map(|t| t + ORPHAN_FRAME_WAIT);
        [state, self.rearm_at, turnaround, orphan]
            .into_iter()
            .flatten()
            .min()
    }

    /// When [`pace_data`](Self::pace_data) next asks T.30 for data (or
    /// starts an ECM refill).
    fn pace_at(&self) -> Option<Instant> {
        let Dce::TxData {
            since,
            sent,
            bps,
            asked,
        } = &self.dce
        else {
            return None;
        };
        if self.held || *asked || *bps == 0 {
            return None;
        }
        if self.framer.is_some() && self.refilling {
            // Refilling: each frame T.30 gives moves it on.
            return self.frame_step_due.then_some(*since);
        }
        // due >= refill once the elapsed whole milliseconds (plus the
        // lead) carry sent + refill octets.
        let refill = (DATA_REFILL.as_millis() as u64 * u64::from(*bps) / 8000).max(1);
        let ms = (sent + refill) * 8000;
        let ms = ms.div_ceil(u64::from(*bps));
        Some(*since + Duration::from_millis(ms).saturating_sub(DATA_LEAD))
    }

    /// Octets to write to the modem.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// The next report for T.30.
    pub fn poll_report(&mut self) -> Option<ModemReport> {
        self.reports.pop_front()
    }

    /// The modem broke the protocol or stopped answering.
    pub fn fault(&self) -> Option<&Class1Fault> {
        self.fault.as_ref()
    }

    /// The modem dropped the call (the far end hung up): ERROR to every
    /// +F command, or NO CARRIER while we send. T.30 is told by the
    /// line's hang-up.
    pub fn is_call_lost(&self) -> bool {
        self.call_lost
    }

    /// T.30 is done: the call may be hung up (a final pause or a result
    /// still outstanding does not matter any more).
    pub fn is_done(&self) -> bool {
        self.done
    }

    fn write(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    fn command(&mut self, body: &str) {
        self.out.extend_from_slice(&codec::command(body));
    }

    fn report(&mut self, r: ModemReport) {
        self.reports.push_back(r);
    }

    fn protocol_fault(&mut self, what: String) {
        if self.fault.is_none() {
            self.fault = Some(Class1Fault(what));
        }
    }

    /// Act on T.30's requests as far as the modem's state allows.
    fn advance(&mut self, now: Instant) {
        while self.fault.is_none() {
            let Some(next) = self.pending.front().cloned() else {
                break;
            };
            if !self.try_request(&next, now) {
                break;
            }
            self.pending.pop_front();
        }
        if self.fault.is_none() {
            self.pace_data(now);
            self.listen(now);
        }
    }

    /// Start `request` if the modem can take it now; false: later.
    fn try_request(&mut self, request: &ModemRequest, now: Instant) -> bool {
        match request {
            ModemRequest::Receive(mode) => {
                let same = self.rx_want == *mode;
                self.rx_want = *mode;
                match (&self.dce, mode) {
                    // Listening already (after ATD, or T.30 says it again).
                    (Dce::AwaitRx { hdlc: true, .. } | Dce::RxFrame { .. }, Some(RxMode::V21)) => {}
                    (Dce::AwaitRx { .. } | Dce::RxData, _) if same => {}
                    (Dce::AwaitRx { .. }, _) => self.abort_receive(now),
                    _ if same => {}
                    _ => self.rearm_at = None,
                }
                true
            }
            ModemRequest::Transmit(None) => true,
            ModemRequest::Transmit(Some(mode)) => self.start_transmit(*mode, now),
            ModemRequest::SendHdlc(frame) => match self.dce {
                Dce::TxData { .. } if self.framer.is_some() => {
                    self.send_ecm_frame(frame);
                    true
                }
                Dce::TxHdlc => {
                    let wire = codec::stuff(frame, true);
                    self.write(&wire);
                    self.stats.frames_sent += 1;
                    // Address, control, then the FCF (its low bit is the
                    // sender's X bit).
                    self.dcn_sent |= frame
                        .get(2)
                        .is_some_and(|f| f & 0xFE == fax_t30::modem::FCF_DCN);
                    self.dce = Dce::TxFrame { since: now };
                    true
                }
                Dce::Idle => {
                    // A frame with no carrier asked for: T.30 sets it in a
                    // moment (see hoist_carrier); if it has not by the
                    // next tick, the frame goes at V.21.
                    let since = *self.orphan_frame_since.get_or_insert(now);
                    if now.duration_since(since) >= ORPHAN_FRAME_WAIT {
                        self.orphan_frame_since = None;
                        self.start_transmit(TxMode::V21, now);
                    }
                    false
                }
                Dce::TxFrame { .. } | Dce::AwaitTx { .. } => false,
                _ => self.stop_receiving_for_transmit(now),
            },
            ModemRequest::HdlcEnd => match self.dce {
                Dce::TxData { .. } if self.framer.is_some() => {
                    self.end_ecm_carrier(now);
                    true
                }
                // The final frame ended the carrier already.
                Dce::Idle => {
                    self.report(ModemReport::SendStepComplete);
                    true
                }
                Dce::TxHdlc => {
                    // No final frame came: end the carrier by an empty one.
                    self.write(&[codec::DLE, codec::ETX]);
                    self.dce = Dce::TxFrame { since: now };
                    false
                }
                _ => false,
            },
            ModemRequest::ImageData { .. } | ModemRequest::Done | ModemRequest::HdlcFlush => true,
        }
    }

    /// The modem must leave a receive before it can transmit.
    fn stop_receiving_for_transmit(&mut self, now: Instant) -> bool {
        self.rx_want = None;
        self.rearm_at = None;
        if matches!(self.dce, Dce::AwaitRx { .. }) {
            self.abort_receive(now);
        }
        false
    }

    fn start_transmit(&mut self, mode: TxMode, now: Instant) -> bool {
        match (&self.dce, mode) {
            // After our DCN the line is hung up, not kept silent.
            (_, TxMode::Pause { .. }) if self.dcn_sent => {
                self.report(ModemReport::SendStepComplete);
                true
            }
            // The modem sent the tones itself (ATD, ATA).
            (_, TxMode::Cng) => true,
            (_, TxMode::Ced) => {
                self.report(ModemReport::SendStepComplete);
                true
            }
            // After ATA the V.21 carrier is on already; or T.30 gave the
            // frame before it set the mode (we started it for the frame).
            (Dce::TxHdlc | Dce::TxFrame { .. } | Dce::AwaitTx { hdlc: true, .. }, TxMode::V21) => {
                true
            }
            (Dce::TxHdlc, TxMode::Pause { .. }) => {
                self.report(ModemReport::SendStepComplete);
                true
            }
            (Dce::Idle, TxMode::V21 | TxMode::Fast { .. })
                if self.last_rx_end.is_some_and(|t| {
                    now.duration_since(t) < Duration::from_millis(self.quirks.turnaround_ms.into())
                }) =>
            {
                // The turn-round silence after the far end's carrier.
                false
            }
            (Dce::Idle, _) => {
                self.rx_want = None;
                self.rearm_at = None;
                self.orphan_frame_since = None;
                match mode {
                    TxMode::Pause { ms } => {
                        let tens = ms.div_ceil(10).clamp(1, 255);
                        self.command(&format!("+FTS={tens}"));
                        self.dce = Dce::Pause { since: now };
                    }
                    TxMode::V21 => {
                        self.command("+FTH=3");
                        self.dce = Dce::AwaitTx {
                            hdlc: true,
                            ecm: false,
                            since: now,
                        };
                    }
                    TxMode::Fast { modulation, hdlc } => {
                        let Some(code) = modulation.class1_code() else {
                            self.protocol_fault(format!("no Class 1 code for {modulation:?}"));
                            return true;
                        };
                        self.command(&format!("+FTM={code}"));
                        self.dce = Dce::AwaitTx {
                            hdlc: false,
                            ecm: hdlc,
                            since: now,
                        };
                        self.data_bps = modulation.bps;
                    }
                    TxMode::Cng | TxMode::Ced => unreachable!("handled above"),
                }
                true
            }
            (
                Dce::AwaitRx { .. } | Dce::RxFrame { .. } | Dce::RxData | Dce::RxFrameEnd { .. },
                _,
            ) => self.stop_receiving_for_transmit(now),
            _ => false,
        }
    }

    fn abort_receive(&mut self, now: Instant) {
        if self.quirks.no_receive_abort {
            // Wait for the modem's own timeout instead.
            return;
        }
        self.stats.aborts += 1;
        // T.31 §8.3.3: any character aborts a receive waiting for carrier.
        self.write(&[0x18]);
        self.dce = Dce::Aborting { since: now };
    }

    /// Give the receive command T.30 wants, once the modem is free.
    fn listen(&mut self, now: Instant) {
        if !matches!(self.dce, Dce::Idle) || !self.pending.is_empty() || self.rearm_at.is_some() {
            return;
        }
        match self.rx_want {
            Some(RxMode::V21) => {
                self.command("+FRH=3");
                self.dce = Dce::AwaitRx {
                    hdlc: true,
                    ecm: false,
                    since: now,
                };
            }
            Some(RxMode::Fast { modulation, hdlc }) => match modulation.class1_code() {
                Some(code) => {
                    self.command(&format!("+FRM={code}"));
                    self.dce = Dce::AwaitRx {
                        hdlc: false,
                        ecm: hdlc,
                        since: now,
                    };
                }
                None => self.protocol_fault(format!("no Class 1 code for {modulation:?}")),
            },
            None => {}
        }
    }

    fn image_data(&mut self, data: Vec<u8>, last: bool, now: Instant) {
        if let Dce::TxData { sent, asked, .. } = &mut self.dce {
            *asked = false;
            *sent += data.len() as u64;
            self.stats.data_sent += data.len() as u64;
            let wire = codec::stuff(&data, last);
            self.out.extend_from_slice(&wire);
            if last {
                self.dce = Dce::TxDataEnd { since: now };
            }
        }
    }

    /// Ask T.30 for as much image data as the line takes by now (or, with
    /// ECM, tell it the last frame went).
    fn pace_data(&mut self, now: Instant) {
        if self.held {
            return;
        }
        if let Dce::TxData {
            since,
            sent,
            bps,
            asked,
        } = &mut self.dce
        {
            if *asked || now < *since {
                return;
            }
            let elapsed = now.duration_since(*since) + DATA_LEAD;
            let due = (elapsed.as_millis() as u64 * u64::from(*bps) / 8000).saturating_sub(*sent);
            let refill = (DATA_REFILL.as_millis() as u64 * u64::from(*bps) / 8000).max(1);
            if self.framer.is_some() {
                self.refilling |= due >= refill;
                if self.refilling && self.frame_step_due {
                    if due > 0 {
                        self.frame_step_due = false;
                        self.reports.push_back(ModemReport::SendStepComplete);
                    } else {
                        self.refilling = false;
                        self.write_ecm_batch();
                    }
                }
                return;
            }
            if due >= refill {
                *asked = true;
                let max = (due as usize).min(MAX_CHUNK);
                self.reports.push_back(ModemReport::ImageWanted { max });
            }
        }
    }

    /// One ECM frame onto the `+FTM` carrier.
    fn send_ecm_frame(&mut self, frame: &[u8]) {
        let Some(framer) = self.framer.as_mut() else {
            return;
        };
        framer.frame(frame);
        let wire = framer.take();
        if let Dce::TxData { sent, .. } = &mut self.dce {
            *sent += wire.len() as u64;
        }
        self.stats.frames_sent += 1;
        self.stats.data_sent += wire.len() as u64;
        self.ecm_batch
            .extend_from_slice(&codec::stuff(&wire, false));
        if !self.refilling {
            self.write_ecm_batch();
        }
        self.frame_step_due = true;
    }

    fn write_ecm_batch(&mut self) {
        self.out.extend_from_slice(&self.ecm_batch);
        self.ecm_batch.clear();
    }

    /// The last ECM frame went: closing flags, then the carrier ends.
    fn end_ecm_carrier(&mut self, now: Instant) {
        let Some(mut framer) = self.framer.take() else {
            return;
        };
        framer.finish(ECM_TRAILER_FLAGS);
        self.write_ecm_batch();
        self.refilling = false;
        let wire = codec::stuff(&framer.take(), true);
        self.write(&wire);
        self.frame_step_due = false;
        self.dce = Dce::TxDataEnd { since: now };
    }

    /// ECM frames found in `bytes` (the data of a `+FRM`), to T.30.
    fn ecm_data(&mut self, bytes: &[u8]) {
        let Some(deframer) = self.deframer.as_mut() else {
            return;
        };
        let framing_before = deframer.flags_seen() > 0;
        deframer.push(bytes);
        let framing_now = deframer.flags_seen() > 0;
        let frames = deframer.take_frames();
        self.stats.data_received += bytes.len() as u64;
        if framing_now && !framing_before {
            self.report(ModemReport::HdlcStatus(SignalStatus::FramingOk));
        }
        for f in frames {
            self.stats.frames_received += 1;
            if !f.fcs_ok {
                self.stats.bad_frames += 1;
            }
            self.report(ModemReport::HdlcFrame {
                frame: f.frame,
                crc_ok: f.fcs_ok,
            });
        }
    }

    /// The high-speed carrier ended: T.30 hears it as the end of the image
    /// data, or of the ECM frames.
    fn fast_carrier_down(&mut self) {
        if self.deframer.take().is_some() {
            self.report(ModemReport::HdlcStatus(SignalStatus::CarrierDown));
        } else {
            self.report(ModemReport::ImageStatus(SignalStatus::CarrierDown));
        }
    }

    fn input(&mut self, input: DceInput, now: Instant) {
        match input {
            DceInput::Flow(go) => self.held = !go,
            DceInput::Overlong => self.protocol_fault("the modem sent an overlong line".into()),
            DceInput::Data(bytes) => match &mut self.dce {
                Dce::RxFrame { frame } => {
                    if frame.len() + bytes.len() > 1024 {
                        self.protocol_fault("an HDLC frame longer than 1 kB".into());
                    } else {
                        frame.extend_from_slice(&bytes);
                    }
                }
                Dce::RxData if self.deframer.is_some() => self.ecm_data(&bytes),
                Dce::RxData => {
                    self.stats.data_received += bytes.len() as u64;
                    self.report(ModemReport::ImageData(bytes));
                }
                _ => {}
            },
            DceInput::DataEscape(b) if self.quirks.dle_not_doubled => {
                self.input(DceInput::Data(vec![codec::DLE, b]), now)
            }
            DceInput::DataEscape(_) => {}
            // Prompts are read only on GSM lines.
            DceInput::Prompt => {}
            DceInput::DataEnd => match std::mem::replace(&mut self.dce, Dce::Idle) {
                Dce::RxFrame { frame } => self.dce = Dce::RxFrameEnd { frame },
                Dce::RxData => {
                    // The result (NO CARRIER, OK) follows; the carrier is
                    // down for T.30 now.
                    self.fast_carrier_down();
                    self.dce = Dce::RxDataEnd;
                }
                other => self.dce = other,
            },
            DceInput::Line(line) => self.line(line, now),
        }
    }

    fn line(&mut self, line: DceLine, now: Instant) {
        // ERROR to +F commands, again and again, or NO CARRIER while we
        // send: the modem is on hook, the far end hung up.
        match (&self.dce, &line) {
            (_, DceLine::Connect) => self.errors_in_row = 0,
            (Dce::AwaitRx { .. } | Dce::AwaitTx { .. }, DceLine::Error) => {
                self.errors_in_row += 1;
                if self.errors_in_row >= 3 {
                    self.call_lost = true;
                }
            }
            (Dce::TxHdlc | Dce::TxData { .. }, DceLine::NoCarrier) => self.call_lost = true,
            _ => {}
        }
        match (std::mem::replace(&mut self.dce, Dce::Idle), line) {
            // Unsolicited noise between commands: caller ID, RING echoes.
            (dce, DceLine::Ring | DceLine::CallerId { .. } | DceLine::Info(_)) => self.dce = dce,
            (Dce::AwaitRx { hdlc: true, .. }, DceLine::Connect) => {
                self.reader.set_data_mode(true);
                self.report(ModemReport::HdlcStatus(SignalStatus::CarrierUp));
                self.report(ModemReport::HdlcStatus(SignalStatus::FramingOk));
                self.dce = Dce::RxFrame { frame: Vec::new() };
            }
            (Dce::AwaitRx { ecm: true, .. }, DceLine::Connect) => {
                self.reader.set_data_mode(true);
                self.deframer = Some(Deframer::new());
                self.report(ModemReport::HdlcStatus(SignalStatus::CarrierUp));
                self.report(ModemReport::HdlcStatus(SignalStatus::TrainingSucceeded));
                self.dce = Dce::RxData;
            }
            (Dce::AwaitRx { hdlc: false, .. }, DceLine::Connect) => {
                self.reader.set_data_mode(true);
                self.report(ModemReport::ImageStatus(SignalStatus::TrainingSucceeded));
                self.dce = Dce::RxData;
            }
            (Dce::AwaitRx { .. }, DceLine::FcError | DceLine::NoCarrier | DceLine::Error) => {
                // The wrong carrier, or none: ask again while T.30 listens.
                self.stats.receive_retries += 1;
                let wait = 20 + u64::from(self.quirks.fcerror_delay_ms);
                self.rearm_at = Some(now + Duration::from_millis(wait));
            }
            (Dce::RxFrameEnd { frame }, result @ (DceLine::Ok | DceLine::Error)) => {
                self.frame_received(frame, result == DceLine::Ok, now);
            }
            // After high-speed data T.30 listens for V.21 (the post-page
            // message, or a new DCS after a failed TCF): it says so itself.
            (Dce::RxDataEnd, l) if l.is_final() => {
                self.last_rx_end = Some(now);
                self.stop_fast_listening();
            }
            (Dce::RxData, l) if l.is_final() => {
                self.last_rx_end = Some(now);
                self.stop_fast_listening();
                self.fast_carrier_down();
            }
            (Dce::RxFrame { .. } | Dce::RxFrameEnd { .. }, l) if l.is_final() => {
                // The carrier went in the middle of a frame.
                self.last_rx_end = Some(now);
                self.stats.bad_frames += 1;
                self.reader.set_data_mode(false);
                self.report(ModemReport::HdlcStatus(SignalStatus::CarrierDown));
                self.rearm_at = Some(now + Duration::from_millis(20));
            }
            (Dce::AwaitTx { hdlc: true, .. }, DceLine::Connect) => self.dce = Dce::TxHdlc,
            (
                Dce::AwaitTx {
                    hdlc: false, ecm, ..
                },
                DceLine::Connect,
            ) => {
                // Pacing starts when the training is out (some modems say
                // CONNECT before).
                let delay = Duration::from_millis(self.quirks.tx_connect_delay_ms.into());
                let mut sent = 0;
                if ecm {
                    // ECM: flags first, then T.30's frames.
                    let mut framer = Framer::new();
                    let n = self.data_bps * ECM_PREAMBLE_MS / 8000;
                    framer.flags(n.max(1) as usize);
                    let wire = framer.take();
                    sent = wire.len() as u64;
                    self.write(&wire);
                    // T.30 has given its first frame already (it waits
                    // in `pending`).
                    self.framer = Some(framer);
                    self.ecm_batch.clear();
                    self.refilling = true;
                }
                self.dce = Dce::TxData {
                    since: now + delay,
                    sent,
                    bps: self.data_bps,
                    asked: false,
                }
            }
            (Dce::TxFrame { .. }, DceLine::Connect) => {
                self.dce = Dce::TxHdlc;
                self.report(ModemReport::SendStepComplete);
            }
            (Dce::TxFrame { .. }, DceLine::Ok) => {
                // The final frame went; the carrier is off.
                self.report(ModemReport::SendStepComplete);
            }
            (Dce::TxDataEnd { .. } | Dce::Pause { .. }, DceLine::Ok) => {
                self.report(ModemReport::SendStepComplete);
            }
            (Dce::Aborting { .. }, l) if l.is_final() => {}
            (Dce::Aborting { .. }, DceLine::Connect) => {
                // The carrier came as we aborted: the modem may still
                // deliver; read and drop it.
                self.reader.set_data_mode(true);
                self.dce = Dce::Aborting { since: now };
            }
            // The far end hung up, or the carrier went, while we sent:
            // T.30 goes on (and finds out by its timers).
            (
                Dce::AwaitTx { .. }
                | Dce::TxFrame { .. }
                | Dce::TxDataEnd { .. }
                | Dce::Pause { .. },
                l,
            ) if l.is_final() => {
                self.stats.unexpected += 1;
                self.report(ModemReport::SendStepComplete);
            }
            (Dce::TxHdlc | Dce::TxData { .. }, l) if l.is_final() => {
                self.stats.unexpected += 1;
                self.report(ModemReport::SendStepComplete);
            }
            (Dce::Idle, l) if l.is_final() => self.stats.unexpected += 1,
            (dce, other) => {
                // CONNECT where none was asked for: not a Class 1 modem
                // (or not in the state we think).
                self.protocol_fault(format!("unexpected {other:?} while in {dce:?}"));
            }
        }
    }

    /// The high-speed carrier ended: no `+FRM` again by itself. (A V.21
    /// receive T.30 asked for meanwhile, seeing the end of the page in
    /// the data, stays.)
    fn stop_fast_listening(&mut self) {
        if matches!(self.rx_want, Some(RxMode::Fast { .. })) {
            self.rx_want = None;
        }
    }

    fn frame_received(&mut self, mut frame: Vec<u8>, fcs_ok: bool, now: Instant) {
        self.last_rx_end = Some(now);
        // T.31 passes the two FCS octets after the frame.
        if frame.len() >= 2 {
            frame.truncate(frame.len() - 2);
        }
        if frame.len() < 3 {
            self.stats.bad_frames += 1;
            self.rearm_at = Some(now);
            return;
        }
        self.stats.frames_received += 1;
        if !fcs_ok {
            self.stats.bad_frames += 1;
        }
        let last = frame[1] & 0x10 != 0;
        self.report(ModemReport::HdlcFrame {
            frame,
            crc_ok: fcs_ok,
        });
        if last && fcs_ok {
            self.report(ModemReport::HdlcStatus(SignalStatus::CarrierDown));
            // T.30 answers now, or listens on: wait a moment to see which.
            self.rearm_at = Some(now + REARM_DELAY);
        } else {
            // More frames follow in this burst.
            self.rearm_at = None;
        }
    }
}
