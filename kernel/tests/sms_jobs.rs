//! SMS jobs in the runner (issue 15, `runner/sms_out.rs`), on a simulated
//! clock: parts stored as they go, a temporary failure retried from the
//! first part not sent with the same concatenation reference, a
//! permanent one failed with its reason, a restart while waiting for the
//! status reports confirmed as sent with the delivery pending, and a
//! reply routed to the sender of the SMS it answers.

use kernel::job::{Effect, JobState, RetryPolicy};
use kernel::message::{Direction, Message, MessageId, Service, Status, Timestamp};
use kernel::runner::{sms_reference, Handoff, Runner, RunnerConfig};
use kernel::store::{Record, Store};
use test_kit::Scratch;

const T0: Timestamp = Timestamp(1_800_000_000_000);

fn config() -> RunnerConfig {
    RunnerConfig {
        policy: RetryPolicy {
            retries: 2,
            intervals_secs: vec![60],
        },
        ..RunnerConfig::default()
    }
}

fn sms(id: u64, to: &str, text: &str, parts: u32) -> Record {
    let mut m = Message::new(MessageId(id), Direction::Outgoing, Service::Sms, T0);
    m.recipient_number = Some(to.into());
    m.sender_address = Some("anna@example.test".into());
    m.user = Some("anna".into());
    m.text = Some(text.into());
    m.pages = parts;
    Record {
        job: Some(kernel::job::Job::new(parts, 5, T0)),
        message: m,
    }
}

fn get(runner: &Runner, id: u64) -> Record {
    runner.store().get(MessageId(id)).unwrap().expect("stored")
}

#[test]
fn parts_are_stored_as_sent_and_a_retry_resumes_with_the_same_reference() {
    let dir = Scratch::new("sms-jobs-retry");
    let store = Store::open(&dir.join("store")).unwrap();
    let mut runner = Runner::new(store, config(), Vec::new(), T0).unwrap();
    runner
        .submit(vec![sms(7, "+491701234567", "long text", 3)])
        .unwrap();
    // A fax scheduler tick leaves it alone: only a GSM line takes it.
    runner.tick(test_kit::origin(), T0).unwrap();
    assert_eq!(get(&runner, 7).message.status, Status::Queued);

    let task = runner.take_sms("gsm/a", T0).unwrap().expect("due");
    assert_eq!((task.first_part, task.parts), (1, 3));
    assert_eq!(task.number, "+491701234567");
    assert_eq!(task.reference, sms_reference(MessageId(7)));
    assert!(
        runner.take_sms("gsm/b", T0).unwrap().is_none(),
        "taken once"
    );
    runner.sms_part_sent(MessageId(7), 1, T0).unwrap();
    let reason = "+CMS ERROR: no network service";
    (runner.sms_failed(MessageId(7), true, reason, None, T0)).unwrap();
    let r = get(&runner, 7);
    assert_eq!(r.message.status, Status::Retrying);
    assert_eq!(r.message.pages_sent, 1);
    assert_eq!(r.message.status_reason.as_deref(), Some(reason));
    // Not before the retry interval.
    assert!(runner
        .take_sms("gsm/a", T0.plus_secs(30))
        .unwrap()
        .is_none());
    let later = T0.plus_secs(61);
    let task = runner.take_sms("gsm/b", later).unwrap().expect("due again");
    assert_eq!((task.first_part, task.parts), (2, 3), "resumes at part 2");
    assert_eq!(task.reference, sms_reference(MessageId(7)));
    runner.sms_part_sent(MessageId(7), 2, later).unwrap();
    runner.sms_part_sent(MessageId(7), 3, later).unwrap();
    (runner.sms_finished(MessageId(7), "delivered to the handset", later)).unwrap();
    let r = get(&runner, 7);
    assert_eq!(r.message.status, Status::Sent);
    assert_eq!(
        r.message.delivery.as_deref(),
        Some("delivered to the handset")
    );
    assert_eq!(r.message.line.as_deref(), Some("gsm/b"));
    assert_eq!(r.message.attempt_log.len(), 2);
    assert!(runner
        .take_handoffs()
        .contains(&Handoff::Notice(MessageId(7), Effect::Confirmation)));
}

