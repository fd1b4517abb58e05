//! CAPI 2.0 messages (COMMON-ISDN-API 2.0, part I, chapters 5 and 6): the
//! 8-octet header and the parameters of the messages a fax and voice
//! application needs, as typed values, read and written byte for byte as
//! libcapi20's `capi_message2cmsg`/`capi_cmsg2message` do
//! (`line-drivers/tests/capi_libcapi20.rs` checks that; the message
//! numbers, lengths and field order are those of libcapi20 3.27).
//!
//! ```text
//!  0      2       4    5       6        8
//!  length app id  cmd  subcmd  msg no.  parameters (address first) ...
//! ```
//!
//! All integers are little-endian; `length` counts the whole message, the
//! header too. The data of a DATA_B3 follows the message, outside its
//! length; [`Message::decode`] hands it back as the rest of the input.

use super::structs::{AdditionalInfo, BProtocol, CalledNumber, CallingNumber, Reader, Writer};
use super::WireError;

/// Octets in the header.
pub const HEADER_LEN: usize = 8;
/// The longest message we read or write (parameters included, DATA_B3
/// data not): libcapi20 builds messages in 180 octets; a little more is
/// allowed for peers with longer info elements.
pub const MAX_MESSAGE: usize = 2048;

/// Subcommand: a request from the application.
pub const REQ: u8 = 0x80;
/// Subcommand: the controller's confirmation of a request.
pub const CONF: u8 = 0x81;
/// Subcommand: an indication from the controller.
pub const IND: u8 = 0x82;
/// Subcommand: the application's response to an indication.
pub const RESP: u8 = 0x83;

/// Command codes (part I, §5).
pub mod cmd {
    /// ALERT.
    pub const ALERT: u8 = 0x01;
    /// CONNECT.
    pub const CONNECT: u8 = 0x02;
    /// CONNECT_ACTIVE.
    pub const CONNECT_ACTIVE: u8 = 0x03;
    /// DISCONNECT.
    pub const DISCONNECT: u8 = 0x04;
    /// LISTEN.
    pub const LISTEN: u8 = 0x05;
    /// INFO.
    pub const INFO: u8 = 0x08;
    /// FACILITY.
    pub const FACILITY: u8 = 0x80;
    /// CONNECT_B3.
    pub const CONNECT_B3: u8 = 0x82;
    /// CONNECT_B3_ACTIVE.
    pub const CONNECT_B3_ACTIVE: u8 = 0x83;
    /// DISCONNECT_B3.
    pub const DISCONNECT_B3: u8 = 0x84;
    /// DATA_B3.
    pub const DATA_B3: u8 = 0x86;
}

/// DATA_B3 REQ/IND: the data's place, length, handle and flags. On the
/// wire the data follows the message; `data32`/`data64` are the pointer
/// fields a local CAPI fills in (0 over a network).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataB3 {
    /// The 32-bit data pointer field.
    pub data32: u32,
    /// Octets of data.
    pub length: u16,
    /// The handle the confirmation or response names.
    pub handle: u16,
    /// Flags (bit 0 qualifier, 1 more data, 2 delivery confirmation,
    /// 3 expedited, 4 UI frame, 5 break).
    pub flags: u16,
    /// The 64-bit data pointer field of 64-bit CAPI; `None`: the 22-octet
    /// message of 32-bit CAPI.
    pub data64: Option<u64>,
}

/// CONNECT_REQ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectReq {
    /// CIP value: the kind of call (1 speech, 4 3.1 kHz audio, 17 fax G3).
    pub cip: u16,
    /// Whom to call.
    pub called: Option<CalledNumber>,
    /// Our number (the site's MSN).
    pub calling: Option<CallingNumber>,
    /// Called party subaddress (contents).
    pub called_subaddress: Vec<u8>,
    /// Calling party subaddress (contents).
    pub calling_subaddress: Vec<u8>,
    /// B-channel protocols; `None`: the controller's default.
    pub b_protocol: Option<BProtocol>,
    /// Bearer capability (contents; empty: from the CIP value).
    pub bc: Vec<u8>,
    /// Low layer compatibility.
    pub llc: Vec<u8>,
    /// High layer compatibility.
    pub hlc: Vec<u8>,
    /// Additional info.
    pub additional: Option<AdditionalInfo>,
}

