//! The work pool rendering accepted mails (with the connector's MIME walk): a stored "accepted, not rendered" record
//! becomes a sendable fax (document, pages, waiting job) or a render
//! failure with the sender's notice naming the attachment; nothing is left
//! waiting, and recovery finds what a crash left.

use std::path::Path;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use kernel::message::{Direction, Message, MessageId, Service, Status, Timestamp};
use kernel::notify::{DeliveryMode, Notifier};
use kernel::report::Language;
use kernel::report::ReportConfig;
use kernel::spool::RawSpool;
use kernel::store::{Record, Store};
use kernel::work::{Deliverer, RenderJob, Renderer, Work, WorkPool};
use test_kit::Scratch;

/// The raw spool of a test, attached to its store; `segment_bytes` 1 puts
/// every mail in a segment of its own.
fn raw_spool(store: &Store, spool: &Path, live: &[String], segment_bytes: u64) -> Arc<RawSpool> {
    let raw = Arc::new(
        RawSpool::open_with(
            &spool.join("raw"),
            live.iter().map(String::as_str),
            segment_bytes,
        )
        .unwrap(),
    );
    store.attach_spool(raw.clone());
    raw
}

fn pool(
    store: &Store,
    spool: &Path,
    raw_spool: &Arc<RawSpool>,
) -> (WorkPool, mpsc::Receiver<Vec<MessageId>>) {
    let (tx, rx) = mpsc::channel();
    let notifier = Notifier::new(
        ReportConfig::new("ums.test", "example.test"),
        DeliveryMode::Mail,
    );
    let pool = WorkPool::start(
        Work {
            renderer: Some(Renderer {
                options: Default::default(),
                parse: Box::new(smtp::mime::parse_document),
                store: store.clone(),
                notifier: notifier.clone(),
                spool: spool.to_path_buf(),
                raw_spool: raw_spool.clone(),
                on_rendered: Box::new(move |ids| {
                    let _ = tx.send(ids);
                }),
                clock: Box::new(|| Timestamp(1_800_000_000_000)),
            }),
            deliverer: Deliverer {
                store: store.clone(),
                notifier,
                language: Language::En,
                clock: Box::new(|| Timestamp(1_800_000_000_000)),
            },
        },
        2,
    );
    (pool, rx)
}

/// A record as the connector stores it before the 250: its mail in the raw
/// spool, synced by the insert's group commit.
fn unrendered(store: &Store, spool: &RawSpool, mail: &str) -> (MessageId, String) {
    let raw = spool.append(mail.as_bytes()).unwrap();
    let id = store.next_id().unwrap();
    let mut m = Message::new(id, Direction::Outgoing, Service::Fax, Timestamp(1));
    m.recipient_number = Some("+49895550".into());
    m.sender_address = Some("anna@example.test".into());
    m.envelope_sender = Some("anna@example.test".into());
    m.raw_mail = Some(raw.clone());
    store
        .insert_batch(&[Record {
            message: m,
            job: None,
        }])
        .unwrap();
    (id, raw)
}

fn wait_rendered(store: &Store) {
    for _ in 0..600 {
        if store.unrendered().unwrap().is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("still unrendered after 30 s");
}

const TEXT_MAIL: &str = "From: anna@example.test\r\nTo: 5550@fax.test\r\nSubject: offer\r\n\r\nDear Sir,\r\nplease find our offer.\r\n";

const PDF_MAIL: &str = "From: anna@example.test\r\nTo: 5551@fax.test\r\nSubject: pdf\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\nContent-Type: application/pdf; name=offer.pdf\r\nContent-Disposition: attachment; filename=offer.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJSVFT0YK\r\n--b--\r\n";

#[test]
fn a_text_mail_becomes_a_sendable_fax_and_its_raw_mail_goes() {
    let dir = Scratch::new("text");
    let spool = dir.subdir("spool");
    let store = Store::open(&dir.join("store")).unwrap();
    let raws = raw_spool(&store, &spool, &[], 1);
    let (id, raw) = unrendered(&store, &raws, TEXT_MAIL);
    // A second mail starts a new segment: the first one's can go.
    let (_, later) = unrendered(&store, &raws, TEXT_MAIL);
    assert_eq!(raws.segments().unwrap().len(), 2);
    let (pool, rx) = pool(&store, &spool, &raws);
    pool.submit_render(RenderJob {
        raw: raw.clone(),
        ids: vec![id],
    });
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(60)).unwrap(),
        vec![id],
        "the runner is told"
    );
    let r = store.get(id).unwrap().unwrap();
    assert!(r.message.raw_mail.is_none());
    assert_eq!(r.message.status, Status::Queued);
    assert_eq!(r.message.pages, 1, "the body on the cover page");
    let job = r.job.expect("a job now");
    assert_eq!(job.pages_total, 1);
    assert!(!job.is_done());
    let doc = r.message.document.expect("a document");
    let pages = fax_t30::tiff::read_tiff_file(Path::new(&doc)).unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!(
        raws.live(),
        1,
        "the raw mail is released, the later one waits"
    );
    assert!(RawSpool::read(&raw).is_err(), "its segment is removed");
    assert!(RawSpool::read(&later).is_ok());
    assert!(store.pending_mail().unwrap().is_empty(), "no notice");
}

