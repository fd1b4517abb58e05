//! SDP (RFC 4566): a small, strict-where-it-matters parser and writer for
//! what a fax and voice trunk uses — `audio` RTP/AVP with PCMA/PCMU and
//! telephone-event, and `image` udptl `t38` with its attributes (ITU-T
//! T.38 Annex D, RFC 3362). Unknown lines are kept but not interpreted.
//!
//! * [`offer_answer`]: RFC 3264 offers, answers and the negotiated result.
//! * [`t38`]: the T.38 attributes and the audio → T.38 switch decisions.
//! * [`crypto`]: SDES `a=crypto` (RFC 4568) and the SRTP policy.

pub mod crypto;
pub mod offer_answer;
pub mod t38;

use std::fmt::{self, Write as _};

use crate::error::SipError;

/// Hard cap on an SDP body.
pub const MAX_SDP: usize = 16 * 1024;
const MAX_MEDIA: usize = 16;
const MAX_ATTRIBUTES: usize = 128;

/// `c=` (and the address part of `o=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// `IP4` or `IP6`.
    pub addrtype: String,
    /// The address (without a TTL suffix).
    pub address: String,
}

/// `a=name[:value]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Name.
    pub name: String,
    /// Value, if any.
    pub value: Option<String>,
}

impl Attribute {
    /// `a=name:value`.
    pub fn new(name: &str, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: Some(value.into()),
        }
    }

    /// `a=name`.
    pub fn flag(name: &str) -> Self {
        Self {
            name: name.into(),
            value: None,
        }
    }
}

/// Media direction attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// sendrecv (the default).
    SendRecv,
    /// sendonly.
    SendOnly,
    /// recvonly.
    RecvOnly,
    /// inactive.
    Inactive,
}

impl Direction {
    /// The attribute name.
    pub fn name(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The answer's direction to an offered one (RFC 3264 §6.1).
    pub fn answer(self) -> Direction {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            d => d,
        }
    }
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// `audio`, `image`, ...
    pub media: String,
    /// Transport port (0: rejected/disabled).
    pub port: u16,
    /// `RTP/AVP`, `udptl`, ...
    pub proto: String,
    /// Payload types or `t38`.
    pub formats: Vec<String>,
    /// Media-level `c=`.
    pub connection: Option<Connection>,
    /// Media-level attributes.
    pub attributes: Vec<Attribute>,
}

impl MediaDescription {
    /// The first value of attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .map(|a| a.value.as_deref().unwrap_or(""))
    }

    /// `a=rtpmap:<pt> <encoding>/<clock>` for a payload type: (encoding, clock).
    pub fn rtpmap(&self, pt: &str) -> Option<(String, u32)> {
        self.attributes
            .iter()
            .filter(|a| a.name.eq_ignore_ascii_case("rtpmap"))
            .filter_map(|a| a.value.as_deref())
            .find_map(|v| {
                let (p, rest) = v.split_once(' ')?;
                if p.trim() != pt {
                    return None;
                }
                let mut it = rest.trim().split('/');
                let enc = it.next()?.to_string();
                let clock = it.next()?.parse().ok()?;
                Some((enc, clock))
            })
    }

    /// `a=fmtp:<pt> <params>`.
    pub fn fmtp(&self, pt: &str) -> Option<&str> {
        self.attributes
            .iter()
            .filter(|a| a.name.eq_ignore_ascii_case("fmtp"))
            .filter_map(|a| a.value.as_deref())
            .find_map(|v| {
                let (p, rest) = v.split_once(' ')?;
                (p.trim() == pt).then(|| rest.trim())
            })
    }

    /// The media direction (sendrecv when absent).
    pub fn direction(&self) -> Direction {
        for a in &self.attributes {
            match a.name.to_ascii_lowercase().as_str() {
                "sendonly" => return Direction::SendOnly,
                "recvonly" => return Direction::RecvOnly,
                "inactive" => return Direction::Inactive,
                "sendrecv" => return Direction::SendRecv,
                _ => {}
            }
        }
        Direction::SendRecv
    }
}

/// A whole session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=` user name.
    pub origin_user: String,
    /// `o=` session id.
    pub session_id: String,
    /// `o=` session version (incremented on every new offer, RFC 3264 §8).
    pub session_version: u64,
    /// `o=` address.
    pub origin: Connection,
    /// `s=`.
    pub session_name: String,
    /// Session-level `c=`.
    pub connection: Option<Connection>,
    /// Session-level attributes.
    pub attributes: Vec<Attribute>,
    /// The media sections.
    pub media: Vec<MediaDescription>,
}

fn bad(what: &str) -> SipError {
    SipError::BadSdp(what.to_string())
}

fn parse_connection(v: &str) -> Result<Connection, SipError> {
    let mut it = v.split_whitespace();
    let (nettype, addrtype, address) = (it.next(), it.next(), it.next());
    if nettype != Some("IN") || it.next().is_some() {
        return Err(bad("c= line"));
    }
    let addrtype = addrtype
        .filter(|a| *a == "IP4" || *a == "IP6")
        .ok_or(bad("c= addrtype"))?;
    let address = address.ok_or(bad("c= address"))?;
    let address = address.split('/').next().unwrap_or(address);
    if address.is_empty() {
        return Err(bad("c= address"));
    }
    Ok(Connection {
        addrtype: addrtype.into(),
        address: address.into(),
    })
}

