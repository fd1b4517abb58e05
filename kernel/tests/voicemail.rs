//! Voicemail end to end on the loopback exchange and the simulated clock:
//! a caller on another line plays a real spoken WAV (made by `espeak-ng`,
//! converted to 8 kHz by `sox`), the gateway's voicemail records it, the
//! recording becomes a voice message mailed as RFC 3458 voice-message with
//! the WAV attached; `#` (RFC 4733 and in-band), silence and hang-up end a
//! recording; silent and too short calls are dropped; an auto-detect number
//! takes a fax from a real fax sender (CNG) and a voice call from a speaker.
//! The mail is read by mail-parser and Python's `email`, the WAV by `soxi`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fax_t30::g711::Law;
use fax_t30::media::{FRAME_DURATION, FRAME_SAMPLES, SILENCE};
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::tones::DtmfGenerator;
use kernel::directory::Directory;
use kernel::message::{MessageId, Service, Status, Timestamp};
use kernel::notify::{DeliveryMode, Notifier};
use kernel::numbering::NumberingPlan;
use kernel::report::{Language, ReportConfig};
use kernel::routing::{AnswerMode, Router, Rule};
use kernel::runner::{outgoing_fax, Handoff, InboundConfig, LineSpec, Runner, RunnerConfig};
use kernel::store::{Record, Store};
use kernel::voice::prompt::BEEP_HZ;
use kernel::voice::wav::{read_wav, Pcm};
use kernel::voice::{VoiceSettings, VoicemailConfig};
use line_drivers::loopback::{ExchangeConfig, Impairments, LoopbackLine, SharedExchange};
use line_drivers::{CallId, DtmfDigit, HangupCause, Line, LineCaps, LineEvent, Media, MediaKind};
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::Value;
use test_kit::{origin, Scratch};

mod voice_kit;
use voice_kit::{energy, speech, tone_share};

const T0: Timestamp = Timestamp(1_800_000_000_000);

/// What the caller does after speaking.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Then {
    /// Stays on the line, silent.
    Silence,
    /// Presses `#` as an RFC 4733 event.
    HashEvent,
    /// Presses `#` as in-band tones (spandsp's generator).
    HashInband,
    /// Hangs up.
    HangUp,
}

/// A person on a loopback line: calls, waits for the beep, speaks, then
/// does `then`.
struct Caller {
    line: LoopbackLine,
    number: String,
    call: Option<CallId>,
    speech: Vec<i16>,
    then: Then,
    beep_frames: u32,
    spoken: Option<usize>,
    dtmf: Option<DtmfGenerator>,
    heard_beep: bool,
    /// Ticks from dialling to the end of the beep.
    ticks_to_beep: u32,
    cleared_by_gateway: bool,
    done: bool,
    line_impairments: Impairments,
}

impl Caller {
    fn new(ex: &SharedExchange, own: &str, number: &str, speech: Vec<i16>, then: Then) -> Caller {
        Caller {
            line: ex.add_line(own, LineCaps::ALL).unwrap(),
            number: number.into(),
            call: None,
            speech,
            then,
            beep_frames: 0,
            spoken: None,
            dtmf: None,
            heard_beep: false,
            ticks_to_beep: 0,
            cleared_by_gateway: false,
            done: false,
            line_impairments: Impairments::CLEAN,
        }
    }

