//! A thin tokio UDP shell around the sans-IO [`Endpoint`] for tests
//! against real peers: it moves datagrams and reads the real clock, and
//! nothing else. Also starts SIPp scenarios and tshark captures.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sip::endpoint::{Endpoint, EndpointEvent, Output};
use sip::transaction::TimerConfig;
use test_kit::wall;
use tokio::net::UdpSocket;

/// One endpoint on one UDP socket.
pub struct UdpShell {
    pub sock: UdpSocket,
    pub ep: Endpoint,
    pub sent: Vec<Vec<u8>>,
}

impl UdpShell {
    pub async fn bind(port: u16) -> UdpShell {
        let sock = UdpSocket::bind(("127.0.0.1", port)).await.expect("bind");
        UdpShell {
            sock,
            ep: Endpoint::new(false, TimerConfig::default()),
            sent: Vec::new(),
        }
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.sock.local_addr().expect("addr")
    }

    async fn flush(&mut self, events: &mut Vec<EndpointEvent>) {
        while let Some(out) = self.ep.poll_output() {
            match out {
                Output::Transmit { to, bytes } => {
                    self.sock.send_to(&bytes, to).await.expect("send");
                    self.sent.push(bytes);
                }
                Output::Event(e) => events.push(e),
            }
        }
    }

    /// Runs until an event arrives (returned) or `limit` passes (None).
    pub async fn next_event(&mut self, limit: Duration) -> Option<EndpointEvent> {
        let deadline = wall() + limit;
        let mut events = Vec::new();
        let mut buf = vec![0u8; 65_536];
        loop {
            self.flush(&mut events).await;
            if !events.is_empty() {
                return Some(events.remove(0));
            }
            let t = wall();
            if t >= deadline {
                return None;
            }
            let wake = self.ep.poll_timeout().map_or(deadline, |w| w.min(deadline));
            let wait = wake.saturating_duration_since(t);
            tokio::select! {
                r = self.sock.recv_from(&mut buf) => {
                    if let Ok((n, from)) = r {
                        self.ep.handle_datagram(from, &buf[..n], wall());
                    }
                }
                _ = tokio::time::sleep(wait) => {
                    self.ep.handle_timeout(wall());
                }
            }
        }
    }
}

/// The SIP peers' scripts and scenarios: `tests/peers/sip` in this
/// repository (copied from the brief's `shared/peers/sip`, so a fresh
/// clone has them); `UMS_SHARED_DIR` points at another copy.
pub fn peers_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("UMS_SHARED_DIR") {
        return PathBuf::from(d).join("peers/sip");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/peers/sip")
}

pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts a SIPp UAS scenario on 127.0.0.1:`port` for one call.
pub fn sipp(
    scenario: &str,
    port: u16,
    cport: u16,
    mport: u16,
    user: &str,
    pass: &str,
    dir: &Path,
) -> Child {
    sipp_on("u1", scenario, port, cport, mport, user, pass, dir)
}

/// The same over a given SIPp transport mode (`u1` UDP, `t1` TCP).
#[allow(clippy::too_many_arguments)]
pub fn sipp_on(
    transport: &str,
    scenario: &str,
    port: u16,
    cport: u16,
    mport: u16,
    user: &str,
    pass: &str,
    dir: &Path,
) -> Child {
    let src = peers_dir().join(scenario);
    assert!(src.exists(), "{} missing", src.display());
    // SIPp writes its logs beside the scenario: use a copy in our scratch dir.
    let path = dir.join(scenario);
    std::fs::copy(&src, &path).expect("copy scenario");
    Command::new("sipp")
        .args(["-sf"])
        .arg(&path)
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args([
            "-mp",
            &mport.to_string(),
            "-cp",
            &cport.to_string(),
            "-t",
            transport,
        ])
        .args([
            "-m",
            "1",
            "-timeout",
            "30s",
            "-timeout_error",
            "-nostdin",
            "-trace_err",
            "-trace_logs",
        ])
        .args(["-set", "user", user, "-set", "pass", pass])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sipp")
}

/// Waits for a child with a limit; kills it (by its own id) when over.
pub fn wait_child(mut child: Child, limit: Duration) -> (Option<i32>, String) {
    let start = wall();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut err);
            }
            return (status.code(), err);
        }
        if wall() - start > limit {
            let _ = child.kill();
            let _ = child.wait();
            return (None, "timed out".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A tshark capture on `lo` with a BPF filter, written to `file`.
pub struct Capture {
    child: Child,
    pub file: PathBuf,
}

impl Capture {
    pub fn start(filter: &str, dir: &Path) -> Capture {
        let file = dir.join("capture.pcapng");
        let mut child = Command::new("tshark")
            .args(["-i", "lo", "-q", "-f", filter, "-w"])
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn tshark");
        // Wait for "Capturing on" before the test sends anything.
        use std::io::{BufRead, BufReader};
        let err = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(err).lines();
        for line in lines.by_ref() {
            match line {
                Ok(l) if l.contains("Capturing on") => break,
                Ok(_) => continue,
                Err(_) => break,
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Capture { child, file }
    }

    /// Stops the capture (SIGINT to our tshark, so it flushes) and decodes
    /// it with `tshark -V`, `decode_as` forcing SIP on our ports.
    pub fn stop_and_decode(mut self, decode_as: &[&str], display_filter: &str) -> String {
        std::thread::sleep(Duration::from_millis(300));
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let mut cmd = Command::new("tshark");
        cmd.arg("-r").arg(&self.file).arg("-V");
        for d in decode_as {
            cmd.args(["-d", d]);
        }
        cmd.args(["-Y", display_filter]);
        let out = cmd.output().expect("tshark -r");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}
