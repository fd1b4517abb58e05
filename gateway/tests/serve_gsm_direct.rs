//! `ums serve` with a `[[gsm]]` in direct delivery (issue 15): the line
//! sets `+CSMS=1` and `+CNMI` mt 2, SMS come as `+CMT` and each is
//! acknowledged with `+CNMA` only once stored. A part of a concatenated
//! SMS cannot be stored alone, so it goes unacknowledged: the simulated
//! network gives up on it after its time-out and delivers it again, the
//! modem turns its indications off and stores what comes (as TS 27.005
//! §3.4.4 has it), and the line sets them again and sweeps the SIM. Every
//! message is in the journal exactly once, the SIM is empty and nothing is
//! left on its way.
//!
//! Ports: SMTP 41260.

mod serve_harness;

mod gsm_kit;
#[path = "../../line-drivers/tests/gsm_sim/mod.rs"]
mod gsm_sim;

use gsm_kit::*;
use gsm_sim::Network;
use serve_harness::*;
use test_kit::{Proc, Scratch};

const SMTP: u16 = 41260;

#[test]
fn direct_delivery_acknowledges_only_what_is_stored() {
    let dir = Scratch::new("serve-gsm-direct");
    let sim = Network::new(&["+4930100"]).on_ptys();
    let file = dir.join("ums.toml");
    std::fs::write(
        &file,
        gsm_config(SMTP, &sim.devices[0], "direct_delivery = true\n"),
    )
    .unwrap();
    let data = dir.join("data");
    let log = dir.join("ums.log");
    let _gw = Proc(serve_config(&file, &data, &log, SMTP));
    assert!(
        wait_log(&log, 0, &["gsm-in-service", "gsm/a"], 30),
        "{}",
        read(&log)
    );
    {
        let net = sim.net.lock().unwrap();
        assert_eq!(net.modems[0].csms, 1, "phase 2+ for +CNMA");
        assert_eq!(net.modems[0].cnmi[1], 2, "mt 2: +CMT");
    }
    let now = test_kit::wall();
    let one = sms_parts("+491709876543", "Straight to you: Grüße €", 42, 1).remove(0);
    sim.net.lock().unwrap().send_to(0, one, now);
    assert!(
        wait_for(20, || incoming_texts(&data).len() == 1),
        "{}",
        read(&log)
    );
    assert_eq!(incoming_texts(&data)[0], "Straight to you: Grüße €");
    assert!(
        wait_for(5, || sim.net.lock().unwrap().modems[0].acks == 1),
        "acknowledged once stored"
    );
    {
        let net = sim.net.lock().unwrap();
        assert_eq!(net.unacknowledged, 0);
        assert!(
            net.modems[0].storage.is_empty(),
            "nothing stored on the SIM"
        );
    }

    // Two parts: the first cannot be stored alone.
    let long: String = "Part of a long SMS. ".chars().cycle().take(200).collect();
    let parts = sms_parts("+4915112345", &long, 42, 5);
    assert_eq!(parts.len(), 2);
    {
        let mut net = sim.net.lock().unwrap();
        let now = test_kit::wall();
        for p in parts {
            net.send_to(0, p, now);
        }
    }
    let settled = || {
        let net = sim.net.lock().unwrap();
        net.in_transit() == 0
            && net.modems[0].awaiting_ack.is_none()
            && net.modems[0].storage.is_empty()
    };
    assert!(
        wait_for(60, || incoming_texts(&data).len() == 2 && settled()),
        "{:?}\n{}",
        incoming_texts(&data),
        read(&log)
    );
    assert!(incoming_texts(&data).contains(&long));
    // Settled for good: nothing comes twice.
    std::thread::sleep(std::time::Duration::from_secs(4));
    assert_eq!(incoming_texts(&data).len(), 2, "{}", read(&log));
    let net = sim.net.lock().unwrap();
    assert!(net.unacknowledged >= 1, "the lone part went unacknowledged");
    assert_eq!(net.modems[0].cnmi[1], 2, "indications set again");
}
