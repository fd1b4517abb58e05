//! Server replies: RFC 5321 §4.2 reply codes with RFC 3463 enhanced status
//! codes (registry: RFC 5248), and their encoding on the wire.
//!
//! Every reply the engine sends lives once in [`ReplyCode`]: code, enhanced
//! code and the text the client (and through its bounce, the user) reads.
//! Replies with a variable part (greeting, EHLO, queue id, SASL challenge)
//! start from a table entry and swap the text.

use std::fmt;

use crate::error::SmtpError;

/// An RFC 3463 enhanced status code, `class.subject.detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnhancedCode {
    /// 2 (success), 4 (persistent transient failure) or 5 (permanent failure).
    pub class: u8,
    /// Subject sub-code (0 other, 1 addressing, 3 mail system, 5 protocol,
    /// 6 content, 7 security, ...).
    pub subject: u16,
    /// Detail sub-code.
    pub detail: u16,
}

impl EnhancedCode {
    /// Builds a code; [`Reply::new`] checks it against the reply code.
    pub const fn new(class: u8, subject: u16, detail: u16) -> Self {
        Self {
            class,
            subject,
            detail,
        }
    }
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

impl std::str::FromStr for EnhancedCode {
    type Err = SmtpError;

    /// Parses `class.subject.detail`, e.g. `5.1.1` (RFC 3463 §2: 1-3 digits
    /// per sub-code).
    fn from_str(s: &str) -> Result<Self, SmtpError> {
        let bad = SmtpError::InvalidReply("not an enhanced status code");
        let mut parts = s.split('.');
        let mut num = |max_len: usize| -> Result<u16, SmtpError> {
            let p = parts.next().ok_or(bad.clone())?;
            if p.is_empty() || p.len() > max_len || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad.clone());
            }
            p.parse().map_err(|_| bad.clone())
        };
        let class = num(1)?;
        let (subject, detail) = (num(3)?, num(3)?);
        if parts.next().is_some() || !matches!(class, 2 | 4 | 5) {
            return Err(bad);
        }
        Ok(Self::new(class as u8, subject, detail))
    }
}

const fn e(class: u8, subject: u16, detail: u16) -> Option<EnhancedCode> {
    Some(EnhancedCode::new(class, subject, detail))
}

