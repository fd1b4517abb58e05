//! T.30 over a modem that modulates itself (a T.31 Class 1 fax modem):
//! what our T.30 engine asks of the modem and what the modem reports back.
//!
//! Over audio, spandsp's T.30 drives its own software modems; over T.38 it
//! drives a T.38 front end that turns modem changes and HDLC frames into IFP
//! packets. A Class 1 modem sits in the same place: T.30 says "listen for
//! V.21 HDLC", "send this frame", "train at V.17 14400 and send image data",
//! and the modem reports frames, carriers and the end of each transmission.
//! These two enums are those hooks of spandsp's T.30 (`set_rx_type`,
//! `set_tx_type`, `send_hdlc` one way; `t30_hdlc_accept`, `t30_non_ecm_put`,
//! `t30_non_ecm_get`, `t30_front_end_status` the other) as data, so a
//! [`FaxSession`](crate::FaxSession) on [`Transport::Modem`](crate::Transport)
//! can be pumped against a line exactly like one on T.38: requests out,
//! reports in, time passed in by ticks. The line's driver maps them onto AT
//! commands (`AT+FTH=3`, `AT+FRM=146`, ...); see `line_drivers::modem`.
//!
//! ```text
//!   FaxSession ──ModemRequest (Receive, Transmit, SendHdlc, ImageData…)──▶ line
//!   FaxSession ◀─ModemReport (HdlcFrame, ImageData, SendStepComplete…)─── line
//! ```
//!
//! A Class 2 modem (T.32) runs T.30 itself; it would carry pages and
//! post-page messages instead and is a transport of its own, not these.

/// A high-speed modulation for image data (T.30 phase C) and TCF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Modulation {
    /// The modem family.
    pub family: ModemFamily,
    /// Bit rate: 2400/4800 (V.27ter), 7200/9600 (V.29), 7200..14400 (V.17).
    pub bps: u32,
    /// V.17 short training (after a first long training succeeded).
    pub short_train: bool,
}

/// The fax modem families of T.30 phase C.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModemFamily {
    V27ter,
    V29,
    V17,
}

impl Modulation {
    /// The T.31 `<mod>` code of `AT+FTM=`/`AT+FRM=` (T.31 table 2), or
    /// `None` for a combination no modem offers.
    pub fn class1_code(self) -> Option<u16> {
        let code = match (self.family, self.bps, self.short_train) {
            (ModemFamily::V27ter, 2400, _) => 24,
            (ModemFamily::V27ter, 4800, _) => 48,
            (ModemFamily::V29, 7200, _) => 72,
            (ModemFamily::V29, 9600, _) => 96,
            (ModemFamily::V17, 7200, false) => 73,
            (ModemFamily::V17, 7200, true) => 74,
            (ModemFamily::V17, 9600, false) => 97,
            (ModemFamily::V17, 9600, true) => 98,
            (ModemFamily::V17, 12000, false) => 121,
            (ModemFamily::V17, 12000, true) => 122,
            (ModemFamily::V17, 14400, false) => 145,
            (ModemFamily::V17, 14400, true) => 146,
            _ => return None,
        };
        Some(code)
    }

    /// The modulation of a T.31 `<mod>` code.
    pub fn from_class1_code(code: u16) -> Option<Modulation> {
        let (family, bps, short_train) = match code {
            24 => (ModemFamily::V27ter, 2400, false),
            48 => (ModemFamily::V27ter, 4800, false),
            72 => (ModemFamily::V29, 7200, false),
            96 => (ModemFamily::V29, 9600, false),
            73 => (ModemFamily::V17, 7200, false),
            74 => (ModemFamily::V17, 7200, true),
            97 => (ModemFamily::V17, 9600, false),
            98 => (ModemFamily::V17, 9600, true),
            121 => (ModemFamily::V17, 12000, false),
            122 => (ModemFamily::V17, 12000, true),
            145 => (ModemFamily::V17, 14400, false),
            146 => (ModemFamily::V17, 14400, true),
            _ => return None,
        };
        Some(Modulation {
            family,
            bps,
            short_train,
        })
    }
}

