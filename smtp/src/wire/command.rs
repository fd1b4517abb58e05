//! Command lines (RFC 5321 §4.1.1): framing with a hard length cap, and the
//! parser from one line to a [`Command`].
//!
//! A command line ends in CRLF. A bare LF still ends the line, so the session
//! stays in sync, but the command is refused ([`SmtpError::BareLineFeed`]):
//! a server that reads lines the way the sender's relay does not is what SMTP
//! smuggling exploits. Control characters and invalid UTF-8 are refused.

use crate::error::SmtpError;
use crate::wire::address::{parse_forward_path, parse_reverse_path, ParsedAddress, ReversePath};
use crate::wire::params::{parse_mail_params, parse_rcpt_params, MailParams, RcptParams};

/// RFC 5321 §4.5.3.1.4: a command line is at most 512 octets with its CRLF.
pub const RFC_COMMAND_LINE: usize = 512;

/// The outcome of looking for one line at the front of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineSplit {
    /// `buf[..end]` is the line without its terminator; the next line starts
    /// at `next`. `bare_lf` says the terminator was LF without CR.
    Line {
        /// End of the line's content.
        end: usize,
        /// Start of what follows.
        next: usize,
        /// LF without CR.
        bare_lf: bool,
    },
    /// No line end yet and still under the cap.
    NeedMore,
    /// More than `cap` octets without a line end.
    TooLong,
}

/// Finds the first line in `buf`, looking at no more than `cap` octets
/// (terminator included).
pub fn split_line(buf: &[u8], cap: usize) -> LineSplit {
    let window = &buf[..buf.len().min(cap)];
    match window.iter().position(|&b| b == b'\n') {
        Some(lf) => {
            let crlf = lf > 0 && window[lf - 1] == b'\r';
            LineSplit::Line {
                end: if crlf { lf - 1 } else { lf },
                next: lf + 1,
                bare_lf: !crlf,
            }
        }
        None if buf.len() >= cap => LineSplit::TooLong,
        None => LineSplit::NeedMore,
    }
}

/// AUTH mechanisms this server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMechanism {
    /// RFC 4616.
    Plain,
    /// draft-murchison-sasl-login.
    Login,
}

impl AuthMechanism {
    /// The name as in EHLO.
    pub fn name(self) -> &'static str {
        match self {
            Self::Plain => "PLAIN",
            Self::Login => "LOGIN",
        }
    }
}

/// One parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `EHLO domain`
    Ehlo(String),
    /// `HELO domain`
    Helo(String),
    /// `MAIL FROM:<path> [params]`
    Mail {
        /// The reverse-path.
        from: ReversePath,
        /// ESMTP parameters.
        params: MailParams,
    },
    /// `RCPT TO:<path> [params]`
    Rcpt {
        /// The forward-path.
        to: ParsedAddress,
        /// ESMTP parameters.
        params: RcptParams,
    },
    /// `DATA`
    Data,
    /// `RSET`
    Rset,
    /// `NOOP [string]`
    Noop,
    /// `QUIT`
    Quit,
    /// `STARTTLS` (RFC 3207)
    StartTls,
    /// `AUTH mechanism [initial-response]` (RFC 4954)
    Auth {
        /// The mechanism.
        mechanism: AuthMechanism,
        /// The initial response as sent (base64, or `=` for empty).
        initial: Option<String>,
    },
    /// `HELP [string]`
    Help,
    /// `VRFY string`
    Vrfy,
    /// `EXPN string`
    Expn,
}

