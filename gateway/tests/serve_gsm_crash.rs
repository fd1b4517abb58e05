//! `ums serve` with a `[[gsm]]` killed with SIGKILL while it takes an SMS
//! off the SIM (issue 15): the process stops at a failpoint
//! (`UMS_FAILPOINT=stall:<point>`, kernel/src/store.rs) and the test kills
//! it with `kill -9`, then starts it again on the same SIM.
//!
//! * between reading the SMS and storing it (`before:Received`): nothing
//!   is lost, the SMS is still on the SIM, and the restart stores it;
//! * between storing it and deleting it (`after:Received`): nothing is
//!   duplicated, the restart reads it again, finds its dedupe key with
//!   its record, deletes it from the SIM and stores nothing.
//!
//! Ports: SMTP 41250.

mod serve_harness;

mod gsm_kit;
#[path = "../../line-drivers/tests/gsm_sim/mod.rs"]
mod gsm_sim;

use std::path::Path;
use std::process::{Child, Stdio};

use gsm_kit::*;
use gsm_sim::{stamp, Network};
use line_drivers::gsm::{split, Address, Deliver, Reference};
use serve_harness::*;
use test_kit::Scratch;

const SMTP: u16 = 41250;
const TEXT: &str = "Kill me softly: Grüße €";

fn serve(file: &Path, data: &Path, log: &Path, failpoint: Option<&str>) -> Child {
    let err = std::fs::File::create(log).unwrap();
    let mut cmd = ums();
    cmd.arg("serve")
        .args(["--config", file.to_str().unwrap()])
        .args(["--data", data.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::from(err));
    match failpoint {
        Some(f) => cmd.env("UMS_FAILPOINT", f),
        None => cmd.env_remove("UMS_FAILPOINT"),
    };
    cmd.spawn().expect("ums serve starts")
}

/// One SMS on the SIM; `ums serve` stopped at `point` and killed with
/// SIGKILL; the journal at that moment must hold `stored_at_kill`
/// messages. Then a restart: exactly one message, the SIM empty.
fn kill_at(point: &str, stored_at_kill: usize) {
    let dir = Scratch::new("serve-gsm-crash");
    let mut net = Network::new(&["+4930100"]);
    net.modems[0].put(&Deliver {
        from: Address::number("+491709876543").expect("number"),
        sent: stamp(),
        status_report: false,
        more_to_send: false,
        user_data: split(TEXT, Reference::Short(1), 1).expect("one").remove(0),
    });
    let sim = net.on_ptys();
    let file = dir.join("ums.toml");
    std::fs::write(&file, gsm_config(SMTP, &sim.devices[0], "")).unwrap();
    let data = dir.join("data");
    let log = dir.join("ums.log");
    let mut gw = serve(&file, &data, &log, Some(&format!("stall:{point}")));
    assert!(
        wait_log(&log, 0, &["failpoint", point, "reached"], 30),
        "{}",
        read(&log)
    );
    // SIGKILL: no shutdown, nothing flushed at exit.
    gw.kill().unwrap();
    gw.wait().unwrap();
    let on_sim = sim.net.lock().unwrap().modems[0].storage.len();
    assert_eq!(on_sim, 1, "still on the SIM after the kill");
    assert_eq!(incoming_sms(&data).len(), stored_at_kill, "{}", read(&log));

    let log2 = dir.join("ums2.log");
    let mut gw = serve(&file, &data, &log2, None);
    let sim_empty = || sim.net.lock().unwrap().modems[0].storage.is_empty();
    assert!(
        wait_for(30, sim_empty),
        "deleted after restart: {}",
        read(&log2)
    );
    assert!(wait_log(&log2, 0, &["gsm-in-service", "gsm/a"], 10));
    gw.kill().unwrap();
    gw.wait().unwrap();
    let got = incoming_sms(&data);
    assert_eq!(got.len(), 1, "exactly once: {got:?}\n{}", read(&log2));
    assert_eq!(got[0]["text"], TEXT);
    assert_eq!(got[0]["caller_number"], "+491709876543");
    let duplicate_seen = read(&log2).contains("gsm-duplicate");
    assert_eq!(duplicate_seen, stored_at_kill == 1, "{}", read(&log2));
}

#[test]
fn kill_9_between_reading_and_storing_loses_nothing() {
    kill_at("before:Received", 0);
}

#[test]
fn kill_9_between_storing_and_deleting_duplicates_nothing() {
    kill_at("after:Received", 1);
}