macro_rules! reply_table {
    ($( $(#[$doc:meta])* $name:ident => $code:literal, $enhanced:expr, $text:literal; )*) => {
        /// Every reply the engine can send, once each.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ReplyCode {
            $( $(#[$doc])* $name, )*
        }

        impl ReplyCode {
            /// The whole table, in declaration order.
            pub const ALL: &'static [ReplyCode] = &[ $( ReplyCode::$name, )* ];

            /// The three-digit RFC 5321 reply code.
            pub const fn code(self) -> u16 {
                match self { $( ReplyCode::$name => $code, )* }
            }

            /// The RFC 3463 enhanced status code, if the reply carries one
            /// (RFC 2034: not on the greeting, EHLO/HELO or 3xx replies).
            pub const fn enhanced(self) -> Option<EnhancedCode> {
                match self { $( ReplyCode::$name => $enhanced, )* }
            }

            /// The human text.
            pub const fn text(self) -> &'static str {
                match self { $( ReplyCode::$name => $text, )* }
            }
        }
    };
}

reply_table! {
    /// Greeting; the engine puts the configured host name in front.
    Greeting => 220, None, "ESMTP ready";
    /// STARTTLS accepted (RFC 3207).
    TlsReady => 220, e(2, 0, 0), "Ready to start TLS";
    /// QUIT.
    Closing => 221, e(2, 0, 0), "Bye";
    /// HELP.
    Help => 214, e(2, 0, 0),
        "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT STARTTLS AUTH HELP VRFY";
    /// AUTH succeeded (RFC 4954).
    AuthSucceeded => 235, e(2, 7, 0), "Authentication successful";
    /// NOOP and RSET.
    Ok => 250, e(2, 0, 0), "OK";
    /// EHLO/HELO; the engine puts the host name here and adds the keywords.
    Hello => 250, None, "Hello";
    /// MAIL accepted.
    SenderOk => 250, e(2, 1, 0), "Sender OK";
    /// RCPT accepted.
    RecipientOk => 250, e(2, 1, 5), "Recipient OK";
    /// End of DATA after the message is stored; the engine appends the id.
    Queued => 250, e(2, 0, 0), "OK: queued as";
    /// VRFY is answered without looking anything up (RFC 5321 §3.5.3).
    CannotVrfy => 252, e(2, 5, 0),
        "Cannot VRFY user, but will accept message and attempt delivery";
    /// SASL challenge; the text is the base64 challenge (RFC 4954).
    AuthChallenge => 334, None, "";
    /// DATA accepted.
    StartMailInput => 354, None, "End data with <CR><LF>.<CR><LF>";
    /// Command or data timeout, then close.
    Timeout => 421, e(4, 4, 2), "Timeout exceeded, closing connection";
    /// Too many errors in this session, then close.
    TooManyErrors => 421, e(4, 7, 0), "Too many errors, closing connection";
    /// Connection refused at greeting time (e.g. per-client connection limit).
    ServiceNotAvailable => 421, e(4, 3, 2), "Service not available, closing transmission channel";
    /// Default transient refusal (also replaces a misused driver verdict).
    LocalError => 451, e(4, 3, 0), "Local error in processing, please try again later";
    /// Recipient limit of one transaction reached (RFC 5321 §4.5.3.1.8).
    TooManyRecipients => 452, e(4, 5, 3), "Too many recipients";
    /// Command line over the cap (RFC 5321 §4.5.3.1.4, code of RFC 4954).
    LineTooLong => 500, e(5, 5, 6), "Line too long";
    /// Unknown command verb.
    CommandUnrecognized => 500, e(5, 5, 2), "Command not recognized";
    /// A command line ended in LF without CR.
    BareLfInCommand => 500, e(5, 5, 2), "Bare LF in command line, use CRLF";
    /// Control character, bare CR or non-UTF-8 octet in a command line.
    InvalidCharacter => 500, e(5, 5, 2), "Invalid character in command line";
    /// Arguments of a command are malformed.
    ArgumentSyntax => 501, e(5, 5, 4), "Syntax error in parameters or arguments";
    /// MAIL FROM path is malformed.
    SenderSyntax => 501, e(5, 1, 7), "Bad sender address syntax";
    /// RCPT TO path is malformed.
    RecipientSyntax => 501, e(5, 1, 3), "Bad recipient address syntax";
    /// MAIL FROM path over the RFC 5321 §4.5.3.1 size limits.
    SenderTooLong => 501, e(5, 1, 7), "Sender address too long";
    /// RCPT TO path over the RFC 5321 §4.5.3.1 size limits.
    RecipientTooLong => 501, e(5, 1, 3), "Recipient address too long";
    /// A SASL response is not base64.
    Base64Invalid => 501, e(5, 5, 2), "Cannot decode base64 response";
    /// The client answered a SASL challenge with `*` (RFC 4954 §4).
    AuthCancelled => 501, e(5, 7, 0), "Authentication cancelled";
    /// A known command this server does not offer (BDAT: no CHUNKING).
    CommandNotImplemented => 502, e(5, 5, 1), "Command not implemented";
    /// EXPN is never answered.
    ExpnDisabled => 502, e(5, 5, 1), "EXPN not available";
    /// STARTTLS without a certificate configured.
    StartTlsUnavailable => 502, e(5, 5, 1), "STARTTLS not available";
    /// MAIL or similar before EHLO/HELO.
    NeedHelo => 503, e(5, 5, 1), "Send EHLO or HELO first";
    /// AUTH after HELO (AUTH is an ESMTP extension).
    NeedEhlo => 503, e(5, 5, 1), "Send EHLO first";
    /// Second MAIL inside a transaction.
    NestedMail => 503, e(5, 5, 1), "Sender already specified";
    /// RCPT or DATA without MAIL.
    NeedMail => 503, e(5, 5, 1), "Need MAIL command first";
    /// AUTH twice (RFC 4954 §4).
    AlreadyAuthenticated => 503, e(5, 5, 1), "Already authenticated";
    /// AUTH inside a mail transaction (RFC 4954 §4).
    AuthInTransaction => 503, e(5, 5, 1), "AUTH not permitted during a mail transaction";
    /// STARTTLS on a TLS connection.
    TlsActive => 503, e(5, 5, 1), "TLS already active";
    /// AUTH with a mechanism other than PLAIN or LOGIN.
    MechanismUnknown => 504, e(5, 5, 4), "Unrecognized authentication mechanism";
    /// Relay or submission refused until the client authenticates (RFC 4954 §6).
    AuthRequired => 530, e(5, 7, 0), "Authentication required";
    /// AUTH failed (RFC 4954 §6).
    AuthFailed => 535, e(5, 7, 8), "Authentication credentials invalid";
    /// AUTH before STARTTLS (RFC 4954 §6).
    EncryptionRequired => 538, e(5, 7, 11),
        "Encryption required for requested authentication mechanism";
    /// No such recipient.
    MailboxUnavailable => 550, e(5, 1, 1), "Mailbox unavailable";
    /// Default permanent refusal by policy.
    Rejected => 550, e(5, 7, 1), "Rejected";
    /// SMTP smuggling defence: bare CR or LF inside DATA.
    BareLineEnding => 550, e(5, 6, 0),
        "Message refused: bare CR or LF in message data (SMTP smuggling defence)";
    /// SIZE parameter or received message over the limit (RFC 1870).
    SizeExceeded => 552, e(5, 3, 4), "Message size exceeds fixed maximum message size";
    /// Source route in MAIL FROM.
    SenderSourceRoute => 553, e(5, 1, 7), "Source routes are not accepted";
    /// Source route in RCPT TO: this gateway never relays.
    RecipientSourceRoute => 553, e(5, 1, 3), "Source routes are not accepted";
    /// Non-ASCII address without SMTPUTF8 (RFC 6531 §3.5).
    NonAsciiAddress => 553, e(5, 6, 7), "Non-ASCII address requires SMTPUTF8";
    /// DATA with no accepted recipient.
    NoValidRecipients => 554, e(5, 5, 1), "No valid recipients";
    /// Default refusal of a message after DATA.
    TransactionFailed => 554, e(5, 0, 0), "Transaction failed";
    /// Unknown or unoffered MAIL/RCPT parameter (RFC 5321 §4.1.1.11).
    ParameterUnrecognized => 555, e(5, 5, 4),
        "MAIL FROM/RCPT TO parameters not recognized or not implemented";
}

/// Which of the four kinds of reply (RFC 5321 §4.2.1, first digit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyClass {
    /// 2xx.
    Positive,
    /// 3xx: the client goes on (354, 334).
    Intermediate,
    /// 4xx: try again later.
    Transient,
    /// 5xx: do not repeat as is.
    Permanent,
}

/// Longest reply text line we emit, so that code, enhanced code and CRLF fit
/// in the 512 octets of RFC 5321 §4.5.3.1.5.
pub const MAX_TEXT_LEN: usize = 480;

/// One reply, possibly multi-line (EHLO).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    code: u16,
    enhanced: Option<EnhancedCode>,
    lines: Vec<String>,
}

