//! NAT traversal, sans-IO (issue 17): what a SIP endpoint behind a NAT, or
//! talking to peers behind one, needs beyond RFC 3261.
//!
//! * [`stamp_via`]: a server's half of RFC 3581 — the top Via of a request
//!   gets `received` (the source address) and `rport` (the source port)
//!   before it is copied into the response, which goes to the source
//!   address and port (the endpoint does that already).
//! * [`PublicAddress`]: a client's half — the `received`/`rport` of the
//!   responses to our requests tell us the address the NAT gave us; that
//!   (or a configured public address) goes into Contact ([`rewrite_uri_host`]),
//!   From ([`PublicAddress::from_uri`]) and SDP, and a change asks for a
//!   new REGISTER.
//! * [`MediaLatch`]: symmetric RTP — after the first packet from the peer,
//!   media goes where the peer's media comes from, with a rule against
//!   hijacking (see the type).
//! * [`Pinger`]: the interval timer of the keep-alives that hold a NAT
//!   binding (a CRLF datagram for signalling; an RTP packet of a payload
//!   type nobody negotiated, RFC 6263 §4.6, or an empty UDPTL datagram,
//!   RFC 6263 §4.1, for media that is silent).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use rsip::Response;

use crate::wire::{Core, MessageText};

/// The payload type of our RTP keep-alives (RFC 6263 §4.6): unassigned in
/// RFC 3551 and never negotiated by us, so receivers drop it.
pub const KEEPALIVE_PAYLOAD_TYPE: u8 = 20;

/// The signalling keep-alive datagram (a double CRLF, which SIP parsers
/// skip; RFC 5626 §3.5.1 uses the same bytes on streams).
pub const CRLF_PING: &[u8] = b"\r\n\r\n";

/// The top Via value `via` of a request that came from `source`, with
/// `received` and `rport` set as RFC 3581 §4 (and RFC 3261 §18.2.1) ask:
/// `received` when the sent-by host is not the source address or the Via
/// asks for `rport`; `rport=<source port>` when the Via has `rport`.
/// A Via that cannot be read is returned as it is.
pub fn stamp_via(via: &str, source: SocketAddr) -> String {
    let (head, params) = match via.find(';') {
        Some(p) => (&via[..p], &via[p + 1..]),
        None => (via, ""),
    };
    let Some(sent_by) = head.split_whitespace().nth(1) else {
        return via.to_string();
    };
    let host = host_of(sent_by);
    let names: Vec<&str> = params
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let wants_rport = names.iter().any(|p| {
        p.split('=')
            .next()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case("rport"))
    });
    let same_host = host.parse::<IpAddr>().is_ok_and(|ip| ip == source.ip());
    let mut out = head.trim_end().to_string();
    for p in names {
        let name = p.split('=').next().unwrap_or("").trim();
        if name.eq_ignore_ascii_case("received") {
            continue;
        }
        if name.eq_ignore_ascii_case("rport") {
            out.push_str(&format!(";rport={}", source.port()));
        } else {
            out.push(';');
            out.push_str(p);
        }
    }
    if wants_rport || !same_host {
        out.push_str(&format!(";received={}", source.ip()));
    }
    out
}

/// The host of a sent-by or host-port (`[v6]:port`, `host:port`, `host`).
fn host_of(hostport: &str) -> &str {
    if let Some(rest) = hostport.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match hostport.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() => h,
        _ => hostport,
    }
}

/// `resp` with its top Via stamped by [`stamp_via`] for a request that
/// came from `source` (unchanged if there is nothing to add, or if the
/// result would not build).
pub fn stamp_response(resp: &Response, source: SocketAddr) -> Response {
    let Some(top) = crate::wire::header(resp, "Via") else {
        return resp.clone();
    };
    let stamped = stamp_via(&top, source);
    if stamped == top {
        return resp.clone();
    }
    let mut m = MessageText::from_response(resp);
    m.map_top_via(|_| stamped);
    m.build_response().unwrap_or_else(|_| resp.clone())
}

