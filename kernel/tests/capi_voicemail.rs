//! Voicemail and fax/voice detection over a CAPI B-channel (issue 16): the kernel's voicemail
//! (greeting, beep, recording, the end key) on a `CapiLine` of the
//! remote-CAPI controller simulator (in process, simulated clock), called
//! from a second `CapiLine` of the same controller. The caller waits for
//! the beep, speaks a real spoken WAV (espeak-ng, 8 kHz by sox) and
//! presses `#` as CAPI DTMF (FACILITY_REQ, selector 1): the recording
//! ends on the key, matches the speech in duration and energy through
//! the B-channel's A-law, and is stored as a voice message with the
//! caller's number. And on an auto-detect MSN, a fax machine's call (CNG,
//! then T.30 through the one fax pump) is taken as a fax, pages equal.

use std::path::Path;
use std::time::Duration;

use fax_t30::media::FRAME_DURATION;
use kernel::directory::Directory;
use kernel::message::{MessageId, Service, Timestamp};
use kernel::numbering::NumberingPlan;
use kernel::routing::{AnswerMode, Router, Rule};
use kernel::runner::{Handoff, InboundConfig, Runner, RunnerConfig};
use kernel::store::Store;
use kernel::voice::wav::read_wav;
use kernel::voice::VoiceSettings;
use line_drivers::capi::controller::ControllerConfig;
use line_drivers::capi::line::CapiLine;
use line_drivers::capi::sim::local::{SharedSim, SimTransport};
use line_drivers::capi::sim::SimConfig;
use line_drivers::{DtmfDigit, Line, LineEvent, LineId, Media, MediaKind};
use test_kit::{origin, Scratch};

mod voice_kit;
use voice_kit::{energy, speech, Speaker};

const T0: Timestamp = Timestamp(1_800_000_000_000);

/// The gateway's B-channel, shared by the runner (a `Line`) and the test
/// (which ticks it, as the media loop does).
type Shared = line_drivers::Shared<CapiLine<SimTransport>>;

fn capi_line(sim: &SharedSim, name: &str, msn: &str) -> CapiLine<SimTransport> {
    let config = ControllerConfig {
        msns: vec![msn.into()],
        calling_msn: Some(msn.into()),
        ..ControllerConfig::default()
    };
    CapiLine::new(LineId(name.into()), config, sim.connect())
}

fn gateway(dir: &Path, line: Shared) -> Runner {
    let plan = NumberingPlan::germany("89", "1234");
    let directory = Directory {
        users: Vec::new(),
        groups: Vec::new(),
        default_recipient: "postmaster@example.com".into(),
    };
    let rules = vec![
        Rule::new("200", None, "anna@example.com")
            .unwrap()
            .answering(AnswerMode::Voice),
        Rule::new("300", None, "office@example.com")
            .unwrap()
            .answering(AnswerMode::AutoDetect),
    ];
    let spool = dir.join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    let store = Store::open(&dir.join("store")).unwrap();
    let boxed: Box<dyn Line> = Box::new(line);
    Runner::new(store, RunnerConfig::default(), vec![boxed.into()], T0)
        .unwrap()
        .with_inbound(InboundConfig {
            router: Router::new(plan.clone(), directory, rules).unwrap(),
            plan,
            spool,
            ident: "+49 89 1234 200".into(),
        })
        .with_voice(VoiceSettings::default())
}

