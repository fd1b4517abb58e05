//! Site settings and the conversions between written, canonical and dialled
//! numbers (ITU-T E.164, E.123).

use super::{
    drops_trunk_zero, fixed_nsn_length, keeps_trunk_zero, split_country_code, Number, NumberError,
    TypeOfNumber, E164_MAX_DIGITS, E164_MIN_DIGITS, MAX_INPUT_CHARS,
};
use serde::{Deserialize, Serialize};

/// URI schemes a user may put in front of a number.
const SCHEMES: &[&str] = &["tel:", "fax:", "sms:", "modem:"];

/// Characters people write between digits; they carry no meaning.
const SEPARATORS: &[char] = &[' ', '\t', '\u{a0}', '-', '.', '/', '(', ')'];

/// How many digits an internal extension has: `3`, or `{ min = 2, max = 4 }`
/// in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "DigitRangeRepr")]
pub struct DigitRange {
    pub min: usize,
    pub max: usize,
}

impl DigitRange {
    pub fn exactly(n: usize) -> DigitRange {
        DigitRange { min: n, max: n }
    }

    pub fn contains(&self, n: usize) -> bool {
        (self.min..=self.max).contains(&n)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DigitRangeRepr {
    Exactly(usize),
    Range { min: usize, max: usize },
}

impl From<DigitRangeRepr> for DigitRange {
    fn from(r: DigitRangeRepr) -> DigitRange {
        match r {
            DigitRangeRepr::Exactly(n) => DigitRange::exactly(n),
            DigitRangeRepr::Range { min, max } => DigitRange { min, max },
        }
    }
}

/// Where the site is in the world's numbering, and how its lines dial.
///
/// All prefixes are digit strings. `area_code` is written without the trunk
/// prefix (`"89"` for Munich), except where the country keeps it
/// ([`keeps_trunk_prefix`](Self::keeps_trunk_prefix), Italy: `"06"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberingPlan {
    /// `"49"`, without `+` or international prefix.
    pub country_code: String,
    #[serde(default)]
    pub area_code: String,
    /// The site's own number within its area (the base of its DID block).
    #[serde(default)]
    pub subscriber: String,
    /// Trunk prefix for national calls (`"0"`; NANP `"1"`).
    #[serde(default = "default_national_prefix")]
    pub national_prefix: String,
    /// International prefix (`"00"`; NANP `"011"`).
    #[serde(default = "default_international_prefix")]
    pub international_prefix: String,
    /// Dialled first to get an outside line from a PBX (`"0"`); may be empty.
    #[serde(default)]
    pub outside_line_prefix: String,
    /// Numbers of this many digits are internal extensions, dialled as is.
    #[serde(default)]
    pub internal_length: Option<DigitRange>,
    /// Refuse every number not written as `+<country code>...`.
    #[serde(default)]
    pub e164_only: bool,
    /// Closed numbering (Italy): the leading 0 belongs to the national
    /// significant number, every national number is written in full, and
    /// there is no local (area-less) form.
    #[serde(default)]
    pub keeps_trunk_prefix: bool,
    /// Fixed length of national significant numbers (NANP: 10), which lets
    /// national numbers be written without the trunk prefix.
    #[serde(default)]
    pub nsn_length: Option<usize>,
}

fn default_national_prefix() -> String {
    "0".into()
}

fn default_international_prefix() -> String {
    "00".into()
}

impl NumberingPlan {
    fn preset(cc: &str, area: &str, subscriber: &str, national: &str, international: &str) -> Self {
        NumberingPlan {
            country_code: cc.into(),
            area_code: area.into(),
            subscriber: subscriber.into(),
            national_prefix: national.into(),
            international_prefix: international.into(),
            outside_line_prefix: String::new(),
            internal_length: None,
            e164_only: false,
            keeps_trunk_prefix: false,
            nsn_length: None,
        }
    }

    /// Germany: `+49`, trunk prefix 0, international 00. `area` without the 0.
    pub fn germany(area: &str, subscriber: &str) -> Self {
        Self::preset("49", area, subscriber, "0", "00")
    }