/// The address a response says our request came from: the top Via's
/// `received` (else its sent-by host) with its `rport` (else the sent-by
/// port, else 5060). None when the Via carries neither parameter (the
/// server does not tell) or the address cannot be read.
pub fn reflected_address(resp: &Response) -> Option<SocketAddr> {
    let core = Core::of(resp).ok()?;
    if core.received.is_none() && core.rport.is_none() {
        return None;
    }
    let sent_host = host_of(&core.sent_by);
    let sent_port = core
        .sent_by
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse::<u16>().ok())
        .unwrap_or(5060);
    let ip: IpAddr = core.received.as_deref().unwrap_or(sent_host).parse().ok()?;
    Some(SocketAddr::new(ip, core.rport.unwrap_or(sent_port)))
}

/// What we know of our address as the world sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicAddress {
    local: SocketAddr,
    configured: Option<IpAddr>,
    learn: bool,
    learned: Option<SocketAddr>,
}

impl PublicAddress {
    /// Our socket is bound to `local`; `configured`: the public address of
    /// a static NAT, if set; `learn`: take the address responses reflect
    /// (RFC 3581) for Contact.
    pub fn new(local: SocketAddr, configured: Option<IpAddr>, learn: bool) -> Self {
        PublicAddress {
            local,
            configured,
            learn,
            learned: None,
        }
    }

    /// A response to one of our requests arrived. Returns the new Contact
    /// address when what it reflects changes it (then re-register).
    pub fn observe(&mut self, resp: &Response) -> Option<SocketAddr> {
        if !self.learn {
            return None;
        }
        let seen = reflected_address(resp)?;
        if self.learned == Some(seen) {
            return None;
        }
        let before = self.contact();
        self.learned = Some(seen);
        let after = self.contact();
        (after != before).then_some(after)
    }

    /// The address learned from responses (None: none yet, or learning is
    /// off).
    pub fn learned(&self) -> Option<SocketAddr> {
        self.learned
    }

    /// The address for our Contact: the learned one; else the configured
    /// public address with our port; else our socket's.
    pub fn contact(&self) -> SocketAddr {
        if let Some(l) = self.learned {
            return l;
        }
        match self.configured {
            Some(ip) => SocketAddr::new(ip, self.local.port()),
            None => self.local,
        }
    }

    /// The From URI of our requests as `user`: at the [`contact`]
    /// address, so that behind a NAT no header but Via's sent-by (which
    /// RFC 3581 corrects) names the private address.
    ///
    /// [`contact`]: PublicAddress::contact
    pub fn from_uri(&self, user: &str) -> String {
        format!("<sip:{user}@{}>", self.contact())
    }

    /// The address for SDP (`c=`, `o=`): the configured public address;
    /// else the learned one when it shows a NAT (our media ports are
    /// assumed kept by it); else our socket's.
    pub fn media(&self) -> IpAddr {
        if let Some(ip) = self.configured {
            return ip;
        }
        match self.learned {
            Some(l) if l.ip() != self.local.ip() => l.ip(),
            _ => self.local.ip(),
        }
    }
}

/// `uri` (`sip:user@host:port;params`, with or without `<>`) with its
/// host and port replaced by `addr`. A URI without `sip:`/`sips:` comes
/// back as it is.
pub fn rewrite_uri_host(uri: &str, addr: SocketAddr) -> String {
    let (open, inner, close) = match uri.strip_prefix('<').and_then(|u| u.strip_suffix('>')) {
        Some(u) => ("<", u, ">"),
        None => ("", uri, ""),
    };
    let scheme_len = if inner.len() >= 5 && inner[..5].eq_ignore_ascii_case("sips:") {
        5
    } else if inner.len() >= 4 && inner[..4].eq_ignore_ascii_case("sip:") {
        4
    } else {
        return uri.to_string();
    };
    let rest = &inner[scheme_len..];
    let end = rest.find([';', '?']).unwrap_or(rest.len());
    let hostpart_start = rest[..end].rfind('@').map_or(0, |a| a + 1);
    format!(
        "{open}{}{}{addr}{}{close}",
        &inner[..scheme_len],
        &rest[..hostpart_start],
        &rest[end..]
    )
}

/// What [`MediaLatch::observe`] says of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latched {
    /// Take it (and send to [`MediaLatch::target`]).
    Accept,
    /// A packet from another source than the one latched to: drop it.
    Refuse,
}

