//! The numbering plan: every written form of a phone number becomes one
//! canonical [`Number`], and the string a line dials is derived from it.
//!
//! ```text
//!  "+49 (0)89 123-456"  ──NumberingPlan::parse──────────▶ Number::E164("+4989123456")
//!  caller id + type     ──NumberingPlan::normalize_caller─▶ Number (journal, reports)
//!  called DID/MSN       ──NumberingPlan::normalize_called─▶ Number (inbound routing)
//!  Number               ──NumberingPlan::dial_string─────▶ "0089123456" (the line)
//!  Number + Permissions ──DialPolicy::check──────────────▶ Ok / PolicyError (toll fraud)
//!  sender + now         ──RateLimiter::check_and_record──▶ Ok / RateLimited
//! ```
//!
//! Canonical form is ITU-T E.164 (`+` country code, national significant
//! number, at most 15 digits); written notation follows ITU-T E.123,
//! including the `(0)` trunk-prefix convention. Nothing here reads a clock.

mod pattern;
mod plan;
mod policy;
mod ratelimit;

pub use pattern::{Pattern, PatternError};
pub use plan::{DigitRange, NumberingPlan};
pub use policy::{
    premium_range, DialPolicy, Permissions, PolicyError, PremiumRange, PREMIUM_RANGES,
};
pub use ratelimit::{RateLimited, RateLimiter};

use serde::{Deserialize, Serialize};
use std::fmt;

/// The most digits an international number may have (E.164 §6.1: country
/// code plus national significant number).
pub const E164_MAX_DIGITS: usize = 15;

/// The fewest digits (country code included) we accept for an outside
/// number. The shortest real numbers (Niue, St Helena: 3-digit country code,
/// 4-digit number) have 7.
pub const E164_MIN_DIGITS: usize = 7;

/// Hard cap on the text a user may hand us as a number.
pub const MAX_INPUT_CHARS: usize = 64;

/// A phone number in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Number {
    /// `+`, country code, national significant number: `+49891234567`.
    E164(String),
    /// An extension of the site's own exchange, dialled as is: `123`.
    Internal(String),
}

impl Number {
    /// The canonical text: `+49891234567` or `123`.
    pub fn as_str(&self) -> &str {
        match self {
            Number::E164(s) | Number::Internal(s) => s,
        }
    }

    /// The digits only (the E.164 form without its `+`).
    pub fn digits(&self) -> &str {
        match self {
            Number::E164(s) => s.strip_prefix('+').unwrap_or(s),
            Number::Internal(s) => s,
        }
    }

    pub fn is_internal(&self) -> bool {
        matches!(self, Number::Internal(_))
    }

    /// Country code and national significant number of an E.164 number.
    pub fn split(&self) -> Option<(&str, &str)> {
        match self {
            Number::E164(_) => split_country_code(self.digits()),
            Number::Internal(_) => None,
        }
    }

    pub fn country_code(&self) -> Option<&str> {
        self.split().map(|(cc, _)| cc)
    }

    pub fn national_number(&self) -> Option<&str> {
        self.split().map(|(_, nsn)| nsn)
    }

    /// E.123 international notation with the country code set apart:
    /// `+49 891234567`. Internal numbers are returned as they are.
    pub fn grouped(&self) -> String {
        match self.split() {
            Some((cc, nsn)) => format!("+{cc} {nsn}"),
            None => self.as_str().to_owned(),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The ISDN/SIP "type of number" that comes with a caller or called number
/// (Q.931 §4.5.10; in SIP, whether the user part carries a `+`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TypeOfNumber {
    /// Country code and number, without the international prefix.
    International,
    /// National significant number, without the trunk prefix.
    National,
    /// The subscriber number within the local area.
    Subscriber,
    /// As dialled: prefixes may be present.
    Unknown,
}

/// Why a written number was refused. The text is what the sender reads in
/// the failure notice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NumberError {
    #[error("no number given")]
    Empty,
    #[error(
        "letters are not allowed in a number (found '{letter}'); \
         write the digits, also for a vanity number like 1-800-FLOWERS"
    )]
    Letters { letter: char },
    #[error("the character '{ch}' is not allowed in a number")]
    InvalidCharacter { ch: char },
    #[error("'+' may appear only once, at the start of the number")]
    MisplacedPlus,
    #[error("'+' must be followed by a country code and the number")]
    NothingAfterPlus,
    #[error("the number is too long: {chars} characters (at most {max})")]
    InputTooLong { chars: usize, max: usize },
    #[error(
        "the number is too long: {digits} digits, but an international number has at most {max}"
    )]
    TooLong { digits: usize, max: usize },
    #[error(
        "the number is too short: {digits} digits with the country code, at least {min} expected"
    )]
    TooShort { digits: usize, min: usize },
    #[error("+{code} is not a country code")]
    UnknownCountryCode { code: String },
    #[error(
        "numbers in country +{country_code} have {expected} digits after the country code, \
         this one has {got}"
    )]
    WrongLength {
        country_code: String,
        expected: usize,
        got: usize,
    },
    #[error(
        "the trunk prefix 0 is not dialled after the country code +{country_code}; \
         write +{country_code} without the 0, or as +{country_code} (0)..."
    )]
    TrunkPrefixAfterCountryCode { country_code: String },
    #[error("only numbers in international form (+<country code> <number>) are accepted here")]
    NotInternational,
    #[error("'{number}' is not a valid internal extension")]
    NotAnExtension { number: String },
}