    fn tick(&mut self, now: Instant) {
        if self.done {
            return;
        }
        if !self.heard_beep {
            self.ticks_to_beep += 1;
        }
        let Some(call) = self.call else {
            let imp = self.line_impairments;
            self.call = Some(
                self.line
                    .dial_with(&self.number, MediaKind::Audio, imp, now)
                    .unwrap(),
            );
            return;
        };
        while let Some(ev) = self.line.poll_event() {
            match ev {
                LineEvent::Media {
                    media: Media::Audio(f),
                    ..
                } if self.spoken.is_none() => {
                    if tone_share(&f, BEEP_HZ) > 0.6 {
                        self.beep_frames += 1;
                    } else if self.beep_frames >= 10 {
                        self.heard_beep = true;
                        self.spoken = Some(0);
                    }
                }
                LineEvent::HungUp { .. } => {
                    self.cleared_by_gateway = true;
                    self.done = true;
                    return;
                }
                _ => {}
            }
        }
        let Some(pos) = self.spoken else {
            let _ = self.line.send(call, Media::Audio(SILENCE), now);
            return;
        };
        let mut frame = SILENCE;
        if pos < self.speech.len() {
            let end = (pos + FRAME_SAMPLES).min(self.speech.len());
            frame[..end - pos].copy_from_slice(&self.speech[pos..end]);
            self.spoken = Some(end);
        } else if pos == self.speech.len() {
            self.spoken = Some(pos + 1); // once: the action
            match self.then {
                Then::Silence => {}
                Then::HashEvent => {
                    let d = DtmfDigit::new('#', Duration::from_millis(100)).unwrap();
                    self.line.send(call, Media::Dtmf(d), now).unwrap();
                }
                Then::HashInband => {
                    let mut g = DtmfGenerator::with_timing(-10, 100, 100).unwrap();
                    assert_eq!(g.push("#"), 1);
                    self.dtmf = Some(g);
                }
                Then::HangUp => {
                    self.line.hangup(call, HangupCause::NormalClearing, now);
                    self.done = true;
                    return;
                }
            }
        }
        if let Some(g) = self.dtmf.as_mut() {
            g.fill(&mut frame);
        }
        let _ = self.line.send(call, Media::Audio(frame), now);
    }
}

const VOICE_AND_FAX: LineCaps = LineCaps {
    fax_audio: true,
    t38: false,
    voice: true,
    sms: false,
    dtmf: true,
    fax_modem: false,
};

fn voice_line(ex: &SharedExchange, number: &str, caps: LineCaps) -> LineSpec {
    let line: Box<dyn Line> = Box::new(ex.add_line(number, caps).unwrap());
    line.into()
}

/// Our gateway: 200 is voicemail for anna, 300 auto-detects for the office.
fn gateway(dir: &Path, ex: &SharedExchange, engine: VoicemailConfig) -> Runner {
    gateway_with(
        dir,
        ex,
        VoiceSettings {
            engine,
            ..VoiceSettings::default()
        },
    )
}

fn gateway_with(dir: &Path, ex: &SharedExchange, voice: VoiceSettings) -> Runner {
    gateway_on(dir, ex, voice, VOICE_AND_FAX)
}

fn gateway_on(dir: &Path, ex: &SharedExchange, voice: VoiceSettings, caps: LineCaps) -> Runner {
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
    Runner::new(
        store,
        RunnerConfig::default(),
        vec![voice_line(ex, "200", caps), voice_line(ex, "300", caps)],
        T0,
    )
    .unwrap()
    .with_inbound(InboundConfig {
        router: Router::new(plan.clone(), directory, rules).unwrap(),
        plan,
        spool,
        ident: "+49 89 1234 300".into(),
    })
    .with_voice(voice)
}

struct Run {
    received: Vec<MessageId>,
    elapsed: Duration,
}

/// Tick until the caller is done and the gateway's lines are free, or
/// `limit` of simulated time passes.
fn run(ex: &SharedExchange, gw: &mut Runner, caller: &mut Caller, limit: Duration) -> Run {
    let mut media = origin();
    let mut now = T0;
    let mut received = Vec::new();
    let ticks = (limit.as_millis() / 20) as u32;
    for t in 0..ticks {
        ex.tick(media);
        caller.tick(media);
        gw.tick(media, now).unwrap();
        received.extend(gw.take_handoffs().into_iter().filter_map(Handoff::received));
        if t > 5 && caller.done && gw.lines_busy().all(|b| !b) {
            return Run {
                received,
                elapsed: FRAME_DURATION * t,
            };
        }
        media += FRAME_DURATION;
        now = Timestamp(now.0 + 20);
    }
    panic!("not done after {limit:?}");
}

fn record(gw: &Runner, id: MessageId) -> Record {
    gw.store().get(id).unwrap().unwrap()
}

fn recording(rec: &Record) -> Pcm {
    let path = rec.message.document.as_ref().expect("a WAV in the spool");
    read_wav(&std::fs::read(path).unwrap()).unwrap()
}

