//! SRTP and SRTCP (RFC 3711) with the two SDES suites of RFC 4568:
//! `AES_CM_128_HMAC_SHA1_80` and `AES_CM_128_HMAC_SHA1_32`.
//!
//! Sans-IO: a plain RTP or RTCP packet in, the protected one out, and back.
//! One [`SrtpContext`] protects or unprotects the packets of one direction
//! (all SSRCs under one master key, as SDES gives them); a call holds two,
//! one made from our `a=crypto` key and one from the peer's.
//!
//! ```text
//!  master key (16) + salt (14)
//!     │ key derivation (§4.3, key derivation rate 0)
//!     ▼
//!  session keys  k_e (AES-128), k_a (HMAC-SHA1, 20), k_s (salt, 14)
//!     │                               SRTP labels 0/1/2, SRTCP 3/4/5
//!     ▼
//!  SRTP  = header ‖ AES-CM(payload) ‖ tag(header ‖ payload ‖ ROC)
//!  SRTCP = header ‖ AES-CM(rest) ‖ E‖index ‖ tag(all before it)
//! ```
//!
//! The 48-bit packet index (ROC ‖ SEQ) is estimated on receipt as in
//! §3.3.1, and a window of 64 indices per SSRC refuses replays (§3.3.2).
//! The crypto primitives are RustCrypto's `aes`, `ctr`, `hmac` and `sha1`
//! (why those: docs/architecture.md, the SIP crate section).
//! An MKI (§3.1), when the key's owner declared one, sits between the
//! encrypted portion and the tag and is not authenticated.

use aes::Aes128;
use ctr::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Length of a master key of the AES-128 suites.
pub const MASTER_KEY_LEN: usize = 16;
/// Length of a master salt of the AES-128 suites.
pub const MASTER_SALT_LEN: usize = 14;
/// The size of the replay window (§3.3.2: at least 64).
pub const REPLAY_WINDOW: u64 = 64;
/// The SRTCP authentication tag: 80 bits for both suites (RFC 4568 §6.2.2).
const SRTCP_TAG_LEN: usize = 10;
/// Length of the SRTCP trailer E‖index.
const SRTCP_INDEX_LEN: usize = 4;
/// The largest SRTCP index (31 bits).
const SRTCP_INDEX_MAX: u32 = 0x7fff_ffff;

type AesCm = ctr::Ctr128BE<Aes128>;
type HmacSha1 = Hmac<Sha1>;

/// The crypto suites we speak (RFC 4568 §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SrtpProfile {
    /// AES-128 counter mode, HMAC-SHA1 tag of 80 bits.
    AesCm128HmacSha1_80,
    /// AES-128 counter mode, HMAC-SHA1 tag of 32 bits on SRTP (80 on SRTCP).
    AesCm128HmacSha1_32,
}

impl SrtpProfile {
    /// The suite's name in `a=crypto`.
    pub fn name(self) -> &'static str {
        match self {
            SrtpProfile::AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            SrtpProfile::AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
        }
    }

    /// The suite named in `a=crypto`, if it is one of ours.
    pub fn from_name(name: &str) -> Option<SrtpProfile> {
        [
            SrtpProfile::AesCm128HmacSha1_80,
            SrtpProfile::AesCm128HmacSha1_32,
        ]
        .into_iter()
        .find(|p| p.name().eq_ignore_ascii_case(name))
    }

    /// Length of the SRTP authentication tag in bytes.
    pub fn rtp_tag_len(self) -> usize {
        match self {
            SrtpProfile::AesCm128HmacSha1_80 => 10,
            SrtpProfile::AesCm128HmacSha1_32 => 4,
        }
    }
}

/// A master key and salt, as carried in `inline:` (key ‖ salt, 30 bytes).
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey {
    pub key: [u8; MASTER_KEY_LEN],
    pub salt: [u8; MASTER_SALT_LEN],
}

