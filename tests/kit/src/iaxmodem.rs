//! Two iaxmodem soft modems (spandsp's T.31 Class 1 modem on a pty each)
//! calling each other directly over IAX2 on loopback: a phone line with a
//! fax modem at each end (`../shared/peers/fax/fax-loop.sh` is the model).
//! Whatever is dialled on one reaches the other (the digits travel only as
//! the IAX2 called number). Needs root (iaxmodem refuses otherwise) and the
//! `iaxmodem` package (scripts/setup.sh --test).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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
        // iaxmodem keeps device names in 64 characters: a short directory.
        let dir = PathBuf::from(format!("/tmp/iax{}-{}", std::process::id(), ports[0]));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("iaxmodem dir");
        let mut pair = IaxPair {
            devices: [dir.join("ttyA"), dir.join("ttyB")],
            dir,
            children: Vec::new(),
            ports,
        };
        for (i, name) in ["A", "B"].iter().enumerate() {
            let (port, peer) = (ports[i], ports[1 - i]);
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
