//! SIP over TCP (issue 7: "a thin shell over UDP and TCP"): our line with
//! `SipTransport::Tcp` has no UDP SIP socket at all, so a call only works
//! if the framing, the connection handling and the Via/Contact are right.
//! The peer is SIPp (Debian's sip-tester) in its single-connection TCP mode
//! (`-t t1`), calling us and called by us; garbage on a connection closes
//! that connection and nothing else.
//!
//! Ports: our SIP 40970-40974 (TCP), RTP 20600-20619; SIPp 40975-40979,
//! its media 20620-20639.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use line_drivers::sip::{SipLine, SipLineConfig, SipTransport, T38Policy, TrunkConfig};
use line_drivers::{CallProgress, HangupCause, Line, LineEvent, MediaKind};
use test_kit::wall;

fn tcp_line(name: &str, port: u16, rtp: u16, peer_port: u16) -> SipLine {
    let trunk = TrunkConfig::static_peer("sipp", format!("127.0.0.1:{peer_port}"), "4930100");
    let mut cfg = SipLineConfig::new(name, trunk, "127.0.0.1".parse().unwrap(), port, rtp);
    cfg.transport = SipTransport::Tcp;
    cfg.t38_policy = T38Policy::Never;
    SipLine::bind(cfg, wall()).expect("bind")
}

