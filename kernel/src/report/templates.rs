//! The texts users read, in English and German, as data.
//!
//! A template is a subject, an intro sentence, a list of fields and an outro.
//! The same template renders the plain text (aligned `Label: value` lines)
//! and the HTML alternative (a table), so the two never drift apart.
//!
//! Patterns use `{name}` placeholders. A field row whose pattern names a
//! value that is missing or empty is left out, so optional journal fields
//! (remote id, billing code, "resumed from page 3") need no code. `{?name}`
//! inserts nothing but still drops the row when `name` is empty. HTML output
//! escapes every value.

use super::Language;
use crate::message::Service;

/// Which text: one per kind of report or notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TemplateKind {
    /// Dispatch confirmation: every page (or the SMS) went through.
    Delivered,
    /// An attempt failed; the gateway will retry.
    Delayed,
    /// Gave up after calls were made.
    Failed,
    /// Never got on a line: bad number, not permitted, render error.
    NotSent,
    /// An operator deleted an outgoing message (to the default recipient).
    Deleted,
    /// Something the gateway could not do (to the default recipient).
    Error,
    IncomingFax,
    IncomingVoice,
    IncomingSms,
}

/// A row of the report: a label and a value pattern per language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Recipient,
    AsWritten,
    Sender,
    Caller,
    Called,
    Subject,
    Pages,
    PagesSent,
    Resumed,
    Duration,
    Rate,
    Resolution,
    RemoteId,
    Line,
    Attempts,
    GaveUp,
    NextAttempt,
    Result,
    Details,
    Problem,
    Service,
    Submitted,
    Received,
    Completed,
    DeletedAt,
    DeletedBy,
    BillingCode,
    Unrouted,
    Attachments,
    Time,
    Reference,
    /// An SMS's fate by the network's status reports.
    Delivery,
}

struct Template<'a> {
    subject: &'a str,
    intro: &'a str,
    /// Quote the `{text}` value (an SMS) between intro and fields.
    text_block: bool,
    fields: &'static [Field],
    outro: &'a str,
}

use Field as F;

const OUTGOING: &[Field] = &[
    F::Recipient,
    F::AsWritten,
    F::Subject,
    F::PagesSent,
    F::Resumed,
    F::Duration,
    F::Rate,
    F::RemoteId,
    F::Attempts,
    F::GaveUp,
    F::NextAttempt,
    F::Result,
    F::Delivery,
    F::Details,
    F::Submitted,
    F::Completed,
    F::BillingCode,
    F::Reference,
];
const NOT_SENT: &[Field] = &[
    F::Recipient,
    F::AsWritten,
    F::Subject,
    F::Pages,
    F::Result,
    F::Details,
    F::Submitted,
    F::Reference,
];
const DELETED: &[Field] = &[
    F::Sender,
    F::Recipient,
    F::AsWritten,
    F::Subject,
    F::PagesSent,
    F::Attempts,
    F::Result,
    F::Submitted,
    F::DeletedAt,
    F::DeletedBy,
    F::BillingCode,
    F::Reference,
];
const ERROR: &[Field] = &[
    F::Problem,
    F::Details,
    F::Service,
    F::Sender,
    F::Recipient,
    F::Time,
    F::Reference,
];
const FAX_IN: &[Field] = &[
    F::Caller,
    F::Called,
    F::Pages,
    F::Received,
    F::RemoteId,
    F::Line,
    F::Duration,
    F::Rate,
    F::Resolution,
    F::Unrouted,
    F::Attachments,
    F::Reference,
];
const VOICE_IN: &[Field] = &[
    F::Caller,
    F::Called,
    F::Duration,
    F::Received,
    F::Line,
    F::Unrouted,
    F::Attachments,
    F::Reference,
];
const SMS_IN: &[Field] = &[
    F::Caller,
    F::Called,
    F::Received,
    F::Line,
    F::Unrouted,
    F::Reference,
];

const fn t(
    subject: &'static str,
    intro: &'static str,
    fields: &'static [Field],
) -> Template<'static> {
    Template {
        subject,
        intro,
        text_block: false,
        fields,
        outro: "",
    }
}

