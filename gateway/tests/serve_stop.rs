//! SIGTERM during a fax call: the SMTP listener closes at once, the call
//! finishes, the store is flushed and `ums serve` exits 0. With a stop
//! timeout shorter than the call, the call is cut, recorded, and sent after
//! the restart: nothing accepted is lost.

mod serve_harness;

use std::path::Path;

use kernel::message::Status;
use serve_harness::*;
use test_kit::Scratch;

fn config(port: u16, extra: &str) -> String {
    format!(
        "[smtp]\nlisten = \"127.0.0.1:{port}\"\nhostname = \"ums.example.test\"\n\n\
         [[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\n\n\
         [retry]\nintervals_secs = [1]\n\n{extra}"
    )
}

/// The one message in the store (read after the gateway has exited).
fn the_message(data: &Path) -> kernel::message::Message {
    let store = kernel::store::Store::open(&data.join("store")).expect("store opens");
    let recs: Vec<_> = store.all().map(|r| r.unwrap()).collect();
    assert_eq!(recs.len(), 1, "{recs:?}");
    recs[0].message.clone()
}

fn start(dir: &Path, port: u16, extra: &str, log: &Path) -> std::process::Child {
    let file = dir.join("ums.toml");
    std::fs::write(&file, config(port, extra)).unwrap();
    let data = dir.join("data");
    let child = spawn(
        &[
            "--config",
            file.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ],
        log,
    );
    assert!(wait_for(30, || listening(port)), "{}", read(log));
    child
}

#[test]
fn sigterm_during_a_call_stops_accepting_and_lets_the_call_finish() {
    const PORT: u16 = 40320;
    let dir = Scratch::new("sigterm-graceful");
    let data = dir.join("data");
    let log = dir.join("serve.log");
    let doc = document(&dir, 3);
    let mut ums = start(&dir, PORT, "", &log);
    let out = swaks(PORT, "anna@example.test", "5550@fax.localhost", &doc, &[]);
    assert!(text(&out).contains("<-  250 "), "{}", text(&out));
    assert!(
        wait_log(&log, 0, &["1 call(s) in progress"], 60),
        "{}",
        read(&log)
    );

    signal(&ums, "TERM");
    assert!(
        wait_for(10, || !listening(PORT)),
        "the SMTP listener closes at once"
    );
    let status = wait_exit(&mut ums, 150);
    let text_log = read(&log);
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{text_log}"
    );
    let lines: Vec<&str> = text_log.lines().collect();
    let stopping = lines.iter().position(|l| l.contains("msgid=stopping"));
    let idle = lines
        .iter()
        .rposition(|l| l.contains("0 call(s) in progress"));
    let stopped = lines.iter().position(|l| l.contains("msgid=stopped"));
    assert!(
        stopping < idle && idle < stopped && stopping.is_some(),
        "{text_log}"
    );
    assert!(
        lines[stopping.unwrap()].contains("for 1 call(s)"),
        "{text_log}"
    );
    assert!(!text_log.contains("msgid=stop-timeout"), "{text_log}");

    // The far end has every page (swaks's text and the 3 pages), the store says so.
    assert_eq!(received_pages(&data, "0895550"), [4]);
    let m = the_message(&data);
    assert_eq!(m.status, Status::Sent, "{m:?}");
    assert_eq!(m.pages_sent, 4, "{m:?}");
}

#[test]
fn a_call_cut_at_the_stop_timeout_is_sent_after_the_restart() {
    const PORT: u16 = 40321;
    let dir = Scratch::new("sigterm-timeout");
    let data = dir.join("data");
    let log = dir.join("serve.log");
    let doc = document(&dir, 3);
    let extra = "[daemon]\nstop_timeout_secs = 2\n";
    let mut ums = start(&dir, PORT, extra, &log);
    let out = swaks(PORT, "anna@example.test", "5550@fax.localhost", &doc, &[]);
    assert!(text(&out).contains("<-  250 "), "{}", text(&out));
    assert!(
        wait_log(&log, 0, &["1 call(s) in progress"], 60),
        "{}",
        read(&log)
    );
    signal(&ums, "TERM");
    let status = wait_exit(&mut ums, 30);
    let text_log = read(&log);
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{text_log}"
    );
    assert!(
        text_log.contains("msgid=stop-timeout 1 call(s) cut"),
        "{text_log}"
    );
    let m = the_message(&data);
    assert_ne!(m.status, Status::Sent, "the call was cut: {m:?}");

    // Restarted, the gateway sends it (from the first unconfirmed page).
    let log2 = dir.join("serve-2.log");
    let mut ums = start(&dir, PORT, extra, &log2);
    let sent = wait_log(&log2, 0, &["1 call(s) in progress"], 60)
        && wait_log(&log2, 0, &["0 call(s) in progress"], 240);
    signal(&ums, "TERM");
    let status = wait_exit(&mut ums, 30);
    assert!(sent, "{}", read(&log2));
    assert!(status.is_some_and(|s| s.success()), "{}", read(&log2));
    let m = the_message(&data);
    assert_eq!(m.status, Status::Sent, "{m:?}");
    assert_eq!(m.pages_sent, 4, "{m:?}");
    // What reached the far end adds up to the whole document.
    let pages: usize = received_pages(&data, "0895550").iter().sum();
    assert!(pages >= 4, "{:?}", received_pages(&data, "0895550"));
}
