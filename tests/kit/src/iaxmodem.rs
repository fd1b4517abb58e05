//! Two iaxmodem soft modems (spandsp's T.31 Class 1 modem on a pty each)
//! calling each other directly over IAX2 on loopback: a phone line with a
//! fax modem at each end (`../shared/peers/fax/fax-loop.sh` is the model).
//! Whatever is dialled on one reaches the other (the digits travel only as
//! the IAX2 called number). Needs root (iaxmodem refuses otherwise) and the
//! `iaxmodem` package (scripts/setup.sh --test).

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long an iaxmodem refuses calls after its DTE reset it (`ATZ` hangs
/// up, and a hang-up busies the line out for 5 s: the caller gets NO
/// DIALTONE). A test waits this long after the receiving side's set-up.
pub const BUSY_OUT_AFTER_RESET: Duration = Duration::from_secs(6);

/// A running pair; dropping it stops both modems (only the processes it
/// started).
pub struct IaxPair {
    dir: PathBuf,
    children: Vec<Child>,
    /// The ptys: `devices[0]` is modem A, `devices[1]` modem B.
    pub devices: [PathBuf; 2],
    /// The UDP ports (A, B); B's port is also "its number".
    pub ports: [u16; 2],
    /// The noisy line between them, if any.
    line: Option<NoisyLine>,
}

/// A noisy analog line in the calls from A to B: a relay on loopback
/// between the modems that adds bursts of white noise to A's audio. Only
/// long carriers are hit — a packet (20 ms) from [`NoisyLine::QUIET_FOR`]
/// into a carrier on, then every [`NoisyLine::EVERY`]th — so the V.21
/// control frames and the training check (TCF, 1.5 s) pass clean and the
/// noise falls on page data, as the clicks of a bad line do.
pub struct NoisyLine {
    stop: Arc<AtomicBool>,
    bursts: Arc<Mutex<Vec<Burst>>>,
    relay: Option<std::thread::JoinHandle<()>>,
}

/// Where a burst of the [`NoisyLine`] fell: in which of A's carriers that
/// lasted [`NoisyLine::QUIET_FOR`] packets (1 for the first such), and how
/// many 20 ms packets into it (counted from its first packet with power).
/// With the modulation's training and bit rate, that is a place in the
/// data the carrier carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Burst {
    pub carrier: u32,
    pub packet: u32,
}

impl NoisyLine {
    /// Packets (20 ms each) into a carrier before the first burst.
    pub const QUIET_FOR: u32 = 150;
    /// Packets between two bursts.
    pub const EVERY: u32 = 25;
    /// Signal to noise ratio of a burst, dB: V.21 (300 bit/s) and V.29
    /// stand it, V.17 at 14400 does not.
    pub const SNR_DB: f64 = 12.0;

    /// Relay on `port` between A (`a`) and B (`b`).
    fn start(port: u16, a: u16, b: u16) -> NoisyLine {
        let sock = UdpSocket::bind(("127.0.0.1", port)).expect("noisy line's port");
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        let stop = Arc::new(AtomicBool::new(false));
        let bursts = Arc::new(Mutex::new(Vec::new()));
        let relay = {
            let (stop, bursts) = (stop.clone(), bursts.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 2048];
                let mut carrier = 0u32;
                let mut long_carriers = 0u32;
                let mut seed = 0x2545_F491_u32;
                while !stop.load(Ordering::SeqCst) {
                    let Ok((n, from)) = sock.recv_from(&mut buf) else {
                        continue;
                    };
                    let to = if from.port() == b { a } else { b };
                    let pkt = &mut buf[..n];
                    // A mini frame (F bit clear) of A's: 4 octets of
                    // header, then 16-bit big-endian samples (slinear).
                    if to == b && n > 4 && pkt[0] & 0x80 == 0 {
                        let samples = &mut pkt[4..];
                        let power = samples
                            .chunks_exact(2)
                            .map(|c| f64::from(i16::from_be_bytes([c[0], c[1]])).powi(2))
                            .sum::<f64>()
                            / (samples.len() / 2).max(1) as f64;
                        carrier = if power > 100.0 * 100.0 {
                            carrier + 1
                        } else {
                            0
                        };
                        if carrier == Self::QUIET_FOR {
                            long_carriers += 1;
                        }
                        if carrier >= Self::QUIET_FOR
                            && (carrier - Self::QUIET_FOR).is_multiple_of(Self::EVERY)
                        {
                            let noise_rms = power.sqrt() / 10f64.powf(Self::SNR_DB / 20.0);
                            for c in samples.chunks_exact_mut(2) {
                                // Uniform noise of that RMS (amplitude √3·rms).
                                seed ^= seed << 13;
                                seed ^= seed >> 17;
                                seed ^= seed << 5;
                                let u = f64::from(seed) / f64::from(u32::MAX) * 2.0 - 1.0;
                                let x = f64::from(i16::from_be_bytes([c[0], c[1]]))
                                    + u * noise_rms * 3f64.sqrt();
                                let x = x.clamp(-32768.0, 32767.0) as i16;
                                c.copy_from_slice(&x.to_be_bytes());
                            }
                            // Packet 1 is the carrier's first.
                            if let Ok(mut b) = bursts.lock() {
                                b.push(Burst {
                                    carrier: long_carriers,
                                    packet: carrier - 1,
                                });
                            }
                        }
                    }
                    let _ = sock.send_to(pkt, ("127.0.0.1", to));
                }
            })
        };
        NoisyLine {
            stop,
            bursts,
            relay: Some(relay),
        }
    }
}