fn sipp(args: &[&str], port: u16, media: u16) -> Child {
    Command::new("sipp")
        .args(args)
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-mp", &media.to_string(), "-cp", &(port + 1).to_string()])
        .args(["-t", "t1", "-m", "1", "-timeout", "20s", "-timeout_error"])
        .args(["-nostdin", "-nd"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sipp (Debian sip-tester) runs")
}

/// Ticks the line in real time until `done` says so or 20 s pass; returns
/// the events seen and SIPp's exit code.
fn run(
    line: &mut SipLine,
    peer: &mut Child,
    mut on_event: impl FnMut(&mut SipLine, &LineEvent, Instant),
) -> (Vec<LineEvent>, Option<i32>) {
    let t0 = wall();
    let mut events = Vec::new();
    let mut code = None;
    for k in 0..20 * 50u64 {
        let now = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        line.tick(now);
        while let Some(ev) = line.poll_event() {
            if !matches!(ev, LineEvent::Media { .. }) {
                on_event(line, &ev, now);
                events.push(ev);
            }
        }
        if code.is_none() {
            if let Some(st) = peer.try_wait().unwrap() {
                code = st.code();
            }
        }
        if code.is_some() && line.is_idle() {
            break;
        }
    }
    if code.is_none() {
        let _ = peer.kill();
    }
    let _ = peer.wait();
    (events, code)
}

#[test]
fn sipp_calls_us_over_tcp_and_hangs_up() {
    let mut line = tcp_line("sip/tcp-in", 40970, 20600, 40975);
    let mut peer = sipp(
        &[
            "-sn",
            "uac",
            "-s",
            "4930777",
            "-d",
            "1000",
            "127.0.0.1:40970",
        ],
        40975,
        20620,
    );
    let (events, code) = run(&mut line, &mut peer, |line, ev, now| {
        if let LineEvent::Incoming { call, .. } = ev {
            line.answer(*call, now).expect("answer");
        }
    });
    assert_eq!(code, Some(0), "SIPp's call over TCP failed: {events:?}");
    assert!(
        matches!(&events[0], LineEvent::Incoming { called, media: MediaKind::Audio, .. } if called == "4930777"),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| matches!(e, LineEvent::HungUp { .. })),
        "SIPp's BYE came over TCP: {events:?}"
    );
    assert!(line.is_idle());
    assert_eq!(line.stats().sip_malformed, 0);
}

#[test]
fn we_call_sipp_over_tcp_and_hang_up() {
    let mut peer = sipp(&["-sn", "uas"], 40977, 20630);
    std::thread::sleep(Duration::from_millis(500));
    let mut line = tcp_line("sip/tcp-out", 40971, 20604, 40977);
    let call = line
        .dial("4930888", MediaKind::Audio, wall())
        .expect("dial");
    let mut answered = false;
    let (events, code) = run(&mut line, &mut peer, |line, ev, now| {
        if let LineEvent::Progress {
            progress: CallProgress::Answered,
            ..
        } = ev
        {
            answered = true;
            line.hangup(call, HangupCause::NormalClearing, now);
        }
    });
    assert!(answered, "SIPp answered over TCP: {events:?}");
    assert_eq!(code, Some(0), "SIPp saw our ACK and BYE: {events:?}");
    assert_eq!(
        line.sip_connections(),
        0,
        "SIPp's exit closed the connection and the line let it go"
    );
}

#[test]
fn garbage_on_a_connection_closes_it_and_the_line_goes_on() {
    let mut line = tcp_line("sip/tcp-junk", 40972, 20608, 40979);
    let t0 = wall();
    let mut tick = 0u64;
    let mut tick_for = |line: &mut SipLine, ms: u64| {
        for _ in 0..ms / 20 {
            tick += 1;
            let now = t0 + Duration::from_millis(20 * tick);
            if let Some(d) = now.checked_duration_since(wall()) {
                std::thread::sleep(d);
            }
            line.tick(now);
        }
    };
    // A stream message without Content-Length cannot be framed.
    let mut junk = TcpStream::connect("127.0.0.1:40972").unwrap();
    junk.write_all(b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: nonsense\r\n\r\n\x00\xff garbage")
        .unwrap();
    tick_for(&mut line, 200);
    junk.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut rest = Vec::new();
    let closed = junk.read_to_end(&mut rest).is_ok();
    assert!(closed, "the connection with garbage is closed");
    assert_eq!(line.stats().sip_malformed, 1);
    assert_eq!(line.sip_connections(), 0);

    // A proper OPTIONS on a new connection is answered on that connection.
    let mut good = TcpStream::connect("127.0.0.1:40972").unwrap();
    let local = good.local_addr().unwrap();
    let options = format!(
        "OPTIONS sip:4930100@127.0.0.1:40972 SIP/2.0\r\n\
         Via: SIP/2.0/TCP {local};branch=z9hG4bK-tcp-1\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:probe@127.0.0.1>;tag=p1\r\n\
         To: <sip:4930100@127.0.0.1>\r\n\
         Call-ID: tcp-probe-1@127.0.0.1\r\n\
         CSeq: 1 OPTIONS\r\n\
         Content-Length: 0\r\n\r\n"
    );
    good.write_all(options.as_bytes()).unwrap();
    tick_for(&mut line, 200);
    good.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut buf = [0u8; 2048];
    let n = good.read(&mut buf).unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("SIP/2.0 200"), "{answer}");
    assert!(answer.contains("tcp-probe-1@127.0.0.1"), "{answer}");
}

/// OPTIONS keep-alives go to the trunk and are answered (here by another
/// line of ours over TCP); towards a port where nothing listens none is.
#[test]
fn keepalives_are_sent_and_answered() {
    let mut a = tcp_line("sip/ka-a", 40973, 20612, 40974);
    let mut b = tcp_line("sip/ka-b", 40974, 20616, 40973);
    let mut lonely = tcp_line("sip/ka-lonely", 40978, 20640, 40979);
    for line in [&mut a, &mut lonely] {
        line.set_keepalive(Some(Duration::from_millis(500)));
    }
    let t0 = wall();
    for k in 0..150u64 {
        let now = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        a.tick(now);
        b.tick(now);
        lonely.tick(now);
    }
    let answered = a.stats().keepalives_answered;
    assert!(answered >= 4, "{answered} keep-alives answered in 3 s");
    assert_eq!(a.trunk_up(), Some(true));
    assert_eq!(b.trunk_up(), None, "keep-alive off on b");
    assert_eq!(lonely.stats().keepalives_answered, 0);
}
