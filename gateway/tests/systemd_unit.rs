//! The systemd unit: it verifies, its hardening scores 2.0 or lower, and
//! `ums serve` speaks the notify protocol the unit's Type=notify and
//! WatchdogSec= expect.

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use test_kit::Scratch;

fn unit() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../systemd/ums.service")
}

#[test]
fn the_unit_verifies_with_the_built_binary() {
    let dir = Scratch::new("systemd_verify");
    let text = std::fs::read_to_string(unit()).unwrap();
    let text = text.replace("/usr/bin/ums", env!("CARGO_BIN_EXE_ums"));
    let copy = dir.join("ums.service");
    std::fs::write(&copy, text).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .expect("systemd-analyze");
    let err = String::from_utf8_lossy(&out.stderr);
    // Nothing about our unit may be wrong (other units on the host are not ours).
    let ours: Vec<&str> = err.lines().filter(|l| l.contains("ums.service")).collect();
    assert!(out.status.success() && ours.is_empty(), "{err}");
}

#[test]
fn the_hardening_scores_2_or_lower() {
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=true"])
        .arg(unit())
        .output()
        .expect("systemd-analyze");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or_else(|| panic!("no score in: {text}"));
    let score: f64 = line
        .split(':')
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(score <= 2.0, "{line}");
}

#[test]
fn serve_reports_ready_and_pings_the_watchdog() {
    let dir = Scratch::new("sd_notify");
    let sock_path = dir.join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut ums = Command::new(env!("CARGO_BIN_EXE_ums"))
        .args(["serve", "--data"])
        .arg(dir.join("data"))
        .args(["--smtp", "127.0.0.1:2841"])
        .env("NOTIFY_SOCKET", &sock_path)
        .env("WATCHDOG_USEC", "1000000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !(seen.iter().any(|s: &String| s == "READY=1") && seen.iter().any(|s| s == "WATCHDOG=1"))
    {
        match sock.recv(&mut buf) {
            Ok(n) => seen.push(String::from_utf8_lossy(&buf[..n]).into_owned()),
            Err(_) => break,
        }
    }
    let _ = Command::new("kill")
        .args(["-TERM", &ums.id().to_string()])
        .status();
    let status = ums.wait().unwrap();
    assert!(seen.contains(&"READY=1".to_string()), "{seen:?}");
    assert!(seen.contains(&"WATCHDOG=1".to_string()), "{seen:?}");
    assert!(status.success(), "SIGTERM ends it cleanly: {status:?}");
}

/// The watchdog is pinged from the media loop itself: when that loop hangs
/// (a deadlocked driver), the pings stop while the process lives on, and
/// systemd (WatchdogSec) restarts the service.
#[test]
fn a_stalled_media_loop_stops_the_watchdog_pings() {
    let dir = Scratch::new("sd_watchdog_stall");
    let sock_path = dir.join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    // 20 ms ticks: the loop stalls after about 2 s, having pinged every 0.5 s.
    let mut ums = Command::new(env!("CARGO_BIN_EXE_ums"))
        .args(["serve", "--data"])
        .arg(dir.join("data"))
        .args(["--smtp", "127.0.0.1:2842"])
        .env("NOTIFY_SOCKET", &sock_path)
        .env("WATCHDOG_USEC", "500000")
        .env("UMS_FAILPOINT", "stall:media@100")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the first ping, then listen 9 s more.
    let start = test_kit::wall();
    let mut pings = Vec::new();
    let mut buf = [0u8; 256];
    while start.elapsed() < Duration::from_secs(30)
        && pings
            .first()
            .is_none_or(|first: &Duration| start.elapsed() < *first + Duration::from_secs(9))
    {
        if let Ok(n) = sock.recv(&mut buf) {
            if &buf[..n] == b"WATCHDOG=1" {
                pings.push(start.elapsed());
            }
        }
    }
    let alive = ums.try_wait().unwrap().is_none();
    let _ = ums.kill();
    let _ = ums.wait();
    assert!(alive, "the process must live on: only its media loop hangs");
    assert!(pings.len() >= 3, "pings before the stall: {pings:?}");
    let span = *pings.last().unwrap() - pings[0];
    assert!(
        span < Duration::from_secs(5),
        "pings went on after the media loop stalled ({span:?} of pings): {pings:?}"
    );
}

/// A media loop that cannot start fails the start: no READY=1 for
/// systemd, a log line saying why, exit status 2, and no SMTP client is
/// ever answered (let alone with 250). Here the simulated network cannot
/// make its directory (`<data>/virtual-network` is a plain file).
#[test]
fn a_media_loop_that_cannot_start_fails_the_start_without_ready_or_250() {
    use std::io::{Read, Write};
    let dir = Scratch::new("sd_media_fails");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("virtual-network"), b"not a directory").unwrap();
    let sock_path = dir.join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let log = dir.join("serve.log");
    let mut ums = Command::new(env!("CARGO_BIN_EXE_ums"))
        .args(["serve", "--data"])
        .arg(&data)
        .args(["--smtp", "127.0.0.1:2843"])
        .env("NOTIFY_SOCKET", &sock_path)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    // Knock on the SMTP port while it starts: nothing may answer.
    let mut greetings = Vec::new();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    let status = loop {
        if let Ok(n) = sock.recv(&mut buf) {
            seen.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        if let Ok(mut c) = std::net::TcpStream::connect("127.0.0.1:2843") {
            c.set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            let _ = c.write_all(b"EHLO test\r\n");
            let mut got = Vec::new();
            let _ = c.read_to_end(&mut got);
            if !got.is_empty() {
                greetings.push(String::from_utf8_lossy(&got).into_owned());
            }
        }
        if let Some(s) = ums.try_wait().unwrap() {
            break s;
        }
    };
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(status.code(), Some(2), "exit 2: cannot start\n{text}");
    assert!(!seen.iter().any(|s| s.contains("READY=1")), "{seen:?}");
    assert!(
        greetings.is_empty(),
        "answered while failing: {greetings:?}"
    );
    assert!(
        text.contains("media-start-failed") && text.contains("virtual-network"),
        "the log says why:\n{text}"
    );
    assert!(
        !text.contains("msgid=started"),
        "never reported as started:\n{text}"
    );
}
