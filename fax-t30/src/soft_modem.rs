//! spandsp's own T.31 Class 1 fax modem, the DCE that iaxmodem puts on a
//! pseudo-tty: AT commands in, result codes and received data out, 8 kHz
//! audio both ways. Tests and benches use it as a modem that answers like
//! the real ones we meet (iaxmodem *is* this modem), in process and on a
//! simulated clock, with a fax machine ([`crate::FaxSession`] on audio) on
//! its line side.
//!
//! ```text
//!   DTE (our driver) ──write──▶ SoftModem ──tx_audio──▶ far fax machine
//!   DTE              ◀─take_output── SoftModem ◀─rx_audio── far fax machine
//!   owner ◀─poll_control (Call, Answer, Hangup) · call_event (Alerting, Connected…)─▶
//! ```
//!
//! Like iaxmodem, it asks the DTE to pause with XOFF (0x13) and to go on
//! with XON (0x11) in band when its 4 kB transmit buffer fills, and takes
//! no more than [`SoftModem::free_space`] octets at once.

use crate::media::{AudioFrame, FRAME_SAMPLES};
use crate::spandsp::t31::T31;
use crate::Error;

/// What the modem asks of its phone line (spandsp's modem control hooks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModemControl {
    /// Dial this number (`ATD`).
    Call(String),
    /// Pick up a ringing call (`ATA`).
    Answer,
    /// Hang up (`ATH`, or the end of a fax transmission with hang-up).
    Hangup,
    OffHook,
    OnHook,
}

/// What happens on the modem's phone line (spandsp's call events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallEvent {
    /// The line rings (one RING to the DTE).
    Alerting,
    /// The far end answered our call.
    Connected,
    /// We answered a ringing call.
    Answered,
    Busy,
    NoDialtone,
    NoAnswer,
    /// The far end hung up.
    Hangup,
}

/// See the module docs.
pub struct SoftModem {
    t31: T31,
    scratch: AudioFrame,
}

impl SoftModem {
    pub fn new() -> Result<SoftModem, Error> {
        Ok(SoftModem {
            t31: T31::new()?,
            scratch: [0; FRAME_SAMPLES],
        })
    }

    /// How many octets the modem takes now.
    pub fn free_space(&self) -> usize {
        self.t31.free_space()
    }

    /// Octets from the DTE; at most [`free_space`](Self::free_space) are
    /// taken, the count is returned.
    pub fn write(&mut self, bytes: &[u8]) -> usize {
        let n = bytes.len().min(self.free_space());
        self.t31.at_rx(&bytes[..n]);
        n
    }

    /// Octets for the DTE since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        self.t31.take_to_dte()
    }

    /// True while the modem has sent XOFF and not yet XON.
    pub fn is_holding(&self) -> bool {
        self.t31.holding()
    }

    /// The next request to the phone line.
    pub fn poll_control(&mut self) -> Option<ModemControl> {
        self.t31.poll_control()
    }

    /// Something happened on the phone line.
    pub fn call_event(&mut self, event: CallEvent) {
        self.t31.call_event(event);
    }

    /// Caller ID the modem presents with the next RING (`AT+VCID=1`),
    /// e.g. `[("NMBR", "4930123"), ("NAME", "Bob")]`.
    pub fn set_call_info(&mut self, fields: &[(&str, &str)]) {
        self.t31.set_call_info(fields);
    }

    /// 20 ms of audio from the line.
    pub fn rx_audio(&mut self, frame: &AudioFrame) {
        self.scratch.copy_from_slice(frame);
        self.t31.rx(&mut self.scratch);
    }

    /// 20 ms of audio to the line.
    pub fn tx_audio(&mut self) -> AudioFrame {
        let mut out = [0; FRAME_SAMPLES];
        self.t31.tx(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(m: &mut SoftModem, line: &str) -> String {
        assert_eq!(m.write(line.as_bytes()), line.len());
        String::from_utf8_lossy(&m.take_output()).into_owned()
    }

    #[test]
    fn answers_like_iaxmodem() {
        let mut m = SoftModem::new().unwrap();
        assert!(command(&mut m, "AT\r").contains("OK"));
        let classes = command(&mut m, "AT+FCLASS=?\r");
        assert!(classes.contains("0,1,1.0"), "{classes:?}");
        assert!(command(&mut m, "AT+FCLASS=1\r").contains("OK"));
        let rates = command(&mut m, "AT+FTM=?\r");
        assert!(
            rates.contains("24,48,72,73,74,96,97,98,121,122,145,146"),
            "{rates:?}"
        );
        command(&mut m, "ATD123\r");
        assert_eq!(m.poll_control(), Some(ModemControl::Call("123".into())));
    }
}
