//! The SIP side of a channel's call: re-INVITEs (T.38 switch, fallback,
//! refresh), requests and responses of its dialog, transaction timeouts.

use std::net::SocketAddr;
use std::time::Instant;

use rand::Rng as _;
use sip::call::{called_number, caller_id, InviteOutcome};
use sip::dialog::glare_retry_after;
use sip::endpoint::{EndpointEvent, TxId};
use sip::media::srtp_log::RefusalLog;
use sip::sdp::offer_answer::{self, Negotiated};
use sip::sdp::t38::{FaxTransport, SwitchAction, T38Switch};
use sip::sdp::SessionDescription;
use sip::wire;
use sip::{Request, Response};

use super::cause::{cause_from_reason, cause_from_status};
use super::media::MediaState;
use super::{Call, CallState, PendingReinvite, ReinviteKind, SipLine, T38Policy};
use crate::cause::HangupCause;
use crate::line::{CallId, CallProgress, Line, LineEvent, MediaKind};

/// Glares (491 to our re-INVITE) a call retries after, at most.
const MAX_GLARES: u32 = 2;

impl SipLine {
    pub(super) fn send_reinvite(&mut self, kind: ReinviteKind, now: Instant) {
        if kind == ReinviteKind::ToAudio {
            // A new audio session: a key never used with these SSRC and
            // sequence numbers.
            self.fresh_srtp_key();
        }
        let local = self.local_media();
        let caps = self.cfg.media.clone();
        let Some(c) = self.call.as_mut() else { return };
        let CallState::Up { dialog } = &mut c.state else {
            return;
        };
        c.sdp_version += 1;
        let offer = match kind {
            ReinviteKind::ToT38 => match &caps.t38 {
                Some(p) => offer_answer::offer_t38(&local, p, c.sdp_version),
                None => return,
            },
            ReinviteKind::ToAudio => offer_answer::offer_audio(&local, &caps, c.sdp_version),
            ReinviteKind::Refresh => match &c.local_sdp {
                Some(s) => SessionDescription {
                    session_version: c.sdp_version,
                    ..s.clone()
                },
                None => offer_answer::offer_audio(&local, &caps, c.sdp_version),
            },
        };
        let Ok(req) = dialog.reinvite(&mut self.ids, offer.to_bytes()) else {
            return;
        };
        if kind == ReinviteKind::ToT38 {
            self.stats.t38_offers_sent += 1;
        }
        let tx = self.endpoint.send_request(req, c.remote_sip, now);
        c.pending = Some(PendingReinvite { tx, offer, kind });
        self.drain_endpoint(now);
    }

    pub(super) fn handle_sip(&mut self, e: EndpointEvent, now: Instant) {
        match e {
            EndpointEvent::Request { tx, request, from } => {
                self.handle_request(tx, request, from, now)
            }
            EndpointEvent::Response { tx, response } => self.handle_response(tx, response, now),
            EndpointEvent::Timeout { tx } => self.handle_tx_timeout(tx, now),
            EndpointEvent::Ack { .. } => {
                let offer_now = match self.call.as_mut() {
                    Some(c) if c.offer_t38_when_up => {
                        c.offer_t38_when_up = false;
                        Some(c.id)
                    }
                    _ => None,
                };
                if let Some(id) = offer_now {
                    self.request_t38(id, now);
                }
            }
            EndpointEvent::Cancelled { tx } => {
                if matches!(&self.call, Some(Call { state: CallState::Incoming { tx: t, .. }, .. }) if *t == tx)
                {
                    self.end_call(HangupCause::NoAnswer);
                }
            }
            EndpointEvent::Malformed { .. } => self.stats.sip_malformed += 1,
        }
    }