#[rustfmt::skip]
fn template(kind: TemplateKind, lang: Language) -> Template<'static> {
    use TemplateKind as K;
    let mut tpl = match (lang, kind) {
        (Language::En, K::Delivered) => t("{service} to {recipient} sent{pages_note}", "{service} to {recipient} was sent.", OUTGOING),
        (Language::De, K::Delivered) => t("{service} an {recipient} gesendet{pages_note}", "{service} an {recipient} wurde gesendet.", OUTGOING),
        (Language::En, K::Delayed) => t("{service} to {recipient} delayed, will retry", "{service} to {recipient} has not been sent yet. The gateway will try again.", OUTGOING),
        (Language::De, K::Delayed) => t("{service} an {recipient} verzögert, neuer Versuch folgt", "{service} an {recipient} wurde noch nicht gesendet. Das Gateway versucht es erneut.", OUTGOING),
        (Language::En, K::Failed) => t("{service} to {recipient} failed", "{service} to {recipient} could not be sent.", OUTGOING),
        (Language::De, K::Failed) => t("{service} an {recipient} nicht übertragen", "{service} an {recipient} konnte nicht übertragen werden.", OUTGOING),
        (Language::En, K::NotSent) => t("{service} to {recipient} not sent", "{service} to {recipient} was not sent. No call was made.", NOT_SENT),
        (Language::De, K::NotSent) => t("{service} an {recipient} nicht gesendet", "{service} an {recipient} wurde nicht gesendet. Es wurde kein Anruf aufgebaut.", NOT_SENT),
        (Language::En, K::Deleted) => t("{service} to {recipient} deleted", "{service} to {recipient} was deleted by an operator.", DELETED),
        (Language::De, K::Deleted) => t("{service} an {recipient} gelöscht", "{service} an {recipient} wurde von einem Administrator gelöscht.", DELETED),
        (Language::En, K::Error) => t("UMS error: {summary}", "The gateway could not complete a task.", ERROR),
        (Language::De, K::Error) => t("UMS-Fehler: {summary}", "Das Gateway konnte eine Aufgabe nicht ausführen.", ERROR),
        (Language::En, K::IncomingFax) => t("Fax from {caller}{pages_note}", "You received a fax from {caller}.", FAX_IN),
        (Language::De, K::IncomingFax) => t("Fax von {caller}{pages_note}", "Sie haben ein Fax von {caller} erhalten.", FAX_IN),
        (Language::En, K::IncomingVoice) => t("Voice message from {caller}", "You received a voice message from {caller}.", VOICE_IN),
        (Language::De, K::IncomingVoice) => t("Sprachnachricht von {caller}", "Sie haben eine Sprachnachricht von {caller} erhalten.", VOICE_IN),
        (Language::En, K::IncomingSms) => t("SMS from {caller}", "You received an SMS from {caller}:", SMS_IN),
        (Language::De, K::IncomingSms) => t("SMS von {caller}", "Sie haben eine SMS von {caller} erhalten:", SMS_IN),
    };
    tpl.text_block = kind == K::IncomingSms;
    tpl.outro = match lang {
        Language::En => "This message was generated automatically by {gateway}.",
        Language::De => "Diese Nachricht wurde automatisch von {gateway} erstellt.",
    };
    tpl
}

