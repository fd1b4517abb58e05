//! A text as one SMS or as concatenated parts (3GPP TS 23.040 §9.2.3.24.1):
//! the default alphabet where every character fits it, UCS-2 otherwise;
//! 160 septets or 70 UCS-2 units in one SMS, 153/67 per part with an 8-bit
//! reference, 152/66 with a 16-bit one. A part never ends between an
//! escape and its extension character, nor inside a surrogate pair.

use super::alphabet::{gsm7_len, gsm7_septets};
use super::user_data::{Coding, Concat, UserData};

/// Why a text cannot go as SMS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SplitError {
    /// The text needs more parts than allowed (the configured maximum, or
    /// 255).
    #[error("the text needs {needed} SMS, at most {max} are allowed")]
    TooManyParts {
        /// Parts the text would take.
        needed: usize,
        /// Parts allowed.
        max: usize,
    },
    /// Nothing to send.
    #[error("the text is empty")]
    Empty,
}

/// The concatenation reference: 8 or 16 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// IEI 0x00.
    Short(u8),
    /// IEI 0x08.
    Wide(u16),
}

/// The user data of each SMS that carries `text`, in order.
pub fn split(
    text: &str,
    reference: Reference,
    max_parts: usize,
) -> Result<Vec<UserData>, SplitError> {
    if text.is_empty() {
        return Err(SplitError::Empty);
    }
    let max = max_parts.min(255);
    let coding = if gsm7_len(text).is_some() {
        Coding::Gsm7
    } else {
        Coding::Ucs2
    };
    // Each character with its cost: septets, or UTF-16 units.
    let cost = |c: char| match coding {
        Coding::Gsm7 => gsm7_septets(c).map_or(1, |(_, n)| n),
        _ => c.len_utf16(),
    };
    let (single, per_part) = match (coding, reference) {
        (Coding::Gsm7, Reference::Short(_)) => (160, 153),
        (Coding::Gsm7, Reference::Wide(_)) => (160, 152),
        (_, Reference::Short(_)) => (70, 67),
        (_, Reference::Wide(_)) => (70, 66),
    };
    let total: usize = text.chars().map(cost).sum();
    if total <= single {
        if max == 0 {
            return Err(SplitError::TooManyParts { needed: 1, max });
        }
        return Ok(vec![UserData {
            coding,
            concat: None,
            text: text.to_string(),
        }]);
    }
    let mut parts: Vec<String> = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let n = cost(c);
        if used + n > per_part {
            parts.push(String::new());
            used = 0;
        }
        parts.last_mut().expect("one part at least").push(c);
        used += n;
    }
    if parts.len() > max {
        return Err(SplitError::TooManyParts {
            needed: parts.len(),
            max,
        });
    }
    let total = parts.len() as u8;
    let (reference, wide) = match reference {
        Reference::Short(r) => (u16::from(r), false),
        Reference::Wide(r) => (r, true),
    };
    Ok(parts
        .into_iter()
        .enumerate()
        .map(|(i, text)| UserData {
            coding,
            concat: Some(Concat {
                reference,
                wide,
                total,
                seq: i as u8 + 1,
            }),
            text,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lens(text: &str, r: Reference) -> Vec<usize> {
        split(text, r, 255)
            .unwrap()
            .iter()
            .map(|u| u.text.chars().count())
            .collect()
    }

    #[test]
    fn part_boundaries_of_the_default_alphabet() {
        let s = Reference::Short(7);
        assert_eq!(lens(&"a".repeat(160), s), [160]);
        assert_eq!(lens(&"a".repeat(161), s), [153, 8]);
        assert_eq!(lens(&"a".repeat(306), s), [153, 153]);
        assert_eq!(lens(&"a".repeat(307), s), [153, 153, 1]);
        assert_eq!(lens(&"a".repeat(304), Reference::Wide(7)), [152, 152]);
        assert_eq!(split(&"a".repeat(1000), s, 255).unwrap().len(), 7);
    }

    #[test]
    fn an_escape_stays_with_its_character() {
        // 152 'a' then '€': 154 septets, no room for both septets of '€'.
        let text = format!("{}€{}", "a".repeat(152), "b".repeat(10));
        let parts = split(&text, Reference::Short(1), 9).unwrap();
        assert_eq!(parts[0].text, "a".repeat(152));
        assert!(parts[1].text.starts_with('€'));
    }

    #[test]
    fn ucs2_never_splits_a_surrogate_pair() {
        let text = format!("{}😀{}", "ä".repeat(66), "ä".repeat(5));
        assert_eq!(gsm7_len(&text), None);
        let parts = split(&text, Reference::Short(1), 9).unwrap();
        assert_eq!(parts[0].coding, Coding::Ucs2);
        assert_eq!(parts[0].text, "ä".repeat(66));
        assert_eq!(parts[1].text, format!("😀{}", "ä".repeat(5)));
        assert_eq!(lens(&"ł".repeat(70), Reference::Short(1)), [70]);
    }

    #[test]
    fn too_many_parts_is_a_clear_refusal() {
        let e = split(&"a".repeat(307), Reference::Short(1), 2).unwrap_err();
        assert_eq!(e, SplitError::TooManyParts { needed: 3, max: 2 });
        assert_eq!(e.to_string(), "the text needs 3 SMS, at most 2 are allowed");
        assert_eq!(split("", Reference::Short(1), 2), Err(SplitError::Empty));
    }
}
