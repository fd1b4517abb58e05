//! Failover across trunks in order (issue 7): the sending runner has two
//! SIP lines, the first to a trunk that is out of service (a far end
//! scripted by the test answers every INVITE with 503), the second to the
//! receiving gateway. The first attempt fails on the first trunk, which the
//! line then holds down; the retry goes out on the second trunk and the fax
//! arrives. On the simulated network (SIP engines without sockets); SIPp
//! as a real trunk is in `line-drivers/tests/sip_trunk_sipp.rs`.

mod sip_common;

use std::net::SocketAddr;

use kernel::message::Status;
use kernel::runner::{outgoing_fax, Runner, RunnerConfig};
use kernel::store::Store;
use line_drivers::sim_net::Transmit;
use line_drivers::sip::{SharedSipLine, SipLine, SipLineConfig, T38Policy};
use line_drivers::Line;
use sip_common::*;

fn line(
    name: &str,
    user: &str,
    port: u16,
    peer: u16,
    rtp: u16,
    now: std::time::Instant,
) -> SharedSipLine {
    let ip = "127.0.0.1".parse().unwrap();
    let mut cfg = SipLineConfig::new(name, trunk(peer, user), ip, port, rtp);
    cfg.media.t38 = None;
    cfg.t38_policy = T38Policy::Never;
    SharedSipLine::new(SipLine::engine(cfg, now).expect("line"))
}

/// Header `name` of a SIP message text (first occurrence).
fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    msg.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// The out-of-service trunk's 503 to an INVITE text.
fn busy_503(m: &str) -> String {
    let h = |k: &str| header(m, k).unwrap_or_default().to_string();
    format!(
        "SIP/2.0 503 Service Unavailable\r\nVia: {}\r\nFrom: {}\r\nTo: {};tag=down1\r\n\
         Call-ID: {}\r\nCSeq: {}\r\nContent-Length: 0\r\n\r\n",
        h("Via"),
        h("From"),
        h("To"),
        h("Call-ID"),
        h("CSeq"),
    )
}

#[test]
fn a_trunk_answering_503_is_passed_over_for_the_next() {
    let dir = fax_dirs("sip-failover");
    let (doc, pages) = document(&dir, 2, 50);

    let down: SocketAddr = "127.0.0.1:40995".parse().unwrap();
    let t0 = t0();
    let out_of_service = line("sip/first", "4989111", 40993, 40995, 20700, t0);
    let a = line("sip/second", "4989111", 40994, 40997, 20704, t0);
    let b = line("sip/b", "300", 40997, 40994, 20710, t0);
    let lines: Vec<Box<dyn Line>> = vec![Box::new(out_of_service.clone()), Box::new(a.clone())];
    let b_box: Box<dyn Line> = Box::new(b.clone());

    let config = RunnerConfig {
        policy: kernel::job::RetryPolicy {
            retries: 3,
            intervals_secs: vec![1],
        },
        ..RunnerConfig::default()
    };
    let mut sender = Runner::new(
        Store::open(&dir.join("tx/store")).unwrap(),
        config,
        lines.into_iter().map(Into::into).collect(),
        T0,
    )
    .unwrap();
    let id = sender.store().next_id().unwrap();
    sender
        .submit(vec![outgoing_fax(id, "300", doc, 2, T0)])
        .unwrap();

    let mut receiver = fax_receiver(&dir, b_box);

    let mut held_down = false;
    let (mut invites, mut acks) = (0, 0);
    let lines = [&out_of_service, &a, &b];
    let received = run_pair(
        &lines,
        &mut sender,
        &mut receiver,
        200,
        |media, net, stray| {
            held_down |= out_of_service.with(|l| l.is_idle() && !l.is_available_at(media));
            for m in stray {
                assert_eq!(m.to, down, "only the scripted trunk is off the network");
                let text = String::from_utf8_lossy(&m.bytes).to_string();
                if text.starts_with("INVITE ") {
                    invites += 1;
                    let back = Transmit {
                        from: down,
                        to: m.from,
                        bytes: busy_503(&text).into_bytes(),
                    };
                    net.send(back, media);
                } else if text.starts_with("ACK ") {
                    acks += 1;
                }
            }
        },
    );

    let sent = sender.store().get(id).unwrap().unwrap();
    assert_eq!(
        sent.message.status,
        Status::Sent,
        "{:?}",
        sent.message.status_reason
    );
    let job = sent.job.expect("job");
    assert_eq!(job.attempts, 2, "one attempt on each trunk: {job:?}");
    assert_eq!(
        (invites, acks),
        (1, 1),
        "the trunk that is down got the first INVITE and the ACK of its 503"
    );
    assert!(held_down, "the trunk that answered 503 was held down");
    assert_eq!(
        sent.message.line.as_deref(),
        Some("sip/second"),
        "the fax went out on the second trunk"
    );
    assert_eq!(received.len(), 1);
    let rec = receiver.store().get(received[0]).unwrap().unwrap();
    assert_eq!(rec.message.pages, 2);
    let got = fax_t30::tiff::read_tiff_file(rec.message.document.as_ref().unwrap()).unwrap();
    for (g, s) in got.iter().zip(&pages) {
        assert_eq!(g.decode().unwrap().data(), s.decode().unwrap().data());
    }
}