    /// Italy: `+39`, international 00, the 0 of `area` (`"06"`) is part of
    /// the number; mobile numbers (`3xx`) have none.
    pub fn italy(area: &str, subscriber: &str) -> Self {
        NumberingPlan {
            keeps_trunk_prefix: true,
            ..Self::preset("39", area, subscriber, "", "00")
        }
    }

    /// North American Numbering Plan (US, Canada): `+1`, trunk prefix 1,
    /// international 011, 10-digit national numbers.
    pub fn nanp(area: &str, subscriber: &str) -> Self {
        NumberingPlan {
            nsn_length: Some(10),
            ..Self::preset("1", area, subscriber, "1", "011")
        }
    }

    /// United Kingdom: `+44`, trunk prefix 0, international 00.
    pub fn uk(area: &str, subscriber: &str) -> Self {
        Self::preset("44", area, subscriber, "0", "00")
    }

    pub fn with_outside_line_prefix(mut self, prefix: &str) -> Self {
        self.outside_line_prefix = prefix.into();
        self
    }

    pub fn with_internal_length(mut self, range: DigitRange) -> Self {
        self.internal_length = Some(range);
        self
    }

    pub fn with_e164_only(mut self, on: bool) -> Self {
        self.e164_only = on;
        self
    }

    /// The site's own number block: country, area and subscriber digits.
    pub fn base_digits(&self) -> String {
        format!("{}{}{}", self.country_code, self.area_code, self.subscriber)
    }

    /// Turns what a user wrote into a canonical number.
    pub fn parse(&self, input: &str) -> Result<Number, NumberError> {
        let written = Written::scan(input)?;
        if written.plus {
            return self.international(&written.digits, written.trunk_marker);
        }
        if written.digits.is_empty() {
            return Err(NumberError::Empty);
        }
        if self.e164_only {
            return Err(NumberError::NotInternational);
        }
        self.dialled(&written.digits, written.trunk_marker)
    }

    /// What the line dials for `number`: the outside-line prefix (not for
    /// internal numbers), then the national or international form.
    pub fn dial_string(&self, number: &Number) -> String {
        let digits = match number {
            Number::Internal(ext) => return ext.clone(),
            Number::E164(_) => number.digits(),
        };
        let mut dial = self.outside_line_prefix.clone();
        match split_country_code(digits) {
            Some((cc, nsn)) if cc == self.country_code => {
                if !self.keeps_trunk_prefix {
                    dial.push_str(&self.national_prefix);
                }
                dial.push_str(nsn);
            }
            _ => {
                dial.push_str(&self.international_prefix);
                dial.push_str(digits);
            }
        }
        dial
    }

    /// Normalises the caller id of an incoming call. `None` when it is
    /// withheld, empty or unusable.
    pub fn normalize_caller(&self, raw: &str, ton: Option<TypeOfNumber>) -> Option<Number> {
        let w = Written::scan(raw).ok()?;
        if w.digits.is_empty() {
            return None;
        }
        self.with_type_of_number(&w, ton, |plan, d| plan.dialled(d, w.trunk_marker))
            .ok()
    }

    /// Normalises the called number (DID/MSN) of an incoming call. Besides
    /// what [`normalize_caller`](Self::normalize_caller) accepts, a short
    /// number of unknown or subscriber type is an extension of the site's
    /// block (ISDN point-to-point lines deliver `"20"` for `+4989123456-20`):
    /// that is, digits that do not start with [`subscriber`](Self::subscriber)
    /// and are shorter than it.
    pub fn normalize_called(&self, raw: &str, ton: Option<TypeOfNumber>) -> Option<Number> {
        let w = Written::scan(raw).ok()?;
        if w.digits.is_empty() {
            return None;
        }
        self.with_type_of_number(&w, ton, |plan, d| {
            let s = &plan.subscriber;
            let prefixed = |p: &str| !p.is_empty() && d.starts_with(p);
            if plan.is_internal(d)
                || s.is_empty()
                || prefixed(&plan.international_prefix)
                || (!plan.keeps_trunk_prefix && prefixed(&plan.national_prefix))
            {
                plan.dialled(d, w.trunk_marker)
            } else if d.starts_with(s.as_str()) {
                plan.national(&format!("{}{d}", plan.area_code))
            } else if d.len() < s.len() {
                plan.national(&format!("{}{s}{d}", plan.area_code))
            } else {
                plan.dialled(d, w.trunk_marker)
            }
        })
        .ok()
    }

