//! How a called number is answered (fax, voicemail, or auto-detect): by a
//! rule's `answer`, else by which services the rules and the directory give
//! the number, else fax.

use kernel::directory::{Directory, User};
use kernel::message::Service;
use kernel::numbering::{Number, NumberingPlan};
use kernel::routing::{AnswerMode, Router, Rule};

fn e164(s: &str) -> Number {
    Number::E164(s.into())
}

/// Site `+49 89 123456`; anna has fax -20, voice -21, and -22 for both.
fn router(rules: Vec<Rule>) -> Router {
    let directory = Directory {
        users: vec![User {
            id: "anna".into(),
            name: "Anna Amsel".into(),
            email: "anna@example.com".into(),
            fax_numbers: vec!["20".into(), "22".into()],
            voice_numbers: vec!["21".into(), "22".into()],
            ..User::default()
        }],
        groups: Vec::new(),
        default_recipient: "postmaster@example.com".into(),
    };
    Router::new(NumberingPlan::germany("89", "123456"), directory, rules).unwrap()
}

#[test]
fn the_directory_decides_when_no_rule_says() {
    let r = router(Vec::new());
    assert_eq!(r.answer_mode(&e164("+498912345620")), AnswerMode::Fax);
    assert_eq!(r.answer_mode(&e164("+498912345621")), AnswerMode::Voice);
    assert_eq!(
        r.answer_mode(&e164("+498912345622")),
        AnswerMode::AutoDetect
    );
    assert_eq!(
        r.answer_mode(&e164("+498912345699")),
        AnswerMode::Fax,
        "unknown"
    );
    assert_eq!(
        r.answer_mode_raw("21", None),
        AnswerMode::Voice,
        "as dialled"
    );
    assert_eq!(r.answer_mode_raw("no number", None), AnswerMode::Fax);
}

#[test]
fn service_rules_make_voice_and_auto_detect_numbers() {
    let r = router(vec![
        Rule::new("5?", Some(Service::Voice), "team@example.com").unwrap(),
        Rule::new("55", Some(Service::Fax), "team@example.com").unwrap(),
        Rule::new("*", None, "all@example.com").unwrap(),
    ]);
    assert_eq!(r.answer_mode(&e164("+498912345650")), AnswerMode::Voice);
    assert_eq!(
        r.answer_mode(&e164("+498912345655")),
        AnswerMode::AutoDetect
    );
    assert_eq!(
        r.answer_mode(&e164("+498912345677")),
        AnswerMode::Fax,
        "a rule for any service says nothing about the answer"
    );
}

#[test]
fn an_explicit_answer_mode_wins_in_rule_order() {
    let r = router(vec![
        Rule::new("20", None, "user:anna")
            .unwrap()
            .answering(AnswerMode::AutoDetect),
        Rule::new("2?", None, "user:anna")
            .unwrap()
            .answering(AnswerMode::Fax),
    ]);
    assert_eq!(
        r.answer_mode(&e164("+498912345620")),
        AnswerMode::AutoDetect
    );
    assert_eq!(
        r.answer_mode(&e164("+498912345621")),
        AnswerMode::Fax,
        "overrides the directory"
    );
}

#[test]
fn answer_modes_are_written_in_kebab_case() {
    let rule: Rule = serde_json::from_str(
        r#"{"pattern":"3?","mailbox":"x@example.com","answer":"auto-detect"}"#,
    )
    .unwrap();
    assert_eq!(rule.answer, Some(AnswerMode::AutoDetect));
    let old: Rule = serde_json::from_str(r#"{"pattern":"3?","mailbox":"x@example.com"}"#).unwrap();
    assert_eq!(old.answer, None, "configurations without it still load");
}
