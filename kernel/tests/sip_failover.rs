//! Failover across trunks in order (issue 7): the sending runner has two
//! SIP lines, the first to a trunk that is out of service (SIPp answering
//! every INVITE with 503), the second to the receiving gateway. The first
//! attempt fails on the first trunk, which the line then holds down; the
//! retry goes out on the second trunk and the fax arrives.
//!
//! Ports: SIP 40993-40996 (SIPp 40995, its control port 40996), 40997;
//! RTP 20700-20731.

use std::time::{Duration, Instant};

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use kernel::directory::Directory;
use kernel::message::{Status, Timestamp};
use kernel::numbering::NumberingPlan;
use kernel::routing::{AnswerMode, Router, Rule};
use kernel::runner::{outgoing_fax, InboundConfig, Runner, RunnerConfig};
use kernel::store::Store;
use line_drivers::sip::{SharedSipLine, SipLine, SipLineConfig, T38Policy, TrunkConfig, TrunkMode};
use line_drivers::Line;

const T0: Timestamp = Timestamp(1_800_000_000_000);

#[allow(clippy::disallowed_methods)] // driver shell: the test owns the real-time tick
fn wall() -> Instant {
    Instant::now()
}

fn line(name: &str, user: &str, port: u16, peer: u16, rtp: u16, now: Instant) -> SharedSipLine {
    let trunk = TrunkConfig {
        name: format!("to-{peer}"),
        mode: TrunkMode::StaticPeer {
            peer: format!("127.0.0.1:{peer}"),
        },
        proxy: None,
        outbound_proxy: None,
        user: user.into(),
        auth_user: None,
        password: None,
        realm: None,
    };
    let mut cfg = SipLineConfig::new(name, trunk, "127.0.0.1".parse().unwrap(), port, rtp);
    // G.711 only here; the switch to T.38 is in sip_runner_t38.rs.
    cfg.media.t38 = None;
    cfg.t38_policy = T38Policy::Never;
    SharedSipLine::new(SipLine::bind(cfg, now).expect("bind"))
}

#[test]
fn a_trunk_answering_503_is_passed_over_for_the_next() {
    let dir = std::env::temp_dir().join(format!("ums-sip-failover-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tx")).unwrap();
    std::fs::create_dir_all(dir.join("rx/spool")).unwrap();
    let pages: Vec<_> = (0..2)
        .map(|i| {
            let p = BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(Resolution::Standard),
                Resolution::Standard,
                50 + i,
            );
            fax_t30::tiff::TiffPage::from_page(&p, fax_t30::codec::Compression::T6)
        })
        .collect();
    let doc = dir.join("tx/doc.tif");
    fax_t30::tiff::write_tiff_file(&doc, &pages, &Default::default()).unwrap();

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

    let plan = NumberingPlan::germany("89", "1234");
    let directory = Directory {
        users: Vec::new(),
        groups: Vec::new(),
        default_recipient: "postmaster@example.com".into(),
    };
    let rules = vec![Rule::new("300", None, "office@example.com")
        .unwrap()
        .answering(AnswerMode::Fax)];
    let mut receiver = Runner::new(
        Store::open(&dir.join("rx/store")).unwrap(),
        RunnerConfig::default(),
        vec![b_box.into()],
        T0,
    )
    .unwrap()
    .with_inbound(InboundConfig {
        router: Router::new(plan.clone(), directory, rules).unwrap(),
        plan,
        spool: dir.join("rx/spool"),
        ident: "+49 89 1234 300".into(),
    });

    let mut received = Vec::new();
    let mut held_down = false;
    let mut k = 0u64;
    while k < 200 * 50 {
        let media = t0 + Duration::from_millis(20 * k);
        if let Some(d) = media.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        let now = Timestamp(T0.0 + 20 * k);
        out_of_service.tick(media);
        a.tick(media);
        b.tick(media);
        sender.tick(media, now).unwrap();
        receiver.tick(media, now).unwrap();
        received.extend(receiver.take_received());
        held_down |= out_of_service.with(|l| l.is_idle() && !l.is_available_at(media));
        if sender.open_jobs() == 0 && !received.is_empty() && a.with(|l| l.is_idle()) {
            break;
        }
        k += 1;
    }
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
