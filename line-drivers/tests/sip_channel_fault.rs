//! A channel whose media socket collides or misbehaves goes out of service
//! alone (issue 12): the trunk's other channels carry their calls.
//!
//! Our trunk has 3 channels; another program's UDP socket sits on channel
//! 2's RTP port (inside `rtp_ports`, as an ephemeral port of any outgoing
//! connection or DNS query may). The trunk binds anyway, with channel 2
//! out of service and reported once; a far trunk places G.711 fax calls
//! to us, which go to channels 1 and 3, and both faxes complete; a third
//! INVITE finds no channel that takes calls and gets 486. Then a flood on
//! channel 3's RTP port in the middle of its call takes channel 3 out of
//! service (its call ends with a temporary failure, the far end hears the
//! BYE) while channel 1's fax goes on and completes.
//!
//! Real sockets on loopback, simulated clock. Ports (under
//! `scripts/netns-run`): SIP 5140-5141, RTP/UDPTL 21400-21423. Each
//! channel's side is the workspace's fax pump (`FaxCall` in `FaxEnd`).

mod sip_common;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use fax_t30::media::FRAME_DURATION;
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{FaxOptions, PageSource};
use line_drivers::sip::{SharedSipLine, SipLineConfig, SipTrunk, T38Policy};
use line_drivers::{FaxRole, HangupCause, Line, LineError, MediaKind};
use sip_common::{trunk, FaxEnd, LO};
use test_kit::{wall, Scratch};

const US_SIP: u16 = 5140;
const THEM_SIP: u16 = 5141;
const US_RTP: u16 = 21400;
const THEM_RTP: u16 = 21412;

fn config(name: &str, user: &str, sip: u16, peer: u16, rtp: u16) -> SipLineConfig {
    let mut c = SipLineConfig::new(
        &format!("sip/{name}"),
        trunk(name, user, peer),
        LO,
        sip,
        rtp,
    );
    c.media.t38 = None;
    c.t38_policy = T38Policy::Never;
    c
}

fn pages() -> Vec<BilevelPage> {
    let res = Resolution::Standard;
    (0..2)
        .map(|i| {
            BilevelPage::test_pattern(PaperSize::A4.width(), PaperSize::A4.rows(res), res, 40 + i)
        })
        .collect()
}

type Leg = FaxEnd<SharedSipLine>;

/// The leg's fax ended with success.
fn completed(l: &Leg) -> bool {
    l.outcome().is_some_and(|o| o.success)
}

/// The far end hung the leg's call up, with this cause.
fn hung_up(l: &Leg) -> Option<HangupCause> {
    l.end.as_ref().and(l.remote_cause)
}

struct World {
    us: SipTrunk,
    them: SipTrunk,
    ours: Vec<Leg>,
    theirs: Vec<Leg>,
    now: Instant,
}

impl World {
    fn tick(&mut self) {
        self.now += FRAME_DURATION;
        let now = self.now;
        self.us.tick(now);
        self.them.tick(now);
        for l in self.ours.iter_mut().chain(self.theirs.iter_mut()) {
            l.step(now);
        }
    }
}

fn pump_until(w: &mut World, limit: Duration, mut done: impl FnMut(&World) -> bool) {
    let end = w.now + limit;
    while !done(w) {
        assert!(w.now < end, "not done in {limit:?} of media time");
        w.tick();
    }
}

