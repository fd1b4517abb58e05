//! Concurrent T.38 calls between our SIP lines, all on one thread as the
//! media ticker runs them (issue 7's benchmark setting), on the simulated
//! network ([`line_drivers::sim_net`]) with delay, jitter and some loss:
//! three pairs of lines, each pair the other's static peer; the callee
//! re-INVITEs to T.38 at once, both sides restart T.30 on T.38, and every
//! pair faxes a page, hangs up and dials again on the same addresses and
//! UDPTL ports. Every call of every pair must complete and every page must
//! arrive bit for bit: a stall of one call (glare, a stale UDPTL stream
//! from the previous call, a session not restarted) fails the test.

mod sip_common;

use std::path::PathBuf;
use std::time::Duration;

use line_drivers::loopback::Impairments;
use line_drivers::sim_net::{exchange, NetImpairments, SimNet, SimNode};
use line_drivers::SimClock;

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{FaxOptions, PageSource};
use line_drivers::sip::{SipLine, SipLineConfig, T38Policy};
use line_drivers::{FaxRole, Line, MediaKind};
use sip_common::{trunk, FaxEnd, LO};
use test_kit::{origin, Scratch};

const PAIRS: usize = 3;
const CALLS_PER_PAIR: u32 = 2;

struct Pair {
    a: FaxEnd<SipLine>,
    b: FaxEnd<SipLine>,
    completed: u32,
    rx: PathBuf,
}

fn options(sender: bool) -> FaxOptions {
    FaxOptions {
        calling_party: sender,
        ident: "CONCURRENT".into(),
        ..Default::default()
    }
}

#[test]
fn concurrent_t38_calls_all_complete_and_redial() {
    let dir = Scratch::new("concurrent");
    let res = Resolution::Standard;
    let page = vec![BilevelPage::test_pattern(
        PaperSize::A4.width(),
        PaperSize::A4.rows(res),
        res,
        700,
    )];
    let mut clock = SimClock::new(origin());
    let mut net = SimNet::new(NetImpairments {
        line: Impairments {
            latency_frames: 2,
            t38_loss: 0.01,
            seed: 5,
            ..Impairments::CLEAN
        },
        jitter: Duration::from_millis(10),
    });
    let t0 = clock.now();
    let mut pairs: Vec<Pair> = (0..PAIRS)
        .map(|i| {
            let (sa, sb) = (41860 + 2 * i as u16, 41861 + 2 * i as u16);
            let (ra, rb) = (41870 + 8 * i as u16, 41874 + 8 * i as u16);
            let a = SipLineConfig::new(
                &format!("sip/a{i}"),
                trunk(&format!("to-{sb}"), "100", sb),
                LO,
                sa,
                ra,
            );
            let mut b = SipLineConfig::new(
                &format!("sip/b{i}"),
                trunk(&format!("to-{sa}"), "200", sa),
                LO,
                sb,
                rb,
            );
            b.t38_policy = T38Policy::Immediately;
            let rx = dir.join(format!("rx-{i}.tif"));
            Pair {
                a: FaxEnd::new(SipLine::engine(a, t0).expect("line")),
                b: FaxEnd::receiver(
                    SipLine::engine(b, t0).expect("line"),
                    rx.clone(),
                    options(false),
                ),
                completed: 0,
                rx,
            }
        })
        .collect();
    let limit = Duration::from_secs(300);
    let mut k = 0u64;
    loop {
        let now = clock.tick();
        if pairs.iter().all(|p| p.completed == CALLS_PER_PAIR) {
            break;
        }
        let stuck: Vec<String> = pairs
            .iter()
            .enumerate()
            .filter(|(_, p)| p.completed < CALLS_PER_PAIR)
            .map(|(i, p)| {
                format!(
                    "pair {i}: {} done, kinds {:?}/{:?}",
                    p.completed, p.a.kinds, p.b.kinds
                )
            })
            .collect();
        assert!(now - t0 < limit, "calls stalled: {stuck:?}");
        for (i, p) in pairs.iter_mut().enumerate() {
            p.a.line.tick(now);
            p.b.line.tick(now);
            // Pair i dials 0.3 s after pair i - 1 (and again when its
            // previous call is over and both lines are idle).
            if p.a.fax.is_none()
                && p.completed < CALLS_PER_PAIR
                && k >= 15 * i as u64
                && p.a.line.is_idle()
                && p.b.line.is_idle()
            {
                let document = PageSource::Pages {
                    pages: page.clone(),
                    spool: p.rx.with_extension("spool.tif"),
                };
                p.a.dial("200", FaxRole::Send(document), options(true), now);
            }
            p.a.step(now);
            p.b.step(now);
            let over =
                p.a.end.is_some() && p.b.end.is_some() && p.a.line.is_idle() && p.b.line.is_idle();
            if over {
                let tx = p.a.outcome().expect("the sender's outcome");
                let rx_o = p.b.outcome().expect("the receiver's outcome");
                assert!(tx.success && rx_o.success, "pair {i}: {tx:?} / {rx_o:?}");
                assert_eq!(
                    p.a.kinds,
                    vec![MediaKind::Audio, MediaKind::T38],
                    "pair {i}"
                );
                assert_eq!(
                    p.b.kinds,
                    vec![MediaKind::Audio, MediaKind::T38],
                    "pair {i}"
                );
                let got = fax_t30::tiff::read_tiff_file(&p.rx).unwrap();
                assert_eq!(got.len(), 1, "pair {i}");
                assert_eq!(
                    got[0].decode().unwrap().data(),
                    page[0].data(),
                    "pair {i}: page differs"
                );
                p.completed += 1;
                p.a.reset();
                p.b.reset();
                let _ = std::fs::remove_file(&p.rx);
            }
        }
        let mut nodes: Vec<&mut dyn SimNode> = pairs
            .iter_mut()
            .flat_map(|p| [&mut p.a.line as &mut dyn SimNode, &mut p.b.line])
            .collect();
        exchange(&mut net, now, &mut nodes);
        k += 1;
    }
    assert!(net.stats().lost > 0, "{:?}", net.stats());
    for (i, p) in pairs.iter().enumerate() {
        assert_eq!(
            p.b.line.stats().t38_offers_sent,
            u64::from(CALLS_PER_PAIR),
            "pair {i}"
        );
        assert_eq!(
            p.a.line.stats().t38_accepted,
            u64::from(CALLS_PER_PAIR),
            "pair {i}"
        );
        assert_eq!(p.b.line.stats().t38_timeouts, 0, "pair {i}");
    }
}
