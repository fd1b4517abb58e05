//! SIP messages on the wire (RFC 3261 §7, §18.3): framing over UDP and TCP,
//! header normalisation, and the few header fields the engines need.
//!
//! rsip parses the start line and headers; this module does what it leaves
//! to us and must never be trusted to the peer: a hard size cap, header
//! unfolding, compact header names (`v`, `i`, `l`, ...), one Via per line,
//! and the body cut at Content-Length (required on a stream, optional in a
//! datagram). Messages we build are written as text and parsed back, so
//! what we send is exactly what a peer will read.

use std::fmt::Write as _;

use rsip::message::HasHeaders;
use rsip::{Request, Response, SipMessage};

use crate::error::SipError;

/// Hard cap on one message (headers and body).
pub const MAX_MESSAGE: usize = 65_535;
/// Hard cap on the number of header lines.
pub const MAX_HEADERS: usize = 128;
/// RFC 3261 §8.1.1.7: every branch we make starts with this cookie.
pub const BRANCH_COOKIE: &str = "z9hG4bK";

/// The full name of a compact header (RFC 3261 §7.3.3), or the name itself.
fn expand_compact(name: &str) -> &str {
    if name.len() != 1 {
        return name;
    }
    match name.as_bytes()[0].to_ascii_lowercase() {
        b'i' => "Call-ID",
        b'm' => "Contact",
        b'e' => "Content-Encoding",
        b'l' => "Content-Length",
        b'c' => "Content-Type",
        b'f' => "From",
        b's' => "Subject",
        b'k' => "Supported",
        b't' => "To",
        b'v' => "Via",
        _ => name,
    }
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b))
}

/// Splits a header value at commas that are outside quotes and angle brackets.
fn split_commas(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut quoted, mut angle, mut start) = (false, false, 0);
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quoted => i += 1,
            b'"' => quoted = !quoted,
            b'<' if !quoted => angle = true,
            b'>' if !quoted => angle = false,
            b',' if !quoted && !angle => {
                out.push(value[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(value[start.min(value.len())..].trim());
    out.retain(|v| !v.is_empty());
    out
}

/// Where the header block ends: the index of the blank line's end.
fn header_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
}

/// A message split and normalised, before rsip reads it.
struct Framed {
    text: Vec<u8>,
    /// Bytes of input this message used (stream framing).
    used: usize,
}

/// Normalises the header block `head` (without the blank line) and appends
/// `body` cut to Content-Length. `stream` makes Content-Length mandatory.
fn frame(bytes: &[u8], stream: bool) -> Result<Framed, SipError> {
    let end = match header_end(bytes) {
        Some(e) => e,
        None if bytes.len() > MAX_MESSAGE => return Err(SipError::TooLarge(MAX_MESSAGE)),
        None if stream => return Err(SipError::Incomplete),
        None => return Err(SipError::Malformed("no end of headers".into())),
    };
    if end > MAX_MESSAGE {
        return Err(SipError::TooLarge(MAX_MESSAGE));
    }
    let head = std::str::from_utf8(&bytes[..end - 4])
        .map_err(|_| SipError::Malformed("headers are not UTF-8".into()))?;
    let mut lines = head.split("\r\n");
    let start = lines.next().unwrap_or_default();
    if start.is_empty() || start.bytes().any(|b| b.is_ascii_control()) {
        return Err(SipError::Malformed("bad start line".into()));
    }
    // Unfold continuation lines.
    let mut unfolded: Vec<String> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            match unfolded.last_mut() {
                Some(prev) => {
                    prev.push(' ');
                    prev.push_str(line.trim());
                }
                None => return Err(SipError::Malformed("continuation before header".into())),
            }
        } else {
            unfolded.push(line.to_string());
        }
        if unfolded.len() > MAX_HEADERS {
            return Err(SipError::Malformed("too many headers".into()));
        }
    }
    let mut text = String::with_capacity(end + 64);
    text.push_str(start);
    text.push_str("\r\n");
    let mut content_length: Option<usize> = None;
    for line in &unfolded {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| SipError::Malformed("header without colon".into()))?;
        let name = expand_compact(name.trim());
        if !is_token(name) {
            return Err(SipError::Malformed("bad header name".into()));
        }
        let value = value.trim();
        if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
            return Err(SipError::Malformed("control character in header".into()));
        }
        if name.eq_ignore_ascii_case("Content-Length") {
            let n: usize = value
                .parse()
                .map_err(|_| SipError::BadHeader("Content-Length"))?;
            if content_length.is_some_and(|c| c != n) {
                return Err(SipError::BadHeader("Content-Length"));
            }
            content_length = Some(n);
            continue; // written once below, after the others
        }
        if name.eq_ignore_ascii_case("Via") {
            for v in split_commas(value) {
                let _ = write!(text, "Via: {v}\r\n");
            }
        } else {
            let _ = write!(text, "{name}: {value}\r\n");
        }
    }
    let available = &bytes[end..];
    let body_len = match content_length {
        Some(n) if n > MAX_MESSAGE => return Err(SipError::TooLarge(MAX_MESSAGE)),
        Some(n) if n > available.len() => {
            return Err(if stream {
                SipError::Incomplete
            } else {
                SipError::Malformed("body shorter than Content-Length".into())
            })
        }
        Some(n) => n,
        None if stream => return Err(SipError::BadHeader("Content-Length")),
        None => available.len(),
    };
    if end + body_len > MAX_MESSAGE {
        return Err(SipError::TooLarge(MAX_MESSAGE));
    }
    let _ = write!(text, "Content-Length: {body_len}\r\n\r\n");
    let mut text = text.into_bytes();
    text.extend_from_slice(&available[..body_len]);
    Ok(Framed {
        text,
        used: end + body_len,
    })
}