#[test]
fn a_taken_port_and_a_flood_take_one_channel_each_out_of_service_alone() {
    let dir = Scratch::new("sip-fault-channels");
    // Another program's socket on our channel 2's RTP port.
    let squatter = UdpSocket::bind((LO, US_RTP + 4)).expect("squat a port");
    let t0 = wall();
    let us = SipTrunk::bind(config("us", "200", US_SIP, THEM_SIP, US_RTP), 3, t0)
        .expect("the trunk binds without its channel 2");
    let them = SipTrunk::bind(config("them", "100", THEM_SIP, US_SIP, THEM_RTP), 3, t0)
        .expect("far trunk");

    // Channel 2 is out of service, reported once, with the port; the
    // others are in service.
    let fault = us.poll_fault().expect("a fault is reported");
    assert_eq!(fault.line.0, "sip/us/2");
    let text = fault.to_string();
    assert!(
        text.contains(&format!("RTP port {}", US_RTP + 4)) && text.contains("another socket"),
        "{text}"
    );
    assert_eq!(us.poll_fault(), None, "reported once");
    assert_eq!(us.faults(), vec![fault]);
    let lines = us.lines();
    assert!(lines[0].is_available() && lines[2].is_available());
    assert!(!lines[1].is_available());
    let mut l2 = lines[1].clone();
    assert!(matches!(
        l2.dial("100", MediaKind::Audio, t0),
        Err(LineError::OutOfService(_))
    ));

    let mut w = World {
        ours: lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let rx = dir.join(format!("rx-{i}.tif"));
                Leg::receiver(l.clone(), rx, FaxOptions::default())
            })
            .collect(),
        theirs: them.lines().iter().map(|l| Leg::new(l.clone())).collect(),
        us,
        them,
        now: t0,
    };
    // Two calls to us: they land on channels 1 and 3.
    let pages = pages();
    let send = |i: usize| {
        FaxRole::Send(PageSource::Pages {
            pages: pages.clone(),
            spool: dir.join(format!("tx-{i}.tif")),
        })
    };
    for i in 0..2 {
        let now = w.now;
        w.theirs[i].dial("200", send(i), FaxOptions::default(), now);
    }
    pump_until(&mut w, Duration::from_secs(5), |w| {
        w.ours[0].fax.is_some() && w.ours[2].fax.is_some()
    });
    assert!(w.ours[1].call().is_none(), "nothing reached channel 2");
    // A third call finds every channel that takes calls busy: 486.
    let now = w.now;
    w.theirs[2].dial("200", send(2), FaxOptions::default(), now);
    pump_until(&mut w, Duration::from_secs(5), |w| {
        hung_up(&w.theirs[2]).is_some()
    });
    assert_eq!(hung_up(&w.theirs[2]), Some(HangupCause::UserBusy));
    assert_eq!(w.us.stats().busy_refused, 1);

    // 20 s into the calls (page data), a flood on channel 3's RTP port.
    pump_until(&mut w, Duration::from_secs(30), |w| {
        w.now >= t0 + Duration::from_secs(20)
    });
    let flood = UdpSocket::bind((LO, 0)).unwrap();
    let junk = [0x80u8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xd5, 0xd5];
    let rtp_in = |w: &World| w.us.lines()[2].with(|l| l.stats().rtp_in);
    let before = rtp_in(&w);
    let mut ticks = 0u64;
    while hung_up(&w.ours[2]).is_none() {
        for _ in 0..100 {
            let _ = flood.send_to(&junk, (LO, US_RTP + 8));
        }
        w.tick();
        ticks += 1;
        assert!(ticks <= 60, "the flood was not stopped");
    }
    // About a second of flood, at most 64 datagrams read per tick.
    assert!((50..=52).contains(&ticks), "{ticks} ticks");
    assert!(
        rtp_in(&w) - before <= 64 * ticks,
        "read more than the limit"
    );
    assert_eq!(hung_up(&w.ours[2]), Some(HangupCause::TemporaryFailure));
    let fault = w.us.poll_fault().expect("the flood is reported");
    assert_eq!(fault.line.0, "sip/us/3");
    assert!(fault.reason.contains("flooded"), "{fault}");
    assert!(!w.us.lines()[2].is_available());
    pump_until(&mut w, Duration::from_secs(5), |w| {
        hung_up(&w.theirs[1]).is_some()
    });
    assert_eq!(
        hung_up(&w.theirs[1]),
        Some(HangupCause::TemporaryFailure),
        "BYE with its cause"
    );

    // Channel 1's fax goes on and completes, both pages.
    pump_until(&mut w, Duration::from_secs(150), |w| {
        w.ours[0].end.is_some() && w.theirs[0].end.is_some()
    });
    assert!(completed(&w.ours[0]) && completed(&w.theirs[0]));
    let sent = w.theirs[0].outcome().unwrap();
    assert_eq!(sent.pages_confirmed, 2);
    drop(squatter);
}
