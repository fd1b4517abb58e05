//! Numbering plan: written forms to E.164, dial strings, caller ids, the
//! dialling policy and the per-sender rate limit.

use kernel::message::{Service, Timestamp};
use kernel::numbering::{
    DialPolicy, DigitRange, Number, NumberError, NumberingPlan, Pattern, Permissions, PolicyError,
    RateLimiter, TypeOfNumber,
};
use proptest::prelude::*;

fn e164(s: &str) -> Number {
    Number::E164(s.into())
}

fn munich() -> NumberingPlan {
    NumberingPlan::germany("89", "123456")
}

fn parses_to(plan: &NumberingPlan, input: &str, expected: &str) {
    assert_eq!(plan.parse(input), Ok(e164(expected)), "input {input:?}");
}

// --- Germany ---------------------------------------------------------------

#[test]
fn germany_international_form_with_parentheses_and_dashes() {
    parses_to(&munich(), "+49 (89) 123-456", "+4989123456");
}

#[test]
fn germany_international_prefix() {
    parses_to(&munich(), "0049 89 123456", "+4989123456");
}

#[test]
fn germany_national_form() {
    parses_to(&munich(), "089 123456", "+4989123456");
    parses_to(&munich(), "030 1234567", "+49301234567");
}

#[test]
fn germany_local_number_gets_the_area_code() {
    parses_to(&munich(), "765432", "+4989765432");
}

#[test]
fn germany_trunk_prefix_in_parentheses_is_dropped() {
    parses_to(&munich(), "+49 (0)89 123456", "+4989123456");
    parses_to(&munich(), "0049 (0)89 123456", "+4989123456");
}

#[test]
fn germany_separators_and_uri_schemes() {
    parses_to(&munich(), "089/123.456", "+4989123456");
    parses_to(&munich(), "tel:+49-89-123456", "+4989123456");
    parses_to(&munich(), "FAX: 089 123456", "+4989123456");
}

#[test]
fn germany_trunk_zero_after_country_code_is_refused() {
    let err = munich().parse("+49 089 123456").unwrap_err();
    assert_eq!(
        err,
        NumberError::TrunkPrefixAfterCountryCode {
            country_code: "49".into()
        }
    );
    assert!(err.to_string().contains("(0)"), "{err}");
}

#[test]
fn germany_internal_three_digit_extension() {
    let plan = munich().with_internal_length(DigitRange::exactly(3));
    assert_eq!(plan.parse("123"), Ok(Number::Internal("123".into())));
    assert_eq!(plan.parse("1234"), Ok(e164("+49891234")));
}

#[test]
fn germany_dial_strings_without_outside_line_prefix() {
    let plan = munich();
    assert_eq!(plan.dial_string(&e164("+4989123456")), "089123456");
    assert_eq!(plan.dial_string(&e164("+493012345678")), "03012345678");
    assert_eq!(plan.dial_string(&e164("+33123456789")), "0033123456789");
}

#[test]
fn germany_dial_strings_with_outside_line_prefix() {
    let plan = munich().with_outside_line_prefix("0");
    assert_eq!(plan.dial_string(&e164("+4989123456")), "0089123456");
    assert_eq!(plan.dial_string(&e164("+33123456789")), "00033123456789");
    assert_eq!(plan.dial_string(&Number::Internal("123".into())), "123");
}

// --- Italy: the trunk 0 is part of the number --------------------------------

fn rome() -> NumberingPlan {
    NumberingPlan::italy("06", "12345678")
}

#[test]
fn italy_national_number_keeps_its_zero() {
    parses_to(&rome(), "06 1234 5678", "+390612345678");
    parses_to(&rome(), "+39 06 1234 5678", "+390612345678");
    parses_to(&rome(), "0039 06 1234 5678", "+390612345678");
}

#[test]
fn italy_zero_in_parentheses_is_kept() {
    parses_to(&rome(), "+39 (0)6 1234 5678", "+390612345678");
    parses_to(&munich(), "+39 (0)6 1234 5678", "+390612345678");
}

#[test]
fn italy_mobile_numbers_have_no_zero() {
    parses_to(&rome(), "347 123 4567", "+393471234567");
}

