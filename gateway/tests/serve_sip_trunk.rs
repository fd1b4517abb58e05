//! Two `ums serve` gateways on loopback, each with a `[[trunk]]` of two
//! channels whose static peer is the other: two mails to two numbers on
//! gateway A are faxed over SIP to gateway B at the same time, over ONE
//! trunk (one signalling address each side). B's journal (`ums journal
//! --json`) shows both incoming faxes with their pages and A's caller id,
//! on B's two channels (`sip/to-peer/1` and `/2`: an incoming call takes
//! the first idle channel, so two channels used means the calls
//! overlapped), and A's journal the two jobs sent.
//!
//! Once with SIP over UDP, once over TCP (`transport = "tcp"`).
//!
//! Ports: SMTP 41210-41213, SIP 5094-5097, RTP/UDPTL 21100-21157.

mod serve_harness;

use std::time::Duration;

use serve_harness::*;
use test_kit::{Proc, Scratch};

struct Ports {
    smtp: (u16, u16),
    sip: (u16, u16),
    rtp: (u16, u16),
}

fn config(
    smtp: u16,
    name: &str,
    user: &str,
    sip: u16,
    peer: u16,
    rtp: u16,
    transport: &str,
) -> String {
    format!(
        "[smtp]\nlisten = \"127.0.0.1:{smtp}\"\nhostname = \"{name}.example.test\"\n\
         allowed_networks = [\"127.0.0.0/8\"]\n\n\
         [lines]\nnumbers = []\nident = \"+49 89 {user}\"\n\n\
         [[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\n\n\
         [[trunk]]\nname = \"to-peer\"\npeer = \"127.0.0.1:{peer}\"\nuser = \"{user}\"\n\
         listen = \"127.0.0.1:{sip}\"\nrtp_ports = [{rtp}, {}]\ntransport = \"{transport}\"\n\
         channels = 2\n\n\
         [retry]\nintervals_secs = [5]\n",
        rtp + 7
    )
}

#[test]
fn a_mail_on_gateway_a_is_faxed_over_sip_to_gateway_b() {
    fax_between_gateways(
        "udp",
        Ports {
            smtp: (41210, 41211),
            sip: (5094, 5095),
            rtp: (21100, 21110),
        },
    );
}

#[test]
fn the_same_over_sip_on_tcp() {
    fax_between_gateways(
        "tcp",
        Ports {
            smtp: (41212, 41213),
            sip: (5096, 5097),
            rtp: (21140, 21150),
        },
    );
}

fn fax_between_gateways(transport: &str, p: Ports) {
    let dir = Scratch::new(&format!("sip-trunk-{transport}"));
    let (a_smtp, b_smtp) = p.smtp;
    let (a_sip, b_sip) = p.sip;
    let a_file = dir.join("a.toml");
    let b_file = dir.join("b.toml");
    std::fs::write(
        &a_file,
        config(a_smtp, "a", "4989111", a_sip, b_sip, p.rtp.0, transport),
    )
    .unwrap();
    std::fs::write(
        &b_file,
        config(b_smtp, "b", "4930222", b_sip, a_sip, p.rtp.1, transport),
    )
    .unwrap();

    // check-config accepts the trunk and says what it is.
    let out = run(&["check-config", "--config", a_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "trunk to-peer: static peer 127.0.0.1:{b_sip}, SIP on 127.0.0.1:{a_sip}"
        )),
        "{}",
        text(&out)
    );

    let (a_data, b_data) = (dir.join("a-data"), dir.join("b-data"));
    let (a_log, b_log) = (dir.join("a.log"), dir.join("b.log"));
    let a = spawn(
        &[
            "--config",
            a_file.to_str().unwrap(),
            "--data",
            a_data.to_str().unwrap(),
        ],
        &a_log,
    );
    let b = spawn(
        &[
            "--config",
            b_file.to_str().unwrap(),
            "--data",
            b_data.to_str().unwrap(),
        ],
        &b_log,
    );
    let mut gateways = vec![Proc(a), Proc(b)];
    assert!(wait_for(30, || listening(a_smtp)), "{}", read(&a_log));
    assert!(wait_for(30, || listening(b_smtp)), "{}", read(&b_log));

    let doc = document(&dir, 2);
    let numbers = ["4930222", "4930223"];
    for n in numbers {
        let out = swaks(
            a_smtp,
            "anna@example.test",
            &format!("{n}@fax.localhost"),
            &doc,
            &[],
        );
        assert!(text(&out).contains("<-  250 "), "{}", text(&out));
    }

    // A's journal: both jobs sent, on the trunk's two channels.
    let mut sent = Vec::new();
    for _ in 0..240 {
        sent = journal(&a_data)
            .iter()
            .map(|r| r["message"].clone())
            .filter(|m| m["direction"] == "Outgoing" && m["status"] == "Sent")
            .collect::<Vec<_>>();
        if sent.len() == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(
        sent.len(),
        2,
        "A did not send both\nA: {}\nB: {}\nA journal: {:#?}",
        read(&a_log),
        read(&b_log),
        journal(&a_data)
    );
    let mut a_lines: Vec<_> = sent.iter().map(|s| s["line"].to_string()).collect();
    a_lines.sort();
    assert_eq!(
        a_lines,
        ["\"sip/to-peer/1\"", "\"sip/to-peer/2\""],
        "{sent:#?}"
    );
    for s in &sent {
        assert_eq!(s["attempts"], 1, "{s:#}");
        // The mail's text as a cover page, then the 2 attached pages.
        assert!(s["pages"].as_u64().is_some_and(|p| p >= 3), "{s:#}");
        assert_eq!(s["pages_sent"], s["pages"], "{s:#}");
    }

    // B's journal: both incoming faxes with every page, from A's trunk
    // user, on B's two channels of its one trunk.
    let mut incoming = Vec::new();
    for _ in 0..60 {
        incoming = journal(&b_data)
            .iter()
            .map(|r| r["message"].clone())
            .filter(|m| m["direction"] == "Incoming" && m["service"] == "Fax")
            .collect::<Vec<_>>();
        if incoming.len() == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(
        incoming.len(),
        2,
        "B: {}\n{:#?}",
        read(&b_log),
        journal(&b_data)
    );
    let mut b_lines: Vec<_> = incoming.iter().map(|m| m["line"].to_string()).collect();
    b_lines.sort();
    assert_eq!(
        b_lines,
        ["\"sip/to-peer/1\"", "\"sip/to-peer/2\""],
        "the two calls overlapped on B's one trunk: {incoming:#?}"
    );
    for n in numbers {
        assert!(
            incoming.iter().any(|m| m["recipient_number"]
                .as_str()
                .is_some_and(|r| r.ends_with(n))),
            "no call to {n} arrived: {incoming:#?}"
        );
    }
    for m in &incoming {
        assert_eq!(m["pages"], sent[0]["pages"], "every page arrived: {m:#}");
        assert!(
            m["caller_number"]
                .as_str()
                .is_some_and(|c| c.ends_with("4989111")),
            "{m:#}"
        );
        assert!(m["status_reason"].is_null(), "a clean fax: {m:#}");
        let file = m["document"].as_str().expect("the fax is kept");
        let pages = fax_t30::tiff::read_tiff_file(file).expect("a readable TIFF");
        assert_eq!(Some(pages.len() as u64), m["pages"].as_u64());
    }

    for Proc(c) in &mut gateways {
        signal(c, "TERM");
        assert!(wait_exit(c, 30).is_some_and(|s| s.success()));
    }
}