impl std::fmt::Debug for MasterKey {
    // Keys stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// Key and salt from their concatenation (the `inline:` key material).
    pub fn from_concat(bytes: &[u8]) -> Option<MasterKey> {
        if bytes.len() != MASTER_KEY_LEN + MASTER_SALT_LEN {
            return None;
        }
        let mut key = [0; MASTER_KEY_LEN];
        let mut salt = [0; MASTER_SALT_LEN];
        key.copy_from_slice(&bytes[..MASTER_KEY_LEN]);
        salt.copy_from_slice(&bytes[MASTER_KEY_LEN..]);
        Some(MasterKey { key, salt })
    }

    /// Key ‖ salt, for `inline:`.
    pub fn concat(&self) -> [u8; MASTER_KEY_LEN + MASTER_SALT_LEN] {
        let mut out = [0; MASTER_KEY_LEN + MASTER_SALT_LEN];
        out[..MASTER_KEY_LEN].copy_from_slice(&self.key);
        out[MASTER_KEY_LEN..].copy_from_slice(&self.salt);
        out
    }
}

/// Why a packet was not protected or unprotected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SrtpError {
    /// Too short or not RTP/RTCP at all.
    #[error("malformed SRTP packet: {0}")]
    Malformed(&'static str),
    /// The authentication tag does not match: tampered, or another key.
    #[error("SRTP authentication failed (SSRC {ssrc:#010x}, index {index})")]
    AuthFailed { ssrc: u32, index: u64 },
    /// This index was already received from this SSRC.
    #[error("SRTP replay refused (SSRC {ssrc:#010x}, index {index})")]
    Replayed { ssrc: u32, index: u64 },
    /// The index is behind the replay window: it cannot be checked.
    #[error("SRTP packet too old (SSRC {ssrc:#010x}, index {index}, newest {newest})")]
    TooOld { ssrc: u32, index: u64, newest: u64 },
    /// The packet's MKI is not the one of our key.
    #[error("SRTP packet with an unknown MKI")]
    UnknownMki,
    /// The sender ran out of indices (2^48 RTP or 2^31 RTCP packets): the
    /// master key must be changed (§9.2).
    #[error("SRTP key exhausted for SSRC {0:#010x}")]
    KeyExhausted(u32),
    /// The master key's declared lifetime (RFC 4568 §6.1: packets under
    /// this key) is used up: the key's owner must re-key (a re-INVITE with
    /// a new `a=crypto`); packets under the old key are refused.
    #[error("SRTP key lifetime of {0} packets used up: the master key must be changed")]
    LifetimeOver(u64),
}

/// The three session keys of one protocol (SRTP or SRTCP), §4.3.
#[derive(Clone)]
pub struct SessionKeys {
    pub cipher_key: [u8; 16],
    pub auth_key: [u8; 20],
    pub salt: [u8; 14],
}

impl SessionKeys {
    /// Derive the SRTP (`rtcp == false`) or SRTCP session keys from a
    /// master key with a key derivation rate of 0 (§4.3.1).
    pub fn derive(master: &MasterKey, rtcp: bool) -> SessionKeys {
        let base = if rtcp { 3 } else { 0 };
        let mut keys = SessionKeys {
            cipher_key: [0; 16],
            auth_key: [0; 20],
            salt: [0; 14],
        };
        kdf(master, base, &mut keys.cipher_key);
        kdf(master, base + 1, &mut keys.auth_key);
        kdf(master, base + 2, &mut keys.salt);
        keys
    }
}

/// The PRF of §4.3.1 with r = 0: AES-CM under the master key, with
/// IV = (master salt XOR label·2^48)·2^16.
fn kdf(master: &MasterKey, label: u8, out: &mut [u8]) {
    let mut iv = [0u8; 16];
    iv[..MASTER_SALT_LEN].copy_from_slice(&master.salt);
    // The label sits at bit 48 of the 112-bit key_id: byte 7 of the salt.
    iv[7] ^= label;
    out.fill(0);
    AesCm::new(&master.key.into(), &iv.into()).apply_keystream(out);
}

