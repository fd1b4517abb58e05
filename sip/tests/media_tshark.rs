//! Wireshark's dissectors as an independent check of our wire formats: RTP
//! (G.711), RFC 4733 events, RTCP compounds and UDPTL/T.38 (redundancy and
//! FEC) are sent over UDP on 127.0.0.1, captured with tshark on `lo`, and
//! decoded. Any malformed packet or error-level expert info fails the test,
//! and the decoded fields must be what we sent.
//!
//! Needs tshark (scripts/setup.sh --test installs it) and the right to
//! capture on `lo` (root). Ports: UDP 20510-20531 (the media helper's range).

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::Duration;

use sip::media::dtmf::DtmfSender;
use sip::media::ifp::{self, Field, Ifp};
use sip::media::rtcp::{self, RtcpPacket};
use sip::media::rtp::{RtpReceiver, RtpSender, G711};
use sip::media::udptl::{ErrorCorrection, UdptlSender};
use test_kit::{origin, Scratch};

const RTP_PORT: u16 = 20510;
const RTCP_PORT: u16 = 20511;
const UDPTL_RED_PORT: u16 = 20520;
const UDPTL_FEC_PORT: u16 = 20521;
const SRC_PORT: u16 = 20530;

/// What we sent, per datagram, in the order sent: (destination port,
/// expected decoded fields).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Sent {
    Rtp {
        seq: u16,
        pt: u8,
    },
    Event {
        seq: u16,
        event: u8,
        end: bool,
        volume: u8,
        duration: u16,
    },
    Rtcp {
        pts: Vec<u8>,
        cname: String,
    },
    /// The primary IFP and the secondaries (newest first).
    T38 {
        seq: u16,
        msgs: Vec<Ifp>,
    },
}