/// What T.30 wants the modem to listen for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RxMode {
    /// V.21 channel 2 HDLC frames (control messages).
    V21,
    /// A high-speed carrier: TCF and non-ECM image data (`hdlc == false`)
    /// or ECM frames (`hdlc == true`).
    Fast { modulation: Modulation, hdlc: bool },
}

/// What T.30 wants the modem to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxMode {
    /// Silence for this long, then [`ModemReport::SendStepComplete`].
    Pause { ms: u32 },
    /// The answer tone (an answering modem sends it on `ATA`).
    Ced,
    /// The calling tone (a calling modem sends it after `ATD`).
    Cng,
    /// V.21 channel 2 HDLC frames, given by [`ModemRequest::SendHdlc`].
    V21,
    /// A high-speed carrier: TCF and non-ECM image data pulled with
    /// [`ModemReport::ImageWanted`] (`hdlc == false`), or ECM frames given
    /// by [`ModemRequest::SendHdlc`] (`hdlc == true`).
    Fast { modulation: Modulation, hdlc: bool },
}

/// T.30's FCF of DCN (disconnect) as spandsp compares it (the X bit masked
/// off): a front end sees it in the frames of [`ModemRequest::SendHdlc`].
pub const FCF_DCN: u8 = crate::spandsp::consts::FCF_DCN;

/// What our T.30 engine asks of the modem (spandsp's T.30 front-end hooks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModemRequest {
    /// Listen for this; `None`: stop listening (abort a pending receive).
    Receive(Option<RxMode>),
    /// Send this; `None`: stop sending.
    Transmit(Option<TxMode>),
    /// One HDLC frame (address, control, FCF, information; no FCS) of the
    /// transmission under way. The modem reports
    /// [`ModemReport::SendStepComplete`] when it can take the next.
    SendHdlc(Vec<u8>),
    /// No more frames in this transmission: end the carrier, then report
    /// [`ModemReport::SendStepComplete`] once it is off.
    HdlcEnd,
    /// Forget frames given and not yet sent (a phase changed under them).
    HdlcFlush,
    /// Image (or TCF) data answering [`ModemReport::ImageWanted`], bits in
    /// the order they go on the line (LSB of each octet first, as T.31
    /// passes them). `last`: the page (or TCF) ends with this chunk.
    ImageData { data: Vec<u8>, last: bool },
    /// T.30 is finished with the call.
    Done,
}

/// The state of a received signal (spandsp's `SIG_STATUS_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignalStatus {
    CarrierUp,
    CarrierDown,
    /// HDLC flags are being received.
    FramingOk,
    TrainingSucceeded,
    TrainingFailed,
}

/// What the modem reports to T.30.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModemReport {
    /// The current transmit step is done: a frame went (the next may
    /// come), the carrier ended, a pause or the answer tone is over.
    SendStepComplete,
    /// The state of the HDLC receiver (V.21, or ECM at high speed).
    HdlcStatus(SignalStatus),
    /// A received HDLC frame without its FCS; `crc_ok` false when the FCS
    /// did not check.
    HdlcFrame { frame: Vec<u8>, crc_ok: bool },
    /// The state of the non-ECM high-speed receiver (TCF, image data).
    ImageStatus(SignalStatus),
    /// Received non-ECM image (or TCF) data, in line order.
    ImageData(Vec<u8>),
    /// The modem can take up to `max` octets of image (or TCF) data now.
    ImageWanted { max: usize },
    /// A receive ended without the usual carrier indications.
    ReceiveComplete,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class1_codes_round_trip() {
        for code in [24, 48, 72, 96, 73, 74, 97, 98, 121, 122, 145, 146] {
            let m = Modulation::from_class1_code(code).unwrap();
            assert_eq!(m.class1_code(), Some(code), "{m:?}");
        }
        assert_eq!(Modulation::from_class1_code(3), None);
        let odd = Modulation {
            family: ModemFamily::V29,
            bps: 14400,
            short_train: false,
        };
        assert_eq!(odd.class1_code(), None);
    }
}
