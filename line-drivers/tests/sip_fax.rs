//! Two SIP lines of ours on loopback over real UDP sockets, in real time:
//! the socket shell's part. A T.38 fax with a session-refresh re-INVITE in
//! the middle of page 2 is captured with tshark on `lo` and must decode
//! without a malformed packet; garbage on every real port is counted and
//! dropped. The line's logic (G.711 and T.38, ECM on and off, refusal and
//! fallback, loss on the UDPTL path, T.38 agreed but silent, causes) runs
//! on the simulated network in `sip_sim.rs`.
//!
//! Ports (this helper's range): SIP 5080-5089 and 40900-40999, RTP/UDPTL
//! 20000-20299 (baresip in the peer tests takes 20400-20459).

mod sip_common;

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{FaxOptions, PageSource};
use line_drivers::sip::{SipLine, SipLineConfig, T38Policy};
use line_drivers::{CallProgress, FaxRole, HangupCause, Line, LineEvent, Media, MediaKind};
use sip_common::{trunk, FaxEnd, LO};
use test_kit::{wall, Scratch};

/// Sender line "A" (number 4930100) and receiver line "B" (4930200).
struct Setup {
    a_sip: u16,
    b_sip: u16,
    a_rtp: u16,
    b_rtp: u16,
}

fn lines(
    s: &Setup,
    now: Instant,
    tweak: impl FnOnce(&mut SipLineConfig, &mut SipLineConfig),
) -> (SipLine, SipLine) {
    let mut a = SipLineConfig::new(
        "sip/a",
        trunk("to-b", "4930100", s.b_sip),
        LO,
        s.a_sip,
        s.a_rtp,
    );
    let mut b = SipLineConfig::new(
        "sip/b",
        trunk("to-a", "4930200", s.a_sip),
        LO,
        s.b_sip,
        s.b_rtp,
    );
    b.t38_policy = T38Policy::Immediately;
    tweak(&mut a, &mut b);
    (
        SipLine::bind(a, now).expect("bind line A"),
        SipLine::bind(b, now).expect("bind line B"),
    )
}

fn pages(dir: &Path) -> (Vec<BilevelPage>, PathBuf) {
    let res = Resolution::Standard;
    let p = (0..2)
        .map(|i| {
            BilevelPage::test_pattern(PaperSize::A4.width(), PaperSize::A4.rows(res), res, 500 + i)
        })
        .collect();
    (p, dir.join("tx.tif"))
}

struct Run {
    ecm: bool,
    /// Send a refresh re-INVITE from the sender when page 2 starts.
    refresh_on_page2: bool,
    /// The sender's T.38 packets are dropped (a peer that agrees to T.38
    /// and never sends it).
    mute_sender_t38: bool,
    dir: PathBuf,
}

fn options(run: &Run, sender: bool) -> FaxOptions {
    FaxOptions {
        ecm: run.ecm,
        calling_party: sender,
        ident: if sender { "SIPLINE A" } else { "SIPLINE B" }.into(),
        ..Default::default()
    }
}

struct Outcome {
    a: FaxEnd<SipLine>,
    b: FaxEnd<SipLine>,
    src: Vec<BilevelPage>,
    refreshed: bool,
}

/// Dials from A to B, faxes (each end's `FaxCall` hangs up when its T.30
/// is done), and waits until both lines are idle; returns both ends.
fn fax_call(a: SipLine, b: SipLine, run: &Run, limit: Duration) -> Outcome {
    let (src, spool) = pages(&run.dir);
    let mut a = FaxEnd::new(a);
    a.mute_t38 = run.mute_sender_t38;
    let mut b = FaxEnd::receiver(b, run.dir.join("rx.tif"), options(run, false));
    let t0 = wall();
    let document = PageSource::Pages {
        pages: src.clone(),
        spool,
    };
    a.dial("4930200", FaxRole::Send(document), options(run, true), t0);
    let mut refreshed = false;
    let mut k = 0u64;
    loop {
        let now = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        assert!(now - t0 < limit, "fax did not finish in {limit:?}");
        a.line.tick(now);
        b.line.tick(now);
        a.step(now);
        b.step(now);
        if run.refresh_on_page2 && !refreshed && a.page_started(2) && a.end.is_none() {
            refreshed = true;
            let call = a.call().expect("the call");
            a.line.refresh(call, now).expect("refresh re-INVITE");
        }
        if a.end.is_some() && b.end.is_some() && a.line.is_idle() && b.line.is_idle() {
            break;
        }
        k += 1;
    }
    assert_eq!(b.number.as_deref(), Some("4930200"), "B's called number");
    assert_eq!(b.caller.as_deref(), Some("4930100"), "A's number at B");
    Outcome {
        a,
        b,
        src,
        refreshed,
    }
}

