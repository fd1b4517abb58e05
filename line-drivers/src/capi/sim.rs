//! A remote-CAPI controller simulator: the ISDN card or router our tests
//! talk to (there is no ISDN hardware here, and kernel CAPI is leaving
//! Linux). Sans-IO: [`Simulator::handle_frame`] takes what an application
//! sent on its connection and queues what the controller answers, on that
//! connection or on another one; [`tcp::SimServer`] is the thin shell that
//! serves it on a TCP port for libcapi20's `rcapi` module and our own
//! client.
//!
//! One controller (number 1) with `b_channels` B-channels. A call from one
//! application goes to the first application listening for its CIP value
//! (the same one may take it), so a call between two of the controller's
//! channels takes two of them. What it does, as a controller would:
//!
//! ```text
//!  caller                      simulator                     callee
//!  CONNECT_REQ ─────────▶  CONF (PLCI)      CONNECT_IND ─────────▶
//!                ◀──── INFO_IND alerting   ◀──────────── ALERT_REQ
//!  CONNECT_ACTIVE_IND ◀──────────────────── ◀──── CONNECT_RESP (0)
//!                                         ──▶ CONNECT_ACTIVE_IND
//!  CONNECT_B3_REQ ──────▶ CONF (NCCI)   CONNECT_B3_IND ──────────▶
//!  CONNECT_B3_ACTIVE_IND ◀──────────────── ◀── CONNECT_B3_RESP (0)
//!                                         ──▶ CONNECT_B3_ACTIVE_IND
//!  DATA_B3_REQ ─────────▶ CONF          DATA_B3_IND ─────────────▶
//!  DISCONNECT_REQ ──────▶ CONF, DISCONNECT_B3_IND, DISCONNECT_IND (0)
//!                                  DISCONNECT_IND (0x3490) ──────▶
//! ```
//!
//! Causes: no listener, "unallocated number" (#1); a number configured
//! with a cause gets it; no B-channel free for the called side, "user
//! busy" (#17), for the calling side, "no circuit" (#34); a reject in
//! CONNECT_RESP is passed to the caller as its Q.850 cause; an application
//! that goes away clears its calls with "destination out of order" (#27).

pub mod exchange;
pub mod local;
pub mod tcp;

use std::collections::{BTreeMap, VecDeque};

use super::msg::{Message, Params};
use super::rcapi::{self, Frame, Profile};
use super::structs::FACILITY_DTMF;

/// Identifies an application's connection to the simulator.
pub type ConnId = u32;

/// Reason of DISCONNECT_IND for a Q.850 cause (CAPI 2.0 part I, §6.2.33:
/// `0x3480 | cause`).
pub fn reason_for_q850(cause: u8) -> u16 {
    0x3480 | u16::from(cause & 0x7f)
}

/// The Q.850 cause a CONNECT_RESP's reject value stands for.
pub fn q850_of_reject(reject: u16) -> u8 {
    match reject {
        1 => 18, // ignore: nobody answered here
        2 => 16,
        3 => 17,
        4 => 34,
        5 => 29,
        6 => 6,
        7 => 88,
        8 => 27,
        r if r & 0xff80 == 0x3480 => (r & 0x7f) as u8,
        _ => 31,
    }
}

/// CAPI info: illegal controller/PLCI/NCCI.
pub const INFO_ILLEGAL_ID: u16 = 0x2002;
/// CAPI info: out of PLCI.
pub const INFO_NO_PLCI: u16 = 0x2003;
/// CAPI info: message not supported in the current state.
pub const INFO_WRONG_STATE: u16 = 0x2001;

/// The simulator's settings.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// B-channels of the controller. A controller has 255 PLCIs, one per
    /// call leg: past 254 channels the PLCIs run out first (calls are
    /// refused with #34 or info 0x2003), as on a real controller.
    pub b_channels: u16,
    /// Numbers that do not connect, and the Q.850 cause they give.
    pub refused: Vec<(String, u8)>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            b_channels: 2,
            refused: Vec::new(),
        }
    }
}

