//! The call state machine of one CAPI controller, sans-IO: CAPI messages
//! and `now` in ([`Controller::handle_message`], [`Controller::handle_timeout`]),
//! messages to send and events out ([`Controller::poll_transmit`],
//! [`Controller::poll_event`]). The transport under it (remote CAPI, or
//! libcapi20) only moves the messages.
//!
//! ```text
//!  outgoing: dial ─CONNECT_REQ─▶ ExpectConnectConf ─CONF─▶ ExpectActive
//!            ─CONNECT_ACTIVE_IND─▶ CONNECT_B3_REQ ─▶ ExpectB3Conf ─CONF─▶ ExpectB3Active
//!  incoming: CONNECT_IND ─▶ Offered ─answer: CONNECT_RESP(0)─▶ Answered
//!            ─CONNECT_ACTIVE_IND─▶ ExpectB3Ind ─CONNECT_B3_IND/RESP─▶ ExpectB3Active
//!  both:     ─CONNECT_B3_ACTIVE_IND─▶ Connected (DATA_B3 both ways, at most
//!            `max_outstanding` blocks unconfirmed) ─hangup: DISCONNECT_REQ─▶
//!            Disconnecting ─DISCONNECT_IND─▶ gone (HungUp with the cause)
//! ```
//!
//! Audio is transparent (B1 = 1, B2 = 1, B3 = 0): [`super::media`] turns
//! the B-channel's bit-reversed A-law into our 20 ms frames. Every
//! indication is answered with its response. Causes come from
//! [`super::cause`].

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use fax_t30::media::AudioFrame;

use super::cause::{cause_of_info, cause_of_reason, reject_for};
use super::media::{encode_frame, FrameAssembler};
use super::msg::{self, DataB3, Message, Params};
use super::structs::{
    BProtocol, CalledNumber, CallingNumber, DtmfFunction, DtmfRequest, FACILITY_DTMF,
};
use crate::cause::HangupCause;

/// CIP value of 3.1 kHz audio (what a fax machine dials with).
pub const CIP_AUDIO_3K1: u16 = 4;
/// CIP mask: any call (bit 0), speech (1), 3.1 kHz audio (4), telephony
/// (16), fax group 2/3 (17).
pub const CIP_MASK_VOICE_FAX: u32 = 1 << 1 | 1 << 4 | 1 << 16 | 1 << 17;
/// INFO_IND number of a Q.931 ALERTING message.
pub const INFO_ALERTING: u16 = 0x8001;

/// A controller's settings.
#[derive(Debug, Clone)]
pub struct ControllerConfig {
    /// Controller number (1 for the first).
    pub controller: u32,
    /// Our application id (from the register confirmation or libcapi20).
    pub app_id: u16,
    /// Calls at once (B-channels we use).
    pub b_channels: usize,
    /// Kinds of call we take (0: listen for none).
    pub cip_mask: u32,
    /// Called numbers we answer (MSNs or DDIs); empty: all.
    pub msns: Vec<String>,
    /// Our number on outgoing calls (the site's MSN).
    pub calling_msn: Option<String>,
    /// DATA_B3 blocks sent and not yet confirmed, at most (CAPI allows 7).
    pub max_outstanding: u16,
    /// Time for an outgoing call to be answered.
    pub setup_timeout: Duration,
    /// Time for the B3 connection, or for the controller to confirm a
    /// hang-up.
    pub step_timeout: Duration,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        ControllerConfig {
            controller: 1,
            app_id: 1,
            b_channels: 2,
            cip_mask: CIP_MASK_VOICE_FAX,
            msns: Vec::new(),
            calling_msn: None,
            max_outstanding: 7,
            setup_timeout: Duration::from_secs(60),
            step_timeout: Duration::from_secs(10),
        }
    }
}

/// Names a call of one controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallRef(pub u32);

/// What happened.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // mostly `Audio`, as `LineEvent` is mostly `Media`
pub enum ControllerEvent {
    /// LISTEN_CONF: 0, or why the controller will not offer calls.
    Listening {
        /// CAPI info value.
        info: u16,
    },
    /// A call for one of our numbers; answer, alert or reject it.
    Incoming {
        /// The call.
        call: CallRef,
        /// The number called.
        called: String,
        /// The caller, if the network gave one.
        calling: Option<String>,
        /// CIP value (4: 3.1 kHz audio, 16: telephony, 17: fax).
        cip: u16,
    },
    /// The far end rings.
    Alerting(CallRef),
    /// The B-channel carries audio both ways.
    Connected(CallRef),
    /// 20 ms of audio from the far end.
    Audio(CallRef, AudioFrame),
    /// DTMF keys the controller heard.
    Dtmf(CallRef, String),
    /// The call is over.
    HungUp(CallRef, HangupCause),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    ExpectConnectConf { number: u16 },
    ExpectActive,
    Offered,
    Answered,
    ExpectB3Conf { number: u16 },
    ExpectB3Ind,
    ExpectB3Active,
    Connected,
    Disconnecting,
}

