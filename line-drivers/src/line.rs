//! The `Line` abstraction: one telephone line that carries one call at a
//! time (like an ISDN B channel), driven sans-IO.
//!
//! The kernel talks to every driver through [`Line`]: it asks for things
//! (`dial`, `answer`, `send`, `hangup`) and collects what happened with
//! [`Line::poll_event`]. A driver never reads the clock; every call that needs
//! time takes `now`.

use std::fmt;
use std::time::Duration;

use fax_t30::media::{AudioFrame, IfpPacket};
use fax_t30::modem::{ModemReport, ModemRequest};

use crate::cause::HangupCause;
use crate::error::LineError;

/// Longest number a line accepts for dialling (E.164 allows 15 digits; the
/// rest leaves room for access codes and prefixes).
pub const MAX_NUMBER_LEN: usize = 32;

/// Names a line in configuration, logs and the journal (e.g. `loop/100`,
/// `sip/trunk1/3`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineId(pub String);

impl fmt::Display for LineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Names a call on a line. Unique among the calls of one driver instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u64);

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What a line can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct LineCaps {
    /// Fax over the audio path (G.711 passthrough, analog modem).
    pub fax_audio: bool,
    /// Fax as T.38 IFP packets.
    pub t38: bool,
    /// Voice calls (voicemail).
    pub voice: bool,
    /// SMS (GSM modems).
    pub sms: bool,
    /// Out-of-band DTMF events (RFC 4733, ISDN keypad).
    pub dtmf: bool,
    /// Fax through a modem that modulates itself (Class 1): our T.30 talks
    /// to it in frames and image data ([`MediaKind::Modem`]).
    pub fax_modem: bool,
}

impl LineCaps {
    /// Everything a line with audio carries (not a modem's frames: no
    /// line carries both).
    pub const ALL: LineCaps = LineCaps {
        fax_audio: true,
        t38: true,
        voice: true,
        sms: true,
        dtmf: true,
        fax_modem: false,
    };
    /// A fax line: audio and T.38, with DTMF.
    pub const FAX: LineCaps = LineCaps {
        fax_audio: true,
        t38: true,
        voice: false,
        sms: false,
        dtmf: true,
        fax_modem: false,
    };
    /// A fax line without T.38 (PSTN audio).
    pub const AUDIO_FAX: LineCaps = LineCaps {
        fax_audio: true,
        t38: false,
        voice: false,
        sms: false,
        dtmf: true,
        fax_modem: false,
    };
    /// An analog fax modem (Class 1): fax only, the modem modulates.
    pub const MODEM_FAX: LineCaps = LineCaps {
        fax_audio: false,
        t38: false,
        voice: false,
        sms: false,
        dtmf: false,
        fax_modem: true,
    };
    /// A voice line.
    pub const VOICE: LineCaps = LineCaps {
        fax_audio: false,
        t38: false,
        voice: true,
        sms: false,
        dtmf: true,
        fax_modem: false,
    };

    /// True if the line can carry a call of this kind.
    pub fn supports(self, kind: MediaKind) -> bool {
        match kind {
            MediaKind::Audio => self.fax_audio || self.voice,
            MediaKind::T38 => self.t38,
            MediaKind::Modem => self.fax_modem,
        }
    }

    /// True if the line can send and receive faxes at all.
    pub fn can_fax(self) -> bool {
        self.fax_audio || self.t38 || self.fax_modem
    }

    /// The media a fax call on this line starts with: audio where the line
    /// carries it (T.38 comes by a switch during the call), else the
    /// modem's frames.
    pub fn fax_media(self) -> MediaKind {
        if self.fax_audio || !self.fax_modem {
            MediaKind::Audio
        } else {
            MediaKind::Modem
        }
    }
}

/// The media a call carries, chosen when it is dialled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// 8 kHz linear audio in 20 ms frames (fax modems or voice).
    Audio,
    /// T.38 IFP packets.
    T38,
    /// T.30 frames, carrier changes and image data exchanged with a modem
    /// that modulates itself (a Class 1 fax modem): the
    /// [`Media::ModemRequest`]s of our T.30 and the modem's
    /// [`Media::ModemReport`]s. See `fax_t30::modem` and
    /// docs/architecture.md ("Modem lines").
    Modem,
}

/// A DTMF key press: `0`-`9`, `*`, `#`, `A`-`D`, with how long it was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DtmfDigit {
    digit: char,
    duration: Duration,
}

impl DtmfDigit {
    /// Checked constructor; lower-case `a`-`d` are accepted and upper-cased.
    pub fn new(digit: char, duration: Duration) -> Result<DtmfDigit, LineError> {
        let digit = digit.to_ascii_uppercase();
        match digit {
            '0'..='9' | '*' | '#' | 'A'..='D' => Ok(DtmfDigit { digit, duration }),
            other => Err(LineError::InvalidDtmf(other)),
        }
    }

    /// The key.
    pub fn digit(self) -> char {
        self.digit
    }

    /// How long the key was held.
    pub fn duration(self) -> Duration {
        self.duration
    }
}

/// One unit of media on a connected call.
// Audio frames are the common case; boxing them would allocate per frame.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Media {
    /// A 20 ms audio frame (calls of [`MediaKind::Audio`]).
    Audio(AudioFrame),
    /// A T.38 IFP packet (calls of [`MediaKind::T38`]).
    T38(IfpPacket),
    /// What our T.30 asks of the modem (sent on calls of
    /// [`MediaKind::Modem`]).
    ModemRequest(ModemRequest),
    /// What the modem reports to our T.30 (received on calls of
    /// [`MediaKind::Modem`]).
    ModemReport(ModemReport),
    /// A DTMF event (either kind of call, lines with `dtmf`).
    Dtmf(DtmfDigit),
}

