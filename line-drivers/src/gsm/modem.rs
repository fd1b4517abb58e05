//! The driver shell of a GSM modem: the [`GsmEngine`] on a serial port
//! (`modem::serial`, the fax modems' tokio-serial task), reopened every
//! 10 s while the device is away. It turns texts into PDUs (one SMS or
//! concatenated parts, status reports asked for) and passes the engine's
//! events on. Time is still an argument: the caller ticks it.

use std::time::{Duration, Instant};

use super::engine::{GsmConfig, GsmEngine, GsmError, GsmEvent};
use super::pdu::{PduError, Submit, Validity};
use super::split::{split, Reference, SplitError};
use super::Address;
use crate::modem::serial::{SerialPort, SerialSettings};
use crate::modem::{ModemPort, PortOpener};

/// How often a device that is away is opened again.
const REOPEN_EVERY: Duration = Duration::from_secs(10);

/// A GSM modem's settings (the `[[gsm]]` entry, when the daemon has one).
#[derive(Debug, Clone)]
pub struct GsmModemConfig {
    /// The line's name in logs, e.g. `gsm/gsm-0`.
    pub name: String,
    /// The engine's settings (PIN, time-outs, sweeps).
    pub engine: GsmConfig,
    /// The most SMS one text may take (ixi-UMS' "max messages").
    pub max_parts: usize,
    /// Ask the network for status reports.
    pub status_reports: bool,
    /// How long the network keeps trying.
    pub validity: Option<Validity>,
}

/// A GSM modem of the configuration: its line and its serial port.
#[derive(Debug, Clone)]
pub struct GsmSpec {
    /// The line's settings.
    pub modem: GsmModemConfig,
    /// The device.
    pub serial: SerialSettings,
    /// The SIM's number: incoming SMS are routed by it.
    pub number: String,
}

impl GsmSpec {
    /// Open the line, its port driven by a task on `runtime`. A device that
    /// cannot be opened leaves the line out of service, retried later.
    pub fn open(&self, runtime: tokio::runtime::Handle, now: Instant) -> GsmModem {
        let settings = self.serial.clone();
        let opener: PortOpener = Box::new(move || {
            SerialPort::open(&runtime, &settings).map(|p| Box::new(p) as Box<dyn ModemPort>)
        });
        GsmModem::open(self.modem.clone(), opener, now)
    }
}