fn assert_fax_ok(o: &Outcome, run: &Run) {
    let tx = o.a.outcome().expect("the sender's outcome");
    let rx = o.b.outcome().expect("the receiver's outcome");
    assert!(tx.success, "sender: {tx:?}");
    assert!(rx.success, "receiver: {rx:?}");
    assert_eq!(tx.pages_confirmed, 2);
    assert_eq!(tx.ecm, run.ecm, "ECM as asked");
    let got = fax_t30::tiff::read_tiff_file(run.dir.join("rx.tif")).unwrap();
    assert_eq!(got.len(), 2, "pages received");
    for (i, (g, s)) in got.iter().zip(&o.src).enumerate() {
        // A clean path (or one ECM/UDPTL redundancy repairs) gives the
        // page bit for bit, with or without ECM.
        assert_eq!(
            g.decode().unwrap().data(),
            s.data(),
            "page {} differs",
            i + 1
        );
    }
    // The end that finished T.30 first hung up; the other heard the BYE.
    assert!(
        [o.a.remote_cause, o.b.remote_cause].contains(&Some(HangupCause::NormalClearing)),
        "a BYE was heard: {:?} / {:?}",
        o.a.remote_cause,
        o.b.remote_cause
    );
    assert!(o.a.line.is_idle() && o.b.line.is_idle());
}

fn setup(base_sip: u16, base_rtp: u16) -> Setup {
    Setup {
        a_sip: base_sip,
        b_sip: base_sip + 1,
        a_rtp: base_rtp,
        b_rtp: base_rtp + 10,
    }
}