fn soxi_duration(bytes: &[u8], dir: &Path) -> f64 {
    let path = dir.join("attachment.wav");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("soxi")
        .arg("-D")
        .arg(&path)
        .output()
        .expect("soxi runs (apt install sox)");
    assert!(
        out.status.success(),
        "soxi: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn python(mail: &[u8]) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/inspect_mail.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().unwrap().write_all(mail).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["defects"], serde_json::json!([]), "Python found defects");
    v
}

const MESSAGE: &str = "Hello Anna, this is Bob from the workshop. \
     Your car is ready, you can pick it up tomorrow after nine.";

#[test]
fn a_spoken_message_reaches_the_mailbox_as_a_voice_mail_with_the_wav() {
    let dir = Scratch::new("spoken");
    let speech = speech(&dir, "message", MESSAGE);
    let ex = SharedExchange::new(ExchangeConfig::default());
    let mut gw = gateway(&dir, &ex, VoicemailConfig::default());
    let mut caller = Caller::new(&ex, "0897654321", "200", speech.clone(), Then::Silence);
    caller.line_impairments.law = Some(Law::ALaw); // a real phone path: G.711 both ways
    let r = run(&ex, &mut gw, &mut caller, Duration::from_secs(60));
    assert!(caller.heard_beep, "the caller heard the beep");
    assert!(
        caller.cleared_by_gateway,
        "the gateway hung up after silence"
    );
    assert_eq!(r.received.len(), 1);
    let rec = record(&gw, r.received[0]);
    let m = &rec.message;
    assert_eq!(m.service, Service::Voice);
    assert_eq!(m.status, Status::Received);
    assert_eq!(m.recipient_address.as_deref(), Some("anna@example.com"));
    assert_eq!(m.recipient_number.as_deref(), Some("+49891234200"));
    assert_eq!(m.caller_number.as_deref(), Some("+49897654321"));
    assert_eq!(m.end_reason.as_deref(), Some("silence"));
    assert_eq!(
        m.status_reason, None,
        "silence is how a message ends: complete"
    );

    let pcm = recording(&rec);
    let spoken = speech.len() as f64 / 8000.0;
    let got = pcm.duration_secs();
    assert!(
        (got - spoken).abs() <= 0.5,
        "recorded {got:.2} s of a {spoken:.2} s message"
    );
    assert_eq!(m.duration_secs, got.round() as u32);
    let ratio = energy(&pcm.samples) / energy(&speech);
    eprintln!(
        "recorded {got:.2} s of {spoken:.2} s, energy ratio {ratio:.3}, call {:?}",
        r.elapsed
    );
    assert!(
        (0.85..1.15).contains(&ratio),
        "energy ratio {ratio:.3} (G.711 A-law both ways)"
    );
    // The silence timeout did not eat the call: it took the speech plus about 5 s.
    assert!(r.elapsed.as_secs_f64() < spoken + 9.0);

    // Mailed: RFC 3458 voice-message with the WAV.
    let notifier = Notifier::new(
        ReportConfig::new("ums.example.com", "example.com"),
        DeliveryMode::Mail,
    );
    let store = gw.store().clone();
    assert!(notifier
        .deliver_incoming(&store, m.id, Language::En, T0)
        .unwrap());
    let queued = store.pending_mail().unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].recipients, ["anna@example.com"]);
    let mail = MessageParser::default().parse(&queued[0].data).unwrap();
    assert_eq!(
        mail.header("Message-Context").and_then(|h| h.as_text()),
        Some("voice-message")
    );
    let text = mail.body_text(0).unwrap();
    assert!(text.contains("+49897654321"), "caller id in the report");
    let shown = format!("0:{:02} min", m.duration_secs);
    assert!(
        text.contains(&shown),
        "duration {shown} in the report: {text}"
    );
    let wav = mail
        .attachments()
        .find(|a| a.content_type().is_some_and(|c| c.ctype() == "audio"))
        .expect("audio attachment");
    assert_eq!(
        wav.content_type().unwrap().subtype(),
        Some("wav"),
        "audio/wav"
    );
    let kept = std::fs::read(m.document.as_ref().unwrap()).unwrap();
    assert!(wav.contents() == kept.as_slice());
    let secs = soxi_duration(wav.contents(), &dir);
    assert!((secs - got).abs() < 0.01, "soxi says {secs}");
    assert!((secs - spoken).abs() <= 0.5);

    let py = python(&queued[0].data);
    let part = py["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"] == "audio/wav")
        .expect("Python sees audio/wav");
    assert_eq!(part["disposition"], "attachment");
    assert!(part["filename"].as_str().unwrap().ends_with(".wav"));

    assert_eq!(record(&gw, m.id).message.status, Status::Delivered);

    // Local-store mode keeps it in the journal: no mail.
    let local = Notifier::new(
        ReportConfig::new("ums.example.com", "example.com"),
        DeliveryMode::LocalStore,
    );
    let mut again = record(&gw, m.id);
    again.message.status = Status::Received;
    store.update(&again, "test: undelivered").unwrap();
    assert!(!local
        .deliver_incoming(&store, m.id, Language::En, T0)
        .unwrap());
    assert_eq!(store.pending_mail().unwrap().len(), 1, "no second mail");
    assert_eq!(record(&gw, m.id).message.status, Status::Received);

    // German report too.
    let de = Notifier::new(
        ReportConfig::new("ums.example.com", "example.com"),
        DeliveryMode::Mail,
    );
    let mut rec2 = record(&gw, m.id);
    rec2.message.status = Status::Received;
    let mail = de
        .incoming(
            &rec2.message,
            kernel::report::Media::Voice { wav: Some(&kept) },
            Language::De,
            T0,
        )
        .unwrap();
    let parsed = MessageParser::default().parse(&mail.data).unwrap();
    assert!(parsed
        .subject()
        .unwrap()
        .starts_with("Sprachnachricht von +49897654321"));
}

