//! A kernel process for the crash tests: accepts N outgoing faxes into the
//! store, then works through their jobs with the real state machine and the
//! real store, "transmitting" each page by appending `<id> <page>` to the
//! remote fax machine's log (a file outside the process, as a remote
//! machine is). The test kills it at failpoints or at random and restarts it.
//!
//! usage: crash_harness DIR N
//! stdout: `ACCEPTED <id>` once a message is durably stored (what an SMTP
//! client would hear as 250), `DONE` when every job has finished.
#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;

use kernel::job::{step, AttemptResult, FailureKind, Job, JobEvent, JobState, RetryPolicy};
use kernel::message::{Direction, Message, Service, Timestamp};
use kernel::store::{Record, Store};

const PAGES: u32 = 2;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("DIR"));
    let n: usize = args.next().expect("N").parse().expect("N is a number");
    let store = Store::open(&dir.join("store")).expect("store opens");
    let mut remote = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("remote.log"))
        .expect("remote log");
    let policy = RetryPolicy {
        retries: 3,
        intervals_secs: vec![0],
    };
    let now = Timestamp(1_800_000_000_000);
    let out = std::io::stdout();

    // Restart: resolve calls that were in progress at the crash.
    for mut rec in store.open_jobs().expect("store readable") {
        let job = rec.job.as_ref().expect("open job");
        if matches!(job.state, JobState::Active { .. }) {
            let (next, _effects) = step(job, &JobEvent::Recover, now, &policy).expect("recover");
            rec.job = Some(next);
            store.update(&rec, "Recover").expect("store write");
        }
    }

    // Accept what is not accepted yet, ten per group commit.
    while store.len() < n {
        let batch: Vec<Record> = (0..(n - store.len()).min(10))
            .map(|_| {
                let id = store.next_id().expect("id");
                let mut m = Message::new(id, Direction::Outgoing, Service::Fax, now);
                m.recipient_number = Some(format!("+4989{:06}", id.0));
                m.pages = PAGES;
                Record {
                    message: m,
                    job: Some(Job::new(PAGES, 5, now)),
                }
            })
            .collect();
        store.insert_batch(&batch).expect("store write");
        let mut o = out.lock();
        for r in &batch {
            writeln!(o, "ACCEPTED {}", r.message.id.0).unwrap();
        }
        o.flush().unwrap();
    }

    // Work through the jobs.
    loop {
        let open = store.open_jobs().expect("store readable");
        if open.is_empty() {
            break;
        }
        for mut rec in open {
            let id = rec.message.id.0;
            let mut job = rec.job.take().expect("open job");
            let apply = |job: &Job, ev: JobEvent, name: &str, rec: &mut Record| -> Job {
                let (next, _effects) = step(job, &ev, now, &policy).expect("valid step");
                rec.job = Some(next.clone());
                store.update(rec, name).expect("store write");
                next
            };
            job = apply(
                &job,
                JobEvent::Start { line: "L1".into() },
                "Start",
                &mut rec,
            );
            // Every 7th message drops after its first page on the first
            // attempt, and is retried from page 2.
            let drop_after = (id % 7 == 0 && job.attempts == 1).then_some(1);
            let mut confirmed = job.pages_confirmed;
            for page in job.next_page()..=PAGES {
                if drop_after.is_some_and(|d| page > d) {
                    break;
                }
                // One write(2) per line: `writeln!` on a File issues a write
                // per formatted piece, and a kill -9 between them leaves a
                // torn line that swallows the page's resend.
                remote
                    .write_all(format!("{id} {page}\n").as_bytes())
                    .expect("remote log");
                confirmed = page;
                job = apply(
                    &job,
                    JobEvent::PageConfirmed { page },
                    "PageConfirmed",
                    &mut rec,
                );
            }
            let failure =
                (confirmed < PAGES).then(|| (FailureKind::Temporary, "call dropped".to_string()));
            let result = AttemptResult {
                pages_confirmed: confirmed,
                failure,
                bit_rate: 14400,
                remote_id: None,
                duration_secs: 20,
                cause: None,
            };
            apply(
                &job,
                JobEvent::AttemptEnded(result),
                "AttemptEnded",
                &mut rec,
            );
        }
    }
    println!("DONE");
}
