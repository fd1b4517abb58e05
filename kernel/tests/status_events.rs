//! The status change feed: an event per status change, written with the
//! record, kept across a restart, taken exactly once.

use std::path::PathBuf;

use kernel::message::{MessageId, Status, Timestamp};
use kernel::runner::outgoing_fax;
use kernel::store::Store;
use test_kit::Scratch;

const T0: Timestamp = Timestamp(1_800_000_000_000);

#[test]
fn only_status_changes_make_events_and_they_survive_a_restart() {
    let dir = Scratch::new("status-events");
    let store = Store::open(&dir.join("store")).unwrap();
    // Off: nothing is recorded.
    let early = outgoing_fax(MessageId(1), "200", PathBuf::from("x.tif"), 1, T0);
    store.insert_batch(std::slice::from_ref(&early)).unwrap();
    assert!(store.status_events(10).unwrap().is_empty());

    store.record_status_events();
    let mut rec = outgoing_fax(MessageId(2), "200", PathBuf::from("x.tif"), 2, T0);
    rec.message.user = Some("alice".into());
    store.insert_batch(std::slice::from_ref(&rec)).unwrap();
    // A write that keeps the status (a page confirmed) is no event.
    rec.message.pages_sent = 1;
    store.update(&rec, "PageConfirmed").unwrap();
    rec.message.status = Status::Sending;
    rec.message.updated_at = T0.plus_secs(5);
    store.update(&rec, "Start").unwrap();
    rec.message.status = Status::Sent;
    store.update(&rec, "AttemptEnded").unwrap();
    // The first message's change counts too once the feed is on.
    let mut early = early;
    early.message.status = Status::Cancelled;
    store.update(&early, "Cancel").unwrap();

    let seen = |store: &Store| -> Vec<(u64, Option<Status>, Status)> {
        store
            .status_events(10)
            .unwrap()
            .into_iter()
            .map(|(_, e)| (e.id.0, e.previous, e.status))
            .collect()
    };
    let want = vec![
        (2, None, Status::Queued),
        (2, Some(Status::Queued), Status::Sending),
        (2, Some(Status::Sending), Status::Sent),
        (1, Some(Status::Queued), Status::Cancelled),
    ];
    assert_eq!(seen(&store), want);
    let events = store.status_events(10).unwrap();
    assert_eq!(events[1].1.at, T0.plus_secs(5));
    assert_eq!(events[1].1.user.as_deref(), Some("alice"));
    assert_eq!(events[1].1.number.as_deref(), Some("200"));
    assert_eq!(events[1].1.pages_sent, 1);

    // A restart keeps them, in order.
    drop(events);
    drop(store);
    let store = Store::open(&dir.join("store")).unwrap();
    assert_eq!(seen(&store), want);

    // Taking one removes it and writes the consumer's entries at once.
    let side = store.side_tree("taker").unwrap();
    let (first, _) = store.status_events(1).unwrap()[0].clone();
    store
        .take_status_event(first, &side, &[(b"k".to_vec(), b"v".to_vec())])
        .unwrap();
    store.commit().unwrap();
    assert_eq!(seen(&store), want[1..].to_vec());
    assert_eq!(side.get(b"k").unwrap().as_deref(), Some(&b"v"[..]));
}
