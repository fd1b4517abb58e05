//! The byte pipe to a real device: tokio-serial, one task per device.
//!
//! The task reads the port and passes what came to the line over a
//! channel; it writes what the line queued. The line (on the media
//! thread) never blocks on the device. When the device goes away (USB
//! unplugged, the pty's other side closed) the task ends and the next
//! read reports the error: the line goes out of service and reopens the
//! device later.

use std::io;
use std::sync::mpsc as std_mpsc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tokio_serial::{FlowControl, SerialPortBuilderExt};

use super::ModemPort;

/// How the port is opened (`[[modem]]`: `speed`, `flow_control`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialSettings {
    /// The device, e.g. `/dev/ums/fax-0`.
    pub path: String,
    /// DTE speed in bit/s (19200 is T.31's minimum for V.17).
    pub speed: u32,
    /// RTS/CTS (true) or none: Class 1 modems on a pty (iaxmodem) send
    /// XON/XOFF in band, which the codec handles either way.
    pub hardware_flow: bool,
}

/// A serial device driven by a tokio task (see the module docs).
pub struct SerialPort {
    rx: std_mpsc::Receiver<io::Result<Vec<u8>>>,
    tx: mpsc::UnboundedSender<Vec<u8>>,
    failed: Option<io::Error>,
}

impl SerialPort {
    /// Open the device and start its task on `runtime`.
    pub fn open(runtime: &Handle, settings: &SerialSettings) -> io::Result<SerialPort> {
        let _guard = runtime.enter();
        let flow = if settings.hardware_flow {
            FlowControl::Hardware
        } else {
            FlowControl::None
        };
        let mut port = tokio_serial::new(&settings.path, settings.speed)
            .flow_control(flow)
            .open_native_async()
            .map_err(io::Error::other)?;
        #[cfg(unix)]
        port.set_exclusive(false).map_err(io::Error::other)?;
        let (in_tx, rx) = std_mpsc::channel();
        let (tx, mut out_rx) = mpsc::unbounded_channel::<Vec<u8>>();
        runtime.spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                tokio::select! {
                    read = port.read(&mut buf) => match read {
                        Ok(0) => {
                            let _ = in_tx.send(Err(io::Error::from(io::ErrorKind::UnexpectedEof)));
                            break;
                        }
                        Ok(n) => {
                            if in_tx.send(Ok(buf[..n].to_vec())).is_err() {
                                break;
                            }
                        }
                        Err(e) => {
                            let _ = in_tx.send(Err(e));
                            break;
                        }
                    },
                    out = out_rx.recv() => match out {
                        Some(bytes) => {
                            if let Err(e) = port.write_all(&bytes).await {
                                let _ = in_tx.send(Err(e));
                                break;
                            }
                        }
                        // The line dropped the port.
                        None => break,
                    },
                }
            }
        });
        Ok(SerialPort {
            rx,
            tx,
            failed: None,
        })
    }
}

impl ModemPort for SerialPort {
    fn read_available(&mut self, into: &mut Vec<u8>) -> io::Result<()> {
        if let Some(e) = &self.failed {
            return Err(io::Error::new(e.kind(), e.to_string()));
        }
        loop {
            match self.rx.try_recv() {
                Ok(Ok(bytes)) => into.extend_from_slice(&bytes),
                Ok(Err(e)) => {
                    let report = io::Error::new(e.kind(), e.to_string());
                    self.failed = Some(e);
                    return Err(report);
                }
                Err(std_mpsc::TryRecvError::Empty) => return Ok(()),
                Err(std_mpsc::TryRecvError::Disconnected) => {
                    return Err(io::Error::from(io::ErrorKind::BrokenPipe))
                }
            }
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.tx
            .send(bytes.to_vec())
            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}
