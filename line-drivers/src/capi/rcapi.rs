//! Remote CAPI over TCP: the framing bintec and AVM routers speak, and
//! libcapi20's `rcapi` module (Melware's remote CAPI, TCP port 2662 by
//! default) with them.
//!
//! ```text
//!  0          2                                   length
//!  length BE  CAPI message (8-octet header ...)   [DATA_B3 data]
//! ```
//!
//! Every frame is a 16-bit big-endian length that counts itself, then a
//! CAPI message; a DATA_B3 REQ/IND carries its data behind the message in
//! the same frame. The CAPI operations that are functions on a local CAPI
//! (register, get profile, manufacturer, version, serial number) are
//! messages of their own with command codes above the CAPI ones
//! (`0xf2`/`0xf3` register, `0xe0`/`0xe1` profile, ...) and subcommand
//! `0xff`. A request's header carries a length of 0 and a controller
//! dword; a confirmation's body follows its 8-octet header directly.
//!
//! [`FrameReader`] cuts frames from a byte stream (partial input is "need
//! more", a frame longer than [`MAX_FRAME`] is an error: the stream cannot
//! be trusted after it). [`Frame::encode`]/[`Frame::decode`] do one frame.

use super::msg::{cmd, Header, Message, Params, HEADER_LEN};
use super::structs::{Reader, Writer};
use super::WireError;

/// The longest frame read: libcapi20 reads frames into 4096 octets.
pub const MAX_FRAME: usize = 4096;
/// The default TCP port of remote CAPI.
pub const DEFAULT_PORT: u16 = 2662;

/// Register request (command octet, subcommand `0xff`).
pub const REGISTER_REQ: u8 = 0xf2;
/// Register confirmation.
pub const REGISTER_CONF: u8 = 0xf3;
/// Get-profile request.
pub const GET_PROFILE_REQ: u8 = 0xe0;
/// Get-profile confirmation.
pub const GET_PROFILE_CONF: u8 = 0xe1;
/// Get-manufacturer request.
pub const GET_MANUFACTURER_REQ: u8 = 0xfa;
/// Get-manufacturer confirmation.
pub const GET_MANUFACTURER_CONF: u8 = 0xfb;
/// Get-version request.
pub const GET_VERSION_REQ: u8 = 0xfc;
/// Get-version confirmation.
pub const GET_VERSION_CONF: u8 = 0xfd;
/// Get-serial-number request.
pub const GET_SERIAL_REQ: u8 = 0xfe;
/// Get-serial-number confirmation.
pub const GET_SERIAL_CONF: u8 = 0xff;
/// The subcommand of all of them.
pub const RCAPI_SUB: u8 = 0xff;

/// Octets of a CAPI profile (CAPI 2.0 part I, §8, `CAPI_GET_PROFILE`).
pub const PROFILE_LEN: usize = 64;
/// Octets of the manufacturer and serial-number buffers.
pub const MANUFACTURER_LEN: usize = 64;

/// A controller's profile: what `CAPI_GET_PROFILE` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Number of controllers installed.
    pub controllers: u16,
    /// B-channels of this controller.
    pub b_channels: u16,
    /// Global options (bit 0 internal controller, bit 3 DTMF, ...).
    pub global_options: u32,
    /// B1 protocols supported, one bit each.
    pub b1: u32,
    /// B2 protocols supported.
    pub b2: u32,
    /// B3 protocols supported.
    pub b3: u32,
}

impl Profile {
    /// The 64 octets.
    pub fn encode(&self) -> [u8; PROFILE_LEN] {
        let mut w = Writer::default();
        w.u16(self.controllers);
        w.u16(self.b_channels);
        w.u32(self.global_options);
        w.u32(self.b1);
        w.u32(self.b2);
        w.u32(self.b3);
        let mut out = [0; PROFILE_LEN];
        out[..w.buf.len()].copy_from_slice(&w.buf);
        out
    }

