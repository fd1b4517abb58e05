//! SMS TPDUs (3GPP TS 23.040 §9.2.2) as a GSM modem hands them over in PDU
//! mode (TS 27.005 §3.1): the SMSC address, then SMS-SUBMIT (what we send),
//! SMS-DELIVER (what arrives) or SMS-STATUS-REPORT (what the network says
//! became of a sent one). Parsing is bounds-checked and never panics: a
//! modem's garbage gives a [`PduError`].

use super::address::{Address, Timestamp};
use super::user_data::UserData;

/// The longest PDU accepted, SMSC address included (12 + 164 octets).
pub const MAX_PDU: usize = 176;

/// Why a PDU could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PduError {
    /// It ends before a field it announces.
    #[error("the PDU is cut short")]
    Truncated,
    /// It goes on after its user data, or is longer than any SMS.
    #[error("the PDU has octets after its end")]
    Trailing,
    /// Not hexadecimal (a PDU-mode line from the modem).
    #[error("the PDU is not hexadecimal")]
    NotHex,
    /// A message type we do not read here (SMS-COMMAND, reserved).
    #[error("message type {0} is not handled")]
    MessageType(u8),
    /// An address with a length over 20 digits or a bad digit.
    #[error("bad address")]
    BadAddress,
    /// A time stamp with non-decimal digits or an impossible date.
    #[error("bad time stamp")]
    BadTimestamp,
    /// A user data header that runs past its length.
    #[error("bad user data header")]
    BadHeader,
    /// Compressed text (TS 23.042), which no handset sends.
    #[error("compressed user data is not supported")]
    Compressed,
    /// The user data is longer than one SMS holds.
    #[error("the user data is longer than one SMS")]
    TooLong,
    /// A character the chosen alphabet lacks.
    #[error("a character is not in the chosen alphabet")]
    NotInAlphabet,
    /// The validity period uses the enhanced format (TP-VPF 01).
    #[error("enhanced validity periods are not supported")]
    EnhancedValidity,
}

/// A bounds-checked reader over a PDU.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { rest: bytes }
    }

    pub(crate) fn u8(&mut self) -> Result<u8, PduError> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], PduError> {
        if n > self.rest.len() {
            return Err(PduError::Truncated);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn end(&self) -> Result<(), PduError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(PduError::Trailing)
        }
    }
}

/// How long the network keeps trying to deliver (TP-VP, relative format,
/// TS 23.040 §9.2.3.12.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity(pub u8);

impl Validity {
    /// The shortest relative validity of at least `minutes` (5 minutes to
    /// 63 weeks; longer asks get the longest).
    pub fn at_least_minutes(minutes: u32) -> Validity {
        let v = match minutes {
            0..=720 => minutes.div_ceil(5).max(1) - 1,
            721..=1440 => 143 + (minutes - 720).div_ceil(30),
            1441..=43200 => 166 + minutes.div_ceil(1440),
            _ => (192 + minutes.div_ceil(10080)).min(255),
        };
        Validity(v as u8)
    }

    /// The validity in minutes.
    pub fn minutes(self) -> u32 {
        let v = u32::from(self.0);
        match v {
            0..=143 => (v + 1) * 5,
            144..=167 => 720 + (v - 143) * 30,
            168..=196 => (v - 166) * 1440,
            _ => (v - 192) * 10080,
        }
    }
}

/// An SMS-SUBMIT: a message we hand to the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submit {
    /// TP-MR; the modem puts its own in, and says it in `+CMGS: <mr>`.
    pub reference: u8,
    /// The recipient.
    pub to: Address,
    /// Ask for a status report (TP-SRR).
    pub status_report: bool,
    /// TP-RD: the SMSC drops a copy with the same reference and recipient.
    pub reject_duplicates: bool,
    /// TP-VP, relative format; `None` leaves it to the SMSC.
    pub validity: Option<Validity>,
    /// The text.
    pub user_data: UserData,
}

impl Submit {
    /// The TPDU (what `AT+CMGS=<length>` counts), without the SMSC address.
    pub fn encode(&self) -> Result<Vec<u8>, PduError> {
        let mut out = Vec::with_capacity(MAX_PDU);
        let mut first = 0x01;
        if self.reject_duplicates {
            first |= 0x04;
        }
        if self.validity.is_some() {
            first |= 0x10;
        }
        if self.status_report {
            first |= 0x20;
        }
        if self.user_data.concat.is_some() {
            first |= 0x40;
        }
        out.push(first);
        out.push(self.reference);
        self.to.emit_tp(&mut out)?;
        out.push(0); // TP-PID: plain SMS.
        out.push(self.user_data.coding.dcs());
        if let Some(v) = self.validity {
            out.push(v.0);
        }
        self.user_data.emit(&mut out)?;
        Ok(out)
    }

    fn parse(first: u8, r: &mut Reader) -> Result<Submit, PduError> {
        let reference = r.u8()?;
        let to = Address::parse_tp(r)?;
        let _pid = r.u8()?;
        let dcs = r.u8()?;
        let validity = match (first >> 3) & 3 {
            0 => None,
            2 => Some(Validity(r.u8()?)),
            1 => return Err(PduError::EnhancedValidity),
            // Absolute: a time stamp, read and not kept.
            _ => {
                Timestamp::parse(r)?;
                None
            }
        };
        let user_data = UserData::parse(r, dcs, first & 0x40 != 0)?;
        Ok(Submit {
            reference,
            to,
            status_report: first & 0x20 != 0,
            reject_duplicates: first & 0x04 != 0,
            validity,
            user_data,
        })
    }
}

