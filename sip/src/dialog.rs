//! Dialogs (RFC 3261 §12): the state two user agents share after an INVITE
//! is answered — Call-ID, tags, CSeq in each direction, route set and
//! remote target — and the requests built inside it (ACK for the 2xx, BYE,
//! re-INVITE in both directions with glare detection, OPTIONS).
//!
//! Out-of-dialog requests (the first INVITE, OPTIONS keep-alives) come
//! from [`new_request`] with the caller's [`LocalParty`].

use std::time::{Duration, Instant};

use rsip::{Request, Response};

use crate::error::SipError;
use crate::wire::{self, header, header_values, split_name_addr, Core, IdGen, MessageText};

/// Who we are on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalParty {
    /// Via sent-by (`ip:port`).
    pub via_sent_by: String,
    /// Transport in the Via (`UDP`, `TCP`).
    pub transport: String,
    /// Our Contact URI.
    pub contact: String,
}

impl LocalParty {
    fn via(&self, ids: &mut IdGen) -> String {
        format!(
            "SIP/2.0/{} {};branch={};rport",
            self.transport,
            self.via_sent_by,
            ids.branch()
        )
    }
}

/// A request outside any dialog: fresh Call-ID and From tag, CSeq 1.
/// `route` is the pre-loaded route set (an outbound proxy with `;lr`).
#[allow(clippy::too_many_arguments)]
pub fn new_request(
    method: &str,
    request_uri: &str,
    from: &str,
    to: &str,
    local: &LocalParty,
    route: &[String],
    ids: &mut IdGen,
    body: Option<(&str, Vec<u8>)>,
) -> Result<Request, SipError> {
    let host = local.via_sent_by.split(':').next().unwrap_or("ums");
    let mut m = MessageText::request(method, request_uri)
        .header("Via", local.via(ids))
        .header("Max-Forwards", "70");
    for r in route {
        m.push("Route", format!("<{r}>"));
    }
    m.push("From", format!("{from};tag={}", ids.tag()));
    m.push("To", to.to_string());
    m.push("Call-ID", ids.call_id(host));
    m.push("CSeq", format!("1 {method}"));
    m.push("Contact", format!("<{}>", local.contact));
    m.push("User-Agent", "ums");
    if let Some((ct, b)) = body {
        m = m.body(ct, b);
    }
    m.build_request()
}

/// Which side created the dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We sent the INVITE.
    Uac,
    /// We answered it.
    Uas,
}

/// Why an in-dialog request is refused (the status to answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// CSeq lower than the last one (500).
    OutOfOrder,
    /// A re-INVITE while ours is pending (491, §14.2).
    Glare,
}

impl Refusal {
    /// The status code and reason phrase.
    pub fn status(self) -> (u16, &'static str) {
        match self {
            Refusal::OutOfOrder => (500, "Server Internal Error"),
            Refusal::Glare => (491, "Request Pending"),
        }
    }
}

/// One dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    /// Who created it.
    pub role: Role,
    /// Call-ID.
    pub call_id: String,
    /// Our tag.
    pub local_tag: String,
    /// The peer's tag.
    pub remote_tag: String,
    /// Our URI (From of our requests), without tag.
    pub local_uri: String,
    /// The peer's URI (To of our requests), without tag.
    pub remote_uri: String,
    /// Last CSeq we used.
    pub local_cseq: u32,
    /// Last CSeq the peer used.
    pub remote_cseq: Option<u32>,
    /// Where our requests go (the peer's Contact).
    pub remote_target: String,
    /// Route set, in the order our requests carry it.
    pub route_set: Vec<String>,
    /// Who we are.
    pub local: LocalParty,
    /// CSeq of a re-INVITE of ours still without final response.
    pub pending_invite: Option<u32>,
}

fn uri_and_tag(value: &str) -> (String, Option<String>) {
    let (uri, params) = split_name_addr(value);
    let tag = params.into_iter().find(|(k, _)| k == "tag").map(|(_, v)| v);
    (uri, tag)
}

