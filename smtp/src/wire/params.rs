//! ESMTP parameters of MAIL FROM and RCPT TO (RFC 5321 §4.1.2 esmtp-param):
//! SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), RET, ENVID,
//! NOTIFY and ORCPT (RFC 3461), AUTH (RFC 4954 §5).
//!
//! Each keyword may appear once; an unknown keyword is a 555, a bad value a
//! 501. DSN is not advertised but its parameters are parsed and handed on, so
//! a relay that sends them anyway is not refused.

use crate::error::SmtpError;

/// RFC 3461 §4.4: ENVID is at most 100 characters.
pub const MAX_ENVID: usize = 100;
/// RFC 3461 §4.2: ORCPT is at most 500 characters.
pub const MAX_ORCPT: usize = 500;

/// BODY= of MAIL FROM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyType {
    /// `BODY=7BIT`
    SevenBit,
    /// `BODY=8BITMIME`
    EightBitMime,
}

/// RET= of MAIL FROM: what a DSN should return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ret {
    /// The whole message.
    Full,
    /// Headers only.
    Headers,
}

/// Parameters of MAIL FROM.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailParams {
    /// Declared message size (RFC 1870).
    pub size: Option<u64>,
    /// Declared body type.
    pub body: Option<BodyType>,
    /// The client uses SMTPUTF8 for this transaction.
    pub smtputf8: bool,
    /// DSN return type.
    pub ret: Option<Ret>,
    /// DSN envelope id, xtext-decoded.
    pub envid: Option<String>,
    /// AUTH= mailbox (RFC 4954 §5), xtext-decoded; `<>` if unknown.
    pub auth: Option<String>,
}

impl MailParams {
    /// No parameter was given.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// NOTIFY= of RCPT TO; all false means `NOTIFY=NEVER`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Notify {
    /// Notify on success.
    pub success: bool,
    /// Notify on failure.
    pub failure: bool,
    /// Notify on delay.
    pub delay: bool,
}

/// ORCPT= of RCPT TO: the original recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orcpt {
    /// Address type, e.g. `rfc822` or `utf-8`.
    pub addr_type: String,
    /// The address, xtext-decoded.
    pub addr: String,
}

/// Parameters of RCPT TO.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RcptParams {
    /// DSN notify conditions.
    pub notify: Option<Notify>,
    /// Original recipient.
    pub orcpt: Option<Orcpt>,
}

impl RcptParams {
    /// No parameter was given.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Splits `rest` (what follows the path) into `(KEYWORD, value)` pairs.
fn split_params(rest: &str) -> Result<Vec<(String, Option<&str>)>, SmtpError> {
    if !rest.is_empty() && !rest.starts_with(' ') {
        return Err(SmtpError::Arguments("expected a space after the path"));
    }
    let mut out: Vec<(String, Option<&str>)> = Vec::new();
    for param in rest.split(' ').filter(|p| !p.is_empty()) {
        let (key, value) = match param.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (param, None),
        };
        let key_ok = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !key_ok {
            return Err(SmtpError::Arguments("bad parameter keyword"));
        }
        if let Some(v) = value {
            // esmtp-value = 1*(%d33-60 / %d62-126), UTF-8 allowed (RFC 6531).
            let value_ok = !v.is_empty()
                && v.chars()
                    .all(|c| c != '=' && (c.is_ascii_graphic() || !c.is_ascii()));
            if !value_ok {
                return Err(SmtpError::Arguments("bad parameter value"));
            }
        }
        let key = key.to_ascii_uppercase();
        if out.iter().any(|(k, _)| *k == key) {
            return Err(SmtpError::Arguments("duplicate parameter"));
        }
        out.push((key, value));
    }
    Ok(out)
}

fn need(value: Option<&str>) -> Result<&str, SmtpError> {
    value.ok_or(SmtpError::Arguments("parameter needs a value"))
}

/// Parses the parameters after MAIL FROM's path.
pub fn parse_mail_params(rest: &str) -> Result<MailParams, SmtpError> {
    let mut p = MailParams::default();
    for (key, value) in split_params(rest)? {
        match key.as_str() {
            "SIZE" => {
                let v = need(value)?;
                if v.len() > 20 || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(SmtpError::Arguments("bad SIZE"));
                }
                // Twenty digits may overflow u64: that is "too big" all the same.
                p.size = Some(v.parse().unwrap_or(u64::MAX));
            }
            "BODY" => {
                let v = need(value)?;
                p.body = Some(if v.eq_ignore_ascii_case("7BIT") {
                    BodyType::SevenBit
                } else if v.eq_ignore_ascii_case("8BITMIME") {
                    BodyType::EightBitMime
                } else {
                    return Err(SmtpError::UnknownParameter(format!("BODY={v}")));
                });
            }
            "SMTPUTF8" => {
                if value.is_some() {
                    return Err(SmtpError::Arguments("SMTPUTF8 takes no value"));
                }
                p.smtputf8 = true;
            }
            "RET" => {
                let v = need(value)?;
                p.ret = Some(if v.eq_ignore_ascii_case("FULL") {
                    Ret::Full
                } else if v.eq_ignore_ascii_case("HDRS") {
                    Ret::Headers
                } else {
                    return Err(SmtpError::Arguments("bad RET"));
                });
            }
            "ENVID" => {
                let v = decode_xtext(need(value)?)?;
                if v.chars().count() > MAX_ENVID {
                    return Err(SmtpError::Arguments("ENVID too long"));
                }
                p.envid = Some(v);
            }
            "AUTH" => p.auth = Some(decode_xtext(need(value)?)?),
            _ => return Err(SmtpError::UnknownParameter(key)),
        }
    }
    Ok(p)
}

