//! HTTP Digest authentication for SIP (RFC 3261 §22, RFC 2617, RFC 7616
//! with MD5): reading a `WWW-Authenticate`/`Proxy-Authenticate` challenge,
//! answering it (qop=auth with nc/cnonce, or the RFC 2069 form without
//! qop), and checking an answer (for our own UAS side and for tests).

use md5::{Digest as _, Md5};
use rsip::{Request, Response};

use crate::error::SipError;
use crate::wire::{self, header_values, IdGen, MessageText};

/// Digest algorithms we can answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// MD5 (the default when absent).
    Md5,
    /// MD5-sess.
    Md5Sess,
}

/// A parsed Digest challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// realm.
    pub realm: String,
    /// nonce.
    pub nonce: String,
    /// opaque, echoed back.
    pub opaque: Option<String>,
    /// algorithm.
    pub algorithm: Algorithm,
    /// Whether qop=auth was offered (we never use auth-int).
    pub qop_auth: bool,
    /// stale=true: the nonce expired but the credentials were right.
    pub stale: bool,
    /// Whether it came in Proxy-Authenticate (407).
    pub proxy: bool,
}

/// Splits `k=v, k="v, with comma"` auth parameters (RFC 7235 §2.1).
pub fn auth_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i] == b',' || b[i].is_ascii_whitespace()) {
            i += 1;
        }
        let ks = i;
        while i < b.len() && b[i] != b'=' && b[i] != b',' {
            i += 1;
        }
        let key = s[ks..i].trim().to_ascii_lowercase();
        let mut val = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && b[i] == b'"' {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    // push the whole UTF-8 character starting here
                    let ch = s[i..].chars().next().unwrap_or(' ');
                    val.push(ch);
                    i += ch.len_utf8();
                }
                i += 1; // closing quote
            } else {
                let vs = i;
                while i < b.len() && b[i] != b',' {
                    i += 1;
                }
                val = s[vs..i].trim().to_string();
            }
        }
        if !key.is_empty() {
            out.push((key, val));
        }
    }
    out
}

fn get<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
    p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