    pub(super) fn handle_request(
        &mut self,
        tx: TxId,
        req: Request,
        from: SocketAddr,
        now: Instant,
    ) {
        let method = wire::method(&req);
        let in_dialog = self.call.as_ref().is_some_and(|c| match &c.state {
            CallState::Up { dialog } => {
                wire::Core::of(&req).is_ok_and(|core| dialog.matches(&core, true))
            }
            _ => false,
        });
        match method.as_str() {
            "INVITE" if in_dialog => self.handle_reinvite(tx, req, now),
            "INVITE" => self.handle_invite(tx, req, from),
            "BYE" if in_dialog => {
                self.respond(tx, &req, 200, "OK", None, None, now);
                let cause = wire::header(&req, "Reason")
                    .and_then(|r| cause_from_reason(&r))
                    .unwrap_or(HangupCause::NormalClearing);
                self.record_transport();
                self.end_call(cause);
            }
            "OPTIONS" => self.respond(tx, &req, 200, "OK", None, None, now),
            "BYE" => self.respond(
                tx,
                &req,
                481,
                "Call/Transaction Does Not Exist",
                None,
                None,
                now,
            ),
            _ => self.respond(tx, &req, 501, "Not Implemented", None, None, now),
        }
    }

    pub(super) fn handle_invite(&mut self, tx: TxId, req: Request, from: SocketAddr) {
        if self.call.is_none() && self.fault.is_some() {
            // Out of service (no media sockets): the caller tries elsewhere.
            let tag = self.ids.tag();
            if let Ok(resp) =
                wire::response_to(&req, 503, "Service Unavailable", Some(&tag)).build_response()
            {
                let _ = self.endpoint.respond(tx, &resp, self.endpoint_time());
            }
            return;
        }
        if self.call.is_some() {
            if let Ok(resp) =
                wire::response_to(&req, 486, "Busy Here", Some(&self.ids.tag())).build_response()
            {
                // A busy line answers at once; the transaction layer needs a time
                // only for retransmissions, which an unreliable final response
                // gets on request retransmission.
                let _ = self.endpoint.respond(tx, &resp, self.endpoint_time());
            }
            return;
        }
        // An offer we cannot answer (no G.711, no T.38, SRTP against the
        // policy, unreadable SDP, or no SDP at all: offer-in-200 is not
        // supported) is refused here, before the owner hears of the call;
        // a Warning header carries the reason.
        self.fresh_srtp_key();
        let acceptable = SessionDescription::parse(req.body())
            .and_then(|o| offer_answer::answer(&o, &self.local_media(), &self.cfg.media, 1));
        if let Err(e) = acceptable {
            self.note_refusal(format!(
                "488 to the INVITE from {}: {e}",
                caller_id(&req).unwrap_or_else(|| "an unknown caller".into())
            ));
            let tag = self.ids.tag();
            let mut resp = wire::response_to(&req, 488, "Not Acceptable Here", Some(&tag));
            resp.push("Warning", warning(&self.cfg.sip_bind, &e.to_string()));
            if let Ok(resp) = resp.build_response() {
                let _ = self.endpoint.respond(tx, &resp, self.endpoint_time());
            }
            return;
        }
        let called = called_number(&req, self.cfg.called_from).unwrap_or_default();
        let caller = caller_id(&req);
        let id = CallId(self.next_call);
        self.next_call += 1;
        let local_tag = self.ids.tag();
        let remote_number = caller.clone().unwrap_or_default();
        let t38_enabled = self.cfg.media.t38.is_some()
            && self.cfg.t38_policy != T38Policy::Never
            && self.first_choice(&remote_number) == FaxTransport::T38;
        self.call = Some(Call {
            id,
            sip_call_id: wire::Core::of(&req).map(|c| c.call_id).unwrap_or_default(),
            remote_number,
            remote_sip: from,
            state: CallState::Incoming {
                tx,
                invite: req.clone(),
                local_tag: local_tag.clone(),
            },
            media: MediaState::None,
            local_sdp: None,
            sdp_version: 0,
            switch: T38Switch::new(t38_enabled, self.cfg.t38_packet_timeout),
            pending: None,
            answered_by_us: true,
            offer_t38_when_up: t38_enabled && self.cfg.t38_policy == T38Policy::Immediately,
            glare_retry: None,
            glares: 0,
            srtp_log: RefusalLog::default(),
        });
        let ringing = wire::response_to(&req, 180, "Ringing", Some(&local_tag));
        if let Ok(resp) = ringing.build_response() {
            let _ = self.endpoint.respond(tx, &resp, self.endpoint_time());
        }
        self.events.push_back(LineEvent::Incoming {
            call: id,
            caller,
            called,
            media: MediaKind::Audio,
        });
    }

