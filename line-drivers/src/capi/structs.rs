//! The parameter types inside CAPI 2.0 messages (COMMON-ISDN-API 2.0,
//! part I, chapter 6): the little-endian integers, the length-prefixed
//! `struct`, party numbers, B protocol, additional info and the DTMF
//! facility.
//!
//! A CAPI `struct` is a length octet and that many octets; a length octet
//! of `0xff` is followed by a 16-bit length (little-endian). An empty
//! struct (one octet, `0`) means "not given / default". Everything read
//! here is bounds-checked: input that does not fit is a [`WireError`],
//! never a panic.

use super::WireError;

/// Reads parameters from a message, checking every length.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `buf` (the parameters, or a struct's contents).
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Octets not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WireError> {
        if self.remaining() < n {
            return Err(WireError::Truncated(what));
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// One octet.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, WireError> {
        Ok(self.take(1, what)?[0])
    }

    /// A 16-bit word, little-endian.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, WireError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// A 32-bit dword, little-endian.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, WireError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A 64-bit qword, little-endian.
    pub fn u64(&mut self, what: &'static str) -> Result<u64, WireError> {
        let b = self.take(8, what)?;
        let mut a = [0; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// A struct's contents (without its length).
    pub fn cstruct(&mut self, what: &'static str) -> Result<&'a [u8], WireError> {
        let len = match self.u8(what)? {
            0xff => usize::from(self.u16(what)?),
            n => usize::from(n),
        };
        self.take(len, what)
    }

    /// A struct's contents, or nothing when the parameters end here (an
    /// optional parameter a peer of an older CAPI revision leaves out).
    pub fn cstruct_opt(&mut self, what: &'static str) -> Result<&'a [u8], WireError> {
        if self.remaining() == 0 {
            Ok(&[])
        } else {
            self.cstruct(what)
        }
    }
}

/// Appends parameters to a message.
#[derive(Debug, Default, Clone)]
pub struct Writer {
    /// The octets so far.
    pub buf: Vec<u8>,
}

impl Writer {
    /// One octet.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    /// A word, little-endian.
    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// A dword, little-endian.
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// A qword, little-endian.
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// A struct with these contents: the short length form below 255
    /// octets, the long one (`0xff`, 16-bit length) from 255. Contents
    /// longer than 65535 octets are cut (no message can carry them).
    pub fn cstruct(&mut self, content: &[u8]) {
        let content = &content[..content.len().min(usize::from(u16::MAX))];
        if content.len() < 0xff {
            self.buf.push(content.len() as u8);
        } else {
            self.buf.push(0xff);
            self.u16(content.len() as u16);
        }
        self.buf.extend_from_slice(content);
    }
    /// A struct built by `f`.
    pub fn nested(&mut self, f: impl FnOnce(&mut Writer)) {
        let mut inner = Writer::default();
        f(&mut inner);
        self.cstruct(&inner.buf);
    }
}

/// Digits of a party number: IA5 characters, as Q.931 allows them
/// (`0`-`9`, `*`, `#`, and the other printable characters some networks
/// use); anything else is refused.
fn check_digits(d: &[u8], what: &'static str) -> Result<(), WireError> {
    if d.iter().all(|c| (0x21..=0x7e).contains(c)) {
        Ok(())
    } else {
        Err(WireError::BadStruct(what))
    }
}

/// Type of number (Q.931 §4.5.8, bits 7-5 of octet 3): unknown.
pub const TYPE_UNKNOWN: u8 = 0x00;
/// Type of number: international.
pub const TYPE_INTERNATIONAL: u8 = 0x10;
/// Type of number: national.
pub const TYPE_NATIONAL: u8 = 0x20;
/// Type of number: subscriber.
pub const TYPE_SUBSCRIBER: u8 = 0x40;
/// Numbering plan (bits 4-1): ISDN/telephony, E.164.
pub const PLAN_ISDN: u8 = 0x01;
/// Presentation and screening (octet 3a): presentation allowed, user
/// provided, not screened.
pub const PRESENTATION_ALLOWED: u8 = 0x80;
/// Presentation restricted (CLIR).
pub const PRESENTATION_RESTRICTED: u8 = 0xa0;

/// Called party number (CAPI 2.0 §6.2.12): type of number and numbering
/// plan in one octet (Q.931 octet 3; CAPI applications set bit 8), then
/// the digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalledNumber {
    /// Q.931 octet 3: `0x80 | type | plan`.
    pub type_plan: u8,
    /// The digits, IA5.
    pub digits: Vec<u8>,
}

impl CalledNumber {
    /// An ISDN number of unknown type, the usual way to dial.
    pub fn unknown(digits: &str) -> Self {
        CalledNumber {
            type_plan: 0x80 | TYPE_UNKNOWN | PLAN_ISDN,
            digits: digits.as_bytes().to_vec(),
        }
    }

    /// Type of number (one of the `TYPE_*` values).
    pub fn type_of_number(&self) -> u8 {
        self.type_plan & 0x70
    }

    /// Numbering plan (`PLAN_ISDN`, ...).
    pub fn plan(&self) -> u8 {
        self.type_plan & 0x0f
    }

    /// The digits as text.
    pub fn digits_str(&self) -> &str {
        std::str::from_utf8(&self.digits).unwrap_or("")
    }

    /// Reads the struct's contents; empty contents are `None`.
    pub fn parse(c: &[u8]) -> Result<Option<Self>, WireError> {
        let Some((&type_plan, digits)) = c.split_first() else {
            return Ok(None);
        };
        check_digits(digits, "called party number")?;
        Ok(Some(CalledNumber {
            type_plan,
            digits: digits.to_vec(),
        }))
    }

    /// The struct's contents.
    pub fn content(this: &Option<Self>) -> Vec<u8> {
        this.as_ref().map_or_else(Vec::new, |n| {
            let mut v = vec![n.type_plan];
            v.extend_from_slice(&n.digits);
            v
        })
    }
}

/// Calling (and connected) party number (CAPI 2.0 §6.2.13, §6.2.17):
/// type and plan, presentation and screening, then the digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallingNumber {
    /// Q.931 octet 3: type of number and numbering plan.
    pub type_plan: u8,
    /// Q.931 octet 3a: presentation and screening indicator.
    pub presentation: u8,
    /// The digits, IA5 (may be empty: number withheld or unavailable).
    pub digits: Vec<u8>,
}

impl CallingNumber {
    /// Our MSN as the calling number, presentation allowed.
    pub fn msn(digits: &str) -> Self {
        CallingNumber {
            type_plan: TYPE_UNKNOWN | PLAN_ISDN,
            presentation: PRESENTATION_ALLOWED,
            digits: digits.as_bytes().to_vec(),
        }
    }

    /// Type of number (one of the `TYPE_*` values).
    pub fn type_of_number(&self) -> u8 {
        self.type_plan & 0x70
    }

    /// Numbering plan.
    pub fn plan(&self) -> u8 {
        self.type_plan & 0x0f
    }

    /// Presentation indicator (bits 7-6 of octet 3a): 0 allowed, 1
    /// restricted, 2 not available.
    pub fn presentation_indicator(&self) -> u8 {
        (self.presentation >> 5) & 0x03
    }

    /// The digits as text.
    pub fn digits_str(&self) -> &str {
        std::str::from_utf8(&self.digits).unwrap_or("")
    }

    /// Reads the struct's contents; empty contents are `None`. One octet
    /// alone (no presentation octet) is refused: CAPI always has both.
    pub fn parse(c: &[u8], what: &'static str) -> Result<Option<Self>, WireError> {
        match c {
            [] => Ok(None),
            [_] => Err(WireError::BadStruct(what)),
            [type_plan, presentation, digits @ ..] => {
                check_digits(digits, what)?;
                Ok(Some(CallingNumber {
                    type_plan: *type_plan,
                    presentation: *presentation,
                    digits: digits.to_vec(),
                }))
            }
        }
    }

    /// The struct's contents.
    pub fn content(this: &Option<Self>) -> Vec<u8> {
        this.as_ref().map_or_else(Vec::new, |n| {
            let mut v = vec![n.type_plan, n.presentation];
            v.extend_from_slice(&n.digits);
            v
        })
    }
}

/// B1 protocol: 64 kbit/s with HDLC framing.
pub const B1_HDLC: u16 = 0;
/// B1 protocol: 64 kbit/s bit-transparent (our audio).
pub const B1_TRANSPARENT: u16 = 1;
/// B1 protocol: T.30 fax group 3 by the controller (the seam for SFF).
pub const B1_T30: u16 = 4;
/// B2 protocol: transparent.
pub const B2_TRANSPARENT: u16 = 1;
/// B2 protocol: T.30 fax group 3.
pub const B2_T30: u16 = 4;
/// B3 protocol: transparent.
pub const B3_TRANSPARENT: u16 = 0;
/// B3 protocol: T.30 fax group 3.
pub const B3_T30: u16 = 4;

/// B protocol (CAPI 2.0 §6.2.6): the protocols of layers 1 to 3 of the
/// B-channel and their configuration structs, kept as octets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BProtocol {
    /// Layer 1 (`B1_*`).
    pub b1: u16,
    /// Layer 2 (`B2_*`).
    pub b2: u16,
    /// Layer 3 (`B3_*`).
    pub b3: u16,
    /// B1 configuration (contents; empty: default).
    pub b1_config: Vec<u8>,
    /// B2 configuration.
    pub b2_config: Vec<u8>,
    /// B3 configuration.
    pub b3_config: Vec<u8>,
    /// Global configuration (written always; read as empty when a peer of
    /// an older CAPI revision leaves it out).
    pub global_config: Vec<u8>,
}

impl BProtocol {
    /// Transparent audio: B1 = 1, B2 = 1, B3 = 0, default configurations.
    pub fn transparent() -> Self {
        BProtocol {
            b1: B1_TRANSPARENT,
            b2: B2_TRANSPARENT,
            b3: B3_TRANSPARENT,
            b1_config: Vec::new(),
            b2_config: Vec::new(),
            b3_config: Vec::new(),
            global_config: Vec::new(),
        }
    }

    /// Reads the struct's contents; empty contents are `None` (the
    /// controller's default).
    pub fn parse(c: &[u8]) -> Result<Option<Self>, WireError> {
        if c.is_empty() {
            return Ok(None);
        }
        let mut r = Reader::new(c);
        Ok(Some(BProtocol {
            b1: r.u16("B1 protocol")?,
            b2: r.u16("B2 protocol")?,
            b3: r.u16("B3 protocol")?,
            b1_config: r.cstruct("B1 configuration")?.to_vec(),
            b2_config: r.cstruct("B2 configuration")?.to_vec(),
            b3_config: r.cstruct("B3 configuration")?.to_vec(),
            global_config: r.cstruct_opt("global configuration")?.to_vec(),
        }))
    }

    /// Writes the struct (an empty one for `None`).
    pub fn write(this: &Option<Self>, w: &mut Writer) {
        match this {
            None => w.cstruct(&[]),
            Some(b) => w.nested(|w| {
                w.u16(b.b1);
                w.u16(b.b2);
                w.u16(b.b3);
                w.cstruct(&b.b1_config);
                w.cstruct(&b.b2_config);
                w.cstruct(&b.b3_config);
                w.cstruct(&b.global_config);
            }),
        }
    }
}

/// Additional info (CAPI 2.0 §6.2.1): B-channel information, keypad
/// facility, user-user data, facility data array, sending complete; each
/// kept as the contents of its struct.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AdditionalInfo {
    /// B-channel information (which channel to use).
    pub b_channel: Vec<u8>,
    /// Keypad facility (Q.931 information element contents).
    pub keypad: Vec<u8>,
    /// User-user data.
    pub user_user: Vec<u8>,
    /// Facility data array.
    pub facility_data: Vec<u8>,
    /// Sending complete (written always; empty when a peer of an older
    /// revision leaves it out).
    pub sending_complete: Vec<u8>,
}

