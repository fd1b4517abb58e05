//! The byte pipe to a real device: tokio-serial, one task per device.
//!
//! The task reads the port and passes what came to the line over a
//! channel. Writes go straight to the device from the line's thread
//! through a second, non-blocking handle (a tty takes a few KiB at once:
//! no wake of the task per write, the cost a modem line pays 50 times a
//! second otherwise); what the device cannot take at once goes to the
//! task, which writes it as the device drains, and later writes queue
//! behind it. The line (on the media thread) never blocks on the device.
//! When the device goes away (USB unplugged, the pty's other side closed)
//! the task ends and the next read reports the error: the line goes out
//! of service and reopens the device later.
//!
//! The device is opened and set up by tokio-serial (speed, flow control,
//! raw mode) and watched for **readable** only: a tty tells every open
//! handle it is writable each time the modem drains what we wrote, and
//! tokio-serial's stream, which waits on both, woke the task's thread for
//! each of those — most of the port's CPU in a call. The rare backlog is
//! written as the tty takes it, polled every few milliseconds.

use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc as std_mpsc;
use std::sync::Arc;

use std::os::fd::{AsFd, AsRawFd};
use std::time::Duration;

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tokio_serial::FlowControl;

/// How often the task tries again a write the tty did not take.
const BACKLOG_POLL: Duration = Duration::from_millis(5);

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
    /// The device again, non-blocking, for writes from the line's thread.
    direct: std::fs::File,
    /// Octets handed to the task and not yet written by it.
    queued: Arc<AtomicUsize>,
    /// The task passed something on since the line last looked: a quiet
    /// tick reads this flag, not the channel.
    news: Arc<AtomicBool>,
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
        let mut tty = tokio_serial::new(&settings.path, settings.speed)
            .flow_control(flow)
            .open_native()
            .map_err(io::Error::other)?;
        tty.set_exclusive(false).map_err(io::Error::other)?;
        fcntl(tty.as_raw_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
        // As tokio-serial registers its own (`AsyncFd::new`), but for
        // readable only; the port owns its descriptor as long as the
        // AsyncFd lives, which is what the deprecation asks of the caller.
        #[allow(deprecated)]
        let mut port = AsyncFd::with_interest(tty, Interest::READABLE)?;
        let direct = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&settings.path)?;
        let (in_tx, rx) = std_mpsc::channel();
        let (tx, mut out_rx) = mpsc::unbounded_channel::<Vec<u8>>();
        let queued = Arc::new(AtomicUsize::new(0));
        let written = queued.clone();
        let news = Arc::new(AtomicBool::new(false));
        let told = news.clone();
        let told_end = news.clone();
        let tell = move |m: io::Result<Vec<u8>>| {
            let sent = in_tx.send(m).is_ok();
            told.store(true, Ordering::Release);
            sent
        };
        runtime.spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                tokio::select! {
                    read = read_some(&mut port, &mut buf) => match read {
                        Ok(0) => {
                            tell(Err(io::Error::from(io::ErrorKind::UnexpectedEof)));
                            break;
                        }
                        Ok(n) => {
                            if !tell(Ok(buf[..n].to_vec())) {
                                break;
                            }
                        }
                        Err(e) => {
                            tell(Err(e));
                            break;
                        }
                    },
                    out = out_rx.recv() => match out {
                        Some(bytes) => {
                            if let Err(e) = write_all(&port, &bytes).await {
                                tell(Err(e));
                                break;
                            }
                            written.fetch_sub(bytes.len(), Ordering::AcqRel);
                        }
                        // The line dropped the port.
                        None => break,
                    },
                }
            }
            // The channel's end (the task gone) is news too.
            told_end.store(true, Ordering::Release);
        });
        Ok(SerialPort {
            rx,
            tx,
            direct,
            queued,
            news,
            failed: None,
        })
    }
}

/// Read what the device has, once it has something.
/// (The descriptor itself, not the port's `Read`, which polls with its
/// time-out first and says "timed out" where a non-blocking read says
/// "would block".)
async fn read_some<T: AsRawFd>(port: &mut AsyncFd<T>, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        let mut ready = port.readable_mut().await?;
        match ready.try_io(|tty| Ok(nix::unistd::read(tty.as_raw_fd(), buf)?)) {
            Ok(read) => return read,
            // Not readable after all: wait again.
            Err(_) => continue,
        }
    }
}

/// Write `bytes` to the non-blocking tty as it takes them.
async fn write_all(tty: &impl AsFd, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match nix::unistd::write(tty, bytes).map_err(io::Error::from) {
            Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero)),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                tokio::time::sleep(BACKLOG_POLL).await
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl ModemPort for SerialPort {
    fn read_available(&mut self, into: &mut Vec<u8>) -> io::Result<()> {
        if let Some(e) = &self.failed {
            return Err(io::Error::new(e.kind(), e.to_string()));
        }
        if !self.news.load(Ordering::Acquire) {
            return Ok(());
        }
        // Cleared before the channel is read: what comes meanwhile sets it
        // again.
        self.news.store(false, Ordering::Release);
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
        let mut rest = bytes;
        // Straight to the device unless earlier octets still wait in the
        // task (they go first).
        if self.queued.load(Ordering::Acquire) == 0 {
            while !rest.is_empty() {
                match io::Write::write(&mut self.direct, rest) {
                    Ok(0) => break,
                    Ok(n) => rest = &rest[n..],
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
            }
            if rest.is_empty() {
                return Ok(());
            }
        }
        self.queued.fetch_add(rest.len(), Ordering::AcqRel);
        self.tx
            .send(rest.to_vec())
            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}
