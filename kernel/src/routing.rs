//! Inbound routing: the called number (DID/MSN) of an incoming fax, voice
//! call or SMS picks the mailbox it is mailed to.
//!
//! In this order, first match wins:
//! 1. the configured [`Rule`]s, in the order written (so an operator can
//!    override the directory, e.g. for a holiday);
//! 2. the user directory's fax, voice or SMS numbers for the service;
//! 3. the directory's default recipient, and the route is marked unrouted.
//!
//! ## What a rule pattern matches
//! `*` is any run of digits (also none), `?` exactly one digit.
//! - Written with a leading `+`: the whole canonical number, country code
//!   first: `+4989123456*`, `+49891234561??`, `+*` (anything at all).
//! - Written without `+`: the **extension**, i.e. what follows the site's
//!   own number (country, area and subscriber code) in the called number, or
//!   an internal number as it is: with a site number of `+49 89 123456`,
//!   `2?` matches calls to `+49 89 123456-20` … `-29`, and `*` every number
//!   of the site's block (also the base number itself). Numbers outside the
//!   block (another MSN) are matched only by `+` patterns.
//!
//! A mailbox is an e-mail address or `user:<id>` for the address of a user
//! in the directory.

use crate::directory::{line_key, Directory, DirectoryError};
use crate::message::Service;
use crate::numbering::{Number, NumberingPlan, Pattern, TypeOfNumber};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One routing rule, as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub pattern: Pattern,
    /// Only calls of this service; any service if absent.
    #[serde(default)]
    pub service: Option<Service>,
    /// `anna@example.com` or `user:anna`.
    pub mailbox: String,
    /// How calls to the matching numbers are answered (fax, voicemail, or
    /// voicemail that switches to fax on CNG); see [`Router::answer_mode`].
    #[serde(default)]
    pub answer: Option<AnswerMode>,
}

/// How an incoming audio call to a number is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnswerMode {
    /// As a fax receiver (CED, DIS).
    #[default]
    Fax,
    /// As a voicemail box: greeting, beep, recording.
    Voice,
    /// As a voicemail box that switches to fax reception on a calling tone.
    AutoDetect,
}

impl Rule {
    pub fn new(
        pattern: &str,
        service: Option<Service>,
        mailbox: &str,
    ) -> Result<Rule, RoutingError> {
        let pattern = Pattern::new(pattern).map_err(|e| RoutingError::Pattern(e.to_string()))?;
        Ok(Rule {
            pattern,
            service,
            mailbox: mailbox.into(),
            answer: None,
        })
    }

    /// The same rule, answering its numbers in `mode`.
    pub fn answering(mut self, mode: AnswerMode) -> Rule {
        self.answer = Some(mode);
        self
    }
}