/// Parses the parameters after RCPT TO's path.
pub fn parse_rcpt_params(rest: &str) -> Result<RcptParams, SmtpError> {
    let mut p = RcptParams::default();
    for (key, value) in split_params(rest)? {
        match key.as_str() {
            "NOTIFY" => {
                let v = need(value)?;
                let mut n = Notify::default();
                if !v.eq_ignore_ascii_case("NEVER") {
                    for item in v.split(',') {
                        let flag = if item.eq_ignore_ascii_case("SUCCESS") {
                            &mut n.success
                        } else if item.eq_ignore_ascii_case("FAILURE") {
                            &mut n.failure
                        } else if item.eq_ignore_ascii_case("DELAY") {
                            &mut n.delay
                        } else {
                            return Err(SmtpError::Arguments("bad NOTIFY"));
                        };
                        if *flag {
                            return Err(SmtpError::Arguments("bad NOTIFY"));
                        }
                        *flag = true;
                    }
                }
                p.notify = Some(n);
            }
            "ORCPT" => {
                let v = need(value)?;
                if v.chars().count() > MAX_ORCPT {
                    return Err(SmtpError::Arguments("ORCPT too long"));
                }
                let (addr_type, addr) = v
                    .split_once(';')
                    .filter(|(t, a)| !t.is_empty() && !a.is_empty())
                    .ok_or(SmtpError::Arguments("bad ORCPT"))?;
                p.orcpt = Some(Orcpt {
                    addr_type: addr_type.to_owned(),
                    addr: decode_xtext(addr)?,
                });
            }
            _ => return Err(SmtpError::UnknownParameter(key)),
        }
    }
    Ok(p)
}

/// RFC 3461 §4: `+XX` hex escapes; non-ASCII passes (RFC 6533 utf-8-xtext).
pub fn decode_xtext(s: &str) -> Result<String, SmtpError> {
    let bad = SmtpError::Arguments("bad xtext");
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'+' {
            let hex = |d: Option<u8>| match d {
                Some(d @ b'0'..=b'9') => Some(d - b'0'),
                Some(d @ b'A'..=b'F') => Some(d - b'A' + 10),
                _ => None,
            };
            match (hex(bytes.next()), hex(bytes.next())) {
                (Some(h), Some(l)) => out.push(h << 4 | l),
                _ => return Err(bad),
            }
        } else {
            out.push(b);
        }
    }
    let decoded = String::from_utf8(out).map_err(|_| bad.clone())?;
    if decoded.chars().any(|c| c.is_control()) {
        return Err(bad);
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_params() {
        let p =
            parse_mail_params(" SIZE=1000 body=8bitmime SMTPUTF8 RET=HDRS ENVID=a+2Bb").unwrap();
        assert_eq!(p.size, Some(1000));
        assert_eq!(p.body, Some(BodyType::EightBitMime));
        assert!(p.smtputf8);
        assert_eq!(p.ret, Some(Ret::Headers));
        assert_eq!(p.envid.as_deref(), Some("a+b"));
        assert!(parse_mail_params("").unwrap().is_empty());
        assert_eq!(
            parse_mail_params(" SIZE=99999999999999999999")
                .unwrap()
                .size,
            Some(u64::MAX)
        );
    }

    #[test]
    fn mail_param_errors() {
        assert!(matches!(
            parse_mail_params(" FOO=1"),
            Err(SmtpError::UnknownParameter(_))
        ));
        assert!(matches!(
            parse_mail_params(" BODY=BINARYMIME"),
            Err(SmtpError::UnknownParameter(_))
        ));
        assert!(matches!(
            parse_mail_params(" SIZE=1 SIZE=2"),
            Err(SmtpError::Arguments(_))
        ));
        assert!(matches!(
            parse_mail_params(" SIZE=x"),
            Err(SmtpError::Arguments(_))
        ));
        assert!(matches!(
            parse_mail_params(" SIZE"),
            Err(SmtpError::Arguments(_))
        ));
        assert!(matches!(
            parse_mail_params("SIZE=1"),
            Err(SmtpError::Arguments(_))
        ));
        assert!(matches!(
            parse_mail_params(" ENVID=+0"),
            Err(SmtpError::Arguments(_))
        ));
        assert!(matches!(
            parse_mail_params(" ENVID=+0A"),
            Err(SmtpError::Arguments(_))
        ));
    }

    #[test]
    fn rcpt_params() {
        let p = parse_rcpt_params(" NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+40b").unwrap();
        assert_eq!(
            p.notify,
            Some(Notify {
                success: true,
                failure: true,
                delay: false
            })
        );
        assert_eq!(p.orcpt.unwrap().addr, "a@b");
        assert_eq!(
            parse_rcpt_params(" NOTIFY=NEVER").unwrap().notify,
            Some(Notify::default())
        );
        assert!(parse_rcpt_params(" NOTIFY=NEVER,SUCCESS").is_err());
        assert!(parse_rcpt_params(" NOTIFY=DELAY,DELAY").is_err());
        assert!(parse_rcpt_params(" ORCPT=rfc822").is_err());
    }
}
