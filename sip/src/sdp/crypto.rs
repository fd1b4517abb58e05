//! SDES: SRTP keys in SDP (RFC 4568) and the per-trunk SRTP policy.
//!
//! `a=crypto:<tag> <suite> inline:<base64 key‖salt>[|<lifetime>][|<MKI>:<length>]`
//! in an `m=audio` section. We read one key per attribute (the `;`-joined
//! list of several keys is refused), the two suites of
//! [`SrtpProfile`], a lifetime given as a number or `2^n`, and an MKI of up
//! to 4 bytes; session parameters other than `KDR=0` and `WSH=` make the
//! attribute unusable (we cannot honour `UNENCRYPTED_SRTP` and friends).
//!
//! The offer/answer rules that use these live in
//! [`super::offer_answer`]; the policy is [`SrtpPolicy`].

use base64::Engine as _;

use crate::media::srtp::{MasterKey, SrtpContext, SrtpProfile, MASTER_KEY_LEN, MASTER_SALT_LEN};

/// Whether a trunk speaks SRTP (`srtp = "off" | "optional" | "mandatory"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SrtpPolicy {
    /// Plain RTP only; an offer of RTP/SAVP alone is refused (488), never
    /// answered with a silent plain call.
    #[default]
    Off,
    /// SRTP when the peer offers or accepts keys, plain RTP otherwise. Our
    /// offers are RTP/AVP with `a=crypto` (best-effort SRTP).
    Optional,
    /// SRTP or no call: an offer or answer without usable keys is refused
    /// (488). Our offers are RTP/SAVP.
    Mandatory,
}

impl SrtpPolicy {
    /// The configuration word: `off`, `optional`, `mandatory`.
    pub fn parse(word: &str) -> Option<SrtpPolicy> {
        match word.trim().to_ascii_lowercase().as_str() {
            "off" => Some(SrtpPolicy::Off),
            "optional" => Some(SrtpPolicy::Optional),
            "mandatory" => Some(SrtpPolicy::Mandatory),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SrtpPolicy::Off => "off",
            SrtpPolicy::Optional => "optional",
            SrtpPolicy::Mandatory => "mandatory",
        }
    }
}

/// A master key identifier: its value and its length on the wire in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mki {
    pub value: u32,
    /// 1 to 4 bytes.
    pub len: u8,
}

impl Mki {
    /// The MKI as it sits in each packet (big-endian, `len` bytes).
    pub fn bytes(self) -> Vec<u8> {
        self.value.to_be_bytes()[4 - usize::from(self.len)..].to_vec()
    }
}

/// One `a=crypto` attribute with a key we can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CryptoAttribute {
    /// The tag that pairs an answer's attribute with the offer's.
    pub tag: u32,
    pub profile: SrtpProfile,
    pub key: MasterKey,
    /// Packets the key may protect, if stated.
    pub lifetime: Option<u64>,
    pub mki: Option<Mki>,
}

impl CryptoAttribute {
    /// An attribute of ours: no lifetime, no MKI.
    pub fn new(tag: u32, profile: SrtpProfile, key: MasterKey) -> CryptoAttribute {
        CryptoAttribute {
            tag,
            profile,
            key,
            lifetime: None,
            mki: None,
        }
    }