#[test]
fn italy_dials_the_zero_nationally_and_from_abroad() {
    let n = e164("+390612345678");
    assert_eq!(rome().dial_string(&n), "0612345678");
    assert_eq!(rome().dial_string(&e164("+393471234567")), "3471234567");
    assert_eq!(munich().dial_string(&n), "00390612345678");
    assert_eq!(rome().dial_string(&e164("+4989123456")), "004989123456");
}

// --- North American Numbering Plan ---------------------------------------------

fn new_york() -> NumberingPlan {
    NumberingPlan::nanp("212", "5550199")
}

#[test]
fn nanp_ten_digits_with_parentheses() {
    parses_to(&new_york(), "(212) 555-0100", "+12125550100");
}

#[test]
fn nanp_with_trunk_prefix_one() {
    parses_to(&new_york(), "1-212-555-0100", "+12125550100");
    parses_to(&new_york(), "+1 212 555 0100", "+12125550100");
}

#[test]
fn nanp_seven_digit_local_number() {
    parses_to(&new_york(), "555-0100", "+12125550100");
}

#[test]
fn nanp_international_prefix_011() {
    parses_to(&new_york(), "011 49 89 123456", "+4989123456");
}

#[test]
fn nanp_wrong_length_is_refused() {
    let err = new_york().parse("212 555 010").unwrap_err();
    assert!(
        matches!(err, NumberError::WrongLength { expected: 10, .. }),
        "{err:?}"
    );
    assert!(matches!(
        munich().parse("+1 212 555 01000"),
        Err(NumberError::WrongLength { .. })
    ));
}

#[test]
fn nanp_dial_strings() {
    let plan = new_york();
    assert_eq!(plan.dial_string(&e164("+12125550100")), "12125550100");
    assert_eq!(plan.dial_string(&e164("+4989123456")), "0114989123456");
    assert_eq!(
        plan.with_outside_line_prefix("9")
            .dial_string(&e164("+13105550100")),
        "913105550100"
    );
}

// --- United Kingdom --------------------------------------------------------------

fn london() -> NumberingPlan {
    NumberingPlan::uk("20", "79460000")
}

#[test]
fn uk_national_form() {
    parses_to(&london(), "020 7946 0018", "+442079460018");
}

#[test]
fn uk_trunk_prefix_in_parentheses() {
    parses_to(&london(), "+44 (0)20 7946 0018", "+442079460018");
}

#[test]
fn uk_local_number_and_dial_string() {
    parses_to(&london(), "7946 0018", "+442079460018");
    assert_eq!(london().dial_string(&e164("+442079460018")), "02079460018");
}

// --- Bad input ---------------------------------------------------------------------

#[test]
fn letters_are_refused_with_a_hint_about_vanity_numbers() {
    let err = munich().parse("0800-FLOWERS").unwrap_err();
    assert_eq!(err, NumberError::Letters { letter: 'F' });
    assert!(err.to_string().contains("letters are not allowed"), "{err}");
}

#[test]
fn too_long_is_refused() {
    let err = munich().parse("+49 1234 5678 9012 3456").unwrap_err();
    assert_eq!(
        err,
        NumberError::TooLong {
            digits: 18,
            max: 15
        }
    );
    assert!(err.to_string().contains("at most 15"), "{err}");
    let huge = "1".repeat(200);
    assert!(matches!(
        munich().parse(&huge),
        Err(NumberError::InputTooLong { .. })
    ));
}

#[test]
fn too_short_is_refused() {
    assert!(matches!(
        munich().parse("+49 89 12"),
        Err(NumberError::TooShort { .. })
    ));
}

#[test]
fn empty_is_refused() {
    assert_eq!(munich().parse(""), Err(NumberError::Empty));
    assert_eq!(munich().parse("  - "), Err(NumberError::Empty));
    assert_eq!(NumberError::Empty.to_string(), "no number given");
}

#[test]
fn a_lone_plus_is_refused() {
    let err = munich().parse("+").unwrap_err();
    assert_eq!(err, NumberError::NothingAfterPlus);
    assert!(err.to_string().contains("country code"));
}

#[test]
fn a_second_plus_is_refused() {
    assert_eq!(
        munich().parse("++49 89 123456"),
        Err(NumberError::MisplacedPlus)
    );
    assert_eq!(
        munich().parse("089+123456"),
        Err(NumberError::MisplacedPlus)
    );
}

