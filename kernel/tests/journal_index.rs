//! The store's journal index (`by-time`): every record has exactly one
//! key, newest first, whichever write stored it, and a store written
//! before the index existed gets one when opened.

use kernel::message::{Direction, Message, MessageId, Service, Status, Timestamp};
use kernel::store::{journal_key, Record, Store};

const T0: Timestamp = Timestamp(1_795_811_201_000);

fn record(id: u64, at: u64) -> Record {
    Record {
        message: Message::new(
            MessageId(id),
            Direction::Outgoing,
            Service::Fax,
            Timestamp(T0.0 + at),
        ),
        job: None,
    }
}

fn order(store: &Store) -> Vec<u64> {
    store
        .newest_first(None)
        .map(|r| r.unwrap().1.message.id.0)
        .collect()
}

#[test]
fn every_write_keeps_one_key_per_record_newest_first() {
    let dir = test_kit::Scratch::new("journal-index");
    let store = Store::open(&dir.subdir("store")).unwrap();
    // Created out of id order; two at the same millisecond.
    store
        .insert_batch(&[record(1, 5000), record(2, 1000)])
        .unwrap();
    store.insert_as(&[record(3, 5000)], "Received").unwrap();
    store.insert_with_mail(&[record(4, 9000)], &[]).unwrap();
    assert_eq!(order(&store), vec![4, 3, 1, 2]);
    // Updates (status, pages) do not add keys or move the record.
    let mut r = store.get(MessageId(1)).unwrap().unwrap();
    r.message.status = Status::Sent;
    r.message.updated_at = Timestamp(T0.0 + 99_000);
    store.update(&r, "AttemptEnded").unwrap();
    store.rendered(&[r.clone()], &[]).unwrap();
    store.complete_handoff(&r, &[], "Delivered").unwrap();
    assert_eq!(order(&store), vec![4, 3, 1, 2]);
    let got = store.newest_first(None).nth(2).unwrap().unwrap().1;
    assert_eq!(
        got.message.status,
        Status::Sent,
        "the index leads to the record as it is now"
    );
    // Keyset: after the key of the second record.
    let second = journal_key(&store.get(MessageId(3)).unwrap().unwrap());
    let rest: Vec<u64> = store
        .newest_first(Some(second))
        .map(|r| r.unwrap().1.message.id.0)
        .collect();
    assert_eq!(rest, vec![1, 2]);
}

#[test]
fn an_older_store_gets_its_index_when_opened() {
    let dir = test_kit::Scratch::new("journal-index-old");
    let path = dir.subdir("store");
    {
        let store = Store::open(&path).unwrap();
        store
            .insert_batch(&[record(1, 1000), record(2, 3000), record(3, 2000)])
            .unwrap();
        store.flush().unwrap();
    }
    // The index as an older version left it: none.
    {
        let db = sled::open(&path).unwrap();
        db.drop_tree("by-time").unwrap();
        db.flush().unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(order(&store), vec![2, 3, 1]);
}