    /// The extension of `number` within the site: an internal number as it
    /// is, or what follows the site's base number (may be empty). `None` for
    /// numbers outside the site's block or when no subscriber is configured.
    pub fn extension<'n>(&self, number: &'n Number) -> Option<&'n str> {
        match number {
            Number::Internal(ext) => Some(ext),
            Number::E164(_) if !self.subscriber.is_empty() => {
                number.digits().strip_prefix(self.base_digits().as_str())
            }
            Number::E164(_) => None,
        }
    }

    /// Whether two numbers reach the same line of this site: equal, or the
    /// same extension written once internally and once in full.
    pub fn same_line(&self, a: &Number, b: &Number) -> bool {
        a == b || matches!((self.extension(a), self.extension(b)), (Some(x), Some(y)) if x == y)
    }

    fn is_internal(&self, digits: &str) -> bool {
        self.internal_length
            .is_some_and(|r| r.contains(digits.len()))
    }

    /// Applies an ISDN/SIP type of number; `unknown` handles numbers whose
    /// prefixes are still in place.
    fn with_type_of_number(
        &self,
        w: &Written,
        ton: Option<TypeOfNumber>,
        unknown: impl FnOnce(&Self, &str) -> Result<Number, NumberError>,
    ) -> Result<Number, NumberError> {
        let d = w.digits.as_str();
        let strip = |p: &str| {
            if p.is_empty() {
                d
            } else {
                d.strip_prefix(p).unwrap_or(d)
            }
        };
        if w.plus {
            return self.international(d, w.trunk_marker);
        }
        match ton {
            Some(TypeOfNumber::International) => {
                // Some exchanges leave the international prefix in place; no
                // country code starts with 0, so this is unambiguous.
                let rest = strip(&self.international_prefix);
                let marker = w
                    .trunk_marker
                    .and_then(|m| m.checked_sub(d.len() - rest.len()));
                self.international(rest, marker)
            }
            Some(TypeOfNumber::National) if self.keeps_trunk_prefix => self.national(d),
            Some(TypeOfNumber::National) => match self.nsn_length {
                Some(n) if d.len() == n => self.national(d),
                _ => self.national(strip(&self.national_prefix)),
            },
            Some(TypeOfNumber::Subscriber) if !self.keeps_trunk_prefix => {
                self.national(&format!("{}{d}", self.area_code))
            }
            _ => unknown(self, d),
        }
    }

    /// Digits as dialled at the site (no `+`): international prefix,
    /// internal extension, national prefix or a local number.
    fn dialled(&self, d: &str, trunk_marker: Option<usize>) -> Result<Number, NumberError> {
        let ip = &self.international_prefix;
        if !ip.is_empty() && d.starts_with(ip.as_str()) {
            let marker = trunk_marker.and_then(|m| m.checked_sub(ip.len()));
            return self.international(&d[ip.len()..], marker);
        }
        if self.is_internal(d) {
            return Ok(Number::Internal(d.to_owned()));
        }
        if self.keeps_trunk_prefix {
            return self.national(d);
        }
        let np = &self.national_prefix;
        let with_np = !np.is_empty() && d.starts_with(np.as_str());
        if let Some(n) = self.nsn_length {
            return if with_np && d.len() == np.len() + n {
                self.national(&d[np.len()..])
            } else if d.len() == n {
                self.national(d)
            } else if d.len() + self.area_code.len() == n {
                self.national(&format!("{}{d}", self.area_code))
            } else {
                Err(NumberError::WrongLength {
                    country_code: self.country_code.clone(),
                    expected: n,
                    got: if with_np { d.len() - np.len() } else { d.len() },
                })
            };
        }
        if with_np {
            self.national(&d[np.len()..])
        } else {
            self.national(&format!("{}{d}", self.area_code))
        }
    }

    /// A national significant number of the site's own country.
    fn national(&self, nsn: &str) -> Result<Number, NumberError> {
        self.international(&format!("{}{nsn}", self.country_code), None)
    }

    /// Country code and number. `trunk_marker` is the index of a 0 written
    /// as `(0)`, dropped unless the country keeps its trunk 0.
    fn international(&self, d: &str, trunk_marker: Option<usize>) -> Result<Number, NumberError> {
        if d.is_empty() {
            return Err(NumberError::NothingAfterPlus);
        }
        let (cc, _) = split_country_code(d).ok_or_else(|| NumberError::UnknownCountryCode {
            code: d.chars().take(3).collect(),
        })?;
        let mut digits = d.to_owned();
        if let Some(m) = trunk_marker {
            if m >= cc.len() && !keeps_trunk_zero(cc) && digits.as_bytes().get(m) == Some(&b'0') {
                digits.remove(m);
            }
        }
        let nsn = &digits[cc.len()..];
        if digits.len() > E164_MAX_DIGITS {
            return Err(NumberError::TooLong {
                digits: digits.len(),
                max: E164_MAX_DIGITS,
            });
        }
        let home_drops_zero =
            cc == self.country_code && !self.keeps_trunk_prefix && self.national_prefix == "0";
        if nsn.starts_with('0') && (drops_trunk_zero(cc) || home_drops_zero) {
            return Err(NumberError::TrunkPrefixAfterCountryCode {
                country_code: cc.to_owned(),
            });
        }
        let fixed = fixed_nsn_length(cc).or(self.nsn_length.filter(|_| cc == self.country_code));
        if let Some(n) = fixed.filter(|&n| n != nsn.len()) {
            return Err(NumberError::WrongLength {
                country_code: cc.to_owned(),
                expected: n,
                got: nsn.len(),
            });
        }
        if digits.len() < E164_MIN_DIGITS {
            return Err(NumberError::TooShort {
                digits: digits.len(),
                min: E164_MIN_DIGITS,
            });
        }
        Ok(Number::E164(format!("+{digits}")))
    }
}