impl Challenge {
    /// Parses one challenge header value (`Digest realm=..., nonce=...`).
    pub fn parse(value: &str, proxy: bool) -> Result<Challenge, SipError> {
        let value = value.trim();
        let (scheme, rest) = value.split_once(char::is_whitespace).unwrap_or((value, ""));
        if !scheme.eq_ignore_ascii_case("Digest") {
            return Err(SipError::Auth(format!("scheme {scheme:.20}")));
        }
        let p = auth_params(rest);
        let realm = get(&p, "realm").ok_or(SipError::Auth("no realm".into()))?;
        let nonce = get(&p, "nonce").ok_or(SipError::Auth("no nonce".into()))?;
        let algorithm = match get(&p, "algorithm") {
            None => Algorithm::Md5,
            Some(a) if a.eq_ignore_ascii_case("MD5") => Algorithm::Md5,
            Some(a) if a.eq_ignore_ascii_case("MD5-sess") => Algorithm::Md5Sess,
            Some(a) => return Err(SipError::Auth(format!("algorithm {a:.20}"))),
        };
        let qop = get(&p, "qop");
        let qop_auth =
            qop.is_some_and(|q| q.split(',').any(|x| x.trim().eq_ignore_ascii_case("auth")));
        if qop.is_some() && !qop_auth {
            return Err(SipError::Auth("only qop=auth-int offered".into()));
        }
        Ok(Challenge {
            realm: realm.to_string(),
            nonce: nonce.to_string(),
            opaque: get(&p, "opaque").map(str::to_string),
            algorithm,
            qop_auth,
            stale: get(&p, "stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
            proxy,
        })
    }

    /// The first challenge of a 401/407 we can answer.
    pub fn from_response(resp: &Response) -> Result<Challenge, SipError> {
        let proxy = wire::status(resp) == 407;
        let name = if proxy {
            "Proxy-Authenticate"
        } else {
            "WWW-Authenticate"
        };
        let mut last = SipError::Auth(format!("no {name} header"));
        for v in header_values(resp, name) {
            match Challenge::parse(&v, proxy) {
                Ok(c) => return Ok(c),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The header that carries the answer.
    pub fn answer_header(&self) -> &'static str {
        if self.proxy {
            "Proxy-Authorization"
        } else {
            "Authorization"
        }
    }
}

fn md5_hex(s: &str) -> String {
    let d = Md5::digest(s.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest `response` value (RFC 2617 §3.2.2.1).
#[allow(clippy::too_many_arguments)]
pub fn digest_response(
    algorithm: Algorithm,
    user: &str,
    realm: &str,
    password: &str,
    method: &str,
    uri: &str,
    nonce: &str,
    qop: Option<(&str, &str)>, // (nc, cnonce) with qop=auth
) -> String {
    let mut ha1 = md5_hex(&format!("{user}:{realm}:{password}"));
    if algorithm == Algorithm::Md5Sess {
        let cnonce = qop.map(|q| q.1).unwrap_or("");
        ha1 = md5_hex(&format!("{ha1}:{nonce}:{cnonce}"));
    }
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    match qop {
        Some((nc, cnonce)) => md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")),
        None => md5_hex(&format!("{ha1}:{nonce}:{ha2}")),
    }
}

/// User name and password of a trunk.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Authentication user name.
    pub username: String,
    /// Password.
    pub password: String,
    /// Only answer challenges of this realm (None: any).
    pub realm: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("realm", &self.realm)
            .finish_non_exhaustive()
    }
}

/// Answers challenges for one client, counting nonce uses (nc).
#[derive(Debug, Clone)]
pub struct DigestClient {
    creds: Credentials,
    nonce: String,
    nc: u32,
}

impl DigestClient {
    /// A client with these credentials.
    pub fn new(creds: Credentials) -> Self {
        Self {
            creds,
            nonce: String::new(),
            nc: 0,
        }
    }

    /// The header value answering `ch` for `method` on `uri`.
    pub fn answer(
        &mut self,
        ch: &Challenge,
        method: &str,
        uri: &str,
        ids: &mut IdGen,
    ) -> Result<String, SipError> {
        if let Some(r) = &self.creds.realm {
            if r != &ch.realm {
                return Err(SipError::Auth(format!("realm {:.40} not ours", ch.realm)));
            }
        }
        if ch.nonce != self.nonce {
            self.nonce = ch.nonce.clone();
            self.nc = 0;
        }
        self.nc += 1;
        let nc = format!("{:08x}", self.nc);
        let cnonce = ids.hex(16);
        let qop = ch.qop_auth.then_some((nc.as_str(), cnonce.as_str()));
        let resp = digest_response(
            ch.algorithm,
            &self.creds.username,
            &ch.realm,
            &self.creds.password,
            method,
            uri,
            &ch.nonce,
            qop,
        );
        let q = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let mut v = format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", response=\"{resp}\"",
            q(&self.creds.username),
            q(&ch.realm),
            q(&ch.nonce),
            q(uri)
        );
        v.push_str(match ch.algorithm {
            Algorithm::Md5 => ", algorithm=MD5",
            Algorithm::Md5Sess => ", algorithm=MD5-sess",
        });
        if ch.qop_auth {
            v.push_str(&format!(", qop=auth, nc={nc}, cnonce=\"{cnonce}\""));
        }
        if let Some(o) = &ch.opaque {
            v.push_str(&format!(", opaque=\"{}\"", q(o)));
        }
        Ok(v)
    }

    /// `request` again with the answer to the challenge in `resp`: CSeq
    /// plus one, a new branch, the old answer replaced (§22.2).
    pub fn authorize(
        &mut self,
        request: &Request,
        resp: &Response,
        ids: &mut IdGen,
    ) -> Result<Request, SipError> {
        let ch = Challenge::from_response(resp)?;
        let method = wire::method(request);
        let uri = request.uri.to_string();
        let value = self.answer(&ch, &method, &uri, ids)?;
        let mut m = MessageText::from_request(request);
        let core = wire::Core::of(request)?;
        m.set("CSeq", format!("{} {method}", core.cseq + 1));
        m.set_top_via_branch(&ids.branch());
        m.remove(ch.answer_header());
        m.push(ch.answer_header(), value);
        m.build_request()
    }
}

/// Checks an `Authorization` value against the password (UAS side).
/// `nonce` is the one we issued.
pub fn verify(value: &str, method: &str, password: &str, nonce: &str) -> bool {
    let value = value.trim();
    let Some(rest) = value
        .get(..6)
        .filter(|s| s.eq_ignore_ascii_case("Digest"))
        .map(|_| &value[6..])
    else {
        return false;
    };
    let p = auth_params(rest);
    let (Some(user), Some(realm), Some(n), Some(uri), Some(resp)) = (
        get(&p, "username"),
        get(&p, "realm"),
        get(&p, "nonce"),
        get(&p, "uri"),
        get(&p, "response"),
    ) else {
        return false;
    };
    if n != nonce {
        return false;
    }
    let alg = match get(&p, "algorithm") {
        Some(a) if a.eq_ignore_ascii_case("MD5-sess") => Algorithm::Md5Sess,
        Some(a) if !a.eq_ignore_ascii_case("MD5") => return false,
        _ => Algorithm::Md5,
    };
    let qop = match (get(&p, "qop"), get(&p, "nc"), get(&p, "cnonce")) {
        (Some(q), Some(nc), Some(cn)) if q.eq_ignore_ascii_case("auth") => Some((nc, cn)),
        (None, _, _) => None,
        _ => return false,
    };
    let want = digest_response(alg, user, realm, password, method, uri, n, qop);
    want.eq_ignore_ascii_case(resp)
}