/// ITU-T E.164 country codes with one digit (`1` is the North American
/// Numbering Plan, `7` Russia and Kazakhstan).
const COUNTRY_CODES_1: &[u16] = &[1, 7];

/// ITU-T E.164 country codes with two digits.
const COUNTRY_CODES_2: &[u16] = &[
    20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56,
    57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
];

/// ITU-T E.164 country codes with three digits, assigned and in service
/// (including the global services 800, 808, 870, 878, 881-883, 888, 979).
const COUNTRY_CODES_3: &[u16] = &[
    211, 212, 213, 216, 218, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233,
    234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252,
    253, 254, 255, 256, 257, 258, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290, 291, 297,
    298, 299, // zone 2
    350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 370, 371, 372, 373, 374, 375, 376, 377, 378,
    379, 380, 381, 382, 383, 385, 386, 387, 389, // zone 3
    420, 421, 423, // zone 4
    500, 501, 502, 503, 504, 505, 506, 507, 508, 509, 590, 591, 592, 593, 594, 595, 596, 597, 598,
    599, // zone 5
    670, 672, 673, 674, 675, 676, 677, 678, 679, 680, 681, 682, 683, 685, 686, 687, 688, 689, 690,
    691, 692, // zone 6
    800, 808, 850, 852, 853, 855, 856, 870, 878, 880, 881, 882, 883, 886, 888, // zone 8
    960, 961, 962, 963, 964, 965, 966, 967, 968, 970, 971, 972, 973, 974, 975, 976, 977, 979, 992,
    993, 994, 995, 996, 998, // zone 9
];

/// Countries whose national significant number keeps its leading 0 in
/// international form (Italy, San Marino): `+39 06 ...`.
const KEEPS_TRUNK_ZERO: &[&str] = &["39", "378"];

/// Countries whose numbers never start with 0 after the country code: a
/// 0 there is a trunk prefix written by mistake (`+49 089 ...`).
const DROPS_TRUNK_ZERO: &[&str] = &["31", "32", "33", "41", "43", "44", "49"];

/// National significant number lengths that are fixed for a whole country
/// code (the North American Numbering Plan: area code and 7 digits).
const FIXED_NSN_LENGTH: &[(&str, usize)] = &[("1", 10)];

/// Splits international digits (no `+`, no prefix) into country code and
/// national significant number; `None` if no country code matches.
pub fn split_country_code(digits: &str) -> Option<(&str, &str)> {
    let tables: [&[u16]; 3] = [COUNTRY_CODES_1, COUNTRY_CODES_2, COUNTRY_CODES_3];
    for (len, table) in (1..=3).zip(tables) {
        let head = digits.get(..len)?;
        let code: u16 = head.parse().ok()?;
        if !head.starts_with('0') && table.contains(&code) {
            return Some(digits.split_at(len));
        }
    }
    None
}

pub(crate) fn keeps_trunk_zero(country_code: &str) -> bool {
    KEEPS_TRUNK_ZERO.contains(&country_code)
}

pub(crate) fn drops_trunk_zero(country_code: &str) -> bool {
    DROPS_TRUNK_ZERO.contains(&country_code)
}

pub(crate) fn fixed_nsn_length(country_code: &str) -> Option<usize> {
    FIXED_NSN_LENGTH
        .iter()
        .find(|(cc, _)| *cc == country_code)
        .map(|&(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_split_by_length() {
        assert_eq!(split_country_code("12125550100"), Some(("1", "2125550100")));
        assert_eq!(
            split_country_code("390612345678"),
            Some(("39", "0612345678"))
        );
        assert_eq!(
            split_country_code("442079460018"),
            Some(("44", "2079460018"))
        );
        assert_eq!(split_country_code("3531234567"), Some(("353", "1234567")));
        assert_eq!(split_country_code("0491234"), None);
        assert_eq!(split_country_code("2891234"), None);
    }

    #[test]
    fn tables_are_sorted_and_disjoint() {
        for t in [COUNTRY_CODES_1, COUNTRY_CODES_2, COUNTRY_CODES_3] {
            assert!(t.windows(2).all(|w| w[0] < w[1]));
        }
        // No 2- or 3-digit code may start with a shorter code.
        for &c in COUNTRY_CODES_2 {
            assert!(!COUNTRY_CODES_1.contains(&(c / 10)));
        }
        for &c in COUNTRY_CODES_3 {
            assert!(!COUNTRY_CODES_2.contains(&(c / 10)));
            assert!(!COUNTRY_CODES_1.contains(&(c / 100)));
        }
    }
}
