//! SIGHUP reloads the `[[trunk]]` sections of `ums serve`: a trunk added
//! starts (it answers OPTIONS on its address), a trunk removed takes no new
//! calls but carries its call in progress to the last page and stops only
//! then (its address goes quiet), a trunk changed is replaced once idle.
//!
//! Gateway A faxes to gateway B over A's trunk `to-b`; during the call A's
//! file drops `to-b` and adds `spare`.
//!
//! Ports: SMTP 41220-41222, SIP 5110-5113, RTP/UDPTL 21200-21247.

mod serve_harness;

use std::net::UdpSocket;
use std::time::Duration;

use serve_harness::*;
use test_kit::{Proc, Scratch};

const A_SMTP: u16 = 41220;
const B_SMTP: u16 = 41221;
const A_SIP: u16 = 5110;
const B_SIP: u16 = 5111;
const SPARE_SIP: u16 = 5112;

fn head(smtp: u16, name: &str, user: &str) -> String {
    format!(
        "[smtp]\nlisten = \"127.0.0.1:{smtp}\"\nhostname = \"{name}.example.test\"\n\
         allowed_networks = [\"127.0.0.0/8\"]\n\n\
         [lines]\nnumbers = []\nident = \"+49 89 {user}\"\n\n\
         [[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\n\n\
         [retry]\nintervals_secs = [5]\n\n"
    )
}

fn trunk(name: &str, user: &str, sip: u16, peer: u16, rtp: u16, hold_down: u64) -> String {
    format!(
        "[[trunk]]\nname = \"{name}\"\npeer = \"127.0.0.1:{peer}\"\nuser = \"{user}\"\n\
         listen = \"127.0.0.1:{sip}\"\nrtp_ports = [{rtp}, {}]\nchannels = 2\n\
         keepalive_secs = 0\nhold_down_secs = {hold_down}\n\n",
        rtp + 7
    )
}

/// Sends an OPTIONS to `port` and says whether a 200 came back in 2 s.
fn answers_options(port: u16, n: u32) -> bool {
    ask(port, "OPTIONS", n).is_some_and(|l| l.starts_with("SIP/2.0 200"))
}

/// Sends a request without body to `port`; the status line of the final
/// answer within 2 s.
fn ask(port: u16, method: &str, n: u32) -> Option<String> {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let me = s.local_addr().unwrap();
    let req = format!(
        "{method} sip:probe@127.0.0.1:{port} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {me};branch=z9hG4bKprobe{port}x{n}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:probe@{me}>;tag=p{n}\r\n\
         To: <sip:probe@127.0.0.1:{port}>\r\n\
         Call-ID: probe-{port}-{n}@{me}\r\n\
         CSeq: 1 {method}\r\n\
         Content-Length: 0\r\n\r\n"
    );
    s.send_to(req.as_bytes(), ("127.0.0.1", port)).ok()?;
    let mut buf = [0u8; 4096];
    loop {
        let (k, _) = s.recv_from(&mut buf).ok()?;
        let text = String::from_utf8_lossy(&buf[..k]).to_string();
        let status = text.lines().next()?.to_string();
        // Skip provisional answers (100 Trying).
        if !status.starts_with("SIP/2.0 1") {
            return Some(status);
        }
    }
}

