//! Peer processes of a test: stopped with the test, and waited on through
//! what they write.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A child process stopped (killed and reaped) when dropped.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// True once `file` holds `text`, polled every 100 ms up to `limit`.
pub fn wait_for_text(file: &Path, text: &str, limit: Duration) -> bool {
    let t0 = crate::wall();
    while crate::wall() - t0 < limit {
        if std::fs::read(file).is_ok_and(|b| String::from_utf8_lossy(&b).contains(text)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// Nice value of [`ahead_of_the_suite`].
const AHEAD: &str = "-10";

/// The calling thread's nice value goes to -10, so that the threads and
/// processes it starts afterwards inherit it: real-time peers (soft modems
/// that keep sample timing, the fax programs on them, our driver's
/// threads) then run ahead of the CPU-bound tests of the suite beside them
/// (a nice -10 thread weighs nine times a nice 0 one). Needs root; without
/// it nothing changes.
pub fn ahead_of_the_suite() {
    // "/proc/thread-self" links to "<pid>/task/<tid>"; the tid names the
    // thread to renice (setpriority on a tid is per thread on Linux).
    let Ok(link) = std::fs::read_link("/proc/thread-self") else {
        return;
    };
    let Some(tid) = link.file_name().and_then(|t| t.to_str()) else {
        return;
    };
    let _ = Command::new("renice")
        .args(["-n", AHEAD, "-p", tid])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}