impl Command {
    /// Parses one command line, without its CRLF.
    pub fn parse(line: &[u8]) -> Result<Self, SmtpError> {
        if line.iter().any(|&b| b < 0x20 || b == 0x7f) {
            return Err(SmtpError::InvalidCharacter);
        }
        let line = std::str::from_utf8(line).map_err(|_| SmtpError::InvalidCharacter)?;
        let line = line.trim_end_matches(' ');
        let (verb, args) = line.split_once(' ').unwrap_or((line, ""));
        let verb = verb.to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => Ok(Self::Ehlo(parse_helo_name(args)?)),
            "HELO" => Ok(Self::Helo(parse_helo_name(args)?)),
            "MAIL" => {
                let path =
                    strip_prefix_ci(args, "FROM:").ok_or(SmtpError::Arguments("expected FROM:"))?;
                let (from, rest) =
                    parse_reverse_path(path.trim_start_matches(' ')).map_err(SmtpError::Sender)?;
                Ok(Self::Mail {
                    from,
                    params: parse_mail_params(rest)?,
                })
            }
            "RCPT" => {
                let path =
                    strip_prefix_ci(args, "TO:").ok_or(SmtpError::Arguments("expected TO:"))?;
                let (to, rest) = parse_forward_path(path.trim_start_matches(' '))
                    .map_err(SmtpError::Recipient)?;
                Ok(Self::Rcpt {
                    to,
                    params: parse_rcpt_params(rest)?,
                })
            }
            "DATA" => no_args(args, Self::Data),
            "RSET" => no_args(args, Self::Rset),
            "QUIT" => no_args(args, Self::Quit),
            "STARTTLS" => no_args(args, Self::StartTls),
            "NOOP" => Ok(Self::Noop),
            "HELP" => Ok(Self::Help),
            "VRFY" if args.is_empty() => Err(SmtpError::Arguments("VRFY needs an argument")),
            "VRFY" => Ok(Self::Vrfy),
            "EXPN" => Ok(Self::Expn),
            "AUTH" => parse_auth(args),
            "BDAT" => Err(SmtpError::NotImplemented),
            _ => Err(SmtpError::UnknownCommand),
        }
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn no_args(args: &str, cmd: Command) -> Result<Command, SmtpError> {
    if args.is_empty() {
        Ok(cmd)
    } else {
        Err(SmtpError::Arguments("this command takes no arguments"))
    }
}

/// EHLO/HELO take one word, a domain or an address literal. It is kept as
/// sent (for the Received header); clients send all sorts of names, so only
/// its shape is checked.
fn parse_helo_name(args: &str) -> Result<String, SmtpError> {
    let ok = !args.is_empty()
        && args.len() <= crate::wire::address::MAX_DOMAIN
        && args.chars().all(|c| c.is_ascii_graphic() || !c.is_ascii());
    if ok {
        Ok(args.to_owned())
    } else {
        Err(SmtpError::Arguments(
            "EHLO/HELO needs one domain or address literal",
        ))
    }
}

fn parse_auth(args: &str) -> Result<Command, SmtpError> {
    let mut words = args.split(' ').filter(|w| !w.is_empty());
    let mech = words
        .next()
        .ok_or(SmtpError::Arguments("AUTH needs a mechanism"))?;
    let initial = words.next().map(str::to_owned);
    if words.next().is_some() {
        return Err(SmtpError::Arguments("too many AUTH arguments"));
    }
    let mechanism = if mech.eq_ignore_ascii_case("PLAIN") {
        AuthMechanism::Plain
    } else if mech.eq_ignore_ascii_case("LOGIN") {
        AuthMechanism::Login
    } else {
        return Err(SmtpError::UnknownMechanism);
    };
    Ok(Command::Auth { mechanism, initial })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing() {
        assert_eq!(
            split_line(b"NOOP\r\nQUIT", 512),
            LineSplit::Line {
                end: 4,
                next: 6,
                bare_lf: false
            }
        );
        assert_eq!(
            split_line(b"NOOP\nQUIT", 512),
            LineSplit::Line {
                end: 4,
                next: 5,
                bare_lf: true
            }
        );
        assert_eq!(split_line(b"NOOP\r", 512), LineSplit::NeedMore);
        assert_eq!(split_line(b"NOOP\r", 5), LineSplit::TooLong);
        assert!(matches!(split_line(b"NOO\r\n", 5), LineSplit::Line { .. }));
    }

    #[test]
    fn commands() {
        assert_eq!(
            Command::parse(b"ehlo client.example").unwrap(),
            Command::Ehlo("client.example".into())
        );
        assert_eq!(Command::parse(b"QUIT").unwrap(), Command::Quit);
        assert_eq!(Command::parse(b"NOOP hello").unwrap(), Command::Noop);
        assert!(matches!(
            Command::parse(b"mail from: <a@b> SIZE=10").unwrap(),
            Command::Mail { .. }
        ));
        assert!(matches!(
            Command::parse(b"AUTH plain AGEAYg==").unwrap(),
            Command::Auth {
                mechanism: AuthMechanism::Plain,
                initial: Some(_)
            }
        ));
    }

    #[test]
    fn errors() {
        assert_eq!(Command::parse(b"FOO"), Err(SmtpError::UnknownCommand));
        assert_eq!(Command::parse(b""), Err(SmtpError::UnknownCommand));
        assert_eq!(
            Command::parse(b"DATA x"),
            Err(SmtpError::Arguments("this command takes no arguments"))
        );
        assert_eq!(
            Command::parse(b"NOOP\rRSET"),
            Err(SmtpError::InvalidCharacter)
        );
        assert_eq!(
            Command::parse(b"NOOP \xff"),
            Err(SmtpError::InvalidCharacter)
        );
        assert_eq!(
            Command::parse(b"AUTH CRAM-MD5"),
            Err(SmtpError::UnknownMechanism)
        );
        assert_eq!(
            Command::parse(b"BDAT 10 LAST"),
            Err(SmtpError::NotImplemented)
        );
        assert!(matches!(
            Command::parse(b"MAIL TO:<a@b>"),
            Err(SmtpError::Arguments(_))
        ));
        assert!(matches!(
            Command::parse(b"EHLO"),
            Err(SmtpError::Arguments(_))
        ));
        assert!(matches!(
            Command::parse(b"EHLO a b"),
            Err(SmtpError::Arguments(_))
        ));
    }
}