    /// The time of the last tick or request (responses made while
    /// handling an event of that tick).
    pub(super) fn endpoint_time(&self) -> Instant {
        self.last_now
    }

    pub(super) fn handle_reinvite(&mut self, tx: TxId, req: Request, now: Instant) {
        if !matches!(
            self.call.as_ref().map(|c| &c.media),
            Some(MediaState::Audio(_))
        ) {
            // An offer back to audio starts a new SRTP session.
            self.fresh_srtp_key();
        }
        let local = self.local_media();
        let caps = self.cfg.media.clone();
        let Some(c) = self.call.as_mut() else { return };
        let CallState::Up { dialog } = &mut c.state else {
            return;
        };
        if let Err(refusal) = dialog.handle_request(&req) {
            let (code, reason) = refusal.status();
            self.respond(tx, &req, code, reason, None, None, now);
            return;
        }
        let offer = match SessionDescription::parse(req.body()) {
            Ok(o) => o,
            Err(_) => {
                self.respond(tx, &req, 400, "Bad SDP", None, None, now);
                return;
            }
        };
        c.sdp_version += 1;
        match offer_answer::answer(&offer, &local, &caps, c.sdp_version) {
            Ok((answer, negotiated)) => {
                let was = match c.media {
                    MediaState::Audio(_) => Some(MediaKind::Audio),
                    MediaState::T38(_) => Some(MediaKind::T38),
                    MediaState::None => None,
                };
                let is_t38 = matches!(negotiated, Negotiated::T38 { .. });
                let kind = if is_t38 {
                    MediaKind::T38
                } else {
                    MediaKind::Audio
                };
                if was == Some(kind) {
                    self.stats.refreshes += 1;
                } else if is_t38 {
                    self.stats.t38_accepted += 1;
                    c.switch.handle_peer_t38(now);
                }
                c.local_sdp = Some(answer.clone());
                self.respond(tx, &req, 200, "OK", None, Some(answer.to_bytes()), now);
                self.apply(&negotiated);
            }
            Err(_) => {
                self.stats.reinvites_refused += 1;
                self.respond(tx, &req, 488, "Not Acceptable Here", None, None, now);
            }
        }
    }