#[test]
fn other_characters_and_unknown_country_codes_are_refused() {
    assert_eq!(
        munich().parse("089#123"),
        Err(NumberError::InvalidCharacter { ch: '#' })
    );
    assert_eq!(
        munich().parse("+999 123456"),
        Err(NumberError::UnknownCountryCode { code: "999".into() })
    );
}

#[test]
fn e164_only_refuses_national_forms() {
    let plan = munich().with_e164_only(true);
    let err = plan.parse("089 123456").unwrap_err();
    assert_eq!(err, NumberError::NotInternational);
    assert!(err.to_string().contains("international form"), "{err}");
    assert_eq!(
        plan.parse("0049 89 123456"),
        Err(NumberError::NotInternational)
    );
    parses_to(&plan, "+49 89 123456", "+4989123456");
}

// --- Caller and called numbers -----------------------------------------------------------

#[test]
fn caller_ids_are_normalised_by_type_of_number() {
    let plan = munich();
    let n = Some(e164("+4989123456"));
    assert_eq!(
        plan.normalize_caller("89123456", Some(TypeOfNumber::National)),
        n
    );
    assert_eq!(
        plan.normalize_caller("089123456", Some(TypeOfNumber::National)),
        n
    );
    assert_eq!(
        plan.normalize_caller("4989123456", Some(TypeOfNumber::International)),
        n
    );
    assert_eq!(
        plan.normalize_caller("004989123456", Some(TypeOfNumber::International)),
        n
    );
    assert_eq!(
        plan.normalize_caller("004989123456", Some(TypeOfNumber::Unknown)),
        n
    );
    assert_eq!(plan.normalize_caller("+4989123456", None), n);
    assert_eq!(
        plan.normalize_caller("123456", Some(TypeOfNumber::Subscriber)),
        n
    );
}

#[test]
fn withheld_caller_ids_are_none() {
    assert_eq!(munich().normalize_caller("", None), None);
    assert_eq!(munich().normalize_caller("anonymous", None), None);
}

#[test]
fn called_extension_is_completed_with_the_site_number() {
    let plan = munich();
    let n = Some(e164("+498912345620"));
    assert_eq!(plan.normalize_called("20", Some(TypeOfNumber::Unknown)), n);
    assert_eq!(plan.normalize_called("12345620", None), n);
    assert_eq!(
        plan.normalize_called("8912345620", Some(TypeOfNumber::National)),
        n
    );
}

// --- Dialling policy ------------------------------------------------------------------------

fn policy() -> DialPolicy {
    DialPolicy::new(&munich())
}

fn num(plan: &NumberingPlan, s: &str) -> Number {
    plan.parse(s).unwrap()
}

#[test]
fn national_numbers_are_allowed_by_default() {
    assert_eq!(
        policy().check(&num(&munich(), "030 1234567"), &Permissions::default()),
        Ok(())
    );
}

#[test]
fn premium_rate_is_denied_by_default() {
    let err = policy()
        .check(&num(&munich(), "0900 1234567"), &Permissions::default())
        .unwrap_err();
    assert!(matches!(
        err,
        PolicyError::Premium {
            national: "0900",
            ..
        }
    ));
    assert!(
        err.to_string().starts_with("premium-rate number 0900..."),
        "{err}"
    );
    for n in ["0137 1234567", "+49 118 33"] {
        assert!(
            matches!(
                policy().check(&num(&munich(), n), &Permissions::default()),
                Err(PolicyError::Premium { .. })
            ),
            "{n}"
        );
    }
}

#[test]
fn premium_ranges_of_other_countries() {
    let none = Permissions {
        international: true,
        ..Permissions::default()
    };
    let uk = DialPolicy::new(&london());
    assert!(matches!(
        uk.check(&num(&london(), "09098 790000"), &none),
        Err(PolicyError::Premium { .. })
    ));
    let us = DialPolicy::new(&new_york());
    assert!(matches!(
        us.check(&num(&new_york(), "1-900-555-0100"), &none),
        Err(PolicyError::Premium { .. })
    ));
    assert!(matches!(
        us.check(&num(&new_york(), "1-976-555-0100"), &none),
        Err(PolicyError::Premium { .. })
    ));
    let it = DialPolicy::new(&rome());
    assert!(matches!(
        it.check(&num(&rome(), "892 123456"), &none),
        Err(PolicyError::Premium { .. })
    ));
}

