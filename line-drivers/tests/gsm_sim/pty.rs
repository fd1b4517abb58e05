//! The simulated network on ptys, in real time: one pty per modem, a
//! thread that moves octets between the masters and the network every few
//! milliseconds. DTE software we did not write (gammu) opens the slaves.

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::pty::{grantpt, posix_openpt, ptsname_r, unlockpt, PtyMaster};

use super::Network;

/// The network running on ptys; stops when dropped.
pub struct OnPtys {
    pub net: Arc<Mutex<Network>>,
    pub devices: Vec<PathBuf>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Network {
    /// Put every modem on a pty of its own.
    pub fn on_ptys(self) -> OnPtys {
        let n = self.modems.len();
        let mut masters: Vec<PtyMaster> = Vec::new();
        let mut devices = Vec::new();
        for _ in 0..n {
            let m = posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY).expect("pty");
            grantpt(&m).expect("grantpt");
            unlockpt(&m).expect("unlockpt");
            devices.push(PathBuf::from(ptsname_r(&m).expect("ptsname")));
            let fl = fcntl(m.as_raw_fd(), FcntlArg::F_GETFL).expect("flags");
            let fl = OFlag::from_bits_truncate(fl) | OFlag::O_NONBLOCK;
            fcntl(m.as_raw_fd(), FcntlArg::F_SETFL(fl)).expect("non-blocking");
            masters.push(m);
        }
        let net = Arc::new(Mutex::new(self));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (net, stop) = (net.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 1024];
                while !stop.load(Ordering::SeqCst) {
                    let now = wall();
                    let mut net = net.lock().expect("network");
                    for (i, m) in masters.iter_mut().enumerate() {
                        // EAGAIN (nothing) or EIO (no slave open): no input.
                        while let Ok(k) = m.read(&mut buf) {
                            if k == 0 {
                                break;
                            }
                            if std::env::var_os("UMS_GSM_TRACE").is_some() {
                                eprintln!("dte{i}> {:?}", String::from_utf8_lossy(&buf[..k]));
                            }
                            net.input(i, &buf[..k], now);
                        }
                    }
                    net.tick(now);
                    for (i, m) in masters.iter_mut().enumerate() {
                        let out = net.output(i);
                        if !out.is_empty() {
                            if std::env::var_os("UMS_GSM_TRACE").is_some() {
                                eprintln!("dce{i}< {:?}", String::from_utf8_lossy(&out));
                            }
                            // A slave that is not open drops what we say.
                            let _ = m.write_all(&out);
                        }
                    }
                    drop(net);
                    std::thread::sleep(Duration::from_millis(3));
                }
            })
        };
        OnPtys {
            net,
            devices,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for OnPtys {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The real clock: the simulator on ptys runs in real time (it is also
/// compiled into `ums bench sms`, where there is no test kit).
#[allow(clippy::disallowed_methods)]
fn wall() -> std::time::Instant {
    std::time::Instant::now()
}
