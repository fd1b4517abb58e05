//! Addresses and time stamps inside an SMS TPDU (3GPP TS 23.040 §9.1.2.5,
//! §9.2.3.11) and the service centre address before it (TS 24.011
//! §8.2.5.1): semi-octets, the type of address, alphanumeric senders.

use super::alphabet::{decode_gsm7, encode_gsm7, pack_septets, unpack_septets};
use super::pdu::{PduError, Reader};

/// The longest address: 20 semi-octets (TS 23.040 §9.1.2.5).
pub const MAX_ADDRESS_DIGITS: usize = 20;

/// What kind of number an address holds (its type of number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    /// `+49170…`: type of address 0x91.
    International,
    /// A national number (0xA1).
    National,
    /// Unknown type (0x81): dialled as written.
    Unknown,
    /// Letters (0xD0): a sender name such as "ACME", in 7-bit.
    Alphanumeric,
    /// Any other type-of-address octet, kept as it came.
    Other(u8),
}

/// A phone number or an alphanumeric sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// What kind of address.
    pub kind: AddressKind,
    /// The digits (`0-9*#abc`, without `+`) or the sender's name.
    pub value: String,
}

impl Address {
    /// A number as people write it: a leading `+` makes it international;
    /// spaces, dashes, dots and brackets are dropped. `None` for anything
    /// else than digits, `*` and `#`, or more than 20 digits.
    pub fn number(text: &str) -> Option<Address> {
        let t = text.trim();
        let (kind, rest) = match t.strip_prefix('+') {
            Some(r) => (AddressKind::International, r),
            None => (AddressKind::Unknown, t),
        };
        let digits: String = rest
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '/'))
            .collect();
        let ok = !digits.is_empty()
            && digits.len() <= MAX_ADDRESS_DIGITS
            && digits
                .chars()
                .all(|c| c.is_ascii_digit() || c == '*' || c == '#');
        ok.then_some(Address {
            kind,
            value: digits,
        })
    }

    /// How it is written: `+` before an international number.
    pub fn to_text(&self) -> String {
        match self.kind {
            AddressKind::International => format!("+{}", self.value),
            _ => self.value.clone(),
        }
    }

    fn toa(&self) -> u8 {
        match self.kind {
            AddressKind::International => 0x91,
            AddressKind::National => 0xa1,
            AddressKind::Unknown => 0x81,
            AddressKind::Alphanumeric => 0xd0,
            AddressKind::Other(t) => t | 0x80,
        }
    }

    fn from_toa(toa: u8) -> AddressKind {
        match toa | 0x80 {
            0x91 => AddressKind::International,
            0xa1 => AddressKind::National,
            0x81 => AddressKind::Unknown,
            0xd0 => AddressKind::Alphanumeric,
            t => AddressKind::Other(t),
        }
    }

    /// The type of address and the value's octets; the count of useful
    /// semi-octets comes second (what TP-DA/TP-OA's length field says).
    fn value_octets(&self) -> Result<(Vec<u8>, usize), PduError> {
        if self.kind == AddressKind::Alphanumeric {
            let septets = encode_gsm7(&self.value).ok_or(PduError::BadAddress)?;
            let octets = pack_septets(&septets, 0);
            if octets.len() > MAX_ADDRESS_DIGITS / 2 {
                return Err(PduError::BadAddress);
            }
            // The length counts the semi-octets that carry septets.
            let semi = (septets.len() * 7).div_ceil(4);
            return Ok((octets, semi));
        }
        if self.value.len() > MAX_ADDRESS_DIGITS {
            return Err(PduError::BadAddress);
        }
        let nibbles: Vec<u8> = self
            .value
            .chars()
            .map(|c| match c {
                '0'..='9' => Ok(c as u8 - b'0'),
                '*' => Ok(0xa),
                '#' => Ok(0xb),
                'a' | 'A' => Ok(0xc),
                'b' | 'B' => Ok(0xd),
                'c' | 'C' => Ok(0xe),
                _ => Err(PduError::BadAddress),
            })
            .collect::<Result<_, _>>()?;
        Ok((swap_nibbles(&nibbles), nibbles.len()))
    }

    /// TP-DA/TP-OA/TP-RA: length in semi-octets, type, value.
    pub(crate) fn emit_tp(&self, out: &mut Vec<u8>) -> Result<(), PduError> {
        let (octets, semi) = self.value_octets()?;
        out.push(semi as u8);
        out.push(self.toa());
        out.extend_from_slice(&octets);
        Ok(())
    }

    /// Reads a TP address (length in semi-octets).
    pub(crate) fn parse_tp(r: &mut Reader) -> Result<Address, PduError> {
        let semi = usize::from(r.u8()?);
        if semi > MAX_ADDRESS_DIGITS {
            return Err(PduError::BadAddress);
        }
        let toa = r.u8()?;
        let octets = r.take(semi.div_ceil(2))?;
        Address::from_value(toa, octets, semi)
    }

    /// The service centre address before a TPDU (length in octets, type
    /// included); a length of 0 means "the SMSC stored on the SIM".
    pub fn emit_smsc(smsc: Option<&Address>, out: &mut Vec<u8>) -> Result<(), PduError> {
        let Some(a) = smsc else {
            out.push(0);
            return Ok(());
        };
        let (octets, _) = a.value_octets()?;
        out.push(octets.len() as u8 + 1);
        out.push(a.toa());
        out.extend_from_slice(&octets);
        Ok(())
    }

    /// Reads the service centre address; `None` for length 0.
    pub(crate) fn parse_smsc(r: &mut Reader) -> Result<Option<Address>, PduError> {
        let len = usize::from(r.u8()?);
        if len == 0 {
            return Ok(None);
        }
        if len > 1 + MAX_ADDRESS_DIGITS / 2 {
            return Err(PduError::BadAddress);
        }
        let toa = r.u8()?;
        let octets = r.take(len - 1)?;
        let mut semi = octets.len() * 2;
        if octets.last().is_some_and(|o| o >> 4 == 0xf) {
            semi -= 1;
        }
        Address::from_value(toa, octets, semi).map(Some)
    }

    fn from_value(toa: u8, octets: &[u8], semi: usize) -> Result<Address, PduError> {
        let kind = Address::from_toa(toa);
        if kind == AddressKind::Alphanumeric {
            let septets = unpack_septets(octets, 0, semi * 4 / 7).ok_or(PduError::BadAddress)?;
            return Ok(Address {
                kind,
                value: decode_gsm7(&septets),
            });
        }
        let mut value = String::with_capacity(semi);
        for i in 0..semi {
            let o = octets.get(i / 2).ok_or(PduError::Truncated)?;
            let n = if i % 2 == 0 { o & 0xf } else { o >> 4 };
            value.push(match n {
                0..=9 => char::from(b'0' + n),
                0xa => '*',
                0xb => '#',
                0xc => 'a',
                0xd => 'b',
                0xe => 'c',
                _ => return Err(PduError::BadAddress),
            });
        }
        Ok(Address { kind, value })
    }
}

