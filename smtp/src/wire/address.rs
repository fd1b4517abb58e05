//! Paths in MAIL FROM and RCPT TO (RFC 5321 §4.1.2, UTF-8 per RFC 6531 §3.3).
//!
//! The parser keeps what was written (local part with its quotes, domain as
//! spelled) and flags every form a relay trick hides in, so the policy layer
//! can refuse them: quoted local parts, `%` hacks, `!` paths and address
//! literals. Source routes are refused here already: a gateway that must never
//! relay has no use for them (RFC 5321 §3.6.1 lets a server ignore them; we
//! answer 553 instead, see [`ReplyCode::RecipientSourceRoute`]).
//!
//! [`ReplyCode::RecipientSourceRoute`]: crate::wire::reply::ReplyCode::RecipientSourceRoute

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::AddressError;

/// RFC 5321 §4.5.3.1.1.
pub const MAX_LOCAL_PART: usize = 64;
/// RFC 5321 §4.5.3.1.2.
pub const MAX_DOMAIN: usize = 255;
/// RFC 5321 §4.5.3.1.3, angle brackets included.
pub const MAX_PATH: usize = 256;

/// The domain of a mailbox written as `[...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressLiteral {
    /// `[192.0.2.1]`
    Ipv4(Ipv4Addr),
    /// `[IPv6:2001:db8::1]`
    Ipv6(Ipv6Addr),
    /// `[tag:content]` (General-address-literal).
    General {
        /// Standardized tag.
        tag: String,
        /// Everything after the colon.
        content: String,
    },
}

/// A mailbox as the client wrote it, with the flags policy needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAddress {
    /// Local part as written, quotes and escapes included.
    pub local_part: String,
    /// Domain as written, without brackets for a literal; empty only for the
    /// bare `<postmaster>` recipient of RFC 5321 §4.5.1.
    pub domain: String,
    /// The domain is an address literal (`[192.0.2.1]`).
    pub literal: Option<AddressLiteral>,
    /// The local part is a quoted string.
    pub quoted: bool,
    /// The local part holds `%` (the "percent hack" relay form).
    pub percent_hack: bool,
    /// The local part holds `!` (UUCP bang path).
    pub bang_path: bool,
    /// Some part is non-ASCII (needs SMTPUTF8).
    pub utf8: bool,
}

impl ParsedAddress {
    /// No relay-trick form: unquoted local part without `%` or `!`, and a
    /// domain name rather than a literal. The policy layer still checks the
    /// domain against its service domains.
    pub fn is_plain(&self) -> bool {
        !self.quoted && !self.percent_hack && !self.bang_path && self.literal.is_none()
    }

    /// The bare `<postmaster>` recipient (no domain).
    pub fn is_bare_postmaster(&self) -> bool {
        self.domain.is_empty()
    }
}

impl fmt::Display for ParsedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.literal, self.domain.is_empty()) {
            (_, true) => f.write_str(&self.local_part),
            (Some(_), false) => write!(f, "{}@[{}]", self.local_part, self.domain),
            (None, false) => write!(f, "{}@{}", self.local_part, self.domain),
        }
    }
}

/// MAIL FROM's path: a mailbox or `<>` (bounces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReversePath {
    /// `<>`
    Null,
    /// `<mailbox>`
    Mailbox(ParsedAddress),
}

impl ReversePath {
    /// The mailbox, if not null.
    pub fn mailbox(&self) -> Option<&ParsedAddress> {
        match self {
            Self::Null => None,
            Self::Mailbox(a) => Some(a),
        }
    }
}

impl fmt::Display for ReversePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("<>"),
            Self::Mailbox(a) => write!(f, "<{a}>"),
        }
    }
}

/// Parses `<path>` at the start of `s`; returns it and what follows.
pub fn parse_reverse_path(s: &str) -> Result<(ReversePath, &str), AddressError> {
    let (inner, rest) = split_path(s)?;
    if inner.is_empty() {
        return Ok((ReversePath::Null, rest));
    }
    Ok((ReversePath::Mailbox(parse_mailbox(inner, false)?), rest))
}

/// Parses `<path>` of RCPT TO at the start of `s`; `<>` is refused,
/// `<postmaster>` without domain is allowed.
pub fn parse_forward_path(s: &str) -> Result<(ParsedAddress, &str), AddressError> {
    let (inner, rest) = split_path(s)?;
    if inner.is_empty() {
        return Err(AddressError::Null);
    }
    Ok((parse_mailbox(inner, true)?, rest))
}

/// Finds the `>` that closes the path, skipping quoted strings.
fn split_path(s: &str) -> Result<(&str, &str), AddressError> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'<') {
        return Err(AddressError::Syntax);
    }
    let mut in_quote = false;
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_quote => i += 1,
            b'"' => in_quote = !in_quote,
            b'>' if !in_quote => {
                if i + 1 > MAX_PATH {
                    return Err(AddressError::TooLong);
                }
                return Ok((&s[1..i], &s[i + 1..]));
            }
            _ => {}
        }
        i += 1;
    }
    Err(if s.len() > MAX_PATH {
        AddressError::TooLong
    } else {
        AddressError::Syntax
    })
}

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii()
}