fn tokenize(framed: &[u8]) -> Result<SipMessage, SipError> {
    let msg = SipMessage::try_from(framed)?;
    Core::of(&msg)?; // every message we hand on has the mandatory headers
    Ok(msg)
}

/// Parses one datagram (UDP). A datagram of only CRLFs is a keep-alive
/// (RFC 5626 §3.5.1) and gives `Ok(None)`.
pub fn parse_datagram(bytes: &[u8]) -> Result<Option<SipMessage>, SipError> {
    if bytes.len() > MAX_MESSAGE {
        return Err(SipError::TooLarge(MAX_MESSAGE));
    }
    if bytes.iter().all(|b| *b == b'\r' || *b == b'\n') {
        return Ok(None);
    }
    let framed = frame(bytes, false)?;
    tokenize(&framed.text).map(Some)
}

/// Parses one message from text we built (or a test wrote).
pub fn parse(text: impl AsRef<[u8]>) -> Result<SipMessage, SipError> {
    parse_datagram(text.as_ref())?.ok_or(SipError::Malformed("empty".into()))
}

/// What a stream carries between messages: a message, or a CRLF
/// keep-alive (RFC 5626 §4.4.1: a double CRLF is a ping, a single CRLF
/// the pong that answers it).
// Each item is taken apart at once; boxing the message would only add an
// allocation per message.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum StreamItem {
    /// One whole message.
    Message(SipMessage),
    /// A double CRLF: answer it with a single CRLF ([`CRLF_PONG`]).
    Ping,
    /// A single CRLF.
    Pong,
}

pub use crate::nat::CRLF_PING;
/// The answer to a ping ([`CRLF_PING`]) on a stream.
pub const CRLF_PONG: &[u8] = b"\r\n";

