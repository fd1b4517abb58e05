//! Dialling policy against toll fraud: who may dial which numbers.
//!
//! Decision order for an outside number, first that applies:
//! 1. the most specific matching `allow`/`deny` pattern (a tie goes to
//!    `deny`): `deny` refuses, `allow` permits and skips 2 and 3;
//! 2. a premium-rate range ([`PREMIUM_RANGES`]) needs [`Permissions::premium`];
//! 3. another country than the site's needs [`Permissions::international`].
//!
//! Internal extensions are always allowed. A policy refusal is permanent:
//! retrying never changes the answer.

use super::{Number, NumberingPlan, Pattern};
use crate::message::Service;
use serde::{Deserialize, Serialize};

/// What a user (or a group the user is in) may do. The default allows
/// fax, voice and SMS to national, non-premium numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Permissions {
    pub international: bool,
    pub premium: bool,
    pub fax: bool,
    pub sms: bool,
    pub voice: bool,
}

impl Default for Permissions {
    fn default() -> Self {
        Permissions {
            international: false,
            premium: false,
            fax: true,
            sms: true,
            voice: true,
        }
    }
}

impl Permissions {
    /// Everything, for administrators and tests.
    pub fn all() -> Self {
        Permissions {
            international: true,
            premium: true,
            fax: true,
            sms: true,
            voice: true,
        }
    }

    pub fn allows(&self, service: Service) -> bool {
        match service {
            Service::Fax => self.fax,
            Service::Voice => self.voice,
            Service::Sms => self.sms,
        }
    }

    /// What either grants (a user's own rights plus those of a group).
    pub fn union(self, other: Permissions) -> Permissions {
        Permissions {
            international: self.international || other.international,
            premium: self.premium || other.premium,
            fax: self.fax || other.fax,
            sms: self.sms || other.sms,
            voice: self.voice || other.voice,
        }
    }
}

/// A premium-rate range: international digits it starts with, and how
/// people in that country write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PremiumRange {
    /// Country code and leading digits, no `+`.
    pub prefix: &'static str,
    pub country: &'static str,
    /// National notation of the range, for the refusal text.
    pub national: &'static str,
}

const fn range(
    prefix: &'static str,
    country: &'static str,
    national: &'static str,
) -> PremiumRange {
    PremiumRange {
        prefix,
        country,
        national,
    }
}

/// Premium-rate and pay-per-call ranges blocked unless permitted.
pub const PREMIUM_RANGES: &[PremiumRange] = &[
    range("49900", "Germany", "0900"),
    range("49137", "Germany", "0137"),
    range("49118", "Germany", "118xx"),
    range("43900", "Austria", "0900"),
    range("43901", "Austria", "0901"),
    range("43930", "Austria", "0930"),
    range("43931", "Austria", "0931"),
    range("43939", "Austria", "0939"),
    range("41900", "Switzerland", "0900"),
    range("41901", "Switzerland", "0901"),
    range("41906", "Switzerland", "0906"),
    range("449", "United Kingdom", "09"),
    range("3989", "Italy", "89x"),
    range("1900", "North America", "1-900"),
    range("1976", "North America", "1-976"),
];

/// The premium-rate range `digits` (international, no `+`) falls in.
pub fn premium_range(digits: &str) -> Option<&'static PremiumRange> {
    PREMIUM_RANGES.iter().find(|r| digits.starts_with(r.prefix))
}

/// Why a number may not be dialled for this sender. The text goes into the
/// failure notice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    #[error("international numbers are not permitted for this sender ({number})")]
    International { number: String },
    #[error("premium-rate number {national}... ({country}) is blocked: {number}")]
    Premium {
        number: String,
        country: &'static str,
        national: &'static str,
    },
    #[error("the number {number} is blocked by the dialling rule '{pattern}'")]
    Denied { number: String, pattern: String },
    #[error("{service} messages are not permitted for this sender")]
    Service { service: &'static str },
}

/// Allow and deny patterns over canonical international numbers; a pattern
/// matches every number that starts with it (`+49 900` is `+49900*`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DialPolicy {
    /// The site's country code. Left empty, every number counts as
    /// international (fails closed). [`DialPolicy::new`] fills it.
    #[serde(skip)]
    pub home_country: String,
    pub allow: Vec<Pattern>,
    pub deny: Vec<Pattern>,
}

impl DialPolicy {
    /// The default policy for a site: premium-rate and international
    /// numbers only with permission, no extra patterns.
    pub fn new(plan: &NumberingPlan) -> Self {
        DialPolicy {
            home_country: plan.country_code.clone(),
            ..Default::default()
        }
    }

    pub fn with_allow(mut self, pattern: Pattern) -> Self {
        self.allow.push(pattern);
        self
    }

    pub fn with_deny(mut self, pattern: Pattern) -> Self {
        self.deny.push(pattern);
        self
    }

    /// Whether a sender with `perms` may dial `number`.
    pub fn check(&self, number: &Number, perms: &Permissions) -> Result<(), PolicyError> {
        if number.is_internal() {
            return Ok(());
        }
        let digits = number.digits();
        let best = |list: &[Pattern]| {
            list.iter()
                .filter(|p| p.matches_prefix(digits))
                .max_by_key(|p| p.specificity())
                .cloned()
        };
        match (best(&self.allow), best(&self.deny)) {
            (allow, Some(deny))
                if allow
                    .as_ref()
                    .is_none_or(|a| a.specificity() <= deny.specificity()) =>
            {
                return Err(PolicyError::Denied {
                    number: number.to_string(),
                    pattern: deny.to_string(),
                });
            }
            (Some(_), _) => return Ok(()),
            _ => {}
        }
        if let Some(r) = premium_range(digits) {
            if !perms.premium {
                return Err(PolicyError::Premium {
                    number: number.to_string(),
                    country: r.country,
                    national: r.national,
                });
            }
        }
        let home = !self.home_country.is_empty()
            && number.country_code() == Some(self.home_country.as_str());
        if !home && !perms.international {
            return Err(PolicyError::International {
                number: number.to_string(),
            });
        }
        Ok(())
    }

    /// Whether a sender with `perms` may use `service` at all.
    pub fn check_service(&self, service: Service, perms: &Permissions) -> Result<(), PolicyError> {
        if perms.allows(service) {
            Ok(())
        } else {
            Err(PolicyError::Service {
                service: service.name(),
            })
        }
    }

    /// Both checks, as the kernel runs them before a job may take a line.
    pub fn check_call(
        &self,
        number: &Number,
        service: Service,
        perms: &Permissions,
    ) -> Result<(), PolicyError> {
        self.check_service(service, perms)?;
        self.check(number, perms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn premium_ranges_are_valid_international_prefixes() {
        for r in PREMIUM_RANGES {
            assert!(r.prefix.bytes().all(|b| b.is_ascii_digit()), "{}", r.prefix);
            assert!(
                super::super::split_country_code(r.prefix).is_some(),
                "{}",
                r.prefix
            );
        }
    }
}
