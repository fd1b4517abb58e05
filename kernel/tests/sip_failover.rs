//! Failover across trunks in order (issue 7): the sending runner has two
//! SIP lines, the first to a trunk that is out of service (SIPp answering
//! every INVITE with 503), the second to the receiving gateway. The first
//! attempt fails on the first trunk, which the line then holds down; the
//! retry goes out on the second trunk and the fax arrives.
//!
//! Ports: SIP 40993-40996 (SIPp 40995, its control port 40996), 40997;
//! RTP 20700-20731.

mod sip_common;

use std::time::Duration;

use kernel::message::Status;
use kernel::runner::{outgoing_fax, Runner, RunnerConfig};
use kernel::store::Store;
use line_drivers::sip::{SharedSipLine, SipLine, SipLineConfig, T38Policy};
use line_drivers::Line;
use sip_common::*;
use test_kit::wall;

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
    SharedSipLine::new(SipLine::bind(cfg, now).expect("bind"))
}

#[test]
fn a_trunk_answering_503_is_passed_over_for_the_next() {
    let dir = fax_dirs("sip-failover");
    let (doc, pages) = document(&dir, 2, 50);

    let mut sipp = std::process::Command::new("sipp")
        .arg("-sf")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/sipp-uas-503.xml"
        ))
        .args([
            "-i",
            "127.0.0.1",
            "-p",
            "40995",
            "-cp",
            "40996",
            "-mp",
            "20720",
        ])
        .args(["-t", "u1", "-m", "1", "-timeout", "60s", "-nostdin", "-nd"])
        .current_dir(&dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("sipp (Debian sip-tester) runs");
    std::thread::sleep(Duration::from_millis(500));

    let t0 = wall();
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
    let lines = [&out_of_service, &a, &b];
    let received = run_pair(t0, &lines, &mut sender, &mut receiver, 200, |media| {
        held_down |= out_of_service.with(|l| l.is_idle() && !l.is_available_at(media));
    });
    let sipp_status = sipp.try_wait().unwrap();
    if sipp_status.is_none() {
        let _ = sipp.kill();
    }
    let _ = sipp.wait();

    let sent = sender.store().get(id).unwrap().unwrap();
    assert_eq!(
        sent.message.status,
        Status::Sent,
        "{:?}",
        sent.message.status_reason
    );
    let job = sent.job.expect("job");
    assert_eq!(job.attempts, 2, "one attempt on each trunk: {job:?}");
    assert!(
        sipp_status.is_some_and(|s| s.success()),
        "SIPp's trunk got the first INVITE and its ACK: {sipp_status:?}"
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