impl Reply {
    /// A reply built by the policy layer, checked: a code of 200..=599, an
    /// enhanced code of the same class, and a text made printable ASCII and
    /// capped, so the driver cannot put a CRLF into the reply stream.
    pub fn new(code: u16, enhanced: Option<EnhancedCode>, text: &str) -> Result<Self, SmtpError> {
        if !(200..=599).contains(&code) {
            return Err(SmtpError::InvalidReply("code outside 200..=599"));
        }
        if let Some(e) = enhanced {
            let class_ok = matches!(e.class, 2 | 4 | 5) && u16::from(e.class) == code / 100;
            if !class_ok || e.subject > 999 || e.detail > 999 {
                return Err(SmtpError::InvalidReply("enhanced code does not match"));
            }
        }
        Ok(Self {
            code,
            enhanced,
            lines: vec![sanitize(text)],
        })
    }

    /// A table entry with its own text replaced.
    pub fn with_text(entry: ReplyCode, text: &str) -> Self {
        Self {
            code: entry.code(),
            enhanced: entry.enhanced(),
            lines: vec![sanitize(text)],
        }
    }

    /// A multi-line reply from a table entry's code (EHLO).
    pub(crate) fn multiline(entry: ReplyCode, lines: Vec<String>) -> Self {
        let mut lines: Vec<String> = lines.iter().map(|l| sanitize(l)).collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        Self {
            code: entry.code(),
            enhanced: entry.enhanced(),
            lines,
        }
    }

