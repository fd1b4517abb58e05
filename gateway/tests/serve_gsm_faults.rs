//! `ums serve` with a `[[gsm]]` on the simulated modem (issue 15): what
//! `ums status` says of a GSM line (operator, registration, signal), and
//! the faults at the level of the running gateway, each a clean state, a
//! clear log line and nothing lost:
//!
//! * roaming, then registration denied on LTE only (still in service),
//!   then on both (the line unavailable, `no network`
//!   in the log and the status; an SMS sent meanwhile waits at the
//!   network), then home again: the line back, the SMS stored;
//! * a wrong PIN: tried once, the line out of service for good, a loud log
//!   line; what waits on the SIM stays there;
//! * a full SIM at start: read, stored and deleted, so the network's
//!   message that waited for room arrives too.
//!
//! * a modem that goes silent, then one that answers garbage (found by the
//!   next sweep, `sweep_secs = 2`): out of service with the reason, an
//!   SMS sent meanwhile arrives once the modem is back.
//!
//! Ports: SMTP 41270-41273.

mod serve_harness;

mod gsm_kit;
#[path = "../../line-drivers/tests/gsm_sim/mod.rs"]
mod gsm_sim;

use std::path::Path;

use gsm_kit::*;
use gsm_sim::pty::OnPtys;
use gsm_sim::Network;
use serve_harness::*;
use test_kit::{Proc, Scratch};

/// The `gsm/a` row of `ums status`.
fn status_row(data: &Path) -> String {
    let o = ums()
        .args(["status", "--data"])
        .arg(data)
        .output()
        .expect("ums status");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    out.lines()
        .find(|l| l.starts_with("gsm/a"))
        .unwrap_or_default()
        .to_string()
}

/// `ums serve` on modem 0 of `sim`.
fn serve(dir: &Scratch, sim: &OnPtys, smtp: u16, extra: &str) -> (Proc, std::path::PathBuf) {
    let file = dir.join("ums.toml");
    std::fs::write(&file, gsm_config(smtp, &sim.devices[0], extra)).unwrap();
    let data = dir.join("data");
    let gw = Proc(serve_config(&file, &data, &dir.join("ums.log"), smtp));
    (gw, data)
}

#[test]
fn status_follows_the_network_and_nothing_is_lost_without_one() {
    let dir = Scratch::new("serve-gsm-net");
    let mut net = Network::new(&["+4930100"]);
    net.modems[0].eps_registration = Some(1);
    let sim = net.on_ptys();
    let (_gw, data) = serve(&dir, &sim, 41270, "");
    let log = dir.join("ums.log");
    assert!(
        wait_log(&log, 0, &["gsm-in-service", "gsm/a"], 30),
        "{}",
        read(&log)
    );
    let row = status_row(&data);
    assert!(row.contains("idle"), "{row}");
    assert!(
        row.contains("UMS Sim (26299), registered (home network), signal -73 dBm"),
        "{row}"
    );
    // Roaming: still in service, the status says so.
    sim.net.lock().unwrap().modems[0].set_eps_registration(5);
    assert!(
        wait_for(10, || status_row(&data).contains("registered (roaming)")),
        "{}",
        status_row(&data)
    );
    // Denied on LTE alone: still in service on the circuit-switched
    // network; denied on both: unavailable, a clear log line.
    sim.net.lock().unwrap().modems[0].set_eps_registration(3);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(status_row(&data).contains("idle"), "{}", status_row(&data));
    sim.net.lock().unwrap().modems[0].set_registration(3);
    assert!(
        wait_log(
            &log,
            0,
            &[
                "gsm-out-of-service",
                "gsm/a",
                "no network: registration denied"
            ],
            10
        ),
        "{}",
        read(&log)
    );
    let row = status_row(&data);
    assert!(row.contains("unavailable"), "{row}");
    assert!(
        row.contains("out of service: no network: registration denied"),
        "{row}"
    );
    // An SMS meanwhile waits at the network.
    sim.net.lock().unwrap().send_to(
        0,
        sms("+491709876543", "While you were away"),
        test_kit::wall(),
    );
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(
        sim.net.lock().unwrap().in_transit(),
        1,
        "waits at the network"
    );
    assert!(incoming_texts(&data).is_empty());
    // Home again on LTE (the other still denied): back in service, the SMS
    // arrives.
    let from = log_lines(&log);
    sim.net.lock().unwrap().modems[0].set_eps_registration(1);
    assert!(
        wait_log(&log, from, &["gsm-in-service", "gsm/a"], 10),
        "{}",
        read(&log)
    );
    assert!(
        wait_for(20, || incoming_texts(&data) == ["While you were away"]),
        "{}",
        read(&log)
    );
    assert!(status_row(&data).contains("registered (home network)"));
}