impl AdditionalInfo {
    /// Reads the struct's contents; empty contents are `None`.
    pub fn parse(c: &[u8]) -> Result<Option<Self>, WireError> {
        if c.is_empty() {
            return Ok(None);
        }
        let mut r = Reader::new(c);
        Ok(Some(AdditionalInfo {
            b_channel: r.cstruct("B channel information")?.to_vec(),
            keypad: r.cstruct("keypad facility")?.to_vec(),
            user_user: r.cstruct("user-user data")?.to_vec(),
            facility_data: r.cstruct("facility data array")?.to_vec(),
            sending_complete: r.cstruct_opt("sending complete")?.to_vec(),
        }))
    }

    /// Writes the struct (an empty one for `None`).
    pub fn write(this: &Option<Self>, w: &mut Writer) {
        match this {
            None => w.cstruct(&[]),
            Some(a) => w.nested(|w| {
                w.cstruct(&a.b_channel);
                w.cstruct(&a.keypad);
                w.cstruct(&a.user_user);
                w.cstruct(&a.facility_data);
                w.cstruct(&a.sending_complete);
            }),
        }
    }
}

/// Facility selector of DTMF (CAPI 2.0 §8.2).
pub const FACILITY_DTMF: u16 = 1;

/// What a DTMF facility request asks (CAPI 2.0 §8.2.1, "function").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtmfFunction {
    /// 1: report DTMF tones heard (FACILITY_IND).
    StartListen,
    /// 2: stop reporting them.
    StopListen,
    /// 3: send the digits as tones.
    Send,
    /// Another value.
    Other(u16),
}

