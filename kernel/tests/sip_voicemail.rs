//! A real third-party SIP agent (baresip, through the shared
//! `peers/sip/call-and-play.sh`) calls our voicemail over a SIP line of
//! ours, in real time on loopback, and plays a spoken WAV (espeak-ng) after
//! 3 s of silence; the kernel's voicemail (greeting, beep, recording)
//! stores a voice message whose recording matches the speech in duration
//! and energy.
//!
//! Ports: our SIP 40950, RTP 20300 (UDPTL 20302); baresip SIP 5080, its
//! RTP 20400-20419 and control TCP 20920 (the script's own scheme).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use kernel::directory::Directory;
use kernel::message::{Service, Timestamp};
use kernel::numbering::NumberingPlan;
use kernel::routing::{AnswerMode, Router, Rule};
use kernel::runner::{Handoff, InboundConfig, Runner, RunnerConfig};
use kernel::store::Store;
use kernel::voice::wav::read_wav;
use kernel::voice::VoiceSettings;
use line_drivers::sip::{SharedSipLine, SipLine, SipLineConfig, T38Policy};
use line_drivers::Line;
use test_kit::{wall, Scratch};

const SCRIPTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/peers/sip");

fn run(cmd: &mut Command) {
    let st = cmd.status().expect("tool runs");
    assert!(st.success(), "{cmd:?}: {st}");
}

fn energy(s: &[i16]) -> f64 {
    s.iter().map(|&v| f64::from(v).powi(2)).sum()
}

/// The spoken text as 8 kHz samples, and a WAV of 3 s silence + speech.
fn speech(dir: &Path) -> (Vec<i16>, PathBuf) {
    let raw = dir.join("speech-22k.wav");
    let wav = dir.join("speech-8k.wav");
    let padded = dir.join("play.wav");
    run(Command::new("espeak-ng")
        .args(["-v", "en", "-s", "150", "-w"])
        .arg(&raw)
        .arg("Hello, this is a message left through a SIP trunk. Please call me back tomorrow morning."));
    run(Command::new("sox")
        .arg(&raw)
        .args(["-r", "8000", "-c", "1", "-b", "16"])
        .arg(&wav));
    run(Command::new("sox")
        .arg(&wav)
        .arg(&padded)
        .args(["pad", "3", "0"]));
    let pcm = read_wav(&std::fs::read(&wav).unwrap()).unwrap();
    (pcm.samples, padded)
}

#[test]
fn baresip_leaves_a_voice_message_over_sip() {
    let dir = Scratch::new("baresip-vm");
    let (spoken, play) = speech(&dir);
    let speech_secs = spoken.len() as f64 / 8000.0;

    let trunk = sip_trunk();
    let mut cfg = SipLineConfig::new("sip/vm", trunk, "127.0.0.1".parse().unwrap(), 40950, 20300);
    cfg.media.t38 = None;
    cfg.t38_policy = T38Policy::Never;
    let t0 = wall();
    let line = SharedSipLine::new(SipLine::bind(cfg, t0).expect("bind SIP line"));
    let boxed: Box<dyn Line> = Box::new(line.clone());

    let plan = NumberingPlan::germany("89", "1234");
    let directory = Directory {
        users: Vec::new(),
        groups: Vec::new(),
        default_recipient: "postmaster@example.com".into(),
    };
    let rules = vec![Rule::new("200", None, "anna@example.com")
        .unwrap()
        .answering(AnswerMode::Voice)];
    let spool = dir.join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    let store = Store::open(&dir.join("store")).unwrap();
    let mut gw = Runner::new(
        store,
        RunnerConfig::default(),
        vec![boxed.into()],
        Timestamp(1_800_000_000_000),
    )
    .unwrap()
    .with_inbound(InboundConfig {
        router: Router::new(plan.clone(), directory, rules).unwrap(),
        plan,
        spool,
        ident: "+49 89 1234 200".into(),
    })
    .with_voice(VoiceSettings::default());

    let hold = (3.0 + speech_secs + 1.5).ceil() as u64;
    let mut peer = Command::new("bash")
        .arg(format!("{SCRIPTS}/call-and-play.sh"))
        .arg("sip:200@127.0.0.1:40950")
        .arg(&play)
        .arg(hold.to_string())
        .env("SIP_PORT", "5080")
        .env("FROM_USER", "4989777")
        .spawn()
        .expect("call-and-play.sh");

    let mut received = Vec::new();
    let mut peer_status = None;
    let mut k = 0u64;
    loop {
        let media = t0 + Duration::from_millis(20 * k);
        if let Some(d) = media.checked_duration_since(wall()) {
            std::thread::sleep(d);
        }
        line.tick(media);
        gw.tick(media, Timestamp(1_800_000_000_000 + 20 * k))
            .unwrap();
        received.extend(gw.take_handoffs().into_iter().filter_map(Handoff::received));
        if peer_status.is_none() {
            peer_status = peer.try_wait().unwrap();
        }
        if peer_status.is_some() && gw.lines_busy().all(|b| !b) && k > 50 {
            break;
        }
        if k >= 60 * 50 {
            break; // checked below, after the peer is reaped
        }
        k += 1;
    }
    if peer_status.is_none() {
        let _ = peer.kill();
    }
    let _ = peer.wait();
    assert!(k < 60 * 50, "no message after 60 s");
    assert!(peer_status.unwrap().success(), "baresip's call failed");
    assert_eq!(received.len(), 1, "one voice message");
    let rec = gw.store().get(received[0]).unwrap().unwrap();
    assert_eq!(rec.message.service, Service::Voice);
    let path = rec.message.document.as_ref().expect("a WAV in the spool");
    let got = read_wav(&std::fs::read(path).unwrap()).unwrap();
    let got_secs = got.samples.len() as f64 / 8000.0;
    let ratio = energy(&got.samples) / energy(&spoken);
    eprintln!("speech {speech_secs:.2} s, recording {got_secs:.2} s, energy ratio {ratio:.2}");
    // The recording starts at the beep (~2.2 s into the call, the speech at
    // 3 s) and ends at the hang-up with trailing silence cut.
    assert!(
        got_secs >= speech_secs - 0.3 && got_secs <= speech_secs + 2.5,
        "{got_secs} vs {speech_secs}"
    );
    assert!((0.5..2.0).contains(&ratio), "energy ratio {ratio}");
    // From's user part, normalised by the numbering plan (local number
    // in area 89).
    let caller = rec.message.caller_number.as_deref().unwrap_or("");
    assert!(caller.ends_with("4989777"), "caller id from From: {caller}");
}

fn sip_trunk() -> line_drivers::sip::TrunkConfig {
    line_drivers::sip::TrunkConfig::static_peer("baresip", "127.0.0.1:5080", "200")
}
