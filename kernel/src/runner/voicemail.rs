//! The runner's side of voicemail: answer a voice or auto-detect call, run
//! the [`VoicemailEngine`] on the line's audio, hand a fax caller over to a
//! fax receiver, and store a recording as an incoming voice message (WAV in
//! the spool, `Service::Voice` in the journal).

use std::time::Instant;

use fax_t30::{Document, FaxOptions, FaxSession, Transport};
use line_drivers::{CallId, HangupCause, LineEvent, Media};

use super::{file_safe, InboundCall, InboundConfig, Runner, Slot};
use crate::message::{Direction, Message, Service, Timestamp};
use crate::routing::AnswerMode;
use crate::store::{Record, StoreError};
use crate::voice::{wav, VoiceSettings, VoicemailEngine, VoicemailEvent};

/// A voice (or not yet detected) call on a line.
pub(super) struct VoiceCall {
    pub call: CallId,
    caller: Option<String>,
    called: String,
    engine: VoicemailEngine,
    started: Timestamp,
    /// The far end hung up: no hang-up to send.
    gone: bool,
}

impl VoiceCall {
    pub fn handle_event(&mut self, ev: LineEvent) {
        match ev {
            LineEvent::Media {
                media: Media::Audio(frame),
                ..
            } => self.engine.handle_audio(&frame),
            LineEvent::Media {
                media: Media::Dtmf(d),
                ..
            } => self.engine.handle_dtmf(d.digit()),
            LineEvent::HungUp { .. } => {
                self.gone = true;
                self.engine.handle_hangup();
            }
            _ => {}
        }
    }
}

/// How to answer an audio call to `called` on this slot's line: a line
/// that cannot carry voice answers auto-detect numbers as fax and refuses
/// voice-only numbers (returned as `Voice`, and `start` declines it).
pub(super) fn answer_mode(cfg: &InboundConfig, slot: &Slot, called: &str) -> AnswerMode {
    let mode = cfg.router.answer_mode_raw(called, None);
    match mode {
        AnswerMode::AutoDetect if !slot.line.caps().voice => AnswerMode::Fax,
        m => m,
    }
}

/// Answer as voicemail (greeting of the routed mailbox).
#[allow(clippy::too_many_arguments)]
pub(super) fn start(
    cfg: &InboundConfig,
    settings: &VoiceSettings,
    slot: &mut Slot,
    call: CallId,
    caller: Option<String>,
    called: String,
    mode: AnswerMode,
    media_now: Instant,
    now: Timestamp,
) -> Option<VoiceCall> {
    if !slot.line.caps().voice {
        return None;
    }
    let route = cfg.router.route_raw(&called, None, Service::Voice);
    let (greeting, error) = settings.greeting_for(route.user.as_deref(), &route.mailbox);
    if let Some(e) = error {
        eprintln!("<4>ums: {e}; playing the next greeting instead");
    }
    let engine = VoicemailEngine::new(
        settings.engine.clone(),
        greeting,
        mode == AnswerMode::AutoDetect,
    )
    .ok()?;
    slot.line.answer(call, media_now).ok()?;
    Some(VoiceCall {
        call,
        caller,
        called,
        engine,
        started: now,
        gone: false,
    })
}

impl Runner {
    /// Voicemail calls dropped as too short or silent (for the metrics).
    pub fn voice_dropped(&self) -> u64 {
        self.voice_dropped
    }

    /// Auto-detect calls handed to fax reception on CNG.
    pub fn voice_switched_to_fax(&self) -> u64 {
        self.voice_to_fax
    }

    /// Take voice and auto-detect calls (numbers routed to voicemail by
    /// [`AnswerMode`]). Needs [`Runner::with_inbound`] too.
    pub fn with_voice(mut self, settings: VoiceSettings) -> Runner {
        self.voice = Some(settings);
        self
    }

