//! The GSM engine against simulated modems and an SMSC (tests/gsm_sim), on
//! a simulated clock: start-up, the PIN tried once, no network, sending in
//! 7-bit, UCS-2 and concatenated with status reports, receiving
//! store-then-read, a message waiting on the SIM at start, storage full,
//! indications at awkward moments, modems that go silent or babble,
//! registration (+CREG, +CEREG, +COPS; roaming, denied) and direct delivery
//! (+CMT acknowledged with +CNMA, delivered again when it is not).

mod gsm_sim;

use std::time::{Duration, Instant};

use gsm_sim::{stamp, Network};
use line_drivers::gsm::{
    response::Registration, split, Address, DeliveryStatus, FailureKind, GsmConfig, GsmEngine,
    GsmEvent, Reference, Submit,
};

const A: &str = "+491701000001";
const B: &str = "+491701000002";

struct Bench {
    now: Instant,
    net: Network,
    engines: Vec<GsmEngine>,
    events: Vec<Vec<GsmEvent>>,
}

fn config() -> GsmConfig {
    GsmConfig {
        sweep_interval: Duration::from_secs(60),
        ..GsmConfig::default()
    }
}

impl Bench {
    fn new(net: Network, configs: Vec<GsmConfig>) -> Bench {
        let now = test_kit::origin();
        let engines: Vec<GsmEngine> = configs
            .into_iter()
            .map(|c| GsmEngine::new(c, now))
            .collect();
        let n = engines.len();
        Bench {
            now,
            net,
            engines,
            events: vec![Vec::new(); n],
        }
    }

    fn two() -> Bench {
        Bench::new(Network::new(&[A, B]), vec![config(), config()])
    }

    /// 10 ms of everything.
    fn step(&mut self) {
        self.now += Duration::from_millis(10);
        let now = self.now;
        for (i, e) in self.engines.iter_mut().enumerate() {
            if e.poll_timeout().is_some_and(|t| t <= now) {
                e.handle_timeout(now);
            }
            while let Some(bytes) = e.poll_transmit() {
                self.net.input(i, &bytes, now);
            }
        }
        self.net.tick(now);
        for (i, e) in self.engines.iter_mut().enumerate() {
            let out = self.net.output(i);
            if !out.is_empty() {
                e.handle_input(&out, now);
            }
            while let Some(ev) = e.poll_event() {
                self.events[i].push(ev);
            }
        }
    }

    /// Step until `done` or `limit` of simulated time; true if done.
    fn run(&mut self, limit: Duration, mut done: impl FnMut(&mut Bench) -> bool) -> bool {
        let end = self.now + limit;
        while self.now < end {
            if done(self) {
                return true;
            }
            self.step();
        }
        done(self)
    }

    fn ready(&mut self, i: usize) {
        let ok = self.run(Duration::from_secs(30), |b| b.engines[i].is_ready());
        assert!(ok, "engine {i} not ready: {:?}", self.events[i]);
    }

    /// Takes the events of engine `i` that `pick` selects.
    fn take<T>(&mut self, i: usize, mut pick: impl FnMut(&GsmEvent) -> Option<T>) -> Vec<T> {
        let mut out = Vec::new();
        self.events[i].retain(|e| match pick(e) {
            Some(t) => {
                out.push(t);
                false
            }
            None => true,
        });
        out
    }

    fn out_of_service(&self, i: usize) -> Option<String> {
        self.engines[i].out_of_service().map(str::to_string)
    }
}

fn submits(text: &str, to: &str, max: usize) -> Vec<Vec<u8>> {
    split(text, Reference::Short(0x42), max)
        .expect("splits")
        .into_iter()
        .map(|ud| {
            Submit {
                reference: 0,
                to: Address::number(to).expect("number"),
                status_report: true,
                reject_duplicates: false,
                validity: None,
                user_data: ud,
            }
            .encode()
            .expect("encodes")
        })
        .collect()
}

