//! The GSM simulator (tests/gsm_sim) checked against DTE software we did
//! not write: gammu identifies the simulated modem, sends SMS through it
//! (7-bit, UCS-2, concatenated) that arrive on a second simulated modem,
//! and reads all messages on the SIM, over ptys in real time.

mod gsm_sim;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use gsm_sim::{stamp, Network};
use line_drivers::gsm::{split, Address, Deliver, Reference};
use test_kit::Scratch;

const A: &str = "+491701000001";
const B: &str = "+491701000002";

/// Runs gammu with a config pointing at `device`; its stdout.
fn gammu(dir: &Path, device: &Path, args: &[&str]) -> String {
    let rc = dir.join("gammurc");
    std::fs::write(
        &rc,
        format!(
            "[gammu]\ndevice = {}\nconnection = at\nlogformat = textall\nlogfile = {}\n",
            device.display(),
            dir.join("gammu.log").display()
        ),
    )
    .expect("gammurc");
    let out = Command::new("gammu")
        .arg("-c")
        .arg(&rc)
        .args(args)
        .output()
        .expect("gammu (scripts/setup.sh --test installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "gammu {args:?} failed: {}\n{stdout}\nlog: {}",
        String::from_utf8_lossy(&out.stderr),
        {
            let log = std::fs::read_to_string(dir.join("gammu.log")).unwrap_or_default();
            let cut = log.len().saturating_sub(6000);
            log[log.ceil_char_boundary(cut)..].to_string()
        }
    );
    stdout
}

#[test]
fn gammu_identifies_the_simulated_modem() {
    let dir = Scratch::new("gsm-gammu-identify");
    let sim = Network::new(&[A]).on_ptys();
    let out = gammu(dir.path(), &sim.devices[0], &["identify"]);
    assert!(out.contains("UMS"), "{out}");
    assert!(out.contains("GSM simulator"), "{out}");
    assert!(out.contains("350491701000001"), "{out}");
}

fn deliver(text: &str) -> Deliver {
    Deliver {
        from: Address::number("+4930123456").expect("number"),
        sent: stamp(),
        status_report: false,
        more_to_send: false,
        user_data: split(text, Reference::Short(1), 1).expect("one").remove(0),
    }
}

#[test]
fn gammu_reads_all_messages_on_the_sim() {
    let dir = Scratch::new("gsm-gammu-getall");
    let mut net = Network::new(&[A]);
    net.modems[0].put(&deliver("Hello from the SIM"));
    net.modems[0].put(&deliver("Grüße 😀"));
    let sim = net.on_ptys();
    let out = gammu(dir.path(), &sim.devices[0], &["getallsms"]);
    assert!(out.contains("Hello from the SIM"), "{out}");
    assert!(out.contains("Grüße 😀"), "{out}");
    assert!(out.contains("+4930123456"), "{out}");
}

fn sends(text: &str, extra: &[&str], parts: usize) {
    let dir = Scratch::new("gsm-gammu-send");
    let sim = Network::new(&[A, B]).on_ptys();
    let mut args = vec!["sendsms", "TEXT", B];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-text", text]);
    gammu(dir.path(), &sim.devices[0], &args);
    let deadline = test_kit::wall() + Duration::from_secs(10);
    loop {
        let net = sim.net.lock().expect("network");
        if net.delivered.len() == parts {
            let mut got: Vec<Deliver> = net.delivered.iter().map(|(_, d)| d.clone()).collect();
            got.sort_by_key(|d| d.user_data.concat.map(|c| c.seq));
            let joined: String = got.iter().map(|d| d.user_data.text.as_str()).collect();
            assert_eq!(joined, text);
            assert!(got.iter().all(|d| d.from.to_text() == A));
            assert_eq!(net.modems[1].storage.len(), parts);
            return;
        }
        assert!(
            test_kit::wall() < deadline,
            "{} of {parts} delivered",
            net.delivered.len()
        );
        drop(net);
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn gammu_sends_7_bit_through_the_simulator() {
    sends("Hello via gammu, 10€ [ok]", &[], 1);
}

#[test]
fn gammu_sends_ucs2_through_the_simulator() {
    sends("Grüße łódź 😀", &["-unicode"], 1);
}

#[test]
fn gammu_sends_a_concatenated_message_through_the_simulator() {
    let text: String = "gammu long text 0123456789 "
        .chars()
        .cycle()
        .take(307)
        .collect();
    sends(&text, &["-len", "400"], 3);
}
