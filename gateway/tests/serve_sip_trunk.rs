//! Two `ums serve` gateways on loopback, each with a `[[trunk]]` whose
//! static peer is the other: a mail to a number on gateway A is faxed over
//! SIP to gateway B, whose journal (`ums journal --json`) shows the
//! incoming fax with its pages and A's caller id, and A's the job sent.
//!
//! Once with SIP over UDP, once over TCP (`transport = "tcp"`).
//!
//! Ports: SMTP 41210-41213, SIP 5094-5097, RTP/UDPTL 21100-21133.

mod serve_harness;

use std::path::Path;
use std::time::Duration;

use serve_harness::*;

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
         listen = \"127.0.0.1:{sip}\"\nrtp_ports = [{rtp}, {}]\ntransport = \"{transport}\"\n\n\
         [retry]\nintervals_secs = [5]\n",
        rtp + 3
    )
}

/// The gateways, killed if the test fails half-way (ports are reused).
struct Killed(Vec<std::process::Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn journal(data: &Path) -> Vec<serde_json::Value> {
    let o = ums()
        .args(["journal", "--json", "--data"])
        .arg(data)
        .output()
        .expect("ums journal");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    serde_json::from_slice(&o.stdout).expect("journal --json is JSON")
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
            rtp: (21120, 21130),
        },
    );
}

fn fax_between_gateways(transport: &str, p: Ports) {
    let dir = scratch(&format!("sip-trunk-{transport}"));
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
    let mut gateways = Killed(vec![a, b]);
    assert!(wait_for(30, || listening(a_smtp)), "{}", read(&a_log));
    assert!(wait_for(30, || listening(b_smtp)), "{}", read(&b_log));

    let doc = document(&dir, 2);
    let out = swaks(
        a_smtp,
        "anna@example.test",
        "4930222@fax.localhost",
        &doc,
        &[],
    );
    assert!(text(&out).contains("<-  250 "), "{}", text(&out));

    // A's journal: the job sent on the trunk's line.
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
            "A sent nothing\nA: {}\nB: {}\nA journal: {:#?}",
            read(&a_log),
            read(&b_log),
            journal(&a_data)
        )
    });
    assert_eq!(s["line"], "sip/to-peer", "{s:#}");
    assert_eq!(s["attempts"], 1, "{s:#}");
    // The mail's text as a cover page, then the 2 attached pages.
    assert!(s["pages"].as_u64().is_some_and(|p| p >= 3), "{s:#}");
    assert_eq!(s["pages_sent"], s["pages"], "{s:#}");

    // B's journal: the incoming fax with every page, from A's trunk user.
    let mut incoming = None;
    for _ in 0..60 {
        incoming = journal(&b_data)
            .iter()
            .map(|r| r["message"].clone())
            .find(|m| m["direction"] == "Incoming" && m["service"] == "Fax");
        if incoming.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let m = incoming.unwrap_or_else(|| panic!("B: {}\n{:#?}", read(&b_log), journal(&b_data)));
    assert_eq!(m["pages"], s["pages"], "every page arrived: {m:#}");
    assert_eq!(m["line"], "sip/to-peer", "{m:#}");
    assert!(
        m["caller_number"]
            .as_str()
            .is_some_and(|c| c.ends_with("4989111")),
        "{m:#}"
    );
    assert!(m["status_reason"].is_null(), "a clean fax: {m:#}");
    let file = m["document"].as_str().expect("the fax is kept");
    let pages = fax_t30::tiff::read_tiff_file(file).expect("a readable TIFF");
    assert_eq!(Some(pages.len() as u64), s["pages"].as_u64());

    for c in &mut gateways.0 {
        signal(c, "TERM");
        assert!(wait_exit(c, 30).is_some_and(|s| s.success()));
    }
}