fn ended_by_key(then: Then) {
    let dir = Scratch::new(&format!("{then:?}"));
    let speech = speech(&dir, "short", "Please call me back at the office.");
    let ex = SharedExchange::new(ExchangeConfig::default());
    let mut gw = gateway(&dir, &ex, VoicemailConfig::default());
    let mut caller = Caller::new(&ex, "0897654321", "200", speech.clone(), then);
    let r = run(&ex, &mut gw, &mut caller, Duration::from_secs(60));
    assert!(caller.cleared_by_gateway, "the gateway hung up on #");
    // Ended by the key, not by 5 s of silence.
    let spoken = speech.len() as f64 / 8000.0;
    assert!(
        r.elapsed.as_secs_f64() < spoken + 3.5,
        "ended {:?} after a {spoken:.2} s message",
        r.elapsed
    );
    assert_eq!(r.received.len(), 1);
    let rec = record(&gw, r.received[0]);
    assert_eq!(rec.message.end_reason.as_deref(), Some("end key"));
    assert_eq!(rec.message.status_reason, None, "complete, not cut");
    let pcm = recording(&rec);
    eprintln!(
        "{then:?}: recorded {:.2} s of {spoken:.2} s, call {:?}",
        pcm.duration_secs(),
        r.elapsed
    );
    assert!((pcm.duration_secs() - spoken).abs() <= 0.5);
    // The key's tones are not in the message: its tail is what the caller
    // said (or silence), not a loud 941+1477 Hz pair.
    let tail = &pcm.samples[pcm.samples.len().saturating_sub(800)..];
    let mut f = SILENCE;
    f.copy_from_slice(&tail[tail.len() - FRAME_SAMPLES..]);
    assert!(tone_share(&f, 1477.0) < 0.2, "no DTMF at the end");
}

#[test]
fn hash_as_rfc4733_event_ends_the_recording() {
    ended_by_key(Then::HashEvent);
}

#[test]
fn hash_as_inband_tones_ends_the_recording_and_is_cut_out() {
    ended_by_key(Then::HashInband);
}

#[test]
fn hanging_up_ends_the_recording_and_keeps_it() {
    let dir = Scratch::new("hangup");
    let speech = speech(&dir, "bye", "I will try again later. Bye.");
    let ex = SharedExchange::new(ExchangeConfig::default());
    let mut gw = gateway(&dir, &ex, VoicemailConfig::default());
    let mut caller = Caller::new(&ex, "0897654321", "200", speech.clone(), Then::HangUp);
    let r = run(&ex, &mut gw, &mut caller, Duration::from_secs(60));
    assert!(!caller.cleared_by_gateway);
    assert_eq!(r.received.len(), 1);
    let rec = record(&gw, r.received[0]);
    assert_eq!(rec.message.end_reason.as_deref(), Some("caller hung up"));
    assert_eq!(rec.message.status_reason, None, "complete, not cut");
    let pcm = recording(&rec);
    assert!((pcm.duration_secs() - speech.len() as f64 / 8000.0).abs() <= 0.5);
}