    /// Reads the 64 octets (or as many as there are: the profile of
    /// controller 0 is only the number of controllers).
    pub fn decode(b: &[u8]) -> Result<Profile, WireError> {
        let mut padded = [0; PROFILE_LEN];
        let n = b.len().min(PROFILE_LEN);
        if n < 2 {
            return Err(WireError::Truncated("profile"));
        }
        padded[..n].copy_from_slice(&b[..n]);
        let mut r = Reader::new(&padded);
        Ok(Profile {
            controllers: r.u16("profile")?,
            b_channels: r.u16("profile")?,
            global_options: r.u32("profile")?,
            b1: r.u32("profile")?,
            b2: r.u32("profile")?,
            b3: r.u32("profile")?,
        })
    }
}

/// One remote-CAPI frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// CAPI_REGISTER: the application's limits.
    RegisterReq {
        /// Message buffer size (libcapi20 sends 2048).
        buffer_size: u16,
        /// Logical connections (B3) at once.
        max_logical: u16,
        /// DATA_B3 blocks outstanding per connection.
        max_b_blocks: u16,
        /// Octets per DATA_B3 block.
        max_b_len: u16,
        /// CAPI version (2).
        version: u8,
    },
    /// CAPI_REGISTER's answer: 0, or why not. A router may assign the
    /// application id in the header (0: none assigned; libcapi20 3.27's
    /// rcapi module ignores it and sends its own ids).
    RegisterConf {
        /// The application id the router assigned (0: none).
        app_id: u16,
        /// CAPI info value.
        info: u16,
    },
    /// CAPI_GET_PROFILE (controller 0: how many controllers).
    GetProfileReq {
        /// Controller number.
        controller: u32,
    },
    /// The profile, if `info` is 0.
    GetProfileConf {
        /// CAPI info value.
        info: u16,
        /// The profile's 64 octets.
        profile: [u8; PROFILE_LEN],
    },
    /// CAPI_GET_MANUFACTURER, CAPI_GET_VERSION or CAPI_GET_SERIAL_NUMBER
    /// (by its command octet).
    IdentReq {
        /// `GET_MANUFACTURER_REQ`, `GET_VERSION_REQ` or `GET_SERIAL_REQ`.
        command: u8,
        /// Controller number.
        controller: u32,
    },
    /// The answer: a struct of text or the version's octets.
    IdentConf {
        /// `GET_MANUFACTURER_CONF`, `GET_VERSION_CONF` or `GET_SERIAL_CONF`.
        command: u8,
        /// The answer's contents.
        value: Vec<u8>,
    },
    /// A CAPI message, with the data behind a DATA_B3 REQ/IND.
    Capi {
        /// The message.
        message: Message,
        /// DATA_B3 data (empty for other messages).
        data: Vec<u8>,
    },
}

fn rcapi_header(w: &mut Writer, command: u8, body_len: usize) {
    w.u16((HEADER_LEN + body_len) as u16);
    w.u16(0);
    w.u8(command);
    w.u8(RCAPI_SUB);
    w.u16(0);
}