#[test]
fn premium_rate_is_allowed_with_permission() {
    let perms = Permissions {
        premium: true,
        ..Permissions::default()
    };
    assert_eq!(
        policy().check(&num(&munich(), "0900 1234567"), &perms),
        Ok(())
    );
}

#[test]
fn international_is_denied_by_default() {
    let err = policy()
        .check(&e164("+33123456789"), &Permissions::default())
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("international numbers are not permitted for this sender"),
        "{err}"
    );
}

#[test]
fn international_is_allowed_with_permission() {
    let perms = Permissions {
        international: true,
        ..Permissions::default()
    };
    assert_eq!(policy().check(&e164("+33123456789"), &perms), Ok(()));
}

#[test]
fn international_permission_does_not_open_foreign_premium_rate() {
    let perms = Permissions {
        international: true,
        ..Permissions::default()
    };
    assert!(matches!(
        policy().check(&e164("+449098790000"), &perms),
        Err(PolicyError::Premium { .. })
    ));
}

#[test]
fn custom_deny_pattern_blocks_even_with_all_permissions() {
    let p = policy().with_deny(Pattern::new("+49 180*").unwrap());
    let err = p
        .check(&num(&munich(), "01805 123456"), &Permissions::all())
        .unwrap_err();
    assert!(matches!(err, PolicyError::Denied { .. }));
    assert!(err.to_string().contains("+49 180*"), "{err}");
}

#[test]
fn custom_allow_pattern_opens_a_country_for_everyone() {
    let p = policy().with_allow(Pattern::new("+43").unwrap());
    assert_eq!(
        p.check(&e164("+4315123456"), &Permissions::default()),
        Ok(())
    );
    assert!(p
        .check(&e164("+33123456789"), &Permissions::default())
        .is_err());
}

#[test]
fn the_more_specific_pattern_wins() {
    let p = policy()
        .with_allow(Pattern::new("+43").unwrap())
        .with_deny(Pattern::new("+43 1 999").unwrap());
    assert!(matches!(
        p.check(&e164("+4319991234"), &Permissions::all()),
        Err(PolicyError::Denied { .. })
    ));
    assert_eq!(
        p.check(&e164("+4315123456"), &Permissions::default()),
        Ok(())
    );
    let q = policy()
        .with_deny(Pattern::new("+49").unwrap())
        .with_allow(Pattern::new("+4989*").unwrap());
    assert_eq!(
        q.check(&e164("+4989123456"), &Permissions::default()),
        Ok(())
    );
}

#[test]
fn internal_numbers_are_always_allowed() {
    assert_eq!(
        policy().check(&Number::Internal("123".into()), &Permissions::default()),
        Ok(())
    );
}

#[test]
fn a_policy_without_home_country_fails_closed() {
    let p = DialPolicy::default();
    assert!(matches!(
        p.check(&e164("+4989123456"), &Permissions::default()),
        Err(PolicyError::International { .. })
    ));
}

#[test]
fn service_permissions() {
    let perms = Permissions {
        sms: false,
        ..Permissions::default()
    };
    let n = num(&munich(), "0171 2345678");
    assert_eq!(policy().check_call(&n, Service::Fax, &perms), Ok(()));
    let err = policy().check_call(&n, Service::Sms, &perms).unwrap_err();
    assert_eq!(
        err.to_string(),
        "sms messages are not permitted for this sender"
    );
}

// --- Rate limit on a simulated clock ---------------------------------------------------------------

#[test]
fn rate_limit_refuses_beyond_max_and_says_when_to_retry() {
    let mut rl = RateLimiter::new(3, 60);
    let t0 = Timestamp(1_000_000);
    for i in 0..3 {
        assert_eq!(
            rl.check_and_record("anna@example.com", t0.plus_secs(i)),
            Ok(())
        );
    }
    let err = rl
        .check_and_record("anna@example.com", t0.plus_secs(10))
        .unwrap_err();
    assert_eq!(err.retry_after_secs, 50);
    assert!(err.to_string().contains("50 s"));
}

