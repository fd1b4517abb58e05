//! The job state machine, property-tested: whatever happens, attempts stay
//! within N + 1, confirmed pages only grow, success means every page, a
//! finished job stays finished, and the sender hears exactly once.

use kernel::job::*;
use kernel::message::Timestamp;
use proptest::prelude::*;

fn ended(pages: u32, failure: Option<(FailureKind, &str)>) -> JobEvent {
    JobEvent::AttemptEnded(AttemptResult {
        pages_confirmed: pages,
        failure: failure.map(|(k, r)| (k, r.to_string())),
        bit_rate: 14400,
        remote_id: None,
        duration_secs: 30,
        cause: None,
        code: None,
    })
}

fn arb_event(total: u32) -> impl Strategy<Value = JobEvent> {
    prop_oneof![
        4 => Just(JobEvent::Start { line: "L1".into() }),
        4 => (0..=total + 1).prop_map(|page| JobEvent::PageConfirmed { page }),
        3 => (0..=total + 1).prop_map(|p| ended(p, None)),
        3 => (0..=total).prop_map(|p| ended(p, Some((FailureKind::Temporary, "busy")))),
        1 => (0..=total).prop_map(|p| ended(p, Some((FailureKind::Permanent, "not a fax")))),
        1 => Just(JobEvent::Cancel { by: "op".into() }),
        1 => Just(JobEvent::Delete { by: "op".into() }),
        1 => Just(JobEvent::Recover),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_for_any_event_sequence(
        total in 1u32..6,
        retries in 0u32..4,
        events in proptest::collection::vec(arb_event(6), 0..40),
    ) {
        let policy = RetryPolicy { retries, intervals_secs: vec![60, 120] };
        let mut job = Job::new(total, 5, Timestamp(0));
        let mut now = Timestamp(0);
        let mut confirmations = 0;
        for ev in &events {
            now = now.plus_secs(10);
            let before = job.clone();
            match step(&job, ev, now, &policy) {
                Ok((next, effects)) => {
                    // Pure: the same inputs give the same outputs.
                    prop_assert_eq!(step(&before, ev, now, &policy).unwrap(), (next.clone(), effects.clone()));
                    prop_assert!(next.attempts <= policy.max_attempts());
                    prop_assert!(next.pages_confirmed >= before.pages_confirmed);
                    prop_assert!(next.pages_confirmed <= total);
                    if let JobState::Done(Final::Sent) = next.state {
                        prop_assert_eq!(next.pages_confirmed, total);
                    }
                    if let JobState::Done(f) = &before.state {
                        // Finished stays finished; only a delete may replace it.
                        let allowed = matches!(ev, JobEvent::Delete { .. } | JobEvent::Recover);
                        prop_assert!(allowed, "event {:?} on a finished job", ev);
                        if matches!(ev, JobEvent::Recover) {
                            prop_assert_eq!(&next.state, &JobState::Done(f.clone()));
                        }
                    }
                    confirmations += effects.iter().filter(|e| **e == Effect::Confirmation).count();
                    job = next;
                }
                Err(e) => {
                    // Refused events change nothing and are the stale kind.
                    prop_assert!(matches!(
                        (e.state, e.event),
                        ("Waiting", "PageConfirmed") | ("Waiting", "AttemptEnded")
                            | ("Active", "Start") | ("Done", _)
                    ), "{:?}", e);
                }
            }
        }
        prop_assert!(confirmations <= 1, "the sender hears once");
        if matches!(job.state, JobState::Done(Final::Sent | Final::Failed { .. })) {
            prop_assert_eq!(confirmations, 1);
        }
    }
}

#[test]
fn n_retries_mean_n_plus_one_attempts_with_the_listed_intervals() {
    let policy = RetryPolicy {
        retries: 2,
        intervals_secs: vec![60, 300],
    };
    let mut job = Job::new(1, 5, Timestamp(0));
    let mut now = Timestamp(0);
    let mut waits = Vec::new();
    for _ in 0..3 {
        (job, _) = step(&job, &JobEvent::Start { line: "L".into() }, now, &policy).unwrap();
        let (next, effects) = step(
            &job,
            &ended(0, Some((FailureKind::Temporary, "busy"))),
            now,
            &policy,
        )
        .unwrap();
        job = next;
        if let JobState::Waiting { not_before } = job.state {
            waits.push(now.secs_until(not_before));
            now = not_before;
        } else {
            assert_eq!(effects, vec![Effect::Confirmation]);
        }
    }
    assert_eq!(waits, vec![60, 300]);
    assert_eq!(job.attempts, 3);
    assert!(matches!(
        job.state,
        JobState::Done(Final::Failed {
            permanent: false,
            ..
        })
    ));
}

#[test]
fn a_permanent_cause_is_not_retried() {
    let policy = RetryPolicy::default();
    let job = Job::new(2, 5, Timestamp(0));
    let (job, _) = step(
        &job,
        &JobEvent::Start { line: "L".into() },
        Timestamp(0),
        &policy,
    )
    .unwrap();
    let (job, fx) = step(
        &job,
        &ended(0, Some((FailureKind::Permanent, "number does not exist"))),
        Timestamp(1),
        &policy,
    )
    .unwrap();
    assert_eq!(job.attempts, 1);
    assert!(matches!(
        job.state,
        JobState::Done(Final::Failed {
            permanent: true,
            ..
        })
    ));
    assert_eq!(fx, vec![Effect::Confirmation]);
}

#[test]
fn a_partial_send_resumes_from_the_first_unconfirmed_page() {
    let policy = RetryPolicy::default();
    let job = Job::new(4, 5, Timestamp(0));
    let (job, _) = step(
        &job,
        &JobEvent::Start { line: "L".into() },
        Timestamp(0),
        &policy,
    )
    .unwrap();
    let (job, _) = step(
        &job,
        &JobEvent::PageConfirmed { page: 1 },
        Timestamp(1),
        &policy,
    )
    .unwrap();
    let (job, _) = step(
        &job,
        &JobEvent::PageConfirmed { page: 2 },
        Timestamp(2),
        &policy,
    )
    .unwrap();
    let (job, _) = step(
        &job,
        &ended(2, Some((FailureKind::Temporary, "dropped"))),
        Timestamp(3),
        &policy,
    )
    .unwrap();
    let JobState::Waiting { not_before } = job.state else {
        panic!()
    };
    let (job, _) = step(
        &job,
        &JobEvent::Start { line: "L".into() },
        not_before,
        &policy,
    )
    .unwrap();
    assert!(matches!(
        job.state,
        JobState::Active {
            first_page: 3,
            attempt: 2,
            ..
        }
    ));
    assert_eq!(job.resumed_from, Some(3));
    let (job, fx) = step(&job, &ended(4, None), not_before.plus_secs(30), &policy).unwrap();
    assert_eq!(job.state, JobState::Done(Final::Sent));
    assert_eq!(fx, vec![Effect::Confirmation]);
}

#[test]
fn recovery_after_a_crash_is_decided_by_what_was_confirmed() {
    let policy = RetryPolicy::default();
    let start = |pages| {
        let job = Job::new(pages, 5, Timestamp(0));
        step(
            &job,
            &JobEvent::Start { line: "L".into() },
            Timestamp(0),
            &policy,
        )
        .unwrap()
        .0
    };
    // Every page confirmed before the crash: sent, and the sender is told.
    let mut job = start(2);
    job.pages_confirmed = 2;
    let (job, fx) = step(&job, &JobEvent::Recover, Timestamp(5), &policy).unwrap();
    assert_eq!(job.state, JobState::Done(Final::Sent));
    assert_eq!(fx, vec![Effect::Confirmation]);
    // Otherwise: retried now from the first unconfirmed page, and the
    // interrupted attempt is not counted.
    let mut job = start(3);
    job.pages_confirmed = 1;
    let (job, fx) = step(&job, &JobEvent::Recover, Timestamp(5), &policy).unwrap();
    assert_eq!(
        job.state,
        JobState::Waiting {
            not_before: Timestamp(5)
        }
    );
    assert_eq!((job.attempts, job.next_page()), (0, 2));
    assert!(fx.is_empty());
}

#[test]
fn cancel_and_delete_tell_the_right_people() {
    let policy = RetryPolicy::default();
    let job = Job::new(1, 5, Timestamp(0));
    let (active, _) = step(
        &job,
        &JobEvent::Start { line: "L".into() },
        Timestamp(0),
        &policy,
    )
    .unwrap();
    let (_, fx) = step(
        &active,
        &JobEvent::Cancel { by: "op".into() },
        Timestamp(1),
        &policy,
    )
    .unwrap();
    assert_eq!(fx, vec![Effect::AbortCall, Effect::CancelNotice]);
    let (_, fx) = step(
        &job,
        &JobEvent::Delete { by: "op".into() },
        Timestamp(1),
        &policy,
    )
    .unwrap();
    assert_eq!(fx, vec![Effect::CancelNotice, Effect::DeletionNotice]);
}
