//! `ums serve` with a `[[capi]]` (issue 16): the gateway reaches the
//! remote-CAPI controller simulator (`line_drivers::capi::sim::tcp`, in
//! this process) with its native client; a second `CapiLine` on the same
//! simulator, run here in real time with the one fax pump (`FaxCall`), is
//! the far fax machine. A mail to the far number goes out over a
//! B-channel and arrives there page for page; the far machine's fax to
//! the gateway's MSN is received, on line `capi/isdn/1`, with its pages.
//! `ums check-config` shows the section; `ums status` shows the line.
//!
//! And through Debian's libcapi20 (`transport = "libcapi20"`): `ums serve`
//! loads the library at run time; its rcapi module reaches the simulator
//! by `$HOME/.capi20rc` in a scratch directory (the daemon's HOME); the
//! far machine's fax comes in over it.
//!
//! And the controller going away in the middle of a fax: the gateway's
//! line goes out of service, the job waits to be retried, the line comes
//! back on its own when the simulator returns on the same port, and the
//! retry delivers the fax.
//!
//! The metric `ums_capi_in_service` follows the line.
//!
//! Ports: SMTP 41240, 41241 and 41242, metrics 41243 (the simulator takes a free one).

mod capi_kit;
mod serve_harness;

use std::time::Duration;

use capi_kit::*;
use fax_t30::page::BilevelPage;
use line_drivers::capi::sim::tcp::SimServer;
use serve_harness::*;
use test_kit::{Proc, Scratch};

/// The line's `ums_capi_in_service` sample from the metrics on `port`.
fn capi_in_service(port: u16, line: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    c.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut body = String::new();
    c.read_to_string(&mut body).ok()?;
    let key = format!("ums_capi_in_service{{line=\"{line}\"}} ");
    body.lines()
        .find_map(|l| l.strip_prefix(&key))
        .map(str::to_string)
}

