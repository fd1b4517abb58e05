//! `ums modem probe DEVICE` on a GSM modem (issue 15), the simulated one
//! on a pty (line-drivers/tests/gsm_sim): identity, SIM state, the
//! registration of both kinds, the operator, the signal, the SMS
//! capabilities (`+CMGF=?`, `+CSMS=?`, `+CNMI=?` with the setting a line
//! would choose, storage `+CPMS?`). A SIM that wants its PIN says so and
//! no PIN is entered.

mod serve_harness;

#[path = "../../line-drivers/tests/gsm_sim/mod.rs"]
mod gsm_sim;

use gsm_sim::{Network, SimModem};
use serve_harness::*;

#[test]
fn probe_tells_what_a_gsm_modem_offers() {
    let mut net = Network::new(&["+4930100", "+4930200"]);
    net.modems[0].eps_registration = Some(5);
    net.modems[0].rssi = 25;
    net.modems[1] = SimModem::new("+4930200").with_pin("1234");
    let sim = net.on_ptys();
    let probe = |i: usize| {
        let o = run(&[
            "modem",
            "probe",
            "--no-flow-control",
            sim.devices[i].to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let out = probe(0);
    for want in [
        "kind:          GSM modem",
        "manufacturer:  UMS",
        "model:         GSM simulator",
        "IMEI:          35",
        "SIM:           READY",
        "registration:  registered (home network) (+CREG), registered (roaming) (+CEREG)",
        "operator:      UMS Sim (26299)",
        "signal:        -63 dBm",
        "SMSC:          +491710760000",
        "SMS modes:     +CMGF (0,1)",
        "services:      +CSMS (0,1)",
        "indications:   +CNMI (0-2),(0-3),(0,2),(0-2),(0,1)",
        "a line sets +CNMI=2,1,0,1,0 (direct delivery: +CNMI=2,2,0,1,0)",
        "storage:       +CPMS \"SM\",0,10",
    ] {
        assert!(out.contains(want), "{want:?} not in\n{out}");
    }
    let locked = probe(1);
    assert!(locked.contains("SIM:           SIM PIN"), "{locked}");
    assert!(
        locked.contains("operator:      none (not registered)") || locked.contains("+CME ERROR"),
        "{locked}"
    );
    let net = sim.net.lock().unwrap();
    assert!(
        !net.modems[1]
            .commands
            .iter()
            .any(|c| c.starts_with("AT+CPIN=")),
        "no PIN entered"
    );
}