/// Label and value pattern of a field.
fn field(field: Field, lang: Language) -> (&'static str, &'static str) {
    let en = lang == Language::En;
    match field {
        F::Recipient => (if en { "Recipient" } else { "Empfänger" }, "{recipient}"),
        F::AsWritten => (
            if en { "As written" } else { "Eingegeben als" },
            "{original}",
        ),
        F::Sender => (if en { "Sender" } else { "Absender" }, "{sender}"),
        F::Caller => (if en { "From" } else { "Von" }, "{caller}"),
        F::Called => (if en { "To" } else { "An" }, "{called}"),
        F::Subject => (if en { "Subject" } else { "Betreff" }, "{subject}"),
        F::Pages => (if en { "Pages" } else { "Seiten" }, "{pages}"),
        F::PagesSent => {
            if en {
                ("Pages sent", "{pages_sent} of {pages}")
            } else {
                ("Gesendete Seiten", "{pages_sent} von {pages}")
            }
        }
        F::Resumed => {
            if en {
                ("Resumed", "from page {resumed_from}; the pages before it were confirmed in an earlier call")
            } else {
                ("Fortgesetzt", "ab Seite {resumed_from}; die Seiten davor wurden in einem früheren Anruf bestätigt")
            }
        }
        F::Duration => (if en { "Duration" } else { "Dauer" }, "{duration}"),
        F::Rate => (
            if en {
                "Transmit rate"
            } else {
                "Übertragungsrate"
            },
            "{rate} bit/s",
        ),
        F::Resolution => (if en { "Resolution" } else { "Auflösung" }, "{resolution}"),
        F::RemoteId => (
            if en { "Remote station" } else { "Gegenstelle" },
            "{remote_id}",
        ),
        F::Line => (if en { "Line" } else { "Leitung" }, "{line}"),
        F::Attempts => (if en { "Attempts" } else { "Versuche" }, "{attempts}"),
        F::GaveUp => {
            if en {
                ("Retries", "{?gave_up}none left")
            } else {
                ("Wiederholungen", "{?gave_up}keine weiteren")
            }
        }
        F::NextAttempt => (
            if en {
                "Next attempt"
            } else {
                "Nächster Versuch"
            },
            "{next_attempt}",
        ),
        F::Result => (if en { "Result" } else { "Ergebnis" }, "{reason}"),
        F::Details => ("Details", "{diagnostic}"),
        F::Problem => ("Problem", "{summary}"),
        F::Service => (if en { "Service" } else { "Dienst" }, "{service}"),
        F::Submitted => (if en { "Submitted" } else { "Eingereicht" }, "{submitted}"),
        F::Received => (if en { "Received" } else { "Empfangen" }, "{received}"),
        F::Completed => (
            if en { "Completed" } else { "Abgeschlossen" },
            "{completed}",
        ),
        F::DeletedAt => (if en { "Deleted" } else { "Gelöscht" }, "{now}"),
        F::DeletedBy => (
            if en { "Deleted by" } else { "Gelöscht von" },
            "{deleted_by}",
        ),
        F::BillingCode => (
            if en { "Billing code" } else { "Kostenstelle" },
            "{billing_code}",
        ),
        F::Unrouted => {
            if en {
                (
                    "Routing",
                    "{?unrouted}no rule for the called number; delivered to the default recipient",
                )
            } else {
                ("Zustellung", "{?unrouted}keine Regel für die gewählte Nummer; an den Standardempfänger zugestellt")
            }
        }
        F::Attachments => (if en { "Attachments" } else { "Anhänge" }, "{attachments}"),
        F::Time => (if en { "Time" } else { "Zeit" }, "{now}"),
        F::Reference => (if en { "Reference" } else { "Referenz" }, "{id}"),
        F::Delivery => (if en { "Delivery" } else { "Zustellung" }, "{delivery}"),
    }
}

/// The service as a word in the subject and intro ("Fax", "Sprachnachricht").
pub fn service_name(service: Service, lang: Language) -> &'static str {
    match (service, lang) {
        (Service::Fax, _) => "Fax",
        (Service::Sms, _) => "SMS",
        (Service::Voice, Language::En) => "Voice message",
        (Service::Voice, Language::De) => "Sprachnachricht",
    }
}

/// The caller of an incoming call without caller id, as it fits "Fax from …".
pub fn unknown_caller(lang: Language) -> &'static str {
    match lang {
        Language::En => "an unknown number",
        Language::De => "unbekannter Nummer",
    }
}

/// ` (3 pages)` for a subject, empty for no pages.
pub fn pages_note(pages: u32, lang: Language) -> String {
    match (pages, lang) {
        (0, _) => String::new(),
        (1, Language::En) => " (1 page)".into(),
        (n, Language::En) => format!(" ({n} pages)"),
        (1, Language::De) => " (1 Seite)".into(),
        (n, Language::De) => format!(" ({n} Seiten)"),
    }
}

