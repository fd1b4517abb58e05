//! A trunk of ours with two channels, called by SIPp (Debian's
//! sip-tester), a third-party UAC: two calls at once to the one signalling
//! address (SIPp's built-in `uac` scenario, `-l 2`: both INVITEs before
//! either is answered) each land on their own channel; every later request
//! of each call (ACK, then BYE after SIPp's pause) must reach that channel
//! by Call-ID — a BYE sent to the wrong channel is answered 481 and SIPp
//! counts a failed call (exit code 1). While both channels are busy, a
//! third INVITE (`tests/peers/sip/uac-expect-busy.xml`) must get 486 Busy
//! Here, or that SIPp fails.
//!
//! Ports (under `scripts/netns-run`): our SIP 5130, RTP 21300-21307; SIPp
//! 5140/5150, its media 21400/21500.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use line_drivers::sip::{SipLineConfig, SipTrunk, T38Policy, TrunkConfig};
use line_drivers::{HangupCause, Line, LineEvent};
use test_kit::wall;

fn sipp(scenario: &[&str], port: u16, media: u16, extra: &[&str]) -> Child {
    Command::new("sipp")
        .args(scenario)
        .arg("127.0.0.1:5130")
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-mp", &media.to_string()])
        .args(["-timeout", "30s", "-timeout_error", "-nostdin", "-nd"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sipp (Debian sip-tester) runs")
}

#[test]
fn sipp_calls_twice_at_once_and_the_third_call_is_busy() {
    let trunk = TrunkConfig::static_peer("sipp", "127.0.0.1:5140", "4930100");
    let mut cfg = SipLineConfig::new("sip/sipp", trunk, "127.0.0.1".parse().unwrap(), 5130, 21300);
    cfg.t38_policy = T38Policy::Never;
    let t0 = wall();
    let trunk = SipTrunk::bind(cfg, 2, t0).expect("bind");
    let mut lines = trunk.lines();
    // Two calls at once, each held 4 s by SIPp, then BYE from SIPp.
    let mut pair = sipp(
        &["-sn", "uac"],
        5140,
        21400,
        &["-m", "2", "-l", "2", "-r", "10", "-d", "4000"],
    );
    let busy_scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/peers/sip/uac-expect-busy.xml"
    );
    let mut busy: Option<Child> = None;
    let mut busy_code = None;
    let mut pair_code = None;
    let mut incoming = [0u32; 2];
    let mut hung_up: [Option<HangupCause>; 2] = [None, None];
    for k in 0..40 * 50u64 {
        let now = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        trunk.tick(now);
        for (i, line) in lines.iter_mut().enumerate() {
            while let Some(ev) = line.poll_event() {
                match ev {
                    LineEvent::Incoming { call, .. } => {
                        incoming[i] += 1;
                        line.answer(call, now).expect("answer");
                    }
                    LineEvent::HungUp { cause, .. } => hung_up[i] = Some(cause),
                    _ => {}
                }
            }
        }
        // Both channels carry a call: the third INVITE.
        if busy.is_none() && incoming == [1, 1] && hung_up == [None, None] {
            busy = Some(sipp(&["-sf", busy_scenario], 5150, 21500, &["-m", "1"]));
        }
        if let Some(b) = busy.as_mut().filter(|_| busy_code.is_none()) {
            if let Some(st) = b.try_wait().unwrap() {
                busy_code = st.code();
            }
        }
        if pair_code.is_none() {
            if let Some(st) = pair.try_wait().unwrap() {
                pair_code = st.code();
            }
        }
        if pair_code.is_some() && busy_code.is_some() {
            break;
        }
    }
    for c in [Some(&mut pair), busy.as_mut()].into_iter().flatten() {
        let _ = c.kill();
        let _ = c.wait();
    }
    assert_eq!(incoming, [1, 1], "one call per channel");
    assert_eq!(
        busy_code,
        Some(0),
        "the third INVITE was not answered 486 ({:?})",
        trunk.stats()
    );
    assert_eq!(trunk.stats().busy_refused, 1, "{:?}", trunk.stats());
    assert_eq!(
        pair_code,
        Some(0),
        "SIPp's two calls (ACK, BYE by Call-ID) failed ({:?})",
        trunk.stats()
    );
    assert_eq!(
        hung_up,
        [Some(HangupCause::NormalClearing); 2],
        "each channel got its own call's BYE"
    );
    assert!(trunk.is_idle());
}