fn record_routes(msg: &impl rsip::message::HasHeaders) -> Vec<String> {
    header_values(msg, "Record-Route")
        .iter()
        .flat_map(|v| {
            v.split(',')
                .map(|s| split_name_addr(s).0)
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

impl Dialog {
    /// The dialog of our INVITE and its 2xx (§12.1.2): route set from the
    /// response's Record-Route reversed, remote target from its Contact.
    pub fn uac(invite: &Request, ok: &Response, local: LocalParty) -> Result<Dialog, SipError> {
        let core = Core::of(ok)?;
        let remote_tag = core.to_tag.ok_or(SipError::BadHeader("To"))?;
        let local_tag = core.from_tag.ok_or(SipError::BadHeader("From"))?;
        let target = header(ok, "Contact").ok_or(SipError::BadHeader("Contact"))?;
        let mut route_set = record_routes(ok);
        route_set.reverse();
        Ok(Dialog {
            role: Role::Uac,
            call_id: core.call_id,
            local_tag,
            remote_tag,
            local_uri: uri_and_tag(&header(invite, "From").unwrap_or_default()).0,
            remote_uri: uri_and_tag(&header(invite, "To").unwrap_or_default()).0,
            local_cseq: core.cseq,
            remote_cseq: None,
            remote_target: split_name_addr(&target).0,
            route_set,
            local,
            pending_invite: None,
        })
    }

    /// The dialog of an INVITE we answer with a 2xx carrying `local_tag`
    /// (§12.1.1): route set from Record-Route in order, remote target
    /// from the INVITE's Contact.
    pub fn uas(invite: &Request, local_tag: &str, local: LocalParty) -> Result<Dialog, SipError> {
        let core = Core::of(invite)?;
        let remote_tag = core.from_tag.ok_or(SipError::BadHeader("From"))?;
        let target = header(invite, "Contact").ok_or(SipError::BadHeader("Contact"))?;
        Ok(Dialog {
            role: Role::Uas,
            call_id: core.call_id,
            local_tag: local_tag.to_string(),
            remote_tag,
            local_uri: uri_and_tag(&header(invite, "To").unwrap_or_default()).0,
            remote_uri: uri_and_tag(&header(invite, "From").unwrap_or_default()).0,
            local_cseq: 0,
            remote_cseq: Some(core.cseq),
            remote_target: split_name_addr(&target).0,
            route_set: record_routes(invite),
            local,
            pending_invite: None,
        })
    }

    /// Whether a message belongs to this dialog (Call-ID and both tags).
    pub fn matches(&self, core: &Core, incoming_request: bool) -> bool {
        let (ours, theirs) = if incoming_request {
            (&core.to_tag, &core.from_tag)
        } else {
            (&core.from_tag, &core.to_tag)
        };
        core.call_id == self.call_id
            && ours.as_deref() == Some(self.local_tag.as_str())
            && theirs.as_deref() == Some(self.remote_tag.as_str())
    }

    fn build(&self, method: &str, cseq: u32, ids: &mut IdGen) -> MessageText {
        // Loose routing (§12.2.1.1): Request-URI is the remote target and
        // the route set goes into Route headers.
        let mut m = MessageText::request(method, &self.remote_target)
            .header("Via", self.local.via(ids))
            .header("Max-Forwards", "70");
        for r in &self.route_set {
            m.push("Route", format!("<{r}>"));
        }
        m.push(
            "From",
            format!("<{}>;tag={}", self.local_uri, self.local_tag),
        );
        m.push(
            "To",
            format!("<{}>;tag={}", self.remote_uri, self.remote_tag),
        );
        m.push("Call-ID", self.call_id.clone());
        m.push("CSeq", format!("{cseq} {method}"));
        m
    }

    /// A new request in the dialog (BYE, OPTIONS, INFO...) with the next CSeq.
    pub fn request(
        &mut self,
        method: &str,
        ids: &mut IdGen,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Request, SipError> {
        self.local_cseq += 1;
        let mut m = self.build(method, self.local_cseq, ids);
        if method == "INVITE" || method == "UPDATE" {
            m.push("Contact", format!("<{}>", self.local.contact));
        }
        if let Some((ct, b)) = body {
            m = m.body(ct, b);
        }
        m.build_request()
    }

    /// A re-INVITE with a new offer. Refused while another is pending.
    pub fn reinvite(&mut self, ids: &mut IdGen, sdp: Vec<u8>) -> Result<Request, SipError> {
        if self.pending_invite.is_some() {
            return Err(SipError::InvalidState("re-INVITE already pending"));
        }
        let req = self.request("INVITE", ids, Some(("application/sdp", sdp)))?;
        self.pending_invite = Some(self.local_cseq);
        Ok(req)
    }

    /// The final response to our re-INVITE arrived (any code), or its
    /// transaction timed out.
    pub fn reinvite_done(&mut self) {
        self.pending_invite = None;
    }

    /// The ACK of a 2xx to our INVITE with CSeq `invite_cseq` (§13.2.2.4):
    /// same CSeq number, a new branch, sent outside any transaction.
    pub fn ack(&self, invite_cseq: u32, ids: &mut IdGen) -> Result<Request, SipError> {
        self.build("ACK", invite_cseq, ids).build_request()
    }

    /// The next hop of our in-dialog requests: the first route, else the
    /// remote target (the caller resolves it to an address).
    pub fn next_hop(&self) -> &str {
        self.route_set.first().unwrap_or(&self.remote_target)
    }

    /// An in-dialog request from the peer (§12.2.2): checks the CSeq order
    /// and glare, takes a re-INVITE's Contact as the new remote target.
    pub fn handle_request(&mut self, req: &Request) -> Result<(), Refusal> {
        let Ok(core) = Core::of(req) else {
            return Err(Refusal::OutOfOrder);
        };
        let method = wire::method(req);
        if method == "ACK" || method == "CANCEL" {
            return Ok(()); // they reuse the INVITE's CSeq
        }
        if self.remote_cseq.is_some_and(|last| core.cseq <= last) {
            return Err(Refusal::OutOfOrder);
        }
        if method == "INVITE" && self.pending_invite.is_some() {
            return Err(Refusal::Glare);
        }
        self.remote_cseq = Some(core.cseq);
        if method == "INVITE" {
            if let Some(c) = header(req, "Contact") {
                self.remote_target = split_name_addr(&c).0;
            }
        }
        Ok(())
    }

    /// A 2xx to our re-INVITE may change the remote target (§12.2.1.2).
    pub fn handle_reinvite_ok(&mut self, ok: &Response) {
        if let Some(c) = header(ok, "Contact") {
            self.remote_target = split_name_addr(&c).0;
        }
        self.pending_invite = None;
    }
}

/// §14.1: after a 491 the UAC that owns the Call-ID waits 2.1–4 s, the
/// other 0–2 s, before trying its re-INVITE again. `random` is in [0, 1).
pub fn glare_retry_after(role: Role, random: f64) -> Duration {
    let r = random.clamp(0.0, 0.999);
    let ms = match role {
        Role::Uac => 2100.0 + r * 1900.0,
        Role::Uas => r * 2000.0,
    };
    Duration::from_millis(ms as u64)
}

/// OPTIONS keep-alive towards a trunk: when to ping, and whether the trunk
/// counts as up (`max_failures` missed answers in a row take it down; any
/// response, even 4xx/5xx, shows the peer is alive).
#[derive(Debug, Clone)]
pub struct KeepAlive {
    interval: Duration,
    max_failures: u32,
    next_at: Instant,
    failures: u32,
    in_flight: bool,
}

impl KeepAlive {
    /// First ping at `now`.
    pub fn new(interval: Duration, max_failures: u32, now: Instant) -> Self {
        Self {
            interval,
            max_failures: max_failures.max(1),
            next_at: now,
            failures: 0,
            in_flight: false,
        }
    }

    /// Whether an OPTIONS is due now; marks it in flight.
    pub fn poll_ping(&mut self, now: Instant) -> bool {
        if self.in_flight || now < self.next_at {
            return false;
        }
        self.in_flight = true;
        self.next_at = now + self.interval;
        true
    }

    /// When the next ping is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        (!self.in_flight).then_some(self.next_at)
    }

    /// Any response arrived.
    pub fn handle_response(&mut self) {
        self.in_flight = false;
        self.failures = 0;
    }

    /// The OPTIONS transaction timed out.
    pub fn handle_timeout(&mut self) {
        self.in_flight = false;
        self.failures += 1;
    }

    /// Whether the peer is considered reachable.
    pub fn is_up(&self) -> bool {
        self.failures < self.max_failures
    }
}