#[derive(Debug, Default)]
struct Conn {
    registered: bool,
    /// The application id on the simulator's messages to it: 1, or the
    /// one assigned at registration.
    app_id: u16,
    max_b_blocks: u16,
    listen_cip: u32,
    next_number: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LegState {
    /// Caller, waiting for the called side.
    Calling,
    /// Called side, CONNECT_IND sent.
    Ringing,
    /// Connected, no B3.
    Active,
    /// CONNECT_B3_IND sent, waiting for its response.
    B3Offered,
    /// CONNECT_B3_REQ confirmed, waiting for the peer.
    B3Waiting,
    /// Data flows.
    B3Active,
}

#[derive(Debug)]
struct Leg {
    conn: ConnId,
    peer: Option<u32>,
    state: LegState,
    /// DATA_B3_INDs sent on this leg and not yet answered.
    unanswered: u16,
    next_handle: u16,
    /// Called side: the indication, and the applications it goes to next
    /// if this one ignores it.
    offer: Option<(Box<super::msg::ConnectInd>, Vec<ConnId>)>,
}

/// What the simulator has counted (for tests).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SimStats {
    /// Calls connected.
    pub connected: u32,
    /// Frames that did not decode.
    pub bad_frames: u32,
    /// DATA_B3 blocks dropped because the receiving application had its
    /// window full.
    pub data_dropped: u32,
    /// Messages dropped for another application id than the one assigned
    /// (with [`Simulator::assign_app_ids`]; also counted as bad frames).
    pub wrong_app_id: u32,
}

/// The application id the simulator assigns to connection `conn` when it
/// assigns them: never 1, distinct for each open connection.
pub fn app_id_of(conn: ConnId) -> u16 {
    0x40 + (conn % 0x3f00) as u16
}

/// The controller simulator.
#[derive(Debug)]
pub struct Simulator {
    config: SimConfig,
    conns: BTreeMap<ConnId, Conn>,
    legs: BTreeMap<u32, Leg>,
    next_plci: u32,
    out: VecDeque<(ConnId, Frame)>,
    stats: SimStats,
    assign_app_ids: bool,
}

/// The NCCI of a PLCI (one B3 connection per call).
pub fn ncci_of(plci: u32) -> u32 {
    plci | 0x1_0000
}

fn plci_of(address: u32) -> u32 {
    address & 0xffff
}

impl Simulator {
    /// A controller with these settings and no applications.
    pub fn new(config: SimConfig) -> Self {
        Simulator {
            config,
            conns: BTreeMap::new(),
            legs: BTreeMap::new(),
            next_plci: 1,
            out: VecDeque::new(),
            stats: SimStats::default(),
            assign_app_ids: false,
        }
    }

    /// The controller's profile.
    pub fn profile(&self) -> Profile {
        Profile {
            controllers: 1,
            b_channels: self.config.b_channels,
            // Internal controller, DTMF.
            global_options: 0x01 | 0x08,
            // B1 64k HDLC and transparent; B2 transparent; B3 transparent.
            b1: 0b11,
            b2: 0b10,
            b3: 0b01,
        }
    }

    /// From now on, each registration is given an application id of its
    /// own ([`app_id_of`], never 1) in the register confirmation's
    /// header, and the application's messages must carry it (others are
    /// dropped and counted). Off by default: libcapi20 3.27's rcapi
    /// module ignores an assigned id and sends its own.
    pub fn assign_app_ids(&mut self) {
        self.assign_app_ids = true;
    }

    /// What has been counted so far.
    pub fn stats(&self) -> &SimStats {
        &self.stats
    }

    /// B-channels in use.
    pub fn channels_in_use(&self) -> usize {
        self.legs.len()
    }

    /// An application connected.
    pub fn handle_open(&mut self, conn: ConnId) {
        self.conns.insert(
            conn,
            Conn {
                next_number: 0x8000,
                ..Conn::default()
            },
        );
    }