    /// Drive a voicemail call one tick; store what it recorded.
    pub(super) fn tick_voice(
        &mut self,
        i: usize,
        media_now: Instant,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let slot = &mut self.slots[i];
        let Some(vc) = slot.voice.as_mut() else {
            return Ok(());
        };
        if !vc.engine.is_finished() {
            let frame = vc.engine.poll_audio();
            if !vc.gone {
                let _ = slot.line.send(vc.call, Media::Audio(frame), media_now);
            }
        }
        let mut outcome = None;
        while let Some(ev) = vc.engine.poll_event() {
            match ev {
                VoicemailEvent::RecordingStarted => {}
                other => outcome = Some(other),
            }
        }
        let Some(outcome) = outcome else {
            return Ok(());
        };
        let vc = slot.voice.take().expect("checked");
        let line_name = slot.line.id().0.clone();
        match outcome {
            VoicemailEvent::FaxDetected => {
                if let Some(inb) = self
                    .inbound
                    .as_ref()
                    .and_then(|cfg| fax_takeover(cfg, &line_name, &vc))
                {
                    self.slots[i].inbound = Some(inb);
                    self.voice_to_fax += 1;
                } else if !vc.gone {
                    self.slots[i]
                        .line
                        .hangup(vc.call, HangupCause::TemporaryFailure, media_now);
                }
            }
            VoicemailEvent::Recorded(recording) => {
                if !vc.gone {
                    self.slots[i]
                        .line
                        .hangup(vc.call, HangupCause::NormalClearing, media_now);
                }
                self.store_recording(vc, recording, line_name, now)?;
            }
            VoicemailEvent::Dropped(_) | VoicemailEvent::RecordingStarted => {
                self.voice_dropped += 1;
                if !vc.gone {
                    self.slots[i]
                        .line
                        .hangup(vc.call, HangupCause::NormalClearing, media_now);
                }
            }
        }
        Ok(())
    }

    fn store_recording(
        &mut self,
        vc: VoiceCall,
        recording: crate::voice::Recording,
        line_name: String,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let Some(cfg) = self.inbound.as_ref() else {
            return Ok(());
        };
        let id = self.store.next_id()?;
        let mut m = Message::new(id, Direction::Incoming, Service::Voice, vc.started);
        m.caller_number = vc.caller.as_deref().map(|raw| {
            cfg.plan
                .normalize_caller(raw, None)
                .map_or_else(|| raw.to_string(), |n| n.as_str().to_string())
        });
        let called = cfg.plan.normalize_called(&vc.called, None);
        let route = match &called {
            Some(n) => cfg.router.route(n, Service::Voice),
            None => cfg.router.route_raw(&vc.called, None, Service::Voice),
        };
        m.recipient_number = Some(called.map_or(vc.called.clone(), |n| n.as_str().to_string()));
        m.recipient_address = Some(route.mailbox.clone());
        m.user = route.user.clone();
        m.unrouted = route.unrouted;
        m.duration_secs = recording.duration().as_secs_f64().round() as u32;
        m.line = Some(line_name);
        m.updated_at = now;
        m.completed_at = Some(now);
        m.status_reason = Some(format!("recording ended: {}", recording.ended_by.text()));
        // The WAV is on disk (synced) before the record that points at it.
        let path = cfg.spool.join(format!("{id}.wav"));
        let written = write_synced(&path, &wav::write_wav_8k(&recording.samples));
        match written {
            Ok(()) => m.document = Some(path.display().to_string()),
            Err(e) => {
                eprintln!("<3>ums: voice message {id}: {}: {e}", path.display());
                m.status_reason = Some(format!("recording not saved: {e}"));
            }
        }
        self.store.insert_batch(&[Record {
            message: m,
            job: None,
        }])?;
        self.received.push(id);
        Ok(())
    }
}

fn write_synced(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// A fax receiver for a call that is already answered (auto-detect heard
/// CNG): it starts with CED and DIS, as if it had just picked up.
fn fax_takeover(cfg: &InboundConfig, line_name: &str, vc: &VoiceCall) -> Option<InboundCall> {
    let call = vc.call;
    let options = FaxOptions {
        calling_party: false,
        ident: cfg.ident.clone(),
        ..FaxOptions::default()
    };
    let file = cfg
        .spool
        .join(format!("rx-{}-{}.tif", file_safe(line_name), call.0));
    let session =
        FaxSession::new(&options, Transport::Audio, Document::Receive(file.clone())).ok()?;
    Some(InboundCall {
        call,
        caller: vc.caller.clone(),
        called: vc.called.clone(),
        file,
        session,
        started: vc.started,
        options,
        parts: Vec::new(),
    })
}
