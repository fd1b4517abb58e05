//! RFC 3264 offer/answer for a fax and voice endpoint.
//!
//! Answer rules: every offered `m=` line gets an answer line in the same
//! order; at most one stream is accepted, the others get port 0. An
//! `image udptl t38` stream is preferred when we do T.38 (a peer offering
//! both wants fax), else the first `audio RTP/AVP` stream. In an audio
//! stream we take the first offered codec we support (the offerer's
//! preference, §6.1) and telephone-event with the offerer's payload type.
//! Nothing usable is a 488 Not Acceptable Here.
//!
//! SRTP (RFC 4568 SDES, [`super::crypto`]) follows the trunk's
//! [`SrtpPolicy`]: `off` offers plain RTP/AVP and refuses an RTP/SAVP-only
//! offer; `optional` offers RTP/AVP with `a=crypto` and takes whichever the
//! peer does; `mandatory` offers RTP/SAVP and refuses any offer or answer
//! without a usable key. A refusal's reason names the policy, so the 488
//! and the log say why there is no call rather than falling back to plain.

use super::crypto::{CryptoAttribute, SrtpKeys, SrtpPolicy};
use super::t38::T38Params;
use super::{Attribute, Connection, Direction, MediaDescription, SessionDescription};
use crate::error::SipError;
use crate::media::srtp::{MasterKey, SrtpProfile};

/// G.711 codecs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioCodec {
    /// µ-law, static payload type 0.
    Pcmu,
    /// A-law, static payload type 8.
    Pcma,
}

impl AudioCodec {
    /// The static payload type.
    pub fn payload_type(self) -> u8 {
        match self {
            AudioCodec::Pcmu => 0,
            AudioCodec::Pcma => 8,
        }
    }

    /// The encoding name.
    pub fn name(self) -> &'static str {
        match self {
            AudioCodec::Pcmu => "PCMU",
            AudioCodec::Pcma => "PCMA",
        }
    }

    fn from_format(m: &MediaDescription, pt: &str) -> Option<AudioCodec> {
        match m.rtpmap(pt) {
            Some((enc, 8000)) if enc.eq_ignore_ascii_case("PCMU") => Some(AudioCodec::Pcmu),
            Some((enc, 8000)) if enc.eq_ignore_ascii_case("PCMA") => Some(AudioCodec::Pcma),
            Some(_) => None,
            None => match pt {
                "0" => Some(AudioCodec::Pcmu),
                "8" => Some(AudioCodec::Pcma),
                _ => None,
            },
        }
    }
}

/// What we can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalCaps {
    /// G.711 codecs in our order of preference (for our offers).
    pub audio: Vec<AudioCodec>,
    /// RFC 4733 telephone-event payload type we offer (None: no DTMF events).
    pub telephone_event: Option<u8>,
    /// Our T.38 parameters (None: no T.38).
    pub t38: Option<T38Params>,
    /// Whether audio is SRTP (the trunk's `srtp`).
    pub srtp: SrtpPolicy,
}

impl Default for LocalCaps {
    fn default() -> Self {
        Self {
            audio: vec![AudioCodec::Pcma, AudioCodec::Pcmu],
            telephone_event: Some(101),
            t38: Some(T38Params::default()),
            srtp: SrtpPolicy::Off,
        }
    }
}

/// Our media addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMedia {
    /// The IP address in `o=` and `c=`.
    pub address: String,
    /// RTP port for audio.
    pub audio_port: u16,
    /// UDPTL port for T.38.
    pub t38_port: u16,
    /// `o=` session id.
    pub session_id: String,
    /// Our SRTP master key for this call (random, made by the caller; needed
    /// unless the policy is `off`).
    pub srtp_key: Option<MasterKey>,
}

/// The media both sides agreed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Negotiated {
    /// RTP audio.
    Audio {
        /// Peer's media address.
        address: String,
        /// Peer's RTP port.
        port: u16,
        /// The codec.
        codec: AudioCodec,
        /// telephone-event payload type, if both sides do it.
        telephone_event: Option<u8>,
        /// Our direction.
        direction: Direction,
        /// The SRTP keys both ways, when the audio is SRTP.
        srtp: Option<SrtpKeys>,
    },
    /// T.38 over UDPTL.
    T38 {
        /// Peer's media address.
        address: String,
        /// Peer's UDPTL port.
        port: u16,
        /// Parameters both sides use.
        params: T38Params,
    },
}