impl DtmfFunction {
    fn value(self) -> u16 {
        match self {
            DtmfFunction::StartListen => 1,
            DtmfFunction::StopListen => 2,
            DtmfFunction::Send => 3,
            DtmfFunction::Other(v) => v,
        }
    }
    fn from_value(v: u16) -> Self {
        match v {
            1 => DtmfFunction::StartListen,
            2 => DtmfFunction::StopListen,
            3 => DtmfFunction::Send,
            v => DtmfFunction::Other(v),
        }
    }
}

/// The facility request parameter of DTMF (selector 1): function, tone
/// and gap duration in ms, the digits, and DTMF characteristics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtmfRequest {
    /// What to do.
    pub function: DtmfFunction,
    /// Tone length in ms (0: the controller's default).
    pub tone_ms: u16,
    /// Gap length in ms (0: default).
    pub gap_ms: u16,
    /// Digits to send (`0`-`9`, `*`, `#`, `A`-`D`).
    pub digits: Vec<u8>,
    /// DTMF characteristics (contents; empty: default).
    pub characteristics: Vec<u8>,
}

impl DtmfRequest {
    /// Reads a facility request parameter.
    pub fn parse(c: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(c);
        Ok(DtmfRequest {
            function: DtmfFunction::from_value(r.u16("DTMF function")?),
            tone_ms: r.u16("DTMF tone duration")?,
            gap_ms: r.u16("DTMF gap duration")?,
            digits: r.cstruct("DTMF digits")?.to_vec(),
            characteristics: r.cstruct_opt("DTMF characteristics")?.to_vec(),
        })
    }