/// Capture on lo while a T.38 fax with a refresh re-INVITE in page 2 runs;
/// tshark must decode SIP, SDP, RTP and T.38 without "Malformed".
#[test]
fn t38_reinvite_in_page_2_and_tshark_decodes_the_call() {
    let dir = Scratch::new("refresh");
    let s = setup(40920, 20200);
    let pcap = dir.join("call.pcapng");
    let filter = format!(
        "udp and (portrange {}-{} or portrange {}-{})",
        s.a_sip,
        s.b_sip,
        s.a_rtp,
        s.b_rtp + 2
    );
    let tshark = Command::new("tshark")
        .args([
            "-i",
            "lo",
            "-n",
            "-q",
            "-f",
            &filter,
            "-a",
            "duration:300",
            "-w",
        ])
        .arg(&pcap)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut cap = tshark.expect("tshark is missing: run scripts/setup.sh --test (as root)");
    let mut err = BufReader::new(cap.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        if err.read_line(&mut line).unwrap_or(0) == 0 {
            let _ = cap.kill();
            panic!("tshark exited before capturing (capture rights on lo?)");
        }
        if line.contains("Capturing on") {
            break;
        }
    }
    std::thread::spawn(move || {
        let mut s = String::new();
        while err.read_line(&mut s).unwrap_or(0) > 0 {
            s.clear();
        }
    });
    std::thread::sleep(Duration::from_millis(500));

    let (a, b) = lines(&s, wall(), |_, _| {});
    let run = Run {
        ecm: true,
        refresh_on_page2: true,
        mute_sender_t38: false,
        dir: dir.to_path_buf(),
    };
    let o = fax_call(a, b, &run, Duration::from_secs(240));
    std::thread::sleep(Duration::from_millis(500));
    let _ = Command::new("kill")
        .arg("-INT")
        .arg(cap.id().to_string())
        .status();
    let _ = cap.wait();
    assert_fax_ok(&o, &run);
    assert!(o.refreshed);
    assert_eq!(o.a.line.stats().refreshes, 1, "A's refresh got its 200");
    assert_eq!(o.b.line.stats().refreshes, 1, "B answered the refresh");
    assert_eq!(
        o.b.kinds,
        vec![MediaKind::Audio, MediaKind::T38],
        "no restart"
    );

    let decode: Vec<String> = [
        format!("udp.port=={},sip", s.a_sip),
        format!("udp.port=={},sip", s.b_sip),
        format!("udp.port=={},rtp", s.a_rtp),
        format!("udp.port=={},rtp", s.b_rtp),
        format!("udp.port=={},t38", s.a_rtp + 2),
        format!("udp.port=={},t38", s.b_rtp + 2),
    ]
    .into_iter()
    .flat_map(|d| ["-d".to_string(), d])
    .collect();
    let full = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args(&decode)
        .arg("-V")
        .output()
        .unwrap();
    assert!(
        full.status.success(),
        "{}",
        String::from_utf8_lossy(&full.stderr)
    );
    let text = String::from_utf8_lossy(&full.stdout);
    // The one exception, and why it is tshark's and not our wire format:
    // spandsp's T.38 core asks for the end of a data burst (and indicators)
    // to be sent several times (`tx_packet_handler(..., count)` with
    // `category_control[category]` copies, t38_core.c), and only advances
    // `tx_seq_no` after the handler returns, so all copies carry ONE
    // sequence number; its receiver drops a packet whose number is the one
    // just seen as "Rx: Repeat packet number" (t38_core.c,
    // t38_core_rx_ifp_packet: "a repeat copy of a recent packet. Many T.38
    // implementations can produce quite a lot of these"). The UDPTL
    // sequence number is there for the receiver to discard duplicates, so
    // a copy is legal and identical on the wire. Wireshark's T.38 dissector
    // (packet-t38.c, dissect_t38_T_field_type, 4.0 here) does not look at
    // the sequence number there: an end-of-data field (hdlc-fcs-OK-sig-end
    // etc., types 1-5 and 7) completes the reassembly and resets
    // `reass_ID` to 0, so the next copy of the same packet finds no
    // fragment in progress and is marked "[RECEIVED END OF FRAGMENT W/OUT
    // ANY FRAGMENT DATA]" with ei_t38_malformed. Sending each copy under a
    // new number instead would make every receiver process the end of the
    // burst again. So such a frame is accepted here only when it is a
    // byte-for-byte copy of an earlier frame that decoded cleanly (same
    // UDPTL sequence number, same IFP); anything else fails.
    let rows = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args(&decode)
        .args([
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-e",
            "frame.number",
            "-e",
            "_ws.expert.severity",
            "-e",
            "_ws.expert.message",
            "-e",
            "udp.payload",
        ])
        .output()
        .unwrap();
    let rows = String::from_utf8_lossy(&rows.stdout).to_string();
    let mut clean = std::collections::HashSet::new();
    let mut copies = 0;
    let mut bad = Vec::new();
    for row in rows.lines() {
        let f: Vec<&str> = row.split('|').collect();
        let field = |i: usize| f.get(i).copied().unwrap_or("");
        // Severity 0x800000 is PI_ERROR (notes and warnings pass).
        let error = field(1)
            .split(',')
            .any(|v| v.parse::<u32>().is_ok_and(|v| v >= 0x80_0000));
        let (msg, payload) = (field(2), field(3));
        if !error {
            clean.insert(payload.to_string());
        } else if msg.contains("END OF FRAGMENT W/OUT ANY FRAGMENT DATA") && clean.contains(payload)
        {
            copies += 1;
        } else {
            bad.push(row.chars().take(160).collect::<String>());
        }
    }
    assert!(bad.is_empty(), "tshark found errors: {bad:#?}");
    let malformed = text.lines().filter(|l| l.contains("Malformed")).count();
    assert!(
        malformed <= 2 * copies,
        "Malformed lines beyond the repeated end packets: {malformed} vs {copies}"
    );
    eprintln!(
        "tshark: {} frames, {copies} repeated end-of-data copies",
        rows.lines().count()
    );
    for needed in [
        "Session Initiation Protocol",
        "Session Description Protocol",
        "Real-Time Transport Protocol",
        "ITU-T Recommendation T.38",
        "Media Description, name and address (m): image",
    ] {
        assert!(text.contains(needed), "no {needed} in the capture");
    }
    // Three INVITEs: the call, the switch to T.38, the refresh.
    let summary = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args(&decode)
        .args(["-Y", "sip.Method == \"INVITE\""])
        .output()
        .unwrap();
    let invites = String::from_utf8_lossy(&summary.stdout).lines().count();
    assert_eq!(invites, 3, "{}", String::from_utf8_lossy(&summary.stdout));
}

