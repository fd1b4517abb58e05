//! What the tests of the kernel runner over SIP lines share: a trunk to a
//! static peer on loopback, their scratch layout, a test document, the
//! receiving gateway (a Runner that takes faxes for number 300), and the
//! loop that runs both gateways' lines (SIP engines without sockets) on
//! the simulated network. The scratch directories come from `test_kit`.
#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::tiff::TiffPage;
use kernel::directory::Directory;
use kernel::message::{MessageId, Timestamp};
use kernel::numbering::NumberingPlan;
use kernel::routing::{AnswerMode, Router, Rule};
use kernel::runner::{Handoff, InboundConfig, Runner, RunnerConfig};
use kernel::store::Store;
use line_drivers::sim_net::{exchange, NetImpairments, SimNet, SimNode, Transmit};
use line_drivers::sip::{SharedSipLine, TrunkConfig};
use line_drivers::{Line, SimClock};
use test_kit::{origin, Scratch};

pub const T0: Timestamp = Timestamp(1_800_000_000_000);

/// A trunk to a static peer on 127.0.0.1, calling as `user`.
pub fn trunk(peer: u16, user: &str) -> TrunkConfig {
    TrunkConfig::static_peer(format!("to-{peer}"), format!("127.0.0.1:{peer}"), user)
}

/// A fresh scratch directory with `tx/` and `rx/spool/`.
pub fn fax_dirs(name: &str) -> Scratch {
    let dir = Scratch::new(name);
    dir.subdir("tx");
    dir.subdir("rx/spool");
    dir
}

/// `n` A4 standard-resolution test pages (T.6), written to `dir/tx/doc.tif`.
pub fn document(dir: &Path, n: u64, seed: u64) -> (PathBuf, Vec<TiffPage>) {
    let pages: Vec<TiffPage> = (0..n)
        .map(|i| {
            let p = BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(Resolution::Standard),
                Resolution::Standard,
                seed + i,
            );
            TiffPage::from_page(&p, fax_t30::codec::Compression::T6)
        })
        .collect();
    let doc = dir.join("tx/doc.tif");
    fax_t30::tiff::write_tiff_file(&doc, &pages, &Default::default()).unwrap();
    (doc, pages)
}

/// The receiving gateway on `line`: faxes to 300 go to office@example.com,
/// kept in `dir/rx/spool`.
pub fn fax_receiver(dir: &Path, line: Box<dyn Line>) -> Runner {
    let plan = NumberingPlan::germany("89", "1234");
    let directory = Directory {
        users: Vec::new(),
        groups: Vec::new(),
        default_recipient: "postmaster@example.com".into(),
    };
    let rules = vec![Rule::new("300", None, "office@example.com")
        .unwrap()
        .answering(AnswerMode::Fax)];
    Runner::new(
        Store::open(&dir.join("rx/store")).unwrap(),
        RunnerConfig::default(),
        vec![line.into()],
        T0,
    )
    .unwrap()
    .with_inbound(InboundConfig {
        router: Router::new(plan.clone(), directory, rules).unwrap(),
        plan,
        spool: dir.join("rx/spool"),
        ident: "+49 89 1234 300".into(),
    })
}

/// The media time the lines are made at and `run_pair` starts from.
pub fn t0() -> Instant {
    origin()
}

/// Runs the lines (ticked first, in order) and both gateways on the
/// simulated network (two frames of delay, 10 ms of jitter), 20 ms a tick
/// of simulated time from [`t0`], until the sender has no open job, the
/// receiver has taken a fax and every line is idle, or `max_secs` pass.
/// `each` sees every tick's media time, the network, and what arrived at
/// addresses no line owns (a scripted far end answers those). Returns the
/// ids the receiver took.
pub fn run_pair(
    lines: &[&SharedSipLine],
    sender: &mut Runner,
    receiver: &mut Runner,
    max_secs: u64,
    mut each: impl FnMut(Instant, &mut SimNet, Vec<Transmit>),
) -> Vec<MessageId> {
    let mut clock = SimClock::new(t0());
    let mut net = SimNet::new(NetImpairments {
        line: line_drivers::loopback::Impairments {
            latency_frames: 2,
            seed: 17,
            ..Default::default()
        },
        jitter: Duration::from_millis(10),
    });
    let mut nodes: Vec<SharedSipLine> = lines.iter().map(|l| (*l).clone()).collect();
    let mut received = Vec::new();
    for k in 1..=max_secs * 50 {
        let media = clock.tick();
        let now = Timestamp(T0.0 + 20 * k);
        for line in lines {
            line.tick(media);
        }
        sender.tick(media, now).unwrap();
        receiver.tick(media, now).unwrap();
        received.extend(
            receiver
                .take_handoffs()
                .into_iter()
                .filter_map(Handoff::received),
        );
        let mut refs: Vec<&mut dyn SimNode> =
            nodes.iter_mut().map(|n| n as &mut dyn SimNode).collect();
        let stray = exchange(&mut net, media, &mut refs);
        each(media, &mut net, stray);
        if sender.open_jobs() == 0
            && !received.is_empty()
            && lines.iter().all(|l| l.with(|l| l.is_idle()))
        {
            break;
        }
    }
    received
}
