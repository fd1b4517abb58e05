//! Incoming SMS stored at most once per dedupe key
//! (`Runner::receive_sms_once`, issue 15): a key read again names the
//! stored message; a key whose record is missing (a crash between the
//! two writes) does not count; a part's key finds its message; keys older
//! than the pruning time are forgotten.

use kernel::directory::Directory;
use kernel::message::{MessageId, Timestamp};
use kernel::numbering::NumberingPlan;
use kernel::routing::Router;
use kernel::runner::{InboundConfig, Runner, RunnerConfig, SmsReceipt};
use kernel::store::Store;
use test_kit::Scratch;

const T0: Timestamp = Timestamp(1_800_000_000_000);

fn runner(dir: &Scratch) -> Runner {
    let plan = NumberingPlan::germany("89", "1234");
    let directory = Directory {
        users: Vec::new(),
        groups: Vec::new(),
        default_recipient: "postmaster@example.com".into(),
    };
    let spool = dir.join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    let inbound = InboundConfig {
        router: Router::new(plan.clone(), directory, Vec::new()).unwrap(),
        plan,
        spool,
        ident: "+49 89 1234 100".into(),
    };
    let store = Store::open(&dir.join("store")).unwrap();
    Runner::new(store, RunnerConfig::default(), Vec::new(), T0)
        .unwrap()
        .with_inbound(inbound)
}

fn receive(r: &mut Runner, keys: &[&[u8]], text: &str, at: Timestamp) -> SmsReceipt {
    r.receive_sms_once(keys, Some("+4917012"), "100", text, "gsm/a", at)
        .unwrap()
}

#[test]
fn one_message_per_key_counted_only_with_its_record() {
    let dir = Scratch::new("sms-once");
    let mut r = runner(&dir);
    let SmsReceipt::Stored(id) = receive(&mut r, &[b"msg", b"part1", b"part2"], "hi", T0) else {
        panic!("stored the first time");
    };
    assert_eq!(
        receive(&mut r, &[b"msg"], "hi", T0),
        SmsReceipt::Duplicate(id)
    );
    assert_eq!(r.sms_stored(b"part2").unwrap(), Some(id));
    assert_eq!(r.sms_stored(b"other").unwrap(), None);
    // A key whose record never reached the disk (the crash came between).
    let keys = r.store().side_tree("sms-received").unwrap();
    let mut v = 999_999u64.to_be_bytes().to_vec();
    v.extend_from_slice(&T0.0.to_be_bytes());
    keys.insert(b"lost", v).unwrap();
    assert_eq!(r.sms_stored(b"lost").unwrap(), None);
    let SmsReceipt::Stored(again) = receive(&mut r, &[b"lost"], "lost", T0) else {
        panic!("a key without its record does not count");
    };
    assert_ne!(again, MessageId(999_999));
    assert_eq!(r.sms_stored(b"lost").unwrap(), Some(again));
    let stored = r.store().all().count();
    assert_eq!(stored, 2);
}

#[test]
fn old_keys_are_pruned() {
    let dir = Scratch::new("sms-prune");
    let mut r = runner(&dir);
    let day = 24 * 3600 * 1000;
    assert!(matches!(
        receive(&mut r, &[b"old"], "old", T0),
        SmsReceipt::Stored(_)
    ));
    let later = Timestamp(T0.0 + 40 * day);
    assert!(matches!(
        receive(&mut r, &[b"new"], "new", later),
        SmsReceipt::Stored(_)
    ));
    assert_eq!(r.prune_sms_keys(Timestamp(later.0 - 30 * day)).unwrap(), 1);
    assert_eq!(r.sms_stored(b"old").unwrap(), None, "forgotten");
    assert!(r.sms_stored(b"new").unwrap().is_some(), "kept");
}