#[test]
fn start_up_identifies_the_modem_and_chooses_indications() {
    let mut b = Bench::two();
    b.ready(0);
    let info = b.engines[0].info().clone();
    assert_eq!(info.manufacturer, "UMS");
    assert_eq!(info.model, "GSM simulator");
    assert_eq!(info.signal_dbm, Some(-73));
    assert_eq!(info.smsc.as_deref(), Some("+491710760000"));
    assert_eq!(info.indications.as_deref(), Some("2,1,0,1,0"));
    let seen = &b.net.modems[0].commands;
    for want in [
        "ATZ",
        "ATE0",
        "AT+CMEE=2",
        "AT+CPIN?",
        "AT+CREG?",
        "AT+CMGF=0",
        "AT+CNMI=2,1,0,1,0",
        "AT+CMGL=4",
    ] {
        assert!(seen.iter().any(|c| c == want), "{want} not in {seen:?}");
    }
    let ready = b.take(0, |e| matches!(e, GsmEvent::Ready(_)).then_some(()));
    assert_eq!(ready.len(), 1);
}

#[test]
fn the_sweep_reads_the_signal_again() {
    let mut b = Bench::two();
    b.ready(0);
    assert_eq!(b.engines[0].info().signal_dbm, Some(-73));
    b.net.modems[0].rssi = 10;
    b.run(Duration::from_secs(61), |_| false);
    assert_eq!(b.engines[0].info().signal_dbm, Some(-93));
    b.net.modems[0].rssi = 99;
    b.run(Duration::from_secs(61), |_| false);
    assert_eq!(b.engines[0].info().signal_dbm, None, "99: not known");
    assert!(b.engines[0].is_ready());
    let csq = b.net.modems[0]
        .commands
        .iter()
        .filter(|c| *c == "AT+CSQ")
        .count();
    assert_eq!(csq, 3, "start-up and two sweeps");
}

#[test]
fn the_right_pin_unlocks_the_sim() {
    let mut net = Network::new(&[A]);
    let m = net.modems.remove(0).with_pin("4711");
    net.modems.insert(0, m);
    let mut b = Bench::new(
        net,
        vec![GsmConfig {
            pin: Some("4711".into()),
            ..config()
        }],
    );
    b.ready(0);
    assert!(b.net.modems[0].unlocked);
}

#[test]
fn a_wrong_pin_is_tried_once_and_the_line_stays_out_of_service() {
    let mut net = Network::new(&[A]);
    let m = net.modems.remove(0).with_pin("4711");
    net.modems.insert(0, m);
    let mut b = Bench::new(
        net,
        vec![GsmConfig {
            pin: Some("0000".into()),
            ..config()
        }],
    );
    assert!(b.run(Duration::from_secs(30), |b| b.out_of_service(0).is_some()));
    // Long after: still one try, still out of service, no probing.
    b.run(Duration::from_secs(600), |_| false);
    assert_eq!(
        b.net.modems[0].pin_attempts, 1,
        "{:?}",
        b.net.modems[0].commands
    );
    let reason = b.out_of_service(0).expect("out of service");
    assert!(reason.contains("refused the configured PIN"), "{reason}");
    let oos = b.take(0, |e| match e {
        GsmEvent::OutOfService { permanent, .. } => Some(*permanent),
        _ => None,
    });
    assert_eq!(oos, [true]);
    // And no PIN configured at all: not a single try.
    let mut net = Network::new(&[A]);
    let m = net.modems.remove(0).with_pin("4711");
    net.modems.insert(0, m);
    let mut b = Bench::new(net, vec![config()]);
    assert!(b.run(Duration::from_secs(30), |b| b.out_of_service(0).is_some()));
    assert_eq!(b.net.modems[0].pin_attempts, 0);
    assert!(b
        .out_of_service(0)
        .expect("oos")
        .contains("none is configured"));
}

#[test]
fn no_network_is_out_of_service_until_it_registers() {
    let mut b = Bench::two();
    b.net.modems[0].registration = 2;
    assert!(b.run(Duration::from_secs(30), |b| b.out_of_service(0).is_some()));
    assert_eq!(
        b.out_of_service(0).as_deref(),
        Some("no network: searching for a network")
    );
    let tpdu = submits("hello", B, 1).remove(0);
    assert!(
        b.engines[0].send(1, tpdu, b.now).is_err(),
        "refused while out of service"
    );
    b.net.modems[0].registration = 5;
    b.ready(0);
}