/// A message cut by the length limit is kept, and marked incomplete (the
/// one way, with a line that stops delivering audio, that a voicemail is
/// not complete).
#[test]
fn a_message_cut_at_the_length_limit_is_kept_and_marked_incomplete() {
    let dir = Scratch::new("maxlen");
    let speech = speech(
        &dir,
        "long",
        "This message goes on and on, longer than the mailbox takes.",
    );
    let ex = SharedExchange::new(ExchangeConfig::default());
    let config = VoicemailConfig {
        max_length: Duration::from_secs(2),
        ..VoicemailConfig::default()
    };
    let mut gw = gateway(&dir, &ex, config);
    let mut caller = Caller::new(&ex, "0897654321", "200", speech, Then::HangUp);
    let r = run(&ex, &mut gw, &mut caller, Duration::from_secs(60));
    assert_eq!(r.received.len(), 1);
    let m = record(&gw, r.received[0]).message;
    assert_eq!(m.end_reason.as_deref(), Some("maximum length reached"));
    assert_eq!(
        m.status_reason.as_deref(),
        Some("recording ended: maximum length reached")
    );
}

#[test]
fn a_silent_call_is_dropped() {
    let dir = Scratch::new("silent");
    let ex = SharedExchange::new(ExchangeConfig::default());
    let mut gw = gateway(&dir, &ex, VoicemailConfig::default());
    let mut caller = Caller::new(&ex, "0897654321", "200", Vec::new(), Then::Silence);
    let r = run(&ex, &mut gw, &mut caller, Duration::from_secs(60));
    assert!(caller.heard_beep && caller.cleared_by_gateway);
    assert!(r.received.is_empty(), "nothing stored");
    assert_eq!(gw.voice_dropped(), 1);
    assert!(gw.store().pending_mail().unwrap().is_empty());
}

#[test]
fn a_too_short_message_is_dropped_by_the_configured_rule() {
    let dir = Scratch::new("short");
    let word = speech(&dir, "hi", "Hi.");
    let spoken = word.len() as f64 / 8000.0;
    assert!(spoken < 1.5, "espeak's 'Hi.' is short: {spoken}");
    let strict = VoicemailConfig {
        min_duration: Duration::from_secs(2),
        ..VoicemailConfig::default()
    };
    let ex = SharedExchange::new(ExchangeConfig::default());
    let mut gw = gateway(&dir, &ex, strict);
    let mut caller = Caller::new(&ex, "0897654321", "200", word.clone(), Then::HangUp);
    let r = run(&ex, &mut gw, &mut caller, Duration::from_secs(60));
    assert!(r.received.is_empty());
    assert_eq!(gw.voice_dropped(), 1);

    // The same word is kept with a rule that allows it.
    let dir = Scratch::new("short-kept");
    let lenient = VoicemailConfig {
        min_duration: Duration::from_millis(300),
        min_active: Duration::from_millis(200),
        ..VoicemailConfig::default()
    };
    let ex = SharedExchange::new(ExchangeConfig::default());
    let mut gw = gateway(&dir, &ex, lenient);
    let mut caller = Caller::new(&ex, "0897654321", "200", word, Then::HangUp);
    let r = run(&ex, &mut gw, &mut caller, Duration::from_secs(60));
    assert_eq!(r.received.len(), 1);
}

#[test]
fn an_auto_detect_number_takes_a_voice_call() {
    let dir = Scratch::new("auto-voice");
    let speech = speech(&dir, "office", MESSAGE);
    let ex = SharedExchange::new(ExchangeConfig::default());
    let mut gw = gateway(&dir, &ex, VoicemailConfig::default());
    let mut caller = Caller::new(&ex, "0897654321", "300", speech.clone(), Then::Silence);
    let r = run(&ex, &mut gw, &mut caller, Duration::from_secs(60));
    assert_eq!(r.received.len(), 1);
    let rec = record(&gw, r.received[0]);
    assert_eq!(rec.message.service, Service::Voice);
    assert_eq!(
        rec.message.recipient_address.as_deref(),
        Some("office@example.com")
    );
    let pcm = recording(&rec);
    assert!((pcm.duration_secs() - speech.len() as f64 / 8000.0).abs() <= 0.5);
    assert_eq!(gw.voice_switched_to_fax(), 0, "speech is not CNG");
}

