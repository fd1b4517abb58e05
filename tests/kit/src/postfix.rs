//! A private Postfix instance for a test: the customer's mail server.
//!
//! The instance itself is `scripts/postfix/` (shared with `ums bench smtp`
//! and `tests/mail/postfix_selftest.sh`); this is its handle in Rust.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::Scratch;

/// A Postfix instance of its own, started from its own config directory in
/// a [`Scratch`] directory (`etc/`, `spool/`, `log/postfix.log`, `mail/`):
/// smtpd on `127.0.0.1:<smtp_port>` only; mail for `fax.test` and
/// `sms.test` relayed to `127.0.0.1:<gateway_port>`; Maildirs for
/// `anna`, `bob`, `postmaster` and `default` `@example.test` at
/// `mail/<user>/`; `bench.test` queued and discarded.
///
/// Dropped, it stops that instance (and only that one), then its directory
/// goes as a [`Scratch`] does. Needs root (`postfix start` does);
/// `scripts/postfix/start.sh` installs Postfix if it is missing.
pub struct Postfix {
    smtp_port: u16,
    // Dropped after the instance is stopped (fields drop after `drop`).
    dir: Scratch,
}

impl Postfix {
    /// Starts the instance and returns once smtpd answers with its banner;
    /// panics with the script's output if it does not.
    pub fn start(name: &str, smtp_port: u16, gateway_port: u16) -> Postfix {
        Postfix::start_with_users(name, smtp_port, gateway_port, &[])
    }

    /// [`Postfix::start`] with a Maildir for each of `users` `@example.test`
    /// too (beyond the standard ones).
    pub fn start_with_users(
        name: &str,
        smtp_port: u16,
        gateway_port: u16,
        users: &[String],
    ) -> Postfix {
        // The guard exists before the start, so even a half-started instance
        // is stopped. Postfix's Unix socket paths must stay short: start.sh
        // refuses a directory path over 70 characters.
        let postfix = Postfix {
            smtp_port,
            dir: Scratch::new(&format!("pf-{name}")),
        };
        let out = Command::new("bash")
            .arg(script("start.sh"))
            .arg(postfix.dir())
            .arg(smtp_port.to_string())
            .arg(gateway_port.to_string())
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

    /// The instance directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Where smtpd listens (on 127.0.0.1).
    pub fn smtp_port(&self) -> u16 {
        self.smtp_port
    }

    /// The Maildir of `user@example.test`.
    pub fn maildir(&self, user: &str) -> PathBuf {
        self.dir.join("mail").join(user)
    }

    /// Waits until `user`'s Maildir holds at least `count` delivered
    /// messages and returns their paths, oldest first; panics after
    /// `timeout` with what is there and the end of the Postfix log.
    pub fn wait_mail(&self, user: &str, count: usize, timeout: Duration) -> Vec<PathBuf> {
        let out = Command::new("bash")
            .arg(script("wait-mail.sh"))
            .arg(self.dir())
            .arg(user)
            .arg(count.to_string())
            .arg(format!("{:.3}", timeout.as_secs_f64()))
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "no {count} mails for {user}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(PathBuf::from)
            .collect()
    }
}

impl Postfix {
    /// The mails delivered to `user@example.test` (its Maildir's `new` and
    /// `cur`), with their bytes.
    pub fn mails(&self, user: &str) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(dir) = std::fs::read_dir(self.maildir(user).join(sub)) else {
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
    pub fn queued(&self) -> usize {
        ["incoming", "active", "deferred", "hold", "maildrop"]
            .iter()
            .map(|q| count_files(&self.dir.join("spool").join(q)))
            .sum()
    }

    /// Waits until Postfix has delivered everything it took (its queue
    /// empty for half a second); panics after `limit` with the log's end.
    pub fn wait_delivered(&self, limit: Duration) {
        let start = crate::wall();
        let mut empty_since = None;
        loop {
            let elapsed = crate::wall() - start;
            if self.queued() == 0 {
                let since = *empty_since.get_or_insert(elapsed);
                if elapsed - since >= Duration::from_millis(500) {
                    return;
                }
            } else {
                empty_since = None;
            }
            if elapsed > limit {
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
        let stopped = Command::new("bash")
            .arg(script("stop.sh"))
            .arg(self.dir())
            .status();
        if !matches!(stopped, Ok(s) if s.success()) {
            eprintln!(
                "test-kit: stopping Postfix in {}: {stopped:?}",
                self.dir().display()
            );
        }
    }
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scripts/postfix")
        .join(name)
}
