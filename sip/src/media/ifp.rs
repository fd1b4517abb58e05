//! T.38 IFP packets (ITU-T T.38 clause 7, ASN.1 PER aligned), the payload
//! of UDPTL. `fax-t30` exchanges IFP packets as raw octets; this module
//! reads and writes them where the media layer needs to look inside:
//! trimming FEC-recovered packets to their real length, tests and tools.
//!
//! The encoding is ASN.1 PER as spandsp (`t38_core.c`) and Wireshark read
//! it, including version 0's "pre-corrigendum" field: the data-present bit
//! and a 3-bit type in one nibble, so a field without data shares its octet
//! with the next one. (spandsp's encoder does not pack that nibble; it never
//! sends a data-less field before another.)

use super::MediaError;

/// T30-indicator values (T.38 clause 7).
pub mod indicator {
    pub const NO_SIGNAL: u8 = 0;
    pub const CNG: u8 = 1;
    pub const CED: u8 = 2;
    pub const V21_PREAMBLE: u8 = 3;
    pub const V27_2400_TRAINING: u8 = 4;
    pub const V27_4800_TRAINING: u8 = 5;
    pub const V29_7200_TRAINING: u8 = 6;
    pub const V29_9600_TRAINING: u8 = 7;
    pub const V17_14400_LONG_TRAINING: u8 = 15;
    /// Highest value T.38 defines (v33-14400-training).
    pub const MAX: u8 = 22;
}

/// Data-Field field types (T.38 clause 7).
pub mod field {
    pub const HDLC_DATA: u8 = 0;
    pub const HDLC_SIG_END: u8 = 1;
    pub const HDLC_FCS_OK: u8 = 2;
    pub const HDLC_FCS_BAD: u8 = 3;
    pub const HDLC_FCS_OK_SIG_END: u8 = 4;
    pub const HDLC_FCS_BAD_SIG_END: u8 = 5;
    pub const T4_NON_ECM_DATA: u8 = 6;
    pub const T4_NON_ECM_SIG_END: u8 = 7;
}

/// Data types (T.38 clause 7): 0 = v21, ..., 8 = v17-14400, 9.. extensions.
pub mod data {
    pub const V21: u8 = 0;
    pub const V27_4800: u8 = 2;
    pub const V29_9600: u8 = 4;
    pub const V17_14400: u8 = 8;
    pub const MAX: u8 = 14;
}

/// One field of a data IFP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub field_type: u8,
    pub data: Vec<u8>,
}

/// The content of an IFP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ifp {
    Indicator(u8),
    Data { data_type: u8, fields: Vec<Field> },
}

impl Ifp {
    /// Encode as T.38 `version` (0..=3) does.
    pub fn encode(&self, version: u8) -> Result<Vec<u8>, MediaError> {
        let mut b = Vec::new();
        match self {
            Ifp::Indicator(i) => {
                if *i <= 15 {
                    b.push(i << 1);
                } else if version != 0 && *i <= indicator::MAX {
                    let v = (i - 16) as u16;
                    b.extend_from_slice(&(0x2000 | (v << 6)).to_be_bytes());
                } else {
                    return Err(MediaError::Invalid(format!(
                        "indicator {i} not in T.38 version {version}"
                    )));
                }
            }
            Ifp::Data { data_type, fields } => {
                let present: u8 = if fields.is_empty() { 0 } else { 0x80 };
                if *data_type <= 8 {
                    b.push(present | 0x40 | (data_type << 1));
                } else if version != 0 && *data_type <= data::MAX {
                    let v = ((present as u16) << 8) | 0x6000 | (((data_type - 9) as u16) << 6);
                    b.extend_from_slice(&v.to_be_bytes());
                } else {
                    return Err(MediaError::Invalid(format!(
                        "data type {data_type} not in T.38 version {version}"
                    )));
                }
                if !fields.is_empty() {
                    if fields.len() > 127 {
                        return Err(MediaError::Invalid("more than 127 fields".into()));
                    }
                    b.push(fields.len() as u8);
                    // Version 0 (pre-corrigendum ASN.1): a field is a
                    // 4-bit unit (present bit, 3-bit type); without data
                    // the next field starts in the same octet.
                    let mut half = false;
                    for f in fields {
                        if f.field_type > 7 || f.data.len() > 65535 {
                            return Err(MediaError::Invalid(format!(
                                "field type {} / length {} not encodable",
                                f.field_type,
                                f.data.len()
                            )));
                        }
                        let present = u8::from(!f.data.is_empty());
                        if version == 0 {
                            if half {
                                if let Some(last) = b.last_mut() {
                                    *last |= (present << 3) | f.field_type;
                                }
                                half = false;
                            } else {
                                b.push((present << 7) | (f.field_type << 4));
                                half = present == 0;
                            }
                        } else {
                            b.push((present << 7) | (f.field_type << 3));
                        }
                        if !f.data.is_empty() {
                            b.extend_from_slice(&((f.data.len() - 1) as u16).to_be_bytes());
                            b.extend_from_slice(&f.data);
                        }
                    }
                }
            }
        }
        Ok(b)
    }