    pub(super) fn handle_response(&mut self, tx: TxId, resp: Response, now: Instant) {
        let Some(c) = self.call.as_mut() else { return };
        // Our re-INVITE.
        if c.pending.as_ref().is_some_and(|p| p.tx == tx) {
            self.handle_reinvite_response(resp, now);
            return;
        }
        let CallState::Outgoing {
            invite,
            tx: itx,
            offer,
        } = &mut c.state
        else {
            // A 2xx retransmission of the answered INVITE: ACK again.
            if let CallState::Up { dialog } = &c.state {
                let code = wire::status(&resp);
                if (200..300).contains(&code) && dialog.role == sip::dialog::Role::Uac {
                    if let Ok(core) = wire::Core::of(&resp) {
                        if core.cseq_method == "INVITE" {
                            if let Ok(ack) = dialog.ack(core.cseq, &mut self.ids) {
                                let to = c.remote_sip;
                                self.send_stateless(to, ack);
                            }
                        }
                    }
                }
            }
            return;
        };
        if *itx != tx {
            return;
        }
        let offer = offer.clone();
        match invite.handle_response(&resp, &mut self.ids) {
            InviteOutcome::Send(req) => {
                let to = c.remote_sip;
                let ntx = self.endpoint.send_request(req, to, now);
                if let CallState::Outgoing { tx, .. } = &mut c.state {
                    *tx = ntx;
                }
            }
            InviteOutcome::Provisional(code) => {
                if code == 180 || code == 183 {
                    let id = c.id;
                    self.events.push_back(LineEvent::Progress {
                        call: id,
                        progress: CallProgress::Ringing,
                    });
                }
            }
            InviteOutcome::Answered {
                dialog,
                ack,
                response,
            } => {
                let to = c.remote_sip;
                let number = c.remote_number.clone();
                c.state = CallState::Up { dialog };
                c.local_sdp = Some(offer.clone());
                let id = c.id;
                self.send_stateless(to, ack);
                let negotiated = SessionDescription::parse(response.body())
                    .and_then(|a| offer_answer::read_answer(&offer, &a, &self.cfg.media));
                match negotiated {
                    Ok(n) => {
                        self.apply(&n);
                        self.events.push_back(LineEvent::Progress {
                            call: id,
                            progress: CallProgress::Answered,
                        });
                    }
                    Err(e) => {
                        self.note_refusal(format!(
                            "call to {number} hung up, its answer is not acceptable: {e}"
                        ));
                        self.hangup(id, HangupCause::IncompatibleDestination, now);
                        self.events.push_back(LineEvent::HungUp {
                            call: id,
                            cause: HangupCause::IncompatibleDestination,
                        });
                    }
                }
            }
            InviteOutcome::Failed { code, .. } => {
                if sip::trunk::should_fail_over(code) {
                    self.trunk.borrow_mut().down_until = Some(now + self.cfg.hold_down);
                }
                if code == 488 || code == 606 {
                    // Our media refused: say which (a provider that wants
                    // SRTP from a trunk with srtp "off" ends here).
                    let number = c.remote_number.clone();
                    let srtp = match self.cfg.media.srtp {
                        sip::sdp::crypto::SrtpPolicy::Off => "off",
                        sip::sdp::crypto::SrtpPolicy::Optional => "optional",
                        sip::sdp::crypto::SrtpPolicy::Mandatory => "mandatory",
                    };
                    self.note_refusal(format!(
                        "call to {number} refused by the trunk with {}: our offer \
                         was not acceptable (srtp is \"{srtp}\" on this trunk{})",
                        resp.status_code,
                        if srtp == "off" {
                            "; the provider may require SRTP"
                        } else {
                            ""
                        }
                    ));
                }
                self.end_call(cause_from_status(code))
            }
        }
    }

    pub(super) fn handle_reinvite_response(&mut self, resp: Response, now: Instant) {
        let code = wire::status(&resp);
        if code < 200 {
            return;
        }
        let Some(c) = self.call.as_mut() else { return };
        let Some(p) = c.pending.take() else { return };
        let to = c.remote_sip;
        let CallState::Up { dialog } = &mut c.state else {
            return;
        };
        dialog.reinvite_done();
        if code == 491 && c.glares < MAX_GLARES {
            // Glare (RFC 3261 §14.1): both sides re-INVITEd at once. The
            // owner of the Call-ID (the caller, UAC of the dialog) tries
            // again after 2.1–4 s, the other side after 0–2 s, so the
            // other side's offer usually goes first.
            c.glares += 1;
            let delay = glare_retry_after(dialog.role, self.glare_rng.gen::<f64>());
            c.glare_retry = Some((now + delay, p.kind));
            self.stats.glare_retries += 1;
            if p.kind == ReinviteKind::ToT38 {
                // Back to audio in the switch, ready for the retry.
                let _ = c.switch.handle_offer_result(code, false, now, 0.0);
            }
            return;
        }
        let answer = if (200..300).contains(&code) {
            dialog.handle_reinvite_ok(&resp);
            if let Ok(core) = wire::Core::of(&resp) {
                if let Ok(ack) = dialog.ack(core.cseq, &mut self.ids) {
                    self.send_stateless(to, ack);
                }
            }
            SessionDescription::parse(resp.body()).ok()
        } else {
            None
        };
        let Some(c) = self.call.as_mut() else { return };
        let accepted_image = answer.as_ref().is_some_and(offer_answer::accepts_t38);
        match p.kind {
            ReinviteKind::ToT38 => {
                let action = c.switch.handle_offer_result(code, accepted_image, now, 0.5);
                match action {
                    SwitchAction::StartT38 => {
                        c.local_sdp = Some(p.offer.clone());
                        if let Some(n) = answer.and_then(|a| {
                            offer_answer::read_answer(&p.offer, &a, &self.cfg.media).ok()
                        }) {
                            self.apply(&n);
                        }
                    }
                    SwitchAction::RetryAfter(_) => {
                        // Not reached: a 491 is retried above (with the
                        // delay of our role) until MAX_GLARES, after
                        // which the switch gives up on its own.
                    }
                    _ => {
                        self.stats.t38_refused += 1;
                        self.record_transport();
                    }
                }
            }
            ReinviteKind::ToAudio | ReinviteKind::Refresh => {
                if (200..300).contains(&code) {
                    if p.kind == ReinviteKind::Refresh {
                        self.stats.refreshes += 1;
                    }
                    c.local_sdp = Some(p.offer.clone());
                    if let Some(n) = answer
                        .and_then(|a| offer_answer::read_answer(&p.offer, &a, &self.cfg.media).ok())
                    {
                        self.apply(&n);
                    }
                }
            }
        }
    }

