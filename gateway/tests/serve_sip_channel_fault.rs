//! A media port of a trunk held by another program (issue 12): `ums serve`
//! starts anyway, says which channel is out of service and why in one log
//! line, and the trunk (its other channel) answers on its SIP address.
//! Before, the trunk's bind failed and `ums serve` did not start at all.
//!
//! Ports: SMTP 41230-41231, SIP 5150-5153, RTP/UDPTL 21500-21515.

mod serve_harness;

use std::net::UdpSocket;
use std::time::Duration;

use serve_harness::*;
use test_kit::Scratch;

const SMTP: u16 = 41230;
const SIP: u16 = 5150;
const RTP: u16 = 21500;

/// The status line of the final answer to an OPTIONS sent to `port`.
fn options(port: u16) -> Option<String> {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let me = s.local_addr().unwrap();
    let req = format!(
        "OPTIONS sip:probe@127.0.0.1:{port} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {me};branch=z9hG4bKfault{port}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:probe@{me}>;tag=f1\r\n\
         To: <sip:probe@127.0.0.1:{port}>\r\n\
         Call-ID: fault-probe@{me}\r\n\
         CSeq: 1 OPTIONS\r\n\
         Content-Length: 0\r\n\r\n"
    );
    s.send_to(req.as_bytes(), ("127.0.0.1", port)).ok()?;
    let mut buf = [0u8; 4096];
    loop {
        let (k, _) = s.recv_from(&mut buf).ok()?;
        let status = String::from_utf8_lossy(&buf[..k])
            .lines()
            .next()?
            .to_string();
        if !status.starts_with("SIP/2.0 1") {
            return Some(status);
        }
    }
}

#[test]
fn a_taken_media_port_takes_one_channel_out_of_service_with_a_log_line() {
    let dir = Scratch::new("sip-channel-fault");
    let file = dir.join("ums.toml");
    std::fs::write(
        &file,
        format!(
            "[smtp]\nlisten = \"127.0.0.1:{SMTP}\"\nhostname = \"gw.example.test\"\n\n\
             [[trunk]]\nname = \"pbx\"\npeer = \"127.0.0.1:5151\"\nuser = \"100\"\n\
             listen = \"127.0.0.1:{SIP}\"\nrtp_ports = [{RTP}, {}]\nchannels = 2\n\
             keepalive_secs = 0\n",
            RTP + 7
        ),
    )
    .unwrap();
    // Another program on channel 2's RTP port.
    let _squatter = UdpSocket::bind(("127.0.0.1", RTP + 4)).unwrap();
    let data = dir.join("data");
    let log = dir.join("serve.log");
    let mut child = serve_config(&file, &data, &log, SMTP);
    let found = wait_log(
        &log,
        0,
        &["msgid=sip-channel-out-of-service", "sip/pbx/2"],
        20,
    );
    let text = read(&log);
    signal(&child, "TERM");
    let _ = wait_exit(&mut child, 30);
    assert!(found, "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("msgid=sip-channel-out-of-service"))
        .unwrap();
    assert!(line.starts_with("<3>"), "an error: {line}");
    assert!(
        line.contains(&format!("RTP port {}", RTP + 4)) && line.contains("another socket"),
        "{line}"
    );
    assert_eq!(
        text.matches("sip-channel-out-of-service").count(),
        1,
        "one line, not one per tick: {text}"
    );
    assert!(!text.contains("media-start-failed"), "{text}");
}

#[test]
fn the_trunk_answers_while_one_channel_is_out_of_service() {
    let dir = Scratch::new("sip-channel-fault-options");
    let file = dir.join("ums.toml");
    std::fs::write(
        &file,
        format!(
            "[smtp]\nlisten = \"127.0.0.1:{}\"\nhostname = \"gw.example.test\"\n\n\
             [[trunk]]\nname = \"pbx\"\npeer = \"127.0.0.1:5153\"\nuser = \"100\"\n\
             listen = \"127.0.0.1:{}\"\nrtp_ports = [{}, {}]\nchannels = 2\n\
             keepalive_secs = 0\n",
            SMTP + 1,
            SIP + 2,
            RTP + 8,
            RTP + 15
        ),
    )
    .unwrap();
    let _squatter = UdpSocket::bind(("127.0.0.1", RTP + 8)).unwrap();
    let data = dir.join("data");
    let log = dir.join("serve.log");
    let mut child = serve_config(&file, &data, &log, SMTP + 1);
    let answered = wait_for(20, || {
        options(SIP + 2).is_some_and(|s| s.starts_with("SIP/2.0 200"))
    });
    let text = read(&log);
    signal(&child, "TERM");
    let _ = wait_exit(&mut child, 30);
    assert!(answered, "the trunk does not answer OPTIONS: {text}");
    assert!(
        text.contains("sip/pbx/1"),
        "channel 1 is out of service: {text}"
    );
}