fn session(local: &LocalMedia, version: u64, media: Vec<MediaDescription>) -> SessionDescription {
    let ip = if local.address.contains(':') {
        "IP6"
    } else {
        "IP4"
    };
    let conn = Connection {
        addrtype: ip.into(),
        address: local.address.clone(),
    };
    SessionDescription {
        origin_user: "ums".into(),
        session_id: local.session_id.clone(),
        session_version: version,
        origin: conn.clone(),
        session_name: "ums".into(),
        connection: Some(conn),
        attributes: Vec::new(),
        media,
    }
}

fn audio_media(
    port: u16,
    codecs: &[AudioCodec],
    te: Option<u8>,
    dir: Direction,
    srtp: Option<(&str, &CryptoAttribute)>,
) -> MediaDescription {
    let mut formats: Vec<String> = codecs
        .iter()
        .map(|c| c.payload_type().to_string())
        .collect();
    let mut attributes: Vec<Attribute> = codecs
        .iter()
        .map(|c| Attribute::new("rtpmap", format!("{} {}/8000", c.payload_type(), c.name())))
        .collect();
    if let Some(pt) = te {
        formats.push(pt.to_string());
        attributes.push(Attribute::new(
            "rtpmap",
            format!("{pt} telephone-event/8000"),
        ));
        attributes.push(Attribute::new("fmtp", format!("{pt} 0-15")));
    }
    attributes.push(Attribute::new("ptime", "20"));
    attributes.push(Attribute::flag(dir.name()));
    let proto = match srtp {
        Some((proto, crypto)) => {
            attributes.push(Attribute::new("crypto", crypto.to_value()));
            proto
        }
        None => "RTP/AVP",
    };
    MediaDescription {
        media: "audio".into(),
        port,
        proto: proto.into(),
        formats,
        connection: None,
        attributes,
    }
}

fn t38_media(port: u16, params: &T38Params) -> MediaDescription {
    MediaDescription {
        media: "image".into(),
        port,
        proto: "udptl".into(),
        formats: vec!["t38".into()],
        connection: None,
        attributes: params.to_attributes(),
    }
}

fn rejected(m: &MediaDescription) -> MediaDescription {
    MediaDescription {
        media: m.media.clone(),
        port: 0,
        proto: m.proto.clone(),
        formats: m.formats.iter().take(1).cloned().collect(),
        connection: None,
        attributes: Vec::new(),
    }
}

/// The tag of the one `a=crypto` line we offer.
const OFFER_TAG: u32 = 1;

/// An audio offer (the first INVITE, or a re-INVITE back from T.38). With
/// SRTP `optional` or `mandatory` it carries `a=crypto` with our key
/// (`AES_CM_128_HMAC_SHA1_80`); without a key in `local` it cannot, and
/// the offer is plain (the caller's mistake, caught by the answer check).
pub fn offer_audio(local: &LocalMedia, caps: &LocalCaps, version: u64) -> SessionDescription {
    let crypto = local
        .srtp_key
        .clone()
        .filter(|_| caps.srtp != SrtpPolicy::Off)
        .map(|key| CryptoAttribute::new(OFFER_TAG, SrtpProfile::AesCm128HmacSha1_80, key));
    let proto = match caps.srtp {
        SrtpPolicy::Mandatory => "RTP/SAVP",
        _ => "RTP/AVP",
    };
    let m = audio_media(
        local.audio_port,
        &caps.audio,
        caps.telephone_event,
        Direction::SendRecv,
        crypto.as_ref().map(|c| (proto, c)),
    );
    session(local, version, vec![m])
}

/// A T.38 offer (the re-INVITE of the audio → T.38 switch).
pub fn offer_t38(local: &LocalMedia, params: &T38Params, version: u64) -> SessionDescription {
    session(local, version, vec![t38_media(local.t38_port, params)])
}

fn is_t38(m: &MediaDescription) -> bool {
    m.media.eq_ignore_ascii_case("image")
        && m.proto.eq_ignore_ascii_case("udptl")
        && m.formats.iter().any(|f| f.eq_ignore_ascii_case("t38"))
}

