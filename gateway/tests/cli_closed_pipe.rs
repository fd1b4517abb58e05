//! Every command whose output is read by a pipe that closes early
//! (`ums status | head -1`, `ums journal | less` quit at once) ends as a
//! Unix tool does: nothing on stderr (no "failed printing to stdout"
//! panic), exit status 141 (what a shell reports for a tool SIGPIPE ended,
//! so `set -o pipefail` scripts see the usual value), and what it was
//! asked to do is done all the same.
//!
//! The reader here closes before the command writes a byte, so every one
//! of them meets the closed pipe (`head` may close only after the output
//! fitted into the pipe's buffer, and the test would prove nothing).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use test_kit::Scratch;

mod serve_harness;

use serve_harness::{serve_as_anna, signal, text, wait_exit, wait_for};

const SMTP_PORT: u16 = 40430;
const EXIT_BROKEN_PIPE: i32 = 141;

/// `ums ARGS` with its stdout read by nobody: the pipe's reading end is
/// closed before the command starts (closing it after the spawn would race
/// a fast command, whose output then fits into the pipe's buffer).
fn closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_ums"))
        .args(args)
        .env_remove("STATE_DIRECTORY")
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .expect("ums runs")
}

fn assert_quiet(args: &[&str]) {
    let o = closed_pipe(args);
    assert!(
        o.stderr.is_empty() && o.status.code() == Some(EXIT_BROKEN_PIPE),
        "ums {}: {:?}\n{}",
        args.join(" "),
        o.status,
        text(&o)
    );
}

/// `ums ARGS --data DATA`, read to the end.
fn ums(args: &[&str], data: &Path) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_ums"))
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("ums runs");
    assert_eq!(o.status.code(), Some(0), "ums {args:?}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn journal(data: &Path) -> Vec<serde_json::Value> {
    serde_json::from_str(&ums(&["journal", "--json"], data)).expect("JSON")
}

/// The id of the journal's message to `number` (E.164) once it has `status`.
fn id_of(data: &Path, number: &str, status: &str) -> String {
    let mut id = None;
    let found = wait_for(30, || {
        id = journal(data)
            .iter()
            .map(|r| &r["message"])
            .find(|m| m["recipient_number"] == number && m["status"] == status)
            .and_then(|m| m["id"].as_u64());
        id.is_some()
    });
    assert!(found, "{number} {status}: {:#?}", journal(data));
    id.unwrap().to_string()
}

#[test]
fn every_command_ends_quietly_when_its_reader_has_gone() {
    let dir = Scratch::new("closed-pipe");
    let data = dir.join("data");
    let d = data.to_str().unwrap();
    let mut daemon = serve_as_anna(&data, SMTP_PORT);
    let doc = serve_harness::document(&dir, 1);
    let doc = doc.to_str().unwrap();

    // Commands that change something do it though nobody reads them.
    assert_quiet(&[
        "simulate", "sms", "--data", d, "--from", "0170", "--to", "100", "Hi",
    ]);
    assert_quiet(&[
        "simulate", "fax", "--data", d, "--from", "030", "--to", "101", doc,
    ]);
    // 9990 is busy on the simulated network: both wait for a retry.
    for _ in 0..2 {
        assert_quiet(&["send", "--data", d, "--to", "9990", doc]);
    }
    let recs = journal(&data);
    let incoming = |s: &str| {
        recs.iter()
            .any(|r| r["message"]["direction"] == "Incoming" && r["message"]["service"] == s)
    };
    assert!(incoming("Sms") && incoming("Fax"), "{recs:#?}");
    let first = id_of(&data, "+49899990", "Retrying");
    assert_quiet(&["queue", "cancel", "--data", d, &first]);
    let second = id_of(&data, "+49899990", "Retrying");
    assert_ne!(first, second);
    assert_quiet(&["queue", "delete", "--data", d, &second]);
    let ended = |id: &str| {
        journal(&data).iter().any(|r| {
            r["message"]["id"] == id.parse::<u64>().unwrap() && r["message"]["status"] != "Retrying"
        })
    };
    assert!(wait_for(10, || ended(&first) && ended(&second)));

    // Commands that only print.
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["journal"],
        &["journal", "--json"],
        &["journal", "--service", "fax"],
        &["journal", "show", &first],
        &["deadletter", "list"],
        &["deadletter", "retry", "--all"],
    ] {
        let mut args = args.to_vec();
        args.extend(["--data", d]);
        assert_quiet(&args);
    }
    // The same with the real `head`, through a shell: no panic text.
    let o = Command::new("sh")
        .args(["-c", "\"$0\" journal --data \"$1\" | head -c 1"])
        .arg(env!("CARGO_BIN_EXE_ums"))
        .arg(d)
        .output()
        .unwrap();
    assert!(o.stderr.is_empty(), "{}", text(&o));

    signal(&daemon, "TERM");
    assert!(wait_exit(&mut daemon, 60).is_some());

    // Without a gateway: the journal from the store, and the local tools.
    assert_quiet(&["journal", "--data", d]);
    let conf = dir.join("ums.toml");
    std::fs::write(&conf, "").unwrap();
    assert_quiet(&["check-config", "--config", conf.to_str().unwrap()]);
    let out = dir.join("out.tif");
    assert_quiet(&["render", doc, "-o", out.to_str().unwrap()]);
    assert!(out.is_file(), "render wrote its file");
    let lo = dir.join("loop");
    assert_quiet(&[
        "fax-loop",
        "--demo",
        "--pages",
        "1",
        "--out",
        lo.to_str().unwrap(),
    ]);
    assert!(lo.join("received.tif").is_file(), "the fax went through");
}