#[test]
fn a_caller_leaves_a_voice_message_over_capi_and_ends_it_with_hash() {
    let dir = Scratch::new("capi-voicemail");
    let spoken = speech(
        &dir,
        "speech",
        "Hello Anna, this message came over an ISDN B channel. Call me back.",
    );
    let sim = SharedSim::new(SimConfig {
        b_channels: 2,
        refused: Vec::new(),
    });
    let ours = Shared::new(capi_line(&sim, "capi/isdn/1", "200"));
    let mut gw = gateway(&dir, ours.clone());
    let mut caller = capi_line(&sim, "caller", "4989777");

    let mut media = origin();
    let mut wall = T0;
    let mut call = None;
    let mut speaker = Speaker::new(&spoken);
    let mut cleared_by_gateway = false;
    let mut received: Vec<MessageId> = Vec::new();
    for t in 0..(60 * 50) {
        ours.with(|l| l.tick(media));
        caller.tick(media);
        if t == 2 {
            call = Some(caller.dial("200", MediaKind::Audio, media).unwrap());
        }
        while let Some(ev) = caller.poll_event() {
            match ev {
                LineEvent::Media {
                    media: Media::Audio(f),
                    ..
                } => speaker.hear(&f),
                LineEvent::HungUp { .. } => cleared_by_gateway = true,
                _ => {}
            }
        }
        if let (Some(c), false) = (call, cleared_by_gateway) {
            let (frame, hash) = speaker.next_frame();
            if hash {
                let d = DtmfDigit::new('#', Duration::from_millis(100)).unwrap();
                caller.send(c, Media::Dtmf(d), media).unwrap();
            }
            let _ = caller.send(c, Media::Audio(frame), media);
        }
        gw.tick(media, wall).unwrap();
        received.extend(gw.take_handoffs().into_iter().filter_map(Handoff::received));
        if cleared_by_gateway && gw.lines_busy().all(|b| !b) && !received.is_empty() {
            break;
        }
        media += FRAME_DURATION;
        wall = Timestamp(wall.0 + 20);
    }
    assert!(speaker.beep_frames >= 10, "the caller heard the beep");
    assert!(cleared_by_gateway, "the gateway hung up on #");
    // Ended by the key (within a second), not by 5 s of silence.
    let after = speaker.after_hash.expect("# pressed");
    assert!(after < 50, "{after} ticks after #");
    assert_eq!(received.len(), 1, "one voice message");
    let rec = gw.store().get(received[0]).unwrap().unwrap();
    assert_eq!(rec.message.service, Service::Voice);
    assert_eq!(rec.message.end_reason.as_deref(), Some("end key"));
    assert_eq!(rec.message.status_reason, None, "complete, not cut");
    assert_eq!(rec.message.line.as_deref(), Some("capi/isdn/1"));
    let caller_number = rec.message.caller_number.as_deref().unwrap_or("");
    assert!(caller_number.ends_with("4989777"), "{caller_number}");
    let path = rec.message.document.as_ref().expect("a WAV in the spool");
    let got = read_wav(&std::fs::read(path).unwrap()).unwrap();
    let (got_secs, spoken_secs) = (got.duration_secs(), spoken.len() as f64 / 8000.0);
    let ratio = energy(&got.samples) / energy(&spoken);
    eprintln!("speech {spoken_secs:.2} s, recording {got_secs:.2} s, energy ratio {ratio:.2}");
    assert!(
        (got_secs - spoken_secs).abs() <= 0.5,
        "{got_secs} vs {spoken_secs}"
    );
    assert!((0.7..1.3).contains(&ratio), "energy through A-law: {ratio}");
    assert_eq!(sim.channels_in_use(), 0);
}

#[test]
fn an_auto_detect_msn_takes_a_fax_over_capi() {
    use fax_t30::page::{BilevelPage, PaperSize, Resolution};
    use fax_t30::{FaxOptions, PageSource};
    use line_drivers::{FaxCall, FaxCallEvent, FaxRole};
    let dir = Scratch::new("capi-auto-fax");
    let sim = SharedSim::new(SimConfig {
        b_channels: 2,
        refused: Vec::new(),
    });
    // The gateway's line answers 300 (auto-detect) as well.
    let config = ControllerConfig {
        msns: vec!["200".into(), "300".into()],
        ..ControllerConfig::default()
    };
    let ours = Shared::new(CapiLine::new(
        LineId("capi/isdn/1".into()),
        config,
        sim.connect(),
    ));
    let mut gw = gateway(&dir, ours.clone());
    let mut sender = capi_line(&sim, "fax", "4989555");
    let sent: Vec<BilevelPage> = (0..2)
        .map(|i| {
            BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(Resolution::Standard),
                Resolution::Standard,
                70 + i,
            )
        })
        .collect();
    let mut media = origin();
    let mut wall = T0;
    let source = PageSource::Pages {
        pages: sent.clone(),
        spool: dir.join("tx.tif"),
    };
    let mut fax = FaxCall::dial(
        &mut sender,
        "300",
        FaxRole::Send(source),
        FaxOptions::default(),
        media,
    )
    .unwrap();
    let mut ended = None;
    let mut received: Vec<MessageId> = Vec::new();
    for _ in 0..(120 * 50) {
        ours.with(|l| l.tick(media));
        sender.tick(media);
        fax.step(&mut sender, media, |_| {});
        while let Some(e) = fax.poll_event() {
            if let FaxCallEvent::Ended(e) = e {
                ended = Some(e);
            }
        }
        gw.tick(media, wall).unwrap();
        received.extend(gw.take_handoffs().into_iter().filter_map(Handoff::received));
        if ended.is_some() && !received.is_empty() && gw.lines_busy().all(|b| !b) {
            break;
        }
        media += FRAME_DURATION;
        wall = Timestamp(wall.0 + 20);
    }
    match &ended {
        Some(line_drivers::CallEnd::Fax(o)) => {
            assert!(o.success, "{o:?}");
            assert_eq!(o.pages_confirmed, 2);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(received.len(), 1);
    let rec = gw.store().get(received[0]).unwrap().unwrap();
    assert_eq!(rec.message.service, Service::Fax);
    assert_eq!(
        rec.message.recipient_address.as_deref(),
        Some("office@example.com")
    );
    let doc = rec.message.document.as_ref().expect("the fax is kept");
    let got: Vec<BilevelPage> = fax_t30::tiff::read_tiff_file(doc)
        .unwrap()
        .iter()
        .map(|p| p.decode().unwrap())
        .collect();
    assert!(got == sent, "the pages kept are the pages sent");
}