    /// Read the value of an `a=crypto` attribute; the error says why it
    /// cannot be used (it goes into the 488's reason and the log).
    pub fn parse(value: &str) -> Result<CryptoAttribute, String> {
        let mut fields = value.split_whitespace();
        let tag = fields.next().unwrap_or("");
        let tag: u32 = (tag.len() <= 9)
            .then(|| tag.parse().ok())
            .flatten()
            .ok_or_else(|| format!("a=crypto tag {tag:?} is not 1-9 digits"))?;
        let suite = fields.next().ok_or("a=crypto without a suite")?;
        let profile = SrtpProfile::from_name(suite)
            .ok_or_else(|| format!("crypto suite {suite} is not supported"))?;
        let params = fields.next().ok_or("a=crypto without key parameters")?;
        for session_param in fields {
            let ok = session_param.eq_ignore_ascii_case("KDR=0")
                || session_param.to_ascii_uppercase().starts_with("WSH=");
            if !ok {
                return Err(format!(
                    "SRTP session parameter {session_param} is not supported"
                ));
            }
        }
        if params.contains(';') {
            return Err("a=crypto with more than one key is not supported".into());
        }
        let inline = params
            .get(..7)
            .filter(|m| m.eq_ignore_ascii_case("inline:"))
            .map(|_| &params[7..])
            .ok_or("a=crypto key method is not inline:")?;
        let mut parts = inline.split('|');
        let material = parts.next().unwrap_or("");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(material)
            .map_err(|_| "a=crypto key is not base64".to_string())?;
        let key = MasterKey::from_concat(&decoded).ok_or_else(|| {
            format!(
                "a=crypto key is {} bytes, not {}",
                decoded.len(),
                MASTER_KEY_LEN + MASTER_SALT_LEN
            )
        })?;
        let mut attr = CryptoAttribute::new(tag, profile, key);
        for part in parts {
            if let Some((value, len)) = part.split_once(':') {
                if attr.mki.is_some() {
                    return Err("a=crypto with two MKIs".into());
                }
                let len: u8 = len.parse().map_err(|_| format!("bad MKI length {len}"))?;
                let value: u32 = value.parse().map_err(|_| format!("bad MKI {value}"))?;
                if !(1..=4).contains(&len) || (len < 4 && value >> (8 * len) != 0) {
                    return Err(format!("MKI {value} of {len} bytes is not supported"));
                }
                attr.mki = Some(Mki { value, len });
            } else if attr.lifetime.is_none() && attr.mki.is_none() {
                attr.lifetime = Some(parse_lifetime(part)?);
            } else {
                return Err(format!("a=crypto key parameter {part} out of place"));
            }
        }
        Ok(attr)
    }

    /// The attribute value (after `a=crypto:`).
    pub fn to_value(&self) -> String {
        let key = base64::engine::general_purpose::STANDARD.encode(self.key.concat());
        let mut s = format!("{} {} inline:{key}", self.tag, self.profile.name());
        if let Some(l) = self.lifetime {
            s.push_str(&format!("|{l}"));
        }
        if let Some(m) = self.mki {
            s.push_str(&format!("|{}:{}", m.value, m.len));
        }
        s
    }
}

fn parse_lifetime(s: &str) -> Result<u64, String> {
    let bad = || format!("bad SRTP key lifetime {s}");
    match s.strip_prefix("2^") {
        Some(exp) => {
            let exp: u32 = exp.parse().map_err(|_| bad())?;
            // The SRTP index has 48 bits; a longer lifetime says nothing more.
            Ok(1u64 << exp.min(48))
        }
        None => s.parse().map_err(|_| bad()),
    }
}

/// The keys of a negotiated SRTP session: ours protect what we send, the
/// peer's unprotect what we receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrtpKeys {
    pub profile: SrtpProfile,
    pub local: MasterKey,
    pub local_mki: Option<Mki>,
    pub remote: MasterKey,
    pub remote_mki: Option<Mki>,
    /// The lifetime the peer declared for its key (packets), if any: its
    /// packets beyond it are refused until it re-keys.
    pub remote_lifetime: Option<u64>,
}

impl SrtpKeys {
    /// The context that protects our packets.
    pub fn outbound(&self) -> SrtpContext {
        let ctx = SrtpContext::new(self.profile, &self.local);
        match self.local_mki {
            Some(m) => ctx.with_mki(m.bytes()),
            None => ctx,
        }
    }

    /// The context that unprotects the peer's packets.
    pub fn inbound(&self) -> SrtpContext {
        let mut ctx = SrtpContext::new(self.profile, &self.remote);
        if let Some(packets) = self.remote_lifetime {
            ctx = ctx.with_lifetime(packets);
        }
        match self.remote_mki {
            Some(m) => ctx.with_mki(m.bytes()),
            None => ctx,
        }
    }
}