/// Why a text was not queued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GsmSendError {
    /// Not a phone number.
    #[error("{0:?} is not a phone number")]
    BadNumber(String),
    /// Too long for the configured parts, or empty.
    #[error(transparent)]
    Split(#[from] SplitError),
    /// A part could not be encoded.
    #[error(transparent)]
    Pdu(#[from] PduError),
    /// The line refused it (out of service).
    #[error(transparent)]
    Line(#[from] GsmError),
}

/// The id of part `part` (0-based) of the caller's `job` in the engine's
/// events.
pub fn part_id(job: u64, part: u8) -> u64 {
    job << 8 | u64::from(part)
}

/// The job and part of an event's id.
pub fn job_of(id: u64) -> (u64, u8) {
    (id >> 8, id as u8)
}

/// See the module docs.
pub struct GsmModem {
    cfg: GsmModemConfig,
    engine: GsmEngine,
    port: Option<Box<dyn ModemPort>>,
    opener: PortOpener,
    reopen_at: Option<Instant>,
    buf: Vec<u8>,
    next_reference: u8,
}

impl GsmModem {
    /// Open the device through `opener` and start the modem up.
    pub fn open(cfg: GsmModemConfig, mut opener: PortOpener, now: Instant) -> GsmModem {
        let port = opener();
        let mut m = GsmModem {
            engine: GsmEngine::new(cfg.engine.clone(), now),
            cfg,
            port: None,
            opener,
            reopen_at: None,
            buf: Vec::new(),
            next_reference: 1,
        };
        match port {
            Ok(p) => {
                m.port = Some(p);
                m.flush(now);
            }
            Err(e) => m.lost(&format!("cannot open: {e}"), now),
        }
        m
    }

    /// The line's name.
    pub fn name(&self) -> &str {
        &self.cfg.name
    }

    /// The engine (state, what the modem said about itself).
    pub fn engine(&self) -> &GsmEngine {
        &self.engine
    }

    /// Queue `text` for `to` as one SMS or concatenated parts; the events
    /// name each part by [`part_id`]. Returns the number of parts.
    pub fn send_text(
        &mut self,
        job: u64,
        to: &str,
        text: &str,
        now: Instant,
    ) -> Result<usize, GsmSendError> {
        let to = Address::number(to).ok_or_else(|| GsmSendError::BadNumber(to.into()))?;
        let reference = self.next_reference;
        self.next_reference = self.next_reference.wrapping_add(1).max(1);
        let parts = split(text, Reference::Short(reference), self.cfg.max_parts)?;
        let tpdus = parts
            .into_iter()
            .map(|user_data| {
                Submit {
                    reference: 0,
                    to: to.clone(),
                    status_report: self.cfg.status_reports,
                    reject_duplicates: false,
                    validity: self.cfg.validity,
                    user_data,
                }
                .encode()
            })
            .collect::<Result<Vec<_>, _>>()?;
        let n = tpdus.len();
        for (i, tpdu) in tpdus.into_iter().enumerate() {
            self.engine.send(part_id(job, i as u8), tpdu, now)?;
        }
        self.flush(now);
        Ok(n)
    }

    /// Queue one SMS (`user_data`, e.g. one part of [`split`]) for `to`,
    /// named `id` in the events; status report and validity as
    /// configured. The caller sends a text part by part this way.
    pub fn send_user_data(
        &mut self,
        id: u64,
        to: &str,
        user_data: super::UserData,
        now: Instant,
    ) -> Result<(), GsmSendError> {
        let to = Address::number(to).ok_or_else(|| GsmSendError::BadNumber(to.into()))?;
        let tpdu = Submit {
            reference: 0,
            to,
            status_report: self.cfg.status_reports,
            reject_duplicates: false,
            validity: self.cfg.validity,
            user_data,
        }
        .encode()?;
        self.engine.send(id, tpdu, now)?;
        self.flush(now);
        Ok(())
    }

    /// The line's settings.
    pub fn config(&self) -> &GsmModemConfig {
        &self.cfg
    }

    /// The message at `index` is durably stored: delete it from the SIM.
    pub fn stored(&mut self, index: u32, now: Instant) {
        self.engine.stored(index, now);
        self.flush(now);
    }

    /// The message that came straight (`+CMT`) is durably stored:
    /// acknowledge it (`+CNMA`).
    pub fn acknowledge(&mut self, now: Instant) {
        self.engine.acknowledge(now);
        self.flush(now);
    }

    /// The message at `index` could not be stored: it stays on the SIM,
    /// read again at the next sweep.
    pub fn not_stored(&mut self, index: u32) {
        self.engine.not_stored(index);
    }

    /// The next event of the engine.
    pub fn poll_event(&mut self) -> Option<GsmEvent> {
        self.engine.poll_event()
    }

    /// Run the line: read the device, the timers, write.
    pub fn tick(&mut self, now: Instant) {
        if self.port.is_none() {
            if self.reopen_at.is_some_and(|t| t <= now) {
                self.reopen(now);
            }
            return;
        }
        self.buf.clear();
        let read = self
            .port
            .as_mut()
            .map_or(Ok(()), |p| p.read_available(&mut self.buf));
        if !self.buf.is_empty() {
            let bytes = std::mem::take(&mut self.buf);
            self.engine.handle_input(&bytes, now);
            self.buf = bytes;
        }
        if let Err(e) = read {
            return self.lost(&e.to_string(), now);
        }
        if self.engine.poll_timeout().is_some_and(|t| t <= now) {
            self.engine.handle_timeout(now);
        }
        self.flush(now);
    }

    fn reopen(&mut self, now: Instant) {
        self.reopen_at = Some(now + REOPEN_EVERY);
        if let Ok(p) = (self.opener)() {
            self.port = Some(p);
            self.reopen_at = None;
            self.engine.handle_device_back(now);
            self.flush(now);
        }
    }

    fn lost(&mut self, reason: &str, now: Instant) {
        self.port = None;
        self.reopen_at = Some(now + REOPEN_EVERY);
        self.engine.handle_device_lost(reason, now);
    }

    fn flush(&mut self, now: Instant) {
        while let Some(out) = self.engine.poll_transmit() {
            if let Some(p) = self.port.as_mut() {
                if let Err(e) = p.write_all(&out) {
                    return self.lost(&e.to_string(), now);
                }
            }
        }
    }
}