impl Frame {
    /// The frame's octets, length included.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u16(0); // the big-endian length, set below
        match self {
            // libcapi20 writes 0 as the CAPI length of its requests.
            Frame::RegisterReq {
                buffer_size,
                max_logical,
                max_b_blocks,
                max_b_len,
                version,
            } => {
                w.u16(0);
                w.u16(0);
                w.u8(REGISTER_REQ);
                w.u8(RCAPI_SUB);
                w.u16(0);
                w.u32(0);
                w.u16(*buffer_size);
                w.u16(*max_logical);
                w.u16(*max_b_blocks);
                w.u16(*max_b_len);
                w.u8(*version);
            }
            Frame::GetProfileReq { controller } => {
                w.u16(0);
                w.u16(0);
                w.u8(GET_PROFILE_REQ);
                w.u8(RCAPI_SUB);
                w.u16(0);
                w.u32(*controller);
            }
            Frame::IdentReq {
                command,
                controller,
            } => {
                w.u16(0);
                w.u16(0);
                w.u8(*command);
                w.u8(RCAPI_SUB);
                w.u16(0);
                w.u32(*controller);
            }
            Frame::RegisterConf { app_id, info } => {
                rcapi_header(&mut w, REGISTER_CONF, 2);
                w.buf[4..6].copy_from_slice(&app_id.to_le_bytes());
                w.u16(*info);
            }
            Frame::GetProfileConf { info, profile } => {
                rcapi_header(&mut w, GET_PROFILE_CONF, 2 + PROFILE_LEN);
                w.u16(*info);
                w.buf.extend_from_slice(profile);
            }
            Frame::IdentConf { command, value } => {
                rcapi_header(&mut w, *command, value.len());
                w.buf.extend_from_slice(value);
            }
            Frame::Capi { message, data } => {
                w.buf.extend_from_slice(&message.encode());
                w.buf.extend_from_slice(data);
            }
        }
        let len = w.buf.len().min(usize::from(u16::MAX)) as u16;
        w.buf[..2].copy_from_slice(&len.to_be_bytes());
        w.buf
    }

    /// Reads one frame's payload (without its length).
    pub fn decode(payload: &[u8]) -> Result<Frame, WireError> {
        if payload.len() < HEADER_LEN {
            return Err(WireError::Truncated("remote CAPI header"));
        }
        let (command, sub) = (payload[4], payload[5]);
        let body = &payload[HEADER_LEN..];
        let mut r = Reader::new(body);
        let frame = match (command, sub) {
            (REGISTER_REQ, RCAPI_SUB) => {
                r.u32("register buffer")?;
                Frame::RegisterReq {
                    buffer_size: r.u16("register")?,
                    max_logical: r.u16("register")?,
                    max_b_blocks: r.u16("register")?,
                    max_b_len: r.u16("register")?,
                    version: r.u8("register")?,
                }
            }
            (REGISTER_CONF, RCAPI_SUB) => Frame::RegisterConf {
                app_id: u16::from_le_bytes([payload[2], payload[3]]),
                info: r.u16("register info")?,
            },
            (GET_PROFILE_REQ, RCAPI_SUB) => Frame::GetProfileReq {
                controller: r.u32("controller")?,
            },
            (GET_PROFILE_CONF, RCAPI_SUB) => {
                let info = r.u16("profile info")?;
                let mut profile = [0; PROFILE_LEN];
                let n = body.len().saturating_sub(2).min(PROFILE_LEN);
                profile[..n].copy_from_slice(&body[2..2 + n]);
                Frame::GetProfileConf { info, profile }
            }
            (GET_MANUFACTURER_REQ | GET_VERSION_REQ | GET_SERIAL_REQ, RCAPI_SUB) => {
                Frame::IdentReq {
                    command,
                    controller: r.u32("controller")?,
                }
            }
            (GET_MANUFACTURER_CONF | GET_VERSION_CONF | GET_SERIAL_CONF, RCAPI_SUB) => {
                Frame::IdentConf {
                    command,
                    value: body.to_vec(),
                }
            }
            _ => {
                let h = Header::read(payload)?;
                let (message, rest) = Message::decode(payload)?;
                let want = match &message.params {
                    Params::DataB3Req(d) | Params::DataB3Ind(d) => usize::from(d.length),
                    _ => 0,
                };
                if rest.len() != want {
                    // A DATA_B3 whose data is not what it says, or octets
                    // after another message.
                    return Err(WireError::BadFrame {
                        command: h.command,
                        extra: rest.len(),
                    });
                }
                Frame::Capi {
                    message,
                    data: rest.to_vec(),
                }
            }
        };
        Ok(frame)
    }

    /// Whether this is a DATA_B3 message.
    pub fn is_data(&self) -> bool {
        matches!(self, Frame::Capi { message, .. } if message.command().0 == cmd::DATA_B3)
    }
}

/// Cuts frames from a remote-CAPI byte stream.
#[derive(Debug, Default)]
pub struct FrameReader {
    buf: Vec<u8>,
    /// Where the next frame starts in `buf`: frames cut from a read are
    /// not moved out one by one (a read holds hundreds of them).
    start: usize,
    failed: bool,
}