/// Values for the placeholders, by name.
#[derive(Debug, Clone, Default)]
pub struct Vars(Vec<(&'static str, String)>);

impl Vars {
    /// Sets a value (replacing an earlier one of the same name).
    pub fn set(&mut self, name: &'static str, value: impl Into<String>) {
        let value = value.into();
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    /// Sets a value when there is one.
    pub fn set_opt(&mut self, name: &'static str, value: Option<impl Into<String>>) {
        if let Some(v) = value {
            self.set(name, v);
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }
}

/// A rendered template: the subject and both bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub plain: String,
    pub html: String,
    /// Where in `html` a figure goes: after the report's table, before the
    /// closing words.
    figure_at: usize,
}

/// An image shown in the HTML body under the report (a fax's first page).
#[derive(Debug, Clone, Copy)]
pub struct Figure<'a> {
    /// The image's URL (`cid:...` for a part of the same mail).
    pub src: &'a str,
    /// What a reader that shows no images says instead.
    pub alt: &'a str,
    /// The image's size in pixels, so the layout does not jump when it loads.
    pub width: u32,
    pub height: u32,
}

impl Rendered {
    /// The HTML body with `figure` under the report table (the text body
    /// stays as it is: it has no place for an image).
    pub fn with_figure(mut self, figure: &Figure) -> Rendered {
        let img = format!(
            "<p><img src=\"{}\" alt=\"{}\" width=\"{}\" height=\"{}\" \
             style=\"max-width: 100%; height: auto; border: 1px solid #999\"></p>\n",
            escape_html(figure.src),
            escape_html(figure.alt),
            figure.width,
            figure.height
        );
        self.html.insert_str(self.figure_at, &img);
        self.figure_at += img.len();
        self
    }
}

/// Substitutes placeholders. A placeholder without a value makes it `None`
/// (the row is dropped).
fn substitute(pattern: &str, vars: &Vars, html: bool) -> Option<String> {
    let mut complete = true;
    let out = substitute_lenient(pattern, vars, html, &mut complete);
    complete.then_some(out)
}

/// Substitutes placeholders, leaving missing values empty and noting them.
fn substitute_lenient(pattern: &str, vars: &Vars, html: bool, complete: &mut bool) -> String {
    let mut out = String::with_capacity(pattern.len() + 32);
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 1..start + len];
        let (name, silent) = match name.strip_prefix('?') {
            Some(n) => (n, true),
            None => (name, false),
        };
        match vars.get(name) {
            Some(_) if silent => {}
            Some(v) if html => out.push_str(&escape_html(v)),
            Some(v) => out.push_str(v),
            None => *complete = false,
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// Renders a template in the given language with the values.
pub fn render(kind: TemplateKind, lang: Language, vars: &Vars) -> Rendered {
    render_with(&Templates::default(), kind, lang, vars)
}

/// Renders a template, with the site's own texts (see [`Templates`]) where
/// it has them for this kind and language.
pub fn render_with(
    overrides: &Templates,
    kind: TemplateKind,
    lang: Language,
    vars: &Vars,
) -> Rendered {
    let mut tpl = template(kind, lang);
    let own = overrides.get(kind, lang);
    if let Some(own) = &own {
        if let Some(s) = &own.subject {
            tpl.subject = s;
        }
        if let Some(s) = &own.intro {
            tpl.intro = s;
        }
        if let Some(s) = &own.outro {
            tpl.outro = s;
        }
    }
    let text = |pattern: &str, html: bool| substitute_lenient(pattern, vars, html, &mut true);
    let rows: Vec<(&str, String, String)> = tpl
        .fields
        .iter()
        .filter_map(|&f| {
            let (label, pattern) = field(f, lang);
            Some((
                label,
                substitute(pattern, vars, false)?,
                substitute(pattern, vars, true)?,
            ))
        })
        .collect();
    let width = rows
        .iter()
        .map(|(l, _, _)| l.chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    let quoted = tpl
        .text_block
        .then(|| vars.get("text").unwrap_or(""))
        .filter(|t| !t.is_empty());

    let mut plain = format!("{}\n\n", text(tpl.intro, false));
    if let Some(sms) = quoted {
        for line in sms.lines() {
            plain.push_str(&format!("  {line}\n"));
        }
        plain.push('\n');
    }
    for (label, value, _) in &rows {
        let pad = width - label.chars().count();
        plain.push_str(&format!("{label}:{}{value}\n", " ".repeat(pad - 1)));
    }
    plain.push_str(&format!("\n-- \n{}\n", text(tpl.outro, false)));

    let subject = text(tpl.subject, false);
    let mut html = String::from("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str(&format!(
        "<title>{}</title>\n</head>\n<body style=\"font-family: sans-serif\">\n",
        escape_html(&subject)
    ));
    html.push_str(&format!("<p>{}</p>\n", text(tpl.intro, true)));
    if let Some(sms) = quoted {
        let lines: Vec<String> = sms.lines().map(escape_html).collect();
        html.push_str(&format!(
            "<blockquote>{}</blockquote>\n",
            lines.join("<br>\n")
        ));
    }
    html.push_str("<table>\n");
    for (label, _, value) in &rows {
        html.push_str(&format!(
            "<tr><th align=\"left\" valign=\"top\">{}</th><td>{value}</td></tr>\n",
            escape_html(label)
        ));
    }
    html.push_str("</table>\n");
    let figure_at = html.len();
    html.push_str(&format!(
        "<p><small>{}</small></p>\n</body>\n</html>\n",
        text(tpl.outro, true)
    ));
    Rendered {
        subject,
        plain,
        html,
        figure_at,
    }
}

/// Every placeholder name a template may use.
pub const NAMES: &[&str] = &[
    "service",
    "recipient",
    "original",
    "sender",
    "caller",
    "called",
    "subject",
    "pages",
    "pages_sent",
    "pages_note",
    "resumed_from",
    "duration",
    "rate",
    "resolution",
    "remote_id",
    "line",
    "attempts",
    "gave_up",
    "next_attempt",
    "reason",
    "diagnostic",
    "summary",
    "submitted",
    "received",
    "completed",
    "now",
    "deleted_by",
    "billing_code",
    "unrouted",
    "attachments",
    "id",
    "gateway",
    "text",
    "delivery",
];

impl TemplateKind {
    /// Every kind, in the order of the enum.
    pub const ALL: [TemplateKind; 9] = [
        TemplateKind::Delivered,
        TemplateKind::Delayed,
        TemplateKind::Failed,
        TemplateKind::NotSent,
        TemplateKind::Deleted,
        TemplateKind::Error,
        TemplateKind::IncomingFax,
        TemplateKind::IncomingVoice,
        TemplateKind::IncomingSms,
    ];

    /// The kind's name in a template file (`delivered`, `incoming-fax`).
    pub fn name(self) -> &'static str {
        match self {
            TemplateKind::Delivered => "delivered",
            TemplateKind::Delayed => "delayed",
            TemplateKind::Failed => "failed",
            TemplateKind::NotSent => "not-sent",
            TemplateKind::Deleted => "deleted",
            TemplateKind::Error => "error",
            TemplateKind::IncomingFax => "incoming-fax",
            TemplateKind::IncomingVoice => "incoming-voice",
            TemplateKind::IncomingSms => "incoming-sms",
        }
    }

    pub fn from_name(name: &str) -> Option<TemplateKind> {
        TemplateKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A site's own texts for one kind of report in one language; what is
/// `None` stays the built-in text. The rows (fields) stay as built in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateText {
    pub subject: Option<String>,
    pub intro: Option<String>,
    pub outro: Option<String>,
}

/// The first problem of a pattern: a `{` without `}`, or a placeholder
/// that is not in [`NAMES`]. Gives the byte offset in the pattern and the
/// reason.
pub fn check_pattern(pattern: &str) -> Result<(), (usize, String)> {
    let mut at = 0;
    while let Some(start) = pattern[at..].find('{').map(|i| at + i) {
        let Some(len) = pattern[start..].find('}') else {
            return Err((start, "'{' without a closing '}'".into()));
        };
        let name = &pattern[start + 1..start + len];
        let bare = name.strip_prefix('?').unwrap_or(name);
        if !NAMES.contains(&bare) {
            return Err((
                start,
                format!(
                    "unknown placeholder {{{name}}}; known: {}",
                    NAMES.join(", ")
                ),
            ));
        }
        at = start + len + 1;
    }
    Ok(())
}

/// The site's own report texts, shared by every clone (of the
/// [`ReportConfig`](super::ReportConfig) that holds them), so a
/// configuration reload swaps them everywhere at once. Empty by default:
/// the built-in texts.
#[derive(Clone, Default)]
pub struct Templates(
    std::sync::Arc<
        std::sync::RwLock<std::collections::HashMap<(TemplateKind, Language), TemplateText>>,
    >,
);

impl Templates {
    /// A set with these texts.
    pub fn new(texts: impl IntoIterator<Item = ((TemplateKind, Language), TemplateText)>) -> Self {
        let t = Templates::default();
        t.replace(texts);
        t
    }

    /// Swap in other texts (a reload); every holder sees them.
    pub fn replace(
        &self,
        texts: impl IntoIterator<Item = ((TemplateKind, Language), TemplateText)>,
    ) {
        let mut map = crate::lock::write(&self.0);
        *map = texts.into_iter().collect();
    }

    /// The own text for a kind and language, if the site has one.
    pub fn get(&self, kind: TemplateKind, lang: Language) -> Option<TemplateText> {
        let map = crate::lock::read(&self.0);
        map.get(&(kind, lang)).cloned()
    }

    /// Every own text, as [`Templates::new`] takes them.
    pub fn texts(&self) -> Vec<((TemplateKind, Language), TemplateText)> {
        let map = crate::lock::read(&self.0);
        map.iter().map(|(k, v)| (*k, v.clone())).collect()
    }

    pub fn len(&self) -> usize {
        crate::lock::read(&self.0).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PartialEq for Templates {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
            || *crate::lock::read(&self.0) == *crate::lock::read(&other.0)
    }
}

impl Eq for Templates {}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Templates({} own texts)", self.len())
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
pub fn escape_html(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [TemplateKind; 9] = [
        TemplateKind::Delivered,
        TemplateKind::Delayed,
        TemplateKind::Failed,
        TemplateKind::NotSent,
        TemplateKind::Deleted,
        TemplateKind::Error,
        TemplateKind::IncomingFax,
        TemplateKind::IncomingVoice,
        TemplateKind::IncomingSms,
    ];

    #[test]
    fn every_placeholder_is_known_and_filled() {
        let mut vars = Vars::default();
        for name in NAMES {
            vars.set(name, "x");
        }
        for lang in [Language::En, Language::De] {
            for kind in KINDS {
                let tpl = template(kind, lang);
                let r = render(kind, lang, &vars);
                assert!(
                    !r.plain.contains('{') && !r.html.contains('{') && !r.subject.contains('{'),
                    "{kind:?}"
                );
                assert_eq!(r.html.matches("<tr>").count(), tpl.fields.len(), "{kind:?}");
            }
        }
    }

    #[test]
    fn rows_without_a_value_are_left_out() {
        let mut vars = Vars::default();
        vars.set("recipient", "+4989123456");
        vars.set("pages_sent", "3");
        vars.set("pages", "3");
        let r = render(TemplateKind::Delivered, Language::En, &vars);
        assert!(r.plain.contains("Pages sent:"));
        assert!(
            !r.plain.contains("Resumed")
                && !r.plain.contains("Retries")
                && !r.html.contains("Remote station")
        );
    }

    #[test]
    fn own_texts_replace_the_built_in_ones() {
        let own = Templates::new([(
            (TemplateKind::Delivered, Language::En),
            TemplateText {
                subject: Some("Done: {recipient}".into()),
                intro: None,
                outro: Some("Sent by the ACME fax room.".into()),
            },
        )]);
        let mut vars = Vars::default();
        vars.set("recipient", "+4989123456");
        let r = render_with(&own, TemplateKind::Delivered, Language::En, &vars);
        assert_eq!(r.subject, "Done: +4989123456");
        assert!(r.plain.contains("ACME fax room") && r.html.contains("ACME fax room"));
        assert!(r.plain.contains("was sent."), "the built-in intro stays");
        let de = render_with(&own, TemplateKind::Delivered, Language::De, &vars);
        assert!(!de.plain.contains("ACME"));
        own.replace([]);
        let r = render_with(&own, TemplateKind::Delivered, Language::En, &vars);
        assert!(!r.plain.contains("ACME"));
    }

    #[test]
    fn patterns_are_checked() {
        assert!(check_pattern("Fax from {caller}{?unrouted}").is_ok());
        assert_eq!(check_pattern("x {callr}").unwrap_err().0, 2);
        assert!(check_pattern("x {caller").is_err());
    }

    #[test]
    fn html_values_are_escaped() {
        let mut vars = Vars::default();
        vars.set("subject", "<b>Tom & Jerry</b>");
        let r = render(TemplateKind::Delivered, Language::En, &vars);
        assert!(r.html.contains("&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;"));
        assert!(r.plain.contains("<b>Tom & Jerry</b>"));
    }
}
