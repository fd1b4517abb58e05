//! The far end of the `ums serve` CAPI tests: a `CapiLine` of our native
//! remote-CAPI client on the controller simulator, run here in real time
//! (the gateway's media runs in real time), as a fax machine
//! ([`far_machine`]) or as a caller who speaks ([`Caller`]).
#![allow(dead_code)] // each test file uses a part

#[path = "../../../line-drivers/tests/sip_common/mod.rs"]
mod sip_common;

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use fax_t30::page::BilevelPage;
use fax_t30::{FaxOptions, PageSource};
use line_drivers::capi::controller::ControllerConfig;
use line_drivers::capi::line::CapiLine;
use line_drivers::capi::session::RegisterLimits;
use line_drivers::capi::sim::tcp::SimServer;
use line_drivers::capi::sim::SimConfig;
use line_drivers::capi::transport::RcapiTcp;
use line_drivers::{FaxRole, LineId};
use sip_common::FaxEnd;

#[path = "../../../kernel/tests/voice_kit/mod.rs"]
pub mod voice_kit;

/// A `CapiLine` of our native client on the simulator at `addr`, with
/// `msn` as its calling number.
fn far_line(addr: std::net::SocketAddr, name: &str, msn: &str) -> CapiLine<RcapiTcp> {
    let limits = RegisterLimits {
        max_logical: 1,
        max_b_blocks: 7,
        max_b_len: 2048,
    };
    let t = RcapiTcp::connect(addr, limits, 1, Duration::from_secs(5)).expect("rcapi");
    let config = ControllerConfig {
        calling_msn: Some(msn.into()),
        ..ControllerConfig::default()
    };
    CapiLine::new(LineId(name.into()), config, t)
}

/// What a caller who left a message heard and did.
#[derive(Debug, Default)]
pub struct VoiceCall {
    /// 20 ms frames of the greeting's beep heard before speaking.
    pub beep_frames: u32,
    /// Whether the speech was played to its end and `#` pressed.
    pub spoke: bool,
    /// Frames from `#` to the gateway hanging up (None: `#` not pressed
    /// before the call ended, or the call did not end).
    pub hung_up_after: Option<u32>,
}

/// A caller on the simulator at `addr` (calling number `msn`) who dials
/// `number`, waits for the voicemail's beep, speaks `spoken` (8 kHz) and
/// presses `#` (CAPI DTMF, FACILITY_REQ), in real time; gives up after
/// `secs`.
pub fn leave_message(
    addr: std::net::SocketAddr,
    msn: &str,
    number: &str,
    spoken: &[i16],
    secs: u64,
) -> VoiceCall {
    use line_drivers::{DtmfDigit, Line, LineEvent, Media, MediaKind};
    let mut line = far_line(addr, "caller", msn);
    let tick = Duration::from_millis(20);
    let mut now = test_kit::wall();
    let mut speaker = voice_kit::Speaker::new(spoken);
    let (mut call, mut hung_up) = (None, false);
    let mut got = VoiceCall::default();
    for t in 0..secs * 50 {
        now += tick;
        if let Some(wait) = now.checked_duration_since(test_kit::wall()) {
            std::thread::sleep(wait);
        }
        line.tick(now);
        if t == 5 {
            call = Some(line.dial(number, MediaKind::Audio, now).expect("dial"));
        }
        while let Some(ev) = line.poll_event() {
            match ev {
                LineEvent::Media {
                    media: Media::Audio(f),
                    ..
                } => speaker.hear(&f),
                LineEvent::HungUp { .. } => hung_up = true,
                _ => {}
            }
        }
        got.beep_frames = speaker.beep_frames;
        got.spoke = speaker.after_hash.is_some();
        if hung_up {
            got.hung_up_after = speaker.after_hash;
            return got;
        }
        let Some(c) = call else { continue };
        let (frame, hash) = speaker.next_frame();
        if hash {
            let d = DtmfDigit::new('#', Duration::from_millis(100)).unwrap();
            line.send(c, Media::Dtmf(d), now).expect("DTMF");
        }
        let _ = line.send(c, Media::Audio(frame), now);
    }
    got
}

