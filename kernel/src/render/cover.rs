//! Cover pages: when a mail gets one, and what it says.
//!
//! The cover is a plain text template with `{placeholders}`: `{from}`,
//! `{to}`, `{subject}`, `{date}`, `{pages}` (the whole fax, cover included)
//! and `{body}` (the mail's text). `{{` and `}}` stand for literal braces; an
//! unknown placeholder is printed as written, so a typo shows on the page
//! instead of vanishing. The body text goes onto the cover and flows onto
//! further pages when it is long, as on the commercial fax servers.

use std::str::FromStr;

use crate::report::Language;

/// When a mail gets a cover page (the modes of the commercial products).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CoverMode {
    /// Only when the body has text (the text is then printed on the cover).
    #[default]
    WhenBodyHasText,
    /// Always, even for a mail with only attachments.
    Always,
    /// Only when the mail has no attachment.
    WhenNoAttachment,
    /// Never: the body text, if any, is printed as plain pages.
    Never,
}

impl CoverMode {
    /// Whether a mail with (or without) body text and attachments gets a cover.
    pub fn wants_cover(self, body_has_text: bool, has_attachments: bool) -> bool {
        match self {
            CoverMode::WhenBodyHasText => body_has_text,
            CoverMode::Always => true,
            CoverMode::WhenNoAttachment => !has_attachments,
            CoverMode::Never => false,
        }
    }
}

impl FromStr for CoverMode {
    type Err = String;

    /// `text` (default), `always`, `no-attachment`, `never`.
    fn from_str(s: &str) -> Result<CoverMode, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" | "when-text" | "body" => Ok(CoverMode::WhenBodyHasText),
            "always" => Ok(CoverMode::Always),
            "no-attachment" | "noattachment" | "when-no-attachment" => {
                Ok(CoverMode::WhenNoAttachment)
            }
            "never" | "none" => Ok(CoverMode::Never),
            other => Err(format!(
                "unknown cover mode {other:?} (use text, always, no-attachment or never)"
            )),
        }
    }
}

/// The built-in English cover template.
pub const COVER_TEMPLATE_EN: &str = "\
FAX

To:       {to}
From:     {from}
Date:     {date}
Subject:  {subject}
Pages:    {pages} (including this cover page)

{body}
";

/// The built-in German cover template.
pub const COVER_TEMPLATE_DE: &str = "\
TELEFAX

An:       {to}
Von:      {from}
Datum:    {date}
Betreff:  {subject}
Seiten:   {pages} (einschließlich dieses Deckblatts)

{body}
";

/// The built-in template for a language.
pub fn builtin_template(language: Language) -> &'static str {
    match language {
        Language::En => COVER_TEMPLATE_EN,
        Language::De => COVER_TEMPLATE_DE,
    }
}

/// The values a cover template is filled with.
#[derive(Debug, Clone, Default)]
pub struct CoverFields<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub date: &'a str,
    pub pages: u32,
    pub body: &'a str,
}

/// Fill `template` with `fields`. Values are inserted as they are (a
/// placeholder inside a value is not expanded again).
pub fn fill_template(template: &str, fields: &CoverFields<'_>) -> String {
    let mut out = String::with_capacity(template.len() + fields.body.len());
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('{') {
            if let Some(end) = tail.find('}') {
                let key = &tail[1..end];
                let value = match key.trim().to_ascii_lowercase().as_str() {
                    "from" => Some(fields.from.to_owned()),
                    "to" => Some(fields.to.to_owned()),
                    "subject" => Some(fields.subject.to_owned()),
                    "date" => Some(fields.date.to_owned()),
                    "pages" => Some(fields.pages.to_string()),
                    "body" => Some(fields.body.to_owned()),
                    _ => None,
                };
                if let Some(v) = value {
                    out.push_str(&v);
                    rest = &tail[end + 1..];
                    continue;
                }
            }
        }
        out.push_str(&tail[..1]);
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_fill_and_unknown_ones_stay() {
        let f = CoverFields {
            from: "Anna <anna@example.com>",
            to: "+49 30 1234",
            subject: "Offer {pages}",
            date: "2026-11-27 10:00",
            pages: 3,
            body: "Hello",
        };
        let s = fill_template("{to}|{from}|{subject}|{pages}|{nope}|{{x}}|{body}", &f);
        assert_eq!(
            s,
            "+49 30 1234|Anna <anna@example.com>|Offer {pages}|3|{nope}|{x}|Hello"
        );
        assert_eq!(fill_template("a { b", &f), "a { b");
        assert_eq!(fill_template("trailing {", &f), "trailing {");
    }

    #[test]
    fn modes_decide_as_documented() {
        use CoverMode::*;
        let table = [
            (WhenBodyHasText, [false, false, true, true]),
            (Always, [true, true, true, true]),
            (WhenNoAttachment, [true, false, true, false]),
            (Never, [false, false, false, false]),
        ];
        for (mode, want) in table {
            let got = [
                mode.wants_cover(false, false),
                mode.wants_cover(false, true),
                mode.wants_cover(true, false),
                mode.wants_cover(true, true),
            ];
            assert_eq!(got, want, "{mode:?}");
        }
        assert_eq!("no-attachment".parse::<CoverMode>(), Ok(WhenNoAttachment));
        assert!("sometimes".parse::<CoverMode>().is_err());
    }

    #[test]
    fn german_template_has_every_field() {
        for t in [COVER_TEMPLATE_EN, COVER_TEMPLATE_DE] {
            for key in ["{to}", "{from}", "{date}", "{subject}", "{pages}", "{body}"] {
                assert!(t.contains(key), "{key} missing");
            }
        }
    }
}