#[test]
fn a_render_error_fails_the_fax_with_a_notice_naming_the_file() {
    let dir = Scratch::new("pdf");
    let spool = dir.subdir("spool");
    let store = Store::open(&dir.join("store")).unwrap();
    let raws = raw_spool(&store, &spool, &[], 1);
    let (id, raw) = unrendered(&store, &raws, PDF_MAIL);
    let (pool, rx) = pool(&store, &spool, &raws);
    pool.submit_render(RenderJob {
        raw: raw.clone(),
        ids: vec![id],
    });
    wait_rendered(&store);
    let r = store.get(id).unwrap().unwrap();
    assert_eq!(r.message.status, Status::Failed);
    assert!(r.job.is_none());
    assert!(
        r.message
            .status_reason
            .as_deref()
            .is_some_and(|s| s.contains("offer.pdf")),
        "{:?}",
        r.message.status_reason
    );
    let notices = store.pending_mail().unwrap();
    assert_eq!(notices.len(), 1, "one notice");
    assert_eq!(notices[0].recipients, vec!["anna@example.test".to_string()]);
    assert!(String::from_utf8_lossy(&notices[0].data).contains("offer.pdf"));
    assert!(rx.try_recv().is_err(), "nothing to send");
    assert_eq!(raws.live(), 0, "the raw mail is released");
}

#[test]
fn recovery_renders_what_a_crash_left_and_removes_stray_raw_mails() {
    let dir = Scratch::new("recover");
    let spool = dir.subdir("spool");
    let (a, b, gone) = {
        let store = Store::open(&dir.join("store")).unwrap();
        let raws = raw_spool(&store, &spool, &[], 1);
        let (a, _) = unrendered(&store, &raws, TEXT_MAIL);
        let (b, _) = unrendered(&store, &raws, TEXT_MAIL);
        // A mail whose records were rendered before the crash: no record
        // names it any more.
        let gone = raws.append(TEXT_MAIL.as_bytes()).unwrap();
        store.flush().unwrap();
        (a, b, gone)
    };
    // The restart, as `ums serve` does it: the spool keeps what the store
    // waits for.
    let store = Store::open(&dir.join("store")).unwrap();
    let live: Vec<String> = store
        .unrendered()
        .unwrap()
        .into_iter()
        .filter_map(|r| r.message.raw_mail)
        .collect();
    assert_eq!(live.len(), 2);
    let raws = raw_spool(&store, &spool, &live, 1);
    assert!(
        RawSpool::read(&gone).is_err(),
        "the unused segment is removed"
    );
    // A raw mail file of an older version no record names.
    let stray = spool.join("stray.eml");
    std::fs::write(&stray, TEXT_MAIL).unwrap();
    let (pool, rx) = pool(&store, &spool, &raws);
    assert_eq!(pool.recover(store.recovery().unwrap(), &spool), (0, 2));
    assert!(!stray.exists(), "the stray raw mail is removed");
    let mut told: Vec<MessageId> = Vec::new();
    while told.len() < 2 {
        told.extend(rx.recv_timeout(Duration::from_secs(60)).unwrap());
    }
    told.sort();
    assert_eq!(told, vec![a, b]);
    assert!(store.unrendered().unwrap().is_empty());
    // Submitting again changes nothing: rendering is idempotent.
    assert_eq!(raws.live(), 0);
    assert_eq!(
        raws.segments().unwrap().len(),
        1,
        "only the current segment"
    );
    let later = unrendered(&store, &raws, TEXT_MAIL);
    let before = store.get(a).unwrap();
    pool.submit_render(RenderJob {
        raw: live[0].clone(),
        ids: vec![a],
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(store.get(a).unwrap(), before);
    assert_eq!(raws.live(), 1, "no second release: the later mail stays");
    assert!(RawSpool::read(&later.1).is_ok());
}

/// The scheduling policy of this process's threads named `name*` (field 41
/// of /proc/self/task/*/stat).
fn policies(name: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.starts_with(name) {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap();
        // After the ")" closing the name, fields start at 3.
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        out.push(rest.split(' ').nth(41 - 3).unwrap().parse().unwrap());
    }
    out
}

#[test]
fn render_workers_only_take_idle_cpu() {
    const SCHED_IDLE: u32 = 5;
    let dir = Scratch::new("idle");
    let spool = dir.subdir("spool");
    let store = Store::open(&dir.join("store")).unwrap();
    let raws = raw_spool(&store, &spool, &[], 1 << 20);
    let (pool, rx) = pool(&store, &spool, &raws);
    // A render done: the workers have set their policy by then.
    let (id, raw) = unrendered(&store, &raws, TEXT_MAIL);
    pool.submit_render(RenderJob { raw, ids: vec![id] });
    rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let policies = policies("ums-work");
    assert_eq!(policies.len(), pool.workers(), "{policies:?}");
    assert!(policies.iter().all(|&p| p == SCHED_IDLE), "{policies:?}");
}