/// Reassembles messages from a byte stream (TCP, RFC 3261 §18.3), and the
/// CRLF keep-alives between them, whatever the bytes' segmentation: the
/// same items come out whether the stream arrives a byte at a time or
/// many messages in one read.
///
/// A CRLF at a message boundary with nothing after it yet is ambiguous (a
/// pong, or the first half of a ping): it waits for the next bytes,
/// unless [`StreamFramer::expect_pong`] said we pinged, in which case it
/// is the pong. (A ping from the peer cut in two while we wait for our
/// pong is then taken for the pong and its second half skipped; either
/// way the peer's bytes show the connection is alive.)
#[derive(Debug, Default)]
pub struct StreamFramer {
    buf: Vec<u8>,
    pong_expected: bool,
}

impl StreamFramer {
    /// An empty framer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held that are not yet a whole message.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// We sent a ping: a lone CRLF at a boundary is its pong.
    pub fn expect_pong(&mut self) {
        self.pong_expected = true;
    }

    /// The next whole message, `Ok(None)` when more bytes are needed;
    /// keep-alives are skipped. On an error the stream cannot be
    /// resynchronised: close the connection.
    pub fn next_message(&mut self) -> Result<Option<SipMessage>, SipError> {
        loop {
            match self.next_item()? {
                Some(StreamItem::Message(m)) => return Ok(Some(m)),
                Some(StreamItem::Ping | StreamItem::Pong) => {}
                None => return Ok(None),
            }
        }
    }

