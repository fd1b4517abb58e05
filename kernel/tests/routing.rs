//! Inbound routing: ordered rules with wildcards, the user directory's
//! numbers per service, and the default recipient for the rest.

use kernel::directory::{Directory, DirectoryError, Group, Language, User};
use kernel::message::Service;
use kernel::numbering::{DigitRange, Number, NumberingPlan, Permissions, TypeOfNumber};
use kernel::routing::{Route, Router, RoutingError, Rule};

fn e164(s: &str) -> Number {
    Number::E164(s.into())
}

/// Site `+49 89 123456`, DID extensions appended.
fn plan() -> NumberingPlan {
    NumberingPlan::germany("89", "123456")
}

fn directory() -> Directory {
    Directory {
        users: vec![
            User {
                id: "anna".into(),
                name: "Anna Amsel".into(),
                email: "Anna.Amsel@example.com".into(),
                fax_numbers: vec!["+49 89 123456-20".into()],
                voice_numbers: vec!["21".into()],
                sms_numbers: vec!["+49 171 2345678".into()],
                ..User::default()
            },
            User {
                id: "bob".into(),
                name: "Bob Bussard".into(),
                email: "bob@example.com".into(),
                fax_numbers: vec!["089 123456 30".into(), "31".into()],
                language: Language::De,
                groups: vec!["abroad".into()],
                ..User::default()
            },
        ],
        groups: vec![Group {
            name: "abroad".into(),
            permissions: Permissions {
                international: true,
                ..Permissions::default()
            },
        }],
        default_recipient: "postmaster@example.com".into(),
    }
}

fn router(rules: Vec<Rule>) -> Router {
    Router::new(plan(), directory(), rules).unwrap()
}

fn rule(pattern: &str, service: Option<Service>, mailbox: &str) -> Rule {
    Rule::new(pattern, service, mailbox).unwrap()
}

fn routed(mailbox: &str, rule: Option<usize>) -> Route {
    Route {
        user: None,
        mailbox: mailbox.into(),
        unrouted: false,
        rule,
    }
}

// --- Rules ---------------------------------------------------------------------

#[test]
fn first_matching_rule_wins() {
    let r = router(vec![
        rule("25", None, "first@example.com"),
        rule("2?", None, "second@example.com"),
    ]);
    assert_eq!(
        r.route(&e164("+498912345625"), Service::Fax),
        routed("first@example.com", Some(0))
    );
    assert_eq!(
        r.route(&e164("+498912345626"), Service::Fax),
        routed("second@example.com", Some(1))
    );
}

#[test]
fn question_mark_matches_exactly_one_digit() {
    let r = router(vec![rule("4?", None, "sales@example.com")]);
    assert_eq!(r.route(&e164("+498912345642"), Service::Fax).rule, Some(0));
    assert!(r.route(&e164("+4989123456420"), Service::Fax).unrouted);
    assert!(r.route(&e164("+49891234564"), Service::Fax).unrouted);
}

#[test]
fn star_matches_any_run_of_digits() {
    let r = router(vec![rule("5*", None, "support@example.com")]);
    for called in ["+49891234565", "+4989123456500", "+49891234565999"] {
        assert_eq!(
            r.route(&e164(called), Service::Voice).rule,
            Some(0),
            "{called}"
        );
    }
}

#[test]
fn plus_pattern_matches_the_whole_international_number() {
    let r = router(vec![rule("+49 89 555 00?", None, "msn@example.com")]);
    assert_eq!(r.route(&e164("+4989555001"), Service::Fax).rule, Some(0));
    assert!(r.route(&e164("+4989555010"), Service::Fax).unrouted);
}

#[test]
fn extension_pattern_does_not_match_numbers_outside_the_site_block() {
    let r = router(vec![rule("*", None, "all@example.com")]);
    assert_eq!(r.route(&e164("+4989123456"), Service::Fax).rule, Some(0));
    assert!(r.route(&e164("+4989555001"), Service::Fax).unrouted);
    let any = router(vec![rule("+*", None, "all@example.com")]);
    assert_eq!(any.route(&e164("+4989555001"), Service::Fax).rule, Some(0));
}

#[test]
fn rules_can_be_limited_to_one_service() {
    let r = router(vec![
        rule("6?", Some(Service::Fax), "fax@example.com"),
        rule("6?", None, "other@example.com"),
    ]);
    assert_eq!(
        r.route(&e164("+498912345660"), Service::Fax).mailbox,
        "fax@example.com"
    );
    assert_eq!(
        r.route(&e164("+498912345660"), Service::Voice).mailbox,
        "other@example.com"
    );
    assert_eq!(
        r.route(&e164("+498912345660"), Service::Sms).mailbox,
        "other@example.com"
    );
}