/// How far an outgoing call has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallProgress {
    /// The line took the number; the network is routing it.
    Dialling,
    /// The far end is ringing.
    Ringing,
    /// The call is connected (reported to both ends).
    Answered,
}

/// Something that happened on a line.
#[allow(clippy::large_enum_variant)] // mostly `Media`, see above
#[derive(Debug, Clone, PartialEq)]
pub enum LineEvent {
    /// A call rings in. The line is busy from now on until it hangs up or
    /// receives `HungUp`.
    Incoming {
        /// The new call.
        call: CallId,
        /// Calling number (CLIP), if the network presents it.
        caller: Option<String>,
        /// Called number (DID/MSN), for routing.
        called: String,
        /// What the caller asked for.
        media: MediaKind,
    },
    /// Progress of a call.
    Progress {
        /// The call.
        call: CallId,
        /// What happened.
        progress: CallProgress,
    },
    /// Media from the far end.
    Media {
        /// The call.
        call: CallId,
        /// The frame, packet or digit.
        media: Media,
    },
    /// The call is over; the line is idle again.
    HungUp {
        /// The call.
        call: CallId,
        /// Why.
        cause: HangupCause,
    },
}

impl LineEvent {
    /// The call the event belongs to.
    pub fn call(&self) -> CallId {
        match self {
            LineEvent::Incoming { call, .. }
            | LineEvent::Progress { call, .. }
            | LineEvent::Media { call, .. }
            | LineEvent::HungUp { call, .. } => *call,
        }
    }
}

/// One telephone line, as the kernel sees it.
///
/// Requests return at once; their outcome arrives as [`LineEvent`]s. Media
/// moves at the driver's 20 ms media tick, which the driver's owner runs
/// (for the loopback driver: [`Exchange::tick`](crate::loopback::Exchange::tick)).
pub trait Line {
    /// The line's name.
    fn id(&self) -> &LineId;

    /// What the line can carry.
    fn caps(&self) -> LineCaps;

    /// Place a call. The line must be idle. The outcome arrives as
    /// `Progress` events, or `HungUp` with the network's cause.
    fn dial(
        &mut self,
        number: &str,
        media: MediaKind,
        now: std::time::Instant,
    ) -> Result<CallId, LineError>;

    /// Accept a call announced by `Incoming`.
    fn answer(&mut self, call: CallId, now: std::time::Instant) -> Result<(), LineError>;

    /// End the call (or refuse a ringing one) with `cause`. The far end
    /// receives `HungUp`; this line does not and is idle at once. Unknown
    /// calls are ignored: the far end may have hung up first.
    fn hangup(&mut self, call: CallId, cause: HangupCause, now: std::time::Instant);

    /// Send media on a connected call.
    fn send(
        &mut self,
        call: CallId,
        media: Media,
        now: std::time::Instant,
    ) -> Result<(), LineError>;

    /// The next event, if any.
    fn poll_event(&mut self) -> Option<LineEvent>;

    /// True if the line has no call (and may dial).
    fn is_idle(&self) -> bool;

    /// Whether the line may place a call now, beyond being idle: a SIP
    /// trunk that misses its keep-alives, has lost its registration or
    /// just failed a call as a trunk (503, 408...) is not, so the owner
    /// takes the next line in its order (failover). Lines without such a
    /// notion keep the default.
    fn is_available(&self) -> bool {
        true
    }

    /// The next change of a connected call's media (G.711 audio ↔ T.38),
    /// if the line can switch mid-call (a SIP trunk): the owner goes on
    /// with its fax on the new transport. Lines whose media never changes
    /// keep the default.
    fn poll_media_change(&mut self) -> Option<(CallId, MediaKind)> {
        None
    }

    /// False only if [`poll_event`](Self::poll_event) and
    /// [`poll_media_change`](Self::poll_media_change) have nothing now: a
    /// pump with nothing else due may then skip the tick (a modem call's
    /// quiet ticks). Lines that cannot tell cheaply keep the default.
    fn has_news(&self) -> bool {
        true
    }
}

/// Validate a dial string: 1..=[`MAX_NUMBER_LEN`] characters of `0-9`, `*`,
/// `#` and a leading `+`.
pub fn check_number(number: &str) -> Result<(), LineError> {
    let ok = !number.is_empty()
        && number.len() <= MAX_NUMBER_LEN
        && number
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || c == '*' || c == '#' || (c == '+' && i == 0))
        && number != "+";
    if ok {
        Ok(())
    } else {
        Err(LineError::InvalidNumber(
            number.chars().take(MAX_NUMBER_LEN + 8).collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtmf_digits_are_checked() {
        assert_eq!(DtmfDigit::new('a', Duration::ZERO).unwrap().digit(), 'A');
        assert!(DtmfDigit::new('#', Duration::ZERO).is_ok());
        assert!(matches!(
            DtmfDigit::new('E', Duration::ZERO),
            Err(LineError::InvalidDtmf('E'))
        ));
    }

    #[test]
    fn numbers_are_checked() {
        assert!(check_number("+4930123").is_ok());
        assert!(check_number("*31#0800").is_ok());
        for bad in [
            "",
            "+",
            "12+3",
            "12 3",
            "abc",
            &"1".repeat(MAX_NUMBER_LEN + 1),
        ] {
            assert!(
                matches!(check_number(bad), Err(LineError::InvalidNumber(_))),
                "{bad:?}"
            );
        }
    }
}
