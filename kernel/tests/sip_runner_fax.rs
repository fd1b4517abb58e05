//! The kernel's own fax path over SIP: a sending gateway (Runner with an
//! outgoing fax job) and a receiving gateway (Runner with an inbound fax
//! rule), each on a SIP line of ours, the second the first's trunk (static
//! peer), fax 2 pages over G.711 in real time on loopback.
//!
//! Ports: SIP 40990-40991, RTP 20460-20472.

use std::time::{Duration, Instant};

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use kernel::directory::Directory;
use kernel::message::{Service, Status, Timestamp};
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
fn a_runner_faxes_another_runner_over_sip() {
    let dir = std::env::temp_dir().join(format!("ums-sipline-runner-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tx")).unwrap();
    std::fs::create_dir_all(dir.join("rx/spool")).unwrap();
    let pages: Vec<_> = (0..2)
        .map(|i| {
            let p = BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(Resolution::Standard),
                Resolution::Standard,
                40 + i,
            );
            fax_t30::tiff::TiffPage::from_page(&p, fax_t30::codec::Compression::T6)
        })
        .collect();
    let doc = dir.join("tx/doc.tif");
    fax_t30::tiff::write_tiff_file(&doc, &pages, &Default::default()).unwrap();

    let t0 = wall();
    let a = line("sip/a", "4989111", 40990, 40991, 20460, t0);
    let b = line("sip/b", "300", 40991, 40990, 20470, t0);
    let a_box: Box<dyn Line> = Box::new(a.clone());
    let b_box: Box<dyn Line> = Box::new(b.clone());

    let mut sender = Runner::new(
        Store::open(&dir.join("tx/store")).unwrap(),
        RunnerConfig::default(),
        vec![a_box.into()],
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
    let mut k = 0u64;
    while k < 200 * 50 {
        let media = t0 + Duration::from_millis(20 * k);
        if let Some(d) = media.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        let now = Timestamp(T0.0 + 20 * k);
        a.tick(media);
        b.tick(media);
        sender.tick(media, now).unwrap();
        receiver.tick(media, now).unwrap();
        received.extend(receiver.take_received());
        if sender.open_jobs() == 0
            && !received.is_empty()
            && a.with(|l| l.is_idle())
            && b.with(|l| l.is_idle())
        {
            break;
        }
        k += 1;
    }
    assert_eq!(sender.open_jobs(), 0, "the fax job finished");
    let sent = sender.store().get(id).unwrap().unwrap();
    assert_eq!(
        sent.message.status,
        Status::Sent,
        "{:?}",
        sent.message.status_reason
    );
    assert_eq!(received.len(), 1);
    let rec = receiver.store().get(received[0]).unwrap().unwrap();
    assert_eq!(rec.message.service, Service::Fax);
    assert_eq!(rec.message.pages, 2);
    let caller = rec.message.caller_number.clone().unwrap_or_default();
    assert!(caller.ends_with("4989111"), "caller id from From: {caller}");
    let got = fax_t30::tiff::read_tiff_file(rec.message.document.as_ref().unwrap()).unwrap();
    assert_eq!(got.len(), 2);
    for (g, s) in got.iter().zip(&pages) {
        assert_eq!(g.decode().unwrap().data(), s.decode().unwrap().data());
    }
    assert!(b.with(|l| l.stats().rtp_in) > 500);
}