    /// The next message or keep-alive, `Ok(None)` when more bytes are
    /// needed. On an error the stream cannot be resynchronised: close the
    /// connection.
    pub fn next_item(&mut self) -> Result<Option<StreamItem>, SipError> {
        loop {
            let run = self
                .buf
                .iter()
                .take_while(|b| **b == b'\r' || **b == b'\n')
                .count();
            if run == 0 {
                break;
            }
            if self.buf.starts_with(CRLF_PING) {
                self.buf.drain(..CRLF_PING.len());
                return Ok(Some(StreamItem::Ping));
            }
            // Could still become a ping: wait for more (see above).
            let maybe_ping = run == self.buf.len() && CRLF_PING.starts_with(&self.buf);
            if self.buf.starts_with(CRLF_PONG) && (self.pong_expected || !maybe_ping) {
                self.buf.drain(..CRLF_PONG.len());
                self.pong_expected = false;
                return Ok(Some(StreamItem::Pong));
            }
            if maybe_ping {
                return Ok(None);
            }
            // Stray line ends between messages: skipped.
            self.buf.drain(..run);
        }
        if self.buf.is_empty() {
            return Ok(None);
        }
        match frame(&self.buf, true) {
            Ok(framed) => {
                self.buf.drain(..framed.used);
                tokenize(&framed.text).map(|m| Some(StreamItem::Message(m)))
            }
            Err(SipError::Incomplete) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// All values of header `name` (case-insensitive), in order, as written.
pub fn header_values<'a>(msg: &'a impl HasHeaders, name: &'a str) -> Vec<String> {
    msg.headers()
        .iter()
        .filter_map(|h| {
            let line = h.to_string();
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
        .collect()
}

/// The first value of header `name`.
pub fn header(msg: &impl HasHeaders, name: &str) -> Option<String> {
    header_values(msg, name).into_iter().next()
}

/// Splits a name-addr or addr-spec header value (From, To, Contact, Route)
/// into the URI and its header parameters.
pub fn split_name_addr(value: &str) -> (String, Vec<(String, String)>) {
    let value = value.trim();
    let (uri, rest) = match (value.find('<'), value.find('>')) {
        (Some(a), Some(b)) if a < b => (value[a + 1..b].trim(), &value[b + 1..]),
        _ => match value.find(';') {
            Some(p) => (value[..p].trim(), &value[p..]),
            None => (value, ""),
        },
    };
    (uri.to_string(), params(rest))
}

/// `;a=b;c` into pairs (lower-case names, values unquoted).
pub fn params(s: &str) -> Vec<(String, String)> {
    s.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_string(),
            ),
            None => (p.to_ascii_lowercase(), String::new()),
        })
        .collect()
}

fn param(params: &[(String, String)], name: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// The header fields every transaction and dialog decision needs, read once
/// from a parsed message (RFC 3261 §8.1.1, §17.1.3, §17.2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Core {
    /// Call-ID.
    pub call_id: String,
    /// CSeq number.
    pub cseq: u32,
    /// CSeq method, upper case.
    pub cseq_method: String,
    /// From tag.
    pub from_tag: Option<String>,
    /// To tag.
    pub to_tag: Option<String>,
    /// Branch of the top Via.
    pub branch: String,
    /// sent-by of the top Via (`host[:port]`).
    pub sent_by: String,
    /// `received` and `rport` of the top Via, if present.
    pub received: Option<String>,
    /// `rport` of the top Via with a value.
    pub rport: Option<u16>,
}

impl Core {
    /// Reads the fields; a missing or unreadable one is an error.
    pub fn of(msg: &impl HasHeaders) -> Result<Core, SipError> {
        let call_id = header(msg, "Call-ID").ok_or(SipError::BadHeader("Call-ID"))?;
        if call_id.is_empty() || call_id.contains(char::is_whitespace) {
            return Err(SipError::BadHeader("Call-ID"));
        }
        let cseq = header(msg, "CSeq").ok_or(SipError::BadHeader("CSeq"))?;
        let mut it = cseq.split_whitespace();
        let (num, method) = (it.next(), it.next());
        let cseq: u32 = num
            .and_then(|n| n.parse().ok())
            .filter(|n| *n < 1 << 31)
            .ok_or(SipError::BadHeader("CSeq"))?;
        let cseq_method = method
            .filter(|m| is_token(m) && it.next().is_none())
            .ok_or(SipError::BadHeader("CSeq"))?
            .to_ascii_uppercase();
        let from = header(msg, "From").ok_or(SipError::BadHeader("From"))?;
        let to = header(msg, "To").ok_or(SipError::BadHeader("To"))?;
        let via = header(msg, "Via").ok_or(SipError::BadHeader("Via"))?;
        let (proto, rest) = via
            .split_once(|c: char| c.is_whitespace())
            .ok_or(SipError::BadHeader("Via"))?;
        if !proto.to_ascii_uppercase().starts_with("SIP/2.0/") {
            return Err(SipError::BadHeader("Via"));
        }
        let (sent_by, via_params) = match rest.find(';') {
            Some(p) => (rest[..p].trim(), params(&rest[p..])),
            None => (rest.trim(), Vec::new()),
        };
        if sent_by.is_empty() {
            return Err(SipError::BadHeader("Via"));
        }
        let branch = param(&via_params, "branch").unwrap_or_default();
        Ok(Core {
            call_id,
            cseq,
            cseq_method,
            from_tag: param(&split_name_addr(&from).1, "tag"),
            to_tag: param(&split_name_addr(&to).1, "tag"),
            branch,
            sent_by: sent_by.to_string(),
            received: param(&via_params, "received"),
            rport: param(&via_params, "rport").and_then(|p| p.parse().ok()),
        })
    }
}

/// The method of a request, upper case.
pub fn method(req: &Request) -> String {
    req.method.to_string().to_ascii_uppercase()
}

/// The status code of a response as a number.
pub fn status(resp: &Response) -> u16 {
    resp.status_code.code()
}

/// Serialises a message for the wire. The body goes out as bytes (rsip's
/// `Display` would pass it through `from_utf8_lossy`, changing any binary
/// body and breaking Content-Length).
pub fn to_bytes(msg: &SipMessage) -> Vec<u8> {
    let (head, body) = match msg {
        SipMessage::Request(r) => (
            format!("{} {} {}\r\n{}\r\n", r.method, r.uri, r.version, r.headers),
            &r.body,
        ),
        SipMessage::Response(r) => (
            format!("{} {}\r\n{}\r\n", r.version, r.status_code, r.headers),
            &r.body,
        ),
    };
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

/// Writes a message as text: start line, headers, Content-Length and body.
/// Parse it with [`parse`] to get the rsip value.
#[derive(Debug, Clone)]
pub struct MessageText {
    start: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl MessageText {
    /// A request line `METHOD uri SIP/2.0`.
    pub fn request(method: &str, uri: &str) -> Self {
        Self {
            start: format!("{method} {uri} SIP/2.0"),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A status line `SIP/2.0 code reason`.
    pub fn response(code: u16, reason: &str) -> Self {
        Self {
            start: format!("SIP/2.0 {code} {reason}"),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// The text of a parsed request, to change and build again.
    pub fn from_request(req: &Request) -> Self {
        let mut m = Self::request(&method(req), &req.uri.to_string());
        m.copy_headers(req);
        m.body = req.body.clone();
        m
    }

    /// The text of a parsed response.
    pub fn from_response(resp: &Response) -> Self {
        let code = status(resp);
        let reason = resp.status_code.to_string();
        let reason = reason
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim();
        let mut m = Self::response(code, reason);
        m.copy_headers(resp);
        m.body = resp.body.clone();
        m
    }

    fn copy_headers(&mut self, msg: &impl HasHeaders) {
        for h in msg.headers().iter() {
            let line = h.to_string();
            if let Some((n, v)) = line.split_once(':') {
                let n = n.trim();
                if !n.eq_ignore_ascii_case("Content-Length") {
                    self.headers.push((n.to_string(), v.trim().to_string()));
                }
            }
        }
    }

    /// Removes every header `name`.
    pub fn remove(&mut self, name: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Replaces header `name` (in place of the first one, or at the end).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self
            .headers
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(i) => {
                self.headers[i].1 = value;
                let mut seen = 0;
                self.headers.retain(|(n, _)| {
                    if n.eq_ignore_ascii_case(name) {
                        seen += 1;
                        seen == 1
                    } else {
                        true
                    }
                });
            }
            None => self.headers.push((name.to_string(), value)),
        }
    }

    /// Gives the top Via a new branch (a new transaction, §8.1.1.7).
    pub fn set_top_via_branch(&mut self, branch: &str) {
        if let Some((_, v)) = self
            .headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case("Via"))
        {
            let mut parts: Vec<String> = v.split(';').map(str::to_string).collect();
            parts.retain(|p| !p.trim().to_ascii_lowercase().starts_with("branch="));
            parts.insert(1, format!("branch={branch}"));
            *v = parts.join(";");
        }
    }

    /// Rewrites the top Via's value with `f` (NAT: `received`/`rport`).
    pub fn map_top_via(&mut self, f: impl FnOnce(&str) -> String) {
        if let Some((_, v)) = self
            .headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case("Via"))
        {
            *v = f(v);
        }
    }

    /// Appends a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Appends a header in place.
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.headers.push((name.to_string(), value.into()));
    }

    /// Sets the body and its Content-Type.
    pub fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.headers
            .push(("Content-Type".into(), content_type.to_string()));
        self.body = body.into();
        self
    }

    /// The text with Content-Length.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = String::new();
        let _ = write!(s, "{}\r\n", self.start);
        for (n, v) in &self.headers {
            let _ = write!(s, "{n}: {v}\r\n");
        }
        let _ = write!(s, "Content-Length: {}\r\n\r\n", self.body.len());
        let mut b = s.into_bytes();
        b.extend_from_slice(&self.body);
        b
    }

    /// Parses the text back into an rsip message.
    pub fn build(&self) -> Result<SipMessage, SipError> {
        parse(self.to_bytes())
    }

    /// Builds a request (error if this is a response).
    pub fn build_request(&self) -> Result<Request, SipError> {
        match self.build()? {
            SipMessage::Request(r) => Ok(r),
            SipMessage::Response(_) => Err(SipError::InvalidState("not a request")),
        }
    }

    /// Builds a response (error if this is a request).
    pub fn build_response(&self) -> Result<Response, SipError> {
        match self.build()? {
            SipMessage::Response(r) => Ok(r),
            SipMessage::Request(_) => Err(SipError::InvalidState("not a response")),
        }
    }
}

/// A response to `req` (RFC 3261 §8.2.6): Via, From, To (with `to_tag`
/// added when the request's To has none), Call-ID and CSeq copied.
pub fn response_to(req: &Request, code: u16, reason: &str, to_tag: Option<&str>) -> MessageText {
    let mut m = MessageText::response(code, reason);
    for v in header_values(req, "Via") {
        m.push("Via", v);
    }
    if let Some(f) = header(req, "From") {
        m.push("From", f);
    }
    if let Some(t) = header(req, "To") {
        let has_tag = param(&split_name_addr(&t).1, "tag").is_some();
        match to_tag {
            Some(tag) if !has_tag && code > 100 => m.push("To", format!("{t};tag={tag}")),
            _ => m.push("To", t),
        }
    }
    if let Some(c) = header(req, "Call-ID") {
        m.push("Call-ID", c);
    }
    if let Some(c) = header(req, "CSeq") {
        m.push("CSeq", c);
    }
    m
}

/// Random identifiers: branches, tags, Call-IDs, cnonces. Seeded by the
/// caller, so a test run is reproducible; the shell seeds it from the OS.
#[derive(Debug, Clone)]
pub struct IdGen {
    state: u64,
}

impl IdGen {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self {
            state: seed ^ 0x9E37_79B9_7F4A_7C15,
        }
    }