    /// Decode one IFP from the front of `buf`; returns it and the octets it
    /// used (trailing octets are left to the caller).
    pub fn decode(buf: &[u8], version: u8) -> Result<(Ifp, usize), MediaError> {
        let short = || MediaError::Malformed("IFP truncated".into());
        let b0 = *buf.first().ok_or_else(short)?;
        let data_present = b0 & 0x80 != 0;
        let mut p;
        if b0 & 0x40 == 0 {
            if data_present {
                return Err(MediaError::Malformed("IFP indicator with data".into()));
            }
            let ind = if b0 & 0x20 != 0 {
                let b1 = *buf.get(1).ok_or_else(short)?;
                p = 2;
                16 + (((b0 << 2) & 0x3C) | (b1 >> 6))
            } else {
                p = 1;
                (b0 >> 1) & 0xF
            };
            if ind > indicator::MAX {
                return Err(MediaError::Malformed(format!("IFP indicator {ind}")));
            }
            return Ok((Ifp::Indicator(ind), p));
        }
        let data_type = if b0 & 0x20 != 0 {
            let b1 = *buf.get(1).ok_or_else(short)?;
            p = 2;
            9 + (((b0 << 2) & 0x3C) | (b1 >> 6))
        } else {
            p = 1;
            (b0 >> 1) & 0xF
        };
        if data_type > data::MAX {
            return Err(MediaError::Malformed(format!("IFP data type {data_type}")));
        }
        let mut fields = Vec::new();
        if data_present {
            let count = *buf.get(p).ok_or_else(short)?;
            if count >= 0x80 {
                return Err(MediaError::Malformed("IFP field count above 127".into()));
            }
            p += 1;
            let mut other_half = false;
            for _ in 0..count {
                let b = *buf.get(p).ok_or_else(short)?;
                let (present, ftype) = if version == 0 {
                    if other_half {
                        other_half = false;
                        p += 1;
                        ((b >> 3) & 1 != 0, b & 7)
                    } else {
                        let present = b & 0x80 != 0;
                        if present {
                            p += 1;
                        } else {
                            other_half = true;
                        }
                        (present, (b >> 4) & 7)
                    }
                } else {
                    if b & 0x40 != 0 {
                        return Err(MediaError::Malformed(
                            "IFP extended field type not supported".into(),
                        ));
                    }
                    p += 1;
                    (b & 0x80 != 0, (b >> 3) & 7)
                };
                let data = if present {
                    let l = buf.get(p..p + 2).ok_or_else(short)?;
                    let n = u16::from_be_bytes([l[0], l[1]]) as usize + 1;
                    p += 2;
                    let d = buf.get(p..p + n).ok_or_else(short)?.to_vec();
                    p += n;
                    d
                } else {
                    Vec::new()
                };
                fields.push(Field {
                    field_type: ftype,
                    data,
                });
            }
            if other_half {
                p += 1;
            }
        }
        Ok((Ifp::Data { data_type, fields }, p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_all_versions() {
        let msgs = [
            Ifp::Indicator(indicator::CNG),
            Ifp::Indicator(indicator::V17_14400_LONG_TRAINING),
            Ifp::Data {
                data_type: data::V21,
                fields: vec![
                    Field {
                        field_type: field::HDLC_DATA,
                        data: vec![0xFF, 0x13, 0x80],
                    },
                    Field {
                        field_type: field::HDLC_FCS_OK_SIG_END,
                        data: vec![],
                    },
                ],
            },
            Ifp::Data {
                data_type: data::V21,
                fields: vec![
                    Field {
                        field_type: field::HDLC_FCS_OK,
                        data: vec![],
                    },
                    Field {
                        field_type: field::HDLC_DATA,
                        data: vec![1],
                    },
                    Field {
                        field_type: field::HDLC_SIG_END,
                        data: vec![],
                    },
                ],
            },
        ];
        // Version 0 packs a data-less field and the next into one octet.
        assert_eq!(
            msgs[3].encode(0).unwrap(),
            [0xC0, 3, 0x28, 0x00, 0x00, 0x01, 0x10]
        );
        for v in 0..=3 {
            for m in &msgs {
                let b = m.encode(v).unwrap();
                let (d, used) = Ifp::decode(&b, v).unwrap();
                assert_eq!(&d, m, "version {v}");
                assert_eq!(used, b.len());
            }
        }
        assert!(Ifp::Indicator(20).encode(0).is_err());
        let b = Ifp::Indicator(20).encode(2).unwrap();
        assert_eq!(Ifp::decode(&b, 2).unwrap().0, Ifp::Indicator(20));
    }
}