/// CONNECT_IND.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectInd {
    /// CIP value of the incoming call.
    pub cip: u16,
    /// The number called (our MSN or DDI).
    pub called: Option<CalledNumber>,
    /// The caller.
    pub calling: Option<CallingNumber>,
    /// Called party subaddress.
    pub called_subaddress: Vec<u8>,
    /// Calling party subaddress.
    pub calling_subaddress: Vec<u8>,
    /// Bearer capability.
    pub bc: Vec<u8>,
    /// Low layer compatibility.
    pub llc: Vec<u8>,
    /// High layer compatibility.
    pub hlc: Vec<u8>,
    /// Additional info.
    pub additional: Option<AdditionalInfo>,
}

/// CONNECT_RESP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectResp {
    /// 0 answer, 1 ignore, 2 normal clearing, 3 user busy, 4 no channel,
    /// 5 facility rejected, 6 channel unacceptable, 7 incompatible
    /// destination, 8 out of order; `0x3480 | q850` any Q.850 cause.
    pub reject: u16,
    /// B-channel protocols.
    pub b_protocol: Option<BProtocol>,
    /// Connected number (ours).
    pub connected: Option<CallingNumber>,
    /// Connected subaddress.
    pub connected_subaddress: Vec<u8>,
    /// Low layer compatibility.
    pub llc: Vec<u8>,
    /// Additional info.
    pub additional: Option<AdditionalInfo>,
}

/// The parameters after the address, by command and subcommand.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // Fields are named as in the CAPI specification.
#[non_exhaustive]
pub enum Params {
    AlertReq {
        additional: Option<AdditionalInfo>,
    },
    AlertConf {
        info: u16,
    },
    ConnectReq(Box<ConnectReq>),
    ConnectConf {
        info: u16,
    },
    ConnectInd(Box<ConnectInd>),
    ConnectResp(Box<ConnectResp>),
    ConnectActiveInd {
        connected: Option<CallingNumber>,
        connected_subaddress: Vec<u8>,
        llc: Vec<u8>,
    },
    ConnectActiveResp,
    ConnectB3Req {
        ncpi: Vec<u8>,
    },
    ConnectB3Conf {
        info: u16,
    },
    ConnectB3Ind {
        ncpi: Vec<u8>,
    },
    ConnectB3Resp {
        reject: u16,
        ncpi: Vec<u8>,
    },
    ConnectB3ActiveInd {
        ncpi: Vec<u8>,
    },
    ConnectB3ActiveResp,
    DataB3Req(DataB3),
    DataB3Conf {
        handle: u16,
        info: u16,
    },
    DataB3Ind(DataB3),
    DataB3Resp {
        handle: u16,
    },
    DisconnectB3Req {
        ncpi: Vec<u8>,
    },
    DisconnectB3Conf {
        info: u16,
    },
    DisconnectB3Ind {
        reason_b3: u16,
        ncpi: Vec<u8>,
    },
    DisconnectB3Resp,
    DisconnectReq {
        additional: Option<AdditionalInfo>,
    },
    DisconnectConf {
        info: u16,
    },
    DisconnectInd {
        reason: u16,
    },
    DisconnectResp,
    FacilityReq {
        selector: u16,
        parameter: Vec<u8>,
    },
    FacilityConf {
        info: u16,
        selector: u16,
        parameter: Vec<u8>,
    },
    FacilityInd {
        selector: u16,
        parameter: Vec<u8>,
    },
    FacilityResp {
        selector: u16,
        parameter: Vec<u8>,
    },
    InfoReq {
        called: Option<CalledNumber>,
        additional: Option<AdditionalInfo>,
    },
    InfoConf {
        info: u16,
    },
    InfoInd {
        number: u16,
        element: Vec<u8>,
    },
    InfoResp,
    ListenReq {
        info_mask: u32,
        cip_mask: u32,
        cip_mask2: u32,
        calling: Option<CallingNumber>,
        calling_subaddress: Vec<u8>,
    },
    ListenConf {
        info: u16,
    },
}