#[test]
fn a_wrong_pin_is_tried_once_and_what_waits_on_the_sim_stays() {
    let dir = Scratch::new("serve-gsm-pin");
    let mut net = Network::new(&["+4930100"]);
    net.modems[0] =
        std::mem::replace(&mut net.modems[0], gsm_sim::SimModem::new("+0")).with_pin("1234");
    net.modems[0].put(&sms("+491709876543", "Locked in"));
    let sim = net.on_ptys();
    let (_gw, data) = serve(&dir, &sim, 41271, "pin = \"0000\"\n");
    let log = dir.join("ums.log");
    assert!(
        wait_log(
            &log,
            0,
            &["gsm-out-of-service", "gsm/a", "refused the configured PIN"],
            30
        ),
        "{}",
        read(&log)
    );
    assert!(read(&log).contains("not tried again"), "{}", read(&log));
    // Long enough for several probes: still one try.
    std::thread::sleep(std::time::Duration::from_secs(12));
    let net = sim.net.lock().unwrap();
    let tries = net.modems[0]
        .commands
        .iter()
        .filter(|c| c.starts_with("AT+CPIN="))
        .count();
    assert_eq!(tries, 1, "{:?}", net.modems[0].commands);
    assert_eq!(net.modems[0].storage.len(), 1, "still on the SIM");
    drop(net);
    assert!(status_row(&data).contains("unavailable"));
    assert!(incoming_texts(&data).is_empty());
}

#[test]
fn a_full_sim_at_start_is_emptied_and_what_waited_for_room_arrives() {
    let dir = Scratch::new("serve-gsm-full");
    let mut net = Network::new(&["+4930100"]);
    net.modems[0].capacity = 2;
    net.modems[0].put(&sms("+491701", "first"));
    net.modems[0].put(&sms("+491702", "second"));
    // The network cannot deliver the third: the SIM is full.
    net.send_to(0, sms("+491703", "third"), test_kit::wall());
    let sim = net.on_ptys();
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(sim.net.lock().unwrap().in_transit(), 1, "waits for room");
    let (_gw, data) = serve(&dir, &sim, 41272, "");
    let mut got = Vec::new();
    assert!(
        wait_for(30, || {
            got = incoming_texts(&data);
            got.len() == 3
        }),
        "{got:?}\n{}",
        read(&dir.join("ums.log"))
    );
    got.sort();
    assert_eq!(got, ["first", "second", "third"]);
    let net = sim.net.lock().unwrap();
    assert_eq!(net.in_transit(), 0);
    assert!(net.modems[0].storage.is_empty());
}

#[test]
fn a_silent_modem_and_garbage_on_the_line_each_take_the_line_out_and_lose_nothing() {
    let dir = Scratch::new("serve-gsm-silent");
    let sim = Network::new(&["+4930100"]).on_ptys();
    // A sweep every 2 s finds what the modem does.
    let (_gw, data) = serve(&dir, &sim, 41273, "sweep_secs = 2\n");
    let log = dir.join("ums.log");
    assert!(
        wait_log(&log, 0, &["gsm-in-service", "gsm/a"], 30),
        "{}",
        read(&log)
    );
    for (fault, words) in [
        ("silent", "the modem did not answer"),
        ("garbage", "garbage on the line"),
    ] {
        let from = log_lines(&log);
        {
            let mut net = sim.net.lock().unwrap();
            match fault {
                "silent" => net.modems[0].silent = true,
                _ => net.modems[0].garbage = true,
            }
            // An SMS meanwhile: the network cannot hand it over yet (silent)
            // or the line cannot read it (garbage); it is not lost.
            net.send_to(0, sms("+491709876543", fault), test_kit::wall());
        }
        assert!(
            wait_log(&log, from, &["gsm-out-of-service", "gsm/a", words], 30),
            "{fault}: {}",
            read(&log)
        );
        assert!(
            status_row(&data).contains("unavailable"),
            "{}",
            status_row(&data)
        );
        let from = log_lines(&log);
        {
            let mut net = sim.net.lock().unwrap();
            net.modems[0].silent = false;
            net.modems[0].garbage = false;
        }
        assert!(
            wait_log(&log, from, &["gsm-in-service", "gsm/a"], 30),
            "{fault}: {}",
            read(&log)
        );
        assert!(
            wait_for(20, || incoming_texts(&data).iter().any(|t| t == fault)),
            "{fault}: {:?}\n{}",
            incoming_texts(&data),
            read(&log)
        );
    }
    assert_eq!(incoming_texts(&data).len(), 2, "each once");
    let net = sim.net.lock().unwrap();
    assert_eq!(net.in_transit(), 0);
    assert!(net.modems[0].storage.is_empty());
}
