//! Voicemail: numbers that answer with a greeting, a beep and a recording,
//! and numbers that auto-detect fax (answer as voice, switch to fax
//! reception on CNG), on any [`Line`](line_drivers::Line) that carries audio.
//!
//! ```text
//!  runner (per call) ─ handle_audio / handle_dtmf / handle_hangup ─▶ engine
//!        ◀─ poll_audio (greeting, beep, silence) · poll_event ──────┘
//!  engine.rs  VoicemailEngine: prompt → record → Recorded | Dropped | FaxDetected
//!  prompt.rs  default greeting (a chime made in code) and the beep
//!  wav.rs     RIFF/WAVE in (greetings, resampled to 8 kHz) and out (recordings)
//!  (the mail of a recording: `Notifier::incoming_mails`, RFC 3458 voice-message with the WAV)
//! ```
//!
//! The engine lives in the kernel, not in `line-drivers`: it is the voice
//! counterpart of the fax session the runner drives, and what it produces
//! (a message, a mail) is kernel business; lines only move frames and keys.
//! In-band DTMF and CNG detection come from spandsp through
//! [`fax_t30::tones`].

pub mod engine;
pub mod prompt;
pub mod wav;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use engine::{DropReason, EndReason, Recording, VoicemailEngine, VoicemailEvent};

/// How the voicemail engine records. Every field has a working default.
#[derive(Debug, Clone, PartialEq)]
pub struct VoicemailConfig {
    /// Longest recording; it ends there.
    pub max_length: Duration,
    /// The recording ends after this much silence.
    pub silence_timeout: Duration,
    /// A frame below this level (dBm0, RMS) is silence.
    pub silence_threshold_dbm0: f32,
    /// Silence kept after the last speech when trailing silence is cut.
    pub hangover: Duration,
    /// Recordings shorter than this are dropped.
    pub min_duration: Duration,
    /// Recordings with less speech than this are dropped (silent calls).
    pub min_active: Duration,
    /// The key that ends a recording.
    pub end_key: char,
    /// Listen for keys in the audio too (lines without RFC 4733 events).
    pub inband_dtmf: bool,
    /// The recording ends when the line delivers no audio this long.
    pub no_media_timeout: Duration,
}

impl Default for VoicemailConfig {
    fn default() -> Self {
        VoicemailConfig {
            max_length: Duration::from_secs(180),
            silence_timeout: Duration::from_secs(5),
            silence_threshold_dbm0: -45.0,
            hangover: Duration::from_millis(300),
            min_duration: Duration::from_secs(1),
            min_active: Duration::from_millis(500),
            end_key: '#',
            inband_dtmf: true,
            no_media_timeout: Duration::from_secs(10),
        }
    }
}

/// Voicemail settings of the runner: the engine and the greetings.
#[derive(Debug, Clone, Default)]
pub struct VoiceSettings {
    pub engine: VoicemailConfig,
    /// Greeting WAV per mailbox, keyed by directory user id or by the
    /// mailbox's e-mail address.
    pub greetings: BTreeMap<String, PathBuf>,
    /// Greeting for mailboxes without one; the built-in chime if absent.
    pub default_greeting: Option<PathBuf>,
}

/// Why a greeting file cannot be played.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GreetingError {
    #[error("greeting {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("greeting {path}: {source}")]
    Wav {
        path: PathBuf,
        source: wav::WavError,
    },
}

/// Longest greeting played; a longer file is cut.
pub const MAX_GREETING: Duration = Duration::from_secs(60);

/// A greeting file as 8 kHz samples.
pub fn load_greeting(path: &Path) -> Result<Vec<i16>, GreetingError> {
    let bytes = std::fs::read(path).map_err(|source| GreetingError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut pcm = wav::read_wav(&bytes).map_err(|source| GreetingError::Wav {
        path: path.to_owned(),
        source,
    })?;
    // Nobody listens to more; and resampling stays cheap.
    pcm.samples
        .truncate(pcm.rate as usize * MAX_GREETING.as_secs() as usize);
    Ok(wav::to_8k(&pcm))
}

impl VoiceSettings {
    /// The greeting for a route: the mailbox's own, else the default file,
    /// else the built-in one. A file that cannot be read is reported and
    /// the next choice is played: the caller always hears a greeting.
    pub fn greeting_for(
        &self,
        user: Option<&str>,
        mailbox: &str,
    ) -> (Vec<i16>, Option<GreetingError>) {
        let own = user
            .and_then(|u| self.greetings.get(u))
            .or_else(|| self.greetings.get(mailbox));
        let mut error = None;
        for path in [own, self.default_greeting.as_ref()].into_iter().flatten() {
            match load_greeting(path) {
                Ok(g) => return (g, error),
                Err(e) => error = error.or(Some(e)),
            }
        }
        (prompt::default_greeting(), error)
    }
}
