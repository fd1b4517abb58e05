//! The runner's side of voicemail: answer a voice or auto-detect call, run
//! the [`VoicemailEngine`] on the line's audio, hand a fax caller over to a
//! fax receiver, and store a recording as an incoming voice message (WAV in
//! the spool, `Service::Voice` in the journal).

use std::time::Instant;

use line_drivers::{CallId, FaxCall, FaxRole, HangupCause, LineEvent, Media, MediaKind};

use super::inbound::{receive_file, receive_options, Receiving};
use super::incoming::{incoming_message, Arrival};
use super::{CallState, InboundConfig, Runner, Slot};
use crate::message::{Service, Timestamp};
use crate::routing::AnswerMode;
use crate::store::StoreError;
use crate::voice::{wav, VoiceSettings, VoicemailEngine, VoicemailEvent};

/// A voice (or not yet detected) call on a line.
pub(super) struct VoiceCall {
    pub call: CallId,
    pub caller: Option<String>,
    called: String,
    engine: VoicemailEngine,
    pub started: Timestamp,
    /// The far end hung up: no hang-up to send.
    gone: bool,
}

impl VoiceCall {
    /// We hung up (an operator): the recording ends as if the caller had.
    pub fn hung_up_by_us(&mut self) {
        self.gone = true;
        self.engine.handle_hangup();
    }

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
        let CallState::Voice(vc) = &mut slot.state else {
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
        let CallState::Voice(vc) = std::mem::replace(&mut slot.state, CallState::Idle) else {
            return Ok(());
        };
        let line_name = slot.line.id().0.clone();
        match outcome {
            VoicemailEvent::FaxDetected => {
                match self
                    .inbound
                    .as_ref()
                    .map(|cfg| fax_takeover(cfg, &line_name, &vc))
                {
                    Some(Ok(r)) => {
                        self.slots[i].state = CallState::Receiving(r);
                        self.voice_to_fax += 1;
                    }
                    other => {
                        if let Some(Err(e)) = other {
                            eprintln!("<3>ums: fax receiver for call on {line_name}: {e}");
                        }
                        if !vc.gone {
                            self.slots[i].line.hangup(
                                vc.call,
                                HangupCause::TemporaryFailure,
                                media_now,
                            );
                        }
                    }
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
        let arrival = Arrival {
            service: Service::Voice,
            caller: vc.caller.as_deref(),
            called: &vc.called,
            line: &line_name,
            started: vc.started,
        };
        let mut m = incoming_message(cfg, id, &arrival, now);
        m.duration_secs = recording.duration().as_secs_f64().round() as u32;
        // Silence, the end key and hanging up are how a message ends; only
        // a recording cut by the length limit or a line that stopped
        // delivering audio is incomplete.
        m.end_reason = Some(recording.ended_by.text().to_string());
        if !recording.ended_by.is_complete() {
            m.status_reason = Some(format!("recording ended: {}", recording.ended_by.text()));
        }
        // The WAV is on disk (file and directory) before the record that
        // points at it.
        let path = cfg.spool.join(format!("{id}.wav"));
        self.store.failpoint("before:received-document");
        match crate::durable::write(&path, &wav::write_wav_8k(&recording.samples)) {
            Ok(()) => m.document = Some(path.display().to_string()),
            Err(e) => {
                eprintln!("<3>ums: voice message {id}: {e}");
                m.status_reason = Some(format!("recording not saved: {e}"));
            }
        }
        self.store.failpoint("after:received-document");
        self.store_incoming(m)?;
        Ok(())
    }
}

/// A fax receiver for a call that is already answered (auto-detect heard
/// CNG): it starts with CED and DIS, as if it had just picked up.
fn fax_takeover(cfg: &InboundConfig, line_name: &str, vc: &VoiceCall) -> Result<Receiving, String> {
    let role = FaxRole::Receive {
        file: receive_file(cfg, line_name, vc.call),
    };
    let fax = FaxCall::answered(vc.call, MediaKind::Audio, role, receive_options(cfg))?;
    Ok(Receiving {
        fax,
        caller: vc.caller.clone(),
        called: vc.called.clone(),
        started: vc.started,
        progress: Default::default(),
    })
}
