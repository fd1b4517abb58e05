//! What worked per remote number and per trunk (T.38, or the G.711
//! fallback after a refused T.38 re-INVITE) survives a restart of the line
//! when `t38_memory_file` is set (issue 7: "remember per remote number and
//! per trunk what worked, and start the next call with it").
//!
//! Line B answers with `T38Policy::Immediately`; line A does not do T.38,
//! so it refuses B's re-INVITE with 488 and B learns "G.711 for caller
//! 4930100". B is then dropped and bound again on the same file: the next
//! call from A starts on G.711 directly (no T.38 re-INVITE at all).
//!
//! The lines are engines on the simulated network ([`line_drivers::sim_net`],
//! simulated time); only the memory file is real.

mod sip_common;

use std::path::Path;

use line_drivers::sim_net::{exchange, NetImpairments, SimNet};
use line_drivers::sip::{FaxTransport, SipLine, SipLineConfig, T38Policy};
use line_drivers::{HangupCause, Line, LineEvent, MediaKind, SimClock};
use sip_common::{trunk, LO};
use test_kit::{origin, Scratch};

/// A (4930100, no T.38) and B (4930200, T.38 at once, memory in `file`),
/// SIP on `sip` and `sip + 1`, media from `rtp` on.
fn lines(file: &Path, sip: u16, rtp: u16) -> (SipLine, SipLine) {
    let mut a = SipLineConfig::new("sip/a", trunk("to-b", "4930100", sip + 1), LO, sip, rtp);
    a.media.t38 = None;
    let mut b = SipLineConfig::new("sip/b", trunk("to-a", "4930200", sip), LO, sip + 1, rtp + 4);
    b.t38_policy = T38Policy::Immediately;
    b.t38_memory_file = Some(file.to_path_buf());
    (
        SipLine::engine(a, origin()).expect("line A"),
        SipLine::engine(b, origin()).expect("line B"),
    )
}

/// A calls B, B answers, 2 s of call, A hangs up; both lines idle after.
fn call(a: &mut SipLine, b: &mut SipLine) {
    let mut clock = SimClock::new(origin());
    let mut net = SimNet::new(NetImpairments::CLEAN);
    let id = a
        .dial("4930200", MediaKind::Audio, clock.now())
        .expect("dial");
    let mut answered = false;
    let mut hung_up = false;
    for k in 0..200u64 {
        let now = clock.tick();
        a.tick(now);
        b.tick(now);
        while let Some(ev) = b.poll_event() {
            match ev {
                LineEvent::Incoming { call, .. } => {
                    b.answer(call, now).expect("answer");
                    answered = true;
                }
                LineEvent::HungUp { .. } => hung_up = true,
                _ => {}
            }
        }
        while a.poll_event().is_some() {}
        if k == 100 {
            a.hangup(id, HangupCause::NormalClearing, now);
        }
        exchange(&mut net, now, &mut [&mut *a, &mut *b]);
        if hung_up && a.is_idle() && b.is_idle() {
            break;
        }
    }
    assert!(answered, "B answered");
    assert!(hung_up && a.is_idle() && b.is_idle(), "the call ended");
}

#[test]
fn a_learnt_g711_fallback_survives_a_restart() {
    let dir = Scratch::new("memory");
    let file = dir.join("memory").join("to-a.txt");
    let (mut a, mut b) = lines(&file, 5060, 20000);
    assert_eq!(b.first_choice("4930100"), FaxTransport::T38, "T.38 first");
    call(&mut a, &mut b);
    assert_eq!(b.stats().t38_offers_sent, 1);
    assert_eq!(b.stats().t38_refused, 1, "A refused T.38");
    assert_eq!(b.first_choice("4930100"), FaxTransport::G711);
    let text = std::fs::read_to_string(&file).expect("memory written");
    assert!(text.contains("number\tto-a\t4930100\tg711"), "{text}");
    assert!(text.contains("trunk\tto-a\tg711"), "{text}");

    // Restart: both lines dropped and made again.
    drop((a, b));
    let (mut a, mut b) = lines(&file, 5060, 20000);
    assert_eq!(b.first_choice("4930100"), FaxTransport::G711, "remembered");
    call(&mut a, &mut b);
    assert_eq!(
        b.stats().t38_offers_sent,
        0,
        "the next call starts on G.711"
    );
    assert_eq!(a.stats().reinvites_refused, 0);
    assert_eq!(b.stats().t38_memory_write_errors, 0);
}

#[test]
fn a_damaged_memory_file_costs_only_its_bad_lines() {
    let dir = Scratch::new("damaged");
    let file = dir.join("to-a.txt");
    std::fs::write(
        &file,
        "garbage\nnumber\tto-a\t4930100\tg711\nnumber\tto-a\t4930555\tcarrier-pigeon\n\u{0}\u{ff}\n",
    )
    .unwrap();
    let (_a, b) = lines(&file, 5060, 20000);
    assert_eq!(b.first_choice("4930100"), FaxTransport::G711);
    assert_eq!(b.first_choice("4930555"), FaxTransport::T38);
    drop(b);

    // A path that cannot be read as a file is a clear error at bind.
    let mut cfg = SipLineConfig::new("sip/c", trunk("to-a", "1", 5060), LO, 5064, 20008);
    cfg.t38_memory_file = Some(dir.to_path_buf());
    let err = SipLine::engine(cfg, origin())
        .err()
        .expect("a directory is no memory file");
    assert!(format!("{err:?}").contains("T.38 memory"), "{err:?}");
}
