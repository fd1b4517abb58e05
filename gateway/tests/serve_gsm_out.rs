//! Outgoing SMS end to end (issue 15): mail → the test Postfix → `ums
//! serve` → its `[[gsm]]` line on the simulated modem's pty
//! (line-drivers/tests/gsm_sim) → the simulated SMSC → a simulated
//! handset (a second simulated modem), and back: the network's status
//! reports become the sender's confirmation mails ("delivered to the
//! handset", "pending") or failure notices with the network's reason; an
//! SMS from the handset reaches the person who sent it the SMS, as mail
//! from `<number>@sms.test`, and the answer to that mail goes back as SMS.
//!
//! Needs root and Postfix (scripts/setup.sh --test).

mod serve_harness;

mod gsm_kit;
#[path = "../../line-drivers/tests/gsm_sim/mod.rs"]
mod gsm_sim;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use gsm_kit::*;
use gsm_sim::Network;
use line_drivers::gsm::Coding;
use serve_harness::*;
use test_kit::{Postfix, Proc, Scratch};

const SIM: &str = "+4930100";
const HANDSET: &str = "+491701234567";
const SILENT: &str = "+491705555555";
const NOBODY: &str = "+491709999999";

/// A mail into Postfix (python3's smtplib and email: UTF-8 bodies,
/// HTML, attachments encoded as a mail client does).
fn mail(port: u16, to: &str, subject: &str, body: &str, kind: &str) {
    let script = r#"
import os, smtplib
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "Anna <anna@example.test>"
m["To"] = os.environ["TO"]
m["Subject"] = os.environ["SUBJECT"]
body, kind = os.environ["BODY"], os.environ["KIND"]
if kind == "html":
    m.set_content(body, subtype="html")
else:
    m.set_content(body)
if kind == "attachment":
    m.add_attachment(b"%PDF-1.4 nothing", maintype="application", subtype="pdf", filename="plan.pdf")
with smtplib.SMTP("127.0.0.1", int(os.environ["PORT"])) as s:
    s.send_message(m)
"#;
    let o = Command::new("python3")
        .arg("-c")
        .arg(script)
        .env("PORT", port.to_string())
        .env("TO", to)
        .env("SUBJECT", subject)
        .env("BODY", body)
        .env("KIND", kind)
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", text(&o));
}

/// The mails in `user`'s Maildir: (subject, the address an answer goes
/// to (Reply-To, else From), the text part).
fn inbox(postfix: &Postfix, user: &str) -> Vec<(String, String, String)> {
    postfix
        .mails(user)
        .iter()
        .filter_map(|(_, bytes)| {
            let m = smtp::mime::parse(bytes)?;
            let from = (m.reply_to().or(m.from()))
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_string();
            let body = m.body_text(0).map(|t| t.to_string()).unwrap_or_default();
            Some((m.subject().unwrap_or_default().to_string(), from, body))
        })
        .collect()
}

/// Waits until `user` has a mail whose subject and text contain `needles`.
fn wait_mail(
    postfix: &Postfix,
    user: &str,
    needles: &[&str],
    log: &Path,
) -> (String, String, String) {
    let mut found = None;
    let ok = wait_for(60, || {
        found = inbox(postfix, user)
            .into_iter()
            .find(|(s, _, b)| needles.iter().all(|n| s.contains(n) || b.contains(n)));
        found.is_some()
    });
    assert!(
        ok,
        "no mail for {user} with {needles:?}: {:#?}\n{}",
        inbox(postfix, user),
        read(log)
    );
    found.expect("found")
}

/// The texts the handset `to` got, put back together: (text, parts).
fn handset_texts(net: &Network, to: usize) -> Vec<(String, usize)> {
    let mut singles = Vec::new();
    let mut groups: BTreeMap<u16, Vec<(u8, u8, String)>> = BTreeMap::new();
    for (i, d) in &net.delivered {
        if *i != to {
            continue;
        }
        match d.user_data.concat {
            None => singles.push((d.user_data.text.clone(), 1)),
            Some(c) => groups.entry(c.reference).or_default().push((
                c.seq,
                c.total,
                d.user_data.text.clone(),
            )),
        }
    }
    for (_, mut parts) in groups {
        parts.sort();
        parts.dedup();
        let total = usize::from(parts[0].1);
        if parts.len() == total {
            singles.push((parts.into_iter().map(|p| p.2).collect(), total));
        }
    }
    singles
}