/// A sends `text` to B with a status report; B receives it and stores it.
fn send_and_receive(text: &str, parts: usize) {
    let mut b = Bench::two();
    b.ready(0);
    b.ready(1);
    let tpdus = submits(text, B, 9);
    assert_eq!(tpdus.len(), parts);
    for (id, t) in tpdus.into_iter().enumerate() {
        b.engines[0].send(id as u64, t, b.now).expect("queued");
    }
    let done = b.run(Duration::from_secs(60), |b| {
        b.events[0]
            .iter()
            .filter(|e| matches!(e, GsmEvent::Report { .. }))
            .count()
            == parts
    });
    assert!(done, "{:?}", b.events[0]);
    let sent = b.take(0, |e| match e {
        GsmEvent::Sent { id, reference } => Some((*id, *reference)),
        _ => None,
    });
    assert_eq!(sent.len(), parts);
    let reports = b.take(0, |e| match e {
        GsmEvent::Report { id, status, .. } => Some((*id, *status)),
        _ => None,
    });
    for (id, _) in &sent {
        assert!(
            reports.contains(&(Some(*id), DeliveryStatus::Delivered)),
            "{reports:?}"
        );
    }
    // B: each part handed up from the SIM, deleted only once stored.
    let all_in = b.run(Duration::from_secs(10), |b| {
        b.events[1]
            .iter()
            .filter(|e| matches!(e, GsmEvent::Received { .. }))
            .count()
            == parts
    });
    assert!(all_in, "{:?}\n{:?}", b.events[1], b.net.modems[1].commands);
    let got = b.take(1, |e| match e {
        GsmEvent::Received { index, message } => Some((*index, message.clone())),
        _ => None,
    });
    assert_eq!(
        b.net.modems[1].storage.len(),
        parts,
        "still on the SIM before stored()"
    );
    let mut msgs: Vec<_> = got.iter().map(|(_, m)| m.clone()).collect();
    msgs.sort_by_key(|m| m.user_data.concat.map(|c| c.seq));
    let joined: String = msgs.iter().map(|m| m.user_data.text.as_str()).collect();
    assert_eq!(joined, text);
    assert!(msgs
        .iter()
        .all(|m| m.from.to_text() == A && m.sent == stamp()));
    for (index, _) in got {
        b.engines[1].stored(index.expect("from the SIM"), b.now);
    }
    assert!(b.run(Duration::from_secs(10), |b| b.net.modems[1]
        .storage
        .is_empty()));
}

#[test]
fn sends_7_bit_with_a_status_report() {
    send_and_receive("Hello from ums, price 10€ [ok]", 1);
}

#[test]
fn sends_ucs2_with_emoji() {
    send_and_receive("Grüße, łódź 😀👍🏽", 1);
}

#[test]
fn sends_a_concatenated_message() {
    let text: String = "0123456789abcdefghijklmnopqrstuvwxyz"
        .chars()
        .cycle()
        .take(307)
        .collect();
    send_and_receive(&text, 3);
}

#[test]
fn a_failed_delivery_reports_the_networks_reason() {
    let mut b = Bench::two();
    b.ready(0);
    let tpdu = submits("anyone there?", "+4915299999999", 1).remove(0);
    b.engines[0].send(7, tpdu, b.now).expect("queued");
    assert!(b.run(Duration::from_secs(30), |b| b.events[0]
        .iter()
        .any(|e| matches!(e, GsmEvent::Report { .. }))));
    let r = b.take(0, |e| match e {
        GsmEvent::Report {
            id, status, report, ..
        } => Some((*id, *status, report.status)),
        _ => None,
    });
    assert_eq!(r, [(Some(7), DeliveryStatus::Failed, 0x43)]);
    assert_eq!(line_drivers::gsm::status_text(0x43), "not obtainable");
}