    /// An application's connection closed: its calls are cleared, their
    /// peers told "destination out of order".
    pub fn handle_close(&mut self, conn: ConnId) {
        self.conns.remove(&conn);
        let mine: Vec<u32> = self
            .legs
            .iter()
            .filter(|(_, l)| l.conn == conn)
            .map(|(p, _)| *p)
            .collect();
        for plci in mine {
            if let Some(leg) = self.legs.remove(&plci) {
                if let Some(peer) = leg.peer {
                    self.clear(peer, reason_for_q850(27));
                }
            }
        }
    }

    /// A frame that did not decode (the connection stays).
    pub fn handle_bad_frame(&mut self) {
        self.stats.bad_frames += 1;
    }

    /// The next frame to send, and on which connection.
    pub fn poll_transmit(&mut self) -> Option<(ConnId, Frame)> {
        self.out.pop_front()
    }

    fn send(&mut self, conn: ConnId, number: Option<u16>, address: u32, params: Params) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let number = number.unwrap_or_else(|| {
            let n = c.next_number;
            c.next_number = c.next_number.wrapping_add(1) | 0x8000;
            n
        });
        let message = Message {
            app_id: c.app_id,
            number,
            address,
            params,
        };
        let data = Vec::new();
        self.out.push_back((conn, Frame::Capi { message, data }));
    }

    fn indicate(&mut self, plci: u32, address: u32, params: Params) {
        if let Some(conn) = self.legs.get(&plci).map(|l| l.conn) {
            self.send(conn, None, address, params);
        }
    }

    /// Ends the leg `plci` with DISCONNECT_IND (and DISCONNECT_B3_IND
    /// first if data flowed), and forgets it.
    fn clear(&mut self, plci: u32, reason: u16) {
        let Some(leg) = self.legs.remove(&plci) else {
            return;
        };
        if leg.state == LegState::B3Active {
            self.send(
                leg.conn,
                None,
                ncci_of(plci),
                Params::DisconnectB3Ind {
                    reason_b3: 0,
                    ncpi: Vec::new(),
                },
            );
        }
        self.send(leg.conn, None, plci, Params::DisconnectInd { reason });
    }

    fn free_channels(&self) -> usize {
        usize::from(self.config.b_channels).saturating_sub(self.legs.len())
    }

    /// A PLCI not in use (`None`: all 255 of the controller's are, as
    /// when more B-channels are configured than one controller has).
    fn new_plci(&mut self) -> Option<u32> {
        for _ in 0..0xff {
            let n = self.next_plci;
            self.next_plci = if n >= 0xff { 1 } else { n + 1 };
            let plci = (n << 8) | 1;
            if !self.legs.contains_key(&plci) {
                return Some(plci);
            }
        }
        None
    }

    /// A frame from the application on `conn`.
    pub fn handle_frame(&mut self, conn: ConnId, frame: Frame) {
        if !self.conns.contains_key(&conn) {
            self.handle_open(conn);
        }
        match frame {
            Frame::RegisterReq { max_b_blocks, .. } => {
                let assigned = self.assign_app_ids.then(|| app_id_of(conn));
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.registered = true;
                    c.max_b_blocks = max_b_blocks.clamp(1, 7);
                    c.app_id = assigned.unwrap_or(1);
                }
                let app_id = assigned.unwrap_or(0);
                self.out
                    .push_back((conn, Frame::RegisterConf { app_id, info: 0 }));
            }
            Frame::GetProfileReq { controller } => {
                let (info, profile) = match controller {
                    0 | 1 => (0, self.profile().encode()),
                    _ => (INFO_ILLEGAL_ID, [0; rcapi::PROFILE_LEN]),
                };
                self.out
                    .push_back((conn, Frame::GetProfileConf { info, profile }));
            }
            Frame::IdentReq { command, .. } => {
                let (value, n): (&[u8], usize) = match command {
                    rcapi::GET_MANUFACTURER_REQ => (b"ums CAPI simulator", 64),
                    rcapi::GET_VERSION_REQ => {
                        (&[2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], 16)
                    }
                    _ => (b"0000001", 8),
                };
                let mut v = vec![n as u8];
                v.extend_from_slice(value);
                v.resize(1 + n, 0);
                self.out.push_back((
                    conn,
                    Frame::IdentConf {
                        command: command + 1,
                        value: v,
                    },
                ));
            }
            Frame::RegisterConf { .. } | Frame::GetProfileConf { .. } | Frame::IdentConf { .. } => {
                self.stats.bad_frames += 1;
            }
            Frame::Capi { message, data } => self.handle_message(conn, message, data),
        }
    }

    fn handle_message(&mut self, conn: ConnId, m: Message, data: Vec<u8>) {
        // With ids assigned, a message with another id than the one its
        // connection was given is not that application's: dropped.
        if self.assign_app_ids {
            let id = self
                .conns
                .get(&conn)
                .filter(|c| c.registered)
                .map(|c| c.app_id);
            if id != Some(m.app_id) {
                self.stats.bad_frames += 1;
                self.stats.wrong_app_id += 1;
                return;
            }
        }
        let n = Some(m.number);
        let plci = plci_of(m.address);
        let owned = self.legs.get(&plci).is_some_and(|l| l.conn == conn);
        use Params::*;
        match m.params {
            ListenReq { cip_mask, .. } => {
                let info = if m.address & 0x7f == 1 {
                    if let Some(c) = self.conns.get_mut(&conn) {
                        c.listen_cip = cip_mask;
                    }
                    0
                } else {
                    INFO_ILLEGAL_ID
                };
                self.send(conn, n, m.address, ListenConf { info });
            }
            ConnectReq(req) => {
                if m.address & 0x7f != 1 {
                    self.send(
                        conn,
                        n,
                        m.address,
                        ConnectConf {
                            info: INFO_ILLEGAL_ID,
                        },
                    );
                    return;
                }
                let Some(plci) = self.new_plci() else {
                    self.send(conn, n, m.address, ConnectConf { info: INFO_NO_PLCI });
                    return;
                };
                self.send(conn, n, plci, ConnectConf { info: 0 });
                if self.free_channels() == 0 {
                    // Not even a channel for the caller: its own CONF'd
                    // PLCI is cleared at once.
                    self.send(
                        conn,
                        None,
                        plci,
                        DisconnectInd {
                            reason: reason_for_q850(34),
                        },
                    );
                    return;
                }
                self.legs.insert(
                    plci,
                    Leg {
                        conn,
                        peer: None,
                        state: LegState::Calling,
                        unanswered: 0,
                        next_handle: 0,
                        offer: None,
                    },
                );
                let called = req
                    .called
                    .as_ref()
                    .map(|c| c.digits_str().to_string())
                    .unwrap_or_default();
                if let Some((_, cause)) = self.config.refused.iter().find(|(num, _)| *num == called)
                {
                    let cause = *cause;
                    self.clear(plci, reason_for_q850(cause));
                    return;
                }
                let bit = 1u32 << (req.cip.min(31));
                let mut listeners: Vec<ConnId> = self
                    .conns
                    .iter()
                    .filter(|(_, c)| c.registered && c.listen_cip & (bit | 1) != 0)
                    .map(|(id, _)| *id)
                    .collect();
                let Some(target) = (!listeners.is_empty()).then(|| listeners.remove(0)) else {
                    self.clear(plci, reason_for_q850(1));
                    return;
                };
                if self.free_channels() == 0 {
                    self.clear(plci, reason_for_q850(17));
                    return;
                }
                let Some(callee) = self.new_plci() else {
                    self.clear(plci, reason_for_q850(34));
                    return;
                };
                self.legs.insert(
                    callee,
                    Leg {
                        conn: target,
                        peer: Some(plci),
                        state: LegState::Ringing,
                        unanswered: 0,
                        next_handle: 0,
                        offer: None,
                    },
                );
                if let Some(l) = self.legs.get_mut(&plci) {
                    l.peer = Some(callee);
                }
                let ind = super::msg::ConnectInd {
                    cip: req.cip,
                    called: req.called.clone(),
                    calling: req.calling.clone(),
                    called_subaddress: req.called_subaddress.clone(),
                    calling_subaddress: req.calling_subaddress.clone(),
                    bc: req.bc.clone(),
                    llc: req.llc.clone(),
                    hlc: req.hlc.clone(),
                    additional: None,
                };
                let ind = Box::new(ind);
                if let Some(l) = self.legs.get_mut(&callee) {
                    l.offer = Some((ind.clone(), listeners));
                }
                self.send(target, None, callee, ConnectInd(ind));
            }
            AlertReq { .. } => {
                let ok = owned && self.legs[&plci].state == LegState::Ringing;
                let info = if ok { 0 } else { INFO_WRONG_STATE };
                self.send(conn, n, m.address, AlertConf { info });
                if let Some(peer) = self.legs.get(&plci).and_then(|l| l.peer).filter(|_| ok) {
                    // Q.931 ALERTING reached the caller.
                    let element = Vec::new();
                    self.indicate(
                        peer,
                        peer,
                        InfoInd {
                            number: 0x8001,
                            element,
                        },
                    );
                }
            }
            ConnectResp(resp) => {
                if !owned || self.legs[&plci].state != LegState::Ringing {
                    self.stats.bad_frames += 1;
                    return;
                }
                let peer = self.legs[&plci].peer;
                if resp.reject == 1 {
                    // Ignored: offer the call to the next application
                    // listening, as a controller offers it to all.
                    let leg = self.legs.get_mut(&plci).expect("leg");
                    if let Some((ind, next)) = leg.offer.as_mut().filter(|(_, n)| !n.is_empty()) {
                        let ind = ind.clone();
                        let target = next.remove(0);
                        leg.conn = target;
                        self.send(target, None, plci, ConnectInd(ind));
                        return;
                    }
                }
                if resp.reject == 0 {
                    self.stats.connected += 1;
                    for p in [Some(plci), peer].into_iter().flatten() {
                        if let Some(l) = self.legs.get_mut(&p) {
                            l.state = LegState::Active;
                        }
                        let connected = None;
                        self.indicate(
                            p,
                            p,
                            ConnectActiveInd {
                                connected,
                                connected_subaddress: Vec::new(),
                                llc: Vec::new(),
                            },
                        );
                    }
                } else {
                    let conn_of_callee = self.legs.remove(&plci).map(|l| l.conn);
                    if let Some(c) = conn_of_callee {
                        self.send(c, None, plci, DisconnectInd { reason: 0 });
                    }
                    if let Some(peer) = peer {
                        self.clear(peer, reason_for_q850(q850_of_reject(resp.reject)));
                    }
                }
            }
            ConnectB3Req { .. } => {
                let ok = owned && self.legs[&plci].state == LegState::Active;
                if !ok {
                    self.send(
                        conn,
                        n,
                        m.address,
                        ConnectB3Conf {
                            info: INFO_WRONG_STATE,
                        },
                    );
                    return;
                }
                self.send(conn, n, ncci_of(plci), ConnectB3Conf { info: 0 });
                let peer = self.legs[&plci].peer;
                self.legs.get_mut(&plci).expect("leg").state = LegState::B3Waiting;
                if let Some(peer) = peer {
                    if let Some(l) = self.legs.get_mut(&peer) {
                        l.state = LegState::B3Offered;
                    }
                    self.indicate(peer, ncci_of(peer), ConnectB3Ind { ncpi: Vec::new() });
                }
            }
            ConnectB3Resp { reject, .. } => {
                if !owned || self.legs[&plci].state != LegState::B3Offered {
                    self.stats.bad_frames += 1;
                    return;
                }
                let peer = self.legs[&plci].peer;
                if reject == 0 {
                    for p in [Some(plci), peer].into_iter().flatten() {
                        if let Some(l) = self.legs.get_mut(&p) {
                            l.state = LegState::B3Active;
                        }
                        self.indicate(p, ncci_of(p), ConnectB3ActiveInd { ncpi: Vec::new() });
                    }
                } else {
                    for p in [Some(plci), peer].into_iter().flatten() {
                        if let Some(l) = self.legs.get_mut(&p) {
                            l.state = LegState::Active;
                        }
                        let ncpi = Vec::new();
                        self.indicate(
                            p,
                            ncci_of(p),
                            DisconnectB3Ind {
                                reason_b3: 0x3301,
                                ncpi,
                            },
                        );
                    }
                }
            }
            DataB3Req(d) => {
                let ok = owned && self.legs[&plci].state == LegState::B3Active;
                let info = if ok { 0 } else { INFO_WRONG_STATE };
                self.send(
                    conn,
                    n,
                    m.address,
                    DataB3Conf {
                        handle: d.handle,
                        info,
                    },
                );
                let Some(peer) = self.legs.get(&plci).and_then(|l| l.peer).filter(|_| ok) else {
                    return;
                };
                let window = self
                    .legs
                    .get(&peer)
                    .and_then(|l| self.conns.get(&l.conn))
                    .map_or(7, |c| c.max_b_blocks.max(1));
                let Some(leg) = self.legs.get_mut(&peer) else {
                    return;
                };
                if leg.state != LegState::B3Active || leg.unanswered >= window {
                    self.stats.data_dropped += 1;
                    return;
                }
                leg.unanswered += 1;
                let handle = leg.next_handle;
                leg.next_handle = leg.next_handle.wrapping_add(1);
                let conn = leg.conn;
                let message = Message {
                    app_id: 1,
                    number: 0,
                    address: ncci_of(peer),
                    params: DataB3Ind(super::msg::DataB3 {
                        data32: 0,
                        length: data.len() as u16,
                        handle,
                        flags: d.flags,
                        data64: Some(0),
                    }),
                };
                self.send_frame(conn, message, data);
            }
            DataB3Resp { .. } => {
                if let Some(l) = self.legs.get_mut(&plci).filter(|l| l.conn == conn) {
                    l.unanswered = l.unanswered.saturating_sub(1);
                }
            }
            DisconnectB3Req { .. } => {
                let ok = owned && self.legs[&plci].state == LegState::B3Active;
                let info = if ok { 0 } else { INFO_WRONG_STATE };
                self.send(conn, n, m.address, DisconnectB3Conf { info });
                if ok {
                    self.legs.get_mut(&plci).expect("leg").state = LegState::Active;
                    let ncpi = Vec::new();
                    self.indicate(plci, ncci_of(plci), DisconnectB3Ind { reason_b3: 0, ncpi });
                }
            }
            DisconnectReq { .. } => {
                let info = if owned { 0 } else { INFO_ILLEGAL_ID };
                self.send(conn, n, m.address, DisconnectConf { info });
                if owned {
                    let peer = self.legs[&plci].peer;
                    self.clear(plci, 0);
                    if let Some(peer) = peer {
                        self.clear(peer, reason_for_q850(16));
                    }
                }
            }
            FacilityReq {
                selector,
                parameter,
            } => {
                let dtmf = selector == FACILITY_DTMF && owned;
                let info = if dtmf { 0 } else { 0x300b };
                let conf = FacilityConf {
                    info,
                    selector,
                    parameter: vec![0, 0],
                };
                self.send(conn, n, m.address, conf);
                let send = super::structs::DtmfRequest::parse(&parameter)
                    .ok()
                    .filter(|q| q.function == super::structs::DtmfFunction::Send);
                if let (true, Some(q)) = (dtmf, send) {
                    if let Some(peer) = self.legs[&plci].peer {
                        let parameter = q.digits;
                        self.indicate(
                            peer,
                            peer,
                            FacilityInd {
                                selector,
                                parameter,
                            },
                        );
                    }
                }
            }
            InfoReq { .. } => self.send(conn, n, m.address, InfoConf { info: 0 }),
            ConnectActiveResp
            | ConnectB3ActiveResp
            | DisconnectB3Resp
            | DisconnectResp
            | InfoResp
            | FacilityResp { .. } => {}
            _ => self.stats.bad_frames += 1,
        }
    }

    fn send_frame(&mut self, conn: ConnId, mut message: Message, data: Vec<u8>) {
        if let Some(c) = self.conns.get_mut(&conn) {
            message.app_id = c.app_id;
            message.number = c.next_number;
            c.next_number = c.next_number.wrapping_add(1) | 0x8000;
            self.out.push_back((conn, Frame::Capi { message, data }));
        }
    }
}