    /// The facility request parameter's contents.
    pub fn content(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u16(self.function.value());
        w.u16(self.tone_ms);
        w.u16(self.gap_ms);
        w.cstruct(&self.digits);
        w.cstruct(&self.characteristics);
        w.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_structs_use_the_ffff_length_form_and_read_back() {
        for n in [0usize, 1, 254, 255, 256, 1000] {
            let content = vec![0x5a; n];
            let mut w = Writer::default();
            w.cstruct(&content);
            assert_eq!(w.buf.len(), n + if n < 255 { 1 } else { 3 });
            let mut r = Reader::new(&w.buf);
            assert_eq!(r.cstruct("x").unwrap(), &content[..]);
            assert_eq!(r.remaining(), 0);
        }
    }

    #[test]
    fn a_struct_longer_than_its_message_is_an_error() {
        assert_eq!(
            Reader::new(&[5, 1, 2]).cstruct("NCPI"),
            Err(WireError::Truncated("NCPI"))
        );
        assert!(Reader::new(&[0xff, 9]).cstruct("NCPI").is_err());
    }

    #[test]
    fn numbers_keep_type_plan_and_presentation() {
        let c = CallingNumber::parse(&[0x21, 0xa0, b'0', b'3', b'0'], "calling")
            .unwrap()
            .unwrap();
        assert_eq!(c.type_of_number(), TYPE_NATIONAL);
        assert_eq!(c.plan(), PLAN_ISDN);
        assert_eq!(c.presentation_indicator(), 1);
        assert_eq!(c.digits_str(), "030");
        assert_eq!(
            CallingNumber::content(&Some(c)),
            [0x21, 0xa0, b'0', b'3', b'0']
        );
        assert!(CallingNumber::parse(&[0x21], "calling").is_err());
        assert!(CalledNumber::parse(&[0x81, b'1', 0]).is_err());
        let d = CalledNumber::parse(&[0x91, b'4', b'9']).unwrap().unwrap();
        assert_eq!(d.type_of_number(), TYPE_INTERNATIONAL);
    }

    #[test]
    fn dtmf_requests_round_trip() {
        let q = DtmfRequest {
            function: DtmfFunction::Send,
            tone_ms: 80,
            gap_ms: 70,
            digits: b"12#".to_vec(),
            characteristics: Vec::new(),
        };
        assert_eq!(DtmfRequest::parse(&q.content()).unwrap(), q);
        assert!(DtmfRequest::parse(&[3, 0, 80]).is_err());
    }
}
