//! The mail transaction: MAIL FROM, RCPT TO and DATA (RFC 5321 §3.3), and
//! the driver's answers to them.

use crate::engine::{
    DataVerdict, Envelope, Pending, Phase, Recipient, Session, SessionEvent, Transaction, Verdict,
};
use crate::error::{AddressError, SmtpError};
use crate::wire::address::{ParsedAddress, ReversePath};
use crate::wire::data::DotReader;
use crate::wire::params::{MailParams, RcptParams};
use crate::wire::reply::{Reply, ReplyClass, ReplyCode};

impl Session {
    /// MAIL FROM: sequence, parameters and SIZE are checked here; the sender
    /// itself is the policy's to judge.
    pub(super) fn handle_mail(&mut self, from: ReversePath, params: MailParams) {
        let Some(helo) = &self.helo else {
            return self.send(ReplyCode::NeedHelo.into());
        };
        if self.tx.is_some() {
            return self.send(ReplyCode::NestedMail.into());
        }
        if !helo.extended && !params.is_empty() {
            return self.reject(SmtpError::UnknownParameter(
                "ESMTP parameter after HELO".into(),
            ));
        }
        if from.mailbox().is_some_and(|a| a.utf8) && !params.smtputf8 {
            return self.reject(SmtpError::Sender(AddressError::NonAscii));
        }
        if params
            .size
            .is_some_and(|size| size > self.config.max_message_size as u64)
        {
            return self.send(ReplyCode::SizeExceeded.into());
        }
        let event = SessionEvent::MailFrom {
            from: from.clone(),
            params: params.clone(),
        };
        self.ask(Pending::Mail { from, params }, event);
    }

    /// RCPT TO: sequence, limit and parameters are checked here; whether the
    /// recipient is one of ours is the policy's to judge.
    pub(super) fn handle_rcpt(&mut self, to: ParsedAddress, params: RcptParams) {
        let Some(tx) = &self.tx else {
            return self.send(ReplyCode::NeedMail.into());
        };
        if to.utf8 && !tx.params.smtputf8 {
            return self.reject(SmtpError::Recipient(AddressError::NonAscii));
        }
        let extended = self.helo.as_ref().is_some_and(|h| h.extended);
        if !extended && !params.is_empty() {
            return self.reject(SmtpError::UnknownParameter(
                "ESMTP parameter after HELO".into(),
            ));
        }
        if tx.recipients.len() >= self.config.max_recipients {
            return self.send(ReplyCode::TooManyRecipients.into());
        }
        let event = SessionEvent::RcptTo {
            addr: to.clone(),
            params: params.clone(),
        };
        self.ask(Pending::Rcpt(Recipient { addr: to, params }), event);
    }

    /// DATA: needs a transaction with at least one accepted recipient.
    pub(super) fn handle_data(&mut self) {
        match &self.tx {
            None => self.send(ReplyCode::NeedMail.into()),
            Some(tx) if tx.recipients.is_empty() => self.send(ReplyCode::NoValidRecipients.into()),
            Some(_) => {
                self.send(ReplyCode::StartMailInput.into());
                self.phase = Phase::ExpectData(DotReader::new(self.config.max_message_size));
            }
        }
    }

    /// CRLF.CRLF seen: refuse a smuggling attempt or an oversize message
    /// here, hand anything else to the driver.
    pub(super) fn end_of_data(&mut self) {
        let Phase::ExpectData(reader) = std::mem::replace(&mut self.phase, Phase::ExpectCommand)
        else {
            return;
        };
        let tx = self.tx.take();
        if reader.has_bare_line_ending() {
            return self.send_uncounted(ReplyCode::BareLineEnding.into());
        }
        if reader.is_oversize() {
            return self.send_uncounted(ReplyCode::SizeExceeded.into());
        }
        let Some(tx) = tx else {
            return self.send_uncounted(ReplyCode::TransactionFailed.into());
        };
        let envelope = Envelope {
            helo: self
                .helo
                .as_ref()
                .map(|h| h.name.clone())
                .unwrap_or_default(),
            peer: self.peer,
            authenticated_as: self.authenticated_as.clone(),
            mail_from: tx.from,
            mail_params: tx.params,
            recipients: tx.recipients,
        };
        let event = SessionEvent::Message {
            envelope,
            data: reader.into_body(),
        };
        self.ask(Pending::Data, event);
    }

    /// Answers [`SessionEvent::MailFrom`].
    pub fn answer_mail(&mut self, verdict: Verdict) -> Result<(), SmtpError> {
        let Pending::Mail { from, params } =
            self.take_pending("MAIL", |p| matches!(p, Pending::Mail { .. }))?
        else {
            return Err(SmtpError::NotPending("MAIL"));
        };
        match verdict {
            Verdict::Accept => {
                self.tx = Some(Transaction {
                    from,
                    params,
                    recipients: Vec::new(),
                });
                self.send(ReplyCode::SenderOk.into());
            }
            Verdict::Reject(reply) => self.send(negative(reply)),
        }
        self.resume();
        Ok(())
    }

    /// Answers [`SessionEvent::RcptTo`].
    pub fn answer_rcpt(&mut self, verdict: Verdict) -> Result<(), SmtpError> {
        let Pending::Rcpt(rcpt) = self.take_pending("RCPT", |p| matches!(p, Pending::Rcpt(_)))?
        else {
            return Err(SmtpError::NotPending("RCPT"));
        };
        match verdict {
            Verdict::Accept => {
                if let Some(tx) = &mut self.tx {
                    tx.recipients.push(rcpt);
                }
                self.send(ReplyCode::RecipientOk.into());
            }
            Verdict::Reject(reply) => self.send(negative(reply)),
        }
        self.resume();
        Ok(())
    }

    /// Answers [`SessionEvent::Message`]: call it only once the message is
    /// durably stored, since `Accept` sends the 250.
    pub fn answer_data(&mut self, verdict: DataVerdict) -> Result<(), SmtpError> {
        self.take_pending("DATA", |p| matches!(p, Pending::Data))?;
        let reply = match verdict {
            DataVerdict::Accept(queue_id) => {
                let text = format!("{} {}", ReplyCode::Queued.text(), queue_id);
                Reply::with_text(ReplyCode::Queued, &text)
            }
            DataVerdict::Reject(r) if r.class() == ReplyClass::Permanent => r,
            DataVerdict::Reject(_) => ReplyCode::TransactionFailed.into(),
            DataVerdict::TempFail(r) if r.class() == ReplyClass::Transient => r,
            DataVerdict::TempFail(_) => ReplyCode::LocalError.into(),
        };
        self.send_uncounted(reply);
        self.resume();
        Ok(())
    }
}

/// A reject verdict must be 4xx or 5xx; anything else is a driver bug that
/// must not turn into an acceptance.
fn negative(reply: Reply) -> Reply {
    match reply.class() {
        ReplyClass::Transient | ReplyClass::Permanent => reply,
        _ => ReplyCode::LocalError.into(),
    }
}
