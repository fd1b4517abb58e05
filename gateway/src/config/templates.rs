//! `[reports] templates_dir`: the site's own report texts.
//!
//! The directory holds one file per language, `en.toml` and/or `de.toml`,
//! with a table per kind of report and the texts it replaces; what a file
//! leaves out stays the built-in text, and the rows of values (recipient,
//! pages, ...) stay as built in:
//!
//! ```toml
//! [delivered]                  # also: delayed, failed, not-sent, deleted, error,
//! subject = "Fax to {recipient} sent{pages_note}"   # incoming-fax, incoming-voice,
//! intro = "Your fax to {recipient} went through."   # incoming-sms
//! outro = "ACME fax room, extension 100"
//! ```
//!
//! Every file is checked when the configuration is (start, `check-config`,
//! SIGHUP): an unknown table, key, language or placeholder, or a file that
//! cannot be read, is an error `file:line:column: key: what is wrong`.

use std::path::Path;

use kernel::report::templates::{check_pattern, TemplateKind, TemplateText};
use kernel::report::Language;
use toml::de::{DeTable, DeValue};

use super::locate::line_column;
use super::ConfigError;

/// The own texts, by kind and language.
pub type OwnTexts = Vec<((TemplateKind, Language), TemplateText)>;

/// Reads and checks every file of the directory.
pub fn load(dir: &Path) -> Result<OwnTexts, ConfigError> {
    let err = |file: &Path, message: String| ConfigError {
        file: file.display().to_string(),
        line: 0,
        column: 0,
        key: None,
        message,
    };
    let entries = std::fs::read_dir(dir)
        .map_err(|e| err(dir, format!("cannot read the templates directory: {e}")))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| err(dir, format!("cannot read the directory: {e}")))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let lang = match name.as_str() {
            "en.toml" => Language::En,
            "de.toml" => Language::De,
            _ => {
                return Err(err(
                    &entry.path(),
                    "not a template file: the directory holds en.toml and de.toml \
                     (one per language)"
                        .into(),
                ))
            }
        };
        files.push((entry.path(), lang));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut texts = Vec::new();
    for (file, lang) in files {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| err(&file, format!("cannot read the template file: {e}")))?;
        texts.extend(parse(&text, &file.display().to_string(), lang)?);
    }
    Ok(texts)
}

/// Parses one language's file; `name` is used in errors.
pub fn parse(text: &str, name: &str, lang: Language) -> Result<OwnTexts, ConfigError> {
    let at = |offset: usize, key: Option<String>, message: String| {
        let (line, column) = line_column(text, offset);
        ConfigError {
            file: name.to_string(),
            line,
            column,
            key,
            message,
        }
    };
    let root = DeTable::parse(text).map_err(|e| {
        at(
            e.span().map_or(0, |s| s.start),
            None,
            e.message().trim().replace('\n', " "),
        )
    })?;
    let mut out = Vec::new();
    for (table_name, value) in root.get_ref() {
        let tname = table_name.get_ref().as_ref();
        let Some(kind) = TemplateKind::from_name(tname) else {
            let known: Vec<&str> = TemplateKind::ALL.iter().map(|k| k.name()).collect();
            return Err(at(
                table_name.span().start,
                Some(tname.to_string()),
                format!("unknown kind of report; known: {}", known.join(", ")),
            ));
        };
        let DeValue::Table(table) = value.get_ref() else {
            return Err(at(
                value.span().start,
                Some(tname.to_string()),
                format!("write a table: [{tname}] with subject, intro and outro"),
            ));
        };
        let mut own = TemplateText::default();
        for (k, v) in table {
            let key = k.get_ref().as_ref();
            let dotted = format!("{tname}.{key}");
            let slot = match key {
                "subject" => &mut own.subject,
                "intro" => &mut own.intro,
                "outro" => &mut own.outro,
                _ => {
                    return Err(at(
                        k.span().start,
                        Some(dotted),
                        "unknown key; a template has subject, intro and outro".into(),
                    ))
                }
            };
            let DeValue::String(s) = v.get_ref() else {
                return Err(at(v.span().start, Some(dotted), "write a string".into()));
            };
            if let Err((offset, reason)) = check_pattern(s) {
                return Err(at(
                    value_offset(text, v.span(), s, offset),
                    Some(dotted),
                    reason,
                ));
            }
            if key == "subject" && s.contains(['\r', '\n']) {
                return Err(at(
                    v.span().start,
                    Some(dotted),
                    "a subject is one line".into(),
                ));
            }
            *slot = Some(s.to_string());
        }
        out.push(((kind, lang), own));
    }
    Ok(out)
}

/// Where byte `offset` of a string value is in the file: exact for a string
/// written without escapes, else the start of the value.
fn value_offset(text: &str, span: std::ops::Range<usize>, value: &str, offset: usize) -> usize {
    let raw = text.get(span.clone()).unwrap_or("");
    for quote in ["\"\"\"", "'''", "\"", "'"] {
        if let Some(inner) = raw.strip_prefix(quote).and_then(|r| r.strip_suffix(quote)) {
            if inner == value {
                return span.start + quote.len() + offset;
            }
        }
    }
    span.start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_of_own_texts() {
        let t = parse(
            "[delivered]\nsubject = \"Sent to {recipient}\"\n\n[incoming-sms]\noutro = \"ACME\"\n",
            "en.toml",
            Language::En,
        )
        .unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].0, (TemplateKind::Delivered, Language::En));
        assert_eq!(t[0].1.subject.as_deref(), Some("Sent to {recipient}"));
        assert_eq!(t[1].1.outro.as_deref(), Some("ACME"));
    }

    #[test]
    fn errors_say_where() {
        let e = parse(
            "[delivered]\nintro = \"Sent to {recipent}\"\n",
            "en.toml",
            Language::En,
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (2, 18), "{e}");
        assert_eq!(e.key.as_deref(), Some("delivered.intro"));
        assert!(
            e.to_string().contains("unknown placeholder {recipent}"),
            "{e}"
        );
        let e = parse("[deliverd]\n", "en.toml", Language::En).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("en.toml:1:2: deliverd: unknown kind"),
            "{e}"
        );
        let e = parse("[failed]\nsubjct = \"x\"\n", "en.toml", Language::En).unwrap_err();
        assert!(
            e.to_string().starts_with("en.toml:2:1: failed.subjct:"),
            "{e}"
        );
        assert!(parse("[failed\n", "en.toml", Language::En).is_err());
    }
}