/// What the far machine did with one call.
#[derive(Debug)]
pub struct FarCall {
    pub success: bool,
    pub pages: u32,
    /// The number called (incoming) or dialled.
    pub number: Option<String>,
    /// The received pages (incoming).
    pub received: Option<PathBuf>,
}

/// What the far machine reports.
#[derive(Debug)]
pub enum Far {
    /// A page of the current call started.
    Paging,
    /// A call ended.
    Ended(FarCall),
}

pub enum FarCommand {
    Send(String, Vec<BilevelPage>),
    Stop,
}

/// The remote-CAPI controller simulator with 4 B-channels on a free
/// loopback port.
pub fn simulator() -> SimServer {
    SimServer::start(simulator_config(), 0).expect("simulator")
}

pub fn simulator_config() -> SimConfig {
    SimConfig {
        b_channels: 4,
        refused: Vec::new(),
    }
}

/// `n` A4 standard test-pattern pages, the first made from `seed`.
pub fn pages(n: u64, seed: u64) -> Vec<BilevelPage> {
    use fax_t30::page::{PaperSize, Resolution};
    (0..n)
        .map(|i| {
            BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(Resolution::Standard),
                Resolution::Standard,
                seed + i,
            )
        })
        .collect()
}

/// The next call's end (page reports skipped), waiting up to `secs`.
pub fn ended(calls: &mpsc::Receiver<Far>, secs: u64) -> Option<FarCall> {
    let until = test_kit::wall() + Duration::from_secs(secs);
    loop {
        let left = until.checked_duration_since(test_kit::wall())?;
        match calls.recv_timeout(left).ok()? {
            Far::Ended(c) => return Some(c),
            Far::Paging => {}
        }
    }
}

/// The far fax machine: a `CapiLine` on the simulator, answering every
/// call and sending when told, ticked every 20 ms of real time (the
/// gateway's media runs in real time) on its own thread.
pub fn far_machine(
    addr: std::net::SocketAddr,
    dir: PathBuf,
) -> (mpsc::Sender<FarCommand>, mpsc::Receiver<Far>) {
    let (cmd_tx, cmd_rx) = mpsc::channel();
    let (out_tx, out_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let line = far_line(addr, "far", "555001");
        let mut n = 0;
        let rx_file = |n: u32| dir.join(format!("far-rx-{n}.tif"));
        let mut far = FaxEnd::receiver(line, rx_file(n), FaxOptions::default());
        let tick = Duration::from_millis(20);
        let mut next = test_kit::wall();
        let mut paging = false;
        loop {
            match cmd_rx.try_recv() {
                Ok(FarCommand::Send(number, pages)) => {
                    let source = PageSource::Pages {
                        pages,
                        spool: dir.join("far-tx.tif"),
                    };
                    far.dial(&number, FaxRole::Send(source), FaxOptions::default(), next);
                }
                Ok(FarCommand::Stop) | Err(mpsc::TryRecvError::Disconnected) => return,
                Err(mpsc::TryRecvError::Empty) => {}
            }
            next += tick;
            if let Some(wait) = next.checked_duration_since(test_kit::wall()) {
                std::thread::sleep(wait);
            }
            far.line.tick(next);
            far.step(next);
            if !paging && far.page_started(1) {
                paging = true;
                let _ = out_tx.send(Far::Paging);
            }
            if let Some(end) = far.end.take() {
                paging = false;
                let o = match &end {
                    line_drivers::CallEnd::Fax(o) => Some(o),
                    _ => None,
                };
                let call = FarCall {
                    success: o.is_some_and(|o| o.success),
                    pages: o.map_or(0, |o| o.pages_confirmed.max(o.received_pages.len() as u32)),
                    number: far.number.clone(),
                    received: o.and_then(|o| o.file.clone()),
                };
                let _ = out_tx.send(Far::Ended(call));
                far.fax = None;
                n += 1;
                far.answer_with =
                    Some((FaxRole::Receive { file: rx_file(n) }, FaxOptions::default()));
            }
        }
    });
    (cmd_tx, out_rx)
}