fn parse_attribute(v: &str) -> Attribute {
    match v.split_once(':') {
        Some((n, val)) => Attribute::new(n.trim(), val.trim()),
        None => Attribute::flag(v.trim()),
    }
}

impl SessionDescription {
    /// Parses an SDP body.
    pub fn parse(body: &[u8]) -> Result<SessionDescription, SipError> {
        if body.len() > MAX_SDP {
            return Err(bad("too large"));
        }
        let text = std::str::from_utf8(body).map_err(|_| bad("not UTF-8"))?;
        let mut lines = text
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| !l.is_empty());
        if lines.next() != Some("v=0") {
            return Err(bad("first line must be v=0"));
        }
        let mut sdp = SessionDescription {
            origin_user: String::new(),
            session_id: String::new(),
            session_version: 0,
            origin: Connection {
                addrtype: "IP4".into(),
                address: String::new(),
            },
            session_name: "-".into(),
            connection: None,
            attributes: Vec::new(),
            media: Vec::new(),
        };
        let mut have_origin = false;
        let mut attrs = 0usize;
        for line in lines {
            let b = line.as_bytes();
            if b.len() < 2 || b[1] != b'=' || !b[0].is_ascii_lowercase() {
                return Err(bad("line is not x=value"));
            }
            let v = &line[2..];
            match b[0] {
                b'o' => {
                    let f: Vec<&str> = v.split_whitespace().collect();
                    if f.len() != 6 || f[3] != "IN" {
                        return Err(bad("o= line"));
                    }
                    sdp.origin_user = f[0].into();
                    sdp.session_id = f[1].into();
                    sdp.session_version = f[2].parse().map_err(|_| bad("o= version"))?;
                    sdp.origin = parse_connection(&format!("IN {} {}", f[4], f[5]))?;
                    have_origin = true;
                }
                // RFC 4566 §5.3: a session without a name writes "-".
                b's' if v.is_empty() => sdp.session_name = "-".into(),
                b's' => sdp.session_name = v.into(),
                b'c' => {
                    let c = parse_connection(v)?;
                    match sdp.media.last_mut() {
                        Some(m) => m.connection = Some(c),
                        None => sdp.connection = Some(c),
                    }
                }
                b'm' => {
                    if sdp.media.len() >= MAX_MEDIA {
                        return Err(bad("too many m= lines"));
                    }
                    let f: Vec<&str> = v.split_whitespace().collect();
                    if f.len() < 4 {
                        return Err(bad("m= line"));
                    }
                    let port = f[1].split('/').next().unwrap_or("");
                    sdp.media.push(MediaDescription {
                        media: f[0].into(),
                        port: port.parse().map_err(|_| bad("m= port"))?,
                        proto: f[2].into(),
                        formats: f[3..].iter().map(|s| s.to_string()).collect(),
                        connection: None,
                        attributes: Vec::new(),
                    });
                }
                b'a' => {
                    attrs += 1;
                    if attrs > MAX_ATTRIBUTES {
                        return Err(bad("too many attributes"));
                    }
                    let a = parse_attribute(v);
                    match sdp.media.last_mut() {
                        Some(m) => m.attributes.push(a),
                        None => sdp.attributes.push(a),
                    }
                }
                _ => {} // t=, b=, i=, u=, e=, p=, k=, r=, z=: not needed
            }
        }
        if !have_origin {
            return Err(bad("no o= line"));
        }
        Ok(sdp)
    }

    /// The connection address of media section `m` (its own or the session's).
    pub fn media_address<'a>(&'a self, m: &'a MediaDescription) -> Option<&'a str> {
        m.connection
            .as_ref()
            .or(self.connection.as_ref())
            .map(|c| c.address.as_str())
    }

    /// The body as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl fmt::Display for SessionDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        let _ = write!(
            s,
            "v=0\r\no={} {} {} IN {} {}\r\ns={}\r\n",
            self.origin_user,
            self.session_id,
            self.session_version,
            self.origin.addrtype,
            self.origin.address,
            if self.session_name.is_empty() {
                "-"
            } else {
                &self.session_name
            }
        );
        if let Some(c) = &self.connection {
            let _ = write!(s, "c=IN {} {}\r\n", c.addrtype, c.address);
        }
        s.push_str("t=0 0\r\n");
        let attr = |s: &mut String, a: &Attribute| {
            let _ = match &a.value {
                Some(v) => write!(s, "a={}:{}\r\n", a.name, v),
                None => write!(s, "a={}\r\n", a.name),
            };
        };
        for a in &self.attributes {
            attr(&mut s, a);
        }
        for m in &self.media {
            let _ = write!(
                s,
                "m={} {} {} {}\r\n",
                m.media,
                m.port,
                m.proto,
                m.formats.join(" ")
            );
            if let Some(c) = &m.connection {
                let _ = write!(s, "c=IN {} {}\r\n", c.addrtype, c.address);
            }
            for a in &m.attributes {
                attr(&mut s, a);
            }
        }
        f.write_str(&s)
    }
}
