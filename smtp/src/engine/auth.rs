//! AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN: the exchange of 334
//! challenges and the driver's answer. Offered only under TLS unless
//! [`SessionConfig::allow_auth_without_tls`] is set.
//!
//! [`SessionConfig::allow_auth_without_tls`]: crate::engine::SessionConfig::allow_auth_without_tls

use crate::engine::{Password, Pending, Phase, Session, SessionEvent};
use crate::error::SmtpError;
use crate::wire::command::AuthMechanism;
use crate::wire::reply::{Reply, ReplyCode};
use crate::wire::sasl::{
    decode_response, parse_login_field, parse_plain, SaslResponse, LOGIN_PASSWORD_PROMPT,
    LOGIN_USERNAME_PROMPT,
};

/// Which SASL message the next line carries.
#[derive(Debug)]
pub(super) enum SaslStep {
    /// The PLAIN message.
    PlainMessage,
    /// LOGIN's user name.
    LoginUsername,
    /// LOGIN's password.
    LoginPassword { username: String },
}

impl Session {
    pub(super) fn auth_offered(&self) -> bool {
        self.peer.tls || self.config.allow_auth_without_tls
    }

    /// AUTH mechanism [initial-response].
    pub(super) fn handle_auth(&mut self, mechanism: AuthMechanism, initial: Option<String>) {
        if !self.helo.as_ref().is_some_and(|h| h.extended) {
            return self.send(ReplyCode::NeedEhlo.into());
        }
        if self.authenticated_as.is_some() {
            return self.send(ReplyCode::AlreadyAuthenticated.into());
        }
        if self.tx.is_some() {
            return self.send(ReplyCode::AuthInTransaction.into());
        }
        if !self.auth_offered() {
            return self.send(ReplyCode::EncryptionRequired.into());
        }
        let step = match mechanism {
            AuthMechanism::Plain => SaslStep::PlainMessage,
            AuthMechanism::Login => SaslStep::LoginUsername,
        };
        match initial {
            Some(response) => self.handle_sasl_response(step, response.as_bytes()),
            None => self.challenge(step),
        }
    }

    fn challenge(&mut self, step: SaslStep) {
        let prompt = match step {
            SaslStep::PlainMessage => "",
            SaslStep::LoginUsername => LOGIN_USERNAME_PROMPT,
            SaslStep::LoginPassword { .. } => LOGIN_PASSWORD_PROMPT,
        };
        self.send(Reply::with_text(ReplyCode::AuthChallenge, prompt));
        self.phase = Phase::ExpectSaslResponse(step);
    }

    /// One response line (or the initial response).
    pub(super) fn handle_sasl_response(&mut self, step: SaslStep, line: &[u8]) {
        let bytes = match decode_response(line) {
            Ok(SaslResponse::Data(bytes)) => bytes,
            Ok(SaslResponse::Cancel) => return self.reject(SmtpError::AuthCancelled),
            Err(e) => return self.reject(e),
        };
        let (mechanism, identity, password) = match step {
            SaslStep::PlainMessage => match parse_plain(&bytes) {
                // No proxy authorisation: authzid must be empty or the user.
                Ok(c) if c.authzid.is_empty() || c.authzid == c.authcid => {
                    (AuthMechanism::Plain, c.authcid, c.password)
                }
                Ok(_) => return self.reject(SmtpError::Sasl("authorization identity differs")),
                Err(e) => return self.reject(e),
            },
            SaslStep::LoginUsername => {
                return match parse_login_field(&bytes) {
                    Ok(username) => self.challenge(SaslStep::LoginPassword { username }),
                    Err(e) => self.reject(e),
                };
            }
            SaslStep::LoginPassword { username } => match parse_login_field(&bytes) {
                Ok(password) => (AuthMechanism::Login, username, password),
                Err(e) => return self.reject(e),
            },
        };
        let event = SessionEvent::Auth {
            mechanism,
            identity: identity.clone(),
            password: Password::new(password),
        };
        self.ask(Pending::Auth { identity }, event);
    }

    /// Answers [`SessionEvent::Auth`]: 235 2.7.0 or 535 5.7.8.
    pub fn answer_auth(&mut self, ok: bool) -> Result<(), SmtpError> {
        let Pending::Auth { identity } =
            self.take_pending("AUTH", |p| matches!(p, Pending::Auth { .. }))?
        else {
            return Err(SmtpError::NotPending("AUTH"));
        };
        if ok {
            self.authenticated_as = Some(identity);
            self.send(ReplyCode::AuthSucceeded.into());
        } else {
            self.send(ReplyCode::AuthFailed.into());
        }
        self.resume();
        Ok(())
    }
}
