//! `ums serve` with a `[[modem]]` (issue 13): two iaxmodems wired back to
//! back (test_kit::iaxmodem), our gateway on modem B's pty. efax on modem A
//! sends 2 pages: the fax is in B's journal, from A's caller id, on line
//! `modem/b`, and its document is a readable TIFF. Then a mail to efax's
//! number goes out through the modem and efax receives it. `ums status`
//! shows the modem line; the metrics say it is in service.
//!
//! And in mail mode: HylaFAX's `sendfax` on modem A to the gateway on
//! modem B; the fax reaches the recipient's Maildir through the test's
//! Postfix as a mail with its PDF, and the journal has it delivered.
//!
//! Needs root, iaxmodem, efax, HylaFAX, Postfix (scripts/setup.sh --test).
//! Ports: SMTP 41230 and 41232, metrics 41231, Postfix 41233, hfaxd 4599,
//! IAX 4583-4584 and 4593-4594.

mod serve_harness;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serve_harness::*;
use test_kit::iaxmodem::{self, IaxPair};
use test_kit::{efax, hylafax};
use test_kit::{Postfix, Proc, Scratch};

#[test]
fn efax_faxes_the_gateway_through_a_modem_and_back() {
    if !iaxmodem::available() {
        eprintln!("skipped: needs root and iaxmodem (scripts/setup.sh --test)");
        return;
    }
    let dir = Scratch::new("serve-modem");
    let pair = IaxPair::start([4583, 4584], "root:root");
    let smtp = 41230;
    let file = dir.join("ums.toml");
    std::fs::write(
        &file,
        format!(
            "[smtp]\nlisten = \"127.0.0.1:{smtp}\"\nhostname = \"b.example.test\"\n\
             allowed_networks = [\"127.0.0.0/8\"]\n\n\
             [lines]\nnumbers = []\nident = \"+49 30 100\"\n\n\
             [[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\n\n\
             [[modem]]\nname = \"b\"\ndevice = \"{}\"\nflow_control = \"none\"\nrings = 1\n\
             number = \"4930100\"\n\n\
             [retry]\nintervals_secs = [10]\n",
            pair.devices[1].display()
        ),
    )
    .unwrap();
    let out = run(&["check-config", "--config", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("modem b: "), "{}", text(&out));

    let data = dir.join("data");
    let log = dir.join("ums.log");
    let gw = serve_config(&file, &data, &log, smtp);
    let mut procs = vec![Proc(gw)];
    assert!(
        wait_log(&log, 0, &["modem-in-service", "modem/b"], 20),
        "{}",
        read(&log)
    );
    let status = ums()
        .args(["status", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(text(&status).contains("modem/b"), "{}", text(&status));
    // The gateway's set-up reset modem B: it refuses calls for 5 s.
    std::thread::sleep(iaxmodem::BUSY_OUT_AFTER_RESET);

    // efax on A sends two pages to B.
    let files = efax::ghostscript_pages(&dir, 2, "efax to ums serve");
    let (mut efax_tx, efax_log) = efax::sender(&dir, &pair, &files);
    let incoming = incoming_faxes(&data, 180);
    assert_eq!(incoming.len(), 1, "{}\n{}", read(&log), read(&efax_log));
    let m = &incoming[0];
    assert_eq!(m["line"], "modem/b", "{m:#}");
    assert_eq!(m["pages"], 2, "{m:#}");
    assert!(m["status_reason"].is_null(), "a clean fax: {m:#}");
    assert!(
        m["caller_number"]
            .as_str()
            .is_some_and(|c| c.ends_with("4583")),
        "iaxmodem A's caller id: {m:#}"
    );
    let doc = m["document"].as_str().expect("the fax is kept");
    let pages = fax_t30::tiff::read_tiff_file(doc).expect("a readable TIFF");
    assert_eq!(pages.len(), 2);
    assert!(
        wait_exit(&mut efax_tx.0, 60).is_some_and(|s| s.success()),
        "{}",
        read(&efax_log)
    );

    // And back: a mail to A's number goes out through the modem to efax.
    let rx_log = dir.join("efax-rx.log");
    let f = std::fs::File::create(&rx_log).unwrap();
    let rx = Command::new("efax")
        .arg("-d")
        .arg(&pair.devices[0])
        .args(["-o1", "-iS0=1", "-w", "-l", "+1 555 0001", "-v", "ewinchmr"])
        .arg("-x")
        .arg(dir.join("LCK..a"))
        .arg("-r")
        .arg(dir.join("rx"))
        .stdin(Stdio::null())
        .stdout(f.try_clone().unwrap())
        .stderr(f)
        .spawn()
        .expect("efax");
    procs.push(Proc(rx));
    assert!(wait_for(15, || read(&rx_log).contains("waiting for activity")));
    std::thread::sleep(iaxmodem::BUSY_OUT_AFTER_RESET);
    let doc = document(&dir, 1);
    let out = swaks(
        smtp,
        "anna@example.test",
        "4930999@fax.localhost",
        &doc,
        &[],
    );
    assert!(text(&out).contains("<-  250 "), "{}", text(&out));
    let mut sent = Vec::new();
    for _ in 0..360 {
        sent = journal(&data)
            .iter()
            .map(|r| r["message"].clone())
            .filter(|m| m["direction"] == "Outgoing" && m["status"] == "Sent")
            .collect();
        if !sent.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(sent.len(), 1, "{}\n{:#?}", read(&log), journal(&data));
    assert_eq!(sent[0]["line"], "modem/b");
    assert_eq!(sent[0]["pages_sent"], sent[0]["pages"]);
    assert!(
        wait_for(30, || dir.join("rx.001").exists()),
        "{}",
        read(&rx_log)
    );

    for Proc(c) in procs.iter_mut().take(1) {
        signal(c, "TERM");
        assert!(wait_exit(c, 30).is_some_and(|s| s.success()));
    }
}

/// The incoming faxes of the journal of `data`, once there are any (up to
/// `secs`).
fn incoming_faxes(data: &Path, secs: u64) -> Vec<serde_json::Value> {
    let mut incoming = Vec::new();
    for _ in 0..secs * 2 {
        incoming = journal(data)
            .iter()
            .map(|r| r["message"].clone())
            .filter(|m| m["direction"] == "Incoming" && m["service"] == "Fax")
            .collect();
        if !incoming.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    incoming
}

/// Pages of a PDF by poppler's pdfinfo.
fn pdf_pages(pdf: &Path) -> u32 {
    let o = Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo");
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo prints Pages")
}

#[test]
fn hylafax_faxes_the_gateway_in_mail_mode_and_the_fax_arrives_as_mail() {
    if !iaxmodem::available() || !Path::new("/usr/sbin/faxq").exists() {
        eprintln!("skipped: needs root, iaxmodem and HylaFAX (scripts/setup.sh --test)");
        return;
    }
    let dir = Scratch::new("serve-modem-mail");
    let pair = IaxPair::start([4593, 4594], "uucp:uucp");
    let (smtp, relay, hfaxd) = (41232, 41233, 4599);
    let postfix = Postfix::start("modem-mail", relay, smtp);
    let file = dir.join("ums.toml");
    std::fs::write(
        &file,
        format!(
            "[smtp]\nlisten = \"127.0.0.1:{smtp}\"\nhostname = \"b.example.test\"\n\
             fax_domains = [\"fax.test\"]\nallowed_networks = [\"127.0.0.0/8\"]\n\n\
             [smtp.smart_host]\nhost = \"127.0.0.1\"\nport = {relay}\ntls = \"none\"\n\n\
             [delivery]\nmode = \"mail\"\n\n\
             [directory]\ndefault_recipient = \"anna@example.test\"\n\n\
             [lines]\nnumbers = []\nident = \"+49 30 100\"\n\n\
             [[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\n\n\
             [[modem]]\nname = \"b\"\ndevice = \"{}\"\nflow_control = \"none\"\nrings = 1\n\
             number = \"4930100\"\n",
            pair.devices[1].display()
        ),
    )
    .unwrap();
    let gw = checked_gateway(&file, smtp, &["modem-in-service", "modem/b"], 20);
    let (data, log) = (gw.data.clone(), gw.log.clone());
    let hf = hylafax::spool(&dir, &[&pair.devices[0]]);
    let _hylafax = hylafax::sender(&hf, &pair.devices[0], hfaxd);
    // Both modems were reset: each refuses calls for 5 s.
    std::thread::sleep(iaxmodem::BUSY_OUT_AFTER_RESET);
    let doc = dir.join("hylafax-doc.tif");
    let pages: Vec<_> = gateway::document::demo_pages(2, fax_t30::page::Resolution::Fine)
        .iter()
        .map(|p| fax_t30::tiff::TiffPage::from_page(p, fax_t30::codec::Compression::T4OneD))
        .collect();
    fax_t30::tiff::write_tiff_file(&doc, &pages, &Default::default()).unwrap();
    hylafax::sendfax(&pair.devices[0], hfaxd, pair.ports[1], &["-m"], &doc);

    let mails = postfix.wait_mail("anna", 1, Duration::from_secs(300));
    let mail = std::fs::read_to_string(&mails[0]).unwrap();
    assert!(mail.contains("Message-Context: fax-message"), "{mail}");
    assert!(mail.contains("HylaFAX-1"), "the sender's ident: {mail}");
    let pdfs = attachments(&mails[0], &dir.join("pdfs"), "application/pdf");
    assert_eq!(pdfs.len(), 1, "{mail}");
    assert_eq!(pdf_pages(&pdfs[0]), 2);
    let incoming = incoming_faxes(&data, 30);
    assert_eq!(incoming.len(), 1, "{}", read(&log));
    let m = &incoming[0];
    assert_eq!(m["line"], "modem/b", "{m:#}");
    assert_eq!(m["pages"], 2, "{m:#}");
    assert!(
        wait_for(30, || incoming_faxes(&data, 1)[0]["status"] == "Delivered"),
        "{m:#}"
    );
}