#[test]
fn an_auto_detect_number_receives_a_fax_from_a_real_fax_sender() {
    let dir = Scratch::new("auto-fax");
    let ex = SharedExchange::new(ExchangeConfig::default());
    let mut gw = gateway(&dir, &ex, VoicemailConfig::default());
    // The sender: another kernel runner with a fax job (spandsp T.30
    // calling terminal, which sends CNG).
    let remote_dir = dir.join("remote");
    std::fs::create_dir_all(&remote_dir).unwrap();
    let pages: Vec<_> = (0..2)
        .map(|i| {
            let p = BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(Resolution::Standard),
                Resolution::Standard,
                7 + i,
            );
            fax_t30::tiff::TiffPage::from_page(&p, fax_t30::codec::Compression::T6)
        })
        .collect();
    let doc = remote_dir.join("doc.tif");
    fax_t30::tiff::write_tiff_file(&doc, &pages, &Default::default()).unwrap();
    let remote_line: Box<dyn Line> = Box::new(ex.add_line("0897654321", LineCaps::FAX).unwrap());
    let mut remote = Runner::new(
        Store::open(&remote_dir.join("store")).unwrap(),
        RunnerConfig::default(),
        vec![remote_line.into()],
        T0,
    )
    .unwrap();
    let id = remote.store().next_id().unwrap();
    remote
        .submit(vec![outgoing_fax(id, "300", doc, 2, T0)])
        .unwrap();

    let mut media = origin();
    let mut now = T0;
    let mut received = Vec::new();
    for _ in 0..(180 * 50) {
        ex.tick(media);
        remote.tick(media, now).unwrap();
        gw.tick(media, now).unwrap();
        received.extend(gw.take_handoffs().into_iter().filter_map(Handoff::received));
        if remote.open_jobs() == 0 && !received.is_empty() {
            break;
        }
        media += FRAME_DURATION;
        now = Timestamp(now.0 + 20);
    }
    assert_eq!(remote.open_jobs(), 0, "the fax job finished");
    let sent = remote.store().get(id).unwrap().unwrap();
    assert_eq!(
        sent.message.status,
        Status::Sent,
        "{:?}",
        sent.message.status_reason
    );
    assert_eq!(received.len(), 1);
    let rec = record(&gw, received[0]);
    assert_eq!(rec.message.service, Service::Fax);
    assert_eq!(rec.message.pages, 2);
    assert_eq!(
        rec.message.recipient_address.as_deref(),
        Some("office@example.com")
    );
    assert_eq!(gw.voice_dropped(), 0);
    assert_eq!(gw.voice_switched_to_fax(), 1, "answered as voice, then fax");
}