fn datagrams() -> Vec<(u16, Vec<u8>, Sent)> {
    let t = origin();
    let mut out = Vec::new();
    let mut tx = RtpSender::new(G711::Pcma, 0x5EED_0001, 40000, 123456);
    for _ in 0..5 {
        let p = tx.voice(&[0xD5; 160], t);
        out.push((RTP_PORT, p, Sent::Rtp { seq: 0, pt: 8 }));
    }
    let mut dtmf = DtmfSender::new(101);
    dtmf.send_digits("7", Duration::from_millis(60), 12)
        .unwrap();
    while let Some(pkts) = dtmf.frame(&mut tx, t) {
        for p in pkts {
            out.push((
                RTP_PORT,
                p,
                Sent::Event {
                    seq: 0,
                    event: 0,
                    end: false,
                    volume: 0,
                    duration: 0,
                },
            ));
        }
    }
    for _ in 0..2 {
        let p = tx.voice(&[0xD5; 160], t);
        out.push((RTP_PORT, p, Sent::Rtp { seq: 0, pt: 8 }));
    }
    // Fill in what each RTP packet must decode to, from our own parser.
    for (_, p, s) in out.iter_mut() {
        let r = sip::media::rtp::parse(p).unwrap();
        *s = if r.header.payload_type == 101 {
            let e = sip::media::dtmf::EventPayload::parse(r.payload).unwrap();
            Sent::Event {
                seq: r.header.seq,
                event: e.event,
                end: e.end,
                volume: e.volume,
                duration: e.duration,
            }
        } else {
            Sent::Rtp {
                seq: r.header.seq,
                pt: r.header.payload_type,
            }
        };
    }
    // RTCP: an SR compound from the sender, an RR compound with a report
    // block, a BYE.
    let ntp = rtcp::ntp_from_unix(Duration::from_secs(1_790_000_000));
    let sr = rtcp::build_report(tx.ssrc(), "media-tx@127.0.0.1", Some(&tx), &mut [], t, ntp);
    out.push((
        RTCP_PORT,
        sr,
        Sent::Rtcp {
            pts: vec![200, 202],
            cname: "media-tx@127.0.0.1".into(),
        },
    ));
    let mut rx = RtpReceiver::new(Some(101));
    for (port, p, _) in &out {
        if *port == RTP_PORT {
            rx.receive(p, t);
        }
    }
    let rr = rtcp::build_report(
        0x5EED_0002,
        "media-rx@127.0.0.1",
        None,
        rx.sources_mut(),
        t,
        ntp,
    );
    out.push((
        RTCP_PORT,
        rr,
        Sent::Rtcp {
            pts: vec![201, 202],
            cname: "media-rx@127.0.0.1".into(),
        },
    ));
    let bye = rtcp::build(&[
        RtcpPacket::ReceiverReport {
            ssrc: 0x5EED_0002,
            reports: vec![],
        },
        RtcpPacket::Sdes(vec![(0x5EED_0002, "media-rx@127.0.0.1".into())]),
        RtcpPacket::Bye {
            ssrcs: vec![0x5EED_0002],
            reason: Some("fax done".into()),
        },
    ]);
    out.push((
        RTCP_PORT,
        bye,
        Sent::Rtcp {
            pts: vec![201, 202, 203],
            // Wireshark shows the BYE reason in the same text field.
            cname: "media-rx@127.0.0.1,fax done".into(),
        },
    ));

    // T.38: the start of a fax call's IFPs, version 0 (pre-corrigendum,
    // what Wireshark decodes by default), with redundancy and with FEC.
    let ifps = vec![
        Ifp::Indicator(ifp::indicator::CNG),
        Ifp::Indicator(ifp::indicator::CED),
        Ifp::Indicator(ifp::indicator::V21_PREAMBLE),
        Ifp::Data {
            data_type: ifp::data::V21,
            fields: vec![Field {
                field_type: ifp::field::HDLC_DATA,
                data: vec![0xFF, 0x03, 0x80, 0x00, 0x46],
            }],
        },
        Ifp::Data {
            data_type: ifp::data::V21,
            fields: vec![
                Field {
                    field_type: ifp::field::HDLC_DATA,
                    data: vec![0x10, 0x20],
                },
                Field {
                    field_type: ifp::field::HDLC_FCS_OK_SIG_END,
                    data: vec![],
                },
            ],
        },
        Ifp::Indicator(ifp::indicator::V17_14400_LONG_TRAINING),
        Ifp::Data {
            data_type: ifp::data::V17_14400,
            fields: vec![Field {
                field_type: ifp::field::T4_NON_ECM_DATA,
                data: (0..=255).collect(),
            }],
        },
        Ifp::Data {
            data_type: ifp::data::V17_14400,
            fields: vec![Field {
                field_type: ifp::field::T4_NON_ECM_SIG_END,
                data: vec![0x00, 0x08, 0x80],
            }],
        },
        Ifp::Indicator(ifp::indicator::NO_SIGNAL),
    ];
    for (port, ec) in [
        (UDPTL_RED_PORT, ErrorCorrection::Redundancy(2)),
        (
            UDPTL_FEC_PORT,
            ErrorCorrection::Fec {
                span: 2,
                entries: 2,
            },
        ),
    ] {
        let mut u = UdptlSender::new(ec, 1400);
        for (i, m) in ifps.iter().enumerate() {
            let seq = 65530u16.wrapping_add(i as u16);
            let d = u.encode(seq, &m.encode(0).unwrap()).unwrap();
            let mut msgs = vec![m.clone()];
            if port == UDPTL_RED_PORT {
                msgs.extend(ifps[..i].iter().rev().take(2).cloned());
            }
            out.push((port, d, Sent::T38 { seq, msgs }));
        }
    }
    out
}

fn decode_args() -> Vec<String> {
    [
        format!("udp.port=={RTP_PORT},rtp"),
        "rtp.pt==101,rtpevent".into(),
        format!("udp.port=={RTCP_PORT},rtcp"),
        format!("udp.port=={UDPTL_RED_PORT},t38"),
        format!("udp.port=={UDPTL_FEC_PORT},t38"),
    ]
    .into_iter()
    .flat_map(|d| ["-d".to_string(), d])
    .collect()
}