struct Gateway {
    postfix: Postfix,
    data: std::path::PathBuf,
    log: std::path::PathBuf,
    relay: u16,
    _gw: Proc,
}

/// The gateway with a `[[gsm]]` line per (name, device, SIM number).
fn start(dir: &Scratch, lines: &[(&str, &Path, &str)], name: &str) -> Gateway {
    let (smtp, relay) = (41250, 41251);
    let postfix = Postfix::start(name, relay, smtp);
    let file = dir.join("ums.toml");
    std::fs::write(
        &file,
        format!(
            "[smtp]\nlisten = \"127.0.0.1:{smtp}\"\nhostname = \"b.example.test\"\n\
             sms_domains = [\"sms.test\"]\nfax_domains = [\"fax.test\"]\n\
             allowed_networks = [\"127.0.0.0/8\"]\n\n\
             [smtp.smart_host]\nhost = \"127.0.0.1\"\nport = {relay}\ntls = \"none\"\n\n\
             [delivery]\nmode = \"mail\"\n\n\
             [directory]\ndefault_recipient = \"postmaster@example.test\"\n\n\
             [retry]\nretries = 10\nintervals_secs = [3]\n\n\
             [sms]\nreport_wait_secs = 6\n\n\
             [lines]\nnumbers = []\nident = \"+49 30 100\"\n\n\
             [[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\n\n{}",
            lines
                .iter()
                .map(|(name, device, number)| format!(
                    "[[gsm]]\nname = \"{name}\"\ndevice = \"{}\"\nflow_control = \"none\"\n\
                     number = \"{number}\"\nmax_parts = 8\n\n",
                    device.display()
                ))
                .collect::<String>()
        ),
    )
    .unwrap();
    let out = run(&["check-config", "--config", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let data = dir.join("data");
    let log = dir.join("ums.log");
    let gw = Proc(serve_config(&file, &data, &log, smtp));
    for (name, _, _) in lines {
        assert!(
            wait_log(&log, 0, &["gsm-in-service", &format!("gsm/{name}")], 30),
            "{}",
            read(&log)
        );
    }
    Gateway {
        postfix,
        data,
        log,
        relay,
        _gw: gw,
    }
}

fn pattern(n: usize) -> String {
    "abcdefghijklmnopqrstuvwxyz0123456789"
        .chars()
        .cycle()
        .take(n)
        .collect()
}

#[test]
fn mail_becomes_sms_its_reports_become_mail_and_the_reply_comes_back() {
    if !Path::new("/usr/sbin/postfix").exists() {
        eprintln!("skipped: needs root and Postfix (scripts/setup.sh --test)");
        return;
    }
    let dir = Scratch::new("serve-gsm-out");
    let mut net = Network::new(&[SIM, HANDSET, SILENT]);
    net.modems[1].capacity = 1000;
    net.modems[2].silent = true;
    let sim = net.on_ptys();
    let g = start(&dir, &[("a", &sim.devices[0], "4930100")], "gsm-out");

    // (what the mail says, kind, what the handset must get, parts)
    let quoted = "Yes, 3 pm is fine.\n\nOn Mon, 7 Dec 2026 at 10:00, Bob <bob@example.test> wrote:\n> Shall we meet at 3?\n\n-- \nAnna Example\n";
    let cases: Vec<(String, &str, String, usize)> = vec![
        (
            "Hello from the gateway".into(),
            "text",
            "Hello from the gateway".into(),
            1,
        ),
        (
            "Brackets [x] {y} cost 5 € ~ ^ \\ |".into(),
            "text",
            "Brackets [x] {y} cost 5 € ~ ^ \\ |".into(),
            1,
        ),
        (
            "Grüße aus München, schöne Tage! ÄÖÜß".into(),
            "text",
            "Grüße aus München, schöne Tage! ÄÖÜß".into(),
            1,
        ),
        (
            "Emoji 😀 and a check ✓".into(),
            "text",
            "Emoji 😀 and a check ✓".into(),
            1,
        ),
        (pattern(160), "text", pattern(160), 1),
        (pattern(161), "text", pattern(161), 2),
        (pattern(306), "text", pattern(306), 2),
        (pattern(307), "text", pattern(307), 3),
        (pattern(1000), "text", pattern(1000), 7),
        (
            "<p>Only <b>HTML</b> here</p>".into(),
            "html",
            "Only HTML here".into(),
            1,
        ),
        (quoted.into(), "text", "Yes, 3 pm is fine.".into(), 1),
    ];
    let to = format!("{HANDSET}@sms.test");
    for (i, (body, kind, _, _)) in cases.iter().enumerate() {
        mail(g.relay, &to, &format!("case {i}"), body, kind);
    }
    let want: Vec<(String, usize)> = cases.iter().map(|c| (c.2.clone(), c.3)).collect();
    let mut got = Vec::new();
    let complete = wait_for(120, || {
        got = handset_texts(&sim.net.lock().unwrap(), 1);
        got.len() >= want.len()
    });
    assert!(complete, "the handset got {got:#?}\n{}", read(&g.log));
    for w in &want {
        assert!(got.contains(w), "{w:?} not among {got:#?}");
    }
    assert_eq!(got.len(), want.len(), "{got:#?}");
    // The emoji went as UCS-2, the umlauts and € in the default alphabet.
    {
        let net = sim.net.lock().unwrap();
        let coding = |t: &str| {
            net.delivered
                .iter()
                .find(|(_, d)| d.user_data.text == t)
                .map(|(_, d)| d.user_data.coding)
        };
        assert_eq!(coding("Emoji 😀 and a check ✓"), Some(Coding::Ucs2));
        assert_eq!(
            coding("Grüße aus München, schöne Tage! ÄÖÜß"),
            Some(Coding::Gsm7)
        );
        assert_eq!(
            coding("Brackets [x] {y} cost 5 € ~ ^ \\ |"),
            Some(Coding::Gsm7)
        );
    }
    // Each status report "delivered" became the confirmation.
    let confirmed = wait_for(60, || {
        inbox(&g.postfix, "anna")
            .iter()
            .filter(|(s, _, b)| s.contains("sent") && b.contains("delivered to the handset"))
            .count()
            == cases.len()
    });
    assert!(
        confirmed,
        "{:#?}\n{}",
        inbox(&g.postfix, "anna"),
        read(&g.log)
    );
    let sent: Vec<serde_json::Value> = journal(&g.data)
        .into_iter()
        .map(|e| e["message"].clone())
        .filter(|m| m["direction"] == "Outgoing" && m["service"] == "Sms")
        .collect();
    assert_eq!(sent.len(), cases.len());
    for m in &sent {
        assert_eq!(m["status"], "Sent", "{m:#}");
        assert_eq!(m["line"], "gsm/a", "{m:#}");
        assert_eq!(m["delivery"], "delivered to the handset", "{m:#}");
    }

    // A number no handset has: the network's report says why.
    mail(
        g.relay,
        &format!("{NOBODY}@sms.test"),
        "nobody",
        "Anyone there?",
        "text",
    );
    let (subject, _, body) = wait_mail(&g.postfix, "anna", &["failed", "not obtainable"], &g.log);
    assert!(subject.contains(NOBODY), "{subject}\n{body}");
    // A handset that never answers: confirmed as sent, delivery pending.
    mail(
        g.relay,
        &format!("{SILENT}@sms.test"),
        "silent",
        "Are you there?",
        "text",
    );
    let (_, _, body) = wait_mail(&g.postfix, "anna", &[SILENT, "pending"], &g.log);
    assert!(body.contains("no status report within 6 s"), "{body}");
    // The modem refuses the send: the +CMS ERROR in words, not retried.
    sim.net.lock().unwrap().modems[0].fail_next_send = Some(330);
    mail(
        g.relay,
        &to,
        "refused",
        "This one the modem refuses",
        "text",
    );
    wait_mail(
        &g.postfix,
        "anna",
        &["failed", "+CMS ERROR: SMSC address unknown"],
        &g.log,
    );

    // Refused before any SMS: an attachment, too many parts.
    mail(g.relay, &to, "with a plan", "see the plan", "attachment");
    wait_mail(
        &g.postfix,
        "anna",
        &["not sent", "text only", "plan.pdf"],
        &g.log,
    );
    mail(g.relay, &to, "too long", &pattern(1300), "text");
    wait_mail(
        &g.postfix,
        "anna",
        &["not sent", "needs 9 SMS, at most 8"],
        &g.log,
    );

    // The handset answers: no route for the SIM's number, so the SMS goes
    // to Anna, who sent to that handset (not to the default recipient);
    // an answer to its mail goes to `<number>@sms.test` (its Reply-To).
    assert!(sim.net.lock().unwrap().modems[0].deliver(&sms(HANDSET, "See you at 3 😀")));
    let (_, from, body) = wait_mail(&g.postfix, "anna", &["SMS from", "See you at 3 😀"], &g.log);
    assert_eq!(from, format!("{HANDSET}@sms.test"), "{body}");
    assert!(inbox(&g.postfix, "postmaster").is_empty());
    // Her answer to that mail goes back as SMS, her quote cut.
    let before = handset_texts(&sim.net.lock().unwrap(), 1).len();
    let answer =
        "Great, see you.\n\nOn Mon, 7 Dec 2026, +491701234567@sms.test wrote:\n> See you at 3 😀\n";
    mail(g.relay, &from, "Re: SMS from +491701234567", answer, "text");
    let mut got = Vec::new();
    assert!(
        wait_for(60, || {
            got = handset_texts(&sim.net.lock().unwrap(), 1);
            got.len() > before
        }),
        "{}",
        read(&g.log)
    );
    assert!(
        got.contains(&("Great, see you.".to_string(), 1)),
        "{got:#?}"
    );
}

#[test]
fn without_a_network_the_sms_waits_and_goes_when_it_returns() {
    if !Path::new("/usr/sbin/postfix").exists() {
        eprintln!("skipped: needs root and Postfix (scripts/setup.sh --test)");
        return;
    }
    let dir = Scratch::new("serve-gsm-nonet");
    let mut net = Network::new(&[SIM, HANDSET]);
    net.modems[1].capacity = 100;
    let sim = net.on_ptys();
    let g = start(&dir, &[("a", &sim.devices[0], "4930100")], "gsm-nonet");
    // The network goes (the modem says nothing unasked): +CMGS is
    // answered "no network service", the job is retried.
    sim.net.lock().unwrap().modems[0].registration = 0;
    mail(
        g.relay,
        &format!("{HANDSET}@sms.test"),
        "later",
        "Sent when the network is back",
        "text",
    );
    let outgoing = |data: &Path| -> Vec<serde_json::Value> {
        journal(data)
            .into_iter()
            .map(|e| e["message"].clone())
            .filter(|m| m["direction"] == "Outgoing" && m["service"] == "Sms")
            .collect()
    };
    let mut m = serde_json::Value::Null;
    assert!(
        wait_for(60, || {
            m = outgoing(&g.data).first().cloned().unwrap_or_default();
            m["status"] == "Retrying"
        }),
        "{m:#}\n{}",
        read(&g.log)
    );
    let reason = m["status_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("no network service"), "{m:#}");
    assert!(handset_texts(&sim.net.lock().unwrap(), 1).is_empty());
    // Still nothing a few retries later, and the job still open.
    std::thread::sleep(Duration::from_secs(7));
    assert!(handset_texts(&sim.net.lock().unwrap(), 1).is_empty());
    assert_eq!(outgoing(&g.data)[0]["status"], "Retrying");
    sim.net.lock().unwrap().modems[0].registration = 1;
    assert!(
        wait_for(60, || !handset_texts(&sim.net.lock().unwrap(), 1)
            .is_empty()),
        "{}",
        read(&g.log)
    );
    assert_eq!(
        handset_texts(&sim.net.lock().unwrap(), 1),
        [("Sent when the network is back".to_string(), 1)]
    );
    wait_mail(
        &g.postfix,
        "anna",
        &["sent", "delivered to the handset"],
        &g.log,
    );
    let m = &outgoing(&g.data)[0];
    assert_eq!(m["status"], "Sent", "{m:#}");
    assert!(m["attempts"].as_u64().unwrap_or(0) >= 2, "{m:#}");

    // The network fails after the first of two parts ("network out of
    // order", temporary): the retry sends the second part only, with the
    // same concatenation reference, and the handset has the whole text.
    let long = pattern(200);
    let transit = |net: &Network| net.in_transit() + net.delivered.len();
    let before = transit(&sim.net.lock().unwrap());
    mail(
        g.relay,
        &format!("{HANDSET}@sms.test"),
        "two parts",
        &long,
        "text",
    );
    // Watched closely: the second part follows within a tick (20 ms).
    let deadline = test_kit::wall() + Duration::from_secs(60);
    loop {
        let mut net = sim.net.lock().unwrap();
        if transit(&net) > before {
            net.modems[0].fail_next_send = Some(38);
            break;
        }
        drop(net);
        assert!(test_kit::wall() < deadline, "{}", read(&g.log));
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(
        wait_for(60, || handset_texts(&sim.net.lock().unwrap(), 1).len() == 2),
        "{:#?}\n{}",
        handset_texts(&sim.net.lock().unwrap(), 1),
        read(&g.log)
    );
    assert!(handset_texts(&sim.net.lock().unwrap(), 1).contains(&(long.clone(), 2)));
    let mut m = serde_json::Value::Null;
    assert!(wait_for(30, || {
        m = outgoing(&g.data)
            .into_iter()
            .find(|m| m["text"] == long.as_str())
            .unwrap_or_default();
        m["status"] == "Sent"
    }));
    let log = m["attempt_log"].as_array().cloned().unwrap_or_default();
    assert_eq!(log.len(), 2, "{m:#}");
    assert!(
        (log[0]["outcome"].as_str().unwrap_or_default()).contains("network out of order"),
        "{m:#}"
    );
    assert_eq!(
        log[1]["first_page"], 2,
        "the retry resumed at part 2: {m:#}"
    );
}

#[test]
fn the_gsm_lines_form_a_group_and_a_line_without_network_leaves_the_sms_to_another() {
    if !Path::new("/usr/sbin/postfix").exists() {
        eprintln!("skipped: needs root and Postfix (scripts/setup.sh --test)");
        return;
    }
    let dir = Scratch::new("serve-gsm-group");
    let mut net = Network::new(&[SIM, "+4930200", HANDSET]);
    net.modems[2].capacity = 100;
    let sim = net.on_ptys();
    let lines = [
        ("a", sim.devices[0].as_path(), "4930100"),
        ("b", sim.devices[1].as_path(), "4930200"),
    ];
    let g = start(&dir, &lines, "gsm-group");
    // Line a (the first asked) loses the network without saying so.
    sim.net.lock().unwrap().modems[0].registration = 0;
    mail(
        g.relay,
        &format!("{HANDSET}@sms.test"),
        "group",
        "Through the other line",
        "text",
    );
    assert!(
        wait_for(60, || !handset_texts(&sim.net.lock().unwrap(), 2)
            .is_empty()),
        "{}",
        read(&g.log)
    );
    assert_eq!(
        handset_texts(&sim.net.lock().unwrap(), 2),
        [("Through the other line".to_string(), 1)]
    );
    let sender = sim.net.lock().unwrap().delivered[0].1.from.to_text();
    assert_eq!(sender, "+4930200", "sent through line b's SIM");
    let mut m = serde_json::Value::Null;
    assert!(
        wait_for(30, || {
            m = journal(&g.data)
                .into_iter()
                .map(|e| e["message"].clone())
                .find(|m| m["direction"] == "Outgoing")
                .unwrap_or_default();
            m["status"] == "Sent"
        }),
        "{m:#}"
    );
    assert_eq!(m["line"], "gsm/b", "{m:#}");
    let log = m["attempt_log"].as_array().cloned().unwrap_or_default();
    assert_eq!(log.len(), 2, "{m:#}");
    assert_eq!(log[0]["line"], "gsm/a", "{m:#}");
    let first = log[0]["outcome"].as_str().unwrap_or_default();
    assert!(first.contains("no network service"), "{m:#}");
    assert_eq!(log[1]["line"], "gsm/b", "{m:#}");
}