    fn next_u64(&mut self) -> u64 {
        // splitmix64
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `n` random hex digits.
    pub fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n + 16);
        while s.len() < n {
            let _ = write!(s, "{:016x}", self.next_u64());
        }
        s.truncate(n);
        s
    }

    /// A fresh Via branch with the RFC 3261 magic cookie.
    pub fn branch(&mut self) -> String {
        format!("{BRANCH_COOKIE}{}", self.hex(16))
    }

    /// A fresh From/To tag.
    pub fn tag(&mut self) -> String {
        self.hex(12)
    }

    /// A fresh Call-ID at `host`.
    pub fn call_id(&mut self, host: &str) -> String {
        format!("{}@{host}", self.hex(20))
    }
}

/// The stateless answer to a request we cannot read (RFC 3261 §8.2, §21.5.14):
/// `400 Bad Request` (`513 Message Too Large` for oversize input) with the
/// Via, From, To, Call-ID and CSeq copied as written. None when those are
/// themselves unreadable, or the input is a response (never answered).
pub fn bad_request_reply(bytes: &[u8], error: &SipError) -> Option<Vec<u8>> {
    let bytes = &bytes[..bytes.len().min(MAX_MESSAGE)];
    if bytes.starts_with(b"SIP/") || matches!(error, SipError::Incomplete) {
        return None;
    }
    let end = header_end(bytes).unwrap_or(bytes.len());
    let head = String::from_utf8_lossy(&bytes[..end]);
    let (code, reason) = match error {
        SipError::TooLarge(_) => (513, "Message Too Large"),
        _ => (400, "Bad Request"),
    };
    let mut m = MessageText::response(code, reason);
    for line in head.split("\r\n").skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = expand_compact(name.trim());
        let value = value.trim();
        for wanted in ["Via", "From", "To", "Call-ID", "CSeq"] {
            if name.eq_ignore_ascii_case(wanted) {
                if wanted == "To" {
                    let has_to_tag = param(&split_name_addr(value).1, "tag").is_some();
                    let tag = if has_to_tag {
                        String::new()
                    } else {
                        ";tag=400".into()
                    };
                    m.push(wanted, format!("{value}{tag}"));
                } else if wanted == "Via" {
                    for v in split_commas(value) {
                        m.push(wanted, v);
                    }
                } else {
                    m.push(wanted, value);
                }
            }
        }
    }
    m.build_response().ok().map(|_| m.to_bytes())
}