/// The AES-CM IV of §4.1.1: (k_s·2^16) XOR (SSRC·2^64) XOR (index·2^16).
fn packet_iv(salt: &[u8; 14], ssrc: u32, index: u64) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(salt);
    for (i, b) in ssrc.to_be_bytes().iter().enumerate() {
        iv[4 + i] ^= b;
    }
    for (i, b) in index.to_be_bytes()[2..].iter().enumerate() {
        iv[8 + i] ^= b;
    }
    iv
}

/// XOR `data` with the AES-CM keystream that starts at `iv`.
pub fn aes_cm(key: &[u8; 16], iv: &[u8; 16], data: &mut [u8]) {
    AesCm::new(key.into(), iv.into()).apply_keystream(data);
}

fn hmac(key: &[u8; 20], parts: &[&[u8]]) -> [u8; 20] {
    let mut mac = <HmacSha1 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// Constant-time comparison of two tags of the same length.
fn tags_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A sliding window of the last [`REPLAY_WINDOW`] indices (§3.3.2).
#[derive(Debug, Clone, Default)]
struct ReplayWindow {
    /// The highest index accepted so far, if any.
    newest: Option<u64>,
    /// Bit n set: `newest - n` was accepted.
    seen: u64,
}

impl ReplayWindow {
    fn check(&self, ssrc: u32, index: u64) -> Result<(), SrtpError> {
        let Some(newest) = self.newest else {
            return Ok(());
        };
        if index > newest {
            return Ok(());
        }
        let behind = newest - index;
        if behind >= REPLAY_WINDOW {
            return Err(SrtpError::TooOld {
                ssrc,
                index,
                newest,
            });
        }
        if self.seen & (1 << behind) != 0 {
            return Err(SrtpError::Replayed { ssrc, index });
        }
        Ok(())
    }

    /// Record an index that passed [`Self::check`] and authentication.
    fn accept(&mut self, index: u64) {
        match self.newest {
            None => {
                self.newest = Some(index);
                self.seen = 1;
            }
            Some(newest) if index > newest => {
                let ahead = index - newest;
                self.seen = if ahead >= REPLAY_WINDOW {
                    1
                } else {
                    (self.seen << ahead) | 1
                };
                self.newest = Some(index);
            }
            Some(newest) => self.seen |= 1 << (newest - index),
        }
    }
}

/// Per-SSRC state of one direction.
#[derive(Debug, Clone)]
struct Stream {
    ssrc: u32,
    /// Whether an RTP packet of this SSRC was seen (RTCP may come first).
    rtp_started: bool,
    /// Rollover counter and highest sequence number (s_l), §3.3.1.
    roc: u32,
    s_l: u16,
    rtp_window: ReplayWindow,
    /// SRTCP: the next index to send, and the receive window.
    rtcp_next: u32,
    rtcp_window: ReplayWindow,
}

impl Stream {
    fn new(ssrc: u32) -> Stream {
        Stream {
            ssrc,
            rtp_started: false,
            roc: 0,
            s_l: 0,
            rtp_window: ReplayWindow::default(),
            rtcp_next: 0,
            rtcp_window: ReplayWindow::default(),
        }
    }

    /// The ROC guessed for `seq` (§3.3.1 and Appendix A).
    fn estimate_roc(&self, seq: u16) -> u32 {
        if !self.rtp_started {
            self.roc
        } else if self.s_l < 0x8000 {
            if seq > self.s_l && seq - self.s_l > 0x8000 {
                self.roc.wrapping_sub(1)
            } else {
                self.roc
            }
        } else if self.s_l - 0x8000 > seq {
            self.roc.wrapping_add(1)
        } else {
            self.roc
        }
    }

    /// Update ROC and s_l after a packet with this (authenticated) index.
    fn update(&mut self, roc: u32, seq: u16) {
        if !self.rtp_started {
            self.rtp_started = true;
            self.roc = roc;
            self.s_l = seq;
        } else if roc == self.roc.wrapping_add(1) {
            self.roc = roc;
            self.s_l = seq;
        } else if roc == self.roc && seq > self.s_l {
            self.s_l = seq;
        }
    }
}

fn index_of(roc: u32, seq: u16) -> u64 {
    (u64::from(roc) << 16) | u64::from(seq)
}

/// Where the RTP payload starts: after the fixed header, CSRCs and the
/// header extension (RFC 3550 §5.1, §5.3.1).
fn rtp_header_len(packet: &[u8]) -> Result<usize, SrtpError> {
    if packet.len() < 12 || packet[0] >> 6 != 2 {
        return Err(SrtpError::Malformed("not an RTP version 2 packet"));
    }
    let mut len = 12 + 4 * usize::from(packet[0] & 0x0f);
    if packet[0] & 0x10 != 0 {
        if packet.len() < len + 4 {
            return Err(SrtpError::Malformed("RTP header extension cut short"));
        }
        let words = u16::from_be_bytes([packet[len + 2], packet[len + 3]]);
        len += 4 + 4 * usize::from(words);
    }
    if packet.len() < len {
        return Err(SrtpError::Malformed("RTP header cut short"));
    }
    Ok(len)
}

/// One direction of an SRTP session: every SSRC sent (or received) under
/// one master key.
pub struct SrtpContext {
    profile: SrtpProfile,
    rtp: SessionKeys,
    rtcp: SessionKeys,
    /// The MKI carried in each packet (empty: none).
    mki: Vec<u8>,
    streams: Vec<Stream>,
    /// The key's lifetime in packets (RFC 4568 §6.1), counted apart for
    /// SRTP and SRTCP as RFC 3711 §9.2 counts them; `u64::MAX`: only the
    /// index limits.
    lifetime: u64,
    /// SRTP and SRTCP packets protected or accepted under the key.
    rtp_used: u64,
    rtcp_used: u64,
}

impl std::fmt::Debug for SrtpContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SrtpContext")
            .field("profile", &self.profile)
            .field("streams", &self.streams.len())
            .finish()
    }
}