impl Drop for NoisyLine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(r) = self.relay.take() {
            let _ = r.join();
        }
    }
}

/// True if the pair can run here (root, iaxmodem installed).
pub fn available() -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    root && Path::new("/usr/bin/iaxmodem").exists() && Path::new("/etc/iaxmodem").is_dir()
}

impl IaxPair {
    /// Start modems A and B on `ports` (free UDP ports on loopback);
    /// `owner` of the ptys, e.g. `root:root` or `uucp:uucp` for HylaFAX.
    pub fn start(ports: [u16; 2], owner: &str) -> IaxPair {
        IaxPair::start_on(ports, owner, None)
    }

    /// A pair whose calls from A to B go over a [`NoisyLine`] relayed on
    /// UDP port `relay`.
    pub fn start_noisy(ports: [u16; 2], relay: u16, owner: &str) -> IaxPair {
        IaxPair::start_on(ports, owner, Some(relay))
    }

    /// Noise bursts the noisy line has put on A's audio so far.
    pub fn noise_bursts(&self) -> u32 {
        self.bursts().len() as u32
    }

    /// Where they fell, in order.
    pub fn bursts(&self) -> Vec<Burst> {
        self.line
            .as_ref()
            .and_then(|l| l.bursts.lock().ok().map(|b| b.clone()))
            .unwrap_or_default()
    }

    fn start_on(ports: [u16; 2], owner: &str, relay: Option<u16>) -> IaxPair {
        // The soft modems keep sample timing in real time: they (and the
        // fax programs and driver threads the test starts after them) run
        // ahead of the CPU-bound tests beside them.
        crate::process::ahead_of_the_suite();
        // iaxmodem keeps device names in 64 characters: a short directory.
        let dir = PathBuf::from(format!("/tmp/iax{}-{}", std::process::id(), ports[0]));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("iaxmodem dir");
        let mut pair = IaxPair {
            // HylaFAX and efax lock a tty by its name alone
            // (/var/lock/LCK..<name>): names of their own per pair, or two
            // tests at once would wait on each other's lock.
            devices: [
                dir.join(format!("ttyA{}", ports[0])),
                dir.join(format!("ttyB{}", ports[0])),
            ],
            dir,
            children: Vec::new(),
            ports,
            line: relay.map(|r| NoisyLine::start(r, ports[0], ports[1])),
        };
        for (i, name) in ["A", "B"].iter().enumerate() {
            // A reaches B through the noisy line, if there is one.
            let (port, peer) = (ports[i], ports[1 - i]);
            let peer = match relay {
                Some(r) if i == 0 => r,
                _ => peer,
            };
            let cfg = pair.dir.join(format!("modem{name}.cfg"));
            std::fs::write(
                &cfg,
                format!(
                    "device\t{}\nowner\t{owner}\nmode\t660\nport\t{port}\nrefresh\t0\n\
                     server\t127.0.0.1:{peer}\npeername\tmodem{name}\nsecret\tx\n\
                     cidname\tBench {name}\ncidnumber\t{port}\ncodec\tslinear\n",
                    pair.devices[i].display()
                ),
            )
            .expect("iaxmodem config");
            let log = std::fs::File::create(pair.dir.join(format!("iax{name}.log"))).expect("log");
            // iaxmodem only opens /etc/iaxmodem/<name>: escape with "../..".
            let child = Command::new("iaxmodem")
                .arg(format!("../..{}", cfg.display()))
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log"))
                .stderr(log)
                .spawn()
                .expect("iaxmodem starts");
            pair.children.push(child);
        }
        for _ in 0..100 {
            if pair.devices.iter().all(|d| d.exists()) {
                // Let both bind their ports and settle.
                std::thread::sleep(Duration::from_millis(300));
                return pair;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("iaxmodem made no ptys; see {}", pair.dir.display());
    }

    /// The directory with the configs and logs.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stop modem `i` (0 = A, 1 = B): its pty goes away, as a USB modem's
    /// node does when it is unplugged.
    pub fn kill(&mut self, i: usize) {
        if let Some(c) = self.children.get_mut(i) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for IaxPair {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