/// One CAPI message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Application id (from CAPI_REGISTER).
    pub app_id: u16,
    /// Message number: a request's, echoed by its confirmation.
    pub number: u16,
    /// Controller, PLCI or NCCI, as the message wants.
    pub address: u32,
    /// The rest.
    pub params: Params,
}

impl Params {
    /// Command and subcommand.
    pub fn command(&self) -> (u8, u8) {
        use cmd::*;
        use Params::*;
        match self {
            AlertReq { .. } => (ALERT, REQ),
            AlertConf { .. } => (ALERT, CONF),
            ConnectReq(_) => (CONNECT, REQ),
            ConnectConf { .. } => (CONNECT, CONF),
            ConnectInd(_) => (CONNECT, IND),
            ConnectResp(_) => (CONNECT, RESP),
            ConnectActiveInd { .. } => (CONNECT_ACTIVE, IND),
            ConnectActiveResp => (CONNECT_ACTIVE, RESP),
            ConnectB3Req { .. } => (CONNECT_B3, REQ),
            ConnectB3Conf { .. } => (CONNECT_B3, CONF),
            ConnectB3Ind { .. } => (CONNECT_B3, IND),
            ConnectB3Resp { .. } => (CONNECT_B3, RESP),
            ConnectB3ActiveInd { .. } => (CONNECT_B3_ACTIVE, IND),
            ConnectB3ActiveResp => (CONNECT_B3_ACTIVE, RESP),
            DataB3Req(_) => (DATA_B3, REQ),
            DataB3Conf { .. } => (DATA_B3, CONF),
            DataB3Ind(_) => (DATA_B3, IND),
            DataB3Resp { .. } => (DATA_B3, RESP),
            DisconnectB3Req { .. } => (DISCONNECT_B3, REQ),
            DisconnectB3Conf { .. } => (DISCONNECT_B3, CONF),
            DisconnectB3Ind { .. } => (DISCONNECT_B3, IND),
            DisconnectB3Resp => (DISCONNECT_B3, RESP),
            DisconnectReq { .. } => (DISCONNECT, REQ),
            DisconnectConf { .. } => (DISCONNECT, CONF),
            DisconnectInd { .. } => (DISCONNECT, IND),
            DisconnectResp => (DISCONNECT, RESP),
            FacilityReq { .. } => (FACILITY, REQ),
            FacilityConf { .. } => (FACILITY, CONF),
            FacilityInd { .. } => (FACILITY, IND),
            FacilityResp { .. } => (FACILITY, RESP),
            InfoReq { .. } => (INFO, REQ),
            InfoConf { .. } => (INFO, CONF),
            InfoInd { .. } => (INFO, IND),
            InfoResp => (INFO, RESP),
            ListenReq { .. } => (LISTEN, REQ),
            ListenConf { .. } => (LISTEN, CONF),
        }
    }

