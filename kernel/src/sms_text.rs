//! A mail to `<number>@sms.<domain>` as the text of an SMS (issue 15).
//!
//! The rule, in order:
//!
//! 1. **Attachments** are refused: an SMS carries text only. The mail is
//!    not sent and the sender's notice names the attachments (images that
//!    an HTML body shows inline belong to the HTML and do not count).
//! 2. **The body** is the text part; a mail with only an HTML part has it
//!    turned into text (links as their words, images dropped).
//! 3. **Quoted replies** go: every line that starts with `>`, and the line
//!    that introduces them, `On … wrote:` or `Am … schrieb …:` (also when
//!    the mail client wrapped it over two lines). A line
//!    `-----Original Message-----` or `-----Ursprüngliche Nachricht-----`
//!    (Outlook quotes without `>`) cuts everything from it on.
//! 4. **The signature** goes: everything from the first line that is
//!    `-- ` (the RFC 3676 separator; also `--` where a client dropped the
//!    blank) on.
//! 5. Trailing blanks of each line go, runs of empty lines become one, and
//!    empty lines at the start and the end go.
//! 6. **The subject** comes first, on a line of its own, when the
//!    configuration says so ([`SmsTextRules::include_subject`]); without
//!    it, the subject is the text only of a mail whose body is empty.
//! 7. Nothing left: refused ("no text"). More SMS than
//!    [`SmsTextRules::max_parts`] (ixi-UMS' "max messages"; 160 GSM
//!    characters in one SMS, 153 per part of a longer one, 70 and 67 when
//!    a character needs UCS-2): refused, the notice says how many it
//!    needed.

use crate::render::mail::{html_to_text, MailDocument};
use line_drivers::gsm::{split, Reference, SplitError};

/// How a mail becomes an SMS text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsTextRules {
    /// Put the subject first, on a line of its own.
    pub include_subject: bool,
    /// The most SMS one mail may become.
    pub max_parts: usize,
}

impl Default for SmsTextRules {
    fn default() -> SmsTextRules {
        SmsTextRules {
            include_subject: false,
            max_parts: 5,
        }
    }
}

/// The text of an SMS and the number of SMS it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsText {
    pub text: String,
    pub parts: u32,
}

/// Why a mail cannot go as SMS; the sentence is the sender's notice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsTextError {
    #[error(
        "An SMS carries text only: the mail was not sent because it has attachments ({0}). \
         Send the text without attachments."
    )]
    Attachments(String),
    #[error("The mail has no text to send as SMS (the body is empty after quotes and signature are cut).")]
    Empty,
    #[error(
        "The text is too long: it needs {needed} SMS, at most {max} are allowed \
         ({chars} characters). Shorten it and send it again."
    )]
    TooLong {
        needed: usize,
        max: usize,
        chars: usize,
    },
}

/// The SMS text of `mail` by the rule of the module docs.
pub fn sms_text(mail: &MailDocument, rules: &SmsTextRules) -> Result<SmsText, SmsTextError> {
    if !mail.attachments.is_empty() {
        let names: Vec<String> = mail
            .attachments
            .iter()
            .map(|a| format!("\"{}\"", a.name))
            .collect();
        return Err(SmsTextError::Attachments(names.join(", ")));
    }
    let body = match (&mail.text_body, &mail.html_body) {
        (Some(t), _) if !t.trim().is_empty() => t.clone(),
        // Wide: the SMS is one paragraph, not lines of a page.
        (_, Some(h)) => html_to_text(h, 10_000),
        (Some(t), None) => t.clone(),
        (None, None) => String::new(),
    };
    let body = clean_body(&body);
    let subject = mail.subject.trim();
    let text = match (rules.include_subject, subject.is_empty(), body.is_empty()) {
        (_, true, _) => body,
        (true, false, true) | (false, false, true) => subject.to_string(),
        (true, false, false) => format!("{subject}\n{body}"),
        (false, false, false) => body,
    };
    if text.is_empty() {
        return Err(SmsTextError::Empty);
    }
    let parts = split(&text, Reference::Short(1), rules.max_parts).map_err(|e| match e {
        SplitError::TooManyParts { needed, max } => SmsTextError::TooLong {
            needed,
            max,
            chars: text.chars().count(),
        },
        _ => SmsTextError::Empty,
    })?;
    Ok(SmsText {
        parts: parts.len() as u32,
        text,
    })
}

/// An accepted SMS record whose mail has no text by the rule: failed at
/// acceptance, `reason` in the journal and the sender's notice, no job.
pub fn refuse(record: &mut crate::store::Record, reason: &str, now: crate::message::Timestamp) {
    use crate::job::{Final, JobState};
    let m = &mut record.message;
    m.status = crate::message::Status::Failed;
    m.status_reason = Some(reason.to_string());
    m.failure_cause = Some(crate::report::Cause::Other);
    m.completed_at = Some(now);
    if let Some(job) = record.job.as_mut() {
        job.last_reason = Some(reason.to_string());
        job.state = JobState::Done(Final::Failed {
            reason: reason.to_string(),
            permanent: true,
        });
    }
}