#[test]
fn a_cms_error_fails_the_send_with_its_meaning() {
    let mut b = Bench::two();
    b.ready(0);
    b.net.modems[0].fail_next_send = Some(42);
    let tpdu = submits("hi", B, 1).remove(0);
    b.engines[0].send(3, tpdu.clone(), b.now).expect("queued");
    b.engines[0].send(4, tpdu, b.now).expect("queued");
    assert!(b.run(Duration::from_secs(30), |b| b.events[0]
        .iter()
        .filter(|e| matches!(e, GsmEvent::SendFailed { .. } | GsmEvent::Sent { .. }))
        .count()
        == 2));
    let failed = b.take(0, |e| match e {
        GsmEvent::SendFailed { id, failure } => Some((*id, failure.clone())),
        _ => None,
    });
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].0, 3);
    assert_eq!(failed[0].1.kind, FailureKind::Temporary);
    assert_eq!(failed[0].1.text, "+CMS ERROR: congestion");
    assert_eq!(
        b.take(0, |e| matches!(e, GsmEvent::Sent { id: 4, .. })
            .then_some(()))
            .len(),
        1
    );
}

#[test]
fn a_message_waiting_on_the_sim_at_start_is_read_and_kept_until_stored() {
    let mut net = Network::new(&[A]);
    let waiting = line_drivers::gsm::Deliver {
        from: Address::number("+4930123456").expect("number"),
        sent: stamp(),
        status_report: false,
        more_to_send: false,
        user_data: split("waiting since yesterday", Reference::Short(1), 1)
            .expect("one")
            .remove(0),
    };
    let index = net.modems[0].put(&waiting);
    let mut b = Bench::new(net, vec![config()]);
    b.ready(0);
    let got = b.take(0, |e| match e {
        GsmEvent::Received { index, message } => Some((*index, message.clone())),
        _ => None,
    });
    assert_eq!(got, [(Some(index), waiting.clone())]);
    // Not confirmed: a new engine (a restarted daemon) reads it again.
    assert_eq!(b.net.modems[0].storage.len(), 1);
    b.engines[0] = GsmEngine::new(config(), b.now);
    b.ready(0);
    let again = b.take(0, |e| matches!(e, GsmEvent::Received { .. }).then_some(()));
    assert_eq!(again.len(), 1);
    // The periodic sweep does not hand it up twice.
    b.run(Duration::from_secs(150), |_| false);
    assert!(b
        .take(0, |e| matches!(e, GsmEvent::Received { .. }).then_some(()))
        .is_empty());
    b.engines[0].stored(index, b.now);
    assert!(b.run(Duration::from_secs(5), |b| b.net.modems[0]
        .storage
        .is_empty()));
}

#[test]
fn a_full_sim_delays_delivery_until_room_is_made() {
    let mut b = Bench::two();
    b.net.modems[1].capacity = 1;
    b.ready(0);
    b.ready(1);
    for (id, text) in ["first", "second"].iter().enumerate() {
        let t = submits(text, B, 1).remove(0);
        b.engines[0].send(id as u64, t, b.now).expect("queued");
    }
    assert!(b.run(Duration::from_secs(20), |b| b.events[1]
        .iter()
        .any(|e| matches!(e, GsmEvent::Received { .. }))));
    b.run(Duration::from_secs(5), |_| false);
    assert_eq!(b.net.in_transit(), 1, "the second waits for room");
    let first = b.take(1, |e| match e {
        GsmEvent::Received { index, message } => {
            Some((index.expect("stored"), message.user_data.text.clone()))
        }
        _ => None,
    });
    assert_eq!(first.len(), 1);
    b.engines[1].stored(first[0].0, b.now);
    assert!(b.run(Duration::from_secs(20), |b| b.events[1]
        .iter()
        .any(|e| matches!(e, GsmEvent::Received { .. }))));
    let second = b.take(1, |e| match e {
        GsmEvent::Received { message, .. } => Some(message.user_data.text.clone()),
        _ => None,
    });
    let mut texts = vec![first[0].1.clone(), second[0].clone()];
    texts.sort();
    assert_eq!(texts, ["first", "second"]);
}

