//! `ums serve` with a `[[gsm]]` (issue 15): the gateway on a simulated GSM
//! modem's pty (line-drivers/tests/gsm_sim). An SMS waiting on the SIM at
//! start, one that arrives while the gateway runs and a concatenated one
//! (parts in reverse order) are stored as incoming SMS (journal: text,
//! caller, line `gsm/a`) and deleted from the SIM only once stored; a
//! status report stored on the SIM is deleted.
//!
//! The metrics say the line is in service and give its signal.
//!
//! Ports: SMTP 41240, metrics 41241.

mod serve_harness;

mod gsm_kit;
#[path = "../../line-drivers/tests/gsm_sim/mod.rs"]
mod gsm_sim;

use gsm_kit::*;
use gsm_sim::{stamp, Network};
use line_drivers::gsm::{split, Address, Deliver, Reference};
use serve_harness::*;
use test_kit::Scratch;

const SIM: &str = "+4930100";

/// The metrics page (a plain HTTP/1.0 GET), once the line is counted in service.
fn metrics(port: u16) -> String {
    use std::io::{Read, Write};
    let mut page = String::new();
    wait_for(10, || {
        page.clear();
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
            return false;
        };
        let _ = s.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n");
        let _ = s.read_to_string(&mut page);
        page.contains("ums_gsm_in_service{line=\"gsm/a\"} 1")
    });
    page
}

#[test]
fn sms_on_a_gsm_modem_arrive_in_the_journal() {
    let dir = Scratch::new("serve-gsm");
    let mut net = Network::new(&[SIM]);
    net.modems[0].put(&sms("+491709876543", "Waiting since yesterday: Grüße €"));
    let sim = net.on_ptys();
    let smtp = 41240;
    let file = dir.join("ums.toml");
    std::fs::write(
        &file,
        gsm_config(
            smtp,
            &sim.devices[0],
            "\n[metrics]\nlisten = \"127.0.0.1:41241\"\n",
        ),
    )
    .unwrap();
    let gw = checked_gateway(&file, smtp, &["gsm-in-service", "gsm/a"], 30);
    let (data, log) = (gw.data.clone(), gw.log.clone());
    let scrape = metrics(41241);
    assert!(
        scrape.contains("ums_gsm_in_service{line=\"gsm/a\"} 1"),
        "{scrape}"
    );
    assert!(
        scrape.contains("ums_gsm_signal_dbm{line=\"gsm/a\"} -73"),
        "{scrape}"
    );
    let incoming = incoming_sms;
    assert!(
        wait_for(20, || incoming(&data).len() == 1),
        "{}",
        read(&log)
    );
    let m = &incoming(&data)[0];
    assert_eq!(m["text"], "Waiting since yesterday: Grüße €", "{m}");
    assert_eq!(m["caller_number"], "+491709876543", "{m}");
    assert_eq!(m["line"], "gsm/a", "{m}");
    assert!(
        wait_for(10, || sim.net.lock().unwrap().modems[0].storage.is_empty()),
        "deleted from the SIM once stored"
    );
    // One that arrives now (+CMTI).
    assert!(sim.net.lock().unwrap().modems[0].deliver(&sms("+4915112345", "Live 😀")));
    assert!(
        wait_for(20, || incoming(&data).len() == 2),
        "{}",
        read(&log)
    );
    let texts: Vec<String> = incoming(&data)
        .iter()
        .map(|m| m["text"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(texts.contains(&"Live 😀".to_string()), "{texts:?}");
    let sim_empty = || sim.net.lock().unwrap().modems[0].storage.is_empty();
    assert!(wait_for(10, sim_empty));
    // A concatenated one, its parts in reverse order: one message.
    let long: String = "Part of a long SMS. ".chars().cycle().take(200).collect();
    let parts: Vec<Deliver> = split(&long, Reference::Short(77), 5)
        .expect("parts")
        .into_iter()
        .map(|user_data| Deliver {
            user_data,
            ..sms("+4915112345", "x")
        })
        .collect();
    assert_eq!(parts.len(), 2);
    for p in parts.iter().rev() {
        assert!(sim.net.lock().unwrap().modems[0].deliver(p));
    }
    assert!(
        wait_for(20, || incoming(&data).len() == 3),
        "{}",
        read(&log)
    );
    let texts: Vec<String> = incoming(&data)
        .iter()
        .map(|m| m["text"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(texts.contains(&long), "{texts:?}");
    assert!(wait_for(10, sim_empty));
    // A status report stored on the SIM (+CDSI, as modems without +CDS
    // do): deleted, so reports do not fill the SIM.
    {
        let mut net = sim.net.lock().unwrap();
        net.modems[0].cnmi[3] = 2;
        net.modems[0].report(&line_drivers::gsm::StatusReport {
            reference: 1,
            recipient: Address::number("+4915112345").expect("number"),
            submitted: stamp(),
            discharged: stamp(),
            status: 0,
        });
        assert_eq!(net.modems[0].storage.len(), 1);
    }
    assert!(wait_for(10, sim_empty));
    assert_eq!(incoming(&data).len(), 3, "a report is no SMS");
}
