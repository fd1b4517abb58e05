//! `ums serve` with a `[[modem]]` (issue 13): two iaxmodems wired back to
//! back (test_kit::iaxmodem), our gateway on modem B's pty. efax on modem A
//! sends 2 pages: the fax is in B's journal, from A's caller id, on line
//! `modem/b`, and its document is a readable TIFF. Then a mail to efax's
//! number goes out through the modem and efax receives it. `ums status`
//! shows the modem line; the metrics say it is in service.
//!
//! Needs root, iaxmodem, efax (scripts/setup.sh --test). Ports: SMTP 41230,
//! metrics 41231, IAX 4583-4584.

mod serve_harness;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serve_harness::*;
use test_kit::iaxmodem::{self, IaxPair};
use test_kit::Scratch;

fn journal(data: &Path) -> Vec<serde_json::Value> {
    let o = ums()
        .args(["journal", "--json", "--data"])
        .arg(data)
        .output()
        .expect("ums journal");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    serde_json::from_slice(&o.stdout).expect("journal --json is JSON")
}

struct Killed(Vec<std::process::Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

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
    let mut procs = Killed(vec![gw]);
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
    let ps = dir.join("doc.ps");
    std::fs::write(
        &ps,
        "%!PS\n1 1 2 { /pg exch def /Helvetica findfont 24 scalefont setfont \
         72 700 moveto (efax to ums serve, page ) show pg 3 string cvs show \
         4 setlinewidth 72 100 moveto 540 580 lineto stroke showpage } for\n",
    )
    .unwrap();
    let gs = Command::new("gs")
        .args([
            "-q",
            "-dSAFER",
            "-sDEVICE=tiffg3",
            "-r204x196",
            "-g1728x2156",
            "-o",
        ])
        .arg(dir.join("doc-%03d.tif"))
        .arg(&ps)
        .status()
        .expect("ghostscript");
    assert!(gs.success());
    let efax_log = dir.join("efax-tx.log");
    let f = std::fs::File::create(&efax_log).unwrap();
    let tx = Command::new("efax")
        .arg("-d")
        .arg(&pair.devices[0])
        .args(["-o1", "-l", "+1 555 0001", "-v", "ewinchmr"])
        .arg("-x")
        .arg(dir.join("LCK..a"))
        .args(["-t", "4584"])
        .arg(dir.join("doc-001.tif"))
        .arg(dir.join("doc-002.tif"))
        .stdin(Stdio::null())
        .stdout(f.try_clone().unwrap())
        .stderr(f)
        .spawn()
        .expect("efax");
    procs.0.push(tx);
    let mut incoming = Vec::new();
    for _ in 0..360 {
        incoming = journal(&data)
            .iter()
            .map(|r| r["message"].clone())
            .filter(|m| m["direction"] == "Incoming" && m["service"] == "Fax")
            .collect();
        if !incoming.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
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
    let efax_tx = procs.0.pop().unwrap();
    let mut efax_tx = Killed(vec![efax_tx]);
    assert!(
        wait_exit(&mut efax_tx.0[0], 60).is_some_and(|s| s.success()),
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
    procs.0.push(rx);
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

    for c in procs.0.iter_mut().take(1) {
        signal(c, "TERM");
        assert!(wait_exit(c, 30).is_some_and(|s| s.success()));
    }
}