#[derive(Debug)]
struct Call {
    plci: Option<u32>,
    ncci: Option<u32>,
    state: State,
    called: String,
    /// The message number of CONNECT_IND, which CONNECT_RESP repeats.
    ind_number: u16,
    /// The cause we hang up with (reason 0 in DISCONNECT_IND means ours).
    ours: Option<HangupCause>,
    outstanding: u16,
    next_handle: u16,
    rx: FrameAssembler,
    deadline: Option<Instant>,
    tx_dropped: u32,
}

/// One controller's calls.
#[derive(Debug)]
pub struct Controller {
    config: ControllerConfig,
    calls: BTreeMap<CallRef, Call>,
    next_call: u32,
    next_number: u16,
    out: VecDeque<(Message, Vec<u8>)>,
    events: VecDeque<ControllerEvent>,
}

impl Controller {
    /// A controller with no calls; call [`Controller::listen`] to take
    /// calls.
    pub fn new(config: ControllerConfig) -> Self {
        Controller {
            config,
            calls: BTreeMap::new(),
            next_call: 1,
            next_number: 1,
            out: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Calls in progress.
    pub fn calls(&self) -> usize {
        self.calls.len()
    }

    /// Audio frames not sent on `call` because the window was full.
    pub fn frames_dropped(&self, call: CallRef) -> u32 {
        self.calls.get(&call).map_or(0, |c| c.tx_dropped)
    }

    /// The next message to send, with DATA_B3 data.
    pub fn poll_transmit(&mut self) -> Option<(Message, Vec<u8>)> {
        self.out.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ControllerEvent> {
        self.events.pop_front()
    }

    /// The earliest deadline: call [`Controller::handle_timeout`] then.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.calls.values().filter_map(|c| c.deadline).min()
    }

    fn number(&mut self) -> u16 {
        let n = self.next_number;
        self.next_number = if n >= 0x7fff { 1 } else { n + 1 };
        n
    }

    fn send(&mut self, address: u32, params: Params) -> u16 {
        let number = self.number();
        self.send_numbered(number, address, params, Vec::new());
        number
    }

    fn send_numbered(&mut self, number: u16, address: u32, params: Params, data: Vec<u8>) {
        let m = Message {
            app_id: self.config.app_id,
            number,
            address,
            params,
        };
        self.out.push_back((m, data));
    }

    /// LISTEN_REQ with the configured CIP mask.
    pub fn listen(&mut self) {
        let params = Params::ListenReq {
            info_mask: 0x1ff,
            cip_mask: self.config.cip_mask,
            cip_mask2: 0,
            calling: None,
            calling_subaddress: Vec::new(),
        };
        self.send(self.config.controller, params);
    }

    /// Dials `number`; `None` if every B-channel is taken.
    pub fn dial(&mut self, number: &str, cip: u16, now: Instant) -> Option<CallRef> {
        if self.calls.len() >= self.config.b_channels {
            return None;
        }
        let req = msg::ConnectReq {
            cip,
            called: Some(CalledNumber::unknown(number)),
            calling: self.config.calling_msn.as_deref().map(CallingNumber::msn),
            called_subaddress: Vec::new(),
            calling_subaddress: Vec::new(),
            b_protocol: Some(BProtocol::transparent()),
            bc: Vec::new(),
            llc: Vec::new(),
            hlc: Vec::new(),
            additional: None,
        };
        let n = self.send(self.config.controller, Params::ConnectReq(Box::new(req)));
        let call = CallRef(self.next_call);
        self.next_call += 1;
        let deadline = Some(now + self.config.setup_timeout);
        self.calls.insert(
            call,
            new_call(State::ExpectConnectConf { number: n }, number, deadline),
        );
        Some(call)
    }

    /// ALERT_REQ: tell the caller we ring.
    pub fn alert(&mut self, call: CallRef) {
        if let Some(plci) = self.plci_in(call, State::Offered) {
            self.send(plci, Params::AlertReq { additional: None });
        }
    }

    /// Answers an incoming call (CONNECT_RESP, transparent B-channel).
    pub fn answer(&mut self, call: CallRef, now: Instant) {
        let Some(plci) = self.plci_in(call, State::Offered) else {
            return;
        };
        let c = self.calls.get_mut(&call).expect("offered call");
        c.state = State::Answered;
        c.deadline = Some(now + self.config.step_timeout);
        let connected = Some(CallingNumber::msn(&c.called));
        let number = c.ind_number;
        let resp = msg::ConnectResp {
            reject: 0,
            b_protocol: Some(BProtocol::transparent()),
            connected,
            connected_subaddress: Vec::new(),
            llc: Vec::new(),
            additional: None,
        };
        let params = Params::ConnectResp(Box::new(resp));
        self.send_numbered(number, plci, params, Vec::new());
    }

    /// Ends a call: rejects it with `cause` if it is still offered, else
    /// DISCONNECT_REQ. [`ControllerEvent::HungUp`] follows when the
    /// controller confirms.
    pub fn hangup(&mut self, call: CallRef, cause: HangupCause, now: Instant) {
        self.clear(call, cause, reject_for(cause), now);
    }

    /// Leaves a call that rings here to the controller's other
    /// applications (CONNECT_RESP reject 1, "ignore"), as an application
    /// with no free line of its own does; a call past ringing is hung up
    /// as busy. [`ControllerEvent::HungUp`] follows.
    pub fn ignore(&mut self, call: CallRef, now: Instant) {
        self.clear(call, HangupCause::UserBusy, 1, now);
    }

    fn clear(&mut self, call: CallRef, cause: HangupCause, reject: u16, now: Instant) {
        let step = self.config.step_timeout;
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.ours = Some(cause);
        match (c.state, c.plci) {
            (State::Disconnecting, _) => {}
            // No PLCI yet: DISCONNECT_REQ goes when CONNECT_CONF brings it.
            (State::ExpectConnectConf { .. }, _) | (_, None) => {}
            (State::Offered, Some(plci)) => {
                c.state = State::Disconnecting;
                c.deadline = Some(now + step);
                let number = c.ind_number;
                let resp = msg::ConnectResp {
                    reject,
                    b_protocol: None,
                    connected: None,
                    connected_subaddress: Vec::new(),
                    llc: Vec::new(),
                    additional: None,
                };
                let params = Params::ConnectResp(Box::new(resp));
                self.send_numbered(number, plci, params, Vec::new());
            }
            (_, Some(plci)) => {
                c.state = State::Disconnecting;
                c.deadline = Some(now + step);
                self.send(plci, Params::DisconnectReq { additional: None });
            }
        }
    }

    /// Sends 20 ms of audio; false (and counted) if the call carries no
    /// audio yet or `max_outstanding` blocks wait for confirmation.
    pub fn send_audio(&mut self, call: CallRef, frame: &AudioFrame) -> bool {
        let max = self.config.max_outstanding;
        let Some(c) = self.calls.get_mut(&call) else {
            return false;
        };
        let (State::Connected, Some(ncci)) = (c.state, c.ncci) else {
            return false;
        };
        if c.outstanding >= max {
            c.tx_dropped += 1;
            return false;
        }
        c.outstanding += 1;
        let handle = c.next_handle;
        c.next_handle = c.next_handle.wrapping_add(1);
        let data = encode_frame(frame);
        let d = DataB3 {
            data32: 0,
            length: data.len() as u16,
            handle,
            flags: 0,
            data64: Some(0),
        };
        let n = self.number();
        self.send_numbered(n, ncci, Params::DataB3Req(d), data);
        true
    }

    /// Sends DTMF keys as tones (FACILITY_REQ, selector 1).
    pub fn send_dtmf(&mut self, call: CallRef, digits: &str) {
        let Some(plci) = self.calls.get(&call).and_then(|c| c.plci) else {
            return;
        };
        let q = DtmfRequest {
            function: DtmfFunction::Send,
            tone_ms: 80,
            gap_ms: 80,
            digits: digits.as_bytes().to_vec(),
            characteristics: Vec::new(),
        };
        let parameter = q.content();
        self.send(
            plci,
            Params::FacilityReq {
                selector: FACILITY_DTMF,
                parameter,
            },
        );
    }

    fn plci_in(&self, call: CallRef, state: State) -> Option<u32> {
        self.calls
            .get(&call)
            .filter(|c| c.state == state)
            .and_then(|c| c.plci)
    }

    fn by_plci(&self, address: u32) -> Option<CallRef> {
        let plci = address & 0xffff;
        self.calls
            .iter()
            .find(|(_, c)| c.plci == Some(plci))
            .map(|(r, _)| *r)
    }

    fn end(&mut self, call: CallRef, cause: HangupCause) {
        if self.calls.remove(&call).is_some() {
            self.events.push_back(ControllerEvent::HungUp(call, cause));
        }
    }

    /// Gives up on calls whose deadline has passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<(CallRef, State)> = self
            .calls
            .iter()
            .filter(|(_, c)| c.deadline.is_some_and(|d| d <= now))
            .map(|(r, c)| (*r, c.state))
            .collect();
        for (call, state) in due {
            match state {
                // The controller never confirmed: forget the call.
                State::Disconnecting | State::ExpectConnectConf { .. } => {
                    let ours = self.calls.get(&call).and_then(|c| c.ours);
                    self.end(call, ours.unwrap_or(HangupCause::LocalTimeout));
                }
                State::ExpectActive => self.hangup(call, HangupCause::NoAnswer, now),
                _ => self.hangup(call, HangupCause::LocalTimeout, now),
            }
        }
    }

    /// A message from the controller.
    pub fn handle_message(&mut self, m: Message, data: &[u8], now: Instant) {
        let step = self.config.step_timeout;
        let call = self.by_plci(m.address);
        use Params::*;
        match m.params {
            ListenConf { info } => self.events.push_back(ControllerEvent::Listening { info }),
            ConnectConf { info } => {
                let found = self
                    .calls
                    .iter()
                    .find(|(_, c)| c.state == State::ExpectConnectConf { number: m.number });
                let Some((&call, _)) = found else { return };
                if info != 0 {
                    self.end(call, cause_of_info(info));
                    return;
                }
                let c = self.calls.get_mut(&call).expect("call");
                c.plci = Some(m.address & 0xffff);
                c.state = State::ExpectActive;
                if let Some(cause) = c.ours {
                    // Hung up before the PLCI came.
                    c.ours = None;
                    self.hangup(call, cause, now);
                }
            }
            ConnectInd(ind) => self.handle_connect_ind(m.number, m.address, *ind, now),
            ConnectActiveInd { .. } => {
                self.send_numbered(m.number, m.address, ConnectActiveResp, Vec::new());
                let Some(call) = call else { return };
                let c = self.calls.get_mut(&call).expect("call");
                match c.state {
                    State::ExpectActive => {
                        c.deadline = Some(now + step);
                        let plci = m.address & 0xffff;
                        let n = self.send(plci, ConnectB3Req { ncpi: Vec::new() });
                        self.calls.get_mut(&call).expect("call").state =
                            State::ExpectB3Conf { number: n };
                    }
                    State::Answered => {
                        c.state = State::ExpectB3Ind;
                        c.deadline = Some(now + step);
                    }
                    _ => {}
                }
            }
            ConnectB3Conf { info } => {
                let Some(call) = call else { return };
                let c = self.calls.get_mut(&call).expect("call");
                if !matches!(c.state, State::ExpectB3Conf { .. }) {
                    return;
                }
                if info != 0 {
                    self.hangup(call, cause_of_info(info), now);
                    return;
                }
                c.ncci = Some(m.address);
                c.state = State::ExpectB3Active;
            }
            ConnectB3Ind { .. } => {
                let ok = call.is_some_and(|c| self.calls[&c].state == State::ExpectB3Ind);
                let reject = if ok { 0 } else { 2 };
                let resp = ConnectB3Resp {
                    reject,
                    ncpi: Vec::new(),
                };
                self.send_numbered(m.number, m.address, resp, Vec::new());
                if let (true, Some(call)) = (ok, call) {
                    let c = self.calls.get_mut(&call).expect("call");
                    c.ncci = Some(m.address);
                    c.state = State::ExpectB3Active;
                }
            }
            ConnectB3ActiveInd { .. } => {
                self.send_numbered(m.number, m.address, ConnectB3ActiveResp, Vec::new());
                let Some(call) = call else { return };
                let c = self.calls.get_mut(&call).expect("call");
                if c.state == State::ExpectB3Active {
                    c.ncci = Some(m.address);
                    c.state = State::Connected;
                    c.deadline = None;
                    self.events.push_back(ControllerEvent::Connected(call));
                }
            }
            DataB3Ind(d) => {
                let resp = DataB3Resp { handle: d.handle };
                self.send_numbered(m.number, m.address, resp, Vec::new());
                let Some(call) = call else { return };
                let c = self.calls.get_mut(&call).expect("call");
                if c.state == State::Connected {
                    c.rx.push(data);
                    while let Some(frame) = c.rx.next_frame() {
                        self.events.push_back(ControllerEvent::Audio(call, frame));
                    }
                }
            }
            DataB3Conf { .. } => {
                if let Some(c) = call.and_then(|c| self.calls.get_mut(&c)) {
                    c.outstanding = c.outstanding.saturating_sub(1);
                }
            }
            DisconnectB3Ind { .. } => {
                self.send_numbered(m.number, m.address, DisconnectB3Resp, Vec::new());
                if let Some(c) = call.and_then(|c| self.calls.get_mut(&c)) {
                    c.ncci = None;
                    c.outstanding = 0;
                }
                // The far end took the B-channel down without hanging up:
                // a call without audio is no use to us.
                if let Some(call) = call.filter(|c| self.calls[c].state == State::Connected) {
                    self.hangup(call, HangupCause::NormalClearing, now);
                }
            }
            DisconnectInd { reason } => {
                self.send_numbered(m.number, m.address, DisconnectResp, Vec::new());
                if let Some(call) = call {
                    let ours = self.calls[&call].ours;
                    self.end(call, cause_of_reason(reason, ours));
                }
            }
            DisconnectConf { info } => {
                if let (Some(call), true) = (call, info != 0) {
                    let ours = self.calls[&call].ours;
                    self.end(call, ours.unwrap_or(cause_of_info(info)));
                }
            }
            InfoInd { number, .. } => {
                self.send_numbered(m.number, m.address, InfoResp, Vec::new());
                if let (Some(call), INFO_ALERTING) = (call, number) {
                    self.events.push_back(ControllerEvent::Alerting(call));
                }
            }
            FacilityInd {
                selector,
                parameter,
            } => {
                let resp = FacilityResp {
                    selector,
                    parameter: Vec::new(),
                };
                self.send_numbered(m.number, m.address, resp, Vec::new());
                if let (Some(call), FACILITY_DTMF) = (call, selector) {
                    let keys: String = parameter
                        .iter()
                        .filter(|k| matches!(k, b'0'..=b'9' | b'*' | b'#' | b'A'..=b'D'))
                        .map(|k| char::from(*k))
                        .collect();
                    if !keys.is_empty() {
                        self.events.push_back(ControllerEvent::Dtmf(call, keys));
                    }
                }
            }
            // Confirmations that need nothing more.
            AlertConf { .. } | FacilityConf { .. } | InfoConf { .. } | DisconnectB3Conf { .. } => {}
            // Requests and responses are ours to send, not to receive.
            _ => {}
        }
    }

    fn handle_connect_ind(&mut self, number: u16, plci: u32, ind: msg::ConnectInd, now: Instant) {
        let called = ind
            .called
            .as_ref()
            .map(|n| n.digits_str().to_string())
            .unwrap_or_default();
        let ours = self.config.msns.is_empty() || self.config.msns.contains(&called);
        let reject = if !ours {
            Some(1) // not for us: let another application take it
        } else if self.calls.len() >= self.config.b_channels {
            Some(reject_for(HangupCause::UserBusy))
        } else {
            None
        };
        if let Some(reject) = reject {
            let resp = msg::ConnectResp {
                reject,
                b_protocol: None,
                connected: None,
                connected_subaddress: Vec::new(),
                llc: Vec::new(),
                additional: None,
            };
            self.send_numbered(
                number,
                plci,
                Params::ConnectResp(Box::new(resp)),
                Vec::new(),
            );
            return;
        }
        let call = CallRef(self.next_call);
        self.next_call += 1;
        let mut c = new_call(
            State::Offered,
            &called,
            Some(now + self.config.setup_timeout),
        );
        c.plci = Some(plci & 0xffff);
        c.ind_number = number;
        self.calls.insert(call, c);
        let calling = ind
            .calling
            .as_ref()
            .map(|n| n.digits_str().to_string())
            .filter(|n| !n.is_empty());
        self.events.push_back(ControllerEvent::Incoming {
            call,
            called,
            calling,
            cip: ind.cip,
        });
    }
}

fn new_call(state: State, called: &str, deadline: Option<Instant>) -> Call {
    Call {
        plci: None,
        ncci: None,
        state,
        called: called.to_string(),
        ind_number: 0,
        ours: None,
        outstanding: 0,
        next_handle: 0,
        rx: FrameAssembler::new(),
        deadline,
        tx_dropped: 0,
    }
}