#[test]
fn rules_come_before_the_directory() {
    let r = router(vec![rule("20", None, "holiday@example.com")]);
    assert_eq!(
        r.route(&e164("+498912345620"), Service::Fax).mailbox,
        "holiday@example.com"
    );
}

#[test]
fn user_mailbox_resolves_to_the_users_address() {
    let r = router(vec![rule("7?", None, "user:bob")]);
    let route = r.route(&e164("+498912345777"), Service::Fax);
    assert!(route.unrouted);
    let route = r.route(&e164("+498912345677"), Service::Fax);
    assert_eq!(route.mailbox, "bob@example.com");
    assert_eq!(route.user.as_deref(), Some("bob"));
}

#[test]
fn address_mailbox_of_a_user_names_the_user() {
    let r = router(vec![rule("7?", None, "ANNA.amsel@example.com")]);
    assert_eq!(
        r.route(&e164("+498912345677"), Service::Fax)
            .user
            .as_deref(),
        Some("anna")
    );
}

#[test]
fn internal_called_numbers_match_extension_patterns() {
    let plan = plan().with_internal_length(DigitRange::exactly(3));
    let r = Router::new(
        plan,
        directory(),
        vec![rule("1??", None, "ext@example.com")],
    )
    .unwrap();
    assert_eq!(
        r.route(&Number::Internal("120".into()), Service::Voice)
            .rule,
        Some(0)
    );
    assert_eq!(
        r.route_raw("120", Some(TypeOfNumber::Unknown), Service::Voice)
            .rule,
        Some(0)
    );
}

// --- Directory numbers ---------------------------------------------------------------

#[test]
fn directory_fax_number_routes_to_the_user() {
    let r = router(vec![]);
    let route = r.route(&e164("+498912345620"), Service::Fax);
    assert_eq!(
        route,
        Route {
            user: Some("anna".into()),
            mailbox: "Anna.Amsel@example.com".into(),
            unrouted: false,
            rule: None
        }
    );
}

#[test]
fn directory_numbers_in_any_written_form() {
    let r = router(vec![]);
    assert_eq!(
        r.route(&e164("+498912345630"), Service::Fax)
            .user
            .as_deref(),
        Some("bob")
    );
    assert_eq!(
        r.route(&e164("+498912345631"), Service::Fax)
            .user
            .as_deref(),
        Some("bob")
    );
    assert_eq!(
        r.route(&e164("+498912345621"), Service::Voice)
            .user
            .as_deref(),
        Some("anna")
    );
    assert_eq!(
        r.route(&e164("+491712345678"), Service::Sms)
            .user
            .as_deref(),
        Some("anna")
    );
}

#[test]
fn raw_called_numbers_as_lines_deliver_them() {
    let r = router(vec![]);
    assert_eq!(
        r.route_raw("20", Some(TypeOfNumber::Unknown), Service::Fax)
            .user
            .as_deref(),
        Some("anna")
    );
    assert_eq!(
        r.route_raw("8912345620", Some(TypeOfNumber::National), Service::Fax)
            .user
            .as_deref(),
        Some("anna")
    );
    assert_eq!(
        r.route_raw("+498912345620", None, Service::Fax)
            .user
            .as_deref(),
        Some("anna")
    );
}

#[test]
fn directory_numbers_are_per_service() {
    let r = router(vec![]);
    assert!(r.route(&e164("+498912345621"), Service::Fax).unrouted);
    assert!(r.route(&e164("+498912345620"), Service::Voice).unrouted);
}

// --- No route --------------------------------------------------------------------------

#[test]
fn no_route_goes_to_the_default_recipient_marked_unrouted() {
    let r = router(vec![rule("9?", None, "nine@example.com")]);
    let route = r.route(&e164("+498912345699"), Service::Voice);
    assert_eq!(route.rule, Some(0));
    let route = r.route(&e164("+498912345650"), Service::Voice);
    assert_eq!(
        route,
        Route {
            user: None,
            mailbox: "postmaster@example.com".into(),
            unrouted: true,
            rule: None
        }
    );
}

#[test]
fn unreadable_called_number_goes_to_the_default_recipient() {
    let route = router(vec![]).route_raw("unknown", None, Service::Fax);
    assert!(route.unrouted);
    assert_eq!(route.mailbox, "postmaster@example.com");
}

