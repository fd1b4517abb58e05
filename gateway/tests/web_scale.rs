//! The journal over 100 000 messages: a page of 50 with a filter is read
//! from the by-time index (keyset), not by scanning the store. Prints the
//! server-side times (p50, p99) beside a raw ordered read of 50 records;
//! the assertions are about what was read, with only a loose time bound
//! (the machine is shared).

use gateway::web::query::{self, FilterQuery, Visibility};
use kernel::message::{Direction, Message, MessageId, Service, Timestamp};
use kernel::store::{Record, Store};

const N: u64 = 100_000;

#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
fn now() -> std::time::Instant {
    std::time::Instant::now()
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() - 1) as f64 * p).round() as usize]
}

#[test]
fn a_filtered_page_over_100000_messages_comes_from_the_index() {
    let dir = test_kit::Scratch::new("web-scale");
    let store = Store::open(&dir.subdir("store")).unwrap();
    let t0 = Timestamp(1_795_811_201_000);
    let started = now();
    let mut batch = Vec::new();
    for i in 1..=N {
        let service = [Service::Fax, Service::Sms, Service::Voice][(i % 3) as usize];
        let mut m = Message::new(
            MessageId(i),
            Direction::Outgoing,
            service,
            Timestamp(t0.0 + i * 1000),
        );
        m.user = Some(format!("user{}", i % 50));
        m.recipient_number = Some(format!("+4930{:07}", i));
        m.subject = Some(format!("Order {i}"));
        batch.push(Record {
            message: m,
            job: None,
        });
        if batch.len() == 5000 {
            store.insert_batch(&batch).unwrap();
            batch.clear();
        }
    }
    eprintln!(
        "stored {N} messages in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let q = FilterQuery {
        service: Some("sms".into()),
        ..Default::default()
    };
    let filter = q.check().unwrap();
    let (mut page_ms, mut raw_ms) = (Vec::new(), Vec::new());
    for _ in 0..30 {
        let t = now();
        let p = query::page(&store, &filter, &Visibility::All).unwrap();
        page_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(p.records.len(), 50);
        assert!(p.records.iter().all(|r| r.message.service == Service::Sms));
        // Newest first: the last ids.
        let newest_sms = (1..=N).rev().find(|i| i % 3 == 1).unwrap();
        assert_eq!(p.records[0].message.id.0, newest_sms);
        assert!(p.next.is_some());
        let t = now();
        let raw: Vec<Record> = store
            .newest_first(None)
            .take(50)
            .map(|r| r.unwrap().1)
            .collect();
        raw_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(raw.len(), 50);
    }
    // The second page starts where the first ended.
    let first = query::page(&store, &filter, &Visibility::All).unwrap();
    let mut q2 = q.clone();
    q2.after = first.next.clone();
    let second = query::page(&store, &q2.check().unwrap(), &Visibility::All).unwrap();
    let last_first = first.records.last().unwrap().message.id.0;
    assert_eq!(second.records[0].message.id.0, last_first - 3);

    // A user's own page: 1 in 50 messages is theirs.
    let own = Visibility::Own {
        id: "user7".into(),
        email: "user7@example.com".into(),
    };
    let t = now();
    let p = query::page(&store, &FilterQuery::default().check().unwrap(), &own).unwrap();
    let own_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(p.records.len(), 50);
    // A filter that matches nothing stops at the scan budget with a cursor.
    let none = FilterQuery {
        q: Some("no such subject".into()),
        ..Default::default()
    };
    let t = now();
    let p = query::page(&store, &none.check().unwrap(), &Visibility::All).unwrap();
    let none_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert!(p.records.is_empty());
    assert!(p.next.is_some(), "more to look at after the budget");

    let (p50, p99) = (percentile(page_ms.clone(), 0.5), percentile(page_ms, 0.99));
    let (r50, r99) = (percentile(raw_ms.clone(), 0.5), percentile(raw_ms, 0.99));
    eprintln!(
        "journal page (50 rows, service=sms) over {N}: p50 {p50:.2} ms, p99 {p99:.2} ms; \
         raw ordered read of 50: p50 {r50:.2} ms, p99 {r99:.2} ms; \
         a user's own page {own_ms:.1} ms; a filter matching nothing ({} looked at) {none_ms:.1} ms",
        query::SCAN_BUDGET
    );
    assert!(p99 < 1000.0, "a page took {p99} ms");
}