#[test]
fn sighup_adds_removes_and_replaces_trunks_without_cutting_a_call() {
    let dir = Scratch::new("trunk-reload");
    let (a_file, b_file) = (dir.join("a.toml"), dir.join("b.toml"));
    let a_before =
        head(A_SMTP, "a", "4989111") + &trunk("to-b", "4989111", A_SIP, B_SIP, 21200, 60);
    std::fs::write(&a_file, &a_before).unwrap();
    std::fs::write(
        &b_file,
        head(B_SMTP, "b", "4930222") + &trunk("to-a", "4930222", B_SIP, A_SIP, 21210, 60),
    )
    .unwrap();
    let (a_data, b_data) = (dir.join("a-data"), dir.join("b-data"));
    let (a_log, b_log) = (dir.join("a.log"), dir.join("b.log"));
    let a = serve_config(&a_file, &a_data, &a_log, A_SMTP);
    let b = serve_config(&b_file, &b_data, &b_log, B_SMTP);
    let mut gateways = vec![Proc(a), Proc(b)];
    assert!(answers_options(A_SIP, 1), "to-b is up: {}", read(&a_log));
    assert!(
        !answers_options(SPARE_SIP, 2),
        "nothing on the spare port yet"
    );

    // A fax from A to B over to-b.
    let doc = document(&dir, 3);
    let out = swaks(
        A_SMTP,
        "anna@example.test",
        "4930222@fax.localhost",
        &doc,
        &[],
    );
    assert!(text(&out).contains("<-  250 "), "{}", text(&out));
    assert!(
        wait_log(&a_log, 0, &["msgid=calls", "1 call(s) in progress"], 60),
        "{}",
        read(&a_log)
    );

    // During the call: to-b removed, spare added.
    let a_after =
        head(A_SMTP, "a", "4989111") + &trunk("spare", "4989111", SPARE_SIP, 5199, 21220, 60);
    std::fs::write(&a_file, &a_after).unwrap();
    let mark = log_lines(&a_log);
    signal(&gateways[0].0, "HUP");
    assert!(
        wait_log(&a_log, mark, &["msgid=trunk-retiring", "to-b"], 10),
        "{}",
        read(&a_log)
    );
    assert!(
        wait_log(&a_log, mark, &["msgid=trunk-started", "spare"], 10),
        "{}",
        read(&a_log)
    );
    assert!(answers_options(SPARE_SIP, 3), "the added trunk answers");
    // The retired trunk still carries its call: its address is alive.
    assert!(
        answers_options(A_SIP, 4),
        "to-b stopped with a call on it: {}",
        read(&a_log)
    );
    assert!(
        !read(&a_log)
            .lines()
            .skip(mark)
            .any(|l| l.contains("msgid=trunk-stopped")),
        "to-b stopped before its call ended: {}",
        read(&a_log)
    );
    // ... but takes no new call: a new INVITE gets 503 (its second channel
    // is free).
    let refused = ask(A_SIP, "INVITE", 7);
    assert!(
        refused
            .as_deref()
            .is_some_and(|l| l.starts_with("SIP/2.0 503")),
        "{refused:?}"
    );

    // The call goes on to the last page; then to-b stops.
    let mut sent = None;
    for _ in 0..240 {
        sent = journal(&a_data)
            .iter()
            .map(|r| r["message"].clone())
            .find(|m| m["direction"] == "Outgoing" && m["status"] == "Sent");
        if sent.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let s = sent.unwrap_or_else(|| {
        panic!(
            "the call on the retired trunk did not complete\nA: {}\nB: {}\n{:#?}",
            read(&a_log),
            read(&b_log),
            journal(&a_data)
        )
    });
    assert_eq!(s["line"], "sip/to-b/1", "{s:#}");
    assert_eq!(s["attempts"], 1, "not cut and retried: {s:#}");
    assert_eq!(s["pages_sent"], s["pages"], "{s:#}");
    assert!(
        wait_log(&a_log, mark, &["msgid=trunk-stopped", "to-b"], 30),
        "{}",
        read(&a_log)
    );
    assert!(
        wait_for(5, || !answers_options(A_SIP, 5)),
        "the removed trunk's address still answers"
    );
    let incoming = journal(&b_data)
        .iter()
        .map(|r| r["message"].clone())
        .find(|m| m["direction"] == "Incoming" && m["service"] == "Fax")
        .unwrap_or_else(|| panic!("B: {}", read(&b_log)));
    assert_eq!(incoming["pages"], s["pages"], "{incoming:#}");

    // A changed trunk (idle) is replaced: stopped, then started anew.
    let a_changed =
        head(A_SMTP, "a", "4989111") + &trunk("spare", "4989111", SPARE_SIP, 5199, 21220, 30);
    std::fs::write(&a_file, &a_changed).unwrap();
    let mark = log_lines(&a_log);
    signal(&gateways[0].0, "HUP");
    assert!(
        wait_log(&a_log, mark, &["msgid=trunk-stopped", "spare"], 10),
        "{}",
        read(&a_log)
    );
    assert!(
        wait_log(&a_log, mark, &["msgid=trunk-started", "spare"], 10),
        "{}",
        read(&a_log)
    );
    assert!(answers_options(SPARE_SIP, 6), "the replaced trunk answers");

    // An unchanged file on SIGHUP touches no trunk.
    let mark = log_lines(&a_log);
    signal(&gateways[0].0, "HUP");
    assert!(wait_log(&a_log, mark, &["msgid=reloaded"], 10));
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !read(&a_log)
            .lines()
            .skip(mark)
            .any(|l| l.contains("msgid=trunk-")),
        "{}",
        read(&a_log)
    );

    for Proc(c) in &mut gateways {
        signal(c, "TERM");
        assert!(wait_exit(c, 30).is_some_and(|s| s.success()));
    }
}

