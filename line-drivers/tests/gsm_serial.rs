//! The GSM driver shell (`GsmModem`) on a real tty: the simulated network
//! on ptys (tests/gsm_sim), our modem line through tokio-serial as in the
//! daemon, in real time. A text goes out as concatenated SMS with status
//! reports, an SMS waiting on the SIM comes in and leaves the SIM once
//! stored, and a modem that goes silent is out of service and comes back.

mod gsm_sim;

use std::time::Duration;

use gsm_sim::{stamp, Network};
use line_drivers::gsm::{
    job_of, split, Address, Deliver, DeliveryStatus, GsmConfig, GsmEvent, GsmModem, GsmModemConfig,
    Reference,
};
use line_drivers::modem::serial::{SerialPort, SerialSettings};
use line_drivers::modem::ModemPort;

const A: &str = "+491701000001";
const B: &str = "+491701000002";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}

fn line(rt: &tokio::runtime::Runtime, device: &std::path::Path) -> GsmModem {
    let settings = SerialSettings {
        path: device.display().to_string(),
        speed: 115_200,
        hardware_flow: false,
    };
    let handle = rt.handle().clone();
    let opener = Box::new(move || {
        SerialPort::open(&handle, &settings).map(|p| Box::new(p) as Box<dyn ModemPort>)
    });
    let cfg = GsmModemConfig {
        name: "gsm/a".into(),
        engine: GsmConfig {
            command_timeout: Duration::from_secs(2),
            send_timeout: Duration::from_secs(3),
            probe_interval: Duration::from_secs(1),
            ..GsmConfig::default()
        },
        max_parts: 3,
        status_reports: true,
        validity: None,
    };
    GsmModem::open(cfg, opener, test_kit::wall())
}

/// Tick every 20 ms until `done` or `limit`; the events seen meanwhile.
fn run(
    m: &mut GsmModem,
    events: &mut Vec<GsmEvent>,
    limit: Duration,
    mut done: impl FnMut(&GsmModem, &[GsmEvent]) -> bool,
) -> bool {
    let end = test_kit::wall() + limit;
    while test_kit::wall() < end {
        m.tick(test_kit::wall());
        while let Some(e) = m.poll_event() {
            events.push(e);
        }
        if done(m, events) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn a_gsm_line_on_a_tty_sends_receives_and_comes_back() {
    let mut net = Network::new(&[A, B]);
    let waiting = Deliver {
        from: Address::number("+4930123456").expect("number"),
        sent: stamp(),
        status_report: false,
        more_to_send: false,
        user_data: split("Waiting on the SIM", Reference::Short(1), 1)
            .expect("one")
            .remove(0),
    };
    net.modems[0].put(&waiting);
    let sim = net.on_ptys();
    let rt = runtime();
    let mut m = line(&rt, &sim.devices[0]);
    let mut ev = Vec::new();
    assert!(
        run(&mut m, &mut ev, Duration::from_secs(20), |m, _| m
            .engine()
            .is_ready()),
        "{ev:?}"
    );
    // The SMS waiting on the SIM, deleted once stored.
    assert!(run(&mut m, &mut ev, Duration::from_secs(5), |_, ev| ev
        .iter()
        .any(|e| matches!(e, GsmEvent::Received { .. }))));
    let (index, message) = ev
        .iter()
        .find_map(|e| match e {
            GsmEvent::Received { index, message } => {
                Some((index.expect("on the SIM"), message.clone()))
            }
            _ => None,
        })
        .expect("received");
    assert_eq!(message, waiting);
    assert_eq!(sim.net.lock().expect("net").modems[0].storage.len(), 1);
    m.stored(index, test_kit::wall());
    assert!(run(&mut m, &mut ev, Duration::from_secs(5), |_, _| sim
        .net
        .lock()
        .expect("net")
        .modems[0]
        .storage
        .is_empty()));
    // A text of 161 characters: two parts, two status reports.
    let text: String = "Through a real tty. ".chars().cycle().take(161).collect();
    assert_eq!(
        m.send_text(42, B, &text, test_kit::wall()).expect("queued"),
        2
    );
    let reports = |ev: &[GsmEvent]| {
        ev.iter()
            .filter_map(|e| match e {
                GsmEvent::Report {
                    id: Some(id),
                    status,
                    ..
                } => Some((job_of(*id), *status)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert!(
        run(&mut m, &mut ev, Duration::from_secs(20), |_, ev| reports(
            ev
        )
        .len()
            == 2),
        "{ev:?}"
    );
    let mut r = reports(&ev);
    r.sort_by_key(|((_, part), _)| *part);
    assert_eq!(
        r,
        [
            ((42, 0), DeliveryStatus::Delivered),
            ((42, 1), DeliveryStatus::Delivered)
        ]
    );
    {
        let net = sim.net.lock().expect("net");
        let mut got: Vec<&Deliver> = net.delivered.iter().map(|(_, d)| d).collect();
        got.sort_by_key(|d| d.user_data.concat.map(|c| c.seq));
        let joined: String = got.iter().map(|d| d.user_data.text.as_str()).collect();
        assert_eq!(joined, text);
    }
    // Too long for three parts: a clear refusal before anything is sent.
    let long: String = "x".repeat(500);
    let e = m
        .send_text(43, B, &long, test_kit::wall())
        .expect_err("too long");
    assert_eq!(e.to_string(), "the text needs 4 SMS, at most 3 are allowed");
    // Silent: out of service with the reason; back once it answers.
    sim.net.lock().expect("net").modems[0].silent = true;
    m.send_text(44, B, "anyone?", test_kit::wall())
        .expect("queued");
    assert!(run(&mut m, &mut ev, Duration::from_secs(20), |m, _| m
        .engine()
        .out_of_service()
        .is_some()));
    let reason = m.engine().out_of_service().expect("oos").to_string();
    assert!(reason.contains("did not answer"), "{reason}");
    sim.net.lock().expect("net").modems[0].silent = false;
    assert!(
        run(&mut m, &mut ev, Duration::from_secs(20), |m, _| m
            .engine()
            .is_ready()),
        "{:?}",
        m.engine().out_of_service()
    );
}