/// An SMS-DELIVER: a message that arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deliver {
    /// The sender.
    pub from: Address,
    /// When the service centre took it.
    pub sent: Timestamp,
    /// TP-SRI: the sender asked for a status report.
    pub status_report: bool,
    /// TP-MMS clear: more messages are waiting at the SMSC.
    pub more_to_send: bool,
    /// The text.
    pub user_data: UserData,
}

impl Deliver {
    /// The TPDU (the simulated SMSC's side).
    pub fn encode(&self) -> Result<Vec<u8>, PduError> {
        let mut out = Vec::with_capacity(MAX_PDU);
        let mut first = 0x00;
        if !self.more_to_send {
            first |= 0x04;
        }
        if self.status_report {
            first |= 0x20;
        }
        if self.user_data.concat.is_some() {
            first |= 0x40;
        }
        out.push(first);
        self.from.emit_tp(&mut out)?;
        out.push(0);
        out.push(self.user_data.coding.dcs());
        self.sent.emit(&mut out);
        self.user_data.emit(&mut out)?;
        Ok(out)
    }

    fn parse(first: u8, r: &mut Reader) -> Result<Deliver, PduError> {
        let from = Address::parse_tp(r)?;
        let _pid = r.u8()?;
        let dcs = r.u8()?;
        let sent = Timestamp::parse(r)?;
        let user_data = UserData::parse(r, dcs, first & 0x40 != 0)?;
        Ok(Deliver {
            from,
            sent,
            status_report: first & 0x20 != 0,
            more_to_send: first & 0x04 == 0,
            user_data,
        })
    }
}

/// An SMS-STATUS-REPORT: what became of a message we sent with TP-SRR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// The TP-MR of the message it is about (`+CMGS: <mr>`).
    pub reference: u8,
    /// The recipient of that message.
    pub recipient: Address,
    /// When the service centre took that message.
    pub submitted: Timestamp,
    /// When it was delivered, or the last try failed.
    pub discharged: Timestamp,
    /// TP-ST (see [`super::status::DeliveryStatus`]).
    pub status: u8,
}

impl StatusReport {
    /// The TPDU (the simulated SMSC's side).
    pub fn encode(&self) -> Result<Vec<u8>, PduError> {
        let mut out = Vec::with_capacity(48);
        out.push(0x02 | 0x04);
        out.push(self.reference);
        self.recipient.emit_tp(&mut out)?;
        self.submitted.emit(&mut out);
        self.discharged.emit(&mut out);
        out.push(self.status);
        Ok(out)
    }

    fn parse(r: &mut Reader) -> Result<StatusReport, PduError> {
        let reference = r.u8()?;
        let recipient = Address::parse_tp(r)?;
        let submitted = Timestamp::parse(r)?;
        let discharged = Timestamp::parse(r)?;
        let status = r.u8()?;
        // TP-PI and what it announces (PID, DCS, user data) may follow;
        // nothing there is needed, and some SMSCs pad: not read.
        r.rest = &[];
        Ok(StatusReport {
            reference,
            recipient,
            submitted,
            discharged,
            status,
        })
    }
}

/// A TPDU read from the modem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tpdu {
    /// An incoming message.
    Deliver(Deliver),
    /// A stored outgoing message (or, in the simulator, what the DTE sends).
    Submit(Submit),
    /// A delivery report.
    StatusReport(StatusReport),
}

impl Tpdu {
    /// Reads a TPDU (no SMSC address before it). The message type is read
    /// in the direction a modem reports it: 00 DELIVER, 01 SUBMIT, 10
    /// STATUS-REPORT.
    pub fn decode(bytes: &[u8]) -> Result<Tpdu, PduError> {
        if bytes.len() > MAX_PDU {
            return Err(PduError::Trailing);
        }
        let mut r = Reader::new(bytes);
        let first = r.u8()?;
        let t = match first & 3 {
            0 => Tpdu::Deliver(Deliver::parse(first, &mut r)?),
            1 => Tpdu::Submit(Submit::parse(first, &mut r)?),
            2 => Tpdu::StatusReport(StatusReport::parse(&mut r)?),
            mti => return Err(PduError::MessageType(mti)),
        };
        r.end()?;
        Ok(t)
    }

    /// Reads a PDU as `+CMGR`/`+CMGL`/`+CMT`/`+CDS` give it: the SMSC
    /// address (`None`: the SIM's), then the TPDU.
    pub fn decode_with_smsc(bytes: &[u8]) -> Result<(Option<Address>, Tpdu), PduError> {
        let mut r = Reader::new(bytes);
        let smsc = Address::parse_smsc(&mut r)?;
        Ok((smsc, Tpdu::decode(r.rest)?))
    }
}

/// A PDU with the SMSC address before it, as `+CMGS` wants it.
pub fn with_smsc(smsc: Option<&Address>, tpdu: &[u8]) -> Result<Vec<u8>, PduError> {
    let mut out = Vec::with_capacity(tpdu.len() + 12);
    Address::emit_smsc(smsc, &mut out)?;
    out.extend_from_slice(tpdu);
    Ok(out)
}

/// Upper-case hex, as modems write PDUs.
pub fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    bytes
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]])
        .map(char::from)
        .collect()
}

/// A hex line back to octets (either case, surrounding blanks allowed).
pub fn from_hex(text: &str) -> Result<Vec<u8>, PduError> {
    let t = text.trim().as_bytes();
    if !t.len().is_multiple_of(2) || t.len() > MAX_PDU * 2 {
        return Err(PduError::NotHex);
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(PduError::NotHex),
    };
    t.chunks(2)
        .map(|p| Ok(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}
