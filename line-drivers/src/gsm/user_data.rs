//! TP-DCS, TP-UDL and TP-UD (3GPP TS 23.040 §9.2.3.16, §9.2.3.24; TS 23.038
//! §4): the text of an SMS in its alphabet, and the user data header's
//! concatenation element (8-bit reference IEI 0x00, 16-bit IEI 0x08).

use super::alphabet::{decode_gsm7, decode_ucs2, encode_ucs2, pack_septets, unpack_septets};
use super::pdu::{PduError, Reader};

/// The most septets in one SMS.
pub const MAX_SEPTETS: usize = 160;
/// The most octets of user data in one SMS.
pub const MAX_OCTETS: usize = 140;

/// The alphabet of the user data (from TP-DCS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// GSM 7-bit default alphabet (DCS 0x00).
    Gsm7,
    /// 8-bit data (DCS 0x04).
    Data8,
    /// UCS-2 (DCS 0x08).
    Ucs2,
}

impl Coding {
    /// The coding a TP-DCS octet names (TS 23.038 §4); reserved groups
    /// count as the default alphabet as the clause asks; compressed text
    /// is refused.
    pub fn from_dcs(dcs: u8) -> Result<Coding, PduError> {
        match dcs >> 4 {
            // General data coding (and its automatic-deletion twin).
            0x0..=0x7 => {
                if dcs & 0x20 != 0 {
                    return Err(PduError::Compressed);
                }
                Ok(match (dcs >> 2) & 3 {
                    1 => Coding::Data8,
                    2 => Coding::Ucs2,
                    _ => Coding::Gsm7,
                })
            }
            0xe => Ok(Coding::Ucs2),
            0xf if dcs & 0x04 != 0 => Ok(Coding::Data8),
            _ => Ok(Coding::Gsm7),
        }
    }

    /// TP-DCS for this coding (no message class).
    pub fn dcs(self) -> u8 {
        match self {
            Coding::Gsm7 => 0x00,
            Coding::Data8 => 0x04,
            Coding::Ucs2 => 0x08,
        }
    }
}

/// One part of a concatenated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concat {
    /// The reference all parts share.
    pub reference: u16,
    /// The reference goes in 16 bits (IEI 0x08) rather than 8 (IEI 0x00).
    pub wide: bool,
    /// How many parts (1–255).
    pub total: u8,
    /// This part's number (1–total).
    pub seq: u8,
}

impl Concat {
    /// The header's octets, length octet (UDHL) included.
    pub fn header(&self) -> Vec<u8> {
        if self.wide {
            let [hi, lo] = self.reference.to_be_bytes();
            vec![6, 0x08, 4, hi, lo, self.total, self.seq]
        } else {
            vec![5, 0x00, 3, self.reference as u8, self.total, self.seq]
        }
    }
}

/// The user data: text (or octets) and the concatenation header if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserData {
    /// The alphabet.
    pub coding: Coding,
    /// The part of a longer message this is, if it is one.
    pub concat: Option<Concat>,
    /// The text (for 8-bit data: each octet as the character of that code
    /// point, U+0000–U+00FF).
    pub text: String,
}

impl UserData {
    /// TP-UDL and TP-UD; refuses more than fits in one SMS.
    pub(crate) fn emit(&self, out: &mut Vec<u8>) -> Result<(), PduError> {
        let header = self.concat.map(|c| c.header()).unwrap_or_default();
        match self.coding {
            Coding::Gsm7 => {
                let septets =
                    super::alphabet::encode_gsm7(&self.text).ok_or(PduError::NotInAlphabet)?;
                let header_septets = (header.len() * 8).div_ceil(7);
                let udl = header_septets + septets.len();
                if udl > MAX_SEPTETS {
                    return Err(PduError::TooLong);
                }
                let fill = header_septets * 7 - header.len() * 8;
                let packed = pack_septets(&septets, fill);
                out.push(udl as u8);
                out.extend_from_slice(&header);
                out.extend_from_slice(&packed);
            }
            Coding::Ucs2 | Coding::Data8 => {
                let body = if self.coding == Coding::Ucs2 {
                    encode_ucs2(&self.text)
                } else {
                    self.text
                        .chars()
                        .map(|c| u8::try_from(u32::from(c)).map_err(|_| PduError::NotInAlphabet))
                        .collect::<Result<_, _>>()?
                };
                let udl = header.len() + body.len();
                if udl > MAX_OCTETS {
                    return Err(PduError::TooLong);
                }
                out.push(udl as u8);
                out.extend_from_slice(&header);
                out.extend_from_slice(&body);
            }
        }
        Ok(())
    }

    /// Reads TP-UDL and TP-UD (the rest of the TPDU); `udhi` is the
    /// first octet's header indicator.
    pub(crate) fn parse(r: &mut Reader, dcs: u8, udhi: bool) -> Result<UserData, PduError> {
        let coding = Coding::from_dcs(dcs)?;
        let udl = usize::from(r.u8()?);
        let octets = match coding {
            Coding::Gsm7 if udl > MAX_SEPTETS => return Err(PduError::TooLong),
            Coding::Gsm7 => (udl * 7).div_ceil(8),
            _ if udl > MAX_OCTETS => return Err(PduError::TooLong),
            _ => udl,
        };
        let ud = r.take(octets)?;
        let (concat, header_len) = if udhi {
            let udhl = usize::from(*ud.first().ok_or(PduError::BadHeader)?);
            let header = ud.get(1..1 + udhl).ok_or(PduError::BadHeader)?;
            (parse_concat(header)?, 1 + udhl)
        } else {
            (None, 0)
        };
        let text = match coding {
            Coding::Gsm7 => {
                let header_septets = (header_len * 8).div_ceil(7);
                let count = udl.checked_sub(header_septets).ok_or(PduError::BadHeader)?;
                let septets =
                    unpack_septets(ud, header_septets * 7, count).ok_or(PduError::Truncated)?;
                decode_gsm7(&septets)
            }
            Coding::Ucs2 => decode_ucs2(&ud[header_len..]),
            Coding::Data8 => ud[header_len..].iter().map(|&b| char::from(b)).collect(),
        };
        Ok(UserData {
            coding,
            concat,
            text,
        })
    }
}

/// The concatenation element among the header's information elements, if
/// any; other elements (ports, text formatting) are skipped.
fn parse_concat(mut header: &[u8]) -> Result<Option<Concat>, PduError> {
    let mut found = None;
    while let [iei, len, rest @ ..] = header {
        let len = usize::from(*len);
        let data = rest.get(..len).ok_or(PduError::BadHeader)?;
        match (*iei, data) {
            (0x00, &[r, total, seq]) => {
                found = Some(Concat {
                    reference: u16::from(r),
                    wide: false,
                    total,
                    seq,
                })
            }
            (0x08, &[hi, lo, total, seq]) => {
                found = Some(Concat {
                    reference: u16::from_be_bytes([hi, lo]),
                    wide: true,
                    total,
                    seq,
                })
            }
            _ => {}
        }
        header = &rest[len..];
    }
    if !header.is_empty() {
        return Err(PduError::BadHeader);
    }
    // A part number of 0 or beyond the total: the element is ignored
    // (TS 23.040 §9.2.3.24.1), the text still delivered.
    Ok(found.filter(|c| c.total >= 1 && (1..=c.total).contains(&c.seq)))
}
