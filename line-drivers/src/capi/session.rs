//! A native remote-CAPI client, sans-IO: what libcapi20's `rcapi` module
//! does for an application, without the C library. Octets from the socket
//! go in ([`RcapiClient::handle_bytes`]); octets for the socket come out
//! ([`RcapiClient::take_output`]); events in between. It registers (the
//! register request libcapi20 sends, byte for byte), reads the profile and
//! then carries CAPI messages both ways, DATA_B3 data in the same frame.
//!
//! ```text
//!  Controller ─Message─▶ RcapiClient::send ─frame─▶ take_output ─▶ TCP
//!  Controller ◀─Message── RcapiEvent::Message ◀── handle_bytes ◀── TCP
//! ```

use std::collections::VecDeque;

use super::msg::Message;
use super::rcapi::{Frame, FrameReader, Profile};
use super::WireError;

/// The application's limits, sent with the register request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisterLimits {
    /// B3 connections at once (the B-channels used).
    pub max_logical: u16,
    /// DATA_B3 blocks outstanding per connection (at most 7).
    pub max_b_blocks: u16,
    /// Octets per DATA_B3 block.
    pub max_b_len: u16,
}

/// What the router said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RcapiEvent {
    /// Registered; CAPI messages may flow.
    Registered,
    /// The router refused the registration (a CAPI info value).
    RegisterFailed(u16),
    /// A controller's profile (or why not, as an info value).
    Profile(Result<Profile, u16>),
    /// A CAPI message, with DATA_B3 data.
    Message(Message, Vec<u8>),
    /// A frame that did not make sense (the connection may go on, unless
    /// [`RcapiClient::is_broken`]).
    BadFrame(WireError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    ExpectRegisterConf,
    Registered,
    Refused,
}

/// One application's connection to a remote-CAPI router.
#[derive(Debug)]
pub struct RcapiClient {
    state: State,
    reader: FrameReader,
    out: Vec<u8>,
    events: VecDeque<RcapiEvent>,
    app_id: u16,
}

impl Default for RcapiClient {
    fn default() -> Self {
        Self::new()
    }
}

impl RcapiClient {
    /// A client on a fresh connection.
    pub fn new() -> Self {
        RcapiClient {
            state: State::Idle,
            reader: FrameReader::new(),
            out: Vec::new(),
            events: VecDeque::new(),
            app_id: 1,
        }
    }

    /// Sends the register request (as libcapi20 does: a 2048-octet
    /// message buffer, CAPI version 2).
    pub fn register(&mut self, limits: RegisterLimits) {
        let f = Frame::RegisterReq {
            buffer_size: 2048,
            max_logical: limits.max_logical,
            max_b_blocks: limits.max_b_blocks.clamp(1, 7),
            max_b_len: limits.max_b_len,
            version: 2,
        };
        self.out.extend_from_slice(&f.encode());
        self.state = State::ExpectRegisterConf;
    }

    /// Asks for a controller's profile.
    pub fn get_profile(&mut self, controller: u32) {
        self.out
            .extend_from_slice(&Frame::GetProfileReq { controller }.encode());
    }

    /// The application id on our messages: the one the router assigned
    /// in its register confirmation, or 1 if it assigned none.
    pub fn app_id(&self) -> u16 {
        self.app_id
    }

    /// Whether messages may be sent.
    pub fn is_registered(&self) -> bool {
        self.state == State::Registered
    }

    /// Whether the stream lost its framing (close the connection) or the
    /// router refused us.
    pub fn is_broken(&self) -> bool {
        self.reader.failed() || self.state == State::Refused
    }

    /// Queues a CAPI message (with DATA_B3 data) for the router, with
    /// this application's id on it.
    pub fn send(&mut self, mut message: Message, data: Vec<u8>) {
        message.app_id = self.app_id;
        self.out
            .extend_from_slice(&Frame::Capi { message, data }.encode());
    }

    /// The octets to write to the socket now.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// Octets read from the socket.
    pub fn handle_bytes(&mut self, octets: &[u8]) {
        self.reader.push(octets);
        while let Some(frame) = self.reader.next_frame() {
            let event = match frame {
                Err(e) => RcapiEvent::BadFrame(e),
                Ok(Frame::RegisterConf { app_id, info })
                    if self.state == State::ExpectRegisterConf =>
                {
                    if info == 0 {
                        self.state = State::Registered;
                        if app_id != 0 {
                            self.app_id = app_id;
                        }
                        RcapiEvent::Registered
                    } else {
                        self.state = State::Refused;
                        RcapiEvent::RegisterFailed(info)
                    }
                }
                Ok(Frame::GetProfileConf { info, profile }) => RcapiEvent::Profile(if info == 0 {
                    Profile::decode(&profile).map_err(|_| info)
                } else {
                    Err(info)
                }),
                Ok(Frame::Capi { message, data }) if self.state == State::Registered => {
                    RcapiEvent::Message(message, data)
                }
                Ok(other) => RcapiEvent::BadFrame(WireError::UnexpectedFrame(frame_name(&other))),
            };
            self.events.push_back(event);
        }
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<RcapiEvent> {
        self.events.pop_front()
    }
}

fn frame_name(f: &Frame) -> &'static str {
    match f {
        Frame::RegisterReq { .. } => "register request",
        Frame::RegisterConf { .. } => "register confirmation",
        Frame::GetProfileReq { .. } => "profile request",
        Frame::GetProfileConf { .. } => "profile",
        Frame::IdentReq { .. } => "ident request",
        Frame::IdentConf { .. } => "ident",
        Frame::Capi { .. } => "CAPI message before registration",
    }
}