#[test]
fn the_gateway_faxes_over_capi_and_receives_a_fax() {
    let dir = Scratch::new("serve-capi");
    let sim = simulator();
    let smtp = 41240;
    let file = dir.join("ums.toml");
    std::fs::write(
        &file,
        format!(
            "[smtp]\nlisten = \"127.0.0.1:{smtp}\"\nhostname = \"b.example.test\"\n\
             allowed_networks = [\"127.0.0.0/8\"]\n\n\
             [lines]\nnumbers = []\nident = \"+49 30 100\"\n\n\
             [[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\n\n\
             [[capi]]\nname = \"isdn\"\nremote = \"{}\"\nb_channels = 1\n\
             numbers = [\"4930100\"]\ncalling_number = \"4930100\"\n\n\
             [retry]\nintervals_secs = [10]\n",
            sim.addr()
        ),
    )
    .unwrap();
    let out = run(&["check-config", "--config", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("capi isdn: remote CAPI"),
        "{}",
        text(&out)
    );

    let data = dir.join("data");
    let log = dir.join("ums.log");
    let mut gw = Proc(serve_config(&file, &data, &log, smtp));
    assert!(
        wait_log(&log, 0, &["capi-in-service", "capi/isdn/1"], 20),
        "{}",
        read(&log)
    );
    let status = ums()
        .args(["status", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(text(&status).contains("capi/isdn/1"), "{}", text(&status));

    let (far, calls) = far_machine(sim.addr(), dir.to_path_buf());
    // Out: a mail to the far machine's number becomes a call on the
    // B-channel.
    let doc = document(&dir, 1);
    let out = swaks(smtp, "anna@example.test", "555001@fax.localhost", &doc, &[]);
    assert!(text(&out).contains("<-  250 "), "{}", text(&out));
    let got = ended(&calls, 180)
        .unwrap_or_else(|| panic!("no call reached the far machine\n{}", read(&log)));
    assert!(got.success, "{got:?}\n{}", read(&log));
    assert!(
        got.number.as_deref().is_some_and(|n| n.ends_with("555001")),
        "{got:?}"
    );
    // The gateway sends a cover page first and stamps its header line on
    // top of each page: below the header, the document's page arrives as
    // it was.
    let received: Vec<BilevelPage> =
        fax_t30::tiff::read_tiff_file(got.received.as_ref().expect("a file"))
            .expect("a readable TIFF")
            .iter()
            .map(|p| p.decode().unwrap())
            .collect();
    assert_eq!(received.len() as u32, got.pages);
    let page = fax_t30::tiff::read_tiff_file(&doc).expect("the document")[0]
        .decode()
        .unwrap();
    let last = received.last().expect("pages");
    // The header is a strip added above the page.
    let strip = last.rows.checked_sub(page.rows).expect("a header strip");
    assert!(strip > 0 && strip < 100, "{strip} rows of header");
    assert!(
        (0..page.rows).all(|y| last.row(y + strip) == page.row(y)),
        "the document's page differs below the header"
    );
    let mut sent_rec = Vec::new();
    assert!(
        wait_for(30, || {
            sent_rec = journal(&data)
                .iter()
                .map(|r| r["message"].clone())
                .filter(|m| m["direction"] == "Outgoing" && m["status"] == "Sent")
                .collect();
            !sent_rec.is_empty()
        }),
        "{}",
        read(&log)
    );
    assert_eq!(sent_rec[0]["line"], "capi/isdn/1", "{:#}", sent_rec[0]);
    assert_eq!(sent_rec[0]["pages_sent"], got.pages, "{:#}", sent_rec[0]);

    // In: the far machine calls the gateway's MSN with two pages.
    let pages = pages(2, 40);
    far.send(FarCommand::Send("4930100".into(), pages.clone()))
        .unwrap();
    let got = ended(&calls, 180)
        .unwrap_or_else(|| panic!("the far machine's call did not end\n{}", read(&log)));
    assert!(got.success, "{got:?}\n{}", read(&log));
    assert_eq!(got.pages, 2, "{got:?}");
    let mut incoming = Vec::new();
    assert!(
        wait_for(30, || {
            incoming = journal(&data)
                .iter()
                .map(|r| r["message"].clone())
                .filter(|m| m["direction"] == "Incoming" && m["service"] == "Fax")
                .collect();
            !incoming.is_empty()
        }),
        "{}",
        read(&log)
    );
    let m = &incoming[0];
    assert_eq!(m["line"], "capi/isdn/1", "{m:#}");
    assert_eq!(m["pages"], 2, "{m:#}");
    let doc = m["document"].as_str().expect("the fax is kept");
    let got: Vec<BilevelPage> = fax_t30::tiff::read_tiff_file(doc)
        .expect("a readable TIFF")
        .iter()
        .map(|p| p.decode().unwrap())
        .collect();
    assert!(
        got == pages,
        "the pages the gateway kept are the pages sent"
    );

    let _ = far.send(FarCommand::Stop);
    signal(&gw.0, "TERM");
    assert!(wait_exit(&mut gw.0, 30).is_some_and(|s| s.success()));
}

#[test]
fn the_gateway_receives_a_fax_through_libcapi20() {
    let dir = Scratch::new("serve-capi-libcapi20");
    let sim = simulator();
    std::fs::write(
        dir.join(".capi20rc"),
        format!("REMOTE rcapi 127.0.0.1 {}\n", sim.addr().port()),
    )
    .unwrap();
    let smtp = 41241;
    let file = dir.join("ums.toml");
    std::fs::write(
        &file,
        format!(
            "[smtp]\nlisten = \"127.0.0.1:{smtp}\"\nhostname = \"b.example.test\"\n\n\
             [lines]\nnumbers = []\nident = \"+49 30 100\"\n\n\
             [[capi]]\nname = \"card\"\ntransport = \"libcapi20\"\nb_channels = 1\n\
             numbers = [\"4930100\"]\n"
        ),
    )
    .unwrap();
    let data = dir.join("data");
    let log = dir.join("ums.log");
    let child = ums()
        .arg("serve")
        .args(["--config", file.to_str().unwrap(), "--data"])
        .arg(&data)
        .env("HOME", dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("ums serve starts");
    let mut gw = Proc(child);
    assert!(wait_for(30, || listening(smtp)), "{}", read(&log));
    assert!(
        wait_log(&log, 0, &["capi-in-service", "capi/card/1"], 20),
        "{}",
        read(&log)
    );
    let (far, calls) = far_machine(sim.addr(), dir.to_path_buf());
    let pages = pages(2, 60);
    far.send(FarCommand::Send("4930100".into(), pages.clone()))
        .unwrap();
    let got = ended(&calls, 180)
        .unwrap_or_else(|| panic!("the far machine's call did not end\n{}", read(&log)));
    assert!(got.success, "{got:?}\n{}", read(&log));
    let mut incoming = Vec::new();
    assert!(
        wait_for(30, || {
            incoming = journal(&data)
                .iter()
                .map(|r| r["message"].clone())
                .filter(|m| m["direction"] == "Incoming" && m["service"] == "Fax")
                .collect();
            !incoming.is_empty()
        }),
        "{}",
        read(&log)
    );
    let m = &incoming[0];
    assert_eq!(m["line"], "capi/card/1", "{m:#}");
    let doc = m["document"].as_str().expect("the fax is kept");
    let got: Vec<BilevelPage> = fax_t30::tiff::read_tiff_file(doc)
        .expect("a readable TIFF")
        .iter()
        .map(|p| p.decode().unwrap())
        .collect();
    assert!(
        got == pages,
        "the pages the gateway kept are the pages sent"
    );
    let _ = far.send(FarCommand::Stop);
    signal(&gw.0, "TERM");
    assert!(wait_exit(&mut gw.0, 30).is_some_and(|s| s.success()));
}

#[test]
fn the_controller_going_away_mid_fax_and_the_job_retried_when_it_is_back() {
    let dir = Scratch::new("serve-capi-gone");
    let sim = simulator();
    let addr = sim.addr();
    let smtp = 41242;
    let file = dir.join("ums.toml");
    std::fs::write(
        &file,
        format!(
            "[smtp]\nlisten = \"127.0.0.1:{smtp}\"\nhostname = \"b.example.test\"\n\
             allowed_networks = [\"127.0.0.0/8\"]\n\n\
             [lines]\nnumbers = []\nident = \"+49 30 100\"\n\n\
             [[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\n\n\
             [[capi]]\nname = \"isdn\"\nremote = \"{addr}\"\nb_channels = 1\n\
             numbers = [\"4930100\"]\n\n\
             [metrics]\nlisten = \"127.0.0.1:41243\"\n\n\
             [retry]\nintervals_secs = [10]\n"
        ),
    )
    .unwrap();
    let data = dir.join("data");
    let log = dir.join("ums.log");
    let mut gw = Proc(serve_config(&file, &data, &log, smtp));
    assert!(
        wait_log(&log, 0, &["capi-in-service", "capi/isdn/1"], 20),
        "{}",
        read(&log)
    );
    let up = |v: &str| {
        wait_for(10, || {
            capi_in_service(41243, "capi/isdn/1").as_deref() == Some(v)
        })
    };
    assert!(up("1"), "{:?}", capi_in_service(41243, "capi/isdn/1"));
    let (far, calls) = far_machine(addr, dir.to_path_buf());
    let doc = document(&dir, 2);
    let out = swaks(smtp, "anna@example.test", "555001@fax.localhost", &doc, &[]);
    assert!(text(&out).contains("<-  250 "), "{}", text(&out));
    let paging = calls.recv_timeout(Duration::from_secs(120));
    assert!(
        matches!(paging, Ok(Far::Paging)),
        "{paging:?}\n{}",
        read(&log)
    );
    // The controller goes away in the middle of the fax.
    let from = log_lines(&log);
    drop(sim);
    let cut = ended(&calls, 30).expect("the far machine's call ended");
    assert!(!cut.success, "{cut:?}");
    let _ = far.send(FarCommand::Stop);
    assert!(
        wait_log(&log, from, &["capi-out-of-service", "capi/isdn/1"], 20),
        "{}",
        read(&log)
    );
    let mut rec = serde_json::Value::Null;
    assert!(
        wait_for(30, || {
            rec = journal(&data)
                .iter()
                .map(|r| r["message"].clone())
                .find(|m| m["direction"] == "Outgoing")
                .unwrap_or_default();
            rec["status"] == "Retrying"
        }),
        "{rec:#}\n{}",
        read(&log)
    );
    let status = ums()
        .args(["status", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(text(&status).contains("unavailable"), "{}", text(&status));
    assert!(up("0"), "{:?}", capi_in_service(41243, "capi/isdn/1"));

    // Back on the same port: the line connects again on its own and the
    // retry delivers the fax to a new far machine.
    let from = log_lines(&log);
    let sim = SimServer::start(simulator_config(), addr.port()).expect("simulator again");
    let (far, calls) = far_machine(sim.addr(), dir.to_path_buf());
    assert!(
        wait_log(&log, from, &["capi-in-service", "capi/isdn/1"], 60),
        "{}",
        read(&log)
    );
    assert!(up("1"), "{:?}", capi_in_service(41243, "capi/isdn/1"));
    let got = ended(&calls, 180).unwrap_or_else(|| panic!("no retry\n{}", read(&log)));
    assert!(got.success, "{got:?}\n{}", read(&log));
    assert!(
        wait_for(30, || {
            rec = journal(&data)
                .iter()
                .map(|r| r["message"].clone())
                .find(|m| m["direction"] == "Outgoing")
                .unwrap_or_default();
            rec["status"] == "Sent"
        }),
        "{rec:#}\n{}",
        read(&log)
    );
    assert_eq!(rec["attempts"], 2, "{rec:#}");
    assert_eq!(rec["pages_sent"], got.pages, "{rec:#}");
    let _ = far.send(FarCommand::Stop);
    signal(&gw.0, "TERM");
    assert!(wait_exit(&mut gw.0, 30).is_some_and(|s| s.success()));
}