#[test]
fn a_permanent_failure_fails_the_job_with_its_reason() {
    let dir = Scratch::new("sms-jobs-fail");
    let store = Store::open(&dir.join("store")).unwrap();
    let mut runner = Runner::new(store, config(), Vec::new(), T0).unwrap();
    runner
        .submit(vec![sms(8, "+491709999999", "hi", 1)])
        .unwrap();
    runner.take_sms("gsm/a", T0).unwrap().expect("due");
    runner.sms_part_sent(MessageId(8), 1, T0).unwrap();
    let reason = "the network could not deliver the SMS to the handset: not obtainable";
    let code = Some("TP-ST 0x43".to_string());
    (runner.sms_failed(MessageId(8), false, reason, code, T0)).unwrap();
    let r = get(&runner, 8);
    assert_eq!(r.message.status, Status::Failed);
    assert_eq!(r.message.status_reason.as_deref(), Some(reason));
    assert!(r
        .message
        .delivery
        .as_deref()
        .unwrap()
        .contains("not obtainable"));
    assert_eq!(r.message.attempt_log[0].code.as_deref(), Some("TP-ST 0x43"));
    assert!(runner
        .take_sms("gsm/a", T0.plus_secs(3600))
        .unwrap()
        .is_none());
}

#[test]
fn a_restart_while_waiting_for_reports_confirms_it_with_the_delivery_pending() {
    let dir = Scratch::new("sms-jobs-restart");
    {
        let store = Store::open(&dir.join("store")).unwrap();
        let mut runner = Runner::new(store, config(), Vec::new(), T0).unwrap();
        runner
            .submit(vec![
                sms(9, "+491701234567", "a", 2),
                sms(10, "+491701234567", "b", 2),
            ])
            .unwrap();
        runner.take_sms("gsm/a", T0).unwrap().expect("due");
        runner.take_sms("gsm/b", T0).unwrap().expect("due");
        // 9: both parts went, its reports are awaited; 10: one part went.
        runner.sms_part_sent(MessageId(9), 1, T0).unwrap();
        runner.sms_part_sent(MessageId(9), 2, T0).unwrap();
        runner.sms_part_sent(MessageId(10), 1, T0).unwrap();
        runner.store().flush().unwrap();
    }
    // sled lets go of the directory when its flusher thread has ended,
    // which may take a moment on a loaded machine.
    let mut store = Store::open(&dir.join("store"));
    for _ in 0..100 {
        if store.is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        store = Store::open(&dir.join("store"));
    }
    let store = store.expect("the store opens again");
    let later = T0.plus_secs(5);
    let mut runner = Runner::new(store, config(), Vec::new(), later).unwrap();
    let r = get(&runner, 9);
    assert_eq!(r.message.status, Status::Sent);
    let delivery = r.message.delivery.unwrap_or_default();
    assert!(delivery.starts_with("pending"), "{delivery}");
    assert!(runner
        .take_handoffs()
        .contains(&Handoff::Notice(MessageId(9), Effect::Confirmation)));
    let r = get(&runner, 10);
    assert!(matches!(r.job.unwrap().state, JobState::Waiting { .. }));
    let task = runner
        .take_sms("gsm/a", later)
        .unwrap()
        .expect("due at once");
    assert_eq!((task.id, task.first_part), (MessageId(10), 2));
}

#[test]
fn an_answer_goes_to_the_sender_of_the_sms_it_answers() {
    use kernel::directory::Directory;
    use kernel::numbering::NumberingPlan;
    use kernel::routing::Router;
    let dir = Scratch::new("sms-jobs-reply");
    let store = Store::open(&dir.join("store")).unwrap();
    let plan = NumberingPlan::germany("30", "4930100");
    let directory = Directory {
        default_recipient: "default@example.test".into(),
        ..Directory::default()
    };
    let router = Router::new(plan.clone(), directory, Vec::new()).unwrap();
    let mut runner = Runner::new(store, config(), Vec::new(), T0)
        .unwrap()
        .with_inbound(kernel::runner::InboundConfig {
            router,
            plan,
            spool: dir.join("spool"),
            ident: String::new(),
        });
    // Before anything was sent to it, a number's SMS is unrouted.
    let first = (runner.receive_sms(Some("+491701234567"), "4930100", "hello?", "gsm/a", T0))
        .unwrap()
        .expect("stored");
    let r = get(&runner, first.0);
    assert!(r.message.unrouted);
    assert_eq!(
        r.message.recipient_address.as_deref(),
        Some("default@example.test")
    );
    runner
        .submit(vec![sms(900, "+491701234567", "lunch?", 1)])
        .unwrap();
    runner.take_sms("gsm/a", T0).unwrap().expect("due");
    runner.sms_part_sent(MessageId(900), 1, T0).unwrap();
    let answer = (runner.receive_sms(Some("+491701234567"), "4930100", "yes", "gsm/a", T0))
        .unwrap()
        .expect("stored");
    let r = get(&runner, answer.0);
    assert!(!r.message.unrouted);
    assert_eq!(
        r.message.recipient_address.as_deref(),
        Some("anna@example.test")
    );
    assert_eq!(r.message.user.as_deref(), Some("anna"));
    // Another number's SMS still goes to the default recipient.
    let other = (runner.receive_sms(Some("+491705555555"), "4930100", "who?", "gsm/a", T0))
        .unwrap()
        .expect("stored");
    assert!(get(&runner, other.0).message.unrouted);
}
