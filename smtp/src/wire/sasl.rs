//! SASL for AUTH (RFC 4954): base64 responses, PLAIN (RFC 4616) and LOGIN
//! (draft-murchison-sasl-login). Every field is capped and must be UTF-8
//! without NUL or control characters.

use base64::Engine as _;

use crate::error::SmtpError;

/// `334 ` challenge of LOGIN asking for the user name ("Username:").
pub const LOGIN_USERNAME_PROMPT: &str = "VXNlcm5hbWU6";
/// `334 ` challenge of LOGIN asking for the password ("Password:").
pub const LOGIN_PASSWORD_PROMPT: &str = "UGFzc3dvcmQ6";
/// RFC 4616 §2: each of authzid, authcid and passwd is at most 255 octets.
pub const MAX_SASL_FIELD: usize = 255;

/// A client's answer to a challenge or its initial response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaslResponse {
    /// `*`: the client gives up (RFC 4954 §4).
    Cancel,
    /// Decoded octets.
    Data(Vec<u8>),
}

/// Decodes one response line. `=` (the empty initial response of RFC 4954 §4)
/// and an empty line both decode to nothing.
pub fn decode_response(line: &[u8]) -> Result<SaslResponse, SmtpError> {
    match line {
        b"*" => Ok(SaslResponse::Cancel),
        b"=" | b"" => Ok(SaslResponse::Data(Vec::new())),
        _ => base64::engine::general_purpose::STANDARD
            .decode(line)
            .map(SaslResponse::Data)
            .map_err(|_| SmtpError::Base64),
    }
}

/// The three fields of a PLAIN message.
#[derive(Clone, PartialEq, Eq)]
pub struct PlainCredentials {
    /// Authorization identity; empty means "the same as authcid".
    pub authzid: String,
    /// Authentication identity (the user name).
    pub authcid: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for PlainCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlainCredentials")
            .field("authzid", &self.authzid)
            .field("authcid", &self.authcid)
            .finish_non_exhaustive()
    }
}

/// `message = [authzid] NUL authcid NUL passwd` (RFC 4616 §2).
pub fn parse_plain(message: &[u8]) -> Result<PlainCredentials, SmtpError> {
    let mut fields = message.split(|&b| b == 0);
    let (Some(authzid), Some(authcid), Some(password), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(SmtpError::Sasl("PLAIN needs exactly three fields"));
    };
    let creds = PlainCredentials {
        authzid: field(authzid, true)?,
        authcid: field(authcid, false)?,
        password: field(password, false)?,
    };
    Ok(creds)
}

/// One LOGIN answer (user name or password).
pub fn parse_login_field(bytes: &[u8]) -> Result<String, SmtpError> {
    field(bytes, false)
}

fn field(bytes: &[u8], may_be_empty: bool) -> Result<String, SmtpError> {
    if bytes.is_empty() && !may_be_empty {
        return Err(SmtpError::Sasl("empty field"));
    }
    if bytes.len() > MAX_SASL_FIELD {
        return Err(SmtpError::Sasl("field too long"));
    }
    let s = std::str::from_utf8(bytes).map_err(|_| SmtpError::Sasl("not UTF-8"))?;
    if s.chars().any(char::is_control) {
        return Err(SmtpError::Sasl("control character"));
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain() {
        let SaslResponse::Data(m) = decode_response(b"AHVzZXIAcGFzcw==").unwrap() else {
            panic!("not data")
        };
        let c = parse_plain(&m).unwrap();
        assert_eq!(
            (c.authzid.as_str(), c.authcid.as_str(), c.password.as_str()),
            ("", "user", "pass")
        );
        assert!(!format!("{c:?}").contains("pass\""));
        assert!(parse_plain(b"\0user").is_err());
        assert!(parse_plain(b"\0\0pass").is_err());
        assert!(parse_plain(b"a\0b\0c\0d").is_err());
        assert!(parse_plain(&[b"\0u\0".as_slice(), &[b'p'; 256]].concat()).is_err());
    }

    #[test]
    fn responses() {
        assert_eq!(decode_response(b"*").unwrap(), SaslResponse::Cancel);
        assert_eq!(decode_response(b"=").unwrap(), SaslResponse::Data(vec![]));
        assert_eq!(decode_response(b"!!!"), Err(SmtpError::Base64));
    }
}