/// Symmetric RTP (and UDPTL): where to send a call's media.
///
/// Off: always to the address the SDP gave, and packets from anywhere are
/// taken (as before). On: the first source that sends a packet after the
/// media was set up is latched to and media goes there; packets from
/// other sources are refused, except from the address the SDP gave, which
/// always takes the latch over (a peer that is not behind a NAT cannot be
/// hijacked by a stranger who was faster). A new SDP address starts over.
/// The caller passes only packets that parsed (and, under SRTP, that
/// authenticated), so a stranger without the keys cannot latch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaLatch {
    enabled: bool,
    signalled: SocketAddr,
    latched: Option<SocketAddr>,
}

impl MediaLatch {
    /// Media towards `signalled` (the SDP's address and port).
    pub fn new(signalled: SocketAddr, enabled: bool) -> Self {
        MediaLatch {
            enabled,
            signalled,
            latched: None,
        }
    }

    /// The SDP gave `signalled` (a re-INVITE): a new address starts over.
    pub fn signalled(&mut self, signalled: SocketAddr) {
        if signalled != self.signalled {
            self.signalled = signalled;
            self.latched = None;
        }
    }

    /// A packet from `from` arrived.
    pub fn observe(&mut self, from: SocketAddr) -> Latched {
        if !self.enabled {
            return Latched::Accept;
        }
        match self.latched {
            None => {
                self.latched = Some(from);
                Latched::Accept
            }
            Some(l) if l == from => Latched::Accept,
            Some(_) if from == self.signalled => {
                self.latched = Some(from);
                Latched::Accept
            }
            Some(_) => Latched::Refuse,
        }
    }

    /// Where to send media now.
    pub fn target(&self) -> SocketAddr {
        self.latched.unwrap_or(self.signalled)
    }

    /// The source latched to (None: none yet, or latching is off).
    pub fn latched(&self) -> Option<SocketAddr> {
        self.latched
    }
}

/// An interval timer for keep-alives: due when nothing was sent for
/// `every` (anything sent counts, so a busy flow sends no keep-alive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pinger {
    every: Duration,
    last: Instant,
}

impl Pinger {
    /// A timer whose first keep-alive is due `every` after `now`.
    pub fn new(every: Duration, now: Instant) -> Self {
        Pinger {
            every: every.max(Duration::from_millis(100)),
            last: now,
        }
    }

    /// Something was sent at `now`.
    pub fn sent(&mut self, now: Instant) {
        self.last = self.last.max(now);
    }

    /// Whether a keep-alive is due at `now`; if so it counts as sent.
    pub fn poll(&mut self, now: Instant) -> bool {
        if now.saturating_duration_since(self.last) >= self.every {
            self.last = now;
            true
        } else {
            false
        }
    }