#[test]
fn indications_at_awkward_moments_are_not_lost() {
    let mut b = Bench::two();
    b.net.modems[0].awkward = true;
    b.ready(0);
    // A message for A arrives between A's prompt and A's PDU: its +CMTI
    // follows the "> " at once; then another inside the +CMGS answer.
    let t = submits("from A", B, 1).remove(0);
    b.engines[0].send(2, t, b.now).expect("queued");
    assert!(b.run(Duration::from_secs(5), |b| b.net.modems[0].awaiting_pdu()));
    let incoming = |text: &str| line_drivers::gsm::Deliver {
        from: Address::number(B).expect("number"),
        sent: stamp(),
        status_report: false,
        more_to_send: false,
        user_data: split(text, Reference::Short(1), 1).expect("one").remove(0),
    };
    assert!(b.net.modems[0].deliver(&incoming("after the prompt")));
    assert_eq!(b.net.modems[0].awkward_sent, 1);
    let done = b.run(Duration::from_secs(30), |b| {
        b.events[0]
            .iter()
            .any(|e| matches!(e, GsmEvent::Received { .. }))
            && b.events[0]
                .iter()
                .any(|e| matches!(e, GsmEvent::Sent { .. }))
    });
    assert!(done, "{:?}", b.events[0]);
    let texts = b.take(0, |e| match e {
        GsmEvent::Received { message, .. } => Some(message.user_data.text.clone()),
        _ => None,
    });
    assert_eq!(texts, ["after the prompt"]);
    assert!(b.out_of_service(0).is_none());
}

#[test]
fn a_silent_modem_is_out_of_service_and_comes_back() {
    let mut b = Bench::two();
    b.ready(0);
    b.net.modems[0].silent = true;
    let t = submits("into the void", B, 1).remove(0);
    b.engines[0].send(9, t, b.now).expect("queued");
    assert!(b.run(Duration::from_secs(120), |b| b.out_of_service(0).is_some()));
    let reason = b.out_of_service(0).expect("oos");
    assert!(reason.contains("did not answer AT+CMGS="), "{reason}");
    let failed = b.take(0, |e| match e {
        GsmEvent::SendFailed { id, failure } => Some((*id, failure.kind)),
        _ => None,
    });
    assert_eq!(failed, [(9, FailureKind::Temporary)]);
    b.run(Duration::from_secs(60), |_| false);
    assert!(b.out_of_service(0).is_some(), "still silent");
    b.net.modems[0].silent = false;
    b.ready(0);
}

#[test]
fn garbage_on_the_line_is_out_of_service_and_comes_back() {
    let mut b = Bench::two();
    b.ready(0);
    b.net.modems[0].garbage = true;
    b.engines[0].handle_timeout(b.now + Duration::from_secs(61)); // a sweep now
    assert!(b.run(Duration::from_secs(120), |b| b.out_of_service(0).is_some()));
    let reason = b.out_of_service(0).expect("oos");
    assert!(reason.contains("garbage on the line"), "{reason}");
    b.net.modems[0].garbage = false;
    b.ready(0);
}

#[test]
fn status_reports_are_decoded_where_the_network_made_them() {
    // The simulated SMSC's report PDU is what the engine matched above;
    // here only that a report PDU from the SIM decodes (+CDSI path).
    let mut b = Bench::two();
    b.net.modems[0].cnmi = [2, 1, 0, 2, 0];
    b.ready(0);
    let r = line_drivers::gsm::StatusReport {
        reference: 5,
        recipient: Address::number(B).expect("number"),
        submitted: stamp(),
        discharged: stamp(),
        status: 0x00,
    };
    b.net.modems[0].cnmi[3] = 2;
    b.net.modems[0].report(&r);
    assert!(b.run(Duration::from_secs(10), |b| b.events[0]
        .iter()
        .any(|e| matches!(e, GsmEvent::Report { .. }))));
    let got = b.take(0, |e| match e {
        GsmEvent::Report { index, report, .. } => Some((index.is_some(), report.clone())),
        _ => None,
    });
    assert_eq!(got, [(true, r)]);
}