/// At most this many SSRCs are tracked; the oldest is forgotten first (a
/// peer cycling SSRCs must not grow our memory).
const MAX_STREAMS: usize = 16;

impl SrtpContext {
    /// A context for one direction under `master`.
    pub fn new(profile: SrtpProfile, master: &MasterKey) -> SrtpContext {
        SrtpContext {
            profile,
            rtp: SessionKeys::derive(master, false),
            rtcp: SessionKeys::derive(master, true),
            mki: Vec::new(),
            streams: Vec::new(),
            lifetime: u64::MAX,
            rtp_used: 0,
            rtcp_used: 0,
        }
    }

    /// Use the key for at most `packets` SRTP packets (and as many SRTCP
    /// ones): the lifetime its owner declared in `a=crypto`. After that
    /// every packet is refused with [`SrtpError::LifetimeOver`].
    pub fn with_lifetime(mut self, packets: u64) -> SrtpContext {
        self.lifetime = packets;
        self
    }

    /// Count one more packet under the key, or refuse it: the lifetime is
    /// used up.
    fn spend(used: &mut u64, lifetime: u64) -> Result<(), SrtpError> {
        if *used >= lifetime {
            return Err(SrtpError::LifetimeOver(lifetime));
        }
        *used += 1;
        Ok(())
    }

    /// Carry (when protecting) or expect (when unprotecting) this MKI.
    pub fn with_mki(mut self, mki: Vec<u8>) -> SrtpContext {
        self.mki = mki;
        self
    }

    pub fn profile(&self) -> SrtpProfile {
        self.profile
    }

    /// The rollover counter of an SSRC we know.
    pub fn roc(&self, ssrc: u32) -> Option<u32> {
        self.streams.iter().find(|s| s.ssrc == ssrc).map(|s| s.roc)
    }

    /// Set the rollover counter and highest sequence number of an SSRC, as
    /// when joining a stream already under way (and for tests).
    pub fn set_roc(&mut self, ssrc: u32, roc: u32, seq: u16) {
        let stream = self.stream(ssrc);
        stream.rtp_started = true;
        stream.roc = roc;
        stream.s_l = seq;
    }