#[test]
fn rate_limit_window_slides() {
    let mut rl = RateLimiter::new(2, 60);
    let t0 = Timestamp(0);
    rl.check_and_record("a", t0).unwrap();
    rl.check_and_record("a", t0.plus_secs(30)).unwrap();
    assert!(rl.check_and_record("a", t0.plus_secs(59)).is_err());
    assert_eq!(rl.check_and_record("a", t0.plus_secs(60)), Ok(()));
    assert!(rl.check_and_record("a", t0.plus_secs(61)).is_err());
    assert_eq!(rl.check_and_record("a", t0.plus_secs(90)), Ok(()));
}

#[test]
fn rate_limit_is_per_sender_and_case_insensitive() {
    let mut rl = RateLimiter::new(1, 60);
    rl.check_and_record("Anna@Example.com", Timestamp(0))
        .unwrap();
    assert!(rl
        .check_and_record("anna@example.com", Timestamp(1))
        .is_err());
    assert_eq!(rl.check_and_record("bob@example.com", Timestamp(1)), Ok(()));
}

#[test]
fn rate_limit_memory_is_bounded() {
    let mut rl = RateLimiter::new(5, 60).with_max_senders(100);
    for i in 0..1000u64 {
        rl.check_and_record(&format!("sender{i}"), Timestamp(i))
            .unwrap();
        assert!(rl.tracked_senders() <= 100);
    }
    rl.evict_idle(Timestamp(1000).plus_secs(60));
    assert_eq!(rl.tracked_senders(), 0);
}

// --- Properties -------------------------------------------------------------------------------------------

/// A German number in many written forms: (area, subscriber, form).
fn german_number() -> impl Strategy<Value = (String, String, usize)> {
    ("[1-9][0-9]{1,3}", "[1-9][0-9]{3,7}", 0usize..7)
}

fn written(area: &str, sub: &str, form: usize) -> String {
    match form {
        0 => format!("+49 {area} {sub}"),
        1 => format!("+49 ({area}) {sub}"),
        2 => format!("+49 (0){area} {sub}"),
        3 => format!("0049 {area}/{sub}"),
        4 => format!("0{area} {sub}"),
        5 => format!("(0{area}) {}-{}", &sub[..2], &sub[2..]),
        _ => format!("tel:+49-{area}-{sub}"),
    }
}

proptest! {
    #[test]
    fn every_written_form_gives_the_same_number((area, sub, form) in german_number()) {
        let n = munich().parse(&written(&area, &sub, form)).unwrap();
        prop_assert_eq!(n, e164(&format!("+49{area}{sub}")));
    }

    #[test]
    fn canonical_and_grouped_forms_parse_back((area, sub, form) in german_number()) {
        for plan in [munich(), rome(), new_york(), london()] {
            // Not every German form is valid elsewhere (a national form in the US).
            if let Ok(n) = plan.parse(&written(&area, &sub, form)) {
                prop_assert_eq!(plan.parse(n.as_str()), Ok(n.clone()));
                prop_assert_eq!(plan.parse(&n.grouped()), Ok(n.clone()));
            }
        }
    }

    #[test]
    fn dial_strings_are_digits_and_parse_back(
        (area, sub, form) in german_number(),
        outside in prop::sample::select(vec!["", "0", "9"]),
    ) {
        for plan in [munich(), rome(), new_york(), london()] {
            let plan = plan.with_outside_line_prefix(outside);
            let n = munich().parse(&written(&area, &sub, form)).unwrap();
            let dial = plan.dial_string(&n);
            prop_assert!(dial.bytes().all(|b| b.is_ascii_digit()), "{}", dial);
            let dialled = dial.strip_prefix(outside).unwrap();
            prop_assert_eq!(plan.parse(dialled), Ok(n));
        }
    }

    #[test]
    fn parse_never_panics(s in "\\PC{0,80}") {
        let _ = munich().parse(&s);
        let _ = new_york().normalize_caller(&s, None);
        let _ = rome().normalize_called(&s, Some(TypeOfNumber::Unknown));
    }

    #[test]
    fn parsed_numbers_are_canonical(s in "[+0-9 ()/.-]{0,24}") {
        for plan in [munich(), rome(), new_york(), london()] {
            if let Ok(Number::E164(n)) = plan.parse(&s) {
                prop_assert!(n.starts_with('+'));
                prop_assert!(n[1..].bytes().all(|b| b.is_ascii_digit()));
                prop_assert!(n.len() - 1 <= 15);
            }
        }
    }
}