/// Garbage on every port during a call: counted and dropped, the call
/// goes on; an INVITE whose SDP offers nothing usable is refused with 488
/// before the line reports a call.
#[test]
fn garbage_is_dropped_and_bad_offers_refused() {
    let s = setup(40946, 20140);
    let (mut a, mut b) = lines(&s, wall(), |_, b| b.t38_policy = T38Policy::Never);
    let t0 = wall();
    let call = a.dial("4930200", MediaKind::Audio, t0).unwrap();
    let junk = UdpSocket::bind((LO, 40948)).unwrap();
    let mut connected = false;
    for k in 0..100u64 {
        let now = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        a.tick(now);
        b.tick(now);
        while let Some(ev) = b.poll_event() {
            if let LineEvent::Incoming { call, .. } = ev {
                b.answer(call, now).unwrap();
            }
        }
        while let Some(ev) = a.poll_event() {
            match ev {
                LineEvent::Progress {
                    progress: CallProgress::Answered,
                    ..
                } => connected = true,
                LineEvent::HungUp { .. } => panic!("call dropped"),
                _ => {}
            }
        }
        if connected {
            let _ = a.send(call, Media::Audio([1000; 160]), now);
            for (i, port) in [s.b_sip, s.b_rtp, s.b_rtp + 2].into_iter().enumerate() {
                let mut bytes: Vec<u8> = (0..(k as usize * 7 % 300))
                    .map(|j| (j * 31 + i * 7 + k as usize) as u8)
                    .collect();
                if i == 0 {
                    bytes.splice(
                        0..0,
                        b"INVITE sip:x SIP/2.0\r\nVia: garbage\r\n\r\n"
                            .iter()
                            .copied(),
                    );
                }
                junk.send_to(&bytes, (LO, port)).unwrap();
            }
        }
    }
    assert!(connected);
    assert!(
        !a.is_idle() && !b.is_idle(),
        "the call survived the garbage"
    );
    assert!(b.stats().sip_malformed > 0, "{:?}", b.stats());
    a.hangup(call, HangupCause::NormalClearing, wall());
    let t1 = wall();
    for k in 0..10u64 {
        let now = t1 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        a.tick(now);
        b.tick(now);
    }
    assert!(b.is_idle());
    let last = std::iter::from_fn(|| b.poll_event()).last();
    assert!(
        matches!(
            last,
            Some(LineEvent::HungUp {
                cause: HangupCause::NormalClearing,
                ..
            })
        ),
        "{last:?}"
    );
    // An INVITE offering only G.729 is refused with 488 and never announced.
    let offer = "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n";
    let invite = format!(
        "INVITE sip:4930200@127.0.0.1:{} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:40948;branch=z9hG4bK-g729\r\nMax-Forwards: 70\r\nFrom: <sip:9@127.0.0.1>;tag=f1\r\nTo: <sip:4930200@127.0.0.1>\r\nCall-ID: g729@test\r\nCSeq: 1 INVITE\r\nContact: <sip:9@127.0.0.1:40948>\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{offer}",
        s.b_sip,
        offer.len()
    );
    while junk.set_nonblocking(true).is_ok() && junk.recv_from(&mut [0u8; 4096]).is_ok() {}
    junk.set_nonblocking(false).unwrap();
    junk.send_to(invite.as_bytes(), (LO, s.b_sip)).unwrap();
    junk.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut status = None;
    let t2 = wall();
    for k in 0..25u64 {
        let now = t2 + Duration::from_millis(20 * k);
        b.tick(now);
        let mut buf = [0u8; 4096];
        if let Ok((n, _)) = junk.recv_from(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).to_string();
            if text.starts_with("SIP/2.0 488") {
                status = Some(488);
            }
        }
        let ev = b.poll_event();
        assert!(ev.is_none(), "no call announced: {ev:?}");
        if status.is_some() {
            break;
        }
    }
    assert_eq!(status, Some(488));
    assert!(b.is_idle());
}
