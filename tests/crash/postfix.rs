//! The crash tests' mail server: a private Postfix from `scripts/postfix/`
//! with one Maildir per sender and per incoming mailbox. Everything the
//! crash tests know of Postfix is here (the test kit's `Postfix` is to
//! replace it once it can be given the mailboxes).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Postfix {
    dir: PathBuf,
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scripts/postfix")
        .join(name)
}

impl Postfix {
    /// A fresh instance in `/tmp/ums-crash-<name>-<pid>` (Postfix's socket
    /// paths must stay short) on `127.0.0.1:<port>`, with a Maildir for
    /// each of `users` `@example.test`.
    pub fn start(name: &str, port: u16, users: &[String]) -> Postfix {
        let dir = PathBuf::from(format!("/tmp/ums-crash-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // The guard exists first: a half-started instance is stopped too.
        let postfix = Postfix { dir };
        let out = Command::new("bash")
            .arg(script("start.sh"))
            .arg(&postfix.dir)
            .arg(port.to_string())
            // Nothing is relayed to a gateway here.
            .arg("9")
            .env("UMS_POSTFIX_USERS", users.join(" "))
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "scripts/postfix/start.sh failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        postfix
    }

    /// The mails delivered to `user@example.test` (its Maildir's `new`
    /// and `cur`).
    pub fn mails(&self, user: &str) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(dir) = std::fs::read_dir(self.dir.join("mail").join(user).join(sub)) else {
                continue;
            };
            for entry in dir.filter_map(Result::ok) {
                let bytes = std::fs::read(entry.path()).expect("mail readable");
                out.push((entry.path(), bytes));
            }
        }
        out
    }

    /// Messages in Postfix's queue (not yet in a Maildir, or deferred).
    fn queued(&self) -> usize {
        ["incoming", "active", "deferred", "hold", "maildrop"]
            .iter()
            .map(|q| count_files(&self.dir.join("spool").join(q)))
            .sum()
    }

    /// Wait until Postfix has delivered everything it took: its queue is
    /// empty for half a second. Panics after `limit`, with the log's end.
    pub fn wait_delivered(&self, limit: Duration) {
        #[allow(clippy::disallowed_methods)] // test: a real-time deadline for a real peer
        let start = Instant::now();
        let mut empty_since = None;
        loop {
            if self.queued() == 0 {
                let since = *empty_since.get_or_insert(start.elapsed());
                if start.elapsed() - since >= Duration::from_millis(500) {
                    return;
                }
            } else {
                empty_since = None;
            }
            if start.elapsed() > limit {
                let log =
                    std::fs::read_to_string(self.dir.join("log/postfix.log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(20).collect();
                panic!(
                    "Postfix still holds {} messages after {limit:?}:\n{}",
                    self.queued(),
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => count_files(&e.path()),
            Ok(_) => 1,
            Err(_) => 0,
        })
        .sum()
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script("stop.sh"))
            .arg(&self.dir)
            .status();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
