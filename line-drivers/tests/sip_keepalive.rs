//! OPTIONS keep-alive, the down path (issue 7: "OPTIONS keep-alive; several
//! trunks with failover"): a trunk that stops answering is marked down
//! after `KEEPALIVE_MISSES` (3) OPTIONS transactions in a row time out, the
//! line is then unavailable for new calls, and it is up again as soon as
//! the peer answers one OPTIONS.
//!
//! A miss counts only when the non-INVITE transaction times out (Timer F,
//! 64·T1 = 32 s), so three misses take about 100 s of SIP time. The line is
//! sans-IO as to time (every `tick` gets `now`), so this test drives it on
//! a simulated clock (100 ms of SIP time per step, a millisecond of real
//! time for the loopback datagrams to arrive) over real UDP sockets; the
//! peer is a plain socket that drops or answers the OPTIONS it gets.
//!
//! Ports: SIP 41800-41801, RTP/UDPTL 41810-41813.

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use line_drivers::sip::{SipLine, SipLineConfig, T38Policy, TrunkConfig};
use line_drivers::Line;

/// The 200 to an OPTIONS request (its Via, From, To, Call-ID and CSeq).
fn answer(request: &str) -> String {
    let mut out = String::from("SIP/2.0 200 OK\r\n");
    for line in request.split("\r\n") {
        let name = line
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if ["via", "v", "from", "f", "call-id", "i", "cseq"].contains(&name.as_str()) {
            out.push_str(line);
            out.push_str("\r\n");
        } else if name == "to" || name == "t" {
            out.push_str(line);
            out.push_str(";tag=peer1\r\n");
        }
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    out
}

struct Peer {
    sock: UdpSocket,
    answering: bool,
    /// OPTIONS datagrams received (retransmissions included).
    got: u32,
}

impl Peer {
    fn serve(&mut self) {
        let mut buf = [0u8; 4096];
        while let Ok((n, from)) = self.sock.recv_from(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).to_string();
            assert!(text.starts_with("OPTIONS "), "{text}");
            self.got += 1;
            if self.answering {
                self.sock.send_to(answer(&text).as_bytes(), from).unwrap();
            }
        }
    }
}

#[test]
fn keepalive_marks_a_silent_trunk_down_and_up_again() {
    let peer_addr: SocketAddr = "127.0.0.1:41801".parse().unwrap();
    let trunk = TrunkConfig::static_peer("silent", peer_addr.to_string(), "4930100");
    let mut cfg = SipLineConfig::new("sip/ka", trunk, "127.0.0.1".parse().unwrap(), 41800, 41810);
    cfg.t38_policy = T38Policy::Never;
    cfg.keepalive = Some(Duration::from_secs(10));
    let t0 = test_kit::origin();
    let mut line = SipLine::bind(cfg, t0).expect("bind");
    let sock = UdpSocket::bind(peer_addr).unwrap();
    sock.set_nonblocking(true).unwrap();
    let mut peer = Peer {
        sock,
        answering: true,
        got: 0,
    };
    let step = Duration::from_millis(100);
    let mut k = 0u32;
    let mut run = |line: &mut SipLine, peer: &mut Peer, secs: u32| {
        for _ in 0..secs * 10 {
            let now = t0 + step * k;
            line.tick(now);
            std::thread::sleep(Duration::from_millis(1));
            peer.serve();
            std::thread::sleep(Duration::from_millis(1));
            k += 1;
        }
        t0 + step * k
    };
    // An answering peer: up, available.
    run(&mut line, &mut peer, 25);
    assert_eq!(line.trunk_up(), Some(true));
    assert!(line.stats().keepalives_answered >= 2, "{:?}", line.stats());
    assert!(line.is_available());

    // The peer goes silent. Two misses (two Timer F expiries, 64 s) are
    // not enough ...
    peer.answering = false;
    let answered = line.stats().keepalives_answered;
    let before = peer.got;
    run(&mut line, &mut peer, 80);
    assert!(
        peer.got > before + 6,
        "OPTIONS (and retransmissions) kept coming"
    );
    assert_eq!(line.stats().keepalives_answered, answered);
    assert_eq!(
        line.trunk_up(),
        Some(true),
        "two misses do not take it down"
    );
    assert!(line.is_available());
    // ... the third is: down, and no new calls on this line.
    run(&mut line, &mut peer, 40);
    assert_eq!(line.trunk_up(), Some(false), "down after three misses");
    assert!(!line.is_available());
    let got_down = peer.got;
    // Still probed while down.
    run(&mut line, &mut peer, 20);
    assert!(peer.got > got_down, "OPTIONS go on while the trunk is down");
    assert_eq!(line.trunk_up(), Some(false));

    // The peer answers again: up at the next OPTIONS it gets.
    peer.answering = true;
    run(&mut line, &mut peer, 12);
    assert!(line.stats().keepalives_answered > answered);
    assert_eq!(line.trunk_up(), Some(true), "up again once answered");
    assert!(line.is_available());
}