    fn write(&self, w: &mut Writer) {
        use Params::*;
        match self {
            AlertReq { additional } | DisconnectReq { additional } => {
                AdditionalInfo::write(additional, w)
            }
            AlertConf { info }
            | ConnectConf { info }
            | ConnectB3Conf { info }
            | DisconnectB3Conf { info }
            | DisconnectConf { info }
            | InfoConf { info }
            | ListenConf { info } => w.u16(*info),
            ConnectReq(c) => {
                w.u16(c.cip);
                w.cstruct(&CalledNumber::content(&c.called));
                w.cstruct(&CallingNumber::content(&c.calling));
                w.cstruct(&c.called_subaddress);
                w.cstruct(&c.calling_subaddress);
                BProtocol::write(&c.b_protocol, w);
                w.cstruct(&c.bc);
                w.cstruct(&c.llc);
                w.cstruct(&c.hlc);
                AdditionalInfo::write(&c.additional, w);
            }
            ConnectInd(c) => {
                w.u16(c.cip);
                w.cstruct(&CalledNumber::content(&c.called));
                w.cstruct(&CallingNumber::content(&c.calling));
                w.cstruct(&c.called_subaddress);
                w.cstruct(&c.calling_subaddress);
                w.cstruct(&c.bc);
                w.cstruct(&c.llc);
                w.cstruct(&c.hlc);
                AdditionalInfo::write(&c.additional, w);
            }
            ConnectResp(c) => {
                w.u16(c.reject);
                BProtocol::write(&c.b_protocol, w);
                w.cstruct(&CallingNumber::content(&c.connected));
                w.cstruct(&c.connected_subaddress);
                w.cstruct(&c.llc);
                AdditionalInfo::write(&c.additional, w);
            }
            ConnectActiveInd {
                connected,
                connected_subaddress,
                llc,
            } => {
                w.cstruct(&CallingNumber::content(connected));
                w.cstruct(connected_subaddress);
                w.cstruct(llc);
            }
            ConnectActiveResp | ConnectB3ActiveResp | DisconnectB3Resp | DisconnectResp
            | InfoResp => {}
            ConnectB3Req { ncpi }
            | ConnectB3Ind { ncpi }
            | ConnectB3ActiveInd { ncpi }
            | DisconnectB3Req { ncpi } => w.cstruct(ncpi),
            ConnectB3Resp { reject, ncpi } => {
                w.u16(*reject);
                w.cstruct(ncpi);
            }
            DataB3Req(d) | DataB3Ind(d) => {
                w.u32(d.data32);
                w.u16(d.length);
                w.u16(d.handle);
                w.u16(d.flags);
                if let Some(p) = d.data64 {
                    w.u64(p);
                }
            }
            DataB3Conf { handle, info } => {
                w.u16(*handle);
                w.u16(*info);
            }
            DataB3Resp { handle } => w.u16(*handle),
            DisconnectB3Ind { reason_b3, ncpi } => {
                w.u16(*reason_b3);
                w.cstruct(ncpi);
            }
            DisconnectInd { reason } => w.u16(*reason),
            FacilityReq {
                selector,
                parameter,
            }
            | FacilityInd {
                selector,
                parameter,
            }
            | FacilityResp {
                selector,
                parameter,
            } => {
                w.u16(*selector);
                w.cstruct(parameter);
            }
            FacilityConf {
                info,
                selector,
                parameter,
            } => {
                w.u16(*info);
                w.u16(*selector);
                w.cstruct(parameter);
            }
            InfoReq { called, additional } => {
                w.cstruct(&CalledNumber::content(called));
                AdditionalInfo::write(additional, w);
            }
            InfoInd { number, element } => {
                w.u16(*number);
                w.cstruct(element);
            }
            ListenReq {
                info_mask,
                cip_mask,
                cip_mask2,
                calling,
                calling_subaddress,
            } => {
                w.u32(*info_mask);
                w.u32(*cip_mask);
                w.u32(*cip_mask2);
                w.cstruct(&CallingNumber::content(calling));
                w.cstruct(calling_subaddress);
            }
        }
    }