fn is_rtp_audio(m: &MediaDescription) -> bool {
    m.media.eq_ignore_ascii_case("audio") && (m.proto.eq_ignore_ascii_case("RTP/AVP") || is_savp(m))
}

fn is_savp(m: &MediaDescription) -> bool {
    m.proto.eq_ignore_ascii_case("RTP/SAVP")
}

/// The `a=crypto` attributes of a section, each read or refused with a reason.
fn cryptos(m: &MediaDescription) -> impl Iterator<Item = Result<CryptoAttribute, String>> + '_ {
    m.attributes
        .iter()
        .filter(|a| a.name.eq_ignore_ascii_case("crypto"))
        .map(|a| CryptoAttribute::parse(a.value.as_deref().unwrap_or("")))
}

/// The peer's key we take from an offered audio section under `policy`:
/// `Ok(None)` for plain RTP, `Err` with the reason the section is refused.
fn choose_crypto(
    m: &MediaDescription,
    policy: SrtpPolicy,
) -> Result<Option<CryptoAttribute>, String> {
    if policy == SrtpPolicy::Off {
        if is_savp(m) {
            return Err(
                "the offer is RTP/SAVP (SRTP) only and srtp is \"off\" on this trunk".into(),
            );
        }
        return Ok(None);
    }
    let mut refused = Vec::new();
    for c in cryptos(m) {
        match c {
            Ok(c) => return Ok(Some(c)),
            Err(why) => refused.push(why),
        }
    }
    let why = if refused.is_empty() {
        "the offer has no a=crypto".to_string()
    } else {
        format!("no usable a=crypto ({})", refused.join("; "))
    };
    if is_savp(m) {
        Err(format!("RTP/SAVP offered but {why}"))
    } else if policy == SrtpPolicy::Mandatory {
        Err(format!("srtp is \"mandatory\" on this trunk and {why}"))
    } else {
        Ok(None)
    }
}

fn telephone_event_pt(m: &MediaDescription) -> Option<u8> {
    m.formats.iter().find_map(|f| {
        let (enc, clock) = m.rtpmap(f)?;
        (enc.eq_ignore_ascii_case("telephone-event") && clock == 8000)
            .then(|| f.parse().ok())
            .flatten()
    })
}

/// Answers a peer's offer (RFC 3264 §6). Returns the answer and what was
/// agreed, or [`SipError::NotAcceptable`] (answer 488).
pub fn answer(
    offer: &SessionDescription,
    local: &LocalMedia,
    caps: &LocalCaps,
    version: u64,
) -> Result<(SessionDescription, Negotiated), SipError> {
    let usable_t38 = caps.t38.and_then(|ours| {
        offer
            .media
            .iter()
            .position(|m| m.port != 0 && is_t38(m))
            .map(|i| (i, ours))
    });
    let mut srtp_refusal = None;
    let usable_audio = offer.media.iter().enumerate().find_map(|(i, m)| {
        if m.port == 0 || !is_rtp_audio(m) {
            return None;
        }
        let codec = m
            .formats
            .iter()
            .find_map(|f| AudioCodec::from_format(m, f).filter(|c| caps.audio.contains(c)))?;
        match choose_crypto(m, caps.srtp) {
            Ok(crypto) => Some((i, codec, crypto)),
            Err(why) => {
                srtp_refusal.get_or_insert(why);
                None
            }
        }
    });
    let mut media: Vec<MediaDescription> = offer.media.iter().map(rejected).collect();
    let negotiated = if let Some((i, ours)) = usable_t38 {
        let m = &offer.media[i];
        let params = T38Params::answer(&T38Params::from_media(m), &ours);
        media[i] = t38_media(local.t38_port, &params);
        Negotiated::T38 {
            address: offer.media_address(m).unwrap_or_default().to_string(),
            port: m.port,
            params,
        }
    } else if let Some((i, codec, theirs)) = usable_audio {
        let m = &offer.media[i];
        let te = caps.telephone_event.and(telephone_event_pt(m));
        let dir = m.direction().answer();
        let (ours, srtp) = match theirs {
            Some(theirs) => {
                let key = local
                    .srtp_key
                    .clone()
                    .ok_or(SipError::InvalidState("SRTP answer without a local key"))?;
                let ours = CryptoAttribute::new(theirs.tag, theirs.profile, key.clone());
                let keys = SrtpKeys {
                    profile: theirs.profile,
                    local: key,
                    local_mki: None,
                    remote: theirs.key,
                    remote_mki: theirs.mki,
                    remote_lifetime: theirs.lifetime,
                };
                (Some(ours), Some(keys))
            }
            None => (None, None),
        };
        let crypto = ours.as_ref().map(|c| (m.proto.as_str(), c));
        media[i] = audio_media(local.audio_port, &[codec], te, dir, crypto);
        Negotiated::Audio {
            address: offer.media_address(m).unwrap_or_default().to_string(),
            port: m.port,
            codec,
            telephone_event: te,
            direction: dir,
            srtp,
        }
    } else if let Some(why) = srtp_refusal {
        return Err(SipError::NotAcceptable(why));
    } else {
        return Err(SipError::NotAcceptable(
            "no PCMA/PCMU audio or T.38 stream offered".into(),
        ));
    };
    Ok((session(local, version, media), negotiated))
}