#[test]
fn a_mailbox_greeting_is_played_and_a_broken_one_falls_back() {
    let dir = Scratch::new("greeting");
    // anna's greeting as espeak writes it: 22.05 kHz, read and resampled by us.
    let file = dir.join("anna.wav");
    let ok = Command::new("espeak-ng")
        .args(["-v", "en", "-w"])
        .arg(&file)
        .arg("You have reached Anna Amsel. Please leave a message after the tone.")
        .status()
        .unwrap();
    assert!(ok.success());
    let pcm = read_wav(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(pcm.rate, 22050);
    let greeting_secs = pcm.duration_secs();
    let broken = dir.join("broken.wav");
    std::fs::write(&broken, b"RIFF....WAVEjunk").unwrap();

    let beep_after = |greetings: Vec<(&str, &Path)>, name: &str| {
        let dir = Scratch::new(name);
        let ex = SharedExchange::new(ExchangeConfig::default());
        let voice = VoiceSettings {
            greetings: greetings
                .into_iter()
                .map(|(k, p)| (k.to_string(), p.to_path_buf()))
                .collect(),
            ..VoiceSettings::default()
        };
        let mut gw = gateway_with(&dir, &ex, voice);
        let mut caller = Caller::new(&ex, "0897654321", "200", Vec::new(), Then::HangUp);
        run(&ex, &mut gw, &mut caller, Duration::from_secs(60));
        assert!(caller.heard_beep);
        f64::from(caller.ticks_to_beep) * 0.02
    };
    let builtin = beep_after(Vec::new(), "greeting-builtin");
    let own = beep_after(vec![("anna@example.com", file.as_path())], "greeting-own");
    let fallback = beep_after(
        vec![("anna@example.com", broken.as_path())],
        "greeting-broken",
    );
    let prompt = kernel::voice::prompt::default_greeting().len() as f64 / 8000.0;
    let beep = kernel::voice::prompt::beep().len() as f64 / 8000.0;
    eprintln!("beep after {builtin:.2} s (built-in), {own:.2} s (own {greeting_secs:.2} s), {fallback:.2} s");
    assert!(
        (builtin - (prompt + beep)).abs() < 0.15,
        "built-in {builtin}"
    );
    assert!((own - (greeting_secs + beep)).abs() < 0.15, "own {own}");
    assert!(
        (fallback - builtin).abs() < 0.05,
        "broken file: built-in played"
    );
}

#[test]
fn a_noisy_attenuated_line_with_delay_still_ends_on_silence() {
    let dir = Scratch::new("noisy");
    let speech = speech(&dir, "noisy", MESSAGE);
    let ex = SharedExchange::new(ExchangeConfig::default());
    let mut gw = gateway(&dir, &ex, VoicemailConfig::default());
    let mut caller = Caller::new(&ex, "0897654321", "200", speech.clone(), Then::Silence);
    caller.line_impairments = Impairments {
        latency_frames: 8,
        law: Some(Law::ALaw),
        snr_db: Some(40.0), // noise floor at -53 dBm0
        attenuation_db: 6.0,
        seed: 7,
        ..Impairments::CLEAN
    };
    let r = run(&ex, &mut gw, &mut caller, Duration::from_secs(60));
    assert!(
        caller.cleared_by_gateway,
        "silence detected above the noise floor"
    );
    assert_eq!(r.received.len(), 1);
    let pcm = recording(&record(&gw, r.received[0]));
    let spoken = speech.len() as f64 / 8000.0;
    let ratio = energy(&pcm.samples) / energy(&speech);
    eprintln!(
        "noisy: recorded {:.2} s of {spoken:.2} s, energy ratio {ratio:.3}",
        pcm.duration_secs()
    );
    assert!((pcm.duration_secs() - spoken).abs() <= 0.5);
    // 6 dB of loss is a quarter of the energy.
    assert!((0.2..0.3).contains(&ratio), "energy ratio {ratio:.3}");
}

#[test]
fn lines_without_voice_refuse_voicemail_and_answer_auto_detect_as_fax() {
    let dir = Scratch::new("fax-only-lines");
    let ex = SharedExchange::new(ExchangeConfig::default());
    let mut gw = gateway_on(&dir, &ex, VoiceSettings::default(), LineCaps::AUDIO_FAX);
    let mut caller = Caller::new(&ex, "0897654321", "200", Vec::new(), Then::Silence);
    let mut cause = None;
    let mut media = origin();
    let mut heard_ced = 0;
    for _ in 0..100 {
        ex.tick(media);
        if caller.call.is_none() {
            caller.call = Some(caller.line.dial("200", MediaKind::Audio, media).unwrap());
        }
        while let Some(ev) = caller.line.poll_event() {
            if let LineEvent::HungUp { cause: c, .. } = ev {
                cause = Some(c);
            }
        }
        gw.tick(media, T0).unwrap();
        media += FRAME_DURATION;
    }
    assert_eq!(
        cause,
        Some(HangupCause::UserBusy),
        "voice-only number refused"
    );

    // 300 (auto-detect) is answered by a fax receiver: the caller hears CED.
    let call = caller.line.dial("300", MediaKind::Audio, media).unwrap();
    for _ in 0..150 {
        ex.tick(media);
        while let Some(ev) = caller.line.poll_event() {
            if let LineEvent::Media {
                media: Media::Audio(f),
                ..
            } = ev
            {
                if tone_share(&f, 2100.0) > 0.6 {
                    heard_ced += 1;
                }
                assert!(tone_share(&f, BEEP_HZ) < 0.6, "no voicemail beep");
            }
        }
        let _ = caller.line.send(call, Media::Audio(SILENCE), media);
        gw.tick(media, T0).unwrap();
        media += FRAME_DURATION;
    }
    assert!(heard_ced > 50, "CED heard for {heard_ced} frames");
}