fn parse_mailbox(inner: &str, allow_postmaster: bool) -> Result<ParsedAddress, AddressError> {
    if inner.starts_with('@') {
        return Err(AddressError::SourceRoute);
    }
    let (local_part, quoted, after) = if inner.starts_with('"') {
        let end = quoted_string_end(inner)?;
        (&inner[..end], true, &inner[end..])
    } else {
        let end = inner.find('@').unwrap_or(inner.len());
        let local = &inner[..end];
        if local.is_empty()
            || !local
                .split('.')
                .all(|a| !a.is_empty() && a.chars().all(is_atext))
        {
            return Err(AddressError::Syntax);
        }
        (local, false, &inner[end..])
    };
    if local_part.len() > MAX_LOCAL_PART {
        return Err(AddressError::TooLong);
    }
    let mut addr = ParsedAddress {
        local_part: local_part.to_owned(),
        domain: String::new(),
        literal: None,
        quoted,
        percent_hack: local_part.contains('%'),
        bang_path: local_part.contains('!'),
        utf8: !inner.is_ascii(),
    };
    let Some(domain) = after.strip_prefix('@') else {
        if after.is_empty() && allow_postmaster && local_part.eq_ignore_ascii_case("postmaster") {
            return Ok(addr);
        }
        return Err(AddressError::Syntax);
    };
    if domain.len() > MAX_DOMAIN {
        return Err(AddressError::TooLong);
    }
    if let Some(literal) = domain.strip_prefix('[') {
        let literal = literal.strip_suffix(']').ok_or(AddressError::Syntax)?;
        addr.literal = Some(parse_literal(literal)?);
        addr.domain = literal.to_owned();
    } else {
        if !is_domain(domain) {
            return Err(AddressError::Syntax);
        }
        addr.domain = domain.to_owned();
    }
    Ok(addr)
}

/// Index just past the closing quote of the quoted string `s` starts with.
fn quoted_string_end(s: &str) -> Result<usize, AddressError> {
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok(i + 1),
            '\\' => match chars.next() {
                Some((_, ' '..='~')) => {}
                _ => return Err(AddressError::Syntax),
            },
            ' '..='~' => {}
            c if !c.is_ascii() => {}
            _ => return Err(AddressError::Syntax),
        }
    }
    Err(AddressError::Syntax)
}

/// `Domain = sub-domain *("." sub-domain)`, U-labels allowed (flagged utf8).
pub(crate) fn is_domain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_DOMAIN
        && s.split('.').all(|label| {
            let let_dig = |c: char| c.is_ascii_alphanumeric() || !c.is_ascii();
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| let_dig(c) || c == '-')
                && label.chars().next().is_some_and(let_dig)
                && label.chars().last().is_some_and(let_dig)
        })
}

fn parse_literal(s: &str) -> Result<AddressLiteral, AddressError> {
    if let Some(v6) = s.get(..5).filter(|p| p.eq_ignore_ascii_case("IPv6:")) {
        let addr = s[v6.len()..].parse().map_err(|_| AddressError::Syntax)?;
        return Ok(AddressLiteral::Ipv6(addr));
    }
    if let Ok(v4) = s.parse::<Ipv4Addr>() {
        return Ok(AddressLiteral::Ipv4(v4));
    }
    let (tag, content) = s.split_once(':').ok_or(AddressError::Syntax)?;
    let tag_ok = !tag.is_empty()
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !tag.ends_with('-');
    let content_ok =
        !content.is_empty() && content.bytes().all(|b| matches!(b, 33..=90 | 94..=126));
    if tag_ok && content_ok {
        Ok(AddressLiteral::General {
            tag: tag.to_owned(),
            content: content.to_owned(),
        })
    } else {
        Err(AddressError::Syntax)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fwd(s: &str) -> Result<ParsedAddress, AddressError> {
        parse_forward_path(s).map(|(a, _)| a)
    }

    #[test]
    fn plain_and_flags() {
        let a = fwd("<+4930123@fax.example.com>").unwrap();
        assert!(a.is_plain());
        assert_eq!(a.domain, "fax.example.com");
        assert!(fwd("<a%b@fax.example.com>").unwrap().percent_hack);
        assert!(fwd("<host!user@fax.example.com>").unwrap().bang_path);
        let q = fwd("<\"a@b\\\"c\"@fax.example.com>").unwrap();
        assert!(q.quoted && !q.is_plain());
        assert_eq!(q.local_part, "\"a@b\\\"c\"");
        let lit = fwd("<u@[192.0.2.1]>").unwrap();
        assert_eq!(
            lit.literal,
            Some(AddressLiteral::Ipv4(Ipv4Addr::new(192, 0, 2, 1)))
        );
        assert!(matches!(
            fwd("<u@[IPv6:2001:db8::1]>").unwrap().literal,
            Some(AddressLiteral::Ipv6(_))
        ));
        assert!(fwd("<Postmaster>").unwrap().is_bare_postmaster());
    }

    #[test]
    fn refusals() {
        assert_eq!(fwd("<@a,@b:u@c>"), Err(AddressError::SourceRoute));
        assert_eq!(fwd("<>"), Err(AddressError::Null));
        assert_eq!(fwd("u@c"), Err(AddressError::Syntax));
        assert_eq!(fwd("<u@c"), Err(AddressError::Syntax));
        assert_eq!(fwd("<a..b@c>"), Err(AddressError::Syntax));
        assert_eq!(fwd("<u@-c.com>"), Err(AddressError::Syntax));
        assert_eq!(fwd("<u@c.>"), Err(AddressError::Syntax));
        assert_eq!(fwd("<u>"), Err(AddressError::Syntax));
        let long = format!("<{}@c>", "a".repeat(65));
        assert_eq!(fwd(&long), Err(AddressError::TooLong));
        let path = format!("<a@{}>", "b.".repeat(130) + "c");
        assert_eq!(fwd(&path), Err(AddressError::TooLong));
    }

    #[test]
    fn reverse_path_and_rest() {
        let (p, rest) = parse_reverse_path("<> SIZE=1").unwrap();
        assert_eq!(p, ReversePath::Null);
        assert_eq!(rest, " SIZE=1");
        let (p, _) = parse_reverse_path("<δοκιμή@παράδειγμα.δοκιμή>").unwrap();
        assert!(p.mailbox().unwrap().utf8);
    }
}