    /// The three-digit code.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The enhanced status code, if any.
    pub fn enhanced(&self) -> Option<EnhancedCode> {
        self.enhanced
    }

    /// The text lines (one for most replies).
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// What the first digit says.
    pub fn class(&self) -> ReplyClass {
        match self.code / 100 {
            2 => ReplyClass::Positive,
            3 => ReplyClass::Intermediate,
            4 => ReplyClass::Transient,
            _ => ReplyClass::Permanent,
        }
    }

    /// Appends the wire form, `code[-| ][enhanced ]text CRLF` per line.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let last = self.lines.len().saturating_sub(1);
        for (i, line) in self.lines.iter().enumerate() {
            let sep = if i == last { ' ' } else { '-' };
            let mut head = format!("{}{}", self.code, sep);
            if let Some(e) = self.enhanced {
                head.push_str(&e.to_string());
                if !line.is_empty() {
                    head.push(' ');
                }
            }
            out.extend_from_slice(head.as_bytes());
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }

    /// The wire form as a new buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        self.write_to(&mut out);
        out
    }
}

impl From<ReplyCode> for Reply {
    fn from(entry: ReplyCode) -> Self {
        Self {
            code: entry.code(),
            enhanced: entry.enhanced(),
            lines: vec![entry.text().to_owned()],
        }
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_bytes()))
    }
}

/// Printable ASCII only, capped at [`MAX_TEXT_LEN`].
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .take(MAX_TEXT_LEN)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for &entry in ReplyCode::ALL {
            let code = entry.code();
            assert!((200..=599).contains(&code), "{entry:?}");
            if let Some(e) = entry.enhanced() {
                assert_eq!(u16::from(e.class), code / 100, "{entry:?}");
            }
            assert!(entry.text().len() <= MAX_TEXT_LEN);
            assert!(entry
                .text()
                .bytes()
                .all(|b| b == b' ' || b.is_ascii_graphic()));
        }
    }

    #[test]
    fn wire_forms() {
        assert_eq!(
            Reply::from(ReplyCode::RecipientOk).to_bytes(),
            b"250 2.1.5 Recipient OK\r\n"
        );
        assert_eq!(
            Reply::with_text(ReplyCode::AuthChallenge, "").to_bytes(),
            b"334 \r\n"
        );
        let ehlo = Reply::multiline(ReplyCode::Hello, vec!["h".into(), "SIZE 1".into()]);
        assert_eq!(ehlo.to_bytes(), b"250-h\r\n250 SIZE 1\r\n");
    }

    #[test]
    fn enhanced_codes_parse() {
        assert_eq!("5.1.1".parse(), Ok(EnhancedCode::new(5, 1, 1)));
        assert_eq!("4.7.11".parse(), Ok(EnhancedCode::new(4, 7, 11)));
        for bad in ["", "5.1", "5.1.1.1", "3.0.0", "5.1000.1", "5.a.1", "55.1.1"] {
            assert!(bad.parse::<EnhancedCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn policy_text_cannot_inject_lines() {
        let r = Reply::new(550, Some(EnhancedCode::new(5, 1, 1)), "no\r\n250 ok").unwrap();
        assert_eq!(r.to_bytes(), b"550 5.1.1 no??250 ok\r\n");
        assert!(Reply::new(250, Some(EnhancedCode::new(5, 1, 1)), "x").is_err());
        assert!(Reply::new(600, None, "x").is_err());
    }
}