/// What the peer's answer to our offer agreed on.
pub fn read_answer(
    offer: &SessionDescription,
    answer: &SessionDescription,
    caps: &LocalCaps,
) -> Result<Negotiated, SipError> {
    if answer.media.len() != offer.media.len() {
        return Err(SipError::BadSdp(
            "answer has a different number of m= lines".into(),
        ));
    }
    for (o, a) in offer.media.iter().zip(&answer.media) {
        if a.port == 0 {
            continue;
        }
        let address = answer.media_address(a).unwrap_or_default().to_string();
        if is_t38(o) && is_t38(a) {
            let theirs = T38Params::from_media(a);
            let ours = T38Params::from_media(o);
            // We use the lower of what both sides declared.
            let params = T38Params {
                max_buffer: theirs.max_buffer,
                max_datagram: theirs.max_datagram,
                rate_management: theirs.rate_management,
                ..T38Params::answer(&theirs, &ours)
            };
            return Ok(Negotiated::T38 {
                address,
                port: a.port,
                params,
            });
        }
        if is_rtp_audio(o) && is_rtp_audio(a) {
            let codec = a
                .formats
                .iter()
                .find_map(|f| AudioCodec::from_format(a, f).filter(|c| caps.audio.contains(c)))
                .ok_or_else(|| SipError::NotAcceptable("answer has no G.711 codec".into()))?;
            let srtp = answered_keys(o, a, caps.srtp)?;
            return Ok(Negotiated::Audio {
                address,
                port: a.port,
                codec,
                telephone_event: telephone_event_pt(a).filter(|_| caps.telephone_event.is_some()),
                direction: a.direction().answer(),
                srtp,
            });
        }
    }
    Err(SipError::NotAcceptable("every stream rejected".into()))
}

/// The SRTP keys of an answered audio section: the answer's `a=crypto`
/// whose tag and suite match one of our offer's. Under `mandatory`, or
/// after an RTP/SAVP offer, an answer without one is refused.
fn answered_keys(
    offer: &MediaDescription,
    answer: &MediaDescription,
    policy: SrtpPolicy,
) -> Result<Option<SrtpKeys>, SipError> {
    if policy == SrtpPolicy::Off {
        return Ok(None);
    }
    let ours: Vec<CryptoAttribute> = cryptos(offer).filter_map(Result::ok).collect();
    let keys = cryptos(answer).filter_map(Result::ok).find_map(|theirs| {
        let mine = ours
            .iter()
            .find(|c| c.tag == theirs.tag && c.profile == theirs.profile)?;
        Some(SrtpKeys {
            profile: theirs.profile,
            local: mine.key.clone(),
            local_mki: mine.mki,
            remote: theirs.key,
            remote_mki: theirs.mki,
            remote_lifetime: theirs.lifetime,
        })
    });
    if keys.is_none() && (policy == SrtpPolicy::Mandatory || is_savp(offer)) {
        return Err(SipError::NotAcceptable(format!(
            "srtp is \"{}\" on this trunk and the answer has no a=crypto matching our offer",
            policy.name()
        )));
    }
    Ok(keys)
}

/// Whether an answer kept an `image/t38` stream (the switch succeeded).
pub fn accepts_t38(answer: &SessionDescription) -> bool {
    answer.media.iter().any(|m| m.port != 0 && is_t38(m))
}