    /// When the next keep-alive is due (if nothing else is sent).
    pub fn next_due(&self) -> Instant {
        self.last + self.every
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn via_gets_received_and_rport_from_the_source() {
        let v = "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;rport";
        assert_eq!(
            stamp_via(v, sa("203.0.113.1:40123")),
            "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;rport=40123;received=203.0.113.1"
        );
        // Without rport: received only where the host differs (RFC 3261).
        let v = "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1";
        assert_eq!(
            stamp_via(v, sa("203.0.113.1:40123")),
            "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;received=203.0.113.1"
        );
        assert_eq!(stamp_via(v, sa("10.0.0.5:5060")), v);
        // rport asks for received even from the sent-by host (RFC 3581 §4);
        // a stale received is replaced.
        let v = "SIP/2.0/UDP 10.0.0.5:5062;rport;received=1.2.3.4;branch=z9hG4bK2";
        assert_eq!(
            stamp_via(v, sa("10.0.0.5:5062")),
            "SIP/2.0/UDP 10.0.0.5:5062;rport=5062;branch=z9hG4bK2;received=10.0.0.5"
        );
        // A host name is never the source address.
        let v = "SIP/2.0/TCP pbx.example;branch=z9hG4bK3";
        assert!(stamp_via(v, sa("[2001:db8::1]:5060")).ends_with(";received=2001:db8::1"));
        // Unreadable: unchanged.
        assert_eq!(stamp_via("garbage", sa("1.2.3.4:5")), "garbage");
    }

    fn response(via: &str) -> Response {
        let text = format!(
            "SIP/2.0 200 OK\r\nVia: {via}\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\n\
             Call-ID: x@y\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n"
        );
        match wire::parse_datagram(text.as_bytes()).unwrap().unwrap() {
            rsip::SipMessage::Response(r) => r,
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_reflected_address_is_learned_once_and_changes_the_contact() {
        let local = sa("10.0.0.5:5060");
        let mut p = PublicAddress::new(local, None, true);
        assert_eq!(p.contact(), local);
        assert_eq!(p.media(), local.ip());
        // A server that does not do RFC 3581 tells nothing.
        assert_eq!(
            p.observe(&response("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;rport")),
            None
        );
        let nat = "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;rport=40123;received=203.0.113.1";
        assert_eq!(p.observe(&response(nat)), Some(sa("203.0.113.1:40123")));
        assert_eq!(p.contact(), sa("203.0.113.1:40123"));
        assert_eq!(p.media(), "203.0.113.1".parse::<IpAddr>().unwrap());
        // The same again: no change, no new REGISTER.
        assert_eq!(p.observe(&response(nat)), None);
        // The NAT gave a new port (a binding that expired): a change.
        let moved = "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK9;rport=40999;received=203.0.113.1";
        assert_eq!(p.observe(&response(moved)), Some(sa("203.0.113.1:40999")));
        // rport alone: the sent-by host with the reflected port.
        let mut q = PublicAddress::new(local, None, true);
        assert_eq!(
            q.observe(&response(
                "SIP/2.0/UDP 10.0.0.5:5060;rport=5060;branch=z9hG4bK1"
            )),
            None,
            "the same address as ours is no change"
        );
        assert_eq!(q.learned(), Some(local));
        // Learning off: the configured address, with our port.
        let mut off = PublicAddress::new(local, Some("198.51.100.7".parse().unwrap()), false);
        assert_eq!(off.observe(&response(nat)), None);
        assert_eq!(off.contact(), sa("198.51.100.7:5060"));
        assert_eq!(off.media(), "198.51.100.7".parse::<IpAddr>().unwrap());
    }

    /// Behind a NAT the From of our requests carried the private address
    /// while Contact had the public one.
    #[test]
    fn from_names_the_public_address_not_the_private_one() {
        let local = sa("10.0.0.5:5060");
        let mut p = PublicAddress::new(local, None, true);
        assert_eq!(p.from_uri("4930100"), "<sip:4930100@10.0.0.5:5060>");
        let nat = "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;rport=40123;received=203.0.113.1";
        p.observe(&response(nat));
        assert_eq!(p.from_uri("4930100"), "<sip:4930100@203.0.113.1:40123>");
        let fixed = PublicAddress::new(local, Some("198.51.100.7".parse().unwrap()), false);
        assert_eq!(fixed.from_uri("4930100"), "<sip:4930100@198.51.100.7:5060>");
    }

    #[test]
    fn contact_uris_get_the_new_host_and_port() {
        let a = sa("203.0.113.1:40123");
        assert_eq!(
            rewrite_uri_host("sip:4930100@10.0.0.5:5060", a),
            "sip:4930100@203.0.113.1:40123"
        );
        assert_eq!(
            rewrite_uri_host("<sip:u@10.0.0.5:5060;transport=tcp>", a),
            "<sip:u@203.0.113.1:40123;transport=tcp>"
        );
        assert_eq!(
            rewrite_uri_host("sips:host.example", a),
            "sips:203.0.113.1:40123"
        );
        assert_eq!(
            rewrite_uri_host("sip:u@[2001:db8::1]:5060?x=1", sa("[2001:db8::2]:7")),
            "sip:u@[2001:db8::2]:7?x=1"
        );
        assert_eq!(rewrite_uri_host("tel:+4930", a), "tel:+4930");
    }

    #[test]
    fn the_latch_follows_the_first_source_and_resists_strangers() {
        let sdp = sa("10.9.9.9:30000");
        let nat = sa("203.0.113.9:41000");
        let stranger = sa("198.51.100.66:1234");
        let mut l = MediaLatch::new(sdp, true);
        assert_eq!(l.target(), sdp, "before any packet: the SDP's address");
        assert_eq!(l.observe(nat), Latched::Accept);
        assert_eq!(l.target(), nat, "after the first packet: its source");
        assert_eq!(l.observe(stranger), Latched::Refuse);
        assert_eq!(l.target(), nat, "a stranger does not move it");
        assert_eq!(l.observe(nat), Latched::Accept);
        // The SDP's own address always wins (a stranger who was first
        // loses the latch as soon as the true peer sends).
        let mut l = MediaLatch::new(sdp, true);
        assert_eq!(l.observe(stranger), Latched::Accept);
        assert_eq!(l.observe(sdp), Latched::Accept);
        assert_eq!(l.target(), sdp);
        assert_eq!(l.observe(stranger), Latched::Refuse);
        // A re-INVITE with a new address starts over; the same one keeps it.
        l.signalled(sdp);
        assert_eq!(l.latched(), Some(sdp));
        let moved = sa("10.9.9.9:30002");
        l.signalled(moved);
        assert_eq!((l.latched(), l.target()), (None, moved));
        // Off: everything is taken, media goes to the SDP's address.
        let mut off = MediaLatch::new(sdp, false);
        assert_eq!(off.observe(stranger), Latched::Accept);
        assert_eq!(off.target(), sdp);
    }

    #[test]
    fn the_pinger_fires_only_after_silence() {
        let t0 = test_kit::origin();
        let mut p = Pinger::new(Duration::from_secs(5), t0);
        assert!(!p.poll(t0 + Duration::from_secs(4)));
        assert!(p.poll(t0 + Duration::from_secs(5)));
        assert!(!p.poll(t0 + Duration::from_secs(6)), "counted as sent");
        // Traffic in between holds it off.
        p.sent(t0 + Duration::from_secs(9));
        assert!(!p.poll(t0 + Duration::from_secs(10)));
        assert!(p.poll(t0 + Duration::from_secs(14)));
        assert_eq!(p.next_due(), t0 + Duration::from_secs(19));
    }

    /// The server half of RFC 3581 at the endpoint: a request from behind
    /// a NAT is answered to its source address and port (not the Via's
    /// sent-by), with `received` and `rport` in the response's Via.
    #[test]
    fn the_endpoint_answers_the_source_with_received_and_rport() {
        use crate::endpoint::{Endpoint, EndpointEvent, Output};
        use crate::transaction::TimerConfig;
        let t0 = test_kit::origin();
        let mut ep = Endpoint::new(false, TimerConfig::default());
        let nat = sa("203.0.113.1:40123");
        let req = "OPTIONS sip:gw@198.51.100.2 SIP/2.0\r\n\
                   Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKnat1;rport\r\n\
                   From: <sip:a@10.0.0.5>;tag=1\r\nTo: <sip:gw@198.51.100.2>\r\n\
                   Call-ID: nat@10.0.0.5\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\
                   Content-Length: 0\r\n\r\n";
        ep.handle_datagram(nat, req.as_bytes(), t0);
        let (tx, request) = match ep.poll_output() {
            Some(Output::Event(EndpointEvent::Request { tx, request, .. })) => (tx, request),
            other => panic!("{other:?}"),
        };
        let resp = wire::response_to(&request, 200, "OK", Some("t"))
            .build_response()
            .unwrap();
        ep.respond(tx, &resp, t0).unwrap();
        let Some(Output::Transmit { to, bytes }) = ep.poll_output() else {
            panic!("a response goes out");
        };
        assert_eq!(to, nat, "to the source, not to 10.0.0.5:5060");
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.contains("Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKnat1;rport=40123;received=203.0.113.1\r\n"),
            "{text}"
        );
    }

    #[test]
    fn responses_carry_the_stamped_via() {
        let r = response("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;rport");
        let s = stamp_response(&r, sa("203.0.113.1:40123"));
        assert_eq!(reflected_address(&s), Some(sa("203.0.113.1:40123")));
        assert_eq!(wire::status(&s), 200);
        assert_eq!(wire::header(&s, "Call-ID").as_deref(), Some("x@y"));
    }
}