// --- Configuration ---------------------------------------------------------------------

#[test]
fn rule_naming_an_unknown_user_is_refused() {
    let err = Router::new(plan(), directory(), vec![rule("1", None, "user:carol")]).unwrap_err();
    assert_eq!(
        err,
        RoutingError::UnknownUser {
            rule: 0,
            id: "carol".into()
        }
    );
}

#[test]
fn rule_with_a_bad_mailbox_or_pattern_is_refused() {
    let err = Router::new(plan(), directory(), vec![rule("1", None, "postmaster")]).unwrap_err();
    assert!(matches!(err, RoutingError::BadMailbox { rule: 0, .. }));
    assert!(matches!(
        Rule::new("1x", None, "a@example.com"),
        Err(RoutingError::Pattern(_))
    ));
}

#[test]
fn the_same_number_for_two_users_is_refused() {
    let mut dir = directory();
    dir.users[1].fax_numbers.push("+49 89 123456 20".into());
    let err = Router::new(plan(), dir, vec![]).unwrap_err();
    assert!(
        matches!(
            err,
            RoutingError::Directory(DirectoryError::DuplicateNumber { .. })
        ),
        "{err:?}"
    );
}

#[test]
fn directory_with_unreadable_number_or_duplicate_address_is_refused() {
    let mut dir = directory();
    dir.users[0].fax_numbers.push("089-FAX".into());
    assert!(matches!(
        dir.validate(&plan()),
        Err(DirectoryError::BadNumber { .. })
    ));
    let mut dir = directory();
    dir.users[1].email = "anna.amsel@EXAMPLE.com".into();
    assert!(matches!(
        dir.validate(&plan()),
        Err(DirectoryError::DuplicateEmail(_))
    ));
}

#[test]
fn rules_and_directory_deserialize_with_defaults() {
    let dir: Directory = serde_json::from_str(
        r#"{ "default_recipient": "postmaster@example.com",
             "users": [ { "id": "carol", "email": "carol@example.com", "fax_numbers": ["40"],
                          "language": "de", "permissions": { "premium": true } } ] }"#,
    )
    .unwrap();
    let carol = dir.by_id("carol").unwrap();
    assert_eq!(carol.language, Language::De);
    assert!(carol.permissions.premium && carol.permissions.fax && !carol.permissions.international);
    let rules: Vec<Rule> = serde_json::from_str(
        r#"[ { "pattern": "4?", "service": "Voice", "mailbox": "voice@example.com" },
             { "pattern": "+4989123456*", "mailbox": "user:carol" } ]"#,
    )
    .unwrap();
    let r = Router::new(plan(), dir, rules).unwrap();
    assert_eq!(
        r.route(&e164("+498912345640"), Service::Voice).rule,
        Some(0)
    );
    assert_eq!(
        r.route(&e164("+498912345640"), Service::Fax).mailbox,
        "carol@example.com"
    );
    assert!(serde_json::from_str::<Rule>(r#"{ "pattern": "4x", "mailbox": "a@b" }"#).is_err());
}

// --- Directory lookups --------------------------------------------------------------------

#[test]
fn lookup_by_email_ignores_case_and_display_name() {
    let dir = directory();
    assert_eq!(
        dir.by_email("anna.amsel@EXAMPLE.COM")
            .map(|u| u.id.as_str()),
        Some("anna")
    );
    assert_eq!(
        dir.by_email("Anna <anna.amsel@example.com>")
            .map(|u| u.id.as_str()),
        Some("anna")
    );
    assert!(dir.by_email("nobody@example.com").is_none());
}

#[test]
fn lookup_by_id_and_number() {
    let dir = directory();
    assert_eq!(
        dir.by_id("bob").map(|u| u.name.as_str()),
        Some("Bob Bussard")
    );
    assert_eq!(
        dir.by_number(&plan(), &e164("+491712345678"))
            .map(|u| u.id.as_str()),
        Some("anna")
    );
    assert_eq!(
        dir.by_number(&plan(), &e164("+498912345630"))
            .map(|u| u.id.as_str()),
        Some("bob")
    );
    assert!(dir.by_number(&plan(), &e164("+498912345699")).is_none());
}

#[test]
fn group_permissions_add_to_the_users_own() {
    let dir = directory();
    let bob = dir.by_id("bob").unwrap();
    assert!(!bob.permissions.international);
    assert!(dir.permissions(bob).international);
    assert!(!dir.permissions(dir.by_id("anna").unwrap()).international);
}
