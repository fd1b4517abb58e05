//! An outgoing INVITE from the UAC's point of view (RFC 3261 §13.2): the
//! digest retry on 401/407 (same Call-ID and From tag, CSeq plus one), the
//! dialog and the ACK on a 2xx, CANCEL once the far end has answered
//! provisionally, and whether a failure should move the call to the next
//! trunk. The caller sends what comes out through the endpoint.

use rsip::{Request, Response};

use crate::auth::{Challenge, Credentials, DigestClient};
use crate::dialog::{Dialog, LocalParty};
use crate::error::SipError;
use crate::transaction::cancel_for;
use crate::trunk::should_fail_over;
use crate::wire::{self, Core, IdGen};

/// What the caller does next with an outgoing INVITE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteOutcome {
    /// Send this request as a new client transaction (the INVITE again with
    /// credentials).
    Send(Request),
    /// The far end is ringing or in progress (status code).
    Provisional(u16),
    /// Answered: send `ack` outside any transaction (to the dialog's next
    /// hop); the 2xx carries the SDP answer.
    Answered {
        /// The dialog.
        dialog: Box<Dialog>,
        /// The ACK for the 2xx.
        ack: Request,
        /// The 2xx.
        response: Response,
    },
    /// The call failed with `code` (0: no answer at all).
    Failed {
        /// SIP status or 0.
        code: u16,
        /// Whether the next trunk should be tried.
        fail_over: bool,
    },
}

/// An outgoing INVITE until it is answered or fails.
#[derive(Debug)]
pub struct OutgoingInvite {
    current: Request,
    local: LocalParty,
    digest: Option<DigestClient>,
    auth_tries: u32,
    provisional: bool,
    done: bool,
}

impl OutgoingInvite {
    /// Starts from the INVITE (built with [`crate::dialog::new_request`]).
    /// Returns the engine and the INVITE to send.
    pub fn new(
        invite: Request,
        local: LocalParty,
        credentials: Option<Credentials>,
    ) -> (OutgoingInvite, Request) {
        let first = invite.clone();
        (
            OutgoingInvite {
                current: invite,
                local,
                digest: credentials.map(DigestClient::new),
                auth_tries: 0,
                provisional: false,
                done: false,
            },
            first,
        )
    }

    /// The INVITE currently in flight.
    pub fn request(&self) -> &Request {
        &self.current
    }

    /// A response on the current INVITE's transaction (2xx retransmissions
    /// included: each gets its ACK again).
    pub fn handle_response(&mut self, resp: &Response, ids: &mut IdGen) -> InviteOutcome {
        let code = wire::status(resp);
        match code {
            100..=199 => {
                self.provisional = true;
                InviteOutcome::Provisional(code)
            }
            200..=299 => {
                self.done = true;
                let result = Dialog::uac(&self.current, resp, self.local.clone()).and_then(|d| {
                    let cseq = Core::of(&self.current)?.cseq;
                    let ack = d.ack(cseq, ids)?;
                    Ok((d, ack))
                });
                match result {
                    Ok((dialog, ack)) => InviteOutcome::Answered {
                        dialog: Box::new(dialog),
                        ack,
                        response: resp.clone(),
                    },
                    // A 2xx we cannot build a dialog from (no Contact, no
                    // tag): treat as a failure of this trunk.
                    Err(_) => InviteOutcome::Failed {
                        code: 502,
                        fail_over: true,
                    },
                }
            }
            401 | 407 if self.digest.is_some() => {
                // A second challenge to an answered INVITE means the
                // password is wrong, unless only the nonce was stale.
                let stale = Challenge::from_response(resp).is_ok_and(|c| c.stale);
                if self.auth_tries >= 1 && !stale || self.auth_tries >= 3 {
                    return self.fail(code);
                }
                let answered = self
                    .digest
                    .as_mut()
                    .map(|d| d.authorize(&self.current, resp, ids));
                match answered {
                    Some(Ok(next)) => {
                        self.auth_tries += 1;
                        self.provisional = false;
                        self.current = next.clone();
                        InviteOutcome::Send(next)
                    }
                    _ => self.fail(code),
                }
            }
            _ => self.fail(code),
        }
    }

    fn fail(&mut self, code: u16) -> InviteOutcome {
        self.done = true;
        InviteOutcome::Failed {
            code,
            fail_over: should_fail_over(code),
        }
    }

    /// The INVITE transaction timed out (timer B).
    pub fn handle_timeout(&mut self) -> InviteOutcome {
        self.fail(0)
    }

    /// A CANCEL for the pending INVITE (§9.1: only after a provisional
    /// response; before that, wait for one).
    pub fn cancel(&self) -> Result<Request, SipError> {
        if self.done || !self.provisional {
            return Err(SipError::InvalidState(
                "CANCEL before a provisional response",
            ));
        }
        cancel_for(&self.current)
    }
}

/// Where the called number of an incoming INVITE is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalledFrom {
    /// The Request-URI's user part (what the trunk routed on).
    RequestUri,
    /// The To header's user part (some PBXes put the extension there).
    To,
}

/// The user part of a SIP or tel URI (`sip:+4930123;npdi@host` →
/// `+4930123`), without visual separators; None when it has none.
pub fn user_part(uri: &str) -> Option<String> {
    let uri = uri.trim();
    let rest = uri
        .strip_prefix("sips:")
        .or_else(|| uri.strip_prefix("sip:"))
        .or_else(|| uri.strip_prefix("tel:"))?;
    let user = match rest.find('@') {
        Some(at) => &rest[..at],
        None if uri.starts_with("tel:") => rest,
        None => return None,
    };
    let user = user.split([';', ':']).next().unwrap_or("");
    let user: String = user
        .chars()
        .filter(|c| !matches!(c, '-' | '.' | '(' | ')' | ' '))
        .collect();
    (!user.is_empty()).then_some(user)
}

/// The called number of an incoming INVITE.
pub fn called_number(invite: &Request, from: CalledFrom) -> Option<String> {
    match from {
        CalledFrom::RequestUri => user_part(&invite.uri.to_string()),
        CalledFrom::To => user_part(&wire::split_name_addr(&wire::header(invite, "To")?).0),
    }
}

/// The caller of an incoming INVITE: P-Asserted-Identity (RFC 3325, set
/// by a trusted trunk) before From; `anonymous` gives None.
pub fn caller_id(invite: &Request) -> Option<String> {
    let from_header = |name: &str| {
        wire::header_values(invite, name)
            .iter()
            .flat_map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
            .find_map(|v| user_part(&wire::split_name_addr(&v).0))
    };
    from_header("P-Asserted-Identity")
        .or_else(|| from_header("From"))
        .filter(|u| !u.eq_ignore_ascii_case("anonymous"))
}