/// Rules 3 to 5 on a body.
pub fn clean_body(body: &str) -> String {
    let lines: Vec<&str> = body.lines().map(str::trim_end).collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let bare = line.trim();
        i += 1;
        if is_signature(line) || is_outlook_quote(bare) {
            break;
        }
        if bare.starts_with('>') || is_attribution(bare) {
            continue;
        }
        // An attribution the mail client wrapped over two lines.
        if let Some(next) = lines.get(i) {
            if is_attribution(&format!("{bare} {}", next.trim())) {
                i += 1;
                continue;
            }
        }
        kept.push(line);
    }
    let mut out = String::new();
    let mut blank = false;
    for line in kept {
        if line.trim().is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push('\n');
        }
        if !out.is_empty() {
            out.push('\n');
        }
        blank = false;
        out.push_str(line);
    }
    out
}

fn is_signature(line: &str) -> bool {
    line == "-- " || line == "--"
}

fn is_outlook_quote(bare: &str) -> bool {
    let inner = bare.trim_matches('-').trim().to_lowercase();
    bare.starts_with("-----") && (inner == "original message" || inner == "ursprüngliche nachricht")
}

/// `On <date>, <who> wrote:` / `Am <date> schrieb <who>:`.
fn is_attribution(bare: &str) -> bool {
    (bare.starts_with("On ") && bare.ends_with(" wrote:"))
        || (bare.starts_with("Am ") && bare.contains(" schrieb ") && bare.ends_with(':'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Attachment;

    fn mail(text: Option<&str>, html: Option<&str>, subject: &str) -> MailDocument {
        MailDocument {
            from: "anna@example.test".into(),
            to: "+491701234567@sms.example.test".into(),
            subject: subject.into(),
            date: String::new(),
            text_body: text.map(str::to_string),
            html_body: html.map(str::to_string),
            attachments: Vec::new(),
        }
    }

    fn text(m: &MailDocument, include_subject: bool) -> String {
        let rules = SmsTextRules {
            include_subject,
            max_parts: 5,
        };
        sms_text(m, &rules).expect("a text").text
    }

    #[test]
    fn quotes_attributions_and_signature_are_cut() {
        let body = "Yes, 3 pm is fine.\r\n\r\n\r\nSee you.\n\nOn Mon, 7 Dec 2026 at 10:00, Bob <bob@example.test> wrote:\n> Shall we meet at 3?\n> Bob\n\n-- \nAnna Example\nPhone 123\n";
        assert_eq!(
            text(&mail(Some(body), None, "Re: meeting"), false),
            "Yes, 3 pm is fine.\n\nSee you."
        );
        let de = "Passt.\nAm 07.12.2026 um 10:00 schrieb Bob Beispiel\n<bob@example.test>:\n> Treffen um 3?\n";
        assert_eq!(text(&mail(Some(de), None, ""), false), "Passt.");
        let wrapped =
            "Fine.\nOn Mon, 7 Dec 2026 at 10:00, Bob Example\n<bob@example.test> wrote:\n> x\n";
        assert_eq!(text(&mail(Some(wrapped), None, ""), false), "Fine.");
        let outlook = "Ok.\n-----Original Message-----\nFrom: Bob\nShall we?\n";
        assert_eq!(text(&mail(Some(outlook), None, ""), false), "Ok.");
        // An interleaved answer keeps the answers.
        let inline = "> Shall we meet?\nYes.\n> At 3?\nAt 4.\n";
        assert_eq!(text(&mail(Some(inline), None, ""), false), "Yes.\nAt 4.");
    }

    #[test]
    fn html_only_and_the_subject_by_choice() {
        let m = mail(None, Some("<p>Hello <b>Bob</b></p><p>Grüße €</p>"), "Hi");
        assert_eq!(text(&m, false), "Hello Bob\n\nGrüße €");
        assert_eq!(text(&m, true), "Hi\nHello Bob\n\nGrüße €");
        // No body: the subject is the text.
        assert_eq!(
            text(&mail(Some("\n-- \nsig"), None, "Call me"), false),
            "Call me"
        );
        let none = sms_text(&mail(Some("-- \nsig"), None, ""), &SmsTextRules::default());
        assert_eq!(none, Err(SmsTextError::Empty));
    }

    #[test]
    fn attachments_and_too_many_parts_are_refused() {
        let mut m = mail(Some("see attached"), None, "");
        m.attachments.push(Attachment {
            name: "plan.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: vec![1],
        });
        let e = sms_text(&m, &SmsTextRules::default()).unwrap_err();
        assert!(e.to_string().contains("\"plan.pdf\""), "{e}");
        let long = "a".repeat(307);
        let rules = SmsTextRules {
            include_subject: false,
            max_parts: 2,
        };
        let e = sms_text(&mail(Some(&long), None, ""), &rules).unwrap_err();
        assert_eq!(
            e,
            SmsTextError::TooLong {
                needed: 3,
                max: 2,
                chars: 307
            }
        );
        assert!(e.to_string().contains("needs 3 SMS, at most 2"), "{e}");
        let ok = sms_text(&mail(Some(&"a".repeat(306)), None, ""), &rules).unwrap();
        assert_eq!(ok.parts, 2);
    }
}