/// Where an incoming message goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// The directory user the mailbox belongs to, if any (for the language
    /// of the report and the web journal).
    pub user: Option<String>,
    /// The e-mail address to deliver to.
    pub mailbox: String,
    /// No rule and no directory number matched: this is the default recipient.
    pub unrouted: bool,
    /// Index of the rule that matched.
    pub rule: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoutingError {
    #[error("routing rule {rule}: mailbox 'user:{id}' names no user in the directory")]
    UnknownUser { rule: usize, id: String },
    #[error("routing rule {rule}: mailbox '{mailbox}' is neither an e-mail address nor user:<id>")]
    BadMailbox { rule: usize, mailbox: String },
    #[error("routing rule: {0}")]
    Pattern(String),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

/// Routes called numbers; built once from the configuration.
#[derive(Debug, Clone)]
pub struct Router {
    plan: NumberingPlan,
    directory: Directory,
    rules: Vec<Rule>,
    /// (service, line key) to the index of the user in the directory.
    numbers: HashMap<(Service, String), usize>,
}

impl Router {
    /// Checks the directory and the rules' mailboxes and indexes the
    /// directory's numbers.
    pub fn new(
        plan: NumberingPlan,
        directory: Directory,
        rules: Vec<Rule>,
    ) -> Result<Router, RoutingError> {
        directory.validate(&plan)?;
        for (i, rule) in rules.iter().enumerate() {
            match rule.mailbox.trim().strip_prefix("user:") {
                Some(id) if directory.by_id(id).is_none() => {
                    return Err(RoutingError::UnknownUser {
                        rule: i,
                        id: id.into(),
                    })
                }
                Some(_) => {}
                None if !rule.mailbox.contains('@') => {
                    return Err(RoutingError::BadMailbox {
                        rule: i,
                        mailbox: rule.mailbox.clone(),
                    })
                }
                None => {}
            }
        }
        let mut numbers = HashMap::new();
        for (index, user) in directory.users.iter().enumerate() {
            for service in [Service::Fax, Service::Voice, Service::Sms] {
                for number in directory.canonical_numbers(&plan, user, service)? {
                    numbers.insert((service, line_key(&plan, &number)), index);
                }
            }
        }
        Ok(Router {
            plan,
            directory,
            rules,
            numbers,
        })
    }

    pub fn plan(&self) -> &NumberingPlan {
        &self.plan
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The route for a call to `called` carrying `service`.
    pub fn route(&self, called: &Number, service: Service) -> Route {
        if let Some((i, rule)) = self
            .rules
            .iter()
            .enumerate()
            .find(|(_, r)| self.rule_matches(r, called, service))
        {
            return Route {
                rule: Some(i),
                ..self.mailbox_route(&rule.mailbox)
            };
        }
        if let Some(&index) = self.numbers.get(&(service, line_key(&self.plan, called))) {
            let user = &self.directory.users[index];
            return Route {
                user: Some(user.id.clone()),
                mailbox: user.email.clone(),
                unrouted: false,
                rule: None,
            };
        }
        self.unrouted()
    }

    /// The route for a called number as the line delivered it. A number
    /// that cannot be read goes to the default recipient, unrouted.
    pub fn route_raw(&self, called: &str, ton: Option<TypeOfNumber>, service: Service) -> Route {
        match self.plan.normalize_called(called, ton) {
            Some(number) => self.route(&number, service),
            None => self.unrouted(),
        }
    }

    /// How to answer an audio call to `called`:
    /// 1. the first matching rule with an `answer` mode says so;
    /// 2. otherwise a number that is both a fax and a voice number (by rules
    ///    for one service, or the directory) auto-detects, a voice-only
    ///    number is voicemail;
    /// 3. anything else is answered as fax.
    pub fn answer_mode(&self, called: &Number) -> AnswerMode {
        if let Some(mode) = self
            .rules
            .iter()
            .filter(|r| r.answer.is_some())
            .find(|r| self.rule_matches(r, called, r.service.unwrap_or(Service::Fax)))
            .and_then(|r| r.answer)
        {
            return mode;
        }
        let key = line_key(&self.plan, called);
        let serves = |service: Service| {
            self.numbers.contains_key(&(service, key.clone()))
                || self
                    .rules
                    .iter()
                    .any(|r| r.service == Some(service) && self.rule_matches(r, called, service))
        };
        match (serves(Service::Fax), serves(Service::Voice)) {
            (true, true) => AnswerMode::AutoDetect,
            (false, true) => AnswerMode::Voice,
            _ => AnswerMode::Fax,
        }
    }

    /// [`Router::answer_mode`] for a number as the line delivered it (fax
    /// if it cannot be read).
    pub fn answer_mode_raw(&self, called: &str, ton: Option<TypeOfNumber>) -> AnswerMode {
        self.plan
            .normalize_called(called, ton)
            .map_or(AnswerMode::Fax, |n| self.answer_mode(&n))
    }

    fn unrouted(&self) -> Route {
        Route {
            unrouted: true,
            ..self.mailbox_route(&self.directory.default_recipient)
        }
    }

    fn rule_matches(&self, rule: &Rule, called: &Number, service: Service) -> bool {
        if rule.service.is_some_and(|s| s != service) {
            return false;
        }
        if rule.pattern.is_international() {
            !called.is_internal() && rule.pattern.matches(called.digits())
        } else {
            self.plan
                .extension(called)
                .is_some_and(|ext| rule.pattern.matches(ext))
        }
    }

    /// Resolves `user:<id>`; an address is looked up to find its user.
    fn mailbox_route(&self, mailbox: &str) -> Route {
        let mailbox = mailbox.trim();
        let user = match mailbox.strip_prefix("user:") {
            Some(id) => self.directory.by_id(id),
            None => self.directory.by_email(mailbox),
        };
        Route {
            user: user.map(|u| u.id.clone()),
            mailbox: match (mailbox.strip_prefix("user:"), user) {
                (Some(_), Some(u)) => u.email.clone(),
                _ => mailbox.to_owned(),
            },
            unrouted: false,
            rule: None,
        }
    }
}
