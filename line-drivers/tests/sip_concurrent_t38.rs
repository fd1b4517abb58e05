//! Concurrent T.38 calls between our SIP lines on loopback, all on one
//! thread as the media ticker runs them (issue 7's benchmark setting):
//! three pairs of lines, each pair the other's static peer; the callee
//! re-INVITEs to T.38 at once, both sides restart T.30 on T.38, and every
//! pair faxes a page, hangs up and dials again on the same sockets and
//! UDPTL ports. Every call of every pair must complete and every page must
//! arrive bit for bit: a stall of one call (glare, a stale UDPTL stream
//! from the previous call, a session not restarted) fails the test.
//!
//! Ports: SIP 41860-41865, RTP/UDPTL 41870-41893.

mod sip_common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{Document, FaxOptions, FaxSession, PageSource, T38Options, Transport};
use line_drivers::sip::{SipLine, SipLineConfig, T38Policy};
use line_drivers::{CallId, CallProgress, HangupCause, Line, LineEvent, Media, MediaKind};
use sip_common::{trunk, LO};
use test_kit::{wall, Scratch};

const PAIRS: usize = 3;
const CALLS_PER_PAIR: u32 = 2;

struct Side {
    line: SipLine,
    call: Option<CallId>,
    session: Option<FaxSession>,
    kinds: Vec<MediaKind>,
}

struct Pair {
    a: Side,
    b: Side,
    /// Tick the current call ended (both sessions finished).
    done_at: Option<u64>,
    completed: u32,
    rx: PathBuf,
}

fn session(sender: bool, kind: MediaKind, page: &[BilevelPage], rx: &Path) -> FaxSession {
    let transport = match kind {
        MediaKind::Audio => Transport::Audio,
        MediaKind::T38 => Transport::T38(T38Options::default()),
    };
    let document = if sender {
        Document::Send(PageSource::Pages {
            pages: page.to_vec(),
            spool: rx.with_extension("spool.tif"),
        })
    } else {
        Document::Receive(rx.to_path_buf())
    };
    FaxSession::new(
        &FaxOptions {
            calling_party: sender,
            ident: "CONCURRENT".into(),
            ..Default::default()
        },
        transport,
        document,
    )
    .expect("fax session")
}

/// Events of one side; true when the line reported a hang-up.
fn events(s: &mut Side, sender: bool, page: &[BilevelPage], rx: &Path, now: Instant) -> bool {
    let mut hung_up = false;
    while let Some((c, kind)) = s.line.poll_media_change() {
        assert_eq!(Some(c), s.call, "media change of the current call");
        s.kinds.push(kind);
        s.session = Some(session(sender, kind, page, rx));
    }
    while let Some(ev) = s.line.poll_event() {
        match ev {
            LineEvent::Incoming { call, .. } => {
                s.line.answer(call, now).expect("answer");
                s.call = Some(call);
                let kind = s.line.media_kind().expect("media after answer");
                s.kinds.push(kind);
                s.session = Some(session(false, kind, page, rx));
            }
            LineEvent::Progress {
                progress: CallProgress::Answered,
                ..
            } => {
                let kind = s.line.media_kind().expect("media after answer");
                s.kinds.push(kind);
                s.session = Some(session(sender, kind, page, rx));
            }
            LineEvent::Progress { .. } => {}
            LineEvent::Media { media, .. } => {
                if let Some(f) = s.session.as_mut() {
                    match media {
                        Media::Audio(frame) if !f.is_t38() => f.handle_audio(&frame),
                        Media::T38(p) if f.is_t38() => f.handle_ifp(&p),
                        _ => {}
                    }
                }
            }
            LineEvent::HungUp { .. } => hung_up = true,
        }
    }
    hung_up
}

fn pump(s: &mut Side, now: Instant) {
    let (Some(call), Some(f)) = (s.call, s.session.as_mut()) else {
        return;
    };
    if f.is_t38() {
        f.handle_tick();
        while let Some(p) = f.poll_ifp() {
            let _ = s.line.send(call, Media::T38(p), now);
        }
    } else {
        let frame = f.poll_audio();
        let _ = s.line.send(call, Media::Audio(frame), now);
    }
    while f.poll_event().is_some() {}
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
    let t0 = wall();
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
            let side = |c: SipLineConfig| Side {
                line: SipLine::bind(c, t0).expect("bind"),
                call: None,
                session: None,
                kinds: vec![],
            };
            Pair {
                a: side(a),
                b: side(b),
                done_at: None,
                completed: 0,
                rx: dir.join(format!("rx-{i}.tif")),
            }
        })
        .collect();
    let limit = Duration::from_secs(300);
    let mut k = 0u64;
    loop {
        let now = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
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
            if p.a.call.is_none()
                && p.done_at.is_none()
                && p.completed < CALLS_PER_PAIR
                && k >= 15 * i as u64
                && p.b.line.is_idle()
            {
                p.a.call = Some(p.a.line.dial("200", MediaKind::Audio, now).expect("dial"));
                p.a.kinds.clear();
                p.b.kinds.clear();
            }
            let rx = p.rx.clone();
            events(&mut p.a, true, &page, &rx, now);
            let b_hung = events(&mut p.b, false, &page, &rx, now);
            pump(&mut p.a, now);
            pump(&mut p.b, now);
            let finished = p.a.session.as_ref().is_some_and(|f| f.is_finished())
                && p.b.session.as_ref().is_some_and(|f| f.is_finished());
            if finished && p.done_at.is_none() {
                let tx = p.a.session.as_ref().unwrap().outcome().unwrap();
                let rx_o = p.b.session.as_ref().unwrap().outcome().unwrap();
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
                p.done_at = Some(k);
            }
            // Drain the last frames, hang up, dial again when B is idle.
            if p.done_at.is_some_and(|d| k == d + 10) {
                if let Some(c) = p.a.call.take() {
                    p.a.line.hangup(c, HangupCause::NormalClearing, now);
                }
                p.a.session = None;
            }
            if b_hung {
                p.b.call = None;
                p.b.session = None;
                if p.done_at.take().is_some() {
                    p.completed += 1;
                    let _ = std::fs::remove_file(&p.rx);
                }
            }
        }
        k += 1;
    }
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