/// Semi-octets, low nibble first, an odd count padded with F.
fn swap_nibbles(nibbles: &[u8]) -> Vec<u8> {
    nibbles
        .chunks(2)
        .map(|c| c[0] | (c.get(1).copied().unwrap_or(0xf) << 4))
        .collect()
}

/// A service centre time stamp (TP-SCTS, TP-DT): local time and the
/// offset from UTC in quarter hours (TS 23.040 §9.2.3.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// Two-digit year (`26` for 2026).
    pub year: u8,
    /// 1–12.
    pub month: u8,
    /// 1–31.
    pub day: u8,
    /// 0–23.
    pub hour: u8,
    /// 0–59.
    pub minute: u8,
    /// 0–59.
    pub second: u8,
    /// Offset from UTC in quarter hours (−79…79).
    pub tz_quarters: i8,
}

impl Timestamp {
    pub(crate) fn emit(&self, out: &mut Vec<u8>) {
        let bcd = |v: u8| (v % 10) << 4 | (v / 10 % 10);
        for v in [
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
        ] {
            out.push(bcd(v));
        }
        let q = self.tz_quarters.unsigned_abs().min(79);
        let sign = if self.tz_quarters < 0 { 0x08 } else { 0 };
        out.push((q % 10) << 4 | (q / 10) | sign);
    }