    fn read(command: u8, sub: u8, r: &mut Reader<'_>) -> Result<Params, WireError> {
        use cmd::*;
        use Params::*;
        let v = |s: &[u8]| s.to_vec();
        Ok(match (command, sub) {
            (ALERT, REQ) => AlertReq {
                additional: AdditionalInfo::parse(r.cstruct("additional info")?)?,
            },
            (DISCONNECT, REQ) => DisconnectReq {
                additional: AdditionalInfo::parse(r.cstruct("additional info")?)?,
            },
            (ALERT, CONF) => AlertConf {
                info: r.u16("info")?,
            },
            (CONNECT, CONF) => ConnectConf {
                info: r.u16("info")?,
            },
            (CONNECT_B3, CONF) => ConnectB3Conf {
                info: r.u16("info")?,
            },
            (DISCONNECT_B3, CONF) => DisconnectB3Conf {
                info: r.u16("info")?,
            },
            (DISCONNECT, CONF) => DisconnectConf {
                info: r.u16("info")?,
            },
            (INFO, CONF) => InfoConf {
                info: r.u16("info")?,
            },
            (LISTEN, CONF) => ListenConf {
                info: r.u16("info")?,
            },
            (CONNECT, REQ) => ConnectReq(Box::new(self::ConnectReq {
                cip: r.u16("CIP value")?,
                called: CalledNumber::parse(r.cstruct("called party number")?)?,
                calling: CallingNumber::parse(
                    r.cstruct("calling party number")?,
                    "calling party number",
                )?,
                called_subaddress: v(r.cstruct("called party subaddress")?),
                calling_subaddress: v(r.cstruct("calling party subaddress")?),
                b_protocol: BProtocol::parse(r.cstruct("B protocol")?)?,
                bc: v(r.cstruct("BC")?),
                llc: v(r.cstruct("LLC")?),
                hlc: v(r.cstruct("HLC")?),
                additional: AdditionalInfo::parse(r.cstruct("additional info")?)?,
            })),
            (CONNECT, IND) => ConnectInd(Box::new(self::ConnectInd {
                cip: r.u16("CIP value")?,
                called: CalledNumber::parse(r.cstruct("called party number")?)?,
                calling: CallingNumber::parse(
                    r.cstruct("calling party number")?,
                    "calling party number",
                )?,
                called_subaddress: v(r.cstruct("called party subaddress")?),
                calling_subaddress: v(r.cstruct("calling party subaddress")?),
                bc: v(r.cstruct("BC")?),
                llc: v(r.cstruct("LLC")?),
                hlc: v(r.cstruct("HLC")?),
                additional: AdditionalInfo::parse(r.cstruct("additional info")?)?,
            })),
            (CONNECT, RESP) => ConnectResp(Box::new(self::ConnectResp {
                reject: r.u16("reject")?,
                b_protocol: BProtocol::parse(r.cstruct("B protocol")?)?,
                connected: CallingNumber::parse(
                    r.cstruct("connected number")?,
                    "connected number",
                )?,
                connected_subaddress: v(r.cstruct("connected subaddress")?),
                llc: v(r.cstruct("LLC")?),
                additional: AdditionalInfo::parse(r.cstruct("additional info")?)?,
            })),
            (CONNECT_ACTIVE, IND) => ConnectActiveInd {
                connected: CallingNumber::parse(
                    r.cstruct("connected number")?,
                    "connected number",
                )?,
                connected_subaddress: v(r.cstruct("connected subaddress")?),
                llc: v(r.cstruct("LLC")?),
            },
            (CONNECT_ACTIVE, RESP) => ConnectActiveResp,
            (CONNECT_B3_ACTIVE, RESP) => ConnectB3ActiveResp,
            (DISCONNECT_B3, RESP) => DisconnectB3Resp,
            (DISCONNECT, RESP) => DisconnectResp,
            (INFO, RESP) => InfoResp,
            (CONNECT_B3, REQ) => ConnectB3Req {
                ncpi: v(r.cstruct("NCPI")?),
            },
            (CONNECT_B3, IND) => ConnectB3Ind {
                ncpi: v(r.cstruct("NCPI")?),
            },
            (CONNECT_B3_ACTIVE, IND) => ConnectB3ActiveInd {
                ncpi: v(r.cstruct("NCPI")?),
            },
            (DISCONNECT_B3, REQ) => DisconnectB3Req {
                ncpi: v(r.cstruct("NCPI")?),
            },
            (CONNECT_B3, RESP) => ConnectB3Resp {
                reject: r.u16("reject")?,
                ncpi: v(r.cstruct("NCPI")?),
            },
            (DATA_B3, REQ) => DataB3Req(read_data_b3(r)?),
            (DATA_B3, IND) => DataB3Ind(read_data_b3(r)?),
            (DATA_B3, CONF) => DataB3Conf {
                handle: r.u16("data handle")?,
                info: r.u16("info")?,
            },
            (DATA_B3, RESP) => DataB3Resp {
                handle: r.u16("data handle")?,
            },
            (DISCONNECT_B3, IND) => DisconnectB3Ind {
                reason_b3: r.u16("reason B3")?,
                ncpi: v(r.cstruct("NCPI")?),
            },
            (DISCONNECT, IND) => DisconnectInd {
                reason: r.u16("reason")?,
            },
            (FACILITY, REQ) => FacilityReq {
                selector: r.u16("facility selector")?,
                parameter: v(r.cstruct("facility request parameter")?),
            },
            (FACILITY, CONF) => FacilityConf {
                info: r.u16("info")?,
                selector: r.u16("facility selector")?,
                parameter: v(r.cstruct("facility confirmation parameter")?),
            },
            (FACILITY, IND) => FacilityInd {
                selector: r.u16("facility selector")?,
                parameter: v(r.cstruct("facility indication parameter")?),
            },
            (FACILITY, RESP) => FacilityResp {
                selector: r.u16("facility selector")?,
                parameter: v(r.cstruct("facility response parameter")?),
            },
            (INFO, REQ) => InfoReq {
                called: CalledNumber::parse(r.cstruct("called party number")?)?,
                additional: AdditionalInfo::parse(r.cstruct("additional info")?)?,
            },
            (INFO, IND) => InfoInd {
                number: r.u16("info number")?,
                element: v(r.cstruct("info element")?),
            },
            (LISTEN, REQ) => ListenReq {
                info_mask: r.u32("info mask")?,
                cip_mask: r.u32("CIP mask")?,
                cip_mask2: r.u32("CIP mask 2")?,
                calling: CallingNumber::parse(
                    r.cstruct("calling party number")?,
                    "calling party number",
                )?,
                calling_subaddress: v(r.cstruct("calling party subaddress")?),
            },
            (c, s) => return Err(WireError::UnknownCommand(c, s)),
        })
    }
}