/// A number as written, reduced to its digits.
#[derive(Debug, Default)]
struct Written {
    plus: bool,
    digits: String,
    /// Index in `digits` of a 0 written as `(0)`.
    trunk_marker: Option<usize>,
}

impl Written {
    fn scan(input: &str) -> Result<Written, NumberError> {
        let chars = input.chars().count();
        if chars > MAX_INPUT_CHARS {
            return Err(NumberError::InputTooLong {
                chars,
                max: MAX_INPUT_CHARS,
            });
        }
        let mut s = input.trim();
        for scheme in SCHEMES {
            if s.get(..scheme.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(scheme))
            {
                s = s[scheme.len()..].trim_start_matches('/').trim();
                // RFC 3966 parameters (`;phone-context=...`, `;ext=`) are not ours.
                s = s.split(';').next().unwrap_or("");
                break;
            }
        }
        let mut w = Written::default();
        let mut rest = s;
        while let Some(c) = rest.chars().next() {
            if rest.starts_with("(0)") {
                w.trunk_marker.get_or_insert(w.digits.len());
                w.digits.push('0');
                rest = &rest[3..];
                continue;
            }
            match c {
                '0'..='9' => w.digits.push(c),
                '+' if w.plus || !w.digits.is_empty() => return Err(NumberError::MisplacedPlus),
                '+' => w.plus = true,
                c if SEPARATORS.contains(&c) => {}
                c if c.is_alphabetic() => return Err(NumberError::Letters { letter: c }),
                c => return Err(NumberError::InvalidCharacter { ch: c }),
            }
            rest = &rest[c.len_utf8()..];
        }
        if !w.plus && w.digits.is_empty() {
            return Err(NumberError::Empty);
        }
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_records_the_trunk_marker() {
        let w = Written::scan("+49 (0)89 123").unwrap();
        assert!(w.plus);
        assert_eq!(w.digits, "49089123");
        assert_eq!(w.trunk_marker, Some(2));
    }

    #[test]
    fn scan_strips_schemes_and_uri_parameters() {
        let w = Written::scan("TEL:+49-89-123;phone-context=example.com").unwrap();
        assert_eq!(w.digits, "4989123");
    }

    #[test]
    fn digit_range_reads_a_number_or_a_range() {
        let r: DigitRange = serde_json::from_str("3").unwrap();
        assert_eq!(r, DigitRange::exactly(3));
        let r: DigitRange = serde_json::from_str(r#"{"min":2,"max":4}"#).unwrap();
        assert!(r.contains(4) && !r.contains(5));
    }
}