impl FrameReader {
    /// An empty reader.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends octets from the socket.
    pub fn push(&mut self, octets: &[u8]) {
        if !self.failed {
            self.buf.drain(..self.start);
            self.start = 0;
            self.buf.extend_from_slice(octets);
        }
    }

    /// Octets held.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The next whole frame; `None` until one is there. After an error
    /// in the framing itself (a length out of range) the reader stays
    /// failed: the connection must be closed. A frame that is framed well
    /// but whose message is bad is an error for that frame only.
    pub fn next_frame(&mut self) -> Option<Result<Frame, WireError>> {
        if self.failed {
            return None;
        }
        let held = &self.buf[self.start..];
        if held.len() < 2 {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([held[0], held[1]]));
        if !(2 + HEADER_LEN..=MAX_FRAME).contains(&len) {
            self.failed = true;
            self.buf = Vec::new();
            self.start = 0;
            return Some(Err(WireError::BadLength(len as u16)));
        }
        if held.len() < len {
            return None;
        }
        let frame = Frame::decode(&held[2..len]);
        self.start += len;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        Some(frame)
    }

    /// Whether the stream broke its framing.
    pub fn failed(&self) -> bool {
        self.failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capi::samples;

    #[test]
    fn register_req_is_the_23_octets_libcapi20_sends() {
        let f = Frame::RegisterReq {
            buffer_size: 2048,
            max_logical: 2,
            max_b_blocks: 7,
            max_b_len: 2048,
            version: 2,
        };
        let b = f.encode();
        assert_eq!(
            b,
            [0, 23, 0, 0, 0, 0, 0xf2, 0xff, 0, 0, 0, 0, 0, 0, 0, 8, 2, 0, 7, 0, 0, 8, 2]
        );
        assert_eq!(Frame::decode(&b[2..]).unwrap(), f);
    }

    #[test]
    fn frames_cut_anywhere_come_out_whole_and_in_order() {
        let mut frames: Vec<Frame> = samples::all()
            .into_iter()
            .map(|(_, message)| {
                let data = match &message.params {
                    Params::DataB3Req(d) | Params::DataB3Ind(d) => vec![0x55; d.length.into()],
                    _ => Vec::new(),
                };
                Frame::Capi { message, data }
            })
            .collect();
        frames.push(Frame::GetProfileReq { controller: 1 });
        frames.push(Frame::GetProfileConf {
            info: 0,
            profile: Profile {
                controllers: 1,
                b_channels: 4,
                global_options: 1,
                b1: 3,
                b2: 3,
                b3: 1,
            }
            .encode(),
        });
        let stream: Vec<u8> = frames.iter().flat_map(Frame::encode).collect();
        for step in [1, 3, 7, 64, stream.len()] {
            let mut r = FrameReader::new();
            let mut out = Vec::new();
            for chunk in stream.chunks(step) {
                r.push(chunk);
                while let Some(f) = r.next_frame() {
                    out.push(f.unwrap());
                }
            }
            assert_eq!(out, frames, "chunks of {step}");
            assert_eq!(r.buffered(), 0);
        }
    }

    #[test]
    fn a_length_out_of_range_fails_the_stream() {
        let mut r = FrameReader::new();
        r.push(&[0xff, 0xff, 1, 2, 3]);
        assert_eq!(r.next_frame(), Some(Err(WireError::BadLength(0xffff))));
        assert!(r.failed());
        r.push(&Frame::GetProfileReq { controller: 1 }.encode());
        assert_eq!(r.next_frame(), None);
    }

    #[test]
    fn data_b3_data_must_be_as_long_as_it_says() {
        let (_, m) = samples::all()
            .into_iter()
            .find(|(n, _)| *n == "data-b3-ind")
            .unwrap();
        let f = Frame::Capi {
            message: m,
            data: vec![1; 159],
        };
        let b = f.encode();
        assert!(matches!(
            Frame::decode(&b[2..]),
            Err(WireError::BadFrame { extra: 159, .. })
        ));
    }
}