/// A trunk whose SIP or RTP port is taken stops the start with the trunk's
/// name and the reason (trunks are bound on the media thread; the start
/// waits for them).
#[test]
fn a_trunk_sip_port_in_use_stops_the_start() {
    let dir = Scratch::new("trunk-sip-port-in-use");
    let file = dir.join("a.toml");
    // The trunk's signalling address is taken: the trunk cannot work.
    let _taken = UdpSocket::bind("127.0.0.1:5113").unwrap();
    std::fs::write(
        &file,
        head(41222, "a", "4989111") + &trunk("busy-ports", "4989111", 5113, 5199, 21240, 60),
    )
    .unwrap();
    let data = dir.join("data");
    let log = dir.join("serve.log");
    let mut child = spawn(
        &[
            "--config",
            file.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ],
        &log,
    );
    let status = wait_exit(&mut child, 30).expect("exits");
    let log = read(&log);
    assert_eq!(status.code(), Some(2), "{log}");
    let line = log
        .lines()
        .find(|l| l.contains("msgid=start-failed"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(line.contains("SIP trunk busy-ports"), "{log}");
    assert!(line.contains("SIP socket"), "{log}");
    assert!(!listening(41222), "nothing left serving");
}

#[test]
fn a_trunk_media_port_in_use_takes_one_channel_out_of_service() {
    // Issue 12: this stopped the start (exit 2) before; a media port that
    // another socket holds now costs that channel only.
    let dir = Scratch::new("trunk-port-in-use");
    let file = dir.join("a.toml");
    // Channel 2's RTP port (21240 + 4) is taken.
    let _taken = UdpSocket::bind("127.0.0.1:21244").unwrap();
    std::fs::write(
        &file,
        head(41222, "a", "4989111") + &trunk("busy-ports", "4989111", 5113, 5199, 21240, 60),
    )
    .unwrap();
    let data = dir.join("data");
    let log = dir.join("serve.log");
    let mut child = serve_config(&file, &data, &log, 41222);
    let found = wait_log(
        &log,
        0,
        &[
            "msgid=sip-channel-out-of-service",
            "sip/busy-ports/2",
            "RTP port 21244",
        ],
        20,
    );
    let answers = answers_options(5113, 1);
    signal(&child, "TERM");
    let status = wait_exit(&mut child, 30);
    let log = read(&log);
    assert!(found, "{log}");
    assert!(answers, "the trunk answers on its SIP address: {log}");
    assert!(!log.contains("msgid=start-failed"), "{log}");
    assert!(status.is_some_and(|s| s.success()), "{log}");
}
