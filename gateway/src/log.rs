//! Log lines on stderr in the form journald keeps: the sd-daemon(3)
//! priority prefix `<N>` (journald turns it into PRIORITY=), then
//! `level=… msgid=… call=…` and the message, one line per entry.
//!
//! ```text
//! <6>level=info msgid=started serving SMTP on 127.0.0.1:2525
//! <3>level=err msgid=reload-failed /etc/ums/ums.toml:12:1: user[0].email: ...
//! <5>level=notice msgid=call-ended call=17 sent, 3 pages
//! ```
//!
//! `msgid` names the kind of event (stable, for filtering with
//! `journalctl | grep msgid=`), `call` the message id of the call, when
//! there is one.

use std::fmt;
use std::io::Write;

/// syslog(3) severities used by the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Err,
    Warning,
    Notice,
    Info,
    Debug,
}

impl Level {
    /// The sd-daemon prefix number.
    pub fn priority(self) -> u8 {
        match self {
            Level::Err => 3,
            Level::Warning => 4,
            Level::Notice => 5,
            Level::Info => 6,
            Level::Debug => 7,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Err => "err",
            Level::Warning => "warning",
            Level::Notice => "notice",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }
}

/// One entry as a line (without the newline). Line breaks in the message
/// become spaces: one journal entry per event.
pub fn format(level: Level, msgid: &str, call: Option<&str>, message: fmt::Arguments) -> String {
    let mut line = format!("<{}>level={} msgid={msgid}", level.priority(), level.name());
    if let Some(call) = call {
        line.push_str(" call=");
        line.push_str(call);
    }
    line.push(' ');
    let text = message.to_string();
    line.extend(
        text.chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
    );
    line
}

/// Write one entry to stderr, in one write (entries from threads do not mix).
pub fn write(level: Level, msgid: &str, call: Option<&str>, message: fmt::Arguments) {
    let mut line = format(level, msgid, call, message);
    line.push('\n');
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// `ulog!(Info, "started", "serving on {}", addr)`;
/// `ulog!(Notice, "call-ended", call = id, "sent")`.
#[macro_export]
macro_rules! ulog {
    ($level:ident, $msgid:expr, call = $call:expr, $($arg:tt)+) => {
        $crate::log::write(
            $crate::log::Level::$level,
            $msgid,
            Some(&$call.to_string()),
            format_args!($($arg)+),
        )
    };
    ($level:ident, $msgid:expr, $($arg:tt)+) => {
        $crate::log::write($crate::log::Level::$level, $msgid, None, format_args!($($arg)+))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_has_the_priority_prefix_and_the_fields() {
        let l = format(Level::Err, "x-y", Some("17"), format_args!("a\nb"));
        assert_eq!(l, "<3>level=err msgid=x-y call=17 a b");
        let l = format(Level::Info, "started", None, format_args!("ok {}", 1));
        assert_eq!(l, "<6>level=info msgid=started ok 1");
    }
}