    pub(super) fn handle_tx_timeout(&mut self, tx: TxId, now: Instant) {
        let Some(c) = self.call.as_mut() else { return };
        if c.pending.as_ref().is_some_and(|p| p.tx == tx) {
            // No answer to our re-INVITE: same as a refusal (code 0).
            let resp_code = 0;
            let p = c.pending.take();
            if let CallState::Up { dialog } = &mut c.state {
                dialog.reinvite_done();
            }
            if p.is_some_and(|p| p.kind == ReinviteKind::ToT38) {
                c.switch.handle_offer_result(resp_code, false, now, 0.5);
                self.stats.t38_refused += 1;
            }
            return;
        }
        match &mut c.state {
            CallState::Outgoing {
                invite, tx: itx, ..
            } if *itx == tx => {
                if let InviteOutcome::Failed { code, .. } = invite.handle_timeout() {
                    if sip::trunk::should_fail_over(code) {
                        self.trunk.borrow_mut().down_until = Some(now + self.cfg.hold_down);
                    }
                    self.end_call(cause_from_status(code));
                }
            }
            CallState::Up { .. } if c.answered_by_us => {
                // Our 2xx was never ACKed (timer H): the call is dead.
                let id = c.id;
                self.hangup(id, HangupCause::LocalTimeout, now);
                self.events.push_back(LineEvent::HungUp {
                    call: id,
                    cause: HangupCause::LocalTimeout,
                });
            }
            _ => {}
        }
    }

    pub(super) fn switch_timers(&mut self, now: Instant) {
        let Some(c) = self.call.as_mut() else { return };
        if let Some((_, kind)) = c.glare_retry.filter(|(at, _)| *at <= now) {
            if c.pending.is_none() {
                c.glare_retry = None;
                let send = match kind {
                    // Unless the peer's own offer switched the call meanwhile.
                    ReinviteKind::ToT38 => {
                        matches!(c.switch.handle_retry(), Some(SwitchAction::SendT38Offer))
                    }
                    ReinviteKind::ToAudio | ReinviteKind::Refresh => true,
                };
                if send {
                    self.send_reinvite(kind, now);
                }
            }
        }
        let Some(c) = self.call.as_mut() else { return };
        if c.switch.poll_timeout().is_some_and(|t| t <= now) {
            if let Some(SwitchAction::SendAudioOffer) = c.switch.handle_timeout(now) {
                self.stats.t38_timeouts += 1;
                self.record_transport();
                self.send_reinvite(ReinviteKind::ToAudio, now);
            }
        }
    }
}

/// A `Warning` header value (RFC 3261 §20.43, code 399: miscellaneous)
/// with the reason of a refusal; quotes and backslashes are dropped.
fn warning(host: &std::net::SocketAddr, text: &str) -> String {
    let text: String = text
        .chars()
        .filter(|c| !matches!(c, '"' | '\\') && !c.is_control())
        .take(200)
        .collect();
    format!("399 {} \"{text}\"", host.ip())
}