    fn stream(&mut self, ssrc: u32) -> &mut Stream {
        let pos = match self.streams.iter().position(|s| s.ssrc == ssrc) {
            Some(pos) => pos,
            None => {
                if self.streams.len() == MAX_STREAMS {
                    self.streams.remove(0);
                }
                self.streams.push(Stream::new(ssrc));
                self.streams.len() - 1
            }
        };
        &mut self.streams[pos]
    }

    /// Protect an RTP packet: encrypt its payload and append the tag.
    pub fn protect_rtp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        let header_len = rtp_header_len(packet)?;
        let seq = u16::from_be_bytes([packet[2], packet[3]]);
        let ssrc = u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]);
        if self.rtp_used >= self.lifetime {
            return Err(SrtpError::LifetimeOver(self.lifetime));
        }
        let stream = self.stream(ssrc);
        let roc = stream.estimate_roc(seq);
        if roc == u32::MAX && seq == u16::MAX {
            return Err(SrtpError::KeyExhausted(ssrc));
        }
        stream.update(roc, seq);
        self.rtp_used += 1;
        let index = index_of(roc, seq);
        let tag_len = self.profile.rtp_tag_len();
        let mut out = Vec::with_capacity(packet.len() + tag_len);
        out.extend_from_slice(packet);
        let iv = packet_iv(&self.rtp.salt, ssrc, index);
        aes_cm(&self.rtp.cipher_key, &iv, &mut out[header_len..]);
        let tag = hmac(&self.rtp.auth_key, &[&out, &roc.to_be_bytes()]);
        out.extend_from_slice(&self.mki);
        out.extend_from_slice(&tag[..tag_len]);
        Ok(out)
    }

    /// Check and decrypt an SRTP packet; the plain RTP packet on success.
    /// A refused packet leaves the context as it was.
    pub fn unprotect_rtp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        let tag_len = self.profile.rtp_tag_len();
        if packet.len() < 12 + self.mki.len() + tag_len {
            return Err(SrtpError::Malformed("shorter than header and tag"));
        }
        let (body, tag) = packet.split_at(packet.len() - tag_len);
        let (body, mki) = body.split_at(body.len() - self.mki.len());
        if mki != self.mki {
            return Err(SrtpError::UnknownMki);
        }
        let header_len = rtp_header_len(body)?;
        let seq = u16::from_be_bytes([body[2], body[3]]);
        let ssrc = u32::from_be_bytes([body[8], body[9], body[10], body[11]]);
        let known = self.streams.iter().position(|s| s.ssrc == ssrc);
        let roc = match known {
            Some(pos) => self.streams[pos].estimate_roc(seq),
            None => 0,
        };
        let index = index_of(roc, seq);
        if let Some(pos) = known {
            self.streams[pos].rtp_window.check(ssrc, index)?;
        }
        let expected = hmac(&self.rtp.auth_key, &[body, &roc.to_be_bytes()]);
        if !tags_equal(&expected[..tag_len], tag) {
            return Err(SrtpError::AuthFailed { ssrc, index });
        }
        Self::spend(&mut self.rtp_used, self.lifetime)?;
        let stream = self.stream(ssrc);
        stream.update(roc, seq);
        stream.rtp_window.accept(index);
        let mut out = body.to_vec();
        let iv = packet_iv(&self.rtp.salt, ssrc, index);
        aes_cm(&self.rtp.cipher_key, &iv, &mut out[header_len..]);
        Ok(out)
    }

    /// Protect an RTCP compound packet: encrypt all after the first 8
    /// bytes, append E=1 with the SRTCP index, then the 80-bit tag.
    pub fn protect_rtcp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        if packet.len() < 8 || packet[0] >> 6 != 2 {
            return Err(SrtpError::Malformed("not an RTCP packet"));
        }
        let ssrc = u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
        if self.rtcp_used >= self.lifetime {
            return Err(SrtpError::LifetimeOver(self.lifetime));
        }
        let stream = self.stream(ssrc);
        let index = stream.rtcp_next;
        if index > SRTCP_INDEX_MAX {
            return Err(SrtpError::KeyExhausted(ssrc));
        }
        stream.rtcp_next += 1;
        self.rtcp_used += 1;
        let mut out = Vec::with_capacity(packet.len() + SRTCP_INDEX_LEN + SRTCP_TAG_LEN);
        out.extend_from_slice(packet);
        let iv = packet_iv(&self.rtcp.salt, ssrc, u64::from(index));
        aes_cm(&self.rtcp.cipher_key, &iv, &mut out[8..]);
        out.extend_from_slice(&(index | 0x8000_0000).to_be_bytes());
        let tag = hmac(&self.rtcp.auth_key, &[&out]);
        out.extend_from_slice(&self.mki);
        out.extend_from_slice(&tag[..SRTCP_TAG_LEN]);
        Ok(out)
    }

    /// Check and (when E is set) decrypt an SRTCP packet.
    pub fn unprotect_rtcp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        let min = 8 + SRTCP_INDEX_LEN + self.mki.len() + SRTCP_TAG_LEN;
        if packet.len() < min || packet[0] >> 6 != 2 {
            return Err(SrtpError::Malformed("not an SRTCP packet"));
        }
        let (authenticated, tag) = packet.split_at(packet.len() - SRTCP_TAG_LEN);
        let (authenticated, mki) = authenticated.split_at(authenticated.len() - self.mki.len());
        if mki != self.mki {
            return Err(SrtpError::UnknownMki);
        }
        let (body, e_index) = authenticated.split_at(authenticated.len() - SRTCP_INDEX_LEN);
        let e_index = u32::from_be_bytes([e_index[0], e_index[1], e_index[2], e_index[3]]);
        let encrypted = e_index & 0x8000_0000 != 0;
        let index = u64::from(e_index & SRTCP_INDEX_MAX);
        let ssrc = u32::from_be_bytes([body[4], body[5], body[6], body[7]]);
        if let Some(s) = self.streams.iter().find(|s| s.ssrc == ssrc) {
            s.rtcp_window.check(ssrc, index)?;
        }
        let expected = hmac(&self.rtcp.auth_key, &[authenticated]);
        if !tags_equal(&expected[..SRTCP_TAG_LEN], tag) {
            return Err(SrtpError::AuthFailed { ssrc, index });
        }
        Self::spend(&mut self.rtcp_used, self.lifetime)?;
        self.stream(ssrc).rtcp_window.accept(index);
        let mut out = body.to_vec();
        if encrypted {
            let iv = packet_iv(&self.rtcp.salt, ssrc, index);
            aes_cm(&self.rtcp.cipher_key, &iv, &mut out[8..]);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roc_estimate_follows_appendix_a() {
        let mut s = Stream::new(1);
        s.update(0, 0xfff0);
        assert_eq!(s.estimate_roc(0x0005), 1, "a wrap ahead");
        assert_eq!(s.estimate_roc(0xffe0), 0, "late but same cycle");
        s.update(1, 0x0005);
        assert_eq!((s.roc, s.s_l), (1, 0x0005));
        assert_eq!(s.estimate_roc(0xfffe), 0, "a late packet of the last cycle");
        assert_eq!(s.estimate_roc(0x0100), 1);
    }

    #[test]
    fn window_slides_and_remembers() {
        let mut w = ReplayWindow::default();
        w.accept(100);
        w.accept(98);
        assert!(w.check(0, 99).is_ok());
        assert_eq!(
            w.check(0, 98),
            Err(SrtpError::Replayed { ssrc: 0, index: 98 })
        );
        w.accept(200);
        assert!(matches!(w.check(0, 100), Err(SrtpError::TooOld { .. })));
        assert!(w.check(0, 137).is_ok());
        assert!(matches!(w.check(0, 136), Err(SrtpError::TooOld { .. })));
    }
}
