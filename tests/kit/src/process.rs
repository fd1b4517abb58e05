//! Peer processes of a test: stopped with the test, and waited on through
//! what they write.

use std::path::Path;
use std::process::Child;
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