#[test]
fn an_lte_modem_registers_roams_is_denied_and_comes_back() {
    let mut b = Bench::two();
    // Registered on LTE only (no circuit-switched network): SMS work.
    b.net.modems[0].registration = 0;
    b.net.modems[0].eps_registration = Some(1);
    b.ready(0);
    let info = b.engines[0].info().clone();
    assert_eq!(info.registration, Some(Registration::Home));
    assert_eq!(info.operator.as_deref(), Some("UMS Sim"));
    assert_eq!(info.operator_code.as_deref(), Some("26299"));
    let seen = &b.net.modems[0].commands;
    for want in ["AT+CREG=1", "AT+CEREG=1", "AT+CEREG?", "AT+COPS=3,2;+COPS?"] {
        assert!(seen.iter().any(|c| c == want), "{want} not in {seen:?}");
    }
    // Denied: out of service at once (unsolicited +CEREG).
    b.net.modems[0].set_eps_registration(3);
    assert!(b.run(Duration::from_secs(1), |b| b.out_of_service(0).is_some()));
    assert_eq!(
        b.out_of_service(0).as_deref(),
        Some("no network: registration denied")
    );
    // Roaming: back at once, sooner than the next probe.
    b.net.modems[0].set_eps_registration(5);
    assert!(b.run(Duration::from_secs(2), |b| b.engines[0].is_ready()));
    assert_eq!(
        b.engines[0].info().registration,
        Some(Registration::Roaming)
    );
}

#[test]
fn a_modem_without_lte_goes_by_creg() {
    let mut b = Bench::two();
    b.ready(0);
    assert!(b.net.modems[0].commands.iter().any(|c| c == "AT+CEREG=1"));
    assert!(
        !b.net.modems[0].commands.iter().any(|c| c == "AT+CEREG?"),
        "refused +CEREG=1: no +CEREG?"
    );
    assert_eq!(b.engines[0].info().registration, Some(Registration::Home));
    b.net.modems[0].set_registration(2);
    assert!(b.run(Duration::from_secs(1), |b| b.out_of_service(0).is_some()));
    assert_eq!(
        b.out_of_service(0).as_deref(),
        Some("no network: searching for a network")
    );
    b.net.modems[0].set_registration(1);
    assert!(b.run(Duration::from_secs(2), |b| b.engines[0].is_ready()));
}

#[test]
fn direct_delivery_is_acknowledged_once_stored_else_delivered_again() {
    let direct = GsmConfig {
        direct: true,
        ..config()
    };
    let mut b = Bench::new(Network::new(&[A, B]), vec![config(), direct]);
    b.ready(0);
    b.ready(1);
    assert!(b.engines[1].info().direct);
    assert_eq!(
        b.engines[1].info().indications.as_deref(),
        Some("2,2,0,1,0")
    );
    assert_eq!(b.net.modems[1].csms, 1);
    let tpdu = submits("straight", B, 1).remove(0);
    b.engines[0].send(1, tpdu, b.now).expect("queued");
    let got = |b: &mut Bench| {
        b.take(1, |e| match e {
            GsmEvent::Received { index, message } => Some((*index, message.user_data.text.clone())),
            _ => None,
        })
    };
    let mut first = Vec::new();
    assert!(b.run(Duration::from_secs(10), |b| {
        first.extend(got(b));
        !first.is_empty()
    }));
    assert_eq!(first, [(None, "straight".to_string())], "+CMT");
    // Not acknowledged (say the store failed): the network gives up on it
    // and delivers it again; the engine sets its indications again.
    let mut again = Vec::new();
    assert!(b.run(Duration::from_secs(30), |b| {
        again.extend(got(b));
        !again.is_empty()
    }));
    assert_eq!(b.net.unacknowledged, 1);
    assert_eq!(again[0].1, "straight");
    match again[0].0 {
        None => b.engines[1].acknowledge(b.now),
        Some(i) => b.engines[1].stored(i, b.now),
    }
    assert!(b.run(Duration::from_secs(5), |b| {
        b.net.in_transit() == 0
            && b.net.modems[1].awaiting_ack.is_none()
            && b.net.modems[1].storage.is_empty()
    }));
    assert_eq!(b.net.unacknowledged, 1, "acknowledged the second time");
    assert_eq!(b.net.modems[1].cnmi[1], 2, "indications set again");
}