fn read_data_b3(r: &mut Reader<'_>) -> Result<DataB3, WireError> {
    Ok(DataB3 {
        data32: r.u32("data")?,
        length: r.u16("data length")?,
        handle: r.u16("data handle")?,
        flags: r.u16("flags")?,
        data64: if r.remaining() >= 8 {
            Some(r.u64("data64")?)
        } else {
            None
        },
    })
}

/// The header of a message whose parameters we may not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Total length, header included.
    pub length: u16,
    /// Application id.
    pub app_id: u16,
    /// Command.
    pub command: u8,
    /// Subcommand.
    pub subcommand: u8,
    /// Message number.
    pub number: u16,
}

impl Header {
    /// Reads the header at the start of `buf`; [`WireError::NeedMore`]
    /// if fewer than 8 octets are there.
    pub fn read(buf: &[u8]) -> Result<Header, WireError> {
        if buf.len() < HEADER_LEN {
            return Err(WireError::NeedMore(HEADER_LEN - buf.len()));
        }
        let h = Header {
            length: u16::from_le_bytes([buf[0], buf[1]]),
            app_id: u16::from_le_bytes([buf[2], buf[3]]),
            command: buf[4],
            subcommand: buf[5],
            number: u16::from_le_bytes([buf[6], buf[7]]),
        };
        if usize::from(h.length) < HEADER_LEN + 4 || usize::from(h.length) > MAX_MESSAGE {
            return Err(WireError::BadLength(h.length));
        }
        Ok(h)
    }
}

impl Message {
    /// Command and subcommand.
    pub fn command(&self) -> (u8, u8) {
        self.params.command()
    }

    /// The message's octets.
    pub fn encode(&self) -> Vec<u8> {
        let (command, sub) = self.command();
        let mut w = Writer::default();
        w.u16(0); // the length, set below
        w.u16(self.app_id);
        w.u8(command);
        w.u8(sub);
        w.u16(self.number);
        w.u32(self.address);
        self.params.write(&mut w);
        let len = w.buf.len().min(usize::from(u16::MAX)) as u16;
        w.buf[..2].copy_from_slice(&len.to_le_bytes());
        w.buf
    }

    /// Reads one message from the start of `buf` and returns it with what
    /// follows it (a DATA_B3's data, or the next message). Parameters past
    /// those we know (added by a later CAPI revision) are skipped;
    /// parameters that do not fit the message's length are an error.
    pub fn decode(buf: &[u8]) -> Result<(Message, &[u8]), WireError> {
        let h = Header::read(buf)?;
        let len = usize::from(h.length);
        if buf.len() < len {
            return Err(WireError::NeedMore(len - buf.len()));
        }
        let mut r = Reader::new(&buf[HEADER_LEN..len]);
        let address = r.u32("address")?;
        let params = Params::read(h.command, h.subcommand, &mut r)?;
        Ok((
            Message {
                app_id: h.app_id,
                number: h.number,
                address,
                params,
            },
            &buf[len..],
        ))
    }
}