#[test]
fn tshark_decodes_rtp_events_rtcp_and_udptl_without_errors() {
    assert!(
        Command::new("tshark")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "tshark is missing: run scripts/setup.sh --test (as root)"
    );
    let dir = Scratch::new("tshark");
    let pcap = dir.join("media.pcapng");
    let sent = datagrams();
    let mut cap = Command::new("tshark")
        .args(["-i", "lo", "-n", "-q", "-f"])
        .arg(format!(
            "udp and dst portrange {RTP_PORT}-{UDPTL_FEC_PORT} and src port {SRC_PORT}"
        ))
        .args(["-c", &sent.len().to_string(), "-a", "duration:60", "-w"])
        .arg(&pcap)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tshark");
    // Wait for "Capturing on 'Loopback: lo'".
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
            eprint!("tshark: {s}");
            s.clear();
        }
    });
    std::thread::sleep(Duration::from_millis(700));
    let sock = UdpSocket::bind(("127.0.0.1", SRC_PORT)).expect("bind source port");
    let sinks: Vec<UdpSocket> = [RTP_PORT, RTCP_PORT, UDPTL_RED_PORT, UDPTL_FEC_PORT]
        .iter()
        .map(|p| UdpSocket::bind(("127.0.0.1", *p)).expect("bind sink port"))
        .collect();
    for (port, d, _) in &sent {
        sock.send_to(d, ("127.0.0.1", *port)).unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    let status = cap.wait().unwrap();
    drop(sinks);
    assert!(status.success(), "tshark capture: {status}");

    // 1. Full decode: no malformed packet, no error-level expert info.
    let full = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args(decode_args())
        .arg("-V")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&full.stdout);
    assert!(
        full.status.success(),
        "{}",
        String::from_utf8_lossy(&full.stderr)
    );
    let bad: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("Malformed") || l.contains("Expert Info (Error"))
        .collect();
    assert!(bad.is_empty(), "tshark found errors: {bad:#?}\n{text}");
    assert!(text.contains("Real-Time Transport Protocol"));
    assert!(text.contains("RFC 2833 RTP Event"));
    assert!(text.contains("Real-time Transport Control Protocol"));
    assert!(text.contains("ITU-T Recommendation T.38"));

    // 2. Field by field, in the order sent.
    let fields = [
        "udp.dstport",
        "rtp.seq",
        "rtp.p_type",
        "rtpevent.event_id",
        "rtpevent.end_of_event",
        "rtpevent.volume",
        "rtpevent.duration",
        "rtcp.pt",
        "rtcp.sdes.text",
        "t38.seq_number",
        "t38.type_of_msg",
        "t38.t30_indicator",
        "t38.t30_data",
        "t38.field_type",
    ];
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(&pcap).args(decode_args()).args([
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-E",
        "aggregator=,",
    ]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().unwrap();
    let rows: Vec<Vec<String>> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('|').map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), sent.len(), "packets captured");
    for ((port, _, s), r) in sent.iter().zip(&rows) {
        assert_eq!(r[0], port.to_string(), "{r:?}");
        match s {
            Sent::Rtp { seq, pt } => {
                assert_eq!(
                    (r[1].as_str(), r[2].as_str()),
                    (seq.to_string().as_str(), pt.to_string().as_str()),
                    "{r:?}"
                );
            }
            Sent::Event {
                seq,
                event,
                end,
                volume,
                duration,
            } => {
                assert_eq!(r[1], seq.to_string(), "{r:?}");
                assert_eq!(r[2], "101", "{r:?}");
                assert_eq!(r[3], event.to_string(), "{r:?}");
                assert_eq!(r[4] == "1" || r[4] == "True", *end, "{r:?}");
                assert_eq!(r[5], volume.to_string(), "{r:?}");
                assert_eq!(r[6], duration.to_string(), "{r:?}");
            }
            Sent::Rtcp { pts, cname } => {
                let got: Vec<&str> = r[7].split(',').collect();
                let want: Vec<String> = pts.iter().map(|p| p.to_string()).collect();
                assert_eq!(got, want, "{r:?}");
                assert_eq!(r[8], *cname, "{r:?}");
            }
            Sent::T38 { seq, msgs } => {
                assert_eq!(r[9], seq.to_string(), "{r:?}");
                // The primary then each secondary, as Wireshark lists them.
                let mut types = Vec::new();
                let mut inds = Vec::new();
                let mut datas = Vec::new();
                let mut fts = Vec::new();
                for m in msgs {
                    match m {
                        Ifp::Indicator(i) => {
                            types.push("0".to_string());
                            inds.push(i.to_string());
                        }
                        Ifp::Data { data_type, fields } => {
                            types.push("1".to_string());
                            datas.push(data_type.to_string());
                            fts.extend(fields.iter().map(|f| f.field_type.to_string()));
                        }
                    }
                }
                assert_eq!(r[10], types.join(","), "type-of-msg {r:?}");
                assert_eq!(r[11], inds.join(","), "t30-indicator {r:?}");
                assert_eq!(r[12], datas.join(","), "t30-data {r:?}");
                assert_eq!(r[13], fts.join(","), "field-type {r:?}");
            }
        }
    }
}
