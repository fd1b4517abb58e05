//! The user directory: who the site's users are, which fax, voice and SMS
//! numbers reach them, what they may dial and how their outgoing messages
//! look. Read from the configuration (every field but `id` and `email` may
//! be left out).
//!
//! Directory numbers are numbers of the site's own lines, so they are read
//! as called numbers ([`NumberingPlan::normalize_called`]): `+49 89 123456-20`,
//! `089 123456 20` and, with a subscriber of `123456`, the bare extension
//! `20` all name the same line.

use crate::message::Service;
use crate::numbering::{Number, NumberError, NumberingPlan, Permissions};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The language of a user's confirmations and notices (one type for the
/// directory and the reports).
pub use crate::report::Language;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
    pub fax_numbers: Vec<String>,
    pub voice_numbers: Vec<String>,
    pub sms_numbers: Vec<String>,
    pub permissions: Permissions,
    /// Caller id for the user's outgoing calls.
    pub sender_number: Option<String>,
    /// Header line on the user's outgoing fax pages.
    pub fax_header: Option<String>,
    pub language: Language,
    pub groups: Vec<String>,
}

impl User {
    /// The user's numbers for `service`, as written in the configuration.
    pub fn numbers(&self, service: Service) -> &[String] {
        match service {
            Service::Fax => &self.fax_numbers,
            Service::Voice => &self.voice_numbers,
            Service::Sms => &self.sms_numbers,
        }
    }
}

/// A group's rights are added to those of each member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Group {
    pub name: String,
    pub permissions: Permissions,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub groups: Vec<Group>,
    /// Gets unrouted incoming messages and operator notices.
    pub default_recipient: String,
}

/// A directory that cannot be used as configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryError {
    #[error("the default recipient '{0}' is not an e-mail address")]
    DefaultRecipient(String),
    #[error("user #{index} has no id")]
    MissingId { index: usize },
    #[error("user '{id}' has no valid e-mail address ('{email}')")]
    BadEmail { id: String, email: String },
    #[error("user id '{0}' appears twice")]
    DuplicateId(String),
    #[error("e-mail address '{0}' belongs to two users")]
    DuplicateEmail(String),
    #[error("user '{id}': {service} number '{number}': {error}")]
    BadNumber {
        id: String,
        service: &'static str,
        number: String,
        error: NumberError,
    },
    #[error("{service} number {number} belongs to both '{first}' and '{second}'")]
    DuplicateNumber {
        service: &'static str,
        number: String,
        first: String,
        second: String,
    },
    #[error("user '{id}' is in group '{group}', which is not defined")]
    UnknownGroup { id: String, group: String },
}

const SERVICES: [Service; 3] = [Service::Fax, Service::Voice, Service::Sms];

/// Strips a display name and angle brackets: `Anna <anna@x>` to `anna@x`.
fn bare_address(addr: &str) -> &str {
    let addr = addr.trim();
    match (addr.rfind('<'), addr.rfind('>')) {
        (Some(open), Some(close)) if open < close => addr[open + 1..close].trim(),
        _ => addr,
    }
}

fn looks_like_address(addr: &str) -> bool {
    matches!(addr.split_once('@'), Some((local, domain)) if !local.is_empty() && !domain.is_empty())
        && !addr.contains(char::is_whitespace)
}

impl Directory {
    /// The user with this e-mail address (case-insensitive; a display name
    /// and angle brackets are ignored).
    pub fn by_email(&self, addr: &str) -> Option<&User> {
        let addr = bare_address(addr);
        self.users
            .iter()
            .find(|u| u.email.trim().eq_ignore_ascii_case(addr))
    }

    pub fn by_id(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// The user one of whose numbers, of any service, is `number`.
    pub fn by_number(&self, plan: &NumberingPlan, number: &Number) -> Option<&User> {
        SERVICES
            .iter()
            .find_map(|&s| self.by_service_number(plan, s, number))
    }

    /// The user whose `service` numbers include `number`.
    pub fn by_service_number(
        &self,
        plan: &NumberingPlan,
        service: Service,
        number: &Number,
    ) -> Option<&User> {
        self.users.iter().find(|u| {
            u.numbers(service)
                .iter()
                .filter_map(|n| plan.normalize_called(n, None))
                .any(|n| plan.same_line(&n, number))
        })
    }

    /// A user's own permissions plus those of the groups the user is in.
    pub fn permissions(&self, user: &User) -> Permissions {
        self.groups
            .iter()
            .filter(|g| user.groups.contains(&g.name))
            .fold(user.permissions, |p, g| p.union(g.permissions))
    }

    /// The user's numbers for `service` in canonical form, or the first
    /// that cannot be read.
    pub fn canonical_numbers(
        &self,
        plan: &NumberingPlan,
        user: &User,
        service: Service,
    ) -> Result<Vec<Number>, DirectoryError> {
        user.numbers(service)
            .iter()
            .map(|raw| {
                plan.normalize_called(raw, None)
                    .ok_or_else(|| DirectoryError::BadNumber {
                        id: user.id.clone(),
                        service: service.name(),
                        number: raw.clone(),
                        error: plan.parse(raw).err().unwrap_or(NumberError::Empty),
                    })
            })
            .collect()
    }

    /// Checks what the configuration cannot express: unique ids, addresses
    /// and numbers, readable numbers, defined groups.
    pub fn validate(&self, plan: &NumberingPlan) -> Result<(), DirectoryError> {
        if !looks_like_address(self.default_recipient.trim()) {
            return Err(DirectoryError::DefaultRecipient(
                self.default_recipient.clone(),
            ));
        }
        let groups: HashSet<&str> = self.groups.iter().map(|g| g.name.as_str()).collect();
        let mut ids = HashSet::new();
        let mut emails = HashSet::new();
        for (index, user) in self.users.iter().enumerate() {
            if user.id.trim().is_empty() {
                return Err(DirectoryError::MissingId { index });
            }
            if !looks_like_address(user.email.trim()) {
                return Err(DirectoryError::BadEmail {
                    id: user.id.clone(),
                    email: user.email.clone(),
                });
            }
            if !ids.insert(user.id.as_str()) {
                return Err(DirectoryError::DuplicateId(user.id.clone()));
            }
            if !emails.insert(user.email.trim().to_ascii_lowercase()) {
                return Err(DirectoryError::DuplicateEmail(user.email.clone()));
            }
            if let Some(group) = user.groups.iter().find(|g| !groups.contains(g.as_str())) {
                return Err(DirectoryError::UnknownGroup {
                    id: user.id.clone(),
                    group: group.clone(),
                });
            }
        }
        for service in SERVICES {
            let mut owners: HashMap<String, &str> = HashMap::new();
            for user in &self.users {
                for number in self.canonical_numbers(plan, user, service)? {
                    let key = line_key(plan, &number);
                    if let Some(first) = owners.insert(key, &user.id) {
                        if first != user.id {
                            return Err(DirectoryError::DuplicateNumber {
                                service: service.name(),
                                number: number.to_string(),
                                first: first.to_owned(),
                                second: user.id.clone(),
                            });
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// One key per line of the site: the extension if the number has one,
/// else the canonical number (see [`NumberingPlan::same_line`]).
pub(crate) fn line_key(plan: &NumberingPlan, number: &Number) -> String {
    match plan.extension(number) {
        Some(ext) => format!("ext:{ext}"),
        None => number.to_string(),
    }
}