    pub(crate) fn parse(r: &mut Reader) -> Result<Timestamp, PduError> {
        let b = r.take(7)?;
        let digit = |n: u8| {
            if n <= 9 {
                Ok(n)
            } else {
                Err(PduError::BadTimestamp)
            }
        };
        let v = |o: u8| Ok::<u8, PduError>(digit(o & 0xf)? * 10 + digit(o >> 4)?);
        let t = Timestamp {
            year: v(b[0])?,
            month: v(b[1])?,
            day: v(b[2])?,
            hour: v(b[3])?,
            minute: v(b[4])?,
            second: v(b[5])?,
            tz_quarters: {
                let q = (digit(b[6] & 0x7)? * 10 + digit(b[6] >> 4)?) as i8;
                if b[6] & 0x08 != 0 {
                    -q
                } else {
                    q
                }
            },
        };
        let valid = (1..=12).contains(&t.month)
            && (1..=31).contains(&t.day)
            && t.hour < 24
            && t.minute < 60
            && t.second < 60;
        if valid {
            Ok(t)
        } else {
            Err(PduError::BadTimestamp)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(a: &Address) -> Address {
        let mut out = Vec::new();
        a.emit_tp(&mut out).unwrap();
        Address::parse_tp(&mut Reader::new(&out)).unwrap()
    }

    #[test]
    fn numbers_as_people_write_them() {
        let a = Address::number("+49 (170) 123-4567").unwrap();
        assert_eq!(a.kind, AddressKind::International);
        assert_eq!(a.value, "491701234567");
        assert_eq!(a.to_text(), "+491701234567");
        let mut out = Vec::new();
        a.emit_tp(&mut out).unwrap();
        assert_eq!(out, [0x0c, 0x91, 0x94, 0x71, 0x10, 0x32, 0x54, 0x76]);
        assert_eq!(round_trip(&a), a);
        let odd = Address::number("*100#").unwrap();
        assert_eq!(round_trip(&odd), odd);
        assert_eq!(Address::number("+49x"), None);
        assert_eq!(Address::number(&"1".repeat(21)), None);
    }

    #[test]
    fn alphanumeric_senders() {
        let a = Address {
            kind: AddressKind::Alphanumeric,
            value: "ACME Bank".into(),
        };
        assert_eq!(round_trip(&a), a);
    }

    #[test]
    fn smsc_prefix() {
        let mut out = Vec::new();
        Address::emit_smsc(Address::number("+4917").as_ref(), &mut out).unwrap();
        assert_eq!(out, [0x03, 0x91, 0x94, 0x71]);
        let back = Address::parse_smsc(&mut Reader::new(&out)).unwrap();
        assert_eq!(back, Address::number("+4917"));
        let odd = Address::number("+491").unwrap();
        let mut out = Vec::new();
        Address::emit_smsc(Some(&odd), &mut out).unwrap();
        assert_eq!(
            Address::parse_smsc(&mut Reader::new(&out)).unwrap(),
            Some(odd)
        );
    }

    #[test]
    fn timestamps_with_negative_offsets() {
        let t = Timestamp {
            year: 26,
            month: 12,
            day: 7,
            hour: 15,
            minute: 4,
            second: 59,
            tz_quarters: -14,
        };
        let mut out = Vec::new();
        t.emit(&mut out);
        assert_eq!(out, [0x62, 0x21, 0x70, 0x51, 0x40, 0x95, 0x49]);
        assert_eq!(Timestamp::parse(&mut Reader::new(&out)).unwrap(), t);
        out[1] = 0x31; // month 13
        assert!(Timestamp::parse(&mut Reader::new(&out)).is_err());
    }
}
