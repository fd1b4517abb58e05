//! Number patterns for dialling policy and inbound routing: digits, `?` for
//! exactly one digit, `*` for any run of digits (also none).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest pattern we accept (E.164 plus a generous extension).
const MAX_PATTERN_CHARS: usize = 40;

/// Characters written between digits for readability.
const SEPARATORS: &[char] = &[' ', '-', '.', '/', '(', ')'];

/// A number pattern such as `+49900*`, `12?` or `+4989123456*`.
///
/// Separators (space, `-`, `.`, `/`, parentheses) are ignored. Whether a
/// leading `+` was written is kept: routing uses it to tell a pattern over
/// the whole international number from one over an extension.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Pattern {
    written: String,
    international: bool,
    /// Digits, `?` and `*` only.
    body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    #[error("empty number pattern")]
    Empty,
    #[error("number pattern '{pattern}': '{ch}' is not allowed (digits, '?', '*' and a leading '+' only)")]
    InvalidCharacter { pattern: String, ch: char },
    #[error("number pattern '{pattern}' is too long (at most {max} characters)")]
    TooLong { pattern: String, max: usize },
}

impl Pattern {
    pub fn new(written: &str) -> Result<Pattern, PatternError> {
        let trimmed = written.trim();
        if trimmed.chars().count() > MAX_PATTERN_CHARS {
            return Err(PatternError::TooLong {
                pattern: trimmed.into(),
                max: MAX_PATTERN_CHARS,
            });
        }
        let (international, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let mut body = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' | '?' | '*' => body.push(c),
                c if SEPARATORS.contains(&c) => {}
                c => {
                    return Err(PatternError::InvalidCharacter {
                        pattern: trimmed.into(),
                        ch: c,
                    })
                }
            }
        }
        if body.is_empty() {
            return Err(PatternError::Empty);
        }
        Ok(Pattern {
            written: trimmed.into(),
            international,
            body,
        })
    }

    /// Written with a leading `+`.
    pub fn is_international(&self) -> bool {
        self.international
    }

    /// Digits, `?` and `*`, without `+` and separators.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The pattern matches all of `digits`.
    pub fn matches(&self, digits: &str) -> bool {
        glob(self.body.as_bytes(), digits.as_bytes(), false)
    }

    /// The pattern matches the start of `digits` (as if it ended in `*`).
    pub fn matches_prefix(&self, digits: &str) -> bool {
        glob(self.body.as_bytes(), digits.as_bytes(), true)
    }

    /// How much of a number the pattern pins down: its digits and `?`. Of two
    /// patterns that match, the more specific one is the more deliberate.
    pub fn specificity(&self) -> usize {
        self.body.bytes().filter(|&b| b != b'*').count()
    }
}

/// Wildcard match with one backtracking point per `*` (linear in practice,
/// at worst pattern length times input length).
fn glob(p: &[u8], s: &[u8], prefix: bool) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if prefix && pi == p.len() {
            return true;
        }
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&c) if c == b'?' || c == s[si] => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

impl TryFrom<String> for Pattern {
    type Error = PatternError;
    fn try_from(s: String) -> Result<Pattern, PatternError> {
        Pattern::new(&s)
    }
}

impl From<Pattern> for String {
    fn from(p: Pattern) -> String {
        p.written
    }
}

impl std::str::FromStr for Pattern {
    type Err = PatternError;
    fn from_str(s: &str) -> Result<Pattern, PatternError> {
        Pattern::new(s)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Pattern {
        Pattern::new(s).unwrap()
    }

    #[test]
    fn question_mark_is_exactly_one_digit() {
        assert!(p("12?").matches("123"));
        assert!(!p("12?").matches("12"));
        assert!(!p("12?").matches("1234"));
    }

    #[test]
    fn star_is_any_run_including_none() {
        assert!(p("49*").matches("49"));
        assert!(p("49*").matches("4989123"));
        assert!(p("*23").matches("123"));
        assert!(p("4*9*3").matches("4989123"));
        assert!(!p("4*9*4").matches("4989123"));
    }

    #[test]
    fn prefix_matching_adds_an_implicit_star() {
        assert!(p("+49 900").matches_prefix("49900123456"));
        assert!(!p("+49 900").matches("49900123456"));
        assert!(!p("+49 900").matches_prefix("4990"));
    }

    #[test]
    fn separators_are_ignored_and_letters_refused() {
        assert_eq!(p("+49 (89) 123-4*").body(), "49891234*");
        assert!(p("+49").is_international());
        assert!(matches!(
            Pattern::new("49x"),
            Err(PatternError::InvalidCharacter { ch: 'x', .. })
        ));
        assert_eq!(Pattern::new(" + "), Err(PatternError::Empty));
    }
}
